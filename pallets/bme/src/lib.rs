#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod config_preludes;
mod credit_impls;
mod epoch_impls;
mod impls;
pub mod migrations;
#[cfg(test)]
mod mock;
mod oracle_impls;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use impls::AccountBurns;
pub use types::*;
pub use weights::WeightInfo;

const LOG_TARGET: &str = "runtime::bme";

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use aipin_primitives::Credits;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Balanced, Inspect, Mutate},
			EnsureOrigin,
		},
		weights::WeightMeter,
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{
		traits::{Saturating, Zero},
		Perbill,
	};

	/// Balance of the native token.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A closed epoch's record with this runtime's types.
	pub type EpochRecordOf<T> = EpochRecord<BalanceOf<T>, BlockNumberFor<T>>;
	/// A provider's heartbeat summary with this runtime's types.
	pub type AvailabilityOf<T> = Availability<BalanceOf<T>, BlockNumberFor<T>>;

	/// Version 1 keeps a few unclaimed epochs per provider (`migrations::v1`).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config(with_default)]
	pub trait Config: frame_system::Config {
		/// The native token: burned for credits, minted as rewards.
		#[pallet::no_default]
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ Balanced<Self::AccountId>;

		/// Manages the feeder set.
		#[pallet::no_default_bounds]
		type OracleOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Planck per whole token (10^12 for AIP).
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type TokenUnit: Get<BalanceOf<Self>>;

		/// USD value of one credit, in nano-USD (10,000 = $0.00001).
		#[pallet::constant]
		type CreditValueNanoUsd: Get<u128>;

		/// Feeders at most.
		#[pallet::constant]
		type MaxFeeders: Get<u32>;

		/// A submission older than this many blocks no longer counts.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type PriceValidity: Get<BlockNumberFor<Self>>;

		/// A submission further than this from the effective price is refused (zero: no
		/// bound). Protects against fat fingers and a single captured feeder.
		#[pallet::constant]
		type MaxPriceDeviation: Get<Perbill>;

		/// Blocks per epoch.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type EpochLength: Get<BlockNumberFor<Self>>;

		/// Scheduled emission of epoch 0.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type InitialEmission: Get<BalanceOf<Self>>;

		/// Share by which the scheduled emission falls each epoch.
		#[pallet::constant]
		type EmissionDecay: Get<Perbill>;

		/// Total scheduled emission never exceeds this (zero: no cap).
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type MaxScheduledEmission: Get<BalanceOf<Self>>;

		/// Burned tokens re-minted per epoch at most, on top of the schedule (HIP-20 style).
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type NetEmissionCap: Get<BalanceOf<Self>>;

		/// Share of an epoch's emission offered for work; the rest pays availability.
		#[pallet::constant]
		type WorkShare: Get<Perbill>;

		/// The work pool of an epoch never exceeds this fraction of the tokens consumers burned
		/// for the verified work it rewards (at most 100%), so no provider paying itself through
		/// sybil consumers gets back more than it burned. What the bound holds back goes to the
		/// availability pool (Helium HIP-10 style).
		#[pallet::constant]
		type WorkPoolBound: Get<Perbill>;

		/// Largest heartbeat gap that still counts as responsive (the staking pallet's).
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type HeartbeatInterval: Get<BlockNumberFor<Self>>;

		/// Epochs a provider may have awaiting a claim, the epoch in progress included; older
		/// ones are settled into its pending rewards when it takes part in a new epoch. A
		/// claim is declared for this many, so keep it small: settling earlier changes no
		/// amount (an epoch's pools are fixed when it closes), only how far back
		/// `rewards_of` itemises them.
		#[pallet::constant]
		type MaxUnclaimedEpochs: Get<u32>;

		/// Closed epochs kept for explorers even when fully claimed.
		#[pallet::constant]
		type HistoryDepth: Get<u32>;

		/// Weights of this pallet, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// The feeders.
	#[pallet::storage]
	pub type Feeders<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxFeeders>, ValueQuery>;

	/// Each feeder's latest submission.
	#[pallet::storage]
	pub type Submissions<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, PriceSubmission<BlockNumberFor<T>>>;

	/// The effective price (nano-USD per AIP), or `None` while the circuit breaker is tripped.
	#[pallet::storage]
	pub type EffectivePrice<T: Config> = StorageValue<_, u128>;

	/// Block at which the effective price must be recomputed (a submission expires).
	#[pallet::storage]
	pub type OracleCheckAt<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// Spendable credits per account.
	#[pallet::storage]
	pub type Credits_<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Credits, ValueQuery>;

	/// Escrowed (reserved) credits per account.
	#[pallet::storage]
	pub type ReservedCredits<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Credits, ValueQuery>;

	/// Tokens an account burned for the credits it still holds (free and reserved): its cost
	/// basis. Spending credits moves the matching share of it into the provider's epoch work,
	/// which is how the work pool knows what was burned for the work it pays.
	#[pallet::storage]
	pub type CreditCost<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BalanceOf<T>, ValueQuery>;

	/// Running totals.
	#[pallet::storage]
	pub type Stats<T: Config> = StorageValue<_, BmeStats<BalanceOf<T>>, ValueQuery>;

	/// Total issuance at genesis (for the supply invariant).
	#[pallet::storage]
	pub type GenesisIssuance<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// The epoch in progress.
	#[pallet::storage]
	pub type CurrentEpoch<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	/// First block of the epoch in progress.
	#[pallet::storage]
	pub type EpochStart<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// Scheduled emission of the epoch in progress.
	#[pallet::storage]
	pub type ScheduledEmission<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// Scheduled emission of all closed epochs (for the cap).
	#[pallet::storage]
	pub type ScheduledSoFar<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

	/// Totals of the epoch in progress.
	#[pallet::storage]
	pub type Accumulator<T: Config> = StorageValue<_, EpochAccumulator<BalanceOf<T>>, ValueQuery>;

	/// Closed epochs.
	#[pallet::storage]
	pub type Epochs<T: Config> = StorageMap<_, Twox64Concat, EpochIndex, EpochRecordOf<T>>;

	/// Oldest epoch record not yet pruned.
	#[pallet::storage]
	pub type PruneCursor<T: Config> = StorageValue<_, EpochIndex, ValueQuery>;

	/// Verified work a provider did in an epoch: credits earned and what was burned for them.
	#[pallet::storage]
	pub type Work<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		WorkDone<BalanceOf<T>>,
	>;

	/// A provider's heartbeats in an epoch.
	#[pallet::storage]
	pub type HeartbeatLog<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		EpochIndex,
		Blake2_128Concat,
		T::AccountId,
		AvailabilityOf<T>,
	>;

	/// Epochs (ascending) in which a provider has an unclaimed share.
	#[pallet::storage]
	pub type Unclaimed<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<EpochIndex, T::MaxUnclaimedEpochs>,
		ValueQuery,
	>;

	/// Rewards settled (when a provider had too many unclaimed epochs) but not yet minted.
	#[pallet::storage]
	pub type PendingRewards<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, BalanceOf<T>, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Initial feeders.
		pub feeders: Vec<T::AccountId>,
		/// Initial price (nano-USD per AIP), submitted by the first feeder at genesis; zero for
		/// none (the oracle starts halted).
		pub initial_price: u128,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let feeders: BoundedVec<T::AccountId, T::MaxFeeders> =
				self.feeders.clone().try_into().expect("genesis: too many feeders");
			Feeders::<T>::put(&feeders);
			if let (Some(first), true) = (feeders.first(), self.initial_price > 0) {
				Submissions::<T>::insert(
					first,
					PriceSubmission { price: self.initial_price, at: Zero::zero() },
				);
				EffectivePrice::<T>::put(self.initial_price);
				OracleCheckAt::<T>::put(T::PriceValidity::get());
			}
			GenesisIssuance::<T>::put(T::Currency::total_issuance());
			ScheduledEmission::<T>::put(T::InitialEmission::get());
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A feeder joined the oracle.
		FeederAdded { feeder: T::AccountId },
		/// A feeder left the oracle (its submission no longer counts).
		FeederRemoved { feeder: T::AccountId },
		/// A feeder submitted a price (nano-USD per AIP).
		PriceSubmitted { feeder: T::AccountId, price: u128 },
		/// The effective (median) price changed.
		EffectivePriceChanged { price: u128 },
		/// No fresh price: buying credits and claiming rewards are paused.
		OracleHalted,
		/// A fresh price arrived: buying and claiming resume.
		OracleResumed { price: u128 },
		/// `tokens` were burned for `credits` at `price`.
		CreditsPurchased { who: T::AccountId, tokens: BalanceOf<T>, credits: Credits, price: u128 },
		/// Escrowed credits of `consumer` paid for `provider`'s work.
		CreditsSpent {
			consumer: T::AccountId,
			provider: T::AccountId,
			credits: Credits,
			/// Tokens the consumer burned for these credits (its cost basis).
			value: BalanceOf<T>,
			/// Whether the work was verified, and so counts toward the work pool.
			verified: bool,
		},
		/// Escrowed credits of `who` were destroyed: a fee it forfeited (its task's input was
		/// bad). Nobody receives them.
		CreditsForfeited { who: T::AccountId, credits: Credits },
		/// An epoch closed.
		EpochClosed {
			epoch: EpochIndex,
			scheduled: BalanceOf<T>,
			recycled: BalanceOf<T>,
			work_pool: BalanceOf<T>,
			availability_pool: BalanceOf<T>,
			total_work: Credits,
			/// Tokens burned for the verified work of the epoch (bounds `work_pool`).
			total_value: BalanceOf<T>,
			total_stake: BalanceOf<T>,
		},
		/// A provider's share of an epoch was settled.
		EpochRewardSettled {
			provider: T::AccountId,
			epoch: EpochIndex,
			work: BalanceOf<T>,
			availability: BalanceOf<T>,
		},
		/// Rewards were minted to a provider.
		RewardsClaimed { provider: T::AccountId, amount: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The signer is not a feeder.
		NotFeeder,
		/// The account is a feeder already.
		AlreadyFeeder,
		/// `MaxFeeders` feeders already.
		TooManyFeeders,
		/// A price must be positive.
		ZeroPrice,
		/// The price is further than `MaxPriceDeviation` from the effective price.
		PriceDeviationTooLarge,
		/// No fresh price: the circuit breaker is tripped.
		OracleHalted,
		/// The amount is zero.
		ZeroAmount,
		/// Not enough free balance to burn.
		InsufficientBalance,
		/// Fewer credits than `min_credits` at the current price.
		SlippageExceeded,
		/// The purchase is too small to buy a single credit.
		TooSmall,
		/// Arithmetic overflow.
		Overflow,
		/// Not enough free credits.
		InsufficientCredits,
		/// Not enough reserved credits.
		InsufficientReserved,
		/// No finished epoch and no pending reward to claim.
		NothingToClaim,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let mut weight = T::DbWeight::get().reads(2);
			if now >= OracleCheckAt::<T>::get() {
				Self::refresh_price(now);
				weight = weight.saturating_add(T::WeightInfo::refresh_price(T::MaxFeeders::get()));
			}
			if now >= EpochStart::<T>::get().saturating_add(T::EpochLength::get()) {
				Self::close_epoch(now);
				weight = weight.saturating_add(T::WeightInfo::close_epoch());
			}
			weight
		}

		fn on_idle(_now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			let mut meter = WeightMeter::with_limit(remaining);
			Self::prune_epochs(&mut meter);
			meter.consumed()
		}

		fn integrity_test() {
			assert!(!T::EpochLength::get().is_zero(), "EpochLength must be positive");
			assert!(T::MaxUnclaimedEpochs::get() >= 2, "MaxUnclaimedEpochs must be at least 2");
			assert!(T::MaxFeeders::get() > 0, "MaxFeeders must be positive");
			assert!(!T::PriceValidity::get().is_zero(), "PriceValidity must be positive");
			assert!(T::CreditValueNanoUsd::get() > 0, "CreditValueNanoUsd must be positive");
			assert!(!T::TokenUnit::get().is_zero(), "TokenUnit must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Adds a price feeder.
		///
		/// ## Dispatch Origin
		/// `OracleOrigin` (governance; sudo on dev chains).
		///
		/// ## Details
		/// Declared for `MaxFeeders`, charged for the feeders there were.
		///
		/// ## Events
		/// `FeederAdded`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::add_feeder(T::MaxFeeders::get()))]
		pub fn add_feeder(
			origin: OriginFor<T>,
			feeder: T::AccountId,
		) -> DispatchResultWithPostInfo {
			T::OracleOrigin::ensure_origin(origin)?;
			let before = Self::feeder_count();
			Self::do_add_feeder(feeder)?;
			Ok(Some(T::WeightInfo::add_feeder(before)).into())
		}

		/// Removes a price feeder; its submission stops counting at once.
		///
		/// ## Dispatch Origin
		/// `OracleOrigin`.
		///
		/// ## Details
		/// Declared for `MaxFeeders`, charged for the feeders there were.
		///
		/// ## Events
		/// `FeederRemoved`, and `EffectivePriceChanged` or `OracleHalted` if the median moved.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::remove_feeder(T::MaxFeeders::get()))]
		pub fn remove_feeder(
			origin: OriginFor<T>,
			feeder: T::AccountId,
		) -> DispatchResultWithPostInfo {
			T::OracleOrigin::ensure_origin(origin)?;
			let before = Self::feeder_count();
			Self::do_remove_feeder(feeder)?;
			Ok(Some(T::WeightInfo::remove_feeder(before)).into())
		}

		/// Submits the token's price in nano-USD per whole AIP.
		///
		/// ## Dispatch Origin
		/// Signed by a feeder.
		///
		/// ## Details
		/// Replaces the feeder's previous submission. The effective price is recomputed at once
		/// (median of fresh submissions); a tripped circuit breaker resets. Declared for
		/// `MaxFeeders`, charged for the feeders there are.
		///
		/// ## Events
		/// `PriceSubmitted`; `EffectivePriceChanged` and `OracleResumed` as they apply.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::submit_price(T::MaxFeeders::get()))]
		pub fn submit_price(origin: OriginFor<T>, price: u128) -> DispatchResultWithPostInfo {
			let feeder = ensure_signed(origin)?;
			Self::do_submit_price(feeder, price)?;
			Ok(Some(T::WeightInfo::submit_price(Self::feeder_count())).into())
		}

		/// Burns `tokens` for compute credits at the effective price.
		///
		/// ## Dispatch Origin
		/// Signed.
		///
		/// ## Details
		/// Credits = `tokens × price / (TokenUnit × CreditValueNanoUsd)`, rounded down. Fails if
		/// that is below `min_credits` (slippage protection) or if the oracle is halted. The
		/// account must keep its existential deposit.
		///
		/// ## Events
		/// `CreditsPurchased`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::buy_credits())]
		pub fn buy_credits(
			origin: OriginFor<T>,
			tokens: BalanceOf<T>,
			min_credits: Credits,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_buy_credits(who, tokens, min_credits)
		}

		/// Mints the signer's rewards from every finished epoch it took part in, plus any
		/// pending settled rewards.
		///
		/// ## Dispatch Origin
		/// Signed by a provider's stash.
		///
		/// ## Details
		/// Declared for the most unclaimed epochs an account can have (`MaxUnclaimedEpochs`, a
		/// few); charged for the epochs it settles, and, when it fails, for none.
		///
		/// ## Events
		/// `EpochRewardSettled` per epoch, then `RewardsClaimed`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::claim_rewards(T::MaxUnclaimedEpochs::get()))]
		pub fn claim_rewards(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			Self::do_claim(who)
		}
	}

	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// Running totals, the epoch in progress and the effective price.
		pub fn bme_stats() -> (BmeStats<BalanceOf<T>>, EpochIndex, Option<u128>) {
			(Stats::<T>::get(), CurrentEpoch::<T>::get(), EffectivePrice::<T>::get())
		}

		/// Rewards `provider` could claim now (pending plus every finished epoch).
		pub fn claimable_rewards(provider: T::AccountId) -> BalanceOf<T> {
			Self::claimable(&provider)
		}

		/// `provider`'s rewards by epoch: each finished epoch it has not claimed with its share,
		/// what is settled but not minted, and its verified work in the epoch in progress.
		pub fn rewards_of(provider: T::AccountId) -> ProviderRewards<BalanceOf<T>> {
			Self::rewards(&provider)
		}

		/// Credits of `who`: (free, reserved).
		pub fn credits_of(who: T::AccountId) -> (Credits, Credits) {
			(Credits_::<T>::get(&who), ReservedCredits::<T>::get(&who))
		}

		/// Credits that `tokens` buy at the current price, if the oracle is live.
		pub fn quote_credits(tokens: BalanceOf<T>) -> Option<Credits> {
			EffectivePrice::<T>::get().and_then(|p| Self::credits_for(tokens, p))
		}
	}
}
