#!/bin/sh
# CLI capabilities over HTTP (issue 5 §6): PATCH /accounts/{no} (as `pmis account update`: an
# unknown tariff refused naming tariff_code), SLA policies and work-order types (as `pmis sla`
# and `pmis ticket-type`: read with ticket:read, changed by a user of the whole tree with
# ticket:supervise), survey templates (survey:manage, the whole tree), pausing and resuming a
# service application, verifying the audit chain, and an administrator's password reset. Each: the success and what it stored, 403 for a missing
# permission or a scoped caller of a whole-tree job, 404 for another subtree's object, and each
# bad input a clear 400 (or 409) that changes nothing.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

ledger_fixture &&
    "$PMIS" tariff load "$PMIS_TOP/data/tariffs/beijing-resident.json" >/dev/null &&
    for o in HZ HZ NB; do
        "$PMIS" --json apply new --kind new_lv_res --org $o --name 申请人 --type resident \
            --voltage 220V --address 某路 --capacity 8 --tariff FLAT1 | jq -r .id >>"$T/apps" || exit 1
    done &&
    echo $pw | "$PMIS" user add adm --all-orgs --roles administrator --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add hzadm --org HZ --roles administrator --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add boss --org HZ --roles manager --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add root --all-orgs --roles manager --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add kasa --org HZ --roles cashier --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add agent --org HZ --roles service_agent --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add aud --all-orgs --roles auditor --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add audhz --org HZ --roles auditor --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add clerk --org NB --roles billing_clerk --password-stdin >/dev/null &&
    "$PMIS" role add useradm --name 用户管理员 --perms user:admin,customer:read >/dev/null &&
    echo $pw | "$PMIS" user add uadm --org HZ --roles useradm --password-stdin >/dev/null ||
    not_ok "set up"
app_hz=$(sed -n 1p "$T/apps") app_hz2=$(sed -n 2p "$T/apps") app_nb=$(sed -n 3p "$T/apps")
check "set up: applications in HZ and NB, users" test -n "$app_nb" -a \
    "$(sql "SELECT COUNT(*) FROM app_user WHERE username IN ('adm','hzadm','boss','root','kasa','agent','aud','audhz','clerk','uadm')")" = 10

export PMIS_NOW=2025-02-20T02:00:00Z
serve_start
login_users "$pw" adm hzadm boss root kasa agent aud audhz clerk uadm
state() {
    {
        for t in account customer_history sla_policy ticket_type ticket_type_version application \
            application_pause application_event survey_template survey_template_dim; do
            sql "SELECT * FROM $t ORDER BY 1"
        done
        sql "SELECT username, password_hash, must_change, status FROM app_user ORDER BY 1"
        sql "SELECT COUNT(*) FROM auth_session"
    } | sha256sum
}
field_is() { check "$1" test "$(jq -r .error.field "$T/body")" = "$2"; }

# ---- PATCH /accounts/{no} (customer:write) ----
refused "an unknown tariff: 400" 400 "unknown tariff 'NOPE'" \
    boss PATCH /api/v1/accounts/$A1 '{"tariff_code":"NOPE"}'
field_is "naming tariff_code" tariff_code
refused "a cycle day out of range: 400" 400 "cycle_day" boss PATCH /api/v1/accounts/$A1 '{"cycle_day":29}'
field_is "naming cycle_day" cycle_day
refused "a bad capacity: 400" 400 "capacity_kva" boss PATCH /api/v1/accounts/$A1 '{"capacity_kva":"-5"}'
field_is "naming capacity_kva" capacity_kva
refused "a bad power-factor standard: 400" 400 "pf_standard" boss PATCH /api/v1/accounts/$A1 '{"pf_standard":"0.7"}'
refused "an unknown pay mode: 400" 400 "pay_mode" boss PATCH /api/v1/accounts/$A1 '{"pay_mode":"credit"}'
refused "a bad effective date: 400" 400 "effective_on" \
    boss PATCH /api/v1/accounts/$A1 '{"tariff_code":"BJ-RES","effective_on":"2025-02-30"}'
