#!/bin/sh
# GET /api/v1/users is a keyset list: pages by user name (limit + after, next), scoped to the
# caller's subtree in SQL, filtered by name prefix (user name in any case, or display name), org
# subtree and status; a bad cursor, limit or status is 400 naming the parameter, an org outside
# the subtree 404 naming it. /auth/me names the caller's roles; the field crew alone holds
# crew:work among the built-in roles other than the administrator.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

pw=Kc4rVt8wQm
adduser() { # adduser NAME ORG ROLES [DISPLAY]
    echo "$pw" | "$PMIS" user add "$1" --org "$2" --roles "$3" ${4:+--name "$4"} \
        --password-stdin >/dev/null
}
"$PMIS" init --no-admin >/dev/null 2>&1 &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    "$PMIS" org add XH --name 西湖 --level county --parent HZ >/dev/null &&
    "$PMIS" org add NB --name 宁波 --level city --parent ZJ >/dev/null &&
    echo "$pw" | "$PMIS" user add root --all-orgs --roles administrator --password-stdin >/dev/null &&
    adduser hzadm HZ administrator &&
    for i in 01 02 03 04 05 06 07 08 09 10 11 12; do adduser "u$i" HZ cashier || exit 1; done &&
    adduser zz.crew HZ field_crew,service_agent 张抢修 &&
    adduser x1 XH cashier &&
    adduser n1 NB cashier &&
    adduser n2 NB cashier &&
    "$PMIS" user disable u03 >/dev/null &&
    "$PMIS" user disable x1 >/dev/null &&
    "$PMIS" user disable n1 >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }

serve_start
login root "$pw" root.jar
cp "$T/body" "$T/root.me"
login hzadm "$pw" hzadm.jar
cp "$T/body" "$T/hzadm.me"
login zz.crew "$pw" crew.jar

# pages JAR QUERY: every page of GET /users?QUERY followed through `next`, the names one per
# line in $T/names; the number of requests in $pages, a non-200 status stops it
pages() {
    : >"$T/names"
    pages=0 after=""
    while :; do
        req GET "/api/v1/users?$2${after:+&after=$after}" -b "$T/$1"
        [ "$status" = 200 ] || return 1
        pages=$((pages + 1))
        jq -r '.items[].username' "$T/body" >>"$T/names"
        after=$(jq -r '.next // empty' "$T/body")
        [ -n "$after" ] || return 0
        [ $pages -lt 50 ] || return 1
    done
}
names() { tr '\n' ' ' <"$T/names" | sed 's/ $//'; }
# expected in the backend's own order (its collation decides the keyset order too)
db_names() { sql "SELECT u.username FROM app_user u LEFT JOIN org_unit o ON o.id = u.org_id $1 ORDER BY u.username" | tr '\n' ' ' | sed 's/ $//'; }

# ---- paging ----
req GET /api/v1/users -b "$T/root.jar"
check "one page of at most 50 by default, next null on the last" test "$status" = 200 -a \
    "$(jq -c '[(.items | length), .next]' "$T/body")" = '[18,null]'
req GET '/api/v1/users?limit=5' -b "$T/root.jar"
check "limit 5: five users and the fifth as the cursor" test \
    "$(jq -c '[(.items | length), .next == .items[4].username]' "$T/body")" = '[5,true]'
pages root.jar 'limit=5'
check "the pages of 5 give every user once, in order" test "$pages" = 4 -a "$(names)" = "$(db_names "")"
pages root.jar 'limit=18'
check "a full last page says so (no empty page after it)" test "$pages" = 1
req GET '/api/v1/users?limit=5&after=zz.crew' -b "$T/root.jar"
check "after the last name: nothing, next null" test "$(jq -c . "$T/body")" = '{"items":[],"next":null}'

# ---- scope in SQL ----
pages hzadm.jar 'limit=3'
check "a subtree administrator pages through its subtree only (no whole-tree user, no NB)" \
    test "$(names)" = "$(db_names "WHERE o.code IN ('HZ', 'XH')")"
check "in pages of 3 (15 users: no empty sixth page)" test "$pages" = 5
req GET '/api/v1/users?limit=3&after=n0' -b "$T/hzadm.jar"
check "a cursor between other subtrees' names skips them" test \
    "$(jq -r '.items[0].username' "$T/body")" = u01

# ---- filters ----
pages root.jar 'name=u1&limit=2'
check "name: a user-name prefix, paged" test "$(names)" = "u10 u11 u12" -a "$pages" = 2
pages root.jar 'name=U1'
check "in any case" test "$(names)" = "u10 u11 u12"
pages root.jar 'name=%E5%BC%A0'
check "or a display-name prefix (张)" test "$(names)" = "zz.crew"
pages root.jar 'name=u_'
check "'_' is no wildcard" test "$(names)" = ""
pages root.jar 'name=%25'
check "nor '%'" test "$(names)" = ""
pages root.jar 'org=XH'
check "org: the unit's subtree" test "$(names)" = "x1"
pages root.jar 'org=HZ&status=disabled'
check "status disabled within HZ's subtree (XH included)" test "$(names)" = "u03 x1"
pages root.jar 'status=disabled&limit=1'
check "status disabled, paged one by one" test "$(names)" = "$(db_names "WHERE u.status = 'disabled'")" \
    -a "$pages" = 3
