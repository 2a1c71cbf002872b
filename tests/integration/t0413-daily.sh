#!/bin/sh
# pmis daily: the day's collection jobs in one command — late fees through the day, the day's
# reminders, the prepaid check and, on the first run of a month, the credit rating of the month
# before. Each step leaves what its own command would; a second run the same day does nothing;
# a day in the future or a bad date changes nothing.
. "$PMIS_TOP/tests/integration/lib.sh"

{ echo "$CUSTOMER_CSV_HEADER"; cat <<'END'; } >"$T/c.csv"
4400000001,钱一,resident,220V,active,0,杭州市1号,,,,ZJ,2020-01-01,
4400000002,某某商店,general_ci,380V,active,0,杭州市2号,,,,ZJ,2020-01-01,
4400000003,钱三,resident,220V,active,0,杭州市3号,,,,ZJ,2020-01-01,
END
flat_fixture 440000000 "postpaid postpaid prepaid" 3
cat >"$T/r.csv" <<'END'
meter,read_on,source,total
M1,2024-10-15,remote,100
M1,2024-11-15,remote,200
M2,2024-10-15,remote,45
M2,2024-11-15,remote,90
M3,2024-10-15,remote,60
M3,2024-11-15,remote,120
END
Q1=440000000101 Q2=440000000201 P3=440000000301
{
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        flat_import &&
        PMIS_NOW=2024-10-01T02:00:00Z "$PMIS" pay $P3 50 >/dev/null &&
        bill_month 2024-10 2024-11-01T02:00:00Z 2024-11-20 &&
        bill_month 2024-11 2024-12-01T02:00:00Z 2024-12-20
} || { not_ok "set up two postpaid accounts, a prepaid one and two months of bills"; done_testing; exit 1; }
fees() { sql "SELECT COALESCE(SUM(debit_fen), 0) FROM ledger_entry WHERE kind = 'late_fee'"; }
yuan() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }

# ---- 2024-12-23: the first run ----
export PMIS_NOW=2024-12-23T02:00:00Z
digest=$(db_digest)
expect_fail "a day in the future" 65 "the daily jobs run for today or a day before, not 2024-12-24" daily --date 2024-12-24
expect_fail "a bad date" 65 "invalid date" daily --date 2024-13-01
expect_fail "an unknown option" 64 "unknown option" daily --period 2024-11
check "nothing changed" test "$(db_digest)" = "$digest"
expect_ok "daily" --json daily
overdue=$(sql "SELECT COUNT(*) FROM receivable WHERE due_on < '2024-12-23'")
check "six overdue bills (the prepaid account's too)" test "$overdue" = 6
check "late fees accrued on each: the ledger's late-fee entries" \
    test "$(jq -c '[.date, .late_fees.bills, .late_fees.amount]' "$T/out")" = "[\"2024-12-23\",$overdue,\"$(yuan "$(fees)")\"]"
check "and through the day" test "$(sql "SELECT COUNT(*) FROM receivable WHERE fee_through = '2024-12-23'")" = $overdue
check "reminders queued for each overdue bill's step" \
    test "$(jq -c '[.reminders.overdue_bills, .reminders.queued]' "$T/out")" = \
    "[$overdue,$(sql "SELECT COUNT(*) FROM reminder WHERE on_date = '2024-12-23'")]"
check "after the rating: the D grade's 3-day WeChat step too" \
    test "$(sql "SELECT COUNT(*) FROM reminder WHERE on_date = '2024-12-23' AND channel = 'wechat'")" -ge 1
check "at least one" test "$(jq .reminders.queued "$T/out")" -ge 1
check "the prepaid account owes: a remote disconnection order" \
    test "$(jq -c '[.prepaid.accounts, .prepaid.orders]' "$T/out")" = '[1,1]'
check "the order" test "$(sql "SELECT COUNT(*) FROM collect_order o JOIN account a ON a.id = o.account_id WHERE a.account_no = '$P3' AND o.kind = 'disconnect' AND o.status = 'open'")" = 1
check "November rated now, every active account" \
    test "$(jq -c .credit "$T/out")" = '{"period":"2024-11","rated_now":true,"accounts":3}'
check "three ratings" test "$(sql "SELECT COUNT(*) FROM credit_rating WHERE period = '2024-11'")" = 3
expect_ok "the rating audited" audit list --action collect.credit.rate
check "once" test "$(grep -c 'collect.credit.rate' "$T/out")" = 1

# ---- the same day again: nothing new ----
digest_fees=$(fees) n_outbox=$(sql "SELECT COUNT(*) FROM outbox")
expect_ok "daily again" daily
check "prints each step" out_has "^2024-12-23 late fees: 0.00 yuan on 0 bills$"
check "no reminder twice" out_has "^2024-12-23 reminders: 6 overdue bills, 0 queued$"
check "the prepaid order once" out_has "^2024-12-23 prepaid: 1 accounts, 0 warned, 0 disconnection orders$"
check "November not rated again" out_has "^2024-12-23 credit rating of 2024-11: done before$"
check "no fee, no message added" test "$(fees) $(sql "SELECT COUNT(*) FROM outbox")" = "$digest_fees $n_outbox"

# ---- the next day: one more day of fees; on 2025-01-02 December is rated ----
export PMIS_NOW=2024-12-24T02:00:00Z
expect_ok "the next day" --json daily
check "fees for one more day (on the bills whose fee reached another fen)" \
    test "$(jq .late_fees.bills "$T/out")" -ge 1
check "equal to the ledger's growth" \
    test "$(jq -r .late_fees.amount "$T/out")" = "$(yuan $(($(fees) - digest_fees)))"
check "no rating" test "$(jq .credit.rated_now "$T/out")" = false
export PMIS_NOW=2025-01-02T02:00:00Z
expect_ok "the first run of January" --json daily
check "December rated" test "$(jq -c .credit "$T/out")" = '{"period":"2024-12","rated_now":true,"accounts":3}'
expect_ok "a missed day can be run afterwards" --json daily --date 2024-12-30
check "its reminders only (fees are through a later day already)" \
    test "$(jq -c '[.date, .late_fees.bills, .credit.period, .credit.rated_now]' "$T/out")" = '["2024-12-30",0,"2024-11",false]'
expect_ok "the ledger verifies" ledger verify
expect_ok "and the audit chain" audit verify

done_testing
