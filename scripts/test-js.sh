#!/usr/bin/env bash
# The external-client test: starts a dev node (a block a second), installs @polkadot/api from
# npm (exact versions from tests/js/package-lock.json) and runs `node --test` against it.
#
# Usage: scripts/test-js.sh   (after scripts/build.sh)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"
aipin_npm_ci "$AIPIN_ROOT/tests/js"
cd "$AIPIN_ROOT/tests/js"

dir="$(mktemp -d)"
port=$(aipin_free_port)
"$AIPIN_NODE_BIN" --dev --sealing 1000 --base-path "$dir" --rpc-port "$port" \
	--listen-addr /ip4/127.0.0.1/tcp/0 --no-prometheus >"$dir/node.log" 2>&1 &
aipin_track_pid $!
aipin_wait_for_block "$port" 1 90 "$!" "$dir/node.log"
echo "==> node --test (tests/js) against ws://127.0.0.1:$port"
if ! AIPIN_WS="ws://127.0.0.1:$port" node --test; then
	echo "--- node log" >&2
	tail -30 "$dir/node.log" >&2
	exit 1
fi
rm -rf "$dir"
