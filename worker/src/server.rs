//! The worker's HTTP server: results and per-chunk Merkle proofs for consumers, `/health` and
//! Prometheus `/metrics` for operators. Read-only; task ids are numbers (no paths from
//! requests reach the file system); responses are bounded by what the journal holds.
//!
//! A result, and its root, are served only once the task has finished on chain with this
//! worker's root (journal stage `Done { accepted: true }`, recorded from a finalized block).
//! Before that, every request is a 404 that says the result is withheld: provider endpoints
//! and assignments are public, so a result served during the commit or reveal window could be
//! copied by a lazy replica, or taken by a consumer who then cancels for a refund.
//!
//! The server is bounded: at most [`MAX_IN_FLIGHT`] requests are served at once (more are
//! shed with 503 at once, not queued), each gets [`REQUEST_TIMEOUT`] (then 408), journal and
//! file reads and hashing run on the blocking pool, never on the async threads the chain loop
//! shares, and the last settled results are kept in memory with their Merkle trees (up to
//! [`CACHED_BYTES`] of output), so downloading every chunk of an output reads and hashes it
//! once, not once per chunk.

use crate::journal::{Journal, Stage};
use aipin_primitives::result::{ResultTree, RESULT_CHUNK_SIZE};
use axum::{
	extract::{Path, State},
	http::{header, HeaderValue, StatusCode},
	response::{IntoResponse, Response},
	routing::get,
	Json, Router,
};
use std::{
	collections::VecDeque,
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc, Mutex,
	},
	time::Duration,
};

/// Requests served at once; more are refused with 503.
pub const MAX_IN_FLIGHT: usize = 64;
/// Time one request may take before it is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Output bytes of settled results kept in memory, with their trees, for chunk requests.
pub const CACHED_BYTES: usize = 256 << 20;

/// How much the server takes on: requests at once (more are shed with 503) and how long each
/// may take (then 408).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
	pub max_in_flight: usize,
	pub timeout: Duration,
}

impl Default for Limits {
	fn default() -> Self {
		Self { max_in_flight: MAX_IN_FLIGHT, timeout: REQUEST_TIMEOUT }
	}
}

/// Counters exported at `/metrics`.
#[derive(Default)]
pub struct Metrics {
	pub best_block: AtomicU64,
	pub computed: AtomicU64,
	pub commits: AtomicU64,
	pub reveals: AtomicU64,
	/// Reports of unusable inputs sent.
	pub input_reports: AtomicU64,
	pub settled: AtomicU64,
	pub failures: AtomicU64,
	pub reconnects: AtomicU64,
	pub kernel_ms: AtomicU64,
	/// Time from picking a task up to its result being stored: chain reads, input, kernel,
	/// Merkle root, journal. `pipeline − kernel` is the worker's own overhead.
	pub pipeline_us: AtomicU64,
	/// Kernel time in microseconds (for small tasks, where milliseconds round to nothing).
	pub kernel_us: AtomicU64,
}

/// A settled result as the server keeps it: its root, its bytes and their Merkle tree.
struct Settled {
	root: [u8; 32],
	bytes: Vec<u8>,
	tree: ResultTree,
}

#[derive(Clone)]
struct Ctx {
	journal: Arc<Journal>,
	metrics: Arc<Metrics>,
	/// The most recently used settled results, newest last, at most `CACHED_BYTES` of output.
	settled: Arc<Mutex<VecDeque<(u64, Arc<Settled>)>>>,
}

/// The router with the default [`Limits`] (also used by tests without a socket).
pub fn router(journal: Arc<Journal>, metrics: Arc<Metrics>) -> Router {
	let settled = Arc::new(Mutex::new(VecDeque::new()));
	// Settled results are public: any web page (the dashboard) may read them and their root.
	let results = Router::new()
		.route("/results/{task}", get(result))
		.route("/results/{task}/chunks/{index}", get(chunk))
		.layer(axum::middleware::map_response(readable_by_any_page));
	let routes = Router::new()
		.route("/health", get(health))
		.route("/metrics", get(metrics_text))
		.merge(results)
		.with_state(Ctx { journal, metrics, settled });
	bounded(routes, Limits::default())
}

