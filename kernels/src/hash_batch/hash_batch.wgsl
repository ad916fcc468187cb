// AiPIN kernel `hash-batch`, version 1: BLAKE2s-256 (RFC 7693; unkeyed, 32-byte digest) of
// `count` messages of `len` bytes each, one message per invocation.
//
// Input: the messages back to back (message i at byte i × len), as little-endian u32 words,
// followed by at least one zero word (so unaligned reads never leave the buffer).
// Output: 8 u32 per message (message i at word 8 × i), the digest in little-endian words.
// Pure 32-bit integer arithmetic: every device agrees bit for bit.

struct Params {
    count: u32,
    len: u32,
    // First message of this dispatch (large batches are split into several dispatches).
    first: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read_write> digests: array<u32>;

const IV = array<u32, 8>(
    0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au,
    0x510E527Fu, 0x9B05688Cu, 0x1F83D9ABu, 0x5BE0CD19u,
);

var<private> SIGMA: array<u32, 160> = array<u32, 160>(
    0u, 1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u, 9u, 10u, 11u, 12u, 13u, 14u, 15u,
    14u, 10u, 4u, 8u, 9u, 15u, 13u, 6u, 1u, 12u, 0u, 2u, 11u, 7u, 5u, 3u,
    11u, 8u, 12u, 0u, 5u, 2u, 15u, 13u, 10u, 14u, 3u, 6u, 7u, 1u, 9u, 4u,
    7u, 9u, 3u, 1u, 13u, 12u, 11u, 14u, 2u, 6u, 5u, 10u, 4u, 0u, 15u, 8u,
    9u, 0u, 5u, 7u, 2u, 4u, 10u, 15u, 14u, 1u, 11u, 12u, 6u, 8u, 3u, 13u,
    2u, 12u, 6u, 10u, 0u, 11u, 8u, 3u, 4u, 13u, 7u, 5u, 15u, 14u, 1u, 9u,
    12u, 5u, 1u, 15u, 14u, 13u, 4u, 10u, 0u, 7u, 6u, 3u, 9u, 2u, 8u, 11u,
    13u, 11u, 7u, 14u, 12u, 1u, 3u, 9u, 5u, 0u, 15u, 4u, 8u, 6u, 2u, 10u,
    6u, 15u, 14u, 9u, 11u, 3u, 0u, 8u, 12u, 2u, 13u, 7u, 1u, 4u, 10u, 5u,
    10u, 2u, 8u, 4u, 7u, 6u, 1u, 5u, 15u, 11u, 9u, 14u, 3u, 12u, 13u, 0u,
);

var<private> v: array<u32, 16>;
var<private> blk: array<u32, 16>;

fn rotr(x: u32, n: u32) -> u32 {
    return (x >> n) | (x << (32u - n));
}

fn g(a: u32, b: u32, c: u32, d: u32, x: u32, y: u32) {
    v[a] = v[a] + v[b] + x;
    v[d] = rotr(v[d] ^ v[a], 16u);
    v[c] = v[c] + v[d];
    v[b] = rotr(v[b] ^ v[c], 12u);
    v[a] = v[a] + v[b] + y;
    v[d] = rotr(v[d] ^ v[a], 8u);
    v[c] = v[c] + v[d];
    v[b] = rotr(v[b] ^ v[c], 7u);
}

// The little-endian word at byte offset `off` of the input (any alignment).
fn word_at(off: u32) -> u32 {
    let i = off >> 2u;
    let s = (off & 3u) * 8u;
    if (s == 0u) {
        return input[i];
    }
    return (input[i] >> s) | (input[i + 1u] << (32u - s));
}

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let msg = params.first + gid.x;
    if (msg >= params.count) {
        return;
    }
    let len = params.len;
    let base = msg * len;
    var h = IV;
    h[0] = h[0] ^ 0x01010020u; // digest length 32, no key, fanout 1, depth 1
    let blocks = max((len + 63u) / 64u, 1u);
    for (var bi = 0u; bi < blocks; bi++) {
        let start = bi * 64u;
        let last = bi + 1u == blocks;
        // Message words; bytes past the end of the message are zero.
        for (var w = 0u; w < 16u; w++) {
            let at = start + w * 4u;
            var word = 0u;
            if (at + 4u <= len) {
                word = word_at(base + at);
            } else if (at < len) {
                let keep = (len - at) * 8u;
                word = word_at(base + at) & ((1u << keep) - 1u);
            }
            blk[w] = word;
        }
        let t = select(start + 64u, len, last);
        for (var i = 0u; i < 8u; i++) {
            v[i] = h[i];
            v[i + 8u] = IV[i];
        }
        v[12] = v[12] ^ t;
        if (last) {
            v[14] = ~v[14];
        }
        for (var r = 0u; r < 10u; r++) {
            let s = r * 16u;
            g(0u, 4u, 8u, 12u, blk[SIGMA[s + 0u]], blk[SIGMA[s + 1u]]);
            g(1u, 5u, 9u, 13u, blk[SIGMA[s + 2u]], blk[SIGMA[s + 3u]]);
            g(2u, 6u, 10u, 14u, blk[SIGMA[s + 4u]], blk[SIGMA[s + 5u]]);
            g(3u, 7u, 11u, 15u, blk[SIGMA[s + 6u]], blk[SIGMA[s + 7u]]);
            g(0u, 5u, 10u, 15u, blk[SIGMA[s + 8u]], blk[SIGMA[s + 9u]]);
            g(1u, 6u, 11u, 12u, blk[SIGMA[s + 10u]], blk[SIGMA[s + 11u]]);
            g(2u, 7u, 8u, 13u, blk[SIGMA[s + 12u]], blk[SIGMA[s + 13u]]);
            g(3u, 4u, 9u, 14u, blk[SIGMA[s + 14u]], blk[SIGMA[s + 15u]]);
        }
        for (var i = 0u; i < 8u; i++) {
            h[i] = h[i] ^ v[i] ^ v[i + 8u];
        }
    }
    let out = msg * 8u;
    for (var i = 0u; i < 8u; i++) {
        digests[out + i] = h[i];
    }
}
