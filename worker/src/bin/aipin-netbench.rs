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

use aipin_worker::consumer::{self, bytes32, field};
use clap::Parser;
use std::{
	collections::{BTreeMap, HashMap},
	time::{Duration, Instant},
};
use subxt::{
	config::DefaultExtrinsicParamsBuilder,
	dynamic::{self, Value},
	ext::{
		codec::{Compact, Decode, Encode},
		scale_value,
	},
	SubstrateConfig,
};
use subxt_signer::sr25519::{dev, Keypair};

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

type Api = aipin_worker::chain::Api;

/// Signs `calls` from `who` with consecutive nonces (offline: no round trip per transaction),
/// then sends them all, 64 requests in flight, without waiting for inclusion.
async fn blast(
	api: &Api,
	who: &Keypair,
	calls: Vec<subxt::transactions::DynamicPayload<Vec<Value>>>,
) -> anyhow::Result<Duration> {
	use subxt::ext::futures::{stream, StreamExt};
	let at = api.at_current_block().await?;
	let client = at.transactions();
	// The finalized nonce: this benchmark's accounts have nothing pending when it starts.
	let first = client.account_nonce(&who.public_key().to_account_id()).await?;
	let mut txs = Vec::with_capacity(calls.len());
	for (i, call) in calls.iter().enumerate() {
		let params =
			DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new().nonce(first + i as u64).build();
		txs.push(client.create_signable_offline(call, params)?.sign(who)?);
	}
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
async fn timestamp(api: &Api, n: u64) -> anyhow::Result<u64> {
	let at = api.at_block(n).await?;
	Ok(at.storage().fetch(dynamic::storage::<(), u64>("Timestamp", "Now"), ()).await?.decode()?)
}

/// Follows finalized blocks from `from`, calling `on` with each block's number and events,
/// until it returns true or `timeout` passes.
async fn follow(
	api: &Api,
	mut from: u64,
	timeout: Duration,
	mut on: impl FnMut(u64, &str, &str, &scale_value::Composite<()>) -> bool,
) -> anyhow::Result<()> {
	let started = Instant::now();
	loop {
		let head = api.at_current_block().await?.block_number();
		while from <= head {
			let events = api.at_block(from).await?.events().fetch().await?;
			let mut done = false;
			for ev in events.iter().filter_map(Result::ok) {
				if let Ok(c) = ev.decode_fields_unchecked_as::<scale_value::Composite<()>>() {
					done |= on(from, ev.pallet_name(), ev.event_name(), &c);
				}
			}
			if done {
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
		let Ok(body) = aipin_worker::http::get(url, 1 << 20, Duration::from_secs(5)).await else {
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

/// Declared weight (ref time ps, proof bytes) of `call` signed by `who`, from the runtime.
async fn weight(
	api: &Api,
	who: &Keypair,
	call: subxt::transactions::DynamicPayload<Vec<Value>>,
) -> anyhow::Result<(u64, u64)> {
	let at = api.at_current_block().await?;
	let params = DefaultExtrinsicParamsBuilder::<SubstrateConfig>::new().nonce(0).build();
	let tx = at.transactions().create_signed(&call, who, params).await?;
	let mut args = tx.encoded().to_vec();
	(tx.encoded().len() as u32).encode_to(&mut args);
	let raw = at.runtime_apis().call_raw("TransactionPaymentApi_query_info", Some(&args)).await?;
	let mut cur = &raw[..];
	let ref_time = Compact::<u64>::decode(&mut cur)?.0;
	let proof = Compact::<u64>::decode(&mut cur)?.0;
	Ok((ref_time, proof))
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
	let api = consumer::connect(&args.node).await?;
	let kernel = consumer::resolve_kernel(&api, &args.kernel).await?;

	// 1. Transfers, from five senders at once (one sender's chain of nonces would be limited by
	// the pool's per-sender handling, not by the chain).
	let senders: Vec<Keypair> =
		["//Bob", "//Charlie", "//Dave", "//Charlie//stash", "//Dave//stash"]
			.iter()
			.map(|u| Keypair::from_uri(&u.parse().expect("dev URI")).expect("dev key"))
			.collect();
	// To an account none of them is (a transfer to oneself emits no `Transfer` event).
	let dest = Keypair::from_uri(&"//Eve//stash".parse().expect("dev URI"))
		.expect("dev key")
		.public_key()
		.0;
	let start = api.at_current_block().await?.block_number() + 1;
	eprintln!("sending {} transfers from {} accounts…", args.transfers, senders.len());
	let per_sender = args.transfers.div_ceil(senders.len() as u32);
	let total = per_sender * senders.len() as u32;
	let mut sends = Vec::new();
	for who in &senders {
		let calls = (0..per_sender)
			.map(|_| {
				dynamic::transaction(
					"Balances",
					"transfer_keep_alive",
					vec![
						Value::unnamed_variant("Id", [Value::from_bytes(dest)]),
						Value::u128(1_000_000_000),
					],
				)
			})
			.collect();
		sends.push(blast(&api, who, calls));
	}
	let mut send_secs = 0f64;
	for r in subxt::ext::futures::future::join_all(sends).await {
		send_secs = send_secs.max(r?.as_secs_f64());
	}
	let ids: Vec<[u8; 32]> = senders.iter().map(|k| k.public_key().0).collect();
	let (mut first, mut last, mut seen) = (u64::MAX, 0u64, 0u32);
	let mut per_block: BTreeMap<u64, u32> = BTreeMap::new();
	follow(&api, start, Duration::from_secs(args.timeout), |n, pallet, name, c| {
		if pallet == "Balances"
			&& name == "Transfer"
			&& field(c, "from").and_then(bytes32).is_some_and(|a| ids.contains(&a))
		{
			seen += 1;
			*per_block.entry(n).or_default() += 1;
			first = first.min(n);
			last = last.max(n);
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
		consumer::buy_credits(&api, c, 20 * consumer::AIP, 0).await?;
	}
	let before = scrape(&args.metrics).await;
	let now = api.at_current_block().await?.block_number();
	let start = now + 1;
	let mut per: Vec<Vec<_>> = vec![Vec::new(); consumers.len()];
	for i in 0..args.tasks {
		let mut seed = [0u8; 32];
		seed[..4].copy_from_slice(&i.to_le_bytes());
		seed[4] = 0xbe;
		per[i as usize % consumers.len()].push(dynamic::transaction(
			"Escrow",
			"submit_task",
			vec![
				Value::u128(kernel.id as u128),
				Value::unnamed_composite(args.params.iter().map(|p| Value::u128(*p as u128))),
				Value::named_variant("Seeded", [("seed", Value::from_bytes(seed))]),
				Value::u128(args.replication as u128),
				Value::u128(10),
				Value::u128((now + 1200) as u128),
			],
		));
	}
	eprintln!(
		"submitting {} tasks ({} {:?}, r = {})…",
		args.tasks, kernel.name, args.params, args.replication
	);
	for (c, calls) in consumers.iter().zip(per) {
		blast(&api, c, calls).await?;
	}
	let ours: Vec<[u8; 32]> = consumers.iter().map(|c| c.public_key().0).collect();
	let mut submitted: BTreeMap<u64, u64> = BTreeMap::new();
	let mut finished: BTreeMap<u64, (u64, String)> = BTreeMap::new();
	let mut last_report = Instant::now();
	follow(&api, start, Duration::from_secs(args.timeout), |n, pallet, name, c| {
		if pallet != "Escrow" {
			return false;
		}
		let task = field(c, "task").and_then(|v| v.as_u128()).map(|t| t as u64);
		match (name, task) {
			("TaskSubmitted", Some(t))
				if field(c, "consumer").and_then(bytes32).is_some_and(|a| ours.contains(&a)) =>
			{
				submitted.insert(t, n);
			},
			("TaskFinished", Some(t)) if submitted.contains_key(&t) => {
				let reason = match field(c, "reason").map(|v| &v.value) {
					Some(scale_value::ValueDef::Variant(v)) => v.name.clone(),
					_ => "?".into(),
				};
				finished.insert(t, (n, reason));
			},
			_ => {},
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
		let n = api.at_current_block().await?.block_number();
		(timestamp(&api, n).await? - timestamp(&api, n - 10).await?) as f64 / 10.0
	};

	// 3. Worker overhead.
	let d = |k: &str| after.get(k).copied().unwrap_or(0.0) - before.get(k).copied().unwrap_or(0.0);
	let computed = d("aipin_worker_tasks_computed_total");
	let kernel_us = d("aipin_worker_kernel_microseconds_total");
	let pipeline_us = d("aipin_worker_pipeline_microseconds_total");

	// 4. Weights.
	let alice = dev::alice();
	let t = |p: &str, c: &str, a: Vec<Value>| dynamic::transaction(p, c, a);
	let samples = vec![
		(
			"balances.transfer_keep_alive",
			t(
				"Balances",
				"transfer_keep_alive",
				vec![Value::unnamed_variant("Id", [Value::from_bytes(dest)]), Value::u128(1)],
			),
		),
		(
			"bme.buy_credits",
			t("Bme", "buy_credits", vec![Value::u128(consumer::AIP), Value::u128(0)]),
		),
		(
			"escrow.submit_task (seeded)",
			t(
				"Escrow",
				"submit_task",
				vec![
					Value::u128(kernel.id as u128),
					Value::unnamed_composite(args.params.iter().map(|p| Value::u128(*p as u128))),
					Value::named_variant("Seeded", [("seed", Value::from_bytes([0u8; 32]))]),
					Value::u128(2),
					Value::u128(10),
					Value::u128(1_000_000),
				],
			),
		),
		(
			"escrow.commit_result",
			t("Escrow", "commit_result", vec![Value::u128(0), Value::from_bytes([0u8; 32])]),
		),
		(
			"escrow.reveal_result",
			t(
				"Escrow",
				"reveal_result",
				vec![Value::u128(0), Value::from_bytes([0u8; 32]), Value::from_bytes([0u8; 32])],
			),
		),
		("escrow.cancel_task", t("Escrow", "cancel_task", vec![Value::u128(0)])),
		("staking.heartbeat", t("Staking", "heartbeat", vec![])),
		("bme.claim_rewards", t("Bme", "claim_rewards", vec![])),
	];
	let mut weights = Vec::new();
	for (name, call) in samples {
		weights.push((name, weight(&api, &alice, call).await?));
	}
	let transfer_ref = weights[0].1 .0 as f64;

	// The table.
	println!("\n## AiPIN network benchmark ({})\n", args.node);
	println!(
		"block time {:.2} s; tasks: {} {:?}, replication {}\n",
		block_ms / 1e3,
		kernel.name,
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
