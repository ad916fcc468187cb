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
//! - the graph input's `QuantizeLinear` defines the program input (a consumer quantizes float
//!   data with [`quantize_input`], the same rule) and the output's `DequantizeLinear` is left
//!   to the consumer ([`dequantize_output`]).
//!
//! Anything else is refused with the node's name and op ([`CompileError::Unsupported`]).

pub mod files;
pub mod npy;
pub mod onnx;

use aipin_kernels::inference::{
	program::{Add, Conv, DType, MaxPool, Op, Program, Tensor, Window, ADD_TABLE, VERSION},
	ProgramError,
};
use onnx::{dtype, AttributeProto, ModelProto, NodeProto, TensorProto};
use prost::Message;
use std::collections::HashMap;

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
	let program = Lowering::new(&model)?.run()?;
	program.check()?;
	let bytes = codec::Encode::encode(&program);
	let id = aipin_kernels::inference::program::id_of(&bytes);
	Ok(Compiled { program, bytes, id })
}

/// QuantizeLinear, as onnxruntime computes it: `clamp(nearbyint(x / scale) + zp)` in binary32
/// (a NaN becomes the lowest value, as `MAXPS` makes it). Input: the model input's float
/// elements, sample after sample. Native floats are fine here: this runs once, at the
/// consumer, and its bytes are the task input everyone then agrees on.
pub fn quantize_input(program: &Program, x: &[f32]) -> Vec<u8> {
	let t = program.input();
	let scale = f32::from_bits(t.scale);
	let (lo, hi) = t.dtype.range();
	let (zp, min, max) = (t.zero_point, (lo - t.zero_point) as f32, (hi - t.zero_point) as f32);
	x.iter()
		.map(|&v| {
			let q = v / scale;
			let q = if q.is_nan() { min } else { q.clamp(min, max) };
			t.dtype.to_byte(q.round_ties_even() as i32 + zp)
		})
		.collect()
}

/// DequantizeLinear of output bytes: `scale · (q − zp)` in binary32.
pub fn dequantize_output(program: &Program, y: &[u8]) -> Vec<f32> {
	let t = program.output();
	let scale = f32::from_bits(t.scale);
	y.iter().map(|&b| (t.dtype.from_byte(b) - t.zero_point) as f32 * scale).collect()
}

/// The [`Add`] table: onnxruntime's `QLinearAdd` on x86-64 with AVX2 and FMA (its
/// `MlasQLinearAddKernelAvx2Helper`), evaluated for all 65,536 operand pairs:
///
/// ```text
/// r_a = f32(s_a / s_y),  r_b = f32(s_b / s_y)
/// fixed = f32(zp_y) − f32(f32(r_a · zp_a) + f32(r_b · zp_b))
/// t = fma(a, r_a, fma(b, r_b, fixed))          (a, b: the raw stored values)
/// y = sat8(sat16(nearbyint(t)))                 (out of i32 range: i32::MIN, as CVTPS2DQ)
/// ```
///
/// With a folded Relu the low end is also clamped to `zp_y`. IEEE-754 defines every step
/// (`mul_add` is the correctly rounded fused multiply-add), so these bytes are the same on any
/// machine that compiles the model; the kernel only looks them up.
fn add_table(a: &Tensor, b: &Tensor, y: &Tensor, relu: bool) -> Vec<u8> {
	let sy = f32::from_bits(y.scale);
	let ra = f32::from_bits(a.scale) / sy;
	let rb = f32::from_bits(b.scale) / sy;
	let fixed = y.zero_point as f32 - (ra * a.zero_point as f32 + rb * b.zero_point as f32);
	let (lo, hi) = y.dtype.range();
	let lo = if relu { lo.max(y.zero_point) } else { lo };
	let mut table = vec![0u8; ADD_TABLE];
	for ba in 0..256usize {
		for bb in 0..256usize {
			let va = a.dtype.from_byte(ba as u8) as f32;
			let vb = b.dtype.from_byte(bb as u8) as f32;
			let t = va.mul_add(ra, vb.mul_add(rb, fixed));
			let r = t.round_ties_even();
			let r = if !(-2147483648.0..2147483648.0).contains(&r) { i32::MIN } else { r as i32 };
			let r = r.clamp(i16::MIN as i32, i16::MAX as i32).clamp(lo, hi);
			table[ba << 8 | bb] = y.dtype.to_byte(r);
		}
	}
	table
}

