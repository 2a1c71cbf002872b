#!/bin/sh
# Payments and the ledger over HTTP: posting a payment (late fee accrued to the payment date,
# fee before principal, decimal strings), the same bank reference again answering the first
# receipt (200, duplicate) and a clash (409), bad input named by field (400) and over-limit
# bodies (413) changing nothing, another subtree's account, receipt and bill answering 404
# exactly like missing ones, keyset pagination, reversal approved by a second user's password
# (self-approval, wrong password, an approver without the permission refused and audited),
# bank files as text/csv (unmatched lines reported, malformed files refused with the line),
# the ledger, its verification scoped to the caller's subtree, the cashier's daily close and
# late fees (accrual, waiver).
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

ledger_fixture &&
    echo $pw | "$PMIS" user add kasa --org HZ --roles cashier --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add boss --org HZ --roles manager --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add boss2 --org HZ --roles manager --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add gone --org HZ --roles manager --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add audit --org HZ --roles auditor --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add root --all-orgs --roles auditor --password-stdin >/dev/null &&
    "$PMIS" user disable gone >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }
b1=$(sql "SELECT bill_no FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '$A1'")
b2=$(sql "SELECT bill_no FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '$A2'")
bnb=$(sql "SELECT bill_no FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '$NB1'")
export PMIS_NOW=2025-01-10T02:00:00Z
nb_rcpt=$("$PMIS" --json pay $NB1 5.00 | jq -r .receipt)

serve_start PMIS_SERVER_MAX_BODY_BYTES=4096 PMIS_SERVER_MAX_IMPORT_BYTES=4096
login kasa $pw kasa.jar
kc=$csrf
login boss $pw boss.jar
bc=$csrf
login audit $pw audit.jar
login root $pw root.jar
K="-b $T/kasa.jar -H X-CSRF-Token:$kc"
BO="-b $T/boss.jar -H X-CSRF-Token:$bc"

# ---- posting ----
# 100.00 owed since 2024-12-25: 16 overdue days × 1‰ = 1.60 late fee, paid first
# shellcheck disable=SC2086
req POST /api/v1/payments $K -H "$JSON" -d "{\"account\":\"$A1\",\"amount\":\"100.00\"}"
r1=$(jq -r .receipt "$T/body")
check "a counter payment: 201, fee accrued and paid first, principal, balance" test \
    "$status $(jq -c '[.account, .amount, .channel, .cashier, .duplicate, .late_fee_accrued, .to_late_fees, .to_principal, .credit, .balance, (.allocations | length)]' "$T/body")" = \
    "201 [\"$A1\",\"100.00\",\"counter\",\"kasa\",false,\"1.60\",\"1.60\",\"98.40\",\"0.00\",\"1.60\",1]"
check "the receipt number" test "$(echo "$r1" | grep -cE '^SK[0-9]{10}$')" = 1
# shellcheck disable=SC2086
req POST /api/v1/payments $K -H "$JSON" \
    -d "{\"account\":\"$A2\",\"amount\":\"50.00\",\"channel\":\"bank\",\"ref\":\"ICBC-77\",\"date\":\"2025-01-09\"}"
r2=$(jq -r .receipt "$T/body")
check "a bank payment with its reference: 201" test "$status $(jq -r .paid_on "$T/body")" = "201 2025-01-09"
# shellcheck disable=SC2086
req POST /api/v1/payments $K -H "$JSON" \
    -d "{\"account\":\"$A2\",\"amount\":\"50.00\",\"channel\":\"bank\",\"ref\":\"ICBC-77\",\"date\":\"2025-01-09\"}"
check "the same reference again answers the first receipt: 200, duplicate" \
    test "$status $(jq -c '[.receipt, .duplicate, .balance]' "$T/body")" = "200 [\"$r2\",true,null]"
n_pay=$(sql "SELECT COUNT(*) FROM payment")
digest=$(db_digest)
# shellcheck disable=SC2086
expect "the same reference for another amount is a conflict" 409 \
    '{"error":{"code":"conflict","message":"bank reference '"'"'ICBC-77'"'"' was already posted as receipt '"$r2"' for 50.00 yuan to another account or amount"}}' \
    POST /api/v1/payments $K -H "$JSON" -d "{\"account\":\"$A2\",\"amount\":\"51.00\",\"channel\":\"bank\",\"ref\":\"ICBC-77\"}"

