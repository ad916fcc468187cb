//! Types stored by the BME pallet.

pub use aipin_primitives::bme::{BmeStats, EpochIndex, EpochReward, ProviderRewards, WorkDone};
use aipin_primitives::Credits;
use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// A feeder's latest price.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub struct PriceSubmission<BlockNumber> {
	/// Nano-USD per whole AIP.
	pub price: u128,
	/// Block it was submitted in.
	pub at: BlockNumber,
}

/// What is being accumulated for the epoch in progress.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct EpochAccumulator<Balance> {
	/// Credits earned by all providers so far, by verified work.
	pub total_work: Credits,
	/// Tokens consumers burned for that work (Σ of the providers' `WorkDone::value`).
	pub total_value: Balance,
	/// Σ of the (minimum) stake of every provider that sent a heartbeat this epoch.
	pub total_stake: Balance,
	/// Tokens burned for credits so far (for re-minting under the net-emission cap).
	pub burned: Balance,
	/// Providers with an entry this epoch (each must claim, or be settled, before the epoch
	/// record can be pruned).
	pub participants: u32,
}

/// A closed epoch: what it mints and how it is split.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub struct EpochRecord<Balance, BlockNumber> {
	/// First block of the epoch.
	pub start: BlockNumber,
	/// First block after it.
	pub end: BlockNumber,
	/// Scheduled emission `E(epoch)`.
	pub scheduled: Balance,
	/// Burned tokens re-minted (at most the net-emission cap).
	pub recycled: Balance,
	/// Tokens burned for credits during the epoch.
	pub burned: Balance,
	/// Pool for work, split pro rata to the value of verified work: `WorkShare` of the
	/// emission, at most `WorkPoolBound` × `total_value` (zero if nobody worked).
	pub work_pool: Balance,
	/// Pool for availability, split pro rata to stake (zero if nobody sent heartbeats).
	pub availability_pool: Balance,
	/// Credits earned in the epoch by all providers, by verified work.
	pub total_work: Credits,
	/// Tokens consumers burned for that work.
	pub total_value: Balance,
	/// Σ stake of providers that sent heartbeats.
	pub total_stake: Balance,
	/// Rewards minted from this epoch so far.
	pub claimed: Balance,
	/// Provider entries not yet claimed.
	pub unclaimed: u32,
}

/// A provider's heartbeats in one epoch.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub struct Availability<Balance, BlockNumber> {
	/// Lowest stake seen at its heartbeats this epoch (the stake that counts).
	pub stake: Balance,
	/// Heartbeat before the first one of the epoch (must not be after the epoch's start).
	pub first_previous: BlockNumber,
	/// Longest gap between consecutive heartbeats.
	pub max_gap: BlockNumber,
	/// Last heartbeat.
	pub last: BlockNumber,
}
