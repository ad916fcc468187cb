//! What the escrow pallet's hooks do: assignment in `on_initialize`, timeouts with
//! replacement, and settlement of fully revealed tasks and pruning in `on_idle`.

use crate::{pallet::*, settlement::Resolution, types::*, weights::WeightInfo, LOG_TARGET};
use aipin_primitives::{OffenceKind, ProviderRegistry, TaskId};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	pallet_prelude::*,
	traits::{Get, Randomness},
	weights::WeightMeter,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{One, Saturating};

impl<T: Config> Pallet<T> {
	/// Checks the limits the pallet relies on (`integrity_test`): panics on a misconfiguration.
	pub(crate) fn do_integrity_test() {
		assert!(T::MaxReplication::get() >= 1, "MaxReplication must be positive");
		assert!(T::MaxReplication::get() <= u8::MAX as u32, "replication is a u8");
		assert!(T::MaxAssignmentsPerBlock::get() > 0, "MaxAssignmentsPerBlock > 0");
		assert!(T::MaxTimeoutsPerBlock::get() > 0, "MaxTimeoutsPerBlock > 0");
		assert!(T::MaxQueueLen::get() > 0, "MaxQueueLen > 0");
		let windows = T::CommitWindow::get().saturating_add(T::RevealWindow::get());
		assert!(
			T::MaxTaskLifetime::get() >= windows.saturating_add(windows),
			"a task must have room for its windows and a tie-break"
		);
		assert!(!T::CommitWindow::get().is_zero() && !T::RevealWindow::get().is_zero());
	}

	/// A 32-byte seed for draw `attempt` of assignment round `round` of task `id`.
	pub(crate) fn seed(id: TaskId, round: u32, attempt: u32) -> [u8; 32] {
		let subject = (b"aipin/escrow/assign", id, round, attempt).encode();
		let (random, _) = T::Randomness::random(&subject);
		sp_io::hashing::blake2_256(&random.encode())
	}

	/// Picks `count` providers for `task` that it has not had yet and that have room, or
	/// `None` if there are not that many.
	pub(crate) fn pick(
		id: TaskId,
		task: &TaskOf<T>,
		count: u32,
		now: BlockNumberFor<T>,
	) -> Option<Vec<T::AccountId>> {
		let kernel = Kernels::<T>::get(task.kernel)?;
		let req = Self::requirements(task.kernel, &kernel.spec, task.max_price, task.work_units);
		let mut exclude: Vec<T::AccountId> =
			task.assignments.iter().map(|a| a.provider.clone()).collect();
		let mut chosen: Vec<T::AccountId> = Vec::new();
		let round = task.assignments.len() as u32;
		// A second draw replaces providers that were picked but had no room.
		for attempt in 0..2u32 {
			let need = count.saturating_sub(chosen.len() as u32);
			if need == 0 {
				break;
			}
			let seed = Self::seed(id, round, attempt);
			for candidate in T::Registry::select(&req, need, &exclude, seed, now) {
				if Self::load_of(&candidate) < T::MaxTasksPerProvider::get() {
					chosen.push(candidate.clone());
				}
				exclude.push(candidate);
			}
		}
		(chosen.len() as u32 == count).then_some(chosen)
	}

	/// Adds `providers` to `task` in `role` and opens a commit window.
	pub(crate) fn add_providers(
		id: TaskId,
		task: &mut TaskOf<T>,
		providers: &[T::AccountId],
		role: Role,
		now: BlockNumberFor<T>,
	) -> BlockNumberFor<T> {
		for p in providers {
			let ask = T::Registry::ask_price(p).unwrap_or(task.max_price).min(task.max_price);
			// Cannot fail: callers never exceed the bound (checked in `pick`'s callers).
			let _ = task.assignments.try_push(Assignment {
				provider: p.clone(),
				ask,
				role,
				state: SlotState::Assigned,
			});
			Self::index(p, id);
		}
		let ends = now.saturating_add(T::CommitWindow::get());
		Self::enter_phase(id, task, Phase::Commit { ends });
		ends
	}

