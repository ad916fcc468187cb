//! Task escrow (`pallet-task-escrow`, index 13).

use crate::{
	time::{DAYS, MINUTES},
	Balance, BlockNumber, Bme, Hash, Models, Runtime, Slashing, Staking, System,
};
#[cfg(feature = "runtime-benchmarks")]
use crate::{units::AIP, AccountId, Balances};
use codec::Encode;
use frame_support::{parameter_types, traits::ConstU32};

#[cfg(feature = "runtime-benchmarks")]
use super::BenchmarkProviders;
use super::DisputeWindow;

parameter_types! {
	/// Assigned providers have two minutes to commit...
	pub const CommitWindow: BlockNumber = 2 * MINUTES;
	/// ... and one minute to reveal.
	pub const RevealWindow: BlockNumber = MINUTES;
	/// Finished tasks stay readable for a day.
	pub const TaskRetention: BlockNumber = DAYS;
	/// 256 MiB of input at most (external or seeded).
	pub const MaxInputBytes: u64 = 256 << 20;
	/// A consumer whose input the replicas report unusable forfeits 10% of the task's escrow.
	pub const ConsumerFaultFee: sp_runtime::Perbill = sp_runtime::Perbill::from_percent(10);
	/// Prices are credits per 10¹² work units, that is per 10¹⁸ int8 operations: an H100
	/// rented at about $2 an hour costs some 28,000 credits per 10¹² work units, so market
	/// prices are whole credits with steps under 0.01% (`docs/tokenomics.md`, pricing).
	/// Changing it reprices every ask and queued task: it needs a migration like
	/// `migrations::v3`.
	pub const PriceUnit: u64 = 1_000_000_000_000;
	/// Every task escrows 1,000 credits more than its price ($0.01 at the credits' reference
	/// value), refunded unless its consumer is at fault, where it is the least that consumer
	/// forfeits. A governed storage parameter (`System.set_storage`, key
	/// `twox_128(":SubmissionDeposit:")`, a SCALE `u128`).
	pub storage SubmissionDeposit: aipin_primitives::Credits = 1_000;
}

/// Assignment randomness: `blake2_256(subject ‖ parent hash)`.
///
/// The parent hash is fixed before the block that uses it, and tasks are assigned in a later
/// block than the one they were submitted in, so a submitter cannot choose its providers. The
/// block author can bias it (see `pallet-task-escrow`'s docs for the limits); a VRF source can
/// replace it here without other changes.
pub struct ParentHashRandomness;

impl frame_support::traits::Randomness<Hash, BlockNumber> for ParentHashRandomness {
	fn random(subject: &[u8]) -> (Hash, BlockNumber) {
		let parent = System::parent_hash();
		let seed = sp_crypto_hashing::blake2_256(&(subject, parent).encode());
		(Hash::from(seed), System::block_number().saturating_sub(1))
	}
}

impl pallet_task_escrow::Config for Runtime {
	type Balance = Balance;
	type Registry = Staking;
	type Credits = Bme;
	type Offences = Slashing;
	type Randomness = ParentHashRandomness;
	type KernelOrigin = super::GovernanceOrigin;
	type MaxReplication = ConstU32<5>;
	type MaxInlineInput = ConstU32<{ 64 * 1024 }>;
	type MaxUrlLen = ConstU32<256>;
	type FetchedPrograms = Models;
	type MaxInputBytes = MaxInputBytes;
	type MaxOpenTasksPerConsumer = ConstU32<64>;
	type MaxTasksPerProvider = ConstU32<32>;
	type MaxQueueLen = ConstU32<1024>;
	// Sized by the benchmarks, not by caution: an assignment at the largest replication (5) is
	// 41.9 + 5 × 17.1 µs (`pallets/escrow/src/weights.rs`), so 64 of them take about 8 ms of
	// the block's 2 s. At 16 this cap was what held a 1 s dev chain to 960 tasks a minute
	// (docs/benchmarks.md), with the block 94% empty.
	type MaxAssignmentsPerBlock = ConstU32<64>;
	type MaxTimeoutsPerBlock = ConstU32<32>;
	type CommitWindow = CommitWindow;
	type RevealWindow = RevealWindow;
	// A task must settle within the window the staking pallet's unbonding covers.
	type MaxTaskLifetime = DisputeWindow;
	type RetentionPeriod = TaskRetention;
	type ConsumerFaultFee = ConsumerFaultFee;
	type PriceUnit = PriceUnit;
	type SubmissionDeposit = SubmissionDeposit;
	type CanaryOrigin = super::GovernanceOrigin;
	type MaxCanarySeals = ConstU32<1024>;
	type WeightInfo = pallet_task_escrow::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = BenchmarkProviders;
}

#[cfg(feature = "runtime-benchmarks")]
impl pallet_task_escrow::BenchmarkHelper<AccountId> for BenchmarkProviders {
	fn provider(
		index: u32,
		kernel: aipin_primitives::KernelId,
		ask: aipin_primitives::Credits,
	) -> AccountId {
		Self::register(index, kernel, ask)
	}

	fn operator(provider: &AccountId) -> AccountId {
		pallet_compute_staking::Providers::<Runtime>::get(provider)
			.map(|p| p.operator)
			.expect("benchmark provider is registered")
	}

	fn fund_credits(who: &AccountId, amount: aipin_primitives::Credits) {
		use frame_support::traits::fungible::Mutate;
		let _ = Balances::set_balance(who, 1_000_000_000 * AIP);
		let price =
			pallet_bme::EffectivePrice::<Runtime>::get().expect("the preset's price is live");
		// Credits = tokens × price / (AIP × credit value); one AIP more covers rounding.
		let tokens = amount.saturating_mul(AIP).saturating_mul(10_000) / price + AIP;
		pallet_bme::Pallet::<Runtime>::buy_credits(
			frame_system::RawOrigin::Signed(who.clone()).into(),
			tokens,
			amount,
		)
		.expect("benchmark consumer buys credits");
	}
}
