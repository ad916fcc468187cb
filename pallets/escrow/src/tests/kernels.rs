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
			Escrow::submit_task(
				RuntimeOrigin::signed(CONSUMER),
				GEMM,
				params(&[8, 8, 8]),
				seeded(),
				1,
				10,
				now() + 50
			),
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
