#!/usr/bin/env bash
# Fails when the browser bundle a visitor downloads on the first view (the WASM and its JS glue,
# brotli-compressed as the server sends them) is over its budget. Bytes are deterministic for a
# given toolchain, so this is a hard check, unlike a timing. Run after scripts/build-release.sh.
#
# Every route loads the same bundle today, so the first view of any page costs this much. The
# budget holds today's size as a ceiling, so nothing grows unnoticed; the goal is 250 KB
# (docs/architecture.md, "Browser bundle"), and the ceiling comes down as the bundle does.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PEERLOOP_ROOT"

budget_bytes="${PEERLOOP_FIRST_VIEW_BUDGET_BYTES:-400000}"
pkg="$PEERLOOP_ROOT/target/site/pkg"
total=0
for file in peerloop.wasm.br peerloop.js.br; do
  [ -f "$pkg/$file" ] || { echo "check-wasm-size: $pkg/$file is missing: run scripts/build-release.sh" >&2; exit 1; }
  bytes=$(stat -c %s "$pkg/$file")
  printf '  %-18s %9d bytes\n' "$file" "$bytes"
  total=$((total + bytes))
done
printf '  %-18s %9d bytes (budget %d)\n' "first view" "$total" "$budget_bytes"
if [ "$total" -gt "$budget_bytes" ]; then
  echo "check-wasm-size: the first view's bundle is $((total - budget_bytes)) bytes over its budget" >&2
  exit 1
fi
