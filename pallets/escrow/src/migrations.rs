//! Storage migrations, one module per version step.
//!
//! Each step is a [`VersionedMigration`]: it runs only while the pallet's on-chain storage
//! version is the one it migrates from, then writes the one it migrates to, so a second run
//! (or a runtime that still lists it after the upgrade) does nothing. The runtime lists the
//! steps in its `Migrations`; `runtime/tests/upgrade.rs` runs them through
//! `Executive::try_runtime_upgrade` with their pre- and post-checks.

use crate::{Config, Pallet, TaskInputs, Tasks};
use frame_support::{migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade};

/// Version 1: every task records the digest of its input (`TaskInfo::input_digest`), which
/// canary seals bind.
pub mod v1 {
	use super::*;
	use aipin_primitives::{
		task::{Assignment, Phase},
		Credits, KernelId, Params, TaskInfo,
	};
	use codec::{Decode, Encode};
	use core::marker::PhantomData;
	use frame_support::{pallet_prelude::*, BoundedVec};
	use frame_system::pallet_prelude::BlockNumberFor;

	/// A task as version 0 stored it: `TaskInfo` without `input_digest`.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
	pub struct TaskInfoV0<AccountId, BlockNumber, MaxAssignments: Get<u32>> {
		pub consumer: AccountId,
		pub kernel: KernelId,
		pub params: Params,
		pub replication: u8,
		pub max_price: Credits,
		pub work_units: u64,
		pub input_bytes: u64,
		pub output_bytes: u64,
		pub escrow: Credits,
		pub submitted_at: BlockNumber,
		pub deadline: BlockNumber,
		pub phase: Phase<BlockNumber>,
		pub assignments: BoundedVec<Assignment<AccountId>, MaxAssignments>,
		pub result_root: Option<[u8; 32]>,
	}

	/// A version-0 task with this runtime's types.
	pub type TaskV0Of<T> = TaskInfoV0<
		<T as frame_system::Config>::AccountId,
		BlockNumberFor<T>,
		crate::types::MaxAssignmentsOf<T>,
	>;

	impl<A, B, M: Get<u32>> TaskInfoV0<A, B, M> {
		/// `task` as version 0 stored it (its digest dropped): how tests rebuild the previous
		/// release's storage.
		pub fn from_v1(task: TaskInfo<A, B, M>) -> Self {
			Self {
				consumer: task.consumer,
				kernel: task.kernel,
				params: task.params,
				replication: task.replication,
				max_price: task.max_price,
				work_units: task.work_units,
				input_bytes: task.input_bytes,
				output_bytes: task.output_bytes,
				escrow: task.escrow,
				submitted_at: task.submitted_at,
				deadline: task.deadline,
				phase: task.phase,
				assignments: task.assignments,
				result_root: task.result_root,
			}
		}

		/// The version-1 record, with `input_digest`.
		pub fn with_digest(self, input_digest: [u8; 32]) -> TaskInfo<A, B, M> {
			TaskInfo {
				consumer: self.consumer,
				kernel: self.kernel,
				params: self.params,
				replication: self.replication,
				max_price: self.max_price,
				work_units: self.work_units,
				input_bytes: self.input_bytes,
				output_bytes: self.output_bytes,
				escrow: self.escrow,
				input_digest,
				submitted_at: self.submitted_at,
				deadline: self.deadline,
				phase: self.phase,
				assignments: self.assignments,
				result_root: self.result_root,
			}
		}
	}

