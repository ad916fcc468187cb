//! Reputation, liveness, eligibility and slashing: what the staking pallet's registry does for
//! the other compute pallets.

use crate::{pallet::*, types::*};
use aipin_primitives::{Requirements, SlashOutcome};
use alloc::vec::Vec;
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{InspectHold, MutateHold},
		tokens::{Fortitude, Precision, Restriction},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Saturating, UniqueSaturatedInto, Zero},
	DispatchError, Perbill,
};

impl<T: Config> Pallet<T> {
	/// Reputation at `now`: the stored value's distance from neutral halves every
	/// `ReputationHalfLife` blocks (integer arithmetic, rounds toward neutral).
	pub fn reputation_at(rep: &Reputation<BlockNumberFor<T>>, now: BlockNumberFor<T>) -> u32 {
		let elapsed: u32 = now.saturating_sub(rep.updated_at).unique_saturated_into();
		let half_life: u32 = T::ReputationHalfLife::get().unique_saturated_into();
		let halvings = elapsed.checked_div(half_life.max(1)).unwrap_or(0).min(31);
		if rep.value >= REPUTATION_NEUTRAL {
			REPUTATION_NEUTRAL.saturating_add((rep.value - REPUTATION_NEUTRAL) >> halvings)
		} else {
			REPUTATION_NEUTRAL.saturating_sub((REPUTATION_NEUTRAL - rep.value) >> halvings)
		}
	}

	/// Whether the provider's last heartbeat is recent enough.
	pub fn is_responsive(info: &ProviderInfoOf<T>, now: BlockNumberFor<T>) -> bool {
		now.saturating_sub(info.last_heartbeat) <= T::HeartbeatInterval::get()
	}

	pub(crate) fn is_jailed(info: &ProviderInfoOf<T>, now: BlockNumberFor<T>) -> bool {
		info.jailed_until.is_some_and(|until| now < until)
	}

	/// Eligibility of a provider record for `req` at `now` (see the pallet docs).
	pub fn info_is_eligible(
		info: &ProviderInfoOf<T>,
		req: &Requirements,
		now: BlockNumberFor<T>,
	) -> bool {
		info.status == ProviderStatus::Active
			&& info.active >= T::MinProviderStake::get()
			&& Self::is_responsive(info, now)
			&& !Self::is_jailed(info, now)
			&& info.profile.vram_mib >= req.min_vram_mib
			&& info.profile.ask_price <= req.max_price
			&& info.profile.kernels.binary_search(&req.kernel).is_ok()
			&& info.profile.throughput.saturating_mul(T::TaskComputeSeconds::get())
				>= req.work_units
	}

	/// Selection weight: stake (in whole-unit-independent planck, saturating) × reputation.
	pub(crate) fn selection_weight(info: &ProviderInfoOf<T>, now: BlockNumberFor<T>) -> u128 {
		let stake: u128 = info.active.unique_saturated_into();
		let rep = Self::reputation_at(&info.reputation, now).max(1) as u128;
		stake.saturating_mul(rep).max(1)
	}

