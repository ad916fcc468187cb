use crate::mock::*;
use pallet_task_escrow::*;

#[test]
fn operator_tasks_and_risk_show_what_to_do_next() {
	ExtBuilder::default().providers(vec![(11, 5), (12, 5)]).build_and_execute(|| {
		let op = 11 + OPERATOR_OFFSET;
		assert!(Escrow::tasks_of_operator(&op).is_empty());
		assert!(Escrow::tasks_of_operator(&CONSUMER).is_empty(), "not an operator");
		let a = submit(2);
		let b = submit(2);
		next_block();
		let Phase::Commit { ends } = phase(a) else { panic!("assigned") };
		let mut tasks = Escrow::tasks_of_operator(&op);
		tasks.sort_by_key(|t| t.task);
		assert_eq!(
			tasks,
			vec![
				OperatorTask {
					task: a,
					kernel: GEMM,
					phase: Phase::Commit { ends },
					slot: SlotState::Assigned,
					act_by: Some(ends)
				},
				OperatorTask {
					task: b,
					kernel: GEMM,
					phase: Phase::Commit { ends },
					slot: SlotState::Assigned,
					act_by: Some(ends)
				},
			]
		);
		assert_eq!(
			Escrow::risk_of(&11),
			ProviderRisk { in_flight: 2, awaiting_action: 2, next_deadline: Some(ends) }
		);
		commit(a, 11, root(1));
		commit(a, 12, root(1));
		let reveal_ends = now() + REVEAL;
		let t = Escrow::tasks_of_operator(&op).into_iter().find(|t| t.task == a).unwrap();
		assert_eq!(t.act_by, Some(reveal_ends));
		assert!(matches!(t.slot, SlotState::Committed(_)));
		reveal(a, 11, root(1));
		reveal(a, 12, root(1));
		assert_eq!(Escrow::tasks_of_operator(&op).len(), 1);
		assert_eq!(
			Escrow::risk_of(&11),
			ProviderRisk { in_flight: 1, awaiting_action: 1, next_deadline: Some(ends) }
		);
	});
}

#[test]
fn view_functions_answer_like_the_storage() {
	ExtBuilder::default().build_and_execute(|| {
		let id = submit(1);
		assert_eq!(Escrow::task(id), Tasks::<Test>::get(id));
		assert_eq!(Escrow::task_input(id), Some(seeded()));
		assert_eq!(Escrow::kernel(GEMM).map(|k| k.spec), Some(gemm_spec()));
		assert_eq!(
			Escrow::quote(GEMM, params(&[8, 8, 8]), 2, 10),
			Ok(Quote { work_units: 2, escrow: 40, input_bytes: 128, output_bytes: 256 })
		);
		assert_eq!(
			Escrow::quote(99, params(&[8, 8, 8]), 2, 10),
			Err(Error::<Test>::UnknownKernel.into())
		);
		assert_eq!(Escrow::provider_risk(11), ProviderRisk::default());
	});
}
