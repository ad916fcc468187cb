//! Elementwise functions of one activation (`DQ → Sigmoid|Tanh|LeakyRelu|… → Q`, and arithmetic
//! with one float constant), lowered to a [`Lookup`](aipin_kernels::inference::program::Lookup)
//! table.
//!
//! An int8 activation has 256 values, so such a function is exactly its 256 results. Each
//! entry is what onnxruntime computes for that byte: DequantizeLinear
//! ([`crate::dequantize_linear`]), the function in binary32 as onnxruntime's CPU kernel for
//! it computes it ([`Unary::eval`]), QuantizeLinear ([`crate::quantize_linear`]). Whether
//! onnxruntime fuses the group into its `QLinearSigmoid`/`QLinearLeakyRelu` (a table built
//! the same way) or runs it in float, the bytes are the same.
//!
//! Every step below is one IEEE-754 binary32 operation (`mul_add` is the correctly rounded
//! fused multiply-add), so the table is the same on any machine that compiles the model.

use crate::{
	lower::{unsupported, Lowering, Value},
	onnx::{attr, float_values, NodeProto},
	pending::PendingKind,
	CompileError,
};
use aipin_kernels::inference::program::Tensor;

/// A supported elementwise function, with its attributes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Unary {
	/// `max(v, 0)`.
	Relu,
	/// `min(max(v, min), max)`.
	Clip { min: f32, max: f32 },
	/// `v` when `v ≥ 0`, else `alpha · v`.
	LeakyRelu { alpha: f32 },
	/// MLAS's logistic kernel ([`logistic`]).
	Sigmoid,
	/// MLAS's hyperbolic tangent kernel ([`tanh`]).
	Tanh,
	/// `max(min(alpha · v + beta, 1), 0)`, unfused.
	HardSigmoid { alpha: f32, beta: f32 },
	/// ONNX's function body: `v · HardSigmoid(v)` with `alpha = 1/6`, `beta = 1/2`.
	HardSwish,
	/// onnxruntime's `Gelu` (opset 20): `(v / 2) · (1 + erf(v / √2))` with MLAS's error
	/// function ([`erf`]), or with `approximate = "tanh"`,
	/// `(v / 2) · (1 + tanh(v · (C · v · v + B)))` with MLAS's hyperbolic tangent.
	Gelu { tanh: bool },
	/// Arithmetic with one float constant (an initializer that no QuantizeLinear reads, so
	/// onnxruntime computes the op in float): `v ∘ c`, or `c ∘ v` when the constant is the
	/// first operand.
	Arith { op: ArithOp, c: f32, constant_first: bool },
}

/// The operator of [`Unary::Arith`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArithOp {
	Add,
	Sub,
	Mul,
	Div,
}

/// The rational approximation both MLAS kernels below share, one lane: `v` clamped to
/// `±bound` (`maxps`/`minps` with the constant first: a NaN input comes out as the bound),
/// `p = v · P(v²)` and `q = Q(v²)` by Horner's rule with fused multiply-adds (`alpha` and
/// `beta` highest degree first), then `p / q`.
fn rational(v: f32, bound: f32, alpha: &[f32], beta: &[f32]) -> f32 {
	let v = if v > -bound { v } else { -bound };
	let v = if v < bound { v } else { bound };
	let v2 = v * v;
	let horner =
		|c: &[f32]| c[2..].iter().fold(v2.mul_add(c[0], c[1]), |acc, &k| v2.mul_add(acc, k));
	(v * horner(alpha)) / horner(beta)
}

/// onnxruntime's `MlasLogisticKernelFma3` (x86-64 with AVX2 and FMA, what the reference runs),
/// one lane: Eigen's rational approximation on the input clamped to ±18,
/// `p = v · P(v²)`, `q = Q(v²)` by Horner's rule with fused multiply-adds, then
/// `max(p / q + 1/2, 0)`.
fn logistic(v: f32) -> f32 {
	// The decimal literals of MLAS's `MlasLogisticConstants`, as written there (each names
	// one binary32 value), so that they can be checked against it at a glance.
	#[allow(clippy::excessive_precision)]
	const ALPHA: [f32; 5] = [
		4.37031012579801e-11,
		1.15627324459942e-07,
		6.08574864600143e-05,
		8.51377133304701e-03,
		2.48287947061529e-01,
	];
	#[allow(clippy::excessive_precision)]
	const BETA: [f32; 6] = [
		6.10247389755681e-13,
		5.76102136993427e-09,
		6.29106785017040e-06,
		1.70198817374094e-03,
		1.16817656904453e-01,
		9.93151921023180e-01,
	];
	let r = rational(v, 18.0, &ALPHA, &BETA) + 0.5;
	if r > 0.0 {
		r
	} else {
		0.0
	}
}

