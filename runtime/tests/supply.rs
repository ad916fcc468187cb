//! Tokens leave the supply only through burn-and-mint accounting.

use aipin_runtime::{units::AIP, Runtime, RuntimeCall, RuntimeOrigin};
use frame_support::{assert_noop, traits::Contains};
use sp_keyring::Sr25519Keyring;

#[test]
fn nobody_burns_tokens_behind_the_burn_and_mint_pallets_back() {
	let burn = RuntimeCall::Balances(pallet_balances::Call::burn { value: AIP, keep_alive: true });
	assert!(!aipin_runtime::configs::CallFilter::contains(&burn));
	let transfer = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: Sr25519Keyring::Bob.to_account_id().into(),
		value: AIP,
	});
	assert!(aipin_runtime::configs::CallFilter::contains(&transfer));
	sp_io::TestExternalities::new_empty().execute_with(|| {
		use sp_runtime::traits::Dispatchable;
		let alice = RuntimeOrigin::signed(Sr25519Keyring::Alice.to_account_id());
		assert_noop!(
			burn.dispatch(alice).map_err(|e| e.error),
			frame_system::Error::<Runtime>::CallFiltered
		);
	});
}
