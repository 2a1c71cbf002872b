#!/bin/sh
# The archive's CSV files over HTTP (POST /api/v1/import/{table}, GET /api/v1/export/{table}):
# a CLI export of another database imported through the API re-exports byte for byte; a file
# with a bad line (an org, customer or account of another subtree reads as unknown, a tariff not
# loaded) is 400 naming the line and stores nothing; dry_run stores nothing; an import is
# audited with its counts. Exports keep to the caller's subtree (org= of another is 404), mask
# personal data unless the caller holds pii:read and asks with_pii=true (audited; without
# pii:read it is 403). check=true runs an export's checks alone: the JSON naming the file, no
# row read, no audit row; every refusal the same as the export's, in either language. A CSV import over server.max_body_bytes is taken (up to
# server.max_import_bytes, spooled to a file), one over that is 413 naming the key.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

pw=Rn5tWq8xKd
orgs() { # [--db URL]: the org tree and the one tariff the accounts name
    "$PMIS" "$@" org add ZJ --name 浙江 --level province >/dev/null &&
        "$PMIS" "$@" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
        "$PMIS" "$@" org add NB --name 宁波 --level city --parent ZJ >/dev/null &&
        "$PMIS" "$@" tariff load "$PMIS_TOP/data/tariffs/beijing-resident.json" >/dev/null
}
# the source: another database with customers of both cities, exported by the CLI in full
src=$(new_db source)
"$PMIS" --db "$src" init --no-admin >/dev/null 2>&1 && orgs --db "$src" &&
    "$PMIS" --db "$src" customer add --name 张三 --type resident --voltage 220V --address 杭州1号 \
        --org HZ --phone 13812345678 --id-no 110101199003071233 --opened 2024-01-05 >/dev/null &&
    "$PMIS" --db "$src" customer add --name 李四 --type resident --voltage 220V --address 宁波1号 \
        --org NB --phone 13900001111 --opened 2024-01-05 >/dev/null &&
    "$PMIS" --db "$src" account add 1000000000 --tariff BJ-RES --cycle-day 15 --opened 2024-01-05 \
        --contact-phone 13700001234 >/dev/null &&
    "$PMIS" --db "$src" account add 1000000001 --tariff BJ-RES --cycle-day 15 --opened 2024-01-05 >/dev/null &&
    "$PMIS" --db "$src" meter add M-1 --model DDZY71 --phases 1 >/dev/null &&
    "$PMIS" --db "$src" meter add M-2 --model DDZY71 --phases 1 >/dev/null &&
    "$PMIS" --db "$src" meter install M-1 --account 100000000001 --date 2024-01-05 >/dev/null &&
    "$PMIS" --db "$src" meter install M-2 --account 100000000101 --date 2024-01-05 >/dev/null &&
    for k in customers accounts meters; do
        "$PMIS" --db "$src" export $k "$T/$k.csv" --with-pii 2>/dev/null || exit 1
    done &&
    "$PMIS" init --no-admin >/dev/null 2>&1 && orgs &&
    echo $pw | "$PMIS" user add root --all-orgs --roles administrator --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add agent --org HZ --roles service_agent --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add boss --org HZ --roles manager --password-stdin >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }

serve_start
login_users $pw root agent boss
csv() { # USER PATH FILE: POST a CSV file
    eval "tok=\$csrf_$1"
    req POST "$2" -b "$T/$1.jar" -H "X-CSRF-Token: $tok" -H "Content-Type: text/csv" \
        --data-binary @"$3"
}
counts() { sql "SELECT (SELECT COUNT(*) FROM customer) || ' ' || (SELECT COUNT(*) FROM account) || ' ' || (SELECT COUNT(*) FROM meter)"; }
audits() { sql "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'import.%'"; }

# ---- refused files change nothing ----
digest=$(db_digest)
csv agent /api/v1/import/customers "$T/customers.csv"
check "a customer of another subtree: 400 naming its line and column, reason in Chinese with reason_en" \
    test "$status $(jq -c '[.error.bad_count, (.error.bad[] | [.line, .column, .value])]' "$T/body")" = \
    '400 [1,[3,"org","NB"]]'
