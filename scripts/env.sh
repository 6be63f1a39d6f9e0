# shellcheck shell=bash
# Sourced by every PeerLoop script: one place that decides how Rust is built here, so that every
# build (server, WASM, clippy, tests, tool installs) uses the same toolchain and settings and never
# invalidates another's cache.
#
# Where rustup has the wasm32 target, plain rustup is used. On machines whose rustup has no wasm32
# standard library (see docs/toolchain.md), Debian's rustc-web toolchain is linked into rustup as
# "debian" and the wasm std is built from source with -Zbuild-std.
#
# Sourcing this file sets no cargo variable in the calling shell: peerloop_cargo hands the build
# settings to each cargo command it runs, and to nothing else. scripts/cargo is that for a terminal.

PEERLOOP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PEERLOOP_ROOT

# Versions the lockfile and tooling must agree on.
export WASM_BINDGEN_VERSION=0.2.130
# The splitter behind the lazily loaded page groups (app/src/routes.rs); the version cargo-leptos
# uses for the same job, compatible with the leptos release in Cargo.lock.
export WASM_SPLIT_VERSION=0.2.4
export CARGO_LEPTOS_VERSION=0.3.11
export BINARYEN_NPM_VERSION=132.0.0
export ESBUILD_VERSION=0.28.2
export LIGHTNINGCSS_VERSION=1.33.0
export LIGHTHOUSE_VERSION=12.8.2

export PATH="$HOME/.cargo/bin:$PATH"

# Builds from several clones on one machine share one target dir (CI clones afresh every run).
# A CARGO_TARGET_DIR the caller set wins.
PEERLOOP_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/peerloop/target}"

# Asked at every use rather than once here: bootstrap.sh may add the wasm32 target after a script
# has sourced this file.
peerloop_uses_debian_toolchain() {
  if command -v rustup >/dev/null 2>&1 \
    && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    return 1
  fi
  return 0
}

# cargo with this machine's build settings, set for that one command. Every cargo call of every
# script goes through here, including cargo leptos in watch.sh (cargo-leptos spawns cargo itself
# and passes its environment on) and `cargo install`: with CARGO_TARGET_DIR set, cargo install
# builds there instead of in a temporary directory, so an interrupted tool build resumes where it
# stopped.
peerloop_cargo() {
  # cargo-leptos (watch.sh) looks wasm-opt up on PATH: npm's binaryen (see bootstrap.sh) must come
  # first. LEPTOS_OUTPUT_NAME is read at compile time (it names the bundle the pages load,
  # /pkg/peerloop.js and .wasm); every build sets the value build-release.sh's bundle has and
  # cargo-leptos also sets, so no build invalidates another's leptos crates.
  local settings=("CARGO_TARGET_DIR=$PEERLOOP_TARGET_DIR" "PATH=$PEERLOOP_ROOT/.tools/node_modules/.bin:$PATH"
    "LEPTOS_OUTPUT_NAME=peerloop")
  if peerloop_uses_debian_toolchain; then
    # cargo reads RUSTC_BOOTSTRAP itself, so it cannot live in .cargo/config.toml.
    settings+=(RUSTUP_TOOLCHAIN=debian RUSTC_BOOTSTRAP=1)
  fi
  env "${settings[@]}" cargo "$@"
}

# Tool binaries run for seconds: built without fat LTO and with little optimisation, they are the
# same programs in a fraction of the compile time.
peerloop_fast_install=(--config profile.release.lto=false --config profile.release.codegen-units=16
  --config profile.release.opt-level=1 --config profile.release.debug=false
  --config profile.release.strip=true --config profile.release.incremental=false)

# Extra cargo-leptos arguments for the WASM half (scripts/watch.sh). `--split`: the page groups
# are lazily loaded (app/src/routes.rs), so the browser build must be split, as in the release.
peerloop_leptos_lib_args() {
  printf '%s\n' "--split"
  if peerloop_uses_debian_toolchain; then
    printf '%s\n' "--lib-cargo-args=-Zbuild-std=std,panic_abort"
  fi
}

# Extra cargo arguments for a direct wasm32 cargo call (the release build's WASM, clippy of the
# hydrate build).
peerloop_wasm_cargo_args() {
  printf '%s\n' "--target=wasm32-unknown-unknown"
  if peerloop_uses_debian_toolchain; then
    printf '%s\n' "-Zbuild-std=std,panic_abort"
  fi
}

# For the soak and Lighthouse scripts: the release server with the demo data on a fresh SQLite file
# in a scratch directory (PEERLOOP_SCRATCH, which also holds the server's log), at 127.0.0.1:$1.
# Sets PEERLOOP_DEMO_SERVER_PID; the server is stopped and the directory removed when the script
# exits.
peerloop_start_scratch_demo_server() {
  local port=$1
  PEERLOOP_SCRATCH="$(mktemp -d)"
  PEERLOOP_DEMO_SERVER_PID=""
  trap 'peerloop_stop_scratch_demo_server' EXIT
  peerloop_start_demo_server "$port" "sqlite://$PEERLOOP_SCRATCH/peerloop.db?mode=rwc" \
    "$PEERLOOP_SCRATCH/server.log"
}
peerloop_stop_scratch_demo_server() {
  if [ -n "$PEERLOOP_DEMO_SERVER_PID" ]; then
    kill "$PEERLOOP_DEMO_SERVER_PID" 2>/dev/null && wait "$PEERLOOP_DEMO_SERVER_PID" 2>/dev/null
  fi
  rm -rf "$PEERLOOP_SCRATCH"
}

# For the scripts that measure the release server (bench-pages, soak, lighthouse): stop with the
# fix when the release build, or for the load scripts wrk, is missing; read a process's resident
# memory in MB.
peerloop_require_release_build() {
  [ -x "$PEERLOOP_TARGET_DIR/release/peerloop" ] \
    || { echo "no release build: run scripts/build-release.sh" >&2; exit 1; }
}
peerloop_require_load_tools() {
  command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
  peerloop_require_release_build
}
peerloop_rss_mb() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# Starts the release build through scripts/serve.sh, in the background, with the demo data: at
# 127.0.0.1:$1 on the database $2, its output in $3. Waits until it answers /readyz and sets
# PEERLOOP_DEMO_SERVER_PID (serve.sh execs the server, so that is the server's own process).
peerloop_start_demo_server() {
  local port=$1 database_url=$2 log_file=$3
  LEPTOS_SITE_ADDR="127.0.0.1:$port" DATABASE_URL="$database_url" PEERLOOP_DEMO_DATA=true \
    PEERLOOP_PUBLIC_URL="http://127.0.0.1:$port" RUST_LOG=warn \
    "$PEERLOOP_ROOT/scripts/serve.sh" >"$log_file" 2>&1 &
  PEERLOOP_DEMO_SERVER_PID=$!
  local _
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "the server did not start:" >&2
  cat "$log_file" >&2
  return 1
}

# The id of the first course in the catalog of the server at $1.
peerloop_first_course_id() {
  curl -fs "$1/api/courses" | python3 -c 'import json,sys; print(json.load(sys.stdin)["courses"][0]["id"])'
}

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
