#!/usr/bin/env bash
# A local testnet of real validators on loopback: Aura block production, GRANDPA finality.
# The `local` chain has four authorities (Alice, Bob, Charlie, Dave); start three or four of
# them (GRANDPA needs more than two thirds of the voters, i.e. three of four).
#
# Usage: scripts/local-testnet.sh [N]   (N = 3 or 4 validators, default 4)
# Ports: validator i (0-based) listens on p2p 30333+i and RPC 9944+i.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
n="${1:-4}"
case "$n" in 3|4) ;; *) echo "usage: $0 [3|4]" >&2; exit 2 ;; esac

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
echo "==> $n validators running. Ctrl-C stops them all."
while :; do
	line="$(date +%T)"
	for i in $(seq 0 $((n - 1))); do
		line+="  ${names[$i]}: #$(aipin_best $((9944 + i)))/#$(aipin_finalized $((9944 + i)))"
	done
	echo "$line   (best/finalized)"
	sleep 6
done
