//! The end-to-end harness: a real `aipin-node --dev --sealing 1000` (a block a second, each
//! finalized), real `aipin-worker run` processes, the real `aipin` CLI, and subxt for what the
//! tests check. Every process is killed when its handle drops; logs stay in the test's
//! directory and their tails are printed when an expectation fails.

#![allow(dead_code)]

use std::{
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Output, Stdio},
	time::{Duration, Instant},
};
use subxt::{
	dynamic::{self, Value},
	ext::scale_decode::{self, DecodeAsType},
	OnlineClient, SubstrateConfig,
};
use subxt_signer::sr25519::Keypair;

pub type Api = OnlineClient<SubstrateConfig>;

pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The node binary: `AIPIN_NODE_BIN`, or `aipin-node` in the target directory these tests
/// were built in (`cargo test --workspace` builds it).
pub fn node_bin() -> PathBuf {
	if let Ok(p) = std::env::var("AIPIN_NODE_BIN") {
		return p.into();
	}
	let exe = std::env::current_exe().unwrap();
	exe.parent().and_then(|deps| deps.parent()).unwrap().join("aipin-node")
}

/// A child process killed on drop, its output kept in a log file for failure reports.
pub struct Proc {
	pub child: Child,
	pub log: PathBuf,
}

impl Proc {
	pub fn start(name: &str, mut cmd: Command, dir: &Path) -> Self {
		let log = dir.join(format!("{name}.log"));
		let f = std::fs::OpenOptions::new().create(true).append(true).open(&log).unwrap();
		let child = cmd
			.stdout(Stdio::from(f.try_clone().unwrap()))
			.stderr(Stdio::from(f))
			.spawn()
			.unwrap_or_else(|e| panic!("starting {name}: {e}"));
		Self { child, log }
	}

	pub fn tail(&self) -> String {
		let text = std::fs::read_to_string(&self.log).unwrap_or_default();
		let lines: Vec<&str> = text.lines().collect();
		lines[lines.len().saturating_sub(30)..].join("\n")
	}

