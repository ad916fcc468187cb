//! Models as a consumer uses them: compile an ONNX file, register the program on chain, list
//! the registered models, and run a batch on the network (`aipin infer`): submit it as a
//! task of the model's kernel, follow it, download the result verified against the chain, and
//! write the outputs as `.npy`.

use crate::{
	args::Terms,
	output::{self, emit, write_file},
	task::{self, Download, NewTask, Settlement, Submitted},
};
use aipin_client::{
	calls, events, programs,
	reads::{self, Input},
	units::{fmt_aip, hex0x, ss58},
	Client, Keypair,
};
use aipin_compiler::{files, npy};
use aipin_kernels::inference::{program::id_of, task::split_result, Program};
use aipin_primitives::{ModelId, TaskInput};
use serde::Serialize;
use std::{
	path::{Path, PathBuf},
	time::Duration,
};

/// `aipin model compile`: prints the id, ops, MACs and shapes; writes the program to `out`.
pub fn compile(file: &Path, out: Option<&Path>, json: bool) -> anyhow::Result<()> {
	let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
	let c = aipin_compiler::compile(&bytes)?;
	if let Some(out) = out {
		output::write_file(out, &c.bytes)?;
	}
	let p = &c.program;
	// A model on token ids takes integers, not a quantized tensor.
	let input_type = if p.takes_token_ids() {
		"token ids".to_string()
	} else {
		format!("{:?}", p.input().dtype)
	};
	// What a task is charged for: a work unit is 10⁶ of these, rounded up per task.
	let ops = aipin_kernels::inference::task::ops_per_sample(p);
	let v = serde_json::json!({
		"id": hex0x(&c.id),
		"bytes": c.bytes.len(),
		"macs_per_sample": p.macs_per_sample(),
		"ops_charged_per_sample": ops,
		"input": { "shape": p.input().shape, "dtype": input_type },
		"output": { "shape": p.output().shape, "dtype": format!("{:?}", p.output().dtype) },
		"ops": c.summary(),
		"equals_onnxruntime": p.equals_onnxruntime(),
	});
	emit(json, &v, || {
		let mut s = format!(
			"model {}\n{} bytes, {} MACs and {ops} operations charged per sample ({} work units \
			 per 1,000 samples)\ninput  {:?} {}\noutput {:?} {:?}\n",
			hex0x(&c.id),
			c.bytes.len(),
			p.macs_per_sample(),
			ops.saturating_mul(1_000).div_ceil(1_000_000),
			p.input().shape,
			input_type,
			p.output().shape,
			p.output().dtype
		);
		s.push_str(if p.equals_onnxruntime() {
			"onnxruntime: the same output bytes\n"
		} else {
			"onnxruntime: within the tier-2 tolerance (a LayerNorm is AiPIN's own integer rule)\n"
		});
		for line in c.summary() {
			s.push_str(&format!("  {line}\n"));
		}
		s.trim_end().to_string()
	})
}

/// A registered model, as `aipin model list` shows it.
#[derive(Debug, Serialize)]
pub struct ModelView {
	pub id: String,
	pub kernel: u32,
	pub bytes: u32,
	pub macs_per_sample: u64,
	pub owner: Option<String>,
	pub deposit: u128,
	pub retired_at: Option<u32>,
	/// Where providers fetch the program, if it is stored off chain.
	pub program_url: Option<String>,
}

impl ModelView {
	fn new(id: &ModelId, m: &reads::Model, url: Option<&reads::ProgramUrl>) -> Self {
		Self {
			id: hex0x(id),
			kernel: m.kernel,
			bytes: m.bytes,
			macs_per_sample: m.macs_per_sample,
			owner: m.owner.as_ref().map(ss58),
			deposit: m.deposit,
			retired_at: m.retired_at,
			program_url: url.map(|u| String::from_utf8_lossy(&u.url).into_owned()),
		}
	}

	pub fn line(&self) -> String {
		format!(
			"{}  kernel {}  {} bytes{}  {} MACs/sample  owner {}  deposit {}{}",
			self.id,
			self.kernel,
			self.bytes,
			self.program_url.as_ref().map(|u| format!(" at {u}")).unwrap_or_default(),
			self.macs_per_sample,
			self.owner.as_deref().unwrap_or("(genesis)"),
			fmt_aip(self.deposit),
			self.retired_at.map(|b| format!("  retired at {b}")).unwrap_or_default()
		)
	}
}

