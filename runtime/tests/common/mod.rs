//! What the runtime's integration tests share: a chain's genesis state, built from a preset as
//! the node builds it.

use aipin_runtime::{genesis_config_presets, RuntimeGenesisConfig};
use serde_json::Value;

/// `patch` laid over `base`, object by object (what the node does with a preset).
fn merge(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(b), Value::Object(p)) => {
			for (k, v) in p {
				merge(b.entry(k).or_insert(Value::Null), v);
			}
		},
		(b, p) => *b = p,
	}
}

/// The genesis state of the named preset (`development`, `local_testnet`), at block 0.
pub fn genesis(preset: &str) -> sp_io::TestExternalities {
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
	let patch = genesis_config_presets::get_preset(&preset.into()).expect("a preset");
	merge(&mut config, serde_json::from_slice(&patch).unwrap());
	let mut ext = sp_io::TestExternalities::new_empty();
	ext.execute_with(|| {
		frame_support::genesis_builder_helper::build_state::<RuntimeGenesisConfig>(
			serde_json::to_vec(&config).unwrap(),
		)
		.unwrap();
	});
	ext
}
