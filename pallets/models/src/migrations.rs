//! Storage migrations, one module per version step.
//!
//! Each step is a [`VersionedMigration`]: it runs only while the pallet's on-chain storage
//! version is the one it migrates from, then writes the one it migrates to, so a second run
//! (or a runtime that still lists it after the upgrade) does nothing. The runtime lists the
//! steps in its `Migrations`; `runtime/tests/upgrade.rs` runs them through
//! `Executive::try_runtime_upgrade` with their pre- and post-checks.

use crate::{Config, Pallet};
use frame_support::{migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade};

/// Version 1: [`crate::Models`] and [`crate::ProgramUrls`] are keyed by `Blake2_128Concat` of
/// the model id instead of the id itself. Since `register_by_url` the caller chooses the id,
/// and ids in the clear let anyone grow one deep trie path that every read pays for.
pub mod v1 {
	use super::*;
	use crate::{ModelInfoOf, RemoteProgramOf};
	use aipin_primitives::ModelId;
	use alloc::vec::Vec;
	use core::marker::PhantomData;
	#[cfg(feature = "try-runtime")]
	use frame_support::storage::StoragePrefixedMap;
	use frame_support::{pallet_prelude::*, storage_alias};

	/// The maps as version 0 keyed them.
	pub mod v0 {
		use super::*;

		/// `Models`, keyed by the id in the clear.
		#[storage_alias]
		pub type Models<T: Config> = StorageMap<Pallet<T>, Identity, ModelId, ModelInfoOf<T>>;

		/// `ProgramUrls`, keyed by the id in the clear.
		#[storage_alias]
		pub type ProgramUrls<T: Config> =
			StorageMap<Pallet<T>, Identity, ModelId, RemoteProgramOf<T>>;
	}

	/// Moves every entry of both maps to its hashed key, value unchanged. Each map is read
	/// whole before anything is written under its prefix, so no entry is moved twice. Two
	/// reads and two writes per model (old key removed, new key written), in one block: every
	/// model ever registered and not reaped, which `Models.register`'s deposit keeps to a few
	/// hundred on any chain so far.
	pub struct HashModelKeys<T>(PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for HashModelKeys<T> {
		fn on_runtime_upgrade() -> Weight {
			let models: Vec<_> = v0::Models::<T>::drain().collect();
			let urls: Vec<_> = v0::ProgramUrls::<T>::drain().collect();
			let moved = (models.len() as u64).saturating_add(urls.len() as u64);
			for (id, info) in models {
				crate::Models::<T>::insert(id, info);
			}
			for (id, remote) in urls {
				crate::ProgramUrls::<T>::insert(id, remote);
			}
			T::DbWeight::get().reads_writes(moved, moved.saturating_mul(2))
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			// Every key must be a bare id, or the drain would misread it.
			ensure!(
				key_lengths(v0::Models::<T>::final_prefix())
					.chain(key_lengths(v0::ProgramUrls::<T>::final_prefix()))
					.all(|n| n == 32),
				"a key that is not a version-0 key"
			);
			let models: Vec<(ModelId, Vec<u8>)> =
				v0::Models::<T>::iter().map(|(id, info)| (id, info.encode())).collect();
			let urls: Vec<(ModelId, Vec<u8>)> =
				v0::ProgramUrls::<T>::iter().map(|(id, url)| (id, url.encode())).collect();
			Ok((models, urls).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			type Before = (Vec<(ModelId, Vec<u8>)>, Vec<(ModelId, Vec<u8>)>);
			let (models, urls) =
				Before::decode(&mut &state[..]).map_err(|_| "bad pre-upgrade state")?;
			// Only hashed keys (16 bytes of hash, then the id) are left, one per entry before.
			let keys = |prefix: [u8; 32], want: usize| {
				let lengths: Vec<usize> = key_lengths(prefix).collect();
				lengths.len() == want && lengths.iter().all(|n| *n == 16 + 32)
			};
			ensure!(
				keys(crate::Models::<T>::final_prefix(), models.len())
					&& keys(crate::ProgramUrls::<T>::final_prefix(), urls.len()),
				"an entry was left under its old key, lost or added"
			);
			for (id, info) in &models {
				ensure!(
					crate::Models::<T>::get(id).map(|now| now.encode()).as_ref() == Some(info),
					"a model record changed"
				);
			}
			for (id, remote) in &urls {
				ensure!(
					crate::ProgramUrls::<T>::get(id).map(|now| now.encode()).as_ref()
						== Some(remote),
					"a program URL changed"
				);
			}
			Ok(())
		}
	}

	/// The length of every key under a map's `prefix`, prefix excluded.
	#[cfg(any(test, feature = "try-runtime"))]
	pub(crate) fn key_lengths(prefix: [u8; 32]) -> impl Iterator<Item = usize> {
		frame_support::storage::KeyPrefixIterator::new(prefix.to_vec(), prefix.to_vec(), |rest| {
			Ok(rest.len())
		})
	}

	/// Version 0 → 1.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		HashModelKeys<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
