//! The CPU reference: the definition every device's output must equal bit for bit.
//!
//! Plain loops over a [checked](super::Program::check) program. A batch is `batch` samples
//! laid out one after another, each the input tensor's elements as bytes in NCHW order (int8
//! as two's complement).

use super::{
	program::{
		AvgPool, Binary, Concat, Conv, Gather, LayerNorm, MatMul, MaxPool, Op, Program, Softmax,
		Tensor,
	},
	quant::requantize,
	softfloat as sf,
};
use alloc::{vec, vec::Vec};

/// Why a batch cannot run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunError {
	/// The input is not `batch × input elements` bytes.
	InputSize {
		/// Bytes expected.
		expected: u64,
		/// Bytes given.
		got: u64,
	},
}

impl core::error::Error for RunError {}

/// Checks that `input` is `batch` samples of the program's input.
pub fn check_input(program: &Program, batch: usize, input: &[u8]) -> Result<(), RunError> {
	let expected = program.input().elements().saturating_mul(batch as u64);
	if input.len() as u64 != expected {
		return Err(RunError::InputSize { expected, got: input.len() as u64 });
	}
	Ok(())
}

impl core::fmt::Display for RunError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::InputSize { expected, got } => {
				write!(f, "the batch is {got} bytes; the model takes {expected}")
			},
		}
	}
}

/// Every tensor of the run, each as `batch` samples of values (not bytes).
pub struct Activations {
	/// Samples in the batch.
	pub batch: usize,
	/// `values[t]`: tensor `t` for the whole batch, sample-major.
	pub values: Vec<Vec<i32>>,
}

impl Activations {
	/// Tensor `t` as bytes, sample-major: what the commitment covers.
	pub fn bytes(&self, program: &Program, t: usize) -> Vec<u8> {
		let dtype = program.tensors[t].dtype;
		self.values[t].iter().map(|&v| dtype.to_byte(v)).collect()
	}

	/// Every tensor as bytes, in program order (input first): what a task's result covers.
	pub fn tensors(&self, program: &Program) -> Vec<Vec<u8>> {
		(0..program.tensors.len()).map(|t| self.bytes(program, t)).collect()
	}

	/// The output tensor as bytes.
	pub fn output_bytes(&self, program: &Program) -> Vec<u8> {
		self.bytes(program, program.tensors.len() - 1)
	}
}

/// Runs `batch` samples through `program` (which must have passed its check).
pub fn run(program: &Program, batch: usize, input: &[u8]) -> Result<Activations, RunError> {
	check_input(program, batch, input)?;
	let inp = program.input();
	let mut values: Vec<Vec<i32>> = Vec::with_capacity(program.tensors.len());
	values.push(input.iter().map(|&b| inp.dtype.from_byte(b)).collect());
	for op in &program.ops {
		let out = match op {
			Op::Conv(c) => conv(program, c, batch, &values[c.x as usize]),
			Op::MaxPool(p) => max_pool(program, p, batch, &values[p.x as usize]),
			Op::Add(t) | Op::Mul(t) => {
				binary(program, t, &values[t.a as usize], &values[t.b as usize])
			},
			Op::Lookup(l) => {
				let [tx, ty] = [l.x, l.y].map(|t| program.tensors[t as usize].dtype);
				let xs = &values[l.x as usize];
				xs.iter().map(|&v| ty.from_byte(l.table[tx.to_byte(v) as usize])).collect()
			},
			Op::Reshape { x, .. } => values[*x as usize].clone(),
			Op::Concat(c) => concat(program, c, batch, &values),
			Op::AvgPool(p) => avg_pool(program, p, batch, &values[p.x as usize]),
			Op::Softmax(s) => softmax(program, s, &values[s.x as usize]),
			Op::LayerNorm(l) => layer_norm(program, l, &values[l.x as usize]),
			Op::Gather(g) => gather(program, g, &values[g.x as usize]),
			Op::MatMul(m) => mat_mul(program, m, &values[m.a as usize], &values[m.b as usize]),
			Op::Transpose { x, y, .. } | Op::Expand { x, y } => {
				let layout = index_map(program, op).expect("a Transpose or an Expand");
				let per_sample = program.tensors[*x as usize].elements() as usize;
				let xs = &values[*x as usize];
				let mut out = Vec::with_capacity(
					program.tensors[*y as usize].elements() as usize * xs.len() / per_sample,
				);
				for sample in xs.chunks_exact(per_sample) {
					out.extend(layout.iter().map(|&i| sample[i]));
				}
				out
			},
		};
		values.push(out);
	}
	Ok(Activations { batch, values })
}

