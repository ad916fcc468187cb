//! The lowering of each supported op (Conv, Gemm/MatMul as 1×1 convolutions, MaxPool,
//! AveragePool, GlobalAveragePool as a depthwise convolution, Concat, Transpose,
//! Flatten/Reshape, the QOperator forms QLinearConv/QLinearMatMul) and the tables that define
//! quantized Add and Mul. Elementwise functions of one activation are in `activations`;
//! Softmax, Gather and LayerNormalization in `sequence`.

use crate::{
	lower::{unsupported, Lowering, QConst, Value},
	onnx::{attr, attr_int, attr_ints, dtype, elements, int_values, NodeProto},
	pending::{Pending, PendingKind},
	CompileError,
};
use aipin_kernels::inference::program::{
	Conv, DType, Op, Tensor, Window, BINARY_TABLE, MAX_CONCAT, MAX_MATMUL_DEPTH, MAX_WINDOW,
};

/// Whether onnxruntime runs `DQ(a), DQ(b) → Add|Mul → Q` as its fused `QLinearAdd` or
/// `QLinearMul` kernel: on x86-64 it does when both operands and the output are uint8. Any
/// other group it runs as written: DequantizeLinear of each operand, the float op,
/// QuantizeLinear (measured with onnxruntime 1.32; `models/fuzz_ort.py` checks every byte pair
/// of both kinds against it).
fn fused(a: &Tensor, b: &Tensor, y: &Tensor) -> bool {
	[a.dtype, b.dtype, y.dtype] == [DType::U8; 3]
}

/// A [`Binary`](aipin_kernels::inference::program::Binary) table, entry by entry.
fn binary_table(entry: impl Fn(u8, u8) -> u8) -> Vec<u8> {
	let mut table = vec![0u8; BINARY_TABLE];
	for (i, t) in table.iter_mut().enumerate() {
		*t = entry((i >> 8) as u8, i as u8);
	}
	table
}

/// The unfused group: `Q(op(DQ(a), DQ(b)))`, each step one binary32 operation.
fn unfused(a: &Tensor, b: &Tensor, y: &Tensor, op: impl Fn(f32, f32) -> f32) -> Vec<u8> {
	binary_table(|ba, bb| {
		let v = op(crate::dequantize_linear(a, ba), crate::dequantize_linear(b, bb));
		crate::quantize_linear(y, v)
	})
}

/// MLAS's vector conversion and packing: `nearbyint` (`CVTPS2DQ`, which gives `i32::MIN` out
/// of range), saturation to i16 (`PACKSSDW`), then to the output's range.
fn convert_and_pack(t: f32, lo: i32, hi: i32) -> i32 {
	let r = t.round_ties_even();
	let r = if !(-2147483648.0..2147483648.0).contains(&r) { i32::MIN } else { r as i32 };
	r.clamp(i16::MIN as i32, i16::MAX as i32).clamp(lo, hi)
}

/// The [`Op::Add`] table. Fused ([`fused`]): onnxruntime's `QLinearAdd` on x86-64 with AVX2
/// and FMA (its `MlasQLinearAddKernelAvx2Helper`), for all 65,536 operand pairs:
///
/// ```text
/// r_a = f32(s_a / s_y),  r_b = f32(s_b / s_y)
/// fixed = f32(zp_y) − f32(f32(r_a · zp_a) + f32(r_b · zp_b))
/// t = fma(a, r_a, fma(b, r_b, fixed))          (a, b: the raw stored values)
/// y = sat8(sat16(nearbyint(t)))                 (out of i32 range: i32::MIN, as CVTPS2DQ)
/// ```
///
/// Unfused: `Q(f32(DQ(a) + DQ(b)))`. With a folded Relu the low end is also clamped to `zp_y`
/// (unfused: the sum to 0, the same thing). IEEE-754 defines every step (`mul_add` is the
/// correctly rounded fused multiply-add), so these bytes are the same on any machine that
/// compiles the model; the kernel only looks them up.
pub(crate) fn add_table(a: &Tensor, b: &Tensor, y: &Tensor, relu: bool) -> Vec<u8> {
	if !fused(a, b, y) {
		return unfused(a, b, y, |u, v| if relu { (u + v).max(0.0) } else { u + v });
	}
	let sy = f32::from_bits(y.scale);
	let ra = f32::from_bits(a.scale) / sy;
	let rb = f32::from_bits(b.scale) / sy;
	let fixed = y.zero_point as f32 - (ra * a.zero_point as f32 + rb * b.zero_point as f32);
	let (lo, hi) = y.dtype.range();
	let lo = if relu { lo.max(y.zero_point) } else { lo };
	binary_table(|ba, bb| {
		let va = a.dtype.from_byte(ba) as f32;
		let vb = b.dtype.from_byte(bb) as f32;
		y.dtype.to_byte(convert_and_pack(va.mul_add(ra, vb.mul_add(rb, fixed)), lo, hi))
	})
}

