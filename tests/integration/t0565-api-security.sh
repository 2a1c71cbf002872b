#!/bin/sh
# Login limits and account safety: the per-address login rate limit (429 with Retry-After and
# the JSON error shape, other addresses unaffected, refused attempts never reach the password
# check), the per-user lockout's Retry-After, a wrong old password on POST /auth/password
# counting as a failed login towards the lockout, and the last active administrator of the
# whole tree, who can be neither disabled nor stripped of the role (refusals change nothing);
# GET /api/v1/audit scoped to the auditor's subtree (filtered in SQL, pages full); the user,
# role and token routes (user:admin) scoped to the administrator's subtree.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

pw=Mx7qWz3kPt
"$PMIS" init --no-admin >/dev/null 2>&1 &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    echo "$pw" | "$PMIS" user add boss --all-orgs --roles administrator --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add hzadmin --org HZ --roles administrator --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add u1 --org HZ --roles cashier --password-stdin >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }

# ---- the last active administrator of the whole tree ----
digest=$(db_digest)
expect_fail "the last whole-tree administrator cannot be disabled" 67 \
    "user 'boss' is the last active administrator of the whole tree" user disable boss
expect_fail "nor lose the role" 67 "user 'boss' is the last active administrator" \
    user roles boss --set auditor
check "an administrator of a subtree does not count, and nothing changed" test "$(db_digest)" = "$digest"
expect_ok "a subtree administrator can be disabled" user disable hzadmin
echo "$pw" | "$PMIS" user add boss2 --all-orgs --roles administrator,auditor --password-stdin >/dev/null
expect_ok "with a second one, the first can lose the role" user roles boss --set auditor
expect_fail "then the second is the last" 67 "user 'boss2' is the last active administrator" \
    user disable boss2
expect_ok "the second may keep the role with others" user roles boss2 --set administrator
expect_ok "and the first get it back" user roles boss --set administrator
expect_ok "then one of two can be disabled" user disable boss2
expect_fail "but not the other" 67 "last active administrator" user disable boss
expect_ok "a disabled administrator can be enabled" user enable boss2

# ---- per-address login rate limit: 3 at once, then 1 a minute ----
serve_start PMIS_AUTH_LOGIN_BURST=3 PMIS_AUTH_LOGIN_PER_MINUTE=1
bad='{"error":{"code":"unauthenticated","message":"invalid user name or password"}}'
for i in 1 2 3; do
    expect "login attempt $i from 127.0.0.1" 401 "$bad" POST /api/v1/auth/login -H "$JSON" \
        -d '{"username":"nobody","password":"Wrong12345x"}'
done
failed=$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login_failed'")
req POST /api/v1/auth/login -H "$JSON" -d "{\"username\":\"u1\",\"password\":\"$pw\"}"
check "the fourth, even with the right password, is 429" test "$status" = 429
check "in the JSON error shape" test "$(jq -r '.error.code' "$T/body")" = rate_limited
check "naming the wait" grep -qE '"message":"too many login attempts from this address: try again in (5[0-9]|60) s"' "$T/body"
check "with Retry-After" header_has '^Retry-After: (5[0-9]|60)$'
check "the refused attempt never reached the password check" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action IN ('auth.login_failed', 'auth.login')")" = "$failed"
req POST /api/v1/auth/login --interface 127.0.0.2 -H "$JSON" -d "{\"username\":\"u1\",\"password\":\"$pw\"}"
check "another address logs in" test "$status" = 200
req GET /healthz
check "other routes are not limited" test "$status" = 200
check "the refusal is logged with the address" grep -q "rate limit: POST /api/v1/auth/login from 127.0.0.1 refused" "$T/serve.log"
serve_stop

# ---- a wrong old password is a failed login ----
serve_start PMIS_AUTH_LOCKOUT_AFTER=2
login u1 "$pw" u1.jar
check "u1 logs in" test "$status" = 200
for i in 1 2; do
    expect "wrong old password $i" 403 \
        '{"error":{"code":"forbidden","message":"the current password is wrong","field":"old_password"}}' \
        POST /api/v1/auth/password -b "$T/u1.jar" -H "X-CSRF-Token: $csrf" -H "$JSON" \
        -d '{"old_password":"Wrong12345x","new_password":"Nw4rTy7uIo"}'
done
check "counted as failed logins, the account locked" \
    test "$(sql "SELECT failed_logins, CASE WHEN locked_until > 0 THEN 1 ELSE 0 END FROM app_user WHERE username = 'u1'" | tr '|' ' ')" = "2 1"
check "audited as failed logins" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login_failed' AND actor = 'u1' AND detail LIKE 'wrong old password%'")" = 2
req POST /api/v1/auth/password -b "$T/u1.jar" -H "X-CSRF-Token: $csrf" -H "$JSON" \
    -d "{\"old_password\":\"$pw\",\"new_password\":\"Nw4rTy7uIo\"}"
