//! Weights for `pallet_models`.
//!
//! NOT YET GENERATED: these are estimates, to be replaced by `scripts/benchmark-pallets.sh`
//! output (the benchmarks are in `benchmarking.rs`). They are set high on purpose: `register`
//! at 200 ns of reference time per program byte covers decoding, checking and hashing it in
//! Wasm several times over, plus the storage writes; proof sizes cover the records read.

#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::ParityDbWeight, RuntimeDbWeight, Weight},
};

/// What `pallet_models` needs to know about the cost of its dispatchables.
pub trait WeightInfo {
	fn register(n: u32) -> Weight;
	fn retire() -> Weight;
	fn reap() -> Weight;
}

/// Estimated weights, priced with the database weights `D`.
pub struct WeightsWith<D>(PhantomData<D>);
impl<D: Get<RuntimeDbWeight>> WeightInfo for WeightsWith<D> {
	/// `n` is the program's length in bytes.
	fn register(n: u32) -> Weight {
		Weight::from_parts(150_000_000, 8_000)
			.saturating_add(Weight::from_parts(200, 1).saturating_mul(n.into()))
			.saturating_add(D::get().reads(5))
			.saturating_add(D::get().writes(6))
	}
	fn retire() -> Weight {
		Weight::from_parts(60_000_000, 8_000)
			.saturating_add(D::get().reads(2))
			.saturating_add(D::get().writes(2))
	}
	fn reap() -> Weight {
		Weight::from_parts(80_000_000, 8_000)
			.saturating_add(D::get().reads(3))
			.saturating_add(D::get().writes(4))
	}
}

/// Estimated weights, priced with the runtime's `DbWeight`.
pub type SubstrateWeight<T> = WeightsWith<<T as frame_system::Config>::DbWeight>;

/// The same estimates priced with ParityDB's weights, for tests and mocks.
impl WeightInfo for () {
	fn register(n: u32) -> Weight {
		WeightsWith::<ParityDbWeight>::register(n)
	}
	fn retire() -> Weight {
		WeightsWith::<ParityDbWeight>::retire()
	}
	fn reap() -> Weight {
		WeightsWith::<ParityDbWeight>::reap()
	}
}
