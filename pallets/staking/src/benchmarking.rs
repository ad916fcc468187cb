//! Benchmarks of every call, each at its worst case.

use super::*;
use crate::Pallet as Staking;
use aipin_primitives::{DeviceClass, KernelId};
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{fungible::Mutate, Get},
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_runtime::traits::Saturating;

const SEED: u32 = 0;

fn stake<T: Config>() -> BalanceOf<T> {
	T::MinProviderStake::get().saturating_mul(10u32.into())
}

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, SEED);
	// Enough for any benchmark's bonds, and little enough that many providers' balances do
	// not overflow the total issuance.
	T::Currency::set_balance(&who, stake::<T>().saturating_mul(1_000u32.into()));
	who
}

fn bench_profile<T: Config>(first: KernelId, k: u32) -> ProfileOf<T> {
	let kernels: Vec<KernelId> = (first..first.saturating_add(k)).collect();
	ProviderProfile {
		device_class: DeviceClass::DatacenterGpu,
		vram_mib: 81_920,
		throughput: 1_000_000,
		kernels: BoundedVec::truncate_from(kernels),
		ask_price: 10,
	}
}

/// The longest valid endpoint.
fn long_endpoint<T: Config>() -> EndpointOf<T> {
	let mut url = b"https://".to_vec();
	url.resize(T::MaxEndpointLen::get() as usize, b'a');
	BoundedVec::truncate_from(url)
}

/// Registers provider `index` on kernels `first..first+k`.
fn registered<T: Config>(index: u32, first: KernelId, k: u32) -> T::AccountId {
	let stash = funded::<T>("stash", index);
	let operator: T::AccountId = account("operator", index, SEED);
	Staking::<T>::do_register(
		stash.clone(),
		stake::<T>(),
		bench_profile::<T>(first, k),
		operator,
		long_endpoint::<T>(),
	)
	.expect("benchmark provider registers");
	stash
}