/// A constant weight or bias after its DequantizeLinear.
#[derive(Clone, Debug)]
struct QConst {
	dims: Vec<i64>,
	values: Vec<i32>,
	scales: Vec<f32>,
	zero_points: Vec<i32>,
	axis: i64,
}

/// What a graph value is, while lowering.
#[derive(Clone, Debug)]
enum Value {
	/// The float graph input, or a reshape of it, before its QuantizeLinear.
	Float(Vec<u32>),
	/// A constant initializer.
	Const(TensorProto),
	/// A dequantized constant.
	QConst(QConst),
	/// A program tensor (quantized).
	Q(u16),
	/// A program tensor seen through its DequantizeLinear.
	Dq(u16),
	/// The float result of an op still waiting for its QuantizeLinear.
	Pending(Pending),
}

#[derive(Clone, Debug)]
struct Pending {
	node: String,
	op: String,
	kind: PendingKind,
	/// A folded Relu: the float result is at least 0.
	relu: bool,
}

#[derive(Clone, Debug)]
enum PendingKind {
	Conv { x: u16, weight: QConst, bias: Option<QConst>, group: u32, window: Window, out: Vec<u32> },
	MaxPool { x: u16, window: Window, out: Vec<u32> },
	Reshape { x: u16, out: Vec<u32> },
	Add { a: u16, b: u16, out: Vec<u32> },
}

struct Lowering<'a> {
	model: &'a ModelProto,
	values: HashMap<String, Value>,
	tensors: Vec<Tensor>,
	ops: Vec<Op>,
}

fn unsupported(node: &NodeProto, why: impl Into<String>) -> CompileError {
	CompileError::Unsupported { node: node.name.clone(), op: node.op_type.clone(), why: why.into() }
}

fn attr<'n>(node: &'n NodeProto, name: &str) -> Option<&'n AttributeProto> {
	node.attribute.iter().find(|a| a.name == name)
}

fn attr_ints(node: &NodeProto, name: &str, default: &[i64]) -> Vec<i64> {
	attr(node, name).map(|a| a.ints.clone()).unwrap_or_else(|| default.to_vec())
}

fn attr_int(node: &NodeProto, name: &str, default: i64) -> i64 {
	attr(node, name).map(|a| a.i).unwrap_or(default)
}

/// The values of an integer or float constant.
fn int_values(t: &TensorProto) -> Option<Vec<i64>> {
	let raw = &t.raw_data;
	Some(match t.data_type {
		dtype::INT8 if !raw.is_empty() => raw.iter().map(|&b| b as i8 as i64).collect(),
		dtype::UINT8 if !raw.is_empty() => raw.iter().map(|&b| b as i64).collect(),
		dtype::INT8 | dtype::UINT8 | dtype::INT32 if raw.is_empty() => {
			t.int32_data.iter().map(|&v| v as i64).collect()
		},
		dtype::INT32 => raw
			.chunks_exact(4)
			.map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64)
			.collect(),
		dtype::INT64 if raw.is_empty() => t.int64_data.clone(),
		dtype::INT64 => {
			raw.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect()
		},
		_ => return None,
	})
}

fn float_values(t: &TensorProto) -> Option<Vec<f32>> {
	if t.data_type != dtype::FLOAT {
		return None;
	}
	if t.raw_data.is_empty() {
		Some(t.float_data.clone())
	} else {
		Some(
			t.raw_data
				.chunks_exact(4)
				.map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
				.collect(),
		)
	}
}

fn elements(dims: &[i64]) -> i64 {
	dims.iter().product()
}

