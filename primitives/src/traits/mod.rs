//! Glue traits between the compute pallets, one file per family. Each trait has a `()`
//! implementation (nothing exists, nothing happens) and, behind the `test-utils` feature, an
//! in-memory mock in the family's `mock` module.

pub mod credits;
pub mod heartbeat;
pub mod kernels;
pub mod offences;
pub mod registry;

pub use credits::ComputeCredits;
pub use heartbeat::HeartbeatObserver;
pub use kernels::KernelRegistry;
pub use offences::{OnStakeBurned, ReportOffence};
pub use registry::{InFlightTasks, ProviderRegistry};

/// Where the mocks keep their state: in the externalities' storage, under a fixed key, as one
/// SCALE-encoded value. So a fresh `TestExternalities` starts them empty, and a benchmark's
/// revert between runs (or a failed transactional call) rolls them back, as it does a pallet's
/// storage. The API is a thread-local's (`X.with(|cell| ...)`), so a mock reads like one.
#[cfg(any(test, feature = "test-utils"))]
pub(crate) mod mock_store {
	use codec::{Decode, Encode};
	use core::{cell::RefCell, marker::PhantomData};
	use frame_support::storage::unhashed;

	/// A value of type `T` kept in storage at `key`; `Default` when absent.
	pub struct Stored<T> {
		key: &'static [u8],
		_value: PhantomData<fn() -> T>,
	}

	impl<T: Encode + Decode + Default> Stored<T> {
		pub const fn new(key: &'static [u8]) -> Self {
			Self { key, _value: PhantomData }
		}

		/// Runs `f` on the value, and writes it back if `f` changed it. Must run inside
		/// externalities.
		pub fn with<R>(&self, f: impl FnOnce(&RefCell<T>) -> R) -> R {
			let before = unhashed::get_raw(self.key);
			let value =
				before.as_deref().and_then(|b| T::decode(&mut &b[..]).ok()).unwrap_or_default();
			let cell = RefCell::new(value);
			let out = f(&cell);
			let after = cell.into_inner().encode();
			if before.as_deref() != Some(&after[..]) {
				unhashed::put_raw(self.key, &after);
			}
			out
		}
	}
}
