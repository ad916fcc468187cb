//! A crash loop: one of two workers killed again and again while a stream of replicated tasks
//! runs: aborted (as `kill -9` does) at every step of a task's life, several times each, and
//! SIGKILLed at random moments. Each restart carries on from its journal and the chain. The
//! operator must lose nothing: no duplicate extrinsic (each would pay a fee to be refused), no
//! missed window, no slash, and every task completed with both providers paid.

use aipin_client::events::{
	escrow::{ResultCommitted, ResultRevealed},
	slashing::OffenceReported,
};
use aipin_primitives::TerminalReason;
use aipin_test_harness::*;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(180);
/// The points `aipin-worker run --crash-at` dies at, in a task's order.
const POINTS: [&str; 5] =
	["computed", "commit-recorded", "commit-sent", "reveal-recorded", "reveal-sent"];
/// Rounds through every point, then random kills: 3 × 5 + 8 = 23 crashes.
const ROUNDS: usize = 3;
const RANDOM_KILLS: usize = 8;

/// A small deterministic generator (xorshift64*), so a failing schedule can be replayed.
struct Rng(u64);

impl Rng {
	fn below(&mut self, n: u64) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
	}
}

/// A small `mlp-q8` task from Alice, not waited for.
fn submit(net: &DevNet) -> u64 {
	let t = net.cli_json(
		Some("//Alice"),
		&["task", "submit", "--kernel", "mlp-q8", "--params", "16,64,2", "--no-wait"],
	);
	t["task"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_crashing_at_every_step_and_at_random_never_duplicates_misses_or_is_slashed() {
	let mut net = DevNet::start("e2e-crash-loop").await;
	net.start_worker(WorkerSpec::new("ferdie", "//Ferdie"));
	net.cli_json(Some("//Alice"), &["credits", "buy", "100"]);
	let eve = alice_stash();
	let stake = net.stake(&eve).await;
	let first = net.block().await;
	let seed = 0x5eed_0000_0000_0001 ^ first;
	let mut rng = Rng(seed);
	let mut tasks = Vec::new();

	let mut schedule: Vec<Option<&str>> =
		(0..ROUNDS).flat_map(|_| POINTS.iter().map(|p| Some(*p))).collect();
	schedule.extend((0..RANDOM_KILLS).map(|_| None));
	let mut crashes = 0;
	for (i, point) in schedule.iter().enumerate() {
		// A new task at the start of each round through the points (which walks it through
		// all five, one life per step), and before each random kill. Faster than that, and a
		// worker that lives two seconds at a time falls behind any stream: that is capacity,
		// not recovery.
		if point.is_none() || i % POINTS.len() == 0 {
			tasks.push(submit(&net));
		}
		let mut spec = WorkerSpec::new("eve", "//Eve");
		if let Some(p) = point {
			spec.extra = vec!["--crash-at", p];
		}
		if i == 0 {
			net.start_worker(spec);
		} else {
			net.workers.iter_mut().find(|(s, _)| s.name == "eve").unwrap().0.extra = spec.extra;
			net.restart_worker("eve");
		}
		let started = Instant::now();
		match point {
			// Dies by itself when a task reaches the point.
			Some(p) => loop {
				let (_, proc) = net.workers.iter_mut().find(|(s, _)| s.name == "eve").unwrap();
				if !proc.is_running() {
					break;
				}
				assert!(started.elapsed() < T, "eve never reached {p}\n{}", net.logs());
				tokio::time::sleep(Duration::from_millis(100)).await;
			},
			None => {
				tokio::time::sleep(Duration::from_millis(200 + rng.below(2800))).await;
				net.kill_worker("eve");
			},
		}
		crashes += 1;
	}
	let log = std::fs::read_to_string(net.dir.path().join("eve.log")).unwrap();
	for p in POINTS {
		let name = p.split('-').map(|w| w[..1].to_uppercase() + &w[1..]).collect::<String>();
		let hit = log.matches(&format!("crashing at {name} ")).count();
		assert_eq!(hit, ROUNDS, "crashes at {p} (seed {seed:#x})\n{}", net.logs());
	}
	assert!(crashes >= 20);

	// The last life: no crash; everything still in flight finishes.
	net.workers.iter_mut().find(|(s, _)| s.name == "eve").unwrap().0.extra = Vec::new();
	net.restart_worker("eve");
	for &id in &tasks {
		let task = net.finished(id, T).await;
		assert_eq!(
			task.terminal_reason(),
			Some(TerminalReason::Completed),
			"task {id} (seed {seed:#x}): {task:?}\n{}",
			net.logs()
		);
	}

	let last = net.block().await;
	// Not one extrinsic refused: a duplicate commit or reveal would be, after paying its fee.
	let failed = net.failed_extrinsics(first, last).await;
	assert!(failed.is_empty(), "seed {seed:#x}: {failed:?}\n{}", net.logs());
	// Exactly one commitment and one reveal per task from the crashing provider.
	for (what, got) in [
		("commitments", net.events::<ResultCommitted>(first, last).await.len()),
		("reveals", net.events::<ResultRevealed>(first, last).await.len()),
	] {
		assert_eq!(got, 2 * tasks.len(), "{what} of both providers (seed {seed:#x})");
	}
	let by_eve = net
		.events::<ResultCommitted>(first, last)
		.await
		.into_iter()
		.filter(|(_, e)| e.provider == eve)
		.count();
	assert_eq!(by_eve, tasks.len());
	// No missed window, no offence, the stake whole.
	let offences = net.events::<OffenceReported>(first, last).await;
	assert!(offences.is_empty(), "seed {seed:#x}: {offences:?}");
	assert_eq!(net.stake(&eve).await, stake);
}