impl<'a> Lowering<'a> {
	fn new(model: &'a ModelProto) -> Result<Self, CompileError> {
		let graph = model.graph.as_ref().ok_or_else(|| CompileError::Model("no graph".into()))?;
		if let Some(op) =
			model.opset_import.iter().find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
		{
			if !(10..=21).contains(&op.version) {
				return Err(CompileError::Model(format!(
					"opset {} (supported: 13 to 21; 10 to 12 are accepted where the ops match)",
					op.version
				)));
			}
		}
		let mut values = HashMap::new();
		for init in &graph.initializer {
			if init.data_location != 0 {
				return Err(CompileError::Model(format!(
					"initializer `{}` uses external data",
					init.name
				)));
			}
			values.insert(init.name.clone(), Value::Const(init.clone()));
		}
		let inputs: Vec<_> = graph.input.iter().filter(|i| !values.contains_key(&i.name)).collect();
		let [input] = inputs[..] else {
			return Err(CompileError::Model(format!(
				"{} graph inputs; a model takes exactly one",
				inputs.len()
			)));
		};
		let tt = input.r#type.as_ref().and_then(|t| t.tensor_type.as_ref());
		let Some(tt) = tt.filter(|t| t.elem_type == dtype::FLOAT) else {
			return Err(CompileError::Model(format!(
				"input `{}` must be a float tensor",
				input.name
			)));
		};
		let dims = tt.shape.as_ref().map(|s| s.dim.clone()).unwrap_or_default();
		let mut shape = Vec::new();
		for d in dims.iter().skip(1) {
			match d.dim_value {
				Some(v) if v > 0 && v <= u32::MAX as i64 => shape.push(v as u32),
				_ => {
					return Err(CompileError::Model(format!(
						"input `{}`: every dimension after the batch must be a fixed size",
						input.name
					)))
				},
			}
		}
		if shape.is_empty() {
			return Err(CompileError::Model(format!(
				"input `{}` has no per-sample dimensions",
				input.name
			)));
		}
		values.insert(input.name.clone(), Value::Float(shape));
		Ok(Self { model, values, tensors: Vec::new(), ops: Vec::new() })
	}

	fn get(&self, node: &NodeProto, i: usize) -> Result<&Value, CompileError> {
		let name = node
			.input
			.get(i)
			.filter(|n| !n.is_empty())
			.ok_or_else(|| unsupported(node, format!("input {i} missing")))?;
		self.values
			.get(name)
			.ok_or_else(|| unsupported(node, format!("input `{name}` is not defined before it")))
	}

	fn scalar_f32(&self, node: &NodeProto, i: usize) -> Result<Vec<f32>, CompileError> {
		match self.get(node, i)? {
			Value::Const(t) => {
				float_values(t).ok_or_else(|| unsupported(node, "scale must be a float constant"))
			},
			_ => Err(unsupported(node, "scale must be a constant")),
		}
	}

	/// `(zero points, dtype)` of a Q/DQ node's third input (uint8 0 when absent).
	fn zero_points(&self, node: &NodeProto) -> Result<(Vec<i32>, DType), CompileError> {
		if node.input.get(2).is_none_or(|n| n.is_empty()) {
			return Ok((vec![0], DType::U8));
		}
		match self.get(node, 2)? {
			Value::Const(t) => {
				let dt = match t.data_type {
					dtype::UINT8 => DType::U8,
					dtype::INT8 => DType::I8,
					dtype::INT32 => {
						return Ok((
							int_values(t).unwrap_or_default().iter().map(|&v| v as i32).collect(),
							DType::I8,
						))
					},
					_ => {
						return Err(unsupported(
							node,
							"zero point must be uint8, int8 or int32 (bias)",
						))
					},
				};
				Ok((int_values(t).unwrap_or_default().iter().map(|&v| v as i32).collect(), dt))
			},
			_ => Err(unsupported(node, "zero point must be a constant")),
		}
	}

	fn define(&mut self, t: Tensor) -> Result<u16, CompileError> {
		if self.tensors.len() >= aipin_kernels::inference::program::MAX_TENSORS {
			return Err(CompileError::Model("too many tensors".into()));
		}
		self.tensors.push(t);
		Ok((self.tensors.len() - 1) as u16)
	}

	fn set(&mut self, node: &NodeProto, v: Value) -> Result<(), CompileError> {
		let out = node.output.first().ok_or_else(|| unsupported(node, "no output"))?;
		self.values.insert(out.clone(), v);
		Ok(())
	}

	fn run(mut self) -> Result<Program, CompileError> {
		let graph = self.model.graph.as_ref().expect("checked in new");
		for node in &graph.node {
			if !(node.domain.is_empty() || node.domain == "ai.onnx") {
				return Err(unsupported(
					node,
					format!("domain `{}` (only the standard ONNX domain)", node.domain),
				));
			}
			self.node(node)?;
		}
		let [output] = &graph.output[..] else {
			return Err(CompileError::Model(format!(
				"{} graph outputs; a model gives exactly one",
				graph.output.len()
			)));
		};
		match self.values.get(&output.name) {
			Some(Value::Dq(t)) | Some(Value::Q(t)) if *t as usize + 1 == self.tensors.len() => {},
			Some(Value::Dq(_)) | Some(Value::Q(_)) => {
				return Err(CompileError::Model("the output must be the last tensor computed".into()))
			},
			_ => {
				return Err(CompileError::Model(format!(
					"output `{}` is not a quantized result (a QDQ model ends in QuantizeLinear → DequantizeLinear)",
					output.name
				)))
			},
		}
		Ok(Program { version: VERSION, tensors: self.tensors, ops: self.ops })
	}

