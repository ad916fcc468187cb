//! Property tests: rounding never creates value.

use crate::mock::*;
use aipin_primitives::ComputeCredits;
use frame_support::assert_ok;
use proptest::prelude::*;

proptest! {
	#![proptest_config(ProptestConfig::with_cases(200))]

	/// For any price and amount, the credits bought are worth at most the tokens burned.
	#[test]
	fn credits_never_exceed_the_value_burned(
		price in 1u128..1_000_000_000_000u128,      // up to $1000 per AIP
		tokens in 1u128..1_000_000u128 * UNIT,
	) {
		let credits = crate::Pallet::<Test>::credits_for(tokens, price);
		let credits = credits.expect("no overflow in range");
		// value in nano-USD × 10^12: tokens × price  ≥  credits × 10^12 × 10^4
		prop_assert!(credits.checked_mul(UNIT * 10_000).is_some_and(|v| v <= tokens * price));
		// and it is the largest such number (rounding down by less than one credit)
		prop_assert!((credits + 1) * (UNIT * 10_000) > tokens * price);
	}

	/// Rewards settled from an epoch never exceed what the epoch minted, whatever the split.
	#[test]
	fn rewards_never_exceed_the_pools(work in proptest::collection::vec(1u128..1_000_000, 1..20)) {
		ExtBuilder::default().build().execute_with(|| {
			assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), 100_000 * UNIT, 0));
			for (i, w) in work.iter().enumerate() {
				let p = 200 + i as u64;
				assert_ok!(<Bme as ComputeCredits<_>>::reserve(&1, *w));
				assert_ok!(<Bme as ComputeCredits<_>>::spend(&1, *w, &p, true));
			}
			run_to_block(EPOCH);
			let before = issuance();
			for i in 0..work.len() {
				assert_ok!(Bme::claim_rewards(RuntimeOrigin::signed(200 + i as u64)));
			}
			let rec = crate::Epochs::<Test>::get(0).unwrap();
			assert!(issuance() - before <= rec.work_pool);
			assert!(rec.work_pool - (issuance() - before) < work.len() as u128, "only rounding dust");
			Bme::do_try_state().unwrap();
		});
	}
}
