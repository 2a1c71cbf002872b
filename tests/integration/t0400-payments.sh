#!/bin/sh
# pmis pay, payment list|show|reverse|close|import, ledger show|verify, fees accrue|waive|policy:
# issued bills become receivables; payments pay the oldest bill first (late fee before
# principal), overpayment is credit applied to the next bill; late fees by the worked examples
# L1–L3 of cn-tariff-rules.md §6.3; reversal restores the allocations exactly; idempotent
# channel references and bank files; control totals; the daily close; waivers; the ledger's
# invariants; parallel processes on one account; a killed or failing bank import.
. "$PMIS_TOP/tests/integration/lib.sh"

{ echo "$CUSTOMER_CSV_HEADER"; cat <<'END'; } >"$T/c.csv"
3300000001,张一,resident,220V,active,0,杭州市1号,,,,ZJ,2020-01-01,
3300000002,杭州某某有限公司,general_ci,380V,active,0,杭州市2号,,,,ZJ,2020-01-01,
3300000003,张三,resident,220V,active,0,杭州市3号,,,,ZJ,2020-01-01,
3300000004,张四,resident,220V,active,0,杭州市4号,,,,ZJ,2020-01-01,
3300000005,张五,resident,220V,active,0,杭州市5号,,,,ZJ,2020-01-01,
END
flat_fixture 330000000 "postpaid postpaid postpaid postpaid postpaid" 5
# November: R1 and C2 10,000 kWh (L1, L2), R3 50 (L3), R4 100, R5 10; December: R4 200 more
cat >"$T/r.csv" <<'END'
meter,read_on,source,total
M1,2024-10-15,remote,0
M1,2024-11-15,remote,10000
M2,2024-10-15,remote,0
M2,2024-11-15,remote,10000
M3,2024-10-15,remote,0
M3,2024-11-15,remote,50
M4,2024-10-15,remote,0
M4,2024-11-15,remote,100
M4,2024-12-15,remote,300
M5,2024-10-15,remote,0
M5,2024-11-15,remote,10
END
R1=330000000101 C2=330000000201 R3=330000000301 R4=330000000401 R5=330000000501

setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        approvers bob gone && "$PMIS" user disable gone >/dev/null &&
        "$PMIS" user add kasa --all-orgs --roles cashier >/dev/null &&
        flat_import
}
setup || { not_ok "set up customers, meters, readings and a flat tariff"; cat "$T/err" 2>/dev/null; done_testing; exit 1; }

# balance ACCOUNT: the account's balance as the ledger prints it
balance() { "$PMIS" --json ledger show "$1" | sed 's/.*"balance":"\([-0-9.]*\)".*/\1/'; }
# open_items ACCOUNT: the open bills as JSON (for comparing states)
open_items() { "$PMIS" --json ledger show "$1" | sed 's/.*"open":\(.*\)}$/\1/'; }

# ---- November's bills issued, due 2024-12-25 ----
export PMIS_NOW=2024-12-01T02:00:00Z
expect_ok "bill run 2024-11" bill run --period 2024-11
nov=$(sql "SELECT id FROM bill_run WHERE period = '2024-11'")
expect_ok "issue it, due 2024-12-25" bill issue "$nov" --due-date 2024-12-25
check "five receivables" test "$(sql "SELECT COUNT(*) FROM receivable")" = 5
check "R1 owes 10,000.00" test "$(balance $R1)" = "10000.00"
check "R4 owes 100.00" test "$(balance $R4)" = "100.00"
expect_ok "ledger verify" ledger verify
check "verify counts the accounts" out_has "5 accounts, 5 entries, 5 receivables, 0 payments, 0 deposits \\(0.00 yuan held\\) checked: ok"

