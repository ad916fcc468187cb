//! The staking pallet's implementation of `ProviderRegistry`, which the escrow and slashing
//! pallets use.

use crate::{pallet::*, types::*};
use aipin_primitives::{ProviderRegistry, Requirements, SlashOutcome, TaskOutcome};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::Zero, DispatchError, DispatchResult, Perbill};

impl<T: Config> ProviderRegistry<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> for Pallet<T> {
	fn stash_of(operator: &T::AccountId) -> Option<T::AccountId> {
		Operators::<T>::get(operator)
	}

	fn operator_of(stash: &T::AccountId) -> Option<T::AccountId> {
		Providers::<T>::get(stash).map(|i| i.operator)
	}

	fn slashable_stake(stash: &T::AccountId) -> BalanceOf<T> {
		Providers::<T>::get(stash).map(|i| i.total_stake()).unwrap_or_else(Zero::zero)
	}

	fn ask_price(stash: &T::AccountId) -> Option<aipin_primitives::Credits> {
		Providers::<T>::get(stash).map(|i| i.profile.ask_price)
	}

	fn is_eligible(stash: &T::AccountId, req: &Requirements, now: BlockNumberFor<T>) -> bool {
		Providers::<T>::get(stash).is_some_and(|i| Self::info_is_eligible(&i, req, now))
	}

	fn could_ever_serve(req: &Requirements) -> bool {
		KernelReaches::<T>::get(req.kernel)
			.is_some_and(|r| r.covers(req, T::TaskComputeSeconds::get()))
	}

	fn select(
		req: &Requirements,
		count: u32,
		exclude: &[T::AccountId],
		seed: [u8; 32],
		now: BlockNumberFor<T>,
	) -> Vec<T::AccountId> {
		Self::do_select(req, count, exclude, seed, now)
	}

	fn record_outcome(stash: &T::AccountId, outcome: TaskOutcome, now: BlockNumberFor<T>) {
		let Some(mut info) = Providers::<T>::get(stash) else { return };
		let old = Self::reputation_at(&info.reputation, now);
		let new = match outcome {
			TaskOutcome::Success => old.saturating_add(
				T::SuccessReputationGain::get() * REPUTATION_MAX.saturating_sub(old),
			),
			TaskOutcome::ProviderFault => old.saturating_sub(T::FaultReputationLoss::get() * old),
		}
		.min(REPUTATION_MAX);
		info.reputation = Reputation { value: new, updated_at: now };
		Providers::<T>::insert(stash, info);
		Self::deposit_event(Event::ReputationChanged { stash: stash.clone(), old, new });
	}

	fn jail(stash: &T::AccountId, until: BlockNumberFor<T>) -> DispatchResult {
		let until = Providers::<T>::try_mutate(stash, |info| -> Result<_, DispatchError> {
			let info = info.as_mut().ok_or(Error::<T>::NotProvider)?;
			// A longer jail already running is kept.
			let until = info.jailed_until.map_or(until, |u| u.max(until));
			info.jailed_until = Some(until);
			Ok(until)
		})?;
		Self::deposit_event(Event::ProviderJailed { stash: stash.clone(), until });
		Ok(())
	}

	fn unjail(stash: &T::AccountId, now: BlockNumberFor<T>) -> DispatchResult {
		Providers::<T>::try_mutate(stash, |info| -> DispatchResult {
			let info = info.as_mut().ok_or(Error::<T>::NotProvider)?;
			let until = info.jailed_until.ok_or(Error::<T>::NotJailed)?;
			ensure!(now >= until, Error::<T>::JailNotExpired);
			info.jailed_until = None;
			Ok(())
		})?;
		Self::deposit_event(Event::ProviderUnjailed { stash: stash.clone() });
		Ok(())
	}

	fn slash(
		stash: &T::AccountId,
		amount: BalanceOf<T>,
		beneficiary: Option<&T::AccountId>,
		reward: Perbill,
	) -> Result<SlashOutcome<BalanceOf<T>>, DispatchError> {
		Self::do_slash(stash, amount, beneficiary, reward)
	}
}
