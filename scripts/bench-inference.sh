#!/usr/bin/env bash
# Inference throughput on every demo model, in one run on one machine: the worker's GPU path
# (`aipin-worker infer`), its CPU reference (`--cpu`) and onnxruntime with 1 thread and with
# all cores. Figures go into docs/benchmarks.md.
#
# Usage: scripts/bench-inference.sh     (builds aipin-worker in release first)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
cd "$AIPIN_ROOT"
[ -x "$AIPIN_PYTHON" ] || "$here/setup.sh"
cargo build --locked --release -p aipin-worker >&2
worker="$CARGO_TARGET_DIR/release/aipin-worker"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for model in models/*.pc.int8.onnx; do
	name="$(basename "$model" .pc.int8.onnx)"
	echo "== $name ($(basename "$model"), batch = the test split)"
	RUST_LOG=error "$worker" infer --model "$model" --input "models/$name.x.npy" --output "$out/gpu.npy" --repeat 5 2>&1 |
		grep -E 'samples/s' | sed 's/; wrote.*//'
	RUST_LOG=error "$worker" infer --model "$model" --input "models/$name.x.npy" --output "$out/cpu.npy" --cpu --repeat 3 2>&1 |
		grep -E 'samples/s' | sed 's/; wrote.*//'
	cmp -s "$out/gpu.npy" "$out/cpu.npy" && echo "GPU output == CPU reference output" || { echo "GPU and CPU outputs differ" >&2; exit 1; }
	"$AIPIN_PYTHON" models/bench_ort.py "$model" "models/$name.x.npy"
done
