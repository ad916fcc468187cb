//! Requantization: onnxruntime's f32 rule, computed with integers only.
//!
//! onnxruntime's CPU kernels (`QGemm`, `QLinearConv`, `QLinearMatMul`) turn an int32
//! accumulator into an 8-bit output as
//!
//! ```text
//! y = clamp(nearbyint(f32(f32(acc) · S)) + zp, lo, hi)
//! ```
//!
//! where `f32(·)` rounds to the nearest binary32 value, ties to even, and `S` is a binary32
//! constant (the compiler computes it once, as onnxruntime does: `f32(f32(sx · sw) / sy)`).
//! [`requantize`] computes exactly that value with integer operations, in four steps, each a
//! round-to-nearest-even of an integer mantissa ([`rne_shift`]):
//!
//! 1. `f32(acc)`: |acc| rounded to 24 significant bits, `m_a · 2^e_a`.
//! 2. `S = m_s · 2^e_s`, `m_s` its 24-bit significand (S is a positive normal number: the
//!    program check refuses anything else).
//! 3. `f32(f32(acc) · S)`: the exact product `m_a · m_s` (at most 48 bits) rounded to 24
//!    significant bits, `m_p · 2^e_p`. A product below 2⁻¹²⁶ would be subnormal in binary32,
//!    but any such value rounds to the integer 0 in step 4 either way.
//! 4. `nearbyint`: `m_p · 2^e_p` rounded to an integer, ties to even. A magnitude of 2¹⁶ or
//!    more is capped at 2¹⁶ (saturation: every clamp range lies within ±2¹⁶ of the zero
//!    point), and a shift of 25 or more gives 0 (the value is below ½).
//!
//! The sign is applied after step 4 (rounding to nearest is symmetric), then the zero point
//! is added and the result clamped. `docs/inference.md` states the same rule for other
//! implementers; the WGSL in `requant.wgsl` is a line-for-line transcription with 32-bit
//! halves for the 48-bit product.

/// `x / 2^sh` rounded to the nearest integer, ties to even. `sh` ≤ 63.
pub fn rne_shift(x: u64, sh: u32) -> u64 {
	if sh == 0 {
		return x;
	}
	let q = x >> sh;
	let rem = x & ((1u64 << sh) - 1);
	let half = 1u64 << (sh - 1);
	if rem > half || (rem == half && q & 1 == 1) {
		q + 1
	} else {
		q
	}
}

/// Bits needed to write `x` (0 for 0).
fn bit_len(x: u64) -> u32 {
	64 - x.leading_zeros()
}

/// `x` rounded to 24 significant bits: `(m, e)` with `x ≈ m · 2^e`, `m < 2^24`.
fn round24(x: u64) -> (u64, i32) {
	let n = bit_len(x);
	if n <= 24 {
		return (x, 0);
	}
	let sh = n - 24;
	let m = rne_shift(x, sh);
	if m == 1 << 24 {
		(1 << 23, sh as i32 + 1)
	} else {
		(m, sh as i32)
	}
}

/// Magnitudes at or above this saturate (see the module docs, step 4).
pub const SATURATE: u64 = 1 << 16;

/// Whether `bits` is a binary32 value [`requantize`] accepts as a scale: positive, normal,
/// finite.
pub fn valid_scale(bits: u32) -> bool {
	let exp = (bits >> 23) & 0xff;
	bits >> 31 == 0 && exp != 0 && exp != 0xff
}

/// `nearbyint(f32(f32(acc) · S))` as an integer, |·| capped at [`SATURATE`]. `s_bits` must
/// satisfy [`valid_scale`].
pub fn scale_round(acc: i32, s_bits: u32) -> i32 {
	let a = acc.unsigned_abs() as u64;
	if a == 0 {
		return 0;
	}
	let (m_a, e_a) = round24(a);
	let m_s = ((s_bits & 0x7f_ffff) | 0x80_0000) as u64;
	let e_s = ((s_bits >> 23) & 0xff) as i32 - 150;
	let (m_p, e) = round24(m_a * m_s);
	let e_p = e + e_a + e_s;
	let r = if e_p >= 0 {
		if e_p >= 17 {
			SATURATE
		} else {
			(m_p << e_p).min(SATURATE)
		}
	} else if e_p <= -25 {
		0
	} else {
		rne_shift(m_p, (-e_p) as u32).min(SATURATE)
	};
	if acc < 0 {
		-(r as i32)
	} else {
		r as i32
	}
}

