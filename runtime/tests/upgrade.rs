//! The upgrade from the previous release's storage, run as a live chain runs it:
//! `Executive::try_runtime_upgrade` executes every migration in `Migrations` with its pre- and
//! post-checks, decodes the entire state, and runs every pallet's `try_state`.
//!
//! The previous release (before canaries and kernel reaches) stored tasks without
//! `input_digest`, kept the escrow at storage version 0 (with each provider's tasks as a
//! `(stash, task)` double map plus a count), recorded no kernel reaches, keyed models by their
//! bare ids, quoted prices per work unit (not per `PriceUnit` work units), and had no
//! governance pallets. On that storage this runtime could decode no task, find no model and
//! would refuse every submission, and would pay every provider 10¹² times less than it asked;
//! the migrations must fix all four, the new pallets must start at their current
//! storage versions (with an empty council, which root then fills: `Council.set_members`), and a
//! second run must change nothing.
//!
//! Built with `--features try-runtime` (`scripts/test.sh` runs it so).
#![cfg(feature = "try-runtime")]

use aipin_primitives::{Params, ProviderRegistry, TaskInput};
use aipin_runtime::{
	Bme, Council, Escrow, Executive, Models, Preimage, Runtime, RuntimeOrigin, Staking, System,
};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	traits::{GetStorageVersion, Hooks, StorageVersion},
};
use frame_try_runtime::UpgradeCheckSelect;
use pallet_task_escrow::{
	migrations::{v1::TaskInfoV0, v2},
	NextTaskId, ProviderTasks, Tasks,
};
use sp_keyring::Sr25519Keyring;

mod common;

/// The development chain's genesis state, at block 1.
fn dev_chain() -> sp_io::TestExternalities {
	let mut ext = common::genesis("development");
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Alice submits an 8×8×8 GEMM with a seeded input, at up to `max_price`.
fn submit(max_price: u128) -> Result<u64, sp_runtime::DispatchError> {
	let id = NextTaskId::<Runtime>::get();
	Escrow::submit_task(
		RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id()),
		1,
		Params::truncate_from(vec![8, 8, 8]),
		TaskInput::Seeded { seed: [7; 32] },
		2,
		max_price,
		100,
	)
	.map_err(|e| e.error)?;
	Ok(id)
}

/// Rewrites the chain as the previous release left it: `task` in the version-0 layout, the
/// escrow at version 0, staking at version 1, no kernel reaches, models under their bare ids
/// (models at version 0), BME at version 0 (a week of unclaimed epochs; the pallet's own test
/// migrates long lists), no council, preimage or whitelist storage. The prices stored are
/// read as the previous release's, credits per work unit.
fn as_previous_release(id: u64, task: &pallet_task_escrow::TaskOf<Runtime>) {
	let v0 = TaskInfoV0::from_v1(task.clone());
	frame_support::storage::unhashed::put_raw(&Tasks::<Runtime>::hashed_key_for(id), &v0.encode());
	StorageVersion::new(0).put::<Escrow>();
	for (stash, tasks) in ProviderTasks::<Runtime>::drain().collect::<Vec<_>>() {
		v2::v1::ProviderLoad::<Runtime>::insert(&stash, tasks.len() as u32);
		for task in tasks {
			v2::v1::ProviderTasks::<Runtime>::insert(&stash, task, ());
		}
	}
	for (model, info) in pallet_models::Models::<Runtime>::drain().collect::<Vec<_>>() {
		pallet_models::migrations::v1::v0::Models::<Runtime>::insert(model, info);
	}
	StorageVersion::new(0).put::<Models>();
	StorageVersion::new(0).put::<Bme>();
	StorageVersion::new(1).put::<Staking>();
	let _ = pallet_compute_staking::KernelReaches::<Runtime>::clear(u32::MAX, None);
	for pallet in [&b"Council"[..], b"Preimage", b"Whitelist"] {
		let _ = frame_support::storage::unhashed::clear_prefix(
			&sp_io::hashing::twox_128(pallet),
			None,
			None,
		);
	}
}

#[test]
fn the_previous_release_upgrades_with_every_check_and_a_second_run_changes_nothing() {
	dev_chain().execute_with(|| {
		let alice = RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id());
		assert_ok!(Bme::buy_credits(alice, 100 * aipin_primitives::units::AIP, 1));
		let id = submit(10).expect("submits on the fresh chain");
		// Assigned, so that its providers' task lists have something to migrate.
		System::set_block_number(2);
		Escrow::on_initialize(2);
		let task = Tasks::<Runtime>::get(id).unwrap();
		let providers: Vec<_> = task.assignments.iter().map(|a| a.provider.clone()).collect();
		assert_eq!(providers.len(), 2, "the dev chain's providers take the task");
		let models: Vec<_> = pallet_models::Models::<Runtime>::iter().collect();
		assert!(!models.is_empty(), "the dev chain registers its demo models at genesis");
		as_previous_release(id, &task);

		// What the previous release's storage means to this runtime before the upgrade.
		assert!(Tasks::<Runtime>::get(id).is_none(), "a version-0 task does not decode");
		assert!(models.iter().all(|(m, _)| Models::model(*m).is_none()), "bare ids are not found");
		assert_noop!(submit(10), pallet_task_escrow::Error::<Runtime>::NoCapableProvider);
		let asks: Vec<u128> = providers.iter().map(|p| Staking::ask_price(p).unwrap()).collect();

		Executive::try_runtime_upgrade(UpgradeCheckSelect::All).expect("upgrade with checks");
		assert_eq!(Escrow::on_chain_storage_version(), 3);
		assert_eq!(Staking::on_chain_storage_version(), 3);
		assert_eq!(Models::on_chain_storage_version(), 1);
		assert_eq!(Bme::on_chain_storage_version(), 1);
		for (model, info) in &models {
			assert_eq!(Models::model(*model).as_ref(), Some(info), "every model is found again");
		}
		assert_eq!(Council::on_chain_storage_version(), Council::in_code_storage_version());
		assert_eq!(Preimage::on_chain_storage_version(), Preimage::in_code_storage_version());
		// The task's input is still stored, so its digest is exact: the record is whole again,
		// with its prices in the new unit: the same credits per work unit as before.
		let unit = u128::from(aipin_runtime::configs::PriceUnit::get());
		let mut rescaled = task.clone();
		rescaled.max_price = task.max_price * unit;
		rescaled.assignments.iter_mut().for_each(|a| a.ask *= unit);
		assert_eq!(Tasks::<Runtime>::get(id), Some(rescaled));
		let asks_now: Vec<u128> =
			providers.iter().map(|p| Staking::ask_price(p).unwrap()).collect();
		assert_eq!(asks_now, asks.iter().map(|a| a * unit).collect::<Vec<_>>());
		for p in &providers {
			assert_eq!(ProviderTasks::<Runtime>::get(p).into_inner(), vec![id], "{p:?}'s tasks");
		}
		assert_eq!(v2::v1::ProviderLoad::<Runtime>::iter_keys().count(), 0);
		let root = sp_io::storage::root(sp_runtime::StateVersion::V1);

		// A runtime that still lists the migrations: nothing runs, nothing changes.
		Executive::try_runtime_upgrade(UpgradeCheckSelect::All).expect("second run");
		assert_eq!(sp_io::storage::root(sp_runtime::StateVersion::V1), root);

		// The old price now buys 10¹² times less work than any provider asks; the same price
		// per work unit, in the new unit, is taken.
		assert_noop!(submit(10), pallet_task_escrow::Error::<Runtime>::NoCapableProvider);
		assert_ok!(submit(10 * unit));
	});
}
