
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
    // One load of the dimensions into registers; the loops below then index with locals.
    let d = dims;
    let idx = gid.x + gid.y * d.row;
    let total = d.batch * d.co * d.oh * d.ow;
    if (idx >= total) {
        return;
    }
    let ox = idx % d.ow;
    let oy = (idx / d.ow) % d.oh;
    let o = (idx / (d.ow * d.oh)) % d.co;
    let n = idx / (d.ow * d.oh * d.co);
    let cig = d.ci / d.group;
    let cog = d.co / d.group;
    let grp = o / cog;
    let plane = d.h * d.w;
    let taps = d.kh * d.kw;
    var acc = bias[o];
    var x_ch = n * d.ci * plane + grp * cig * plane;
    let w_at = o * cig * taps;
    // One loop over the whole reduction (channel, row, column of the window), not three
    // nested: lavapipe ends an invocation's loops once their iterations together reach 65,535,
    // and the program check keeps a reduction within 65,000 (`MAX_CONV_DEPTH`).
    var ky = 0u;
    var kx = 0u;
    for (var t = 0u; t < cig * taps; t = t + 1u) {
        let py = oy * d.sh + ky * d.dh;
        let px = ox * d.sw + kx * d.dw;
        if (py >= d.pt && py - d.pt < d.h && px >= d.pl && px - d.pl < d.w) {
            acc = acc + (x[x_ch + (py - d.pt) * d.w + px - d.pl] - d.zx) * weight[w_at + t];
        }
        kx = kx + 1u;
        if (kx == d.kw) {
            kx = 0u;
            ky = ky + 1u;
            if (ky == d.kh) {
                ky = 0u;
                x_ch = x_ch + plane;
            }
        }
    }
    let s = mult[select(o, 0u, d.n_mult == 1u)];
    y[idx] = requantize(acc, s, d.zy, d.lo, d.hi);
}
