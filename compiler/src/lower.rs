//! The graph walk: values as the lowering sees them (constants, dequantized tensors, float
//! results waiting for their QuantizeLinear), and the bookkeeping that turns QDQ pairs into
//! program tensors. Reading each op is in [`crate::ops`]; what a float result becomes at its
//! QuantizeLinear is in [`crate::pending`].

use crate::{
	onnx::{attr, attr_int, dtype, float_values, int_values, ModelProto, NodeProto, TensorProto},
	pending::{Pending, PendingKind},
	CompileError,
};
use aipin_kernels::inference::program::{DType, Op, Program, Tensor, VERSION};
use std::collections::HashMap;

/// A constant weight or bias after its DequantizeLinear.
#[derive(Clone, Debug)]
pub(crate) struct QConst {
	pub(crate) dims: Vec<i64>,
	pub(crate) values: Vec<i32>,
	pub(crate) scales: Vec<f32>,
	pub(crate) zero_points: Vec<i32>,
	pub(crate) axis: i64,
	/// The ONNX element type the initializer stores (`dtype::UINT8`, `INT8` or `INT32`).
	pub(crate) elem_type: i32,
}

impl QConst {
	/// Every value as onnxruntime's DequantizeLinear gives it, `f32(scale · f32(q − zp))`, each
	/// element with the scale and zero point of its slice along `axis` when there are several;
	/// `None` when their counts do not match the shape.
	pub(crate) fn dequantized(&self) -> Option<Vec<f32>> {
		let rank = self.dims.len() as i64;
		let axis = if self.axis < 0 { self.axis + rank } else { self.axis };
		// Which of `len` parameters element `k` uses.
		let index = |len: usize, k: usize| -> Option<usize> {
			if len == 1 {
				return Some(0);
			}
			let a = usize::try_from(axis).ok().filter(|&a| a < self.dims.len())?;
			let inner = self.dims[a + 1..].iter().product::<i64>().max(1) as usize;
			Some(k / inner % self.dims[a].max(1) as usize)
		};
		self.values
			.iter()
			.enumerate()
			.map(|(k, &v)| {
				let scale = *self.scales.get(index(self.scales.len(), k)?)?;
				let zp = *self.zero_points.get(index(self.zero_points.len(), k)?)?;
				Some(scale * (v - zp) as f32)
			})
			.collect()
	}

	/// A single 8-bit value (a scalar operand of Add or Mul) as the tensor quantization and the
	/// byte it is stored as; `None` for anything else.
	pub(crate) fn scalar(&self) -> Option<(Tensor, u8)> {
		let ([v], [scale], [zp]) = (&self.values[..], &self.scales[..], &self.zero_points[..])
		else {
			return None;
		};
		let (dtype, v, zp) = match self.elem_type {
			// Undo the −128 shift `dequantize` stores uint8 weights with.
			dtype::UINT8 => (DType::U8, v + 128, zp + 128),
			dtype::INT8 => (DType::I8, *v, *zp),
			_ => return None,
		};
		let tensor = Tensor { shape: vec![1], dtype, scale: scale.to_bits(), zero_point: zp };
		(scale.is_finite() && *scale > 0.0).then(|| (tensor, dtype.to_byte(v)))
	}
}

/// What a graph value is, while lowering.
#[derive(Clone, Debug)]
pub(crate) enum Value {
	/// The float graph input, or a reshape of it, before its QuantizeLinear.
	Float(Vec<u32>),
	/// A quantized (uint8 or int8) graph input, before the DequantizeLinear that gives its
	/// scale and zero point.
	QInput(Vec<u32>, DType),
	/// An integer graph input of token ids (int64 or int32), read by a Gather; the program
	/// tensor that holds them once the first Gather has defined it.
	Ids(Vec<u32>, Option<u16>),
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

pub(crate) struct Lowering<'a> {
	pub(crate) model: &'a ModelProto,
	pub(crate) values: HashMap<String, Value>,
	pub(crate) tensors: Vec<Tensor>,
	pub(crate) ops: Vec<Op>,
	/// Transposes already defined, by input tensor and permutation: the q, k and v projections
	/// of one sequence share one.
	pub(crate) transposed: HashMap<(u16, Vec<u8>), u16>,
}

/// An error naming `node` (by its output when it has no name) and its op.
pub(crate) fn unsupported(node: &NodeProto, why: impl Into<String>) -> CompileError {
	let name = match (&node.name[..], node.output.first()) {
		("", Some(out)) => format!("-> {out}"),
		(name, _) => name.to_string(),
	};
	CompileError::Unsupported { node: name, op: node.op_type.clone(), why: why.into() }
}

