//! The bodies of the staking pallet's calls, with the validation and kernel index they share.

use crate::{pallet::*, types::*, LOG_TARGET};
use aipin_primitives::{HeartbeatObserver, InFlightTasks, KernelId};
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use sp_runtime::{
	traits::{CheckedAdd, CheckedSub, Saturating, Zero},
	DispatchError, DispatchResult,
};

impl<T: Config> Pallet<T> {
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

	pub(crate) fn ensure_operator_free(
		stash: &T::AccountId,
		operator: &T::AccountId,
	) -> DispatchResult {
		ensure!(operator != stash, Error::<T>::OperatorIsStash);
		ensure!(!Operators::<T>::contains_key(operator), Error::<T>::OperatorInUse);
		ensure!(!Providers::<T>::contains_key(operator), Error::<T>::OperatorInUse);
		Ok(())
	}

	pub(crate) fn index_add(kernel: KernelId, stash: &T::AccountId) -> DispatchResult {
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
	pub(crate) fn index_remove(kernel: KernelId, stash: &T::AccountId) {
		let Some(pos) = KernelProviderIndex::<T>::take(kernel, stash) else { return };
		let count = KernelProviderCount::<T>::get(kernel);
		let last = count.saturating_sub(1);
		if pos != last {
			if let Some(moved) = KernelProviders::<T>::get(kernel, last) {
				KernelProviders::<T>::insert(kernel, pos, &moved);
				KernelProviderIndex::<T>::insert(kernel, &moved, pos);
				// A recount of the kernel may have passed `pos` already and not reached `last`.
				if ReachRecount::<T>::get().is_some_and(|r| r.kernel == kernel) {
					if let Some(info) = Providers::<T>::get(&moved) {
						Self::count_in_recount(kernel, KernelReach::of(&info.profile));
					}
				}
			}
		}
		// Its reach may have been this provider's: recount it.
		StaleReaches::<T>::insert(kernel, ());
		KernelProviders::<T>::remove(kernel, last);
		if last == 0 {
			KernelProviderCount::<T>::remove(kernel);
		} else {
			KernelProviderCount::<T>::insert(kernel, last);
		}
	}

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
			Self::widen_reach(*kernel, &profile);
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

	/// How many unlocking chunks `stash` has (0 if it is no provider): what `rebond` and
	/// `withdraw_unbonded` are charged for.
	pub(crate) fn unlocking_chunks(stash: &T::AccountId) -> u32 {
		Providers::<T>::get(stash).map_or(0, |i| i.unlocking.len() as u32)
	}

	pub(crate) fn provider(stash: &T::AccountId) -> Result<ProviderInfoOf<T>, DispatchError> {
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

	/// Replaces `stash`'s profile and endpoint; returns how many kernels the old profile listed.
	pub(crate) fn do_update_profile(
		stash: T::AccountId,
		profile: ProfileOf<T>,
		endpoint: EndpointOf<T>,
	) -> Result<u32, DispatchError> {
		let mut info = Self::provider(&stash)?;
		Self::ensure_valid_profile(&profile)?;
		Self::ensure_valid_endpoint(&endpoint)?;
		for old in info.profile.kernels.iter().filter(|k| !profile.kernels.contains(k)) {
			Self::index_remove(*old, &stash);
		}
		// Offering less on a kernel it keeps may narrow that kernel's reach too.
		let (before, after) = (KernelReach::of(&info.profile), KernelReach::of(&profile));
		if before.widen(after) != after {
			for kept in info.profile.kernels.iter().filter(|k| profile.kernels.contains(k)) {
				StaleReaches::<T>::insert(*kept, ());
			}
		}
		for new in profile.kernels.iter() {
			Self::index_add(*new, &stash)?;
			Self::widen_reach(*new, &profile);
		}
		let old = info.profile.kernels.len() as u32;
		info.profile = profile;
		info.endpoint = endpoint;
		Providers::<T>::insert(&stash, info);
		Self::deposit_event(Event::ProfileUpdated { stash });
		Ok(old)
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
				// Availability is paid for being ready to take work: a draining, jailed or
				// under-staked provider's heartbeat keeps it responsive, but is reported with
				// no stake, and the BME pallet pays an epoch's availability on the least stake
				// reported in it.
				let ready = info.status == ProviderStatus::Active
					&& !Self::is_jailed(info, now)
					&& info.active >= T::MinProviderStake::get();
				let previous = core::mem::replace(&mut info.last_heartbeat, now);
				Ok((previous, if ready { info.active } else { Zero::zero() }))
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
}
