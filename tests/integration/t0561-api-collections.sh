#!/bin/sh
# Collections over HTTP: arrears aging and the collection rate (report:read), the accounts in
# arrears, orders and credit ratings (collection:read), the day's reminders and orders done
# (collection:work), disconnection candidates, notices and approvals (collection:approve, a
# second user's password). Everything is scoped to the caller's subtree: figures without an org
# are the own subtree's, another subtree's account or order answers 404 exactly like a missing
# one, and reminders (which run over every org) need a user of the whole tree (403); late fees
# accrued by a scoped user are its subtree's, the rest left to a whole-tree run. Bad input
# is 400 naming the field, bodies over the limit 413; money is decimal strings.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

ledger_fixture &&
    PMIS_NOW=2025-02-01T02:00:00Z "$PMIS" disconnect notice $A2 >/dev/null &&
    PMIS_NOW=2025-02-01T02:00:00Z "$PMIS" disconnect notice $NB1 >/dev/null &&
    approvers zhuguan &&
    PMIS_NOW=2025-02-10T02:00:00Z "$PMIS" disconnect approve $NB1 --approver zhuguan >/dev/null &&
    PMIS_NOW=2025-02-10T02:00:00Z "$PMIS" credit rate --period 2025-01 >/dev/null &&
    echo $pw | "$PMIS" user add boss --org HZ --roles manager --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add boss2 --org HZ --roles manager --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add kasa --org HZ --roles cashier --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add crew --org HZ --roles field_crew --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add ana --org HZ --roles analyst --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add root --all-orgs --roles manager --password-stdin >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }
nb_order=$(sql "SELECT id FROM collect_order")

export PMIS_NOW=2025-02-20T02:00:00Z
serve_start PMIS_SERVER_MAX_BODY_BYTES=4096
for u in boss kasa crew ana root; do
    login $u $pw $u.jar
    echo "-b $T/$u.jar -H X-CSRF-Token:$csrf" >"$T/$u.auth"
done
BO=$(cat "$T/boss.auth") KA=$(cat "$T/kasa.auth") CR=$(cat "$T/crew.auth") RO=$(cat "$T/root.auth")
head -c 5000 /dev/zero | tr '\0' 'a' >"$T/big"

# ---- figures ----
req GET /api/v1/arrears/aging -b "$T/ana.jar"
check "aging of the own subtree, money as decimal strings" test \
    "$status $(jq -c '[.date, [.rows[] | .org], .total.accounts, .total.total.principal]' "$T/body")" = \
    '200 ["2025-02-20",["HZ"],2,"300.00"]'
req GET "/api/v1/arrears/aging?by=type&date=2025-01-31" -b "$T/ana.jar"
check "aging by user type as of a day" test \
    "$status $(jq -c '[.by, .date, [.rows[].user_type], .total.total.owed]' "$T/body")" = \
    "200 [\"type\",\"2025-01-31\",[\"resident\"],\"$(jq -r .total.total.owed "$T/body")\"]"
req GET /api/v1/arrears/aging -b "$T/root.jar"
check "a whole-tree user's aging covers every org" test \
    "$status $(jq -c '[.total.accounts, .total.total.principal]' "$T/body")" = '200 [3,"600.00"]'
req GET "/api/v1/arrears/aging?org=NB" -b "$T/ana.jar"
nb_msg=$(jq -c . "$T/body")
req GET "/api/v1/arrears/aging?org=XX" -b "$T/ana.jar"
check "another subtree's org: 404 exactly like a missing one" \
    test "$status $(echo "$nb_msg" | sed 's/NB/XX/')" = "404 $(jq -c . "$T/body")"
req GET "/api/v1/arrears/aging?by=month" -b "$T/ana.jar"
check "a bad grouping: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 by"
req GET "/api/v1/arrears/aging?date=2025-02-30" -b "$T/ana.jar"
check "a bad date: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 date"
req GET "/api/v1/arrears/aging?depth=11" -b "$T/ana.jar"
check "a bad depth: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 depth"
req GET /api/v1/arrears/aging -b "$T/kasa.jar"
check "a cashier may not read reports: 403" test "$status" = 403

