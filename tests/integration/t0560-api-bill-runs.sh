#!/bin/sh
# Billing writes over HTTP: tariffs stored from a JSON body (201, a repeat 200, a changed
# version 409) and quotes; readings and intervals as text/csv bodies (bad rows 400 with the
# report, a meter of another subtree refused as unknown, nothing stored); bill runs (blocking),
# scoped to the caller's subtree: a whole-tree run, its bulk decisions and its issue need a
# user of the whole tree (403), another subtree's org and run answer 404 like missing ones;
# the review queue, decisions on one bill (hold needs a note) and in bulk by reason, issue,
# corrections (退补) by corrected kWh. Bad input is 400 naming the field; bodies over the limit
# 413; refused requests change nothing.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

cat >"$T/c.csv" <<'END'
cust_no,name,user_type,voltage,address,org,opened_on
3300000001,张一,resident,220V,杭州市1号,HZ,2020-01-01
3300000002,张二,resident,220V,杭州市2号,HZ,2020-01-01
3300000003,李三,resident,220V,宁波市3号,NB,2020-01-01
END
flat_fixture 330000000 "postpaid postpaid postpaid" 3
A1=330000000101 A2=330000000201 NB1=330000000301
pw=Kc4rVt8wQm
export PMIS_NOW=2024-12-01T02:00:00Z
"$PMIS" init --no-admin >/dev/null 2>&1 &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    "$PMIS" org add NB --name 宁波 --level city --parent ZJ >/dev/null &&
    "$PMIS" import customers "$T/c.csv" >/dev/null &&
    echo $pw | "$PMIS" user add clerk --org HZ --roles billing_clerk --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add boss --org HZ --roles manager --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add adm --org HZ --roles administrator --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add root --all-orgs --roles administrator --password-stdin >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }

serve_start PMIS_SERVER_MAX_BODY_BYTES=4096 PMIS_SERVER_MAX_IMPORT_BYTES=4096
for u in clerk boss adm root; do
    login $u $pw $u.jar
    echo "-b $T/$u.jar -H X-CSRF-Token:$csrf" >"$T/$u.auth"
done
CL=$(cat "$T/clerk.auth") BO=$(cat "$T/boss.auth") AD=$(cat "$T/adm.auth") RO=$(cat "$T/root.auth")
head -c 5000 /dev/zero | tr '\0' 'a' >"$T/big"

# ---- tariffs ----
# shellcheck disable=SC2086
req POST /api/v1/tariffs $AD -H "$JSON" --data-binary @"$T/flat.json"
check "a tariff stored: 201, one version" \
    test "$status $(jq -c '[.code, .versions_added]' "$T/body")" = '201 ["FLAT1",1]'
# shellcheck disable=SC2086
req POST /api/v1/tariffs $AD -H "$JSON" --data-binary @"$T/flat.json"
check "the same tariff again: 200, nothing added" \
    test "$status $(jq -c .versions_added "$T/body")" = "200 0"
digest=$(db_digest)
# shellcheck disable=SC2086
req POST /api/v1/tariffs $AD -H "$JSON" --data-binary "$(sed 's/"1.00"/"1.10"/' "$T/flat.json")"
check "a changed stored version: 409" test "$status $(jq -r .error.code "$T/body")" = "409 conflict"
# shellcheck disable=SC2086
req POST /api/v1/tariffs $AD -H "$JSON" -d '{"code":"X1","name":"x","category":"resident","versions":[]}'
check "an invalid tariff: 400" test "$status $(jq -r .error.code "$T/body")" = "400 invalid"
# shellcheck disable=SC2086
req POST /api/v1/tariffs $AD -H "$JSON" --data-binary @"$T/big"
check "a tariff over the limit: 413" test "$status" = 413
check "refused tariffs changed nothing" test "$(db_digest)" = "$digest"
# shellcheck disable=SC2086
req POST /api/v1/tariffs $CL -H "$JSON" --data-binary @"$T/flat.json"
check "a billing clerk may not change tariffs: 403" test "$status" = 403
# the accounts name the tariff just stored (an unloaded one is refused)
"$PMIS" import accounts "$T/a.csv" >/dev/null && "$PMIS" import meters "$T/m.csv" >/dev/null ||
    not_ok "accounts and meters imported once the tariff is stored"