check "and the reason says unknown, as for a missing unit" \
    test "$(jq -r '.error.bad[0].reason' "$T/body")" = "unknown org unit 'NB'"
csv root /api/v1/import/teams "$T/customers.csv"
check "an unknown table: 404" test "$status" = 404
check "nothing stored, nothing audited" test "$(db_digest)" = "$digest"

# ---- dry run, then the import ----
csv root "/api/v1/import/customers?dry_run=true" "$T/customers.csv"
check "dry_run: 200, counted, not committed" \
    test "$status $(jq -c '[.rows, .created, .committed, .dry_run]' "$T/body")" = '200 [2,2,false,true]'
check "and nothing stored" test "$(db_digest)" = "$digest"
{ head -n 1 "$T/accounts.csv"; sed 's/,BJ-RES,/,NO-SUCH,/' "$T/accounts.csv" | sed -n 3p; } >"$T/bad-acct.csv"
for k in customers accounts meters; do
    if [ $k = accounts ]; then
        csv root /api/v1/import/accounts "$T/bad-acct.csv"
        check "an account of a tariff not loaded: 400 naming line 2, tariff_code; none stored" \
            test "$status $(jq -c '[.error.bad[] | [.line, .column]]' "$T/body") $(sql "SELECT COUNT(*) FROM account")" = '400 [[2,"tariff_code"]] 0'
    fi
    csv root /api/v1/import/$k "$T/$k.csv"
    check "import $k: 200, 2 new" test "$status $(jq -c '[.table, .rows, .created, .committed]' "$T/body")" = \
        "200 [\"$k\",2,2,true]"
done
check "three audit rows with the counts, by the caller" \
    test "$(sql "SELECT actor || ' ' || action || ' ' || detail FROM audit_log WHERE action LIKE 'import.%' ORDER BY id" | tr '\n' ';')" = \
    "root import.customers rows=2 created=2 unchanged=0;root import.accounts rows=2 created=2 unchanged=0;root import.meters rows=2 created=2 unchanged=0;"
csv agent /api/v1/import/customers "$T/customers.csv"
check "the whole tree's file again by a user of HZ: NB's line refused" \
    test "$status $(jq -c '[.error.bad[] | .line]' "$T/body")" = '400 [3]'
for k in accounts meters; do
    csv agent /api/v1/import/$k "$T/$k.csv"
    check "$k of NB read as unknown to a user of HZ: line 3 refused" \
        test "$status $(jq -c '[.error.bad[] | .line]' "$T/body")" = '400 [3]'
done
c0=$(counts) a0=$(audits)
check "refused, nothing stored" test "$c0 $a0" = "2 2 2 3"

# ---- exports ----
for k in customers accounts meters; do
    req GET "/api/v1/export/$k?with_pii=true" -b "$T/root.jar"
    check "export $k with_pii: the CLI's file of the source, byte for byte" cmp -s "$T/body" "$T/$k.csv"
done
check "a CSV download" header_has '^Content-Type: text/csv; charset=utf-8$'
check "named" header_has '^Content-Disposition: attachment; filename="meters.csv"$'
check "each with_pii export audited with its rows" \
    test "$(sql "SELECT actor || ' ' || action || ' ' || detail FROM audit_log WHERE action LIKE 'export.%' ORDER BY id" | tr '\n' ';')" = \
    "root export.customers rows=2 with personal data;root export.accounts rows=2 with personal data;root export.meters rows=2 with personal data;"
req GET /api/v1/export/customers -b "$T/agent.jar"
check "a user of HZ: HZ's customer only, masked" \
    test "$status $(tail -n +2 "$T/body" | tr -d '\r')" = \
    "200 1000000000,张三,resident,220V,active,0,杭州1号,138****5678,id_card,110101********1233,HZ,2024-01-05,"
