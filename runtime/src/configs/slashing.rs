//! Slashing (`pallet-compute-slashing`, index 12).

use crate::{time::DAYS, Balance, BlockNumber, Bme, Runtime, Staking};
use frame_support::{parameter_types, traits::ConstU32};
use sp_runtime::Perbill;

#[cfg(feature = "runtime-benchmarks")]
use {super::BenchmarkProviders, crate::AccountId};

parameter_types! {
	/// Slashes wait a day for appeals.
	///
	/// A `storage` parameter: root (sudo on dev chains) may override it with
	/// `System::set_storage` at key `twox_128(b":SlashDeferPeriod:")`; tests and demos on dev
	/// chains shorten it so a slash lands in seconds. Only slashes reported afterwards use the
	/// new period.
	pub storage SlashDeferPeriod: BlockNumber = DAYS;
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
	type CancelOrigin = super::GovernanceOrigin;
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

#[cfg(feature = "runtime-benchmarks")]
impl pallet_compute_slashing::BenchmarkHelper<AccountId> for BenchmarkProviders {
	fn provider(index: u32) -> AccountId {
		Self::register(index, 1, 10)
	}
}
