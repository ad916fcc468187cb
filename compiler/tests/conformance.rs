//! ONNX's own conformance vectors for the quantized operators (Debian's `libonnx-testdata`,
//! installed by `scripts/setup.sh`), through the compiler and the CPU reference. Each case is
//! either run and compared with ONNX's expected output, bit for bit, or listed with the reason
//! it is not supported, and that reason is checked: a case that starts compiling, or fails
//! for another reason, fails this test until the list is updated.

use aipin_compiler::{
	compile, dequantize_output,
	onnx::{ModelProto, TensorProto},
	quantize_input,
};
use aipin_kernels::inference::{reference, DType, Program};
use prost::Message;
use std::path::{Path, PathBuf};

const DATA: &str = "/usr/share/libonnx-testdata/data/node";

/// How a case is handled.
enum Case {
	/// A single-node model: the node's inputs after the first become constants (ONNX gives
	/// them as graph inputs), then it compiles and runs on the first input.
	Model,
	/// QuantizeLinear of a float input: `quantize_input`, with the case's scale and zero point.
	Quantize,
	/// DequantizeLinear of an 8-bit output: `dequantize_output`.
	Dequantize,
	/// Not supported: the compiler must refuse it with an error containing this text.
	Refused(&'static str, &'static str),
}

const CASES: [(&str, Case); 10] = [
	("test_qlinearconv", Case::Model),
	("test_qlinearmatmul_2D", Case::Model),
	(
		"test_qlinearmatmul_3D",
		Case::Refused(
			"weights must be 2-D",
			"a batched matmul ([2, 2, 4] × [2, 4, 3]) whose constant right operand is a \
			 different matrix per batch element; a program's constant weights are the same for \
			 every sample (a product of two activations, both per sample, is supported)",
		),
	),
	(
		"test_matmulinteger",
		Case::Refused(
			"not in the supported set",
			"int32 output: program tensors are 8-bit (each op requantizes)",
		),
	),
	(
		"test_convinteger_with_padding",
		Case::Refused(
			"not in the supported set",
			"int32 output: program tensors are 8-bit (each op requantizes)",
		),
	),
	(
		"test_convinteger_without_padding",
		Case::Refused(
			"not in the supported set",
			"int32 output: program tensors are 8-bit (each op requantizes)",
		),
	),
	("test_quantizelinear", Case::Quantize),
	(
		"test_quantizelinear_axis",
		Case::Refused(
			"per tensor",
			"per-channel quantization of an activation: programs quantize activations per tensor",
		),
	),
	("test_dequantizelinear", Case::Dequantize),
	(
		"test_dequantizelinear_axis",
		Case::Refused(
			"per tensor",
			"per-channel quantization of an activation: programs quantize activations per tensor",
		),
	),
];

fn tensor(path: &Path) -> TensorProto {
	TensorProto::decode(&std::fs::read(path).unwrap()[..]).unwrap()
}

fn bytes_of(t: &TensorProto) -> Vec<u8> {
	if !t.raw_data.is_empty() {
		return t.raw_data.clone();
	}
	t.int32_data.iter().map(|&v| v as u8).collect()
}

fn floats_of(t: &TensorProto) -> Vec<f32> {
	if !t.raw_data.is_empty() {
		return t
			.raw_data
			.chunks_exact(4)
			.map(|c| f32::from_le_bytes(c.try_into().unwrap()))
			.collect();
	}
	t.float_data.clone()
}

/// The case's model with graph inputs 1.. turned into initializers holding their test values.
fn constant_model(dir: &Path) -> Vec<u8> {
	let mut m = ModelProto::decode(&std::fs::read(dir.join("model.onnx")).unwrap()[..]).unwrap();
	let graph = m.graph.as_mut().unwrap();
	for (i, input) in graph.input.iter().enumerate().skip(1) {
		let mut t = tensor(&dir.join(format!("test_data_set_0/input_{i}.pb")));
		t.name = input.name.clone();
		graph.initializer.push(t);
	}
	m.encode_to_vec()
}

/// A one-op program whose input and output tensors have this type, scale and zero point.
fn edge(dtype: DType, scale: f32, zero_point: i32, n: u32) -> Program {
	let mut p = Program::dense(n, 1, 0);
	for t in &mut p.tensors {
		(t.dtype, t.scale, t.zero_point) = (dtype, scale.to_bits(), zero_point);
	}
	p
}

fn dtype_of(t: &TensorProto) -> DType {
	match t.data_type {
		2 => DType::U8,
		3 => DType::I8,
		other => panic!("8-bit zero point expected, got data type {other}"),
	}
}

fn zero_point(t: &TensorProto) -> i32 {
	let b = bytes_of(t)[0];
	match dtype_of(t) {
		DType::U8 => b as i32,
		DType::I8 => b as i8 as i32,
	}
}

#[test]
fn onnx_conformance_vectors() {
	let data = PathBuf::from(DATA);
	assert!(
		data.is_dir(),
		"{DATA} is missing: install Debian's libonnx-testdata (scripts/setup.sh does)"
	);
	let mut report = Vec::new();
	for (name, case) in CASES {
		let dir = data.join(name);
		let input = |i: usize| tensor(&dir.join(format!("test_data_set_0/input_{i}.pb")));
		let expected = tensor(&dir.join("test_data_set_0/output_0.pb"));
		match case {
			Case::Model => {
				let c = compile(&constant_model(&dir)).unwrap_or_else(|e| panic!("{name}: {e}"));
				let x = input(0);
				let batch = x.dims[0] as usize;
				let y = reference::run(&c.program, batch, &bytes_of(&x)).unwrap();
				assert_eq!(y.output_bytes(&c.program), bytes_of(&expected), "{name}");
				report.push(format!("{name}: passes ({} outputs)", bytes_of(&expected).len()));
			},
			Case::Quantize => {
				let (x, scale, zp) = (floats_of(&input(0)), floats_of(&input(1))[0], input(2));
				let p = edge(dtype_of(&zp), scale, zero_point(&zp), x.len() as u32);
				assert_eq!(quantize_input(&p, &x), bytes_of(&expected), "{name}");
				report.push(format!("{name}: passes ({} values)", x.len()));
			},
			Case::Dequantize => {
				let (x, scale, zp) = (bytes_of(&input(0)), floats_of(&input(1))[0], input(2));
				let p = edge(dtype_of(&zp), scale, zero_point(&zp), x.len() as u32);
				assert_eq!(dequantize_output(&p, &x), floats_of(&expected), "{name}");
				report.push(format!("{name}: passes ({} values)", x.len()));
			},
			Case::Refused(error, why) => {
				let err = match compile(&constant_model(&dir)) {
					Ok(_) => panic!("{name} compiles now: move it out of the unsupported list"),
					Err(e) => e.to_string(),
				};
				assert!(err.contains(error), "{name}: refused for another reason: {err}");
				report.push(format!("{name}: not supported: {why} ({err})"));
			},
		}
	}
	println!("{}", report.join("\n"));
}
