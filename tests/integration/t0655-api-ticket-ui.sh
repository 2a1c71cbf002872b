#!/bin/sh
# What the web UI's service-centre pages read (issue 7): an order's "allowed" steps — the moves
# the state machine (ticket_move, assign, pause/resume, merge, reopen) permits from its current
# state, cut to the caller's permissions (a field crew neither dispatches nor merges) — and the
# server's "now"; each list item's SLA summary (state as the `sla` filter sees it, the running
# clock due first) with the list's "now"; and GET /tickets/taxonomy: the types with their
# subtypes, channels, severities, areas and complaint causes from the data lists.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

pw=Tq8vLm2xRw
NOW=2024-07-01T10:00:00+08:00
export PMIS_NOW=$NOW
"$PMIS" init --no-admin >/dev/null 2>&1 &&
    "$PMIS" calendar import "$PMIS_TOP/data/calendar/cn-2024.csv" >/dev/null &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    "$PMIS" customer add --cust-no 6500000001 --name 王一 --type resident --voltage 220V \
        --address 杭州市1号 --org HZ --phone 13812345678 --opened 2024-01-01 >/dev/null &&
    for u in agent:service_agent crew:field_crew aud:auditor; do
        echo "$pw" | "$PMIS" user add "${u%%:*}" --org HZ --roles "${u#*:}" --password-stdin \
            >/dev/null || exit 1
    done || { not_ok "set up"; done_testing; exit 1; }

serve_start PMIS_NOW="$NOW"
for u in agent crew aud; do
    login "$u" "$pw" "$u.jar"
    eval "$u=\"-b $T/$u.jar -H X-CSRF-Token:$csrf\""
done
post() { eval "a=\$$1"; shift; p="$1"; shift; req POST "$p" $a -H "$JSON" -d "$1"; }
get() { eval "a=\$$1"; req GET "$2" $a; }
j() { jq -c "$1" "$T/body"; }
allowed() { get "$1" "/api/v1/tickets/$2"; j .allowed; }

# ---- allowed steps along a complaint's loop ----
post agent /api/v1/tickets '{"type":"complaint","channel":"phone","area":"urban","cust_no":"6500000001","text":"营业员态度差"}'
check "intake: 201 with the allowed steps and the server's now" \
    test "$status $(j '[.allowed, .now]')" = '201 [["classify","pause","merge"],"2024-07-01T02:00:00Z"]'
check "接单: classify, pause, merge" test "$(allowed agent 1)" = '["classify","pause","merge"]'
check "an auditor (ticket:read only) is offered nothing" test "$(allowed aud 1)" = '[]'
check "a field crew may not merge" test "$(allowed crew 1)" = '["classify","pause"]'
post agent /api/v1/tickets/1/classify '{"subtype":"service"}'
check "分类: dispatch, pause, merge (a complaint is not answered directly)" \
    test "$(allowed agent 1)" = '["dispatch","pause","merge"]'
check "分类 for a field crew: pause only" test "$(allowed crew 1)" = '["pause"]'
post agent /api/v1/tickets/1/dispatch '{"org":"HZ","assignee":"crew"}'
check "派单: process, assign, pause, merge" test "$(allowed agent 1)" = '["process","assign","pause","merge"]'
check "派单 for the crew: process, pause" test "$(allowed crew 1)" = '["process","pause"]'
post crew /api/v1/tickets/1/process '{}'
post crew /api/v1/tickets/1/pause '{"note":"等客户"}'
check "处理, paused: respond, assign, resume, merge" \
    test "$(allowed agent 1)" = '["respond","assign","resume","merge"]'
post crew /api/v1/tickets/1/respond '{"note":"已联系"}'
check "响应: reply, assign, pause, merge" test "$(allowed agent 1)" = '["reply","assign","pause","merge"]'
post crew /api/v1/tickets/1/reply '{"note":"已答复"}'
check "反馈: review, pause, merge" test "$(allowed agent 1)" = '["review","pause","merge"]'
post agent /api/v1/tickets/1/review '{"note":"客户满意"}'
check "复核: archive, or back to process after a failed callback" \
    test "$(allowed agent 1)" = '["archive","process","pause","merge"]'
post agent /api/v1/tickets/1/archive '{}'
check "归档 within the reopen period: reopen" test "$(allowed agent 1)" = '["reopen"]'
check "every allowed step is taken by the API (the loop above)" test "$status" = 200

