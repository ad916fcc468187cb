use crate::{mock::*, Event, RecentOffences};
use aipin_primitives::{Offence, OffenceKind, ProviderRegistry, ReportOffence, Requirements};
use frame_support::{assert_noop, assert_ok};

const REQ: Requirements =
	Requirements { kernel: 1, min_vram_mib: 1, max_price: 100, work_units: 1 };

fn report_at(task: u64, at: u64) {
	assert_ok!(Slashing::report(
		Offence { kind: OffenceKind::MissedCommit, provider: 1, task, beneficiary: None },
		at
	));
}

#[test]
fn three_offences_within_the_window_jail_the_provider() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		report_at(1, 1);
		report_at(2, 2);
		assert_eq!(RecentOffences::<Test>::get(1).len(), 2);
		report_at(3, 3);
		assert!(slashing_events()
			.contains(&Event::ProviderJailed { provider: 1, until: 3 + JAIL_DURATION }));
		assert!(RecentOffences::<Test>::get(1).is_empty());
		assert!(!Staking::is_eligible(&1, &REQ, 4));
	});
}

#[test]
fn offences_spread_beyond_the_window_do_not_jail() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		report_at(1, 1);
		report_at(2, 1 + JAIL_WINDOW);
		report_at(3, 1 + 2 * JAIL_WINDOW);
		assert!(!slashing_events().iter().any(|e| matches!(e, Event::ProviderJailed { .. })));
	});
}

#[test]
fn offences_at_the_very_first_blocks_count_toward_jail() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		report_at(1, 0);
		report_at(2, 0);
		report_at(3, 0);
		assert!(slashing_events()
			.contains(&Event::ProviderJailed { provider: 1, until: JAIL_DURATION }));
	});
}

#[test]
fn unjail_after_the_term() {
	ExtBuilder::build_and_execute(|| {
		register(1, 10_000);
		for t in 1..=3 {
			report_at(t, 1);
		}
		assert_noop!(
			Slashing::unjail(RuntimeOrigin::signed(1)),
			pallet_compute_staking::Error::<Test>::JailNotExpired
		);
		run_to_block(1 + JAIL_DURATION);
		assert_ok!(Slashing::unjail(RuntimeOrigin::signed(1)));
		assert!(slashing_events().contains(&Event::ProviderUnjailed { provider: 1 }));
		assert_noop!(
			Slashing::unjail(RuntimeOrigin::signed(1)),
			pallet_compute_staking::Error::<Test>::NotJailed
		);
		assert_noop!(
			Slashing::unjail(RuntimeOrigin::signed(2)),
			pallet_compute_staking::Error::<Test>::NotProvider
		);
	});
}
