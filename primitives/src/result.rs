//! Results: the commitment a provider posts, and the result root it commits to.
//!
//! A task's output is cut into [`RESULT_CHUNK_SIZE`]-byte chunks (the last may be shorter) and
//! the chunks are the leaves of a binary Merkle tree (`binary-merkle-tree`, the polkadot-sdk
//! crate, with BLAKE2b-256 — the chain's hash). The root is what providers commit to; the
//! per-chunk proofs let a consumer check every chunk it downloads.

use crate::TaskId;
use alloc::vec::Vec;
use codec::Encode;
use sp_core::H256;
use sp_runtime::traits::BlakeTwo256;

/// Size of the chunks a task's output is split into before Merkle-rooting it.
pub const RESULT_CHUNK_SIZE: usize = 4096;

/// The commitment a provider posts with `commit_result`:
/// `blake2_256(SCALE(task, provider, result_root, salt))`, where `provider` is the provider's
/// stash account. Binding the task and the provider means a commitment cannot be replayed on
/// another task or copied by another replica.
pub fn result_commitment<AccountId: Encode>(
	task: TaskId,
	provider: &AccountId,
	result_root: &[u8; 32],
	salt: &[u8; 32],
) -> [u8; 32] {
	sp_crypto_hashing::blake2_256(&(task, provider, result_root, salt).encode())
}

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
	binary_merkle_tree::merkle_root::<BlakeTwo256, _>(chunks(output)).0
}

/// The proof of chunk `index` of `output`: the sibling hashes from leaf to root.
pub fn proof(output: &[u8], index: u32) -> Option<Vec<[u8; 32]>> {
	if index >= chunk_count(output.len() as u64) {
		return None;
	}
	let p = binary_merkle_tree::merkle_proof::<BlakeTwo256, _, _>(chunks(output), index);
	Some(p.proof.into_iter().map(|h| h.0).collect())
}

/// Whether `chunk` is chunk `index` of `chunks` under `root`, by `proof`.
pub fn verify(root: &[u8; 32], chunks: u32, index: u32, chunk: &[u8], proof: &[[u8; 32]]) -> bool {
	binary_merkle_tree::verify_proof::<BlakeTwo256, _, _>(
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
	use alloc::vec;

	#[test]
	fn commitment_binds_every_field() {
		let base = result_commitment(7u64, &1u64, &[1; 32], &[2; 32]);
		assert_ne!(base, result_commitment(8u64, &1u64, &[1; 32], &[2; 32]));
		assert_ne!(base, result_commitment(7u64, &2u64, &[1; 32], &[2; 32]));
		assert_ne!(base, result_commitment(7u64, &1u64, &[3; 32], &[2; 32]));
		assert_ne!(base, result_commitment(7u64, &1u64, &[1; 32], &[4; 32]));
		// SCALE of (u64, u64, [u8; 32], [u8; 32]) is the plain concatenation.
		let mut pre = alloc::vec::Vec::new();
		pre.extend_from_slice(&7u64.to_le_bytes());
		pre.extend_from_slice(&1u64.to_le_bytes());
		pre.extend_from_slice(&[1; 32]);
		pre.extend_from_slice(&[2; 32]);
		assert_eq!(base, sp_crypto_hashing::blake2_256(&pre));
	}

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
