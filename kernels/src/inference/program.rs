//! The canonical integer program: what a model compiles to, what the chain's model registry
//! stores by hash and what every worker runs.
//!
//! A program is SCALE-encoded [`Program`] bytes, prefixed by nothing: the first field is the
//! format [`VERSION`]. Its id is `blake2_256` of those bytes. Nothing in it is a float: scales
//! are carried as binary32 bit patterns and used only through the integer rules of
//! [`super::quant`].
//!
//! Tensors are per sample (the batch dimension is not in their shapes) and in NCHW order. A
//! program is in single-assignment order: op `i` reads tensors defined earlier and defines one
//! new tensor; tensor 0 is the input and the last tensor is the output. [`Program::check`]
//! verifies all of this, so a decoded program that passes it can be run without any further
//! bounds reasoning.

use alloc::{vec, vec::Vec};
use codec::{Decode, Encode};

pub use super::check::ProgramError;

/// The program format version this crate reads and writes.
pub const VERSION: u16 = 2;
/// Most tensors a program may have.
pub const MAX_TENSORS: usize = 256;
/// Most elements in one tensor (per sample).
pub const MAX_ELEMENTS: u64 = 1 << 22;
/// Most weight bytes in a program.
pub const MAX_WEIGHTS: u64 = 1 << 26;
/// Largest kernel side, stride, dilation or pad.
pub const MAX_WINDOW: u32 = 64;

/// The model id of program bytes: `blake2_256` of them.
pub fn id_of(bytes: &[u8]) -> [u8; 32] {
	sp_crypto_hashing::blake2_256(bytes)
}

/// An 8-bit element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
pub enum DType {
	/// 0 ..= 255.
	U8,
	/// -128 ..= 127.
	I8,
}

impl DType {
	/// The smallest and largest value.
	pub fn range(self) -> (i32, i32) {
		match self {
			Self::U8 => (0, 255),
			Self::I8 => (-128, 127),
		}
	}

	/// The byte that stores `v` (in range).
	pub fn to_byte(self, v: i32) -> u8 {
		v as u8
	}

	/// The value `b` stores.
	pub fn from_byte(self, b: u8) -> i32 {
		match self {
			Self::U8 => b as i32,
			Self::I8 => b as i8 as i32,
		}
	}
}

/// One tensor: its per-sample shape and its quantization (`real = scale · (q − zero_point)`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Tensor {
	/// Per-sample shape, outermost first (`[C, H, W]` for images, `[K]` for vectors).
	pub shape: Vec<u32>,
	/// Element type.
	pub dtype: DType,
	/// Scale, as binary32 bits (only for dequantizing at the edge; never computed with).
	pub scale: u32,
	/// Zero point, within the dtype's range.
	pub zero_point: i32,
}

impl Tensor {
	/// Elements per sample.
	pub fn elements(&self) -> u64 {
		self.shape.iter().map(|&d| d as u64).product()
	}

	/// `[C, H, W]`: a vector `[K]` is `[K, 1, 1]`, a matrix `[C, H]` is `[C, H, 1]`, `[C, H, W]`
	/// itself.
	pub fn chw(&self) -> Option<[u32; 3]> {
		match self.shape[..] {
			[k] => Some([k, 1, 1]),
			[c, h] => Some([c, h, 1]),
			[c, h, w] => Some([c, h, w]),
			_ => None,
		}
	}
}

/// A 2-D window: kernel size, stride, dilation and padding (top, left, bottom, right).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Window {
	/// `[kh, kw]`.
	pub kernel: [u32; 2],
	/// `[sh, sw]`.
	pub stride: [u32; 2],
	/// `[dh, dw]`.
	pub dilation: [u32; 2],
	/// `[top, left, bottom, right]`.
	pub pads: [u32; 4],
}

impl Window {
	/// The window of a dense layer: 1×1, no padding.
	pub fn dense() -> Self {
		Self { kernel: [1, 1], stride: [1, 1], dilation: [1, 1], pads: [0; 4] }
	}

