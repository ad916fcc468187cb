//! Verified inference, end to end on a dev chain with two workers: a consumer registers a model
//! the genesis preset does not carry (compiled from its ONNX file by the CLI), runs the digits
//! test split through it with r = 2, and gets back outputs that were verified against the
//! on-chain root and that equal, byte for byte, both the local CPU reference
//! (`aipin-worker infer --cpu`) and onnxruntime's own int8 outputs recorded in `models/`.

use aipin_client::events::models::ModelRegistered;
use aipin_compiler::npy;
use aipin_primitives::{SlotState, TerminalReason, INFERENCE_ENGINE};
use aipin_test_harness::*;
use std::{path::PathBuf, process::Command, time::Duration};

fn models_dir() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models")
}

fn model_file(name: &str) -> String {
	models_dir().join(name).display().to_string()
}

/// The 8-bit payload of an `.npy` file.
fn npy_bytes(path: &std::path::Path) -> Vec<u8> {
	let a = npy::read(&std::fs::read(path).unwrap()).unwrap();
	match a.data {
		npy::Data::U8(v) => v,
		npy::Data::I8(v) => v.into_iter().map(|b| b as u8).collect(),
		npy::Data::F32(_) | npy::Data::I64(_) => {
			panic!("{}: expected 8-bit outputs", path.display())
		},
	}
}

#[tokio::test(flavor = "multi_thread")]
async fn a_registered_model_runs_on_two_providers_and_equals_onnxruntime() {
	let mut net = DevNet::start("e2e-inference").await;
	for (name, op) in [("eve", "//Eve"), ("ferdie", "//Ferdie")] {
		net.start_worker(WorkerSpec::new(name, op));
	}
	// The genesis preset carries the four per-channel demo models.
	let listed = net.cli_json(None, &["model", "list"]);
	assert_eq!(listed.as_array().map(|a| a.len()), Some(4), "{listed}");
	assert!(listed.as_array().unwrap().iter().all(|m| m["owner"].is_null()));

	// Register the per-tensor digits CNN, straight from its ONNX file.
	let onnx = model_file("digits-cnn.int8.onnx");
	let registered = net.cli_json(Some("//Alice"), &["model", "register", &onnx]);
	let kernel = registered["model"]["kernel"].as_u64().expect("a kernel id") as u32;
	assert_eq!(kernel, INFERENCE_ENGINE + 5, "{registered}");
	assert!(registered["block"].is_u64(), "{registered}");
	assert!(registered["model"]["deposit"].as_u64().unwrap() > 0);
	let again = net.cli_json(Some("//Alice"), &["model", "register", &onnx]);
	assert!(again["block"].is_null(), "registering twice is a no-op: {again}");
	let now = net.block().await;
	assert_eq!(net.events::<ModelRegistered>(1, now).await.len(), 1);

	// A batch of the wrong shape is refused before anything is signed.
	let wrong = net.cli(Some("//Alice"), &["infer", &onnx, &model_file("mnist-cnn.x.npy")]);
	assert!(!wrong.status.success());
	let err = String::from_utf8_lossy(&wrong.stderr);
	assert!(err.contains("the model takes"), "{err}");

	net.cli_json(Some("//Alice"), &["credits", "buy", "10"]);
	let out = net.dir.path().join("y.npy");
	let x = model_file("digits-cnn.x.npy");
	let labels = model_file("digits-cnn.y.npy");
	// The genesis endpoints are not this test's ports: name one.
	let endpoint = format!("http://127.0.0.1:{}", net.port("eve"));
	let r = net.cli_json(
		Some("//Alice"),
		&[
			"infer",
			&onnx,
			&x,
			"-r",
			"2",
			"-o",
			out.to_str().unwrap(),
			"--labels",
			&labels,
			"--endpoint",
			&endpoint,
		],
	);
	assert_eq!(r["settled"]["outcome"], "Completed", "{r}\n{}", net.logs());
	assert_eq!(r["batch"], 360);
	// One root per layer: the program's seven ops.
	assert_eq!(r["layer_roots"].as_array().map(|a| a.len()), Some(7), "{r}");
	let id = r["submitted"]["task"].as_u64().unwrap();
	let task = net.finished(id, Duration::from_secs(60)).await;
	assert_eq!(task.terminal_reason(), Some(TerminalReason::Completed));
	assert_eq!(task.kernel, kernel);
	let root = task.result_root.expect("a result root");
	let revealed = task.assignments.iter().filter(|a| a.state == SlotState::Revealed(root)).count();
	assert_eq!(revealed, 2, "both providers revealed the same root: {task:?}");

	// The network's outputs equal the local CPU reference's and onnxruntime's, byte for byte.
	let local = net.dir.path().join("y-local.npy");
	let run = Command::new(bin("aipin-worker"))
		.args(["infer", "--model", &onnx, "--input", &x, "--output"])
		.arg(&local)
		.arg("--cpu")
		.output()
		.unwrap();
	assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
	// The local run reproduces the very root the providers committed to on chain.
	let stdout = String::from_utf8_lossy(&run.stdout);
	let want = format!("result root 0x{}", hex::encode(root));
	assert!(stdout.contains(&want), "{stdout}\nexpected {want}");
	let network = npy_bytes(&out);
	assert_eq!(network, npy_bytes(&local), "network output = local CPU reference");
	let ort = npy_bytes(&models_dir().join("digits-cnn.int8.ort.npy"));
	assert_eq!(network, ort, "network output = onnxruntime's int8 output");

	let record: serde_json::Value =
		serde_json::from_slice(&std::fs::read(models_dir().join("record.json")).unwrap()).unwrap();
	let want = record["models"]["digits-cnn"]["int8_accuracy"].as_f64().unwrap();
	let got = r["accuracy"].as_f64().expect("accuracy printed with --labels");
	assert!((got - want).abs() < 1e-9, "accuracy {got} (onnxruntime: {want})");

	// Tier 2 on the network: the genesis transformer encoder (LayerNorm, GELU, attention).
	let program = model_file("digits-transformer.pc.int8.aiq");
	let x = model_file("digits-transformer.x.npy");
	let labels = model_file("digits-transformer.y.npy");
	let out = net.dir.path().join("t.npy");
	let args = ["infer", &program, &x, "-r", "2", "-o", out.to_str().unwrap(), "--labels", &labels];
	let r = net.cli_json(Some("//Alice"), &[&args[..], &["--endpoint", &endpoint]].concat());
	assert_eq!(r["settled"]["outcome"], "Completed", "{r}\n{}", net.logs());
	assert_eq!(r["layer_roots"].as_array().map(|a| a.len()), Some(31), "{r}");
	let local = net.dir.path().join("t-local.npy");
	let run = Command::new(bin("aipin-worker"))
		.args(["infer", "--model", &program, "--input", &x, "--output"])
		.arg(&local)
		.arg("--cpu")
		.output()
		.unwrap();
	assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
	assert_eq!(npy_bytes(&out), npy_bytes(&local), "network output = local CPU reference");
	// Within the tier-2 tolerance of onnxruntime: its accuracy, to one sample in a hundred.
	let want = record["models"]["digits-transformer"]["pc.int8_accuracy"].as_f64().unwrap();
	let got = r["accuracy"].as_f64().expect("accuracy printed with --labels");
	assert!((got - want).abs() <= 0.01, "accuracy {got} (onnxruntime: {want})");
}
