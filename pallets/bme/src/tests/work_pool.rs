//! The work pool cannot be bought: only verified work counts, and an epoch's pool never pays
//! more than what consumers burned for the work it rewards (wash trading, THREATS 28).

use crate::{mock::*, CreditCost, Epochs, Event, Work};
use aipin_primitives::ComputeCredits;
use frame_support::assert_ok;

/// Moves through whole epochs, keeping the oracle fresh.
fn close_epochs(n: u64) {
	let target = (System::block_number() / EPOCH + n) * EPOCH;
	while System::block_number() < target {
		let next = System::block_number() + 1;
		run_to_block(next);
		if next.is_multiple_of(VALIDITY / 2) {
			assert_ok!(Bme::submit_price(RuntimeOrigin::signed(FEEDER), PRICE));
		}
	}
}

fn spend(consumer: AccountId, credits: u128, provider: AccountId, verified: bool) {
	assert_ok!(<Bme as ComputeCredits<_>>::reserve(&consumer, credits));
	assert_ok!(<Bme as ComputeCredits<_>>::spend(&consumer, credits, &provider, verified));
}

#[test]
fn spending_credits_carries_their_share_of_the_tokens_burned_for_them() {
	ExtBuilder::default().build_and_execute(|| {
		// 3 AIP buy 150,000 credits.
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), 3 * UNIT, 0));
		assert_eq!(CreditCost::<Test>::get(1), 3 * UNIT);
		spend(1, 50_000, 7, true);
		assert_eq!(Work::<Test>::get(0, 7).unwrap().value, UNIT);
		assert_eq!(CreditCost::<Test>::get(1), 2 * UNIT);
		// A refund keeps the basis with the credits; the last credit takes what is left.
		assert_ok!(<Bme as ComputeCredits<_>>::reserve(&1, 100_000));
		assert_eq!(<Bme as ComputeCredits<_>>::release(&1, 100_000), 100_000);
		spend(1, 100_000, 8, true);
		assert_eq!(Work::<Test>::get(0, 8).unwrap().value, 2 * UNIT);
		assert!(!CreditCost::<Test>::contains_key(1), "no basis outlives its credits");
	});
}

#[test]
fn unverified_work_consumes_credits_but_earns_nothing_from_the_pool() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), UNIT, 0));
		spend(1, 50_000, 7, false);
		assert!(Work::<Test>::get(0, 7).is_none());
		assert!(bme_events().contains(&Event::CreditsSpent {
			consumer: 1,
			provider: 7,
			credits: 50_000,
			value: UNIT,
			verified: false,
		}));
		close_epochs(1);
		let rec = Epochs::<Test>::get(0).unwrap();
		assert_eq!((rec.total_work, rec.total_value, rec.work_pool), (0, 0, 0));
		assert_eq!(Bme::claimable(&7), 0);
	});
}

/// The attack: a provider is its own consumer in an epoch with no other work. Before, the
/// whole work pool (80% of 1,001 AIP) went to whoever had any work: 1 AIP burned bought
/// ~800 AIP. Now it gets back at most what it burned; the rest pays availability.
#[test]
fn a_provider_paying_itself_gets_back_at_most_what_it_burned() {
	ExtBuilder::default().build_and_execute(|| {
		let (sybil_consumer, sybil_provider) = (1, 7);
		let before = free(sybil_consumer) + free(sybil_provider);
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(sybil_consumer), UNIT, 0));
		let credits = Bme::free_credits(&sybil_consumer);
		spend(sybil_consumer, credits, sybil_provider, true);
		close_epochs(1);
		let rec = Epochs::<Test>::get(0).unwrap();
		assert_eq!(rec.work_pool, UNIT, "bounded by the 1 AIP burned, not 80% of 1,001");
		assert_ok!(Bme::claim_rewards(RuntimeOrigin::signed(sybil_provider)));
		let after = free(sybil_consumer) + free(sybil_provider);
		assert!(after <= before, "gained {} planck", after.saturating_sub(before));
	});
}

#[test]
fn the_bound_can_be_set_below_what_was_burned() {
	ExtBuilder::default().build_and_execute(|| {
		WorkPoolBound::set(sp_runtime::Perbill::from_percent(50));
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), 2 * UNIT, 0));
		spend(1, 100_000, 7, true);
		close_epochs(1);
		assert_eq!(Epochs::<Test>::get(0).unwrap().work_pool, UNIT);
	});
}

/// Credits bought cheap (a high token price) and spent beside credits bought dear must not
/// earn a larger share than the tokens behind them: shares follow value, not credits.
#[test]
fn work_pool_shares_follow_the_tokens_burned_not_the_credits() {
	ExtBuilder::default().build_and_execute(|| {
		// Consumer 1 buys at $0.50: 1 AIP for 50,000 credits.
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), UNIT, 0));
		// The price doubles (in two steps, each within the deviation bound): consumer 2 buys
		// 50,000 credits for 0.5 AIP.
		assert_ok!(Bme::submit_price(RuntimeOrigin::signed(FEEDER), PRICE * 3 / 2));
		run_to_block(System::block_number() + 1);
		assert_ok!(Bme::submit_price(RuntimeOrigin::signed(FEEDER), PRICE * 2));
		run_to_block(System::block_number() + 1);
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(2), UNIT / 2, 0));
		assert_eq!(Bme::free_credits(&2), 50_000);
		spend(1, 50_000, 7, true);
		spend(2, 50_000, 8, true);
		close_epochs(1);
		let rec = Epochs::<Test>::get(0).unwrap();
		assert_eq!(rec.work_pool, UNIT * 3 / 2);
		assert_eq!(Bme::claimable(&7), UNIT, "what its consumer burned");
		assert_eq!(Bme::claimable(&8), UNIT / 2, "what its consumer burned, not half the pool");
	});
}

#[test]
fn what_the_bound_holds_back_pays_availability_instead() {
	use aipin_primitives::HeartbeatObserver;
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), UNIT, 0));
		spend(1, 50_000, 7, true);
		Bme::on_heartbeat(&8, 5_000 * UNIT, 0, 1);
		close_epochs(1);
		let rec = Epochs::<Test>::get(0).unwrap();
		let total = rec.scheduled + rec.recycled;
		assert_eq!(rec.work_pool, UNIT);
		assert_eq!(rec.availability_pool, total - UNIT);
	});
}
