//! The kernel registry's vocabulary: what governance registers for each compute kernel and the
//! formulas that turn a task's parameters into work units and byte sizes.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// Identifier of a compute kernel in the escrow pallet's kernel registry.
pub type KernelId = u32;

/// The kernel id a provider lists to run registered models: the inference engine. Ids from
/// here up are reserved: governance registers kernels below it, and the models pallet gives
/// each registered model its own kernel id above it ([`is_model_kernel`]).
pub const INFERENCE_ENGINE: KernelId = 1 << 16;

/// Whether `kernel` is a registered model's (it runs on [`INFERENCE_ENGINE`]).
pub fn is_model_kernel(kernel: KernelId) -> bool {
	kernel > INFERENCE_ENGINE
}

/// The kernel a provider must list to be assigned tasks of `kernel`: the engine for a model,
/// the kernel itself otherwise.
pub fn provider_kernel(kernel: KernelId) -> KernelId {
	if is_model_kernel(kernel) {
		INFERENCE_ENGINE
	} else {
		kernel
	}
}

/// Most parameters a kernel takes (`m, n, k`, ...).
pub const MAX_PARAMS: u32 = 8;
/// Most terms in a [`Formula`].
pub const MAX_TERMS: u32 = 4;
/// Most parameters multiplied in one [`Term`].
pub const MAX_FACTORS: u32 = 4;
/// Longest kernel name, in bytes.
pub const MAX_KERNEL_NAME: u32 = 32;

/// A task's parameters, e.g. `[m, n, k]` for a GEMM.
pub type Params = BoundedVec<u32, ConstU32<MAX_PARAMS>>;

/// `coef × Π params[f] for f in factors`.
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[derive(Serialize, Deserialize)]
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Term {
	/// Constant factor.
	pub coef: u64,
	/// Indices into the task's parameters; a parameter may appear more than once (squares).
	pub factors: BoundedVec<u8, ConstU32<MAX_FACTORS>>,
}

/// A quantity computed from task parameters: `ceil(Σ terms / divisor)`.
///
/// Work units of a GEMM `[m, n, k]` in millions of operations: one term `2·m·n·k`, divisor
/// 1,000,000. Input bytes of the same GEMM: `m·k + k·n`, divisor 1.
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[derive(Serialize, Deserialize)]
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Formula {
	/// Summed terms.
	pub terms: BoundedVec<Term, ConstU32<MAX_TERMS>>,
	/// Divisor, rounding up; must not be zero.
	pub divisor: u64,
}

impl Term {
	/// `coef × Π params[f] for f in factors` (at most [`MAX_FACTORS`] factors; more are cut).
	pub fn new(coef: u64, factors: &[u8]) -> Self {
		Self { coef, factors: BoundedVec::truncate_from(factors.to_vec()) }
	}
}

impl Formula {
	/// `ceil(Σ terms / divisor)` (at most [`MAX_TERMS`] terms; more are cut).
	pub fn new(terms: alloc::vec::Vec<Term>, divisor: u64) -> Self {
		Self { terms: BoundedVec::truncate_from(terms), divisor }
	}

	/// Evaluates the formula, or `None` if a factor index is out of range, the divisor is zero
	/// or the result overflows `u64`.
	pub fn eval(&self, params: &[u32]) -> Option<u64> {
		if self.divisor == 0 {
			return None;
		}
		let mut sum: u128 = 0;
		for term in self.terms.iter() {
			let mut product: u128 = term.coef as u128;
			for &f in term.factors.iter() {
				let p = *params.get(f as usize)? as u128;
				product = product.checked_mul(p)?;
			}
			sum = sum.checked_add(product)?;
		}
		let div = self.divisor as u128;
		let value = sum.checked_add(div - 1)? / div;
		u64::try_from(value).ok()
	}

	/// Whether every factor index is below `count`.
	pub fn indices_below(&self, count: usize) -> bool {
		self.terms.iter().all(|t| t.factors.iter().all(|&f| (f as usize) < count))
	}
}

/// A kernel as governance registers it.
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[derive(Serialize, Deserialize)]
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct KernelSpec {
	/// Human-readable name, e.g. `gemm-i8`.
	pub name: BoundedVec<u8, ConstU32<MAX_KERNEL_NAME>>,
	/// Version of the kernel's interface and source.
	pub version: u32,
	/// `blake2_256` of the code the workers run: the WGSL source of a kernel governance
	/// registers, or the program of a registered model (its model id; see [`is_model_kernel`]).
	pub wgsl_hash: [u8; 32],
	/// Largest value of each parameter; a task must give exactly this many parameters, each
	/// between 1 and its maximum.
	pub max_params: Params,
	/// Work units a task costs.
	pub work_units: Formula,
	/// Bytes of input a task must come with (inline or external; seeded inputs are generated
	/// at this size).
	pub input_bytes: Formula,
	/// Bytes of output a task produces (what the result root covers).
	pub output_bytes: Formula,
	/// VRAM a provider needs, in MiB.
	pub min_vram_mib: u32,
	/// Whether every honest provider produces bit-identical output. Only deterministic kernels
	/// may be replicated (`replication > 1`).
	pub deterministic: bool,
}

/// A registered kernel.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct KernelInfo {
	/// What was registered.
	pub spec: KernelSpec,
	/// Deprecated kernels take no new tasks; running tasks finish.
	pub deprecated: bool,
}