check "while locked even the right old password is 429" test "$status" = 429
check "with Retry-After" header_has '^Retry-After: (2[0-9]|30)$'
req POST /api/v1/auth/login -H "$JSON" -d "{\"username\":\"u1\",\"password\":\"$pw\"}"
check "a locked login is 429 with Retry-After too" test "$status" = 429 && header_has '^Retry-After: [0-9]+$'
check "the password is unchanged" test "$(sql "SELECT must_change FROM app_user WHERE username = 'u1'")" = 0
expect_ok "an administrator clears the lockout" user enable u1
expect "then the right old password changes it" 200 '{"status":"password_changed"}' \
    POST /api/v1/auth/password -b "$T/u1.jar" -H "X-CSRF-Token: $csrf" -H "$JSON" \
    -d "{\"old_password\":\"$pw\",\"new_password\":\"Nw4rTy7uIo\"}"
check "and the failures are cleared" test "$(sql "SELECT failed_logins FROM app_user WHERE username = 'u1'")" = 0
serve_stop

# ---- the audit log, scoped: an auditor of HZ sees HZ's subtree only ----
"$PMIS" org add HZ-XH --name 西湖 --level county --parent HZ >/dev/null &&
    "$PMIS" org add NB --name 宁波 --level city --parent ZJ >/dev/null &&
    for u in "hzaud --org HZ --roles auditor" "rootaud --all-orgs --roles auditor" \
        "xh1 --org HZ-XH --roles cashier" "nb1 --org NB --roles cashier"; do
        # shellcheck disable=SC2086
        echo "$pw" | "$PMIS" user add $u --password-stdin >/dev/null || exit 1
    done || not_ok "audit set up"
serve_start
for u in xh1 nb1 hzaud rootaud; do login $u "$pw" $u.jar; done
req POST /api/v1/auth/login -H "$JSON" -d '{"username":"nb1","password":"Wrong12345x"}'
req GET /api/v1/audit -b "$T/nb1.jar"
check "a cashier may not read the audit log" test "$status" = 403
in_hz="SELECT id FROM audit_log WHERE org_id IN (SELECT descendant_id FROM org_closure c JOIN org_unit o ON o.id = c.ancestor_id WHERE o.code = 'HZ') ORDER BY id DESC"
req GET '/api/v1/audit?limit=1000' -b "$T/hzaud.jar"
check "the HZ auditor sees exactly the rows of HZ's subtree" \
    test "$(jq -r '.items[].id' "$T/body" | tr '\n' ' ')" = "$(sql "$in_hz" | tr '\n' ' ')"
check "which include a login in HZ-XH and the HZ lockout above" \
    test "$(jq -c '[.items[] | select(.entity_key == "xh1" or .entity_key == "u1") | .action] | unique' "$T/body")" = \
    '["auth.login","auth.login_failed","auth.password_change"]'
check "and nothing of NB or of the whole tree" \
    test "$(jq '[.items[] | select(.entity_key == "nb1" or .entity_key == "boss" or .actor == "tester")] | length' "$T/body")" = 0
req GET '/api/v1/audit?limit=2&action=auth.login' -b "$T/hzaud.jar"
check "filters and pages keep the scope" \
    test "$(jq -c '[.items[].entity_key]' "$T/body")" = '["hzaud","xh1"]' -a "$(jq -r .next_before_id "$T/body")" != null
req GET "/api/v1/audit?limit=1000&before_id=$(jq -r .next_before_id "$T/body")&action=auth.login" -b "$T/hzaud.jar"
check "the next page stays in scope" test "$(jq -c '[.items[].entity_key]' "$T/body")" = '["u1","u1"]'
req GET '/api/v1/audit?limit=1000' -b "$T/rootaud.jar"
check "an auditor of the whole tree sees every row" \
    test "$(jq '.items | length' "$T/body")" = "$(sql "SELECT COUNT(*) FROM audit_log")"
check "the NB failed login belongs to NB" \
    test "$(sql "SELECT o.code FROM audit_log a JOIN org_unit o ON o.id = a.org_id WHERE a.action = 'auth.login_failed' AND a.entity_key = 'nb1'")" = NB

# ---- users, roles and tokens over HTTP, scoped ----
expect_ok "hzadmin back" user enable hzadmin
"$PMIS" token add t_xh --user xh1 --perms customer:read >/dev/null 2>&1 &&
    "$PMIS" token add t_nb --user nb1 --perms customer:read >/dev/null 2>&1 || not_ok "tokens"
login hzadmin "$pw" hzadmin.jar
hzcsrf=$csrf
login boss "$pw" boss.jar
bosscsrf=$csrf
req GET /api/v1/users -b "$T/hzadmin.jar"
check "an HZ administrator lists the users of HZ's subtree only" \
    test "$(jq -c '[.items[].username]' "$T/body")" = '["hzadmin","hzaud","u1","xh1"]'
