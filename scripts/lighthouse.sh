#!/usr/bin/env bash
# Lighthouse (mobile, simulated throttling) on the catalog, a course page (CDET) and the booking
# page (SBOK, signed in as the demo student), against the release build (scripts/build-release.sh
# first) with the demo data. Prints the performance score, FCP, LCP, TBT and CLS of each.
# Not part of the test command: scores vary by a point or two between runs; the targets are in
# docs/architecture.md ("Browser bundle").
#
# Usage: scripts/lighthouse.sh [runs per page, default 1]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PEERLOOP_ROOT"

runs="${1:-1}"
port="${PEERLOOP_LIGHTHOUSE_PORT:-3500}"
base="http://127.0.0.1:$port"
tools="$PEERLOOP_ROOT/.tools"
peerloop_require_release_build
if [ ! -x "$tools/node_modules/.bin/lighthouse" ]; then
  log "npm install lighthouse@$LIGHTHOUSE_VERSION (into .tools/)"
  npm install --prefix "$tools" --no-audit --no-fund --silent "lighthouse@$LIGHTHOUSE_VERSION"
fi

peerloop_start_scratch_demo_server "$port"

course_id=$(peerloop_first_course_id "$base")
curl -fs -c "$PEERLOOP_SCRATCH/cookies" -H "origin: $base" -H "content-type: application/json" \
  -d '{"email":"sam.rivera@example.com","password":"peerloop-demo-2026"}' "$base/api/auth/login" >/dev/null
session=$(awk '$6 == "peerloop_session" { print $6 "=" $7 }' "$PEERLOOP_SCRATCH/cookies")
printf '{"Cookie": "%s"}\n' "$session" >"$PEERLOOP_SCRATCH/signed-in.json"

echo "| page | score | FCP | LCP | TBT | CLS |"
echo "|---|---:|---:|---:|---:|---:|"
for page in "catalog /" "CDET /courses/$course_id" "SBOK /courses/$course_id/book"; do
  label=${page% *}
  path=${page##* }
  headers=()
  [ "$label" = SBOK ] && headers=(--extra-headers="$PEERLOOP_SCRATCH/signed-in.json")
  for _ in $(seq 1 "$runs"); do
    CHROME_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}" "$tools/node_modules/.bin/lighthouse" "$base$path" \
      "${headers[@]}" --only-categories=performance --output=json --output-path="$PEERLOOP_SCRATCH/report.json" \
      --chrome-flags="--headless=new --no-sandbox --disable-gpu" --quiet
    python3 - "$label" "$PEERLOOP_SCRATCH/report.json" <<'PY'
import json, sys
label, path = sys.argv[1], sys.argv[2]
report = json.load(open(path))
audits = report["audits"]
shown = [audits[k]["displayValue"] for k in
         ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift")]
score = round(report["categories"]["performance"]["score"] * 100)
print(f"| {label} | {score} | " + " | ".join(shown) + " |")
PY
  done
done
