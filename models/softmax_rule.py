#!/usr/bin/env python3
"""Which rule is onnxruntime's QLinearSoftmax? Compares candidate rules with the fused kernel.

docs/inference.md (Softmax) defines AiPIN's rule by measurement, because the MLAS sources do not
give the installed onnxruntime's answers. This script is that measurement: hand-built
DQ → Softmax → Q → DQ models (rows of 2 to 33 values, uint8 and int8, six output scales, half
of the rows ties: 1 to D equal largest values against the smallest), each checked to run as
`QLinearSoftmax` after onnxruntime's optimizations, against four candidate rules (the table's
logarithm in double or binary32; the output as t · (1/sum · Y) or (t / sum) · Y). It prints how
many outputs each rule gets wrong; the rule AiPIN implements is the one with 0.

Usage: softmax_rule.py [--trials N] [--seed S]
"""
import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

f32 = np.float32


def fused_run(d, signed, s_x, zp_x, s_y, q):
    """onnxruntime's int8 output for the 8-bit rows `q`, through a model it fuses."""
    qt = TensorProto.INT8 if signed else TensorProto.UINT8
    zp_y = -128 if signed else 0
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "s_x", "zp_x"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "s_x", "zp_x"], ["xd"]),
        helper.make_node("Softmax", ["xd"], ["s"], axis=-1),
        helper.make_node("QuantizeLinear", ["s", "s_y", "zp_y"], ["yq"]),
        helper.make_node("DequantizeLinear", ["yq", "s_y", "zp_y"], ["y"]),
    ]
    inits = [
        helper.make_tensor("s_x", TensorProto.FLOAT, [], [s_x]),
        helper.make_tensor("zp_x", qt, [], [zp_x]),
        helper.make_tensor("s_y", TensorProto.FLOAT, [], [s_y]),
        helper.make_tensor("zp_y", qt, [], [zp_y]),
    ]
    graph = helper.make_graph(
        nodes,
        "softmax",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", d])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", d])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.optimized_model_filepath = "/tmp/aipin-softmax-rule.onnx"
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    optimized = [n.op_type for n in onnx.load(options.optimized_model_filepath).graph.node]
    # Without the fusion onnxruntime runs the float Softmax: a different rule altogether.
    assert "QLinearSoftmax" in optimized, optimized
    x = ((q.astype(np.int64) - zp_x) * f32(s_x)).astype(f32)
    y = session.run(None, {"x": x})[0]
    return np.rint(y / f32(s_y)).astype(np.int64) + zp_y


def table(s_x, d, log_in_f32):
    headroom = f32(np.finfo(f32).max) / f32(d)
    log = float(np.log(f32(headroom))) if log_in_f32 else float(np.log(np.float64(headroom)))
    shift = max(0.0, log - 5) / float(f32(s_x))
    return np.array([f32(np.exp((i - 255 + shift) * float(f32(s_x)))) for i in range(256)], f32)


RULES = {
    "t · (1/sum · Y)": lambda t, total, y: np.rint((t * f32(f32(f32(1) / total) * y)).astype(f32)),
    "(t / sum) · Y": lambda t, total, y: np.rint(((t / total).astype(f32) * y).astype(f32)),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=60)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    wrong = {(log, rule): 0 for log in ("double log", "binary32 logf") for rule in RULES}
    outputs = 0
    for _ in range(args.trials):
        d = int(rng.choice([2, 3, 4, 5, 8, 16, 20, 33]))
        for signed in (False, True):
            lo, hi = (-128, 127) if signed else (0, 255)
            s_x = float(f32(rng.uniform(0.01, 1.0)))
            zp_x = int(rng.integers(lo // 2, hi // 2))
            s_y = float(f32(rng.choice([1 / 256, 1 / 255, 0.01, 1 / 101.2, 1 / 100.6, 1 / 36])))
            q = rng.integers(lo, hi + 1, (64, d))
            for r in range(0, 64, 2):
                top = int(rng.integers(1, d + 1))
                q[r], q[r, :top] = lo, hi
            want = fused_run(d, signed, s_x, zp_x, s_y, q.astype(np.int8 if signed else np.uint8))
            y = f32(np.floor(f32(1) / f32(s_y)))
            outputs += want.size
            for log in ("double log", "binary32 logf"):
                t_all = table(s_x, d, log == "binary32 logf")
                for row, w in zip(q, want):
                    t = t_all[row - row.max() + 255]
                    total = f32(0)
                    for v in t:
                        total = f32(total + v)
                    for name, rule in RULES.items():
                        got = np.clip(rule(t, total, y) + (-128 if signed else 0), lo, hi)
                        wrong[(log, name)] += int((got != w).sum())
    print(f"onnxruntime {ort.__version__}, {outputs} outputs of the fused QLinearSoftmax:")
    for (log, rule), n in wrong.items():
        print(f"  table with {log:14s} output {rule:16s} {n} differ")


if __name__ == "__main__":
    main()