fn chw(t: &Tensor) -> [usize; 3] {
	let [c, h, w] = t.chw().expect("checked program");
	[c as usize, h as usize, w as usize]
}

/// Input coordinate of output `o`, window tap `k`: `o·stride + k·dilation − pad`, or `None`
/// in the padding.
fn tap(o: usize, k: usize, stride: u32, dilation: u32, pad: u32, size: usize) -> Option<usize> {
	let pos = (o * stride as usize + k * dilation as usize).checked_sub(pad as usize)?;
	(pos < size).then_some(pos)
}

fn conv(program: &Program, c: &Conv, batch: usize, x: &[i32]) -> Vec<i32> {
	let (tx, ty) = (&program.tensors[c.x as usize], &program.tensors[c.y as usize]);
	let ([ci, h, w], [co, oh, ow]) = (chw(tx), chw(ty));
	let g = c.group as usize;
	let (cig, cog) = (ci / g, co / g);
	let [kh, kw] = [c.window.kernel[0] as usize, c.window.kernel[1] as usize];
	let zx = tx.zero_point;
	let mut y = vec![0i32; batch * co * oh * ow];
	for n in 0..batch {
		let xs = &x[n * ci * h * w..(n + 1) * ci * h * w];
		for o in 0..co {
			let grp = o / cog;
			let s = c.multiplier[if c.multiplier.len() == 1 { 0 } else { o }];
			for oy in 0..oh {
				for ox in 0..ow {
					let mut acc = c.bias[o];
					for i in 0..cig {
						let ch = grp * cig + i;
						for ky in 0..kh {
							let Some(iy) = tap(
								oy,
								ky,
								c.window.stride[0],
								c.window.dilation[0],
								c.window.pads[0],
								h,
							) else {
								continue;
							};
							for kx in 0..kw {
								let Some(ix) = tap(
									ox,
									kx,
									c.window.stride[1],
									c.window.dilation[1],
									c.window.pads[1],
									w,
								) else {
									continue;
								};
								let wv = c.weight_at(((o * cig + i) * kh + ky) * kw + kx);
								acc = acc.wrapping_add((xs[(ch * h + iy) * w + ix] - zx) * wv);
							}
						}
					}
					y[((n * co + o) * oh + oy) * ow + ox] =
						requantize(acc, s, ty.zero_point, c.clamp[0], c.clamp[1]);
				}
			}
		}
	}
	y
}

fn max_pool(program: &Program, p: &MaxPool, batch: usize, x: &[i32]) -> Vec<i32> {
	let (tx, ty) = (&program.tensors[p.x as usize], &program.tensors[p.y as usize]);
	let ([c, h, w], [_, oh, ow]) = (chw(tx), chw(ty));
	let [kh, kw] = [p.window.kernel[0] as usize, p.window.kernel[1] as usize];
	let mut y = vec![0i32; batch * c * oh * ow];
	for n in 0..batch {
		for ch in 0..c {
			let base = (n * c + ch) * h * w;
			for oy in 0..oh {
				for ox in 0..ow {
					let mut m = i32::MIN;
					for ky in 0..kh {
						let Some(iy) = tap(oy, ky, p.window.stride[0], 1, p.window.pads[0], h)
						else {
							continue;
						};
						for kx in 0..kw {
							let Some(ix) = tap(ox, kx, p.window.stride[1], 1, p.window.pads[1], w)
							else {
								continue;
							};
							m = m.max(x[base + iy * w + ix]);
						}
					}
					y[((n * c + ch) * oh + oy) * ow + ox] = m;
				}
			}
		}
	}
	y
}

/// One window's `[start, end)` along an axis: onnxruntime's `start = o·stride − pad`,
/// `end = min(start + kernel, size)`, then `start = max(start, 0)`.
fn span(o: usize, stride: u32, pad: u32, kernel: u32, size: usize) -> (usize, usize) {
	let start = (o * stride as usize) as i64 - pad as i64;
	let end = (start + kernel as i64).min(size as i64);
	(start.max(0) as usize, end.max(0) as usize)
}

