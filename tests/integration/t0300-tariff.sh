#!/bin/sh
# pmis tariff load|list|show|quote: the tariffs of data/tariffs/ load (all-or-nothing,
# idempotent, audited), and quote the worked examples of cn-tariff-rules.md in text and JSON;
# bad files are refused with exit 65 and change nothing.
. "$PMIS_TOP/tests/integration/lib.sh"

"$PMIS" init >/dev/null 2>&1 || { not_ok "init"; done_testing; exit 1; }
td="$PMIS_TOP/data/tariffs"

# --file works before anything is loaded (review of a file)
expect_ok "quote straight from a file" tariff quote --file "$td/beijing-resident.json" --period 2024-03 --kwh 300
check "R1 146.49" out_has "^total +146\.49$"

for f in "$td"/*.json; do
    expect_ok "load $(basename "$f")" tariff load "$f"
done
expect_ok "load one again" tariff load "$td/guangzhou-resident.json"
check "changes nothing" out_has "2 tariffs, 0 new versions$"
expect_ok "list" tariff list
check "fourteen tariffs" test "$(wc -l <"$T/out")" -eq 14
check "lists GD-CI-TOU" out_has "^GD-CI-TOU +general_ci +1  2021-10-01  广东省一般工商业分时电价"
run --json tariff list
check "list --json" grep -q '{"code":"AG-FLAT","name":"农业生产用电","category":"agriculture","versions":1,"latest":"2024-01-01"}' "$T/out"
expect_ok "show" tariff show GZ-RES-TOU
check "derived TOU prices" out_has "peak 0\.99500875 flat 0\.58886875 valley 0\.22914475"
run --json tariff show ZJ-RES-TOU
check "show --json is canonical" grep -q '"surcharges":\["0","0.05","0.30"\]' "$T/out"
cp "$T/out" "$T/zj.json"
expect_ok "the canonical JSON loads back as the same version" tariff load "$T/zj.json"
check "no new version" out_has "1 tariff, 0 new versions$"

# goldens from the rules' worked examples
expect_ok "R2 Beijing" tariff quote --tariff BJ-RES --period 2024-03 --kwh 300 --ytd-kwh 2700
check "R2 arithmetic" out_has "180\.000 kWh × 0\.4883 \+ 120\.000 kWh × 0\.5383 = 152\.49"
check "R2 total" out_has "^total +152\.49$"
run --json tariff quote --tariff BJ-RES --period 2024-03 --kwh 300
check "R1 --json" grep -q '^{"lines":\[{"item":"energy","name":"电度电费","version":"2012-07-01","quantity":"300.000","unit":"kWh","price":"0.4883","amount":"146.49",.*\],"total":"146.49"' "$T/out"
# a bad quantity is invalid input (65, not usage), named with what is wrong with it
expect_fail "a quantity with 4 decimals" 65 "^pmis: error: --kwh: invalid energy '300.1234' kWh: more than 3 decimals$" \
    tariff quote --tariff BJ-RES --period 2024-03 --kwh 300.1234
expect_fail "a negative quantity" 65 "^pmis: error: --ytd-kwh: invalid energy '-1' kWh: negative$" \
    tariff quote --tariff BJ-RES --period 2024-03 --kwh 300 --ytd-kwh -1
expect_fail "not a number" 65 "--kwh: invalid energy 'abc' kWh: not a number" \
    tariff quote --tariff BJ-RES --period 2024-03 --kwh abc
expect_ok "R3 Shenzhen July" tariff quote --tariff SZ-RES --period 2024-07 --kwh 700
check "523.00" out_has "^total +523\.00$"
expect_ok "R4 Guangzhou" tariff quote --tariff GZ-RES --period 2024-07 --kwh 400
check "242.55" out_has "^total +242\.55$"
expect_ok "R5 Guangzhou TOU" tariff quote --tariff GZ-RES-TOU --period 2024-07 --tou peak=150,flat=150,valley=100
check "energy 260.50" out_has "^energy .* 260\.50 "
check "surcharge 7.00" out_has "^tier_surcharge .* 7\.00 "
check "267.50" out_has "^total +267\.50$"
expect_ok "R6 Zhejiang TOU" tariff quote --tariff ZJ-RES-TOU --period 2024-08 --tou peak=200,valley=100 --ytd-kwh 2600
check "149.40" out_has "^total +149\.40$"
run --json tariff quote --tariff GD-CI-TOU --period 2024-07 --tou sharp=2000,peak=18000,flat=30000,valley=20000
check "T1 --json" grep -q '"amount":"47092.60".*"item":"gov_funds".*"amount":"2065.00".*"total":"49157.60"' "$T/out"
check "T1 critical price 1.3813" grep -q '"label":"sharp","quantity":"2000.000","unit":"kWh","price":"1.3813"' "$T/out"
# two-part: T2 prices, E9b 105 % rule, PF 0.82 on basic + energy (funds excluded), F1 fund
expect_ok "large industry" tariff quote --tariff SH-LI-2P --period 2024-07 --tou flat=100000 --demand 700 --contract-demand 600 --kvarh 69000 --pf-standard 0.90
check "basic 24480.00" out_has "^basic .* 24480\.00 "
check "excess 70 kW at 81.60" out_has "^basic_excess +70\.000 kW +81\.60 +5712\.00 "
check "pf +4 % of 90192.00" out_has "90192\.00 × 4\.00 % = 3607\.68"
check "fund" out_has "100000\.000 kWh × 0\.029115 = 2911\.50"
check "total" out_has "^total +96711\.18$"
expect_ok "E9e proration (calendar days)" tariff quote --tariff SH-LI-2P --period 2024-07 --tou flat=0 --demand 480 --days 12
check "480 × 40.8 × 12/31" out_has "480\.000 kW × 40\.80 × 12/31 = 7580\.90"
expect_ok "agriculture" tariff quote --tariff AG-FLAT --period 2024-05 --kwh 1000
check "478.30" out_has "^total +478\.30$"

expect_fail "a TOU tariff without the split" 65 "no split by period" tariff quote --tariff GZ-RES-TOU --period 2024-07 --kwh 400
expect_fail "a demand tariff without demand" 65 "no maximum demand" tariff quote --tariff SH-LI-2P --period 2024-07 --tou flat=1
expect_fail "an unknown tariff" 66 "unknown tariff 'NOPE'" tariff quote --tariff NOPE --period 2024-07 --kwh 1
expect_fail "before the first version" 66 "no version in force on 2024-01-01" tariff quote --tariff SH-LI-2P --period 2024-01 --tou flat=1 --demand 1
expect_fail "a bad --tou" 64 "--tou" tariff quote --tariff GZ-RES-TOU --period 2024-07 --tou peek=1

# refusals: exit 65, the item named, nothing stored
digest=$(db_digest)
good='{"code":"NEW-OK","name":"新","category":"resident","versions":[{"effective_from":"2024-01-01","energy":{"price":"0.5"}}]}'
printf '[%s,{"code":"BAD-1","name":"x","category":"general_ci","versions":[{"effective_from":"2024-01-01","energy":{"tou":{"source":"windows","prices":{"peak":"1","valley":"0.3"},"seasons":[{"name":"all","months":[1,2,3,4,5,6,7,8,9,10,11,12],"windows":[{"period":"peak","from":"08:00","to":"22:00"},{"period":"valley","from":"21:00","to":"08:00"}]}]}}}]}]' "$good" >"$T/overlap.json"
expect_fail "overlapping windows (with a good tariff in the same file)" 65 "overlap\.json: tariff 'BAD-1' version 2024-01-01: .*overlap at 21:00" tariff load "$T/overlap.json"
printf '{"code":"BAD-2","name":"x","category":"resident","versions":[{"effective_from":"2024-01-01","tiers":{"basis":"annual","bounds_kwh":[4800,2760],"method":"prices","prices":["1","2","3"]}}]}' >"$T/bounds.json"
expect_fail "non-monotonic tier bounds" 65 "'BAD-2' version 2024-01-01: tiers.bounds_kwh: bounds must increase" tariff load "$T/bounds.json"
printf '{"code":"BAD-3","name":"x","category":"resident","versions":[{"effective_from":"2024-01-01","energy":{"price":"-0.1"}}]}' >"$T/neg.json"
expect_fail "a negative price" 65 "energy.price: negative price" tariff load "$T/neg.json"
printf '{"code":"BAD-4","name":"x","category":"resident","versions":[{"energy":{"price":"0.1"}}]}' >"$T/nodate.json"
expect_fail "a version without a date" 65 "'BAD-4' version #1: effective_from" tariff load "$T/nodate.json"
printf '{"code":"BAD-5","name":"x","category":"resident","versions":[{"effective_from":"2024-01-01","energy":{"price":"0.1","prise":"2"}}]}' >"$T/typo.json"
expect_fail "an unknown key" 65 "unknown key 'prise'" tariff load "$T/typo.json"
printf '{"code":"BAD-6","name":"x","category":"resident","versions":[{"effective_from":"2024-01-01","energy":{"price":"0.1"}},{"effective_from":"2024-01-01","energy":{"price":"0.2"}}]}' >"$T/dup.json"
expect_fail "duplicate effective dates" 65 "duplicate effective date 2024-01-01" tariff load "$T/dup.json"
printf '{"code":"BAD-7","name":"x","category":"resident","versions":[{"effective_from":"2024-01-01","energy":{"tou":{"source":"registers","prices":{"peak":"1","deep":"0.1"}}}}]}' >"$T/reg.json"
expect_fail "an unknown register" 65 "unknown register 'deep'" tariff load "$T/reg.json"
printf '{"code":' >"$T/broken.json"
expect_fail "broken JSON" 65 "invalid JSON" tariff load "$T/broken.json"
# a changed price under a stored effective date: conflict (67), and the good tariff in the
# same file is not stored either
sed 's/"0.4883"/"0.4884"/' "$td/beijing-resident.json" >"$T/changed.json"
printf '[%s,%s]' "$good" "$(cat "$T/changed.json")" >"$T/changed2.json"
expect_fail "a changed stored version" 67 "'BJ-RES' version 2012-07-01 is already stored with different content" tariff load "$T/changed2.json"
check "nothing changed" test "$(db_digest)" = "$digest"
expect_fail "the good tariff was not stored" 66 "unknown tariff 'NEW-OK'" tariff show NEW-OK

expect_ok "loads are audited" audit list --action tariff.version.add
check "one row per version (14)" test "$(wc -l <"$T/out")" -eq 14
expect_ok "the audit chain holds" audit verify

done_testing
