// AiPIN kernel `mlp-q8`, version 1: one quantized dense layer, dispatched once per layer.
//
// For every row r of the batch and output neuron j:
//     acc = bias[j] + Σ_i x[r][i] · w[j][i]                  (i32; int8 products)
//     y   = max(acc, 0)                                       (ReLU)
//     q   = ((y >> (shift & 31)) · (mult & 0xFFFF) + 32768) >> 16
//     out[r][j] = clamp(q, 0, 127)                            (int8)
// `>>` is arithmetic, `·` wraps in i32: integer-only, so every device agrees bit for bit.
//
// Layout, prepared by the worker: x rows and w rows (w[j] = the weights into neuron j) are
// zero-padded to `w16 × 16` bytes and packed four int8 per u32 (first byte lowest), read as
// vec4<u32>. The output uses the same packing (padding bytes are 0), so it feeds the next
// layer directly. `weights` and `biases` hold every layer; `w_off` / `b_off` select this one.
//
// Each invocation computes 4 rows × 4 neurons (one packed u32 per row).

struct Layer {
    batch: u32,
    width: u32,
    // Padded width / 16: vec4<u32> words per row.
    w16: u32,
    shift: u32,
    mult: u32,
    // Offset of this layer's weights in `weights` (vec4 words) and biases in `biases`.
    w_off: u32,
    b_off: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> layer: Layer;
@group(0) @binding(1) var<storage, read> x: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> weights: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> biases: array<i32>;
@group(0) @binding(4) var<storage, read_write> y: array<u32>;

fn dot16(p: vec4<u32>, q: vec4<u32>) -> i32 {
    return dot4I8Packed(p.x, q.x) + dot4I8Packed(p.y, q.y)
        + dot4I8Packed(p.z, q.z) + dot4I8Packed(p.w, q.w);
}

fn bias_of(j: u32) -> i32 {
    if (j < layer.width) {
        return biases[layer.b_off + j];
    }
    return 0;
}

// Requantizes four accumulators of neurons j0..j0+3 into one packed u32.
fn requant(acc: vec4<i32>, j0: u32) -> u32 {
    let s = layer.shift & 31u;
    let m = i32(layer.mult & 0xFFFFu);
    var out = 0u;
    for (var t = 0u; t < 4u; t++) {
        if (j0 + t < layer.width) {
            let v = max(acc[t] + bias_of(j0 + t), 0);
            let q = clamp(((v >> s) * m + 32768) >> 16u, 0, 127);
            out |= u32(q) << (8u * t);
        }
    }
    return out;
}

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    // gid.x: a group of 4 neurons (one packed output word); gid.y: a group of 4 rows.
    let words = layer.w16 * 4u;
    let j0 = gid.x * 4u;
    let r0 = gid.y * 4u;
    if (gid.x >= words || r0 >= layer.batch) {
        return;
    }
    let lb = layer.batch - 1u;
    let lw = max(layer.width, 1u) - 1u;
    let rx = vec4<u32>(r0, min(r0 + 1u, lb), min(r0 + 2u, lb), min(r0 + 3u, lb)) * layer.w16;
    let rw = layer.w_off + vec4<u32>(min(j0, lw), min(j0 + 1u, lw), min(j0 + 2u, lw), min(j0 + 3u, lw)) * layer.w16;

    var c0 = vec4<i32>(0);
    var c1 = vec4<i32>(0);
    var c2 = vec4<i32>(0);
    var c3 = vec4<i32>(0);
    for (var kk = 0u; kk < layer.w16; kk++) {
        let x0 = x[rx.x + kk];
        let x1 = x[rx.y + kk];
        let x2 = x[rx.z + kk];
        let x3 = x[rx.w + kk];
        let w0 = weights[rw.x + kk];
        let w1 = weights[rw.y + kk];
        let w2 = weights[rw.z + kk];
        let w3 = weights[rw.w + kk];
        c0 += vec4<i32>(dot16(x0, w0), dot16(x0, w1), dot16(x0, w2), dot16(x0, w3));
        c1 += vec4<i32>(dot16(x1, w0), dot16(x1, w1), dot16(x1, w2), dot16(x1, w3));
        c2 += vec4<i32>(dot16(x2, w0), dot16(x2, w1), dot16(x2, w2), dot16(x2, w3));
        c3 += vec4<i32>(dot16(x3, w0), dot16(x3, w1), dot16(x3, w2), dot16(x3, w3));
    }
    let out = gid.x;
    y[r0 * words + out] = requant(c0, j0);
    if (r0 + 1u < layer.batch) { y[(r0 + 1u) * words + out] = requant(c1, j0); }
    if (r0 + 2u < layer.batch) { y[(r0 + 2u) * words + out] = requant(c2, j0); }
    if (r0 + 3u < layer.batch) { y[(r0 + 3u) * words + out] = requant(c3, j0); }
}
