//! Test harness: starts `aipin-node` processes on free loopback ports with temporary base paths
//! and stops them when dropped, also when a test fails.

#![allow(dead_code)]

use std::{
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::Mutex,
	time::{Duration, Instant},
};

/// The node binary cargo built for these tests.
pub fn node_bin() -> PathBuf {
	PathBuf::from(env!("CARGO_BIN_EXE_aipin-node"))
}

/// A TCP port on 127.0.0.1 that is free right now.
pub fn free_port() -> u16 {
	let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
	listener.local_addr().expect("ephemeral port has an address").port()
}

/// A scratch directory removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
	pub fn new(tag: &str) -> Self {
		let nanos = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.map(|d| d.as_nanos())
			.unwrap_or_default();
		let dir =
			std::env::temp_dir().join(format!("aipin-test-{tag}-{}-{nanos}", std::process::id()));
		std::fs::create_dir_all(&dir).expect("create temp dir");
		Self(dir)
	}

	pub fn path(&self) -> &Path {
		&self.0
	}
}

impl Drop for TempDir {
	fn drop(&mut self) {
		let _ = std::fs::remove_dir_all(&self.0);
	}
}

/// A running node. Killed (and its log kept for failure reports) on drop.
pub struct Node {
	pub name: String,
	pub rpc_port: u16,
	pub p2p_port: u16,
	child: Mutex<Option<Child>>,
	log: PathBuf,
	_base: TempDir,
}

/// How to start a node.
pub struct NodeConfig {
	pub name: String,
	pub args: Vec<String>,
	pub p2p_port: Option<u16>,
}

impl Node {
	/// Starts `aipin-node` with `args` plus isolated ports, base path and no telemetry, Prometheus
	/// or mDNS: tests only ever talk to 127.0.0.1.
	pub fn start(cfg: NodeConfig) -> Node {
		let base = TempDir::new(&cfg.name);
		let rpc_port = free_port();
		let p2p_port = cfg.p2p_port.unwrap_or_else(free_port);
		let log = base.path().join("node.log");
		let log_file = std::fs::File::create(&log).expect("create node log");
		let mut cmd = Command::new(node_bin());
		cmd.args(&cfg.args)
			.arg("--base-path")
			.arg(base.path().join("data"))
			.args(["--rpc-port", &rpc_port.to_string()])
			.args(["--listen-addr", &format!("/ip4/127.0.0.1/tcp/{p2p_port}")])
			.args(["--no-prometheus", "--no-telemetry", "--no-mdns"])
			.stdout(Stdio::null())
			.stderr(log_file);
		let child = cmd.spawn().expect("spawn aipin-node");
		Node {
			name: cfg.name,
			rpc_port,
			p2p_port,
			child: Mutex::new(Some(child)),
			log,
			_base: base,
		}
	}

	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// The node's log so far (stderr), for assertion messages.
	pub fn log_tail(&self, lines: usize) -> String {
		let text = std::fs::read_to_string(&self.log).unwrap_or_default();
		let all: Vec<&str> = text.lines().collect();
		all[all.len().saturating_sub(lines)..].join("\n")
	}

	/// Kills the node now (SIGKILL: a crash, not a clean shutdown).
	pub fn kill(&self) {
		let mut guard = self.child.lock().unwrap_or_else(|e| e.into_inner());
		if let Some(mut child) = guard.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// Whether the process is still running.
	pub fn is_running(&self) -> bool {
		let mut guard = self.child.lock().unwrap_or_else(|e| e.into_inner());
		match guard.as_mut() {
			Some(child) => matches!(child.try_wait(), Ok(None)),
			None => false,
		}
	}

	/// Waits until `probe` holds, failing at once (with the node's log) if the node exits.
	pub async fn wait_for<F, Fut>(&self, what: &str, timeout: Duration, mut probe: F)
	where
		F: FnMut() -> Fut,
		Fut: std::future::Future<Output = bool>,
	{
		let result = wait_until(what, timeout, || {
			let running = self.is_running();
			let fut = probe();
			async move {
				if !running {
					return true;
				}
				fut.await
			}
		})
		.await;
		if !self.is_running() {
			panic!("node {} exited while waiting for {what}:\n{}", self.name, self.log_tail(30));
		}
		if let Err(e) = result {
			panic!("{e}\n{}", self.log_tail(30));
		}
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		if std::thread::panicking() {
			eprintln!("----- last log lines of node {} -----\n{}", self.name, self.log_tail(40));
		}
		self.kill();
	}
}

/// One JSON-RPC call, over a fresh WebSocket connection; `None` if the node does not answer.
pub async fn rpc(
	node: &Node,
	method: &str,
	params: Vec<serde_json::Value>,
) -> Option<serde_json::Value> {
	let client = subxt::rpcs::RpcClient::from_insecure_url(node.ws_url()).await.ok()?;
	let mut p = subxt::rpcs::client::RpcParams::new();
	for v in params {
		p.push(v).ok()?;
	}
	client.request::<serde_json::Value>(method, p).await.ok()
}

fn hex_number(v: &serde_json::Value) -> Option<u64> {
	let s = v.as_str()?;
	u64::from_str_radix(s.trim_start_matches("0x"), 16).ok()
}

/// Best block number, if the node answers.
pub async fn best_number(node: &Node) -> Option<u64> {
	let header = rpc(node, "chain_getHeader", vec![]).await?;
	hex_number(header.get("number")?)
}

/// Finalized block number, if the node answers.
pub async fn finalized_number(node: &Node) -> Option<u64> {
	let hash = rpc(node, "chain_getFinalizedHead", vec![]).await?;
	let header = rpc(node, "chain_getHeader", vec![hash]).await?;
	hex_number(header.get("number")?)
}

/// Polls `probe` every 250 ms until it returns `true` or `timeout` passes.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut probe: F) -> Result<(), String>
where
	F: FnMut() -> Fut,
	Fut: std::future::Future<Output = bool>,
{
	let start = Instant::now();
	loop {
		if probe().await {
			return Ok(());
		}
		if start.elapsed() > timeout {
			return Err(format!("timed out after {timeout:?} waiting for {what}"));
		}
		tokio::time::sleep(Duration::from_millis(250)).await;
	}
}
