//! Seeded inputs: task inputs every provider generates from a 32-byte seed, so a benchmark or
//! canary task carries no input bytes on chain.

use alloc::{vec, vec::Vec};

/// Domain tag of the seeded input generator.
pub const SEEDED_INPUT_DOMAIN: &[u8; 16] = b"aipin/seeded/v1\0";

/// Fills `out` with the bytes of stream `stream` of a seeded input.
///
/// The stream is the concatenation of 32-byte blocks
/// `block[i] = blake2_256(SEEDED_INPUT_DOMAIN ‖ seed ‖ stream as u32 LE ‖ i as u64 LE)`,
/// truncated to `out.len()`. A kernel's inputs are streams 0, 1, 2, ... in the order the
/// kernel documents. Every built-in kernel takes its whole input from stream 0 (see
/// [`seeded_input`]); a kernel that needed several streams would say so in its module.
pub fn seeded_stream(seed: &[u8; 32], stream: u32, out: &mut [u8]) {
	seeded_stream_from(seed, stream, 0, out)
}

/// Fills `out` with the bytes of stream `stream` from block `first` on (byte `32 · first`):
/// the blocks are independent, so a stream can be generated in pieces, in parallel.
pub fn seeded_stream_from(seed: &[u8; 32], stream: u32, first: u64, out: &mut [u8]) {
	let mut preimage = [0u8; 16 + 32 + 4 + 8];
	preimage[..16].copy_from_slice(SEEDED_INPUT_DOMAIN);
	preimage[16..48].copy_from_slice(seed);
	preimage[48..52].copy_from_slice(&stream.to_le_bytes());
	for (i, chunk) in out.chunks_mut(32).enumerate() {
		preimage[52..60].copy_from_slice(&first.saturating_add(i as u64).to_le_bytes());
		let block = sp_crypto_hashing::blake2_256(&preimage);
		chunk.copy_from_slice(&block[..chunk.len()]);
	}
}

/// The input of a seeded task: stream 0 of [`seeded_stream`], `len` bytes.
pub fn seeded_input(seed: &[u8; 32], len: usize) -> Vec<u8> {
	let mut out = vec![0u8; len];
	seeded_stream(seed, 0, &mut out);
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn seeded_streams_are_prefix_stable_and_distinct() {
		let seed = [9u8; 32];
		let mut long = [0u8; 100];
		let mut short = [0u8; 33];
		seeded_stream(&seed, 0, &mut long);
		seeded_stream(&seed, 0, &mut short);
		assert_eq!(&long[..33], &short[..]);
		let mut other = [0u8; 100];
		seeded_stream(&seed, 1, &mut other);
		assert_ne!(long, other);
		// Generated in pieces from any block on, it is the same stream.
		let mut pieces = [0u8; 100];
		let (head, tail) = pieces.split_at_mut(64);
		seeded_stream_from(&seed, 0, 2, tail);
		seeded_stream_from(&seed, 0, 0, head);
		assert_eq!(pieces, long);
		// First block pinned, so a change to the generator cannot go unnoticed.
		let mut pre = alloc::vec::Vec::new();
		pre.extend_from_slice(SEEDED_INPUT_DOMAIN);
		pre.extend_from_slice(&seed);
		pre.extend_from_slice(&0u32.to_le_bytes());
		pre.extend_from_slice(&0u64.to_le_bytes());
		assert_eq!(&long[..32], &sp_crypto_hashing::blake2_256(&pre)[..]);
	}
}
