//! The test runtime with the whole compute stack: balances, provider staking (registry),
//! slashing (offences), BME (credits) and task escrow, wired through their traits exactly as
//! in `aipin-runtime`.

use aipin_primitives::{Credits, DeviceClass, KernelId};
use codec::Encode;
use frame_support::{
	assert_ok, derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, Randomness},
	BoundedVec,
};
use pallet_task_escrow::*;
use sp_core::H256;
use sp_runtime::{BuildStorage, Perbill};

pub type AccountId = u64;
pub type Balance = u128;
pub type BlockNumber = u64;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Staking: pallet_compute_staking,
		Slashing: pallet_compute_slashing,
		Bme: pallet_bme,
		Escrow: pallet_task_escrow,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = Balance;
	type AccountStore = System;
	type ExistentialDeposit = ConstU128<1>;
	type RuntimeHoldReason = RuntimeHoldReason;
}

/// Planck per token.
pub const UNIT: Balance = 1_000_000_000_000;
pub const MIN_STAKE: Balance = 1_000 * UNIT;
pub const COMMIT: BlockNumber = 5;
pub const REVEAL: BlockNumber = 5;
pub const LIFETIME: BlockNumber = 100;
pub const RETENTION: BlockNumber = 20;
pub const DEFER: BlockNumber = 10;

parameter_types! {
	pub static HeartbeatInterval: BlockNumber = 1_000;
}

#[derive_impl(pallet_compute_staking::config_preludes::TestDefaultConfig)]
impl pallet_compute_staking::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type InFlight = Escrow;
	type OnHeartbeat = Bme;
	type MinProviderStake = ConstU128<MIN_STAKE>;
	type UnbondingPeriod = ConstU64<500>;
	type MinUnbondingPeriod = ConstU64<{ LIFETIME + DEFER }>;
	type HeartbeatInterval = HeartbeatInterval;
	type ReputationHalfLife = ConstU64<1_000>;
	type SelectionCandidates = ConstU32<8>;
	type MaxSelectionDraws = ConstU32<32>;
}

parameter_types! {
	pub const InvalidReveal: Perbill = Perbill::from_percent(10);
	pub const FailedCanary: Perbill = Perbill::from_percent(20);
}

#[derive_impl(pallet_compute_slashing::config_preludes::TestDefaultConfig)]
impl pallet_compute_slashing::Config for Test {
	type Balance = Balance;
	type Registry = Staking;
	type OnBurned = Bme;
	type InvalidRevealSlash = InvalidReveal;
	type FailedCanarySlash = FailedCanary;
	type SlashDeferPeriod = ConstU64<DEFER>;
	type JailDuration = ConstU64<50>;
	type MaxSlashRecords = ConstU32<100_000>;
	type RecordRetention = ConstU64<200>;
}

/// $0.50 per AIP.
pub const PRICE: u128 = 500_000_000;
pub const FEEDER: AccountId = 9_999;

parameter_types! {
	pub const EmissionDecay: Perbill = Perbill::from_percent(1);
}

#[derive_impl(pallet_bme::config_preludes::TestDefaultConfig)]
impl pallet_bme::Config for Test {
	type Currency = Balances;
	type TokenUnit = ConstU128<UNIT>;
	type PriceValidity = ConstU64<100_000>;
	type EmissionDecay = EmissionDecay;
	type HeartbeatInterval = ConstU64<1_000>;
	type MaxUnclaimedEpochs = ConstU32<8>;
	type HistoryDepth = ConstU32<4>;
}

/// Randomness from the block number and the parent hash, like the runtime's; tests can add a
/// salt to vary draws between otherwise identical runs.
pub struct TestRandomness;
parameter_types! {
	pub static RandomSalt: u64 = 0;
}
impl Randomness<H256, BlockNumber> for TestRandomness {
	fn random(subject: &[u8]) -> (H256, BlockNumber) {
		let now = System::block_number();
		let data = (subject, now, System::parent_hash(), RandomSalt::get()).encode();
		(H256(sp_io::hashing::blake2_256(&data)), now.saturating_sub(1))
	}
}

parameter_types! {
	pub static MaxOpenTasksPerConsumer: u32 = 16;
	pub static MaxTasksPerProvider: u32 = 16;
	pub static MaxQueueLen: u32 = 64;
	pub static MaxAssignmentsPerBlock: u32 = 8;
	pub static MaxTimeoutsPerBlock: u32 = 16;
	pub static SubmissionDeposit: Credits = 0;
	pub static PriceUnit: u64 = 1;
}

#[derive_impl(pallet_task_escrow::config_preludes::TestDefaultConfig)]
impl Config for Test {
	type Balance = Balance;
	type Registry = Staking;
	type Credits = Bme;
	type Offences = Slashing;
	type Randomness = TestRandomness;
	type MaxOpenTasksPerConsumer = MaxOpenTasksPerConsumer;
	type MaxTasksPerProvider = MaxTasksPerProvider;
	type MaxQueueLen = MaxQueueLen;
	type MaxAssignmentsPerBlock = MaxAssignmentsPerBlock;
	type MaxTimeoutsPerBlock = MaxTimeoutsPerBlock;
	type CommitWindow = ConstU64<COMMIT>;
	type RevealWindow = ConstU64<REVEAL>;
	type MaxTaskLifetime = ConstU64<LIFETIME>;
	type RetentionPeriod = ConstU64<RETENTION>;
	type FetchedPrograms = FetchedPrograms;
	type PriceUnit = PriceUnit;
	type SubmissionDeposit = SubmissionDeposit;
}

