//! Picking providers for a task: eligibility, distinctness, exclusion, weighting, bounded work.

use crate::{mock::*, KernelProviderCount};
use aipin_primitives::{ProviderRegistry, Requirements};
use frame_support::assert_ok;
use std::collections::BTreeMap;

const REQ: Requirements =
	Requirements { kernel: 1, min_vram_mib: 1, max_price: 100, work_units: 1 };

fn seed(n: u32) -> [u8; 32] {
	sp_io::hashing::blake2_256(&n.to_le_bytes())
}

#[test]
fn selects_distinct_eligible_providers_only() {
	ExtBuilder::default().build_and_execute(|| {
		for s in 1..=6 {
			register(s, 5_000);
		}
		assert_ok!(Staking::drain(RuntimeOrigin::signed(2)));
		assert_ok!(Staking::jail(&3, 100));
		for n in 0..50 {
			let picked = Staking::select(&REQ, 3, &[4], seed(n), 1);
			assert_eq!(picked.len(), 3);
			let mut unique = picked.clone();
			unique.sort();
			unique.dedup();
			assert_eq!(unique.len(), 3, "distinct");
			for p in picked {
				assert!([1, 5, 6].contains(&p), "only eligible, non-excluded providers: got {p}");
			}
		}
	});
}

#[test]
fn returns_fewer_when_not_enough_are_eligible() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000);
		register(2, 5_000);
		assert_eq!(Staking::select(&REQ, 5, &[], seed(0), 1).len(), 2);
		assert!(Staking::select(&Requirements { kernel: 9, ..REQ }, 1, &[], seed(0), 1).is_empty());
		assert!(
			Staking::select(&Requirements { max_price: 1, ..REQ }, 1, &[], seed(0), 1).is_empty()
		);
		assert!(Staking::select(&REQ, 0, &[], seed(0), 1).is_empty());
	});
}

#[test]
fn heavier_stake_is_picked_more_often() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 1_000);
		register(2, 9_000);
		let mut wins: BTreeMap<u64, u32> = BTreeMap::new();
		for n in 0..2_000 {
			let p = Staking::select(&REQ, 1, &[], seed(n), 1)[0];
			*wins.entry(p).or_default() += 1;
		}
		let (a, b) = (wins[&1], wins[&2]);
		// Expected 10% / 90%; allow generous sampling noise.
		assert!(a > 100 && a < 320, "light provider won {a} of 2000");
		assert!(b > 1_680, "heavy provider won {b} of 2000");
	});
}

#[test]
fn selection_among_ten_thousand_providers_is_bounded_and_finds_eligible_ones() {
	ExtBuilder::default().build_and_execute(|| {
		use frame_support::traits::fungible::Mutate;
		// 10,000 providers on kernel 1; only every 10th is cheap enough.
		for s in 1_000u64..11_000 {
			let stash = s * 2;
			let operator = s * 2 + 1;
			assert_ok!(Balances::mint_into(&stash, 10_000));
			let ask = if s % 10 == 0 { 10 } else { 1_000 };
			assert_ok!(Staking::register_provider(
				RuntimeOrigin::signed(stash),
				5_000,
				profile(&[1], 8192, ask),
				operator,
				endpoint("http://p"),
			));
		}
		assert_eq!(KernelProviderCount::<Test>::get(1), 10_000);
		let (picked, examined) =
			Staking::select_with_stats(&Requirements { max_price: 10, ..REQ }, 3, &[], seed(7), 1);
		assert_eq!(picked.len(), 3, "found 3 cheap providers among 10,000");
		for p in &picked {
			assert_eq!((p / 2) % 10, 0, "only cheap providers are picked");
		}
		// At most MaxSelectionDraws (64) positions are examined, whatever the provider count.
		assert!(examined <= 64, "selection examined {examined} positions");
	});
}
