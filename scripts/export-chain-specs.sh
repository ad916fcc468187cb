#!/usr/bin/env bash
# Regenerates chain-spec/dev.json and chain-spec/local_testnet.json from the runtime's genesis
# presets. The chain-spec drift test fails until they are regenerated after a preset change.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
"$here/build.sh"
"$AIPIN_NODE_BIN" export-chain-spec --chain dev --output "$AIPIN_ROOT/chain-spec/dev.json"
"$AIPIN_NODE_BIN" export-chain-spec --chain local --output "$AIPIN_ROOT/chain-spec/local_testnet.json"
