// AvgPool (see `program.rs`, `AvgPool`): onnxruntime's QLinearAveragePool in binary32
// arithmetic computed with integers (`softfloat.wgsl`, prepended), one invocation per output
// element. A transcription of `reference.rs`'s `avg_pool`; docs/inference.md has the normative
// text.

struct Dims {
    planes: u32, h: u32, w: u32, oh: u32,
    ow: u32, kh: u32, kw: u32, sh: u32,
    sw: u32, pt: u32, pl: u32, count_pad: u32,
    y_scale: u32, zy: i32, lo: i32, hi: i32,
    row: u32, _p0: u32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<i32>;
@group(0) @binding(2) var<storage, read> dequant: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let d = dims;
    let idx = gid.x + gid.y * d.row;
    if (idx >= d.planes * d.oh * d.ow) {
        return;
    }
    let q = idx / d.ow;
    let ox = idx - q * d.ow;
    let plane = q / d.oh;
    let oy = q - plane * d.oh;
    // onnxruntime's window: start = o·stride − pad, end = min(start + kernel, size), then
    // start = max(start, 0).
    let hs = i32(oy * d.sh) - i32(d.pt);
    let he = min(hs + i32(d.kh), i32(d.h));
    let h0 = max(hs, 0);
    let ws = i32(ox * d.sw) - i32(d.pl);
    let we = min(ws + i32(d.kw), i32(d.w));
    let w0 = max(ws, 0);
    let base = plane * d.h * d.w;
    var sum = 0u;
    for (var iy = h0; iy < he; iy = iy + 1) {
        let at = base + u32(iy) * d.w;
        for (var ix = w0; ix < we; ix = ix + 1) {
            sum = f_add(sum, dequant[u32(x[at + u32(ix)]) & 0xffu]);
        }
    }
    var count = d.kh * d.kw;
    if (d.count_pad == 0u) {
        count = u32(max(he - h0, 0) * max(we - w0, 0));
    }
    let v = f_add(f_div(f_div(sum, f_from_int(i32(count))), d.y_scale), f_from_int(d.zy));
    y[idx] = clamp(f_round_to_i32(v), d.lo, d.hi);
}
