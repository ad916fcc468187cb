//! Governance: a council (`pallet-collective`, index 7), and root through it
//! (`pallet-whitelist`, index 9, with `pallet-preimage`, index 8, holding the calls it names).
//!
//! Who decides what:
//! - [`GovernanceOrigin`]: root, or two thirds of the council in one motion. It registers and
//!   deprecates kernels, seals canaries, cancels slashes on appeal, retires models, manages the
//!   price feeders and the council's own membership.
//! - Anything only root may do (a runtime upgrade, a `storage` parameter such as
//!   `SlashDeferPeriod`, a balance fix) takes two steps: two thirds of the council whitelist
//!   the call's hash (`Whitelist.whitelist_call`), then any one member dispatches that exact
//!   call as root (`Council.execute(Whitelist.dispatch_whitelisted_call_with_preimage)`).
//!   The first step is the review; the second cannot run anything that was not reviewed.
//!
//! Sudo stays in the runtime for the development preset only: the `local_testnet` preset
//! has no sudo key, so there the council is the only way to root (docs/governance.md).

use super::RuntimeBlockWeights;
use crate::{
	time::DAYS, units::AIP, AccountId, Balance, Balances, BlockNumber, Preimage, Runtime,
	RuntimeCall, RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, System,
};
use frame_support::{
	parameter_types,
	traits::{fungible::HoldConsideration, EitherOfDiverse, LinearStoragePrice},
	weights::Weight,
};
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

/// The council's instance of `pallet-collective`.
pub type CouncilCollective = pallet_collective::Instance1;

/// Root, or at least two thirds of the council.
pub type GovernanceOrigin = EitherOfDiverse<
	EnsureRoot<AccountId>,
	pallet_collective::EnsureProportionAtLeast<AccountId, CouncilCollective, 2, 3>,
>;

/// The most council members; council calls are weighed for this many.
pub const COUNCIL_MAX_MEMBERS: u32 = 100;

/// Any one council member, acting alone (`Council.execute`).
pub type CouncilMember = pallet_collective::EnsureMember<AccountId, CouncilCollective>;

parameter_types! {
	/// A motion stays open for three days; it closes earlier once its outcome is certain.
	pub const CouncilMotionDuration: BlockNumber = 3 * DAYS;
	/// A motion may dispatch at most half a block's weight.
	pub MaxProposalWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
}

impl pallet_collective::Config<CouncilCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = CouncilMotionDuration;
	type MaxProposals = frame_support::traits::ConstU32<100>;
	type MaxMembers = frame_support::traits::ConstU32<COUNCIL_MAX_MEMBERS>;
	/// A member who does not vote follows the prime member, if there is one.
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	type SetMembersOrigin = GovernanceOrigin;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = EnsureRoot<AccountId>;
	type KillOrigin = EnsureRoot<AccountId>;
	/// Members are known and accountable: proposing takes no deposit.
	type Consideration = ();
}

parameter_types! {
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
	/// A call noted for governance holds one AIP...
	pub const PreimageBaseDeposit: Balance = AIP;
	/// ... plus a thousandth of an AIP per byte, as the model registry charges.
	pub const PreimageByteDeposit: Balance = AIP / 1_000;
}

impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = pallet_preimage::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = EnsureRoot<AccountId>;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}

parameter_types! {
	/// A deferred dispatch (one made before its call was whitelisted) lapses after a week.
	pub const DeferredDispatchExpiration: BlockNumber = 7 * DAYS;
}

impl pallet_whitelist::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WhitelistOrigin = GovernanceOrigin;
	type DispatchWhitelistedOrigin = CouncilMember;
	type Preimages = Preimage;
	type DeferredDispatchExpiration = DeferredDispatchExpiration;
	type BlockNumberProvider = System;
	type WeightInfo = pallet_whitelist::weights::SubstrateWeight<Runtime>;
}
