//! Governance through its real origins (`configs/governance.rs`): council motions proposed,
//! voted and closed by members, and root reached only by whitelisting a call's hash and then
//! dispatching that call. Each test starts from a preset's genesis state, as a node does.

use aipin_runtime::{
	configs::SlashDeferPeriod, Council, Escrow, Runtime, RuntimeCall, RuntimeEvent, RuntimeOrigin,
	System, Whitelist,
};
use codec::Encode;
use frame_support::{assert_noop, assert_ok, dispatch::GetDispatchInfo};
use sp_keyring::Sr25519Keyring::{self, *};
use sp_runtime::{traits::Hash, DispatchError};

mod common;

/// The genesis state of the named preset, at block 1.
fn chain(preset: &str) -> sp_io::TestExternalities {
	let mut ext = common::genesis(preset);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

fn signed(who: Sr25519Keyring) -> RuntimeOrigin {
	RuntimeOrigin::signed(who.to_account_id())
}

/// A council motion for `call`: proposed by the first of `ayes` with `threshold`, voted aye by
/// all of them, closed. Returns what the call's dispatch returned, or `None` when the motion did
/// not pass (too few ayes) and so nothing was dispatched.
fn motion(
	call: RuntimeCall,
	threshold: u32,
	ayes: &[Sr25519Keyring],
) -> Option<Result<(), DispatchError>> {
	let len = call.encoded_size() as u32;
	let weight = call.get_dispatch_info().call_weight;
	let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&call);
	let index = pallet_collective::ProposalCount::<Runtime, pallet_collective::Instance1>::get();
	assert_ok!(Council::propose(signed(ayes[0]), threshold, Box::new(call), len));
	for &member in ayes {
		assert_ok!(Council::vote(signed(member), hash, index, true));
	}
	System::reset_events();
	assert_ok!(Council::close(signed(ayes[0]), hash, index, weight, len));
	System::events().into_iter().find_map(|r| match r.event {
		RuntimeEvent::Council(pallet_collective::Event::Executed { result, .. }) => Some(result),
		_ => None,
	})
}

fn deprecate(kernel: u32) -> RuntimeCall {
	RuntimeCall::Escrow(pallet_task_escrow::Call::deprecate_kernel { id: kernel })
}

fn deprecated(kernel: u32) -> bool {
	pallet_task_escrow::Kernels::<Runtime>::get(kernel).expect("a genesis kernel").deprecated
}

#[test]
fn the_local_testnet_has_no_sudo_key_and_four_council_members() {
	chain("local_testnet").execute_with(|| {
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), None);
		let members = pallet_collective::Members::<Runtime, pallet_collective::Instance1>::get();
		let mut expected = [Alice, Bob, Charlie, Dave].map(|k| k.to_account_id()).to_vec();
		expected.sort();
		assert_eq!(members, expected);
		// Nobody can reach root through sudo.
		assert!(aipin_runtime::Sudo::sudo(signed(Alice), Box::new(deprecate(1))).is_err());
		assert!(!deprecated(1));
	});
}

#[test]
fn two_thirds_of_the_council_govern_a_kernel_and_fewer_cannot() {
	chain("local_testnet").execute_with(|| {
		// A member alone, or any other account, is not the kernel origin.
		assert_noop!(Escrow::deprecate_kernel(signed(Alice), 1), DispatchError::BadOrigin);
		assert_noop!(
			Council::propose(signed(Eve), 3, Box::new(deprecate(1)), 100),
			pallet_collective::Error::<Runtime, pallet_collective::Instance1>::NotMember
		);
		// Half the council passes a motion with threshold 2, but half is not two thirds: the
		// call runs and is refused.
		assert_eq!(motion(deprecate(1), 2, &[Alice, Bob]), Some(Err(DispatchError::BadOrigin)));
		assert!(!deprecated(1));
		// Three of four are.
		assert_eq!(motion(deprecate(1), 3, &[Alice, Bob, Charlie]), Some(Ok(())));
		assert!(deprecated(1));
	});
}

#[test]
fn the_council_cancels_a_slash_on_appeal() {
	use aipin_primitives::{Offence, OffenceKind, ReportOffence};
	chain("development").execute_with(|| {
		let provider = AliceStash.to_account_id();
		let offence = Offence {
			kind: OffenceKind::MissedReveal,
			provider: provider.clone(),
			task: 7,
			beneficiary: None,
		};
		assert_ok!(<aipin_runtime::Slashing as ReportOffence<_, _>>::report(offence, 1));
		let id = pallet_compute_slashing::NextSlashId::<Runtime>::get() - 1;
		let cancel =
			RuntimeCall::Slashing(pallet_compute_slashing::Call::cancel_slash { slash_id: id });
		// The provider's stash cannot cancel it; on the dev chain the council is Alice, Bob and
		// Charlie, and two of three decide.
		assert_noop!(
			aipin_runtime::Slashing::cancel_slash(signed(AliceStash), id),
			DispatchError::BadOrigin
		);
		assert_eq!(motion(cancel, 2, &[Bob, Charlie]), Some(Ok(())));
		let record = pallet_compute_slashing::Slashes::<Runtime>::get(id).expect("kept");
		assert_eq!(record.status, pallet_compute_slashing::SlashStatus::Cancelled);
	});
}

