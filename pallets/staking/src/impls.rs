//! The logic behind the calls, and the `ProviderRegistry` other pallets use.

use crate::{pallet::*, types::*, LOG_TARGET};
use aipin_primitives::{
	HeartbeatObserver, InFlightTasks, KernelId, ProviderRegistry, Requirements, SlashOutcome,
	TaskOutcome,
};
use alloc::vec::Vec;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::{InspectHold, MutateHold},
		tokens::{Fortitude, Precision, Restriction},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{CheckedAdd, CheckedSub, Saturating, UniqueSaturatedInto, Zero},
	DispatchError, DispatchResult, Perbill,
};

impl<T: Config> Pallet<T> {
	// ----- validation -------------------------------------------------------------------

	/// Checks a profile: kernels sorted and unique and not empty, positive numbers.
	pub(crate) fn ensure_valid_profile(profile: &ProfileOf<T>) -> DispatchResult {
		ensure!(!profile.kernels.is_empty(), Error::<T>::NoKernels);
		ensure!(profile.kernels.windows(2).all(|w| w[0] < w[1]), Error::<T>::KernelsNotSorted);
		ensure!(profile.vram_mib > 0, Error::<T>::ZeroVram);
		ensure!(profile.throughput > 0, Error::<T>::ZeroThroughput);
		ensure!(profile.ask_price > 0, Error::<T>::ZeroAskPrice);
		Ok(())
	}

	/// Checks that `endpoint` looks like `http(s)://host[:port][/path]`: printable ASCII, no
	/// spaces, a non-empty host. The worker and consumers do the real parsing; the chain only
	/// keeps obvious garbage out of storage.
	pub(crate) fn ensure_valid_endpoint(endpoint: &[u8]) -> DispatchResult {
		let rest = endpoint
			.strip_prefix(b"https://")
			.or_else(|| endpoint.strip_prefix(b"http://"))
			.ok_or(Error::<T>::InvalidEndpoint)?;
		ensure!(endpoint.iter().all(|c| c.is_ascii_graphic()), Error::<T>::InvalidEndpoint);
		let host_end =
			rest.iter().position(|&c| c == b'/' || c == b'?' || c == b'#').unwrap_or(rest.len());
		let authority = &rest[..host_end];
		let host = match authority.iter().rposition(|&c| c == b':') {
			// `[::1]:8080` and `host:8080`: the port must be digits.
			Some(i) if !authority.ends_with(b"]") => {
				let port = &authority[i + 1..];
				ensure!(
					!port.is_empty() && port.len() <= 5 && port.iter().all(u8::is_ascii_digit),
					Error::<T>::InvalidEndpoint
				);
				&authority[..i]
			},
			_ => authority,
		};
		ensure!(!host.is_empty() && !host.contains(&b'@'), Error::<T>::InvalidEndpoint);
		Ok(())
	}

	fn ensure_operator_free(stash: &T::AccountId, operator: &T::AccountId) -> DispatchResult {
		ensure!(operator != stash, Error::<T>::OperatorIsStash);
		ensure!(!Operators::<T>::contains_key(operator), Error::<T>::OperatorInUse);
		ensure!(!Providers::<T>::contains_key(operator), Error::<T>::OperatorInUse);
		Ok(())
	}

	// ----- kernel index -----------------------------------------------------------------

	fn index_add(kernel: KernelId, stash: &T::AccountId) -> DispatchResult {
		if KernelProviderIndex::<T>::contains_key(kernel, stash) {
			return Ok(());
		}
		let count = KernelProviderCount::<T>::get(kernel);
		ensure!(count < T::MaxProvidersPerKernel::get(), Error::<T>::KernelFull);
		KernelProviders::<T>::insert(kernel, count, stash);
		KernelProviderIndex::<T>::insert(kernel, stash, count);
		KernelProviderCount::<T>::insert(kernel, count.saturating_add(1));
		Ok(())
	}

