use crate::{
	mock::*, Error, Event, KernelProviderCount, KernelReach, KernelReaches, Providers,
	ReachRecount, StaleReaches,
};
use frame_support::{assert_noop, assert_ok, weights::Weight};

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
		// It does not narrow in the call of a provider that stops listing the kernel (that
		// would read every other provider): it over-admits until spare weight recounts it.
		assert_ok!(Staking::update_profile(
			RuntimeOrigin::signed(2),
			profile(&[3], 16_384, 7),
			endpoint("https://new.example")
		));
		assert_eq!(KernelReaches::<Test>::get(1), Some(wider));
		assert!(StaleReaches::<Test>::contains_key(1));
		idle(Weight::MAX);
		assert_eq!(KernelReaches::<Test>::get(1), Some(reach), "provider 1's profile alone");
		assert!(!serves(req(1, 16_384, 7, 1)), "nobody left offers that");
		assert!(serves(req(1, 8192, 10, 1)));
	});
}

/// Runs the pallet's `on_idle` with `remaining` weight.
fn idle(remaining: Weight) -> Weight {
	use frame_support::traits::Hooks;
	Staking::on_idle(System::block_number(), remaining)
}

#[test]
fn a_reach_narrows_when_providers_leave_or_offer_less_and_goes_with_the_last() {
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000); // kernels [1, 2], 8 GiB, ask 10
		assert_ok!(Staking::register_provider(
			RuntimeOrigin::signed(2),
			5_000,
			profile(&[1], 80_000, 3),
			op(2),
			endpoint("http://b"),
		));
		let small = KernelReach { vram_mib: 8192, throughput: 1_000, ask_price: 10 };
		let both = KernelReach { vram_mib: 80_000, throughput: 1_000, ask_price: 3 };
		assert_eq!(KernelReaches::<Test>::get(1), Some(both));
		assert_eq!(idle(Weight::MAX), recount_weight(0), "nothing stale: one look");

		// Provider 2 keeps kernel 1 but offers less: recounted to what is offered now.
		assert_ok!(Staking::update_profile(
			RuntimeOrigin::signed(2),
			profile(&[1], 16_384, 12),
			endpoint("http://b")
		));
		assert!(StaleReaches::<Test>::contains_key(1));
		assert!(!StaleReaches::<Test>::contains_key(2), "kernel 2 is not provider 2's");
		idle(Weight::MAX);
		let now = KernelReach { vram_mib: 16_384, throughput: 1_000, ask_price: 10 };
		assert_eq!(KernelReaches::<Test>::get(1), Some(now));
		System::assert_has_event(Event::ReachRecounted { kernel: 1, reach: Some(now) }.into());
		// Offering more needs no recount.
		assert_ok!(Staking::update_profile(
			RuntimeOrigin::signed(2),
			profile(&[1], 20_000, 12),
			endpoint("http://b")
		));
		assert!(!StaleReaches::<Test>::contains_key(1));

		// Both leave kernel 1: its reach goes, so its tasks are refused at submission.
		leave(2);
		assert_ok!(Staking::update_profile(
			RuntimeOrigin::signed(1),
			profile(&[2], 8192, 10),
			endpoint("http://a")
		));
		idle(Weight::MAX);
		assert_eq!(KernelReaches::<Test>::get(1), None);
		System::assert_has_event(Event::ReachRecounted { kernel: 1, reach: None }.into());
		assert_eq!(KernelReaches::<Test>::get(2), Some(small));
	});
}

/// Drains, unbonds, withdraws and deregisters `stash`.
fn leave(stash: AccountId) {
	assert_ok!(Staking::drain(RuntimeOrigin::signed(stash)));
	let stake = Providers::<Test>::get(stash).unwrap().active;
	assert_ok!(Staking::unbond(RuntimeOrigin::signed(stash), stake));
	let unlock = Providers::<Test>::get(stash).unwrap().unlocking[0].unlock_at;
	run_to_block(unlock);
	assert_ok!(Staking::withdraw_unbonded(RuntimeOrigin::signed(stash)));
	assert_ok!(Staking::deregister(RuntimeOrigin::signed(stash)));
}

