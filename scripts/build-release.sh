#!/usr/bin/env bash
# Release build of the whole site (server binary + optimised WASM), with brotli/gzip copies of
# the static bundle so the server sends them precompressed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PEERLOOP_ROOT"

mapfile -t lib_args < <(peerloop_leptos_lib_args)
log "cargo leptos build --release ${lib_args[*]}"
peerloop_cargo leptos build --release "${lib_args[@]}"

pkg="$PEERLOOP_ROOT/target/site/pkg"
for file in "$pkg"/*.wasm "$pkg"/*.js "$pkg"/*.css; do
  [ -f "$file" ] || continue
  brotli --force --best --keep "$file"
  gzip --force --best --keep "$file"
done
log "site bundle:"
ls -l "$pkg" >&2