req GET "/api/v1/export/accounts?with_pii=true&org=HZ" -b "$T/agent.jar"
check "with pii:read and with_pii=true: in full" \
    test "$status $(grep -c 13700001234 "$T/body") $(header_has 'filename="accounts-HZ.csv"' && echo named)" = "200 1 named"
req GET "/api/v1/export/customers?org=NB" -b "$T/agent.jar"
check "org= of another subtree: 404 as a missing one" \
    test "$status $(jq -r .error.message "$T/body")" = "404 unknown org unit 'NB'"
n=$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.denied'")
req GET "/api/v1/export/customers?with_pii=true" -b "$T/boss.jar"
check "with_pii=true without pii:read: 403 naming it" \
    test "$status $(jq -r .error.field "$T/body")" = "403 with_pii"
check "and the refusal audited" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.denied'")" = $((n + 1))
req GET "/api/v1/export/customers?encoding=gbk&bom=true" -b "$T/boss.jar"
check "masked for a manager; GBK when asked" \
    test "$status $(iconv -f gbk -t utf-8 "$T/body" | grep -c '^1000000000,张三,.*138\*\*\*\*5678')" = "200 1"
req GET "/api/v1/export/customers?bom=yes" -b "$T/boss.jar"
check "a bad flag: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 bom"
check "exports stored nothing" test "$(counts) $(audits)" = "$c0 $a0"

# ---- check=true: the export's checks alone (the web UI asks before the browser downloads) ----
exports() { sql "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'export.%'"; }
denials() { sql "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.denied'"; }
e0=$(exports) digest=$(db_digest)
req GET "/api/v1/export/accounts?with_pii=true&org=HZ&encoding=gb2312&check=true" -b "$T/agent.jar"
check "check=true: 200, JSON naming the file the download gets" \
    test "$status $(jq -c . "$T/body")" = \
    '200 {"ok":true,"table":"accounts","filename":"accounts-HZ.csv","encoding":"gbk","bom":false,"with_pii":true}'
check "as JSON, no download" test "$(header_has '^Content-Type: application/json' && echo json)$(
    header_has '^Content-Disposition' && echo ' named')" = json
req GET "/api/v1/export/customers?bom=true&check=true" -b "$T/boss.jar"
check "the whole subtree, a BOM: named without an org" \
    test "$status $(jq -c '[.filename, .encoding, .bom, .with_pii]' "$T/body")" = \
    '200 ["customers.csv","utf-8",true,false]'
check "a check with personal data writes no audit row, reads no row, changes nothing" \
    test "$(exports) $(db_digest)" = "$e0 $digest"
req GET "/api/v1/export/accounts?with_pii=true&org=HZ&encoding=gb2312" -b "$T/agent.jar"
check "the same URL without check: the file under that name, audited" \
    test "$status $(header_has 'filename="accounts-HZ.csv"' && echo named) $(grep -c 13700001234 "$T/body") $(exports)" = \
    "200 named 1 $((e0 + 1))"
# every refusal of the export, asked with and without check=true: the same status and body (in
# either language), nothing written but the refusal's own auth.denied row, one each
for c in "agent customers?org=NB" "agent customers?org=NO-SUCH" "agent customers?org=" \
    "agent teams" "agent customers?encoding=latin1" "agent customers?bom=yes" \
    "boss customers?with_pii=true" "boss accounts?with_pii=true&org=NB"; do
    u=${c%% *} q=${c#* }
    case "$q" in *'?'*) sep='&' ;; *) sep='?' ;; esac
    for lang in zh-CN en; do
        d0=$(denials)
        req GET "/api/v1/export/$q" -b "$T/$u.jar" -H "Accept-Language: $lang"
        real="$status $(jq -c .error "$T/body")"
        d1=$(denials) digest=$(db_digest_refusals)
        req GET "/api/v1/export/$q${sep}check=true" -b "$T/$u.jar" -H "Accept-Language: $lang"
        checked="$status $(jq -c .error "$T/body")"
        d2=$(denials)
        case "$real" in 200*) real="200, expected a refusal" ;; esac
        check "$u $q, $lang: check=true refused as the export is (${real%% *})" test "$checked" = "$real"
        check "  and changes nothing but the same audit of a refusal ($((d1 - d0)) and $((d2 - d1)))" \
            test "$(db_digest_refusals) $((d2 - d1))" = "$digest $((d1 - d0))"
    done
