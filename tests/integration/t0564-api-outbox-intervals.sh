#!/bin/sh
# More CLI capabilities over HTTP (issue 5 §6): a manual sender's report on an outbox message
# (a letter posted or returned: POST /outbox/{id}/mark-sent, …/mark-failed, as `pmis outbox
# mark-sent|mark-failed`; collection:work), a meter's load curve in keyset pages of days
# (GET /meters/{asset}/intervals, as `pmis reading intervals`; customer:read), the working-day
# calendar's CSV import (POST /calendar/import, as `pmis calendar import`; calendar:write, the
# whole tree) and a service point's feeder (POST /service-points/{sp}/feeder, as `pmis outage
# feeder`; outage:write). Each: the success
# and what it stored, 403 without the permission, 404 for another subtree's message or meter,
# bad input a clear 400 and an illegal move a 409, nothing changed.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

ledger_fixture &&
    PMIS_NOW=2025-01-10T02:00:00Z "$PMIS" remind run --date 2025-01-10 >/dev/null &&
    echo $pw | "$PMIS" user add boss --org HZ --roles manager --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add clerk --org HZ --roles billing_clerk --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add ana --org HZ --roles analyst --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add adm --all-orgs --roles administrator --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add hzadm --org HZ --roles administrator --password-stdin >/dev/null ||
    not_ok "set up"
{
    echo meter,ts,kwh
    for d in 01 02 03 04 05; do
        for h in 00 01 02; do echo "M1,2024-11-$d $h:00,0.$d"; done
    done
    echo "M3,2024-11-01 00:00,1.5"
} >"$T/iv.csv"
expect_ok "interval data for M1 (HZ) and M3 (NB)" import intervals "$T/iv.csv"
msg() { sql "SELECT MIN(id) FROM outbox WHERE recipient = '$1'"; }
m1=$(msg $A1) m2=$(msg $A2) mnb=$(msg $NB1)
check "reminders queued in both subtrees" test -n "$m1" -a -n "$m2" -a -n "$mnb" -a \
    "$(sql "SELECT COUNT(*) FROM outbox WHERE status = 'queued'")" -ge 3

export PMIS_NOW=2025-01-11T02:00:00Z
serve_start
login_users "$pw" boss clerk ana adm hzadm
state() {
    {
        sql "SELECT id, status, sent_at, error, attempts, claimed_by FROM outbox ORDER BY id"
        sql "SELECT * FROM work_calendar ORDER BY 1"
        sql "SELECT * FROM sp_feeder ORDER BY 1"
    } | sha256sum
}

# ---- outbox: mark-failed, mark-sent (collection:work) ----
refused "another subtree's message: 404" 404 "$mnb" boss POST /api/v1/outbox/$mnb/mark-sent '{}'
refused "a missing message: 404" 404 "99999" boss POST /api/v1/outbox/99999/mark-sent '{}'
refused "a billing clerk (no collection:work): 403" 403 "collection:work" clerk POST /api/v1/outbox/$m1/mark-sent '{}'
refused "failed without the sender's error: 400" 400 "error" boss POST /api/v1/outbox/$m1/mark-failed '{}'
check "naming error" test "$(jq -r .error.field "$T/body")" = error
refused "failed with an empty error: 400" 400 "error text" boss POST /api/v1/outbox/$m1/mark-failed '{"error":""}'
refused "an error that is not a string: 400" 400 "error" boss POST /api/v1/outbox/$m1/mark-failed '{"error":5}'
refused "sent with a body field: 400" 400 "error" boss POST /api/v1/outbox/$m1/mark-sent '{"error":"x"}'
sql "UPDATE outbox SET claimed_by = 'w9' WHERE id = $m2" >/dev/null
refused "a message a delivery worker holds: 409" 409 "worker w9" boss POST /api/v1/outbox/$m2/mark-sent '{}'
sql "UPDATE outbox SET claimed_by = NULL WHERE id = $m2" >/dev/null
as boss POST /api/v1/outbox/$m1/mark-failed '{"error":"地址不详，退回"}'
check "a returned letter: 200, the message a dead letter with the sender's error" test \
    "$status $(jq -c '[.id, .status, .error]' "$T/body")" = "200 [$m1,\"failed\",\"地址不详，退回\"]"
