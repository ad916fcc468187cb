#!/usr/bin/env python3
"""onnxruntime's throughput on the demo models: samples/s with 1 thread and with all cores.

Usage: bench_ort.py MODEL.onnx INPUT.npy [repeats]. Prints one line per thread setting; the
batch is the whole input file, run `repeats` times after one warm-up.
"""
import os
import sys
import time

import numpy as np
import onnxruntime as ort


def main():
    model, data = sys.argv[1], sys.argv[2]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    x = np.load(data)
    for threads in (1, os.cpu_count() or 1):
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        s = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
        s.run(None, {"input": x})
        t = time.perf_counter()
        for _ in range(repeats):
            s.run(None, {"input": x})
        dt = (time.perf_counter() - t) / repeats
        print(f"onnxruntime {ort.__version__} {threads} thread(s): {len(x) / dt:,.0f} samples/s")


if __name__ == "__main__":
    main()
