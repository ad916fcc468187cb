//! Known-answer (canary) tasks as their author runs them: compute the answer with the kernel's
//! plain-Rust reference, post its seal as the canary origin (governance; `Sudo.sudo` on dev
//! chains), submit the task from an ordinary consumer account, follow it to settlement and,
//! if no provider revealed the answer, expose it so that they are reported `FailedCanary`.
//! What makes a canary indistinguishable, and where it is not, is in
//! `aipin_primitives::canary`.

use crate::task::{self, NewTask};
use aipin_client::{
	calls, reads,
	units::{hex0x, ss58},
	Client, Keypair,
};
use aipin_kernels::{inference::task::reference_result, Kernel};
use aipin_primitives::{canary_seal, is_model_kernel, seeded_input, SlotState, TaskInput};
use serde::Serialize;
use std::time::Duration;

/// How a canary went.
#[derive(Debug, Serialize)]
pub struct CanaryReport {
	pub task: u64,
	pub seal: String,
	/// The right result root, as sealed.
	pub answer: String,
	pub outcome: String,
	/// The root the task settled with, if any.
	pub result_root: Option<String>,
	/// Providers that revealed the answer.
	pub passed: Vec<String>,
	/// Providers reported `FailedCanary`.
	pub failed: Vec<String>,
	/// Whether the canary had to be exposed after settlement (nobody revealed the answer).
	pub exposed: bool,
}

/// The bytes of `input` for a task of `kernel` with `params`: generated for a seeded input;
/// `given` (read or fetched by the caller) otherwise.
fn input_bytes(input: &reads::Input, given: Option<Vec<u8>>, len: u64) -> anyhow::Result<Vec<u8>> {
	match (input, given) {
		(TaskInput::Seeded { seed }, _) => Ok(seeded_input(seed, len as usize)),
		(_, Some(bytes)) => Ok(bytes),
		(_, None) => anyhow::bail!("the input's bytes are needed to compute the answer"),
	}
}

/// The output a provider must commit to for `t`, from the plain-Rust reference of its kernel
/// (a built-in kernel, or a registered model's program).
pub async fn answer(
	client: &Client,
	t: &NewTask,
	given: Option<Vec<u8>>,
) -> anyhow::Result<Vec<u8>> {
	let at = client.finalized().await?;
	let info = reads::kernel(&at, t.kernel)
		.await?
		.ok_or_else(|| anyhow::anyhow!("kernel {} is not registered", t.kernel))?;
	let len = info.spec.input_bytes.eval(&t.params).ok_or_else(|| {
		anyhow::anyhow!("parameters {:?} do not fit kernel {}", t.params, t.kernel)
	})?;
	let bytes = input_bytes(&t.input, given, len)?;
	if is_model_kernel(t.kernel) {
		// A model's kernel entry names the model by its code hash.
		let id = info.spec.wgsl_hash;
		let (program, _) =
			aipin_client::programs::load(&at, &id, crate::model::FETCH_TIMEOUT, true).await?;
		let batch = t.params.first().copied().unwrap_or(0) as usize;
		return Ok(reference_result(&program, batch, &bytes)?);
	}
	let kernel = Kernel::by_hash(&info.spec.wgsl_hash).ok_or_else(|| {
		anyhow::anyhow!("kernel {} is not one this CLI has a reference for", t.kernel)
	})?;
	Ok(kernel.reference(&t.params, &bytes)?)
}

/// Runs one canary: seal (signed by `sealer`, through `Sudo.sudo`), submit (signed by
/// `consumer`), follow, and expose if needed.
pub async fn run(
	client: &Client,
	sealer: &Keypair,
	consumer: &Keypair,
	t: &NewTask,
	given: Option<Vec<u8>>,
	timeout: Duration,
	mut progress: impl FnMut(String),
) -> anyhow::Result<CanaryReport> {
	let output = answer(client, t, given).await?;
	let root = aipin_primitives::result::root(&output);
	let params: aipin_primitives::Params = t.params.clone().try_into().map_err(|_| {
		anyhow::anyhow!(
			"{} parameters; kernels take at most {}",
			t.params.len(),
			aipin_primitives::MAX_PARAMS
		)
	})?;
	let seal = canary_seal(t.kernel, &params, &t.input.digest(), &root);
	progress(format!("answer {} ({} bytes), seal {}", hex0x(&root), output.len(), hex0x(&seal)));

	let inner = client.call_data(&calls::escrow::seal_canaries(&[seal])).await?;
	let sealed = client.submit(sealer, &calls::root::sudo(inner)).await?;
	anyhow::ensure!(
		reads::canary_seal(&sealed.at, &seal).await?.is_some(),
		"the seal was not posted in block {}: is {} the canary origin (the sudo key on dev \
		 chains)?",
		sealed.block,
		ss58(&aipin_client::account_of(sealer))
	);
	progress(format!("sealed in block {}", sealed.block));

	let s = task::submit(client, consumer, t).await?;
	progress(format!("task {} submitted in block {}", s.task, s.block));
	let settled =
		task::watch(client, s.task, timeout, |b, line| progress(format!("block {b}: {line}")))
			.await?;

	let at = client.finalized().await?;
	let mut exposed = false;
	let still_sealed = reads::canary_seal(&at, &seal).await?.is_some();
	let mut task_now =
		reads::task(&at, s.task).await?.ok_or_else(|| anyhow::anyhow!("task {} pruned", s.task))?;
	let answered_wrong =
		task_now.assignments.iter().any(|a| matches!(a.state, SlotState::Revealed(x) if x != root));
	if still_sealed && answered_wrong {
		let done = client.submit(consumer, &calls::escrow::expose_canary(s.task, root)).await?;
		progress(format!("exposed in block {}", done.block));
		exposed = true;
		task_now = reads::task(&done.at, s.task)
			.await?
			.ok_or_else(|| anyhow::anyhow!("task {} pruned", s.task))?;
	}
	let who = |pick: &dyn Fn(&SlotState) -> bool| -> Vec<String> {
		task_now.assignments.iter().filter(|a| pick(&a.state)).map(|a| ss58(&a.provider)).collect()
	};
	Ok(CanaryReport {
		task: s.task,
		seal: hex0x(&seal),
		answer: hex0x(&root),
		outcome: settled.outcome,
		result_root: settled.result_root,
		passed: who(&|st| *st == SlotState::Revealed(root)),
		failed: who(&|st| *st == SlotState::Faulted(aipin_primitives::OffenceKind::FailedCanary)),
		exposed,
	})
}
