#!/usr/bin/env bash
# clippy at -D warnings over the primitives, kernels and pallet crates (with their benchmarks),
# and the off-chain crates (client, CLI, worker, tools, test harness), in a debug target dir of
# its own so it does not disturb the release build. The runtime and node are not linted here:
# that needs a check build of the whole node tree (~15 min on 2 cores).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"
cd "$AIPIN_ROOT"
crates=(-p aipin-primitives -p aipin-kernels -p pallet-compute-staking -p pallet-compute-slashing
	-p pallet-bme -p pallet-task-escrow -p pallet-models)
export SKIP_WASM_BUILD=1
export CARGO_TARGET_DIR="$AIPIN_CACHE/target-bench"
echo "==> clippy (pallets)"
cargo clippy --locked "${crates[@]}" --all-targets -- -D warnings
cargo clippy --locked "${crates[@]}" --all-targets --features runtime-benchmarks -- -D warnings
# The cross-pallet flow tests (no benchmarks of their own).
cargo clippy --locked -p aipin-pallet-flows --all-targets -- -D warnings
echo "==> clippy (runtime, with its benchmark and try-runtime code and tests: governance, fuzzer)"
cargo clippy --locked -p aipin-runtime --all-targets --features runtime-benchmarks,try-runtime \
	-- -D warnings
echo "==> clippy (client, CLI, worker, tools, test harness)"
# The client's tests read the runtime's metadata: its lib targets are linted, its tests run in
# the release test pass.
cargo clippy --locked -p aipin-client -p aipin-compiler --all-targets -- -D warnings
cargo clippy --locked -p aipin-cli -p aipin-worker -p aipin-netbench -p aipin-test-harness \
	--all-targets -- -D warnings
