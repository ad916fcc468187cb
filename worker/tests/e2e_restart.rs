//! Crashes: a worker killed (SIGKILL) between its commit and its reveal, and a node killed in
//! the middle of a task. In both cases the restarted processes finish the task: the worker
//! reveals from its journal without sending anything twice, and the workers reconnect to the
//! restarted node.

use aipin_client::{
	events::escrow::{ResultCommitted, ResultRevealed},
	http,
};
use aipin_primitives::{Phase, SlotState, TerminalReason};
use aipin_test_harness::*;
use std::time::Duration;

const T: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_killed_between_commit_and_reveal_reveals_after_restart() {
	let mut net = DevNet::start("e2e-worker-crash").await;
	// Only Eve at first: the task stays in its commit phase after her commitment.
	net.start_worker(WorkerSpec::new("eve", "//Eve"));
	net.cli_json(Some("//Alice"), &["credits", "buy", "10"]);
	let submitted = net.cli_json(
		Some("//Alice"),
		&["task", "submit", "--kernel", "mlp-q8", "--params", "16,64,2", "--no-wait"],
	);
	let id = submitted["task"].as_u64().unwrap();
	let first = net.block().await;
	net.wait_task(id, T, "Eve's commitment", |t| {
		matches!(t.state_of(&alice_stash()), Some(SlotState::Committed(_)))
	})
	.await;
	net.kill_worker("eve");

	// Ferdie commits, the reveal phase opens while Eve is down; Eve comes back and reveals.
	net.start_worker(WorkerSpec::new("ferdie", "//Ferdie"));
	net.wait_task(id, T, "the reveal phase", |t| matches!(t.phase, Phase::Reveal { .. })).await;
	net.restart_worker("eve");
	let task = net.finished(id, T).await;
	assert_eq!(task.terminal_reason(), Some(TerminalReason::Completed), "{task:?}\n{}", net.logs());
	let root = task.result_root.unwrap();
	assert_eq!(task.state_of(&alice_stash()), Some(SlotState::Revealed(root)));

	// Exactly one commitment and one reveal from Eve's provider; nothing refused.
	let last = net.block().await;
	let eve = alice_stash();
	let commits = net.events::<ResultCommitted>(first, last).await;
	assert_eq!(commits.iter().filter(|(_, e)| e.provider == eve).count(), 1);
	let reveals = net.events::<ResultRevealed>(first, last).await;
	assert_eq!(reveals.iter().filter(|(_, e)| e.provider == eve).count(), 1);
	let failed = net.failed_extrinsics(first, last).await;
	assert!(failed.is_empty(), "{failed:?}\n{}", net.logs());

	// Nothing lost: the restarted Eve still serves the verified result.
	let endpoint = format!("http://127.0.0.1:{}", net.port("eve"));
	let d = net.cli_json(None, &["task", "result", &id.to_string(), "--endpoint", &endpoint]);
	assert_eq!(d["root"], format!("0x{}", hex::encode(root)));
}

#[tokio::test(flavor = "multi_thread")]
async fn workers_reconnect_to_a_restarted_node_and_finish_the_task() {
	let mut net = DevNet::start("e2e-node-crash").await;
	net.start_worker(WorkerSpec::new("eve", "//Eve"));
	net.start_worker(WorkerSpec::new("ferdie", "//Ferdie"));
	net.cli_json(Some("//Alice"), &["credits", "buy", "10"]);
	let submitted = net.cli_json(
		Some("//Alice"),
		&["task", "submit", "--kernel", "hash-batch", "--params", "64,128", "--no-wait"],
	);
	let id = submitted["task"].as_u64().unwrap();
	net.wait_task(id, T, "assignment", |t| matches!(t.phase, Phase::Commit { .. })).await;

	net.restart_node().await;
	let task = net.finished(id, T).await;
	assert_eq!(task.terminal_reason(), Some(TerminalReason::Completed), "{task:?}\n{}", net.logs());

	// Both workers noticed the outage and reconnected.
	for name in ["eve", "ferdie"] {
		let url = format!("http://127.0.0.1:{}/metrics", net.port(name));
		let m = http::get(&url, 1 << 20, Duration::from_secs(10)).await.unwrap();
		let m = String::from_utf8_lossy(&m).to_string();
		let reconnects: u64 = m
			.lines()
			.find_map(|l| l.strip_prefix("aipin_worker_reconnects_total "))
			.and_then(|v| v.parse().ok())
			.unwrap();
		assert!(reconnects >= 1, "{name}: {m}");
	}
}