quote() { # BODY
    # shellcheck disable=SC2086
    req POST /api/v1/tariffs/quote $CL -H "$JSON" -d "$1"
}
quote '{"tariff":"FLAT1","period":"2024-11","kwh":"123.4"}'
check "a quote: lines and total as decimal strings" test \
    "$status $(jq -c '[.tariff, .energy_kwh, .total, (.lines | length)]' "$T/body")" = \
    '200 ["FLAT1","123.400","123.40",1]'
quote '{"tariff":"FLAT1","kwh":"1"}'
check "a quote without period: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 period"
quote '{"tariff":"FLAT1","period":"2024-11","kwh":12}'
check "kwh as a JSON number: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 kwh"
quote '{"tariff":"FLAT1","period":"2024-11"}'
check "no energy: 400 naming kwh" test "$status $(jq -r .error.field "$T/body")" = "400 kwh"
quote '{"tariff":"FLAT1","period":"2024-11","kwh":"1","months_in_year":13}'
check "an integer out of range: 400 naming it" \
    test "$status $(jq -r .error.field "$T/body")" = "400 months_in_year"
quote '{"tariff":"FLAT1","period":"2024-11","kwh":"1","pf_standard":"0.7"}'
check "a bad power-factor standard: 400 naming it" \
    test "$status $(jq -r .error.field "$T/body")" = "400 pf_standard"
quote '{"tariff":"NOPE","period":"2024-11","kwh":"1"}'
check "an unknown tariff: 404" test "$status" = 404

# ---- readings ----
imp() { # AUTH KIND CSV
    # shellcheck disable=SC2086
    req POST "/api/v1/$2/import" $1 -H "Content-Type: text/csv" --data-binary "$3"
}
n_read=$(sql "SELECT COUNT(*) FROM meter_read")
imp "$CL" readings "$(printf 'meter,read_on,source,total\nM1,2024-11-15,remote,100\nM3,2024-11-15,remote,300\nM9,2024-11-15,remote,1\n')"
check "another subtree's meter is refused as unknown, like a missing one: 400 with the report" test \
    "$status $(jq -c '[.error.bad_count, [.error.bad[] | [.line, .column, .reason]]]' "$T/body")" = \
    '400 [2,[[3,"meter","unknown meter '"'"'M3'"'"'"],[4,"meter","unknown meter '"'"'M9'"'"'"]]]'
imp "$CL" readings "$(printf 'meter,read_on,source,total\nM1,2024-11-15,remote,abc\n')"
check "a bad value: 400 naming line and column" \
    test "$status $(jq -c '[.error.bad[0].line, .error.bad[0].column]' "$T/body")" = '400 [2,"total"]'
imp "$CL" readings "$(printf 'meter,when\nM1,2024-11-15\n')"
check "a bad header: 400" test "$status $(jq -r .error.code "$T/body")" = "400 invalid"
# shellcheck disable=SC2086
req POST /api/v1/readings/import $CL -H "$JSON" -d '{}'
check "not text/csv: 400" test "$status" = 400
# shellcheck disable=SC2086
req POST /api/v1/readings/import $CL -H "Content-Type: text/csv" --data-binary @"$T/big"
check "a file over the limit: 413" test "$status" = 413
check "refused files stored nothing" test "$(sql "SELECT COUNT(*) FROM meter_read")" = "$n_read"
imp "$CL" readings "$(printf 'meter,read_on,source,total\nM1,2024-10-15,remote,0\nM1,2024-11-15,remote,100\nM2,2024-10-15,remote,0\nM2,2024-11-15,remote,0\n')"
check "the own subtree's readings: 200" test \
    "$status $(jq -c '[.table, .format, .rows, .created, .committed]' "$T/body")" = \
    '200 ["readings","wide",4,4,true]'
imp "$RO" readings "$(printf 'meter,read_on,source,total\nM3,2024-10-15,remote,0\nM3,2024-11-15,remote,300\n')"
check "a whole-tree user imports any meter" test "$status $(jq -r .created "$T/body")" = "200 2"
imp "$CL" intervals "$(printf 'meter,ts,kwh\nM1,2024-11-01 00:00,0.25\nM1,2024-11-01 00:15,0.5\n')"
check "intervals: 200" test "$status $(jq -c '[.table, .values, .created]' "$T/body")" = '200 ["intervals",2,2]'
imp "$CL" intervals "$(printf 'meter,ts,kwh\nM3,2024-11-01 00:00,0.25\n')"
check "another subtree's meter's intervals: unknown" \
    test "$status $(jq -r '.error.bad[0].reason' "$T/body")" = "400 unknown meter 'M3'"
