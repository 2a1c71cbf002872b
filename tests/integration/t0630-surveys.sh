#!/bin/sh
# Satisfaction surveys (issue 6 §6, manual 6.3): the callback journey (close an order, survey
# it; a dissatisfied answer opens a follow-up order linked to the original, in one transaction
# — checked by failing every step in turn), once per order (the same answer again changes
# nothing, another one is refused), refusals and bad input changing nothing, templates,
# reproducible sampling campaigns (the draw checked against an independent splitmix64 in
# Python), and the CSAT / CSI report by org (subtree roll-up), type, dimension and month against
# hand-computed figures (golden file) and configured targets; then the same over HTTP.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

cust() { "$PMIS" customer add --cust-no "$1" --name "$2" --type resident --voltage 220V --address "$3" --org "$4" >/dev/null; }
setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        "$PMIS" org add ZJ-HZ --name 杭州 --level city --parent ZJ >/dev/null &&
        "$PMIS" org add ZJ-HZ-XH --name 萧山 --level county --parent ZJ-HZ >/dev/null &&
        "$PMIS" org add ZJ-NB --name 宁波 --level city --parent ZJ >/dev/null &&
        cust 6300000001 王一 杭州市1号 ZJ-HZ && cust 6300000002 王二 萧山区2号 ZJ-HZ-XH &&
        cust 6300000003 李三 宁波市3号 ZJ-NB && cust 6300000004 李四 宁波市4号 ZJ-NB
}
setup || { not_ok "set up orgs and customers"; done_testing; exit 1; }

# close_consult CUST / close_order TYPE [--subtype S] CUST ORG: a new order taken to 归档
close_consult() {
    "$PMIS" ticket add --type consult --channel phone --area urban --cust "$1" --text 咨询 >/dev/null &&
        id=$(sql "SELECT MAX(id) FROM ticket") &&
        "$PMIS" ticket move "$id" classified >/dev/null &&
        "$PMIS" ticket move "$id" replied --note 已答复 >/dev/null &&
        "$PMIS" ticket move "$id" reviewed --note 已回访 >/dev/null &&
        "$PMIS" ticket move "$id" archived >/dev/null
}
close_order() {
    "$PMIS" ticket add --type "$1" $2 --channel phone --area urban --cust "$3" --text 诉求 >/dev/null &&
        id=$(sql "SELECT MAX(id) FROM ticket") &&
        "$PMIS" ticket move "$id" classified >/dev/null &&
        "$PMIS" ticket assign "$id" --org "$4" >/dev/null &&
        "$PMIS" ticket move "$id" processing >/dev/null &&
        "$PMIS" ticket move "$id" responded --note 已联系 >/dev/null &&
        "$PMIS" ticket move "$id" replied --note 已处理 >/dev/null &&
        "$PMIS" ticket move "$id" reviewed --note 已回访 >/dev/null &&
        "$PMIS" ticket move "$id" archived >/dev/null
}

# ---- June 2025: six orders closed, a seventh left open ----
export PMIS_NOW=2025-06-10T10:00:00+08:00
close_consult 6300000001 && close_consult 6300000002 &&
    close_order complaint '--subtype service' 6300000001 ZJ-HZ &&
    close_order complaint '--subtype business' 6300000003 ZJ-NB &&
    close_order fault '' 6300000003 ZJ-NB && close_consult 6300000004 &&
    "$PMIS" ticket add --type consult --channel phone --area urban --cust 6300000004 --text 未结 >/dev/null ||
    not_ok "orders 1-6 closed, 7 open"
check "in their states" test "$(sql "SELECT id || state FROM ticket ORDER BY id" | tr '\n' ' ')" = \
    "1archived 2archived 3archived 4archived 5archived 6archived 7accepted "

# ---- templates ----
expect_ok "the template in force" --json survey template list
check "four dimensions, weights 30/30/20/20" test "$(jq -c '[.[0].code, .[0].version, [.[0].dimensions[] | [.dimension, .weight]]]' "$T/out")" = \
    '["callback",1,[["efficiency",30],["quality",30],["price",20],["after_sales",20]]]'
run survey template list
check "named in Chinese" out_has '^  price        电价透明度 weight  20  您对电价电费政策的公开透明是否满意？$'

# ---- refusals change nothing ----
digest=$(db_digest)
expect_fail "an order not yet closed" 67 \
    "work order 7 is 接单 \(accepted\): only a closed \(archived\) order is surveyed" \
    survey record 7 --result satisfied
