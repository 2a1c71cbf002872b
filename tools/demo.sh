#!/bin/sh
# demo.sh — what `make demo` runs after building: a fresh demo utility in demo/pmis.db
# (key file demo/pmis.keys) and its year 2025: the tariffs, 5,000 customers, a year of meter
# readings (and 96-point curves for large industrial users) imported through the real CSV
# import, then the bill run of every month, each issued (发行) at the start of the next month
# once its reviewer has cleared the seasonal spikes. Then a summary and commands to try.
set -eu
cd "$(dirname "$0")/.."
mkdir -p demo
rm -f demo/pmis.db demo/pmis.db-wal demo/pmis.db-shm demo/pmis.db-lock-* demo/pmis.keys \
    demo/readings.csv demo/intervals.csv
export PMIS_DB="sqlite:demo/pmis.db" PMIS_KEYS_FILE="demo/pmis.keys" PMIS_CONFIG=/dev/null
pmis=build/pmis
# the demo utility opens on 2025-01-01 (10:00 in Shanghai) and lives through 2025
export PMIS_NOW=2025-01-01T02:00:00Z
$pmis init --no-admin
$pmis --as demo calendar import data/calendar/cn-2025.csv
$pmis --as demo tariff load data/tariffs/demo-zhejiang.json
$pmis --as demo demo --customers "${DEMO_CUSTOMERS:-5000}" --from 2025-01 --months 12 \
    --readings demo/readings.csv --intervals demo/intervals.csv
$pmis --as demo import readings demo/readings.csv
$pmis --as demo import intervals demo/intervals.csv
echo
printf '%-8s %7s %9s %16s %18s %9s %9s\n' month bills "to review" "energy kWh" "amount yuan" \
    "bank pays" "at agents"
for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
    next=$(date -u -d "2025-$m-01 +1 month" +%Y-%m-%d)
    export PMIS_NOW="${next}T01:00:00Z"
    $pmis --as demo --json bill run --period "2025-$m" >demo/run.json
    run=$(sed 's/.*"run":\([0-9]*\).*/\1/' demo/run.json)
    # the reviewer (量费审核) accepts the seasonal spikes of irrigation and air conditioning;
    # estimates, zero bills and rollovers stay in the queue for a closer look
    $pmis --as demo bill review approve --run "$run" --reason "consumption spike" \
        --note "seasonal load, checked against last year" >/dev/null
    $pmis --as demo bill issue "$run" >/dev/null
    # the customers pay: bank debits (代扣) two days before the due date, agents (代收) up to
    # 11 days after it, both as collection files; then the late fees of the rest are accrued
    $pmis --as demo --json demo payments --period "2025-$m" --bank demo/bank.csv \
        --agent demo/agent.csv >demo/pay.json
    bank_on=$(sed 's/.*"bank_date":"\([0-9-]*\)".*/\1/' demo/pay.json)
    agent_on=$(sed 's/.*"agent_date":"\([0-9-]*\)".*/\1/' demo/pay.json)
    PMIS_NOW="${bank_on}T02:00:00Z" $pmis --as bank-icbc payment import demo/bank.csv \
        --channel bank >/dev/null
    PMIS_NOW="${agent_on}T08:00:00Z" $pmis --as agent-post payment import demo/agent.csv \
        --channel agent >/dev/null
    PMIS_NOW="${agent_on}T14:00:00Z" $pmis --as demo fees accrue >/dev/null
    paid=$(sed 's/.*"bank_lines":\([0-9]*\),.*"agent_lines":\([0-9]*\),.*/\1 \2/' demo/pay.json)
    sed 's/.*"bills":\([0-9]*\),"in_review":\([0-9]*\).*"energy_kwh":"\([0-9.]*\)","total":"\([0-9.-]*\)".*/\1 \2 \3 \4/' \
        demo/run.json | { read -r b r e t; printf '%-8s %7s %9s %16s %18s %9s %9s\n' "2025-$m" "$b" "$r" "$e" "$t" $paid; }
