#!/bin/sh
# The service centre over HTTP (issue 6): a complaint's full closed loop through the API (intake
# by phone blind index, repeat flag, classify, dispatch, process, respond, reply, review, root
# causes, archive, reopen, merge, pause and resume), illegal steps answered 409 with the error
# shape and nothing changed, bad input 400 naming the field and changing nothing, permissions
# (403) and org scope (another subtree's order, customer and outage answer 404), list filters
# and keyset pages, outages (publish, lookup for a caller, repair calls grouped, close), the
# supervisor's queue (acknowledge, resolve), SLA compliance and the complaint rate.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

pw=Tq8vLm2xRw
NOW=2024-07-01T10:00:00+08:00
export PMIS_NOW=$NOW
"$PMIS" init --no-admin >/dev/null 2>&1 &&
    "$PMIS" calendar import "$PMIS_TOP/data/calendar/cn-2024.csv" >/dev/null &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    "$PMIS" org add NB --name 宁波 --level city --parent ZJ >/dev/null &&
    "$PMIS" customer add --cust-no 6500000001 --name 王一 --type resident --voltage 220V \
        --address 杭州市1号 --org HZ --phone 13812345678 --opened 2024-01-01 >/dev/null &&
    "$PMIS" customer add --cust-no 6500000002 --name 王二 --type resident --voltage 220V \
        --address 杭州市1号 --org HZ --opened 2024-01-01 >/dev/null &&
    "$PMIS" customer add --cust-no 6500000009 --name 李九 --type resident --voltage 220V \
        --address 宁波市9号 --org NB --phone 13900009999 --opened 2024-01-01 >/dev/null &&
    for u in agent:service_agent:HZ crew:field_crew:HZ boss:manager:HZ nbagent:service_agent:NB \
        aud:auditor:HZ; do
        IFS=: read -r name role org <<END
$u
END
        echo "$pw" | "$PMIS" user add "$name" --org "$org" --roles "$role" --password-stdin \
            >/dev/null || exit 1
    done || { not_ok "set up"; done_testing; exit 1; }

start() {
    serve_start PMIS_NOW="$1"
    for u in agent crew boss nbagent aud; do
        login "$u" "$pw" "$u.jar"
        eval "$u=\"-b $T/$u.jar -H X-CSRF-Token:$csrf\""
    done
}
start "$NOW"
# post USER PATH BODY
post() { eval "a=\$$1"; shift; p="$1"; shift; req POST "$p" $a -H "$JSON" -d "$1"; }
get() { eval "a=\$$1"; req GET "$2" $a; }
j() { jq -c "$1" "$T/body"; }

# ---- intake ----
post agent /api/v1/tickets '{"type":"complaint","subtype":"service","channel":"phone","area":"urban","phone":"138-1234-5678","text":"营业员态度差"}'
check "a complaint by phone (blind index): 201" test "$status" = 201
check "linked to the caller, accepted, not a repeat" \
    test "$(j '[.id, .cust_no, .state, .state_name, .org, .repeat]')" = '[1,"6500000001","accepted","接单","HZ",false]'
check "its clocks: contact in 24 h, reply in 5 working days" \
    test "$(j '[.clocks[] | [.metric, .deadline_at, .state]]')" = '[["contact","2024-07-02T02:00:00Z","ok"],["reply","2024-07-08T15:59:59Z","ok"]]' \
    -o "$(j '[.clocks[] | .metric]')" = '["contact","reply"]'
check "intake event" test "$(j '[.events[] | [.actor, .action, .to]]')" = '[["agent","create","accepted"]]'
post agent /api/v1/tickets '{"type":"complaint","channel":"web","area":"urban","cust_no":"6500000002","text":"同一地址再次投诉"}'
check "same address within 30 days: flagged a repeat of order 1" \
    test "$status $(j '[.id, .repeat, .repeat_of.id, .repeat_of.basis]')" = '201 [2,true,1,"address"]'
post agent /api/v1/tickets '{"type":"report","channel":"web","area":"rural","org":"HZ","text":"有人窃电"}'
check "anonymous with an org: 201, no customer" test "$status $(j '[.id, .cust_no]')" = '201 [3,null]'

