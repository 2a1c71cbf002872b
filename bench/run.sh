#!/bin/sh
# bench/run.sh — the benchmarks, run by `make bench` once it has built build/pmis and
# build/bench/*; this script builds nothing. It prints the machine, the personal-data crypto
# micro-benchmark, then for SQLite and for PostgreSQL (a throwaway cluster from tests/pg.sh):
# `pmis import customers` of generated CSV files (wall time, peak RSS) into fresh databases, and
# customer_search latency on the largest one; reading and interval imports (bench_readings:
# BENCH_METERS meters, default 2000, 1.2M register values and 1.15M points); bill runs
# (bench_billrun: BENCH_BILL_ROWS accounts in the demo mix, `pmis bill run --period 2025-06`,
# wall time and peak RSS); the service centre (bench_tickets: BENCH_SLA_ROWS open work orders,
# `pmis ticket sla` twice, the first run escalating the breaches; then work orders taken in and
# moved through all 8 steps over HTTP by wrk with bench/tickets.lua against `pmis serve` on
# 127.0.0.1, for BENCH_TICKETS_SECONDS per connection count); the HTTP API under wrk
# (bench/bench_api.sh: GET a customer, search at 64 connections); a table of figures closes.
# Nothing is asserted.
# Environment:
#   BENCH_SECTIONS="crypto tariff import readings billing ledger sla tickets api"   what to run
#   BENCH_SLA_ROWS=1000000               open work orders for the SLA recompute
#   BENCH_TICKETS_SECONDS=10 BENCH_TICKETS_CONNS="2 4"   the HTTP work-order benchmark
#   BENCH_API_ROWS=100000 BENCH_API_SECONDS=10 BENCH_API_CONNS=64   api: see bench/bench_api.sh
#   BENCH_BILL_ROWS="100000 1000000"      bill run sizes
#   BENCH_LEDGER_ROWS=1000000 BENCH_LEDGER_BANK=100000   ledger: accounts (late fees accrued,
#                                        one payment each) and the lines of a bank file
#   BENCH_LEDGER_SINGLE=10000            ledger: payments posted one per transaction first
#   BENCH_LEDGER_JOBS="1 2"              ledger on PostgreSQL: a run per --jobs (parts by account)
#   BENCH_ROWS="100000 500000 1000000"   import sizes, ascending (the last one is searched)
#   BENCH_BACKENDS="sqlite postgresql"
#   BENCH_QUERIES=300                    search queries per kind
#   BENCH_BIN=build                      where make put pmis and bench/
#   BENCH_KEYS_ALGORITHM=sm4-ctr-hmac-sm3  personal data under SM4 + HMAC-SM3 (国密) keys
#                                        instead of the default aes-256-gcm
# Everything lives in one mktemp directory, removed at the end (a 1M-row run needs ~2.5 GB).
set -eu

