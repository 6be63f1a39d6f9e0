#!/usr/bin/env bash
# Page-render benchmark: wrk against the release server (scripts/build-release.sh first) with the
# demo data, on SQLite and, when reachable, on PostgreSQL. Prints a table of requests per second
# and p50/p99 latency for the catalog, a course page (CDET), the same course as JSON and
# /healthz, plain and with `Accept-Encoding: br` as browsers send it, and the server's resident
# memory (RSS) before and after the load.
#
# Usage: scripts/bench-pages.sh [seconds per run, default 10] [connections, default 50]
# PEERLOOP_BENCH_PAGES (e.g. "catalog CDET") measures only those pages.
# Needs wrk (Debian package wrk). PEERLOOP_TEST_PG_URL names the PostgreSQL server.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$PEERLOOP_ROOT"

duration="${1:-10}"
connections="${2:-50}"
port="${PEERLOOP_BENCH_PORT:-3200}"
base="http://127.0.0.1:$port"
binary="$PEERLOOP_TARGET_DIR/release/peerloop"
pg_url="${PEERLOOP_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
peerloop_require_load_tools

work="$(mktemp -d)"
server_pid=""
pg_database=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$pg_database" ] && psql "$pg_url" -qc "DROP DATABASE IF EXISTS $pg_database WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# One wrk run: "req/s p50 p99" (latencies in ms).
measure() {
  local path=$1
  shift
  wrk -t2 -c"$connections" -d"${duration}s" --latency "$@" "$base$path" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
    /Non-2xx/ { bad = $NF }
    END { printf "%s %.2f %.2f %s\n", rps, p50, p99, bad + 0 }'
}

stop_server() {
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

run_database() {
  local name=$1 database_url=$2
  peerloop_start_demo_server "$port" "$database_url" "$work/server.log"
  server_pid=$PEERLOOP_DEMO_SERVER_PID
  local course_id
  course_id=$(peerloop_first_course_id "$base")
  local idle
  idle=$(peerloop_rss_mb "$server_pid")
  for target in "catalog /" "CDET /courses/$course_id" "course JSON /api/courses/$course_id" "healthz /healthz"; do
    local label=${target% *} path=${target##* }
    if [ -n "${PEERLOOP_BENCH_PAGES:-}" ] && [[ " $PEERLOOP_BENCH_PAGES " != *" $label "* ]]; then
      continue
    fi
    read -r rps p50 p99 bad < <(measure "$path")
    printf '| %-8s | %-12s | %-5s | %9s | %7s | %7s | %5s |\n' "$name" "$label" "plain" "$rps" "$p50" "$p99" "$bad"
    if [ "$label" != healthz ]; then
      read -r rps p50 p99 bad < <(measure "$path" -H "Accept-Encoding: br, gzip")
      printf '| %-8s | %-12s | %-5s | %9s | %7s | %7s | %5s |\n' "$name" "$label" "br" "$rps" "$p50" "$p99" "$bad"
    fi
  done
  printf '| %-8s | RSS MB: idle %s, after the load %s |\n' "$name" "$idle" "$(peerloop_rss_mb "$server_pid")"
  stop_server
}

echo "wrk -t2 -c$connections -d${duration}s against $binary"
echo "| database | page         | body  |     req/s | p50 ms  | p99 ms  | non-2xx |"
echo "|---|---|---|---:|---:|---:|---:|"
run_database sqlite "sqlite://$work/peerloop.db"
if psql "$pg_url" -Atqc "SELECT 1" >/dev/null 2>&1; then
  pg_database="peerloop_bench_pages_$$"
  psql "$pg_url" -qc "CREATE DATABASE $pg_database" >/dev/null
  run_database postgres "${pg_url%/*}/$pg_database"
else
  echo "| postgres | unreachable at $pg_url: skipped |"
fi
