#!/bin/sh
# The set-based accrual (PostgreSQL: one statement per page of accounts prices and writes the
# late fees in SQL) gives exactly what the row-by-row C path gives (PMIS_TEST_ACCRUE_ROWWISE),
# over a generated set of 901 receivables: residents and others, due dates from 2023 to 2024
# (bills of 2023 due in 2024: cross-year days), amounts from 1 fen (the minimum charge) to
# 1.2 million yuan, partly and fully paid, settled, accrued before; four policy versions with
# different rates and minimums in force over the overdue days. Same late-fee rows, receivables
# (exact millionths), balances and report, in one job and in three, and again a month later
# from where they stopped. A day no policy covers, or a fee beyond 64 bits, fails both ways
# with the same message. On SQLite both runs take the row path (a check of the test itself).
. "$PMIS_TOP/tests/integration/lib.sh"

"$PMIS" init >/dev/null 2>&1 && "$PMIS" org add ZJ --name 浙江 --level province >/dev/null ||
    { not_ok "init"; done_testing; exit 1; }
export PMIS_NOW=2025-03-10T02:00:00Z
{
    "$PMIS" fees policy add --from 2024-09-01 --resident 1.5 --current-year 2.5 --cross-year 3.5 --min 0 --source "test A" &&
        "$PMIS" fees policy add --from 2024-11-15 --resident 0.9 --current-year 1.8 --cross-year 2.7 --min 2.50 --source "test B"
} >/dev/null || { not_ok "two more policy versions"; done_testing; exit 1; }

# 600 accounts; account i: resident unless i % 3 = 0; bill i*10+1 with a due date, bill year,
# amount, payment and earlier accrual by i; even accounts a second bill due 2024-12-25
sql "
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 600)
INSERT INTO customer (id, cust_no, name, user_type, voltage, status, important, address, org_id,
    opened_on, created_at, updated_at)
SELECT i, CAST(4170000000 + i AS TEXT), '测试', CASE WHEN i % 3 = 0 THEN 'general_ci' ELSE 'resident' END,
    '220V', 'active', 0, '地址', (SELECT id FROM org_unit WHERE code = 'ZJ'), '2020-01-01', 0, 0 FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 600)
INSERT INTO account (id, account_no, customer_id, tariff_code, cycle_day, pay_mode, status,
    opened_on, created_at, updated_at)
SELECT i, CAST(4170000000 + i AS TEXT) || '01', i, 'FLAT', 15, 'postpaid', 'active', '2020-01-01', 0, 0 FROM s;
CREATE TABLE gen (id BIGINT, account_id BIGINT, bill_year BIGINT, resident BIGINT, due_on TEXT,
    amount_fen BIGINT, paid_fen BIGINT, fee_ufen BIGINT, fee_fen BIGINT, fee_through TEXT, settled_on TEXT);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 600),
d AS (SELECT i,
    CASE i % 6 WHEN 0 THEN '2023-11-20' WHEN 1 THEN '2024-05-20' WHEN 2 THEN '2024-08-25'
        WHEN 3 THEN '2024-10-20' WHEN 4 THEN '2024-12-20' ELSE '2024-01-20' END AS due,
    CASE i % 6 WHEN 0 THEN 2023 WHEN 5 THEN 2023 ELSE 2024 END AS yr,
    CASE i % 5 WHEN 0 THEN 1 + i % 7 WHEN 1 THEN 100 + (i * 7919) % 50000 WHEN 2 THEN 123456789 + i
        WHEN 3 THEN 5000 + i ELSE 999 END AS amt FROM s)
INSERT INTO gen SELECT i * 10 + 1, i, yr, CASE WHEN i % 3 = 0 THEN 0 ELSE 1 END, due, amt,
    CASE i % 4 WHEN 1 THEN amt / 3 WHEN 2 THEN amt ELSE 0 END,
    CASE WHEN i % 7 = 3 THEN 1234567 + i * 1000 ELSE 0 END,
    CASE WHEN i % 7 = 3 THEN 150 ELSE 0 END,
    CASE WHEN i % 7 = 3 THEN '2024-12-31' END,
    CASE WHEN i % 11 = 0 THEN '2024-12-01' END FROM d;
