#!/usr/bin/env bash
# Serves the release build (scripts/build-release.sh) from target/site: runs the server binary
# with the Leptos site settings the build assumes (bundle name, site root, pkg dir, address).
# DATABASE_URL and the other .env.example variables apply.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PEERLOOP_ROOT"

export LEPTOS_OUTPUT_NAME=peerloop
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$PEERLOOP_ROOT/target/site}"
export LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
exec "$PEERLOOP_TARGET_DIR/release/peerloop"
