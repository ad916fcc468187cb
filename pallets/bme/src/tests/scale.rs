//! Many providers: the epoch hook's work does not grow with them, and all can claim.

use crate::{mock::*, Epochs};
use aipin_primitives::{ComputeCredits, HeartbeatObserver};
use frame_support::{assert_ok, traits::Hooks};

#[test]
fn ten_thousand_providers_work_and_claim() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), 10_000 * UNIT, 0));
		let providers = 10_000u64;
		for i in 0..providers {
			let p = 1_000 + i;
			assert_ok!(<Bme as ComputeCredits<_>>::reserve(&1, 10));
			assert_ok!(<Bme as ComputeCredits<_>>::spend(&1, 10, &p, true));
			Bme::on_heartbeat(&p, 1_000 * UNIT, 0, 1);
		}
		// closing the epoch reads and writes a fixed number of items, whatever the count
		System::set_block_number(EPOCH);
		let weight = Bme::on_initialize(EPOCH);
		assert!(weight.ref_time() > 0);
		let rec = Epochs::<Test>::get(0).unwrap();
		assert_eq!(rec.total_work, 10 * providers as u128);
		assert_eq!(rec.unclaimed, providers as u32);
		let before = issuance();
		for i in 0..providers {
			assert_ok!(Bme::claim_rewards(frame_system::RawOrigin::Signed(1_000 + i).into()));
		}
		let paid = issuance() - before;
		assert!(paid <= rec.work_pool + rec.availability_pool);
		assert_eq!(Epochs::<Test>::get(0).unwrap().unclaimed, 0);
	});
}
