//! Model registry (`pallet-models`, index 14).

use super::DisputeWindow;
use crate::{units::AIP, Balance, Balances, Escrow, Runtime, RuntimeHoldReason};
use frame_support::{parameter_types, traits::ConstU32};

parameter_types! {
	/// One AIP per model, as a floor against spam...
	pub const ModelBaseDeposit: Balance = AIP;
	/// ... plus a thousandth of an AIP per program byte (70 AIP for the 70 KB digits CNN),
	/// released when the model is reaped.
	pub const ModelByteDeposit: Balance = AIP / 1_000;
}

impl pallet_models::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Kernels = Escrow;
	type RetireOrigin = super::GovernanceOrigin;
	// 1 MiB: comfortably within a block (5 MiB, 75% for normal extrinsics).
	type MaxProgramBytes = ConstU32<{ 1024 * 1024 }>;
	// Larger programs are fetched by URL, up to 96 MiB: the 64 MiB of weights a program may
	// have (`aipin_kernels::inference::program::MAX_WEIGHTS`) and its other constants.
	type MaxFetchedProgramBytes = ConstU32<{ 96 * 1024 * 1024 }>;
	type MaxUrlBytes = ConstU32<256>;
	type MaxBatch = ConstU32<4096>;
	type BaseDeposit = ModelBaseDeposit;
	type ByteDeposit = ModelByteDeposit;
	// A task submitted before retirement ends by its deadline, at most this long after.
	type RetireDelay = DisputeWindow;
	type WeightInfo = pallet_models::weights::SubstrateWeight<Runtime>;
}
