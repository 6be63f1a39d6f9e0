#!/usr/bin/env bash
# Installs cargo-leptos, which only `scripts/watch.sh` (live reload while developing) needs: the
# run and test commands build with plain cargo. Compiling it takes a while on a new machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

if ! peerloop_cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  log "cargo install cargo-leptos $CARGO_LEPTOS_VERSION"
  # cargo-leptos's lockfile needs rustc 1.96 or newer; where the default toolchain is older, build
  # this one tool with the rustup nightly if there is one (the tool, not the product).
  tool_toolchain=()
  rustc_minor=$(rustc --version 2>/dev/null | sed -n 's/^rustc 1\.\([0-9]*\).*/\1/p')
  if ! peerloop_uses_debian_toolchain && [ "${rustc_minor:-0}" -lt 96 ] \
    && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    tool_toolchain=(RUSTUP_TOOLCHAIN=nightly)
  fi
  # no_downloads: cargo-leptos must use the tools on PATH, never fetch binaries from the internet.
  env "${tool_toolchain[@]}" bash -c 'source "$1/scripts/env.sh"; shift; peerloop_cargo "$@"' _ "$PEERLOOP_ROOT" \
    install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads --force "${peerloop_fast_install[@]}"
fi

