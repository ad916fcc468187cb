#!/usr/bin/env bash
# Builds the web dashboard into dashboard/dist (static files any web server can serve): `npm ci`
# from dashboard/package-lock.json when needed, type-check, Vite build.
#
# Usage: scripts/build-dashboard.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"
aipin_npm_ci "$AIPIN_ROOT/dashboard"
echo "==> building the dashboard (dashboard/dist)"
cd "$AIPIN_ROOT/dashboard"
npm run --silent build -- --logLevel warn
