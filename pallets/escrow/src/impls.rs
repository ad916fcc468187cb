//! The escrow pallet's logic: validation, assignment, commit–reveal, resolution, settlement,
//! timeouts, pruning, client reads and invariants.

use crate::{pallet::*, types::*, weights::WeightInfo, LOG_TARGET};
use aipin_primitives::{
	result_commitment, ComputeCredits, Credits, InFlightTasks, KernelId, Offence, OffenceKind,
	ProviderRegistry, ReportOffence, Requirements, TaskId, TaskOutcome,
};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	pallet_prelude::*,
	traits::{Get, Randomness},
	weights::WeightMeter,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{One, Saturating};

/// What resolving a task led to (for weight accounting).
pub(crate) enum Resolution {
	/// The task finished.
	Finished,
	/// A tie-breaker was assigned; the task goes on.
	Tiebreak,
}

impl<T: Config> Pallet<T> {
	// ----- kernels -----------------------------------------------------------------------

	/// Checks a kernel spec for consistency.
	pub fn validate_kernel(spec: &KernelSpec) -> Result<(), Error<T>> {
		let n = spec.max_params.len();
		ensure!(!spec.name.is_empty() && n > 0, Error::<T>::InvalidKernelSpec);
		ensure!(spec.max_params.iter().all(|&m| m > 0), Error::<T>::InvalidKernelSpec);
		let ones: Vec<u32> = alloc::vec![1; n];
		for f in [&spec.work_units, &spec.input_bytes, &spec.output_bytes] {
			ensure!(f.divisor > 0 && f.indices_below(n), Error::<T>::InvalidKernelSpec);
			// Formulas grow with every parameter, so no overflow at the maxima means none at all.
			ensure!(f.eval(&spec.max_params).is_some(), Error::<T>::InvalidKernelSpec);
		}
		ensure!(spec.work_units.eval(&ones).unwrap_or(0) > 0, Error::<T>::InvalidKernelSpec);
		ensure!(spec.output_bytes.eval(&ones).unwrap_or(0) > 0, Error::<T>::InvalidKernelSpec);
		Ok(())
	}

	pub(crate) fn do_register_kernel(id: KernelId, spec: KernelSpec) -> DispatchResult {
		ensure!(!Kernels::<T>::contains_key(id), Error::<T>::KernelExists);
		Self::validate_kernel(&spec)?;
		let (version, wgsl_hash) = (spec.version, spec.wgsl_hash);
		Kernels::<T>::insert(id, KernelInfo { spec, deprecated: false });
		Self::deposit_event(Event::KernelRegistered { kernel: id, version, wgsl_hash });
		Ok(())
	}

	// ----- submission --------------------------------------------------------------------

	/// Prices a task and checks it against the kernel, as `submit_task` would.
	pub fn do_quote(
		kernel: KernelId,
		params: &[u32],
		replication: u8,
		max_price: Credits,
	) -> Result<Quote, DispatchError> {
		let info = Kernels::<T>::get(kernel).ok_or(Error::<T>::UnknownKernel)?;
		ensure!(!info.deprecated, Error::<T>::KernelDeprecated);
		let spec = &info.spec;
		ensure!(params.len() == spec.max_params.len(), Error::<T>::WrongParamCount);
		ensure!(
			params.iter().zip(spec.max_params.iter()).all(|(&p, &max)| p >= 1 && p <= max),
			Error::<T>::ParamOutOfRange
		);
		ensure!(
			replication >= 1 && replication as u32 <= T::MaxReplication::get(),
			Error::<T>::InvalidReplication
		);
		ensure!(replication == 1 || spec.deterministic, Error::<T>::ReplicationNeedsDeterminism);
		ensure!(max_price > 0, Error::<T>::ZeroPrice);
		let work_units = spec.work_units.eval(params).ok_or(Error::<T>::Overflow)?;
		let input_bytes = spec.input_bytes.eval(params).ok_or(Error::<T>::Overflow)?;
		let output_bytes = spec.output_bytes.eval(params).ok_or(Error::<T>::Overflow)?;
		ensure!(input_bytes <= T::MaxInputBytes::get(), Error::<T>::InputTooLarge);
		let escrow = (work_units as u128)
			.checked_mul(max_price)
			.and_then(|c| c.checked_mul(replication as u128))
			.ok_or(Error::<T>::Overflow)?;
		Ok(Quote { work_units, escrow, input_bytes, output_bytes })
	}

