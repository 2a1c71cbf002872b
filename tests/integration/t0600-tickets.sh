#!/bin/sh
# pmis ticket: 95598 work orders (工单) and their SLA clocks. Intake linked by 户号, by phone
# blind index or anonymous; the golden deadlines of cn-tariff-rules.md §7.5 (S1 urban repair,
# S3 complaint, S5 reconnection) and a meter test across 国庆节 2024 with its 调休 Saturday on
# the real calendar; a pause; the closed loop to 归档; every illegal move from 接单 refused
# with nothing changed; direct replies; reopen within and after the period; merge; SLA states
# as PMIS_NOW moves, escalation once, paging and audit of the run; compliance figures for a
# month and a range of months, by month and by month x org, adding up while an order
# is taken in.
. "$PMIS_TOP/tests/integration/lib.sh"

setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" calendar import "$PMIS_TOP/data/calendar/cn-2024.csv" >/dev/null &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        "$PMIS" org add ZJ-HZ --name 杭州 --level city --parent ZJ >/dev/null &&
        "$PMIS" org add ZJ-NB --name 宁波 --level city --parent ZJ >/dev/null &&
        "$PMIS" customer add --cust-no 6100000001 --name 王一 --type resident --voltage 220V \
            --address 杭州市1号 --org ZJ-HZ --phone 13812345678 >/dev/null &&
        "$PMIS" customer add --cust-no 6100000002 --name 王二 --type resident --voltage 220V \
            --address 宁波市2号 --org ZJ-NB >/dev/null
}
setup || { not_ok "set up orgs, customers and the 2024 calendar"; done_testing; exit 1; }

# clock N METRIC: the order's clock as "deadline state" from show --json
clock() {
    "$PMIS" --json ticket show "$1" | python3 -c "
import json, sys
t = json.load(sys.stdin)
for k in t['clocks']:
    if k['metric'] == sys.argv[1] and k['round'] == t['round']:
        print(k['deadline_at'], k['state'])" "$2"
}
add() { "$PMIS" --json ticket add "$@" | sed -E 's/^\{"id":([0-9]+),.*/\1/'; }

# ---- intake ----
export PMIS_NOW=2024-07-01T10:00:00+08:00
expect_ok "S1: an urban fault report by 户号" ticket add --type fault --channel phone --area urban \
    --cust 6100000001 --text "家里停电了"
check "is order 1" out_is "work order 1 accepted (接单)"
run ticket show 1
check "linked to the customer and its org" out_has '^caller 6100000001 王一, accepted 2024-07-01T10:00:00\+08:00 by tester$'
check "S1: arrival due 10:45" test "$(clock 1 arrival)" = "2024-07-01T10:45:00+08:00 ok"
check "the customer's org is responsible" test "$(sql "SELECT u.code FROM ticket t JOIN org_unit u ON u.id = t.org_id WHERE t.id = 1")" = ZJ-HZ
expect_ok "a complaint by phone (blind index)" ticket add --type complaint --subtype service \
    --channel app --area urban --phone 138-1234-5678 --text "营业员态度差"
check "found the caller" test "$(sql "SELECT c.cust_no FROM ticket t JOIN customer c ON c.id = t.customer_id WHERE t.id = 2")" = 6100000001
expect_ok "an anonymous report with an org" ticket add --type report --channel web --area rural \
    --anonymous --org ZJ-NB --text "有人窃电"
check "anonymous: no customer" test "$(sql "SELECT COUNT(*) FROM ticket WHERE id = 3 AND customer_id IS NULL")" = 1
digest=$(db_digest)
expect_fail "anonymous without an org" 65 "anonymous work order needs the responsible org unit" \
    ticket add --type consult --channel phone --area urban --anonymous --text 咨询
expect_fail "an unknown type" 65 "unknown work order type 'repair'" \
    ticket add --type repair --channel phone --area urban --cust 6100000001 --text x
expect_fail "an unknown subtype" 65 "unknown subtype 'price' of work order type 'complaint'" \
    ticket add --type complaint --subtype price --channel phone --area urban --cust 6100000001 --text x
