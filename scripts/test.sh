#!/usr/bin/env bash
# Runs every test: set-up, format and clippy checks, then the pallet, runtime and worker unit
# tests, the node's tests (dev node, four-validator local testnet, chain-spec drift, escrow
# lifecycle), the end-to-end tests with real workers and the `aipin` CLI (happy path with
# epoch claims, dishonest provider slashed, worker and node crashes), the runtime upgrade from
# the previous release's storage (try-runtime), the systemd units, the whole-runtime fuzzer, onnxruntime's truth for the demo models and for
# random models, the external-client test (@polkadot/api from npm, `node --test`), and the
# dashboard's browser test (Debian's Chromium through puppeteer-core, against a live chain).
#
# Usage: scripts/test.sh [extra cargo test args]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
cd "$AIPIN_ROOT"

[ -n "${AIPIN_SKIP_SETUP:-}" ] || "$here/setup.sh"

t0=$(date +%s)
echo "==> formatting"
# rustfmt.toml uses polkadot-sdk's nightly-only options (imports_granularity, ...); check with
# nightly rustfmt when it is installed, else with stable (which ignores those options).
if cargo +nightly fmt --version >/dev/null 2>&1; then
	cargo +nightly fmt --all -- --check
elif cargo fmt --version >/dev/null 2>&1; then
	cargo fmt --all -- --check 2> >(grep -v "unstable features are only available" >&2)
else
	echo "rustfmt not installed; skipping the format check"
fi

if cargo clippy --version >/dev/null 2>&1; then
	"$here/lint.sh"
else
	echo "clippy not installed; skipping the lint"
fi

# One profile (release) for the node and every test, so dependencies compile once.
echo "==> cargo test --release --workspace"
cargo test --locked --release --workspace "$@"
echo "==> systemd units (deploy/systemd) against the binaries just built"
"$here/check-units.sh"
echo "==> runtime upgrade from the previous release's storage, with every try-runtime check"
# Native only (the wasm blob is what the workspace build made); try-runtime is its own build.
SKIP_WASM_BUILD=1 cargo test --locked --release -p aipin-runtime --features try-runtime --test upgrade
echo "==> whole-runtime fuzzer: 50,000 random calls through real blocks, every invariant after every block"
AIPIN_FUZZ_CALLS=50000 AIPIN_FUZZ_SEED=1 SKIP_WASM_BUILD=1 \
	cargo test --locked --release -p aipin-runtime --features try-runtime --test fuzz -- --nocapture
echo "==> onnxruntime truth: the recorded outputs the Rust tests compare with are onnxruntime's, now"
"$AIPIN_PYTHON" models/record.py --check
echo "==> random models against onnxruntime: compiled, run on the CPU reference and the GPU, bit for bit"
"$AIPIN_PYTHON" models/fuzz_ort.py "$CARGO_TARGET_DIR/release/aipin-worker" --cases 200 --seed 1
echo "==> external client (Node.js, @polkadot/api)"
"$here/test-js.sh"
echo "==> dashboard in headless Chromium against a dev chain with workers running tasks"
"$here/test-dashboard.sh"
echo "==> all tests passed in $(( $(date +%s) - t0 ))s"
