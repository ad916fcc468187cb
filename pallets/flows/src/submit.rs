use crate::mock::*;
use frame_support::{assert_noop, assert_ok, BoundedVec};
use pallet_task_escrow::*;

#[test]
fn submit_reserves_escrow_and_queues() {
	ExtBuilder::default().providers(vec![(11, 7)]).build_and_execute(|| {
		let (free, reserved) = credits(CONSUMER);
		assert_eq!(reserved, 0);
		// [16, 8, 32]: 2·16·8·32 = 8192 ops → 9 work units; escrow 9 × 7 × 3 = 189.
		assert_ok!(submit_with(GEMM, &[16, 8, 32], seeded(), 3, 7, 40));
		assert_eq!(credits(CONSUMER), (free - 189, 189));
		let t = task(0);
		assert_eq!((t.work_units, t.escrow, t.input_bytes, t.output_bytes), (9, 189, 768, 512));
		assert_eq!(t.phase, Phase::Queued { expires: 40 - COMMIT - REVEAL + 1 });
		assert_eq!(Queue::<Test>::get().into_inner(), vec![QueueEntry { task: 0, escrow: 189 }]);
		assert_eq!(OpenTasks::<Test>::get(CONSUMER), 1);
		assert_eq!(TaskInputs::<Test>::get(0), Some(seeded()));
		assert_eq!(
			escrow_events().last(),
			Some(&Event::TaskSubmitted {
				task: 0,
				consumer: CONSUMER,
				kernel: GEMM,
				work_units: 9,
				replication: 3,
				escrow: 189,
				deadline: 40,
			})
		);
		assert_eq!(NextTaskId::<Test>::get(), 1);
	});
}

#[test]
fn inline_and_external_inputs_are_checked() {
	ExtBuilder::default().build_and_execute(|| {
		// [4, 4, 4] needs 16 + 16 = 32 input bytes.
		let inline = |n: usize| TaskInput::Inline(BoundedVec::truncate_from(vec![1u8; n]));
		assert_ok!(submit_with(GEMM, &[4, 4, 4], inline(32), 1, 10, 40));
		assert_noop!(
			submit_with(GEMM, &[4, 4, 4], inline(31), 1, 10, 40),
			Error::<Test>::InputSizeMismatch
		);
		let ext = |url: &[u8], size: u64| TaskInput::External {
			url: BoundedVec::truncate_from(url.to_vec()),
			hash: [3; 32],
			size,
		};
		assert_ok!(submit_with(
			GEMM,
			&[4, 4, 4],
			ext(b"https://data.example/a.bin", 32),
			1,
			10,
			40
		));
		assert_ok!(submit_with(GEMM, &[4, 4, 4], ext(b"http://10.0.0.1:9000/a", 32), 1, 10, 40));
		assert_noop!(
			submit_with(GEMM, &[4, 4, 4], ext(b"https://data.example/a.bin", 33), 1, 10, 40),
			Error::<Test>::InputSizeMismatch
		);
		for url in [&b"ftp://x/y"[..], b"https://", b"file:///etc/passwd", b"http://a b"] {
			assert_noop!(
				submit_with(GEMM, &[4, 4, 4], ext(url, 32), 1, 10, 40),
				Error::<Test>::InvalidUrl
			);
		}
	});
}

