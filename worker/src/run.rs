//! `aipin-worker run`: follow finalized blocks, do the tasks assigned to this operator, commit
//! and reveal, record everything in the journal first, and survive restarts and disconnects.

use crate::{
	chain::{Chain, OperatorTask, Phase, Slot, TaskInput},
	config::Config,
	gpu::Gpu,
	journal::{Entry, Journal, Stage},
	kernels::{self, Kernels},
	merkle, seeded_input,
	server::Metrics,
};
use std::{
	sync::{atomic::Ordering, Arc, Mutex},
	time::{Duration, Instant},
};
use subxt::dynamic::Value;
use subxt_signer::{sr25519::Keypair, SecretUri};

/// Everything a running worker holds.
pub struct Worker {
	pub cfg: Config,
	pub journal: Arc<Journal>,
	pub metrics: Arc<Metrics>,
	gpu: Mutex<Option<(Gpu, Kernels)>>,
	stash: Option<[u8; 32]>,
	last_heartbeat: Option<u64>,
}

fn keypair(cfg: &Config) -> anyhow::Result<Keypair> {
	let secret = cfg.operator_secret()?;
	let uri: SecretUri = secret
		.expose()
		.parse()
		.map_err(|_| anyhow::anyhow!("the operator secret URI is malformed"))?;
	Keypair::from_uri(&uri).map_err(|_| anyhow::anyhow!("the operator secret URI gives no key"))
}

impl Worker {
	pub fn new(cfg: Config, journal: Arc<Journal>, metrics: Arc<Metrics>) -> Self {
		Self { cfg, journal, metrics, gpu: Mutex::new(None), stash: None, last_heartbeat: None }
	}

	/// Runs until the process is stopped: reconnects with backoff whenever the node goes away,
	/// rebuilding pending work from chain state and the journal each time.
	pub async fn run(mut self) -> anyhow::Result<()> {
		let key = keypair(&self.cfg)?;
		let mut backoff = Duration::from_secs(1);
		loop {
			match self.session(key.clone()).await {
				Ok(()) => tracing::warn!(target: "aipin::worker", "finalized-block stream ended"),
				Err(e) => tracing::warn!(target: "aipin::worker", "node connection: {e:#}"),
			}
			self.metrics.reconnects.fetch_add(1, Ordering::Relaxed);
			tracing::info!(target: "aipin::worker", "reconnecting to {} in {backoff:?}", self.cfg.node);
			tokio::time::sleep(backoff).await;
			backoff = (backoff * 2).min(Duration::from_secs(30));
		}
	}

	/// One connection's worth of work.
	async fn session(&mut self, key: Keypair) -> anyhow::Result<()> {
		let mut chain = Chain::connect(&self.cfg.node, key).await?;
		let stash = chain.stash().await?.ok_or_else(|| {
			anyhow::anyhow!(
				"operator {} is not registered to any provider (run `aipin-worker register` first)",
				hex::encode(chain.operator_id())
			)
		})?;
		self.stash = Some(stash);
		tracing::info!(
			target: "aipin::worker",
			node = %self.cfg.node, stash = %hex::encode(stash), "connected; following finalized blocks"
		);
		let mut blocks = chain.api.stream_blocks().await?;
		while let Some(block) = blocks.next().await {
			let block = block?;
			let number = block.number();
			self.metrics.best_block.store(number, Ordering::Relaxed);
			if let Err(e) = self.tick(&mut chain, block.hash(), number).await {
				// Errors from one block do not stop the worker; the next block retries.
				tracing::warn!(target: "aipin::worker", block = number, "{e:#}");
			}
		}
		Ok(())
	}

	async fn tick(
		&mut self,
		chain: &mut Chain,
		hash: subxt::utils::H256,
		number: u64,
	) -> anyhow::Result<()> {
		if self.last_heartbeat.is_none_or(|h| number >= h + self.cfg.heartbeat_every as u64) {
			match chain.send("Staking", "heartbeat", vec![]).await {
				Ok(()) => {
					self.last_heartbeat = Some(number);
					tracing::debug!(target: "aipin::worker", block = number, "heartbeat sent");
				},
				Err(e) => tracing::warn!(target: "aipin::worker", "heartbeat: {e:#}"),
			}
		}
		let tasks = chain.operator_tasks(hash).await?;
		let live: Vec<u64> = tasks.iter().map(|t| t.task).collect();
		for t in tasks {
			if let Err(e) = self.step(chain, &t, number as u32).await {
				self.metrics.failures.fetch_add(1, Ordering::Relaxed);
				tracing::warn!(target: "aipin::worker", task = t.task, "{e:#}");
			}
		}
		// Tasks that left our list have finished: record how.
		for e in self.journal.all()? {
			if live.contains(&e.task)
				|| matches!(e.stage, Stage::Done { .. } | Stage::Failed { .. })
			{
				continue;
			}
			let mut e = e;
			let (reason, accepted) = match chain.task(e.task).await? {
				Some(task) => match task.phase {
					Phase::Finished { reason, .. } => {
						(format!("{reason:?}"), task.result_root == Some(e.root))
					},
					_ => continue, // still running (our slot was replaced or faulted)
				},
				None => ("pruned".to_string(), false),
			};
			tracing::info!(target: "aipin::worker", task = e.task, %reason, accepted, "task finished");
			self.metrics.settled.fetch_add(1, Ordering::Relaxed);
			e.stage = Stage::Done { reason, accepted };
			self.journal.put(&e)?;
		}
		Ok(())
	}