fn avg_pool(program: &Program, p: &AvgPool, batch: usize, x: &[i32]) -> Vec<i32> {
	let (tx, ty) = (&program.tensors[p.x as usize], &program.tensors[p.y as usize]);
	let ([c, h, w], [_, oh, ow]) = (chw(tx), chw(ty));
	let win = &p.window;
	let (lo, hi) = ty.dtype.range();
	let zp = sf::from_int(ty.zero_point);
	let mut y = vec![0i32; batch * c * oh * ow];
	for plane in 0..batch * c {
		let base = plane * h * w;
		for oy in 0..oh {
			let (h0, h1) = span(oy, win.stride[0], win.pads[0], win.kernel[0], h);
			for ox in 0..ow {
				let (w0, w1) = span(ox, win.stride[1], win.pads[1], win.kernel[1], w);
				let mut sum = 0u32;
				for iy in h0..h1 {
					for ix in w0..w1 {
						let q = tx.dtype.to_byte(x[base + iy * w + ix]);
						sum = sf::add(sum, p.dequant[q as usize]);
					}
				}
				let count = if p.count_pad {
					win.kernel[0] * win.kernel[1]
				} else {
					((h1.saturating_sub(h0)) * (w1.saturating_sub(w0))) as u32
				};
				let v = sf::add(sf::div(sf::div(sum, sf::from_int(count as i32)), ty.scale), zp);
				y[(plane * oh + oy) * ow + ox] = sf::round_to_i32(v).clamp(lo, hi);
			}
		}
	}
	y
}

fn mat_mul(program: &Program, m: &MatMul, a: &[i32], b: &[i32]) -> Vec<i32> {
	let [za, zb, zy] = [m.a, m.b, m.y].map(|t| program.tensors[t as usize].zero_point);
	let (_, rows, depth, cols) = m.dims(&program.tensors);
	// Every sample's every product, one after another.
	let blocks = a.len() / (rows * depth);
	let mut y = vec![0i32; blocks * rows * cols];
	for block in 0..blocks {
		let (a, b) = (&a[block * rows * depth..], &b[block * depth * cols..]);
		for i in 0..rows {
			for j in 0..cols {
				let acc = (0..depth)
					.map(|t| (a[i * depth + t] - za) * (b[t * cols + j] - zb))
					.sum::<i32>();
				let [lo, hi] = m.clamp;
				y[(block * rows + i) * cols + j] = requantize(acc, m.multiplier, zy, lo, hi);
			}
		}
	}
	y
}

fn softmax(program: &Program, s: &Softmax, x: &[i32]) -> Vec<i32> {
	let ty = &program.tensors[s.y as usize];
	let (_, length, inner) = s.rows(&program.tensors);
	let (lo, hi) = ty.dtype.range();
	let mut y = vec![0i32; x.len()];
	// Every row of every sample: samples are laid out one after another, so a batch is
	// `batch · outer` blocks of `length · inner` values.
	for block in 0..x.len() / (length * inner) {
		for i in 0..inner {
			let at = |k: usize| block * length * inner + i + k * inner;
			let top = (0..length).map(|k| x[at(k)]).max().unwrap_or(0);
			// `top − v` is in 0..=255 for two values of one 8-bit type.
			let exp = |k: usize| s.exp[(x[at(k)] - top + 255) as usize];
			let sum = (0..length).fold(0u32, |sum, k| sf::add(sum, exp(k)));
			for k in 0..length {
				let v = sf::round_to_i32(sf::mul(sf::div(exp(k), sum), s.scale));
				// Bounded first (far outside the output range either way), so that the zero
				// point cannot overflow it.
				y[at(k)] = (v.clamp(-1024, 1024) + ty.zero_point).clamp(lo, hi);
			}
		}
	}
	y
}

