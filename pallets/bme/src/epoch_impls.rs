//! Epochs: closing them (emission, recycling, pools), settling providers' shares lazily, claims
//! and pruning.

use crate::{pallet::*, types::*, weights::WeightInfo, LOG_TARGET};
use aipin_primitives::Credits;
use alloc::vec::Vec;
use frame_support::{
	dispatch::{DispatchResultWithPostInfo, WithPostDispatchInfo},
	ensure,
	pallet_prelude::*,
	traits::fungible::Mutate,
	weights::WeightMeter,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{Saturating, UniqueSaturatedInto, Zero},
	Rounding, SaturatedConversion,
};

impl<T: Config> Pallet<T> {
	/// Adds `epoch` to `who`'s unclaimed list (the epoch in progress, so always the newest).
	/// When the list is full its oldest epoch is settled into `PendingRewards` first.
	pub(crate) fn note_participation(who: &T::AccountId, epoch: EpochIndex) {
		let mut list = Unclaimed::<T>::get(who);
		if list.last() == Some(&epoch) {
			return;
		}
		if list.is_full() {
			Self::settle_into_pending(who, list.remove(0));
		}
		// Cannot fail: there is room now.
		let _ = list.try_push(epoch);
		Unclaimed::<T>::insert(who, list);
		Accumulator::<T>::mutate(|a| a.participants = a.participants.saturating_add(1));
	}

	/// Settles `who`'s reward for a closed `epoch` into its `PendingRewards`, where a claim
	/// collects it: what happens to an epoch that no longer fits `who`'s unclaimed list.
	pub(crate) fn settle_into_pending(who: &T::AccountId, epoch: EpochIndex) {
		let reward = Self::settle(who, epoch);
		let total = reward.work.saturating_add(reward.availability);
		PendingRewards::<T>::mutate(who, |p| *p = p.saturating_add(total));
	}

	/// Records verified work by `provider` in the epoch in progress: `credits` earned, for
	/// which its consumers burned `value` tokens.
	pub fn record_work(provider: &T::AccountId, credits: Credits, value: BalanceOf<T>) {
		let epoch = CurrentEpoch::<T>::get();
		Self::note_participation(provider, epoch);
		Work::<T>::mutate(epoch, provider, |w| {
			let mut done = w.unwrap_or_default();
			done.credits = done.credits.saturating_add(credits);
			done.value = done.value.saturating_add(value);
			*w = Some(done);
		});
		Accumulator::<T>::mutate(|a| {
			a.total_work = a.total_work.saturating_add(credits);
			a.total_value = a.total_value.saturating_add(value);
		});
	}

	/// An epoch's pools from its emission `total`: the work pool is `WorkShare` of it but never
	/// more than `WorkPoolBound` of the value burned for the verified work it pays; what that
	/// bound holds back joins the availability pool. A pool nobody earned is not minted.
	pub(crate) fn pools(
		total: BalanceOf<T>,
		total_value: BalanceOf<T>,
		total_stake: BalanceOf<T>,
	) -> (BalanceOf<T>, BalanceOf<T>) {
		let work_pool = (T::WorkShare::get() * total).min(T::WorkPoolBound::get() * total_value);
		let availability_pool =
			if total_stake.is_zero() { Zero::zero() } else { total.saturating_sub(work_pool) };
		(work_pool, availability_pool)
	}

	/// Closes the epoch in progress: fixes its pools, starts the next one. O(1).
	pub(crate) fn close_epoch(now: BlockNumberFor<T>) {
		let epoch = CurrentEpoch::<T>::get();
		let acc = Accumulator::<T>::take();
		let emission = ScheduledEmission::<T>::get();
		let cap = T::MaxScheduledEmission::get();
		let so_far = ScheduledSoFar::<T>::get();
		let scheduled =
			if cap.is_zero() { emission } else { emission.min(cap.saturating_sub(so_far)) };
		let recycled = acc.burned.min(T::NetEmissionCap::get());
		let total = scheduled.saturating_add(recycled);
		let (work_pool, availability_pool) = Self::pools(total, acc.total_value, acc.total_stake);
		let record = EpochRecord {
			start: EpochStart::<T>::get(),
			end: now,
			scheduled,
			recycled,
			burned: acc.burned,
			work_pool,
			availability_pool,
			total_work: acc.total_work,
			total_value: acc.total_value,
			total_stake: acc.total_stake,
			claimed: Zero::zero(),
			unclaimed: acc.participants,
		};
		Epochs::<T>::insert(epoch, record);
		ScheduledSoFar::<T>::put(so_far.saturating_add(scheduled));
		ScheduledEmission::<T>::put(emission.saturating_sub(T::EmissionDecay::get() * emission));
		CurrentEpoch::<T>::put(epoch.saturating_add(1));
		EpochStart::<T>::put(now);
		Self::deposit_event(Event::EpochClosed {
			epoch,
			scheduled,
			recycled,
			work_pool,
			availability_pool,
			total_work: acc.total_work,
			total_value: acc.total_value,
			total_stake: acc.total_stake,
		});
	}