req GET "/api/v1/arrears/rate?period=2024-11" -b "$T/ana.jar"
check "the collection rate of the own subtree: nothing paid yet" test \
    "$status $(jq -c '[.items[-1] | .period, .billed, .paid, .rate_pct]' "$T/body")" = \
    '200 ["2024-11","300.00","0.00","0.00"]'
req GET /api/v1/arrears/rate -b "$T/ana.jar"
check "no period: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 period"
req GET "/api/v1/arrears/rate?from=2024-11" -b "$T/ana.jar"
check "from without to: 400 naming to" test "$status $(jq -r .error.field "$T/body")" = "400 to"
req GET "/api/v1/arrears/rate?period=2024-13" -b "$T/ana.jar"
check "a bad period: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 period"

req GET /api/v1/arrears -b "$T/kasa.jar"
check "the accounts in arrears of the own subtree, oldest first" test \
    "$status $(jq -c '[.items[] | [.account, .days_overdue, .principal]], .next' "$T/body" | tr '\n' ' ')" = \
    "200 [[\"$A1\",57,\"100.00\"],[\"$A2\",57,\"200.00\"]] null "
req GET "/api/v1/arrears?limit=1" -b "$T/kasa.jar"
next=$(jq -r .next "$T/body")
req GET "/api/v1/arrears?limit=1&after=$next" -b "$T/kasa.jar"
check "the next page by the keyset" test "$status $(jq -c '[.items[].account]' "$T/body")" = "200 [\"$A2\"]"
req GET "/api/v1/arrears?limit=0" -b "$T/kasa.jar"
check "a bad limit: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 limit"
req GET "/api/v1/arrears?min_days=x" -b "$T/kasa.jar"
check "a bad min_days: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 min_days"

# ---- reminders ----
n_out=$(sql "SELECT COUNT(*) FROM outbox")
# shellcheck disable=SC2086
req POST /api/v1/reminders/run $BO -H "$JSON" -d '{}'
check "reminders by a scoped user: 403" test "$status $(jq -r .error.code "$T/body")" = "403 forbidden"
# shellcheck disable=SC2086
req POST /api/v1/reminders/run $RO -H "$JSON" -d '{"date":"2025-02-21"}'
check "reminders for a day ahead: 400 naming the date" \
    test "$status $(jq -r .error.field "$T/body")" = "400 date"
# shellcheck disable=SC2086
req POST /api/v1/reminders/run $RO -H "$JSON" -d '{"date":20250220}'
check "a date as a number: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 date"
# shellcheck disable=SC2086
req POST /api/v1/reminders/run $RO -H "$JSON" --data-binary @"$T/big"
check "a body over the limit: 413" test "$status" = 413
check "refusals queued nothing" test "$(sql "SELECT COUNT(*) FROM outbox")" = "$n_out"
# shellcheck disable=SC2086
req POST /api/v1/reminders/run $RO -H "$JSON" -d '{}'
check "the day's reminders by a whole-tree user" test \
    "$status $(jq -c '[.date, .bills, .queued]' "$T/body")" = '200 ["2025-02-20",3,3]'
# shellcheck disable=SC2086
req POST /api/v1/reminders/run $RO -H "$JSON" -d '{}'
check "again: nothing new" test "$status $(jq -c .queued "$T/body")" = "200 0"

# ---- disconnection ----
req GET /api/v1/disconnect/candidates -b "$T/boss.jar"
check "candidates of the own subtree with their notice state" test \
    "$status $(jq -c '[.items[] | [.account, .state, .principal]]' "$T/body")" = \
    "200 [[\"$A1\",\"needs_notice\",\"100.00\"],[\"$A2\",\"ready\",\"200.00\"]]"
req GET /api/v1/disconnect/candidates -b "$T/root.jar"
check "a whole-tree user sees NB's too" test "$status $(jq -c '[.items[].account] | length' "$T/body")" = "200 3"
req GET /api/v1/disconnect/candidates -b "$T/kasa.jar"
check "a cashier may not see candidates: 403" test "$status" = 403
notice() { # ACCOUNT [BODY]
    # shellcheck disable=SC2086
    req POST "/api/v1/accounts/$1/notice" $BO -H "$JSON" -d "${2:-{\}}"
}
notice $A1 '{"x":1}'
check "an unknown field: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 x"
notice $NB1
check "another subtree's account: 404 like a missing one" test \
    "$status $(jq -r .error.message "$T/body")" = "404 unknown account '$NB1'"
