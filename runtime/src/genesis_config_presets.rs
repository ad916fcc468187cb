//! Genesis presets: `development` (one validator, Alice) and `local_testnet` (four validators,
//! Alice, Bob, Charlie and Dave — the smallest GRANDPA set that keeps finalizing after losing one).
//!
//! Both endow the well-known development accounts, which are public: never use these presets for
//! a chain that holds value.

use crate::{
	configs::MinProviderStake, units::AIP, AccountId, Balance, BalancesConfig, BmeConfig,
	CouncilConfig, EscrowConfig, ModelsConfig, RuntimeGenesisConfig, StakingConfig, SudoConfig,
};
use aipin_primitives::DeviceClass;
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use pallet_compute_staking::GenesisProvider;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Balance of every endowed development account: one million AIP.
pub const ENDOWMENT: crate::Balance = 1_000_000 * AIP;

/// A validator's consensus keys.
#[derive(Clone)]
pub struct Authority {
	/// Aura (block production) key.
	pub aura: AuraId,
	/// GRANDPA (finality) key.
	pub grandpa: GrandpaId,
}

fn keyring_authority(sr: Sr25519Keyring, ed: Ed25519Keyring) -> Authority {
	Authority { aura: sr.public().into(), grandpa: ed.public().into() }
}

/// A development provider: `stash` holds ten times the minimum stake, `operator` signs for it.
/// It supports kernels 1–3 and the inference engine (every registered model) on a (pretended)
/// 8 GiB consumer GPU asking 1 credit per 10¹² work units: a nominal price, so that any task
/// finds them and costs a credit a replica (real providers ask some 28,000 for an H100).
pub fn dev_provider(
	stash: AccountId,
	operator: AccountId,
	port: u16,
) -> GenesisProvider<AccountId, Balance> {
	GenesisProvider {
		stash,
		operator,
		stake: 10 * MinProviderStake::get(),
		device_class: DeviceClass::ConsumerGpu,
		vram_mib: 8192,
		throughput: 1_000_000,
		kernels: vec![1, 2, 3, aipin_primitives::INFERENCE_ENGINE],
		ask_price: 1,
		endpoint: alloc::format!("http://127.0.0.1:{port}"),
	}
}

/// The demo models the presets register (compiled by `aipin model compile` from the ONNX
/// files beside them; `compiler/tests` checks they are what the compiler makes today):
/// an MLP and a CNN on scikit-learn's digits, a CNN on MNIST and a transformer encoder on the
/// digits read as 8-token sequences, each int8 per-channel.
pub const DEMO_PROGRAMS: [&[u8]; 4] = [
	include_bytes!("../../models/digits-mlp.pc.int8.aiq"),
	include_bytes!("../../models/digits-cnn.pc.int8.aiq"),
	include_bytes!("../../models/mnist-cnn.pc.int8.aiq"),
	include_bytes!("../../models/digits-transformer.pc.int8.aiq"),
];

/// Starting AIP price of the dev and local chains: $0.50, in nano-USD.
pub const INITIAL_PRICE_NANO_USD: u128 = 500_000_000;

/// The genesis patch shared by every preset. `feeder` is the first price feeder; `sudo` the
/// sudo key, if the chain has one (development only); `council` the council's members.
pub fn genesis(
	authorities: Vec<Authority>,
	endowed: Vec<AccountId>,
	feeder: AccountId,
	sudo: Option<AccountId>,
	council: Vec<AccountId>,
	providers: Vec<GenesisProvider<AccountId, Balance>>,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.iter().cloned().map(|k| (k, ENDOWMENT)).collect::<Vec<_>>(),
		},
		aura: pallet_aura::GenesisConfig {
			authorities: authorities.iter().map(|a| a.aura.clone()).collect::<Vec<_>>(),
		},
		grandpa: pallet_grandpa::GenesisConfig {
			authorities: authorities.iter().map(|a| (a.grandpa.clone(), 1)).collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: sudo },
		council: CouncilConfig { members: council },
		staking: StakingConfig { providers },
		bme: BmeConfig { feeders: vec![feeder], initial_price: INITIAL_PRICE_NANO_USD },
		escrow: EscrowConfig { kernels: aipin_kernels::builtin() },
		models: ModelsConfig {
			programs: DEMO_PROGRAMS.iter().map(|p| sp_core::Bytes(p.to_vec())).collect::<Vec<_>>(),
		},
	})
}

/// The `development` preset: Alice alone validates and holds sudo; Alice, Bob and Charlie
/// are the council, so that governance can be tried on a dev chain too. Two providers are
/// registered: stash `Alice//stash` operated by `Eve`, and stash `Bob//stash` operated by
/// `Ferdie`.
pub fn development_config_genesis() -> Value {
	genesis(
		vec![keyring_authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Sr25519Keyring::Alice.to_account_id(),
		Some(Sr25519Keyring::Alice.to_account_id()),
		[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]
			.map(|k| k.to_account_id())
			.to_vec(),
		vec![
			dev_provider(
				Sr25519Keyring::AliceStash.to_account_id(),
				Sr25519Keyring::Eve.to_account_id(),
				8101,
			),
			dev_provider(
				Sr25519Keyring::BobStash.to_account_id(),
				Sr25519Keyring::Ferdie.to_account_id(),
				8102,
			),
		],
	)
}

/// The `local_testnet` preset: Alice, Bob, Charlie and Dave validate and are the council.
/// There is no sudo key: root is reached only through the council (`configs/governance.rs`).
pub fn local_testnet_genesis() -> Value {
	genesis(
		vec![
			keyring_authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			keyring_authority(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			keyring_authority(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			keyring_authority(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect(),
		Sr25519Keyring::Alice.to_account_id(),
		None,
		[Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave]
			.map(|k| k.to_account_id())
			.to_vec(),
		Vec::new(),
	)
}

/// The JSON patch of a named preset, or `None` for an unknown name.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet_genesis(),
		_ => return None,
	};
	serde_json::to_vec(&patch).ok()
}

/// Names of the presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
