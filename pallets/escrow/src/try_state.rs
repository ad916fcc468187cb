//! The escrow pallet's invariants, checked by `try_state` after every test.

use crate::{pallet::*, types::*};
use aipin_primitives::{Credits, ProviderRegistry, TaskId};
use alloc::vec::Vec;
use frame_support::pallet_prelude::*;
use sp_runtime::Saturating;

impl<T: Config> Pallet<T> {
	/// Checks the pallet's invariants:
	/// - `TotalEscrowed` equals the sum of unfinished tasks' escrow; finished tasks hold none;
	/// - every unfinished task's providers are indexed in `ProviderTasks`, exactly once, which
	///   holds no other task, and every live slot's provider is registered;
	/// - `OpenTasks` counts each consumer's unfinished tasks; inputs exist exactly for them;
	/// - the queue holds exactly the queued tasks not displaced (`Outbid`), once each; a
	///   displaced task is queued and its window closes by the next block; queued tasks have
	///   no providers;
	/// - live replica slots never exceed the replication;
	/// - every `Timeouts` entry is the open window of its task (none stale);
	/// - every `Settling` entry is a task; one in its reveal phase awaits no reveal, and its
	///   window closes next block (the fallback);
	/// - no more than `MaxCanarySeals` seals are kept, and their counter is right;
	/// - unfinished tasks record the digest of the input they hold.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		let mut escrow: Credits = 0;
		let mut open: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut load: BTreeMap<T::AccountId, Vec<TaskId>> = BTreeMap::new();
		let mut queued: Vec<TaskId> = Vec::new();
		let next = frame_system::Pallet::<T>::block_number().saturating_add(1u32.into());
		for (id, task) in Tasks::<T>::iter() {
			if let Phase::Finished { at, .. } = task.phase {
				ensure!(task.escrow == 0, "a finished task holds escrow");
				ensure!(!TaskInputs::<T>::contains_key(id), "a finished task keeps its input");
				ensure!(Retired::<T>::contains_key(at, id), "a finished task is not retired");
				continue;
			}
			escrow = escrow.checked_add(task.escrow).ok_or("escrow sum overflows")?;
			*open.entry(task.consumer.clone()).or_default() += 1;
			ensure!(
				TaskInputs::<T>::get(id).is_some_and(|i| i.digest() == task.input_digest),
				"an unfinished task lost its input, or records another's digest"
			);
			let mut seen: Vec<&T::AccountId> = Vec::new();
			for a in task.assignments.iter() {
				if !seen.contains(&&a.provider) {
					seen.push(&a.provider);
					load.entry(a.provider.clone()).or_default().push(id);
				}
				if !matches!(a.state, SlotState::Faulted(_)) {
					ensure!(
						T::Registry::ask_price(&a.provider).is_some(),
						"a task references a missing provider"
					);
				}
			}
			let live_replicas = task
				.assignments
				.iter()
				.filter(|a| a.role == Role::Replica && !matches!(a.state, SlotState::Faulted(_)))
				.count();
			ensure!(live_replicas <= task.replication as usize, "too many live replicas");
			if let Phase::Queued { expires } = task.phase {
				ensure!(task.assignments.is_empty(), "a queued task has providers");
				if Outbid::<T>::contains_key(id) {
					ensure!(expires <= next, "a displaced task is not refunded next block");
				} else {
					queued.push(id);
				}
			}
		}
		ensure!(escrow == TotalEscrowed::<T>::get(), "TotalEscrowed != Σ open tasks' escrow");
		let open_stored: BTreeMap<T::AccountId, u32> = OpenTasks::<T>::iter().collect();
		ensure!(open == open_stored, "OpenTasks does not count unfinished tasks");
		let mut indexed: BTreeMap<T::AccountId, Vec<TaskId>> = BTreeMap::new();
		for (provider, tasks) in ProviderTasks::<T>::iter() {
			ensure!(!tasks.is_empty(), "an empty ProviderTasks entry is kept");
			let mut tasks = tasks.into_inner();
			tasks.sort_unstable();
			indexed.insert(provider, tasks);
		}
		for tasks in load.values_mut() {
			tasks.sort_unstable();
		}
		ensure!(load == indexed, "ProviderTasks does not index exactly the unfinished tasks");
		for (id, _) in Outbid::<T>::iter() {
			let queued =
				Tasks::<T>::get(id).is_some_and(|t| matches!(t.phase, Phase::Queued { .. }));
			ensure!(queued, "an Outbid entry for a task no longer queued");
		}
		ensure!(
			TaskInputs::<T>::iter_keys().count() == open.values().sum::<u32>() as usize,
			"inputs of finished tasks kept"
		);
		for entry in Queue::<T>::get() {
			let escrow = Tasks::<T>::get(entry.task).map(|t| t.escrow);
			ensure!(escrow == Some(entry.escrow), "a queue entry's escrow is not its task's");
		}
		for (end, id) in Timeouts::<T>::iter_keys() {
			let open = Tasks::<T>::get(id).and_then(|t| Self::window_end(&t.phase));
			ensure!(open == Some(end), "a timeout entry that is not its task's open window");
		}
		for id in Settling::<T>::iter_keys() {
			let task = Tasks::<T>::get(id).ok_or("a settling entry without its task")?;
			if let Phase::Reveal { ends } = task.phase {
				ensure!(!task.awaits_reveal(), "a task is settling before every reveal");
				ensure!(ends <= next, "a settling task has no timeout for its fallback");
			}
		}
		let mut queue: Vec<TaskId> = Queue::<T>::get().iter().map(|e| e.task).collect();
		queue.sort_unstable();
		queued.sort_unstable();
		ensure!(queue == queued, "the queue does not hold exactly the queued tasks");
		let seals = CanarySeals::<T>::iter_keys().count();
		ensure!(seals == CanarySeals::<T>::count() as usize, "the seal counter is wrong");
		ensure!(seals <= T::MaxCanarySeals::get() as usize, "more seals than MaxCanarySeals");
		Ok(())
	}
}