	/// Swap-removes `stash` from `kernel`'s index.
	fn index_remove(kernel: KernelId, stash: &T::AccountId) {
		let Some(pos) = KernelProviderIndex::<T>::take(kernel, stash) else { return };
		let count = KernelProviderCount::<T>::get(kernel);
		let last = count.saturating_sub(1);
		if pos != last {
			if let Some(moved) = KernelProviders::<T>::get(kernel, last) {
				KernelProviders::<T>::insert(kernel, pos, &moved);
				KernelProviderIndex::<T>::insert(kernel, &moved, pos);
			}
		}
		KernelProviders::<T>::remove(kernel, last);
		if last == 0 {
			KernelProviderCount::<T>::remove(kernel);
		} else {
			KernelProviderCount::<T>::insert(kernel, last);
		}
	}

	// ----- calls ------------------------------------------------------------------------

	pub fn do_register(
		stash: T::AccountId,
		stake: BalanceOf<T>,
		profile: ProfileOf<T>,
		operator: T::AccountId,
		endpoint: EndpointOf<T>,
	) -> DispatchResult {
		ensure!(!Providers::<T>::contains_key(&stash), Error::<T>::AlreadyRegistered);
		ensure!(!Operators::<T>::contains_key(&stash), Error::<T>::AlreadyRegistered);
		Self::ensure_operator_free(&stash, &operator)?;
		ensure!(stake >= T::MinProviderStake::get(), Error::<T>::InsufficientStake);
		Self::ensure_valid_profile(&profile)?;
		Self::ensure_valid_endpoint(&endpoint)?;

		for kernel in profile.kernels.iter() {
			Self::index_add(*kernel, &stash)?;
		}
		T::Currency::hold(&HoldReason::ProviderStake.into(), &stash, stake)
			.map_err(|_| Error::<T>::InsufficientBalance)?;

		let now = frame_system::Pallet::<T>::block_number();
		Operators::<T>::insert(&operator, &stash);
		Providers::<T>::insert(
			&stash,
			ProviderInfo {
				operator: operator.clone(),
				profile,
				endpoint,
				active: stake,
				unlocking: BoundedVec::new(),
				status: ProviderStatus::Active,
				last_heartbeat: now,
				reputation: Reputation { value: REPUTATION_NEUTRAL, updated_at: now },
				jailed_until: None,
			},
		);
		Self::deposit_event(Event::ProviderRegistered { stash, operator, stake });
		Ok(())
	}

	fn provider(stash: &T::AccountId) -> Result<ProviderInfoOf<T>, DispatchError> {
		Providers::<T>::get(stash).ok_or_else(|| Error::<T>::NotProvider.into())
	}

	pub(crate) fn do_bond_extra(stash: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut info = Self::provider(&stash)?;
		let active = info.active.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
		ensure!(active >= T::MinProviderStake::get(), Error::<T>::InsufficientStake);
		T::Currency::hold(&HoldReason::ProviderStake.into(), &stash, amount)
			.map_err(|_| Error::<T>::InsufficientBalance)?;
		info.active = active;
		Providers::<T>::insert(&stash, info);
		Self::deposit_event(Event::Bonded { stash, amount });
		Ok(())
	}

	pub(crate) fn do_unbond(stash: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut info = Self::provider(&stash)?;
		let remaining = info.active.checked_sub(&amount).ok_or(Error::<T>::UnbondTooMuch)?;
		ensure!(
			remaining.is_zero() || remaining >= T::MinProviderStake::get(),
			Error::<T>::InsufficientStake
		);
		let unlock_at =
			frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
		// Merge with a chunk unlocking at the same block (several unbonds in one block).
		if let Some(last) = info.unlocking.last_mut().filter(|c| c.unlock_at == unlock_at) {
			last.value = last.value.checked_add(&amount).ok_or(Error::<T>::Overflow)?;
		} else {
			info.unlocking
				.try_push(UnlockChunk { value: amount, unlock_at })
				.map_err(|_| Error::<T>::TooManyUnlockingChunks)?;
		}
		info.active = remaining;
		Providers::<T>::insert(&stash, info);
		Self::deposit_event(Event::Unbonded { stash, amount, unlock_at });
		Ok(())
	}

