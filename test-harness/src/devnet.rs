//! A dev network: one `aipin-node --dev --sealing 1000` (a finalized block a second), provider
//! workers, the CLI, and typed reads for what tests check. Every process is killed when the
//! network drops; logs stay in its directory and their tails go into failure messages.

use crate::{bin, free_port, Node, NodeConfig, Proc, TempDir};
use aipin_client::{
	calls::{self, Call},
	events::{self, ChainEvent},
	reads, AccountId, Client, Included, Keypair,
};
use aipin_primitives::TaskId;
use std::{
	process::{Command, Output},
	time::{Duration, Instant},
};
use subxt::{
	rpcs::{rpc_params, RpcClient},
	utils::H256,
};

/// A worker's identity on the dev chain.
#[derive(Clone)]
pub struct WorkerSpec {
	/// Its name (and data directory).
	pub name: &'static str,
	/// The operator's secret URI.
	pub operator: &'static str,
	/// Its result server's port.
	pub port: u16,
	/// Extra `aipin-worker run` flags.
	pub extra: Vec<&'static str>,
}

impl WorkerSpec {
	/// A worker `name` for `operator` on a free port.
	pub fn new(name: &'static str, operator: &'static str) -> Self {
		Self { name, operator, port: free_port(), extra: Vec::new() }
	}
}

/// A dev node plus workers, in a fresh directory.
pub struct DevNet {
	/// Scratch directory for workers and CLI output.
	pub dir: TempDir,
	/// The node.
	pub node: Node,
	/// Its WebSocket URL.
	pub url: String,
	/// A client connected to it.
	pub client: Client,
	/// The workers started so far.
	pub workers: Vec<(WorkerSpec, Proc)>,
	/// Raw JSON-RPC to the node, for what the typed client does not wrap (`engine_*`).
	rpc: RpcClient,
}

impl DevNet {
	/// Starts a dev node (a block a second) and waits until it answers.
	pub async fn start(test: &str) -> Self {
		Self::start_sealing(test, "1000").await
	}

	/// Starts a dev node that makes blocks only when asked ([`Self::seal`], [`Self::auto_seal`]):
	/// for forks and re-orgs.
	pub async fn start_manual(test: &str) -> Self {
		Self::start_sealing(test, "manual").await
	}

	async fn start_sealing(test: &str, sealing: &str) -> Self {
		let node = Node::start(NodeConfig::new(test, &["--dev", "--sealing", sealing]));
		let url = node.ws_url();
		let (client, rpc) = connect(&node).await;
		Self { dir: TempDir::new(test), node, url, client, workers: Vec::new(), rpc }
	}

	/// `--sealing manual` only: seals a block on `parent` (the best block if `None`),
	/// finalized if `finalize`, and returns its hash.
	pub async fn seal(&self, parent: Option<H256>, finalize: bool) -> H256 {
		create_block(&self.rpc, parent, finalize)
			.await
			.unwrap_or_else(|e| panic!("engine_createBlock: {e}\n{}", self.logs()))
	}

	/// `--sealing manual` only: seals a finalized block on the best one every `every` until the
	/// returned task is aborted.
	pub fn auto_seal(&self, every: Duration) -> tokio::task::JoinHandle<()> {
		let rpc = self.rpc.clone();
		tokio::spawn(async move {
			loop {
				// A failed seal (nothing changed, the node busy) is tried again next time.
				let _ = create_block(&rpc, None, true).await;
				tokio::time::sleep(every).await;
			}
		})
	}

	/// `--sealing manual` only: finalizes block `hash` (and its ancestors).
	pub async fn finalize(&self, hash: H256) {
		let _: bool = self
			.rpc
			.request("engine_finalizeBlock", rpc_params![hash])
			.await
			.unwrap_or_else(|e| panic!("engine_finalizeBlock: {e}\n{}", self.logs()));
	}

	/// How many transactions wait in the node's pool.
	pub async fn pool_len(&self) -> usize {
		let pending: Vec<serde_json::Value> = self
			.rpc
			.request("author_pendingExtrinsics", rpc_params![])
			.await
			.expect("author_pendingExtrinsics");
		pending.len()
	}

	/// Kills the node (SIGKILL) and starts it again on the same database and ports.
	pub async fn restart_node(&mut self) {
		self.node.restart();
		(self.client, self.rpc) = connect(&self.node).await;
	}

