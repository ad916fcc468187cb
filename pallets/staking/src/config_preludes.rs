//! Default configurations for test runtimes, taken with
//! `#[derive_impl(pallet_compute_staking::config_preludes::TestDefaultConfig)]`: a mock sets
//! `Currency`, `RuntimeHoldReason` and whatever its tests need to differ.

use crate::DefaultConfig;
use frame_support::{
	derive_impl,
	pallet_prelude::inject_runtime_type,
	traits::{ConstU32, ConstU64, ConstUint},
};
use sp_runtime::Perbill;

/// Small bounds and short periods (block numbers and balances of any unsigned type).
pub struct TestDefaultConfig;

#[derive_impl(frame_system::config_preludes::TestDefaultConfig, no_aggregated_types)]
impl frame_system::DefaultConfig for TestDefaultConfig {}

frame_support::parameter_types! {
	pub const TestSuccessGain: Perbill = Perbill::from_percent(10);
	pub const TestFaultLoss: Perbill = Perbill::from_percent(20);
}

#[frame_support::register_default_impl(TestDefaultConfig)]
impl DefaultConfig for TestDefaultConfig {
	type InFlight = ();
	type OnHeartbeat = ();
	type MinProviderStake = ConstUint<1_000>;
	type UnbondingPeriod = ConstUint<100>;
	type MinUnbondingPeriod = ConstUint<50>;
	type MaxUnlockingChunks = ConstU32<4>;
	type MaxKernelsPerProvider = ConstU32<8>;
	type MaxProvidersPerKernel = ConstU32<20_000>;
	type MaxEndpointLen = ConstU32<128>;
	type HeartbeatInterval = ConstUint<10>;
	type ReputationHalfLife = ConstUint<50>;
	type SuccessReputationGain = TestSuccessGain;
	type FaultReputationLoss = TestFaultLoss;
	type SelectionCandidates = ConstU32<16>;
	type MaxSelectionDraws = ConstU32<64>;
	type TaskComputeSeconds = ConstU64<60>;
	type WeightInfo = ();
}