refused "an unknown field: 400" 400 "status" boss PATCH /api/v1/accounts/$A1 '{"status":"closed"}'
refused "a tariff that is not a string: 400" 400 "tariff_code" boss PATCH /api/v1/accounts/$A1 '{"tariff_code":5}'
refused "nothing to change: 400" 400 "nothing to change" boss PATCH /api/v1/accounts/$A1 '{"tariff_code":"FLAT1"}'
refused "another subtree's account: 404" 404 "$NB1" boss PATCH /api/v1/accounts/$NB1 '{"contact_name":"某人"}'
refused "a missing account: 404" 404 "999999999999" boss PATCH /api/v1/accounts/999999999999 '{"contact_name":"某人"}'
refused "a cashier (no customer:write): 403" 403 "customer:write" kasa PATCH /api/v1/accounts/$A1 '{"contact_name":"某人"}'
as boss PATCH /api/v1/accounts/$A1 '{"tariff_code":"BJ-RES","cycle_day":20,"contact_name":"王会计","effective_on":"2025-03-01"}'
check "a change: 200 with the account as GET shows it" test \
    "$status $(jq -c '[.tariff_code, .cycle_day, .contact_name]' "$T/body")" = '200 ["BJ-RES",20,"王会计"]'
check "stored" test "$(sql "SELECT tariff_code, cycle_day, contact_name FROM account WHERE account_no = '$A1'")" = "BJ-RES|20|王会计"
check "the tariff change in the customer's history from its effective date" test \
    "$(sql "SELECT COUNT(*) FROM customer_history WHERE field = 'tariff' AND new_value = '$A1: BJ-RES' AND effective_on = '2025-03-01'")" = 1
check "audited with the request id" test \
    "$(sql "SELECT COUNT(*) FROM audit_log WHERE entity_key = '$A1' AND action = 'account.update' AND request_id IS NOT NULL")" -ge 1
as boss PATCH /api/v1/accounts/$A1 '{"contact_name":""}'
check "\"\" clears a contact field" test "$status $(jq -r .contact_name "$T/body")" = "200 null"

# ---- SLA policies (ticket:read; ticket:supervise and the whole tree to change) ----
as agent GET /api/v1/sla/policies
check "the policies in force, as the CLI lists them" test \
    "$status $(jq -c '[.items[] | del(.created_at, .retired_at)]' "$T/body")" = \
    "200 $("$PMIS" --json sla list | jq -c '[.[] | del(.created_at, .retired_at)]')"
pid=$(jq -r '.items[] | select(.metric == "response" and .type == "consult") | .id' "$T/body")
as agent GET "/api/v1/sla/policies/$pid"
check "one policy" test "$status $(jq -r '.id, .metric, .clock, .amount' "$T/body" | tr '\n' ' ')" = \
    "200 $pid response natural 120 "
as agent GET /api/v1/sla/policies/99999
check "a missing policy: 404" test "$status" = 404
as agent GET /api/v1/sla/policies/abc
check "not a number: 404" test "$status" = 404
as agent GET "/api/v1/sla/policies?all=maybe"
check "all is true or false: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 all"
as kasa GET /api/v1/sla/policies
check "a cashier (no ticket:read): 403" test "$status" = 403
pol='"metric":"response","type":"consult","clock":"natural","start":"accepted","stop":"responded","source":"新规 1.2"'
refused "a new version by a scoped manager: 403" 403 "whole tree" boss POST /api/v1/sla/policies "{$pol,\"amount\":90}"
refused "by an agent (no ticket:supervise): 403" 403 "ticket:supervise" agent POST /api/v1/sla/policies "{$pol,\"amount\":90}"
refused "an unknown metric: 400" 400 "metric" root POST /api/v1/sla/policies \
    "{$(echo "$pol" | sed 's/"response"/"lunch"/'),\"amount\":90}"
field_is "naming metric" metric
refused "an unknown type: 400" 400 "type" root POST /api/v1/sla/policies \
    "{$(echo "$pol" | sed 's/"consult"/"gossip"/'),\"amount\":90}"
refused "an unknown clock: 400" 400 "clock" root POST /api/v1/sla/policies \
    "{$(echo "$pol" | sed 's/"natural"/"sundial"/'),\"amount\":90}"
refused "no amount: 400" 400 "amount" root POST /api/v1/sla/policies "{$pol}"
field_is "naming amount" amount
refused "a zero amount: 400" 400 "amount" root POST /api/v1/sla/policies "{$pol,\"amount\":0}"
refused "an amount that is not a number: 400" 400 "amount" root POST /api/v1/sla/policies "{$pol,\"amount\":\"90\"}"
refused "a warning share over 100: 400" 400 "warn_pct" root POST /api/v1/sla/policies "{$pol,\"amount\":90,\"warn_pct\":120}"
refused "the stop state before the start: 400" 400 "." root POST /api/v1/sla/policies \
    "{$(echo "$pol" | sed 's/"accepted"/"archived"/'),\"amount\":90}"