# ---- bad input: 400 naming the field, nothing changes ----
digest=$(db_digest)
bad() { # DESC STATUS CODE FIELD PATH BODY
    post agent "$5" "$6"
    if [ "$status $(j '[.error.code, .error.field]')" = "$2 [\"$3\",$4]" ]; then ok "$1"
    else not_ok "$1 (got $status $(cat "$T/body"))"; fi
}
bad "an unknown field" 400 invalid '"colour"' /api/v1/tickets '{"type":"consult","channel":"phone","area":"urban","org":"HZ","text":"x","colour":"red"}'
bad "no type" 400 invalid '"type"' /api/v1/tickets '{"channel":"phone","area":"urban","org":"HZ","text":"x"}'
bad "an unknown type" 400 invalid '"type"' /api/v1/tickets '{"type":"repair","channel":"phone","area":"urban","org":"HZ","text":"x"}'
bad "an unknown channel" 400 invalid '"channel"' /api/v1/tickets '{"type":"consult","channel":"fax","area":"urban","org":"HZ","text":"x"}'
bad "empty text" 400 invalid '"text"' /api/v1/tickets '{"type":"consult","channel":"phone","area":"urban","org":"HZ","text":"  "}'
bad "a number for text" 400 invalid '"text"' /api/v1/tickets '{"type":"consult","channel":"phone","area":"urban","org":"HZ","text":5}'
bad "anonymous without an org" 400 invalid '"org"' /api/v1/tickets '{"type":"consult","channel":"phone","area":"urban","text":"x"}'
bad "cust_no and phone" 400 invalid '"phone"' /api/v1/tickets '{"type":"consult","channel":"phone","area":"urban","cust_no":"6500000001","phone":"13812345678","text":"x"}'
bad "an unknown customer" 404 not_found null /api/v1/tickets '{"type":"consult","channel":"phone","area":"urban","cust_no":"6599999999","text":"x"}'
bad "another subtree's customer" 404 not_found null /api/v1/tickets '{"type":"consult","channel":"phone","area":"urban","cust_no":"6500000009","text":"x"}'
bad "another subtree's caller by phone" 404 not_found null /api/v1/tickets '{"type":"consult","channel":"phone","area":"urban","phone":"13900009999","text":"x"}'
bad "a bad severity at classification" 400 invalid '"severity"' /api/v1/tickets/1/classify '{"severity":"huge"}'
bad "a bad subtype at classification" 400 invalid '"subtype"' /api/v1/tickets/1/classify '{"subtype":"price"}'
bad "merge into itself" 400 invalid '"into"' /api/v1/tickets/1/merge '{"into":1}'
bad "merge without into" 400 invalid '"into"' /api/v1/tickets/1/merge '{}'
bad "an unknown cause" 400 invalid '"add"' /api/v1/tickets/1/causes '{"add":["weather"]}'
get agent "/api/v1/tickets?state=closed"
check "a list filter with a bad state: 400" test "$status $(j .error.field)" = '400 "state"'
get agent "/api/v1/tickets?sla=late"
check "a list filter with a bad SLA state: 400" test "$status $(j .error.field)" = '400 "sla"'
get agent "/api/v1/tickets?from=2024-13-01"
check "a list filter with a bad date: 400" test "$status $(j .error.field)" = '400 "from"'
req POST /api/v1/tickets $agent -H "$JSON" -d '{"type":'
check "malformed JSON: 400" test "$status $(j .error.code)" = '400 "invalid"'
check "refused requests changed nothing" test "$(db_digest)" = "$digest"

# ---- the closed loop, with illegal steps refused ----
expect "archive before anything: 409 naming the allowed next state" 409 \
    '{"error":{"code":"conflict","message":"work order 1 is 接单 (accepted): it cannot move to '"'"'archived'"'"'; allowed next: classified"}}' \
    POST /api/v1/tickets/1/archive $agent -H "$JSON" -d '{}'