notice 330000009901
check "a missing account" test "$status $(jq -r .error.message "$T/body")" = \
    "404 unknown account '330000009901'"
notice $A1
check "a notice served: 201, disconnection 7 days on" test \
    "$status $(jq -c '[.already, .served_on, .disconnect_on, .arrears]' "$T/body")" = \
    '201 [false,"2025-02-20","2025-02-27","100.00"]'
notice $A1
check "served again: 200, the same notice" test "$status $(jq -c .already "$T/body")" = "200 true"
approve() { # ACCOUNT BODY
    # shellcheck disable=SC2086
    req POST "/api/v1/accounts/$1/disconnect" $BO -H "$JSON" -d "$2"
}
n_orders=$(sql "SELECT COUNT(*) FROM collect_order")
approve $A2 '{"approver":"boss2"}'
check "no approver password: 400 naming it" \
    test "$status $(jq -r .error.field "$T/body")" = "400 approver_password"
approve $A2 "{\"approver\":\"boss\",\"approver_password\":\"$pw\"}"
check "self-approval: 400 naming the approver" test "$status $(jq -r .error.field "$T/body")" = "400 approver"
approve $A2 '{"approver":"boss2","approver_password":"wrong-Pass1"}'
check "a wrong approver password: 403" test "$status" = 403
approve $A2 "{\"approver\":\"kasa\",\"approver_password\":\"$pw\"}"
check "an approver without collection:approve: 403" test "$status" = 403
approve $NB1 "{\"approver\":\"boss2\",\"approver_password\":\"$pw\"}"
check "another subtree's account: 404" test "$status" = 404
approve $A1 "{\"approver\":\"boss2\",\"approver_password\":\"$pw\"}"
check "a candidate whose notice has not run: 409" test "$status $(jq -r .error.code "$T/body")" = "409 conflict"
check "refusals opened no order" test "$(sql "SELECT COUNT(*) FROM collect_order")" = "$n_orders"
approve $A2 "{\"approver\":\"boss2\",\"approver_password\":\"$pw\"}"
order=$(jq -r .order "$T/body")
check "approved by another manager: 201 with the order" \
    test "$status $(jq -c '[.account, .approver]' "$T/body")" = "201 [\"$A2\",\"boss2\"]"

# ---- orders ----
req GET /api/v1/orders -b "$T/crew.jar"
check "the own subtree's orders" test \
    "$status $(jq -c '[.items[] | [.id, .account, .kind, .status, .arrears]]' "$T/body")" = \
    "200 [[$order,\"$A2\",\"disconnect\",\"open\",\"200.00\"]]"
req GET "/api/v1/orders?status=open" -b "$T/root.jar"
check "a whole-tree user sees NB's order too" test "$status $(jq -c '[.items[].id]' "$T/body")" = \
    "200 [$nb_order,$order]"
req GET "/api/v1/orders?status=closed" -b "$T/crew.jar"
check "a bad status: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 status"
req GET "/api/v1/orders?late=yes" -b "$T/crew.jar"
check "a bad late flag: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 late"
done_() { # ORDER BODY
    # shellcheck disable=SC2086
    req POST "/api/v1/orders/$1/done" $CR -H "$JSON" -d "$2"
}
done_ "$order" '{"note":5}'
check "a note as a number: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 note"
done_ "$nb_order" '{}'
check "another subtree's order: 404 like a missing one" \
    test "$status $(jq -r .error.message "$T/body")" = "404 no collection order #$nb_order"
done_ 999 '{}'
check "a missing order" test "$status $(jq -r .error.message "$T/body")" = "404 no collection order #999"
done_ x '{}'
check "a malformed order id: 404" test "$status" = 404
# shellcheck disable=SC2086
req POST "/api/v1/orders/$order/final-notice" $CR -H "$JSON" -d '{}'
check "the final notice: 200, the order with its time and the SMS" test \
    "$status $(jq -c '[.id, (.final_notice_at != null), (.disconnect_from > .final_notice_at), (.outbox > 0)]' "$T/body")" = \
    "200 [$order,true,true,true]"