	/// Whether a heartbeat log shows the provider responsive through `[start, end)`.
	pub(crate) fn stayed_responsive(
		log: &AvailabilityOf<T>,
		start: BlockNumberFor<T>,
		end: BlockNumberFor<T>,
	) -> bool {
		let interval = T::HeartbeatInterval::get();
		log.first_previous <= start
			&& log.max_gap <= interval
			&& end.saturating_sub(log.last) <= interval
	}

	/// `who`'s reward from finished `epoch` (zero if the epoch has no record).
	pub fn reward_of(who: &T::AccountId, epoch: EpochIndex) -> EpochReward<BalanceOf<T>> {
		let Some(rec) = Epochs::<T>::get(epoch) else { return EpochReward::default() };
		Self::compute_reward(&rec, Work::<T>::get(epoch, who), HeartbeatLog::<T>::get(epoch, who))
	}

	pub(crate) fn compute_reward(
		rec: &EpochRecordOf<T>,
		work: Option<WorkDone<BalanceOf<T>>>,
		log: Option<AvailabilityOf<T>>,
	) -> EpochReward<BalanceOf<T>> {
		let share = |pool: BalanceOf<T>, part: u128, whole: u128| -> BalanceOf<T> {
			let pool: u128 = pool.unique_saturated_into();
			multiply_by_rational_with_rounding(pool, part, whole.max(1), Rounding::Down)
				.unwrap_or(0)
				.saturated_into()
		};
		// Pro rata to value, so each provider's share is at most `WorkPoolBound` of what was
		// burned for its own work.
		let work = match work {
			Some(w) if !rec.total_value.is_zero() => share(
				rec.work_pool,
				w.value.unique_saturated_into(),
				rec.total_value.unique_saturated_into(),
			),
			_ => Zero::zero(),
		};
		let availability = match log {
			Some(l) if Self::stayed_responsive(&l, rec.start, rec.end) => share(
				rec.availability_pool,
				l.stake.unique_saturated_into(),
				rec.total_stake.unique_saturated_into(),
			),
			_ => Zero::zero(),
		};
		EpochReward { work, availability }
	}

	/// Settles `who`'s share of finished `epoch`: removes its entries and books the amount
	/// against the epoch record. The caller mints (or parks) the amount returned.
	pub(crate) fn settle(who: &T::AccountId, epoch: EpochIndex) -> EpochReward<BalanceOf<T>> {
		let work = Work::<T>::take(epoch, who);
		let log = HeartbeatLog::<T>::take(epoch, who);
		let Some(mut rec) = Epochs::<T>::get(epoch) else {
			log::warn!(target: LOG_TARGET, "settling {who:?} in epoch {epoch} with no record");
			return EpochReward::default();
		};
		let reward = Self::compute_reward(&rec, work, log);
		let total = reward.work.saturating_add(reward.availability);
		rec.claimed = rec.claimed.saturating_add(total);
		rec.unclaimed = rec.unclaimed.saturating_sub(1);
		Epochs::<T>::insert(epoch, rec);
		Self::deposit_event(Event::EpochRewardSettled {
			provider: who.clone(),
			epoch,
			work: reward.work,
			availability: reward.availability,
		});
		reward
	}

	/// Claims `who`'s rewards; the weight used is that of the epochs settled (of none, when
	/// nothing is claimed).
	pub(crate) fn do_claim(who: T::AccountId) -> DispatchResultWithPostInfo {
		let refused = |e: Error<T>| e.with_weight(T::WeightInfo::claim_rewards(0));
		ensure!(EffectivePrice::<T>::get().is_some(), refused(Error::<T>::OracleHalted));
		let current = CurrentEpoch::<T>::get();
		let mut list = Unclaimed::<T>::get(&who);
		let finished: Vec<EpochIndex> = list.iter().copied().filter(|e| *e < current).collect();
		let pending = PendingRewards::<T>::get(&who);
		ensure!(!finished.is_empty() || !pending.is_zero(), refused(Error::<T>::NothingToClaim));
		let used = T::WeightInfo::claim_rewards(finished.len() as u32);
		let mut total = pending;
		for epoch in &finished {
			let r = Self::settle(&who, *epoch);
			total = total.saturating_add(r.work).saturating_add(r.availability);
		}
		list.retain(|e| *e >= current);
		if list.is_empty() {
			Unclaimed::<T>::remove(&who);
		} else {
			Unclaimed::<T>::insert(&who, list);
		}
		PendingRewards::<T>::remove(&who);
		if !total.is_zero() {
			let minted = T::Currency::mint_into(&who, total).map_err(|e| e.with_weight(used))?;
			Stats::<T>::mutate(|s| s.minted = s.minted.saturating_add(minted));
		}
		Self::deposit_event(Event::RewardsClaimed { provider: who, amount: total });
		Ok(Some(used).into())
	}

