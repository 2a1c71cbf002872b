#!/bin/sh
# pmis apply sla: the SLA run of service applications (issue 6 §2, §5; migration 0023). On the
# real 2024 calendar — a weekend, the 调休 Sunday 2024-09-29 and 国庆节 2024-10-01..07 — the
# end-to-end and current-stage clocks record their first warning and first breach once, a
# breach goes into the supervisor's queue once (beside the work orders' items) with an event in
# the application's history, a second run records nothing new, a pause keeps a clock from
# breaching, a cancelled application is left alone, and the queue's steps (acknowledge,
# resolve) work on an application's item over the CLI and the HTTP API with org scope.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

pw=Mx7qWz3kPt
export PMIS_NOW=2024-09-27T10:00:00+08:00
"$PMIS" init >/dev/null 2>&1 &&
    "$PMIS" calendar import "$PMIS_TOP/data/calendar/cn-2024.csv" >/dev/null &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add ZJ-HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    "$PMIS" org add ZJ-NB --name 宁波 --level city --parent ZJ >/dev/null &&
    "$PMIS" tariff load "$PMIS_TOP/data/tariffs/beijing-resident.json" >/dev/null &&
    echo "$pw" | "$PMIS" user add boss --org ZJ-HZ --roles manager --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add nbboss --org ZJ-NB --roles manager --password-stdin >/dev/null ||
    { not_ok "set up orgs, a tariff, users and the 2024 calendar"; done_testing; exit 1; }

# new KIND ORG NAME TYPE VOLTAGE: accept a new connection at PMIS_NOW, print its id
new() {
    "$PMIS" --json apply new --kind "$1" --org "$2" --name "$3" --type "$4" --voltage "$5" \
        --address 杭州市文三路1号 --capacity 8 --tariff BJ-RES | jq -r .id
}
# marks N: "warned breached stage_warned stage_breached" of application N ("null" when not)
marks() {
    "$PMIS" --json apply show "$1" |
        jq -r '"\(.warned_at) \(.breached_at) \(.stage_warned_at) \(.stage_breached_at)"'
}
sla() { "$PMIS" --json apply sla "$@" >"$T/out" 2>"$T/err"; }
tot() { jq -r "$1" "$T/out"; }
queue_rows() { sql "SELECT COUNT(*) FROM ticket_escalation WHERE application_id IS NOT NULL"; }
events() { sql "SELECT COUNT(*) FROM application_event WHERE action = 'escalate'"; }

# ---- 1. low-voltage residential, accepted on Friday 2024-09-27 before the holiday ----
a1=$(new new_lv_res ZJ-HZ 张三 resident 220V)
check "accepted: 5 working days end to end (Sun 09-29, Mon 09-30, Tue-Thu 10-08..10)" \
    test "$("$PMIS" --json apply show "$a1" | jq -r .deadline_at)" = "2024-10-11T00:00:00+08:00"
a2=$(new new_lv_res ZJ-HZ 王五 resident 220V)
expect_ok "a second one is cancelled" apply cancel "$a2" --reason 客户撤回

sla --at 2024-09-28T20:00:00+08:00
check "Saturday: not a working day, every clock ok" \
    test "$(tot '[.clocks, .ok, .warning, .breached, .warned, .escalated] | join(" ")')" = "2 2 0 0 0 0"
check "the cancelled application is not run" test "$(tot '.rows | length')" = 0

sla --at 2024-09-29T21:00:00+08:00
check "Sunday 调休 (a working day): the acceptance stage's clock warns at 80 %" \
    test "$(tot '[.warning, .warned, .escalated] | join(" ")')" = "1 1 0"
check "the warning is recorded on the stage only" \
    test "$(marks "$a1")" = "null null 2024-09-29T21:00:00+08:00 null"
check "the rows name the application and its stage state" \
    test "$(tot '[.rows[] | [.id, .stage, .stage_sla, .sla]] | tostring')" = "[[$a1,\"accept\",\"warning\",\"ok\"]]"

sla --at 2024-09-30T00:00:01+08:00
check "midnight after Sunday: the stage's 1 working day is breached and escalated" \
    test "$(tot '[.breached, .newly_breached, .escalated] | join(" ")')" = "1 1 1"
