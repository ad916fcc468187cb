//! A dev node and two workers (the dev chain's genesis providers, operators Eve and Ferdie):
//! a replicated GEMM submitted through subxt is computed on the GPU by both, committed,
//! revealed and settled; the result each worker serves verifies against the on-chain root
//! and equals the CPU reference.

use aipin_worker::{kernels, merkle, reference, seeded_input};
use std::{
	io::{Read, Write},
	net::{TcpListener, TcpStream},
	path::PathBuf,
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};
use subxt::{
	dynamic::{self, Value},
	ext::scale_decode::{self, DecodeAsType},
	OnlineClient, SubstrateConfig,
};
use subxt_signer::sr25519::dev;

fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The node binary: `AIPIN_NODE_BIN`, or `aipin-node` in the target directory these tests
/// were built in (`cargo test --workspace` builds it).
fn node_bin() -> PathBuf {
	if let Ok(p) = std::env::var("AIPIN_NODE_BIN") {
		return p.into();
	}
	let exe = std::env::current_exe().unwrap();
	exe.parent().and_then(|deps| deps.parent()).unwrap().join("aipin-node")
}

/// A child process killed on drop, its output kept in a log file for failure reports.
struct Proc {
	child: Child,
	log: PathBuf,
}

impl Proc {
	fn start(name: &str, mut cmd: Command, dir: &std::path::Path) -> Self {
		let log = dir.join(format!("{name}.log"));
		let f = std::fs::File::create(&log).unwrap();
		let child = cmd
			.stdout(Stdio::from(f.try_clone().unwrap()))
			.stderr(Stdio::from(f))
			.spawn()
			.unwrap_or_else(|e| panic!("starting {name}: {e}"));
		Self { child, log }
	}
	fn tail(&self) -> String {
		let text = std::fs::read_to_string(&self.log).unwrap_or_default();
		text.lines()
			.rev()
			.take(30)
			.collect::<Vec<_>>()
			.into_iter()
			.rev()
			.collect::<Vec<_>>()
			.join("\n")
	}
}

impl Drop for Proc {
	fn drop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}
}

/// `GET http://127.0.0.1:{port}{path}` → (status, body).
fn http_get(port: u16, path: &str) -> Option<(u16, Vec<u8>)> {
	let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
	s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
	write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
	let mut raw = Vec::new();
	s.read_to_end(&mut raw).ok()?;
	let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
	let head = String::from_utf8_lossy(&raw[..split]).to_string();
	let status = head.split_whitespace().nth(1)?.parse().ok()?;
	let mut body = raw[split + 4..].to_vec();
	if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
		// De-chunk.
		let mut out = Vec::new();
		let mut rest = &body[..];
		loop {
			let eol = rest.windows(2).position(|w| w == b"\r\n")?;
			let n =
				usize::from_str_radix(std::str::from_utf8(&rest[..eol]).ok()?.trim(), 16).ok()?;
			if n == 0 {
				break;
			}
			out.extend_from_slice(&rest[eol + 2..eol + 2 + n]);
			rest = &rest[eol + 2 + n + 2..];
		}
		body = out;
	}
	Some((status, body))
}

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct TaskSubmitted {
	task: u64,
}

#[derive(Debug, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct TaskView {
	phase: aipin_worker::chain::Phase,
	result_root: Option<[u8; 32]>,
}

