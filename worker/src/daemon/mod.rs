//! `aipin-worker run`: the provider daemon. It follows the node's best block, does the tasks
//! assigned to this operator, commits and reveals, records everything in the journal first,
//! and survives restarts, disconnects and re-orgs. Finality is needed only to call a task
//! done: a commit or reveal that a re-org retracts is seen missing from the new best chain
//! and sent again (`decide`).
//!
//! - [`decide`]: the crash-recovery rule, a pure function of journal stage and chain state.
//! - `compute`: fetching a task's input, running its kernel, storing the result.
//! - this file: the connection loop and the per-block step that carries out `decide`.

mod compute;
mod decide;

pub use compute::prefetch_program;
pub use decide::{decide, foreign_commitment, Action};

use crate::{
	config::{Config, CrashPoint},
	gpu::Gpu,
	journal::{Entry, Journal, Stage},
	kernels::Kernels,
	server::Metrics,
};
use aipin_client::{account_of, calls, reads, units::ss58, AccountId, At, Client, Keypair};
use aipin_primitives::{result_commitment, BlockNumber, KernelId, OperatorTask, Phase};
use std::{
	sync::{atomic::Ordering, Arc, Mutex},
	time::Duration,
};
use subxt::ext::futures;

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
	stash: Option<AccountId>,
	last_heartbeat: Option<u64>,
	/// Operations per second each kernel last ran at, for progress estimates.
	rates: std::collections::HashMap<KernelId, f64>,
	/// Programs of the models run so far, checked, by model id.
	programs: compute::Programs,
	/// External inputs being fetched, by task.
	fetches: compute::Fetches,
	/// Slots for fetches at once (`parallel_fetches`).
	fetch_slots: Arc<tokio::sync::Semaphore>,
}

impl Worker {
	pub fn new(cfg: Config, journal: Arc<Journal>, metrics: Arc<Metrics>) -> Self {
		Self {
			journal,
			metrics,
			gpu: Mutex::new(None),
			stash: None,
			last_heartbeat: None,
			rates: Default::default(),
			programs: Default::default(),
			fetches: Default::default(),
			fetch_slots: Arc::new(tokio::sync::Semaphore::new(cfg.parallel_fetches.max(1))),
			cfg,
		}
	}

	/// Runs until the process is stopped: reconnects with backoff whenever the node goes away,
	/// rebuilding pending work from chain state and the journal each time.
	pub async fn run(mut self) -> anyhow::Result<()> {
		let key = self.cfg.operator_key()?;
		if let Err(e) = self.warm_gpu() {
			// Tried again by the first task (and said again there, per task, if it still fails).
			tracing::error!(target: "aipin::worker", "no GPU yet: {e:#}");
		}
		let mut backoff = Duration::from_secs(1);
		loop {
			match self.session(key.clone()).await {
				Ok(()) => tracing::warn!(target: "aipin::worker", "best-block stream ended"),
				Err(e) if e.is::<Fatal>() => return Err(e),
				Err(e) => tracing::warn!(target: "aipin::worker", "node connection: {e:#}"),
			}
			self.metrics.reconnects.fetch_add(1, Ordering::Relaxed);
			tracing::info!(target: "aipin::worker", "reconnecting to {} in {backoff:?}", self.cfg.node);
			tokio::time::sleep(backoff).await;
			backoff = (backoff * 2).min(Duration::from_secs(30));
		}
	}

	/// Sets the GPU up and compiles every kernel now, so that the first task does not wait for
	/// it (over a second on lavapipe) between its pick-up and its result.
	pub(super) fn warm_gpu(&self) -> anyhow::Result<()> {
		let mut guard = self.gpu.lock().map_err(|_| anyhow::anyhow!("GPU lock poisoned"))?;
		if guard.as_ref().is_none_or(|(g, _)| g.is_lost()) {
			let gpu = Gpu::new()?;
			let kernels = Kernels::new(&gpu)?;
			tracing::info!(target: "aipin::worker", device = %gpu.info.name, "GPU ready");
			*guard = Some((gpu, kernels));
		}
		Ok(())
	}

	/// One connection's worth of work.
	async fn session(&mut self, key: Keypair) -> anyhow::Result<()> {
		let client = Client::connect(&self.cfg.node).await?;
		self.journal.bind_chain(client.genesis_hash()).map_err(|e| Fatal(format!("{e:#}")))?;
		let operator = account_of(&key);
		let stash =
			reads::stash_of(&client.finalized().await?, &operator).await?.ok_or_else(|| {
				anyhow::anyhow!(
				"operator {} is not registered to any provider (run `aipin-worker register` first)",
				ss58(&operator)
			)
			})?;
		self.stash = Some(stash.clone());
		tracing::info!(
			target: "aipin::worker",
			node = %self.cfg.node, stash = %ss58(&stash), "connected; following best blocks"
		);
		// New best blocks only wake the loop up; it then acts on the node's best block as of
		// that moment. The stream may replay older blocks (on connecting, or after a slow
		// step), and acting on their state would resend what the chain already holds.
		let mut blocks = client.api().stream_best_blocks().await?;
		let mut last = None;
		while let Some(block) = blocks.next().await {
			block?;
			let at = client.best().await?;
			if last == Some(at.block_hash()) {
				continue;
			}
			last = Some(at.block_hash());
			let number = at.block_number();
			self.metrics.best_block.store(number, Ordering::Relaxed);
			if let Err(e) = self.tick(&client, &key, at, number).await {
				// Errors from one block do not stop the worker; the next block retries.
				tracing::warn!(target: "aipin::worker", block = number, "{e:#}");
			}
		}
		Ok(())
	}

