//! Known-answer (canary) tasks: how the chain checks a provider's answer without anyone being
//! able to tell a canary from any other task before computing it.
//!
//! A canary is an ordinary task, submitted with `submit_task` by an ordinary account. What makes
//! it a canary is a **seal** posted earlier by the canary origin (governance) with
//! `seal_canaries`:
//!
//! `seal = blake2_256(CANARY_DOMAIN ‖ SCALE(kernel, params, input_digest, result_root))`
//!
//! where `input_digest` is [`crate::TaskInput::digest`] of the input the task will carry and
//! `result_root` is the [`crate::result::root`] of the right output (computed by the canary's
//! author with the kernel's CPU reference, or on a trusted device).
//!
//! The escrow pallet uses seals twice:
//! - **At resolution**, for every distinct root the task's providers revealed, it looks up the
//!   seal of that root. A match proves the root right: the task is settled with it (the
//!   payment counts as verified work, even at r = 1), and every provider that revealed another
//!   root is reported `FailedCanary`.
//! - **After the task finished** with no revealed root matching (every provider was wrong or
//!   absent), anyone who knows the right root can `expose_canary(task, root)`: the seal is
//!   recomputed from the task's record and, if it exists and was posted before the task was
//!   submitted, every provider that revealed a root is reported `FailedCanary`.
//!
//! ## Why a provider cannot tell a canary before computing it
//! A seal hashes the right root together with the task's identity. Testing a task against the
//! seals needs that root, that is, the work itself. Every other field of a canary is one a
//! real consumer could choose.
//!
//! ## Where it cannot hold (the canary author's part)
//! - The submitting account must not be linkable to the canary origin: funded like a
//!   consumer, used for real-looking work, one of many.
//! - Kernels, parameters, input kinds, prices, replication and deadlines must follow real
//!   demand. Seeded inputs on an inference model, for instance, are something no real consumer
//!   sends.
//! - Seals are public and counted, so providers know the canary *rate*, only not which tasks.
//!   Posting seals in batches well ahead of their tasks hides which seal belongs to which
//!   submission.
//! - After a canary resolves, its seal is consumed in public: the task is known to have been a
//!   canary from then on, which tells nothing about open tasks.

use crate::{KernelId, Params};
use codec::Encode;

/// Domain tag of canary seals.
pub const CANARY_DOMAIN: &[u8; 16] = b"aipin/canary/v1\0";

/// The seal of a canary task: `kernel` with `params` on the input with digest `input_digest`
/// has the result root `result_root`.
pub fn canary_seal(
	kernel: KernelId,
	params: &Params,
	input_digest: &[u8; 32],
	result_root: &[u8; 32],
) -> [u8; 32] {
	sp_crypto_hashing::blake2_256(
		&(CANARY_DOMAIN, kernel, params, input_digest, result_root).encode(),
	)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_seal_binds_every_field() {
		let params = Params::truncate_from(alloc::vec![4, 8]);
		let base = canary_seal(1, &params, &[1; 32], &[2; 32]);
		assert_ne!(base, canary_seal(2, &params, &[1; 32], &[2; 32]));
		assert_ne!(
			base,
			canary_seal(1, &Params::truncate_from(alloc::vec![4, 9]), &[1; 32], &[2; 32])
		);
		assert_ne!(base, canary_seal(1, &params, &[3; 32], &[2; 32]));
		assert_ne!(base, canary_seal(1, &params, &[1; 32], &[3; 32]));
		assert_eq!(base, canary_seal(1, &params, &[1; 32], &[2; 32]));
	}
}
