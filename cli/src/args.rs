//! The command line: every command and flag of `aipin`, and how the input flags become a
//! task's input.

use crate::{market, model, provider, task::NewTask};
use aipin_client::{reads, Client};
use aipin_primitives::TaskInput;
use clap::{Parser, Subcommand};
use std::{path::PathBuf, time::Duration};

#[derive(Parser)]
#[command(name = "aipin", version, about = "AiPIN consumer CLI: credits, tasks, verified results")]
pub(crate) struct Cli {
	/// Node WebSocket URL.
	#[arg(long, global = true, env = "AIPIN_NODE", default_value = "ws://127.0.0.1:9944")]
	pub(crate) node: String,
	/// Secret URI of the signing account (`//Alice` on dev chains, or a mnemonic). Prefer
	/// `--suri-file`: command lines are visible to other users of the machine.
	#[arg(long, global = true, env = "AIPIN_SURI", hide_env_values = true)]
	pub(crate) suri: Option<String>,
	/// File holding the signing account's secret URI.
	#[arg(long, global = true, env = "AIPIN_SURI_FILE")]
	pub(crate) suri_file: Option<PathBuf>,
	/// Print JSON (one document on stdout) instead of text.
	#[arg(long, global = true)]
	pub(crate) json: bool,
	#[command(subcommand)]
	pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
	/// Compute credits: buy them by burning AIP, or show a balance.
	#[command(subcommand)]
	Credits(CreditsCmd),
	/// Tasks: submit, show, watch, download results, cancel.
	#[command(subcommand)]
	Task(TaskCmd),
	/// The kernels the chain registers.
	Kernels,
	/// The registered providers.
	Providers,
	/// One provider's standing (stake, tasks in flight, pending slashes, rewards by epoch)
	/// and its stake lifecycle, signed by the stash.
	#[command(subcommand)]
	Provider(ProviderCmd),
	/// Burn-and-mint equilibrium state; price feeding; reward claims.
	#[command(subcommand)]
	Bme(BmeCmd),
	/// Models for verified inference: compile (offline), register, list.
	#[command(subcommand)]
	Model(ModelCmd),
	/// Runs a batch through a registered model on the network (r providers must agree bit for
	/// bit), downloads the outputs verified against the chain and writes them as `.npy`.
	Infer(model::InferArgs),
	/// Runs a known-answer task: computes the answer with the kernel's CPU reference, seals it
	/// as the canary origin (`--sealer-suri-file`; the sudo key on dev chains), submits the
	/// task signed by the usual key (an ordinary consumer account), and exposes providers that
	/// answered wrongly.
	Canary(CanaryArgs),
}

/// What a task computes, for `task submit` and `canary`.
#[derive(clap::Args)]
pub(crate) struct TaskSpec {
	/// Kernel id or name (gemm-i8, mlp-q8, hash-batch on dev chains; a model's kernel id).
	#[arg(long)]
	pub(crate) kernel: String,
	/// Kernel parameters, comma-separated (gemm-i8: m,n,k; a model: the batch).
	#[arg(long, value_delimiter = ',', required = true)]
	pub(crate) params: Vec<u32>,
	/// Input generated from this 32-byte hex seed (the cheapest input on chain; a random seed
	/// when no input is given).
	#[arg(long, conflicts_with_all = ["input", "url"])]
	pub(crate) seed: Option<String>,
	/// Input bytes from this file, carried on chain (up to 64 KiB).
	#[arg(long, conflicts_with = "url")]
	pub(crate) input: Option<PathBuf>,
	/// Input fetched by providers from this http(s) URL; the CLI reads it once to declare
	/// its hash and size.
	#[arg(long)]
	pub(crate) url: Option<String>,
	#[command(flatten)]
	pub(crate) terms: Terms,
}

impl TaskSpec {
	/// The kernel and the task to submit, with its input's bytes when they were read or
	/// fetched.
	pub(crate) async fn resolve(
		&self,
		api: &Client,
	) -> anyhow::Result<(market::Kernel, NewTask, Option<Vec<u8>>)> {
		let k = market::resolve_kernel(api, &self.kernel).await?;
		let (input, bytes) =
			submit_input(self.seed.clone(), self.input.clone(), self.url.clone()).await?;
		let t = NewTask {
			kernel: k.id,
			params: self.params.clone(),
			input,
			replication: self.terms.replication,
			max_price: self.terms.max_price,
			deadline_in: self.terms.deadline,
		};
		Ok((k, t, bytes))
	}
}

#[derive(clap::Args)]
pub(crate) struct CanaryArgs {
	#[command(flatten)]
	pub(crate) task: TaskSpec,
	/// File holding the secret URI of the canary origin's key (the sudo key on dev chains).
	#[arg(long, env = "AIPIN_SEALER_SURI_FILE")]
	pub(crate) sealer_suri_file: Option<PathBuf>,
	/// The canary origin's secret URI (prefer `--sealer-suri-file`).
	#[arg(long, env = "AIPIN_SEALER_SURI", hide_env_values = true)]
	pub(crate) sealer_suri: Option<String>,
}

/// What a task is submitted with, for `task submit` and `infer`.
#[derive(clap::Args)]
pub(crate) struct Terms {
	/// Independent providers that must agree.
	#[arg(long, short = 'r', default_value_t = 2)]
	pub(crate) replication: u8,
	/// Highest price, in credits per `Escrow.PriceUnit` work units (10^12 on AiPIN chains:
	/// about 10^18 int8 operations). Each replica is paid its provider's ask, at most this;
	/// the default, $10 per 10^18 operations, is some 35 times what an H100 rents for.
	#[arg(long, default_value_t = 1_000_000)]
	pub(crate) max_price: u128,
	/// Deadline, in blocks from now.
	#[arg(long, default_value_t = 600)]
	pub(crate) deadline: u32,
	/// Give up following after this many seconds.
	#[arg(long, default_value_t = 900)]
	pub(crate) timeout: u64,
}

