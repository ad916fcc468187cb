//! A model too large to store on chain, end to end: its owner serves the program over HTTP and
//! registers it by URL with its figures (`aipin model register FILE --url URL`). Two workers
//! fetch it, check it, cache it and run it with r = 2; the verified output equals the local
//! CPU reference. A second registration that lies about its figures is refused by the CLI
//! before anything is signed, and a task sent for it anyway is reported by both replicas
//! (`ProgramMismatch`): it ends `BadInput` and nobody is slashed.

use aipin_client::{
	calls,
	events::{escrow::InputReported, slashing::OffenceReported},
};
use aipin_compiler::npy;
use aipin_kernels::inference::{
	program::Op,
	task::{reference_result, split_result, summary},
	Program,
};
use aipin_primitives::{InputFault, TerminalReason};
use aipin_test_harness::*;
use codec::Encode;
use std::{collections::HashMap, time::Duration};

/// A dense layer of 1,100 inputs to 1,000 outputs with varied weights: 1.1 MB of program, over
/// the chain's 1 MiB bound.
fn large_program(seed: u32) -> Program {
	let mut p = Program::dense(1100, 1000, 0);
	let Op::Conv(c) = &mut p.ops[0] else { unreachable!("dense is one convolution") };
	let mut x = seed;
	for w in c.weight.iter_mut() {
		x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
		*w = (x >> 24) as i8 >> 3;
	}
	p.check().expect("a valid program");
	p
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_stored_off_chain_is_fetched_checked_cached_and_run() {
	let mut net = DevNet::start("e2e-fetched-model").await;
	for (name, op) in [("eve", "//Eve"), ("ferdie", "//Ferdie")] {
		net.start_worker(WorkerSpec {
			extra: vec!["--allow-private-inputs"],
			..WorkerSpec::new(name, op)
		});
	}
	let honest = large_program(1);
	let bytes = honest.encode();
	assert!(bytes.len() > 1 << 20, "{} bytes", bytes.len());
	let files = Files::fixed(HashMap::from([
		("/big.aiq".to_string(), bytes.clone()),
		("/other.aiq".to_string(), large_program(2).encode()),
	]));
	let file = net.dir.path().join("big.aiq");
	std::fs::write(&file, &bytes).unwrap();
	let file = file.to_str().unwrap();

	// Too large for the chain: the CLI says so, naming the bound and the way out.
	let out = net.cli(Some("//Alice"), &["model", "register", file]);
	let err = String::from_utf8_lossy(&out.stderr);
	assert!(
		!out.status.success() && err.contains("MaxProgramBytes") && err.contains("--url"),
		"{err}"
	);
	// A URL that serves other bytes is refused before signing.
	let other = files.url("/other.aiq");
	let out = net.cli(Some("//Alice"), &["model", "register", file, "--url", &other]);
	let err = String::from_utf8_lossy(&out.stderr);
	assert!(!out.status.success() && err.contains("does not serve this program"), "{err}");

	let url = files.url("/big.aiq");
	let registered = net.cli_json(Some("//Alice"), &["model", "register", file, "--url", &url]);
	assert!(registered["block"].is_u64(), "{registered}");
	assert_eq!(registered["model"]["program_url"], url.as_str());
	assert_eq!(registered["model"]["bytes"], bytes.len());
	let listed = net.cli_json(None, &["model", "list"]);
	assert!(
		listed.as_array().unwrap().iter().any(|m| m["program_url"] == url.as_str()),
		"{listed}"
	);
	assert_eq!(files.requests("/big.aiq"), 1, "the CLI checked the URL once");

	// Run a batch of 3 on the network, then one of 2 after a worker restarts: each worker
	// fetches the program once (the restarted one reads it from its disk cache).
	net.cli_json(Some("//Alice"), &["credits", "buy", "10"]);
	let endpoint = format!("http://127.0.0.1:{}", net.port("eve"));
	for (round, batch) in [(1, 3usize), (2, 2)] {
		if round == 2 {
			net.kill_worker("ferdie");
			net.restart_worker("ferdie");
		}
		let x: Vec<u8> = (0..batch * 1100).map(|i| (i * 7 % 251) as u8).collect();
		let input = net.dir.path().join(format!("x{round}.npy"));
		let arr = npy::Array { shape: vec![batch, 1100], data: npy::Data::U8(x.clone()) };
		std::fs::write(&input, npy::write(&arr)).unwrap();
		let y = net.dir.path().join(format!("y{round}.npy"));
		let r = net.cli_json(
			Some("//Alice"),
			&[
				"infer",
				file,
				input.to_str().unwrap(),
				"-r",
				"2",
				"-o",
				y.to_str().unwrap(),
				"--endpoint",
				&endpoint,
			],
		);
		assert_eq!(r["settled"]["outcome"], "Completed", "{r}\n{}", net.logs());
		let want = reference_result(&honest, batch, &x).unwrap();
		let (want_out, want_roots) = split_result(&honest, batch as u64, &want).unwrap();
		let got = npy::read(&std::fs::read(&y).unwrap()).unwrap();
		assert_eq!(got.data, npy::Data::U8(want_out.to_vec()), "network output = CPU reference");
		assert_eq!(r["layer_roots"][0], format!("0x{}", hex::encode(want_roots[0])));
		assert_eq!(
			files.requests("/big.aiq"),
			3,
			"after round {round}: the CLI's check and one fetch per worker, then the caches\n{}",
			net.logs()
		);
	}

	// An operator warms a new worker's cache before the model's first task reaches it.
	let fresh = net.dir.path().join("fresh-worker");
	let id_arg = format!("0x{}", hex::encode(honest.id()));
	let warm = std::process::Command::new(bin("aipin-worker"))
		.args(["--node", &net.node.ws_url(), "--data-dir", fresh.to_str().unwrap()])
		.args(["fetch-model", &id_arg, "--allow-private-inputs"])
		.output()
		.unwrap();
	assert!(warm.status.success(), "{}", String::from_utf8_lossy(&warm.stderr));
	let cached = fresh.join("programs").join(format!("{}.aiq", hex::encode(honest.id())));
	assert_eq!(std::fs::read(&cached).unwrap(), bytes, "the program, checked, in the cache");
	assert_eq!(files.requests("/big.aiq"), 4);

	// A registration that lies about the program's figures (it claims more work, so each task
	// would pay more than the program needs). The runtime cannot tell; the CLI and every
	// provider can.
	let lying = large_program(3);
	let lie_bytes = lying.encode();
	let mut declared = summary(&lying);
	declared.ops_charged += 5_000_000;
	let lie = Files::fixed(HashMap::from([("/lie.aiq".to_string(), lie_bytes.clone())]));
	let lie_url = lie.url("/lie.aiq");
	let alice = subxt_signer::sr25519::dev::alice();
	let id = lying.id();
	let register =
		calls::models::register_by_url(&id, lie_bytes.len() as u32, lie_url.as_bytes(), &declared);
	net.submit(&alice, &register).await;
	let id_arg = format!("0x{}", hex::encode(id));
	let x = net.dir.path().join("x1.npy");
	let out = net.cli(Some("//Alice"), &["infer", &id_arg, x.to_str().unwrap(), "-r", "2"]);
	let err = String::from_utf8_lossy(&out.stderr);
	assert!(!out.status.success() && err.contains("not what its registration declares"), "{err}");
	// Sent anyway (not through the CLI): the replicas report it, and nobody is slashed.
	let listed = net.cli_json(None, &["model", "list"]);
	let kernel = listed
		.as_array()
		.unwrap()
		.iter()
		.find(|m| m["id"] == id_arg.as_str())
		.and_then(|m| m["kernel"].as_u64())
		.expect("the lying model is listed") as u32;
	let input = aipin_client::reads::Input::Seeded { seed: [5; 32] };
	let deadline = net.block().await as u32 + 200;
	let submit = calls::escrow::submit_task(kernel, &[1], &input, 2, 1_000, deadline);
	let included = net.submit(&alice, &submit).await;
	let task = included.find::<aipin_client::events::escrow::TaskSubmitted>().unwrap()[0].task;
	let done = net.finished(task, Duration::from_secs(120)).await;
	assert_eq!(done.terminal_reason(), Some(TerminalReason::BadInput), "{done:?}\n{}", net.logs());
	let now = net.block().await;
	let reports = net.events::<InputReported>(1, now).await;
	assert_eq!(reports.len(), 2, "{reports:?}");
	assert!(reports.iter().all(|(_, r)| r.task == task && r.fault == InputFault::ProgramMismatch));
	assert!(net.events::<OffenceReported>(1, now).await.is_empty(), "nobody is slashed");
}