	/// `who`'s rewards: its share of each finished epoch it has not claimed, what was settled
	/// but not minted, and its work so far in the epoch in progress.
	pub fn rewards(who: &T::AccountId) -> ProviderRewards<BalanceOf<T>> {
		let current = CurrentEpoch::<T>::get();
		ProviderRewards {
			epochs: Unclaimed::<T>::get(who)
				.into_iter()
				.filter(|e| *e < current)
				.map(|e| (e, Self::reward_of(who, e)))
				.collect(),
			pending: PendingRewards::<T>::get(who),
			current: Work::<T>::get(current, who).unwrap_or_default(),
		}
	}

	/// What `who` could claim now.
	pub fn claimable(who: &T::AccountId) -> BalanceOf<T> {
		Self::rewards(who).claimable()
	}

	/// Prunes fully claimed epoch records older than `HistoryDepth`, while weight lasts.
	pub(crate) fn prune_epochs(meter: &mut WeightMeter) {
		let per_item = T::WeightInfo::prune_epoch();
		if !meter.can_consume(per_item) {
			return;
		}
		let current = CurrentEpoch::<T>::get();
		let keep_from = current.saturating_sub(T::HistoryDepth::get());
		let mut cursor = PruneCursor::<T>::get();
		while cursor < keep_from && meter.try_consume(per_item).is_ok() {
			match Epochs::<T>::get(cursor) {
				Some(rec) if rec.unclaimed > 0 => break,
				Some(_) => Epochs::<T>::remove(cursor),
				None => {},
			}
			cursor = cursor.saturating_add(1);
		}
		PruneCursor::<T>::put(cursor);
	}

	/// The pallet's invariants:
	/// - total issuance = genesis issuance + minted − burned (for credits, by slashing, fees);
	/// - credits outstanding = Σ free credits + Σ reserved credits;
	/// - only accounts holding credits have a cost basis, and Σ cost bases ≤ tokens burned for
	///   credits;
	/// - every unclaimed epoch is the epoch in progress or has a record, and lists are sorted;
	/// - an epoch record's claimed amount never exceeds its pools.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::Inspect;
		let s = Stats::<T>::get();
		let expected = GenesisIssuance::<T>::get()
			.saturating_add(s.minted)
			.saturating_sub(s.burned_for_credits)
			.saturating_sub(s.burned_by_slashing)
			.saturating_sub(s.burned_fees);
		ensure!(T::Currency::total_issuance() == expected, "issuance != genesis + minted - burned");
		let free = Credits_::<T>::iter_values().fold(0u128, |a, c| a.saturating_add(c));
		let reserved = ReservedCredits::<T>::iter_values().fold(0u128, |a, c| a.saturating_add(c));
		ensure!(
			s.credits_outstanding == free.saturating_add(reserved),
			"credits outstanding != free + reserved"
		);
		ensure!(
			s.credits_issued
				== s.credits_outstanding
					.saturating_add(s.credits_spent)
					.saturating_add(s.credits_forfeited),
			"credits issued != outstanding + spent + forfeited"
		);
		let mut cost = BalanceOf::<T>::zero();
		for (who, c) in CreditCost::<T>::iter() {
			ensure!(
				Credits_::<T>::get(&who) > 0 || ReservedCredits::<T>::get(&who) > 0,
				"a cost basis without credits"
			);
			cost = cost.saturating_add(c);
		}
		ensure!(cost <= s.burned_for_credits, "cost bases exceed the tokens burned for credits");
		let current = CurrentEpoch::<T>::get();
		for (_, list) in Unclaimed::<T>::iter() {
			ensure!(list.windows(2).all(|w| w[0] < w[1]), "unclaimed epochs not ascending");
			for e in list.iter() {
				ensure!(
					*e == current || Epochs::<T>::contains_key(e),
					"unclaimed epoch without record"
				);
			}
		}
		for (_, rec) in Epochs::<T>::iter() {
			ensure!(
				rec.claimed <= rec.work_pool.saturating_add(rec.availability_pool),
				"an epoch paid out more than its pools"
			);
		}
		Ok(())
	}
}