parameter_types! {
	/// Kernel code hashes whose programs count as fetched off chain (in the runtime: the
	/// models pallet's `ProgramUrls`).
	pub static FetchedHashes: Vec<[u8; 32]> = vec![];
}

/// The kernels a test marks as running a program fetched by URL ([`FetchedHashes`]).
pub struct FetchedPrograms;
impl frame_support::traits::Contains<[u8; 32]> for FetchedPrograms {
	fn contains(hash: &[u8; 32]) -> bool {
		FetchedHashes::get().contains(hash)
	}
}

pub const ENDOWMENT: Balance = 100 * MIN_STAKE;

pallet_task_escrow::escrow_test_helpers!();

/// Registers provider `stash` (operator `stash + OPERATOR_OFFSET`) for `kernel` with `ask`.
pub fn register(stash: AccountId, kernel: KernelId, ask: Credits) {
	use frame_support::traits::fungible::{Inspect, Mutate};
	// Test accounts are endowed at genesis (BME checks issuance); benchmark ones are not.
	if Balances::balance(&stash) == 0 {
		Balances::set_balance(&stash, 100 * MIN_STAKE);
	}
	pallet_compute_staking::Pallet::<Test>::do_register(
		stash,
		MIN_STAKE,
		pallet_compute_staking::ProviderProfile {
			device_class: DeviceClass::ConsumerGpu,
			vram_mib: 8_192,
			throughput: 1_000,
			kernels: BoundedVec::truncate_from(vec![kernel]),
			ask_price: ask,
		},
		stash + OPERATOR_OFFSET,
		BoundedVec::truncate_from(b"http://127.0.0.1:8080".to_vec()),
	)
	.expect("test provider registers");
}

/// Buys at least `credits` credits for `who` through the BME pallet's extrinsic.
pub fn buy_credits(who: AccountId, credits: Credits) {
	// 1 AIP buys 50,000 credits at $0.50 and $0.00001 per credit.
	let tokens = credits.div_ceil(50_000) * UNIT;
	assert_ok!(Bme::buy_credits(RuntimeOrigin::signed(who), tokens, credits));
}

pub struct ExtBuilder {
	providers: Vec<(AccountId, Credits)>,
	idle: bool,
}

/// The provider [`ExtBuilder::idle`] registers.
pub const IDLE_PROVIDER: AccountId = 16;

impl Default for ExtBuilder {
	/// Three GEMM providers (stashes 11, 12, 13) asking 10 credits per unit.
	fn default() -> Self {
		Self { providers: vec![(11, 10), (12, 10), (13, 10)], idle: false }
	}
}

impl ExtBuilder {
	pub fn providers(mut self, providers: Vec<(AccountId, Credits)>) -> Self {
		self.providers = providers;
		self
	}

	/// No provider takes work: one GEMM provider ([`IDLE_PROVIDER`], ask 10) is registered, so
	/// tasks are accepted, and draining, so they wait in the queue.
	pub fn idle(mut self) -> Self {
		self.providers = vec![(IDLE_PROVIDER, 10)];
		self.idle = true;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: (1..=20)
				.chain(1_000..1_100)
				.chain([FEEDER])
				.map(|a| (a, ENDOWMENT))
				.collect(),
			..Default::default()
		}
		.assimilate_storage(&mut t)
		.unwrap();
		pallet_bme::GenesisConfig::<Test> { feeders: vec![FEEDER], initial_price: PRICE }
			.assimilate_storage(&mut t)
			.unwrap();
		pallet_task_escrow::GenesisConfig::<Test> {
			kernels: vec![(GEMM, gemm_spec()), (FLOATY, floaty_spec())],
			_config: Default::default(),
		}
		.assimilate_storage(&mut t)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(t);
		ext.execute_with(|| {
			System::set_block_number(1);
			RandomSalt::set(0);
			for (stash, ask) in &self.providers {
				register(*stash, GEMM, *ask);
				if self.idle {
					assert_ok!(Staking::drain(RuntimeOrigin::signed(*stash)));
				}
			}
			buy_credits(CONSUMER, 10_000_000);
		});
		ext
	}

	/// Builds, runs `test`, then checks every pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Escrow::do_try_state().expect("escrow invariants hold after the test");
			Staking::do_try_state().expect("staking invariants hold after the test");
			Slashing::do_try_state().expect("slashing invariants hold after the test");
			Bme::do_try_state().expect("BME invariants hold after the test");
			// Escrow and BME agree on what is reserved.
			let reserved: Credits = pallet_bme::ReservedCredits::<Test>::iter_values().sum();
			assert_eq!(reserved, TotalEscrowed::<Test>::get(), "BME reserves what escrow holds");
		});
	}
}

/// `(free, reserved)` credits of `who`.
pub fn credits(who: AccountId) -> (Credits, Credits) {
	(pallet_bme::Credits_::<Test>::get(who), pallet_bme::ReservedCredits::<Test>::get(who))
}

/// Pending slashes of `provider`, by offence kind.
pub fn offences_of(provider: AccountId) -> Vec<aipin_primitives::OffenceKind> {
	pallet_compute_slashing::Slashes::<Test>::iter_values()
		.filter(|r| r.offence.provider == provider)
		.map(|r| r.offence.kind)
		.collect()
}

/// Verified work credited to `provider` in the BME pallet, over the epochs still stored.
pub fn work_of(provider: AccountId) -> Credits {
	pallet_bme::Work::<Test>::iter()
		.filter(|(_, p, _)| *p == provider)
		.map(|(_, _, w)| w.credits)
		.sum()
}
