//! Known-answer (canary) tasks: posting seals, recognising a canary when it resolves, and
//! exposing one whose providers were all wrong. The seal and why providers cannot tell a canary
//! apart are in `aipin_primitives::canary`.

use crate::{pallet::*, types::*};
use aipin_primitives::{canary_seal, OffenceKind, TaskId};
use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, traits::Get};
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	pub(crate) fn do_seal_canaries(seals: Vec<[u8; 32]>) -> DispatchResult {
		let count = seals.len() as u32;
		ensure!(
			CanarySeals::<T>::count().saturating_add(count) <= T::MaxCanarySeals::get(),
			Error::<T>::TooManyCanarySeals
		);
		for (i, seal) in seals.iter().enumerate() {
			ensure!(
				!CanarySeals::<T>::contains_key(seal) && !seals[..i].contains(seal),
				Error::<T>::CanarySealExists
			);
		}
		let now = frame_system::Pallet::<T>::block_number();
		for seal in seals {
			CanarySeals::<T>::insert(seal, now);
		}
		Self::deposit_event(Event::CanariesSealed { count });
		Ok(())
	}

	pub(crate) fn do_unseal_canaries(seals: Vec<[u8; 32]>) -> DispatchResult {
		ensure!(seals.iter().all(CanarySeals::<T>::contains_key), Error::<T>::NoSuchCanary);
		let mut count = 0u32;
		for seal in seals {
			// A seal listed twice is removed once.
			if CanarySeals::<T>::take(seal).is_some() {
				count.saturating_inc();
			}
		}
		Self::deposit_event(Event::CanariesUnsealed { count });
		Ok(())
	}

	/// The seal of `root` as the answer to `task`, if one was posted before the task was
	/// submitted and is unused.
	fn seal_for(task: &TaskOf<T>, root: &[u8; 32]) -> Option<[u8; 32]> {
		let seal = canary_seal(task.kernel, &task.params, &task.input_digest, root);
		CanarySeals::<T>::get(seal).filter(|at| *at < task.submitted_at).map(|_| seal)
	}

	/// At resolution: the revealed root that a seal proves right, if any. Its seal is used up.
	/// Reads one seal per distinct revealed root, and nothing when no seal is kept.
	pub(crate) fn take_canary_answer(task: &TaskOf<T>) -> Option<[u8; 32]> {
		if CanarySeals::<T>::count() == 0 {
			return None;
		}
		let mut tried: Vec<[u8; 32]> = Vec::new();
		for a in task.assignments.iter() {
			let SlotState::Revealed(root) = a.state else { continue };
			if tried.contains(&root) {
				continue;
			}
			tried.push(root);
			if let Some(seal) = Self::seal_for(task, &root) {
				CanarySeals::<T>::remove(seal);
				return Some(root);
			}
		}
		None
	}

	/// `expose_canary`: returns the number of providers reported.
	pub(crate) fn do_expose_canary(id: TaskId, root: [u8; 32]) -> Result<u32, DispatchError> {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		ensure!(matches!(task.phase, Phase::Finished { .. }), Error::<T>::TaskNotFinished);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			now <= task.submitted_at.saturating_add(T::MaxTaskLifetime::get()),
			Error::<T>::CanaryExposureClosed
		);
		let seal = Self::seal_for(&task, &root).ok_or(Error::<T>::NoSuchCanary)?;
		CanarySeals::<T>::remove(seal);
		// The seal was kept when the task resolved, so no provider revealed `root`: had one,
		// the task would have been settled with it. Every revealed root is wrong.
		let failed = Self::fault_slots(
			id,
			&mut task,
			OffenceKind::FailedCanary,
			now,
			|s| matches!(s, SlotState::Revealed(x) if *x != root),
		)
		.len() as u32;
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::CanaryChecked { task: id, result_root: root, failed });
		Ok(failed)
	}
}
