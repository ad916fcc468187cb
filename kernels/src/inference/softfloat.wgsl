// Binary32 arithmetic computed with integers: a transcription of `softfloat.rs` (the
// definition; docs/inference.md has the normative text), prepended to the kernels that use it
// (`avgpool.wgsl`, `softmax.wgsl`, `layernorm.wgsl`). Values are f32 bit patterns held in u32;
// IEEE 754 rounding to nearest, ties to even, for normal operands and results; subnormals
// flush to zero and overflow saturates, as `softfloat.rs` documents.

const SIGN: u32 = 0x80000000u;
const MANT: u32 = 0x007fffffu;
const HIDDEN: u32 = 0x00800000u;
const MAX_FINITE: u32 = 0x7f7fffffu;

struct Unpacked { s: u32, e: i32, m: u32, zero: bool }

fn unpack(a: u32) -> Unpacked {
    let s = a & SIGN;
    let e = i32((a >> 23u) & 0xffu);
    if (e == 0) {
        return Unpacked(s, 0, 0u, true);
    }
    if (e == 255) {
        return Unpacked(s, 254, MANT | HIDDEN, false);
    }
    return Unpacked(s, e, (a & MANT) | HIDDEN, false);
}

fn pack(s: u32, e: i32, m: u32) -> u32 {
    if (e <= 0) {
        return s;
    }
    if (e >= 255) {
        return s | MAX_FINITE;
    }
    return s | (u32(e) << 23u) | (m & MANT);
}

// m with `extra` low bits (the lowest sticky) rounded to nearest, ties to even; 1 <= extra <= 25.
fn round_bits(m: u32, extra: u32) -> u32 {
    let half = 1u << (extra - 1u);
    let rest = m & ((1u << extra) - 1u);
    let q = m >> extra;
    if (rest > half || (rest == half && (q & 1u) == 1u)) {
        return q + 1u;
    }
    return q;
}

fn f_add(a: u32, b: u32) -> u32 {
    let pa = unpack(a);
    let pb = unpack(b);
    if (pb.zero) {
        if (pa.zero) {
            return pa.s & pb.s;
        }
        return pack(pa.s, pa.e, pa.m);
    }
    if (pa.zero) {
        return pack(pb.s, pb.e, pb.m);
    }
    var px = pa;
    var py = pb;
    if (pb.e > pa.e || (pb.e == pa.e && pb.m > pa.m)) {
        px = pb;
        py = pa;
    }
    let x = px.m << 3u;
    let d = u32(px.e - py.e);
    var y = py.m << 3u;
    if (d >= 27u) {
        y = 1u;
    } else if (d > 0u) {
        y = (y >> d) | select(0u, 1u, (y & ((1u << d) - 1u)) != 0u);
    }
    var m = x - y;
    if (px.s == py.s) {
        m = x + y;
    }
    var e = px.e;
    if (m == 0u) {
        return 0u;
    }
    if (m >= (1u << 27u)) {
        m = (m >> 1u) | (m & 1u);
        e = e + 1;
    }
    // Normalized without a loop (lavapipe caps the loop iterations of an invocation).
    if (m < (1u << 26u)) {
        let shift = countLeadingZeros(m) - 5u;
        m = m << shift;
        e = e - i32(shift);
    }
    var r = round_bits(m, 3u);
    if (r == (1u << 24u)) {
        r = r >> 1u;
        e = e + 1;
    }
    return pack(px.s, e, r);
}

