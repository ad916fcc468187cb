//! The few binary32 operations onnxruntime's `QLinearAveragePool` and `QLinearSoftmax` perform,
//! and AiPIN's `LayerNorm` adds, computed with integers: addition, multiplication, division,
//! square root, and rounding to an integer. The WGSL in `softfloat.wgsl` is a transcription;
//! `docs/inference.md` is the normative text.
//!
//! Values are `f32` bit patterns (`u32`). For finite normal operands and results, every
//! operation is IEEE 754's, rounded to nearest, ties to even, bit for bit (the tests compare
//! with the CPU's own arithmetic over millions of operands). Outside that range AiPIN fixes its
//! own rule, so that every device still agrees on every input:
//! - a subnormal operand counts as zero of its sign, and a result below the normal range is
//!   zero of its sign (flush to zero);
//! - an infinite or NaN operand counts as the largest finite value of its sign, and a result
//!   above the normal range is that value (saturation).
//!
//! For real data none of this happens in `AvgPool` (its program check keeps the scales in range)
//! or in `Softmax` (a subnormal table entry is below half a unit in the last place of a sum
//! that is at least 1, and its share of the output rounds to the zero point either way).

const SIGN: u32 = 0x8000_0000;
const MANT: u32 = 0x007f_ffff;
const HIDDEN: u32 = 0x0080_0000;
/// The largest finite binary32 magnitude.
const MAX_FINITE: u32 = 0x7f7f_ffff;

/// `(sign, biased exponent, significand with its hidden bit)`, or `None` for a zero (or a
/// subnormal, which counts as zero). Infinities and NaNs count as the largest finite value.
fn unpack(a: u32) -> (u32, i32, u32, bool) {
	let s = a & SIGN;
	let e = ((a >> 23) & 0xff) as i32;
	match e {
		0 => (s, 0, 0, true),
		255 => (s, 254, MANT | HIDDEN, false),
		_ => (s, e, (a & MANT) | HIDDEN, false),
	}
}

/// Packs a result whose significand `m` is in `[2^23, 2^24)`: flushed to zero below the
/// normal range, saturated above it.
fn pack(s: u32, e: i32, m: u32) -> u32 {
	if e <= 0 {
		s
	} else if e >= 255 {
		s | MAX_FINITE
	} else {
		s | ((e as u32) << 23) | (m & MANT)
	}
}

/// Rounds `m`, carrying `extra` low bits below its last place, to nearest, ties to even; the
/// lowest of those bits is sticky (an OR of everything shifted out below it).
fn round(m: u32, extra: u32) -> u32 {
	let half = 1u32 << (extra - 1);
	let rest = m & ((1u32 << extra) - 1);
	let q = m >> extra;
	if rest > half || (rest == half && q & 1 == 1) {
		q + 1
	} else {
		q
	}
}

/// `a + b`.
pub fn add(a: u32, b: u32) -> u32 {
	let (sa, ea, ma, za) = unpack(a);
	let (sb, eb, mb, zb) = unpack(b);
	if zb {
		// x + 0 is x (−0 only when both are −0).
		return if za { sa & sb } else { pack(sa, ea, ma) };
	}
	if za {
		return pack(sb, eb, mb);
	}
	// Order by magnitude: |x| ≥ |y|.
	let ((sx, ex, mx), (sy, ey, my)) = if (ea, ma) >= (eb, mb) {
		((sa, ea, ma), (sb, eb, mb))
	} else {
		((sb, eb, mb), (sa, ea, ma))
	};
	// Three guard bits below the significand; `y` aligned to `x`, the bits shifted out kept
	// as a sticky bit.
	let x = mx << 3;
	let d = (ex - ey) as u32;
	let y = my << 3;
	let y = if d == 0 {
		y
	} else if d >= 27 {
		1
	} else {
		(y >> d) | u32::from(y & ((1 << d) - 1) != 0)
	};
	let (mut m, mut e) = if sx == sy { (x + y, ex) } else { (x - y, ex) };
	if m == 0 {
		// Exact cancellation: +0 when rounding to nearest.
		return 0;
	}
	if m >= 1 << 27 {
		m = (m >> 1) | (m & 1);
		e += 1;
	}
	if m < 1 << 26 {
		// The shift that brings the top bit to bit 26 (the WGSL needs no loop for it).
		let shift = m.leading_zeros() - 5;
		m <<= shift;
		e -= shift as i32;
	}
	let mut r = round(m, 3);
	if r == 1 << 24 {
		r >>= 1;
		e += 1;
	}
	pack(sx, e, r)
}

