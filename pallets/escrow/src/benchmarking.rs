//! Benchmarks of every call and of the work the hooks do per item, each at its worst case.

use super::*;
use crate::Pallet as Escrow;
use aipin_primitives::{result_commitment, Credits, KernelId, ProviderRegistry, TaskId};
use frame_benchmarking::v2::*;
use frame_support::{traits::Get, BoundedVec};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::{traits::One, Weight};

const KERNEL: KernelId = 1_000;
const ASK: Credits = 5;
const PRICE: Credits = 10;

/// Creates what the benchmarks need: funded consumers and eligible providers (the runtime
/// implements it with the staking and BME pallets).
pub trait BenchmarkHelper<AccountId> {
	/// A registered, responsive provider supporting `kernel` with an ask of at most `ask`.
	fn provider(
		index: u32,
		kernel: aipin_primitives::KernelId,
		ask: aipin_primitives::Credits,
	) -> AccountId;
	/// The operator key of `provider`.
	fn operator(provider: &AccountId) -> AccountId;
	/// Gives `who` `amount` free credits.
	fn fund_credits(who: &AccountId, amount: aipin_primitives::Credits);
}

fn bytes_kernel<T: Config>() -> KernelSpec {
	let t =
		|coef, factors: &[u8]| Term { coef, factors: BoundedVec::truncate_from(factors.to_vec()) };
	let f = |terms: alloc::vec::Vec<Term>| Formula {
		terms: BoundedVec::truncate_from(terms),
		divisor: 1,
	};
	KernelSpec {
		name: BoundedVec::truncate_from(b"bench-bytes".to_vec()),
		version: 1,
		wgsl_hash: [1; 32],
		// One parameter, the input length, up to the inline bound.
		max_params: BoundedVec::truncate_from(alloc::vec![T::MaxInlineInput::get().max(1)]),
		work_units: f(alloc::vec![t(1, &[0])]),
		input_bytes: f(alloc::vec![t(1, &[0])]),
		output_bytes: f(alloc::vec![t(1, &[0])]),
		min_vram_mib: 0,
		deterministic: true,
	}
}

fn setup_kernel<T: Config>() {
	if !Kernels::<T>::contains_key(KERNEL) {
		Escrow::<T>::do_register_kernel(KERNEL, bytes_kernel::<T>()).expect("bench kernel");
	}
}

fn now<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number()
}

fn consumer<T: Config>() -> T::AccountId {
	consumer_n::<T>(0)
}

fn consumer_n<T: Config>(n: u32) -> T::AccountId {
	let c: T::AccountId = account("consumer", n, 0);
	T::BenchmarkHelper::fund_credits(&c, 1_000_000_000);
	c
}

fn providers<T: Config>(from: u32, n: u32) -> alloc::vec::Vec<T::AccountId> {
	(from..from + n).map(|i| T::BenchmarkHelper::provider(i, KERNEL, ASK)).collect()
}

/// A canary seal matching none of the benchmarks' tasks: with one kept, resolution looks up
/// every revealed root, its worst case.
const DECOY_SEAL: [u8; 32] = [0xde; 32];

/// Submits a seeded task with `r` replicas (input length 64) as `who`.
fn submit<T: Config>(who: &T::AccountId, r: u32) -> TaskId {
	setup_kernel::<T>();
	if !CanarySeals::<T>::contains_key(DECOY_SEAL) {
		CanarySeals::<T>::insert(DECOY_SEAL, BlockNumberFor::<T>::default());
	}
	// A task no registered provider could take is refused: the benchmarks that queue tasks
	// without assigning them still need one provider on the books.
	let spec = Kernels::<T>::get(KERNEL).expect("bench kernel").spec;
	if !T::Registry::could_ever_serve(&Escrow::<T>::requirements(KERNEL, &spec, PRICE, 64)) {
		T::BenchmarkHelper::provider(1_000, KERNEL, ASK);
	}
	let deadline = now::<T>() + T::MaxTaskLifetime::get();
	Escrow::<T>::do_submit(
		who.clone(),
		KERNEL,
		BoundedVec::truncate_from(alloc::vec![64]),
		TaskInput::Seeded { seed: [9; 32] },
		r as u8,
		PRICE,
		deadline,
	)
	.expect("bench task submits")
}