check "escalated by this run" test "$(tot '.rows[0].escalated_stage')" = true
check "the breach is recorded once, the warning kept" \
    test "$(marks "$a1")" = "null null 2024-09-29T21:00:00+08:00 2024-09-30T00:00:01+08:00"
check "one queue item" test "$(queue_rows)" = 1
check "its deadline is the end of Sunday 09-29" \
    test "$("$PMIS" --json ticket escalations | jq -r '.[0] | [.application, .metric, .stage, .deadline_at, .status] | join(" ")')" = \
    "$a1 apply_stage accept 2024-09-30T00:00:00+08:00 open"
check "an escalate event in the application's history" test "$(events)" = 1

# the same run again, and a later one: nothing new
before=$(db_digest)
sla --at 2024-09-30T00:00:01+08:00
check "the same run again records and escalates nothing" \
    test "$(tot '[.breached, .warned, .newly_breached, .escalated] | join(" ")')" = "1 0 0 0"
check "and changes nothing in the database" test "$(db_digest)" = "$before"
sla --at 2024-10-08T09:00:00+08:00
check "after the holiday (10-01..07 not counted): end to end still ok, nothing new" \
    test "$(tot '[.rows[0].sla, .escalated, .warned] | join(" ")')" = "ok 0 0"
check "still one queue item, one event" test "$(queue_rows) $(events)" = "1 1"

sla --at 2024-10-10T20:00:00+08:00
check "Thursday evening: the end-to-end clock warns" \
    test "$(tot '[.rows[0].sla, .warned, .escalated] | join(" ")')" = "warning 1 0"
sla --at 2024-10-11T00:00:01+08:00
check "end of Thursday 10-10: the end-to-end limit is breached and escalated once" \
    test "$(tot '[.rows[0].sla, .newly_breached, .escalated, .rows[0].escalated_total] | join(" ")')" = "breached 1 1 true"
check "both recorded on the application" \
    test "$(marks "$a1" | cut -d' ' -f1,2)" = "2024-10-10T20:00:00+08:00 2024-10-11T00:00:01+08:00"
sla --date 2024-10-20
check "days later: nothing new" test "$(tot '[.warned, .newly_breached, .escalated] | join(" ")')" = "0 0 0"
check "two queue items for application $a1" test "$(queue_rows)" = 2

# ---- 2. low-voltage non-residential accepted on the last day before the holiday ----
export PMIS_NOW=2024-09-30T09:00:00+08:00
a3=$(new new_lv_biz ZJ-HZ 李四商店 general_ci 380V)
sla --at 2024-10-08T23:00:00+08:00
check "accepted Mon 09-30: its 1-day stage runs to the end of Tue 10-08 (holiday skipped)" \
    test "$(tot "[.rows[] | select(.id == $a3) | .stage_deadline_at, .stage_sla] | join(\" \")")" = "2024-10-09T00:00:00+08:00 warning"
check "6 working days end to end: Sat 10-12 (调休) counts, due the end of Mon 10-14" \
    test "$(tot "[.rows[] | select(.id == $a3) | .deadline_at] | join(\" \")")" = "2024-10-15T00:00:00+08:00"

# a pause (waiting for the customer) keeps the clocks from breaching
export PMIS_NOW=2024-10-08T23:30:00+08:00
expect_ok "pause: waiting for the customer's documents" apply pause "$a3" --note 等客户资料
sla --at 2024-10-12T12:00:00+08:00
check "paused: both clocks paused, nothing breached or escalated" \
    test "$(tot "[.rows[] | select(.id == $a3)] | length") $(tot '[.paused, .escalated] | join(" ")')" = "0 2 0"
export PMIS_NOW=2024-10-14T09:00:00+08:00
expect_ok "resume" apply resume "$a3" --note 资料已补齐
sla --at 2024-10-14T09:20:00+08:00
check "resumed Mon 10-14 09:00: the stage has the 30 minutes it had left, not breached yet" \
    test "$(tot "[.rows[] | select(.id == $a3) | .stage_deadline_at, .stage_sla] | join(\" \")") $(tot .escalated)" = "2024-10-14T09:30:00+08:00 warning 0"
sla --at 2024-10-14T09:31:00+08:00
check "then breached and escalated" \
    test "$(tot "[.rows[] | select(.id == $a3) | .stage_sla, .escalated_stage] | join(\" \")")" = "breached true"

