//! The task phase: replicated tasks submitted by several consumers, either all at once (a
//! burst) or at a steady rate for a while (sustained), then followed on chain to settlement.
//! Latencies come from the chain (block numbers); rates from block counts at the wall-clock
//! block pace the run observed.

use aipin_client::{calls::Call, events, reads, Client, Keypair};
use aipin_primitives::TaskId;
use std::{
	collections::BTreeMap,
	sync::atomic::{AtomicU64, Ordering},
	time::{Duration, Instant},
};
use subxt::ext::futures::{stream, StreamExt};

/// How tasks are submitted.
pub enum Schedule {
	/// All at once.
	Burst(u32),
	/// `rate` tasks per second for `secs` seconds.
	Sustained { rate: u32, secs: u64 },
}

/// What the chain shows of a task run.
pub struct Run {
	/// Block each task was submitted in.
	pub submitted: BTreeMap<TaskId, u64>,
	/// Block each task finished in, and how.
	pub finished: BTreeMap<TaskId, (u64, String)>,
	/// Transactions the pool refused (over the per-sender limits, a full pool, ...).
	pub refused: u32,
	/// Submissions the pool took whose dispatch did not create a task (a consumer's open-task
	/// limit, say).
	pub not_created: u32,
	/// Normal-class ref time (ps) each of those blocks used.
	pub weights: BTreeMap<u64, u64>,
	/// Wall-clock milliseconds per finalized block over the run. Rates use this, not block
	/// timestamps: the dev-seal modes stamp blocks a slot (6 s) apart whatever their pace.
	pub wall_ms_per_block: f64,
}

/// Sends `calls` from `who`, signed offline with local nonces, 64 requests in flight, without
/// waiting for inclusion. Returns how many the pool refused.
pub async fn blast(client: &Client, who: &Keypair, calls: Vec<Call>) -> anyhow::Result<u32> {
	let txs = client.sign_offline(who, &calls).await?;
	let results: Vec<_> = stream::iter(txs)
		.map(|tx| async move { tx.submit().await })
		.buffer_unordered(64)
		.collect()
		.await;
	let refused: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
	if let Some(first) = refused.first() {
		eprintln!("the pool refused {} transactions; the first: {first}", refused.len());
	}
	Ok(refused.len() as u32)
}

