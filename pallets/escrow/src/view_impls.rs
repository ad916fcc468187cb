//! What the escrow pallet's view functions read.

use crate::{pallet::*, types::*};
use aipin_primitives::ProviderRegistry;
use alloc::vec::Vec;
use frame_system::pallet_prelude::BlockNumberFor;

impl<T: Config> Pallet<T> {
	pub(crate) fn act_by(
		phase: &Phase<BlockNumberFor<T>>,
		slot: &SlotState,
	) -> Option<BlockNumberFor<T>> {
		match (phase, slot) {
			(Phase::Commit { ends }, SlotState::Assigned) => Some(*ends),
			(Phase::Reveal { ends }, SlotState::Committed(_)) => Some(*ends),
			_ => None,
		}
	}

	/// Unfinished tasks of the provider behind `operator`.
	pub fn tasks_of_operator(operator: &T::AccountId) -> Vec<OperatorTask<BlockNumberFor<T>>> {
		let Some(stash) = T::Registry::stash_of(operator) else { return Vec::new() };
		ProviderTasks::<T>::get(&stash)
			.into_iter()
			.filter_map(|id| {
				let task = Tasks::<T>::get(id)?;
				let slot = match task.live_slot(&stash) {
					Some(i) => task.assignments.get(i)?.state,
					None => task.assignments.iter().rev().find(|a| a.provider == stash)?.state,
				};
				Some(OperatorTask {
					task: id,
					kernel: task.kernel,
					phase: task.phase,
					slot,
					act_by: Self::act_by(&task.phase, &slot),
				})
			})
			.collect()
	}

	/// A provider's tasks in flight and its next deadline.
	pub fn risk_of(stash: &T::AccountId) -> ProviderRisk<BlockNumberFor<T>> {
		let mut risk = ProviderRisk { in_flight: Self::load_of(stash), ..Default::default() };
		for id in ProviderTasks::<T>::get(stash) {
			let Some(task) = Tasks::<T>::get(id) else { continue };
			let Some(i) = task.live_slot(stash) else { continue };
			let Some(slot) = task.assignments.get(i) else { continue };
			if let Some(by) = Self::act_by(&task.phase, &slot.state) {
				risk.awaiting_action = risk.awaiting_action.saturating_add(1);
				risk.next_deadline =
					Some(risk.next_deadline.map_or(by, |d: BlockNumberFor<T>| d.min(by)));
			}
		}
		risk
	}
}