# ---- paging: --after/--limit list one page, the run covers all ----
before=$(db_digest)
sla --at 2024-10-14T09:32:00+08:00 --all --limit 1
check "--all --limit 1: the first open application, next its id" \
    test "$(tot '[.rows[].id] | tostring') $(tot .next) $(tot .clocks)" = "[$a1] $a1 4"
sla --at 2024-10-14T09:32:00+08:00 --all --limit 1 --after "$a1"
check "the next page: the other one, the last page" \
    test "$(tot '[.rows[].id] | tostring') $(tot .next) $(tot .clocks)" = "[$a3] null 4"
check "runs that record nothing change nothing (no audit)" test "$(db_digest)" = "$before"
for bad in "--limit 0:'--limit'" "--limit 1001:must be 1..1000" "--after -2:'--after'"; do
    expect_fail "apply sla ${bad%%:*} refused" 64 "${bad#*:}" apply sla ${bad%%:*}
done
check "... changing nothing" test "$(db_digest)" = "$before"
run apply sla --at 2024-10-14T09:32:00+08:00 --all --limit 1
check "the text form says where the next page starts" out_has "^next: --after $a1\$"

# ---- 3. the queue's steps on an application's item ----
esc=$(sql "SELECT id FROM ticket_escalation WHERE application_id = $a1 AND metric = 'apply_stage'")
run ticket escalations
check "the queue lists applications as A<id>" out_has "^A$a1 +new_lv_res apply_stage ZJ-HZ"
expect_fail "acknowledge needs a note" 64 "note" escalation ack "$esc"
expect_ok "acknowledge" escalation ack "$esc" --note 已通知业扩班组
check "says which application" out_is "escalation $esc (application $a1, apply_stage): acknowledged"
check "the step is in the application's history" \
    test "$(sql "SELECT action || '|' || note FROM application_event WHERE application_id = $a1 ORDER BY id DESC LIMIT 1")" = \
    "escalation.ack|escalation $esc (apply_stage): 已通知业扩班组"
expect_ok "resolve" escalation resolve "$esc" --note 已受理完毕
expect_fail "resolve twice: refused naming the status" 67 "is resolved" escalation resolve "$esc" --note again
check "the application itself did not move" test "$("$PMIS" --json apply show "$a1" | jq -r '.state + " " + .stage')" = "open accept"
check "the audit chain verifies" "$PMIS" audit verify

# ---- 4. over HTTP, with org scope ----
serve_start PMIS_NOW=2024-10-15T09:00:00+08:00
login boss "$pw" boss.jar
boss_csrf=$csrf
login nbboss "$pw" nb.jar
nb_csrf=$csrf
req GET /api/v1/tickets/escalations -b "$T/boss.jar"
check "the queue over HTTP: the applications' items, ticket null" \
    test "$status $(jq -c '[.items[] | select(.application != null) | [.ticket, .application, .metric, .stage]] | .[0]' "$T/body")" = \
    "200 [null,$a1,\"apply_total\",\"accept\"]"
req GET /api/v1/tickets/escalations -b "$T/nb.jar"
check "another subtree sees none of them" test "$status $(jq -c '.items | length' "$T/body")" = "200 0"
tesc=$(sql "SELECT id FROM ticket_escalation WHERE application_id = $a3")
req POST "/api/v1/escalations/$tesc/acknowledge" -b "$T/nb.jar" -H "X-CSRF-Token: $nb_csrf" -H "$JSON" -d '{"note":"x"}'
check "nor may work them off: 404" test "$status" = 404
req POST "/api/v1/escalations/$tesc/acknowledge" -b "$T/boss.jar" -H "X-CSRF-Token: $boss_csrf" -H "$JSON" -d '{"note":"已督办"}'
check "acknowledge over HTTP" \
    test "$status $(jq -c '[.application, .status, .acked_by]' "$T/body")" = "200 [$a3,\"acknowledged\",\"boss\"]"
req GET "/api/v1/applications/$a1" -b "$T/boss.jar"
check "the application's recorded marks over HTTP" \
    test "$status $(jq -r '.breached_at + " " + .stage_breached_at' "$T/body")" = "200 2024-10-10T16:00:01Z 2024-09-29T16:00:01Z"
serve_stop

done_testing
