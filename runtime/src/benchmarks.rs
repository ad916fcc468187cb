//! The pallets whose weights the node's `benchmark pallet` command measures.

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_compute_staking, Staking]
	[pallet_compute_slashing, Slashing]
);

pub use crate::{Balances, Runtime, Slashing, Staking, Sudo, Timestamp};
