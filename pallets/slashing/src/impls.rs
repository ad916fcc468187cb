//! The slashing pallet's implementation of `ReportOffence`, which the escrow pallet calls.

use crate::*;
use aipin_primitives::{Offence, ReportOffence};
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::*;

impl<T: Config> ReportOffence<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
	fn report(offence: Offence<T::AccountId>, at: BlockNumberFor<T>) -> DispatchResult {
		Self::do_report(offence, at)
	}
}
