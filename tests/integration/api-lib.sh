# api-lib.sh — sourced (after lib.sh) by the tests of `pmis serve`: start the real server on
# 127.0.0.1 with a free port, send requests with curl, assert exact statuses and bodies.
#   serve_start [ENV=VALUE...]   start it (environment for the server only, serve options in
#                                $SERVE_ARGS); sets $B, $srv_pid
#   serve_stop                   SIGTERM and wait; sets $srv_rc
#   req METHOD PATH [CURL ARGS]  sets $status; body in $T/body, headers in $T/headers
#   expect DESC STATUS BODY METHOD PATH [CURL ARGS]   exact status and body
#   login USER PASSWORD JAR      log in with cookie jar $T/JAR; sets $csrf
#   login_users PASSWORD USER... log each in for `as`
#   as USER METHOD PATH [BODY]   a request of USER's session ($T/USER.jar, CSRF in $csrf_USER)
#   refused DESC STATUS MESSAGE-REGEX USER METHOD PATH [BODY]   status, message, and no change
#                                in the test's own `state` digest
srv_pid=""

serve_start() {
    : >"$T/serve.log"
    # shellcheck disable=SC2086
    env "$@" "$PMIS" serve --listen 127.0.0.1:0 ${SERVE_ARGS:-} 2>>"$T/serve.log" &
    srv_pid=$!
    i=0
    while [ $i -lt 200 ]; do
        port=$(sed -n 's|^listening on https*://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' "$T/serve.log")
        scheme=$(sed -n 's|^listening on \(https*\)://.*|\1|p' "$T/serve.log")
        [ -n "$port" ] && break
        kill -0 "$srv_pid" 2>/dev/null || break
        sleep 0.05
        i=$((i + 1))
    done
    if [ -z "$port" ]; then
        not_ok "server starts"
        sed 's/^/#   log: /' "$T/serve.log" | head -20
        done_testing
        exit 1
    fi
    B="$scheme://127.0.0.1:$port"
}

serve_stop() {
    kill -TERM "$srv_pid" 2>/dev/null
    wait "$srv_pid"
    srv_rc=$?
}

# the server must not outlive a failed test
trap '[ -n "$srv_pid" ] && kill -KILL "$srv_pid" 2>/dev/null' EXIT

req() {
    m="$1" p="$2"
    shift 2
    status=$(curl -s -o "$T/body" -D "$T/headers" -w '%{http_code}' -X "$m" "$@" "$B$p")
}

body_is() { [ "$(cat "$T/body")" = "$1" ]; }
header_has() { tr -d '\r' <"$T/headers" | grep -qiE -- "$1"; }

expect() {
    d="$1" want_status="$2" want_body="$3"
    shift 3
    req "$@"
    if [ "$status" != "$want_status" ]; then
        not_ok "$d (status $status, expected $want_status)"
        sed 's/^/#   body: /' "$T/body" | head -5
    elif ! body_is "$want_body"; then
        not_ok "$d (body differs)"
        echo "#   got:      $(cat "$T/body")"
        echo "#   expected: $want_body"
    else
        ok "$d"
    fi
}

# login USER PASSWORD JAR: a session in cookie jar $T/JAR, CSRF token in $csrf
login() {
    req POST /api/v1/auth/login -c "$T/$3" -H 'Content-Type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$2\"}"
    csrf=$(jq -r '.csrf_token // empty' "$T/body")
}

JSON='Content-Type: application/json'

# login_users PASSWORD USER...: log each in (cookie jar $T/USER.jar, CSRF token in $csrf_USER)
login_users() {
    lu_pw=$1
    shift
    for u in "$@"; do
        login "$u" "$lu_pw" "$u.jar"
        eval "csrf_$u=\$csrf"
    done
}
# as USER METHOD PATH [BODY]: a request of USER's session (with its CSRF token)
as() {
    u=$1 m=$2 p=$3
    eval "tok=\$csrf_$u"
    if [ -n "${4:-}" ]; then
        req "$m" "$p" -b "$T/$u.jar" -H "X-CSRF-Token: $tok" -H "$JSON" -d "$4"
    else
        req "$m" "$p" -b "$T/$u.jar" -H "X-CSRF-Token: $tok"
    fi
}
# refused DESC STATUS MESSAGE-REGEX USER METHOD PATH [BODY]: the status, the message, no change
refused() {
    d=$1 want=$2 msg=$3
    shift 3
    before=$(state)
    as "$@"
    if [ "$status" != "$want" ]; then
        not_ok "$d (status $status, expected $want)"
        sed 's/^/#   body: /' "$T/body" | head -3
    elif ! jq -r .error.message "$T/body" | grep -qE -- "$msg"; then
        not_ok "$d (message: $(jq -r .error.message "$T/body"))"
    elif [ "$(state)" != "$before" ]; then
        not_ok "$d (the database changed)"
    else
        ok "$d"
    fi
}

# ledger_fixture: the HZ/NB archive of the ledger API tests (t0550, t0561): orgs ZJ > HZ, NB;
# accounts A1, A2 of HZ and NB1 of NB with one November bill each (100, 200, 300 yuan, due
# 2024-12-25), billed at PMIS_NOW=2024-12-01 (left set); pw a password for the test's users.
ledger_fixture() {
    { echo "$CUSTOMER_CSV_HEADER"; cat <<'END'; } >"$T/c.csv"
3300000001,张一,resident,220V,active,0,杭州市1号,,,,HZ,2020-01-01,
3300000002,张二,resident,220V,active,0,杭州市2号,,,,HZ,2020-01-01,
3300000003,李三,resident,220V,active,0,宁波市3号,,,,NB,2020-01-01,
END
    flat_fixture 330000000 "postpaid postpaid postpaid" 3
    printf '%s\n' meter,read_on,source,total M1,2024-10-15,remote,0 M1,2024-11-15,remote,100 \
        M2,2024-10-15,remote,0 M2,2024-11-15,remote,200 M3,2024-10-15,remote,0 \
        M3,2024-11-15,remote,300 >"$T/r.csv"
    A1=330000000101 A2=330000000201 NB1=330000000301
    pw=Kc4rVt8wQm
    export PMIS_NOW=2024-12-01T02:00:00Z
    "$PMIS" init --no-admin >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
        "$PMIS" org add NB --name 宁波 --level city --parent ZJ >/dev/null &&
        flat_import &&
        "$PMIS" bill run --period 2024-11 >/dev/null &&
        "$PMIS" bill issue "$(sql "SELECT id FROM bill_run")" --due-date 2024-12-25 >/dev/null
}
