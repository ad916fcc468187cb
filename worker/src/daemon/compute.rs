//! One task's computation: its input (seeded, inline, or fetched and checked), its kernel on
//! the GPU, its result stored in the journal before anything is sent.

use super::Worker;
use crate::{
	gpu::Gpu,
	journal::{Entry, Stage},
	kernels::{KernelError, Kernels},
};
use aipin_client::{reads, Client};
use aipin_kernels::Kernel;
use aipin_primitives::{seeded_input, BlockNumber, InputFault, OperatorTask, TaskInput};
use std::{
	sync::atomic::Ordering,
	time::{Duration, Instant},
};

/// Stops a background task when dropped, whichever way the scope is left.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
	fn drop(&mut self) {
		self.0.abort();
	}
}

/// Logs a long kernel's progress every ten seconds until aborted: elapsed time and, once the
/// kernel has run before, the share done estimated from its last rate. (A dispatch cannot be
/// observed from the host while it runs; the estimate says so.)
async fn report_progress(task: u64, kind: Kernel, estimate: Option<Duration>) {
	let started = Instant::now();
	let mut every = tokio::time::interval(Duration::from_secs(10));
	every.tick().await;
	loop {
		every.tick().await;
		let elapsed = started.elapsed().as_secs_f64();
		match estimate {
			Some(est) => tracing::info!(
				target: "aipin::worker",
				task, kernel = ?kind,
				"computing: {elapsed:.0} s of an estimated {:.0} s ({:.0}%)",
				est.as_secs_f64(),
				(elapsed / est.as_secs_f64() * 100.0).min(99.0)
			),
			None => tracing::info!(
				target: "aipin::worker", task, kernel = ?kind, "computing: {elapsed:.0} s so far"
			),
		}
	}
}

/// Blocks before the commit window closes at which an input that keeps failing to arrive is
/// reported unreachable rather than tried again: the report must land inside the window.
const LAST_FETCH_BLOCKS: u32 = 2;

impl Worker {
	/// Reads an external input: bounded by its declared size, checked against its hash.
	/// `Ok(Err((fault, why)))` is an unusable input (to be reported on chain); `Err` is worth
	/// retrying.
	async fn fetch_external(
		&self,
		url: &[u8],
		hash: [u8; 32],
		size: u64,
	) -> anyhow::Result<Result<Vec<u8>, (InputFault, String)>> {
		use aipin_client::http::FetchError;
		let url = String::from_utf8_lossy(url).into_owned();
		let timeout = Duration::from_secs(self.cfg.fetch_timeout_secs);
		let fetched = if self.cfg.allow_private_inputs {
			aipin_client::http::get(&url, size, timeout).await
		} else {
			aipin_client::http::get_public(&url, size, timeout).await
		};
		match fetched {
			Ok(bytes) if bytes.len() as u64 != size => Ok(Err((
				InputFault::WrongSize,
				format!("{url}: {} bytes, the task declares {size}", bytes.len()),
			))),
			Ok(bytes) => match sp_crypto_hashing::blake2_256(&bytes) {
				got if got == hash => Ok(Ok(bytes)),
				got => Ok(Err((
					InputFault::WrongHash,
					format!(
						"{url}: content hash 0x{} is not the declared 0x{}",
						hex::encode(got),
						hex::encode(hash)
					),
				))),
			},
			// Transient: the next block tries again while the commit window lasts.
			Err(e @ (FetchError::Unreachable { .. } | FetchError::Timeout { .. })) => Err(e.into()),
			Err(e @ FetchError::Status { status, .. }) if status >= 500 || status == 429 => {
				Err(e.into())
			},
			Err(e @ FetchError::TooLarge { .. }) => Ok(Err((InputFault::WrongSize, e.to_string()))),
			Err(e) => Ok(Err((InputFault::Unreachable, e.to_string()))),
		}
	}

