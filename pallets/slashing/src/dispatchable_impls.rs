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
	pub fn do_report(offence: Offence<T::AccountId>, now: BlockNumberFor<T>) -> DispatchResult {
		let key = (offence.kind, offence.task, offence.provider.clone());
		ensure!(!Reported::<T>::contains_key(&key), Error::<T>::AlreadyReported);
		ensure!(Slashes::<T>::count() < T::MaxSlashRecords::get(), Error::<T>::TooManySlashRecords);

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
