//! Types stored and accepted by the escrow pallet. They are the chain's vocabulary and live in
//! `aipin-primitives` (`task` and `kernel` modules), where the worker and clients read them too.

pub use aipin_primitives::{
	kernel::{
		Formula, KernelInfo, KernelSpec, Params, Term, MAX_FACTORS, MAX_KERNEL_NAME, MAX_PARAMS,
		MAX_TERMS,
	},
	task::{
		Assignment, InputFault, OperatorTask, Phase, ProviderRisk, QueueEntry, Quote, Role,
		SlotState, TaskInfo, TaskInput, TerminalReason,
	},
};

use crate::Config;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;

/// Bound on a task's assignments: its replicas, one replacement per replica and a tie-breaker.
#[derive(
	frame_support::CloneNoBound,
	frame_support::PartialEqNoBound,
	frame_support::EqNoBound,
	frame_support::DebugNoBound
)]
pub struct MaxAssignmentsOf<T>(core::marker::PhantomData<T>);

impl<T: Config> Get<u32> for MaxAssignmentsOf<T> {
	fn get() -> u32 {
		T::MaxReplication::get().saturating_mul(2).saturating_add(1)
	}
}

/// A task with this runtime's types.
pub type TaskOf<T> =
	TaskInfo<<T as frame_system::Config>::AccountId, BlockNumberFor<T>, MaxAssignmentsOf<T>>;
/// A task input with this runtime's bounds.
pub type TaskInputOf<T> = TaskInput<<T as Config>::MaxInlineInput, <T as Config>::MaxUrlLen>;
