//! Verified inference on the GPU equals the CPU reference bit for bit: on random programs
//! (shapes, groups incl. depthwise, strides, pads, dilations, zero points, per-channel scales,
//! concatenations, transposes, average pooling, softmax, layer normalization, clamps, accumulators past 2²⁴, exact
//! ties, saturation, odd sizes) and on every demo model in `models/`. No adapter is a failure,
//! not a skip.

use aipin_kernels::inference::{
	program::{
		AvgPool, Binary, Concat, Conv, DType, Gather, LayerNorm, Lookup, MatMul, MaxPool, Op,
		Program, Softmax, Tensor, Window, BINARY_TABLE, VERSION,
	},
	reference,
};
use aipin_worker::{gpu::Gpu, inference::Inference};
use std::sync::OnceLock;

fn ctx() -> &'static (Gpu, Inference) {
	static CTX: OnceLock<(Gpu, Inference)> = OnceLock::new();
	CTX.get_or_init(|| {
		let gpu = Gpu::new().expect("a GPU adapter (lavapipe: apt install mesa-vulkan-drivers)");
		let inf = Inference::new(&gpu).expect("shipped shaders compile");
		(gpu, inf)
	})
}

struct Rng(u64);
impl Rng {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 << 13;
		self.0 ^= self.0 >> 7;
		self.0 ^= self.0 << 17;
		self.0
	}
	fn below(&mut self, n: u64) -> u64 {
		self.next() % n
	}
	fn range(&mut self, lo: i64, hi: i64) -> i64 {
		lo + self.below((hi - lo + 1) as u64) as i64
	}
	fn dtype(&mut self) -> DType {
		if self.below(2) == 0 {
			DType::U8
		} else {
			DType::I8
		}
	}
	/// A requantization scale: mostly realistic, sometimes extreme, sometimes an exact power
	/// of two (which makes ties exact).
	fn scale(&mut self) -> u32 {
		match self.below(6) {
			0 => (1.0f32 / (1u32 << self.below(12)) as f32).to_bits(),
			1 => ((97 + self.below(40) as u32) << 23) | (self.next() as u32 & 0x7f_ffff),
			_ => ((112 + self.below(14) as u32) << 23) | (self.next() as u32 & 0x7f_ffff),
		}
	}
	/// A finite binary32 value: mostly of a size a layer normalization's gains and offsets
	/// have (|v| in [2^-6, 2^7)), sometimes anything finite, sometimes zero.
	fn finite(&mut self) -> u32 {
		let sign = self.next() as u32 & 0x8000_0000;
		match self.below(8) {
			0 => 0,
			1 => sign | ((self.below(255) as u32) << 23) | (self.next() as u32 & 0x7f_ffff),
			_ => sign | ((121 + self.below(13) as u32) << 23) | (self.next() as u32 & 0x7f_ffff),
		}
	}
	fn layer_norm(&mut self, x: &Tensor, xi: u16, axis: u8) -> (LayerNorm, Tensor) {
		let row: u32 = x.shape[axis as usize..].iter().product();
		let epsilon = match self.below(4) {
			0 => 0,
			1 => (self.below(0x7f00_0000)) as u32,
			_ => ((row as f32).powi(2) * 1e-5 / 0.02f32.powi(2)).to_bits(),
		};
		let gain = (0..row).map(|_| self.finite()).collect();
		let offset = (0..row).map(|_| self.finite()).collect();
		let y = self.tensor(x.shape.clone());
		(LayerNorm { x: xi, y: xi + 1, axis, epsilon, gain, offset }, y)
	}
	fn tensor(&mut self, shape: Vec<u32>) -> Tensor {
		let dtype = self.dtype();
		let (lo, hi) = dtype.range();
		Tensor {
			shape,
			dtype,
			scale: 0x3c00_0000,
			zero_point: self.range(lo as i64, hi as i64) as i32,
		}
	}
}

