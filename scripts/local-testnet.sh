#!/usr/bin/env bash
# A local testnet of real validators on loopback: Aura block production, GRANDPA finality.
# The `local` chain has four authorities (Alice, Bob, Charlie, Dave); start three or four of
# them (GRANDPA needs more than two thirds of the voters, i.e. three of four).
#
# With --workers, three providers are registered (stashes //Alice//stash, //Bob//stash,
# //Charlie//stash; operators //Eve, //Ferdie, //Dave) and their workers run, each following a
# different validator; `aipin` (see docs/consumer.md) submits tasks to any of them.
#
# Usage: scripts/local-testnet.sh [N] [--workers]   (N = 3 or 4 validators, default 4)
# Ports: validator i (0-based) listens on p2p 30333+i and RPC 9944+i; worker j serves on 8101+j.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
n=4
workers=0
for arg in "$@"; do
	case "$arg" in
		3|4) n="$arg" ;;
		--workers) workers=1 ;;
		*) echo "usage: $0 [3|4] [--workers]" >&2; exit 2 ;;
	esac
done

[ -n "${AIPIN_SKIP_SETUP:-}" ] || "$here/setup.sh"
"$here/build.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

names=(alice bob charlie dave)
dir="$AIPIN_CACHE/local-testnet"
mkdir -p "$dir"
# Fixed node keys give fixed peer ids, so the others can use Alice as their boot node.
node_key() { printf '%064x' "$(( $1 + 1 ))"; }
printf '%s' "$(node_key 0)" > "$dir/alice.node-key"
alice_peer="$("$AIPIN_NODE_BIN" key inspect-node-key --file "$dir/alice.node-key")"
boot="/ip4/127.0.0.1/tcp/30333/p2p/$alice_peer"

for i in $(seq 0 $((n - 1))); do
	name="${names[$i]}"
	args=(--chain local "--$name" --base-path "$dir/$name" --node-key "$(node_key "$i")"
		--listen-addr "/ip4/127.0.0.1/tcp/$((30333 + i))"
		--rpc-port $((9944 + i)) --prometheus-port $((9615 + i)) --no-mdns --no-telemetry)
	[ "$i" -gt 0 ] && args+=(--bootnodes "$boot")
	"$AIPIN_NODE_BIN" "${args[@]}" >"$dir/$name.log" 2>&1 &
	aipin_track_pid $!
	echo "==> $name: RPC ws://127.0.0.1:$((9944 + i)), log $dir/$name.log"
done

aipin_wait_for_block 9944 1 120 "${AIPIN_PIDS[0]}" "$dir/alice.log"

if [ "$workers" = 1 ]; then
	bin="$CARGO_TARGET_DIR/release"
	specs=("alice:Eve:8101:9944" "bob:Ferdie:8102:9945" "charlie:Dave:8103:9946")
	# Register the three providers in parallel (distinct stashes, so no nonce clashes).
	reg_pids=()
	for spec in "${specs[@]}"; do
		IFS=: read -r stash op port rpc <<<"$spec"
		if [ -n "$("$bin/aipin" --node ws://127.0.0.1:9944 --json providers | jq -r ".[] | select(.endpoint == \"http://127.0.0.1:$port\") | .stash")" ]; then
			continue # registered in an earlier run of this chain
		fi
		echo "==> registering //${stash^}//stash (operator //$op, endpoint :$port)"
		AIPIN_STASH_SURI="//${stash^}//stash" AIPIN_OPERATOR_SURI="//$op" \
			"$bin/aipin-worker" register --node "ws://127.0.0.1:$rpc" --stake 10000 --ask 1 \
			--endpoint "http://127.0.0.1:$port" >"$dir/register-$stash.log" 2>&1 &
		reg_pids+=($!)
	done
	for p in "${reg_pids[@]}"; do
		wait "$p" || { echo "registration failed:" >&2; cat "$dir"/register-*.log >&2; exit 1; }
	done
	for spec in "${specs[@]}"; do
		IFS=: read -r stash op port rpc <<<"$spec"
		AIPIN_OPERATOR_SURI="//$op" "$bin/aipin-worker" run --node "ws://127.0.0.1:$rpc" \
			--listen "127.0.0.1:$port" --data-dir "$dir/worker-$stash" >"$dir/worker-$stash.log" 2>&1 &
		aipin_track_pid $!
		echo "==> worker for //${stash^}//stash on :$port following ws://127.0.0.1:$rpc (log $dir/worker-$stash.log)"
	done
	"$bin/aipin" --node ws://127.0.0.1:9944 providers
	echo "==> try: $bin/aipin --node ws://127.0.0.1:9944 --suri //Alice credits buy 10"
	echo "         $bin/aipin --node ws://127.0.0.1:9944 --suri //Alice task submit --kernel gemm-i8 --params 64,64,64 -r 3"
fi
echo "==> $n validators running. Ctrl-C stops them all."
while :; do
	line="$(date +%T)"
	for i in $(seq 0 $((n - 1))); do
		line+="  ${names[$i]}: #$(aipin_best $((9944 + i)))/#$(aipin_finalized $((9944 + i)))"
	done
	echo "$line   (best/finalized)"
	sleep 6
done