# ---- bad input: named, refused, nothing changes ----
bad() { # DESC FIELD BODY: 400 naming FIELD
    # shellcheck disable=SC2086
    req POST /api/v1/payments $K -H "$JSON" -d "$3"
    check "$1: 400 naming '$2'" test "$status $(jq -r .error.field "$T/body")" = "400 $2"
}
bad "no account" account '{"amount":"1.00"}'
bad "no amount" amount "{\"account\":\"$A1\"}"
bad "a JSON number as amount" amount "{\"account\":\"$A1\",\"amount\":1.5}"
bad "three decimals" amount "{\"account\":\"$A1\",\"amount\":\"1.234\"}"
bad "a zero amount" amount "{\"account\":\"$A1\",\"amount\":\"0.00\"}"
bad "an unknown channel" channel "{\"account\":\"$A1\",\"amount\":\"1.00\",\"channel\":\"cash\"}"
bad "a bank payment without reference" ref "{\"account\":\"$A1\",\"amount\":\"1.00\",\"channel\":\"bank\"}"
bad "a reference with a blank" ref "{\"account\":\"$A1\",\"amount\":\"1.00\",\"channel\":\"bank\",\"ref\":\"a b\"}"
bad "a bad date" date "{\"account\":\"$A1\",\"amount\":\"1.00\",\"date\":\"2025-02-30\"}"
bad "a future date" date "{\"account\":\"$A1\",\"amount\":\"1.00\",\"date\":\"2025-01-11\"}"
bad "an unknown field" amont "{\"account\":\"$A1\",\"amont\":\"1.00\"}"
bad "principal_first not a boolean" principal_first "{\"account\":\"$A1\",\"amount\":\"1.00\",\"principal_first\":\"yes\"}"
# shellcheck disable=SC2086
req POST /api/v1/payments $K -H "$JSON" -d "{\"account\":\"$A1\",\"amount\":"
check "malformed JSON: 400" test "$status $(jq -r .error.code "$T/body")" = "400 invalid"
# shellcheck disable=SC2086
expect "an unknown account" 404 \
    '{"error":{"code":"not_found","message":"unknown account '"'"'330000009901'"'"'"}}' \
    POST /api/v1/payments $K -H "$JSON" -d '{"account":"330000009901","amount":"1.00"}'
# shellcheck disable=SC2086
expect "another subtree's account answers like a missing one" 404 \
    '{"error":{"code":"not_found","message":"unknown account '"'"'330000000301'"'"'"}}' \
    POST /api/v1/payments $K -H "$JSON" -d "{\"account\":\"$NB1\",\"amount\":\"1.00\"}"
head -c 5000 /dev/zero | tr '\0' 'a' >"$T/big"
# shellcheck disable=SC2086
expect "a body over the limit" 413 \
    '{"error":{"code":"too_large","message":"request body larger than 4096 bytes (server.max_body_bytes)"}}' \
    POST /api/v1/payments $K -H "$JSON" --data-binary @"$T/big"
check "refused payments changed nothing" test "$(db_digest)" = "$digest"
# shellcheck disable=SC2086
req POST /api/v1/payments -b "$T/kasa.jar" -H "$JSON" -d "{\"account\":\"$A1\",\"amount\":\"1.00\"}"
check "a payment without the CSRF token: 403" test "$status" = 403
req POST /api/v1/payments -b "$T/audit.jar" -H "$JSON" -H "X-CSRF-Token: x" \
    -d "{\"account\":\"$A1\",\"amount\":\"1.00\"}"
check "an auditor may not take payments: 403" test "$status" = 403

# ---- reading payments ----
req GET "/api/v1/payments/$r1" -b "$T/audit.jar"
check "a receipt with its allocations" test \
    "$status $(jq -c '[.receipt, .status, (.allocations[0] | [.bill, .late_fee, .principal])]' "$T/body")" = \
    "200 [\"$r1\",\"posted\",[\"$b1\",\"1.60\",\"98.40\"]]"
expect "another subtree's receipt answers like a missing one" 404 \
    '{"error":{"code":"not_found","message":"no payment '"$nb_rcpt"'"}}' \
    GET "/api/v1/payments/$nb_rcpt" -b "$T/audit.jar"
expect "a missing receipt" 404 \
    '{"error":{"code":"not_found","message":"no payment SK0000009999"}}' \
    GET /api/v1/payments/SK0000009999 -b "$T/audit.jar"
