#!/bin/sh
# pmis sla add|list|show, ticket-type add|list|show, escalation ack|resolve: the service
# centre's rules as versioned data. A policy change is a new version that retires the old one;
# the running clocks keep their deadlines (also across the order's next move) and new orders get
# the new one. Type changes are versions too. Every change is audited; bad input is refused
# naming the problem and changes nothing. The supervisor's queue is acknowledged, then resolved.
. "$PMIS_TOP/tests/integration/lib.sh"

export PMIS_NOW=2024-07-01T10:00:00+08:00
"$PMIS" init >/dev/null 2>&1 &&
    "$PMIS" calendar import "$PMIS_TOP/data/calendar/cn-2024.csv" >/dev/null &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" customer add --cust-no 6120000001 --name 王一 --type resident --voltage 220V \
        --address 杭州市1号 --org ZJ >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }
deadline() { # ORDER METRIC: the deadline of the order's current clock
    "$PMIS" --json ticket show "$1" | jq -r --arg m "$2" \
        '. as $t | .clocks[] | select(.metric == $m and .round == $t.round) | .deadline_at'
}

# ---- SLA policies ----
expect_ok "sla list" sla list
check "lists the seeded urban arrival policy" out_has '^5 +v1 +arrival +fault +\* +\* +urban +natural +45 accepted +-> responded +warn +80%'
"$PMIS" ticket add --type fault --channel phone --area urban --cust 6120000001 --text 停电 >/dev/null
check "order 1 arrives by 10:45" test "$(deadline 1 arrival)" = "2024-07-01T10:45:00+08:00"
digest=$(db_digest)
expect_fail "an unknown metric" 65 "metric" sla add --metric speed --type fault --clock natural \
    --amount 30 --start accepted --stop responded --source x
expect_fail "an unknown type" 65 "unknown work order type 'repair'" sla add --metric arrival \
    --type repair --clock natural --amount 30 --start accepted --stop responded --source x
expect_fail "an unknown clock" 65 "natural" sla add --metric arrival --type fault --clock lunar \
    --amount 30 --start accepted --stop responded --source x
expect_fail "a zero amount" 64 "--amount is required" sla add --metric arrival --type fault \
    --clock natural --amount 0 --start accepted --stop responded --source x
expect_fail "a negative amount" 65 "amount must be from 1" sla add --metric arrival --type fault \
    --clock natural --amount -5 --start accepted --stop responded --source x
expect_fail "a bad window" 65 "" sla add --metric arrival --type fault --clock work_minutes \
    --amount 30 --hours 18:00-09:00 --start accepted --stop responded --source x
expect_fail "stop before start" 65 "must stop in a later state" sla add --metric arrival \
    --type fault --clock natural --amount 30 --start responded --stop accepted --source x
expect_fail "an unknown state" 65 "unknown work order state 'done'" sla add --metric arrival \
    --type fault --clock natural --amount 30 --start accepted --stop done --source x
expect_fail "a warning share over 100" 65 "warning share" sla add --metric arrival --type fault \
    --clock natural --amount 30 --start accepted --stop responded --warn 120 --source x
expect_fail "no source" 65 "names its source" sla add --metric arrival --type fault \
    --clock natural --amount 30 --start accepted --stop responded
check "refused policies changed nothing" test "$(db_digest)" = "$digest"
expect_ok "a new version of the urban arrival policy" sla add --metric arrival --type fault \
    --area urban --clock natural --amount 30 --start accepted --stop responded \
    --source "省公司承诺: 城区 30 分钟"
check "says so" out_is "SLA policy 16 added (version 2, the previous version retired)"
expect_ok "sla show 16" --json sla show 16
check "version 2 replaces policy 5" \
    test "$(jq -c '[.version, .replaces, .active, .amount, .created_by]' "$T/out")" = '[2,5,true,30,"tester"]'
run sla list
check "only the new version is in force" not out_has '^5 '
run sla list --all
check "--all shows the retired version" out_has '^5 +v1 .*\(retired\)'
check "the change is audited" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'sla.policy.add' AND entity_key = '16' AND detail = 'version 2'")" = 1
check "order 1 keeps its running deadline" test "$(deadline 1 arrival)" = "2024-07-01T10:45:00+08:00"
"$PMIS" ticket move 1 classified >/dev/null
check "also after its next move" test "$(deadline 1 arrival)" = "2024-07-01T10:45:00+08:00"
"$PMIS" ticket add --type fault --channel phone --area urban --cust 6120000001 --text 又停电 >/dev/null
check "a new order gets 30 minutes" test "$(deadline 2 arrival)" = "2024-07-01T10:30:00+08:00"
expect_ok "a policy for a new subtype-specific case" sla add --metric complete --type service \
    --subtype appliance --clock work_days --amount 7 --start accepted --stop replied \
    --source "电器损坏 7 个工作日"