fn gather(program: &Program, g: &Gather, ids: &[i32]) -> Vec<i32> {
	let ty = &program.tensors[g.y as usize];
	let width = g.table.len() / g.rows as usize;
	let mut y = Vec::with_capacity(ids.len() * width);
	for &id in ids {
		// A `U8` tensor's values are its bytes, 0..=255.
		// The table is `rows × width` bytes, so a row exists exactly for the ids below `rows`.
		match g.table.get(id as usize * width..(id as usize + 1) * width) {
			Some(row) => y.extend(row.iter().map(|&b| ty.dtype.from_byte(b))),
			None => y.extend(core::iter::repeat_n(ty.zero_point, width)),
		}
	}
	y
}

/// binary32 one.
const ONE: u32 = 0x3f80_0000;

fn layer_norm(program: &Program, l: &LayerNorm, x: &[i32]) -> Vec<i32> {
	let (tx, ty) = (&program.tensors[l.x as usize], &program.tensors[l.y as usize]);
	let len = l.row(&program.tensors);
	let (lo, hi) = ty.dtype.range();
	// `len ≤ 2^15` and `|v| ≤ 255`: every integer below fits an `i32` with room to spare.
	let length = len as i32;
	let mut y = Vec::with_capacity(x.len());
	// A row is `len` consecutive values: the normalized axes are the trailing ones.
	for row in x.chunks_exact(len) {
		let sum: i32 = row.iter().map(|&q| q - tx.zero_point).sum();
		let centred = |q: i32| sf::from_int(length * (q - tx.zero_point) - sum);
		let squares = row.iter().fold(0u32, |t, &q| {
			let d = centred(q);
			sf::add(t, sf::mul(d, d))
		});
		let variance = sf::add(sf::div(squares, sf::from_int(length)), l.epsilon);
		let inverse = sf::div(ONE, sf::sqrt(variance));
		for (k, &q) in row.iter().enumerate() {
			let z = sf::mul(centred(q), inverse);
			let v = sf::round_to_i32(sf::add(sf::mul(z, l.gain[k]), l.offset[k]));
			// Bounded first, so that the zero point cannot overflow it.
			y.push((v.clamp(-1024, 1024) + ty.zero_point).clamp(lo, hi));
		}
	}
	y
}

fn binary(program: &Program, op: &Binary, a: &[i32], b: &[i32]) -> Vec<i32> {
	let [ta, tb, ty] = [op.a, op.b, op.y].map(|t| program.tensors[t as usize].dtype);
	a.iter()
		.zip(b)
		.map(|(&va, &vb)| {
			let i = (ta.to_byte(va) as usize) << 8 | tb.to_byte(vb) as usize;
			ty.from_byte(op.table[i])
		})
		.collect()
}

fn concat(program: &Program, c: &Concat, batch: usize, values: &[Vec<i32>]) -> Vec<i32> {
	let ty = &program.tensors[c.y as usize];
	let (outer, _, pitches) = c.layout(&program.tensors);
	let out_pitch: usize = pitches.iter().sum();
	let mut y = vec![0i32; batch * outer * out_pitch];
	let mut offset = 0;
	for ((&i, table), &pitch) in c.inputs.iter().zip(&c.tables).zip(&pitches) {
		let tx = &program.tensors[i as usize];
		for (o, run) in values[i as usize].chunks_exact(pitch).enumerate() {
			let at = o * out_pitch + offset;
			for (dst, &v) in y[at..at + pitch].iter_mut().zip(run) {
				*dst = ty.dtype.from_byte(table[tx.dtype.to_byte(v) as usize]);
			}
		}
		offset += pitch;
	}
	y
}

/// Where each output element of an op that only moves values (Transpose, Expand) reads, within
/// a sample: output element `k` (in the output's row-major order) is input element `map[k]`.
/// `None` for other ops. The GPU gathers through this same map.
pub fn index_map(program: &Program, op: &Op) -> Option<Vec<usize>> {
	let (x, y) = match op {
		Op::Transpose { x, y, .. } | Op::Expand { x, y } => {
			(&program.tensors[*x as usize].shape, &program.tensors[*y as usize].shape)
		},
		_ => return None,
	};
	let mut stride = vec![1usize; x.len()];
	for a in (0..x.len().saturating_sub(1)).rev() {
		stride[a] = stride[a + 1] * x[a + 1] as usize;
	}
	// How far one step along each output axis moves in the input.
	let step: Vec<usize> = match op {
		Op::Transpose { perm, .. } => perm.iter().map(|&p| stride[p as usize]).collect(),
		_ => x.iter().zip(&stride).map(|(&d, &s)| if d == 1 { 0 } else { s }).collect(),
	};
	Some(strided_layout(y, &step))
}

