#!/bin/sh
# The SLA run of service applications over HTTP (POST /api/v1/applications/sla, issue 6 §2, §5)
# and breaches recorded as a clock ends. On the real 2024 calendar (国庆节 10-01..07, the 调休
# Sunday 09-29): a stage or a whole application that finishes past its working-day deadline with
# no run in between records its breach (and warning) as it finishes, a run afterwards adds
# nothing, and one that a run saw first keeps the run's marks. Over HTTP the run is as of the
# server's now, covers the caller's subtree only (a whole-tree user every one), needs
# application:write, takes no instant ("at" is refused, changing nothing), answers the totals
# and one page of the flagged applications (limit, keyset cursor "next"), and a run that records
# something is audited.
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
    "$PMIS" meter add M-1 --model DDZY71 --phases 1 >/dev/null &&
    echo "$pw" | "$PMIS" user add boss --org ZJ-HZ --roles manager --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add nbboss --org ZJ-NB --roles manager --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add top --org ZJ --roles manager --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add aud --org ZJ --roles auditor --password-stdin >/dev/null ||
    { not_ok "set up orgs, a tariff, users and the 2024 calendar"; done_testing; exit 1; }

new() {
    "$PMIS" --json apply new --kind new_lv_res --org "$1" --name "$2" --type resident \
        --voltage 220V --address 杭州市文三路1号 --capacity 8 --tariff BJ-RES | jq -r .id
}
# stage_marks N STAGE: "warned breached" of one stage row (epoch µs; empty when not)
stage_marks() {
    sql "SELECT COALESCE(warned_at, 0) || ' ' || COALESCE(breached_at, 0) FROM application_stage WHERE application_id = $1 AND stage = '$2'"
}
app_marks() { sql "SELECT COALESCE(warned_at, 0) || ' ' || COALESCE(breached_at, 0) FROM application WHERE id = $1"; }
us() { echo $(($(date -d "$1" +%s) * 1000000)); }

# Friday 09-27: the acceptance stage (1 working day) is due at the end of the 调休 Sunday 09-29
a1=$(new ZJ-HZ 张三)
a2=$(new ZJ-HZ 王五)
a3=$(new ZJ-NB 李四)

# ---- 1. a stage finished late with no run in between ----
export PMIS_NOW=2024-09-30T10:00:00+08:00
expect_ok "a2's acceptance finishes Monday 09-30, past its deadline, no run since" \
    apply advance "$a2" survey
late=$(us 2024-09-30T10:00:00+08:00)
check "its breach and warning are recorded as it finishes" test "$(stage_marks "$a2" accept)" = "$late $late"
check "the stage reads as missed" \
    test "$("$PMIS" --json apply show "$a2" | jq -r '.stages[] | select(.stage == "accept") | .state')" = missed
check "the next stage's clock has recorded nothing" test "$(stage_marks "$a2" survey)" = "0 0"
"$PMIS" --json apply sla --at 2024-09-30T10:00:01+08:00 >"$T/out"
check "a run afterwards records nothing for a2 (a1's and a3's running stages are its news)" \
    test "$(jq -r "[.rows[] | select(.id == $a2)] | length" "$T/out") $(stage_marks "$a2" accept)" = "0 $late $late"
check "the run saw a1's and a3's breached stages: 2 new breaches, 2 escalations" \
    test "$(jq -r '[.newly_breached, .escalated] | join(" ")' "$T/out")" = "2 2"
run_at=$(us 2024-09-30T10:00:01+08:00)
export PMIS_NOW=2024-09-30T11:00:00+08:00
expect_ok "a1's acceptance finishes after the run saw its breach" apply advance "$a1" survey
check "the run's marks are kept, not written twice" test "$(stage_marks "$a1" accept)" = "$run_at $run_at"
check "no escalation for the stage finished late between runs" \
    test "$(sql "SELECT COUNT(*) FROM ticket_escalation WHERE application_id = $a2")" = 0

# ---- 2. a whole application completed late (5 working days: due the end of Thu 10-10) ----
h=6
for st in scheme inspect connect; do
    h=$((h + 1))
    PMIS_NOW=2024-10-08T0$h:00:00+08:00 "$PMIS" apply advance "$a2" $st >/dev/null ||
        not_ok "advance $a2 to $st"
done
export PMIS_NOW=2024-10-14T10:00:00+08:00
expect_ok "a2 completes Monday 10-14, past its end-to-end deadline, no run since 09-30" \
    apply complete "$a2" --meter M-1 --reads total=0 --cycle-day 15
done_at=$(us 2024-10-14T10:00:00+08:00)
check "the end-to-end breach and warning are recorded as it completes" \
    test "$(app_marks "$a2")" = "$done_at $done_at"
check "and the last stage's (1 working day from 10-08) too" \
    test "$(stage_marks "$a2" connect)" = "$done_at $done_at"
