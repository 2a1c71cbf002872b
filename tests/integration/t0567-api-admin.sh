#!/bin/sh
# The administration routes of the web UI: creating users (a one-time password shown once and
# changed at the first login), custom roles (created, changed, deleted; built-in ones not),
# integration tokens (the secret shown once, scoped to permissions and an org subtree) and the
# working-day calendar (a year's holidays and make-up days; one day set or removed). Bad input
# is refused naming the problem and changes nothing; a subtree administrator stays in its
# subtree; every change is audited.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

pw=Kc4rVt8wQm
"$PMIS" init --no-admin >/dev/null 2>&1 &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    "$PMIS" org add NB --name 宁波 --level city --parent ZJ >/dev/null &&
    "$PMIS" calendar import "$PMIS_TOP/data/calendar/cn-2025.csv" >/dev/null &&
    echo "$pw" | "$PMIS" user add root --all-orgs --roles administrator --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add hzadm --org HZ --roles administrator --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add cash --org HZ --roles cashier --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add nbcash --org NB --roles cashier --password-stdin >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }

serve_start
login_users "$pw" root hzadm cash
# state: a digest of what these routes change (denials add audit rows, so not db_digest)
state() {
    for t in app_user user_role role role_perm api_token work_calendar; do
        sql "SELECT * FROM $t ORDER BY 1, 2"
    done | sha256sum
}

# ---- users ----
as root POST /api/v1/users '{"username":"zhang","display_name":"张收费","org":"HZ","roles":"cashier"}'
check "an administrator creates a user (201)" test "$status" = 201
check "with the roles, org and a one-time password to change" \
    test "$(jq -c '[.username, .display_name, .org, .roles, .status, .must_change_password]' "$T/body")" = \
    '["zhang","张收费","HZ","cashier","active",true]'
otp=$(jq -r .one_time_password "$T/body")
check "the one-time password is 16 characters, shown once" \
    sh -c "echo '$otp' | grep -qE '^[A-Za-z2-9]{16}\$'"
check "and stored only as Argon2id" \
    test "$(sql "SELECT substr(password_hash, 1, 10) || must_change FROM app_user WHERE username = 'zhang'")" = '$argon2id$1'
check "the creation is audited" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'user.create' AND entity_key = 'zhang' AND request_id IS NOT NULL")" = 1
login zhang "$otp" zhang.jar
check "the new user logs in with it" test "$status" = 200 -a "$(jq -r .must_change_password "$T/body")" = true
req GET /api/v1/payments -b "$T/zhang.jar"
check "but must change it before anything else (403)" test "$status" = 403
req POST /api/v1/auth/password -b "$T/zhang.jar" -H "X-CSRF-Token: $csrf" -H "$JSON" \
    -d "{\"old_password\":\"$otp\",\"new_password\":\"Np5wQz8rTx\"}"
check "changes it" test "$status" = 200
login zhang Np5wQz8rTx zhang.jar
req GET /api/v1/payments -b "$T/zhang.jar"
check "and works with the new one" test "$status" = 200

refused "a duplicate user name (409)" 409 "user 'zhang' already exists" \
    root POST /api/v1/users '{"username":"zhang","org":"HZ","roles":"cashier"}'
refused "a bad user name (400)" 400 "invalid user name 'Bad Name'" \
    root POST /api/v1/users '{"username":"Bad Name","org":"HZ","roles":"cashier"}'
refused "an unknown role (404)" 404 "unknown role 'boss'" \
    root POST /api/v1/users '{"username":"li","org":"HZ","roles":"cashier,boss"}'
refused "roles missing (400)" 400 "roles" root POST /api/v1/users '{"username":"li","org":"HZ"}'
refused "an unknown field (400)" 400 "password" \
    root POST /api/v1/users '{"username":"li","org":"HZ","roles":"cashier","password":"x"}'
refused "a subtree administrator cannot create a user in another subtree (404)" 404 \
    "unknown org unit 'NB'" hzadm POST /api/v1/users '{"username":"li","org":"NB","roles":"cashier"}'
