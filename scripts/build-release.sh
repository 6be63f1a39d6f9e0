#!/usr/bin/env bash
# Release build of the whole site: the server binary, the optimised WASM with its JS glue, the
# stylesheet and the static assets in target/site, with brotli/gzip copies of the bundle so the
# server sends them precompressed.
#
# Plain cargo, wasm-bindgen, wasm-opt, esbuild and lightningcss do what `cargo leptos build
# --release` does, so a new machine needs no cargo-leptos for a release build: that tool took
# most of a newcomer's first hour to compile (`scripts/watch.sh` still uses it, for live reload).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PEERLOOP_ROOT"

site="$PEERLOOP_ROOT/target/site"
pkg="$site/pkg"
tools="$PEERLOOP_ROOT/.tools/node_modules/.bin"
started=$SECONDS

log "[1/4] server binary: cargo build --release -p server"
peerloop_cargo build --release -p server --bin peerloop

log "[2/4] browser WASM: cargo build -p frontend --profile wasm-release (wasm32)"
mapfile -t wasm_args < <(peerloop_wasm_cargo_args)
peerloop_cargo build --lib -p frontend --profile wasm-release "${wasm_args[@]}"

log "[3/4] wasm-bindgen and wasm-opt -Oz"
rm -rf "$pkg"
mkdir -p "$pkg"
wasm-bindgen --target web --no-typescript --out-dir "$pkg" --out-name peerloop \
  "$PEERLOOP_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm"
# The features rustc emits for wasm32 by default; wasm-opt must be allowed to keep them.
"$tools/wasm-opt" -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$pkg/peerloop_bg.wasm" -o "$pkg/peerloop.wasm"
rm "$pkg/peerloop_bg.wasm"
# The server is built with LEPTOS_OUTPUT_NAME=peerloop (scripts/env.sh), so its pages load
# /pkg/peerloop.js and /pkg/peerloop.wasm.
"$tools/esbuild" "$pkg/peerloop.js" --minify --format=esm --log-level=warning \
  --outfile="$pkg/peerloop.min.js"
mv "$pkg/peerloop.min.js" "$pkg/peerloop.js"

log "[4/4] stylesheet, assets and precompressed copies"
# Prefixed and lowered for browserslist's "defaults", the browsers most visitors use.
"$tools/lightningcss" --minify --targets defaults "$PEERLOOP_ROOT/style/main.css" -o "$pkg/peerloop.css"
cp -R "$PEERLOOP_ROOT/public/." "$site/"
for file in "$pkg"/*.wasm "$pkg"/*.js "$pkg"/*.css; do
  brotli --force --best --keep "$file"
  gzip --force --best --keep "$file"
done
log "site bundle, built in $((SECONDS - started))s:"
ls -l "$pkg" >&2
