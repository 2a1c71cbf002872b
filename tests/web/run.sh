#!/bin/sh
# tests/web/run.sh — the web UI's tests, in TAP for tests/run.sh:
#   units     Vitest (web/tests/unit): the UI's own logic (money formatting, i18n keys, errors)
#   browser   a small database (seed.sh), `pmis serve` on 127.0.0.1 with build/web, the OpenAPI
#             document checked by swagger-parser, then web/tests/e2e/journey.mjs (login,
#             search), desk.mjs (dashboard, 360° view, cash desk, billing, collections),
#             apply.mjs (applications, satisfaction, disconnection approval; seed-apply.sh) and
#             admin.mjs (administration pages, bill-run start; seed-admin.sh) and service.mjs
#             (work orders, the complaint loop, the field crew's phone page; seed-service.sh)
#             and archive.mjs (the archive's CSV import and export)
#             in Debian's chromium (screenshots in build/web-screens/BACKEND), then real replies
#             validated against the document's response schemas (openapi-replies.mjs, ajv)
# Installs what is missing first (tools/web.sh: Node.js and npm, chromium, npm ci) and reports
# a failure, never a skip, when that is impossible. The runner's environment as for
# tests/integration (PMIS, PMIS_TEST_DB, PMIS_BACKEND, TMPDIR, PMIS_TOP).
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"
. "$PMIS_TOP/tests/web/seed.sh"
. "$PMIS_TOP/tests/web/seed-apply.sh"
. "$PMIS_TOP/tests/web/seed-admin.sh"
. "$PMIS_TOP/tests/web/seed-service.sh"
cd "$PMIS_TOP"

need() { # need WHAT CMD...: ok, or not ok and stop
    what="$1"
    shift
    if "$@" >"$T/need.log" 2>&1; then
        ok "$what"
    else
        not_ok "$what (see below)"
        tail -n 15 "$T/need.log" | sed 's/^/#   /'
        done_testing
        exit 1
    fi
}
need_node() { sh tools/web.sh modules; }
need_browser() { sh tools/web.sh browser; }
need_build() { make --no-print-directory web; }
# tap NAME CMD...: CMD's TAP lines, its name before each; a failure without a "not ok" line
# (a crash, a missing module) becomes one
tap() {
    name="$1"
    shift
    "$@" >"$T/tap.out" 2>&1
    trc=$?
    grep -E '^(ok|not ok|#) ' "$T/tap.out" | sed "s/^\(not \)*ok [0-9]* - /&$name: /"
    if [ $trc -ne 0 ] && ! grep -q '^not ok ' "$T/tap.out"; then
        not_ok "$name exited with status $trc"
        grep -vE '^(ok|not ok|#) ' "$T/tap.out" | tail -n 15 | sed 's/^/#   /'
    fi
}

case "${1:-}" in
units)
    need "web: Node.js and the npm packages (npm ci)" need_node
    # vitest's own TAP: "ok N - file > suite > test"
    tap vitest sh -c 'cd web && node node_modules/vitest/vitest.mjs run --reporter=tap-flat'
    ;;
browser)
    need "web: Node.js and the npm packages (npm ci)" need_node
    need "web: Debian chromium at /usr/bin/chromium" need_browser
    need "web: the UI is built (make web)" need_build
    # every command and the server at one pinned "now", after the seeded bill runs
    export PMIS_NOW=2025-07-01T02:00:00Z
    seed_web_db || { not_ok "set up the test database"; sed 's/^/#   /' "$T/err" 2>/dev/null; done_testing; exit 1; }
    # the service centre's first: its journey names work orders 1-14 by number
    seed_service_db || { not_ok "set up the service centre's data"; done_testing; exit 1; }
    seed_apply_db || { not_ok "set up the applications and surveys data"; done_testing; exit 1; }
    seed_admin_db || { not_ok "set up the administration journey's data"; done_testing; exit 1; }
    # the first background bill run fails on a storage error (admin.mjs: its retry finishes it)
    serve_start PMIS_SERVER_WEB_DIR="$PMIS_TOP/build/web" PMIS_TEST_JOB_FAULT=3:1
    export PMIS_WEB_BASE="$B"
    tap openapi node web/tests/openapi.mjs
    shots="$PMIS_TOP/build/web-screens/$PMIS_BACKEND"
    rm -rf "$shots"
    export PMIS_WEB_SHOTS="$shots" ADMIN_OTP="$admin_otp" EN_USER=lilei EN_OTP="$en_otp" \
        CASHIER_OTP="$cashier_otp" APPROVER_PW="$approver_pw"
    tap browser node web/tests/e2e/journey.mjs
    tap desk node web/tests/e2e/desk.mjs
    export SURVEY_OPEN="$survey_open" HOSP_ACCT="$hosp_acct"
    tap apply node web/tests/e2e/apply.mjs
    tap admin node web/tests/e2e/admin.mjs
    export SVC_PW="$svc_pw"
    tap service node web/tests/e2e/service.mjs
    # last: it adds customers
    tap archive node web/tests/e2e/archive.mjs
    # after the journeys (it writes): real replies against the document's response schemas
    # (a fresh whole-tree administrator: the journeys closed the cash day of theirs)
    "$PMIS" user add openapi --all-orgs --roles administrator --name 接口校验 >/dev/null 2>&1
    PMIS_API_TOKEN=$("$PMIS" token add openapi-replies --user openapi --perms '*' 2>/dev/null)
    export PMIS_API_TOKEN
    # for the writes that need one: an open escalation (the breaches of now escalated) and a
    # failed notice to retry
    "$PMIS" ticket sla >/dev/null 2>&1
    msg=$(sql "SELECT MIN(id) FROM outbox WHERE status = 'queued'")
    [ -n "$msg" ] && "$PMIS" outbox mark-failed "$msg" --error 'gateway timeout' >/dev/null 2>&1
    tap openapi-replies node web/tests/openapi-replies.mjs
    serve_stop
    check "pmis serve stopped cleanly after the journeys" test "$srv_rc" = 0
    ;;
*)
    echo "usage: tests/web/run.sh units|browser" >&2
    exit 64
    ;;
esac
done_testing
