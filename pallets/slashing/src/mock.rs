//! A test runtime: frame-system, balances, the staking pallet (as the provider registry) and
//! this pallet.

use crate::{self as pallet_compute_slashing, *};
use aipin_primitives::DeviceClass;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU64},
	BoundedVec,
};
use sp_runtime::BuildStorage;

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

pub const DEFER: BlockNumber = 10;
pub const RETENTION: BlockNumber = 50;
pub const JAIL_WINDOW: BlockNumber = 100;
pub const JAIL_DURATION: BlockNumber = 30;

parameter_types! {
	pub static MaxSlashesPerBlock: u32 = 3;
	pub static MaxSlashRecords: u32 = 1_000;
}

#[derive_impl(pallet_compute_staking::config_preludes::TestDefaultConfig)]
impl pallet_compute_staking::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type UnbondingPeriod = ConstU64<200>;
	type MinUnbondingPeriod = ConstU64<{ DEFER + 20 }>;
}

/// Stands in for the BME pallet: adds up the burned stake it is told about.
pub use aipin_primitives::traits::offences::mock::MockBurns as CountBurned;

#[derive_impl(pallet_compute_slashing::config_preludes::TestDefaultConfig)]
impl Config for Test {
	type Balance = Balance;
	type Registry = Staking;
	type OnBurned = CountBurned;
	type SlashDeferPeriod = ConstU64<DEFER>;
	type JailWindow = ConstU64<JAIL_WINDOW>;
	type JailDuration = ConstU64<JAIL_DURATION>;
	type MaxSlashesPerBlock = MaxSlashesPerBlock;
	type MaxSlashRecords = MaxSlashRecords;
	type RecordRetention = ConstU64<RETENTION>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Helper;
}

/// Registers providers for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct Helper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for Helper {
	fn provider(index: u32) -> AccountId {
		use frame_support::traits::fungible::Mutate;
		let stash = 10_000 + index as AccountId;
		Balances::set_balance(&stash, 1_000_000);
		register(stash, 100_000);
		stash
	}
}

pub const ENDOWMENT: Balance = 1_000_000;

/// Registers provider `stash` (operator `stash + 1000`) with `stake`.
pub fn register(stash: AccountId, stake: Balance) {
	pallet_compute_staking::Pallet::<Test>::do_register(
		stash,
		stake,
		pallet_compute_staking::ProviderProfile {
			device_class: DeviceClass::ConsumerGpu,
			vram_mib: 8192,
			throughput: 1_000,
			kernels: BoundedVec::truncate_from(vec![1]),
			ask_price: 10,
		},
		stash + 1_000,
		BoundedVec::truncate_from(b"http://127.0.0.1:8080".to_vec()),
	)
	.expect("test provider registers");
}

pub struct ExtBuilder;

impl ExtBuilder {
	pub fn build() -> sp_io::TestExternalities {
		let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: (1..=20).map(|a| (a, ENDOWMENT)).collect(),
			..Default::default()
		}
		.assimilate_storage(&mut t)
		.unwrap();
		let mut ext = sp_io::TestExternalities::new(t);
		ext.execute_with(|| {
			System::set_block_number(1);
			CountBurned::reset();
		});
		ext
	}

	/// Builds, runs `test`, then checks both pallets' invariants.
	pub fn build_and_execute(test: impl FnOnce()) {
		Self::build().execute_with(|| {
			test();
			Slashing::do_try_state().expect("slashing invariants hold after the test");
			Staking::do_try_state().expect("staking invariants hold after the test");
		});
	}
}

pub fn run_to_block(n: BlockNumber) {
	System::run_to_block::<AllPalletsWithSystem>(n);
}

pub fn slashing_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Slashing(e) = r.event { Some(e) } else { None })
		.collect()
}

pub fn held(who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(
		&RuntimeHoldReason::Staking(pallet_compute_staking::HoldReason::ProviderStake),
		&who,
	)
}

pub fn free(who: AccountId) -> Balance {
	use frame_support::traits::fungible::Inspect;
	Balances::balance(&who)
}
