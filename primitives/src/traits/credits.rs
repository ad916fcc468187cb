//! Compute credits as the escrow pallet uses them (implemented by the BME pallet).

use crate::Credits;
use frame_support::pallet_prelude::{DispatchError, DispatchResult};

/// Compute credits as the escrow pallet uses them: reserved when a task is funded, released on
/// refund, spent when a provider is paid. Only *verified* spending (a result that distinct
/// providers agreed on) counts as the provider's epoch work, so that a provider paying itself
/// for unchecked work earns nothing from the work pool.
pub trait ComputeCredits<AccountId> {
	/// Credits `who` can spend (not reserved).
	fn free_credits(who: &AccountId) -> Credits;
	/// Moves `amount` of `who`'s credits into escrow.
	fn reserve(who: &AccountId, amount: Credits) -> DispatchResult;
	/// Returns up to `amount` of `who`'s escrowed credits; returns what was released.
	fn release(who: &AccountId, amount: Credits) -> Credits;
	/// Spends `amount` of `who`'s escrowed credits on work done by `provider`: the credits are
	/// consumed and, when `verified`, counted as `provider`'s work in the current epoch.
	fn spend(
		who: &AccountId,
		amount: Credits,
		provider: &AccountId,
		verified: bool,
	) -> DispatchResult;
	/// Destroys up to `amount` of `who`'s escrowed credits (a fee the consumer forfeits; nobody
	/// receives it); returns what was destroyed.
	fn forfeit(who: &AccountId, amount: Credits) -> Credits;
}

/// No credits exist: nothing can be reserved or spent.
impl<AccountId> ComputeCredits<AccountId> for () {
	fn free_credits(_: &AccountId) -> Credits {
		0
	}
	fn reserve(_: &AccountId, _: Credits) -> DispatchResult {
		Err(DispatchError::Other("no compute credits"))
	}
	fn release(_: &AccountId, _: Credits) -> Credits {
		0
	}
	fn spend(_: &AccountId, _: Credits, _: &AccountId, _: bool) -> DispatchResult {
		Err(DispatchError::Other("no compute credits"))
	}
	fn forfeit(_: &AccountId, _: Credits) -> Credits {
		0
	}
}

/// Test doubles (feature `test-utils`). Their state lives in the externalities' storage (see
/// `traits::mock_store`): use them inside `TestExternalities`, each of which starts them empty.
#[cfg(any(test, feature = "test-utils"))]
pub mod mock {
	use super::*;
	use crate::traits::mock_store::Stored;
	use codec::{Decode, Encode};
	use std::{collections::BTreeMap, vec::Vec};

	#[derive(Clone, Copy, Default, Encode, Decode)]
	struct Account {
		free: Credits,
		reserved: Credits,
	}

	static ACCOUNTS: Stored<BTreeMap<Vec<u8>, Account>> = Stored::new(b":aipin:mock:accounts");
	static EARNED: Stored<BTreeMap<Vec<u8>, Credits>> = Stored::new(b":aipin:mock:earned");
	static UNVERIFIED: Stored<BTreeMap<Vec<u8>, Credits>> = Stored::new(b":aipin:mock:unverified");

	/// A [`ComputeCredits`] ledger in memory: free and reserved credits per account, and what
	/// each provider earned.
	pub struct MockCredits;

	impl MockCredits {
		/// Forgets every balance.
		pub fn reset() {
			ACCOUNTS.with(|a| a.borrow_mut().clear());
			EARNED.with(|e| e.borrow_mut().clear());
			UNVERIFIED.with(|e| e.borrow_mut().clear());
		}
		/// Gives `who` `amount` more free credits.
		pub fn mint<A: Encode>(who: &A, amount: Credits) {
			ACCOUNTS.with(|a| {
				let mut a = a.borrow_mut();
				let acc = a.entry(who.encode()).or_default();
				acc.free = acc.free.saturating_add(amount);
			});
		}
		/// Credits of `who` held in escrow.
		pub fn reserved<A: Encode>(who: &A) -> Credits {
			ACCOUNTS.with(|a| a.borrow().get(&who.encode()).map_or(0, |acc| acc.reserved))
		}
		/// Credits `provider` earned by verified work (what counts toward the work pool).
		pub fn earned<A: Encode>(provider: &A) -> Credits {
			EARNED.with(|e| e.borrow().get(&provider.encode()).copied().unwrap_or(0))
		}
		/// Credits spent on `provider`'s unverified work (consumed, not counted as work).
		pub fn unverified<A: Encode>(provider: &A) -> Credits {
			UNVERIFIED.with(|e| e.borrow().get(&provider.encode()).copied().unwrap_or(0))
		}
	}

