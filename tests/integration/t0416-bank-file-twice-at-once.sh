#!/bin/sh
# Two processes import the same bank file at once (issue 4, "re-importing it is a no-op"): on
# PostgreSQL the second waits for the first on an advisory lock of the file, on SQLite on the
# first's write transaction; then it finds the file imported and posts nothing. Whichever wins,
# one reports every matched line posted, the other "already imported" with the same counts;
# every payment exists once, the balances fell by the file's matched amount, the ledger
# verifies. In one transaction (--jobs 1) and in parts (--jobs 2, PostgreSQL: the file's row
# commits before its parts, so without the lock the second would post the missing lines too).
# Held longer than SQLite's 5 s busy timeout the second still waits (payment.lock_wait_s); with
# a wait shorter than the hold it gives up, exit 75, saying another import of the file is
# running (SQLite: that the database is busy with another write, whose it cannot tell), and
# changes nothing.
. "$PMIS_TOP/tests/integration/lib.sh"

{ echo "$CUSTOMER_CSV_HEADER"; cat <<'END'; } >"$T/c.csv"
4160000001,乙一,resident,220V,active,0,杭州市1号,,,,ZJ,2020-01-01,
4160000002,某某公司,general_ci,380V,active,0,杭州市2号,,,,ZJ,2020-01-01,
4160000003,乙三,resident,220V,active,0,杭州市3号,,,,ZJ,2020-01-01,
4160000004,乙四,resident,220V,active,0,杭州市4号,,,,ZJ,2020-01-01,
END
flat_fixture 416000000 "postpaid postpaid postpaid postpaid" 4
{
    echo "meter,read_on,source,total"
    for i in 1 2 3 4; do
        echo "M$i,2024-11-15,remote,0"
        echo "M$i,2024-12-15,remote,$((i * 50))"
    done
} >"$T/r.csv"
{
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        flat_import &&
        bill_month 2024-12 2025-01-01T02:00:00Z 2025-01-20
} || { not_ok "set up four accounts with a month of bills"; done_testing; exit 1; }
export PMIS_NOW=2025-01-10T02:00:00Z
ACCOUNTS="416000000101 416000000201 416000000301 416000000401"

# bank_file REF: $T/REF.csv, 400 lines of 0.01 yuan over the four accounts and line 402 for an
# unknown account: 401 lines of 4.01 yuan, 400 of them matched
bank_file() {
    {
        echo "H,$1,2025-01-09"
        i=0
        while [ $i -lt 400 ]; do
            for a in $ACCOUNTS; do echo "D,$1-$a-$i,$a,0.01"; done
            i=$((i + 4))
        done
        echo "D,$1-X,416000009901,0.01"
        echo "T,401,4.01"
    } >"$T/$1.csv"
}
bal() { sql "SELECT COALESCE(SUM(balance_fen), 0) FROM account_balance"; }

# twice REF JOBS: two imports of $T/REF.csv started 0.3 s apart; whichever takes the file first
# holds it $HOLD ms, 1.5 s by default (and on PostgreSQL in parts pauses 1 s more between its
# parts, its file row committed). Leaves $T/p1.* and $T/p2.*: out, err, rc, start and end
# (nanoseconds).
HOLD=1500
twice() {
    for p in 1 2; do
        date +%s%N >"$T/p$p.start"
        (
            PMIS_TEST_BATCH_LOCKED_PAUSE_MS=$HOLD PMIS_TEST_BATCH_PART_PAUSE_MS=1000 \
                "$PMIS" --json payment import "$T/$1.csv" --jobs "$2" >"$T/p$p.out" 2>"$T/p$p.err"
            echo $? >"$T/p$p.rc"
            date +%s%N >"$T/p$p.end"
        ) &
        [ $p = 2 ] || sleep 0.3
    done
    wait
}

