//! The provider registry (implemented by the staking pallet) and the in-flight count it asks
//! the escrow pallet for.

use crate::{Credits, Requirements, SlashOutcome, TaskOutcome};
use alloc::vec::Vec;
use frame_support::pallet_prelude::{DispatchError, DispatchResult};
use sp_runtime::Perbill;

/// What the provider-staking pallet exposes to the other compute pallets. No other pallet
/// touches its storage.
pub trait ProviderRegistry<AccountId, Balance, BlockNumber> {
	/// The stash of the provider whose operator (hot) key is `operator`.
	fn stash_of(operator: &AccountId) -> Option<AccountId>;
	/// The operator (hot) key of provider `stash`.
	fn operator_of(stash: &AccountId) -> Option<AccountId>;
	/// Stake that can be slashed right now: active plus unlocking.
	fn slashable_stake(stash: &AccountId) -> Balance;
	/// The provider's ask in credits per `PriceUnit` work units, if it is registered.
	fn ask_price(stash: &AccountId) -> Option<Credits>;
	/// Whether the provider can take new work meeting `req` now: registered, supports the
	/// kernel, enough VRAM, ask within price, responsive, not jailed, not draining.
	fn is_eligible(stash: &AccountId, req: &Requirements, now: BlockNumber) -> bool;
	/// Whether any provider registered for `req.kernel` could ever take a task needing `req`
	/// (enough VRAM and throughput, ask within price), whatever its load, liveness or jail. It
	/// may say yes for a task none of today's providers could take (see
	/// [`crate::KernelReach`]), never no for one some provider could.
	fn could_ever_serve(req: &Requirements) -> bool;
	/// Picks up to `count` distinct eligible providers for `req`, none of them in `exclude`,
	/// weighted by stake × reputation, using `seed` as randomness. Bounded work whatever the
	/// number of providers.
	fn select(
		req: &Requirements,
		count: u32,
		exclude: &[AccountId],
		seed: [u8; 32],
		now: BlockNumber,
	) -> Vec<AccountId>;
	/// Records how a task went for the provider (moves its reputation).
	fn record_outcome(stash: &AccountId, outcome: TaskOutcome, now: BlockNumber);
	/// Bars the provider from new assignments until `until`.
	fn jail(stash: &AccountId, until: BlockNumber) -> DispatchResult;
	/// Lifts a jail whose time is over.
	fn unjail(stash: &AccountId, now: BlockNumber) -> DispatchResult;
	/// Takes up to `amount` of the provider's stake (active first, then unlocking chunks): pays
	/// `reward` of what was taken to `beneficiary` and burns the rest.
	fn slash(
		stash: &AccountId,
		amount: Balance,
		beneficiary: Option<&AccountId>,
		reward: Perbill,
	) -> Result<SlashOutcome<Balance>, DispatchError>;
}

/// No registry: no provider exists, so none is eligible, selected or slashed.
impl<AccountId, Balance: Default, BlockNumber> ProviderRegistry<AccountId, Balance, BlockNumber>
	for ()
{
	fn stash_of(_: &AccountId) -> Option<AccountId> {
		None
	}
	fn operator_of(_: &AccountId) -> Option<AccountId> {
		None
	}
	fn slashable_stake(_: &AccountId) -> Balance {
		Balance::default()
	}
	fn ask_price(_: &AccountId) -> Option<Credits> {
		None
	}
	fn is_eligible(_: &AccountId, _: &Requirements, _: BlockNumber) -> bool {
		false
	}
	fn could_ever_serve(_: &Requirements) -> bool {
		false
	}
	fn select(
		_: &Requirements,
		_: u32,
		_: &[AccountId],
		_: [u8; 32],
		_: BlockNumber,
	) -> Vec<AccountId> {
		Vec::new()
	}
	fn record_outcome(_: &AccountId, _: TaskOutcome, _: BlockNumber) {}
	fn jail(_: &AccountId, _: BlockNumber) -> DispatchResult {
		Err(DispatchError::Other("no provider registry"))
	}
	fn unjail(_: &AccountId, _: BlockNumber) -> DispatchResult {
		Err(DispatchError::Other("no provider registry"))
	}
	fn slash(
		_: &AccountId,
		_: Balance,
		_: Option<&AccountId>,
		_: Perbill,
	) -> Result<SlashOutcome<Balance>, DispatchError> {
		Ok(SlashOutcome::default())
	}
}