# ---- bad input: refused, named, nothing changes ----
digest=$(db_digest)
expect_fail "a zero amount" 65 "more than 0.00 yuan, not 0.00" pay $R4 0
expect_fail "a negative amount" 65 "more than 0.00 yuan, not -5.00" pay $R4 -5
expect_fail "three decimals" 65 "more than 2 decimals" pay $R4 1.234
expect_fail "not a number" 65 "12abc" pay $R4 12abc
expect_fail "an unknown account" 66 "unknown account '330000009901'" pay 330000009901 10
expect_fail "an unknown channel" 65 "unknown payment channel 'cash'" pay $R4 10 --channel cash
expect_fail "a bank payment without its reference" 65 "needs its reference" pay $R4 10 --channel bank
expect_fail "a reference with a blank" 65 "blank or control character" pay $R4 10 --channel bank --ref "A B"
expect_fail "a payment dated tomorrow" 65 "2024-12-02 is in the future" pay $R4 10 --date 2024-12-02
expect_fail "an unknown receipt" 66 "no payment SK0000000099" payment show SK0000000099
expect_fail "reverse an unknown receipt" 66 "no payment SK0000000099" payment reverse SK0000000099 --reason x --approver bob
expect_fail "a malformed receipt number" 65 "not a receipt number" payment show SK12x
check "nothing changed" test "$(db_digest)" = "$digest"

# ---- partial payment, overpayment, repeats (before the due date: no late fee) ----
export PMIS_NOW=2024-12-20T02:00:00Z
expect_ok "R4 pays 30.00 at the counter" pay $R4 30.00
check "receipt SK0000000001" out_has "^receipt SK0000000001: 30.00 yuan from $R4 by counter$"
check "30.00 to November's principal" out_has "B2024110000004 +principal +30.00 +late fee +0.00"
check "R4 owes 70.00" test "$(balance $R4)" = "70.00"
expect_ok "R4 pays 150.00 by bank" --json pay $R4 150 --channel bank --ref B-0001
check "70.00 pays the bill, 80.00 is credit" out_has '"to_late_fees":"0.00","to_principal":"70.00","credit":"80.00","balance":"-80.00"'
digest=$(db_digest)
expect_ok "the same bank reference again" pay $R4 150 --channel bank --ref B-0001
check "is a repeat" out_has "was already posted as receipt SK0000000002: nothing posted"
expect_fail "the reference again for another amount" 67 "'B-0001' was already posted as receipt SK0000000002" pay $R4 151 --channel bank --ref B-0001
expect_fail "the reference again for another account" 67 "bank reference 'B-0001' was already used by a payment to another account" pay $R5 150 --channel bank --ref B-0001
check "and nothing changed" test "$(db_digest)" = "$digest"
expect_ok "the same reference on another channel is another payment" pay $R5 10 --channel wechat --ref B-0001
check "R5 paid up" test "$(balance $R5)" = "0.00"

# ---- L3: residential 50.00 three days late: 0.15, the 1-yuan minimum ----
export PMIS_NOW=2024-12-28T02:00:00Z
expect_ok "R3 pays 51.00 three days late" --json pay $R3 51
check "L3: late fee 1.00 (0.15, at least 1 yuan), paid first" out_has '"late_fee_accrued":"1.00","to_late_fees":"1.00","to_principal":"50.00","credit":"0.00","balance":"0.00"'

# ---- credit pays the next bill at once ----
export PMIS_NOW=2025-01-02T02:00:00Z
expect_ok "bill run 2024-12" bill run --period 2024-12
dec=$(sql "SELECT id FROM bill_run WHERE period = '2024-12'")
expect_ok "issue it, due 2025-01-20" bill issue "$dec" --due-date 2025-01-20
check "R4's December bill (200.00) took the 80.00 credit: owes 120.00" test "$(balance $R4)" = "120.00"
expect_ok "show the bank payment" --json payment show SK0000000002
check "its credit is used up, on the December bill" out_has '"credit_left":"0.00".*"bill":"B2024110000004","late_fee":"0.00","principal":"70.00"\},\{"bill":"B2024120000001","late_fee":"0.00","principal":"80.00"'