expect_fail "an unknown channel" 65 "channel" \
    ticket add --type consult --channel fax --area urban --cust 6100000001 --text x
expect_fail "an unknown phone" 66 "no customer has the phone number" \
    ticket add --type consult --channel phone --area urban --phone 13900000000 --text x
expect_fail "an unknown customer" 66 "6199999999" \
    ticket add --type consult --channel phone --area urban --cust 6199999999 --text x
expect_fail "no text" 65 "request text" \
    ticket add --type consult --channel phone --area urban --cust 6100000001 --text "  "
check "bad intakes change nothing" test "$(db_digest)" = "$digest"

# ---- illegal transitions: refused, named, nothing changed ----
for to in dispatched processing responded replied reviewed archived; do
    expect_fail "accepted -> $to is refused" 67 \
        "work order 1 is 接单 \(accepted\): it cannot move to '$to'; allowed next: classified$" \
        ticket move 1 $to
done
expect_fail "an unknown state" 65 "unknown work order state 'done'" ticket move 1 done
expect_fail "merged is not a move" 65 "unknown work order state 'merged'" ticket move 1 merged
expect_fail "an unknown order" 66 "no work order 99" ticket move 99 classified
expect_fail "dispatch options outside dispatch" 65 "use 'ticket assign'" \
    ticket move 1 classified --org ZJ
check "refusals change nothing" test "$(db_digest)" = "$digest"

# ---- S1 workflow with SLA states as time moves ----
expect_ok "classify" ticket move 1 classified --note 城区低压故障
expect_fail "classified -> replied is only for direct types" 67 \
    "is 分类 \(classified\): it cannot move to 'replied'; allowed next: dispatched$" ticket move 1 replied
expect_fail "dispatch without a unit or person" 65 "needs an org unit or a person" ticket move 1 dispatched
expect_ok "dispatch to a unit and a person" ticket assign 1 --org ZJ-HZ --to 抢修班李四
check "now dispatched" out_is "work order 1 assigned: dispatched (派单)"
expect_ok "processing" ticket move 1 processing
export PMIS_NOW=2024-07-01T10:30:00+08:00
expect_ok "SLA run at 10:30" --json ticket sla
check "S1 ok, the complaint's clocks ok, the report's response ok" \
    out_has '"clocks":4,"ok":4,"warning":0,"breached":0,"paused":0,"marked":0,"escalated":0'
check "a run that records nothing is not audited" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'ticket.sla_run'")" = 0
export PMIS_NOW=2024-07-01T10:36:00+08:00
expect_ok "SLA run at 10:36 (80 % of 45 min)" --json ticket sla
check "S1 arrival in warning, newly marked, with its clock id" out_has "\\{\"clock_id\":$(sql "SELECT id FROM ticket_clock WHERE ticket_id = 1 AND metric = 'arrival'"),\"ticket_id\":1,\"metric\":\"arrival\",\"state\":\"warning\",\"deadline_at\":\"2024-07-01T10:45:00\\+08:00\",\"escalated\":false,\"newly_warned\":true,\"newly_breached\":false\\}"
check "the run that recorded a warning is audited once (ticket.sla_run)" \
    test "$(sql "SELECT COUNT(*) || ' ' || MAX(detail) FROM audit_log WHERE action = 'ticket.sla_run'")" = \
    "1 4 clocks: 1 warning, 0 breached; recorded 1 first warnings or breaches; 0 escalated"