refused "nor one of the whole tree (400)" 400 "org unit is missing" \
    hzadm POST /api/v1/users '{"username":"li","roles":"cashier"}'
refused "a cashier may not create users (403)" 403 "user:admin" \
    cash POST /api/v1/users '{"username":"li","org":"HZ","roles":"cashier"}'
as hzadm POST /api/v1/users '{"username":"li","org":"HZ","roles":"cashier"}'
check "a subtree administrator creates a user in its subtree" \
    test "$status" = 201 -a "$(jq -r .org "$T/body")" = HZ
as hzadm GET /api/v1/users
check "and lists only its subtree" \
    test "$(jq -c '[.items[].username]' "$T/body")" = '["cash","hzadm","li","zhang"]'

# ---- roles ----
as root POST /api/v1/roles '{"code":"inspector","name":"稽查员","name_en":"Inspector","permissions":"customer:read,bill:read"}'
check "a custom role is created (201)" test "$status" = 201 -a \
    "$(jq -c '[.code, .name_zh, .name_en, .builtin, .permissions]' "$T/body")" = \
    '["inspector","稽查员","Inspector",false,"customer:read,bill:read"]'
check "audited" test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'role.create' AND entity_key = 'inspector'")" = 1
refused "an unknown permission is named (400)" 400 "unknown permission 'bill:delete'" \
    root POST /api/v1/roles '{"code":"r2","name":"某","permissions":"customer:read,bill:delete"}'
check "naming the field" test "$(jq -r .error.field "$T/body")" = permissions
refused "all permissions by '*' (400)" 400 "one by one" \
    root POST /api/v1/roles '{"code":"r2","name":"某","permissions":"*"}'
check "naming the field" test "$(jq -r .error.field "$T/body")" = permissions
refused "a change to '*' (400)" 400 "one by one" \
    root PATCH /api/v1/roles/inspector '{"permissions":"*"}'
refused "a duplicate role (409)" 409 "role 'inspector' already exists" \
    root POST /api/v1/roles '{"code":"inspector","name":"某","permissions":"bill:read"}'
refused "a bad role code (400)" 400 "invalid role code" \
    root POST /api/v1/roles '{"code":"X Y","name":"某","permissions":"bill:read"}'
as root PATCH /api/v1/roles/inspector '{"permissions":"customer:read, report:read","name":"稽查"}'
check "a custom role is changed" test "$status" = 200 -a \
    "$(jq -c '[.name_zh, .name_en, .permissions]' "$T/body")" = '["稽查","Inspector","customer:read,report:read"]'
refused "a change with an unknown permission (400)" 400 "unknown permission 'x:y'" \
    root PATCH /api/v1/roles/inspector '{"permissions":"x:y"}'
refused "an empty permission list (400)" 400 "permission list is empty" \
    root PATCH /api/v1/roles/inspector '{"permissions":""}'
refused "a built-in role is not changed (409)" 409 "built in" \
    root PATCH /api/v1/roles/cashier '{"permissions":"bill:read"}'
refused "an unknown role (404)" 404 "unknown role 'nope'" root PATCH /api/v1/roles/nope '{"name":"某"}'
as root POST /api/v1/users/li/roles '{"roles":"inspector"}'
check "the role is given to a user" test "$status" = 200
refused "a role somebody holds is not deleted (409)" 409 "held by 1 user" \
    root DELETE /api/v1/roles/inspector
refused "nor a built-in one (409)" 409 "built in" root DELETE /api/v1/roles/auditor
as root POST /api/v1/users/li/roles '{"roles":"cashier"}'
as root DELETE /api/v1/roles/inspector
check "a custom role nobody holds is deleted" test "$status" = 200 -a \
    "$(sql "SELECT COUNT(*) FROM role WHERE code = 'inspector'")" = 0
check "changes and deletion audited" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action IN ('role.update', 'role.delete')")" = 2
refused "deleted once (404)" 404 "unknown role 'inspector'" root DELETE /api/v1/roles/inspector

