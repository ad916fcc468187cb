use crate::{mock::*, Error, Event, Providers, UnlockChunk};
use frame_support::{assert_noop, assert_ok, dispatch::GetDispatchInfo};

#[test]
fn bond_extra_holds_more() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		assert_ok!(Staking::bond_extra(RuntimeOrigin::signed(1), 2_500));
		assert_eq!(held(1), 7_500);
		assert_eq!(Providers::<Test>::get(1).unwrap().active, 7_500);
		assert_eq!(staking_events().last(), Some(&Event::Bonded { stash: 1, amount: 2_500 }));
	});
}

#[test]
fn bond_extra_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Staking::bond_extra(RuntimeOrigin::signed(1), 10), Error::<Test>::NotProvider);
		register(1, 5_000);
		assert_noop!(Staking::bond_extra(RuntimeOrigin::signed(1), 0), Error::<Test>::ZeroAmount);
		assert_noop!(
			Staking::bond_extra(RuntimeOrigin::signed(1), ENDOWMENT),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn bond_extra_after_a_full_unbond_must_reach_the_minimum() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 5_000));
		assert_noop!(
			Staking::bond_extra(RuntimeOrigin::signed(1), MIN_STAKE - 1),
			Error::<Test>::InsufficientStake
		);
	});
}

#[test]
fn unbond_moves_stake_into_a_chunk_that_stays_held() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 1_500));
		let info = Providers::<Test>::get(1).unwrap();
		assert_eq!(info.active, 3_500);
		assert_eq!(
			info.unlocking.to_vec(),
			vec![UnlockChunk { value: 1_500, unlock_at: 1 + UNBONDING }]
		);
		assert_eq!(held(1), 5_000, "unlocking stake stays held (and slashable)");
		assert_eq!(
			staking_events().last(),
			Some(&Event::Unbonded { stash: 1, amount: 1_500, unlock_at: 1 + UNBONDING })
		);
	});
}

#[test]
fn unbonds_in_the_same_block_share_a_chunk() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 100));
		assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 200));
		assert_eq!(Providers::<Test>::get(1).unwrap().unlocking.len(), 1);
		assert_eq!(Providers::<Test>::get(1).unwrap().unlocking[0].value, 300);
	});
}

#[test]
fn unbond_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Staking::unbond(RuntimeOrigin::signed(1), 10), Error::<Test>::NotProvider);
		register(1, 5_000);
		assert_noop!(Staking::unbond(RuntimeOrigin::signed(1), 0), Error::<Test>::ZeroAmount);
		assert_noop!(
			Staking::unbond(RuntimeOrigin::signed(1), 5_001),
			Error::<Test>::UnbondTooMuch
		);
		// leaving a positive amount below the minimum
		assert_noop!(
			Staking::unbond(RuntimeOrigin::signed(1), 5_000 - MIN_STAKE + 1),
			Error::<Test>::InsufficientStake
		);
	});
}

#[test]
fn unlocking_chunks_are_bounded() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 50_000);
		for b in 1..=4 {
			run_to_block(b + 1);
			assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 10));
		}
		run_to_block(10);
		assert_noop!(
			Staking::unbond(RuntimeOrigin::signed(1), 10),
			Error::<Test>::TooManyUnlockingChunks
		);
	});
}

#[test]
fn rebond_takes_back_the_newest_chunks_first() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 10_000);
		assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 1_000));
		run_to_block(5);
		assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 2_000));
		assert_ok!(Staking::rebond(RuntimeOrigin::signed(1), 2_500));
		let info = Providers::<Test>::get(1).unwrap();
		assert_eq!(info.active, 9_500);
		assert_eq!(
			info.unlocking.to_vec(),
			vec![UnlockChunk { value: 500, unlock_at: 1 + UNBONDING }]
		);
		assert_eq!(staking_events().last(), Some(&Event::Rebonded { stash: 1, amount: 2_500 }));
		// asking for more than is unlocking rebonds what there is
		assert_ok!(Staking::rebond(RuntimeOrigin::signed(1), 1_000_000));
		assert_eq!(Providers::<Test>::get(1).unwrap().active, 10_000);
		assert_eq!(staking_events().last(), Some(&Event::Rebonded { stash: 1, amount: 500 }));
	});
}

#[test]
fn rebond_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Staking::rebond(RuntimeOrigin::signed(1), 1), Error::<Test>::NotProvider);
		register(1, 5_000);
		assert_noop!(Staking::rebond(RuntimeOrigin::signed(1), 0), Error::<Test>::ZeroAmount);
		assert_noop!(Staking::rebond(RuntimeOrigin::signed(1), 1), Error::<Test>::NothingUnlocking);
		// after a full unbond, rebonding less than the minimum is refused
		assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 5_000));
		assert_noop!(
			Staking::rebond(RuntimeOrigin::signed(1), MIN_STAKE - 1),
			Error::<Test>::InsufficientStake
		);
	});
}

#[test]
fn withdraw_releases_only_matured_chunks() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 10_000);
		assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 1_000)); // unlocks at 101
		run_to_block(20);
		assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 2_000)); // unlocks at 120
		assert_noop!(
			Staking::withdraw_unbonded(RuntimeOrigin::signed(1)),
			Error::<Test>::NothingToWithdraw
		);
		run_to_block(1 + UNBONDING);
		// Declared for every chunk an account may have, charged for the two it had.
		let declared = crate::Call::<Test>::withdraw_unbonded {}.get_dispatch_info().call_weight;
		let info = Staking::withdraw_unbonded(RuntimeOrigin::signed(1)).expect("withdraws");
		let charged = <() as crate::WeightInfo>::withdraw_unbonded(2);
		assert_eq!(info.actual_weight, Some(charged));
		assert!(charged.all_lte(declared) && charged.ref_time() < declared.ref_time());
		assert_eq!(held(1), 9_000);
		assert_eq!(free(1), ENDOWMENT - 9_000);
		assert_eq!(staking_events().last(), Some(&Event::Withdrawn { stash: 1, amount: 1_000 }));
		assert_eq!(Providers::<Test>::get(1).unwrap().unlocking.len(), 1);
	});
}

#[test]
fn withdraw_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Staking::withdraw_unbonded(RuntimeOrigin::signed(1)),
			Error::<Test>::NotProvider
		);
		register(1, 5_000);
		assert_noop!(
			Staking::withdraw_unbonded(RuntimeOrigin::signed(1)),
			Error::<Test>::NothingUnlocking
		);
	});
}
