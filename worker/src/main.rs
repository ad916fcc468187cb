//! `aipin-worker`: the AiPIN provider daemon and operator tool.

use aipin_worker::{
	bench,
	config::{self, Config},
	daemon, gpu, journal, kernels, register, server,
};
use clap::{Parser, Subcommand};
use std::{path::PathBuf, sync::Arc};

#[derive(Parser)]
#[command(name = "aipin-worker", version, about = "AiPIN provider worker")]
struct Cli {
	/// Config file (TOML). Environment variables (AIPIN_NODE, AIPIN_OPERATOR_SURI_FILE,
	/// AIPIN_OPERATOR_SURI, AIPIN_DATA_DIR, AIPIN_LISTEN) override it; flags override both.
	#[arg(long, global = true, env = "AIPIN_CONFIG")]
	config: Option<PathBuf>,
	/// Node WebSocket URL.
	#[arg(long, global = true)]
	node: Option<String>,
	/// Journal and results directory.
	#[arg(long, global = true)]
	data_dir: Option<PathBuf>,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Follows the chain and does the tasks assigned to this operator.
	Run {
		/// Result server address.
		#[arg(long)]
		listen: Option<std::net::SocketAddr>,
		/// Fetch task inputs from private and reserved addresses too (loopback, RFC 1918, ...).
		/// Only for a closed test network: input URLs are chosen by consumers.
		#[arg(long)]
		allow_private_inputs: bool,
		/// TEST ONLY: corrupt every output (a dishonest provider).
		#[arg(long, hide = true)]
		corrupt_results: bool,
		/// TEST ONLY: abort the process at this point of a task (crash-loop tests).
		#[arg(long, hide = true, value_enum)]
		crash_at: Option<config::CrashPoint>,
	},
	/// Registers the provider: the stash bonds `stake` AIP and names this worker's operator key.
	Register {
		/// File with the stash's secret URI (or env AIPIN_STASH_SURI).
		#[arg(long, env = "AIPIN_STASH_SURI_FILE")]
		stash_suri_file: Option<PathBuf>,
		/// Stake in whole AIP.
		#[arg(long, default_value_t = 10_000)]
		stake: u128,
		/// Ask, in credits per `Escrow.PriceUnit` work units (10^12 on AiPIN chains, about
		/// 10^18 int8 operations).
		#[arg(long, required_unless_present = "usd_per_hour", conflicts_with = "usd_per_hour")]
		ask: Option<u128>,
		/// Or: what running this device costs you, in US dollars an hour; the ask is set so
		/// that the throughput advertised, fully used, earns that (rounded up).
		#[arg(long)]
		usd_per_hour: Option<f64>,
		/// Result server URL consumers fetch from.
		#[arg(long)]
		endpoint: String,
		/// Device memory in MiB (default: a conservative 4096).
		#[arg(long, default_value_t = 4096)]
		vram_mib: u32,
		/// Work units per second to advertise (default: measured now with a 512³ GEMM).
		#[arg(long)]
		throughput: Option<u64>,
	},
	/// Lists the GPU adapters wgpu sees (honours WGPU_BACKEND, WGPU_ADAPTER_NAME).
	Devices,
	/// Measures every kernel's throughput against the device's peak and the CPU reference.
	Bench {
		/// Smaller sizes (seconds instead of a minute on a software device).
		#[arg(long)]
		quick: bool,
	},
	/// Prints the shipped kernels and their WGSL hashes (what the chain registers).
	Kernels,
	/// Summarises the journal: tasks by stage, accepted results.
	Status,
	/// Fetches, checks and caches the program of a model stored off chain (registered by
	/// URL), as a task would, so that the model's first task here does not wait for it.
	FetchModel {
		/// The model's `0x` id.
		model: String,
		/// Fetch from private and reserved addresses too (only for a closed test network).
		#[arg(long)]
		allow_private_inputs: bool,
	},
	/// Runs a model on a batch locally, on the GPU (or the CPU reference), exactly as a task
	/// would: providers test their hardware with it, consumers reproduce a result.
	Infer {
		/// The model: an int8 QDQ `.onnx` file (compiled here), a compiled `.aiq` program, or
		/// a registered model's `0x` id (its program read from `--node`).
		#[arg(long)]
		model: PathBuf,
		/// The batch: `.npy`, float32 (quantized as the model does) or the model's int8/uint8.
		#[arg(long)]
		input: PathBuf,
		/// Where to write the output `.npy`.
		#[arg(long)]
		output: PathBuf,
		/// Run the CPU reference instead of the GPU.
		#[arg(long)]
		cpu: bool,
		/// Write dequantized float32 instead of the int8 values.
		#[arg(long)]
		dequantize: bool,
		/// Run the batch this many times, check that every run gives the same bytes, and
		/// report the fastest (the first run on a device also pays one-time costs).
		#[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
		repeat: u32,
	},
}