#[test]
fn submit_errors() {
	ExtBuilder::default().build_and_execute(|| {
		let d = now() + 50;
		assert_noop!(
			Escrow::submit_task(
				RuntimeOrigin::root(),
				GEMM,
				params(&[8, 8, 8]),
				seeded(),
				1,
				10,
				d
			),
			sp_runtime::DispatchError::BadOrigin
		);
		assert_noop!(submit_with(77, &[8, 8, 8], seeded(), 1, 10, d), Error::<Test>::UnknownKernel);
		assert_noop!(
			submit_with(GEMM, &[8, 8], seeded(), 1, 10, d),
			Error::<Test>::WrongParamCount
		);
		assert_noop!(
			submit_with(GEMM, &[8, 8, 8, 8], seeded(), 1, 10, d),
			Error::<Test>::WrongParamCount
		);
		assert_noop!(
			submit_with(GEMM, &[8, 0, 8], seeded(), 1, 10, d),
			Error::<Test>::ParamOutOfRange
		);
		assert_noop!(
			submit_with(GEMM, &[8, 65, 8], seeded(), 1, 10, d),
			Error::<Test>::ParamOutOfRange
		);
		assert_noop!(
			submit_with(GEMM, &[8, 8, 8], seeded(), 0, 10, d),
			Error::<Test>::InvalidReplication
		);
		assert_noop!(
			submit_with(GEMM, &[8, 8, 8], seeded(), 6, 10, d),
			Error::<Test>::InvalidReplication
		);
		assert_noop!(
			submit_with(FLOATY, &[8], seeded(), 2, 10, d),
			Error::<Test>::ReplicationNeedsDeterminism
		);
		assert_noop!(
			submit_with(FLOATY, &[8], seeded(), 1, 10, d),
			Error::<Test>::NoCapableProvider
		);
		register(14, FLOATY, 10);
		assert_ok!(submit_with(FLOATY, &[8], seeded(), 1, 10, d));
		assert_noop!(submit_with(GEMM, &[8, 8, 8], seeded(), 1, 0, d), Error::<Test>::ZeroPrice);
		assert_noop!(
			submit_with(GEMM, &[8, 8, 8], seeded(), 1, u128::MAX, d),
			Error::<Test>::Overflow
		);
		// The next block assigns; a full round must fit after it.
		let earliest = now() + 1 + COMMIT + REVEAL;
		assert_noop!(
			submit_with(GEMM, &[8, 8, 8], seeded(), 1, 10, earliest - 1),
			Error::<Test>::DeadlineTooSoon
		);
		assert_ok!(submit_with(GEMM, &[8, 8, 8], seeded(), 1, 10, earliest));
		assert_noop!(
			submit_with(GEMM, &[8, 8, 8], seeded(), 1, 10, now() + LIFETIME + 1),
			Error::<Test>::DeadlineTooFar
		);
		// Not enough credits: 2 work units × price × 1.
		let (free, _) = credits(CONSUMER);
		assert_noop!(
			submit_with(GEMM, &[8, 8, 8], seeded(), 1, free / 2 + 1, d),
			Error::<Test>::InsufficientCredits
		);
		assert_noop!(
			Escrow::submit_task(
				RuntimeOrigin::signed(2),
				GEMM,
				params(&[8, 8, 8]),
				seeded(),
				1,
				10,
				d
			),
			Error::<Test>::InsufficientCredits
		);
	});
}

#[test]
fn input_bigger_than_the_limit_is_refused() {
	ExtBuilder::default().build_and_execute(|| {
		let mut spec = gemm_spec();
		spec.max_params = params(&[1 << 20, 1 << 20, 1 << 20]);
		assert_ok!(Escrow::register_kernel(RuntimeOrigin::root(), 5, spec));
		register(14, 5, 1);
		// 1024·1024 + 1024·1 bytes > 1 MiB.
		assert_noop!(
			submit_with(5, &[1024, 1, 1024], seeded(), 1, 1, now() + 50),
			Error::<Test>::InputTooLarge
		);
		assert_ok!(submit_with(5, &[1000, 1, 1000], seeded(), 1, 1, now() + 50));
	});
}

#[test]
fn open_tasks_per_consumer_and_queue_are_bounded() {
	ExtBuilder::default().idle().build_and_execute(|| {
		MaxOpenTasksPerConsumer::set(3);
		for _ in 0..3 {
			submit(1);
		}
		assert_noop!(
			submit_with(GEMM, &[8, 8, 8], seeded(), 1, 10, now() + 50),
			Error::<Test>::TooManyOpenTasks
		);
		MaxQueueLen::set(4);
		buy_credits(2, 1_000);
		submit_as(2, 1, 10);
		assert_noop!(
			Escrow::submit_task(
				RuntimeOrigin::signed(2),
				GEMM,
				params(&[8, 8, 8]),
				seeded(),
				1,
				10,
				now() + 50
			),
			Error::<Test>::QueueFull
		);
		// A cancellation frees both.
		assert_ok!(Escrow::cancel_task(RuntimeOrigin::signed(CONSUMER), 0));
		assert_ok!(submit_with(GEMM, &[8, 8, 8], seeded(), 1, 10, now() + 50));
	});
}

