#!/bin/sh
# The working-day limits of service-application kinds are versioned data (issue 6, migration
# 0033): pmis apply limits lists those in force (end to end and per stage) and --set adds a new
# version with a source, its user and an effective time (--from, default now, not in the past),
# audited (apply.limits, old and new days); --history KIND lists every version, the old ones
# kept. An application keeps the limits in force when it was accepted: its end-to-end deadline
# and the stages it enters later (a running one keeps its deadlines). Bad input — non-positive or too many days, an
# unknown kind or stage, a stage the kind skips, the same stage twice, no change, no source —
# is refused naming the problem, changing nothing. Over HTTP: GET /api/v1/applications/limits
# (application:read) and PATCH (application:write, whole-tree callers only: 403 to a user of an
# org unit).
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

pw=Lq8vNz2kRt
export PMIS_NOW=2024-07-01T10:00:00+08:00
"$PMIS" init >/dev/null 2>&1 &&
    "$PMIS" calendar import "$PMIS_TOP/data/calendar/cn-2024.csv" >/dev/null &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add ZJ-HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    "$PMIS" tariff load "$PMIS_TOP/data/tariffs/beijing-resident.json" >/dev/null &&
    echo "$pw" | "$PMIS" user add boss --org ZJ-HZ --roles manager --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add top --org ZJ --roles manager --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add aud --org ZJ --roles auditor --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add chief --all-orgs --roles manager --password-stdin >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }
new() {
    "$PMIS" --json apply new --kind new_lv_res --org ZJ-HZ --name "$1" --type resident \
        --voltage 220V --address 杭州市文三路1号 --capacity 8 --tariff BJ-RES | jq -r .id
}
limits() { "$PMIS" --json apply limits --kind "$1" | jq -c "[.kinds[0].total_days, [.kinds[0].stages[] | [.stage, .days]]]"; }

expect_ok "list every kind" apply limits
check "new connections: 5 / 6 / 22 / 32 working days end to end" \
    test "$(grep -E '^new_' "$T/out" | sed 's/ .*: \([0-9]*\) working.*/ \1/' | tr '\n' ' ')" = \
    "new_lv_res 5 new_lv_biz 6 new_hv_single 22 new_hv_dual 32 "
check "the residential split" test "$(limits new_lv_res)" = \
    '[5,[["accept",1],["survey",1],["scheme",1],["inspect",1],["connect",1]]]'

# a running application keeps the deadline it has
a1=$(new 张三)
d1=$("$PMIS" --json apply show "$a1" | jq -r .deadline_at)
check "accepted Mon 07-01: 5 working days, due the end of Mon 07-08" test "$d1" = "2024-07-09T00:00:00+08:00"

digest=$(db_digest)
expect_fail "days 0" 65 "the limit of 'accept' must be 1..366 working days, not 0" \
    apply limits --kind new_lv_res --set accept=0 --source x
expect_fail "negative days" 65 "not -2" apply limits --kind new_lv_res --set total=-2 --source x
expect_fail "too many days" 65 "must be 1..366" apply limits --kind new_lv_res --set total=367 --source x
expect_fail "not a number" 64 "'x' is not a whole number of days" apply limits --kind new_lv_res --set accept=x --source x
expect_fail "no '='" 64 "--set takes STAGE=DAYS" apply limits --kind new_lv_res --set accept --source x
expect_fail "an unknown stage" 65 "kind 'new_lv_res' has no stage 'repair' \(its stages: accept, survey, scheme, inspect, connect; or total\)" \
    apply limits --kind new_lv_res --set repair=2 --source x