/// Every registered model.
pub async fn list(client: &Client) -> anyhow::Result<Vec<ModelView>> {
	let at = client.finalized().await?;
	let (models, urls) = tokio::try_join!(reads::models(&at), reads::program_urls(&at))?;
	let url_of = |id: &ModelId| urls.iter().find(|(u, _)| u == id).map(|(_, u)| u);
	Ok(models.iter().map(|(id, m)| ModelView::new(id, m, url_of(id))).collect())
}

/// How long the CLI waits for a program fetched by URL (plus a second per MiB).
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// The outcome of `aipin model register`.
#[derive(Debug, Serialize)]
pub struct Registered {
	pub model: ModelView,
	/// The block it was registered in, or `None` if it was registered already.
	pub block: Option<u64>,
}

/// Registers the model in `path` (compiling it if it is ONNX), unless it is registered
/// already: its program on chain, or, with `url`, off chain at `url` (which must serve exactly
/// the program: fetched and checked first, as every provider will).
pub async fn register(
	client: &Client,
	signer: &Keypair,
	path: &Path,
	url: Option<&str>,
) -> anyhow::Result<Registered> {
	let (program, bytes) = files::load_model(path)?;
	let id = id_of(&bytes);
	let at = client.finalized().await?;
	if let Some(m) = reads::model(&at, &id).await? {
		let remote = reads::program_url(&at, &id).await?;
		return Ok(Registered { model: ModelView::new(&id, &m, remote.as_ref()), block: None });
	}
	reads::ModelBounds::read(&at)?.check(bytes.len(), url).map_err(anyhow::Error::msg)?;
	let call = match url {
		None => calls::models::register(&bytes),
		Some(url) => {
			let summary = aipin_kernels::inference::task::summary(&program);
			let remote =
				programs::Remote { url: url.to_owned(), bytes: bytes.len() as u64, summary };
			if let Err((_, why)) = remote.fetch(id, FETCH_TIMEOUT, true).await? {
				anyhow::bail!(
					"{url} does not serve this program ({why}): serve the compiled program \
					 (`aipin model compile FILE -o FILE.aiq`), or providers would report every \
					 task of the model unusable"
				);
			}
			calls::models::register_by_url(&id, bytes.len() as u32, url.as_bytes(), &summary)
		},
	};
	let included = client.submit(signer, &call).await?;
	let ev = included
		.find::<events::models::ModelRegistered>()?
		.into_iter()
		.find(|e| e.model == id)
		.ok_or_else(|| anyhow::anyhow!("no ModelRegistered event for 0x{}", hex::encode(id)))?;
	let model = ModelView {
		id: hex0x(&id),
		kernel: ev.kernel,
		bytes: ev.bytes,
		macs_per_sample: ev.macs_per_sample,
		owner: ev.owner.as_ref().map(ss58),
		deposit: ev.deposit,
		retired_at: None,
		program_url: url.map(str::to_string),
	};
	Ok(Registered { model, block: Some(included.block) })
}

/// The outcome of `aipin infer`.
#[derive(Debug, Serialize)]
pub struct Inferred {
	pub model: String,
	pub batch: usize,
	pub submitted: Submitted,
	pub settled: Settlement,
	pub download: Download,
	/// The root of each layer's activations, as committed.
	pub layer_roots: Vec<String>,
	/// Per sample, the index of the largest output.
	pub argmax: Vec<usize>,
	#[serde(skip)]
	pub outputs: Vec<u8>,
	#[serde(skip)]
	pub program: Program,
}

/// The program of `model`: a file, or a registered model's id read from the chain.
async fn resolve(client: &Client, model: &str) -> anyhow::Result<(ModelId, Program)> {
	if let Some(id) = files::model_id_arg(model)? {
		let at = client.finalized().await?;
		let (program, _) = programs::load(&at, &id, FETCH_TIMEOUT, true).await?;
		return Ok((id, program));
	}
	let (program, bytes) = files::load_model(Path::new(model))?;
	Ok((id_of(&bytes), program))
}

