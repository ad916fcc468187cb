//! One task's computation: its input (seeded, inline, or fetched and checked), its kernel (a
//! built-in one, or a registered model on the inference engine) on the GPU, its result stored
//! in the journal before anything is sent.

use super::Worker;
use crate::{
	inference::InferenceError,
	journal::{Entry, Stage},
	kernels::KernelError,
};
use aipin_client::{
	programs::{Remote, Source},
	reads, At,
};
use aipin_kernels::{
	inference::{task as model_task, Program},
	Kernel,
};
use aipin_primitives::{
	is_model_kernel, seeded_stream_from, BlockNumber, InputFault, KernelId, KernelSpec, ModelId,
	OperatorTask, TaskId, TaskInput,
};
use std::{
	collections::HashMap,
	sync::{atomic::Ordering, Arc},
	time::{Duration, Instant},
};

/// A seeded task's input ([`aipin_primitives::seeded_input`]), generated on every core: the
/// stream's 32-byte blocks are independent, so each thread makes a run of them.
pub(crate) fn seeded_input_on_every_core(seed: &[u8; 32], len: usize) -> Vec<u8> {
	let mut out = vec![0u8; len];
	let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
	// Whole blocks, and at least 64 KiB a thread: a smaller piece is not worth one.
	let per = len.div_ceil(threads).next_multiple_of(32).max(64 << 10);
	std::thread::scope(|s| {
		for (i, piece) in out.chunks_mut(per).enumerate() {
			s.spawn(move || seeded_stream_from(seed, 0, (i * per / 32) as u64, piece));
		}
	});
	out
}

/// Checked programs of the models a worker has run, by model id (a handful of models at a
/// time; the cache is emptied when it holds [`MAX_PROGRAMS`]).
pub type Programs = HashMap<ModelId, Arc<Program>>;

/// Most programs kept in memory.
const MAX_PROGRAMS: usize = 32;

/// What fetching an external input gives: its bytes, an unusable input to report on chain
/// (`Ok(Err)`), or an error worth retrying (`Err`).
type Fetched = anyhow::Result<Result<Vec<u8>, (InputFault, String)>>;

/// External inputs being fetched in the background, by task. The chain loop only looks at
/// them: a consumer's slow or stalling URL never holds up another task's commit or reveal.
/// Programs of models stored off chain are fetched the same way, by model (several tasks may
/// wait for one program; a fetch ends by its timeout whether or not they still do).
#[derive(Default)]
pub struct Fetches {
	running: HashMap<TaskId, tokio::task::JoinHandle<Fetched>>,
	/// With what the chain says of each program, so a pending fetch costs no reads.
	programs: HashMap<ModelId, (Remote, tokio::task::JoinHandle<FetchedProgram>)>,
}

impl Fetches {
	/// Stops the fetches of tasks not in `live` (finished, or no longer ours).
	pub fn retain(&mut self, live: &[TaskId]) {
		self.running.retain(|task, h| {
			let keep = live.contains(task);
			if !keep {
				h.abort();
			}
			keep
		});
		// Program fetches are kept: each ends by its timeout, and the next task of its model
		// collects it (a checked program is also on disk by then).
	}
}

/// What fetching a model's program gives: the checked program, an unusable one to report on
/// chain (`Ok(Err)`), or an error worth retrying (`Err`).
type FetchedProgram = anyhow::Result<Result<Arc<Program>, (InputFault, String)>>;

/// Where a task's model program stands.
enum ProgramState {
	/// Checked and ready to run.
	Ready(Arc<Program>),
	/// Being fetched in the background.
	Pending,
	/// Fetched by URL and unusable (unreachable, wrong length or hash, not as declared): the
	/// task's input is reported, nobody is at fault but the model's.
	Unusable(InputFault, String),
	/// Stored on chain, yet not a program this worker can run (a version mismatch between the
	/// worker and the runtime): the task cannot be run.
	Broken(String),
}

/// The file a program fetched by URL is cached in, under the worker's data directory (named by
/// its id, so a file is checked against its name whenever it is read).
fn cached_program(data_dir: &std::path::Path, model: &ModelId) -> std::path::PathBuf {
	data_dir.join("programs").join(format!("{}.aiq", hex::encode(model)))
}

