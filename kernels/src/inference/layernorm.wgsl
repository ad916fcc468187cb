// LayerNorm (see `program.rs`, `LayerNorm`): AiPIN's layer normalization in binary32
// arithmetic computed with integers (`softfloat.wgsl`, prepended), one invocation per row. A
// transcription of `reference.rs`'s `layer_norm`; docs/inference.md has the normative text.
// Tensors are i32 values; row r (of `rows`, over the whole batch) is the `length` values from
// r · length on. `params` holds the gains, then the offsets.

struct Dims {
    rows: u32, length: u32, epsilon: u32, zx: i32,
    zy: i32, lo: i32, hi: i32, row: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read> params: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let d = dims;
    let r = gid.x + gid.y * d.row;
    if (r >= d.rows) {
        return;
    }
    let base = r * d.length;
    let n = i32(d.length);
    var sum = 0;
    for (var k = 0u; k < d.length; k = k + 1u) {
        sum = sum + (x[base + k] - d.zx);
    }
    var squares = 0u;
    for (var k = 0u; k < d.length; k = k + 1u) {
        let c = f_from_int(n * (x[base + k] - d.zx) - sum);
        squares = f_add(squares, f_mul(c, c));
    }
    let variance = f_add(f_div(squares, f_from_int(n)), d.epsilon);
    let inverse = f_div(0x3f800000u, f_sqrt(variance));
    for (var k = 0u; k < d.length; k = k + 1u) {
        let z = f_mul(f_from_int(n * (x[base + k] - d.zx) - sum), inverse);
        let v = f_round_to_i32(f_add(f_mul(z, params[k]), params[d.length + k]));
        // Bounded first, so that the zero point cannot overflow it.
        y[base + k] = clamp(clamp(v, -1024, 1024) + d.zy, d.lo, d.hi);
    }
}
