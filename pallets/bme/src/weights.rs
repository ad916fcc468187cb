//! Weights for `pallet_bme`.
//!
//! PLACEHOLDER until `scripts/benchmark-pallets.sh` generates this file from the benchmarks in
//! `benchmarking.rs`; the numbers below are not measurements and are replaced by that run.

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// Weight functions needed for `pallet_bme`.
pub trait WeightInfo {
	fn add_feeder(f: u32) -> Weight;
	fn remove_feeder(f: u32) -> Weight;
	fn submit_price(f: u32) -> Weight;
	fn buy_credits() -> Weight;
	fn claim_rewards(e: u32) -> Weight;
	fn refresh_price(f: u32) -> Weight;
	fn close_epoch() -> Weight;
	fn prune_epoch() -> Weight;
}

/// Weights for `pallet_bme` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn add_feeder(_f: u32) -> Weight {
		Weight::from_parts(30_000_000, 3000).saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
	fn remove_feeder(f: u32) -> Weight {
		Weight::from_parts(40_000_000, 3000)
			.saturating_add(T::DbWeight::get().reads_writes(2 + f as u64, 4))
	}
	fn submit_price(f: u32) -> Weight {
		Weight::from_parts(40_000_000, 3000)
			.saturating_add(T::DbWeight::get().reads_writes(2 + f as u64, 3))
	}
	fn buy_credits() -> Weight {
		Weight::from_parts(80_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(5, 5))
	}
	fn claim_rewards(e: u32) -> Weight {
		Weight::from_parts(60_000_000, 4000)
			.saturating_add(Weight::from_parts(30_000_000, 3000).saturating_mul(e.into()))
			.saturating_add(T::DbWeight::get().reads_writes(5 + 3 * e as u64, 5 + 3 * e as u64))
	}
	fn refresh_price(f: u32) -> Weight {
		Weight::from_parts(20_000_000, 3000)
			.saturating_add(T::DbWeight::get().reads_writes(2 + f as u64, 2))
	}
	fn close_epoch() -> Weight {
		Weight::from_parts(40_000_000, 3000).saturating_add(T::DbWeight::get().reads_writes(6, 6))
	}
	fn prune_epoch() -> Weight {
		Weight::from_parts(10_000_000, 3000).saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
}

impl WeightInfo for () {
	fn add_feeder(_f: u32) -> Weight {
		Weight::from_parts(30_000_000, 3000)
	}
	fn remove_feeder(_f: u32) -> Weight {
		Weight::from_parts(40_000_000, 3000)
	}
	fn submit_price(_f: u32) -> Weight {
		Weight::from_parts(40_000_000, 3000)
	}
	fn buy_credits() -> Weight {
		Weight::from_parts(80_000_000, 4000)
	}
	fn claim_rewards(_e: u32) -> Weight {
		Weight::from_parts(60_000_000, 4000)
	}
	fn refresh_price(_f: u32) -> Weight {
		Weight::from_parts(20_000_000, 3000)
	}
	fn close_epoch() -> Weight {
		Weight::from_parts(40_000_000, 3000)
	}
	fn prune_epoch() -> Weight {
		Weight::from_parts(10_000_000, 3000)
	}
}