fn same_on_gpu(program: &Program, batch: usize, input: &[u8], what: &str) {
	program.check().unwrap_or_else(|e| panic!("{what}: generated program is malformed: {e}"));
	let (gpu, inf) = ctx();
	let want = reference::run(program, batch, input).unwrap();
	let got = inf.run(gpu, program, batch, input).expect("runs on the GPU");
	assert_eq!(got.len(), program.tensors.len());
	for (t, bytes) in got.iter().enumerate() {
		if std::env::var("DEBUG_DIFF").is_ok() && *bytes != want.bytes(program, t) {
			let w = want.bytes(program, t);
			let bad: Vec<_> = (0..w.len())
				.filter(|&i| w[i] != bytes[i])
				.take(10)
				.map(|i| (i, w[i], bytes[i]))
				.collect();
			eprintln!(
				"{what}: {} differ; first {bad:?}",
				(0..w.len()).filter(|&i| w[i] != bytes[i]).count()
			);
			if let Op::LayerNorm(l) = &program.ops[0] {
				eprintln!("eps {:#x} gain0 {:#x}", l.epsilon, l.gain[0]);
			}
		}
		assert!(
			*bytes == want.bytes(program, t),
			"{what}: tensor {t} differs from the CPU reference"
		);
	}
}

fn random_conv(rng: &mut Rng, x: &Tensor, xi: u16, depthwise: bool, dense: bool) -> (Op, Tensor) {
	let [ci, h, w] = x.chw().unwrap();
	let group = if depthwise {
		ci
	} else if !dense && ci % 2 == 0 && rng.below(3) == 0 {
		2
	} else {
		1
	};
	let co = if depthwise { ci * rng.range(1, 2) as u32 } else { group * rng.range(1, 5) as u32 };
	let window = if dense {
		Window::dense()
	} else {
		loop {
			let k = [rng.range(1, 3.min(h as i64)) as u32, rng.range(1, 3.min(w as i64)) as u32];
			let win = Window {
				kernel: k,
				stride: [rng.range(1, 2) as u32, rng.range(1, 2) as u32],
				dilation: [rng.range(1, 2) as u32, rng.range(1, 2) as u32],
				pads: [0; 4].map(|_| rng.range(0, 2) as u32),
			};
			if win.output(h, w).is_some() {
				break win;
			}
		}
	};
	let [oh, ow] = window.output(h, w).unwrap();
	let per = (ci / group * window.kernel[0] * window.kernel[1]) as usize;
	let weight = (0..co as usize * per).map(|_| rng.range(-128, 127) as i8).collect();
	let big = rng.below(3) == 0;
	let bias = (0..co)
		.map(|_| {
			if big {
				rng.range(-(1 << 28), 1 << 28) as i32
			} else {
				rng.range(-5000, 5000) as i32
			}
		})
		.collect();
	let multiplier = (0..if rng.below(2) == 0 { 1 } else { co }).map(|_| rng.scale()).collect();
	let y = rng.tensor(vec![co, oh, ow]);
	let (lo, hi) = y.dtype.range();
	let clamp = if rng.below(3) == 0 { [y.zero_point, hi] } else { [lo, hi] };
	// Symmetric weights, one zero point, or one per output channel (uint8 weights, shifted).
	let weight_zero_point = match rng.below(3) {
		0 => vec![0],
		1 => vec![rng.range(-128, 127) as i32],
		_ => (0..co).map(|_| rng.range(-128, 127) as i32).collect(),
	};
	let conv = Conv {
		x: xi,
		y: xi + 1,
		group,
		window,
		weight,
		bias,
		multiplier,
		clamp,
		weight_zero_point,
	};
	(Op::Conv(conv), y)
}

