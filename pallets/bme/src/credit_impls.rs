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
		Stats::<T>::mutate(|s| {
			s.burned_for_credits = s.burned_for_credits.saturating_add(burned);
			s.credits_issued = s.credits_issued.saturating_add(credits);
			s.credits_outstanding = outstanding;
		});
		Accumulator::<T>::mutate(|a| a.burned = a.burned.saturating_add(burned));
		Self::deposit_event(Event::CreditsPurchased { who, tokens: burned, credits, price });
		Ok(())
	}
}
