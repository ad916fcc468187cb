//! Storage migrations, from the layout the previous release left.

use crate::{migrations::v2, mock::*, KernelReach, KernelReaches};
use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};

/// Provider 1 on kernels [1, 2] with 8 GiB at ask 10, provider 2 moved to kernels [1, 3] with
/// 16 GiB at ask 7.
fn two_providers() {
	register(1, 5_000);
	register(2, 5_000);
	frame_support::assert_ok!(Staking::update_profile(
		RuntimeOrigin::signed(2),
		profile(&[1, 3], 16_384, 7),
		endpoint("https://two.example")
	));
}

#[test]
fn version_1_providers_get_their_kernel_reaches_once() {
	ExtBuilder::default().build_and_execute(|| {
		two_providers();
		let want: Vec<_> = KernelReaches::<Test>::iter().collect();
		// The previous release: version 1, no reaches recorded.
		let _ = KernelReaches::<Test>::clear(u32::MAX, None);
		StorageVersion::new(1).put::<Staking>();

		v2::MigrateToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Staking::on_chain_storage_version(), 2);
		let mut got: Vec<_> = KernelReaches::<Test>::iter().collect();
		got.sort_by_key(|(k, _)| *k);
		let mut want = want;
		want.sort_by_key(|(k, _)| *k);
		assert_eq!(got, want, "the reaches registration and updates had recorded");
		assert_eq!(
			KernelReaches::<Test>::get(1),
			Some(KernelReach { vram_mib: 16_384, throughput: 1_000, ask_price: 7 })
		);

		// Run again (a runtime that still lists it): nothing changes. Clearing a reach
		// first shows it does not run at all.
		KernelReaches::<Test>::remove(3);
		v2::MigrateToV2::<Test>::on_runtime_upgrade();
		assert_eq!(KernelReaches::<Test>::get(3), None);
		KernelReaches::<Test>::insert(3, want.iter().find(|(k, _)| *k == 3).unwrap().1);
		let mut after: Vec<_> = KernelReaches::<Test>::iter().collect();
		after.sort_by_key(|(k, _)| *k);
		assert_eq!(after, want);
	});
}

#[test]
fn version_2_asks_are_rescaled_to_the_price_unit_once() {
	use crate::{migrations::v3, Providers};
	use aipin_primitives::ProviderRegistry;
	frame_support::parameter_types! {
		pub const Unit: u64 = 1_000_000;
	}
	ExtBuilder::default().build_and_execute(|| {
		two_providers();
		StorageVersion::new(2).put::<Staking>();

		v3::MigrateToV3::<Test, Unit>::on_runtime_upgrade();
		assert_eq!(Staking::on_chain_storage_version(), 3);
		let ask = |s: u64| Providers::<Test>::get(s).unwrap().profile.ask_price;
		assert_eq!((ask(1), ask(2)), (10_000_000, 7_000_000));
		// Each kernel's lowest ask is its cheapest provider's, in the new unit.
		assert_eq!(KernelReaches::<Test>::get(1).unwrap().ask_price, 7_000_000);
		assert_eq!(KernelReaches::<Test>::get(2).unwrap().ask_price, 10_000_000);
		assert_eq!(KernelReaches::<Test>::get(3).unwrap().ask_price, 7_000_000);
		assert_eq!(Staking::ask_price(&2), Some(7_000_000));

		// A second run (a runtime that still lists it) changes nothing.
		v3::MigrateToV3::<Test, Unit>::on_runtime_upgrade();
		assert_eq!((ask(1), ask(2)), (10_000_000, 7_000_000));
		assert_eq!(KernelReaches::<Test>::get(1).unwrap().ask_price, 7_000_000);
	});
}
