# shellcheck shell=bash
# Helpers shared by the scripts that run nodes. Source it after env.sh.

AIPIN_PIDS=()

# Remember a background process so that it is stopped when the script exits (Ctrl-C included).
aipin_track_pid() { AIPIN_PIDS+=("$1"); }

aipin_stop_all() {
	local pid
	for pid in "${AIPIN_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${AIPIN_PIDS[@]}"; do
		# Give each process 10 s to shut down cleanly, then kill it.
		for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
		kill -9 "$pid" 2>/dev/null || true
	done
}
trap 'aipin_stop_all' EXIT
trap 'echo; echo "stopping..."; exit 130' INT TERM

# aipin_free_port -> prints a TCP port on 127.0.0.1 that is free right now
aipin_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# aipin_rpc PORT METHOD [PARAMS_JSON] -> prints the JSON result (empty on failure)
aipin_rpc() {
	curl -s -m 5 -H 'Content-Type: application/json' \
		-d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":${3:-[]}}" \
		"http://127.0.0.1:$1" | jq -c '.result // empty' 2>/dev/null || true
}

aipin_best() {
	local n
	n="$(aipin_rpc "$1" chain_getHeader | jq -r '.number // empty' 2>/dev/null)"
	[ -n "$n" ] && printf '%d' "$n" || echo "?"
}

aipin_finalized() {
	local h n
	h="$(aipin_rpc "$1" chain_getFinalizedHead)"
	[ -n "$h" ] || { echo "?"; return; }
	n="$(aipin_rpc "$1" chain_getHeader "[$h]" | jq -r '.number // empty' 2>/dev/null)"
	[ -n "$n" ] && printf '%d' "$n" || echo "?"
}

# aipin_wait_for_block PORT MIN_BLOCK TIMEOUT_S PID LOG: a lone dev node answers /health but not
# readiness (0 peers), so wait for a block over RPC instead.
aipin_wait_for_block() {
	local port=$1 min=$2 timeout=$3 pid=$4 log=$5 waited=0 best
	while :; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "aipin-node exited during start-up; last log lines:" >&2
			tail -30 "$log" >&2
			return 1
		fi
		best="$(aipin_best "$port")"
		if [ "$best" != "?" ] && [ "$best" -ge "$min" ]; then return 0; fi
		if [ "$waited" -ge "$timeout" ]; then
			echo "no block #$min after ${timeout}s; last log lines:" >&2
			tail -30 "$log" >&2
			return 1
		fi
		sleep 1
		waited=$((waited + 1))
	done
}

# aipin_npm_ci DIR: installs DIR's npm packages, exactly as its package-lock.json pins them, when
# node_modules is missing or older than the lock file.
aipin_npm_ci() {
	command -v node >/dev/null || { echo "node (Node.js >= 20) is missing: run scripts/setup.sh" >&2; return 1; }
	if [ ! -d "$1/node_modules" ] || [ "$1/package-lock.json" -nt "$1/node_modules" ]; then
		echo "==> npm ci (${1#"$AIPIN_ROOT"/})"
		(cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
	fi
}
