//! Worker configuration: a TOML file, overridden by environment variables, overridden by
//! flags (clap). Secrets (the operator's secret URI) come from a file or an environment
//! variable and are wrapped so they never reach logs.

use aipin_client::{
	keys::{self, Secret},
	Keypair,
};
use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf};

/// The settings `run` needs.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
	/// Node WebSocket URL.
	#[serde(default = "default_node")]
	pub node: String,
	/// The operator key's secret URI (e.g. `//Eve` on dev chains, or a mnemonic).
	#[serde(default)]
	pub operator_suri: Option<Secret>,
	/// A file holding the operator secret URI (preferred to putting it in this file).
	#[serde(default)]
	pub operator_suri_file: Option<PathBuf>,
	/// Journal and results directory.
	#[serde(default = "default_data_dir")]
	pub data_dir: PathBuf,
	/// Address of the result server (and `/health`, `/metrics`).
	#[serde(default = "default_listen")]
	pub listen: SocketAddr,
	/// Send a heartbeat every this many blocks.
	#[serde(default = "default_heartbeat")]
	pub heartbeat_every: u32,
	/// No longer used: a step the chain lacks is sent again as soon as nothing of this
	/// operator's waits in the node's pool (see `daemon::decide`), not after a number of
	/// blocks. Accepted so that older configuration files still load; a warning says it is
	/// ignored.
	#[serde(default)]
	pub resend_after: Option<u32>,
	/// Give up fetching an external input after this many seconds (retried next block while the
	/// commit window lasts).
	#[serde(default = "default_fetch_timeout")]
	pub fetch_timeout_secs: u64,
	/// External inputs fetched at once at most (each is held in memory, up to its declared
	/// size, until its task is computed). Fetches run in the background: the chain loop never
	/// waits on a consumer's URL.
	#[serde(default = "default_parallel_fetches")]
	pub parallel_fetches: usize,
	/// Fetch external inputs, and the programs of models stored off chain, from private and
	/// reserved addresses too (loopback, RFC 1918, link-local, ...). Off by default: those URLs
	/// are chosen by consumers and model owners, and must not reach the provider's own
	/// network. Turn on only for a closed test network.
	#[serde(default)]
	pub allow_private_inputs: bool,
	/// The largest tip (planck) this worker adds to a commit, reveal or input report, paid only
	/// if it is included. A step sent while more than `TIPPED_BLOCKS` (3) blocks of its window
	/// can still take it goes untipped; nearer the end the tip doubles each block up to this in
	/// the last one (see `daemon::decide::tip`), so that a pool flooded with untipped
	/// transactions still takes and includes it. Default 0.01 AIP: about 20 transfer fees, and
	/// far below what missing the window costs in stake. 0 turns tipping off.
	#[serde(default = "default_max_tip")]
	pub max_tip: u128,
	/// TEST ONLY: corrupt every output (a dishonest provider, for the slashing tests).
	#[serde(default)]
	pub corrupt_results: bool,
	/// TEST ONLY: die at once (as `kill -9` would: no destructors, no flush) the first time a
	/// task reaches this point, for the crash-loop tests.
	#[serde(default)]
	pub crash_at: Option<CrashPoint>,
}

/// A point in a task's life where the crash-loop tests kill the worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum CrashPoint {
	/// The result is in the journal; nothing sent.
	Computed,
	/// `CommitSent` is in the journal; the commit has not reached the node.
	CommitRecorded,
	/// The node's pool accepted the commit.
	CommitSent,
	/// `RevealSent` is in the journal; the reveal has not reached the node.
	RevealRecorded,
	/// The node's pool accepted the reveal.
	RevealSent,
}

impl CrashPoint {
	/// Dies here if this is the configured point.
	pub fn check(configured: Option<CrashPoint>, here: CrashPoint, task: u64) {
		if configured == Some(here) {
			eprintln!("TEST MODE: crashing at {here:?} of task {task}");
			std::process::abort();
		}
	}
}

fn default_node() -> String {
	"ws://127.0.0.1:9944".into()
}
fn default_data_dir() -> PathBuf {
	PathBuf::from("./aipin-worker-data")
}
fn default_listen() -> SocketAddr {
	"127.0.0.1:8101".parse().expect("valid default address")
}
fn default_heartbeat() -> u32 {
	30
}
fn default_fetch_timeout() -> u64 {
	30
}

fn default_max_tip() -> u128 {
	aipin_primitives::units::AIP / 100
}

fn default_parallel_fetches() -> usize {
	4
}

impl Default for Config {
	fn default() -> Self {
		toml::from_str("").expect("defaults parse")
	}
}

impl Config {
	/// Reads `path` (if given), then applies `AIPIN_*` environment variables.
	pub fn load(path: Option<&std::path::Path>) -> anyhow::Result<Self> {
		let mut cfg: Config = match path {
			Some(p) => {
				let text = std::fs::read_to_string(p)
					.map_err(|e| anyhow::anyhow!("reading config {}: {e}", p.display()))?;
				toml::from_str(&text).map_err(|e| anyhow::anyhow!("config {}: {e}", p.display()))?
			},
			None => Config::default(),
		};
		if let Ok(v) = std::env::var("AIPIN_NODE") {
			cfg.node = v;
		}
		if let Ok(v) = std::env::var("AIPIN_OPERATOR_SURI") {
			cfg.operator_suri = Some(Secret::new(v));
		}
		if let Ok(v) = std::env::var("AIPIN_OPERATOR_SURI_FILE") {
			cfg.operator_suri_file = Some(v.into());
		}
		if let Ok(v) = std::env::var("AIPIN_DATA_DIR") {
			cfg.data_dir = v.into();
		}
		if let Ok(v) = std::env::var("AIPIN_LISTEN") {
			cfg.listen = v.parse().map_err(|e| anyhow::anyhow!("AIPIN_LISTEN={v}: {e}"))?;
		}
		Ok(cfg)
	}

	/// The operator key: from `operator_suri_file` if set, else `operator_suri`.
	pub fn operator_key(&self) -> anyhow::Result<Keypair> {
		Ok(keys::load(
			self.operator_suri_file.as_deref(),
			self.operator_suri.as_ref(),
			"operator",
			"set operator_suri_file in the config, AIPIN_OPERATOR_SURI_FILE, or AIPIN_OPERATOR_SURI",
		)?)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn secrets_never_print() {
		let cfg: Config = toml::from_str("operator_suri = \"//Eve\"").unwrap();
		let shown = format!("{cfg:?}");
		assert!(!shown.contains("Eve"), "{shown}");
		let eve = subxt_signer::sr25519::dev::eve().public_key().0;
		assert_eq!(cfg.operator_key().unwrap().public_key().0, eve);
	}

	#[test]
	fn defaults_and_unknown_keys() {
		let cfg = Config::default();
		assert_eq!(cfg.node, "ws://127.0.0.1:9944");
		assert!(cfg.operator_key().is_err());
		assert!(toml::from_str::<Config>("nod = \"x\"").is_err(), "typos are errors");
	}

	#[test]
	fn secret_file_wins() {
		let path = std::env::temp_dir().join(format!("aipin-secret-{}", std::process::id()));
		std::fs::write(&path, "//Ferdie\n").unwrap();
		let cfg: Config = toml::from_str(&format!(
			"operator_suri = \"//Eve\"\noperator_suri_file = {:?}",
			path.display().to_string()
		))
		.unwrap();
		let ferdie = subxt_signer::sr25519::dev::ferdie().public_key().0;
		assert_eq!(cfg.operator_key().unwrap().public_key().0, ferdie);
		let _ = std::fs::remove_file(path);
	}
}