fn f_mul(a: u32, b: u32) -> u32 {
    let pa = unpack(a);
    let pb = unpack(b);
    let s = pa.s ^ pb.s;
    if (pa.zero || pb.zero) {
        return s;
    }
    // The exact product of the significands, hi · 2^24 + lo with lo < 2^24, from 12-bit halves
    // (WGSL has no 64-bit integers). It lies in [2^46, 2^48).
    let a1 = pa.m >> 12u;
    let a0 = pa.m & 0xfffu;
    let b1 = pb.m >> 12u;
    let b0 = pb.m & 0xfffu;
    let mid = a1 * b0 + a0 * b1;
    let low = a0 * b0 + ((mid & 0xfffu) << 12u);
    let lo = low & 0xffffffu;
    let hi = a1 * b1 + (mid >> 12u) + (low >> 24u);
    // Its top 24 bits, a round bit and a sticky bit.
    var m = 0u;
    var e = pa.e + pb.e - 127;
    if (hi >= (1u << 23u)) {
        m = (hi << 2u) | ((lo >> 23u) << 1u) | select(0u, 1u, (lo & 0x7fffffu) != 0u);
        e = e + 1;
    } else {
        m = (hi << 3u) | ((lo >> 22u) << 1u) | select(0u, 1u, (lo & 0x3fffffu) != 0u);
    }
    var r = round_bits(m, 2u);
    if (r == (1u << 24u)) {
        r = r >> 1u;
        e = e + 1;
    }
    return pack(s, e, r);
}

fn f_div(a: u32, b: u32) -> u32 {
    let pa = unpack(a);
    var pb = unpack(b);
    let s = pa.s ^ pb.s;
    if (pa.zero) {
        return s;
    }
    if (pb.zero) {
        pb = Unpacked(pb.s, 1, HIDDEN, false);
    }
    var e = pa.e - pb.e + 127;
    var r = pa.m;
    if (r < pb.m) {
        r = r << 1u;
        e = e - 1;
    }
    var q = 0u;
    for (var i = 0u; i < 26u; i = i + 1u) {
        q = q << 1u;
        if (r >= pb.m) {
            r = r - pb.m;
            q = q | 1u;
        }
        r = r << 1u;
    }
    q = q | select(0u, 1u, r != 0u);
    var m = round_bits(q, 2u);
    if (m == (1u << 24u)) {
        m = m >> 1u;
        e = e + 1;
    }
    return pack(s, e, m);
}

// sqrt(a), correctly rounded; a negative, zero or subnormal operand gives +0.
fn f_sqrt(a: u32) -> u32 {
    let p = unpack(a);
    if (p.zero || p.s != 0u) {
        return 0u;
    }
    let odd = u32((p.e - 127) & 1);
    let m2 = p.m << odd;
    var root = 0u;
    var rest = 0u;
    for (var i = 24i; i >= 0; i = i - 1) {
        let hi = u32(2 * i + 1);
        let lo = u32(2 * i);
        let bit_hi = select(0u, (m2 >> (hi - 25u)) & 1u, hi >= 25u);
        let bit_lo = select(0u, (m2 >> (lo - 25u)) & 1u, lo >= 25u);
        rest = (rest << 2u) | (bit_hi << 1u) | bit_lo;
        let trial = (root << 2u) | 1u;
        root = root << 1u;
        if (rest >= trial) {
            rest = rest - trial;
            root = root | 1u;
        }
    }
    var r = (root >> 1u) + (root & 1u);
    var e = (p.e - 127 - i32(odd)) / 2 + 127;
    if (r == (1u << 24u)) {
        r = r >> 1u;
        e = e + 1;
    }
    return pack(0u, e, r);
}

fn f_from_int(i: i32) -> u32 {
    if (i == 0) {
        return 0u;
    }
    let s = select(0u, SIGN, i < 0);
    let a = select(u32(i), 0u - u32(i), i < 0);
    let n = 31u - countLeadingZeros(a);
    var e = 127 + i32(n);
    var m = 0u;
    if (n <= 23u) {
        m = a << (23u - n);
    } else {
        m = round_bits(a, n - 23u);
    }
    if (m == (1u << 24u)) {
        m = m >> 1u;
        e = e + 1;
    }
    return pack(s, e, m);
}

// nearbyint(a), ties to even; outside the i32 range, i32's minimum (as x86's CVTSS2SI).
fn f_round_to_i32(a: u32) -> i32 {
    let p = unpack(a);
    if (p.zero) {
        return 0;
    }
    let shift = p.e - 150;
    var magnitude = 0u;
    if (shift >= 0) {
        if (shift > 7) {
            return -2147483647 - 1;
        }
        magnitude = p.m << u32(shift);
    } else if (shift >= -25) {
        magnitude = round_bits(p.m, u32(-shift));
    }
    if (p.s != 0u) {
        return -i32(magnitude);
    }
    return i32(magnitude);
}

