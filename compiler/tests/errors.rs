//! Bad models get clear errors, never panics.

use aipin_compiler::{compile, CompileError};
use std::path::Path;

fn model(name: &str) -> Vec<u8> {
	std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../models").join(name)).unwrap()
}

#[test]
fn a_float_model_names_the_first_node_it_cannot_lower() {
	match compile(&model("digits-cnn.f32.onnx")) {
		Err(CompileError::Unsupported { node, op, why }) => {
			assert_eq!((node.as_str(), op.as_str()), ("l0.conv", "Conv"));
			assert!(why.contains("QDQ"), "{why}");
		},
		other => panic!("expected an unsupported-node error, got {other:?}"),
	}
}

#[test]
fn hostile_bytes_are_refused_without_panicking() {
	assert!(matches!(
		compile(b"definitely not protobuf \xff\xff\xff"),
		Err(CompileError::Decode(_))
	));
	assert!(compile(&[]).is_err());
	let good = model("digits-cnn.int8.onnx");
	// Truncations and byte flips: each an error or a (different) valid program, never a panic.
	for cut in (0..good.len()).step_by(97) {
		let _ = compile(&good[..cut]);
	}
	let mut x = 0x2545_f491u32;
	for _ in 0..300 {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		let mut b = good.clone();
		let i = x as usize % b.len();
		b[i] ^= (x >> 24) as u8 | 1;
		if let Ok(c) = compile(&b) {
			c.program.check().expect("whatever compiles is well formed");
		}
	}
}

#[test]
fn compiling_is_deterministic_and_the_id_is_the_hash() {
	let a = compile(&model("mnist-cnn.pc.int8.onnx")).unwrap();
	let b = compile(&model("mnist-cnn.pc.int8.onnx")).unwrap();
	assert_eq!(a.bytes, b.bytes);
	assert_eq!(a.id, sp_crypto_hashing_blake2(&a.bytes));
	assert_ne!(a.id, compile(&model("mnist-cnn.int8.onnx")).unwrap().id);
}

fn sp_crypto_hashing_blake2(bytes: &[u8]) -> [u8; 32] {
	aipin_kernels::inference::Program::decode_checked(bytes).unwrap().id()
}

/// The programs the chain's genesis presets register (`models/*.aiq`) are what the compiler
/// makes of the ONNX files beside them today: a compiler change that alters a program fails
/// here until they are recompiled (`AIPIN_BLESS=1` rewrites them, as `aipin model compile
/// FILE.onnx -o FILE.aiq` would) and the chain specs re-exported.
#[test]
fn the_committed_programs_are_what_the_compiler_makes() {
	let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models");
	let mut checked = 0;
	for entry in std::fs::read_dir(&dir).unwrap() {
		let path = entry.unwrap().path();
		if path.extension().is_none_or(|e| e != "aiq") {
			continue;
		}
		let onnx = path.with_extension("onnx");
		let compiled = compile(&std::fs::read(&onnx).unwrap()).unwrap();
		if std::env::var_os("AIPIN_BLESS").is_some() {
			std::fs::write(&path, &compiled.bytes).unwrap();
		}
		assert!(compiled.bytes == std::fs::read(&path).unwrap(), "{} is stale", path.display());
		checked += 1;
	}
	assert_eq!(checked, 4, "the four demo programs");
}