	/// First block at which a task due at `deadline` can no longer be assigned.
	fn queue_expiry(deadline: BlockNumberFor<T>) -> BlockNumberFor<T> {
		deadline
			.saturating_sub(T::CommitWindow::get())
			.saturating_sub(T::RevealWindow::get())
			.saturating_add(One::one())
	}

	/// Whether a fresh commit and reveal round started at `now` ends by `deadline`.
	fn round_fits(now: BlockNumberFor<T>, deadline: BlockNumberFor<T>) -> bool {
		now.saturating_add(T::CommitWindow::get()).saturating_add(T::RevealWindow::get())
			<= deadline
	}

	pub(crate) fn do_submit(
		consumer: T::AccountId,
		kernel: KernelId,
		params: Params,
		input: TaskInputOf<T>,
		replication: u8,
		max_price: Credits,
		deadline: BlockNumberFor<T>,
	) -> Result<TaskId, DispatchError> {
		let now = frame_system::Pallet::<T>::block_number();
		let quote = Self::do_quote(kernel, &params, replication, max_price)?;
		// Assignment happens at `now + 1` at the earliest, then a full round must fit.
		ensure!(
			Self::round_fits(now.saturating_add(One::one()), deadline),
			Error::<T>::DeadlineTooSoon
		);
		ensure!(
			deadline <= now.saturating_add(T::MaxTaskLifetime::get()),
			Error::<T>::DeadlineTooFar
		);
		match &input {
			TaskInput::Inline(bytes) => {
				ensure!(bytes.len() as u64 == quote.input_bytes, Error::<T>::InputSizeMismatch)
			},
			TaskInput::Seeded { .. } => {},
			TaskInput::External { url, size, .. } => {
				ensure!(*size == quote.input_bytes, Error::<T>::InputSizeMismatch);
				let url = url.as_slice();
				let rest = url
					.strip_prefix(b"https://")
					.or_else(|| url.strip_prefix(b"http://"))
					.ok_or(Error::<T>::InvalidUrl)?;
				ensure!(
					!rest.is_empty() && url.iter().all(|b| b.is_ascii_graphic()),
					Error::<T>::InvalidUrl
				);
			},
		}
		let open = OpenTasks::<T>::get(&consumer);
		ensure!(open < T::MaxOpenTasksPerConsumer::get(), Error::<T>::TooManyOpenTasks);
		let mut queue = Queue::<T>::get();
		ensure!(!queue.is_full(), Error::<T>::QueueFull);
		ensure!(
			T::Credits::free_credits(&consumer) >= quote.escrow,
			Error::<T>::InsufficientCredits
		);
		let total =
			TotalEscrowed::<T>::get().checked_add(quote.escrow).ok_or(Error::<T>::Overflow)?;

		// Checks done; from here on nothing fails.
		T::Credits::reserve(&consumer, quote.escrow)
			.map_err(|_| Error::<T>::InsufficientCredits)?;
		let id = NextTaskId::<T>::get();
		NextTaskId::<T>::put(id.saturating_add(1));
		let expires = Self::queue_expiry(deadline);
		let task = TaskOf::<T> {
			consumer: consumer.clone(),
			kernel,
			params,
			replication,
			max_price,
			work_units: quote.work_units,
			input_bytes: quote.input_bytes,
			output_bytes: quote.output_bytes,
			escrow: quote.escrow,
			submitted_at: now,
			deadline,
			phase: Phase::Queued { expires },
			assignments: BoundedVec::new(),
			result_root: None,
		};
		Tasks::<T>::insert(id, task);
		TaskInputs::<T>::insert(id, input);
		OpenTasks::<T>::insert(&consumer, open.saturating_add(1));
		// Cannot fail: checked not full above.
		let _ = queue.try_push(id);
		Queue::<T>::put(queue);
		Timeouts::<T>::insert(expires, id, ());
		TotalEscrowed::<T>::put(total);
		Self::deposit_event(Event::TaskSubmitted {
			task: id,
			consumer,
			kernel,
			work_units: quote.work_units,
			replication,
			escrow: quote.escrow,
			deadline,
		});
		Ok(id)
	}