/// `routes` behind the server's bounds: at most `limits.max_in_flight` requests at once (more
/// are answered 503 at once, not queued) and `limits.timeout` each (then 408). The bounds wrap
/// the whole router as one service: `Router::layer` would give every route its own limit.
pub fn bounded(routes: Router, limits: Limits) -> Router {
	let service = tower::ServiceBuilder::new()
		.layer(axum::error_handling::HandleErrorLayer::new(|e: tower::BoxError| async move {
			if e.is::<tower::timeout::error::Elapsed>() {
				(StatusCode::REQUEST_TIMEOUT, "request timed out")
			} else {
				(StatusCode::SERVICE_UNAVAILABLE, "too many requests at once; try again")
			}
		}))
		.load_shed()
		.concurrency_limit(limits.max_in_flight)
		.timeout(limits.timeout)
		.service(routes);
	Router::new().fallback_service(service)
}

/// CORS for a plain GET: a page of any origin may read the response and its result-root header
/// (nothing is sent with credentials, so no preflight is involved).
async fn readable_by_any_page(mut response: Response) -> Response {
	let headers = response.headers_mut();
	headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
	headers.insert(
		header::ACCESS_CONTROL_EXPOSE_HEADERS,
		HeaderValue::from_static("x-aipin-result-root"),
	);
	response
}

async fn health(State(ctx): State<Ctx>) -> impl IntoResponse {
	Json(serde_json::json!({
		"status": "ok",
		"best_block": ctx.metrics.best_block.load(Ordering::Relaxed),
	}))
}