	fn node(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		match node.op_type.as_str() {
			"QuantizeLinear" => self.quantize(node),
			"DequantizeLinear" => self.dequantize(node),
			"Conv" => self.conv(node),
			"Gemm" | "MatMul" => self.dense(node),
			"MaxPool" => self.max_pool(node),
			"Add" => {
				let (a, b) = (self.dq_input(node, 0)?, self.dq_input(node, 1)?);
				let out = self.tensors[a as usize].shape.clone();
				if self.tensors[b as usize].shape != out {
					return Err(unsupported(
						node,
						"operands must have the same shape (no broadcasting)",
					));
				}
				self.pending(node, PendingKind::Add { a, b, out })
			},
			"Flatten" | "Reshape" => self.reshape(node),
			"Relu" => match self.get(node, 0)?.clone() {
				Value::Pending(mut p)
					if matches!(p.kind, PendingKind::Conv { .. } | PendingKind::Add { .. }) =>
				{
					p.relu = true;
					self.set(node, Value::Pending(p))
				},
				_ => Err(unsupported(
					node,
					"Relu is supported only right after Conv/Gemm/MatMul (folded into its clamp)",
				)),
			},
			other => Err(unsupported(
				node,
				format!("op `{other}` is not in the supported set (docs/inference.md)"),
			)),
		}
	}

	fn quantize(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let scale = self.scalar_f32(node, 1)?;
		let (zps, dt) = self.zero_points(node)?;
		let ([scale], [zp]) = (&scale[..], &zps[..]) else {
			return Err(unsupported(node, "activations must be quantized per tensor"));
		};
		if !(scale.is_finite() && *scale > 0.0 && scale.is_normal()) {
			return Err(unsupported(node, "scale must be a positive normal number"));
		}
		if attr(node, "saturate").is_some() || attr(node, "output_dtype").is_some_and(|a| a.i != 0)
		{
			return Err(unsupported(node, "only the default QuantizeLinear attributes"));
		}
		let make =
			|shape: Vec<u32>| Tensor { shape, dtype: dt, scale: scale.to_bits(), zero_point: *zp };
		let value = self.get(node, 0)?.clone();
		let id = match value {
			Value::Float(shape) => {
				if !self.tensors.is_empty() {
					return Err(unsupported(node, "the float input may be quantized only once"));
				}
				self.define(make(shape))?
			},
			Value::Pending(p) => self.finish(p, make)?,
			_ => {
				return Err(unsupported(
					node,
					"QuantizeLinear must follow the float input or a supported op",
				))
			},
		};
		self.set(node, Value::Q(id))
	}

