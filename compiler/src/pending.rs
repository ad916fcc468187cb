//! A float result waiting for its QuantizeLinear: what each supported op leaves behind when
//! it is read ([`PendingKind`]), and the program ops it becomes once the QuantizeLinear gives
//! its output quantization ([`Lowering::finish`]). onnxruntime fuses the same DequantizeLinear
//! → op → QuantizeLinear groups into its QLinear kernels, and each rule here is the one that
//! kernel computes (`docs/inference.md`).

use crate::{
	activations::Unary,
	lower::{Lowering, QConst, Value},
	onnx::NodeProto,
	ops::{add_table, mul_table},
	sequence::softmax_exponentials,
	CompileError,
};
use aipin_kernels::inference::program::{
	AvgPool, Binary, Concat, Conv, Gather, LayerNorm, Lookup, MatMul, MaxPool, Op, Softmax, Tensor,
	Window,
};

#[derive(Clone, Debug)]
pub(crate) struct Pending {
	pub(crate) node: String,
	pub(crate) op: String,
	pub(crate) kind: PendingKind,
	/// A folded Relu: the float result is at least 0.
	pub(crate) relu: bool,
	/// A Flatten or Reshape of the float result (an op `quantize_static` leaves in float, such
	/// as HardSwish, feeding a Flatten): it moves the values after they are quantized, which
	/// is the same thing, so the program quantizes first and reshapes after.
	pub(crate) reshape: Option<Vec<u32>>,
	/// A Transpose of the quantized result, before any `reshape`: a MatMul by constant weights
	/// of a `[.., T, K]` activation is a convolution of `[K, .., T]`, whose `[N, .., T]` result
	/// goes back to `[.., T, N]`.
	pub(crate) transpose: Option<Vec<u8>>,
}

impl Pending {
	/// The per-sample shape of the float result, after any `transpose` and `reshape`.
	pub(crate) fn shape(&self) -> Vec<u32> {
		if let Some(shape) = &self.reshape {
			return shape.clone();
		}
		let out = self.kind.out();
		match &self.transpose {
			Some(perm) => perm.iter().map(|&a| out[a as usize]).collect(),
			None => out.to_vec(),
		}
	}
}

impl PendingKind {
	/// The shape of the op's own result.
	fn out(&self) -> &[u32] {
		match self {
			PendingKind::Conv { out, .. }
			| PendingKind::MaxPool { out, .. }
			| PendingKind::GlobalAveragePool { out, .. }
			| PendingKind::AvgPool { out, .. }
			| PendingKind::Concat { out, .. }
			| PendingKind::Transpose { out, .. }
			| PendingKind::Reshape { out, .. }
			| PendingKind::Binary { out, .. }
			| PendingKind::Scalar { out, .. }
			| PendingKind::Lookup { out, .. }
			| PendingKind::Softmax { out, .. }
			| PendingKind::LayerNorm { out, .. }
			| PendingKind::Gather { out, .. }
			| PendingKind::MatMul { out, .. } => out,
		}
	}
}

#[derive(Clone, Debug)]
pub(crate) enum PendingKind {
	Conv {
		x: u16,
		weight: QConst,
		bias: Option<QConst>,
		group: u32,
		window: Window,
		out: Vec<u32>,
	},
	MaxPool {
		x: u16,
		window: Window,
		out: Vec<u32>,
	},
	GlobalAveragePool {
		x: u16,
		out: Vec<u32>,
	},
	AvgPool {
		x: u16,
		window: Window,
		count_pad: bool,
		out: Vec<u32>,
	},
	Concat {
		inputs: Vec<u16>,
		axis: u8,
		out: Vec<u32>,
	},
	Transpose {
		x: u16,
		perm: Vec<u8>,
		out: Vec<u32>,
	},
	Reshape {
		x: u16,
		out: Vec<u32>,
	},
	/// Add (`mul: false`) or Mul of two activations.
	Binary {
		a: u16,
		b: u16,
		mul: bool,
		out: Vec<u32>,
	},
	/// Add or Mul of an activation and one quantized constant: a Lookup, the row (or column)
	/// of the two-operand table that the constant's byte picks.
	Scalar {
		x: u16,
		c: (Tensor, u8),
		mul: bool,
		x_first: bool,
		out: Vec<u32>,
	},
	Lookup {
		x: u16,
		f: Unary,
		out: Vec<u32>,
	},
	Softmax {
		x: u16,
		axis: u8,
		out: Vec<u32>,
	},
	/// A layer normalization with its float constants (ONNX's ε, γ and β, one per row
	/// position).
	LayerNorm {
		x: u16,
		axis: u8,
		epsilon: f32,
		gamma: Vec<f32>,
		beta: Vec<f32>,
		out: Vec<u32>,
	},
	/// A Gather of a quantized table's rows by token id.
	Gather {
		x: u16,
		table: QConst,
		rows: u16,
		out: Vec<u32>,
	},
	/// A MatMul of two activations.
	MatMul {
		a: u16,
		b: u16,
		out: Vec<u32>,
	},
}

