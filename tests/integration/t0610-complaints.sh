#!/bin/sh
# The complaint closed loop (issue 6 §3, manual 2.4, 6.4): repeat complaints flagged at intake
# (same customer, or same address, and category within 30 days; configurable per type), the
# closed loop (category to classify, a note on the reply and on the review, all four steps to
# archive) with refusals that change nothing, root-cause tags, and the complaint rate per 10,000
# customers by org unit for a month.
. "$PMIS_TOP/tests/integration/lib.sh"

export PMIS_NOW=2024-06-01T09:00:00+08:00
cust() { "$PMIS" customer add --cust-no "$1" --name "$2" --type resident --voltage 220V --address "$3" --org "$4" >/dev/null; }
setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        "$PMIS" org add ZJ-HZ --name 杭州 --level city --parent ZJ >/dev/null &&
        "$PMIS" org add ZJ-NB --name 宁波 --level city --parent ZJ >/dev/null &&
        cust 6100000001 王一 杭州市1号 ZJ-HZ && cust 6100000002 王二 杭州市1号 ZJ-HZ &&
        cust 6100000003 李三 宁波市2号 ZJ-NB && cust 6100000004 李四 宁波市3号 ZJ-NB &&
        cust 6100000005 李五 宁波市4号 ZJ-NB
}
setup || { not_ok "set up orgs and customers"; done_testing; exit 1; }
add() { "$PMIS" ticket add --channel phone --area urban "$@"; }

# ---- repeat complaints at intake ----
export PMIS_NOW=2024-07-01T10:00:00+08:00
expect_ok "a first business complaint" ticket add --type complaint --subtype business --channel phone --area urban --cust 6100000001 --text 电费异常
check "is not a repeat" out_is "work order 1 accepted (接单)"
export PMIS_NOW=2024-07-02T10:00:00+08:00
add --type complaint --subtype service --cust 6100000003 --text 态度差 >/dev/null
export PMIS_NOW=2024-07-10T10:00:00+08:00
expect_ok "the same customer and category 9 days later" ticket add --type complaint --subtype business --channel phone --area urban --cust 6100000001 --text 电费还是不对
check "is flagged with the earlier order" out_is "work order 3 accepted (接单)
repeat complaint: same customer as work order 1 of 2024-07-01T10:00:00+08:00, customer 6100000001 (accepted)"
export PMIS_NOW=2024-07-12T10:00:00+08:00
expect_ok "another customer at the same address" --json ticket add --type complaint --subtype business --channel app --area urban --cust 6100000002 --text 同一地址电费异常
check "repeats the latest order at that address" out_is '{"id":4,"state":"accepted","repeat_of":{"id":3,"basis":"address","accepted_at":"2024-07-10T10:00:00+08:00","state":"accepted"},"outage":null,"causes":[],"affected_by":[]}'
export PMIS_NOW=2024-07-15T10:00:00+08:00
expect_ok "the same customer, another category" ticket add --type complaint --subtype service --channel phone --area urban --cust 6100000001 --text 营业员态度差
check "is not a repeat" out_is "work order 5 accepted (接单)"
export PMIS_NOW=2024-07-20T10:00:00+08:00
expect_ok "a complaint not yet classified" ticket add --type complaint --channel phone --area urban --cust 6100000003 --text 又有问题
check "matches any category" out_has "^repeat complaint: same customer as work order 2 of 2024-07-02T10:00:00\+08:00"
expect_ok "an enquiry is never a repeat" ticket add --type consult --channel phone --area urban --cust 6100000001 --text 咨询电价
check "no flag" out_is "work order 7 accepted (接单)"
check "three repeats recorded" test "$(sql "SELECT ticket_id || ':' || earlier_id || ':' || basis FROM ticket_repeat ORDER BY ticket_id" | tr '\n' ' ')" = "3:1:customer 4:3:address 6:2:customer "
check "each with an event" test "$(sql "SELECT COUNT(*) FROM ticket_event WHERE action = 'repeat'")" = 3
# outside the window, then the window made longer (data: ticket_type.repeat_days)
export PMIS_NOW=2024-08-16T10:00:00+08:00
expect_ok "37 days after the last business complaint" ticket add --type complaint --subtype business --channel phone --area urban --cust 6100000001 --text 八月电费
check "is outside 30 days" out_is "work order 8 accepted (接单)"
sql "UPDATE ticket_type SET repeat_days = 40 WHERE type = 'complaint' AND subtype = ''" >/dev/null
expect_ok "with a 40-day window" ticket add --type complaint --subtype business --channel phone --area urban --cust 6100000002 --text 八月电费（重复）
check "repeats its own order 4 of 35 days before (the customer before the address)" out_has "^repeat complaint: same customer as work order 4 of 2024-07-12"
run ticket show 3
check "show names the earlier order" out_has "^repeat complaint: same customer as work order 1 "

# ---- the closed loop ----
export PMIS_NOW=2024-07-20T11:00:00+08:00
digest=$(db_digest)
expect_fail "classifying a complaint needs its category" 67 \
    "complaint 6 needs its category to be classified: give --subtype" ticket move 6 classified
