#!/bin/sh
# Archive writes over HTTP: org units added under the caller's subtree (a root needs a user of
# the whole tree: 403), customers changed (PATCH: only the fields given) and closed, accounts
# and meters added, meters installed, replaced and removed with their readings as kWh strings.
# Another subtree's customer, account, meter or org answers 404 exactly like a missing one and
# changes nothing; bad input is 400 naming the field, bodies over the limit 413.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

pw=Kc4rVt8wQm
"$PMIS" init --no-admin >/dev/null 2>&1 &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    "$PMIS" org add NB --name 宁波 --level city --parent ZJ >/dev/null &&
    "$PMIS" tariff load "$PMIS_TOP/data/tariffs/beijing-resident.json" >/dev/null &&
    "$PMIS" customer add --name 张三 --type resident --voltage 220V --address 杭州1号 --org HZ \
        --opened 2024-01-05 >/dev/null &&
    "$PMIS" customer add --name 李四 --type resident --voltage 220V --address 宁波1号 --org NB \
        --opened 2024-01-05 >/dev/null &&
    "$PMIS" customer add --name 王五 --type resident --voltage 220V --address 杭州2号 --org HZ \
        --opened 2024-01-05 >/dev/null &&
    "$PMIS" account add 1000000001 --tariff BJ-RES --cycle-day 15 --opened 2024-01-05 >/dev/null &&
    "$PMIS" meter add NBM --model DDZY71 --phases 1 >/dev/null &&
    "$PMIS" meter install NBM --account 100000000101 --date 2024-01-05 >/dev/null &&
    echo $pw | "$PMIS" user add adm --org HZ --roles administrator --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add agent --org HZ --roles service_agent --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add root --all-orgs --roles administrator --password-stdin >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }
HZC=1000000000 NBC=1000000001 HZ2=1000000002

serve_start PMIS_SERVER_MAX_BODY_BYTES=4096
for u in adm agent root; do
    login $u $pw $u.jar
    echo "-b $T/$u.jar -H X-CSRF-Token:$csrf" >"$T/$u.auth"
done
AD=$(cat "$T/adm.auth") AG=$(cat "$T/agent.auth") RO=$(cat "$T/root.auth")
head -c 5000 /dev/zero | tr '\0' 'a' >"$T/big"
post() { # AUTH PATH BODY [METHOD]
    # shellcheck disable=SC2086
    req "${4:-POST}" "$2" $1 -H "$JSON" -d "$3"
}
field() { jq -r .error.field "$T/body"; }

# ---- org units ----
digest=$(db_digest_refusals) # the 403 below is audited
post "$AD" /api/v1/orgs '{"code":"XH","name":"西湖","level":"county"}'
check "a root unit by a scoped user: 403" test "$status $(jq -r .error.code "$T/body")" = "403 forbidden"
post "$AD" /api/v1/orgs '{"code":"XH","name":"西湖","level":"county","parent":"NB"}'
nb_msg=$(jq -c . "$T/body")
post "$AD" /api/v1/orgs '{"code":"XH","name":"西湖","level":"county","parent":"XX"}'
check "a parent of another subtree: 404 exactly like a missing one" \
    test "$status $(echo "$nb_msg" | sed 's/NB/XX/')" = "404 $(jq -c . "$T/body")"
post "$AD" /api/v1/orgs '{"code":"XH","level":"county","parent":"HZ"}'
check "no name: 400 naming it" test "$status $(field)" = "400 name"
post "$AD" /api/v1/orgs '{"code":"XH","name":"西湖","level":"city","parent":"HZ"}'
check "a level not below the parent's: 400 naming it" test "$status $(field)" = "400 level"
post "$AD" /api/v1/orgs '{"code":"X H","name":"西湖","level":"county","parent":"HZ"}'
check "a bad code: 400 naming it" test "$status $(field)" = "400 code"
post "$AD" /api/v1/orgs '{"code":"XH","name":"西湖","level":3,"parent":"HZ"}'
check "a level as a number: 400 naming it" test "$status $(field)" = "400 level"
# shellcheck disable=SC2086
req POST /api/v1/orgs $AD -H "$JSON" --data-binary @"$T/big"
check "a body over the limit: 413" test "$status" = 413
check "refusals changed nothing" test "$(db_digest_refusals)" = "$digest"
post "$AD" /api/v1/orgs '{"code":"XH","name":"西湖","level":"county","parent":"HZ"}'
check "a unit under the own subtree: 201" test \
    "$status $(jq -c '[.code, .name, .level, .parent]' "$T/body")" = '201 ["XH","西湖","county","HZ"]'
