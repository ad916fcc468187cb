//! Typed events. Each event struct lists the fields of the pallet's event in order, with the
//! chain's own types; decoding checks the field names against the runtime's metadata first,
//! so an event that changed shape is an error that says so, never a silent misread.

use crate::{Error, Result};
use codec::Decode;
use subxt::{error::EventsError, events::Events, Metadata, SubstrateConfig};

/// One event of a block, as subxt decodes it.
pub type Event<'a> = subxt::events::Event<'a, SubstrateConfig>;

/// An event of one pallet, decodable from its fields' SCALE bytes.
pub trait ChainEvent: Decode + Sized {
	/// The pallet's name in the runtime.
	const PALLET: &'static str;
	/// The event's name.
	const NAME: &'static str;
	/// Its fields, in order.
	const FIELDS: &'static [&'static str];

	/// `ev` as this event, if it is one.
	fn from_event(ev: &Event<'_>, md: &Metadata) -> Option<Result<Self>> {
		if ev.pallet_name() != Self::PALLET || ev.event_name() != Self::NAME {
			return None;
		}
		Some(decode_checked::<Self>(ev.field_bytes(), md))
	}
}

/// Checks `E`'s fields against the metadata, then decodes all of `bytes` as `E`.
pub fn decode_checked<E: ChainEvent>(mut bytes: &[u8], md: &Metadata) -> Result<E> {
	let what = || format!("event {}.{}", E::PALLET, E::NAME);
	let variant = md
		.pallet_by_name(E::PALLET)
		.and_then(|p| p.event_variants()?.iter().find(|v| v.name == E::NAME))
		.ok_or_else(|| Error::Metadata(format!("the runtime has no {}", what())))?;
	let names: Vec<&str> = variant.fields.iter().map(|f| f.name.as_deref().unwrap_or("")).collect();
	if names != E::FIELDS {
		return Err(Error::Metadata(format!(
			"{} has fields {names:?}; this client expects {:?}",
			what(),
			E::FIELDS
		)));
	}
	let e =
		E::decode(&mut bytes).map_err(|e| Error::Decode { what: what(), why: e.to_string() })?;
	if !bytes.is_empty() {
		let why = format!("{} bytes left over", bytes.len());
		return Err(Error::Decode { what: what(), why });
	}
	Ok(e)
}

/// Every `E` among `events` (a block's `Events::iter()`, or a transaction's).
pub fn find<'a, E: ChainEvent>(
	events: impl IntoIterator<Item = core::result::Result<Event<'a>, EventsError>>,
	md: &Metadata,
) -> Result<Vec<E>> {
	let mut out = Vec::new();
	for ev in events {
		if let Some(e) = E::from_event(&ev?, md) {
			out.push(e?);
		}
	}
	Ok(out)
}

/// The events of the block `at`.
pub async fn of_block(at: &crate::At) -> Result<Events<SubstrateConfig>> {
	Ok(at.events().fetch().await?)
}

