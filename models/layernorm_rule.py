#!/usr/bin/env python3
"""Which arithmetic is onnxruntime's float LayerNormalization? A measurement that did not find it.

A QDQ LayerNormalization runs in float between a DequantizeLinear and a QuantizeLinear
(onnxruntime has no fused integer kernel for it). Equality with onnxruntime would have needed
that float arithmetic emulated exactly, as for Softmax. This script was the search; it did not
settle the long rows, so AiPIN's LayerNorm is its own integer rule instead, held to a tolerance
(docs/inference.md, "LayerNorm" and "Tier 2"). Kept as the record of what was tried.

The sources we could read (`layer_norm_impl.cc`: a sequential binary32 sum of x and of x², then
`(x - mean) / sqrt(E[x²] - mean² + eps) * scale + bias`) are not what the installed build runs.
This script measures candidates against the kernel's own mean and inverse-standard-deviation
outputs on rows of dequantized int8 values (x = (q - zp) · s), by row length:

- rows shorter than 8: a binary32 Welford recurrence (`m += (x - m) / k`,
  `M2 += (x - m_old)(x - m_new)`, variance `M2 / n`, `1 / sqrtf(var + eps)`) matches every
  mean and every inverse deviation measured;
- rows of 8 or more: the mean is the exact sum divided by n, rounded once to binary32 (no
  binary32 recurrence matches), but no candidate tried matches the inverse deviation or the
  normalized outputs (about two thirds agree). Tried and refuted since: MLAS's AVX2 LayerNorm
  kernel as its current sources have it (8-lane sums, FMA squares: 123 of 300 means agree),
  and one- or two-pass sums in double with the square root and reciprocal in double or
  binary32 (every mean agrees; at best 237 of 300 inverse deviations).

Usage: layernorm_rule.py [--trials N] [--seed S]
"""
import argparse
import os
from fractions import Fraction

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper

f32 = np.float32
f64 = np.float64


def session(d, eps):
    """A float LayerNormalization over rows of `d` values that also outputs mean and 1/σ."""
    node = helper.make_node(
        "LayerNormalization", ["x", "g", "b"], ["y", "mean", "isd"], axis=-1, epsilon=eps
    )
    graph = helper.make_graph(
        [node],
        "ln",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", d]),
            helper.make_tensor_value_info("g", TensorProto.FLOAT, [d]),
            helper.make_tensor_value_info("b", TensorProto.FLOAT, [d]),
        ],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", d]),
            helper.make_tensor_value_info("mean", TensorProto.FLOAT, None),
            helper.make_tensor_value_info("isd", TensorProto.FLOAT, None),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def welford(row, eps):
    """(mean, 1/σ) by a binary32 Welford recurrence."""
    m, m2 = f32(0), f32(0)
    for k, v in enumerate(row, start=1):
        delta = f32(v - m)
        m = f32(m + f32(delta / f32(k)))
        m2 = f32(m2 + f32(delta * f32(v - m)))
    return m, f32(f32(1) / f32(np.sqrt(f32(f32(m2 / f32(len(row))) + eps))))


def sequential(row, eps):
    """(mean, 1/σ) as the readable sources compute them: sequential binary32 sums."""
    s, sq = f32(0), f32(0)
    for v in row:
        s, sq = f32(s + v), f32(sq + f32(v * v))
    n = f32(len(row))
    mean = f32(s / n)
    var = f32(f32(f32(sq / n) - f32(mean * mean)) + eps)
    return mean, f32(f32(1) / f32(np.sqrt(var)))


def exact_mean(row, eps):
    """The exact mean rounded once (double sums are exact for these rows); 1/σ from double."""
    x = row.astype(f64)
    mean = x.sum() / len(row)
    var = ((x - mean) ** 2).sum() / len(row)
    return f32(mean), f32(f32(1) / f32(np.sqrt(f32(f32(var) + eps))))


def round_f32(v):
    """The binary32 value nearest to the exact rational `v` (ties to even)."""
    f = f32(float(v))
    near = (np.nextafter(f, f32(-np.inf)), f, np.nextafter(f, f32(np.inf)))
    return min(near, key=lambda c: (abs(Fraction(float(c)) - v), int(f32(c).view(np.uint32)) & 1))


def fma(a, b, c):
    """binary32 fused multiply-add: a·b + c rounded once."""
    return round_f32(Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c)))


def mlas_avx2(row, eps):
    """MLAS's AVX2 LayerNorm kernel (`layernorm_kernel_avx2.cpp`, in onnxruntime's sources after
    1.32?): sums and FMA sums of squares in 8 lanes, lanes reduced as ((0+4)+(2+6))+((1+5)+(3+7)),
    a scalar tail, then `1 / sqrtf(q/n - mean² + eps)`. It does not match 1.32 either."""
    n = len(row)
    s, q = [f32(0)] * 8, [f32(0)] * 8
    i = 0
    while i + 8 <= n:
        for k in range(8):
            s[k] = f32(s[k] + row[i + k])
            q[k] = fma(row[i + k], row[i + k], q[k])
        i += 8

    def reduce(v):
        lo = [f32(v[k] + v[k + 4]) for k in range(4)]
        return f32(f32(lo[0] + lo[2]) + f32(lo[1] + lo[3]))

    sum_, sq = reduce(s), reduce(q)
    for v in row[i:]:
        sum_, sq = f32(sum_ + v), f32(sq + f32(v * v))
    mean = f32(sum_ / f32(n))
    var = f32(f32(sq / f32(n)) - f32(mean * mean))
    return mean, f32(f32(1) / f32(np.sqrt(f32(var + eps))))


CANDIDATES = {
    "binary32 Welford": welford,
    "sequential sums": sequential,
    "exact mean": exact_mean,
    "MLAS AVX2 kernel": mlas_avx2,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    ort.set_default_logger_severity(3)
    np.seterr(all="ignore")
    rng = np.random.default_rng(args.seed)
    # (short?, candidate, what) -> [matches, trials]
    tally = {}
    for _ in range(args.trials):
        d = int(rng.choice([2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 64, 100]))
        eps = f32(rng.choice([1e-5, 1e-6, 1e-3]))
        row = (rng.integers(-128, 128, d) * f32(10 ** rng.uniform(-3, 1))).astype(f32)
        _, mean, isd = session(d, float(eps)).run(
            None, {"x": row[None, :], "g": np.ones(d, f32), "b": np.zeros(d, f32)}
        )
        short = d < 8
        for name, rule in CANDIDATES.items():
            m, s = rule(row, eps)
            for what, got, want in (("mean", m, mean.ravel()[0]), ("1/σ", s, isd.ravel()[0])):
                t = tally.setdefault((short, name, what), [0, 0])
                t[0] += int(f32(got) == f32(want))
                t[1] += 1
    for (short, name, what), (ok, n) in sorted(tally.items()):
        rows = "rows < 8 " if short else "rows ≥ 8 "
        print(f"{rows} {name:17} {what:4}: {ok:4} of {n} agree")


if __name__ == "__main__":
    main()