/// The requantized output: `clamp(scale_round(acc, S) + zp, lo, hi)`.
pub fn requantize(acc: i32, s_bits: u32, zp: i32, lo: i32, hi: i32) -> i32 {
	(scale_round(acc, s_bits) + zp).clamp(lo, hi)
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The definition, with native floats (tests only): what onnxruntime computes.
	fn native(acc: i32, s: f32) -> i32 {
		let v = (acc as f32) * s;
		let r = v.round_ties_even();
		r.clamp(-(SATURATE as f32), SATURATE as f32) as i32
	}

	fn scales() -> Vec<f32> {
		let mut v = vec![
			1.0,
			0.5,
			0.75,
			1.5,
			f32::MIN_POSITIVE,
			f32::MAX,
			3.0e-5,
			0.0123,
			0.99999994,
			255.0,
			1.0 / 3.0,
		];
		let mut x = 0x1234_5678u32;
		for _ in 0..400 {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			// Exponents around the useful range [2^-30, 2^4].
			let exp = 97 + (x >> 8) % 34;
			v.push(f32::from_bits((exp << 23) | (x & 0x7f_ffff)));
		}
		v
	}

	fn accs() -> Vec<i32> {
		let mut v = vec![0, 1, -1, 2, 3, 127, -128, 1 << 24, (1 << 24) + 1, (1 << 24) + 3];
		v.extend([-(1 << 24) - 1, i32::MAX, i32::MIN, i32::MIN + 1, 16_777_217, 33_554_435]);
		let mut x = 0x9e37_79b9u32;
		for i in 0..2000 {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			v.push((x as i32) >> (i % 28));
		}
		v
	}

	#[test]
	fn equals_native_f32_arithmetic() {
		for s in scales() {
			for &acc in &accs() {
				assert_eq!(scale_round(acc, s.to_bits()), native(acc, s), "acc {acc} scale {s:e}");
			}
		}
	}

	#[test]
	fn ties_go_to_even() {
		assert_eq!(scale_round(1, 0.5f32.to_bits()), 0);
		assert_eq!(scale_round(3, 0.5f32.to_bits()), 2);
		assert_eq!(scale_round(5, 0.5f32.to_bits()), 2);
		assert_eq!(scale_round(-5, 0.5f32.to_bits()), -2);
		assert_eq!(scale_round(7, 0.5f32.to_bits()), 4);
		// f32(2^24 + 1) is 2^24 (ties to even) before the multiply: the double rounding.
		assert_eq!(scale_round((1 << 24) + 1, 1.0f32.to_bits()), SATURATE as i32);
		assert_eq!(scale_round((1 << 24) + 1, (1.0f32 / 256.0).to_bits()), 65536);
		assert_eq!(scale_round((1 << 24) + 3, (1.0f32 / 1024.0).to_bits()), 16384);
	}

	#[test]
	fn clamps_and_saturates() {
		assert_eq!(requantize(i32::MAX, 1.0f32.to_bits(), 0, 0, 255), 255);
		assert_eq!(requantize(i32::MIN, f32::MAX.to_bits(), 0, -128, 127), -128);
		assert_eq!(requantize(-40, 1.0f32.to_bits(), 10, 0, 255), 0);
		assert_eq!(requantize(17, 0.25f32.to_bits(), -128, -128, 127), -124);
		assert!(valid_scale(1.0f32.to_bits()));
		assert!(!valid_scale(0));
		assert!(!valid_scale((-1.0f32).to_bits()));
		assert!(!valid_scale(f32::INFINITY.to_bits()));
		assert!(!valid_scale(f32::NAN.to_bits()));
		assert!(!valid_scale(1));
	}
}
