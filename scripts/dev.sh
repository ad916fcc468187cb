#!/usr/bin/env bash
# The main job: set up the machine, build, start a dev chain (Alice validating with real Aura
# block production and GRANDPA finality) and its two genesis providers' workers (stashes
# //Alice//stash and //Bob//stash, operated by //Eve and //Ferdie, staked at genesis), submit
# demo tasks with replication 2 through the `aipin` CLI (three kernels, and the digits CNN on its
# test split through `aipin infer`, printing the accuracy of the verified result), show them
# settle and their results verify against the chain, serve the web dashboard (dashboard/, its
# address printed), then keep everything running until Ctrl-C, and stop it all.
#
# Usage: scripts/dev.sh [--fresh] [extra aipin-node flags]
#   --fresh   wipe the dev chain's database and the workers' journals first
# Environment: AIPIN_RPC_PORT (default 9944), AIPIN_DASHBOARD_PORT (default 8080),
#   AIPIN_SKIP_SETUP=1 to skip scripts/setup.sh,
#   AIPIN_DEMO_TASKS=0 to start the network without submitting demo tasks.
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
workers="$AIPIN_CACHE/dev-workers"
log="$AIPIN_CACHE/dev-node.log"
bin="$CARGO_TARGET_DIR/release"
if [ "$fresh" = 1 ]; then rm -rf "$base" "$workers"; fi
mkdir -p "$base" "$workers"

# shellcheck source=lib.sh
. "$here/lib.sh"

echo "==> starting aipin-node --dev (RPC ws://127.0.0.1:$rpc_port, log $log)"
"$AIPIN_NODE_BIN" --dev --base-path "$base" --rpc-port "$rpc_port" --no-mdns \
	--prometheus-port "${AIPIN_PROMETHEUS_PORT:-9615}" "$@" >"$log" 2>&1 &
node_pid=$!
aipin_track_pid "$node_pid"
aipin_wait_for_block "$rpc_port" 1 120 "$node_pid" "$log"

export AIPIN_NODE="ws://127.0.0.1:$rpc_port"
aipin() { "$bin/aipin" "$@"; }

# A chain reused from an earlier run has a different genesis only if the runtime changed; the
# workers refuse a journal of another chain, so start them clean in that case.
genesis="$(aipin_rpc "$rpc_port" chain_getBlockHash '[0]' | tr -d '"')"
if [ -f "$workers/genesis" ] && [ "$(cat "$workers/genesis")" != "$genesis" ]; then
	echo "==> the dev chain is new: clearing the workers' journals"
	rm -rf "$workers"/eve "$workers"/ferdie
fi
echo "$genesis" >"$workers/genesis"

for w in eve:8101:Eve ferdie:8102:Ferdie; do
	IFS=: read -r name port key <<<"$w"
	echo "==> starting worker $name (operator //$key, results http://127.0.0.1:$port, log $workers/$name.log)"
	AIPIN_OPERATOR_SURI="//$key" "$bin/aipin-worker" run --node "$AIPIN_NODE" \
		--listen "127.0.0.1:$port" --data-dir "$workers/$name" >"$workers/$name.log" 2>&1 &
	aipin_track_pid $!
done

# Alice is the dev chain's price feeder: keep the oracle's price fresh (it expires after an
# hour), or nobody could buy credits on a chain left running.
feed_price() { AIPIN_SURI=//Alice aipin bme price 500000000 >/dev/null; }
feed_price
echo "==> providers:"
aipin providers

# The web dashboard: static files, served here; it reads the node over WebSocket.
"$here/build-dashboard.sh"
dash_port="${AIPIN_DASHBOARD_PORT:-8080}"
dashboard="http://127.0.0.1:$dash_port/?node=ws://127.0.0.1:$rpc_port"
python3 -m http.server "$dash_port" --bind 127.0.0.1 --directory "$AIPIN_ROOT/dashboard/dist" \
	>"$AIPIN_CACHE/dashboard.log" 2>&1 &
aipin_track_pid $!
echo "==> dashboard: $dashboard"

if [ "${AIPIN_DEMO_TASKS:-1}" != 0 ]; then
	out="$workers/demo"
	mkdir -p "$out"
	echo "==> Alice buys credits and submits three demo tasks and one inference task, replication 2"
	AIPIN_SURI=//Alice aipin credits buy 100
	demo() {
		local name=$1
		shift
		AIPIN_SURI=//Alice aipin task submit "$@" -r 2 --out "$out/$name.bin" >"$out/$name.txt" 2>&1
	}
	# One signer: stagger the submissions so each reads the pool's next nonce after the last.
	demo gemm --kernel gemm-i8 --params 256,256,256 &
	p1=$!
	sleep 3
	demo mlp --kernel mlp-q8 --params 64,256,4 &
	p2=$!
	sleep 3
	demo hash --kernel hash-batch --params 1024,256 &
	p3=$!
	sleep 3
	# Verified inference: the digits CNN (registered at genesis) on its 360-image test split.
	AIPIN_SURI=//Alice aipin infer "$AIPIN_ROOT/models/digits-cnn.pc.int8.aiq" \
		"$AIPIN_ROOT/models/digits-cnn.x.npy" --labels "$AIPIN_ROOT/models/digits-cnn.y.npy" \
		-r 2 -o "$out/digits.npy" >"$out/digits.txt" 2>&1 &
	p4=$!
	sleep 3
	# Tier 2: the transformer encoder (attention, LayerNorm, GELU) on the same digits, read as
	# 8 tokens of 8 pixels.
	AIPIN_SURI=//Alice aipin infer "$AIPIN_ROOT/models/digits-transformer.pc.int8.aiq" \
		"$AIPIN_ROOT/models/digits-transformer.x.npy" \
		--labels "$AIPIN_ROOT/models/digits-transformer.y.npy" \
		-r 2 -o "$out/transformer.npy" >"$out/transformer.txt" 2>&1 &
	p5=$!
	failed=0
	for p in "$p1:gemm" "$p2:mlp" "$p3:hash" "$p4:digits" "$p5:transformer"; do
		if ! wait "${p%%:*}"; then failed=1; fi
		echo "--- ${p#*:}"
		cat "$out/${p#*:}.txt"
	done
	if [ "$failed" = 1 ]; then
		echo "a demo task failed; worker logs: $workers/eve.log $workers/ferdie.log" >&2
		exit 1
	fi
	echo "==> every demo result was downloaded and verified against its on-chain root ($out)"
	aipin bme stats
fi

echo "==> dev network running: node ws://127.0.0.1:$rpc_port, workers :8101 :8102, dashboard $dashboard. Ctrl-C stops it."
echo "    try: $bin/aipin task submit --kernel gemm-i8 --params 128,128,128 --suri //Alice"
echo "         $bin/aipin infer models/digits-mlp.pc.int8.aiq models/digits-mlp.x.npy --labels models/digits-mlp.y.npy --suri //Alice"
fed=$(date +%s)
while kill -0 "$node_pid" 2>/dev/null; do
	health=""
	for port in 8101 8102; do
		if curl -s -m 2 "http://127.0.0.1:$port/health" >/dev/null; then health+=" :$port up"; else health+=" :$port DOWN"; fi
	done
	printf '%s  best #%s  finalized #%s  workers%s\n' "$(date +%T)" \
		"$(aipin_best "$rpc_port")" "$(aipin_finalized "$rpc_port")" "$health"
	if [ $(($(date +%s) - fed)) -ge 1800 ]; then feed_price || true; fed=$(date +%s); fi
	sleep 30
done
echo "aipin-node exited; last log lines:" >&2
tail -20 "$log" >&2
exit 1
