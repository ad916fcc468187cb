//! Default configurations for test runtimes, taken with
//! `#[derive_impl(pallet_models::config_preludes::TestDefaultConfig)]`: a mock sets the
//! currency and whatever its tests need to differ.

use crate::DefaultConfig;
use frame_support::{
	derive_impl,
	pallet_prelude::inject_runtime_type,
	traits::{ConstU32, ConstUint},
};

/// 256 KiB programs, batches up to 4,096, a deposit of 100 plus 1 per byte, retired models
/// reaped after 20 blocks.
pub struct TestDefaultConfig;

#[derive_impl(frame_system::config_preludes::TestDefaultConfig, no_aggregated_types)]
impl frame_system::DefaultConfig for TestDefaultConfig {}

#[frame_support::register_default_impl(TestDefaultConfig)]
impl DefaultConfig for TestDefaultConfig {
	type Kernels = ();
	type RetireOrigin = frame_system::EnsureRoot<Self::AccountId>;
	type MaxProgramBytes = ConstU32<{ 256 * 1024 }>;
	type MaxFetchedProgramBytes = ConstU32<{ 64 * 1024 * 1024 }>;
	type MaxUrlBytes = ConstU32<64>;
	type MaxBatch = ConstU32<4096>;
	type BaseDeposit = ConstUint<100>;
	type ByteDeposit = ConstUint<1>;
	type RetireDelay = ConstUint<20>;
	type WeightInfo = ();
}
