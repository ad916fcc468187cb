use crate::mock::*;
use aipin_primitives::OffenceKind;
use frame_support::assert_noop;
use pallet_task_escrow::*;

#[test]
fn queued_task_expires_with_a_full_refund() {
	ExtBuilder::default().idle().build_and_execute(|| {
		let (free0, _) = credits(CONSUMER);
		let id = submit(2);
		let Phase::Queued { expires } = phase(id) else { panic!("queued") };
		assert_eq!(expires, 1 + 50 - COMMIT - REVEAL + 1);
		run_to_block(expires - 1);
		assert!(matches!(phase(id), Phase::Queued { .. }));
		// A provider showing up in the last possible block still gets it...
		register(11, GEMM, 5);
		register(12, GEMM, 5);
		let late = submit(2);
		assert_eq!(phase(late), Phase::Queued { expires: now() + 50 - COMMIT - REVEAL + 1 });
		run_to_block(expires);
		// ... but the old one is past its expiry: refunded in full.
		assert_eq!(finished_reason(id), Some(TerminalReason::ExpiredNoProvider));
		assert!(matches!(phase(late), Phase::Commit { .. }));
		let (free, reserved) = credits(CONSUMER);
		assert_eq!(free + reserved, free0);
		assert_eq!(reserved, 40, "only the assigned task holds escrow");
	});
}

#[test]
fn last_block_assignment_leaves_a_full_round() {
	ExtBuilder::default().idle().build_and_execute(|| {
		let id = submit(1);
		let Phase::Queued { expires } = phase(id) else { panic!("queued") };
		run_to_block(expires - 2);
		register(11, GEMM, 5);
		next_block(); // expires - 1: the last block it can be assigned in
		let Phase::Commit { ends } = phase(id) else { panic!("assigned") };
		assert_eq!(ends + REVEAL, task(id).deadline, "the round ends exactly at the deadline");
	});
}

#[test]
fn late_commit_is_refused_and_reported_and_replaced() {
	ExtBuilder::default().providers(vec![(11, 5), (12, 5), (13, 5)]).build_and_execute(|| {
		let id = submit(2);
		next_block();
		let ps = providers_of(id);
		let Phase::Commit { ends } = phase(id) else { panic!("commit phase") };
		commit(id, ps[0], root(1));
		// The window is [assigned, ends): at `ends` it is closed (the timeout ran in
		// `on_initialize`).
		run_to_block(ends);
		assert_noop!(
			Escrow::commit_result(RuntimeOrigin::signed(ps[1] + OPERATOR_OFFSET), id, [1; 32]),
			Error::<Test>::NotAssigned
		);
		assert_eq!(offences_of(ps[1]), vec![OffenceKind::MissedCommit]);
		let t = task(id);
		let replacement = t.assignments[2].provider;
		assert!(![ps[0], ps[1]].contains(&replacement));
		assert_eq!(t.phase, Phase::Commit { ends: now() + COMMIT });
		assert!(escrow_events().contains(&Event::ProvidersReplaced {
			task: id,
			providers: vec![replacement],
			commit_ends: now() + COMMIT
		}));
		commit(id, replacement, root(1));
		reveal(id, ps[0], root(1));
		reveal(id, replacement, root(1));
		// A replica slot faulted along the way, so this is a majority, not unanimity.
		assert_eq!(finished_reason(id), Some(TerminalReason::ResolvedByMajority));
		assert_eq!(work_of(ps[1]), 0);
		assert_eq!(work_of(replacement), 10);
	});
}

#[test]
fn commit_window_closed_when_timeouts_lag() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(1);
		next_block();
		let p = providers_of(id)[0];
		let Phase::Commit { ends } = phase(id) else { panic!("commit phase") };
		// Jump past the window without running hooks: the call itself refuses.
		System::set_block_number(ends);
		assert_noop!(
			Escrow::commit_result(RuntimeOrigin::signed(p + OPERATOR_OFFSET), id, [1; 32]),
			Error::<Test>::CommitWindowClosed
		);
	});
}

