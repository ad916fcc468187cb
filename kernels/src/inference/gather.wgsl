// Gather (see `program.rs`, `Gather`): a table row per token id, one invocation per output
// element. A transcription of `reference.rs`'s `gather`. Tensors are i32 values; `table` holds
// the table's values (not bytes), row after row; an id with no row gives the zero point.

struct Dims {
    total: u32, width: u32, rows: u32, zy: i32,
    row: u32, _a: u32, _b: u32, _c: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read> table: array<i32>;
@group(0) @binding(3) var<storage, read_write> y: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let d = dims;
    let k = gid.x + gid.y * d.row;
    if (k >= d.total) {
        return;
    }
    let token = k / d.width;
    let id = u32(x[token]);
    if (id < d.rows) {
        y[k] = table[id * d.width + (k - token * d.width)];
    } else {
        y[k] = d.zy;
    }
}