expect_fail "a stage the kind skips" 65 "has no stage 'design'" apply limits --kind new_lv_res --set design=2 --source x
expect_fail "the same stage twice" 65 "given twice" apply limits --kind new_lv_res --set accept=2,accept=3 --source x
expect_fail "an unknown kind" 66 "no application kind 'new_xx'" apply limits --kind new_xx --set accept=2 --source x
expect_fail "no source" 65 "needs its source" apply limits --kind new_lv_res --set accept=2
expect_fail "--set without --kind" 64 "--set needs --kind" apply limits --set accept=2 --source x
expect_fail "a change that changes nothing" 65 "already so" apply limits --kind new_lv_res --set accept=1,total=5 --source x
expect_fail "one bad item refuses all" 65 "no stage 'nope'" apply limits --kind new_lv_res --set accept=2,nope=1 --source x
check "refusals change nothing" test "$(db_digest)" = "$digest"

expect_ok "change the acceptance stage and the total" \
    apply limits --kind new_lv_res --set accept=2,total=6 --source 省公司2024年第3号文
check "stored" test "$(limits new_lv_res)" = \
    '[6,[["accept",2],["survey",1],["scheme",1],["inspect",1],["connect",1]]]'
check "audited once per changed limit, with the old and new days" \
    test "$(sql "SELECT entity_key || ': ' || detail FROM audit_log WHERE action = 'apply.limits' ORDER BY id" | tr '\n' '|')" = \
    "new_lv_res/accept: new_lv_res accept: 1 -> 2 working days; 省公司2024年第3号文|new_lv_res/total: new_lv_res total: 5 -> 6 working days; 省公司2024年第3号文|"
check "a new version with its source, user and effective time; the old one kept" \
    test "$(sql "SELECT days || ' ' || effective_at || ' ' || source || ' ' || changed_by FROM apply_limit_version WHERE kind = 'new_lv_res' AND stage = 'accept' ORDER BY id" | tr '\n' '|')" = \
    "1 0 本系统默认: 合计 5 (十项承诺 6) migration 0033|2 1719799200000000 省公司2024年第3号文 tester|"
expect_ok "the history of the kind" apply limits --history new_lv_res
check "lists every version, the latest effective first" test "$(sed -n '2,3p' "$T/out" | awk '{print $2, $3, $4}' | tr '\n' '|')" = \
    "total 6 2024-07-01T10:00:00+08:00|accept 2 2024-07-01T10:00:00+08:00|"
check "and the first versions from the start" grep -q "^[0-9]* *accept *1  from the start" "$T/out"
expect_ok "the history in JSON" --json apply limits --history new_lv_res
check "the API's shape" test "$(jq -c '[.kind, (.versions | length), (.versions[1] | [.stage, .days, .effective_at, .changed_by]), (.versions[-1] | [.effective_at, .changed_by])]' "$T/out")" = \
    "[\"new_lv_res\",8,[\"accept\",2,\"2024-07-01T10:00:00+08:00\",\"tester\"],[null,\"migration 0033\"]]"
expect_fail "history of an unknown kind" 66 "no application kind 'new_xx'" apply limits --history new_xx
expect_fail "--history takes no other option" 64 "--history takes no other option" apply limits --history new_lv_res --kind new_lv_res
check "the running application keeps its deadline" \
    test "$("$PMIS" --json apply show "$a1" | jq -r .deadline_at)" = "$d1"
a2=$(new 李四)
check "a new one counts 6 working days (due the end of Tue 07-09) and a 2-day acceptance" \
    test "$("$PMIS" --json apply show "$a2" | jq -r '[.deadline_at, (.stages[] | select(.stage == "accept") | .deadline_at)] | join(" ")')" = \
    "2024-07-10T00:00:00+08:00 2024-07-04T00:00:00+08:00"

# the stages a running application enters later keep the figures of its acceptance
PMIS_NOW=2024-07-01T11:00:00+08:00 expect_ok "survey becomes 3 days (an hour later)" apply limits --kind new_lv_res --set survey=3 --source 第4号文
PMIS_NOW=2024-07-02T10:00:00+08:00 "$PMIS" apply advance "$a1" survey >/dev/null
PMIS_NOW=2024-07-02T10:00:00+08:00 "$PMIS" apply advance "$a2" survey >/dev/null
check "the application accepted before keeps a 1-day survey (entered Tue 07-02, due the end of Wed 07-03)" \
    test "$("$PMIS" --json apply show "$a1" | jq -r '.stages[] | select(.stage == "survey") | .deadline_at')" = "2024-07-04T00:00:00+08:00"
