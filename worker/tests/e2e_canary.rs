//! Known-answer tasks end to end on a dev chain with two workers, one honest (Eve, operating
//! Alice's provider) and one corrupting every output (Ferdie, operating Bob's). `aipin canary`
//! computes each answer with the plain-Rust reference, seals it with the sudo key, submits the
//! task from an ordinary account and follows it:
//! - a GEMM canary at r = 2: the honest GPU result equals the CPU-sealed answer and wins with no
//!   tie-breaker; the corrupting provider is reported `FailedCanary`;
//! - a digits-CNN inference canary at r = 2, the same through a registered model;
//! - an r = 1 canary: whichever provider takes it is caught if it corrupts (the canary is
//!   exposed after settlement) and paid as verified work if it is honest.

use aipin_client::events::escrow::CanaryChecked;
use aipin_primitives::{OffenceKind, SlotState};
use aipin_test_harness::*;
use serde_json::Value;

fn canary(net: &DevNet, args: &[&str]) -> Value {
	let mut all = vec!["canary", "--sealer-suri", "//Alice", "--timeout", "150"];
	all.extend_from_slice(args);
	net.cli_json(Some("//Dave"), &all)
}

#[tokio::test(flavor = "multi_thread")]
async fn canaries_catch_a_corrupting_provider_and_pass_an_honest_one() {
	let mut net = DevNet::start("e2e-canary").await;
	net.start_worker(WorkerSpec::new("eve", "//Eve"));
	net.start_worker(WorkerSpec {
		extra: vec!["--corrupt-results"],
		..WorkerSpec::new("ferdie", "//Ferdie")
	});
	let (honest, corrupt) =
		(aipin_client::units::ss58(&alice_stash()), aipin_client::units::ss58(&bob_stash()));
	net.cli_json(Some("//Dave"), &["credits", "buy", "10"]);

	let gemm = canary(&net, &["--kernel", "gemm-i8", "--params", "16,16,16", "-r", "2"]);
	assert_eq!(gemm["outcome"], "ResolvedByCanary", "{gemm}\n{}", net.logs());
	assert_eq!(gemm["result_root"], gemm["answer"], "the sealed CPU answer won: {gemm}");
	assert_eq!(gemm["passed"], serde_json::json!([honest]), "{gemm}");
	assert_eq!(gemm["failed"], serde_json::json!([corrupt]), "{gemm}");
	assert_eq!(gemm["exposed"], false);
	let id = gemm["task"].as_u64().unwrap();
	let task = net.task(id).await.unwrap();
	assert!(!task.has_tiebreaker(), "the chain knew the answer: {task:?}");
	assert_eq!(task.state_of(&bob_stash()), Some(SlotState::Faulted(OffenceKind::FailedCanary)));

	// The digits CNN the genesis preset registers: batch 2 of generated samples.
	let models = net.cli_json(None, &["model", "list"]);
	let kernel = models.as_array().unwrap()[0]["kernel"].as_u64().unwrap().to_string();
	let model = canary(&net, &["--kernel", &kernel, "--params", "2", "-r", "2"]);
	assert_eq!(model["outcome"], "ResolvedByCanary", "{model}\n{}", net.logs());
	assert_eq!(model["passed"], serde_json::json!([honest]), "GPU inference = CPU reference");
	assert_eq!(model["failed"], serde_json::json!([corrupt]), "{model}");

	let solo = canary(&net, &["--kernel", "hash-batch", "--params", "64,64", "-r", "1"]);
	assert_eq!(solo["outcome"], "Completed", "r = 1 accepts what it gets: {solo}");
	if solo["passed"] == serde_json::json!([honest]) {
		assert_eq!(solo["exposed"], false, "{solo}");
		assert_eq!(solo["failed"], serde_json::json!([]), "{solo}");
	} else {
		assert_eq!(solo["exposed"], true, "a wrong r = 1 answer is exposed: {solo}");
		assert_eq!(solo["failed"], serde_json::json!([corrupt]), "{solo}");
		assert_eq!(solo["passed"], serde_json::json!([]), "{solo}");
	}

	let now = net.block().await;
	let checked = net.events::<CanaryChecked>(1, now).await;
	assert_eq!(checked.len(), 3, "{checked:?}");
}