	/// SIGKILL: no shutdown code runs (a crash, a power cut).
	pub fn kill(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

impl Drop for Proc {
	fn drop(&mut self) {
		self.kill();
	}
}

/// A worker's identity on the dev chain.
#[derive(Clone)]
pub struct WorkerSpec {
	pub name: &'static str,
	pub operator: &'static str,
	pub port: u16,
	pub extra: Vec<&'static str>,
}

impl WorkerSpec {
	pub fn new(name: &'static str, operator: &'static str) -> Self {
		Self { name, operator, port: free_port(), extra: Vec::new() }
	}
}

/// A dev node plus workers, in a fresh directory.
pub struct Net {
	pub dir: PathBuf,
	pub node: Proc,
	pub rpc: u16,
	p2p: u16,
	pub url: String,
	pub api: Api,
	pub workers: Vec<(WorkerSpec, Proc)>,
}

impl Net {
	/// Starts a dev node (a block a second) and waits until it answers.
	pub async fn start(test: &str) -> Self {
		let dir = std::env::temp_dir().join(format!("aipin-{test}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		std::fs::create_dir_all(&dir).unwrap();
		let rpc = free_port();
		let p2p = free_port();
		let node = Self::spawn_node(&dir, rpc, p2p);
		let url = format!("ws://127.0.0.1:{rpc}");
		let api = connect(&url, &node).await;
		Self { dir, node, rpc, p2p, url, api, workers: Vec::new() }
	}

	fn spawn_node(dir: &Path, rpc: u16, p2p: u16) -> Proc {
		let mut cmd = Command::new(node_bin());
		cmd.args(["--dev", "--sealing", "1000", "--rpc-port", &rpc.to_string(), "--base-path"])
			.arg(dir.join("node"))
			.args(["--listen-addr", &format!("/ip4/127.0.0.1/tcp/{p2p}"), "--no-prometheus"]);
		Proc::start("node", cmd, dir)
	}

	/// Kills the node (SIGKILL) and starts it again on the same database and ports.
	pub async fn restart_node(&mut self) {
		self.node.kill();
		self.node = Self::spawn_node(&self.dir, self.rpc, self.p2p);
		self.api = connect(&self.url, &self.node).await;
	}

	/// Starts `aipin-worker run` for `spec`.
	pub fn start_worker(&mut self, spec: WorkerSpec) {
		let proc = self.spawn_worker(&spec);
		self.workers.push((spec, proc));
	}

	fn spawn_worker(&self, spec: &WorkerSpec) -> Proc {
		let mut cmd = Command::new(env!("CARGO_BIN_EXE_aipin-worker"));
		cmd.args(["run", "--node", &self.url, "--listen", &format!("127.0.0.1:{}", spec.port)])
			.arg("--data-dir")
			.arg(self.dir.join(spec.name))
			.args(&spec.extra)
			.env("AIPIN_OPERATOR_SURI", spec.operator)
			.env("RUST_LOG", "info,aipin=debug");
		Proc::start(spec.name, cmd, &self.dir)
	}

	/// SIGKILLs worker `name` (its journal stays).
	pub fn kill_worker(&mut self, name: &str) {
		self.workers.iter_mut().find(|(s, _)| s.name == name).unwrap().1.kill();
	}

	/// Starts worker `name` again on the same data directory.
	pub fn restart_worker(&mut self, name: &str) {
		let i = self.workers.iter().position(|(s, _)| s.name == name).unwrap();
		let proc = self.spawn_worker(&self.workers[i].0);
		self.workers[i].1 = proc;
	}

	pub fn port(&self, name: &str) -> u16 {
		self.workers.iter().find(|(s, _)| s.name == name).unwrap().0.port
	}

	/// Every process's last log lines.
	pub fn logs(&self) -> String {
		let mut s = format!("--- node\n{}\n", self.node.tail());
		for (spec, p) in &self.workers {
			s.push_str(&format!("--- {}\n{}\n", spec.name, p.tail()));
		}
		s
	}

	/// Runs the `aipin` CLI against this node.
	pub fn cli(&self, suri: Option<&str>, args: &[&str]) -> Output {
		let mut cmd = Command::new(env!("CARGO_BIN_EXE_aipin"));
		cmd.arg("--node").arg(&self.url).args(args).current_dir(&self.dir);
		match suri {
			Some(s) => cmd.env("AIPIN_SURI", s),
			None => cmd.env_remove("AIPIN_SURI"),
		};
		cmd.output().expect("runs aipin")
	}

	/// Runs the CLI with `--json`, asserts success, parses stdout.
	pub fn cli_json(&self, suri: Option<&str>, args: &[&str]) -> serde_json::Value {
		let mut all = vec!["--json"];
		all.extend_from_slice(args);
		let out = self.cli(suri, &all);
		assert!(
			out.status.success(),
			"aipin {args:?} failed:\n{}\n{}",
			String::from_utf8_lossy(&out.stderr),
			self.logs()
		);
		serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
			panic!("aipin {args:?}: not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout))
		})
	}

	/// Signs `pallet.call(args)` with `who`, waits for finality and success, returns events.
	pub async fn submit(
		&self,
		who: &Keypair,
		pallet: &str,
		call: &str,
		args: Vec<Value>,
	) -> subxt::extrinsics::ExtrinsicEvents<SubstrateConfig> {
		self.api
			.at_current_block()
			.await
			.unwrap()
			.transactions()
			.sign_and_submit_then_watch_default(&dynamic::transaction(pallet, call, args), who)
			.await
			.unwrap_or_else(|e| panic!("{pallet}.{call}: {e}"))
			.wait_for_finalized_success()
			.await
			.unwrap_or_else(|e| panic!("{pallet}.{call}: {e}\n{}", self.logs()))
	}

	/// Sets a runtime `storage` parameter (`EpochLength`, `SlashDeferPeriod`) with sudo.
	pub async fn set_param(&self, name: &str, blocks: u32) {
		let key = sp_crypto_hashing::twox_128(format!(":{name}:").as_bytes());
		let call = Value::unnamed_variant(
			"System",
			[Value::named_variant(
				"set_storage",
				[(
					"items",
					Value::unnamed_composite([Value::unnamed_composite([
						Value::from_bytes(key),
						Value::from_bytes(blocks.to_le_bytes()),
					])]),
				)],
			)],
		);
		self.submit(&subxt_signer::sr25519::dev::alice(), "Sudo", "sudo", vec![call]).await;
	}

	pub async fn block(&self) -> u64 {
		self.api.at_current_block().await.unwrap().block_number()
	}

	/// Waits until finalized block `n`.
	pub async fn wait_block(&self, n: u64, timeout: Duration) {
		let started = Instant::now();
		while self.block().await < n {
			assert!(started.elapsed() < timeout, "block {n} never came\n{}", self.logs());
			tokio::time::sleep(Duration::from_millis(300)).await;
		}
	}

	/// Polls task `id` until `done` says so.
	pub async fn wait_task(
		&self,
		id: u64,
		timeout: Duration,
		what: &str,
		mut done: impl FnMut(&TaskView) -> bool,
	) -> TaskView {
		let started = Instant::now();
		loop {
			if let Some(t) = self.task(id).await {
				if done(&t) {
					return t;
				}
				assert!(
					started.elapsed() < timeout,
					"task {id}: {what} did not happen: {t:?}\n{}",
					self.logs()
				);
			}
			tokio::time::sleep(Duration::from_millis(300)).await;
		}
	}

	pub async fn task(&self, id: u64) -> Option<TaskView> {
		let at = self.api.at_current_block().await.unwrap();
		let addr = dynamic::storage::<(u64,), TaskView>("Escrow", "Tasks");
		at.storage().try_fetch(addr, (id,)).await.unwrap().map(|v| v.decode().unwrap())
	}

	pub async fn finished(&self, id: u64, timeout: Duration) -> TaskView {
		self.wait_task(id, timeout, "settlement", |t| matches!(t.phase, Phase::Finished { .. }))
			.await
	}

	/// Free balance of `who`.
	pub async fn free(&self, who: [u8; 32]) -> u128 {
		#[derive(DecodeAsType)]
		#[decode_as_type(crate_path = "scale_decode")]
		struct Data {
			free: u128,
		}
		#[derive(DecodeAsType)]
		#[decode_as_type(crate_path = "scale_decode")]
		struct Info {
			data: Data,
		}
		let at = self.api.at_current_block().await.unwrap();
		let addr = dynamic::storage::<([u8; 32],), Info>("System", "Account");
		at.storage().fetch(addr, (who,)).await.unwrap().decode().unwrap().data.free
	}

	/// Active stake of provider `stash`.
	pub async fn stake(&self, stash: [u8; 32]) -> u128 {
		#[derive(DecodeAsType)]
		#[decode_as_type(crate_path = "scale_decode")]
		struct P {
			active: u128,
		}
		let at = self.api.at_current_block().await.unwrap();
		let addr = dynamic::storage::<([u8; 32],), P>("Staking", "Providers");
		at.storage().fetch(addr, (stash,)).await.unwrap().decode().unwrap().active
	}

	/// Counts `ExtrinsicFailed` events in blocks `from..=to`.
	pub async fn failed_extrinsics(&self, from: u64, to: u64) -> Vec<String> {
		let mut out = Vec::new();
		for n in from..=to {
			let at = self.api.at_block(n).await.unwrap();
			for ev in at.events().fetch().await.unwrap().iter().filter_map(Result::ok) {
				if ev.pallet_name() == "System" && ev.event_name() == "ExtrinsicFailed" {
					let fields = ev
						.decode_fields_unchecked_as::<subxt::ext::scale_value::Composite<()>>()
						.map(|c| format!("{c:?}"))
						.unwrap_or_default();
					out.push(format!("block {n}: {fields}"));
				}
			}
		}
		out
	}

	/// Events `pallet.name` in blocks `from..=to`, as their field values.
	pub async fn events(
		&self,
		from: u64,
		to: u64,
		pallet: &str,
		name: &str,
	) -> Vec<subxt::ext::scale_value::Composite<()>> {
		let mut out = Vec::new();
		for n in from..=to {
			let at = self.api.at_block(n).await.unwrap();
			for ev in at.events().fetch().await.unwrap().iter().filter_map(Result::ok) {
				if ev.pallet_name() == pallet && ev.event_name() == name {
					out.push(ev.decode_fields_unchecked_as().unwrap());
				}
			}
		}
		out
	}
}

impl Drop for Net {
	fn drop(&mut self) {
		self.workers.clear();
		if !std::thread::panicking() {
			let _ = std::fs::remove_dir_all(&self.dir);
		}
	}
}

async fn connect(url: &str, node: &Proc) -> Api {
	let started = Instant::now();
	loop {
		if let Ok(api) = OnlineClient::<SubstrateConfig>::from_insecure_url(url).await {
			return api;
		}
		assert!(
			started.elapsed() < Duration::from_secs(90),
			"node never answered:\n{}",
			node.tail()
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	}
}

pub use aipin_worker::chain::{Phase, Reason, Slot};

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct AssignmentView {
	pub provider: [u8; 32],
	pub state: Slot,
}

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct TaskView {
	pub phase: Phase,
	pub escrow: u128,
	pub assignments: Vec<AssignmentView>,
	pub result_root: Option<[u8; 32]>,
}

impl TaskView {
	pub fn reason(&self) -> Option<Reason> {
		match self.phase {
			Phase::Finished { reason, .. } => Some(reason),
			_ => None,
		}
	}
	pub fn slot_of(&self, stash: [u8; 32]) -> Option<Slot> {
		self.assignments.iter().rev().find(|a| a.provider == stash).map(|a| a.state)
	}
}

/// The dev chain's genesis providers.
pub fn alice_stash() -> [u8; 32] {
	stash("//Alice//stash")
}

pub fn bob_stash() -> [u8; 32] {
	stash("//Bob//stash")
}

pub fn stash(uri: &str) -> [u8; 32] {
	let uri: subxt_signer::SecretUri = uri.parse().unwrap();
	Keypair::from_uri(&uri).unwrap().public_key().0
}

/// A field of an event by name, as u128.
pub fn field_u128(c: &subxt::ext::scale_value::Composite<()>, name: &str) -> Option<u128> {
	aipin_worker::consumer::field(c, name).and_then(|v| v.as_u128())
}

/// A 32-byte field (an account, however deeply wrapped) of an event by name.
pub fn field_account(c: &subxt::ext::scale_value::Composite<()>, name: &str) -> Option<[u8; 32]> {
	aipin_worker::consumer::field(c, name).and_then(aipin_worker::consumer::bytes32)
}