	/// A pseudo-random u64 from `seed` and a counter.
	pub(crate) fn draw(seed: &[u8; 32], n: u32) -> u64 {
		let mut data = [0u8; 36];
		data[..32].copy_from_slice(seed);
		data[32..].copy_from_slice(&n.to_le_bytes());
		let h = sp_io::hashing::blake2_256(&data);
		u64::from_le_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]])
	}

	/// See [`ProviderRegistry::select`]: bounded candidate gathering, then a weighted pick
	/// without replacement.
	pub fn do_select(
		req: &Requirements,
		count: u32,
		exclude: &[T::AccountId],
		seed: [u8; 32],
		now: BlockNumberFor<T>,
	) -> Vec<T::AccountId> {
		Self::select_with_stats(req, count, exclude, seed, now).0
	}

	/// [`Self::do_select`], also returning how many index positions it examined (at most
	/// `MaxSelectionDraws`; this is what bounds its weight).
	pub fn select_with_stats(
		req: &Requirements,
		count: u32,
		exclude: &[T::AccountId],
		seed: [u8; 32],
		now: BlockNumberFor<T>,
	) -> (Vec<T::AccountId>, u32) {
		let total = KernelProviderCount::<T>::get(req.kernel);
		if total == 0 || count == 0 {
			return (Vec::new(), 0);
		}
		let mut examined = 0u32;
		let max_draws = T::MaxSelectionDraws::get();
		let want = T::SelectionCandidates::get().max(count);
		let mut candidates: Vec<(T::AccountId, u128)> = Vec::new();
		let mut consider = |pos: u32, candidates: &mut Vec<(T::AccountId, u128)>| {
			examined = examined.saturating_add(1);
			let Some(stash) = KernelProviders::<T>::get(req.kernel, pos) else { return };
			if exclude.contains(&stash) || candidates.iter().any(|(s, _)| s == &stash) {
				return;
			}
			if let Some(info) = Providers::<T>::get(&stash) {
				if Self::info_is_eligible(&info, req, now) {
					let w = Self::selection_weight(&info, now);
					candidates.push((stash, w));
				}
			}
		};
		if total <= max_draws {
			// Small index: look at everyone (in a seed-rotated order).
			let start = (Self::draw(&seed, u32::MAX) % total as u64) as u32;
			for i in 0..total {
				consider((start.saturating_add(i)) % total, &mut candidates);
			}
		} else {
			for i in 0..max_draws {
				if candidates.len() as u32 >= want {
					break;
				}
				consider((Self::draw(&seed, i) % total as u64) as u32, &mut candidates);
			}
		}

		let mut chosen = Vec::new();
		let mut round = max_draws;
		while (chosen.len() as u32) < count && !candidates.is_empty() {
			let sum = candidates.iter().fold(0u128, |acc, (_, w)| acc.saturating_add(*w));
			round = round.saturating_add(1);
			let r = (Self::draw(&seed, round) as u128).checked_rem(sum.max(1)).unwrap_or(0);
			let mut acc = 0u128;
			let mut pick = candidates.len() - 1;
			for (i, (_, w)) in candidates.iter().enumerate() {
				acc = acc.saturating_add(*w);
				if r < acc {
					pick = i;
					break;
				}
			}
			chosen.push(candidates.swap_remove(pick).0);
		}
		(chosen, examined)
	}

	/// See [`ProviderRegistry::slash`].
	pub fn do_slash(
		stash: &T::AccountId,
		amount: BalanceOf<T>,
		beneficiary: Option<&T::AccountId>,
		reward: Perbill,
	) -> Result<SlashOutcome<BalanceOf<T>>, DispatchError> {
		let mut info = Self::provider(stash)?;
		let reason: T::RuntimeHoldReason = HoldReason::ProviderStake.into();
		let held = T::Currency::balance_on_hold(&reason, stash);
		let mut left = amount.min(held);
		let target = left;
		// Active stake first, then the newest unlocking chunks.
		let from_active = left.min(info.active);
		info.active = info.active.saturating_sub(from_active);
		left = left.saturating_sub(from_active);
		while !left.is_zero() {
			let Some(chunk) = info.unlocking.last_mut() else { break };
			let take = left.min(chunk.value);
			chunk.value = chunk.value.saturating_sub(take);
			left = left.saturating_sub(take);
			if chunk.value.is_zero() {
				info.unlocking.pop();
			}
		}
		let slashed = target.saturating_sub(left);

		let mut rewarded: BalanceOf<T> = Zero::zero();
		if let Some(dest) = beneficiary {
			let share = reward * slashed;
			if !share.is_zero() {
				// A beneficiary that cannot receive (e.g. below the existential deposit) simply
				// gets nothing: its share is burned with the rest.
				rewarded = T::Currency::transfer_on_hold(
					&reason,
					stash,
					dest,
					share,
					Precision::BestEffort,
					Restriction::Free,
					Fortitude::Force,
				)
				.unwrap_or_default();
			}
		}
		let burned = T::Currency::burn_held(
			&reason,
			stash,
			slashed.saturating_sub(rewarded),
			Precision::BestEffort,
			Fortitude::Force,
		)?;
		Providers::<T>::insert(stash, info);
		let outcome = SlashOutcome { slashed: rewarded.saturating_add(burned), rewarded, burned };
		Self::deposit_event(Event::StakeSlashed {
			stash: stash.clone(),
			slashed: outcome.slashed,
			rewarded,
			burned,
			beneficiary: beneficiary.cloned(),
		});
		Ok(outcome)
	}
}