rows=${BENCH_ROWS:-100000 500000 1000000}
sections=${BENCH_SECTIONS:-crypto tariff import readings billing ledger sla tickets api}
bill_rows=${BENCH_BILL_ROWS:-100000 1000000}
ledger_rows=${BENCH_LEDGER_ROWS:-1000000}
ledger_bank=${BENCH_LEDGER_BANK:-100000}
want() { case " $sections " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
backends=${BENCH_BACKENDS:-sqlite postgresql}
queries=${BENCH_QUERIES:-300}
bin=${BENCH_BIN:-build}
export PMIS_KEYS_ALGORITHM="${BENCH_KEYS_ALGORITHM:-aes-256-gcm}"
pmis=$bin/pmis
seed=2025
here=$(cd "$(dirname "$0")/.." && pwd)

for f in "$pmis" "$bin/bench/gen_customers" "$bin/bench/bench_search" "$bin/bench/bench_crypto" \
    "$bin/bench/bench_readings" "$bin/bench/bench_tariff" "$bin/bench/bench_billrun" \
    "$bin/bench/bench_ledger" "$bin/bench/bench_tickets"; do
    [ -x "$f" ] || { echo "bench/run.sh: $f is missing; run 'make bench'" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pmis-bench-XXXXXX")
chmod 711 "$tmp" # as root the PostgreSQL server runs as `postgres` and must reach $tmp/pg
pg_started=
cleanup() {
    [ -z "$pg_started" ] || sh "$here/tests/pg.sh" stop "$tmp/pg" || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# ---- the machine ----
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
machine="$(uname -m), ${cpu:-unknown CPU}, $(nproc) cpus, $mem RAM"
echo "machine: $machine"
echo "kernel:  $(uname -sr); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "sqlite:  $(sqlite3 --version 2>/dev/null | cut -d' ' -f1 || echo '?')"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n | tail -1)
if [ "$(id -u)" -eq 0 ]; then pg_user=postgres; else pg_user=$(id -un); fi # as tests/pg.sh
echo "postgresql: $("$pgbin/postgres" --version 2>/dev/null || echo 'not installed')"
echo "disk:    $(df -h "$tmp" | awk 'NR == 2 { print $4 " free in " $6 }')"
echo

# ---- personal-data crypto ----
if want crypto; then
    "$bin/bench/bench_crypto" | sed 1d
    echo
fi

# ---- tariff engine: in-process quotes/s, then `pmis tariff quote` per CLI call ----
export PMIS_KEYS_FILE="$tmp/keys"
tq_ms=-
if want tariff; then
    "$bin/bench/bench_tariff" "$here/data/tariffs" | tee "$tmp/tariff"
    tq_db="sqlite:$tmp/tariff.db"
    PMIS_DB="$tq_db" "$pmis" init >/dev/null 2>&1
    for f in "$here"/data/tariffs/*.json; do PMIS_DB="$tq_db" "$pmis" tariff load "$f" >/dev/null; done
    tq_n=${BENCH_TARIFF_CALLS:-200}
    t0=$(now)
    i=0
    while [ $i -lt "$tq_n" ]; do
        PMIS_DB="$tq_db" "$pmis" tariff quote --tariff SH-LI-2P --period 2024-07 --tou peak=40000,flat=40000,valley=20000 \
            --demand 700 --contract-demand 600 --kvarh 69000 --pf-standard 0.90 >/dev/null
        i=$((i + 1))
    done
    tq_ms=$(awk -v a="$t0" -v b="$(now)" -v n="$tq_n" 'BEGIN { printf "%.2f", (b - a) * 1000 / n }')
    echo "pmis tariff quote (SQLite, large-industry tariff): $tq_ms ms per call over $tq_n calls"
    echo
fi

# ---- CSV files ----
gnu_time=
if /usr/bin/time -f %M true >/dev/null 2>&1; then
    gnu_time=/usr/bin/time
else
    echo "(GNU time is not installed: no peak RSS; 'make deps' installs it)"
fi
export PMIS_KEYS_FILE="$tmp/keys"
largest=
want import || rows=
for n in $rows; do
    t0=$(now)
    "$bin/bench/gen_customers" "$n" "$seed" >"$tmp/c$n.csv"
    echo "generated $n customers in $(elapsed "$t0" "$(now)") s ($(du -h "$tmp/c$n.csv" | cut -f1))"
    largest=$n
done
echo

# ---- imports and searches ----
: >"$tmp/figures"
for be in $backends; do
    [ -n "$rows" ] || break
    if [ "$be" = postgresql ]; then
        if [ -z "$pgbin" ]; then
            echo "postgresql: not installed, skipped"
            continue
        fi
        sh "$here/tests/pg.sh" start "$tmp/pg"
        pg_started=1
    fi
    for n in $rows; do
        case $be in
        sqlite) url="sqlite:$tmp/sq$n.db" ;;
        postgresql) url=$(sh "$here/tests/pg.sh" createdb "$tmp/pg" "bench$n") ;;
        *) echo "bench/run.sh: unknown backend '$be'" >&2; exit 1 ;;
        esac
        export PMIS_DB="$url"
        "$pmis" init >/dev/null 2>"$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
        "$pmis" demo --customers 0 >/dev/null # the org tree only
        echo "$be: importing $n customers ..."
        t0=$(now)
        if [ -n "$gnu_time" ]; then
            $gnu_time -o "$tmp/rss" -f %M "$pmis" import customers "$tmp/c$n.csv"
            rss=$(awk '{ printf "%.0f", $1 / 1024 }' "$tmp/rss")
        else
            "$pmis" import customers "$tmp/c$n.csv"
            rss=-
        fi
        secs=$(elapsed "$t0" "$(now)")
        rate=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
        echo "  $secs s, $rate rows/s, peak RSS $rss MiB"
        printf '%-11s %9s %10s %10s %10s\n' "$be" "$n" "$secs" "$rate" "$rss" >>"$tmp/figures"
        if [ "$n" = "$largest" ]; then
            # autovacuum analyzes the new rows within a minute; without statistics the planner
            # walks the 户号 index for a phone number (0.5 s instead of 0.2 ms)
            [ "$be" = sqlite ] || "$pgbin/psql" -X -q -h "$tmp/pg" -U "$pg_user" -d "bench$n" \
                -c ANALYZE
            "$bin/bench/bench_search" --db "$url" --queries "$queries" "$n" "$seed" |
                tee "$tmp/search-$be"
        elif [ "$be" = sqlite ]; then
            rm -f "$tmp/sq$n.db" "$tmp/sq$n.db-wal" "$tmp/sq$n.db-shm"
        else
            "$pgbin/dropdb" -h "$tmp/pg" -U "$pg_user" "bench$n"
        fi
        echo
    done
    if [ "$be" = postgresql ]; then
        sh "$here/tests/pg.sh" stop "$tmp/pg"
        pg_started=
    fi
done

# ---- readings and interval data ----
want readings || readings_backends=
for be in ${readings_backends-$backends}; do
    case $be in
    sqlite) url="sqlite:$tmp/readings.db" ;;
    postgresql)
        [ -n "$pgbin" ] || continue
        sh "$here/tests/pg.sh" start "$tmp/pg"
        pg_started=1
        url=$(sh "$here/tests/pg.sh" createdb "$tmp/pg" benchreadings)
        ;;
    esac
    echo "$be: reading and interval imports ..."
    "$bin/bench/bench_readings" --db "$url" --meters "${BENCH_METERS:-2000}" | tee "$tmp/readings-$be"
    if [ "$be" = postgresql ]; then
        sh "$here/tests/pg.sh" stop "$tmp/pg"
        pg_started=
    fi
    echo
done

# ---- bill runs ----
: >"$tmp/bill-figures"
want billing || bill_rows=
for be in $backends; do
    [ -n "$bill_rows" ] || break
    if [ "$be" = postgresql ]; then
        [ -n "$pgbin" ] || continue
        sh "$here/tests/pg.sh" start "$tmp/pg"
        pg_started=1
    fi
    for n in $bill_rows; do
        case $be in
        sqlite) url="sqlite:$tmp/bill$n.db" ;;
        postgresql) url=$(sh "$here/tests/pg.sh" createdb "$tmp/pg" "bill$n") ;;
        esac
        export PMIS_DB="$url"
        "$pmis" init >/dev/null 2>"$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
        echo "$be: bill run over $n accounts ..."
        "$bin/bench/bench_billrun" "$url" "$n"
        "$pmis" tariff load "$here/data/tariffs/demo-zhejiang.json" >/dev/null
        # as for the searches: statistics, which autovacuum would gather within a minute
        [ "$be" = sqlite ] || "$pgbin/psql" -X -q -h "$tmp/pg" -U "$pg_user" -d "bill$n" -c ANALYZE
        t0=$(now)
        if [ -n "$gnu_time" ]; then
            $gnu_time -o "$tmp/rss" -f %M "$pmis" bill run --period 2025-06 >"$tmp/bill-out"
            rss=$(awk '{ printf "%.0f", $1 / 1024 }' "$tmp/rss")
        else
            "$pmis" bill run --period 2025-06 >"$tmp/bill-out"
            rss=-
        fi
        secs=$(elapsed "$t0" "$(now)")
        bills=$(awk '/^bills:/ { print $2 }' "$tmp/bill-out")
        rate=$(awk -v n="$bills" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
        echo "  $bills bills in $secs s, $rate bills/s, peak RSS $rss MiB"
        printf '%-11s %9s %10s %10s %10s\n' "$be" "$n" "$secs" "$rate" "$rss" >>"$tmp/bill-figures"
        if [ "$be" = sqlite ]; then
            rm -f "$tmp/bill$n.db" "$tmp/bill$n.db-wal" "$tmp/bill$n.db-shm" "$tmp/bill$n.db-lock-"*
        else
            "$pgbin/dropdb" -h "$tmp/pg" -U "$pg_user" "bill$n"
        fi
    done
    if [ "$be" = postgresql ]; then
        sh "$here/tests/pg.sh" stop "$tmp/pg"
        pg_started=
    fi
    echo
done

# ---- the receivables ledger ----
: >"$tmp/ledger-figures"
want ledger || ledger_rows=
for be in $backends; do
    [ -n "${ledger_rows:-}" ] || break
    if [ "$be" = postgresql ]; then
        [ -n "$pgbin" ] || continue
        sh "$here/tests/pg.sh" start "$tmp/pg"
        pg_started=1
    fi
    jobs_list=1
    [ "$be" = postgresql ] && jobs_list=${BENCH_LEDGER_JOBS:-1 2}
    for jobs in $jobs_list; do
        case $be in
        sqlite) url="sqlite:$tmp/ledger.db" ;;
        postgresql) url=$(sh "$here/tests/pg.sh" createdb "$tmp/pg" "ledger_j$jobs") ;;
        esac
        echo "$be: ledger over $ledger_rows accounts, a bank file of $ledger_bank lines, --jobs $jobs ..."
        "$bin/bench/bench_ledger" --db "$url" --accounts "$ledger_rows" --bank-lines "$ledger_bank" \
            --single "${BENCH_LEDGER_SINGLE:-10000}" --jobs "$jobs" |
            tee "$tmp/ledger-out"
        awk -v be="$be" -v j="$jobs" '/^accrue:/ { a = $2 " bills in " $10 " s" }
            /^pay:/ { p = $2 " payments in " $5 " s" } /^bank file:/ { b = $3 " lines in " $8 " s" }
            END { printf "%-11s jobs %s: accrue %s; pay %s; bank file %s\n", be, j, a, p, b }' \
            "$tmp/ledger-out" >>"$tmp/ledger-figures"
    done
    if [ "$be" = sqlite ]; then
        rm -f "$tmp/ledger.db" "$tmp/ledger.db-wal" "$tmp/ledger.db-shm"
    else
        sh "$here/tests/pg.sh" stop "$tmp/pg"
        pg_started=
    fi
    echo
done

# ---- the service centre: the SLA recompute of open work orders ----
: >"$tmp/sla-figures"
want sla || sla_backends=
for be in ${sla_backends-$backends}; do
    n=${BENCH_SLA_ROWS:-1000000}
    if [ "$be" = postgresql ]; then
        [ -n "$pgbin" ] || continue
        sh "$here/tests/pg.sh" start "$tmp/pg"
        pg_started=1
        url=$(sh "$here/tests/pg.sh" createdb "$tmp/pg" sla)
    else
        url="sqlite:$tmp/sla.db"
    fi
    export PMIS_DB="$url"
    "$pmis" init >/dev/null 2>"$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
    echo "$be: SLA recompute over $n open work orders ..."
    "$bin/bench/bench_tickets" "$url" "$n"
    line="$be $n"
    for run in first again; do
        t0=$(now)
        if [ -n "$gnu_time" ]; then
            $gnu_time -o "$tmp/cpu" -f '%U %S' "$pmis" ticket sla --at 2025-07-01T00:00:00Z >"$tmp/sla-out"
            cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$tmp/cpu")
        else
            "$pmis" ticket sla --at 2025-07-01T00:00:00Z >"$tmp/sla-out"
            cpu=-
        fi
        secs=$(elapsed "$t0" "$(now)")
        echo "  $run run: $secs s ($cpu s CPU in pmis): $(tail -1 "$tmp/sla-out")"
        line="$line $secs $cpu"
    done
    echo "$line" | awk '{ printf "%-11s %9s %12s %12s %12s %12s\n", $1, $2, $3, $4, $5, $6 }' \
        >>"$tmp/sla-figures"
    if [ "$be" = sqlite ]; then
        rm -f "$tmp/sla.db" "$tmp/sla.db-wal" "$tmp/sla.db-shm"
    else
        sh "$here/tests/pg.sh" stop "$tmp/pg"
        pg_started=
    fi
    echo
done

# ---- the service centre: work orders through the HTTP API (wrk on 127.0.0.1) ----
: >"$tmp/tickets-figures"
want tickets || tickets_backends=
if ! command -v wrk >/dev/null; then
    echo "wrk is not installed: no HTTP work-order figures ('make deps' installs it)"
    tickets_backends=
fi
for be in ${tickets_backends-$backends}; do
    if [ "$be" = postgresql ]; then
        [ -n "$pgbin" ] || continue
        sh "$here/tests/pg.sh" start "$tmp/pg"
        pg_started=1
        url=$(sh "$here/tests/pg.sh" createdb "$tmp/pg" api)
    else
        url="sqlite:$tmp/api.db"
    fi
    export PMIS_DB="$url"
    "$pmis" init --no-admin >/dev/null 2>"$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
    "$pmis" org add BZ --name 压测 --level province >/dev/null
    "$pmis" customer add --cust-no 6600000001 --name 压测 --type resident --voltage 220V \
        --address 压测路1号 --org BZ >/dev/null
    echo Bn8xWq4Lrt | "$pmis" user add bench --org BZ --roles manager --password-stdin >/dev/null
    token=$("$pmis" token add bench --user bench --perms ticket:write,ticket:dispatch 2>/dev/null)
    for c in ${BENCH_TICKETS_CONNS:-2 4}; do
        : >"$tmp/serve.log"
        "$pmis" serve --listen 127.0.0.1:0 2>"$tmp/serve.log" &
        srv=$!
        port=
        i=0
        while [ -z "$port" ] && [ $i -lt 200 ]; do
            sleep 0.05
            port=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$tmp/serve.log")
            i=$((i + 1))
        done
        [ -n "$port" ] || { cat "$tmp/serve.log" >&2; kill "$srv"; exit 1; }
        echo "$be: work orders over HTTP, $c connections, ${BENCH_TICKETS_SECONDS:-10} s ..."
        PMIS_BENCH_TOKEN=$token PMIS_BENCH_CUST=6600000001 PMIS_BENCH_ORG=BZ \
            wrk -t "$c" -c "$c" -d "${BENCH_TICKETS_SECONDS:-10}s" -s "$here/bench/tickets.lua" \
            "http://127.0.0.1:$port" >"$tmp/wrk-out"
        kill -TERM "$srv"
        wait "$srv" || true
        grep -E 'Requests/sec|^tickets:' "$tmp/wrk-out" | sed 's/^/  /'
        awk -v be="$be" -v c="$c" '/^tickets:/ { printf "%-11s %5s %10.0f %10.0f %10.0f %8s %8s %6s\n",
            be, c, $3 / $11, $5 / $11, $7 / $11, $13, $15, $9 }' "$tmp/wrk-out" >>"$tmp/tickets-figures"
    done
    if [ "$be" = sqlite ]; then
        rm -f "$tmp/api.db" "$tmp/api.db-wal" "$tmp/api.db-shm"
    else
        sh "$here/tests/pg.sh" stop "$tmp/pg"
        pg_started=
    fi
    echo
done

# ---- the HTTP API under wrk ----
: >"$tmp/api-figures"
if want api; then
    BENCH_BIN=$bin BENCH_BACKENDS=$backends BENCH_API_OUT="$tmp/api-figures" \
        sh "$here/bench/bench_api.sh"
    echo
fi

# ---- the figures ----
echo "==== figures ===="
echo "machine: $machine"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -f "$tmp/tariff" ]; then
    sed 1d "$tmp/tariff" | grep -v checksum
    echo "  pmis tariff quote per CLI call: $tq_ms ms"
fi
if [ -s "$tmp/figures" ]; then
    echo "import customers (encrypted phone and ID number), fresh database each:"
    printf '%-11s %9s %10s %10s %10s\n' backend rows seconds rows/s "RSS MiB"
    cat "$tmp/figures"
fi
if [ -s "$tmp/bill-figures" ]; then
    echo "bill run --period 2025-06 (demo mix: 85 % residential tiers, 12 % C&I TOU, 3 % two-part):"
    printf '%-11s %9s %10s %10s %10s\n' backend accounts seconds bills/s "RSS MiB"
    cat "$tmp/bill-figures"
fi
if [ -s "$tmp/ledger-figures" ]; then
    echo "receivables ledger ($ledger_rows accounts with an overdue bill):"
    cat "$tmp/ledger-figures"
fi
if [ -s "$tmp/sla-figures" ]; then
    echo "pmis ticket sla (SLA recompute of open work orders; the first run escalates the breaches):"
    printf '%-11s %9s %12s %12s %12s %12s\n' backend orders "first s" "CPU s" "again s" "CPU s"
    cat "$tmp/sla-figures"
fi
if [ -s "$tmp/tickets-figures" ]; then
    echo "work orders over HTTP (wrk, bench/tickets.lua: intake + 7 steps per order, one connection per thread):"
    printf '%-11s %5s %10s %10s %10s %8s %8s %6s\n' backend conns requests/s "taken in/s" archived/s \
        "p50 ms" "p99 ms" failed
    cat "$tmp/tickets-figures"
fi
if [ -s "$tmp/api-figures" ]; then
    echo "HTTP API, wrk at ${BENCH_API_CONNS:-64} connections, ${BENCH_API_ROWS:-100000} customers:"
    cat "$tmp/api-figures"
fi
for be in $backends; do
    [ -f "$tmp/readings-$be" ] || continue
    echo "reading imports, $be (values = register readings or interval points):"
    grep 'values/s' "$tmp/readings-$be"
done
for be in $backends; do
    [ -f "$tmp/search-$be" ] || continue
    echo "search at $largest customers, $be (ms):"
    sed 1d "$tmp/search-$be"
done
