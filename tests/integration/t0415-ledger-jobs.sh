#!/bin/sh
# Late fees accrued in parts (pmis fees accrue --jobs N, fees.jobs; pmis daily): on PostgreSQL
# N connections take ranges of account ids in turn; the ledger after `--jobs 2` is the ledger after
# one job on a copy of the same database (late-fee rows, receivables, balances), it verifies,
# and a rerun the same day adds nothing; so do 3 jobs (each account and the sum) and more jobs
# than overdue bills; payments posted meanwhile stay exact. On SQLite it runs
# as one job and says so. A bad --jobs or fees.jobs changes nothing.
. "$PMIS_TOP/tests/integration/lib.sh"

{ echo "$CUSTOMER_CSV_HEADER"; cat <<'END'; } >"$T/c.csv"
4150000001,甲一,resident,220V,active,0,杭州市1号,,,,ZJ,2020-01-01,
4150000002,某某工厂,general_ci,380V,active,0,杭州市2号,,,,ZJ,2020-01-01,
4150000003,甲三,resident,220V,active,0,杭州市3号,,,,ZJ,2020-01-01,
4150000004,甲四,resident,220V,active,0,杭州市4号,,,,ZJ,2020-01-01,
4150000005,某某商店,general_ci,380V,active,0,杭州市5号,,,,ZJ,2020-01-01,
4150000006,甲六,resident,220V,active,0,杭州市6号,,,,ZJ,2020-01-01,
END
flat_fixture 415000000 "postpaid postpaid postpaid postpaid postpaid postpaid" 6
{
    echo "meter,read_on,source,total"
    for i in 1 2 3 4 5 6; do
        echo "M$i,2024-10-15,remote,0"
        echo "M$i,2024-11-15,remote,$((i * 137))"
        echo "M$i,2024-12-15,remote,$((i * 311))"
    done
} >"$T/r.csv"
{
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        flat_import &&
        bill_month 2024-10 2024-11-01T02:00:00Z 2024-11-20 &&
        bill_month 2024-11 2024-12-01T02:00:00Z 2024-12-20
} || { not_ok "set up six accounts with two months of bills"; done_testing; exit 1; }
export PMIS_NOW=2025-01-10T02:00:00Z

# copy_db URL: the test database copied into a new one
copy_db() {
    case "$1" in
    sqlite:*) sqlite3 "${PMIS_TEST_DB#sqlite:}" ".backup '${1#sqlite:}'" ;;
    *) pg_dump --no-owner "$PMIS_TEST_DB" | psql -X -q -v ON_ERROR_STOP=1 "$1" >/dev/null ;;
    esac
}
# ledger URL: what an accrual changes, independent of ledger_entry ids
ledger() {
    sql_at "$1" "SELECT account_id, bill_id, kind, debit_fen, credit_fen, on_date FROM ledger_entry ORDER BY account_id, bill_id, kind, on_date, debit_fen"
    sql_at "$1" "SELECT bill_id, paid_fen, fee_ufen, fee_fen, fee_through FROM receivable ORDER BY bill_id"
    sql_at "$1" "SELECT account_id, balance_fen FROM account_balance ORDER BY account_id"
}

# ---- bad --jobs and fees.jobs ----
digest=$(db_digest)
for j in 0 -3 two 65 99999999999; do
    expect_fail "--jobs $j is refused" 64 "jobs must be a whole number from 1 to 64|not a whole number" fees accrue --jobs "$j"
done
PMIS_FEES_JOBS=65 run fees accrue
check "fees.jobs 65 is refused at start-up" test "$rc" -ne 0
check "naming the setting" grep -q "fees.jobs\|FEES_JOBS" "$T/err"
PMIS_FEES_JOBS=x run fees accrue
check "fees.jobs x is refused" test "$rc" -ne 0
check "nothing changed" test "$(db_digest)" = "$digest"

# ---- two jobs against one, on a copy ----
# db_copy NAME: a new database NAME holding a copy of the test database, its URL on stdout
db_copy() {
    u=$(new_db "$1")
    copy_db "$u"
    echo "$u"
}
copy=$(db_copy serial)
three=$(db_copy three)
many=$(db_copy many)
# more ranges than parts (test builds take PMIS_TEST_ACCRUE_RANGES): on PostgreSQL a part takes
# a second range, and with 5 ranges of 6 accounts the ranges are one and two ids wide
r26=$(db_copy r26)
r25=$(db_copy r25)
r34=$(db_copy r34)
check "the copy is the database" test "$(ledger "$copy" | sha256sum)" = "$(ledger "$PMIS_TEST_DB" | sha256sum)"
expect_ok "accrue through 2025-01-10 in two jobs" --json fees accrue --date 2025-01-10 --jobs 2
two=$(cat "$T/out")
if [ "$PMIS_BACKEND" = sqlite ]; then
    check "SQLite says it runs as one job" grep -q "SQLite writes one transaction at a time, so --jobs 2 runs as one job" "$T/err"
else
    check "no note on PostgreSQL" test ! -s "$T/err"