/// onnxruntime's float `Tanh` on x86-64 with AVX2 and FMA (`MlasComputeTanh`), one lane:
/// Eigen's rational approximation on the input clamped to ±9, `p = v · P(v²)` (degree 13),
/// `q = Q(v²)` (degree 6) by Horner's rule with fused multiply-adds, then `p / q`. Checked
/// against onnxruntime 1.32 on 120,005 inputs in ±12 (0 differ; the same steps unfused
/// differ on 42% of them), and on every table entry by `models/fuzz_ort.py`.
fn tanh(v: f32) -> f32 {
	// `MlasTanhConstants`, as written there.
	#[allow(clippy::excessive_precision)]
	const ALPHA: [f32; 7] = [
		-2.76076847742355e-16,
		2.00018790482477e-13,
		-8.60467152213735e-11,
		5.12229709037114e-08,
		1.48572235717979e-05,
		6.37261928875436e-04,
		4.89352455891786e-03,
	];
	#[allow(clippy::excessive_precision)]
	const BETA: [f32; 4] =
		[1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03, 4.89352518554385e-03];
	rational(v, 9.0, &ALPHA, &BETA)
}

/// onnxruntime's float `Erf` on x86-64 with AVX2 and FMA (`MlasErfKernelFma3`), one lane.
/// On `a = min(|v|, 3.725)`: below `0.921875`, `a + a · P(a²)` (an odd polynomial); from it
/// on, `1 − exp(−(a + a · Q(a)))` with MLAS's own exponential (a range reduction by `ln 2`
/// rounded through the constant `1.5 · 2^23`, a degree-6 polynomial, a scaling by a power of
/// two); the sign of `v` copied onto the result. Every step is one binary32 operation or one
/// fused multiply-add, in the kernel's order.
// MLAS's decimal literals, as written there (each names one binary32 value).
#[allow(clippy::excessive_precision)]
fn erf(v: f32) -> f32 {
	// `MlasErfConstants`, as written there.
	const SMALL: [f32; 6] = [
		-5.99104969e-4,
		4.99339588e-3,
		-2.67667342e-2,
		1.12818025e-1,
		-3.76124859e-1,
		1.28379151e-1,
	];
	const BIG: [f32; 7] = [
		1.72948930e-5,
		-3.83208680e-4,
		3.88393435e-3,
		-2.42545605e-2,
		1.06777847e-1,
		6.34846687e-1,
		1.28717512e-1,
	];
	const EXP: [f32; 7] =
		[1.38319808e-3, 8.37550033e-3, 4.16689515e-2, 1.66664466e-1, 4.99999851e-1, 1.0, 1.0];
	const LOWER: f32 = -88.3762626647949;
	// MLAS writes 1.44269504088896341f: log2(e), the same binary32 value.
	const LOG2_RECIPROCAL: f32 = core::f32::consts::LOG2_E;
	const LOG2_HI: f32 = -6.93145752e-1;
	const LOG2_LO: f32 = -1.42860677e-6;
	const ROUNDER: f32 = 1.25829120e+7;
	let sign = v.to_bits() & 0x8000_0000;
	// `vminps` with the bound second: a NaN comes out as the bound.
	let a = f32::from_bits(v.to_bits() & 0x7fff_ffff);
	let a = if a < 3.725 { a } else { 3.725 };
	let horner = |c: &[f32], x: f32| c[1..].iter().fold(c[0], |r, &k| r.mul_add(x, k));
	let r = if a < 0.921875 {
		horner(&SMALL, a * a).mul_add(a, a)
	} else {
		let e = -horner(&BIG, a).mul_add(a, a);
		let e = if e > LOWER { e } else { LOWER };
		let n = LOG2_RECIPROCAL.mul_add(e, ROUNDER) - ROUNDER;
		let f = n.mul_add(LOG2_LO, n.mul_add(LOG2_HI, e));
		// `n` is an integer in [−128, 0]: 2^n has the biased exponent `n + 127`.
		let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
		1.0 - horner(&EXP, f) * scale
	};
	f32::from_bits(r.to_bits() | sign)
}