	/// Rewrites every task with its input's digest. An unfinished task still has its input
	/// (`TaskInputs`), so its digest is exact. A finished one no longer does and gets the zero
	/// digest: no canary seal can match it, which is right, as canaries did not exist when it
	/// ran. One read and one write per task, in one block: `Tasks` holds at most the queue
	/// plus the finished tasks not yet pruned (`MaxTaskLifetime`).
	pub struct AddInputDigest<T>(PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for AddInputDigest<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut tasks = 0u64;
			Tasks::<T>::translate::<TaskV0Of<T>, _>(|id, old| {
				tasks = tasks.saturating_add(1);
				let digest = TaskInputs::<T>::get(id).map_or([0; 32], |input| input.digest());
				Some(old.with_digest(digest))
			});
			T::DbWeight::get().reads_writes(tasks.saturating_mul(2), tasks)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			// Every stored task must decode as version 0, or translate would drop it.
			let mut decoded = 0u32;
			for key in Tasks::<T>::iter_keys() {
				let raw =
					frame_support::storage::unhashed::get_raw(&Tasks::<T>::hashed_key_for(key))
						.ok_or("a task key without a value")?;
				TaskV0Of::<T>::decode(&mut &raw[..])
					.map_err(|_| "a stored task is not a version-0 task")?;
				decoded += 1;
			}
			ensure!(decoded == Tasks::<T>::count(), "the task counter is off before the upgrade");
			Ok(decoded.encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u32::decode(&mut &state[..]).map_err(|_| "bad pre-upgrade state")?;
			let mut after = 0u32;
			for (id, task) in Tasks::<T>::iter() {
				let want = TaskInputs::<T>::get(id).map_or([0; 32], |input| input.digest());
				ensure!(task.input_digest == want, "a task's digest is not its input's");
				after += 1;
			}
			ensure!(after == before && Tasks::<T>::count() == before, "tasks were lost");
			Ok(())
		}
	}

	/// Version 0 → 1.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		AddInputDigest<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// Version 2: each provider's unfinished tasks are one entry, `ProviderTasks: stash →
/// [task]`, whose length is the provider's load. Version 1 kept a `(stash, task)` double map
/// and a separate count (`ProviderLoad`), so freeing a provider's slot took two writes.
pub mod v2 {
	use super::*;
	use crate::ProviderTasks;
	use aipin_primitives::TaskId;
	use alloc::{collections::btree_map::BTreeMap, vec::Vec};
	use frame_support::{pallet_prelude::*, storage_alias, BoundedVec};

	/// Version 1's storage, under the names it had.
	pub mod v1 {
		use super::*;

		#[storage_alias]
		pub type ProviderTasks<T: Config> = StorageDoubleMap<
			Pallet<T>,
			Blake2_128Concat,
			<T as frame_system::Config>::AccountId,
			Twox64Concat,
			TaskId,
			(),
		>;

		#[storage_alias]
		pub type ProviderLoad<T: Config> = StorageMap<
			Pallet<T>,
			Blake2_128Concat,
			<T as frame_system::Config>::AccountId,
			u32,
			ValueQuery,
		>;
	}

