//! The kernels the AiPIN worker ships (`worker/shaders/*.wgsl`), as the dev and local chains
//! register them at genesis. The WGSL hashes are computed from the very files the worker
//! embeds, so chain and worker cannot disagree; the worker checks the same hashes.

use aipin_primitives::KernelId;
use alloc::{vec, vec::Vec};
use frame_support::BoundedVec;
use pallet_task_escrow::{Formula, KernelSpec, Term};

/// `gemm-i8`: `[m, n, k]`, int8 × int8 → int32.
pub const GEMM_I8: KernelId = 1;
/// `mlp-q8`: `[batch, width, layers]`, a stack of quantized dense layers.
pub const MLP_Q8: KernelId = 2;
/// `hash-batch`: `[count, len]`, BLAKE2s-256 of `count` messages of `len` bytes.
pub const HASH_BATCH: KernelId = 3;

pub const GEMM_I8_WGSL: &[u8] = include_bytes!("../../worker/shaders/gemm_i8.wgsl");
pub const MLP_Q8_WGSL: &[u8] = include_bytes!("../../worker/shaders/mlp_q8.wgsl");
pub const HASH_BATCH_WGSL: &[u8] = include_bytes!("../../worker/shaders/hash_batch.wgsl");

fn term(coef: u64, factors: &[u8]) -> Term {
	Term { coef, factors: BoundedVec::truncate_from(factors.to_vec()) }
}

fn formula(terms: Vec<Term>, divisor: u64) -> Formula {
	Formula { terms: BoundedVec::truncate_from(terms), divisor }
}

fn spec(
	name: &[u8],
	wgsl: &[u8],
	max_params: Vec<u32>,
	work_units: Formula,
	input_bytes: Formula,
	output_bytes: Formula,
	min_vram_mib: u32,
) -> KernelSpec {
	KernelSpec {
		name: BoundedVec::truncate_from(name.to_vec()),
		version: 1,
		wgsl_hash: sp_crypto_hashing::blake2_256(wgsl),
		max_params: BoundedVec::truncate_from(max_params),
		work_units,
		input_bytes,
		output_bytes,
		min_vram_mib,
		deterministic: true,
	}
}

/// The built-in kernels with their ids.
///
/// - `gemm-i8` `[m, n, k]` (each ≤ 4096): input A (m × k) then B (k × n), int8 row-major;
///   output C (m × n) int32 little-endian row-major; work units `2·m·n·k / 10⁶` (mega-ops).
/// - `mlp-q8` `[batch, width, layers]` (≤ 1024, 4096, 16): input x (batch × width int8), then
///   per layer W (width × width int8, row j = weights into neuron j), bias (width × i32 LE),
///   mult (i32 LE), shift (u32 LE); output batch × width int8; work units
///   `2·batch·width²·layers / 10⁶`.
/// - `hash-batch` `[count, len]` (≤ 2²⁰, 2¹⁶): input the messages back to back; output
///   `count` 32-byte BLAKE2s-256 digests; work units `count·(len + 64) / 64,000` (about a
///   thousand compressions).
pub fn builtin() -> Vec<(KernelId, KernelSpec)> {
	vec![
		(
			GEMM_I8,
			spec(
				b"gemm-i8",
				GEMM_I8_WGSL,
				vec![4096, 4096, 4096],
				formula(vec![term(2, &[0, 1, 2])], 1_000_000),
				formula(vec![term(1, &[0, 2]), term(1, &[2, 1])], 1),
				formula(vec![term(4, &[0, 1])], 1),
				512,
			),
		),
		(
			MLP_Q8,
			spec(
				b"mlp-q8",
				MLP_Q8_WGSL,
				vec![1024, 4096, 16],
				formula(vec![term(2, &[0, 1, 1, 2])], 1_000_000),
				formula(
					vec![term(1, &[0, 1]), term(1, &[2, 1, 1]), term(4, &[2, 1]), term(8, &[2])],
					1,
				),
				formula(vec![term(1, &[0, 1])], 1),
				512,
			),
		),
		(
			HASH_BATCH,
			spec(
				b"hash-batch",
				HASH_BATCH_WGSL,
				vec![1 << 20, 1 << 16],
				formula(vec![term(1, &[0, 1]), term(64, &[0])], 64_000),
				formula(vec![term(1, &[0, 1])], 1),
				formula(vec![term(32, &[0])], 1),
				256,
			),
		),
	]
}