fi
PMIS_DB=$copy run --json fees accrue --date 2025-01-10 --jobs 1
check "one job on the copy" test "$rc" -eq 0
check "the same result" test "$(cat "$T/out")" = "$two"
check "late fees on every overdue bill" test "$(jq .bills "$T/out")" = "$(sql "SELECT COUNT(*) FROM receivable WHERE due_on < '2025-01-10'")"
check "six of them" test "$(jq .bills "$T/out")" = 6
check "accounts of both parts (the lower and the upper ids) got late fees" \
    test "$(sql "SELECT COUNT(DISTINCT account_id) FROM ledger_entry WHERE kind = 'late_fee' AND account_id IN ((SELECT MIN(id) FROM account), (SELECT MAX(id) FROM account))")" = 2
check "identical late-fee rows, receivables and balances" test "$(ledger "$copy" | sha256sum)" = "$(ledger "$PMIS_TEST_DB" | sha256sum)"
check "one audit row for the accrual" test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'fee.accrue'")" = 1
expect_ok "the ledger verifies" ledger verify

# ---- three jobs (ranges of account ids) against one; more jobs than overdue bills ----
# fees URL: each account's late fees, then their sum
fees() {
    sql_at "$1" "SELECT account_id, SUM(debit_fen) FROM ledger_entry WHERE kind = 'late_fee' GROUP BY account_id ORDER BY account_id"
    sql_at "$1" "SELECT SUM(debit_fen) FROM ledger_entry WHERE kind = 'late_fee'"
}
PMIS_DB=$three run --json fees accrue --date 2025-01-10 --jobs 3
check "three jobs on another copy" test "$rc" -eq 0
check "report what one job reports" test "$(cat "$T/out")" = "$two"
check "late fees on six accounts" test "$(fees "$three" | wc -l)" = 7
check "every account's late fees and their sum as with one job" test "$(fees "$three")" = "$(fees "$copy")"
check "a sum above nothing" test "$(fees "$three" | tail -1)" -gt 0
check "identical late-fee rows, receivables and balances to one job's" test "$(ledger "$three" | sha256sum)" = "$(ledger "$copy" | sha256sum)"
PMIS_DB=$three run ledger verify
check "the ledger of three jobs verifies" test "$rc" -eq 0
nb=$(sql_at "$many" "SELECT COUNT(*) FROM receivable WHERE due_on < '2025-01-10' AND settled_on IS NULL")
PMIS_DB=$many run --json fees accrue --date 2025-01-10 --jobs $((nb + 3))
check "$((nb + 3)) jobs for $nb overdue bills" test "$rc" -eq 0
check "the same late fees as one job" test "$(fees "$many")" = "$(fees "$copy")"
check "the same ledger as one job" test "$(ledger "$many" | sha256sum)" = "$(ledger "$copy" | sha256sum)"
for spec in "2 6 $r26" "2 5 $r25" "3 4 $r34"; do
    read -r jobs ranges db <<END
$spec
END
    PMIS_TEST_ACCRUE_RANGES=$ranges PMIS_DB=$db run --json fees accrue --date 2025-01-10 --jobs "$jobs"
    check "$jobs jobs taking $ranges ranges of the accounts in turn" test "$rc" -eq 0
    check "... report what one job reports" test "$(cat "$T/out")" = "$two"
    check "... the same ledger as one job" test "$(ledger "$db" | sha256sum)" = "$(ledger "$copy" | sha256sum)"
done
digest=$(ledger "$PMIS_TEST_DB" | sha256sum)
expect_ok "again the same day, two jobs" --json fees accrue --date 2025-01-10 --jobs 2
check "adds nothing" test "$(jq -c '[.bills, .late_fees]' "$T/out")" = '[0,"0.00"]'
check "the ledger is unchanged" test "$(ledger "$PMIS_TEST_DB" | sha256sum)" = "$digest"
expect_ok "through 2024-11-15, before the first due date, two jobs" --json fees accrue --date 2024-11-15 --jobs 2
check "no overdue bill: nothing accrued" test "$(jq -c '[.bills, .late_fees]' "$T/out")" = '[0,"0.00"]'
check "... and the ledger is unchanged" test "$(ledger "$PMIS_TEST_DB" | sha256sum)" = "$digest"

# ---- pmis daily takes fees.jobs; payments posted during an accrual stay exact ----
export PMIS_NOW=2025-01-20T02:00:00Z
before=$(sql "SELECT SUM(balance_fen) FROM account_balance")
i=0
while [ $i -lt 12 ]; do
    for a in 415000000101 415000000201 415000000301; do "$PMIS" pay $a 0.5 --channel wechat --ref "W$a-$i" >/dev/null 2>&1 || echo "$a $i" >>"$T/payfail"; done
    i=$((i + 1))
done &
kp=$!
PMIS_FEES_JOBS=2 run --json daily
wait $kp
check "daily with fees.jobs 2" test "$rc" -eq 0
check "every payment posted" test ! -s "$T/payfail"
fees=$(sql "SELECT COALESCE(SUM(debit_fen), 0) FROM ledger_entry WHERE kind = 'late_fee' AND on_date = '2025-01-20'")
check "balances moved by exactly the late fees less 18.00 paid" test $(($(sql "SELECT SUM(balance_fen) FROM account_balance") - before)) -eq $((fees - 1800))
check "the late fees the daily job reports are the ledger's" test "$(jq -r .late_fees.bills "$T/out")" -ge 1
expect_ok "the ledger verifies after both" ledger verify

done_testing
