#!/usr/bin/env bash
# Generates `weights.rs` for the AiPIN pallets by running their benchmarks on this machine.
#
# The runtime is rebuilt with `--features runtime-benchmarks` in a separate target directory
# (so the normal build is not invalidated), and the normal node runs the benchmarks against
# that WASM blob with the runtime's own genesis builder. The native half of that build is a
# debug build: only its build script matters (the WASM blob is always built optimized).
#
# Usage: scripts/benchmark-pallets.sh [pallet ...]   (default: every AiPIN pallet)
# Environment: STEPS (default 50), REPEAT (default 20).
#
# Weights take, for each term, the larger of the min-squares and the median-slopes fits
# (`--output-analysis max`): with two components, each varied with the other at its maximum,
# min squares alone put `update_profile` at 847 µs for 32 kernels out and 32 in, where it took
# 991 µs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
cd "$AIPIN_ROOT"

pallets=("$@")
if [ ${#pallets[@]} -eq 0 ]; then
	pallets=(pallet_compute_staking pallet_bme pallet_compute_slashing pallet_task_escrow pallet_models)
fi

"$here/build.sh"

bench_target="$AIPIN_CACHE/target-bench"
echo "==> building the runtime with runtime-benchmarks (target dir $bench_target)"
CARGO_TARGET_DIR="$bench_target" cargo build --locked -p aipin-runtime --features runtime-benchmarks
# A debug native build skips wasm-opt's compaction; the blob itself is still built optimized.
wbuild="$bench_target/debug/wbuild/aipin-runtime"
wasm="$wbuild/aipin_runtime.compact.compressed.wasm"
[ -f "$wasm" ] || wasm="$wbuild/aipin_runtime.wasm"
[ -f "$wasm" ] || { echo "runtime blob not found in $wbuild" >&2; exit 1; }
echo "==> runtime blob: $wasm"

bench() {
	local pallet=$1 out=$2 extrinsics=${3:-*}
	"$AIPIN_NODE_BIN" benchmark pallet \
		--runtime "$wasm" \
		--genesis-builder runtime \
		--genesis-builder-preset development \
		--pallet "$pallet" \
		--extrinsic "$extrinsics" \
		--steps "${STEPS:-50}" \
		--repeat "${REPEAT:-20}" \
		--wasm-execution compiled \
		--heap-pages 4096 \
		--output-analysis max \
		--template "$here/templates/pallet-weights.hbs" \
		--output "$out"
}

outputs=()
for pallet in "${pallets[@]}"; do
	dir="pallets/$(echo "$pallet" | sed -e 's/^pallet_compute_//' -e 's/^pallet_task_//' -e 's/^pallet_//')"
	[ -d "$dir" ] || { echo "no directory $dir for $pallet" >&2; exit 1; }
	echo "==> benchmarking $pallet -> $dir/src/weights.rs"
	bench "$pallet" "$dir/src/weights.rs"
	outputs+=("$dir/src/weights.rs")
done

# The yardstick, measured in the same run: a balance transfer.
mkdir -p "$AIPIN_CACHE/bench"
echo "==> benchmarking pallet_balances::transfer_keep_alive (reference)"
bench pallet_balances "$AIPIN_CACHE/bench/pallet_balances.rs" transfer_keep_alive
outputs+=("$AIPIN_CACHE/bench/pallet_balances.rs")

echo
echo "==> base weights (ref time at the smallest component values; µs; + DB reads/writes)"
python3 "$here/weights-table.py" "${outputs[@]}"
