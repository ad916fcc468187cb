use crate::mock::*;
use aipin_primitives::ProviderRegistry;
use frame_support::{assert_noop, assert_ok};
use pallet_task_escrow::*;

/// Runs a task with `replication` replicas through the happy path and checks every payment
/// and refund to the credit. Providers ask 3, 4 and 6; max price 10; 2 work units.
fn happy_path(replication: u8) {
	ExtBuilder::default().providers(vec![(11, 3), (12, 4), (13, 6)]).build_and_execute(|| {
		let (free0, _) = credits(CONSUMER);
		let id = submit(replication);
		let escrow = 2 * 10 * replication as u128;
		assert_eq!(credits(CONSUMER), (free0 - escrow, escrow));

		// Not assigned in its own block: the submitter must not see the seed.
		assert!(matches!(phase(id), Phase::Queued { .. }));
		next_block();
		let ps = providers_of(id);
		assert_eq!(ps.len(), replication as usize);
		let mut sorted = ps.clone();
		sorted.dedup();
		assert_eq!(sorted.len(), ps.len(), "distinct providers");
		assert_eq!(phase(id), Phase::Commit { ends: now() + COMMIT });
		assert!(Queue::<Test>::get().is_empty());
		for p in &ps {
			assert_eq!(ProviderTasks::<Test>::get(p).len(), 1);
			assert_eq!(<Escrow as aipin_primitives::InFlightTasks<_>>::in_flight(p), 1);
		}

		for p in &ps {
			commit(id, *p, root(9));
		}
		assert_eq!(phase(id), Phase::Reveal { ends: now() + REVEAL });
		next_block();
		for p in &ps {
			reveal(id, *p, root(9));
		}

		assert_eq!(finished_reason(id), Some(TerminalReason::Completed));
		let t = task(id);
		assert_eq!(t.result_root, Some(root(9)));
		assert_eq!(t.escrow, 0);
		let ask = |p: u64| match p {
			11 => 3u128,
			12 => 4,
			_ => 6,
		};
		let paid: u128 = ps.iter().map(|p| ask(*p) * 2).sum();
		for p in &ps {
			// Paid its ask × units; counted as work for the BME pool only when verified.
			let verified = if replication >= 2 { ask(*p) * 2 } else { 0 };
			assert_eq!(work_of(*p), verified, "provider {p}'s verified work");
			assert!(escrow_events().contains(&Event::ProviderPaid {
				task: id,
				provider: *p,
				credits: ask(*p) * 2
			}));
			assert_eq!(ProviderTasks::<Test>::get(p).len(), 0);
		}
		// Exact to the last credit: the consumer paid the asks, got the rest back.
		assert_eq!(credits(CONSUMER), (free0 - paid, 0));
		assert!(matches!(
			escrow_events().last(),
			Some(Event::TaskFinished { reason: TerminalReason::Completed, paid: p, refunded: r, .. })
				if *p == paid && *r == escrow - paid
		));
		assert!(offences_of(11).is_empty() && offences_of(12).is_empty());
		assert_eq!(OpenTasks::<Test>::get(CONSUMER), 0);
		assert_eq!(TaskInputs::<Test>::get(id), None, "input dropped when finished");
	});
}

#[test]
fn lifecycle_replication_1() {
	happy_path(1);
}

#[test]
fn lifecycle_replication_2() {
	happy_path(2);
}

#[test]
fn lifecycle_replication_3() {
	happy_path(3);
}

#[test]
fn reputation_rises_for_paid_providers() {
	ExtBuilder::default().providers(vec![(11, 3)]).build_and_execute(|| {
		let before = pallet_compute_staking::Providers::<Test>::get(11).unwrap().reputation.value;
		let id = submit(1);
		next_block();
		commit(id, 11, root(1));
		reveal(id, 11, root(1));
		let after = pallet_compute_staking::Providers::<Test>::get(11).unwrap().reputation.value;
		assert!(after > before, "{after} > {before}");
	});
}

#[test]
fn cheap_providers_only_when_price_is_low() {
	ExtBuilder::default().providers(vec![(11, 3), (12, 20)]).build_and_execute(|| {
		// Max price 5: only provider 11 (ask 3) is eligible.
		let id = submit_as(CONSUMER, 1, 5);
		next_block();
		assert_eq!(providers_of(id), vec![11]);
		// Nobody else can serve a second replica at that price: r = 2 waits.
		let id2 = submit_as(CONSUMER, 2, 5);
		next_block();
		assert!(matches!(phase(id2), Phase::Queued { .. }));
		assert!(Staking::is_eligible(
			&12,
			&aipin_primitives::Requirements {
				kernel: GEMM,
				min_vram_mib: 0,
				max_price: 20,
				work_units: 1,
			},
			now()
		));
	});
}

