#!/bin/sh
# pmis bill run --units N and pmis bill work: a bill run split into work units computed by
# several processes at once gives exactly the bills of a single-process run; a worker killed
# mid-unit is taken over where it stopped; the last unit done makes the run computed; bad
# requests are refused and change nothing.
. "$PMIS_TOP/tests/integration/lib.sh"

setup() {
    "$PMIS" init --no-admin >/dev/null 2>&1 &&
        "$PMIS" tariff load "$PMIS_TOP/data/tariffs/demo-zhejiang.json" >/dev/null &&
        "$PMIS" demo --customers 300 --seed 5 --from 2025-01 --months 2 --readings "$T/r.csv" \
            >/dev/null &&
        "$PMIS" import readings "$T/r.csv" >/dev/null
}
setup || { not_ok "a demo utility with readings"; cat "$T/err" 2>/dev/null; done_testing; exit 1; }
export PMIS_NOW=2025-03-01T02:00:00Z

# every bill of February and its lines, without ids: equal for equal computations
bills_digest() {
    {
        sql "SELECT a.account_no, b.status, b.total_fen, b.energy_wh, COALESCE(b.review_reason, ''),
                    b.vee_flags, b.usage_text, b.reads_text FROM bill b JOIN account a ON a.id = b.account_id
             WHERE b.period = '2025-02' ORDER BY a.account_no"
        sql "SELECT a.account_no, l.line_no, l.code, l.qty, l.price_e8, l.amount_fen, l.parts
             FROM bill_line l JOIN bill b ON b.id = l.bill_id JOIN account a ON a.id = b.account_id
             WHERE b.period = '2025-02' ORDER BY a.account_no, l.line_no"
    } | sha256sum
}

expect_ok "a single-process run" bill run --period 2025-02
single=$(bills_digest)
check "it billed every account" test "$(sql "SELECT COUNT(*) FROM bill WHERE period = '2025-02'")" -ge 300

# ---- bad requests ----
digest=$(db_digest)
expect_fail "too many units" 64 "--units must be 1..1000" bill run --period 2025-02 --units 1001
expect_fail "negative units" 64 "--units must be 1..1000" bill run --period 2025-02 --units -2
expect_fail "a dry run is not split" 64 "dry run computes in one process" bill run --period 2025-02 --units 2 --dry-run
expect_fail "work on an unknown run" 66 "no bill run 99" bill work 99
expect_fail "work on a run that was not split" 67 "has no work units" bill work 1
expect_fail "a bad run number" 64 "invalid run 'x'" bill work x
check "nothing changed" test "$(db_digest)" = "$digest"

# ---- split, two workers at once ----
expect_ok "split February's run again into 7 units" --json bill run --period 2025-02 --units 7
check "seven units" out_has '"run":2,"period":"2025-02","units":7'
check "the earlier run is replaced" test "$(sql "SELECT status FROM bill_run WHERE id = 1")" = replaced
check "the split run waits for workers" test "$(sql "SELECT status FROM bill_run WHERE id = 2")" = running
expect_fail "a run of the period is refused meanwhile" 67 "split into 7 work units \(7 left\): finish it with 'pmis bill work 2'" bill run --period 2025-02
expect_fail "and so is issuing it" 67 "has not finished" bill issue 2
"$PMIS" --as worker-a --json bill work 2 >"$T/wa" 2>"$T/wa.err" &
wa=$!
"$PMIS" --as worker-b --json bill work 2 >"$T/wb" 2>"$T/wb.err" &
wb=$!
wait $wa
ra=$?
wait $wb
rb=$?
check "both workers succeed" test "$ra" -eq 0 -a "$rb" -eq 0
check "between them every unit, each once" test "$(sed 's/.*"units":\([0-9]*\),.*/\1/' "$T/wa" "$T/wb" | awk '{ s += $1 } END { print s }')" = 7
check "exactly one of them finished the run" test "$(cat "$T/wa" "$T/wb" | grep -c '"finished":true')" = 1
check "the run is computed" test "$(sql "SELECT status FROM bill_run WHERE id = 2")" = computed
check "every unit done, by a named worker" test "$(sql "SELECT COUNT(*) FROM bill_unit WHERE run_id = 2 AND status = 'done' AND worker IN ('worker-a', 'worker-b')")" = 7
check "the same bills as one process" test "$(bills_digest)" = "$single"
check "the run's counters add up" test "$(sql "SELECT accounts FROM bill_run WHERE id = 2")" = "$(sql "SELECT COUNT(*) FROM bill WHERE run_id = 2")"
expect_ok "a worker after the end has nothing to do" --json bill work 2
check "and says so" out_has '"units":0,"units_left":0,"finished":false,"bills":0'

# ---- a worker failing or killed mid-unit ----
expect_ok "split once more into 3 units" bill run --period 2025-02 --units 3
PMIS_FAULT=io:300 run --as failing --set billing.batch=5 bill work 3
check "a worker whose storage fails exits 74" test "$rc" -eq 74
check "leaving a unit part done (whole pages only)" test "$(sql "SELECT status || ':' || accounts FROM bill_unit WHERE run_id = 3 AND unit_no = 1")" = "running:$(sql "SELECT COUNT(*) FROM bill WHERE run_id = 3")"
"$PMIS" --as doomed --set billing.batch=5 bill work 3 >/dev/null 2>&1 &
kp=$!
sleep 0.5
kill -9 $kp 2>/dev/null
wait $kp 2>/dev/null
check "the run is not computed yet, or the worker finished first" test "$(sql "SELECT status FROM bill_run WHERE id = 3")" = running -o "$(sql "SELECT COUNT(*) FROM bill_unit WHERE run_id = 3 AND status <> 'done'")" = 0
expect_ok "another worker takes over" --as rescuer bill work 3
check "the run is computed" test "$(sql "SELECT status FROM bill_run WHERE id = 3")" = computed
check "still the same bills" test "$(bills_digest)" = "$single"
check "no account billed twice" test "$(sql "SELECT COUNT(*) FROM (SELECT account_id FROM bill WHERE period = '2025-02' GROUP BY account_id HAVING COUNT(*) > 1) x")" = 0
expect_ok "issue it" bill issue 3
expect_ok "the ledger agrees" ledger verify

done_testing