expect_fail "an unknown order" 66 "no work order 99" survey record 99 --result satisfied
expect_fail "not an order number" 64 "'x' is not a work order number" survey record x --result satisfied
expect_fail "no result" 65 "needs its result" survey record 1
expect_fail "an unknown result" 65 "result.*'happy'" survey record 1 --result happy
expect_fail "dissatisfied without a comment" 65 "a dissatisfied answer needs a comment" \
    survey record 1 --result dissatisfied --comment "  "
expect_fail "a score out of range" 65 "score of 'quality' is 6: scores are 1 \(very dissatisfied\) to 5" \
    survey record 1 --result satisfied --scores efficiency=5,quality=6,price=5,after_sales=5
expect_fail "an unknown dimension" 65 "'speed' is not a dimension of survey template callback v1 \(efficiency, quality, price, after_sales\)" \
    survey record 1 --result satisfied --scores speed=5
expect_fail "a missing dimension" 65 "dimension 'after_sales' \(售后服务\) is not scored: score every dimension" \
    survey record 1 --result satisfied --scores efficiency=5,quality=5,price=5
expect_fail "a dimension twice" 65 "dimension 'price' is scored twice" \
    survey record 1 --result satisfied --scores efficiency=5,quality=5,price=5,price=4
expect_fail "a malformed score" 65 "score 'efficiency' is not DIMENSION=N" \
    survey record 1 --result satisfied --scores efficiency
expect_fail "a score that is no number" 65 "score of 'efficiency' is 'five'" \
    survey record 1 --result satisfied --scores efficiency=five,quality=5,price=5,after_sales=5
expect_fail "an unknown channel" 65 "channel.*'fax'" survey record 1 --result satisfied --channel fax
expect_fail "an unknown template" 66 "no survey template 'nps' in force on 2025-06-10" \
    survey record 1 --result satisfied --template nps
check "refusals change nothing" test "$(db_digest)" = "$digest"

# ---- the journey: June answers (hand-computed figures below) ----
expect_ok "order 1 satisfied" survey record 1 --result satisfied --scores efficiency=5,quality=5,price=4,after_sales=5
check "says so" out_is "work order 1 surveyed: 满意 (satisfied)"
expect_ok "order 2 basically satisfied" survey record 2 --result basically_satisfied --scores efficiency=4,quality=4,price=3,after_sales=4 --channel wechat
expect_ok "order 3 (a complaint) dissatisfied" survey record 3 --result dissatisfied --comment 处理太慢 \
    --scores efficiency=1,quality=2,price=3,after_sales=1
check "opens follow-up order 8" out_is "work order 3 surveyed: 不满意 (dissatisfied)
follow-up work order 8 accepted (接单)"
check "the follow-up: same type, category, caller and unit, accepted, with the comment" \
    test "$(sql "SELECT t.type || '/' || t.subtype || '/' || c.cust_no || '/' || u.code || '/' || t.state || '/' || t.body FROM ticket t JOIN customer c ON c.id = t.customer_id JOIN org_unit u ON u.id = t.org_id WHERE t.id = 8")" = \
    "complaint/service/6300000001/ZJ-HZ/accepted/回访不满意，跟进工单 3：处理太慢"
check "linked from the answer" test "$(sql "SELECT follow_up_id FROM survey_response WHERE ticket_id = 3")" = 8
run ticket show 3
check "the original's history names it" out_has "survey  archived -> archived  callback: dissatisfied: 处理太慢; follow-up order 8$"
run --json ticket show 8
check "the follow-up names the original, and is a repeat complaint of it" \
    test "$(jq -c '[(.events[] | select(.action == "follow_up") | .note), .repeat_of.id]' "$T/out")" = \
    '["follow-up of work order 3 after a dissatisfied callback",3]'
check "its SLA clocks run" test "$(sql "SELECT COUNT(*) FROM ticket_clock WHERE ticket_id = 8 AND status = 'running'")" = 2
check "audited" test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'survey.record' AND entity_key = '3' AND detail = 'dissatisfied, follow-up order 8'")" = 1
expect_ok "order 4 (a complaint) satisfied, no scores" survey record 4 --result satisfied --comment 满意
expect_ok "order 5 (a fault) basically satisfied" survey record 5 --result basically_satisfied --scores efficiency=3,quality=4,price=5,after_sales=3
expect_ok "order 6 satisfied" --json survey record 6 --result satisfied --scores "efficiency=5, quality=4, price=5, after_sales=4"
check "as JSON" out_is '{"ticket":6,"result":"satisfied","result_name":"满意","comment":null,"scores":{"efficiency":5,"quality":4,"price":5,"after_sales":4},"channel":"phone","template":"callback","template_version":1,"org":"ZJ-NB","type":"consult","cust_no":"6300000004","period":"2025-06","answered_at":"2025-06-10T10:00:00+08:00","recorded_by":"tester","follow_up":null,"duplicate":false}'

