//! End-to-end smoke tests of a single dev node: it produces and finalizes blocks, and accepts a
//! signed balance transfer built by an unmodified generic client (subxt, from metadata).

mod common;

use std::time::Duration;

use common::{best_number, finalized_number, Node, NodeConfig};
use subxt::{
	dynamic,
	ext::scale_decode::{self, DecodeAsType},
	OnlineClient, SubstrateConfig,
};
use subxt_signer::sr25519::dev;

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct AccountInfo {
	data: AccountData,
}

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct AccountData {
	free: u128,
}

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct Transfer {
	amount: u128,
}

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct TransactionFeePaid {
	actual_fee: u128,
	tip: u128,
}

async fn free_balance(
	api: &OnlineClient<SubstrateConfig>,
	at: subxt::utils::H256,
	who: [u8; 32],
) -> u128 {
	let at = api.at_block(at).await.expect("state at block");
	let addr = dynamic::storage::<([u8; 32],), AccountInfo>("System", "Account");
	let value = at.storage().fetch(addr, (who,)).await.expect("System.Account");
	value.decode().expect("decode AccountInfo").data.free
}

/// Starts a node with `args`, waits for block #1, sends 1 AIP from Alice to Bob with subxt and
/// checks the transfer is included, finalized, and moved exactly the right amounts.
async fn transfer_is_included_finalized_and_exact(args: &[&str], first_block_on_its_own: bool) {
	let node = Node::start(NodeConfig {
		name: "smoke".into(),
		args: args.iter().map(|s| s.to_string()).collect(),
		p2p_port: None,
	});

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

	let api = OnlineClient::<SubstrateConfig>::from_insecure_url(node.ws_url())
		.await
		.expect("subxt connects to the node");

	let alice = dev::alice();
	let bob = dev::bob();
	let alice_id: [u8; 32] = alice.public_key().0;
	let bob_id: [u8; 32] = bob.public_key().0;
	let amount: u128 = 1_000_000_000_000; // 1 AIP

	let before = api.at_current_block().await.expect("finalized block");
	let before_hash = before.block_hash();
	let alice_before = free_balance(&api, before_hash, alice_id).await;
	let bob_before = free_balance(&api, before_hash, bob_id).await;
	assert!(alice_before > amount, "Alice is endowed in the dev preset");

	let tx = dynamic::transaction(
		"Balances",
		"transfer_keep_alive",
		(bob.public_key().to_address::<()>(), amount),
	);
	let events = before
		.transactions()
		.sign_and_submit_then_watch_default(&tx, &alice)
		.await
		.expect("transaction accepted by the pool")
		.wait_for_finalized_success()
		.await
		.expect("transaction finalized and successful");

	let transfer = events
		.iter()
		.filter_map(Result::ok)
		.find(|e| e.pallet_name() == "Balances" && e.event_name() == "Transfer")
		.expect("a Balances.Transfer event")
		.decode_fields_unchecked_as::<Transfer>()
		.expect("decode Transfer");
	assert_eq!(transfer.amount, amount);
	let fee = events
		.iter()
		.filter_map(Result::ok)
		.find(|e| e.pallet_name() == "TransactionPayment" && e.event_name() == "TransactionFeePaid")
		.expect("a TransactionFeePaid event")
		.decode_fields_unchecked_as::<TransactionFeePaid>()
		.expect("decode TransactionFeePaid");
	assert!(fee.actual_fee > 0, "signed transactions pay a fee");
	assert_eq!(fee.tip, 0);

	// The block holding the transfer is finalized.
	let finalized = finalized_number(&node).await.expect("finalized head");
	assert!(finalized >= 1);

	let after = api.at_current_block().await.expect("finalized block").block_hash();
	let alice_after = free_balance(&api, after, alice_id).await;
	let bob_after = free_balance(&api, after, bob_id).await;
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
