#!/bin/sh
# Tariffs and bills over HTTP: the tariff list and document, bills filtered to the caller's
# subtree in SQL, one bill with its lines and arithmetic (cn-tariff-rules.md R1: 300 kWh at
# 0.4883 = 146.49, money and energy as decimal strings), and another subtree's bill answering
# exactly like a missing one.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

cat >"$T/c.csv" <<'END'
cust_no,name,user_type,voltage,address,org,opened_on
3300000001,张一,resident,220V,杭州市1号,HZ,2020-01-01
3300000002,张二,resident,220V,宁波市2号,NB,2020-01-01
END
cat >"$T/a.csv" <<'END'
account_no,cust_no,tariff_code,cycle_day,pay_mode,opened_on
330000000101,3300000001,BJ-RES,15,postpaid,2020-01-01
330000000201,3300000002,BJ-RES,15,postpaid,2020-01-01
END
cat >"$T/m.csv" <<'END'
asset_no,model,phases,registers,account_no,installed_on,install_reads
M1,DDZY,1,"total,peak,valley",330000000101,2020-01-01,total=0
M2,DDZY,1,"total,peak,valley",330000000201,2020-01-01,total=0
END
cat >"$T/r.csv" <<'END'
meter,read_on,source,total,peak,valley
M1,2025-04-15,remote,1000,600,400
M1,2025-05-15,remote,1300,780,520
M2,2025-04-15,remote,500,300,200
M2,2025-05-15,remote,600,360,240
END
pw=Bq6xNm3vLz
"$PMIS" init --no-admin >/dev/null 2>&1 &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    "$PMIS" org add NB --name 宁波 --level city --parent ZJ >/dev/null &&
    "$PMIS" tariff load "$PMIS_TOP/data/tariffs/beijing-resident.json" >/dev/null &&
    "$PMIS" import customers "$T/c.csv" >/dev/null &&
    "$PMIS" import accounts "$T/a.csv" >/dev/null &&
    "$PMIS" import meters "$T/m.csv" >/dev/null &&
    "$PMIS" import readings "$T/r.csv" >/dev/null &&
    "$PMIS" bill run --period 2025-05 >/dev/null &&
    echo $pw | "$PMIS" user add clerk --org HZ --roles billing_clerk --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add crew --org HZ --roles field_crew --password-stdin >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }
own=$(sql "SELECT b.id FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '330000000101'")
other=$(sql "SELECT b.id FROM bill b JOIN account a ON a.id = b.account_id WHERE a.account_no = '330000000201'")

serve_start
login clerk $pw clerk.jar
login crew $pw crew.jar

req GET /api/v1/tariffs -b "$T/clerk.jar"
check "tariff list" test "$status $(jq -c '[.items[] | [.code, .category]]' "$T/body")" = \
    '200 [["BJ-RES","resident"]]'
req GET /api/v1/tariffs/BJ-RES -b "$T/clerk.jar"
check "a tariff's document" test "$status $(jq -r .code "$T/body")" = "200 BJ-RES"
expect "an unknown tariff" 404 \
    '{"error":{"code":"not_found","message":"unknown tariff '"'"'NOPE'"'"'"}}' \
    GET /api/v1/tariffs/NOPE -b "$T/clerk.jar"
expect "field crews may not read tariffs" 403 \
    '{"error":{"code":"forbidden","message":"permission '"'"'tariff:read'"'"' required"}}' \
    GET /api/v1/tariffs -b "$T/crew.jar"

req GET '/api/v1/bills?period=2025-05' -b "$T/clerk.jar"
check "bills of the own subtree only" \
    test "$status $(jq -c '[.items[] | .account_no]' "$T/body")" = '200 ["330000000101"]'
check "R1 in decimal strings" test "$(jq -c '.items[0] | [.energy_kwh, .total]' "$T/body")" = \
    '["300.00","146.49"]'
