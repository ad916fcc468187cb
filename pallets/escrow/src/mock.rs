//! A test runtime with this pallet alone: frame-system and the escrow, with the primitives'
//! mocks for providers (`MockRegistry`), credits (`MockCredits`) and offences
//! (`MockOffences`). The flows through the real staking, slashing and BME pallets are tested
//! in `aipin-pallet-flows`.

use crate::{self as pallet_task_escrow, *};
use aipin_primitives::{
	traits::{
		credits::mock::MockCredits, offences::mock::MockOffences, registry::mock::MockRegistry,
	},
	Credits, KernelId, OffenceKind,
};
use codec::Encode;
use frame_support::{
	derive_impl,
	traits::{ConstU64, Randomness},
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

frame_support::parameter_types! {
	/// Work units a price is quoted for: 1, a price per work unit, unless a test sets it.
	pub static PriceUnit: u64 = 1;
}

#[derive_impl(pallet_task_escrow::config_preludes::TestDefaultConfig)]
impl Config for Test {
	type PriceUnit = PriceUnit;
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

crate::escrow_test_helpers!();

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

/// Offences reported against `provider`, by kind.
pub fn offences_of(provider: AccountId) -> Vec<OffenceKind> {
	MockOffences::reported::<AccountId, BlockNumber>()
		.into_iter()
		.filter(|(o, _)| o.provider == provider)
		.map(|(o, _)| o.kind)
		.collect()
}