post agent /api/v1/tickets/1/classify '{"severity":"important","note":"服务态度类"}'
check "classify: 200 classified" test "$status $(j '[.state, .severity]')" = '200 ["classified","important"]'
post crew /api/v1/tickets/1/dispatch '{"org":"HZ","assignee":"crew"}'
check "a field crew may not dispatch: 403" test "$status $(j .error.code)" = '403 "forbidden"'
post agent /api/v1/tickets/1/dispatch '{"org":"NB"}'
check "dispatch to another subtree's unit: 404 naming org" test "$status $(j .error.field)" = '404 "org"'
post agent /api/v1/tickets/1/dispatch '{"org":"HZ","assignee":"crew","note":"请处理"}'
check "dispatch: 200 to the crew" test "$status $(j '[.state, .assignee]')" = '200 ["dispatched","crew"]'
post aud /api/v1/tickets/1/process '{}'
check "an auditor may not work an order: 403" test "$status" = 403
digest=$(db_digest)
post crew /api/v1/tickets/1/reply '{"note":"已答复"}'
check "reply before processing: 409" test "$status $(j .error.code)" = '409 "conflict"'
post crew /api/v1/tickets/1/respond '{}'
check "respond before processing: 409" test "$status $(j .error.code)" = '409 "conflict"'
post crew /api/v1/tickets/1/reopen '{}'
check "reopen an open order: 409" test "$status $(j .error.code)" = '409 "conflict"'
post crew /api/v1/tickets/1/resume '{}'
check "resume without a pause: 409" test "$status $(j .error.code)" = '409 "conflict"'
check "illegal steps changed nothing" test "$(db_digest)" = "$digest"
post crew /api/v1/tickets/1/process '{"note":"开始处理"}'
check "process: 200" test "$status $(j .state)" = '200 "processing"'
post crew /api/v1/tickets/1/pause '{"note":"等待客户回电"}'
check "pause: 200, paused" test "$status $(j .paused)" = '200 true'
get crew /api/v1/tickets/1
check "paused clocks have no deadline" test "$(j '[.clocks[] | select(.stopped_at == null) | .state] | unique')" = '["paused"]'
post crew /api/v1/tickets/1/resume '{"note":"客户已回电"}'
check "resume: 200" test "$status $(j .paused)" = '200 false'
post crew /api/v1/tickets/1/respond '{"note":"已联系客户"}'
check "respond (响应): 200" test "$status $(j .state)" = '200 "responded"'
post crew /api/v1/tickets/1/reply '{}'
check "a complaint's reply needs a note: 409" test "$status $(j .error.code)" = '409 "conflict"'
post crew /api/v1/tickets/1/reply '{"note":"已向客户致歉并说明整改"}'
check "reply (反馈): 200" test "$status $(j .state)" = '200 "replied"'
post agent /api/v1/tickets/1/review '{"note":"客户表示满意"}'
check "review (复核): 200" test "$status $(j .state)" = '200 "reviewed"'
post agent /api/v1/tickets/1/causes '{"add":["attitude","process"]}'
check "root causes tagged" test "$status $(j '[.causes[].code]')" = '200 ["attitude","process"]'
post agent /api/v1/tickets/1/archive '{"note":"归档"}'
check "archive (归档): 200" test "$status $(j '[.state, .archived_at]')" = '200 ["archived","2024-07-01T02:00:00Z"]'
get aud /api/v1/tickets/1
check "an auditor reads it: the whole history" \
    test "$status $(j '[.events[] | .action + ":" + .to] | join(" ")')" = '200 "create:accepted move:classified move:dispatched move:processing pause:processing resume:processing move:responded move:replied move:reviewed tag:reviewed move:archived"'
check "its clocks stopped on time" test "$(j '[.clocks[] | .state] | unique')" = '["met"]'
check "every step audited" test "$(sql "SELECT COUNT(*) FROM audit_log WHERE entity = 'ticket' AND entity_key = '1'")" -ge 10
post agent /api/v1/tickets/1/reopen '{"note":"客户再次来电"}'
check "reopen within 30 days: processing, round 2" test "$status $(j '[.state, .round]')" = '200 ["processing",2]'
post agent /api/v1/tickets/2/merge '{"into":1,"note":"重复投诉"}'
check "merge the repeat into order 1" test "$status $(j '[.state, .merged_into]')" = '200 ["merged",1]'
post agent /api/v1/tickets/2/classify '{}'
check "a merged order moves no more: 409" test "$status" = 409

