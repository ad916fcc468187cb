
// Conv2D / dense layer over a batch, one invocation per output element (see `program.rs`,
// `Conv`). Tensors are i32 values, sample-major NCHW. Padding reads as the input zero point,
// i.e. contributes nothing.

struct Dims {
    batch: u32, ci: u32, h: u32, w: u32,
    co: u32, oh: u32, ow: u32, group: u32,
    kh: u32, kw: u32, sh: u32, sw: u32,
    dh: u32, dw: u32, pt: u32, pl: u32,
    zx: i32, zy: i32, lo: i32, hi: i32,
    n_mult: u32, row: u32, _p0: u32, _p1: u32,
}

@group(0) @binding(0) var<storage, read> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read> weight: array<i32>;
@group(0) @binding(3) var<storage, read> bias: array<i32>;
@group(0) @binding(4) var<storage, read> mult: array<u32>;
@group(0) @binding(5) var<storage, read_write> y: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let idx = gid.x + gid.y * dims.row;
    let total = dims.batch * dims.co * dims.oh * dims.ow;
    if (idx >= total) {
        return;
    }
    let ox = idx % dims.ow;
    let oy = (idx / dims.ow) % dims.oh;
    let o = (idx / (dims.ow * dims.oh)) % dims.co;
    let n = idx / (dims.ow * dims.oh * dims.co);
    let cig = dims.ci / dims.group;
    let cog = dims.co / dims.group;
    let grp = o / cog;
    let x_base = n * dims.ci * dims.h * dims.w;
    var acc = bias[o];
    for (var i = 0u; i < cig; i = i + 1u) {
        let ch = grp * cig + i;
        for (var ky = 0u; ky < dims.kh; ky = ky + 1u) {
            let py = oy * dims.sh + ky * dims.dh;
            if (py < dims.pt || py - dims.pt >= dims.h) {
                continue;
            }
            let iy = py - dims.pt;
            for (var kx = 0u; kx < dims.kw; kx = kx + 1u) {
                let px = ox * dims.sw + kx * dims.dw;
                if (px < dims.pl || px - dims.pl >= dims.w) {
                    continue;
                }
                let ix = px - dims.pl;
                let wv = weight[((o * cig + i) * dims.kh + ky) * dims.kw + kx];
                acc = acc + (x[x_base + (ch * dims.h + iy) * dims.w + ix] - dims.zx) * wv;
            }
        }
    }
    let s = mult[select(o, 0u, dims.n_mult == 1u)];
    y[idx] = requantize(acc, s, dims.zy, dims.lo, dims.hi);
}
