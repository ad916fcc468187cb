//! A re-org: the workers act on the best block, so what they send can land on a fork that
//! loses. Here both commits and both reveals go into (or towards) a fork that a longer one
//! replaces; on the winning chain the task is merely assigned. The workers must see that the
//! chain no longer holds their commitments, commit again (the same root and salt) and finish
//! the task, and nothing may be sent twice on the chain that stays.

use aipin_client::{
	events::{
		escrow::{ResultCommitted, ResultRevealed},
		slashing::OffenceReported,
	},
	reads,
};
use aipin_primitives::{Phase, SlotState, TaskId, TerminalReason};
use aipin_test_harness::*;
use std::time::{Duration, Instant};
use subxt::utils::H256;

const T: Duration = Duration::from_secs(60);

/// The task at block `hash`.
async fn task_at(net: &DevNet, hash: H256, id: TaskId) -> reads::Task {
	let at = net.client.at(hash).await.expect("the block exists");
	reads::task(&at, id).await.expect("tasks decode").expect("the task exists")
}

/// How many of the task's slots have a step to take at block `hash`: assigned ones in the
/// commit phase, committed ones in the reveal phase.
async fn to_act(net: &DevNet, hash: H256, id: TaskId) -> usize {
	let t = task_at(net, hash, id).await;
	let waiting = |s: fn(&SlotState) -> bool| t.assignments.iter().filter(|a| s(&a.state)).count();
	match t.phase {
		Phase::Commit { .. } => waiting(|s| *s == SlotState::Assigned),
		Phase::Reveal { .. } => waiting(|s| matches!(s, SlotState::Committed(_))),
		_ => 0,
	}
}

/// Waits until the pool holds at least `n` transactions: the workers have reacted to the new
/// best block. (A heartbeat may be among them; the callers seal again if a step is missing.)
async fn wait_pool(net: &DevNet, n: usize, what: &str) {
	let started = Instant::now();
	while net.pool_len().await < n {
		assert!(started.elapsed() < T, "{what} never reached the pool\n{}", net.logs());
		tokio::time::sleep(Duration::from_millis(100)).await;
	}
}

/// Seals on `tip` until `done` holds at the new tip, each time once the workers have sent
/// what the tip asks of them.
async fn seal_until(
	net: &DevNet,
	mut tip: H256,
	id: TaskId,
	what: &str,
	done: impl Fn(&reads::Task) -> bool,
) -> H256 {
	let started = Instant::now();
	while !done(&task_at(net, tip, id).await) {
		assert!(started.elapsed() < T, "{what} never happened\n{}", net.logs());
		wait_pool(net, to_act(net, tip, id).await, what).await;
		tip = net.seal(Some(tip), false).await;
	}
	tip
}

#[tokio::test(flavor = "multi_thread")]
async fn commits_and_reveals_retracted_by_a_re_org_are_made_again_once_and_the_task_completes() {
	let mut net = DevNet::start_manual("e2e-reorg").await;
	// Set-up on finalized blocks, one every 250 ms.
	let sealer = net.auto_seal(Duration::from_millis(250));
	net.start_worker(WorkerSpec::new("eve", "//Eve"));
	net.start_worker(WorkerSpec::new("ferdie", "//Ferdie"));
	net.cli_json(Some("//Alice"), &["credits", "buy", "10"]);
	// Both workers are up and have sent their first heartbeat.
	tokio::time::sleep(Duration::from_secs(3)).await;
	sealer.abort();
	let _ = sealer.await;
	tokio::time::sleep(Duration::from_millis(500)).await;

	// The task goes into a finalized block `base`; it is assigned in the next one.
	let submit = std::process::Command::new(bin("aipin"))
		.args(["--node", &net.url, "--json", "task", "submit", "--kernel", "mlp-q8"])
		.args(["--params", "16,64,2", "--no-wait"])
		.env("AIPIN_SURI", "//Alice")
		.stdout(std::process::Stdio::piped())
		.spawn()
		.unwrap();
	wait_pool(&net, 1, "the submission").await;
	let base = net.seal(None, true).await;
	let out = submit.wait_with_output().unwrap();
	assert!(out.status.success(), "task submit failed\n{}", net.logs());
	let submitted: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
	let id = submitted["task"].as_u64().unwrap();
	let first = net.block().await;
	assert!(matches!(task_at(&net, base, id).await.phase, Phase::Queued { .. }));

	// Fork A: assigned, both commit (the reveal phase opens), both reveals sent.
	let a = seal_until(&net, base, id, "fork A's reveal phase", |t| {
		matches!(t.phase, Phase::Reveal { .. })
	})
	.await;
	wait_pool(&net, 2, "both reveals").await;
	let a_len = net.client.at(a).await.unwrap().block_number() - first;

	// Fork B from `base`, one block longer: it wins. The workers signed at fork A's blocks, so
	// their transactions are invalid on B: there the task is assigned and nothing committed.
	// (The node seals each block in a later slot than any before: B's blocks are new ones.)
	let mut b = base;
	for _ in 0..=a_len {
		b = net.seal(Some(b), false).await;
	}
	assert_eq!(net.client.best().await.unwrap().block_hash(), b, "the longer fork is best");
	let retracted = task_at(&net, b, id).await;
	for who in [alice_stash(), bob_stash()] {
		assert_eq!(retracted.state_of(&who), Some(SlotState::Assigned), "{retracted:?}");
	}

	// The workers see it, commit again and reveal: the task completes on B.
	let b =
		seal_until(&net, b, id, "settlement on fork B", |t| t.terminal_reason().is_some()).await;
	net.finalize(b).await;
	let task = net.finished(id, T).await;
	assert_eq!(task.terminal_reason(), Some(TerminalReason::Completed), "{task:?}\n{}", net.logs());

	// On the chain that stays: one commitment and one reveal per provider, nothing refused,
	// no offence.
	let last = net.block().await;
	let commits = net.events::<ResultCommitted>(first, last).await;
	let reveals = net.events::<ResultRevealed>(first, last).await;
	for who in [alice_stash(), bob_stash()] {
		assert_eq!(commits.iter().filter(|(_, e)| e.provider == who).count(), 1, "{commits:?}");
		assert_eq!(reveals.iter().filter(|(_, e)| e.provider == who).count(), 1, "{reveals:?}");
	}
	let failed = net.failed_extrinsics(first, last).await;
	assert!(failed.is_empty(), "{failed:?}\n{}", net.logs());
	assert!(net.events::<OffenceReported>(first, last).await.is_empty());
}
