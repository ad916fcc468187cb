//! # AiPIN kernels
//!
//! Every compute kernel the network runs, one module each, holding everything that defines
//! it: its WGSL source, its registry entry ([`KernelSpec`]: parameter bounds and the formulas
//! for work units, input bytes and output bytes), its input layout and its plain-Rust CPU
//! reference (the definition the GPU output must equal bit for bit).
//!
//! - [`gemm_i8`]: `[m, n, k]`, int8 × int8 → int32 matrix product.
//! - [`mlp_q8`]: `[batch, width, layers]`, a stack of quantized dense layers.
//! - [`hash_batch`]: `[count, len]`, BLAKE2s-256 of `count` messages.
//!
//! The runtime's genesis presets register [`builtin`]; the worker finds a task's kernel by the
//! WGSL hash the chain records ([`Kernel::by_hash`]) and checks inputs with the chain's own
//! formulas ([`Kernel::check`]). Nothing here uses floating point.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use aipin_primitives::{Formula, KernelId, KernelSpec};
use alloc::vec::Vec;
use frame_support::BoundedVec;

pub mod gemm_i8;
pub mod hash_batch;
pub mod inference;
pub mod mlp_q8;

/// A built-in kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kernel {
	/// [`gemm_i8`].
	GemmI8,
	/// [`mlp_q8`].
	MlpQ8,
	/// [`hash_batch`].
	HashBatch,
}

/// Why a task's parameters or input do not fit its kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputError {
	/// Wrong number of parameters.
	ParamCount {
		/// The kernel.
		kernel: &'static str,
		/// What its spec takes.
		expected: usize,
		/// What the task gave.
		got: usize,
	},
	/// A parameter is zero or above its maximum.
	ParamRange {
		/// The parameters given.
		params: Vec<u32>,
	},
	/// The input is not the size the formula gives.
	InputSize {
		/// Bytes the parameters need.
		expected: u64,
		/// Bytes given.
		got: u64,
	},
}

impl core::fmt::Display for InputError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::ParamCount { kernel, expected, got } => {
				write!(f, "{kernel} takes {expected} parameters, got {got}")
			},
			Self::ParamRange { params } => {
				write!(f, "a parameter is zero or above its maximum: {params:?}")
			},
			Self::InputSize { expected, got } => {
				write!(f, "input is {got} bytes; the parameters need {expected}")
			},
		}
	}
}

impl core::error::Error for InputError {}

impl Kernel {
	/// Every built-in kernel.
	pub const ALL: [Kernel; 3] = [Kernel::GemmI8, Kernel::MlpQ8, Kernel::HashBatch];

	/// The id the dev and local chains register it under at genesis.
	pub fn id(self) -> KernelId {
		match self {
			Self::GemmI8 => gemm_i8::ID,
			Self::MlpQ8 => mlp_q8::ID,
			Self::HashBatch => hash_batch::ID,
		}
	}

	/// Its name in the registry.
	pub fn name(self) -> &'static str {
		match self {
			Self::GemmI8 => gemm_i8::NAME,
			Self::MlpQ8 => mlp_q8::NAME,
			Self::HashBatch => hash_batch::NAME,
		}
	}

	/// Its WGSL source, exactly as the registry's hash covers it.
	pub fn wgsl(self) -> &'static str {
		match self {
			Self::GemmI8 => gemm_i8::WGSL,
			Self::MlpQ8 => mlp_q8::WGSL,
			Self::HashBatch => hash_batch::WGSL,
		}
	}

	/// `blake2_256` of [`Self::wgsl`]: what the registry records.
	pub fn wgsl_hash(self) -> [u8; 32] {
		sp_crypto_hashing::blake2_256(self.wgsl().as_bytes())
	}

	/// Its registry entry.
	pub fn spec(self) -> KernelSpec {
		match self {
			Self::GemmI8 => gemm_i8::spec(),
			Self::MlpQ8 => mlp_q8::spec(),
			Self::HashBatch => hash_batch::spec(),
		}
	}

	/// Integer operations a task performs (a multiply-add counts two), for throughput figures.
	pub fn ops(self, params: &[u32]) -> u64 {
		match self {
			Self::GemmI8 => gemm_i8::ops(params),
			Self::MlpQ8 => mlp_q8::ops(params),
			Self::HashBatch => hash_batch::ops(params),
		}
	}

	/// The built-in kernel whose WGSL hashes to `wgsl_hash`.
	pub fn by_hash(wgsl_hash: &[u8; 32]) -> Option<Self> {
		Self::ALL.into_iter().find(|k| &k.wgsl_hash() == wgsl_hash)
	}

	/// The built-in kernel named `name`.
	pub fn by_name(name: &str) -> Option<Self> {
		Self::ALL.into_iter().find(|k| k.name() == name)
	}

	/// Checks `params` against the spec's bounds and `input_len` against its input formula:
	/// exactly what the chain checks at submission, so a task the chain accepted passes.
	pub fn check(self, params: &[u32], input_len: u64) -> Result<(), InputError> {
		let spec = self.spec();
		if params.len() != spec.max_params.len() {
			return Err(InputError::ParamCount {
				kernel: self.name(),
				expected: spec.max_params.len(),
				got: params.len(),
			});
		}
		if params.iter().zip(spec.max_params.iter()).any(|(&p, &max)| p == 0 || p > max) {
			return Err(InputError::ParamRange { params: params.to_vec() });
		}
		let expected = spec
			.input_bytes
			.eval(params)
			.ok_or(InputError::ParamRange { params: params.to_vec() })?;
		if input_len != expected {
			return Err(InputError::InputSize { expected, got: input_len });
		}
		Ok(())
	}

	/// Work units of a task (the spec's formula), 0 if the parameters do not fit.
	pub fn work_units(self, params: &[u32]) -> u64 {
		self.spec().work_units.eval(params).unwrap_or(0)
	}

	/// Output bytes of a task (the spec's formula), 0 if the parameters do not fit.
	pub fn output_bytes(self, params: &[u32]) -> u64 {
		self.spec().output_bytes.eval(params).unwrap_or(0)
	}

	/// Input bytes of a task (the spec's formula), 0 if the parameters do not fit.
	pub fn input_bytes(self, params: &[u32]) -> u64 {
		self.spec().input_bytes.eval(params).unwrap_or(0)
	}

	/// Runs the CPU reference on registry-format `input`, returning registry-format output.
	pub fn reference(self, params: &[u32], input: &[u8]) -> Result<Vec<u8>, InputError> {
		self.check(params, input.len() as u64)?;
		Ok(match self {
			Self::GemmI8 => gemm_i8::reference(params, input),
			Self::MlpQ8 => mlp_q8::reference(params, input),
			Self::HashBatch => hash_batch::reference(params, input),
		})
	}
}