req GET "/api/v1/bills/$own" -b "$T/clerk.jar"
check "one bill with its lines" test "$status $(jq -r '.total' "$T/body")" = "200 146.49"
check "each line with its arithmetic" \
    test "$(jq -r '.lines[0] | .amount + " " + .arithmetic' "$T/body")" = "146.49 300.000 kWh × 0.4883 = 146.49"
expect "another subtree's bill" 404 \
    "{\"error\":{\"code\":\"not_found\",\"message\":\"no bill '$other'\"}}" \
    GET "/api/v1/bills/$other" -b "$T/clerk.jar"
expect "exactly like a missing one" 404 \
    '{"error":{"code":"not_found","message":"no bill '"'"'999999'"'"'"}}' \
    GET /api/v1/bills/999999 -b "$T/clerk.jar"
# pmis bill explain over HTTP: the bill, its lines and its stored inputs, as the CLI's --json
req GET "/api/v1/bills/$own/explain" -b "$T/clerk.jar"
check "explain: the bill with its lines" test "$status $(jq -r '.total + " " + .lines[0].arithmetic' "$T/body")" = \
    "200 146.49 300.000 kWh × 0.4883 = 146.49"
check "and the readings and consumption it was computed from, as pmis bill explain --json" \
    test "$(jq -c '[.readings, .usage]' "$T/body")" = \
    "$("$PMIS" --json bill explain "#$own" | jq -c '[.readings, .usage]')"
check "the readings name the meter and its readings" test "$(jq -r .readings "$T/body" | grep -c M1)" -ge 1
req GET "/api/v1/bills/$own" -b "$T/clerk.jar"
check "GET /bills/{id} is the same bill without the inputs" test "$(jq -c 'has("readings")' "$T/body")" = false
expect "another subtree's bill to explain" 404 \
    "{\"error\":{\"code\":\"not_found\",\"message\":\"no bill '$other'\"}}" \
    GET "/api/v1/bills/$other/explain" -b "$T/clerk.jar"
expect "a missing bill to explain" 404 \
    '{"error":{"code":"not_found","message":"no bill '"'"'999999'"'"'"}}' \
    GET /api/v1/bills/999999/explain -b "$T/clerk.jar"
expect "field crews may not read bills" 403 \
    '{"error":{"code":"forbidden","message":"permission '"'"'bill:read'"'"' required"}}' \
    GET "/api/v1/bills/$own/explain" -b "$T/crew.jar"
expect "a bad run filter" 400 \
    '{"error":{"code":"invalid","message":"query parameter '"'"'run'"'"' must be an integer from 1 to 9223372036854775807","field":"run"}}' \
    GET '/api/v1/bills?run=x' -b "$T/clerk.jar"
expect "a bad period filter" 400 \
    '{"error":{"code":"invalid","message":"query parameter '"'"'period'"'"': invalid period '"'"'2025-13'"'"': month 13 out of range","field":"period"}}' \
    GET '/api/v1/bills?period=2025-13' -b "$T/clerk.jar"
expect "an unknown status" 400 \
    '{"error":{"code":"invalid","message":"状态应为 draft、review、approved、held 或 issued，不能是 '"'"'open'"'"'","message_en":"status is draft, review, approved, held or issued, not '"'"'open'"'"'","field":"status"}}' \
    GET '/api/v1/bills?status=open' -b "$T/clerk.jar" -H 'Accept-Language: zh-CN'
expect "an unknown run" 404 \
    '{"error":{"code":"not_found","message":"no bill run 999999","field":"run"}}' \
    GET '/api/v1/bills?run=999999' -b "$T/clerk.jar"
expect "an unknown account" 404 \
    '{"error":{"code":"not_found","message":"unknown account '"'"'000'"'"'","field":"account"}}' \
    GET '/api/v1/bills?account=000' -b "$T/clerk.jar"
serve_stop
srv_pid=""
done_testing
