// Packs a tensor's i32 values into their stored bytes, four to a u32 (first value in the
// lowest byte), so reading a tensor back moves one byte per value, not four. One invocation
// per output word; values past the end pack as zero bytes.

struct Dims {
    total: u32, row: u32, _p0: u32, _p1: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read_write> packed: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let d = dims;
    let word = gid.x + gid.y * d.row;
    let first = word * 4u;
    if (first >= d.total) {
        return;
    }
    var out = 0u;
    for (var b = 0u; b < 4u; b = b + 1u) {
        if (first + b < d.total) {
            out = out | ((u32(x[first + b]) & 0xffu) << (8u * b));
        }
    }
    packed[word] = out;
}