# ---- once per order ----
digest=$(db_digest)
expect_ok "the same answer again" survey record 3 --result dissatisfied --comment 处理太慢 \
    --scores efficiency=1,quality=2,price=3,after_sales=1
check "changes nothing" out_is "work order 3 was already surveyed with this answer: nothing changed"
run --json survey record 1 --result satisfied --scores efficiency=5,quality=5,price=4,after_sales=5
check "as JSON, duplicate" out_has '"follow_up":null,"duplicate":true\}$'
expect_fail "another answer is refused" 67 \
    "work order 3 was already surveyed at 2025-06-10T02:00:00Z \(dissatisfied, by tester\): a callback answer is recorded once per order" \
    survey record 3 --result satisfied
expect_fail "another result for order 1" 67 "work order 1 was already surveyed" \
    survey record 1 --result basically_satisfied
check "no second follow-up, nothing changed" test "$(db_digest)" = "$digest"

run survey show 3
check "show" out_is "work order 3 (complaint, ZJ-HZ, 6300000001): 不满意 (dissatisfied), 2025-06-10T10:00:00+08:00 by tester via phone
scores (callback v1): efficiency=1 quality=2 price=3 after_sales=1
comment: 处理太慢
follow-up work order 8"
expect_fail "show an order without an answer" 66 "work order 7 has no survey answer" survey show 7
run survey list --result dissatisfied
check "list by result" out_is "3      complaint  ZJ-HZ      dissatisfied         2025-06  2025-06-10T10:00:00+08:00  follow-up 8"
run --json survey list --org ZJ-NB
check "list of a subtree" test "$(jq -c '[.[].ticket]' "$T/out")" = "[4,5,6]"
run --json survey list --after 2 --limit 2
check "keyset pages" test "$(jq -c '[.[].ticket]' "$T/out")" = "[3,4]"
expect_fail "list: a bad period" 65 "2025-13" survey list --period 2025-13
expect_fail "list: an unknown type" 65 "unknown work order type 'repair'" survey list --type repair

# ---- all or nothing: a dissatisfied answer failing at every step ----
export PMIS_NOW=2025-07-03T09:00:00+08:00
close_consult 6300000001 || not_ok "order 9 closed"
n=1 done_at=0
while [ $n -le 200 ]; do
    digest=$(db_digest)
    PMIS_FAULT=io:$n run survey record 9 --result dissatisfied --comment 仍未解决 \
        --scores efficiency=2,quality=2,price=2,after_sales=2
    if [ "$rc" = 0 ]; then done_at=$n; break; fi
    [ "$(db_digest)" = "$digest" ] || { not_ok "a fault after $n steps left a partial answer"; break; }
    n=$((n + 1))
done
check "a fault at any of the first $((done_at - 1)) steps changes nothing; then it commits whole" \
    test "$done_at" -gt 5
# (PostgreSQL sequences advance in transactions that roll back: the follow-up's id is read back)
check "with its follow-up order" test "$(sql "SELECT t.body FROM survey_response s JOIN ticket t ON t.id = s.follow_up_id WHERE s.ticket_id = 9")" = "回访不满意，跟进工单 9：仍未解决"