/// A random chain of ops on a random image; every op reads the previous tensor, Add also an
/// earlier one of the same shape.
fn random_program(rng: &mut Rng) -> Program {
	let shape = vec![rng.range(1, 5) as u32, rng.range(1, 9) as u32, rng.range(1, 9) as u32];
	let mut tensors = vec![rng.tensor(shape)];
	let mut ops = Vec::new();
	for _ in 0..rng.range(1, 5) {
		let xi = (tensors.len() - 1) as u16;
		let x = tensors[xi as usize].clone();
		let [c, h, w] = x.chw().unwrap();
		let (op, y) = match rng.below(5) {
			0 | 1 => random_conv(rng, &x, xi, false, false),
			2 => random_conv(rng, &x, xi, true, false),
			3 if h >= 2 && w >= 2 && rng.below(2) == 0 => {
				// Average pooling: a random window, padding, divisor rule and dequantization
				// table (random values of every magnitude in the normal range, both signs).
				let k =
					[rng.range(1, 3.min(h as i64)) as u32, rng.range(1, 3.min(w as i64)) as u32];
				let window = Window {
					kernel: k,
					stride: [rng.range(1, 2) as u32, rng.range(1, 2) as u32],
					dilation: [1, 1],
					pads: [k[0], k[1], k[0], k[1]].map(|k| rng.range(0, k as i64 - 1) as u32),
				};
				let [oh, ow] = window.output(h, w).unwrap();
				let dequant = (0..256)
					.map(|_| match rng.below(8) {
						0 => 0,
						_ => {
							((rng.next() as u32) & 0x8000_0000)
								| ((100 + rng.below(50) as u32) << 23)
								| (rng.next() as u32 & 0x7f_ffff)
						},
					})
					.collect();
				let y = Tensor { scale: rng.scale(), ..rng.tensor(vec![c, oh, ow]) };
				let y = Tensor {
					dtype: x.dtype,
					zero_point: y.zero_point.clamp(x.dtype.range().0, x.dtype.range().1),
					..y
				};
				let op =
					AvgPool { x: xi, y: xi + 1, window, count_pad: rng.below(2) == 0, dequant };
				(Op::AvgPool(op), y)
			},
			3 if h >= 2 && w >= 2 => {
				let k = [rng.range(1, 2) as u32, rng.range(1, 2) as u32];
				let window = Window {
					kernel: k,
					stride: [rng.range(1, 2) as u32, rng.range(1, 2) as u32],
					dilation: [1, 1],
					pads: [0, 0, k[0] - 1, k[1] - 1].map(|p: u32| rng.range(0, p as i64) as u32),
				};
				let [oh, ow] = window.output(h, w).unwrap();
				let y = Tensor { shape: vec![c, oh, ow], ..x.clone() };
				(Op::MaxPool(MaxPool { x: xi, y: xi + 1, window }), y)
			},
			4 if rng.below(4) == 0 => {
				// Along any axis, with onnxruntime's exponentials for a random input scale or
				// with random ones of every magnitude (zeros, subnormals, huge values, whose
				// sums saturate), and a random output scale.
				let axis = rng.below(3) as u8;
				let exp = if rng.below(2) == 0 {
					let s_x = 0.001 + rng.below(1000) as f64 / 500.0;
					let n = x.shape[axis as usize] as f32;
					let shift = (((f32::MAX / n) as f64).ln() - 5.0).max(0.0) / s_x;
					(0..256)
						.map(|i| (((i as f64 - 255.0 + shift) * s_x).exp() as f32).to_bits())
						.collect()
				} else {
					(0..256).map(|_| rng.next() as u32 & 0x7fff_ffff).collect()
				};
				let scale = if rng.below(2) == 0 { 256f32.to_bits() } else { rng.scale() };
				let y = Tensor { dtype: x.dtype, ..rng.tensor(x.shape.clone()) };
				let (lo, hi) = x.dtype.range();
				let y = Tensor { zero_point: y.zero_point.clamp(lo, hi), ..y };
				(Op::Softmax(Softmax { x: xi, y: xi + 1, axis, exp, scale }), y)
			},
			4 if rng.below(4) == 0 => {
				// This tensor by an earlier one (or itself) whose [.., K, N] fits its
				// [.., M, K] (the last two axes as a matrix, per channel), or by its own
				// transpose of those axes, as attention's Q · Kᵀ.
				let fits = |t: &Tensor| t.shape[0] == c && t.shape[1] == w && t.dtype == x.dtype;
				let other = tensors.iter().rposition(|t| fits(t) && rng.below(2) == 0);
				let (b, n) = match other {
					Some(b) => (b as u16, tensors[b].shape[2]),
					None => (xi, w),
				};
				let mut pre = None;
				let b = if other.is_none() && h != w {
					// [c, h, w] → [c, w, h], defined first.
					let t = Tensor { shape: vec![c, w, h], ..x.clone() };
					pre = Some((Op::Transpose { x: xi, y: xi + 1, perm: vec![0, 2, 1] }, t));
					xi + 1
				} else {
					b
				};
				let n = if pre.is_some() { h } else { n };
				let y = rng.tensor(vec![c, h, n]);
				let (lo, hi) = y.dtype.range();
				let clamp = if rng.below(3) == 0 { [y.zero_point, hi] } else { [lo, hi] };
				let at = xi + 1 + pre.is_some() as u16;
				let op = MatMul { a: xi, b, y: at, multiplier: rng.scale(), clamp };
				if let Some((op, t)) = pre {
					tensors.push(t);
					ops.push(op);
				}
				(Op::MatMul(op), y)
			},
			4 if rng.below(4) == 0 && x.shape.contains(&1) => {
				// Repeated along its axes of size 1 (what broadcasting an operand compiles to).
				let shape =
					x.shape.iter().map(|&d| if d == 1 { rng.range(1, 4) as u32 } else { d });
				(Op::Expand { x: xi, y: xi + 1 }, Tensor { shape: shape.collect(), ..x.clone() })
			},
			4 if rng.below(4) == 0 => {
				// A random function of the byte, into a random quantization and element type.
				let table = (0..256).map(|_| rng.next() as u8).collect();
				let y = rng.tensor(x.shape.clone());
				(Op::Lookup(Lookup { x: xi, y: xi + 1, table }), y)
			},
			4 if rng.below(4) == 0 => {
				// Over the trailing axes from any axis on, with random gains, offsets, epsilon
				// and output quantization.
				let axis = rng.below(3) as u8;
				let (op, y) = rng.layer_norm(&x, xi, axis);
				(Op::LayerNorm(op), y)
			},
			4 if rng.below(3) == 0 => {
				// Any permutation of the three axes.
				let perm = [[0u8, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
					[rng.below(5) as usize]
					.to_vec();
				let shape = perm.iter().map(|&p| x.shape[p as usize]).collect();
				(Op::Transpose { x: xi, y: xi + 1, perm }, Tensor { shape, ..x.clone() })
			},
			4 if rng.below(2) == 0 => {
				// This tensor and earlier ones of its spatial size and element type (as the
				// check requires), along the channels, each through a random table.
				let mut inputs = vec![xi];
				for (t, earlier) in tensors.iter().enumerate().rev().skip(1) {
					let fits = earlier.shape[1..] == x.shape[1..] && earlier.dtype == x.dtype;
					if fits && rng.below(2) == 0 {
						inputs.push(t as u16);
					}
				}
				let c = inputs.iter().map(|&t| tensors[t as usize].shape[0]).sum();
				let (lo, hi) = x.dtype.range();
				let zero_point = rng.range(lo as i64, hi as i64) as i32;
				let y = Tensor { shape: vec![c, h, w], zero_point, ..x.clone() };
				let tables =
					inputs.iter().map(|_| (0..256).map(|_| rng.next() as u8).collect()).collect();
				(Op::Concat(Concat { inputs, y: xi + 1, axis: 0, tables }), y)
			},
			_ => {
				let other = tensors
					.iter()
					.rposition(|t| t.shape == x.shape && rng.below(2) == 0)
					.unwrap_or(xi as usize);
				let table = (0..BINARY_TABLE).map(|_| rng.next() as u8).collect();
				let y = rng.tensor(x.shape.clone());
				let op = Binary { a: xi, b: other as u16, y: xi + 1, table };
				(if rng.below(2) == 0 { Op::Add(op) } else { Op::Mul(op) }, y)
			},
		};
		tensors.push(y);
		ops.push(op);
	}
	// End with a flatten and a dense layer, as classifiers do.
	let xi = (tensors.len() - 1) as u16;
	let k = tensors[xi as usize].elements() as u32;
	tensors.push(Tensor { shape: vec![k], ..tensors[xi as usize].clone() });
	ops.push(Op::Reshape { x: xi, y: xi + 1 });
	let x = tensors.last().unwrap().clone();
	let (op, mut y) = random_conv(rng, &x, xi + 1, false, true);
	y.shape = vec![y.shape[0]];
	tensors.push(y);
	ops.push(op);
	Program { version: VERSION, tensors, ops }
}

#[test]
fn random_programs_match_reference() {
	let mut rng = Rng(0x5eed_1234_abcd_0001);
	let mut seen = std::collections::BTreeMap::new();
	for i in 0..160 {
		let p = random_program(&mut rng);
		let batch = rng.range(1, 3) as usize;
		let input: Vec<u8> =
			(0..p.input().elements() as usize * batch).map(|_| rng.next() as u8).collect();
		same_on_gpu(&p, batch, &input, &format!("random program {i}"));
		for op in &p.ops {
			*seen.entry(op.name()).or_insert(0) += 1;
		}
	}
	// Every kind of op was among them, so every kernel was compared.
	let kinds = ["Conv", "Dense", "MaxPool", "Add", "Mul", "Lookup", "Reshape", "Concat"];
	for kind in kinds.into_iter().chain([
		"Transpose",
		"AvgPool",
		"Expand",
		"Softmax",
		"MatMul",
		"LayerNorm",
	]) {
		assert!(seen.get(kind).copied().unwrap_or(0) >= 3, "too few {kind} ops: {seen:?}");
	}
}

/// Softmax rows from 1 to 4,099 values long, along every axis, with onnxruntime's exponentials
/// and with random ones: every sum, reciprocal and product of the row walk on the GPU equals the
/// reference's.
#[test]
fn softmax_rows_of_every_length_match_reference() {
	let mut rng = Rng(0x50f7_3a11);
	let shapes: [(&[u32], u8); 8] = [
		(&[1], 0),
		(&[10], 0),
		(&[4099], 0),
		(&[3, 7, 5], 1),
		(&[3, 7, 5], 0),
		(&[2, 300], 1),
		(&[16, 16, 16], 2),
		(&[1000, 2], 0),
	];
	for (i, (shape, axis)) in shapes.into_iter().enumerate() {
		for dtype in [DType::U8, DType::I8] {
			let n = shape[axis as usize];
			let exp: Vec<u32> = if i % 2 == 0 {
				let s_x = 0.02 + rng.below(100) as f64 / 100.0;
				let shift = (((f32::MAX / n as f32) as f64).ln() - 5.0).max(0.0) / s_x;
				(0..256)
					.map(|i| (((i as f64 - 255.0 + shift) * s_x).exp() as f32).to_bits())
					.collect()
			} else {
				(0..256).map(|_| rng.next() as u32 & 0x7fff_ffff).collect()
			};
			let zero_point = if dtype == DType::I8 { -128 } else { 0 };
			let t = Tensor { shape: shape.to_vec(), dtype, scale: 0x3b80_0000, zero_point };
			let op = Softmax { x: 0, y: 1, axis, exp, scale: 256f32.to_bits() };
			let p = Program {
				version: VERSION,
				tensors: vec![t.clone(), t],
				ops: vec![Op::Softmax(op)],
			};
			let batch = 2;
			let input: Vec<u8> =
				(0..p.input().elements() as usize * batch).map(|_| rng.next() as u8).collect();
			same_on_gpu(&p, batch, &input, &format!("softmax {shape:?} axis {axis} {dtype:?}"));
		}
	}
}

/// Layer normalization over rows from 1 to 32,768 values (the longest a program may have):
/// constant rows (a zero variance, with and without epsilon), rows of extreme values, huge
/// and zero gains. Every sum, square root, reciprocal and product on the GPU equals the
/// reference's.
#[test]
fn layer_norm_rows_of_every_length_match_reference() {
	let mut rng = Rng(0x1a7e_2a0e);
	let shapes: [(&[u32], u8); 8] = [
		(&[1], 0),
		(&[2], 0),
		(&[8, 32], 1),
		(&[8, 32], 0),
		(&[3, 7, 5], 1),
		(&[4, 768], 1),
		(&[1, 16384], 1),
		(&[17, 3, 3], 2),
	];
	for (i, (shape, axis)) in shapes.into_iter().enumerate() {
		for dtype in [DType::U8, DType::I8] {
			let x = Tensor { shape: shape.to_vec(), dtype, scale: 0x3c00_0000, zero_point: 3 };
			let (op, y) = rng.layer_norm(&x, 0, axis);
			let p = Program { version: VERSION, tensors: vec![x, y], ops: vec![Op::LayerNorm(op)] };
			let batch = 2;
			let n = p.input().elements() as usize * batch;
			// Random bytes; every other shape also gets constant rows and rows of the extremes.
			let input: Vec<u8> = (0..n)
				.map(|k| match (i % 2, k % 3) {
					(1, 0) => 0x55,
					(1, 1) => [0u8, 255][rng.below(2) as usize],
					_ => rng.next() as u8,
				})
				.collect();
			same_on_gpu(&p, batch, &input, &format!("layernorm {shape:?} axis {axis} {dtype:?}"));
			let constant = vec![0x42u8; n];
			same_on_gpu(&p, batch, &constant, &format!("constant rows {shape:?} {dtype:?}"));
		}
	}
}

/// Token embeddings: random tables of 1 to 256 rows and widths 1 to 96, ids of every byte
/// (those past the table give the zero point), then a per-position dense layer, as a model
/// starts.
#[test]
fn gathers_of_every_vocabulary_match_reference() {
	let mut rng = Rng(0x6a7e_e4b1);
	for (i, &(rows, width, tokens)) in
		[(1u16, 1u32, 1u32), (2, 5, 7), (17, 96, 3), (256, 32, 64), (200, 3, 300)]
			.iter()
			.enumerate()
	{
		let ids =
			Tensor { shape: vec![tokens], dtype: DType::U8, scale: 1f32.to_bits(), zero_point: 0 };
		let y = Tensor { shape: vec![tokens, width], ..rng.tensor(vec![]) };
		let table = (0..rows as u32 * width).map(|_| rng.next() as u8).collect();
		let op = Op::Gather(Gather { x: 0, y: 1, rows, table });
		let p = Program { version: VERSION, tensors: vec![ids, y], ops: vec![op] };
		let batch = 3;
		let input: Vec<u8> = (0..tokens as usize * batch).map(|_| rng.next() as u8).collect();
		same_on_gpu(&p, batch, &input, &format!("gather {i}: {rows} rows of {width}"));
	}
}

/// The deepest reduction a program may have (`MAX_CONV_DEPTH`), through both kernels: a
/// grouped convolution (the direct kernel) and a dense layer (the GEMM). Every product counts,
/// so a loop cut short by the driver would show in the sum.
#[test]
fn the_deepest_convolutions_are_summed_to_their_end() {
	use aipin_kernels::inference::program::MAX_CONV_DEPTH;
	let (gpu, inf) = ctx();
	let depth = MAX_CONV_DEPTH;
	let t = |shape: Vec<u32>| Tensor { shape, dtype: DType::U8, scale: 0x3c00_0000, zero_point: 0 };
	// (input, group, kernel): C_in/group · k_h · k_w = depth either way.
	let cases = [(vec![2 * depth / 10, 10, 1], 2, [10, 1]), (vec![depth], 1, [1, 1])];
	for (shape, group, kernel) in cases {
		let window = Window { kernel, stride: [1, 1], dilation: [1, 1], pads: [0; 4] };
		let co = 2 * group;
		let conv = Conv {
			x: 0,
			y: 1,
			group,
			window,
			weight: (0..co * depth).map(|i| if i % 3 == 0 { -1 } else { 1 }).collect(),
			bias: vec![0; co as usize],
			multiplier: vec![(1.0f32 / 65536.0).to_bits()],
			clamp: [0, 255],
			weight_zero_point: vec![0],
		};
		let out = if shape.len() == 1 { vec![co] } else { vec![co, 1, 1] };
		let p = Program {
			version: VERSION,
			tensors: vec![t(shape), t(out)],
			ops: vec![Op::Conv(conv)],
		};
		let n = p.input().elements() as usize;
		// Inputs that grow along the reduction: its last terms weigh the most.
		let input: Vec<u8> = (0..n).map(|k| (k * 200 / n) as u8 + 1).collect();
		let want = reference::run(&p, 1, &input).unwrap().output_bytes(&p);
		assert!(want.iter().all(|&b| b > 0 && b < 255), "a strong test: {want:?}");
		let got = inf.run(gpu, &p, 1, &input).expect("runs on the GPU");
		assert_eq!(
			got[1], want,
			"group {group}: a reduction of {depth} differs from the reference"
		);
	}
}

/// A dense layer with K = 1 and weight 1 makes `acc = bias + (x − zp)`: every accumulator is
/// chosen directly, including |acc| > 2²⁴ (where f32(acc) rounds), i32 extremes and exact ties.
#[test]
fn requantization_edge_cases_match_reference() {
	let mut rng = Rng(0x0dd_ba11);
	let mut biases: Vec<i32> = vec![
		0,
		1,
		-1,
		127,
		128,
		(1 << 24) + 1,
		-(1 << 24) - 3,
		(1 << 30) + 7,
		i32::MAX - 40_000,
		i32::MIN + 40_000,
	];
	biases.extend((0..500).map(|i| ((rng.next() as i32) >> (i % 31)).clamp(-(1 << 30), 1 << 30)));
	let mut scales = vec![
		0.5f32.to_bits(),
		0.25f32.to_bits(),
		1.0f32.to_bits(),
		f32::MIN_POSITIVE.to_bits(),
		(1.0f32 / 3.0).to_bits(),
	];
	scales.extend((0..40).map(|_| rng.scale()));
	for (si, &s) in scales.iter().enumerate() {
		let co = biases.len() as u32;
		let x = Tensor { shape: vec![1], dtype: DType::I8, scale: 0x3c00_0000, zero_point: 0 };
		let y = Tensor {
			shape: vec![co],
			dtype: if si % 2 == 0 { DType::U8 } else { DType::I8 },
			scale: 0x3c00_0000,
			zero_point: if si % 2 == 0 { 128 } else { -3 },
		};
		let (lo, hi) = y.dtype.range();
		let conv = Conv {
			x: 0,
			y: 1,
			group: 1,
			window: Window::dense(),
			weight: vec![1; co as usize],
			bias: biases.clone(),
			multiplier: vec![s],
			clamp: [lo, hi],
			weight_zero_point: vec![0],
		};
		let p = Program { version: VERSION, tensors: vec![x, y], ops: vec![Op::Conv(conv)] };
		// Input values 0 and ±1 shift every accumulator by one: ties land on both sides.
		same_on_gpu(&p, 3, &[0, 1, 255], &format!("scale {:e}", f32::from_bits(s)));
	}
}

#[test]
fn demo_models_match_reference() {
	let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models");
	let mut seen = 0;
	let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
	files.sort();
	for path in files {
		let name = path.file_name().unwrap().to_string_lossy().to_string();
		if !name.ends_with(".int8.onnx") {
			continue;
		}
		let compiled = aipin_compiler::compile(&std::fs::read(&path).unwrap()).unwrap();
		let stem = name.split('.').next().unwrap();
		let x =
			aipin_compiler::npy::read(&std::fs::read(dir.join(format!("{stem}.x.npy"))).unwrap())
				.unwrap();
		let aipin_compiler::npy::Data::F32(xs) = &x.data else { panic!("float inputs") };
		let batch = x.shape[0].min(64);
		let per = compiled.program.input().elements() as usize;
		let input = aipin_compiler::quantize_input(&compiled.program, &xs[..batch * per]);
		same_on_gpu(&compiled.program, batch, &input, &name);
		seen += 1;
	}
	assert!(seen >= 4, "demo models missing from {}", dir.display());
}

/// The longest rows a program may have, with the largest values last, so that every output
/// of the row's final walk is non-zero and a walk cut short would show. (lavapipe stops every
/// loop of an invocation once their iterations together reach 65,535.)
#[test]
fn the_longest_softmax_and_layer_norm_rows_are_computed_to_their_end() {
	use aipin_kernels::inference::program::{MAX_LAYERNORM_ROW, MAX_SOFTMAX_ROW};
	let (gpu, inf) = ctx();
	let t = |n: u32| Tensor { shape: vec![n], dtype: DType::U8, scale: 0x3c00_0000, zero_point: 0 };
	let n = MAX_SOFTMAX_ROW;
	let exp = (0..256).map(|i| (((i as f64 - 255.0) * 0.05).exp() as f32).to_bits()).collect();
	let op = Softmax { x: 0, y: 1, axis: 0, exp, scale: (n as f32 * 4.0).to_bits() };
	let softmax =
		Program { version: VERSION, tensors: vec![t(n), t(n)], ops: vec![Op::Softmax(op)] };
	let n = MAX_LAYERNORM_ROW;
	let op = LayerNorm {
		x: 0,
		y: 1,
		axis: 0,
		epsilon: 0,
		gain: vec![40f32.to_bits(); n as usize],
		offset: vec![128f32.to_bits(); n as usize],
	};
	let layer_norm =
		Program { version: VERSION, tensors: vec![t(n), t(n)], ops: vec![Op::LayerNorm(op)] };
	for p in [softmax, layer_norm] {
		let len = p.input().elements() as usize;
		// Ascending values: the last ones are the largest, so their outputs are not zero.
		let input: Vec<u8> = (0..len).map(|k| (k * 256 / len) as u8).collect();
		let want = reference::run(&p, 1, &input).unwrap().output_bytes(&p);
		assert!(want[len - 16..].iter().all(|&b| b != 0), "{}: a strong test", p.ops[0].name());
		let got = inf.run(gpu, &p, 1, &input).expect("runs on the GPU");
		assert!(got[1] == want, "{}: rows of {len} differ from the reference", p.ops[0].name());
	}
}
