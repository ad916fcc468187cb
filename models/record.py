#!/usr/bin/env python3
"""Records onnxruntime's outputs for the demo models: the truth the Rust tests compare with.

For every model `train.py` wrote (`NAME.x.npy`, the test inputs; `NAME.y.npy`, their labels)
it writes, next to this file:
- `NAME.VARIANT.ort.npy` for each quantized VARIANT (`int8`, `pc.int8`, `u8.int8`): onnxruntime's
  quantized output, taken before the final DequantizeLinear (uint8/int8),
- `NAME.f32.ort.npy` the float model's logits (float32),
and prints accuracies. With `--check` it writes nothing: it recomputes every output with the
installed onnxruntime and fails if any quantized output differs by a bit from the committed
files, or a float logit by more than a small tolerance (see FLOAT_RTOL; onnxruntime's float
kernels differ across CPU instruction sets) or in its prediction. `scripts/test.sh` runs it, so
the truth the Rust tests use is onnxruntime's, not a stale copy.
onnxruntime runs single-threaded with its default (full) graph
optimizations, which fuse the QDQ pattern into its integer kernels (QLinearConv, QGemm).
"""
import glob
import json
import os
import platform
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def output_qparams(path):
    """(scale, zero point) of the DequantizeLinear that produces the graph output."""
    m = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    out = m.graph.output[0].name
    node = next(n for n in m.graph.node if out in n.output)
    assert node.op_type == "DequantizeLinear", f"{path}: output is not dequantized"
    return inits[node.input[1]], inits[node.input[2]]


# onnxruntime's float kernels are not bit-reproducible across CPUs: MLAS sums a convolution in
# another order with AVX-512 than with AVX2 (measured: up to 1.1e-5 on logits near 30, 548 ULP).
# The float logits are only the baseline for the float accuracy, so they are checked to this
# tolerance and for identical predictions; the int8 outputs, the truth the Rust tests use, are
# checked bit for bit.
FLOAT_RTOL, FLOAT_ATOL = 1e-5, 1e-4


def put(path, array, check, problems):
    """Writes `array` to `path`, or with `check` compares it with the file there: integers bit
    for bit, floats to FLOAT_RTOL/FLOAT_ATOL with the same argmax per sample."""
    if not check:
        np.save(path, array)
        return
    if not os.path.exists(path):
        problems.append(f"{os.path.basename(path)}: missing")
        return
    old = np.load(path)
    if old.dtype != array.dtype or old.shape != array.shape:
        problems.append(f"{os.path.basename(path)}: {old.dtype}{old.shape} recorded, {array.dtype}{array.shape} now")
    elif array.dtype.kind == "f":
        close = np.isclose(old, array, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
        if not close.all() or not np.array_equal(old.argmax(-1), array.argmax(-1)):
            n, worst = int((~close).sum()), float(np.abs(old - array).max())
            changed = int((old.argmax(-1) != array.argmax(-1)).sum())
            problems.append(
                f"{os.path.basename(path)}: {n} of {old.size} values beyond the float tolerance "
                f"(max difference {worst:.3g}), {changed} predictions changed"
            )
    elif not np.array_equal(old, array):
        n = int((old != array).sum())
        problems.append(f"{os.path.basename(path)}: {n} of {old.size} values differ")


def main():
    check = "--check" in sys.argv[1:]
    problems = []
    cpu = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
    report = {"onnxruntime": ort.__version__, "machine": platform.machine(), "vnni": ("avx512_vnni" in cpu or "avx_vnni" in cpu), "models": {}}
    for data in sorted(glob.glob(os.path.join(HERE, "*.x.npy"))):
        name = os.path.basename(data)[: -len(".x.npy")]
        x = np.load(data)
        y = np.load(os.path.join(HERE, f"{name}.y.npy"))
        logits = session(os.path.join(HERE, f"{name}.f32.onnx")).run(None, {"input": x})[0]
        put(os.path.join(HERE, f"{name}.f32.ort.npy"), logits.astype(np.float32), check, problems)
        entry = {"float_accuracy": float((logits.argmax(1) == y).mean()), "samples": int(len(y))}
        for variant in ("int8", "pc.int8", "u8.int8"):
            path = os.path.join(HERE, f"{name}.{variant}.onnx")
            out = session(path).run(None, {"input": x})[0]
            scale, zp = output_qparams(path)
            q = np.round(out / scale).astype(np.int32) + int(zp)
            q = q.astype(zp.dtype)
            assert np.array_equal((q.astype(np.int32) - int(zp)).astype(np.float32) * scale, out), "output is not on the quantization grid"
            put(os.path.join(HERE, f"{name}.{variant}.ort.npy"), q, check, problems)
            entry[f"{variant}_accuracy"] = float((q.astype(np.int32).argmax(1) == y).mean())
        report["models"][name] = entry
    print(json.dumps(report, indent=1, sort_keys=True))
    if not check:
        with open(os.path.join(HERE, "record.json"), "w") as f:
            json.dump(report, f, indent=1, sort_keys=True)
        return
    if problems:
        print("onnxruntime's outputs differ from the recorded ones:", *problems, sep="\n  ", file=sys.stderr)
        if not report["vnni"]:
            print(
                "this CPU has no VNNI: onnxruntime's u8s8 kernels may saturate int16 pair sums here "
                "(the demo models use reduce_range=True to avoid it; a model without it can differ)",
                file=sys.stderr,
            )
        sys.exit(1)
    print(f"onnxruntime {ort.__version__} reproduces every recorded output ({len(report['models'])} models)")


if __name__ == "__main__":
    main()
