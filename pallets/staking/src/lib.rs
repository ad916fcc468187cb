#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod config_preludes;
mod dispatchable_impls;
mod impls;
pub mod migrations;
#[cfg(test)]
mod mock;
mod reach;
mod registry_impls;
#[cfg(test)]
mod tests;
mod try_state;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

const LOG_TARGET: &str = "runtime::compute-staking";

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use aipin_primitives::{Credits, HeartbeatObserver, InFlightTasks, KernelId};
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::fungible::{Inspect, Mutate, MutateHold},
		weights::WeightMeter,
	};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{traits::Zero, Perbill};

	/// Balance type of the staking currency.
	pub type BalanceOf<T> =
		<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;
	/// A provider's profile, with this runtime's bounds.
	pub type ProfileOf<T> = ProviderProfile<<T as Config>::MaxKernelsPerProvider>;
	/// A provider's endpoint URL, with this runtime's bound.
	pub type EndpointOf<T> = BoundedVec<u8, <T as Config>::MaxEndpointLen>;
	/// A provider's record, with this runtime's types.
	pub type ProviderInfoOf<T> = ProviderInfo<
		<T as frame_system::Config>::AccountId,
		BalanceOf<T>,
		BlockNumberFor<T>,
		<T as Config>::MaxKernelsPerProvider,
		<T as Config>::MaxEndpointLen,
		<T as Config>::MaxUnlockingChunks,
	>;

	/// The storage layout's version; `migrations` takes older ones to it.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Stake backing a compute provider (active and unlocking).
		ProviderStake,
	}

	#[pallet::config(with_default)]
	pub trait Config: frame_system::Config {
		/// The currency stake is held in.
		#[pallet::no_default]
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The runtime's hold reasons, which include this pallet's.
		#[pallet::no_default]
		type RuntimeHoldReason: From<HoldReason>;

		/// Work a provider has in flight; it cannot deregister while this is non-zero.
		type InFlight: InFlightTasks<Self::AccountId>;

		/// Told about every heartbeat (the BME pallet pays availability rewards from it).
		#[pallet::no_default_bounds]
		type OnHeartbeat: HeartbeatObserver<Self::AccountId, BalanceOf<Self>, BlockNumberFor<Self>>;

		/// Smallest stake a provider may register with, or keep bonded while bonded at all.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type MinProviderStake: Get<BalanceOf<Self>>;

		/// Blocks between `unbond` and `withdraw_unbonded`.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// `UnbondingPeriod` must exceed this: the longest time between a fault and its slash
		/// (the escrow dispute window plus the slash-deferral period).
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type MinUnbondingPeriod: Get<BlockNumberFor<Self>>;

		/// Unlocking chunks a provider may have at once.
		#[pallet::constant]
		type MaxUnlockingChunks: Get<u32>;

		/// Kernels one provider may support.
		#[pallet::constant]
		type MaxKernelsPerProvider: Get<u32>;

		/// Providers one kernel may have (bounds the kernel index).
		#[pallet::constant]
		type MaxProvidersPerKernel: Get<u32>;

		/// Longest endpoint URL, in bytes.
		#[pallet::constant]
		type MaxEndpointLen: Get<u32>;

		/// A provider whose last heartbeat is older than this many blocks is unresponsive.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type HeartbeatInterval: Get<BlockNumberFor<Self>>;

		/// Blocks for a reputation's distance from neutral to halve.
		#[pallet::constant]
		#[pallet::no_default_bounds]
		type ReputationHalfLife: Get<BlockNumberFor<Self>>;

		/// Share of the distance to the maximum a success adds to reputation.
		#[pallet::constant]
		type SuccessReputationGain: Get<Perbill>;

		/// Share of reputation a provider fault removes.
		#[pallet::constant]
		type FaultReputationLoss: Get<Perbill>;

		/// Eligible candidates gathered before the weighted pick.
		#[pallet::constant]
		type SelectionCandidates: Get<u32>;

		/// Random positions drawn from a kernel's index at most, per selection.
		#[pallet::constant]
		type MaxSelectionDraws: Get<u32>;

		/// Seconds of compute a task may take at a provider's declared throughput: a provider
		/// is eligible only for tasks of at most `throughput × TaskComputeSeconds` work units.
		/// Part of the escrow's commit window, the rest being left for the input and the
		/// transaction.
		#[pallet::constant]
		type TaskComputeSeconds: Get<u64>;

		/// Weights of this pallet's calls, from its benchmarks.
		type WeightInfo: WeightInfo;
	}

	/// Providers, by stash account.
	#[pallet::storage]
	pub type Providers<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, T::AccountId, ProviderInfoOf<T>>;

	/// Operator (hot) key → stash.
	#[pallet::storage]
	pub type Operators<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId>;

	/// Number of providers supporting a kernel.
	#[pallet::storage]
	pub type KernelProviderCount<T: Config> =
		StorageMap<_, Twox64Concat, KernelId, u32, ValueQuery>;

	/// Dense index of a kernel's providers: position → stash, positions `0..count`.
	// TWOX-NOTE: kernel ids are chosen by governance or numbered in turn by the models pallet,
	// and positions by this pallet; none is user-controlled, so the faster hasher is safe.
	#[pallet::storage]
	pub type KernelProviders<T: Config> =
		StorageDoubleMap<_, Twox64Concat, KernelId, Twox64Concat, u32, T::AccountId>;

	/// What the providers that listed a kernel have offered at most (`KernelReach`): tasks it
	/// does not cover are refused at submission. Widens at once; narrows by recount.
	#[pallet::storage]
	pub type KernelReaches<T: Config> = StorageMap<_, Twox64Concat, KernelId, KernelReach>;

	/// Kernels whose reach may be wider than their providers' now (one left, or offers less):
	/// `on_idle` recounts them one at a time. At most one entry per kernel.
	#[pallet::storage]
	pub type StaleReaches<T: Config> = StorageMap<_, Twox64Concat, KernelId, ()>;

	/// The recount under way, if any (`on_idle` continues it in the next block with spare
	/// weight).
	#[pallet::storage]
	pub type ReachRecount<T: Config> = StorageValue<_, Recount>;

	/// Reverse of `KernelProviders`: stash → position, for swap-remove.
	#[pallet::storage]
	pub type KernelProviderIndex<T: Config> =
		StorageDoubleMap<_, Twox64Concat, KernelId, Blake2_128Concat, T::AccountId, u32>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A provider registered with `stake` held.
		ProviderRegistered { stash: T::AccountId, operator: T::AccountId, stake: BalanceOf<T> },
		/// More stake was bonded.
		Bonded { stash: T::AccountId, amount: BalanceOf<T> },
		/// Stake started unbonding; withdrawable at `unlock_at`.
		Unbonded { stash: T::AccountId, amount: BalanceOf<T>, unlock_at: BlockNumberFor<T> },
		/// Unlocking stake was bonded again.
		Rebonded { stash: T::AccountId, amount: BalanceOf<T> },
		/// Matured unlocking stake was released to the stash.
		Withdrawn { stash: T::AccountId, amount: BalanceOf<T> },
		/// Profile or endpoint changed.
		ProfileUpdated { stash: T::AccountId },
		/// The operator key was rotated.
		OperatorChanged { stash: T::AccountId, old: T::AccountId, new: T::AccountId },
		/// The operator signalled the provider is alive.
		HeartbeatReceived { stash: T::AccountId },
		/// The provider stopped taking new work.
		DrainStarted { stash: T::AccountId },
		/// The provider takes new work again.
		DrainEnded { stash: T::AccountId },
		/// The provider left; nothing of it remains on chain.
		ProviderDeregistered { stash: T::AccountId },
		/// A kernel's reach was recounted from its providers' profiles: `None` when it has
		/// none left (every task of it is then refused at submission until one registers).
		ReachRecounted { kernel: KernelId, reach: Option<KernelReach> },
		/// Reputation moved after a task outcome.
		ReputationChanged { stash: T::AccountId, old: u32, new: u32 },
		/// The provider takes no work until `until`.
		ProviderJailed { stash: T::AccountId, until: BlockNumberFor<T> },
		/// The jail was lifted.
		ProviderUnjailed { stash: T::AccountId },
		/// Stake was slashed: `rewarded` paid to `beneficiary`, `burned` destroyed.
		StakeSlashed {
			stash: T::AccountId,
			slashed: BalanceOf<T>,
			rewarded: BalanceOf<T>,
			burned: BalanceOf<T>,
			beneficiary: Option<T::AccountId>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a provider.
		AlreadyRegistered,
		/// The account is not a provider.
		NotProvider,
		/// The signer is not the operator of any provider.
		NotOperator,
		/// Stake below `MinProviderStake`, or unbonding would leave less than it (but not zero).
		InsufficientStake,
		/// The stash's free balance cannot cover the stake.
		InsufficientBalance,
		/// The amount is zero.
		ZeroAmount,
		/// The operator key is the stash itself; use a separate hot key.
		OperatorIsStash,
		/// The operator key is already in use (by this or another provider, or as a stash).
		OperatorInUse,
		/// The profile lists no kernel.
		NoKernels,
		/// The profile lists a kernel twice, or not in ascending order.
		KernelsNotSorted,
		/// VRAM must be positive.
		ZeroVram,
		/// Throughput must be positive.
		ZeroThroughput,
		/// Ask price must be positive.
		ZeroAskPrice,
		/// The endpoint is not an `http://` or `https://` URL with a host and no spaces.
		InvalidEndpoint,
		/// A kernel already has `MaxProvidersPerKernel` providers.
		KernelFull,
		/// Already `MaxUnlockingChunks` unlocking chunks; withdraw or rebond first.
		TooManyUnlockingChunks,
		/// More than the active stake was asked to unbond.
		UnbondTooMuch,
		/// Nothing is unlocking.
		NothingUnlocking,
		/// No unlocking chunk has matured.
		NothingToWithdraw,
		/// The provider is draining already.
		AlreadyDraining,
		/// The provider is not draining.
		NotDraining,
		/// The provider still has tasks in flight.
		TasksInFlight,
		/// The provider still has stake bonded or unlocking.
		StakeRemaining,
		/// The provider is not jailed.
		NotJailed,
		/// The jail term is not over.
		JailNotExpired,
		/// The operation would overflow.
		Overflow,
	}

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Providers registered at genesis (dev chains): stash, operator, stake, profile,
		/// endpoint.
		pub providers: Vec<GenesisProvider<T::AccountId, BalanceOf<T>>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for p in &self.providers {
				let kernels: BoundedVec<KernelId, T::MaxKernelsPerProvider> =
					p.kernels.clone().try_into().expect("genesis: too many kernels for a provider");
				let profile = ProviderProfile {
					device_class: p.device_class,
					vram_mib: p.vram_mib,
					throughput: p.throughput,
					kernels,
					ask_price: p.ask_price,
				};
				let endpoint: EndpointOf<T> =
					p.endpoint.as_bytes().to_vec().try_into().expect("genesis: endpoint too long");
				Pallet::<T>::do_register(
					p.stash.clone(),
					p.stake,
					profile,
					p.operator.clone(),
					endpoint,
				)
				.expect("genesis: provider registration must succeed");
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_idle(_: BlockNumberFor<T>, remaining: Weight) -> Weight {
			let mut meter = WeightMeter::with_limit(remaining);
			Self::recount_reaches(&mut meter);
			meter.consumed()
		}

		fn integrity_test() {
			assert!(
				T::UnbondingPeriod::get() > T::MinUnbondingPeriod::get(),
				"UnbondingPeriod must exceed the dispute + slash-deferral windows"
			);
			assert!(T::MaxUnlockingChunks::get() > 0, "MaxUnlockingChunks must be positive");
			assert!(T::MaxKernelsPerProvider::get() > 0, "MaxKernelsPerProvider must be positive");
			assert!(T::MaxProvidersPerKernel::get() > 0, "MaxProvidersPerKernel must be positive");
			assert!(T::MaxEndpointLen::get() >= 16, "MaxEndpointLen must fit a URL");
			assert!(!T::HeartbeatInterval::get().is_zero(), "HeartbeatInterval must be positive");
			assert!(!T::ReputationHalfLife::get().is_zero(), "ReputationHalfLife must be positive");
			assert!(T::SelectionCandidates::get() > 0, "SelectionCandidates must be positive");
			assert!(
				T::MaxSelectionDraws::get() >= T::SelectionCandidates::get(),
				"MaxSelectionDraws must be at least SelectionCandidates"
			);
			assert!(!T::MinProviderStake::get().is_zero(), "MinProviderStake must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers the signer as a provider.
		///
		/// ## Dispatch Origin
		/// Signed by the stash account.
		///
		/// ## Details
		/// Holds `stake` (≥ `MinProviderStake`) from the stash, records the profile, operator
		/// key and endpoint, and adds the provider to the index of every kernel it supports.
		/// The provider starts active, with neutral reputation, and counts as having just sent
		/// a heartbeat.
		///
		/// ## Events
		/// `ProviderRegistered`.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register_provider(profile.kernels.len() as u32))]
		pub fn register_provider(
			origin: OriginFor<T>,
			stake: BalanceOf<T>,
			profile: ProfileOf<T>,
			operator: T::AccountId,
			endpoint: EndpointOf<T>,
		) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			Self::do_register(stash, stake, profile, operator, endpoint)
		}

		/// Bonds more stake.
		///
		/// ## Dispatch Origin
		/// Signed by the stash.
		///
		/// ## Events
		/// `Bonded`.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::bond_extra())]
		pub fn bond_extra(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			Self::do_bond_extra(stash, amount)
		}

		/// Starts unbonding `amount` of the active stake.
		///
		/// ## Dispatch Origin
		/// Signed by the stash.
		///
		/// ## Details
		/// The amount moves into an unlocking chunk withdrawable after `UnbondingPeriod`; it
		/// stays held and slashable until then. The active stake left must be zero or at least
		/// `MinProviderStake`.
		///
		/// ## Events
		/// `Unbonded`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			Self::do_unbond(stash, amount)
		}

		/// Bonds unlocking stake again, newest chunks first.
		///
		/// ## Dispatch Origin
		/// Signed by the stash.
		///
		/// ## Details
		/// Declared for `MaxUnlockingChunks` chunks; charged for the chunks there were.
		///
		/// ## Events
		/// `Rebonded`, with the amount actually rebonded (at most what is unlocking).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::rebond(T::MaxUnlockingChunks::get()))]
		pub fn rebond(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResultWithPostInfo {
			let stash = ensure_signed(origin)?;
			let chunks = Self::unlocking_chunks(&stash);
			Self::do_rebond(stash, amount)?;
			Ok(Some(T::WeightInfo::rebond(chunks)).into())
		}

		/// Releases every matured unlocking chunk to the stash.
		///
		/// ## Dispatch Origin
		/// Signed by the stash.
		///
		/// ## Details
		/// Declared for `MaxUnlockingChunks` chunks; charged for the chunks there were.
		///
		/// ## Events
		/// `Withdrawn`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::withdraw_unbonded(T::MaxUnlockingChunks::get()))]
		pub fn withdraw_unbonded(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let stash = ensure_signed(origin)?;
			let chunks = Self::unlocking_chunks(&stash);
			Self::do_withdraw_unbonded(stash)?;
			Ok(Some(T::WeightInfo::withdraw_unbonded(chunks)).into())
		}

		/// Replaces the profile and endpoint.
		///
		/// ## Dispatch Origin
		/// Signed by the stash.
		///
		/// ## Details
		/// Kernel indexes follow the new kernel list. Tasks already assigned are unaffected.
		/// Declared for `MaxKernelsPerProvider` kernels left, charged for those the old profile
		/// listed. Kernels left or offered less are recounted in later blocks' spare weight.
		///
		/// ## Events
		/// `ProfileUpdated`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::update_profile(
			T::MaxKernelsPerProvider::get(),
			profile.kernels.len() as u32,
		))]
		pub fn update_profile(
			origin: OriginFor<T>,
			profile: ProfileOf<T>,
			endpoint: EndpointOf<T>,
		) -> DispatchResultWithPostInfo {
			let stash = ensure_signed(origin)?;
			let new = profile.kernels.len() as u32;
			let old = Self::do_update_profile(stash, profile, endpoint)?;
			Ok(Some(T::WeightInfo::update_profile(old, new)).into())
		}

		/// Rotates the operator key.
		///
		/// ## Dispatch Origin
		/// Signed by the stash.
		///
		/// ## Events
		/// `OperatorChanged`.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::set_operator())]
		pub fn set_operator(origin: OriginFor<T>, operator: T::AccountId) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			Self::do_set_operator(stash, operator)
		}

		/// Signals that the provider is alive.
		///
		/// ## Dispatch Origin
		/// Signed by the provider's operator key.
		///
		/// ## Details
		/// A provider must send one at least every `HeartbeatInterval` blocks to stay
		/// responsive (eligible for new work).
		///
		/// ## Events
		/// `HeartbeatReceived`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::heartbeat())]
		pub fn heartbeat(origin: OriginFor<T>) -> DispatchResult {
			let operator = ensure_signed(origin)?;
			Self::do_heartbeat(operator)
		}

		/// Stops new assignments; in-flight tasks finish normally, without penalty.
		///
		/// ## Dispatch Origin
		/// Signed by the stash.
		///
		/// ## Events
		/// `DrainStarted`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::drain())]
		pub fn drain(origin: OriginFor<T>) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			Self::do_drain(stash)
		}

		/// Takes new work again after `drain`.
		///
		/// ## Dispatch Origin
		/// Signed by the stash.
		///
		/// ## Events
		/// `DrainEnded`.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::resume())]
		pub fn resume(origin: OriginFor<T>) -> DispatchResult {
			let stash = ensure_signed(origin)?;
			Self::do_resume(stash)
		}

		/// Removes a provider that is drained, idle and fully unbonded and withdrawn.
		///
		/// ## Dispatch Origin
		/// Signed by the stash.
		///
		/// ## Details
		/// Declared for `MaxKernelsPerProvider` kernels; charged for the kernels it listed.
		///
		/// ## Events
		/// `ProviderDeregistered`.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::deregister(T::MaxKernelsPerProvider::get()))]
		pub fn deregister(origin: OriginFor<T>) -> DispatchResultWithPostInfo {
			let stash = ensure_signed(origin)?;
			let kernels = Providers::<T>::get(&stash).map_or(0, |i| i.profile.kernels.len() as u32);
			Self::do_deregister(stash)?;
			Ok(Some(T::WeightInfo::deregister(kernels)).into())
		}
	}

	/// A provider registered in the genesis block.
	#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
	#[serde(rename_all = "camelCase")]
	pub struct GenesisProvider<AccountId, Balance> {
		/// Stash account (must hold `stake`).
		pub stash: AccountId,
		/// Operator key.
		pub operator: AccountId,
		/// Stake to hold.
		pub stake: Balance,
		/// Device class.
		pub device_class: aipin_primitives::DeviceClass,
		/// VRAM, MiB.
		pub vram_mib: u32,
		/// Work units per second.
		pub throughput: u64,
		/// Kernels, ascending.
		pub kernels: Vec<KernelId>,
		/// Ask price, credits per `PriceUnit` work units (the escrow's constant).
		pub ask_price: Credits,
		/// Endpoint URL.
		pub endpoint: alloc::string::String,
	}
}
