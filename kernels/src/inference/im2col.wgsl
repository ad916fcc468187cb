// im2col for the GEMM path of a one-group Conv (see `gemm.rs`): row r = (n, oy, ox) of the
// batch's output positions holds that position's `taps` = C_in·kh·kw input values in weight
// order ([C_in][kh][kw]), shifted into int8 (x − off), a padded tap reading as `pad`, repeated
// `reps` times, then zero bytes up to `k16·16`. Packed four int8 per u32, first byte lowest.
// One invocation per 16 bytes (one vec4<u32>) of a row.
//
// `tap[k]`, for k < reps·taps, is (i·h·w + ky·dh·w + kx·dw, ky·dh, kx·dw, 0): where tap k of
// a window sits relative to the window's corner. The host builds it, so the loop below
// divides nothing (integer division is the slowest instruction on CPUs and most GPUs).

struct Dims {
    rows: u32, k16: u32, used: u32, sample: u32,
    h: i32, w: i32, oh: u32, ow: u32,
    sh: i32, sw: i32, pt: i32, pl: i32,
    off: i32, pad: i32, row: u32, _p0: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read> tap: array<vec4<i32>>;
@group(0) @binding(3) var<storage, read_write> a: array<vec4<u32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let d = dims;
    let idx = gid.x + gid.y * d.row;
    if (idx >= d.rows * d.k16) {
        return;
    }
    let r = idx / d.k16;
    let k0 = (idx - r * d.k16) * 16u;
    let plane = d.oh * d.ow;
    let n = r / plane;
    let p = r - n * plane;
    let oy = p / d.ow;
    let ox = p - oy * d.ow;
    // The window's corner, which the padding may put outside the image.
    let y0 = i32(oy) * d.sh - d.pt;
    let x0 = i32(ox) * d.sw - d.pl;
    let at = i32(n * d.sample) + y0 * d.w + x0;
    var out = vec4<u32>(0u);
    let end = min(d.used, k0 + 16u);
    for (var k = k0; k < end; k = k + 1u) {
        let t = tap[k];
        let py = y0 + t.y;
        let px = x0 + t.z;
        var v = d.pad;
        if (py >= 0 && py < d.h && px >= 0 && px < d.w) {
            v = x[at + t.x] - d.off;
        }
        let b = k - k0;
        out[b / 4u] = out[b / 4u] | ((u32(v) & 0xffu) << (8u * (b % 4u)));
    }
    a[idx] = out;
}