# shellcheck disable=SC2086
req POST "/api/v1/intervals/import?minutes=20" $CL -H "Content-Type: text/csv" --data-binary 'meter,ts,kwh'
check "a bad interval length: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 minutes"

# ---- bill runs ----
run() { # AUTH BODY
    # shellcheck disable=SC2086
    req POST /api/v1/bill-runs $1 -H "$JSON" -d "$2"
}
digest=$(db_digest_refusals) # the 403 below is audited
run "$CL" '{"period":"2024-11"}'
check "a whole-tree run by a scoped user: 403" test "$status $(jq -r .error.code "$T/body")" = "403 forbidden"
run "$CL" '{"period":"2024-11","org":"NB"}'
nb_msg=$(jq -c . "$T/body")
run "$CL" '{"period":"2024-11","org":"XX"}'
check "another subtree's org: 404 exactly like a missing one" \
    test "$status $(echo "$nb_msg" | sed 's/NB/XX/')" = "404 $(jq -c . "$T/body")"
run "$CL" '{"org":"HZ"}'
check "no period: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 period"
run "$CL" '{"period":"2024-13","org":"HZ"}'
check "a bad period: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 period"
run "$CL" '{"period":"2024-11","org":"HZ","cycle_day":"15"}'
check "cycle_day as a string: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 cycle_day"
run "$CL" '{"period":"2024-11","org":"HZ","dry_run":"yes"}'
check "dry_run not a boolean: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 dry_run"
# shellcheck disable=SC2086
req POST /api/v1/bill-runs $CL -H "$JSON" --data-binary @"$T/big"
check "a body over the limit: 413" test "$status" = 413
run "$CL -H X-Request-Id:dry-1" '{"period":"2024-11","org":"HZ","dry_run":true}'
check "a dry run: 200, nothing written" test \
    "$status $(jq -c '[.run, .bills, .total]' "$T/body")" = '200 [null,2,"100.00"]'
# the run computes its pages in an arena of its own: the request's (its method, path and user,
# logged after the handler) is not the run's to reset
check "the dry run's access line names its method, path and user" \
    test "$(grep '"request_id":"dry-1"' "$T/serve.log" | jq -c '[.method, .path, .user]')" = \
    '["POST","/api/v1/bill-runs","clerk"]'
check "refused and dry runs changed nothing" test "$(db_digest_refusals)" = "$digest"
run "$CL" '{"period":"2024-11","org":"HZ"}'
hz=$(jq -r .run "$T/body")
check "the own subtree's run: 201, it blocks until done" test \
    "$status $(jq -c '[.org, .bills, .in_review, .energy_kwh, .total]' "$T/body")" = \
    '201 ["HZ",2,1,"100.00","100.00"]'
run "$RO" '{"period":"2024-11","org":"NB"}'
nb=$(jq -r .run "$T/body")
check "a whole-tree user runs NB" test "$status" = 201
run "$RO" '{"period":"2024-10"}'
all=$(jq -r .run "$T/body")
check "a whole-tree user runs every org" test "$status $(jq -r .org "$T/body")" = "201 null"

req GET /api/v1/bill-runs -b "$T/clerk.jar"
check "the runs of the own subtree and of every org, newest first" \
    test "$status $(jq -c '[.items[] | [.id, .org, .status]]' "$T/body")" = \
    "200 [[$all,null,\"computed\"],[$hz,\"HZ\",\"computed\"]]"
req GET "/api/v1/bill-runs?period=2024-11" -b "$T/root.jar"
check "a whole-tree user sees every run, by period" \
    test "$status $(jq -c '[.items[].id]' "$T/body")" = "200 [$nb,$hz]"
