//! Lowering rules on small QDQ graphs built here: elementwise ops (Sigmoid-type functions as
//! Lookup tables, Mul, broadcasting by Expand), Softmax, reshapes of float results and of
//! dequantized activations, and the errors for what is outside them. Bit equality with
//! onnxruntime, every table entry of every op, is `models/fuzz_ort.py`'s (the test command
//! runs it).

use aipin_compiler::{
	compile,
	onnx::{
		dtype, AttributeProto, Dimension, GraphProto, ModelProto, NodeProto, OperatorSetIdProto,
		TensorProto, TensorShapeProto, TypeProto, TypeProtoTensor, ValueInfoProto,
	},
	CompileError,
};
use aipin_kernels::inference::program::Op;
use prost::Message;

fn node(op: &str, inputs: &[&str], output: &str) -> NodeProto {
	NodeProto {
		input: inputs.iter().map(|s| s.to_string()).collect(),
		output: vec![output.into()],
		name: output.into(),
		op_type: op.into(),
		..Default::default()
	}
}

fn with_float(mut n: NodeProto, name: &str, f: f32) -> NodeProto {
	n.attribute.push(AttributeProto { name: name.into(), f, r#type: 1, ..Default::default() });
	n
}

fn with_ints(mut n: NodeProto, name: &str, ints: &[i64]) -> NodeProto {
	n.attribute.push(AttributeProto {
		name: name.into(),
		ints: ints.to_vec(),
		r#type: 7,
		..Default::default()
	});
	n
}

fn scalar(name: &str, v: f32) -> TensorProto {
	TensorProto {
		name: name.into(),
		data_type: dtype::FLOAT,
		float_data: vec![v],
		..Default::default()
	}
}

fn zero_point(name: &str, zp: u8) -> TensorProto {
	TensorProto {
		name: name.into(),
		data_type: dtype::UINT8,
		raw_data: vec![zp],
		..Default::default()
	}
}

/// `Q(name) → DQ` with this scale and zero point: the nodes, the initializers and the
/// dequantized value's name.
fn qdq(from: &str, to: &str, scale: f32, zp: u8) -> (Vec<NodeProto>, Vec<TensorProto>) {
	let (s, z, q) = (format!("{to}.s"), format!("{to}.zp"), format!("{to}.q"));
	(
		vec![
			node("QuantizeLinear", &[from, &s, &z], &q),
			node("DequantizeLinear", &[&q, &s, &z], to),
		],
		vec![scalar(&s, scale), zero_point(&z, zp)],
	)
}

fn value(name: &str, shape: &[i64]) -> ValueInfoProto {
	let mut dim = vec![Dimension { dim_value: None, dim_param: Some("N".into()) }];
	dim.extend(shape.iter().map(|&d| Dimension { dim_value: Some(d), dim_param: None }));
	ValueInfoProto {
		name: name.into(),
		r#type: Some(TypeProto {
			tensor_type: Some(TypeProtoTensor {
				elem_type: dtype::FLOAT,
				shape: Some(TensorShapeProto { dim }),
			}),
		}),
	}
}

/// A model on a float input of per-sample `shape`: its QuantizeLinear and DequantizeLinear
/// (to `x`), then `body`, whose float result `f` is quantized and dequantized to the output.
fn model(shape: &[i64], body: Vec<NodeProto>, inits: Vec<TensorProto>) -> Vec<u8> {
	model_out(shape, body, inits, (0.01, 0))
}

/// [`model`] with the output quantized with `(scale, zero point)` (the input's is
/// `(0.05, 128)`).
fn model_out(
	shape: &[i64],
	body: Vec<NodeProto>,
	mut inits: Vec<TensorProto>,
	out: (f32, u8),
) -> Vec<u8> {
	let (mut nodes, i) = qdq("input", "x", 0.05, 128);
	inits.extend(i);
	nodes.extend(body);
	let (out, i) = qdq("f", "y", out.0, out.1);
	nodes.extend(out);
	inits.extend(i);
	encode(GraphProto {
		node: nodes,
		name: "elementwise".into(),
		initializer: inits,
		input: vec![value("input", shape)],
		output: vec![value("y", shape)],
	})
}

/// The bytes of a model of `graph`, opset 17.
fn encode(graph: GraphProto) -> Vec<u8> {
	ModelProto {
		ir_version: 8,
		producer_name: "test".into(),
		graph: Some(graph),
		opset_import: vec![OperatorSetIdProto { domain: String::new(), version: 17 }],
	}
	.encode_to_vec()
}