	/// Moves every `(stash, task)` entry into the stash's list, oldest task first, and drops
	/// the counts. One read and one write per old entry: at most `MaxTasksPerProvider` per
	/// registered provider, in one block.
	pub struct MergeProviderTasks<T>(PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for MergeProviderTasks<T> {
		fn on_runtime_upgrade() -> Weight {
			// Drained before any new entry is written: both layouts share the prefix.
			let old: Vec<(T::AccountId, TaskId)> =
				v1::ProviderTasks::<T>::drain().map(|(stash, id, ())| (stash, id)).collect();
			let mut merged: BTreeMap<T::AccountId, Vec<TaskId>> = BTreeMap::new();
			for (stash, id) in &old {
				merged.entry(stash.clone()).or_default().push(*id);
			}
			let providers = merged.len() as u64;
			for (stash, mut tasks) in merged {
				tasks.sort_unstable();
				let bounded = BoundedVec::<TaskId, T::MaxTasksPerProvider>::truncate_from(tasks);
				ProviderTasks::<T>::insert(stash, bounded);
			}
			let counts = v1::ProviderLoad::<T>::clear(u32::MAX, None).unique as u64;
			let entries = old.len() as u64;
			T::DbWeight::get()
				.reads_writes(entries.saturating_add(counts), entries.saturating_add(counts))
				.saturating_add(T::DbWeight::get().writes(providers))
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			let mut per_stash: BTreeMap<T::AccountId, u32> = BTreeMap::new();
			for (stash, _) in v1::ProviderTasks::<T>::iter_keys() {
				*per_stash.entry(stash).or_default() += 1;
			}
			let counts: BTreeMap<T::AccountId, u32> = v1::ProviderLoad::<T>::iter().collect();
			ensure!(per_stash == counts, "ProviderLoad does not count ProviderTasks before");
			let max = T::MaxTasksPerProvider::get();
			ensure!(per_stash.values().all(|n| *n <= max), "a provider over MaxTasksPerProvider");
			let entries: u32 = per_stash.values().sum();
			Ok(entries.encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u32::decode(&mut &state[..]).map_err(|_| "bad pre-upgrade state")?;
			let after: u32 = ProviderTasks::<T>::iter_values().map(|t| t.len() as u32).sum();
			ensure!(after == before, "provider tasks were lost");
			ensure!(v1::ProviderLoad::<T>::iter_keys().next().is_none(), "ProviderLoad is left");
			Ok(())
		}
	}

	/// Version 1 → 2.
	pub type MigrateToV2<T> = VersionedMigration<
		1,
		2,
		MergeProviderTasks<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// Version 3: prices are credits per `PriceUnit` work units, no longer per work unit (see
/// `Config::PriceUnit`). Every stored task's `max_price` and its slots' asks are multiplied
/// by `PriceUnit`, so a task queued or in flight across the upgrade is paid exactly what it
/// would have been; its escrow, already reserved, does not change. Staking's
/// `migrations::v3` rescales the providers' asks by the same factor.
pub mod v3 {
	use super::*;
	use aipin_primitives::Credits;
	use core::marker::PhantomData;
	use frame_support::pallet_prelude::*;

	/// A price rescaled by `PriceUnit` (saturating: a price that large overflows any quote).
	fn scaled<T: Config>(price: Credits) -> Credits {
		price.saturating_mul(Credits::from(T::PriceUnit::get()))
	}

	/// Rescales every task's prices. One read and one write per task, in one block: `Tasks`
	/// holds at most the queue, the tasks in flight and the finished ones not yet pruned.
	pub struct ScalePrices<T>(PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for ScalePrices<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut tasks = 0u64;
			Tasks::<T>::translate_values::<crate::TaskOf<T>, _>(|mut task| {
				tasks = tasks.saturating_add(1);
				task.max_price = scaled::<T>(task.max_price);
				for slot in task.assignments.iter_mut() {
					slot.ask = scaled::<T>(slot.ask);
				}
				Some(task)
			});
			T::DbWeight::get().reads_writes(tasks, tasks)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			let prices: alloc::vec::Vec<(u64, Credits, alloc::vec::Vec<Credits>)> =
				Tasks::<T>::iter()
					.map(|(id, t)| (id, t.max_price, t.assignments.iter().map(|a| a.ask).collect()))
					.collect();
			ensure!(prices.len() as u32 == Tasks::<T>::count(), "the task counter is off");
			Ok(prices.encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = <alloc::vec::Vec<(u64, Credits, alloc::vec::Vec<Credits>)>>::decode(
				&mut &state[..],
			)
			.map_err(|_| "bad pre-upgrade state")?;
			ensure!(before.len() as u32 == Tasks::<T>::count(), "tasks were lost");
			for (id, max_price, asks) in before {
				let task = Tasks::<T>::get(id).ok_or("a task was lost")?;
				ensure!(task.max_price == scaled::<T>(max_price), "a price was not rescaled");
				let now: alloc::vec::Vec<Credits> =
					task.assignments.iter().map(|a| a.ask).collect();
				let want: alloc::vec::Vec<Credits> = asks.into_iter().map(scaled::<T>).collect();
				ensure!(now == want, "an ask was not rescaled");
			}
			Ok(())
		}
	}

	/// Version 2 → 3.
	pub type MigrateToV3<T> =
		VersionedMigration<2, 3, ScalePrices<T>, Pallet<T>, <T as frame_system::Config>::DbWeight>;
}