req GET /api/v1/users -b "$T/boss.jar"
check "a whole-tree administrator lists every user" test "$(jq '.items | length' "$T/body")" = 8
digest=$(db_digest)
expect "another subtree's user is unknown" 404 \
    '{"error":{"code":"not_found","message":"unknown user '"'"'nb1'"'"'"}}' \
    POST /api/v1/users/nb1/disable -b "$T/hzadmin.jar" -H "X-CSRF-Token: $hzcsrf" -H "$JSON" -d '{}'
expect "so is a user of the whole tree" 404 \
    '{"error":{"code":"not_found","message":"unknown user '"'"'boss'"'"'"}}' \
    POST /api/v1/users/boss/roles -b "$T/hzadmin.jar" -H "X-CSRF-Token: $hzcsrf" -H "$JSON" \
    -d '{"roles":"auditor"}'
expect "an unknown field" 400 \
    '{"error":{"code":"invalid","message":"unknown field '"'"'role'"'"'","field":"role"}}' \
    POST /api/v1/users/xh1/roles -b "$T/hzadmin.jar" -H "X-CSRF-Token: $hzcsrf" -H "$JSON" \
    -d '{"role":"auditor"}'
expect "an unknown role" 404 \
    '{"error":{"code":"not_found","message":"unknown role '"'"'boss'"'"'","field":"roles"}}' \
    POST /api/v1/users/xh1/roles -b "$T/hzadmin.jar" -H "X-CSRF-Token: $hzcsrf" -H "$JSON" \
    -d '{"roles":"cashier,boss"}'
expect "another subtree's token is unknown" 404 \
    '{"error":{"code":"not_found","message":"unknown token '"'"'t_nb'"'"'"}}' \
    POST /api/v1/tokens/t_nb/revoke -b "$T/hzadmin.jar" -H "X-CSRF-Token: $hzcsrf" -H "$JSON" -d '{}'
check "refusals change nothing" test "$(db_digest)" = "$digest"
"$PMIS" user disable boss2 >/dev/null
req POST /api/v1/users/boss/disable -b "$T/boss.jar" -H "X-CSRF-Token: $bosscsrf" -H "$JSON" -d '{}'
check "the last whole-tree administrator cannot disable itself over HTTP (409)" \
    test "$status" = 409 -a "$(jq -r .error.code "$T/body")" = conflict
req POST /api/v1/users/xh1/roles -b "$T/hzadmin.jar" -H "X-CSRF-Token: $hzcsrf" -H "$JSON" \
    -d '{"roles":"auditor,cashier"}'
check "an HZ administrator re-roles an HZ-XH user" \
    test "$status" = 200 -a "$(jq -r .roles "$T/body")" = auditor,cashier
req POST /api/v1/users/xh1/disable -b "$T/hzadmin.jar" -H "X-CSRF-Token: $hzcsrf" -H "$JSON" -d '{}'
check "and disables it" test "$status" = 200 -a "$(jq -r .status "$T/body")" = disabled
req GET /api/v1/auth/me -b "$T/xh1.jar"
check "which ends its sessions" test "$status" = 401
req POST /api/v1/users/xh1/enable -b "$T/hzadmin.jar" -H "X-CSRF-Token: $hzcsrf" -H "$JSON" -d '{}'
check "and enables it" test "$status" = 200 -a "$(jq -r .status "$T/body")" = active
req GET /api/v1/tokens -b "$T/hzadmin.jar"
check "tokens of the subtree only" test "$(jq -c '[.items[].name]' "$T/body")" = '["t_xh"]'
req POST /api/v1/tokens/t_xh/revoke -b "$T/hzadmin.jar" -H "X-CSRF-Token: $hzcsrf" -H "$JSON" -d '{}'
check "revoked" test "$status" = 200 -a "$(sql "SELECT COUNT(*) FROM api_token WHERE name = 't_xh' AND revoked_at > 0")" = 1
req GET /api/v1/roles -b "$T/hzadmin.jar"
check "roles are listed" test "$(jq -r '.items[] | select(.code == "administrator") | .builtin' "$T/body")" = true
req GET /api/v1/users -b "$T/hzaud.jar"
check "an auditor may not manage users" test "$status" = 403
check "each change is audited with the HZ administrator as actor, in HZ's subtree" \
    test "$(sql "SELECT action FROM audit_log WHERE actor = 'hzadmin' AND org_id = (SELECT id FROM org_unit WHERE code = 'HZ') AND action NOT LIKE 'auth.%' ORDER BY id" | tr '\n' ' ')" = \
    "user.roles user.disable user.enable token.revoke "
serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
srv_pid=""
expect_ok "the audit chain verifies, org units included" audit verify
sql "UPDATE audit_log SET org_id = (SELECT id FROM org_unit WHERE code = 'HZ') WHERE entity_key = 'nb1' AND action = 'auth.login'"
expect_fail "moving a row to another subtree breaks the chain" 76 "the row was edited" audit verify
done_testing