impl<'a> Lowering<'a> {
	pub(crate) fn new(model: &'a ModelProto) -> Result<Self, CompileError> {
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
		let elem = tt.map(|t| t.elem_type);
		let quantized = match elem {
			Some(dtype::FLOAT | dtype::INT64 | dtype::INT32) => None,
			Some(dtype::UINT8) => Some(DType::U8),
			Some(dtype::INT8) => Some(DType::I8),
			_ => {
				return Err(CompileError::Model(format!(
					"input `{}` must be a float, uint8 or int8 tensor, or int64 or int32 token ids",
					input.name
				)))
			},
		};
		let tt = tt.expect("typed above");
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
		let value = match (quantized, elem) {
			(Some(dt), _) => Value::QInput(shape, dt),
			(None, Some(dtype::INT64 | dtype::INT32)) => Value::Ids(shape, None),
			(None, _) => Value::Float(shape),
		};
		values.insert(input.name.clone(), value);
		Ok(Self { model, values, tensors: Vec::new(), ops: Vec::new(), transposed: HashMap::new() })
	}

	/// The model's opset of the standard ONNX domain (checked in [`Self::new`]).
	pub(crate) fn opset(&self) -> i64 {
		let standard =
			|o: &&crate::onnx::OperatorSetIdProto| o.domain.is_empty() || o.domain == "ai.onnx";
		self.model.opset_import.iter().find(standard).map_or(21, |o| o.version)
	}

	pub(crate) fn get(&self, node: &NodeProto, i: usize) -> Result<&Value, CompileError> {
		let name = node
			.input
			.get(i)
			.filter(|n| !n.is_empty())
			.ok_or_else(|| unsupported(node, format!("input {i} missing")))?;
		self.values
			.get(name)
			.ok_or_else(|| unsupported(node, format!("input `{name}` is not defined before it")))
	}

	pub(crate) fn scalar_f32(&self, node: &NodeProto, i: usize) -> Result<Vec<f32>, CompileError> {
		match self.get(node, i)? {
			Value::Const(t) => {
				float_values(t).ok_or_else(|| unsupported(node, "scale must be a float constant"))
			},
			_ => Err(unsupported(node, "scale must be a constant")),
		}
	}

