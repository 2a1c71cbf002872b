#!/bin/sh
# A bill run started in the background (POST /bill-runs with "background": 202 at once with the
# run's id, a server job computes its work units) and its progress (GET /bill-runs/{id}:
# phase, percent, accounts done and in all, units): polled while it runs, the percent and the
# accounts done never go back and the percent stays below 100 until done; the final state is
# exact and its totals are those of its bills. A second start of the same period while it runs
# is refused as busy; a background dry run is 400 naming the field and makes no run. A run whose server is
# killed mid-way stays running and `pmis bill work` finishes it. A blocking run (the CLI's) also
# records its accounts in all.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

ledger_fixture &&
    "$PMIS" user add boss --all-orgs --roles administrator >/dev/null 2>&1 &&
    tk=$("$PMIS" token add t_all --user boss --perms bill:read,bill:run 2>/dev/null) ||
    { not_ok "set up"; done_testing; exit 1; }
printf '%s\n' meter,read_on,source,total M1,2024-12-15,remote,150 M2,2024-12-15,remote,260 \
    M3,2024-12-15,remote,370 >"$T/r12.csv"
"$PMIS" import readings "$T/r12.csv" >/dev/null 2>&1 || { not_ok "December readings"; done_testing; exit 1; }
AU="Authorization: Bearer $tk"
prog='.progress | [.phase, .percent, .accounts_done, .accounts_total, .units, .units_done, .error]'

serve_start PMIS_BILLING_BATCH=1 PMIS_TEST_BILL_PAUSE_MS=400
req GET /api/v1/bill-runs/1 -H "$AU"
check "a blocking run's progress: done, 100 %, 3 of 3 accounts, no units" \
    test "$status $(jq -c "$prog" "$T/body")" = '200 ["done",100,3,3,0,0,null]'

runs=$(sql "SELECT COUNT(*) FROM bill_run")
req POST /api/v1/bill-runs -H "$AU" -H "$JSON" -d '{"period":"2024-12","background":true,"dry_run":true}'
check "a background dry run: 400 naming the field, no run made" \
    test "$status $(jq -r .error.field "$T/body") $(sql "SELECT COUNT(*) FROM bill_run")" = "400 background $runs"

req POST /api/v1/bill-runs -H "$AU" -H "$JSON" -d '{"period":"2024-12","background":true}'
id=$(jq -r .run "$T/body")
check "a background run answers 202 at once with its id and its units" \
    test "$status $(jq -c '[.background, .status, .period, .units]' "$T/body")" = '202 [true,"running","2024-12",3]'
req POST /api/v1/bill-runs -H "$AU" -H "$JSON" -d '{"period":"2024-12","background":true}'
check "a second start of the period while it runs: refused as busy (503)" \
    test "$status $(jq -r .error.code "$T/body")" = "503 busy"

: >"$T/polls"
i=0
while [ $i -lt 300 ]; do
    req GET "/api/v1/bill-runs/$id" -H "$AU"
    jq -r '.progress | "\(.phase) \(.percent) \(.accounts_done)"' "$T/body" >>"$T/polls"
    [ "$(jq -r .progress.phase "$T/body")" = done ] && break
    sleep 0.1
    i=$((i + 1))
done
check "the run ends done" test "$(jq -r .progress.phase "$T/body")" = done
check "progress was seen while it ran (below 100 %, computing or waiting)" \
    grep -qE '^(computing|waiting) ([0-9]|[1-9][0-9]) ' "$T/polls"
check "percent and accounts done never go back; 100 % only when done" \
    awk 'BEGIN { p = -1; a = -1 } $2 < p || $3 < a || ($2 == 100) != ($1 == "done") { bad = 1 }
         { p = $2; a = $3 } END { exit bad }' "$T/polls"
check "the final state is exact: done, 100 %, 3 of 3 accounts, 3 of 3 units, no error" \
    test "$(jq -c "$prog" "$T/body")" = '["done",100,3,3,3,3,null]'
want=$(sql "SELECT COUNT(*) || ' ' || SUM(total_fen) FROM bill WHERE run_id = $id")
check "the run is computed, its totals those of its 3 bills ($want)" \
    test "$(jq -r '.status + " " + (.bills | tostring) + " " + (.total | sub("\\."; "") | ltrimstr("0"))' "$T/body")" = "computed $want"
check "audited: split, then computed once" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE entity = 'bill_run' AND entity_key = '$id' AND action IN ('bill.split', 'bill.run')")" = 2

# ---- the server killed mid-run: the run stays running; `pmis bill work` finishes it ----
req POST /api/v1/bill-runs -H "$AU" -H "$JSON" -d '{"period":"2024-12","background":true}'
id2=$(jq -r .run "$T/body")
check "another background run of the period: 202" test "$status" = 202
sleep 0.3
kill -KILL "$srv_pid" 2>/dev/null
wait "$srv_pid" 2>/dev/null
check "killed mid-way: still running, not all units done" \
    test "$(sql "SELECT status FROM bill_run WHERE id = $id2") $(sql "SELECT CASE WHEN COUNT(*) < 3 THEN 1 ELSE 0 END FROM bill_unit WHERE run_id = $id2 AND status = 'done'")" = "running 1"
"$PMIS" bill work "$id2" >/dev/null 2>&1
serve_start
req GET "/api/v1/bill-runs/$id2" -H "$AU"
check "bill work finished it: done, 3 of 3 accounts" \
    test "$status $(jq -c "$prog" "$T/body") $(jq -r .bills "$T/body")" = '200 ["done",100,3,3,3,3,null] 3'
serve_stop
done_testing
