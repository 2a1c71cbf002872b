#!/bin/sh
# pmis serve --tls-cert/--tls-key: HTTPS on libmicrohttpd (GnuTLS), the session cookie gains
# Secure, plain HTTP to the TLS port gets no answer, and bad TLS options are refused up front.
# Also a stalled client: cut off at server.connection_timeout_s while the server keeps serving.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

"$PMIS" init --no-admin >/dev/null 2>&1 &&
    echo Tq4xLm8wZp | "$PMIS" user add ops --all-orgs --roles auditor --password-stdin >/dev/null &&
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
        -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1 ||
    { not_ok "set up"; done_testing; exit 1; }

expect_fail "a certificate without its key" 64 "--tls-cert and --tls-key go together" \
    serve --listen 127.0.0.1:0 --tls-cert "$T/cert.pem"
echo "not pem" >"$T/junk.pem"
expect_fail "a key that is not PEM" 78 "junk\.pem' is not a PEM file" \
    serve --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" --tls-key "$T/junk.pem"
expect_fail "a missing certificate file" 66 "nope\.pem" \
    serve --listen 127.0.0.1:0 --tls-cert "$T/nope.pem" --tls-key "$T/key.pem"
expect_fail "a bad listen address" 78 "invalid listen address 'localhost': expected HOST:PORT" \
    serve --listen localhost

# a client that sends its headers and then nothing more
serve_start PMIS_SERVER_CONNECTION_TIMEOUT_S=1
(sleep 3) | curl -s -o /dev/null -X POST -H "$JSON" -T - "$B/api/v1/auth/login" &
stalled=$!
sleep 0.3
req GET /healthz
check "the server answers others while a client stalls" test "$status" = 200
sleep 1.5
check "the stalled request is cut off after the timeout (408 in the access log)" \
    grep -qE '"method":"POST","path":"/api/v1/auth/login","route":null,"status":408,"ms":(9[0-9]{2}|[12][0-9]{3})\.' "$T/serve.log"
wait "$stalled"
req GET /healthz
check "and keeps serving" test "$status" = 200
serve_stop
check "stops cleanly" test "$srv_rc" = 0

SERVE_ARGS="--tls-cert $T/cert.pem --tls-key $T/key.pem"
serve_start
check "serves HTTPS" test "${B%%:*}" = https
req GET /healthz --cacert "$T/cert.pem"
check "healthz over TLS, certificate verified" test "$status $(cat "$T/body")" = '200 {"status":"ok"}'
req POST /api/v1/auth/login --cacert "$T/cert.pem" -H "$JSON" \
    -d '{"username":"ops","password":"Tq4xLm8wZp"}'
check "login over TLS" test "$status" = 200
check "the session cookie is Secure under TLS" \
    header_has '^Set-Cookie: pmis_session=[0-9a-f]{64}; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict; Secure$'
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://${B#https://}/healthz")
check "plain HTTP to the TLS port gets no HTTP answer" test "$code" = 000
req GET /healthz --cacert "$T/cert.pem"
check "and the server keeps serving" test "$status" = 200
serve_stop
check "stops cleanly" test "$srv_rc" = 0
srv_pid=""
done_testing