	fn finish(
		&mut self,

		p: Pending,
		make: impl Fn(Vec<u32>) -> Tensor,
	) -> Result<u16, CompileError> {
		let bad = |why: &str| CompileError::Unsupported {
			node: p.node.clone(),
			op: p.op.clone(),
			why: why.into(),
		};
		match p.kind {
			PendingKind::Conv { x, weight, bias, group, window, out } => {
				let tx = self.tensors[x as usize].clone();
				let ty = make(out);
				let sx = f32::from_bits(tx.scale);
				let sy = f32::from_bits(ty.scale);
				let co = ty.shape[0] as usize;
				if weight.zero_points.iter().any(|&z| z != 0) {
					return Err(bad("weights must be symmetric (zero point 0)"));
				}
				let per_channel = weight.scales.len() == co && co > 1;
				if !(weight.scales.len() == 1 || per_channel) {
					return Err(bad("weight scales must be one or one per output channel"));
				}
				let multiplier: Vec<u32> = weight
					.scales
					.iter()
					.map(|&sw| {
						// onnxruntime: output_scales[i] = (X_scale * W_scale[i] / Y_scale).
						let s = sx * sw / sy;
						s.to_bits()
					})
					.collect();
				if !multiplier.iter().all(|&m| aipin_kernels::inference::quant::valid_scale(m)) {
					return Err(bad("a requantization scale is not a positive normal number"));
				}
				let bias = match bias {
					Some(b) if b.values.len() == co => b.values.clone(),
					Some(_) => return Err(bad("bias length is not the output channel count")),
					None => vec![0; co],
				};
				let (lo, hi) = ty.dtype.range();
				let lo = if p.relu { lo.max(ty.zero_point) } else { lo };
				let weight: Vec<i8> = weight.values.iter().map(|&v| v as i8).collect();
				let y = self.define(ty)?;
				self.ops.push(Op::Conv(Conv {
					x,
					y,
					group,
					window,
					weight,
					bias,
					multiplier,
					clamp: [lo, hi],
				}));
				Ok(y)
			},
			PendingKind::MaxPool { x, window, out } => {
				let ty = make(out);
				let tx = &self.tensors[x as usize];
				if (tx.dtype, tx.scale, tx.zero_point) != (ty.dtype, ty.scale, ty.zero_point) {
					return Err(bad(
						"MaxPool's QuantizeLinear must keep the input's scale and zero point",
					));
				}
				let y = self.define(ty)?;
				self.ops.push(Op::MaxPool(MaxPool { x, y, window }));
				Ok(y)
			},
			PendingKind::Add { a, b, out } => {
				let ty = make(out);
				let table =
					add_table(&self.tensors[a as usize], &self.tensors[b as usize], &ty, p.relu);
				let y = self.define(ty)?;
				self.ops.push(Op::Add(Add { a, b, y, table }));
				Ok(y)
			},
			PendingKind::Reshape { x, out } => {
				let ty = make(out);
				let tx = &self.tensors[x as usize];
				if (tx.dtype, tx.scale, tx.zero_point) != (ty.dtype, ty.scale, ty.zero_point) {
					return Err(bad(
						"the reshape's QuantizeLinear must keep the input's scale and zero point",
					));
				}
				let y = self.define(ty)?;
				self.ops.push(Op::Reshape { x, y });
				Ok(y)
			},
		}
	}

	fn dequantize(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let scales = self.scalar_f32(node, 1)?;
		let (zps, _) = self.zero_points(node)?;
		let value = match self.get(node, 0)?.clone() {
			Value::Q(t) => {
				let tt = &self.tensors[t as usize];
				if scales.len() != 1
					|| scales[0].to_bits() != tt.scale
					|| zps.first() != Some(&tt.zero_point)
				{
					return Err(unsupported(
						node,
						"DequantizeLinear must use its QuantizeLinear's scale and zero point",
					));
				}
				Value::Dq(t)
			},
			Value::Const(c) => {
				let values = int_values(&c)
					.ok_or_else(|| unsupported(node, "constant must be int8, uint8 or int32"))?;
				if c.data_type == dtype::UINT8 {
					return Err(unsupported(
						node,
						"weights must be int8 (uint8 weights are not supported)",
					));
				}
				Value::QConst(QConst {
					dims: c.dims.clone(),
					values: values.iter().map(|&v| v as i32).collect(),
					scales,
					zero_points: zps,
					axis: attr_int(node, "axis", 1),
				})
			},
			_ => {
				return Err(unsupported(
					node,
					"DequantizeLinear must read a QuantizeLinear result or a constant",
				))
			},
		};
		self.set(node, value)
	}

	fn dq_input(&self, node: &NodeProto, i: usize) -> Result<u16, CompileError> {
		match self.get(node, i)? {
			Value::Dq(t) => Ok(*t),
			_ => Err(unsupported(
				node,
				format!("input {i} must be a dequantized activation (QDQ form)"),
			)),
		}
	}

	fn qconst(&self, node: &NodeProto, i: usize) -> Result<Option<QConst>, CompileError> {
		if node.input.get(i).is_none_or(|n| n.is_empty()) {
			return Ok(None);
		}
		match self.get(node, i)? {
			Value::QConst(q) => Ok(Some(q.clone())),
			_ => Err(unsupported(
				node,
				format!(
					"input {i} must be a quantized constant (DequantizeLinear of an initializer)"
				),
			)),
		}
	}

