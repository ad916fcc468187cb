#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use weights::WeightInfo;

const LOG_TARGET: &str = "runtime::compute-slashing";

/// Identifier of a slash record, in report order.
pub type SlashId = u64;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use aipin_primitives::{
		Offence, OffenceKind, OnStakeBurned, ProviderRegistry, ReportOffence, SlashOutcome, TaskId,
	};
	use frame_support::{
		pallet_prelude::*,
		traits::{tokens::Balance as BalanceT, EnsureOrigin},
		weights::WeightMeter,
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{
		traits::{Saturating, Zero},
		Perbill,
	};

	/// Where a slash record stands.
	#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
	pub enum SlashStatus<Balance> {
		/// Waiting for its due block; can be cancelled.
		Pending,
		/// Applied, with what it did.
		Applied(SlashOutcome<Balance>),
		/// Cancelled by governance.
		Cancelled,
	}

	/// A reported offence and its slash.
	#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
	pub struct SlashRecord<AccountId, Balance, BlockNumber> {
		/// The offence.
		pub offence: Offence<AccountId>,
		/// Stake to take: the kind's fraction of the slashable stake at report time.
		pub amount: Balance,
		/// When it was reported.
		pub reported_at: BlockNumber,
		/// When it is applied (report + `SlashDeferPeriod`).
		pub apply_at: BlockNumber,
		/// Pending, applied or cancelled.
		pub status: SlashStatus<Balance>,
	}

	/// The record type with this runtime's types.
	pub type SlashRecordOf<T> = SlashRecord<
		<T as frame_system::Config>::AccountId,
		<T as Config>::Balance,
		BlockNumberFor<T>,
	>;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config {
		/// Balance of stake.
		type Balance: BalanceT;

		/// The provider registry (the staking pallet): slashable stake, slash, jail.
		type Registry: ProviderRegistry<Self::AccountId, Self::Balance, BlockNumberFor<Self>>;

		/// Told about burned stake (the BME pallet counts it).
		type OnBurned: OnStakeBurned<Self::Balance>;

		/// May cancel a pending slash (appeal).
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
		type SlashDeferPeriod: Get<BlockNumberFor<Self>>;

		/// Share of a slash paid to the offence's beneficiary; the rest is burned.
		#[pallet::constant]
		type RewardFraction: Get<Perbill>;

		/// Offences within `JailWindow` that get a provider jailed.
		#[pallet::constant]
		type JailThreshold: Get<u32>;
		/// Window, in blocks, over which offences are counted for jailing.
		#[pallet::constant]
		type JailWindow: Get<BlockNumberFor<Self>>;
		/// Blocks a jailed provider must wait before `unjail`.
		#[pallet::constant]
		type JailDuration: Get<BlockNumberFor<Self>>;

		/// Slashes applied per block at most.
		#[pallet::constant]
		type MaxSlashesPerBlock: Get<u32>;
		/// Records (pending, applied or cancelled, not yet pruned) kept at most.
		#[pallet::constant]
		type MaxSlashRecords: Get<u32>;
		/// Blocks a record is kept after its report (and its offence refused if reported again).
		#[pallet::constant]
		type RecordRetention: Get<BlockNumberFor<Self>>;

		/// Weights of this pallet, from its benchmarks.
		type WeightInfo: WeightInfo;

		/// Creates providers with stake for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
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
		/// `MaxSlashRecords` records are kept; none can be added until some are pruned.
		TooManySlashRecords,
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

	impl<T: Config> Pallet<T> {
		/// The fraction slashed for an offence kind.
		pub fn fraction(kind: OffenceKind) -> Perbill {
			match kind {
				OffenceKind::WrongResult => T::WrongResultSlash::get(),
				OffenceKind::InvalidReveal => T::InvalidRevealSlash::get(),
				OffenceKind::MissedCommit => T::MissedCommitSlash::get(),
				OffenceKind::MissedReveal => T::MissedRevealSlash::get(),
				OffenceKind::FailedCanary => T::FailedCanarySlash::get(),
			}
		}

		/// Records an offence: computes the amount from today's slashable stake, schedules the
		/// slash, and jails a repeat offender.
		pub fn do_report(offence: Offence<T::AccountId>, now: BlockNumberFor<T>) -> DispatchResult {
			let key = (offence.kind, offence.task, offence.provider.clone());
			ensure!(!Reported::<T>::contains_key(&key), Error::<T>::AlreadyReported);
			ensure!(
				Slashes::<T>::count() < T::MaxSlashRecords::get(),
				Error::<T>::TooManySlashRecords
			);

			let stake = T::Registry::slashable_stake(&offence.provider);
			let amount = Self::fraction(offence.kind) * stake;
			let apply_at = now.saturating_add(T::SlashDeferPeriod::get());
			let slash_id = NextSlashId::<T>::get();
			NextSlashId::<T>::put(slash_id.saturating_add(1));
			Reported::<T>::insert(&key, slash_id);
			Slashes::<T>::insert(
				slash_id,
				SlashRecord {
					offence: offence.clone(),
					amount,
					reported_at: now,
					apply_at,
					status: SlashStatus::Pending,
				},
			);
			Self::deposit_event(Event::OffenceReported {
				slash_id,
				provider: offence.provider.clone(),
				kind: offence.kind,
				task: offence.task,
				amount,
				apply_at,
			});

			// Jail a provider that keeps offending.
			// Offences at blocks `b` with `now - b < JailWindow` count (also near genesis).
			let window = T::JailWindow::get();
			let mut recent = RecentOffences::<T>::get(&offence.provider);
			recent.retain(|b| now.saturating_sub(*b) < window);
			if recent.try_push(now).is_err() || recent.len() as u32 >= T::JailThreshold::get() {
				let until = now.saturating_add(T::JailDuration::get());
				match T::Registry::jail(&offence.provider, until) {
					Ok(()) => Self::deposit_event(Event::ProviderJailed {
						provider: offence.provider.clone(),
						until,
					}),
					Err(e) => {
						log::warn!(target: LOG_TARGET, "could not jail {:?}: {e:?}", offence.provider)
					},
				}
				recent = BoundedVec::new();
			}
			if recent.is_empty() {
				RecentOffences::<T>::remove(&offence.provider);
			} else {
				RecentOffences::<T>::insert(&offence.provider, recent);
			}
			Ok(())
		}

		fn do_cancel(slash_id: SlashId) -> DispatchResult {
			Slashes::<T>::try_mutate(slash_id, |rec| -> DispatchResult {
				let rec = rec.as_mut().ok_or(Error::<T>::SlashNotFound)?;
				ensure!(rec.status == SlashStatus::Pending, Error::<T>::SlashNotPending);
				rec.status = SlashStatus::Cancelled;
				Self::deposit_event(Event::SlashCancelled {
					slash_id,
					provider: rec.offence.provider.clone(),
				});
				Ok(())
			})
		}

		/// Applies due slashes in report order, at most `MaxSlashesPerBlock`.
		pub(crate) fn apply_due(now: BlockNumberFor<T>) -> Weight {
			let mut cursor = ApplyCursor::<T>::get();
			let end = NextSlashId::<T>::get();
			let mut applied = 0u32;
			let mut skipped = 0u32;
			let max = T::MaxSlashesPerBlock::get();
			while cursor < end && applied < max && skipped < max {
				let Some(mut rec) = Slashes::<T>::get(cursor) else {
					// Pruned already (cannot happen before application; defensive).
					cursor = cursor.saturating_add(1);
					skipped += 1;
					continue;
				};
				if rec.status != SlashStatus::Pending {
					cursor = cursor.saturating_add(1);
					skipped += 1;
					continue;
				}
				if rec.apply_at > now {
					break;
				}
				let provider = rec.offence.provider.clone();
				// `slash` takes at most what the provider still holds.
				match T::Registry::slash(
					&provider,
					rec.amount,
					rec.offence.beneficiary.as_ref(),
					T::RewardFraction::get(),
				) {
					Ok(outcome) => {
						if !outcome.burned.is_zero() {
							T::OnBurned::on_stake_burned(outcome.burned);
						}
						rec.status = SlashStatus::Applied(outcome);
						Self::deposit_event(Event::SlashApplied {
							slash_id: cursor,
							provider,
							slashed: outcome.slashed,
							rewarded: outcome.rewarded,
							burned: outcome.burned,
						});
					},
					Err(e) => {
						log::warn!(target: LOG_TARGET, "slash {cursor} of {provider:?} failed: {e:?}");
						rec.status = SlashStatus::Applied(SlashOutcome::default());
						Self::deposit_event(Event::SlashFailed { slash_id: cursor, provider });
					},
				}
				Slashes::<T>::insert(cursor, rec);
				cursor = cursor.saturating_add(1);
				applied += 1;
			}
			ApplyCursor::<T>::put(cursor);
			T::WeightInfo::apply_slashes(applied)
				.saturating_add(T::WeightInfo::skip_records(skipped))
		}

		/// Prunes records older than `RecordRetention` while `remaining` weight lasts.
		pub(crate) fn prune(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			let mut meter = WeightMeter::with_limit(remaining);
			let per_item = T::WeightInfo::prune_record();
			if meter.try_consume(T::DbWeight::get().reads(2)).is_err() {
				return Weight::zero();
			}
			let mut cursor = PruneCursor::<T>::get();
			let apply_cursor = ApplyCursor::<T>::get();
			// Never prune a record the apply cursor has not passed.
			while cursor < apply_cursor && meter.can_consume(per_item) {
				match Slashes::<T>::get(cursor) {
					Some(rec)
						if rec.reported_at.saturating_add(T::RecordRetention::get()) > now =>
					{
						break
					},
					Some(rec) => {
						meter.consume(per_item);
						let o = rec.offence;
						Reported::<T>::remove((o.kind, o.task, o.provider));
						Slashes::<T>::remove(cursor);
					},
					None => meter.consume(T::DbWeight::get().reads(1)),
				}
				cursor = cursor.saturating_add(1);
			}
			PruneCursor::<T>::put(cursor);
			meter.consumed()
		}

		/// The pallet's invariants:
		/// - cursors are ordered: prune ≤ apply ≤ next id;
		/// - every record below the prune cursor is gone; every record at or above it that the
		///   apply cursor passed is applied or cancelled;
		/// - each record is findable through `Reported`, and `Reported` has no other entries;
		/// - the record count is within `MaxSlashRecords`.
		#[cfg(any(feature = "try-runtime", feature = "std", test))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			let (prune, apply, next) =
				(PruneCursor::<T>::get(), ApplyCursor::<T>::get(), NextSlashId::<T>::get());
			ensure!(prune <= apply && apply <= next, "cursors out of order");
			let mut count = 0u32;
			for (id, rec) in Slashes::<T>::iter() {
				count += 1;
				ensure!(id >= prune && id < next, "record outside the live range");
				if id < apply {
					ensure!(
						rec.status != SlashStatus::Pending,
						"the apply cursor passed a pending record"
					);
				}
				let o = &rec.offence;
				ensure!(
					Reported::<T>::get((o.kind, o.task, o.provider.clone())) == Some(id),
					"record missing from Reported"
				);
			}
			ensure!(count == Slashes::<T>::count(), "record counter is off");
			ensure!(count <= T::MaxSlashRecords::get(), "too many records");
			ensure!(Reported::<T>::iter().count() as u32 == count, "stale Reported entries");
			Ok(())
		}
	}

	impl<T: Config> ReportOffence<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
		fn report(offence: Offence<T::AccountId>, at: BlockNumberFor<T>) -> DispatchResult {
			Self::do_report(offence, at)
		}
	}
}

/// Sets up providers for the benchmarks (the runtime implements it with the staking pallet).
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// A registered provider with stake, numbered `index`.
	fn provider(index: u32) -> AccountId;
}