export PMIS_NOW=2024-07-01T10:45:00+08:00
expect_ok "at 10:45 exactly" --json ticket sla
check "still not breached, nothing new" out_has '"ticket_id":1,"metric":"arrival","state":"warning","deadline_at":"[^"]*","escalated":false,"newly_warned":false,"newly_breached":false'
export PMIS_NOW=2024-07-01T10:46:00+08:00
expect_ok "at 10:46" --json ticket sla
check "breached, newly, and escalated" out_has '"ticket_id":1,"metric":"arrival","state":"breached","deadline_at":"2024-07-01T10:45:00\+08:00","escalated":true,"newly_warned":false,"newly_breached":true\}'
check "one escalation" out_has '"breached":1,"paused":0,"marked":1,"escalated":1'
expect_ok "the next run" --json ticket sla
check "escalates nothing again, nothing new on the row" out_has '"breached":1,"paused":0,"marked":0,"escalated":0'
check "... and the row says so" out_has '"state":"breached","deadline_at":"[^"]*","escalated":false,"newly_warned":false,"newly_breached":false'
check "two audited runs" test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'ticket.sla_run'")" = 2
expect_ok "the text form: the clock id and what the run did" ticket sla --all --limit 1
check "one clock listed, the totals, and the next page's cursor" \
    test "$(sed -n '1p;3p' "$T/out" | sed 's/  *due.*\[clock / [clock /')" = "1      arrival  breached [clock 1]
next: --after 1"
for bad in "--limit 0:'--limit': 'limit' must be 1..1000, not 0" "--limit 1001:'--limit'" \
    "--after -1:'--after'" "--limit x:not a whole number"; do
    expect_fail "ticket sla ${bad%%:*} refused" 64 "${bad#*:}" ticket sla ${bad%%:*}
done
expect_ok "--all paged: page 2 of 1" --json ticket sla --all --limit 1 --after 1
check "the next clock after 1" out_has '"rows":\[\{"clock_id":2,'
check "one row in the queue" test "$(sql "SELECT COUNT(*) FROM ticket_escalation")" = 1
expect_ok "the supervisor's queue" --json ticket escalations
check "lists order 1's arrival (the API's shape)" out_is '[{"id":1,"ticket":1,"application":null,"stage":null,"type":"fault","metric":"arrival","org":"ZJ-HZ","ticket_state":"processing","deadline_at":"2024-07-01T10:45:00+08:00","escalated_at":"2024-07-01T10:46:00+08:00","status":"open","acked_at":null,"acked_by":null,"ack_note":null,"resolved_at":null,"resolved_by":null,"resolve_note":null}]'
expect_ok "list --escalated" ticket list --escalated
check "order 1 only" test "$(wc -l <"$T/out")" = 1
expect_fail "list: an unknown type is named, not an empty list" 65 \
    "unknown work order type 'repair'" ticket list --type repair
export PMIS_NOW=2024-07-01T10:50:00+08:00
expect_ok "the crew arrives at 10:50" ticket move 1 responded --note 到达现场
check "arrival missed" test "$(clock 1 arrival)" = "2024-07-01T10:45:00+08:00 missed"
check "restoration due 3 h after arrival" test "$(clock 1 restore)" = "2024-07-01T13:50:00+08:00 ok"
export PMIS_NOW=2024-07-01T12:00:00+08:00
expect_ok "restored and replied" ticket move 1 replied --note 已恢复供电
check "restoration met" test "$(clock 1 restore)" = "2024-07-01T13:50:00+08:00 met"
expect_ok "callback review" ticket move 1 reviewed --note 回访满意
expect_ok "archive" ticket move 1 archived
expect_fail "an archived order moves no further" 67 \
    "is 归档 \(archived\): it cannot move to 'processing'; allowed next: none \(use 'ticket reopen'\)" \
    ticket move 1 processing
run ticket show 1
check "the history records who, when and the note" \
    out_has '^  2024-07-01T10:50:00\+08:00  tester   move    processing -> responded  到达现场$'

# ---- reopen ----
export PMIS_NOW=2024-07-05T09:00:00+08:00
expect_ok "reopen within 7 days" ticket reopen 1 --note 又停电了
check "back to processing, round 2" test "$(sql "SELECT state || ' ' || round FROM ticket WHERE id = 1")" = "processing 2"
check "a fresh arrival clock from the reopen" test "$(clock 1 arrival)" = "2024-07-05T09:45:00+08:00 ok"
check "handled again" sh -c "'$PMIS' ticket move 1 responded && '$PMIS' ticket move 1 replied &&
    '$PMIS' ticket move 1 reviewed && '$PMIS' ticket move 1 archived" >/dev/null
