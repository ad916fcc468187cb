use crate::mock::*;
use aipin_primitives::{result_commitment, OffenceKind};
use frame_support::{assert_noop, assert_ok};
use pallet_task_escrow::*;

fn extra_providers() -> ExtBuilder {
	ExtBuilder::default().providers(vec![(11, 5), (12, 5), (13, 5), (14, 5)])
}

#[test]
fn majority_wins_and_the_minority_is_slashed_after_deferral() {
	extra_providers().build_and_execute(|| {
		let (free0, _) = credits(CONSUMER);
		let id = submit(3);
		next_block();
		let ps = providers_of(id);
		commit(id, ps[0], root(1));
		commit(id, ps[1], root(1));
		commit(id, ps[2], root(2));
		reveal(id, ps[0], root(1));
		reveal(id, ps[1], root(1));
		reveal(id, ps[2], root(2));
		assert_eq!(finished_reason(id), Some(TerminalReason::ResolvedByMajority));
		assert_eq!(task(id).result_root, Some(root(1)));
		// Honest ones paid 5 × 2 each; the consumer gets back the other 60 − 20.
		assert_eq!(work_of(ps[0]), 10);
		assert_eq!(work_of(ps[1]), 10);
		assert_eq!(work_of(ps[2]), 0);
		assert_eq!(credits(CONSUMER), (free0 - 20, 0));
		assert_eq!(offences_of(ps[2]), vec![OffenceKind::WrongResult]);
		assert!(offences_of(ps[0]).is_empty());
		assert!(escrow_events().contains(&Event::ProviderFaulted {
			task: id,
			provider: ps[2],
			offence: OffenceKind::WrongResult
		}));
		// The slash lands after the deferral: 10% of the stake, half to the consumer.
		let stake = |p| pallet_compute_staking::Providers::<Test>::get(p).unwrap().active;
		let before = stake(ps[2]);
		run_to_block(now() + DEFER + 1);
		assert_eq!(stake(ps[2]), before - before / 10);
		assert_eq!(stake(ps[0]), MIN_STAKE);
	});
}

#[test]
fn split_vote_goes_to_a_tiebreaker() {
	extra_providers().build_and_execute(|| {
		let (free0, _) = credits(CONSUMER);
		let id = submit(2);
		next_block();
		let ps = providers_of(id);
		commit(id, ps[0], root(1));
		commit(id, ps[1], root(2));
		reveal(id, ps[0], root(1));
		reveal(id, ps[1], root(2));
		// No majority: a fresh provider is assigned.
		let t = task(id);
		assert_eq!(t.assignments.len(), 3);
		let tb = t.assignments[2].clone();
		assert_eq!((tb.role, tb.state), (Role::TieBreaker, SlotState::Assigned));
		assert!(!ps.contains(&tb.provider));
		assert_eq!(t.phase, Phase::Commit { ends: now() + COMMIT });
		assert!(escrow_events().contains(&Event::TiebreakerAssigned {
			task: id,
			provider: tb.provider,
			commit_ends: now() + COMMIT
		}));
		// Nothing can be cancelled any more.
		assert_noop!(
			Escrow::cancel_task(RuntimeOrigin::signed(CONSUMER), id),
			Error::<Test>::TooLateToCancel
		);
		commit(id, tb.provider, root(2));
		reveal(id, tb.provider, root(2));
		assert_eq!(finished_reason(id), Some(TerminalReason::ResolvedByTiebreak));
		assert_eq!(task(id).result_root, Some(root(2)));
		assert_eq!(offences_of(ps[0]), vec![OffenceKind::WrongResult]);
		assert_eq!(work_of(ps[1]), 10);
		assert_eq!(work_of(tb.provider), 10);
		// Two payments of 10 fit in the escrow of 2 × 2 × 10 = 40; 20 refunded.
		assert_eq!(credits(CONSUMER), (free0 - 20, 0));
	});
}

#[test]
fn tiebreaker_agreeing_with_nobody_means_no_consensus() {
	extra_providers().build_and_execute(|| {
		let (free0, _) = credits(CONSUMER);
		let id = submit(2);
		next_block();
		let ps = providers_of(id);
		commit(id, ps[0], root(1));
		commit(id, ps[1], root(2));
		reveal(id, ps[0], root(1));
		reveal(id, ps[1], root(2));
		let tb = task(id).assignments[2].provider;
		commit(id, tb, root(3));
		reveal(id, tb, root(3));
		assert_eq!(finished_reason(id), Some(TerminalReason::FailedNoConsensus));
		assert_eq!(task(id).result_root, None);
		assert_eq!(credits(CONSUMER), (free0, 0), "full refund");
		for p in [ps[0], ps[1], tb] {
			assert!(offences_of(p).is_empty(), "nobody can be shown wrong");
			assert_eq!(work_of(p), 0);
		}
	});
}