	/// Provider `stash`'s number of unfinished tasks.
	pub(crate) fn load_of(stash: &T::AccountId) -> u32 {
		ProviderTasks::<T>::decode_len(stash).unwrap_or(0) as u32
	}

	/// Records that `stash` works on task `id` (once, however many slots it holds there).
	fn index(stash: &T::AccountId, id: TaskId) {
		ProviderTasks::<T>::mutate(stash, |tasks| {
			// Cannot fail: `pick` chose only providers below `MaxTasksPerProvider`.
			if !tasks.contains(&id) && tasks.try_push(id).is_err() {
				log::error!(target: LOG_TARGET, "task {id}: {stash:?} has no free slot");
			}
		});
	}

	/// Frees `stash`'s slot in task `id`; a provider not (or no longer) working on it costs a
	/// read only.
	pub(crate) fn unindex(stash: &T::AccountId, id: TaskId) {
		let mut tasks = ProviderTasks::<T>::get(stash);
		let Some(i) = tasks.iter().position(|t| *t == id) else { return };
		tasks.remove(i);
		if tasks.is_empty() {
			ProviderTasks::<T>::remove(stash);
		} else {
			ProviderTasks::<T>::insert(stash, tasks);
		}
	}

	/// Moves `task` to `phase`, keeping exactly one `Timeouts` entry per open window: the entry
	/// of the window it leaves is removed, so a task that moves on early leaves nothing stale
	/// behind to use up `MaxTimeoutsPerBlock`, and the new window's entry is added.
	pub(crate) fn enter_phase(id: TaskId, task: &mut TaskOf<T>, phase: Phase<BlockNumberFor<T>>) {
		if let Some(old) = Self::window_end(&task.phase) {
			Timeouts::<T>::remove(old, id);
		}
		if let Some(new) = Self::window_end(&phase) {
			Timeouts::<T>::insert(new, id, ());
		}
		task.phase = phase;
	}

	/// The block at which `phase`'s window closes, if it has one.
	pub(crate) fn window_end(phase: &Phase<BlockNumberFor<T>>) -> Option<BlockNumberFor<T>> {
		match phase {
			Phase::Queued { expires: end }
			| Phase::Commit { ends: end }
			| Phase::Reveal { ends: end } => Some(*end),
			Phase::Finished { .. } => None,
		}
	}

	/// Tries to assign queued task `id`. Returns whether it left the queue (assigned, or
	/// gone) and its replication (for weights).
	pub(crate) fn try_assign(id: TaskId, now: BlockNumberFor<T>) -> (bool, u32) {
		let Some(mut task) = Tasks::<T>::get(id) else { return (true, 0) };
		let r = task.replication as u32;
		match task.phase {
			Phase::Queued { expires } if now < expires => {},
			Phase::Queued { .. } => return (false, r), // its timeout expires it
			_ => return (true, r),
		}
		let Some(providers) = Self::pick(id, &task, r, now) else { return (false, r) };
		let commit_ends = Self::add_providers(id, &mut task, &providers, Role::Replica, now);
		Tasks::<T>::insert(id, task);
		Self::deposit_event(Event::TaskAssigned { task: id, providers, commit_ends });
		(true, r)
	}

	/// `on_initialize`: tries up to `MaxAssignmentsPerBlock` queued tasks, oldest first;
	/// those still without providers go to the back of the queue.
	pub(crate) fn assign_queued(now: BlockNumberFor<T>) -> Weight {
		let mut weight = T::DbWeight::get().reads(1);
		let mut queue = Queue::<T>::get();
		if queue.is_empty() {
			return weight;
		}
		let attempts = T::MaxAssignmentsPerBlock::get().min(queue.len() as u32);
		for _ in 0..attempts {
			let entry = queue.remove(0);
			let (left, r) = Self::try_assign(entry.task, now);
			weight.saturating_accrue(T::WeightInfo::assign(r.max(1)));
			if !left {
				// Cannot fail: one was just removed.
				let _ = queue.try_push(entry);
			}
		}
		Queue::<T>::put(queue);
		weight.saturating_add(T::DbWeight::get().writes(1))
	}