fn recount_weight(providers: u32) -> Weight {
	<() as crate::WeightInfo>::recount_reach(providers)
}

/// A recount that takes several blocks of spare weight stays a superset of the truth at every
/// step (`try_state` checks it after each), whatever joins, widens or leaves meanwhile, and
/// ends exact.
#[test]
fn a_recount_spread_over_blocks_never_ends_narrower_than_a_provider() {
	ExtBuilder::default().build_and_execute(|| {
		for stash in 1..=8 {
			assert_ok!(Staking::register_provider(
				RuntimeOrigin::signed(stash),
				5_000,
				profile(&[1], 1_000 * stash as u32, 20 - stash as u128),
				op(stash),
				endpoint("http://p"),
			));
		}
		// Provider 8 (the widest) leaves: kernel 1 is stale.
		leave(8);
		let step = recount_weight(1) - recount_weight(0);
		// Room to count three providers per block.
		let budget = recount_weight(0) + step * 3;
		idle(budget);
		let r = ReachRecount::<Test>::get().expect("under way");
		assert_eq!((r.kernel, r.next), (1, 3));
		Staking::do_try_state().unwrap();
		// Meanwhile: provider 1 (counted) lowers its ask, provider 2 (counted) leaves, so the
		// last provider (7, now the most VRAM) moves into a counted position, and provider 9
		// joins at the end with the most throughput. Each decides one figure of the reach.
		assert_ok!(Staking::update_profile(
			RuntimeOrigin::signed(1),
			profile(&[1], 1_000, 2),
			endpoint("http://p")
		));
		leave(2);
		Staking::do_try_state().unwrap();
		let fast = crate::ProviderProfile { throughput: 5_000, ..profile(&[1], 500, 5) };
		assert_ok!(Staking::register_provider(
			RuntimeOrigin::signed(9),
			5_000,
			fast,
			op(9),
			endpoint("http://p"),
		));
		Staking::do_try_state().unwrap();
		for _ in 0..10 {
			idle(budget);
			Staking::do_try_state().unwrap();
		}
		assert!(ReachRecount::<Test>::get().is_none());
		assert!(!StaleReaches::<Test>::contains_key(1));
		assert_eq!(
			KernelReaches::<Test>::get(1),
			Some(KernelReach { vram_mib: 7_000, throughput: 5_000, ask_price: 2 }),
			"provider 7's VRAM, provider 9's throughput, provider 1's new ask"
		);
		// No weight, no work.
		assert_ok!(Staking::update_profile(
			RuntimeOrigin::signed(1),
			profile(&[1], 100, 19),
			endpoint("http://p")
		));
		assert_eq!(idle(Weight::zero()), Weight::zero());
		assert!(StaleReaches::<Test>::contains_key(1));
	});
}

/// `update_profile` is declared for the most kernels a profile may list and charged for those
/// the old profile listed.
#[test]
fn update_profile_is_charged_for_the_kernels_the_old_profile_listed() {
	use crate::WeightInfo;
	use frame_support::dispatch::GetDispatchInfo;
	ExtBuilder::default().build_and_execute(|| {
		register(1, 5_000); // kernels [1, 2]
		let new = profile(&[1, 3, 4], 8192, 10);
		let max = <<Test as crate::Config>::MaxKernelsPerProvider as frame_support::traits::Get<
			u32,
		>>::get();
		let call = crate::Call::<Test>::update_profile {
			profile: new.clone(),
			endpoint: endpoint("http://a"),
		};
		assert_eq!(
			call.get_dispatch_info().call_weight,
			<() as WeightInfo>::update_profile(max, 3)
		);
		let post =
			Staking::update_profile(RuntimeOrigin::signed(1), new, endpoint("http://a")).unwrap();
		assert_eq!(post.actual_weight, Some(<() as WeightInfo>::update_profile(2, 3)));
	});
}
