//! `mlp-q8 [batch, width, layers]`: a stack of quantized dense layers with ReLU.
//!
//! - Input: x (batch × width int8), then per layer: W (width × width int8, row j = the
//!   weights into neuron j), bias (width × i32 LE), mult (u32 LE), shift (u32 LE).
//! - Output: batch × width int8, the last layer's activations.
//! - Per layer, for row r and neuron j (the shader header states the same rule):
//!   `acc = bias[j] + Σ_i x[r][i]·W[j][i]` (i32, wrapping), `y = max(acc, 0)`,
//!   `q = ((y >> (shift & 31)) · (mult & 0xFFFF) + 32768) >> 16` (i32, wrapping, arithmetic
//!   shift), `out = clamp(q, 0, 127)`.
//! - Work units: `2·batch·width²·layers / 10⁶`, rounded up. Bounds 1024, 4096, 16.

use crate::le_u32;
use aipin_primitives::{Formula, KernelId, KernelSpec, Term};
use alloc::{vec, vec::Vec};

/// Genesis id on the dev and local chains.
pub const ID: KernelId = 2;
/// Registry name.
pub const NAME: &str = "mlp-q8";
/// The shader, dispatched once per layer.
pub const WGSL: &str = include_str!("mlp_q8.wgsl");

/// The registry entry.
pub fn spec() -> KernelSpec {
	crate::spec(
		NAME,
		WGSL,
		vec![1024, 4096, 16],
		Formula::new(vec![Term::new(2, &[0, 1, 1, 2])], 1_000_000),
		Formula::new(
			vec![
				Term::new(1, &[0, 1]),
				Term::new(1, &[2, 1, 1]),
				Term::new(4, &[2, 1]),
				Term::new(8, &[2]),
			],
			1,
		),
		Formula::new(vec![Term::new(1, &[0, 1])], 1),
		512,
	)
}

/// One layer of a checked input.
#[derive(Clone, Copy, Debug)]
pub struct Layer<'a> {
	/// width × width int8 weights, row j = the weights into neuron j.
	pub weights: &'a [u8],
	/// width × i32 LE biases.
	pub bias: &'a [u8],
	/// Requantization multiplier (low 16 bits used).
	pub mult: u32,
	/// Requantization shift (low 5 bits used).
	pub shift: u32,
}

impl Layer<'_> {
	/// Bias of neuron `j`.
	pub fn bias(&self, j: usize) -> i32 {
		le_u32(self.bias, 4 * j) as i32
	}
}

/// `(batch, width, layers)` of checked parameters.
pub fn dims(params: &[u32]) -> (usize, usize, usize) {
	(params[0] as usize, params[1] as usize, params[2] as usize)
}

/// The input activations and the layers of a checked input.
pub fn layout<'a>(params: &[u32], input: &'a [u8]) -> (&'a [u8], Vec<Layer<'a>>) {
	let (batch, width, layers) = dims(params);
	let (x0, mut rest) = input.split_at(batch * width);
	let mut out = Vec::with_capacity(layers);
	for _ in 0..layers {
		let (weights, r) = rest.split_at(width * width);
		let (bias, r) = r.split_at(4 * width);
		let (tail, r) = r.split_at(8);
		rest = r;
		out.push(Layer { weights, bias, mult: le_u32(tail, 0), shift: le_u32(tail, 4) });
	}
	(x0, out)
}

/// Operations: `2·batch·width²·layers`.
pub fn ops(params: &[u32]) -> u64 {
	let (b, w, l) = dims(params);
	2 * (b as u64) * (w as u64) * (w as u64) * (l as u64)
}

/// One requantization step (see the module docs).
pub fn requant(acc: i32, mult: u32, shift: u32) -> u8 {
	let v = acc.max(0);
	let q = (v >> (shift & 31)).wrapping_mul((mult & 0xFFFF) as i32).wrapping_add(32768) >> 16;
	q.clamp(0, 127) as u8
}

/// The reference on checked registry-format input.
pub fn reference(params: &[u32], input: &[u8]) -> Vec<u8> {
	let (batch, width, _) = dims(params);
	let (x0, layers) = layout(params, input);
	let mut x: Vec<u8> = x0.to_vec();
	for layer in layers {
		let mut y = vec![0u8; batch * width];
		for r in 0..batch {
			for j in 0..width {
				let mut acc = 0i32;
				for i in 0..width {
					let p = (x[r * width + i] as i8 as i32)
						.wrapping_mul(layer.weights[j * width + i] as i8 as i32);
					acc = acc.wrapping_add(p);
				}
				y[r * width + j] =
					requant(acc.wrapping_add(layer.bias(j)), layer.mult, layer.shift);
			}
		}
		x = y;
	}
	x
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn requant_rounds_and_clamps() {
		assert_eq!(requant(-5, 1 << 15, 0), 0, "ReLU");
		// 100 · 0.5 = 50
		assert_eq!(requant(100, 1 << 15, 0), 50);
		// 101 · 0.5 = 50.5 rounds up
		assert_eq!(requant(101, 1 << 15, 0), 51);
		assert_eq!(requant(10_000, 0xFFFF, 0), 127, "clamped");
		// The product wraps in i32 exactly as in WGSL: 2^20 · 65535 overflows to a negative
		// number, which clamps to 0. Defined behaviour, identical on every device.
		assert_eq!(requant(1 << 20, 0xFFFF, 0), 0, "wrapped");
		// shift 2 then ×1.0 (65536 does not fit in 16 bits: 0xFFFF ≈ 1.0)
		assert_eq!(requant(400, 0xFFFF, 2), 100);
	}

	#[test]
	fn one_layer_by_hand() {
		// batch 1, width 2: x = [2, 3]; W = [[1, 1], [1, -1]]; bias = [1, 10]; ×1.0 (0xFFFF).
		let mut input = vec![2u8, 3, 1, 1, 1, 0xFF];
		input.extend(1i32.to_le_bytes());
		input.extend(10i32.to_le_bytes());
		input.extend(0xFFFFu32.to_le_bytes());
		input.extend(0u32.to_le_bytes());
		assert_eq!(spec().input_bytes.eval(&[1, 2, 1]), Some(input.len() as u64));
		// neuron 0: 2 + 3 + 1 = 6; neuron 1: 2 − 3 + 10 = 9
		assert_eq!(reference(&[1, 2, 1], &input), vec![6, 9]);
	}
}
