#!/bin/sh
# pmis serve: health and readiness, login (one-time password, bad password, lockout), cookie
# flags, CSRF, missing and expired sessions, permissions (403, audited), org scope (another
# subtree answers 404 exactly like a missing object), masking and audited reveal, API tokens,
# body limit (413), malformed JSON and wrong types (400), injection strings, request ids, the
# JSON access log, metrics, and SIGTERM letting an in-flight request finish.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

"$PMIS" --json init >"$T/init.json" 2>/dev/null &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    "$PMIS" org add XH01 --name 文三供电所 --level station --parent HZ >/dev/null &&
    "$PMIS" org add NB --name 宁波 --level city --parent ZJ >/dev/null &&
    "$PMIS" customer add --name 张三 --type resident --voltage 220V --address 杭州市文三路1号 \
        --org XH01 --phone 13812345678 --id-no 110101199003071233 --opened 2024-01-05 >/dev/null &&
    "$PMIS" customer add --name 李四 --type resident --voltage 220V --address 宁波市某路2号 \
        --org NB --phone 13900001111 --opened 2024-01-05 >/dev/null &&
    echo Xk9mPq2wLz | "$PMIS" user add agent --org HZ --roles service_agent --password-stdin \
        >/dev/null &&
    echo Cq7ZtB3vNm | "$PMIS" user add cashier1 --org HZ --roles cashier --password-stdin \
        >/dev/null &&
    echo Rw8xWq4rTp | "$PMIS" user add auditor1 --all-orgs --roles auditor --password-stdin \
        >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }
otp=$(jq -r .admin_one_time_password "$T/init.json")
check "init creates admin with a one-time password" \
    test "$(jq -r '.admin_created' "$T/init.json")" = true -a "${#otp}" = 16

serve_start PMIS_AUTH_LOCKOUT_AFTER=3 PMIS_SERVER_MAX_BODY_BYTES=4096

# --- operations ---
expect "healthz" 200 '{"status":"ok"}' GET /healthz
check "every response has a request id" header_has '^X-Request-Id: [0-9a-f]{16}$'
req GET /healthz -H 'X-Request-Id: abc-123.X'
check "a sane X-Request-Id is kept" header_has '^X-Request-Id: abc-123\.X$'
req GET /healthz -H 'X-Request-Id: bad id;<script>'
check "an insane one is replaced" header_has '^X-Request-Id: [0-9a-f]{16}$'
expect "readyz" 200 '{"status":"ready"}' GET /readyz
req GET /api/v1/openapi.json
check "an OpenAPI 3 document with every route of routes.def" test "$status $(jq -r .openapi "$T/body") $(jq '[.paths[] | keys[]] | length' "$T/body")" = \
    "200 3.0.3 $(grep -c '^ROUTE(' "$PMIS_TOP/src/api/routes.def")"
check "each with its permission and parameters" \
    test "$(jq -c '.paths["/api/v1/customers/{id}/pii/{field}"].post | [.["x-permission"], [.parameters[].name], .["x-csrf"]]' "$T/body")" = '["pii:read",["id","field"],true]'
check "every JSON request body is described: members, types, required (no bare object)" \
    test "$(jq '[.paths[][] | .requestBody.content["application/json"].schema // empty |
        select(.properties == null and .["$ref"] == null)] | length' "$T/body")" = 0
check "unknown members refused where the handler refuses them" test "$(jq -c \
    '.paths["/api/v1/users"].post.requestBody.content["application/json"].schema |
    [.required, .additionalProperties]' "$T/body")" = '[["roles","username"],false]'
check "public routes need no authentication" \
    test "$(jq -c '.paths["/healthz"].get.security' "$T/body")" = '[]'
expect "unknown route" 404 '{"error":{"code":"not_found","message":"no such resource"}}' \
    GET /api/v1/nothing
expect "wrong method" 405 \
    '{"error":{"code":"method_not_allowed","message":"method DELETE is not allowed here"}}' \
    DELETE /api/v1/customers/1000000000

# --- authentication ---
expect "no session" 401 \
    '{"error":{"code":"unauthenticated","message":"authentication required"}}' \
    GET /api/v1/customers/1000000000
