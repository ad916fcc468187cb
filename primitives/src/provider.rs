//! Providers: what a provider offers and what the staking pallet records about it.

use crate::{Credits, KernelId};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::Get, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use scale_info::TypeInfo;

/// What kind of device a provider computes on. Informational (consumers may filter on it);
/// eligibility is decided by VRAM, kernels and price.
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[derive(serde::Serialize, serde::Deserialize)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
	/// Highest acceptable ask, in credits per `PriceUnit` work units.
	pub max_price: Credits,
	/// The task's work units: a provider is eligible only if its declared throughput computes
	/// them in time (the staking pallet's `TaskComputeSeconds`), so no provider is assigned
	/// work it would miss the commit window on.
	pub work_units: u64,
}

/// The most the providers registered for a kernel have offered: the largest VRAM and
/// throughput and the lowest ask among the profiles that listed it (kept by the staking pallet,
/// read through [`crate::ProviderRegistry::could_ever_serve`]). A task whose requirements it
/// does not cover could never be assigned, so the escrow refuses it at submission. It widens at
/// once when a provider registers or updates its profile; when one leaves the kernel or
/// offers less, the kernel is marked stale and a [`Recount`] narrows it in later blocks'
/// spare weight. So it may over-admit for a while, and never refuses a task some registered
/// provider could take.
#[derive(Clone, Copy, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[derive(Debug, PartialEq, Eq)]
pub struct KernelReach {
	/// Largest VRAM, in MiB.
	pub vram_mib: u32,
	/// Largest declared throughput, in work units per second.
	pub throughput: u64,
	/// Lowest ask, in credits per `PriceUnit` work units.
	pub ask_price: Credits,
}

impl KernelReach {
	/// What one profile offers.
	pub fn of<K: Get<u32>>(profile: &ProviderProfile<K>) -> Self {
		Self {
			vram_mib: profile.vram_mib,
			throughput: profile.throughput,
			ask_price: profile.ask_price,
		}
	}

	/// The reach of both.
	pub fn widen(self, other: Self) -> Self {
		Self {
			vram_mib: self.vram_mib.max(other.vram_mib),
			throughput: self.throughput.max(other.throughput),
			ask_price: self.ask_price.min(other.ask_price),
		}
	}

	/// Whether some provider within this reach could take a task needing `req`, given
	/// `compute_seconds` of compute at its throughput per task.
	pub fn covers(&self, req: &Requirements, compute_seconds: u64) -> bool {
		self.vram_mib >= req.min_vram_mib
			&& self.ask_price <= req.max_price
			&& self.throughput.saturating_mul(compute_seconds) >= req.work_units
	}
}

/// A recount of one kernel's reach under way (the staking pallet's `ReachRecount`, run in
/// `on_idle`): the providers at positions `0..next` of the kernel's index are counted in
/// `reach` (`None`: none so far). A provider that registers, or widens its profile, meanwhile
/// is counted in at once, so the recount never ends narrower than a registered provider.
#[derive(Clone, Copy, Encode, Decode, MaxEncodedLen, TypeInfo, Debug, PartialEq, Eq)]
pub struct Recount {
	/// The kernel recounted.
	pub kernel: KernelId,
	/// The next position of the kernel's index to count.
	pub next: u32,
	/// The reach of the providers counted so far.
	pub reach: Option<KernelReach>,
}

impl Recount {
	/// Counts `offered` in.
	pub fn include(&mut self, offered: KernelReach) {
		self.reach = Some(self.reach.map_or(offered, |r| r.widen(offered)));
	}
}

/// Reputation is kept in parts per million: 0 is the worst, 1,000,000 the best.
pub const REPUTATION_MAX: u32 = 1_000_000;
/// Where every provider starts, and where reputation decays back to.
pub const REPUTATION_NEUTRAL: u32 = 500_000;

/// What a provider offers. Set at registration and by `update_profile`.
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound)]
#[scale_info(skip_type_params(MaxKernels))]
pub struct ProviderProfile<MaxKernels: Get<u32>> {
	/// What kind of device computes.
	pub device_class: DeviceClass,
	/// Device memory, MiB.
	pub vram_mib: u32,
	/// Throughput the worker's benchmark measured, in work units per second.
	pub throughput: u64,
	/// Kernels the provider runs; sorted, no duplicates, not empty.
	pub kernels: BoundedVec<KernelId, MaxKernels>,
	/// Ask price in credits per `PriceUnit` work units (the escrow's constant); tasks whose
	/// `max_price` is lower skip it.
	pub ask_price: Credits,
}

/// Stake on its way out: still held, still slashable, free to withdraw at `unlock_at`.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub struct UnlockChunk<Balance, BlockNumber> {
	/// Amount unbonded.
	pub value: Balance,
	/// First block at which it can be withdrawn.
	pub unlock_at: BlockNumber,
}

/// Whether a provider takes new work.
#[derive(Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ProviderStatus {
	/// Takes new assignments (if otherwise eligible).
	Active,
	/// Finishing in-flight work, takes no new assignments; `resume` or `deregister` next.
	Draining,
}

/// Reputation with the block it was last written at; it decays toward neutral lazily.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug)]
pub struct Reputation<BlockNumber> {
	/// Parts per million at `updated_at`.
	pub value: u32,
	/// When `value` was written.
	pub updated_at: BlockNumber,
}

/// Everything the chain knows about a provider, keyed by its stash account.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo)]
#[derive(CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound)]
#[scale_info(skip_type_params(MaxKernels, MaxEndpointLen, MaxChunks))]
pub struct ProviderInfo<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug,
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxKernels: Get<u32>,
	MaxEndpointLen: Get<u32>,
	MaxChunks: Get<u32>,
> {
	/// Hot key on the GPU host: signs heartbeats, commits and reveals, nothing else.
	pub operator: AccountId,
	/// What the provider offers.
	pub profile: ProviderProfile<MaxKernels>,
	/// URL where the worker serves results (`http://` or `https://`).
	pub endpoint: BoundedVec<u8, MaxEndpointLen>,
	/// Bonded stake: held, slashable, backs new work.
	pub active: Balance,
	/// Unbonding stake: held and slashable until withdrawn.
	pub unlocking: BoundedVec<UnlockChunk<Balance, BlockNumber>, MaxChunks>,
	/// Taking work, or draining.
	pub status: ProviderStatus,
	/// Last heartbeat (registration counts as one).
	pub last_heartbeat: BlockNumber,
	/// Reputation as last written.
	pub reputation: Reputation<BlockNumber>,
	/// Barred from new work until this block, if jailed.
	pub jailed_until: Option<BlockNumber>,
}

impl<AccountId, Balance, BlockNumber, MaxKernels, MaxEndpointLen, MaxChunks>
	ProviderInfo<AccountId, Balance, BlockNumber, MaxKernels, MaxEndpointLen, MaxChunks>
where
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	Balance: Clone + PartialEq + Eq + core::fmt::Debug + sp_runtime::Saturating + Copy,
	BlockNumber: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxKernels: Get<u32>,
	MaxEndpointLen: Get<u32>,
	MaxChunks: Get<u32>,
{
	/// Active plus unlocking stake: all of it is held, and all of it is slashable.
	pub fn total_stake(&self) -> Balance {
		self.unlocking.iter().fold(self.active, |acc, c| acc.saturating_add(c.value))
	}
}