/// The [`Op::Mul`] table. Fused ([`fused`]): onnxruntime's `QLinearMul` on x86-64 (MLAS's SSE2
/// kernel, `MlasQLinearMulKernel`), for all 65,536 operand pairs:
///
/// ```text
/// ratio = f32(f32(s_a · s_b) / s_y)
/// t = f32(f32((a − zp_a) · (b − zp_b)) · ratio) + f32(zp_y)    (the product is exact in i32)
/// y = sat8(sat16(nearbyint(t)))                                 (out of i32 range: i32::MIN)
/// ```
///
/// Multiplication then addition, not fused: MLAS writes them as separate SSE instructions.
/// Unfused: `Q(f32(DQ(a) · DQ(b)))`.
pub(crate) fn mul_table(a: &Tensor, b: &Tensor, y: &Tensor) -> Vec<u8> {
	if !fused(a, b, y) {
		return unfused(a, b, y, |u, v| u * v);
	}
	let ratio = f32::from_bits(a.scale) * f32::from_bits(b.scale) / f32::from_bits(y.scale);
	let (lo, hi) = y.dtype.range();
	binary_table(|ba, bb| {
		let va = a.dtype.from_byte(ba) - a.zero_point;
		let vb = b.dtype.from_byte(bb) - b.zero_point;
		let t = (va * vb) as f32 * ratio + y.zero_point as f32;
		y.dtype.to_byte(convert_and_pack(t, lo, hi))
	})
}

