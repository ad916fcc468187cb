//! The lowering of the ops of sequence models: `Softmax`, `Gather` (a token embedding) and
//! `LayerNormalization`, with the exponential table that defines quantized Softmax.

use crate::{
	lower::{unsupported, Lowering, Value},
	onnx::{attr, attr_int, float_values, NodeProto},
	pending::{Pending, PendingKind},
	CompileError,
};
use aipin_kernels::inference::program::{
	DType, Op, Tensor, MAX_LAYERNORM_ROW, MAX_SOFTMAX_ROW, MAX_VOCABULARY,
};

impl Lowering<'_> {
	/// `Softmax` of a dequantized activation along one axis after the batch axis. Opsets before
	/// 13 take the axes from `axis` on as one (the input coerced to 2-D); the program flattens
	/// them with a Reshape, runs the softmax along the flattened axis and reshapes back.
	pub(crate) fn softmax(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let x = self.dq_input(node, 0)?;
		let shape = self.tensors[x as usize].shape.clone();
		let rank = shape.len() as i64 + 1;
		let old = self.opset() < 13;
		let axis = attr_int(node, "axis", if old { 1 } else { -1 });
		let axis = if axis < 0 { axis + rank } else { axis };
		if !(1..rank).contains(&axis) {
			return Err(unsupported(
				node,
				format!("axis {axis}: rows must run along an axis after the batch axis"),
			));
		}
		let axis = (axis - 1) as usize;
		let (x, out) = if old && axis + 1 < shape.len() {
			let flat: Vec<u32> = shape[..axis]
				.iter()
				.copied()
				.chain([shape[axis..].iter().product::<u32>()])
				.collect();
			let tx = self.tensors[x as usize].clone();
			let y = self.define(Tensor { shape: flat.clone(), ..tx })?;
			self.ops.push(Op::Reshape { x, y });
			(y, flat)
		} else {
			(x, shape.clone())
		};
		if out[axis] > MAX_SOFTMAX_ROW {
			return Err(unsupported(
				node,
				format!("rows of {} values (at most {MAX_SOFTMAX_ROW})", out[axis]),
			));
		}
		let p = Pending {
			node: node.name.clone(),
			op: node.op_type.clone(),
			kind: PendingKind::Softmax { x, axis: axis as u8, out: out.clone() },
			relu: false,
			reshape: (out != shape).then_some(shape),
			transpose: None,
		};
		self.set(node, Value::Pending(p))
	}

	/// `Gather(DQ(table), ids) → Q`: a token embedding. The table is a quantized constant of
	/// `[vocabulary, width]`, at most 256 rows; the indices are the model's integer input,
	/// which becomes the program's input tensor (`U8`, one byte per id).
	pub(crate) fn gather(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		if attr_int(node, "axis", 0) != 0 {
			return Err(unsupported(node, "only axis 0: rows of the table by token id"));
		}
		let (shape, defined) = match self.get(node, 1)? {
			Value::Ids(shape, t) => (shape.clone(), *t),
			_ => return Err(unsupported(node, "the indices must be the model's token-id input")),
		};
		let table =
			match self.get(node, 0)? {
				Value::QConst(q) => q.clone(),
				_ => return Err(unsupported(
					node,
					"the table must be a quantized constant (DequantizeLinear of an initializer)",
				)),
			};
		let [rows, width] = table.dims[..] else {
			return Err(unsupported(node, "the table must be 2-D: [vocabulary, width]"));
		};
		if !(1..=MAX_VOCABULARY as i64).contains(&rows) {
			return Err(unsupported(
				node,
				format!("a vocabulary of {rows} tokens; token ids are one byte, so at most 256"),
			));
		}
		if table.scales.len() != 1 || table.zero_points.len() != 1 {
			return Err(unsupported(node, "the table must be quantized per tensor"));
		}
		let x = match defined {
			Some(t) => t,
			None => {
				// The program's input: ids as bytes (scale 1, zero point 0: they are not values).
				let t = Tensor {
					shape: shape.clone(),
					dtype: DType::U8,
					scale: 1f32.to_bits(),
					zero_point: 0,
				};
				let t = self.define(t)?;
				if t != 0 {
					return Err(unsupported(
						node,
						"the token ids must be read before anything else",
					));
				}
				self.values.insert(node.input[1].clone(), Value::Ids(shape.clone(), Some(t)));
				t
			},
		};
		let mut out = shape;
		out.push(width as u32);
		self.pending(node, PendingKind::Gather { x, table, rows: rows as u16, out })
	}

	/// `DQ(x), γ, β → LayerNormalization → Q`, γ and β constants (dequantized weights, as
	/// `quantize_static` leaves them, or float). Only the normalized output may be used.
	pub(crate) fn layer_norm(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let x = self.dq_input(node, 0)?;
		let shape = self.tensors[x as usize].shape.clone();
		let rank = shape.len() as i64 + 1;
		let axis = attr_int(node, "axis", -1);
		let axis = if axis < 0 { axis + rank } else { axis };
		if !(1..rank).contains(&axis) {
			return Err(unsupported(
				node,
				format!("axis {axis}: rows must start at an axis after the batch axis"),
			));
		}
		let axis = (axis - 1) as usize;
		let row: u64 = shape[axis..].iter().map(|&d| d as u64).product();
		if row > MAX_LAYERNORM_ROW as u64 {
			return Err(unsupported(
				node,
				format!("rows of {row} values (at most {MAX_LAYERNORM_ROW})"),
			));
		}
		if node.output.iter().skip(1).any(|o| !o.is_empty()) {
			return Err(unsupported(node, "only the normalized output (not Mean or InvStdDev)"));
		}
		let epsilon = attr(node, "epsilon").map(|a| a.f).unwrap_or(1e-5);
		if !(epsilon.is_finite() && epsilon >= 0.0) {
			return Err(unsupported(node, "epsilon must be a finite non-negative number"));
		}
		let gamma = self.float_constant(node, 1, row as usize, "scale")?;
		let beta = match node.input.get(2).filter(|n| !n.is_empty()) {
			Some(_) => self.float_constant(node, 2, row as usize, "bias")?,
			None => vec![0.0; row as usize],
		};
		let kind = PendingKind::LayerNorm { x, axis: axis as u8, epsilon, gamma, beta, out: shape };
		self.pending(node, kind)
	}

	/// Input `i` of `node` as `n` float values, as onnxruntime sees them: a float constant, or a
	/// DequantizeLinear of a constant (`f32(scale · f32(q − zp))`, per tensor or per slice
	/// along its axis). A single value is repeated.
	fn float_constant(
		&self,
		node: &NodeProto,
		i: usize,
		n: usize,
		what: &str,
	) -> Result<Vec<f32>, CompileError> {
		let values = match self.get(node, i)? {
			Value::Const(t) => float_values(t),
			Value::QConst(q) => match q.dequantized() {
				Some(values) => Some(values),
				None => {
					return Err(unsupported(
						node,
						format!("`{what}`: its scales or zero points do not match its shape"),
					))
				},
			},
			_ => None,
		};
		let Some(values) = values else {
			return Err(unsupported(node, format!("`{what}` must be a constant")));
		};
		let values = match values.len() {
			1 => vec![values[0]; n],
			len if len == n => values,
			len => {
				return Err(unsupported(node, format!("`{what}` has {len} values; a row has {n}")))
			},
		};
		if !values.iter().all(|v| v.is_finite()) {
			return Err(unsupported(node, format!("`{what}` must be finite numbers")));
		}
		Ok(values)
	}
}

/// onnxruntime's `QLinearSoftmax` table for input scale `s_x` and rows of `length` values,
/// indexed as [`Softmax::exp`](aipin_kernels::inference::program::Softmax) is: entry `i` is
/// `f32(exp((i − 255 + shift) · s_x))` in double arithmetic, with
/// `shift = max(0, logf(f32(FLT_MAX / length)) − 5) / s_x`, which keeps a row's sum finite. The
/// logarithm is binary32's (`logf`: C++ picks `log(float)` for a float argument); with double's,
/// `models/softmax_rule.py` finds hundreds of outputs that differ (docs/inference.md, Softmax).
pub(crate) fn softmax_exponentials(s_x: f32, length: u32) -> Vec<u32> {
	let headroom = (f32::MAX / length as f32).ln() as f64;
	let shift = (headroom - 5.0).max(0.0) / s_x as f64;
	(0..256).map(|i| (((i as f64 - 255.0 + shift) * s_x as f64).exp() as f32).to_bits()).collect()
}
