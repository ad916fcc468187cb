//! A convolution lowered to an int8 matrix product (im2col + GEMM), the fast GPU path for
//! [`Conv`] with one group (every dense layer and every ordinary convolution).
//!
//! The definition of a result stays [`reference::run`](super::reference::run); this is an
//! exact rewriting of its accumulator, so the fast path's output equals it bit for bit.
//!
//! # The identity
//!
//! The reference accumulates, over the `K = C_in·kh·kw` taps of an output element,
//! `acc = bias + Σ (x − z_x)·w` with `w` the effective weight ([`Conv::weight_at`]) and padded
//! taps contributing nothing, all in wrapping i32 arithmetic.
//!
//! Packed int8 dot products need both factors in `-128..=127`, and neither `x − z_x` nor `w`
//! is (each spans up to `-255..=255`). So:
//! - **Activations** are shifted into int8: `x' = x − off`, `z' = z_x − off`, with `off` = 128
//!   for uint8 tensors and 0 for int8 ones. A padded tap reads as `z'`.
//! - **Weights** that do not fit in int8 are split into `reps` int8 parts, `w = Σ_j w_j`
//!   (`reps` = 1 when every weight fits, which is the case for symmetric int8 weights; at most
//!   3, as `|w| ≤ 255`). Each row of the im2col matrix holds its `K` taps `reps` times over,
//!   and each weight row the `reps` parts, so the dot product of the two is `Σ x'·w`.
//! - Then `Σ (x − z_x)·w = Σ x'·w − z'·Σ w`, and the second term is folded into the bias:
//!   `bias' = bias − z'·Σ_k w[o][k]`, once per output channel on the host.
//!
//! Rows are zero-padded to a multiple of 16 bytes (`k16` words of 16 int8). Every step is an
//! i32 addition or a product of int8 values, exact modulo 2³² like the reference, so the
//! result does not depend on the order of the sum or on the device.

use super::program::{Conv, DType, Tensor};
use alloc::vec::Vec;

/// The most int8 parts one weight is split into.
pub const MAX_REPS: u32 = 3;

/// The offset that shifts a `dtype` activation into int8: `x' = x − offset`.
pub fn activation_offset(dtype: DType) -> i32 {
	match dtype {
		DType::U8 => 128,
		DType::I8 => 0,
	}
}

/// A [`Conv`] lowered to a GEMM: the host-side operands of `CONV_GEMM_WGSL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoweredConv {
	/// Taps per output element: `C_in·kh·kw`.
	pub taps: u32,
	/// How many int8 parts each weight is split into (1..=[`MAX_REPS`]).
	pub reps: u32,
	/// Words of 16 int8 per row of either operand: `ceil(reps·taps / 16)`.
	pub k16: u32,
	/// The weight rows, one per output channel: `reps` parts of `taps` int8 each, then zero
	/// padding to `k16·16` bytes.
	pub weight_rows: Vec<u8>,
	/// `bias − z'·Σ w`, per output channel, in wrapping i32 arithmetic.
	pub bias: Vec<i32>,
	/// The input's activation offset (see [`activation_offset`]).
	pub offset: i32,
	/// The shifted input zero point `z'`, the value of a padded tap.
	pub pad: i32,
	/// For each of the `reps·taps` bytes of an im2col row: `[i·h·w + ky·dh·w + kx·dw, ky·dh,
	/// kx·dw, 0]`, where that tap sits relative to its window's corner (see `im2col.wgsl`).
	pub tap: Vec<[i32; 4]>,
}

