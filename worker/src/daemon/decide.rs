//! The crash-recovery rule: what to do next for a task, from what the journal recorded and
//! what the chain shows. Pure, so every step of a crash can be tested.

use crate::journal::Stage;
use aipin_primitives::{BlockNumber, Phase, SlotState};

/// What the worker does next for one task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
	/// Fetch the input and run the kernel.
	Compute,
	/// Record `CommitSent`, then send `commit_result`.
	Commit,
	/// Record `RevealSent`, then send `reveal_result`.
	Reveal,
	/// Record the report as sent, then send `report_input` (the input is unusable).
	ReportInput,
	/// Nothing now: waiting for a window, for the chain to include what was sent, or done.
	Wait,
	/// The chain holds our commitment but the journal lost the root and salt (a deleted data
	/// directory): the reveal cannot be made.
	Lost,
}

/// The step for a task given what the journal says (`stage`, `None` if never seen) and what
/// the chain says at best block `now`: the task's `phase` and our `slot`, and whether any
/// transaction of ours still waits in the node's pool (`pending`, [`Client::pending`]).
///
/// This is the whole crash-recovery rule: the chain is the truth for what was *included*, the
/// journal for what was *computed and sent*, the pool for what is still on its way. A step
/// recorded as sent at an earlier block, that the chain does not show, while nothing of ours
/// waits in the pool, was lost (never sent: a crash between the journal and the node; dropped;
/// retracted by a re-org): it is sent again at once, with the same root and salt. While
/// something waits, the step may be in it, and sending it again could pay for a duplicate.
/// No timer: a restarted worker looks at the newest block, never at a stamp from the past.
///
/// [`Client::pending`]: aipin_client::Client::pending
pub fn decide(
	stage: Option<&Stage>,
	phase: Phase<BlockNumber>,
	slot: SlotState,
	now: u32,
	pending: bool,
) -> Action {
	let lost = |at: u32| !pending && now > at;
	match (phase, slot) {
		(Phase::Commit { ends }, SlotState::Assigned) if now < ends => match stage {
			None => Action::Compute,
			Some(Stage::Computed) => Action::Commit,
			// A re-org can retract the commit under a reveal already sent: commit again.
			Some(Stage::CommitSent { at } | Stage::RevealSent { at }) if lost(*at) => {
				Action::Commit
			},
			Some(Stage::InputRefused { sent_at: None, .. }) => Action::ReportInput,
			Some(Stage::InputRefused { sent_at: Some(at), .. }) if lost(*at) => Action::ReportInput,
			_ => Action::Wait,
		},
		(Phase::Reveal { ends }, SlotState::Committed(_)) if now < ends => match stage {
			None => Action::Lost,
			Some(Stage::Computed | Stage::CommitSent { .. }) => Action::Reveal,
			Some(Stage::RevealSent { at }) if lost(*at) => Action::Reveal,
			_ => Action::Wait,
		},
		_ => Action::Wait,
	}
}

/// The commitment the chain holds in our slot, when it is not `ours`: revealing our root and
/// salt against it would be an `InvalidReveal` offence (a heavier slash than `MissedReveal`).
/// It happens when two workers run with one operator key and the other one's commit won.
pub fn foreign_commitment(slot: SlotState, ours: [u8; 32]) -> Option<[u8; 32]> {
	match slot {
		SlotState::Committed(on_chain) if on_chain != ours => Some(on_chain),
		_ => None,
	}
}

/// How many of a window's last blocks a step sent in is tipped (see [`tip`]).
pub const TIPPED_BLOCKS: u32 = 3;

