//! The model registry's vocabulary: what the models pallet records for each registered
//! inference program. The program format itself lives in `aipin-kernels` (`inference::program`).

use crate::KernelId;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// A model's id: `blake2_256` of its canonical program bytes.
pub type ModelId = [u8; 32];

/// A registered model.
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ModelInfo<AccountId, Balance, BlockNumber> {
	/// Who registered it and holds its deposit; `None` for models in the genesis preset.
	pub owner: Option<AccountId>,
	/// Held from the owner while the program is stored: a base plus a per-byte deposit.
	pub deposit: Balance,
	/// The kernel tasks of this model run as (a model kernel: see [`crate::is_model_kernel`]).
	pub kernel: KernelId,
	/// Length of the program in bytes.
	pub bytes: u32,
	/// Multiply-adds per sample.
	pub macs_per_sample: u64,
	/// When the owner retired it (its kernel takes no new tasks); the program and the deposit
	/// can be released once every task that could still use it has ended.
	pub retired_at: Option<BlockNumber>,
}
