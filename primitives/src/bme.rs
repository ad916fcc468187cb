//! Burn-and-mint equilibrium: the counters and epoch numbers the BME pallet exposes.

use crate::Credits;
use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Epochs are numbered from 0 at genesis.
pub type EpochIndex = u32;

/// Running totals, for explorers and the `try_state` invariants.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo)]
#[derive(serde::Serialize, serde::Deserialize)]
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct BmeStats<Balance> {
	/// Tokens burned by `buy_credits`.
	pub burned_for_credits: Balance,
	/// Stake burned by slashing.
	pub burned_by_slashing: Balance,
	/// Transaction fees and dust burned.
	pub burned_fees: Balance,
	/// Tokens minted as rewards.
	pub minted: Balance,
	/// Credits ever issued by `buy_credits`.
	pub credits_issued: Credits,
	/// Credits ever spent on work.
	pub credits_spent: Credits,
	/// Credits ever forfeited by consumers (a task's input fee when its input was bad).
	pub credits_forfeited: Credits,
	/// Credits that exist now (free + reserved).
	pub credits_outstanding: Credits,
}