req GET "/api/v1/bill-runs?period=11" -b "$T/clerk.jar"
check "a bad period filter: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 period"
# ---- server pages (keyset: ?before= the last id, `next`) ----
req GET "/api/v1/bill-runs?limit=2" -b "$T/root.jar"
check "runs, a page of two: newest first, next the last id" \
    test "$status $(jq -c '[[.items[].id], .next]' "$T/body")" = "200 [[$all,$nb],$nb]"
req GET "/api/v1/bill-runs?limit=2&before=$nb" -b "$T/root.jar"
check "...the next page: the older runs" test "$status $(jq -c '[.items[].id]' "$T/body")" = "200 [$hz]"
req GET "/api/v1/bill-runs?limit=1&before=$all" -b "$T/clerk.jar"
check "a scoped caller's pages skip another subtree's run" \
    test "$status $(jq -c '[[.items[].id], .next]' "$T/body")" = "200 [[$hz],$hz]"
req GET "/api/v1/bill-runs?before=x" -b "$T/clerk.jar"
check "a bad cursor: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 before"
req GET "/api/v1/bills?limit=2" -b "$T/root.jar"
p1=$(jq -c '[.items[].id]' "$T/body")
after=$(jq -r .next "$T/body")
check "bills, a page of two: next is the last one's PERIOD:ID" \
    test "$status $after" = "200 $(jq -r '.items[1] | .period + ":" + (.id | tostring)' "$T/body")"
req GET "/api/v1/bills?limit=1000" -b "$T/root.jar"
all_bills=$(jq -c '[.items[].id]' "$T/body")
req GET "/api/v1/bills?limit=1000&after=$after" -b "$T/root.jar"
check "...the rest follow in the list's order, none twice, none left out" \
    test "$(jq -c --argjson a "$p1" '$a + [.items[].id]' "$T/body") $(jq -c .next "$T/body")" = "$all_bills null"
for bad in 2024-11 2024-11:x 2024-13:5 :5 2024-11:0; do
    req GET "/api/v1/bills?after=$bad" -b "$T/root.jar"
    check "bills, a bad cursor '$bad': 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 after"
done
req GET "/api/v1/bills?after=2024-11" -b "$T/root.jar" -H "Accept-Language: zh-CN"
check "a bad cursor, zh: the message in Chinese" \
    test "$(jq -r .error.message "$T/body")" = "查询参数 'after' 必须是上一页给出的翻页游标 PERIOD:ID，而不是 '2024-11'"
req GET "/api/v1/bill-runs/$hz" -b "$T/clerk.jar"
check "one run, money and energy as decimal strings" \
    test "$status $(jq -c '[.period, .bills, .in_review, .total, .started_by]' "$T/body")" = \
    '200 ["2024-11",2,1,"100.00","clerk"]'
expect "another subtree's run: 404 like a missing one" 404 \
    '{"error":{"code":"not_found","message":"no bill run '"$nb"'"}}' GET "/api/v1/bill-runs/$nb" -b "$T/clerk.jar"
expect "a missing run" 404 '{"error":{"code":"not_found","message":"no bill run 999"}}' \
    GET /api/v1/bill-runs/999 -b "$T/clerk.jar"
expect "a malformed run id" 404 '{"error":{"code":"not_found","message":"no bill run '"'"'x'"'"'"}}' \
    GET /api/v1/bill-runs/x -b "$T/clerk.jar"

# ---- review ----
req GET "/api/v1/bill-runs/$hz/review" -b "$T/clerk.jar"
rv=$(jq -r '.items[0].id' "$T/body")
check "the review queue: A2's zero bill" test \
    "$status $(jq -c '[.items[] | [.account_no, .total, .review_reason]]' "$T/body")" = \
    "200 [[\"$A2\",\"0.00\",\"$(sql "SELECT review_reason FROM bill WHERE id = $rv")\"]]"
req GET "/api/v1/bill-runs/$all/review" -b "$T/clerk.jar"
check "a whole-tree run's queue shows the own subtree's bills only" test \
    "$status $(jq -c '[.items[].account_no] | sort' "$T/body")" = "200 [\"$A1\",\"$A2\"]"