/// The task input for a quantized batch: inline when it fits, else the `url`, whose content
/// must be exactly the batch.
async fn batch_input(batch: &[u8], url: Option<&str>) -> anyhow::Result<Input> {
	let Some(url) = url else {
		anyhow::ensure!(
			batch.len() <= crate::args::MAX_INLINE,
			"the quantized batch is {} bytes; inline inputs are at most 64 KiB: write it with \
			 --save-batch FILE, serve FILE over http(s) (or an IPFS gateway) and pass --url",
			batch.len()
		);
		return Ok(TaskInput::Inline(batch.to_vec().try_into().expect("unbounded")));
	};
	let served = aipin_client::http::get(url, batch.len() as u64, Duration::from_secs(120)).await?;
	anyhow::ensure!(
		served == batch,
		"{url} serves {} bytes that are not the quantized batch ({} bytes): serve the file \
		 --save-batch writes",
		served.len(),
		batch.len()
	);
	Ok(TaskInput::External {
		url: url.as_bytes().to_vec().try_into().expect("unbounded"),
		hash: sp_crypto_hashing::blake2_256(batch),
		size: batch.len() as u64,
	})
}

/// Quantizes `input` for `model` as its QuantizeLinear does (or takes int8/uint8 as it is).
pub async fn quantized_batch(
	client: &Client,
	model: &str,
	input: &Path,
) -> anyhow::Result<(ModelId, Program, usize, Vec<u8>)> {
	let (id, program) = resolve(client, model).await?;
	let (batch, x) = files::read_batch(&program, input)?;
	Ok((id, program, batch, x))
}

/// Runs a batch on the network: see the module docs. `progress` gets a line per task event.
pub async fn infer(
	client: &Client,
	signer: &Keypair,
	i: &InferArgs,
	progress: impl FnMut(u64, String),
) -> anyhow::Result<Inferred> {
	let (id, program, batch, x) = quantized_batch(client, &i.model, &i.input).await?;
	let at = client.finalized().await?;
	let m = reads::model(&at, &id).await?.ok_or_else(|| {
		anyhow::anyhow!(
			"model 0x{} is not registered: `aipin model register {}` first",
			hex::encode(id),
			i.model
		)
	})?;
	let t = NewTask {
		kernel: m.kernel,
		params: vec![u32::try_from(batch).map_err(|_| anyhow::anyhow!("batch too large"))?],
		input: batch_input(&x, i.url.as_deref()).await?,
		replication: i.terms.replication,
		max_price: i.terms.max_price,
		deadline_in: i.terms.deadline,
	};
	let submitted = task::submit(client, signer, &t).await?;
	let timeout = Duration::from_secs(i.terms.timeout);
	let settled = task::watch(client, submitted.task, timeout, progress).await?;
	anyhow::ensure!(
		settled.result_root.is_some(),
		"task {} ended {} without a result; paid {}, refunded {} credits",
		submitted.task,
		settled.outcome,
		settled.paid,
		settled.refunded
	);
	let (download, bytes) =
		task::fetch_result(client, submitted.task, i.endpoint.as_deref()).await?;
	let (outputs, roots) = split_result(&program, batch as u64, &bytes).ok_or_else(|| {
		anyhow::anyhow!("the verified result is {} bytes, not a result of this model", bytes.len())
	})?;
	Ok(Inferred {
		model: hex0x(&id),
		batch,
		argmax: files::argmax(&program, outputs),
		layer_roots: roots.iter().map(|r| hex0x(r)).collect(),
		outputs: outputs.to_vec(),
		submitted,
		settled,
		download,
		program,
	})
}

/// Top-1 accuracy of `argmax` against the labels in `path` (an integer `.npy`).
pub fn accuracy(argmax: &[usize], path: &Path) -> anyhow::Result<f64> {
	let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
	let labels: Vec<i64> = match npy::read(&bytes)?.data {
		npy::Data::U8(v) => v.into_iter().map(i64::from).collect(),
		npy::Data::I8(v) => v.into_iter().map(i64::from).collect(),
		npy::Data::I64(v) => v,
		npy::Data::F32(_) => {
			anyhow::bail!(
				"{}: labels must be integers (uint8, int8, int64 or int32)",
				path.display()
			)
		},
	};
	anyhow::ensure!(
		labels.len() == argmax.len(),
		"{}: {} labels for {} samples",
		path.display(),
		labels.len(),
		argmax.len()
	);
	let right = argmax.iter().zip(&labels).filter(|(a, l)| **a as i64 == **l).count();
	Ok(right as f64 / argmax.len().max(1) as f64)
}