export PMIS_NOW=2024-07-13T09:00:00+08:00
digest=$(db_digest)
expect_fail "reopen after 7 days" 67 "archived at 2024-07-05T01:00:00Z, more than 7 days ago" ticket reopen 1
expect_fail "reopen an open order" 67 "only an archived order is reopened" ticket reopen 2
check "refusals change nothing" test "$(db_digest)" = "$digest"

# ---- S3 complaint Fri 2024-07-05 16:00, with the closed loop and a failed callback ----
export PMIS_NOW=2024-07-05T16:00:00+08:00
S3=$(add --type complaint --subtype business --channel phone --area urban --cust 6100000002 --text 电费异常)
check "S3: contact by Sat 07-06 16:00" test "$(clock "$S3" contact)" = "2024-07-06T16:00:00+08:00 ok"
check "S3: reply by the end of Fri 07-12" test "$(clock "$S3" reply)" = "2024-07-13T00:00:00+08:00 ok"
expect_ok "reclassify as major" ticket move "$S3" classified --severity major
check "the clocks keep their start" test "$(clock "$S3" reply)" = "2024-07-13T00:00:00+08:00 ok"
expect_ok "dispatch" ticket assign "$S3" --org ZJ-NB
expect_ok "reassign to a person" ticket assign "$S3" --to 王主管 --note 转办
check "reassigning keeps the state" out_is "work order $S3 assigned: dispatched (派单)"
expect_ok "processing" ticket move "$S3" processing
export PMIS_NOW=2024-07-06T10:00:00+08:00
expect_ok "contacted" ticket move "$S3" responded
# waiting for the customer's documents Tue 07-09 12:00 .. Wed 07-10 12:00: one working day more
export PMIS_NOW=2024-07-09T12:00:00+08:00
expect_ok "pause" ticket pause "$S3" --note 等待客户提供材料
check "paused: no deadline" test "$(clock "$S3" reply)" = "None paused"
expect_fail "pause twice" 67 "already waiting for the customer" ticket pause "$S3"
export PMIS_NOW=2024-07-10T12:00:00+08:00
expect_ok "resume" ticket resume "$S3"
check "the reply deadline moved one working day" test "$(clock "$S3" reply)" = "2024-07-16T00:00:00+08:00 ok"
export PMIS_NOW=2024-07-15T17:00:00+08:00
expect_ok "replied" ticket move "$S3" replied --note 已核实并答复
check "reply met" test "$(clock "$S3" reply)" = "2024-07-16T00:00:00+08:00 met"
expect_fail "replied cannot be archived before the callback" 67 \
    "is 反馈 \(replied\): it cannot move to 'archived'; allowed next: reviewed$" ticket move "$S3" archived
expect_ok "callback" ticket move "$S3" reviewed --note 回访不满意
expect_ok "the callback failed: rework" ticket move "$S3" processing --note 客户不满意
check "round 2 with a new reply clock of 5 working days" \
    test "$(clock "$S3" reply)" = "2024-07-23T00:00:00+08:00 ok"

# ---- S5 reconnection, a meter test across 国庆节 2024, the S1 pause ----
export PMIS_NOW=2024-03-05T09:00:00+08:00
S5=$(add --type service --subtype reconnect --channel counter --area urban --cust 6100000001 --text 已缴清欠费)
check "S5: reconnection by 03-06 09:00" test "$(clock "$S5" complete)" = "2024-03-06T09:00:00+08:00 ok"
# 2024-09-30 (Mon): 10-01..10-07 holiday; 10-08 .. 10-11 = 4, Sat 10-12 (调休) = 5
export PMIS_NOW=2024-09-30T10:00:00+08:00
MT=$(add --type service --channel phone --area urban --cust 6100000002 --text 电表走得快)
check "a service request without subtype: response 2 h only" test "$(clock "$MT" response)" = "2024-09-30T12:00:00+08:00 ok"
expect_ok "classified as a meter test" ticket move "$MT" classified --subtype meter_test
check "meter test: the 调休 Saturday 10-12 is the 5th working day" \
    test "$(clock "$MT" complete)" = "2024-10-13T00:00:00+08:00 ok"
