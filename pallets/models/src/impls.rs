//! What the calls do.

use crate::{pallet::*, Config};
use aipin_kernels::inference::{
	program::id_of,
	task::{kernel_spec, summary, summary_error},
	Program,
};
use aipin_primitives::{
	is_fetchable_url, KernelRegistry, ModelId, ModelInfo, ProgramSummary, RemoteProgram,
	INFERENCE_ENGINE,
};
use codec::Encode;
use frame_support::{
	ensure,
	pallet_prelude::DispatchResult,
	traits::{fungible::MutateHold, tokens::Precision, Get},
};
use sp_runtime::{traits::Saturating, SaturatedConversion};

impl<T: Config> Pallet<T> {
	/// `BaseDeposit + ByteDeposit × bytes`.
	pub fn deposit_for(bytes: u32) -> BalanceOf<T> {
		T::ByteDeposit::get()
			.saturating_mul(bytes.saturated_into())
			.saturating_add(T::BaseDeposit::get())
	}

	pub(crate) fn do_register(
		owner: Option<T::AccountId>,
		program: ProgramOf<T>,
		deposit: BalanceOf<T>,
	) -> DispatchResult {
		let decoded = Program::decode_checked(&program).map_err(|_| Error::<T>::InvalidProgram)?;
		let model: ModelId = id_of(&program);
		let bytes = program.len() as u32;
		Self::add_model(owner, model, bytes, summary(&decoded), deposit)?;
		Programs::<T>::insert(model, program);
		Ok(())
	}

	pub(crate) fn do_register_by_url(
		owner: T::AccountId,
		model: ModelId,
		bytes: u32,
		url: UrlOf<T>,
		declared: ProgramSummary,
	) -> DispatchResult {
		ensure!(
			(1..=T::MaxFetchedProgramBytes::get()).contains(&bytes),
			Error::<T>::ProgramTooLarge
		);
		ensure!(is_fetchable_url(&url), Error::<T>::InvalidUrl);
		ensure!(summary_error(&declared, bytes as u64).is_none(), Error::<T>::InvalidSummary);
		let remote = RemoteProgram { url, summary: declared };
		let deposit = Self::deposit_for(remote.encoded_size() as u32);
		Self::add_model(Some(owner), model, bytes, declared, deposit)?;
		ProgramUrls::<T>::insert(model, remote);
		Ok(())
	}

	/// Records model `model` (a program of `bytes` bytes with figures `summary`), holds the
	/// owner's deposit and registers its kernel. The caller stores the program (or its URL).
	fn add_model(
		owner: Option<T::AccountId>,
		model: ModelId,
		bytes: u32,
		summary: ProgramSummary,
		deposit: BalanceOf<T>,
	) -> DispatchResult {
		ensure!(!Models::<T>::contains_key(model), Error::<T>::ModelExists);
		let count = ModelCount::<T>::get();
		let kernel = INFERENCE_ENGINE
			.checked_add(1)
			.and_then(|first| first.checked_add(count))
			.ok_or(Error::<T>::TooManyModels)?;
		let next = count.checked_add(1).ok_or(Error::<T>::TooManyModels)?;
		if let Some(owner) = &owner {
			T::Currency::hold(&HoldReason::ProgramDeposit.into(), owner, deposit)
				.map_err(|_| Error::<T>::InsufficientBalance)?;
		}
		T::Kernels::register(kernel, kernel_spec(&summary, &model, T::MaxBatch::get()))?;
		let macs_per_sample = summary.macs;
		ModelCount::<T>::put(next);
		Models::<T>::insert(
			model,
			ModelInfo {
				owner: owner.clone(),
				deposit,
				kernel,
				bytes,
				macs_per_sample,
				retired_at: None,
			},
		);
		Self::deposit_event(Event::ModelRegistered {
			model,
			owner,
			kernel,
			bytes,
			macs_per_sample,
			deposit,
		});
		Ok(())
	}

	/// `by` is the signer, or `None` for `RetireOrigin`.
	pub(crate) fn do_retire(by: Option<T::AccountId>, model: ModelId) -> DispatchResult {
		Models::<T>::try_mutate(model, |info| {
			let info = info.as_mut().ok_or(Error::<T>::UnknownModel)?;
			if let Some(by) = &by {
				ensure!(info.owner.as_ref() == Some(by), Error::<T>::NotOwner);
			}
			ensure!(info.retired_at.is_none(), Error::<T>::AlreadyRetired);
			T::Kernels::deprecate(info.kernel)?;
			info.retired_at = Some(frame_system::Pallet::<T>::block_number());
			Self::deposit_event(Event::ModelRetired { model });
			Ok(())
		})
	}

	pub(crate) fn do_reap(model: ModelId) -> DispatchResult {
		let info = Models::<T>::get(model).ok_or(Error::<T>::UnknownModel)?;
		let retired = info.retired_at.ok_or(Error::<T>::NotRetired)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now >= retired.saturating_add(T::RetireDelay::get()), Error::<T>::TooEarly);
		if let Some(owner) = &info.owner {
			T::Currency::release(
				&HoldReason::ProgramDeposit.into(),
				owner,
				info.deposit,
				Precision::BestEffort,
			)?;
		}
		// No task can still run it: its kernel's entry goes too (the id is never reused).
		T::Kernels::remove(info.kernel)?;
		Programs::<T>::remove(model);
		ProgramUrls::<T>::remove(model);
		Models::<T>::remove(model);
		Self::deposit_event(Event::ModelReaped { model, deposit: info.deposit });
		Ok(())
	}

	/// Every model has its program, which hashes to its id and has its length; no program is
	/// left without a model; each owner's held deposit is the sum of its models' deposits.
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		let mut held: alloc::collections::BTreeMap<T::AccountId, BalanceOf<T>> = Default::default();
		for (id, info) in Models::<T>::iter() {
			match (Programs::<T>::get(id), ProgramUrls::<T>::get(id)) {
				(Some(program), None) => {
					ensure!(id_of(&program) == id, "a program that does not hash to its model id");
					ensure!(
						program.len() as u32 == info.bytes,
						"a model's length is not its program's"
					);
				},
				(None, Some(remote)) => ensure!(
					summary_error(&remote.summary, info.bytes as u64).is_none(),
					"a program stored off chain with an impossible summary"
				),
				_ => return Err("a model without exactly one program or program URL".into()),
			}
			if let Some(owner) = info.owner {
				let sum = held.entry(owner).or_default();
				*sum = sum.saturating_add(info.deposit);
			}
		}
		ensure!(
			Programs::<T>::iter_keys()
				.chain(ProgramUrls::<T>::iter_keys())
				.all(Models::<T>::contains_key),
			"a program without its model"
		);
		for (owner, sum) in held {
			let on_hold = T::Currency::balance_on_hold(&HoldReason::ProgramDeposit.into(), &owner);
			ensure!(on_hold == sum, "held deposits are not the models' deposits");
		}
		Ok(())
	}
}

/// The models whose programs providers fetch off chain: what lets a replica report such a
/// task's input unusable (the escrow pallet's `FetchedPrograms`).
impl<T: Config> frame_support::traits::Contains<ModelId> for Pallet<T> {
	fn contains(model: &ModelId) -> bool {
		ProgramUrls::<T>::contains_key(model)
	}
}