fn refusal(bytes: &[u8]) -> (String, String, String) {
	match compile(bytes) {
		Err(CompileError::Unsupported { node, op, why }) => (node, op, why),
		other => panic!("expected a refusal naming the node, got {other:?}"),
	}
}

#[test]
fn a_sigmoid_is_one_table_that_follows_the_function() {
	let bytes = model(&[4, 3, 3], vec![node("Sigmoid", &["x"], "f")], vec![]);
	let compiled = compile(&bytes).unwrap();
	let p = &compiled.program;
	let [Op::Lookup(l)] = &p.ops[..] else { panic!("ops: {:?}", p.ops) };
	// Input bytes 0..=255 are values −6.4 ..= 6.35 (scale 0.05, zero point 128); the output
	// scale is 0.01, so σ lands on 0 ..= 100.
	assert_eq!(l.table[128], 50, "σ(0) = 0.5");
	assert_eq!(l.table[0], 0, "σ(−6.4) < 0.005");
	assert_eq!(l.table[255], 100, "σ(6.35) > 0.995");
	assert!(l.table.windows(2).all(|w| w[0] <= w[1]), "σ is non-decreasing: {:?}", l.table);
	// σ(v) + σ(−v) = 1: symmetric entries sum to 100 (up to the rounding of each).
	for b in 1..128usize {
		let sum = l.table[128 + b] as i32 + l.table[128 - b] as i32;
		assert!((99..=101).contains(&sum), "σ({b}) + σ(−{b}) = {sum}");
	}
}

#[test]
fn every_supported_function_compiles_to_a_table() {
	// (body, initializers, f(0) in output bytes: scale 0.01, zero point 0)
	let cases: Vec<(Vec<NodeProto>, Vec<TensorProto>, u8)> = vec![
		(vec![with_float(node("LeakyRelu", &["x"], "f"), "alpha", 0.2)], vec![], 0),
		(vec![node("HardSigmoid", &["x"], "f")], vec![], 50),
		(vec![node("HardSwish", &["x"], "f")], vec![], 0),
		(vec![node("Tanh", &["x"], "f")], vec![], 0),
		(vec![node("Relu", &["x"], "f")], vec![], 0),
		(
			vec![node("Clip", &["x", "lo", "hi"], "f")],
			vec![scalar("lo", -0.5), scalar("hi", 1.0)],
			0,
		),
	];
	for (body, inits, at_zero) in cases {
		let op = body[0].op_type.clone();
		let compiled = compile(&model(&[2, 2], body, inits)).unwrap();
		let [Op::Lookup(l)] = &compiled.program.ops[..] else {
			panic!("{op}: {:?}", compiled.program.ops)
		};
		// Every one of them is non-decreasing on these inputs (HardSwish's dip below 0 is lost
		// to the output's zero point 0); byte 128 is 0.
		assert!(l.table.windows(2).all(|w| w[0] <= w[1]), "{op}: {:?}", l.table);
		assert_eq!(l.table[128], at_zero, "{op}(0)");
	}
}

#[test]
fn a_broadcast_mul_repeats_the_smaller_operand_first() {
	// A squeeze-excitation gate: x · GlobalAveragePool(x), [3, 4, 4] · [3, 1, 1].
	let (gate, inits) = qdq("g", "g.dq", 0.05, 128);
	let mut body = vec![node("GlobalAveragePool", &["x"], "g")];
	body.extend(gate);
	body.push(node("Mul", &["g.dq", "x"], "f"));
	let compiled = compile(&model(&[3, 4, 4], body, inits)).unwrap();
	let p = &compiled.program;
	let names: Vec<_> = p.ops.iter().map(|op| op.name()).collect();
	assert_eq!(names, ["Conv", "Expand", "Mul"]);
	let Op::Expand { x, y } = p.ops[1] else { unreachable!() };
	assert_eq!((x, y), (1, 2));
	assert_eq!(p.tensors[1].shape, [3, 1, 1]);
	assert_eq!(p.tensors[2].shape, [3, 4, 4]);
	assert_eq!(p.tensors[2].scale, p.tensors[1].scale, "an Expand keeps the quantization");
	let Op::Mul(m) = &p.ops[2] else { unreachable!() };
	assert_eq!((m.a, m.b), (2, 0), "the expanded gate times x, in the model's operand order");
}

