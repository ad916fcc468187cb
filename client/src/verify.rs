//! Checking a downloaded result against the root the chain accepted.

pub use aipin_primitives::result::{chunk_count, chunk_len, chunks, proof, root, verify};

/// Whether `output` is exactly the output the chain accepted under `root` (its Merkle root
/// over 4 KiB chunks, which covers every byte and binds the length).
pub fn matches_root(output: &[u8], accepted: &[u8; 32]) -> bool {
	&root(output) == accepted
}