check "nothing changed" test "$(db_digest)" = "$digest"
expect_ok "classified with a category" ticket move 6 classified --subtype quality
check "dispatched, processing, responded" sh -c "'$PMIS' ticket assign 6 --org ZJ-NB &&
    '$PMIS' ticket move 6 processing && '$PMIS' ticket move 6 responded --note 已联系客户" >/dev/null
digest=$(db_digest)
expect_fail "feedback needs what was replied" 67 \
    "the feedback to the customer \(反馈\) of complaint 6 needs --note" ticket move 6 replied
expect_fail "an empty note is no feedback" 67 "needs --note" ticket move 6 replied --note ""
check "nothing changed" test "$(db_digest)" = "$digest"
expect_ok "replied with the answer" ticket move 6 replied --note 已更换变压器分接头，电压恢复正常
digest=$(db_digest)
expect_fail "review needs the customer's answer" 67 \
    "the callback review \(复核\) of complaint 6 needs --note" ticket move 6 reviewed
check "nothing changed" test "$(db_digest)" = "$digest"
expect_ok "reviewed" ticket move 6 reviewed --note 回访满意
expect_ok "archived" ticket move 6 archived
# a loop with a gap (a reply recorded without a note, as before this rule): archiving refused
check "complaint 2 up to review" sh -c "'$PMIS' ticket move 2 classified && '$PMIS' ticket assign 2 --org ZJ-NB &&
    '$PMIS' ticket move 2 processing && '$PMIS' ticket move 2 responded &&
    '$PMIS' ticket move 2 replied --note 已致歉 && '$PMIS' ticket move 2 reviewed --note 满意" >/dev/null
sql "UPDATE ticket_event SET note = NULL WHERE ticket_id = 2 AND to_state IN ('replied', 'reviewed')" >/dev/null
digest=$(db_digest)
expect_fail "archiving names every missing step" 67 \
    "complaint 2 cannot be archived: its closed loop lacks feedback to the customer \(the reply has no note\), review \(the callback has no note\)$" \
    ticket move 2 archived
check "nothing changed" test "$(db_digest)" = "$digest"
expect_ok "other types keep their loop" ticket move 7 classified
expect_ok "an enquiry answered without a note" ticket move 7 replied

# ---- root-cause tags ----
expect_ok "tag two causes" ticket tag 1 --cause billing,process
check "listed" out_is "complaint 1 root causes: process billing"
expect_ok "tag one again and a third" --json ticket tag 1 --cause "billing, metering"
check "no duplicates, data-list order" out_is '{"id":1,"causes":["process","billing","metering"]}'
expect_ok "remove one" ticket tag 1 --remove process
check "two left" out_is "complaint 1 root causes: billing metering"
run --json ticket show 1
check "show --json has the causes (the API's shape)" \
    test "$(jq -c '[.causes[] | .code]' "$T/out")" = '["billing","metering"]'
digest=$(db_digest)
expect_fail "an unknown cause" 65 "cause.*'rude'" ticket tag 1 --cause billing,rude
expect_fail "no cause" 65 "root causes" ticket tag 1 --cause " "
expect_fail "neither option" 64 "give --cause or --remove" ticket tag 1
expect_fail "an enquiry" 65 "work order 7 is a consult, not a complaint" ticket tag 7 --cause other
expect_fail "an archived complaint" 67 "complaint 6 is 归档 \(archived\): its root causes are final" ticket tag 6 --cause voltage
expect_fail "an unknown order" 66 "no work order 99" ticket tag 99 --cause other
check "refusals change nothing" test "$(db_digest)" = "$digest"

# ---- complaint rate, July 2024 ----
# 杭州 (2 customers): orders 1, 3, 4, 5, repeats 3 and 4; 宁波 (3): orders 2 and 6, repeat 6
expect_ok "complaints per 10,000 customers" --json ticket complaints --period 2024-07
check "by org and total" out_is '[{"org":"ZJ","name":"浙江","complaints":6,"repeats":3,"customers":5,"per_10000":"12000.00"},{"org":"ZJ-HZ","name":"杭州","complaints":4,"repeats":2,"customers":2,"per_10000":"20000.00"},{"org":"ZJ-NB","name":"宁波","complaints":2,"repeats":1,"customers":3,"per_10000":"6666.67"},{"org":"total","name":"合计","complaints":6,"repeats":3,"customers":5,"per_10000":"12000.00"}]'
expect_ok "one subtree" ticket complaints --period 2024-07 --org ZJ-NB
check "宁波" out_has '^ZJ-NB +宁波 +complaints 2  repeats 1  customers 3  per 10,000 6666.67$'
check "its total" out_has '^total +合计 +complaints 2  repeats 1  customers 3  per 10,000 6666.67$'
expect_ok "August" --json ticket complaints --period 2024-08 --org ZJ-HZ
check "two complaints, one repeat" out_has '\{"org":"total","name":"合计","complaints":2,"repeats":1,"customers":2,"per_10000":"10000.00"\}'
expect_fail "a bad period" 65 "2024-13" ticket complaints --period 2024-13
expect_fail "no period" 64 "--period is required" ticket complaints
expect_fail "an unknown org" 66 "ZJ-XX" ticket complaints --period 2024-07 --org ZJ-XX

expect_ok "the audit chain holds" audit verify
check "every event audited" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE entity = 'ticket'")" = "$(sql "SELECT COUNT(*) FROM ticket_event")"

done_testing
