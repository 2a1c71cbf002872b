#!/bin/sh
# tests/web/run.sh — the web UI's tests, in TAP for tests/run.sh:
#   units     Vitest (web/tests/unit): the UI's own logic (money formatting, i18n keys, errors)
#   browser   a small database, `pmis serve` on 127.0.0.1 with build/web, the OpenAPI document
#             checked by swagger-parser, then web/tests/e2e/journey.mjs in Debian's chromium
#             (screenshots in build/web-screens/BACKEND)
# Installs what is missing first (tools/web.sh: Node.js and npm, chromium, npm ci) and reports
# a failure, never a skip, when that is impossible. The runner's environment as for
# tests/integration (PMIS, PMIS_TEST_DB, PMIS_BACKEND, TMPDIR, PMIS_TOP).
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"
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
    "$PMIS" --json init >"$T/init.json" 2>"$T/err" &&
        "$PMIS" org add ZJ --name 浙江省电力公司 --level province >/dev/null &&
        "$PMIS" org add ZJ-HZ --name 杭州供电公司 --level city --parent ZJ >/dev/null &&
        "$PMIS" org add ZJ-HZ-XH --name 西湖供电所 --level station --parent ZJ-HZ >/dev/null &&
        "$PMIS" org add ZJ-NB --name 宁波供电公司 --level city --parent ZJ >/dev/null &&
        "$PMIS" customer add --name 张三 --type resident --voltage 220V --address 杭州市西湖区文三路1号 \
            --org ZJ-HZ-XH --phone 13812345678 --id-no 110101199003071233 --opened 2024-01-05 >/dev/null &&
        "$PMIS" customer add --name 李四 --type resident --voltage 220V --address 宁波市海曙区某路2号 \
            --org ZJ-NB --phone 13900001111 --opened 2024-01-05 >/dev/null ||
        { not_ok "set up the test database"; done_testing; exit 1; }
    i=1
    while [ $i -le 12 ]; do
        "$PMIS" customer add --name "杭州第${i}纺织有限公司" --type general_ci --voltage 10kV \
            --address "杭州市西湖区工业路${i}号" --org ZJ-HZ-XH --phone "1371000$(printf %04d $i)" \
            --opened 2024-02-01 >/dev/null || { not_ok "set up customer $i"; done_testing; exit 1; }
        i=$((i + 1))
    done
    "$PMIS" --json user add lilei --org ZJ-HZ --roles service_agent --name "Li Lei" \
        >"$T/user.json" 2>"$T/err" || { not_ok "set up the English user"; done_testing; exit 1; }
    admin_otp=$(jq -r .admin_one_time_password "$T/init.json")
    en_otp=$(jq -r .one_time_password "$T/user.json")
    serve_start PMIS_SERVER_WEB_DIR="$PMIS_TOP/build/web"
    export PMIS_WEB_BASE="$B"
    tap openapi node web/tests/openapi.mjs
    shots="$PMIS_TOP/build/web-screens/$PMIS_BACKEND"
    rm -rf "$shots"
    export PMIS_WEB_SHOTS="$shots" ADMIN_OTP="$admin_otp" EN_USER=lilei EN_OTP="$en_otp"
    tap browser node web/tests/e2e/journey.mjs
    serve_stop
    check "pmis serve stopped cleanly after the journeys" test "$srv_rc" = 0
    ;;
*)
    echo "usage: tests/web/run.sh units|browser" >&2
    exit 64
    ;;
esac
done_testing