# ---- L1 and L2: 10,000.00 due 2024-12-25, paid 2025-01-10 ----
export PMIS_NOW=2025-01-10T02:00:00Z
expect_ok "C2 (non-residential) pays 10,420.00" --json pay $C2 10420.00
check "L1: 6 days at 2‰ + 10 days at 3‰ = 420.00" out_has '"late_fee_accrued":"420.00","to_late_fees":"420.00","to_principal":"10000.00","credit":"0.00","balance":"0.00"'
expect_ok "R1 (residential) pays 10,160.00 by WeChat" --json pay $R1 10160.00 --channel wechat --ref WX-77
check "L2: 16 days at 1‰ = 160.00" out_has '"late_fee_accrued":"160.00","to_late_fees":"160.00","to_principal":"10000.00","credit":"0.00","balance":"0.00"'

# ---- reversal (冲正) restores the allocations exactly ----
before=$(open_items $R4)
bal=$(balance $R4)
expect_ok "R4 pays its 120.00" pay $R4 120
check "nothing open" test "$(open_items $R4)" = "[]"
expect_fail "a reversal needs a reason" 65 "needs a reason" payment reverse SK0000000007 --approver bob
expect_fail "and an approver" 65 "needs an approver" payment reverse SK0000000007 --reason 错账
expect_fail "who is not the cashier" 65 "someone else than tester" payment reverse SK0000000007 --reason 错账 --approver tester
# the approver must be an active user holding payment:reverse, as the API requires
dg=$(db_digest)
expect_fail "an approver who is not a user" 65 "approver 'nobody' is not a user" payment reverse SK0000000007 --reason 错账 --approver nobody
expect_fail "a disabled approver" 77 "approver 'gone' is disabled" payment reverse SK0000000007 --reason 错账 --approver gone
expect_fail "an approver without payment:reverse" 77 "approver 'kasa' lacks the permission 'payment:reverse'" payment reverse SK0000000007 --reason 错账 --approver kasa
check "the refused reversals changed nothing" test "$(db_digest)" = "$dg"
expect_ok "reverse it" payment reverse SK0000000007 --reason "错账" --approver bob
check "the open bills are as before" test "$(open_items $R4)" = "$before"
check "and the balance" test "$(balance $R4)" = "$bal"
expect_fail "reversing it again" 67 "already reversed on 2025-01-10" payment reverse SK0000000007 --reason again --approver bob
expect_ok "reverse the bank payment whose credit paid December" payment reverse SK0000000002 --reason "银行退票" --approver bob
check "R4 owes 70.00 of November and all of December: 270.00" test "$(balance $R4)" = "270.00"
expect_ok "audit has the reversals" audit list --action payment.reverse
check "with the approver and reason" out_has "SK0000000002 150.00 yuan, approved by bob: 银行退票"

# ---- daily close (日结) ----
expect_fail "a count that does not match" 67 "counted 20000.00 yuan by counter on 2025-01-10 but the payments come to 10420.00" payment close counter=20000
expect_fail "a count for an unknown channel" 65 "unknown payment channel 'cash'" payment close cash=1
expect_ok "close with the right count" --json payment close counter=10420.00 wechat=10160.00
check "totals by channel" out_has '"channels":\[\{"channel":"bank","payments":0,"received":"0.00","reversed":"150.00","deposits":"0.00","refunded":"0.00"\},\{"channel":"counter","payments":2,"received":"10540.00","reversed":"120.00","deposits":"0.00","refunded":"0.00"\},\{"channel":"wechat","payments":1,"received":"10160.00","reversed":"0.00","deposits":"0.00","refunded":"0.00"\}\],"net":"20430.00","cash":"20430.00"'
expect_fail "no more payments that day" 67 "cashier tester has closed 2025-01-10" pay $R4 1
expect_ok "another cashier may" --as alice pay $R5 1
expect_ok "closing again shows the stored totals" payment close
check "already closed" out_has "^already closed: tester 2025-01-10"

# ---- late fees accrued nightly ----
export PMIS_NOW=2025-01-31T10:00:00Z
expect_fail "not for a day to come" 65 "cannot be accrued ahead, to 2025-02-01 \(today is 2025-01-31\)" fees accrue --date 2025-02-01
expect_ok "accrue through 2025-01-31" --json fees accrue --date 2025-01-31
# R4: November 70.00 × 37 days × 1‰ = 2.59; December 200.00 × 11 days × 1‰ = 2.20
check "R4's two bills: 2.59 + 2.20" out_has '"bills":2,"late_fees":"4.79"'
expect_ok "again for the same day" --json fees accrue --date 2025-01-31
check "adds nothing" out_has '"bills":0,"late_fees":"0.00"'
check "R4 owes 270.00 + 4.79" test "$(balance $R4)" = "274.79"
expect_fail "a payment dated before the fees accrued" 67 "accrued through 2025-01-31, after the payment date 2025-01-30" pay $R4 10 --date 2025-01-30

