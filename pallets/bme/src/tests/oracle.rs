use crate::{mock::*, EffectivePrice, Error, Event, Feeders};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::{traits::BadOrigin, Perbill};

#[test]
fn genesis_sets_feeders_and_a_live_price() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(Feeders::<Test>::get().to_vec(), vec![FEEDER]);
		assert_eq!(EffectivePrice::<Test>::get(), Some(PRICE));
	});
}

#[test]
fn feeders_are_managed_by_the_oracle_origin() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Bme::add_feeder(RuntimeOrigin::signed(1), 2), BadOrigin);
		assert_ok!(Bme::add_feeder(RuntimeOrigin::root(), 101));
		assert_noop!(Bme::add_feeder(RuntimeOrigin::root(), 101), Error::<Test>::AlreadyFeeder);
		assert_ok!(Bme::remove_feeder(RuntimeOrigin::root(), 101));
		assert_noop!(Bme::remove_feeder(RuntimeOrigin::root(), 101), Error::<Test>::NotFeeder);
		assert_noop!(Bme::remove_feeder(RuntimeOrigin::signed(1), FEEDER), BadOrigin);
		let events = bme_events();
		assert!(events.contains(&Event::FeederAdded { feeder: 101 }));
		assert!(events.contains(&Event::FeederRemoved { feeder: 101 }));
	});
}

#[test]
fn the_feeder_set_is_bounded() {
	ExtBuilder::default().build_and_execute(|| {
		for f in 101..=107 {
			assert_ok!(Bme::add_feeder(RuntimeOrigin::root(), f));
		}
		assert_noop!(Bme::add_feeder(RuntimeOrigin::root(), 108), Error::<Test>::TooManyFeeders);
	});
}

#[test]
fn only_feeders_submit_and_absurd_prices_are_refused() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Bme::submit_price(RuntimeOrigin::signed(1), PRICE), Error::<Test>::NotFeeder);
		assert_noop!(Bme::submit_price(RuntimeOrigin::signed(FEEDER), 0), Error::<Test>::ZeroPrice);
		// 50% deviation bound around $0.50
		assert_noop!(
			Bme::submit_price(RuntimeOrigin::signed(FEEDER), PRICE * 3 / 2 + 1),
			Error::<Test>::PriceDeviationTooLarge
		);
		assert_noop!(
			Bme::submit_price(RuntimeOrigin::signed(FEEDER), PRICE / 2 - 1),
			Error::<Test>::PriceDeviationTooLarge
		);
		assert_ok!(Bme::submit_price(RuntimeOrigin::signed(FEEDER), PRICE * 3 / 2));
		assert_eq!(EffectivePrice::<Test>::get(), Some(PRICE * 3 / 2));
		assert!(bme_events().contains(&Event::EffectivePriceChanged { price: PRICE * 3 / 2 }));
	});
}

#[test]
fn median_of_an_odd_number_of_feeders_is_the_middle_price() {
	ExtBuilder::default().build_and_execute(|| {
		MaxPriceDeviation::set(Perbill::zero());
		for f in [101, 102] {
			assert_ok!(Bme::add_feeder(RuntimeOrigin::root(), f));
		}
		assert_ok!(Bme::submit_price(RuntimeOrigin::signed(101), 900_000_000));
		assert_ok!(Bme::submit_price(RuntimeOrigin::signed(102), 100_000_000));
		// FEEDER's genesis 500_000_000 is the middle of {100, 500, 900}
		assert_eq!(EffectivePrice::<Test>::get(), Some(500_000_000));
	});
}

