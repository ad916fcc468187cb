//! A dishonest provider: three workers on a replication-3 task, one of them (a third provider
//! registered during the test with `aipin-worker register`) corrupting its output. The honest
//! majority's root is accepted and both honest providers are paid; the dishonest one is faulted
//! for a wrong result and its stake is slashed — only once the deferral period has passed.

use aipin_client::{
	events::{escrow::ProviderPaid, slashing::SlashApplied},
	units::ss58,
};
use aipin_primitives::{OffenceKind, SlotState};
use aipin_test_harness::*;
use std::{
	process::Command,
	time::{Duration, Instant},
};

#[tokio::test(flavor = "multi_thread")]
async fn a_dishonest_minority_loses_and_is_slashed_after_the_deferral() {
	let mut net = DevNet::start("e2e-faults").await;
	const DEFER: u64 = 12;
	net.set_param("SlashDeferPeriod", DEFER as u32).await;

	// Charlie's stash registers a provider operated by //Charlie, through the worker's CLI.
	let mallory =
		WorkerSpec { extra: vec!["--corrupt-results"], ..WorkerSpec::new("charlie", "//Charlie") };
	let out = Command::new(env!("CARGO_BIN_EXE_aipin-worker"))
		.args(["register", "--node", &net.url, "--stake", "10000", "--ask", "1"])
		.args(["--endpoint", &format!("http://127.0.0.1:{}", mallory.port)])
		.args(["--throughput", "1000", "--data-dir"])
		.arg(net.dir.path().join("charlie"))
		.env("AIPIN_OPERATOR_SURI", "//Charlie")
		.env("AIPIN_STASH_SURI", "//Charlie//stash")
		.output()
		.unwrap();
	assert!(out.status.success(), "register: {}", String::from_utf8_lossy(&out.stderr));
	let charlie = stash("//Charlie//stash");
	let stake = net.stake(&charlie).await;
	assert_eq!(stake, 10_000 * 1_000_000_000_000);
	let providers = net.cli_json(None, &["providers"]);
	assert_eq!(providers.as_array().unwrap().len(), 3, "{providers}");

	net.start_worker(WorkerSpec::new("eve", "//Eve"));
	net.start_worker(WorkerSpec::new("ferdie", "//Ferdie"));
	net.start_worker(mallory);

	net.cli_json(Some("//Alice"), &["credits", "buy", "10"]);
	let submitted = net.cli_json(
		Some("//Alice"),
		&["task", "submit", "--kernel", "gemm-i8", "--params", "32,32,32", "-r", "3", "--no-wait"],
	);
	let id = submitted["task"].as_u64().unwrap();
	let work_units = submitted["work_units"].as_u64().unwrap() as u128;
	let settled = net.cli_json(None, &["task", "watch", &id.to_string(), "--timeout", "150"]);
	assert_eq!(settled["outcome"], "ResolvedByMajority", "{settled}\n{}", net.logs());
	assert_eq!(settled["paid"].as_u64().unwrap() as u128, 2 * work_units, "two honest paid");
	let settled_at = settled["block"].as_u64().unwrap();

	let task = net.task(id).await.unwrap();
	let root = task.result_root.expect("an accepted root");
	for honest in [alice_stash(), bob_stash()] {
		assert_eq!(task.state_of(&honest), Some(SlotState::Revealed(root)));
	}
	assert_eq!(
		task.state_of(&charlie),
		Some(SlotState::Faulted(OffenceKind::WrongResult)),
		"{task:?}"
	);
	let paid_to: Vec<_> = net
		.events::<ProviderPaid>(settled_at, settled_at)
		.await
		.into_iter()
		.map(|(_, e)| e.provider)
		.collect();
	assert!(paid_to.contains(&alice_stash()) && paid_to.contains(&bob_stash()));
	assert!(!paid_to.contains(&charlie));

	// Reported at settlement, applied DEFER blocks later: not before.
	assert_eq!(net.stake(&charlie).await, stake, "no slash before the deferral");
	// Until then the provider's own view shows it pending, with what it stands to lose.
	let shown = net.cli_json(None, &["provider", "show", &ss58(&charlie)]);
	let shown_at = shown["block"].as_u64().unwrap();
	println!("provider show read block {shown_at}; the slash is due at {}", settled_at + DEFER);
	if shown_at < settled_at + DEFER {
		let pending = shown["pending_slashes"].as_array().unwrap();
		assert_eq!(pending.len(), 1, "{shown}");
		assert_eq!(pending[0]["offence"], "WrongResult");
		assert_eq!(pending[0]["task"].as_u64(), Some(id));
		assert_eq!(pending[0]["amount"].as_u64().unwrap() as u128, stake / 10);
		assert_eq!(pending[0]["reported_at"].as_u64(), Some(settled_at));
		assert_eq!(pending[0]["apply_at"].as_u64(), Some(settled_at + DEFER));
		assert_eq!(shown["at_risk"].as_u64().unwrap() as u128, stake / 10);
	}
	let started = Instant::now();
	while net.stake(&charlie).await == stake {
		assert!(started.elapsed() < Duration::from_secs(60), "never slashed\n{}", net.logs());
		tokio::time::sleep(Duration::from_millis(300)).await;
	}
	let now = net.block().await;
	assert!(now >= settled_at + DEFER, "slashed at {now}, settled at {settled_at}");
	// WrongResult slashes 10% of the stake.
	assert_eq!(net.stake(&charlie).await, stake - stake / 10);
	let applied = net.events::<SlashApplied>(settled_at, now).await;
	assert_eq!(applied.len(), 1, "{applied:?}");
	// The honest stakes are untouched.
	assert_eq!(net.stake(&alice_stash()).await, 10_000 * 1_000_000_000_000);
}