# ---- waivers ----
digest=$(db_digest)
expect_fail "a waiver needs an approver" 65 "needs an approver" fees waive B2024110000004 --amount 1 --reason 困难户
expect_fail "more than is owed" 65 "has 2.59 yuan of unpaid late fee, less than 5.00" fees waive B2024110000004 --amount 5 --reason 困难户 --approver bob
expect_fail "an unknown bill" 66 "B2099010000001 is not an issued bill" fees waive B2099010000001 --amount 1 --reason x --approver bob
check "nothing changed" test "$(db_digest)" = "$digest"
dg=$(db_digest)
expect_fail "a waiver approved by a cashier" 77 "approver 'kasa' lacks the permission 'fee:waive'" fees waive B2024110000004 --amount 1 --reason 困难户 --approver kasa
expect_fail "or by nobody" 65 "approver 'nobody' is not a user" fees waive B2024110000004 --amount 1 --reason 困难户 --approver nobody
check "the refused waivers changed nothing" test "$(db_digest)" = "$dg"
expect_ok "waive 1.00" fees waive B2024110000004 --amount 1 --reason 困难户 --approver bob
check "R4 owes 273.79" test "$(balance $R4)" = "273.79"

# ---- policies are versioned data ----
expect_ok "policy list" fees policy list
check "the 1996 and 2024 rules" test "$(grep -c '^from' "$T/out")" = 2
expect_fail "a new version before the latest" 67 "after the latest one \(2024-06-01\)" fees policy add --from 2024-01-01 --resident 1 --current-year 2 --cross-year 3 --min 0 --source x
expect_fail "a rate that is not a number" 65 "--resident 'abc' is not a rate" fees policy add --from 2025-06-01 --resident abc --current-year 2 --cross-year 3 --min 0 --source x
expect_ok "add one without the minimum" fees policy add --from 2025-06-01 --resident 1 --current-year 2 --cross-year 3 --min 0 --source "test"
expect_ok "policy list" --json fees policy list
check "three versions" out_has '"from":"2025-06-01","resident_permille":"1","current_year_permille":"2","cross_year_permille":"3","min":"0.00","source":"test"'