check "is version 1" out_has "version 1\)$"

# ---- work-order types ----
digest=$(db_digest)
expect_fail "a bad type code" 65 "type code" ticket-type add 'Bad Type' --name-zh x --name-en x
expect_fail "a subtype of an unknown type" 65 "unknown work order type 'nosuch'" \
    ticket-type add nosuch/x --name-zh x --name-en x
expect_fail "a new type without names" 65 "needs name_zh and name_en" ticket-type add outage_info
expect_fail "--direct maybe" 64 "--direct is yes or no" ticket-type add consult --direct maybe
expect_fail "a negative reopen period" 64 "0 or more" ticket-type add consult --reopen-days -3
expect_fail "a change that changes nothing" 67 "nothing changes" ticket-type add consult --reopen-days 7
check "refused type changes changed nothing" test "$(db_digest)" = "$digest"
expect_ok "a new subtype" ticket-type add complaint/price --name-zh 电价电费投诉 --name-en "Price complaint"
check "version 1" out_is "work order type complaint/price: version 1"
expect_ok "changed: repeat window" ticket-type add complaint/price --repeat-days 60
check "version 2" out_is "work order type complaint/price: version 2"
expect_ok "ticket-type show" --json ticket-type show complaint/price
check "both versions with who and when" \
    test "$(jq -c '[.[] | [.version, .repeat_days, .changed_by, .changed_at]]' "$T/out")" = '[[1,0,"tester","2024-07-01T10:00:00+08:00"],[2,60,"tester","2024-07-01T10:00:00+08:00"]]'
expect_ok "ticket-type list" ticket-type list
check "lists it" out_has '^complaint +price +v2 +电价电费投诉'
check "type changes are audited" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'ticket.type.set' AND entity_key = 'complaint/price'")" = 2
expect_ok "a complaint of the new subtype" ticket add --type complaint --subtype price \
    --channel phone --area urban --cust 6120000001 --text 电价太高
expect_fail "ticket-type show of an unknown type" 66 "no work order type 'nosuch'" ticket-type show nosuch

# ---- list filters ----
run ticket list --sla ok --assignee nobody
check "ticket list --sla --assignee: none assigned" out_is ""
PMIS_NOW=2024-07-01T10:40:00+08:00 "$PMIS" ticket list --sla warning --org ZJ >"$T/out"
check "ticket list --sla warning at 10:40: order 1 (due 10:45)" test "$(cut -d' ' -f1 "$T/out" | tr '\n' ' ')" = "1 "
expect_fail "ticket list --sla late" 65 "unknown SLA state 'late'" ticket list --sla late

# ---- the supervisor's queue ----
PMIS_NOW=2024-07-01T12:00:00+08:00 "$PMIS" ticket sla >/dev/null
expect_ok "the queue" --json ticket escalations
check "order 1's and 2's arrivals" test "$(jq -c '[.[] | [.id, .ticket, .metric, .status]]' "$T/out")" = '[[1,1,"arrival","open"],[2,2,"arrival","open"]]'
digest=$(db_digest)
expect_fail "ack without a note" 64 "--note is required" escalation ack 1
expect_fail "ack with a blank note" 65 "a note is required" escalation ack 1 --note "  "
expect_fail "an unknown escalation" 66 "no escalation 9" escalation ack 9 --note x
check "refusals changed nothing" test "$(db_digest)" = "$digest"
expect_ok "acknowledge" escalation ack 1 --note 已督办抢修班
check "acknowledged" out_is "escalation 1 (work order 1, arrival): acknowledged"
expect_fail "acknowledge twice" 67 "escalation 1 is acknowledged" escalation ack 1 --note x
expect_ok "resolve" escalation resolve 1 --note 已到达现场
expect_fail "resolve twice" 67 "escalation 1 is resolved" escalation resolve 1 --note x
expect_ok "resolve an open one directly" escalation resolve 2 --note 已处理
run --json ticket escalations
check "the queue is empty" out_is '[]'
run --json ticket escalations --all
check "--all keeps the history" \
    test "$(jq -c '[.[] | [.status, .acked_by, .resolve_note]]' "$T/out")" = '[["resolved","tester","已到达现场"],["resolved",null,"已处理"]]'
run ticket show 1
check "the order's history records both steps" out_has 'escalation.ack +processing|escalation.ack +classified' 
check "audited" test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'ticket.escalation.%'")" = 3
done_testing