	pub(crate) fn do_rebond(stash: T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let mut info = Self::provider(&stash)?;
		ensure!(!info.unlocking.is_empty(), Error::<T>::NothingUnlocking);
		let mut left = amount;
		while !left.is_zero() {
			let Some(chunk) = info.unlocking.last_mut() else { break };
			if chunk.value <= left {
				left = left.saturating_sub(chunk.value);
				info.unlocking.pop();
			} else {
				chunk.value = chunk.value.saturating_sub(left);
				left = Zero::zero();
			}
		}
		let rebonded = amount.saturating_sub(left);
		let active = info.active.checked_add(&rebonded).ok_or(Error::<T>::Overflow)?;
		ensure!(active >= T::MinProviderStake::get(), Error::<T>::InsufficientStake);
		info.active = active;
		Providers::<T>::insert(&stash, info);
		Self::deposit_event(Event::Rebonded { stash, amount: rebonded });
		Ok(())
	}

	pub(crate) fn do_withdraw_unbonded(stash: T::AccountId) -> DispatchResult {
		let mut info = Self::provider(&stash)?;
		ensure!(!info.unlocking.is_empty(), Error::<T>::NothingUnlocking);
		let now = frame_system::Pallet::<T>::block_number();
		let mut total: BalanceOf<T> = Zero::zero();
		info.unlocking.retain(|chunk| {
			if chunk.unlock_at <= now {
				total = total.saturating_add(chunk.value);
				false
			} else {
				true
			}
		});
		ensure!(!total.is_zero(), Error::<T>::NothingToWithdraw);
		let released = T::Currency::release(
			&HoldReason::ProviderStake.into(),
			&stash,
			total,
			Precision::BestEffort,
		)?;
		if released != total {
			log::warn!(target: LOG_TARGET, "withdraw: released {released:?} of {total:?} (held balance short)");
		}
		Providers::<T>::insert(&stash, info);
		Self::deposit_event(Event::Withdrawn { stash, amount: released });
		Ok(())
	}

	pub(crate) fn do_update_profile(
		stash: T::AccountId,
		profile: ProfileOf<T>,
		endpoint: EndpointOf<T>,
	) -> DispatchResult {
		let mut info = Self::provider(&stash)?;
		Self::ensure_valid_profile(&profile)?;
		Self::ensure_valid_endpoint(&endpoint)?;
		for old in info.profile.kernels.iter().filter(|k| !profile.kernels.contains(k)) {
			Self::index_remove(*old, &stash);
		}
		for new in profile.kernels.iter() {
			Self::index_add(*new, &stash)?;
		}
		info.profile = profile;
		info.endpoint = endpoint;
		Providers::<T>::insert(&stash, info);
		Self::deposit_event(Event::ProfileUpdated { stash });
		Ok(())
	}

	pub(crate) fn do_set_operator(stash: T::AccountId, operator: T::AccountId) -> DispatchResult {
		let mut info = Self::provider(&stash)?;
		Self::ensure_operator_free(&stash, &operator)?;
		let old = core::mem::replace(&mut info.operator, operator.clone());
		Operators::<T>::remove(&old);
		Operators::<T>::insert(&operator, &stash);
		Providers::<T>::insert(&stash, info);
		Self::deposit_event(Event::OperatorChanged { stash, old, new: operator });
		Ok(())
	}

	pub(crate) fn do_heartbeat(operator: T::AccountId) -> DispatchResult {
		let stash = Operators::<T>::get(&operator).ok_or(Error::<T>::NotOperator)?;
		let now = frame_system::Pallet::<T>::block_number();
		let (previous, stake) =
			Providers::<T>::try_mutate(&stash, |info| -> Result<_, DispatchError> {
				let info = info.as_mut().ok_or(Error::<T>::NotProvider)?;
				let previous = core::mem::replace(&mut info.last_heartbeat, now);
				Ok((previous, info.active))
			})?;
		T::OnHeartbeat::on_heartbeat(&stash, stake, previous, now);
		Self::deposit_event(Event::HeartbeatReceived { stash });
		Ok(())
	}