for jobs in 1 2; do
    ref=TWICE-$jobs
    bank_file $ref
    before=$(bal)
    twice $ref $jobs
    check "--jobs $jobs: both imports succeed" test "$(cat "$T/p1.rc") $(cat "$T/p2.rc")" = "0 0"
    [ -s "$T/p1.err" ] && sed 's/^/#   p1 err: /' "$T/p1.err"
    [ -s "$T/p2.err" ] && sed 's/^/#   p2 err: /' "$T/p2.err"
    w=1 l=2 # the winner, which posted, and the one that found the file imported
    [ "$(jq .already_imported "$T/p2.out")" = false ] && w=2 l=1
    check "--jobs $jobs: one posted 400 lines of 4.00 yuan, none repeated, one unmatched" \
        test "$(jq -c '[.already_imported, .lines, .posted, .posted_amount, .repeats, .unmatched]' "$T/p$w.out")" = '[false,401,400,"4.00",0,1]'
    check "--jobs $jobs: the other found it imported, with the same counts" \
        test "$(jq -c '[.already_imported, .lines, .posted, .posted_amount, .unmatched]' "$T/p$l.out")" = '[true,401,400,"4.00",1]'
    check "--jobs $jobs: the other waited for the first: it ended 1.5 s or more after the first began" \
        test $(($(cat "$T/p$l.end") - $(cat "$T/p$w.start"))) -ge 1500000000
    check "--jobs $jobs: every payment once" \
        test "$(sql "SELECT COUNT(*), COUNT(DISTINCT ref) FROM payment WHERE ref LIKE '$ref-%'")" = "400|400"
    check "--jobs $jobs: one file row, finished, with those counts" \
        test "$(sql "SELECT COUNT(*), MIN(posted), MIN(posted_fen), MIN(unmatched), COUNT(finished_at) FROM payment_batch WHERE batch_ref = '$ref'")" = "1|400|400|1|1"
    check "--jobs $jobs: one audit row for the file" \
        test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'payment.batch' AND entity_key = '$ref'")" = 1
    check "--jobs $jobs: the balances fell by 4.00" test $((before - $(bal))) -eq 400
    expect_ok "--jobs $jobs: the ledger verifies" ledger verify
    # and in text, once more: nothing posted now
    expect_ok "--jobs $jobs: a third import" payment import "$T/$ref.csv" --jobs "$jobs"
    check "says it was imported before" out_has "batch $ref was imported before \(401 lines, 400 posted\): nothing posted now"
    check "and posts nothing" test $((before - $(bal))) -eq 400
done

# held longer than SQLite's 5 s busy timeout: the second still waits (payment.lock_wait_s, 60 s
# by default) and finds the file imported, never "database is locked"
HOLD=6500
bank_file LONG
before=$(bal)
twice LONG 1
check "held 6.5 s: both imports succeed" test "$(cat "$T/p1.rc") $(cat "$T/p2.rc")" = "0 0"
[ -s "$T/p2.err" ] && sed 's/^/#   p2 err: /' "$T/p2.err"
check "held 6.5 s: the first posted, the second found it imported" \
    test "$(jq .already_imported "$T/p1.out") $(jq .already_imported "$T/p2.out")" = "false true"
check "held 6.5 s: the second waited for the first" \
    test $(($(cat "$T/p2.end") - $(cat "$T/p1.start"))) -ge 6500000000
check "held 6.5 s: the balances fell by 4.00 once" test $((before - $(bal))) -eq 400

# a wait shorter than the hold: the second gives up with a clear message and changes nothing
# (PostgreSQL after 1 s; SQLite after its 5 s busy timeout, the least one try waits)
HOLD=8000
bank_file GIVEUP
before=$(bal)
export PMIS_PAYMENT_LOCK_WAIT_S=1
twice GIVEUP 1
unset PMIS_PAYMENT_LOCK_WAIT_S
check "a short wait: the first succeeds, the second fails busy" \
    test "$(cat "$T/p1.rc") $(cat "$T/p2.rc")" = "0 75"
sed 's/^/#   p2 err: /' "$T/p2.err"
if [ "$PMIS_BACKEND" = pg ]; then
    check "naming the file and the other import" \
        grep -q "another import of bank file GIVEUP is running: gave up waiting for it after 1 s" "$T/p2.err"
else # SQLite cannot tell whose write holds the database
    check "naming the file and any other writer" grep -q "the database is busy with another \
write (another import of bank file GIVEUP, or another long job): gave up waiting after 1 s" "$T/p2.err"
fi
check "not a raw database error" not grep -qi "database is locked" "$T/p2.err"
check "the second gave up before the first ended" \
    test "$(cat "$T/p2.end")" -lt "$(cat "$T/p1.end")"
check "the file imported once" \
    test "$(sql "SELECT COUNT(*), MIN(posted) FROM payment_batch WHERE batch_ref = 'GIVEUP'")" = "1|400"
check "the balances fell by 4.00 once" test $((before - $(bal))) -eq 400
expect_ok "the ledger verifies" ledger verify

# the lock is the session's and goes with it: after both, a new file imports at once
bank_file AFTER
run --json payment import "$T/AFTER.csv" --jobs 2
check "a later file is not held up" test "$rc" -eq 0 -a "$(jq .posted "$T/out")" = 400

done_testing
