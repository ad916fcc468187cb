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
