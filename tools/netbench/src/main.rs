//! `aipin-netbench`: what one node with its workers sustains, measured from the chain.
//!
//! 1. Balance transfers: `--transfers` signed `transfer_keep_alive`s sent at once; their rate
//!    is the blocks that include them, at the block pace measured in step 2.
//! 2. Tasks: replicated tasks from four consumers, `--tasks` at once, or `--rate` a second for
//!    `--sustain` seconds; settled per minute (over the whole run, and in the steady state
//!    after `--warmup`), latency from submission to settlement in blocks (p50, p95), tasks
//!    the pool refused or whose submission failed, and the normal-class block weight used.
//!    Rates count blocks at the wall-clock block pace, not block timestamps (the dev-seal
//!    modes stamp every block a 6 s slot after its parent).
//! 3. Worker overhead: the workers' `/metrics` before and after the tasks — time from picking
//!    a task up to storing its result, against the kernel's own time.
//! 4. Weights: what the runtime charges (`TransactionPaymentApi::query_info`) for each
//!    lifecycle extrinsic, beside `transfer_keep_alive`.
//!
//! `scripts/bench.sh` starts a dev node and two or four workers and runs this; it prints a
//! table and, with `--json`, writes the figures.

mod tasks;

use aipin_client::{
	calls,
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
	/// Tasks to submit at once (at most 64 per consumer, four consumers), when not `--sustain`.
	#[arg(long, default_value_t = 64)]
	tasks: u32,
	/// Submit `--rate` tasks per second for this many seconds instead of one burst.
	#[arg(long, default_value_t = 0)]
	sustain: u64,
	/// Tasks per second submitted in `--sustain` mode.
	#[arg(long, default_value_t = 10)]
	rate: u32,
	/// Seconds at the start of a sustained run left out of the steady rate (queues filling).
	#[arg(long, default_value_t = 30)]
	warmup: u64,
	/// Also write the figures to this JSON file.
	#[arg(long)]
	json: Option<std::path::PathBuf>,
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

	// 1. Transfers, from four senders at once (one sender's chain of nonces would be limited by
	// the pool's per-sender handling, not by the chain). No provider's stash or operator, whose
	// own transactions would race these for nonces: with `PROVIDERS=4`, `scripts/bench.sh`
	// uses every other endowed dev account (the stashes and Eve, Ferdie, Eve//stash and
	// Ferdie//stash as operators).
	let senders: Vec<Keypair> = ["//Alice", "//Bob", "//Charlie", "//Dave"]
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
		sends.push(tasks::blast(&api, who, calls));
	}
	let sending = Instant::now();
	for r in subxt::ext::futures::future::join_all(sends).await {
		anyhow::ensure!(r? == 0, "the pool refused transfers");
	}
	let send_secs = sending.elapsed().as_secs_f64();
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
	let max_block = per_block.values().copied().max().unwrap_or(0);
	// All in one block: the chain had room for more, so the rate is a lower bound.
	let bound = if first == last { "≥ " } else { "" };
	eprintln!(
		"transfers: {total} in blocks {first}..={last} (at most {max_block} in a block); \
		 sending took {send_secs:.1} s"
	);

	// 2. Tasks.
	let consumers = [dev::alice(), dev::charlie(), dev::dave(), dev::bob()];
	let count = if args.sustain > 0 { args.rate as u64 * args.sustain } else { args.tasks as u64 };
	// About one AIP of credits per task at these sizes; twice that, and a margin.
	let credits = (count / consumers.len() as u64 + 1) as u128 * 2 * AIP + 20 * AIP;
	for c in &consumers {
		api.submit(c, &calls::bme::buy_credits(credits, 0)).await?;
	}
	let before = scrape(&args.metrics).await;
	let deadline = (api.finalized_number().await? + 1200 + 2 * args.sustain) as u32;
	let schedule = if args.sustain > 0 {
		eprintln!(
			"submitting {} tasks a second for {} s ({} {:?}, r = {})…",
			args.rate, args.sustain, kernel_name, args.params, args.replication
		);
		tasks::Schedule::Sustained { rate: args.rate, secs: args.sustain }
	} else {
		eprintln!(
			"submitting {} tasks ({} {:?}, r = {})…",
			args.tasks, kernel_name, args.params, args.replication
		);
		tasks::Schedule::Burst(args.tasks)
	};
	let make = |i: u32| {
		let mut seed = [0u8; 32];
		seed[..4].copy_from_slice(&i.to_le_bytes());
		seed[4] = 0xbe;
		calls::escrow::submit_task(
			kernel_id,
			&args.params,
			&TaskInput::Seeded { seed },
			args.replication,
			10,
			deadline,
		)
	};
	let timeout = Duration::from_secs(args.timeout + args.sustain);
	let run = tasks::run(&api, &consumers, schedule, make, timeout).await?;
	let after = scrape(&args.metrics).await;
	let (first_sub, last_sub) = run.submission_span();
	let last_fin = run.finished.values().map(|(b, _)| *b).max().unwrap_or(last_sub);
	let per_min = run.settled_per_minute(first_sub - 1, last_fin);
	// The steady state: from `warmup` seconds after the first submission to the last one.
	let steady_from = run.after(first_sub - 1, args.warmup).min(last_sub);
	let steady = (args.sustain > 0 && steady_from < last_sub)
		.then(|| run.settled_per_minute(steady_from, last_sub));
	let (weight_mean, weight_max) = run.block_weight_ms(first_sub, last_fin);
	let latency = run.latencies();
	let mean = latency.iter().sum::<u64>() as f64 / latency.len().max(1) as f64;
	let reasons = run.outcomes();
	// Wall clock, not timestamps (see `tasks::Run::wall_ms_per_block`); both are printed.
	let block_ms = run.wall_ms_per_block;
	let stamped_ms = {
		let n = api.finalized_number().await?;
		(timestamp(&api, n).await? - timestamp(&api, n - 10).await?) as f64 / 10.0
	};
	let tps = total as f64 / ((last - first + 1) as f64 * block_ms / 1e3);

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
		"block time {:.2} s by the wall clock ({:.2} s by block timestamps); tasks: {} {:?}, \
		 replication {}\n",
		block_ms / 1e3,
		stamped_ms / 1e3,
		kernel_name,
		args.params,
		args.replication
	);
	println!("| measure | value |");
	println!("|---|---:|");
	println!("| balance transfers per second | {bound}{tps:.1} |");
	println!("| most transfers in one block | {max_block} |");
	println!(
		"| tasks settled per minute (r = {}, first submission → last settlement) | {per_min:.1} |",
		args.replication
	);
	if let Some(steady) = steady {
		println!(
			"| tasks settled per minute, steady ({} s in → last submission) | {steady:.1} |",
			args.warmup
		);
	}
	println!(
		"| tasks submitted / refused by the pool / not created | {} / {} / {} |",
		run.submitted.len(),
		run.refused,
		run.not_created
	);
	println!("| block weight, normal class: mean / max ms of ref time (limit 1,500) | {weight_mean:.1} / {weight_max:.1} |");
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
	if let Some(path) = &args.json {
		let figures = serde_json::json!({
			"node": args.node,
			"block_ms": block_ms,
			"block_ms_by_timestamps": stamped_ms,
			"kernel": kernel_name,
			"params": args.params,
			"replication": args.replication,
			"sustain_secs": args.sustain,
			"rate_per_sec": args.rate,
			"transfers_per_sec": tps,
			"tasks_submitted": run.submitted.len(),
			"tasks_refused_by_pool": run.refused,
			"tasks_not_created": run.not_created,
			"settled_per_min": per_min,
			"settled_per_min_steady": steady,
			"latency_blocks": {
				"mean": mean,
				"p50": percentile(&latency, 0.5),
				"p95": percentile(&latency, 0.95),
				"max": latency.last().copied().unwrap_or(0),
			},
			"outcomes": reasons,
			"block_weight_normal_ms": { "mean": weight_mean, "max": weight_max },
			"worker_kernel_ms_per_task": (computed > 0.0).then(|| kernel_us / computed / 1e3),
			"worker_pipeline_ms_per_task": (computed > 0.0).then(|| pipeline_us / computed / 1e3),
			"declared_weights": weights.iter().map(|(n, (r, p))| serde_json::json!({
				"call": n, "ref_time_ps": r, "proof_size": p,
			})).collect::<Vec<_>>(),
		});
		std::fs::write(path, serde_json::to_string_pretty(&figures)?)?;
		eprintln!("figures written to {}", path.display());
	}
	Ok(())
}
