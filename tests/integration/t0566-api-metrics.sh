#!/bin/sh
# /metrics beyond the request counters: the progress of running bill runs (accounts billed,
# work units done of all) read from the database, and the database-connection pool: connections
# open and idle, and those closed after server.db_idle_s unused (the pool shrinks after a burst).
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

"$PMIS" init --no-admin >/dev/null 2>&1 &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" tariff load "$PMIS_TOP/data/tariffs/beijing-resident.json" >/dev/null &&
    for i in 1 2 3; do
        "$PMIS" customer add --name 张三 --type resident --voltage 220V --address 杭州 --org ZJ \
            --opened 2024-01-05 >/dev/null || exit 1
    done &&
    for c in 1000000000 1000000001 1000000002; do
        "$PMIS" account add $c --tariff BJ-RES --cycle-day 15 --opened 2024-01-05 >/dev/null || exit 1
    done &&
    "$PMIS" bill run --period 2025-05 --units 2 >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }

serve_start PMIS_SERVER_DB_IDLE_S=1
req GET /metrics
check "a running run's work units" grep -q '^pmis_bill_run_units{run="1",period="2025-05"} 2$' "$T/body"
check "none done yet" grep -q '^pmis_bill_run_units_done{run="1",period="2025-05"} 0$' "$T/body"
check "accounts billed so far" grep -q '^pmis_bill_run_accounts_billed{run="1",period="2025-05"} 0$' "$T/body"
"$PMIS" bill work 1 >"$T/work.out" 2>&1 || sed "s/^/#   work: /" "$T/work.out"
req GET /metrics
check "a finished run is no longer there" not grep -q '^pmis_bill_run_' "$T/body"
check "but its help text is" grep -q '^# TYPE pmis_bill_run_units gauge$' "$T/body"

# a burst of concurrent requests opens several connections
pids=""
for i in 1 2 3 4 5 6; do
    curl -s -o /dev/null "$B/readyz" &
    pids="$pids $!"
done
# shellcheck disable=SC2086
wait $pids # not the server
req GET /metrics
open=$(sed -n 's/^pmis_db_connections \([0-9]*\)$/\1/p' "$T/body")
check "connections are counted ($open)" test "${open:-0}" -ge 1
check "idle ones too" grep -qE '^pmis_db_connections_idle [0-9]+$' "$T/body"
sleep 3
req GET /metrics
closed=$(sed -n 's/^pmis_db_connections_closed_total \([0-9]*\)$/\1/p' "$T/body")
check "idle connections are closed after server.db_idle_s ($closed)" test "${closed:-0}" -ge 1
check "leaving the one this request uses" grep -q '^pmis_db_connections 1$' "$T/body"
req GET /readyz
check "and the server still answers" test "$status" = 200
serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
srv_pid=""
done_testing
