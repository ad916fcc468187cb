use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn register_kernel_stores_it_and_emits() {
	ExtBuilder::default().build_and_execute(|| {
		let mut spec = gemm_spec();
		spec.version = 2;
		assert_ok!(Escrow::register_kernel(RuntimeOrigin::root(), 9, spec.clone()));
		assert_eq!(Kernels::<Test>::get(9), Some(KernelInfo { spec, deprecated: false }));
		assert_eq!(
			escrow_events().last(),
			Some(&Event::KernelRegistered { kernel: 9, version: 2, wgsl_hash: [7; 32] })
		);
	});
}

#[test]
fn register_kernel_errors() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Escrow::register_kernel(RuntimeOrigin::signed(CONSUMER), 9, gemm_spec()),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Escrow::register_kernel(RuntimeOrigin::root(), GEMM, gemm_spec()),
			Error::<Test>::KernelExists
		);
		let bad = |f: fn(&mut KernelSpec)| {
			let mut s = gemm_spec();
			f(&mut s);
			s
		};
		for spec in [
			bad(|s| s.name = Default::default()),
			bad(|s| s.max_params = Default::default()),
			bad(|s| s.max_params[1] = 0),
			bad(|s| s.work_units.divisor = 0),
			bad(|s| s.input_bytes = Formula::new(vec![Term::new(1, &[3])], 1)),
			bad(|s| s.output_bytes = Formula::new(vec![Term::new(0, &[0])], 1)),
			bad(|s| s.work_units = Formula::new(vec![Term::new(0, &[0])], 1)),
			// Overflows u64 at the maxima.
			bad(|s| {
				s.max_params = params(&[u32::MAX, u32::MAX, u32::MAX]);
				s.work_units = Formula::new(vec![Term::new(u64::MAX, &[0, 1, 2])], 1);
			}),
		] {
			assert_noop!(
				Escrow::register_kernel(RuntimeOrigin::root(), 9, spec),
				Error::<Test>::InvalidKernelSpec
			);
		}
	});
}

#[test]
fn deprecation_stops_new_tasks_not_running_ones() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(1);
		next_block();
		assert!(matches!(phase(id), Phase::Commit { .. }));
		assert_noop!(
			Escrow::deprecate_kernel(RuntimeOrigin::signed(CONSUMER), GEMM),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Escrow::deprecate_kernel(RuntimeOrigin::root(), 77),
			Error::<Test>::UnknownKernel
		);
		assert_ok!(Escrow::deprecate_kernel(RuntimeOrigin::root(), GEMM));
		assert_eq!(escrow_events().last(), Some(&Event::KernelDeprecated { kernel: GEMM }));
		assert_noop!(
			Escrow::deprecate_kernel(RuntimeOrigin::root(), GEMM),
			Error::<Test>::KernelDeprecated
		);
		assert_noop!(
			submit_with(GEMM, &[8, 8, 8], seeded(), 1, 10, now() + 50),
			Error::<Test>::KernelDeprecated
		);
		// The running task finishes normally.
		let p = providers_of(id)[0];
		commit(id, p, root(1));
		reveal(id, p, root(1));
		assert_eq!(finished_reason(id), Some(TerminalReason::Completed));
	});
}

#[test]
fn formulas_round_up_and_reject_bad_indices() {
	let f = Formula::new(vec![Term::new(2, &[0, 1, 2])], 1_000);
	assert_eq!(f.eval(&[8, 8, 8]), Some(2)); // 1024 / 1000 rounds up
	assert_eq!(f.eval(&[10, 10, 5]), Some(1));
	assert_eq!(f.eval(&[8, 8]), None);
	let squares = Formula::new(vec![Term::new(1, &[0, 0]), Term::new(3, &[])], 1);
	assert_eq!(squares.eval(&[7]), Some(52));
	assert_eq!(Formula::new(vec![], 0).eval(&[1]), None);
	assert_eq!(Formula::new(vec![Term::new(u64::MAX, &[0])], 1).eval(&[2]), None);
}

#[test]
fn governance_cannot_take_the_ids_reserved_for_models() {
	ExtBuilder::default().build_and_execute(|| {
		use aipin_primitives::INFERENCE_ENGINE;
		for id in [INFERENCE_ENGINE, INFERENCE_ENGINE + 1, u32::MAX] {
			assert_noop!(
				Escrow::register_kernel(RuntimeOrigin::root(), id, gemm_spec()),
				Error::<Test>::KernelIdReserved
			);
		}
		assert_ok!(Escrow::register_kernel(
			RuntimeOrigin::root(),
			INFERENCE_ENGINE - 1,
			gemm_spec()
		));
	});
}

/// A model's kernel (registered through `KernelRegistry`, as the models pallet does) is run by
/// providers that list the inference engine, and by no one else, whatever they list.
#[test]
fn a_model_task_goes_to_providers_of_the_inference_engine() {
	use aipin_primitives::{KernelRegistry, INFERENCE_ENGINE};
	// Providers 11..=13 list GEMM only.
	ExtBuilder::default().build_and_execute(|| {
		let model = INFERENCE_ENGINE + 1;
		assert_ok!(<Escrow as KernelRegistry>::register(model, gemm_spec()));
		assert_noop!(
			<Escrow as KernelRegistry>::register(model, gemm_spec()),
			Error::<Test>::KernelExists
		);
		// A GEMM provider that also lists the model's own id is not picked either: only the
		// engine makes a provider eligible.
		register(14, model, 10);
		register(21, INFERENCE_ENGINE, 10);
		register(22, INFERENCE_ENGINE, 10);
		let id = NextTaskId::<Test>::get();
		assert_ok!(Escrow::submit_task(
			RuntimeOrigin::signed(CONSUMER),
			model,
			params(&[8, 8, 8]),
			seeded(),
			2,
			10,
			now() + 50,
		));
		next_block();
		let mut picked = providers_of(id);
		picked.sort();
		assert_eq!(picked, vec![21, 22]);
		assert_noop!(
			<Escrow as KernelRegistry>::remove(model),
			DispatchError::Other("only a deprecated kernel can be removed")
		);
		assert_ok!(<Escrow as KernelRegistry>::deprecate(model));
		assert_eq!(Kernels::<Test>::get(model).map(|k| k.deprecated), Some(true));
		// The task is still in flight: the models pallet removes the kernel only after its
		// RetireDelay, when no task can run it any more. Settle it first here.
		assert_ok!(Escrow::cancel_task(RuntimeOrigin::signed(CONSUMER), id));
		assert_ok!(<Escrow as KernelRegistry>::remove(model));
		assert_eq!(Kernels::<Test>::get(model), None);
		assert_noop!(<Escrow as KernelRegistry>::remove(model), Error::<Test>::UnknownKernel);
	});
}
