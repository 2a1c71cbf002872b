# tests/web/seed-service.sh — sourced by tests/web/run.sh after seed.sh: the service centre's
# journey data (web/tests/e2e/service.mjs), on top of seed_web_db. Call seed_service_db after
# seed_web_db. Adds: the 2025 working-day calendar; station ZJ-HZ-GS with 王五 (phone
# 13600002222, no account, so no outbox message) under an active fault outage of the station;
# users kefu1 (service agent, ZJ-HZ) and qiang1 (field crew, ZJ-HZ), password $svc_pw; and
# work orders at set times before "now" (2025-07-01T02:00:00Z) so the queue shows every SLA
# state: 1 an archived-free complaint of 张三 on 2025-06-20 (the journey's complaint repeats
# it), 2 a repair call from yesterday (arrival breached), 3 a repair call from 01:30Z dispatched
# to qiang1 (arrival ok; the phone journey accepts it), 4 an enquiry from 00:20Z (response in
# warning), 5 an enquiry paused while waiting for the customer, 6-14 enquiries for a 2nd page.
svc_pw=Kefu2025pwxy
seed_service_db() {
    run_at() { # run_at INSTANT ARGS...: pmis ARGS at that "now"
        t="$1"
        shift
        PMIS_NOW="$t" "$PMIS" "$@" >/dev/null
    }
    "$PMIS" calendar import "$PMIS_TOP/data/calendar/cn-2025.csv" >/dev/null &&
        "$PMIS" org add ZJ-HZ-GS --name 拱墅供电所 --level station --parent ZJ-HZ >/dev/null &&
        "$PMIS" customer add --name 王五 --type resident --voltage 220V --address 杭州市拱墅区湖墅路5号 \
            --org ZJ-HZ-GS --phone 13600002222 --opened 2024-03-01 >/dev/null &&
        "$PMIS" outage add --kind fault --org ZJ-HZ-GS --from "2025-07-01 09:00" \
            --reason 10kV湖墅线故障 >/dev/null 2>&1 &&
        echo "$svc_pw" | "$PMIS" user add kefu1 --org ZJ-HZ --roles service_agent --name 陈客服 \
            --password-stdin >/dev/null &&
        echo "$svc_pw" | "$PMIS" user add qiang1 --org ZJ-HZ --roles field_crew --name 刘抢修 \
            --password-stdin >/dev/null &&
        run_at 2025-06-20T02:00:00Z ticket add --type complaint --subtype business --channel phone \
            --area urban --cust 1000000000 --text 电费计算有误，营业厅解释不清 &&
        run_at 2025-06-30T10:00:00Z ticket add --type fault --channel phone --area urban \
            --cust 1000000002 --text 厂区停电 &&
        run_at 2025-07-01T01:30:00Z ticket add --type fault --channel phone --area urban \
            --cust 1000000000 --text 家中停电，文三路1号 &&
        run_at 2025-07-01T01:31:00Z ticket move 3 classified &&
        run_at 2025-07-01T01:32:00Z ticket assign 3 --org ZJ-HZ --to qiang1 &&
        run_at 2025-07-01T00:20:00Z ticket add --type consult --channel web --area urban \
            --cust 1000000000 --text 咨询阶梯电价 &&
        run_at 2025-07-01T01:50:00Z ticket add --type consult --channel phone --area urban \
            --cust 1000000002 --text 咨询增容手续 &&
        run_at 2025-07-01T01:55:00Z ticket pause 5 --note 等客户提供资料 ||
        return 1
    i=1
    while [ $i -le 9 ]; do
        run_at 2025-07-01T01:40:00Z ticket add --type consult --channel app --area urban \
            --cust 100000000$((i % 3 + 3)) --text "咨询第${i}号" || return 1
        i=$((i + 1))
    done
}
