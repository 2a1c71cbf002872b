#!/bin/sh
# The collection department's policies and jobs over HTTP (what `pmis fees policy`, `disconnect
# policy`, `remind schedule|template|history`, `orders cancel`, `prepaid check|threshold` and
# `credit rate` do): lists for the readers, new versions and settings by a user of the whole tree
# only (a scoped one gets 403 and nothing changes), each bad field a 400 naming it with nothing
# changed, another subtree's account or order 404, money as decimal strings, results equal to
# the CLI's.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

ledger_fixture &&
    PMIS_NOW=2025-02-01T02:00:00Z "$PMIS" disconnect notice $A2 >/dev/null &&
    PMIS_NOW=2025-02-01T02:00:00Z "$PMIS" disconnect notice $NB1 >/dev/null &&
    approvers zhuguan &&
    PMIS_NOW=2025-02-10T02:00:00Z "$PMIS" disconnect approve $A2 --approver zhuguan >/dev/null &&
    PMIS_NOW=2025-02-10T02:00:00Z "$PMIS" disconnect approve $NB1 --approver zhuguan >/dev/null &&
    PMIS_NOW=2025-02-10T02:00:00Z "$PMIS" remind run --date 2025-01-10 >/dev/null &&
    echo $pw | "$PMIS" user add adm --all-orgs --roles administrator --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add hzadm --org HZ --roles administrator --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add boss --org HZ --roles manager --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add root --all-orgs --roles manager --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add kasa --org HZ --roles cashier --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add ana --org HZ --roles analyst --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add anaall --all-orgs --roles analyst --password-stdin >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }
hz_order=$(sql "SELECT o.id FROM collect_order o JOIN account a ON a.id = o.account_id WHERE a.account_no = '$A2'")
nb_order=$(sql "SELECT o.id FROM collect_order o JOIN account a ON a.id = o.account_id WHERE a.account_no = '$NB1'")

export PMIS_NOW=2025-02-20T02:00:00Z
serve_start
login_users "$pw" adm hzadm boss root kasa ana anaall
state() {
    for t in late_fee_policy disconnect_policy remind_step message_template prepaid_threshold \
        collect_order credit_rating outbox; do
        sql "SELECT * FROM $t ORDER BY 1"
    done | sha256sum
}
field_is() { check "$1" test "$(jq -r .error.field "$T/body")" = "$2"; }

# ---- late-fee policies (tariff:read, tariff:write) ----
as boss GET /api/v1/fees/policies
check "late-fee policies as the CLI lists them" test \
    "$status $(jq -c .items "$T/body")" = "200 $("$PMIS" --json fees policy list | jq -c .)"
check "rates in ‰ and the minimum as decimal strings" test \
    "$(jq -c '.items[0] | [(.resident_permille | type), (.min | test("^[0-9]+\\.[0-9]{2}$"))]' "$T/body")" = '["string",true]'
fee='"resident_permille":"1","current_year_permille":"2","cross_year_permille":"3","min":"1.00","source":"新规"'
refused "a new late-fee policy by a scoped user: 403" 403 "whole tree" \
    hzadm POST /api/v1/fees/policies "{\"from\":\"2026-01-01\",$fee}"
refused "by a manager (no tariff:write): 403" 403 "." \
    root POST /api/v1/fees/policies "{\"from\":\"2026-01-01\",$fee}"
refused "a bad effective date: 400" 400 "from" adm POST /api/v1/fees/policies "{\"from\":\"2026-02-30\",$fee}"
field_is "naming from" from
refused "a rate that is not a number: 400" 400 "resident_permille" \
    adm POST /api/v1/fees/policies "{\"from\":\"2026-01-01\",$(echo "$fee" | sed 's/"resident_permille":"1"/"resident_permille":"x"/')}"
field_is "naming resident_permille" resident_permille
refused "a negative rate: 400" 400 "cross_year_permille" \
    adm POST /api/v1/fees/policies "{\"from\":\"2026-01-01\",$(echo "$fee" | sed 's/"cross_year_permille":"3"/"cross_year_permille":"-3"/')}"