#[test]
fn no_tiebreaker_available_means_no_consensus() {
	ExtBuilder::default().providers(vec![(11, 5), (12, 5)]).build_and_execute(|| {
		let id = submit(2);
		next_block();
		commit(id, 11, root(1));
		commit(id, 12, root(2));
		reveal(id, 11, root(1));
		reveal(id, 12, root(2));
		assert_eq!(finished_reason(id), Some(TerminalReason::FailedNoConsensus));
	});
}

#[test]
fn copying_another_replicas_root_is_rejected() {
	extra_providers().build_and_execute(|| {
		let id = submit(2);
		next_block();
		let ps = providers_of(id);
		let (honest, copier) = (ps[0], ps[1]);
		commit(id, honest, root(7));
		// The copier commits before anyone revealed, so it must guess; it commits junk.
		commit(id, copier, root(0));
		reveal(id, honest, root(7));
		// Now the honest root is public; revealing it does not match the copier's commitment.
		reveal(id, copier, root(7));
		assert!(escrow_events().contains(&Event::ProviderFaulted {
			task: id,
			provider: copier,
			offence: OffenceKind::InvalidReveal
		}));
		assert_eq!(offences_of(copier), vec![OffenceKind::InvalidReveal]);
		// Replaying the honest provider's commitment and salt does not help either: the
		// commitment binds the provider's own account.
		let stolen = result_commitment(id, &honest, &root(7), &salt_of(honest));
		assert_ne!(stolen, result_commitment(id, &copier, &root(7), &salt_of(honest)));
		// One valid answer out of two is no majority: a tie-breaker checks it.
		assert!(task(id).has_tiebreaker());
		let tb = task(id).assignments[2].provider;
		commit(id, tb, root(7));
		reveal(id, tb, root(7));
		assert_eq!(finished_reason(id), Some(TerminalReason::ResolvedByTiebreak));
		assert_eq!(work_of(copier), 0);
		assert_eq!(work_of(honest), 10);
	});
}

#[test]
fn a_provider_that_never_committed_cannot_reveal() {
	extra_providers().build_and_execute(|| {
		let id = submit(2);
		next_block();
		let ps = providers_of(id);
		commit(id, ps[0], root(7));
		run_to_block(now() + COMMIT);
		// ps[1] missed its commit and is out; its replacement must commit first.
		assert_eq!(task(id).assignments[1].state, SlotState::Faulted(OffenceKind::MissedCommit));
		assert_noop!(
			Escrow::reveal_result(
				RuntimeOrigin::signed(ps[1] + OPERATOR_OFFSET),
				id,
				root(7),
				salt_of(ps[1])
			),
			Error::<Test>::NotRevealPhase
		);
		let replacement = task(id).assignments[2].provider;
		commit(id, replacement, root(7));
		// In the reveal phase the faulted provider has no live slot.
		assert_noop!(
			Escrow::reveal_result(
				RuntimeOrigin::signed(ps[1] + OPERATOR_OFFSET),
				id,
				root(7),
				salt_of(ps[1])
			),
			Error::<Test>::NotAssigned
		);
		reveal(id, ps[0], root(7));
		reveal(id, replacement, root(7));
		assert_eq!(finished_reason(id), Some(TerminalReason::ResolvedByMajority));
	});
}

#[test]
fn invalid_reveal_with_replication_1_fails_the_task() {
	extra_providers().build_and_execute(|| {
		let (free0, _) = credits(CONSUMER);
		let id = submit(1);
		next_block();
		let p = providers_of(id)[0];
		commit(id, p, root(1));
		assert_ok!(Escrow::reveal_result(
			RuntimeOrigin::signed(p + OPERATOR_OFFSET),
			id,
			root(1),
			[0xee; 32]
		));
		idle();
		assert_eq!(finished_reason(id), Some(TerminalReason::FailedProviderFault));
		assert_eq!(offences_of(p), vec![OffenceKind::InvalidReveal]);
		assert_eq!(credits(CONSUMER), (free0, 0));
	});
}

#[test]
fn faulty_providers_lose_reputation() {
	extra_providers().build_and_execute(|| {
		let rep = |p| pallet_compute_staking::Providers::<Test>::get(p).unwrap().reputation.value;
		let id = submit(3);
		next_block();
		let ps = providers_of(id);
		let before = rep(ps[2]);
		for (p, r) in [(ps[0], 1), (ps[1], 1), (ps[2], 2)] {
			commit(id, p, root(r));
		}
		for (p, r) in [(ps[0], 1), (ps[1], 1), (ps[2], 2)] {
			reveal(id, p, root(r));
		}
		assert!(rep(ps[2]) < before);
		assert!(rep(ps[0]) > before);
	});
}