/// Moves to the next block and assigns queued task `id`.
fn assign_now<T: Config>(id: TaskId) -> alloc::vec::Vec<T::AccountId> {
	let next = now::<T>() + One::one();
	frame_system::Pallet::<T>::set_block_number(next);
	let (left, _) = Escrow::<T>::try_assign(id, next);
	assert!(left, "bench task assigned");
	Tasks::<T>::get(id).expect("task").assignments.iter().map(|a| a.provider.clone()).collect()
}

fn root_of(n: u32) -> [u8; 32] {
	let mut r = [0u8; 32];
	r[..4].copy_from_slice(&n.to_le_bytes());
	r
}

fn commit<T: Config>(id: TaskId, p: &T::AccountId, root: [u8; 32]) {
	let c = result_commitment(id, p, &root, &[7; 32]);
	Escrow::<T>::do_commit(T::BenchmarkHelper::operator(p), id, c).expect("commit");
}

fn reveal<T: Config>(id: TaskId, p: &T::AccountId, root: [u8; 32]) {
	Escrow::<T>::do_reveal(T::BenchmarkHelper::operator(p), id, root, [7; 32]).expect("reveal");
}

/// A task of `r` replicas (registered already) in which replica `i` committed and revealed
/// `root(i)`: what `on_idle` settles.
fn revealed<T: Config>(r: u32, root: impl Fn(u32) -> [u8; 32]) -> TaskId {
	let who = consumer::<T>();
	let id = submit::<T>(&who, r);
	let ps = assign_now::<T>(id);
	for (i, p) in ps.iter().enumerate() {
		commit::<T>(id, p, root(i as u32));
	}
	for (i, p) in ps.iter().enumerate() {
		reveal::<T>(id, p, root(i as u32));
	}
	assert!(Settling::<T>::contains_key(id));
	id
}

