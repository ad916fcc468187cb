//! Reporting and cancelling slashes: what the slashing pallet's calls and its
//! `ReportOffence` impl do.

use crate::*;
use aipin_primitives::{Offence, OffenceKind, ProviderRegistry};
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::*;
use sp_runtime::{traits::Saturating, Perbill};

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
	///
	/// No bound ever lets an offence go unpunished: a repeat offender is jailed whatever the
	/// record count, and once `MaxSlashRecords` records are kept (a flood of offences faster
	/// than `RecordRetention` prunes them) the slash is applied at once instead of deferred.
	/// Such a slash cannot be appealed, and is not kept for the duplicate check (the escrow
	/// pallet reports each slot's offence once).
	pub fn do_report(offence: Offence<T::AccountId>, now: BlockNumberFor<T>) -> DispatchResult {
		let key = (offence.kind, offence.task, offence.provider.clone());
		ensure!(!Reported::<T>::contains_key(&key), Error::<T>::AlreadyReported);

		let stake = T::Registry::slashable_stake(&offence.provider);
		let amount = Self::fraction(offence.kind) * stake;
		let slash_id = NextSlashId::<T>::get();
		NextSlashId::<T>::put(slash_id.saturating_add(1));
		let deferred = Slashes::<T>::count() < T::MaxSlashRecords::get();
		let apply_at = if deferred { now.saturating_add(T::SlashDeferPeriod::get()) } else { now };
		Self::deposit_event(Event::OffenceReported {
			slash_id,
			provider: offence.provider.clone(),
			kind: offence.kind,
			task: offence.task,
			amount,
			apply_at,
		});
		if deferred {
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
		} else {
			Self::apply_slash(slash_id, &offence, amount);
		}
		Self::note_offence(&offence.provider, now);
		Ok(())
	}

	/// Counts an offence of `provider` at `now`, and jails it when it keeps offending: offences
	/// at blocks `b` with `now - b < JailWindow` count (also near genesis).
	fn note_offence(provider: &T::AccountId, now: BlockNumberFor<T>) {
		let window = T::JailWindow::get();
		let mut recent = RecentOffences::<T>::get(provider);
		recent.retain(|b| now.saturating_sub(*b) < window);
		if recent.try_push(now).is_err() || recent.len() as u32 >= T::JailThreshold::get() {
			let until = now.saturating_add(T::JailDuration::get());
			match T::Registry::jail(provider, until) {
				Ok(()) => {
					Self::deposit_event(Event::ProviderJailed { provider: provider.clone(), until })
				},
				Err(e) => log::warn!(target: LOG_TARGET, "could not jail {provider:?}: {e:?}"),
			}
			recent = BoundedVec::new();
		}
		if recent.is_empty() {
			RecentOffences::<T>::remove(provider);
		} else {
			RecentOffences::<T>::insert(provider, recent);
		}
	}

	pub(crate) fn do_cancel(slash_id: SlashId) -> DispatchResult {
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
}