expect "a forged session cookie" 401 \
    '{"error":{"code":"unauthenticated","message":"no such session: log in again"}}' \
    GET /api/v1/customers/1000000000 -b "pmis_session=$(printf '%064d' 7)"
bad='{"error":{"code":"unauthenticated","message":"invalid user name or password"}}'
expect "wrong password" 401 "$bad" POST /api/v1/auth/login -H "$JSON" \
    -d '{"username":"agent","password":"Wrong12345x"}'
expect "unknown user: the same answer" 401 "$bad" POST /api/v1/auth/login -H "$JSON" \
    -d '{"username":"nobody","password":"Wrong12345x"}'
check "failed logins are audited" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login_failed'")" = 2
expect "login without a JSON content type" 400 \
    '{"error":{"code":"invalid","message":"Content-Type must be application/json"}}' \
    POST /api/v1/auth/login -d '{"username":"agent","password":"x"}'
expect "login with a number as password" 400 \
    '{"error":{"code":"invalid","message":"field '"'"'password'"'"' must be a string","field":"password"}}' \
    POST /api/v1/auth/login -H "$JSON" -d '{"username":"agent","password":12345}'

login admin "$otp" admin.jar
check "admin logs in with the one-time password" test "$status" = 200
check "and must change it" test "$(jq -r .must_change_password "$T/body")" = true
check "session cookie is HttpOnly, SameSite=Strict, Path=/" \
    header_has '^Set-Cookie: pmis_session=[0-9a-f]{64}; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict$'
check "no Secure flag without TLS" not header_has 'Secure'
token=$(sed -n 's/.*pmis_session	//p' "$T/admin.jar")
check "only the session token's SHA-256 is stored" test "$(sql "SELECT COUNT(*) FROM auth_session
    WHERE token_hash = '$(printf %s "$token" | sha256sum | cut -c1-64)'")/$(sql "SELECT COUNT(*)
    FROM auth_session WHERE token_hash = '$token'")" = 1/0
expect "before changing it nothing else works" 403 \
    '{"error":{"code":"forbidden","message":"the one-time password must be changed first (POST /api/v1/auth/password)"}}' \
    GET /api/v1/customers/1000000000 -b "$T/admin.jar"
expect "password change without the CSRF header" 403 \
    '{"error":{"code":"forbidden","message":"missing or wrong X-CSRF-Token header"}}' \
    POST /api/v1/auth/password -b "$T/admin.jar" -H "$JSON" \
    -d "{\"old_password\":\"$otp\",\"new_password\":\"Zq5pLm8nRt\"}"
expect "a too short new password" 400 \
    '{"error":{"code":"invalid","message":"password is too short: at least 10 characters","field":"new_password"}}' \
    POST /api/v1/auth/password -b "$T/admin.jar" -H "$JSON" -H "X-CSRF-Token: $csrf" \
    -d "{\"old_password\":\"$otp\",\"new_password\":\"Ab1\"}"
expect "password change" 200 '{"status":"password_changed"}' \
    POST /api/v1/auth/password -b "$T/admin.jar" -H "$JSON" -H "X-CSRF-Token: $csrf" \
    -d "{\"old_password\":\"$otp\",\"new_password\":\"Zq5pLm8nRt\"}"
req GET /api/v1/customers/1000000000 -b "$T/admin.jar"
check "then the administrator works" test "$status" = 200
expect "the one-time password no longer logs in" 401 "$bad" POST /api/v1/auth/login -H "$JSON" \
    -d "{\"username\":\"admin\",\"password\":\"$otp\"}"

# --- lockout (auth.lockout_after=3) ---
for i in 1 2 3; do
    req POST /api/v1/auth/login -H "$JSON" -d '{"username":"cashier1","password":"Nope12345xx"}'
done
check "three failures in a row" test "$status" = 401
req POST /api/v1/auth/login -H "$JSON" -d '{"username":"cashier1","password":"Cq7ZtB3vNm"}'
check "lock the account even for the right password" test "$status" = 429
# the wait counts down from auth.lockout_base_s (30) since the third failure: each login hashes
# (Argon2id), so on a loaded machine a second or more may have passed
check "with the wait in the message" \
    grep -qE '^\{"error":\{"code":"rate_limited","message":"too many failed logins: try again in (2[0-9]|30) s"\}\}$' "$T/body"
