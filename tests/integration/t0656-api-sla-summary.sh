#!/bin/sh
# GET /tickets/sla-summary (the dashboard's open orders by SLA state, one query): for a user of
# one subtree, of another and of the whole tree, each state's count equals the number of open
# orders GET /tickets?open=true&sla=STATE lists, and their sum the open orders listed; the
# exact counts of a known set-up (orders past 80 % of their response time warn, a fresh one is
# ok, a paused one paused; an archived or merged order is not open); ticket:read only (403).
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

pw=Tq8vLm2xRw
"$PMIS" init --no-admin >/dev/null 2>&1 &&
    "$PMIS" calendar import "$PMIS_TOP/data/calendar/cn-2024.csv" >/dev/null &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    "$PMIS" org add NB --name 宁波 --level city --parent ZJ >/dev/null &&
    "$PMIS" customer add --cust-no 6500000001 --name 王一 --type resident --voltage 220V \
        --address 杭州市1号 --org HZ --phone 13812345678 --opened 2024-01-01 >/dev/null &&
    "$PMIS" customer add --cust-no 6500000002 --name 王二 --type resident --voltage 220V \
        --address 宁波市2号 --org NB --phone 13812345679 --opened 2024-01-01 >/dev/null &&
    for u in hz:HZ:service_agent nb:NB:service_agent cash:HZ:cashier; do
        echo "$pw" | "$PMIS" user add "${u%%:*}" --org "$(echo "$u" | cut -d: -f2)" \
            --roles "${u##*:}" --password-stdin >/dev/null || exit 1
    done &&
    echo "$pw" | "$PMIS" user add boss --all-orgs --roles service_agent --password-stdin >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }

logins() {
    for u in hz nb boss cash; do
        login "$u" "$pw" "$u.jar"
        eval "$u=\"-b $T/$u.jar -H X-CSRF-Token:$csrf\""
    done
}
post() { eval "a=\$$1"; shift; p="$1"; shift; req POST "$p" $a -H "$JSON" -d "$1"; }
get() { eval "a=\$$1"; req GET "$2" $a; }
consult() { post "$1" /api/v1/tickets "{\"type\":\"consult\",\"channel\":\"phone\",\"area\":\"urban\",\"cust_no\":\"$2\",\"text\":\"咨询\"}"; }

serve_start PMIS_NOW=2024-07-01T10:00:00+08:00
logins
consult hz 6500000001 # 1: warns at 11:40
consult hz 6500000001 # 2: paused below
consult nb 6500000002 # 3: NB, warns at 11:40
consult hz 6500000001 # 4: merged into 1 below (not open)
post hz /api/v1/tickets/4/merge '{"into":1}'
check "set-up: order 4 merged" test "$status" = 200
serve_stop
serve_start PMIS_NOW=2024-07-01T11:40:00+08:00
logins
consult hz 6500000001 # 5: fresh, ok
post hz /api/v1/tickets/2/pause '{"note":"等客户"}'

# summary STATE...: the counts of the summary as "ok warning breached paused none open"
summary() {
    get "$1" /api/v1/tickets/sla-summary
    [ "$status" = 200 ] && jq -r '"\(.counts.ok) \(.counts.warning) \(.counts.breached) \(.counts.paused) \(.counts.none) \(.open)"' "$T/body"
}
# listed USER: the same, counted from GET /tickets?open=true&sla=STATE
listed() {
    out="" all=0
    for s in ok warning breached paused none; do
        get "$1" "/api/v1/tickets?open=true&sla=$s&limit=1000"
        n=$(jq '.items | length' "$T/body")
        out="$out$n "
        all=$((all + n))
    done
    get "$1" "/api/v1/tickets?open=true&limit=1000"
    [ "$(jq '.items | length' "$T/body")" = "$all" ] && echo "$out$all"
}
for who in hz:"1 1 0 1 0 3" nb:"0 1 0 0 0 1" boss:"1 2 0 1 0 4"; do
    u=${who%%:*} want=${who#*:}
    got=$(summary "$u")
    check "$u: the summary's counts ($got) are exactly $want" test "$got" = "$want"
    check "$u: each state's count is the list's for that state, the sum its open orders" \
        test "$got" = "$(listed "$u")"
done
get boss /api/v1/tickets/sla-summary
check "the summary tells the server's now" test "$(jq -r .at "$T/body")" = 2024-07-01T03:40:00Z
serve_stop
serve_start PMIS_NOW=2024-07-01T16:00:00+08:00
logins
got=$(summary boss)
check "later, every state as the list has it ($got)" test "$got" = "$(listed boss)"
check "later, past the deadlines: some orders breached" test "$(echo "$got" | cut -d' ' -f3)" -ge 2
get cash /api/v1/tickets/sla-summary
check "a cashier (no ticket:read): 403" test "$status" = 403
serve_stop
done_testing