macro_rules! chain_events {
	($pallet:literal; $( $(#[$m:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? } )*) => {
		$(
			$(#[$m])*
			#[derive(Clone, Debug, PartialEq, Eq, codec::Decode)]
			pub struct $name { $(#[allow(missing_docs)] pub $field: $ty),* }

			impl $crate::events::ChainEvent for $name {
				const PALLET: &'static str = $pallet;
				const NAME: &'static str = stringify!($name);
				const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
			}
		)*

		/// Every event of this pallet this client knows, for the metadata test.
		#[cfg(test)]
		pub(crate) fn known() -> Vec<(&'static str, &'static str, &'static [&'static str])> {
			use $crate::events::ChainEvent;
			vec![$((<$name>::PALLET, <$name>::NAME, <$name>::FIELDS)),*]
		}
	};
}

/// Events of the task escrow pallet.
pub mod escrow {
	use aipin_primitives::{
		AccountId, BlockNumber, Credits, InputFault, OffenceKind, TaskId, TerminalReason,
	};

	chain_events! { "Escrow";
		/// A task was submitted and its escrow reserved.
		TaskSubmitted {
			task: TaskId, consumer: AccountId, kernel: u32, work_units: u64, replication: u8,
			escrow: Credits, deadline: BlockNumber,
		}
		/// Providers were assigned.
		TaskAssigned { task: TaskId, providers: Vec<AccountId>, commit_ends: BlockNumber }
		/// A provider committed.
		ResultCommitted { task: TaskId, provider: AccountId }
		/// The reveal window opened.
		RevealStarted { task: TaskId, reveal_ends: BlockNumber }
		/// A provider revealed its root.
		ResultRevealed { task: TaskId, provider: AccountId, result_root: [u8; 32] }
		/// A provider was faulted.
		ProviderFaulted { task: TaskId, provider: AccountId, offence: OffenceKind }
		/// A replica reported the task's input unusable.
		InputReported { task: TaskId, provider: AccountId, fault: InputFault }
		/// A majority reported the input unusable: the consumer forfeited its input fee.
		ConsumerFeeForfeited { task: TaskId, consumer: AccountId, credits: Credits }
		/// A provider was paid.
		ProviderPaid { task: TaskId, provider: AccountId, credits: Credits }
		/// An honest replica's standing result is paid from a faulty one's slash.
		ReplicaCompensated {
			task: TaskId, provider: AccountId, offender: AccountId, offence: OffenceKind,
		}
		/// The task was a canary with answer `result_root`; `failed` providers answered
		/// otherwise and were reported `FailedCanary`.
		CanaryChecked { task: TaskId, result_root: [u8; 32], failed: u32 }
		/// The task ended.
		TaskFinished {
			task: TaskId, reason: TerminalReason, result_root: Option<[u8; 32]>, paid: Credits,
			refunded: Credits,
		}
	}
}

/// Events of the BME pallet.
pub mod bme {
	use aipin_primitives::{AccountId, Balance, Credits};

	chain_events! { "Bme";
		/// Tokens were burned for credits.
		CreditsPurchased { who: AccountId, tokens: Balance, credits: Credits, price: u128 }
		/// A provider claimed its rewards.
		RewardsClaimed { provider: AccountId, amount: Balance }
	}
}

/// Events of the slashing pallet.
pub mod slashing {
	use aipin_primitives::{AccountId, Balance, BlockNumber, OffenceKind, SlashId, TaskId};

	chain_events! { "Slashing";
		/// An offence was reported; its slash waits until `apply_at`.
		OffenceReported {
			slash_id: SlashId, provider: AccountId, kind: OffenceKind, task: TaskId,
			amount: Balance, apply_at: BlockNumber,
		}
		/// A deferred slash was applied.
		SlashApplied {
			slash_id: SlashId, provider: AccountId, slashed: Balance, rewarded: Balance,
			burned: Balance,
		}
	}
}

/// Events of the models pallet.
pub mod models {
	use aipin_primitives::{AccountId, Balance, KernelId, ModelId};

	chain_events! { "Models";
		/// A model was registered: tasks run it as `kernel`.
		ModelRegistered {
			model: ModelId, owner: Option<AccountId>, kernel: KernelId, bytes: u32,
			macs_per_sample: u64, deposit: Balance,
		}
		/// A model was retired: its kernel takes no new tasks.
		ModelRetired { model: ModelId }
		/// A retired model's program was removed and its deposit released.
		ModelReaped { model: ModelId, deposit: Balance }
	}
}

/// Events of the staking pallet.
pub mod staking {
	use aipin_primitives::{AccountId, Balance};

	chain_events! { "Staking";
		/// A provider registered.
		ProviderRegistered { stash: AccountId, operator: AccountId, stake: Balance }
	}
}

/// Events of the balances pallet.
pub mod balances {
	use aipin_primitives::{AccountId, Balance};

	chain_events! { "Balances";
		/// A transfer.
		Transfer { from: AccountId, to: AccountId, amount: Balance }
	}
}

/// Events of the transaction-payment pallet.
pub mod transaction_payment {
	use aipin_primitives::{AccountId, Balance};

	chain_events! { "TransactionPayment";
		/// A signed transaction paid its fee.
		TransactionFeePaid { who: AccountId, actual_fee: Balance, tip: Balance }
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn metadata() -> Metadata {
		use codec::Encode;
		// Reading the metadata calls host functions: it needs externalities.
		let prefixed =
			sp_io::TestExternalities::default().execute_with(aipin_runtime::Runtime::metadata);
		Metadata::decode(&mut &prefixed.encode()[..]).expect("the runtime's metadata decodes")
	}

	/// Every event this client decodes has, in the runtime, exactly the fields it expects.
	#[test]
	fn every_known_event_matches_the_runtime() {
		let md = metadata();
		let all = [
			escrow::known(),
			models::known(),
			bme::known(),
			slashing::known(),
			staking::known(),
			balances::known(),
			transaction_payment::known(),
		]
		.concat();
		for (pallet, name, fields) in all {
			let variant = md
				.pallet_by_name(pallet)
				.and_then(|p| p.event_variants()?.iter().find(|v| v.name == name))
				.unwrap_or_else(|| panic!("no event {pallet}.{name}"));
			let names: Vec<&str> =
				variant.fields.iter().map(|f| f.name.as_deref().unwrap_or("")).collect();
			assert_eq!(names, fields, "{pallet}.{name}");
		}
	}
}
