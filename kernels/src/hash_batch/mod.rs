//! `hash-batch [count, len]`: BLAKE2s-256 (RFC 7693, unkeyed) of `count` messages of `len`
//! bytes each.
//!
//! - Input: the messages back to back (`count·len` bytes).
//! - Output: the `count` 32-byte digests back to back.
//! - Work units: `count·(len + 64) / 64,000`, rounded up (about a thousand compressions).
//!   Bounds 2²⁰ messages of at most 2¹⁶ bytes.

use aipin_primitives::{Formula, KernelId, KernelSpec, Term};
use alloc::{vec, vec::Vec};

/// Genesis id on the dev and local chains.
pub const ID: KernelId = 3;
/// Registry name.
pub const NAME: &str = "hash-batch";
/// The shader: one invocation per message.
pub const WGSL: &str = include_str!("hash_batch.wgsl");

/// The registry entry.
pub fn spec() -> KernelSpec {
	crate::spec(
		NAME,
		WGSL,
		vec![1 << 20, 1 << 16],
		Formula::new(vec![Term::new(1, &[0, 1]), Term::new(64, &[0])], 64_000),
		Formula::new(vec![Term::new(1, &[0, 1])], 1),
		Formula::new(vec![Term::new(32, &[0])], 1),
		256,
	)
}

/// `(count, len)` of checked parameters.
pub fn dims(params: &[u32]) -> (usize, usize) {
	(params[0] as usize, params[1] as usize)
}

/// Operations: one BLAKE2s compression is 10 rounds × 8 G × ~14 32-bit operations.
pub fn ops(params: &[u32]) -> u64 {
	let (count, len) = dims(params);
	count as u64 * (len as u64).div_ceil(64).max(1) * 1_120
}

/// The reference on checked registry-format input.
pub fn reference(params: &[u32], input: &[u8]) -> Vec<u8> {
	use blake2::{Blake2s256, Digest};
	let (count, len) = dims(params);
	(0..count).flat_map(|i| Blake2s256::digest(&input[i * len..(i + 1) * len])).collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn blake2s_known_answer() {
		// RFC 7693 Appendix B: BLAKE2s-256("abc").
		let d = reference(&[1, 3], b"abc");
		assert_eq!(
			hex::encode(d),
			"508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982"
		);
		assert_eq!(reference(&[2, 3], b"abcabc").len(), 64);
	}
}
