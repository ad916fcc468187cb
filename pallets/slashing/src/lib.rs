#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod config_preludes;
mod dispatchable_impls;
mod hook_impls;
mod impls;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
mod try_state;
pub mod weights;

pub use weights::WeightInfo;

const LOG_TARGET: &str = "runtime::compute-slashing";

pub use aipin_primitives::{SlashId, SlashRecord, SlashStatus};

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use aipin_primitives::{OffenceKind, OnStakeBurned, ProviderRegistry, TaskId};
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{tokens::Balance as BalanceT, EnsureOrigin},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::Perbill;

	/// The record type with this runtime's types.
	pub type SlashRecordOf<T> = SlashRecord<
		<T as frame_system::Config>::AccountId,
		<T as Config>::Balance,
		BlockNumberFor<T>,
	>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config(with_default)]
	pub trait Config: frame_system::Config {
		/// Balance of stake.
		#[pallet::no_default_bounds]
		type Balance: BalanceT;

		/// The provider registry (the staking pallet): slashable stake, slash, jail.
		#[pallet::no_default]
		type Registry: ProviderRegistry<Self::AccountId, Self::Balance, BlockNumberFor<Self>>;

		/// Told about burned stake (the BME pallet counts it).
		#[pallet::no_default_bounds]
		type OnBurned: OnStakeBurned<Self::Balance>;

		/// May cancel a pending slash (appeal).
		#[pallet::no_default_bounds]
		type CancelOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Fraction slashed for a wrong (minority) result.
		#[pallet::constant]
		type WrongResultSlash: Get<Perbill>;
		/// Fraction slashed for a reveal that does not match its commitment.
		#[pallet::constant]
		type InvalidRevealSlash: Get<Perbill>;
		/// Fraction slashed for a missed commit (liveness; small).
		#[pallet::constant]
		type MissedCommitSlash: Get<Perbill>;
		/// Fraction slashed for a missed reveal (liveness; small).
		#[pallet::constant]
		type MissedRevealSlash: Get<Perbill>;
		/// Fraction slashed for a wrong answer to a known-answer task.
		#[pallet::constant]
		type FailedCanarySlash: Get<Perbill>;

		/// Blocks between a report and its application, during which it can be cancelled.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type SlashDeferPeriod: Get<BlockNumberFor<Self>>;

		/// Share of a slash paid to the offence's beneficiary; the rest is burned.
		#[pallet::constant]
		type RewardFraction: Get<Perbill>;

		/// Offences within `JailWindow` that get a provider jailed.
		#[pallet::constant]
		type JailThreshold: Get<u32>;
		/// Window, in blocks, over which offences are counted for jailing.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type JailWindow: Get<BlockNumberFor<Self>>;
		/// Blocks a jailed provider must wait before `unjail`.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type JailDuration: Get<BlockNumberFor<Self>>;

		/// Slashes applied per block at most.
		#[pallet::constant]
		type MaxSlashesPerBlock: Get<u32>;
		/// Records (pending, applied or cancelled, not yet pruned) kept at most.
		#[pallet::constant]
		type MaxSlashRecords: Get<u32>;
		/// Blocks a record is kept after its report (and its offence refused if reported again).
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type RecordRetention: Get<BlockNumberFor<Self>>;

		/// Weights of this pallet, from its benchmarks.
		type WeightInfo: WeightInfo;

		/// Creates providers with stake for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		#[pallet::no_default]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Slash records by id.
	#[pallet::storage]
	pub type Slashes<T: Config> = CountedStorageMap<_, Twox64Concat, SlashId, SlashRecordOf<T>>;

	/// The id the next report gets.
	#[pallet::storage]
	pub type NextSlashId<T: Config> = StorageValue<_, SlashId, ValueQuery>;

	/// The oldest record that may still be pending.
	#[pallet::storage]
	pub type ApplyCursor<T: Config> = StorageValue<_, SlashId, ValueQuery>;

	/// The oldest record not yet pruned.
	#[pallet::storage]
	pub type PruneCursor<T: Config> = StorageValue<_, SlashId, ValueQuery>;

	/// Offences already reported: (kind, task, provider) → record.
	#[pallet::storage]
	pub type Reported<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, OffenceKind>,
			NMapKey<Twox64Concat, TaskId>,
			NMapKey<Blake2_128Concat, T::AccountId>,
		),
		SlashId,
	>;

	/// Recent offence blocks per provider, for jailing.
	#[pallet::storage]
	pub type RecentOffences<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<BlockNumberFor<T>, T::JailThreshold>,
		ValueQuery,
	>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An offence was reported; `amount` will be slashed at `apply_at` unless cancelled.
		OffenceReported {
			slash_id: SlashId,
			provider: T::AccountId,
			kind: OffenceKind,
			task: TaskId,
			amount: T::Balance,
			apply_at: BlockNumberFor<T>,
		},
		/// A slash was applied.
		SlashApplied {
			slash_id: SlashId,
			provider: T::AccountId,
			slashed: T::Balance,
			rewarded: T::Balance,
			burned: T::Balance,
		},
		/// Applying a slash failed (the provider left, or stake was gone); nothing was taken.
		SlashFailed { slash_id: SlashId, provider: T::AccountId },
		/// A pending slash was cancelled on appeal.
		SlashCancelled { slash_id: SlashId, provider: T::AccountId },
		/// A repeat offender was jailed.
		ProviderJailed { provider: T::AccountId, until: BlockNumberFor<T> },
		/// A jailed provider was released.
		ProviderUnjailed { provider: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// This offence (kind, task, provider) was reported already.
		AlreadyReported,
		/// No slash record with this id.
		SlashNotFound,
		/// The slash was applied or cancelled already.
		SlashNotPending,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::apply_due(now)
		}

		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::prune(now, remaining)
		}

		fn integrity_test() {
			assert!(T::MaxSlashesPerBlock::get() > 0, "MaxSlashesPerBlock must be positive");
			assert!(T::JailThreshold::get() > 0, "JailThreshold must be positive");
			assert!(
				T::RecordRetention::get() > T::SlashDeferPeriod::get(),
				"records must outlive their deferral"
			);
			assert!(T::MaxSlashRecords::get() > 0, "MaxSlashRecords must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Cancels a pending slash (an appeal upheld).
		///
		/// ## Dispatch Origin
		/// `CancelOrigin` (governance; sudo on dev chains).
		///
		/// ## Details
		/// Only a pending slash can be cancelled. The offence stays recorded (it cannot be
		/// reported again) and still counts toward jailing if it already did.
		///
		/// ## Events
		/// `SlashCancelled`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::cancel_slash())]
		pub fn cancel_slash(origin: OriginFor<T>, slash_id: SlashId) -> DispatchResult {
			T::CancelOrigin::ensure_origin(origin)?;
			Self::do_cancel(slash_id)
		}

		/// Releases the signer (a provider's stash) from jail once the term is over.
		///
		/// ## Dispatch Origin
		/// Signed by the stash.
		///
		/// ## Events
		/// `ProviderUnjailed`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::unjail())]
		pub fn unjail(origin: OriginFor<T>) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			T::Registry::unjail(&stash, frame_system::Pallet::<T>::block_number())?;
			Self::deposit_event(Event::ProviderUnjailed { provider: stash });
			Ok(())
		}
	}

	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// `provider`'s slashes still pending, oldest first: what it stands to lose, when each
		/// is applied, and until then governance may cancel it (`cancel_slash` by its id).
		pub fn pending_slashes(provider: T::AccountId) -> Vec<(SlashId, SlashRecordOf<T>)> {
			Self::pending_of(&provider)
		}
	}
}

/// Sets up providers for the benchmarks (the runtime implements it with the staking pallet).
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// A registered provider with stake, numbered `index`.
	fn provider(index: u32) -> AccountId;
}
