//! The escrow pallet's implementations of the glue traits other pallets call.

use crate::pallet::*;
use aipin_primitives::InFlightTasks;

impl<T: Config> InFlightTasks<T::AccountId> for Pallet<T> {
	fn in_flight(stash: &T::AccountId) -> u32 {
		ProviderLoad::<T>::get(stash)
	}
}
