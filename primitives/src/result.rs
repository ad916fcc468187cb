//! Results: the commitment a provider posts, and the result root it commits to.
//!
//! A task's output is cut into [`RESULT_CHUNK_SIZE`]-byte chunks (the last may be shorter),
//! the leaves of a binary Merkle tree over BLAKE2b-256 (the chain's hash). The root is what
//! providers commit to; per-chunk proofs let a consumer check each chunk it downloads.
//!
//! The tree is domain-separated and binds the output's length, so no byte string verifies as
//! anything but itself — neither a leaf as a node nor a shorter output as a longer one:
//!
//! - leaf `i` = `blake2_256(0x00 ‖ chunk_i)`;
//! - a level's nodes are paired left to right: `blake2_256(0x01 ‖ left ‖ right)`; a last,
//!   unpaired node moves up unchanged (never duplicated);
//! - the tree root is the one node left (32 zero bytes for an empty output);
//! - the result root is `blake2_256(0x02 ‖ len as u64 little-endian ‖ tree root)`.
//!
//! A proof of chunk `i` is its siblings from the leaf up, one per level where it has one.

use crate::TaskId;
use alloc::{vec, vec::Vec};
use codec::Encode;

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
	len.div_ceil(RESULT_CHUNK_SIZE as u64).min(u32::MAX as u64) as u32
}

/// Length of chunk `index` of an output of `len` bytes (0 past the end).
pub fn chunk_len(len: u64, index: u32) -> usize {
	let start = (index as u64).saturating_mul(RESULT_CHUNK_SIZE as u64);
	len.saturating_sub(start).min(RESULT_CHUNK_SIZE as u64) as usize
}

const LEAF: u8 = 0x00;
const NODE: u8 = 0x01;
const ROOT: u8 = 0x02;

fn leaf(chunk: &[u8]) -> [u8; 32] {
	let mut pre = Vec::with_capacity(1 + chunk.len());
	pre.push(LEAF);
	pre.extend_from_slice(chunk);
	sp_crypto_hashing::blake2_256(&pre)
}

fn node(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
	let mut pre = [0u8; 65];
	pre[0] = NODE;
	pre[1..33].copy_from_slice(left);
	pre[33..].copy_from_slice(right);
	sp_crypto_hashing::blake2_256(&pre)
}

fn bind_length(len: u64, tree_root: &[u8; 32]) -> [u8; 32] {
	let mut pre = [0u8; 41];
	pre[0] = ROOT;
	pre[1..9].copy_from_slice(&len.to_le_bytes());
	pre[9..].copy_from_slice(tree_root);
	sp_crypto_hashing::blake2_256(&pre)
}

/// The next level up: pairs hashed, a last odd node moved up as it is.
fn level_up(level: &[[u8; 32]]) -> Vec<[u8; 32]> {
	level
		.chunks(2)
		.map(|pair| match pair {
			[l, r] => node(l, r),
			[single] => *single,
			_ => unreachable!("chunks(2) yields one or two"),
		})
		.collect()
}

/// The whole tree of an output: every level's hashes, leaves first. Build it once to serve
/// many chunk proofs (each is then `O(log n)` instead of rehashing the output).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultTree {
	len: u64,
	levels: Vec<Vec<[u8; 32]>>,
}

impl ResultTree {
	/// Hashes `output` into its tree.
	pub fn new(output: &[u8]) -> Self {
		let mut levels = vec![chunks(output).map(leaf).collect::<Vec<_>>()];
		while levels.last().is_some_and(|l| l.len() > 1) {
			let up = level_up(levels.last().expect("checked above"));
			levels.push(up);
		}
		Self { len: output.len() as u64, levels }
	}

	/// The result root.
	pub fn root(&self) -> [u8; 32] {
		let top = self.levels.last().and_then(|l| l.first()).copied().unwrap_or([0; 32]);
		bind_length(self.len, &top)
	}

	/// Length of the output, in bytes.
	pub fn len(&self) -> u64 {
		self.len
	}

	/// Whether the output is empty.
	pub fn is_empty(&self) -> bool {
		self.len == 0
	}