refused "failed twice: 409" 409 "cannot become failed" boss POST /api/v1/outbox/$m1/mark-failed '{"error":"again"}'
as boss POST /api/v1/outbox/$m1/mark-sent '{}'
check "posted after all: 200, sent now" test \
    "$status $(jq -r '.status, .sent_at' "$T/body" | tr '\n' ' ')" = "200 sent 2025-01-11T02:00:00Z "
check "stored" test "$(sql "SELECT status FROM outbox WHERE id = $m1")" = sent
refused "sent is final: 409" 409 "is sent" boss POST /api/v1/outbox/$m1/mark-sent '{}'
check "each change audited with the request id" test \
    "$(sql "SELECT action FROM audit_log WHERE actor = 'boss' AND request_id IS NOT NULL AND entity = 'outbox' AND entity_key = '$m1' ORDER BY id" | tr '\n' ' ')" = \
    "outbox.mark_failed outbox.mark_sent "

# ---- a meter's load curve (customer:read) ----
as ana GET /api/v1/meters/M1/intervals
check "days of interval data, oldest first, as the CLI shows one" test \
    "$status $(jq -c '[.meter, (.items | length), .items[0].date, .items[0].total_kwh, .next]' "$T/body")" = \
    '200 ["M1",5,"2024-11-01","0.030",null]'
check "the day equal to pmis reading intervals" test \
    "$(jq -c '.items[1] | del(.date)' "$T/body")" = \
    "$("$PMIS" --json reading intervals --meter M1 --date 2024-11-02 | jq -c 'del(.meter, .date)')"
as ana GET "/api/v1/meters/M1/intervals?limit=2"
check "a page of 2 with the cursor" test "$status $(jq -c '[[.items[].date], .next]' "$T/body")" = \
    '200 [["2024-11-01","2024-11-02"],"2024-11-02"]'
as ana GET "/api/v1/meters/M1/intervals?limit=2&after=2024-11-02"
check "the next page" test "$(jq -c '[[.items[].date], .next]' "$T/body")" = '[["2024-11-03","2024-11-04"],"2024-11-04"]'
as ana GET "/api/v1/meters/M1/intervals?limit=2&after=2024-11-04"
check "the last page: next null" test "$(jq -c '[[.items[].date], .next]' "$T/body")" = '[["2024-11-05"],null]'
as ana GET "/api/v1/meters/M1/intervals?from=2024-11-02&to=2024-11-03"
check "from and to bound the days" test "$(jq -c '[.items[].date]' "$T/body")" = '["2024-11-02","2024-11-03"]'
as ana GET "/api/v1/meters/M1/intervals?from=2024-11-04&to=2024-11-03"
check "from after to: 400 naming from" test "$status $(jq -r .error.field "$T/body")" = "400 from"
as ana GET "/api/v1/meters/M1/intervals?limit=0"
check "a limit of 0: 400 naming limit" test "$status $(jq -r .error.field "$T/body")" = "400 limit"
as ana GET "/api/v1/meters/M1/intervals?after=yesterday"
check "a bad cursor: 400 naming after" test "$status $(jq -r .error.field "$T/body")" = "400 after"
as ana GET /api/v1/meters/M3/intervals
check "another subtree's meter: 404" test "$status" = 404
as ana GET /api/v1/meters/NOPE/intervals
check "a missing meter: 404" test "$status" = 404
as boss GET /api/v1/meters/M2/intervals
check "a meter without interval data: no days" test "$status $(jq -c '[.items, .next]' "$T/body")" = '200 [[],null]'

# ---- the working-day calendar's import (calendar:write, the whole tree) ----
cal() { req POST "/api/v1/calendar/import$2" -b "$T/$1.jar" -H "X-CSRF-Token: $(eval echo "\$csrf_$1")" \
    -H 'Content-Type: text/csv' --data-binary "$3"; }
