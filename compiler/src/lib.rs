//! # AiPIN model compiler
//!
//! Lowers an int8 QDQ ONNX model (what `onnxruntime.quantization.quantize_static` writes) to
//! the canonical integer [`Program`] that the chain registers by hash and workers run. The
//! node and the worker never parse ONNX: they take the program bytes.
//!
//! ONNX is read with [`prost`] (Apache-2.0, the maintained Rust protobuf implementation)
//! from a hand-declared subset of `onnx.proto3` ([`onnx`]): the schema is stable, and this
//! keeps `protoc` and a build script out of the client's build.
//!
//! The lowering follows onnxruntime's own QDQ fusions, so the program computes what
//! onnxruntime computes on the same file:
//! - `DQ(x) → Conv|Gemm|MatMul(DQ(w), DQ(b)) [→ Relu] → Q` becomes a [`Conv`] whose
//!   requantization scale is `f32(f32(s_x · s_w) / s_y)` per output channel, exactly as
//!   onnxruntime's `QLinearConv` and `QGemm` compute it;
//! - `DQ → MaxPool → Q` and `DQ → Flatten|Reshape → Q` with unchanged quantization become
//!   [`Op::MaxPool`] and [`Op::Reshape`];
//! - `DQ → Add|Mul(DQ) → Q` becomes a 65,536-entry [`Binary`] table (onnxruntime's
//!   `QLinearAdd`/`QLinearMul`), and `DQ → Sigmoid|LeakyRelu|HardSigmoid|HardSwish|Relu|Clip
//!   → Q` a 256-entry [`Lookup`] table (`activations`);
//! - the graph input's `QuantizeLinear` defines the program input (a consumer quantizes float
//!   data with [`quantize_input`], the same rule) and the output's `DequantizeLinear` is left
//!   to the consumer ([`dequantize_output`]).
//!
//! [`Binary`]: aipin_kernels::inference::program::Binary
//! [`Lookup`]: aipin_kernels::inference::program::Lookup
//!
//! Anything else is refused with the node's name and op ([`CompileError::Unsupported`]).

mod activations;
pub mod files;
mod lower;
pub mod npy;
pub mod onnx;
mod ops;
mod pending;
mod sequence;

use aipin_kernels::inference::{
	program::{Program, Tensor},
	ProgramError,
};
use onnx::ModelProto;
use prost::Message;

/// Largest ONNX file the compiler reads.
pub const MAX_MODEL_BYTES: usize = 256 << 20;

/// Why a model does not compile.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
	#[error("not an ONNX model: {0}")]
	Decode(String),
	#[error("the model is {0} bytes; the compiler reads at most {MAX_MODEL_BYTES}")]
	TooLarge(usize),
	#[error("unsupported model: {0}")]
	Model(String),
	#[error("node `{node}` ({op}): {why}")]
	Unsupported { node: String, op: String, why: String },
	#[error("the compiled program is malformed: {0}")]
	Program(#[from] ProgramError),
}

/// A compiled model and what a consumer needs to know about it.
#[derive(Clone, Debug)]
pub struct Compiled {
	/// The program.
	pub program: Program,
	/// Its canonical bytes (the SCALE encoding).
	pub bytes: Vec<u8>,
	/// `blake2_256(bytes)`: the model id.
	pub id: [u8; 32],
}

impl Compiled {
	/// A one-line-per-op summary: op, output shape, multiply-adds.
	pub fn summary(&self) -> Vec<String> {
		let p = &self.program;
		p.ops
			.iter()
			.map(|op| {
				let y = &p.tensors[op.output() as usize];
				let macs = p.op_macs(op);
				format!("{:<8} -> {:?} {:?}  {} MACs", op.name(), y.shape, y.dtype, macs)
			})
			.collect()
	}
}

/// Compiles ONNX bytes.
pub fn compile(onnx_bytes: &[u8]) -> Result<Compiled, CompileError> {
	if onnx_bytes.len() > MAX_MODEL_BYTES {
		return Err(CompileError::TooLarge(onnx_bytes.len()));
	}
	let model = ModelProto::decode(onnx_bytes).map_err(|e| CompileError::Decode(e.to_string()))?;
	let program = lower::Lowering::new(&model)?.run()?;
	program.check()?;
	let bytes = codec::Encode::encode(&program);
	let id = aipin_kernels::inference::program::id_of(&bytes);
	Ok(Compiled { program, bytes, id })
}

/// QuantizeLinear, as onnxruntime computes it (MLAS): `clamp(nearbyint(v / scale) + zp)` in
/// binary32, into `t`'s quantization (a NaN becomes the lowest value, as `MAXPS` makes it).
/// Native floats are fine here: this runs once, in the compiler or at the consumer, and its
/// bytes are what everyone then agrees on.
pub fn quantize_linear(t: &Tensor, v: f32) -> u8 {
	let scale = f32::from_bits(t.scale);
	let (lo, hi) = t.dtype.range();
	let (min, max) = ((lo - t.zero_point) as f32, (hi - t.zero_point) as f32);
	let q = v / scale;
	let q = if q.is_nan() { min } else { q.clamp(min, max) };
	t.dtype.to_byte(q.round_ties_even() as i32 + t.zero_point)
}

/// The model input quantized as its QuantizeLinear does ([`quantize_linear`]). Input: the
/// model input's float elements, sample after sample.
pub fn quantize_input(program: &Program, x: &[f32]) -> Vec<u8> {
	x.iter().map(|&v| quantize_linear(program.input(), v)).collect()
}

/// DequantizeLinear of one stored byte of `t`, as onnxruntime computes it:
/// `f32(scale · f32(q − zp))`.
pub fn dequantize_linear(t: &Tensor, b: u8) -> f32 {
	f32::from_bits(t.scale) * (t.dtype.from_byte(b) - t.zero_point) as f32
}

/// DequantizeLinear of output bytes ([`dequantize_linear`]).
pub fn dequantize_output(program: &Program, y: &[u8]) -> Vec<f32> {
	y.iter().map(|&b| dequantize_linear(program.output(), b)).collect()
}
