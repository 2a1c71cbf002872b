#!/bin/sh
# pmis demo: a realistic utility, the same for the same seed, never over existing customers.
. "$PMIS_TOP/tests/integration/lib.sh"

"$PMIS" init >/dev/null 2>&1 || { not_ok "init"; done_testing; exit 1; }
# the demo's accounts name its tariffs, which must be loaded first like any account's
expect_fail "the demo refuses to run before its tariffs are loaded" 65 \
    "the demo's accounts name tariff 'RES-TIER', which is not loaded: load data/tariffs/demo-zhejiang.json first" \
    demo --customers 5
check "and stores nothing" test "$(sql "SELECT COUNT(*) FROM customer") $(sql "SELECT COUNT(*) FROM org_unit")" = "0 0"
demo_tariffs() { "$PMIS" "$@" tariff load "$PMIS_TOP/data/tariffs/demo-zhejiang.json" >/dev/null 2>&1; }
demo_tariffs
expect_ok "demo with 300 customers" --json demo --customers 300 --seed 7
check "summary counts" out_has '"customers":300,"accounts":300,"meters":300'
check "32 org units: hq, province, 3 cities, 9 counties, 18 stations" out_has '"orgs":32'
check "levels as in a real province" test "$(sql "SELECT level || ':' || COUNT(*) FROM org_unit GROUP BY level ORDER BY level" | tr '\n' ' ')" = "city:3 county:9 hq:1 province:1 station:18 "
check "every customer has an installed meter" test "$(sql "SELECT COUNT(*) FROM meter_install WHERE removed_on IS NULL")" = 300
check "most customers are residents" test "$(sql "SELECT COUNT(*) FROM customer WHERE user_type = 'resident'")" -gt 240
check "large industrial users have CT/PT multipliers" test "$(sql "SELECT COUNT(*) FROM meter m JOIN meter_install mi ON mi.meter_id = m.id JOIN service_point sp ON sp.id = mi.sp_id JOIN account a ON a.id = sp.account_id JOIN customer c ON c.id = a.customer_id WHERE c.user_type = 'large_industry' AND m.multiplier = 1")" = 0
expect_ok "audit chain intact" audit verify
run export customers --with-pii
cp "$T/out" "$T/first.csv"
expect_fail "demo refuses a database that has customers" 67 "already holds customers" demo --customers 5

second=$(new_db second)
"$PMIS" --db "$second" init >/dev/null 2>&1 && demo_tariffs --db "$second"
expect_ok "the same seed again" --db "$second" demo --customers 300 --seed 7
run --db "$second" export customers --with-pii
check "gives exactly the same customers" cmp -s "$T/out" "$T/first.csv"
third=$(new_db third)
"$PMIS" --db "$third" init >/dev/null 2>&1 && demo_tariffs --db "$third"
expect_ok "another seed" --db "$third" demo --customers 300 --seed 8
run --db "$third" export customers --with-pii
check "gives other customers" sh -c "! cmp -s '$T/out' '$T/first.csv'"
expect_fail "a negative count is refused" 65 "customers must be" --db "$third" demo --customers -1

# a year of readings through the real imports, and the bill runs it feeds
fourth=$(new_db fourth)
"$PMIS" --db "$fourth" init >/dev/null 2>&1
expect_ok "demo tariffs" --db "$fourth" tariff load "$PMIS_TOP/data/tariffs/demo-zhejiang.json"
expect_ok "demo with readings and curves" --db "$fourth" --json demo --customers 400 --seed 11 \
    --from 2025-01 --months 3 --readings "$T/r.csv" --intervals "$T/i.csv"
check "readings on every reading day: about 4 per customer" sh -c "grep -q '\"readings\":1[3-6][0-9][0-9]' '$T/out'"
fifth=$(new_db fifth)
"$PMIS" --db "$fifth" init >/dev/null 2>&1 && demo_tariffs --db "$fifth"
"$PMIS" --db "$fifth" demo --customers 400 --seed 11 --from 2025-01 --months 3 --readings "$T/r2.csv" >/dev/null 2>&1
check "same seed, same readings" cmp -s "$T/r.csv" "$T/r2.csv"
expect_ok "the readings import" --db "$fourth" import readings "$T/r.csv"
expect_ok "the curves import" --db "$fourth" import intervals "$T/i.csv"
PMIS_NOW=2025-03-01T02:00:00Z run --db "$fourth" --json bill run --period 2025-02
check "every account billed" grep -q '"bills":400,' "$T/out"
check "none failed to price" grep -q '"failed":0,' "$T/out"
check "every bill equals the sum of its lines" test "$(sql_at "$fourth" "SELECT COUNT(*) FROM bill b WHERE total_fen <> (SELECT COALESCE(SUM(amount_fen), 0) FROM bill_line l WHERE l.bill_id = b.id)")" = 0
# the customers pay: collection files for the real import
expect_fail "payments need their files" 64 "--period, --bank and --agent are required" --db "$fourth" demo payments --period 2025-02
expect_fail "payments of a month without issued bills" 66 "no issued bill in 2025-02" --db "$fourth" demo payments --period 2025-02 --bank "$T/b.csv" --agent "$T/a.csv"
run2=$(sql_at "$fourth" "SELECT id FROM bill_run WHERE period = '2025-02'")
PMIS_NOW=2025-03-01T02:00:00Z run --db "$fourth" bill review approve --run "$run2" --reason "consumption spike"
PMIS_NOW=2025-03-01T02:00:00Z run --db "$fourth" bill issue "$run2"
PMIS_NOW=2025-03-01T02:00:00Z expect_ok "payment files of February" --db "$fourth" --json demo payments --period 2025-02 --bank "$T/b.csv" --agent "$T/a.csv"
check "most by bank, due 03-16 less two days; some at agents by 03-27" grep -qE '"bank_date":"2025-03-14","bank_lines":2[6-9][0-9],.*"agent_date":"2025-03-27","agent_lines":[4-9][0-9],' "$T/out"
PMIS_NOW=2025-03-01T02:00:00Z run --db "$fourth" demo payments --period 2025-02 --bank "$T/b2.csv" --agent "$T/a2.csv" --seed 2025
check "same seed, same files" cmp -s "$T/b.csv" "$T/b2.csv"
PMIS_NOW=2025-03-14T02:00:00Z expect_ok "the bank file imports" --db "$fourth" payment import "$T/b.csv"
check "with nothing unmatched" grep -qE " 0 unmatched$" "$T/out"
PMIS_NOW=2025-03-27T08:00:00Z expect_ok "the agent file imports" --db "$fourth" payment import "$T/a.csv" --channel agent
expect_ok "and the ledger verifies" --db "$fourth" ledger verify
expect_fail "curves need readings" 64 "--intervals needs --readings" --db "$third" demo --customers 1 --intervals "$T/x.csv"

done_testing
