//! Compute credits: buying them by burning tokens.

use crate::pallet::*;
use aipin_primitives::Credits;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::Mutate,
		tokens::{Fortitude, Precision, Preservation},
	},
};
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{Saturating, UniqueSaturatedInto, Zero},
	DispatchResult, Rounding,
};

impl<T: Config> Pallet<T> {
	/// Credits `tokens` buy at `price` nano-USD per token, rounded down.
	pub fn credits_for(tokens: BalanceOf<T>, price: u128) -> Option<Credits> {
		let tokens: u128 = tokens.unique_saturated_into();
		let unit: u128 = T::TokenUnit::get().unique_saturated_into();
		let denominator = unit.checked_mul(T::CreditValueNanoUsd::get())?;
		multiply_by_rational_with_rounding(tokens, price, denominator, Rounding::Down)
	}

	pub(crate) fn do_buy_credits(
		who: T::AccountId,
		tokens: BalanceOf<T>,
		min_credits: Credits,
	) -> DispatchResult {
		ensure!(!tokens.is_zero(), Error::<T>::ZeroAmount);
		let price = EffectivePrice::<T>::get().ok_or(Error::<T>::OracleHalted)?;
		let credits = Self::credits_for(tokens, price).ok_or(Error::<T>::Overflow)?;
		ensure!(credits > 0, Error::<T>::TooSmall);
		ensure!(credits >= min_credits, Error::<T>::SlippageExceeded);
		let outstanding = Stats::<T>::get()
			.credits_outstanding
			.checked_add(credits)
			.ok_or(Error::<T>::Overflow)?;
		let burned = T::Currency::burn_from(
			&who,
			tokens,
			Preservation::Preserve,
			Precision::Exact,
			Fortitude::Polite,
		)
		.map_err(|_| Error::<T>::InsufficientBalance)?;
		Credits_::<T>::mutate(&who, |c| *c = c.saturating_add(credits));
		CreditCost::<T>::mutate(&who, |c| *c = c.saturating_add(burned));
		Stats::<T>::mutate(|s| {
			s.burned_for_credits = s.burned_for_credits.saturating_add(burned);
			s.credits_issued = s.credits_issued.saturating_add(credits);
			s.credits_outstanding = outstanding;
		});
		Accumulator::<T>::mutate(|a| a.burned = a.burned.saturating_add(burned));
		Self::deposit_event(Event::CreditsPurchased { who, tokens: burned, credits, price });
		Ok(())
	}

	/// Takes the share of `who`'s cost basis that `amount` of the `held` credits it had
	/// (free + reserved, before spending) carry, rounded down; the last credit takes what is
	/// left, so no basis outlives its credits.
	pub(crate) fn take_cost(who: &T::AccountId, amount: Credits, held: Credits) -> BalanceOf<T> {
		CreditCost::<T>::mutate_exists(who, |cost| {
			let basis = cost.take().unwrap_or_default();
			let part = if amount >= held {
				basis
			} else {
				let b: u128 = basis.unique_saturated_into();
				multiply_by_rational_with_rounding(b, amount, held, Rounding::Down)
					.unwrap_or(0)
					.unique_saturated_into()
			};
			let rest = basis.saturating_sub(part);
			*cost = (!rest.is_zero()).then_some(rest);
			part
		})
	}
}