field_is "naming cross_year_permille" cross_year_permille
req POST /api/v1/fees/policies -b "$T/adm.jar" -H "X-CSRF-Token: $csrf_adm" -H "$JSON" \
    -H "Accept-Language: zh-CN" \
    -d "{\"from\":\"2026-01-01\",$(echo "$fee" | sed 's/"resident_permille":"1"/"resident_permille":"1,5"/')}"
check "a bad rate, zh: wholly Chinese, the parser's detail too, the English beside" test \
    "$status $(jq -r '.error | .message + "|" + .message_en' "$T/body")" = \
    "400 字段 'resident_permille'：'1,5' 不是按日千分比（‰）的费率：不允许千位分隔逗号|field 'resident_permille': '1,5' is not a rate in ‰ per day: grouping commas not allowed"
refused "a rate above 100‰ per day: 400" 400 "100‰" \
    adm POST /api/v1/fees/policies "{\"from\":\"2026-01-01\",$(echo "$fee" | sed 's/"current_year_permille":"2"/"current_year_permille":"101"/')}"
field_is "naming current_year_permille" current_year_permille
refused "a bad minimum: 400" 400 "min" \
    adm POST /api/v1/fees/policies "{\"from\":\"2026-01-01\",$(echo "$fee" | sed 's/"min":"1.00"/"min":"1.001"/')}"
field_is "naming min" min
refused "no source: 400" 400 "source" \
    adm POST /api/v1/fees/policies "{\"from\":\"2026-01-01\",$(echo "$fee" | sed 's/,"source":"新规"//')}"
field_is "naming source" source
refused "an unknown field: 400" 400 "rate" adm POST /api/v1/fees/policies "{\"from\":\"2026-01-01\",\"rate\":1,$fee}"
refused "not after the latest version: 409" 409 "after the latest" \
    adm POST /api/v1/fees/policies "{\"from\":\"2000-01-01\",$fee}"
field_is "naming from" from
as adm POST /api/v1/fees/policies "{\"from\":\"2026-01-01\",$fee}"
check "a new late-fee policy: 201, as stored" test \
    "$status $(jq -c . "$T/body")" = \
    "201 $("$PMIS" --json fees policy list | jq -c '.[-1]')"
check "its rates stored exactly (millionths)" test \
    "$(sql "SELECT resident_ppm, current_year_ppm, cross_year_ppm, min_fen FROM late_fee_policy WHERE effective_from = '2026-01-01'")" = "1000|2000|3000|100"

# ---- disconnection policies (collection:read, collection:approve) ----
as ana GET /api/v1/disconnect/policies
check "an analyst may not read them: 403" test "$status" = 403
as boss GET /api/v1/disconnect/policies
check "disconnection policies as the CLI lists them" test \
    "$status $(jq -c .items "$T/body")" = "200 $("$PMIS" --json disconnect policy list | jq -c .)"
refused "a new disconnection policy by a scoped user: 403" 403 "whole tree" \
    boss POST /api/v1/disconnect/policies '{"from":"2026-01-01","source":"新规"}'
refused "overdue days out of range: 400" 400 "overdue_days" \
    root POST /api/v1/disconnect/policies '{"from":"2026-01-01","source":"新规","overdue_days":4000}'
field_is "naming overdue_days" overdue_days
refused "three approvers: 400" 400 "important_approvals" \
    root POST /api/v1/disconnect/policies '{"from":"2026-01-01","source":"新规","important_approvals":3}'
field_is "naming important_approvals" important_approvals
refused "an empty regulator: 400" 400 "regulator" \
    root POST /api/v1/disconnect/policies '{"from":"2026-01-01","source":"新规","regulator":""}'