expect "a malformed receipt" 404 \
    '{"error":{"code":"not_found","message":"no payment '"'"'x'"'"'"}}' \
    GET /api/v1/payments/x -b "$T/audit.jar"
req GET "/api/v1/payments/$nb_rcpt" -b "$T/root.jar"
check "a whole-tree user sees it" test "$status" = 200
req GET "/api/v1/payments?limit=1" -b "$T/audit.jar"
next=$(jq -r .next "$T/body")
check "newest first, one a page, with the keyset" \
    test "$status $(jq -c '[.items[].receipt]' "$T/body") $next" = "200 [\"$r2\"] $r2"
req GET "/api/v1/payments?limit=1&before=$next" -b "$T/audit.jar"
check "the next page" test "$status $(jq -c '[.items[].receipt]' "$T/body")" = "200 [\"$r1\"]"
req GET "/api/v1/payments?limit=5&before=$r1" -b "$T/audit.jar"
check "the end: no next, another subtree's payment not listed" \
    test "$status $(jq -c '[.items, .next]' "$T/body")" = "200 [[],null]"
req GET "/api/v1/payments?account=$A2&date=2025-01-09&cashier=kasa" -b "$T/audit.jar"
check "filters" test "$status $(jq -c '[.items[].receipt]' "$T/body")" = "200 [\"$r2\"]"
req GET "/api/v1/payments?date=2025-13-01" -b "$T/audit.jar"
check "a bad date filter: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 date"
req GET "/api/v1/payments?limit=0" -b "$T/audit.jar"
check "a bad limit: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 limit"
req GET "/api/v1/payments?before=abc" -b "$T/audit.jar"
check "a bad keyset: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 before"

# ---- reversal, approved by a second user's password ----
rev() { # BODY RECEIPT
    # shellcheck disable=SC2086
    req POST "/api/v1/payments/${2:-$r1}/reverse" $BO -H "$JSON" -d "$1"
}
digest=$(db_digest)
rev '{"reason":"错收","approver":"boss2"}'
check "no approver password: 400 naming it" \
    test "$status $(jq -r .error.field "$T/body")" = "400 approver_password"
rev '{"reason":"","approver":"boss2","approver_password":"x"}'
check "an empty reason: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 reason"
rev "{\"reason\":\"错收\",\"approver\":\"boss\",\"approver_password\":\"$pw\"}"
check "self-approval: 400" test "$status $(jq -r .error.field "$T/body")" = "400 approver"
check "self-approval says so" grep -q "someone else than boss" "$T/body"
check "self-approval refused changed nothing" test "$(db_digest)" = "$digest"
rev '{"reason":"错收","approver":"boss2","approver_password":"wrong-Pass1"}'
check "a wrong approver password: 403" test "$status $(jq -r .error.code "$T/body")" = "403 forbidden"
rev "{\"reason\":\"错收\",\"approver\":\"kasa\",\"approver_password\":\"$pw\"}"
check "an approver without payment:reverse: 403" test "$status" = 403
rev "{\"reason\":\"错收\",\"approver\":\"gone\",\"approver_password\":\"$pw\"}"
check "a disabled approver: 403" test "$status" = 403
rev "{\"reason\":\"错收\",\"approver\":\"nobody\",\"approver_password\":\"$pw\"}"
check "an unknown approver: the same 403" test "$status" = 403
check "refused approvals audited" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.approve_failed' AND actor = 'boss'")" = 4
check "a wrong password counts towards the approver's lockout" \
    test "$(sql "SELECT failed_logins FROM app_user WHERE username = 'boss2'")" = 1
