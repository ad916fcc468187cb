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

pub use super::{check::ProgramError, op::*};

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