/// `a / b`. A zero divisor counts as the smallest normal value (it never occurs in AiPIN's use:
/// divisors are window counts and output scales).
pub fn div(a: u32, b: u32) -> u32 {
	let (sa, ea, ma, za) = unpack(a);
	let (sb, eb, mb, zb) = unpack(b);
	let s = sa ^ sb;
	if za {
		return s;
	}
	let (eb, mb) = if zb { (1, HIDDEN) } else { (eb, mb) };
	let mut e = ea - eb + 127;
	let mut r = ma;
	if r < mb {
		r <<= 1;
		e -= 1;
	}
	// 26 quotient bits of r / mb ∈ [1, 2): the 24 kept, a round bit and a sticky bit.
	let mut q = 0u32;
	for _ in 0..26 {
		q <<= 1;
		if r >= mb {
			r -= mb;
			q |= 1;
		}
		r <<= 1;
	}
	let q = q | u32::from(r != 0);
	let mut m = round(q, 2);
	if m == 1 << 24 {
		m >>= 1;
		e += 1;
	}
	pack(s, e, m)
}

/// `a · b`.
pub fn mul(a: u32, b: u32) -> u32 {
	let (sa, ea, ma, za) = unpack(a);
	let (sb, eb, mb, zb) = unpack(b);
	let s = sa ^ sb;
	if za || zb {
		return s;
	}
	// The exact product of the significands lies in [2^46, 2^48). Keep its top 24 bits, the
	// next (round) bit and a sticky bit for everything below.
	let p = ma as u64 * mb as u64;
	let shift = if p >> 47 != 0 { 24 } else { 23 };
	let below = p & ((1 << (shift - 2)) - 1);
	let m = (p >> (shift - 2)) as u32 | u32::from(below != 0);
	let mut e = ea + eb - 150 + shift;
	let mut r = round(m, 2);
	if r == 1 << 24 {
		r >>= 1;
		e += 1;
	}
	pack(s, e, r)
}

/// `√a`, correctly rounded. A negative operand (which AiPIN's use never produces: its operand
/// is a sum of squares plus a positive constant) counts as zero, as a zero or subnormal does.
pub fn sqrt(a: u32) -> u32 {
	let (s, e, m, z) = unpack(a);
	if z || s != 0 {
		return 0;
	}
	// |a| = m · 2^(e − 150). With an even unbiased exponent `e − 127 − odd`, the significand
	// `m2 = m << odd` lies in [2^23, 2^25), and √a = √(m2 · 2^25) · 2^((e − 127 − odd) / 2 − 24).
	let odd = ((e - 127) & 1) as u32;
	let m2 = m << odd;
	// The integer square root of `m2 · 2^25` (50 bits), two bits at a time from the top: 25
	// root bits in [2^24, 2^25), the remainder below 2^26 throughout.
	let (mut root, mut rest) = (0u32, 0u32);
	for i in (0..25).rev() {
		let pair = |b: u32| if b >= 25 { (m2 >> (b - 25)) & 1 } else { 0 };
		rest = (rest << 2) | (pair(2 * i + 1) << 1) | pair(2 * i);
		let trial = (root << 2) | 1;
		root <<= 1;
		if rest >= trial {
			rest -= trial;
			root |= 1;
		}
	}
	// 24 bits and a round bit; an exact tie is impossible (an odd 25-bit root squared is odd,
	// and `m2 · 2^25` is even), so the round bit alone decides.
	let mut r = (root >> 1) + (root & 1);
	let mut e = (e - 127 - odd as i32) / 2 + 127;
	if r == 1 << 24 {
		r >>= 1;
		e += 1;
	}
	pack(0, e, r)
}

