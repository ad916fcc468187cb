use crate::{mock::*, Error, Event, KernelProviderCount, KernelReach, KernelReaches, Providers};
use frame_support::{assert_noop, assert_ok};

fn try_register(p: crate::ProfileOf<Test>, url: &str) -> sp_runtime::DispatchResult {
	Staking::register_provider(RuntimeOrigin::signed(1), 5_000, p, op(1), endpoint(url))
}

#[test]
fn bad_profiles_are_rejected_with_specific_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(try_register(profile(&[], 1, 1), "http://a"), Error::<Test>::NoKernels);
		assert_noop!(
			try_register(profile(&[2, 1], 1, 1), "http://a"),
			Error::<Test>::KernelsNotSorted
		);
		assert_noop!(
			try_register(profile(&[1, 1], 1, 1), "http://a"),
			Error::<Test>::KernelsNotSorted
		);
		assert_noop!(try_register(profile(&[1], 0, 1), "http://a"), Error::<Test>::ZeroVram);
		assert_noop!(try_register(profile(&[1], 1, 0), "http://a"), Error::<Test>::ZeroAskPrice);
		let mut p = profile(&[1], 1, 1);
		p.throughput = 0;
		assert_noop!(try_register(p, "http://a"), Error::<Test>::ZeroThroughput);
	});
}

#[test]
fn endpoints_must_look_like_http_urls() {
	ExtBuilder::default().build_and_execute(|| {
		for bad in [
			"ftp://host",
			"host:8080",
			"http://",
			"http:///path",
			"http://ho st",
			"http://host:port",
			"http://host:123456",
			"http://user@host",
			"http://host\n",
			"",
		] {
			assert_noop!(try_register(profile(&[1], 1, 1), bad), Error::<Test>::InvalidEndpoint);
		}
	});
}

#[test]
fn good_endpoints_are_accepted() {
	for good in [
		"http://127.0.0.1:8080",
		"https://gpu.example.com/aipin",
		"http://[::1]:9000/results?x=1",
		"https://host",
	] {
		ExtBuilder::default().build_and_execute(|| {
			assert_ok!(try_register(profile(&[1], 1, 1), good));
		});
	}
}

#[test]
fn update_profile_moves_the_provider_between_kernel_indexes() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000); // kernels [1, 2]
		register(2, 5_000);
		assert_eq!(KernelProviderCount::<Test>::get(1), 2);
		assert_ok!(Staking::update_profile(
			RuntimeOrigin::signed(1),
			profile(&[2, 3], 16_384, 7),
			endpoint("https://new.example")
		));
		assert_eq!(KernelProviderCount::<Test>::get(1), 1);
		assert_eq!(KernelProviderCount::<Test>::get(2), 2);
		assert_eq!(KernelProviderCount::<Test>::get(3), 1);
		let info = Providers::<Test>::get(1).unwrap();
		assert_eq!(info.profile.vram_mib, 16_384);
		assert_eq!(info.endpoint.to_vec(), b"https://new.example".to_vec());
		assert_eq!(staking_events().last(), Some(&Event::ProfileUpdated { stash: 1 }));
	});
}

#[test]
fn update_profile_validates_and_needs_a_provider() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Staking::update_profile(
				RuntimeOrigin::signed(1),
				profile(&[1], 1, 1),
				endpoint("http://a")
			),
			Error::<Test>::NotProvider
		);
		register(1, 5_000);
		assert_noop!(
			Staking::update_profile(
				RuntimeOrigin::signed(1),
				profile(&[], 1, 1),
				endpoint("http://a")
			),
			Error::<Test>::NoKernels
		);
		assert_noop!(
			Staking::update_profile(
				RuntimeOrigin::signed(1),
				profile(&[1], 1, 1),
				endpoint("nope")
			),
			Error::<Test>::InvalidEndpoint
		);
	});
}

#[test]
fn a_full_kernel_refuses_more_providers() {
	ExtBuilder::default().build_and_execute(|| {
		MaxProvidersPerKernel::set(2);
		register(1, 5_000);
		register(2, 5_000);
		assert_noop!(try_register_as(3), Error::<Test>::KernelFull);
	});
}

fn try_register_as(stash: u64) -> sp_runtime::DispatchResult {
	Staking::register_provider(
		RuntimeOrigin::signed(stash),
		5_000,
		profile(&[1], 1, 1),
		op(stash),
		endpoint("http://a"),
	)
}

#[test]
fn a_kernels_reach_widens_with_every_profile_and_covers_only_what_one_offers() {
	use aipin_primitives::{ProviderRegistry, Requirements};
	ExtBuilder::default().build_and_execute(|| {
		let req = |kernel, min_vram_mib, max_price, work_units| Requirements {
			kernel,
			min_vram_mib,
			max_price,
			work_units,
		};
		let serves = |r: Requirements| <Staking as ProviderRegistry<_, _, _>>::could_ever_serve(&r);
		assert!(!serves(req(1, 0, u128::MAX, 1)), "nobody registered");
		register(1, 5_000); // kernels [1, 2], 8 GiB, ask 10, 1,000 units/s
		let reach = KernelReach { vram_mib: 8192, throughput: 1_000, ask_price: 10 };
		assert_eq!(KernelReaches::<Test>::get(1), Some(reach));
		assert!(serves(req(1, 8192, 10, 60_000)), "60 s of work at 1,000 units/s");
		assert!(!serves(req(1, 8193, 10, 1)), "more VRAM than any profile");
		assert!(!serves(req(1, 0, 9, 1)), "a price below every ask");
		assert!(!serves(req(1, 0, 10, 60_001)), "more work than anyone computes in time");
		assert!(!serves(req(3, 0, 10, 1)), "a kernel nobody lists");
		// A second provider widens it; a profile update widens it again.
		register(2, 5_000);
		assert_ok!(Staking::update_profile(
			RuntimeOrigin::signed(2),
			profile(&[1, 3], 16_384, 7),
			endpoint("https://new.example")
		));
		let wider = KernelReach { vram_mib: 16_384, throughput: 1_000, ask_price: 7 };
		assert_eq!(KernelReaches::<Test>::get(1), Some(wider));
		assert_eq!(
			KernelReaches::<Test>::get(3),
			Some(KernelReach { vram_mib: 16_384, throughput: 1_000, ask_price: 7 })
		);
		assert_eq!(KernelReaches::<Test>::get(2), Some(reach), "provider 1 still lists kernel 2");
		assert!(serves(req(1, 16_384, 7, 1)));
		// It does not narrow when a provider stops listing the kernel: it over-admits rather
		// than refuses.
		assert_ok!(Staking::update_profile(
			RuntimeOrigin::signed(2),
			profile(&[3], 16_384, 7),
			endpoint("https://new.example")
		));
		assert_eq!(KernelReaches::<Test>::get(1), Some(wider));
	});
}
