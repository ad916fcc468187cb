//! Tasks as a consumer sees them: submitting with the checks that catch common mistakes
//! before anything is signed, following a task to settlement, and downloading its result
//! verified against the on-chain root.

use aipin_client::{
	calls,
	events::{self, escrow::TaskFinished, ChainEvent},
	http::FetchError,
	reads::{self, Input},
	units::{fmt_price, hex0x, ss58},
	verify, AccountId, Client, Keypair,
};
use aipin_primitives::{Phase, Role, SlotState, TaskId, TaskInput};
use serde::Serialize;
use std::time::Duration;

/// A task to submit.
#[derive(Clone, Debug)]
pub struct NewTask {
	pub kernel: u32,
	pub params: Vec<u32>,
	pub input: Input,
	pub replication: u8,
	/// Credits per `Escrow.PriceUnit` work units, at most.
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
	/// Of the escrow, the `SubmissionDeposit`: refunded unless the providers report the input
	/// unusable or the task is cancelled after assignment.
	pub deposit: u128,
	pub deadline: u64,
}

/// Submits `t` signed by `signer`, after checking the call's decode-time bounds (from
/// metadata), the quote and the signer's credits, so the common mistakes get a clear error
/// before anything is signed.
pub async fn submit(client: &Client, signer: &Keypair, t: &NewTask) -> anyhow::Result<Submitted> {
	let at = client.finalized().await?;
	reads::SubmitBounds::read(&at)?
		.check(&t.params, &t.input)
		.map_err(|e| anyhow::anyhow!("the chain cannot take this task: {e}"))?;
	let q = reads::quote(&at, t.kernel, &t.params, t.replication, t.max_price)
		.await?
		.map_err(|e| anyhow::anyhow!("the chain refuses this task: {e}"))?;
	let given = match &t.input {
		TaskInput::Inline(b) => Some(b.len() as u64),
		TaskInput::External { size, .. } => Some(*size),
		TaskInput::Seeded { .. } => None,
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
	let (free, _) = reads::credits_of(&at, &aipin_client::account_of(signer)).await?;
	let deposit: u128 = reads::constant(at.metadata_ref(), "Escrow", "SubmissionDeposit")?;
	anyhow::ensure!(
		free >= q.escrow,
		"not enough credits: the task escrows {} ({} work units at most {} for each of {} \
		 replicas, rounded up to whole credits, plus a deposit of {deposit} refunded unless your \
		 input is reported unusable or you cancel after assignment), the account has {free}; \
		 buy some with `aipin credits buy <AIP>`",
		q.escrow,
		q.work_units,
		fmt_price(t.max_price, reads::price_unit(&at)?),
		t.replication
	);
	let deadline = at.block_number() + t.deadline_in as u64;
	let call = calls::escrow::submit_task(
		t.kernel,
		&t.params,
		&t.input,
		t.replication,
		t.max_price,
		u32::try_from(deadline).map_err(|_| anyhow::anyhow!("deadline past u32 blocks"))?,
	);
	let included = client.submit(signer, &call).await?;
	let e = included
		.find::<events::escrow::TaskSubmitted>()?
		.pop()
		.ok_or_else(|| anyhow::anyhow!("no TaskSubmitted event"))?;
	Ok(Submitted {
		task: e.task,
		block: included.block,
		work_units: e.work_units,
		escrow: e.escrow,
		deposit,
		deadline,
	})
}

/// A provider's place in a task.
#[derive(Clone, Debug, Serialize)]
pub struct Slot {
	pub provider: String,
	pub role: String,
	pub state: String,
}

/// A task as the chain has it, for people and `--json`.
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
}

impl TaskState {
	fn new(task: TaskId, t: reads::Task) -> Self {
		let (phase, phase_block, outcome) = match t.phase {
			Phase::Queued { expires } => ("Queued", expires, None),
			Phase::Commit { ends } => ("Commit", ends, None),
			Phase::Reveal { ends } => ("Reveal", ends, None),
			Phase::Finished { reason, at } => ("Finished", at, Some(format!("{reason:?}"))),
		};
		Self {
			task,
			consumer: ss58(&t.consumer),
			kernel: t.kernel,
			params: t.params.to_vec(),
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
			result_root: t.result_root.map(|r| hex0x(&r)),
			slots: t
				.assignments
				.iter()
				.map(|a| Slot {
					provider: ss58(&a.provider),
					role: match a.role {
						Role::Replica => "Replica".into(),
						Role::TieBreaker => "TieBreaker".into(),
					},
					state: match a.state {
						SlotState::Assigned => "Assigned".into(),
						SlotState::Committed(_) => "Committed".into(),
						SlotState::Revealed(r) => format!("Revealed {}", hex0x(&r)),
						SlotState::Faulted(o) => format!("Faulted ({o:?})"),
						SlotState::InputRefused(f) => format!("Reported the input ({f:?})"),
					},
				})
				.collect(),
		}
	}

	/// Lines for people.
	pub fn describe(&self) -> String {
		let mut s = format!(
			"task {}  kernel {} {:?}  r = {}  max price {}  work units {}\n  consumer {}\n  phase {} \
			 (block {}){}  deadline {}  escrow {} credits\n",
			self.task,
			self.kernel,
			self.params,
			self.replication,
			self.max_price,
			self.work_units,
			self.consumer,
			self.phase,
			self.phase_block,
			self.outcome.as_ref().map(|o| format!(": {o}")).unwrap_or_default(),
			self.deadline,
			self.escrow
		);
		if let Some(r) = &self.result_root {
			s.push_str(&format!("  result root {r} ({} bytes)\n", self.output_bytes));
		}
		for slot in &self.slots {
			s.push_str(&format!("  {:<10} {}  {}\n", slot.role, slot.provider, slot.state));
		}
		s.trim_end().to_string()
	}
}

