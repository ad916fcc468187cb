//! Ports, scratch directories, binaries and child processes.

use std::{
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

/// A TCP port on 127.0.0.1 that is free right now.
pub fn free_port() -> u16 {
	let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
	listener.local_addr().expect("ephemeral port has an address").port()
}

/// The workspace binary `name` (`aipin-node`, `aipin-worker`, `aipin`): `AIPIN_<NAME>_BIN` if
/// set (`-` as `_`, upper case, `aipin` itself as `AIPIN_BIN`), else the one in the target
/// directory the running test was built in.
pub fn bin(name: &str) -> PathBuf {
	let var = if name == "aipin" {
		"AIPIN_BIN".to_string()
	} else {
		format!("{}_BIN", name.to_uppercase().replace('-', "_"))
	};
	if let Ok(p) = std::env::var(&var) {
		return p.into();
	}
	let exe = std::env::current_exe().expect("the test knows its own path");
	// target/<profile>/deps/<test> → target/<profile>/<name>
	let path = exe
		.parent()
		.and_then(|deps| deps.parent())
		.map(|dir| dir.join(name))
		.expect("the test runs from a target directory");
	assert!(
		path.exists(),
		"{} is missing: build the workspace's binaries (`cargo test --workspace` or \
		 scripts/build.sh), or set {var}",
		path.display()
	);
	path
}

/// A scratch directory removed on drop (kept when the test panics, for its logs).
pub struct TempDir(PathBuf);

impl TempDir {
	/// A new, empty directory named after `tag`, the process and the time.
	pub fn new(tag: &str) -> Self {
		let nanos = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.map(|d| d.as_nanos())
			.unwrap_or_default();
		let dir =
			std::env::temp_dir().join(format!("aipin-test-{tag}-{}-{nanos}", std::process::id()));
		std::fs::create_dir_all(&dir).expect("create temp dir");
		Self(dir)
	}

	/// Its path.
	pub fn path(&self) -> &Path {
		&self.0
	}
}

impl Drop for TempDir {
	fn drop(&mut self) {
		if !std::thread::panicking() {
			let _ = std::fs::remove_dir_all(&self.0);
		}
	}
}

/// A child process killed (SIGKILL) on drop, its stdout and stderr appended to a log file.
pub struct Proc {
	/// The process.
	pub child: Option<Child>,
	/// Its log.
	pub log: PathBuf,
}

impl Proc {
	/// Starts `cmd` as `name`, logging to `dir/<name>.log`.
	pub fn start(name: &str, mut cmd: Command, dir: &Path) -> Self {
		let log = dir.join(format!("{name}.log"));
		let f = std::fs::OpenOptions::new()
			.create(true)
			.append(true)
			.open(&log)
			.expect("open the process log");
		let child = cmd
			.stdout(Stdio::from(f.try_clone().expect("clone the log handle")))
			.stderr(Stdio::from(f))
			.spawn()
			.unwrap_or_else(|e| panic!("starting {name}: {e}"));
		Self { child: Some(child), log }
	}

	/// The last `lines` lines of its log.
	pub fn tail(&self, lines: usize) -> String {
		let text = std::fs::read_to_string(&self.log).unwrap_or_default();
		let all: Vec<&str> = text.lines().collect();
		all[all.len().saturating_sub(lines)..].join("\n")
	}

	/// SIGKILL: no shutdown code runs (a crash, a power cut).
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// Whether it is still running.
	pub fn is_running(&mut self) -> bool {
		self.child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
	}
}

impl Drop for Proc {
	fn drop(&mut self) {
		self.kill();
	}
}

/// Polls `probe` every 250 ms until it returns `true` or `timeout` passes.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut probe: F) -> Result<(), String>
where
	F: FnMut() -> Fut,
	Fut: std::future::Future<Output = bool>,
{
	let start = Instant::now();
	loop {
		if probe().await {
			return Ok(());
		}
		if start.elapsed() > timeout {
			return Err(format!("timed out after {timeout:?} waiting for {what}"));
		}
		tokio::time::sleep(Duration::from_millis(250)).await;
	}
}
