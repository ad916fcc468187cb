//! `aipin-node` processes.

use crate::{bin, free_port, wait_until, Proc, TempDir};
use std::{path::PathBuf, process::Command, sync::Mutex, time::Duration};

/// How to start a node.
pub struct NodeConfig {
	/// Name in logs and messages.
	pub name: String,
	/// Arguments (`--dev --sealing 1000`, `--chain local --alice`, ...).
	pub args: Vec<String>,
	/// The p2p port, when other nodes must know it in advance.
	pub p2p_port: Option<u16>,
}

impl NodeConfig {
	/// `name` with `args`, any p2p port.
	pub fn new(name: &str, args: &[&str]) -> Self {
		Self {
			name: name.into(),
			args: args.iter().map(|a| a.to_string()).collect(),
			p2p_port: None,
		}
	}
}

/// A running node, killed on drop. Its database and log live in a scratch directory.
pub struct Node {
	/// Its name.
	pub name: String,
	/// WebSocket RPC port on 127.0.0.1.
	pub rpc_port: u16,
	/// p2p port on 127.0.0.1.
	pub p2p_port: u16,
	args: Vec<String>,
	proc: Mutex<Proc>,
	base: TempDir,
}

impl Node {
	/// Starts `aipin-node` with `cfg.args` plus isolated ports, base path and no telemetry,
	/// Prometheus or mDNS: tests only ever talk to 127.0.0.1.
	pub fn start(cfg: NodeConfig) -> Node {
		let base = TempDir::new(&cfg.name);
		let rpc_port = free_port();
		let p2p_port = cfg.p2p_port.unwrap_or_else(free_port);
		let proc = Self::spawn(&cfg.name, &cfg.args, &base, rpc_port, p2p_port);
		Node { name: cfg.name, rpc_port, p2p_port, args: cfg.args, proc: Mutex::new(proc), base }
	}

	fn spawn(name: &str, args: &[String], base: &TempDir, rpc: u16, p2p: u16) -> Proc {
		let mut cmd = Command::new(bin("aipin-node"));
		cmd.args(args)
			.arg("--base-path")
			.arg(base.path().join("data"))
			.args(["--rpc-port", &rpc.to_string()])
			.args(["--listen-addr", &format!("/ip4/127.0.0.1/tcp/{p2p}")])
			.args(["--no-prometheus", "--no-telemetry", "--no-mdns"]);
		Proc::start(name, cmd, base.path())
	}

	/// Kills the node (SIGKILL) and starts it again on the same database and ports.
	pub fn restart(&self) {
		let mut proc = self.proc.lock().unwrap_or_else(|e| e.into_inner());
		proc.kill();
		*proc = Self::spawn(&self.name, &self.args, &self.base, self.rpc_port, self.p2p_port);
	}

	/// Its scratch directory (database under `data/`, log beside it).
	pub fn dir(&self) -> PathBuf {
		self.base.path().to_path_buf()
	}

	/// `ws://127.0.0.1:<rpc port>`.
	pub fn ws_url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// The last `lines` lines of its log.
	pub fn log_tail(&self, lines: usize) -> String {
		self.proc.lock().unwrap_or_else(|e| e.into_inner()).tail(lines)
	}

	/// Kills the node now (SIGKILL: a crash, not a clean shutdown).
	pub fn kill(&self) {
		self.proc.lock().unwrap_or_else(|e| e.into_inner()).kill();
	}

	/// Whether the process is still running.
	pub fn is_running(&self) -> bool {
		self.proc.lock().unwrap_or_else(|e| e.into_inner()).is_running()
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
