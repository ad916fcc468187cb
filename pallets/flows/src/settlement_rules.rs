//! The settlement rule table of `docs/settlement.md`, row by row, for replication 1, 2 and 3:
//! what each assigned provider does, and what the chain must conclude — the terminal reason,
//! who is paid (and whether that counts as verified work), who is slashed for a wrong result,
//! whose slash pays which honest replica, and what the consumer gets back.
//!
//! Honest work is never unpaid (THREATS 29): a replica whose revealed result stands is paid
//! from the escrow when the task completes, or from its faulty partners' slashes when it
//! cannot; the consumer never pays for a result it did not get.

use crate::mock::*;
use aipin_primitives::OffenceKind;
use frame_support::assert_ok;
use pallet_task_escrow::*;

/// What one assigned provider does.
#[derive(Clone, Copy, Debug)]
enum Act {
	/// Commits to and reveals `root(n)`.
	Reveal(u8),
	/// Never commits.
	MissCommit,
	/// Commits, never reveals.
	MissReveal,
	/// Commits, then reveals with the wrong salt.
	Invalid,
}
use Act::*;

/// The tie-breaker's slot, in the `paid`, `wrong` and `compensated` lists.
const T: usize = 9;

struct Row {
	/// Replication.
	r: u8,
	/// Registered providers beyond the `r` replicas (candidates for a replacement or a
	/// tie-breaker).
	spares: u8,
	/// What replica `i` does.
	acts: &'static [Act],
	/// What the tie-breaker does, when the row expects one to be assigned.
	tiebreaker: Option<Act>,
	reason: TerminalReason,
	/// Replicas paid from the escrow (`T`: the tie-breaker).
	paid: &'static [usize],
	/// Whether that payment counts toward the BME work pool.
	verified: bool,
	/// Replicas slashed for a wrong result.
	wrong: &'static [usize],
	/// (honest replica, offender): the offender's slash pays the honest replica.
	compensated: &'static [(usize, usize)],
}

const ROWS: &[Row] = &[
	// r = 1: nothing to compare with; a result is accepted but is not verified work.
	row(1, 0, &[Reveal(1)], None, TerminalReason::Completed, &[0], false, &[], &[]),
	row(1, 0, &[Invalid], None, TerminalReason::FailedProviderFault, &[], false, &[], &[]),
	row(1, 0, &[MissReveal], None, TerminalReason::FailedProviderFault, &[], false, &[], &[]),
	row(1, 0, &[MissCommit], None, TerminalReason::FailedProviderFault, &[], false, &[], &[]),
	// r = 2
	row(2, 0, &[Reveal(1), Reveal(1)], None, TerminalReason::Completed, &[0, 1], true, &[], &[]),
	row(2, 0, &[Reveal(1), MissCommit], None, FAULT, &[], false, &[], &[(0, 1)]),
	row(2, 0, &[Reveal(1), MissReveal], None, FAULT, &[], false, &[], &[(0, 1)]),
	row(2, 0, &[Reveal(1), Invalid], None, FAULT, &[], false, &[], &[(0, 1)]),
	row(2, 0, &[MissCommit, MissCommit], None, FAULT, &[], false, &[], &[]),
	row(2, 0, &[Reveal(1), Reveal(2)], None, SPLIT, &[], false, &[], &[]),
	row(2, 1, &[Reveal(1), Reveal(2)], Some(Reveal(1)), TIEBREAK, &[0, T], true, &[1], &[]),
	row(2, 1, &[Reveal(1), Reveal(2)], Some(Reveal(3)), SPLIT, &[], false, &[], &[]),
	row(2, 1, &[Reveal(1), MissReveal], Some(Reveal(1)), TIEBREAK, &[0, T], true, &[], &[]),
	row(2, 1, &[Reveal(1), MissReveal], Some(Reveal(2)), SPLIT, &[], false, &[], &[]),
	row(
		2,
		1,
		&[Reveal(1), MissReveal],
		Some(MissCommit),
		FAULT,
		&[],
		false,
		&[],
		&[(0, 1), (0, T)],
	),
	// r = 3
	row(3, 0, &[Reveal(1), Reveal(1), Reveal(1)], None, DONE, &[0, 1, 2], true, &[], &[]),
	row(3, 0, &[Reveal(1), Reveal(1), Reveal(2)], None, MAJORITY, &[0, 1], true, &[2], &[]),
	row(3, 0, &[Reveal(1), Reveal(1), MissReveal], None, MAJORITY, &[0, 1], true, &[], &[]),
	row(3, 0, &[Reveal(1), Reveal(1), MissCommit], None, MAJORITY, &[0, 1], true, &[], &[]),
	row(3, 0, &[Reveal(1), Reveal(1), Invalid], None, MAJORITY, &[0, 1], true, &[], &[]),
	row(
		3,
		0,
		&[Reveal(1), MissReveal, MissReveal],
		None,
		FAULT,
		&[],
		false,
		&[],
		&[(0, 1), (0, 2)],
	),
	row(3, 0, &[Reveal(1), Invalid, MissCommit], None, FAULT, &[], false, &[], &[(0, 1), (0, 2)]),
	row(3, 0, &[Reveal(1), Reveal(2), Reveal(3)], None, SPLIT, &[], false, &[], &[]),
	row(3, 0, &[Reveal(1), Reveal(2), MissReveal], None, SPLIT, &[], false, &[], &[]),
	row(
		3,
		1,
		&[Reveal(1), Reveal(2), MissReveal],
		Some(Reveal(2)),
		TIEBREAK,
		&[1, T],
		true,
		&[0],
		&[],
	),
];

