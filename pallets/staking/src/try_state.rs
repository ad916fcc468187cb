//! The staking pallet's invariants, checked by `try_state` after every test.

use crate::{pallet::*, types::KernelReach};
use aipin_primitives::KernelId;
use frame_support::{ensure, traits::fungible::InspectHold};

impl<T: Config> Pallet<T> {
	/// The pallet's invariants:
	/// - every provider's held stake equals `active + Σ unlocking`;
	/// - every provider's operator maps back to it, and the operator map has no other entries;
	/// - the kernel indexes are dense, agree with each other, and list exactly the providers
	///   whose profile names the kernel;
	/// - a kernel's reach covers its providers' profiles, and is exactly their widening unless
	///   it is stale or being recounted; a recount covers every provider it has passed;
	/// - profiles are valid and chunks are bounded by construction.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		let reason: T::RuntimeHoldReason = HoldReason::ProviderStake.into();
		let mut per_kernel: BTreeMap<KernelId, u32> = BTreeMap::new();
		let mut offered: BTreeMap<KernelId, KernelReach> = BTreeMap::new();
		let mut providers = 0u32;
		for (stash, info) in Providers::<T>::iter() {
			providers += 1;
			ensure!(
				T::Currency::balance_on_hold(&reason, &stash) == info.total_stake(),
				"held stake differs from active + unlocking"
			);
			ensure!(
				Operators::<T>::get(&info.operator).as_ref() == Some(&stash),
				"operator does not map back to its stash"
			);
			Self::ensure_valid_profile(&info.profile).map_err(|_| "invalid stored profile")?;
			for k in info.profile.kernels.iter() {
				ensure!(
					KernelProviderIndex::<T>::contains_key(k, &stash),
					"provider missing from a kernel index"
				);
				*per_kernel.entry(*k).or_default() += 1;
				let mine = KernelReach::of(&info.profile);
				offered.entry(*k).and_modify(|r| *r = r.widen(mine)).or_insert(mine);
				let reach =
					KernelReaches::<T>::get(k).ok_or("a kernel with providers has no reach")?;
				ensure!(
					reach.widen(KernelReach::of(&info.profile)) == reach,
					"a provider's profile is outside its kernel's reach"
				);
			}
		}
		ensure!(providers == Providers::<T>::count(), "provider counter is off");
		ensure!(Operators::<T>::iter().count() as u32 == providers, "stale operator entries");
		for (kernel, count) in KernelProviderCount::<T>::iter() {
			ensure!(per_kernel.get(&kernel).copied().unwrap_or(0) == count, "kernel count is off");
			for pos in 0..count {
				let stash =
					KernelProviders::<T>::get(kernel, pos).ok_or("hole in a kernel index")?;
				ensure!(
					KernelProviderIndex::<T>::get(kernel, &stash) == Some(pos),
					"kernel index and reverse index disagree"
				);
			}
			ensure!(
				KernelProviders::<T>::get(kernel, count).is_none(),
				"kernel index has entries past its count"
			);
		}
		ensure!(
			per_kernel.len() == KernelProviderCount::<T>::iter().count(),
			"kernel with providers but no count"
		);
		// Reaches are exact, except those waiting for (or under) a recount, which may be wider.
		let recounting = ReachRecount::<T>::get().map(|r| r.kernel);
		for (kernel, reach) in KernelReaches::<T>::iter() {
			if StaleReaches::<T>::contains_key(kernel) || recounting == Some(kernel) {
				continue;
			}
			ensure!(
				offered.get(&kernel) == Some(&reach),
				"a reach that is not stale differs from its providers' profiles"
			);
		}
		if let Some(r) = ReachRecount::<T>::get() {
			let counted = (0..r.next)
				.filter_map(|pos| KernelProviders::<T>::get(r.kernel, pos))
				.filter_map(Providers::<T>::get)
				.map(|info| KernelReach::of(&info.profile));
			for mine in counted {
				ensure!(
					r.reach.is_some_and(|reach| reach.widen(mine) == reach),
					"a recount narrower than a provider it has passed"
				);
			}
		}
		Ok(())
	}
}
