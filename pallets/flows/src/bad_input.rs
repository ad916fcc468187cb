//! Bad input is not a provider fault (THREATS 15, 27). A consumer can make an external input
//! unusable — a URL that stalls, bytes of another size or hash — and used to get every assigned
//! provider slashed for a missed commit (three such tasks a day jailed it). Now replicas report
//! the input instead of committing: a majority's report ends the task `BadInput`, nobody is
//! slashed, and the consumer forfeits `ConsumerFaultFee` of its escrow (destroyed, so reporting
//! earns providers nothing). A report the majority does not share is a missed commit.

use crate::mock::*;
use aipin_primitives::{InputFault, OffenceKind};
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect, BoundedVec};
use pallet_task_escrow::*;

/// Submits an 8×8×8 GEMM (2 work units, 128 input bytes) with an external input; max price 10.
fn submit_external(r: u8) -> u64 {
	submit_external_at(r, 10)
}

/// [`submit_external`] at `max_price`.
fn submit_external_at(r: u8, max_price: u128) -> u64 {
	let id = NextTaskId::<Test>::get();
	assert_ok!(Escrow::submit_task(
		RuntimeOrigin::signed(CONSUMER),
		GEMM,
		params(&[8, 8, 8]),
		TaskInput::External {
			url: BoundedVec::truncate_from(b"https://example.com/x.bin".to_vec()),
			hash: [3; 32],
			size: 128,
		},
		r,
		max_price,
		now() + 50,
	));
	id
}

fn report(
	id: u64,
	provider: AccountId,
	fault: InputFault,
) -> frame_support::dispatch::DispatchResultWithPostInfo {
	Escrow::report_input(RuntimeOrigin::signed(provider + OPERATOR_OFFSET), id, fault)
}

fn no_slashes() -> bool {
	pallet_compute_slashing::Slashes::<Test>::iter().next().is_none()
}

#[test]
fn a_majority_report_ends_the_task_with_no_slash_and_the_consumer_pays_the_fee() {
	ExtBuilder::default().providers(vec![(11, 5), (12, 5), (13, 5)]).build_and_execute(|| {
		let (free_before, _) = credits(CONSUMER);
		let id = submit_external(3);
		next_block();
		let ps = providers_of(id);
		let stakes: Vec<Balance> = ps.iter().map(Balances::total_balance).collect();
		assert_ok!(report(id, ps[0], InputFault::WrongHash));
		assert_eq!(finished_reason(id), None, "one of three is not a majority");
		assert_ok!(report(id, ps[1], InputFault::Unreachable));
		assert_eq!(finished_reason(id), Some(TerminalReason::BadInput), "ends at once");
		// Escrow 2 units × 10 × 3 = 60 credits; 10% forfeited, the rest refunded.
		assert_eq!(credits(CONSUMER), (free_before - 6, 0));
		assert!(escrow_events().contains(&Event::ConsumerFeeForfeited {
			task: id,
			consumer: CONSUMER,
			credits: 6
		}));
		assert_eq!(pallet_bme::Stats::<Test>::get().credits_forfeited, 6);
		// The third replica never acted, and is not slashed either: the input was bad.
		run_to_block(now() + COMMIT + DEFER + 1);
		assert!(no_slashes(), "nobody is slashed for a consumer's bad input");
		for (p, before) in ps.iter().zip(stakes) {
			assert_eq!(Balances::total_balance(p), before, "provider {p} lost nothing");
			assert_eq!(work_of(*p), 0);
		}
	});
}

#[test]
fn with_one_replica_its_report_is_the_majority() {
	ExtBuilder::default().providers(vec![(11, 5)]).build_and_execute(|| {
		let id = submit_external(1);
		next_block();
		assert_ok!(report(id, 11, InputFault::WrongSize));
		assert_eq!(finished_reason(id), Some(TerminalReason::BadInput));
		assert!(no_slashes());
	});
}

/// A lazy provider cannot skip work by calling good input bad: when the others commit, its
/// report is a missed commit, and its slash pays the replica that did the work if that one's
/// result ends up standing alone.
#[test]
fn a_report_the_majority_does_not_share_is_a_missed_commit() {
	ExtBuilder::default().providers(vec![(11, 5), (12, 5), (13, 5)]).build_and_execute(|| {
		let id = submit_external(3);
		next_block();
		let ps = providers_of(id);
		commit(id, ps[0], root(1));
		commit(id, ps[1], root(1));
		assert_ok!(report(id, ps[2], InputFault::Unreachable));
		// Everyone acted: the commit phase closes at once, the reporter out.
		assert!(matches!(phase(id), Phase::Reveal { .. }));
		assert_eq!(offences_of(ps[2]), vec![OffenceKind::MissedCommit]);
		reveal(id, ps[0], root(1));
		reveal(id, ps[1], root(1));
		assert_eq!(finished_reason(id), Some(TerminalReason::ResolvedByMajority));
	});
}

