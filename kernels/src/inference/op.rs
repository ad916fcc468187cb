//! The ops of a [`Program`](super::program::Program): one struct per kind, with the bounds the
//! check holds them to, and [`Op`], the enum a program lists them in. Each op's integer rule is
//! written on its struct; `docs/inference.md` is the normative text.

use super::program::{Tensor, Window};
use alloc::{vec, vec::Vec};
use codec::{Decode, Encode};

/// A convolution (or a dense layer: a 1×1 convolution of a `[K, 1, 1]` input):
/// `acc[co, y, x] = bias[co] + Σ (in − zp_in) · (w − zp_w[co])`, then [`super::quant::requantize`] with
/// `multiplier[co]` (or `multiplier[0]` for all) and the output's zero point, clamped to
/// `clamp` (the output range, narrowed by a folded Relu or Clip). Padding reads as `zp_in`,
/// so it adds nothing. Weights are int8 with a zero point per tensor or per output channel.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Conv {
	/// Input tensor.
	pub x: u16,
	/// Output tensor.
	pub y: u16,
	/// Groups: 1 for a normal convolution, `C_in` for depthwise.
	pub group: u32,
	/// The window.
	pub window: Window,
	/// `[C_out][C_in / group][kh][kw]`, stored as int8: the weight is `weight − zero point`.
	pub weight: Vec<i8>,
	/// `[C_out]`, already in accumulator units (`scale_x · scale_w`).
	pub bias: Vec<i32>,
	/// Per-output-channel (or one) requantization scales `S`, binary32 bits.
	pub multiplier: Vec<u32>,
	/// Output clamp `[lo, hi]` in output units.
	pub clamp: [i32; 2],
	/// Per-output-channel (or one) weight zero points, each in `-128..=127`: `[0]` for
	/// symmetric int8 weights; uint8 weights are stored shifted by −128, zero points too.
	pub weight_zero_point: Vec<i32>,
}

impl Conv {
	/// The effective weight at `index` (in `[C_out][C_in / group][kh][kw]` order): the stored
	/// value minus its output channel's zero point, in `-255..=255`.
	pub fn weight_at(&self, index: usize) -> i32 {
		let per_out = self.weight.len() / self.bias.len().max(1);
		let zp = match self.weight_zero_point[..] {
			[one] => one,
			ref per_channel => per_channel[index / per_out.max(1)],
		};
		self.weight[index] as i32 - zp
	}
}

/// Max pooling: the largest input value in each window; padding is ignored.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct MaxPool {
	/// Input tensor.
	pub x: u16,
	/// Output tensor (same quantization as the input).
	pub y: u16,
	/// The window (dilation 1).
	pub window: Window,
}

/// An elementwise op on two same-shape tensors ([`Op::Add`], a residual connection;
/// [`Op::Mul`], a gate), as a table: `y = table[256 · byte(a) + byte(b)]`. The compiler fills
/// the table with onnxruntime's `QLinearAdd` or `QLinearMul` rule for the operands' and the
/// output's quantization (`docs/inference.md`), so the kernel does no arithmetic at all.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Binary {
	/// First operand.
	pub a: u16,
	/// Second operand.
	pub b: u16,
	/// Output tensor.
	pub y: u16,
	/// 65,536 output bytes, indexed by `256 · byte(a) + byte(b)`.
	pub table: Vec<u8>,
}

/// Entries in a [`Binary`] table.
pub const BINARY_TABLE: usize = 1 << 16;

/// An elementwise function of one tensor (ONNX `Sigmoid`, `Tanh`, `LeakyRelu`, `HardSigmoid`,
/// `HardSwish`, a `Relu` or `Clip` that no op before it absorbs), as a table:
/// `y = table[byte(x)]`. An int8 input has 256 values, so any such function is exactly its
/// table; the compiler fills it with what onnxruntime computes for each of them
/// (`docs/inference.md`), and the kernel only looks up.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Lookup {
	/// Input tensor.
	pub x: u16,
	/// Output tensor (the input's shape).
	pub y: u16,
	/// 256 output bytes, indexed by the input's stored byte.
	pub table: Vec<u8>,
}

/// Concatenation along one axis of the per-sample shape (ONNX `Concat`, onnxruntime's
/// `QLinearConcat`). Each input's values pass through its own table into the output's
/// quantization, `y = table_i[byte(x)]` (the compiler fills it with onnxruntime's rule:
/// `docs/inference.md`), and land side by side along `axis`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Concat {
	/// Input tensors, in output order: same rank and dimensions but along `axis`.
	pub inputs: Vec<u16>,
	/// Output tensor.
	pub y: u16,
	/// The axis within a sample's shape (0: channels of `[C, H, W]`).
	pub axis: u8,
	/// One table of 256 output bytes per input, indexed by the input's stored byte.
	pub tables: Vec<Vec<u8>>,
}

