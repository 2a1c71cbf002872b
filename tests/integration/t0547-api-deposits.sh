#!/bin/sh
# Deposits (保证金) over HTTP: a cashier takes one (201; the same channel reference again 200 and
# a repeat), lists them (only the caller's subtree, keyset pages by id), refunds part of one
# with a second person's approval (a user holding collection:approve and their password), a
# manager applies an account's deposits on closure (a bank deposit's unused part needs the
# refund's reference); the cashier's close counts them; ledger verify reports what is held; a
# prepaid threshold is removed by a user of the whole tree only. Another subtree's account or
# deposit answers 404, a missing permission 403, each bad field 400 naming it, nothing changed.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

ledger_fixture &&
    echo $pw | "$PMIS" user add adm --all-orgs --roles administrator --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add hzadm --org HZ --roles administrator --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add boss --org HZ --roles manager --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add kasa --org HZ --roles cashier --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add ana --org HZ --roles analyst --password-stdin >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }

export PMIS_NOW=2024-12-10T02:00:00Z
serve_start
login_users "$pw" adm hzadm boss kasa ana
state() {
    for t in deposit deposit_refund payment ledger_entry prepaid_threshold cashier_close; do
        sql "SELECT * FROM $t ORDER BY 1"
    done | sha256sum
}
field_is() { check "$1" test "$(jq -r .error.field "$T/body")" = "$2"; }

# ---- taking ----
as kasa POST /api/v1/deposits "{\"account\":\"$A1\",\"amount\":\"150.00\",\"reason\":\"信用等级D\"}"
check "a deposit taken: 201" test "$status" = 201
check "held in full, money as decimal strings" test \
    "$(jq -c '[.account, .amount, .channel, .status, .held, .applied, .refunded, .repeat]' "$T/body")" = \
    "[\"$A1\",\"150.00\",\"counter\",\"held\",\"150.00\",\"0.00\",\"0.00\",false]"
dep1=$(jq -r .id "$T/body")
as kasa POST /api/v1/deposits "{\"account\":\"$A2\",\"amount\":\"300.00\",\"channel\":\"bank\",\"ref\":\"B-1\"}"
check "by bank: 201" test "$status" = 201
dep2=$(jq -r .id "$T/body")
as kasa POST /api/v1/deposits "{\"account\":\"$A2\",\"amount\":\"300.00\",\"channel\":\"bank\",\"ref\":\"B-1\"}"
check "the same reference again: 200, a repeat of the same deposit" test \
    "$status $(jq -c '[.id, .repeat]' "$T/body")" = "200 [$dep2,true]"
as adm POST /api/v1/deposits "{\"account\":\"$NB1\",\"amount\":\"50.00\"}"
check "one in NB" test "$status" = 201
dep_nb=$(jq -r .id "$T/body")

refused "another subtree's account: 404" 404 "unknown account" kasa POST /api/v1/deposits "{\"account\":\"$NB1\",\"amount\":\"1.00\"}"
refused "by an analyst (no payment:post): 403" 403 "." ana POST /api/v1/deposits "{\"account\":\"$A1\",\"amount\":\"1.00\"}"
refused "a zero amount: 400" 400 "more than 0.00 yuan" kasa POST /api/v1/deposits "{\"account\":\"$A1\",\"amount\":\"0.00\"}"
field_is "naming amount" amount
refused "a negative amount: 400" 400 "more than 0.00 yuan, not -1.00" kasa POST /api/v1/deposits "{\"account\":\"$A1\",\"amount\":\"-1.00\"}"
refused "three decimals: 400" 400 "amount" kasa POST /api/v1/deposits "{\"account\":\"$A1\",\"amount\":\"1.234\"}"
field_is "naming amount" amount
refused "an amount as a number: 400" 400 "amount" kasa POST /api/v1/deposits "{\"account\":\"$A1\",\"amount\":1}"
refused "no amount: 400" 400 "amount" kasa POST /api/v1/deposits "{\"account\":\"$A1\"}"
refused "an unknown field: 400" 400 "cash" kasa POST /api/v1/deposits "{\"account\":\"$A1\",\"amount\":\"1.00\",\"cash\":1}"
refused "a bank deposit without its reference: 400" 400 "needs its reference" kasa POST /api/v1/deposits "{\"account\":\"$A1\",\"amount\":\"1.00\",\"channel\":\"bank\"}"
field_is "naming ref" ref
refused "an unknown channel: 400" 400 "unknown payment channel" kasa POST /api/v1/deposits "{\"account\":\"$A1\",\"amount\":\"1.00\",\"channel\":\"cash\"}"
field_is "naming channel" channel
refused "an unknown account: 404" 404 "unknown account" kasa POST /api/v1/deposits "{\"account\":\"999999999999\",\"amount\":\"1.00\"}"

