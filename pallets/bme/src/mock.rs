//! A test runtime: frame-system, balances and the BME pallet.

use crate::{self as pallet_bme, *};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU64},
};
use sp_runtime::{BuildStorage, Perbill};

pub type AccountId = u64;
pub type Balance = u128;
pub type BlockNumber = u64;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Bme: pallet_bme,
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
}

/// Planck per token in the tests.
pub const UNIT: Balance = 1_000_000_000_000;
pub const EPOCH: BlockNumber = 10;
pub const VALIDITY: BlockNumber = 20;
pub const HEARTBEAT: BlockNumber = 4;
/// $0.50 per AIP.
pub const PRICE: u128 = 500_000_000;
/// Feeders in genesis.
pub const FEEDER: AccountId = 100;

parameter_types! {
	pub static InitialEmission: Balance = 1_000 * UNIT;
	pub static EmissionDecay: Perbill = Perbill::from_percent(10);
	pub static MaxScheduledEmission: Balance = 0;
	pub static NetEmissionCap: Balance = 100 * UNIT;
	pub static MaxPriceDeviation: Perbill = Perbill::from_percent(50);
	pub static WorkPoolBound: Perbill = Perbill::from_percent(100);
	pub static MaxUnclaimedEpochs: u32 = 4;
}

#[derive_impl(pallet_bme::config_preludes::TestDefaultConfig)]
impl Config for Test {
	type Currency = Balances;
	type TokenUnit = ConstU128<UNIT>;
	type PriceValidity = ConstU64<VALIDITY>;
	type MaxPriceDeviation = MaxPriceDeviation;
	type EpochLength = ConstU64<EPOCH>;
	type InitialEmission = InitialEmission;
	type EmissionDecay = EmissionDecay;
	type MaxScheduledEmission = MaxScheduledEmission;
	type NetEmissionCap = NetEmissionCap;
	type WorkPoolBound = WorkPoolBound;
	type HeartbeatInterval = ConstU64<HEARTBEAT>;
	type MaxUnclaimedEpochs = MaxUnclaimedEpochs;
}

pub const ENDOWMENT: Balance = 1_000_000 * UNIT;

pub struct ExtBuilder {
	feeders: Vec<AccountId>,
	price: u128,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { feeders: vec![FEEDER], price: PRICE }
	}
}

impl ExtBuilder {
	pub fn price(mut self, p: u128) -> Self {
		self.price = p;
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: (1..=20).chain(100..=110).map(|a| (a, ENDOWMENT)).collect(),
			..Default::default()
		}
		.assimilate_storage(&mut t)
		.unwrap();
		pallet_bme::GenesisConfig::<Test> { feeders: self.feeders, initial_price: self.price }
			.assimilate_storage(&mut t)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(t);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Builds, runs `test`, then checks the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Bme::do_try_state().expect("BME invariants hold after the test");
		});
	}
}

pub fn run_to_block(n: BlockNumber) {
	System::run_to_block::<AllPalletsWithSystem>(n);
}

pub fn bme_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Bme(e) = r.event { Some(e) } else { None })
		.collect()
}

pub fn free(who: AccountId) -> Balance {
	use frame_support::traits::fungible::Inspect;
	Balances::balance(&who)
}

pub fn issuance() -> Balance {
	Balances::total_issuance()
}