fn finished<T: Config>(id: TaskId) -> bool {
	matches!(Tasks::<T>::get(id).map(|t| t.phase), Some(Phase::Finished { .. }))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_kernel() {
		let spec = bytes_kernel::<T>();

		#[extrinsic_call]
		_(RawOrigin::Root, KERNEL, spec);

		assert!(Kernels::<T>::contains_key(KERNEL));
	}

	#[benchmark]
	fn deprecate_kernel() {
		setup_kernel::<T>();

		#[extrinsic_call]
		_(RawOrigin::Root, KERNEL);

		assert!(Kernels::<T>::get(KERNEL).is_some_and(|k| k.deprecated));
	}

	/// Inline input of `b` bytes (stored with the task), into a full queue: the task displaces
	/// the queued task escrowing least, which it finds by scanning the whole queue.
	#[benchmark]
	fn submit_task(b: Linear<1, { T::MaxInlineInput::get() }>) {
		setup_kernel::<T>();
		let who = consumer::<T>();
		let lowest = submit::<T>(&consumer_n::<T>(1), 1);
		// The rest of the queue: entries escrowing more (only the displaced task is read).
		let mut queue = Queue::<T>::get();
		for i in 0..T::MaxQueueLen::get().saturating_sub(1) {
			let entry = QueueEntry { task: TaskId::MAX - i as TaskId, escrow: Credits::MAX };
			queue.try_push(entry).expect("below MaxQueueLen");
		}
		Queue::<T>::put(queue);
		let input = TaskInput::Inline(BoundedVec::truncate_from(alloc::vec![7u8; b as usize]));
		let deadline = now::<T>() + T::MaxTaskLifetime::get();
		let params: Params = BoundedVec::truncate_from(alloc::vec![b]);
		// `lowest` escrows 64 units at `PRICE`: this task escrows more even for one unit.
		let max_price = PRICE * 65;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), KERNEL, params, input, 1, max_price, deadline);

		assert_eq!(OpenTasks::<T>::get(&who), 1);
		assert!(Outbid::<T>::contains_key(lowest), "the full queue's lowest task is displaced");
	}

	/// A task assigned to `r` providers, cancelled before any commit.
	#[benchmark]
	fn cancel_task(r: Linear<1, { T::MaxReplication::get() }>) {
		let who = consumer::<T>();
		providers::<T>(0, r);
		let id = submit::<T>(&who, r);
		assign_now::<T>(id);

		#[extrinsic_call]
		_(RawOrigin::Signed(who), id);

		assert!(finished::<T>(id));
	}

	/// The last commit of `s` replicas (it opens the reveal window).
	#[benchmark]
	fn commit_result(s: Linear<1, { T::MaxReplication::get() }>) {
		let who = consumer::<T>();
		providers::<T>(0, s);
		let id = submit::<T>(&who, s);
		let ps = assign_now::<T>(id);
		for p in ps.iter().skip(1) {
			commit::<T>(id, p, root_of(1));
		}
		let last = ps[0].clone();
		let c = result_commitment(id, &last, &root_of(1), &[7; 32]);

		#[extrinsic_call]
		_(RawOrigin::Signed(T::BenchmarkHelper::operator(&last)), id, c);

		assert!(matches!(Tasks::<T>::get(id).map(|t| t.phase), Some(Phase::Reveal { .. })));
	}

	/// The last reveal of `r` replicas, which does not match its commitment: the provider is
	/// reported (`InvalidReveal`), and the task is scheduled for settlement.
	#[benchmark]
	fn reveal_result(r: Linear<1, { T::MaxReplication::get() }>) {
		let who = consumer::<T>();
		providers::<T>(0, r);
		let id = submit::<T>(&who, r);
		let ps = assign_now::<T>(id);
		for p in ps.iter() {
			commit::<T>(id, p, root_of(1));
		}
		for p in ps.iter().skip(1) {
			reveal::<T>(id, p, root_of(1));
		}
		let last = ps[0].clone();

		#[extrinsic_call]
		reveal_result(
			RawOrigin::Signed(T::BenchmarkHelper::operator(&last)),
			id,
			root_of(2),
			[7; 32],
		);

		assert!(Settling::<T>::contains_key(id));
		let t = Tasks::<T>::get(id).expect("task");
		assert!(t.live_slot(&last).is_none(), "reported");
	}

	/// `on_idle` settling a task whose `r` replicas revealed, by majority: the winners are paid
	/// and the rest (as many as a majority allows) reported.
	#[benchmark]
	fn settle(r: Linear<1, { T::MaxReplication::get() }>) {
		providers::<T>(0, r);
		let winners = r / 2 + 1;
		let id = revealed::<T>(r, |i| if i < winners { root_of(1) } else { root_of(2 + i) });

		#[block]
		{
			Escrow::<T>::settle_one(id, now::<T>());
		}

		assert!(finished::<T>(id));
	}

	/// `on_idle` settling a task whose `r` replicas all disagree: a tie-breaker is assigned.
	#[benchmark]
	fn settle_with_tiebreak(r: Linear<2, { T::MaxReplication::get() }>) {
		providers::<T>(0, r + 1);
		let id = revealed::<T>(r, root_of);

		#[block]
		{
			Escrow::<T>::settle_one(id, now::<T>());
		}

		assert!(Tasks::<T>::get(id).is_some_and(|t| t.has_tiebreaker()));
	}

	/// `on_initialize` assigning one queued task to `r` providers.
	#[benchmark]
	fn assign(r: Linear<1, { T::MaxReplication::get() }>) {
		let who = consumer::<T>();
		providers::<T>(0, r);
		let id = submit::<T>(&who, r);
		let next = now::<T>() + One::one();
		frame_system::Pallet::<T>::set_block_number(next);

		#[block]
		{
			Escrow::<T>::try_assign(id, next);
		}

		assert!(matches!(Tasks::<T>::get(id).map(|t| t.phase), Some(Phase::Commit { .. })));
	}

	/// `on_initialize` expiring a queued task from a queue of `q` tasks.
	#[benchmark]
	fn expire_queued(
		q: Linear<1, { T::MaxQueueLen::get().min(T::MaxOpenTasksPerConsumer::get()) }>,
	) {
		let who = consumer::<T>();
		let ids: alloc::vec::Vec<TaskId> = (0..q).map(|_| submit::<T>(&who, 1)).collect();
		let id = ids[ids.len() - 1];
		let Some(Phase::Queued { expires }) = Tasks::<T>::get(id).map(|t| t.phase) else {
			panic!("queued")
		};

		#[block]
		{
			Escrow::<T>::handle_timeout(id, expires);
		}

		assert!(finished::<T>(id));
	}

	/// `on_initialize` closing a commit window nobody of `r` replicas committed in: `r`
	/// offences and `r` replacements.
	#[benchmark]
	fn commit_timeout(r: Linear<1, { T::MaxReplication::get() }>) {
		let who = consumer::<T>();
		let first = providers::<T>(0, r);
		let id = submit::<T>(&who, r);
		assign_now::<T>(id);
		// Replacements become eligible only now, so the first draw took the first `r`.
		providers::<T>(r, r);
		let Some(Phase::Commit { ends }) = Tasks::<T>::get(id).map(|t| t.phase) else {
			panic!("commit phase")
		};
		frame_system::Pallet::<T>::set_block_number(ends);

		#[block]
		{
			Escrow::<T>::handle_timeout(id, ends);
		}

		let t = Tasks::<T>::get(id).expect("task");
		assert!(first.iter().all(|p| t.live_slot(p).is_none()), "all reported");
	}

	/// `on_initialize` closing a reveal window only the first of `r ≥ 2` replicas revealed in
	/// (nobody for `r = 1`): `r − 1` offences, a tie-breaker searched for in vain, then the task
	/// fails and each faulty slot's slash is redirected to the standing replica.
	#[benchmark]
	fn reveal_timeout(r: Linear<1, { T::MaxReplication::get() }>) {
		let who = consumer::<T>();
		providers::<T>(0, r);
		let id = submit::<T>(&who, r);
		let ps = assign_now::<T>(id);
		for p in ps.iter() {
			commit::<T>(id, p, root_of(1));
		}
		if let (true, Some(first)) = (r >= 2, ps.first()) {
			reveal::<T>(id, first, root_of(1));
		}
		let Some(Phase::Reveal { ends }) = Tasks::<T>::get(id).map(|t| t.phase) else {
			panic!("reveal phase")
		};
		frame_system::Pallet::<T>::set_block_number(ends);

		#[block]
		{
			Escrow::<T>::handle_timeout(id, ends);
		}

		assert!(finished::<T>(id));
	}

	/// `n` new seals, each checked against the stored ones and the rest of the call.
	#[benchmark]
	fn seal_canaries(n: Linear<1, { T::MaxCanarySeals::get() }>) {
		let seals: alloc::vec::Vec<[u8; 32]> = (0..n).map(root_of).collect();

		#[extrinsic_call]
		_(RawOrigin::Root, BoundedVec::truncate_from(seals));

		assert_eq!(CanarySeals::<T>::count(), n);
	}

	/// `n` seals withdrawn.
	#[benchmark]
	fn unseal_canaries(n: Linear<1, { T::MaxCanarySeals::get() }>) {
		let seals: alloc::vec::Vec<[u8; 32]> = (0..n).map(root_of).collect();
		Escrow::<T>::do_seal_canaries(seals.clone()).expect("seals fit");

		#[extrinsic_call]
		_(RawOrigin::Root, BoundedVec::truncate_from(seals));

		assert_eq!(CanarySeals::<T>::count(), 0);
	}

	/// A finished task whose `n` replicas all revealed the same wrong root, exposed: `n`
	/// offences.
	#[benchmark]
	fn expose_canary(n: Linear<1, { T::MaxReplication::get() }>) {
		frame_system::Pallet::<T>::set_block_number(One::one());
		let who = consumer::<T>();
		providers::<T>(0, n);
		let id = submit::<T>(&who, n);
		let ps = assign_now::<T>(id);
		for p in ps.iter() {
			commit::<T>(id, p, root_of(1));
		}
		for p in ps.iter() {
			reveal::<T>(id, p, root_of(1));
		}
		Escrow::<T>::settle_one(id, now::<T>());
		assert!(finished::<T>(id));
		let t = Tasks::<T>::get(id).expect("task");
		let seal = aipin_primitives::canary_seal(t.kernel, &t.params, &t.input_digest, &root_of(0));
		CanarySeals::<T>::insert(seal, BlockNumberFor::<T>::default());

		#[extrinsic_call]
		_(RawOrigin::Signed(who), id, root_of(0));

		assert!(ps.iter().all(|p| Tasks::<T>::get(id)
			.and_then(|t| t.state_of(p))
			.is_some_and(|s| s == SlotState::Faulted(aipin_primitives::OffenceKind::FailedCanary))));
	}

	/// `on_idle` removing one finished task.
	#[benchmark]
	fn prune_task() {
		let who = consumer::<T>();
		let id = submit::<T>(&who, 1);
		Escrow::<T>::do_cancel(who, id).expect("cancel");
		let done = now::<T>();
		PruneCursor::<T>::put(done);
		let at = done + T::RetentionPeriod::get();

		#[block]
		{
			Escrow::<T>::prune(at, Weight::MAX);
		}

		assert!(!Tasks::<T>::contains_key(id));
	}

	impl_benchmark_test_suite!(
		Escrow,
		crate::mock::ExtBuilder::default().build(),
		crate::mock::Test
	);
}
