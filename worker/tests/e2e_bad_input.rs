//! Bad input, end to end: a consumer declares an external input whose content then changes
//! (the URL serves other bytes to everyone but the consumer's own first read). Both workers
//! fetch it, find the hash wrong, and report it on chain instead of committing. The task ends
//! `BadInput`: no provider is slashed or loses stake, and the consumer forfeits its input fee.

use aipin_client::events::{
	escrow::{ConsumerFeeForfeited, InputReported},
	slashing::OffenceReported,
};
use aipin_primitives::{InputFault, TerminalReason};
use aipin_test_harness::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn replicas_report_a_bad_input_and_nobody_is_slashed() {
	let mut net = DevNet::start("e2e-bad-input").await;
	for (name, op) in [("eve", "//Eve"), ("ferdie", "//Ferdie")] {
		net.start_worker(WorkerSpec {
			extra: vec!["--allow-private-inputs"],
			..WorkerSpec::new(name, op)
		});
	}
	// The first request (the consumer's own read) gets these bytes, every later one others.
	let files = Files::serve(|_, before| Some(vec![if before == 0 { 1 } else { 2 }; 128]));
	let url = files.url("/input.bin");
	net.cli_json(Some("//Alice"), &["credits", "buy", "10"]);
	let alice = stash("//Alice");
	let stakes = [net.stake(&alice_stash()).await, net.stake(&bob_stash()).await];
	let submitted = net.cli_json(
		Some("//Alice"),
		&["task", "submit", "--kernel", "gemm-i8", "--params", "8,8,8", "--url", &url, "-r", "2"],
	);
	// `task submit` followed the task to its end.
	let id = submitted["submitted"]["task"].as_u64().expect("a task id");
	let escrow = submitted["submitted"]["escrow"].as_u64().expect("the escrow") as u128;
	let deposit = submitted["submitted"]["deposit"].as_u64().expect("the deposit") as u128;
	// 10% of the escrow, but at least the deposit (which it is, for so small a task).
	let fee = (escrow / 10).max(deposit);
	assert_eq!(fee, deposit);
	assert_eq!(submitted["settled"]["outcome"], "BadInput", "{submitted}\n{}", net.logs());
	assert_eq!(submitted["settled"]["paid"], 0);
	assert_eq!(submitted["settled"]["refunded"].as_u64().unwrap() as u128, escrow - fee);
	let task = net.finished(id, Duration::from_secs(120)).await;
	assert_eq!(task.terminal_reason(), Some(TerminalReason::BadInput), "{task:?}\n{}", net.logs());
	assert!(files.requests("/input.bin") >= 3, "the consumer and both workers fetched it");
	let now = net.block().await;
	let reports = net.events::<InputReported>(1, now).await;
	assert_eq!(reports.len(), 2, "{reports:?}");
	assert!(reports.iter().all(|(_, r)| r.task == id && r.fault == InputFault::WrongHash));
	let forfeited = net.events::<ConsumerFeeForfeited>(1, now).await;
	assert_eq!(forfeited.len(), 1);
	assert_eq!(forfeited[0].1.consumer, alice);
	assert_eq!(forfeited[0].1.credits, fee, "the deposit");
	assert!(net.events::<OffenceReported>(1, now).await.is_empty(), "nobody is slashed");
	assert_eq!([net.stake(&alice_stash()).await, net.stake(&bob_stash()).await], stakes);

	// Arguments over a bound the call is decoded with would make the transaction undecodable
	// (an opaque "wasm trap" from the node); the CLI refuses them before signing, naming the
	// metadata constant.
	let long_url = format!("{url}?{}", "x".repeat(300));
	for (args, bound) in [
		(vec!["--params", "1,2,3,4,5,6,7,8,9"], "Escrow.MaxParams"),
		(vec!["--params", "8,8,8", "--url", &long_url], "Escrow.MaxUrlLen"),
	] {
		let mut all = vec!["task", "submit", "--kernel", "gemm-i8", "--no-wait"];
		all.extend(args);
		let out = net.cli(Some("//Alice"), &all);
		let err = String::from_utf8_lossy(&out.stderr);
		assert!(!out.status.success() && err.contains(bound), "{all:?}: {err}");
	}
}

/// Accepts HTTP connections on loopback and never answers them. Returns the URL.
fn stalling_server() -> String {
	let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
	let url = format!("http://{}/stall.bin", listener.local_addr().unwrap());
	std::thread::spawn(move || {
		let mut held = Vec::new();
		for sock in listener.incoming().flatten() {
			held.push(sock);
		}
	});
	url
}

/// A consumer's URL that never answers must not hold up anyone else's task: the workers fetch
/// external inputs in the background, so a task submitted after the stalling one settles in
/// its normal few blocks, long before the stalled fetch times out (30 s, more than the dev
/// chain's 20-block commit window at one block a second). The stalled task ends `BadInput`
/// with nobody slashed.
#[tokio::test(flavor = "multi_thread")]
async fn a_stalling_input_url_holds_up_no_other_task() {
	use aipin_client::calls;
	let mut net = DevNet::start("e2e-stall").await;
	for (name, op) in [("eve", "//Eve"), ("ferdie", "//Ferdie")] {
		net.start_worker(WorkerSpec {
			extra: vec!["--allow-private-inputs"],
			..WorkerSpec::new(name, op)
		});
	}
	let url = stalling_server();
	net.cli_json(Some("//Alice"), &["credits", "buy", "10"]);
	let stakes = [net.stake(&alice_stash()).await, net.stake(&bob_stash()).await];
	let alice = subxt_signer::sr25519::dev::alice();
	// gemm-i8 [8, 8, 8] takes 8·8 + 8·8 = 128 input bytes.
	let input = aipin_client::reads::Input::External {
		url: url.into_bytes().try_into().unwrap(),
		hash: [7; 32],
		size: 128,
	};
	let deadline = net.block().await as u32 + 200;
	let gemm = aipin_kernels::Kernel::GemmI8.id();
	let stalled = calls::escrow::submit_task(gemm, &[8, 8, 8], &input, 2, 10, deadline);
	let included = net.submit(&alice, &stalled).await;
	let stalled_id =
		included.find::<aipin_client::events::escrow::TaskSubmitted>().unwrap()[0].task;

	let next = net.cli_json(
		Some("//Alice"),
		&["task", "submit", "--kernel", "hash-batch", "--params", "64,64", "-r", "2", "--no-wait"],
	);
	let id = next["task"].as_u64().unwrap();
	let submitted_at = next["block"].as_u64().unwrap();
	let settled = net.cli_json(None, &["task", "watch", &id.to_string(), "--timeout", "60"]);
	assert_eq!(settled["outcome"], "Completed", "{settled}\n{}", net.logs());
	let took = settled["block"].as_u64().unwrap() - submitted_at;
	assert!(took <= 12, "settled {took} blocks after submission\n{}", net.logs());
	assert!(
		net.task(stalled_id).await.unwrap().terminal_reason().is_none(),
		"the stalled task was still open when the other settled"
	);

	let task = net.finished(stalled_id, Duration::from_secs(120)).await;
	assert_eq!(task.terminal_reason(), Some(TerminalReason::BadInput), "{task:?}\n{}", net.logs());
	let now = net.block().await;
	let reports = net.events::<InputReported>(1, now).await;
	assert!(reports.iter().all(|(_, r)| r.fault == InputFault::Unreachable), "{reports:?}");
	assert!(net.events::<OffenceReported>(1, now).await.is_empty(), "nobody is slashed");
	assert_eq!([net.stake(&alice_stash()).await, net.stake(&bob_stash()).await], stakes);
}