# ---- bank collection files (代收) ----
cat >"$T/bank1.csv" <<END
H,ICBC-20250131-01,2025-01-31
D,ICBC-1,$R4,100.00
D,ICBC-2,330000009901,5.00
D,ICBC-3,$R5,1.00,2025-01-31
T,3,106.00
END
# one job: the receipt numbers follow the file (parts of a file post at once; t0415)
expect_ok "import a bank file, principal before late fee" --json payment import "$T/bank1.csv" --principal-first --jobs 1
check "two posted, one unmatched and named" out_has '"lines":3,"total":"106.00","posted":2,"posted_amount":"101.00","repeats":0,"unmatched":1,"unmatched_lines":\[\{"line":3,"ref":"ICBC-2","account":"330000009901","reason":"unknown account .330000009901."\}\]'
check "R4 owes 173.79" test "$(balance $R4)" = "173.79"
check "November's principal and fee paid, then December's principal: its fee is left" test "$(open_items $R4)" = '[{"bill":"B2024120000001","period":"2024-12","due_on":"2025-01-20","amount":"200.00","principal_owed":"171.59","late_fee_owed":"2.20","late_fee_through":"2025-01-31"}]'
digest=$(db_digest)
expect_ok "the same file again" payment import "$T/bank1.csv"
check "is a no-op" out_has "was imported before \(3 lines, 2 posted\): nothing posted now"
sed 's/^T,3,106.00/T,3,106.01/' "$T/bank1.csv" >"$T/bank2.csv"
sed -i 's/ICBC-20250131-01/ICBC-20250131-02/' "$T/bank2.csv"
expect_fail "wrong control totals refuse the file" 65 "control totals do not match: the trailer says 3 payments of 106.01 yuan, the file has 3 of 106.00 yuan" payment import "$T/bank2.csv"
printf 'H,ICBC-X,2025-01-31\nD,X1,%s,1.00\nD,X1,%s,2.00\nT,2,3.00\n' $R4 $R4 >"$T/bank3.csv"
expect_fail "a reference repeated inside the file" 65 "line 3: reference 'X1' repeats line 2" payment import "$T/bank3.csv"
printf 'H,ICBC-Y,2025-01-31\nD,Y1,%s,0\nT,1,0\n' $R4 >"$T/bank4.csv"
expect_fail "a zero amount" 65 "line 2: amount must be more than 0.00" payment import "$T/bank4.csv"
printf 'H,ICBC-Z,2025-01-31\nD,Z1,%s,1.00\n' $R4 >"$T/bank5.csv"
expect_fail "no trailer" 65 "no trailer" payment import "$T/bank5.csv"
printf 'H,ICBC-W,2025-01-31\nD,W1,%s,1.001\nT,1,1.00\n' $R4 >"$T/bank6.csv"
expect_fail "three decimals" 65 "line 2: .*more than 2 decimals" payment import "$T/bank6.csv"
expect_fail "a wechat file is not a collection file" 64 "bank or an agent, not 'wechat'" payment import "$T/bank1.csv" --channel wechat
check "nothing changed" test "$(db_digest)" = "$digest"

# ---- the ledger's invariants ----
expect_ok "ledger verify" ledger verify
check "ok" out_has "checked: ok$"
sql "UPDATE account_balance SET balance_fen = balance_fen + 1 WHERE account_id = (SELECT id FROM account WHERE account_no = '$R5')"
expect_fail "a changed balance is found" 76 "the ledger has 2 problem" ledger verify
check "naming the account" out_has "^$R5: balance: ledger entries sum to -2.00, balance is -1.99"
sql "UPDATE account_balance SET balance_fen = balance_fen - 1 WHERE account_id = (SELECT id FROM account WHERE account_no = '$R5')"
sql "UPDATE receivable SET paid_fen = paid_fen - 1 WHERE bill_id = (SELECT id FROM bill WHERE bill_no = 'B2024110000001')"
expect_fail "a receivable that disagrees with its allocations" 76 "problem" ledger verify
check "is found" out_has "receivable: bill #"
sql "UPDATE receivable SET paid_fen = paid_fen + 1 WHERE bill_id = (SELECT id FROM bill WHERE bill_no = 'B2024110000001')"
expect_ok "verify again" ledger verify

# ---- the statement (台账), golden ----
run ledger show $R4
if diff -u "$PMIS_TOP/tests/data/golden/ledger-r4.txt" "$T/out" >"$T/diff"; then ok "R4's ledger as the golden file"; else not_ok "R4's ledger as the golden file"; sed 's/^/#   /' "$T/diff" | head -40; fi

# ---- a line refused as back-dated leaves its reference free ----
printf 'H,ICBC-V1,2025-01-31\nD,V1,%s,1.00,2025-01-30\nT,1,1.00\n' $R4 >"$T/bank7.csv"
bal=$(balance $R4)
expect_ok "a bank line dated before the fees accrued" --json payment import "$T/bank7.csv"
check "is unmatched, naming why" out_has '"posted":0,.*"unmatched":1,"unmatched_lines":\[\{"line":2,"ref":"V1","account":"'$R4'","reason":"late fees of bill #[0-9]* are accrued through 2025-01-31, after the payment date 2025-01-30'
check "and posts nothing" test "$(balance $R4) $(sql "SELECT COUNT(*) FROM payment WHERE ref = 'V1'")" = "$bal 0"
printf 'H,ICBC-V2,2025-01-31\nD,V1,%s,1.00\nT,1,1.00\n' $R4 >"$T/bank8.csv"
expect_ok "the bank's corrected line in its next file" --json payment import "$T/bank8.csv"
check "posts with the same reference" test "$(jq -c '[.posted, .unmatched]' "$T/out") $(sql "SELECT COUNT(*) FROM payment WHERE channel = 'bank' AND ref = 'V1'")" = "[1,0] 1"

