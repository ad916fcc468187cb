//! The BME pallet's implementations of the glue traits other pallets use: `ComputeCredits`
//! (escrow), `HeartbeatObserver` (staking), `OnStakeBurned` (slashing), and fee burning.

use crate::{pallet::*, types::*};
use aipin_primitives::{ComputeCredits, Credits, HeartbeatObserver, OnStakeBurned};
use core::marker::PhantomData;
use frame_support::traits::{fungible::Credit, Imbalance, OnUnbalanced};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::Saturating, DispatchResult};

impl<T: Config> ComputeCredits<T::AccountId> for Pallet<T> {
	fn free_credits(who: &T::AccountId) -> Credits {
		Credits_::<T>::get(who)
	}

	fn reserve(who: &T::AccountId, amount: Credits) -> DispatchResult {
		Credits_::<T>::try_mutate(who, |free| -> DispatchResult {
			*free = free.checked_sub(amount).ok_or(Error::<T>::InsufficientCredits)?;
			Ok(())
		})?;
		ReservedCredits::<T>::mutate(who, |r| *r = r.saturating_add(amount));
		Ok(())
	}

	fn release(who: &T::AccountId, amount: Credits) -> Credits {
		let released = ReservedCredits::<T>::mutate(who, |r| {
			let x = amount.min(*r);
			*r = r.saturating_sub(x);
			x
		});
		Credits_::<T>::mutate(who, |free| *free = free.saturating_add(released));
		released
	}

	fn spend(
		who: &T::AccountId,
		amount: Credits,
		provider: &T::AccountId,
		verified: bool,
	) -> DispatchResult {
		let held = Credits_::<T>::get(who).saturating_add(ReservedCredits::<T>::get(who));
		ReservedCredits::<T>::try_mutate(who, |r| -> DispatchResult {
			*r = r.checked_sub(amount).ok_or(Error::<T>::InsufficientReserved)?;
			Ok(())
		})?;
		let value = Self::take_cost(who, amount, held);
		Stats::<T>::mutate(|s| {
			s.credits_outstanding = s.credits_outstanding.saturating_sub(amount);
			s.credits_spent = s.credits_spent.saturating_add(amount);
		});
		if verified {
			Self::record_work(provider, amount, value);
		}
		Self::deposit_event(Event::CreditsSpent {
			consumer: who.clone(),
			provider: provider.clone(),
			credits: amount,
			value,
			verified,
		});
		Ok(())
	}

	fn forfeit(who: &T::AccountId, amount: Credits) -> Credits {
		let held = Credits_::<T>::get(who).saturating_add(ReservedCredits::<T>::get(who));
		let gone = ReservedCredits::<T>::mutate(who, |r| {
			let x = amount.min(*r);
			*r = r.saturating_sub(x);
			x
		});
		if gone == 0 {
			return 0;
		}
		// The tokens behind these credits were burned when they were bought; the basis goes
		// with them.
		Self::take_cost(who, gone, held);
		Stats::<T>::mutate(|s| {
			s.credits_outstanding = s.credits_outstanding.saturating_sub(gone);
			s.credits_forfeited = s.credits_forfeited.saturating_add(gone);
		});
		Self::deposit_event(Event::CreditsForfeited { who: who.clone(), credits: gone });
		gone
	}
}

impl<T: Config> HeartbeatObserver<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> for Pallet<T> {
	fn on_heartbeat(
		stash: &T::AccountId,
		stake: BalanceOf<T>,
		previous: BlockNumberFor<T>,
		now: BlockNumberFor<T>,
	) {
		let epoch = CurrentEpoch::<T>::get();
		let gap = now.saturating_sub(previous);
		match HeartbeatLog::<T>::get(epoch, stash) {
			None => {
				Self::note_participation(stash, epoch);
				HeartbeatLog::<T>::insert(
					epoch,
					stash,
					Availability { stake, first_previous: previous, max_gap: gap, last: now },
				);
				Accumulator::<T>::mutate(|a| a.total_stake = a.total_stake.saturating_add(stake));
			},
			Some(mut log) => {
				if stake < log.stake {
					let drop = log.stake.saturating_sub(stake);
					Accumulator::<T>::mutate(|a| {
						a.total_stake = a.total_stake.saturating_sub(drop)
					});
					log.stake = stake;
				}
				log.max_gap = log.max_gap.max(gap);
				log.last = now;
				HeartbeatLog::<T>::insert(epoch, stash, log);
			},
		}
	}
}

impl<T: Config> OnStakeBurned<BalanceOf<T>> for Pallet<T> {
	fn on_stake_burned(amount: BalanceOf<T>) {
		Stats::<T>::mutate(|s| s.burned_by_slashing = s.burned_by_slashing.saturating_add(amount));
	}
}

/// Burns what it is handed (transaction fees, dust) and counts it, so the supply invariant
/// holds: use it as the runtime's fee and dust handler.
pub struct AccountBurns<T>(PhantomData<T>);

impl<T: Config> OnUnbalanced<Credit<T::AccountId, T::Currency>> for AccountBurns<T> {
	fn on_nonzero_unbalanced(amount: Credit<T::AccountId, T::Currency>) {
		let value = amount.peek();
		Stats::<T>::mutate(|s| s.burned_fees = s.burned_fees.saturating_add(value));
		// Dropping the credit reduces total issuance.
		drop(amount);
	}
}
