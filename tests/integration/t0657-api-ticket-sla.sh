#!/bin/sh
# The work orders' SLA run over HTTP (POST /api/v1/tickets/sla, issue 6 §2), beside
# POST /applications/sla: as of the server's now (an "at" is refused, changing nothing), a scoped
# caller's run covers its subtree only (a whole-tree user every order), ticket:write, the run's
# counts always and one page of its clocks (limit, keyset cursor "next"; with "all" every running
# clock), each page a whole run, read in SQL; each item says whether this run recorded its first
# warning or breach and escalated it; a run that records something is audited (ticket.sla_run), a
# second one records nothing and is not. Bad paging input is 400 naming the field and changes nothing.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

pw=Vb3nQx8kLz
export PMIS_NOW=2024-07-01T10:00:00+08:00
"$PMIS" init --no-admin >/dev/null 2>&1 &&
    "$PMIS" calendar import "$PMIS_TOP/data/calendar/cn-2024.csv" >/dev/null &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    "$PMIS" org add NB --name 宁波 --level city --parent ZJ >/dev/null &&
    for u in boss:HZ:manager nbboss:NB:manager top:ZJ:manager aud:ZJ:auditor; do
        IFS=: read -r name org role <<END
$u
END
        echo "$pw" | "$PMIS" user add "$name" --org "$org" --roles "$role" --password-stdin \
            >/dev/null || exit 1
    done || { not_ok "set up"; done_testing; exit 1; }
add() { # add ORG: a complaint (contact in 24 h, reply in 5 working days); its id
    "$PMIS" --json ticket add --type complaint --subtype service --channel phone --area urban \
        --anonymous --org "$1" --text 投诉 | jq -r .id
}
h1=$(add HZ) && h2=$(add HZ) && h3=$(add HZ) && n1=$(add NB) ||
    { not_ok "four complaints"; done_testing; exit 1; }
marks() { sql "SELECT COUNT(*) FROM ticket_clock k JOIN ticket t ON t.id = k.ticket_id JOIN org_unit u ON u.id = t.org_id WHERE u.code = '$1' AND k.breached_at IS NOT NULL"; }
clock_id() { sql "SELECT id FROM ticket_clock WHERE ticket_id = $1 AND metric = '$2'"; }
audits() { sql "SELECT COUNT(*) FROM audit_log WHERE action = 'ticket.sla_run'"; }

# 25 hours later: every contact clock is breached, every reply clock ok
serve_start PMIS_NOW=2024-07-02T11:00:00+08:00
for u in boss nbboss top aud; do
    login $u "$pw" $u.jar
    echo "$csrf" >"$T/$u.csrf"
done
post() { req POST /api/v1/tickets/sla -b "$T/$1.jar" -H "X-CSRF-Token: $(cat "$T/$1.csrf")" -H "$JSON" -d "$2"; }
j() { jq -c "$1" "$T/body" | tr '\n' ' ' | sed 's/ $//'; }

post aud '{}'
check "an auditor (no ticket:write) may not run it: 403" test "$status" = 403
before=$(db_digest)
post boss '{"at":"2030-01-01T00:00:00Z"}'
check "no instant may be given: 400 naming 'at'" test "$status $(j .error.field)" = '400 "at"'
for bad in '{"limit":0}:limit' '{"limit":1001}:limit' '{"limit":"2"}:limit' '{"after":-1}:after' \
    '{"all":"yes"}:all'; do
    post boss "${bad%:*}"
    check "${bad%:*}: 400 naming ${bad##*:}" test "$status $(j .error.field)" = "400 \"${bad##*:}\""
done
check "the refused runs changed nothing" test "$(db_digest)" = "$before"

a0=$(audits)
post nbboss '{}'
check "NB's run: 200 as of the server's now" test "$status $(j .at)" = '200 "2024-07-02T03:00:00Z"'
check "it covers NB's order only: 2 clocks, its contact breached, recorded and escalated" \
    test "$(j '[.clocks, .ok, .breached, .marked, .escalated]')" = '[2,1,1,1,1]'
check "the flagged clock, escalated by this run; no next page" \
    test "$(j '[.items[] | [.ticket_id, .metric, .state, .deadline_at, .escalated, .newly_warned, .newly_breached]], .next')" = \
    "[[$n1,\"contact\",\"breached\",\"2024-07-02T02:00:00Z\",true,true,true]] null"
check "HZ's clocks untouched by NB's run" test "$(marks HZ) $(marks NB)" = "0 1"
check "the run is audited, naming the subtree" \
    test "$(audits) $(sql "SELECT detail FROM audit_log WHERE action = 'ticket.sla_run' ORDER BY id DESC LIMIT 1" | grep -c 'subtree')" = "$((a0 + 1)) 1"

post boss '{"limit":2}'
check "HZ's run, a page of 2: the totals of the whole run (6 clocks, 3 breached, 3 escalated)" \
    test "$status $(j '[.clocks, .breached, .marked, .escalated]')" = "200 [6,3,3,3]"
check "the first two flagged clocks by id, next the second's clock id" \
    test "$(j '[.items[] | [.ticket_id, .metric, .clock_id]], .next')" = \
    "[[$h1,\"contact\",$(clock_id "$h1" contact)],[$h2,\"contact\",$(clock_id "$h2" contact)]] $(clock_id "$h2" contact)"
check "every HZ breach is recorded though the page lists two" test "$(marks HZ)" = 3
a1=$(audits)
post boss "{\"limit\":2,\"after\":$(clock_id "$h2" contact)}"
check "the next page: the third, the last page" \
    test "$status $(j '[.items[] | [.ticket_id, .escalated, .newly_breached]], .next')" = "200 [[$h3,false,false]] null"
check "a run that records nothing is not audited" test "$(audits)" = "$a1"
before=$(db_digest)
: >"$T/all"
after=""
for i in 1 2 3 4; do
    post boss "{\"all\":true,\"limit\":4${after:+,\"after\":$after}}"
    [ "$status" = 200 ] || break
    jq -r '.items[] | .ticket_id' "$T/body" >>"$T/all"
    after=$(jq -r '.next // empty' "$T/body")
    [ -n "$after" ] || break
done
check "all: every running HZ clock in two pages (4 + 2)" \
    test "$i $(sort -n "$T/all" | tr '\n' ' ')" = "2 $h1 $h1 $h2 $h2 $h3 $h3 "
check "runs that record nothing change nothing" test "$(db_digest)" = "$before"
post top '{"all":true}'
check "a whole-tree user's run covers every order: 8 clocks, nothing new" \
    test "$status $(j '[.clocks, .breached, .marked, .escalated, (.items | length)]')" = "200 [8,4,0,0,8]"
check "four escalations in the queue, once each" \
    test "$(sql "SELECT COUNT(*), COUNT(DISTINCT clock_id) FROM ticket_escalation" | tr '|' ' ')" = "4 4"
serve_stop
check "the audit chain verifies" "$PMIS" audit verify

done_testing