refused "no source: 400" 400 "source" root POST /api/v1/sla/policies \
    "{$(echo "$pol" | sed 's/,"source":"新规 1.2"//'),\"amount\":90}"
refused "an unknown field: 400" 400 "minutes" root POST /api/v1/sla/policies "{$pol,\"minutes\":90}"
as root POST /api/v1/sla/policies "{$pol,\"amount\":90}"
new=$(jq -r .id "$T/body")
check "a new version: 201, replacing the old one" test \
    "$status $(jq -c '[.version, .replaces, .active, .amount, .created_by]' "$T/body")" = \
    "201 [2,$pid,true,90,\"root\"]"
check "the old version retired" test "$(sql "SELECT COUNT(*) FROM sla_policy WHERE id = $pid AND retired_at IS NOT NULL")" = 1
check "as the CLI shows it" test "$(jq -c 'del(.created_at, .retired_at)' "$T/body")" = \
    "$("$PMIS" --json sla show "$new" | jq -c 'del(.created_at, .retired_at)')"
as agent GET "/api/v1/sla/policies?all=true"
check "?all=true lists the retired version too" test \
    "$(jq "[.items[] | select(.id == $pid or .id == $new)] | length" "$T/body")" = 2
check "audited with the request id" test \
    "$(sql "SELECT COUNT(*) FROM audit_log WHERE actor = 'root' AND action = 'sla.policy.add' AND request_id IS NOT NULL")" = 1

# ---- work-order types (ticket:read; ticket:supervise and the whole tree to change) ----
as agent GET /api/v1/ticket-types
check "the types in force with their reopen and repeat periods" test \
    "$status $(jq -c '[.items[] | select(.type == "complaint" and .subtype == "") | .reopen_days, .repeat_days]' "$T/body")" = \
    "200 [30,30]"
as agent GET /api/v1/ticket-types/complaint
check "a type's versions" test "$status $(jq -c '[.type, .subtype, (.items | length)]' "$T/body")" = '200 ["complaint","",1]'
as agent GET /api/v1/ticket-types/gossip
check "an unknown type: 404" test "$status" = 404
as agent GET "/api/v1/ticket-types/complaint?subtype=nope"
check "an unknown subtype: 404" test "$status" = 404
refused "a change by a scoped administrator: 403" 403 "whole tree" hzadm POST /api/v1/ticket-types '{"type":"complaint","repeat_days":60}'
refused "by an agent (no ticket:supervise): 403" 403 "ticket:supervise" agent POST /api/v1/ticket-types '{"type":"complaint","repeat_days":60}'
refused "negative repeat days: 400" 400 "repeat_days" root POST /api/v1/ticket-types '{"type":"complaint","repeat_days":-1}'
field_is "naming repeat_days" repeat_days
refused "reopen days not a number: 400" 400 "reopen_days" root POST /api/v1/ticket-types '{"type":"complaint","reopen_days":"7"}'
refused "direct not a boolean: 400" 400 "direct" root POST /api/v1/ticket-types '{"type":"complaint","direct":"yes"}'
refused "a new type without names: 400" 400 "name" root POST /api/v1/ticket-types '{"type":"gossip"}'
refused "a subtype of an unknown type: 400" 400 "gossip" root POST /api/v1/ticket-types \
    '{"type":"gossip","subtype":"x","name_zh":"闲聊","name_en":"Gossip"}'
refused "a change that changes nothing: 409" 409 "." root POST /api/v1/ticket-types '{"type":"complaint","repeat_days":30}'
refused "no type: 400" 400 "type" root POST /api/v1/ticket-types '{"repeat_days":60}'
as root POST /api/v1/ticket-types '{"type":"complaint","repeat_days":60,"reopen_days":10}'
check "a change: 200 with every version, the new one last" test \
    "$status $(jq -c '[(.items | length), (.items[-1] | .version, .repeat_days, .reopen_days, .changed_by)]' "$T/body")" = \
    '200 [2,2,60,10,"root"]'
check "stored" test "$(sql "SELECT repeat_days, reopen_days FROM ticket_type WHERE type = 'complaint' AND subtype = ''")" = "60|10"
as root POST /api/v1/ticket-types '{"type":"complaint","subtype":"price","name_zh":"电价投诉","name_en":"Tariff complaint","direct":false}'
check "a new subtype: 200" test "$status $(jq -c '[.subtype, .items[0].name_zh, .items[0].direct]' "$T/body")" = \
    '200 ["price","电价投诉",false]'