/// The tip for a step sent at best block `now` whose window closes at `ends`. The step lands
/// in block `now + 1` at the earliest and must land before `ends`, so `ends − now − 1` blocks
/// can still take it: none tipped while more than [`TIPPED_BLOCKS`] can, then `max_tip`
/// halved once per block beyond the last that can, so the tip doubles each block as the end
/// nears and is `max_tip` when one block is left. A step the pool dropped (a flood filled it)
/// is sent again at once (see [`decide`]), each time with a larger tip; a step on time costs
/// nothing extra, and one too late to land pays nothing either. Without a window, no tip.
pub fn tip(ends: Option<BlockNumber>, now: u32, max_tip: u128) -> u128 {
	let Some(can_land) = ends.map(|e| e.saturating_sub(now).saturating_sub(1)) else {
		return 0;
	};
	if can_land == 0 || can_land > TIPPED_BLOCKS {
		return 0;
	}
	max_tip >> (can_land - 1)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::journal::{Entry, Journal};

	/// Nothing of ours in the pool / something of ours in the pool.
	const IDLE: bool = false;
	const BUSY: bool = true;
	const COMMIT: Phase<BlockNumber> = Phase::Commit { ends: 120 };
	const REVEAL: Phase<BlockNumber> = Phase::Reveal { ends: 130 };

	fn journal(name: &str) -> (std::path::PathBuf, Journal) {
		let dir = std::env::temp_dir().join(format!("aipin-run-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		let j = Journal::open(&dir).unwrap();
		(dir, j)
	}

	/// "Crashes" by dropping the journal and opens it again, as a restarted worker does.
	fn restart(dir: &std::path::Path, j: Journal) -> Journal {
		drop(j);
		Journal::open(dir).unwrap()
	}

	fn computed(task: u64) -> Entry {
		Entry {
			task,
			kernel: 1,
			params: vec![4, 4, 4],
			root: [task as u8; 32],
			salt: [0xa5; 32],
			output_len: 64,
			compute_ms: 3,
			stage: Stage::Computed,
		}
	}

	fn stage(j: &Journal, task: u64) -> Option<Stage> {
		j.get(task).unwrap().map(|e| e.stage)
	}

	#[test]
	fn a_crash_before_the_result_is_recorded_recomputes() {
		let (dir, j) = journal("compute");
		// The output file may already be written; without its record the task is redone.
		j.store_output(1, &[1; 64]).unwrap();
		let j = restart(&dir, j);
		assert_eq!(
			decide(stage(&j, 1).as_ref(), COMMIT, SlotState::Assigned, 100, IDLE),
			Action::Compute
		);
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn a_crash_after_computing_commits_the_same_result() {
		let (dir, j) = journal("computed");
		let e = computed(2);
		j.put(&e).unwrap();
		let j = restart(&dir, j);
		let again = j.get(2).unwrap().unwrap();
		assert_eq!(
			decide(Some(&again.stage), COMMIT, SlotState::Assigned, 101, IDLE),
			Action::Commit
		);
		// The commitment after the restart is the one the worker would have sent before it.
		let stash = [9u8; 32];
		assert_eq!(
			aipin_primitives::result_commitment(2, &stash, &again.root, &again.salt),
			aipin_primitives::result_commitment(2, &stash, &e.root, &e.salt)
		);
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn a_commit_recorded_but_never_included_is_resent_at_once_unless_the_pool_may_hold_it() {
		let (dir, j) = journal("commit-lost");
		j.put(&Entry { stage: Stage::CommitSent { at: 100 }, ..computed(3) }).unwrap();
		let j = restart(&dir, j);
		let s = stage(&j, 3);
		// Not again in the block it was sent at, and not while the pool may hold it, however
		// long that lasts.
		assert_eq!(decide(s.as_ref(), COMMIT, SlotState::Assigned, 100, IDLE), Action::Wait);
		for now in 101..120 {
			assert_eq!(decide(s.as_ref(), COMMIT, SlotState::Assigned, now, BUSY), Action::Wait);
		}
		// Nothing of ours waits and the chain lacks it: lost (a crash before it reached the
		// node, a drop, a re-org). Sent again in the very next block: no timer to wait out.
		assert_eq!(decide(s.as_ref(), COMMIT, SlotState::Assigned, 101, IDLE), Action::Commit);
		assert_eq!(decide(s.as_ref(), COMMIT, SlotState::Assigned, 119, IDLE), Action::Commit);
		// Not after the window closed.
		assert_eq!(decide(s.as_ref(), COMMIT, SlotState::Assigned, 120, IDLE), Action::Wait);
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn a_commit_the_chain_included_is_never_sent_again_and_the_reveal_follows() {
		let (dir, j) = journal("commit-in");
		j.put(&Entry { stage: Stage::CommitSent { at: 100 }, ..computed(4) }).unwrap();
		let j = restart(&dir, j);
		let s = stage(&j, 4);
		let committed = SlotState::Committed([1; 32]);
		// Others have not committed yet: nothing to do, however long it takes.
		for now in 100..120 {
			for pending in [IDLE, BUSY] {
				assert_eq!(decide(s.as_ref(), COMMIT, committed, now, pending), Action::Wait);
			}
		}
		// The reveal window opens: reveal at once.
		assert_eq!(decide(s.as_ref(), REVEAL, committed, 121, BUSY), Action::Reveal);
		// Even a worker that crashed right after computing (the commit record lost) reveals.
		assert_eq!(decide(Some(&Stage::Computed), REVEAL, committed, 121, IDLE), Action::Reveal);
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn a_re_org_that_retracts_the_commit_under_a_sent_reveal_brings_a_new_commit() {
		// Committed at 101 and revealed at 121 on one fork; the chain that wins has the task
		// assigned and nothing committed (the transactions, anchored to the lost fork, are
		// gone from the pool).
		let s = Stage::RevealSent { at: 121 };
		assert_eq!(decide(Some(&s), COMMIT, SlotState::Assigned, 119, BUSY), Action::Wait);
		assert_eq!(decide(Some(&s), COMMIT, SlotState::Assigned, 119, IDLE), Action::Wait);
		let later = Phase::Commit { ends: 140 };
		assert_eq!(decide(Some(&s), later, SlotState::Assigned, 122, BUSY), Action::Wait);
		assert_eq!(decide(Some(&s), later, SlotState::Assigned, 122, IDLE), Action::Commit);
	}

	#[test]
	fn a_reveal_recorded_is_resent_only_while_the_chain_lacks_it() {
		let (dir, j) = journal("reveal");
		j.put(&Entry { stage: Stage::RevealSent { at: 121 }, ..computed(5) }).unwrap();
		let j = restart(&dir, j);
		let s = stage(&j, 5);
		let committed = SlotState::Committed([1; 32]);
		assert_eq!(decide(s.as_ref(), REVEAL, committed, 121, IDLE), Action::Wait, "just sent");
		assert_eq!(decide(s.as_ref(), REVEAL, committed, 122, BUSY), Action::Wait, "in the pool");
		assert_eq!(decide(s.as_ref(), REVEAL, committed, 122, IDLE), Action::Reveal);
		assert_eq!(decide(s.as_ref(), REVEAL, committed, 129, IDLE), Action::Reveal);
		assert_eq!(decide(s.as_ref(), REVEAL, committed, 130, IDLE), Action::Wait, "closed");
		// Included: done with it, whatever the pool holds.
		let revealed = SlotState::Revealed([5; 32]);
		for pending in [IDLE, BUSY] {
			assert_eq!(decide(s.as_ref(), REVEAL, revealed, 127, pending), Action::Wait);
		}
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn a_lost_journal_is_reported_failed_tasks_are_left_and_finished_phases_ignored() {
		let committed = SlotState::Committed([1; 32]);
		assert_eq!(decide(None, REVEAL, committed, 121, IDLE), Action::Lost);
		let failed = Stage::Failed { why: "bad input".into() };
		assert_eq!(decide(Some(&failed), COMMIT, SlotState::Assigned, 100, IDLE), Action::Wait);
		let finished =
			Phase::Finished { reason: aipin_primitives::TerminalReason::Completed, at: 131 };
		for s in [None, Some(Stage::Computed), Some(Stage::RevealSent { at: 1 })] {
			assert_eq!(decide(s.as_ref(), finished, committed, 140, IDLE), Action::Wait);
		}
		// A faulted slot (the window passed while the worker was down) gets nothing more.
		let faulted = SlotState::Faulted(aipin_primitives::OffenceKind::MissedCommit);
		assert_eq!(decide(Some(&Stage::Computed), COMMIT, faulted, 100, IDLE), Action::Wait);
	}

	#[test]
	fn an_unusable_input_is_reported_resent_only_while_the_chain_lacks_it_and_never_committed() {
		let (dir, j) = journal("input");
		let e = Entry::input_refused(
			6,
			1,
			vec![4, 4, 4],
			aipin_primitives::InputFault::WrongHash,
			"hash differs".into(),
		);
		j.put(&e).unwrap();
		let j = restart(&dir, j);
		let s = stage(&j, 6);
		assert_eq!(decide(s.as_ref(), COMMIT, SlotState::Assigned, 100, BUSY), Action::ReportInput);
		let sent = Stage::InputRefused {
			fault: aipin_primitives::InputFault::WrongHash,
			why: "hash differs".into(),
			sent_at: Some(100),
		};
		assert_eq!(decide(Some(&sent), COMMIT, SlotState::Assigned, 105, BUSY), Action::Wait);
		assert_eq!(
			decide(Some(&sent), COMMIT, SlotState::Assigned, 101, IDLE),
			Action::ReportInput
		);
		assert_eq!(decide(Some(&sent), COMMIT, SlotState::Assigned, 120, IDLE), Action::Wait);
		// Included: nothing more, and never a reveal.
		let refused = SlotState::InputRefused(aipin_primitives::InputFault::WrongHash);
		assert_eq!(decide(Some(&sent), COMMIT, refused, 106, IDLE), Action::Wait);
		assert_eq!(decide(Some(&sent), REVEAL, refused, 121, IDLE), Action::Wait);
		let _ = std::fs::remove_dir_all(&dir);
	}

	#[test]
	fn a_commitment_that_is_not_ours_is_never_revealed_against() {
		let ours = [1; 32];
		assert_eq!(foreign_commitment(SlotState::Committed(ours), ours), None);
		assert_eq!(foreign_commitment(SlotState::Committed([2; 32]), ours), Some([2; 32]));
		assert_eq!(foreign_commitment(SlotState::Assigned, ours), None);
	}

	#[test]
	fn a_step_on_time_is_untipped_and_a_late_one_pays_up_to_the_cap() {
		let max = 1_000_000u128;
		// Plenty of time, no window, or too late to land (the window closes at the next
		// block, or has closed): no tip.
		assert_eq!(tip(Some(110), 100, max), 0);
		assert_eq!(tip(Some(100 + TIPPED_BLOCKS + 2), 100, max), 0);
		assert_eq!(tip(None, 100, max), 0);
		assert_eq!(tip(Some(101), 100, max), 0);
		assert_eq!(tip(Some(100), 100, max), 0);
		assert_eq!(tip(Some(90), 100, max), 0);
		// The last blocks that can take it: doubling each block, the cap in the very last.
		let late: Vec<u128> =
			(2..=TIPPED_BLOCKS + 1).rev().map(|left| tip(Some(100 + left), 100, max)).collect();
		assert_eq!(late, vec![max / 4, max / 2, max]);
		// Never more than the cap, and off when the cap is 0.
		assert!((0..200).all(|now| tip(Some(150), now, max) <= max));
		assert!((0..200).all(|now| tip(Some(150), now, 0) == 0));
	}
}