#[test]
fn what_is_outside_the_elementwise_ops_is_refused_by_name() {
	// Shapes that do not broadcast: [2, 3] · [3, 2].
	let (t, inits) = qdq("t", "t.dq", 0.05, 128);
	let mut body = vec![with_ints(node("Transpose", &["x"], "t"), "perm", &[0, 2, 1])];
	body.extend(t);
	body.push(node("Mul", &["x", "t.dq"], "f"));
	let (name, op, why) = refusal(&model(&[2, 3], body, inits));
	assert_eq!((name.as_str(), op.as_str()), ("f", "Mul"));
	assert!(why.contains("do not broadcast"), "{why}");

	let (_, op, why) = refusal(&model(&[4], vec![node("Erf", &["x"], "f")], vec![]));
	assert_eq!(op, "Erf");
	assert!(why.contains("not in the supported set"), "{why}");

	let clip = vec![node("Clip", &["x", "lo", "hi"], "f")];
	let (_, _, why) = refusal(&model(&[4], clip, vec![scalar("lo", 2.0), scalar("hi", 1.0)]));
	assert!(why.contains("min ≤ max"), "{why}");

	let leaky = vec![with_float(node("LeakyRelu", &["x"], "f"), "alpha", f32::NAN)];
	let (_, _, why) = refusal(&model(&[4], leaky, vec![]));
	assert!(why.contains("finite"), "{why}");

	// Two functions with no QuantizeLinear between them.
	let chain = vec![node("Sigmoid", &["x"], "s"), node("Relu", &["s"], "f")];
	let (name, op, _) = refusal(&model(&[4], chain, vec![]));
	assert_eq!((name.as_str(), op.as_str()), ("f", "Relu"));
}

fn shape_const(name: &str, dims: &[i64]) -> TensorProto {
	TensorProto {
		name: name.into(),
		dims: vec![dims.len() as i64],
		data_type: dtype::INT64,
		int64_data: dims.to_vec(),
		..Default::default()
	}
}

#[test]
fn a_float_result_reshaped_before_its_quantize_is_quantized_then_reshaped() {
	// quantize_static leaves HardSwish in float, so a Flatten after it reads a float result.
	let body = vec![node("HardSwish", &["x"], "h"), node("Flatten", &["h"], "f")];
	let p = compile(&model(&[2, 3, 3], body, vec![])).unwrap().program;
	let names: Vec<_> = p.ops.iter().map(|op| op.name()).collect();
	assert_eq!(names, ["Lookup", "Reshape"]);
	assert_eq!(p.tensors[1].shape, [2, 3, 3]);
	assert_eq!(p.tensors[2].shape, [18]);
	let quantization = |t: usize| (p.tensors[t].scale, p.tensors[t].zero_point);
	assert_eq!(quantization(1), quantization(2), "both in the QuantizeLinear's quantization");
}

#[test]
fn a_reshape_dimension_of_zero_copies_the_input_dimension() {
	let reshaped = |to: &[i64]| {
		let body = vec![node("Reshape", &["x", "to"], "f")];
		let bytes = model_out(&[2, 3, 4], body, vec![shape_const("to", to)], (0.05, 128));
		compile(&bytes).map(|c| c.program.tensors.last().unwrap().shape.clone())
	};
	assert_eq!(reshaped(&[0, 0, -1]).unwrap(), [2, 12], "[N, 2, 3, 4] → [N, 2, 12]");
	assert_eq!(reshaped(&[-1, 0, 4, 3]).unwrap(), [2, 4, 3], "[N, 2, 3, 4] → [N, 2, 4, 3]");
	assert_eq!(reshaped(&[0, 24]).unwrap(), [24]);
	assert!(reshaped(&[0, -1, -1]).is_err(), "two -1");
	assert!(reshaped(&[0, 5, -1]).is_err(), "24 is not a multiple of 5");
	assert!(reshaped(&[0, 0, 0, 0, 0]).is_err(), "a 0 past the input's rank");
	assert!(reshaped(&[0, i64::MAX, 2]).is_err(), "a dimension beyond u32");
}

