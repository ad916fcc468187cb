//! Provider staking (`pallet-compute-staking`, index 10).

#[cfg(feature = "runtime-benchmarks")]
use crate::AccountId;
use crate::{
	time::{DAYS, HOURS, MINUTES},
	units::AIP,
	Balance, Balances, BlockNumber, Bme, Escrow, Runtime, RuntimeHoldReason,
};
use frame_support::{
	parameter_types,
	traits::{ConstU32, ConstU64},
};
use sp_runtime::Perbill;

use super::SlashDeferPeriod;

parameter_types! {
	/// Smallest stake a provider registers with: 1,000 AIP.
	pub const MinProviderStake: Balance = 1_000 * AIP;
	/// Stake unbonds in 14 days (SPEC §3.1).
	pub const UnbondingPeriod: BlockNumber = 14 * DAYS;
	/// How long a task can stay in dispute before its verdict (escrow's windows, upper bound).
	pub const DisputeWindow: BlockNumber = 6 * HOURS;
	/// The longest a fault can take to turn into an applied slash; unbonding must exceed it.
	pub MinUnbondingPeriod: BlockNumber = DisputeWindow::get() + SlashDeferPeriod::get();
	/// Operators must send a heartbeat at least every 10 minutes.
	pub const HeartbeatInterval: BlockNumber = 10 * MINUTES;
	/// Reputation's distance from neutral halves every 7 days.
	pub const ReputationHalfLife: BlockNumber = 7 * DAYS;
	pub const SuccessReputationGain: Perbill = Perbill::from_percent(2);
	pub const FaultReputationLoss: Perbill = Perbill::from_percent(20);
}

impl pallet_compute_staking::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	// Providers with tasks in flight cannot deregister.
	type InFlight = Escrow;
	// The BME pallet pays availability rewards from heartbeats.
	type OnHeartbeat = Bme;
	type MinProviderStake = MinProviderStake;
	type UnbondingPeriod = UnbondingPeriod;
	type MinUnbondingPeriod = MinUnbondingPeriod;
	type MaxUnlockingChunks = ConstU32<16>;
	type MaxKernelsPerProvider = ConstU32<32>;
	type MaxProvidersPerKernel = ConstU32<100_000>;
	type MaxEndpointLen = ConstU32<256>;
	type HeartbeatInterval = HeartbeatInterval;
	type ReputationHalfLife = ReputationHalfLife;
	type SuccessReputationGain = SuccessReputationGain;
	type FaultReputationLoss = FaultReputationLoss;
	type SelectionCandidates = ConstU32<16>;
	type MaxSelectionDraws = ConstU32<64>;
	// Half of the escrow's two-minute commit window; the rest is for the input and the
	// commitment transaction.
	type TaskComputeSeconds = ConstU64<60>;
	type WeightInfo = pallet_compute_staking::weights::SubstrateWeight<Runtime>;
}

/// Creates staked providers for the slashing pallet's benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkProviders;

#[cfg(feature = "runtime-benchmarks")]
impl BenchmarkProviders {
	/// Registers provider `index` for `kernel` at `ask`, staked ten times the minimum.
	pub(crate) fn register(
		index: u32,
		kernel: aipin_primitives::KernelId,
		ask: aipin_primitives::Credits,
	) -> AccountId {
		use frame_support::traits::fungible::Mutate;
		let stash: AccountId = frame_benchmarking::account("provider", index, 0);
		let operator: AccountId = frame_benchmarking::account("operator", index, 0);
		let _ = Balances::set_balance(&stash, 1_000_000 * AIP);
		pallet_compute_staking::Pallet::<Runtime>::do_register(
			stash.clone(),
			10 * MinProviderStake::get(),
			pallet_compute_staking::ProviderProfile {
				device_class: aipin_primitives::DeviceClass::DatacenterGpu,
				vram_mib: 81_920,
				throughput: 1_000_000,
				kernels: frame_support::BoundedVec::truncate_from(alloc::vec![kernel]),
				ask_price: ask,
			},
			operator,
			frame_support::BoundedVec::truncate_from(b"https://bench.invalid".to_vec()),
		)
		.expect("benchmark provider registers");
		stash
	}
}
