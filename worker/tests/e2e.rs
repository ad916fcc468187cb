//! The happy path, end to end: a dev node and the two genesis providers' workers (operators
//! Eve and Ferdie). Alice buys credits and submits a replicated GEMM with the `aipin` CLI; both
//! workers compute it on the GPU, commit, reveal; it settles `Completed`; Alice is refunded the
//! difference; the result downloaded through the CLI verifies against the on-chain root and
//! equals the CPU reference; every chunk served with its proof verifies; and both providers
//! are paid when they claim the finished epoch's rewards.

use aipin_client::{http, reads, units::ss58, verify};
use aipin_kernels::Kernel;
use aipin_primitives::{seeded_input, Phase};
use aipin_test_harness::*;
use std::time::Duration;

fn ok_or_404(r: Result<Vec<u8>, http::FetchError>) -> Option<Vec<u8>> {
	match r {
		Ok(b) => Some(b),
		Err(http::FetchError::Status { status: 404, .. }) => None,
		Err(e) => panic!("{e}"),
	}
}

fn phase_name<B>(phase: &Phase<B>) -> &'static str {
	match phase {
		Phase::Queued { .. } => "queued",
		Phase::Commit { .. } => "commit",
		Phase::Reveal { .. } => "reveal",
		Phase::Finished { .. } => "finished",
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn replicated_task_settles_pays_both_providers_and_its_result_verifies() {
	let mut net = DevNet::start("e2e-happy").await;
	// Fifteen-block epochs, so the providers can claim within the test.
	net.set_param("EpochLength", 15).await;
	net.start_worker(WorkerSpec::new("eve", "//Eve"));
	net.start_worker(WorkerSpec::new("ferdie", "//Ferdie"));

	// Clear errors before anything is signed.
	let out = net.cli(None, &["credits", "buy", "10"]);
	assert!(!out.status.success());
	assert!(String::from_utf8_lossy(&out.stderr).contains("this command signs"));
	let out = net.cli(Some("//Alice"), &["task", "submit", "--kernel", "nope", "--params", "1"]);
	assert!(String::from_utf8_lossy(&out.stderr).contains("unknown kernel \"nope\""));
	let out = net.cli(
		Some("//Dave"),
		&["task", "submit", "--kernel", "gemm-i8", "--params", "64,64,64", "--no-wait"],
	);
	assert!(String::from_utf8_lossy(&out.stderr).contains("not enough credits"), "{out:?}");
	let out = std::process::Command::new(bin("aipin"))
		.args(["--node", "ws://127.0.0.1:1", "kernels"])
		.output()
		.unwrap();
	assert!(!out.status.success());
	assert!(
		String::from_utf8_lossy(&out.stderr).contains("cannot reach the node at ws://127.0.0.1:1")
	);

	let bought = net.cli_json(Some("//Alice"), &["credits", "buy", "10"]);
	let credits = bought["credits"].as_u64().unwrap() as u128;
	assert_eq!(credits, 10 * 50_000, "10 AIP at $0.50 is 500,000 credits of $0.00001");

	// A seeded 48×40×72 GEMM (not a multiple of the tiles), replication 2.
	let (m, n, k) = (48u32, 40u32, 72u32);
	let seed = [77u8; 32];
	let submitted = net.cli_json(
		Some("//Alice"),
		&[
			"task",
			"submit",
			"--kernel",
			"gemm-i8",
			"--params",
			&format!("{m},{n},{k}"),
			"--seed",
			&hex::encode(seed),
			"-r",
			"2",
			"--max-price",
			"28000",
			"--no-wait",
		],
	);
	let id = submitted["task"].as_u64().unwrap();
	let escrow = submitted["escrow"].as_u64().unwrap() as u128;
	let work_units = submitted["work_units"].as_u64().unwrap() as u128;
	let deposit = submitted["deposit"].as_u64().unwrap() as u128;
	assert_eq!(deposit, 1_000, "the runtime's SubmissionDeposit");
	// Prices are per `Escrow.PriceUnit` work units, as `aipin providers` says; each replica's
	// share is rounded up to a whole credit.
	let providers = net.cli_json(None, &["providers"]);
	let unit = providers[0]["price_unit"].as_u64().expect("providers list the price unit");
	assert_eq!(unit, 1_000_000_000_000, "the runtime's PriceUnit");
	let charge = |price| aipin_primitives::charge(price, work_units as u64, unit).unwrap();
	assert_eq!(escrow, charge(28_000) * 2 + deposit);

	// While the task runs, neither worker serves its result or root (a partner could copy
	// it, a consumer could take it and cancel): every GET is a 404 until the chain has
	// settled the task, and anything served is the settled result.
	let bases: Vec<String> =
		["eve", "ferdie"].iter().map(|w| format!("http://127.0.0.1:{}", net.port(w))).collect();
	let t = Duration::from_secs(10);
	let mut withheld_in = std::collections::BTreeSet::new();
	let started = std::time::Instant::now();
	loop {
		let before = net.task(id).await.expect("the task exists");
		if matches!(before.phase, Phase::Finished { .. }) {
			break;
		}
		for base in &bases {
			for url in [format!("{base}/results/{id}"), format!("{base}/results/{id}/chunks/0")] {
				if ok_or_404(http::get(&url, 1 << 20, t).await).is_none() {
					withheld_in.insert(phase_name(&before.phase));
				} else {
					let after = net.task(id).await.expect("the task exists");
					assert!(
						matches!(after.phase, Phase::Finished { .. })
							&& after.result_root.is_some(),
						"{url} was served before the task settled: {:?}",
						after.phase
					);
				}
			}
		}
		assert!(
			started.elapsed() < Duration::from_secs(150),
			"task {id} did not settle\n{}",
			net.logs()
		);
		tokio::time::sleep(Duration::from_millis(200)).await;
	}
	assert!(
		withheld_in.contains("reveal"),
		"a GET during the reveal window (roots committed, outputs computed) was refused; saw {withheld_in:?}"
	);

	let settled = net.cli_json(None, &["task", "watch", &id.to_string(), "--timeout", "150"]);
	assert_eq!(settled["outcome"], "Completed", "{settled}\n{}", net.logs());
	// Both genesis providers ask 1 credit per 10¹² work units: a whole credit each.
	let paid = settled["paid"].as_u64().unwrap() as u128;
	let refunded = settled["refunded"].as_u64().unwrap() as u128;
	assert_eq!(paid, 2 * charge(1));
	assert_eq!(refunded, escrow - paid, "the deposit comes back with the unpaid price");
	let balance = net.cli_json(Some("//Alice"), &["credits", "balance"]);
	assert_eq!(balance["free"].as_u64().unwrap() as u128, credits - paid);
	assert_eq!(balance["reserved"].as_u64().unwrap(), 0);

	// The on-chain root is the root of the CPU reference's output.
	let task = net.task(id).await.unwrap();
	let params = [m, n, k];
	let input = seeded_input(&seed, Kernel::GemmI8.input_bytes(&params) as usize);
	let expected = Kernel::GemmI8.reference(&params, &input).unwrap();
	let root = verify::root(&expected);
	assert_eq!(task.result_root, Some(root));

	// The CLI downloads the result, verifies it against the chain, and writes it.
	for name in ["eve", "ferdie"] {
		let endpoint = format!("http://127.0.0.1:{}", net.port(name));
		let file = format!("result-{name}.bin");
		let d = net.cli_json(
			None,
			&["task", "result", &id.to_string(), "--endpoint", &endpoint, "--out", &file],
		);
		assert_eq!(d["root"], format!("0x{}", hex::encode(root)));
		assert_eq!(std::fs::read(net.dir.path().join(&file)).unwrap(), expected);
	}

	// Every chunk each worker serves verifies with its proof; no traversal, 404s.
	let t = Duration::from_secs(10);
	for name in ["eve", "ferdie"] {
		let base = format!("http://127.0.0.1:{}", net.port(name));
		let len = expected.len() as u64;
		let chunks = verify::chunk_count(len);
		for i in 0..chunks {
			let url = format!("{base}/results/{id}/chunks/{i}");
			let json = http::get(&url, 1 << 20, t).await.unwrap();
			let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
			let data = hex::decode(v["data"].as_str().unwrap().trim_start_matches("0x")).unwrap();
			let proof: Vec<[u8; 32]> = v["proof"]
				.as_array()
				.unwrap()
				.iter()
				.map(|h| {
					hex::decode(h.as_str().unwrap().trim_start_matches("0x"))
						.unwrap()
						.try_into()
						.unwrap()
				})
				.collect();
			assert!(verify::verify(&root, len, i, &data, &proof), "chunk {i} verifies");
			assert_eq!(v["bytes"], len);
		}
		assert!(ok_or_404(http::get(&format!("{base}/results/999999"), 1024, t).await).is_none());
		let traversal =
			http::get(&format!("{base}/results/..%2f..%2fetc%2fpasswd"), 1 << 20, t).await;
		assert!(traversal.is_err(), "no path traversal");
		let metrics = http::get(&format!("{base}/metrics"), 1 << 20, t).await.unwrap();
		assert!(String::from_utf8_lossy(&metrics).contains("aipin_worker_tasks_computed_total 1"));
	}

	// Both providers are paid when the epoch of the work has closed and they claim.
	for (uri, stash) in [("//Alice//stash", alice_stash()), ("//Bob//stash", bob_stash())] {
		let started = std::time::Instant::now();
		let claimable = loop {
			let at = net.client.finalized().await.unwrap();
			let c = reads::claimable_rewards(&at, &stash).await.unwrap();
			if c > 0 {
				break c;
			}
			assert!(started.elapsed() < Duration::from_secs(60), "no rewards for {uri}");
			tokio::time::sleep(Duration::from_millis(500)).await;
		};
		// The provider's own view agrees with the chain: its stake and status, and rewards by
		// epoch that add up to what it can claim (which only grows until it claims).
		let shown = net.cli_json(None, &["provider", "show", &ss58(&stash)]);
		let on_chain = net.provider(&stash).await;
		assert_eq!(shown["stash"], ss58(&stash));
		assert_eq!(shown["operator"], ss58(&on_chain.operator));
		assert_eq!(shown["stake"].as_u64().unwrap() as u128, on_chain.active);
		assert_eq!(shown["status"], "Active");
		assert_eq!(shown["pending_slashes"].as_array().unwrap().len(), 0);
		let by_epoch: u128 = shown["unclaimed_epochs"]
			.as_array()
			.unwrap()
			.iter()
			.map(|e| (e["work"].as_u64().unwrap() + e["availability"].as_u64().unwrap()) as u128)
			.sum();
		let shown_claimable = shown["claimable"].as_u64().unwrap() as u128;
		assert_eq!(by_epoch + shown["settled_unminted"].as_u64().unwrap() as u128, shown_claimable);
		assert!(shown_claimable >= claimable, "{shown}");
		let before = net.free(&stash).await;
		let claim = net.cli_json(Some(uri), &["bme", "claim"]);
		let claimed = claim["claimed"].as_u64().unwrap() as u128;
		assert!(claimed >= claimable, "{uri}: claimed {claimed} < claimable {claimable}");
		let after = net.free(&stash).await;
		// The claim's fee is far below the reward.
		assert!(after > before, "{uri}: free balance {before} → {after}");
		assert!(after + 1_000_000_000_000 >= before + claimed);
	}

	// The stake lifecycle through `aipin provider`, signed by the stash. Mistakes are refused
	// before anything is signed, so they cost no fee.
	let stash = alice_stash();
	let unit = 1_000_000_000_000u128;
	let fee_free = |out: std::process::Output, why: &str| {
		assert!(!out.status.success(), "{out:?}");
		let err = String::from_utf8_lossy(&out.stderr);
		assert!(err.contains(why) && err.contains("nothing was signed"), "{err}");
	};
	let nonce = net.nonce(&stash).await;
	fee_free(net.cli(Some("//Alice//stash"), &["provider", "unbond", "20000"]), "cannot unbond");
	fee_free(net.cli(Some("//Alice//stash"), &["provider", "withdraw"]), "nothing is unbonding");
	fee_free(net.cli(Some("//Alice//stash"), &["provider", "resume"]), "not draining");
	fee_free(net.cli(Some("//Bob"), &["provider", "drain"]), "is not a registered provider");
	assert_eq!(net.nonce(&stash).await, nonce, "nothing was sent");

	let unbonded = net.cli_json(Some("//Alice//stash"), &["provider", "unbond", "1.5"]);
	let after = &unbonded["after"];
	assert_eq!(after["stake"].as_u64().unwrap() as u128, 10_000 * unit - 3 * unit / 2);
	assert_eq!(after["unlocking"][0]["value"].as_u64().unwrap() as u128, 3 * unit / 2);
	assert!(after["unlocking"][0]["unlock_at"].as_u64() > unbonded["block"].as_u64());
	assert_eq!(after["total_stake"].as_u64().unwrap() as u128, 10_000 * unit, "still held");
	fee_free(
		net.cli(Some("//Alice//stash"), &["provider", "withdraw"]),
		"nothing has unlocked yet",
	);
	let rebonded = net.cli_json(Some("//Alice//stash"), &["provider", "rebond", "1.5"]);
	assert_eq!(rebonded["after"]["stake"].as_u64().unwrap() as u128, 10_000 * unit);
	assert_eq!(rebonded["after"]["unlocking"].as_array().unwrap().len(), 0);
	assert_eq!(net.provider(&stash).await.active, 10_000 * unit);
	let drained = net.cli_json(Some("//Alice//stash"), &["provider", "drain"]);
	assert_eq!(drained["after"]["status"], "Draining");
	fee_free(net.cli(Some("//Alice//stash"), &["provider", "deregister"]), "of stake remains");
	let resumed = net.cli_json(Some("//Alice//stash"), &["provider", "resume"]);
	assert_eq!(resumed["after"]["status"], "Active");

	assert!(net.failed_extrinsics(1, net.block().await).await.is_empty(), "{}", net.logs());
}