check "refusals reversed nothing" test "$(sql "SELECT status FROM payment WHERE id = ${r1#SK}")" = posted
rev "{\"reason\":\"错收\",\"approver\":\"boss2\",\"approver_password\":\"$pw\"}" "$nb_rcpt"
check "another subtree's receipt: 404" test "$status" = 404
rev "{\"reason\":\"错收\",\"approver\":\"boss2\",\"approver_password\":\"$pw\"}"
check "reversed, approved by boss2" test \
    "$status $(jq -c '[.status, .reversed_by, .reversal_approver, .reversal_reason]' "$T/body")" = \
    '200 ["reversed","boss","boss2","错收"]'
check "the approver's failure count is cleared" \
    test "$(sql "SELECT failed_logins FROM app_user WHERE username = 'boss2'")" = 0
rev "{\"reason\":\"错收\",\"approver\":\"boss2\",\"approver_password\":\"$pw\"}"
check "reversed twice: 409" test "$status $(jq -r .error.code "$T/body")" = "409 conflict"
# shellcheck disable=SC2086
req POST "/api/v1/payments/$r2/reverse" $K -H "$JSON" \
    -d "{\"reason\":\"x\",\"approver\":\"boss\",\"approver_password\":\"$pw\"}"
check "a cashier may not reverse: 403" test "$status" = 403

# ---- bank files ----
printf 'H,B-1,2025-01-10\nD,T-1,%s,10.00\nD,T-2,%s,5.00\nD,T-3,330000009901,1.00\nT,3,16.00\n' \
    $A1 $NB1 >"$T/bank.csv"
# shellcheck disable=SC2086
req POST /api/v1/payments/import $K -H "Content-Type: text/csv" --data-binary @"$T/bank.csv"
check "a bank file: one posted, two unmatched (another subtree's account among them)" test \
    "$status $(jq -c '[.batch, .lines, .total, .posted, .posted_amount, .unmatched, [.unmatched_lines[] | [.line, .account, .reason]]]' "$T/body")" = \
    "200 [\"B-1\",3,\"16.00\",1,\"10.00\",2,[[3,\"$NB1\",\"unknown account '$NB1'\"],[4,\"330000009901\",\"unknown account '330000009901'\"]]]"
# shellcheck disable=SC2086
req POST /api/v1/payments/import $K -H "Content-Type: text/csv" --data-binary @"$T/bank.csv"
check "the same file again posts nothing" \
    test "$status $(jq -c '[.already_imported, .posted]' "$T/body")" = "200 [true,1]"
n_pay=$(sql "SELECT COUNT(*) FROM payment")
printf 'H,B-2,2025-01-10\nD,U-1,%s,10.00\nD,U-2,%s,abc\nT,2,10.00\n' $A1 $A2 >"$T/bad.csv"
# shellcheck disable=SC2086
req POST /api/v1/payments/import $K -H "Content-Type: text/csv" --data-binary @"$T/bad.csv"
check "a malformed file: 400 naming the line" \
    test "$status $(jq -r .error.code "$T/body")" = "400 invalid"
check "the report names line 3" grep -q "3" "$T/body"
printf 'H,B-3,2025-01-10\nD,V-1,%s,10.00\nT,1,11.00\n' $A1 >"$T/bad2.csv"
# shellcheck disable=SC2086
req POST /api/v1/payments/import $K -H "Content-Type: text/csv" --data-binary @"$T/bad2.csv"
check "wrong control totals: 400" test "$status" = 400
# shellcheck disable=SC2086
req POST /api/v1/payments/import $K -H "$JSON" --data-binary @"$T/bank.csv"
check "not text/csv: 400" test "$status $(jq -r .error.message "$T/body")" = \
    "400 Content-Type must be text/csv"
# shellcheck disable=SC2086
req POST "/api/v1/payments/import?channel=wechat" $K -H "Content-Type: text/csv" --data-binary @"$T/bank.csv"
check "a channel that sends no files: 400 naming it" \
    test "$status $(jq -r .error.field "$T/body")" = "400 channel"
# shellcheck disable=SC2086
req POST /api/v1/payments/import $K -H "Content-Type: text/csv" --data-binary @"$T/big"
check "a file over the limit: 413" test "$status" = 413
check "refused files posted nothing" test "$(sql "SELECT COUNT(*) FROM payment")" = "$n_pay"

# ---- the ledger ----
req GET "/api/v1/accounts/$A1/ledger" -b "$T/audit.jar"
check "an account's ledger: entries with a running balance, open bills" test \
    "$status $(jq -c '[.balance, [.entries[].kind], .entries[-1].balance, [.open[] | [.bill, .principal_owed]]]' "$T/body")" = \
    "200 [\"91.60\",[\"bill\",\"late_fee\",\"payment\",\"reversal\",\"payment\"],\"91.60\",[[\"$b1\",\"91.60\"]]]"
expect "another subtree's account's ledger: 404" 404 \
    '{"error":{"code":"not_found","message":"unknown account '"'"'330000000301'"'"'"}}' \
    GET "/api/v1/accounts/$NB1/ledger" -b "$T/audit.jar"
req GET /api/v1/ledger/verify -b "$T/audit.jar"
check "verify, the caller's subtree: ok" test \
    "$status $(jq -c '[.ok, .accounts, .problems]' "$T/body")" = "200 [true,2,[]]"
req GET /api/v1/ledger/verify -b "$T/root.jar"
check "verify, the whole tree" test "$status $(jq -c '[.ok, .accounts]' "$T/body")" = "200 [true,3]"
req GET /api/v1/ledger/verify -b "$T/kasa.jar"
check "a cashier may not verify: 403" test "$status" = 403

# ---- late fees ----
# shellcheck disable=SC2086
req POST /api/v1/fees/accrue $BO -H "$JSON" -d '{"date":"2025-01-11"}'
check "no accrual ahead of today: 400 naming the date" \
    test "$status $(jq -r .error.field "$T/body")" = "400 date"
# shellcheck disable=SC2086
req POST /api/v1/fees/accrue $BO -H "$JSON" -d '{}'
check "accrual through today" test "$status $(jq -c '[.through, .bills]' "$T/body")" = \
    '200 ["2025-01-10",1]'
# A1's fee was paid by the bank file; A2's last day (0.15 on 150.00 owed) is unpaid
fee=$(sql "SELECT fee_fen - fee_paid_fen - fee_waived_fen FROM receivable r JOIN bill b ON b.id = r.bill_id WHERE b.bill_no = '$b2'")
waive() { # BODY
    # shellcheck disable=SC2086
    req POST /api/v1/fees/waive $BO -H "$JSON" -d "$1"
}
waive "{\"bill\":\"$b1\",\"amount\":\"0.50\",\"reason\":\"困难户\",\"approver\":\"boss\",\"approver_password\":\"$pw\"}"
check "a waiver approved by oneself: 400" test "$status $(jq -r .error.field "$T/body")" = "400 approver"
waive "{\"bill\":\"$b1\",\"amount\":\"abc\",\"reason\":\"困难户\",\"approver\":\"boss2\",\"approver_password\":\"$pw\"}"
check "a waiver of no amount: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 amount"
waive "{\"bill\":\"$bnb\",\"amount\":\"0.50\",\"reason\":\"困难户\",\"approver\":\"boss2\",\"approver_password\":\"$pw\"}"
check "another subtree's bill: 404" test "$status" = 404
waive "{\"bill\":\"$b1\",\"amount\":\"999.00\",\"reason\":\"困难户\",\"approver\":\"boss2\",\"approver_password\":\"$pw\"}"
check "more than the fee owed: 400" test "$status $(jq -r .error.field "$T/body")" = "400 amount"
waive "{\"bill\":\"$b2\",\"amount\":\"0.10\",\"reason\":\"困难户\",\"approver\":\"boss2\",\"approver_password\":\"$pw\"}"
check "a waiver approved by another manager" test \
    "$status $(jq -c '[.waived, .approver]' "$T/body")" = '200 ["0.10","boss2"]'
check "the fee owed fell by 0.10" test "$(sql "SELECT fee_fen - fee_paid_fen - fee_waived_fen FROM receivable r JOIN bill b ON b.id = r.bill_id WHERE b.bill_no = '$b2'")" = "$((fee - 10))"

# ---- the daily close ----
# shellcheck disable=SC2086
req POST /api/v1/cashier/close $K -H "$JSON" -d '{"counted":{"counter":"1.00"}}'
check "a counted amount that differs: 409, nothing closed" \
    test "$status $(sql "SELECT COUNT(*) FROM cashier_close")" = "409 0"
# shellcheck disable=SC2086
req POST /api/v1/cashier/close $K -H "$JSON" -d '{"counted":{"counter":12}}'
check "a counted amount as a number: 400 naming it" \
    test "$status $(jq -r .error.field "$T/body")" = "400 counted"
# shellcheck disable=SC2086
req POST /api/v1/cashier/close $K -H "$JSON" -d '{"counted":{"counter":"100.00"}}'
check "the cashier closes their own day" test \
    "$status $(jq -c '[.cashier, .date, .already_closed, .net]' "$T/body")" = \
    '200 ["kasa","2025-01-10",false,"110.00"]'
# shellcheck disable=SC2086
req POST /api/v1/payments $K -H "$JSON" -d "{\"account\":\"$A1\",\"amount\":\"1.00\"}"
check "no payment on a closed day: 409" test "$status $(jq -r .error.code "$T/body")" = "409 conflict"

serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
srv_pid=""
"$PMIS" ledger verify >/dev/null 2>&1
check "the ledger verifies after all of it" test $? = 0
done_testing