/// Nobody can replace the absent replica in time: the one that committed still reveals (so
/// its result stands and its partner's slash pays it), and the consumer gets everything back.
#[test]
fn no_replacement_in_time_lets_the_committed_reveal_then_refunds() {
	ExtBuilder::default().providers(vec![(11, 5), (12, 5), (13, 5)]).build_and_execute(|| {
		let (free0, _) = credits(CONSUMER);
		// Deadline leaves exactly one round.
		let id = NextTaskId::<Test>::get();
		frame_support::assert_ok!(Escrow::submit_task(
			RuntimeOrigin::signed(CONSUMER),
			GEMM,
			params(&[8, 8, 8]),
			seeded(),
			2,
			10,
			now() + 1 + COMMIT + REVEAL,
		));
		next_block();
		let ps = providers_of(id);
		commit(id, ps[0], root(1));
		run_to_block(now() + COMMIT);
		assert!(matches!(phase(id), Phase::Reveal { .. }));
		assert_eq!(offences_of(ps[1]), vec![OffenceKind::MissedCommit]);
		reveal(id, ps[0], root(1));
		assert_eq!(finished_reason(id), Some(TerminalReason::FailedProviderFault));
		assert_eq!(credits(CONSUMER), (free0, 0));
		assert!(offences_of(ps[0]).is_empty(), "the committed provider did nothing wrong");
		assert!(escrow_events().contains(&Event::ReplicaCompensated {
			task: id,
			provider: ps[0],
			offender: ps[1],
			offence: OffenceKind::MissedCommit,
		}));
	});
}

#[test]
fn missed_reveal_is_reported_and_the_rest_decide() {
	ExtBuilder::default().providers(vec![(11, 5), (12, 5), (13, 5)]).build_and_execute(|| {
		let id = submit(3);
		next_block();
		let ps = providers_of(id);
		for p in &ps {
			commit(id, *p, root(4));
		}
		reveal(id, ps[0], root(4));
		reveal(id, ps[1], root(4));
		let Phase::Reveal { ends } = phase(id) else { panic!("reveal phase") };
		System::set_block_number(ends);
		assert_noop!(
			Escrow::reveal_result(
				RuntimeOrigin::signed(ps[2] + OPERATOR_OFFSET),
				id,
				root(4),
				salt_of(ps[2])
			),
			Error::<Test>::RevealWindowClosed
		);
		System::set_block_number(ends - 1);
		run_to_block(ends);
		assert_eq!(offences_of(ps[2]), vec![OffenceKind::MissedReveal]);
		// Two of three agree: a strict majority of the replication.
		assert_eq!(finished_reason(id), Some(TerminalReason::ResolvedByMajority));
		assert_eq!(task(id).result_root, Some(root(4)));
	});
}

#[test]
fn nobody_reveals_fails_the_task() {
	ExtBuilder::default().build_and_execute(|| {
		let (free0, _) = credits(CONSUMER);
		let id = submit(1);
		next_block();
		let p = providers_of(id)[0];
		commit(id, p, root(4));
		run_to_block(now() + REVEAL);
		assert_eq!(finished_reason(id), Some(TerminalReason::FailedProviderFault));
		assert_eq!(offences_of(p), vec![OffenceKind::MissedReveal]);
		assert_eq!(credits(CONSUMER), (free0, 0));
	});
}

#[test]
fn tiebreaker_missing_its_commit_fails_the_task() {
	ExtBuilder::default().providers(vec![(11, 5), (12, 5), (13, 5)]).build_and_execute(|| {
		let id = submit(2);
		next_block();
		let ps = providers_of(id);
		commit(id, ps[0], root(1));
		commit(id, ps[1], root(2));
		reveal(id, ps[0], root(1));
		reveal(id, ps[1], root(2));
		let tb = task(id).assignments[2].provider;
		run_to_block(now() + COMMIT);
		assert_eq!(finished_reason(id), Some(TerminalReason::FailedProviderFault));
		assert_eq!(offences_of(tb), vec![OffenceKind::MissedCommit]);
		assert!(offences_of(ps[0]).is_empty() && offences_of(ps[1]).is_empty());
	});
}