WITH RECURSIVE s(i) AS (SELECT 2 UNION ALL SELECT i + 2 FROM s WHERE i < 600)
INSERT INTO gen SELECT i * 10 + 2, i, 2024, CASE WHEN i % 3 = 0 THEN 0 ELSE 1 END, '2024-12-25',
    20000 + i * 37, 0, 0, 0, NULL, NULL FROM s;
-- rounding half up: 10 days at 0.9 permille on 10.00 yuan after 300.5 fen accrued: 309.5 fen
INSERT INTO gen VALUES (13, 1, 2024, 1, '2024-12-20', 1000, 0, 300500000, 150, '2024-12-31', NULL);
INSERT INTO bill (id, bill_no, account_id, period, kind, status, tariff_code, energy_wh, total_fen,
    usage_text, reads_text, due_on, issued_at, created_at)
SELECT id, 'B' || CAST(id AS TEXT), account_id,
    CASE id % 10 WHEN 2 THEN '2024-11' WHEN 3 THEN '2024-12' ELSE substr(due_on, 1, 7) END, 'regular', 'issued', 'FLAT',
    1000, amount_fen, '', '', due_on, 0, 0 FROM gen;
INSERT INTO receivable (bill_id, account_id, bill_year, resident, due_on, amount_fen, paid_fen,
    fee_ufen, fee_fen, fee_through, settled_on)
SELECT id, account_id, bill_year, resident, due_on, amount_fen, paid_fen, fee_ufen, fee_fen,
    fee_through, settled_on FROM gen;
INSERT INTO account_balance (account_id, balance_fen, updated_at)
SELECT account_id, SUM(amount_fen - paid_fen + fee_fen), 0 FROM gen GROUP BY account_id;
DROP TABLE gen;" >/dev/null || { not_ok "generate 900 receivables"; done_testing; exit 1; }
check "901 receivables, 847 open" test "$(sql "SELECT COUNT(*), COUNT(*) - COUNT(settled_on) FROM receivable")" = "901|847"

copy_db() {
    case "$1" in
    sqlite:*) sqlite3 "${PMIS_TEST_DB#sqlite:}" ".backup '${1#sqlite:}'" ;;
    *) pg_dump --no-owner "$PMIS_TEST_DB" | psql -X -q -v ON_ERROR_STOP=1 "$1" >/dev/null ;;
    esac
}
# ledger URL: what an accrual changes, independent of ledger_entry ids
ledger() {
    sql_at "$1" "SELECT account_id, bill_id, kind, debit_fen, credit_fen, on_date, posted_at, actor FROM ledger_entry ORDER BY account_id, bill_id, kind, on_date, debit_fen"
    sql_at "$1" "SELECT bill_id, paid_fen, fee_ufen, fee_fen, fee_through, settled_on FROM receivable ORDER BY bill_id"
    sql_at "$1" "SELECT account_id, balance_fen, updated_at FROM account_balance ORDER BY account_id"
}
rows=$(new_db rows)
copy_db "$rows"
three=$(new_db three)
copy_db "$three"

# accrue DATE: the same accrual on the three databases: by statement (where there is one) in
# one job and in three, and row by row in one; their reports in $T/set, $T/set3 and $T/rows
accrue() {
    PMIS_LOG_LEVEL=debug "$PMIS" --json fees accrue --date "$1" --jobs 1 >"$T/set" 2>"$T/set.err"
    r1=$?
    PMIS_DB=$three "$PMIS" --json fees accrue --date "$1" --jobs 3 >"$T/set3" 2>/dev/null
    r3=$?
    PMIS_DB=$rows PMIS_TEST_ACCRUE_ROWWISE=1 PMIS_LOG_LEVEL=debug "$PMIS" --json fees accrue --date "$1" --jobs 1 >"$T/rows" 2>"$T/rows.err"
    rr=$?
    check "accrue through $1 three ways" test "$r1 $r3 $rr" = "0 0 0"
}
accrue 2025-01-10
if [ "$PMIS_BACKEND" = pg ]; then
    check "the default path is by statement" grep -q "by one statement" "$T/set.err"
    check "with nothing it cannot price" not grep -q "row by row" "$T/set.err"
