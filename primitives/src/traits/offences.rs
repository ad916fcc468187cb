//! Offence reports (escrow → slashing) and burned stake (slashing → BME).

use crate::Offence;
use frame_support::pallet_prelude::DispatchResult;

/// Receives offences established by another pallet (the escrow pallet's verdicts).
pub trait ReportOffence<AccountId, BlockNumber> {
	/// Reports `offence`, which happened at block `at`. Errors if it was reported before.
	fn report(offence: Offence<AccountId>, at: BlockNumber) -> DispatchResult;

	/// Names a new beneficiary for an offence reported before (the one with `offence`'s kind,
	/// provider and task) whose slash is still pending: `offence.beneficiary` receives the
	/// reward share when it is applied. Used when who was harmed is known only later (an
	/// honest replica left unpaid because its partner was absent). Errors if there is no such
	/// pending slash.
	fn set_beneficiary(offence: &Offence<AccountId>) -> DispatchResult;
}

impl<AccountId, BlockNumber> ReportOffence<AccountId, BlockNumber> for () {
	fn report(_: Offence<AccountId>, _: BlockNumber) -> DispatchResult {
		Ok(())
	}
	fn set_beneficiary(_: &Offence<AccountId>) -> DispatchResult {
		Ok(())
	}
}

/// Told when slashed stake is burned, so burn-and-mint accounting can count it.
pub trait OnStakeBurned<Balance> {
	/// `amount` of stake left total issuance.
	fn on_stake_burned(amount: Balance);
}

impl<Balance> OnStakeBurned<Balance> for () {
	fn on_stake_burned(_: Balance) {}
}

/// Test doubles (feature `test-utils`). Their state lives in the externalities' storage (see
/// `traits::mock_store`): use them inside `TestExternalities`, each of which starts them empty.
#[cfg(any(test, feature = "test-utils"))]
pub mod mock {
	use super::*;
	use crate::traits::mock_store::Stored;
	use codec::{Decode, Encode};
	use frame_support::pallet_prelude::DispatchError;
	use std::vec::Vec;

	static REPORTED: Stored<Vec<(Vec<u8>, Vec<u8>)>> = Stored::new(b":aipin:mock:reported");
	static BURNED: Stored<u128> = Stored::new(b":aipin:mock:burned");

	/// A [`ReportOffence`] that records every offence and refuses a repeated one, as the
	/// slashing pallet does.
	pub struct MockOffences;

	impl MockOffences {
		/// Forgets every report.
		pub fn reset() {
			REPORTED.with(|r| r.borrow_mut().clear());
		}
		/// The offences reported so far, with the block each was reported at.
		pub fn reported<A: Decode, N: Decode>() -> Vec<(Offence<A>, N)> {
			REPORTED.with(|r| {
				r.borrow()
					.iter()
					.filter_map(|(o, at)| {
						Some((
							Offence::<A>::decode(&mut &o[..]).ok()?,
							N::decode(&mut &at[..]).ok()?,
						))
					})
					.collect()
			})
		}
	}

	impl<A: Encode + Decode + Clone, N: Encode> ReportOffence<A, N> for MockOffences {
		fn report(offence: Offence<A>, at: N) -> DispatchResult {
			let key = (offence.kind, &offence.provider, offence.task).encode();
			REPORTED.with(|r| {
				let mut r = r.borrow_mut();
				let seen = r.iter().any(|(o, _)| {
					Offence::<A>::decode(&mut &o[..])
						.is_ok_and(|p| (p.kind, &p.provider, p.task).encode() == key)
				});
				if seen {
					return Err(DispatchError::Other("offence already reported"));
				}
				r.push((offence.encode(), at.encode()));
				Ok(())
			})
		}

		fn set_beneficiary(offence: &Offence<A>) -> DispatchResult {
			let key = (offence.kind, &offence.provider, offence.task).encode();
			REPORTED.with(|r| {
				let mut r = r.borrow_mut();
				for (o, _) in r.iter_mut() {
					let Ok(mut known) = Offence::<A>::decode(&mut &o[..]) else { continue };
					if (known.kind, &known.provider, known.task).encode() == key {
						known.beneficiary = offence.beneficiary.clone();
						*o = known.encode();
						return Ok(());
					}
				}
				Err(DispatchError::Other("no such offence"))
			})
		}
	}

	/// An [`OnStakeBurned`] that adds up what was burned.
	pub struct MockBurns;

	impl MockBurns {
		/// Total burned so far (and resets nothing).
		pub fn total() -> u128 {
			BURNED.with(|b| *b.borrow())
		}
		/// Sets the total back to zero.
		pub fn reset() {
			BURNED.with(|b| *b.borrow_mut() = 0);
		}
	}

	impl<B: sp_runtime::traits::UniqueSaturatedInto<u128>> OnStakeBurned<B> for MockBurns {
		fn on_stake_burned(amount: B) {
			BURNED.with(|b| {
				let mut b = b.borrow_mut();
				*b = b.saturating_add(amount.unique_saturated_into());
			});
		}
	}
}

#[cfg(test)]
mod tests {
	use super::{mock::*, *};
	use crate::OffenceKind;

	#[test]
	fn mock_offences_refuse_a_repeated_offence() {
		sp_io::TestExternalities::default().execute_with(|| {
			MockOffences::reset();
			let o = Offence {
				kind: OffenceKind::WrongResult,
				provider: 7u64,
				task: 3,
				beneficiary: None,
			};
			assert!(MockOffences::report(o.clone(), 10u64).is_ok());
			assert!(MockOffences::report(o.clone(), 11u64).is_err());
			let other = Offence { kind: OffenceKind::MissedReveal, ..o };
			assert!(MockOffences::report(other, 12u64).is_ok());
			assert_eq!(MockOffences::reported::<u64, u64>().len(), 2);
			let redirected = Offence { beneficiary: Some(9), ..o.clone() };
			assert!(<MockOffences as ReportOffence<u64, u64>>::set_beneficiary(&redirected).is_ok());
			assert_eq!(MockOffences::reported::<u64, u64>()[0].0.beneficiary, Some(9));
			let unknown = Offence { task: 4, ..redirected };
			assert!(<MockOffences as ReportOffence<u64, u64>>::set_beneficiary(&unknown).is_err());
			MockBurns::reset();
			<MockBurns as OnStakeBurned<u128>>::on_stake_burned(5);
			<MockBurns as OnStakeBurned<u128>>::on_stake_burned(6);
			assert_eq!(MockBurns::total(), 11);
		});
	}
}
