#!/bin/sh
# Outage events (issue 6 §4; rules cn-tariff-rules.md §7.3): feeders of service points; the
# notice rules (a planned outage 7 calendar days ahead, refused otherwise — S4 across 国庆节;
# a temporary one reaching important customers less than 24 hours ahead flagged); affected
# customers by org subtree, feeder or service point, notified through the outbox (not those
# without an open account); repair calls from affected customers grouped under the outage and
# answered with it, and any call from an affected customer answered with the outages affecting
# it (affected_by); outage lookup by customer or account; closing archives the grouped orders and announces the restoration; every
# bad input refused with nothing changed.
. "$PMIS_TOP/tests/integration/lib.sh"

export PMIS_NOW=2024-06-01T09:00:00+08:00
cust() { "$PMIS" customer add --cust-no "$1" --name "$2" --type resident --voltage 220V --address "$3" --org "$4" "$5" "$6" >/dev/null; }
acct() { "$PMIS" account add "$1" --tariff RES-1 --cycle-day 5 >/dev/null; }
setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        load_tariffs RES-1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        "$PMIS" org add ZJ-HZ --name 杭州 --level city --parent ZJ >/dev/null &&
        "$PMIS" org add ZJ-HZ-XH --name 文三供电所 --level station --parent ZJ-HZ >/dev/null &&
        "$PMIS" org add ZJ-NB --name 宁波 --level city --parent ZJ >/dev/null &&
        cust 6100000001 王一 文三路1号 ZJ-HZ-XH --important no && acct 6100000001 &&
        cust 6100000002 某医院 文三路2号 ZJ-HZ-XH --important yes && acct 6100000002 &&
        cust 6100000003 王三 杭州市3号 ZJ-HZ --important no && acct 6100000003 &&
        cust 6100000004 李四 宁波市4号 ZJ-NB --important no && acct 6100000004 &&
        cust 6100000005 王五 文三路5号 ZJ-HZ-XH --important no
}
setup || { not_ok "set up orgs, customers and accounts"; done_testing; exit 1; }

# ---- feeders ----
expect_ok "tag a service point with its feeder" outage feeder 6100000001011 10kV文三线
check "said so" out_is "service point 6100000001011: feeder 10kV文三线"
expect_ok "and another" outage feeder 6100000003011 10kV文三线
check "stored" test "$(sql "SELECT COUNT(*) FROM sp_feeder WHERE feeder = '10kV文三线'")" = 2
digest=$(db_digest)
expect_fail "an unknown service point" 66 "no service point '6199999999011'" outage feeder 6199999999011 F1
expect_fail "an empty feeder" 65 "a feeder name has 1 to 64 bytes" outage feeder 6100000001011 " "
check "nothing changed" test "$(db_digest)" = "$digest"

# ---- notice rules and bad input ----
export PMIS_NOW=2024-07-01T10:00:00+08:00
expect_fail "a planned outage 6 days ahead is refused" 67 \
    "a planned outage on 2024-07-07 must be announced 7 days ahead, by 2024-06-30 \(rules §7.3\): it is 2024-07-01; move it to 2024-07-08 or later, or register a temporary outage" \
    outage add --kind planned --org ZJ-HZ-XH --from 2024-07-07T08:00 --to 2024-07-07T18:00 --reason 线路检修
expect_fail "an unknown kind" 65 "unknown outage kind 'storm'" \
    outage add --kind storm --org ZJ-HZ-XH --from 2024-07-08T08:00 --to 2024-07-08T18:00 --reason x
expect_fail "no area" 65 "needs its area" \
    outage add --kind temporary --from 2024-07-08T08:00 --to 2024-07-08T18:00 --reason x
expect_fail "a feeder and a service point" 65 "not both" \
    outage add --kind temporary --feeder F1 --sp 6100000001011 --from 2024-07-08T08:00 --to 2024-07-08T18:00 --reason x
expect_fail "the end before the start" 65 "ends \(--to\) before it starts" \
    outage add --kind temporary --org ZJ-HZ --from 2024-07-08T18:00 --to 2024-07-08T08:00 --reason x
expect_fail "a planned outage without its end" 65 "a planned outage needs its planned end" \
    outage add --kind planned --org ZJ-HZ --from 2024-07-18T08:00 --reason x
expect_fail "no reason" 65 "needs its reason" \
    outage add --kind temporary --org ZJ-HZ --from 2024-07-08T08:00 --to 2024-07-08T18:00 --reason " "
expect_fail "an unknown org" 66 "ZJ-XX" \
    outage add --kind temporary --org ZJ-XX --from 2024-07-08T08:00 --to 2024-07-08T18:00 --reason x
expect_fail "a feeder without customers" 65 "no customer is in the outage's area \(feeder 10kV无名线\): tag service points" \
    outage add --kind temporary --feeder 10kV无名线 --from 2024-07-08T08:00 --to 2024-07-08T18:00 --reason x
expect_fail "a bad time" 65 "2024-07-32" \
    outage add --kind temporary --org ZJ-HZ --from 2024-07-32T08:00 --to 2024-07-08T18:00 --reason x