/// Lowers `c` (reading `x`) to a GEMM; `None` for grouped convolutions, which keep the direct
/// kernel.
pub fn lower(c: &Conv, x: &Tensor) -> Option<LoweredConv> {
	if c.group != 1 {
		return None;
	}
	let co = c.bias.len();
	let taps = c.weight.len().checked_div(co)?;
	let [_, h, w] = x.chw()?;
	let [kh, kw] = c.window.kernel;
	let [dh, dw] = c.window.dilation;
	let window = (kh * kw) as usize;
	let one: Vec<[i32; 4]> = (0..taps)
		.map(|t| {
			let (i, ky, kx) = ((t / window) as u32, (t % window) as u32 / kw, t as u32 % kw);
			let (dy, dx) = (ky * dh, kx * dw);
			[(i * h * w + dy * w + dx) as i32, dy as i32, dx as i32, 0]
		})
		.collect();
	let effective: Vec<i32> = (0..c.weight.len()).map(|i| c.weight_at(i)).collect();
	let reps = effective
		.iter()
		.map(|&w| match w {
			-128..=127 => 1,
			-256..=254 => 2,
			_ => 3,
		})
		.max()
		.unwrap_or(1);
	let k16 = (reps * taps).div_ceil(16).max(1);
	let row_bytes = k16 * 16;
	let offset = activation_offset(x.dtype);
	let pad = x.zero_point - offset;
	let mut weight_rows = alloc::vec![0u8; co * row_bytes];
	let mut bias = Vec::with_capacity(co);
	for (o, row) in weight_rows.chunks_exact_mut(row_bytes).enumerate() {
		let ws = &effective[o * taps..(o + 1) * taps];
		for (k, &w) in ws.iter().enumerate() {
			let mut rest = w;
			for j in 0..reps {
				let part = rest.clamp(-128, 127);
				row[j * taps + k] = part as i8 as u8;
				rest -= part;
			}
		}
		let sum = ws.iter().fold(0i32, |s, &w| s.wrapping_add(w));
		bias.push(c.bias[o].wrapping_sub(pad.wrapping_mul(sum)));
	}
	Some(LoweredConv {
		tap: one.repeat(reps),
		taps: taps as u32,
		reps: reps as u32,
		k16: k16 as u32,
		weight_rows,
		bias,
		offset,
		pad,
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::inference::program::Window;

	fn conv(weight: Vec<i8>, zero_points: Vec<i32>) -> Conv {
		Conv {
			x: 0,
			y: 1,
			group: 1,
			window: Window::dense(),
			bias: alloc::vec![1000, -7],
			weight,
			multiplier: alloc::vec![0x3f00_0000],
			clamp: [-128, 127],
			weight_zero_point: zero_points,
		}
	}

	fn tensor(dtype: DType, zero_point: i32) -> Tensor {
		Tensor { shape: alloc::vec![3], dtype, scale: 0x3c00_0000, zero_point }
	}

	/// The GEMM of one lowered row against a packed activation row, as the shader computes it.
	fn dot(l: &LoweredConv, o: usize, x: &[i32]) -> i32 {
		let row = &l.weight_rows[o * l.k16 as usize * 16..][..l.k16 as usize * 16];
		let taps = l.taps as usize;
		let a: Vec<i32> = (0..row.len())
			.map(|k| if k < l.reps as usize * taps { x[k % taps] - l.offset } else { 0 })
			.collect();
		a.iter().zip(row).fold(l.bias[o], |s, (&a, &b)| s.wrapping_add(a * b as i8 as i32))
	}

	/// What the reference accumulates for a dense layer.
	fn direct(c: &Conv, x: &[i32], zx: i32, o: usize) -> i32 {
		let taps = x.len();
		(0..taps).fold(c.bias[o], |s, k| s.wrapping_add((x[k] - zx) * c.weight_at(o * taps + k)))
	}

	#[test]
	fn the_lowering_keeps_every_accumulator_for_every_weight_and_activation_range() {
		let weights = alloc::vec![127, -128, 5, -1, 0, 127];
		for zps in [alloc::vec![0], alloc::vec![-128], alloc::vec![127, -128], alloc::vec![3, -9]] {
			for (dtype, zx) in
				[(DType::U8, 0), (DType::U8, 255), (DType::I8, -128), (DType::I8, 127)]
			{
				let c = conv(weights.clone(), zps.clone());
				let l = lower(&c, &tensor(dtype, zx)).unwrap();
				assert!(l.reps <= MAX_REPS);
				let (lo, hi) = dtype.range();
				for x in [[lo, hi, lo], [hi, hi, hi], [zx, lo, hi]] {
					for o in 0..2 {
						assert_eq!(
							dot(&l, o, &x),
							direct(&c, &x, zx, o),
							"{zps:?} {dtype:?} {x:?}"
						);
					}
				}
			}
		}
	}

	#[test]
	fn symmetric_weights_take_one_part_and_the_widest_take_three() {
		let sym =
			lower(&conv(alloc::vec![127, -128, 0, 1, 2, 3], alloc::vec![0]), &tensor(DType::I8, 0));
		assert_eq!(sym.unwrap().reps, 1);
		// 127 − (−128) = 255 is not a sum of two int8 values.
		let wide =
			lower(&conv(alloc::vec![127, 0, 0, 0, 0, 0], alloc::vec![-128]), &tensor(DType::I8, 0));
		assert_eq!(wide.unwrap().reps, 3);
		let grouped = Conv { group: 2, ..conv(alloc::vec![0; 6], alloc::vec![0]) };
		assert_eq!(lower(&grouped, &tensor(DType::I8, 0)), None);
	}
}
