#!/usr/bin/env bash
# Checks the systemd units in deploy/systemd against the binaries this tree builds:
# `systemd-analyze verify` (syntax, directives, the ExecStart binary), and every `--flag` an
# ExecStart passes is one the binary's `--help` lists. Run after the release build.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
cd "$AIPIN_ROOT"

bin="$CARGO_TARGET_DIR/release"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for unit in deploy/systemd/*.service; do
	name="$(basename "$unit" .service)"
	exe="$bin/$name"
	[ -x "$exe" ] || { echo "$unit: $exe is not built" >&2; exit 1; }
	# The installed path, as the unit names it, replaced by the one built here.
	sed "s#/usr/local/bin/$name#$exe#" "$unit" >"$work/$name.service"
	# ExecStart with its continuation lines joined; the flags it passes.
	cmd="$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$unit" | sed -n 's/^ExecStart=//p')"
	sub="$(echo "$cmd" | awk '{ if ($2 !~ /^-/) print $2 }')"
	help="$("$exe" $sub --help 2>&1)"
	for flag in $(echo "$cmd" | grep -o -- '--[a-z][a-z-]*'); do
		grep -q -- "$flag" <<<"$help" || { echo "$unit: $name $sub has no $flag" >&2; exit 1; }
	done
done
if command -v systemd-analyze >/dev/null 2>&1; then
	# Unknown or misspelled directives are only warnings to systemd: any output fails here.
	out="$(cd "$work" && systemd-analyze verify ./*.service 2>&1)" || { echo "$out" >&2; exit 1; }
	[ -z "$out" ] || { echo "$out" >&2; exit 1; }
	echo "systemd units: verified ($(ls deploy/systemd | tr '\n' ' '))"
else
	echo "systemd units: flags checked; systemd-analyze not installed, syntax not verified"
fi
