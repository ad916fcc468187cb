//! The task escrow on a real node, driven only by signed extrinsics from a generic client
//! (subxt, from metadata): a consumer buys credits and submits a replicated task; the runtime
//! assigns it to the dev chain's two genesis providers; their operator keys commit and reveal;
//! the task settles, the providers are paid their ask and the consumer gets the rest back.

mod common;

use std::time::Duration;

use common::{best_number, Node, NodeConfig};
use subxt::{
	dynamic::{self, Value},
	ext::scale_decode::{self, DecodeAsType},
	OnlineClient, SubstrateConfig,
};
use subxt_signer::sr25519::{dev, Keypair};

type Api = OnlineClient<SubstrateConfig>;

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct TaskSubmitted {
	task: u64,
	escrow: u128,
	work_units: u64,
}

#[derive(Debug, DecodeAsType, PartialEq)]
#[decode_as_type(crate_path = "scale_decode")]
enum Reason {
	Completed,
	ResolvedByMajority,
	ResolvedByTiebreak,
	Cancelled,
	ExpiredNoProvider,
	FailedProviderFault,
	FailedNoConsensus,
}

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
#[allow(dead_code)] // fields are decoded, not all are read
enum Phase {
	Queued { expires: u32 },
	Commit { ends: u32 },
	Reveal { ends: u32 },
	Finished { reason: Reason, at: u32 },
}

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct Assignment {
	provider: [u8; 32],
	ask: u128,
}

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct Task {
	work_units: u64,
	escrow: u128,
	phase: Phase,
	assignments: Vec<Assignment>,
	result_root: Option<[u8; 32]>,
}

/// Signs `call` with `who`, waits until it is finalized and succeeded, returns its events.
async fn submit(
	api: &Api,
	who: &Keypair,
	pallet: &str,
	call: &str,
	args: Vec<Value>,
) -> subxt::extrinsics::ExtrinsicEvents<SubstrateConfig> {
	let tx = dynamic::transaction(pallet, call, args);
	api.at_current_block()
		.await
		.expect("finalized block")
		.transactions()
		.sign_and_submit_then_watch_default(&tx, who)
		.await
		.unwrap_or_else(|e| panic!("{pallet}.{call} accepted by the pool: {e}"))
		.wait_for_finalized_success()
		.await
		.unwrap_or_else(|e| panic!("{pallet}.{call} finalized and successful: {e}"))
}

async fn task(api: &Api, id: u64) -> Task {
	let at = api.at_current_block().await.expect("finalized block");
	let addr = dynamic::storage::<(u64,), Task>("Escrow", "Tasks");
	at.storage().fetch(addr, (id,)).await.expect("Escrow.Tasks").decode().expect("decode Task")
}

/// `(free, reserved)` credits of `who`, through the BME pallet's `credits_of` view function.
/// (The runtime API takes the arguments as a length-prefixed `Vec<u8>` and answers with a
/// `Result<Vec<u8>, _>`; subxt 0.50.3's `view_functions().call()` does neither, so the call is
/// encoded here as the API declares it.)
async fn credits(api: &Api, who: [u8; 32]) -> (u128, u128) {
	use subxt::ext::codec::{Decode, Encode};
	let at = api.at_current_block().await.expect("finalized block");
	let payload =
		subxt::view_functions::dynamic::<([u8; 32],), (u128, u128)>("Bme", "credits_of", (who,));
	let raw = at.view_functions().encode_args(payload).expect("encode");
	let (id, input) = raw.split_at(32);
	let mut params = id.to_vec();
	input.to_vec().encode_to(&mut params);
	let reply = at.view_functions().call_raw(Some(&params)).await.expect("Bme.credits_of");
	let result = Result::<Vec<u8>, ()>::decode(&mut &reply[..]);
	let output = match result {
		Ok(Ok(bytes)) => bytes,
		other => panic!("Bme.credits_of failed: {other:?}"),
	};
	<(u128, u128)>::decode(&mut &output[..]).expect("decode (free, reserved)")
}