/// `aipin infer`'s arguments.
#[derive(clap::Args)]
pub struct InferArgs {
	/// The model: an `.onnx` or `.aiq` file, or a registered model's `0x` id.
	pub model: String,
	/// The batch, `.npy` `[batch, ...]`: float32 (quantized as the model's QuantizeLinear
	/// does) or the model's int8/uint8 input type (used as it is).
	pub input: PathBuf,
	/// Write the outputs here (`.npy`, the model's 8-bit type or float32 with
	/// `--dequantize`).
	#[arg(long, short)]
	pub out: Option<PathBuf>,
	/// Write float32 outputs (dequantized with the output scale and zero point).
	#[arg(long)]
	pub dequantize: bool,
	/// Labels (`.npy`, uint8 or int8, one per sample): print the top-1 accuracy.
	#[arg(long)]
	pub labels: Option<PathBuf>,
	/// Providers fetch the batch from this http(s) URL (needed over 64 KiB); it must serve
	/// exactly the bytes `--save-batch` writes.
	#[arg(long)]
	pub url: Option<String>,
	/// Write the quantized batch (the task's input bytes) here and exit: serve it for
	/// `--url`.
	#[arg(long)]
	pub save_batch: Option<PathBuf>,
	/// Try this result server first (default: the endpoints of the agreeing providers).
	#[arg(long)]
	pub endpoint: Option<String>,
	#[command(flatten)]
	pub terms: Terms,
}

/// `aipin infer`: with `--save-batch`, writes the quantized batch (no signer needed);
/// otherwise runs it on the network as `signer` and prints what came back.
pub async fn infer_command(
	client: &Client,
	signer: Option<&Keypair>,
	a: &InferArgs,
	json: bool,
) -> anyhow::Result<()> {
	if let Some(path) = &a.save_batch {
		let (id, _, batch, x) = quantized_batch(client, &a.model, &a.input).await?;
		write_file(path, &x)?;
		let v = serde_json::json!({ "model": hex0x(&id), "batch": batch, "bytes": x.len() });
		return emit(json, &v, || {
			format!(
				"{batch} samples, {} bytes → {}; serve it and pass --url",
				x.len(),
				path.display()
			)
		});
	}
	let signer = signer.ok_or_else(|| anyhow::anyhow!("infer signs: give a signing account"))?;
	let r = infer(client, signer, a, |b, line| {
		if !json {
			eprintln!("  block {b}: {line}");
		}
	})
	.await?;
	if let Some(path) = &a.out {
		let arr = files::output_array(&r.program, r.batch, &r.outputs, a.dequantize);
		write_file(path, &npy::write(&arr))?;
	}
	let acc = a.labels.as_deref().map(|l| accuracy(&r.argmax, l)).transpose()?;
	let mut v = serde_json::to_value(&r)?;
	v["accuracy"] = serde_json::json!(acc);
	emit(json, &v, || {
		let shown: Vec<String> = r.argmax.iter().take(16).map(|c| c.to_string()).collect();
		let mut s = format!(
			"task {}: {} samples, {} in block {}; paid {} credits, refunded {}\n\
			 verified {} bytes from {} against the on-chain root {} ({} layer roots)\n\
			 argmax: {}{}",
			r.submitted.task,
			r.batch,
			r.settled.outcome,
			r.settled.block,
			r.settled.paid,
			r.settled.refunded,
			r.download.bytes,
			r.download.endpoint,
			r.download.root,
			r.layer_roots.len(),
			shown.join(" "),
			if r.argmax.len() > 16 { " …" } else { "" }
		);
		if let Some(acc) = acc {
			s.push_str(&format!("\naccuracy {:.2}% on {} labelled samples", acc * 100.0, r.batch));
		}
		if let Some(path) = &a.out {
			s.push_str(&format!("\noutputs → {}", path.display()));
		}
		s
	})
}