#[test]
fn quote_matches_submission() {
	ExtBuilder::default().providers(vec![(11, 7)]).build_and_execute(|| {
		let q = Escrow::do_quote(GEMM, &[16, 8, 32], 3, 7).unwrap();
		assert_eq!(q, Quote { work_units: 9, escrow: 189, input_bytes: 768, output_bytes: 512 });
		assert_eq!(
			Escrow::do_quote(GEMM, &[16, 8], 3, 7),
			Err(Error::<Test>::WrongParamCount.into())
		);
	});
}

/// A flood of cheap tasks cannot keep a task out of a full queue: the task takes the place of
/// the queued task escrowing least (the newest of those), which ends `Outbid` with a full
/// refund at the next block; a task escrowing no more than every queued one is refused.
#[test]
fn a_full_queue_takes_a_task_that_escrows_more_in_place_of_the_cheapest() {
	ExtBuilder::default().idle().build_and_execute(|| {
		MaxQueueLen::set(3);
		let flooder = 2;
		buy_credits(flooder, 1_000);
		let (flood_free, _) = credits(flooder);
		// Three tasks of 20 credits each (2 units × price 10 × r 1).
		let flood: Vec<u64> = (0..3).map(|_| submit_as(flooder, 1, 10)).collect();
		// Escrowing the same 20 is not enough.
		assert_noop!(
			submit_with(GEMM, &[8, 8, 8], seeded(), 1, 10, now() + 50),
			Error::<Test>::QueueFull
		);
		// 22 credits (price 11) is.
		let mine = submit_as(CONSUMER, 1, 11);
		let queued: Vec<u64> = Queue::<Test>::get().iter().map(|e| e.task).collect();
		assert_eq!(queued, vec![flood[0], flood[1], mine], "the newest of the cheapest went");
		assert!(escrow_events().contains(&Event::TaskOutbid { task: flood[2], by: mine }));
		assert_eq!(Outbid::<Test>::get(flood[2]), Some(mine));
		// Its refund is the next block's work, not the submission's.
		assert_eq!(finished_reason(flood[2]), None);
		next_block();
		assert_eq!(finished_reason(flood[2]), Some(TerminalReason::Outbid));
		assert_eq!(credits(flooder), (flood_free - 40, 40), "the outbid task is refunded");
		assert!(!Outbid::<Test>::contains_key(flood[2]));
		// The next one must beat the cheapest left (20), not the newest.
		let again = submit_as(CONSUMER, 1, 11);
		let queued: Vec<u64> = Queue::<Test>::get().iter().map(|e| e.task).collect();
		assert_eq!(queued, vec![flood[0], mine, again]);
		next_block();
		assert_eq!(finished_reason(flood[1]), Some(TerminalReason::Outbid));
		assert_eq!(credits(flooder), (flood_free - 20, 20));
	});
}

/// A displaced task that its consumer cancels before the next block is refunded once, as
/// `Cancelled`; the timeout that would have ended it `Outbid` then finds it finished.
#[test]
fn a_displaced_task_cancelled_before_its_refund_is_refunded_once() {
	ExtBuilder::default().idle().build_and_execute(|| {
		MaxQueueLen::set(1);
		let flooder = 2;
		buy_credits(flooder, 1_000);
		let (flood_free, _) = credits(flooder);
		let cheap = submit_as(flooder, 1, 10);
		let mine = submit_as(CONSUMER, 1, 11);
		assert_eq!(Outbid::<Test>::get(cheap), Some(mine));
		assert_ok!(Escrow::cancel_task(RuntimeOrigin::signed(flooder), cheap));
		assert_eq!(finished_reason(cheap), Some(TerminalReason::Cancelled));
		assert!(!Outbid::<Test>::contains_key(cheap));
		let queued: Vec<u64> = Queue::<Test>::get().iter().map(|e| e.task).collect();
		assert_eq!(queued, vec![mine], "cancelling the displaced task leaves the queue alone");
		next_block();
		assert_eq!(finished_reason(cheap), Some(TerminalReason::Cancelled));
		assert_eq!(credits(flooder), (flood_free, 0), "refunded once, in full");
		assert_noop!(
			Escrow::cancel_task(RuntimeOrigin::signed(flooder), cheap),
			Error::<Test>::TaskFinished
		);
	});
}

