//! A test runtime with this pallet alone: frame-system and the escrow, with the primitives'
//! in-memory mocks for providers (`MockRegistry`), credits (`MockCredits`) and offences
//! (`MockOffences`). The flows through the real staking, slashing and BME pallets are tested
//! in `aipin-pallet-flows`.

use crate::{self as pallet_task_escrow, *};
use aipin_primitives::{
	result_commitment,
	traits::{
		credits::mock::MockCredits, offences::mock::MockOffences, registry::mock::MockRegistry,
	},
	Credits, KernelId, OffenceKind, TaskId,
};
use codec::Encode;
use frame_support::{
	assert_ok, derive_impl,
	traits::{ConstU64, Randomness},
	BoundedVec,
};
use sp_core::H256;
use sp_runtime::BuildStorage;

pub type AccountId = u64;
pub type BlockNumber = u64;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Escrow: pallet_task_escrow,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

pub const COMMIT: BlockNumber = 5;
pub const REVEAL: BlockNumber = 5;
pub const RETENTION: BlockNumber = 20;

/// Randomness from the block number and the parent hash, like the runtime's.
pub struct TestRandomness;
impl Randomness<H256, BlockNumber> for TestRandomness {
	fn random(subject: &[u8]) -> (H256, BlockNumber) {
		let now = System::block_number();
		let data = (subject, now, System::parent_hash()).encode();
		(H256(sp_io::hashing::blake2_256(&data)), now.saturating_sub(1))
	}
}

#[derive_impl(pallet_task_escrow::config_preludes::TestDefaultConfig)]
impl Config for Test {
	type Registry = MockRegistry;
	type Credits = MockCredits;
	type Offences = MockOffences;
	type Randomness = TestRandomness;
	type CommitWindow = ConstU64<COMMIT>;
	type RevealWindow = ConstU64<REVEAL>;
	type RetentionPeriod = ConstU64<RETENTION>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Helper;
}

/// Registers mock providers and mints credits for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct Helper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for Helper {
	fn provider(index: u32, kernel: KernelId, ask: Credits) -> AccountId {
		let stash = 50_000 + index as AccountId;
		register(stash, kernel, ask);
		stash
	}
	fn operator(provider: &AccountId) -> AccountId {
		provider + OPERATOR_OFFSET
	}
	fn fund_credits(who: &AccountId, amount: Credits) {
		MockCredits::mint(who, amount);
	}
}

/// The test GEMM kernel: `[m, n, k]` up to 64 each, `ceil(2·m·n·k / 1000)` work units (not
/// `aipin_kernels::gemm_i8`, whose mega-op work units would round every test size to 1).
pub const GEMM: KernelId = 1;
/// A kernel that is not deterministic (so cannot be replicated).
pub const FLOATY: KernelId = 2;
pub const OPERATOR_OFFSET: AccountId = 100_000;
pub const CONSUMER: AccountId = 1;

pub fn gemm_spec() -> KernelSpec {
	KernelSpec {
		name: BoundedVec::truncate_from(b"gemm-i8".to_vec()),
		version: 1,
		wgsl_hash: [7; 32],
		max_params: BoundedVec::truncate_from(vec![64, 64, 64]),
		work_units: Formula::new(vec![Term::new(2, &[0, 1, 2])], 1_000),
		input_bytes: Formula::new(vec![Term::new(1, &[0, 2]), Term::new(1, &[2, 1])], 1),
		output_bytes: Formula::new(vec![Term::new(4, &[0, 1])], 1),
		min_vram_mib: 1_024,
		deterministic: true,
	}
}

pub fn floaty_spec() -> KernelSpec {
	KernelSpec {
		name: BoundedVec::truncate_from(b"floaty".to_vec()),
		version: 1,
		wgsl_hash: [8; 32],
		max_params: BoundedVec::truncate_from(vec![1_000]),
		work_units: Formula::new(vec![Term::new(1, &[0])], 1),
		input_bytes: Formula::new(vec![Term::new(4, &[0])], 1),
		output_bytes: Formula::new(vec![Term::new(4, &[0])], 1),
		min_vram_mib: 0,
		deterministic: false,
	}
}

/// Registers mock provider `stash` (operator `stash + OPERATOR_OFFSET`, 8 GiB) for `kernel`
/// with `ask`.
pub fn register(stash: AccountId, kernel: KernelId, ask: Credits) {
	MockRegistry::add(&stash, &(stash + OPERATOR_OFFSET), 10_000, ask, &[kernel], 8_192);
}

