#!/usr/bin/env bash
# The main job: set up the machine, build, start a dev chain (Alice validating with real Aura
# block production and GRANDPA finality) and show blocks being produced and finalized until
# Ctrl-C, then stop everything it started.
#
# Usage: scripts/dev.sh [--fresh] [extra aipin-node flags]
#   --fresh   wipe the dev chain's database first
# Environment: AIPIN_RPC_PORT (default 9944), AIPIN_SKIP_SETUP=1 to skip scripts/setup.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"

fresh=0
if [ "${1:-}" = "--fresh" ]; then fresh=1; shift; fi

[ -n "${AIPIN_SKIP_SETUP:-}" ] || "$here/setup.sh"
"$here/build.sh"

rpc_port="${AIPIN_RPC_PORT:-9944}"
base="$AIPIN_CACHE/dev-chain"
log="$AIPIN_CACHE/dev-node.log"
if [ "$fresh" = 1 ]; then rm -rf "$base"; fi
mkdir -p "$base"

# shellcheck source=lib.sh
. "$here/lib.sh"

echo "==> starting aipin-node --dev (RPC ws://127.0.0.1:$rpc_port, log $log)"
"$AIPIN_NODE_BIN" --dev --base-path "$base" --rpc-port "$rpc_port" --no-mdns \
	--prometheus-port "${AIPIN_PROMETHEUS_PORT:-9615}" "$@" >"$log" 2>&1 &
node_pid=$!
aipin_track_pid "$node_pid"

aipin_wait_for_block "$rpc_port" 1 120 "$node_pid" "$log"
echo "==> dev chain is up. Connect a wallet to ws://127.0.0.1:$rpc_port. Ctrl-C stops it."
while kill -0 "$node_pid" 2>/dev/null; do
	printf '%s  best #%s  finalized #%s\n' "$(date +%T)" \
		"$(aipin_best "$rpc_port")" "$(aipin_finalized "$rpc_port")"
	sleep 6
done
echo "aipin-node exited; last log lines:" >&2
tail -20 "$log" >&2
exit 1