/// A task no registered provider could ever take (a kernel nobody runs, more VRAM or work than
/// any profile offers, a price below every ask) is refused at submission. Before, it was
/// queued until it expired, fully refunded: each one held a queue slot and an assignment try
/// per rotation for nothing but the transaction fee, so a flood of them delayed real tasks.
#[test]
fn a_task_no_registered_provider_could_take_is_refused_at_submit() {
	ExtBuilder::default().build_and_execute(|| {
		use aipin_primitives::{Formula, Term};
		let d = now() + 50;
		// Providers 11–13 run GEMM only, 8 GiB, 1,000 work units/s, asking 10.
		assert_noop!(
			submit_with(FLOATY, &[8], seeded(), 1, 10, d),
			Error::<Test>::NoCapableProvider
		);
		assert_noop!(
			submit_with(GEMM, &[8, 8, 8], seeded(), 1, 9, d),
			Error::<Test>::NoCapableProvider
		);
		let mut big = gemm_spec();
		big.min_vram_mib = 16_384;
		assert_ok!(Escrow::register_kernel(RuntimeOrigin::root(), 5, big));
		let mut heavy = gemm_spec();
		// 1,000 work units per m·n·k: [8, 8, 8] is 512,000, beyond 60 s at 1,000/s; [1, 1, 1] is not.
		heavy.work_units = Formula::new(vec![Term::new(1_000, &[0, 1, 2])], 1);
		assert_ok!(Escrow::register_kernel(RuntimeOrigin::root(), 6, heavy));
		for kernel in [5, 6] {
			register(9 + kernel as u64, kernel, 1);
			assert_noop!(
				submit_with(kernel, &[8, 8, 8], seeded(), 1, 10, d),
				Error::<Test>::NoCapableProvider
			);
			assert_eq!(
				Escrow::quote(kernel, params(&[8, 8, 8]), 1, 10),
				Err(Error::<Test>::NoCapableProvider.into()),
				"the quote says so before anything is signed"
			);
		}
		// What the registered profiles do cover is accepted, even while nobody is free.
		assert_ok!(submit_with(GEMM, &[8, 8, 8], seeded(), 1, 10, d));
		assert_ok!(submit_with(6, &[1, 1, 1], seeded(), 1, 10, d));
	});
}

/// The cheapest provider of a kernel leaves it. Until spare weight recounts the kernel's reach a
/// task at its price is still admitted (it queues and expires refunded); after, it is refused,
/// and a task the remaining providers can take is not.
#[test]
fn a_task_only_a_departed_provider_could_take_is_refused_once_the_reach_is_recounted() {
	ExtBuilder::default().build_and_execute(|| {
		use frame_support::{traits::Hooks, weights::Weight};
		let d = now() + 50;
		// Providers 11–13 run GEMM at ask 10; provider 14 joins at ask 4, then leaves GEMM.
		register(14, GEMM, 4);
		assert_ok!(submit_with(GEMM, &[8, 8, 8], seeded(), 1, 4, d));
		let mut moved = pallet_compute_staking::Providers::<Test>::get(14).unwrap().profile;
		moved.kernels = BoundedVec::truncate_from(vec![FLOATY]);
		assert_ok!(Staking::update_profile(
			RuntimeOrigin::signed(14),
			moved,
			BoundedVec::truncate_from(b"http://127.0.0.1:8080".to_vec()),
		));
		assert_ok!(submit_with(GEMM, &[8, 8, 8], seeded(), 1, 4, d));
		Staking::on_idle(now(), Weight::MAX);
		assert_noop!(
			submit_with(GEMM, &[8, 8, 8], seeded(), 1, 4, d),
			Error::<Test>::NoCapableProvider
		);
		assert_ok!(submit_with(GEMM, &[8, 8, 8], seeded(), 1, 10, d));
	});
}