check "the lockout is stored" \
    test "$(sql "SELECT failed_logins FROM app_user WHERE username = 'cashier1'")" = 3
expect_ok "an administrator clears it" user enable cashier1
login cashier1 Cq7ZtB3vNm cashier.jar
check "then the login works" test "$status" = 200

# --- scope, masking, reveal ---
login agent Xk9mPq2wLz agent.jar
agent_csrf=$csrf
check "agent logs in" test "$status" = 200
expect "own subtree: masked" 200 \
    '{"cust_no":"1000000000","name":"张三","user_type":"resident","voltage":"220V","status":"active","important":false,"address":"杭州市文三路1号","phone":"138****5678","id_type":"id_card","id_no":"110101********1233","org":"XH01","org_name":"文三供电所","opened_on":"2024-01-05","closed_on":null}' \
    GET /api/v1/customers/1000000000 -b "$T/agent.jar"
expect "another subtree answers 404" 404 \
    '{"error":{"code":"not_found","message":"unknown customer '"'"'1000000001'"'"'"}}' \
    GET /api/v1/customers/1000000001 -b "$T/agent.jar"
expect "exactly like a missing customer" 404 \
    '{"error":{"code":"not_found","message":"unknown customer '"'"'1999999999'"'"'"}}' \
    GET /api/v1/customers/1999999999 -b "$T/agent.jar"
req GET /api/v1/customers -b "$T/agent.jar"
check "a search lists only the own subtree" \
    test "$(jq -c '[.items[].cust_no]' "$T/body")" = '["1000000000"]'
expect "an org filter outside the subtree" 404 \
    '{"error":{"code":"not_found","message":"unknown org unit '"'"'NB'"'"'","field":"org"}}' \
    GET '/api/v1/customers?org=NB' -b "$T/agent.jar"
expect "accounts of another subtree's customer" 404 \
    '{"error":{"code":"not_found","message":"unknown customer '"'"'1000000001'"'"'"}}' \
    GET /api/v1/customers/1000000001/accounts -b "$T/agent.jar"
req GET /api/v1/orgs -b "$T/agent.jar"
check "orgs: the own subtree only" \
    test "$(jq -c '[.items[] | [.code, .parent, .depth]]' "$T/body")" = '[["HZ",null,0],["XH01","HZ",1]]'
req GET /api/v1/customers -b "$T/admin.jar"
check "the administrator sees every org" \
    test "$(jq -c '[.items[].cust_no]' "$T/body")" = '["1000000000","1000000001"]'

expect "a reveal needs a reason" 400 \
    '{"error":{"code":"invalid","message":"'"'"'reason'"'"' is required: why the value is needed","field":"reason"}}' \
    POST /api/v1/customers/1000000000/pii/phone -b "$T/agent.jar" -H "$JSON" \
    -H "X-CSRF-Token: $agent_csrf" -d '{}'
expect "a reveal is a write: without the CSRF token" 403 \
    '{"error":{"code":"forbidden","message":"missing or wrong X-CSRF-Token header"}}' \
    POST /api/v1/customers/1000000000/pii/phone -b "$T/agent.jar" -H "$JSON" \
    -d '{"reason":"callback"}'
expect "and no longer a GET" 405 \
    '{"error":{"code":"method_not_allowed","message":"method GET is not allowed here"}}' \
    GET '/api/v1/customers/1000000000/pii/phone?reason=callback' -b "$T/agent.jar"
expect "reveal one field" 200 '{"cust_no":"1000000000","field":"phone","value":"13812345678"}' \
    POST /api/v1/customers/1000000000/pii/phone -b "$T/agent.jar" -H "$JSON" \
    -H "X-CSRF-Token: $agent_csrf" -d '{"reason":"callback"}' -H 'X-Request-Id: reveal-1'
