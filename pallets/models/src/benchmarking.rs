//! Benchmarks of every call, each at its worst case.

use super::*;
use crate::{Models as Registered, Pallet as Models};
use aipin_kernels::inference::{program::id_of, Program};
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get};
use frame_system::RawOrigin;
use sp_runtime::traits::{Bounded, Saturating};

fn funded<T: Config>() -> T::AccountId {
	let who: T::AccountId = account("owner", 0, 0);
	T::Currency::set_balance(&who, BalanceOf::<T>::max_value() / 4u32.into());
	who
}

/// A valid program of about `kib` KiB (a dense layer of `4·kib` inputs to 256 outputs),
/// within the bound.
fn program<T: Config>(kib: u32) -> ProgramOf<T> {
	let mut inputs = kib.max(1) * 4;
	loop {
		let bytes = Program::dense(inputs, 256, 1).encode();
		if let Ok(p) = ProgramOf::<T>::try_from(bytes) {
			return p;
		}
		inputs -= 1;
	}
}

fn registered<T: Config>(owner: &T::AccountId, kib: u32) -> aipin_primitives::ModelId {
	let p = program::<T>(kib);
	let id = id_of(&p);
	Models::<T>::register(RawOrigin::Signed(owner.clone()).into(), p).expect("registers");
	id
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// `n`: program size in KiB, up to the bound.
	#[benchmark]
	fn register(n: Linear<1, { T::MaxProgramBytes::get() / 1024 }>) {
		let owner = funded::<T>();
		let p = program::<T>(n);
		let id = id_of(&p);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), p);
		assert!(Registered::<T>::contains_key(id));
	}

	/// At the longest URL.
	#[benchmark]
	fn register_by_url() {
		let owner = funded::<T>();
		let p = Program::dense(1024, 1024, 1);
		let bytes = p.encode();
		let id = id_of(&bytes);
		let mut url = b"https://".to_vec();
		url.resize(T::MaxUrlBytes::get() as usize, b'a');
		let url = UrlOf::<T>::try_from(url).expect("within the bound");
		let summary = aipin_kernels::inference::task::summary(&p);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id, bytes.len() as u32, url, summary);
		assert!(ProgramUrls::<T>::contains_key(id));
	}

	#[benchmark]
	fn retire() {
		let owner = funded::<T>();
		let id = registered::<T>(&owner, 1);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id);
		assert!(Registered::<T>::get(id).is_some_and(|m| m.retired_at.is_some()));
	}

	#[benchmark]
	fn reap() {
		let owner = funded::<T>();
		let id = registered::<T>(&owner, 1);
		Models::<T>::retire(RawOrigin::Signed(owner.clone()).into(), id).expect("retires");
		let later = frame_system::Pallet::<T>::block_number().saturating_add(T::RetireDelay::get());
		frame_system::Pallet::<T>::set_block_number(later);
		#[extrinsic_call]
		_(RawOrigin::Signed(owner), id);
		assert!(!Registered::<T>::contains_key(id));
	}

	impl_benchmark_test_suite!(Models, crate::mock::new_test_ext(), crate::mock::Test);
}
