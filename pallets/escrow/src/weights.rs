//! Weights for `pallet_task_escrow`. PLACEHOLDER, replaced by `scripts/benchmark-pallets.sh`.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::{constants::ParityDbWeight, Weight}};

/// What `pallet_task_escrow` needs to know about the cost of its dispatchables and hooks.
pub trait WeightInfo {
	fn register_kernel() -> Weight;
	fn deprecate_kernel() -> Weight;
	fn submit_task(b: u32, ) -> Weight;
	fn cancel_task(r: u32, ) -> Weight;
	fn commit_result(s: u32, ) -> Weight;
	fn reveal_result(r: u32, ) -> Weight;
	fn reveal_with_tiebreak(r: u32, ) -> Weight;
	fn assign(r: u32, ) -> Weight;
	fn expire_queued(q: u32, ) -> Weight;
	fn commit_timeout(r: u32, ) -> Weight;
	fn reveal_timeout(r: u32, ) -> Weight;
	fn prune_task() -> Weight;
}

pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_kernel() -> Weight {
		Weight::from_parts(50_000_000, 10000)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn deprecate_kernel() -> Weight {
		Weight::from_parts(40_000_000, 10000)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn submit_task(b: u32, ) -> Weight {
		Weight::from_parts(200_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(8))
	}
	fn cancel_task(r: u32, ) -> Weight {
		Weight::from_parts(200_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(10))
			.saturating_add(T::DbWeight::get().writes(10))
	}
	fn commit_result(s: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	fn reveal_result(r: u32, ) -> Weight {
		Weight::from_parts(500_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(20))
			.saturating_add(T::DbWeight::get().writes(20))
	}
	fn reveal_with_tiebreak(r: u32, ) -> Weight {
		Weight::from_parts(500_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(20))
			.saturating_add(T::DbWeight::get().writes(20))
	}
	fn assign(r: u32, ) -> Weight {
		Weight::from_parts(300_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(20))
			.saturating_add(T::DbWeight::get().writes(10))
	}
	fn expire_queued(q: u32, ) -> Weight {
		Weight::from_parts(200_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(q.into()))
			.saturating_add(T::DbWeight::get().reads(10))
			.saturating_add(T::DbWeight::get().writes(10))
	}
	fn commit_timeout(r: u32, ) -> Weight {
		Weight::from_parts(600_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(30))
			.saturating_add(T::DbWeight::get().writes(30))
	}
	fn reveal_timeout(r: u32, ) -> Weight {
		Weight::from_parts(600_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(r.into()))
			.saturating_add(T::DbWeight::get().reads(30))
			.saturating_add(T::DbWeight::get().writes(30))
	}
	fn prune_task() -> Weight {
		Weight::from_parts(40_000_000, 10000)
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(2))
	}
}

impl WeightInfo for () {
	fn register_kernel() -> Weight {
		Weight::from_parts(50_000_000, 10000)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn deprecate_kernel() -> Weight {
		Weight::from_parts(40_000_000, 10000)
			.saturating_add(ParityDbWeight::get().reads(1))
			.saturating_add(ParityDbWeight::get().writes(1))
	}
	fn submit_task(b: u32, ) -> Weight {
		Weight::from_parts(200_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(b.into()))
			.saturating_add(ParityDbWeight::get().reads(8))
			.saturating_add(ParityDbWeight::get().writes(8))
	}
	fn cancel_task(r: u32, ) -> Weight {
		Weight::from_parts(200_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(r.into()))
			.saturating_add(ParityDbWeight::get().reads(10))
			.saturating_add(ParityDbWeight::get().writes(10))
	}
	fn commit_result(s: u32, ) -> Weight {
		Weight::from_parts(100_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(s.into()))
			.saturating_add(ParityDbWeight::get().reads(3))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
	fn reveal_result(r: u32, ) -> Weight {
		Weight::from_parts(500_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(r.into()))
			.saturating_add(ParityDbWeight::get().reads(20))
			.saturating_add(ParityDbWeight::get().writes(20))
	}
	fn reveal_with_tiebreak(r: u32, ) -> Weight {
		Weight::from_parts(500_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(r.into()))
			.saturating_add(ParityDbWeight::get().reads(20))
			.saturating_add(ParityDbWeight::get().writes(20))
	}
	fn assign(r: u32, ) -> Weight {
		Weight::from_parts(300_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(r.into()))
			.saturating_add(ParityDbWeight::get().reads(20))
			.saturating_add(ParityDbWeight::get().writes(10))
	}
	fn expire_queued(q: u32, ) -> Weight {
		Weight::from_parts(200_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(q.into()))
			.saturating_add(ParityDbWeight::get().reads(10))
			.saturating_add(ParityDbWeight::get().writes(10))
	}
	fn commit_timeout(r: u32, ) -> Weight {
		Weight::from_parts(600_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(r.into()))
			.saturating_add(ParityDbWeight::get().reads(30))
			.saturating_add(ParityDbWeight::get().writes(30))
	}
	fn reveal_timeout(r: u32, ) -> Weight {
		Weight::from_parts(600_000_000, 10000)
			.saturating_add(Weight::from_parts(100_000_000, 0).saturating_mul(r.into()))
			.saturating_add(ParityDbWeight::get().reads(30))
			.saturating_add(ParityDbWeight::get().writes(30))
	}
	fn prune_task() -> Weight {
		Weight::from_parts(40_000_000, 10000)
			.saturating_add(ParityDbWeight::get().reads(2))
			.saturating_add(ParityDbWeight::get().writes(2))
	}
}