	/// `on_initialize`: handles up to `MaxTimeoutsPerBlock` closed windows, oldest first.
	pub(crate) fn handle_timeouts(now: BlockNumberFor<T>) -> Weight {
		let db = T::DbWeight::get();
		let mut weight = db.reads_writes(1, 1);
		let mut cursor = TimeoutCursor::<T>::get();
		let max = T::MaxTimeoutsPerBlock::get();
		let (mut handled, mut steps) = (0u32, 0u32);
		// Empty blocks are stepped over cheaply, but boundedly too.
		let max_steps = max.saturating_mul(4);
		while cursor <= now && handled < max && steps < max_steps {
			steps = steps.saturating_add(1);
			match Timeouts::<T>::iter_key_prefix(cursor).next() {
				Some(id) => {
					Timeouts::<T>::remove(cursor, id);
					handled = handled.saturating_add(1);
					weight.saturating_accrue(Self::handle_timeout(id, now));
				},
				None => {
					cursor = cursor.saturating_add(One::one());
					weight.saturating_accrue(db.reads(1));
				},
			}
		}
		TimeoutCursor::<T>::put(cursor);
		weight
	}

	/// Acts on task `id` if one of its windows has closed by `now`.
	pub(crate) fn handle_timeout(id: TaskId, now: BlockNumberFor<T>) -> Weight {
		let Some(mut task) = Tasks::<T>::get(id) else { return T::DbWeight::get().reads(1) };
		let r = task.replication as u32;
		let weight = match task.phase {
			Phase::Queued { expires } if now >= expires => {
				let reason = if Outbid::<T>::contains_key(id) {
					TerminalReason::Outbid
				} else {
					TerminalReason::ExpiredNoProvider
				};
				Self::finish(id, &mut task, reason, now, 0);
				T::WeightInfo::expire_queued(T::MaxQueueLen::get())
			},
			Phase::Commit { ends } if now >= ends => {
				Self::close_commit(id, &mut task, now);
				T::WeightInfo::commit_timeout(r)
			},
			Phase::Reveal { ends } if now >= ends => {
				Self::reveal_timeout(id, &mut task, now);
				T::WeightInfo::reveal_timeout(r)
			},
			// A stale entry: the task moved on before the window closed.
			_ => return T::DbWeight::get().reads(1),
		};
		Tasks::<T>::insert(id, task);
		weight
	}

	/// The commit phase closed (its window ended, or everyone acted and some reported the
	/// input). If a strict majority of the replication reported the input unusable, the task
	/// ends `BadInput`: nobody is reported, and the consumer forfeits `ConsumerFaultFee` of the
	/// escrow. Otherwise everyone who did not commit — reporters included — is reported
	/// `MissedCommit`; replicas are replaced once each if a round still fits before the
	/// deadline, else those who committed reveal (and the task fails if nobody did).
	pub(crate) fn close_commit(id: TaskId, task: &mut TaskOf<T>, now: BlockNumberFor<T>) {
		if Self::input_refused_by_majority(task) {
			Self::forfeit_fee(id, task);
			Self::finish(id, task, TerminalReason::BadInput, now, 0);
			return;
		}
		let faulted = Self::fault_slots(id, task, OffenceKind::MissedCommit, now, |s| {
			matches!(s, SlotState::Assigned | SlotState::InputRefused(_))
		});
		let missing = faulted.len() as u32;
		let tiebreaker_missed = faulted.contains(&Role::TieBreaker);
		if tiebreaker_missed {
			// The replicas have revealed already; a new tie-breaker could copy them.
			Self::finish(id, task, TerminalReason::FailedProviderFault, now, 0);
			return;
		}
		let r = task.replication as u32;
		let budget_left = task.replica_slots().saturating_add(missing) <= r.saturating_mul(2);
		if missing > 0 && budget_left && Self::round_fits(now, task.deadline) {
			if let Some(picked) = Self::pick(id, task, missing, now) {
				let commit_ends = Self::add_providers(id, task, &picked, Role::Replica, now);
				Self::deposit_event(Event::ProvidersReplaced {
					task: id,
					providers: picked,
					commit_ends,
				});
				return;
			}
		}
		if task.awaits_reveal() {
			// Everyone committed in the window's last block, or nobody can replace the missing:
			// those who committed reveal, so that a standing result is paid (see `resolve`).
			Self::start_reveal(id, task, now);
			return;
		}
		Self::finish(id, task, TerminalReason::FailedProviderFault, now, 0);
	}

