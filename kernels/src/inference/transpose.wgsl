// Transpose (see `program.rs`, `Op::Transpose`) as a gather: output element r of a sample
// reads input element src[r] of the same sample. The host builds `src` with
// `reference::transpose_layout`, the CPU reference's own index map.

struct Dims {
    total: u32, per_sample: u32, row: u32, _p0: u32,
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
    let base = n * d.per_sample;
    y[idx] = x[base + src[idx - base]];
}
