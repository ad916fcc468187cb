// Max pooling over a batch, one invocation per output element (see `program.rs`, `MaxPool`).
// Padding is ignored; every window holds at least one input (the program check ensures it).

struct Dims {
    batch: u32, c: u32, h: u32, w: u32,
    oh: u32, ow: u32, kh: u32, kw: u32,
    sh: u32, sw: u32, pt: u32, pl: u32,
    row: u32, _p0: u32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<storage, read> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read_write> y: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let idx = gid.x + gid.y * dims.row;
    let total = dims.batch * dims.c * dims.oh * dims.ow;
    if (idx >= total) {
        return;
    }
    let ox = idx % dims.ow;
    let oy = (idx / dims.ow) % dims.oh;
    let plane = idx / (dims.ow * dims.oh);
    let base = plane * dims.h * dims.w;
    var m = -2147483647 - 1;
    for (var ky = 0u; ky < dims.kh; ky = ky + 1u) {
        let py = oy * dims.sh + ky;
        if (py < dims.pt || py - dims.pt >= dims.h) {
            continue;
        }
        for (var kx = 0u; kx < dims.kw; kx = kx + 1u) {
            let px = ox * dims.sw + kx;
            if (px < dims.pl || px - dims.pl >= dims.w) {
                continue;
            }
            m = max(m, x[base + (py - dims.pt) * dims.w + (px - dims.pl)]);
        }
    }
    y[idx] = m;
}