/// The built-in kernels with their genesis ids, as the dev and local chains register them.
pub fn builtin() -> Vec<(KernelId, KernelSpec)> {
	Kernel::ALL.iter().map(|k| (k.id(), k.spec())).collect()
}

/// A version-1, deterministic registry entry for a built-in kernel.
pub(crate) fn spec(
	name: &str,
	wgsl: &str,
	max_params: Vec<u32>,
	work_units: Formula,
	input_bytes: Formula,
	output_bytes: Formula,
	min_vram_mib: u32,
) -> KernelSpec {
	KernelSpec {
		name: BoundedVec::truncate_from(name.as_bytes().to_vec()),
		version: 1,
		wgsl_hash: sp_crypto_hashing::blake2_256(wgsl.as_bytes()),
		max_params: BoundedVec::truncate_from(max_params),
		work_units,
		input_bytes,
		output_bytes,
		min_vram_mib,
		deterministic: true,
	}
}

/// Little-endian u32 at `bytes[at..at + 4]`.
pub(crate) fn le_u32(bytes: &[u8], at: usize) -> u32 {
	u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn names_ids_and_hashes_are_distinct() {
		for a in Kernel::ALL {
			for b in Kernel::ALL {
				if a != b {
					assert_ne!(a.id(), b.id());
					assert_ne!(a.name(), b.name());
					assert_ne!(a.wgsl_hash(), b.wgsl_hash());
				}
			}
			assert_eq!(Kernel::by_hash(&a.wgsl_hash()), Some(a));
			assert_eq!(Kernel::by_name(a.name()), Some(a));
			assert_eq!(a.spec().name.as_slice(), a.name().as_bytes());
		}
	}

	#[test]
	fn check_follows_the_spec() {
		let k = Kernel::GemmI8;
		assert!(k.check(&[2, 3, 4], 2 * 4 + 4 * 3).is_ok());
		assert!(matches!(k.check(&[2, 3], 0), Err(InputError::ParamCount { expected: 3, .. })));
		assert!(matches!(k.check(&[0, 3, 4], 0), Err(InputError::ParamRange { .. })));
		assert!(matches!(k.check(&[4097, 1, 1], 0), Err(InputError::ParamRange { .. })));
		assert_eq!(k.check(&[2, 3, 4], 19), Err(InputError::InputSize { expected: 20, got: 19 }));
		assert!(k.reference(&[2, 3, 4], &[0; 19]).is_err());
	}

	/// The committed dev chain spec registers exactly these kernels: a shader, formula or bound
	/// changed here without re-exporting the chain specs fails this test.
	#[test]
	fn dev_chain_spec_registers_builtin() {
		let spec: serde_json::Value =
			serde_json::from_str(include_str!("../../chain-spec/dev.json")).unwrap();
		let patch = &spec["genesis"]["runtimeGenesis"]["patch"];
		let kernels = &patch["escrow"]["kernels"];
		assert!(kernels.is_array(), "dev.json has escrow.kernels in its genesis patch");
		let registered: Vec<(KernelId, KernelSpec)> =
			serde_json::from_value(kernels.clone()).expect("kernels decode as (id, KernelSpec)");
		assert_eq!(registered, builtin());
	}
}