	/// The proof of chunk `index`: its siblings from the leaf up.
	pub fn proof(&self, index: u32) -> Option<Vec<[u8; 32]>> {
		if index >= chunk_count(self.len) {
			return None;
		}
		let mut at = index as usize;
		let mut siblings = Vec::new();
		for level in self.levels.iter().filter(|l| l.len() > 1) {
			if let Some(s) = level.get(at ^ 1) {
				siblings.push(*s);
			}
			at /= 2;
		}
		Some(siblings)
	}
}

/// The result root of `output`.
pub fn root(output: &[u8]) -> [u8; 32] {
	ResultTree::new(output).root()
}

/// The proof of chunk `index` of `output`: the sibling hashes from leaf to root.
pub fn proof(output: &[u8], index: u32) -> Option<Vec<[u8; 32]>> {
	ResultTree::new(output).proof(index)
}

/// Whether `chunk` is chunk `index` of an output of `len` bytes under result `root`, by
/// `proof`. The chunk must have exactly the length its position implies.
pub fn verify(root: &[u8; 32], len: u64, index: u32, chunk: &[u8], proof: &[[u8; 32]]) -> bool {
	let count = chunk_count(len);
	if index >= count || chunk.len() != chunk_len(len, index) {
		return false;
	}
	let mut hash = leaf(chunk);
	let (mut at, mut width) = (index as usize, count as usize);
	let mut siblings = proof.iter();
	while width > 1 {
		let sibling = at ^ 1;
		if sibling < width {
			let Some(s) = siblings.next() else { return false };
			hash = if at % 2 == 0 { node(&hash, s) } else { node(s, &hash) };
		}
		at /= 2;
		width = width.div_ceil(2);
	}
	siblings.next().is_none() && &bind_length(len, &hash) == root
}

#[cfg(test)]
mod tests {
	use super::*;

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
			let len = len as u64;
			for (i, c) in chunks(&out).enumerate() {
				let p = proof(&out, i as u32).unwrap();
				assert!(verify(&r, len, i as u32, c, &p), "len {len} chunk {i}");
				let mut bad = c.to_vec();
				bad[0] ^= 1;
				assert!(!verify(&r, len, i as u32, &bad, &p), "tampered chunk accepted");
				if n > 1 {
					let other = (i as u32 + 1) % n;
					assert!(!verify(&r, len, other, c, &p), "chunk accepted at another index");
				}
				assert!(!verify(&r, len + 1, i as u32, c, &p), "accepted under another length");
				assert!(!verify(&r, len, i as u32, &c[..c.len() - 1], &p), "short chunk accepted");
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
		// Written out for one chunk: the length-bound hash of the 0x00-prefixed leaf.
		let leaf = sp_crypto_hashing::blake2_256(b"\x00abc");
		let mut pre = vec![0x02];
		pre.extend_from_slice(&3u64.to_le_bytes());
		pre.extend_from_slice(&leaf);
		assert_eq!(root(b"abc"), sp_crypto_hashing::blake2_256(&pre));
	}

	/// Without domain separation, the 64 bytes `H(A) ‖ H(B)` had the root of the two-chunk
	/// output `A ‖ B`: a server could hand out 64 wrong bytes that verified. Now a node never
	/// hashes like a leaf, and the length is bound.
	#[test]
	fn no_output_verifies_as_another() {
		let two: Vec<u8> = (0..2 * RESULT_CHUNK_SIZE).map(|i| i as u8).collect();
		let mut forged = Vec::new();
		for c in chunks(&two) {
			forged.extend_from_slice(&leaf(c));
		}
		assert_ne!(root(&forged), root(&two));
		// Three leaves: the odd one moves up, it is not paired with itself.
		let three: Vec<u8> = (0..3 * RESULT_CHUNK_SIZE).map(|i| (i / 7) as u8).collect();
		let l: Vec<[u8; 32]> = chunks(&three).map(leaf).collect();
		assert_eq!(
			root(&three),
			bind_length(three.len() as u64, &node(&node(&l[0], &l[1]), &l[2]))
		);
		assert_eq!(proof(&three, 2).unwrap(), vec![node(&l[0], &l[1])]);
		// The empty output has a root too, and no chunks to prove.
		assert_eq!(root(&[]), bind_length(0, &[0; 32]));
		assert!(proof(&[], 0).is_none());
		assert!(!verify(&root(&[]), 0, 0, &[], &[]));
	}
}
