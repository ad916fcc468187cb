use crate::{mock::*, Credits_, Error, Event, ReservedCredits, Stats};
use aipin_primitives::ComputeCredits;
use frame_support::{assert_noop, assert_ok};

#[test]
fn buying_credits_burns_tokens_at_the_oracle_price() {
	ExtBuilder::default().build_and_execute(|| {
		let before = issuance();
		// 1 AIP at $0.50, credits worth $0.00001: 50,000 credits
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), UNIT, 50_000));
		assert_eq!(Credits_::<Test>::get(1), 50_000);
		assert_eq!(free(1), ENDOWMENT - UNIT);
		assert_eq!(issuance(), before - UNIT);
		let s = Stats::<Test>::get();
		assert_eq!(s.burned_for_credits, UNIT);
		assert_eq!(s.credits_outstanding, 50_000);
		assert_eq!(
			bme_events().last(),
			Some(&Event::CreditsPurchased { who: 1, tokens: UNIT, credits: 50_000, price: PRICE })
		);
	});
}

#[test]
fn slippage_protection_refuses_too_few_credits() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Bme::buy_credits(RuntimeOrigin::signed(1), UNIT, 50_001),
			Error::<Test>::SlippageExceeded
		);
	});
}

#[test]
fn buy_credits_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(Bme::buy_credits(RuntimeOrigin::signed(1), 0, 0), Error::<Test>::ZeroAmount);
		// less than one credit's worth (1 credit = 20,000,000 planck at $0.50)
		assert_noop!(
			Bme::buy_credits(RuntimeOrigin::signed(1), 19_999_999, 0),
			Error::<Test>::TooSmall
		);
		assert_noop!(
			Bme::buy_credits(RuntimeOrigin::signed(1), ENDOWMENT, 0),
			Error::<Test>::InsufficientBalance
		);
		assert_noop!(
			Bme::buy_credits(RuntimeOrigin::signed(50), UNIT, 0),
			Error::<Test>::InsufficientBalance
		);
	});
}

#[test]
fn escrow_reserves_releases_and_spends_credits() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), UNIT, 0));
		assert_ok!(<Bme as ComputeCredits<_>>::reserve(&1, 30_000));
		assert_eq!((Credits_::<Test>::get(1), ReservedCredits::<Test>::get(1)), (20_000, 30_000));
		assert_noop!(
			<Bme as ComputeCredits<_>>::reserve(&1, 20_001),
			Error::<Test>::InsufficientCredits
		);
		assert_ok!(<Bme as ComputeCredits<_>>::spend(&1, 10_000, &7, true));
		assert_noop!(
			<Bme as ComputeCredits<_>>::spend(&1, 20_001, &7, true),
			Error::<Test>::InsufficientReserved
		);
		assert_eq!(<Bme as ComputeCredits<_>>::release(&1, 1_000_000), 20_000);
		assert_eq!((Credits_::<Test>::get(1), ReservedCredits::<Test>::get(1)), (40_000, 0));
		let s = Stats::<Test>::get();
		assert_eq!(s.credits_outstanding, 40_000);
		assert_eq!(s.credits_spent, 10_000);
		// 1 AIP bought 50,000 credits: the 10,000 spent carry a fifth of it.
		let done = crate::Work::<Test>::get(0, 7).expect("the provider's epoch work");
		assert_eq!((done.credits, done.value), (10_000, UNIT / 5));
		assert!(bme_events().contains(&Event::CreditsSpent {
			consumer: 1,
			provider: 7,
			credits: 10_000,
			value: UNIT / 5,
			verified: true,
		}));
	});
}

#[test]
fn credits_cannot_be_transferred() {
	// The pallet has no transfer call: its calls are oracle management, price submission,
	// buying credits and claiming rewards.
	let calls = <crate::Call<Test> as frame_support::traits::GetCallName>::get_call_names();
	assert_eq!(
		calls,
		["add_feeder", "remove_feeder", "submit_price", "buy_credits", "claim_rewards"]
	);
}

#[test]
fn forfeited_credits_are_destroyed_with_their_cost_basis() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), UNIT, 0));
		assert_ok!(<Bme as ComputeCredits<_>>::reserve(&1, 30_000));
		assert_eq!(<Bme as ComputeCredits<_>>::forfeit(&1, 40_000), 30_000, "only the escrowed");
		assert_eq!((Credits_::<Test>::get(1), ReservedCredits::<Test>::get(1)), (20_000, 0));
		let s = Stats::<Test>::get();
		assert_eq!(
			(s.credits_outstanding, s.credits_forfeited, s.credits_spent),
			(20_000, 30_000, 0)
		);
		assert_eq!(crate::CreditCost::<Test>::get(1), UNIT * 2 / 5, "the basis left with them");
		assert!(bme_events().contains(&Event::CreditsForfeited { who: 1, credits: 30_000 }));
		assert_eq!(
			<Bme as ComputeCredits<_>>::forfeit(&1, 1),
			0,
			"nothing escrowed, nothing taken"
		);
	});
}
