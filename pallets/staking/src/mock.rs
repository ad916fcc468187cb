//! A test runtime: frame-system, balances and this pallet.

use crate::{self as pallet_compute_staking, *};
pub use aipin_primitives::traits::{heartbeat::mock::MockHeartbeats, registry::mock::MockInFlight};
use aipin_primitives::{DeviceClass, KernelId};
use frame_support::{derive_impl, parameter_types, traits::ConstU64, BoundedVec};
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

use frame_support::traits::ConstU128;

pub const MIN_STAKE: Balance = 1_000;
pub const UNBONDING: BlockNumber = 100;
pub const HEARTBEAT: BlockNumber = 10;
pub const HALF_LIFE: BlockNumber = 50;

parameter_types! {
	pub static MaxProvidersPerKernel: u32 = 20_000;
}

#[derive_impl(pallet_compute_staking::config_preludes::TestDefaultConfig)]
impl Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type InFlight = MockInFlight;
	type OnHeartbeat = MockHeartbeats;
	type MinProviderStake = ConstU128<MIN_STAKE>;
	type UnbondingPeriod = ConstU64<UNBONDING>;
	type MaxProvidersPerKernel = MaxProvidersPerKernel;
	type HeartbeatInterval = ConstU64<HEARTBEAT>;
	type ReputationHalfLife = ConstU64<HALF_LIFE>;
}

/// Accounts 1..=20 (stashes) and 101..=120 (operators) start with this much.
pub const ENDOWMENT: Balance = 1_000_000;

pub fn profile(kernels: &[KernelId], vram_mib: u32, ask_price: u128) -> ProfileOf<Test> {
	ProviderProfile {
		device_class: DeviceClass::ConsumerGpu,
		vram_mib,
		throughput: 1_000,
		kernels: BoundedVec::try_from(kernels.to_vec()).expect("test profile within bounds"),
		ask_price,
	}
}

pub fn endpoint(s: &str) -> EndpointOf<Test> {
	BoundedVec::try_from(s.as_bytes().to_vec()).expect("test endpoint within bounds")
}

/// The default operator of stash `s`.
pub fn op(s: AccountId) -> AccountId {
	s + 100
}

/// Registers `stash` with `stake`, kernels `[1, 2]`, 8 GiB, ask 10, operator `op(stash)`.
pub fn register(stash: AccountId, stake: Balance) {
	frame_support::assert_ok!(Staking::register_provider(
		RuntimeOrigin::signed(stash),
		stake,
		profile(&[1, 2], 8192, 10),
		op(stash),
		endpoint("http://127.0.0.1:8080"),
	));
}

#[derive(Default)]
pub struct ExtBuilder {
	extra_accounts: Vec<(AccountId, Balance)>,
}

impl ExtBuilder {
	pub fn with_balance(mut self, who: AccountId, amount: Balance) -> Self {
		self.extra_accounts.push((who, amount));
		self
	}

	pub fn build(self) -> sp_io::TestExternalities {
		let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut balances: Vec<(AccountId, Balance)> =
			(1..=20).chain(101..=120).map(|a| (a, ENDOWMENT)).collect();
		balances.extend(self.extra_accounts);
		pallet_balances::GenesisConfig::<Test> { balances, ..Default::default() }
			.assimilate_storage(&mut t)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(t);
		ext.execute_with(|| {
			System::set_block_number(1);
			MockInFlight::reset();
			MockHeartbeats::reset();
		});
		ext
	}

	/// Builds, runs `test`, then checks the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Staking::do_try_state().expect("try_state invariants hold after the test");
		});
	}
}

pub fn run_to_block(n: BlockNumber) {
	System::run_to_block::<AllPalletsWithSystem>(n);
}

/// The events this pallet emitted, oldest first.
pub fn staking_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Staking(e) = r.event { Some(e) } else { None })
		.collect()
}

pub fn held(who: AccountId) -> Balance {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&RuntimeHoldReason::Staking(HoldReason::ProviderStake), &who)
}

pub fn free(who: AccountId) -> Balance {
	use frame_support::traits::fungible::Inspect;
	Balances::balance(&who)
}
