#!/usr/bin/env bash
# Installs whatever is missing to build, run and test PeerLoop; a second run skips what is there.
# Every step says what it installs; on a fresh machine the whole run took 1 min 48 s, most of it
# compiling wasm-bindgen-cli. cargo-leptos is not installed here: only scripts/watch.sh needs it
# (scripts/install-cargo-leptos.sh).
# Usage: scripts/bootstrap.sh [--with-e2e]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

with_e2e=0
[ "${1:-}" = "--with-e2e" ] && with_e2e=1

# Where rustup can fetch the wasm32 standard library, that is all the WASM build needs, so it is
# tried before the route is chosen. Where it cannot, it fails quickly and the Debian route is taken.
if command -v rustup >/dev/null 2>&1 \
  && ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  if rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
    log "rustup target add wasm32-unknown-unknown"
  else
    log "rustup cannot add wasm32-unknown-unknown here: building it with Debian's rustc-web"
  fi
fi
debian_route=0
peerloop_uses_debian_toolchain && debian_route=1

apt_packages=()
need_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || apt_packages+=("$1"); }

if command -v apt-get >/dev/null 2>&1; then
  if [ "$debian_route" = 1 ]; then
    for p in rustc-web cargo-web rust-web-src lld-22 rust-web-clippy rustfmt-web; do need_pkg "$p"; done
  fi
  need_pkg pkg-config
  need_pkg brotli
  [ "$with_e2e" = 1 ] && need_pkg chromium
  # The room journey moves its session into the join window in the SQLite file.
  [ "$with_e2e" = 1 ] && need_pkg sqlite3
  if [ ${#apt_packages[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
      echo "Missing Debian packages: ${apt_packages[*]} (run as root, or install them with sudo)" >&2
      exit 1
    fi
    log "apt-get install ${apt_packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_packages[@]}"
  fi
fi

if [ "$debian_route" = 1 ]; then
  # rustc looks for rust-lld beside itself; Debian ships the matching LLVM's lld as lld-22.
  lld_link=/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld
  if [ ! -e "$lld_link" ]; then
    log "linking $lld_link -> /usr/bin/lld-22"
    mkdir -p "$(dirname "$lld_link")"
    ln -s /usr/bin/lld-22 "$lld_link"
  fi
  if ! rustup toolchain list | grep -q '^debian'; then
    log "rustup toolchain link debian /usr"
    rustup toolchain link debian /usr
  fi
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: a locked dependency (webpki-roots 1.0.11) is missing from the registry mirror.
  peerloop_cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force "${peerloop_fast_install[@]}"
fi

# wasm-split-cli has no --version; cargo's list of installed crates says which is installed.
if ! command -v wasm-split-cli >/dev/null 2>&1 \
  || ! cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
  log "cargo install wasm_split_cli_support $WASM_SPLIT_VERSION (wasm-split-cli)"
  peerloop_cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary \
    --force "${peerloop_fast_install[@]}"
fi

# The release build's tools for the browser bundle, from npm (prebuilt, nothing to compile):
# wasm-opt from binaryen (Debian's binaryen 108 emits WASM that fails at hydration), esbuild to
# minify the JS glue, lightningcss for the stylesheet.
npm_packages=()
tools_bin="$PEERLOOP_ROOT/.tools/node_modules/.bin"
"$tools_bin/wasm-opt" --version 2>/dev/null | grep -q "version ${BINARYEN_NPM_VERSION%%.*}" \
  || npm_packages+=("binaryen@$BINARYEN_NPM_VERSION")
[ "$("$tools_bin/esbuild" --version 2>/dev/null)" = "$ESBUILD_VERSION" ] || npm_packages+=("esbuild@$ESBUILD_VERSION")
"$tools_bin/lightningcss" --version 2>/dev/null | grep -q "$LIGHTNINGCSS_VERSION" \
  || npm_packages+=("lightningcss-cli@$LIGHTNINGCSS_VERSION")
if [ ${#npm_packages[@]} -gt 0 ]; then
  log "npm install ${npm_packages[*]} (into .tools/)"
  mkdir -p "$PEERLOOP_ROOT/.tools"
  npm install --prefix "$PEERLOOP_ROOT/.tools" --no-audit --no-fund --silent "${npm_packages[@]}"
fi

# npm ci again whenever the lockfile changed since the last install (npm keeps a copy of it).
e2e_modules="$PEERLOOP_ROOT/end2end/node_modules"
if [ "$with_e2e" = 1 ] && ! cmp -s "$PEERLOOP_ROOT/end2end/package-lock.json" "$e2e_modules/.peerloop-lock.json"; then
  log "npm ci in end2end/ (browser download skipped: Debian's chromium is used)"
  (cd "$PEERLOOP_ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
  cp "$PEERLOOP_ROOT/end2end/package-lock.json" "$e2e_modules/.peerloop-lock.json"
fi
log "toolchain ready"