	pub(crate) fn do_drain(stash: T::AccountId) -> DispatchResult {
		let mut info = Self::provider(&stash)?;
		ensure!(info.status == ProviderStatus::Active, Error::<T>::AlreadyDraining);
		info.status = ProviderStatus::Draining;
		Providers::<T>::insert(&stash, info);
		Self::deposit_event(Event::DrainStarted { stash });
		Ok(())
	}

	pub(crate) fn do_resume(stash: T::AccountId) -> DispatchResult {
		let mut info = Self::provider(&stash)?;
		ensure!(info.status == ProviderStatus::Draining, Error::<T>::NotDraining);
		info.status = ProviderStatus::Active;
		Providers::<T>::insert(&stash, info);
		Self::deposit_event(Event::DrainEnded { stash });
		Ok(())
	}

	pub(crate) fn do_deregister(stash: T::AccountId) -> DispatchResult {
		let info = Self::provider(&stash)?;
		ensure!(info.status == ProviderStatus::Draining, Error::<T>::NotDraining);
		ensure!(T::InFlight::in_flight(&stash) == 0, Error::<T>::TasksInFlight);
		ensure!(info.active.is_zero() && info.unlocking.is_empty(), Error::<T>::StakeRemaining);
		for kernel in info.profile.kernels.iter() {
			Self::index_remove(*kernel, &stash);
		}
		Operators::<T>::remove(&info.operator);
		Providers::<T>::remove(&stash);
		// Anything still held (only after a defensive inconsistency) goes back to the stash.
		let _ = T::Currency::release_all(
			&HoldReason::ProviderStake.into(),
			&stash,
			Precision::BestEffort,
		);
		Self::deposit_event(Event::ProviderDeregistered { stash });
		Ok(())
	}

	// ----- reputation, liveness, eligibility -------------------------------------------

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

	fn is_jailed(info: &ProviderInfoOf<T>, now: BlockNumberFor<T>) -> bool {
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
	}

	/// Selection weight: stake (in whole-unit-independent planck, saturating) × reputation.
	fn selection_weight(info: &ProviderInfoOf<T>, now: BlockNumberFor<T>) -> u128 {
		let stake: u128 = info.active.unique_saturated_into();
		let rep = Self::reputation_at(&info.reputation, now).max(1) as u128;
		stake.saturating_mul(rep).max(1)
	}

	/// A pseudo-random u64 from `seed` and a counter.
	fn draw(seed: &[u8; 32], n: u32) -> u64 {
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

	// ----- slashing ---------------------------------------------------------------------

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

	// ----- invariants -------------------------------------------------------------------

	/// The pallet's invariants:
	/// - every provider's held stake equals `active + Σ unlocking`;
	/// - every provider's operator maps back to it, and the operator map has no other entries;
	/// - the kernel indexes are dense, agree with each other, and list exactly the providers
	///   whose profile names the kernel;
	/// - profiles are valid and chunks are bounded by construction.
	#[cfg(any(feature = "try-runtime", feature = "std", test))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		let reason: T::RuntimeHoldReason = HoldReason::ProviderStake.into();
		let mut per_kernel: BTreeMap<KernelId, u32> = BTreeMap::new();
		let mut providers = 0u32;
		for (stash, info) in Providers::<T>::iter() {
			providers += 1;
			ensure!(
				T::Currency::balance_on_hold(&reason, &stash) == info.total_stake(),
				"held stake differs from active + unlocking"
			);
			ensure!(
				Operators::<T>::get(&info.operator).as_ref() == Some(&stash),
				"operator does not map back to its stash"
			);
			Self::ensure_valid_profile(&info.profile).map_err(|_| "invalid stored profile")?;
			for k in info.profile.kernels.iter() {
				ensure!(
					KernelProviderIndex::<T>::contains_key(k, &stash),
					"provider missing from a kernel index"
				);
				*per_kernel.entry(*k).or_default() += 1;
			}
		}
		ensure!(providers == Providers::<T>::count(), "provider counter is off");
		ensure!(Operators::<T>::iter().count() as u32 == providers, "stale operator entries");
		for (kernel, count) in KernelProviderCount::<T>::iter() {
			ensure!(per_kernel.get(&kernel).copied().unwrap_or(0) == count, "kernel count is off");
			for pos in 0..count {
				let stash =
					KernelProviders::<T>::get(kernel, pos).ok_or("hole in a kernel index")?;
				ensure!(
					KernelProviderIndex::<T>::get(kernel, &stash) == Some(pos),
					"kernel index and reverse index disagree"
				);
			}
			ensure!(
				KernelProviders::<T>::get(kernel, count).is_none(),
				"kernel index has entries past its count"
			);
		}
		ensure!(
			per_kernel.len() == KernelProviderCount::<T>::iter().count(),
			"kernel with providers but no count"
		);
		Ok(())
	}
}