field_is "naming regulator" regulator
refused "no source: 400" 400 "source" root POST /api/v1/disconnect/policies '{"from":"2026-01-01"}'
field_is "naming source" source
as root POST /api/v1/disconnect/policies '{"from":"2026-01-01","source":"新规","notice_days_resident":10,"regulator":null}'
check "a new disconnection policy: 201, the defaults filled in, no regulator" test \
    "$status $(jq -c '[.from, .overdue_days, .notice_days_resident, .reconnect_hours, .regulator]' "$T/body")" = \
    '201 ["2026-01-01",30,10,24,null]'
check "the CLI lists it" test \
    "$("$PMIS" --json disconnect policy list | jq -c '.[-1] | [.from, .notice_days_resident, .regulator]')" = \
    '["2026-01-01",10,null]'

# ---- the reminder schedule and templates (collection:read, collection:approve) ----
as boss GET /api/v1/reminders/schedule
check "the schedule as the CLI lists it" test \
    "$status $(jq -c .items "$T/body")" = "200 $("$PMIS" --json remind schedule list | jq -c .)"
refused "a step set by a scoped user: 403" 403 "whole tree" \
    boss POST /api/v1/reminders/schedule '{"days_after_due":5,"channel":"sms"}'
refused "a step removed by a scoped user: 403" 403 "whole tree" \
    boss DELETE /api/v1/reminders/schedule/5
refused "a step 0 days after due: 400" 400 "days_after_due" \
    root POST /api/v1/reminders/schedule '{"days_after_due":0,"channel":"sms"}'
field_is "naming days_after_due" days_after_due
refused "an unknown channel: 400" 400 "fax" \
    root POST /api/v1/reminders/schedule '{"days_after_due":5,"channel":"fax"}'
field_is "naming channel" channel
refused "bad grades: 400" 400 "grades" \
    root POST /api/v1/reminders/schedule '{"days_after_due":5,"channel":"sms","grades":"XZ"}'
field_is "naming grades" grades
as root POST /api/v1/reminders/schedule '{"days_after_due":5,"channel":"wechat","grades":"CD"}'
check "a step set: the schedule with it" test \
    "$status $(jq -c '.items[] | select(.days_after_due == 5)' "$T/body")" = \
    '200 {"days_after_due":5,"channel":"wechat","grades":"CD"}'
as root DELETE /api/v1/reminders/schedule/5
check "and removed" test "$status $(jq '[.items[] | select(.days_after_due == 5)] | length' "$T/body")" = "200 0"
refused "removing a step that is not there: 404" 404 "no reminder step" root DELETE /api/v1/reminders/schedule/5
refused "nor a step that cannot be: 404" 404 "no reminder step" root DELETE /api/v1/reminders/schedule/x
as boss GET /api/v1/reminders/templates
check "templates as the CLI lists them" test \
    "$status $(jq -c .items "$T/body")" = "200 $("$PMIS" --json remind template list | jq -c .)"
refused "a template set by a scoped user: 403" 403 "whole tree" \
    boss POST /api/v1/reminders/templates '{"kind":"reminder","channel":"sms","body":"x"}'
refused "an unknown kind: 400" 400 "kind" \
    root POST /api/v1/reminders/templates '{"kind":"spam","channel":"sms","body":"x"}'
field_is "naming kind" kind
refused "an unknown language: 400" 400 "zh or en" \
    root POST /api/v1/reminders/templates '{"kind":"reminder","channel":"sms","lang":"fr","body":"x"}'
field_is "naming lang" lang
refused "a brace left open: 400" 400 "without its" \
    root POST /api/v1/reminders/templates '{"kind":"reminder","channel":"sms","body":"尊敬的{customer"}'
field_is "naming body" body
as root POST /api/v1/reminders/templates '{"kind":"reminder","channel":"sms","lang":"en","body":"Dear {customer}, please pay {amount}."}'
check "a template set: the templates with it, by whom" test \
    "$status $(jq -c '.items[] | select(.kind == "reminder" and .channel == "sms" and .lang == "en") | [.body, .updated_by]' "$T/body")" = \
    '200 ["Dear {customer}, please pay {amount}.","root"]'