/// A model file (`.onnx`, `.aiq`), or a registered model's `0x` id read from the node.
fn load_program(
	cli: &Cli,
	model: &std::path::Path,
) -> anyhow::Result<aipin_kernels::inference::Program> {
	let text = model.to_string_lossy();
	let Some(id) = aipin_compiler::files::model_id_arg(&text)? else {
		return Ok(aipin_compiler::files::load_model(model)?.0);
	};
	let cfg = load(cli)?;
	let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
	let timeout = std::time::Duration::from_secs(cfg.fetch_timeout_secs);
	rt.block_on(async {
		let client = aipin_client::Client::connect(&cfg.node).await?;
		let at = client.finalized().await?;
		let (program, _) =
			aipin_client::programs::load(&at, &id, timeout, cfg.allow_private_inputs).await?;
		anyhow::Ok(program)
	})
}

fn load(cli: &Cli) -> anyhow::Result<Config> {
	let mut cfg = Config::load(cli.config.as_deref())?;
	if let Some(n) = &cli.node {
		cfg.node = n.clone();
	}
	if let Some(d) = &cli.data_dir {
		cfg.data_dir = d.clone();
	}
	Ok(cfg)
}

fn main() -> anyhow::Result<()> {
	tracing_subscriber::fmt()
		.with_env_filter(
			tracing_subscriber::EnvFilter::try_from_default_env()
				.unwrap_or_else(|_| "info,wgpu_core=warn,wgpu_hal=warn,naga=warn".into()),
		)
		.with_writer(std::io::stderr)
		.init();
	let cli = Cli::parse();
	match &cli.command {
		Command::Devices => {
			let adapters = gpu::adapters();
			if adapters.is_empty() {
				anyhow::bail!("no GPU adapters found; install a driver (or Mesa's lavapipe)");
			}
			for (i, a) in adapters.iter().enumerate() {
				println!("{i}: {} [{} {}] {}", a.name, a.backend, a.device_type, a.driver);
			}
		},
		Command::Bench { quick } => {
			let gpu = gpu::Gpu::new()?;
			let kernels = kernels::Kernels::new(&gpu)?;
			let (peak, rows) = bench::standard(&gpu, &kernels, *quick)?;
			print!("{}", bench::table(&gpu, peak, &rows));
		},
		Command::Kernels => {
			for k in aipin_kernels::Kernel::ALL {
				println!("{:<11} 0x{}", k.name(), hex::encode(k.wgsl_hash()));
			}
		},
		Command::Status => {
			let cfg = load(&cli)?;
			let j = journal::Journal::open(&cfg.data_dir)?;
			let all = j.all()?;
			println!("{} tasks in {}", all.len(), cfg.data_dir.display());
			for e in all {
				println!(
					"task {:>6}  kernel {}  {:?}  {:?}  {} ms",
					e.task, e.kernel, e.params, e.stage, e.compute_ms
				);
			}
		},
		Command::FetchModel { model, allow_private_inputs } => {
			let mut cfg = load(&cli)?;
			cfg.allow_private_inputs |= *allow_private_inputs;
			let id = aipin_compiler::files::model_id_arg(model)?
				.ok_or_else(|| anyhow::anyhow!("{model}: expected a registered model's 0x id"))?;
			let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
			let (path, bytes) = rt.block_on(async {
				let client = aipin_client::Client::connect(&cfg.node).await?;
				let at = client.finalized().await?;
				daemon::prefetch_program(&cfg, &at, id).await
			})?;
			println!("{model}: {bytes} bytes, checked, cached in {}", path.display());
		},
		Command::Infer { model, input, output, cpu, dequantize, repeat } => {
			use aipin_compiler::files;
			let program = load_program(&cli, model)?;
			let (batch, x) = files::read_batch(&program, input)?;
			eprintln!(
				"model 0x{} · {} ops · {} MACs/sample · batch {batch}",
				hex::encode(program.id()),
				program.ops.len(),
				program.macs_per_sample()
			);
			// Timed: the batch only (upload, every op, read back), not device set-up and shader
			// compilation, which a running worker does once.
			let gpu = if *cpu {
				None
			} else {
				let gpu = gpu::Gpu::new()?;
				let inf = aipin_worker::inference::Inference::new(&gpu)?;
				Some((gpu, inf))
			};
			let device = gpu.as_ref().map_or("CPU reference".into(), |(g, _)| g.info.name.clone());
			let mut best = std::time::Duration::MAX;
			let mut tensors: Option<Vec<Vec<u8>>> = None;
			for run in 1..=*repeat {
				let started = std::time::Instant::now();
				let got = match &gpu {
					None => aipin_kernels::inference::reference::run(&program, batch, &x)?
						.tensors(&program),
					Some((gpu, inf)) => inf.run(gpu, &program, batch, &x)?,
				};
				best = best.min(started.elapsed());
				match &tensors {
					Some(first) if *first != got => anyhow::bail!(
						"run {run} of {repeat} on {device} gave different bytes from run 1: this \
						 device does not compute deterministically, and its results would not \
						 match other providers'"
					),
					Some(_) => {},
					None => tensors = Some(got),
				}
			}
			let (tensors, secs) = (tensors.expect("repeat ≥ 1"), best);
			// What a provider would commit to for this batch: compare it with a task's root.
			let result = aipin_kernels::inference::task::result(&tensors);
			let y = tensors.last().expect("an output tensor");
			let secs = secs.as_secs_f64();
			let arr = files::output_array(&program, batch, y, *dequantize);
			std::fs::write(output, aipin_compiler::npy::write(&arr))
				.map_err(|e| anyhow::anyhow!("{}: {e}", output.display()))?;
			let top = files::argmax(&program, y);
			let shown: Vec<String> = top.iter().take(16).map(|c| c.to_string()).collect();
			eprintln!(
				"{device}: {batch} samples in {:.3} s ({:.0} samples/s){}; wrote {}",
				secs,
				batch as f64 / secs.max(1e-9),
				if *repeat > 1 {
					format!(", fastest of {repeat} identical runs")
				} else {
					String::new()
				},
				output.display()
			);
			println!("argmax: {}{}", shown.join(" "), if top.len() > 16 { " …" } else { "" });
			println!(
				"result root 0x{} (the outputs and {} layer roots, as a task commits)",
				hex::encode(aipin_primitives::result::root(&result)),
				program.ops.len()
			);
		},
		Command::Run { listen, allow_private_inputs, corrupt_results, crash_at } => {
			let mut cfg = load(&cli)?;
			if let Some(l) = listen {
				cfg.listen = *l;
			}
			cfg.allow_private_inputs |= *allow_private_inputs;
			cfg.corrupt_results |= *corrupt_results;
			cfg.crash_at = crash_at.or(cfg.crash_at);
			if cfg.resend_after.is_some() {
				tracing::warn!(
					target: "aipin::worker",
					"`resend_after` is ignored: a lost step is sent again as soon as the node's \
					 pool holds nothing of this operator's (docs/provider.md)"
				);
			}
			let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
			rt.block_on(async move {
				let journal = Arc::new(journal::Journal::open(&cfg.data_dir)?);
				let metrics = Arc::new(server::Metrics::default());
				let listener = tokio::net::TcpListener::bind(cfg.listen)
					.await
					.map_err(|e| anyhow::anyhow!("result server on {}: {e}", cfg.listen))?;
				tracing::info!(target: "aipin::worker", "result server on http://{}", cfg.listen);
				let app = server::router(journal.clone(), metrics.clone());
				tokio::spawn(async move {
					if let Err(e) = axum::serve(listener, app).await {
						tracing::error!(target: "aipin::worker", "result server stopped: {e}");
					}
				});
				let worker = daemon::Worker::new(cfg, journal, metrics);
				tokio::select! {
					r = worker.run() => r,
					_ = tokio::signal::ctrl_c() => {
						tracing::info!(target: "aipin::worker", "stopping (journal is durable)");
						Ok(())
					}
				}
			})?;
		},
		Command::Register {
			stash_suri_file,
			stake,
			ask,
			usd_per_hour,
			endpoint,
			vram_mib,
			throughput,
		} => {
			let ask = match (ask, usd_per_hour) {
				(Some(a), _) => register::Ask::Credits(*a),
				(None, Some(usd)) => register::Ask::UsdPerHour(*usd),
				(None, None) => anyhow::bail!("give --ask or --usd-per-hour"),
			};
			let cfg = load(&cli)?;
			let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
			rt.block_on(register::register(
				&cfg,
				register::Registration {
					stash_file: stash_suri_file.as_deref(),
					stake: *stake,
					ask,
					endpoint,
					vram_mib: *vram_mib,
					throughput: *throughput,
				},
			))?;
		},
	}
	Ok(())
}