#[test]
fn an_activation_times_a_constant_is_one_table_and_a_tensor_constant_is_refused() {
	let constant = |name: &str, bytes: Vec<u8>| {
		let dims = if bytes.len() == 1 { vec![] } else { vec![bytes.len() as i64] };
		vec![
			TensorProto {
				name: format!("{name}.q"),
				dims,
				data_type: dtype::UINT8,
				raw_data: bytes,
				..Default::default()
			},
			scalar(&format!("{name}.s"), 0.02),
			zero_point(&format!("{name}.zp"), 128),
		]
	};
	let dq = node("DequantizeLinear", &["c.q", "c.s", "c.zp"], "c");
	// x · 1.0 (byte 178 is (178 − 128) · 0.02): the table is the identity into the output's
	// quantization, which here is x's.
	let body = vec![dq.clone(), node("Mul", &["c", "x"], "f")];
	let bytes = model_out(&[3], body, constant("c", vec![178]), (0.05, 128));
	let p = compile(&bytes).unwrap().program;
	let [Op::Lookup(l)] = &p.ops[..] else { panic!("ops: {:?}", p.ops) };
	assert!(l.table.iter().enumerate().all(|(i, &b)| b as usize == i), "{:?}", l.table);
	// x + 1.0 shifts every value by 20 steps of 0.05, saturating at the top.
	let body = vec![dq.clone(), node("Add", &["x", "c"], "f")];
	let bytes = model_out(&[3], body, constant("c", vec![178]), (0.05, 128));
	let p = compile(&bytes).unwrap().program;
	let [Op::Lookup(l)] = &p.ops[..] else { panic!("ops: {:?}", p.ops) };
	assert_eq!((l.table[0], l.table[100], l.table[235], l.table[255]), (20, 120, 255, 255));

	let body = vec![dq, node("Mul", &["x", "c"], "f")];
	let (name, _, why) = refusal(&model(&[3], body, constant("c", vec![178, 180, 190])));
	assert_eq!(name, "f");
	assert!(why.contains("one uint8 or int8 value"), "{why}");
}

#[test]
fn arithmetic_with_a_float_constant_is_one_table() {
	// 2.0 / (x − 1.0), the difference quantized between the two float ops.
	let (mid, inits) = qdq("d", "d.dq", 0.05, 128);
	let mut body = vec![node("Sub", &["x", "one"], "d")];
	body.extend(mid);
	body.push(node("Div", &["two", "d.dq"], "f"));
	let mut inits = inits;
	inits.extend([scalar("one", 1.0), scalar("two", 2.0)]);
	let p = compile(&model_out(&[3], body, inits, (0.05, 128))).unwrap().program;
	let names: Vec<_> = p.ops.iter().map(|op| op.name()).collect();
	assert_eq!(names, ["Lookup", "Lookup"]);
	let (Op::Lookup(sub), Op::Lookup(div)) = (&p.ops[0], &p.ops[1]) else { unreachable!() };
	// x − 1.0 moves 20 steps of 0.05 down: byte 148 (1.0) becomes 128 (0.0).
	assert_eq!(sub.table[148], 128);
	assert_eq!(sub.table[10], 0, "saturates at the bottom");
	// 2.0 / d: d = 0.5 (byte 138) gives 4.0 (byte 208); d = 0 gives +∞, the top.
	assert_eq!(div.table[138], 208);
	assert_eq!(div.table[128], 255);

	let body = vec![node("Div", &["x", "x"], "f")];
	let (_, op, why) = refusal(&model(&[3], body, vec![]));
	assert_eq!(op, "Div");
	assert!(why.contains("float constant"), "{why}");
}