# shellcheck disable=SC2086
req POST "/api/v1/orders/$nb_order/final-notice" $CR -H "$JSON" -d '{}'
check "not for another subtree's order: 404" test "$status" = 404
# shellcheck disable=SC2086
req POST "/api/v1/orders/$order/final-notice" $CR -H "$JSON" -d '{"at":"now"}'
check "no body fields: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 at"
done_ "$order" '{"note":"已停电"}'
check "the crew marks it done" test \
    "$status $(jq -c '[.status, .closed_by, .note]' "$T/body")" = '200 ["done","crew","已停电"]'
done_ "$order" '{}'
check "done twice: 409" test "$status $(jq -r .error.code "$T/body")" = "409 conflict"
# shellcheck disable=SC2086
req POST "/api/v1/orders/$nb_order/done" $KA -H "$JSON" -d '{}'
check "a cashier closes no other subtree's order either: 404" test "$status" = 404
check "NB's order is still open" test "$(sql "SELECT status FROM collect_order WHERE id = $nb_order")" = open

# ---- credit ----
req GET "/api/v1/accounts/$A1/credit" -b "$T/kasa.jar"
check "an account's ratings" test \
    "$status $(jq -c '[.account, (.ratings | length), .ratings[0].period, (.ratings[0].score | type), (.ratings[0].arrears | type)]' "$T/body")" = \
    "200 [\"$A1\",1,\"2025-01\",\"number\",\"string\"]"
expect "another subtree's account's ratings: 404" 404 \
    '{"error":{"code":"not_found","message":"unknown account '"'"'330000000301'"'"'"}}' \
    GET "/api/v1/accounts/$NB1/credit" -b "$T/kasa.jar"
req GET "/api/v1/accounts/$A1/credit" -b "$T/ana.jar"
check "an analyst may not read an account's credit: 403" test "$status" = 403

# ---- late fees by subtree ----
fees_through() { # ACCOUNT
    sql "SELECT COALESCE(r.fee_through, '-') FROM receivable r JOIN account a ON a.id = r.account_id WHERE a.account_no = '$1'"
}
n_fee=$(sql "SELECT COUNT(*) FROM ledger_entry WHERE kind = 'late_fee'")
# shellcheck disable=SC2086
req POST /api/v1/fees/accrue $BO -H "$JSON" -d '{}'
check "a scoped manager accrues the late fees of its own subtree" test \
    "$status $(jq -c '[.through, .bills]' "$T/body") $(fees_through $A1) $(fees_through $A2) $(fees_through $NB1)" = \
    '200 ["2025-02-20",2] 2025-02-20 2025-02-20 -'
check "two late-fee rows, and the audit row says whose subtree" test \
    "$(sql "SELECT COUNT(*) FROM ledger_entry WHERE kind = 'late_fee'") $(sql "SELECT detail FROM audit_log WHERE action = 'fee.accrue' ORDER BY id DESC LIMIT 1")" = \
    "$((n_fee + 2)) through 2025-02-20: 2 bills, $(sql "SELECT SUM(fee_fen) FROM receivable r JOIN account a ON a.id = r.account_id WHERE a.account_no IN ('$A1', '$A2')") fen, the caller's org subtree"
# shellcheck disable=SC2086
req POST /api/v1/fees/accrue $RO -H "$JSON" -d '{}'
check "a whole-tree user then accrues the rest: NB's bill" test \
    "$status $(jq -c .bills "$T/body") $(fees_through $NB1)" = "200 1 2025-02-20"
# shellcheck disable=SC2086
req POST /api/v1/fees/accrue $BO -H "$JSON" -d '{}'
check "again the same day: nothing" test "$status $(jq -c .bills "$T/body")" = "200 0"

serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
srv_pid=""
"$PMIS" ledger verify >/dev/null 2>&1
check "the ledger verifies after the accruals" test $? = 0
done_testing
