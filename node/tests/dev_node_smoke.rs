//! End-to-end smoke tests of a single dev node: it produces and finalizes blocks, and accepts a
//! signed balance transfer built by an unmodified generic client (subxt, from metadata).

use std::time::Duration;

use aipin_client::{
	calls,
	events::{balances::Transfer, transaction_payment::TransactionFeePaid},
	reads, AccountId, Client,
};
use aipin_test_harness::{best_number, finalized_number, Node, NodeConfig};
use subxt_signer::sr25519::dev;

async fn free_balance(client: &Client, at: subxt::utils::H256, who: &AccountId) -> u128 {
	let at = client.at(at).await.expect("state at block");
	reads::account(&at, who).await.expect("System.Account").data.free
}

/// Starts a node with `args`, waits for block #1, sends 1 AIP from Alice to Bob with subxt and
/// checks the transfer is included, finalized, and moved exactly the right amounts.
async fn transfer_is_included_finalized_and_exact(args: &[&str], first_block_on_its_own: bool) {
	let node = Node::start(NodeConfig::new("smoke", args));

	// A lone dev node answers /health but its readiness probe fails with 0 peers: wait for
	// block #1 over RPC instead.
	if first_block_on_its_own {
		node.wait_for("block #1", Duration::from_secs(90), || async {
			best_number(&node).await.is_some_and(|n| n >= 1)
		})
		.await;
	} else {
		node.wait_for("the RPC server", Duration::from_secs(90), || async {
			best_number(&node).await.is_some()
		})
		.await;
	}

	let client = Client::connect(&node.ws_url()).await.expect("the client connects to the node");

	let alice = dev::alice();
	let alice_id = aipin_client::account_of(&alice);
	let bob_id = aipin_client::account_of(&dev::bob());
	let amount: u128 = 1_000_000_000_000; // 1 AIP

	let before_hash = client.finalized().await.expect("finalized block").block_hash();
	let alice_before = free_balance(&client, before_hash, &alice_id).await;
	let bob_before = free_balance(&client, before_hash, &bob_id).await;
	assert!(alice_before > amount, "Alice is endowed in the dev preset");

	let included = client
		.submit(&alice, &calls::balances::transfer_keep_alive(&bob_id, amount))
		.await
		.expect("transaction finalized and successful");
	let transfer = included
		.find::<Transfer>()
		.expect("decode Transfer")
		.pop()
		.expect("a Balances.Transfer event");
	assert_eq!(transfer.amount, amount);
	let fee = included
		.find::<TransactionFeePaid>()
		.expect("decode TransactionFeePaid")
		.pop()
		.expect("a TransactionFeePaid event");
	assert!(fee.actual_fee > 0, "signed transactions pay a fee");
	assert_eq!(fee.tip, 0);

	// The block holding the transfer is finalized.
	let finalized = finalized_number(&node).await.expect("finalized head");
	assert!(finalized >= 1);

	let after = client.finalized().await.expect("finalized block").block_hash();
	let alice_after = free_balance(&client, after, &alice_id).await;
	let bob_after = free_balance(&client, after, &bob_id).await;
	assert_eq!(bob_after, bob_before + amount, "Bob receives exactly the amount");
	assert_eq!(
		alice_after,
		alice_before - amount - fee.actual_fee,
		"Alice pays exactly the amount plus the fee"
	);
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_node_with_aura_and_grandpa_finalizes_a_signed_transfer() {
	transfer_is_included_finalized_and_exact(&["--dev"], true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_node_in_interval_seal_mode_finalizes_a_signed_transfer() {
	transfer_is_included_finalized_and_exact(&["--dev", "--sealing", "500"], true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_node_in_instant_seal_mode_finalizes_a_signed_transfer() {
	// Instant seal makes no block until a transaction arrives.
	transfer_is_included_finalized_and_exact(&["--dev", "--sealing", "instant"], false).await;
}
