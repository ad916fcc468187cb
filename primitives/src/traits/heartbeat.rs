//! Heartbeats (staking → BME): which providers stayed responsive, with how much stake.

/// Told about every provider heartbeat, so burn-and-mint accounting can tell which providers
/// stayed responsive through an epoch and with how much stake.
pub trait HeartbeatObserver<AccountId, Balance, BlockNumber> {
	/// Provider `stash`, with `stake` bonded, sent a heartbeat at `now`; its previous one was at
	/// `previous`.
	fn on_heartbeat(stash: &AccountId, stake: Balance, previous: BlockNumber, now: BlockNumber);
}

impl<AccountId, Balance, BlockNumber> HeartbeatObserver<AccountId, Balance, BlockNumber> for () {
	fn on_heartbeat(_: &AccountId, _: Balance, _: BlockNumber, _: BlockNumber) {}
}

/// Test doubles (feature `test-utils`). Their state lives in the externalities' storage (see
/// `traits::mock_store`): use them inside `TestExternalities`, each of which starts them empty.
#[cfg(any(test, feature = "test-utils"))]
pub mod mock {
	use super::*;
	use crate::traits::mock_store::Stored;
	use codec::Encode;
	use sp_runtime::traits::UniqueSaturatedInto;
	use std::vec::Vec;

	static BEATS: Stored<Vec<(Vec<u8>, u128, u64, u64)>> = Stored::new(b":aipin:mock:beats");

	/// A [`HeartbeatObserver`] that records every heartbeat as `(stash, stake, previous, now)`.
	pub struct MockHeartbeats;

	impl MockHeartbeats {
		/// Heartbeats seen so far (stash SCALE-encoded).
		pub fn seen() -> Vec<(Vec<u8>, u128, u64, u64)> {
			BEATS.with(|b| b.borrow().clone())
		}
		/// Forgets them.
		pub fn reset() {
			BEATS.with(|b| b.borrow_mut().clear());
		}
	}

	impl<A: Encode, B: UniqueSaturatedInto<u128> + Copy, N: UniqueSaturatedInto<u64> + Copy>
		HeartbeatObserver<A, B, N> for MockHeartbeats
	{
		fn on_heartbeat(stash: &A, stake: B, previous: N, now: N) {
			let beat = (
				stash.encode(),
				stake.unique_saturated_into(),
				previous.unique_saturated_into(),
				now.unique_saturated_into(),
			);
			BEATS.with(|b| b.borrow_mut().push(beat));
		}
	}
}
