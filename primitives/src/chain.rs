//! The chain's basic types and token units, shared by the runtime and every client.

use sp_runtime::{
	traits::{IdentifyAccount, Verify},
	MultiSignature,
};

/// Block number.
pub type BlockNumber = u32;
/// Signature of a transaction: sr25519, ed25519 or ecdsa.
pub type Signature = MultiSignature;
/// Account id: the public key of the signing scheme (32 bytes).
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account, in planck (10^-12 AIP).
pub type Balance = u128;
/// Transaction index of an account.
pub type Nonce = u32;
/// Hash type of blocks and tries.
pub type Hash = sp_core::H256;
/// Compute credits: non-transferable units tasks are priced and escrowed in.
pub type Credits = u128;

/// Token units. `AIP` has 12 decimals.
pub mod units {
	use super::Balance;

	/// One AIP.
	pub const AIP: Balance = 1_000_000_000_000;
	/// 10^-3 AIP.
	pub const MILLI_AIP: Balance = AIP / 1_000;
	/// 10^-6 AIP.
	pub const MICRO_AIP: Balance = MILLI_AIP / 1_000;
	include!("token.rs");
	/// SS58 address prefix (42: the generic Substrate prefix, for dev and test chains).
	pub const SS58_PREFIX: u16 = 42;
	/// The smallest balance an account may hold.
	pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_AIP;
}
