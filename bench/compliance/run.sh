#!/usr/bin/env bash
# The compliance benchmark: against a PostgreSQL database seeded with
# `redress seed --scale N`, starts the release server, sends every query in
# bench/compliance/queries/*.graphql (with its NAME.json variables) K times
# after W warm-ups with a COMPLIANCE token, prints p50/p95/max per query and
# writes docs/compliance-benchmarks.md; measures the server's peak RSS over
# the grievance-log CSV export; then (unless EXPLAIN=0) captures the plan of
# every query with auto_explain into docs/compliance-plans.md.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/redress_scale bench/compliance/run.sh
#
# Settings (environment): K (30), W (3), PORT (18181), FACILITY (SCALE-BOS),
# EXPLAIN (1), PG_LOG (/var/log/postgresql/postgresql-15-main.log: where the
# cluster's server log is; auto_explain writes the plans there), REDRESS
# (target/release/redress, built when missing).
#
# Adding a query is a file drop: NAME.graphql and, if it takes variables,
# NAME.json. Placeholders in the JSON: @FROM_1Y@ / @TO@ (RFC 3339, one year
# to now), @FROM_1Y_DATE@ / @TO_DATE@ (dates, for ReportFilterInput),
# @FACILITY@, @COMPLAINT_ID@ (the newest complaint of @FACILITY@),
# @DEEP_LOG_CURSOR@ (a report cursor at 180 days ago: a grievance-log page about
# half a year into the one-year log).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${DATABASE_URL:?set DATABASE_URL to the seeded PostgreSQL database}"
K=${K:-30}
W=${W:-3}
PORT=${PORT:-18181}
FACILITY=${FACILITY:-SCALE-BOS}
EXPLAIN=${EXPLAIN:-1}
PG_LOG=${PG_LOG:-/var/log/postgresql/postgresql-15-main.log}
REDRESS=${REDRESS:-$root/target/release/redress}
OUT="$root/docs/compliance-benchmarks.md"
PLANS="$root/docs/compliance-plans.md"
BASE="http://127.0.0.1:$PORT"

case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) echo "run.sh: DATABASE_URL must be a PostgreSQL URL" >&2; exit 2 ;;
esac
if [ ! -x "$REDRESS" ]; then
  (cd "$root" && cargo build --release -q)
fi

work=$(mktemp -d)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT

export REDRESS_DATA_DIR="$work/data"
export REDRESS_DATABASE_URL="$DATABASE_URL"
export REDRESS_CHECKPOINT_INTERVAL=0
export REDRESS_LOG_FORMAT=text
export RUST_LOG=warn

start_server() {
  "$REDRESS" serve --listen "127.0.0.1:$PORT" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 200); do
    if curl -fsS "$BASE/readyz" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "run.sh: the server did not become ready:" >&2
  cat "$work/server.log" >&2
  exit 1
}

psql_db() { psql "$DATABASE_URL" -XtAq -v ON_ERROR_STOP=1 "$@"; }

n_complaints=$(psql_db -c "SELECT count(*) FROM complaint")
db_name=$(psql_db -c "SELECT current_database()")
start_server
TOKEN=$("$REDRESS" token --sub bench-compliance --name "Benchmark (compliance)" \
  --role COMPLIANCE --facility '*' --ttl 2h)

gql() { # gql BODY_FILE OUT_FILE -> prints seconds
  curl -sS -o "$2" -w '%{time_total}' "$BASE/graphql" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    --data-binary "@$1"
}

now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
from=$(date -u -d '365 days ago' +%Y-%m-%dT%H:%M:%SZ)
today=$(date -u +%Y-%m-%d)
from_date=$(date -u -d '365 days ago' +%Y-%m-%d)
# The reports' keyset cursor is "<received_at micros>_<id>".
deep_cursor="$(( $(date -u -d '180 days ago' +%s) * 1000000 ))_00000000-0000-0000-0000-000000000000"
printf '{"query":"{ complaints(first: 1, filter: {facilityCodes: [\\"%s\\"]}) { nodes { id } } }"}' \
  "$FACILITY" >"$work/id.json"