	/// Output `[oh, ow]` for an `[h, w]` input, `None` if the window does not fit.
	pub fn output(&self, h: u32, w: u32) -> Option<[u32; 2]> {
		let dim = |size: u32, k: u32, s: u32, d: u32, p0: u32, p1: u32| -> Option<u32> {
			let span = d.checked_mul(k.checked_sub(1)?)?.checked_add(1)?;
			let padded = size.checked_add(p0)?.checked_add(p1)?;
			Some(padded.checked_sub(span)? / s + 1)
		};
		let [kh, kw] = self.kernel;
		Some([
			dim(h, kh, self.stride[0], self.dilation[0], self.pads[0], self.pads[2])?,
			dim(w, kw, self.stride[1], self.dilation[1], self.pads[1], self.pads[3])?,
		])
	}

	pub(crate) fn in_bounds(&self) -> bool {
		let all = self.kernel.iter().chain(&self.stride).chain(&self.dilation);
		all.clone().all(|&v| (1..=MAX_WINDOW).contains(&v))
			&& self.pads.iter().all(|&p| p < MAX_WINDOW)
	}
}

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

/// A compiled model.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Program {
	/// [`VERSION`].
	pub version: u16,
	/// Every tensor; 0 is the input, the last is the output.
	pub tensors: Vec<Tensor>,
	/// The ops, in execution order; op `i` defines tensor `i + 1`.
	pub ops: Vec<Op>,
}

impl Program {
	/// Decodes and [checks](Self::check) program bytes.
	pub fn decode_checked(mut bytes: &[u8]) -> Result<Self, ProgramError> {
		let program = Self::decode(&mut bytes).map_err(|_| ProgramError::Decode)?;
		if !bytes.is_empty() {
			return Err(ProgramError::Decode);
		}
		program.check()?;
		Ok(program)
	}

	/// Decodes and checks the program stored under model id `id`, which its bytes must hash to
	/// (what a registry read returns is checked against what was asked for).
	pub fn decode_registered(bytes: &[u8], id: &[u8; 32]) -> Result<Self, ProgramError> {
		if id_of(bytes) != *id {
			return Err(ProgramError::NotItsId);
		}
		Self::decode_checked(bytes)
	}

	/// The model id: `blake2_256` of the encoding.
	pub fn id(&self) -> [u8; 32] {
		id_of(&self.encode())
	}

	/// Multiply-adds per sample of one op (`C_out · OH · OW · C_in/g · kh · kw` for a
	/// convolution, `products · M · K · N` for a [`MatMul`], 0 otherwise). Call on a checked
	/// program.
	pub fn op_macs(&self, op: &Op) -> u64 {
		match op {
			Op::Conv(c) => {
				let y = &self.tensors[c.y as usize];
				y.elements().saturating_mul(c.weight.len() as u64 / y.shape[0] as u64)
			},
			Op::MatMul(m) => {
				let (_, _, k, _) = m.dims(&self.tensors);
				self.tensors[m.y as usize].elements().saturating_mul(k as u64)
			},
			_ => 0,
		}
	}

	/// The input tensor.
	pub fn input(&self) -> &Tensor {
		&self.tensors[0]
	}

	/// Whether onnxruntime's outputs for the model are these bits exactly (every op's rule is
	/// onnxruntime's), or only within the tier-2 tolerance (`docs/inference.md`): a
	/// [`LayerNorm`] is AiPIN's own rule, where onnxruntime computes in float.
	pub fn equals_onnxruntime(&self) -> bool {
		!self.ops.iter().any(|op| matches!(op, Op::LayerNorm(_)))
	}

	/// Whether the input is token ids (it is read by a [`Gather`]): integers from 0 to 255,
	/// not a quantized activation.
	pub fn takes_token_ids(&self) -> bool {
		self.ops.iter().any(|op| matches!(op, Op::Gather(g) if g.x == 0))
	}

	/// The output tensor.
	pub fn output(&self) -> &Tensor {
		&self.tensors[self.tensors.len() - 1]
	}

