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

log "[2/4] browser WASM: cargo build -p frontend -p room --profile wasm-release (wasm32)"
mapfile -t wasm_args < <(peerloop_wasm_cargo_args)
peerloop_cargo build --lib -p frontend -p room --profile wasm-release "${wasm_args[@]}"

log "[3/4] wasm-split-cli, wasm-bindgen and wasm-opt"
rm -rf "$pkg"
mkdir -p "$pkg"
# The page groups of app/src/routes.rs become chunks of their own: the main module (the framework,
# the layout and the catalog) is what every first view loads, plus one group's chunks.
split="$PEERLOOP_TARGET_DIR/wasm-split"
rm -rf "$split"
mkdir -p "$split"
wasm-split-cli "$PEERLOOP_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm" "$split" \
  --out-name peerloop
# The chunks call into the main module through its linker exports, so they stay, unmangled.
wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle --out-dir "$pkg" \
  --out-name peerloop "$split/peerloop.wasm"
# The features rustc emits for wasm32 by default; wasm-opt must be allowed to keep them. It warns
# about the linker's sections the splitter leaves in (and drops them), so its output is shown
# only when it fails.
# The levels are chosen by what a visitor downloads, brotli bytes, not raw bytes: -Oz makes the
# smallest raw modules, but its code compresses worse. Measured on this app (docs/architecture.md,
# "Browser bundle"): -Os for the main module and -O3 for the group chunks, both run to a fixed
# point, cut 1.8 KB from the main module and 5.3 to 6.5 KB from a first view with a page group,
# for 7 % more raw bytes in all.
wasm_opt() {
  local level="$1" from="$2" to="$3"
  if ! "$tools/wasm-opt" "$level" --converge --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue "$from" -o "$to" \
    >"$split/wasm-opt.log" 2>&1; then
    cat "$split/wasm-opt.log" >&2
    return 1
  fi
}
wasm_opt -Os "$pkg/peerloop_bg.wasm" "$pkg/peerloop.wasm"
rm "$pkg/peerloop_bg.wasm"
for chunk in "$split"/*.wasm; do
  [ "$(basename "$chunk")" = peerloop.wasm ] || wasm_opt -O3 "$chunk" "$pkg/$(basename "$chunk")"
done
# The server is built with LEPTOS_OUTPUT_NAME=peerloop (scripts/env.sh), so its pages load
# /pkg/peerloop.js and /pkg/peerloop.wasm; __wasm_split.js beside it loads the chunks. That loader
# is left as written (1 KB compressed): scripts/bundle-sizes.mjs reads which chunks a group needs
# from it.
cp "$split/__wasm_split.js" "$pkg/__wasm_split.js"
"$tools/esbuild" "$pkg/peerloop.js" --minify --format=esm --log-level=warning \
  --outfile="$pkg/peerloop.min.js"
mv "$pkg/peerloop.min.js" "$pkg/peerloop.js"
# The room page's live part (crates/room), a module of its own that the page imports: room.js
# loads room_bg.wasm beside it.
room="$PEERLOOP_TARGET_DIR/room-bindgen"
rm -rf "$room"
wasm-bindgen --target web --no-typescript --out-dir "$room" --out-name room \
  "$PEERLOOP_TARGET_DIR/wasm32-unknown-unknown/wasm-release/room.wasm"
node "$PEERLOOP_ROOT/scripts/strip-link-sections.mjs" "$room/room_bg.wasm"
wasm_opt -Os "$room/room_bg.wasm" "$pkg/room_bg.wasm"
"$tools/esbuild" "$room/room.js" --minify --format=esm --log-level=warning --outfile="$pkg/room.js"

log "[4/4] stylesheet, assets and precompressed copies"
# Prefixed and lowered for browserslist's "defaults", the browsers most visitors use.
"$tools/lightningcss" --minify --targets defaults "$PEERLOOP_ROOT/style/main.css" -o "$pkg/peerloop.css"
cp -R "$PEERLOOP_ROOT/public/." "$site/"
for file in "$pkg"/*.wasm "$pkg"/*.js "$pkg"/*.css "$pkg"/snippets/*/*.js; do
  brotli --force --best --keep "$file"
  gzip --force --best --keep "$file"
done
log "site bundle, built in $((SECONDS - started))s:"
ls -l "$pkg" >&2
