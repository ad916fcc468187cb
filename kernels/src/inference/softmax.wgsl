// Softmax (see `program.rs`, `Softmax`): onnxruntime's QLinearSoftmax in binary32 arithmetic
// computed with integers (`softfloat.wgsl`, prepended), one invocation per row. A transcription
// of `reference.rs`'s `softmax`; docs/inference.md has the normative text. Tensors are i32
// values; row r (of `rows`, over the whole batch) is block r / inner, offset r % inner, and its
// element k sits `k · inner` further on.

struct Dims {
    rows: u32, length: u32, inner: u32, scale: u32,
    zy: i32, lo: i32, hi: i32, row: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read> exp_table: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let d = dims;
    let r = gid.x + gid.y * d.row;
    if (r >= d.rows) {
        return;
    }
    let block = r / d.inner;
    let base = block * d.length * d.inner + (r - block * d.inner);
    var top = x[base];
    for (var k = 1u; k < d.length; k = k + 1u) {
        top = max(top, x[base + k * d.inner]);
    }
    var sum = 0u;
    for (var k = 0u; k < d.length; k = k + 1u) {
        sum = f_add(sum, exp_table[u32(x[base + k * d.inner] - top + 255)]);
    }
    for (var k = 0u; k < d.length; k = k + 1u) {
        let at = base + k * d.inner;
        let v = f_round_to_i32(f_mul(f_div(exp_table[u32(x[at] - top + 255)], sum), d.scale));
        // Far outside the output range either way (i32's minimum for a product beyond i32),
        // so bounded first: the zero point cannot overflow it.
        y[at] = clamp(clamp(v, -1024, 1024) + d.zy, d.lo, d.hi);
    }
}
