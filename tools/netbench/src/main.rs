//! `aipin-netbench`: what one node with its workers sustains, measured from the chain.
//!
//! 1. Balance transfers: `--transfers` signed `transfer_keep_alive`s sent at once; their rate
//!    is counted from the timestamps of the blocks that include them.
//! 2. Tasks: `--tasks` replicated tasks sent at once by four consumers; settled per minute
//!    (block timestamps again), and each task's latency from submission to settlement in
//!    blocks.
//! 3. Worker overhead: the workers' `/metrics` before and after the tasks — time from picking
//!    a task up to storing its result, against the kernel's own time.
//! 4. Weights: what the runtime charges (`TransactionPaymentApi::query_info`) for each
//!    lifecycle extrinsic, beside `transfer_keep_alive`.
//!
//! `scripts/bench.sh` starts a dev node and two workers and runs this; it prints a table.

use aipin_client::{
	calls::{self, Call},
	events::{self, balances::Transfer, ChainEvent},
	reads, AccountId, Client, Keypair,
};
use aipin_primitives::{units::AIP, TaskInput};
use clap::Parser;
use std::{
	collections::{BTreeMap, HashMap},
	time::{Duration, Instant},
};
use subxt_signer::sr25519::dev;

#[derive(Parser)]
#[command(
	name = "aipin-netbench",
	about = "Tasks settled per minute vs balance transfers per second"
)]
struct Args {
	#[arg(long, env = "AIPIN_NODE", default_value = "ws://127.0.0.1:9944")]
	node: String,
	/// Balance transfers to send.
	#[arg(long, default_value_t = 8000)]
	transfers: u32,
	/// Tasks to submit (at most 64 per consumer, four consumers).
	#[arg(long, default_value_t = 64)]
	tasks: u32,
	/// Kernel of the tasks.
	#[arg(long, default_value = "gemm-i8")]
	kernel: String,
	/// Its parameters.
	#[arg(long, value_delimiter = ',', default_value = "256,256,256")]
	params: Vec<u32>,
	#[arg(long, default_value_t = 2)]
	replication: u8,
	/// Worker metrics URLs, comma-separated.
	#[arg(
		long,
		value_delimiter = ',',
		default_value = "http://127.0.0.1:8101/metrics,http://127.0.0.1:8102/metrics"
	)]
	metrics: Vec<String>,
	/// Give up on a phase after this many seconds.
	#[arg(long, default_value_t = 900)]
	timeout: u64,
}

/// Signs `calls` from `who` offline (local nonces, no round trip per transaction), then sends
/// them all, 64 requests in flight, without waiting for inclusion.
async fn blast(client: &Client, who: &Keypair, calls: Vec<Call>) -> anyhow::Result<Duration> {
	use subxt::ext::futures::{stream, StreamExt};
	let txs = client.sign_offline(who, &calls).await?;
	let sent = Instant::now();
	let results: Vec<_> = stream::iter(txs)
		.map(|tx| async move { tx.submit().await })
		.buffer_unordered(64)
		.collect()
		.await;
	for r in results {
		r?;
	}
	Ok(sent.elapsed())
}

/// Timestamp (ms) of block `n`.
async fn timestamp(client: &Client, n: u64) -> anyhow::Result<u64> {
	let at = client.at_number(n).await?;
	let addr = subxt::dynamic::storage::<(), u64>("Timestamp", "Now");
	Ok(at.storage().fetch(addr, ()).await?.decode()?)
}