#[test]
fn a_minority_report_at_the_window_end_is_a_missed_commit_too() {
	ExtBuilder::default().providers(vec![(11, 5), (12, 5)]).build_and_execute(|| {
		let (free_before, _) = credits(CONSUMER);
		let id = submit_external(2);
		next_block();
		let ps = providers_of(id);
		assert_ok!(report(id, ps[0], InputFault::Unreachable));
		let Phase::Commit { ends } = phase(id) else { panic!("commit phase") };
		run_to_block(ends);
		// One of two is not a strict majority: both slots missed their commit.
		assert_eq!(finished_reason(id), Some(TerminalReason::FailedProviderFault));
		assert_eq!(offences_of(ps[0]), vec![OffenceKind::MissedCommit]);
		assert_eq!(offences_of(ps[1]), vec![OffenceKind::MissedCommit]);
		assert_eq!(credits(CONSUMER), (free_before, 0), "no fee without a majority");
	});
}

#[test]
fn a_consumer_cannot_cancel_away_its_input_fee() {
	ExtBuilder::default().providers(vec![(11, 5), (12, 5)]).build_and_execute(|| {
		let id = submit_external(2);
		next_block();
		assert_ok!(report(id, providers_of(id)[0], InputFault::WrongHash));
		assert_noop!(
			Escrow::cancel_task(RuntimeOrigin::signed(CONSUMER), id),
			Error::<Test>::TooLateToCancel
		);
	});
}

#[test]
fn only_an_assigned_replica_reports_an_external_input_in_the_commit_window() {
	ExtBuilder::default().providers(vec![(11, 5), (12, 5), (13, 5), (14, 5)]).build_and_execute(
		|| {
			// Inputs on chain cannot be bad.
			let seeded = submit(2);
			next_block();
			let p = providers_of(seeded)[0];
			assert_noop!(report(seeded, p, InputFault::WrongHash), Error::<Test>::InputNotExternal);

			let id = submit_external(3);
			assert_noop!(report(id, 11, InputFault::WrongHash), Error::<Test>::NotCommitPhase);
			next_block();
			let ps = providers_of(id);
			let outsider = [11, 12, 13, 14].into_iter().find(|p| !ps.contains(p)).unwrap();
			assert_noop!(
				Escrow::report_input(RuntimeOrigin::signed(ps[0]), id, InputFault::WrongHash),
				Error::<Test>::NotOperator
			);
			assert_noop!(report(id, outsider, InputFault::WrongHash), Error::<Test>::NotAssigned);
			assert_noop!(report(99, ps[0], InputFault::WrongHash), Error::<Test>::UnknownTask);
			commit(id, ps[0], root(1));
			assert_noop!(report(id, ps[0], InputFault::WrongHash), Error::<Test>::AlreadyCommitted);
			assert_ok!(report(id, ps[1], InputFault::WrongHash));
			assert_noop!(report(id, ps[1], InputFault::WrongSize), Error::<Test>::AlreadyCommitted);
		},
	);
}

#[test]
fn the_window_must_be_open_and_the_task_unfinished() {
	ExtBuilder::default().providers(vec![(11, 5), (12, 5)]).build_and_execute(|| {
		let id = submit_external(2);
		next_block();
		let ps = providers_of(id);
		let Phase::Commit { ends } = phase(id) else { panic!("commit phase") };
		// The window is [assigned, ends): at `ends` it is closed, hooks or not.
		System::set_block_number(ends);
		assert_noop!(report(id, ps[0], InputFault::Unreachable), Error::<Test>::CommitWindowClosed);
		System::set_block_number(ends - 1);
		run_to_block(ends);
		assert_noop!(report(id, ps[0], InputFault::Unreachable), Error::<Test>::TaskFinished);
	});
}

#[test]
fn a_tiebreaker_cannot_report_the_input() {
	ExtBuilder::default().providers(vec![(11, 5), (12, 5), (13, 5), (14, 5)]).build_and_execute(
		|| {
			let id = submit_external(2);
			next_block();
			let ps = providers_of(id);
			commit(id, ps[0], root(1));
			commit(id, ps[1], root(2));
			reveal(id, ps[0], root(1));
			reveal(id, ps[1], root(2));
			let tb = task(id).assignments[2].provider;
			assert_noop!(report(id, tb, InputFault::Unreachable), Error::<Test>::NotAReplica);
		},
	);
}

