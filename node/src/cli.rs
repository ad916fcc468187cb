//! Command-line interface: the standard Substrate flags and subcommands, plus `--sealing`.

use std::{num::NonZeroU64, str::FromStr};

/// How blocks are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealing {
	/// Aura block production and GRANDPA finality: the real consensus (the default).
	Aura,
	/// A block, finalized at once, as soon as a transaction enters the pool. For tests.
	Instant,
	/// A block, finalized at once, every given number of milliseconds. For tests and demos.
	Interval(NonZeroU64),
	/// A block only when asked over RPC (`engine_createBlock(createEmpty, finalize,
	/// parentHash)`, `engine_finalizeBlock(hash)`): any parent, finality on request, so tests
	/// can build forks and re-orgs.
	Manual,
}

impl FromStr for Sealing {
	type Err = String;

	fn from_str(s: &str) -> Result<Self, Self::Err> {
		match s {
			"aura" => Ok(Sealing::Aura),
			"instant" => Ok(Sealing::Instant),
			"manual" => Ok(Sealing::Manual),
			ms => ms.parse::<NonZeroU64>().map(Sealing::Interval).map_err(|_| {
				format!(
					"expected `aura`, `instant`, `manual` or a block interval in milliseconds, \
					 got `{s}`"
				)
			}),
		}
	}
}

#[derive(Debug, clap::Parser)]
#[command(
	propagate_version = true,
	args_conflicts_with_subcommands = true,
	subcommand_negates_reqs = true
)]
pub struct Cli {
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	#[clap(flatten)]
	pub run: sc_cli::RunCmd,

	/// How this node makes blocks: `aura` (Aura + GRANDPA, the default), `instant` (a finalized
	/// block per transaction), a number of milliseconds (a finalized block at that interval)
	/// or `manual` (blocks on any parent, and finality, only when asked over RPC:
	/// `engine_createBlock`, `engine_finalizeBlock`). All but `aura` are single-node modes for
	/// tests and demos: no GRANDPA, no peers.
	#[arg(long, value_name = "aura|instant|MILLIS|manual", default_value = "aura")]
	pub sealing: Sealing,
}

#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect, insert keys into the keystore.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (deprecated upstream; `export-chain-spec` does the same).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export a chain specification.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Runtime and machine benchmarks (`benchmark pallet` needs a node built with the
	/// `runtime-benchmarks` feature; see scripts/benchmark-pallets.sh).
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Database metadata.
	ChainInfo(sc_cli::ChainInfoCmd),
}