export PMIS_NOW=2024-07-01T10:00:00+08:00
P1=$(add --type fault --channel phone --area urban --cust 6100000002 --text 跳闸)
export PMIS_NOW=2024-07-01T10:10:00+08:00
expect_ok "the crew waits for the customer" ticket pause "$P1"
export PMIS_NOW=2024-07-01T10:40:00+08:00
expect_ok "the customer is back" ticket resume "$P1"
check "arrival due 11:15" test "$(clock "$P1" arrival)" = "2024-07-01T11:15:00+08:00 ok"

# ---- consult answered directly, merge ----
export PMIS_NOW=2024-07-20T09:00:00+08:00
C1=$(add --type consult --channel wechat --area urban --cust 6100000001 --text 电价咨询)
C2=$(add --type consult --channel phone --area urban --cust 6100000001 --text 电价咨询（重复）)
expect_ok "classify the consult" ticket move "$C1" classified
expect_ok "answered at once (分类 → 反馈)" ticket move "$C1" replied
check "response met" test "$(clock "$C1" response)" = "2024-07-20T11:00:00+08:00 met"
expect_ok "merge the duplicate" ticket merge "$C2" --into "$C1" --note 同一诉求
check "merged" test "$(sql "SELECT state || ' ' || merged_into FROM ticket WHERE id = $C2")" = "merged $C1"
check "its clock cancelled" test "$(sql "SELECT status FROM ticket_clock WHERE ticket_id = $C2")" = cancelled
expect_fail "a merged order moves no further" 67 "is 已合并 \(merged\): it cannot move to 'classified'; allowed next: none" \
    ticket move "$C2" classified
expect_fail "merge into itself" 65 "cannot be merged into itself" ticket merge "$C1" --into "$C1"
expect_fail "merge an archived order" 67 "work order 1 is 归档 \(archived\): only open orders are merged" \
    ticket merge 1 --into "$C1"

# ---- compliance for July 2024 as of 2024-07-20 09:30 ----
export PMIS_NOW=2024-07-20T09:30:00+08:00
expect_ok "compliance by metric" --json ticket compliance --period 2024-07 --by metric
# arrival: order 1 missed then met after the reopen, the paused fault still running past 11:15;
# restore: both rounds of order 1 met; contact: order 2 never contacted, S3 met, S3's rework
# round not contacted within 24 h; reply: order 2 missed, S3 met, S3's rework pending;
# response: the anonymous report missed, the consult met; the merged duplicate not counted
check "figures" out_is '[{"key":"arrival","name":"到达现场","clocks":3,"met":1,"missed":2,"pending":0,"rate_pct":"33.33"},{"key":"contact","name":"联系客户","clocks":3,"met":1,"missed":2,"pending":0,"rate_pct":"33.33"},{"key":"reply","name":"答复客户","clocks":3,"met":1,"missed":1,"pending":1,"rate_pct":"50.00"},{"key":"response","name":"响应","clocks":2,"met":1,"missed":1,"pending":0,"rate_pct":"50.00"},{"key":"restore","name":"恢复送电","clocks":2,"met":2,"missed":0,"pending":0,"rate_pct":"100.00"},{"key":"total","name":"合计","clocks":13,"met":6,"missed":6,"pending":1,"rate_pct":"50.00"}]'
expect_ok "compliance by org" ticket compliance --period 2024-07 --by org
check "杭州" out_has '^ZJ-HZ +杭州 +clocks 7  met 4  missed 3  pending 0  compliance 57.14 %$'
check "宁波" out_has '^ZJ-NB +宁波 +clocks 6  met 2  missed 3  pending 1  compliance 40.00 %$'
check "total" out_has '^total +合计 +clocks 13  met 6  missed 6  pending 1  compliance 50.00 %$'
expect_fail "a bad period" 65 "2024-13" ticket compliance --period 2024-13
expect_ok "compliance over a range of months (--from/--to)" ticket compliance --from 2024-06 --to 2024-08 --by org
check "the same clocks as July alone (every clock started in July)" \
    out_has '^total +合计 +clocks 13  met 6  missed 6  pending 1  compliance 50.00 %$'