	/// Fetches the input, runs the kernel, stores output and salt. A task that cannot be run
	/// is recorded as failed (and logged) so the worker moves on; an unusable external input
	/// (also one still unreachable `LAST_FETCH_BLOCKS` before the commit window closes at
	/// block `now`) is recorded to be reported on chain.
	pub(super) async fn compute(
		&mut self,
		client: &Client,
		t: &OperatorTask<BlockNumber>,
		now: u32,
	) -> anyhow::Result<Entry> {
		let picked_up = Instant::now();
		// The three reads are independent: one round trip's latency, not three.
		let at = client.finalized().await?;
		let (task, kernel_info, task_input) = tokio::try_join!(
			reads::task(&at, t.task),
			reads::kernel(&at, t.kernel),
			reads::task_input(&at, t.task)
		)?;
		let task = task.ok_or_else(|| anyhow::anyhow!("task {} vanished", t.task))?;
		let reads = picked_up.elapsed();
		let fail = |why: String| -> anyhow::Result<Entry> {
			tracing::error!(target: "aipin::worker", task = t.task, "cannot run: {why}");
			let e = Entry::failed(t.task, task.kernel, task.params.to_vec(), why);
			self.journal.put(&e)?;
			Ok(e)
		};
		let Some(info) = kernel_info else {
			return fail(format!("kernel {} is not registered", task.kernel));
		};
		let Some(kind) = Kernel::by_hash(&info.spec.wgsl_hash) else {
			return fail(format!(
				"kernel {} (WGSL {}) is not one this worker ships",
				task.kernel,
				hex::encode(info.spec.wgsl_hash)
			));
		};
		let input = match task_input {
			Some(TaskInput::Seeded { seed }) => seeded_input(&seed, task.input_bytes as usize),
			Some(TaskInput::Inline(bytes)) => bytes.into_inner(),
			Some(TaskInput::External { url, hash, size }) => {
				let last_chance =
					t.act_by.is_some_and(|ends| ends.saturating_sub(now) <= LAST_FETCH_BLOCKS);
				let fetched = match self.fetch_external(&url, hash, size).await {
					Ok(fetched) => fetched,
					Err(e) if last_chance => Err((InputFault::Unreachable, format!("{e:#}"))),
					Err(e) => return Err(e),
				};
				match fetched {
					Ok(bytes) => bytes,
					Err((fault, why)) => {
						tracing::warn!(
							target: "aipin::worker", task = t.task, ?fault, "unusable input: {why}"
						);
						let e = Entry::input_refused(
							t.task,
							task.kernel,
							task.params.to_vec(),
							fault,
							why,
						);
						self.journal.put(&e)?;
						return Ok(e);
					},
				}
			},
			None => anyhow::bail!("task {} has no input on chain", t.task),
		};
		let input_ready = picked_up.elapsed();
		let params = task.params.to_vec();
		let corrupt = self.cfg.corrupt_results;
		let ops = kind.ops(&params);
		let estimate =
			self.rates.get(&kind).map(|ops_per_s| Duration::from_secs_f64(ops as f64 / ops_per_s));
		let progress = AbortOnDrop(tokio::spawn(report_progress(t.task, kind, estimate)));
		let (output, kernel_time) = {
			let mut guard = self.gpu.lock().map_err(|_| anyhow::anyhow!("GPU lock poisoned"))?;
			if guard.as_ref().is_none_or(|(g, _)| g.is_lost()) {
				let gpu = Gpu::new()?;
				let k = Kernels::new(&gpu)?;
				*guard = Some((gpu, k));
			}
			let (gpu, k) = guard.as_ref().expect("set above");
			// Timed from here: device set-up is not the kernel's.
			let started = Instant::now();
			let result = tokio::task::block_in_place(|| k.run(gpu, kind, &params, &input));
			let kernel_time = started.elapsed();
			drop(progress);
			match result {
				Ok(out) => (out, kernel_time),
				Err(KernelError::Gpu(e)) => return Err(e.into()),
				Err(e) => return fail(e.to_string()),
			}
		};
		if kernel_time.as_secs_f64() > 0.0 {
			self.rates.insert(kind, ops as f64 / kernel_time.as_secs_f64());
		}
		let mut output = output;
		if corrupt {
			output[0] ^= 0xff;
			tracing::warn!(target: "aipin::worker", task = t.task, "TEST MODE: output corrupted");
		}
		let compute_ms = kernel_time.as_millis() as u64;
		let root = aipin_primitives::result::root(&output);
		let mut salt = [0u8; 32];
		getrandom::fill(&mut salt)
			.map_err(|e| anyhow::anyhow!("no randomness for the salt: {e}"))?;
		self.journal.store_output(t.task, &output)?;
		let e = Entry {
			task: t.task,
			kernel: task.kernel,
			params,
			root,
			salt,
			output_len: output.len() as u64,
			compute_ms,
			stage: Stage::Computed,
		};
		self.journal.put(&e)?;
		self.metrics.computed.fetch_add(1, Ordering::Relaxed);
		self.metrics.kernel_ms.fetch_add(compute_ms, Ordering::Relaxed);
		self.metrics.kernel_us.fetch_add(kernel_time.as_micros() as u64, Ordering::Relaxed);
		let pipeline_us = picked_up.elapsed().as_micros() as u64;
		self.metrics.pipeline_us.fetch_add(pipeline_us, Ordering::Relaxed);
		tracing::info!(
			target: "aipin::worker",
			task = t.task, kernel = ?kind, ms = compute_ms, bytes = output.len(), "computed"
		);
		tracing::debug!(
			target: "aipin::worker",
			task = t.task,
			"timing: chain reads {:.1} ms, input {:.1} ms, kernel {:.1} ms, root and journal {:.1} ms",
			reads.as_secs_f64() * 1e3,
			(input_ready - reads).as_secs_f64() * 1e3,
			kernel_time.as_secs_f64() * 1e3,
			(picked_up.elapsed() - input_ready - kernel_time).as_secs_f64() * 1e3,
		);
		Ok(e)
	}
}
