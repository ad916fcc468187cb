//! The lifecycle as the escrow sees it: what it asks of the registry, the credit ledger and the
//! offence sink, each a mock here.

use crate::{mock::*, *};
use aipin_primitives::{
	traits::{
		credits::mock::MockCredits, offences::mock::MockOffences, registry::mock::MockRegistry,
	},
	OffenceKind, TaskOutcome,
};
use frame_support::{assert_noop, assert_ok, traits::Get};

#[test]
fn agreeing_replicas_are_paid_their_ask_and_the_rest_is_released() {
	ExtBuilder::default().providers(vec![(11, 3), (12, 4)]).build_and_execute(|| {
		let id = submit(2);
		// 2 work units × max price 10 × 2 replicas.
		assert_eq!(MockCredits::reserved(&CONSUMER), 40);
		next_block();
		let ps = providers_of(id);
		assert_eq!(ps.len(), 2);
		for p in &ps {
			commit(id, *p, root(1));
		}
		for p in &ps {
			reveal(id, *p, root(1));
		}
		assert_eq!(finished_reason(id), Some(TerminalReason::Completed));
		assert_eq!(task(id).result_root, Some(root(1)));
		// Each is paid its own ask per work unit; nothing stays reserved.
		assert_eq!(MockCredits::earned(&11u64), 2 * 3);
		assert_eq!(MockCredits::earned(&12u64), 2 * 4);
		assert_eq!(MockCredits::reserved(&CONSUMER), 0);
		assert_eq!(
			<MockCredits as aipin_primitives::ComputeCredits<_>>::free_credits(&CONSUMER),
			10_000_000 - 14
		);
		for p in ps {
			assert!(MockRegistry::get(&p).unwrap().outcomes.contains(&TaskOutcome::Success));
		}
	});
}

#[test]
fn a_missed_commit_is_reported_to_the_offence_sink() {
	ExtBuilder::default().providers(vec![(11, 5), (12, 5)]).build_and_execute(|| {
		let id = submit(2);
		next_block();
		let ps = providers_of(id);
		commit(id, ps[0], root(1));
		let Phase::Commit { ends } = phase(id) else { panic!("committing") };
		run_to_block(ends + 1);
		assert_eq!(offences_of(ps[1]), vec![OffenceKind::MissedCommit]);
		assert!(offences_of(ps[0]).is_empty());
	});
}

#[test]
fn only_the_assigned_operator_can_commit() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(1);
		next_block();
		let p = providers_of(id)[0];
		let stranger = if p == 11 { 12 } else { 11 };
		let c = [0u8; 32];
		assert_noop!(
			Escrow::commit_result(RuntimeOrigin::signed(p), id, c),
			Error::<Test>::NotOperator
		);
		assert_noop!(
			Escrow::commit_result(RuntimeOrigin::signed(stranger + OPERATOR_OFFSET), id, c),
			Error::<Test>::NotAssigned
		);
	});
}

#[test]
fn a_consumer_without_credits_cannot_submit() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Escrow::submit_task(
				RuntimeOrigin::signed(77),
				GEMM,
				params(&[8, 8, 8]),
				seeded(),
				1,
				10,
				now() + 50
			),
			Error::<Test>::InsufficientCredits
		);
	});
}

#[test]
fn pruning_respects_the_weight_limit() {
	ExtBuilder::default().build_and_execute(|| {
		for _ in 0..3 {
			submit(1);
		}
		for id in 0..3 {
			assert_ok!(Escrow::cancel_task(RuntimeOrigin::signed(CONSUMER), id));
		}
		let done = now();
		System::set_block_number(done + RETENTION);
		let db: frame_support::weights::RuntimeDbWeight =
			<Test as frame_system::Config>::DbWeight::get();
		let step = <() as WeightInfo>::prune_task();
		// Room for the cursor, stepping over the empty block 0, and exactly two tasks.
		let limit = db.reads_writes(1, 1) + db.reads(1) + step + step;
		let used = Escrow::prune(now(), limit);
		assert!(used.all_lte(limit));
		assert_eq!(Tasks::<Test>::count(), 1);
		Escrow::prune(now(), limit);
		assert_eq!(Tasks::<Test>::count(), 0);
		// Nothing to do with no weight.
		assert_eq!(
			Escrow::prune(now(), frame_support::weights::Weight::zero()),
			Default::default()
		);
	});
}

/// A consumer cannot grief providers with work too large for the commit window: a provider is
/// assigned only work its declared throughput computes in time. Too large for everyone, the
/// task waits and expires with a full refund; nobody was assigned, nobody is slashed.
#[test]
fn work_no_provider_can_finish_in_time_is_never_assigned() {
	ExtBuilder::default().providers(vec![(11, 3), (12, 4)]).build_and_execute(|| {
		// submit(_) is 2 work units; a provider declaring no throughput cannot do any work.
		for p in [11u64, 12] {
			MockRegistry::set_throughput(&p, 0);
		}
		// No registered provider could ever do it: refused at submission.
		assert_noop!(
			submit_with(GEMM, &[8, 8, 8], seeded(), 2, 10, now() + 50),
			Error::<Test>::NoCapableProvider
		);
		// Submitted while one could, then nobody can (its profile lowered): never assigned.
		MockRegistry::set_throughput(&11u64, 1);
		let id = submit(1);
		MockRegistry::set_throughput(&11u64, 0);
		next_block();
		assert!(providers_of(id).is_empty(), "nobody can finish it in time");
		let Phase::Queued { expires } = phase(id) else { panic!("still queued") };
		run_to_block(expires + 1);
		assert_eq!(finished_reason(id), Some(TerminalReason::ExpiredNoProvider));
		assert_eq!(MockCredits::reserved(&CONSUMER), 0);
		assert_eq!(
			<MockCredits as aipin_primitives::ComputeCredits<_>>::free_credits(&CONSUMER),
			10_000_000
		);
		assert!(MockOffences::reported::<u64, u64>().is_empty());
		// One provider fast enough (1 unit/s covers MOCK_TASK_COMPUTE_SECONDS = 60 units)
		// takes the next such task alone.
		MockRegistry::set_throughput(&11u64, 1);
		let id = submit(1);
		next_block();
		assert_eq!(providers_of(id), vec![11]);
	});
}