/// A model stored off chain is fetched by every provider like an external input, so a program
/// that cannot be had or is not what its registration declares is the consumer's choice, not
/// a provider's fault: replicas report it whatever the task's input is, a majority ends the
/// task `BadInput`, and nobody is slashed. Without that, a lying registration (or a URL that
/// went away) would get every provider that took its tasks slashed for missed commits.
#[test]
fn a_program_fetched_by_url_that_is_not_as_declared_is_reported_and_nobody_is_slashed() {
	// A seeded GEMM task cannot be reported while its code is on chain...
	ExtBuilder::default().build_and_execute(|| {
		let on_chain = submit(2);
		next_block();
		let p = providers_of(on_chain)[0];
		assert_noop!(
			report(on_chain, p, InputFault::ProgramMismatch),
			Error::<Test>::InputNotExternal
		);
	});
	// ... and can once its kernel runs a program fetched off chain.
	ExtBuilder::default().build_and_execute(|| {
		FetchedHashes::set(vec![gemm_spec().wgsl_hash]);
		let (free_before, _) = credits(CONSUMER);
		let id = submit(2);
		next_block();
		let ps = providers_of(id);
		assert_ok!(report(id, ps[0], InputFault::ProgramMismatch));
		assert_ok!(report(id, ps[1], InputFault::WrongHash));
		assert_eq!(finished_reason(id), Some(TerminalReason::BadInput));
		// Escrow 2 units × 10 × 2 = 40 credits; 10% forfeited, the rest refunded.
		assert_eq!(credits(CONSUMER), (free_before - 4, 0));
		run_to_block(now() + COMMIT + REVEAL + DEFER + 2);
		assert!(no_slashes(), "nobody is slashed");
	});
}

/// A consumer griefing with tasks priced at next to nothing still pays for every bad input: it
/// forfeits at least the `SubmissionDeposit`, which an honest task gets back whole.
#[test]
fn a_bad_input_costs_at_least_the_deposit_however_cheap_the_task() {
	ExtBuilder::default().providers(vec![(11, 1), (12, 1)]).build_and_execute(|| {
		SubmissionDeposit::set(500);
		let (free, _) = credits(CONSUMER);
		// The cheapest task: 2 work units at 1 credit, r = 2; its escrow holds the deposit too.
		let id = submit_external_at(2, 1);
		assert_eq!(task(id).escrow, 2 * 2 + 500);
		assert_eq!(credits(CONSUMER), (free - 504, 504));
		next_block();
		for p in providers_of(id) {
			assert_ok!(report(id, p, InputFault::WrongHash));
		}
		assert_eq!(finished_reason(id), Some(TerminalReason::BadInput));
		// 10% of 504 is 50: the deposit is the floor. The price part comes back.
		assert_eq!(credits(CONSUMER), (free - 500, 0));
		assert!(escrow_events().contains(&Event::ConsumerFeeForfeited {
			task: id,
			consumer: CONSUMER,
			credits: 500
		}));
		assert!(no_slashes());

		// The same consumer's honest task: the providers are paid their asks, the deposit
		// is refunded in full.
		let (free, _) = credits(CONSUMER);
		let id = NextTaskId::<Test>::get();
		assert_ok!(submit_with(GEMM, &[8, 8, 8], seeded(), 2, 1, now() + 50));
		next_block();
		for p in providers_of(id) {
			commit(id, p, root(1));
		}
		for p in providers_of(id) {
			reveal(id, p, root(1));
		}
		assert_eq!(finished_reason(id), Some(TerminalReason::Completed));
		assert_eq!(credits(CONSUMER), (free - 2 * 2, 0), "only the price is spent");

		// Cancelled while queued: all back; after assignment: the deposit is forfeited.
		let (free, _) = credits(CONSUMER);
		assert_ok!(submit_with(GEMM, &[8, 8, 8], seeded(), 2, 1, now() + 50));
		let queued = NextTaskId::<Test>::get() - 1;
		assert_ok!(Escrow::cancel_task(RuntimeOrigin::signed(CONSUMER), queued));
		assert_eq!(credits(CONSUMER), (free, 0));
		assert_ok!(submit_with(GEMM, &[8, 8, 8], seeded(), 2, 1, now() + 50));
		let assigned = NextTaskId::<Test>::get() - 1;
		next_block();
		assert!(matches!(phase(assigned), Phase::Commit { .. }));
		assert_ok!(Escrow::cancel_task(RuntimeOrigin::signed(CONSUMER), assigned));
		assert_eq!(credits(CONSUMER), (free - 500, 0));
	});
}