check "the application reads as missed" test "$("$PMIS" --json apply show "$a2" | jq -r .sla)" = missed
"$PMIS" --json apply sla --at 2024-10-14T10:00:01+08:00 >"$T/out"
check "a run afterwards does not see the completed application" \
    test "$(jq -r "[.rows[] | select(.id == $a2)] | length" "$T/out")" = 0
check "the run records and escalates a1's and a3's end-to-end breaches and a1's survey stage" \
    test "$(jq -r '[.newly_breached, .escalated] | join(" ")' "$T/out")" = "3 3"
check "the audit chain verifies" "$PMIS" audit verify

# ---- 3. over HTTP ----
export PMIS_NOW=2024-10-15T09:00:00+08:00
a4=$(new ZJ-HZ 赵六)
a5=$(new ZJ-NB 钱七)
serve_start PMIS_NOW=2024-10-17T09:00:00+08:00
for u in boss nbboss top aud; do
    login $u "$pw" $u.jar
    echo "$csrf" >"$T/$u.csrf"
done
post() { req POST /api/v1/applications/sla -b "$T/$1.jar" -H "X-CSRF-Token: $(cat "$T/$1.csrf")" -H "$JSON" -d "$2"; }
audits() { sql "SELECT COUNT(*) FROM audit_log WHERE action = 'application.sla_run'"; }
post aud '{}'
check "an auditor may not run it: 403 (audited)" test "$status" = 403
before=$(db_digest)
post boss '{"at":"2030-01-01T00:00:00Z"}'
check "no instant may be given: 400 naming 'at'" \
    test "$status $(jq -r .error.field "$T/body")" = "400 at"
check "the refused run changed nothing" test "$(db_digest)" = "$before"
audits0=$(audits)
post nbboss '{}'
check "NB's run: 200 as of the server's now" \
    test "$status $(jq -r .at "$T/body")" = "200 2024-10-17T01:00:00Z"
check "it covers NB's open applications only (a3, a5: 2 clocks each)" \
    test "$(jq -r '[.clocks, ([.applications[].id] | sort | map(tostring) | join(","))] | join(" ")' "$T/body")" = \
    "4 $a3,$a5"
check "a5's stage (1 working day from Tue 10-15) newly breached and escalated" \
    test "$(jq -r '[.newly_breached, .escalated, .warned] | join(" ")' "$T/body")" = "1 1 1"
check "HZ's a4 untouched by NB's run" test "$(stage_marks "$a4" accept)" = "0 0"
check "the run is audited, naming the subtree" \
    test "$(audits) $(sql "SELECT detail FROM audit_log WHERE action = 'application.sla_run' ORDER BY id DESC LIMIT 1" | grep -c 'subtree')" = "$((audits0 + 1)) 1"
post top '{"all":true}'
check "a whole-tree user's run covers every open application (a1, a3, a4, a5)" \
    test "$status $(jq -r '[.clocks, (.applications | length)] | join(" ")' "$T/body")" = "200 8 4"
check "and records only HZ's a4 as new" \
    test "$(jq -r '[.newly_breached, .escalated] | join(" ")' "$T/body") $(stage_marks "$a4" accept | cut -c1-3)" = "1 1 172"
a_after=$(audits)
before=$(db_digest)
post top '{}'
check "a second run records nothing and is not audited" \
    test "$status $(jq -r '[.warned, .newly_breached, .escalated] | join(" ")' "$T/body") $(audits)" = "200 0 0 0 $a_after"
check "and changes nothing" test "$(db_digest)" = "$before"
post top '{"all":true,"limit":3}'
check "a page of 3 by id: the counts of the whole run, next the third's id" \
    test "$status $(jq -r '[.clocks, ([.applications[].id] | map(tostring) | join(",")), .next] | join(" ")' "$T/body")" = \
    "200 8 $a1,$a3,$a4 $a4"
post top "{\"all\":true,\"limit\":3,\"after\":$a4}"
check "the next page: the last one (next null)" \
    test "$status $(jq -r '[([.applications[].id] | map(tostring) | join(",")), .next] | tostring' "$T/body")" = \
    "200 [\"$a5\",null]"
for bad in '{"limit":0}:limit' '{"limit":1001}:limit' '{"after":"x"}:after'; do
    post top "${bad%:*}"
    check "${bad%:*}: 400 naming ${bad##*:}" test "$status $(jq -r .error.field "$T/body")" = "400 ${bad##*:}"
done
check "the paged and refused runs changed nothing" test "$(db_digest)" = "$before"
post boss '{}'
check "an escalated row says what this run escalated" \
    test "$status $(jq -r '[.applications[] | .escalated_stage] | unique | join(",")' "$T/body")" = "200 false"
serve_stop
check "the audit chain verifies" "$PMIS" audit verify

done_testing