/// How many tasks a provider has in flight (assigned and not yet settled). The staking pallet
/// refuses to deregister a provider with work in flight.
pub trait InFlightTasks<AccountId> {
	/// Tasks assigned to `stash` that are not finished.
	fn in_flight(stash: &AccountId) -> u32;
}

impl<AccountId> InFlightTasks<AccountId> for () {
	fn in_flight(_: &AccountId) -> u32 {
		0
	}
}

/// Test doubles (feature `test-utils`). Their state lives in the externalities' storage (see
/// `traits::mock_store`): use them inside `TestExternalities`, each of which starts them empty.
#[cfg(any(test, feature = "test-utils"))]
pub mod mock {
	use super::*;
	use crate::{traits::mock_store::Stored, KernelId};
	use codec::{Decode, Encode};
	use sp_runtime::traits::{UniqueSaturatedFrom, UniqueSaturatedInto};
	use std::{collections::BTreeMap, vec::Vec};

	/// A provider as [`MockRegistry`] keeps it.
	#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
	pub struct MockProvider {
		/// SCALE encoding of the operator account.
		pub operator: Vec<u8>,
		/// Slashable stake.
		pub stake: u128,
		/// Ask, credits per `PriceUnit` work units.
		pub ask: Credits,
		/// Kernels it runs.
		pub kernels: Vec<KernelId>,
		/// Its VRAM, MiB.
		pub vram_mib: u32,
		/// Declared throughput, work units per second (`u64::MAX` unless set).
		pub throughput: u64,
		/// Jailed until this block.
		pub jailed_until: Option<u64>,
		/// Outcomes recorded for it, oldest first.
		pub outcomes: Vec<TaskOutcome>,
	}

	static PROVIDERS: Stored<BTreeMap<Vec<u8>, MockProvider>> =
		Stored::new(b":aipin:mock:providers");
	static IN_FLIGHT: Stored<BTreeMap<Vec<u8>, u32>> = Stored::new(b":aipin:mock:in_flight");

	/// A [`ProviderRegistry`] over an in-memory provider table, for pallets that need providers
	/// without the staking pallet (as bags-list's `StakingMock` stands in for staking).
	/// Selection is deterministic: eligible providers in key order, rotated by `seed[0]`.
	pub struct MockRegistry;

	impl MockRegistry {
		/// Forgets every provider.
		pub fn reset() {
			PROVIDERS.with(|p| p.borrow_mut().clear());
		}
		/// Registers `stash` with `operator`, `stake`, `ask`, `kernels` and `vram_mib`.
		pub fn add<A: Encode>(
			stash: &A,
			operator: &A,
			stake: u128,
			ask: Credits,
			kernels: &[KernelId],
			vram_mib: u32,
		) {
			let p = MockProvider {
				operator: operator.encode(),
				stake,
				ask,
				kernels: kernels.to_vec(),
				vram_mib,
				throughput: u64::MAX,
				jailed_until: None,
				outcomes: Vec::new(),
			};
			PROVIDERS.with(|m| m.borrow_mut().insert(stash.encode(), p));
		}
		/// Sets the throughput `stash` declares, in work units per second.
		pub fn set_throughput<A: Encode>(stash: &A, throughput: u64) {
			PROVIDERS.with(|m| {
				if let Some(p) = m.borrow_mut().get_mut(&stash.encode()) {
					p.throughput = throughput;
				}
			});
		}
		/// The provider `stash`, if registered.
		pub fn get<A: Encode>(stash: &A) -> Option<MockProvider> {
			PROVIDERS.with(|m| m.borrow().get(&stash.encode()).cloned())
		}
	}

	fn decode<A: Decode>(bytes: &[u8]) -> Option<A> {
		A::decode(&mut &bytes[..]).ok()
	}