check "and so does the one accepted before this change" \
    test "$("$PMIS" --json apply show "$a2" | jq -r '.stages[] | select(.stage == "survey") | .deadline_at')" = "2024-07-04T00:00:00+08:00"

# a change in force from a later time
expect_fail "not in the past" 65 "cannot take effect in the past" \
    apply limits --kind new_lv_res --set total=7 --source x --from 2024-06-30T00:00
expect_fail "a bad time" 65 "invalid timestamp 'yesterday'" apply limits --kind new_lv_res --set total=7 --source x --from yesterday
expect_fail "--from without --set" 64 "go with --set" apply limits --kind new_lv_res --from 2024-07-03T00:00
expect_ok "total 7 from Wed 07-03" apply limits --kind new_lv_res --set total=7 --source 第5号文 --from 2024-07-03T00:00
check "not yet in force" test "$(limits new_lv_res | jq -c '.[0]')" = 6
expect_fail "the same figure at that time changes nothing" 65 "already so" \
    apply limits --kind new_lv_res --set total=7 --source x --from 2024-07-04T00:00
a3=$(PMIS_NOW=2024-07-02T16:00:00+08:00 new 王五)
a4=$(PMIS_NOW=2024-07-03T10:00:00+08:00 new 赵六)
check "accepted Tue 07-02: 6 working days" \
    test "$("$PMIS" --json apply show "$a3" | jq -r .limit_days)" = 6
check "accepted Wed 07-03: 7 working days (due the end of Fri 07-12)" \
    test "$("$PMIS" --json apply show "$a4" | jq -r '[.limit_days, .deadline_at] | join(" ")')" = "7 2024-07-13T00:00:00+08:00"
check "the audit chain verifies" "$PMIS" audit verify

# ---- over HTTP ----
serve_start PMIS_NOW=2024-07-02T09:00:00+08:00
for u in boss top aud chief; do
    login $u "$pw" $u.jar
    echo "$csrf" >"$T/$u.csrf"
done
put() { req PATCH /api/v1/applications/limits -b "$T/$1.jar" -H "X-CSRF-Token: $(cat "$T/$1.csrf")" -H "$JSON" -d "$2"; }
j() { jq -c "$1" "$T/body"; }
req GET "/api/v1/applications/limits?kind=new_hv_dual" -b "$T/aud.jar"
check "an auditor reads them (application:read)" \
    test "$status $(j '[.kinds[0].kind, .kinds[0].total_days, (.kinds[0].stages | length)]')" = '200 ["new_hv_dual",32,7]'
req GET "/api/v1/applications/limits?kind=nope" -b "$T/aud.jar"
check "an unknown kind: 404 naming kind" test "$status $(j .error.field)" = '404 "kind"'
before=$(db_digest_refusals)
put aud '{"kind":"new_hv_dual","limits":{"total":30},"source":"x"}'
check "an auditor may not change them: 403" test "$status" = 403
put boss '{"kind":"new_hv_dual","limits":{"total":30},"source":"x"}'
check "a subtree manager may not (whole-tree only): 403" test "$status" = 403
put top '{"kind":"new_hv_dual","limits":{"total":30},"source":"x"}'
check "nor the province's (a user of an org unit): 403" test "$status" = 403
for bad in '{"kind":"new_hv_dual","limits":{"total":0},"source":"x"}:limits' \
    '{"kind":"new_hv_dual","limits":{"total":"30"},"source":"x"}:limits' \
    '{"kind":"new_hv_dual","limits":{},"source":"x"}:limits' \
    '{"kind":"new_hv_dual","limits":{"repair":3},"source":"x"}:limits' \
    '{"kind":"new_hv_dual","limits":{"total":30}}:source' \
    '{"limits":{"total":30},"source":"x"}:kind' \
    '{"kind":"new_hv_dual","limits":{"total":30},"source":"x","at":1}:at'; do
    put chief "${bad%:*}"
    check "PATCH ${bad%:*}: 400 naming ${bad##*:}" test "$status $(j .error.field)" = "400 \"${bad##*:}\""
