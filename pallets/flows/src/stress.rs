//! 1,000 tasks over 100 providers, with honest, lazy and lying providers, through every path.

use crate::mock::*;
use aipin_primitives::result_commitment;
use frame_support::assert_ok;
use pallet_task_escrow::*;

const LIE: [u8; 32] = [0xff; 32];

fn honest(task: u64) -> [u8; 32] {
	let mut r = [0u8; 32];
	r[..8].copy_from_slice(&task.to_le_bytes());
	r
}

#[test]
fn thousand_tasks_hundred_providers() {
	let providers: Vec<(u64, u128)> = (0..100).map(|i| (1_000 + i, 1 + (i % 10) as u128)).collect();
	ExtBuilder::default().providers(providers).build_and_execute(|| {
		MaxOpenTasksPerConsumer::set(1_000);
		MaxQueueLen::set(1_000);
		MaxAssignmentsPerBlock::set(100);
		MaxTimeoutsPerBlock::set(200);
		MaxTasksPerProvider::set(50);
		let consumers: Vec<u64> = (1..=4).collect();
		for c in &consumers {
			buy_credits(*c, 10_000_000);
		}
		let start: Vec<(u64, u128)> =
			consumers.iter().map(|c| (*c, credits(*c).0 + credits(*c).1)).collect();
		// Providers whose stash ends in 7 lie; ending in 3 never reveal.
		let liar = |p: u64| p % 10 == 7;
		let lazy = |p: u64| p % 10 == 3;
		let mut submitted = 0u64;
		while submitted < 1_000 {
			for _ in 0..50 {
				let c = consumers[(submitted % 4) as usize];
				let r = 1 + (submitted % 3) as u8;
				submit_as(c, r, 10);
				submitted += 1;
			}
			next_block();
			// Every operator acts on what it has.
			for (stash, _) in (0..100).map(|i| (1_000 + i, ())) {
				for t in Escrow::tasks_of_operator(&(stash + OPERATOR_OFFSET)) {
					let answer = if liar(stash) { LIE } else { honest(t.task) };
					match (t.phase, t.slot) {
						(Phase::Commit { .. }, SlotState::Assigned) => {
							commit(t.task, stash, answer)
						},
						(Phase::Reveal { .. }, SlotState::Committed(_)) if !lazy(stash) => {
							assert_ok!(Escrow::reveal_result(
								RuntimeOrigin::signed(stash + OPERATOR_OFFSET),
								t.task,
								answer,
								salt_of(stash)
							));
						},
						_ => {},
					}
				}
			}
		}
		// Let everything run out.
		for _ in 0..(LIFETIME + 10) {
			next_block();
			for stash in 1_000..1_100u64 {
				for t in Escrow::tasks_of_operator(&(stash + OPERATOR_OFFSET)) {
					let answer = if liar(stash) { LIE } else { honest(t.task) };
					if let (Phase::Commit { .. }, SlotState::Assigned) = (t.phase, t.slot) {
						let c = result_commitment(t.task, &stash, &answer, &salt_of(stash));
						assert_ok!(Escrow::commit_result(
							RuntimeOrigin::signed(stash + OPERATOR_OFFSET),
							t.task,
							c
						));
					} else if let (Phase::Reveal { .. }, SlotState::Committed(_)) =
						(t.phase, t.slot)
					{
						if !lazy(stash) {
							reveal(t.task, stash, answer);
						}
					}
				}
			}
		}
		// Everything finished (most are pruned by now: read the events).
		let events = escrow_events();
		let mut replication = std::collections::BTreeMap::new();
		let mut paid_to = std::collections::BTreeMap::<u64, Vec<u64>>::new();
		let mut by_reason = std::collections::BTreeMap::<String, u32>::new();
		let mut paid: u128 = 0;
		for e in &events {
			match e {
				Event::TaskSubmitted { task, replication: r, .. } => {
					replication.insert(*task, *r);
				},
				Event::ProviderPaid { task, provider, credits } => {
					paid_to.entry(*task).or_default().push(*provider);
					paid += credits;
				},
				Event::TaskFinished { task, reason, result_root, .. } => {
					*by_reason.entry(format!("{reason:?}")).or_default() += 1;
					// A lie wins only unchecked (r = 1) or with two agreeing liars.
					if *result_root == Some(LIE) {
						let liars = paid_to[task].iter().filter(|p| liar(**p)).count();
						let r = replication[task] as usize;
						assert!(liars >= r.min(2), "task {task}: {liars} liars won with r = {r}");
					}
				},
				_ => {},
			}
		}
		println!("1,000 tasks: {by_reason:?}");
		assert_eq!(by_reason.values().sum::<u32>(), 1_000, "every task finished");
		assert!(by_reason["Completed"] > 300);
		assert!(by_reason["ResolvedByMajority"] > 0);
		assert!(by_reason["ResolvedByTiebreak"] > 0);
		// Nobody lost or gained a credit outside payments: free + reserved + paid = start.
		assert_eq!(TotalEscrowed::<Test>::get(), 0);
		// Verified work (r ≥ 2) is what the BME work pool counts; every payment is in the events.
		let verified: u128 = (1_000..1_100u64).map(work_of).sum();
		assert!(0 < verified && verified <= paid);
		let now_total: u128 = start.iter().map(|(c, _)| credits(*c).0 + credits(*c).1).sum();
		let start_total: u128 = start.iter().map(|(_, s)| s).sum();
		assert_eq!(now_total + paid, start_total);
	});
}
