//! The `ProviderRegistry` trait other pallets use: reputation, jail, slash, lookups.

use crate::{mock::*, Error, Event, Providers, Reputation, REPUTATION_MAX, REPUTATION_NEUTRAL};
use aipin_primitives::{ProviderRegistry, Requirements, SlashOutcome, TaskOutcome};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::Perbill;

const REQ: Requirements =
	Requirements { kernel: 1, min_vram_mib: 1, max_price: 100, work_units: 1 };

#[test]
fn lookups_map_operators_stashes_stake_and_price() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		assert_eq!(Staking::stash_of(&op(1)), Some(1));
		assert_eq!(Staking::stash_of(&1), None);
		assert_eq!(Staking::operator_of(&1), Some(op(1)));
		assert_eq!(Staking::ask_price(&1), Some(10));
		assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 1_000));
		assert_eq!(Staking::slashable_stake(&1), 5_000, "unlocking stake is still slashable");
		assert_eq!(Staking::slashable_stake(&9), 0);
	});
}

#[test]
fn eligibility_checks_every_requirement() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000); // kernels [1,2], 8192 MiB, ask 10
		assert!(Staking::is_eligible(&1, &REQ, 1));
		assert!(!Staking::is_eligible(&1, &Requirements { kernel: 3, ..REQ }, 1));
		assert!(!Staking::is_eligible(&1, &Requirements { min_vram_mib: 8193, ..REQ }, 1));
		assert!(!Staking::is_eligible(&1, &Requirements { max_price: 9, ..REQ }, 1));
		// Throughput 1,000 units/s for 60 s of compute: 60,000 units at most.
		assert!(Staking::is_eligible(&1, &Requirements { work_units: 60_000, ..REQ }, 1));
		assert!(!Staking::is_eligible(&1, &Requirements { work_units: 60_001, ..REQ }, 1));
		assert!(!Staking::is_eligible(&2, &REQ, 1), "not a provider");
		assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 5_000));
		assert!(!Staking::is_eligible(&1, &REQ, 1), "nothing bonded");
	});
}

#[test]
fn success_raises_and_fault_lowers_reputation() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		Staking::record_outcome(&1, TaskOutcome::Success, 1);
		let up = REPUTATION_NEUTRAL + (REPUTATION_MAX - REPUTATION_NEUTRAL) / 10;
		assert_eq!(Providers::<Test>::get(1).unwrap().reputation.value, up);
		Staking::record_outcome(&1, TaskOutcome::ProviderFault, 1);
		assert_eq!(Providers::<Test>::get(1).unwrap().reputation.value, up - up / 5);
		assert!(staking_events().contains(&Event::ReputationChanged {
			stash: 1,
			old: REPUTATION_NEUTRAL,
			new: up
		}));
	});
}

#[test]
fn reputation_decays_toward_neutral() {
	ExtBuilder::default().build_and_execute(|| {
		let high = Reputation { value: 900_000, updated_at: 0u64 };
		assert_eq!(Staking::reputation_at(&high, 0), 900_000);
		assert_eq!(Staking::reputation_at(&high, HALF_LIFE), 700_000);
		assert_eq!(Staking::reputation_at(&high, 2 * HALF_LIFE), 600_000);
		assert_eq!(Staking::reputation_at(&high, 1_000 * HALF_LIFE), REPUTATION_NEUTRAL);
		let low = Reputation { value: 100_000, updated_at: 0u64 };
		assert_eq!(Staking::reputation_at(&low, HALF_LIFE), 300_000);
		assert_eq!(Staking::reputation_at(&low, u64::MAX), REPUTATION_NEUTRAL);
	});
}

#[test]
fn reputation_stays_within_bounds_under_many_outcomes() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		for _ in 0..500 {
			Staking::record_outcome(&1, TaskOutcome::Success, 1);
		}
		assert!(Providers::<Test>::get(1).unwrap().reputation.value <= REPUTATION_MAX);
		for _ in 0..500 {
			Staking::record_outcome(&1, TaskOutcome::ProviderFault, 1);
		}
		assert!(Providers::<Test>::get(1).unwrap().reputation.value < 1_000);
	});
}

#[test]
fn jail_bars_new_work_until_unjailed_after_the_term() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		assert_ok!(Staking::jail(&1, 6));
		assert!(!Staking::is_eligible(&1, &REQ, 5));
		assert_noop!(Staking::unjail(&1, 5), Error::<Test>::JailNotExpired);
		// a shorter jail does not cut a running one short
		assert_ok!(Staking::jail(&1, 3));
		assert_eq!(Providers::<Test>::get(1).unwrap().jailed_until, Some(6));
		assert_ok!(Staking::unjail(&1, 6));
		assert!(Staking::is_eligible(&1, &REQ, 6));
		assert_noop!(Staking::unjail(&1, 7), Error::<Test>::NotJailed);
		assert_noop!(Staking::jail(&2, 9), Error::<Test>::NotProvider);
		let events = staking_events();
		assert!(events.contains(&Event::ProviderJailed { stash: 1, until: 6 }));
		assert!(events.contains(&Event::ProviderUnjailed { stash: 1 }));
	});
}

#[test]
fn slash_takes_active_then_newest_unlocking_pays_the_beneficiary_and_burns_the_rest() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 1_000)); // active 4000, unlocking 1000
		let issuance = Balances::total_issuance();
		let out = Staking::slash(&1, 4_500, Some(&7), Perbill::from_percent(10)).unwrap();
		assert_eq!(out, SlashOutcome { slashed: 4_500, rewarded: 450, burned: 4_050 });
		let info = Providers::<Test>::get(1).unwrap();
		assert_eq!(info.active, 0);
		assert_eq!(info.unlocking[0].value, 500);
		assert_eq!(held(1), 500);
		assert_eq!(free(7), ENDOWMENT + 450);
		assert_eq!(Balances::total_issuance(), issuance - 4_050);
		assert_eq!(
			staking_events().last(),
			Some(&Event::StakeSlashed {
				stash: 1,
				slashed: 4_500,
				rewarded: 450,
				burned: 4_050,
				beneficiary: Some(7)
			})
		);
	});
}

#[test]
fn slash_never_takes_more_than_is_held() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		let out = Staking::slash(&1, 1_000_000, None, Perbill::from_percent(50)).unwrap();
		assert_eq!(out, SlashOutcome { slashed: 5_000, rewarded: 0, burned: 5_000 });
		assert_eq!(held(1), 0);
		assert_eq!(free(1), ENDOWMENT - 5_000);
		assert!(Staking::slash(&2, 1, None, Perbill::zero()).is_err());
	});
}

#[test]
fn a_beneficiary_that_cannot_receive_gets_its_share_burned() {
	// Account 99 does not exist and the reward (0) is below the existential deposit (1)? Use a
	// reward so small it rounds to zero: everything is burned.
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		let out = Staking::slash(&1, 5, Some(&99), Perbill::from_percent(10)).unwrap();
		assert_eq!(out, SlashOutcome { slashed: 5, rewarded: 0, burned: 5 });
	});
}
