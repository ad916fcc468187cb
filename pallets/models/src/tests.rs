use crate::{mock::*, Error, Event, HoldReason, ProgramOf, UrlOf};
use aipin_kernels::inference::{
	program::id_of,
	task::{kernel_spec, summary},
	Program,
};
use aipin_primitives::{ModelInfo, ProgramSummary, RemoteProgram, INFERENCE_ENGINE};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	traits::{
		fungible::{InspectHold, Mutate},
		Contains,
	},
};
use sp_runtime::{BuildStorage, DispatchError};

fn bytes(p: &Program) -> ProgramOf<Test> {
	ProgramOf::<Test>::try_from(p.encode()).map_err(|_| "program over the bound").unwrap()
}

fn held(who: AccountId) -> Balance {
	Balances::balance_on_hold(&HoldReason::ProgramDeposit.into(), &who)
}

#[test]
fn register_stores_the_program_holds_the_deposit_and_registers_its_kernel() {
	execute(|| {
		let program = Program::dense(64, 10, 3);
		let raw = bytes(&program);
		let id = id_of(&raw);
		assert_ok!(Models::register(RuntimeOrigin::signed(1), raw.clone()));
		let deposit = 100 + raw.len() as Balance;
		assert_eq!(held(1), deposit);
		assert_eq!(
			Models::model(id),
			Some(ModelInfo {
				owner: Some(1),
				deposit,
				kernel: INFERENCE_ENGINE + 1,
				bytes: raw.len() as u32,
				macs_per_sample: 640,
				retired_at: None,
			})
		);
		assert_eq!(Models::program(id), Some(raw.to_vec()));
		assert_eq!(
			MockKernels::all(),
			vec![(INFERENCE_ENGINE + 1, kernel_spec(&summary(&program), &id, 4096), false)]
		);
		System::assert_last_event(
			Event::ModelRegistered {
				model: id,
				owner: Some(1),
				kernel: INFERENCE_ENGINE + 1,
				bytes: raw.len() as u32,
				macs_per_sample: 640,
				deposit,
			}
			.into(),
		);
		// The next model gets the next kernel id.
		assert_ok!(Models::register(RuntimeOrigin::signed(2), bytes(&Program::dense(8, 2, 1))));
		assert_eq!(MockKernels::all()[1].0, INFERENCE_ENGINE + 2);
	});
}

#[test]
fn the_runtime_computes_the_work_so_a_registrant_cannot_under_declare_it() {
	execute(|| {
		let program = Program::dense(400, 500, 1);
		let raw = bytes(&program);
		assert_ok!(Models::register(RuntimeOrigin::signed(1), raw.clone()));
		let spec = &MockKernels::all()[0].1;
		// 200,000 MACs = 400,000 operations, plus 500 output bytes, per sample, in millions
		// rounded up.
		assert_eq!(spec.work_units.eval(&[1]), Some(1));
		assert_eq!(spec.work_units.eval(&[1000]), Some(401));
		assert_eq!(spec.input_bytes.eval(&[7]), Some(7 * 400));
		// The outputs, and one 32-byte root per layer.
		assert_eq!(spec.output_bytes.eval(&[7]), Some(7 * 500 + 32));
		assert_eq!(spec.wgsl_hash, id_of(&raw));
		assert!(spec.deterministic);
	});
}