else
    check "SQLite goes row by row" not grep -q "by one statement" "$T/set.err"
fi
check "PMIS_TEST_ACCRUE_ROWWISE goes row by row" not grep -q "by one statement" "$T/rows.err"
check "late fees on hundreds of bills" test "$(jq .bills "$T/rows")" -gt 500
check "the same report" test "$(cat "$T/set")" = "$(cat "$T/rows")"
check "the same report in three jobs" test "$(cat "$T/set3")" = "$(cat "$T/rows")"
check "the minimum was charged somewhere" test "$(sql_at "$rows" "SELECT COUNT(*) FROM ledger_entry WHERE kind = 'late_fee' AND debit_fen IN (100, 250)")" -gt 0
check "some fees in the millions of fen" test "$(sql_at "$rows" "SELECT COUNT(*) FROM ledger_entry WHERE kind = 'late_fee' AND debit_fen > 1000000")" -gt 0
check "identical late-fee rows, receivables and balances" test "$(ledger "$PMIS_TEST_DB" | sha256sum)" = "$(ledger "$rows" | sha256sum)"
check "and in three jobs" test "$(ledger "$three" | sha256sum)" = "$(ledger "$rows" | sha256sum)"
check "309.5 fen rounds up to 310" test "$(sql "SELECT fee_ufen, fee_fen FROM receivable WHERE bill_id = 13")" = "309500000|310"
accrue 2025-01-10
check "the same day again adds nothing, either way" test "$(jq -c '[.bills]' "$T/set") $(jq -c '[.bills]' "$T/rows")" = "[0] [0]"
accrue 2025-02-03
check "a month later, the same report" test "$(cat "$T/set")" = "$(cat "$T/rows")" -a "$(cat "$T/set3")" = "$(cat "$T/rows")"
check "the same ledger" test "$(ledger "$PMIS_TEST_DB" | sha256sum)" = "$(ledger "$rows" | sha256sum)"
check "and in three jobs" test "$(ledger "$three" | sha256sum)" = "$(ledger "$rows" | sha256sum)"

# a fee beyond 64 bits; a day before every policy: both paths refuse, saying the same
for case in "99999999999999 2024-10-01 FIT" "500 1990-01-01 POL"; do
    set -- $case
    for u in "$PMIS_TEST_DB" "$rows"; do
        sql_at "$u" "INSERT INTO bill (id, bill_no, account_id, period, kind, status, tariff_code, energy_wh, total_fen, usage_text, reads_text, due_on, issued_at, created_at) VALUES (9999, 'B9999', 600, '2024-01', 'regular', 'issued', 'FLAT', 1000, $1, '', '', '$2', 0, 0); INSERT INTO receivable (bill_id, account_id, bill_year, resident, due_on, amount_fen) VALUES (9999, 600, 2024, 0, '$2', $1)" >/dev/null
    done
    PMIS_NOW=2025-03-10T02:00:00Z run fees accrue --date 2025-03-01
    set_rc=$rc
    cp "$T/err" "$T/set.err"
    PMIS_DB=$rows PMIS_TEST_ACCRUE_ROWWISE=1 run fees accrue --date 2025-03-01
    check "$3: both refuse" test "$set_rc $rc" = "$rc $rc" -a "$rc" -ne 0
    check "$3: with the same message" test "$(cat "$T/set.err")" = "$(cat "$T/err")"
    case $3 in
    FIT) check "naming the bill" grep -q "late fee on 999999999999.99 yuan over .* days does not fit" "$T/err" ;;
    POL) check "naming the day" grep -q "no late-fee policy is in force on 1990-01-02" "$T/err" ;;
    esac
    for u in "$PMIS_TEST_DB" "$rows"; do
        sql_at "$u" "DELETE FROM receivable WHERE bill_id = 9999; DELETE FROM bill WHERE id = 9999" >/dev/null
    done
done

done_testing