# ---- an account's reminders (collection:read) ----
as boss GET "/api/v1/accounts/$A1/reminders"
check "an account's reminders, as the CLI lists them" test \
    "$status $(jq -c '[.items[] | [.id, .kind, .channel, .bill, .days_overdue, .status, .body]]' "$T/body")" = \
    "200 $("$PMIS" --json remind history $A1 | jq -c '[.[] | [.id, .kind, .channel, .bill, .days_overdue, .status, .body]]')"
check "with its reminder" test "$(jq '[.items[] | select(.kind == "reminder")] | length' "$T/body")" -ge 1
as boss GET "/api/v1/accounts/$NB1/reminders"
other=$(jq -c .error "$T/body" | sed "s/$NB1/X/")
as boss GET /api/v1/accounts/330000009901/reminders
check "another subtree's account: 404 exactly like a missing one" test \
    "$other" = "$(jq -c .error "$T/body" | sed 's/330000009901/X/')" -a "$status" = 404

# ---- cancelling a work order (collection:approve) ----
refused "another subtree's order: 404" 404 "no collection order" \
    boss POST "/api/v1/orders/$nb_order/cancel" '{"reason":"误判"}'
refused "no reason: 400" 400 "reason" boss POST "/api/v1/orders/$hz_order/cancel" '{}'
field_is "naming reason" reason
refused "an empty reason: 400" 400 "reason" boss POST "/api/v1/orders/$hz_order/cancel" '{"reason":""}'
refused "a cashier may not: 403" 403 "." kasa POST "/api/v1/orders/$hz_order/cancel" '{"reason":"误判"}'
as boss POST "/api/v1/orders/$hz_order/cancel" '{"reason":"已缴清"}'
check "an order cancelled: the order, cancelled with the reason" test \
    "$status $(jq -c '[.id, .status, .note, .closed_by]' "$T/body")" = "200 [$hz_order,\"cancelled\",\"已缴清\",\"boss\"]"
refused "cancelled again: 409" 409 "." boss POST "/api/v1/orders/$hz_order/cancel" '{"reason":"again"}'

# ---- prepaid thresholds and the daily check ----
as boss GET /api/v1/prepaid/thresholds
check "thresholds as the CLI lists them" test \
    "$status $(jq -c .items "$T/body")" = "200 $("$PMIS" --json prepaid threshold list | jq -c .)"
refused "a threshold set by a scoped user: 403" 403 "whole tree" \
    boss POST /api/v1/prepaid/thresholds '{"days_left":2,"channel":"sms"}'
refused "a threshold of 0 days: 400" 400 "days_left" \
    root POST /api/v1/prepaid/thresholds '{"days_left":0,"channel":"sms"}'
field_is "naming days_left" days_left
refused "a channel no warning goes by: 400" 400 "channel" \
    root POST /api/v1/prepaid/thresholds '{"days_left":2,"channel":"webhook"}'
field_is "naming channel" channel
as root POST /api/v1/prepaid/thresholds '{"days_left":2,"channel":"wechat"}'
check "a threshold set: the thresholds with it" test \
    "$status $(jq -c '.items[] | select(.days_left == 2)' "$T/body")" = '200 {"days_left":2,"channel":"wechat"}'
refused "the check by a scoped user: 403" 403 "whole tree" hzadm POST /api/v1/prepaid/check '{}'
refused "the check for a day ahead: 400" 400 "." adm POST /api/v1/prepaid/check '{"date":"2025-02-21"}'
field_is "naming date" date
refused "a bad date: 400" 400 "date" adm POST /api/v1/prepaid/check '{"date":"tomorrow"}'
as adm POST /api/v1/prepaid/check '{"date":"2025-02-20"}'
check "the check by a whole-tree user: the day and its counts (no prepaid account here)" test \
    "$status $(jq -c '[.date, .accounts, .warned, .orders, .items]' "$T/body")" = '200 ["2025-02-20",0,0,0,[]]'

