#!/bin/sh
# The dashboard's figures over HTTP (report:read), each checked against the CLI's: sales kWh and
# revenue by month and user type (GET /api/v1/reports/sales, summed from `pmis bill list`),
# the collection rate and arrears aging (GET /api/v1/arrears/rate and /aging, as `pmis arrears
# rate|aging --json` print them). Scoped in SQL to the caller's subtree: a city user sees only
# its own figures and gets 404 for another org. Also the 360° view's reads: a customer's
# history and a meter's readings (customer:read), 404 in another subtree. Bad input is 400
# naming the parameter.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

cat >"$T/c.csv" <<'END'
cust_no,name,user_type,voltage,address,org,opened_on
3300000001,张一,resident,220V,杭州市1号,HZ,2020-01-01
3300000002,杭州一厂,general_ci,10kV,杭州市2号,HZ,2020-01-01
3300000003,李三,resident,220V,宁波市3号,NB,2020-01-01
END
flat_fixture 330000000 "postpaid postpaid postpaid" 3
cat >"$T/r.csv" <<'END'
meter,read_on,source,total
M1,2024-10-15,remote,0
M1,2024-11-15,remote,100.5
M1,2024-12-15,remote,250
M2,2024-10-15,remote,0
M2,2024-11-15,remote,200
M2,2024-12-15,remote,420
M3,2024-10-15,remote,0
M3,2024-11-15,remote,300
M3,2024-12-15,remote,330
END
pw=Kc4rVt8wQm
export PMIS_NOW=2024-12-01T02:00:00Z
"$PMIS" init --no-admin >/dev/null 2>&1 &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    "$PMIS" org add NB --name 宁波 --level city --parent ZJ >/dev/null &&
    flat_import &&
    "$PMIS" bill run --period 2024-11 >/dev/null &&
    "$PMIS" bill issue "$(sql "SELECT id FROM bill_run WHERE period = '2024-11'")" \
        --due-date 2024-12-10 >/dev/null &&
    PMIS_NOW=2025-01-01T02:00:00Z "$PMIS" bill run --period 2024-12 >/dev/null &&
    for b in $(sql "SELECT id FROM bill WHERE status = 'review'"); do
        PMIS_NOW=2025-01-01T02:00:00Z "$PMIS" bill review approve "#$b" >/dev/null || exit 1
    done &&
    PMIS_NOW=2025-01-01T02:00:00Z "$PMIS" bill issue "$(sql "SELECT id FROM bill_run WHERE period = '2024-12'")" \
        --due-date 2025-01-10 >/dev/null &&
    PMIS_NOW=2024-12-20T02:00:00Z "$PMIS" pay 330000000101 100.50 --date 2024-12-20 --principal-first >/dev/null &&
    PMIS_NOW=2024-12-20T02:00:00Z "$PMIS" pay 330000000201 50.00 --date 2024-12-20 >/dev/null &&
    echo "$pw" | "$PMIS" user add boss --all-orgs --roles manager --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add hz --org HZ --roles analyst --password-stdin >/dev/null &&
    echo "$pw" | "$PMIS" user add cashier --org HZ --roles cashier --password-stdin >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }
check "both months issued" \
    test "$(sql "SELECT COUNT(*) FROM bill WHERE status = 'issued'")" = 6

export PMIS_NOW=2025-02-01T02:00:00Z
serve_start
login boss "$pw" boss.jar
login hz "$pw" hz.jar
login cashier "$pw" cashier.jar

