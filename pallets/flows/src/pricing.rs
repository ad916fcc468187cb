//! Prices at market rates: a price is credits per `PriceUnit` work units, and each replica
//! costs `aipin_primitives::charge`, rounded up to a whole credit. Played through the real
//! staking, escrow and BME pallets: what the consumer escrows, what each provider is paid,
//! what comes back, and who could gain from the rounding.

use crate::mock::*;
use aipin_primitives::Credits;
use frame_support::{assert_noop, assert_ok};
use pallet_task_escrow::*;

/// Runs task `id` to settlement, every replica revealing the same root; returns what each
/// provider was paid, in assignment order.
fn settle(id: u64) -> Vec<(AccountId, Credits)> {
	let ps = providers_of(id);
	for p in &ps {
		commit(id, *p, root(1));
	}
	for p in &ps {
		reveal(id, *p, root(1));
	}
	assert_eq!(finished_reason(id), Some(TerminalReason::Completed));
	escrow_events()
		.into_iter()
		.filter_map(|e| match e {
			Event::ProviderPaid { task, provider, credits } if task == id => {
				Some((provider, credits))
			},
			_ => None,
		})
		.collect()
}

#[test]
fn each_replica_is_paid_its_ask_per_price_unit_rounded_up_and_the_rest_comes_back() {
	ExtBuilder::default().providers(vec![(11, 2_500), (12, 4_000)]).build_and_execute(|| {
		// Prices per 1,000 work units (the runtime quotes per 10¹²; the rule is the same).
		PriceUnit::set(1_000);
		let (free, _) = credits(CONSUMER);
		// 2·64³ = 524,288 ops → 525 work units; at most 5,000 credits per 1,000 units is
		// 2,625 a replica, exactly: 5,250 escrowed for two.
		assert_ok!(submit_with(GEMM, &[64, 64, 64], seeded(), 2, 5_000, 40));
		let id = 0;
		assert_eq!((task(id).work_units, task(id).escrow), (525, 5_250));
		assert_eq!(credits(CONSUMER), (free - 5_250, 5_250));
		next_block();
		let mut paid = settle(id);
		paid.sort();
		// 2,500 × 525 / 1,000 = 1,312.5, billed 1,313; 4,000 × 525 / 1,000 = 2,100.
		assert_eq!(paid, vec![(11, 1_313), (12, 2_100)]);
		assert_eq!(credits(CONSUMER), (free - 3_413, 0), "the unpaid 1,837 are refunded");
	});
}

#[test]
fn a_tiny_task_costs_one_credit_a_replica_however_low_the_price() {
	ExtBuilder::default().providers(vec![(11, 10), (12, 10)]).build_and_execute(|| {
		PriceUnit::set(1_000_000_000_000);
		let (free, _) = credits(CONSUMER);
		// 2 work units at 10 credits per 10¹²: 2·10⁻¹¹ of a credit, billed 1 per replica.
		assert_ok!(submit_with(GEMM, &[8, 8, 8], seeded(), 2, 10, 40));
		assert_eq!((task(0).work_units, task(0).escrow), (2, 2));
		next_block();
		let mut paid = settle(0);
		paid.sort();
		assert_eq!(paid, vec![(11, 1), (12, 1)]);
		assert_eq!(credits(CONSUMER), (free - 2, 0));
	});
}

#[test]
fn a_price_under_every_ask_in_the_new_unit_finds_no_provider() {
	ExtBuilder::default().providers(vec![(11, 28_000)]).build_and_execute(|| {
		PriceUnit::set(1_000_000_000_000);
		assert_noop!(
			submit_with(GEMM, &[8, 8, 8], seeded(), 1, 27_999, 40),
			Error::<Test>::NoCapableProvider
		);
		assert_ok!(submit_with(GEMM, &[8, 8, 8], seeded(), 1, 28_000, 40));
	});
}

#[test]
fn a_price_whose_charge_overflows_is_refused_not_wrapped() {
	ExtBuilder::default().providers(vec![(11, 1)]).build_and_execute(|| {
		PriceUnit::set(1);
		assert_noop!(
			submit_with(GEMM, &[64, 64, 64], seeded(), 2, Credits::MAX / 100, 40),
			Error::<Test>::Overflow
		);
	});
}