#[test]
fn commit_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(2);
		let c = [1u8; 32];
		// Not an operator at all.
		assert_noop!(
			Escrow::commit_result(RuntimeOrigin::signed(CONSUMER), id, c),
			Error::<Test>::NotOperator
		);
		// Queued: no commit phase yet.
		assert_noop!(
			Escrow::commit_result(RuntimeOrigin::signed(11 + OPERATOR_OFFSET), id, c),
			Error::<Test>::NotCommitPhase
		);
		assert_noop!(
			Escrow::commit_result(RuntimeOrigin::signed(11 + OPERATOR_OFFSET), 99, c),
			Error::<Test>::UnknownTask
		);
		next_block();
		let ps = providers_of(id);
		let outsider = [11, 12, 13].into_iter().find(|p| !ps.contains(p)).unwrap();
		assert_noop!(
			Escrow::commit_result(RuntimeOrigin::signed(outsider + OPERATOR_OFFSET), id, c),
			Error::<Test>::NotAssigned
		);
		// The stash key is not the operator key.
		assert_noop!(
			Escrow::commit_result(RuntimeOrigin::signed(ps[0]), id, c),
			Error::<Test>::NotOperator
		);
		commit(id, ps[0], root(1));
		assert_noop!(
			Escrow::commit_result(RuntimeOrigin::signed(ps[0] + OPERATOR_OFFSET), id, c),
			Error::<Test>::AlreadyCommitted
		);
		// Reveal before the reveal phase.
		assert_noop!(
			Escrow::reveal_result(
				RuntimeOrigin::signed(ps[0] + OPERATOR_OFFSET),
				id,
				root(1),
				salt_of(ps[0])
			),
			Error::<Test>::NotRevealPhase
		);
		commit(id, ps[1], root(1));
		assert_noop!(
			Escrow::commit_result(RuntimeOrigin::signed(ps[1] + OPERATOR_OFFSET), id, c),
			Error::<Test>::NotCommitPhase
		);
		reveal(id, ps[0], root(1));
		assert_noop!(
			Escrow::reveal_result(
				RuntimeOrigin::signed(ps[0] + OPERATOR_OFFSET),
				id,
				root(1),
				salt_of(ps[0])
			),
			Error::<Test>::AlreadyRevealed
		);
		assert_noop!(
			Escrow::reveal_result(RuntimeOrigin::signed(CONSUMER), id, root(1), [0; 32]),
			Error::<Test>::NotOperator
		);
		assert_noop!(
			Escrow::reveal_result(
				RuntimeOrigin::signed(outsider + OPERATOR_OFFSET),
				id,
				root(1),
				[0; 32]
			),
			Error::<Test>::NotAssigned
		);
		reveal(id, ps[1], root(1));
		// Finished: both calls say so.
		assert_noop!(
			Escrow::commit_result(RuntimeOrigin::signed(ps[0] + OPERATOR_OFFSET), id, c),
			Error::<Test>::TaskFinished
		);
		assert_noop!(
			Escrow::reveal_result(
				RuntimeOrigin::signed(ps[0] + OPERATOR_OFFSET),
				id,
				root(1),
				salt_of(ps[0])
			),
			Error::<Test>::TaskFinished
		);
	});
}

