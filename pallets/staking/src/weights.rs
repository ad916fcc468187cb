//! Weights for `pallet_compute_staking`.
//!
//! PLACEHOLDER until `scripts/benchmark-pallets.sh` generates this file from the benchmarks in
//! `benchmarking.rs`; the numbers below are not measurements and are replaced by that run.

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed for `pallet_compute_staking`.
pub trait WeightInfo {
	fn register_provider(k: u32) -> Weight;
	fn bond_extra() -> Weight;
	fn unbond() -> Weight;
	fn rebond(c: u32) -> Weight;
	fn withdraw_unbonded(c: u32) -> Weight;
	fn update_profile(o: u32, n: u32) -> Weight;
	fn set_operator() -> Weight;
	fn heartbeat() -> Weight;
	fn drain() -> Weight;
	fn resume() -> Weight;
	fn deregister(k: u32) -> Weight;
}

/// Weights for `pallet_compute_staking` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_provider(k: u32) -> Weight {
		Weight::from_parts(100_000_000, 4000)
			.saturating_add(Weight::from_parts(10_000_000, 3000).saturating_mul(k.into()))
			.saturating_add(
				T::DbWeight::get().reads_writes(5_u64 + 2 * k as u64, 4_u64 + 3 * k as u64),
			)
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(60_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(3, 3))
	}
	fn unbond() -> Weight {
		Weight::from_parts(40_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
	fn rebond(_c: u32) -> Weight {
		Weight::from_parts(40_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
	fn withdraw_unbonded(_c: u32) -> Weight {
		Weight::from_parts(60_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(3, 3))
	}
	fn update_profile(o: u32, n: u32) -> Weight {
		Weight::from_parts(40_000_000, 4000)
			.saturating_add(Weight::from_parts(10_000_000, 3000).saturating_mul((o + n).into()))
			.saturating_add(
				T::DbWeight::get()
					.reads_writes(1_u64 + 2 * (o + n) as u64, 1_u64 + 3 * (o + n) as u64),
			)
	}
	fn set_operator() -> Weight {
		Weight::from_parts(40_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(3, 3))
	}
	fn heartbeat() -> Weight {
		Weight::from_parts(30_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(2, 1))
	}
	fn drain() -> Weight {
		Weight::from_parts(30_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
	fn resume() -> Weight {
		Weight::from_parts(30_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
	fn deregister(k: u32) -> Weight {
		Weight::from_parts(60_000_000, 4000)
			.saturating_add(Weight::from_parts(10_000_000, 3000).saturating_mul(k.into()))
			.saturating_add(
				T::DbWeight::get().reads_writes(4_u64 + 3 * k as u64, 4_u64 + 4 * k as u64),
			)
	}
}

impl WeightInfo for () {
	fn register_provider(_k: u32) -> Weight {
		Weight::from_parts(100_000_000, 4000)
	}
	fn bond_extra() -> Weight {
		Weight::from_parts(60_000_000, 4000)
	}
	fn unbond() -> Weight {
		Weight::from_parts(40_000_000, 4000)
	}
	fn rebond(_c: u32) -> Weight {
		Weight::from_parts(40_000_000, 4000)
	}
	fn withdraw_unbonded(_c: u32) -> Weight {
		Weight::from_parts(60_000_000, 4000)
	}
	fn update_profile(_o: u32, _n: u32) -> Weight {
		Weight::from_parts(40_000_000, 4000)
	}
	fn set_operator() -> Weight {
		Weight::from_parts(40_000_000, 4000)
	}
	fn heartbeat() -> Weight {
		Weight::from_parts(30_000_000, 4000)
	}
	fn drain() -> Weight {
		Weight::from_parts(30_000_000, 4000)
	}
	fn resume() -> Weight {
		Weight::from_parts(30_000_000, 4000)
	}
	fn deregister(_k: u32) -> Weight {
		Weight::from_parts(60_000_000, 4000)
	}
}
