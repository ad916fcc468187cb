//! Burn-and-mint equilibrium: the counters and epoch numbers the BME pallet exposes.

use crate::Credits;
use alloc::vec::Vec;
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

/// A provider's verified work in one epoch.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct WorkDone<Balance> {
	/// Credits it earned.
	pub credits: Credits,
	/// Tokens its consumers burned for those credits (their cost basis): its share of the
	/// work pool is pro rata to this.
	pub value: Balance,
}

/// A provider's share of one epoch.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct EpochReward<Balance> {
	/// From the work pool.
	pub work: Balance,
	/// From the availability pool.
	pub availability: Balance,
}

/// A provider's rewards, as the BME pallet's `rewards_of` view function reports them. What it
/// can claim now is [`Self::claimable`].
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct ProviderRewards<Balance> {
	/// Each finished epoch it has not claimed yet, oldest first, with its share of it.
	pub epochs: Vec<(EpochIndex, EpochReward<Balance>)>,
	/// Shares settled earlier (when more epochs awaited a claim than the bound) and not yet
	/// minted.
	pub pending: Balance,
	/// Its verified work in the epoch in progress so far; that epoch's share is known when
	/// it closes.
	pub current: WorkDone<Balance>,
}

impl<Balance: Copy + sp_runtime::Saturating> ProviderRewards<Balance> {
	/// What the provider can claim now: `pending` plus its share of every finished epoch.
	pub fn claimable(&self) -> Balance {
		self.epochs.iter().fold(self.pending, |acc, (_, r)| {
			acc.saturating_add(r.work).saturating_add(r.availability)
		})
	}
}
