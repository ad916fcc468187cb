//! Built-in chain specifications, generated from the runtime's genesis presets.
//!
//! `chain-spec/` holds the same specs exported to JSON; a test keeps them in step.

use aipin_runtime::{units, WASM_BINARY};
use sc_service::{ChainType, Properties};

/// A chain spec for this runtime; no client extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token symbol, decimals and address format, shown by wallets and explorers.
pub fn properties() -> Properties {
	let mut p = Properties::new();
	p.insert("tokenSymbol".into(), units::TOKEN_SYMBOL.into());
	p.insert("tokenDecimals".into(), units::TOKEN_DECIMALS.into());
	p.insert("ss58Format".into(), units::SS58_PREFIX.into());
	p
}

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"the runtime's WASM blob is not embedded in this binary (was it built with \
		 SKIP_WASM_BUILD?); rebuild with scripts/build.sh"
			.to_string()
	})
}

fn from_preset(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name(name)
		.with_id(id)
		.with_protocol_id("aipin")
		.with_chain_type(chain_type)
		.with_genesis_config_preset_name(preset)
		.with_properties(properties())
		.build())
}

/// `--dev`: one validator (Alice), instant finality through GRANDPA.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	from_preset(
		"AiPIN Development",
		"aipin_dev",
		ChainType::Development,
		sp_genesis_builder::DEV_RUNTIME_PRESET,
	)
}

/// `--chain local`: four validators (Alice, Bob, Charlie, Dave) on one machine.
pub fn local_testnet_chain_spec() -> Result<ChainSpec, String> {
	from_preset(
		"AiPIN Local Testnet",
		"aipin_local_testnet",
		ChainType::Local,
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET,
	)
}