check "is audited with actor and request id" \
    test "$(sql "SELECT actor || '|' || entity_key || '|' || detail FROM audit_log WHERE action = 'pii.reveal' AND request_id = 'reveal-1'")" = "agent|1000000000|field=phone reason=callback"
expect "no reveal in another subtree" 404 \
    '{"error":{"code":"not_found","message":"unknown customer '"'"'1000000001'"'"'"}}' \
    POST /api/v1/customers/1000000001/pii/phone -b "$T/agent.jar" -H "$JSON" \
    -H "X-CSRF-Token: $agent_csrf" -d '{"reason":"x"}'
expect "reveal without pii:read" 403 \
    '{"error":{"code":"forbidden","message":"permission '"'"'pii:read'"'"' required"}}' \
    POST /api/v1/customers/1000000000/pii/phone -b "$T/cashier.jar" -H "$JSON" \
    -d '{"reason":"x"}' -H 'X-Request-Id: denied-1'
check "the denial is audited" \
    test "$(sql "SELECT actor || '|' || entity_key || '|' || detail FROM audit_log WHERE action = 'auth.denied' AND request_id = 'denied-1'")" = "cashier1|POST /api/v1/customers/{id}/pii/{field}|permission pii:read"
check "the denied reveal did not reveal" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'pii.reveal'")" = 1

# --- writes: CSRF, JSON, types, scope, body limit ---
digest=$(db_digest)
new='{"name":"王五","user_type":"resident","voltage":"220V","address":"杭州市某路3号","org":"XH01","phone":"13700001234","opened_on":"2024-06-01"}'
expect "create without the CSRF header" 403 \
    '{"error":{"code":"forbidden","message":"missing or wrong X-CSRF-Token header"}}' \
    POST /api/v1/customers -b "$T/agent.jar" -H "$JSON" -d "$new"
expect "create with a wrong CSRF token" 403 \
    '{"error":{"code":"forbidden","message":"missing or wrong X-CSRF-Token header"}}' \
    POST /api/v1/customers -b "$T/agent.jar" -H "$JSON" -H "X-CSRF-Token: $(printf '%064d' 1)" \
    -d "$new"
expect "malformed JSON" 400 \
    '{"error":{"code":"invalid","message":"malformed JSON at line 1 column 11: '"'"':'"'"' expected near '"'"'\"x\"'"'"'"}}' \
    POST /api/v1/customers -b "$T/agent.jar" -H "$JSON" -H "X-CSRF-Token: $agent_csrf" \
    -d '{"name" "x"}'
expect "not an object" 400 '{"error":{"code":"invalid","message":"the body must be a JSON object"}}' \
    POST /api/v1/customers -b "$T/agent.jar" -H "$JSON" -H "X-CSRF-Token: $agent_csrf" -d '[1]'
expect "a wrong type names the field" 400 \
    '{"error":{"code":"invalid","message":"field '"'"'name'"'"' must be a string","field":"name"}}' \
    POST /api/v1/customers -b "$T/agent.jar" -H "$JSON" -H "X-CSRF-Token: $agent_csrf" \
    -d '{"name":5,"user_type":"resident"}'
expect "an unknown field" 400 \
    '{"error":{"code":"invalid","message":"unknown field '"'"'nmae'"'"'","field":"body"}}' \
    POST /api/v1/customers -b "$T/agent.jar" -H "$JSON" -H "X-CSRF-Token: $agent_csrf" \
    -d '{"nmae":"x"}'
expect "a customer in another subtree cannot be created" 404 \
    '{"error":{"code":"not_found","message":"unknown org unit '"'"'NB'"'"'","field":"org"}}' \
    POST /api/v1/customers -b "$T/agent.jar" -H "$JSON" -H "X-CSRF-Token: $agent_csrf" \
    -d "$(echo "$new" | sed 's/"XH01"/"NB"/')"
expect "a cashier may not create customers" 403 \
    '{"error":{"code":"forbidden","message":"permission '"'"'customer:write'"'"' required"}}' \
    POST /api/v1/customers -b "$T/cashier.jar" -H "$JSON" -d "$new"
