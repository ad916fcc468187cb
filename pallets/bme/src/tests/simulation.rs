//! A deterministic simulation of the token supply under burn-and-mint, driving the real pallet in
//! the mock runtime. Run it to print the table that `docs/tokenomics.md` shows:
//!
//! ```sh
//! scripts/simulate-bme.sh
//! ```

use crate::{mock::*, Epochs, Stats};
use aipin_primitives::{ComputeCredits, HeartbeatObserver};
use frame_support::assert_ok;

/// Demand, in AIP burned for credits per epoch, for each scenario.
fn demand(scenario: &str, epoch: u64) -> u128 {
	match scenario {
		// steady low demand
		"low" => 50,
		// demand growing 25% per epoch from 100 AIP
		"growing" => (100.0 * 1.25f64.powi(epoch as i32)) as u128,
		// high demand well above emission
		"high" => 3_000,
		_ => 0,
	}
}

/// Runs `epochs` epochs of a scenario; returns one row per epoch:
/// (epoch, burned, scheduled, recycled, minted, net change, supply) in whole AIP.
fn run(scenario: &str, epochs: u64) -> Vec<(u64, u128, u128, u128, u128, i128, u128)> {
	let mut rows = Vec::new();
	ExtBuilder::default().build_and_execute(|| {
		let consumer = 1;
		let providers = [7u64, 8, 9];
		let mut last_beat: BlockNumber = 0;
		for e in 0..epochs {
			let burn = demand(scenario, e) * UNIT;
			let minted_before = Stats::<Test>::get().minted;
			// the consumer buys credits and spends them on the providers' work
			if burn > 0 {
				assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(consumer), burn, 0));
				let credits = Bme::free_credits(&consumer);
				assert_ok!(Bme::reserve(&consumer, credits));
				for (i, p) in providers.iter().enumerate() {
					let share = credits / 3 + if i == 0 { credits % 3 } else { 0 };
					assert_ok!(Bme::spend(&consumer, share, p, true));
				}
			}
			// keep the oracle fresh; providers send heartbeats on time through the epoch
			assert_ok!(Bme::submit_price(RuntimeOrigin::signed(FEEDER), PRICE));
			for b in e * EPOCH + 1..=(e + 1) * EPOCH {
				run_to_block(b);
				if b % HEARTBEAT == 0 {
					for p in providers {
						Bme::on_heartbeat(&p, 1_000 * UNIT, last_beat, b);
					}
					last_beat = b;
				}
			}
			for p in providers {
				let _ = Bme::claim_rewards(RuntimeOrigin::signed(p));
			}
			let rec = Epochs::<Test>::get(e as u32).expect("epoch closed");
			let minted = Stats::<Test>::get().minted - minted_before;
			let supply = issuance();
			let net = minted as i128 - rec.burned as i128;
			rows.push((
				e,
				rec.burned / UNIT,
				rec.scheduled / UNIT,
				rec.recycled / UNIT,
				minted / UNIT,
				net / UNIT as i128,
				supply / UNIT,
			));
		}
	});
	rows
}

#[test]
fn simulation_of_supply_under_three_demand_scenarios() {
	let epochs = 12;
	let mut out = String::new();
	for scenario in ["low", "growing", "high"] {
		let rows = run(scenario, epochs);
		out.push_str(&format!("\nscenario: {scenario}\n"));
		out.push_str("| epoch | burned | scheduled | recycled | minted | net change | supply |\n");
		out.push_str("|---:|---:|---:|---:|---:|---:|---:|\n");
		for (e, b, s, r, m, n, sup) in &rows {
			out.push_str(&format!("| {e} | {b} | {s} | {r} | {m} | {n:+} | {sup} |\n"));
		}
		// Properties the model promises:
		for (_, b, s, r, m, _, _) in &rows {
			assert!(*r <= (*b).min(100), "recycling is capped and never exceeds the burn");
			assert!(*m <= s + r, "never more is minted than scheduled + recycled");
		}
		if scenario == "high" {
			// demand far above emission shrinks supply every epoch
			assert!(rows.iter().all(|row| row.5 < 0), "high demand is deflationary");
		}
		if scenario == "low" {
			assert!(rows.iter().all(|row| row.5 > 0), "low demand is inflationary");
		}
	}
	println!("{out}");
}
