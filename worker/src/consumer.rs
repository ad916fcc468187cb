//! The consumer side of the network, behind the `aipin` CLI: buying credits, submitting tasks
//! and following them to settlement, reading kernels, providers and the BME state, and
//! downloading results that are verified against the on-chain root before they are written.
//!
//! Every read goes through storage or the pallets' view functions, every write is a signed
//! extrinsic: exactly what any wallet or indexer can do.

use crate::chain::{self, Api, Phase, Reason};
use serde::Serialize;
use std::time::Duration;
use subxt::{
	dynamic::{self, Value},
	ext::{
		scale_decode::{self, DecodeAsType},
		scale_value,
	},
	utils::AccountId32,
};
use subxt_signer::sr25519::Keypair;

/// Planck per AIP (12 decimals).
pub const AIP: u128 = 1_000_000_000_000;

type Rpc = subxt::rpcs::LegacyRpcMethods<subxt::config::RpcConfigFor<subxt::SubstrateConfig>>;

/// A connection: the subxt client (what reads take, through `Deref`) and the legacy RPC
/// methods (for the pool-aware nonce).
pub struct Client {
	pub api: Api,
	rpc: Rpc,
}

impl std::ops::Deref for Client {
	type Target = Api;
	fn deref(&self) -> &Api {
		&self.api
	}
}

/// Connects to `url`, with an error that names the URL and the fix.
pub async fn connect(url: &str) -> anyhow::Result<Client> {
	let connect = async {
		let rpc = subxt::rpcs::RpcClient::from_insecure_url(url).await?;
		let api = Api::from_rpc_client(rpc.clone()).await?;
		Ok::<_, anyhow::Error>(Client { api, rpc: Rpc::new(rpc) })
	};
	match tokio::time::timeout(Duration::from_secs(30), connect).await {
		Ok(Ok(api)) => Ok(api),
		Ok(Err(e)) => Err(anyhow::anyhow!(
			"cannot reach the node at {url}: {e:#} (is it running? set --node or AIPIN_NODE)"
		)),
		Err(_) => Err(anyhow::anyhow!("the node at {url} did not answer within 30 s")),
	}
}

/// Parses an AIP amount (`"100"`, `"0.25"`) into planck.
pub fn parse_aip(s: &str) -> anyhow::Result<u128> {
	let bad = || anyhow::anyhow!("{s:?} is not an AIP amount (e.g. 100 or 0.25)");
	let (whole, frac) = s.trim().split_once('.').unwrap_or((s.trim(), ""));
	if whole.is_empty() && frac.is_empty() || frac.len() > 12 {
		return Err(bad());
	}
	let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
	let frac: u128 = if frac.is_empty() {
		0
	} else {
		frac.parse::<u128>().map_err(|_| bad())? * 10u128.pow(12 - frac.len() as u32)
	};
	whole.checked_mul(AIP).and_then(|w| w.checked_add(frac)).ok_or_else(bad)
}

/// Formats planck as AIP with up to 4 decimals (truncated).
pub fn fmt_aip(planck: u128) -> String {
	let whole = planck / AIP;
	let frac = format!("{:012}", planck % AIP);
	let frac = frac[..4].trim_end_matches('0');
	if frac.is_empty() {
		format!("{whole} AIP")
	} else {
		format!("{whole}.{frac} AIP")
	}
}

pub fn ss58(id: &[u8; 32]) -> String {
	AccountId32(*id).to_string()
}

/// Signs `pallet.call(args)` with `signer`, waits until it is finalized, and returns its
/// events; a failed dispatch comes back as an error naming the pallet error.
pub async fn submit(
	api: &Client,
	signer: &Keypair,
	pallet: &str,
	call: &str,
	args: Vec<Value>,
) -> anyhow::Result<(u64, subxt::extrinsics::ExtrinsicEvents<subxt::SubstrateConfig>)> {
	let tx = dynamic::transaction(pallet, call, args);
	// The pool-aware next nonce, so that several submissions from one account in a row (or
	// from several processes) do not collide on the nonce of the last finalized block.
	let nonce = api
		.rpc
		.system_account_next_index(&signer.public_key().to_account_id())
		.await
		.map_err(|e| anyhow::anyhow!("reading the signer's nonce: {e}"))?;
	let params = subxt::config::DefaultExtrinsicParamsBuilder::<subxt::SubstrateConfig>::new()
		.nonce(nonce)
		.build();
	let progress = api
		.at_current_block()
		.await?
		.transactions()
		.sign_and_submit_then_watch(&tx, signer, params)
		.await
		.map_err(|e| anyhow::anyhow!("{pallet}.{call} was refused by the node: {e}"))?;
	let in_block = progress
		.wait_for_finalized()
		.await
		.map_err(|e| anyhow::anyhow!("{pallet}.{call} was not finalized: {e}"))?;
	let block = in_block.block_hash();
	let events = in_block
		.wait_for_success()
		.await
		.map_err(|e| anyhow::anyhow!("{pallet}.{call} failed: {e}"))?;
	let number = api.at_block(block).await?.block_number();
	Ok((number, events))
}

