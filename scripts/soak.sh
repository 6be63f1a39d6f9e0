#!/usr/bin/env bash
# Memory soak: the release server with the demo data on SQLite (scripts/build-release.sh first),
# under wrk load on the catalog and a course page (CDET) in turns, for the given minutes. After
# each minute it prints the server's resident memory (RSS) and the minute's throughput, so growth
# shows as a rising RSS column rather than a single before/after pair.
#
# Usage: scripts/soak.sh [minutes, default 10] [connections, default 50]
# Needs wrk (Debian package wrk).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PEERLOOP_ROOT"

minutes="${1:-10}"
connections="${2:-50}"
port="${PEERLOOP_BENCH_PORT:-3201}"
base="http://127.0.0.1:$port"
peerloop_require_load_tools

peerloop_start_scratch_demo_server "$port"
course_id=$(peerloop_first_course_id "$base")

echo "| minute | page | req/s | RSS MB |"
echo "|---:|---|---:|---:|"
echo "| 0 | (idle) | | $(peerloop_rss_mb "$PEERLOOP_DEMO_SERVER_PID") |"
for minute in $(seq 1 "$minutes"); do
  if [ $((minute % 2)) = 1 ]; then page="CDET" path="/courses/$course_id"; else page="catalog" path="/"; fi
  rps=$(wrk -t2 -c"$connections" -d60s "$base$path" | awk '/^Requests\/sec/ { print $2 }')
  echo "| $minute | $page | $rps | $(peerloop_rss_mb "$PEERLOOP_DEMO_SERVER_PID") |"
done
