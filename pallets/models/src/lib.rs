#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod config_preludes;
mod impls;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use aipin_primitives::{
		KernelId, KernelRegistry, ModelId, ModelInfo, ProgramSummary, RemoteProgram,
	};
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{Inspect, Mutate, MutateHold},
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::Zero;

	/// Balance type of the deposit currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A model's record, with this runtime's types.
	pub type ModelInfoOf<T> =
		ModelInfo<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
	/// Program bytes, with this runtime's bound.
	pub type ProgramOf<T> = BoundedVec<u8, <T as Config>::MaxProgramBytes>;
	/// A program URL, with this runtime's bound.
	pub type UrlOf<T> = BoundedVec<u8, <T as Config>::MaxUrlBytes>;
	/// Where a program stored off chain is fetched from, with this runtime's bound.
	pub type RemoteProgramOf<T> = RemoteProgram<<T as Config>::MaxUrlBytes>;

	/// Version 1 keys [`Models`] and [`ProgramUrls`] by `Blake2_128Concat` (version 0 used
	/// `Identity`); `migrations::v1` moves them.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit for a program stored on chain.
		ProgramDeposit,
	}

	#[pallet::config(with_default)]
	pub trait Config: frame_system::Config {
		/// The currency deposits are held in.
		#[pallet::no_default]
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, which include this pallet's.
		#[pallet::no_default]
		type RuntimeHoldReason: From<HoldReason>;

		/// The kernel registry each model is registered in (the escrow pallet).
		type Kernels: KernelRegistry;

		/// May retire any model, including those of the genesis preset (governance).
		#[pallet::no_default_bounds]
		type RetireOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Longest program stored on chain, in bytes.
		#[pallet::constant]
		type MaxProgramBytes: Get<u32>;

		/// Longest program fetched by URL (a model registered with `register_by_url`), in bytes.
		#[pallet::constant]
		type MaxFetchedProgramBytes: Get<u32>;

		/// Longest program URL, in bytes.
		#[pallet::constant]
		type MaxUrlBytes: Get<u32>;

		/// Largest batch any task may run (a model's own bound can be lower: every activation
		/// of a batch must fit one GPU storage buffer).
		#[pallet::constant]
		type MaxBatch: Get<u32>;

		/// Deposit held for every registered model.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type BaseDeposit: Get<BalanceOf<Self>>;

		/// Deposit held per byte of program.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type ByteDeposit: Get<BalanceOf<Self>>;

		/// Blocks after `retire` before `reap` may release the program and the deposit: at
		/// least the longest a task can live, so no task that could still run the model is
		/// left without its program.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type RetireDelay: Get<BlockNumberFor<Self>>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Registered models by id. Hashed: `register_by_url` lets the caller choose the id, and
	/// ids in the clear would let anyone build a deep trie path that every read of the map
	/// then pays for.
	#[pallet::storage]
	pub type Models<T: Config> = StorageMap<_, Blake2_128Concat, ModelId, ModelInfoOf<T>>;

	/// Program bytes by model id (apart from [`Models`], so reading a record stays cheap).
	/// Keyed in the clear: the runtime computes these ids (`blake2_256` of the program), so
	/// nobody chooses where they fall.
	#[pallet::storage]
	pub type Programs<T: Config> = StorageMap<_, Identity, ModelId, ProgramOf<T>>;

	/// Where providers fetch the programs stored off chain, by model id (every model has its
	/// program either here or in [`Programs`]). Hashed like [`Models`], whose ids these are.
	#[pallet::storage]
	pub type ProgramUrls<T: Config> = StorageMap<_, Blake2_128Concat, ModelId, RemoteProgramOf<T>>;

	/// Models registered so far: the next model's kernel id is `INFERENCE_ENGINE + 1 + this`.
	#[pallet::storage]
	pub type ModelCount<T: Config> = StorageValue<_, u32, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Programs registered at genesis, with no owner and no deposit.
		pub programs: alloc::vec::Vec<sp_core::Bytes>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for program in &self.programs {
				let program = ProgramOf::<T>::try_from(program.0.clone())
					.expect("genesis program within MaxProgramBytes");
				Pallet::<T>::do_register(None, program, Zero::zero())
					.expect("genesis program is valid and unique");
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A model was registered: tasks run it as `kernel`.
		ModelRegistered {
			model: ModelId,
			owner: Option<T::AccountId>,
			kernel: KernelId,
			bytes: u32,
			macs_per_sample: u64,
			deposit: BalanceOf<T>,
		},
		/// A model was retired: its kernel takes no new tasks.
		ModelRetired { model: ModelId },
		/// A retired model's program was removed and its deposit released.
		ModelReaped { model: ModelId, deposit: BalanceOf<T> },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The bytes are not a well-formed program of the format this runtime runs.
		InvalidProgram,
		/// A model with this program is registered already.
		ModelExists,
		/// No model with this id.
		UnknownModel,
		/// Only the model's owner (or `RetireOrigin`) may retire it.
		NotOwner,
		/// The model is retired already.
		AlreadyRetired,
		/// The model has not been retired.
		NotRetired,
		/// `RetireDelay` has not passed since the model was retired.
		TooEarly,
		/// Every model kernel id is taken.
		TooManyModels,
		/// The account cannot hold the deposit.
		InsufficientBalance,
		/// The URL is not `http://` or `https://` followed by printable ASCII.
		InvalidUrl,
		/// A program fetched by URL must have 1 to `MaxFetchedProgramBytes` bytes.
		ProgramTooLarge,
		/// The declared summary is not one any well-formed program of that length has.
		InvalidSummary,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxBatch::get() >= 1, "MaxBatch must be at least 1");
			assert!(T::MaxProgramBytes::get() >= 1, "MaxProgramBytes must be at least 1");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers a compiled model (`aipin model compile`) and stores its program.
		///
		/// ## Dispatch Origin
		/// Signed: the owner, who pays the deposit.
		///
		/// ## Details
		/// The program is decoded and checked (`Program::decode_checked`); its id is
		/// `blake2_256` of the bytes. It becomes a kernel whose parameters are `[batch]` and
		/// whose work units, input and output sizes the runtime computes from the program
		/// itself, so they cannot be under-declared. Holds `BaseDeposit + ByteDeposit × len`.
		/// Weighed by the program's size in KiB (the benchmark's component).
		///
		/// ## Events
		/// `ModelRegistered`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register((program.len() as u32).div_ceil(1024)))]
		pub fn register(origin: OriginFor<T>, program: ProgramOf<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let deposit = Self::deposit_for(program.len() as u32);
			Self::do_register(Some(who), program, deposit)
		}

		/// Retires a model: its kernel takes no new tasks; tasks already submitted finish.
		///
		/// ## Dispatch Origin
		/// Signed by the owner, or `RetireOrigin`.
		///
		/// ## Events
		/// `ModelRetired`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::retire())]
		pub fn retire(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			let by = match T::RetireOrigin::try_origin(origin) {
				Ok(_) => None,
				Err(origin) => Some(ensure_signed(origin)?),
			};
			Self::do_retire(by, model)
		}

		/// Registers a compiled model whose program is stored off chain, at `url`: for programs
		/// over `MaxProgramBytes` (`aipin model register FILE --url URL`).
		///
		/// ## Dispatch Origin
		/// Signed: the owner, who pays the deposit.
		///
		/// ## Details
		/// `model` is `blake2_256` of the program's `bytes` bytes, and `summary` its figures
		/// (`aipin_kernels::inference::task::summary`). The runtime cannot read the program, so
		/// the model's kernel is computed from the declared summary, which must be one a
		/// well-formed program of that length can have. Every provider fetches the program,
		/// checks its length, hash, well-formedness and summary, and caches it. A provider that
		/// cannot get it or finds it is not what was declared reports the task's input unusable
		/// (`report_input`) rather than run it: nobody is slashed, and the consumer who chose
		/// the model pays the consumer-fault fee. Holds `BaseDeposit + ByteDeposit × `(what is
		/// stored: the URL and the summary).
		///
		/// ## Events
		/// `ModelRegistered`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::register_by_url())]
		pub fn register_by_url(
			origin: OriginFor<T>,
			model: ModelId,
			bytes: u32,
			url: UrlOf<T>,
			summary: ProgramSummary,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_register_by_url(who, model, bytes, url, summary)
		}

		/// Removes a retired model's program and releases its deposit to the owner, once
		/// `RetireDelay` has passed since it was retired.
		///
		/// ## Dispatch Origin
		/// Signed, by anyone.
		///
		/// ## Events
		/// `ModelReaped`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::reap())]
		pub fn reap(origin: OriginFor<T>, model: ModelId) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_reap(model)
		}
	}

	#[pallet::view_functions]
	impl<T: Config> Pallet<T> {
		/// A registered model's record.
		pub fn model(id: ModelId) -> Option<ModelInfoOf<T>> {
			Models::<T>::get(id)
		}

		/// A registered model's program bytes, if they are stored on chain.
		pub fn program(id: ModelId) -> Option<alloc::vec::Vec<u8>> {
			Programs::<T>::get(id).map(|p| p.into_inner())
		}

		/// Where a registered model's program is fetched from, if it is stored off chain.
		pub fn program_url(id: ModelId) -> Option<RemoteProgramOf<T>> {
			ProgramUrls::<T>::get(id)
		}
	}
}