/// Submits per `schedule` (task `i` is `make(i)`, sent by consumer `i mod n`) while following
/// the chain block by block (a node prunes old state, so history is read as it is made), until
/// every task created has finished, or `timeout`.
pub async fn run(
	client: &Client,
	consumers: &[Keypair],
	schedule: Schedule,
	make: impl Fn(u32) -> Call,
	timeout: Duration,
) -> anyhow::Result<Run> {
	let start = client.finalized_number().await?;
	// The finalized block when the last submission was sent (0 while sending).
	let sent_by = AtomicU64::new(0);
	let submit = async {
		let send = |from: u32, n: u32| {
			let mut per: Vec<Vec<Call>> = vec![Vec::new(); consumers.len()];
			for i in from..from + n {
				per[i as usize % consumers.len()].push(make(i));
			}
			async move {
				let mut refused = 0;
				for (c, calls) in consumers.iter().zip(per) {
					refused += blast(client, c, calls).await?;
				}
				anyhow::Ok(refused)
			}
		};
		let (mut refused, mut sent) = (0u32, 0u32);
		match schedule {
			Schedule::Burst(n) => {
				refused += send(0, n).await?;
				sent = n;
			},
			Schedule::Sustained { rate, secs } => {
				let began = Instant::now();
				let mut tick = tokio::time::interval(Duration::from_secs(1));
				for s in 0..secs {
					tick.tick().await;
					refused += send(sent, rate).await?;
					sent += rate;
					if s % 30 == 29 {
						eprintln!(
							"  {:.0} s: {sent} sent, {refused} refused by the pool",
							began.elapsed().as_secs_f64()
						);
					}
				}
			},
		}
		sent_by.store(client.finalized_number().await?.max(1), Ordering::SeqCst);
		anyhow::Ok((refused, sent))
	};
	let ours: Vec<_> = consumers.iter().map(aipin_client::account_of).collect();
	let follow = async {
		let mut run = Run {
			submitted: BTreeMap::new(),
			finished: BTreeMap::new(),
			refused: 0,
			not_created: 0,
			weights: BTreeMap::new(),
			wall_ms_per_block: 0.0,
		};
		let (first_seen, mut last_seen) = ((start, Instant::now()), (start, Instant::now()));
		let mut last_report = Instant::now();
		let began = Instant::now();
		let mut n = start;
		loop {
			let head = client.finalized_number().await?;
			if head > last_seen.0 {
				last_seen = (head, Instant::now());
			}
			while n <= head {
				let at = client.at_number(n).await?;
				run.weights.insert(n, reads::block_weight(&at).await?.0);
				let md = at.metadata();
				for e in events::of_block(&at).await?.iter() {
					let e = e?;
					use events::{
						escrow::{TaskFinished, TaskSubmitted},
						ChainEvent,
					};
					if let Some(s) = TaskSubmitted::from_event(&e, &md).transpose()? {
						if ours.contains(&s.consumer) {
							run.submitted.insert(s.task, n);
						}
					}
					if let Some(f) = TaskFinished::from_event(&e, &md).transpose()? {
						if run.submitted.contains_key(&f.task) {
							run.finished.insert(f.task, (n, format!("{:?}", f.reason)));
						}
					}
				}
				n += 1;
			}
			// Done when everything created has finished and no more submissions can arrive.
			let by = sent_by.load(Ordering::SeqCst);
			if by > 0 && n > by + 3 && run.finished.len() >= run.submitted.len() {
				let blocks = last_seen.0.saturating_sub(first_seen.0).max(1) as f64;
				let ms = last_seen.1.duration_since(first_seen.1).as_secs_f64() * 1e3;
				run.wall_ms_per_block = ms / blocks;
				return anyhow::Ok(run);
			}
			anyhow::ensure!(
				began.elapsed() < timeout,
				"timed out at block {n}: {} of {} tasks settled",
				run.finished.len(),
				run.submitted.len()
			);
			if last_report.elapsed() > Duration::from_secs(15) {
				let (s, f) = (run.submitted.len(), run.finished.len());
				eprintln!("  block {n}: {s} submitted, {f} settled");
				last_report = Instant::now();
			}
			tokio::time::sleep(Duration::from_millis(250)).await;
		}
	};
	let ((refused, sent), mut run) = tokio::try_join!(submit, follow)?;
	run.refused = refused;
	run.not_created = (sent - refused).saturating_sub(run.submitted.len() as u32);
	Ok(run)
}

impl Run {
	/// Tasks settled per minute in blocks `from + 1..=to`, at the run's wall-clock block pace.
	pub fn settled_per_minute(&self, from: u64, to: u64) -> f64 {
		let n = self.finished.values().filter(|(b, _)| (from + 1..=to).contains(b)).count();
		let ms = to.saturating_sub(from).max(1) as f64 * self.wall_ms_per_block;
		n as f64 / (ms / 60e3)
	}

	/// The block at least `secs` seconds (wall clock) after block `from`.
	pub fn after(&self, from: u64, secs: u64) -> u64 {
		from + (secs as f64 * 1e3 / self.wall_ms_per_block.max(1.0)).ceil() as u64
	}

	/// Blocks from submission to settlement, sorted.
	pub fn latencies(&self) -> Vec<u64> {
		let mut l: Vec<u64> =
			self.finished.iter().map(|(t, (b, _))| b - self.submitted[t]).collect();
		l.sort_unstable();
		l
	}

	/// The first and last block with a submission.
	pub fn submission_span(&self) -> (u64, u64) {
		let min = self.submitted.values().min().copied().unwrap_or(0);
		let max = self.submitted.values().max().copied().unwrap_or(0);
		(min, max)
	}

	/// Outcomes and their counts.
	pub fn outcomes(&self) -> BTreeMap<&str, u32> {
		let mut out = BTreeMap::new();
		for (_, r) in self.finished.values() {
			*out.entry(r.as_str()).or_default() += 1;
		}
		out
	}

	/// Mean and largest normal-class ref time (ms) of the blocks `from..=to`.
	pub fn block_weight_ms(&self, from: u64, to: u64) -> (f64, f64) {
		let w: Vec<f64> =
			(from..=to).filter_map(|n| self.weights.get(&n)).map(|w| *w as f64 / 1e9).collect();
		let mean = w.iter().sum::<f64>() / w.len().max(1) as f64;
		(mean, w.iter().copied().fold(0.0, f64::max))
	}
}