head -c 5000 /dev/zero | tr '\0' 'a' >"$T/big"
expect "a body over the limit" 413 \
    '{"error":{"code":"too_large","message":"request body larger than 4096 bytes (server.max_body_bytes)"}}' \
    POST /api/v1/customers -b "$T/agent.jar" -H "$JSON" -H "X-CSRF-Token: $agent_csrf" \
    --data-binary @"$T/big"
check "refused writes changed nothing but the audit of denials" \
    test "$(sql "SELECT COUNT(*) FROM customer")" = 2
req POST /api/v1/customers -b "$T/agent.jar" -H "$JSON" -H "X-CSRF-Token: $agent_csrf" \
    -H 'X-Request-Id: create-1' -d "$new"
check "create in the own subtree: 201" test "$status" = 201
check "the reply is masked" test "$(jq -r '.cust_no + " " + .phone' "$T/body")" = "1000000002 137****1234"
check "audited as the user with the request id" \
    test "$(sql "SELECT actor FROM audit_log WHERE action = 'customer.create' AND request_id = 'create-1'")" = agent

# --- injection strings and bad text ---
expect "SQL in a path parameter" 404 \
    '{"error":{"code":"not_found","message":"unknown customer '"'"''"'"' OR '"'"'1'"'"'='"'"'1'"'"'"}}' \
    GET "/api/v1/customers/'%20OR%20'1'='1" -b "$T/agent.jar"
req GET "/api/v1/customers?name=%27%3B%20DROP%20TABLE%20customer%3B%20--" -b "$T/agent.jar"
check "SQL in a search is just text" test "$status $(cat "$T/body")" = '200 {"items":[],"next":null}'
req GET "/api/v1/customers?name=%25" -b "$T/agent.jar"
check "a LIKE wildcard matches nothing" test "$status $(jq -c '.items | length' "$T/body")" = "200 0"
expect "invalid UTF-8 in a query" 400 \
    '{"error":{"code":"invalid","message":"query parameter is not valid UTF-8 text without control characters"}}' \
    GET "/api/v1/customers?name=%FF%FE" -b "$T/agent.jar"
expect "a control character in a path" 400 \
    '{"error":{"code":"invalid","message":"the path is not valid UTF-8 text"}}' \
    GET "/api/v1/customers/1%0A2" -b "$T/agent.jar"
expect "a bad limit" 400 \
    '{"error":{"code":"invalid","message":"query parameter '"'"'limit'"'"' must be an integer from 1 to 1000","field":"limit"}}' \
    GET "/api/v1/customers?limit=1;DROP" -b "$T/agent.jar"
req GET "/api/v1/customers?type=foo" -b "$T/agent.jar"
check "an unknown user type: 400 naming the query parameter type" test \
    "$status $(jq -c '[.error.field, (.error.message | startswith("invalid type '"'"'foo'"'"': must be one of"))]' "$T/body")" = '400 ["type",true]'
check "the customer table is intact" test "$(sql "SELECT COUNT(*) FROM customer")" = 3

# --- audit log for auditors ---
expect "the audit log needs audit:read" 403 \
    '{"error":{"code":"forbidden","message":"permission '"'"'audit:read'"'"' required"}}' \
    GET /api/v1/audit -b "$T/agent.jar"
login auditor1 Rw8xWq4rTp auditor.jar
req GET '/api/v1/audit?action=pii.reveal' -b "$T/auditor.jar"
check "an auditor reads it, filtered" \
    test "$(jq -c '[.items[] | [.actor, .entity_key, .request_id]]' "$T/body")" = '[["agent","1000000000","reveal-1"]]'
req GET '/api/v1/audit?limit=2' -b "$T/auditor.jar"
check "keyset paging gives the next id" test "$(jq -r '.next_before_id | type' "$T/body")" = number
expect "a bad time filter" 400 \
    '{"error":{"code":"invalid","message":"invalid timestamp '"'"'yesterday'"'"': expected YYYY-MM-DD","field":"since"}}' \
    GET '/api/v1/audit?since=yesterday' -b "$T/auditor.jar"

