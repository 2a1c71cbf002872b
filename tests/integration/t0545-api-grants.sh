#!/bin/sh
# Nobody grants what they do not hold (issue 5, authorisation): a user administrator whose roles
# lack a permission cannot give it — through a role to a user, to a custom role, to a token —
# nor change (roles, status) a user who holds one it lacks; a subtree administrator cannot
# change a global custom role that users outside its subtree hold. Each refusal is 403 naming
# the permission and changes nothing; what the caller holds it can still grant. The CLI, run
# by the host's operator, is not limited.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

pw=Kc4rVt8wQm
"$PMIS" init --no-admin >/dev/null 2>&1 &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    "$PMIS" org add NB --name 宁波 --level city --parent ZJ >/dev/null &&
    "$PMIS" role add useradm --name 用户管理员 --perms user:admin,customer:read,payment:post >/dev/null &&
    "$PMIS" role add viewer --name 查询员 --perms customer:read >/dev/null &&
    echo "$pw" | "$PMIS" user add root --all-orgs --roles administrator --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add hzadm --org HZ --roles administrator --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add ua --org HZ --roles useradm --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add cash --org HZ --roles cashier --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add view --org HZ --roles viewer --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add boss --org HZ --roles manager --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add nbview --org NB --roles viewer --password-stdin >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }

serve_start
login_users "$pw" root hzadm ua
state() {
    for t in app_user user_role role role_perm api_token; do
        sql "SELECT * FROM $t ORDER BY 1, 2"
    done | sha256sum
}

# ---- a user administrator without payment:reverse (role useradm) ----
refused "a role carrying a permission the caller lacks is not granted (403)" 403 \
    "role 'cashier' carries permission '[a-z:_]+', which you do not hold" \
    ua POST /api/v1/users/view/roles '{"roles":"cashier"}'
check "naming the roles field" test "$(jq -r .error.field "$T/body")" = roles
refused "nor given to a new user (403)" 403 "role 'administrator' carries permission" \
    ua POST /api/v1/users '{"username":"li","org":"HZ","roles":"viewer,administrator"}'
refused "a user holding more is not re-roled (403)" 403 \
    "user 'cash' holds permission '[a-z:_]+', which you do not hold: you cannot change that user" \
    ua POST /api/v1/users/cash/roles '{"roles":"viewer"}'
refused "nor disabled (403)" 403 "user 'boss' holds permission" ua POST /api/v1/users/boss/disable '{}'
refused "a custom role gets no permission the caller lacks (403)" 403 \
    "you cannot give a role permission 'bill:run', which you do not hold yourself" \
    ua POST /api/v1/roles '{"code":"runner","name":"核算","permissions":"customer:read,bill:run"}'
refused "nor when one is changed (403)" 403 "you cannot give a role permission 'payment:reverse'" \
    ua PATCH /api/v1/roles/viewer '{"permissions":"customer:read,payment:reverse"}'
refused "a token gets no permission the caller lacks (403)" 403 \
    "you cannot give a token permission 'bill:read', which you do not hold yourself" \
    ua POST /api/v1/tokens '{"name":"t1","user":"cash","permissions":"payment:post,bill:read"}'
check "the refusals are audited as denials, naming the permission" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE actor = 'ua' AND action = 'auth.denied' AND detail LIKE '%which you do not hold%'")" = 7

# what it holds it can grant
as ua POST /api/v1/users/view/roles '{"roles":"viewer,useradm"}'
check "a role within the caller's permissions is granted (200)" test "$status" = 200
check "and held" test "$(sql "SELECT COUNT(*) FROM user_role ur JOIN app_user u ON u.id = ur.user_id WHERE u.username = 'view'")" = 2
as ua POST /api/v1/roles '{"code":"poster","name":"收费","permissions":"customer:read,payment:post"}'
check "a role of held permissions is created (201)" test "$status" = 201
as ua POST /api/v1/tokens '{"name":"t1","user":"cash","permissions":"payment:post"}'
check "a token of held permissions is created (201)" test "$status" = 201
as ua POST /api/v1/users/view/disable '{}'
check "a user holding no more than the caller is disabled (200)" test "$status" = 200

# ---- roles are global: a subtree administrator and a role held elsewhere ----
refused "a role held outside the subtree is not changed by a subtree administrator (403)" 403 \
    "role 'viewer' is also held by 1 user\\(s\\) outside your org subtree: only a user of the whole tree" \
    hzadm PATCH /api/v1/roles/viewer '{"name":"查询"}'
as hzadm PATCH /api/v1/roles/poster '{"name":"收费2"}'
check "one held only inside it is (200)" test "$status" = 200
as root PATCH /api/v1/roles/viewer '{"name":"查询"}'
check "and a user of the whole tree changes the other (200)" test "$status" = 200

# ---- the administrator role holds everything; the CLI is not limited ----
as hzadm POST /api/v1/users/cash/roles '{"roles":"cashier,manager"}'
check "an administrator grants any role in its subtree (200)" test "$status" = 200
expect_ok "the host's operator is not limited" user roles view --set administrator
check "the refusals changed nothing the grants did not" \
    test "$(sql "SELECT COUNT(*) FROM role WHERE code IN ('runner')")" = 0

# ---- the same refusal in Chinese ----
req POST /api/v1/roles -b "$T/ua.jar" -H "X-CSRF-Token: $csrf_ua" -H "$JSON" -H 'Accept-Language: zh-CN' \
    -d '{"code":"runner","name":"核算","permissions":"bill:run"}'
check "in the caller's language" \
    test "$(jq -r .error.message "$T/body")" = "您本人没有权限 'bill:run'，不能把它授予角色"

serve_stop
done_testing
