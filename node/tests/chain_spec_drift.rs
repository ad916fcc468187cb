//! The chain specs committed in `chain-spec/` match what the runtime's genesis presets produce.
//!
//! The WASM `code` field is left out of the comparison: its bytes depend on the exact compiler
//! that built the runtime (rustup's or Debian's), not on the source. Everything else — names,
//! ids, properties, authorities, endowments, sudo — must match. Regenerate with
//! `scripts/export-chain-specs.sh` after changing a preset.

use std::{path::PathBuf, process::Command};

use serde_json::Value;

fn repo_root() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The spec the node exports for `chain`, with the code blob removed.
fn exported(chain: &str) -> Value {
	let out = Command::new(aipin_test_harness::bin("aipin-node"))
		.args(["export-chain-spec", "--chain", chain])
		.output()
		.expect("run aipin-node export-chain-spec");
	assert!(
		out.status.success(),
		"export-chain-spec failed: {}",
		String::from_utf8_lossy(&out.stderr)
	);
	without_code(serde_json::from_slice(&out.stdout).expect("exported spec is JSON"))
}

fn committed(file: &str) -> Value {
	let path = repo_root().join("chain-spec").join(file);
	let text =
		std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
	without_code(serde_json::from_str(&text).expect("committed spec is JSON"))
}

fn without_code(mut spec: Value) -> Value {
	let code = spec
		.pointer_mut("/genesis/runtimeGenesis")
		.and_then(Value::as_object_mut)
		.and_then(|g| g.remove("code"));
	let code = code.expect("a plain chain spec carries genesis.runtimeGenesis.code");
	assert!(
		code.as_str().is_some_and(|c| c.starts_with("0x") && c.len() > 1000),
		"code is a hex blob"
	);
	spec
}

fn assert_same(chain: &str, file: &str) {
	let (now, then) = (exported(chain), committed(file));
	assert!(
		now == then,
		"chain-spec/{file} has drifted from the runtime's `{chain}` preset; run \
		 scripts/export-chain-specs.sh and commit the result.\n--- exported ---\n{}\n--- committed ---\n{}",
		serde_json::to_string_pretty(&now).unwrap_or_default(),
		serde_json::to_string_pretty(&then).unwrap_or_default(),
	);
}

#[test]
fn committed_dev_spec_matches_the_development_preset() {
	assert_same("dev", "dev.json");
}

#[test]
fn committed_local_testnet_spec_matches_the_local_testnet_preset() {
	assert_same("local", "local_testnet.json");
}

#[test]
fn chain_spec_properties_name_the_aip_token() {
	let spec = exported("dev");
	assert_eq!(spec["properties"]["tokenSymbol"], "AIP");
	assert_eq!(spec["properties"]["tokenDecimals"], 12);
	assert_eq!(spec["properties"]["ss58Format"], 42);
}
