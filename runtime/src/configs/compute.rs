//! Configuration of the compute pallets: provider staking, burn-and-mint equilibrium, slashing.

use crate::{
	time::{DAYS, HOURS, MINUTES},
	units::AIP,
	AccountId, Balance, Balances, BlockNumber, Bme, Runtime, RuntimeHoldReason, Staking,
};
use frame_support::{parameter_types, traits::ConstU32};
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

parameter_types! {
	/// Smallest stake a provider registers with: 1,000 AIP.
	pub const MinProviderStake: Balance = 1_000 * AIP;
	/// Stake unbonds in 14 days (SPEC §3.1).
	pub const UnbondingPeriod: BlockNumber = 14 * DAYS;
	/// How long a task can stay in dispute before its verdict (escrow's windows, upper bound).
	pub const DisputeWindow: BlockNumber = 6 * HOURS;
	/// Slashes wait a day for appeals.
	pub const SlashDeferPeriod: BlockNumber = DAYS;
	/// The longest a fault can take to turn into an applied slash; unbonding must exceed it.
	pub const MinUnbondingPeriod: BlockNumber = DisputeWindow::get() + SlashDeferPeriod::get();
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
	// Until the escrow pallet lands, no task is ever in flight.
	type InFlight = ();
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
	type WeightInfo = pallet_compute_staking::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	pub const WrongResultSlash: Perbill = Perbill::from_percent(10);
	pub const InvalidRevealSlash: Perbill = Perbill::from_percent(10);
	pub const MissedCommitSlash: Perbill = Perbill::from_parts(5_000_000); // 0.5%
	pub const MissedRevealSlash: Perbill = Perbill::from_percent(1);
	pub const FailedCanarySlash: Perbill = Perbill::from_percent(20);
	/// Half of a slash compensates the harmed party; the rest is burned.
	pub const SlashRewardFraction: Perbill = Perbill::from_percent(50);
	pub const JailWindow: BlockNumber = DAYS;
	pub const JailDuration: BlockNumber = DAYS;
	/// Records stay readable (and offences unrepeatable) for 30 days.
	pub const SlashRecordRetention: BlockNumber = 30 * DAYS;
}

impl pallet_compute_slashing::Config for Runtime {
	type Balance = Balance;
	type Registry = Staking;
	// Burned stake is counted by the BME pallet.
	type OnBurned = Bme;
	type CancelOrigin = EnsureRoot<AccountId>;
	type WrongResultSlash = WrongResultSlash;
	type InvalidRevealSlash = InvalidRevealSlash;
	type MissedCommitSlash = MissedCommitSlash;
	type MissedRevealSlash = MissedRevealSlash;
	type FailedCanarySlash = FailedCanarySlash;
	type SlashDeferPeriod = SlashDeferPeriod;
	type RewardFraction = SlashRewardFraction;
	type JailThreshold = ConstU32<3>;
	type JailWindow = JailWindow;
	type JailDuration = JailDuration;
	type MaxSlashesPerBlock = ConstU32<16>;
	type MaxSlashRecords = ConstU32<100_000>;
	type RecordRetention = SlashRecordRetention;
	type WeightInfo = pallet_compute_slashing::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkProviders;
}

parameter_types! {
	pub const TokenUnit: Balance = AIP;
	/// Submissions count for an hour.
	pub const PriceValidity: BlockNumber = HOURS;
	/// A submission more than 50% away from the effective price is refused.
	pub const MaxPriceDeviation: Perbill = Perbill::from_percent(50);
	/// Rewards are minted per hour.
	pub const EpochLength: BlockNumber = HOURS;
	/// 1,000 AIP per hourly epoch at launch...
	pub const InitialEmission: Balance = 1_000 * AIP;
	/// ... halving about every year (1 − 0.5^(1/8766) per epoch ≈ 0.0079%).
	pub const EmissionDecay: Perbill = Perbill::from_parts(79_069);
	/// At most 100 million AIP are ever scheduled.
	pub const MaxScheduledEmission: Balance = 100_000_000 * AIP;
	/// Burned AIP re-minted per epoch at most (HIP-20 style).
	pub const NetEmissionCap: Balance = 100 * AIP;
	/// 80% of each epoch pays for work, 20% for availability.
	pub const WorkShare: Perbill = Perbill::from_percent(80);
}

impl pallet_bme::Config for Runtime {
	type Currency = Balances;
	type OracleOrigin = EnsureRoot<AccountId>;
	type TokenUnit = TokenUnit;
	/// One credit is worth $0.00001.
	type CreditValueNanoUsd = frame_support::traits::ConstU128<10_000>;
	type MaxFeeders = ConstU32<16>;
	type PriceValidity = PriceValidity;
	type MaxPriceDeviation = MaxPriceDeviation;
	type EpochLength = EpochLength;
	type InitialEmission = InitialEmission;
	type EmissionDecay = EmissionDecay;
	type MaxScheduledEmission = MaxScheduledEmission;
	type NetEmissionCap = NetEmissionCap;
	type WorkShare = WorkShare;
	type HeartbeatInterval = HeartbeatInterval;
	/// A week of hourly epochs may await a claim; older ones are settled into pending rewards.
	type MaxUnclaimedEpochs = ConstU32<168>;
	/// Thirty days of epoch records stay readable.
	type HistoryDepth = ConstU32<720>;
	type WeightInfo = pallet_bme::weights::SubstrateWeight<Runtime>;
}

/// Creates staked providers for the slashing pallet's benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct BenchmarkProviders;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_compute_slashing::BenchmarkHelper<AccountId> for BenchmarkProviders {
	fn provider(index: u32) -> AccountId {
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
				kernels: frame_support::BoundedVec::truncate_from(alloc::vec![1]),
				ask_price: 10,
			},
			operator,
			frame_support::BoundedVec::truncate_from(b"https://bench.invalid".to_vec()),
		)
		.expect("benchmark provider registers");
		stash
	}
}
