#!/usr/bin/env bash
# The dashboard's browser test: builds dashboard/ (Vite + TypeScript, exact versions from its
# package-lock.json), starts a dev node (a block a second) with its two genesis providers'
# workers, serves the built dashboard, and drives Debian's Chromium through puppeteer-core over
# every view, comparing what the page shows with the chain read independently, while the
# workers run a task the test submits.
#
# Usage: scripts/test-dashboard.sh   (after scripts/build.sh)
# Environment: SCREENSHOTS=dir keeps a screenshot of every view there (docs/dashboard holds the
#   committed ones: SCREENSHOTS=docs/dashboard scripts/test-dashboard.sh).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

chromium="$(command -v chromium || true)"
[ -n "$chromium" ] || { echo "chromium (Debian's package) is missing: run scripts/setup.sh" >&2; exit 1; }
[ -z "${SCREENSHOTS:-}" ] || SCREENSHOTS="$(mkdir -p "$SCREENSHOTS" && cd "$SCREENSHOTS" && pwd)"
"$here/build-dashboard.sh"

dir="$(mktemp -d)"
port=$(aipin_free_port)
"$AIPIN_NODE_BIN" --dev --sealing 1000 --base-path "$dir/chain" --rpc-port "$port" \
	--listen-addr /ip4/127.0.0.1/tcp/0 --no-prometheus >"$dir/node.log" 2>&1 &
node_pid=$!
aipin_track_pid "$node_pid"
aipin_wait_for_block "$port" 1 90 "$node_pid" "$dir/node.log"

# On the genesis providers' endpoints (:8101, :8102), which the page downloads results from:
# stop a dev network running on this machine first.
for w in eve:8101:Eve ferdie:8102:Ferdie; do
	IFS=: read -r name wport key <<<"$w"
	if curl -s -m 2 "http://127.0.0.1:$wport/health" >/dev/null; then
		echo "port $wport is taken (a dev network running?): the test's workers need it" >&2
		exit 1
	fi
	AIPIN_OPERATOR_SURI="//$key" "$CARGO_TARGET_DIR/release/aipin-worker" run \
		--node "ws://127.0.0.1:$port" --listen "127.0.0.1:$wport" --data-dir "$dir/$name" \
		>"$dir/$name.log" 2>&1 &
	aipin_track_pid $!
done

web=$(aipin_free_port)
python3 -m http.server "$web" --bind 127.0.0.1 --directory "$AIPIN_ROOT/dashboard/dist" \
	>"$dir/web.log" 2>&1 &
aipin_track_pid $!

echo "==> browser test (dashboard http://127.0.0.1:$web/, node ws://127.0.0.1:$port, $chromium)"
cd "$AIPIN_ROOT/dashboard"
if ! AIPIN_WS="ws://127.0.0.1:$port" DASHBOARD_URL="http://127.0.0.1:$web/" CHROMIUM="$chromium" \
	SCREENSHOTS="${SCREENSHOTS:-}" node --test test/; then
	for log in node eve ferdie; do
		echo "--- $log log" >&2
		tail -20 "$dir/$log.log" >&2
	done
	exit 1
fi
rm -rf "$dir"
