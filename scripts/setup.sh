#!/usr/bin/env bash
# Installs everything AiPIN needs to build and test on a Debian 12 machine. Idempotent: rerun it
# any time. Exits non-zero with a message naming the step that failed.
#
# Steps:
#   1. system packages (protoc, clang, Vulkan/lavapipe, Node.js for the client tests, ...)
#   2. a wasm32v1-none target for the runtime: `rustup target add` where the network allows it,
#      otherwise Debian's rustc-web toolchain plus a sysroot built here from its sources.
#   3. a Python venv with the pinned model tooling (scripts/requirements.txt: onnxruntime, onnx,
#      scikit-learn, numpy, mlxtend) for the demo models and the onnxruntime truth check.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
. "$here/env.sh"

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'setup.sh: error: %s\n' "$*" >&2; exit 1; }
trap 'die "step failed at line $LINENO (see the output above)"' ERR

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "run as root or install sudo"
	SUDO="sudo"
fi

APT_PACKAGES=(
	build-essential pkg-config git curl ca-certificates jq
	clang libclang-dev          # bindgen
	protobuf-compiler           # litep2p / libp2p build scripts
	mesa-vulkan-drivers libvulkan1 vulkan-tools   # lavapipe: software Vulkan for wgpu
	nodejs npm                  # the @polkadot/api client tests, the dashboard's build
	chromium fonts-dejavu-core  # the dashboard's browser test (npm's browser downloads are unreachable)
	python3 python3-venv        # the model tooling venv (onnxruntime as an external reference)
	libonnx-testdata            # ONNX's conformance vectors (compiler/tests/conformance.rs)
)
# Debian's toolchain for the offline wasm route (only installed when that route is taken).
DEBIAN_WASM_PACKAGES=(rustc-web cargo-web rust-web-src rust-web-llvm lld-22)

missing_packages() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
	done
}

apt_install() {
	local missing
	missing="$(missing_packages "$@")"
	[ -z "$missing" ] && return 0
	if [ ! -f "$AIPIN_CACHE/.apt-updated" ] || [ -n "$(find "$AIPIN_CACHE/.apt-updated" -mmin +720)" ]; then
		$SUDO apt-get update -qq
		mkdir -p "$AIPIN_CACHE" && touch "$AIPIN_CACHE/.apt-updated"
	fi
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
}

step "system packages"
mkdir -p "$AIPIN_CACHE"
# nodejs may already come from elsewhere (e.g. NodeSource); do not fight it.
if command -v node >/dev/null && command -v npm >/dev/null; then
	APT_PACKAGES=("${APT_PACKAGES[@]/nodejs/}")
	APT_PACKAGES=("${APT_PACKAGES[@]/npm/}")
fi
apt_install "${APT_PACKAGES[@]}"
command -v protoc >/dev/null || die "protoc missing after install"

step "rust toolchain"
command -v cargo >/dev/null || die "cargo not found: install Rust with rustup first (https://rustup.rs)"
command -v rustup >/dev/null || die "rustup not found: the build selects toolchains through rustup"
rustc --version

step "wasm32v1-none target for the runtime"
if [ -z "${AIPIN_FORCE_DEBIAN_WASM:-}" ] && aipin_default_has_wasm_target; then
	echo "default toolchain already has wasm32v1-none"
elif [ -z "${AIPIN_FORCE_DEBIAN_WASM:-}" ] && timeout 120 rustup target add wasm32v1-none; then
	echo "installed wasm32v1-none with rustup"
else
	echo "rustup cannot download the target here; using Debian's rustc-web toolchain"
	apt_install "${DEBIAN_WASM_PACKAGES[@]}"
	[ -x /usr/bin/rust-lld ] || die "/usr/bin/rust-lld missing (rust-web-llvm + lld-22 should provide it)"
	debian_rustc_version="$(/usr/bin/rustc --version)"
	sysroot_lib="/usr/lib/rustlib/wasm32v1-none/lib"
	stamp="$sysroot_lib/.aipin-built-by"
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$debian_rustc_version" ]; then
		echo "wasm32v1-none sysroot is current ($debian_rustc_version)"
	else
		echo "building the wasm32v1-none sysroot with $debian_rustc_version (about a minute)"
		work="$(mktemp -d)"
		mkdir -p "$work/src"
		cat > "$work/Cargo.toml" <<'TOML'
[package]
name = "aipin-sysroot-probe"
version = "0.0.0"
edition = "2021"
[lib]
path = "src/lib.rs"
[profile.release]
panic = "abort"
TOML
		printf '#![no_std]\nextern crate alloc;\npub fn touch() -> alloc::vec::Vec<u8> { alloc::vec![1] }\n' > "$work/src/lib.rs"
		(
			cd "$work"
			RUSTC=/usr/bin/rustc RUSTFLAGS="-Cembed-bitcode=yes" RUSTC_BOOTSTRAP=1 \
				CARGO_TARGET_DIR="$work/target" /usr/bin/cargo build --release \
				--target wasm32v1-none -Zbuild-std=core,alloc
		) || die "building the wasm32v1-none sysroot failed"
		$SUDO mkdir -p "$sysroot_lib"
		$SUDO rm -f "$sysroot_lib"/lib*.rlib
		for crate in core alloc compiler_builtins; do
			ls "$work"/target/wasm32v1-none/release/deps/lib"$crate"-*.rlib >/dev/null 2>&1 ||
				die "lib$crate rlib not produced"
			$SUDO cp "$work"/target/wasm32v1-none/release/deps/lib"$crate"-*.rlib "$sysroot_lib/"
		done
		echo "$debian_rustc_version" | $SUDO tee "$stamp" >/dev/null
		rm -rf "$work"
	fi
	link_dir="$AIPIN_CACHE/debian-toolchain"
	mkdir -p "$link_dir"
	ln -sfn /usr/bin "$link_dir/bin"
	ln -sfn /usr/lib "$link_dir/lib"
	rustup toolchain link "$AIPIN_WASM_TOOLCHAIN_NAME" "$link_dir"
	echo "linked rustup toolchain '$AIPIN_WASM_TOOLCHAIN_NAME' -> Debian rustc-web"
fi

step "python venv for the model tooling"
command -v python3 >/dev/null || die "python3 missing after install"
venv="$AIPIN_CACHE/venv"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [ -f "$venv/.aipin-requirements" ] && [ "$(cat "$venv/.aipin-requirements")" = "$want" ]; then
	echo "venv is current ($venv)"
else
	[ -x "$venv/bin/python" ] || python3 -m venv "$venv" || die "python3 -m venv failed (install python3-venv)"
	"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" ||
		die "pip install -r scripts/requirements.txt failed"
	echo "$want" > "$venv/.aipin-requirements"
	echo "installed the pinned model tooling into $venv"
fi

step "done"
echo "target dir: $CARGO_TARGET_DIR"
