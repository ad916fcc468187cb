//! What the slashing pallet's hooks do: apply due slashes (`on_initialize`) and prune old
//! records (`on_idle`), both bounded.

use crate::*;
use aipin_primitives::{Offence, OnStakeBurned, ProviderRegistry, SlashOutcome};
use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, weights::WeightMeter};
use frame_system::pallet_prelude::*;
use sp_runtime::traits::{Saturating, Zero};

impl<T: Config> Pallet<T> {
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
			rec.status = Self::apply_slash(cursor, &rec.offence, rec.amount);
			Slashes::<T>::insert(cursor, rec);
			cursor = cursor.saturating_add(1);
			applied += 1;
		}
		ApplyCursor::<T>::put(cursor);
		T::WeightInfo::apply_slashes(applied).saturating_add(T::WeightInfo::skip_records(skipped))
	}

	/// `provider`'s pending slashes, oldest first. Every record before `ApplyCursor` is
	/// applied or cancelled, so the scan covers at most `MaxSlashRecords` records.
	pub fn pending_of(provider: &T::AccountId) -> Vec<(SlashId, SlashRecordOf<T>)> {
		(ApplyCursor::<T>::get()..NextSlashId::<T>::get())
			.filter_map(|id| Slashes::<T>::get(id).map(|rec| (id, rec)))
			.filter(|(_, rec)| {
				rec.status == SlashStatus::Pending && rec.offence.provider == *provider
			})
			.collect()
	}

	/// Slashes `amount` (at most what the provider still holds) for `offence`, pays the
	/// beneficiary its share, reports the burn, and says how it went.
	pub(crate) fn apply_slash(
		slash_id: SlashId,
		offence: &Offence<T::AccountId>,
		amount: T::Balance,
	) -> SlashStatus<T::Balance> {
		let provider = offence.provider.clone();
		match T::Registry::slash(
			&provider,
			amount,
			offence.beneficiary.as_ref(),
			T::RewardFraction::get(),
		) {
			Ok(outcome) => {
				if !outcome.burned.is_zero() {
					T::OnBurned::on_stake_burned(outcome.burned);
				}
				Self::deposit_event(Event::SlashApplied {
					slash_id,
					provider,
					slashed: outcome.slashed,
					rewarded: outcome.rewarded,
					burned: outcome.burned,
				});
				SlashStatus::Applied(outcome)
			},
			Err(e) => {
				log::warn!(target: LOG_TARGET, "slash {slash_id} of {provider:?} failed: {e:?}");
				Self::deposit_event(Event::SlashFailed { slash_id, provider });
				SlashStatus::Applied(SlashOutcome::default())
			},
		}
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
				Some(rec) if rec.reported_at.saturating_add(T::RecordRetention::get()) > now => {
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
}