# ---- scope ----
for p in /api/v1/tickets/1 /api/v1/tickets/99; do
    get nbagent "$p"
    check "GET $p from another subtree: 404" test "$status $(j .error.code)" = '404 "not_found"'
done
post nbagent /api/v1/tickets/3/classify '{}'
check "another subtree's order is not classified: 404" test "$status" = 404
post nbagent /api/v1/tickets/2/merge '{"into":1}'
check "nor merged: 404" test "$status" = 404
get nbagent /api/v1/tickets
check "another subtree lists none" test "$status $(j '.items | length')" = '200 0'
get agent "/api/v1/tickets?org=NB"
check "a filter on another subtree's unit: 404 naming org" test "$status $(j .error.field)" = '404 "org"'

# ---- list filters and pages ----
get agent "/api/v1/tickets?limit=2"
check "a page of 2 and the next key" test "$status $(j '[[.items[].id], .next]')" = '200 [[1,2],2]'
get agent "/api/v1/tickets?limit=2&after=2"
check "the last page" test "$(j '[[.items[].id], .next]')" = '[[3],null]'
get agent "/api/v1/tickets?type=complaint&state=processing&assignee=crew&org=HZ&from=2024-07-01&to=2024-07-01"
check "filters: type, state, assignee, org, period" test "$(j '[.items[].id]')" = '[1]'
get agent "/api/v1/tickets?from=2024-07-02"
check "a later period: none" test "$(j '[.items[].id]')" = '[]'
get agent "/api/v1/tickets?sla=ok&open=true"
check "SLA state ok" test "$(j '[.items[].id]')" = '[1,3]'
serve_stop
start 2024-07-02T12:00:00+08:00
get agent "/api/v1/tickets?sla=breached"
check "a day later: the report's 2-hour response and order 1's new contact round are breached" \
    test "$(j '[.items[].id]')" = '[1,3]'
get agent "/api/v1/tickets?sla=warning"
check "none in warning" test "$(j '[.items[].id]')" = '[]'

# ---- the supervisor's queue ----
PMIS_NOW=2024-07-02T12:00:00+08:00 "$PMIS" ticket sla >/dev/null
get boss /api/v1/tickets/escalations
check "the queue: order 3's response and order 1's new contact round" \
    test "$status $(j '[.items[] | [.ticket, .metric, .status]]')" = '200 [[3,"response","open"],[1,"contact","open"]]'
esc=$(j '.items[0].id')
post boss "/api/v1/escalations/$esc/resolve" '{}'
check "resolve needs a note: 400" test "$status $(j .error.field)" = '400 "note"'
post agent "/api/v1/escalations/$esc/acknowledge" '{"note":"x"}'
check "an agent may not supervise: 403" test "$status" = 403
post boss "/api/v1/escalations/$esc/acknowledge" '{"note":"已督办"}'
check "acknowledge: 200" test "$status $(j '[.status, .acked_by, .ack_note]')" = '200 ["acknowledged","boss","已督办"]'
post boss "/api/v1/escalations/$esc/acknowledge" '{"note":"again"}'
check "acknowledge twice: 409" test "$status $(j .error.code)" = '409 "conflict"'
post boss "/api/v1/escalations/$esc/resolve" '{"note":"已处理完毕"}'
check "resolve: 200" test "$status $(j '[.status, .resolved_by]')" = '200 ["resolved","boss"]'
get boss /api/v1/tickets/escalations
check "resolved items leave the queue" test "$(j '[.items[].ticket]')" = '[1]' 
get boss "/api/v1/tickets/escalations?all=true"
check "all=true shows them" test "$(j '.items | length')" = 2
post nbagent "/api/v1/escalations/$esc/resolve" '{"note":"x"}'
check "another subtree's escalation: 403 (no permission)" test "$status" = 403

# ---- reports ----
get boss "/api/v1/sla/compliance?period=2024-07&by=org"
check "SLA compliance by org" test "$status $(j '[.items[] | [.key, .met, .missed]]')" = '200 [["HZ",2,2],["total",2,2]]'
get boss "/api/v1/sla/compliance?period=2024-13"
check "a bad period: 400" test "$status $(j .error.field)" = '400 "period"'
get boss "/api/v1/sla/compliance?from=2024-06&to=2024-08&by=org"
check "a range of months: the same clocks (all started in July), from and to in the reply" \
    test "$status $(j '[.period, .from, .to, [.items[] | [.key, .met, .missed]]]')" = '200 ["2024-06..2024-08","2024-06","2024-08",[["HZ",2,2],["total",2,2]]]'
