//! The pallets whose weights the node's `benchmark pallet` command measures.

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_compute_staking, Staking]
	[pallet_bme, Bme]
	[pallet_compute_slashing, Slashing]
	[pallet_task_escrow, Escrow]
	[pallet_models, Models]
);

pub use crate::{Balances, Bme, Escrow, Models, Runtime, Slashing, Staking, Sudo, Timestamp};

impl frame_system_benchmarking::Config for Runtime {}
impl frame_benchmarking::baseline::Config for Runtime {}