# a direct type (咨询) may be answered from 分类
post agent /api/v1/tickets '{"type":"consult","channel":"web","area":"urban","cust_no":"6500000001","text":"电价咨询"}'
post agent /api/v1/tickets/2/classify '{}'
check "咨询 at 分类: dispatch or reply" test "$(allowed agent 2)" = '["dispatch","reply","pause","merge"]'
post agent /api/v1/tickets '{"type":"consult","channel":"web","area":"urban","cust_no":"6500000001","text":"重复"}'
post agent /api/v1/tickets/3/merge '{"into":2}'
check "merged: nothing" test "$(allowed agent 3)" = '[]'

# ---- the list's SLA summary ----
get agent "/api/v1/tickets?limit=10"
check "the list says when it was computed" test "$(j .now)" = '"2024-07-01T02:00:00Z"'
check "each item's SLA: archived none, open ok with the clock due first, merged none" \
    test "$(j '[.items[] | [.id, .sla.state, .sla.metric, .sla.deadline_at]]')" = \
    '[[1,"none",null,null],[2,"ok","response","2024-07-01T04:00:00Z"],[3,"none",null,null]]'
serve_stop
serve_start PMIS_NOW=2024-07-01T11:40:00+08:00
login agent "$pw" agent2.jar
agent="-b $T/agent2.jar -H X-CSRF-Token:$csrf"
get agent "/api/v1/tickets?open=true"
check "past 80 % of the 2 h response time: warning" test "$(j '[.items[] | [.id, .sla.state]]')" = '[[2,"warning"]]'
get agent "/api/v1/tickets?sla=warning"
check "the summary agrees with the sla filter" test "$(j '[.items[].id]')" = '[2]'
post agent /api/v1/tickets/2/pause '{}'
get agent "/api/v1/tickets?open=true"
check "paused: paused" test "$(j '[.items[] | .sla.state]')" = '["paused"]'
serve_stop
serve_start PMIS_NOW=2024-07-01T13:00:00+08:00
login agent "$pw" agent3.jar
agent="-b $T/agent3.jar -H X-CSRF-Token:$csrf"
post agent /api/v1/tickets/2/resume '{}'
get agent "/api/v1/tickets?open=true"
check "resumed: the deadline moved by the 80 min paused, the warning (reached before) kept; warning" \
    test "$(j '[.items[] | [.sla.state, .sla.deadline_at, .sla.warn_at]]')" = \
    '[["warning","2024-07-01T05:20:00Z","2024-07-01T03:36:00Z"]]'
post agent /api/v1/tickets '{"type":"fault","channel":"phone","area":"urban","cust_no":"6500000001","text":"停电"}'
serve_stop
serve_start PMIS_NOW=2024-07-01T14:00:00+08:00
login agent "$pw" agent4.jar
agent="-b $T/agent4.jar -H X-CSRF-Token:$csrf"
get agent "/api/v1/tickets?type=fault"
check "a repair call past its 45 min arrival: breached, arrival due first" \
    test "$(j '[.items[] | [.sla.state, .sla.metric, .sla.deadline_at]]')" = '[["breached","arrival","2024-07-01T05:45:00Z"]]'

# ---- the taxonomy ----
get agent /api/v1/tickets/taxonomy
check "taxonomy: 200, the seven types in order" \
    test "$status $(j '[.types[].code]')" = '200 ["consult","fault","complaint","report","suggestion","praise","service"]'
check "complaint subtypes with both names" \
    test "$(j '[.types[] | select(.code == "complaint") | .subtypes[] | .code + "=" + .name_zh] | join(",")')" = \
    '"service=服务投诉,business=营业投诉,outage=停送电投诉,quality=供电质量投诉,grid=电网建设投诉"'
check "direct types marked" test "$(j '[.types[] | select(.direct) | .code]')" = '["consult","suggestion","praise"]'
check "channels, severities and areas from the code lists" \
    test "$(j '[[.channels[].code], [.severities[].code], [.areas[].code], (.areas[0] | .name_en)]')" = \
    '[["phone","web","app","wechat","counter"],["general","important","major","special"],["urban","rural","remote"],"Urban"]'
check "complaint causes" test "$(j '.causes | length')" -ge 10
req GET /api/v1/tickets/taxonomy
check "taxonomy without a session: 401" test "$status" = 401
serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
srv_pid=""
done_testing
