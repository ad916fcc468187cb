//! Configuration of the compute pallets: provider staking, burn-and-mint equilibrium, slashing,
//! task escrow.

use crate::{
	time::{DAYS, HOURS, MINUTES},
	units::AIP,
	AccountId, Balance, Balances, BlockNumber, Bme, Escrow, Hash, Runtime, RuntimeHoldReason,
	Slashing, Staking, System,
};
use codec::Encode;
use frame_support::{parameter_types, traits::ConstU32};
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

parameter_types! {
	/// Slashes wait a day for appeals.
	///
	/// A `storage` parameter: root (sudo on dev chains) may override it with
	/// `System::set_storage` at key `twox_128(b":SlashDeferPeriod:")`; tests and demos on dev
	/// chains shorten it so a slash lands in seconds. Only slashes reported afterwards use the
	/// new period.
	pub storage SlashDeferPeriod: BlockNumber = DAYS;
	/// Rewards are minted per hour. A `storage` parameter like `SlashDeferPeriod` (key
	/// `twox_128(b":EpochLength:")`); a new length applies from the epoch in progress.
	pub storage EpochLength: BlockNumber = HOURS;
}

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
impl BenchmarkProviders {
	/// Registers provider `index` for `kernel` at `ask`, staked ten times the minimum.
	fn register(
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

#[cfg(feature = "runtime-benchmarks")]
impl pallet_compute_slashing::BenchmarkHelper<AccountId> for BenchmarkProviders {
	fn provider(index: u32) -> AccountId {
		Self::register(index, 1, 10)
	}
}

parameter_types! {
	/// Assigned providers have two minutes to commit...
	pub const CommitWindow: BlockNumber = 2 * MINUTES;
	/// ... and one minute to reveal.
	pub const RevealWindow: BlockNumber = MINUTES;
	/// Finished tasks stay readable for a day.
	pub const TaskRetention: BlockNumber = DAYS;
	/// 256 MiB of input at most (external or seeded).
	pub const MaxInputBytes: u64 = 256 << 20;
}

/// Assignment randomness: `blake2_256(subject ‖ parent hash)`.
///
/// The parent hash is fixed before the block that uses it, and tasks are assigned in a later
/// block than the one they were submitted in, so a submitter cannot choose its providers. The
/// block author can bias it (see `pallet-task-escrow`'s docs for the limits); a VRF source can
/// replace it here without other changes.
pub struct ParentHashRandomness;

impl frame_support::traits::Randomness<Hash, BlockNumber> for ParentHashRandomness {
	fn random(subject: &[u8]) -> (Hash, BlockNumber) {
		let parent = System::parent_hash();
		let seed = sp_crypto_hashing::blake2_256(&(subject, parent).encode());
		(Hash::from(seed), System::block_number().saturating_sub(1))
	}
}

impl pallet_task_escrow::Config for Runtime {
	type Balance = Balance;
	type Registry = Staking;
	type Credits = Bme;
	type Offences = Slashing;
	type Randomness = ParentHashRandomness;
	type KernelOrigin = EnsureRoot<AccountId>;
	type MaxReplication = ConstU32<5>;
	type MaxInlineInput = ConstU32<{ 64 * 1024 }>;
	type MaxUrlLen = ConstU32<256>;
	type MaxInputBytes = MaxInputBytes;
	type MaxOpenTasksPerConsumer = ConstU32<64>;
	type MaxTasksPerProvider = ConstU32<32>;
	type MaxQueueLen = ConstU32<1024>;
	type MaxAssignmentsPerBlock = ConstU32<16>;
	type MaxTimeoutsPerBlock = ConstU32<32>;
	type CommitWindow = CommitWindow;
	type RevealWindow = RevealWindow;
	// A task must settle within the window the staking pallet's unbonding covers.
	type MaxTaskLifetime = DisputeWindow;
	type RetentionPeriod = TaskRetention;
	type WeightInfo = pallet_task_escrow::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkProviders;
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_task_escrow::BenchmarkHelper<AccountId> for BenchmarkProviders {
	fn provider(
		index: u32,
		kernel: aipin_primitives::KernelId,
		ask: aipin_primitives::Credits,
	) -> AccountId {
		Self::register(index, kernel, ask)
	}

	fn operator(provider: &AccountId) -> AccountId {
		pallet_compute_staking::Providers::<Runtime>::get(provider)
			.map(|p| p.operator)
			.expect("benchmark provider is registered")
	}

	fn fund_credits(who: &AccountId, amount: aipin_primitives::Credits) {
		use frame_support::traits::fungible::Mutate;
		let _ = Balances::set_balance(who, 1_000_000_000 * AIP);
		let price =
			pallet_bme::EffectivePrice::<Runtime>::get().expect("the preset's price is live");
		// Credits = tokens × price / (AIP × credit value); one AIP more covers rounding.
		let tokens = amount.saturating_mul(AIP).saturating_mul(10_000) / price + AIP;
		pallet_bme::Pallet::<Runtime>::buy_credits(
			frame_system::RawOrigin::Signed(who.clone()).into(),
			tokens,
			amount,
		)
		.expect("benchmark consumer buys credits");
	}
}