#[test]
fn timeouts_are_bounded_per_block_and_catch_up() {
	ExtBuilder::default().idle().build_and_execute(|| {
		MaxTimeoutsPerBlock::set(2);
		for _ in 0..5 {
			submit(1);
		}
		let Phase::Queued { expires } = phase(0) else { panic!("queued") };
		run_to_block(expires);
		let done = (0..5).filter(|id| finished_reason(*id).is_some()).count();
		assert_eq!(done, 2);
		next_block();
		next_block();
		assert!((0..5).all(|id| finished_reason(id) == Some(TerminalReason::ExpiredNoProvider)));
	});
}

/// A consumer can make every assigned provider miss its commit (an input URL that stalls, a
/// wrong input hash). Before, half of each liveness slash was paid to it, so griefing paid;
/// now the consumer gets nothing from the slashes and only its unspent escrow back.
#[test]
fn a_consumer_earns_nothing_from_the_liveness_slashes_it_can_cause() {
	use frame_support::traits::fungible::Inspect;
	ExtBuilder::default().providers(vec![(11, 5), (12, 5)]).build_and_execute(|| {
		let tokens_before = Balances::balance(&CONSUMER);
		let (credits_before, _) = credits(CONSUMER);
		let id = submit(2);
		next_block();
		let ps = providers_of(id);
		let stake_before: Vec<Balance> = ps.iter().map(Balances::total_balance).collect();
		// Nobody commits (the input could not be had); no replacement is available.
		let Phase::Commit { ends } = phase(id) else { panic!("assigned") };
		run_to_block(ends);
		assert_eq!(finished_reason(id), Some(TerminalReason::FailedProviderFault));
		run_to_block(ends + DEFER + 1);
		for (p, before) in ps.iter().zip(stake_before) {
			assert_eq!(offences_of(*p), vec![OffenceKind::MissedCommit]);
			assert!(Balances::total_balance(p) < before, "provider {p} was slashed");
		}
		let slashes: Vec<_> = pallet_compute_slashing::Slashes::<Test>::iter_values().collect();
		assert!(slashes.iter().all(|r| r.offence.beneficiary.is_none()));
		assert!(slashes.iter().all(|r| matches!(
			r.status,
			pallet_compute_slashing::SlashStatus::Applied(o) if o.rewarded == 0 && o.burned > 0
		)));
		assert_eq!(Balances::balance(&CONSUMER), tokens_before, "no slash reward");
		assert_eq!(credits(CONSUMER), (credits_before, 0), "escrow refunded, nothing more");
	});
}

fn timeout_entries(id: u64) -> Vec<u64> {
	Timeouts::<Test>::iter_keys().filter(|(_, t)| *t == id).map(|(end, _)| end).collect()
}

/// A task keeps exactly one timeout entry, its open window's, and none once finished. Before,
/// every task left its queue, commit and reveal entries behind, and stale entries used up
/// `MaxTimeoutsPerBlock` (capping settlement at about 10 tasks a block in the runtime).
#[test]
fn a_task_leaves_no_timeout_entry_behind_when_it_moves_on_early() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(2);
		let Phase::Queued { expires } = phase(id) else { panic!("queued") };
		assert_eq!(timeout_entries(id), vec![expires]);
		next_block();
		let ps = providers_of(id);
		let Phase::Commit { ends } = phase(id) else { panic!("commit phase") };
		assert_eq!(timeout_entries(id), vec![ends]);
		for p in &ps {
			commit(id, *p, root(1));
		}
		let Phase::Reveal { ends } = phase(id) else { panic!("reveal phase") };
		assert_eq!(timeout_entries(id), vec![ends]);
		for p in &ps {
			reveal(id, *p, root(1));
		}
		assert_eq!(finished_reason(id), Some(TerminalReason::Completed));
		assert!(timeout_entries(id).is_empty());
		assert_eq!(Timeouts::<Test>::iter().count(), 0);
	});
}