	/// Faults (and reports) every slot whose state `pick` selects, with `kind`; returns the
	/// roles of the slots faulted.
	pub(crate) fn fault_slots(
		id: TaskId,
		task: &mut TaskOf<T>,
		kind: OffenceKind,
		now: BlockNumberFor<T>,
		pick: impl Fn(&SlotState) -> bool,
	) -> Vec<Role> {
		let mut roles = Vec::new();
		for slot in task.assignments.iter_mut().filter(|a| pick(&a.state)) {
			slot.state = SlotState::Faulted(kind);
			roles.push(slot.role);
			Self::fault(id, &task.consumer, &slot.provider, kind, now);
		}
		roles
	}

	/// The reveal window closed: everyone who committed and did not reveal is reported, then
	/// the task resolves with the reveals it has.
	pub(crate) fn reveal_timeout(id: TaskId, task: &mut TaskOf<T>, now: BlockNumberFor<T>) {
		Self::fault_slots(id, task, OffenceKind::MissedReveal, now, |s| {
			matches!(s, SlotState::Committed(_))
		});
		Self::resolve(id, task, now);
	}

	/// `on_idle`: settles the tasks in `Settling` (every committed provider revealed this
	/// block), as far as `remaining` allows; the rest are settled when their reveal window
	/// closes next block. Each is metered at the worst case of its replication's bound before
	/// it is read, and charged what it cost.
	pub(crate) fn settle_revealed(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
		let db = T::DbWeight::get();
		let max = T::MaxReplication::get();
		let worst = T::WeightInfo::settle(max).max(T::WeightInfo::settle_with_tiebreak(max));
		let mut meter = WeightMeter::with_limit(remaining);
		loop {
			if !meter.can_consume(worst.saturating_add(db.reads(1))) {
				break;
			}
			meter.consume(db.reads(1));
			let Some(id) = Settling::<T>::iter_keys().next() else { break };
			meter.consume(Self::settle_one(id, now));
		}
		meter.consumed()
	}

	/// Settles task `id` of `Settling` if every committed provider has revealed and it has not
	/// been settled yet (its fallback timeout may have come first); returns the weight used.
	pub(crate) fn settle_one(id: TaskId, now: BlockNumberFor<T>) -> Weight {
		Settling::<T>::remove(id);
		let stale = T::DbWeight::get().reads_writes(1, 1);
		let Some(mut task) = Tasks::<T>::get(id) else { return stale };
		if !matches!(task.phase, Phase::Reveal { .. }) || task.awaits_reveal() {
			return stale;
		}
		let r = task.replication as u32;
		let weight = match Self::resolve(id, &mut task, now) {
			Resolution::Finished => T::WeightInfo::settle(r),
			Resolution::Tiebreak => T::WeightInfo::settle_with_tiebreak(r),
		};
		Tasks::<T>::insert(id, task);
		weight
	}

	/// `on_idle`: removes tasks finished `RetentionPeriod` ago, as far as `remaining` allows.
	pub(crate) fn prune(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
		let db = T::DbWeight::get();
		let mut meter = WeightMeter::with_limit(remaining);
		if meter.try_consume(db.reads_writes(1, 1)).is_err() {
			return Weight::zero();
		}
		let retention = T::RetentionPeriod::get();
		let mut cursor = PruneCursor::<T>::get();
		while cursor.saturating_add(retention) <= now {
			match Retired::<T>::iter_key_prefix(cursor).next() {
				Some(id) => {
					if meter.try_consume(T::WeightInfo::prune_task()).is_err() {
						break;
					}
					Retired::<T>::remove(cursor, id);
					Tasks::<T>::remove(id);
					Self::deposit_event(Event::TaskPruned { task: id });
				},
				None => {
					if meter.try_consume(db.reads(1)).is_err() {
						break;
					}
					cursor = cursor.saturating_add(One::one());
				},
			}
		}
		PruneCursor::<T>::put(cursor);
		meter.consumed()
	}
}
