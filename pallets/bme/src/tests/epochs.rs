use crate::{
	mock::*, CurrentEpoch, EpochRecord, Epochs, Error, Event, PendingRewards, PruneCursor, Stats,
	Unclaimed,
};
use aipin_primitives::{ComputeCredits, HeartbeatObserver};
use frame_support::{
	assert_noop, assert_ok,
	dispatch::{GetDispatchInfo, WithPostDispatchInfo},
	traits::Hooks,
};
use sp_runtime::{Perbill, Weight};

/// Keeps the oracle fresh while moving through blocks.
fn advance_to(n: BlockNumber) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		run_to_block(next);
		if next.is_multiple_of(VALIDITY / 2) {
			assert_ok!(Bme::submit_price(RuntimeOrigin::signed(FEEDER), PRICE));
		}
	}
}

/// Heartbeats for `who` every `HEARTBEAT` blocks over `[from, to]`, starting from `prev`.
fn heartbeats(
	who: AccountId,
	stake: Balance,
	prev: BlockNumber,
	from: BlockNumber,
	to: BlockNumber,
) {
	let mut last = prev;
	let mut b = from;
	while b <= to {
		advance_to(b);
		Bme::on_heartbeat(&who, stake, last, b);
		last = b;
		b += HEARTBEAT;
	}
}

#[test]
fn the_scheduled_emission_decays_every_epoch() {
	ExtBuilder::default().build_and_execute(|| {
		let mut expected = InitialEmission::get();
		for epoch in 0..30u32 {
			advance_to((epoch as u64 + 1) * EPOCH);
			let rec = Epochs::<Test>::get(epoch).expect("closed");
			assert_eq!(rec.scheduled, expected, "epoch {epoch}");
			expected -= Perbill::from_percent(10) * expected;
		}
		assert_eq!(CurrentEpoch::<Test>::get(), 30);
	});
}

#[test]
fn the_scheduled_emission_stops_at_its_cap() {
	ExtBuilder::default().build_and_execute(|| {
		MaxScheduledEmission::set(2_500 * UNIT);
		EmissionDecay::set(Perbill::zero());
		advance_to(4 * EPOCH);
		let scheduled: Vec<Balance> =
			(0..4).map(|e| Epochs::<Test>::get(e).unwrap().scheduled).collect();
		assert_eq!(scheduled, vec![1_000 * UNIT, 1_000 * UNIT, 500 * UNIT, 0]);
	});
}

#[test]
fn an_epoch_with_no_work_and_no_heartbeats_mints_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		let before = issuance();
		advance_to(EPOCH);
		let rec = Epochs::<Test>::get(0).unwrap();
		assert_eq!((rec.work_pool, rec.availability_pool), (0, 0));
		assert_eq!(issuance(), before);
		assert!(bme_events().iter().any(|e| matches!(e, Event::EpochClosed { epoch: 0, .. })));
	});
}

#[test]
fn work_and_availability_are_paid_pro_rata_at_claim() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), UNIT, 0));
		assert_ok!(<Bme as ComputeCredits<_>>::reserve(&1, 40_000));
		// provider 7 earns 3/4 of the work, provider 8 a quarter
		assert_ok!(<Bme as ComputeCredits<_>>::spend(&1, 30_000, &7, true));
		assert_ok!(<Bme as ComputeCredits<_>>::spend(&1, 10_000, &8, true));
		// only 8 sends heartbeats through the epoch (previous heartbeat before the epoch)
		heartbeats(8, 5_000 * UNIT, 0, 1, EPOCH - 1);
		advance_to(EPOCH);
		let rec = Epochs::<Test>::get(0).unwrap();
		// 1000 scheduled + 1 recycled (burn below the cap) = 1001. 80% is offered for work,
		// but the work pool is bounded by the 0.8 AIP burned for the 40,000 credits of work;
		// the rest pays availability.
		assert_eq!(rec.recycled, UNIT);
		assert_eq!(rec.total_value, UNIT * 4 / 5);
		assert_eq!(rec.work_pool, UNIT * 4 / 5);
		let avail = 1_001 * UNIT - rec.work_pool;
		assert_eq!(rec.availability_pool, avail);

		assert_eq!(Bme::claimable(&7), rec.work_pool * 3 / 4);
		assert_ok!(Bme::claim_rewards(RuntimeOrigin::signed(7)));
		assert_eq!(free(7), ENDOWMENT + rec.work_pool * 3 / 4);
		assert_ok!(Bme::claim_rewards(RuntimeOrigin::signed(8)));
		assert_eq!(free(8), ENDOWMENT + rec.work_pool / 4 + avail);
		assert!(bme_events()
			.contains(&Event::RewardsClaimed { provider: 8, amount: rec.work_pool / 4 + avail }));
		assert_eq!(Stats::<Test>::get().minted, rec.work_pool + avail);
		// nothing twice
		assert_noop!(
			Bme::claim_rewards(RuntimeOrigin::signed(7)),
			Error::<Test>::NothingToClaim.with_weight(claim_weight(0))
		);
	});
}