/// The binary32 value of `i`, rounded to nearest, ties to even (exact for |i| ≤ 2^24).
pub fn from_int(i: i32) -> u32 {
	if i == 0 {
		return 0;
	}
	let s = if i < 0 { SIGN } else { 0 };
	let a = i.unsigned_abs();
	let mut e = 127 + 31 - a.leading_zeros() as i32; // biased exponent of the top bit
	let n = 31 - a.leading_zeros();
	let mut m = if n <= 23 { a << (23 - n) } else { round(a, n - 23) };
	if m == 1 << 24 {
		m >>= 1;
		e += 1;
	}
	pack(s, e, m)
}

/// `nearbyint(a)` as an `i32`, ties to even; a value outside the `i32` range is `i32::MIN`
/// (what x86's `CVTSS2SI` gives, as onnxruntime's `static_cast<int32_t>` does there).
pub fn round_to_i32(a: u32) -> i32 {
	let (s, e, m, z) = unpack(a);
	if z {
		return 0;
	}
	// |a| = m · 2^(e − 150)
	let shift = e - 150;
	let magnitude = if shift >= 0 {
		if shift > 7 {
			return i32::MIN;
		}
		(m as u64) << shift
	} else if shift < -25 {
		0
	} else {
		round(m, (-shift) as u32) as u64
	};
	let v = if s != 0 { -(magnitude as i64) } else { magnitude as i64 };
	i32::try_from(v).unwrap_or(i32::MIN)
}

#[cfg(test)]
mod tests {
	use super::*;

	struct Rng(u64);
	impl Rng {
		fn next(&mut self) -> u32 {
			self.0 ^= self.0 << 13;
			self.0 ^= self.0 >> 7;
			self.0 ^= self.0 << 17;
			(self.0 >> 16) as u32
		}
		/// A normal value whose exponent lies in `lo..=hi` (biased).
		fn normal(&mut self, lo: u32, hi: u32) -> u32 {
			let e = lo + self.next() % (hi - lo + 1);
			(self.next() & SIGN) | (e << 23) | (self.next() & MANT)
		}
	}

	fn normal_or_zero(x: f32) -> bool {
		x == 0.0 || x.is_normal()
	}

	#[test]
	fn addition_is_ieee_for_normal_operands_and_results() {
		let mut r = Rng(0x1234_5678_9abc_def1);
		for i in 0..2_000_000u32 {
			// Near exponents stress cancellation and carries; far ones the sticky bit.
			let a = r.normal(60, 190);
			let b = if i % 2 == 0 {
				let e = ((a >> 23) & 0xff) as i32 + (r.next() % 7) as i32 - 3;
				(r.next() & SIGN) | ((e as u32) << 23) | (r.next() & MANT)
			} else {
				r.normal(60, 190)
			};
			let want = f32::from_bits(a) + f32::from_bits(b);
			if normal_or_zero(want) {
				assert_eq!(add(a, b), want.to_bits(), "{a:#x} + {b:#x}");
			}
		}
		assert_eq!(add(0, 0), 0);
		assert_eq!(add(1.5f32.to_bits(), (-1.5f32).to_bits()), 0);
		assert_eq!(add(0, 2.0f32.to_bits()), 2.0f32.to_bits());
	}

	#[test]
	fn division_is_ieee_for_normal_operands_and_results() {
		let mut r = Rng(0x0bad_cafe_dead_beef);
		for _ in 0..2_000_000u32 {
			let a = r.normal(40, 210);
			let b = r.normal(40, 210);
			let want = f32::from_bits(a) / f32::from_bits(b);
			if normal_or_zero(want) {
				assert_eq!(div(a, b), want.to_bits(), "{a:#x} / {b:#x}");
			}
		}
		for i in [1, -1, 255, -128, (1 << 24) + 1, i32::MAX, i32::MIN, 123_456_789] {
			assert_eq!(from_int(i), (i as f32).to_bits(), "{i}");
		}
		for count in 1..=4096 {
			let c = from_int(count);
			assert_eq!(c, (count as f32).to_bits());
			for v in [1.0f32, 3.0, 0.1, 254.5, 1e-20] {
				assert_eq!(div(v.to_bits(), c), (v / count as f32).to_bits());
			}
		}
	}

