use crate::{mock::*, Error, Event, KernelProviderCount, Operators, ProviderStatus, Providers};
use aipin_primitives::{ProviderRegistry, Requirements};
use codec::Encode;
use frame_support::{assert_noop, assert_ok};

const REQ: Requirements =
	Requirements { kernel: 1, min_vram_mib: 1, max_price: 100, work_units: 1 };

#[test]
fn heartbeat_is_sent_by_the_operator_and_keeps_the_provider_responsive() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		assert!(Staking::is_eligible(&1, &REQ, 1 + HEARTBEAT));
		assert!(!Staking::is_eligible(&1, &REQ, 2 + HEARTBEAT), "missed heartbeat: unresponsive");
		run_to_block(1 + HEARTBEAT);
		assert_ok!(Staking::heartbeat(RuntimeOrigin::signed(op(1))));
		assert_eq!(Providers::<Test>::get(1).unwrap().last_heartbeat, 1 + HEARTBEAT);
		assert!(Staking::is_eligible(&1, &REQ, 1 + 2 * HEARTBEAT));
		assert_eq!(staking_events().last(), Some(&Event::HeartbeatReceived { stash: 1 }));
	});
}

/// Availability rewards are for being ready to take work. A provider that drains or is jailed
/// keeps heartbeating to stay responsive, but those heartbeats report no stake (and the BME
/// pallet pays an epoch's availability on the least stake reported in it).
#[test]
fn a_draining_or_jailed_providers_heartbeat_reports_no_stake() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		let beat = |now: BlockNumber| {
			run_to_block(now);
			assert_ok!(Staking::heartbeat(RuntimeOrigin::signed(op(1))));
			let (stash, stake, previous, at) = MockHeartbeats::seen().pop().unwrap();
			assert_eq!((stash, at), (1u64.encode(), now));
			(stake, previous)
		};
		assert_eq!(beat(3), (5_000, 1), "active: its stake");
		assert_ok!(Staking::drain(RuntimeOrigin::signed(1)));
		assert_eq!(beat(5), (0, 3), "draining: none");
		assert_ok!(Staking::resume(RuntimeOrigin::signed(1)));
		assert_eq!(beat(7), (5_000, 5));
		assert_ok!(<Staking as ProviderRegistry<_, _, _>>::jail(&1, 12));
		assert_eq!(beat(9), (0, 7), "jailed: none");
		assert_eq!(beat(12), (5_000, 9), "the jail is over at 12");
	});
}

#[test]
fn heartbeat_from_anyone_but_an_operator_fails() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		assert_noop!(Staking::heartbeat(RuntimeOrigin::signed(1)), Error::<Test>::NotOperator);
		assert_noop!(Staking::heartbeat(RuntimeOrigin::signed(77)), Error::<Test>::NotOperator);
	});
}

#[test]
fn set_operator_rotates_the_hot_key() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		assert_ok!(Staking::set_operator(RuntimeOrigin::signed(1), 55));
		assert_eq!(Operators::<Test>::get(55), Some(1));
		assert_eq!(Operators::<Test>::get(op(1)), None);
		assert_noop!(Staking::heartbeat(RuntimeOrigin::signed(op(1))), Error::<Test>::NotOperator);
		assert_ok!(Staking::heartbeat(RuntimeOrigin::signed(55)));
		assert!(staking_events().contains(&Event::OperatorChanged {
			stash: 1,
			old: op(1),
			new: 55
		}));
	});
}

#[test]
fn set_operator_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Staking::set_operator(RuntimeOrigin::signed(1), 55),
			Error::<Test>::NotProvider
		);
		register(1, 5_000);
		register(2, 5_000);
		assert_noop!(
			Staking::set_operator(RuntimeOrigin::signed(1), 1),
			Error::<Test>::OperatorIsStash
		);
		assert_noop!(
			Staking::set_operator(RuntimeOrigin::signed(1), op(2)),
			Error::<Test>::OperatorInUse
		);
		assert_noop!(
			Staking::set_operator(RuntimeOrigin::signed(1), op(1)),
			Error::<Test>::OperatorInUse
		);
		assert_noop!(
			Staking::set_operator(RuntimeOrigin::signed(1), 2),
			Error::<Test>::OperatorInUse
		);
	});
}

