//! The kernel registry as other pallets use it (the models pallet registers one kernel per
//! model in the escrow pallet's registry).

use crate::{KernelId, KernelSpec};
use frame_support::pallet_prelude::DispatchResult;

/// Registers and deprecates kernels on behalf of another pallet (no origin check: the caller
/// has done its own).
pub trait KernelRegistry {
	/// Registers `spec` as kernel `id`. Errors if `id` is taken or the spec is inconsistent.
	fn register(id: KernelId, spec: KernelSpec) -> DispatchResult;
	/// Deprecates kernel `id`: no new tasks; running ones finish. Errors if it is unknown.
	fn deprecate(id: KernelId) -> DispatchResult;
	/// Removes deprecated kernel `id` once no task can still run it (the caller knows when).
	/// Errors if it is unknown or not deprecated.
	fn remove(id: KernelId) -> DispatchResult;
}

impl KernelRegistry for () {
	fn register(_: KernelId, _: KernelSpec) -> DispatchResult {
		Ok(())
	}
	fn deprecate(_: KernelId) -> DispatchResult {
		Ok(())
	}
	fn remove(_: KernelId) -> DispatchResult {
		Ok(())
	}
}

/// Test doubles (feature `test-utils`), with their state in the externalities' storage.
#[cfg(any(test, feature = "test-utils"))]
pub mod mock {
	use super::*;
	use crate::traits::mock_store::Stored;
	use frame_support::pallet_prelude::DispatchError;
	use std::vec::Vec;

	static KERNELS: Stored<Vec<(KernelId, KernelSpec, bool)>> = Stored::new(b":aipin:mock:kernels");

	/// A [`KernelRegistry`] that records kernels and refuses a taken id or an unknown one, as
	/// the escrow pallet does.
	pub struct MockKernels;

	impl MockKernels {
		/// Every kernel registered so far: `(id, spec, deprecated)`.
		pub fn all() -> Vec<(KernelId, KernelSpec, bool)> {
			KERNELS.with(|k| k.borrow().clone())
		}
	}

	impl KernelRegistry for MockKernels {
		fn register(id: KernelId, spec: KernelSpec) -> DispatchResult {
			KERNELS.with(|k| {
				let mut k = k.borrow_mut();
				if k.iter().any(|(i, ..)| *i == id) {
					return Err(DispatchError::Other("kernel exists"));
				}
				k.push((id, spec, false));
				Ok(())
			})
		}

		fn deprecate(id: KernelId) -> DispatchResult {
			KERNELS.with(|k| {
				let mut k = k.borrow_mut();
				let entry = k
					.iter_mut()
					.find(|(i, ..)| *i == id)
					.ok_or(DispatchError::Other("unknown kernel"))?;
				entry.2 = true;
				Ok(())
			})
		}

		fn remove(id: KernelId) -> DispatchResult {
			KERNELS.with(|k| {
				let mut k = k.borrow_mut();
				let at = k
					.iter()
					.position(|(i, _, deprecated)| *i == id && *deprecated)
					.ok_or(DispatchError::Other("unknown or not deprecated kernel"))?;
				k.remove(at);
				Ok(())
			})
		}
	}
}