	#[test]
	fn multiplication_is_ieee_for_normal_operands_and_results() {
		let mut r = Rng(0x5eed_f00d_0bad_d00d);
		for i in 0..2_000_000u32 {
			let a = r.normal(20, 230);
			// Every fourth pair has short significands, whose products are exact or ties.
			let b = if i % 4 == 0 { r.normal(20, 230) & !0xffff } else { r.normal(20, 230) };
			let a = if i % 8 == 0 { a & !0xffff } else { a };
			let want = f32::from_bits(a) * f32::from_bits(b);
			if normal_or_zero(want) {
				assert_eq!(mul(a, b), want.to_bits(), "{a:#x} · {b:#x}");
			}
		}
		assert_eq!(mul(0, 3.0f32.to_bits()), 0);
		assert_eq!(mul((-2.0f32).to_bits(), 0), SIGN, "the sign of a zero product");
		assert_eq!(mul(1.5f32.to_bits(), 1.5f32.to_bits()), 2.25f32.to_bits());
		assert_eq!(mul(f32::MAX.to_bits(), 2.0f32.to_bits()), MAX_FINITE, "overflow saturates");
		assert_eq!(mul(f32::MIN_POSITIVE.to_bits(), 0.5f32.to_bits()), 0, "underflow flushes");
	}

	#[test]
	fn square_root_is_ieee_for_normal_operands() {
		let mut r = Rng(0x51de_ba5e_c0ff_ee11);
		for i in 0..2_000_000u32 {
			let a = r.normal(1, 254) & !SIGN;
			// Every fourth operand is a perfect square or close to one.
			let a = if i % 4 == 0 {
				let k = (r.next() % (1 << 12)) + 1;
				((k * k) as f32 * f32::from_bits(r.normal(60, 190) & 0x7f80_0000 & !SIGN))
					.to_bits()
					.wrapping_add(r.next() % 3)
					.wrapping_sub(1)
			} else {
				a
			};
			let want = f32::from_bits(a).sqrt();
			if f32::from_bits(a).is_normal() && a & SIGN == 0 {
				assert_eq!(sqrt(a), want.to_bits(), "√{}", f32::from_bits(a));
			}
		}
		for v in [1.0f32, 2.0, 4.0, 0.25, 3.0, 1e-30, 1e30, f32::MAX, f32::MIN_POSITIVE] {
			assert_eq!(sqrt(v.to_bits()), v.sqrt().to_bits(), "√{v}");
		}
		assert_eq!(sqrt(0), 0);
		assert_eq!(sqrt((-4.0f32).to_bits()), 0, "a negative operand counts as zero");
		assert_eq!(sqrt(1), 0, "a subnormal operand counts as zero");
	}

	#[test]
	fn rounding_to_an_integer_is_nearbyint_ties_to_even() {
		for v in [0.5f32, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 254.5, 255.5, -128.5, 3.0, 1e-30]
		{
			assert_eq!(round_to_i32(v.to_bits()), v.round_ties_even() as i32, "{v}");
		}
		let mut r = Rng(77);
		for _ in 0..1_000_000 {
			let v = r.normal(100, 157);
			let f = f32::from_bits(v);
			assert_eq!(round_to_i32(v), f.round_ties_even() as i32, "{f}");
		}
		assert_eq!(round_to_i32(3e9f32.to_bits()), i32::MIN);
		assert_eq!(round_to_i32((-3e9f32).to_bits()), i32::MIN);
		assert_eq!(round_to_i32(2147483520.0f32.to_bits()), 2147483520);
	}

	#[test]
	fn outside_the_normal_range_the_rule_is_flush_and_saturate() {
		let tiny = f32::MIN_POSITIVE.to_bits();
		assert_eq!(div(tiny, 4.0f32.to_bits()), 0, "underflow flushes to zero");
		assert_eq!(add(1, 0), 0, "a subnormal operand counts as zero");
		assert_eq!(div(f32::MAX.to_bits(), 0.5f32.to_bits()), MAX_FINITE, "overflow saturates");
		assert_eq!(add(f32::INFINITY.to_bits(), 0), MAX_FINITE);
		assert_eq!(div(f32::NAN.to_bits(), 1.0f32.to_bits()), MAX_FINITE);
	}
}
