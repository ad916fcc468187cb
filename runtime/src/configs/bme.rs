//! Burn-and-mint equilibrium (`pallet-bme`, index 11).

use crate::{time::HOURS, units::AIP, Balance, Balances, BlockNumber, Runtime};
use frame_support::{parameter_types, traits::ConstU32};
use sp_runtime::Perbill;

use super::HeartbeatInterval;

parameter_types! {
	/// Rewards are minted per hour. A `storage` parameter like `SlashDeferPeriod` (key
	/// `twox_128(b":EpochLength:")`); a new length applies from the epoch in progress.
	pub storage EpochLength: BlockNumber = HOURS;
}

parameter_types! {
	pub const TokenUnit: Balance = AIP;
	/// Submissions count for an hour.
	pub const PriceValidity: BlockNumber = HOURS;
	/// A submission more than 50% away from the effective price is refused.
	pub const MaxPriceDeviation: Perbill = Perbill::from_percent(50);
	/// 1,000 AIP per hourly epoch at launch...
	pub const InitialEmission: Balance = 1_000 * AIP;
	/// ... halving about every year (1 − 0.5^(1/8766) per epoch ≈ 0.0079%).
	pub const EmissionDecay: Perbill = Perbill::from_parts(79_069);
	/// At most 100 million AIP are ever scheduled.
	pub const MaxScheduledEmission: Balance = 100_000_000 * AIP;
	/// Burned AIP re-minted per epoch at most (HIP-20 style).
	pub const NetEmissionCap: Balance = 100 * AIP;
	/// 80% of each epoch is offered for work, 20% pays availability...
	pub const WorkShare: Perbill = Perbill::from_percent(80);
	/// ... but the work pool never exceeds what consumers burned for the verified work it pays
	/// (wash trading returns at most what was burned); the rest pays availability.
	pub const WorkPoolBound: Perbill = Perbill::from_percent(100);
}

impl pallet_bme::Config for Runtime {
	type Currency = Balances;
	type OracleOrigin = super::GovernanceOrigin;
	type TokenUnit = TokenUnit;
	/// One credit is worth $0.00001.
	type CreditValueNanoUsd = frame_support::traits::ConstU128<10_000>;
	type MaxFeeders = ConstU32<16>;
	type PriceValidity = PriceValidity;
	type MaxPriceDeviation = MaxPriceDeviation;
	type EpochLength = EpochLength;
	type InitialEmission = InitialEmission;
	type EmissionDecay = EmissionDecay;
	type MaxScheduledEmission = MaxScheduledEmission;
	type NetEmissionCap = NetEmissionCap;
	type WorkShare = WorkShare;
	type WorkPoolBound = WorkPoolBound;
	type HeartbeatInterval = HeartbeatInterval;
	/// The epoch in progress and the two before it await a claim; older ones are settled into
	/// pending rewards (no amount changes), so a claim is declared for three epochs, not for a
	/// week of them.
	type MaxUnclaimedEpochs = ConstU32<3>;
	/// Thirty days of epoch records stay readable.
	type HistoryDepth = ConstU32<720>;
	type WeightInfo = pallet_bme::weights::SubstrateWeight<Runtime>;
}
