// A table pass (see `program.rs`, `Lookup` and `Concat`): values through a 256-entry table, into
// their place in the output. A Lookup is one run over the whole tensor; a Concat is one pass per
// input, each writing its own runs:
// run o of this input (`pitch` values) lands at y[o·out_pitch + offset ..]. Tensors are i32
// values; `table` holds the 256 output values already widened to i32.

struct Dims {
    total: u32, pitch: u32, out_pitch: u32, offset: u32,
    row: u32, _p0: u32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read> table: array<i32>;
@group(0) @binding(3) var<storage, read_write> y: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let d = dims;
    let idx = gid.x + gid.y * d.row;
    if (idx >= d.total) {
        return;
    }
    let o = idx / d.pitch;
    let j = idx - o * d.pitch;
    y[o * d.out_pitch + d.offset + j] = table[u32(x[idx]) & 0xffu];
}
