//! The task phase: replicated tasks submitted by several consumers, either all at once (a
//! burst) or at a steady rate for a while (sustained), then followed on chain to settlement.
//! Rates and latencies come from the chain (block numbers and timestamps), never from the
//! benchmark's own clock.

use aipin_client::{calls::Call, events, reads, Client, Keypair};
use aipin_primitives::TaskId;
use std::{
	collections::BTreeMap,
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
	/// Timestamps (ms) of every block from the first submission's to the last settlement's.
	pub timestamps: BTreeMap<u64, u64>,
	/// Normal-class ref time (ps) each of those blocks used.
	pub weights: BTreeMap<u64, u64>,
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
	Ok(results.iter().filter(|r| r.is_err()).count() as u32)
}

/// Submits per `schedule` (task `i` is `make(i)`, sent by consumer `i mod n`), then follows the
/// chain until every task created has finished, or `timeout`.
pub async fn run(
	client: &Client,
	consumers: &[Keypair],
	schedule: Schedule,
	make: impl Fn(u32) -> Call,
	timeout: Duration,
) -> anyhow::Result<Run> {
	let start = client.finalized_number().await? + 1;
	let mut refused = 0;
	let mut sent = 0u32;
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
	let sent_by = client.finalized_number().await?;
	let ours: Vec<_> = consumers.iter().map(aipin_client::account_of).collect();
	let mut submitted = BTreeMap::new();
	let mut finished = BTreeMap::new();
	let mut last_report = Instant::now();
	let mut from = start;
	let began = Instant::now();
	// Until everything created has finished, and no more submissions can arrive.
	loop {
		let head = client.finalized_number().await?;
		while from <= head {
			let at = client.at_number(from).await?;
			let block = events::of_block(&at).await?;
			let md = at.metadata();
			for e in block.iter() {
				let e = e?;
				use events::{escrow::TaskFinished, escrow::TaskSubmitted, ChainEvent};
				if let Some(s) = TaskSubmitted::from_event(&e, &md).transpose()? {
					if ours.contains(&s.consumer) {
						submitted.insert(s.task, from);
					}
				}
				if let Some(f) = TaskFinished::from_event(&e, &md).transpose()? {
					if submitted.contains_key(&f.task) {
						finished.insert(f.task, (from, format!("{:?}", f.reason)));
					}
				}
			}
			from += 1;
		}
		if from > sent_by + 3 && finished.len() >= submitted.len() {
			break;
		}
		anyhow::ensure!(
			began.elapsed() < timeout,
			"timed out at block {from}: {} of {} tasks settled",
			finished.len(),
			submitted.len()
		);
		if last_report.elapsed() > Duration::from_secs(15) {
			eprintln!("  block {from}: {} submitted, {} settled", submitted.len(), finished.len());
			last_report = Instant::now();
		}
		tokio::time::sleep(Duration::from_millis(250)).await;
	}
	let first = submitted.values().min().copied().unwrap_or(start).saturating_sub(1);
	let last = finished.values().map(|(b, _)| *b).max().unwrap_or(start);
	let mut timestamps = BTreeMap::new();
	let mut weights = BTreeMap::new();
	for n in first..=last {
		let at = client.at_number(n).await?;
		timestamps.insert(n, super::timestamp(client, n).await?);
		weights.insert(n, reads::block_weight(&at).await?.0);
	}
	let not_created = (sent - refused).saturating_sub(submitted.len() as u32);
	Ok(Run { submitted, finished, refused, not_created, timestamps, weights })
}

impl Run {
	/// Tasks settled per minute between blocks `from` and `to` (by their timestamps).
	pub fn settled_per_minute(&self, from: u64, to: u64) -> f64 {
		let n = self.finished.values().filter(|(b, _)| (from + 1..=to).contains(b)).count();
		let ms = self.timestamps[&to].saturating_sub(self.timestamps[&from]);
		n as f64 / (ms.max(1) as f64 / 60e3)
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
		let w: Vec<f64> = (from..=to).filter_map(|n| self.weights.get(&n)).map(|w| *w as f64 / 1e9).collect();
		let mean = w.iter().sum::<f64>() / w.len().max(1) as f64;
		(mean, w.iter().copied().fold(0.0, f64::max))
	}
}
