//! # aipin-client
//!
//! The one typed client of the AiPIN chain, used by the provider worker, the `aipin` CLI, the
//! tools and the end-to-end tests:
//!
//! - [`Client`]: the connection (with a clear error when the node is not there), reconnect,
//!   and a local nonce per signer so one account can send many transactions in a row.
//! - [`reads`]: storage and view-function reads decoded straight into the chain's own types
//!   from `aipin-primitives` (through [`subxt::utils::Static`], as polkadot-staking-miner
//!   does), so a change to a pallet type is a compile error here, not a decode error at run
//!   time.
//! - [`calls`]: typed call builders; [`events`]: typed event lookups.
//! - [`keys`]: the one secret loader (file or environment); [`units`]: AIP amounts and
//!   account formats; [`http`]: bounded HTTP(S) downloads; [`verify`]: result roots.
//! - [`programs`]: a registered model's program, read from the chain or fetched from its URL
//!   and checked as every provider checks it.
//!
//! Why `Static` rather than code generated from committed metadata: the types already exist,
//! in `no_std` crates the runtime compiles, so reusing them needs no metadata file to keep in
//! step and no generated code to compile. What `Static` does not check (that the runtime
//! still uses these types in these places) is checked by this crate's tests against the
//! runtime's metadata.

pub mod calls;
mod client;
mod error;
pub mod events;
pub mod http;
pub mod keys;
pub mod programs;
pub mod reads;
pub mod units;
pub mod verify;
mod view;

pub use aipin_primitives as primitives;
pub use client::{At, Client, Included, Signed};
pub use error::{Error, Result};
pub use subxt_signer::sr25519::Keypair;
pub use view::view;

/// The subxt client type underneath.
pub type Api = subxt::OnlineClient<subxt::SubstrateConfig>;
/// The chain's account id (`sp_runtime::AccountId32`).
pub type AccountId = aipin_primitives::AccountId;

/// The bound the client decodes bounded vectors with: none. The chain enforces its own bounds
/// before anything is stored, so a client never refuses what the chain holds.
pub type Unbounded = sp_core::ConstU32<{ u32::MAX }>;

/// The account id of `key`.
pub fn account_of(key: &Keypair) -> AccountId {
	AccountId::new(key.public_key().0)
}
