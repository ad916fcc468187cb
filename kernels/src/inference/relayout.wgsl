// The ops that only move values (see `program.rs`, `Op::Transpose` and `Op::Expand`) as a
// gather: output element r of a sample reads input element src[r] of the same sample. The host
// builds `src` with `reference::index_map`, the CPU reference's own map. An Expand's input has
// fewer elements per sample than its output; a Transpose's has as many.

struct Dims {
    total: u32, per_sample: u32, row: u32, in_per_sample: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read> src: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let d = dims;
    let idx = gid.x + gid.y * d.row;
    if (idx >= d.total) {
        return;
    }
    let n = idx / d.per_sample;
    let r = idx - n * d.per_sample;
    y[idx] = x[n * d.in_per_sample + src[r]];
}