	fn conv(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let x = self.dq_input(node, 0)?;
		let weight = self.qconst(node, 1)?.ok_or_else(|| unsupported(node, "no weights"))?;
		let bias = self.qconst(node, 2)?;
		let Some([ci, h, w]) =
			self.tensors[x as usize].chw().filter(|_| self.tensors[x as usize].shape.len() == 3)
		else {
			return Err(unsupported(node, "only 2-D convolutions of [C, H, W] inputs"));
		};
		if attr(node, "auto_pad").is_some_and(|a| !a.s.is_empty() && a.s != b"NOTSET") {
			return Err(unsupported(node, "auto_pad (give explicit pads)"));
		}
		let [co, cig, kh, kw] = weight.dims[..] else {
			return Err(unsupported(node, "weights must be [C_out, C_in/group, kh, kw]"));
		};
		let group = attr_int(node, "group", 1);
		let to_u32 = |v: &[i64], n: usize| -> Option<Vec<u32>> {
			(v.len() == n && v.iter().all(|&x| (0..=u32::MAX as i64).contains(&x)))
				.then(|| v.iter().map(|&x| x as u32).collect())
		};
		let ks = to_u32(&attr_ints(node, "kernel_shape", &[kh, kw]), 2);
		let st = to_u32(&attr_ints(node, "strides", &[1, 1]), 2);
		let di = to_u32(&attr_ints(node, "dilations", &[1, 1]), 2);
		let pa = to_u32(&attr_ints(node, "pads", &[0, 0, 0, 0]), 4);
		let (Some(ks), Some(st), Some(di), Some(pa)) = (ks, st, di, pa) else {
			return Err(unsupported(node, "kernel_shape, strides, dilations and pads must be 2-D"));
		};
		if ks != [kh as u32, kw as u32] || group < 1 || cig * group != ci as i64 || co % group != 0
		{
			return Err(unsupported(
				node,
				"weights do not match the input channels, group or kernel_shape",
			));
		}
		if weight.scales.len() > 1 && weight.axis != 0 {
			return Err(unsupported(node, "per-channel weight scales must be on axis 0"));
		}
		let window = Window {
			kernel: [ks[0], ks[1]],
			stride: [st[0], st[1]],
			dilation: [di[0], di[1]],
			pads: [pa[0], pa[1], pa[2], pa[3]],
		};
		let [oh, ow] = window
			.output(h, w)
			.ok_or_else(|| unsupported(node, "the kernel does not fit the padded input"))?;
		let out = vec![co as u32, oh, ow];
		self.pending(node, PendingKind::Conv { x, weight, bias, group: group as u32, window, out })
	}

	fn dense(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let x = self.dq_input(node, 0)?;
		let mut weight = self
			.qconst(node, 1)?
			.ok_or_else(|| unsupported(node, "weights must be a quantized constant"))?;
		let gemm = node.op_type == "Gemm";
		let bias = if gemm { self.qconst(node, 2)? } else { None };
		let tx = &self.tensors[x as usize];
		if tx.shape.len() != 1 {
			return Err(unsupported(node, "the input must be [batch, K] (Flatten first)"));
		}
		let k = tx.shape[0] as i64;
		if gemm {
			let one = |n: &str| attr(node, n).is_none_or(|a| a.f == 1.0);
			if !one("alpha") || !one("beta") || attr_int(node, "transA", 0) != 0 {
				return Err(unsupported(node, "alpha, beta must be 1 and transA 0"));
			}
		}
		let trans_b = gemm && attr_int(node, "transB", 0) == 1;
		let [d0, d1] = weight.dims[..] else {
			return Err(unsupported(node, "weights must be 2-D"));
		};
		let (kk, n) = if trans_b { (d1, d0) } else { (d0, d1) };
		if kk != k || elements(&weight.dims) != weight.values.len() as i64 {
			return Err(unsupported(
				node,
				format!("weights are {:?}; the input has K = {k}", weight.dims),
			));
		}
		// Per-channel scales are along the output axis: 0 for B[N, K], 1 for B[K, N].
		if weight.scales.len() > 1 && weight.axis != if trans_b { 0 } else { 1 } {
			return Err(unsupported(
				node,
				"per-channel weight scales must be along the output axis",
			));
		}
		if !trans_b {
			let (k, n) = (kk as usize, n as usize);
			let mut t = vec![0; k * n];
			for i in 0..k {
				for j in 0..n {
					t[j * k + i] = weight.values[i * n + j];
				}
			}
			weight.values = t;
		}
		let out = vec![n as u32];
		self.pending(
			node,
			PendingKind::Conv { x, weight, bias, group: 1, window: Window::dense(), out },
		)
	}

