//! # AiPIN runtime
//!
//! The state-transition function of the AiPIN chain: a solochain with Aura block production,
//! GRANDPA finality, the native token `AIP` (12 decimals) and, as they land, the compute pallets
//! (provider staking, burn-and-mint equilibrium, slashing, task escrow).
//!
//! Layout, as in the polkadot-sdk templates:
//! - [`configs`]: one `Config` impl per pallet,
//! - [`apis`]: the runtime APIs the node, wallets and explorers call,
//! - [`genesis_config_presets`]: the `development` and `local_testnet` genesis presets.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`-style macros need a high recursion limit.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

// Declared before `apis`: it defines the `list_benchmarks!`/`add_benchmarks!` macros `apis` uses.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
pub mod configs;
pub mod genesis_config_presets;

// The FRAME macros below expand to code that names `Vec` unqualified.
use alloc::vec::Vec;
use sp_runtime::{generic, impl_opaque_keys, traits::BlakeTwo256, MultiAddress};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// The chain's basic types and token units are defined once, in `aipin-primitives`.
pub use aipin_primitives::{
	chain::{AccountId, Balance, BlockNumber, Hash, Nonce, Signature},
	units,
};

/// Block time. Aura slots are this long; the fast dev-seal mode keeps the same spacing in
/// timestamps so that the runtime's time arithmetic behaves the same under both.
pub mod time {
	use super::BlockNumber;

	/// Target block time in milliseconds.
	pub const MILLI_SECS_PER_BLOCK: u64 = 6000;
	/// Aura slot duration. It cannot change once a chain has started.
	pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
	/// Blocks per minute.
	pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
	/// Blocks per hour.
	pub const HOURS: BlockNumber = MINUTES * 60;
	/// Blocks per day.
	pub const DAYS: BlockNumber = HOURS * 24;
}

/// Types the node uses without knowing the runtime's call and event types.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Block.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Block id.
	pub type BlockId = generic::BlockId<Block>;

	impl_opaque_keys! {
		/// The keys a validator holds: Aura (sr25519) for authoring, GRANDPA (ed25519) for voting.
		pub struct SessionKeys {
			pub aura: Aura,
			pub grandpa: Grandpa,
		}
	}
}

/// The runtime's version. Bump `spec_version` on every change to the runtime's logic and
/// `transaction_version` on every change to call indices or call arguments.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("aipin"),
	impl_name: alloc::borrow::Cow::Borrowed("aipin-node"),
	authoring_version: 1,
	spec_version: 103,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// Address format: `MultiAddress` so wallets can use the standard encoding.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The transaction extensions, in order. All are standard FRAME extensions that generic clients
/// (polkadot.js, PAPI, subxt) know; AiPIN adds none of its own.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// An extrinsic as it arrives in a block.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload a signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations run on the next runtime upgrade, besides the pallets' own. Each is
/// versioned (it runs only from the storage version it migrates), so one that has run may stay
/// listed until a later release drops it. `runtime/tests/upgrade.rs` runs them from the
/// previous release's storage with every try-runtime check.
type Migrations = (
	pallet_task_escrow::migrations::v1::MigrateToV1<Runtime>,
	pallet_task_escrow::migrations::v2::MigrateToV2<Runtime>,
	pallet_compute_staking::migrations::v2::MigrateToV2<Runtime>,
	pallet_task_escrow::migrations::v3::MigrateToV3<Runtime>,
	pallet_compute_staking::migrations::v3::MigrateToV3<Runtime, configs::PriceUnit>,
	pallet_models::migrations::v1::MigrateToV1<Runtime>,
	pallet_bme::migrations::v1::MigrateToV1<Runtime>,
);

/// Dispatches calls to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;

	/// Development chains only: the `local_testnet` preset sets no sudo key.
	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;

	// Governance (`configs/governance.rs`): 7 the council, 8 preimages, 9 root through the
	// council.
	#[runtime::pallet_index(7)]
	pub type Council = pallet_collective<Instance1>;

	#[runtime::pallet_index(8)]
	pub type Preimage = pallet_preimage;

	#[runtime::pallet_index(9)]
	pub type Whitelist = pallet_whitelist;

	// The compute pallets: 10 staking, 11 BME, 12 slashing, 13 escrow, 14 models.
	#[runtime::pallet_index(10)]
	pub type Staking = pallet_compute_staking;

	#[runtime::pallet_index(11)]
	pub type Bme = pallet_bme;

	#[runtime::pallet_index(12)]
	pub type Slashing = pallet_compute_slashing;

	#[runtime::pallet_index(13)]
	pub type Escrow = pallet_task_escrow;

	#[runtime::pallet_index(14)]
	pub type Models = pallet_models;
}
