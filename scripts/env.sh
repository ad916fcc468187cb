# shellcheck shell=bash
# Environment shared by every AiPIN script. Source it; do not execute it.
#
#   . scripts/env.sh
#
# It sets:
# - CARGO_TARGET_DIR: a fixed per-user directory outside the clone, so a fresh clone (CI runs in
#   one) reuses the build of the last session instead of compiling ~1200 crates again.
# - WASM_BUILD_TOOLCHAIN: only when the default toolchain has no wasm target; then the runtime is
#   built with the Debian toolchain that `scripts/setup.sh` linked into rustup (see docs/building.md).

AIPIN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AIPIN_ROOT
export AIPIN_CACHE="${AIPIN_CACHE:-$HOME/.cache/aipin}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$AIPIN_CACHE/target}"
# substrate-wasm-builder looks for Cargo.lock upwards from its OUT_DIR, which lives in the target
# dir outside the clone: tell it where the workspace is.
export WASM_BUILD_WORKSPACE_HINT="$AIPIN_ROOT"
# The name of the rustup toolchain that setup.sh links to Debian's rustc-web when needed.
export AIPIN_WASM_TOOLCHAIN_NAME="aipin-debian-wasm"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Keep incremental off for release builds in CI-like runs: it does not help and eats disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

aipin_default_has_wasm_target() {
	rustup target list --installed 2>/dev/null | grep -qx 'wasm32v1-none'
}

if [ -z "${WASM_BUILD_TOOLCHAIN:-}" ] && ! aipin_default_has_wasm_target; then
	if rustup toolchain list 2>/dev/null | grep -q "^${AIPIN_WASM_TOOLCHAIN_NAME}"; then
		export WASM_BUILD_TOOLCHAIN="$AIPIN_WASM_TOOLCHAIN_NAME"
	fi
fi

# wgpu: prefer Vulkan (lavapipe on machines without a GPU) unless the user chose otherwise.
export WGPU_BACKEND="${WGPU_BACKEND:-vulkan}"

# The Python of the model-tooling venv that scripts/setup.sh makes.
export AIPIN_PYTHON="$AIPIN_CACHE/venv/bin/python"

# The node binary built by scripts/build.sh.
export AIPIN_NODE_BIN="$CARGO_TARGET_DIR/release/aipin-node"