/// Fetches the program of `model` as [`Remote::fetch`] does and caches it in `data_dir`.
async fn fetch_program(
	model: ModelId,
	remote: Remote,
	timeout: Duration,
	allow_private: bool,
	data_dir: std::path::PathBuf,
) -> FetchedProgram {
	let (program, raw) = match remote.fetch(model, timeout, allow_private).await? {
		Ok(checked) => checked,
		Err(unusable) => return Ok(Err(unusable)),
	};
	let path = cached_program(&data_dir, &model);
	let cache = move || -> std::io::Result<()> {
		std::fs::create_dir_all(data_dir.join("programs"))?;
		let tmp = path.with_extension("part");
		std::fs::write(&tmp, &raw)?;
		std::fs::rename(&tmp, &path)
	};
	match tokio::task::spawn_blocking(cache).await {
		Ok(Ok(())) => {},
		Ok(Err(e)) => tracing::warn!(
			target: "aipin::worker",
			"cannot cache the program of model 0x{}: {e}", hex::encode(model)
		),
		Err(e) => tracing::warn!(target: "aipin::worker", "caching stopped: {e}"),
	}
	Ok(Ok(Arc::new(program)))
}

/// Fetches, checks and caches the program of `model`, stored off chain, as a task would:
/// what `aipin-worker fetch-model` does, so that the model's first task on this worker does
/// not wait for the download. Returns the cached file and its length.
pub async fn prefetch_program(
	cfg: &crate::config::Config,
	at: &At,
	model: ModelId,
) -> anyhow::Result<(std::path::PathBuf, u64)> {
	let name = format!("model 0x{}", hex::encode(model));
	let remote = match aipin_client::programs::source(at, &model).await? {
		None => anyhow::bail!("{name} is not registered"),
		Some(Source::OnChain(_)) => anyhow::bail!("{name} is stored on chain: nothing to fetch"),
		Some(Source::Fetched(remote)) => remote,
	};
	let timeout = Duration::from_secs(cfg.fetch_timeout_secs);
	let dir = cfg.data_dir.clone();
	let (url, bytes) = (remote.url.clone(), remote.bytes);
	match fetch_program(model, remote, timeout, cfg.allow_private_inputs, dir).await? {
		Ok(_) => Ok((cached_program(&cfg.data_dir, &model), bytes)),
		Err((fault, why)) => anyhow::bail!("{name} at {url} is unusable ({fault:?}): {why}"),
	}
}

/// Where a task's external input stands.
enum InputState {
	/// Fetched (or found unusable, or failed in a way worth retrying).
	Done(Fetched),
	/// Still arriving.
	Pending,
}

/// What a task runs.
enum Job {
	/// A built-in kernel.
	Builtin(Kernel),
	/// A registered model, on the inference engine.
	Model(Arc<Program>),
}

impl Job {
	/// Integer operations of a task (a multiply-add counts two), for rates and progress.
	fn ops(&self, params: &[u32]) -> u64 {
		match self {
			Self::Builtin(kind) => kind.ops(params),
			Self::Model(p) => model_task::ops_per_sample(p).saturating_mul(params[0] as u64),
		}
	}
}

