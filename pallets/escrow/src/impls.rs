//! The escrow pallet's implementations of the glue traits other pallets call.

use crate::pallet::*;
use aipin_primitives::{InFlightTasks, KernelId, KernelRegistry, KernelSpec};
use frame_support::pallet_prelude::DispatchResult;

impl<T: Config> InFlightTasks<T::AccountId> for Pallet<T> {
	fn in_flight(stash: &T::AccountId) -> u32 {
		Self::load_of(stash)
	}
}

/// The models pallet registers each model's kernel here (ids above `INFERENCE_ENGINE`, which
/// `register_kernel` refuses), with the same checks and events as governance's kernels, and
/// removes it when the model is reaped (ids are never reused).
impl<T: Config> KernelRegistry for Pallet<T> {
	fn register(id: KernelId, spec: KernelSpec) -> DispatchResult {
		Self::do_register_kernel(id, spec)
	}

	fn deprecate(id: KernelId) -> DispatchResult {
		Self::do_deprecate_kernel(id)
	}

	fn remove(id: KernelId) -> DispatchResult {
		Kernels::<T>::try_mutate_exists(id, |k| -> DispatchResult {
			let info = k.as_ref().ok_or(Error::<T>::UnknownKernel)?;
			frame_support::ensure!(
				info.deprecated,
				sp_runtime::DispatchError::Other("only a deprecated kernel can be removed")
			);
			*k = None;
			Ok(())
		})
	}
}
