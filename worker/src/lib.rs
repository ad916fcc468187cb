//! # aipin-worker
//!
//! The AiPIN provider daemon, and nothing else:
//! - [`gpu`]: one wgpu context (adapter choice, device-lost and error capture);
//! - [`kernels`]: the host side of each kernel of `aipin-kernels` (layout, dispatch, read-back);
//! - [`bench`]: throughput on this device against the CPU reference;
//! - [`journal`]: the durable record written before every step;
//! - [`daemon`]: the state machine that follows the chain, computes, commits and reveals;
//! - [`register`]: registering the provider with a measured throughput;
//! - [`server`]: results with Merkle proofs, health and metrics.
//!
//! The chain's types, the client, keys and HTTP come from `aipin-primitives` and
//! `aipin-client`; kernels' WGSL, formulas and CPU references from `aipin-kernels`.

pub mod bench;
pub mod config;
pub mod daemon;
pub mod gpu;
pub mod inference;
pub mod journal;
pub mod kernels;
pub mod register;
pub mod server;