/// `System::set_storage` of the `SlashDeferPeriod` parameter: a root-only call.
fn set_defer_period(blocks: u32) -> RuntimeCall {
	RuntimeCall::System(frame_system::Call::set_storage {
		items: vec![(SlashDeferPeriod::key().to_vec(), blocks.encode())],
	})
}

fn whitelist(call: &RuntimeCall) -> RuntimeCall {
	let call_hash = <Runtime as frame_system::Config>::Hashing::hash_of(call);
	RuntimeCall::Whitelist(pallet_whitelist::Call::whitelist_call { call_hash })
}

fn dispatch(call: RuntimeCall) -> RuntimeCall {
	RuntimeCall::Whitelist(pallet_whitelist::Call::dispatch_whitelisted_call_with_preimage {
		call: Box::new(call),
	})
}

#[test]
fn root_calls_run_only_after_the_council_whitelists_them() {
	chain("local_testnet").execute_with(|| {
		let default = SlashDeferPeriod::get();
		let call = set_defer_period(10);
		// Not whitelisted: a member's dispatch only defers it; nothing runs as root.
		let other = set_defer_period(1);
		assert_ok!(Council::execute(signed(Dave), Box::new(dispatch(other)), 1_000));
		assert_eq!(SlashDeferPeriod::get(), default);
		// Whitelisting is the council's (two thirds), not a member's alone.
		assert_noop!(
			Whitelist::whitelist_call(signed(Alice), Default::default()),
			DispatchError::BadOrigin
		);
		assert_eq!(motion(whitelist(&call), 3, &[Alice, Bob, Charlie]), Some(Ok(())));
		// A whitelisted call is dispatched by a member, not by anyone.
		assert_noop!(
			Whitelist::dispatch_whitelisted_call_with_preimage(signed(Eve), Box::new(call.clone())),
			pallet_whitelist::Error::<Runtime>::DeferredDispatchNotFound
		);
		assert_ok!(Council::execute(signed(Dave), Box::new(dispatch(call.clone())), 1_000));
		assert_eq!(SlashDeferPeriod::get(), 10);
		// It ran once: it is no longer whitelisted, and the deferred other call still is not.
		let hash = <Runtime as frame_system::Config>::Hashing::hash_of(&call);
		assert!(!pallet_whitelist::WhitelistedCall::<Runtime>::contains_key(hash));
		assert_ok!(Council::execute(signed(Dave), Box::new(dispatch(call)), 1_000));
		assert_eq!(SlashDeferPeriod::get(), 10);
	});
}

#[test]
fn a_runtime_upgrade_is_authorized_through_the_council() {
	chain("local_testnet").execute_with(|| {
		let code_hash = sp_core::H256::repeat_byte(0xab);
		let authorize = RuntimeCall::System(frame_system::Call::authorize_upgrade { code_hash });
		assert_eq!(motion(whitelist(&authorize), 3, &[Bob, Charlie, Dave]), Some(Ok(())));
		System::reset_events();
		assert_ok!(Council::execute(signed(Alice), Box::new(dispatch(authorize)), 1_000));
		// Anyone may now apply exactly that code (`System::apply_authorized_upgrade`).
		assert!(System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::System(frame_system::Event::UpgradeAuthorized { code_hash: h, .. })
				if h == code_hash
		)));
	});
}

#[test]
fn a_motion_cannot_seat_more_members_than_the_council_is_built_for() {
	chain("local_testnet").execute_with(|| {
		let crowd: Vec<_> = (0u8..=100).map(|i| sp_runtime::AccountId32::new([i; 32])).collect();
		let oversized = RuntimeCall::Council(pallet_collective::Call::set_members {
			new_members: crowd.clone(),
			prime: None,
			old_count: 4,
		});
		assert_eq!(
			motion(oversized, 3, &[Alice, Bob, Charlie]),
			Some(Err(frame_system::Error::<Runtime>::CallFiltered.into()))
		);
		let seated = RuntimeCall::Council(pallet_collective::Call::set_members {
			new_members: crowd[..100].to_vec(),
			prime: None,
			old_count: 4,
		});
		assert_eq!(motion(seated, 3, &[Alice, Bob, Charlie]), Some(Ok(())));
		assert_eq!(
			pallet_collective::Members::<Runtime, pallet_collective::Instance1>::get().len(),
			100
		);
	});
}
