//! Storage migrations, one module per version step.
//!
//! Each step is a [`VersionedMigration`]: it runs only while the pallet's on-chain storage
//! version is the one it migrates from, then writes the one it migrates to, so a second run
//! (or a runtime that still lists it after the upgrade) does nothing. The runtime lists the
//! steps in its `Migrations`; `runtime/tests/upgrade.rs` runs them through
//! `Executive::try_runtime_upgrade` with their pre- and post-checks.

use crate::{Config, Pallet, Providers};
use frame_support::{migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade};

/// Version 2: each kernel records how far its providers reach (`KernelReaches`), and the
/// escrow refuses at submission a task no provider could take. Before this, no reach was
/// recorded, and without this step every task would be refused after the upgrade.
pub mod v2 {
	use super::*;
	use core::marker::PhantomData;
	use frame_support::pallet_prelude::*;

	/// Widens each listed kernel's reach to every registered provider's profile: what
	/// `register_provider` and `update_profile` have done since. One read per provider and one
	/// read-write per kernel it lists, in one block (providers are bounded by
	/// `MaxProvidersPerKernel` per kernel).
	pub struct BackfillKernelReaches<T>(PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for BackfillKernelReaches<T> {
		fn on_runtime_upgrade() -> Weight {
			let (mut providers, mut listed) = (0u64, 0u64);
			for (_, info) in Providers::<T>::iter() {
				providers = providers.saturating_add(1);
				for kernel in info.profile.kernels.iter() {
					listed = listed.saturating_add(1);
					Pallet::<T>::widen_reach(*kernel, &info.profile);
				}
			}
			T::DbWeight::get().reads_writes(providers.saturating_add(listed), listed)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			use crate::KernelReaches;
			use aipin_primitives::KernelReach;
			for (_, info) in Providers::<T>::iter() {
				for kernel in info.profile.kernels.iter() {
					let reach =
						KernelReaches::<T>::get(kernel).ok_or("a listed kernel has no reach")?;
					ensure!(
						reach.widen(KernelReach::of(&info.profile)) == reach,
						"a provider's profile is outside its kernel's reach"
					);
				}
			}
			Ok(())
		}
	}

	/// Version 1 → 2.
	pub type MigrateToV2<T> = VersionedMigration<
		1,
		2,
		BackfillKernelReaches<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
