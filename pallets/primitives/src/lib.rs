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

// ----- commit–reveal and inputs: the rules the chain, the worker and the clients share -------

/// Domain tag of the seeded input generator.
pub const SEEDED_INPUT_DOMAIN: &[u8; 16] = b"aipin/seeded/v1\0";

/// Size of the chunks a task's output is split into before Merkle-rooting it.
pub const RESULT_CHUNK_SIZE: usize = 4096;

/// The commitment a provider posts with `commit_result`:
/// `blake2_256(SCALE(task, provider, result_root, salt))`, where `provider` is the provider's
/// stash account. Binding the task and the provider means a commitment cannot be replayed on
/// another task or copied by another replica.
pub fn result_commitment<AccountId: Encode>(
	task: TaskId,
	provider: &AccountId,
	result_root: &[u8; 32],
	salt: &[u8; 32],
) -> [u8; 32] {
	sp_crypto_hashing::blake2_256(&(task, provider, result_root, salt).encode())
}

/// Fills `out` with the bytes of stream `stream` of a seeded input.
///
/// The stream is the concatenation of 32-byte blocks
/// `block[i] = blake2_256(SEEDED_INPUT_DOMAIN ‖ seed ‖ stream as u32 LE ‖ i as u64 LE)`,
/// truncated to `out.len()`. A kernel's inputs are streams 0, 1, 2, ... in the order the
/// kernel documents (e.g. GEMM: A is stream 0, B is stream 1).
pub fn seeded_stream(seed: &[u8; 32], stream: u32, out: &mut [u8]) {
	let mut preimage = [0u8; 16 + 32 + 4 + 8];
	preimage[..16].copy_from_slice(SEEDED_INPUT_DOMAIN);
	preimage[16..48].copy_from_slice(seed);
	preimage[48..52].copy_from_slice(&stream.to_le_bytes());
	for (i, chunk) in out.chunks_mut(32).enumerate() {
		preimage[52..60].copy_from_slice(&(i as u64).to_le_bytes());
		let block = sp_crypto_hashing::blake2_256(&preimage);
		chunk.copy_from_slice(&block[..chunk.len()]);
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn commitment_binds_every_field() {
		let base = result_commitment(7u64, &1u64, &[1; 32], &[2; 32]);
		assert_ne!(base, result_commitment(8u64, &1u64, &[1; 32], &[2; 32]));
		assert_ne!(base, result_commitment(7u64, &2u64, &[1; 32], &[2; 32]));
		assert_ne!(base, result_commitment(7u64, &1u64, &[3; 32], &[2; 32]));
		assert_ne!(base, result_commitment(7u64, &1u64, &[1; 32], &[4; 32]));
		// SCALE of (u64, u64, [u8; 32], [u8; 32]) is the plain concatenation.
		let mut pre = alloc::vec::Vec::new();
		pre.extend_from_slice(&7u64.to_le_bytes());
		pre.extend_from_slice(&1u64.to_le_bytes());
		pre.extend_from_slice(&[1; 32]);
		pre.extend_from_slice(&[2; 32]);
		assert_eq!(base, sp_crypto_hashing::blake2_256(&pre));
	}

	#[test]
	fn seeded_streams_are_prefix_stable_and_distinct() {
		let seed = [9u8; 32];
		let mut long = [0u8; 100];
		let mut short = [0u8; 33];
		seeded_stream(&seed, 0, &mut long);
		seeded_stream(&seed, 0, &mut short);
		assert_eq!(&long[..33], &short[..]);
		let mut other = [0u8; 100];
		seeded_stream(&seed, 1, &mut other);
		assert_ne!(long, other);
		// First block pinned, so a change to the generator cannot go unnoticed.
		let mut pre = alloc::vec::Vec::new();
		pre.extend_from_slice(SEEDED_INPUT_DOMAIN);
		pre.extend_from_slice(&seed);
		pre.extend_from_slice(&0u32.to_le_bytes());
		pre.extend_from_slice(&0u64.to_le_bytes());
		assert_eq!(&long[..32], &sp_crypto_hashing::blake2_256(&pre)[..]);
	}
}
