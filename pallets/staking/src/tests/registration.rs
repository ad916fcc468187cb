use crate::{mock::*, Error, Event, Operators, ProviderStatus, Providers, REPUTATION_NEUTRAL};
use frame_support::assert_noop;
use sp_runtime::DispatchError;

#[test]
fn register_holds_stake_and_records_the_provider() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		assert_eq!(held(1), 5_000);
		assert_eq!(free(1), ENDOWMENT - 5_000);
		let info = Providers::<Test>::get(1).unwrap();
		assert_eq!(info.operator, op(1));
		assert_eq!(info.active, 5_000);
		assert_eq!(info.status, ProviderStatus::Active);
		assert_eq!(info.reputation.value, REPUTATION_NEUTRAL);
		assert_eq!(info.last_heartbeat, 1);
		assert_eq!(Operators::<Test>::get(op(1)), Some(1));
		assert_eq!(
			staking_events(),
			vec![Event::ProviderRegistered { stash: 1, operator: op(1), stake: 5_000 }]
		);
	});
}

#[test]
fn register_needs_a_signed_origin() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Staking::register_provider(
				RuntimeOrigin::root(),
				5_000,
				profile(&[1], 1, 1),
				op(1),
				endpoint("http://a")
			),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn register_twice_fails() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		assert_noop!(
			Staking::register_provider(
				RuntimeOrigin::signed(1),
				5_000,
				profile(&[1], 1, 1),
				50,
				endpoint("http://a")
			),
			Error::<Test>::AlreadyRegistered
		);
	});
}

#[test]
fn register_below_min_stake_fails() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Staking::register_provider(
				RuntimeOrigin::signed(1),
				MIN_STAKE - 1,
				profile(&[1], 1, 1),
				op(1),
				endpoint("http://a")
			),
			Error::<Test>::InsufficientStake
		);
	});
}

#[test]
fn register_without_the_funds_fails() {
	ExtBuilder::default().with_balance(30, 2_000).build_and_execute(|| {
		assert_noop!(
			Staking::register_provider(
				RuntimeOrigin::signed(30),
				5_000,
				profile(&[1], 1, 1),
				130,
				endpoint("http://a")
			),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn operator_must_differ_from_stash() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Staking::register_provider(
				RuntimeOrigin::signed(1),
				5_000,
				profile(&[1], 1, 1),
				1,
				endpoint("http://a")
			),
			Error::<Test>::OperatorIsStash
		);
	});
}

#[test]
fn operator_key_cannot_serve_two_providers_or_be_a_stash() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		// another provider's operator
		assert_noop!(
			Staking::register_provider(
				RuntimeOrigin::signed(2),
				5_000,
				profile(&[1], 1, 1),
				op(1),
				endpoint("http://a")
			),
			Error::<Test>::OperatorInUse
		);
		// another provider's stash
		assert_noop!(
			Staking::register_provider(
				RuntimeOrigin::signed(2),
				5_000,
				profile(&[1], 1, 1),
				1,
				endpoint("http://a")
			),
			Error::<Test>::OperatorInUse
		);
		// an operator cannot register as a stash
		assert_noop!(
			Staking::register_provider(
				RuntimeOrigin::signed(op(1)),
				5_000,
				profile(&[1], 1, 1),
				55,
				endpoint("http://a")
			),
			Error::<Test>::AlreadyRegistered
		);
	});
}
