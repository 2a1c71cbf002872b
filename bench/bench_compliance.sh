#!/bin/sh
# bench/bench_compliance.sh — SLA compliance over a long range: bench_tickets fills
# BENCH_COMPLIANCE_ROWS (default 5000) work orders, whose clocks are then spread over the 120
# months 2015-07 .. 2025-06 (a third met, a third missed, a third running), and
# `pmis ticket compliance --from 2015-07 --to 2025-06 --by B` is timed for each grouping B,
# BENCH_COMPLIANCE_RUNS times (default 5) each, best and median in ms. With PMIS_A and PMIS_B
# (two pmis binaries, e.g. before and after a change) the runs alternate A, B on the same
# database, and the figures of both are printed, with the ratio of the medians and whether
# their --json outputs are the same byte for byte. Nothing is
# asserted. On SQLite and on a throwaway PostgreSQL cluster (tests/pg.sh).
#   BENCH_BACKENDS="sqlite postgresql"  BENCH_BIN=build (bench_tickets, and pmis when no PMIS_A)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${BENCH_BIN:-build}
n=${BENCH_COMPLIANCE_ROWS:-5000}
runs=${BENCH_COMPLIANCE_RUNS:-5}
backends=${BENCH_BACKENDS:-sqlite postgresql}
a=${PMIS_A:-$bin/pmis}
b=${PMIS_B:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pmis-compliance-XXXXXX")
chmod 711 "$tmp"
pg_started=
cleanup() {
    [ -z "$pg_started" ] || sh "$here/tests/pg.sh" stop "$tmp/pg" || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export PMIS_KEYS_FILE="$tmp/keys"

# the clocks of bench_tickets start within a day of 2025-07-01: move clock i back (i % 120)
# months of 30.44 days, so each month of the range has about n / 120
spread="UPDATE ticket_clock SET started_at = started_at - (id % 120) * 2629746000000,
  deadline_at = deadline_at - (id % 120) * 2629746000000,
  warn_at = warn_at - (id % 120) * 2629746000000,
  status = CASE id % 3 WHEN 0 THEN 'met' WHEN 1 THEN 'missed' ELSE 'running' END;"

# ms of one run of "$@"
ms() {
    t0=$(date +%s%N)
    "$@" >/dev/null
    echo $((($(date +%s%N) - t0) / 1000000))
}
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "%d %d", v[1], v[int((NR + 1) / 2)] }'; }

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for be in $backends; do
    if [ "$be" = postgresql ]; then
        sh "$here/tests/pg.sh" start "$tmp/pg" >/dev/null
        pg_started=1
        url=$(sh "$here/tests/pg.sh" createdb "$tmp/pg" compliance)
    else
        url="sqlite:$tmp/compliance.db"
    fi
    export PMIS_DB="$url"
    "$a" init >/dev/null 2>"$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
    "$bin/bench/bench_tickets" "$url" "$n" >/dev/null
    if [ "$be" = postgresql ]; then
        psql -X -q -v ON_ERROR_STOP=1 -d "$url" -c "$spread ANALYZE;" >/dev/null
    else
        sqlite3 "$tmp/compliance.db" "$spread ANALYZE;"
    fi
    echo "$be, $n work orders over 120 months, $runs runs each (ms: best / median):"
    for by in month month,org month,type month,metric type; do
        : >"$tmp/a"
        : >"$tmp/b"
        i=0
        while [ $i -lt "$runs" ]; do
            ms "$a" ticket compliance --from 2015-07 --to 2025-06 --by "$by" >>"$tmp/a"
            [ -z "$b" ] || ms "$b" ticket compliance --from 2015-07 --to 2025-06 --by "$by" >>"$tmp/b"
            i=$((i + 1))
        done
        same=
        if [ -n "$b" ]; then
            "$a" --json ticket compliance --from 2015-07 --to 2025-06 --by "$by" >"$tmp/oa"
            "$b" --json ticket compliance --from 2015-07 --to 2025-06 --by "$by" >"$tmp/ob"
            if cmp -s "$tmp/oa" "$tmp/ob"; then same="same output"; else same="OUTPUTS DIFFER"; fi
        fi
        set -- $(stats <"$tmp/a")
        if [ -z "$b" ]; then
            printf '  --by %-13s %6s / %6s\n' "$by" "$1" "$2"
        else
            am=$2 ab=$1
            set -- $(stats <"$tmp/b")
            printf '  --by %-13s A %6s / %6s   B %6s / %6s   A/B %s  %s\n' "$by" "$ab" "$am" "$1" "$2" \
                "$(awk -v x="$am" -v y="$2" 'BEGIN { printf "%.1f", y ? x / y : 0 }')" "$same"
        fi
    done
    if [ "$be" = postgresql ]; then
        sh "$here/tests/pg.sh" stop "$tmp/pg"
        pg_started=
    fi
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