check "refusals change nothing" test "$(db_digest)" = "$digest"

# ---- temporary outages: by feeder (no important customer), by service point (late) ----
expect_ok "a temporary outage of a feeder 10 hours ahead" --json outage add --kind temporary \
    --feeder 10kV文三线 --from 2024-07-01T20:00 --to 2024-07-01T23:00 --reason 紧急消缺
check "two customers, none important, not late" out_is '{"id":1,"affected":2,"important":0,"notified":2,"late_notice":false}'
expect_ok "a temporary outage of the hospital's service point 10 hours ahead" outage add \
    --kind temporary --sp 6100000002011 --from 2024-07-01T20:00 --to 2024-07-01T22:00 --reason 更换计量箱
check "published" out_is "outage 2 published: 1 customers affected (1 important), 1 notices queued"
check "flagged as a late notice to important customers" grep -q "warning: the notice reaches 1 important customers less than 24 hours ahead" "$T/err"
check "stored late, the hospital's org responsible" test "$(sql "SELECT o.late_notice || ' ' || u.code FROM outage o JOIN org_unit u ON u.id = o.org_id WHERE o.id = 2")" = "1 ZJ-HZ-XH"
check "the notices are in the outbox by account number" \
    test "$(sql "SELECT kind || ' ' || recipient FROM outbox ORDER BY id" | tr '\n' ',')" = "outage_notice 610000000101,outage_notice 610000000301,outage_notice 610000000201,"
check "with the outage's times and reason" test "$(sql "SELECT body FROM outbox WHERE id = 3")" = \
    "【停电通知】尊敬的客户某医院（户号610000000201）：因更换计量箱，我公司将于2024-07-01 20:00至2024-07-01 22:00对您所在区域临时停电，请提前做好准备。给您带来不便，敬请谅解。"
export PMIS_NOW=2024-07-02T00:10:00+08:00
expect_ok "close the feeder outage" outage close 1 --note 消缺完成
check "no orders to archive" out_is "outage 1 closed: 0 repair orders archived"
check "restoration messages to the two customers notified" \
    test "$(sql "SELECT COUNT(*) FROM outbox WHERE kind = 'outage_restored'")" = 2
expect_ok "close the hospital's" outage close 2
digest=$(db_digest)
expect_fail "closing twice" 67 "outage 1 was closed at 2024-07-02T00:10:00\+08:00: it cannot be closed again" outage close 1
expect_fail "an unknown outage" 66 "no outage 9" outage close 9
check "nothing changed" test "$(db_digest)" = "$digest"

# ---- a fault outage: callers grouped under it and answered with it ----
export PMIS_NOW=2024-07-05T14:10:00+08:00
expect_ok "a fault outage of the feeder, restoration unknown" outage add --kind fault \
    --feeder 10kV文三线 --org ZJ-HZ --from 2024-07-05T14:00 --reason 树障跳闸
check "two customers" out_is "outage 3 published: 2 customers affected (0 important), 2 notices queued"
check "the fault notice" test "$(sql "SELECT body FROM outbox WHERE kind = 'outage_fault' AND recipient = '610000000101'")" = \
    "【故障停电】尊敬的客户王一（户号610000000101）：您所在区域因树障跳闸于2024-07-05 14:00起停电，抢修人员正在处理，预计待定恢复供电。"
export PMIS_NOW=2024-07-05T14:20:00+08:00
expect_ok "an affected caller reports the fault" ticket add --type fault --channel phone --area urban --cust 6100000001 --text 家里没电了
check "answered with the outage, once (grouped under it, so no second affected-by line)" out_is "work order 1 accepted (接单)
outage 3 (故障停电, active): 2024-07-05T14:00:00+08:00 .. restoration time unknown, 树障跳闸"
expect_ok "a second affected caller" --json ticket add --type fault --channel app --area urban --cust 6100000003 --text 停电
check "the outage in the reply" test "$(jq -c 'del(.affected_by)' "$T/out")" = '{"id":2,"state":"accepted","repeat_of":null,"outage":{"id":3,"kind":"fault","from":"2024-07-05T14:00:00+08:00","to":null,"reason":"树障跳闸","state":"active"},"causes":[]}'
check "and the outages affecting the caller (affected_by, the API's shape)" \
    test "$(jq -c '[.affected_by[] | [.id, .kind, .scope, .feeder, .from, .to, .state]]' "$T/out")" = \
    '[[3,"fault","feeder","10kV文三线","2024-07-05T14:00:00+08:00",null,"active"]]'