	/// Moves one task forward.
	async fn step(&mut self, chain: &mut Chain, t: &OperatorTask, now: u32) -> anyhow::Result<()> {
		let stash = self.stash.ok_or_else(|| anyhow::anyhow!("no stash"))?;
		let mut entry = self.journal.get(t.task)?;
		if let Some(Entry { stage: Stage::Failed { .. }, .. }) = entry {
			return Ok(());
		}
		let metrics = self.metrics.clone();
		// What this task needs from us now: the window's end, when we last sent the step (if
		// we did), the stage to record, the call and its arguments.
		let (ends, last_sent, stage, call, args, counter, done) = match (t.phase, t.slot) {
			(Phase::Commit { ends }, Slot::Assigned) => {
				if entry.is_none() {
					entry = Some(self.compute(chain, t).await?);
				}
				let e = entry.as_ref().expect("set above");
				let last_sent = match e.stage {
					Stage::Computed => None,
					Stage::CommitSent { at } => Some(at),
					_ => return Ok(()),
				};
				let c = aipin_primitives::result_commitment(t.task, &stash, &e.root, &e.salt);
				let args = vec![Value::u128(t.task as u128), Value::from_bytes(c)];
				let stage = Stage::CommitSent { at: now };
				(ends, last_sent, stage, "commit_result", args, &metrics.commits, "committed")
			},
			(Phase::Reveal { ends }, Slot::Committed(_)) => {
				let Some(e) = &entry else {
					anyhow::bail!("committed on chain but missing from the journal: cannot reveal");
				};
				let last_sent = match e.stage {
					Stage::Computed | Stage::CommitSent { .. } => None,
					Stage::RevealSent { at } => Some(at),
					_ => return Ok(()),
				};
				let args = vec![
					Value::u128(t.task as u128),
					Value::from_bytes(e.root),
					Value::from_bytes(e.salt),
				];
				let stage = Stage::RevealSent { at: now };
				(ends, last_sent, stage, "reveal_result", args, &metrics.reveals, "revealed")
			},
			_ => return Ok(()),
		};
		if now >= ends || last_sent.is_some_and(|at| now < at + self.cfg.resend_after) {
			return Ok(());
		}
		let mut e = entry.expect("both arms above have an entry");
		// Record first: a crash after this line and before the chain sees the step is healed by
		// the resend rule, never by a second commitment (the chain refuses one).
		e.stage = stage;
		self.journal.put(&e)?;
		chain.send("Escrow", call, args).await?;
		counter.fetch_add(1, Ordering::Relaxed);
		tracing::info!(target: "aipin::worker", task = t.task, root = %hex::encode(e.root), "{done}");
		Ok(())
	}

