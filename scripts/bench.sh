#!/usr/bin/env bash
# Network benchmark: starts a dev node (real Aura block production, 6 s blocks; pass
# `--sealing 1000` for instant-finality blocks every second) and the two genesis providers'
# workers, then runs aipin-netbench: balance transfers per second and replicated tasks settled
# per minute on the same node in the same run, submit → settled latency in blocks, the
# workers' overhead against kernel time, and the runtime's weights of the lifecycle
# extrinsics beside transfer_keep_alive. Prints a table. Also prints `aipin-worker bench`.
#
# Usage: scripts/bench.sh [aipin-node flags]
#   env: TRANSFERS, TASKS, PARAMS to resize the burst;
#        PROVIDERS=4 registers two more providers (stashes Charlie//stash and Dave//stash,
#        operated by Eve//stash and Ferdie//stash) and runs their workers too;
#        SUSTAIN=300 RATE=20 submits RATE tasks a second for SUSTAIN seconds instead of a burst;
#        JSON=path also writes the figures there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
[ -n "${AIPIN_SKIP_SETUP:-}" ] || "$here/setup.sh"
"$here/build.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

bin="$CARGO_TARGET_DIR/release"
dir="$(mktemp -d)"
port=$(aipin_free_port)
echo "==> dev node (RPC $port, log $dir/node.log) $*"
"$AIPIN_NODE_BIN" --dev --base-path "$dir/node" --rpc-port "$port" --no-mdns \
	--listen-addr /ip4/127.0.0.1/tcp/0 --no-prometheus "$@" >"$dir/node.log" 2>&1 &
node_pid=$!
aipin_track_pid "$node_pid"
aipin_wait_for_block "$port" 1 120 "$node_pid" "$dir/node.log"
url="ws://127.0.0.1:$port"
metrics=""
# name:operator[:stash to register first]
workers=(eve:Eve ferdie:Ferdie)
if [ "${PROVIDERS:-2}" -ge 4 ]; then
	workers+=(charlie:Eve//stash:Charlie//stash dave:Ferdie//stash:Dave//stash)
fi
for w in "${workers[@]}"; do
	IFS=: read -r name key stash <<<"$w"
	wport=$(aipin_free_port)
	if [ -n "$stash" ]; then
		echo "==> registering provider $stash (operator //$key)"
		AIPIN_OPERATOR_SURI="//$key" AIPIN_STASH_SURI="//$stash" "$bin/aipin-worker" register \
			--node "$url" --stake 10000 --ask 1 --endpoint "http://127.0.0.1:$wport" \
			--throughput 1000 --data-dir "$dir/$name" >"$dir/$name.register.log" 2>&1 ||
			{ cat "$dir/$name.register.log"; exit 1; }
	fi
	AIPIN_OPERATOR_SURI="//$key" RUST_LOG=warn "$bin/aipin-worker" run --node "$url" \
		--listen "127.0.0.1:$wport" --data-dir "$dir/$name" >"$dir/$name.log" 2>&1 &
	aipin_track_pid $!
	metrics+="${metrics:+,}http://127.0.0.1:$wport/metrics"
done
echo "==> aipin-netbench (${#workers[@]} providers)"
"$bin/aipin-netbench" --node "$url" --metrics "$metrics" \
	--transfers "${TRANSFERS:-8000}" --tasks "${TASKS:-64}" --params "${PARAMS:-256,256,256}" \
	--sustain "${SUSTAIN:-0}" --rate "${RATE:-10}" ${JSON:+--json "$JSON"}
echo
echo "==> aipin-worker bench (this device)"
"$bin/aipin-worker" bench 2>/dev/null
rm -rf "$dir"