	/// Starts `aipin-worker run` for `spec`.
	pub fn start_worker(&mut self, spec: WorkerSpec) {
		let proc = self.spawn_worker(&spec);
		self.workers.push((spec, proc));
	}

	fn spawn_worker(&self, spec: &WorkerSpec) -> Proc {
		let mut cmd = Command::new(bin("aipin-worker"));
		cmd.args(["run", "--node", &self.url, "--listen", &format!("127.0.0.1:{}", spec.port)])
			.arg("--data-dir")
			.arg(self.dir.path().join(spec.name))
			.args(&spec.extra)
			.env("AIPIN_OPERATOR_SURI", spec.operator)
			.env("RUST_LOG", "info,aipin=debug");
		Proc::start(spec.name, cmd, self.dir.path())
	}

	/// SIGKILLs worker `name` (its journal stays).
	pub fn kill_worker(&mut self, name: &str) {
		self.worker(name).1.kill();
	}

	/// Starts worker `name` again on the same data directory.
	pub fn restart_worker(&mut self, name: &str) {
		let i = self.workers.iter().position(|(s, _)| s.name == name).expect("a known worker");
		let proc = self.spawn_worker(&self.workers[i].0);
		self.workers[i].1 = proc;
	}

	fn worker(&mut self, name: &str) -> &mut (WorkerSpec, Proc) {
		self.workers.iter_mut().find(|(s, _)| s.name == name).expect("a known worker")
	}

	/// The result server port of worker `name`.
	pub fn port(&self, name: &str) -> u16 {
		self.workers.iter().find(|(s, _)| s.name == name).expect("a known worker").0.port
	}

	/// Every process's last log lines.
	pub fn logs(&self) -> String {
		let mut s = format!("--- node\n{}\n", self.node.log_tail(30));
		for (spec, p) in &self.workers {
			s.push_str(&format!("--- {}\n{}\n", spec.name, p.tail(30)));
		}
		s
	}