done
check "refused changes change nothing (but the audit of the denials)" test "$(db_digest_refusals)" = "$before"
put chief '{"kind":"new_hv_dual","limits":{"total":30,"design":4},"source":"市场部通知"}'
check "a whole-tree manager changes them: 200 with the kind's limits" \
    test "$status $(j '[.kinds[0].total_days, (.kinds[0].stages[] | select(.stage == "design") | .days)]')" = "200 [30,4]"
check "audited with the request's user" \
    test "$(sql "SELECT actor FROM audit_log WHERE action = 'apply.limits' ORDER BY id DESC LIMIT 1")" = chief
put chief '{"kind":"new_hv_dual","limits":{"total":31},"source":"市场部通知2","effective_at":"2024-08-01T00:00"}'
check "a change in force later: 200 with the limits in force now" \
    test "$status $(j '.kinds[0].total_days')" = "200 30"
put chief '{"kind":"new_hv_dual","limits":{"total":29},"source":"x","effective_at":"2024-07-01T00:00"}'
check "in the past: 400 naming effective_at" test "$status $(j .error.field)" = '400 "effective_at"'
put chief '{"kind":"new_hv_dual","limits":{"total":29},"source":"x","effective_at":"soon"}'
check "not a time: 400 naming effective_at" test "$status $(j .error.field)" = '400 "effective_at"'
req GET "/api/v1/applications/limits?kind=new_hv_dual&history=true" -b "$T/aud.jar"
check "the history over HTTP, the latest effective first (UTC)" \
    test "$status $(j '[.kind, (.versions[] | select(.stage == "total") | [.days, .effective_at, .changed_by])]')" = \
    '200 ["new_hv_dual",[31,"2024-07-31T16:00:00Z","chief"],[30,"2024-07-02T01:00:00Z","chief"],[32,null,"migration 0033"]]'
req GET "/api/v1/applications/limits?history=true" -b "$T/aud.jar"
check "history needs the kind: 400" test "$status $(j .error.field)" = '400 "kind"'
req GET "/api/v1/applications/limits?kind=new_hv_dual&history=yes" -b "$T/aud.jar"
check "history=yes: 400" test "$status $(j .error.field)" = '400 "history"'
serve_stop

# ---- an upgrade from 0033: 0035 drops apply_kind.total_days and apply_kind_stage.days, the
# copies read as a fallback; apply_limit_version alone holds the limits, none of which moves ----
up=$(new_db up)
u() { "$PMIS" --db "$up" "$@"; }
export PMIS_NOW=2024-07-01T10:00:00+08:00
export PMIS_MIGRATE_UPTO=33
u init --no-admin >/dev/null 2>&1 &&
    u calendar import "$PMIS_TOP/data/calendar/cn-2024.csv" >/dev/null &&
    u org add ZJ --name 浙江 --level province >/dev/null &&
    u tariff load "$PMIS_TOP/data/tariffs/beijing-resident.json" >/dev/null ||
    not_ok "set up a database at migration 0033"