#[test]
fn drain_stops_new_work_and_resume_restores_it() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		assert_ok!(Staking::drain(RuntimeOrigin::signed(1)));
		assert_eq!(Providers::<Test>::get(1).unwrap().status, ProviderStatus::Draining);
		assert!(!Staking::is_eligible(&1, &REQ, 1));
		assert_noop!(Staking::drain(RuntimeOrigin::signed(1)), Error::<Test>::AlreadyDraining);
		assert_ok!(Staking::resume(RuntimeOrigin::signed(1)));
		assert!(Staking::is_eligible(&1, &REQ, 1));
		assert_noop!(Staking::resume(RuntimeOrigin::signed(1)), Error::<Test>::NotDraining);
		let events = staking_events();
		assert!(events.contains(&Event::DrainStarted { stash: 1 }));
		assert!(events.contains(&Event::DrainEnded { stash: 1 }));
	});
}

#[test]
fn drain_and_resume_need_a_provider() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Staking::drain(RuntimeOrigin::signed(1)), Error::<Test>::NotProvider);
		assert_noop!(Staking::resume(RuntimeOrigin::signed(1)), Error::<Test>::NotProvider);
		assert_noop!(Staking::deregister(RuntimeOrigin::signed(1)), Error::<Test>::NotProvider);
	});
}

#[test]
fn full_exit_drain_unbond_withdraw_deregister() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		assert_noop!(Staking::deregister(RuntimeOrigin::signed(1)), Error::<Test>::NotDraining);
		assert_ok!(Staking::drain(RuntimeOrigin::signed(1)));
		MockInFlight::set(&1u64, 1);
		assert_noop!(Staking::deregister(RuntimeOrigin::signed(1)), Error::<Test>::TasksInFlight);
		MockInFlight::set(&1u64, 0);
		assert_noop!(Staking::deregister(RuntimeOrigin::signed(1)), Error::<Test>::StakeRemaining);
		assert_ok!(Staking::unbond(RuntimeOrigin::signed(1), 5_000));
		assert_noop!(Staking::deregister(RuntimeOrigin::signed(1)), Error::<Test>::StakeRemaining);
		run_to_block(1 + UNBONDING);
		assert_ok!(Staking::withdraw_unbonded(RuntimeOrigin::signed(1)));
		assert_ok!(Staking::deregister(RuntimeOrigin::signed(1)));
		assert!(Providers::<Test>::get(1).is_none());
		assert!(Operators::<Test>::get(op(1)).is_none());
		assert_eq!(KernelProviderCount::<Test>::get(1), 0);
		assert_eq!(held(1), 0);
		assert_eq!(free(1), ENDOWMENT);
		assert_eq!(staking_events().last(), Some(&Event::ProviderDeregistered { stash: 1 }));
	});
}

#[test]
fn deregistering_keeps_other_providers_indexed() {
	ExtBuilder::default().build_and_execute(|| {
		for s in 1..=5 {
			register(s, 5_000);
		}
		assert_ok!(Staking::drain(RuntimeOrigin::signed(2)));
		assert_ok!(Staking::unbond(RuntimeOrigin::signed(2), 5_000));
		run_to_block(1 + UNBONDING);
		assert_ok!(Staking::withdraw_unbonded(RuntimeOrigin::signed(2)));
		assert_ok!(Staking::deregister(RuntimeOrigin::signed(2)));
		assert_eq!(KernelProviderCount::<Test>::get(1), 4);
		// try_state (run after the test) checks the index stayed dense and consistent.
	});
}