	/// Runs the `aipin` CLI against this node, signing as `suri` if given.
	pub fn cli(&self, suri: Option<&str>, args: &[&str]) -> Output {
		let mut cmd = Command::new(bin("aipin"));
		cmd.arg("--node").arg(&self.url).args(args).current_dir(self.dir.path());
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

	/// Signs `call` with `who`, waits for finality and success.
	pub async fn submit(&self, who: &Keypair, call: &Call) -> Included {
		self.client
			.submit(who, call)
			.await
			.unwrap_or_else(|e| panic!("{}: {e}\n{}", call.name(), self.logs()))
	}

	/// Sets a runtime `storage` parameter (`EpochLength`, `SlashDeferPeriod`) with sudo.
	pub async fn set_param(&self, name: &str, blocks: u32) {
		let key = sp_crypto_hashing::twox_128(format!(":{name}:").as_bytes());
		let set = calls::root::set_storage(&[(key.to_vec(), blocks.to_le_bytes().to_vec())]);
		let inner = self.client.call_data(&set).await.expect("set_storage encodes");
		self.submit(&subxt_signer::sr25519::dev::alice(), &calls::root::sudo(inner)).await;
	}

	/// The latest finalized block number.
	pub async fn block(&self) -> u64 {
		self.client.finalized_number().await.expect("the node answers")
	}

	/// Waits until finalized block `n`.
	pub async fn wait_block(&self, n: u64, timeout: Duration) {
		let started = Instant::now();
		while self.block().await < n {
			assert!(started.elapsed() < timeout, "block {n} never came\n{}", self.logs());
			tokio::time::sleep(Duration::from_millis(300)).await;
		}
	}

	/// Task `id` at the latest finalized block.
	pub async fn task(&self, id: TaskId) -> Option<reads::Task> {
		let at = self.client.finalized().await.expect("the node answers");
		reads::task(&at, id).await.expect("tasks decode")
	}

	/// Polls task `id` until `done` says so.
	pub async fn wait_task(
		&self,
		id: TaskId,
		timeout: Duration,
		what: &str,
		mut done: impl FnMut(&reads::Task) -> bool,
	) -> reads::Task {
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

	/// Waits until task `id` has finished.
	pub async fn finished(&self, id: TaskId, timeout: Duration) -> reads::Task {
		self.wait_task(id, timeout, "settlement", |t| t.terminal_reason().is_some()).await
	}

	/// Free balance of `who`.
	pub async fn free(&self, who: &AccountId) -> u128 {
		let at = self.client.finalized().await.expect("the node answers");
		reads::account(&at, who).await.expect("accounts decode").data.free
	}

	/// Active stake of provider `stash` (0 if not registered).
	pub async fn stake(&self, stash: &AccountId) -> u128 {
		let at = self.client.finalized().await.expect("the node answers");
		reads::provider(&at, stash).await.expect("providers decode").map_or(0, |p| p.active)
	}

	/// Provider `stash`, which must be registered.
	pub async fn provider(&self, stash: &AccountId) -> reads::Provider {
		let at = self.client.finalized().await.expect("the node answers");
		reads::provider(&at, stash).await.expect("providers decode").expect("registered")
	}

	/// Transactions `who` has sent (its account nonce).
	pub async fn nonce(&self, who: &AccountId) -> u32 {
		let at = self.client.finalized().await.expect("the node answers");
		reads::account(&at, who).await.expect("accounts decode").nonce
	}

	/// `ExtrinsicFailed` events in blocks `from..=to`, described.
	pub async fn failed_extrinsics(&self, from: u64, to: u64) -> Vec<String> {
		use subxt::ext::scale_value::Composite;
		let mut out = Vec::new();
		for n in from..=to {
			let at = self.client.at_number(n).await.expect("the block exists");
			let evs = events::of_block(&at).await.expect("events decode");
			for ev in evs.iter() {
				let ev = ev.expect("events decode");
				if ev.pallet_name() == "System" && ev.event_name() == "ExtrinsicFailed" {
					let fields = ev
						.decode_fields_unchecked_as::<Composite<()>>()
						.map(|c| format!("{c:?}"))
						.unwrap_or_default();
					out.push(format!("block {n}: {fields}"));
				}
			}
		}
		out
	}

	/// Every event `E` in blocks `from..=to`, with its block.
	pub async fn events<E: ChainEvent>(&self, from: u64, to: u64) -> Vec<(u64, E)> {
		let mut out = Vec::new();
		for n in from..=to {
			let at = self.client.at_number(n).await.expect("the block exists");
			let evs = events::of_block(&at).await.expect("events decode");
			let found =
				events::find::<E>(evs.iter(), at.metadata_ref()).expect("the event decodes");
			out.extend(found.into_iter().map(|e| (n, e)));
		}
		out
	}
}

/// The typed client and a raw RPC connection to `node`, once it answers.
async fn connect(node: &Node) -> (Client, RpcClient) {
	let client = match Client::connect_patiently(&node.ws_url(), Duration::from_secs(90)).await {
		Ok(c) => c,
		Err(e) => panic!("node never answered: {e}\n{}", node.log_tail(30)),
	};
	let rpc = RpcClient::from_insecure_url(&node.ws_url())
		.await
		.unwrap_or_else(|e| panic!("node RPC: {e}\n{}", node.log_tail(30)));
	(client, rpc)
}

/// `engine_createBlock` (a `--sealing manual` node): a block on `parent` (the best if `None`),
/// finalized if `finalize`; its hash.
async fn create_block(
	rpc: &RpcClient,
	parent: Option<H256>,
	finalize: bool,
) -> Result<H256, String> {
	let created: serde_json::Value = rpc
		.request("engine_createBlock", rpc_params![true, finalize, parent])
		.await
		.map_err(|e| e.to_string())?;
	serde_json::from_value(created["hash"].clone()).map_err(|e| e.to_string())
}

/// The account of secret URI `uri` (`//Alice//stash`).
pub fn stash(uri: &str) -> AccountId {
	let uri: subxt_signer::SecretUri = uri.parse().expect("a secret URI");
	aipin_client::account_of(&Keypair::from_uri(&uri).expect("a key"))
}

/// The dev chain's first genesis provider (operated by //Eve).
pub fn alice_stash() -> AccountId {
	stash("//Alice//stash")
}

/// The dev chain's second genesis provider (operated by //Ferdie).
pub fn bob_stash() -> AccountId {
	stash("//Bob//stash")
}