#[test]
fn bad_registrations_are_refused_and_cost_nothing() {
	execute(|| {
		let raw = bytes(&Program::dense(16, 4, 1));
		assert_noop!(
			Models::register(RuntimeOrigin::none(), raw.clone()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Models::register(
				RuntimeOrigin::signed(1),
				ProgramOf::<Test>::try_from(vec![1, 2, 3]).unwrap()
			),
			Error::<Test>::InvalidProgram
		);
		let mut malformed = Program::dense(16, 4, 1);
		malformed.version = 99;
		assert_noop!(
			Models::register(RuntimeOrigin::signed(1), bytes(&malformed)),
			Error::<Test>::InvalidProgram
		);
		assert_noop!(
			Models::register(RuntimeOrigin::signed(9), raw.clone()),
			Error::<Test>::InsufficientBalance
		);
		assert_ok!(Models::register(RuntimeOrigin::signed(1), raw.clone()));
		assert_noop!(Models::register(RuntimeOrigin::signed(2), raw), Error::<Test>::ModelExists);
		assert_eq!(held(2), 0);
	});
}

#[test]
fn a_program_over_the_bound_cannot_be_submitted() {
	// The call argument is bounded: a longer program does not even decode as a call.
	let too_long = vec![0u8; 256 * 1024 + 1];
	assert!(ProgramOf::<Test>::try_from(too_long.clone()).is_err());
	let call = (0u8, too_long).encode();
	assert!(<crate::Call<Test> as codec::Decode>::decode(&mut &call[..]).is_err());
}

#[test]
fn retire_then_reap_releases_the_deposit_after_the_delay() {
	execute(|| {
		let raw = bytes(&Program::dense(32, 4, 2));
		let id = id_of(&raw);
		assert_ok!(Models::register(RuntimeOrigin::signed(1), raw));
		assert_noop!(Models::reap(RuntimeOrigin::signed(3), id), Error::<Test>::NotRetired);
		assert_noop!(Models::retire(RuntimeOrigin::signed(2), id), Error::<Test>::NotOwner);
		assert_noop!(
			Models::retire(RuntimeOrigin::signed(1), [7; 32]),
			Error::<Test>::UnknownModel
		);
		assert_ok!(Models::retire(RuntimeOrigin::signed(1), id));
		assert!(MockKernels::all()[0].2, "the model's kernel is deprecated");
		System::assert_last_event(Event::ModelRetired { model: id }.into());
		assert_noop!(Models::retire(RuntimeOrigin::signed(1), id), Error::<Test>::AlreadyRetired);
		System::set_block_number(20);
		assert_noop!(Models::reap(RuntimeOrigin::signed(3), id), Error::<Test>::TooEarly);
		System::set_block_number(21);
		let deposit = held(1);
		assert!(deposit > 0);
		assert_ok!(Models::reap(RuntimeOrigin::signed(3), id));
		assert!(MockKernels::all().is_empty(), "the model's kernel entry is removed");
		assert_eq!(held(1), 0);
		assert_eq!(Balances::free_balance(1), ENDOWMENT);
		assert_eq!(Models::model(id), None);
		assert_eq!(Models::program(id), None);
		System::assert_last_event(Event::ModelReaped { model: id, deposit }.into());
		assert_noop!(Models::reap(RuntimeOrigin::signed(3), id), Error::<Test>::UnknownModel);
	});
}

#[test]
fn governance_retires_any_model_and_genesis_models_have_no_deposit() {
	let program = Program::dense(8, 8, 1);
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	crate::GenesisConfig::<Test> {
		programs: vec![sp_core::Bytes(program.encode())],
		_config: Default::default(),
	}
	.assimilate_storage(&mut t)
	.unwrap();
	sp_io::TestExternalities::new(t).execute_with(|| {
		System::set_block_number(1);
		let id = program.id();
		let info = Models::model(id).expect("registered at genesis");
		assert_eq!((info.owner, info.deposit), (None, 0));
		assert_noop!(Models::retire(RuntimeOrigin::signed(1), id), Error::<Test>::NotOwner);
		assert_ok!(Models::retire(RuntimeOrigin::root(), id));
		System::set_block_number(30);
		assert_ok!(Models::reap(RuntimeOrigin::signed(1), id));
	});
}

#[test]
fn a_deposit_cannot_be_spent_while_held() {
	execute(|| {
		let raw = bytes(&Program::dense(500, 100, 1));
		assert_ok!(Models::register(RuntimeOrigin::signed(1), raw));
		let free = Balances::free_balance(1);
		assert!(<Balances as Mutate<_>>::transfer(
			&1,
			&2,
			free + 1,
			frame_support::traits::tokens::Preservation::Expendable
		)
		.is_err());
	});
}

fn url(s: &str) -> UrlOf<Test> {
	UrlOf::<Test>::try_from(s.as_bytes().to_vec()).unwrap()
}

/// A program over the on-chain bound (256 KiB in the mock), with its id, length and summary.
fn large() -> (aipin_primitives::ModelId, u32, ProgramSummary) {
	let p = Program::dense(1024, 300, 1);
	let raw = p.encode();
	assert!(raw.len() > 256 * 1024);
	(id_of(&raw), raw.len() as u32, summary(&p))
}

#[test]
fn a_program_stored_off_chain_is_registered_by_its_url_and_declared_summary() {
	execute(|| {
		let (id, len, s) = large();
		let at = url("https://models.example/large.aiq");
		assert!(!Models::contains(&id));
		assert_ok!(Models::register_by_url(RuntimeOrigin::signed(1), id, len, at.clone(), s));
		let remote = RemoteProgram { url: at, summary: s };
		// The deposit is for what the chain stores: the URL and the summary.
		let deposit = 100 + remote.encode().len() as Balance;
		assert_eq!(held(1), deposit);
		let info = Models::model(id).unwrap();
		assert_eq!((info.bytes, info.macs_per_sample, info.deposit), (len, 1024 * 300, deposit));
		assert_eq!(Models::program(id), None);
		assert_eq!(Models::program_url(id), Some(remote));
		assert!(Models::contains(&id), "the escrow lets replicas report its program");
		assert_eq!(
			MockKernels::all(),
			vec![(INFERENCE_ENGINE + 1, kernel_spec(&s, &id, 4096), false)]
		);
		System::assert_last_event(
			Event::ModelRegistered {
				model: id,
				owner: Some(1),
				kernel: INFERENCE_ENGINE + 1,
				bytes: len,
				macs_per_sample: 1024 * 300,
				deposit,
			}
			.into(),
		);
		// Retired and reaped like any model: the URL goes, the deposit comes back.
		assert_ok!(Models::retire(RuntimeOrigin::signed(1), id));
		System::set_block_number(21);
		assert_ok!(Models::reap(RuntimeOrigin::signed(2), id));
		assert_eq!((Models::program_url(id), held(1)), (None, 0));
		assert!(!Models::contains(&id));
	});
}

#[test]
fn bad_registrations_by_url_are_refused_and_cost_nothing() {
	execute(|| {
		let (id, len, s) = large();
		let ok = url("http://10.0.0.1:8000/m.aiq");
		let register = |who, id, len, at: UrlOf<Test>, s| {
			Models::register_by_url(RuntimeOrigin::signed(who), id, len, at, s)
		};
		assert_noop!(
			Models::register_by_url(RuntimeOrigin::none(), id, len, ok.clone(), s),
			DispatchError::BadOrigin
		);
		assert_noop!(register(1, id, 0, ok.clone(), s), Error::<Test>::ProgramTooLarge);
		assert_noop!(
			register(1, id, 64 * 1024 * 1024 + 1, ok.clone(), s),
			Error::<Test>::ProgramTooLarge
		);
		for bad in ["ftp://host/m.aiq", "http://", "https://a b", "models.example/m.aiq"] {
			assert_noop!(register(1, id, len, url(bad), s), Error::<Test>::InvalidUrl);
		}
		// A summary no well-formed program of that length has.
		let mut lie = s;
		lie.ops_charged = 1;
		assert_noop!(register(1, id, len, ok.clone(), lie), Error::<Test>::InvalidSummary);
		let mut lie = s;
		lie.weight_bytes = len as u64 + 1;
		assert_noop!(register(1, id, len, ok.clone(), lie), Error::<Test>::InvalidSummary);
		assert_noop!(register(9, id, len, ok.clone(), s), Error::<Test>::InsufficientBalance);
		// One id, one model, whichever way it is stored.
		let small = Program::dense(16, 4, 1);
		assert_ok!(Models::register(RuntimeOrigin::signed(1), bytes(&small)));
		assert_noop!(
			register(2, small.id(), small.encode().len() as u32, ok.clone(), summary(&small)),
			Error::<Test>::ModelExists
		);
		assert_ok!(register(1, id, len, ok.clone(), s));
		assert_noop!(register(2, id, len, ok, s), Error::<Test>::ModelExists);
		assert_eq!(held(2), 0);
	});
}

#[test]
fn the_version_0_layout_migrates_to_hashed_keys_once_and_loses_nothing() {
	use crate::migrations::v1::{key_lengths, v0, MigrateToV1};
	use frame_support::{
		storage::StoragePrefixedMap,
		traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
	};
	execute(|| {
		let small = Program::dense(16, 4, 1);
		assert_ok!(Models::register(RuntimeOrigin::signed(1), bytes(&small)));
		let (id, len, s) = large();
		let at = url("https://models.example/large.aiq");
		assert_ok!(Models::register_by_url(RuntimeOrigin::signed(2), id, len, at, s));
		let records =
			[(small.id(), Models::model(small.id()).unwrap()), (id, Models::model(id).unwrap())];
		let remote = Models::program_url(id).unwrap();

		// As version 0 stored them: the same values, under the bare ids.
		for (model, info) in records.clone() {
			crate::Models::<Test>::remove(model);
			v0::Models::<Test>::insert(model, info);
		}
		crate::ProgramUrls::<Test>::remove(id);
		v0::ProgramUrls::<Test>::insert(id, remote.clone());
		StorageVersion::new(0).put::<Models>();
		assert_eq!(Models::model(id), None, "this runtime cannot read version-0 keys");

		MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(Models::on_chain_storage_version(), 1);
		for (model, info) in records {
			assert_eq!(Models::model(model), Some(info));
		}
		assert_eq!(Models::program_url(id), Some(remote));
		// Only hashed keys are left (16 bytes of hash, then the id), one per entry.
		assert_eq!(
			key_lengths(crate::Models::<Test>::final_prefix()).collect::<Vec<_>>(),
			vec![48, 48]
		);
		assert_eq!(
			key_lengths(crate::ProgramUrls::<Test>::final_prefix()).collect::<Vec<_>>(),
			vec![48]
		);
		let root = sp_io::storage::root(sp_runtime::StateVersion::V1);
		MigrateToV1::<Test>::on_runtime_upgrade();
		assert_eq!(
			sp_io::storage::root(sp_runtime::StateVersion::V1),
			root,
			"a second run is a no-op"
		);
	});
}
