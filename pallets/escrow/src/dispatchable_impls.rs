//! The bodies of the escrow pallet's calls: kernel registration, submission (with quotes),
//! cancellation, commit and reveal.

use crate::{pallet::*, types::*, weights::WeightInfo, LOG_TARGET};
use aipin_primitives::{
	is_fetchable_url, result_commitment, ComputeCredits, Credits, InputFault, KernelId, Offence,
	OffenceKind, ProviderRegistry, ReportOffence, Requirements, TaskId, TaskOutcome,
};
use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	traits::{Contains, Get},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{One, Saturating};

impl<T: Config> Pallet<T> {
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
		let escrow = aipin_primitives::charge(max_price, work_units, T::PriceUnit::get())
			.and_then(|c| c.checked_mul(replication as u128))
			.and_then(|c| c.checked_add(T::SubmissionDeposit::get()))
			.ok_or(Error::<T>::Overflow)?;
		ensure!(
			T::Registry::could_ever_serve(&Self::requirements(kernel, spec, max_price, work_units)),
			Error::<T>::NoCapableProvider
		);
		Ok(Quote { work_units, escrow, input_bytes, output_bytes })
	}

	/// What a provider must offer to take a task of `kernel` (with `spec`) of `work_units` at
	/// `max_price`.
	pub(crate) fn requirements(
		kernel: KernelId,
		spec: &KernelSpec,
		max_price: Credits,
		work_units: u64,
	) -> Requirements {
		Requirements {
			kernel: aipin_primitives::provider_kernel(kernel),
			min_vram_mib: spec.min_vram_mib,
			max_price,
			work_units,
		}
	}

	/// First block at which a task due at `deadline` can no longer be assigned.
	pub(crate) fn queue_expiry(deadline: BlockNumberFor<T>) -> BlockNumberFor<T> {
		deadline
			.saturating_sub(T::CommitWindow::get())
			.saturating_sub(T::RevealWindow::get())
			.saturating_add(One::one())
	}

	/// Whether a fresh commit and reveal round started at `now` ends by `deadline`.
	pub(crate) fn round_fits(now: BlockNumberFor<T>, deadline: BlockNumberFor<T>) -> bool {
		now.saturating_add(T::CommitWindow::get()).saturating_add(T::RevealWindow::get())
			<= deadline
	}

	/// Deprecates kernel `id`: no new tasks.
	pub(crate) fn do_deprecate_kernel(id: KernelId) -> DispatchResult {
		Kernels::<T>::try_mutate(id, |k| -> DispatchResult {
			let k = k.as_mut().ok_or(Error::<T>::UnknownKernel)?;
			ensure!(!k.deprecated, Error::<T>::KernelDeprecated);
			k.deprecated = true;
			Ok(())
		})?;
		Self::deposit_event(Event::KernelDeprecated { kernel: id });
		Ok(())
	}

	/// Submits a task; returns its id.
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
				ensure!(is_fetchable_url(url), Error::<T>::InvalidUrl);
			},
		}
		let open = OpenTasks::<T>::get(&consumer);
		ensure!(open < T::MaxOpenTasksPerConsumer::get(), Error::<T>::TooManyOpenTasks);
		let mut queue = Queue::<T>::get();
		// A full queue takes a task only in the place of the one escrowing least (the newest
		// of those), and only for a larger escrow.
		let displaced = if queue.is_full() {
			let (i, lowest) = queue
				.iter()
				.enumerate()
				.min_by_key(|(i, e)| (e.escrow, core::cmp::Reverse(*i)))
				.ok_or(Error::<T>::QueueFull)?;
			ensure!(quote.escrow > lowest.escrow, Error::<T>::QueueFull);
			Some((i, lowest.task))
		} else {
			None
		};
		ensure!(
			T::Credits::free_credits(&consumer) >= quote.escrow,
			Error::<T>::InsufficientCredits
		);
		ensure!(
			TotalEscrowed::<T>::get().checked_add(quote.escrow).is_some(),
			Error::<T>::Overflow
		);

		// Checks done; from here on nothing fails.
		T::Credits::reserve(&consumer, quote.escrow)
			.map_err(|_| Error::<T>::InsufficientCredits)?;
		let id = NextTaskId::<T>::get();
		NextTaskId::<T>::put(id.saturating_add(1));
		if let Some((i, outbid)) = displaced {
			queue.remove(i);
			Self::displace(outbid, id, now);
		}
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
			input_digest: input.digest(),
			submitted_at: now,
			deadline,
			phase: Phase::Queued { expires },
			assignments: BoundedVec::new(),
			result_root: None,
		};
		Tasks::<T>::insert(id, task);
		TaskInputs::<T>::insert(id, input);
		OpenTasks::<T>::insert(&consumer, open.saturating_add(1));
		// Cannot fail: checked not full above, or one was removed.
		let _ = queue.try_push(QueueEntry { task: id, escrow: quote.escrow });
		Queue::<T>::put(queue);
		Timeouts::<T>::insert(expires, id, ());
		// After a displaced task's refund (which lowered the total): cannot overflow.
		TotalEscrowed::<T>::mutate(|t| *t = t.saturating_add(quote.escrow));
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

	/// Takes queued task `id`, just removed from the queue, out of the running for task `by`:
	/// its queue window now closes at the next block, whose timeout ends it `Outbid` and
	/// refunds it in full (`handle_timeout`). Settling it here instead would cost the
	/// submission a second task's refund.
	fn displace(id: TaskId, by: TaskId, now: BlockNumberFor<T>) {
		let Some(mut task) = Tasks::<T>::get(id) else { return };
		Self::enter_phase(id, &mut task, Phase::Queued { expires: now.saturating_add(One::one()) });
		Tasks::<T>::insert(id, task);
		Outbid::<T>::insert(id, by);
		Self::deposit_event(Event::TaskOutbid { task: id, by });
	}

	pub(crate) fn do_cancel(who: T::AccountId, id: TaskId) -> Result<u32, DispatchError> {
		let mut task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		ensure!(task.consumer == who, Error::<T>::NotConsumer);
		match task.phase {
			Phase::Finished { .. } => return Err(Error::<T>::TaskFinished.into()),
			Phase::Reveal { .. } => return Err(Error::<T>::TooLateToCancel.into()),
			// A report of bad input counts too: cancelling then would dodge the input fee.
			Phase::Commit { .. } if task.any_commitment() || task.any_input_refused() => {
				return Err(Error::<T>::TooLateToCancel.into())
			},
			Phase::Queued { .. } | Phase::Commit { .. } => {},
		}
		let slots = task.assignments.len() as u32;
		let now = frame_system::Pallet::<T>::block_number();
		if matches!(task.phase, Phase::Commit { .. }) {
			// Assigned providers may be computing already: cancelling now costs the fee.
			Self::forfeit_fee(id, &mut task);
		}
		Self::finish(id, &mut task, TerminalReason::Cancelled, now, 0);
		Tasks::<T>::insert(id, task);
		Ok(slots)
	}

	/// The slot that `operator`'s provider must act on in task `id`'s open commit window:
	/// `(stash, task, slot index, now)`, or the error that says why there is none.
	fn slot_to_commit(
		operator: &T::AccountId,
		id: TaskId,
	) -> Result<(T::AccountId, TaskOf<T>, usize, BlockNumberFor<T>), DispatchError> {
		let stash = T::Registry::stash_of(operator).ok_or(Error::<T>::NotOperator)?;
		let now = frame_system::Pallet::<T>::block_number();
		let task = Tasks::<T>::get(id).ok_or(Error::<T>::UnknownTask)?;
		let ends = match task.phase {
			Phase::Commit { ends } => ends,
			Phase::Finished { .. } => return Err(Error::<T>::TaskFinished.into()),
			_ => return Err(Error::<T>::NotCommitPhase.into()),
		};
		ensure!(now < ends, Error::<T>::CommitWindowClosed);
		let i = task.live_slot(&stash).ok_or(Error::<T>::NotAssigned)?;
		let slot = task.assignments.get(i).ok_or(Error::<T>::NotAssigned)?;
		ensure!(slot.state == SlotState::Assigned, Error::<T>::AlreadyCommitted);
		Ok((stash, task, i, now))
	}

	/// Records a commitment; returns the task's number of slots (the weight's component).
	pub(crate) fn do_commit(
		operator: T::AccountId,
		id: TaskId,
		commitment: [u8; 32],
	) -> Result<u32, DispatchError> {
		let (stash, mut task, i, now) = Self::slot_to_commit(&operator, id)?;
		let slot = task.assignments.get_mut(i).ok_or(Error::<T>::NotAssigned)?;
		slot.state = SlotState::Committed(commitment);
		Self::deposit_event(Event::ResultCommitted { task: id, provider: stash });
		// With a report of bad input among the slots, the commit phase closes when its window
		// does (`close_commit`), keeping a commit's weight that of a commit.
		let everyone_committed = !task
			.assignments
			.iter()
			.any(|a| matches!(a.state, SlotState::Assigned | SlotState::InputRefused(_)));
		if everyone_committed {
			Self::start_reveal(id, &mut task, now);
		}
		let slots = task.assignments.len() as u32;
		Tasks::<T>::insert(id, task);
		Ok(slots)
	}

	/// Records a replica's report that the input is unusable; closes the commit phase when a
	/// majority has reported or nobody is left to act. Returns the weight actually used.
	pub(crate) fn do_report_input(
		operator: T::AccountId,
		id: TaskId,
		fault: InputFault,
	) -> Result<Weight, DispatchError> {
		let (stash, mut task, i, now) = Self::slot_to_commit(&operator, id)?;
		let fetched_program = || {
			Kernels::<T>::get(task.kernel)
				.is_some_and(|k| T::FetchedPrograms::contains(&k.spec.wgsl_hash))
		};
		ensure!(
			matches!(TaskInputs::<T>::get(id), Some(TaskInput::External { .. }))
				|| fetched_program(),
			Error::<T>::InputNotExternal
		);
		let slot = task.assignments.get_mut(i).ok_or(Error::<T>::NotAssigned)?;
		ensure!(slot.role == Role::Replica, Error::<T>::NotAReplica);
		slot.state = SlotState::InputRefused(fault);
		Self::deposit_event(Event::InputReported { task: id, provider: stash, fault });
		let r = task.replication as u32;
		let mut weight = T::WeightInfo::commit_result(task.assignments.len() as u32)
			.saturating_add(T::DbWeight::get().reads(1));
		let everyone_acted = !task.assignments.iter().any(|a| a.state == SlotState::Assigned);
		if Self::input_refused_by_majority(&task) || everyone_acted {
			Self::close_commit(id, &mut task, now);
			weight = weight.saturating_add(T::WeightInfo::commit_timeout(r));
		}
		Tasks::<T>::insert(id, task);
		Ok(weight)
	}

	/// Whether a strict majority of the replication reported the input unusable.
	pub(crate) fn input_refused_by_majority(task: &TaskOf<T>) -> bool {
		let refused = task
			.assignments
			.iter()
			.filter(|a| a.role == Role::Replica && matches!(a.state, SlotState::InputRefused(_)))
			.count() as u32;
		refused.saturating_mul(2) > task.replication as u32
	}

	pub(crate) fn start_reveal(id: TaskId, task: &mut TaskOf<T>, now: BlockNumberFor<T>) {
		let reveal_ends = now.saturating_add(T::RevealWindow::get());
		Self::enter_phase(id, task, Phase::Reveal { ends: reveal_ends });
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
			SlotState::Assigned | SlotState::InputRefused(_) => {
				return Err(Error::<T>::NotCommitted.into())
			},
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
		if !task.awaits_reveal() {
			// Settled in this block's `on_idle`; the window closing next block is the fallback.
			Self::enter_phase(
				id,
				&mut task,
				Phase::Reveal { ends: now.saturating_add(One::one()) },
			);
			Settling::<T>::insert(id, ());
		}
		let weight = T::WeightInfo::reveal_result(task.assignments.len() as u32);
		Tasks::<T>::insert(id, task);
		Ok(weight)
	}

	/// Reports `provider`'s `kind` offence in task `id` and lowers its reputation.
	pub(crate) fn fault(
		id: TaskId,
		consumer: &T::AccountId,
		provider: &T::AccountId,
		kind: OffenceKind,
		now: BlockNumberFor<T>,
	) {
		// Only a provably wrong answer pays the consumer part of the slash; liveness faults
		// burn it all (see `OffenceKind::is_liveness`).
		let beneficiary = (!kind.is_liveness()).then(|| consumer.clone());
		let offence = Offence { kind, provider: provider.clone(), task: id, beneficiary };
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
}