done
req GET "/api/v1/export/customers?with_pii=true&check=true" -b "$T/boss.jar" -H "Accept-Language: en"
check "the refusal of personal data names with_pii, in English" \
    test "$status $(jq -r '.error.field + " " + .error.message' "$T/body")" = \
    "403 with_pii with_pii=true needs permission 'pii:read': without it the export is masked"
req GET "/api/v1/export/customers?check=maybe" -b "$T/boss.jar"
check "a bad check flag: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 check"
check "checks stored nothing, audited no export" test "$(counts) $(audits) $(exports)" = "$c0 $a0 $((e0 + 1))"
serve_stop
check "the server stops cleanly" test "$srv_rc" = 0

# ---- body limits: CSV imports have their own (server.max_import_bytes), spooled to a file ----
serve_start PMIS_SERVER_MAX_BODY_BYTES=2048 PMIS_SERVER_MAX_IMPORT_BYTES=200000
login_users $pw root
awk 'BEGIN { print "cust_no,name,user_type,voltage,status,important,address,phone,id_type,id_no,org,opened_on,closed_on"
    for (i = 0; i < 1000; i++) printf "3%09d,客户%d,resident,220V,active,0,杭州文三路%d号,,,,HZ,2024-01-05,\n", i, i, i }' >"$T/k1.csv"
{ cat "$T/k1.csv"; tail -n +2 "$T/k1.csv" | sed 's/^3/4/'; tail -n +2 "$T/k1.csv" | sed 's/^3/5/'; } >"$T/k3.csv"
c0=$(counts)
head -c 3000 /dev/zero | tr '\0' 'a' >"$T/big"
as root POST /api/v1/customers "$(cat "$T/big")"
check "a JSON body over server.max_body_bytes: 413 naming the key and the limit" \
    test "$status $(jq -r .error.message "$T/body")" = \
    "413 request body larger than 2048 bytes (server.max_body_bytes)"
check "the import file is over that limit and under the import one" \
    test "$(wc -c <"$T/k1.csv")" -gt 2048 -a "$(wc -c <"$T/k1.csv")" -lt 200000 -a "$(wc -c <"$T/k3.csv")" -gt 200000
csv root "/api/v1/import/customers?dry_run=true" "$T/k1.csv"
check "a CSV import over server.max_body_bytes: taken whole (1,000 rows checked)" \
    test "$status $(jq -c '[.rows, .created, .committed]' "$T/body")" = '200 [1000,1000,false]'
csv root "/api/v1/import/customers?dry_run=true" "$T/k1.csv" -H "Transfer-Encoding: chunked"
check "and sent in chunks (no Content-Length): the same" \
    test "$status $(jq -c '[.rows, .created, .committed]' "$T/body")" = '200 [1000,1000,false]'
csv root /api/v1/import/customers "$T/k3.csv"
check "a CSV import over server.max_import_bytes: 413 naming the key and the limit" \
    test "$status $(jq -r .error.message "$T/body")" = \
    "413 request body larger than 200000 bytes (server.max_import_bytes)"
csv root /api/v1/import/customers "$T/k3.csv" -H "Transfer-Encoding: chunked"
check "and sent in chunks: 413 once it grows past the limit" test "$status" = 413
csv root /api/v1/import/customers "$T/k1.csv"
check "the server goes on serving: an import under the limit stored" \
    test "$status $(jq -c '[.rows, .created, .committed]' "$T/body")" = '200 [1000,1000,true]'
check "refused bodies stored nothing" \
    test "$(sql "SELECT COUNT(*) FROM customer WHERE cust_no LIKE '4%' OR cust_no LIKE '5%'") $(sql "SELECT COUNT(*) FROM customer")" = \
    "0 $(($(echo "$c0" | cut -d' ' -f1) + 1000))"
serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
srv_pid=""

done_testing