unew() {
    u --json apply new --kind new_lv_res --org ZJ --name "$1" --type resident --voltage 220V \
        --address 杭州市文三路1号 --capacity 8 --tariff BJ-RES | jq -r .id
}
b1=$(unew 甲)
u apply limits --kind new_lv_res --set accept=2,total=6 --source 第3号文 >/dev/null
u apply limits --kind new_lv_res --set total=7 --source 第5号文 --from 2024-07-03T00:00 >/dev/null
b2=$(unew 乙)
# a limit the fallback answered: closure's connect stage without a version from the start
sql_at "$up" "UPDATE apply_limit_version SET effective_at = 1730390400000000 WHERE kind = 'closure' AND stage = 'connect'"
sql_at "$up" "UPDATE apply_kind_stage SET days = 3 WHERE kind = 'closure' AND stage = 'connect'"
state() {
    for a in "$b1" "$b2"; do u --json apply show "$a" | jq -c '[.limit_days, .deadline_at, [.stages[] | [.stage, .deadline_at]]]'; done
    u --json apply limits --kind new_lv_res | jq -c .
    u apply limits --history new_lv_res
}
before=$(state)
check "before: accepted under 5 and 6 working days, history of 0033 and both changes" \
    test "$(echo "$before" | sed -n '1,2p' | jq -c '.[0:2]' | tr '\n' ' ')$(echo "$before" | grep -c 'migration 0033\|第3号文\|第5号文')" = \
    '[5,"2024-07-09T00:00:00+08:00"] [6,"2024-07-10T00:00:00+08:00"] 9'
check "at 0033 the old reader (COALESCE of the version in force and the column) gave closure's connect stage 3 days" \
    test "$(sql_at "$up" "SELECT COALESCE((SELECT v.days FROM apply_limit_version v WHERE v.kind = ks.kind AND v.stage = ks.stage AND v.effective_at <= 1719799200000000 ORDER BY v.effective_at DESC LIMIT 1), ks.days) FROM apply_kind_stage ks WHERE ks.kind = 'closure' AND ks.stage = 'connect'")" = 3
unset PMIS_MIGRATE_UPTO
expect_ok "migrate the rest" --db "$up" db migrate
later=$(ls "$PMIS_TOP/sql" | awk '/^[0-9][0-9][0-9][0-9]_.*\.sql$/ && substr($0, 1, 4) > "0033"' | wc -l)
check "the migrations after 0033 ($later: 0035 and later ones)" out_is "$later migration(s) applied"
check "the same limits, deadlines and history after it" test "$(state)" = "$before"
check "closure's stages after it: 1, 2 and still 3 days" \
    test "$(u --json apply limits --kind closure | jq -c '[.kinds[0].stages[] | .days]')" = '[1,2,3]'
check "closure's connect stage: its old figure, now a version from the start" \
    test "$(sql_at "$up" "SELECT days || ' ' || effective_at || ' ' || changed_by FROM apply_limit_version WHERE kind = 'closure' AND stage = 'connect' ORDER BY effective_at" | tr '\n' '|')" = \
    "3 0 migration 0035|2 1730390400000000 migration 0033|"
check "no other version added" \
    test "$(sql_at "$up" "SELECT COUNT(*) FROM apply_limit_version WHERE changed_by = 'migration 0035'")" = 1
check "apply_kind.total_days is gone" not sql_at "$up" "SELECT total_days FROM apply_kind" 2>/dev/null
check "apply_kind_stage.days is gone" not sql_at "$up" "SELECT days FROM apply_kind_stage" 2>/dev/null
PMIS_NOW=2024-07-02T10:00:00+08:00 u apply advance "$b1" survey >/dev/null
check "a stage entered after the upgrade: the limit of the acceptance (1 day, due the end of Wed 07-03)" \
    test "$(u --json apply show "$b1" | jq -r '.stages[] | select(.stage == "survey") | .deadline_at')" = "2024-07-04T00:00:00+08:00"
check "every stage of every kind and every total has a version from the start (the only source)" \
    test "$(sql "SELECT COUNT(*) FROM (SELECT kind, stage FROM apply_kind_stage UNION SELECT kind, 'total' FROM apply_kind) x WHERE NOT EXISTS (SELECT 1 FROM apply_limit_version v WHERE v.kind = x.kind AND v.stage = x.stage AND v.effective_at = 0)")" = 0

done_testing