const DONE: TerminalReason = TerminalReason::Completed;
const MAJORITY: TerminalReason = TerminalReason::ResolvedByMajority;
const TIEBREAK: TerminalReason = TerminalReason::ResolvedByTiebreak;
const FAULT: TerminalReason = TerminalReason::FailedProviderFault;
const SPLIT: TerminalReason = TerminalReason::FailedNoConsensus;

#[allow(clippy::too_many_arguments)]
const fn row(
	r: u8,
	spares: u8,
	acts: &'static [Act],
	tiebreaker: Option<Act>,
	reason: TerminalReason,
	paid: &'static [usize],
	verified: bool,
	wrong: &'static [usize],
	compensated: &'static [(usize, usize)],
) -> Row {
	Row { r, spares, acts, tiebreaker, reason, paid, verified, wrong, compensated }
}

/// Commits as `act` says (nothing for `MissCommit`).
fn commit_as(id: u64, p: AccountId, act: Act) {
	match act {
		Reveal(n) => commit(id, p, root(n)),
		MissReveal | Invalid => commit(id, p, root(1)),
		MissCommit => {},
	}
}

/// Reveals as `act` says (nothing for the misses).
fn reveal_as(id: u64, p: AccountId, act: Act) {
	match act {
		Reveal(n) => reveal(id, p, root(n)),
		Invalid => {
			assert_ok!(Escrow::reveal_result(
				RuntimeOrigin::signed(p + OPERATOR_OFFSET),
				id,
				root(1),
				[0xee; 32]
			));
			idle();
		},
		MissCommit | MissReveal => {},
	}
}

/// Runs the open window of task `id` to its end, if one is open.
fn close_window(id: u64) {
	match phase(id) {
		Phase::Commit { ends } | Phase::Reveal { ends } => run_to_block(ends),
		_ => {},
	}
}

/// Plays `acts` through commit and reveal (closing windows that someone leaves open).
fn play(id: u64, providers: &[AccountId], acts: &[Act]) {
	for (p, act) in providers.iter().zip(acts) {
		commit_as(id, *p, *act);
	}
	if acts.iter().any(|a| matches!(a, MissCommit)) {
		close_window(id);
	}
	if !matches!(phase(id), Phase::Reveal { .. }) {
		return;
	}
	for (p, act) in providers.iter().zip(acts) {
		reveal_as(id, *p, *act);
	}
	if acts.iter().any(|a| matches!(a, MissReveal)) && matches!(phase(id), Phase::Reveal { .. }) {
		close_window(id);
	}
}

