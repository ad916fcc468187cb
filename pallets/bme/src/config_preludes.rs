//! Default configurations for test runtimes, taken with
//! `#[derive_impl(pallet_bme::config_preludes::TestDefaultConfig)]`: a mock sets `Currency`
//! and whatever its tests need to differ.

use crate::DefaultConfig;
use frame_support::{
	derive_impl,
	pallet_prelude::inject_runtime_type,
	traits::{ConstU128, ConstU32, ConstUint},
};
use sp_runtime::Perbill;

/// A 12-decimal token, $0.00001 credits, 10-block epochs (block numbers and balances of any
/// unsigned type).
pub struct TestDefaultConfig;

#[derive_impl(frame_system::config_preludes::TestDefaultConfig, no_aggregated_types)]
impl frame_system::DefaultConfig for TestDefaultConfig {}

frame_support::parameter_types! {
	pub const TestMaxPriceDeviation: Perbill = Perbill::from_percent(50);
	pub const TestEmissionDecay: Perbill = Perbill::from_percent(10);
	pub const TestWorkShare: Perbill = Perbill::from_percent(80);
	pub const TestWorkPoolBound: Perbill = Perbill::from_percent(100);
}

#[frame_support::register_default_impl(TestDefaultConfig)]
impl DefaultConfig for TestDefaultConfig {
	type OracleOrigin = frame_system::EnsureRoot<Self::AccountId>;
	type TokenUnit = ConstUint<1_000_000_000_000>;
	type CreditValueNanoUsd = ConstU128<10_000>;
	type MaxFeeders = ConstU32<8>;
	type PriceValidity = ConstUint<20>;
	type MaxPriceDeviation = TestMaxPriceDeviation;
	type EpochLength = ConstUint<10>;
	type InitialEmission = ConstUint<1_000_000_000_000_000>;
	type EmissionDecay = TestEmissionDecay;
	type MaxScheduledEmission = ConstUint<0>;
	type NetEmissionCap = ConstUint<100_000_000_000_000>;
	type WorkShare = TestWorkShare;
	type WorkPoolBound = TestWorkPoolBound;
	type HeartbeatInterval = ConstUint<4>;
	type MaxUnclaimedEpochs = ConstU32<4>;
	type HistoryDepth = ConstU32<3>;
	type WeightInfo = ();
}
