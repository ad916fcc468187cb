//! Worker configuration: a TOML file, overridden by environment variables, overridden by
//! flags (clap). Secrets (the operator's secret URI) come from a file or an environment
//! variable and are wrapped so they never reach logs.

use serde::Deserialize;
use std::{fmt, net::SocketAddr, path::PathBuf};

/// A secret string: `Debug` and `Display` print `***`.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
	pub fn new(s: String) -> Self {
		Self(s)
	}
	/// The secret itself; only for handing to the key derivation.
	pub fn expose(&self) -> &str {
		&self.0
	}
}

impl fmt::Debug for Secret {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str("Secret(***)")
	}
}

impl fmt::Display for Secret {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str("***")
	}
}

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
	/// Send a heartbeat every this many finalized blocks.
	#[serde(default = "default_heartbeat")]
	pub heartbeat_every: u32,
	/// Re-send a commit or reveal not seen on chain after this many finalized blocks.
	#[serde(default = "default_resend")]
	pub resend_after: u32,
	/// Give up fetching an external input after this many seconds (retried next block while the
	/// commit window lasts).
	#[serde(default = "default_fetch_timeout")]
	pub fetch_timeout_secs: u64,
	/// TEST ONLY: corrupt every output (a dishonest provider, for the slashing tests).
	#[serde(default)]
	pub corrupt_results: bool,
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
fn default_resend() -> u32 {
	6
}
fn default_fetch_timeout() -> u64 {
	30
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

	/// The operator secret: from `operator_suri_file` if set, else `operator_suri`.
	pub fn operator_secret(&self) -> anyhow::Result<Secret> {
		if let Some(path) = &self.operator_suri_file {
			let text = std::fs::read_to_string(path).map_err(|e| {
				anyhow::anyhow!("reading the operator secret file {}: {e}", path.display())
			})?;
			return Ok(Secret::new(text.trim().to_string()));
		}
		self.operator_suri.clone().ok_or_else(|| {
			anyhow::anyhow!(
				"no operator key: set operator_suri_file in the config, AIPIN_OPERATOR_SURI_FILE, or AIPIN_OPERATOR_SURI"
			)
		})
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
		assert_eq!(cfg.operator_secret().unwrap().expose(), "//Eve");
		assert_eq!(format!("{}", cfg.operator_secret().unwrap()), "***");
	}

	#[test]
	fn defaults_and_unknown_keys() {
		let cfg = Config::default();
		assert_eq!(cfg.node, "ws://127.0.0.1:9944");
		assert!(cfg.operator_secret().is_err());
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
		assert_eq!(cfg.operator_secret().unwrap().expose(), "//Ferdie");
		let _ = std::fs::remove_file(path);
	}
}
