//! Wash trading (THREATS 28), played through the whole stack: one party owns every provider
//! and a consumer account, pays its own tasks in a quiet epoch and claims the work pool.
//!
//! Before: the work pool was 80% of the epoch's emission, pro rata to credits earned, so the
//! smallest purchase captured about 800 AIP an epoch. Now only verified work counts and the
//! pool never pays more than was burned for that work: the party gets back less than it burned.

use crate::mock::*;
use frame_support::traits::{fungible::Inspect, Get};

const SYBIL_CONSUMER: AccountId = 2;
const SYBIL_PROVIDERS: [AccountId; 2] = [11, 12];

/// Everything the party owns, stake included.
fn wealth() -> Balance {
	[SYBIL_CONSUMER].iter().chain(&SYBIL_PROVIDERS).map(Balances::total_balance).sum()
}

/// Runs `tasks` seeded GEMMs with replication `r` from the sybil consumer, every replica
/// revealing the same root; then closes two epochs and claims for every sybil provider.
fn self_deal(r: u8, tasks: u32) -> (Balance, Balance) {
	let before = wealth();
	let burned_before = pallet_bme::Stats::<Test>::get().burned_for_credits;
	buy_credits(SYBIL_CONSUMER, 1_000);
	for _ in 0..tasks {
		let id = submit_as(SYBIL_CONSUMER, r, 10);
		next_block();
		let ps = providers_of(id);
		for p in &ps {
			commit(id, *p, root(1));
		}
		for p in &ps {
			reveal(id, *p, root(1));
		}
		assert!(task(id).result_root.is_some());
	}
	let epoch: BlockNumber = <Test as pallet_bme::Config>::EpochLength::get();
	run_to_block((now() / epoch + 2) * epoch);
	for p in SYBIL_PROVIDERS {
		// Nothing to claim is an error; either way nothing is minted then.
		let _ = Bme::claim_rewards(RuntimeOrigin::signed(p));
	}
	let burned = pallet_bme::Stats::<Test>::get().burned_for_credits - burned_before;
	let got_back = wealth() + burned - before;
	println!("r = {r}, {tasks} tasks: burned {burned} planck, got back {got_back} planck");
	(burned, got_back)
}

#[test]
fn a_provider_paying_itself_with_verified_tasks_gets_back_less_than_it_burned() {
	ExtBuilder::default().providers(SYBIL_PROVIDERS.map(|p| (p, 10)).to_vec()).build_and_execute(
		|| {
			let (burned, got_back) = self_deal(2, 10);
			assert!(burned > 0);
			assert!(got_back > 0, "its verified work is paid");
			assert!(got_back <= burned, "got back {got_back} of {burned} burned");
			assert!(wealth() < ENDOWMENT * 3, "the party is poorer than it started");
		},
	);
}

#[test]
fn a_provider_paying_itself_for_unverified_tasks_gets_nothing_from_the_work_pool() {
	ExtBuilder::default().providers(vec![(11, 10)]).build_and_execute(|| {
		let before = wealth();
		let (burned, got_back) = self_deal(1, 10);
		assert_eq!(got_back, 0, "r = 1 work is not verified");
		assert_eq!(wealth(), before - burned);
	});
}

#[test]
fn rounding_tiny_tasks_up_to_a_credit_gives_a_self_dealer_nothing_extra() {
	// At the runtime's price unit every task here costs a whole credit a replica, billions of
	// times its price: the party pays itself more credits per unit of work, and still gets
	// back no more than it burned, since the pool pays for the tokens burned, not the credits.
	ExtBuilder::default().providers(SYBIL_PROVIDERS.map(|p| (p, 10)).to_vec()).build_and_execute(
		|| {
			PriceUnit::set(1_000_000_000_000);
			let (burned, got_back) = self_deal(2, 10);
			assert!(burned > 0);
			assert!(got_back <= burned, "got back {got_back} of {burned} burned");
		},
	);
}
