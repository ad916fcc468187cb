//! Weights for `pallet_compute_slashing`.
//!
//! PLACEHOLDER until `scripts/benchmark-pallets.sh` generates this file from the benchmarks in
//! `benchmarking.rs`; the numbers below are not measurements and are replaced by that run.

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// Weight functions needed for `pallet_compute_slashing`.
pub trait WeightInfo {
	fn cancel_slash() -> Weight;
	fn unjail() -> Weight;
	fn report_offence() -> Weight;
	fn apply_slashes(n: u32) -> Weight;
	fn skip_records(n: u32) -> Weight;
	fn prune_record() -> Weight;
}

/// Weights for `pallet_compute_slashing` using the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn cancel_slash() -> Weight {
		Weight::from_parts(30_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
	fn unjail() -> Weight {
		Weight::from_parts(30_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(1, 1))
	}
	fn report_offence() -> Weight {
		Weight::from_parts(60_000_000, 6000).saturating_add(T::DbWeight::get().reads_writes(6, 6))
	}
	fn apply_slashes(n: u32) -> Weight {
		Weight::from_parts(10_000_000, 2000)
			.saturating_add(Weight::from_parts(120_000_000, 8000).saturating_mul(n.into()))
			.saturating_add(
				T::DbWeight::get().reads_writes(2_u64 + 5 * n as u64, 1_u64 + 5 * n as u64),
			)
	}
	fn skip_records(n: u32) -> Weight {
		Weight::from_parts(5_000_000, 2000)
			.saturating_mul(n.into())
			.saturating_add(T::DbWeight::get().reads(n.into()))
	}
	fn prune_record() -> Weight {
		Weight::from_parts(20_000_000, 4000).saturating_add(T::DbWeight::get().reads_writes(1, 3))
	}
}

impl WeightInfo for () {
	fn cancel_slash() -> Weight {
		Weight::from_parts(30_000_000, 4000)
	}
	fn unjail() -> Weight {
		Weight::from_parts(30_000_000, 4000)
	}
	fn report_offence() -> Weight {
		Weight::from_parts(60_000_000, 6000)
	}
	fn apply_slashes(n: u32) -> Weight {
		Weight::from_parts(120_000_000, 8000).saturating_mul(n.into())
	}
	fn skip_records(n: u32) -> Weight {
		Weight::from_parts(5_000_000, 2000).saturating_mul(n.into())
	}
	fn prune_record() -> Weight {
		Weight::from_parts(20_000_000, 4000)
	}
}