# --- sales against `pmis bill list` ---
"$PMIS" --json bill list --status issued >"$T/bills.json"
# cli_sales PERIOD ACCOUNTS...: "energy revenue" summed over the CLI's bills
cli_sales() {
    p=$1
    shift
    jq -r --arg p "$p" --argjson a "$(printf '%s\n' "$@" | jq -R . | jq -s .)" \
        '[.[] | select(.period == $p and (.account_no as $x | $a | index($x)))] |
         "\(map(.energy_kwh | tonumber) | add) \(map(.total | tonumber) | add)"' "$T/bills.json"
}
api_sales() { # api_sales JQ-SELECT: "energy revenue" of the matching row
    jq -r "[$1] | if length == 1 then .[0] | \"\(.energy_kwh | tonumber) \(.revenue | tonumber)\" else \"rows: \(length)\" end" "$T/body"
}
req GET '/api/v1/reports/sales?from=2024-11&to=2024-12' -b "$T/boss.jar"
check "sales: 200 for the whole tree" test "$status" = 200
check "with from and to echoed" test "$(jq -c '[.from, .to]' "$T/body")" = '["2024-11","2024-12"]'
check "rows by period and user type" \
    test "$(jq -c '[.items[] | [.period, .user_type, .name, .bills, .accounts]]' "$T/body")" = \
    '[["2024-11","general_ci","一般工商业",1,1],["2024-11","resident","居民",2,2],["2024-12","general_ci","一般工商业",1,1],["2024-12","resident","居民",2,2]]'
check "money and energy as decimal strings" \
    test "$(jq -r '[.items[] | .energy_kwh, .revenue | type] | unique | join(",")' "$T/body")" = string
check "2024-11 residents as the CLI's bills" test "$(api_sales '.items[] | select(.period == "2024-11" and .user_type == "resident")')" = \
    "$(cli_sales 2024-11 330000000101 330000000301)"
check "2024-11 general C&I as the CLI's bills" test "$(api_sales '.items[] | select(.period == "2024-11" and .user_type == "general_ci")')" = \
    "$(cli_sales 2024-11 330000000201)"
check "2024-12 residents as the CLI's bills" test "$(api_sales '.items[] | select(.period == "2024-12" and .user_type == "resident")')" = \
    "$(cli_sales 2024-12 330000000101 330000000301)"
check "the period totals as the CLI's bills" test "$(api_sales '.totals[] | select(.period == "2024-12")')" = \
    "$(cli_sales 2024-12 330000000101 330000000201 330000000301)"
check "exact figures: 2024-11 total 600.50 kWh" \
    test "$(jq -c '[.totals[] | [.period, .bills, .accounts, .energy_kwh]]' "$T/body")" = \
    '[["2024-11",3,3,"600.50"],["2024-12",3,3,"399.50"]]'
req GET '/api/v1/reports/sales?from=2024-11&to=2024-12' -b "$T/hz.jar"
check "a city user: only its own subtree, in SQL" \
    test "$(jq -c '[.totals[] | [.period, .bills, .energy_kwh]]' "$T/body")" = '[["2024-11",2,"300.50"],["2024-12",2,"369.50"]]'
check "HZ 2024-12 as the CLI's bills of HZ" test "$(api_sales '.totals[] | select(.period == "2024-12")')" = \
    "$(cli_sales 2024-12 330000000101 330000000201)"
expect "another org's sales" 404 \
    '{"error":{"code":"not_found","message":"unknown org unit '"'"'NB'"'"'","field":"org"}}' \
    GET '/api/v1/reports/sales?org=NB&from=2024-11&to=2024-12' -b "$T/hz.jar"
req GET '/api/v1/reports/sales?org=NB&from=2024-11&to=2024-11' -b "$T/boss.jar"
check "an org filter from the top" test "$(jq -c '[.totals[] | .energy_kwh]' "$T/body")" = '["300.00"]'
req GET '/api/v1/reports/sales' -b "$T/boss.jar"
check "default: the twelve months up to this one" test "$(jq -c '[.from, .to, (.totals | length)]' "$T/body")" = '["2024-03","2025-02",2]'
expect "a bad period" 400 \
    '{"error":{"code":"invalid","message":"query parameter '"'"'from'"'"': invalid period '"'"'2024-13'"'"': month 13 out of range","field":"from"}}' \
    GET '/api/v1/reports/sales?from=2024-13' -b "$T/boss.jar"
