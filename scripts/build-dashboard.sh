#!/usr/bin/env bash
# Builds the web dashboard into dashboard/dist (static files any web server can serve):
# `npm ci` from dashboard/package-lock.json when needed, type-check, Vite build.
#
# Usage: scripts/build-dashboard.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
cd "$AIPIN_ROOT/dashboard"
command -v node >/dev/null || { echo "node (Node.js >= 20) is missing: run scripts/setup.sh" >&2; exit 1; }
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
	echo "==> npm ci (dashboard)"
	npm ci --no-audit --no-fund --loglevel=error
fi
echo "==> building the dashboard (dashboard/dist)"
npm run --silent build -- --logLevel warn