# ---- figures (hand-computed; doc/satisfaction.md) ----
# June: 1 HZ consult 满意 (Σw(s-1) 380), 2 XH consult 基本满意 (280), 3 HZ complaint 不满意 (70),
# 4 NB complaint 满意 (no scores), 5 NB fault 基本满意 (270), 6 NB consult 满意 (350).
# total: CSAT 5/6 = 83.33 %, CSI 1350 × 25 / 5 = 67.50; complaints: 1/2 = 50.00 %, CSI 17.50.
# HZ (with XH): 2/3 = 66.67 %, CSI 730 × 25 / 3 = 60.83; XH 100 %, 70.00; NB 100 %, 620 × 25 / 2 = 77.50.
# July: 9 HZ consult 不满意 (100). Dimensions (June): Σ(s-1) 13, 14, 15, 12 over 5 → 65, 70, 75, 60.
{
    "$PMIS" survey report --period 2025-06 &&
        "$PMIS" survey report --period 2025-06 --by type &&
        "$PMIS" survey report --period 2025-06 --by dimension &&
        "$PMIS" survey report --from 2025-05 --to 2025-07 --by period &&
        "$PMIS" survey report --period 2025-06 --org ZJ-NB
} >"$T/report.txt" 2>"$T/err"
check "the report matches the golden file" cmp "$T/report.txt" "$PMIS_TOP/tests/data/golden/survey-report.txt"
run --json survey report --period 2025-06
check "total by hand: 83.33 %, missed, CSI 67.50" test "$(jq -c '.[-2] | [.responses, .csat_pct, .met, .csi, .scored]' "$T/out")" = '[6,"83.33",false,"67.50",5]'
check "complaints by hand: 50.00 % against 90 %" test "$(jq -c '.[-1] | [.responses, .csat_pct, .target_pct, .met, .csi]' "$T/out")" = '[2,"50.00",90,false,"17.50"]'
check "HZ rolls up its county" test "$(jq -c '.[] | select(.key == "ZJ-HZ") | [.responses, .csat_pct, .csi]' "$T/out")" = '[3,"66.67","60.83"]'
run --json survey report --period 2025-06 --by dimension
check "the CSI is the weighted dimension index: .3×65 + .3×70 + .2×75 + .2×60 = 67.50" \
    test "$(jq -c '[.[] | .csi]' "$T/out")" = '["65.00","70.00","75.00","60.00","67.50","17.50"]'
run --json --set survey.target_pct=80 --set survey.complaint_target_pct=50 survey report --period 2025-06
check "targets are configuration" test "$(jq -c '[.[-2].met, .[-2].target_pct, .[-1].met]' "$T/out")" = '[true,80,true]'
expect_fail "a bad target" 78 "survey.target_pct" --set survey.target_pct=101 survey report --period 2025-06
expect_fail "no period" 64 "give --period, or --from and --to" survey report
expect_fail "a bad month" 65 "2025-13" survey report --period 2025-13
expect_fail "backwards" 65 "the period runs from 2025-07 to 2025-05, backwards" survey report --from 2025-07 --to 2025-05
expect_fail "a bad --by" 64 "--by is org, type, dimension or period, not 'day'" survey report --period 2025-06 --by day
expect_fail "an unknown org" 66 "ZJ-XX" survey report --period 2025-06 --org ZJ-XX

# ---- sampling campaigns ----
# draw SEED ID...: the ids ranked by splitmix64(seed ^ id·φ), written independently of the C code
draw() {
    python3 -c '
import sys
M = (1 << 64) - 1
def key(seed, i):
    x = (seed & M) ^ ((i * 0x9E3779B97F4A7C15) & M)
    x = (x + 0x9E3779B97F4A7C15) & M
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M
    return x ^ (x >> 31)
seed = int(sys.argv[1])
print(" ".join(str(i) for i in sorted(map(int, sys.argv[2:]), key=lambda i: (key(seed, i), i))))' "$@"
}
export PMIS_NOW=2025-07-05T09:00:00+08:00
expect_ok "a campaign: 50 % of June's orders" survey campaign create --name 六月回访 --org ZJ --period 2025-06 --pct 50 --seed 42
check "draws 3 of 6 (order 7 is open, 8 and 9 were not archived in June)" \
    out_is "campaign 1 六月回访: ZJ 2025-06, 50 % of 6, seed 42: 3 drawn, 3 answered"
