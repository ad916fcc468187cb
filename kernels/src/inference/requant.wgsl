// Requantization: onnxruntime's rule y = clamp(nearbyint(f32(f32(acc) * S)) + zp, lo, hi),
// computed with 32-bit integers only. A transcription of `quant.rs` (the definition); see
// docs/inference.md for the normative text. The 48-bit product of two 24-bit significands is
// kept as two u32 halves.

const SATURATE: u32 = 65536u;

fn bit_len(x: u32) -> u32 {
    return 32u - countLeadingZeros(x);
}

// x / 2^sh rounded to nearest, ties to even; 1 <= sh <= 31.
fn rne32(x: u32, sh: u32) -> u32 {
    let q = x >> sh;
    let rem = x & ((1u << sh) - 1u);
    let half = 1u << (sh - 1u);
    let up = rem > half || (rem == half && (q & 1u) == 1u);
    return q + select(0u, 1u, up);
}

// nearbyint(f32(f32(acc) * S)), magnitude capped at SATURATE. s_bits: a positive normal f32.
fn scale_round(acc: i32, s_bits: u32) -> i32 {
    let a = select(u32(acc), 0u - u32(acc), acc < 0);
    if (a == 0u) {
        return 0;
    }
    // 1. f32(acc) = m_a * 2^e_a
    var m_a = a;
    var e_a = 0i;
    let na = bit_len(a);
    if (na > 24u) {
        let sh = na - 24u;
        m_a = rne32(a, sh);
        e_a = i32(sh);
        if (m_a == (1u << 24u)) {
            m_a = 1u << 23u;
            e_a = e_a + 1;
        }
    }
    // 2. S = m_s * 2^e_s
    let m_s = (s_bits & 0x7fffffu) | 0x800000u;
    let e_s = i32((s_bits >> 23u) & 0xffu) - 150;
    // 3. the exact product as hi:lo, rounded to 24 significant bits
    let a0 = m_a & 0xffffu;
    let a1 = m_a >> 16u;
    let s0 = m_s & 0xffffu;
    let s1 = m_s >> 16u;
    let p00 = a0 * s0;
    let mid = a0 * s1 + a1 * s0;
    let lo = p00 + (mid << 16u);
    let carry = select(0u, 1u, lo < p00);
    let hi = a1 * s1 + (mid >> 16u) + carry;
    var n = bit_len(lo);
    if (hi != 0u) {
        n = 32u + bit_len(hi);
    }
    var m_p = lo;
    var e_p = e_a + e_s;
    if (n > 24u) {
        let sh = n - 24u;
        let q = (lo >> sh) | (hi << (32u - sh));
        let rem = lo & ((1u << sh) - 1u);
        let half = 1u << (sh - 1u);
        let up = rem > half || (rem == half && (q & 1u) == 1u);
        m_p = q + select(0u, 1u, up);
        e_p = e_p + i32(sh);
        if (m_p == (1u << 24u)) {
            m_p = 1u << 23u;
            e_p = e_p + 1;
        }
    }
    // 4. to an integer, ties to even
    var r = 0u;
    if (e_p >= 0) {
        if (i32(bit_len(m_p)) + e_p >= 17) {
            r = SATURATE;
        } else {
            r = m_p << u32(e_p);
        }
    } else if (e_p > -25) {
        r = min(rne32(m_p, u32(-e_p)), SATURATE);
    }
    return select(i32(r), -i32(r), acc < 0);
}

fn requantize(acc: i32, s_bits: u32, zp: i32, lo: i32, hi: i32) -> i32 {
    return clamp(scale_round(acc, s_bits) + zp, lo, hi);
}