/// onnxruntime's `Gelu` kernel (opset 20), one element: `x / √2` (as a binary32 product),
/// the error function or, with `approximate = "tanh"`, `tanh(x · (C · x · x + B))`, then
/// `0.5 · x · (t + 1)`, left to right.
#[allow(clippy::excessive_precision)]
fn gelu(v: f32, tanh_approximation: bool) -> f32 {
	let t = if tanh_approximation {
		const B: f32 = 0.7978845608028654;
		const C: f32 = 0.035677408136300125;
		tanh(v * (C * v * v + B))
	} else {
		erf(v * core::f32::consts::FRAC_1_SQRT_2)
	};
	0.5 * v * (t + 1.0)
}

impl Unary {
	/// The function, as onnxruntime's CPU kernel computes it in binary32.
	pub(crate) fn eval(self, v: f32) -> f32 {
		match self {
			Self::Relu => v.max(0.0),
			Self::Clip { min, max } => v.max(min).min(max),
			Self::LeakyRelu { alpha } => {
				if v >= 0.0 {
					v
				} else {
					alpha * v
				}
			},
			Self::Sigmoid => logistic(v),
			Self::Tanh => tanh(v),
			Self::HardSigmoid { alpha, beta } => (alpha * v + beta).clamp(0.0, 1.0),
			Self::HardSwish => v * Self::HardSigmoid { alpha: 1.0 / 6.0, beta: 0.5 }.eval(v),
			Self::Gelu { tanh } => gelu(v, tanh),
			Self::Arith { op, c, constant_first } => {
				let (a, b) = if constant_first { (c, v) } else { (v, c) };
				match op {
					ArithOp::Add => a + b,
					ArithOp::Sub => a - b,
					ArithOp::Mul => a * b,
					ArithOp::Div => a / b,
				}
			},
		}
	}

	/// The 256-entry table from `x`'s quantization into `y`'s.
	pub(crate) fn table(self, x: &Tensor, y: &Tensor) -> Vec<u8> {
		(0..=255u8)
			.map(|b| crate::quantize_linear(y, self.eval(crate::dequantize_linear(x, b))))
			.collect()
	}

	/// The function a node computes, with its attributes (ONNX defaults where absent).
	fn of(lowering: &Lowering, node: &NodeProto) -> Result<Self, CompileError> {
		let float = |name: &str, default: f32| attr(node, name).map(|a| a.f).unwrap_or(default);
		let f = match node.op_type.as_str() {
			"Relu" => Self::Relu,
			"Sigmoid" => Self::Sigmoid,
			"Tanh" => Self::Tanh,
			"LeakyRelu" => Self::LeakyRelu { alpha: float("alpha", 0.01) },
			"HardSigmoid" => {
				Self::HardSigmoid { alpha: float("alpha", 0.2), beta: float("beta", 0.5) }
			},
			"HardSwish" => Self::HardSwish,
			"Gelu" => match attr(node, "approximate").map(|a| a.s.as_slice()) {
				None | Some(b"none") => Self::Gelu { tanh: false },
				Some(b"tanh") => Self::Gelu { tanh: true },
				Some(other) => {
					return Err(unsupported(
						node,
						format!("approximate = `{}`", String::from_utf8_lossy(other)),
					))
				},
			},
			"Clip" => {
				// Opset 11 and later: optional constant inputs; before: attributes.
				let bound = |i: usize, name: &str, default: f32| -> Result<f32, CompileError> {
					match node.input.get(i).filter(|n| !n.is_empty()) {
						Some(_) => match lowering.get(node, i)? {
							Value::Const(t) => match float_values(t).as_deref() {
								Some([v]) => Ok(*v),
								_ => Err(unsupported(node, format!("`{name}` must be one float"))),
							},
							_ => Err(unsupported(node, format!("`{name}` must be a constant"))),
						},
						None => Ok(float(name, default)),
					}
				};
				let (min, max) = (bound(1, "min", f32::MIN)?, bound(2, "max", f32::MAX)?);
				if min.is_nan() || max.is_nan() || min > max {
					return Err(unsupported(node, "min and max must be numbers with min ≤ max"));
				}
				Self::Clip { min, max }
			},
			"Add" | "Sub" | "Mul" | "Div" => {
				let op = match node.op_type.as_str() {
					"Add" => ArithOp::Add,
					"Sub" => ArithOp::Sub,
					"Mul" => ArithOp::Mul,
					_ => ArithOp::Div,
				};
				let constant = |i: usize| match lowering.get(node, i) {
					Ok(Value::Const(t)) => match float_values(t).as_deref() {
						Some([c]) if c.is_finite() => Some(*c),
						_ => None,
					},
					_ => None,
				};
				match (constant(0), constant(1)) {
					(None, Some(c)) => Self::Arith { op, c, constant_first: false },
					(Some(c), None) => Self::Arith { op, c, constant_first: true },
					_ => {
						return Err(unsupported(
							node,
							"one operand must be a dequantized activation and the other one finite float constant",
						))
					},
				}
			},
			other => return Err(unsupported(node, format!("`{other}` is not an elementwise op"))),
		};
		let finite = match f {
			Self::LeakyRelu { alpha } => alpha.is_finite(),
			Self::HardSigmoid { alpha, beta } => alpha.is_finite() && beta.is_finite(),
			_ => true,
		};
		if !finite {
			return Err(unsupported(node, "attributes must be finite numbers"));
		}
		Ok(f)
	}
}