done
rm -f demo/run.json demo/pay.json demo/bank.csv demo/agent.csv
# the collections desk at the end of January: credit grades, reminders, prepaid balances
export PMIS_NOW=2026-01-28T02:00:00Z
$pmis --as demo credit rate --period 2025-12 | tail -n 1
$pmis --as demo remind run | tail -n 1
$pmis --as demo prepaid check | tail -n 1
# a morning at the 95598 desk: repair calls, a complaint and a question, at different stages
custs=$($pmis customer search --name 公司 --limit 3 | grep -E '^[0-9]{10} ' | cut -d' ' -f1)
homes=$($pmis customer search --type resident --limit 3 | grep -E '^[0-9]{10} ' | cut -d' ' -f1)
ticket() { $pmis --as agent --json ticket add "$@" | sed 's/.*"id":\([0-9]*\).*/\1/'; }
n=0
for c in $homes; do
    n=$((n + 1))
    t=$(ticket --type fault --channel phone --area urban --cust "$c" --text "家中突然停电，邻居家有电")
    [ $n -gt 1 ] || continue
    $pmis --as agent ticket move "$t" classified --severity important >/dev/null
    $pmis --as agent ticket move "$t" dispatched --org ZJ-HZ-CA-QDH >/dev/null
    $pmis --as crew ticket move "$t" processing --note "抢修人员出发" >/dev/null
done
for c in $custs; do
    t=$(ticket --type complaint --subtype business --channel phone --area urban --cust "$c" \
        --text "对上月电费有异议，认为计量不准")
    $pmis --as agent ticket move "$t" classified >/dev/null
    break
done
ticket --type consult --channel wechat --area rural --anonymous --org ZJ --text "居民阶梯电价怎么计算？" >/dev/null
echo "95598: $($pmis ticket list | wc -l) work orders open"
unset PMIS_NOW
echo
echo "The demo database is demo/pmis.db (keys: demo/pmis.keys). Try:"
echo "  export PMIS_DB=sqlite:demo/pmis.db PMIS_KEYS_FILE=demo/pmis.keys"
echo "  $pmis org tree"
echo "  $pmis customer search --name 有限公司"
sample=$($pmis customer search --limit 1 | head -n 1 | cut -d" " -f1)
echo "  $pmis customer show $sample"
echo "  $pmis customer history $sample"
echo "  $pmis tariff list"
echo "  $pmis tariff quote --tariff RES-TIER --period 2025-07 --tou peak=300,valley=150 --ytd-kwh 2600"
echo "  $pmis bill list --period 2025-12 --limit 10"
echo "  $pmis bill review list"
bill=$($pmis bill list --period 2025-12 --status issued --limit 1 | head -n 1 | cut -d" " -f1)
echo "  $pmis bill explain $bill"
echo "  $pmis tariff simulate --file data/tariffs/proposals/res-tier-proposal.json --period 2025-12"
acct=$($pmis bill list --period 2025-12 --status issued --limit 1 | head -n 1 | awk '{print $3}')
echo "  $pmis ledger show $acct"
echo "  $pmis payment list --limit 10"
echo "  $pmis ledger verify"
echo "  $pmis arrears aging --by type"
echo "  $pmis arrears rate --period 2025-11"
echo "  $pmis disconnect candidates"
echo "  $pmis ticket list"
echo "  $pmis ticket sla --at 2026-01-28T10:40+08:00"
echo "  $pmis audit verify"

# one login per built-in role, all with the demo password, each seeing its org subtree
password=pmis-demo-2025
adduser() { printf '%s\n' "$password" | $pmis --as demo user add "$1" $2 --roles "$3" \
    --name "$4" --password-stdin >/dev/null; }
adduser admin --all-orgs administrator 演示管理员
adduser manager --all-orgs manager 营销经理
adduser clerk "--org ZJ" billing_clerk 浙江核算员
adduser cashier "--org ZJ-HZ" cashier 杭州收费员
adduser agent "--org ZJ" service_agent 客服专员
adduser crew "--org ZJ-HZ-CA-QDH" field_crew 千岛湖供电所抢修
adduser analyst --all-orgs analyst 营销分析师
adduser auditor --all-orgs auditor 审计员
listen=${DEMO_LISTEN:-127.0.0.1:8080}
echo
echo "Logins (password $password): admin (系统管理员), manager (营销管理), clerk (核算员, 浙江),"
echo "  cashier (收费员, 杭州), agent (客服, 浙江), crew (抢修, 千岛湖供电所), analyst, auditor (只读)."
if [ "${DEMO_SERVE:-1}" = 0 ]; then
    echo "Serve it with: $pmis serve --listen $listen"
    exit 0
fi
if [ -f build/web/index.html ]; then
    echo "Serving http://$listen/ (the web UI; the API under /api/v1/; Ctrl-C stops it):"
else
    echo "Serving http://$listen/ (the API under /api/v1/; no web UI: make web; Ctrl-C stops it):"
fi
echo "  curl -s -c /tmp/pmis.cookies -H 'Content-Type: application/json' \\"
echo "    -d '{\"username\":\"admin\",\"password\":\"$password\"}' http://$listen/api/v1/auth/login"
exec $pmis serve --listen "$listen"

