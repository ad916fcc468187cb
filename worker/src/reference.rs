//! Plain-Rust CPU references of every kernel: the definition the GPU output must equal bit
//! for bit. Integer arithmetic wraps exactly as WGSL's i32 does.

use crate::kernels::{input_bytes, Kind};

/// C (m × n) = A (m × k) · B (k × n), row-major, i32 accumulation. Loop order i-p-j so the
/// inner loop streams rows of B and C (it vectorizes).
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

/// One requantization step of `mlp-q8` (see `shaders/mlp_q8.wgsl`).
pub fn requant(acc: i32, mult: u32, shift: u32) -> u8 {
	let v = acc.max(0);
	let q = (v >> (shift & 31)).wrapping_mul((mult & 0xFFFF) as i32).wrapping_add(32768) >> 16;
	q.clamp(0, 127) as u8
}

/// The `mlp-q8` stack on `input` (registry layout); returns batch × width int8.
pub fn mlp(batch: usize, width: usize, layers: usize, input: &[u8]) -> Vec<u8> {
	let (x0, mut rest) = input.split_at(batch * width);
	let mut x: Vec<u8> = x0.to_vec();
	for _ in 0..layers {
		let (w, r) = rest.split_at(width * width);
		let (b, r) = r.split_at(4 * width);
		let (mult, r) = r.split_at(4);
		let (shift, r) = r.split_at(4);
		rest = r;
		let mult = u32::from_le_bytes([mult[0], mult[1], mult[2], mult[3]]);
		let shift = u32::from_le_bytes([shift[0], shift[1], shift[2], shift[3]]);
		let mut y = vec![0u8; batch * width];
		for r in 0..batch {
			for j in 0..width {
				let mut acc = 0i32;
				for i in 0..width {
					let p =
						(x[r * width + i] as i8 as i32).wrapping_mul(w[j * width + i] as i8 as i32);
					acc = acc.wrapping_add(p);
				}
				let bias = i32::from_le_bytes([b[4 * j], b[4 * j + 1], b[4 * j + 2], b[4 * j + 3]]);
				y[r * width + j] = requant(acc.wrapping_add(bias), mult, shift);
			}
		}
		x = y;
	}
	x
}

/// BLAKE2s-256 of `count` messages of `len` bytes, digests back to back.
pub fn hash_batch(count: usize, len: usize, input: &[u8]) -> Vec<u8> {
	use blake2::{Blake2s256, Digest};
	(0..count).flat_map(|i| Blake2s256::digest(&input[i * len..(i + 1) * len]).to_vec()).collect()
}

/// Runs the reference of `kind` on registry-format input, returning registry-format output.
/// Panics if the input size does not match the parameters (callers check first).
pub fn run(kind: Kind, p: &[u32], input: &[u8]) -> Vec<u8> {
	assert_eq!(input_bytes(kind, p), Some(input.len() as u64), "input size");
	match kind {
		Kind::GemmI8 => {
			let (m, n, k) = (p[0] as usize, p[1] as usize, p[2] as usize);
			let (a, b) = input.split_at(m * k);
			gemm(m, n, k, bytemuck::cast_slice(a), bytemuck::cast_slice(b))
				.iter()
				.flat_map(|v| v.to_le_bytes())
				.collect()
		},
		Kind::MlpQ8 => mlp(p[0] as usize, p[1] as usize, p[2] as usize, input),
		Kind::HashBatch => hash_batch(p[0] as usize, p[1] as usize, input),
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn gemm_small_by_hand() {
		// [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]
		assert_eq!(gemm(2, 2, 2, &[1, 2, 3, 4], &[5, 6, 7, 8]), vec![19, 22, 43, 50]);
		// Extremes: -128 · -128 · k
		assert_eq!(gemm(1, 1, 3, &[-128; 3], &[-128; 3]), vec![3 * 16384]);
	}

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
	fn blake2s_known_answer() {
		// RFC 7693 Appendix B: BLAKE2s-256("abc").
		let d = hash_batch(1, 3, b"abc");
		assert_eq!(
			hex::encode(d),
			"508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982"
		);
	}
}
