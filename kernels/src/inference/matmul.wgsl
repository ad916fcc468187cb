// MatMul of two activations (see `program.rs`, `MatMul`), one invocation per output element:
// the exact integer sum of products, then `requantize` (requant.wgsl, prepended). Tensors are
// i32 values; block p (of `total / (m · n)`, every sample's every product) of `a` is [m, k] at
// p · m · k, of `b` [k, n] at p · k · n.

struct Dims {
    total: u32, m: u32, k: u32, n: u32,
    za: i32, zb: i32, zy: i32, lo: i32,
    hi: i32, mult: u32, row: u32, _p0: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> a: array<i32>;
@group(0) @binding(2) var<storage, read> b: array<i32>;
@group(0) @binding(3) var<storage, read_write> y: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let d = dims;
    let idx = gid.x + gid.y * d.row;
    if (idx >= d.total) {
        return;
    }
    let j = idx % d.n;
    let q = idx / d.n;
    let i = q % d.m;
    let p = q / d.m;
    let a_row = p * d.m * d.k + i * d.k;
    let b_col = p * d.k * d.n + j;
    var acc = 0i;
    for (var t = 0u; t < d.k; t = t + 1u) {
        acc = acc + (a[a_row + t] - d.za) * (b[b_col + t * d.n] - d.zb);
    }
    y[idx] = requantize(acc, d.mult, d.zy, d.lo, d.hi);
}
