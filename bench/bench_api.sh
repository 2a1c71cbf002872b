#!/bin/sh
# bench/bench_api.sh — HTTP API throughput with wrk on loopback (issue 5: GET a customer by id
# ≥ 20,000 req/s with p99 ≤ 10 ms at 64 connections on SQLite, 2 cores; customer search
# ≥ 5,000 req/s). For each backend: a fresh database with BENCH_API_ROWS generated customers
# (bench/gen_customers, `pmis import customers`), `pmis serve` on 127.0.0.1 (access log to a
# file), an API token of a whole-tree user, then wrk (BENCH_API_CONNS connections, BENCH_API_THREADS
# threads, BENCH_API_SECONDS each, after a short warm-up) on
#   GET /api/v1/customers/{户号}       random 户号 of the data (bench/bench_api.lua)
#   GET /api/v1/customers?name=NAME   a random customer's full name (bigram index)
#   GET /api/v1/customers?phone=P     a random customer's phone (blind index)
# and prints req/s, p50/p99 and the machine (nproc, load average). Nothing is asserted.
# Run alone (after `make all build/bench/gen_customers`) or from bench/run.sh (section "api").
# Environment: BENCH_BIN (build), BENCH_BACKENDS ("sqlite postgresql"), BENCH_API_ROWS (100000),
# BENCH_API_CONNS (64), BENCH_API_THREADS (2), BENCH_API_SECONDS (10), BENCH_API_OUT (a file
# that receives one summary line per run, for bench/run.sh).
set -eu

bin=${BENCH_BIN:-build}
backends=${BENCH_BACKENDS:-sqlite postgresql}
rows=${BENCH_API_ROWS:-100000}
conns=${BENCH_API_CONNS:-64}
threads=${BENCH_API_THREADS:-2}
secs=${BENCH_API_SECONDS:-10}
out=${BENCH_API_OUT:-/dev/null}
here=$(cd "$(dirname "$0")/.." && pwd)
pmis=$bin/pmis

command -v wrk >/dev/null 2>&1 || {
    echo "bench_api.sh: wrk is missing (Debian package 'wrk'; 'make deps' installs it)" >&2
    exit 1
}
for f in "$pmis" "$bin/bench/gen_customers"; do
    [ -x "$f" ] || { echo "bench_api.sh: $f is missing; run 'make bench'" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pmis-bench-api-XXXXXX")
chmod 711 "$tmp"
srv=
pg_started=
cleanup() {
    [ -z "$srv" ] || { kill -TERM "$srv" 2>/dev/null; wait "$srv" 2>/dev/null || true; }
    [ -z "$pg_started" ] || sh "$here/tests/pg.sh" stop "$tmp/pg" || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export PMIS_KEYS_FILE="$tmp/keys" PMIS_CONFIG=/dev/null PMIS_AS=bench
echo "api: $(nproc) cpus, load average $(cut -d' ' -f1-3 /proc/loadavg); wrk -t$threads -c$conns -d${secs}s"
"$bin/bench/gen_customers" "$rows" 2025 >"$tmp/c.csv"
# paths for wrk: 户号, names and phones of the generated customers
awk -F, 'NR > 1 { print "/api/v1/customers/" $1 }' "$tmp/c.csv" >"$tmp/get"
awk -F, 'NR > 1 { print "/api/v1/customers?name=" $2 }' "$tmp/c.csv" >"$tmp/name"
awk -F, 'NR > 1 && $7 != "" { print "/api/v1/customers?phone=" $7 }' "$tmp/c.csv" >"$tmp/phone"

# wrk_run LABEL PATHS: one wrk run; prints its figures and appends a summary line to $out
wrk_run() {
    load=$(cut -d' ' -f1 /proc/loadavg) # before our own load: the 1-minute average lags
    BENCH_API_PATHS="$2" wrk -t"$threads" -c"$conns" -d2s -s "$here/bench/bench_api.lua" "$B" \
        >/dev/null 2>&1 || true # warm-up: page cache, worker connections, prepared statements
    BENCH_API_PATHS="$2" wrk -t"$threads" -c"$conns" -d"${secs}s" --latency \
        -s "$here/bench/bench_api.lua" "$B" >"$tmp/wrk"
    rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$tmp/wrk")
    p50=$(awk '$1 == "50%" { print $2 }' "$tmp/wrk")
    p99=$(awk '$1 == "99%" { print $2 }' "$tmp/wrk")
    bad=$(awk '/Non-2xx/ { print $NF } /Socket errors/ { print "socket errors:" $0 }' "$tmp/wrk")
    line=$(printf '%-11s %-22s %9s req/s  p50 %8s  p99 %8s  load %s%s' "$be" "$1" "$rps" "$p50" \
        "$p99" "$load" "${bad:+  non-2xx: $bad}")
    echo "  $line"
    echo "$line" >>"$out"
}

for be in $backends; do
    case $be in
    sqlite) url="sqlite:$tmp/api.db" ;;
    postgresql)
        ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || { echo "postgresql: not installed, skipped"; continue; }
        sh "$here/tests/pg.sh" start "$tmp/pg"
        pg_started=1
        url=$(sh "$here/tests/pg.sh" createdb "$tmp/pg" benchapi)
        ;;
    *) echo "bench_api.sh: unknown backend '$be'" >&2; exit 1 ;;
    esac
    export PMIS_DB="$url"
    "$pmis" init --no-admin >/dev/null 2>&1
    "$pmis" demo --customers 0 >/dev/null
    "$pmis" import customers "$tmp/c.csv" >/dev/null
    if [ "$be" = postgresql ]; then
        pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -t/ -k5,5n | tail -1)
        if [ "$(id -u)" -eq 0 ]; then pg_user=postgres; else pg_user=$(id -un); fi
        "$pgbin/psql" -X -q -h "$tmp/pg" -U "$pg_user" -d benchapi -c ANALYZE
    fi
    echo Bq7wZx4mPt2k | "$pmis" user add bench --all-orgs --roles administrator --password-stdin >/dev/null
    BENCH_API_TOKEN=$("$pmis" token add bench --user bench --perms customer:read 2>/dev/null)
    export BENCH_API_TOKEN
    : >"$tmp/serve.log"
    "$pmis" serve --listen 127.0.0.1:0 2>"$tmp/serve.log" &
    srv=$!
    i=0 port=
    while [ -z "$port" ] && [ $i -lt 200 ]; do
        sleep 0.05
        port=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' "$tmp/serve.log")
        i=$((i + 1))
    done
    [ -n "$port" ] || { echo "bench_api.sh: the server did not start" >&2; cat "$tmp/serve.log" >&2; exit 1; }
    B="http://127.0.0.1:$port"
    echo "$be: $rows customers, serving on $B"
    wrk_run "GET customer" "$tmp/get"
    wrk_run "search name" "$tmp/name"
    wrk_run "search phone" "$tmp/phone"
    kill -TERM "$srv"
    wait "$srv" || true
    srv=
    if [ "$be" = postgresql ]; then
        sh "$here/tests/pg.sh" stop "$tmp/pg"
        pg_started=
    fi
done