/// Fills the provider's unlocking chunks with `c` chunks at consecutive blocks.
fn with_chunks<T: Config>(stash: &T::AccountId, c: u32) {
	Staking::<T>::do_bond_extra(stash.clone(), stake::<T>()).expect("bond extra");
	for i in 0..c {
		frame_system::Pallet::<T>::set_block_number((i + 1).into());
		Staking::<T>::do_unbond(stash.clone(), 1u32.into()).expect("unbond one unit");
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_provider(k: Linear<1, { T::MaxKernelsPerProvider::get() }>) {
		let stash = funded::<T>("stash", 0);
		let operator: T::AccountId = account("operator", 0, SEED);
		let profile = bench_profile::<T>(0, k);
		let endpoint = long_endpoint::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(stash.clone()), stake::<T>(), profile, operator, endpoint);

		assert!(Providers::<T>::contains_key(&stash));
	}

	#[benchmark]
	fn bond_extra() {
		let stash = registered::<T>(0, 0, 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(stash.clone()), stake::<T>());

		assert_eq!(
			Providers::<T>::get(&stash).map(|i| i.active),
			Some(stake::<T>().saturating_mul(2u32.into()))
		);
	}

	#[benchmark]
	fn unbond() {
		let stash = registered::<T>(0, 0, 1);
		// Worst case: a new chunk is pushed next to a nearly full list.
		with_chunks::<T>(&stash, T::MaxUnlockingChunks::get().saturating_sub(1));
		frame_system::Pallet::<T>::set_block_number(
			T::MaxUnlockingChunks::get().saturating_add(10).into(),
		);

		#[extrinsic_call]
		_(RawOrigin::Signed(stash.clone()), 1u32.into());

		assert_eq!(
			Providers::<T>::get(&stash).map(|i| i.unlocking.len() as u32),
			Some(T::MaxUnlockingChunks::get())
		);
	}

	#[benchmark]
	fn rebond(c: Linear<1, { T::MaxUnlockingChunks::get() }>) {
		let stash = registered::<T>(0, 0, 1);
		with_chunks::<T>(&stash, c);

		#[extrinsic_call]
		_(RawOrigin::Signed(stash.clone()), c.into());

		assert_eq!(Providers::<T>::get(&stash).map(|i| i.unlocking.len()), Some(0));
	}

	#[benchmark]
	fn withdraw_unbonded(c: Linear<1, { T::MaxUnlockingChunks::get() }>) {
		let stash = registered::<T>(0, 0, 1);
		with_chunks::<T>(&stash, c);
		let later = T::UnbondingPeriod::get().saturating_add(c.into()).saturating_add(1u32.into());
		frame_system::Pallet::<T>::set_block_number(later);

		#[extrinsic_call]
		_(RawOrigin::Signed(stash.clone()));

		assert_eq!(Providers::<T>::get(&stash).map(|i| i.unlocking.len()), Some(0));
	}

	#[benchmark]
	fn update_profile(
		o: Linear<1, { T::MaxKernelsPerProvider::get() }>,
		n: Linear<1, { T::MaxKernelsPerProvider::get() }>,
	) {
		// Another provider on the same kernels, so removals swap entries in the index.
		let _other = registered::<T>(1, 0, o);
		let stash = registered::<T>(0, 0, o);
		let new_profile = bench_profile::<T>(1_000, n); // disjoint from the old kernels

		#[extrinsic_call]
		_(RawOrigin::Signed(stash.clone()), new_profile, long_endpoint::<T>());

		assert_eq!(KernelProviderCount::<T>::get(1_000), 1);
	}

	#[benchmark]
	fn set_operator() {
		let stash = registered::<T>(0, 0, 1);
		let new: T::AccountId = account("new-operator", 0, SEED);

		#[extrinsic_call]
		_(RawOrigin::Signed(stash.clone()), new.clone());

		assert_eq!(Operators::<T>::get(&new), Some(stash));
	}

	#[benchmark]
	fn heartbeat() {
		let stash = registered::<T>(0, 0, 1);
		let operator = Providers::<T>::get(&stash).map(|i| i.operator).expect("registered");
		frame_system::Pallet::<T>::set_block_number(5u32.into());

		#[extrinsic_call]
		_(RawOrigin::Signed(operator));

		assert_eq!(Providers::<T>::get(&stash).map(|i| i.last_heartbeat), Some(5u32.into()));
	}

	#[benchmark]
	fn drain() {
		let stash = registered::<T>(0, 0, 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(stash.clone()));

		assert_eq!(Providers::<T>::get(&stash).map(|i| i.status), Some(ProviderStatus::Draining));
	}

	#[benchmark]
	fn resume() {
		let stash = registered::<T>(0, 0, 1);
		Staking::<T>::do_drain(stash.clone()).expect("drain");

		#[extrinsic_call]
		_(RawOrigin::Signed(stash.clone()));

		assert_eq!(Providers::<T>::get(&stash).map(|i| i.status), Some(ProviderStatus::Active));
	}

	#[benchmark]
	fn deregister(k: Linear<1, { T::MaxKernelsPerProvider::get() }>) {
		let stash = registered::<T>(0, 0, k);
		// Another provider after it in every index, so each removal swaps.
		let _other = registered::<T>(1, 0, k);
		Staking::<T>::do_drain(stash.clone()).expect("drain");
		Staking::<T>::do_unbond(stash.clone(), stake::<T>()).expect("unbond all");
		frame_system::Pallet::<T>::set_block_number(
			T::UnbondingPeriod::get().saturating_add(1u32.into()),
		);
		Staking::<T>::do_withdraw_unbonded(stash.clone()).expect("withdraw");

		#[extrinsic_call]
		_(RawOrigin::Signed(stash.clone()));

		assert!(!Providers::<T>::contains_key(&stash));
	}

	/// Recounting a stale kernel's reach from `p` providers, start to finish (`on_idle`).
	#[benchmark]
	fn recount_reach(p: Linear<0, 64>) {
		for i in 0..p {
			registered::<T>(i, 0, 1);
		}
		StaleReaches::<T>::insert(0, ());

		#[block]
		{
			Staking::<T>::recount_reaches(&mut frame_support::weights::WeightMeter::new());
		}

		assert!(ReachRecount::<T>::get().is_none() && !StaleReaches::<T>::contains_key(0));
		assert_eq!(KernelReaches::<T>::contains_key(0), p > 0);
	}

	impl_benchmark_test_suite!(
		Staking,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