#[derive(Subcommand)]
pub(crate) enum ModelCmd {
	/// Compiles an int8 QDQ ONNX model and prints its id, ops, MACs and shapes.
	Compile {
		/// The `.onnx` file.
		file: std::path::PathBuf,
		/// Also write the compiled program (`.aiq`) here.
		#[arg(long, short)]
		out: Option<std::path::PathBuf>,
	},
	/// Registers a model (`.onnx`, compiled first, or `.aiq`) on chain, holding its deposit;
	/// does nothing if it is registered already.
	Register {
		/// The `.onnx` or `.aiq` file.
		file: std::path::PathBuf,
		/// Store the program off chain, at this http(s) URL, which must serve exactly its
		/// bytes (checked before signing): for programs over the chain's `MaxProgramBytes`.
		/// Providers fetch it, check it and cache it.
		#[arg(long)]
		url: Option<String>,
	},
	/// The registered models.
	List,
}

#[derive(Subcommand)]
pub(crate) enum CreditsCmd {
	/// Burns AIP for credits at the oracle's price.
	Buy {
		/// AIP to burn (e.g. 100 or 0.5).
		aip: String,
		/// Fail unless at least this many credits result (slippage guard).
		#[arg(long, default_value_t = 0)]
		min_credits: u128,
	},
	/// Free and reserved credits of an account (default: the signer).
	Balance { account: Option<String> },
}

#[derive(Subcommand)]
pub(crate) enum TaskCmd {
	/// Submits a task and follows it to settlement.
	Submit {
		#[command(flatten)]
		task: TaskSpec,
		/// Return once submitted instead of following the task.
		#[arg(long)]
		no_wait: bool,
		/// Download and verify the result into this file once settled.
		#[arg(long)]
		out: Option<PathBuf>,
	},
	/// Shows a task as the chain has it.
	Show { task: u64 },
	/// Follows a task until it finishes.
	Watch {
		task: u64,
		#[arg(long, default_value_t = 900)]
		timeout: u64,
	},
	/// Downloads a task's output from a provider, verifies it against the on-chain root, and
	/// writes it.
	Result {
		task: u64,
		/// Output file (default: task-<id>.bin).
		#[arg(long)]
		out: Option<PathBuf>,
		/// Try this result server first (default: the endpoints of the agreeing providers).
		#[arg(long)]
		endpoint: Option<String>,
	},
	/// Cancels a task no provider has committed to yet; the escrow is refunded.
	Cancel { task: u64 },
}

#[derive(Subcommand)]
pub(crate) enum ProviderCmd {
	/// Stake, status, tasks in flight, pending slashes and rewards by epoch of a provider
	/// (default: the signer, as a stash).
	Show { stash: Option<String> },
	#[command(flatten)]
	Step(provider::Step),
}

#[derive(Subcommand)]
pub(crate) enum BmeCmd {
	/// Burned, minted, credits, epoch, price, issuance.
	Stats,
	/// Submits a price (nano-USD per AIP) as an oracle feeder.
	Price { nano_usd: u128 },
	/// Claims the signer's (a provider stash's) rewards from finished epochs.
	Claim,
}

/// Most bytes a task's input may have inline (the runtime's `MaxInlineInput`): checked early,
/// before a file is read into a task; `task::submit` checks the chain's own bound again.
pub(crate) const MAX_INLINE: usize = 64 * 1024;
/// Most bytes the CLI reads from `--url` to declare an external input.
const MAX_EXTERNAL: u64 = 256 << 20;

/// The input a task is submitted with, and its bytes when they were read or fetched (not for
/// a seeded input, whose bytes the kernel's length generates).
pub(crate) async fn submit_input(
	seed: Option<String>,
	input: Option<PathBuf>,
	url: Option<String>,
) -> anyhow::Result<(reads::Input, Option<Vec<u8>>)> {
	Ok(match (seed, input, url) {
		(Some(hex_seed), None, None) => {
			let bytes = hex::decode(hex_seed.trim_start_matches("0x"))
				.map_err(|_| anyhow::anyhow!("--seed: not hex"))?;
			let seed = bytes.try_into().map_err(|_| anyhow::anyhow!("--seed: not 32 bytes"))?;
			(TaskInput::Seeded { seed }, None)
		},
		(None, Some(path), None) => {
			let bytes = std::fs::read(&path)
				.map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
			anyhow::ensure!(
				bytes.len() <= MAX_INLINE,
				"{} is {} bytes; inline inputs are at most 64 KiB: serve it over http(s) and \
				 pass --url",
				path.display(),
				bytes.len()
			);
			(TaskInput::Inline(bytes.clone().try_into().expect("unbounded")), Some(bytes))
		},
		(None, None, Some(url)) => {
			let bytes =
				aipin_client::http::get(&url, MAX_EXTERNAL, Duration::from_secs(120)).await?;
			let input = TaskInput::External {
				hash: sp_crypto_hashing::blake2_256(&bytes),
				size: bytes.len() as u64,
				url: url.into_bytes().try_into().expect("unbounded"),
			};
			(input, Some(bytes))
		},
		(None, None, None) => {
			let mut seed = [0u8; 32];
			getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
			(TaskInput::Seeded { seed }, None)
		},
		_ => anyhow::bail!("give one of --seed, --input, --url"),
	})
}
