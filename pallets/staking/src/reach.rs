//! Kernel reaches: what the providers of each kernel offer at most, which the escrow checks a
//! task against at submission (`ProviderRegistry::could_ever_serve`).
//!
//! A reach widens at once, when a provider registers or offers more. It cannot narrow at
//! once: that would take every provider of the kernel, read in the call of the one that
//! leaves. So a provider that leaves a kernel, or offers less on one, marks the kernel stale
//! (`StaleReaches`), and `on_idle` recounts stale kernels from their index in spare weight, a
//! few providers per step, across blocks if need be (`ReachRecount`). Meanwhile the old, wider
//! reach stands: the escrow may admit a task nobody can take (it waits in the queue and
//! expires with a refund), but never refuses one a registered provider could take, because
//! every provider that joins or widens during a recount is counted into it at once, wherever
//! it sits in the index.

use crate::{pallet::*, types::*, weights::WeightInfo};
use aipin_primitives::KernelId;
use frame_support::weights::WeightMeter;

impl<T: Config> Pallet<T> {
	/// Widens `kernel`'s reach to cover `profile`.
	pub(crate) fn widen_reach(kernel: KernelId, profile: &ProfileOf<T>) {
		let offered = KernelReach::of(profile);
		KernelReaches::<T>::mutate(kernel, |r| *r = Some(r.map_or(offered, |r| r.widen(offered))));
		Self::count_in_recount(kernel, offered);
	}

	/// Counts `offered` into the recount under way if it is of `kernel`.
	pub(crate) fn count_in_recount(kernel: KernelId, offered: KernelReach) {
		ReachRecount::<T>::mutate(|r| {
			if let Some(r) = r.as_mut().filter(|r| r.kernel == kernel) {
				r.include(offered);
			}
		});
	}

	/// `on_idle`: recounts stale reaches while `meter` allows. Starting or finishing a
	/// kernel's recount costs `recount_reach(0)`, each provider counted the difference to
	/// `recount_reach(1)`.
	pub(crate) fn recount_reaches(meter: &mut WeightMeter) {
		let edge = T::WeightInfo::recount_reach(0);
		let step = T::WeightInfo::recount_reach(1).saturating_sub(edge);
		while meter.can_consume(edge.saturating_add(step)) {
			meter.consume(edge);
			let mut recount = match ReachRecount::<T>::get() {
				Some(r) => r,
				None => match StaleReaches::<T>::iter_keys().next() {
					Some(kernel) => {
						StaleReaches::<T>::remove(kernel);
						Recount { kernel, next: 0, reach: None }
					},
					None => return,
				},
			};
			let count = KernelProviderCount::<T>::get(recount.kernel);
			while recount.next < count && meter.try_consume(step).is_ok() {
				let info = KernelProviders::<T>::get(recount.kernel, recount.next)
					.and_then(|stash| Providers::<T>::get(&stash));
				if let Some(info) = info {
					recount.include(KernelReach::of(&info.profile));
				}
				recount.next = recount.next.saturating_add(1);
			}
			if recount.next < count {
				ReachRecount::<T>::put(recount);
				return;
			}
			let Recount { kernel, reach, .. } = recount;
			match reach {
				Some(r) => KernelReaches::<T>::insert(kernel, r),
				None => KernelReaches::<T>::remove(kernel),
			}
			ReachRecount::<T>::kill();
			Self::deposit_event(Event::ReachRecounted { kernel, reach });
		}
	}
}