async fn wait_phase(api: &Api, id: u64, what: &str, done: impl Fn(&Phase) -> bool) -> Task {
	let deadline = std::time::Instant::now() + Duration::from_secs(120);
	loop {
		let t = task(api, id).await;
		if done(&t.phase) {
			return t;
		}
		assert!(std::time::Instant::now() < deadline, "task {id} never reached {what}: {t:?}");
		tokio::time::sleep(Duration::from_millis(300)).await;
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replicated_task_settles_on_a_dev_node() {
	let node = Node::start(NodeConfig {
		name: "escrow".into(),
		args: vec!["--dev".into(), "--sealing".into(), "1000".into()],
		p2p_port: None,
	});
	node.wait_for("block #1", Duration::from_secs(90), || async {
		best_number(&node).await.is_some_and(|n| n >= 1)
	})
	.await;
	let api = Api::from_insecure_url(node.ws_url()).await.expect("subxt connects");

	// The dev preset's providers: stash AliceStash (operator Eve), BobStash (operator Ferdie).
	let (eve, ferdie) = (dev::eve(), dev::ferdie());
	let alice_stash: [u8; 32] = Keypair::from_uri(&"//Alice//stash".parse().expect("suri"))
		.expect("keypair")
		.public_key()
		.0;
	let bob_stash: [u8; 32] =
		Keypair::from_uri(&"//Bob//stash".parse().expect("suri")).expect("keypair").public_key().0;
	for op in [&eve, &ferdie] {
		submit(&api, op, "Staking", "heartbeat", vec![]).await;
	}

	// Alice buys credits with 10 AIP ($5 at the dev price: 500,000 credits).
	let alice = dev::alice();
	let alice_id: [u8; 32] = alice.public_key().0;
	submit(
		&api,
		&alice,
		"Bme",
		"buy_credits",
		vec![Value::u128(10_000_000_000_000), Value::u128(0)],
	)
	.await;
	let (bought, _) = credits(&api, alice_id).await;
	assert_eq!(bought, 500_000);

	// A seeded 64×64×64 GEMM (2·64³ = 524,288 ops → 1 work unit), replication 2, max price 10.
	let now = best_number(&node).await.expect("best block") as u32;
	let events = submit(
		&api,
		&alice,
		"Escrow",
		"submit_task",
		vec![
			Value::u128(1),
			Value::unnamed_composite([Value::u128(64), Value::u128(64), Value::u128(64)]),
			Value::named_variant("Seeded", [("seed", Value::from_bytes([5u8; 32]))]),
			Value::u128(2),
			Value::u128(10),
			Value::u128((now + 1_000) as u128),
		],
	)
	.await;
	let submitted = events
		.iter()
		.filter_map(Result::ok)
		.find(|e| e.pallet_name() == "Escrow" && e.event_name() == "TaskSubmitted")
		.expect("TaskSubmitted")
		.decode_fields_unchecked_as::<TaskSubmitted>()
		.expect("decode TaskSubmitted");
	assert_eq!((submitted.work_units, submitted.escrow), (1, 20));
	let id = submitted.task;
	assert_eq!(credits(&api, alice_id).await, (bought - 20, 20), "escrow reserved");

	// A later block assigns both genesis providers.
	let t = wait_phase(&api, id, "the commit phase", |p| matches!(p, Phase::Commit { .. })).await;
	let mut assigned: Vec<[u8; 32]> = t.assignments.iter().map(|a| a.provider).collect();
	assigned.sort();
	let mut expected = vec![alice_stash, bob_stash];
	expected.sort();
	assert_eq!(assigned, expected);
	assert!(t.assignments.iter().all(|a| a.ask == 1), "dev providers ask 1 credit per unit");

	// Both operators commit to the same root, then reveal it.
	let root = [0xabu8; 32];
	for (op, stash, salt) in [(&eve, alice_stash, [1u8; 32]), (&ferdie, bob_stash, [2u8; 32])] {
		let c = aipin_primitives::result_commitment(id, &stash, &root, &salt);
		submit(
			&api,
			op,
			"Escrow",
			"commit_result",
			vec![Value::u128(id as u128), Value::from_bytes(c)],
		)
		.await;
	}
	wait_phase(&api, id, "the reveal phase", |p| matches!(p, Phase::Reveal { .. })).await;
	for (op, salt) in [(&eve, [1u8; 32]), (&ferdie, [2u8; 32])] {
		submit(
			&api,
			op,
			"Escrow",
			"reveal_result",
			vec![Value::u128(id as u128), Value::from_bytes(root), Value::from_bytes(salt)],
		)
		.await;
	}
	let t = wait_phase(&api, id, "settlement", |p| matches!(p, Phase::Finished { .. })).await;
	let Phase::Finished { reason, .. } = t.phase else { unreachable!() };
	assert_eq!(reason, Reason::Completed);
	assert_eq!(t.result_root, Some(root));
	assert_eq!((t.work_units, t.escrow), (1, 0));
	// Paid 1 credit per provider (ask 1 × 1 unit); the other 18 refunded.
	assert_eq!(credits(&api, alice_id).await, (bought - 2, 0), "exact refund");
}