# ---- credit rating (collection:work) ----
refused "a rating by a scoped user: 403" 403 "whole tree" hzadm POST /api/v1/credit/rate '{"period":"2025-01"}'
refused "a bad period: 400" 400 "period" adm POST /api/v1/credit/rate '{"period":"2025-13"}'
field_is "naming period" period
refused "a month not over: 400" 400 "." adm POST /api/v1/credit/rate '{"period":"2025-02"}'
field_is "naming period" period
as adm POST /api/v1/credit/rate '{"period":"2025-01"}'
check "every active account rated, counts by grade" test \
    "$status $(jq -c '[.period, .accounts, ([.grades[]] | add)]' "$T/body")" = '200 ["2025-01",3,3]'
check "the ratings stored" test "$(sql "SELECT COUNT(*) FROM credit_rating WHERE period = '2025-01'")" = 3
as adm POST /api/v1/credit/rate '{}'
check "by default last month" test "$status $(jq -r .period "$T/body")" = "200 2025-01"

# ---- tariff what-if (report:read, whole tree) ----
flat2='{"code":"FLAT1","name":"提价","category":"resident","versions":[{"effective_from":"2020-01-01","energy":{"price":"1.10"}}]}'
refused "a simulation by a scoped user: 403" 403 "whole tree" boss POST /api/v1/tariffs/simulate '{"period":"2024-11","tariff":"FLAT1"}'
refused "a cashier may not: 403" 403 "." kasa POST /api/v1/tariffs/simulate '{"period":"2024-11","tariff":"FLAT1"}'
refused "no period: 400" 400 "period" root POST /api/v1/tariffs/simulate '{"tariff":"FLAT1"}'
field_is "naming period" period
refused "an unknown tariff: 400" 400 "no tariff" root POST /api/v1/tariffs/simulate '{"period":"2024-11","tariff":"NOPE"}'
field_is "naming tariff" tariff
refused "a bad tariff document: 400" 400 "tariff" root POST /api/v1/tariffs/simulate '{"period":"2024-11","tariff":{"code":"X"}}'
field_is "naming tariff" tariff
req POST /api/v1/tariffs/simulate -b "$T/root.jar" -H "X-CSRF-Token: $csrf_root" -H "$JSON" \
    -H 'X-Request-Id: sim-1' -d '{"period":"2024-11","tariff":"FLAT1"}'
check "the loaded tariff again: every bill the same" test \
    "$status $(jq -c '[.bills, .same, .old_total, .new_total, .change, .failed]' "$T/body")" = \
    '200 [3,3,"600.00","600.00","0.00",0]'
# the what-if decodes its pages in an arena of its own: the request's (its method, path and
# user, logged after the handler) is not the simulation's to reset
check "its access line names its method, path and user" \
    test "$(grep '"request_id":"sim-1"' "$T/serve.log" | jq -c '[.method, .path, .user]')" = \
    '["POST","/api/v1/tariffs/simulate","root"]'
before=$(state)
as anaall POST /api/v1/tariffs/simulate "{\"period\":\"2024-11\",\"tariff\":$flat2}"
check "a proposed document: 10 % up, exactly, by type, tier and org (each by key)" test \
    "$status $(jq -c '[.bills, .up, .old_total, .new_total, .change, [.groups[] | .by], ([.groups[] | select(.by == "org") | [.key, .change]])]' "$T/body")" = \
    "200 [3,3,\"600.00\",\"660.00\",\"60.00\",[\"type\",\"tier\",\"org\",\"org\"],[[\"HZ\",\"30.00\"],[\"NB\",\"30.00\"]]]"
echo "$flat2" >"$T/flat2.json"
check "as the CLI reports it" test "$(jq -c '[.bills, .old_total, .new_total, [.groups[] | [.by, .key, .bills, .energy_kwh, .change]]]' "$T/body")" = \
    "$("$PMIS" --json tariff simulate --file "$T/flat2.json" --period 2024-11 | jq -c '[.bills, .old_total, .new_total, [.groups[] | [.by, .key, .bills, .energy_kwh, .change]]]')"
check "nothing written" test "$(state)" = "$before"

serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
srv_pid=""
done_testing
