use crate::{mock::*, ApplyCursor, Error, Event, PruneCursor, Reported, SlashStatus, Slashes};
use aipin_primitives::{Offence, OffenceKind, ReportOffence, SlashOutcome};
use frame_support::{assert_noop, assert_ok, traits::Hooks};
use sp_runtime::{traits::BadOrigin, Weight};

fn report(provider: u64, task: u64, beneficiary: Option<u64>) {
	assert_ok!(Slashing::report(
		Offence { kind: OffenceKind::WrongResult, provider, task, beneficiary },
		System::block_number()
	));
}

#[test]
fn a_slash_is_applied_after_the_deferral_rewarding_and_burning() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		report(1, 7, Some(2));
		let issuance = Balances::total_issuance();
		run_to_block(DEFER); // one block early
		assert_eq!(held(1), 10_000);
		run_to_block(1 + DEFER);
		assert_eq!(held(1), 9_000);
		assert_eq!(free(2), ENDOWMENT + 500, "half goes to the harmed party");
		assert_eq!(Balances::total_issuance(), issuance - 500, "the rest is burned");
		assert_eq!(CountBurned::total(), 500, "and reported to BME");
		assert_eq!(
			Slashes::<Test>::get(0).unwrap().status,
			SlashStatus::Applied(SlashOutcome { slashed: 1_000, rewarded: 500, burned: 500 })
		);
		assert!(slashing_events().contains(&Event::SlashApplied {
			slash_id: 0,
			provider: 1,
			slashed: 1_000,
			rewarded: 500,
			burned: 500
		}));
	});
}

#[test]
fn the_amount_is_fixed_at_report_time() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		report(1, 7, None); // 10% of 10,000
		assert_ok!(pallet_compute_staking::Pallet::<Test>::bond_extra(
			RuntimeOrigin::signed(1),
			90_000
		));
		run_to_block(1 + DEFER);
		assert_eq!(held(1), 99_000, "bonding more after the offence does not raise the slash");
	});
}

#[test]
fn unbonding_does_not_escape_a_slash() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		report(1, 7, None);
		assert_ok!(pallet_compute_staking::Pallet::<Test>::unbond(
			RuntimeOrigin::signed(1),
			10_000
		));
		run_to_block(1 + DEFER);
		assert_eq!(held(1), 9_000, "taken from the unlocking chunk");
	});
}

#[test]
fn governance_can_cancel_a_pending_slash() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		report(1, 7, None);
		assert_noop!(Slashing::cancel_slash(RuntimeOrigin::signed(1), 0), BadOrigin);
		assert_ok!(Slashing::cancel_slash(RuntimeOrigin::root(), 0));
		assert_eq!(Slashes::<Test>::get(0).unwrap().status, SlashStatus::Cancelled);
		assert!(slashing_events().contains(&Event::SlashCancelled { slash_id: 0, provider: 1 }));
		run_to_block(1 + DEFER + 5);
		assert_eq!(held(1), 10_000, "a cancelled slash takes nothing");
		assert_noop!(
			Slashing::cancel_slash(RuntimeOrigin::root(), 0),
			Error::<Test>::SlashNotPending
		);
		assert_noop!(
			Slashing::cancel_slash(RuntimeOrigin::root(), 9),
			Error::<Test>::SlashNotFound
		);
	});
}

#[test]
fn an_applied_slash_cannot_be_cancelled() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		report(1, 7, None);
		run_to_block(1 + DEFER);
		assert_noop!(
			Slashing::cancel_slash(RuntimeOrigin::root(), 0),
			Error::<Test>::SlashNotPending
		);
	});
}

#[test]
fn many_slashes_due_at_once_spill_over_blocks() {
	ExtBuilder::build_and_execute(|| {
		for p in 1..=8 {
			register(p, 10_000);
			report(p, 1, None);
		}
		// MaxSlashesPerBlock = 3
		run_to_block(1 + DEFER);
		assert_eq!(ApplyCursor::<Test>::get(), 3);
		run_to_block(2 + DEFER);
		assert_eq!(ApplyCursor::<Test>::get(), 6);
		run_to_block(3 + DEFER);
		assert_eq!(ApplyCursor::<Test>::get(), 8);
		for p in 1..=8 {
			assert_eq!(held(p), 9_000);
		}
	});
}

#[test]
fn a_slash_of_a_provider_that_left_fails_cleanly() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		report(1, 7, None);
		// the registry no longer knows it (simulate by slashing a non-provider id)
		assert_ok!(Slashing::report(
			Offence { kind: OffenceKind::MissedCommit, provider: 55, task: 1, beneficiary: None },
			1
		));
		run_to_block(1 + DEFER);
		assert!(slashing_events().contains(&Event::SlashFailed { slash_id: 1, provider: 55 }));
		assert_eq!(held(1), 9_000);
	});
}