# ---- lists ----
as hzadm GET /api/v1/deposits
check "HZ sees its two deposits only" test "$status $(jq -c '[.items[].id]' "$T/body")" = "200 [$dep1,$dep2]"
as adm GET /api/v1/deposits
check "the whole tree sees three" test "$(jq '.items | length' "$T/body")" = 3
check "as the CLI lists them" test "$(jq -c .items "$T/body")" = "$("$PMIS" --json deposit list | jq -c .)"
as hzadm GET "/api/v1/deposits?limit=1"
check "a page of one and its cursor" test "$(jq -c '[.items[].id, .next]' "$T/body")" = "[$dep1,$dep1]"
as hzadm GET "/api/v1/deposits?limit=1&after=$dep1"
check "the next page" test "$(jq -c '[.items[].id]' "$T/body")" = "[$dep2]"
as hzadm GET "/api/v1/deposits?account=$NB1"
check "another subtree's account lists nothing" test "$status $(jq -c .items "$T/body")" = "200 []"
as hzadm GET "/api/v1/deposits?status=gone"
check "a bad status: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 status"
as kasa GET /api/v1/deposits
check "a cashier lists them too" test "$status $(jq '.items | length' "$T/body")" = "200 2"
as ana GET /api/v1/deposits
check "an analyst (no collection:read) may not: 403" test "$status" = 403
as hzadm GET /api/v1/deposits/required
check "required: 200 and a page" test "$status $(jq -c '[(.items | type), .next]' "$T/body")" = '200 ["array",null]'

# ---- refunds ----
approval="\"approver\":\"boss\",\"approver_password\":\"$pw\""
refused "another subtree's deposit: 404 before any password" 404 "no deposit" \
    hzadm POST /api/v1/deposits/$dep_nb/refund "{\"reason\":\"退户\",$approval}"
refused "an unknown deposit: 404" 404 "no deposit" kasa POST /api/v1/deposits/999/refund "{\"reason\":\"退户\",$approval}"
refused "without the approver's password: 400" 400 "approver_password" \
    kasa POST /api/v1/deposits/$dep1/refund "{\"reason\":\"退户\",\"approver\":\"boss\"}"
refused "a wrong password: 403" 403 "refused" \
    kasa POST /api/v1/deposits/$dep1/refund "{\"reason\":\"退户\",\"approver\":\"boss\",\"approver_password\":\"nope-nope-1\"}"
refused "an approver without collection:approve: 403" 403 "collection:approve" \
    kasa POST /api/v1/deposits/$dep1/refund "{\"reason\":\"退户\",\"approver\":\"ana\",\"approver_password\":\"$pw\"}"
refused "approving oneself: 400" 400 "someone else" \
    hzadm POST /api/v1/deposits/$dep1/refund "{\"reason\":\"退户\",\"approver\":\"hzadm\",\"approver_password\":\"$pw\"}"
field_is "naming approver" approver
refused "no reason: 400" 400 "reason" kasa POST /api/v1/deposits/$dep1/refund "{$approval}"
refused "more than held: 409" 409 "holds 150.00 yuan: 500.00 cannot be refunded" \
    kasa POST /api/v1/deposits/$dep1/refund "{\"amount\":\"500.00\",\"reason\":\"退户\",$approval}"
refused "a zero refund: 400" 400 "more than 0.00 yuan" \
    kasa POST /api/v1/deposits/$dep1/refund "{\"amount\":\"0.00\",\"reason\":\"退户\",$approval}"
field_is "naming amount" amount
refused "a bank deposit's refund without its reference: 400" 400 "needs its reference" \
    kasa POST /api/v1/deposits/$dep2/refund "{\"reason\":\"退户\",$approval}"
