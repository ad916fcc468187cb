//! The pallet's events and errors: what a task's life tells explorers and workers, and why a
//! call fails. A pallet section, imported into the pallet module by `lib.rs`.

use frame_support::pallet_macros::pallet_section;

#[pallet_section]
mod events_and_errors {
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A kernel was registered.
		KernelRegistered { kernel: KernelId, version: u32, wgsl_hash: [u8; 32] },
		/// A kernel takes no new tasks.
		KernelDeprecated { kernel: KernelId },
		/// A task was submitted and its escrow reserved; it waits for assignment.
		TaskSubmitted {
			task: TaskId,
			consumer: T::AccountId,
			kernel: KernelId,
			work_units: u64,
			replication: u8,
			escrow: Credits,
			deadline: BlockNumberFor<T>,
		},
		/// Providers were assigned; they must commit before `commit_ends`.
		TaskAssigned {
			task: TaskId,
			providers: alloc::vec::Vec<T::AccountId>,
			commit_ends: BlockNumberFor<T>,
		},
		/// A provider committed to its result.
		ResultCommitted { task: TaskId, provider: T::AccountId },
		/// Every live provider committed (or the window closed): reveal before `reveal_ends`.
		RevealStarted { task: TaskId, reveal_ends: BlockNumberFor<T> },
		/// A provider revealed a result root matching its commitment.
		ResultRevealed { task: TaskId, provider: T::AccountId, result_root: [u8; 32] },
		/// A provider was found at fault in a task and reported.
		ProviderFaulted { task: TaskId, provider: T::AccountId, offence: OffenceKindOf },
		/// Replacements were assigned for providers that missed their commit.
		ProvidersReplaced {
			task: TaskId,
			providers: alloc::vec::Vec<T::AccountId>,
			commit_ends: BlockNumberFor<T>,
		},
		/// The replicas split with no majority; the tie-breaker decides.
		TiebreakerAssigned { task: TaskId, provider: T::AccountId, commit_ends: BlockNumberFor<T> },
		/// A replica reported the task's input unusable instead of committing.
		InputReported { task: TaskId, provider: T::AccountId, fault: InputFault },
		/// The consumer forfeited `credits` of the task's escrow (destroyed): its input was
		/// reported unusable by a majority, or it cancelled after assignment.
		ConsumerFeeForfeited { task: TaskId, consumer: T::AccountId, credits: Credits },
		/// The queue was full and a task escrowing more took this one's place: it ends
		/// `Outbid` with a full refund.
		TaskOutbid { task: TaskId, by: TaskId },
		/// A provider was paid for accepted work.
		ProviderPaid { task: TaskId, provider: T::AccountId, credits: Credits },
		/// The task ended without a result although `provider` revealed one that nobody
		/// contradicted: it receives the reward share of `offender`'s pending slash instead.
		ReplicaCompensated {
			task: TaskId,
			provider: T::AccountId,
			offender: T::AccountId,
			offence: OffenceKindOf,
		},
		/// The task ended. `result_root` is set when a result was accepted.
		TaskFinished {
			task: TaskId,
			reason: TerminalReason,
			result_root: Option<[u8; 32]>,
			paid: Credits,
			refunded: Credits,
		},
		/// A finished task was removed from storage (its events stay).
		TaskPruned { task: TaskId },
		/// Canary seals were posted.
		CanariesSealed { count: u32 },
		/// Unused canary seals were withdrawn.
		CanariesUnsealed { count: u32 },
		/// The task was a canary with answer `result_root`: `failed` providers revealed another
		/// root and were reported `FailedCanary`. At resolution (the task then ends `Completed`
		/// or `ResolvedByCanary`), or on `expose_canary` after it finished.
		CanaryChecked { task: TaskId, result_root: [u8; 32], failed: u32 },
	}

	/// Offence kinds, as named in events.
	pub type OffenceKindOf = aipin_primitives::OffenceKind;

	#[pallet::error]
	pub enum Error<T> {
		/// A kernel with this id exists.
		KernelExists,
		/// Ids from `INFERENCE_ENGINE` up are the models pallet's.
		KernelIdReserved,
		/// No kernel with this id.
		UnknownKernel,
		/// The kernel is deprecated and takes no new tasks.
		KernelDeprecated,
		/// The kernel spec is inconsistent (zero divisor, parameter index out of range, empty
		/// name, zero maximum).
		InvalidKernelSpec,
		/// The number of parameters differs from the kernel's.
		WrongParamCount,
		/// A parameter is zero or above the kernel's maximum.
		ParamOutOfRange,
		/// The task's size overflows.
		Overflow,
		/// Replication is zero or above `MaxReplication`.
		InvalidReplication,
		/// Only deterministic kernels can be replicated.
		ReplicationNeedsDeterminism,
		/// Max price is zero.
		ZeroPrice,
		/// Inline or external input size differs from what the kernel's parameters imply.
		InputSizeMismatch,
		/// The input exceeds `MaxInputBytes`.
		InputTooLarge,
		/// External input URL is empty or not `http(s)://`.
		InvalidUrl,
		/// The deadline leaves less than a commit and a reveal window.
		DeadlineTooSoon,
		/// The deadline is further than `MaxTaskLifetime` away.
		DeadlineTooFar,
		/// The consumer has `MaxOpenTasksPerConsumer` unfinished tasks.
		TooManyOpenTasks,
		/// The assignment queue is full of tasks escrowing at least as much as this one: escrow
		/// more (a higher max price), or try again later.
		QueueFull,
		/// Not enough free credits for the escrow.
		InsufficientCredits,
		/// No task with this id (never existed, or pruned).
		UnknownTask,
		/// The task has finished.
		TaskFinished,
		/// Only the consumer may do this.
		NotConsumer,
		/// Someone has committed already; the task can no longer be cancelled.
		TooLateToCancel,
		/// The signer is not a registered provider's operator key.
		NotOperator,
		/// The provider holds no live slot in this task.
		NotAssigned,
		/// The task is not in its commit phase.
		NotCommitPhase,
		/// The task is not in its reveal phase.
		NotRevealPhase,
		/// The commit window has closed.
		CommitWindowClosed,
		/// The reveal window has closed.
		RevealWindowClosed,
		/// The provider has committed already.
		AlreadyCommitted,
		/// The provider has revealed already.
		AlreadyRevealed,
		/// The provider has not committed, so it has nothing to reveal.
		NotCommitted,
		/// Only what a provider fetches can be reported: an external input, or the program of
		/// a model stored off chain. Inline and seeded inputs and programs stored on chain were
		/// checked when they were submitted.
		InputNotExternal,
		/// Only a replica can report the input (a tie-breaker comes after replicas used it).
		NotAReplica,
		/// Posting these seals would keep more than `MaxCanarySeals`.
		TooManyCanarySeals,
		/// A seal in the call is posted already (or appears twice in it).
		CanarySealExists,
		/// No unused seal matches: not a canary, not this answer, or the seal was posted after
		/// the task was submitted.
		NoSuchCanary,
		/// The task has not finished: a canary is exposed only after, so that nobody learns
		/// what a running task is.
		TaskNotFinished,
		/// `MaxTaskLifetime` has passed since the task was submitted: a fault found now could
		/// no longer be slashed before the providers' stake unbonds.
		CanaryExposureClosed,
		/// No provider registered for the kernel offers enough VRAM, throughput for the work
		/// within `TaskComputeSeconds`, and an ask within the max price: the task could never be
		/// assigned. Lower the work or raise the max price (see `Staking.KernelReaches`).
		NoCapableProvider,
	}
}