/// Average pooling (ONNX `AveragePool`, onnxruntime's `QLinearAveragePool`). Each window's
/// values, dequantized, are summed in row order, divided by the count and by the output scale,
/// offset by the output zero point and rounded, all in binary32 arithmetic exactly as
/// onnxruntime does it, computed with integers ([`super::softfloat`]; `docs/inference.md`).
/// A window that covers the whole unpadded image is a global average instead, which the
/// compiler lowers to a [`Conv`], as onnxruntime does.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct AvgPool {
	/// Input tensor.
	pub x: u16,
	/// Output tensor (same element type as the input).
	pub y: u16,
	/// The window (dilation 1); padding is never summed.
	pub window: Window,
	/// Whether the divisor counts padded taps (`count_include_pad`), or only the image's.
	pub count_pad: bool,
	/// The binary32 bits of each input byte's value, `f32(s_x · f32(q − zp_x))`, indexed by
	/// the byte (256 entries, filled by the compiler).
	pub dequant: Vec<u32>,
}

/// Softmax along one axis (ONNX `Softmax` between a DequantizeLinear and a QuantizeLinear,
/// onnxruntime's `QLinearSoftmax`), row by row: every run of values along `axis` with the other
/// coordinates fixed. In a row with largest value `m`, element `v` stands for the binary32
/// `t = exp[v − m + 255]`; the row's sum `Σ t` is taken in row order, and each output is
/// `(t / Σ) · scale` rounded to nearest, ties to even, plus `zp_y`, saturated to the output
/// type; every operation in binary32 arithmetic computed with integers ([`super::softfloat`];
/// `docs/inference.md`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Softmax {
	/// Input tensor.
	pub x: u16,
	/// Output tensor (the input's shape and element type).
	pub y: u16,
	/// The axis within a sample's shape that rows run along.
	pub axis: u8,
	/// 256 binary32 bits: entry `i` is `exp((i − 255 + shift) · s_x)`, the input's value `255 − i`
	/// steps below its row's largest (the compiler fills it as onnxruntime does).
	pub exp: Vec<u32>,
	/// The output factor, binary32 bits (the compiler writes onnxruntime's, `floor(1 / s_y)`).
	pub scale: u32,
}

/// A product of two activations (ONNX `MatMul` of two dequantized tensors, onnxruntime's
/// `QLinearMatMul`; attention's `Q · Kᵀ` and `weights · V`), for each sample and each index of
/// the leading axis: `acc[.., i, j] = Σ_t (a[.., i, t] − zp_a) · (b[.., t, j] − zp_b)`, then
/// [`super::quant::requantize`] with `multiplier` and the output's zero point, clamped to
/// `clamp` (the output range, narrowed by a folded Relu).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct MatMul {
	/// Left operand, `[.., M, K]`.
	pub a: u16,
	/// Right operand, `[.., K, N]` (the same leading axis as `a`, if any).
	pub b: u16,
	/// Output tensor, `[.., M, N]`.
	pub y: u16,
	/// The requantization scale `S = f32(f32(s_a · s_b) / s_y)`, binary32 bits.
	pub multiplier: u32,
	/// Output clamp `[lo, hi]` in output units.
	pub clamp: [i32; 2],
}

/// The longest reduction of a [`Conv`], `C_in/group · k_h · k_w`: one GPU invocation walks it
/// in one loop, and lavapipe (Mesa's software Vulkan) ends an invocation's loops once their
/// iterations together reach 65,535.
pub const MAX_CONV_DEPTH: u32 = 65_000;

/// The longest reduction of a [`MatMul`]: `K · 255 · 255` stays within `i32`.
pub const MAX_MATMUL_DEPTH: u32 = (i32::MAX as u32) / (255 * 255);

impl MatMul {
	/// `(products, m, k, n)` per sample: `products` matrix products (the leading axis, or 1)
	/// of an `[m, k]` block of `a` by a `[k, n]` block of `b`. Call on a checked program.
	pub fn dims(&self, tensors: &[Tensor]) -> (usize, usize, usize, usize) {
		let (a, b) = (&tensors[self.a as usize].shape, &tensors[self.b as usize].shape);
		let r = a.len();
		let products = a[..r - 2].iter().map(|&d| d as usize).product();
		(products, a[r - 2] as usize, a[r - 1] as usize, b[r - 1] as usize)
	}
}