impl Lowering<'_> {
	/// An elementwise function of a dequantized activation, waiting for its QuantizeLinear.
	pub(crate) fn unary(&mut self, node: &NodeProto) -> Result<(), CompileError> {
		let f = Unary::of(self, node)?;
		let x = match f {
			Unary::Arith { constant_first: true, .. } => self.dq_input(node, 1)?,
			_ => self.dq_input(node, 0)?,
		};
		let out = self.tensors[x as usize].shape.clone();
		self.pending(node, PendingKind::Lookup { x, f, out })
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn logistic_is_a_sigmoid() {
		for i in -400..=400 {
			let v = i as f32 / 20.0;
			let exact = 1.0 / (1.0 + (-(v as f64)).exp());
			assert!((logistic(v) as f64 - exact).abs() < 2e-6, "σ({v}) = {}", logistic(v));
		}
		assert_eq!(logistic(0.0), 0.5);
		assert_eq!(logistic(f32::NAN), logistic(-18.0));
		assert!(logistic(1e30) <= 1.0 && logistic(-1e30) >= 0.0);
	}

	#[test]
	fn tanh_is_a_tanh() {
		for i in -400..=400 {
			let v = i as f32 / 20.0;
			assert!(((tanh(v) as f64) - (v as f64).tanh()).abs() < 2e-6, "tanh({v}) = {}", tanh(v));
			assert_eq!(tanh(-v), -tanh(v), "odd");
		}
		assert_eq!(tanh(0.0), 0.0);
		assert!(tanh(1e30) <= 1.0 && tanh(-1e30) >= -1.0);
	}

	#[test]
	fn hard_swish_is_its_function_body() {
		let f = Unary::HardSwish;
		assert_eq!(f.eval(-3.0), -0.0);
		assert_eq!(f.eval(3.0), 3.0);
		assert_eq!(f.eval(0.0), 0.0);
		assert_eq!(f.eval(1.5), 1.5 * (0.25f32 + 0.5));
	}

	#[test]
	fn erf_and_gelu_are_what_they_say() {
		// erf within MLAS's stated accuracy of the true function (libm in double here).
		for i in -500..=500 {
			let v = i as f32 / 100.0;
			let want = libm_erf(v as f64);
			assert!((erf(v) as f64 - want).abs() < 4e-7, "erf({v}) = {} vs {want}", erf(v));
		}
		assert_eq!(erf(0.0), 0.0);
		assert_eq!(erf(-2.0), -erf(2.0));
		assert_eq!(erf(100.0), erf(3.725), "clamped");
		assert!(erf(100.0) >= 0.9999999 && erf(f32::NAN) == erf(3.725));
		for i in -400..=400 {
			let v = i as f32 / 50.0;
			let exact = 0.5 * v as f64 * (1.0 + libm_erf(v as f64 / 2f64.sqrt()));
			assert!((gelu(v, false) as f64 - exact).abs() < 2e-6, "gelu({v})");
			assert!((gelu(v, true) as f64 - exact).abs() < 2e-3, "tanh gelu({v})");
		}
	}

	/// erf in double (Abramowitz and Stegun 7.1.26 is too coarse; this is the series and
	/// continued fraction, accurate far below the test's tolerance).
	fn libm_erf(x: f64) -> f64 {
		let a = x.abs();
		let r = if a < 3.0 {
			// Maclaurin series.
			let (mut term, mut sum, mut n) = (a, a, 0.0);
			while term.abs() > 1e-17 {
				n += 1.0;
				term *= -a * a / n;
				sum += term / (2.0 * n + 1.0);
			}
			sum * 2.0 / core::f64::consts::PI.sqrt()
		} else {
			// Continued fraction for erfc.
			let mut f = 0.0;
			for k in (1..60).rev() {
				f = (k as f64 / 2.0) / (a + f);
			}
			1.0 - (-a * a).exp() / core::f64::consts::PI.sqrt() / (a + f)
		};
		r.copysign(x)
	}
}