/// Free and reserved credits of `who`.
pub async fn credits_of(api: &Api, who: &[u8; 32]) -> anyhow::Result<(u128, u128)> {
	chain::view(api, None, "Bme", "credits_of", (*who,)).await
}

/// The result of `credits buy`.
#[derive(Debug, Serialize)]
pub struct Purchase {
	pub block: u64,
	pub tokens: u128,
	pub credits: u128,
	/// Nano-USD per AIP used.
	pub price: u128,
	pub free_credits: u128,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct CreditsPurchased {
	tokens: u128,
	credits: u128,
	price: u128,
}

/// Burns `tokens` planck for credits (at least `min_credits`).
pub async fn buy_credits(
	api: &Client,
	signer: &Keypair,
	tokens: u128,
	min_credits: u128,
) -> anyhow::Result<Purchase> {
	let (block, events) = submit(
		api,
		signer,
		"Bme",
		"buy_credits",
		vec![Value::u128(tokens), Value::u128(min_credits)],
	)
	.await?;
	let e = events
		.iter()
		.filter_map(Result::ok)
		.find(|e| e.pallet_name() == "Bme" && e.event_name() == "CreditsPurchased")
		.ok_or_else(|| anyhow::anyhow!("no CreditsPurchased event"))?
		.decode_fields_unchecked_as::<CreditsPurchased>()?;
	let (free, _) = credits_of(api, &signer.public_key().0).await?;
	Ok(Purchase { block, tokens: e.tokens, credits: e.credits, price: e.price, free_credits: free })
}

/// A registered kernel.
#[derive(Clone, Debug, Serialize)]
pub struct Kernel {
	pub id: u32,
	pub name: String,
	pub version: u32,
	pub wgsl_hash: String,
	pub max_params: Vec<u32>,
	pub min_vram_mib: u32,
	pub deterministic: bool,
	pub deprecated: bool,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct KernelSpecView {
	name: Vec<u8>,
	version: u32,
	wgsl_hash: [u8; 32],
	max_params: Vec<u32>,
	min_vram_mib: u32,
	deterministic: bool,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct KernelInfoView {
	spec: KernelSpecView,
	deprecated: bool,
}

/// Every registered kernel, by id.
pub async fn kernels(api: &Api) -> anyhow::Result<Vec<Kernel>> {
	let at = api.at_current_block().await?;
	let addr = dynamic::storage::<(u32,), KernelInfoView>("Escrow", "Kernels");
	let mut entries = at.storage().iter(addr, ()).await?;
	let mut out = Vec::new();
	while let Some(kv) = entries.next().await {
		let kv = kv?;
		let (id,) = kv.key()?.decode()?;
		let k = kv.value().decode_as::<KernelInfoView>()?;
		out.push(Kernel {
			id,
			name: String::from_utf8_lossy(&k.spec.name).into_owned(),
			version: k.spec.version,
			wgsl_hash: format!("0x{}", hex::encode(k.spec.wgsl_hash)),
			max_params: k.spec.max_params,
			min_vram_mib: k.spec.min_vram_mib,
			deterministic: k.spec.deterministic,
			deprecated: k.deprecated,
		});
	}
	out.sort_by_key(|k| k.id);
	Ok(out)
}

/// Finds a kernel by id or name (the newest non-deprecated version of a name).
pub async fn resolve_kernel(api: &Api, which: &str) -> anyhow::Result<Kernel> {
	let all = kernels(api).await?;
	let found = match which.parse::<u32>() {
		Ok(id) => all.iter().find(|k| k.id == id),
		Err(_) => all.iter().filter(|k| k.name == which && !k.deprecated).max_by_key(|k| k.version),
	};
	found.cloned().ok_or_else(|| {
		let names: Vec<String> = all.iter().map(|k| format!("{} ({})", k.name, k.id)).collect();
		anyhow::anyhow!("unknown kernel {which:?}; the chain registers: {}", names.join(", "))
	})
}

/// What `Escrow::quote` says a task costs.
#[derive(Clone, Copy, Debug, Serialize, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct Quote {
	pub work_units: u64,
	pub escrow: u128,
	pub input_bytes: u64,
	pub output_bytes: u64,
}

/// Quotes a task; the error names the pallet's reason (bad parameters, …).
pub async fn quote(
	api: &Api,
	kernel: u32,
	params: &[u32],
	replication: u8,
	max_price: u128,
) -> anyhow::Result<Quote> {
	#[derive(DecodeAsType)]
	#[decode_as_type(crate_path = "scale_decode")]
	enum QuoteResult {
		Ok(Quote),
		Err(scale_value::Value),
	}
	match chain::view::<_, QuoteResult>(
		api,
		None,
		"Escrow",
		"quote",
		(kernel, params.to_vec(), replication, max_price),
	)
	.await?
	{
		QuoteResult::Ok(q) => Ok(q),
		QuoteResult::Err(e) => Err(anyhow::anyhow!("the chain refuses this task: {e}")),
	}
}

/// Where a task's input comes from.
#[derive(Clone, Debug)]
pub enum Input {
	/// Bytes carried on chain.
	Inline(Vec<u8>),
	/// Generated from a seed by `aipin_primitives::seeded_stream`.
	Seeded([u8; 32]),
	/// Fetched by providers from `url`; `hash` = `blake2_256` of the content.
	External { url: String, hash: [u8; 32], size: u64 },
}

impl Input {
	fn value(&self) -> Value {
		match self {
			Input::Inline(b) => Value::unnamed_variant("Inline", [Value::from_bytes(b)]),
			Input::Seeded(s) => Value::named_variant("Seeded", [("seed", Value::from_bytes(s))]),
			Input::External { url, hash, size } => Value::named_variant(
				"External",
				[
					("url", Value::from_bytes(url.as_bytes())),
					("hash", Value::from_bytes(hash)),
					("size", Value::u128(*size as u128)),
				],
			),
		}
	}
}

/// A task to submit.
#[derive(Clone, Debug)]
pub struct NewTask {
	pub kernel: u32,
	pub params: Vec<u32>,
	pub input: Input,
	pub replication: u8,
	/// Credits per work unit, at most.
	pub max_price: u128,
	/// Blocks from now until the deadline.
	pub deadline_in: u32,
}

/// The result of a submission.
#[derive(Debug, Serialize)]
pub struct Submitted {
	pub task: u64,
	pub block: u64,
	pub work_units: u64,
	pub escrow: u128,
	pub deadline: u64,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct TaskSubmittedEvent {
	task: u64,
	work_units: u64,
	escrow: u128,
}

/// Submits `t` signed by `signer`, after checking the quote and the signer's credits so the
/// common mistakes get a clear error before anything is signed.
pub async fn submit_task(api: &Client, signer: &Keypair, t: &NewTask) -> anyhow::Result<Submitted> {
	let q = quote(api, t.kernel, &t.params, t.replication, t.max_price).await?;
	let given = match &t.input {
		Input::Inline(b) => Some(b.len() as u64),
		Input::External { size, .. } => Some(*size),
		Input::Seeded(_) => None,
	};
	if let Some(n) = given {
		anyhow::ensure!(
			n == q.input_bytes,
			"the input is {n} bytes; kernel {} with parameters {:?} takes exactly {}",
			t.kernel,
			t.params,
			q.input_bytes
		);
	}
	let (free, _) = credits_of(api, &signer.public_key().0).await?;
	anyhow::ensure!(
		free >= q.escrow,
		"not enough credits: the task escrows {} (work units {} × max price {} × replication {}), \
		 the account has {free}; buy some with `aipin credits buy <AIP>`",
		q.escrow,
		q.work_units,
		t.max_price,
		t.replication
	);
	let now = api.at_current_block().await?.block_number();
	let deadline = now + t.deadline_in as u64;
	let (block, events) = submit(
		api,
		signer,
		"Escrow",
		"submit_task",
		vec![
			Value::u128(t.kernel as u128),
			Value::unnamed_composite(t.params.iter().map(|p| Value::u128(*p as u128))),
			t.input.value(),
			Value::u128(t.replication as u128),
			Value::u128(t.max_price),
			Value::u128(deadline as u128),
		],
	)
	.await?;
	let e = events
		.iter()
		.filter_map(Result::ok)
		.find(|e| e.pallet_name() == "Escrow" && e.event_name() == "TaskSubmitted")
		.ok_or_else(|| anyhow::anyhow!("no TaskSubmitted event"))?
		.decode_fields_unchecked_as::<TaskSubmittedEvent>()?;
	Ok(Submitted { task: e.task, block, work_units: e.work_units, escrow: e.escrow, deadline })
}

/// A provider's place in a task.
#[derive(Clone, Debug, Serialize)]
pub struct Slot {
	pub provider: String,
	pub role: String,
	pub state: String,
}

/// A task as the chain has it.
#[derive(Clone, Debug, Serialize)]
pub struct TaskState {
	pub task: u64,
	pub consumer: String,
	pub kernel: u32,
	pub params: Vec<u32>,
	pub replication: u8,
	pub max_price: u128,
	pub work_units: u64,
	pub output_bytes: u64,
	pub escrow: u128,
	pub submitted_at: u32,
	pub deadline: u32,
	/// `Queued`, `Commit`, `Reveal` or `Finished`.
	pub phase: String,
	/// Block the current phase ends (or ended, when finished).
	pub phase_block: u32,
	/// The terminal reason, once finished.
	pub outcome: Option<String>,
	pub result_root: Option<String>,
	pub slots: Vec<Slot>,
	#[serde(skip)]
	pub root: Option<[u8; 32]>,
	#[serde(skip)]
	pub providers: Vec<[u8; 32]>,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct AssignmentView {
	provider: [u8; 32],
	role: scale_value::Value,
	state: chain::Slot,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct TaskView {
	consumer: [u8; 32],
	kernel: u32,
	params: Vec<u32>,
	replication: u8,
	max_price: u128,
	work_units: u64,
	output_bytes: u64,
	escrow: u128,
	submitted_at: u32,
	deadline: u32,
	phase: Phase,
	assignments: Vec<AssignmentView>,
	result_root: Option<[u8; 32]>,
}

fn variant_name(v: &scale_value::Value) -> String {
	match &v.value {
		scale_value::ValueDef::Variant(var) => var.name.clone(),
		_ => format!("{v}"),
	}
}

/// Reads task `id` at the latest finalized block (`None` if unknown or pruned).
pub async fn task(api: &Api, id: u64) -> anyhow::Result<Option<TaskState>> {
	let t: Option<TaskView> = chain::view(api, None, "Escrow", "task", (id,)).await?;
	Ok(t.map(|t| {
		let (phase, phase_block, outcome) = match t.phase {
			Phase::Queued { expires } => ("Queued", expires, None),
			Phase::Commit { ends } => ("Commit", ends, None),
			Phase::Reveal { ends } => ("Reveal", ends, None),
			Phase::Finished { reason, at } => ("Finished", at, Some(format!("{reason:?}"))),
		};
		TaskState {
			task: id,
			consumer: ss58(&t.consumer),
			kernel: t.kernel,
			params: t.params,
			replication: t.replication,
			max_price: t.max_price,
			work_units: t.work_units,
			output_bytes: t.output_bytes,
			escrow: t.escrow,
			submitted_at: t.submitted_at,
			deadline: t.deadline,
			phase: phase.to_string(),
			phase_block,
			outcome,
			result_root: t.result_root.map(|r| format!("0x{}", hex::encode(r))),
			root: t.result_root,
			providers: t.assignments.iter().map(|a| a.provider).collect(),
			slots: t
				.assignments
				.iter()
				.map(|a| Slot {
					provider: ss58(&a.provider),
					role: variant_name(&a.role),
					state: match a.state {
						chain::Slot::Assigned => "Assigned".into(),
						chain::Slot::Committed(_) => "Committed".into(),
						chain::Slot::Revealed(r) => format!("Revealed 0x{}", hex::encode(r)),
						chain::Slot::Faulted(o) => format!("Faulted ({o:?})"),
					},
				})
				.collect(),
		}
	}))
}

/// How a task ended, from its `TaskFinished` event.
#[derive(Debug, Serialize)]
pub struct Settlement {
	pub task: u64,
	pub block: u64,
	pub outcome: String,
	pub result_root: Option<String>,
	/// Credits paid to providers.
	pub paid: u128,
	/// Credits returned to the consumer.
	pub refunded: u128,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct TaskFinishedEvent {
	task: u64,
	reason: Reason,
	result_root: Option<[u8; 32]>,
	paid: u128,
	refunded: u128,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct TaskOnly {
	task: u64,
}

/// Follows finalized blocks from now until task `id` finishes (or `timeout` passes), calling
/// `progress` with a line for each of the task's events.
pub async fn watch(
	api: &Api,
	id: u64,
	timeout: Duration,
	mut progress: impl FnMut(u64, String),
) -> anyhow::Result<Settlement> {
	// Finished before we started watching: read the event from its block.
	if let Some(t) = task(api, id).await? {
		if t.phase == "Finished" {
			if let Some(s) = finished_in_block(api, id, t.phase_block as u64).await? {
				return Ok(s);
			}
		}
	} else {
		anyhow::bail!("task {id} is unknown (never submitted, or pruned after settlement)");
	}
	let follow = async {
		let mut blocks = api.stream_blocks().await?;
		while let Some(block) = blocks.next().await {
			let block = block?;
			let number = block.number();
			let events = api.at_block(block.hash()).await?.events().fetch().await?;
			for ev in events.iter().filter_map(Result::ok) {
				if ev.pallet_name() != "Escrow" {
					continue;
				}
				let Ok(TaskOnly { task }) = ev.decode_fields_unchecked_as::<TaskOnly>() else {
					continue;
				};
				if task != id {
					continue;
				}
				if ev.event_name() == "TaskFinished" {
					let f = ev.decode_fields_unchecked_as::<TaskFinishedEvent>()?;
					return Ok(settlement(number, f));
				}
				let fields = ev
					.decode_fields_unchecked_as::<scale_value::Composite<()>>()
					.map(|c| describe(&c))
					.unwrap_or_default();
				progress(number, format!("{}{fields}", ev.event_name()));
			}
		}
		anyhow::bail!("the node stopped streaming blocks")
	};
	tokio::time::timeout(timeout, follow).await.map_err(|_| {
		anyhow::anyhow!(
			"task {id} did not finish within {} s; `aipin task show {id}`",
			timeout.as_secs()
		)
	})?
}

fn settlement(block: u64, f: TaskFinishedEvent) -> Settlement {
	Settlement {
		task: f.task,
		block,
		outcome: format!("{:?}", f.reason),
		result_root: f.result_root.map(|r| format!("0x{}", hex::encode(r))),
		paid: f.paid,
		refunded: f.refunded,
	}
}

/// The `TaskFinished` event of `id` in block `number`, if there.
async fn finished_in_block(api: &Api, id: u64, number: u64) -> anyhow::Result<Option<Settlement>> {
	let Ok(at) = api.at_block(number).await else { return Ok(None) };
	for ev in at.events().fetch().await?.iter().filter_map(Result::ok) {
		if ev.pallet_name() == "Escrow" && ev.event_name() == "TaskFinished" {
			let f = ev.decode_fields_unchecked_as::<TaskFinishedEvent>()?;
			if f.task == id {
				return Ok(Some(settlement(number, f)));
			}
		}
	}
	Ok(None)
}

/// Event fields other than the task id, accounts shortened, for progress lines.
fn describe(c: &scale_value::Composite<()>) -> String {
	let scale_value::Composite::Named(fields) = c else { return String::new() };
	let mut parts = Vec::new();
	for (name, v) in fields {
		if name == "task" {
			continue;
		}
		parts.push(format!("{name}: {}", short(v)));
	}
	if parts.is_empty() {
		String::new()
	} else {
		format!(" ({})", parts.join(", "))
	}
}

/// Field `name` of a composite with named fields (an event's fields, say).
pub fn field<'a>(
	c: &'a scale_value::Composite<()>,
	name: &str,
) -> Option<&'a scale_value::Value<()>> {
	match c {
		scale_value::Composite::Named(fs) => fs.iter().find(|(n, _)| n == name).map(|(_, v)| v),
		_ => None,
	}
}

/// The 32 bytes of an account id or hash, however deeply wrapped (`AccountId32([u8; 32])`
/// decodes as a composite in a composite), or `None` if `v` is not exactly 32 bytes.
pub fn bytes32(v: &scale_value::Value<()>) -> Option<[u8; 32]> {
	fn walk(v: &scale_value::Value<()>, out: &mut Vec<u8>) -> Option<()> {
		match &v.value {
			scale_value::ValueDef::Composite(c) => c.values().try_for_each(|v| walk(v, out)),
			scale_value::ValueDef::Primitive(scale_value::Primitive::U128(b)) => {
				out.push(u8::try_from(*b).ok()?);
				(out.len() <= 32).then_some(())
			},
			_ => None,
		}
	}
	let mut out = Vec::with_capacity(32);
	walk(v, &mut out)?;
	out.try_into().ok()
}

fn short(v: &scale_value::Value<()>) -> String {
	use scale_value::{Composite, ValueDef};
	// A newtype (an account id wraps its bytes): look inside.
	if let ValueDef::Composite(Composite::Unnamed(items)) = &v.value {
		if items.len() == 1 && matches!(items[0].value, ValueDef::Composite(_)) {
			return short(&items[0]);
		}
	}
	// 32-byte arrays are accounts or hashes: SS58-free short hex keeps lines readable.
	if let Some(b) = bytes32(v) {
		return format!("0x{}…", hex::encode(&b[..4]));
	}
	if let ValueDef::Composite(Composite::Unnamed(items)) = &v.value {
		if items.iter().all(|i| matches!(i.value, ValueDef::Composite(_))) && !items.is_empty() {
			return format!("[{}]", items.iter().map(short).collect::<Vec<_>>().join(", "));
		}
	}
	match &v.value {
		ValueDef::Variant(var) => var.name.clone(),
		_ => format!("{v}"),
	}
}

/// A registered provider.
#[derive(Debug, Serialize)]
pub struct Provider {
	pub stash: String,
	pub operator: String,
	pub endpoint: String,
	pub stake: u128,
	pub status: String,
	pub kernels: Vec<u32>,
	pub ask_price: u128,
	pub throughput: u64,
	pub reputation_ppm: u32,
	pub last_heartbeat: u32,
	pub jailed_until: Option<u32>,
	#[serde(skip)]
	pub stash_id: [u8; 32],
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct ProfileView {
	throughput: u64,
	kernels: Vec<u32>,
	ask_price: u128,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct ReputationView {
	value: u32,
}

#[derive(DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
struct ProviderView {
	operator: [u8; 32],
	profile: ProfileView,
	endpoint: Vec<u8>,
	active: u128,
	status: scale_value::Value,
	last_heartbeat: u32,
	reputation: ReputationView,
	jailed_until: Option<u32>,
}

/// Every registered provider.
pub async fn providers(api: &Api) -> anyhow::Result<Vec<Provider>> {
	let at = api.at_current_block().await?;
	let addr = dynamic::storage::<([u8; 32],), ProviderView>("Staking", "Providers");
	let mut entries = at.storage().iter(addr, ()).await?;
	let mut out = Vec::new();
	while let Some(kv) = entries.next().await {
		let kv = kv?;
		let (stash,) = kv.key()?.decode()?;
		let p = kv.value().decode_as::<ProviderView>()?;
		out.push(Provider {
			stash: ss58(&stash),
			operator: ss58(&p.operator),
			endpoint: String::from_utf8_lossy(&p.endpoint).into_owned(),
			stake: p.active,
			status: variant_name(&p.status),
			kernels: p.profile.kernels,
			ask_price: p.profile.ask_price,
			throughput: p.profile.throughput,
			reputation_ppm: p.reputation.value,
			last_heartbeat: p.last_heartbeat,
			jailed_until: p.jailed_until,
			stash_id: stash,
		});
	}
	out.sort_by(|a, b| a.stash.cmp(&b.stash));
	Ok(out)
}

/// The BME state.
#[derive(Debug, Serialize, DecodeAsType)]
#[decode_as_type(crate_path = "scale_decode")]
pub struct BmeTotals {
	pub burned_for_credits: u128,
	pub burned_by_slashing: u128,
	pub burned_fees: u128,
	pub minted: u128,
	pub credits_issued: u128,
	pub credits_spent: u128,
	pub credits_outstanding: u128,
}

#[derive(Debug, Serialize)]
pub struct BmeStats {
	#[serde(flatten)]
	pub totals: BmeTotals,
	pub epoch: u32,
	/// Nano-USD per AIP, if the oracle has a fresh price.
	pub price: Option<u128>,
	pub total_issuance: u128,
}

pub async fn bme_stats(api: &Api) -> anyhow::Result<BmeStats> {
	let (totals, epoch, price): (BmeTotals, u32, Option<u128>) =
		chain::view(api, None, "Bme", "bme_stats", ()).await?;
	let at = api.at_current_block().await?;
	let issuance = at
		.storage()
		.fetch(dynamic::storage::<(), u128>("Balances", "TotalIssuance"), ())
		.await?
		.decode()?;
	Ok(BmeStats { totals, epoch, price, total_issuance: issuance })
}

/// The outcome of `task result`.
#[derive(Debug, Serialize)]
pub struct Download {
	pub task: u64,
	pub provider: String,
	pub endpoint: String,
	pub bytes: u64,
	pub chunks: u32,
	pub root: String,
}

/// Downloads task `id`'s output from a provider that holds the accepted result, checks that
/// its Merkle root over 4 KiB chunks is the on-chain root (which checks every chunk), and
/// returns it. Providers are tried in turn: `endpoint` first if given, then every provider
/// that revealed the accepted root.
pub async fn fetch_result(
	api: &Api,
	id: u64,
	endpoint: Option<&str>,
) -> anyhow::Result<(Download, Vec<u8>)> {
	let t = task(api, id).await?.ok_or_else(|| anyhow::anyhow!("task {id} is unknown"))?;
	let root = t.root.ok_or_else(|| {
		anyhow::anyhow!(
			"task {id} has no accepted result (phase {}, outcome {})",
			t.phase,
			t.outcome.clone().unwrap_or_else(|| "pending".into())
		)
	})?;
	let registered = providers(api).await?;
	let mut candidates: Vec<(String, String)> = Vec::new();
	if let Some(e) = endpoint {
		candidates.push(("(given)".into(), e.trim_end_matches('/').to_string()));
	}
	for (slot, stash) in t.slots.iter().zip(&t.providers) {
		if slot.state != format!("Revealed 0x{}", hex::encode(root)) {
			continue;
		}
		if let Some(p) = registered.iter().find(|p| &p.stash_id == stash) {
			candidates.push((p.stash.clone(), p.endpoint.trim_end_matches('/').to_string()));
		}
	}
	anyhow::ensure!(!candidates.is_empty(), "no provider endpoint holds task {id}'s result");
	let limit = t.output_bytes;
	let mut errors = Vec::new();
	for (provider, base) in candidates {
		let url = format!("{base}/results/{id}");
		match crate::http::get(&url, limit, Duration::from_secs(120)).await {
			Ok(bytes) if crate::merkle::root(&bytes) == root => {
				let download = Download {
					task: id,
					provider,
					endpoint: base,
					bytes: bytes.len() as u64,
					chunks: crate::merkle::chunk_count(bytes.len() as u64),
					root: format!("0x{}", hex::encode(root)),
				};
				return Ok((download, bytes));
			},
			Ok(bytes) => errors.push(format!(
				"{url}: {} bytes whose root 0x{} is not the on-chain root",
				bytes.len(),
				hex::encode(crate::merkle::root(&bytes))
			)),
			Err(e) => errors.push(e.to_string()),
		}
	}
	anyhow::bail!("no verified copy of task {id}'s result:\n  {}", errors.join("\n  "))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn aip_amounts_parse_and_print() {
		assert_eq!(parse_aip("100").unwrap(), 100 * AIP);
		assert_eq!(parse_aip("0.25").unwrap(), AIP / 4);
		assert_eq!(parse_aip(".5").unwrap(), AIP / 2);
		assert_eq!(parse_aip("1.000000000001").unwrap(), AIP + 1);
		for bad in ["", ".", "abc", "1.2.3", "-1", "1.0000000000001", "1e3"] {
			assert!(parse_aip(bad).is_err(), "{bad:?}");
		}
		assert_eq!(fmt_aip(100 * AIP), "100 AIP");
		assert_eq!(fmt_aip(AIP / 4), "0.25 AIP");
		assert_eq!(fmt_aip(1), "0 AIP");
		assert_eq!(fmt_aip(12_345_678 * AIP / 1000), "12345.678 AIP");
	}
}
