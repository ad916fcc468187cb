//! Default configurations for test runtimes, taken with
//! `#[derive_impl(pallet_compute_slashing::config_preludes::TestDefaultConfig)]`: a mock sets
//! the `Registry` and whatever its tests need to differ.

use crate::DefaultConfig;
use frame_support::{
	derive_impl,
	pallet_prelude::inject_runtime_type,
	traits::{ConstU32, ConstUint},
};
use sp_runtime::Perbill;

/// Slash rates of a few percent, short deferral and jail periods (block numbers of any
/// unsigned type), balances in `u128`.
pub struct TestDefaultConfig;

#[derive_impl(frame_system::config_preludes::TestDefaultConfig, no_aggregated_types)]
impl frame_system::DefaultConfig for TestDefaultConfig {}

frame_support::parameter_types! {
	pub const TestWrongResultSlash: Perbill = Perbill::from_percent(10);
	pub const TestInvalidRevealSlash: Perbill = Perbill::from_percent(20);
	pub const TestMissedCommitSlash: Perbill = Perbill::from_percent(1);
	pub const TestMissedRevealSlash: Perbill = Perbill::from_percent(2);
	pub const TestFailedCanarySlash: Perbill = Perbill::from_percent(30);
	pub const TestRewardFraction: Perbill = Perbill::from_percent(50);
}

#[frame_support::register_default_impl(TestDefaultConfig)]
impl DefaultConfig for TestDefaultConfig {
	type Balance = u128;
	type OnBurned = ();
	type CancelOrigin = frame_system::EnsureRoot<Self::AccountId>;
	type WrongResultSlash = TestWrongResultSlash;
	type InvalidRevealSlash = TestInvalidRevealSlash;
	type MissedCommitSlash = TestMissedCommitSlash;
	type MissedRevealSlash = TestMissedRevealSlash;
	type FailedCanarySlash = TestFailedCanarySlash;
	type SlashDeferPeriod = ConstUint<10>;
	type RewardFraction = TestRewardFraction;
	type JailThreshold = ConstU32<3>;
	type JailWindow = ConstUint<100>;
	type JailDuration = ConstUint<30>;
	type MaxSlashesPerBlock = ConstU32<16>;
	type MaxSlashRecords = ConstU32<1_000>;
	type RecordRetention = ConstUint<50>;
	type WeightInfo = ();
}