	impl<A: Encode> ComputeCredits<A> for MockCredits {
		fn free_credits(who: &A) -> Credits {
			ACCOUNTS.with(|a| a.borrow().get(&who.encode()).map_or(0, |acc| acc.free))
		}
		fn reserve(who: &A, amount: Credits) -> DispatchResult {
			ACCOUNTS.with(|a| {
				let mut a = a.borrow_mut();
				let acc = a.entry(who.encode()).or_default();
				acc.free = acc
					.free
					.checked_sub(amount)
					.ok_or(DispatchError::Other("not enough credits"))?;
				acc.reserved = acc.reserved.saturating_add(amount);
				Ok(())
			})
		}
		fn release(who: &A, amount: Credits) -> Credits {
			ACCOUNTS.with(|a| {
				let mut a = a.borrow_mut();
				let acc = a.entry(who.encode()).or_default();
				let released = amount.min(acc.reserved);
				acc.reserved -= released;
				acc.free = acc.free.saturating_add(released);
				released
			})
		}
		fn spend(who: &A, amount: Credits, provider: &A, verified: bool) -> DispatchResult {
			ACCOUNTS.with(|a| {
				let mut a = a.borrow_mut();
				let acc = a.entry(who.encode()).or_default();
				acc.reserved = acc
					.reserved
					.checked_sub(amount)
					.ok_or(DispatchError::Other("not enough escrowed"))?;
				Ok::<_, DispatchError>(())
			})?;
			let ledger = if verified { &EARNED } else { &UNVERIFIED };
			ledger.with(|e| {
				let mut e = e.borrow_mut();
				let earned = e.entry(provider.encode()).or_default();
				*earned = earned.saturating_add(amount);
			});
			Ok(())
		}
		fn forfeit(who: &A, amount: Credits) -> Credits {
			ACCOUNTS.with(|a| {
				let mut a = a.borrow_mut();
				let acc = a.entry(who.encode()).or_default();
				let gone = amount.min(acc.reserved);
				acc.reserved -= gone;
				gone
			})
		}
	}
}

#[cfg(test)]
mod tests {
	use super::{mock::*, *};

	#[test]
	fn mock_credits_reserve_release_and_spend() {
		sp_io::TestExternalities::default().execute_with(|| {
			MockCredits::reset();
			MockCredits::mint(&1u64, 100);
			assert!(MockCredits::reserve(&1u64, 101).is_err());
			assert!(MockCredits::reserve(&1u64, 60).is_ok());
			assert_eq!(<MockCredits as ComputeCredits<u64>>::free_credits(&1), 40);
			assert!(MockCredits::spend(&1u64, 20, &9u64, true).is_ok());
			assert!(MockCredits::spend(&1u64, 5, &9u64, false).is_ok());
			assert_eq!(MockCredits::earned(&9u64), 20, "only verified work is earned");
			assert_eq!(MockCredits::unverified(&9u64), 5);
			assert_eq!(MockCredits::forfeit(&1u64, 1), 1);
			assert_eq!(MockCredits::release(&1u64, 100), 34, "only what is escrowed comes back");
			assert_eq!(<MockCredits as ComputeCredits<u64>>::free_credits(&1), 74);
			assert!(<() as ComputeCredits<u64>>::reserve(&1, 1).is_err());
		});
	}
}
