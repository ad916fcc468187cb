#!/usr/bin/env bash
# Builds aipin-node (release, with the WASM runtime embedded) into $CARGO_TARGET_DIR.
# Usage: scripts/build.sh [extra cargo args]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
cd "$AIPIN_ROOT"
start=$(date +%s)
# Build the node together with every test target: tests pull in dev-dependencies (subxt, ...)
# that change the features of shared crates, so building the node alone would compile a
# second copy of much of the tree. One invocation, one feature set, one compile.
echo "==> cargo build --release --workspace --bins --tests (target dir: $CARGO_TARGET_DIR)"
cargo build --locked --release --workspace --bins --tests "$@"
echo "==> built $AIPIN_NODE_BIN in $(( $(date +%s) - start ))s ($(du -h "$AIPIN_NODE_BIN" | cut -f1))"
