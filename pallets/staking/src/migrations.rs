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

/// Version 3: asks are credits per the escrow's `PriceUnit` work units, no longer per work
/// unit, so that market rates are expressible in whole credits. Every stored ask is
/// multiplied by that unit (`Factor`), which keeps what each provider charges per work unit.
pub mod v3 {
	use super::*;
	use crate::{KernelReaches, ReachRecount};
	use aipin_primitives::{Credits, KernelReach};
	use core::marker::PhantomData;
	use frame_support::pallet_prelude::*;

	/// An ask rescaled by `factor` (saturating: an ask that large could take no task anyway).
	fn scaled(ask: Credits, factor: u64) -> Credits {
		ask.saturating_mul(Credits::from(factor))
	}

	/// Rescales every provider's ask, every kernel's lowest ask and a recount's partial
	/// reach. One read and write per provider and per kernel, in one block (providers are
	/// bounded by `MaxProvidersPerKernel` per kernel).
	pub struct ScaleAsks<T, Factor>(PhantomData<(T, Factor)>);

	impl<T: Config, Factor: Get<u64>> UncheckedOnRuntimeUpgrade for ScaleAsks<T, Factor> {
		fn on_runtime_upgrade() -> Weight {
			let factor = Factor::get();
			let mut entries = 0u64;
			Providers::<T>::translate_values::<crate::ProviderInfoOf<T>, _>(|mut info| {
				entries = entries.saturating_add(1);
				info.profile.ask_price = scaled(info.profile.ask_price, factor);
				Some(info)
			});
			KernelReaches::<T>::translate_values::<KernelReach, _>(|mut reach| {
				entries = entries.saturating_add(1);
				reach.ask_price = scaled(reach.ask_price, factor);
				Some(reach)
			});
			ReachRecount::<T>::mutate(|recount| {
				if let Some(reach) = recount.as_mut().and_then(|r| r.reach.as_mut()) {
					reach.ask_price = scaled(reach.ask_price, factor);
				}
			});
			T::DbWeight::get().reads_writes(entries.saturating_add(1), entries.saturating_add(1))
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			let asks: alloc::vec::Vec<(T::AccountId, Credits)> = Providers::<T>::iter()
				.map(|(stash, info)| (stash, info.profile.ask_price))
				.collect();
			let reaches: alloc::vec::Vec<(u32, Credits)> =
				KernelReaches::<T>::iter().map(|(k, r)| (k, r.ask_price)).collect();
			Ok((asks, reaches).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			type State<A> = (alloc::vec::Vec<(A, Credits)>, alloc::vec::Vec<(u32, Credits)>);
			let (asks, reaches) = State::<T::AccountId>::decode(&mut &state[..])
				.map_err(|_| "bad pre-upgrade state")?;
			let factor = Factor::get();
			ensure!(asks.len() as u32 == Providers::<T>::count(), "providers were lost");
			for (stash, ask) in asks {
				let info = Providers::<T>::get(&stash).ok_or("a provider was lost")?;
				ensure!(info.profile.ask_price == scaled(ask, factor), "an ask was not rescaled");
			}
			for (kernel, ask) in reaches {
				let reach = KernelReaches::<T>::get(kernel).ok_or("a kernel's reach was lost")?;
				ensure!(reach.ask_price == scaled(ask, factor), "a reach was not rescaled");
			}
			Ok(())
		}
	}

	/// Version 2 → 3, with the escrow's `PriceUnit` as `Factor`.
	pub type MigrateToV3<T, Factor> = VersionedMigration<
		2,
		3,
		ScaleAsks<T, Factor>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