/// Layer normalization over the trailing axes from `axis` on (ONNX `LayerNormalization`
/// between DequantizeLinear and QuantizeLinear). onnxruntime computes it in float; this is
/// AiPIN's own rule (tier 2: within a documented tolerance of the float model, the same bits
/// on every device), every step binary32 arithmetic computed with integers
/// ([`super::softfloat`]; `docs/inference.md` is the normative text). For each row of `L`
/// values `q_k`, with `v_k = q_k − zp_x`, `S = Σ v_k` and `D_k = L · v_k − S` (exact integers):
/// `T = Σ D_k²` summed in row order, `R = 1 / √(T / L + epsilon)`, and output `k` is
/// `((D_k · R) · gain[k] + offset[k])` rounded to nearest, ties to even, plus `zp_y`,
/// saturated to the output type. `D_k · R` is `(x_k − mean) / √(variance + ε)` of the
/// dequantized row.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct LayerNorm {
	/// Input tensor.
	pub x: u16,
	/// Output tensor (the input's shape).
	pub y: u16,
	/// The first normalized axis within a sample's shape: a row is every element from it on.
	pub axis: u8,
	/// `f32(L² · ε / s_x²)`, binary32 bits: ONNX's ε in the units of `D_k`.
	pub epsilon: u32,
	/// Per row position, `f32(γ_k / s_y)`, binary32 bits.
	pub gain: Vec<u32>,
	/// Per row position, `f32(β_k / s_y)`, binary32 bits.
	pub offset: Vec<u32>,
}

/// A row lookup by token id (ONNX `Gather` of a quantized constant table along its first axis
/// by the model's integer input, a token embedding): for each element `i` of `x` (a token id,
/// stored as one byte), the `width` values `table[i · width ..][..width]` in `y`'s element
/// type, in order. An id with no row (`i ≥ rows`) gives `width` values of `y`'s zero point.
/// `y`'s shape is `x`'s with `width` appended.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Gather {
	/// The token ids (element type `U8`).
	pub x: u16,
	/// Output tensor: `x`'s shape and `[width]`.
	pub y: u16,
	/// Rows in the table (the vocabulary), 1 to [`MAX_VOCABULARY`].
	pub rows: u16,
	/// `rows × width` bytes in `y`'s element type and quantization (the compiler requantizes
	/// the model's table into it).
	pub table: Vec<u8>,
}

/// The most rows a [`Gather`] table may have: token ids are one byte.
pub const MAX_VOCABULARY: u16 = 256;

/// The longest [`LayerNorm`] row: `|D_k| ≤ 510 · L` stays below 2^24, where binary32 holds
/// every integer exactly.
pub const MAX_LAYERNORM_ROW: u32 = 1 << 14;

impl LayerNorm {
	/// Values per row: the product of the sample shape's sizes from `axis` on. Call on a
	/// checked program.
	pub fn row(&self, tensors: &[Tensor]) -> usize {
		tensors[self.x as usize].shape[self.axis as usize..].iter().map(|&d| d as usize).product()
	}
}

/// The longest [`Softmax`] row (one invocation walks it three times).
pub const MAX_SOFTMAX_ROW: u32 = 1 << 14;

impl Softmax {
	/// `(outer, length, inner)` per sample: `outer · inner` rows of `length` values, row
	/// `(o, i)` holding elements `o · length · inner + i + k · inner` for `k < length`.
	pub fn rows(&self, tensors: &[Tensor]) -> (usize, usize, usize) {
		let shape = &tensors[self.x as usize].shape;
		let axis = self.axis as usize;
		let outer = shape[..axis].iter().map(|&d| d as usize).product();
		let inner = shape[axis + 1..].iter().map(|&d| d as usize).product();
		(outer, shape[axis] as usize, inner)
	}
}

/// The most inputs of a [`Concat`].
pub const MAX_CONCAT: usize = 64;

impl Concat {
	/// `(outer, inner, per-input pitches)` of a checked concatenation: per sample, the output
	/// is `outer` runs of the inputs' runs side by side, input `i`'s run being `pitch[i]`
	/// values (its `axis` dimension times `inner`, the product of the dimensions after it).
	pub fn layout(&self, tensors: &[Tensor]) -> (usize, usize, Vec<usize>) {
		let shape = &tensors[self.y as usize].shape;
		let axis = self.axis as usize;
		let outer = shape[..axis].iter().map(|&d| d as usize).product();
		let inner: usize = shape[axis + 1..].iter().map(|&d| d as usize).product();
		let pitches =
			self.inputs.iter().map(|&i| tensors[i as usize].shape[axis] as usize * inner).collect();
		(outer, inner, pitches)
	}
}

