//! The price oracle: feeders, submissions, the effective price and its circuit breaker.

use crate::{pallet::*, types::*, LOG_TARGET};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Bounded, Saturating},
	DispatchResult,
};

impl<T: Config> Pallet<T> {
	/// Feeders registered now: what the feeder calls are charged for.
	pub(crate) fn feeder_count() -> u32 {
		Feeders::<T>::decode_len().unwrap_or(0) as u32
	}

	pub(crate) fn do_add_feeder(feeder: T::AccountId) -> DispatchResult {
		Feeders::<T>::try_mutate(|feeders| -> DispatchResult {
			ensure!(!feeders.contains(&feeder), Error::<T>::AlreadyFeeder);
			feeders.try_push(feeder.clone()).map_err(|_| Error::<T>::TooManyFeeders)?;
			Ok(())
		})?;
		Self::deposit_event(Event::FeederAdded { feeder });
		Ok(())
	}

	pub(crate) fn do_remove_feeder(feeder: T::AccountId) -> DispatchResult {
		Feeders::<T>::try_mutate(|feeders| -> DispatchResult {
			let pos = feeders.iter().position(|f| f == &feeder).ok_or(Error::<T>::NotFeeder)?;
			feeders.remove(pos);
			Ok(())
		})?;
		Submissions::<T>::remove(&feeder);
		Self::deposit_event(Event::FeederRemoved { feeder });
		Self::refresh_price(frame_system::Pallet::<T>::block_number());
		Ok(())
	}

	pub(crate) fn do_submit_price(feeder: T::AccountId, price: u128) -> DispatchResult {
		ensure!(Feeders::<T>::get().contains(&feeder), Error::<T>::NotFeeder);
		ensure!(price > 0, Error::<T>::ZeroPrice);
		let max_dev = T::MaxPriceDeviation::get();
		if let (Some(current), false) = (EffectivePrice::<T>::get(), max_dev.is_zero()) {
			let bound = max_dev.mul_ceil(current);
			ensure!(price.abs_diff(current) <= bound, Error::<T>::PriceDeviationTooLarge);
		}
		let now = frame_system::Pallet::<T>::block_number();
		Submissions::<T>::insert(&feeder, PriceSubmission { price, at: now });
		Self::deposit_event(Event::PriceSubmitted { feeder, price });
		Self::refresh_price(now);
		Ok(())
	}

	/// Median of the fresh submissions: the middle one, or the mean of the two middle ones
	/// (rounded down) for an even count; `None` if no submission is fresh. Also returns the
	/// block at which the oldest fresh submission expires.
	pub fn median_price(now: BlockNumberFor<T>) -> (Option<u128>, Option<BlockNumberFor<T>>) {
		let validity = T::PriceValidity::get();
		let mut prices: Vec<u128> = Vec::new();
		let mut next_expiry: Option<BlockNumberFor<T>> = None;
		for feeder in Feeders::<T>::get() {
			let Some(sub) = Submissions::<T>::get(&feeder) else { continue };
			let expires = sub.at.saturating_add(validity);
			if expires > now {
				prices.push(sub.price);
				next_expiry = Some(next_expiry.map_or(expires, |e| e.min(expires)));
			}
		}
		if prices.is_empty() {
			return (None, None);
		}
		prices.sort_unstable();
		let mid = prices.len() / 2;
		let median = if prices.len() % 2 == 1 {
			prices[mid]
		} else {
			// (a + b) / 2 without overflow.
			let (a, b) = (prices[mid - 1], prices[mid]);
			a / 2 + b / 2 + (a % 2 + b % 2) / 2
		};
		(Some(median), next_expiry)
	}

	/// Recomputes the effective price, trips or resets the circuit breaker, and schedules the
	/// next check for when the oldest fresh submission expires.
	pub(crate) fn refresh_price(now: BlockNumberFor<T>) {
		let before = EffectivePrice::<T>::get();
		let (median, next_expiry) = Self::median_price(now);
		match (before, median) {
			(Some(_), None) => {
				EffectivePrice::<T>::kill();
				Self::deposit_event(Event::OracleHalted);
				log::warn!(target: LOG_TARGET, "oracle halted: no fresh price");
			},
			(None, Some(p)) => {
				EffectivePrice::<T>::put(p);
				Self::deposit_event(Event::OracleResumed { price: p });
			},
			(Some(old), Some(p)) if old != p => {
				EffectivePrice::<T>::put(p);
				Self::deposit_event(Event::EffectivePriceChanged { price: p });
			},
			_ => {},
		}
		// With no fresh price, nothing expires: check again only when a price is submitted.
		OracleCheckAt::<T>::put(next_expiry.unwrap_or_else(BlockNumberFor::<T>::max_value));
	}
}
