#!/bin/sh
# Concurrency of the API's security rules, with real parallel processes:
# - the last two whole-tree administrators disabled (or stripped of the role) at the same moment
#   by two processes: exactly one change passes, the other is refused with the conflict, and one
#   active administrator is left. The test build's PMIS_TEST_ADMIN_PAUSE_MS holds each change
#   between its count and its commit, so without the row lock both would pass on PostgreSQL.
. "$PMIS_TOP/tests/integration/lib.sh"

"$PMIS" --json init >"$T/init.json" 2>/dev/null &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" user add boss --all-orgs --roles administrator >/dev/null 2>&1 ||
    { not_ok "set up"; done_testing; exit 1; }

active_admins() {
    sql "SELECT COUNT(*) FROM app_user u WHERE u.status = 'active' AND u.org_id IS NULL AND EXISTS
         (SELECT 1 FROM user_role ur JOIN role r ON r.id = ur.role_id
          WHERE ur.user_id = u.id AND r.code = 'administrator')"
}
# race KIND: both administrators changed at once (KIND disable or roles); rc1 rc2 set
change() { # change KIND WHO
    case "$1" in
    disable) "$PMIS" user disable "$2" ;;
    roles) "$PMIS" user roles "$2" --set auditor ;;
    esac
}
race() {
    PMIS_TEST_ADMIN_PAUSE_MS=400 change "$1" admin >"$T/admin.out" 2>"$T/admin.err" &
    pid_admin=$!
    PMIS_TEST_ADMIN_PAUSE_MS=400 change "$1" boss >"$T/boss.out" 2>"$T/boss.err" &
    pid_boss=$!
    wait "$pid_admin"
    rc1=$?
    wait "$pid_boss"
    rc2=$?
}
for kind in disable roles; do
    race "$kind"
    check "$kind both at once: one passes, the other is refused (exit $rc1 and $rc2)" \
        test "$(echo "$rc1 $rc2" | tr ' ' '\n' | sort | tr '\n' ' ')" = "0 67 "
    check "$kind: the refusal names the rule" \
        grep -qh "is the last active administrator of the whole tree" "$T/admin.err" "$T/boss.err"
    check "$kind: one active whole-tree administrator is left" test "$(active_admins)" = 1
    # back to two administrators for the next round
    for who in admin boss; do
        case "$kind" in
        disable) "$PMIS" user enable "$who" >/dev/null 2>&1 ;;
        roles) "$PMIS" user roles "$who" --set administrator >/dev/null 2>&1 ;;
        esac
    done
    check "$kind: two administrators again" test "$(active_admins)" = 2
done

done_testing
