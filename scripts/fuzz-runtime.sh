#!/usr/bin/env bash
# The whole-runtime fuzzer (runtime/tests/fuzz.rs): CALLS calls of every pallet from any account
# with arbitrary arguments, through real block execution, every invariant checked after every
# block. The README test command runs a short fixed-seed run; this is the long one.
#
# Usage: scripts/fuzz-runtime.sh [CALLS (default 1000000)] [SEED (default: the time)]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
cd "$AIPIN_ROOT"
calls="${1:-1000000}"
seed="${2:-$(date +%s)}"
echo "seed $seed (rerun a failure with: scripts/fuzz-runtime.sh $calls $seed)"
# Native only (try-runtime is its own build; the wasm blob is not needed).
AIPIN_FUZZ_CALLS="$calls" AIPIN_FUZZ_SEED="$seed" SKIP_WASM_BUILD=1 \
	cargo test --locked --release -p aipin-runtime --features try-runtime --test fuzz -- --nocapture