#[test]
fn median_of_an_even_number_of_feeders_is_the_mean_of_the_middle_two() {
	ExtBuilder::default().build_and_execute(|| {
		MaxPriceDeviation::set(Perbill::zero());
		for f in [101, 102, 103] {
			assert_ok!(Bme::add_feeder(RuntimeOrigin::root(), f));
		}
		assert_ok!(Bme::submit_price(RuntimeOrigin::signed(101), 100));
		assert_ok!(Bme::submit_price(RuntimeOrigin::signed(102), 601));
		assert_ok!(Bme::submit_price(RuntimeOrigin::signed(103), 2_000_000_000));
		// sorted {100, 601, 500_000_000, 2_000_000_000}: mean of 601 and 500_000_000, rounded down
		assert_eq!(EffectivePrice::<Test>::get(), Some((601 + 500_000_000) / 2));
	});
}

#[test]
fn a_stale_oracle_halts_burning_and_claiming_and_a_fresh_price_resumes() {
	ExtBuilder::default().build_and_execute(|| {
		run_to_block(VALIDITY); // genesis price submitted at 0 expires at VALIDITY
		assert_eq!(EffectivePrice::<Test>::get(), None);
		assert!(bme_events().contains(&Event::OracleHalted));
		assert_noop!(
			Bme::buy_credits(RuntimeOrigin::signed(1), UNIT, 0),
			Error::<Test>::OracleHalted
		);
		assert_noop!(
			Bme::claim_rewards(RuntimeOrigin::signed(1)),
			frame_support::dispatch::WithPostDispatchInfo::with_weight(
				Error::<Test>::OracleHalted,
				<() as crate::WeightInfo>::claim_rewards(0)
			)
		);
		assert_ok!(Bme::submit_price(RuntimeOrigin::signed(FEEDER), PRICE));
		assert!(bme_events().contains(&Event::OracleResumed { price: PRICE }));
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), UNIT, 0));
	});
}

#[test]
fn removing_the_last_feeder_halts_the_oracle() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Bme::remove_feeder(RuntimeOrigin::root(), FEEDER));
		assert_eq!(EffectivePrice::<Test>::get(), None);
		assert!(bme_events().contains(&Event::OracleHalted));
	});
}

#[test]
fn a_chain_without_a_genesis_price_starts_halted() {
	ExtBuilder::default().price(0).build_and_execute(|| {
		assert_eq!(EffectivePrice::<Test>::get(), None);
		assert_noop!(
			Bme::buy_credits(RuntimeOrigin::signed(1), UNIT, 0),
			Error::<Test>::OracleHalted
		);
		// the deviation bound does not apply without a price
		assert_ok!(Bme::submit_price(RuntimeOrigin::signed(FEEDER), 1));
		assert_eq!(EffectivePrice::<Test>::get(), Some(1));
	});
}

/// Feeder calls are declared for `MaxFeeders` (so they always fit) and charged for the feeders
/// there are: a chain with one feeder does not pay for sixteen every time its price is fed.
#[test]
fn feeder_calls_are_charged_for_the_feeders_there_are() {
	use crate::WeightInfo;
	use frame_support::dispatch::GetDispatchInfo;
	ExtBuilder::default().build_and_execute(|| {
		let max = <<Test as crate::Config>::MaxFeeders as frame_support::traits::Get<u32>>::get();
		let declared = crate::Call::<Test>::submit_price { price: PRICE }.get_dispatch_info();
		assert_eq!(declared.call_weight, <() as WeightInfo>::submit_price(max));
		let post = Bme::submit_price(RuntimeOrigin::signed(FEEDER), PRICE).unwrap();
		assert_eq!(post.actual_weight, Some(<() as WeightInfo>::submit_price(1)));
		assert!(<() as WeightInfo>::submit_price(1).ref_time() < declared.call_weight.ref_time());
		let post = Bme::add_feeder(RuntimeOrigin::root(), 101).unwrap();
		assert_eq!(post.actual_weight, Some(<() as WeightInfo>::add_feeder(1)));
		let post = Bme::remove_feeder(RuntimeOrigin::root(), 101).unwrap();
		assert_eq!(post.actual_weight, Some(<() as WeightInfo>::remove_feeder(2)));
	});
}
