//! Offences and slashes: what a provider can do wrong, as the escrow pallet establishes it and
//! the slashing pallet punishes it.

use crate::TaskId;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Identifier of a slash record, in report order.
pub type SlashId = u64;

/// The offences a provider can commit. Each has its own slash fraction.
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OffenceKind {
	/// Its revealed result was in the minority of a resolved task.
	WrongResult,
	/// Its reveal did not match its commitment.
	InvalidReveal,
	/// It did not commit before the commit deadline (liveness).
	MissedCommit,
	/// It committed but did not reveal before the reveal deadline (liveness).
	MissedReveal,
	/// It gave a wrong answer to a known-answer (canary) task.
	FailedCanary,
}

impl OffenceKind {
	/// A missed deadline. The consumer controls much of what makes a provider miss one (an
	/// input URL that stalls, a wrong input hash, work too large for the window), so a liveness
	/// slash never pays the consumer: griefing providers must not earn anything.
	pub fn is_liveness(self) -> bool {
		matches!(self, OffenceKind::MissedCommit | OffenceKind::MissedReveal)
	}
}

/// An offence, as reported by the pallet that established it.
#[derive(Clone, Encode, Decode, MaxEncodedLen, TypeInfo, Debug, PartialEq, Eq)]
pub struct Offence<AccountId> {
	/// What was done wrong.
	pub kind: OffenceKind,
	/// The provider (stash account) at fault.
	pub provider: AccountId,
	/// The task it happened in. Together with `kind` and `provider` it identifies the offence:
	/// the same offence is never slashed twice.
	pub task: TaskId,
	/// Who was harmed and receives the reward share of the slash (the consumer or an honest
	/// replica); `None` burns the whole slash.
	pub beneficiary: Option<AccountId>,
}

/// What a slash actually did.
#[derive(Clone, Copy, Default, Encode, Decode, MaxEncodedLen, TypeInfo, Debug, PartialEq, Eq)]
pub struct SlashOutcome<Balance> {
	/// Stake taken from the provider in total (`rewarded + burned`).
	pub slashed: Balance,
	/// Part of it paid to the beneficiary.
	pub rewarded: Balance,
	/// Part of it burned (total issuance fell by this much).
	pub burned: Balance,
}

/// Where a slash record stands.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub enum SlashStatus<Balance> {
	/// Waiting for its due block; can be cancelled.
	Pending,
	/// Applied, with what it did.
	Applied(SlashOutcome<Balance>),
	/// Cancelled by governance.
	Cancelled,
}

/// A reported offence and its slash, as the slashing pallet keeps it.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct SlashRecord<AccountId, Balance, BlockNumber> {
	/// The offence.
	pub offence: Offence<AccountId>,
	/// Stake to take: the kind's fraction of the slashable stake at report time.
	pub amount: Balance,
	/// When it was reported.
	pub reported_at: BlockNumber,
	/// When it is applied (report + `SlashDeferPeriod`).
	pub apply_at: BlockNumber,
	/// Pending, applied or cancelled.
	pub status: SlashStatus<Balance>,
}
