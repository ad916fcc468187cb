// The GEMM path of a one-group Conv (see `gemm.rs`): acc[r][o] = bias'[o] + A[r]·W[o], then
// requantized into y. A is the im2col matrix (`im2col.wgsl`), W the lowered weight rows, both
// `k16` vec4<u32> words of 16 packed int8 per row. Row r = (n, oy, ox) of output channel o
// lands at y[(n·C_out + o)·plane + oy·ow + ox], the layout of every activation.
//
// Each invocation computes a 4 × 4 block (4 rows × 4 channels) from 8 vector loads per
// 16-deep step and 64 packed int8 dot products (`dot4I8Packed`: DP4A where the device has
// it; naga lowers it to plain integer arithmetic where not), as `gemm-i8` does. Exact i32
// arithmetic only: the result equals the reference whatever the order of the sum.

struct Dims {
    rows: u32, co: u32, k16: u32, plane: u32,
    zy: i32, lo: i32, hi: i32, n_mult: u32,
    // Blocks of 4 channels per 4 rows, and invocations per row of the grid.
    blocks: u32, row: u32, _p0: u32, _p1: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> a: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> wt: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> bias: array<i32>;
@group(0) @binding(4) var<storage, read> mult: array<u32>;
@group(0) @binding(5) var<storage, read_write> y: array<i32>;

fn dot16(p: vec4<u32>, q: vec4<u32>) -> i32 {
    return dot4I8Packed(p.x, q.x) + dot4I8Packed(p.y, q.y)
        + dot4I8Packed(p.z, q.z) + dot4I8Packed(p.w, q.w);
}

fn store_row(d: Dims, r: u32, o0: u32, acc: vec4<i32>) {
    if (r >= d.rows) {
        return;
    }
    let n = r / d.plane;
    var at = (n * d.co + o0) * d.plane + r % d.plane;
    for (var j = 0u; j < 4u; j = j + 1u) {
        let o = o0 + j;
        if (o >= d.co) {
            return;
        }
        let s = mult[select(o, 0u, d.n_mult == 1u)];
        y[at] = requantize(acc[j] + bias[o], s, d.zy, d.lo, d.hi);
        at = at + d.plane;
    }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let d = dims;
    // Neighbouring invocations share their 4 rows and take the next 4 channels.
    let idx = gid.x + gid.y * d.row;
    let rb = idx / d.blocks;
    let r0 = rb * 4u;
    let o0 = (idx - rb * d.blocks) * 4u;
    if (r0 >= d.rows) {
        return;
    }
    // Rows and channels past the edge re-read the last one; their results are not stored.
    let lr = d.rows - 1u;
    let lo = d.co - 1u;
    let ra = vec4<u32>(r0, min(r0 + 1u, lr), min(r0 + 2u, lr), min(r0 + 3u, lr)) * d.k16;
    let rw = vec4<u32>(o0, min(o0 + 1u, lo), min(o0 + 2u, lo), min(o0 + 3u, lo)) * d.k16;
    var c0 = vec4<i32>(0);
    var c1 = vec4<i32>(0);
    var c2 = vec4<i32>(0);
    var c3 = vec4<i32>(0);
    for (var kk = 0u; kk < d.k16; kk = kk + 1u) {
        let a0 = a[ra.x + kk];
        let a1 = a[ra.y + kk];
        let a2 = a[ra.z + kk];
        let a3 = a[ra.w + kk];
        let w0 = wt[rw.x + kk];
        let w1 = wt[rw.y + kk];
        let w2 = wt[rw.z + kk];
        let w3 = wt[rw.w + kk];
        c0 += vec4<i32>(dot16(a0, w0), dot16(a0, w1), dot16(a0, w2), dot16(a0, w3));
        c1 += vec4<i32>(dot16(a1, w0), dot16(a1, w1), dot16(a1, w2), dot16(a1, w3));
        c2 += vec4<i32>(dot16(a2, w0), dot16(a2, w1), dot16(a2, w2), dot16(a2, w3));
        c3 += vec4<i32>(dot16(a3, w0), dot16(a3, w1), dot16(a3, w2), dot16(a3, w3));
    }
    store_row(d, r0, o0, c0);
    store_row(d, r0 + 1u, o0, c1);
    store_row(d, r0 + 2u, o0, c2);
    store_row(d, r0 + 3u, o0, c3);
}