run --json survey campaign show 1
want=$(draw 42 1 2 3 4 5 6 | cut -d' ' -f1-3)
check "the sample is the seeded draw ($want)" test "$(jq -r '[.orders[].ticket] | map(tostring) | join(" ")' "$T/out")" = "$want"
survey_campaign2() { "$PMIS" --json survey campaign create --name 重抽 --org ZJ --period 2025-06 --pct 50 --seed "$1" | jq -c '.id'; }
id2=$(survey_campaign2 42)
run --json survey campaign show "$id2"
check "the same seed draws the same orders" test "$(jq -r '[.orders[].ticket] | map(tostring) | join(" ")' "$T/out")" = "$want"
id3=$(survey_campaign2 7)
run --json survey campaign show "$id3"
check "another seed draws its own" test "$(jq -r '[.orders[].ticket] | map(tostring) | join(" ")' "$T/out")" = "$(draw 7 1 2 3 4 5 6 | cut -d' ' -f1-3)"
expect_ok "complaints of a subtree, more than there are" --json survey campaign create --name 投诉回访 --org ZJ-NB --period 2025-06 --type complaint --sample 5 --seed 1
check "all of them" test "$(jq -c '[.population, .sampled, .answered, .sample_n, .type]' "$T/out")" = '[1,1,1,5,"complaint"]'
expect_ok "1 % of six rounds up to one" --json survey campaign create --name 少量 --org ZJ --period 2025-06 --pct 1 --seed 9
check "one order" test "$(jq -c '.sampled' "$T/out")" = 1
run survey campaign show 1
check "show lists the orders with their answers" out_has "^   1  work order [0-9]+ +[a-z]+ +ZJ-[A-Z-]+ +630000000[0-9] [^ ]+  (satisfied|basically_satisfied|dissatisfied) 2025-06-10T10:00:00\+08:00$"
run --json survey campaign list
check "list" test "$(jq -c '[.[].id]' "$T/out")" = "[1,2,3,4,5]"
check "audited" test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'survey.campaign'")" = 5
digest=$(db_digest)
expect_fail "no sample size" 65 "give the sample as a share \(1-100 %\) or a number of orders, one of them" \
    survey campaign create --name x --org ZJ --period 2025-06
expect_fail "both sizes" 65 "one of them" survey campaign create --name x --org ZJ --period 2025-06 --pct 5 --sample 5
expect_fail "over 100 %" 65 "sample share 101 % is over 100 %" survey campaign create --name x --org ZJ --period 2025-06 --pct 101
expect_fail "no name" 65 "needs a name" survey campaign create --name " " --org ZJ --period 2025-06 --pct 5
expect_fail "an unknown org" 66 "unknown org unit 'ZJ-XX'" survey campaign create --name x --org ZJ-XX --period 2025-06 --pct 5
expect_fail "an unknown type" 65 "unknown work order type 'repair'" survey campaign create --name x --org ZJ --period 2025-06 --pct 5 --type repair
expect_fail "no period" 64 "--period is required" survey campaign create --name x --org ZJ --pct 5
expect_fail "a bad period" 65 "2025-6x" survey campaign create --name x --org ZJ --period 2025-6x --pct 5
expect_fail "an unknown campaign" 66 "no survey campaign 99" survey campaign show 99
expect_fail "an unknown verb" 64 "survey campaign needs create, list or show \(not 'drop'\)" survey campaign drop
check "refusals change nothing" test "$(db_digest)" = "$digest"

# ---- over HTTP ----
pw=Sv7qWz3kPt
echo "$pw" | "$PMIS" user add agent_hz --org ZJ-HZ --roles service_agent --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add boss_nb --org ZJ-NB --roles manager --password-stdin >/dev/null ||
    not_ok "API users"
close_consult 6300000002 || not_ok "an order of 萧山 closed"
o=$id
serve_start
login agent_hz "$pw" hz.jar
hz=$csrf
login boss_nb "$pw" nb.jar
nb=$csrf
rec() { req POST "/api/v1/tickets/$1/survey" -b "$T/$2.jar" -H "$JSON" -H "X-CSRF-Token: $3" -d "$4"; }
rec $o hz "$hz" '{"result":"basically_satisfied","comment":"还行","scores":{"efficiency":4,"quality":4,"price":4,"after_sales":3}}'
check "record over HTTP: 201" test "$status" = 201
check "with the answer" test "$(jq -c '[.ticket, .result, .scores.after_sales, .org, .answered_at, .duplicate]' "$T/body")" = \
    "[$o,\"basically_satisfied\",3,\"ZJ-HZ-XH\",\"2025-07-05T01:00:00Z\",false]"