/// One step of a program.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Op {
	/// [`Conv`].
	Conv(Conv),
	/// [`MaxPool`].
	MaxPool(MaxPool),
	/// Addition, through a [`Binary`] table.
	Add(Binary),
	/// The same elements in the same order under a new shape (Flatten, Reshape).
	Reshape {
		/// Input tensor.
		x: u16,
		/// Output tensor (same quantization, same element count).
		y: u16,
	},
	/// [`Concat`].
	Concat(Concat),
	/// The same elements with the per-sample axes permuted (ONNX `Transpose` with the batch
	/// axis first): output axis `i` is input axis `perm[i]`.
	Transpose {
		/// Input tensor.
		x: u16,
		/// Output tensor (same quantization).
		y: u16,
		/// A permutation of `0..rank`.
		perm: Vec<u8>,
	},
	/// [`AvgPool`].
	AvgPool(AvgPool),
	/// [`Lookup`].
	Lookup(Lookup),
	/// Multiplication, through a [`Binary`] table.
	Mul(Binary),
	/// The input repeated along the axes where its size is 1 (ONNX's broadcasting of an Add or
	/// Mul operand, as a squeeze-excitation gate `[C, 1, 1]` over `[C, H, W]`): output element
	/// `(i₀, i₁, …)` is input element `(j₀, j₁, …)` with `jₐ = 0` where the input's axis `a` has
	/// size 1 and `jₐ = iₐ` elsewhere.
	Expand {
		/// Input tensor.
		x: u16,
		/// Output tensor (the input's rank and quantization).
		y: u16,
	},
	/// [`Softmax`].
	Softmax(Softmax),
	/// [`MatMul`].
	MatMul(MatMul),
	/// [`LayerNorm`].
	LayerNorm(LayerNorm),
	/// [`Gather`].
	Gather(Gather),
}

impl Op {
	/// The tensor this op defines.
	pub fn output(&self) -> u16 {
		match self {
			Op::Conv(c) => c.y,
			Op::MaxPool(p) => p.y,
			Op::Add(a) => a.y,
			Op::Reshape { y, .. } => *y,
			Op::Concat(c) => c.y,
			Op::Transpose { y, .. } => *y,
			Op::AvgPool(p) => p.y,
			Op::Lookup(l) => l.y,
			Op::Mul(m) => m.y,
			Op::Expand { y, .. } => *y,
			Op::Softmax(s) => s.y,
			Op::MatMul(m) => m.y,
			Op::LayerNorm(l) => l.y,
			Op::Gather(g) => g.y,
		}
	}

	/// The tensors this op reads.
	pub fn inputs(&self) -> Vec<u16> {
		match self {
			Op::Conv(c) => vec![c.x],
			Op::MaxPool(p) => vec![p.x],
			Op::Add(a) => vec![a.a, a.b],
			Op::Reshape { x, .. } => vec![*x],
			Op::Concat(c) => c.inputs.clone(),
			Op::Transpose { x, .. } => vec![*x],
			Op::AvgPool(p) => vec![p.x],
			Op::Lookup(l) => vec![l.x],
			Op::Mul(m) => vec![m.a, m.b],
			Op::Expand { x, .. } => vec![*x],
			Op::Softmax(s) => vec![s.x],
			Op::MatMul(m) => vec![m.a, m.b],
			Op::LayerNorm(l) => vec![l.x],
			Op::Gather(g) => vec![g.x],
		}
	}

	/// A short name, for summaries and errors.
	pub fn name(&self) -> &'static str {
		match self {
			Op::Conv(c) if c.window == Window::dense() && c.group == 1 => "Dense",
			Op::Conv(_) => "Conv",
			Op::MaxPool(_) => "MaxPool",
			Op::Add(_) => "Add",
			Op::Reshape { .. } => "Reshape",
			Op::Concat(_) => "Concat",
			Op::Transpose { .. } => "Transpose",
			Op::AvgPool(_) => "AvgPool",
			Op::Lookup(_) => "Lookup",
			Op::Mul(_) => "Mul",
			Op::Expand { .. } => "Expand",
			Op::Softmax(_) => "Softmax",
			Op::MatMul(_) => "MatMul",
			Op::LayerNorm(_) => "LayerNorm",
			Op::Gather(_) => "Gather",
		}
	}
}