/// Follows finalized blocks from `from`, calling `on` with each block's number, its events and
/// their metadata, until it returns true or `timeout` passes.
async fn follow(
	client: &Client,
	mut from: u64,
	timeout: Duration,
	mut on: impl FnMut(u64, &[events::Event<'_>], &subxt::Metadata) -> bool,
) -> anyhow::Result<()> {
	let started = Instant::now();
	loop {
		let head = client.finalized_number().await?;
		while from <= head {
			let at = client.at_number(from).await?;
			let block = events::of_block(&at).await?;
			let evs = block.iter().collect::<Result<Vec<_>, _>>()?;
			if on(from, &evs, &at.metadata()) {
				return Ok(());
			}
			from += 1;
		}
		anyhow::ensure!(started.elapsed() < timeout, "timed out at block {from}");
		tokio::time::sleep(Duration::from_millis(250)).await;
	}
}

/// Sum of each named counter over the workers' metrics endpoints.
async fn scrape(urls: &[String]) -> HashMap<String, f64> {
	let mut out = HashMap::new();
	for url in urls {
		let Ok(body) = aipin_client::http::get(url, 1 << 20, Duration::from_secs(5)).await else {
			eprintln!("warning: no metrics from {url}");
			continue;
		};
		for line in String::from_utf8_lossy(&body).lines() {
			if line.starts_with('#') {
				continue;
			}
			if let Some((k, v)) = line.rsplit_once(' ') {
				*out.entry(k.to_string()).or_default() += v.parse::<f64>().unwrap_or(0.0);
			}
		}
	}
	out
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
	if sorted.is_empty() {
		return 0;
	}
	sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
	let args = Args::parse();
	let api = Client::connect(&args.node).await?;
	let (kernel_id, kernel_name) = reads::kernels(&api.finalized().await?)
		.await?
		.into_iter()
		.map(|(id, k)| (id, String::from_utf8_lossy(&k.spec.name).into_owned()))
		.find(|(id, name)| *name == args.kernel || id.to_string() == args.kernel)
		.ok_or_else(|| anyhow::anyhow!("kernel {:?} is not registered", args.kernel))?;

	// 1. Transfers, from five senders at once (one sender's chain of nonces would be limited by
	// the pool's per-sender handling, not by the chain).
	let senders: Vec<Keypair> =
		["//Bob", "//Charlie", "//Dave", "//Charlie//stash", "//Dave//stash"]
			.iter()
			.map(|u| Keypair::from_uri(&u.parse().expect("dev URI")).expect("dev key"))
			.collect();
	// To an account none of them is (a transfer to oneself emits no `Transfer` event).
	let dest = aipin_client::account_of(
		&Keypair::from_uri(&"//Eve//stash".parse().expect("dev URI")).expect("dev key"),
	);
	let start = api.finalized_number().await? + 1;
	eprintln!("sending {} transfers from {} accounts…", args.transfers, senders.len());
	let per_sender = args.transfers.div_ceil(senders.len() as u32);
	let total = per_sender * senders.len() as u32;
	let mut sends = Vec::new();
	for who in &senders {
		let calls = (0..per_sender)
			.map(|_| calls::balances::transfer_keep_alive(&dest, 1_000_000_000))
			.collect();
		sends.push(blast(&api, who, calls));
	}
	let mut send_secs = 0f64;
	for r in subxt::ext::futures::future::join_all(sends).await {
		send_secs = send_secs.max(r?.as_secs_f64());
	}
	let ids: Vec<AccountId> = senders.iter().map(aipin_client::account_of).collect();
	let (mut first, mut last, mut seen) = (u64::MAX, 0u64, 0u32);
	let mut per_block: BTreeMap<u64, u32> = BTreeMap::new();
	follow(&api, start, Duration::from_secs(args.timeout), |n, evs, md| {
		for t in evs.iter().filter_map(|e| Transfer::from_event(e, md)).flatten() {
			if ids.contains(&t.from) {
				seen += 1;
				*per_block.entry(n).or_default() += 1;
				first = first.min(n);
				last = last.max(n);
			}
		}
		seen >= total
	})
	.await?;
	let span_ms = timestamp(&api, last).await? - timestamp(&api, first - 1).await?;
	let tps = total as f64 / (span_ms as f64 / 1e3);
	let max_block = per_block.values().copied().max().unwrap_or(0);
	// All in one block: the chain had room for more, so the rate is a lower bound.
	let bound = if first == last { "≥ " } else { "" };
	eprintln!(
		"transfers: {total} in blocks {first}..={last} (at most {max_block} in a block), \
		 {bound}{tps:.1}/s; sending took {send_secs:.1} s"
	);

	// 2. Tasks.
	let consumers = [dev::alice(), dev::charlie(), dev::dave(), dev::bob()];
	for c in &consumers {
		api.submit(c, &calls::bme::buy_credits(20 * AIP, 0)).await?;
	}
	let before = scrape(&args.metrics).await;
	let now = api.finalized_number().await?;
	let start = now + 1;
	let mut per: Vec<Vec<_>> = vec![Vec::new(); consumers.len()];
	for i in 0..args.tasks {
		let mut seed = [0u8; 32];
		seed[..4].copy_from_slice(&i.to_le_bytes());
		seed[4] = 0xbe;
		per[i as usize % consumers.len()].push(calls::escrow::submit_task(
			kernel_id,
			&args.params,
			&TaskInput::Seeded { seed },
			args.replication,
			10,
			(now + 1200) as u32,
		));
	}
	eprintln!(
		"submitting {} tasks ({} {:?}, r = {})…",
		args.tasks, kernel_name, args.params, args.replication
	);
	for (c, calls) in consumers.iter().zip(per) {
		blast(&api, c, calls).await?;
	}
	let ours: Vec<AccountId> = consumers.iter().map(aipin_client::account_of).collect();
	let mut submitted: BTreeMap<u64, u64> = BTreeMap::new();
	let mut finished: BTreeMap<u64, (u64, String)> = BTreeMap::new();
	let mut last_report = Instant::now();
	follow(&api, start, Duration::from_secs(args.timeout), |n, evs, md| {
		use events::escrow::{TaskFinished, TaskSubmitted};
		for e in evs.iter().filter_map(|e| TaskSubmitted::from_event(e, md)).flatten() {
			if ours.contains(&e.consumer) {
				submitted.insert(e.task, n);
			}
		}
		for e in evs.iter().filter_map(|e| TaskFinished::from_event(e, md)).flatten() {
			if submitted.contains_key(&e.task) {
				finished.insert(e.task, (n, format!("{:?}", e.reason)));
			}
		}
		if last_report.elapsed() > Duration::from_secs(15) {
			eprintln!("  block {n}: {} submitted, {} settled", submitted.len(), finished.len());
			last_report = Instant::now();
		}
		finished.len() as u32 >= args.tasks
	})
	.await?;
	let after = scrape(&args.metrics).await;
	let first_sub = *submitted.values().min().unwrap_or(&start);
	let last_fin = finished.values().map(|(b, _)| *b).max().unwrap_or(start);
	let task_span_ms = timestamp(&api, last_fin).await? - timestamp(&api, first_sub - 1).await?;
	let per_min = args.tasks as f64 / (task_span_ms as f64 / 60e3);
	let mut latency: Vec<u64> = finished.iter().map(|(t, (b, _))| b - submitted[t]).collect();
	latency.sort_unstable();
	let mean = latency.iter().sum::<u64>() as f64 / latency.len().max(1) as f64;
	let mut reasons: BTreeMap<&str, u32> = BTreeMap::new();
	for (_, r) in finished.values() {
		*reasons.entry(r).or_default() += 1;
	}
	let block_ms = {
		let n = api.finalized_number().await?;
		(timestamp(&api, n).await? - timestamp(&api, n - 10).await?) as f64 / 10.0
	};

	// 3. Worker overhead.
	let d = |k: &str| after.get(k).copied().unwrap_or(0.0) - before.get(k).copied().unwrap_or(0.0);
	let computed = d("aipin_worker_tasks_computed_total");
	let kernel_us = d("aipin_worker_kernel_microseconds_total");
	let pipeline_us = d("aipin_worker_pipeline_microseconds_total");

	// 4. Weights.
	let alice = dev::alice();
	let samples = vec![
		("balances.transfer_keep_alive", calls::balances::transfer_keep_alive(&dest, 1)),
		("bme.buy_credits", calls::bme::buy_credits(AIP, 0)),
		(
			"escrow.submit_task (seeded)",
			calls::escrow::submit_task(
				kernel_id,
				&args.params,
				&TaskInput::Seeded { seed: [0u8; 32] },
				2,
				10,
				1_000_000,
			),
		),
		("escrow.commit_result", calls::escrow::commit_result(0, [0u8; 32])),
		("escrow.reveal_result", calls::escrow::reveal_result(0, [0u8; 32], [0u8; 32])),
		("escrow.cancel_task", calls::escrow::cancel_task(0)),
		("staking.heartbeat", calls::staking::heartbeat()),
		("bme.claim_rewards", calls::bme::claim_rewards()),
	];
	let mut weights = Vec::new();
	for (name, call) in samples {
		weights.push((name, api.declared_weight(&alice, &call).await?));
	}
	let transfer_ref = weights[0].1 .0 as f64;

	// The table.
	println!("\n## AiPIN network benchmark ({})\n", args.node);
	println!(
		"block time {:.2} s; tasks: {} {:?}, replication {}\n",
		block_ms / 1e3,
		kernel_name,
		args.params,
		args.replication
	);
	println!("| measure | value |");
	println!("|---|---:|");
	println!("| balance transfers per second | {bound}{tps:.1} |");
	println!("| most transfers in one block | {max_block} |");
	println!("| tasks settled per minute (r = {}) | {per_min:.1} |", args.replication);
	println!("| transfers per settled task (throughput ratio) | {:.1} |", tps * 60.0 / per_min);
	println!(
		"| latency submit → settled, blocks: mean / p50 / p95 / max | {mean:.1} / {} / {} / {} |",
		percentile(&latency, 0.5),
		percentile(&latency, 0.95),
		latency.last().copied().unwrap_or(0)
	);
	println!("| latency submit → settled, seconds (mean) | {:.1} |", mean * block_ms / 1e3);
	println!(
		"| outcomes | {} |",
		reasons.iter().map(|(r, n)| format!("{r} {n}")).collect::<Vec<_>>().join(", ")
	);
	if computed > 0.0 && kernel_us > 0.0 {
		println!("| worker: results computed | {computed:.0} |");
		println!("| worker: kernel time per task, ms | {:.2} |", kernel_us / computed / 1e3);
		println!("| worker: pick-up → stored per task, ms | {:.2} |", pipeline_us / computed / 1e3);
		println!(
			"| worker: overhead as % of kernel time | {:.1}% |",
			100.0 * (pipeline_us - kernel_us) / kernel_us
		);
	} else {
		println!("| worker metrics | unavailable ({:?}) |", args.metrics);
	}
	println!("\n| extrinsic | declared ref time, µs | proof size, bytes | × transfer |");
	println!("|---|---:|---:|---:|");
	for (name, (r, p)) in &weights {
		println!("| {name} | {:.1} | {p} | {:.2} |", *r as f64 / 1e6, *r as f64 / transfer_ref);
	}
	println!("\nDeclared weights are what a block reserves before dispatch (worst case over the");
	println!("replication bound); escrow refunds the unused part after.");
	Ok(())
}
