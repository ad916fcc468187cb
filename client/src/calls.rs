//! Typed call builders: each function takes the chain's own argument types and returns a
//! [`Call`] that [`crate::Client::send`] or [`crate::Client::submit`] signs.
//!
//! Arguments are SCALE-encoded from `aipin-primitives` types; the call's pallet and name are
//! looked up in the runtime's metadata when it is signed, and the number of arguments is
//! checked against the call's fields there.

use crate::Unbounded;
use aipin_primitives::{
	BlockNumber, Credits, InputFault, KernelId, ProviderProfile, TaskId, TaskInput,
};
use codec::{Encode, Output};
use subxt::utils::Static;

/// Bytes that are already SCALE-encoded.
#[derive(Clone, Debug)]
pub struct Raw(pub Vec<u8>);

impl Encode for Raw {
	fn size_hint(&self) -> usize {
		self.0.len()
	}
	fn encode_to<O: Output + ?Sized>(&self, dest: &mut O) {
		dest.write(&self.0)
	}
}

/// One argument of a call, a view function or a storage key.
pub type Arg = Static<Raw>;
/// The arguments of a call, a view function or a storage key.
pub type Args = Vec<Arg>;

/// `v`, SCALE-encoded, as an argument.
pub fn arg<T: Encode + ?Sized>(v: &T) -> Arg {
	Static(Raw(v.encode()))
}

/// A call of one pallet's dispatchable, with its arguments encoded.
#[derive(Clone, Debug)]
pub struct Call {
	pallet: &'static str,
	name: &'static str,
	args: Args,
}

impl Call {
	/// `pallet.name` with no arguments yet.
	pub fn new(pallet: &'static str, name: &'static str) -> Self {
		Self { pallet, name, args: Vec::new() }
	}

	/// Appends an argument.
	pub fn with<T: Encode + ?Sized>(mut self, v: &T) -> Self {
		self.args.push(arg(v));
		self
	}

	/// `Pallet.call`, for messages.
	pub fn name(&self) -> String {
		format!("{}.{}", self.pallet, self.name)
	}

	/// The subxt payload.
	pub fn payload(&self) -> subxt::transactions::DynamicPayload<Args> {
		subxt::dynamic::transaction(self.pallet, self.name, self.args.clone())
	}
}

/// The task escrow pallet.
pub mod escrow {
	use super::*;

	/// `Escrow.submit_task`.
	pub fn submit_task(
		kernel: KernelId,
		params: &[u32],
		input: &TaskInput<Unbounded, Unbounded>,
		replication: u8,
		max_price: Credits,
		deadline: BlockNumber,
	) -> Call {
		Call::new("Escrow", "submit_task")
			.with(&kernel)
			.with(params)
			.with(input)
			.with(&replication)
			.with(&max_price)
			.with(&deadline)
	}

	/// `Escrow.cancel_task`.
	pub fn cancel_task(task: TaskId) -> Call {
		Call::new("Escrow", "cancel_task").with(&task)
	}

	/// `Escrow.commit_result`.
	pub fn commit_result(task: TaskId, commitment: [u8; 32]) -> Call {
		Call::new("Escrow", "commit_result").with(&task).with(&commitment)
	}

	/// `Escrow.reveal_result`.
	pub fn reveal_result(task: TaskId, result_root: [u8; 32], salt: [u8; 32]) -> Call {
		Call::new("Escrow", "reveal_result").with(&task).with(&result_root).with(&salt)
	}

	/// `Escrow.seal_canaries`, as `CanaryOrigin` (wrap it in [`root::sudo`] on dev chains).
	pub fn seal_canaries(seals: &[[u8; 32]]) -> Call {
		Call::new("Escrow", "seal_canaries").with(seals)
	}

	/// `Escrow.expose_canary`: finished `task` was a canary whose answer is `result_root`.
	pub fn expose_canary(task: TaskId, result_root: [u8; 32]) -> Call {
		Call::new("Escrow", "expose_canary").with(&task).with(&result_root)
	}

	/// `Escrow.report_input`: the task's external input is unusable.
	pub fn report_input(task: TaskId, fault: InputFault) -> Call {
		Call::new("Escrow", "report_input").with(&task).with(&fault)
	}
}

/// The models pallet.
pub mod models {
	use super::*;
	use aipin_primitives::ModelId;

	/// `Models.register`: store a compiled program (`aipin_kernels::inference::Program` bytes).
	pub fn register(program: &[u8]) -> Call {
		Call::new("Models", "register").with(program)
	}

