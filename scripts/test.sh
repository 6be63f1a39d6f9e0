#!/usr/bin/env bash
# The test command: installs what is missing, then runs every check CI runs, in order:
# formatting, the layering of the crates, clippy (server and WASM builds), unit and property
# tests, the integration suite on SQLite and on PostgreSQL, the release build with the browser
# bundle's size budget, and the Playwright e2e suite.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PEERLOOP_ROOT"

# Each run creates and drops only its own PostgreSQL databases, so runs from several clones (or CI
# and a developer) can share one server. The tests name their databases with this prefix; it is
# short because PostgreSQL names hold 63 bytes and the tests append 32 characters.
run_id="$(printf '%x_%x' "$(date +%s)" "$$")"
export PEERLOOP_TEST_DB_PREFIX="peerloop_test_${run_id}_"

started=$SECONDS
step() { log "[$((SECONDS - started))s] $*"; }

step "bootstrap"
scripts/bootstrap.sh --with-e2e

step "cargo fmt --check"
peerloop_cargo fmt --all -- --check

step "layers: no crate depends on one above it; the backend builds without Leptos"
scripts/check-layers.sh

step "clippy: server build (ssr)"
peerloop_cargo clippy --workspace --exclude frontend --all-targets --features app/ssr -- -D warnings

step "clippy: browser build (hydrate, wasm32)"
mapfile -t wasm_args < <(peerloop_wasm_cargo_args)
peerloop_cargo clippy -p domain -p wire -p app -p frontend -p room --features app/hydrate "${wasm_args[@]}" -- -D warnings

step "unit, property and integration tests on SQLite"
PEERLOOP_TEST_DB=sqlite peerloop_cargo test --workspace --exclude frontend --features app/ssr

pg_url="${PEERLOOP_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
export PEERLOOP_TEST_PG_URL="$pg_url"
# Compared with left() rather than LIKE, in which the prefix's _ would match any character.
drop_run_databases() {
  psql "$pg_url" -Atqc "SELECT datname FROM pg_database
    WHERE left(datname, length('$PEERLOOP_TEST_DB_PREFIX')) = '$PEERLOOP_TEST_DB_PREFIX'" |
    while read -r name; do psql "$pg_url" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)"; done
}
if psql "$pg_url" -Atqc "SELECT 1" >/dev/null 2>&1; then
  step "integration tests on PostgreSQL ($(psql "$pg_url" -Atqc 'SHOW server_version'))"
  # Also when the run stops early: a failing test, Ctrl-C.
  trap 'drop_run_databases || true' EXIT
  # Same package selection as the SQLite run, so the build is reused.
  PEERLOOP_TEST_DB=postgres peerloop_cargo test --workspace --exclude frontend --features app/ssr --tests
  drop_run_databases
  trap - EXIT
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is unreachable at $pg_url, and CI=true: failing rather than skipping." >&2
  exit 1
else
  log "SKIPPED: integration tests on PostgreSQL (unreachable at $pg_url; set PEERLOOP_TEST_PG_URL)"
fi

step "release build"
scripts/build-release.sh

step "browser bundle: first-view size budget"
scripts/check-wasm-size.sh

step "end-to-end tests (Playwright, headless Chromium; hydrated and JavaScript off)"
(cd end2end && npx playwright test)

step "all checks passed in $((SECONDS - started))s"