# --- API tokens ---
"$PMIS" token add integ --user agent --perms customer:read >"$T/token" 2>/dev/null
tok=$(cat "$T/token")
check "a token is printed once" grep -qE '^pmist_[0-9a-f]{64}$' "$T/token"
req GET /api/v1/customers/1000000000 -H "Authorization: Bearer $tok"
check "a bearer token reads" test "$status" = 200
req GET /api/v1/customers/1000000001 -H "Authorization: Bearer $tok"
check "within its owner's subtree" test "$status" = 404
expect "but only with the permissions it was given" 403 \
    '{"error":{"code":"forbidden","message":"permission '"'"'pii:read'"'"' required"}}' \
    POST /api/v1/customers/1000000000/pii/phone -H "Authorization: Bearer $tok" -H "$JSON" \
    -d '{"reason":"x"}'
expect_fail "a token cannot exceed its owner" 65 "user 'agent' does not hold permission 'audit:read'" \
    token add wide --user agent --perms audit:read
expect_ok "revoke it" token revoke integ
expect "a revoked token" 401 \
    '{"error":{"code":"unauthenticated","message":"API token '"'"'integ'"'"' is revoked"}}' \
    GET /api/v1/customers/1000000000 -H "Authorization: Bearer $tok"

# --- expiry and logout ---
sql "UPDATE auth_session SET last_seen_at = 0 WHERE user_id = (SELECT id FROM app_user WHERE username = 'cashier1')"
expect "an idle session expires" 401 \
    '{"error":{"code":"unauthenticated","message":"session expired: log in again"}}' \
    GET /api/v1/auth/me -b "$T/cashier.jar"
check "and is deleted" \
    test "$(sql "SELECT COUNT(*) FROM auth_session WHERE user_id = (SELECT id FROM app_user WHERE username = 'cashier1')")" = 0
expect "logout" 200 '{"status":"logged_out"}' POST /api/v1/auth/logout -b "$T/agent.jar" \
    -H "X-CSRF-Token: $agent_csrf"
check "clears the cookie" header_has '^Set-Cookie: pmis_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict$'
req GET /api/v1/auth/me -b "$T/agent.jar"
check "the session is gone" test "$status" = 401
expect_ok "disable a user" user disable auditor1
req GET /api/v1/auth/me -b "$T/auditor.jar"
check "ends their sessions" test "$status" = 401

# --- logs and metrics ---
req GET /metrics
check "metrics count requests by route and status" \
    grep -q '^pmis_http_requests_total{method="GET",route="/api/v1/customers/{id}",status="404"} [0-9]' "$T/body"
check "and have a latency histogram" \
    grep -qE '^pmis_http_request_duration_seconds_bucket\{le="\+Inf"\} [0-9]+$' "$T/body"
check "the access log is one JSON line per request" \
    grep -q '^{"ts":"[^"]*","level":"info","msg":"access","request_id":"reveal-1","method":"POST","path":"/api/v1/customers/1000000000/pii/phone","route":"/api/v1/customers/{id}/pii/{field}","status":200,"ms":[0-9.]*,"user":"agent"}$' "$T/serve.log"
check "every access line parses as JSON" \
    sh -c "grep '\"msg\":\"access\"' '$T/serve.log' | jq -e . >/dev/null"
check "no personal data in the log" not grep -q 13812345678 "$T/serve.log"

# --- SIGTERM lets an in-flight request finish ---
pw=$(head -c 1800 /dev/zero | tr '\0' 'x')
printf '{"username":"nobody","password":"%s"}' "$pw" >"$T/slow"
curl -s -o "$T/slow.body" -w '%{http_code}' --limit-rate 1000 -H "$JSON" \
    --data-binary @"$T/slow" "$B/api/v1/auth/login" >"$T/slow.status" &
curl_pid=$!
sleep 0.5
serve_stop
wait "$curl_pid"
check "the request in flight at SIGTERM is answered" test "$(cat "$T/slow.status")" = 401
check "in full" test "$(cat "$T/slow.body")" = "$bad"
check "then the server exits 0" test "$srv_rc" = 0
check "and says so" grep -q 'pmis serve: stopped' "$T/serve.log"
srv_pid=""

done_testing
