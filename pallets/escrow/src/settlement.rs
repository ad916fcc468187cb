//! Resolution and settlement: majority, tie-break, payment, refunds, faults.

use crate::{pallet::*, types::*, LOG_TARGET};
use aipin_primitives::{
	ComputeCredits, Credits, Offence, OffenceKind, ProviderRegistry, ReportOffence, TaskId,
	TaskOutcome,
};
use alloc::vec::Vec;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::Saturating;

/// What resolving a task led to (for weight accounting).
pub(crate) enum Resolution {
	/// The task finished.
	Finished,
	/// A tie-breaker was assigned; the task goes on.
	Tiebreak,
}

impl<T: Config> Pallet<T> {
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
		let clean =
			|root: [u8; 32]| task.assignments.iter().all(|a| a.state == SlotState::Revealed(root));
		// A canary's sealed answer decides, whoever revealed it (see `crate::canary`).
		if let Some(root) = Self::take_canary_answer(task) {
			let reason = if clean(root) {
				TerminalReason::Completed
			} else {
				TerminalReason::ResolvedByCanary
			};
			Self::settle(id, task, root, reason, now, true);
			return Resolution::Finished;
		}
		let tiebreaker =
			task.assignments.iter().find(|a| a.role == Role::TieBreaker).map(|a| a.state);
		match tiebreaker {
			None => {
				let best = tally.iter().max_by_key(|(_, n)| *n).copied();
				if let Some((root, _)) = best.filter(|(_, n)| n.saturating_mul(2) > r) {
					let reason = if clean(root) {
						TerminalReason::Completed
					} else {
						TerminalReason::ResolvedByMajority
					};
					Self::settle(id, task, root, reason, now, false);
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
				// One root stands alone because its partners are absent or invalid: a provider
				// fault (the standing replicas are paid from the faulty ones' slashes, see
				// `finish`). Several roots: the replicas disagree and nobody can tell who is right.
				let reason = if tally.len() == 1 {
					TerminalReason::FailedProviderFault
				} else {
					TerminalReason::FailedNoConsensus
				};
				Self::finish(id, task, reason, now, 0);
			},
			Some(SlotState::Revealed(root)) if tally.iter().any(|(x, _)| *x == root) => {
				Self::settle(id, task, root, TerminalReason::ResolvedByTiebreak, now, false);
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

	/// Accepts `root`: pays everyone who revealed it, reports everyone who revealed another
	/// (`WrongResult`, or `FailedCanary` when a canary seal proved `root`), refunds the rest and
	/// finishes the task. The payment counts as verified work (toward the BME work pool) only
	/// when at least two distinct providers revealed `root`, or a canary seal proved it.
	pub(crate) fn settle(
		id: TaskId,
		task: &mut TaskOf<T>,
		root: [u8; 32],
		reason: TerminalReason,
		now: BlockNumberFor<T>,
		canary: bool,
	) {
		let mut paid: Credits = 0;
		let mut reported = 0u32;
		let consumer = task.consumer.clone();
		let agreeing =
			task.assignments.iter().filter(|a| a.state == SlotState::Revealed(root)).count();
		let verified = agreeing >= 2 || canary;
		let wrong = if canary { OffenceKind::FailedCanary } else { OffenceKind::WrongResult };
		for i in 0..task.assignments.len() {
			let Some(a) = task.assignments.get(i).cloned() else { continue };
			match a.state {
				SlotState::Revealed(x) if x == root => {
					let amount =
						// Cannot overflow: `ask ≤ max_price`, whose charge the quote computed.
						aipin_primitives::charge(a.ask, task.work_units, T::PriceUnit::get())
							.unwrap_or(Credits::MAX)
							.min(task.escrow);
					if amount > 0 {
						match T::Credits::spend(&consumer, amount, &a.provider, verified) {
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
						slot.state = SlotState::Faulted(wrong);
					}
					Self::fault(id, &consumer, &a.provider, wrong, now);
					reported.saturating_inc();
				},
				_ => {},
			}
		}
		if canary {
			Self::deposit_event(Event::CanaryChecked {
				task: id,
				result_root: root,
				failed: reported,
			});
		}
		task.result_root = Some(root);
		Self::finish(id, task, reason, now, paid);
	}

	/// Destroys `ConsumerFaultFee` of the task's escrow, but at least its `SubmissionDeposit`:
	/// its consumer wasted the assigned providers' time (bad input, a cancel after assignment).
	pub(crate) fn forfeit_fee(id: TaskId, task: &mut TaskOf<T>) {
		let fee = Self::consumer_fault_fee(task.escrow);
		let forfeited = if fee > 0 { T::Credits::forfeit(&task.consumer, fee) } else { 0 };
		task.escrow = task.escrow.saturating_sub(forfeited);
		TotalEscrowed::<T>::mutate(|t| *t = t.saturating_sub(forfeited));
		Self::deposit_event(Event::ConsumerFeeForfeited {
			task: id,
			consumer: task.consumer.clone(),
			credits: forfeited,
		});
	}

	/// What a consumer forfeits from an escrow of `escrow` credits: `ConsumerFaultFee` of it,
	/// but at least the `SubmissionDeposit` it holds (never more than the escrow).
	pub fn consumer_fault_fee(escrow: Credits) -> Credits {
		(T::ConsumerFaultFee::get() * escrow).max(T::SubmissionDeposit::get()).min(escrow)
	}

	/// Ends a task: refunds what is left in escrow, frees its providers and consumer slot,
	/// drops its input and schedules its pruning.
	pub(crate) fn finish(
		id: TaskId,
		task: &mut TaskOf<T>,
		reason: TerminalReason,
		now: BlockNumberFor<T>,
		paid: Credits,
	) {
		if task.result_root.is_none() {
			Self::compensate_standing(id, task);
		}
		let was_queued = matches!(task.phase, Phase::Queued { .. });
		let left = core::mem::take(&mut task.escrow);
		let refunded = if left > 0 { T::Credits::release(&task.consumer, left) } else { 0 };
		if refunded != left {
			log::error!(target: LOG_TARGET, "task {id}: refunded {refunded} of {left} credits");
		}
		// Whatever the task held — paid out (`paid`) or refunded (`left`) — leaves the total.
		TotalEscrowed::<T>::mutate(|t| *t = t.saturating_sub(left.saturating_add(paid)));
		Self::enter_phase(id, task, Phase::Finished { reason, at: now });
		for a in task.assignments.iter() {
			Self::unindex(&a.provider, id);
		}
		OpenTasks::<T>::mutate_exists(&task.consumer, |o| {
			let n = o.unwrap_or(0).saturating_sub(1);
			*o = (n > 0).then_some(n);
		});
		TaskInputs::<T>::remove(id);
		// A displaced task has already left the queue.
		if was_queued && Outbid::<T>::take(id).is_none() {
			Queue::<T>::mutate(|q| q.retain(|x| x.task != id));
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

	/// Honest work is never unpaid. When a task ends without a result although some replicas
	/// revealed one root that nobody contradicted (their partners were absent or revealed
	/// invalidly), those standing replicas are named beneficiaries of the faulty slots'
	/// pending slashes, in turn: each receives the slashes' reward share when they apply. The
	/// consumer, who got no verified result, is refunded in full by `finish`.
	pub(crate) fn compensate_standing(id: TaskId, task: &TaskOf<T>) {
		let mut roots = task.assignments.iter().filter_map(|a| match a.state {
			SlotState::Revealed(root) => Some(root),
			_ => None,
		});
		let Some(first) = roots.next() else { return };
		if roots.any(|r| r != first) {
			return;
		}
		let standing: Vec<&T::AccountId> = task
			.assignments
			.iter()
			.filter(|a| a.state == SlotState::Revealed(first))
			.map(|a| &a.provider)
			.collect();
		let offenders = task.assignments.iter().filter_map(|a| match a.state {
			SlotState::Faulted(kind) => Some((kind, &a.provider)),
			_ => None,
		});
		for (i, (kind, offender)) in offenders.enumerate() {
			let Some(honest) = standing.get(i % standing.len()) else { return };
			let offence = Offence {
				kind,
				provider: offender.clone(),
				task: id,
				beneficiary: Some((*honest).clone()),
			};
			match T::Offences::set_beneficiary(&offence) {
				Ok(()) => Self::deposit_event(Event::ReplicaCompensated {
					task: id,
					provider: (*honest).clone(),
					offender: offender.clone(),
					offence: kind,
				}),
				Err(e) => log::warn!(
					target: LOG_TARGET,
					"task {id}: naming {honest:?} beneficiary of {offender:?}'s {kind:?}: {e:?}"
				),
			}
		}
	}
}