as agent GET "/api/v1/ticket-types/complaint?subtype=price"
check "read back by ?subtype=" test "$status $(jq -c '.items | length' "$T/body")" = "200 1"
check "as the CLI shows it" test "$(jq -c '.items | map(del(.changed_at))' "$T/body")" = \
    "$("$PMIS" --json ticket-type show complaint/price | jq -c 'map(del(.changed_at))')"

# ---- survey templates (survey:manage, the whole tree) ----
w='"efficiency":40,"quality":30,"price":20,"after_sales":10'
tpl="\"code\":\"callback\",\"name\":\"回访问卷二\",\"effective_on\":\"2025-03-01\""
refused "a new version by a scoped manager: 403" 403 "whole tree" boss POST /api/v1/survey-templates "{$tpl,\"weights\":{$w}}"
refused "by an agent (no survey:manage): 403" 403 "survey:manage" agent POST /api/v1/survey-templates "{$tpl,\"weights\":{$w}}"
refused "weights not adding up to 100: 400" 400 "add up to 90" root POST /api/v1/survey-templates \
    "{$tpl,\"weights\":{\"efficiency\":40,\"quality\":30,\"price\":20}}"
field_is "naming weights" weights
refused "a weight of 0: 400" 400 "1 to 100" root POST /api/v1/survey-templates \
    "{$tpl,\"weights\":{\"efficiency\":0,\"quality\":100}}"
refused "a weight that is not a number: 400" 400 "weight of 'quality'" root POST /api/v1/survey-templates \
    "{$tpl,\"weights\":{\"efficiency\":70,\"quality\":\"30\"}}"
refused "an unknown dimension: 400" 400 "mood" root POST /api/v1/survey-templates \
    "{$tpl,\"weights\":{\"efficiency\":70,\"mood\":30}}"
refused "no weights: 400" 400 "weights" root POST /api/v1/survey-templates "{$tpl}"
refused "weights not an object: 400" 400 "weights" root POST /api/v1/survey-templates "{$tpl,\"weights\":\"efficiency=100\"}"
refused "a bad first day: 400" 400 "effective_on" root POST /api/v1/survey-templates \
    "{$(echo "$tpl" | sed 's/2025-03-01/2025-02-30/'),\"weights\":{$w}}"
refused "a bad code: 400" 400 "code" root POST /api/v1/survey-templates \
    "{$(echo "$tpl" | sed 's/callback/Call-Back/'),\"weights\":{$w}}"
refused "not after the latest version: 409" 409 "in force from" root POST /api/v1/survey-templates \
    "{$(echo "$tpl" | sed 's/2025-03-01/1999-01-01/'),\"weights\":{$w}}"
as root POST /api/v1/survey-templates "{$tpl,\"weights\":{$w}}"
check "a new version: 201 with its dimensions" test \
    "$status $(jq -c '[.code, .version, .effective_on, [.dimensions[] | .dimension, .weight]]' "$T/body")" = \
    '201 ["callback",2,"2025-03-01",["efficiency",40,"quality",30,"price",20,"after_sales",10]]'
as agent GET /api/v1/survey-templates
check "listed as the CLI lists it" test "$(jq -c .items "$T/body")" = "$("$PMIS" --json survey template list | jq -c .)"

# ---- application pause and resume (application:write) ----
refused "resume before a pause: 409" 409 "not waiting" agent POST /api/v1/applications/$app_hz/resume '{}'
refused "another subtree's application: 404" 404 "$app_nb" agent POST /api/v1/applications/$app_nb/pause '{"note":"等客户"}'
refused "a missing application: 404" 404 "99999" agent POST /api/v1/applications/99999/pause '{}'
refused "not a number: 404" 404 "x" agent POST /api/v1/applications/x/pause '{}'
refused "a cashier (no application:write): 403" 403 "application:write" kasa POST /api/v1/applications/$app_hz/pause '{}'
refused "a note over 500 bytes: 400" 400 "note" agent POST /api/v1/applications/$app_hz/pause \
    "{\"note\":\"$(printf '%0501d' 0)\"}"
field_is "naming note" note
refused "a note that is not a string: 400" 400 "note" agent POST /api/v1/applications/$app_hz/pause '{"note":1}'
refused "an unknown field: 400" 400 "until" agent POST /api/v1/applications/$app_hz/pause '{"until":"2025-03-01"}'
as agent POST /api/v1/applications/$app_hz/pause '{"note":"等客户资料"}'
check "paused: 200 with the application, its clocks stopped" test \
    "$status $(jq -c '[.id, .paused, .events[-1].action, .events[-1].note]' "$T/body")" = \
    "200 [$app_hz,true,\"pause\",\"等客户资料\"]"
