#!/usr/bin/env bash
# Development server with live reload: `cargo leptos watch` with this machine's toolchain
# settings. Extra arguments go to cargo-leptos.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PEERLOOP_ROOT"
"$PEERLOOP_ROOT/scripts/bootstrap.sh"
"$PEERLOOP_ROOT/scripts/install-cargo-leptos.sh"
mapfile -t lib_args < <(peerloop_leptos_lib_args)
peerloop_cargo leptos watch "${lib_args[@]}" "$@"