	/// Fetches the input, runs the kernel, stores output and salt. A task that cannot be run
	/// is recorded as failed (and logged) so the worker moves on.
	async fn compute(&mut self, chain: &Chain, t: &OperatorTask) -> anyhow::Result<Entry> {
		let task =
			chain.task(t.task).await?.ok_or_else(|| anyhow::anyhow!("task {} vanished", t.task))?;
		let fail = |why: String| -> anyhow::Result<Entry> {
			tracing::error!(target: "aipin::worker", task = t.task, "cannot run: {why}");
			let e = Entry::failed(t.task, task.kernel, task.params.clone(), why);
			self.journal.put(&e)?;
			Ok(e)
		};
		let Some(info) = chain.kernel(task.kernel).await? else {
			return fail(format!("kernel {} is not registered", task.kernel));
		};
		let Some(kind) = kernels::by_hash(&info.spec.wgsl_hash) else {
			return fail(format!(
				"kernel {} (WGSL {}) is not one this worker ships",
				task.kernel,
				hex::encode(info.spec.wgsl_hash)
			));
		};
		let input = match chain.task_input(t.task).await? {
			Some(TaskInput::Seeded { seed }) => seeded_input(&seed, task.input_bytes as usize),
			Some(TaskInput::Inline(bytes)) => bytes,
			Some(TaskInput::External { url, .. }) => {
				return fail(format!(
					"external input ({}) is not supported by this worker version",
					String::from_utf8_lossy(&url)
				))
			},
			None => anyhow::bail!("task {} has no input on chain", t.task),
		};
		let params = task.params.clone();
		let corrupt = self.cfg.corrupt_results;
		let started = Instant::now();
		let output = {
			let mut guard = self.gpu.lock().map_err(|_| anyhow::anyhow!("GPU lock poisoned"))?;
			if guard.as_ref().is_none_or(|(g, _)| g.is_lost()) {
				let gpu = Gpu::new()?;
				let k = Kernels::new(&gpu)?;
				*guard = Some((gpu, k));
			}
			let (gpu, k) = guard.as_ref().expect("set above");
			match tokio::task::block_in_place(|| k.run(gpu, kind, &params, &input)) {
				Ok(out) => out,
				Err(kernels::KernelError::Gpu(e)) => return Err(e.into()),
				Err(e) => return fail(e.to_string()),
			}
		};
		let mut output = output;
		if corrupt {
			output[0] ^= 0xff;
			tracing::warn!(target: "aipin::worker", task = t.task, "TEST MODE: output corrupted");
		}
		let compute_ms = started.elapsed().as_millis() as u64;
		let root = merkle::root(&output);
		let mut salt = [0u8; 32];
		getrandom::fill(&mut salt)
			.map_err(|e| anyhow::anyhow!("no randomness for the salt: {e}"))?;
		self.journal.store_output(t.task, &output)?;
		let e = Entry {
			task: t.task,
			kernel: task.kernel,
			params,
			root,
			salt,
			output_len: output.len() as u64,
			compute_ms,
			stage: Stage::Computed,
		};
		self.journal.put(&e)?;
		self.metrics.computed.fetch_add(1, Ordering::Relaxed);
		self.metrics.kernel_ms.fetch_add(compute_ms, Ordering::Relaxed);
		tracing::info!(
			target: "aipin::worker",
			task = t.task, kernel = ?kind, ms = compute_ms, bytes = output.len(), "computed"
		);
		Ok(e)
	}
}

/// Registers this worker's provider: the stash (from `stash_file` or `AIPIN_STASH_SURI`)
/// bonds `stake` AIP for the kernels this worker ships that the chain registers, naming the
/// configured operator key.
pub async fn register(
	cfg: &Config,
	stash_file: Option<&std::path::Path>,
	stake: u128,
	ask: u128,
	endpoint: &str,
	vram_mib: u32,
) -> anyhow::Result<()> {
	let stash_secret = match stash_file {
		Some(p) => std::fs::read_to_string(p)
			.map_err(|e| anyhow::anyhow!("reading the stash secret file {}: {e}", p.display()))?
			.trim()
			.to_string(),
		None => std::env::var("AIPIN_STASH_SURI").map_err(|_| {
			anyhow::anyhow!("no stash key: pass --stash-suri-file or set AIPIN_STASH_SURI")
		})?,
	};
	let uri: SecretUri =
		stash_secret.parse().map_err(|_| anyhow::anyhow!("the stash secret URI is malformed"))?;
	let stash = Keypair::from_uri(&uri)
		.map_err(|_| anyhow::anyhow!("the stash secret URI gives no key"))?;
	let operator = keypair(cfg)?;
	let chain = Chain::connect(&cfg.node, stash.clone()).await?;
	let mut kernels_ids = Vec::new();
	for id in 1..=32u32 {
		if let Some(k) = chain.kernel(id).await? {
			if !k.deprecated && kernels::by_hash(&k.spec.wgsl_hash).is_some() {
				kernels_ids.push(id);
			}
		}
	}
	anyhow::ensure!(
		!kernels_ids.is_empty(),
		"the chain registers none of the kernels this worker ships"
	);
	let profile = Value::named_composite([
		("device_class", Value::unnamed_variant("ConsumerGpu", [])),
		("vram_mib", Value::u128(vram_mib as u128)),
		("throughput", Value::u128(0)),
		("kernels", Value::unnamed_composite(kernels_ids.iter().map(|k| Value::u128(*k as u128)))),
		("ask_price", Value::u128(ask)),
	]);
	let tx = subxt::dynamic::transaction(
		"Staking",
		"register_provider",
		vec![
			Value::u128(stake.saturating_mul(1_000_000_000_000)),
			profile,
			Value::from_bytes(operator.public_key().0),
			Value::from_bytes(endpoint.as_bytes()),
		],
	);
	chain
		.api
		.at_current_block()
		.await?
		.transactions()
		.sign_and_submit_then_watch_default(&tx, &stash)
		.await?
		.wait_for_finalized_success()
		.await?;
	println!(
		"registered stash {} with operator {} for kernels {kernels_ids:?}",
		hex::encode(stash.public_key().0),
		hex::encode(operator.public_key().0)
	);
	Ok(())
}
