#!/bin/sh
# A background bill run that fails (POST /bill-runs with "background"; a storage error in the
# server's job, PMIS_TEST_JOB_FAULT in the TESTING build): GET /bill-runs/{id} shows phase
# failed and the error in the caller's language (Accept-Language zh: Chinese with error_en
# beside it; en: English); the run stays running with its bills drafts (none issued, none
# approved), the period is not left locked, the server keeps serving, and once the cause is
# gone the run is finished by `pmis bill work ID` or restarted by a new background run with
# "restart" (the web UI's retry), which clears the error.
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

# wait until run $1 is no longer computing; the last reply in $T/body
wait_run() {
    i=0
    while [ $i -lt 300 ]; do
        req GET "/api/v1/bill-runs/$1" -H "$AU" -H "Accept-Language: $2"
        case $(jq -r .progress.phase "$T/body") in failed | done) return 0 ;; esac
        sleep 0.1
        i=$((i + 1))
    done
}
issued_before=$(sql "SELECT COUNT(*) FROM bill WHERE period = '2024-12' AND status IN ('issued', 'approved')")

released() { sql "SELECT COUNT(*) FROM bill WHERE period = '2024-12' AND status IN ('issued', 'approved')"; }
serve_start PMIS_BILLING_BATCH=1 PMIS_TEST_JOB_FAULT=30
req POST /api/v1/bill-runs -H "$AU" -H "$JSON" -d '{"period":"2024-12","background":true}'
id=$(jq -r .run "$T/body")
check "a background run answers 202" test "$status" = 202
wait_run "$id" zh-CN
check "zh: it failed part-way (below 100 %), the error in Chinese with the English beside it" \
    test "$(jq -r '.progress | [.phase, (.percent < 100), (.error | test("注入的故障")), (.error_en | test("^query .* failed: injected fault \\(io\\)$"))] | @tsv' "$T/body")" \
    = "$(printf 'failed\ttrue\ttrue\ttrue')"
req GET "/api/v1/bill-runs/$id" -H "$AU" -H "Accept-Language: en-US,en;q=0.9"
check "en: the same error in English, no error_en" \
    test "$(jq -r '.progress | [.phase, (.error | test("^query .* failed: injected fault \\(io\\)$")), has("error_en")] | @tsv' "$T/body")" \
    = "$(printf 'failed\ttrue\tfalse')"
check "nothing released: the run shows failed with its error, no bill issued or approved" \
    test "$(jq -r '[.status, (.error | test("injected fault"))] | @tsv' "$T/body") $(released)" = "$(printf 'failed\ttrue') $issued_before"
req GET "/api/v1/bill-runs?period=2024-12" -H "$AU" -H "Accept-Language: zh-CN"
check "the server keeps serving: the runs list shows the run failed, its error in Chinese with error_en" \
    test "$status $(jq -r --argjson id "$id" '.items[] | select(.id == $id) | [.status, (.error | test("注入的故障")), (.error_en | test("injected fault"))] | @tsv' "$T/body")" \
    = "200 $(printf 'failed\ttrue\ttrue')"
req GET "/api/v1/bill-runs?period=2024-12" -H "$AU" -H "Accept-Language: en"
check "en: the list's error in English, no error_en" \
    test "$(jq -r --argjson id "$id" '.items[] | select(.id == $id) | [.status, (.error | test("injected fault")), has("error_en")] | @tsv' "$T/body")" \
    = "$(printf 'failed\ttrue\tfalse')"
env -u LC_ALL -u LC_MESSAGES LANG=zh_CN.UTF-8 "$PMIS" --json bill runs --period 2024-12 >"$T/out" 2>/dev/null
check "CLI bill runs --json, LANG zh_CN: failed, the error in Chinese with error_en" \
    test "$(jq -r --argjson id "$id" '.[] | select(.run == $id) | [.status, (.error | test("注入的故障")), (.error_en | test("injected fault"))] | @tsv' "$T/out")" \
    = "$(printf 'failed\ttrue\ttrue')"
env -u LC_ALL -u LC_MESSAGES LANG=C "$PMIS" bill runs --period 2024-12 >"$T/out" 2>&1
check "CLI bill runs: the run failed, its error on the line under it" \
    sh -c "grep -q '^ *$id  2024-12 .* failed ' '$T/out' && grep -q 'injected fault' '$T/out'"
req POST /api/v1/bill-runs -H "$AU" -H "$JSON" -d '{"period":"2024-12","background":true}'
check "the period is not left locked: a new start is told to finish or restart it (409, not busy)" \
    test "$status $(jq -r .error.code "$T/body") $(jq -r '.error.message | test("pmis bill work '"$id"'")' "$T/body")" = "409 conflict true"
"$PMIS" bill work "$id" >/dev/null 2>&1
check "pmis bill work finishes it once the cause is gone" test $? = 0
req GET "/api/v1/bill-runs/$id" -H "$AU" -H "Accept-Language: zh-CN"
check "done: 100 %, 3 of 3 accounts, the error cleared, 3 bills, computed" \
    test "$(jq -c "[.bills, .status] as \$b | $prog + \$b" "$T/body")" = '["done",100,3,3,3,3,null,3,"computed"]'
check "done: the run's own error cleared too" test "$(jq -c .error "$T/body")" = null

# ---- failed again; the cause gone (a server without the fault), a restart finishes it ----
req POST /api/v1/bill-runs -H "$AU" -H "$JSON" -d '{"period":"2024-12","background":true}'
id2=$(jq -r .run "$T/body")
wait_run "$id2" en
check "a new run of the period fails the same way" \
    test "$(jq -r '.progress.phase + " " + (.progress.error | test("injected fault") | tostring)' "$T/body")" = "failed true"
serve_stop
serve_start PMIS_BILLING_BATCH=1
req POST /api/v1/bill-runs -H "$AU" -H "$JSON" -d '{"period":"2024-12","background":true,"restart":true}'
check "a restart (the web UI's retry) of the failed run: 202, the same run" \
    test "$status $(jq -r .run "$T/body")" = "202 $id2"
wait_run "$id2" zh-CN
check "the restarted run is done with no error, its 3 bills drafts" \
    test "$(jq -c "[.bills, .status] as \$b | $prog + \$b" "$T/body") $(released)" = "[\"done\",100,3,3,3,3,null,3,\"computed\"] $issued_before"
serve_stop
done_testing