/// Tasks that settled early no longer crowd out those whose window really closes: with a cap of
/// three a block, the three missed commits are all handled in the block their window closes
/// (before, the twelve stale entries of six settled tasks shared that block's three slots).
#[test]
fn only_open_windows_use_the_per_block_cap() {
	ExtBuilder::default().build_and_execute(|| {
		MaxTimeoutsPerBlock::set(3);
		MaxTasksPerProvider::set(64);
		MaxAssignmentsPerBlock::set(16);
		let early: Vec<u64> = (0..6).map(|_| submit(1)).collect();
		let late: Vec<u64> = (0..3).map(|_| submit(1)).collect();
		next_block();
		for id in &early {
			let p = providers_of(*id)[0];
			commit(*id, p, root(1));
			reveal(*id, p, root(1));
			assert_eq!(finished_reason(*id), Some(TerminalReason::Completed));
		}
		let Phase::Commit { ends } = phase(late[0]) else { panic!("commit phase") };
		run_to_block(ends);
		for id in late {
			// Handled in its block: the window moved on (a replacement, or the task ended).
			assert_ne!(phase(id), Phase::Commit { ends }, "task {id}");
		}
	});
}

/// A task of replication 2, assigned, both replicas committed to `root(9)`.
fn committed_task() -> (u64, Vec<AccountId>) {
	let id = submit(2);
	next_block();
	let ps = providers_of(id);
	for p in &ps {
		commit(id, *p, root(9));
	}
	(id, ps)
}

/// How many times task `id` finished (settled).
fn finishes(id: u64) -> usize {
	escrow_events()
		.iter()
		.filter(|e| matches!(e, Event::TaskFinished { task, .. } if *task == id))
		.count()
}

#[test]
fn the_last_reveal_only_records_and_the_same_blocks_on_idle_settles() {
	ExtBuilder::default().build_and_execute(|| {
		let (id, ps) = committed_task();
		next_block();
		let Phase::Reveal { ends } = phase(id) else { panic!("reveal phase") };
		assert!(ends > now() + 1);
		reveal_only(id, ps[0], root(9));
		assert!(!Settling::<Test>::contains_key(id), "a reveal is still awaited");
		reveal_only(id, ps[1], root(9));
		// The call settled nothing: it scheduled the settlement and moved the fallback to the
		// next block.
		assert_eq!(phase(id), Phase::Reveal { ends: now() + 1 });
		assert!(Settling::<Test>::contains_key(id));
		assert_eq!(Timeouts::<Test>::iter_keys().collect::<Vec<_>>(), vec![(now() + 1, id)]);
		assert_eq!(finishes(id), 0);
		let block = now();
		idle();
		assert_eq!(phase(id), Phase::Finished { reason: TerminalReason::Completed, at: block });
		assert!(!Settling::<Test>::contains_key(id));
		assert_eq!(Timeouts::<Test>::iter_keys().count(), 0, "no timeout left behind");
		// The fallback finds nothing to do, and nothing is settled twice.
		next_block();
		assert_eq!(finishes(id), 1);
	});
}

#[test]
fn a_block_without_room_to_settle_leaves_it_to_the_next_blocks_timeout() {
	ExtBuilder::default().build_and_execute(|| {
		use frame_support::traits::OnIdle;
		let (id, ps) = committed_task();
		for p in &ps {
			reveal_only(id, *p, root(9));
		}
		// No weight left in this block: nothing settles, nothing is lost.
		let used = <Escrow as OnIdle<u64>>::on_idle(now(), frame_support::weights::Weight::zero());
		assert_eq!(used, frame_support::weights::Weight::zero());
		assert!(matches!(phase(id), Phase::Reveal { .. }));
		// The next block's `on_initialize` settles it through the reveal window's timeout.
		let block = now() + 1;
		System::run_to_block::<AllPalletsWithSystem>(block);
		assert_eq!(phase(id), Phase::Finished { reason: TerminalReason::Completed, at: block });
		assert!(offences_of(ps[0]).is_empty() && offences_of(ps[1]).is_empty(), "nobody missed");
		// Its `Settling` entry is now stale: `on_idle` drops it without a second settlement.
		assert!(Settling::<Test>::contains_key(id));
		idle();
		assert!(!Settling::<Test>::contains_key(id));
		assert_eq!(finishes(id), 1);
	});
}