/// Task `id` at the latest finalized block (`None` if unknown or pruned).
pub async fn show(client: &Client, id: TaskId) -> anyhow::Result<Option<TaskState>> {
	let at = client.finalized().await?;
	Ok(reads::task(&at, id).await?.map(|t| TaskState::new(id, t)))
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

impl Settlement {
	fn new(block: u64, f: TaskFinished) -> Self {
		Self {
			task: f.task,
			block,
			outcome: format!("{:?}", f.reason),
			result_root: f.result_root.map(|r| hex0x(&r)),
			paid: f.paid,
			refunded: f.refunded,
		}
	}
}

/// The `TaskFinished` event of `id` in finalized block `number`, if there.
async fn finished_in_block(
	client: &Client,
	id: TaskId,
	number: u64,
) -> anyhow::Result<Option<Settlement>> {
	let Ok(at) = client.at_number(number).await else { return Ok(None) };
	let md = at.metadata();
	let evs = events::of_block(&at).await?;
	Ok(events::find::<TaskFinished>(evs.iter(), &md)?
		.into_iter()
		.find(|f| f.task == id)
		.map(|f| Settlement::new(number, f)))
}

/// Follows finalized blocks from now until task `id` finishes (or `timeout` passes), calling
/// `progress` with a line for each of the task's other events.
pub async fn watch(
	client: &Client,
	id: TaskId,
	timeout: Duration,
	mut progress: impl FnMut(u64, String),
) -> anyhow::Result<Settlement> {
	match show(client, id).await? {
		// Finished before we started watching: read the event from its block.
		Some(t) if t.phase == "Finished" => {
			if let Some(s) = finished_in_block(client, id, t.phase_block as u64).await? {
				return Ok(s);
			}
		},
		Some(_) => {},
		None => anyhow::bail!("task {id} is unknown (never submitted, or pruned after settlement)"),
	}
	let follow = async {
		let mut blocks = client.api().stream_blocks().await?;
		while let Some(block) = blocks.next().await {
			let block = block?;
			let number = block.number();
			let at = client.at(block.hash()).await?;
			let md = at.metadata();
			let evs = events::of_block(&at).await?;
			for ev in evs.iter() {
				let ev = ev?;
				if ev.pallet_name() != TaskFinished::PALLET {
					continue;
				}
				// Every escrow event but `TaskPruned` names its task first.
				let Ok(task) = <TaskId as codec::Decode>::decode(&mut ev.field_bytes()) else {
					continue;
				};
				if task != id {
					continue;
				}
				if let Some(f) = TaskFinished::from_event(&ev, &md) {
					return Ok(Settlement::new(number, f?));
				}
				progress(number, format!("{}{}", ev.event_name(), crate::output::fields(&ev)));
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
	client: &Client,
	id: TaskId,
	endpoint: Option<&str>,
) -> anyhow::Result<(Download, Vec<u8>)> {
	let at = client.finalized().await?;
	let t = reads::task(&at, id).await?.ok_or_else(|| anyhow::anyhow!("task {id} is unknown"))?;
	let root = t.result_root.ok_or_else(|| {
		let state = TaskState::new(id, t.clone());
		anyhow::anyhow!(
			"task {id} has no accepted result (phase {}, outcome {})",
			state.phase,
			state.outcome.unwrap_or_else(|| "pending".into())
		)
	})?;
	let mut candidates: Vec<(String, String)> = Vec::new();
	if let Some(e) = endpoint {
		candidates.push(("(given)".into(), e.trim_end_matches('/').to_string()));
	}
	let holders: Vec<&AccountId> = t
		.assignments
		.iter()
		.filter(|a| a.state == SlotState::Revealed(root))
		.map(|a| &a.provider)
		.collect();
	for stash in holders {
		if let Some(p) = reads::provider(&at, stash).await? {
			let base = String::from_utf8_lossy(&p.endpoint).trim_end_matches('/').to_string();
			candidates.push((ss58(stash), base));
		}
	}
	anyhow::ensure!(!candidates.is_empty(), "no provider endpoint holds task {id}'s result");
	// A worker serves a result only once it has seen the task settle in a finalized block, so
	// right after settlement it may still answer 404 (withheld) for a block or two: retry
	// those, and only those, for a while.
	let deadline = std::time::Instant::now() + Duration::from_secs(30);
	loop {
		let mut errors = Vec::new();
		let mut withheld = false;
		for (provider, base) in &candidates {
			let url = format!("{base}/results/{id}");
			match aipin_client::http::get(&url, t.output_bytes, Duration::from_secs(120)).await {
				Ok(bytes) if bytes.len() as u64 != t.output_bytes => errors.push(format!(
					"{url}: {} bytes, but the task's output is {} bytes",
					bytes.len(),
					t.output_bytes
				)),
				Ok(bytes) if verify::matches_root(&bytes, &root) => {
					let download = Download {
						task: id,
						provider: provider.clone(),
						endpoint: base.clone(),
						bytes: bytes.len() as u64,
						chunks: verify::chunk_count(bytes.len() as u64),
						root: hex0x(&root),
					};
					return Ok((download, bytes));
				},
				Ok(bytes) => errors.push(format!(
					"{url}: {} bytes whose root {} is not the on-chain root",
					bytes.len(),
					hex0x(&verify::root(&bytes))
				)),
				Err(e) => {
					withheld |= matches!(e, FetchError::Status { status: 404, .. });
					errors.push(e.to_string())
				},
			}
		}
		if !withheld || std::time::Instant::now() >= deadline {
			anyhow::bail!("no verified copy of task {id}'s result:\n  {}", errors.join("\n  "))
		}
		tokio::time::sleep(Duration::from_secs(2)).await;
	}
}
