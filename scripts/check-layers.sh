#!/usr/bin/env bash
# Fails when a crate depends on a layer above it. The layers point one way:
#   domain <- wire <- backend <- app <- server   (frontend is the browser's entry to app;
#   room, the room page's live part, is a browser module that stands alone)
# and the backend builds without Leptos (its own tests included), so the rules stay plain Rust.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PEERLOOP_ROOT"

peerloop_cargo metadata --format-version 1 --no-deps | python3 -c '
import json, sys
allowed = {
    "domain": set(),
    "wire": {"domain"},
    "backend": {"domain", "wire"},
    "app": {"domain", "wire", "backend"},
    "frontend": {"app"},
    # The live part of the room page, a browser module of its own: it depends on none of ours.
    "room": set(),
    "server": {"domain", "wire", "backend", "app"},
}
packages = json.load(sys.stdin)["packages"]
members = {p["name"] for p in packages}
unknown = members - allowed.keys()
if unknown:
    sys.exit(f"check-layers: no layer is set for {sorted(unknown)}; add it to scripts/check-layers.sh")
bad = []
for p in packages:
    for dep in p["dependencies"]:
        if dep["name"] in members and dep["name"] not in allowed[p["name"]]:
            bad.append(p["name"] + " -> " + dep["name"])
if bad:
    sys.exit("check-layers: upward or sideways dependencies: " + ", ".join(bad))
for p in sorted(packages, key=lambda p: p["name"]):
    deps = sorted({d["name"] for d in p["dependencies"] if d["name"] in members})
    print("  " + p["name"].ljust(9) + " -> " + (", ".join(deps) or "(none)"))
'

leptos_in_backend=$(peerloop_cargo tree -p backend --edges normal,build,dev --prefix none 2>/dev/null \
  | grep -E '^(leptos|leptos_[a-z_]+|server_fn|tachys|reactive_graph) ' | sort -u || true)
if [ -n "$leptos_in_backend" ]; then
  echo "check-layers: the backend's build pulls in Leptos:" >&2
  echo "$leptos_in_backend" >&2
  exit 1
fi
echo "  backend builds without Leptos"
