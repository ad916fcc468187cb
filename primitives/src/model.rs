//! The model registry's vocabulary: what the models pallet records for each registered
//! inference program. The program format itself lives in `aipin-kernels` (`inference::program`).

use crate::KernelId;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound};
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

/// The figures of a program that its kernel's registry entry is computed from (per sample):
/// what the runtime computes itself for a program stored on chain, and what the owner of a
/// program stored off chain declares, for every provider to check against the program it
/// fetches (`aipin_kernels::inference::task::summary`).
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ProgramSummary {
	/// Elements of the input tensor.
	pub input_elements: u64,
	/// Elements of the output tensor.
	pub output_elements: u64,
	/// Ops (layers): one result root each.
	pub ops: u16,
	/// Elements of the largest tensor.
	pub widest_elements: u64,
	/// Elements of every tensor together.
	pub tensor_elements: u64,
	/// Bytes of constant data (weights, biases, multipliers, tables).
	pub weight_bytes: u64,
	/// Multiply-adds.
	pub macs: u64,
	/// Integer operations charged for (`aipin_kernels::inference::task::ops_per_sample`).
	pub ops_charged: u64,
}

/// Where a program stored off chain is fetched from, and how it is checked.
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound)]
#[scale_info(skip_type_params(MaxUrl))]
pub struct RemoteProgram<MaxUrl: frame_support::traits::Get<u32>> {
	/// Where to fetch it (`http://` or `https://`).
	pub url: frame_support::BoundedVec<u8, MaxUrl>,
	/// What its owner declares of it; a provider whose fetched program has other figures (or
	/// fails its check) reports the task's input unusable instead of running it.
	pub summary: ProgramSummary,
}