# ---- tokens ----
as root POST /api/v1/tokens '{"name":"erp","user":"cash","permissions":"payment:read","org":"HZ","days":30}'
check "a token is created (201) with its secret shown once" test "$status" = 201 -a \
    "$(jq -c '[.name, .user, .permissions, .org, .revoked_at]' "$T/body")" = '["erp","cash","payment:read","HZ",null]'
secret=$(jq -r .token "$T/body")
check "the secret has the token form" sh -c "echo '$secret' | grep -qE '^pmist_[0-9a-f]{64}\$'"
check "and is stored only hashed" test "$(sql "SELECT COUNT(*) FROM api_token WHERE token_hash = '$secret'")" = 0
req GET /api/v1/payments -H "Authorization: Bearer $secret"
check "the token reads payments" test "$status" = 200
req GET /api/v1/customers -H "Authorization: Bearer $secret"
check "but nothing beyond its permissions (403)" test "$status" = 403
as root GET /api/v1/tokens
check "the list does not show the secret" not grep -q "$secret" "$T/body"
refused "a permission the owner lacks (400)" 400 "does not hold permission 'bill:run'" \
    root POST /api/v1/tokens '{"name":"t2","user":"cash","permissions":"bill:run"}'
refused "an unknown permission (400)" 400 "unknown permission 'pay:all'" \
    root POST /api/v1/tokens '{"name":"t2","user":"cash","permissions":"pay:all"}'
refused "a bad validity (400)" 400 "days" \
    root POST /api/v1/tokens '{"name":"t2","user":"cash","permissions":"payment:read","days":0}'
refused "a duplicate name (409)" 409 "token 'erp' already exists" \
    root POST /api/v1/tokens '{"name":"erp","user":"cash","permissions":"payment:read"}'
refused "an org outside the owner's subtree (400)" 400 "outside user 'cash'" \
    root POST /api/v1/tokens '{"name":"t2","user":"cash","permissions":"payment:read","org":"NB"}'
refused "a subtree administrator cannot make one for another subtree's user (404)" 404 \
    "unknown user 'nbcash'" hzadm POST /api/v1/tokens '{"name":"t2","user":"nbcash","permissions":"payment:read"}'
as root POST /api/v1/tokens/erp/revoke '{}'
req GET /api/v1/payments -H "Authorization: Bearer $secret"
check "a revoked token is refused (401)" test "$status" = 401

# ---- the working-day calendar ----
as cash GET "/api/v1/calendar?year=2025"
check "any user reads a year's calendar" test "$status" = 200 -a \
    "$(jq -c '[.year, .covered, .working_days, (.days | length), .days[0]]' "$T/body")" = \
    '[2025,true,248,33,{"date":"2025-01-01","kind":"holiday","name":"元旦"}]'
check "with its make-up working days" \
    test "$(jq -r '.days[] | select(.date == "2025-01-26") | .kind + " " + .name' "$T/body")" = "workday 春节调休上班"
as root POST /api/v1/calendar/days '{"date":"2025-06-07","kind":"workday","name":"演练调休"}'
check "an administrator adds a make-up working day" test "$status" = 200 -a \
    "$(jq -c . "$T/body")" = '{"date":"2025-06-07","kind":"workday","name":"演练调休","changed":true}'
as root POST /api/v1/calendar/days '{"date":"2025-06-09","kind":"holiday","name":"演练"}'
check "and a holiday" test "$status" = 200
as cash GET "/api/v1/calendar?year=2025"
check "the year shows both; its working days are the same (one more, one fewer)" test \
    "$(jq -c '[.working_days, (.days | length)]' "$T/body")" = '[248,35]'
check "audited" test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'calendar.set'")" = 2
"$PMIS" calendar add 2025-06-06 1 >"$T/out"
check "the SLA engine counts on it: 1 working day after Fri 2025-06-06 is Sat 06-07" out_is 2025-06-07
# the N-th working day after a date (pmis calendar add) for any user, on the stored calendar
as cash GET "/api/v1/calendar/working-day?from=2025-06-06&days=1"
check "GET /calendar/working-day: the make-up Saturday counts" test "$status:$(jq -c . "$T/body")" = \
    '200:{"from":"2025-06-06","days":1,"date":"2025-06-07"}'