#[tokio::test(flavor = "multi_thread")]
async fn two_workers_settle_a_replicated_task_and_serve_verifiable_results() {
	let dir = std::env::temp_dir().join(format!("aipin-e2e-{}", std::process::id()));
	let _ = std::fs::remove_dir_all(&dir);
	std::fs::create_dir_all(&dir).unwrap();
	let rpc = free_port();
	let mut cmd = Command::new(node_bin());
	cmd.args(["--dev", "--sealing", "1000", "--rpc-port", &rpc.to_string(), "--base-path"])
		.arg(dir.join("node"))
		.args(["--listen-addr", &format!("/ip4/127.0.0.1/tcp/{}", free_port()), "--no-prometheus"]);
	let node = Proc::start("node", cmd, &dir);
	let url = format!("ws://127.0.0.1:{rpc}");

	let started = Instant::now();
	let api = loop {
		if let Ok(api) = OnlineClient::<SubstrateConfig>::from_insecure_url(&url).await {
			break api;
		}
		assert!(
			started.elapsed() < Duration::from_secs(90),
			"node never answered:\n{}",
			node.tail()
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	};

	let mut workers = Vec::new();
	let mut ports = Vec::new();
	for (name, suri) in [("eve", "//Eve"), ("ferdie", "//Ferdie")] {
		let port = free_port();
		let mut cmd = Command::new(env!("CARGO_BIN_EXE_aipin-worker"));
		cmd.args(["run", "--node", &url, "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
			.arg(dir.join(name))
			.env("AIPIN_OPERATOR_SURI", suri)
			.env("RUST_LOG", "info,aipin=debug");
		workers.push(Proc::start(name, cmd, &dir));
		ports.push(port);
	}

	// Alice buys credits and submits a seeded 48×40×72 GEMM (not a multiple of the tiles),
	// replication 2.
	let alice = dev::alice();
	let submit = |pallet: &'static str, call: &'static str, args: Vec<Value>| {
		let api = api.clone();
		let alice = alice.clone();
		async move {
			api.at_current_block()
				.await
				.unwrap()
				.transactions()
				.sign_and_submit_then_watch_default(
					&dynamic::transaction(pallet, call, args),
					&alice,
				)
				.await
				.unwrap()
				.wait_for_finalized_success()
				.await
				.unwrap_or_else(|e| panic!("{pallet}.{call}: {e}"))
		}
	};
	submit("Bme", "buy_credits", vec![Value::u128(10_000_000_000_000), Value::u128(0)]).await;
	let (m, n, k) = (48u32, 40u32, 72u32);
	let seed = [77u8; 32];
	let finalized = api.at_current_block().await.unwrap().block_number() as u128;
	let events = submit(
		"Escrow",
		"submit_task",
		vec![
			Value::u128(1),
			Value::unnamed_composite([
				Value::u128(m as u128),
				Value::u128(n as u128),
				Value::u128(k as u128),
			]),
			Value::named_variant("Seeded", [("seed", Value::from_bytes(seed))]),
			Value::u128(2),
			Value::u128(10),
			Value::u128(finalized + 300),
		],
	)
	.await;
	let id = events
		.iter()
		.filter_map(Result::ok)
		.find(|e| e.pallet_name() == "Escrow" && e.event_name() == "TaskSubmitted")
		.unwrap()
		.decode_fields_unchecked_as::<TaskSubmitted>()
		.unwrap()
		.task;

	// Settlement.
	let started = Instant::now();
	let task = loop {
		let at = api.at_current_block().await.unwrap();
		let addr = dynamic::storage::<(u64,), TaskView>("Escrow", "Tasks");
		let t = at.storage().fetch(addr, (id,)).await.unwrap().decode().unwrap();
		if matches!(t.phase, aipin_worker::chain::Phase::Finished { .. }) {
			break t;
		}
		assert!(
			started.elapsed() < Duration::from_secs(150),
			"task {id} not settled: {t:?}\n--- eve\n{}\n--- ferdie\n{}",
			workers[0].tail(),
			workers[1].tail()
		);
		tokio::time::sleep(Duration::from_millis(500)).await;
	};
	let aipin_worker::chain::Phase::Finished { reason, .. } = task.phase else { unreachable!() };
	assert_eq!(reason, aipin_worker::chain::Reason::Completed, "both workers agreed");

	// The on-chain root is the root of the CPU reference's output.
	let params = [m, n, k];
	let input =
		seeded_input(&seed, kernels::input_bytes(kernels::Kind::GemmI8, &params).unwrap() as usize);
	let expected = reference::run(kernels::Kind::GemmI8, &params, &input);
	let root = merkle::root(&expected);
	assert_eq!(task.result_root, Some(root));

	// Each worker serves the output, and every chunk verifies against the chain's root.
	for port in ports {
		let (status, body) =
			http_get(port, &format!("/results/{id}")).expect("result server answers");
		assert_eq!(status, 200);
		assert_eq!(body, expected);
		let chunks = merkle::chunk_count(body.len() as u64);
		for i in 0..chunks {
			let (status, json) = http_get(port, &format!("/results/{id}/chunks/{i}")).unwrap();
			assert_eq!(status, 200);
			let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
			let data = hex::decode(v["data"].as_str().unwrap().trim_start_matches("0x")).unwrap();
			let proof: Vec<[u8; 32]> = v["proof"]
				.as_array()
				.unwrap()
				.iter()
				.map(|h| {
					hex::decode(h.as_str().unwrap().trim_start_matches("0x"))
						.unwrap()
						.try_into()
						.unwrap()
				})
				.collect();
			assert!(merkle::verify(&root, chunks, i, &data, &proof), "chunk {i} verifies");
		}
		let (status, _) = http_get(port, "/results/999999").unwrap();
		assert_eq!(status, 404);
		let (status, _) = http_get(port, "/results/..%2f..%2fetc%2fpasswd").unwrap();
		assert_ne!(status, 200, "no path traversal");
		let (status, metrics) = http_get(port, "/metrics").unwrap();
		assert_eq!(status, 200);
		assert!(String::from_utf8_lossy(&metrics).contains("aipin_worker_tasks_computed_total 1"));
	}
	drop(workers);
	drop(node);
	let _ = std::fs::remove_dir_all(&dir);
}
