// AiPIN kernel `gemm-i8`, version 1.
//
// C (m × n, i32) = A (m × k, i8) · B (k × n, i8).
//
// Layout, prepared by the worker: the rows of A and the rows of Bᵀ (the columns of B), each
// zero-padded to `k16 × 16` bytes and packed four int8 per u32 (first byte in the lowest bits),
// read as vec4<u32> (16 int8 at a time). C is row-major i32.
//
// Each invocation computes a 4 × 4 block of C from 8 vector loads per 16-deep step and 64
// packed int8 dot products (`dot4I8Packed`: DP4A on GPUs that have it; naga lowers it to
// plain integer arithmetic where the device lacks it). A workgroup of 8 × 8 invocations
// covers 32 × 32 of C.
//
// Determinism: only i32 additions and products of int8 values, which are exact (and would
// wrap identically), so the result does not depend on the order of the sum or on the device.

struct Dims {
    m: u32,
    n: u32,
    // Padded k / 16: vec4<u32> words per row of A and of Bᵀ.
    k16: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> a: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> bt: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> c: array<i32>;

fn dot16(x: vec4<u32>, y: vec4<u32>) -> i32 {
    return dot4I8Packed(x.x, y.x) + dot4I8Packed(x.y, y.y)
        + dot4I8Packed(x.z, y.z) + dot4I8Packed(x.w, y.w);
}

fn store_row(row: u32, col0: u32, v: vec4<i32>) {
    if (row >= dims.m) {
        return;
    }
    let base = row * dims.n;
    c[base + col0] = v.x;
    if (col0 + 1u < dims.n) { c[base + col0 + 1u] = v.y; }
    if (col0 + 2u < dims.n) { c[base + col0 + 2u] = v.z; }
    if (col0 + 3u < dims.n) { c[base + col0 + 3u] = v.w; }
}

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let row0 = gid.y * 4u;
    let col0 = gid.x * 4u;
    if (row0 >= dims.m || col0 >= dims.n) {
        return;
    }
    // Rows and columns past the edge re-read the last one; their results are not stored.
    let lm = dims.m - 1u;
    let ln = dims.n - 1u;
    let ra = vec4<u32>(row0, min(row0 + 1u, lm), min(row0 + 2u, lm), min(row0 + 3u, lm)) * dims.k16;
    let rb = vec4<u32>(col0, min(col0 + 1u, ln), min(col0 + 2u, ln), min(col0 + 3u, ln)) * dims.k16;

    var c0 = vec4<i32>(0);
    var c1 = vec4<i32>(0);
    var c2 = vec4<i32>(0);
    var c3 = vec4<i32>(0);
    for (var kk = 0u; kk < dims.k16; kk++) {
        let a0 = a[ra.x + kk];
        let a1 = a[ra.y + kk];
        let a2 = a[ra.z + kk];
        let a3 = a[ra.w + kk];
        let b0 = bt[rb.x + kk];
        let b1 = bt[rb.y + kk];
        let b2 = bt[rb.z + kk];
        let b3 = bt[rb.w + kk];
        c0 += vec4<i32>(dot16(a0, b0), dot16(a0, b1), dot16(a0, b2), dot16(a0, b3));
        c1 += vec4<i32>(dot16(a1, b0), dot16(a1, b1), dot16(a1, b2), dot16(a1, b3));
        c2 += vec4<i32>(dot16(a2, b0), dot16(a2, b1), dot16(a2, b2), dot16(a2, b3));
        c3 += vec4<i32>(dot16(a3, b0), dot16(a3, b1), dot16(a3, b2), dot16(a3, b3));
    }
    store_row(row0, col0, c0);
    store_row(row0 + 1u, col0, c1);
    store_row(row0 + 2u, col0, c2);
    store_row(row0 + 3u, col0, c3);
}