fn with_int(mut n: NodeProto, name: &str, i: i64) -> NodeProto {
	n.attribute.push(AttributeProto { name: name.into(), i, r#type: 2, ..Default::default() });
	n
}

/// `bytes` with `edit` applied to the decoded model.
fn edited(bytes: &[u8], edit: impl FnOnce(&mut ModelProto)) -> Vec<u8> {
	let mut m = ModelProto::decode(bytes).unwrap();
	edit(&mut m);
	m.encode_to_vec()
}

#[test]
fn a_softmax_is_one_op_with_onnxruntimes_exponentials() {
	// Rows along the last axis (opset 13's default), quantized as quantize_static quantizes a
	// softmax (scale 1/256, zero point 0).
	let body = vec![node("Softmax", &["x"], "f")];
	let bytes = model_out(&[3, 10], body, vec![], (1.0 / 256.0, 0));
	let p = compile(&bytes).unwrap().program;
	let [Op::Softmax(s)] = &p.ops[..] else { panic!("ops: {:?}", p.ops) };
	assert_eq!(s.axis, 1);
	assert_eq!(f32::from_bits(s.scale), 256.0, "floor(1 / s_y)");
	// One step of the input (scale 0.05) is a factor e^0.05 between neighbouring entries.
	let e = |i: usize| f32::from_bits(s.exp[i]) as f64;
	for i in 1..256 {
		assert!((e(i - 1) / e(i) - (-0.05f64).exp()).abs() < 1e-6, "entry {i}");
	}
	// The largest entry, summed over a row of 10, stays e^5 below f32's largest value.
	let headroom = f32::MAX as f64 / (e(255) * 10.0);
	assert!((headroom / 5f64.exp() - 1.0).abs() < 1e-4, "headroom {headroom}");

	// Any axis after the batch one, negative or not.
	let body = vec![with_int(node("Softmax", &["x"], "f"), "axis", -2)];
	let bytes = model_out(&[3, 10], body, vec![], (1.0 / 256.0, 0));
	let p = compile(&bytes).unwrap().program;
	assert!(matches!(&p.ops[..], [Op::Softmax(s)] if s.axis == 0), "{:?}", p.ops);
}

#[test]
fn before_opset_13_a_softmax_flattens_the_axes_from_its_axis_on() {
	let body = vec![with_int(node("Softmax", &["x"], "f"), "axis", 1)];
	let bytes = model_out(&[2, 3, 4], body, vec![], (1.0 / 256.0, 0));
	let bytes = edited(&bytes, |m| m.opset_import[0].version = 11);
	let p = compile(&bytes).unwrap().program;
	let [Op::Reshape { .. }, Op::Softmax(s), Op::Reshape { .. }] = &p.ops[..] else {
		panic!("ops: {:?}", p.ops)
	};
	assert_eq!(p.tensors[s.x as usize].shape, [24], "one row of every value of a sample");
	assert_eq!(p.output().shape, [2, 3, 4]);
}

#[test]
fn a_softmax_across_samples_or_between_types_is_refused_by_name() {
	let body = vec![with_int(node("Softmax", &["x"], "f"), "axis", 0)];
	let (node_name, op, why) = refusal(&model(&[10], body, vec![]));
	assert_eq!((node_name.as_str(), op.as_str()), ("f", "Softmax"));
	assert!(why.contains("batch"), "{why}");

	// uint8 in, int8 out: onnxruntime computes that pair in float, outside the op set.
	let body = vec![node("Softmax", &["x"], "f")];
	let bytes = model_out(&[10], body, vec![], (1.0 / 256.0, 0));
	let bytes = edited(&bytes, |m| {
		let graph = m.graph.as_mut().unwrap();
		let zp = graph.initializer.iter_mut().find(|t| t.name == "y.zp").unwrap();
		(zp.data_type, zp.raw_data) = (dtype::INT8, vec![0x80]);
	});
	let (node_name, op, why) = refusal(&bytes);
	assert_eq!((node_name.as_str(), op.as_str()), ("f", "Softmax"));
	assert!(why.contains("same element type"), "{why}");
}

#[test]
fn a_matmul_of_two_activations_is_one_op_and_of_constant_weights_a_convolution_per_position() {
	// x · xᵀ per sample: [4, 3] by [3, 4], the transpose quantized between them.
	let (mid, inits) = qdq("xt.f", "xt", 0.05, 128);
	let mut body = vec![with_ints(node("Transpose", &["x"], "xt.f"), "perm", &[0, 2, 1])];
	body.extend(mid);
	body.push(node("MatMul", &["x", "xt"], "f"));
	let p = compile(&model(&[4, 3], body, inits)).unwrap().program;
	let [Op::Transpose { .. }, Op::MatMul(m)] = &p.ops[..] else { panic!("ops: {:?}", p.ops) };
	assert_eq!(p.tensors[m.y as usize].shape, [4, 4]);
	// S = f32(s_a · s_b) / s_y = 0.05 · 0.05 / 0.01.
	assert_eq!(m.multiplier, (0.05f32 * 0.05 / 0.01).to_bits());
	assert_eq!(m.clamp, [0, 255]);

	// [3, 4] by constant weights [4, 5]: a 1×1 convolution of [4, 3] between two transposes.
	let weights = TensorProto {
		name: "w.q".into(),
		dims: vec![4, 5],
		data_type: dtype::INT8,
		raw_data: (0..20u8).collect(),
		..Default::default()
	};
	let w_zp = TensorProto { data_type: dtype::INT8, ..zero_point("w.zp", 0) };
	let inits = vec![weights, scalar("w.s", 0.01), w_zp];
	let body = vec![
		node("DequantizeLinear", &["w.q", "w.s", "w.zp"], "w"),
		node("MatMul", &["x", "w"], "f"),
	];
	let p = compile(&model(&[3, 4], body, inits)).unwrap().program;
	let [Op::Transpose { perm: to, .. }, Op::Conv(c), Op::Transpose { perm: back, .. }] =
		&p.ops[..]
	else {
		panic!("ops: {:?}", p.ops)
	};
	assert_eq!((to.as_slice(), back.as_slice()), (&[1u8, 0][..], &[1u8, 0][..]));
	assert_eq!(p.tensors[c.y as usize].shape, [5, 3], "5 channels at each of 3 positions");
	assert_eq!(p.output().shape, [3, 5]);
	// Output channel 1 (column 1 of [K, N] row-major) reads weights 1, 6, 11, 16.
	assert_eq!(&c.weight[4..8], &[1, 6, 11, 16]);
}

#[test]
fn a_matmul_whose_operands_do_not_chain_is_refused_by_name() {
	// [4, 3] by [4, 3]: K = 3 does not meet the right operand's 4 rows.
	let body = vec![node("MatMul", &["x", "x"], "f")];
	let (node_name, op, why) = refusal(&model(&[4, 3], body, vec![]));
	assert_eq!((node_name.as_str(), op.as_str()), ("f", "MatMul"));
	assert!(why.contains("[.., M, K] by [.., K, N]"), "{why}");
}

#[test]
fn projections_of_one_sequence_share_one_transpose_of_it() {
	// q = x·W₁ and k = x·W₂ of one [3, 4] input, added: the input is moved to [4, 3] once.
	let weights = |name: &str| TensorProto {
		name: name.into(),
		dims: vec![4, 5],
		data_type: dtype::INT8,
		raw_data: (0..20u8).collect(),
		..Default::default()
	};
	let w_zp = TensorProto { data_type: dtype::INT8, ..zero_point("w.zp", 0) };
	let mut inits = vec![weights("w1.q"), weights("w2.q"), scalar("w.s", 0.01), w_zp];
	let mut body = vec![
		node("DequantizeLinear", &["w1.q", "w.s", "w.zp"], "w1"),
		node("DequantizeLinear", &["w2.q", "w.s", "w.zp"], "w2"),
		node("MatMul", &["x", "w1"], "q.f"),
		node("MatMul", &["x", "w2"], "k.f"),
	];
	for (from, to) in [("q.f", "q"), ("k.f", "k")] {
		let (nodes, i) = qdq(from, to, 0.05, 128);
		body.extend(nodes);
		inits.extend(i);
	}
	body.push(node("Add", &["q", "k"], "f"));
	let p = compile(&model(&[3, 4], body, inits)).unwrap().program;
	let moves_of_input = p.ops.iter().filter(|op| matches!(op, Op::Transpose { x: 0, .. })).count();
	assert_eq!(
		moves_of_input,
		1,
		"ops: {:?}",
		p.ops.iter().map(|op| op.name()).collect::<Vec<_>>()
	);
}

fn floats(name: &str, dims: &[i64], v: &[f32]) -> TensorProto {
	TensorProto {
		name: name.into(),
		dims: dims.to_vec(),
		data_type: dtype::FLOAT,
		float_data: v.to_vec(),
		..Default::default()
	}
}

fn with_string(mut n: NodeProto, name: &str, s: &str) -> NodeProto {
	n.attribute.push(AttributeProto {
		name: name.into(),
		s: s.as_bytes().to_vec(),
		r#type: 3,
		..Default::default()
	});
	n
}

#[test]
fn a_layer_normalization_is_one_op_with_its_constants_in_integer_units() {
	// Rows of the last axis of [3, 4]; γ quantized per tensor as quantize_static writes a
	// weight (int8 bytes and their DequantizeLinear), β a float constant.
	let gamma_q = TensorProto {
		name: "g.q".into(),
		dims: vec![4],
		data_type: dtype::INT8,
		raw_data: [10i8, 20, -30, 127].iter().map(|&v| v as u8).collect(),
		..Default::default()
	};
	let gamma_zp = TensorProto {
		name: "g.zp".into(),
		data_type: dtype::INT8,
		raw_data: vec![0],
		..Default::default()
	};
	let inits =
		vec![gamma_q, scalar("g.s", 0.01), gamma_zp, floats("b", &[4], &[0.0, 0.5, -0.25, 1.0])];
	let body = vec![
		node("DequantizeLinear", &["g.q", "g.s", "g.zp"], "g"),
		with_float(node("LayerNormalization", &["x", "g", "b"], "f"), "epsilon", 1e-3),
	];
	let bytes = model_out(&[3, 4], body, inits, (0.02, 128));
	let p = compile(&bytes).unwrap().program;
	let [Op::LayerNorm(l)] = &p.ops[..] else { panic!("ops: {:?}", p.ops) };
	assert_eq!(l.axis, 1, "the last axis of [3, 4]");
	let gain: Vec<f32> = l.gain.iter().map(|&b| f32::from_bits(b)).collect();
	let offset: Vec<f32> = l.offset.iter().map(|&b| f32::from_bits(b)).collect();
	// γ / s_y and β / s_y.
	for (k, (g, o)) in
		[(0.1f32, 0.0f32), (0.2, 25.0), (-0.3, -12.5), (1.27, 50.0)].iter().enumerate()
	{
		assert!((gain[k] - g / 0.02).abs() < 1e-4, "gain {k}: {}", gain[k]);
		assert!((offset[k] - o).abs() < 1e-4, "offset {k}: {}", offset[k]);
	}
	// ε · L² / s_x²: 1e-3 · 16 / 0.05².
	assert!((f32::from_bits(l.epsilon) - 6.4).abs() < 1e-5);

	// A row over both axes (axis 1 of the full shape), and no bias.
	let body = vec![with_int(node("LayerNormalization", &["x", "g"], "f"), "axis", 1)];
	let bytes = model_out(&[3, 4], body, vec![floats("g", &[3, 4], &[1.0; 12])], (0.02, 128));
	let p = compile(&bytes).unwrap().program;
	let [Op::LayerNorm(l)] = &p.ops[..] else { panic!("ops: {:?}", p.ops) };
	assert_eq!((l.axis, l.gain.len()), (0, 12));
	assert!(l.offset.iter().all(|&b| b == 0));
}

#[test]
fn a_layer_normalization_outside_the_rule_is_refused_by_name() {
	let gamma = || floats("g", &[4], &[1.0; 4]);
	let cases: Vec<(NodeProto, Vec<TensorProto>, &str)> = vec![
		// Across samples.
		(
			with_int(node("LayerNormalization", &["x", "g"], "f"), "axis", 0),
			vec![gamma()],
			"after the batch axis",
		),
		// γ of the wrong size.
		(
			node("LayerNormalization", &["x", "g"], "f"),
			vec![floats("g", &[3], &[1.0; 3])],
			"a row has 4",
		),
		// γ an activation, not a constant.
		(node("LayerNormalization", &["x", "x"], "f"), vec![], "must be a constant"),
		// A negative ε.
		(
			with_float(node("LayerNormalization", &["x", "g"], "f"), "epsilon", -1.0),
			vec![gamma()],
			"non-negative",
		),
	];
	for (n, inits, want) in cases {
		let (name, op, why) = refusal(&model(&[4], vec![n], inits));
		assert_eq!((name.as_str(), op.as_str()), ("f", "LayerNormalization"));
		assert!(why.contains(want), "{why}");
	}
	// The Mean output in use.
	let mut n = node("LayerNormalization", &["x", "g"], "f");
	n.output.push("mean".into());
	let (_, _, why) = refusal(&model(&[4], vec![n], vec![gamma()]));
	assert!(why.contains("only the normalized output"), "{why}");
}

#[test]
fn gelu_is_a_table_in_both_forms() {
	let with_opset_20 = |bytes: Vec<u8>| edited(&bytes, |m| m.opset_import[0].version = 20);
	for approximate in [None, Some("tanh")] {
		let n = node("Gelu", &["x"], "f");
		let n = match approximate {
			Some(a) => with_string(n, "approximate", a),
			None => n,
		};
		let p = compile(&with_opset_20(model(&[4], vec![n], vec![]))).unwrap().program;
		let [Op::Lookup(l)] = &p.ops[..] else { panic!("ops: {:?}", p.ops) };
		// Inputs −6.4 ..= 6.35 (scale 0.05, zero point 128) into scale 0.01, zero point 0:
		// GELU(0) = 0, GELU(v) ≈ v for large v (6.35 saturates at 2.55), ≈ 0 for very
		// negative v.
		assert_eq!(l.table[128], 0);
		assert_eq!(l.table[255], 255);
		assert_eq!(l.table[0], 0);
		// GELU(1) = 0.8413 → 84.
		assert_eq!(l.table[148], 84, "{approximate:?}");
	}
	let n = with_string(node("Gelu", &["x"], "f"), "approximate", "fast");
	let (_, op, why) = refusal(&with_opset_20(model(&[4], vec![n], vec![])));
	assert_eq!(op, "Gelu");
	assert!(why.contains("approximate"), "{why}");
}

/// A token embedding as quantize_static writes one: int64 ids `[5]`, a uint8 table of `rows ×
/// 4` and its DequantizeLinear, the Gather, its QuantizeLinear and DequantizeLinear.
fn embedding(rows: i64, edit: impl FnOnce(&mut NodeProto)) -> Vec<u8> {
	let table = TensorProto {
		name: "t.q".into(),
		dims: vec![rows, 4],
		data_type: dtype::UINT8,
		raw_data: (0..rows * 4).map(|i| (i * 7 % 256) as u8).collect(),
		..Default::default()
	};
	let mut gather = node("Gather", &["t", "ids"], "f");
	edit(&mut gather);
	let (out, out_inits) = qdq("f", "y", 0.02, 128);
	let mut nodes = vec![node("DequantizeLinear", &["t.q", "t.s", "t.zp"], "t"), gather];
	nodes.extend(out);
	let mut inits = vec![table, scalar("t.s", 0.02), zero_point("t.zp", 128)];
	inits.extend(out_inits);
	let mut input = value("ids", &[5]);
	input.r#type.as_mut().unwrap().tensor_type.as_mut().unwrap().elem_type = dtype::INT64;
	encode(GraphProto {
		node: nodes,
		name: "embedding".into(),
		initializer: inits,
		input: vec![input],
		output: vec![value("y", &[5, 4])],
	})
}

#[test]
fn a_token_embedding_is_one_gather_whose_input_is_the_ids() {
	let p = compile(&embedding(10, |_| {})).unwrap().program;
	let [Op::Gather(g)] = &p.ops[..] else { panic!("ops: {:?}", p.ops) };
	assert_eq!((g.x, g.rows, g.table.len()), (0, 10, 40));
	assert!(p.takes_token_ids());
	assert_eq!(p.input().shape, [5]);
	assert_eq!(p.output().shape, [5, 4]);
	// The output keeps the table's quantization, so its table is the model's bytes.
	assert_eq!(g.table[..4], [0, 7, 14, 21]);
	// And ids arrive as integers: a float batch is refused, an id over 255 too.
	use aipin_compiler::{files::batch_from, npy};
	let ids = |data| npy::Array { shape: vec![1, 5], data };
	let (batch, bytes) = batch_from(&p, &ids(npy::Data::I64(vec![0, 9, 3, 255, 1]))).unwrap();
	assert_eq!((batch, bytes), (1, vec![0, 9, 3, 255, 1]));
	let err = batch_from(&p, &ids(npy::Data::I64(vec![0, 256, 3, 2, 1]))).unwrap_err();
	assert!(err.to_string().contains("token id 256"), "{err}");
	let err = batch_from(&p, &ids(npy::Data::F32(vec![0.0; 5]))).unwrap_err();
	assert!(err.to_string().contains("token ids"), "{err}");
}

#[test]
fn a_gather_outside_token_embeddings_is_refused_by_name() {
	let (name, op, why) = refusal(&embedding(300, |_| {}));
	assert_eq!((name.as_str(), op.as_str()), ("f", "Gather"));
	assert!(why.contains("at most 256"), "{why}");
	let (_, _, why) = refusal(&embedding(10, |n| {
		n.attribute.push(AttributeProto {
			name: "axis".into(),
			i: 1,
			r#type: 2,
			..Default::default()
		})
	}));
	assert!(why.contains("axis 0"), "{why}");
	// Indices that are not the model's ids: a Gather of the table by itself.
	let (_, _, why) = refusal(&embedding(10, |n| n.input[1] = "t".into()));
	assert!(why.contains("token-id input"), "{why}");
}
