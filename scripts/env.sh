# shellcheck shell=bash
# Sourced by every PeerLoop script: one place that decides how Rust is built here, so that every
# build (server, WASM, clippy, tests) uses the same toolchain and settings and never invalidates
# another's cache.
#
# Where rustup can provide the wasm32 target, plain rustup is used. On machines whose rustup has no
# wasm32 standard library (see shared/TOOLCHAIN.md), Debian's rustc-web toolchain is linked into
# rustup as "debian" and the wasm std is built from source with -Zbuild-std.

PEERLOOP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PEERLOOP_ROOT

# Versions the lockfile and tooling must agree on.
export WASM_BINDGEN_VERSION=0.2.130
export CARGO_LEPTOS_VERSION=0.3.11
export BINARYEN_NPM_VERSION=132.0.0

export PATH="$HOME/.cargo/bin:$PEERLOOP_ROOT/.tools/node_modules/.bin:$PATH"

# Builds from several clones on one machine share one target dir (CI clones afresh every run).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/peerloop/target}"

peerloop_uses_debian_toolchain() {
  if command -v rustup >/dev/null 2>&1 \
    && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    return 1
  fi
  return 0
}

if peerloop_uses_debian_toolchain; then
  export RUSTUP_TOOLCHAIN=debian
  # cargo reads RUSTC_BOOTSTRAP itself, so it cannot live in .cargo/config.toml.
  export RUSTC_BOOTSTRAP=1
  PEERLOOP_WASM_BUILD_STD=1
else
  PEERLOOP_WASM_BUILD_STD=0
fi
export PEERLOOP_WASM_BUILD_STD

# Extra cargo-leptos arguments for the WASM half.
peerloop_leptos_lib_args() {
  if [ "$PEERLOOP_WASM_BUILD_STD" = 1 ]; then
    printf '%s\n' "--lib-cargo-args=-Zbuild-std=std,panic_abort"
  fi
}

# Extra cargo arguments for a direct wasm32 cargo call (clippy of the hydrate build).
peerloop_wasm_cargo_args() {
  printf '%s\n' "--target=wasm32-unknown-unknown"
  if [ "$PEERLOOP_WASM_BUILD_STD" = 1 ]; then
    printf '%s\n' "-Zbuild-std=std,panic_abort"
  fi
}

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