post "$AD" /api/v1/orgs '{"code":"XH","name":"西湖","level":"county","parent":"HZ"}'
check "the same code again: 409" test "$status $(jq -r .error.code "$T/body")" = "409 conflict"
post "$AG" /api/v1/orgs '{"code":"XH2","name":"西湖","level":"county","parent":"HZ"}'
check "a service agent may not change the org tree: 403" test "$status" = 403
post "$RO" /api/v1/orgs '{"code":"SH","name":"上海","level":"province"}'
check "a whole-tree user adds a root" test "$status $(jq -c .parent "$T/body")" = "201 null"

# ---- customers ----
digest=$(db_digest)
post "$AG" /api/v1/customers/$NBC '{"address":"x"}' PATCH
nb_msg=$(jq -c . "$T/body")
post "$AG" /api/v1/customers/1000009999 '{"address":"x"}' PATCH
check "another subtree's customer: 404 exactly like a missing one" \
    test "$status $(echo "$nb_msg" | sed "s/$NBC/1000009999/")" = "404 $(jq -c . "$T/body")"
post "$AG" /api/v1/customers/$HZC '{"user_type":5}' PATCH
check "a number for a text field: 400 naming it" test "$status $(field)" = "400 user_type"
post "$AG" /api/v1/customers/$HZC '{"adress":"x"}' PATCH
check "an unknown field: 400 naming it" test "$status $(field)" = "400 adress"
post "$AG" /api/v1/customers/$HZC '{"important":"yes"}' PATCH
check "important not a boolean: 400 naming it" test "$status $(field)" = "400 important"
post "$AG" /api/v1/customers/$HZC '{"user_type":"alien"}' PATCH
check "an unknown code: 400 naming it" test "$status $(field)" = "400 user_type"
post "$AG" /api/v1/customers/$HZC '{"org":"NB"}' PATCH
check "a move to another subtree: 404 for the org" test "$status $(field)" = "404 org"
post "$AG" /api/v1/customers/$HZC '{"status":"closed"}' PATCH
check "closing by PATCH: 400" test "$status" = 400
post "$AG" /api/v1/customers/$HZC '{"address":"x","effective_on":"2025-02-30"}' PATCH
check "a bad effective date: 400 naming it" test "$status $(field)" = "400 effective_on"
check "refusals changed nothing" test "$(db_digest)" = "$digest"
post "$AG" /api/v1/customers/$HZC '{"address":"杭州市新地址8号","important":true,"org":"XH"}' PATCH
check "the fields given change" test \
    "$status $(jq -c '[.address, .important, .org, .name]' "$T/body")" = \
    '200 ["杭州市新地址8号",true,"XH","张三"]'
check "in the history" test "$(sql "SELECT COUNT(*) FROM customer_history h JOIN customer c ON c.id = h.customer_id WHERE c.cust_no = '$HZC'")" -ge 3
post "$AG" /api/v1/customers/$HZC '{"address":"杭州市新地址8号"}' PATCH
check "nothing changed: 400" test "$status" = 400

# ---- accounts ----
acct() { post "$AG" /api/v1/accounts "$1"; }
acct "{\"cust_no\":\"$NBC\",\"tariff_code\":\"BJ-RES\",\"cycle_day\":15}"
check "another subtree's customer: 404" \
    test "$status $(jq -r .error.message "$T/body")" = "404 unknown customer '$NBC'"
acct "{\"cust_no\":\"$HZC\",\"tariff_code\":\"BJ-RES\"}"
check "no cycle day: 400 naming it" test "$status $(field)" = "400 cycle_day"
acct "{\"cust_no\":\"$HZC\",\"tariff_code\":\"BJ-RES\",\"cycle_day\":\"15\"}"
check "a cycle day as a string: 400 naming it" test "$status $(field)" = "400 cycle_day"
acct "{\"cust_no\":\"$HZC\",\"cycle_day\":15}"
check "no tariff: 400 naming it" test "$status $(field)" = "400 tariff_code"
digest=$(db_digest)
acct "{\"cust_no\":\"$HZC\",\"tariff_code\":\"NOPE\",\"cycle_day\":15}"
check "a tariff that is not loaded: 400 naming it, nothing added" \
    test "$status $(field) $(jq -r .error.message "$T/body")" = \
    "400 tariff_code unknown tariff 'NOPE': load it first ('pmis tariff load')"
check "...nothing added" test "$(db_digest)" = "$digest"
acct "{\"cust_no\":\"$HZC\",\"tariff_code\":\"BJ-RES\",\"cycle_day\":15,\"capacity_kva\":\"abc\"}"
check "a bad capacity: 400 naming it" test "$status $(field)" = "400 capacity_kva"
acct "{\"cust_no\":\"$HZC\",\"tariff_code\":\"BJ-RES\",\"cycle_day\":15,\"capacity_kva\":\"8.5\",\"opened_on\":\"2024-02-01\"}"
A1=$(jq -r .account_no "$T/body")
check "an account: 201, the capacity as a decimal string" test \
    "$status $(jq -c '[.cust_no, .tariff_code, .capacity_kva, .cycle_day, .status]' "$T/body")" = \
    "201 [\"$HZC\",\"BJ-RES\",\"8.5\",15,\"active\"]"