/// Whether `y` is quantized exactly as `x` (ops that move values without changing them).
fn same_quantization(x: &Tensor, y: &Tensor) -> bool {
	(x.dtype, x.scale, x.zero_point) == (y.dtype, y.scale, y.zero_point)
}

impl Lowering<'_> {
	pub(crate) fn pending(
		&mut self,
		node: &NodeProto,
		kind: PendingKind,
	) -> Result<(), CompileError> {
		let p = Pending {
			node: node.name.clone(),
			op: node.op_type.clone(),
			kind,
			relu: false,
			reshape: None,
			transpose: None,
		};
		self.set(node, Value::Pending(p))
	}

	/// Defines the tensor (or tensors, with a [`Pending::reshape`]) of a float result at its
	/// QuantizeLinear, whose quantization `make` gives a shape.
	pub(crate) fn finish(
		&mut self,
		mut p: Pending,
		make: impl Fn(Vec<u32>) -> Tensor,
	) -> Result<u16, CompileError> {
		let (reshape, transpose) = (p.reshape.take(), p.transpose.take());
		let mut x = self.finish_op(p, &make)?;
		if let Some(perm) = transpose {
			let from = &self.tensors[x as usize];
			let shape = perm.iter().map(|&a| from.shape[a as usize]).collect();
			let y = self.define(Tensor { shape, ..from.clone() })?;
			self.ops.push(Op::Transpose { x, y, perm });
			x = y;
		}
		let Some(shape) = reshape else { return Ok(x) };
		let y = self.define(make(shape))?;
		self.ops.push(Op::Reshape { x, y });
		Ok(y)
	}

	fn finish_op(
		&mut self,
		p: Pending,
		make: &impl Fn(Vec<u32>) -> Tensor,
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
				if !(weight.zero_points.len() == 1 || weight.zero_points.len() == co) {
					return Err(bad("weight zero points must be one or one per output channel"));
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
				let weight_zero_point = weight.zero_points.clone();
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
					weight_zero_point,
				}));
				Ok(y)
			},
			PendingKind::MaxPool { x, window, out } => {
				let ty = make(out);
				let tx = &self.tensors[x as usize];
				if !same_quantization(tx, &ty) {
					return Err(bad(
						"MaxPool's QuantizeLinear must keep the input's scale and zero point",
					));
				}
				let y = self.define(ty)?;
				self.ops.push(Op::MaxPool(MaxPool { x, y, window }));
				Ok(y)
			},
			PendingKind::GlobalAveragePool { x, out } => {
				let ty = make(out);
				self.global_average(x, ty, bad)
			},
			PendingKind::AvgPool { x, window, count_pad, out } => {
				let ty = make(out);
				let tx = self.tensors[x as usize].clone();
				let [_, h, w] = tx.chw().expect("checked when the node was read");
				// onnxruntime computes a window over the whole unpadded image as a global
				// average (its `fallback_to_global`), with integer sums.
				if window.kernel == [h, w] && window.pads == [0; 4] {
					return self.global_average(x, ty, bad);
				}
				if tx.dtype != ty.dtype {
					return Err(bad("input and output must have the same element type"));
				}
				// onnxruntime's dequantize_value, per input byte.
				let dequant =
					(0..=255u8).map(|b| crate::dequantize_linear(&tx, b).to_bits()).collect();
				let y = self.define(ty)?;
				self.ops.push(Op::AvgPool(AvgPool { x, y, window, count_pad, dequant }));
				Ok(y)
			},
			PendingKind::Concat { inputs, axis, out } => {
				let ty = make(out);
				// onnxruntime's QLinearConcat: each input through a table built as
				// QuantizeLinear(f32(s_x · f32(q − zp_x))) into the output's quantization
				// (a copy when the quantizations are equal, which the table then is).
				let tables = inputs
					.iter()
					.map(|&i| {
						let tx = &self.tensors[i as usize];
						(0..=255u8)
							.map(|b| crate::quantize_linear(&ty, crate::dequantize_linear(tx, b)))
							.collect()
					})
					.collect();
				if inputs.iter().any(|&i| self.tensors[i as usize].dtype != ty.dtype) {
					return Err(bad("inputs and output must have the same element type"));
				}
				let y = self.define(ty)?;
				self.ops.push(Op::Concat(Concat { inputs, y, axis, tables }));
				Ok(y)
			},
			PendingKind::Binary { a, b, mul, out } => {
				let ty = make(out);
				let (ta, tb) = (&self.tensors[a as usize], &self.tensors[b as usize]);
				let table =
					if mul { mul_table(ta, tb, &ty) } else { add_table(ta, tb, &ty, p.relu) };
				let y = self.define(ty)?;
				let op = Binary { a, b, y, table };
				self.ops.push(if mul { Op::Mul(op) } else { Op::Add(op) });
				Ok(y)
			},
			PendingKind::Scalar { x, c: (tc, byte), mul, x_first, out } => {
				let ty = make(out);
				let tx = &self.tensors[x as usize];
				let (a, b) = if x_first { (tx, &tc) } else { (&tc, tx) };
				let both = if mul { mul_table(a, b, &ty) } else { add_table(a, b, &ty, p.relu) };
				let at = |i: usize| {
					if x_first {
						i << 8 | byte as usize
					} else {
						(byte as usize) << 8 | i
					}
				};
				let table = (0..256).map(|i| both[at(i)]).collect();
				let y = self.define(ty)?;
				self.ops.push(Op::Lookup(Lookup { x, y, table }));
				Ok(y)
			},
			PendingKind::Lookup { x, f, out } => {
				let ty = make(out);
				let table = f.table(&self.tensors[x as usize], &ty);
				let y = self.define(ty)?;
				self.ops.push(Op::Lookup(Lookup { x, y, table }));
				Ok(y)
			},
			PendingKind::Softmax { x, axis, out } => {
				let ty = make(out);
				let tx = &self.tensors[x as usize];
				// onnxruntime fuses DQ → Softmax → Q into QLinearSoftmax only for one element
				// type on both sides; otherwise it computes the softmax in float.
				if tx.dtype != ty.dtype {
					return Err(bad("input and output must have the same element type"));
				}
				let exp = softmax_exponentials(f32::from_bits(tx.scale), tx.shape[axis as usize]);
				// QLinearSoftmax's output factor: floor(1 / s_y), in binary32.
				let scale = (1.0f32 / f32::from_bits(ty.scale)).floor().to_bits();
				let y = self.define(ty)?;
				self.ops.push(Op::Softmax(Softmax { x, y, axis, exp, scale }));
				Ok(y)
			},
			PendingKind::Gather { x, table, rows, out } => {
				let ty = make(out);
				// onnxruntime's DequantizeLinear of each table entry, then the QuantizeLinear of
				// the Gather's output (the same bytes where it keeps the table's quantization).
				let table = table
					.dequantized()
					.ok_or_else(|| bad("the table must be quantized per tensor"))?
					.into_iter()
					.map(|v| crate::quantize_linear(&ty, v))
					.collect();
				let y = self.define(ty)?;
				self.ops.push(Op::Gather(Gather { x, y, rows, table }));
				Ok(y)
			},
			PendingKind::LayerNorm { x, axis, epsilon, gamma, beta, out } => {
				let ty = make(out);
				let s_x = f32::from_bits(self.tensors[x as usize].scale) as f64;
				let s_y = f32::from_bits(ty.scale) as f64;
				// AiPIN's rule (`aipin_kernels::inference::program::LayerNorm`): ε in the units
				// of `D_k = L · (q − zp_x) − Σ`, and γ, β in output units. Each constant is
				// computed in double and rounded once; IEEE arithmetic, so every compiler gets
				// the same bits.
				let row = gamma.len() as f64;
				let to_bits = |v: f64| {
					let v = v as f32;
					v.is_finite().then_some(v.to_bits())
				};
				let epsilon = to_bits(row * row * epsilon as f64 / (s_x * s_x))
					.ok_or_else(|| bad("epsilon overflows at this input scale"))?;
				let per = |v: &[f32]| -> Option<Vec<u32>> {
					v.iter().map(|&v| to_bits(v as f64 / s_y)).collect()
				};
				let (Some(gain), Some(offset)) = (per(&gamma), per(&beta)) else {
					return Err(bad("a scale or bias overflows at this output scale"));
				};
				let y = self.define(ty)?;
				self.ops.push(Op::LayerNorm(LayerNorm { x, y, axis, epsilon, gain, offset }));
				Ok(y)
			},
			PendingKind::MatMul { a, b, out } => {
				let ty = make(out);
				let (ta, tb) = (&self.tensors[a as usize], &self.tensors[b as usize]);
				// onnxruntime's QLinearMatMul: S = f32(s_a · s_b) / s_y, in that order.
				let s =
					f32::from_bits(ta.scale) * f32::from_bits(tb.scale) / f32::from_bits(ty.scale);
				if !aipin_kernels::inference::quant::valid_scale(s.to_bits()) {
					return Err(bad("the requantization scale is not a positive normal number"));
				}
				let (lo, hi) = ty.dtype.range();
				let lo = if p.relu { lo.max(ty.zero_point) } else { lo };
				let y = self.define(ty)?;
				let multiplier = s.to_bits();
				self.ops.push(Op::MatMul(MatMul { a, b, y, multiplier, clamp: [lo, hi] }));
				Ok(y)
			},
			PendingKind::Transpose { x, perm, out } => {
				let ty = make(out);
				let tx = &self.tensors[x as usize];
				if !same_quantization(tx, &ty) {
					return Err(bad(
						"the transpose's QuantizeLinear must keep the input's scale and zero point",
					));
				}
				let y = self.define(ty)?;
				self.ops.push(Op::Transpose { x, y, perm });
				Ok(y)
			},
			PendingKind::Reshape { x, out } => {
				let ty = make(out);
				let tx = &self.tensors[x as usize];
				if !same_quantization(tx, &ty) {
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
}