/// The input offset of every output element (row-major over `shape`) of a gather that moves
/// `step[a]` input elements per step along output axis `a`.
pub fn strided_layout(shape: &[u32], step: &[usize]) -> Vec<usize> {
	let total = shape.iter().map(|&d| d as usize).product();
	(0..total)
		.map(|mut k| {
			let mut at = 0;
			for a in (0..shape.len()).rev() {
				at += (k % shape[a] as usize) * step[a];
				k /= shape[a] as usize;
			}
			at
		})
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::inference::program::{DType, VERSION};

	/// [`index_map`] of `op` from a tensor of shape `x` to one of shape `y`.
	fn map(op: Op, x: &[u32], y: &[u32]) -> Vec<usize> {
		let t = |shape: &[u32]| Tensor {
			shape: shape.to_vec(),
			dtype: DType::U8,
			scale: 0x3c00_0000,
			zero_point: 0,
		};
		let program = Program { version: VERSION, tensors: vec![t(x), t(y)], ops: vec![op] };
		index_map(&program, &program.ops[0]).expect("a Transpose or an Expand")
	}

	#[test]
	fn a_transpose_reads_each_element_from_its_permuted_place() {
		let transpose = |x: &[u32], perm: &[u8]| {
			let y: Vec<u32> = perm.iter().map(|&p| x[p as usize]).collect();
			map(Op::Transpose { x: 0, y: 1, perm: perm.to_vec() }, x, &y)
		};
		// [2, 3] → [3, 2]: y[j][i] = x[i][j].
		assert_eq!(transpose(&[2, 3], &[1, 0]), [0, 3, 1, 4, 2, 5]);
		// [C, H, W] = [2, 1, 2] → channels last [H, W, C] = [1, 2, 2].
		assert_eq!(transpose(&[2, 1, 2], &[1, 2, 0]), [0, 2, 1, 3]);
		assert_eq!(transpose(&[4], &[0]), [0, 1, 2, 3]);
	}

	#[test]
	fn an_expand_repeats_along_the_axes_of_size_one() {
		let expand = |x: &[u32], y: &[u32]| map(Op::Expand { x: 0, y: 1 }, x, y);
		assert_eq!(expand(&[2, 1, 1], &[2, 2, 3]), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
		assert_eq!(expand(&[1, 3], &[2, 3]), [0, 1, 2, 0, 1, 2]);
		assert_eq!(expand(&[2, 1], &[2, 2]), [0, 0, 1, 1]);
		assert_eq!(expand(&[2, 2], &[2, 2]), [0, 1, 2, 3]);
	}

	/// A one-op program: `Softmax` of a `shape` tensor of `dtype` along `axis`, the exponential
	/// table onnxruntime builds for input scale `s_x`, output scale 1/256.
	fn softmax_program(shape: &[u32], dtype: DType, axis: u8, s_x: f64) -> Program {
		let length = shape[axis as usize];
		let shift = (((f32::MAX / length as f32) as f64).ln() - 5.0).max(0.0) / s_x;
		let exp = (0..256).map(|i| (((i as f64 - 255.0 + shift) * s_x).exp() as f32).to_bits());
		let zero_point = if dtype == DType::I8 { -128 } else { 0 };
		let t = Tensor { shape: shape.to_vec(), dtype, scale: 0.00390625f32.to_bits(), zero_point };
		let op = Softmax { x: 0, y: 1, axis, exp: exp.collect(), scale: 256f32.to_bits() };
		let program =
			Program { version: VERSION, tensors: vec![t.clone(), t], ops: vec![Op::Softmax(op)] };
		program.check().expect("a well-formed softmax");
		program
	}

	#[test]
	fn softmax_rows_run_along_their_axis_and_sum_to_one() {
		// [2, 3] along axis 0: three rows (the columns) of two, each one large and one small
		// value, e^19 : 1, so all but 1/256 of each row goes to its large value.
		let p = softmax_program(&[2, 3], DType::U8, 0, 0.1);
		let x = [200u8, 10, 10, 10, 200, 200];
		let y = run(&p, 1, &x).unwrap().output_bytes(&p);
		assert_eq!(y, [255, 0, 0, 0, 255, 255]);
		// Equal values share equally, in any row length and either element type.
		for (dtype, zp) in [(DType::U8, 0), (DType::I8, -128)] {
			for n in [1u32, 2, 4, 8, 16, 64, 256] {
				let p = softmax_program(&[3, n], dtype, 1, 0.05);
				let y = run(&p, 2, &vec![7u8; 6 * n as usize]).unwrap().output_bytes(&p);
				let want = ((256 / n) as i32 + zp).min(dtype.range().1);
				assert!(y.iter().all(|&b| dtype.from_byte(b) == want), "{dtype:?} {n}: {y:?}");
			}
		}
	}

	#[test]
	fn a_matmul_sums_exact_products_and_requantizes_once() {
		let t = |shape: &[u32], dtype, zero_point| Tensor {
			shape: shape.to_vec(),
			dtype,
			scale: 0x3c00_0000,
			zero_point,
		};
		// The input is `a`; `b` is made from it by a table and a reshape, so that both operands
		// are activations: input bytes 1..=6 become b = [[1, 0], [0, 1], [1, 1]].
		let mut table = vec![0u8; 256];
		table[1..=6].copy_from_slice(&[1, 0, 0, 1, 1, 1]);
		let program = |multiplier: f32, clamp| {
			let tensors = vec![
				t(&[2, 3], DType::U8, 1),
				t(&[2, 3], DType::I8, 0),
				t(&[3, 2], DType::I8, 0),
				t(&[2, 2], DType::U8, 0),
			];
			let ops = vec![
				Op::Lookup(super::super::program::Lookup { x: 0, y: 1, table: table.clone() }),
				Op::Reshape { x: 1, y: 2 },
				Op::MatMul(MatMul { a: 0, b: 2, y: 3, multiplier: multiplier.to_bits(), clamp }),
			];
			Program { version: VERSION, tensors, ops }
		};
		// a − 1 = [[0, 1, 2], [3, 4, 5]]: acc = [[2, 3], [8, 9]].
		let x = [1u8, 2, 3, 4, 5, 6];
		let p = program(1.0, [0, 255]);
		p.check().unwrap();
		assert_eq!(run(&p, 1, &x).unwrap().output_bytes(&p), [2, 3, 8, 9]);
		// Halved: 1, 1.5 → 2, 4, 4.5 → 4 (ties to even).
		let p = program(0.5, [0, 255]);
		assert_eq!(run(&p, 1, &x).unwrap().output_bytes(&p), [1, 2, 4, 4]);
		// A folded Relu, or any clamp, narrows the range.
		let p = program(1.0, [3, 8]);
		assert_eq!(run(&p, 1, &x).unwrap().output_bytes(&p), [3, 3, 8, 8]);
		// Operands that do not chain, and a clamp outside the output type, are refused.
		let mut bad = program(1.0, [0, 255]);
		bad.ops[2] =
			Op::MatMul(MatMul { a: 0, b: 1, y: 3, multiplier: 0x3f80_0000, clamp: [0, 255] });
		assert!(bad.check().is_err());
		assert!(program(1.0, [0, 256]).check().is_err());
	}

	#[test]
	fn a_softmax_certain_of_one_value_saturates_rather_than_wraps() {
		// int8, one value far above the rest: t · k = 256, so 256 − 128 = 128, which saturates
		// to 127 (as in onnxruntime 1.32; a plain cast to int8 would give −128).
		let p = softmax_program(&[5], DType::I8, 0, 1.0);
		let x = [100i8, -100, -100, -100, -100].map(|v| v as u8);
		let y = run(&p, 1, &x).unwrap().output_bytes(&p);
		assert_eq!(y.iter().map(|&b| b as i8).collect::<Vec<_>>(), [127, -128, -128, -128, -128]);
	}

	/// The rule is a layer normalization: against one computed in double precision from the
	/// dequantized row (the float model's arithmetic, without its binary32 roundings), every
	/// output is within one unit of the output type, and nearly all are equal.
	#[test]
	fn layer_norm_is_a_layer_norm() {
		let mut state = 0x9e37_79b9_7f4a_7c15u64;
		let mut next = move || {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			state
		};
		let (mut compared, mut differ) = (0, 0);
		for trial in 0..200 {
			let len = [1u32, 2, 7, 8, 32, 64, 100, 768][trial % 8];
			let dtype = if trial % 2 == 0 { DType::U8 } else { DType::I8 };
			let (lo, hi) = dtype.range();
			let s_x = 0.001 + (next() % 1000) as f32 / 10_000.0;
			let s_y = 0.01 + (next() % 1000) as f32 / 20_000.0;
			let zp_x = lo + (next() % 256) as i32;
			let zp_y = lo + (next() % 256) as i32;
			let eps = 1e-5f32;
			let gamma: Vec<f32> = (0..len).map(|_| (next() % 2000) as f32 / 1000.0 - 1.0).collect();
			let beta: Vec<f32> = (0..len).map(|_| (next() % 2000) as f32 / 2000.0 - 0.5).collect();
			let x = Tensor { shape: vec![len], dtype, scale: s_x.to_bits(), zero_point: zp_x };
			let y = Tensor { shape: vec![len], dtype, scale: s_y.to_bits(), zero_point: zp_y };
			let l = len as f64;
			let op = LayerNorm {
				x: 0,
				y: 1,
				axis: 0,
				epsilon: ((l * l * eps as f64 / (s_x as f64 * s_x as f64)) as f32).to_bits(),
				gain: gamma.iter().map(|g| (g / s_y).to_bits()).collect(),
				offset: beta.iter().map(|b| (b / s_y).to_bits()).collect(),
			};
			let program =
				Program { version: VERSION, tensors: vec![x, y], ops: vec![Op::LayerNorm(op)] };
			program.check().unwrap();
			// Rows of a narrow spread around a random centre, as activations are.
			let centre = (next() % 256) as i32;
			let row: Vec<u8> = (0..len)
				.map(|_| (centre + (next() % 41) as i32 - 20).clamp(0, 255) as u8)
				.collect();
			let got = run(&program, 1, &row).unwrap().output_bytes(&program);
			let v: Vec<f64> =
				row.iter().map(|&b| (dtype.from_byte(b) - zp_x) as f64 * s_x as f64).collect();
			let mean = v.iter().sum::<f64>() / l;
			let var = v.iter().map(|a| (a - mean) * (a - mean)).sum::<f64>() / l;
			for k in 0..len as usize {
				let f =
					(v[k] - mean) / (var + eps as f64).sqrt() * gamma[k] as f64 + beta[k] as f64;
				let want = ((f / s_y as f64).round_ties_even() as i32 + zp_y).clamp(lo, hi);
				let got = dtype.from_byte(got[k]);
				assert!((got - want).abs() <= 1, "trial {trial}, k {k}: {got} vs {want}");
				compared += 1;
				differ += (got != want) as usize;
			}
		}
		assert!(differ * 100 <= compared, "{differ} of {compared} outputs differ by one unit");
	}

	/// Each id picks its row; an id past the table gives the output's zero point.
	#[test]
	fn a_gather_picks_rows_and_fills_ids_without_one_with_the_zero_point() {
		let ids = Tensor { shape: vec![4], dtype: DType::U8, scale: 1f32.to_bits(), zero_point: 0 };
		let y = Tensor { shape: vec![4, 2], dtype: DType::I8, scale: 0x3c00_0000, zero_point: -5 };
		let table = vec![1, 2, 3, 4, 5, 6]; // rows [1, 2], [3, 4], [5, 6] as int8 bytes
		let op = Gather { x: 0, y: 1, rows: 3, table };
		let p = Program { version: VERSION, tensors: vec![ids, y], ops: vec![Op::Gather(op)] };
		p.check().unwrap();
		let out = run(&p, 2, &[2, 0, 3, 255, 1, 1, 0, 2]).unwrap();
		assert_eq!(
			out.values[1],
			[5, 6, 1, 2, -5, -5, -5, -5, 3, 4, 3, 4, 1, 2, 5, 6],
			"two samples of four ids"
		);
	}
}