fn claim_weight(epochs: u32) -> Weight {
	<() as crate::WeightInfo>::claim_rewards(epochs)
}

/// A claim is declared for the most unclaimed epochs an account can have, so that it always
/// fits its block; it must not be charged for them. Before, a claim of one epoch (or a failed
/// one) paid for all of them: 72.6 transfers in the runtime instead of about one.
#[test]
fn a_claim_is_charged_for_the_epochs_it_settles_not_for_the_bound() {
	ExtBuilder::default().build_and_execute(|| {
		let declared = claim_weight(<Test as crate::Config>::MaxUnclaimedEpochs::get());
		let call = crate::Call::<Test>::claim_rewards {};
		assert_eq!(call.get_dispatch_info().call_weight, declared);
		// Available through three epochs.
		heartbeats(7, 5_000 * UNIT, 0, 1, 3 * EPOCH - 1);
		advance_to(3 * EPOCH);
		assert_eq!(Bme::rewards(&7).epochs.len(), 3);
		let info = Bme::claim_rewards(RuntimeOrigin::signed(7)).expect("claims");
		assert_eq!(info.actual_weight, Some(claim_weight(3)));
		assert!(
			claim_weight(3).all_lte(declared) && claim_weight(3).ref_time() < declared.ref_time()
		);
		let refused = Bme::claim_rewards(RuntimeOrigin::signed(7)).unwrap_err();
		assert_eq!(refused.post_info.actual_weight, Some(claim_weight(0)));
	});
}

#[test]
fn a_heartbeat_gap_forfeits_availability() {
	ExtBuilder::default().build_and_execute(|| {
		heartbeats(8, 5_000 * UNIT, 0, 1, 3);
		heartbeats(8, 5_000 * UNIT, 3, 3 + HEARTBEAT + 1, EPOCH - 1); // one gap too long
		heartbeats(9, 5_000 * UNIT, 0, 1, EPOCH - 1);
		advance_to(EPOCH);
		let rec = Epochs::<Test>::get(0).unwrap();
		assert_eq!(Bme::claimable(&8), 0);
		assert_eq!(
			Bme::claimable(&9),
			rec.availability_pool / 2,
			"its half only; 8's half is never minted"
		);
	});
}

/// The staking pallet reports a draining or jailed provider's heartbeats with no stake: one
/// such heartbeat in an epoch forfeits that epoch's availability share (the least stake seen
/// is what counts), and the next epoch pays again once it is back.
#[test]
fn a_heartbeat_sent_while_not_ready_for_work_forfeits_the_epochs_availability() {
	ExtBuilder::default().build_and_execute(|| {
		heartbeats(8, 5_000 * UNIT, 0, 1, 4);
		heartbeats(8, 0, 4, 4 + HEARTBEAT, 4 + HEARTBEAT); // drained for one beat
		heartbeats(8, 5_000 * UNIT, 4 + HEARTBEAT, 4 + 2 * HEARTBEAT, 2 * EPOCH - 1);
		heartbeats(9, 5_000 * UNIT, 0, 1, 2 * EPOCH - 1);
		advance_to(2 * EPOCH);
		let first = Epochs::<Test>::get(0).unwrap();
		assert_eq!(crate::Pallet::<Test>::reward_of(&8, 0).availability, 0);
		assert_eq!(crate::Pallet::<Test>::reward_of(&9, 0).availability, first.availability_pool);
		let second = Epochs::<Test>::get(1).unwrap();
		assert_eq!(
			crate::Pallet::<Test>::reward_of(&8, 1).availability,
			second.availability_pool / 2
		);
	});
}

#[test]
fn a_provider_that_joins_mid_epoch_earns_availability_from_the_next() {
	ExtBuilder::default().build_and_execute(|| {
		// previous heartbeat (its registration) is inside the epoch
		heartbeats(8, 5_000 * UNIT, 3, 4, 2 * EPOCH - 1);
		advance_to(2 * EPOCH);
		assert_eq!(crate::Pallet::<Test>::reward_of(&8, 0).availability, 0);
		assert!(crate::Pallet::<Test>::reward_of(&8, 1).availability > 0);
	});
}