# ---- two processes posting to one account at once never double-allocate ----
export PMIS_NOW=2025-02-03T02:00:00Z
before_fen=$(sql "SELECT balance_fen FROM account_balance WHERE account_id = (SELECT id FROM account WHERE account_no = '$R4')")
post_many() {
    i=0
    while [ $i -lt 20 ]; do
        "$PMIS" --as "$1" pay $R4 5.00 --channel alipay --ref "$1-$i" >/dev/null 2>>"$T/par-$1.err" || echo "fail $1 $i" >>"$T/par.fail"
        i=$((i + 1))
    done
}
post_many pa &
pa=$!
post_many pb &
pb=$!
wait $pa $pb
check "every parallel payment posted" test ! -s "$T/par.fail"
check "forty payments" test "$(sql "SELECT COUNT(*) FROM payment WHERE channel = 'alipay'")" = 40
after_fen=$(sql "SELECT balance_fen FROM account_balance WHERE account_id = (SELECT id FROM account WHERE account_no = '$R4')")
fees_fen=$(sql "SELECT COALESCE(SUM(debit_fen), 0) FROM ledger_entry WHERE kind = 'late_fee' AND on_date = '2025-02-03'")
check "the balance fell by exactly 200.00 less the late fee accrued ($fees_fen fen)" test $((before_fen + fees_fen - after_fen)) -eq 20000
check "allocated plus credit is exactly what was paid" test "$(sql "SELECT SUM(x.s) FROM (SELECT SUM(al.fee_fen + al.principal_fen) AS s FROM allocation al JOIN payment p ON p.id = al.payment_id WHERE p.channel = 'alipay' UNION ALL SELECT SUM(unallocated_fen) FROM payment WHERE channel = 'alipay') x")" = 20000
expect_ok "and the ledger verifies" ledger verify

# ---- a bank file killed or failing half way posts all of it or nothing (one job) ----
{
    echo "H,BIG-1,2025-02-03"
    i=0
    while [ $i -lt 3000 ]; do echo "D,BIG-$i,$R1,1.00"; i=$((i + 1)); done
    echo "T,3000,3000.00"
} >"$T/big.csv"
digest=$(db_digest)
PMIS_FAULT=io:2000 run payment import "$T/big.csv" --jobs 1
check "an I/O error half way exits 74" test "$rc" -eq 74
check "and posts nothing" test "$(db_digest)" = "$digest"
"$PMIS" payment import "$T/big.csv" --jobs 1 >/dev/null 2>&1 &
kp=$!
sleep 0.3
kill -9 $kp 2>/dev/null
wait $kp 2>/dev/null
n=$(sql "SELECT COUNT(*) FROM payment WHERE ref LIKE 'BIG-%'")
check "killed: all 3000 payments or none ($n)" test "$n" = 0 -o "$n" = 3000
expect_ok "import it (again)" payment import "$T/big.csv"
check "now all 3000" test "$(sql "SELECT COUNT(*) FROM payment WHERE ref LIKE 'BIG-%'")" = 3000
check "R1 has 3,000.00 credit" test "$(balance $R1)" = "-3000.00"
expect_ok "the ledger verifies" ledger verify

# ---- in parts (--jobs 2): on PostgreSQL each part of the accounts commits on its own, so a
# killed import leaves each payment whole or absent, and importing again posts the rest once;
# on SQLite it is one job, all or nothing ----
{
    echo "H,PAR-1,2025-02-03"
    i=0
    while [ $i -lt 3000 ]; do
        for a in $R1 $C2 $R3 $R4; do echo "D,PAR-$a-$i,$a,0.01"; done
        i=$((i + 4))
    done
    echo "T,3000,30.00"
} >"$T/par.csv"
bal() { sql "SELECT COALESCE(SUM(balance_fen), 0) FROM account_balance"; }
before_fen=$(bal)
PMIS_TEST_BATCH_PART_PAUSE_MS=3000 "$PMIS" payment import "$T/par.csv" --jobs 2 >/dev/null 2>&1 &
kp=$!
i=0
while [ $i -lt 50 ] && [ "$(sql "SELECT COUNT(*) FROM payment WHERE ref LIKE 'PAR-%'")" = 0 ]; do
    sleep 0.1
    i=$((i + 1))
