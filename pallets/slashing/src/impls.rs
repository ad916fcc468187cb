//! The slashing pallet's implementation of `ReportOffence`, which the escrow pallet calls.

use crate::*;
use aipin_primitives::{Offence, ReportOffence};
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::*;

impl<T: Config> ReportOffence<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
	fn report(offence: Offence<T::AccountId>, at: BlockNumberFor<T>) -> DispatchResult {
		Self::do_report(offence, at)
	}

	fn set_beneficiary(offence: &Offence<T::AccountId>) -> DispatchResult {
		let id = Reported::<T>::get((offence.kind, offence.task, offence.provider.clone()))
			.ok_or(Error::<T>::SlashNotFound)?;
		Slashes::<T>::try_mutate(id, |record| -> DispatchResult {
			let record = record.as_mut().ok_or(Error::<T>::SlashNotFound)?;
			ensure!(record.status == SlashStatus::Pending, Error::<T>::SlashNotPending);
			record.offence.beneficiary = offence.beneficiary.clone();
			Ok(())
		})
	}
}