#[test]
fn claims_cover_every_finished_epoch_and_leave_the_current_one() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), 10 * UNIT, 0));
		for epoch in 0..3u64 {
			assert_ok!(<Bme as ComputeCredits<_>>::reserve(&1, 100));
			assert_ok!(<Bme as ComputeCredits<_>>::spend(&1, 100, &7, true));
			advance_to((epoch + 1) * EPOCH);
		}
		assert_ok!(<Bme as ComputeCredits<_>>::reserve(&1, 100));
		assert_ok!(<Bme as ComputeCredits<_>>::spend(&1, 100, &7, true)); // epoch 3, in progress
		let expected: Balance = (0..3).map(|e| Epochs::<Test>::get(e).unwrap().work_pool).sum();
		assert_ok!(Bme::claim_rewards(RuntimeOrigin::signed(7)));
		assert_eq!(free(7), ENDOWMENT + expected);
		assert_eq!(Unclaimed::<Test>::get(7).to_vec(), vec![3]);
	});
}

#[test]
fn rewards_by_epoch_add_up_to_what_a_claim_pays() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), 10 * UNIT, 0));
		// MaxUnclaimedEpochs = 4: epochs 0..=4 of work, the oldest settled into pending.
		for epoch in 0..5u64 {
			assert_ok!(<Bme as ComputeCredits<_>>::reserve(&1, 100 + epoch as u128));
			assert_ok!(<Bme as ComputeCredits<_>>::spend(&1, 100 + epoch as u128, &7, true));
			advance_to((epoch + 1) * EPOCH);
		}
		assert_ok!(<Bme as ComputeCredits<_>>::reserve(&1, 30));
		assert_ok!(<Bme as ComputeCredits<_>>::spend(&1, 30, &7, true)); // epoch 5, in progress
		let view = Bme::rewards_of(7);
		let pool = |e| Epochs::<Test>::get(e).unwrap().work_pool;
		assert_eq!(
			view.epochs.iter().map(|(e, r)| (*e, r.work, r.availability)).collect::<Vec<_>>(),
			vec![(2, pool(2), 0), (3, pool(3), 0), (4, pool(4), 0)],
			"each finished, unclaimed epoch with its share (the only provider takes the pool)"
		);
		assert_eq!(view.pending, pool(0) + pool(1), "the settled ones");
		assert_eq!(view.current.credits, 30, "work so far in the epoch in progress");
		let claimable = view.pending + view.epochs.iter().map(|(_, r)| r.work).sum::<Balance>();
		assert_eq!(Bme::claimable_rewards(7), claimable);

		assert_ok!(Bme::claim_rewards(RuntimeOrigin::signed(7)));
		assert_eq!(free(7), ENDOWMENT + claimable, "a claim pays what the view showed");
		let after = Bme::rewards_of(7);
		assert!(after.epochs.is_empty() && after.pending == 0);
		assert_eq!(after.current.credits, 30);
		assert_eq!(Bme::rewards_of(8), Default::default(), "nothing for a stranger");
	});
}

#[test]
fn too_many_unclaimed_epochs_settle_the_oldest_into_pending_rewards() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), 10 * UNIT, 0));
		// MaxUnclaimedEpochs = 4: work in epochs 0..=4 without claiming
		for epoch in 0..5u64 {
			assert_ok!(<Bme as ComputeCredits<_>>::reserve(&1, 100));
			assert_ok!(<Bme as ComputeCredits<_>>::spend(&1, 100, &7, true));
			advance_to((epoch + 1) * EPOCH);
		}
		assert_ok!(<Bme as ComputeCredits<_>>::reserve(&1, 100));
		assert_ok!(<Bme as ComputeCredits<_>>::spend(&1, 100, &7, true)); // epoch 5 pushes out epoch 0 ... 1
		assert_eq!(Unclaimed::<Test>::get(7).to_vec(), vec![2, 3, 4, 5]);
		let settled =
			Epochs::<Test>::get(0).unwrap().work_pool + Epochs::<Test>::get(1).unwrap().work_pool;
		assert_eq!(PendingRewards::<Test>::get(7), settled, "nothing lost");
		let all: Balance = (0..5).map(|e| Epochs::<Test>::get(e).unwrap().work_pool).sum();
		assert_ok!(Bme::claim_rewards(RuntimeOrigin::signed(7)));
		assert_eq!(free(7), ENDOWMENT + all);
	});
}

#[test]
fn net_emission_recycles_burn_up_to_the_cap() {
	ExtBuilder::default().build_and_execute(|| {
		// burn 300 AIP; cap 100 AIP per epoch
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), 300 * UNIT, 0));
		advance_to(EPOCH);
		let rec = Epochs::<Test>::get(0).unwrap();
		assert_eq!(rec.burned, 300 * UNIT);
		assert_eq!(rec.recycled, 100 * UNIT);
	});
}

