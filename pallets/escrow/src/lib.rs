#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod canary;
pub mod config_preludes;
mod dispatchable_impls;
mod events;
mod hook_impls;
mod impls;
pub mod migrations;
#[cfg(test)]
mod mock;
mod settlement;
#[cfg(any(test, feature = "test-utils"))]
pub mod testing;
#[cfg(test)]
mod tests;
mod try_state;
pub mod types;
mod view_impls;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
pub use benchmarking::BenchmarkHelper;
pub use types::*;
pub use weights::WeightInfo;

use frame_support::pallet_macros::import_section;

const LOG_TARGET: &str = "runtime::task-escrow";

#[import_section(events::events_and_errors)]
#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use aipin_primitives::{
		ComputeCredits, Credits, KernelId, ProviderRegistry, ReportOffence, TaskId,
	};
	use frame_support::{
		pallet_prelude::*,
		traits::{tokens::Balance as BalanceT, Contains, EnsureOrigin, Randomness},
	};
	use frame_system::pallet_prelude::*;

	/// The storage layout's version; `migrations` takes older ones to it.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config(with_default)]
	pub trait Config: frame_system::Config {
		/// Balance of provider stake (only to name the registry's type).
		#[pallet::no_default_bounds]
		type Balance: BalanceT;

		/// Providers: eligibility, selection, asks, operator keys, reputation.
		#[pallet::no_default_bounds]
		type Registry: ProviderRegistry<Self::AccountId, Self::Balance, BlockNumberFor<Self>>;

		/// Compute credits: reserved at submission, spent on providers, released as refunds.
		#[pallet::no_default_bounds]
		type Credits: ComputeCredits<Self::AccountId>;

		/// Where verdicts against providers go (the slashing pallet).
		#[pallet::no_default_bounds]
		type Offences: ReportOffence<Self::AccountId, BlockNumberFor<Self>>;

		/// Randomness for assignment. See the crate docs for its limits on an Aura chain.
		#[pallet::no_default]
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;

		/// May register and deprecate kernels.
		#[pallet::no_default_bounds]
		type KernelOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Largest replication a task may ask for.
		#[pallet::constant]
		type MaxReplication: Get<u32>;
		/// Largest inline input, in bytes.
		#[pallet::constant]
		type MaxInlineInput: Get<u32>;
		/// Longest external-input URL, in bytes.
		#[pallet::constant]
		type MaxUrlLen: Get<u32>;
		/// The models whose programs providers fetch off chain (by model id, which is their
		/// kernel's `wgsl_hash`): a replica may report such a task's input unusable whatever
		/// the input is, because the program is fetched and checked like an external input.
		type FetchedPrograms: Contains<[u8; 32]>;
		/// Largest input of any kind (external or seeded), in bytes.
		#[pallet::constant]
		type MaxInputBytes: Get<u64>;
		/// Unfinished tasks a consumer may have at once.
		#[pallet::constant]
		type MaxOpenTasksPerConsumer: Get<u32>;
		/// Unfinished tasks a provider may hold at once (selection skips full providers).
		#[pallet::constant]
		type MaxTasksPerProvider: Get<u32>;
		/// Tasks waiting for providers at most.
		#[pallet::constant]
		type MaxQueueLen: Get<u32>;
		/// Queued tasks tried for assignment per block at most.
		#[pallet::constant]
		type MaxAssignmentsPerBlock: Get<u32>;
		/// Expired windows handled per block at most (the rest wait for the next block).
		#[pallet::constant]
		type MaxTimeoutsPerBlock: Get<u32>;
		/// Blocks assigned providers have to commit.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type CommitWindow: Get<BlockNumberFor<Self>>;
		/// Blocks committed providers have to reveal.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type RevealWindow: Get<BlockNumberFor<Self>>;
		/// Longest a task may live (deadline − submission). Bounds how long a fault can take
		/// to become a verdict, which the staking pallet's unbonding period must exceed.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type MaxTaskLifetime: Get<BlockNumberFor<Self>>;
		/// Blocks a finished task stays in storage before `on_idle` prunes it.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type RetentionPeriod: Get<BlockNumberFor<Self>>;

		/// Share of a task's escrow its consumer forfeits when its own doing wastes assigned
		/// providers' time: a majority of the replicas report its input unusable (`BadInput`),
		/// or it cancels after assignment. The credits are destroyed, not paid to anyone, so
		/// providers earn nothing by reporting bad input.
		#[pallet::constant]
		type ConsumerFaultFee: Get<sp_runtime::Perbill>;

		/// Work units a price is quoted for: a consumer's `max_price` and a provider's ask are
		/// credits per `PriceUnit` work units, and a replica costs
		/// [`aipin_primitives::charge`]`(price, work_units, PriceUnit)` credits, rounded up.
		/// A large unit makes market rates expressible in whole credits.
		#[pallet::constant]
		type PriceUnit: Get<u64>;

		/// Credits every task escrows on top of its price (`charge(max_price, work_units,
		/// PriceUnit) × replication`), refunded when it ends by no fault of its consumer. It is the least a
		/// consumer forfeits for a `BadInput` or a cancel after assignment, so those cost the
		/// same however cheap the task: without it, a task priced at one credit wastes every
		/// assigned provider's fetch and report for a tenth of a credit.
		#[pallet::constant]
		type SubmissionDeposit: Get<Credits>;

		/// May post and withdraw canary seals (`aipin_primitives::canary`).
		#[pallet::no_default_bounds]
		type CanaryOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Unused canary seals kept at most (and posted or withdrawn per call at most).
		#[pallet::constant]
		type MaxCanarySeals: Get<u32>;

		/// Weights of this pallet, from its benchmarks.
		type WeightInfo: WeightInfo;

		/// Creates providers and funds consumers for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		#[pallet::no_default]
		type BenchmarkHelper: crate::BenchmarkHelper<Self::AccountId>;
	}

	/// Registered kernels.
	#[pallet::storage]
	pub type Kernels<T: Config> = StorageMap<_, Twox64Concat, KernelId, KernelInfo>;

	/// The id the next task gets.
	#[pallet::storage]
	pub type NextTaskId<T: Config> = StorageValue<_, TaskId, ValueQuery>;

	/// Tasks, unfinished and finished (until pruned).
	#[pallet::storage]
	pub type Tasks<T: Config> = CountedStorageMap<_, Twox64Concat, TaskId, TaskOf<T>>;

	/// Inputs of unfinished tasks (removed when the task finishes).
	#[pallet::storage]
	pub type TaskInputs<T: Config> = StorageMap<_, Twox64Concat, TaskId, TaskInputOf<T>>;

	/// Unfinished tasks per consumer.
	#[pallet::storage]
	pub type OpenTasks<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Unfinished tasks each provider (stash) is assigned to, in the order it got them. Their
	/// number is the provider's load, which `MaxTasksPerProvider` bounds; one entry per
	/// provider, so freeing a provider's slot is one write (storage version 2).
	#[pallet::storage]
	pub type ProviderTasks<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<TaskId, T::MaxTasksPerProvider>,
		ValueQuery,
	>;

	/// Tasks waiting for providers, in the order assignment tries them, with their escrow (what
	/// a new task must exceed to take the place of the smallest when the queue is full).
	#[pallet::storage]
	pub type Queue<T: Config> = StorageValue<_, BoundedVec<QueueEntry, T::MaxQueueLen>, ValueQuery>;

	/// Queued tasks that a task escrowing more displaced from the full queue (task → the task
	/// that took its place). Each waits out its queue window, now closing at the next block,
	/// whose timeout ends it `Outbid` with a full refund: so a submission costs what one task
	/// costs, whether or not it displaces another.
	#[pallet::storage]
	pub type Outbid<T: Config> = StorageMap<_, Twox64Concat, TaskId, TaskId, OptionQuery>;

	/// Windows closing at a block: (block, task). A task's entry may be stale (its phase moved
	/// on); the phase is checked when the entry is handled.
	#[pallet::storage]
	pub type Timeouts<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Twox64Concat, TaskId, ()>;

	/// Tasks whose every committed provider has revealed, to settle in this block's `on_idle`.
	/// Each also has its reveal window closing at the next block, so a task that `on_idle` has
	/// no room for is settled by that timeout instead; an entry left behind is then stale and
	/// dropped when `on_idle` reaches it.
	#[pallet::storage]
	pub type Settling<T: Config> = StorageMap<_, Twox64Concat, TaskId, (), OptionQuery>;

	/// The oldest block whose `Timeouts` may still hold entries.
	#[pallet::storage]
	pub type TimeoutCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// Finished tasks by the block they finished in, for pruning.
	#[pallet::storage]
	pub type Retired<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumberFor<T>, Twox64Concat, TaskId, ()>;

	/// The oldest block whose `Retired` may still hold entries.
	#[pallet::storage]
	pub type PruneCursor<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// Credits held in escrow by all unfinished tasks.
	#[pallet::storage]
	pub type TotalEscrowed<T: Config> = StorageValue<_, Credits, ValueQuery>;

	/// Unused canary seals (`aipin_primitives::canary_seal`), with the block each was posted
	/// in. A seal counts only for tasks submitted after that block, and is removed once used.
	#[pallet::storage]
	pub type CanarySeals<T: Config> =
		CountedStorageMap<_, Identity, [u8; 32], BlockNumberFor<T>, OptionQuery>;

	/// Bounds that calls enforce while they are decoded, before any dispatch, so that wallets
	/// can read them from metadata like the `Config` constants: an argument over one makes the
	/// transaction undecodable, which a node reports as an invalid transaction
	/// (`docs/consumer.md`, "Errors").
	#[pallet::extra_constants]
	impl<T: Config> Pallet<T> {
		/// Most kernel parameters: `submit_task`'s `params` and a `KernelSpec`'s `max_params`.
		#[allow(non_snake_case)]
		pub fn MaxParams() -> u32 {
			aipin_primitives::MAX_PARAMS
		}

		/// Longest kernel name in a `KernelSpec`, in bytes.
		#[allow(non_snake_case)]
		pub fn MaxKernelName() -> u32 {
			aipin_primitives::MAX_KERNEL_NAME
		}

		/// Most terms in a `KernelSpec` formula.
		#[allow(non_snake_case)]
		pub fn MaxFormulaTerms() -> u32 {
			aipin_primitives::MAX_TERMS
		}

		/// Most parameter factors in one formula term.
		#[allow(non_snake_case)]
		pub fn MaxTermFactors() -> u32 {
			aipin_primitives::MAX_FACTORS
		}
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Kernels registered at genesis: (id, spec).
		pub kernels: alloc::vec::Vec<(KernelId, KernelSpec)>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (id, spec) in &self.kernels {
				Pallet::<T>::validate_kernel(spec).expect("genesis kernel is valid");
				assert!(!Kernels::<T>::contains_key(id), "genesis kernel ids are unique");
				Kernels::<T>::insert(id, KernelInfo { spec: spec.clone(), deprecated: false });
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let timeouts = Self::handle_timeouts(now);
			timeouts.saturating_add(Self::assign_queued(now))
		}

		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			let settled = Self::settle_revealed(now, remaining);
			settled.saturating_add(Self::prune(now, remaining.saturating_sub(settled)))
		}

		fn integrity_test() {
			Self::do_integrity_test()
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers kernel `id`.
		///
		/// ## Dispatch Origin
		/// `KernelOrigin` (governance; sudo on dev chains).
		///
		/// ## Details
		/// The spec is checked for consistency: a non-empty name, every parameter maximum
		/// positive, every formula's parameter indices in range and non-zero divisors, and the
		/// formulas must not overflow at the parameter maxima.
		///
		/// ## Events
		/// `KernelRegistered`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_kernel())]
		pub fn register_kernel(
			origin: OriginFor<T>,
			id: KernelId,
			spec: KernelSpec,
		) -> DispatchResult {
			T::KernelOrigin::ensure_origin(origin)?;
			ensure!(id < aipin_primitives::INFERENCE_ENGINE, Error::<T>::KernelIdReserved);
			Self::do_register_kernel(id, spec)
		}

		/// Deprecates kernel `id`: no new tasks; running ones finish.
		///
		/// ## Dispatch Origin
		/// `KernelOrigin`.
		///
		/// ## Events
		/// `KernelDeprecated`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::deprecate_kernel())]
		pub fn deprecate_kernel(origin: OriginFor<T>, id: KernelId) -> DispatchResult {
			T::KernelOrigin::ensure_origin(origin)?;
			Self::do_deprecate_kernel(id)
		}

		/// Submits a task and reserves its escrow: `replication` times the credits its work
		/// costs at `max_price` credits per `PriceUnit` work units (rounded up), plus the
		/// `SubmissionDeposit`.
		///
		/// ## Dispatch Origin
		/// Signed (the consumer).
		///
		/// ## Details
		/// The task waits in the queue; the next block's `on_initialize` assigns `replication`
		/// providers (so the submitter cannot see the randomness that picks them). If no
		/// eligible providers are found before `deadline − CommitWindow − RevealWindow`, the
		/// task expires with a full refund. When the queue is full, the task takes the place of
		/// the queued task with the smallest escrow if its own escrow is larger (that task ends
		/// `Outbid`, fully refunded at the next block); otherwise it is refused (`QueueFull`).
		/// So a flood of cheap tasks cannot keep a task out: it would have to escrow more in
		/// every slot.
		///
		/// ## Events
		/// `TaskSubmitted`; maybe `TaskOutbid` for the task it displaced (whose `TaskFinished`
		/// follows at the next block).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::submit_task(match &input {
			TaskInput::Inline(bytes) => bytes.len() as u32,
			_ => 0,
		}))]
		pub fn submit_task(
			origin: OriginFor<T>,
			kernel: KernelId,
			params: Params,
			input: TaskInputOf<T>,
			replication: u8,
			max_price: Credits,
			deadline: BlockNumberFor<T>,
		) -> DispatchResultWithPostInfo {
			let consumer = ensure_signed(origin)?;
			Self::do_submit(consumer, kernel, params, input, replication, max_price, deadline)?;
			Ok(().into())
		}

		/// Cancels a task nobody has committed to yet; the whole escrow is refunded.
		///
		/// ## Dispatch Origin
		/// Signed by the task's consumer.
		///
		/// ## Events
		/// `TaskFinished` with reason `Cancelled`.
		#[pallet::call_index(3)]
		// Measured with `r` live providers; after a commit timeout the task may also hold up to
		// `MaxAssignmentsOf − MaxReplication` replaced slots, each a read to find its provider
		// already freed.
		#[pallet::weight(T::WeightInfo::cancel_task(T::MaxReplication::get()).saturating_add(
			T::DbWeight::get().reads(
				MaxAssignmentsOf::<T>::get().saturating_sub(T::MaxReplication::get()).into()
			)
		))]
		pub fn cancel_task(origin: OriginFor<T>, task: TaskId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let r = Self::do_cancel(who, task)?;
			Ok(Some(T::WeightInfo::cancel_task(r)).into())
		}

		/// Commits to a result: `commitment = aipin_primitives::result_commitment(task,
		/// provider_stash, result_root, salt)`.
		///
		/// ## Dispatch Origin
		/// Signed by the operator key of an assigned provider.
		///
		/// ## Details
		/// Allowed in the commit window. When the last live provider commits, the reveal
		/// window opens at once (unless some replica reported the input: then the commit
		/// phase closes when its window does).
		///
		/// ## Events
		/// `ResultCommitted`, maybe `RevealStarted`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::commit_result(MaxAssignmentsOf::<T>::get()))]
		pub fn commit_result(
			origin: OriginFor<T>,
			task: TaskId,
			commitment: [u8; 32],
		) -> DispatchResultWithPostInfo {
			let operator = ensure_signed(origin)?;
			let slots = Self::do_commit(operator, task, commitment)?;
			Ok(Some(T::WeightInfo::commit_result(slots)).into())
		}

		/// Reveals a committed result.
		///
		/// ## Dispatch Origin
		/// Signed by the operator key of a provider that committed.
		///
		/// ## Details
		/// Allowed in the reveal window. A reveal that does not match its commitment is
		/// accepted as evidence: the provider is reported (`InvalidReveal`) and leaves the
		/// task — the call itself succeeds so the verdict is kept. When no committed provider
		/// is left to reveal, the task resolves (see the crate docs) in this block's `on_idle`,
		/// or at the latest when its reveal window, now closing at the next block, times out:
		/// the call only records, whatever the replication.
		///
		/// ## Events
		/// `ResultRevealed` or `ProviderFaulted`; on resolution (from a hook) `ProviderPaid`,
		/// `ProviderFaulted`, `TaskFinished` or `TiebreakerAssigned`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::reveal_result(MaxAssignmentsOf::<T>::get()))]
		pub fn reveal_result(
			origin: OriginFor<T>,
			task: TaskId,
			result_root: [u8; 32],
			salt: [u8; 32],
		) -> DispatchResultWithPostInfo {
			let operator = ensure_signed(origin)?;
			let actual = Self::do_reveal(operator, task, result_root, salt)?;
			Ok(Some(actual).into())
		}

		/// Reports that the task's external input cannot be used (unreachable, wrong size or
		/// wrong hash), instead of committing.
		///
		/// ## Dispatch Origin
		/// Signed by the operator key of an assigned replica that has not committed.
		///
		/// ## Details
		/// Allowed in the commit window, for what a provider fetches: an external input, or the
		/// program of a model stored off chain (`FetchedPrograms`), whatever the task's input is
		/// (fault `ProgramMismatch` when the program is not what its model declares). Once a
		/// strict majority of
		/// the replication has reported, the task ends `BadInput` at once: nobody is slashed
		/// (a consumer can make an input unusable, and providers must not pay for it), and the
		/// consumer forfeits `ConsumerFaultFee` of the escrow. A report the majority does not
		/// share counts as a missed commit when the window closes, so reporting never
		/// excuses a provider from work others could do.
		///
		/// ## Events
		/// `InputReported`; on a majority `ConsumerFeeForfeited` and `TaskFinished`.
		#[pallet::call_index(6)]
		// Plus the kernel's entry, read to see whether its program is fetched.
		#[pallet::weight(T::WeightInfo::commit_result(MaxAssignmentsOf::<T>::get())
			.saturating_add(T::WeightInfo::commit_timeout(T::MaxReplication::get()))
			.saturating_add(T::DbWeight::get().reads(1)))]
		pub fn report_input(
			origin: OriginFor<T>,
			task: TaskId,
			fault: InputFault,
		) -> DispatchResultWithPostInfo {
			let operator = ensure_signed(origin)?;
			let actual = Self::do_report_input(operator, task, fault)?;
			Ok(Some(actual).into())
		}

		/// Posts canary seals: each says that a task with some kernel, parameters and input
		/// has a given result root (`aipin_primitives::canary`).
		///
		/// ## Dispatch Origin
		/// `CanaryOrigin` (governance; sudo on dev chains).
		///
		/// ## Details
		/// A seal counts for tasks submitted in a later block. When such a task resolves and
		/// one of its revealed roots matches a seal, the seal is used: that root is accepted,
		/// as verified work, and providers that revealed another root are reported
		/// `FailedCanary`.
		///
		/// ## Events
		/// `CanariesSealed`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::seal_canaries(seals.len() as u32))]
		pub fn seal_canaries(
			origin: OriginFor<T>,
			seals: BoundedVec<[u8; 32], T::MaxCanarySeals>,
		) -> DispatchResult {
			T::CanaryOrigin::ensure_origin(origin)?;
			Self::do_seal_canaries(seals.into_inner())
		}

		/// Withdraws unused canary seals (a canary that was never submitted, or whose task
		/// ended without a reveal).
		///
		/// ## Dispatch Origin
		/// `CanaryOrigin`.
		///
		/// ## Events
		/// `CanariesUnsealed`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::unseal_canaries(seals.len() as u32))]
		pub fn unseal_canaries(
			origin: OriginFor<T>,
			seals: BoundedVec<[u8; 32], T::MaxCanarySeals>,
		) -> DispatchResult {
			T::CanaryOrigin::ensure_origin(origin)?;
			Self::do_unseal_canaries(seals.into_inner())
		}

		/// Shows that a finished task was a canary none of whose providers revealed the right
		/// root, `result_root`: every provider that revealed a root is reported
		/// `FailedCanary`.
		///
		/// ## Dispatch Origin
		/// Signed, by anyone: the seal is the proof.
		///
		/// ## Details
		/// Allowed once the task has finished and until `MaxTaskLifetime` after its
		/// submission, so that the slash lands within the providers' unbonding period. The
		/// seal must have been posted before the task was submitted.
		///
		/// ## Events
		/// `ProviderFaulted` for each, `CanaryChecked`.
		#[pallet::call_index(9)]
		// At most `MaxReplication` slots can still hold a revealed root once a task finished:
		// those that revealed the accepted one.
		#[pallet::weight(T::WeightInfo::expose_canary(T::MaxReplication::get()))]
		pub fn expose_canary(
			origin: OriginFor<T>,
			task: TaskId,
			result_root: [u8; 32],
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let failed = Self::do_expose_canary(task, result_root)?;
			Ok(Some(T::WeightInfo::expose_canary(failed)).into())
		}
	}

	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// A task's full state, if it exists (unfinished, or finished and not yet pruned).
		pub fn task(id: TaskId) -> Option<TaskOf<T>> {
			Tasks::<T>::get(id)
		}

		/// A task's input, while the task is unfinished.
		pub fn task_input(id: TaskId) -> Option<TaskInputOf<T>> {
			TaskInputs::<T>::get(id)
		}

		/// Unfinished tasks of the provider whose operator key is `operator`, with what the
		/// operator must do next and by when.
		pub fn operator_tasks(
			operator: T::AccountId,
		) -> alloc::vec::Vec<OperatorTask<BlockNumberFor<T>>> {
			Self::tasks_of_operator(&operator)
		}

		/// What a task would cost and carry, or the error submitting it would meet.
		pub fn quote(
			kernel: KernelId,
			params: Params,
			replication: u8,
			max_price: Credits,
		) -> Result<Quote, DispatchError> {
			Self::do_quote(kernel, &params, replication, max_price)
		}

		/// A provider's (stash) tasks in flight and its next deadline. Its pending slashes are
		/// the slashing pallet's `pending_slashes` view.
		pub fn provider_risk(stash: T::AccountId) -> ProviderRisk<BlockNumberFor<T>> {
			Self::risk_of(&stash)
		}

		/// A registered kernel.
		pub fn kernel(id: KernelId) -> Option<KernelInfo> {
			Kernels::<T>::get(id)
		}
	}
}
