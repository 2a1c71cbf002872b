#!/bin/sh
# pmis serve and the web UI's files (src/api/web.c), on a small directory made here (the real
# UI is tested in tests/web): content types, caching (a year for /assets/, no-cache for
# index.html), index.html for the UI's own routes, 404 for missing files, precompressed .gz,
# security headers, the API untouched, nothing outside the directory (.., %2e%2e, hidden
# names, symbolic links), server.web_dir checked at start-up, and the API alone without it.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"
json_has() { jq -e "$1" "$T/body" >/dev/null; }

w="$T/site"
mkdir -p "$w/assets" "$T/outside"
printf '<!doctype html><title>pmis</title><div id="app"></div>\n' >"$w/index.html"
printf 'console.log("app")\n' >"$w/assets/index-abc123.js"
printf 'body{margin:0}\n' >"$w/assets/index-abc123.css"
printf '<svg xmlns="http://www.w3.org/2000/svg"/>\n' >"$w/favicon.svg"
printf 'secret\n' >"$T/outside/secret.txt"
printf 'hidden\n' >"$w/.env"
ln -s "$T/outside/secret.txt" "$w/link.txt"
ln -s "$T/outside" "$w/assets/out"
printf 'export const big = "%s"\n' "$(head -c 3000 /dev/zero | tr '\0' x)" >"$w/assets/big-1.js"
gzip -9 -n -k "$w/assets/big-1.js"

"$PMIS" init >/dev/null 2>&1 || { not_ok "set up"; done_testing; exit 1; }

SERVE_ARGS="" serve_start PMIS_SERVER_WEB_DIR="$w"
check "the log names the web directory" grep -q "web UI from $w" "$T/serve.log"

# statuses, types and caching
get() { req GET "$@"; }
get /
check "/ is index.html" test "$status" = 200 -a "$(cat "$T/body")" = "$(cat "$w/index.html")"
check "index.html is text/html" header_has '^Content-Type: text/html; charset=utf-8$'
check "index.html is revalidated" header_has '^Cache-Control: no-cache$'
check "index.html has a content security policy" \
    header_has "^Content-Security-Policy: default-src 'self'; script-src 'self';"
check "index.html may not be framed" header_has '^X-Frame-Options: DENY$'
check "a static reply carries the request id" header_has '^X-Request-Id: [0-9a-f]{16}$'
get /assets/index-abc123.js
check "a hashed script" test "$status" = 200 -a "$(cat "$T/body")" = 'console.log("app")'
check "scripts are text/javascript" header_has '^Content-Type: text/javascript; charset=utf-8$'
check "hashed assets are cached for a year" \
    header_has '^Cache-Control: public, max-age=31536000, immutable$'
check "nosniff on static files" header_has '^X-Content-Type-Options: nosniff$'
get /assets/index-abc123.css
check "stylesheets are text/css" header_has '^Content-Type: text/css; charset=utf-8$'
get /favicon.svg
check "svg" header_has '^Content-Type: image/svg\+xml$'
check "files outside /assets/ are revalidated" header_has '^Cache-Control: no-cache$'
status=$(curl -s -I -o "$T/body" -w '%{http_code}' "$B/assets/index-abc123.js")
check "HEAD answers without a body" test "$status" = 200 && check "(headers only)" \
    not grep -q console "$T/body"

# the UI's own routes get the page; missing files do not
for p in /customers /customers/3301000001 /bills/42/explain /login/; do
    get "$p"
    if [ "$status" = 200 ] && [ "$(cat "$T/body")" = "$(cat "$w/index.html")" ] &&
        header_has '^Cache-Control: no-cache$'; then
        ok "SPA route $p answers index.html"
    else
        not_ok "SPA route $p answers index.html (status $status)"
    fi
done
get /assets/missing-123.js
check "a missing asset is 404, not the page" test "$status" = 404 -a "$(cat "$T/body")" = "not found"
get /robots.txt
check "a missing file with an extension is 404" test "$status" = 404

# precompressed files
get /assets/big-1.js -H 'Accept-Encoding: gzip, deflate'
check "gzip variant sent to a client that accepts it" header_has '^Content-Encoding: gzip$'
check "its body is the .gz file" cmp -s "$T/body" "$w/assets/big-1.js.gz"
check "Vary: Accept-Encoding" header_has '^Vary: Accept-Encoding$'
get /assets/big-1.js
check "identity to a client that does not" test "$status" = 200 && check "(no Content-Encoding)" not header_has '^Content-Encoding'
check "identity body" cmp -s "$T/body" "$w/assets/big-1.js"

# never outside the directory
for p in '/../outside/secret.txt' '/%2e%2e/outside/secret.txt' '/assets/../../outside/secret.txt' \
    '/assets/%2E%2E/%2E%2E/outside/secret.txt' '/.env' '/assets/./index-abc123.js' \
    '/link.txt' '/assets/out/secret.txt' '//etc/passwd' '/assets\..\..\outside\secret.txt' \
    '/%2Fetc%2Fpasswd'; do
    status=$(curl -s --path-as-is -o "$T/body" -w '%{http_code}' "$B$p")
    if grep -q secret "$T/body" || grep -q hidden "$T/body" || grep -q 'root:' "$T/body"; then
        not_ok "$p stays inside the web directory (status $status, leaked)"
    elif [ "$status" = 404 ] || { [ "$status" = 200 ] && cmp -s "$T/body" "$w/index.html"; }; then
        ok "$p stays inside the web directory ($status)"
    else
        not_ok "$p stays inside the web directory (status $status)"
    fi
done

# the API is not affected
expect "healthz still JSON" 200 '{"status":"ok"}' GET /healthz
req GET /api/v1/no-such-thing
check "unknown API paths stay JSON 404s" test "$status" = 404 && check "(JSON error)" \
    json_has '.error.code == "not_found"'
req GET /api
check "/api itself is not the page" test "$status" = 404
req POST /customers -d x
check "a POST to a UI path is not served a file" test "$status" = 404 -o "$status" = 405
# files are logged and counted as the route "static", not as unmatched requests
check "the access log names static files' route" \
    grep -q '"path":"/assets/index-abc123.js","route":"static","status":200' "$T/serve.log"
req GET /metrics
check "metrics count static files under their own route" \
    grep -qE '^pmis_http_requests_total\{method="",route="static",status="200"\} [1-9]' "$T/body"
check "(and a missing file as static 404)" \
    grep -qE '^pmis_http_requests_total\{method="",route="static",status="404"\} [1-9]' "$T/body"
serve_stop

# server.web_dir must hold index.html
run --set server.web_dir="$T/outside" serve --listen 127.0.0.1:0
check "a web_dir without index.html is refused at start-up" test "$rc" = 78
check "(naming it)" grep -q "server.web_dir '$T/outside'" "$T/err"

# without a web directory (none beside this binary in the test tree either): the API only
if [ -f "$(dirname "$PMIS")/web/index.html" ] || [ -f "$(dirname "$PMIS")/../web/index.html" ]; then
    d=$(mktemp -d "$T/bin.XXXX")
    cp "$PMIS" "$d/pmis"
    bin="$d/pmis"
else
    bin="$PMIS"
fi
PMIS="$bin" serve_start
check "the log says there is no web UI" grep -q "no web UI found" "$T/serve.log"
req GET /
check "without a web UI / is a JSON 404" test "$status" = 404 && check "(JSON)" \
    json_has '.error.code == "not_found"'
serve_stop

done_testing