	/// `(zero points, dtype)` of a Q/DQ node's third input (uint8 0 when absent).
	pub(crate) fn zero_points(&self, node: &NodeProto) -> Result<(Vec<i32>, DType), CompileError> {
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

	pub(crate) fn define(&mut self, t: Tensor) -> Result<u16, CompileError> {
		if self.tensors.len() >= aipin_kernels::inference::program::MAX_TENSORS {
			return Err(CompileError::Model("too many tensors".into()));
		}
		self.tensors.push(t);
		Ok((self.tensors.len() - 1) as u16)
	}

	pub(crate) fn set(&mut self, node: &NodeProto, v: Value) -> Result<(), CompileError> {
		let out = node.output.first().ok_or_else(|| unsupported(node, "no output"))?;
		self.values.insert(out.clone(), v);
		Ok(())
	}

	pub(crate) fn run(mut self) -> Result<Program, CompileError> {
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

	pub(crate) fn node(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		match node.op_type.as_str() {
			"QuantizeLinear" => self.quantize(node),
			"DequantizeLinear" => self.dequantize(node),
			"Conv" => self.conv(node),
			"MatMul" if matches!(self.get(node, 1)?, Value::Dq(_)) => self.mat_mul(node),
			"Gemm" | "MatMul" => self.dense(node),
			"QLinearConv" => self.qlinear(node, "Conv"),
			"QLinearMatMul" => self.qlinear(node, "MatMul"),
			"MaxPool" => self.max_pool(node),
			"GlobalAveragePool" => self.global_average_pool(node),
			"AveragePool" => self.average_pool(node),
			"Concat" => self.concat(node),
			"Transpose" => self.transpose(node),
			"Softmax" => self.softmax(node),
			"Gather" => self.gather(node),
			"LayerNormalization" => self.layer_norm(node),
			"Add" | "Mul"
				if matches!(self.get(node, 0)?, Value::Const(_))
					|| matches!(self.get(node, 1)?, Value::Const(_)) =>
			{
				self.unary(node)
			},
			"Sub" | "Div" => self.unary(node),
			"Add" | "Mul" => {
				let mul = node.op_type == "Mul";
				let scalar = match (self.get(node, 0)?, self.get(node, 1)?) {
					(Value::Dq(x), Value::QConst(c)) => Some((*x, c.scalar(), true)),
					(Value::QConst(c), Value::Dq(x)) => Some((*x, c.scalar(), false)),
					_ => None,
				};
				if let Some((x, c, x_first)) = scalar {
					let Some(c) = c else {
						return Err(unsupported(
							node,
							"a constant operand must be one uint8 or int8 value (a per-element constant is not supported)",
						));
					};
					let out = self.tensors[x as usize].shape.clone();
					return self.pending(node, PendingKind::Scalar { x, c, mul, x_first, out });
				}
				let (a, b) = (self.dq_input(node, 0)?, self.dq_input(node, 1)?);
				let (a, b, out) = self.broadcast(node, a, b)?;
				self.pending(node, PendingKind::Binary { a, b, mul, out })
			},
			"Flatten" | "Reshape" => self.reshape(node),
			"Relu" => match self.get(node, 0)?.clone() {
				Value::Pending(mut p)
					if matches!(
						p.kind,
						PendingKind::Conv { .. }
							| PendingKind::MatMul { .. }
							| PendingKind::Binary { mul: false, .. }
							| PendingKind::Scalar { mul: false, .. }
					) =>
				{
					p.relu = true;
					self.set(node, Value::Pending(p))
				},
				Value::Dq(_) => self.unary(node),
				_ => Err(unsupported(
					node,
					"Relu must follow Conv/Gemm/MatMul/Add (folded into its clamp) or a dequantized activation",
				)),
			},
			"Sigmoid" | "Tanh" | "LeakyRelu" | "HardSigmoid" | "HardSwish" | "Clip" | "Gelu" => {
				self.unary(node)
			},
			other => Err(unsupported(
				node,
				format!("op `{other}` is not in the supported set (docs/inference.md)"),
			)),
		}
	}

	/// The operands of an elementwise op brought to one shape: ONNX's multidirectional
	/// broadcasting, between per-sample shapes of one rank whose sizes agree or are 1 on each
	/// axis. An operand smaller than the result is repeated by an [`Op::Expand`], defined now.
	fn broadcast(
		&mut self,
		node: &NodeProto,
		a: u16,
		b: u16,
	) -> Result<(u16, u16, Vec<u32>), CompileError> {
		let (sa, sb) =
			(self.tensors[a as usize].shape.clone(), self.tensors[b as usize].shape.clone());
		if sa == sb {
			return Ok((a, b, sa));
		}
		let out: Option<Vec<u32>> = (sa.len() == sb.len())
			.then(|| {
				sa.iter()
					.zip(&sb)
					.map(|(&x, &y)| match (x, y) {
						_ if x == y || y == 1 => Some(x),
						(1, _) => Some(y),
						_ => None,
					})
					.collect()
			})
			.flatten();
		let Some(out) = out else {
			return Err(unsupported(
				node,
				format!("operand shapes {sa:?} and {sb:?} do not broadcast (same rank, each axis equal or 1)"),
			));
		};
		let mut expand = |t: u16| -> Result<u16, CompileError> {
			if self.tensors[t as usize].shape == out {
				return Ok(t);
			}
			let y =
				self.define(Tensor { shape: out.clone(), ..self.tensors[t as usize].clone() })?;
			self.ops.push(Op::Expand { x: t, y });
			Ok(y)
		};
		let (a, b) = (expand(a)?, expand(b)?);
		Ok((a, b, out))
	}

	pub(crate) fn quantize(&mut self, node: &NodeProto) -> Result<(), CompileError> {
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

	pub(crate) fn dequantize(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let scales = self.scalar_f32(node, 1)?;
		let (zps, _) = self.zero_points(node)?;
		let value = match self.get(node, 0)?.clone() {
			// A quantized graph input: its first DequantizeLinear defines the program input.
			Value::QInput(shape, dt) => {
				let ([scale], [zp]) = (&scales[..], &zps[..]) else {
					return Err(unsupported(node, "the input must be quantized per tensor"));
				};
				if !(scale.is_finite() && *scale > 0.0 && scale.is_normal()) {
					return Err(unsupported(node, "scale must be a positive normal number"));
				}
				let (lo, hi) = dt.range();
				if !(lo..=hi).contains(zp) {
					return Err(unsupported(node, "zero point outside the input's type"));
				}
				let tensor = Tensor { shape, dtype: dt, scale: scale.to_bits(), zero_point: *zp };
				let t = self.define(tensor)?;
				let input = node.input[0].clone();
				self.values.insert(input, Value::Q(t));
				Value::Dq(t)
			},
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
				// uint8 weights are stored as int8 shifted by −128, their zero points too: the
				// differences `w − zp`, all the arithmetic uses, stay the same.
				let shift = if c.data_type == dtype::UINT8 { 128 } else { 0 };
				Value::QConst(QConst {
					dims: c.dims.clone(),
					values: values.iter().map(|&v| v as i32 - shift).collect(),
					scales,
					zero_points: zps.iter().map(|&z| z - shift).collect(),
					axis: attr_int(node, "axis", 1),
					elem_type: c.data_type,
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

	pub(crate) fn dq_input(&self, node: &NodeProto, i: usize) -> Result<u16, CompileError> {
		match self.get(node, i)? {
			Value::Dq(t) => Ok(*t),
			_ => Err(unsupported(
				node,
				format!("input {i} must be a dequantized activation (QDQ form)"),
			)),
		}
	}

	pub(crate) fn qconst(
		&self,
		node: &NodeProto,
		i: usize,
	) -> Result<Option<QConst>, CompileError> {
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
}
