//! The task escrow on a real node, driven only by signed extrinsics through the typed client:
//! a consumer buys credits and submits a replicated task; the runtime assigns it to the dev
//! chain's two genesis providers; their operator keys commit and reveal; the task settles, the
//! providers are paid their ask and the consumer gets the rest back.

use std::time::Duration;

use aipin_client::{account_of, calls, events, reads, AccountId, Client, Keypair};
use aipin_primitives::{result_commitment, Phase, TaskId, TaskInput, TerminalReason};
use aipin_test_harness::{alice_stash, best_number, bob_stash, Node, NodeConfig};
use subxt_signer::sr25519::dev;

async fn submit(client: &Client, who: &Keypair, call: calls::Call) -> aipin_client::Included {
	let name = call.name();
	client.submit(who, &call).await.unwrap_or_else(|e| panic!("{name}: {e}"))
}

async fn task(client: &Client, id: TaskId) -> reads::Task {
	let at = client.finalized().await.expect("finalized block");
	reads::task(&at, id).await.expect("Escrow.Tasks decodes").expect("the task exists")
}

async fn credits(client: &Client, who: &AccountId) -> (u128, u128) {
	let at = client.finalized().await.expect("finalized block");
	reads::credits_of(&at, who).await.expect("Bme.credits_of")
}

async fn wait_phase(
	client: &Client,
	id: TaskId,
	what: &str,
	done: impl Fn(&Phase<u32>) -> bool,
) -> reads::Task {
	let deadline = std::time::Instant::now() + Duration::from_secs(120);
	loop {
		let t = task(client, id).await;
		if done(&t.phase) {
			return t;
		}
		assert!(std::time::Instant::now() < deadline, "task {id} never reached {what}: {t:?}");
		tokio::time::sleep(Duration::from_millis(300)).await;
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replicated_task_settles_on_a_dev_node() {
	let node = Node::start(NodeConfig::new("escrow", &["--dev", "--sealing", "1000"]));
	node.wait_for("block #1", Duration::from_secs(90), || async {
		best_number(&node).await.is_some_and(|n| n >= 1)
	})
	.await;
	let client = Client::connect(&node.ws_url()).await.expect("the client connects");

	// The dev preset's providers: stash AliceStash (operator Eve), BobStash (operator Ferdie).
	let (eve, ferdie) = (dev::eve(), dev::ferdie());
	for op in [&eve, &ferdie] {
		submit(&client, op, calls::staking::heartbeat()).await;
	}

	// Alice buys credits with 10 AIP ($5 at the dev price: 500,000 credits).
	let alice = dev::alice();
	let alice_id = account_of(&alice);
	submit(&client, &alice, calls::bme::buy_credits(10_000_000_000_000, 0)).await;
	let (bought, _) = credits(&client, &alice_id).await;
	assert_eq!(bought, 500_000);

	// A seeded 64×64×64 GEMM (2·64³ = 524,288 ops → 1 work unit), replication 2, max price 10
	// credits per 10¹² work units: each replica's share rounds up to 1 credit, 2 of price, plus
	// the runtime's `SubmissionDeposit` of 1,000 (refunded, as the consumer is not at fault).
	const DEPOSIT: u128 = 1_000;
	let now = best_number(&node).await.expect("best block") as u32;
	let input = TaskInput::Seeded { seed: [5u8; 32] };
	let call = calls::escrow::submit_task(1, &[64, 64, 64], &input, 2, 10, now + 1_000);
	let included = submit(&client, &alice, call).await;
	let submitted = included
		.find::<events::escrow::TaskSubmitted>()
		.expect("TaskSubmitted decodes")
		.pop()
		.expect("TaskSubmitted");
	assert_eq!((submitted.work_units, submitted.escrow), (1, 2 + DEPOSIT));
	assert_eq!(submitted.consumer, alice_id);
	let id = submitted.task;
	assert_eq!(
		credits(&client, &alice_id).await,
		(bought - 2 - DEPOSIT, 2 + DEPOSIT),
		"escrow reserved"
	);

	// A later block assigns both genesis providers.
	let t =
		wait_phase(&client, id, "the commit phase", |p| matches!(p, Phase::Commit { .. })).await;
	let mut assigned: Vec<AccountId> = t.assignments.iter().map(|a| a.provider.clone()).collect();
	assigned.sort();
	let mut expected = vec![alice_stash(), bob_stash()];
	expected.sort();
	assert_eq!(assigned, expected);
	assert!(t.assignments.iter().all(|a| a.ask == 1), "dev providers ask 1 credit per 10^12 units");

	// Both operators commit to the same root, then reveal it.
	let root = [0xabu8; 32];
	for (op, stash, salt) in [(&eve, alice_stash(), [1u8; 32]), (&ferdie, bob_stash(), [2u8; 32])] {
		let c = result_commitment(id, &stash, &root, &salt);
		submit(&client, op, calls::escrow::commit_result(id, c)).await;
	}
	wait_phase(&client, id, "the reveal phase", |p| matches!(p, Phase::Reveal { .. })).await;
	for (op, salt) in [(&eve, [1u8; 32]), (&ferdie, [2u8; 32])] {
		submit(&client, op, calls::escrow::reveal_result(id, root, salt)).await;
	}
	let t = wait_phase(&client, id, "settlement", |p| matches!(p, Phase::Finished { .. })).await;
	assert_eq!(t.terminal_reason(), Some(TerminalReason::Completed));
	assert_eq!(t.result_root, Some(root));
	assert_eq!((t.work_units, t.escrow), (1, 0));
	// Paid 1 credit per provider (ask 1 × 1 unit, rounded up); the deposit refunded.
	assert_eq!(credits(&client, &alice_id).await, (bought - 2, 0), "exact refund");
}
