//! Storage migrations, from the layout the previous release left.

use crate::{migrations::v1, mock::*, *};
use codec::Encode;
use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};

/// `task` as version 0 stored it.
fn as_v0(task: &TaskOf<Test>) -> Vec<u8> {
	v1::TaskInfoV0::from_v1(task.clone()).encode()
}

#[test]
fn version_0_tasks_get_their_input_digest_once() {
	ExtBuilder::default().providers(vec![(11, 3), (12, 4)]).build_and_execute(|| {
		// One task finished (its input dropped), one still open (its input kept).
		let done = submit(2);
		next_block();
		for p in providers_of(done) {
			commit(done, p, root(1));
		}
		for p in providers_of(done) {
			reveal(done, p, root(1));
		}
		assert_eq!(finished_reason(done), Some(TerminalReason::Completed));
		let open = submit(1);
		let (done_task, open_task) = (task(done), task(open));
		assert!(TaskInputs::<Test>::get(done).is_none() && TaskInputs::<Test>::get(open).is_some());

		// The previous release's storage: version 0, tasks without a digest.
		for (id, t) in [(done, &done_task), (open, &open_task)] {
			frame_support::storage::unhashed::put_raw(
				&Tasks::<Test>::hashed_key_for(id),
				&as_v0(t),
			);
			assert!(Tasks::<Test>::get(id).is_none(), "a version-0 task does not decode as 1");
		}
		StorageVersion::new(0).put::<Escrow>();

		v1::MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Escrow::on_chain_storage_version(), 1);
		// The open task's input is still stored: its digest is exact, the record whole again.
		assert_eq!(task(open), open_task);
		// The finished one's is gone: the zero digest, which no canary seal matches.
		assert_eq!(task(done), TaskInfo { input_digest: [0; 32], ..done_task });
		assert_eq!(Tasks::<Test>::count(), 2);

		// Run again (a runtime that still lists it): it does not run, so it would not even
		// touch a task in the old layout.
		let raw = as_v0(&open_task);
		frame_support::storage::unhashed::put_raw(&Tasks::<Test>::hashed_key_for(open), &raw);
		v1::MigrateToV1::<Test>::on_runtime_upgrade();
		let key = Tasks::<Test>::hashed_key_for(open);
		assert_eq!(frame_support::storage::unhashed::get_raw(&key), Some(raw));
		frame_support::storage::unhashed::put_raw(&key, &open_task.encode());
	});
}

#[test]
fn version_2_prices_are_rescaled_and_a_task_in_flight_is_paid_the_same() {
	use crate::migrations::v3;
	ExtBuilder::default().providers(vec![(11, 3), (12, 4)]).build_and_execute(|| {
		// Two 2-unit replicas at up to 10 credits per unit: 40 credits escrowed.
		let id = submit(2);
		next_block();
		let before = task(id);
		assert_eq!(before.escrow, 40);
		assert_eq!(before.assignments.iter().map(|a| a.ask).collect::<Vec<_>>(), vec![3, 4]);
		for p in providers_of(id) {
			commit(id, p, root(1));
		}

		// The upgrade: prices become credits per 10⁶ work units.
		StorageVersion::new(2).put::<Escrow>();
		PriceUnit::set(1_000_000);
		v3::MigrateToV3::<Test>::on_runtime_upgrade();
		assert_eq!(Escrow::on_chain_storage_version(), 3);
		let after = task(id);
		assert_eq!(after.max_price, 10_000_000);
		let asks: Vec<_> = after.assignments.iter().map(|a| a.ask).collect();
		assert_eq!(asks, vec![3_000_000, 4_000_000]);
		assert_eq!(after.escrow, 40, "the reserved escrow does not move");
		// A second run changes nothing.
		v3::MigrateToV3::<Test>::on_runtime_upgrade();
		assert_eq!(task(id), after);

		// Settled after the upgrade, each replica earns what it asked before it: 2 × 3 and
		// 2 × 4 credits, and the consumer gets the rest back.
		for p in providers_of(id) {
			reveal(id, p, root(1));
		}
		assert_eq!(finished_reason(id), Some(TerminalReason::Completed));
		let paid: Vec<_> = System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::Escrow(Event::ProviderPaid { provider, credits, .. }) => {
					Some((provider, credits))
				},
				_ => None,
			})
			.collect();
		assert_eq!(paid, vec![(11, 6), (12, 8)]);
	});
}