async fn metrics_text(State(ctx): State<Ctx>) -> impl IntoResponse {
	let m = &ctx.metrics;
	let by_stage = ctx.journal.counts();
	let mut out = String::new();
	for (name, help, v) in [
		("aipin_worker_best_block", "Last best block acted on", &m.best_block),
		("aipin_worker_tasks_computed_total", "Tasks computed", &m.computed),
		("aipin_worker_commits_total", "Commits sent", &m.commits),
		("aipin_worker_reveals_total", "Reveals sent", &m.reveals),
		("aipin_worker_input_reports_total", "Unusable inputs reported", &m.input_reports),
		("aipin_worker_tasks_settled_total", "Tasks seen finished", &m.settled),
		("aipin_worker_failures_total", "Task steps that failed", &m.failures),
		("aipin_worker_reconnects_total", "Node reconnections", &m.reconnects),
		("aipin_worker_kernel_milliseconds_total", "Time spent in kernels", &m.kernel_ms),
		("aipin_worker_kernel_microseconds_total", "Time spent in kernels", &m.kernel_us),
		(
			"aipin_worker_pipeline_microseconds_total",
			"Time from picking tasks up to storing their results",
			&m.pipeline_us,
		),
	] {
		out.push_str(&format!(
			"# HELP {name} {help}\n# TYPE {name} counter\n{name} {}\n",
			v.load(Ordering::Relaxed)
		));
	}
	out.push_str("# HELP aipin_worker_tasks Tasks in the journal by stage\n# TYPE aipin_worker_tasks gauge\n");
	for (stage, n) in by_stage {
		out.push_str(&format!("aipin_worker_tasks{{stage=\"{stage}\"}} {n}\n"));
	}
	([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}

fn not_found(what: String) -> Response {
	(StatusCode::NOT_FOUND, Json(serde_json::json!({ "error": what }))).into_response()
}

/// Why a result request is refused.
enum Refusal {
	NotFound(String),
	Internal(String),
}

impl IntoResponse for Refusal {
	fn into_response(self) -> Response {
		match self {
			Refusal::NotFound(why) => not_found(why),
			Refusal::Internal(why) => (StatusCode::INTERNAL_SERVER_ERROR, why).into_response(),
		}
	}
}

fn internal(e: impl std::fmt::Display) -> Refusal {
	Refusal::Internal(e.to_string())
}

/// `task`'s result, if this worker computed it and the chain settled the task with its root:
/// from the cache, or read from the journal and hashed on the blocking pool (then cached).
async fn settled_result(ctx: &Ctx, task: u64) -> Result<Arc<Settled>, Refusal> {
	let cached = {
		let settled = ctx.settled.lock().unwrap_or_else(|p| p.into_inner());
		settled.iter().find(|(t, _)| *t == task).map(|(_, s)| s.clone())
	};
	if let Some(s) = cached {
		return Ok(s);
	}
	let journal = ctx.journal.clone();
	let read = tokio::task::spawn_blocking(move || -> Result<Settled, Refusal> {
		let entry = match journal.get(task) {
			Ok(Some(e)) if matches!(e.stage, Stage::Done { accepted: true, .. }) => e,
			Ok(Some(e)) if !e.stage.is_final() => {
				let why = format!("the result of task {task} is withheld until the task settles");
				return Err(Refusal::NotFound(why));
			},
			Ok(_) => return Err(Refusal::NotFound(format!("no accepted result for task {task}"))),
			Err(e) => return Err(internal(e)),
		};
		let bytes = journal
			.load_output(task)
			.map_err(|_| Refusal::NotFound(format!("output of task {task} is gone")))?;
		let tree = ResultTree::new(&bytes);
		Ok(Settled { root: entry.root, bytes, tree })
	});
	let fresh = Arc::new(read.await.map_err(internal)??);
	// A settled result never changes (`Done` is final), so it can be kept as long as memory
	// allows; the oldest go first.
	let mut settled = ctx.settled.lock().unwrap_or_else(|p| p.into_inner());
	settled.retain(|(t, _)| *t != task);
	settled.push_back((task, fresh.clone()));
	let mut kept: usize = settled.iter().map(|(_, s)| s.bytes.len()).sum();
	while kept > CACHED_BYTES && settled.len() > 1 {
		if let Some((_, old)) = settled.pop_front() {
			kept -= old.bytes.len();
		}
	}
	Ok(fresh)
}

async fn result(State(ctx): State<Ctx>, Path(task): Path<u64>) -> Response {
	match settled_result(&ctx, task).await {
		Ok(s) => (
			[
				(header::CONTENT_TYPE, "application/octet-stream".to_string()),
				(
					header::HeaderName::from_static("x-aipin-result-root"),
					format!("0x{}", hex::encode(s.root)),
				),
			],
			s.bytes.clone(),
		)
			.into_response(),
		Err(r) => r.into_response(),
	}
}

async fn chunk(State(ctx): State<Ctx>, Path((task, index)): Path<(u64, u32)>) -> Response {
	let s = match settled_result(&ctx, task).await {
		Ok(s) => s,
		Err(r) => return r.into_response(),
	};
	let (bytes, root) = (&s.bytes, s.root);
	let chunks = aipin_primitives::result::chunk_count(bytes.len() as u64);
	let Some(proof) = s.tree.proof(index) else {
		return not_found(format!("task {task} has {chunks} chunks; no chunk {index}"));
	};
	let start = index as usize * RESULT_CHUNK_SIZE;
	let end = (start + RESULT_CHUNK_SIZE).min(bytes.len());
	Json(serde_json::json!({
		"task": task,
		"root": format!("0x{}", hex::encode(root)),
		"bytes": bytes.len(),
		"chunks": chunks,
		"index": index,
		"data": format!("0x{}", hex::encode(&bytes[start..end])),
		"proof": proof.iter().map(|h| format!("0x{}", hex::encode(h))).collect::<Vec<_>>(),
	}))
	.into_response()
}
#[cfg(test)]
mod tests {
	use super::*;
	use crate::journal::Entry;
	use aipin_client::http::{self, FetchError};
	use std::time::Duration;

	/// A served journal holding task 1's 10 KiB output at `stage`.
	async fn serve(name: &str, stage: Stage) -> (String, Arc<Journal>) {
		let dir = std::env::temp_dir().join(format!("aipin-server-{name}-{}", std::process::id()));
		let _ = std::fs::remove_dir_all(&dir);
		let journal = Arc::new(Journal::open(&dir).unwrap());
		let output: Vec<u8> = (0..10_240u32).map(|i| (i * 7) as u8).collect();
		journal.store_output(1, &output).unwrap();
		let root = aipin_primitives::result::root(&output);
		let entry = Entry {
			task: 1,
			kernel: 1,
			params: vec![],
			root,
			salt: [1; 32],
			output_len: output.len() as u64,
			compute_ms: 1,
			stage,
		};
		journal.put(&entry).unwrap();
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let base = format!("http://{}", listener.local_addr().unwrap());
		let app = router(journal.clone(), Arc::new(Metrics::default()));
		tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
		(base, journal)
	}

	async fn status(url: &str) -> Result<Vec<u8>, u16> {
		match http::get(url, 1 << 20, Duration::from_secs(10)).await {
			Ok(body) => Ok(body),
			Err(FetchError::Status { status, .. }) => Err(status),
			Err(e) => panic!("{e}"),
		}
	}

	#[tokio::test]
	async fn nothing_is_served_before_the_chain_settles_the_task_with_our_root() {
		let unsettled = [
			Stage::Computed,
			Stage::CommitSent { at: 5 },
			Stage::RevealSent { at: 9 },
			Stage::Done { reason: "Completed".into(), accepted: false },
			Stage::Failed { why: "bad input".into() },
		];
		for (i, stage) in unsettled.into_iter().enumerate() {
			let (base, _) = serve(&format!("withheld-{i}"), stage.clone()).await;
			// Neither the output, nor a chunk, nor the root in either's metadata.
			assert_eq!(status(&format!("{base}/results/1")).await, Err(404), "{stage:?}");
			assert_eq!(status(&format!("{base}/results/1/chunks/0")).await, Err(404), "{stage:?}");
		}
	}

	/// The bounds hold against a client that floods the server: with every slot taken by a
	/// slow request, one more is shed at once with 503 (not queued), and a request that runs
	/// past the timeout is answered 408; the server serves normally afterwards.
	#[tokio::test]
	async fn a_flood_is_shed_and_a_slow_request_times_out() {
		// A handler that would take far longer than the timeout allows.
		let routes = Router::new()
			.route(
				"/slow",
				get(|| async {
					tokio::time::sleep(Duration::from_secs(30)).await;
					"done"
				}),
			)
			.route("/fast", get(|| async { "fast" }));
		let limits = Limits { max_in_flight: 2, timeout: Duration::from_secs(3) };
		let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
		let base = format!("http://{}", listener.local_addr().unwrap());
		tokio::spawn(async move { axum::serve(listener, bounded(routes, limits)).await.unwrap() });
		let slow: Vec<_> =
			(0..2).map(|_| tokio::spawn(status_of(format!("{base}/slow")))).collect();
		tokio::time::sleep(Duration::from_millis(500)).await;
		// Both slots are taken: shed with 503 (queued, it would have waited for a slot and
		// been served).
		assert_eq!(status(&format!("{base}/fast")).await, Err(503));
		// The slow ones run out of time.
		for s in slow {
			assert_eq!(s.await.unwrap(), Err(408));
		}
		// The timed-out requests freed their slots.
		assert_eq!(status(&format!("{base}/fast")).await, Ok(b"fast".to_vec()));
	}

	async fn status_of(url: String) -> Result<Vec<u8>, u16> {
		status(&url).await
	}

	#[tokio::test]
	async fn a_settled_result_is_served_and_verifies() {
		let (base, journal) = serve("settled", Stage::RevealSent { at: 9 }).await;
		assert_eq!(status(&format!("{base}/results/1")).await, Err(404));
		let mut e = journal.get(1).unwrap().unwrap();
		e.stage = Stage::Done { reason: "Completed".into(), accepted: true };
		journal.put(&e).unwrap();
		let body = status(&format!("{base}/results/1")).await.unwrap();
		assert!(aipin_client::verify::matches_root(&body, &e.root));
		let chunk = status(&format!("{base}/results/1/chunks/2")).await.unwrap();
		let v: serde_json::Value = serde_json::from_slice(&chunk).unwrap();
		assert_eq!(v["chunks"], 3);
		assert_eq!(v["root"], format!("0x{}", hex::encode(e.root)));
		assert_eq!(status(&format!("{base}/results/1/chunks/3")).await, Err(404));
		assert_eq!(status(&format!("{base}/results/2")).await, Err(404));
	}

	/// The dashboard, a page of another origin, downloads a settled result and reads its root
	/// header to verify it in the browser: the server says any origin may.
	#[tokio::test]
	async fn any_web_page_may_read_a_settled_result_and_its_root() {
		use tokio::io::{AsyncReadExt, AsyncWriteExt};
		let settled = Stage::Done { reason: "Completed".into(), accepted: true };
		let (base, _) = serve("cors", settled).await;
		let mut socket =
			tokio::net::TcpStream::connect(base.trim_start_matches("http://")).await.unwrap();
		let request =
			"GET /results/1 HTTP/1.1\r\nHost: worker\r\nOrigin: http://dashboard.example\r\n\
			Connection: close\r\n\r\n";
		socket.write_all(request.as_bytes()).await.unwrap();
		let mut response = Vec::new();
		socket.read_to_end(&mut response).await.unwrap();
		let text = String::from_utf8_lossy(&response).to_ascii_lowercase();
		let head = text.split("\r\n\r\n").next().unwrap();
		assert!(head.starts_with("http/1.1 200"), "{head}");
		assert!(head.contains("access-control-allow-origin: *"), "{head}");
		assert!(head.contains("access-control-expose-headers: x-aipin-result-root"), "{head}");
	}
}