/// Cancelling is free while the task is queued. After assignment the providers may be
/// computing already: cancelling then costs the consumer-fault fee (destroyed), and the rest
/// is refunded.
#[test]
fn cancel_before_any_commit_refunds_all_but_the_fee_once_assigned() {
	ExtBuilder::default().build_and_execute(|| {
		let (free0, _) = credits(CONSUMER);
		// Cancelled while queued.
		let a = submit(2);
		assert_noop!(Escrow::cancel_task(RuntimeOrigin::signed(2), a), Error::<Test>::NotConsumer);
		assert_noop!(
			Escrow::cancel_task(RuntimeOrigin::signed(CONSUMER), 99),
			Error::<Test>::UnknownTask
		);
		assert_ok!(Escrow::cancel_task(RuntimeOrigin::signed(CONSUMER), a));
		assert_eq!(finished_reason(a), Some(TerminalReason::Cancelled));
		assert!(Queue::<Test>::get().is_empty());
		assert_eq!(credits(CONSUMER), (free0, 0));
		assert_noop!(
			Escrow::cancel_task(RuntimeOrigin::signed(CONSUMER), a),
			Error::<Test>::TaskFinished
		);

		// Cancelled after assignment, before any commit: providers are freed; 10% of the
		// escrow of 40 is forfeited.
		let b = submit(2);
		next_block();
		let ps = providers_of(b);
		assert_ok!(Escrow::cancel_task(RuntimeOrigin::signed(CONSUMER), b));
		assert_eq!(credits(CONSUMER), (free0 - 4, 0));
		assert!(escrow_events().contains(&Event::ConsumerFeeForfeited {
			task: b,
			consumer: CONSUMER,
			credits: 4
		}));
		for p in ps {
			assert_eq!(ProviderTasks::<Test>::get(p).len(), 0);
			assert!(offences_of(p).is_empty(), "cancellation is nobody's fault");
		}
		assert!(matches!(
			escrow_events().last(),
			Some(Event::TaskFinished {
				reason: TerminalReason::Cancelled,
				paid: 0,
				refunded: 36,
				..
			})
		));

		// After the first commit it is too late, in the commit and in the reveal phase.
		let c = submit(2);
		next_block();
		let ps = providers_of(c);
		commit(c, ps[0], root(1));
		assert_noop!(
			Escrow::cancel_task(RuntimeOrigin::signed(CONSUMER), c),
			Error::<Test>::TooLateToCancel
		);
		commit(c, ps[1], root(1));
		assert_noop!(
			Escrow::cancel_task(RuntimeOrigin::signed(CONSUMER), c),
			Error::<Test>::TooLateToCancel
		);
	});
}

#[test]
fn busy_providers_are_skipped() {
	ExtBuilder::default().providers(vec![(11, 3), (12, 3)]).build_and_execute(|| {
		MaxTasksPerProvider::set(1);
		let a = submit(1);
		next_block();
		let first = providers_of(a)[0];
		let b = submit(1);
		next_block();
		let second = providers_of(b)[0];
		assert_ne!(first, second, "a full provider gets no second task");
		let c = submit(1);
		next_block();
		assert!(matches!(phase(c), Phase::Queued { .. }), "everyone is full");
		// Once `a` finishes, `c` gets its provider.
		commit(a, first, root(1));
		reveal(a, first, root(1));
		next_block();
		assert_eq!(providers_of(c), vec![first]);
	});
}

#[test]
fn providers_with_tasks_in_flight_cannot_deregister() {
	ExtBuilder::default().providers(vec![(11, 3)]).build_and_execute(|| {
		let id = submit(1);
		next_block();
		assert_ok!(Staking::drain(RuntimeOrigin::signed(11)));
		assert_noop!(
			Staking::deregister(RuntimeOrigin::signed(11)),
			pallet_compute_staking::Error::<Test>::TasksInFlight
		);
		// Draining takes no new work but finishes what it has.
		commit(id, 11, root(1));
		reveal(id, 11, root(1));
		// The in-flight check passes now; what remains is the stake (unbonding is staking's).
		assert_noop!(
			Staking::deregister(RuntimeOrigin::signed(11)),
			pallet_compute_staking::Error::<Test>::StakeRemaining
		);
	});
}

#[test]
fn finished_tasks_are_pruned_after_retention() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(1);
		next_block();
		let p = providers_of(id)[0];
		commit(id, p, root(1));
		reveal(id, p, root(1));
		let done = now();
		assert!(Retired::<Test>::contains_key(done, id));
		// `on_idle` of block `done + RETENTION` prunes it.
		run_to_block(done + RETENTION);
		assert!(Tasks::<Test>::contains_key(id), "kept during retention");
		run_to_block(done + RETENTION + 1);
		assert!(!Tasks::<Test>::contains_key(id), "pruned after retention");
		assert!(!Retired::<Test>::contains_key(done, id));
		assert!(escrow_events().contains(&Event::TaskPruned { task: id }));
		assert_eq!(PruneCursor::<Test>::get(), done + 1);
		assert_noop!(
			Escrow::cancel_task(RuntimeOrigin::signed(CONSUMER), id),
			Error::<Test>::UnknownTask
		);
	});
}
