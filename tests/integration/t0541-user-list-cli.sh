#!/bin/sh
# pmis user list takes GET /api/v1/users's filters through the same user_list: --name (user name
# in any case, or display name, by prefix), --org (the unit's subtree), --status, and keyset pages
# (--after NAME --limit N, the next cursor on stderr). Bad input is refused with the domain's
# messages (the API's) and the list is not printed; without options every user is listed.
. "$PMIS_TOP/tests/integration/lib.sh"

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
    for i in 01 02 03 04 05; do adduser "u$i" HZ cashier || exit 1; done &&
    adduser zz.crew HZ field_crew 张抢修 &&
    adduser x1 XH cashier &&
    adduser n1 NB cashier &&
    "$PMIS" user disable u03 >/dev/null &&
    "$PMIS" user disable n1 >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }

names() { jq -r '[.[].username] | join(" ")' "$T/out"; }
db_names() { sql "SELECT u.username FROM app_user u LEFT JOIN org_unit o ON o.id = u.org_id $1 ORDER BY u.username" | tr '\n' ' ' | sed 's/ $//'; }

expect_ok "no options: every user" --json user list
check "all 9, in the backend's name order" test "$(names)" = "$(db_names "")"
expect_ok "--name u0" --json user list --name u0
check "the u0… users" test "$(names)" = "u01 u02 u03 u04 u05"
expect_ok "--name U0 (user names in any case)" --json user list --name U0
check "the same five" test "$(names)" = "u01 u02 u03 u04 u05"
expect_ok "--name 张 (display name prefix)" --json user list --name 张
check "the crew" test "$(names)" = "zz.crew"
expect_ok "--org HZ: HZ's subtree" --json user list --org HZ
check "HZ's and XH's users" test "$(names)" = "$(db_names "WHERE o.code IN ('HZ', 'XH')")"
expect_ok "--status disabled" --json user list --status disabled
check "u03 and n1" test "$(names)" = "n1 u03"
expect_ok "--org HZ --status active" --json user list --org HZ --status active
check "HZ's active users" test "$(names)" = "$(db_names "WHERE o.code IN ('HZ', 'XH') AND u.username <> 'u03'")"

# ---- pages ----
expect_ok "--name u --limit 2" --json user list --name u --limit 2
check "two users, the cursor of the next page on stderr" \
    test "$(names)|$(cat "$T/err")" = "u01 u02|more: --after u02"
expect_ok "--after u02 --limit 2" --json user list --name u --after u02 --limit 2
check "the next two" test "$(names)|$(cat "$T/err")" = "u03 u04|more: --after u04"
expect_ok "--after u04 --limit 2" --json user list --name u --after u04 --limit 2
check "the last page: no cursor" test "$(names)|$(cat "$T/err")" = "u05|"
expect_ok "text output" user list --org NB
check "one line per user with its status" test "$(awk '{print $1, $2}' "$T/out")" = "n1 disabled"

# ---- bad input: the domain's messages, nothing printed ----
expect_fail "an unknown status" 65 "invalid status 'locked': active or disabled" \
    user list --status locked
check "nothing listed" test ! -s "$T/out"
expect_fail "an unknown org" 66 "unknown org unit 'XX'" user list --org XX
check "nothing listed" test ! -s "$T/out"
expect_fail "a cursor that is no user name" 65 "invalid cursor 'Bad Name': a user name" \
    user list --after 'Bad Name'
expect_fail "limit 0" 64 "--limit must be 1-1000, not 0" user list --limit 0
expect_fail "limit 1001" 64 "--limit must be 1-1000, not 1001" user list --limit 1001
expect_fail "the smallest integer" 64 "--limit must be 1-1000, not -9223372036854775808" \
    user list --limit -9223372036854775808
expect_fail "a limit that is no number" 64 "option '--limit': 'many' is not a whole number" \
    user list --limit many
expect_fail "a stray argument" 64 "" user list HZ

done_testing
