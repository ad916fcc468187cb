//! # AiPIN primitives
//!
//! Types and glue traits shared by the compute pallets (`staking`, `slashing`, `bme`,
//! `escrow`), the runtime and the off-chain worker. Each trait has a `()` implementation that
//! does nothing, so a pallet can be tested, or a runtime assembled, without the others.
//!
//! - [`ProviderRegistry`]: what the staking pallet tells others about providers (eligibility,
//!   selection, stake, operator keys) and lets them record (reputation, jail, slash).
//! - [`ReportOffence`]: how the escrow pallet reports a provider's fault to the slashing pallet.
//! - [`OnStakeBurned`]: how the slashing pallet tells the BME pallet that stake was burned.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::pallet_prelude::{DispatchError, DispatchResult};
use scale_info::TypeInfo;
use sp_runtime::Perbill;

/// Identifier of a compute kernel in the escrow pallet's kernel registry.
pub type KernelId = u32;
/// Identifier of a task in the escrow pallet.
pub type TaskId = u64;
/// Compute credits: non-transferable units tasks are priced and escrowed in.
pub type Credits = u128;

/// What kind of device a provider computes on. Informational (consumers may filter on it);
/// eligibility is decided by VRAM, kernels and price.
#[derive(
	Clone,
	Copy,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	PartialEq,
	Eq,
	serde::Serialize,
	serde::Deserialize,
)]
pub enum DeviceClass {
	/// A CPU or software device (e.g. Mesa lavapipe). Useful for testing; slow.
	Cpu,
	/// A GPU sharing memory with the CPU.
	IntegratedGpu,
	/// A discrete consumer GPU.
	ConsumerGpu,
	/// A data-centre accelerator.
	DatacenterGpu,
}

/// What a task needs from a provider.
#[derive(Clone, Copy, Encode, Decode, MaxEncodedLen, TypeInfo, Debug, PartialEq, Eq)]
pub struct Requirements {
	/// The kernel the task runs.
	pub kernel: KernelId,
	/// Minimum VRAM in MiB.
	pub min_vram_mib: u32,
	/// Highest acceptable ask, in credits per work unit.
	pub max_price: Credits,
}

/// How a finished task went for one provider, as the escrow pallet judged it. Only
/// `ProviderFault` touches reputation downwards; outcomes that were not the provider's fault
/// (cancelled, expired with no provider, ...) are not reported at all.
#[derive(
	Clone,
	Copy,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	PartialEq,
	Eq,
)]
pub enum TaskOutcome {
	/// The provider's result was accepted.
	Success,
	/// The provider was at fault: wrong result, invalid reveal, missed deadline.
	ProviderFault,
}

/// The offences a provider can commit. Each has its own slash fraction.
#[derive(
	Clone,
	Copy,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
)]
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

/// What the provider-staking pallet exposes to the other compute pallets. No other pallet
/// touches its storage.
pub trait ProviderRegistry<AccountId, Balance, BlockNumber> {
	/// The stash of the provider whose operator (hot) key is `operator`.
	fn stash_of(operator: &AccountId) -> Option<AccountId>;
	/// The operator (hot) key of provider `stash`.
	fn operator_of(stash: &AccountId) -> Option<AccountId>;
	/// Stake that can be slashed right now: active plus unlocking.
	fn slashable_stake(stash: &AccountId) -> Balance;
	/// The provider's ask in credits per work unit, if it is registered.
	fn ask_price(stash: &AccountId) -> Option<Credits>;
	/// Whether the provider can take new work meeting `req` now: registered, supports the
	/// kernel, enough VRAM, ask within price, responsive, not jailed, not draining.
	fn is_eligible(stash: &AccountId, req: &Requirements, now: BlockNumber) -> bool;
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

/// Receives offences established by another pallet (the escrow pallet's verdicts).
pub trait ReportOffence<AccountId, BlockNumber> {
	/// Reports `offence`, which happened at block `at`. Errors if it was reported before.
	fn report(offence: Offence<AccountId>, at: BlockNumber) -> DispatchResult;
}

impl<AccountId, BlockNumber> ReportOffence<AccountId, BlockNumber> for () {
	fn report(_: Offence<AccountId>, _: BlockNumber) -> DispatchResult {
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

/// Told about every provider heartbeat, so burn-and-mint accounting can tell which providers
/// stayed responsive through an epoch and with how much stake.
pub trait HeartbeatObserver<AccountId, Balance, BlockNumber> {
	/// Provider `stash`, with `stake` bonded, sent a heartbeat at `now`; its previous one was at
	/// `previous`.
	fn on_heartbeat(stash: &AccountId, stake: Balance, previous: BlockNumber, now: BlockNumber);
}

impl<AccountId, Balance, BlockNumber> HeartbeatObserver<AccountId, Balance, BlockNumber> for () {
	fn on_heartbeat(_: &AccountId, _: Balance, _: BlockNumber, _: BlockNumber) {}
}

/// Compute credits as the escrow pallet uses them: reserved when a task is funded, released on
/// refund, spent when a provider is paid (the provider's epoch work grows by what it earned).
pub trait ComputeCredits<AccountId> {
	/// Credits `who` can spend (not reserved).
	fn free_credits(who: &AccountId) -> Credits;
	/// Moves `amount` of `who`'s credits into escrow.
	fn reserve(who: &AccountId, amount: Credits) -> DispatchResult;
	/// Returns up to `amount` of `who`'s escrowed credits; returns what was released.
	fn release(who: &AccountId, amount: Credits) -> Credits;
	/// Spends `amount` of `who`'s escrowed credits on work done by `provider`: the credits are
	/// consumed and counted as `provider`'s work in the current epoch.
	fn spend(who: &AccountId, amount: Credits, provider: &AccountId) -> DispatchResult;
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
