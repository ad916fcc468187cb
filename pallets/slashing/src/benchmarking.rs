//! Benchmarks of the calls, the report path the escrow pallet uses, and the hooks.

use super::*;
use crate::Pallet as Slashing;
use aipin_primitives::{Offence, OffenceKind, ProviderRegistry};
use frame_benchmarking::v2::*;
use frame_support::traits::{Get, Hooks};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::{traits::Saturating, Weight};

fn offence<T: Config>(provider: T::AccountId, task: u64) -> Offence<T::AccountId> {
	let beneficiary: T::AccountId = account("beneficiary", 0, 0);
	Offence { kind: OffenceKind::WrongResult, provider, task, beneficiary: Some(beneficiary) }
}

fn now<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number()
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn cancel_slash() {
		let p = T::BenchmarkHelper::provider(0);
		Slashing::<T>::do_report(offence::<T>(p, 1), now::<T>()).expect("report");

		#[extrinsic_call]
		_(RawOrigin::Root, 0);

		assert_eq!(Slashes::<T>::get(0).map(|r| r.status), Some(SlashStatus::Cancelled));
	}

	#[benchmark]
	fn unjail() {
		let p = T::BenchmarkHelper::provider(0);
		T::Registry::jail(&p, 1u32.into()).expect("jail");
		frame_system::Pallet::<T>::set_block_number(2u32.into());

		#[extrinsic_call]
		_(RawOrigin::Signed(p.clone()));

		assert!(T::Registry::unjail(&p, 2u32.into()).is_err(), "no longer jailed");
	}

	/// The escrow pallet's cost of reporting one offence; worst case: the report jails.
	#[benchmark]
	fn report_offence() {
		let p = T::BenchmarkHelper::provider(0);
		for task in 0..T::JailThreshold::get().saturating_sub(1) {
			Slashing::<T>::do_report(offence::<T>(p.clone(), task.into()), now::<T>())
				.expect("report");
		}
		let last = offence::<T>(p.clone(), 1_000_000);

		#[block]
		{
			Slashing::<T>::do_report(last, now::<T>()).expect("report");
		}

		assert!(RecentOffences::<T>::get(&p).is_empty(), "jailed and history cleared");
	}

	/// `on_initialize` applying `n` due slashes, each to a different provider.
	#[benchmark]
	fn apply_slashes(n: Linear<0, { T::MaxSlashesPerBlock::get() }>) {
		for i in 0..n {
			let p = T::BenchmarkHelper::provider(i);
			Slashing::<T>::do_report(offence::<T>(p, i.into()), now::<T>()).expect("report");
		}
		let due = now::<T>().saturating_add(T::SlashDeferPeriod::get());

		#[block]
		{
			Slashing::<T>::apply_due(due);
		}

		assert_eq!(ApplyCursor::<T>::get(), n as u64);
	}

	/// `on_initialize` stepping over `n` cancelled records.
	#[benchmark]
	fn skip_records(n: Linear<0, { T::MaxSlashesPerBlock::get() }>) {
		let p = T::BenchmarkHelper::provider(0);
		for i in 0..n {
			Slashing::<T>::do_report(offence::<T>(p.clone(), i.into()), now::<T>())
				.expect("report");
			Slashing::<T>::cancel_slash(RawOrigin::Root.into(), i.into()).expect("cancel");
		}

		#[block]
		{
			Slashing::<T>::apply_due(now::<T>());
		}

		assert_eq!(ApplyCursor::<T>::get(), n as u64);
	}

	/// `on_idle` pruning one record.
	#[benchmark]
	fn prune_record() {
		let p = T::BenchmarkHelper::provider(0);
		Slashing::<T>::do_report(offence::<T>(p, 1), now::<T>()).expect("report");
		Slashing::<T>::cancel_slash(RawOrigin::Root.into(), 0).expect("cancel");
		Slashing::<T>::apply_due(now::<T>());
		let later = now::<T>().saturating_add(T::RecordRetention::get());

		#[block]
		{
			Slashing::<T>::on_idle(later, Weight::MAX);
		}

		assert!(Slashes::<T>::get(0).is_none());
	}

	impl_benchmark_test_suite!(Slashing, crate::mock::ExtBuilder::build(), crate::mock::Test);
}