field_is "naming ref" ref
refused "by an analyst: 403" 403 "." ana POST /api/v1/deposits/$dep1/refund "{\"reason\":\"退户\",$approval}"
as kasa POST /api/v1/deposits/$dep1/refund "{\"amount\":\"50.00\",\"reason\":\"信用恢复\",$approval}"
check "50.00 refunded: 200, numbered, 100.00 still held" test \
    "$status $(jq -c '[.refund, .status, .refunded, .held]' "$T/body")" = '200 ["TK0000000001","held","50.00","100.00"]'
check "the approver recorded" test "$(sql "SELECT approver, refunded_by FROM deposit_refund")" = "boss|kasa"

# ---- applied on closure ----
refused "by a cashier (no collection:approve): 403" 403 "." kasa POST /api/v1/accounts/$A1/deposits/apply '{}'
refused "another subtree's account: 404" 404 "unknown account" boss POST /api/v1/accounts/$NB1/deposits/apply '{}'
refused "a bank deposit's unused part without the reference: 400" 400 "needs the bank reference" \
    boss POST /api/v1/accounts/$A2/deposits/apply '{}'
field_is "naming ref" ref
as boss POST /api/v1/accounts/$A1/deposits/apply '{}'
check "A1: 100.00 pays its 100.00 bill" test "$status $(jq -c . "$T/body")" = \
    "200 {\"account\":\"$A1\",\"deposits\":1,\"held\":\"100.00\",\"applied\":\"100.00\",\"refund\":\"0.00\",\"balance\":\"0.00\"}"
as boss POST /api/v1/accounts/$A2/deposits/apply '{"ref":"B-R1"}'
check "A2: 200.00 applied, 100.00 refunded by bank" test \
    "$status $(jq -c '[.applied, .refund, .balance]' "$T/body")" = '200 ["200.00","100.00","0.00"]'
refused "applying again: 409" 409 "holds no deposit" boss POST /api/v1/accounts/$A2/deposits/apply '{"ref":"B-R2"}'

# ---- the ledger and the cashier's close ----
as adm GET /api/v1/ledger/verify
check "verify: three deposits, NB's 50.00 held" test \
    "$status $(jq -c '[.ok, .deposits, .held]' "$T/body")" = '200 [true,3,"50.00"]'
as kasa POST /api/v1/cashier/close '{"counted":{"counter":"100.00","bank":"300.00"}}'
check "kasa's close: counter 150.00 taken less 50.00 refunded, bank 300.00" test \
    "$status $(jq -c '[.net, .cash, [.channels[] | [.channel, .deposits, .refunded]]]' "$T/body")" = \
    '200 ["0.00","400.00",[["bank","300.00","0.00"],["counter","150.00","50.00"]]]'
check "the bank refund on closure is boss's, with its reference" test \
    "$(sql "SELECT refunded_by, channel, ref, amount_fen FROM deposit_refund WHERE deposit_id = $dep2")" = "boss|bank|B-R1|10000"
refused "a deposit after kasa's close: 409" 409 "has closed" kasa POST /api/v1/deposits "{\"account\":\"$A1\",\"amount\":\"1.00\"}"

# ---- removing a prepaid threshold: the whole tree only ----
as adm GET /api/v1/prepaid/thresholds
days=$(jq -r '.items[0].days_left' "$T/body")
check "a threshold to remove" test "$days" -gt 0
refused "by a scoped administrator: 403" 403 "whole tree" hzadm DELETE /api/v1/prepaid/thresholds/$days
refused "by a cashier: 403" 403 "." kasa DELETE /api/v1/prepaid/thresholds/$days
refused "an unknown one: 404" 404 "no warning threshold" adm DELETE /api/v1/prepaid/thresholds/999
refused "not a number: 404" 404 "no prepaid threshold 'x'" adm DELETE /api/v1/prepaid/thresholds/x
as adm DELETE /api/v1/prepaid/thresholds/$days
check "removed: 200, the rest listed" test "$status $(jq -c "[.items[].days_left | select(. == $days)]" "$T/body")" = "200 []"

serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
srv_pid=""
done_testing