rec $o hz "$hz" '{"result":"basically_satisfied","comment":"还行","scores":{"efficiency":4,"quality":4,"price":4,"after_sales":3}}'
check "the same again: 200, duplicate" test "$status:$(jq -c .duplicate "$T/body")" = "200:true"
rec $o hz "$hz" '{"result":"satisfied"}'
check "another answer: 409" test "$status:$(jq -r .error.code "$T/body")" = "409:conflict"
rec 7 hz "$hz" '{"result":"satisfied"}'
check "another subtree's order: 404" test "$status" = 404
digest=$(db_digest)
rec 7 nb "$nb" '{"result":"satisfied"}'
check "an open order: 409" test "$status" = 409
rec 6 nb "$nb" '{"result":"satisfied","scores":{"efficiency":"5"}}'
check "a score that is a string: 400 naming scores" test "$status:$(jq -r .error.field "$T/body")" = "400:scores"
rec 6 nb "$nb" '{"result":"dissatisfied"}'
check "dissatisfied without comment: 400" test "$status:$(jq -r .error.field "$T/body")" = "400:comment"
rec 6 nb "$nb" '{"result":"satisfied","mood":"good"}'
check "an unknown field: 400" test "$status:$(jq -r .error.field "$T/body")" = "400:mood"
check "refusals over HTTP change nothing" test "$(db_digest)" = "$digest"
req GET "/api/v1/surveys?period=2025-06" -b "$T/nb.jar"
check "list: the caller's subtree only" test "$status:$(jq -c '[.items[].ticket]' "$T/body")" = "200:[4,5,6]"
# ---- one order's answer (pmis survey show): another subtree's answers 404 like a missing one ----
req GET /api/v1/surveys/6 -b "$T/nb.jar"
check "show an answer: 200, the list's shape" test "$status:$(jq -c '[.ticket, .result, .scores.quality, .org, .type, .cust_no, .answered_at, .recorded_by, .follow_up, has("duplicate")]' "$T/body")" = \
    '200:[6,"satisfied",4,"ZJ-NB","consult","6300000004","2025-06-10T02:00:00Z","tester",null,false]'
jq -c . "$T/body" >"$T/one.json"
req GET "/api/v1/surveys?customer=6300000004" -b "$T/nb.jar"
check "the same answer as the list's, scores and all" test "$(jq -c '.items[] | select(.ticket == 6)' "$T/body")" = "$(cat "$T/one.json")"
req GET "/api/v1/surveys/$o" -b "$T/hz.jar"
check "an HZ answer for an HZ user" test "$status:$(jq -c '[.ticket, .result, .org]' "$T/body")" = \
    "200:[$o,\"basically_satisfied\",\"ZJ-HZ-XH\"]"
req GET /api/v1/surveys/6 -b "$T/hz.jar"
check "another subtree's answer: 404" test "$status:$(jq -r .error.message "$T/body")" = \
    "404:work order 6 has no survey answer"
req GET /api/v1/surveys/99999 -b "$T/hz.jar"
check "...exactly like an unknown order" test "$status:$(jq -r .error.message "$T/body")" = \
    "404:work order 99999 has no survey answer"
req GET /api/v1/surveys/7 -b "$T/nb.jar"
check "an order without an answer: 404" test "$status" = 404
req GET /api/v1/surveys/x -b "$T/nb.jar"
check "not an order number: 404 naming it" test "$status:$(jq -r .error.message "$T/body")" = "404:no work order 'x'"
# ---- a customer's answers and orders (the 360° view): ?customer=, in SQL, keyset paged ----
req GET "/api/v1/surveys?customer=6300000003" -b "$T/nb.jar"
check "a customer's answers: those about its orders only" \
    test "$status:$(jq -c '[[.items[] | [.ticket, .cust_no]], .next]' "$T/body")" = '200:[[[4,"6300000003"],[5,"6300000003"]],null]'
req GET "/api/v1/surveys?customer=6300000003&limit=1" -b "$T/nb.jar"
after=$(jq -r .next "$T/body")
check "a page of one, next the cursor" test "$status:$(jq -c '[.items[].ticket]' "$T/body"):$after" = \
    "200:[4]:$(sql "SELECT id FROM survey_response WHERE ticket_id = 4")"
req GET "/api/v1/surveys?customer=6300000003&limit=1&after=$after" -b "$T/nb.jar"
check "...and the next page" test "$status:$(jq -c '[.items[].ticket]' "$T/body")" = '200:[5]'
req GET "/api/v1/surveys?customer=6300000004&period=2025-06" -b "$T/nb.jar"
check "with another filter" test "$status:$(jq -c '[.items[].ticket]' "$T/body")" = '200:[6]'
req GET "/api/v1/surveys?customer=6300000001" -b "$T/nb.jar"
check "another subtree's customer: 404 naming it, field customer" \
    test "$status:$(jq -r '.error | .field + " " + .message' "$T/body")" = "404:customer unknown customer '6300000001'"