as cash GET "/api/v1/calendar/working-day?from=2025-06-10&days=-1"
check "before a date: the holiday Monday 06-09 is skipped" test "$status:$(jq -r .date "$T/body")" = \
    "200:2025-06-07"
for q in "2025-09-30 5" "2025-01-27 1" "2025-10-09 -7" "2025-06-07 0"; do
    set -- $q
    as hzadm GET "/api/v1/calendar/working-day?from=$1&days=$2"
    check "$2 working day(s) from $1 as pmis calendar add" \
        test "$status:$(jq -r .date "$T/body")" = "200:$("$PMIS" calendar add "$1" -- "$2")"
done
refused "days missing (400)" 400 "'days' is missing" cash GET "/api/v1/calendar/working-day?from=2025-06-06"
check "naming the field 'days'" test "$(jq -r .error.field "$T/body")" = days
refused "from missing (400)" 400 "'from' is missing" cash GET "/api/v1/calendar/working-day?days=1"
check "naming the field 'from'" test "$(jq -r .error.field "$T/body")" = from
refused "a bad date (400)" 400 "2025-02-30" cash GET "/api/v1/calendar/working-day?from=2025-02-30&days=1"
check "naming the field 'from'" test "$(jq -r .error.field "$T/body")" = from
refused "days not a number (400)" 400 "days" cash GET "/api/v1/calendar/working-day?from=2025-06-06&days=x"
check "naming the field 'days'" test "$(jq -r .error.field "$T/body")" = days
refused "days out of range (400)" 400 "days" \
    cash GET "/api/v1/calendar/working-day?from=2025-06-06&days=100001"
check "naming the field 'days'" test "$(jq -r .error.field "$T/body")" = days
refused "a make-up day on a weekday (400)" 400 "must be a saturday or sunday" \
    root POST /api/v1/calendar/days '{"date":"2025-06-10","kind":"workday"}'
check "naming the field 'date'" test "$(jq -r .error.field "$T/body")" = date
refused "a bad date (400)" 400 "invalid date '2025-02-30'" \
    root POST /api/v1/calendar/days '{"date":"2025-02-30","kind":"holiday"}'
refused "a bad kind (400)" 400 "invalid kind 'rest'" \
    root POST /api/v1/calendar/days '{"date":"2025-06-10","kind":"rest"}'
check "naming the field 'kind'" test "$(jq -r .error.field "$T/body")" = kind
refused "a name with a control character (400)" 400 "control character in name" \
    root POST /api/v1/calendar/days '{"date":"2025-06-10","kind":"holiday","name":"a\tb"}'
check "naming the field 'name'" test "$(jq -r .error.field "$T/body")" = name
refused "a subtree administrator may not change it (403)" 403 "whole tree" \
    hzadm POST /api/v1/calendar/days '{"date":"2025-06-10","kind":"holiday"}'
refused "nor a cashier (403)" 403 "calendar:write" \
    cash POST /api/v1/calendar/days '{"date":"2025-06-10","kind":"holiday"}'
as root DELETE /api/v1/calendar/days/2025-06-07
check "a day is removed" test "$status" = 200 -a \
    "$(sql "SELECT COUNT(*) FROM work_calendar WHERE day = '2025-06-07'")" = 0
refused "removed once (404)" 404 "no calendar entry on '2025-06-07'" \
    root DELETE /api/v1/calendar/days/2025-06-07
refused "a bad date to remove (400)" 400 "invalid date 'junk'" root DELETE /api/v1/calendar/days/junk
refused "a year is required (400)" 400 "'year' is missing" root GET /api/v1/calendar
refused "a bad year (400)" 400 "year" root GET "/api/v1/calendar?year=20x5"

serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
srv_pid=""
done_testing