get boss "/api/v1/sla/compliance?from=2024-05&to=2024-08&by=month"
check "by month: a row per month (empty ones too), then the total" \
    test "$status $(j '[.period, [.items[] | [.key, .clocks, .met, .missed]]]')" = '200 ["2024-05..2024-08",[["2024-05",0,0,0],["2024-06",0,0,0],["2024-07",5,2,2],["2024-08",0,0,0],["total",5,2,2]]]'
get boss "/api/v1/sla/compliance?from=2024-12&to=2025-01&by=month"
check "by month across a year end" test "$status $(j '[.items[] | .key]')" = '200 ["2024-12","2025-01","total"]'
check "by=month answers by month" test "$(j .by)" = '"month"'
get boss "/api/v1/sla/compliance?from=2024-06&to=2024-08&by=month,org"
check "by=month,org: each month a row per org of the caller's subtree with clocks in the range, then the total" \
    test "$status $(j '[.by, [.items[] | [.month, .key, .clocks, .met, .missed, .pending]]]')" = \
    '200 ["month,org",[["2024-06","HZ",0,0,0,0],["2024-07","HZ",5,2,2,1],["2024-08","HZ",0,0,0,0],[null,"total",5,2,2,1]]]'
get boss "/api/v1/sla/compliance?period=2024-07&by=week"
check "by=week: 400 naming by" test "$status $(j .error.field)" = '400 "by"'
for bad in "month,month:gives month twice" "org,type:only month combines" "month,org,type:more than two" "month,week:'week' is not a grouping"; do
    get boss "/api/v1/sla/compliance?period=2024-07&by=${bad%%:*}"
    check "by=${bad%%:*}: 400 naming by and the problem" test "$status $(j .error.field) $(j .error.message | grep -c "query parameter 'by': .*${bad#*:}")" = '400 "by" 1'
done
get boss "/api/v1/sla/compliance?from=2024-08&to=2024-08&by=org"
check "a month without clocks: only the total, empty" test "$status $(j '[.items[] | [.key, .clocks]]')" = '200 [["total",0]]'
for bad in "from=2024-08&to=2024-06:from" "from=2024-06:to" "from=2014-01&to=2024-06:to" "from=2024-6&to=2024-07:from"; do
    get boss "/api/v1/sla/compliance?${bad%:*}"
    check "compliance ${bad%:*}: 400 naming ${bad##*:}" test "$status $(j .error.field)" = "400 \"${bad##*:}\""
done
get boss "/api/v1/complaints/rate?period=2024-07"
check "complaint rate of the own subtree: 1 complaint among 2 customers" \
    test "$status $(j '[.items[0] | .org, .complaints, .customers, .per_10k]')" = '200 ["HZ",1,2,"5000.00"]'
get agent "/api/v1/complaints/rate?period=2024-07"
check "an agent lacks report:read: 403" test "$status" = 403

# ---- outages ----
post crew /api/v1/outages '{"kind":"fault","org":"HZ","from":"2024-07-02 11:30","reason":"线路故障"}'
check "a crew may not publish outages: 403" test "$status" = 403
post boss /api/v1/outages '{"kind":"fault","org":"NB","from":"2024-07-02 11:30","reason":"线路故障"}'
check "another subtree's area: 404" test "$status" = 404
post boss /api/v1/outages '{"kind":"planned","org":"HZ","from":"2024-07-03 08:00","to":"2024-07-03 18:00","reason":"检修"}'
check "a planned outage announced a day ahead: 409" test "$status $(j .error.code)" = '409 "conflict"'
post boss /api/v1/outages '{"kind":"fault","org":"HZ","from":"2024-07-02T25:00","reason":"x"}'
check "a bad time: 400 naming from" test "$status $(j .error.field)" = '400 "from"'
post boss /api/v1/outages '{"kind":"fault","org":"HZ","from":"2024-07-02 11:30","to":"2024-07-02 16:00","reason":"10kV线路故障"}'
check "a fault outage of HZ: 201, 2 customers" test "$status $(j '[.kind, .state, .affected]')" = '201 ["fault","active",2]'
oid=$(j .id)
get agent "/api/v1/outages/lookup?phone=13812345678"
check "a caller by phone is told of the outage" test "$status $(j '[.affected, .items[0].id, .items[0].reason]')" = "200 [true,$oid,\"10kV线路故障\"]"
get agent "/api/v1/outages/lookup?cust_no=6500000009"
check "another subtree's caller: 404" test "$status" = 404
get nbagent "/api/v1/outages/lookup?cust_no=6500000009"
check "an unaffected caller: no outage" test "$status $(j '[.affected, .items]')" = '200 [false,[]]'
get agent "/api/v1/outages/lookup"
check "lookup without a caller: 400" test "$status" = 400
get nbagent "/api/v1/outages/$oid"
check "another subtree's outage: 404" test "$status" = 404
post agent /api/v1/tickets '{"type":"fault","channel":"phone","area":"urban","cust_no":"6500000002","text":"停电了"}'
check "a repair call from an affected customer is grouped under the outage" \
    test "$status $(j '[.outage.id, .outage.state]')" = "201 [$oid,\"active\"]"
check "and answered with the outages affecting the caller (affected_by)" \
    test "$(j '[.affected_by[] | [.id, .kind, .state, .reason]]')" = "[[$oid,\"fault\",\"active\",\"10kV线路故障\"]]"
post agent /api/v1/tickets '{"type":"consult","channel":"phone","area":"urban","cust_no":"6500000001","text":"什么时候来电"}'
check "any call from an affected customer is answered with it, not grouped" \
    test "$status $(j '[.outage, [.affected_by[].id]]')" = "201 [null,[$oid]]"
post agent /api/v1/tickets '{"type":"consult","channel":"phone","area":"urban","org":"HZ","text":"停电了吗"}'
check "an anonymous call: affected_by empty" test "$status $(j '.affected_by')" = "201 []"
get agent "/api/v1/outages/lookup?account=650000000999"
check "lookup by an unknown account: 404 naming it" test "$status $(j .error.field)" = '404 "account"'
get agent "/api/v1/outages/lookup?cust_no=6500000001&account=650000000101"
check "lookup by two callers: 400" test "$status $(j .error.field)" = '400 "account"'
get agent "/api/v1/outages/$oid/customers"
check "its customers" test "$status $(j '[.items[].cust_no]')" = '200 ["6500000001","6500000002"]'
get agent "/api/v1/outages?state=active"
check "listed" test "$status $(j '[.items[].id]')" = "200 [$oid]"
post boss "/api/v1/outages/$oid/close" '{"note":"已恢复送电"}'
check "close: 200, its repair order archived" test "$status $(j '[.state, .resolved_tickets]')" = '200 ["closed",1]'
post boss "/api/v1/outages/$oid/close" '{}'
check "close twice: 409" test "$status" = 409

# ---- compliance by month and org across a year end, the caller's subtree only ----
PMIS_NOW=2024-12-31T10:00:00+08:00 "$PMIS" ticket add --type consult --channel phone --area urban \
    --cust 6500000009 --text 年末咨询 >/dev/null
PMIS_NOW=2025-01-02T10:00:00+08:00 "$PMIS" ticket add --type consult --channel phone --area urban \
    --cust 6500000001 --text 年初咨询 >/dev/null
get boss "/api/v1/sla/compliance?from=2024-12&to=2025-01&by=org,month"
check "org,month reads as month,org: 杭州's months only (宁波's order is outside boss's subtree)" \
    test "$status $(j '[.by, [.items[] | [.month, .key, .clocks]]]')" = \
    '200 ["month,org",[["2024-12","HZ",0],["2025-01","HZ",1],[null,"total",1]]]'
run --json ticket compliance --from 2024-12 --to 2025-01 --by month,org
check "the whole tree (CLI): both orgs in both months" \
    test "$(jq -c '[.[] | [.month, .key, .clocks]]' "$T/out")" = \
    '[["2024-12","HZ",0],["2024-12","NB",1],["2025-01","HZ",1],["2025-01","NB",0],[null,"total",2]]'
serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
srv_pid=""
done_testing
