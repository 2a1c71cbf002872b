# api-lib.sh — sourced (after lib.sh) by the tests of `pmis serve`: start the real server on
# 127.0.0.1 with a free port, send requests with curl, assert exact statuses and bodies.
#   serve_start [ENV=VALUE...]   start it (environment for the server only, serve options in
#                                $SERVE_ARGS); sets $B, $srv_pid
#   serve_stop                   SIGTERM and wait; sets $srv_rc
#   req METHOD PATH [CURL ARGS]  sets $status; body in $T/body, headers in $T/headers
#   expect DESC STATUS BODY METHOD PATH [CURL ARGS]   exact status and body
#   login USER PASSWORD JAR      log in with cookie jar $T/JAR; sets $csrf
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