	fn max_pool(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let x = self.dq_input(node, 0)?;
		let Some([c, h, w]) =
			self.tensors[x as usize].chw().filter(|_| self.tensors[x as usize].shape.len() == 3)
		else {
			return Err(unsupported(node, "only 2-D pooling of [C, H, W] inputs"));
		};
		if node.output.len() > 1
			|| attr_int(node, "ceil_mode", 0) != 0
			|| attr_int(node, "storage_order", 0) != 0
		{
			return Err(unsupported(
				node,
				"Indices output, ceil_mode and storage_order are not supported",
			));
		}
		if attr(node, "auto_pad").is_some_and(|a| !a.s.is_empty() && a.s != b"NOTSET")
			|| attr_ints(node, "dilations", &[1, 1]) != [1, 1]
		{
			return Err(unsupported(node, "auto_pad and dilations are not supported"));
		}
		let ks = attr_ints(node, "kernel_shape", &[]);
		let st = attr_ints(node, "strides", &[1, 1]);
		let pa = attr_ints(node, "pads", &[0, 0, 0, 0]);
		let ok = |v: &[i64], n| v.len() == n && v.iter().all(|&x| (0..=64).contains(&x));
		if !ok(&ks, 2) || !ok(&st, 2) || !ok(&pa, 4) {
			return Err(unsupported(
				node,
				"kernel_shape, strides and pads must be 2-D and at most 64",
			));
		}
		let window = Window {
			kernel: [ks[0] as u32, ks[1] as u32],
			stride: [st[0] as u32, st[1] as u32],
			dilation: [1, 1],
			pads: [pa[0] as u32, pa[1] as u32, pa[2] as u32, pa[3] as u32],
		};
		let [oh, ow] = window
			.output(h, w)
			.ok_or_else(|| unsupported(node, "the window does not fit the input"))?;
		self.pending(node, PendingKind::MaxPool { x, window, out: vec![c, oh, ow] })
	}

	fn reshape(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let (shape, float) = match self.get(node, 0)? {
			Value::Float(s) => (s.clone(), true),
			Value::Dq(t) => (self.tensors[*t as usize].shape.clone(), false),
			_ => {
				return Err(unsupported(
					node,
					"input must be the float input or a dequantized activation",
				))
			},
		};
		let total: u64 = shape.iter().map(|&d| d as u64).product();
		let out: Vec<u32> = if node.op_type == "Flatten" {
			if attr_int(node, "axis", 1) != 1 {
				return Err(unsupported(node, "only axis 1 (keep the batch)"));
			}
			vec![total as u32]
		} else {
			let Value::Const(t) = self.get(node, 1)? else {
				return Err(unsupported(node, "the target shape must be a constant"));
			};
			let dims =
				int_values(t).ok_or_else(|| unsupported(node, "the target shape must be int64"))?;
			if attr_int(node, "allowzero", 0) != 0
				|| dims.is_empty()
				|| !(dims[0] == -1 || dims[0] == 0)
			{
				return Err(unsupported(
					node,
					"the target shape must keep the batch dimension first (0 or -1)",
				));
			}
			let rest = &dims[1..];
			let known: i64 = rest.iter().filter(|&&d| d > 0).product();
			let mut out = Vec::new();
			for (i, &d) in rest.iter().enumerate() {
				match d {
					-1 if known > 0 && total as i64 % known == 0 => {
						out.push((total as i64 / known) as u32)
					},
					0 if i < shape.len() - 1 => out.push(shape[i + 1]),
					d if d > 0 => out.push(d as u32),
					_ => return Err(unsupported(node, format!("target shape {dims:?}"))),
				}
			}
			out
		};
		if out.iter().map(|&d| d as u64).product::<u64>() != total || out.is_empty() {
			return Err(unsupported(node, "the target shape changes the element count"));
		}
		if float {
			return self.set(node, Value::Float(out));
		}
		let Value::Dq(x) = self.get(node, 0)?.clone() else { unreachable!() };
		self.pending(node, PendingKind::Reshape { x, out })
	}

	fn pending(&mut self, node: &NodeProto, kind: PendingKind) -> Result<(), CompileError> {
		let p = Pending { node: node.name.clone(), op: node.op_type.clone(), kind, relu: false };
		self.set(node, Value::Pending(p))
	}
}