req GET "/api/v1/surveys?customer=9999999999" -b "$T/hz.jar"
check "an unknown customer: 404, field customer" test "$status:$(jq -r .error.field "$T/body")" = "404:customer"
req GET "/api/v1/tickets?customer=6300000004" -b "$T/nb.jar"
check "a customer's work orders, closed and open" \
    test "$status:$(jq -c '[[.items[] | [.id, .state]], .next]' "$T/body")" = '200:[[[6,"archived"],[7,"accepted"]],null]'
req GET "/api/v1/tickets?customer=6300000004&limit=1" -b "$T/nb.jar"
check "orders, a page of one: next is its id" test "$status:$(jq -c '[[.items[].id], .next]' "$T/body")" = '200:[[6],6]'
req GET "/api/v1/tickets?customer=6300000004&limit=1&after=6" -b "$T/nb.jar"
check "...and the next page" test "$status:$(jq -c '[.items[].id]' "$T/body")" = '200:[7]'
req GET "/api/v1/tickets?customer=6300000004&open=true" -b "$T/nb.jar"
check "with another filter: the open one" test "$status:$(jq -c '[.items[].id]' "$T/body")" = '200:[7]'
req GET "/api/v1/tickets?customer=6300000003&state=archived" -b "$T/hz.jar"
check "orders of another subtree's customer: 404, field customer" \
    test "$status:$(jq -r .error.field "$T/body")" = "404:customer"
run --json ticket list --customer 6300000004
check "CLI ticket list --customer" test "$(jq -c '[.[].id]' "$T/out")" = '[6,7]'
run --json survey list --customer 6300000003
check "CLI survey list --customer" test "$(jq -c '[.[].ticket]' "$T/out")" = '[4,5]'
req GET "/api/v1/surveys/report?period=2025-06&by=type" -b "$T/nb.jar"
check "report of the caller's subtree" test "$status:$(jq -c '[.by, [.rows[].key], .total.csat_pct, .total.csi, .complaints.met]' "$T/body")" = \
    '200:["type",["consult","fault","complaint"],"100.00","77.50",true]'
req GET "/api/v1/surveys/report?period=2025-06&org=ZJ-HZ" -b "$T/nb.jar"
check "another subtree's report: 404" test "$status" = 404
req POST /api/v1/survey-campaigns -b "$T/nb.jar" -H "$JSON" -H "X-CSRF-Token: $nb" \
    -d '{"name":"宁波七月","org":"ZJ-NB","period":"2025-06","sample_n":2,"seed":42}'
check "campaign over HTTP: 201" test "$status:$(jq -c '[.population, .sampled, .seed]' "$T/body")" = "201:[3,2,42]"
cid=$(jq -r .id "$T/body")
req GET "/api/v1/survey-campaigns/$cid" -b "$T/nb.jar"
check "shown with its orders" test "$status:$(jq -r '[.orders[].ticket] | map(tostring) | join(" ")' "$T/body")" = "200:$(draw 42 4 5 6 | cut -d' ' -f1-2)"
req GET "/api/v1/survey-campaigns/1" -b "$T/nb.jar"
check "a campaign of the whole tree is not the NB manager's: 404" test "$status" = 404
req GET /api/v1/survey-campaigns -b "$T/nb.jar"
check "campaign list: the caller's subtree only (4 and the new one)" \
    test "$status:$(jq -c '[[.items[].id], [.items[].org], .next]' "$T/body")" = "200:[[4,$cid],[\"ZJ-NB\",\"ZJ-NB\"],null]"
check "with the draw's figures" test "$(jq -c '.items[0] | [.name, .period, .type, .population, .sampled, .answered, .template, .template_version]' "$T/body")" = \
    '["投诉回访","2025-06","complaint",1,1,1,"callback",1]'
