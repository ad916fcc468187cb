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

/// An error no reconnection can mend: the worker stops with it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Fatal(String);

/// Everything a running worker holds.
pub struct Worker {
	pub cfg: Config,
	pub journal: Arc<Journal>,
	pub metrics: Arc<Metrics>,
	gpu: Mutex<Option<(Gpu, Kernels)>>,
	stash: Option<[u8; 32]>,
	last_heartbeat: Option<u64>,
	/// Operations per second each kernel last ran at, for progress estimates.
	rates: std::collections::HashMap<kernels::Kind, f64>,
}

/// Stops a background task when dropped, whichever way the scope is left.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
	fn drop(&mut self) {
		self.0.abort();
	}
}

/// Logs a long kernel's progress every ten seconds until aborted: elapsed time and, once the
/// kernel has run before, the share done estimated from its last rate. (A dispatch cannot be
/// observed from the host while it runs; the estimate says so.)
async fn report_progress(task: u64, kind: kernels::Kind, estimate: Option<Duration>) {
	let started = Instant::now();
	let mut every = tokio::time::interval(Duration::from_secs(10));
	every.tick().await;
	loop {
		every.tick().await;
		let elapsed = started.elapsed().as_secs_f64();
		match estimate {
			Some(est) => tracing::info!(
				target: "aipin::worker",
				task, kernel = ?kind,
				"computing: {elapsed:.0} s of an estimated {:.0} s ({:.0}%)",
				est.as_secs_f64(),
				(elapsed / est.as_secs_f64() * 100.0).min(99.0)
			),
			None => tracing::info!(
				target: "aipin::worker", task, kernel = ?kind, "computing: {elapsed:.0} s so far"
			),
		}
	}
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
		Self {
			cfg,
			journal,
			metrics,
			gpu: Mutex::new(None),
			stash: None,
			last_heartbeat: None,
			rates: Default::default(),
		}
	}

	/// Runs until the process is stopped: reconnects with backoff whenever the node goes away,
	/// rebuilding pending work from chain state and the journal each time.
	pub async fn run(mut self) -> anyhow::Result<()> {
		let key = keypair(&self.cfg)?;
		let mut backoff = Duration::from_secs(1);
		loop {
			match self.session(key.clone()).await {
				Ok(()) => tracing::warn!(target: "aipin::worker", "finalized-block stream ended"),
				Err(e) if e.is::<Fatal>() => return Err(e),
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
		self.journal.bind_chain(chain.api.genesis_hash().0).map_err(|e| Fatal(format!("{e:#}")))?;
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
		for e in self.journal.unfinished()? {
			if live.contains(&e.task) {
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
		let mut action =
			decide(entry.as_ref().map(|e| &e.stage), t.phase, t.slot, now, self.cfg.resend_after);
		if action == Action::Compute {
			let e = self.compute(chain, t).await?;
			action = decide(Some(&e.stage), t.phase, t.slot, now, self.cfg.resend_after);
			entry = Some(e);
		}
		let (call, args, stage, counter, done) = match (action, entry) {
			(Action::Commit, Some(e)) => {
				let c = aipin_primitives::result_commitment(t.task, &stash, &e.root, &e.salt);
				let args = vec![Value::u128(t.task as u128), Value::from_bytes(c)];
				let metrics = &self.metrics.commits;
				("commit_result", args, (e, Stage::CommitSent { at: now }), metrics, "committed")
			},
			(Action::Reveal, Some(e)) => {
				let args = vec![
					Value::u128(t.task as u128),
					Value::from_bytes(e.root),
					Value::from_bytes(e.salt),
				];
				let metrics = &self.metrics.reveals;
				("reveal_result", args, (e, Stage::RevealSent { at: now }), metrics, "revealed")
			},
			(Action::Lost, _) => {
				anyhow::bail!("committed on chain but missing from the journal: cannot reveal")
			},
			_ => return Ok(()),
		};
		let (mut e, stage) = stage;
		// Record first: a crash after this line and before the chain sees the step is healed by
		// the resend rule with the same root and salt, never by a second, different commitment.
		e.stage = stage;
		self.journal.put(&e)?;
		chain.send("Escrow", call, args).await?;
		counter.fetch_add(1, Ordering::Relaxed);
		tracing::info!(target: "aipin::worker", task = t.task, root = %hex::encode(e.root), "{done}");
		Ok(())
	}

	/// Reads an external input: bounded by its declared size, checked against its hash.
	/// `Ok(Err(why))` is a broken input (recorded as failed); `Err` is worth retrying.
	async fn fetch_external(
		&self,
		url: &[u8],
		hash: [u8; 32],
		size: u64,
	) -> anyhow::Result<Result<Vec<u8>, String>> {
		use crate::http::FetchError;
		let url = String::from_utf8_lossy(url).into_owned();
		let timeout = Duration::from_secs(self.cfg.fetch_timeout_secs);
		match crate::http::get(&url, size, timeout).await {
			Ok(bytes) if bytes.len() as u64 != size => {
				Ok(Err(format!("{url}: {} bytes, the task declares {size}", bytes.len())))
			},
			Ok(bytes) if sp_crypto_hashing::blake2_256(&bytes) != hash => Ok(Err(format!(
				"{url}: content hash 0x{} is not the declared 0x{}",
				hex::encode(sp_crypto_hashing::blake2_256(&bytes)),
				hex::encode(hash)
			))),
			Ok(bytes) => Ok(Ok(bytes)),
			// Transient: the next block tries again while the commit window lasts.
			Err(e @ (FetchError::Unreachable { .. } | FetchError::Timeout { .. })) => Err(e.into()),
			Err(e @ FetchError::Status { status, .. }) if status >= 500 || status == 429 => {
				Err(e.into())
			},
			Err(e) => Ok(Err(e.to_string())),
		}
	}

	/// Fetches the input, runs the kernel, stores output and salt. A task that cannot be run
	/// is recorded as failed (and logged) so the worker moves on.
	async fn compute(&mut self, chain: &Chain, t: &OperatorTask) -> anyhow::Result<Entry> {
		let picked_up = Instant::now();
		// The three reads are independent: one round trip's latency, not three.
		let (task, kernel_info, task_input) =
			tokio::try_join!(chain.task(t.task), chain.kernel(t.kernel), chain.task_input(t.task))?;
		let task = task.ok_or_else(|| anyhow::anyhow!("task {} vanished", t.task))?;
		let reads = picked_up.elapsed();
		let fail = |why: String| -> anyhow::Result<Entry> {
			tracing::error!(target: "aipin::worker", task = t.task, "cannot run: {why}");
			let e = Entry::failed(t.task, task.kernel, task.params.clone(), why);
			self.journal.put(&e)?;
			Ok(e)
		};
		let Some(info) = kernel_info else {
			return fail(format!("kernel {} is not registered", task.kernel));
		};
		let Some(kind) = kernels::by_hash(&info.spec.wgsl_hash) else {
			return fail(format!(
				"kernel {} (WGSL {}) is not one this worker ships",
				task.kernel,
				hex::encode(info.spec.wgsl_hash)
			));
		};
		let input = match task_input {
			Some(TaskInput::Seeded { seed }) => seeded_input(&seed, task.input_bytes as usize),
			Some(TaskInput::Inline(bytes)) => bytes,
			Some(TaskInput::External { url, hash, size }) => {
				match self.fetch_external(&url, hash, size).await? {
					Ok(bytes) => bytes,
					Err(why) => return fail(why),
				}
			},
			None => anyhow::bail!("task {} has no input on chain", t.task),
		};
		let input_ready = picked_up.elapsed();
		let params = task.params.clone();
		let corrupt = self.cfg.corrupt_results;
		let ops = kernels::ops(kind, &params);
		let estimate =
			self.rates.get(&kind).map(|ops_per_s| Duration::from_secs_f64(ops as f64 / ops_per_s));
		let progress = AbortOnDrop(tokio::spawn(report_progress(t.task, kind, estimate)));
		let (output, kernel_time) = {
			let mut guard = self.gpu.lock().map_err(|_| anyhow::anyhow!("GPU lock poisoned"))?;
			if guard.as_ref().is_none_or(|(g, _)| g.is_lost()) {
				let gpu = Gpu::new()?;
				let k = Kernels::new(&gpu)?;
				*guard = Some((gpu, k));
			}
			let (gpu, k) = guard.as_ref().expect("set above");
			// Timed from here: device set-up is not the kernel's.
			let started = Instant::now();
			let result = tokio::task::block_in_place(|| k.run(gpu, kind, &params, &input));
			let kernel_time = started.elapsed();
			drop(progress);
			match result {
				Ok(out) => (out, kernel_time),
				Err(kernels::KernelError::Gpu(e)) => return Err(e.into()),
				Err(e) => return fail(e.to_string()),
			}
		};
		if kernel_time.as_secs_f64() > 0.0 {
			self.rates.insert(kind, ops as f64 / kernel_time.as_secs_f64());
		}
		let mut output = output;
		if corrupt {
			output[0] ^= 0xff;
			tracing::warn!(target: "aipin::worker", task = t.task, "TEST MODE: output corrupted");
		}
		let compute_ms = kernel_time.as_millis() as u64;
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
		self.metrics.kernel_us.fetch_add(kernel_time.as_micros() as u64, Ordering::Relaxed);
		let pipeline_us = picked_up.elapsed().as_micros() as u64;
		self.metrics.pipeline_us.fetch_add(pipeline_us, Ordering::Relaxed);
		tracing::info!(
			target: "aipin::worker",
			task = t.task, kernel = ?kind, ms = compute_ms, bytes = output.len(), "computed"
		);
		tracing::debug!(
			target: "aipin::worker",
			task = t.task,
			"timing: chain reads {:.1} ms, input {:.1} ms, kernel {:.1} ms, root and journal {:.1} ms",
			reads.as_secs_f64() * 1e3,
			(input_ready - reads).as_secs_f64() * 1e3,
			kernel_time.as_secs_f64() * 1e3,
			(picked_up.elapsed() - input_ready - kernel_time).as_secs_f64() * 1e3,
		);
		Ok(e)
	}
}

/// What the worker does next for one task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
	/// Fetch the input and run the kernel.
	Compute,
	/// Record `CommitSent`, then send `commit_result`.
	Commit,
	/// Record `RevealSent`, then send `reveal_result`.
	Reveal,
	/// Nothing now: waiting for a window, for the chain to include what was sent, or done.
	Wait,
	/// The chain holds our commitment but the journal lost the root and salt (a deleted data
	/// directory): the reveal cannot be made.
	Lost,
}

/// The step for a task given what the journal says (`stage`, `None` if never seen) and what
/// the chain says (`phase`, our `slot`) at finalized block `now`.
///
/// This is the whole crash-recovery rule: the chain is the truth for what was *included*, the
/// journal for what was *computed and sent*. A step recorded but not included is sent again
/// (with the same root and salt) once `resend_after` blocks have passed; one the chain has seen
/// is never sent again because the slot has moved on.
pub fn decide(
	stage: Option<&Stage>,
	phase: Phase,
	slot: Slot,
	now: u32,
	resend_after: u32,
) -> Action {
	let due = |at: u32| now >= at.saturating_add(resend_after);
	match (phase, slot) {
		(Phase::Commit { ends }, Slot::Assigned) if now < ends => match stage {
			None => Action::Compute,
			Some(Stage::Computed) => Action::Commit,
			Some(Stage::CommitSent { at }) if due(*at) => Action::Commit,
			_ => Action::Wait,
		},
		(Phase::Reveal { ends }, Slot::Committed(_)) if now < ends => match stage {
			None => Action::Lost,
			Some(Stage::Computed | Stage::CommitSent { .. }) => Action::Reveal,
			Some(Stage::RevealSent { at }) if due(*at) => Action::Reveal,
			_ => Action::Wait,
		},
		_ => Action::Wait,
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
	throughput: Option<u64>,
) -> anyhow::Result<()> {
	// The profile's throughput is measured here unless given: a 512³ GEMM on this device,
	// checked against the CPU reference (a device that computes wrong is not registered).
	let throughput = match throughput {
		Some(t) => t,
		None => {
			let gpu = Gpu::new()?;
			let k = Kernels::new(&gpu)?;
			let p = [512, 512, 512];
			let row = tokio::task::block_in_place(|| {
				crate::bench::measure(&gpu, &k, kernels::Kind::GemmI8, "gemm-i8", &p, 3, true)
			})?;
			let t = row.units_per_s() as u64;
			println!(
				"measured {t} work units/s on {} (gemm-i8 {p:?}, {:.2} GOPS)",
				gpu.info.name,
				row.gpu_gops()
			);
			t
		},
	};
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
		("throughput", Value::u128(throughput as u128)),
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

#[cfg(test)]
mod tests {
	use super::*;

	const RESEND: u32 = 6;
	const COMMIT: Phase = Phase::Commit { ends: 120 };
	const REVEAL: Phase = Phase::Reveal { ends: 130 };

	fn journal(name: &str) -> (std::path::PathBuf, Journal) {
		let dir = std::env::temp_dir().join(format!("aipin-run-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		let j = Journal::open(&dir).unwrap();
		(dir, j)
	}

	/// "Crashes" by dropping the journal and opens it again, as a restarted worker does.
	fn restart(dir: &std::path::Path, j: Journal) -> Journal {
		drop(j);
		Journal::open(dir).unwrap()
	}

	fn computed(task: u64) -> Entry {
		Entry {
			task,
			kernel: 1,
			params: vec![4, 4, 4],
			root: [task as u8; 32],
			salt: [0xa5; 32],
			output_len: 64,
			compute_ms: 3,
			stage: Stage::Computed,
		}
	}

	fn stage(j: &Journal, task: u64) -> Option<Stage> {
		j.get(task).unwrap().map(|e| e.stage)
	}

	#[test]
	fn a_crash_before_the_result_is_recorded_recomputes() {
		let (dir, j) = journal("compute");
		// The output file may already be written; without its record the task is redone.
		j.store_output(1, &[1; 64]).unwrap();
		let j = restart(&dir, j);
		assert_eq!(
			decide(stage(&j, 1).as_ref(), COMMIT, Slot::Assigned, 100, RESEND),
			Action::Compute
		);
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn a_crash_after_computing_commits_the_same_result() {
		let (dir, j) = journal("computed");
		let e = computed(2);
		j.put(&e).unwrap();
		let j = restart(&dir, j);
		let again = j.get(2).unwrap().unwrap();
		assert_eq!(decide(Some(&again.stage), COMMIT, Slot::Assigned, 101, RESEND), Action::Commit);
		// The commitment after the restart is the one the worker would have sent before it.
		let stash = [9u8; 32];
		assert_eq!(
			aipin_primitives::result_commitment(2, &stash, &again.root, &again.salt),
			aipin_primitives::result_commitment(2, &stash, &e.root, &e.salt)
		);
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn a_commit_recorded_but_never_included_is_resent_once_due_and_only_then() {
		let (dir, j) = journal("commit-lost");
		j.put(&Entry { stage: Stage::CommitSent { at: 100 }, ..computed(3) }).unwrap();
		let j = restart(&dir, j);
		let s = stage(&j, 3);
		// The chain still shows the slot as assigned: the transaction may yet be included.
		for now in 100..100 + RESEND {
			assert_eq!(decide(s.as_ref(), COMMIT, Slot::Assigned, now, RESEND), Action::Wait);
		}
		assert_eq!(decide(s.as_ref(), COMMIT, Slot::Assigned, 106, RESEND), Action::Commit);
		// Not after the window closed.
		assert_eq!(decide(s.as_ref(), COMMIT, Slot::Assigned, 120, RESEND), Action::Wait);
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn a_commit_the_chain_included_is_never_sent_again_and_the_reveal_follows() {
		let (dir, j) = journal("commit-in");
		j.put(&Entry { stage: Stage::CommitSent { at: 100 }, ..computed(4) }).unwrap();
		let j = restart(&dir, j);
		let s = stage(&j, 4);
		let committed = Slot::Committed([1; 32]);
		// Others have not committed yet: nothing to do, however long it takes.
		for now in 100..120 {
			assert_eq!(decide(s.as_ref(), COMMIT, committed, now, RESEND), Action::Wait);
		}
		// The reveal window opens: reveal at once.
		assert_eq!(decide(s.as_ref(), REVEAL, committed, 121, RESEND), Action::Reveal);
		// Even a worker that crashed right after computing (the commit record lost) reveals.
		assert_eq!(decide(Some(&Stage::Computed), REVEAL, committed, 121, RESEND), Action::Reveal);
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn a_reveal_recorded_is_resent_only_while_the_chain_lacks_it() {
		let (dir, j) = journal("reveal");
		j.put(&Entry { stage: Stage::RevealSent { at: 121 }, ..computed(5) }).unwrap();
		let j = restart(&dir, j);
		let s = stage(&j, 5);
		let committed = Slot::Committed([1; 32]);
		assert_eq!(decide(s.as_ref(), REVEAL, committed, 126, RESEND), Action::Wait);
		assert_eq!(decide(s.as_ref(), REVEAL, committed, 127, RESEND), Action::Reveal);
		assert_eq!(decide(s.as_ref(), REVEAL, committed, 130, RESEND), Action::Wait, "closed");
		// Included: done with it.
		let revealed = Slot::Revealed([5; 32]);
		assert_eq!(decide(s.as_ref(), REVEAL, revealed, 127, RESEND), Action::Wait);
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn a_lost_journal_is_reported_failed_tasks_are_left_and_finished_phases_ignored() {
		let committed = Slot::Committed([1; 32]);
		assert_eq!(decide(None, REVEAL, committed, 121, RESEND), Action::Lost);
		let failed = Stage::Failed { why: "bad input".into() };
		assert_eq!(decide(Some(&failed), COMMIT, Slot::Assigned, 100, RESEND), Action::Wait);
		let finished = Phase::Finished { reason: crate::chain::Reason::Completed, at: 131 };
		for s in [None, Some(Stage::Computed), Some(Stage::RevealSent { at: 1 })] {
			assert_eq!(decide(s.as_ref(), finished, committed, 140, RESEND), Action::Wait);
		}
		// A faulted slot (the window passed while the worker was down) gets nothing more.
		let faulted = Slot::Faulted(crate::chain::Offence::MissedCommit);
		assert_eq!(decide(Some(&Stage::Computed), COMMIT, faulted, 100, RESEND), Action::Wait);
	}
}
