#!/bin/sh
# tariff simulate (and POST /tariffs/simulate) over more org units than its report used to hold:
# 70 供电所, one account each. The "by org" section lists every one of them and adds up to the
# total (a fixed array of 64 groups, shared with the type and tier rows, dropped the rest
# silently).
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

n=70
{ echo "$CUSTOMER_CSV_HEADER"; i=0; while [ $i -lt $n ]; do
    i=$((i + 1)); printf '33000000%02d,张%d,resident,220V,active,0,杭州市%d号,,,,S%02d,2020-01-01,\n' $i $i $i $i
done; } >"$T/c.csv"
flat_fixture 330000000 "" 0 # the tariff FLAT1 and the files' headers
i=0
while [ $i -lt $n ]; do
    i=$((i + 1))
    printf '33000000%02d01,33000000%02d,FLAT1,,,,15,postpaid,,,,,2020-01-01\n' $i $i >>"$T/a.csv"
    printf 'M%d,DDZY,1,,,total,,33000000%02d01,2020-01-01,total=0\n' $i $i >>"$T/m.csv"
done
{ echo "meter,read_on,source,total"; i=0; while [ $i -lt $n ]; do
    i=$((i + 1)); echo "M$i,2024-10-15,remote,0"; echo "M$i,2024-11-15,remote,$((100 + i))"
done; } >"$T/r.csv"
pw=Kc4rVt8wQm
setup() {
    "$PMIS" init --no-admin >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
        "$PMIS" org add CA --name 淳安 --level county --parent HZ >/dev/null || return 1
    i=0
    while [ $i -lt $n ]; do
        i=$((i + 1))
        "$PMIS" org add "$(printf S%02d $i)" --name "供电所$i" --level station --parent CA \
            >/dev/null || return 1
    done
    flat_import && printf '%s\n' "$pw" | "$PMIS" user add ana --all-orgs --roles analyst \
        --password-stdin >/dev/null
}
setup || { not_ok "set up 70 stations with an account each"; cat "$T/err" 2>/dev/null; done_testing; exit 1; }
export PMIS_NOW=2024-12-01T02:00:00Z
expect_ok "bill run 2024-11" bill run --period 2024-11
check "70 bills" test "$(sql "SELECT COUNT(*) FROM bill")" = $n

echo '{"code": "FLAT1", "name": "提价", "category": "resident", "versions": [{"effective_from": "2020-01-01", "energy": {"price": "1.10"}}]}' >"$T/up.json"
expect_ok "simulate a 10 % rise" --json tariff simulate --file "$T/up.json" --period 2024-11
check "every station has its row" test "$(jq '[.groups[] | select(.by == "org")] | length' "$T/out")" = $n
check "and the rows add up to the total" test \
    "$(jq '[.groups[] | select(.by == "org") | .new_total | tonumber * 100] | add | round' "$T/out")" = \
    "$(jq '.new_total | tonumber * 100 | round' "$T/out")"
check "the type and tier rows stay" test "$(jq -c '[.groups[] | select(.by != "org") | [.by, .key, .bills]]' "$T/out")" = \
    "[[\"type\",\"resident\",$n],[\"tier\",\"tier1\",$n]]"
expect_ok "as text" tariff simulate --file "$T/up.json" --period 2024-11
check "lists the 70 stations" test "$(grep -c '^  S[0-9][0-9] ' "$T/out")" = $n

serve_start
login ana "$pw" ana.jar
req POST /api/v1/tariffs/simulate -b "$T/ana.jar" -H "X-CSRF-Token: $csrf" -H "$JSON" \
    -d "{\"period\":\"2024-11\",\"tariff\":$(cat "$T/up.json")}"
check "POST /tariffs/simulate lists every station" test \
    "$status $(jq '[.groups[] | select(.by == "org")] | length' "$T/body")" = "200 $n"
serve_stop

done_testing