#[test]
fn fully_claimed_epochs_are_pruned_after_the_history_depth() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), UNIT, 0));
		assert_ok!(<Bme as ComputeCredits<_>>::reserve(&1, 100));
		assert_ok!(<Bme as ComputeCredits<_>>::spend(&1, 100, &7, true));
		advance_to(6 * EPOCH); // HistoryDepth = 3
		Bme::on_idle(System::block_number(), Weight::MAX);
		assert!(Epochs::<Test>::get(0).is_some(), "7 has not claimed epoch 0 yet");
		assert_eq!(PruneCursor::<Test>::get(), 0);
		assert_ok!(Bme::claim_rewards(RuntimeOrigin::signed(7)));
		Bme::on_idle(System::block_number(), Weight::MAX);
		assert!(Epochs::<Test>::get(0).is_none());
		assert!(Epochs::<Test>::get(2).is_none());
		assert!(Epochs::<Test>::get(3).is_some(), "the last 3 epochs stay");
		assert_eq!(PruneCursor::<Test>::get(), 3);
		// no weight, no work
		assert_eq!(Bme::on_idle(System::block_number(), Weight::zero()), Weight::zero());
	});
}

#[test]
fn epoch_records_never_pay_out_more_than_their_pools() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), UNIT, 0));
		for p in 7..=9 {
			assert_ok!(<Bme as ComputeCredits<_>>::reserve(&1, 333));
			assert_ok!(<Bme as ComputeCredits<_>>::spend(&1, 333, &p, true));
		}
		advance_to(EPOCH);
		for p in 7..=9 {
			assert_ok!(Bme::claim_rewards(RuntimeOrigin::signed(p)));
		}
		let EpochRecord { claimed, work_pool, unclaimed, .. } = Epochs::<Test>::get(0).unwrap();
		assert!(claimed <= work_pool);
		assert!(work_pool - claimed < 3, "rounding dust only");
		assert_eq!(unclaimed, 0);
	});
}

#[test]
fn lowering_the_unclaimed_bound_settles_old_epochs_and_nobody_can_claim_less() {
	use crate::migrations::v1::MigrateToV1;
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	ExtBuilder::default().build_and_execute(|| {
		// Under the previous bound (8), provider 7 works in epochs 0..=6 and provider 8, also
		// heartbeating, in epochs 4..=6; neither claims.
		MaxUnclaimedEpochs::set(8);
		assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(1), 10 * UNIT, 0));
		for epoch in 0..7u64 {
			let providers: &[u64] = if epoch >= 4 { &[7, 8] } else { &[7] };
			for p in providers {
				assert_ok!(<Bme as ComputeCredits<_>>::reserve(&1, 100 + epoch as u128));
				assert_ok!(<Bme as ComputeCredits<_>>::spend(&1, 100 + epoch as u128, p, true));
			}
			advance_to((epoch + 1) * EPOCH);
		}
		assert_ok!(<Bme as ComputeCredits<_>>::reserve(&1, 30));
		assert_ok!(<Bme as ComputeCredits<_>>::spend(&1, 30, &7, true)); // epoch 7, in progress
		assert_eq!(Unclaimed::<Test>::get(7).len(), 8);
		let before = (Bme::claimable_rewards(7), Bme::claimable_rewards(8));
		assert!(before.0 > 0 && before.1 > 0);
		StorageVersion::new(0).put::<Bme>();

		// The new bound: lists of 8 no longer decode until the migration shortens them.
		MaxUnclaimedEpochs::set(3);
		assert!(Unclaimed::<Test>::get(7).is_empty(), "an over-long list does not decode");
		// With try-runtime, the migration's own checks too: it reads the version-0 lists and
		// finds every provider's claim unchanged after.
		#[cfg(feature = "try-runtime")]
		let state = {
			use frame_support::traits::UncheckedOnRuntimeUpgrade;
			crate::migrations::v1::SettleOldUnclaimed::<Test>::pre_upgrade().unwrap()
		};
		MigrateToV1::<Test>::on_runtime_upgrade();
		#[cfg(feature = "try-runtime")]
		{
			use frame_support::traits::UncheckedOnRuntimeUpgrade;
			crate::migrations::v1::SettleOldUnclaimed::<Test>::post_upgrade(state).unwrap();
		}
		assert_eq!(Bme::on_chain_storage_version(), 1);
		assert_eq!(Unclaimed::<Test>::get(7).to_vec(), vec![5, 6, 7]);
		assert_eq!(Unclaimed::<Test>::get(8).to_vec(), vec![4, 5, 6], "short enough: untouched");
		assert_eq!((Bme::claimable_rewards(7), Bme::claimable_rewards(8)), before);
		// A second run does nothing.
		let root = sp_io::storage::root(sp_runtime::StateVersion::V1);
		MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(sp_io::storage::root(sp_runtime::StateVersion::V1), root);

		// The claims pay exactly that, and are charged for at most the new bound.
		for (who, owed) in [(7, before.0), (8, before.1)] {
			let post = Bme::claim_rewards(RuntimeOrigin::signed(who)).unwrap();
			assert_eq!(free(who), ENDOWMENT + owed);
			assert!(post.actual_weight.unwrap().all_lte(claim_weight(3)));
		}
	});
}
