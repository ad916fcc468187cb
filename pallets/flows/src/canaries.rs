//! Known-answer (canary) tasks through the whole stack (trust issue, item 5).
//!
//! Before: a provider assigned an r = 1 task was never checked, so a lazy one could reveal any
//! root and be paid. Now governance seals canaries ahead of time; a canary's wrong answer is a
//! `FailedCanary` offence (slashed, reputation lost), a right one counts as verified work, and
//! nothing in a task's state tells a canary from any other task before it resolves.

use crate::mock::*;
use aipin_primitives::{canary_seal, OffenceKind, TaskId, TaskInput};
use frame_support::{assert_noop, assert_ok, traits::Get, BoundedVec};
use pallet_task_escrow::*;
use sp_runtime::DispatchError;

const SHAPE: [u32; 3] = [8, 8, 8];

fn input(seed: u8) -> TaskInputOf<Test> {
	TaskInput::Seeded { seed: [seed; 32] }
}

/// The seal saying that the seeded GEMM with `seed` has result root `answer`.
fn seal_of(seed: u8, answer: [u8; 32]) -> [u8; 32] {
	canary_seal(GEMM, &params(&SHAPE), &input(seed).digest(), &answer)
}

fn post(seals: &[[u8; 32]]) {
	assert_ok!(Escrow::seal_canaries(
		RuntimeOrigin::root(),
		BoundedVec::truncate_from(seals.to_vec())
	));
}

/// Submits the seeded GEMM with `seed` with replication `r`.
fn submit_seeded(seed: u8, r: u8) -> TaskId {
	let id = NextTaskId::<Test>::get();
	assert_ok!(submit_with(GEMM, &SHAPE, input(seed), r, 10, now() + 50));
	id
}

fn reputation(p: AccountId) -> u32 {
	pallet_compute_staking::Providers::<Test>::get(p).unwrap().reputation.value
}

fn stake(p: AccountId) -> Balance {
	pallet_compute_staking::Providers::<Test>::get(p).unwrap().active
}

fn one_provider() -> ExtBuilder {
	ExtBuilder::default().providers(vec![(11, 10)])
}

#[test]
fn a_lazy_provider_that_answers_a_canary_wrongly_is_exposed_and_slashed() {
	one_provider().build_and_execute(|| {
		post(&[seal_of(1, root(5))]);
		next_block();
		let id = submit_seeded(1, 1);
		next_block();
		let rep = reputation(11);
		// The provider does not compute: it reveals a made-up root, which r = 1 accepts.
		commit(id, 11, root(9));
		reveal(id, 11, root(9));
		assert_eq!(finished_reason(id), Some(TerminalReason::Completed));
		assert!(offences_of(11).is_empty(), "nothing could tell before the exposure");
		// Whoever holds the answer shows it: the seal is the proof, any account may send it.
		assert_ok!(Escrow::expose_canary(RuntimeOrigin::signed(7), id, root(5)));
		assert_eq!(offences_of(11), vec![OffenceKind::FailedCanary]);
		assert!(reputation(11) < rep, "a wrong canary answer costs reputation");
		assert!(escrow_events().contains(&Event::CanaryChecked {
			task: id,
			result_root: root(5),
			failed: 1
		}));
		assert_eq!(CanarySeals::<Test>::count(), 0, "the seal is used up");
		assert_noop!(
			Escrow::expose_canary(RuntimeOrigin::signed(7), id, root(5)),
			Error::<Test>::NoSuchCanary
		);
		// After the deferral the slash lands: 20% of the stake (the mock's canary fraction).
		let before = stake(11);
		run_to_block(now() + DEFER + 1);
		assert_eq!(stake(11), before - before / 5);
	});
}

#[test]
fn a_right_answer_to_a_canary_counts_as_verified_work_even_at_r_1() {
	one_provider().build_and_execute(|| {
		post(&[seal_of(1, root(5))]);
		next_block();
		let plain = submit_seeded(2, 1);
		let canary = submit_seeded(1, 1);
		next_block();
		for id in [plain, canary] {
			commit(id, 11, if id == canary { root(5) } else { root(6) });
			reveal(id, 11, if id == canary { root(5) } else { root(6) });
			assert_eq!(finished_reason(id), Some(TerminalReason::Completed));
		}
		// 2 work units × 10 credits: only the canary's payment is verified work.
		assert_eq!(work_of(11), 20);
		assert!(offences_of(11).is_empty());
		assert!(escrow_events().contains(&Event::CanaryChecked {
			task: canary,
			result_root: root(5),
			failed: 0
		}));
		assert_eq!(CanarySeals::<Test>::count(), 0);
	});
}

#[test]
fn a_canary_decides_between_disagreeing_replicas_without_a_tiebreaker() {
	ExtBuilder::default().build_and_execute(|| {
		post(&[seal_of(1, root(5))]);
		next_block();
		let id = submit_seeded(1, 2);
		next_block();
		let ps = providers_of(id);
		commit(id, ps[0], root(9));
		commit(id, ps[1], root(5));
		reveal(id, ps[0], root(9));
		reveal(id, ps[1], root(5));
		assert_eq!(finished_reason(id), Some(TerminalReason::ResolvedByCanary));
		assert_eq!(task(id).result_root, Some(root(5)));
		assert!(!task(id).has_tiebreaker(), "the chain knew the answer");
		assert_eq!(offences_of(ps[0]), vec![OffenceKind::FailedCanary]);
		assert_eq!(work_of(ps[1]), 20, "the right replica is paid, as verified work");
		assert_eq!(work_of(ps[0]), 0);
	});
}