	/// Seconds of compute at its throughput a provider may spend on a task (as the staking
	/// pallet's `TaskComputeSeconds` in the runtime).
	pub const MOCK_TASK_COMPUTE_SECONDS: u64 = 60;

	fn eligible(p: &MockProvider, req: &Requirements, now: u64) -> bool {
		p.throughput.saturating_mul(MOCK_TASK_COMPUTE_SECONDS) >= req.work_units
			&& p.kernels.contains(&req.kernel)
			&& p.vram_mib >= req.min_vram_mib
			&& p.ask <= req.max_price
			&& p.jailed_until.is_none_or(|until| now >= until)
	}

	impl<A, B, N> ProviderRegistry<A, B, N> for MockRegistry
	where
		A: Encode + Decode,
		B: UniqueSaturatedFrom<u128> + UniqueSaturatedInto<u128>,
		N: UniqueSaturatedInto<u64>,
	{
		fn stash_of(operator: &A) -> Option<A> {
			let op = operator.encode();
			PROVIDERS.with(|m| {
				m.borrow().iter().find(|(_, p)| p.operator == op).and_then(|(s, _)| decode(s))
			})
		}
		fn operator_of(stash: &A) -> Option<A> {
			MockRegistry::get(stash).and_then(|p| decode(&p.operator))
		}
		fn slashable_stake(stash: &A) -> B {
			B::unique_saturated_from(MockRegistry::get(stash).map_or(0, |p| p.stake))
		}
		fn ask_price(stash: &A) -> Option<Credits> {
			MockRegistry::get(stash).map(|p| p.ask)
		}
		fn is_eligible(stash: &A, req: &Requirements, now: N) -> bool {
			MockRegistry::get(stash).is_some_and(|p| eligible(&p, req, now.unique_saturated_into()))
		}
		fn could_ever_serve(req: &Requirements) -> bool {
			PROVIDERS.with(|m| {
				m.borrow().values().any(|p| {
					p.kernels.contains(&req.kernel)
						&& eligible(&MockProvider { jailed_until: None, ..p.clone() }, req, 0)
				})
			})
		}
		fn select(req: &Requirements, count: u32, exclude: &[A], seed: [u8; 32], now: N) -> Vec<A> {
			let now = now.unique_saturated_into();
			let excluded: Vec<Vec<u8>> = exclude.iter().map(Encode::encode).collect();
			let mut pool: Vec<Vec<u8>> = PROVIDERS.with(|m| {
				m.borrow()
					.iter()
					.filter(|(k, p)| !excluded.contains(k) && eligible(p, req, now))
					.map(|(k, _)| k.clone())
					.collect()
			});
			if !pool.is_empty() {
				let shift = seed[0] as usize % pool.len();
				pool.rotate_left(shift);
			}
			pool.iter().take(count as usize).filter_map(|k| decode(k)).collect()
		}
		fn record_outcome(stash: &A, outcome: TaskOutcome, _: N) {
			PROVIDERS.with(|m| {
				if let Some(p) = m.borrow_mut().get_mut(&stash.encode()) {
					p.outcomes.push(outcome);
				}
			});
		}
		fn jail(stash: &A, until: N) -> DispatchResult {
			PROVIDERS.with(|m| match m.borrow_mut().get_mut(&stash.encode()) {
				Some(p) => {
					p.jailed_until = Some(until.unique_saturated_into());
					Ok(())
				},
				None => Err(DispatchError::Other("not a provider")),
			})
		}
		fn unjail(stash: &A, now: N) -> DispatchResult {
			let now = now.unique_saturated_into();
			PROVIDERS.with(|m| match m.borrow_mut().get_mut(&stash.encode()) {
				Some(p) if p.jailed_until.is_some_and(|u| now >= u) => {
					p.jailed_until = None;
					Ok(())
				},
				Some(_) => Err(DispatchError::Other("not jailed, or jail not over")),
				None => Err(DispatchError::Other("not a provider")),
			})
		}
		fn slash(
			stash: &A,
			amount: B,
			beneficiary: Option<&A>,
			reward: Perbill,
		) -> Result<SlashOutcome<B>, DispatchError> {
			let amount: u128 = amount.unique_saturated_into();
			PROVIDERS.with(|m| {
				let mut m = m.borrow_mut();
				let p = m.get_mut(&stash.encode()).ok_or(DispatchError::Other("not a provider"))?;
				let slashed = amount.min(p.stake);
				p.stake -= slashed;
				let rewarded = if beneficiary.is_some() { reward * slashed } else { 0 };
				Ok(SlashOutcome {
					slashed: B::unique_saturated_from(slashed),
					rewarded: B::unique_saturated_from(rewarded),
					burned: B::unique_saturated_from(slashed - rewarded),
				})
			})
		}
	}

