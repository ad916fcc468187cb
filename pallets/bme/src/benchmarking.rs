//! Benchmarks of every call and hook, each at its worst case.

use super::*;
use crate::Pallet as Bme;
use aipin_primitives::{ComputeCredits, HeartbeatObserver};
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get, Hooks};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::{
	traits::{Bounded, Saturating},
	Weight,
};

fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId {
	let who: T::AccountId = account(name, i, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 8u32.into());
	who
}

/// Fills the feeder set (`f` feeders) with fresh submissions at the current price.
fn feeders<T: Config>(f: u32) -> Vec<T::AccountId> {
	Feeders::<T>::kill();
	let price = EffectivePrice::<T>::get().unwrap_or(500_000_000);
	(0..f)
		.map(|i| {
			let who: T::AccountId = account("feeder", i, 0);
			Bme::<T>::do_add_feeder(who.clone()).expect("room for feeders");
			Bme::<T>::do_submit_price(who.clone(), price).expect("submission");
			who
		})
		.collect()
}

fn now<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number()
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn add_feeder(f: Linear<0, { T::MaxFeeders::get() - 1 }>) {
		feeders::<T>(f);
		let new: T::AccountId = account("new-feeder", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Root, new.clone());

		assert!(Feeders::<T>::get().contains(&new));
	}

	#[benchmark]
	fn remove_feeder(f: Linear<1, { T::MaxFeeders::get() }>) {
		let all = feeders::<T>(f);

		#[extrinsic_call]
		_(RawOrigin::Root, all[0].clone());

		assert_eq!(Feeders::<T>::get().len() as u32, f - 1);
	}

	#[benchmark]
	fn submit_price(f: Linear<1, { T::MaxFeeders::get() }>) {
		let all = feeders::<T>(f);
		let price = EffectivePrice::<T>::get().expect("live price");

		#[extrinsic_call]
		_(RawOrigin::Signed(all[0].clone()), price.saturating_add(1));

		assert!(EffectivePrice::<T>::get().is_some());
	}

	#[benchmark]
	fn buy_credits() {
		feeders::<T>(1);
		let who = funded::<T>("buyer", 0);
		let tokens = T::TokenUnit::get().saturating_mul(1_000u32.into());

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), tokens, 1);

		assert!(Credits_::<T>::get(&who) > 0);
	}

	/// Claiming `e` finished epochs, each with work and a qualifying heartbeat log.
	#[benchmark]
	fn claim_rewards(e: Linear<1, { T::MaxUnclaimedEpochs::get() - 1 }>) {
		feeders::<T>(1);
		let consumer = funded::<T>("consumer", 0);
		Bme::<T>::do_buy_credits(
			consumer.clone(),
			T::TokenUnit::get().saturating_mul(1_000u32.into()),
			0,
		)
		.expect("credits");
		// Funded: a reward below the existential deposit could not be minted to an empty
		// account (the runtime's real worst case is a provider that exists).
		let provider = funded::<T>("provider", 0);
		let epoch_len = T::EpochLength::get();
		for _ in 0..e {
			Bme::<T>::reserve(&consumer, 10).expect("reserve");
			Bme::<T>::spend(&consumer, 10, &provider, true).expect("spend");
			let start = EpochStart::<T>::get();
			Bme::<T>::on_heartbeat(
				&provider,
				1_000u32.into(),
				start,
				start.saturating_add(1u32.into()),
			);
			let end = start.saturating_add(epoch_len);
			Bme::<T>::on_heartbeat(
				&provider,
				1_000u32.into(),
				start,
				end.saturating_sub(1u32.into()),
			);
			frame_system::Pallet::<T>::set_block_number(end);
			Bme::<T>::close_epoch(end);
		}
		// keep the price fresh at the claim
		feeders::<T>(1);

		#[extrinsic_call]
		_(RawOrigin::Signed(provider.clone()));

		assert!(Unclaimed::<T>::get(&provider).is_empty());
	}

	/// The price refresh in `on_initialize` when a submission expires, with `f` feeders.
	#[benchmark]
	fn refresh_price(f: Linear<1, { T::MaxFeeders::get() }>) {
		feeders::<T>(f);
		let later = now::<T>().saturating_add(T::PriceValidity::get());

		#[block]
		{
			Bme::<T>::refresh_price(later);
		}

		assert!(EffectivePrice::<T>::get().is_none(), "every submission expired");
	}

	/// Closing an epoch in `on_initialize`.
	#[benchmark]
	fn close_epoch() {
		let end = now::<T>().saturating_add(T::EpochLength::get());

		#[block]
		{
			Bme::<T>::close_epoch(end);
		}

		assert_eq!(CurrentEpoch::<T>::get(), 1);
	}

	/// Pruning one fully claimed epoch record in `on_idle`.
	#[benchmark]
	fn prune_epoch() {
		let len = T::EpochLength::get();
		for i in 0..=T::HistoryDepth::get() {
			let end = len.saturating_mul((i + 1).into());
			Bme::<T>::close_epoch(end);
		}
		frame_system::Pallet::<T>::set_block_number(len.saturating_mul(100u32.into()));

		#[block]
		{
			Bme::<T>::on_idle(
				now::<T>(),
				T::WeightInfo::prune_epoch().saturating_add(Weight::from_parts(1, 1)),
			);
		}

		assert!(Epochs::<T>::get(0).is_none());
	}

	impl_benchmark_test_suite!(Bme, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
