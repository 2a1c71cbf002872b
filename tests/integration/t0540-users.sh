#!/bin/sh
# pmis user|role|token: adding users with one-time or given passwords, bad input (named field,
# exit code from the error table, nothing changed), roles and custom roles, password resets,
# API tokens, every change audited, and no password or token stored or logged in clear.
. "$PMIS_TOP/tests/integration/lib.sh"

"$PMIS" --json init >"$T/init.json" 2>/dev/null &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }
otp=$(jq -r .admin_one_time_password "$T/init.json")
dump() {
    case "$PMIS_TEST_DB" in
    sqlite:*) sqlite3 "${PMIS_TEST_DB#sqlite:}" .dump ;;
    *) pg_dump --data-only "$PMIS_TEST_DB" 2>/dev/null ;;
    esac
}
check "init names the first administrator" \
    test "$(jq -c '[.admin_created, .admin_user]' "$T/init.json")" = '[true,"admin"]'
run --json init
check "a second init creates no administrator" grep -q '"admin_created":false}$' "$T/out"
check "the one-time password is stored only as Argon2id" \
    test "$(sql "SELECT substr(password_hash, 1, 10) || must_change FROM app_user WHERE username = 'admin'")" = '$argon2id$1'
dump >"$T/dump"
check "the dump is not empty" grep -q argon2id "$T/dump"
check "nor is it anywhere in the database" not grep -q "$otp" "$T/dump"

digest=$(db_digest)
expect_fail "a bad user name" 65 "invalid user name 'Bad Name'" user add 'Bad Name' --org HZ --roles cashier
expect_fail "an unknown role" 66 "unknown role 'boss'" user add zhang --org HZ --roles cashier,boss
expect_fail "an unknown org" 66 "unknown org unit 'XX'" user add zhang --org XX --roles cashier
expect_fail "org or all-orgs" 64 "exactly one of --org CODE and --all-orgs" user add zhang --roles cashier
run user add zhang --org HZ --roles cashier --password-stdin <<'END'
short1
END
check "a weak password is refused (exit 65)" test "$rc" = 65
check "naming the rule" grep -q "password is too short: at least 10 characters" "$T/err"
check "refused adds change nothing" test "$(db_digest)" = "$digest"

expect_ok "add with a one-time password" --json user add zhang --name 张收费 --org HZ --roles cashier,cashier
check "printed once" grep -qE '^\{"username":"zhang","one_time_password":"[A-Za-z2-9]{16}"\}$' "$T/out"
expect_fail "a duplicate" 67 "user 'zhang' already exists" user add zhang --org HZ --roles cashier
run --json user list
check "user list" test "$(jq -c '[.[] | [.username, .org, .roles, .must_change_password]]' "$T/out")" = \
    '[["admin",null,"administrator",true],["zhang","HZ","cashier",true]]'
expect_ok "add a custom role" role add inspector --name 稽查员 --perms customer:read,bill:read
expect_fail "a role with an unknown permission" 65 "unknown permission 'bill:delete'" \
    role add r2 --name 某 --perms bill:delete
expect_fail "a role with every permission by '*'" 65 "one by one" role add r2 --name 某 --perms '*'
expect_fail "(nor with '*' among others)" 65 "one by one" role add r2 --name 某 --perms 'bill:read, *'
expect_ok "give it" user roles zhang --set inspector,cashier
check "the roles" out_is "cashier,inspector"
run --json role list
check "role list shows built-in and custom roles" \
    test "$(jq -c '[.[] | select(.code == "inspector" or .code == "auditor") | [.code, .builtin, .permissions]]' "$T/out")" = \
    '[["auditor",true,"customer:read,tariff:read,bill:read,payment:read,audit:read,report:read,collection:read,ticket:read,application:read,survey:read"],["inspector",false,"customer:read,bill:read"]]'
echo Zx8cVb2nMq | "$PMIS" user passwd zhang --password-stdin >"$T/out" 2>"$T/err"
check "an administrator sets a password" out_is "user zhang: password set"
check "which need not be changed" \
    test "$(sql "SELECT must_change FROM app_user WHERE username = 'zhang'")" = 0
expect_ok "disable" user disable zhang
expect_fail "disable twice" 67 "user 'zhang' is already disabled" user disable zhang
expect_fail "an unknown user" 66 "unknown user 'nobody'" user disable nobody

expect_fail "a token for a disabled user's permission it lacks" 65 \
    "user 'zhang' does not hold permission 'pii:read'" token add t1 --user zhang --perms pii:read
expect_fail "a token outside its owner's subtree" 65 "org unit 'ZJ' is outside user 'zhang''s subtree" \
    token add t1 --user zhang --perms customer:read --org ZJ
expect_fail "a bad validity" 65 "invalid validity 0 days" token add t1 --user zhang --perms '*' --days 0
expect_ok "a token" --json token add t1 --user zhang --perms '*' --days 30
tok=$(jq -r .token "$T/out")
check "is stored only as its hash" \
    test "$(sql "SELECT COUNT(*) FROM api_token WHERE token_hash = '$(printf %s "$tok" | sha256sum | cut -c1-64)'")" = 1
run --json token list
check "token list: its owner's permissions, no secret" \
    test "$(jq -c '.[0] | [.name, .user, .permissions, .org, .revoked_at]' "$T/out")" = \
    '["t1","zhang","customer:read,bill:read,payment:read,payment:post,collection:read,collection:work","HZ",null]'
check "the list never shows the token" not grep -q "$tok" "$T/out"
expect_ok "revoke" token revoke t1
expect_fail "revoke twice" 67 "token 't1' is already revoked" token revoke t1
expect_fail "revoke an unknown token" 66 "unknown token 'nope'" token revoke nope

check "every change is audited" test "$(sql "SELECT action FROM audit_log WHERE entity IN ('user', 'role', 'api_token') ORDER BY id" | tr '\n' ' ')" = \
    "user.create user.create role.create user.roles user.password_reset user.disable token.create token.revoke "
dump >"$T/dump"
check "no password or token in clear anywhere" not grep -q -e Zx8cVb2nMq -e "$tok" "$T/dump"
expect_ok "the audit chain verifies" audit verify
done_testing