	pub(crate) fn do_cancel(who: T::AccountId, id: TaskId) -> Result<u32, DispatchError> {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		ensure!(task.consumer == who, Error::<T>::NotConsumer);
		match task.phase {
			Phase::Finished { .. } => return Err(Error::<T>::TaskFinished.into()),
			Phase::Reveal { .. } => return Err(Error::<T>::TooLateToCancel.into()),
			Phase::Commit { .. } if task.any_commitment() => {
				return Err(Error::<T>::TooLateToCancel.into())
			},
			Phase::Queued { .. } | Phase::Commit { .. } => {},
		}
		let slots = task.assignments.len() as u32;
		let now = frame_system::Pallet::<T>::block_number();
		Self::finish(id, &mut task, TerminalReason::Cancelled, now, 0);
		Tasks::<T>::insert(id, task);
		Ok(slots)
	}

	// ----- assignment --------------------------------------------------------------------

	/// A 32-byte seed for draw `attempt` of assignment round `round` of task `id`.
	fn seed(id: TaskId, round: u32, attempt: u32) -> [u8; 32] {
		let subject = (b"aipin/escrow/assign", id, round, attempt).encode();
		let (random, _) = T::Randomness::random(&subject);
		sp_io::hashing::blake2_256(&random.encode())
	}