refused "paused twice: 409" 409 "already waiting" agent POST /api/v1/applications/$app_hz/pause '{}'
export PMIS_NOW=2025-02-24T02:00:00Z
serve_stop
serve_start
login_users "$pw" agent adm aud audhz hzadm kasa uadm
as agent POST /api/v1/applications/$app_hz/resume '{}'
check "resumed: 200, the clock running with a later deadline" test \
    "$status $(jq -r '.events[-1].action, .paused, (.deadline_at != null)' "$T/body" | tr '\n' ' ')" = "200 resume false true "
check "the pause recorded with its end" test \
    "$(sql "SELECT COUNT(*) FROM application_pause WHERE application_id = $app_hz AND to_at IS NOT NULL")" = 1
"$PMIS" apply cancel "$app_hz2" --reason 撤销 >/dev/null
refused "a cancelled application: 409" 409 "cancelled" agent POST /api/v1/applications/$app_hz2/pause '{}'

# ---- GET /audit/verify (audit:read, the whole tree) ----
as aud GET /api/v1/audit/verify
rows=$(sql "SELECT COUNT(*) FROM audit_log")
check "an intact chain: ok with the rows verified" test \
    "$status $(jq -c '[.ok, .first_bad_row, .problem]' "$T/body")" = "200 [true,null,null]" -a \
    "$(jq .rows "$T/body")" -ge "$rows"
as audhz GET /api/v1/audit/verify
check "a scoped auditor: 403 (the chain spans every org)" test "$status" = 403
as agent GET /api/v1/audit/verify
check "an agent (no audit:read): 403" test "$status" = 403
bad=$(sql "SELECT MAX(id) - 3 FROM audit_log")
kept=$(sql "SELECT actor FROM audit_log WHERE id = $bad")
sql "UPDATE audit_log SET actor = 'forged' WHERE id = $bad" >/dev/null
as aud GET /api/v1/audit/verify
check "an edited row: 200 with ok false, naming the row and what is wrong" test \
    "$status $(jq -c '[.ok, .first_bad_row]' "$T/body")" = "200 [false,$bad]" -a \
    -n "$(jq -r '.problem // empty' "$T/body" | grep "row $bad")"
check "the CLI agrees" test "$("$PMIS" --json audit verify 2>/dev/null | jq -c '[.ok, .first_bad_row]')" = "[false,$bad]"
sql "UPDATE audit_log SET actor = '$kept' WHERE id = $bad" >/dev/null
as aud GET /api/v1/audit/verify
check "restored: intact again" test "$status $(jq .ok "$T/body")" = "200 true"

# ---- POST /users/{name}/password (user:admin) ----
refused "a user of another subtree: 404" 404 "clerk" hzadm POST /api/v1/users/clerk/password '{}'
refused "a user of the whole tree, for a scoped administrator: 404" 404 "adm" hzadm POST /api/v1/users/adm/password '{}'
refused "a missing user: 404" 404 "nobody" adm POST /api/v1/users/nobody/password '{}'
refused "an agent (no user:admin): 403" 403 "user:admin" agent POST /api/v1/users/kasa/password '{}'
refused "a user stronger than the caller: 403" 403 "which you do not hold" \
    uadm POST /api/v1/users/boss/password '{}'
refused "a chosen password: 400 (an administrator never chooses another person's)" 400 "password" \
    adm POST /api/v1/users/kasa/password "{\"password\":\"$pw\"}"
as adm POST /api/v1/users/kasa/password '{}'
otp=$(jq -r .one_time_password "$T/body")
check "a reset: 200 with a one-time password, to change at the next login" test \
    "$status $(jq -c '[.username, .must_change_password]' "$T/body")" = '200 ["kasa",true]' -a ${#otp} -ge 12
as kasa GET /api/v1/auth/me
check "the user's sessions ended" test "$status" = 401
login kasa "$pw" kasa2.jar
check "the old password no longer works" test "$status" = 401
login kasa "$otp" kasa2.jar
check "the one-time password logs in, and must be changed" test \
    "$status $(jq -r .must_change_password "$T/body")" = "200 true"
check "audited" test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'user.password_reset' AND entity_key = 'kasa' AND actor = 'adm'")" = 1

serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
srv_pid=""
done_testing