impl Lowering<'_> {
	pub(crate) fn conv(&mut self, node: &NodeProto) -> Result<(), CompileError> {
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

	pub(crate) fn dense(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let x = self.dq_input(node, 0)?;
		let mut weight = self
			.qconst(node, 1)?
			.ok_or_else(|| unsupported(node, "weights must be a quantized constant"))?;
		let gemm = node.op_type == "Gemm";
		let bias = if gemm { self.qconst(node, 2)? } else { None };
		let tx = self.tensors[x as usize].clone();
		let rank = tx.shape.len();
		if rank > 1 && gemm {
			return Err(unsupported(node, "Gemm's input must be [batch, K] (Flatten first)"));
		}
		let k = tx.shape[rank - 1] as i64;
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
		let dense =
			|x, out| PendingKind::Conv { x, weight, bias, group: 1, window: Window::dense(), out };
		if rank == 1 {
			return self.pending(node, dense(x, vec![n as u32]));
		}
		// A MatMul of `[.., T, K]` by constant weights: the same weights at every position, a
		// 1×1 convolution once K is the channel axis. Transpose `[.., T, K]` to `[K, .., T]`,
		// convolve to `[N, .., T]`, and transpose the quantized result back to `[.., T, N]`.
		let to_front: Vec<u8> = [rank as u8 - 1].into_iter().chain(0..rank as u8 - 1).collect();
		let shape: Vec<u32> = to_front.iter().map(|&a| tx.shape[a as usize]).collect();
		let xt = match self.transposed.get(&(x, to_front.clone())) {
			Some(&xt) => xt,
			None => {
				let xt = self.define(Tensor { shape: shape.clone(), ..tx.clone() })?;
				self.ops.push(Op::Transpose { x, y: xt, perm: to_front.clone() });
				self.transposed.insert((x, to_front), xt);
				xt
			},
		};
		let out: Vec<u32> = [n as u32].into_iter().chain(shape[1..].iter().copied()).collect();
		let back: Vec<u8> = (1..rank as u8).chain([0]).collect();
		let p = Pending {
			node: node.name.clone(),
			op: node.op_type.clone(),
			kind: dense(xt, out),
			relu: false,
			reshape: None,
			transpose: Some(back),
		};
		self.set(node, Value::Pending(p))
	}

	/// `MatMul` of two dequantized activations, `[.., M, K]` by `[.., K, N]` with the same
	/// leading axis (onnxruntime's `QLinearMatMul`; attention's `Q · Kᵀ` and `weights · V`).
	pub(crate) fn mat_mul(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let (a, b) = (self.dq_input(node, 0)?, self.dq_input(node, 1)?);
		let (sa, sb) = (&self.tensors[a as usize].shape, &self.tensors[b as usize].shape);
		let r = sa.len();
		if !(2..=3).contains(&r)
			|| sb.len() != r
			|| sa[..r - 2] != sb[..r - 2]
			|| sa[r - 1] != sb[r - 2]
		{
			return Err(unsupported(
				node,
				format!("operands {sa:?} and {sb:?}: [.., M, K] by [.., K, N] with one leading axis (no broadcasting)"),
			));
		}
		if sa[r - 1] > MAX_MATMUL_DEPTH {
			return Err(unsupported(
				node,
				format!("K = {} (at most {MAX_MATMUL_DEPTH})", sa[r - 1]),
			));
		}
		let out = sa[..r - 1].iter().copied().chain([sb[r - 1]]).collect();
		self.pending(node, PendingKind::MatMul { a, b, out })
	}

	/// A pooling node's input and its `[C, H, W]` (an image, not a vector).
	fn pooled_input(&self, node: &NodeProto) -> Result<(u16, [u32; 3]), CompileError> {
		let x = self.dq_input(node, 0)?;
		let t = &self.tensors[x as usize];
		match t.chw() {
			Some(chw) if t.shape.len() == 3 => Ok((x, chw)),
			_ => Err(unsupported(node, "only 2-D pooling of [C, H, W] inputs")),
		}
	}

	/// The input, its `[C, H, W]`, the window and the output size of a 2-D pooling node (floor
	/// mode, dilation 1, explicit pads), or an error naming what is not supported.
	fn pool_window(
		&self,
		node: &NodeProto,
	) -> Result<(u16, [u32; 3], Window, [u32; 2]), CompileError> {
		let (x, chw) = self.pooled_input(node)?;
		if attr_int(node, "ceil_mode", 0) != 0
			|| attr(node, "auto_pad").is_some_and(|a| !a.s.is_empty() && a.s != b"NOTSET")
			|| attr_ints(node, "dilations", &[1, 1]) != [1, 1]
		{
			return Err(unsupported(node, "ceil_mode, auto_pad and dilations are not supported"));
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
		let out = window
			.output(chw[1], chw[2])
			.ok_or_else(|| unsupported(node, "the window does not fit the input"))?;
		Ok((x, chw, window, out))
	}

	pub(crate) fn max_pool(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		if node.output.len() > 1 || attr_int(node, "storage_order", 0) != 0 {
			return Err(unsupported(node, "the Indices output and storage_order are unsupported"));
		}
		let (x, [c, ..], window, [oh, ow]) = self.pool_window(node)?;
		self.pending(node, PendingKind::MaxPool { x, window, out: vec![c, oh, ow] })
	}

	/// `AveragePool` of a dequantized `[C, H, W]` activation (2-D, floor mode, dilation 1).
	pub(crate) fn average_pool(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let (x, [c, ..], window, [oh, ow]) = self.pool_window(node)?;
		let count_pad = attr_int(node, "count_include_pad", 0) != 0;
		self.pending(node, PendingKind::AvgPool { x, window, count_pad, out: vec![c, oh, ow] })
	}

	/// `x`'s mean per channel into `ty`, as onnxruntime's `QLinearGlobalAveragePool` (MLAS)
	/// computes it: the window sum less `size · zp_x`, requantized with
	/// `f32(s_x / f32(s_y · f32(size)))`. That is a depthwise convolution with weights 1 over
	/// the whole image and this scale.
	pub(crate) fn global_average(
		&mut self,
		x: u16,
		ty: Tensor,
		bad: impl Fn(&str) -> CompileError,
	) -> Result<u16, CompileError> {
		let tx = &self.tensors[x as usize];
		let [c, h, w] = tx.chw().expect("checked when the node was read");
		let size = h * w;
		let s = f32::from_bits(tx.scale) / (f32::from_bits(ty.scale) * size as f32);
		if !aipin_kernels::inference::quant::valid_scale(s.to_bits()) {
			return Err(bad("the requantization scale is not a positive normal number"));
		}
		let (lo, hi) = ty.dtype.range();
		let y = self.define(ty)?;
		self.ops.push(Op::Conv(Conv {
			x,
			y,
			group: c,
			window: Window { kernel: [h, w], stride: [1, 1], dilation: [1, 1], pads: [0; 4] },
			weight: vec![1; (c * size) as usize],
			bias: vec![0; c as usize],
			multiplier: vec![s.to_bits()],
			clamp: [lo, hi],
			weight_zero_point: vec![0],
		}));
		Ok(y)
	}

	/// `GlobalAveragePool`: the mean of each channel, lowered to a depthwise convolution over the
	/// whole image (see `finish`).
	pub(crate) fn global_average_pool(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let (x, [c, h, w]) = self.pooled_input(node)?;
		if h > MAX_WINDOW || w > MAX_WINDOW {
			return Err(unsupported(
				node,
				format!("the image is {h} × {w}; a window spans at most {MAX_WINDOW} per side"),
			));
		}
		self.pending(node, PendingKind::GlobalAveragePool { x, out: vec![c, 1, 1] })
	}

	/// `Concat` of dequantized activations along a non-batch axis.
	pub(crate) fn concat(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		if node.input.is_empty() || node.input.len() > MAX_CONCAT {
			return Err(unsupported(node, format!("takes 1 to {MAX_CONCAT} inputs")));
		}
		let inputs: Vec<u16> =
			(0..node.input.len()).map(|i| self.dq_input(node, i)).collect::<Result<_, _>>()?;
		let first = self.tensors[inputs[0] as usize].shape.clone();
		let rank = first.len() as i64 + 1;
		let Some(axis) = attr(node, "axis").map(|a| a.i) else {
			return Err(unsupported(node, "the axis attribute is required"));
		};
		let axis = if axis < 0 { axis + rank } else { axis };
		if !(1..rank).contains(&axis) {
			return Err(unsupported(node, "only along a non-batch axis"));
		}
		let along = (axis - 1) as usize;
		let mut out = first.clone();
		out[along] = 0;
		for &i in &inputs {
			let shape = &self.tensors[i as usize].shape;
			let same = shape.len() == first.len()
				&& shape.iter().zip(&first).enumerate().all(|(d, (a, b))| d == along || a == b);
			if !same {
				return Err(unsupported(
					node,
					format!("input shapes {shape:?} and {first:?} differ off the axis"),
				));
			}
			out[along] = out[along].saturating_add(shape[along]);
		}
		self.pending(node, PendingKind::Concat { inputs, axis: along as u8, out })
	}

	/// `Transpose` of a dequantized activation that keeps the batch axis first.
	pub(crate) fn transpose(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let x = self.dq_input(node, 0)?;
		let shape = self.tensors[x as usize].shape.clone();
		let rank = shape.len() + 1;
		let perm = attr_ints(node, "perm", &(0..rank as i64).rev().collect::<Vec<_>>());
		let mut sorted = perm.clone();
		sorted.sort_unstable();
		if sorted != (0..rank as i64).collect::<Vec<_>>() {
			return Err(unsupported(node, format!("perm {perm:?} is not a permutation")));
		}
		if perm[0] != 0 {
			return Err(unsupported(node, "the batch axis must stay first"));
		}
		let perm: Vec<u8> = perm[1..].iter().map(|&p| (p - 1) as u8).collect();
		let out = perm.iter().map(|&p| shape[p as usize]).collect();
		self.pending(node, PendingKind::Transpose { x, perm, out })
	}

	pub(crate) fn reshape(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let (shape, float) = match self.get(node, 0)? {
			Value::Float(s) => (s.clone(), true),
			Value::Dq(t) => (self.tensors[*t as usize].shape.clone(), false),
			Value::Pending(p) => (p.shape(), false),
			_ => {
				return Err(unsupported(
					node,
					"input must be the float input, a dequantized activation or a float result",
				))
			},
		};
		let total = shape.iter().fold(1u64, |a, &d| a.saturating_mul(d as u64));
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
			// 0 copies the input's dimension at the same place (`rest[i]` is the full shape's
			// axis i + 1, the sample's axis i); one -1 takes what the others leave.
			let rest = &dims[1..];
			let mut out = Vec::with_capacity(rest.len());
			for (i, &d) in rest.iter().enumerate() {
				match d {
					-1 => out.push(None),
					0 if i < shape.len() => out.push(Some(shape[i])),
					d if d > 0 && d <= u32::MAX as i64 => out.push(Some(d as u32)),
					_ => return Err(unsupported(node, format!("target shape {dims:?}"))),
				}
			}
			let known = out.iter().flatten().fold(1u64, |a, &d| a.saturating_mul(d as u64));
			let inferred = match out.iter().filter(|d| d.is_none()).count() {
				0 => Some(1),
				1 if known > 0 && total % known == 0 => u32::try_from(total / known).ok(),
				_ => None,
			};
			let Some(inferred) = inferred else {
				return Err(unsupported(node, format!("target shape {dims:?}")));
			};
			out.iter().map(|d| d.unwrap_or(inferred)).collect()
		};
		let count = out.iter().fold(1u64, |a, &d| a.saturating_mul(d as u64));
		if count != total || out.is_empty() {
			return Err(unsupported(node, "the target shape changes the element count"));
		}
		if float {
			return self.set(node, Value::Float(out));
		}
		match self.get(node, 0)?.clone() {
			Value::Pending(mut p) => {
				p.reshape = Some(out);
				self.set(node, Value::Pending(p))
			},
			Value::Dq(x) => self.pending(node, PendingKind::Reshape { x, out }),
			_ => unreachable!("matched above"),
		}
	}

	/// `QLinearConv` / `QLinearMatMul` (the QOperator form): lowered as the QDQ pattern they
	/// stand for, `DQ(x), DQ(w) [, bias] → Conv|MatMul → Q`, so both forms compile to the same
	/// program. A `QLinearConv` bias is int32 in accumulator units, as a QDQ bias is.
	pub(crate) fn qlinear(&mut self, node: &NodeProto, core: &str) -> Result<(), CompileError> {
		let input = |i: usize| node.input.get(i).cloned().unwrap_or_default();
		let at = |what: &str| format!("{}/{what}", node.name);
		let sub = |op: &str, inputs: Vec<String>, output: String| NodeProto {
			name: node.name.clone(),
			op_type: op.into(),
			input: inputs,
			output: vec![output],
			attribute: if op == core { node.attribute.clone() } else { Vec::new() },
			..Default::default()
		};
		if node.input.len() < 8 {
			return Err(unsupported(node, "needs its 8 quantization inputs"));
		}
		self.node(&sub("DequantizeLinear", vec![input(0), input(1), input(2)], at("x")))?;
		self.node(&sub("DequantizeLinear", vec![input(3), input(4), input(5)], at("w")))?;
		let mut core_inputs = vec![at("x"), at("w")];
		if !input(8).is_empty() {
			let Value::Const(b) = self.get(node, 8)?.clone() else {
				return Err(unsupported(node, "the bias must be a constant"));
			};
			let values = (b.data_type == dtype::INT32).then(|| int_values(&b)).flatten();
			let values = values.ok_or_else(|| unsupported(node, "the bias must be int32"))?;
			let bias = QConst {
				dims: b.dims.clone(),
				values: values.iter().map(|&v| v as i32).collect(),
				scales: Vec::new(),
				zero_points: vec![0],
				axis: 0,
				elem_type: dtype::INT32,
			};
			self.values.insert(at("b"), Value::QConst(bias));
			core_inputs.push(at("b"));
		}
		self.node(&sub(core, core_inputs, at("y")))?;
		let output = node.output.first().cloned().ok_or_else(|| unsupported(node, "no output"))?;
		self.node(&sub("QuantizeLinear", vec![at("y"), input(6), input(7)], output))
	}
}