expect_ok "a caller outside the area" ticket add --type fault --channel phone --area urban --cust 6100000004 --text 停电
check "not grouped, not affected" out_is "work order 3 accepted (接单)"
expect_ok "an enquiry from an affected customer" ticket add --type consult --channel phone --area urban --cust 6100000001 --text 什么时候来电
check "not grouped, but answered with the outage affecting the caller" out_is "work order 4 accepted (接单)
affected by outage 3 (故障停电, active): 2024-07-05T14:00:00+08:00 .. restoration time unknown, 树障跳闸"
expect_ok "an anonymous call" --json ticket add --type consult --channel phone --area urban --anonymous --org ZJ-HZ-XH --text 停电了吗
check "is answered with no outage (the caller is unknown)" test "$(jq -c .affected_by "$T/out")" = "[]"
expect_ok "outage lookup --customer" outage lookup --customer 6100000001
check "lists the outage affecting the customer" out_has "^3 +fault +active feeder"
expect_ok "outage lookup --account" --json outage lookup --account 610000000301
check "by account: the customer's outage (the API's reply)" \
    test "$(jq -c '[.affected, [.items[] | [.id, .kind, .state]]]' "$T/out")" = '[true,[[3,"fault","active"]]]'
expect_ok "outage lookup of a customer outside the feeder" outage lookup --customer 6100000004
check "none" out_is "no outage affects this customer now"
digest=$(db_digest)
expect_fail "lookup needs a caller" 64 "give one of --customer, --account or --phone" outage lookup
expect_fail "lookup takes one caller" 64 "give one of --customer, --account or --phone" \
    outage lookup --customer 6100000001 --account 610000000101
expect_fail "an unknown customer" 66 "6199999999" outage lookup --customer 6199999999
expect_fail "an unknown account" 66 "619999999901" outage lookup --account 619999999901
check "lookups change nothing" test "$(db_digest)" = "$digest"
check "the link is in the order's history" \
    test "$(sql "SELECT note FROM ticket_event WHERE ticket_id = 1 AND action = 'link'")" = "outage 3: 故障停电 2024-07-05 14:00 – 待定, 树障跳闸"
expect_ok "order 2 is being handled" ticket move 2 classified
run ticket show 1
check "show names the outage" out_has "^outage 3 \(故障停电, active\)"
expect_ok "outage show" outage show 3
check "its customers" out_has "^  6100000001 王一  610000000101$"
check "its orders" out_has "^  work order 2  6100000003  classified$"
expect_ok "outage list of active faults" --json outage list --state active --kind fault
check "outage 3 with two orders" out_has '^\[\{"id":3,"kind":"fault","scope":"feeder","org":"ZJ-HZ","feeder":"10kV文三线","sp":null,"from":"2024-07-05T14:00:00\+08:00","to":null,"reason":"树障跳闸","notice_at":"2024-07-05T14:10:00\+08:00","late_notice":false,"state":"active","closed_at":null,"affected":2,"important":0,"notified":2,"tickets":2\}\]$'
expect_fail "a bad list filter" 65 "active or closed" outage list --state open

export PMIS_NOW=2024-07-05T16:00:00+08:00
expect_ok "supply restored" outage close 3 --note 已清除树障，恢复送电
check "both orders archived" out_is "outage 3 closed: 2 repair orders archived"
check "archived with the note" test "$(sql "SELECT t.state || ' ' || e.action || ' ' || e.from_state || ' ' || e.note FROM ticket t JOIN ticket_event e ON e.ticket_id = t.id WHERE t.id = 2 ORDER BY e.id DESC LIMIT 1")" = \
    "archived resolve classified outage 3 restored: 已清除树障，恢复送电"
check "their clocks stopped" test "$(sql "SELECT COUNT(*) FROM ticket_clock WHERE ticket_id IN (1, 2) AND status = 'running'")" = 0
check "the caller outside the area still open" test "$(sql "SELECT state FROM ticket WHERE id = 3")" = accepted
expect_ok "a call after the restoration" ticket add --type fault --channel phone --area urban --cust 6100000001 --text 又停电了
check "is not grouped under a closed outage, nor answered with it" out_is "work order 6 accepted (接单)"

# ---- a planned outage across 国庆节 (S4), by org subtree ----
export PMIS_NOW=2024-10-02T09:00:00+08:00
digest=$(db_digest)
expect_fail "S4: announced on 10-02 for 10-08" 67 "by 2024-10-01 \(rules §7.3\): it is 2024-10-02" \
    outage add --kind planned --org ZJ-HZ-XH --from 2024-10-08T08:00 --to 2024-10-08T18:00 --reason 10kV线路改造
check "nothing changed" test "$(db_digest)" = "$digest"
export PMIS_NOW=2024-10-01T09:00:00+08:00
expect_ok "S4: announced on 10-01" --json outage add --kind planned --org ZJ-HZ-XH \
    --from 2024-10-08T08:00 --to 2024-10-08T18:00 --reason 10kV线路改造
check "three customers, one without an account" out_is '{"id":4,"affected":3,"important":1,"notified":2,"late_notice":false}'
run outage show 4
check "the one not notified" out_has "^  6100000005 王五  not notified: no open account$"
check "the important one" out_has "^  6100000002 某医院 \(重要客户\)  610000000201$"

expect_ok "the audit chain holds" audit verify
check "outages audited: 4 published, 3 closed" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE entity = 'outage'")" = 7
check "every order event audited" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE entity = 'ticket'")" = "$(sql "SELECT COUNT(*) FROM ticket_event")"

done_testing