req GET "/api/v1/survey-campaigns?limit=1" -b "$T/nb.jar"
check "paged: the first, and where the next starts" test "$status:$(jq -c '[[.items[].id], .next]' "$T/body")" = "200:[[4],4]"
req GET "/api/v1/survey-campaigns?limit=1&after=4" -b "$T/nb.jar"
check "the next page" test "$status:$(jq -c '[.items[].id]' "$T/body")" = "200:[$cid]"
req GET "/api/v1/survey-campaigns?period=2025-07" -b "$T/nb.jar"
check "by period: none drawn for July" test "$status:$(jq -c '.items' "$T/body")" = "200:[]"
req GET "/api/v1/survey-campaigns?org=ZJ-NB&period=2025-06" -b "$T/nb.jar"
check "by org subtree and period" test "$status:$(jq -c '[.items[].id]' "$T/body")" = "200:[4,$cid]"
req GET /api/v1/survey-campaigns -b "$T/hz.jar"
check "none of HZ's own" test "$status:$(jq -c '.items' "$T/body")" = "200:[]"
req GET "/api/v1/survey-campaigns?org=ZJ-HZ" -b "$T/nb.jar"
check "another subtree: 404" test "$status:$(jq -r .error.code "$T/body")" = "404:not_found"
req GET "/api/v1/survey-campaigns?period=2025-13" -b "$T/nb.jar"
check "a bad period: 400 naming it" test "$status:$(jq -r .error.field "$T/body")" = "400:period"
req GET "/api/v1/survey-campaigns?limit=0" -b "$T/nb.jar"
check "a bad limit: 400 naming it" test "$status:$(jq -r .error.field "$T/body")" = "400:limit"
req GET /api/v1/survey-templates -b "$T/hz.jar"
check "templates with their dimensions and weights" \
    test "$status:$(jq -c '[.items[] | [.code, .version, .effective_on, [.dimensions[] | .dimension + "=" + (.weight | tostring)]]]' "$T/body")" = \
    '200:[["callback",1,"2000-01-01",["efficiency=30","quality=30","price=20","after_sales=20"]]]'
check "named, with their questions" test "$(jq -r '.items[0].dimensions[2] | .name + " " + .question' "$T/body")" = \
    "电价透明度 您对电价电费政策的公开透明是否满意？"
serve_stop

# ---- a new template version: answers from its first day use its weights ----
export PMIS_NOW=2025-08-05T09:00:00+08:00
digest=$(db_digest)
expect_fail "weights must add up to 100" 65 "the weights add up to 90, not 100" \
    survey template add callback --name 新版 --from 2025-08-01 --weights efficiency=40,quality=40,price=10
expect_fail "an unknown dimension" 65 "dimension.*'speed'" \
    survey template add callback --name 新版 --from 2025-08-01 --weights efficiency=40,speed=60
expect_fail "a dimension twice" 65 "dimension 'price' is given twice" \
    survey template add callback --name 新版 --from 2025-08-01 --weights price=50,price=50
expect_fail "a weight out of range" 65 "weight of 'price' is '0', not a whole number 1..100" \
    survey template add callback --name 新版 --from 2025-08-01 --weights efficiency=100,price=0
expect_fail "a bad date" 65 "not a date" survey template add callback --name 新版 --from 2025-08-32 --weights quality=100
expect_fail "a bad code" 65 "template code 'Call back' is not 1-32 of a-z" survey template add "Call back" --name 新版 --from 2025-08-01 --weights quality=100
expect_fail "no weights" 64 "--weights is required" survey template add callback --name 新版 --from 2025-08-01
check "refusals change nothing" test "$(db_digest)" = "$digest"
expect_ok "callback v2 from 2025-08-01" --json survey template add callback --name 工单回访问卷（2025版） \
    --from 2025-08-01 --weights efficiency=40,quality=40,price=10,after_sales=10
check "is version 2 with its weights" test "$(jq -c '[.version, .effective_on, [.dimensions[] | .weight], .dimensions[0].question]' "$T/out")" = \
    '[2,"2025-08-01",[40,40,10,10],"您对服务效率是否满意？"]'
expect_fail "a version must start after the last one" 67 \
    "survey template callback v2 is in force from 2025-08-01: a new version starts after that" \
    survey template add callback --name 再版 --from 2025-07-01 --weights quality=100
close_consult 6300000003 || not_ok "an August order closed"
expect_ok "an August answer" --json survey record "$id" --result satisfied --scores efficiency=5,quality=4,price=3,after_sales=2
check "uses v2" test "$(jq -c .template_version "$T/out")" = 2
run --json survey report --period 2025-08
check "its CSI uses v2's weights: (40×4 + 40×3 + 10×2 + 10×1) × 25 = 77.50" test "$(jq -r '.[-2].csi' "$T/out")" = 77.50
run --json survey report --period 2025-06
check "June's answers keep v1's" test "$(jq -r '.[-2].csi' "$T/out")" = 67.50

done_testing