pages hzadm.jar 'status=active&name=n'
check "filters stay inside the caller's subtree" test "$(names)" = ""
pages root.jar 'status=active&org=NB'
check "status active in NB" test "$(names)" = "n2"

# ---- bad parameters ----
# bad DESC STATUS FIELD QUERY [JAR]: refused with the status, naming the parameter
bad() {
    req GET "/api/v1/users?$4" -b "$T/${5:-root.jar}"
    if [ "$status" = "$2" ] && [ "$(jq -r .error.field "$T/body")" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1 (status $status: $(cat "$T/body"))"
    fi
}
bad "limit 0 (400, naming limit)" 400 limit 'limit=0'
bad "limit 1001 (400)" 400 limit 'limit=1001'
bad "limit not a number (400)" 400 limit 'limit=ten'
bad "a cursor that is no user name (400, naming after)" 400 after 'after=Bad%20Name'
bad "a cursor of 33 characters (400)" 400 after "after=$(printf 'a%.0s' $(seq 33))"
bad "an unknown status (400, naming status)" 400 status 'status=locked'
bad "an unknown org (404, naming org)" 404 org 'org=NOPE'
bad "an org outside the caller's subtree (404, naming org)" 404 org 'org=NB' hzadm.jar
check "which reads like an unknown one" \
    jq -e '.error.message | test("NB")' "$T/body"
req GET '/api/v1/users' -b "$T/crew.jar"
check "without user:admin: 403" test "$status" = 403

# ---- /auth/me: roles; crew:work ----
req GET /api/v1/auth/me -b "$T/crew.jar"
check "/auth/me names the roles (codes, in order)" test \
    "$(jq -c .roles "$T/body")" = '["field_crew","service_agent"]'
check "and the field crew's crew:work" jq -e '.permissions | index("crew:work")' "$T/body"
req GET /api/v1/auth/me -b "$T/hzadm.jar"
check "an administrator's" test "$(jq -c .roles "$T/body")" = '["administrator"]'
req POST /api/v1/auth/login -H "$JSON" -d "{\"username\":\"u01\",\"password\":\"$pw\"}"
check "the login reply too" test "$(jq -c '[.roles, (.permissions | index("crew:work"))]' "$T/body")" = \
    '[["cashier"],null]'
req GET /api/v1/roles -b "$T/root.jar"
check "among the built-in roles below the administrator only the field crew holds crew:work" test \
    "$(jq -c '[.items[] | select(.code != "administrator" and (.permissions | split(",") | index("crew:work"))) | .code]' \
        "$T/body")" = '["field_crew"]'
tok=$("$PMIS" token add tk1 --user zz.crew --perms ticket:read 2>/dev/null | grep -o 'pmist_[0-9a-f]*')
req GET /api/v1/auth/me -H "Authorization: Bearer $tok"
check "a token: its owner's roles, its own permissions" test \
    "$(jq -c '[.roles, .permissions]' "$T/body")" = '[["field_crew","service_agent"],["ticket:read"]]'

# ---- create replies read back one row (role_get, token_get) ----
req POST /api/v1/roles -b "$T/root.jar" -H "X-CSRF-Token: $(jq -r .csrf_token "$T/root.me")" \
    -H "$JSON" -d '{"code":"meter_reader","name":"抄表员","permissions":"customer:read,reading:import"}'
role_reply=$(jq -c . "$T/body")
req GET /api/v1/roles -b "$T/root.jar"
check "a new role's reply is the role as listed" test \
    "$(jq -c '.items[] | select(.code == "meter_reader")' "$T/body")" = "$role_reply"
req POST /api/v1/tokens -b "$T/hzadm.jar" -H "X-CSRF-Token: $(jq -r .csrf_token "$T/hzadm.me")" \
    -H "$JSON" -d '{"name":"tk-xh","user":"u02","permissions":"customer:read","org":"XH","days":7}'
check "a new token's reply is the token as listed, with its secret" test "$status" = 201 -a \
    "$(jq -c '[.name, .user, .permissions, .org, (.token | startswith("pmist_"))]' "$T/body")" = \
    '["tk-xh","u02","customer:read","XH",true]'
token_reply=$(jq -c 'del(.token)' "$T/body")
req GET /api/v1/tokens -b "$T/hzadm.jar"
check "listed alike" test "$(jq -c '.items[] | select(.name == "tk-xh")' "$T/body")" = "$token_reply"

serve_stop
done_testing