	/// Picks `count` providers for `task` that it has not had yet and that have room, or
	/// `None` if there are not that many.
	fn pick(
		id: TaskId,
		task: &TaskOf<T>,
		count: u32,
		now: BlockNumberFor<T>,
	) -> Option<Vec<T::AccountId>> {
		let kernel = Kernels::<T>::get(task.kernel)?;
		let req = Requirements {
			kernel: task.kernel,
			min_vram_mib: kernel.spec.min_vram_mib,
			max_price: task.max_price,
		};
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
				if ProviderLoad::<T>::get(&candidate) < T::MaxTasksPerProvider::get() {
					chosen.push(candidate.clone());
				}
				exclude.push(candidate);
			}
		}
		(chosen.len() as u32 == count).then_some(chosen)
	}

	/// Adds `providers` to `task` in `role` and opens a commit window.
	fn add_providers(
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
			if !ProviderTasks::<T>::contains_key(p, id) {
				ProviderTasks::<T>::insert(p, id, ());
				ProviderLoad::<T>::mutate(p, |l| *l = l.saturating_add(1));
			}
		}
		let ends = now.saturating_add(T::CommitWindow::get());
		task.phase = Phase::Commit { ends };
		Timeouts::<T>::insert(ends, id, ());
		ends
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
			let id = queue.remove(0);
			let (left, r) = Self::try_assign(id, now);
			weight.saturating_accrue(T::WeightInfo::assign(r.max(1)));
			if !left {
				// Cannot fail: one was just removed.
				let _ = queue.try_push(id);
			}
		}
		Queue::<T>::put(queue);
		weight.saturating_add(T::DbWeight::get().writes(1))
	}

	// ----- commit–reveal -----------------------------------------------------------------

	pub(crate) fn do_commit(
		operator: T::AccountId,
		id: TaskId,
		commitment: [u8; 32],
	) -> Result<u32, DispatchError> {
		let stash = T::Registry::stash_of(&operator).ok_or(Error::<T>::NotOperator)?;
		let now = frame_system::Pallet::<T>::block_number();
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		let ends = match task.phase {
			Phase::Commit { ends } => ends,
			Phase::Finished { .. } => return Err(Error::<T>::TaskFinished.into()),
			_ => return Err(Error::<T>::NotCommitPhase.into()),
		};
		ensure!(now < ends, Error::<T>::CommitWindowClosed);
		let i = task.live_slot(&stash).ok_or(Error::<T>::NotAssigned)?;
		let slot = task.assignments.get_mut(i).ok_or(Error::<T>::NotAssigned)?;
		ensure!(slot.state == SlotState::Assigned, Error::<T>::AlreadyCommitted);
		slot.state = SlotState::Committed(commitment);
		Self::deposit_event(Event::ResultCommitted { task: id, provider: stash });
		if !task.assignments.iter().any(|a| a.state == SlotState::Assigned) {
			Self::start_reveal(id, &mut task, now);
		}
		let slots = task.assignments.len() as u32;
		Tasks::<T>::insert(id, task);
		Ok(slots)
	}

	fn start_reveal(id: TaskId, task: &mut TaskOf<T>, now: BlockNumberFor<T>) {
		let reveal_ends = now.saturating_add(T::RevealWindow::get());
		task.phase = Phase::Reveal { ends: reveal_ends };
		Timeouts::<T>::insert(reveal_ends, id, ());
		Self::deposit_event(Event::RevealStarted { task: id, reveal_ends });
	}

	pub(crate) fn do_reveal(
		operator: T::AccountId,
		id: TaskId,
		result_root: [u8; 32],
		salt: [u8; 32],
	) -> Result<Weight, DispatchError> {
		let stash = T::Registry::stash_of(&operator).ok_or(Error::<T>::NotOperator)?;
		let now = frame_system::Pallet::<T>::block_number();
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		let ends = match task.phase {
			Phase::Reveal { ends } => ends,
			Phase::Finished { .. } => return Err(Error::<T>::TaskFinished.into()),
			_ => return Err(Error::<T>::NotRevealPhase.into()),
		};
		ensure!(now < ends, Error::<T>::RevealWindowClosed);
		let i = task.live_slot(&stash).ok_or(Error::<T>::NotAssigned)?;
		let slot = task.assignments.get_mut(i).ok_or(Error::<T>::NotAssigned)?;
		let committed = match slot.state {
			SlotState::Committed(c) => c,
			SlotState::Assigned => return Err(Error::<T>::NotCommitted.into()),
			SlotState::Revealed(_) => return Err(Error::<T>::AlreadyRevealed.into()),
			SlotState::Faulted(_) => return Err(Error::<T>::NotAssigned.into()),
		};
		if result_commitment(id, &stash, &result_root, &salt) == committed {
			slot.state = SlotState::Revealed(result_root);
			Self::deposit_event(Event::ResultRevealed { task: id, provider: stash, result_root });
		} else {
			slot.state = SlotState::Faulted(OffenceKind::InvalidReveal);
			Self::fault(id, &task.consumer, &stash, OffenceKind::InvalidReveal, now);
		}
		let r = task.replication as u32;
		let weight = if task.assignments.iter().any(|a| matches!(a.state, SlotState::Committed(_)))
		{
			T::WeightInfo::reveal_result(1)
		} else {
			match Self::resolve(id, &mut task, now) {
				Resolution::Finished => T::WeightInfo::reveal_result(r),
				Resolution::Tiebreak => T::WeightInfo::reveal_with_tiebreak(r),
			}
		};
		Tasks::<T>::insert(id, task);
		Ok(weight)
	}

	/// Reports `provider`'s `kind` offence in task `id` and lowers its reputation.
	fn fault(
		id: TaskId,
		consumer: &T::AccountId,
		provider: &T::AccountId,
		kind: OffenceKind,
		now: BlockNumberFor<T>,
	) {
		let offence = Offence {
			kind,
			provider: provider.clone(),
			task: id,
			beneficiary: Some(consumer.clone()),
		};
		if let Err(e) = T::Offences::report(offence, now) {
			// The verdict stands (reputation, exclusion); only the slash could not be queued.
			log::warn!(target: LOG_TARGET, "task {id}: reporting {kind:?} failed: {e:?}");
		}
		T::Registry::record_outcome(provider, TaskOutcome::ProviderFault, now);
		Self::deposit_event(Event::ProviderFaulted {
			task: id,
			provider: provider.clone(),
			offence: kind,
		});
	}

	// ----- resolution --------------------------------------------------------------------

	/// Decides a task once nobody is left to reveal (see the crate docs for the rules).
	pub(crate) fn resolve(id: TaskId, task: &mut TaskOf<T>, now: BlockNumberFor<T>) -> Resolution {
		let r = task.replication as u32;
		let mut tally: Vec<([u8; 32], u32)> = Vec::new();
		for a in task.assignments.iter().filter(|a| a.role == Role::Replica) {
			if let SlotState::Revealed(root) = a.state {
				match tally.iter_mut().find(|(x, _)| *x == root) {
					Some((_, n)) => *n = n.saturating_add(1),
					None => tally.push((root, 1)),
				}
			}
		}
		let tiebreaker =
			task.assignments.iter().find(|a| a.role == Role::TieBreaker).map(|a| a.state);
		match tiebreaker {
			None => {
				let best = tally.iter().max_by_key(|(_, n)| *n).copied();
				if let Some((root, n)) = best.filter(|(_, n)| n.saturating_mul(2) > r) {
					let clean = tally.len() == 1
						&& n == r && task
						.assignments
						.iter()
						.all(|a| !matches!(a.state, SlotState::Faulted(_)));
					let reason = if clean {
						TerminalReason::Completed
					} else {
						TerminalReason::ResolvedByMajority
					};
					Self::settle(id, task, root, reason, now);
					return Resolution::Finished;
				}
				if tally.is_empty() {
					Self::finish(id, task, TerminalReason::FailedProviderFault, now, 0);
					return Resolution::Finished;
				}
				if r >= 2 && Self::round_fits(now, task.deadline) {
					if let Some(picked) = Self::pick(id, task, 1, now) {
						let commit_ends =
							Self::add_providers(id, task, &picked, Role::TieBreaker, now);
						if let Some(provider) = picked.into_iter().next() {
							Self::deposit_event(Event::TiebreakerAssigned {
								task: id,
								provider,
								commit_ends,
							});
						}
						return Resolution::Tiebreak;
					}
				}
				Self::finish(id, task, TerminalReason::FailedNoConsensus, now, 0);
			},
			Some(SlotState::Revealed(root)) if tally.iter().any(|(x, _)| *x == root) => {
				Self::settle(id, task, root, TerminalReason::ResolvedByTiebreak, now);
			},
			Some(SlotState::Revealed(_)) => {
				Self::finish(id, task, TerminalReason::FailedNoConsensus, now, 0);
			},
			Some(_) => {
				Self::finish(id, task, TerminalReason::FailedProviderFault, now, 0);
			},
		}
		Resolution::Finished
	}

	/// Accepts `root`: pays everyone who revealed it, reports everyone who revealed another,
	/// refunds the rest and finishes the task.
	fn settle(
		id: TaskId,
		task: &mut TaskOf<T>,
		root: [u8; 32],
		reason: TerminalReason,
		now: BlockNumberFor<T>,
	) {
		let mut paid: Credits = 0;
		let consumer = task.consumer.clone();
		for i in 0..task.assignments.len() {
			let Some(a) = task.assignments.get(i).cloned() else { continue };
			match a.state {
				SlotState::Revealed(x) if x == root => {
					let amount = a.ask.saturating_mul(task.work_units as u128).min(task.escrow);
					if amount > 0 {
						match T::Credits::spend(&consumer, amount, &a.provider) {
							Ok(()) => {
								task.escrow = task.escrow.saturating_sub(amount);
								paid = paid.saturating_add(amount);
								Self::deposit_event(Event::ProviderPaid {
									task: id,
									provider: a.provider.clone(),
									credits: amount,
								});
							},
							Err(e) => log::error!(
								target: LOG_TARGET,
								"task {id}: paying {amount} credits failed: {e:?}"
							),
						}
					}
					T::Registry::record_outcome(&a.provider, TaskOutcome::Success, now);
				},
				SlotState::Revealed(_) => {
					if let Some(slot) = task.assignments.get_mut(i) {
						slot.state = SlotState::Faulted(OffenceKind::WrongResult);
					}
					Self::fault(id, &consumer, &a.provider, OffenceKind::WrongResult, now);
				},
				_ => {},
			}
		}
		task.result_root = Some(root);
		Self::finish(id, task, reason, now, paid);
	}

	/// Ends a task: refunds what is left in escrow, frees its providers and consumer slot,
	/// drops its input and schedules its pruning.
	fn finish(
		id: TaskId,
		task: &mut TaskOf<T>,
		reason: TerminalReason,
		now: BlockNumberFor<T>,
		paid: Credits,
	) {
		let was_queued = matches!(task.phase, Phase::Queued { .. });
		let left = core::mem::take(&mut task.escrow);
		let refunded = if left > 0 { T::Credits::release(&task.consumer, left) } else { 0 };
		if refunded != left {
			log::error!(target: LOG_TARGET, "task {id}: refunded {refunded} of {left} credits");
		}
		// Whatever the task held — paid out (`paid`) or refunded (`left`) — leaves the total.
		TotalEscrowed::<T>::mutate(|t| *t = t.saturating_sub(left.saturating_add(paid)));
		task.phase = Phase::Finished { reason, at: now };
		for a in task.assignments.iter() {
			if ProviderTasks::<T>::take(&a.provider, id).is_some() {
				ProviderLoad::<T>::mutate_exists(&a.provider, |l| {
					let n = l.unwrap_or(0).saturating_sub(1);
					*l = (n > 0).then_some(n);
				});
			}
		}
		OpenTasks::<T>::mutate_exists(&task.consumer, |o| {
			let n = o.unwrap_or(0).saturating_sub(1);
			*o = (n > 0).then_some(n);
		});
		TaskInputs::<T>::remove(id);
		if was_queued {
			Queue::<T>::mutate(|q| q.retain(|x| *x != id));
		}
		Retired::<T>::insert(now, id, ());
		Self::deposit_event(Event::TaskFinished {
			task: id,
			reason,
			result_root: task.result_root,
			paid,
			refunded,
		});
	}

	// ----- timeouts ----------------------------------------------------------------------

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
				Self::finish(id, &mut task, TerminalReason::ExpiredNoProvider, now, 0);
				T::WeightInfo::expire_queued(T::MaxQueueLen::get())
			},
			Phase::Commit { ends } if now >= ends => {
				Self::commit_timeout(id, &mut task, now);
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

	/// The commit window closed: everyone who did not commit is reported; replicas are
	/// replaced once each if a round still fits before the deadline, else the task fails.
	fn commit_timeout(id: TaskId, task: &mut TaskOf<T>, now: BlockNumberFor<T>) {
		let faulted = Self::fault_slots(id, task, OffenceKind::MissedCommit, now, |s| {
			*s == SlotState::Assigned
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
		if missing == 0 {
			// Everyone committed in the window's last block; reveal as usual.
			Self::start_reveal(id, task, now);
			return;
		}
		Self::finish(id, task, TerminalReason::FailedProviderFault, now, 0);
	}

	/// Faults (and reports) every slot whose state `pick` selects, with `kind`; returns the
	/// roles of the slots faulted.
	fn fault_slots(
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
	fn reveal_timeout(id: TaskId, task: &mut TaskOf<T>, now: BlockNumberFor<T>) {
		Self::fault_slots(id, task, OffenceKind::MissedReveal, now, |s| {
			matches!(s, SlotState::Committed(_))
		});
		Self::resolve(id, task, now);
	}

	// ----- pruning -----------------------------------------------------------------------

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

	// ----- reads for clients -------------------------------------------------------------

	fn act_by(phase: &Phase<BlockNumberFor<T>>, slot: &SlotState) -> Option<BlockNumberFor<T>> {
		match (phase, slot) {
			(Phase::Commit { ends }, SlotState::Assigned) => Some(*ends),
			(Phase::Reveal { ends }, SlotState::Committed(_)) => Some(*ends),
			_ => None,
		}
	}

	/// Unfinished tasks of the provider behind `operator`.
	pub fn tasks_of_operator(operator: &T::AccountId) -> Vec<OperatorTask<BlockNumberFor<T>>> {
		let Some(stash) = T::Registry::stash_of(operator) else { return Vec::new() };
		ProviderTasks::<T>::iter_key_prefix(&stash)
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
		let mut risk =
			ProviderRisk { in_flight: ProviderLoad::<T>::get(stash), ..Default::default() };
		for id in ProviderTasks::<T>::iter_key_prefix(stash) {
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

	// ----- invariants --------------------------------------------------------------------

	/// Checks the pallet's invariants:
	/// - `TotalEscrowed` equals the sum of unfinished tasks' escrow; finished tasks hold none;
	/// - every unfinished task's providers are indexed in `ProviderTasks`, `ProviderLoad`
	///   counts them, and every live slot's provider is registered;
	/// - `OpenTasks` counts each consumer's unfinished tasks; inputs exist exactly for them;
	/// - the queue holds exactly the queued tasks, once each; queued tasks have no providers;
	/// - live replica slots never exceed the replication.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		let mut escrow: Credits = 0;
		let mut open: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut load: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		let mut queued: Vec<TaskId> = Vec::new();
		for (id, task) in Tasks::<T>::iter() {
			if let Phase::Finished { at, .. } = task.phase {
				ensure!(task.escrow == 0, "a finished task holds escrow");
				ensure!(!TaskInputs::<T>::contains_key(id), "a finished task keeps its input");
				ensure!(Retired::<T>::contains_key(at, id), "a finished task is not retired");
				continue;
			}
			escrow = escrow.checked_add(task.escrow).ok_or("escrow sum overflows")?;
			*open.entry(task.consumer.clone()).or_default() += 1;
			ensure!(TaskInputs::<T>::contains_key(id), "an unfinished task lost its input");
			let mut seen: Vec<&T::AccountId> = Vec::new();
			for a in task.assignments.iter() {
				if !seen.contains(&&a.provider) {
					seen.push(&a.provider);
					ensure!(
						ProviderTasks::<T>::contains_key(&a.provider, id),
						"an assigned provider is not indexed"
					);
					*load.entry(a.provider.clone()).or_default() += 1;
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
			if matches!(task.phase, Phase::Queued { .. }) {
				ensure!(task.assignments.is_empty(), "a queued task has providers");
				queued.push(id);
			}
		}
		ensure!(escrow == TotalEscrowed::<T>::get(), "TotalEscrowed != Σ open tasks' escrow");
		let open_stored: BTreeMap<T::AccountId, u32> = OpenTasks::<T>::iter().collect();
		ensure!(open == open_stored, "OpenTasks does not count unfinished tasks");
		let load_stored: BTreeMap<T::AccountId, u32> = ProviderLoad::<T>::iter().collect();
		ensure!(load == load_stored, "ProviderLoad does not count indexed tasks");
		let indexed = ProviderTasks::<T>::iter_keys().count();
		ensure!(indexed == load.values().sum::<u32>() as usize, "stale ProviderTasks entries");
		ensure!(
			TaskInputs::<T>::iter_keys().count() == open.values().sum::<u32>() as usize,
			"inputs of finished tasks kept"
		);
		let mut queue = Queue::<T>::get().into_inner();
		queue.sort_unstable();
		queued.sort_unstable();
		ensure!(queue == queued, "the queue does not hold exactly the queued tasks");
		Ok(())
	}
}

impl<T: Config> InFlightTasks<T::AccountId> for Pallet<T> {
	fn in_flight(stash: &T::AccountId) -> u32 {
		ProviderLoad::<T>::get(stash)
	}
}