fn check(n: usize, row: &Row) {
	let providers: Vec<(AccountId, u128)> =
		(0..(row.r + row.spares) as u64).map(|i| (11 + i, 10)).collect();
	ExtBuilder::default().providers(providers).build_and_execute(|| {
		let what = format!("row {n}: r={} {:?} tie-breaker {:?}", row.r, row.acts, row.tiebreaker);
		let (free_before, _) = credits(CONSUMER);
		let id = submit(row.r);
		next_block();
		let replicas = providers_of(id);
		assert_eq!(replicas.len(), row.r as usize, "{what}");
		play(id, &replicas, row.acts);

		let tiebreaker =
			task(id).assignments.iter().find(|a| a.role == Role::TieBreaker).map(|a| a.provider);
		assert_eq!(tiebreaker.is_some(), row.tiebreaker.is_some(), "{what}: tie-breaker");
		if let (Some(tb), Some(act)) = (tiebreaker, row.tiebreaker) {
			play(id, &[tb], &[act]);
		}
		let slot = |i: usize| if i == T { tiebreaker.expect("a tie-breaker") } else { replicas[i] };

		assert_eq!(finished_reason(id), Some(row.reason), "{what}");
		let events = escrow_events();
		let mut paid: Vec<AccountId> = events
			.iter()
			.filter_map(|e| match e {
				Event::ProviderPaid { task, provider, .. } if *task == id => Some(*provider),
				_ => None,
			})
			.collect();
		paid.sort();
		let mut expected: Vec<AccountId> = row.paid.iter().map(|i| slot(*i)).collect();
		expected.sort();
		assert_eq!(paid, expected, "{what}: paid");
		for p in &paid {
			let counted = if row.verified { 20 } else { 0 };
			assert_eq!(work_of(*p), counted, "{what}: verified work of {p}");
		}
		let spent = paid.len() as u128 * 20;
		assert_eq!(credits(CONSUMER), (free_before - spent, 0), "{what}: refund");

		for (i, p) in replicas.iter().copied().enumerate().chain(tiebreaker.map(|t| (T, t))) {
			let wrong = offences_of(p).contains(&OffenceKind::WrongResult);
			assert_eq!(wrong, row.wrong.contains(&i), "{what}: WrongResult of slot {i}");
		}

		let mut compensated: Vec<(AccountId, AccountId)> = events
			.iter()
			.filter_map(|e| match e {
				Event::ReplicaCompensated { task, provider, offender, .. } if *task == id => {
					Some((*provider, *offender))
				},
				_ => None,
			})
			.collect();
		compensated.sort();
		let mut expected: Vec<(AccountId, AccountId)> =
			row.compensated.iter().map(|(h, o)| (slot(*h), slot(*o))).collect();
		expected.sort();
		assert_eq!(compensated, expected, "{what}: compensation");
		for (honest, offender) in expected {
			let beneficiaries: Vec<_> = pallet_compute_slashing::Slashes::<Test>::iter_values()
				.filter(|s| s.offence.provider == offender && s.offence.task == id)
				.map(|s| s.offence.beneficiary)
				.collect();
			assert_eq!(beneficiaries, vec![Some(honest)], "{what}: slash of {offender}");
		}
		// Nobody slashed in this task pays the consumer a liveness penalty.
		for s in pallet_compute_slashing::Slashes::<Test>::iter_values() {
			if s.offence.kind.is_liveness() {
				assert_ne!(s.offence.beneficiary, Some(CONSUMER), "{what}");
			}
		}
	});
}

#[test]
fn every_row_of_the_settlement_rule_table_holds() {
	for (n, row) in ROWS.iter().enumerate() {
		check(n, row);
	}
}

/// The money arrives: with r = 2, one replica reveals, its partner never commits and nobody
/// can replace it. Before, the task failed at once and the honest replica got nothing; now it
/// reveals, the consumer is refunded in full, and the absent partner's slash pays it.
#[test]
fn an_honest_replica_left_alone_is_paid_from_its_absent_partners_slash() {
	use frame_support::traits::fungible::Inspect;
	ExtBuilder::default().providers(vec![(11, 10), (12, 10)]).build_and_execute(|| {
		let (free_before, _) = credits(CONSUMER);
		let id = submit(2);
		next_block();
		let (honest, absent) = (providers_of(id)[0], providers_of(id)[1]);
		commit(id, honest, root(1));
		close_window(id);
		assert!(matches!(phase(id), Phase::Reveal { .. }), "the committed replica may reveal");
		reveal(id, honest, root(1));
		assert_eq!(finished_reason(id), Some(TerminalReason::FailedProviderFault));
		assert_eq!(task(id).result_root, None, "no verified result");
		assert_eq!(credits(CONSUMER), (free_before, 0), "the consumer pays nothing");
		let balance_before = Balances::total_balance(&honest);
		run_to_block(now() + DEFER + 1);
		let slash = pallet_compute_slashing::Slashes::<Test>::iter_values()
			.find(|s| s.offence.provider == absent)
			.expect("the absent partner is slashed");
		let pallet_compute_slashing::SlashStatus::Applied(outcome) = slash.status else {
			panic!("the slash applied: {:?}", slash.status)
		};
		assert!(outcome.rewarded > 0);
		assert_eq!(Balances::total_balance(&honest), balance_before + outcome.rewarded);
	});
}