	/// `Models.register_by_url`: a program stored off chain, `bytes` long, at `url`, with its
	/// figures (`aipin_kernels::inference::task::summary`).
	pub fn register_by_url(
		model: &ModelId,
		bytes: u32,
		url: &[u8],
		summary: &aipin_primitives::ProgramSummary,
	) -> Call {
		Call::new("Models", "register_by_url").with(model).with(&bytes).with(url).with(summary)
	}

	/// `Models.retire`.
	pub fn retire(model: &ModelId) -> Call {
		Call::new("Models", "retire").with(model)
	}

	/// `Models.reap`.
	pub fn reap(model: &ModelId) -> Call {
		Call::new("Models", "reap").with(model)
	}
}

/// The burn-and-mint equilibrium pallet.
pub mod bme {
	use super::*;
	use aipin_primitives::Balance;

	/// `Bme.buy_credits`: burn `tokens` planck for at least `min_credits`.
	pub fn buy_credits(tokens: Balance, min_credits: Credits) -> Call {
		Call::new("Bme", "buy_credits").with(&tokens).with(&min_credits)
	}

	/// `Bme.submit_price` (nano-USD per AIP), as an oracle feeder.
	pub fn submit_price(nano_usd: u128) -> Call {
		Call::new("Bme", "submit_price").with(&nano_usd)
	}

	/// `Bme.claim_rewards`, by a provider stash.
	pub fn claim_rewards() -> Call {
		Call::new("Bme", "claim_rewards")
	}
}

/// The provider-staking pallet.
pub mod staking {
	use super::*;
	use aipin_primitives::{AccountId, Balance};

	/// `Staking.register_provider`, signed by the stash.
	pub fn register_provider(
		stake: Balance,
		profile: &ProviderProfile<Unbounded>,
		operator: &AccountId,
		endpoint: &[u8],
	) -> Call {
		Call::new("Staking", "register_provider")
			.with(&stake)
			.with(profile)
			.with(operator)
			.with(endpoint)
	}

	/// `Staking.heartbeat`, signed by the operator.
	pub fn heartbeat() -> Call {
		Call::new("Staking", "heartbeat")
	}

	/// `Staking.bond_extra`: hold `amount` more planck as stake. Signed by the stash, as are
	/// the calls below.
	pub fn bond_extra(amount: Balance) -> Call {
		Call::new("Staking", "bond_extra").with(&amount)
	}

	/// `Staking.unbond`: start unbonding `amount` planck (slashable until withdrawn).
	pub fn unbond(amount: Balance) -> Call {
		Call::new("Staking", "unbond").with(&amount)
	}

	/// `Staking.rebond`: bond `amount` planck of unbonding stake again.
	pub fn rebond(amount: Balance) -> Call {
		Call::new("Staking", "rebond").with(&amount)
	}

	/// `Staking.withdraw_unbonded`: release the unbonding chunks that have unlocked.
	pub fn withdraw_unbonded() -> Call {
		Call::new("Staking", "withdraw_unbonded")
	}

	/// `Staking.drain`: take no new work; tasks in flight finish.
	pub fn drain() -> Call {
		Call::new("Staking", "drain")
	}

	/// `Staking.resume`: take work again after a drain.
	pub fn resume() -> Call {
		Call::new("Staking", "resume")
	}

	/// `Staking.deregister`: remove a drained, idle, fully withdrawn provider.
	pub fn deregister() -> Call {
		Call::new("Staking", "deregister")
	}
}

/// The slashing pallet.
pub mod slashing {
	use super::*;

	/// `Slashing.unjail`, signed by a jailed provider's stash once its term is over.
	pub fn unjail() -> Call {
		Call::new("Slashing", "unjail")
	}
}

/// Balances.
pub mod balances {
	use super::*;
	use aipin_primitives::{AccountId, Balance};
	use subxt::utils::MultiAddress;

	/// `Balances.transfer_keep_alive`.
	pub fn transfer_keep_alive(dest: &AccountId, value: Balance) -> Call {
		Call::new("Balances", "transfer_keep_alive")
			.with(&MultiAddress::<AccountId, ()>::Id(dest.clone()))
			.with(&codec::Compact(value))
	}
}

/// Root calls (through `Sudo.sudo` on dev chains).
pub mod root {
	use super::*;

	/// `Sudo.sudo(call)`, where `call_data` is [`crate::Client::call_data`] of the inner call.
	pub fn sudo(call_data: Vec<u8>) -> Call {
		Call::new("Sudo", "sudo").with(&Raw(call_data))
	}

	/// `System.set_storage(items)`.
	pub fn set_storage(items: &[(Vec<u8>, Vec<u8>)]) -> Call {
		Call::new("System", "set_storage").with(items)
	}
}