expect "from after to" 400 \
    '{"error":{"code":"invalid","message":"period 2024-12 is after 2024-11","field":"from"}}' \
    GET '/api/v1/reports/sales?from=2024-12&to=2024-11' -b "$T/boss.jar"
expect "a cashier has no report:read" 403 \
    '{"error":{"code":"forbidden","message":"permission '"'"'report:read'"'"' required"}}' \
    GET '/api/v1/reports/sales' -b "$T/cashier.jar"

# --- collection rate and aging against the CLI ---
req GET '/api/v1/arrears/rate?from=2024-11&to=2024-12&by=type' -b "$T/hz.jar"
"$PMIS" --json arrears rate --from 2024-11 --to 2024-12 --by type --org HZ >"$T/rate.json"
check "collection rate as \`pmis arrears rate\`" \
    test "$(jq -c '[.items[] | [.period, .user_type, .billed, .paid, .rate_pct]]' "$T/body")" = \
    "$(jq -c '[.[] | [.period, .user_type, .billed, .paid, .rate_pct]]' "$T/rate.json")"
check "with figures: HZ 2024-11 paid in full by the resident" \
    test "$(jq -c '[.items[] | select(.period == "2024-11" and .user_type == "resident") | .rate_pct]' "$T/body")" = '["100.00"]'
req GET '/api/v1/arrears/aging?by=type' -b "$T/hz.jar"
"$PMIS" --json arrears aging --by type --org HZ >"$T/aging.json"
check "aging as \`pmis arrears aging\`" \
    test "$(jq -c '.total.buckets' "$T/body")" = "$(jq -c '.total.buckets' "$T/aging.json")"
check "aging has arrears" test "$(jq -r '.total.owed' "$T/body")" != "0.00"

# --- 360° reads ---
req GET /api/v1/customers/3300000001/accounts -b "$T/hz.jar"
check "accounts name the meter installed now" \
    test "$(jq -c '[.items[] | [.account_no, .service_point != null, .meter]]' "$T/body")" = '[["330000000101",true,"M1"]]'
req GET /api/v1/customers/3300000001/history -b "$T/boss.jar"
check "history: 200 with items" test "$status $(jq -r '.items | type' "$T/body")" = "200 array"
check "as \`pmis customer history\`" \
    test "$(jq -c '[.items[] | [.field, .new]]' "$T/body")" = \
    "$("$PMIS" --json customer history 3300000001 | jq -c '[.[] | [.field, .new]]')"
expect "history of another subtree" 404 \
    '{"error":{"code":"not_found","message":"unknown customer '"'"'3300000003'"'"'"}}' \
    GET /api/v1/customers/3300000003/history -b "$T/hz.jar"
req GET /api/v1/meters/M1/readings -b "$T/hz.jar"
check "readings, oldest first, in kWh" \
    test "$(jq -c '[.meter, [.items[] | [.read_on, .total, .source]]]' "$T/body")" = \
    '["M1",[["2024-10-15","0.000","remote"],["2024-11-15","100.500","remote"],["2024-12-15","250.000","remote"]]]'
req GET '/api/v1/meters/M1/readings?from=2024-11-01&to=2024-11-30' -b "$T/hz.jar"
check "a date range" test "$(jq -c '[.items[].read_on]' "$T/body")" = '["2024-11-15"]'
expect "readings of another subtree's meter" 404 \
    '{"error":{"code":"not_found","message":"unknown meter '"'"'M3'"'"'"}}' \
    GET /api/v1/meters/M3/readings -b "$T/hz.jar"
req GET '/api/v1/meters/M1/readings?from=2024-02-30' -b "$T/hz.jar"
check "a bad date is 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 from"
serve_stop
check "the server stops cleanly" test "$srv_rc" = 0
done_testing