	/// An [`InFlightTasks`] whose counts a test sets.
	pub struct MockInFlight;

	impl MockInFlight {
		/// Sets the in-flight count of `stash`.
		pub fn set<A: Encode>(stash: &A, count: u32) {
			IN_FLIGHT.with(|m| m.borrow_mut().insert(stash.encode(), count));
		}
		/// Forgets every count.
		pub fn reset() {
			IN_FLIGHT.with(|m| m.borrow_mut().clear());
		}
	}

	impl<A: Encode> InFlightTasks<A> for MockInFlight {
		fn in_flight(stash: &A) -> u32 {
			IN_FLIGHT.with(|m| m.borrow().get(&stash.encode()).copied().unwrap_or(0))
		}
	}
}

#[cfg(test)]
mod tests {
	use super::{mock::*, *};
	use crate::KernelId;

	fn req(kernel: KernelId, max_price: Credits) -> Requirements {
		Requirements { kernel, min_vram_mib: 100, max_price, work_units: 1 }
	}

	#[test]
	fn unit_registry_has_no_providers() {
		assert!(!<() as ProviderRegistry<u64, u128, u64>>::is_eligible(&1, &req(1, 10), 0));
		assert!(<() as ProviderRegistry<u64, u128, u64>>::select(&req(1, 10), 3, &[], [0; 32], 0)
			.is_empty());
		assert!(<() as ProviderRegistry<u64, u128, u64>>::jail(&1, 5).is_err());
	}

	#[test]
	fn mock_registry_selects_eligible_distinct_providers_and_slashes() {
		sp_io::TestExternalities::default().execute_with(|| {
			MockRegistry::reset();
			MockRegistry::add(&1u64, &11u64, 1_000, 5, &[1], 512);
			MockRegistry::add(&2u64, &12u64, 1_000, 50, &[1], 512);
			MockRegistry::add(&3u64, &13u64, 1_000, 5, &[2], 512);
			MockRegistry::add(&4u64, &14u64, 1_000, 5, &[1], 512);
			type R = MockRegistry;
			let picked =
				<R as ProviderRegistry<u64, u128, u64>>::select(&req(1, 10), 5, &[4], [0; 32], 0);
			assert_eq!(picked, vec![1], "too expensive, wrong kernel and excluded are skipped");
			assert_eq!(<R as ProviderRegistry<u64, u128, u64>>::stash_of(&12), Some(2));
			let out = <R as ProviderRegistry<u64, u128, u64>>::slash(
				&1,
				300,
				Some(&9),
				Perbill::from_percent(50),
			)
			.unwrap();
			assert_eq!((out.slashed, out.rewarded, out.burned), (300, 150, 150));
			assert_eq!(<R as ProviderRegistry<u64, u128, u64>>::slashable_stake(&1), 700);
			<R as ProviderRegistry<u64, u128, u64>>::jail(&1, 10).unwrap();
			assert!(!<R as ProviderRegistry<u64, u128, u64>>::is_eligible(&1, &req(1, 10), 9));
			assert!(<R as ProviderRegistry<u64, u128, u64>>::unjail(&1, 9).is_err());
			assert!(<R as ProviderRegistry<u64, u128, u64>>::unjail(&1, 10).is_ok());
			MockInFlight::set(&1u64, 2);
			assert_eq!(<MockInFlight as InFlightTasks<u64>>::in_flight(&1), 2);
			assert_eq!(<() as InFlightTasks<u64>>::in_flight(&1), 0);
		});
	}
}