req GET "/api/v1/bill-runs/$nb/review" -b "$T/clerk.jar"
check "another subtree's run's queue: 404" test "$status" = 404
decide() { # BILL BODY
    # shellcheck disable=SC2086
    req POST "/api/v1/bills/$1/review" $CL -H "$JSON" -d "$2"
}
decide "$rv" '{"action":"hold"}'
check "hold without a note: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 note"
decide "$rv" '{"action":"maybe"}'
check "an unknown action: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 action"
decide "$rv" '{"note":"x"}'
check "no action: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 action"
nbbill=$(sql "SELECT b.id FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '$NB1' AND b.period = '2024-11'")
decide "$nbbill" '{"action":"approve"}'
check "another subtree's bill: 404 like a missing one" \
    test "$status $(jq -r .error.message "$T/body")" = "404 no bill '$nbbill'"
decide "$rv" '{"action":"hold","note":"核实中"}'
check "held with the note" test "$status $(jq -c '[.status, .note]' "$T/body")" = '200 ["held","核实中"]'
decide "$rv" '{"action":"approve","note":"已核实"}'
check "approved" test "$status $(jq -r .status "$T/body")" = "200 approved"
bulk() { # AUTH RUN BODY
    # shellcheck disable=SC2086
    req POST "/api/v1/bill-runs/$2/review" $1 -H "$JSON" -d "$3"
}
bulk "$CL" "$hz" '{"action":"approve"}'
check "a bulk decision without reason: 400 naming it" \
    test "$status $(jq -r .error.field "$T/body")" = "400 reason"
bulk "$CL" "$all" '{"action":"hold","reason":"zero","note":"x"}'
check "bulk decisions on a whole-tree run by a scoped user: 403" test "$status" = 403
bulk "$CL" "$nb" '{"action":"approve","reason":"zero"}'
check "bulk decisions on another subtree's run: 404" test "$status" = 404
bulk "$RO" "$all" '{"action":"hold","reason":"zero","note":"未抄"}'
check "a whole-tree user decides a whole-tree run's bills" \
    test "$status $(jq -c '[.action, .bills]' "$T/body")" = '200 ["hold",3]'

# ---- issue ----
issue() { # AUTH RUN BODY
    # shellcheck disable=SC2086
    req POST "/api/v1/bill-runs/$2/issue" $1 -H "$JSON" -d "$3"
}
issue "$CL" "$hz" '{}'
check "a billing clerk may not issue: 403" test "$status" = 403
issue "$BO" "$hz" '{"due_date":"2024-12-32"}'
check "a bad due date: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 due_date"
issue "$BO" "$all" '{}'
check "issuing a whole-tree run as a scoped user: 403" test "$status" = 403
issue "$BO" "$nb" '{}'
check "issuing another subtree's run: 404" test "$status" = 404
check "nothing issued by refusals" test "$(sql "SELECT COUNT(*) FROM bill WHERE status = 'issued'")" = 0
issue "$BO" "$hz" '{"due_date":"2024-12-25"}'
check "the own run issued" test \
    "$status $(jq -c '[.issued, .in_review, .held, .total]' "$T/body")" = '200 [2,0,0,"100.00"]'
b1=$(sql "SELECT bill_no FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '$A1' AND b.period = '2024-11'")

# ---- corrections ----
adj() { # BILL BODY
    # shellcheck disable=SC2086
    req POST "/api/v1/bills/$1/adjust" $CL -H "$JSON" -d "$2"
}
adj "$b1" '{"kwh":80,"reason":"读数错误"}'
check "kwh as a number: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 kwh"
adj "$b1" '{"kwh":"-1","reason":"读数错误"}'
check "negative kwh: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 kwh"
adj "$b1" '{"kwh":"80"}'
check "no reason: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 reason"
adj "$nbbill" '{"kwh":"80","reason":"x"}'
check "another subtree's bill: 404" test "$status" = 404
held=$(sql "SELECT b.id FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '$A1' AND b.period = '2024-10'")
adj "$held" '{"kwh":"1","reason":"x"}'
check "correcting an unissued bill: 409" test "$status $(jq -r .error.code "$T/body")" = "409 conflict"
adj "$b1" '{"kwh":"80","reason":"读数错误"}'
check "a correction: 201, a negative amount in review" test \
    "$status $(jq -c '[.kind, .status, .total, .energy_kwh]' "$T/body")" = \
    '201 ["adjustment","review","-20.00","-20.00"]'

serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
srv_pid=""
done_testing
