//! Result roots: a task's output is cut into [`RESULT_CHUNK_SIZE`]-byte chunks (the last may
//! be shorter) and the chunks are the leaves of a binary Merkle tree (`binary-merkle-tree`,
//! the polkadot-sdk crate, with BLAKE2b-256 — the chain's hash). The root is what providers
//! commit to; the per-chunk proofs let a consumer check every chunk it downloads.

use aipin_primitives::RESULT_CHUNK_SIZE;
use sp_core::{Blake2Hasher, H256};

/// The chunks of `output`.
pub fn chunks(output: &[u8]) -> impl ExactSizeIterator<Item = &[u8]> {
	output.chunks(RESULT_CHUNK_SIZE)
}

/// Number of chunks of an output of `len` bytes.
pub fn chunk_count(len: u64) -> u32 {
	len.div_ceil(RESULT_CHUNK_SIZE as u64) as u32
}

/// The result root of `output`.
pub fn root(output: &[u8]) -> [u8; 32] {
	binary_merkle_tree::merkle_root::<Blake2Hasher, _>(chunks(output)).0
}

/// The proof of chunk `index` of `output`: the sibling hashes from leaf to root.
pub fn proof(output: &[u8], index: u32) -> Option<Vec<[u8; 32]>> {
	if index >= chunk_count(output.len() as u64) {
		return None;
	}
	let p = binary_merkle_tree::merkle_proof::<Blake2Hasher, _, _>(chunks(output), index);
	Some(p.proof.into_iter().map(|h| h.0).collect())
}

/// Whether `chunk` is chunk `index` of `chunks` under `root`, by `proof`.
pub fn verify(root: &[u8; 32], chunks: u32, index: u32, chunk: &[u8], proof: &[[u8; 32]]) -> bool {
	binary_merkle_tree::verify_proof::<Blake2Hasher, _, _>(
		&H256(*root),
		proof.iter().map(|h| H256(*h)),
		chunks,
		index,
		&chunk,
	)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_chunk_proves_and_nothing_else_does() {
		for len in [1usize, 4096, 4097, 3 * 4096 + 5, 10 * 4096] {
			let out: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
			let r = root(&out);
			let n = chunk_count(len as u64);
			for (i, c) in chunks(&out).enumerate() {
				let p = proof(&out, i as u32).unwrap();
				assert!(verify(&r, n, i as u32, c, &p), "len {len} chunk {i}");
				let mut bad = c.to_vec();
				bad[0] ^= 1;
				assert!(!verify(&r, n, i as u32, &bad, &p), "tampered chunk accepted");
				if n > 1 {
					let other = (i as u32 + 1) % n;
					assert!(!verify(&r, n, other, c, &p), "chunk accepted at another index");
				}
			}
			assert!(proof(&out, n).is_none());
		}
	}

	#[test]
	fn root_depends_on_every_byte_and_on_length() {
		let a = vec![7u8; 9000];
		let mut b = a.clone();
		b[8999] = 8;
		assert_ne!(root(&a), root(&b));
		assert_ne!(root(&a), root(&a[..8999]));
		// A single chunk's root is its leaf hash.
		assert_eq!(root(b"abc"), sp_crypto_hashing::blake2_256(b"abc"));
	}
}
