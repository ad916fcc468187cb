//! `aipin`: the AiPIN consumer CLI. Buys credits, submits tasks and follows them to
//! settlement, downloads and verifies results, reads kernels, providers and the BME state.
//! Human output by default; `--json` prints one JSON document per command on stdout.
//!
//! A thin user of `aipin-client`: it builds without the GPU stack.

mod canary;
mod market;
mod model;
mod output;
mod provider;
mod task;

use aipin_client::{
	calls, events,
	keys::{self, Secret},
	reads,
	units::{fmt_aip, parse_account, parse_aip, ss58},
	Client, Keypair,
};
use aipin_primitives::{AccountId, TaskInput};
use clap::{Parser, Subcommand};
use output::{emit, write_file};
use std::{path::PathBuf, time::Duration};
use task::NewTask;

#[derive(Parser)]
#[command(name = "aipin", version, about = "AiPIN consumer CLI: credits, tasks, verified results")]
struct Cli {
	/// Node WebSocket URL.
	#[arg(long, global = true, env = "AIPIN_NODE", default_value = "ws://127.0.0.1:9944")]
	node: String,
	/// Secret URI of the signing account (`//Alice` on dev chains, or a mnemonic). Prefer
	/// `--suri-file`: command lines are visible to other users of the machine.
	#[arg(long, global = true, env = "AIPIN_SURI", hide_env_values = true)]
	suri: Option<String>,
	/// File holding the signing account's secret URI.
	#[arg(long, global = true, env = "AIPIN_SURI_FILE")]
	suri_file: Option<PathBuf>,
	/// Print JSON (one document on stdout) instead of text.
	#[arg(long, global = true)]
	json: bool,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
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
struct TaskSpec {
	/// Kernel id or name (gemm-i8, mlp-q8, hash-batch on dev chains; a model's kernel id).
	#[arg(long)]
	kernel: String,
	/// Kernel parameters, comma-separated (gemm-i8: m,n,k; a model: the batch).
	#[arg(long, value_delimiter = ',', required = true)]
	params: Vec<u32>,
	/// Input generated from this 32-byte hex seed (the cheapest input on chain; a random seed
	/// when no input is given).
	#[arg(long, conflicts_with_all = ["input", "url"])]
	seed: Option<String>,
	/// Input bytes from this file, carried on chain (up to 64 KiB).
	#[arg(long, conflicts_with = "url")]
	input: Option<PathBuf>,
	/// Input fetched by providers from this http(s) URL; the CLI reads it once to declare
	/// its hash and size.
	#[arg(long)]
	url: Option<String>,
	#[command(flatten)]
	terms: Terms,
}

impl TaskSpec {
	/// The kernel and the task to submit, with its input's bytes when they were read or
	/// fetched.
	async fn resolve(
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
struct CanaryArgs {
	#[command(flatten)]
	task: TaskSpec,
	/// File holding the secret URI of the canary origin's key (the sudo key on dev chains).
	#[arg(long, env = "AIPIN_SEALER_SURI_FILE")]
	sealer_suri_file: Option<PathBuf>,
	/// The canary origin's secret URI (prefer `--sealer-suri-file`).
	#[arg(long, env = "AIPIN_SEALER_SURI", hide_env_values = true)]
	sealer_suri: Option<String>,
}

/// What a task is submitted with, for `task submit` and `infer`.
#[derive(clap::Args)]
pub struct Terms {
	/// Independent providers that must agree.
	#[arg(long, short = 'r', default_value_t = 2)]
	pub replication: u8,
	/// Highest price, credits per work unit.
	#[arg(long, default_value_t = 10)]
	pub max_price: u128,
	/// Deadline, in blocks from now.
	#[arg(long, default_value_t = 600)]
	pub deadline: u32,
	/// Give up following after this many seconds.
	#[arg(long, default_value_t = 900)]
	pub timeout: u64,
}

#[derive(Subcommand)]
enum ModelCmd {
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
enum CreditsCmd {
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
enum TaskCmd {
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
enum ProviderCmd {
	/// Stake, status, tasks in flight, pending slashes and rewards by epoch of a provider
	/// (default: the signer, as a stash).
	Show { stash: Option<String> },
	#[command(flatten)]
	Step(provider::Step),
}

#[derive(Subcommand)]
enum BmeCmd {
	/// Burned, minted, credits, epoch, price, issuance.
	Stats,
	/// Submits a price (nano-USD per AIP) as an oracle feeder.
	Price { nano_usd: u128 },
	/// Claims the signer's (a provider stash's) rewards from finished epochs.
	Claim,
}

fn signer(cli: &Cli) -> anyhow::Result<Keypair> {
	let inline = cli.suri.clone().map(Secret::new);
	Ok(keys::load(
		cli.suri_file.as_deref(),
		inline.as_ref(),
		"signing",
		"this command signs: pass --suri-file FILE or set AIPIN_SURI (//Alice on dev chains)",
	)?)
}

/// The account given on the command line, else the signer's.
fn account_or_signer(cli: &Cli, account: Option<&str>) -> anyhow::Result<AccountId> {
	match account {
		Some(a) => Ok(parse_account(a)?),
		None => Ok(aipin_client::account_of(&signer(cli)?)),
	}
}

/// Most bytes a task's input may have inline (the runtime's `MaxInlineInput`): checked early,
/// before a file is read into a task; `task::submit` checks the chain's own bound again.
pub(crate) const MAX_INLINE: usize = 64 * 1024;
/// Most bytes the CLI reads from `--url` to declare an external input.
const MAX_EXTERNAL: u64 = 256 << 20;

/// The input a task is submitted with, and its bytes when they were read or fetched (not for
/// a seeded input, whose bytes the kernel's length generates).
async fn submit_input(
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

async fn run(cli: Cli) -> anyhow::Result<()> {
	let json = cli.json;
	if let Command::Model(ModelCmd::Compile { file, out }) = &cli.command {
		return model::compile(file, out.as_deref(), json);
	}
	let api = Client::connect(&cli.node).await?;
	match &cli.command {
		Command::Credits(CreditsCmd::Buy { aip, min_credits }) => {
			let tokens = parse_aip(aip)?;
			let key = signer(&cli)?;
			let p = market::buy_credits(&api, &key, tokens, *min_credits).await?;
			emit(json, &p, || {
				format!(
					"burned {} for {} credits at ${:.4}/AIP (block {}); free credits: {}",
					fmt_aip(p.tokens),
					p.credits,
					p.price as f64 / 1e9,
					p.block,
					p.free_credits
				)
			})?;
		},
		Command::Credits(CreditsCmd::Balance { account: who }) => {
			let id = account_or_signer(&cli, who.as_deref())?;
			let (free, reserved) = reads::credits_of(&api.finalized().await?, &id).await?;
			let v = serde_json::json!({ "account": ss58(&id), "free": free, "reserved": reserved });
			emit(json, &v, || {
				format!("{}: {free} credits free, {reserved} held in escrow", ss58(&id))
			})?;
		},
		Command::Kernels => {
			let ks = market::kernels(&api).await?;
			emit(json, &ks, || {
				ks.iter()
					.map(|k| {
						format!(
							"{:>3}  {:<11} v{}  max params {:?}  {}{}",
							k.id,
							k.name,
							k.version,
							k.max_params,
							k.wgsl_hash,
							if k.deprecated { "  (deprecated)" } else { "" }
						)
					})
					.collect::<Vec<_>>()
					.join("\n")
			})?;
		},
		Command::Providers => {
			let ps = market::providers(&api).await?;
			emit(json, &ps, || {
				if ps.is_empty() {
					return "no providers registered".into();
				}
				ps.iter()
					.map(|p| {
						format!(
							"{}  {}  stake {}  ask {}  kernels {:?}  {} wu/s  reputation {:.1}%  \
							 {}{}",
							p.stash,
							p.status,
							fmt_aip(p.stake),
							p.ask_price,
							p.kernels,
							p.throughput,
							p.reputation_ppm as f64 / 1e4,
							p.endpoint,
							p.jailed_until
								.map(|b| format!("  JAILED until {b}"))
								.unwrap_or_default()
						)
					})
					.collect::<Vec<_>>()
					.join("\n")
			})?;
		},
		Command::Provider(ProviderCmd::Show { stash }) => {
			let s = provider::standing(&api, &account_or_signer(&cli, stash.as_deref())?).await?;
			emit(json, &s, || s.text())?;
		},
		Command::Provider(ProviderCmd::Step(step)) => {
			let done = provider::run(&api, &signer(&cli)?, *step).await?;
			emit(json, &done, || match &done.after {
				Some(s) => format!("{step:?} included in block {}\n{}", done.block, s.text()),
				None => format!("deregistered in block {}", done.block),
			})?;
		},
		// Offline, handled before connecting.
		Command::Model(ModelCmd::Compile { .. }) => {},
		Command::Model(ModelCmd::Register { file, url }) => {
			let key = signer(&cli)?;
			let r = model::register(&api, &key, file, url.as_deref()).await?;
			emit(json, &r, || match r.block {
				Some(b) => format!("registered in block {b}:\n{}", r.model.line()),
				None => format!("already registered:\n{}", r.model.line()),
			})?;
		},
		Command::Model(ModelCmd::List) => {
			let ms = model::list(&api).await?;
			emit(json, &ms, || {
				if ms.is_empty() {
					return "no models registered".into();
				}
				ms.iter().map(|m| m.line()).collect::<Vec<_>>().join("\n")
			})?;
		},
		Command::Canary(args) => {
			let consumer = signer(&cli)?;
			let inline = args.sealer_suri.clone().map(Secret::new);
			let sealer = keys::load(
				args.sealer_suri_file.as_deref(),
				inline.as_ref(),
				"sealer",
				"a canary is sealed by the canary origin: pass --sealer-suri-file FILE or set \
				 AIPIN_SEALER_SURI (//Alice, the sudo key, on dev chains)",
			)?;
			let (_, t, given) = args.task.resolve(&api).await?;
			let timeout = Duration::from_secs(args.task.terms.timeout);
			let r = canary::run(&api, &sealer, &consumer, &t, given, timeout, |line| {
				if !json {
					eprintln!("  {line}");
				}
			})
			.await?;
			emit(json, &r, || {
				format!(
					"task {}: {} — {} passed, {} failed{}",
					r.task,
					r.outcome,
					r.passed.len(),
					r.failed.len(),
					if r.exposed { " (exposed after settlement)" } else { "" }
				)
			})?;
		},
		Command::Infer(args) => {
			let key = if args.save_batch.is_some() { None } else { Some(signer(&cli)?) };
			model::infer_command(&api, key.as_ref(), args, json).await?;
		},
		Command::Bme(BmeCmd::Stats) => {
			let s = market::bme_stats(&api).await?;
			emit(json, &s, || {
				format!(
					"epoch {}  price {}\nburned: {} for credits, {} by slashing, {} fees\nminted: {}\n\
					 credits: {} issued, {} spent, {} outstanding\ntotal issuance: {}",
					s.epoch,
					s.price.map_or("none (oracle stale or halted)".into(), |p| format!(
						"${:.4}/AIP",
						p as f64 / 1e9
					)),
					fmt_aip(s.totals.burned_for_credits),
					fmt_aip(s.totals.burned_by_slashing),
					fmt_aip(s.totals.burned_fees),
					fmt_aip(s.totals.minted),
					s.totals.credits_issued,
					s.totals.credits_spent,
					s.totals.credits_outstanding,
					fmt_aip(s.total_issuance)
				)
			})?;
		},
		Command::Bme(BmeCmd::Price { nano_usd }) => {
			let key = signer(&cli)?;
			let block = api.submit(&key, &calls::bme::submit_price(*nano_usd)).await?.block;
			let v = serde_json::json!({ "block": block, "price": nano_usd });
			emit(json, &v, || {
				format!("price ${:.4}/AIP submitted (block {block})", *nano_usd as f64 / 1e9)
			})?;
		},
		Command::Bme(BmeCmd::Claim) => {
			let key = signer(&cli)?;
			let who = aipin_client::account_of(&key);
			let included = api.submit(&key, &calls::bme::claim_rewards()).await?;
			let block = included.block;
			let minted: u128 =
				included.find::<events::bme::RewardsClaimed>()?.iter().map(|e| e.amount).sum();
			let v = serde_json::json!({ "block": block, "account": ss58(&who), "claimed": minted });
			emit(json, &v, || format!("claimed {} (block {block})", fmt_aip(minted)))?;
		},
		Command::Task(TaskCmd::Submit { task: spec, no_wait, out }) => {
			let key = signer(&cli)?;
			let (k, t, _) = spec.resolve(&api).await?;
			let terms = &spec.terms;
			let s = task::submit(&api, &key, &t).await?;
			if !json {
				eprintln!(
					"task {} submitted in block {}: {} {:?}, r = {}, {} work units, {} credits \
					 escrowed, deadline block {}",
					s.task,
					s.block,
					k.name,
					t.params,
					t.replication,
					s.work_units,
					s.escrow,
					s.deadline
				);
			}
			if *no_wait {
				return emit(json, &s, || format!("{}", s.task));
			}
			let settled =
				task::watch(&api, s.task, Duration::from_secs(terms.timeout), |b, line| {
					if !json {
						eprintln!("  block {b}: {line}");
					}
				})
				.await?;
			let download = match out {
				Some(path) if settled.result_root.is_some() => {
					let (d, bytes) = task::fetch_result(&api, s.task, None).await?;
					write_file(path, &bytes)?;
					Some(d)
				},
				_ => None,
			};
			let v = serde_json::json!({ "submitted": s, "settled": settled, "download": download });
			emit(json, &v, || {
				let mut line = format!(
					"task {} finished in block {}: {}; paid {} credits, refunded {}",
					s.task, settled.block, settled.outcome, settled.paid, settled.refunded
				);
				if let Some(r) = &settled.result_root {
					line.push_str(&format!("\nresult root {r}"));
				}
				if settled.outcome == "BadInput" {
					line.push_str(
						"\nthe providers could not use the input (see the InputReported lines): the URL \
						 must serve exactly the bytes whose size and hash were declared; the input \
						 fee was forfeited",
					);
				}
				if let (Some(d), Some(path)) = (&download, out) {
					line.push_str(&format!(
						"\nverified {} bytes ({} chunks) from {} against the on-chain root → {}",
						d.bytes,
						d.chunks,
						d.endpoint,
						path.display()
					));
				}
				line
			})?;
		},
		Command::Task(TaskCmd::Show { task }) => {
			let t = task::show(&api, *task).await?.ok_or_else(|| {
				anyhow::anyhow!("task {task} is unknown (never submitted, or pruned)")
			})?;
			emit(json, &t, || t.describe())?;
		},
		Command::Task(TaskCmd::Watch { task, timeout }) => {
			let s = task::watch(&api, *task, Duration::from_secs(*timeout), |b, line| {
				if !json {
					eprintln!("  block {b}: {line}");
				}
			})
			.await?;
			emit(json, &s, || {
				format!(
					"task {} finished in block {}: {}; paid {}, refunded {}",
					s.task, s.block, s.outcome, s.paid, s.refunded
				)
			})?;
		},
		Command::Task(TaskCmd::Result { task, out, endpoint }) => {
			let (d, bytes) = task::fetch_result(&api, *task, endpoint.as_deref()).await?;
			let path = out.clone().unwrap_or_else(|| PathBuf::from(format!("task-{task}.bin")));
			write_file(&path, &bytes)?;
			emit(json, &d, || {
				format!(
					"verified {} bytes ({} chunks) from {} against the on-chain root {} → {}",
					d.bytes,
					d.chunks,
					d.endpoint,
					d.root,
					path.display()
				)
			})?;
		},
		Command::Task(TaskCmd::Cancel { task }) => {
			let key = signer(&cli)?;
			let block = api.submit(&key, &calls::escrow::cancel_task(*task)).await?.block;
			let v = serde_json::json!({ "task": task, "block": block });
			emit(json, &v, || format!("task {task} cancelled (block {block}); escrow refunded"))?;
		},
	}
	Ok(())
}

fn main() {
	let cli = Cli::parse();
	let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
		Ok(rt) => rt,
		Err(e) => {
			eprintln!("error: {e}");
			std::process::exit(1);
		},
	};
	if let Err(e) = rt.block_on(run(cli)) {
		eprintln!("error: {e:#}");
		std::process::exit(1);
	}
}
