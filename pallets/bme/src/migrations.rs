//! Storage migrations, one module per version step.
//!
//! Each step is a [`VersionedMigration`]: it runs only while the pallet's on-chain storage
//! version is the one it migrates from, then writes the one it migrates to, so a second run
//! (or a runtime that still lists it after the upgrade) does nothing. The runtime lists the
//! steps in its `Migrations`; `runtime/tests/upgrade.rs` runs them through
//! `Executive::try_runtime_upgrade` with their pre- and post-checks.

use crate::{Config, Pallet};
use frame_support::{migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade};

/// Version 1: `MaxUnclaimedEpochs` is a few epochs instead of a week of them, so that
/// `claim_rewards`, declared for that many, is declared near its real cost. A provider's older
/// unclaimed epochs are settled into its `PendingRewards` (`settle_into_pending`, as
/// `note_participation` has always done with the epoch that no longer fits): what it can claim
/// does not change.
pub mod v1 {
	use super::*;
	use crate::{types::EpochIndex, Unclaimed};
	use alloc::vec::Vec;
	use core::marker::PhantomData;
	use frame_support::pallet_prelude::*;
	use sp_runtime::Saturating;

	/// Settles every unclaimed list down to the newest `MaxUnclaimedEpochs` entries. One read
	/// and write per provider and one settlement per epoch dropped, in one block: providers ×
	/// (the old bound − the new), bounded by the registered providers.
	pub struct SettleOldUnclaimed<T>(PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for SettleOldUnclaimed<T> {
		fn on_runtime_upgrade() -> Weight {
			let bound = T::MaxUnclaimedEpochs::get() as usize;
			let (mut lists, mut settled) = (0u64, 0u64);
			Unclaimed::<T>::translate::<Vec<EpochIndex>, _>(|who, mut list| {
				lists.saturating_inc();
				let over = list.len().saturating_sub(bound);
				for epoch in list.drain(..over) {
					settled.saturating_inc();
					Pallet::<T>::settle_into_pending(&who, epoch);
				}
				// Cannot fail: `list` holds at most `bound` epochs now.
				BoundedVec::try_from(list).ok()
			});
			// A settlement reads and writes the work, heartbeat and epoch entries and the
			// pending balance.
			T::DbWeight::get().reads_writes(
				lists.saturating_add(settled.saturating_mul(4)),
				lists.saturating_add(settled.saturating_mul(4)),
			)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(claimable_by_provider::<T>()?.encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = Vec::<(T::AccountId, crate::BalanceOf<T>)>::decode(&mut &state[..])
				.map_err(|_| "bad pre-upgrade state")?;
			ensure!(
				Unclaimed::<T>::iter_keys().count() == before.len(),
				"an unclaimed list was lost"
			);
			for (who, claimable) in before {
				ensure!(
					Pallet::<T>::claimable(&who) == claimable,
					"what a provider can claim changed"
				);
			}
			Ok(())
		}
	}

	/// The map as version 0 stored it (an alias takes its storage name from its own name).
	#[cfg(feature = "try-runtime")]
	mod v0 {
		use super::*;

		/// `Unclaimed`, with lists of any length.
		#[frame_support::storage_alias]
		pub type Unclaimed<T: Config> = StorageMap<
			Pallet<T>,
			Blake2_128Concat,
			<T as frame_system::Config>::AccountId,
			Vec<EpochIndex>,
		>;
	}

	/// What each provider with an unclaimed list can claim, read in the version-0 layout.
	#[cfg(feature = "try-runtime")]
	fn claimable_by_provider<T: Config>(
	) -> Result<Vec<(T::AccountId, crate::BalanceOf<T>)>, sp_runtime::TryRuntimeError> {
		let current = crate::CurrentEpoch::<T>::get();
		let lists: Vec<_> = v0::Unclaimed::<T>::iter().collect();
		ensure!(lists.len() == v0::Unclaimed::<T>::iter_keys().count(), "an undecodable list");
		Ok(lists
			.into_iter()
			.map(|(who, list)| {
				let mut sum = crate::PendingRewards::<T>::get(&who);
				for epoch in list.into_iter().filter(|e| *e < current) {
					let r = Pallet::<T>::reward_of(&who, epoch);
					sum = sum.saturating_add(r.work).saturating_add(r.availability);
				}
				(who, sum)
			})
			.collect())
	}

	/// Version 0 → 1.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		SettleOldUnclaimed<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