gql "$work/id.json" "$work/id.out" >/dev/null
complaint_id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$work/id.out")

body_of() { # body_of NAME -> writes $work/NAME.body
  local name=$1 vars='{}'
  if [ -f "$here/queries/$name.json" ]; then
    vars=$(sed -e "s/@FROM_1Y@/$from/g" -e "s/@TO@/$now/g" \
      -e "s/@FROM_1Y_DATE@/$from_date/g" -e "s/@TO_DATE@/$today/g" \
      -e "s/@FACILITY@/$FACILITY/g" -e "s/@COMPLAINT_ID@/$complaint_id/g" \
      -e "s/@DEEP_LOG_CURSOR@/$deep_cursor/g" \
      "$here/queries/$name.json")
  fi
  # The query as a JSON string: comments dropped, quotes and newlines escaped.
  local query
  query=$(grep -v '^\s*#' "$here/queries/$name.graphql" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' \
    | awk '{ printf "%s\\n", $0 }')
  printf '{"query":"%s","variables":%s}' "$query" "$vars" >"$work/$name.body"
}

# Nearest-rank percentile (as domain::report::percentile) of sorted ms.
pct() { awk -v p="$1" '{ a[NR] = $1 } END { i = int(p * NR + 0.999999); if (i < 1) i = 1; printf "%.1f", a[i] }' "$2"; }

names=()
for f in "$here"/queries/*.graphql; do names+=("$(basename "$f" .graphql)"); done

rows=""
printf '%-40s %8s %8s %8s\n' query p50_ms p95_ms max_ms
for name in "${names[@]}"; do
  body_of "$name"
  for _ in $(seq 1 "$W"); do gql "$work/$name.body" "$work/$name.out" >/dev/null; done
  if grep -q '"errors"' "$work/$name.out"; then
    msg=$(head -c 300 "$work/$name.out")
    printf '%-40s ERROR %s\n' "$name" "$msg"
    rows+="| \`$name\` | error | | | |"$'\n'
    continue
  fi
  : >"$work/$name.ms"
  for _ in $(seq 1 "$K"); do
    s=$(gql "$work/$name.body" "$work/$name.out")
    awk -v s="$s" 'BEGIN { printf "%.3f\n", s * 1000 }' >>"$work/$name.ms"
  done
  sort -n "$work/$name.ms" -o "$work/$name.ms"
  p50=$(pct 0.5 "$work/$name.ms"); p95=$(pct 0.95 "$work/$name.ms"); max=$(tail -1 "$work/$name.ms")
  printf '%-40s %8s %8s %8.1f\n' "$name" "$p50" "$p95" "$max"
  rows+="| \`$name\` | $p50 | $p95 | $(printf '%.1f' "$max") | $K |"$'\n'
done
stop_server

# Peak RSS of a fresh server over the whole grievance-log CSV export: every
# facility, the seed's three years (a report period is at most 3 × 366 + 31
# days).
csv_line=""
csv_from=$(date -u -d '1120 days ago' +%Y-%m-%d)
start_server
status=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
  "$BASE/exports/grievance-log.csv?from=$csv_from&to=$today" || true)
if [ "$status" != 200 ]; then
  csv_line="CSV export: \`GET /exports/grievance-log.csv\` answered HTTP $status: not measured."
  echo "$csv_line"
else
  before=$(awk '/VmHWM/ { print $2 }' "/proc/$server_pid/status")
  t0=$(date +%s.%N)
  bytes=$(curl -sS -o /dev/null -w '%{size_download}' -H "Authorization: Bearer $TOKEN" \
    "$BASE/exports/grievance-log.csv?from=$csv_from&to=$today")
  t1=$(date +%s.%N)
  after=$(awk '/VmHWM/ { print $2 }' "/proc/$server_pid/status")
  csv_line=$(awk -v b="$before" -v a="$after" -v n="$bytes" -v t0="$t0" -v t1="$t1" -v s="$status" 'BEGIN {
    printf "CSV export (all facilities, all years, HTTP %s): %.1f MB in %.1f s; server peak RSS (VmHWM) %.1f MB (%.1f MB before the export).", s, n / 1048576, t1 - t0, a / 1024, b / 1024 }')
  echo "$csv_line"
fi
stop_server

cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
cores=$(nproc)
mem=$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)
pgv=$(psql_db -c "SHOW server_version")
{
  echo "# Compliance benchmarks"
  echo
  echo "Written by \`bench/compliance/run.sh\` (see the README, \"Benchmarks\"). Each query"
  echo "is sent $K times after $W warm-ups, one at a time, with a COMPLIANCE token for"
  echo "every facility; times are wall-clock at the client (curl \`time_total\`), in ms."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $cpu, $cores cores, $mem; PostgreSQL $pgv"
  echo "- data: $n_complaints complaints (\`redress seed --scale\`), database \`$db_name\`"
  echo "- one year: $from to $now; one facility: $FACILITY"
  echo
  echo "| query | p50 ms | p95 ms | max ms | runs |"
  echo "|---|---:|---:|---:|---:|"
  printf '%s' "$rows"
  echo
  echo "$csv_line"
} >"$OUT"
echo "wrote $OUT"

[ "$EXPLAIN" = 1 ] || exit 0

# Plans: auto_explain for this database's sessions only, each query run once
# with the server's log read between queries, then the settings removed.
psql_db <<SQL
ALTER DATABASE "$db_name" SET session_preload_libraries = 'auto_explain';
ALTER DATABASE "$db_name" SET auto_explain.log_min_duration = 0;
ALTER DATABASE "$db_name" SET auto_explain.log_analyze = on;
ALTER DATABASE "$db_name" SET auto_explain.log_buffers = on;
ALTER DATABASE "$db_name" SET auto_explain.log_format = 'text';
SQL
reset_explain() {
  psql_db <<SQL || true
ALTER DATABASE "$db_name" RESET session_preload_libraries;
ALTER DATABASE "$db_name" RESET auto_explain.log_min_duration;
ALTER DATABASE "$db_name" RESET auto_explain.log_analyze;
ALTER DATABASE "$db_name" RESET auto_explain.log_buffers;
ALTER DATABASE "$db_name" RESET auto_explain.log_format;
SQL
}
trap 'reset_explain; cleanup' EXIT
start_server
{
  echo "# Compliance query plans (PostgreSQL, auto_explain, ANALYZE)"
  echo
  echo "Written by \`bench/compliance/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC') over"
  echo "$n_complaints complaints: each benchmarked query once, every statement it ran"
  echo "with its plan as executed (the server's health probe and transaction"
  echo "statements left out)."
} >"$PLANS"
for name in "${names[@]}"; do
  gql "$work/$name.body" "$work/$name.out" >/dev/null # a connection with auto_explain loaded
  sleep 0.3
  offset=$(stat -c %s "$PG_LOG")
  gql "$work/$name.body" "$work/$name.out" >/dev/null
  sleep 0.5
  {
    echo
    echo "## \`$name\`"
    echo
    echo '```'
    tail -c +"$((offset + 1))" "$PG_LOG" | awk -v db="$db_name" '
      /LOG:  duration: .* plan:/ { if (inplan) flush(); inplan = (index($0, "@" db " ") > 0); next }
      inplan && /^\t/ { buf = buf substr($0, 2) "\n"; next }
      inplan { flush(); inplan = 0 }
      function flush() {
        if (buf ~ /Query Text: (SELECT 1|select 1|BEGIN|COMMIT|ROLLBACK|SET |SELECT pg_advisory)/) { buf = ""; return }
        if (buf != "") printf "%s\n", buf; buf = ""
      }
      END { if (inplan) flush() }'
    echo '```'
  } >>"$PLANS"
done
stop_server
reset_explain
trap cleanup EXIT
echo "wrote $PLANS"