	/// Multiply-adds per sample (Σ over convolutions of `C_out · OH · OW · C_in/g · kh · kw`).
	/// Call on a checked program.
	pub fn macs_per_sample(&self) -> u64 {
		self.ops.iter().map(|op| self.op_macs(op)).fold(0u64, |a, b| a.saturating_add(b))
	}

	/// A one-layer program, `inputs` uint8 values densely connected to `outputs` uint8
	/// values with `weight` everywhere: the smallest real model, for tests, benchmarks and
	/// examples. Its encoding grows by `inputs · outputs` bytes.
	pub fn dense(inputs: u32, outputs: u32, weight: i8) -> Self {
		let tensor = |n: u32| Tensor {
			shape: vec![n],
			dtype: DType::U8,
			scale: 0x3c00_0000,
			zero_point: 128,
		};
		let conv = Conv {
			x: 0,
			y: 1,
			group: 1,
			window: Window::dense(),
			weight: vec![weight; inputs as usize * outputs as usize],
			bias: vec![0; outputs as usize],
			multiplier: vec![0x3c00_0000],
			clamp: [0, 255],
			weight_zero_point: vec![0],
		};
		Self {
			version: VERSION,
			tensors: vec![tensor(inputs), tensor(outputs)],
			ops: vec![Op::Conv(conv)],
		}
	}