pub struct ExtBuilder {
	providers: Vec<(AccountId, Credits)>,
}

impl Default for ExtBuilder {
	/// Three GEMM providers (stashes 11, 12, 13) asking 10 credits per unit.
	fn default() -> Self {
		Self { providers: vec![(11, 10), (12, 10), (13, 10)] }
	}
}

impl ExtBuilder {
	pub fn providers(mut self, providers: Vec<(AccountId, Credits)>) -> Self {
		self.providers = providers;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_task_escrow::GenesisConfig::<Test> {
			kernels: vec![(GEMM, gemm_spec()), (FLOATY, floaty_spec())],
			_config: Default::default(),
		}
		.assimilate_storage(&mut t)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(t);
		ext.execute_with(|| {
			System::set_block_number(1);
			MockRegistry::reset();
			MockCredits::reset();
			MockOffences::reset();
			for (stash, ask) in &self.providers {
				register(*stash, GEMM, *ask);
			}
			MockCredits::mint(&CONSUMER, 10_000_000);
		});
		ext
	}

	/// Builds, runs `test`, then checks the pallet's invariants and that the mock ledger holds
	/// in reserve exactly what the escrow says it holds.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Escrow::do_try_state().expect("escrow invariants hold after the test");
			assert_eq!(MockCredits::reserved(&CONSUMER), TotalEscrowed::<Test>::get());
		});
	}
}

/// Runs blocks up to `n`, with `on_idle` (unlimited weight) at the end of each.
pub fn run_to_block(n: BlockNumber) {
	use frame_support::traits::OnIdle;
	while System::block_number() < n {
		let b = System::block_number();
		AllPalletsWithSystem::on_idle(b, frame_support::weights::Weight::MAX);
		System::run_to_block::<AllPalletsWithSystem>(b + 1);
	}
}

pub fn now() -> BlockNumber {
	System::block_number()
}

/// Runs one block forward.
pub fn next_block() {
	run_to_block(now() + 1);
}

pub fn escrow_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Escrow(e) = r.event { Some(e) } else { None })
		.collect()
}

/// Params of a GEMM: `[m, n, k]`.
pub fn params(p: &[u32]) -> Params {
	BoundedVec::truncate_from(p.to_vec())
}

pub fn seeded() -> TaskInputOf<Test> {
	TaskInput::Seeded { seed: [42; 32] }
}

/// Submits a seeded 8×8×8 GEMM (2 work units) with `replication`, max price 10, deadline
/// `now + 50`; returns its id.
pub fn submit(replication: u8) -> TaskId {
	let id = NextTaskId::<Test>::get();
	assert_ok!(Escrow::submit_task(
		RuntimeOrigin::signed(CONSUMER),
		GEMM,
		params(&[8, 8, 8]),
		seeded(),
		replication,
		10,
		now() + 50,
	));
	id
}

pub fn task(id: TaskId) -> TaskOf<Test> {
	Tasks::<Test>::get(id).expect("task exists")
}

pub fn providers_of(id: TaskId) -> Vec<AccountId> {
	task(id).assignments.iter().map(|a| a.provider).collect()
}

pub fn salt_of(provider: AccountId) -> [u8; 32] {
	[provider as u8; 32]
}

pub fn root(n: u8) -> [u8; 32] {
	[n; 32]
}

/// `provider` commits to `root`.
pub fn commit(id: TaskId, provider: AccountId, root: [u8; 32]) {
	let c = result_commitment(id, &provider, &root, &salt_of(provider));
	assert_ok!(Escrow::commit_result(RuntimeOrigin::signed(provider + OPERATOR_OFFSET), id, c));
}

/// `provider` reveals `root`.
pub fn reveal(id: TaskId, provider: AccountId, root: [u8; 32]) {
	assert_ok!(Escrow::reveal_result(
		RuntimeOrigin::signed(provider + OPERATOR_OFFSET),
		id,
		root,
		salt_of(provider)
	));
}

pub fn phase(id: TaskId) -> Phase<BlockNumber> {
	task(id).phase
}

pub fn finished_reason(id: TaskId) -> Option<TerminalReason> {
	match phase(id) {
		Phase::Finished { reason, .. } => Some(reason),
		_ => None,
	}
}

/// Offences reported against `provider`, by kind.
pub fn offences_of(provider: AccountId) -> Vec<OffenceKind> {
	MockOffences::reported::<AccountId, BlockNumber>()
		.into_iter()
		.filter(|(o, _)| o.provider == provider)
		.map(|(o, _)| o.kind)
		.collect()
}