/// Why the chain's entry for a model's kernel is not the one its program gives, if it is not:
/// a task that declares fewer work units, or other sizes, than the program needs is refused.
fn model_spec_mismatch(chain: &KernelSpec, program: &Program, params: &[u32]) -> Option<String> {
	let ours = model_task::kernel_spec(&model_task::summary(program), &chain.wgsl_hash, u32::MAX);
	if params.len() != 1 || params[0] == 0 {
		return Some(format!("a model task takes one parameter, the batch; got {params:?}"));
	}
	let (declared, needed) = (chain.work_units.eval(params), ours.work_units.eval(params));
	if declared < needed {
		return Some(format!(
			"the chain declares {declared:?} work units; the program needs {needed:?}"
		));
	}
	for (what, c, o) in [
		("input", &chain.input_bytes, &ours.input_bytes),
		("output", &chain.output_bytes, &ours.output_bytes),
	] {
		if c.eval(params) != o.eval(params) {
			return Some(format!(
				"the chain declares {:?} {what} bytes; the program has {:?}",
				c.eval(params),
				o.eval(params)
			));
		}
	}
	None
}

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
async fn report_progress(task: u64, kind: KernelId, estimate: Option<Duration>) {
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

/// What the chain says about a task to compute, read at the block being handled.
pub(super) struct Read {
	task: reads::Task,
	kernel: Option<aipin_primitives::KernelInfo>,
	input: Option<reads::Input>,
	/// How long the reads took.
	took: Duration,
}

/// Reads task `t`, its kernel and its input at `at`: three independent reads, so one round
/// trip's latency (and the worker reads every task of a block at once).
pub(super) async fn read(at: &At, t: &OperatorTask<BlockNumber>) -> anyhow::Result<Read> {
	let started = Instant::now();
	let (task, kernel, input) = tokio::try_join!(
		reads::task(at, t.task),
		reads::kernel(at, t.kernel),
		reads::task_input(at, t.task)
	)?;
	let task = task.ok_or_else(|| anyhow::anyhow!("task {} vanished", t.task))?;
	Ok(Read { task, kernel, input, took: started.elapsed() })
}

impl Worker {
	/// The checked program of model `model` (a model kernel's code hash): from memory, from
	/// the chain, or, for a model stored off chain, from the disk cache or a background fetch
	/// (started here if none runs). At `last_chance` a fetch still running, or one that failed
	/// in a way worth retrying, is given up as unreachable, so the report lands in the window.
	async fn model_program(
		&mut self,
		at: &At,
		model: ModelId,
		last_chance: bool,
	) -> anyhow::Result<ProgramState> {
		if let Some(p) = self.programs.get(&model) {
			return Ok(ProgramState::Ready(p.clone()));
		}
		let name = format!("model 0x{}", hex::encode(model));
		if let Some(finished) = self.fetches.programs.get(&model).map(|(_, h)| h.is_finished()) {
			if !finished && !last_chance {
				return Ok(ProgramState::Pending);
			}
			let (remote, h) = self.fetches.programs.remove(&model).expect("just found");
			if !finished {
				h.abort();
				let why = format!(
					"{}: the program of {name} is still arriving {LAST_FETCH_BLOCKS} blocks \
					 before the commit window closes",
					remote.url
				);
				return Ok(ProgramState::Unusable(InputFault::Unreachable, why));
			}
			return match h.await.unwrap_or_else(|e| Err(anyhow::anyhow!("fetch stopped: {e}"))) {
				Ok(Ok(p)) => Ok(ProgramState::Ready(self.keep_program(model, p))),
				Ok(Err((fault, why))) => Ok(ProgramState::Unusable(fault, why)),
				Err(e) if last_chance => {
					Ok(ProgramState::Unusable(InputFault::Unreachable, format!("{e:#}")))
				},
				// Transient: the next block starts another fetch.
				Err(e) => Err(e),
			};
		}
		let remote = match aipin_client::programs::source(at, &model).await? {
			None => return Ok(ProgramState::Broken(format!("{name} is not registered"))),
			Some(Source::OnChain(bytes)) => {
				return Ok(match Program::decode_registered(&bytes, &model) {
					Ok(p) => ProgramState::Ready(self.keep_program(model, p)),
					Err(e) => ProgramState::Broken(format!("{name}: {e}")),
				})
			},
			Some(Source::Fetched(remote)) => remote,
		};
		let path = cached_program(&self.cfg.data_dir, &model);
		// Reading and checking tens of MiB blocks: not on the async runtime's own threads.
		let cached = tokio::task::block_in_place(|| {
			let raw = std::fs::read(&path).ok()?;
			Some(aipin_client::programs::check_fetched(&raw, &model, &remote.summary))
		});
		match cached {
			Some(Ok(p)) => return Ok(ProgramState::Ready(self.keep_program(model, p))),
			Some(Err((_, why))) => {
				tracing::warn!(target: "aipin::worker", "dropping the cached {name}: {why}");
				let _ = std::fs::remove_file(&path);
			},
			None => {},
		}
		tracing::info!(
			target: "aipin::worker",
			"fetching the program of {name} ({} bytes) from {}", remote.bytes, remote.url
		);
		let timeout = Duration::from_secs(self.cfg.fetch_timeout_secs);
		let private = self.cfg.allow_private_inputs;
		let slots = self.fetch_slots.clone();
		let dir = self.cfg.data_dir.clone();
		let task_remote = remote.clone();
		let fetch = tokio::spawn(async move {
			let _slot = slots.acquire_owned().await?;
			fetch_program(model, task_remote, timeout, private, dir).await
		});
		self.fetches.programs.insert(model, (remote, fetch));
		Ok(ProgramState::Pending)
	}

	/// Keeps checked program `p` of `model` in memory, and gives it back.
	fn keep_program(&mut self, model: ModelId, p: impl Into<Arc<Program>>) -> Arc<Program> {
		let p = p.into();
		if self.programs.len() >= MAX_PROGRAMS {
			self.programs.clear();
		}
		self.programs.insert(model, p.clone());
		p
	}

	/// Task `task`'s external input: the outcome of its background fetch once that has ended,
	/// else `Pending` (a fetch is started, waiting for one of `parallel_fetches` slots, if none
	/// runs). At `last_chance` a fetch still running is given up as unreachable, so that the
	/// report lands inside the commit window.
	async fn external_input(
		&mut self,
		task: TaskId,
		url: &[u8],
		hash: [u8; 32],
		size: u64,
		last_chance: bool,
	) -> InputState {
		match self.fetches.running.get(&task) {
			Some(h) if h.is_finished() => {
				let h = self.fetches.running.remove(&task).expect("just found");
				InputState::Done(
					h.await.unwrap_or_else(|e| Err(anyhow::anyhow!("fetch stopped: {e}"))),
				)
			},
			Some(_) if last_chance => {
				if let Some(h) = self.fetches.running.remove(&task) {
					h.abort();
				}
				let url = String::from_utf8_lossy(url);
				InputState::Done(Ok(Err((
					InputFault::Unreachable,
					format!(
						"{url}: still arriving {LAST_FETCH_BLOCKS} blocks before the commit \
						 window closes"
					),
				))))
			},
			Some(_) => InputState::Pending,
			None => {
				let url = String::from_utf8_lossy(url).into_owned();
				let timeout = Duration::from_secs(self.cfg.fetch_timeout_secs);
				let private = self.cfg.allow_private_inputs;
				let slots = self.fetch_slots.clone();
				let fetch = tokio::spawn(async move {
					let _slot = slots.acquire_owned().await?;
					Ok(aipin_client::http::fetch_checked(&url, hash, size, timeout, private)
						.await?)
				});
				self.fetches.running.insert(task, fetch);
				InputState::Pending
			},
		}
	}

	/// Fetches the input, runs the kernel, stores output and salt. A task that cannot be run
	/// is recorded as failed (and logged) so the worker moves on; an unusable external input
	/// (also one still unreachable `LAST_FETCH_BLOCKS` before the commit window closes at
	/// block `now`) is recorded to be reported on chain. `None`: the external input is still
	/// arriving in the background; a later block looks again.
	pub(super) async fn compute(
		&mut self,
		at: &At,
		t: &OperatorTask<BlockNumber>,
		now: u32,
		read: Read,
	) -> anyhow::Result<Option<Entry>> {
		let Read { task, kernel: kernel_info, input: task_input, took: reads } = read;
		// Timed from before the reads (made for several tasks at once, each counts them).
		let picked_up = Instant::now().checked_sub(reads).unwrap_or_else(Instant::now);
		let journal = self.journal.clone();
		let fail = |why: String| -> anyhow::Result<Option<Entry>> {
			tracing::error!(target: "aipin::worker", task = t.task, "cannot run: {why}");
			let e = Entry::failed(t.task, task.kernel, task.params.to_vec(), why);
			journal.put(&e)?;
			Ok(Some(e))
		};
		// An unusable input (or program fetched by URL) is reported on chain, not run.
		let refuse = |fault: InputFault, why: String| -> anyhow::Result<Option<Entry>> {
			tracing::warn!(target: "aipin::worker", task = t.task, ?fault, "unusable input: {why}");
			let e = Entry::input_refused(t.task, task.kernel, task.params.to_vec(), fault, why);
			journal.put(&e)?;
			Ok(Some(e))
		};
		let Some(info) = kernel_info else {
			return fail(format!("kernel {} is not registered", task.kernel));
		};
		let last_chance =
			t.act_by.is_some_and(|ends| ends.saturating_sub(now) <= LAST_FETCH_BLOCKS);
		// `None`: the model's program is still arriving (its input is fetched meanwhile).
		let job = match Kernel::by_hash(&info.spec.wgsl_hash) {
			Some(kind) => Some(Job::Builtin(kind)),
			None if is_model_kernel(task.kernel) => {
				match self.model_program(at, info.spec.wgsl_hash, last_chance).await? {
					ProgramState::Ready(program) => {
						if let Some(why) = model_spec_mismatch(&info.spec, &program, &task.params) {
							return fail(format!("model kernel {}: {why}", task.kernel));
						}
						Some(Job::Model(program))
					},
					ProgramState::Pending => None,
					ProgramState::Unusable(fault, why) => return refuse(fault, why),
					ProgramState::Broken(why) => return fail(why),
				}
			},
			None => {
				return fail(format!(
					"kernel {} (WGSL {}) is not one this worker ships",
					task.kernel,
					hex::encode(info.spec.wgsl_hash)
				))
			},
		};
		let input = match task_input {
			Some(TaskInput::Seeded { seed }) => tokio::task::block_in_place(|| {
				seeded_input_on_every_core(&seed, task.input_bytes as usize)
			}),
			Some(TaskInput::Inline(bytes)) => bytes.into_inner(),
			Some(TaskInput::External { url, hash, size }) => {
				let fetched = match self.external_input(t.task, &url, hash, size, last_chance).await
				{
					InputState::Pending => return Ok(None),
					InputState::Done(Ok(fetched)) => fetched,
					InputState::Done(Err(e)) if last_chance => {
						Err((InputFault::Unreachable, format!("{e:#}")))
					},
					// Transient: the next block starts another fetch.
					InputState::Done(Err(e)) => return Err(e),
				};
				match fetched {
					Ok(bytes) => bytes,
					Err((fault, why)) => return refuse(fault, why),
				}
			},
			None => anyhow::bail!("task {} has no input on chain", t.task),
		};
		let Some(job) = job else { return Ok(None) };
		let input_ready = picked_up.elapsed();
		let params = task.params.to_vec();
		let corrupt = self.cfg.corrupt_results;
		let ops = job.ops(&params);
		let estimate = self
			.rates
			.get(&task.kernel)
			.map(|ops_per_s| Duration::from_secs_f64(ops as f64 / ops_per_s));
		let progress = AbortOnDrop(tokio::spawn(report_progress(t.task, task.kernel, estimate)));
		let (output, kernel_time) = {
			// Set up when the worker started; again only if the device was lost since.
			self.warm_gpu()?;
			let guard = self.gpu.lock().map_err(|_| anyhow::anyhow!("GPU lock poisoned"))?;
			let Some((gpu, k)) = guard.as_ref() else { anyhow::bail!("no GPU") };
			// Timed from here: device set-up is not the kernel's.
			let started = Instant::now();
			let result = tokio::task::block_in_place(|| match &job {
				Job::Builtin(kind) => k.run(gpu, *kind, &params, &input),
				Job::Model(program) => k
					.inference
					.run(gpu, program, params[0] as usize, &input)
					.map(|tensors| model_task::result(&tensors))
					.map_err(|e| match e {
						InferenceError::Gpu(e) => KernelError::Gpu(e),
						InferenceError::Input(e) => KernelError::Model(e),
					}),
			});
			let kernel_time = started.elapsed();
			drop(progress);
			match result {
				Ok(out) => (out, kernel_time),
				Err(KernelError::Gpu(e)) => return Err(e.into()),
				Err(e) => return fail(e.to_string()),
			}
		};
		if kernel_time.as_secs_f64() > 0.0 {
			self.rates.insert(task.kernel, ops as f64 / kernel_time.as_secs_f64());
		}
		let mut output = output;
		if corrupt {
			output[0] ^= 0xff;
			tracing::warn!(target: "aipin::worker", task = t.task, "TEST MODE: output corrupted");
		}
		let compute_ms = kernel_time.as_millis() as u64;
		let mut salt = [0u8; 32];
		getrandom::fill(&mut salt)
			.map_err(|e| anyhow::anyhow!("no randomness for the salt: {e}"))?;
		// The root is hashed while the output goes to disk: neither waits for the other.
		let outputs = &self.journal;
		let (root, stored) = tokio::task::block_in_place(|| {
			std::thread::scope(|s| {
				let root = s.spawn(|| aipin_primitives::result::root(&output));
				let stored = outputs.store_output(t.task, &output);
				(root.join(), stored)
			})
		});
		stored?;
		let root = root.map_err(|_| anyhow::anyhow!("hashing the result root panicked"))?;
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
			task = t.task, kernel = task.kernel, ms = compute_ms, bytes = output.len(), "computed"
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
		Ok(Some(e))
	}
}

#[cfg(test)]
mod tests {
	use super::seeded_input_on_every_core;

	#[test]
	fn a_seeded_input_made_on_every_core_is_the_seeded_input() {
		let seed = [0x5e; 32];
		for len in [0, 1, 31, 32, 33, 65_536, 65_537, 300_001, 2 << 20] {
			assert_eq!(
				seeded_input_on_every_core(&seed, len),
				aipin_primitives::seeded_input(&seed, len),
				"{len} bytes"
			);
		}
	}
}
