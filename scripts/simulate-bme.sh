#!/usr/bin/env bash
# Prints the burn-and-mint simulation table of docs/tokenomics.md: the real BME pallet in a mock
# runtime, 12 epochs under three demand scenarios. Needs no node build (pallet crates only).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
cd "$AIPIN_ROOT"
SKIP_WASM_BUILD=1 cargo test --locked --release -q -p pallet-bme simulation -- --nocapture 2>&1 |
	grep -v -e '^running' -e '^test result' -e '^\.$' -e '^$'
