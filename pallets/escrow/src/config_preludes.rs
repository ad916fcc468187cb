//! Default configurations for test runtimes, taken with
//! `#[derive_impl(pallet_task_escrow::config_preludes::TestDefaultConfig)]`: a mock sets
//! `Randomness`, the registry, credits and offences it wires in, and whatever its tests need
//! to differ.

use crate::DefaultConfig;
use frame_support::{
	derive_impl,
	pallet_prelude::inject_runtime_type,
	traits::{ConstU128, ConstU32, ConstU64, ConstUint, Nothing},
};
use sp_runtime::Perbill;

frame_support::parameter_types! {
	pub const TestConsumerFaultFee: Perbill = Perbill::from_percent(10);
}

/// Replication up to 5, 4 KiB inline inputs, 5-block commit and reveal windows (block numbers
/// of any unsigned type), balances in `u128`.
pub struct TestDefaultConfig;

#[derive_impl(frame_system::config_preludes::TestDefaultConfig, no_aggregated_types)]
impl frame_system::DefaultConfig for TestDefaultConfig {}

#[frame_support::register_default_impl(TestDefaultConfig)]
impl DefaultConfig for TestDefaultConfig {
	type Balance = u128;
	type Registry = ();
	type Credits = ();
	type Offences = ();
	type KernelOrigin = frame_system::EnsureRoot<Self::AccountId>;
	type MaxReplication = ConstU32<5>;
	type MaxInlineInput = ConstU32<4_096>;
	type MaxUrlLen = ConstU32<64>;
	type FetchedPrograms = Nothing;
	type MaxInputBytes = ConstU64<{ 1 << 20 }>;
	type MaxOpenTasksPerConsumer = ConstU32<16>;
	type MaxTasksPerProvider = ConstU32<16>;
	type MaxQueueLen = ConstU32<64>;
	type MaxAssignmentsPerBlock = ConstU32<8>;
	type MaxTimeoutsPerBlock = ConstU32<16>;
	type CommitWindow = ConstUint<5>;
	type RevealWindow = ConstUint<5>;
	type MaxTaskLifetime = ConstUint<100>;
	type RetentionPeriod = ConstUint<20>;
	type ConsumerFaultFee = TestConsumerFaultFee;
	type PriceUnit = ConstU64<1>;
	type SubmissionDeposit = ConstU128<0>;
	type CanaryOrigin = frame_system::EnsureRoot<Self::AccountId>;
	type MaxCanarySeals = ConstU32<64>;
	type WeightInfo = ();
}