	/// One best block: heartbeat when due, every assigned task moved forward, tasks that left
	/// our list recorded as done once their end is final.
	///
	/// Most urgent task first (the window that closes soonest). Steps that need no kernel
	/// (reveals, reports, resends) go first, all recorded in one journal write and sent
	/// together; then the kernels run, their commits recorded and sent in batches.
	async fn tick(
		&mut self,
		client: &Client,
		key: &Keypair,
		at: At,
		number: u64,
	) -> anyhow::Result<()> {
		// Before anything is sent from this block (see `Client::pending`).
		let pending = client.pending(&at, key).await? > 0;
		if self.last_heartbeat.is_none_or(|h| number >= h + self.cfg.heartbeat_every as u64) {
			match client.send_at(&at, key, &calls::staking::heartbeat()).await {
				Ok(()) => {
					self.last_heartbeat = Some(number);
					tracing::debug!(target: "aipin::worker", block = number, "heartbeat sent");
				},
				Err(e) => tracing::warn!(target: "aipin::worker", "heartbeat: {e:#}"),
			}
		}
		let stash = self.stash.clone().ok_or_else(|| anyhow::anyhow!("no stash"))?;
		let now = number as u32;
		let mut tasks = reads::operator_tasks(&at, &account_of(key)).await?;
		tasks.sort_by_key(|t| (t.act_by.unwrap_or(BlockNumber::MAX), t.task));
		let live: Vec<u64> = tasks.iter().map(|t| t.task).collect();

		let mut steps = Vec::new();
		let mut to_compute = Vec::new();
		for t in &tasks {
			let entry = self.journal.get(t.task)?;
			match decide(entry.as_ref().map(|e| &e.stage), t.phase, t.slot, now, pending) {
				Action::Compute => to_compute.push(t),
				action => self.queue(&mut steps, t, entry, action, now, &stash),
			}
		}
		self.take(client, &at, key, &mut steps).await;

		// Each task's reads at once (one round trip for all), then the kernels one by one.
		let inputs = futures::future::join_all(to_compute.iter().map(|t| compute::read(&at, t)));
		let mut batch_started = std::time::Instant::now();
		for (t, input) in to_compute.iter().zip(inputs.await) {
			if !steps.is_empty() && batch_started.elapsed() > COMMIT_BATCH {
				self.take(client, &at, key, &mut steps).await;
			}
			if steps.is_empty() {
				batch_started = std::time::Instant::now();
			}
			let computed = match input {
				Ok(input) => self.compute(&at, t, now, input).await,
				Err(e) => Err(e),
			};
			match computed {
				Ok(Some(e)) => {
					CrashPoint::check(self.cfg.crash_at, CrashPoint::Computed, t.task);
					let action = decide(Some(&e.stage), t.phase, t.slot, now, pending);
					self.queue(&mut steps, t, Some(e), action, now, &stash);
				},
				Ok(None) => {}, // its input is still arriving
				Err(e) => self.task_failed(t.task, e),
			}
		}
		self.take(client, &at, key, &mut steps).await;
		self.fetches.retain(&live);

		// Tasks that left our list at the best block: done once the finalized chain says so
		// (a re-org may yet bring them back).
		let mut finalized = None;
		for e in self.journal.unfinished()? {
			if live.contains(&e.task) {
				continue;
			}
			if finalized.is_none() {
				finalized = Some(client.finalized().await?);
			}
			let at_final = finalized.as_ref().expect("set above");
			let mut e = e;
			let (reason, accepted) = match reads::task(at_final, e.task).await? {
				Some(task) => match task.phase {
					Phase::Finished { reason, .. } => {
						(format!("{reason:?}"), task.result_root == Some(e.root))
					},
					_ => continue, // still running, or not final yet
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

	fn task_failed(&self, task: u64, e: anyhow::Error) {
		self.metrics.failures.fetch_add(1, Ordering::Relaxed);
		tracing::warn!(target: "aipin::worker", task, "{e:#}");
	}

	/// Adds the step `action` asks of task `t`, if any, to `steps`; a task that cannot take it
	/// is counted and logged.
	fn queue(
		&self,
		steps: &mut Vec<Step>,
		t: &OperatorTask<BlockNumber>,
		entry: Option<Entry>,
		action: Action,
		now: u32,
		stash: &AccountId,
	) {
		match self.plan(t, entry, action, now, stash) {
			Ok(Some(step)) => steps.push(step),
			Ok(None) => {},
			Err(e) => self.task_failed(t.task, e),
		}
	}

	/// The step `action` asks of task `t` (`None`: nothing to send), with the journal record
	/// that must be written before it is sent.
	fn plan(
		&self,
		t: &OperatorTask<BlockNumber>,
		entry: Option<Entry>,
		action: Action,
		now: u32,
		stash: &AccountId,
	) -> anyhow::Result<Option<Step>> {
		let (entry, call, kind) = match (action, entry) {
			(Action::Commit, Some(mut e)) => {
				let c = result_commitment(t.task, stash, &e.root, &e.salt);
				e.stage = Stage::CommitSent { at: now };
				(e, calls::escrow::commit_result(t.task, c), Kind::Commit)
			},
			(Action::Reveal, Some(mut e)) => {
				// Reveal only what the chain holds our commitment to. Anything else (another
				// worker running with this operator key, a journal restored from elsewhere)
				// would be an InvalidReveal slash; not revealing costs only the smaller
				// MissedReveal one.
				let ours = result_commitment(t.task, stash, &e.root, &e.salt);
				if let Some(on_chain) = foreign_commitment(t.slot, ours) {
					let why = format!(
						"the on-chain commitment 0x{} is not ours (0x{}): not revealing; is \
						 another worker using this operator key?",
						hex::encode(on_chain),
						hex::encode(ours)
					);
					e.stage = Stage::Failed { why: why.clone() };
					self.journal.put(&e)?;
					anyhow::bail!(why);
				}
				let call = calls::escrow::reveal_result(t.task, e.root, e.salt);
				e.stage = Stage::RevealSent { at: now };
				(e, call, Kind::Reveal)
			},
			(Action::ReportInput, Some(mut e)) => {
				let Stage::InputRefused { fault, why, .. } = e.stage.clone() else {
					anyhow::bail!("nothing to report")
				};
				e.stage = Stage::InputRefused { fault, why, sent_at: Some(now) };
				(e, calls::escrow::report_input(t.task, fault), Kind::Report)
			},
			(Action::Lost, _) => {
				anyhow::bail!("committed on chain but missing from the journal: cannot reveal")
			},
			_ => return Ok(None),
		};
		let tip = decide::tip(t.act_by, now, self.cfg.max_tip);
		Ok(Some(Step { entry, call, kind, tip }))
	}

	/// Takes `steps`: records them all in one journal write, then sends them all at once.
	/// Record first: a crash after the write and before the chain sees a step is healed by the
	/// resend rule with the same root and salt, never by a second, different commitment.
	async fn take(&self, client: &Client, at: &At, key: &Keypair, steps: &mut Vec<Step>) {
		let steps = std::mem::take(steps);
		if steps.is_empty() {
			return;
		}
		let entries: Vec<Entry> = steps.iter().map(|s| s.entry.clone()).collect();
		if let Err(e) = self.journal.put_all(&entries) {
			// Nothing recorded, so nothing is sent; the next block tries again.
			self.metrics.failures.fetch_add(steps.len() as u64, Ordering::Relaxed);
			tracing::warn!(target: "aipin::worker", "journal: {e:#}");
			return;
		}
		for s in &steps {
			CrashPoint::check(self.cfg.crash_at, s.kind.points().0, s.entry.task);
		}
		let sends = steps.iter().map(|s| client.send_tipped(at, key, &s.call, s.tip));
		let sent = futures::future::join_all(sends).await;
		for (s, r) in steps.iter().zip(sent) {
			let task = s.entry.task;
			match r {
				Ok(()) => {
					CrashPoint::check(self.cfg.crash_at, s.kind.points().1, task);
					let counter = match s.kind {
						Kind::Commit => &self.metrics.commits,
						Kind::Reveal => &self.metrics.reveals,
						Kind::Report => &self.metrics.input_reports,
					};
					counter.fetch_add(1, Ordering::Relaxed);
					let root = hex::encode(s.entry.root);
					tracing::info!(
						target: "aipin::worker", task, %root, tip = s.tip, "{}", s.kind.done()
					);
				},
				Err(e) => self.task_failed(task, e.into()),
			}
		}
	}
}

/// The longest a computed task's commit waits for the kernels after it before it is sent.
const COMMIT_BATCH: std::time::Duration = std::time::Duration::from_millis(250);

/// What a step sends.
#[derive(Clone, Copy)]
enum Kind {
	Commit,
	Reveal,
	Report,
}

impl Kind {
	/// The crash points around it: recorded, sent.
	fn points(self) -> (CrashPoint, CrashPoint) {
		match self {
			Kind::Commit | Kind::Report => (CrashPoint::CommitRecorded, CrashPoint::CommitSent),
			Kind::Reveal => (CrashPoint::RevealRecorded, CrashPoint::RevealSent),
		}
	}

	fn done(self) -> &'static str {
		match self {
			Kind::Commit => "committed",
			Kind::Reveal => "revealed",
			Kind::Report => "reported the input unusable",
		}
	}
}

/// One task's next transaction, and the journal record written before it is sent.
struct Step {
	entry: Entry,
	call: aipin_client::calls::Call,
	kind: Kind,
	/// Planck added on top of the fee ([`decide::tip`]).
	tip: u128,
}