#[test]
fn old_records_are_pruned_in_idle_time_and_can_then_be_reported_again() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		report(1, 7, None);
		run_to_block(1 + DEFER);
		// too early to prune
		Slashing::on_idle(RETENTION, Weight::MAX);
		assert!(Slashes::<Test>::get(0).is_some());
		// no weight, no work
		assert_eq!(Slashing::on_idle(2 + RETENTION, Weight::zero()), Weight::zero());
		assert!(Slashes::<Test>::get(0).is_some());
		Slashing::on_idle(1 + RETENTION, Weight::MAX);
		assert!(Slashes::<Test>::get(0).is_none());
		assert!(Reported::<Test>::get((OffenceKind::WrongResult, 7, 1)).is_none());
		assert_eq!(PruneCursor::<Test>::get(), 1);
	});
}

#[test]
fn pending_records_are_never_pruned() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		report(1, 7, None);
		// apply cursor has not passed it: even far in the future, on_idle leaves it
		Slashing::on_idle(1_000, Weight::MAX);
		assert!(Slashes::<Test>::get(0).is_some());
	});
}

#[test]
fn unbond_then_slash_then_withdraw_takes_the_slash_out_of_the_unlocking_stake() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		// the provider cheats, then tries to leave with everything
		report(1, 7, Some(2));
		assert_ok!(pallet_compute_staking::Pallet::<Test>::unbond(
			RuntimeOrigin::signed(1),
			10_000
		));
		assert_noop!(
			pallet_compute_staking::Pallet::<Test>::withdraw_unbonded(RuntimeOrigin::signed(1)),
			pallet_compute_staking::Error::<Test>::NothingToWithdraw
		);
		// the slash lands while the stake is still unlocking
		run_to_block(1 + DEFER);
		assert_eq!(held(1), 9_000);
		// after the unbonding period the provider gets back only what is left
		run_to_block(1 + 200);
		assert_ok!(pallet_compute_staking::Pallet::<Test>::withdraw_unbonded(
			RuntimeOrigin::signed(1)
		));
		assert_eq!(held(1), 0);
		assert_eq!(free(1), ENDOWMENT - 1_000);
		assert_eq!(free(2), ENDOWMENT + 500);
	});
}

/// The escrow learns who an absent replica harmed only when the task ends (the honest replica
/// it left unpaid): it names that beneficiary on the pending slash, which then pays it.
#[test]
fn a_pending_slash_can_name_a_new_beneficiary_who_is_then_paid() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		report(1, 7, None);
		let redirected =
			Offence { kind: OffenceKind::WrongResult, provider: 1, task: 7, beneficiary: Some(3) };
		assert_ok!(<Slashing as ReportOffence<_, _>>::set_beneficiary(&redirected));
		run_to_block(1 + DEFER);
		assert_eq!(free(3), ENDOWMENT + 500, "the new beneficiary gets the reward share");
	});
}

#[test]
fn only_a_pending_slash_of_a_reported_offence_can_be_redirected() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		let o =
			Offence { kind: OffenceKind::WrongResult, provider: 1, task: 7, beneficiary: Some(3) };
		assert_noop!(
			<Slashing as ReportOffence<_, _>>::set_beneficiary(&o),
			Error::<Test>::SlashNotFound
		);
		report(1, 7, None);
		run_to_block(1 + DEFER);
		assert_noop!(
			<Slashing as ReportOffence<_, _>>::set_beneficiary(&o),
			Error::<Test>::SlashNotPending
		);
		let other_task = Offence { task: 8, ..o };
		assert_noop!(
			<Slashing as ReportOffence<_, _>>::set_beneficiary(&other_task),
			Error::<Test>::SlashNotFound
		);
	});
}

#[test]
fn a_providers_pending_slashes_are_listed_until_applied_or_cancelled() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		register(3, 10_000);
		report(1, 7, None);
		report(3, 7, None);
		run_to_block(2);
		report(1, 8, None);
		let pending = |who| {
			Slashing::pending_slashes(who)
				.into_iter()
				.map(|(id, rec)| (id, rec.offence.task, rec.amount, rec.apply_at))
				.collect::<Vec<_>>()
		};
		assert_eq!(pending(1), vec![(0, 7, 1_000, 1 + DEFER), (2, 8, 1_000, 2 + DEFER)]);
		assert_eq!(pending(3), vec![(1, 7, 1_000, 1 + DEFER)]);
		assert_eq!(pending(2), vec![], "a provider with no offence has none");

		assert_ok!(Slashing::cancel_slash(RuntimeOrigin::root(), 2));
		assert_eq!(pending(1), vec![(0, 7, 1_000, 1 + DEFER)], "a cancelled slash is not pending");
		run_to_block(1 + DEFER);
		assert_eq!(pending(1), vec![], "nor is an applied one");
		assert_eq!(held(1), 9_000);
	});
}
