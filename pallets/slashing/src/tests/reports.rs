use crate::{mock::*, Error, Event, Reported, SlashRecord, SlashStatus, Slashes};
use aipin_primitives::{Offence, OffenceKind, ProviderRegistry, ReportOffence};
use frame_support::{assert_noop, assert_ok};

fn offence(kind: OffenceKind, provider: u64, task: u64, beneficiary: Option<u64>) -> Offence<u64> {
	Offence { kind, provider, task, beneficiary }
}

#[test]
fn a_report_schedules_the_kinds_fraction_of_slashable_stake() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		assert_ok!(pallet_compute_staking::Pallet::<Test>::unbond(RuntimeOrigin::signed(1), 2_000));
		assert_ok!(Slashing::report(offence(OffenceKind::WrongResult, 1, 7, Some(2)), 1));
		assert_eq!(
			Slashes::<Test>::get(0),
			Some(SlashRecord {
				offence: offence(OffenceKind::WrongResult, 1, 7, Some(2)),
				amount: 1_000, // 10% of active 8000 + unlocking 2000
				reported_at: 1,
				apply_at: 1 + DEFER,
				status: SlashStatus::Pending,
			})
		);
		assert_eq!(Reported::<Test>::get((OffenceKind::WrongResult, 7, 1)), Some(0));
		assert_eq!(
			slashing_events(),
			vec![Event::OffenceReported {
				slash_id: 0,
				provider: 1,
				kind: OffenceKind::WrongResult,
				task: 7,
				amount: 1_000,
				apply_at: 1 + DEFER
			}]
		);
		// nothing is taken yet
		assert_eq!(held(1), 10_000);
	});
}

#[test]
fn each_kind_has_its_own_fraction() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		let kinds = [
			(OffenceKind::WrongResult, 1_000),
			(OffenceKind::InvalidReveal, 2_000),
			(OffenceKind::MissedCommit, 100),
			(OffenceKind::MissedReveal, 200),
			(OffenceKind::FailedCanary, 3_000),
		];
		for (i, (kind, expected)) in kinds.into_iter().enumerate() {
			// spread out so the provider is not jailed
			assert_ok!(Slashing::report(offence(kind, 1, i as u64, None), 1 + 200 * i as u64));
			assert_eq!(Slashes::<Test>::get(i as u64).unwrap().amount, expected, "{kind:?}");
		}
	});
}

#[test]
fn the_same_offence_is_never_reported_twice() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		assert_ok!(Slashing::report(offence(OffenceKind::WrongResult, 1, 7, None), 1));
		assert_noop!(
			Slashing::report(offence(OffenceKind::WrongResult, 1, 7, Some(3)), 2),
			Error::<Test>::AlreadyReported
		);
		// a different kind, task or provider is a different offence
		assert_ok!(Slashing::report(offence(OffenceKind::InvalidReveal, 1, 7, None), 2));
		assert_ok!(Slashing::report(offence(OffenceKind::WrongResult, 1, 8, None), 2));
	});
}

/// Records are bounded, but the bound never disables punishment: a provider that fills the
/// record store with its own offences (say, sybils that miss commits on purpose) and then
/// cheats is still slashed, at once, and still jailed.
#[test]
fn at_the_record_bound_offences_are_slashed_at_once_and_still_jail() {
	ExtBuilder::build_and_execute(|| {
		MaxSlashRecords::set(2);
		register(1, 10_000);
		register(2, 10_000);
		assert_ok!(Slashing::report(offence(OffenceKind::MissedCommit, 1, 1, None), 1));
		assert_ok!(Slashing::report(offence(OffenceKind::MissedCommit, 1, 2, None), 1));
		assert_eq!(Slashes::<Test>::count(), 2);
		// Full: provider 2's wrong result is slashed in the same block, beneficiary paid.
		let before = <Staking as ProviderRegistry<_, _, _>>::slashable_stake(&2);
		assert_ok!(Slashing::report(offence(OffenceKind::WrongResult, 2, 3, Some(9)), 1));
		assert_eq!(Slashes::<Test>::count(), 2, "no record beyond the bound");
		let taken = Slashing::fraction(OffenceKind::WrongResult) * before;
		assert_eq!(<Staking as ProviderRegistry<_, _, _>>::slashable_stake(&2), before - taken);
		assert!(slashing_events().iter().any(|e| matches!(
			e,
			Event::SlashApplied { slash_id: 2, provider: 2, slashed, .. } if *slashed == taken
		)));
		// Provider 1's third offence in the window jails it, record or not.
		assert_ok!(Slashing::report(offence(OffenceKind::MissedCommit, 1, 4, None), 1));
		assert!(slashing_events()
			.iter()
			.any(|e| matches!(e, Event::ProviderJailed { provider: 1, .. })));
		let jailed = pallet_compute_staking::Providers::<Test>::get(1).unwrap().jailed_until;
		assert!(jailed.is_some_and(|until| until > 1));
	});
}

#[test]
fn there_is_no_extrinsic_to_report_an_offence() {
	// Offences only come from other pallets' verdicts; the call enum has only governance's
	// cancel and a provider's unjail.
	let calls: Vec<&str> =
		<crate::Call<Test> as frame_support::traits::GetCallName>::get_call_names().to_vec();
	assert_eq!(calls, vec!["cancel_slash", "unjail"]);
}