done
kill -9 $kp 2>/dev/null
wait $kp 2>/dev/null
n=$(sql "SELECT COUNT(*) FROM payment WHERE ref LIKE 'PAR-%'")
if [ "$PMIS_BACKEND" = pg ]; then
    check "killed between parts: some payments posted, not all ($n)" test "$n" -gt 0 -a "$n" -lt 3000
    check "the file is not finished" test "$(sql "SELECT COUNT(*) FROM payment_batch WHERE batch_ref = 'PAR-1' AND finished_at IS NULL")" = 1
else
    check "killed: all 3000 payments or none ($n)" test "$n" = 0 -o "$n" = 3000
fi
check "each posted payment whole: allocated plus credit is its amount" test "$(sql "SELECT COUNT(*) FROM payment p WHERE p.ref LIKE 'PAR-%' AND p.amount_fen <> p.unallocated_fen + COALESCE((SELECT SUM(al.fee_fen + al.principal_fen) FROM allocation al WHERE al.payment_id = p.id), 0)")" = 0
check "and has its ledger row" test "$(sql "SELECT COUNT(*) FROM ledger_entry e JOIN payment p ON p.id = e.payment_id WHERE p.ref LIKE 'PAR-%' AND e.kind = 'payment'")" = "$n"
check "the balances fell by what was posted" test $((before_fen - $(bal))) -eq "$n"
expect_ok "the ledger verifies after the kill" ledger verify
expect_ok "import it again" --json payment import "$T/par.csv" --jobs 2
if [ "$n" = 3000 ]; then # SQLite: the one transaction committed before the kill
    check "it was imported whole before" out_has '"already_imported":true'
else
    check "it posts the rest: posted plus repeats are every line" test "$(jq '[.posted + .repeats, .repeats, .already_imported]' -c "$T/out")" = "[3000,$n,false]"
fi
check "every payment once" test "$(sql "SELECT COUNT(*), COUNT(DISTINCT ref) FROM payment WHERE ref LIKE 'PAR-%'")" = "3000|3000"
check "the file finished, counting every payment of it" test "$(sql "SELECT posted, posted_fen, unmatched FROM payment_batch WHERE batch_ref = 'PAR-1' AND finished_at IS NOT NULL")" = "3000|3000|0"
check "the balances fell by 30.00 in all" test $((before_fen - $(bal))) -eq 3000
expect_ok "a third time: already imported" --json payment import "$T/par.csv" --jobs 2
check "nothing posted" out_has '"already_imported":true,"lines":3000,"total":"30.00","posted":3000'
expect_ok "the ledger verifies" ledger verify
digest=$(db_digest)
for j in 0 -1 x 65 99999999999; do
    expect_fail "--jobs $j is refused" 64 "jobs must be a whole number from 1 to 64|not a whole number" payment import "$T/par.csv" --jobs "$j"
done
check "and changes nothing" test "$(db_digest)" = "$digest"

# ---- a closed account takes no payment ----
expect_ok "remove R5's meter" meter remove M5 --date 2025-02-03 --reads total=10
expect_ok "close its customer (销户)" customer close 3300000005 --date 2025-02-03
digest=$(db_digest)
expect_fail "a payment to a closed account" 67 "account $R5 is closed" pay $R5 10
check "changes nothing" test "$(db_digest)" = "$digest"
printf 'H,CLOSED-1,2025-02-03\nD,C1,%s,10.00\nT,1,10.00\n' $R5 >"$T/closed.csv"
expect_ok "in a bank file it is unmatched" --json payment import "$T/closed.csv"
check "with the reason" out_has '"posted":0,.*"unmatched":1,"unmatched_lines":\[\{"line":2,"ref":"C1","account":"330000000501","reason":"account 330000000501 is closed"\}\]'

done_testing