expect_ok "June alone as a range" ticket compliance --from 2024-06 --to 2024-06
check "no clocks" out_has '^total +合计 +clocks 0  met 0  missed 0  pending 0  compliance -$'
expect_fail "a range that runs backwards" 65 "runs from 2024-08 to 2024-06, backwards" \
    ticket compliance --from 2024-08 --to 2024-06
expect_fail "a range of 120 months or more" 65 "at most 120 months" ticket compliance --from 2014-01 --to 2024-07
expect_fail "--from without --to" 64 "give --period, or --from and --to" ticket compliance --from 2024-06
expect_fail "--period with --from" 64 "give --period, or --from and --to" \
    ticket compliance --period 2024-07 --from 2024-06 --to 2024-07
expect_fail "a bad month in a range" 65 "2024-00" ticket compliance --from 2024-00 --to 2024-07

# ---- by month (--by month, a row per month of the range) across a year end ----
"$PMIS" calendar import "$PMIS_TOP/data/calendar/cn-2025.csv" >/dev/null
export PMIS_NOW=2024-12-31T10:00:00+08:00
Y1=$(add --type consult --channel phone --area urban --cust 6100000001 --text 年末咨询)
export PMIS_NOW=2025-01-02T10:00:00+08:00
Y2=$(add --type consult --channel phone --area urban --cust 6100000001 --text 年初咨询)
Y3=$(add --type consult --channel phone --area urban --cust 6100000002 --text 年初咨询)
export PMIS_NOW=2025-01-10T10:00:00+08:00
expect_ok "compliance by month from December to January" --json ticket compliance --from 2024-12 --to 2025-01 --by month
check "a row per month across the year end, then the total" \
    test "$(jq -c '[.[] | [.key, .name, .clocks]]' "$T/out")" = '[["2024-12","2024-12",1],["2025-01","2025-01",2],["total","合计",3]]'
check "the months add up to the total" \
    test "$(jq '[.[:-1][] | .met + .missed + .pending] | add' "$T/out")" = "$(jq '.[-1] | .met + .missed + .pending' "$T/out")"
expect_ok "by month from July: the empty months too" ticket compliance --from 2024-07 --to 2025-01 --by month
check "seven months and the total (two clocks of the September order)" test "$(awk '{print $1, $4}' "$T/out" | tr '\n' '|')" = \
    "2024-07 13|2024-08 0|2024-09 2|2024-10 0|2024-11 0|2024-12 1|2025-01 2|total 18|"
check "an empty month has no rate" out_has '^2024-08 +2024-08 +clocks 0  met 0  missed 0  pending 0  compliance -$'
expect_ok "the same range by type: the same total" ticket compliance --from 2024-07 --to 2025-01
check "total 18" out_has '^total +合计 +clocks 18 '
expect_fail "--by something else" 64 "--by: 'week' is not a grouping: give type, org, metric or month, or month with one of the others \(month,org\)" \
    ticket compliance --from 2024-12 --to 2025-01 --by week

# ---- by month and org (--by month,org): each month, a row per org with a clock in the range ----
expect_ok "month x org across the year end" --json ticket compliance --from 2024-11 --to 2025-01 --by month,org
check "each month (the empty November too) a row per org with a clock in the range, then the total" \
    test "$(jq -c '[.[] | [.month, .key, .clocks, .met, .missed, .pending]]' "$T/out")" = \
    '[["2024-11","ZJ-HZ",0,0,0,0],["2024-11","ZJ-NB",0,0,0,0],["2024-12","ZJ-HZ",1,0,1,0],["2024-12","ZJ-NB",0,0,0,0],["2025-01","ZJ-HZ",1,0,1,0],["2025-01","ZJ-NB",1,0,1,0],[null,"total",3,0,3,0]]'