	/// Bytes of constant data a device holds: weights, biases, multipliers and tables.
	pub fn weight_bytes(&self) -> u64 {
		let op_bytes = |op: &Op| match op {
			Op::Conv(c) => {
				c.weight.len() + 4 * (c.bias.len() + c.multiplier.len() + c.weight_zero_point.len())
			},
			Op::Add(a) | Op::Mul(a) => a.table.len(),
			Op::Lookup(l) => l.table.len(),
			Op::Concat(c) => c.tables.len() * 256,
			Op::AvgPool(p) => p.dequant.len() * 4,
			Op::Softmax(s) => s.exp.len() * 4,
			Op::MatMul(_) => 4,
			Op::LayerNorm(l) => 4 + 4 * (l.gain.len() + l.offset.len()),
			Op::Gather(g) => g.table.len(),
			Op::MaxPool(_) | Op::Reshape { .. } | Op::Transpose { .. } | Op::Expand { .. } => 0,
		};
		self.ops.iter().map(|op| op_bytes(op) as u64).fold(0u64, |a, b| a.saturating_add(b))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn tensor(shape: Vec<u32>) -> Tensor {
		Tensor { shape, dtype: DType::U8, scale: 0x3c00_0000, zero_point: 3 }
	}

	fn valid() -> Program {
		let conv = Conv {
			x: 0,
			y: 1,
			group: 1,
			window: Window { kernel: [3, 3], stride: [1, 1], dilation: [1, 1], pads: [1, 1, 1, 1] },
			weight: vec![1; 2 * 9],
			bias: vec![0, 5],
			multiplier: vec![0x3c00_0000],
			clamp: [0, 255],
			weight_zero_point: vec![0],
		};
		Program {
			version: VERSION,
			tensors: vec![tensor(vec![1, 4, 4]), tensor(vec![2, 4, 4]), tensor(vec![32])],
			ops: vec![Op::Conv(conv), Op::Reshape { x: 1, y: 2 }],
		}
	}

	#[test]
	fn a_valid_program_round_trips() {
		let p = valid();
		p.check().unwrap();
		assert_eq!(Program::decode_checked(&p.encode()).unwrap(), p);
		assert_eq!(p.macs_per_sample(), 2 * 16 * 9);
	}

	#[test]
	fn hostile_bytes_are_refused_without_panicking() {
		let bytes = valid().encode();
		for cut in 0..bytes.len() {
			assert!(Program::decode_checked(&bytes[..cut]).is_err(), "truncated at {cut}");
		}
		let mut longer = bytes.clone();
		longer.push(0);
		assert_eq!(Program::decode_checked(&longer), Err(ProgramError::Decode));
		// Every single-byte corruption either fails to decode, fails the check, or is a
		// different well-formed program; none panics.
		for i in 0..bytes.len() {
			for v in [0u8, 1, 0x7f, 0xff] {
				let mut b = bytes.clone();
				b[i] = v;
				let _ = Program::decode_checked(&b);
			}
		}
	}

	fn refused(mutate: impl Fn(&mut Program), why: &str) {
		let mut p = valid();
		mutate(&mut p);
		assert!(p.check().is_err(), "accepted a program with {why}");
	}

	fn conv(p: &mut Program) -> &mut Conv {
		match &mut p.ops[0] {
			Op::Conv(c) => c,
			_ => unreachable!(),
		}
	}

	#[test]
	fn malformed_programs_are_refused() {
		refused(|p| p.version = 1, "another version");
		refused(|p| p.tensors.truncate(1), "too few tensors");
		refused(|p| p.tensors[0].shape = vec![], "an empty shape");
		refused(|p| p.tensors[0].shape = vec![0, 4, 4], "a zero dimension");
		refused(|p| p.tensors[0].shape = vec![4096, 4096], "too many elements");
		refused(|p| p.tensors[1].zero_point = 300, "a zero point out of range");
		refused(|p| conv(p).weight.pop().map(|_| ()).unwrap(), "too few weights");
		refused(|p| conv(p).bias.push(1), "too many biases");
		refused(|p| conv(p).group = 0, "group 0");
		refused(|p| conv(p).multiplier = vec![f32::NAN.to_bits()], "a NaN scale");
		refused(|p| conv(p).multiplier = vec![0], "a zero scale");
		refused(|p| conv(p).multiplier = vec![1, 2, 3], "three scales for two channels");
		refused(|p| conv(p).clamp = [10, 5], "an empty clamp");
		refused(|p| conv(p).weight_zero_point = vec![], "no weight zero point");
		refused(
			|p| conv(p).weight_zero_point = vec![0, 0, 0],
			"three zero points for two channels",
		);
		refused(|p| conv(p).weight_zero_point = vec![128], "a zero point out of range");
		refused(|p| conv(p).window.stride = [0, 1], "stride 0");
		refused(|p| conv(p).window.kernel = [9, 9], "a kernel larger than the padded input");
		refused(|p| conv(p).x = 1, "an op reading its own output");
		refused(|p| conv(p).bias = vec![i32::MAX, 0], "an accumulator that can overflow");
		refused(|p| p.ops[1] = Op::Reshape { x: 1, y: 1 }, "an op redefining a tensor");
		refused(|p| p.tensors[2].shape = vec![31], "a reshape changing the element count");
		refused(|p| p.tensors[2].zero_point = 4, "a reshape changing quantization");
		refused(
			|p| p.ops[1] = Op::Add(Binary { a: 1, b: 0, y: 2, table: vec![0; BINARY_TABLE] }),
			"an Add of different shapes",
		);
		refused(
			|p| {
				p.tensors[2].shape = vec![2, 4, 4];
				p.ops[1] = Op::Add(Binary { a: 1, b: 1, y: 2, table: vec![0; 7] });
			},
			"a short Add table",
		);
		refused(
			|p| {
				p.tensors[2].shape = vec![2, 4, 4];
				p.ops[1] = Op::Mul(Binary { a: 1, b: 1, y: 2, table: vec![0; BINARY_TABLE - 1] });
			},
			"a short Mul table",
		);
		refused(
			|p| p.ops[1] = Op::Mul(Binary { a: 1, b: 0, y: 2, table: vec![0; BINARY_TABLE] }),
			"a Mul of different shapes",
		);
		refused(
			|p| p.ops[1] = Op::Lookup(Lookup { x: 1, y: 2, table: vec![0; 256] }),
			"a Lookup that changes the shape",
		);
		refused(
			|p| {
				p.tensors[2].shape = vec![2, 4, 4];
				p.ops[1] = Op::Lookup(Lookup { x: 1, y: 2, table: vec![0; 255] });
			},
			"a short Lookup table",
		);
		let expand = |p: &mut Program, from: Vec<u32>, to: Vec<u32>| {
			p.tensors[1].shape = from;
			p.ops[0] = Op::Reshape { x: 0, y: 1 };
			p.tensors[2].shape = to;
			p.ops[1] = Op::Expand { x: 1, y: 2 };
		};
		refused(|p| expand(p, vec![16, 1], vec![16, 3, 1]), "an Expand that changes the rank");
		refused(|p| expand(p, vec![8, 2], vec![8, 4]), "an Expand of an axis that is not 1");
		refused(|p| expand(p, vec![16, 1], vec![16, 0]), "an Expand to size 0");
		refused(
			|p| {
				expand(p, vec![16, 1], vec![16, 3]);
				p.tensors[2].zero_point = 9;
			},
			"an Expand that changes the quantization",
		);
	}

	#[test]
	fn lookup_and_mul_programs_are_accepted() {
		for op in [
			Op::Lookup(Lookup { x: 1, y: 2, table: vec![0; 256] }),
			Op::Mul(Binary { a: 1, b: 1, y: 2, table: vec![0; BINARY_TABLE] }),
			Op::Expand { x: 1, y: 2 },
		] {
			let mut p = valid();
			p.tensors[2].shape = vec![2, 4, 4];
			p.ops[1] = op;
			let bytes = p.encode();
			assert_eq!(Program::decode_checked(&bytes), Ok(p));
		}
	}

	/// The valid program with its reshape replaced by `[x0, x1] → y` along channels.
	fn concat(p: &mut Program, c: impl FnOnce(&mut Concat)) {
		p.tensors[2].shape = vec![3, 4, 4];
		let mut op = Concat { inputs: vec![0, 1], y: 2, axis: 0, tables: vec![vec![0; 256]; 2] };
		c(&mut op);
		p.ops[1] = Op::Concat(op);
	}

	#[test]
	fn an_average_pool_is_checked_like_every_op() {
		let pool = |p: &mut Program, pads: [u32; 4], shape: Vec<u32>, dequant: usize| {
			p.tensors[2].shape = shape;
			let window = Window { kernel: [2, 2], stride: [2, 2], dilation: [1, 1], pads };
			let op = AvgPool { x: 1, y: 2, window, count_pad: true, dequant: vec![0; dequant] };
			p.ops[1] = Op::AvgPool(op);
		};
		let mut p = valid();
		pool(&mut p, [0; 4], vec![2, 2, 2], 256);
		p.check().unwrap();
		pool(&mut p, [1, 1, 1, 1], vec![2, 3, 3], 256);
		p.check().unwrap();
		refused(|p| pool(p, [0; 4], vec![2, 2, 2], 255), "a short dequantization table");
		refused(|p| pool(p, [2, 0, 0, 0], vec![2, 3, 2], 256), "padding as wide as the kernel");
		refused(|p| pool(p, [0; 4], vec![2, 3, 3], 256), "a shape the window does not make");
		refused(
			|p| {
				pool(p, [0; 4], vec![2, 2, 2], 256);
				p.tensors[2].dtype = DType::I8;
				p.tensors[2].zero_point = 0;
			},
			"another element type",
		);
	}

	#[test]
	fn a_layer_norm_is_checked_like_every_op() {
		// Over tensor 1 ([2, 4, 4]) from `axis` on, into tensor 2.
		let norm = |p: &mut Program, axis: u8, row: usize, edit: &dyn Fn(&mut LayerNorm)| {
			p.tensors[2].shape = vec![2, 4, 4];
			let mut op = LayerNorm {
				x: 1,
				y: 2,
				axis,
				epsilon: 1e-3f32.to_bits(),
				gain: vec![1f32.to_bits(); row],
				offset: vec![0; row],
			};
			edit(&mut op);
			p.ops[1] = Op::LayerNorm(op);
		};
		let mut p = valid();
		assert!(p.equals_onnxruntime());
		norm(&mut p, 2, 4, &|_| {});
		p.check().unwrap();
		assert!(!p.equals_onnxruntime(), "a LayerNorm is AiPIN's own rule");
		norm(&mut p, 0, 32, &|l| l.epsilon = 0);
		p.check().unwrap();
		refused(|p| norm(p, 3, 1, &|_| {}), "an axis outside the shape");
		refused(|p| norm(p, 1, 4, &|_| {}), "fewer gains than the row");
		refused(
			|p| {
				norm(p, 2, 4, &|l| {
					l.offset.pop();
				})
			},
			"a short offset",
		);
		refused(|p| norm(p, 2, 4, &|l| l.epsilon = (-1f32).to_bits()), "a negative epsilon");
		refused(|p| norm(p, 2, 4, &|l| l.epsilon = f32::INFINITY.to_bits()), "an infinite epsilon");
		refused(|p| norm(p, 2, 4, &|l| l.gain[3] = f32::NAN.to_bits()), "a NaN gain");
		refused(
			|p| {
				norm(p, 2, 4, &|_| {});
				p.tensors[2].shape = vec![32];
			},
			"another output shape",
		);
		// A convolution deeper than the bound.
		let mut p = valid();
		let deep = MAX_CONV_DEPTH + 1;
		p.tensors = vec![tensor(vec![deep]), tensor(vec![1])];
		let conv = Conv {
			x: 0,
			y: 1,
			group: 1,
			window: Window::dense(),
			weight: vec![0; deep as usize],
			bias: vec![0],
			multiplier: vec![0x3c00_0000],
			clamp: [0, 255],
			weight_zero_point: vec![0],
		};
		p.ops = vec![Op::Conv(conv)];
		assert!(p.check().is_err(), "a convolution over the depth bound");
		// Rows longer than the bound, whatever else is right.
		let mut p = valid();
		let long = MAX_LAYERNORM_ROW + 1;
		p.tensors = vec![tensor(vec![long]), tensor(vec![long])];
		p.ops = vec![Op::LayerNorm(LayerNorm {
			x: 0,
			y: 1,
			axis: 0,
			epsilon: 0,
			gain: vec![0; long as usize],
			offset: vec![0; long as usize],
		})];
		assert!(p.check().is_err(), "a row over the bound");
	}

	#[test]
	fn a_gather_is_checked_like_every_op() {
		// Token ids [3] (U8) into rows of 2 from a table of `rows`.
		let gather = |p: &mut Program, rows: u16, table: usize, y: Vec<u32>| {
			p.tensors = vec![tensor(vec![3]), Tensor { shape: y, ..tensor(vec![]) }];
			p.ops = vec![Op::Gather(Gather { x: 0, y: 1, rows, table: vec![7; table] })];
		};
		let mut p = valid();
		gather(&mut p, 5, 10, vec![3, 2]);
		p.check().unwrap();
		assert!(p.takes_token_ids());
		assert!(!valid().takes_token_ids());
		gather(&mut p, 256, 512, vec![3, 2]);
		p.check().unwrap();
		refused(|p| gather(p, 257, 514, vec![3, 2]), "a vocabulary over 256");
		refused(|p| gather(p, 0, 0, vec![3, 2]), "no rows");
		refused(|p| gather(p, 5, 9, vec![3, 2]), "a table short of a byte");
		refused(|p| gather(p, 5, 10, vec![2, 2]), "an output of other ids");
		refused(|p| gather(p, 5, 10, vec![3]), "no row width");
		refused(
			|p| {
				gather(p, 5, 10, vec![3, 2]);
				p.tensors[0].dtype = DType::I8;
			},
			"signed ids",
		);
	}

	/// A refusal at a bound names that bound, as the constant is today.
	#[test]
	fn each_bound_is_named_by_its_refusal() {
		let thousands = |n: u32| {
			let digits = n.to_string();
			let mut out = String::new();
			for (i, c) in digits.chars().enumerate() {
				if i > 0 && (digits.len() - i).is_multiple_of(3) {
					out.push(',');
				}
				out.push(c);
			}
			out
		};
		let reason = |p: Program| match p.check() {
			Err(ProgramError::Op { reason, .. }) => reason,
			other => panic!("expected an op refusal, got {other:?}"),
		};
		let row = |n: u32| vec![tensor(vec![n]), tensor(vec![n])];
		let n = MAX_SOFTMAX_ROW + 1;
		let softmax = Softmax { x: 0, y: 1, axis: 0, exp: vec![0; 256], scale: 0x3f80_0000 };
		let p = Program { version: VERSION, tensors: row(n), ops: vec![Op::Softmax(softmax)] };
		assert!(reason(p).contains(&thousands(MAX_SOFTMAX_ROW)));
		let n = MAX_LAYERNORM_ROW + 1;
		let norm = LayerNorm {
			x: 0,
			y: 1,
			axis: 0,
			epsilon: 0,
			gain: vec![0; n as usize],
			offset: vec![0; n as usize],
		};
		let p = Program { version: VERSION, tensors: row(n), ops: vec![Op::LayerNorm(norm)] };
		assert!(reason(p).contains(&thousands(MAX_LAYERNORM_ROW)));
		let n = MAX_CONV_DEPTH + 1;
		let conv = Conv {
			x: 0,
			y: 1,
			group: 1,
			window: Window::dense(),
			weight: vec![0; n as usize],
			bias: vec![0],
			multiplier: vec![0x3c00_0000],
			clamp: [0, 255],
			weight_zero_point: vec![0],
		};
		let p = Program {
			version: VERSION,
			tensors: vec![tensor(vec![n]), tensor(vec![1])],
			ops: vec![Op::Conv(conv)],
		};
		assert!(reason(p).contains(&thousands(MAX_CONV_DEPTH)));
	}

	#[test]
	fn a_transpose_is_checked_like_every_op() {
		let transpose = |p: &mut Program, perm: Vec<u8>, shape: Vec<u32>| {
			p.tensors[2].shape = shape;
			p.ops[1] = Op::Transpose { x: 1, y: 2, perm };
		};
		let mut p = valid();
		transpose(&mut p, vec![1, 2, 0], vec![4, 4, 2]);
		p.check().unwrap();
		refused(|p| transpose(p, vec![1, 1, 0], vec![4, 4, 2]), "a repeated axis");
		refused(|p| transpose(p, vec![1, 0], vec![4, 2]), "a perm of the wrong rank");
		refused(|p| transpose(p, vec![0, 1, 3], vec![2, 4, 4]), "an axis out of range");
		refused(|p| transpose(p, vec![1, 2, 0], vec![2, 4, 4]), "a shape not permuted");
		refused(
			|p| {
				transpose(p, vec![1, 2, 0], vec![4, 4, 2]);
				p.tensors[2].zero_point = 9;
			},
			"another quantization",
		);
	}

	#[test]
	fn a_concat_is_checked_like_every_op() {
		let mut p = valid();
		concat(&mut p, |_| {});
		p.check().unwrap();
		assert_eq!(p.weight_bytes(), valid().weight_bytes() + 512);
		refused(|p| concat(p, |c| c.tables.pop().map(|_| ()).unwrap()), "a missing table");
		refused(|p| concat(p, |c| c.tables[1].push(0)), "a 257-entry table");
		refused(|p| concat(p, |c| c.axis = 3), "an axis outside the shape");
		refused(|p| concat(p, |c| c.axis = 1), "inputs that differ off the axis");
		refused(|p| concat(p, |c| c.inputs = vec![]), "no inputs");
		refused(|p| concat(p, |c| c.inputs.push(2)), "an input defined by the op itself");
		refused(|p| concat(p, |c| c.inputs = vec![1, 1]), "an axis sum that is not the output's");
		refused(
			|p| {
				concat(p, |_| {});
				p.tensors[0].dtype = DType::I8;
			},
			"inputs of another element type",
		);
	}
}
