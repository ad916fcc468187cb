//! Test helpers shared by the escrow's own mock and the cross-pallet one (`aipin-pallet-flows`),
//! behind the `test-utils` feature: test kernels, and the task lifecycle driven from a test
//! (submit, commit, reveal, read back). [`escrow_test_helpers!`](crate::escrow_test_helpers)
//! writes them for a mock runtime.

#[doc(hidden)]
pub use aipin_primitives::{result_commitment, Credits, KernelId, TaskId};
#[doc(hidden)]
pub use frame_support::BoundedVec;

/// Writes the escrow's test helpers into a mock runtime's module. The runtime must use `u64`
/// accounts and block numbers and name its pallets `System` and `Escrow`; helpers reach
/// `RuntimeOrigin`, `RuntimeEvent`, `Test` and `AllPalletsWithSystem` in the calling module.
///
/// Provider `p` signs with operator `p + OPERATOR_OFFSET` and salts with `[p as u8; 32]`;
/// tasks are seeded 8×8×8 GEMMs of the test kernel `GEMM` (2 work units).
#[macro_export]
macro_rules! escrow_test_helpers {
	() => {
		/// The test GEMM kernel: `[m, n, k]` up to 64 each, `ceil(2·m·n·k / 1000)` work units.
		/// Deliberately not `aipin_kernels::gemm_i8` (whose mega-op work units would round
		/// every test size to 1): these tests need work units that vary with the parameters.
		pub const GEMM: $crate::testing::KernelId = 1;
		/// A kernel that is not deterministic (so cannot be replicated).
		pub const FLOATY: $crate::testing::KernelId = 2;
		pub const OPERATOR_OFFSET: u64 = 100_000;
		pub const CONSUMER: u64 = 1;

		pub fn gemm_spec() -> $crate::KernelSpec {
			use $crate::{Formula, Term};
			$crate::KernelSpec {
				name: $crate::testing::BoundedVec::truncate_from(b"gemm-i8".to_vec()),
				version: 1,
				wgsl_hash: [7; 32],
				max_params: $crate::testing::BoundedVec::truncate_from(vec![64, 64, 64]),
				work_units: Formula::new(vec![Term::new(2, &[0, 1, 2])], 1_000),
				input_bytes: Formula::new(vec![Term::new(1, &[0, 2]), Term::new(1, &[2, 1])], 1),
				output_bytes: Formula::new(vec![Term::new(4, &[0, 1])], 1),
				min_vram_mib: 1_024,
				deterministic: true,
			}
		}

		pub fn floaty_spec() -> $crate::KernelSpec {
			use $crate::{Formula, Term};
			$crate::KernelSpec {
				name: $crate::testing::BoundedVec::truncate_from(b"floaty".to_vec()),
				version: 1,
				wgsl_hash: [8; 32],
				max_params: $crate::testing::BoundedVec::truncate_from(vec![1_000]),
				work_units: Formula::new(vec![Term::new(1, &[0])], 1),
				input_bytes: Formula::new(vec![Term::new(4, &[0])], 1),
				output_bytes: Formula::new(vec![Term::new(4, &[0])], 1),
				min_vram_mib: 0,
				deterministic: false,
			}
		}

		/// Runs blocks up to `n`, with `on_idle` (unlimited weight) at the end of each.
		pub fn run_to_block(n: u64) {
			while now() < n {
				idle();
				System::run_to_block::<AllPalletsWithSystem>(now() + 1);
			}
		}

		/// This block's `on_idle` so far (unlimited weight): what settles a task whose every
		/// committed provider has revealed, as the end of the block would.
		pub fn idle() {
			use frame_support::traits::OnIdle;
			AllPalletsWithSystem::on_idle(now(), frame_support::weights::Weight::MAX);
		}

		pub fn now() -> u64 {
			System::block_number()
		}

		/// Runs one block forward.
		pub fn next_block() {
			run_to_block(now() + 1);
		}

		pub fn escrow_events() -> Vec<$crate::Event<Test>> {
			System::events()
				.into_iter()
				.filter_map(|r| if let RuntimeEvent::Escrow(e) = r.event { Some(e) } else { None })
				.collect()
		}

		/// Params of a GEMM: `[m, n, k]`.
		pub fn params(p: &[u32]) -> $crate::Params {
			$crate::testing::BoundedVec::truncate_from(p.to_vec())
		}

		pub fn seeded() -> $crate::TaskInputOf<Test> {
			$crate::TaskInput::Seeded { seed: [42; 32] }
		}

		/// Submits a seeded 8×8×8 GEMM (2 work units) with `replication`, max price 10,
		/// deadline `now + 50`; returns its id.
		pub fn submit(replication: u8) -> $crate::testing::TaskId {
			submit_as(CONSUMER, replication, 10)
		}

		/// Submits `kernel` with `p` and `input` as `CONSUMER`; the call's result (to check
		/// refusals).
		pub fn submit_with(
			kernel: $crate::testing::KernelId,
			p: &[u32],
			input: $crate::TaskInputOf<Test>,
			replication: u8,
			max_price: $crate::testing::Credits,
			deadline: u64,
		) -> frame_support::dispatch::DispatchResultWithPostInfo {
			Escrow::submit_task(
				RuntimeOrigin::signed(CONSUMER),
				kernel,
				params(p),
				input,
				replication,
				max_price,
				deadline,
			)
		}

		pub fn submit_as(
			consumer: u64,
			replication: u8,
			max_price: $crate::testing::Credits,
		) -> $crate::testing::TaskId {
			let id = $crate::NextTaskId::<Test>::get();
			frame_support::assert_ok!(Escrow::submit_task(
				RuntimeOrigin::signed(consumer),
				GEMM,
				params(&[8, 8, 8]),
				seeded(),
				replication,
				max_price,
				now() + 50,
			));
			id
		}

		pub fn task(id: $crate::testing::TaskId) -> $crate::TaskOf<Test> {
			$crate::Tasks::<Test>::get(id).expect("task exists")
		}

		pub fn providers_of(id: $crate::testing::TaskId) -> Vec<u64> {
			task(id).assignments.iter().map(|a| a.provider).collect()
		}

		pub fn salt_of(provider: u64) -> [u8; 32] {
			[provider as u8; 32]
		}

		pub fn root(n: u8) -> [u8; 32] {
			[n; 32]
		}

		/// `provider` commits to `root`.
		pub fn commit(id: $crate::testing::TaskId, provider: u64, root: [u8; 32]) {
			let c = $crate::testing::result_commitment(id, &provider, &root, &salt_of(provider));
			let operator = RuntimeOrigin::signed(provider + OPERATOR_OFFSET);
			frame_support::assert_ok!(Escrow::commit_result(operator, id, c));
		}

		/// `provider` reveals `root`; the block's `on_idle` then settles the task if that was the
		/// last reveal.
		pub fn reveal(id: $crate::testing::TaskId, provider: u64, root: [u8; 32]) {
			reveal_only(id, provider, root);
			idle();
		}

		/// `provider` reveals `root`, and nothing else runs: what a block holds before it ends.
		pub fn reveal_only(id: $crate::testing::TaskId, provider: u64, root: [u8; 32]) {
			let operator = RuntimeOrigin::signed(provider + OPERATOR_OFFSET);
			frame_support::assert_ok!(Escrow::reveal_result(operator, id, root, salt_of(provider)));
		}

		pub fn phase(id: $crate::testing::TaskId) -> $crate::Phase<u64> {
			task(id).phase
		}

		pub fn finished_reason(id: $crate::testing::TaskId) -> Option<$crate::TerminalReason> {
			match phase(id) {
				$crate::Phase::Finished { reason, .. } => Some(reason),
				_ => None,
			}
		}
	};
}