impl<T: Config> ProviderRegistry<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> for Pallet<T> {
	fn stash_of(operator: &T::AccountId) -> Option<T::AccountId> {
		Operators::<T>::get(operator)
	}

	fn operator_of(stash: &T::AccountId) -> Option<T::AccountId> {
		Providers::<T>::get(stash).map(|i| i.operator)
	}

	fn slashable_stake(stash: &T::AccountId) -> BalanceOf<T> {
		Providers::<T>::get(stash).map(|i| i.total_stake()).unwrap_or_else(Zero::zero)
	}

	fn ask_price(stash: &T::AccountId) -> Option<aipin_primitives::Credits> {
		Providers::<T>::get(stash).map(|i| i.profile.ask_price)
	}

	fn is_eligible(stash: &T::AccountId, req: &Requirements, now: BlockNumberFor<T>) -> bool {
		Providers::<T>::get(stash).is_some_and(|i| Self::info_is_eligible(&i, req, now))
	}

	fn select(
		req: &Requirements,
		count: u32,
		exclude: &[T::AccountId],
		seed: [u8; 32],
		now: BlockNumberFor<T>,
	) -> Vec<T::AccountId> {
		Self::do_select(req, count, exclude, seed, now)
	}

	fn record_outcome(stash: &T::AccountId, outcome: TaskOutcome, now: BlockNumberFor<T>) {
		let Some(mut info) = Providers::<T>::get(stash) else { return };
		let old = Self::reputation_at(&info.reputation, now);
		let new = match outcome {
			TaskOutcome::Success => old.saturating_add(
				T::SuccessReputationGain::get() * REPUTATION_MAX.saturating_sub(old),
			),
			TaskOutcome::ProviderFault => old.saturating_sub(T::FaultReputationLoss::get() * old),
		}
		.min(REPUTATION_MAX);
		info.reputation = Reputation { value: new, updated_at: now };
		Providers::<T>::insert(stash, info);
		Self::deposit_event(Event::ReputationChanged { stash: stash.clone(), old, new });
	}

	fn jail(stash: &T::AccountId, until: BlockNumberFor<T>) -> DispatchResult {
		let until = Providers::<T>::try_mutate(stash, |info| -> Result<_, DispatchError> {
			let info = info.as_mut().ok_or(Error::<T>::NotProvider)?;
			// A longer jail already running is kept.
			let until = info.jailed_until.map_or(until, |u| u.max(until));
			info.jailed_until = Some(until);
			Ok(until)
		})?;
		Self::deposit_event(Event::ProviderJailed { stash: stash.clone(), until });
		Ok(())
	}

	fn unjail(stash: &T::AccountId, now: BlockNumberFor<T>) -> DispatchResult {
		Providers::<T>::try_mutate(stash, |info| -> DispatchResult {
			let info = info.as_mut().ok_or(Error::<T>::NotProvider)?;
			let until = info.jailed_until.ok_or(Error::<T>::NotJailed)?;
			ensure!(now >= until, Error::<T>::JailNotExpired);
			info.jailed_until = None;
			Ok(())
		})?;
		Self::deposit_event(Event::ProviderUnjailed { stash: stash.clone() });
		Ok(())
	}

	fn slash(
		stash: &T::AccountId,
		amount: BalanceOf<T>,
		beneficiary: Option<&T::AccountId>,
		reward: Perbill,
	) -> Result<SlashOutcome<BalanceOf<T>>, DispatchError> {
		Self::do_slash(stash, amount, beneficiary, reward)
	}
}
