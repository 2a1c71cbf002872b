#!/bin/sh
# A payment that clears more bills than a receipt used to hold: 67 months of arrears (67 bills)
# paid at once. The receipt of `pmis pay`, `pmis payment show` and the API's payment (POST and
# GET /payments/{receipt}) list every bill it paid, and the allocations add up to the amount
# posted (they stopped at 16 in `pmis pay` and at 64 elsewhere, silently); the payment reverses
# (a reversal refused a payment of 64 bills or more: "reverse it by hand").
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

{ echo "$CUSTOMER_CSV_HEADER"; cat <<'END'; } >"$T/c.csv"
3300000001,张一,resident,220V,active,0,杭州市1号,,,,ZJ,2020-01-01,
END
flat_fixture 330000000 "postpaid" 1
# 10 kWh a month (10.00 yuan at 1.00 yuan/kWh), read on the 15th from 2020-01 to 2025-08
years="2020 2021 2022 2023 2024 2025"
{
    echo "meter,read_on,source,total"
    v=0
    for y in $years; do
        for mm in 01 02 03 04 05 06 07 08 09 10 11 12; do
            [ "$y$mm" -le 202508 ] || continue
            echo "M1,$y-$mm-15,remote,$v"
            v=$((v + 10))
        done
    done
} >"$T/r.csv"
A=330000000101
pw=Kc4rVt8wQm
setup() {
    "$PMIS" init --no-admin >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        flat_import && approvers bob &&
        printf '%s\n' "$pw" | "$PMIS" user add kasa --all-orgs --roles cashier \
            --password-stdin >/dev/null
}
setup || { not_ok "set up a customer, a meter and 68 months of readings"; done_testing; exit 1; }

# the bills of 2020-02 .. 2025-08, each issued on the 1st of the next month, due the 25th
n=0
for y in $years; do
    for mm in 01 02 03 04 05 06 07 08 09 10 11 12; do
        [ "$y$mm" -ge 202002 ] && [ "$y$mm" -le 202508 ] || continue
        next=$(date -u -d "$y-$mm-01 +1 month" +%Y-%m)
        bill_month "$y-$mm" "${next}-01T02:00:00Z" "${next}-25" || not_ok "bill $y-$mm"
        n=$((n + 1))
    done
done
check "67 bills issued" test "$(sql "SELECT COUNT(*) FROM receivable")" = 67
check "of 10.00 yuan each, unpaid" test "$(sql "SELECT SUM(amount_fen) FROM receivable")" = 67000

# the late fees are paid with the bills: pay well over what is owed, the rest is credit
export PMIS_NOW=2025-09-10T02:00:00Z
expect_ok "pay 67 bills at once" pay "$A" 5000 --date 2025-09-10
check "the receipt lists every bill paid" test "$(grep -c '^  B20' "$T/out")" = 67
first=$(sed -n 's/^receipt \(SK[0-9]*\):.*/\1/p' "$T/out")
expect_ok "payment show" payment show "$first"
check "lists every bill paid" test "$(grep -c '^  B20' "$T/out")" = 67
expect_ok "reversed, every allocation restored" --as kasa payment reverse "$first" \
    --reason "wrong account" --approver bob
check "the 67 bills are open again" test "$(sql "SELECT COUNT(*) FROM receivable WHERE paid_fen = 0")" = 67
expect_ok "paid again" --json pay "$A" 5000 --date 2025-09-10
check "the reply lists all 67 bills" test "$(jq '.allocations | length' "$T/out")" = 67
check "its allocations add up to what went to the bills" test \
    "$(jq '[.allocations[] | (.principal | tonumber) + (.late_fee | tonumber)] | add * 100 | round' "$T/out")" = \
    "$(jq '((.to_principal | tonumber) + (.to_late_fees | tonumber)) * 100 | round' "$T/out")"
receipt=$(jq -r .receipt "$T/out")
expect_ok "payment show --json" --json payment show "$receipt"
check "lists every bill paid" test "$(jq '.allocations | length' "$T/out")" = 67

serve_start
login kasa "$pw" kasa.jar
req GET "/api/v1/payments/$receipt" -b "$T/kasa.jar"
check "GET /payments/{receipt} lists every bill paid" test "$(jq '.allocations | length' "$T/body")" = 67
serve_stop
expect_ok "ledger verify" ledger verify

# more problems than verify lists: every bill's paid amount off by a fen (67 receivable
# problems, and the account's open bills no longer match its balance: one more); all of them
# are counted, the first 64 listed
sql "UPDATE receivable SET paid_fen = paid_fen - 1"
found=$(($(sql "SELECT COUNT(*) FROM receivable") + 1))
expect_fail "ledger verify counts every problem" 76 "the ledger has $found problem\\(s\\)" ledger verify
check "lists the first 64" test "$(grep -c "^$A: " "$T/out")" = 64
check "and says how many more" out_has "^\\.\\.\\. and $((found - 64)) more problem\\(s\\) not listed \\(the first 64 are\\)$"
expect_fail "ledger verify --json" 76 "problem" --json ledger verify
check "problems_total is every one" test "$(jq .problems_total "$T/out")" = "$found"
check "64 of them listed" test "$(jq '.problems | length' "$T/out")" = 64
printf '%s\n' "$pw" | "$PMIS" user add aud --all-orgs --roles auditor --password-stdin >/dev/null
serve_start
login aud "$pw" aud.jar
req GET /api/v1/ledger/verify -b "$T/aud.jar"
check "GET /ledger/verify counts every problem and lists 64" test \
    "$status $(jq -c '[.ok, .problems_total, (.problems | length)]' "$T/body")" = "200 [false,$found,64]"
serve_stop
sql "UPDATE receivable SET paid_fen = paid_fen + 1"
expect_ok "and verifies again once mended" ledger verify
done_testing