check "an empty month has no rate, a month with clocks one" \
    test "$(jq -c '[.[0].rate_pct, .[2].rate_pct, .[2].name]' "$T/out")" = '[null,"0.00","杭州"]'
check "the rows add up to the total" \
    test "$(jq '[.[:-1][] | .clocks] | add' "$T/out")" = "$(jq '.[-1].clocks' "$T/out")"
expect_ok "month x org, text" ticket compliance --from 2024-11 --to 2025-01 --by month,org
check "the month leads each line" out_has '^2025-01  ZJ-NB +宁波 +clocks 1  met 0  missed 1  pending 0  compliance 0.00 %$'
check "seven lines" test "$(wc -l <"$T/out")" = 7
expect_ok "an org without clocks in the range has no rows" --json ticket compliance --from 2024-11 --to 2024-12 --by month,org
check "only 杭州, both months" test "$(jq -c '[.[] | [.month, .key, .clocks]]' "$T/out")" = '[["2024-11","ZJ-HZ",0],["2024-12","ZJ-HZ",1],[null,"total",1]]'
expect_ok "month x type" --json ticket compliance --from 2024-09 --to 2025-01 --by type,month
check "type,month reads as month,type: the September service order and the consults, five months each" \
    test "$(jq -c '[.[] | select(.clocks > 0) | [.month, .key, .clocks]], length' "$T/out" | tr '\n' ' ')" = \
    '[["2024-09","service",2],["2024-12","consult",1],["2025-01","consult",2],[null,"total",5]] 11 '
for bad in "month,month:'month,month' gives month twice" "org,type:'org,type': only month combines with another grouping \(month,org\)" \
    "month,org,type:'month,org,type' groups by more than two" "month,:'' is not a grouping" "month,weeks:'weeks' is not a grouping"; do
    expect_fail "--by ${bad%%:*}" 64 "--by: ${bad#*:}" ticket compliance --from 2024-12 --to 2025-01 --by "${bad%%:*}"
done
# an order taken in while the report runs (test builds hold the report after its first row) is
# in none of its rows, so they still add up to the total. Each report is one grouped query now,
# its total summed from its rows, so this holds by construction; it guards against a report
# that reads its rows and its total in separate statements again (as before t0658's change)
PMIS_TEST_COMPLIANCE_PAUSE_MS=4000 "$PMIS" --json ticket compliance --from 2024-12 --to 2025-01 \
    --by month,org >"$T/snap.json" 2>"$T/snap.err" &
snap=$!
sleep 1
Y4=$(add --type consult --channel phone --area urban --cust 6100000002 --text 报表期间)
added=$(date +%s%N)
wait $snap
snap_rc=$? snap_end=$(date +%s%N)
check "an order taken in while the report runs" test -n "$Y4" -a "$snap_rc" = 0 -a "$added" -lt "$snap_end"
check "... is in none of the report's rows: they add up to its total of 3" \
    test "$(jq '[.[:-1][] | .clocks] | add' "$T/snap.json") $(jq '.[-1].clocks' "$T/snap.json")" = "3 3"
expect_ok "the next report counts it" --json ticket compliance --from 2024-12 --to 2025-01 --by month,org
check "... in January's 宁波 row and the total" \
    test "$(jq -c '[.[] | select(.month == "2025-01" and .key == "ZJ-NB") | .clocks], .[-1].clocks' "$T/out" | tr '\n' ' ')" = "[2] 4 "
expect_ok "the audit chain holds" audit verify
check "every change audited: one row per event, one per run that recorded something" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE entity = 'ticket'")" = "$(($(sql "SELECT COUNT(*) FROM ticket_event") + $(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'ticket.sla_run'")))"
check "... which were two" test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'ticket.sla_run'")" = 2

done_testing