# ---- meters ----
meter() { post "$AG" /api/v1/meters "$1"; }
meter '{"asset_no":"M1","model":"DDZY71","phases":2}'
check "two phases: 400 naming it" test "$status $(field)" = "400 phases"
meter '{"asset_no":"M1","phases":1}'
check "no model: 400 naming it" test "$status $(field)" = "400 model"
meter '{"asset_no":"M1","model":"DDZY71","phases":1,"digits":"6"}'
check "digits as a string: 400 naming it" test "$status $(field)" = "400 digits"
meter '{"asset_no":"M1","model":"DDZY71","phases":1,"registers":"total,peak,valley"}'
check "a meter in stock: 201" test \
    "$status $(jq -c '[.asset_no, .status, .registers, .account_no]' "$T/body")" = \
    '201 ["M1","stock","total,peak,valley",null]'
meter '{"asset_no":"M2","model":"DDZY71","phases":1}'
meter '{"asset_no":"M1","model":"DDZY71","phases":1}'
check "the same asset number again: 409" test "$status $(jq -r .error.code "$T/body")" = "409 conflict"
inst() { post "$AG" "/api/v1/meters/$1/install" "$2"; }
digest=$(db_digest)
inst M1 '{"account":"100000000101"}'
check "on another subtree's account: 404 like a missing one" \
    test "$status $(jq -r .error.message "$T/body")" = "404 unknown account '100000000101'"
inst M1 "{\"account\":\"$A1\",\"reads\":{\"total\":12}}"
check "a reading as a number: 400 naming it" test "$status $(field)" = "400 reads"
inst M1 '{}'
check "nowhere to install: 400 naming account" test "$status $(field)" = "400 account"
inst NBM "{\"account\":\"$A1\"}"
check "another subtree's meter: 404 like a missing one" \
    test "$status $(jq -r .error.message "$T/body")" = "404 unknown meter 'NBM'"
check "refusals changed nothing" test "$(db_digest)" = "$digest"
inst M1 "{\"account\":\"$A1\",\"date\":\"2024-03-01\",\"reads\":{\"total\":\"10.5\",\"peak\":\"4\",\"valley\":\"6.5\"}}"
check "installed with its readings" test \
    "$status $(jq -c '[.status, .account_no, .installed_on]' "$T/body")" = \
    "200 [\"installed\",\"$A1\",\"2024-03-01\"]"
post "$AG" /api/v1/customers/$HZC/close '{}'
check "closing a customer with a meter installed: 409" \
    test "$status $(jq -r .error.code "$T/body")" = "409 conflict"
post "$AG" /api/v1/meters/M1/replace '{"new_meter":"M2","date":"2024-02-01"}'
check "a replacement before the installation: 400" test "$status" = 400
post "$AG" /api/v1/meters/NBM/replace '{"new_meter":"M2"}'
check "replacing another subtree's meter: 404" test "$status" = 404
post "$AG" /api/v1/meters/M1/replace '{"date":"2024-06-01"}'
check "no new meter: 400 naming it" test "$status $(field)" = "400 new_meter"
post "$AG" /api/v1/meters/M1/replace '{"new_meter":"M2","date":"2024-06-01","old_reads":{"total":"300"}}'
check "replaced: the new meter on the same account" test \
    "$status $(jq -c '[.asset_no, .account_no, .installed_on]' "$T/body")" = \
    "200 [\"M2\",\"$A1\",\"2024-06-01\"]"
post "$AG" /api/v1/meters/NBM/remove '{}'
check "removing another subtree's meter: 404" test "$status" = 404
post "$AG" /api/v1/meters/M1/remove '{}'
check "removing a meter not installed: 409" test "$status $(jq -r .error.code "$T/body")" = "409 conflict"
post "$AG" /api/v1/meters/M2/remove '{"date":"2024-09-01","reads":{"total":"99.5"}}'
check "removed" test "$status $(jq -c '[.status, .account_no]' "$T/body")" = '200 ["removed",null]'

# ---- closing customers ----
post "$AG" /api/v1/customers/$NBC/close '{}'
check "another subtree's customer: 404" test "$status" = 404
post "$AG" /api/v1/customers/$HZ2/close '{"date":"2024-13-01"}'
check "a bad date: 400 naming it" test "$status $(field)" = "400 date"
post "$AG" /api/v1/customers/$HZ2/close '{"date":"2024-06-30"}'
check "closed" test "$status $(jq -c '[.status, .closed_on]' "$T/body")" = '200 ["closed","2024-06-30"]'
post "$AG" /api/v1/customers/$HZ2 '{"address":"x"}' PATCH
check "a closed customer does not change: 409" test "$status" = 409

serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
srv_pid=""
done_testing
