#!/usr/bin/env bash
# Random models against onnxruntime (models/fuzz_ort.py): CASES random CNNs and MLPs inside the
# supported op set, quantized four ways, must compile and give onnxruntime's int8 outputs bit
# for bit on the CPU reference and on the GPU. The README test command runs a short fixed-seed
# run; this is the long one.
#
# Usage: scripts/fuzz-models.sh [CASES (default 1000)] [SEED (default: the time)]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
cd "$AIPIN_ROOT"
[ -x "$AIPIN_PYTHON" ] || "$here/setup.sh"
cargo build --locked --release -p aipin-worker >&2
cases="${1:-1000}"
seed="${2:-$(date +%s)}"
echo "seed $seed (rerun a failure with: scripts/fuzz-models.sh $cases $seed)"
"$AIPIN_PYTHON" models/fuzz_ort.py "$CARGO_TARGET_DIR/release/aipin-worker" --cases "$cases" --seed "$seed"