good=$(printf 'date,kind,name\n2026-10-01,holiday,国庆节\n2026-10-10,workday,国庆节调休上班\n')
before=$(state)
cal hzadm "" "$good"
check "a scoped administrator: 403 (the calendar clocks every org)" test "$status" = 403
cal boss "" "$good"
check "a manager (no calendar:write): 403" test "$status" = 403
cal adm "" "$(printf 'date,kind,name\n2026-10-01,holiday,国庆节\n2026-10-13,workday,周二上班\n')"
check "a make-up day on a weekday: 400 naming the line" test "$status" = 400 -a \
    -n "$(jq -r .error.message "$T/body" | grep -E 'line 3|2026-10-13')"
cal adm "" "$(printf 'date,kind,name\n2026-02-30,holiday,无此日\n')"
check "a bad date: 400" test "$status" = 400
cal adm "" "$(printf 'day,type\n2026-10-01,holiday\n')"
check "a bad header: 400" test "$status" = 400
cal adm "?encoding=latin1" "$good"
check "an unknown encoding: 400 naming encoding" test "$status $(jq -r .error.field "$T/body")" = "400 encoding"
check "nothing stored by the refusals" test "$(state)" = "$before"
cal adm "" "$good"
check "imported: 200 with the rows and the days changed" test "$status $(jq -c . "$T/body")" = '200 {"rows":2,"changed":2}'
as ana GET "/api/v1/calendar?year=2026"
check "in the year's calendar" test "$(jq -c '[.days[] | select(.date | startswith("2026-10")) | .date, .kind]' "$T/body")" = \
    '["2026-10-01","holiday","2026-10-10","workday"]'
cal adm "" "$good"
check "the same file again: nothing changed" test "$status $(jq -c . "$T/body")" = '200 {"rows":2,"changed":0}'
check "audited with the request id" test \
    "$(sql "SELECT COUNT(*) FROM audit_log WHERE actor = 'adm' AND action LIKE 'calendar%' AND request_id IS NOT NULL")" -ge 1

# ---- a service point's feeder (outage:write) ----
sp_of() { sql "SELECT s.sp_no FROM service_point s JOIN account a ON a.id = s.account_id WHERE a.account_no = '$1'"; }
sp1=$(sp_of $A1) spnb=$(sp_of $NB1)
refused "another subtree's service point: 404" 404 "$spnb" boss POST /api/v1/service-points/$spnb/feeder '{"feeder":"10kV 文三线"}'
refused "a missing service point: 404" 404 "SP-NONE" boss POST /api/v1/service-points/SP-NONE/feeder '{"feeder":"10kV 文三线"}'
refused "a billing clerk (no outage:write): 403" 403 "outage:write" clerk POST /api/v1/service-points/$sp1/feeder '{"feeder":"10kV 文三线"}'
refused "an empty feeder: 400" 400 "feeder" boss POST /api/v1/service-points/$sp1/feeder '{"feeder":" "}'
refused "a feeder over 64 bytes: 400" 400 "64 bytes" boss POST /api/v1/service-points/$sp1/feeder "{\"feeder\":\"$(printf '%065d' 0)\"}"
refused "no feeder: 400" 400 "feeder" boss POST /api/v1/service-points/$sp1/feeder '{}'
as boss POST /api/v1/service-points/$sp1/feeder '{"feeder":"10kV 文三线"}'
check "recorded: 200" test "$status $(jq -c . "$T/body")" = "200 {\"service_point\":\"$sp1\",\"feeder\":\"10kV 文三线\"}"
check "stored, by whom" test "$(sql "SELECT f.feeder, f.updated_by FROM sp_feeder f JOIN service_point s ON s.id = f.sp_id WHERE s.sp_no = '$sp1'")" = "10kV 文三线|boss"
check "audited with the request id" test \
    "$(sql "SELECT COUNT(*) FROM audit_log WHERE actor = 'boss' AND action = 'outage.feeder' AND entity_key = '$sp1' AND request_id IS NOT NULL")" = 1

serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
srv_pid=""
done_testing
