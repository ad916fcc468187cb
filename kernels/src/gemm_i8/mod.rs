//! `gemm-i8 [m, n, k]`: C (m × n, i32) = A (m × k, i8) · B (k × n, i8).
//!
//! - Input: A then B, int8, row-major, back to back (`m·k + k·n` bytes). A seeded task takes
//!   both from stream 0 of the seeded generator: A is its first `m·k` bytes, B the rest.
//! - Output: C, int32 little-endian, row-major (`4·m·n` bytes).
//! - Work units: `2·m·n·k / 10⁶` (mega-operations), rounded up. Each parameter ≤ 4096.
//! - Arithmetic: i32 accumulation, wrapping exactly as WGSL's i32 does (it cannot overflow
//!   within the bounds: |a·b| ≤ 2¹⁴ and k ≤ 2¹², so |C| ≤ 2²⁶).

use aipin_primitives::{Formula, KernelId, KernelSpec, Term};
use alloc::{vec, vec::Vec};

/// Genesis id on the dev and local chains.
pub const ID: KernelId = 1;
/// Registry name.
pub const NAME: &str = "gemm-i8";
/// The shader (see its header for the layout the worker prepares).
pub const WGSL: &str = include_str!("gemm_i8.wgsl");

/// The registry entry.
pub fn spec() -> KernelSpec {
	crate::spec(
		NAME,
		WGSL,
		vec![4096, 4096, 4096],
		Formula::new(vec![Term::new(2, &[0, 1, 2])], 1_000_000),
		Formula::new(vec![Term::new(1, &[0, 2]), Term::new(1, &[2, 1])], 1),
		Formula::new(vec![Term::new(4, &[0, 1])], 1),
		512,
	)
}

/// `(m, n, k)` of checked parameters.
pub fn dims(params: &[u32]) -> (usize, usize, usize) {
	(params[0] as usize, params[1] as usize, params[2] as usize)
}

/// A and B of a checked input, as int8.
pub fn operands(params: &[u32], input: &[u8]) -> (Vec<i8>, Vec<i8>) {
	let (m, _, k) = dims(params);
	let (a, b) = input.split_at(m * k);
	(a.iter().map(|&x| x as i8).collect(), b.iter().map(|&x| x as i8).collect())
}

/// Operations: `2·m·n·k`.
pub fn ops(params: &[u32]) -> u64 {
	params.iter().map(|&p| p as u64).product::<u64>() * 2
}

/// C = A · B, row-major, i32 accumulation. Loop order i-p-j so the inner loop streams rows of
/// B and C (it vectorizes).
pub fn gemm(m: usize, n: usize, k: usize, a: &[i8], b: &[i8]) -> Vec<i32> {
	let mut c = vec![0i32; m * n];
	for i in 0..m {
		let row = &mut c[i * n..(i + 1) * n];
		for p in 0..k {
			let x = a[i * k + p] as i32;
			let brow = &b[p * n..(p + 1) * n];
			for (cj, &bj) in row.iter_mut().zip(brow) {
				*cj = cj.wrapping_add(x.wrapping_mul(bj as i32));
			}
		}
	}
	c
}

/// The reference on checked registry-format input.
pub fn reference(params: &[u32], input: &[u8]) -> Vec<u8> {
	let (m, n, k) = dims(params);
	let (a, b) = operands(params, input);
	gemm(m, n, k, &a, &b).iter().flat_map(|v| v.to_le_bytes()).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn small_by_hand() {
		// [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]
		assert_eq!(gemm(2, 2, 2, &[1, 2, 3, 4], &[5, 6, 7, 8]), vec![19, 22, 43, 50]);
		// Extremes: -128 · -128 · k
		assert_eq!(gemm(1, 1, 3, &[-128; 3], &[-128; 3]), vec![3 * 16384]);
	}

	#[test]
	fn registry_format_is_a_then_b_then_le_i32() {
		// 1×2 · 2×1: A = [1, -1], B = [3, 5] → C = [-2]
		let input = [1u8, 0xFF, 3, 5];
		assert_eq!(reference(&[1, 1, 2], &input), (-2i32).to_le_bytes().to_vec());
		assert_eq!(spec().input_bytes.eval(&[1, 1, 2]), Some(4));
		assert_eq!(spec().output_bytes.eval(&[1, 1, 2]), Some(4));
		assert_eq!(spec().work_units.eval(&[1000, 1000, 1000]), Some(2000));
		assert_eq!(ops(&[2, 3, 4]), 48);
	}
}
