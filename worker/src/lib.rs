//! # aipin-worker
//!
//! The AiPIN provider worker: one wgpu context ([`gpu::Gpu`]), the deterministic integer
//! kernels shipped in `shaders/` ([`kernels::Kernels`]) with their plain-Rust CPU references
//! ([`reference`]) and benchmark ([`bench`]); result roots and proofs ([`merkle`]); the chain
//! client ([`chain`]), durable journal ([`journal`]), daemon loop ([`run`]) and result server
//! ([`server`]).

pub mod bench;
pub mod chain;
pub mod config;
pub mod consumer;
pub mod gpu;
pub mod http;
pub mod journal;
pub mod kernels;
pub mod merkle;
pub mod reference;
pub mod run;
pub mod server;

/// The input of a seeded task: stream 0 of [`aipin_primitives::seeded_stream`], `len` bytes.
pub fn seeded_input(seed: &[u8; 32], len: usize) -> Vec<u8> {
	let mut out = vec![0u8; len];
	aipin_primitives::seeded_stream(seed, 0, &mut out);
	out
}
