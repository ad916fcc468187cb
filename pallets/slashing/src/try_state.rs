//! The slashing pallet's invariants, checked by `try_state` after every test.

use crate::*;
use frame_support::pallet_prelude::*;

impl<T: Config> Pallet<T> {
	/// The pallet's invariants:
	/// - cursors are ordered: prune ≤ apply ≤ next id;
	/// - every record below the prune cursor is gone; every record at or above it that the
	///   apply cursor passed is applied or cancelled;
	/// - each record is findable through `Reported`, and `Reported` has no other entries;
	/// - the record count is within `MaxSlashRecords`.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let (prune, apply, next) =
			(PruneCursor::<T>::get(), ApplyCursor::<T>::get(), NextSlashId::<T>::get());
		ensure!(prune <= apply && apply <= next, "cursors out of order");
		let mut count = 0u32;
		for (id, rec) in Slashes::<T>::iter() {
			count += 1;
			ensure!(id >= prune && id < next, "record outside the live range");
			if id < apply {
				ensure!(
					rec.status != SlashStatus::Pending,
					"the apply cursor passed a pending record"
				);
			}
			let o = &rec.offence;
			ensure!(
				Reported::<T>::get((o.kind, o.task, o.provider.clone())) == Some(id),
				"record missing from Reported"
			);
		}
		ensure!(count == Slashes::<T>::count(), "record counter is off");
		ensure!(count <= T::MaxSlashRecords::get(), "too many records");
		ensure!(Reported::<T>::iter().count() as u32 == count, "stale Reported entries");
		Ok(())
	}
}