#[test]
fn a_root_right_for_one_canary_proves_nothing_for_another() {
	one_provider().build_and_execute(|| {
		post(&[seal_of(1, root(5)), seal_of(2, root(6))]);
		next_block();
		let first = submit_seeded(1, 1);
		let second = submit_seeded(2, 1);
		next_block();
		// The provider computes the first and replays its root on the second.
		commit(first, 11, root(5));
		commit(second, 11, root(5));
		reveal(first, 11, root(5));
		reveal(second, 11, root(5));
		assert_eq!(work_of(11), 20, "only the first counts as verified");
		assert_eq!(CanarySeals::<Test>::count(), 1, "the second seal is still unused");
		assert_ok!(Escrow::expose_canary(RuntimeOrigin::signed(7), second, root(6)));
		assert_eq!(offences_of(11), vec![OffenceKind::FailedCanary]);
	});
}

/// What a provider can read about a task: its record, its input, the operator view and the
/// events of its submission and assignment.
fn what_a_provider_sees(id: TaskId) -> Vec<u8> {
	use codec::Encode;
	let events: Vec<_> = escrow_events()
		.into_iter()
		.filter(|e| matches!(e, Event::TaskSubmitted { .. } | Event::TaskAssigned { .. }))
		.collect();
	let view = Escrow::operator_tasks(11 + OPERATOR_OFFSET);
	(task(id), TaskInputs::<Test>::get(id), view, events).encode()
}

#[test]
fn a_canary_looks_like_any_other_task_until_it_resolves() {
	let run = |seal_this_one: bool| {
		let mut seen = Vec::new();
		one_provider().build_and_execute(|| {
			// Either this task's seal or an unrelated one: the seal set has the same size.
			post(&[if seal_this_one { seal_of(1, root(5)) } else { seal_of(3, root(5)) }]);
			next_block();
			let id = submit_seeded(1, 1);
			next_block();
			seen = what_a_provider_sees(id);
			commit(id, 11, root(5));
			seen.extend(what_a_provider_sees(id));
			reveal(id, 11, root(5));
		});
		seen
	};
	assert_eq!(run(true), run(false), "a provider sees the same bytes either way");
}

#[test]
fn exposing_needs_the_sealed_answer_a_finished_task_and_a_seal_older_than_the_task() {
	one_provider().build_and_execute(|| {
		post(&[seal_of(1, root(5))]);
		next_block();
		let id = submit_seeded(1, 1);
		let expose =
			|who, id, answer| Escrow::expose_canary(RuntimeOrigin::signed(who), id, answer);
		assert_noop!(expose(7, 999, root(5)), Error::<Test>::UnknownTask);
		assert_noop!(expose(7, id, root(5)), Error::<Test>::TaskNotFinished);
		assert_noop!(
			Escrow::expose_canary(RuntimeOrigin::none(), id, root(5)),
			DispatchError::BadOrigin
		);
		next_block();
		commit(id, 11, root(9));
		reveal(id, 11, root(9));
		assert_noop!(expose(7, id, root(6)), Error::<Test>::NoSuchCanary);

		// A seal posted after submission cannot frame the providers of a task already run.
		let late = submit_seeded(4, 1);
		next_block();
		commit(late, 11, root(9));
		reveal(late, 11, root(9));
		post(&[seal_of(4, root(5))]);
		assert_noop!(expose(7, late, root(5)), Error::<Test>::NoSuchCanary);

		// Past the task's lifetime the slash could no longer land before unbonding.
		// (Set directly: the mock prunes finished tasks sooner than the runtime, which keeps
		// them a day, four times `MaxTaskLifetime`.)
		System::set_block_number(task(id).submitted_at + LIFETIME + 1);
		assert_noop!(expose(7, id, root(5)), Error::<Test>::CanaryExposureClosed);
		assert!(offences_of(11).is_empty());
	});
}

#[test]
fn only_the_canary_origin_posts_or_withdraws_seals_and_their_number_is_bounded() {
	one_provider().build_and_execute(|| {
		let seals = |from: u8, n: u8| -> BoundedVec<[u8; 32], _> {
			BoundedVec::truncate_from((from..from + n).map(|i| seal_of(i, root(1))).collect())
		};
		assert_noop!(
			Escrow::seal_canaries(RuntimeOrigin::signed(CONSUMER), seals(0, 1)),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Escrow::unseal_canaries(RuntimeOrigin::signed(CONSUMER), seals(0, 1)),
			DispatchError::BadOrigin
		);
		let twice = BoundedVec::truncate_from(vec![seal_of(0, root(1)); 2]);
		assert_noop!(
			Escrow::seal_canaries(RuntimeOrigin::root(), twice),
			Error::<Test>::CanarySealExists
		);
		let max: u32 = <Test as Config>::MaxCanarySeals::get();
		let max = max as u8;
		assert_ok!(Escrow::seal_canaries(RuntimeOrigin::root(), seals(0, max - 1)));
		assert_noop!(
			Escrow::seal_canaries(RuntimeOrigin::root(), seals(0, 1)),
			Error::<Test>::CanarySealExists
		);
		assert_noop!(
			Escrow::seal_canaries(RuntimeOrigin::root(), seals(max, 2)),
			Error::<Test>::TooManyCanarySeals
		);
		assert_ok!(Escrow::seal_canaries(RuntimeOrigin::root(), seals(max, 1)));
		assert_noop!(
			Escrow::unseal_canaries(RuntimeOrigin::root(), seals(max, 2)),
			Error::<Test>::NoSuchCanary
		);
		assert_ok!(Escrow::unseal_canaries(RuntimeOrigin::root(), seals(0, max - 1)));
		assert_eq!(CanarySeals::<Test>::count(), 1);
		assert!(escrow_events().contains(&Event::CanariesUnsealed { count: max as u32 - 1 }));
	});
}
