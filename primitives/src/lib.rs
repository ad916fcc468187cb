//! # AiPIN primitives
//!
//! The chain's vocabulary, defined once: the runtime, the compute pallets, the worker, the CLI
//! and the tools all compile these types, so a change to one is a compile error everywhere it
//! matters instead of a decode error at run time. SCALE encodings are the chain's.
//!
//! - [`chain`]: block number, account, balance, hash; token [`units`].
//! - [`bme`]: burn-and-mint counters and epoch numbers.
//! - [`task`]: a task, its input, phase, slots and terminal reason; the views clients read.
//! - [`kernel`]: what the kernel registry records, and the [`Formula`]s of work and sizes.
//! - [`model`]: what the model registry records for each inference program.
//! - [`provider`]: a provider's profile, status, reputation and registry record.
//! - [`offence`]: offences and what a slash did.
//! - [`result`]: the result commitment and the Merkle result root (chunks, proofs).
//! - [`input`]: the seeded-input generator.
//! - [`canary`]: the seal of a known-answer task, and why providers cannot tell canaries.
//! - [`traits`]: the glue between pallets, one file per family, each with a `()` impl and an
//!   in-memory mock behind the `test-utils` feature:
//!   - [`ProviderRegistry`], [`InFlightTasks`]: the staking pallet to the others;
//!   - [`ReportOffence`], [`OnStakeBurned`]: escrow to slashing, slashing to BME;
//!   - [`ComputeCredits`]: BME to escrow; [`HeartbeatObserver`]: staking to BME;
//!   - [`KernelRegistry`]: the models pallet to the escrow pallet's kernel registry.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;
#[cfg(any(test, feature = "test-utils"))]
extern crate std;

pub mod bme;
pub mod canary;
pub mod chain;
pub mod input;
pub mod kernel;
pub mod model;
pub mod offence;
pub mod provider;
pub mod result;
pub mod task;
pub mod traits;

pub use canary::canary_seal;
pub use chain::{units, AccountId, Balance, BlockNumber, Credits, Hash, Nonce, Signature};
pub use input::{seeded_input, seeded_stream, seeded_stream_from, SEEDED_INPUT_DOMAIN};
pub use kernel::*;
pub use model::*;
pub use offence::*;
pub use provider::*;
pub use result::{result_commitment, RESULT_CHUNK_SIZE};
pub use task::*;
pub use traits::*;
