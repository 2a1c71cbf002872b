#!/bin/sh
# A bill run killed with SIGKILL at a random moment leaves whole bills only (every bill with
# all its lines, its total equal to their sum) and the same command resumes it to exactly the
# result of an uninterrupted run, as a dry run predicts.
. "$PMIS_TOP/tests/integration/lib.sh"

setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" tariff load "$PMIS_TOP/data/tariffs/demo-zhejiang.json" >/dev/null &&
        "$PMIS" demo --customers 1500 --seed 5 --from 2025-01 --months 2 --readings "$T/r.csv" \
            --intervals "$T/i.csv" >/dev/null &&
        "$PMIS" import readings "$T/r.csv" >/dev/null
}
setup || { not_ok "set up a demo utility with readings"; done_testing; exit 1; }
export PMIS_NOW=2025-03-01T02:00:00Z PMIS_BILLING_BATCH=50

run --json bill run --period 2025-02 --dry-run
check "the dry run prices every account" grep -q '"bills":1500,' "$T/out"
want=$(sed 's/.*"total":"\([0-9.-]*\)".*/\1/' "$T/out")

"$PMIS" bill run --period 2025-02 >/dev/null 2>&1 &
pid=$!
sleep 0.03
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
st=$?
n=$(sql "SELECT COUNT(*) FROM bill WHERE period = '2025-02'")
check "killed (status $st) with $n of 1500 bills written" sh -c "[ $st -eq 137 ] || [ $st -eq 0 ]"
check "no bill without all its lines: every total is the sum of its lines" \
    test "$(sql "SELECT COUNT(*) FROM bill b WHERE b.total_fen <> (SELECT COALESCE(SUM(amount_fen), 0) FROM bill_line l WHERE l.bill_id = b.id)")" = 0
check "whole batches only" test $((n % 50)) -eq 0 -o "$n" -eq 1500
expect_ok "the same command finishes the run" --json bill run --period 2025-02
check "all 1500 accounts billed once" test "$(sql "SELECT COUNT(DISTINCT account_id) || ' ' || COUNT(*) FROM bill WHERE period = '2025-02'")" = "1500 1500"
check "the total is the dry run's" test "$(sql "SELECT SUM(total_fen) FROM bill WHERE period = '2025-02'")" = "$(echo "$want" | tr -d .)"
check "one run, computed" test "$(sql "SELECT status FROM bill_run WHERE period = '2025-02' AND status <> 'replaced'")" = computed
expect_ok "the audit chain holds" audit verify
done_testing
