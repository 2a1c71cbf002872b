#!/bin/sh
# The notification outbox delivered (issue 6 §7, issue 4 §3): reminders and outage notices
# posted to a local HTTP gateway (tests/tools/http_sink on 127.0.0.1) in the account's
# language, the phone decrypted only at send time; retries with exponential back-off; dead
# letters and their requeue with the same delivery key; two workers at once sending each
# message once; a worker killed with -9 mid-delivery, its claims recovered by a live worker and
# posted again with the same Idempotency-Key, so the gateway accepts every message exactly once;
# bad gateway configuration refused, changing nothing.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

SINK="$(dirname "$PMIS")/tools/http_sink"
sinks=""
workers=""
# sink NAME [ARGS...]: start a sink logging to $T/NAME.log; sets $port
sink() {
    n=$1; shift
    rm -f "$T/$n.port"
    "$SINK" --port-file "$T/$n.port" --log "$T/$n.log" "$@" &
    sinks="$sinks $!"
    i=0
    while [ ! -s "$T/$n.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    port=$(cat "$T/$n.port")
    touch "$T/$n.log"
}
cleanup() {
    for p in $workers $sinks $srv_pid; do kill -9 "$p" 2>/dev/null; done
}
trap cleanup EXIT
# lines LOG OUTCOME: requests of the sink log with that outcome
lines() { awk -F '\t' -v o="$2" '$2 == o' "$T/$1.log" | wc -l | tr -d ' '; }
# accepted_once LOG: every key the sink accepted (ok or hang), each exactly once
accepted_once() { [ -z "$(awk -F '\t' '$2 == "ok" || $2 == "hang" {print $3}' "$T/$1.log" | sort | uniq -d)" ]; }

cat >"$T/flat.json" <<'END'
{"code": "FLAT1", "name": "测试单一电价", "category": "resident",
 "versions": [{"effective_from": "2020-01-01", "energy": {"price": "1.00"}}]}
END
{
    echo "cust_no,name,user_type,voltage,status,important,address,phone,id_type,id_no,org,opened_on,closed_on"
    echo "6400000001,王一,resident,220V,active,0,杭州市西湖区1号,13812345678,,,ZJ-HZ,2020-01-01,"
    echo "6400000002,John Smith,resident,220V,active,0,杭州市西湖区2号,13987654321,,,ZJ-HZ,2020-01-01,"
    echo "6400000003,李三,resident,220V,active,0,杭州市西湖区3号,,,,ZJ-HZ,2020-01-01,"
    i=10; while [ $i -lt 50 ]; do
        echo "64000001$i,宁波用户$i,resident,220V,active,0,宁波市$i号,139000001$i,,,ZJ-NB,2020-01-01,"
        i=$((i + 1))
    done
} >"$T/c.csv"
{
    echo "account_no,cust_no,tariff_code,capacity_kva,demand_kw,pf_standard,cycle_day,pay_mode,contact_name,contact_phone,bank_name,bank_account,opened_on"
    echo "640000000101,6400000001,FLAT1,,,,15,postpaid,,,,,2020-01-01"
    echo "640000000201,6400000002,FLAT1,,,,15,postpaid,,,,,2020-01-01"
    echo "640000000301,6400000003,FLAT1,,,,15,postpaid,,13700000003,,,2020-01-01"
    i=10; while [ $i -lt 50 ]; do echo "64000001${i}01,64000001$i,FLAT1,,,,15,postpaid,,,,,2020-01-01"; i=$((i + 1)); done
} >"$T/a.csv"
{
    echo "asset_no,model,phases,ct_ratio,pt_ratio,registers,digits,account_no,installed_on,install_reads"
    for i in 1 2 3; do echo "M$i,DDZY,1,,,total,,640000000${i}01,2020-01-01,total=0"; done
} >"$T/m.csv"
{
    echo "meter,read_on,source,total"
    for i in 1 2 3; do echo "M$i,2024-08-15,remote,0"; echo "M$i,2024-09-15,remote,${i}00"; done
} >"$T/r.csv"
R1=640000000101 R2=640000000201 R3=640000000301
setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        "$PMIS" org add ZJ-HZ --name 杭州 --level city --parent ZJ >/dev/null &&
        "$PMIS" org add ZJ-NB --name 宁波 --level city --parent ZJ >/dev/null &&
        "$PMIS" tariff load "$T/flat.json" >/dev/null &&
        "$PMIS" import customers "$T/c.csv" >/dev/null &&
        "$PMIS" import accounts "$T/a.csv" >/dev/null &&
        "$PMIS" import meters "$T/m.csv" >/dev/null &&
        "$PMIS" import readings "$T/r.csv" >/dev/null &&
        export PMIS_NOW=2024-10-01T10:00:00+08:00 &&
        "$PMIS" bill run --period 2024-09 >/dev/null &&
        "$PMIS" bill issue "$(sql "SELECT id FROM bill_run WHERE period = '2024-09'")" --due-date 2024-10-20 >/dev/null
}
setup || { not_ok "set up orgs, customers, bills"; done_testing; exit 1; }

# ---- messages in the account's language ----
expect_ok "John Smith's messages in English" outbox lang $R2 en
check "said so" out_is "account $R2: messages in en"
expect_fail "an unknown language" 65 "messages are written in zh or en, not 'fr'" outbox lang $R1 fr
expect_fail "an unknown account" 66 "999999999901" outbox lang 999999999901 en
export PMIS_NOW=2024-10-21T09:00:00+08:00
expect_ok "the reminders the day after the due date" remind run
expect_ok "a temporary outage in Hangzhou" outage add --kind temporary --org ZJ-HZ \
    --from 2024-10-21T20:00 --to 2024-10-21T23:00 --reason 线路检修
check "six messages queued, John's two in English" test \
    "$(sql "SELECT recipient || ':' || kind || ':' || lang FROM outbox ORDER BY id" | tr '\n' ' ')" = \
    "$R1:reminder:zh $R2:reminder:en $R3:reminder:zh $R1:outage_notice:zh $R2:outage_notice:en $R3:outage_notice:zh "
check "each with its own delivery key" test \
    "$(sql "SELECT COUNT(DISTINCT delivery_key) FROM outbox WHERE delivery_key LIKE 'pmis-%'")" = 6
check "no phone number stored in the outbox" test \
    "$(sql "SELECT COUNT(*) FROM outbox WHERE body LIKE '%1381234%' OR recipient LIKE '%1381234%'")" = 0

# ---- bad configuration: refused clearly, nothing changed ----
digest=$(db_digest)
expect_fail "no gateway configured" 78 "no gateway is configured: set gateway.sms.url" outbox deliver --once
PMIS_GATEWAY_SMS_URL=http://10.1.2.3:8080/sms expect_fail "a gateway outside loopback" 78 \
    "gateway.sms.url \(env PMIS_GATEWAY_SMS_URL\): 'http://10.1.2.3:8080/sms': host 10.1.2.3 is not a loopback address \(127.0.0.0/8, ::1, localhost\); a remote gateway must be listed in gateway.allow_hosts" \
    outbox deliver --once
printf '[gateway.wechat]\nurl = http://sms.example.com/send\n' >"$T/bad.conf"
expect_fail "a host name, in a config file" 78 "gateway.wechat.url \($T/bad.conf:2\): .*host sms.example.com is not a loopback" \
    --config "$T/bad.conf" outbox deliver --once
PMIS_GATEWAY_SMS_URL=ftp://127.0.0.1/x expect_fail "another scheme" 78 "a gateway is http or https, not ftp" outbox deliver --once
PMIS_GATEWAY_SMS_URL="not a url" expect_fail "not a URL" 78 "'not a url' is not a URL" outbox deliver --once
PMIS_GATEWAY_SMS_URL=http://127.0.0.1:9/ PMIS_GATEWAY_SMS_BACKOFF_BASE_MS=5000 PMIS_GATEWAY_SMS_BACKOFF_CAP_MS=1000 \
    expect_fail "a cap below the base" 78 "gateway.sms.backoff_cap_ms \(1000\) is below gateway.sms.backoff_base_ms \(5000\)" outbox deliver --once
PMIS_GATEWAY_SMS_URL=http://127.0.0.1:9/ PMIS_GATEWAY_SMS_TIMEOUT_MS=5 \
    expect_fail "a timeout out of bounds" 78 "gateway.sms.timeout_ms" outbox deliver --once
PMIS_GATEWAY_SMS_URL=http://127.0.0.1:9/ expect_fail "a bad batch" 65 "--batch is 1 to 1000, not 0" outbox deliver --once --batch 0
check "refusals changed nothing" test "$(db_digest)" = "$digest"
# an allowed remote host passes the check (no webhook message: nothing is sent anywhere)
PMIS_GATEWAY_WEBHOOK_URL=http://gw.example.net:8443/hook PMIS_GATEWAY_ALLOW_HOSTS="gw.example.net, other.example" \
    expect_ok "a remote host listed in gateway.allow_hosts is accepted" outbox deliver --once
check "and delivered nothing of the other channels" out_is "outbox-worker-1: 0 sent, 0 to retry, 0 dead"

# ---- delivery: the text in the right language, the phone decrypted at send time ----
sink ok
export PMIS_GATEWAY_SMS_URL="http://127.0.0.1:$port/sms"
expect_ok "deliver what is due" outbox deliver --once
check "six sent" out_is "outbox-worker-1: 6 sent, 0 to retry, 0 dead"
check "the sink accepted six" test "$(lines ok ok)" = 6
check "all sent" test "$(sql "SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND sent_at IS NOT NULL AND claimed_by IS NULL")" = 6
check "the Chinese reminder, with the decrypted phone" grep -q \
    "\"lang\":\"zh\",\"account\":\"$R1\".*\"text\":\"【电费提醒】尊敬的客户，您的户号$R1（2024-09）电费100.00元已于2024-10-20到期，现逾期1天.*\"to\":\"13812345678\"" "$T/ok.log"
check "the English reminder" grep -q \
    "\"kind\":\"reminder\",\"channel\":\"sms\",\"lang\":\"en\",\"account\":\"$R2\".*\"text\":\"\[Electricity bill\] Dear customer, the 2024-09 bill of account $R2, 200.00 yuan, was due on 2024-10-20 and is 1 days overdue.*\"to\":\"13987654321\"" "$T/ok.log"
check "the English outage notice" grep -q \
    "\"text\":\"\[Outage notice\] Dear John Smith (account $R2): because of 线路检修, your area will have a temporary outage from 2024-10-21 20:00 to 2024-10-21 23:00" "$T/ok.log"
check "the Chinese outage notice" grep -q \
    "\"text\":\"【停电通知】尊敬的客户王一（户号$R1）：因线路检修，我公司将于2024-10-21 20:00至2024-10-21 23:00对您所在区域临时停电" "$T/ok.log"
check "the account's contact phone before the customer's" grep -q "\"account\":\"$R3\".*\"to\":\"13700000003\"" "$T/ok.log"
k1=$(sql "SELECT delivery_key FROM outbox WHERE id = 1")
check "the Idempotency-Key is the stored delivery key" test "$(awk -F '\t' 'NR == 1 {print $3}' "$T/ok.log")" = "$k1"
expect_ok "show a sent message" outbox show 2
check "with its attempt" out_has "attempt 1  2024-10-21T09:00:00\+08:00  outbox-worker-1  sent  HTTP 200"
expect_ok "again: nothing due" outbox deliver --once
check "nothing sent twice" test "$(lines ok ok)" = 6 -a "$(sed -n 1p "$T/out")" = "outbox-worker-1: 0 sent, 0 to retry, 0 dead"

# ---- retries with exponential back-off, then success ----
sink retry --script 500,500,500,500,500,500
export PMIS_GATEWAY_SMS_URL="http://127.0.0.1:$port/sms" PMIS_GATEWAY_SMS_BACKOFF_BASE_MS=60000 PMIS_GATEWAY_SMS_BACKOFF_CAP_MS=120000
expect_ok "the outage closed: three restoration messages" outage close 1 --note 检修完成
expect_ok "first attempt: HTTP 500" outbox deliver --once
check "three to retry" out_is "outbox-worker-1: 0 sent, 3 to retry, 0 dead"
check "queued again after one attempt" test "$(sql "SELECT COUNT(*) FROM outbox WHERE id > 6 AND status = 'queued' AND attempts = 1 AND claimed_by IS NULL AND error LIKE 'HTTP 500%'")" = 3
expect_ok "show one" --json outbox show 7
check "waiting until 09:01" out_has '"status":"queued","in_flight":false,"attempts":1,"next_attempt_at":"2024-10-21T09:01:00\+08:00"'
expect_ok "not due before" outbox deliver --once
check "nothing posted" test "$(wc -l <"$T/retry.log")" = 3
export PMIS_NOW=2024-10-21T09:01:00+08:00
expect_ok "second attempt after 1 minute: HTTP 500 again" outbox deliver --once
check "three to retry" out_is "outbox-worker-1: 0 sent, 3 to retry, 0 dead"
expect_ok "show it" --json outbox show 7
check "the wait doubled: 2 minutes" out_has '"attempts":2,"next_attempt_at":"2024-10-21T09:03:00\+08:00"'
export PMIS_NOW=2024-10-21T09:02:59+08:00
expect_ok "not due a second before" outbox deliver --once
check "nothing" out_is "outbox-worker-1: 0 sent, 0 to retry, 0 dead"
export PMIS_NOW=2024-10-21T09:03:00+08:00
expect_ok "third attempt" outbox deliver --once
check "three sent" out_is "outbox-worker-1: 3 sent, 0 to retry, 0 dead"
expect_ok "the attempt log" outbox show 7
check "retry, retry, sent" test "$(grep -c 'retry  HTTP 500' "$T/out")" = 2 -a "$(grep -c 'sent  HTTP 200' "$T/out")" = 1
check "the same key every time" test "$(awk -F '\t' '{print $3}' "$T/retry.log" | sort | uniq -c | awk '{print $1}' | sort -u)" = 3
check "restoration in English for John" grep -q "\[Supply restored\] Dear John Smith (account $R2): supply in your area was restored at 2024-10-21 09:00 after the temporary outage" "$T/retry.log"

# ---- dead letters: refused (4xx) at once, or out of attempts; requeued ----
unset PMIS_GATEWAY_SMS_BACKOFF_BASE_MS PMIS_GATEWAY_SMS_BACKOFF_CAP_MS
export PMIS_NOW=2024-10-22T09:00:00+08:00
expect_ok "another outage: three notices" outage add --kind temporary --org ZJ-HZ \
    --from 2024-10-22T20:00 --to 2024-10-22T22:00 --reason 设备消缺
sink refuse --script 400
export PMIS_GATEWAY_SMS_URL="http://127.0.0.1:$port/sms" PMIS_GATEWAY_SMS_MAX_ATTEMPTS=2
expect_ok "one refused with 400" outbox deliver --once --batch 1
check "dead at once" out_is "outbox-worker-1: 2 sent, 0 to retry, 1 dead"
check "the refusal kept" test "$(sql "SELECT status || ' ' || attempts || ' ' || error FROM outbox WHERE id = 10")" = \
    'failed 1 HTTP 400: {"error":"invalid recipient"}'
expect_ok "another outage: three more" outage add --kind temporary --org ZJ-HZ \
    --from 2024-10-23T20:00 --to 2024-10-23T22:00 --reason 设备消缺
export PMIS_GATEWAY_SMS_URL="http://127.0.0.1:9/closed"
expect_ok "a gateway that refuses connections" outbox deliver --once
check "three to retry" out_is "outbox-worker-1: 0 sent, 3 to retry, 0 dead"
export PMIS_NOW=2024-10-22T09:00:01+08:00
expect_ok "the second and last attempt" outbox deliver --once
check "three dead" out_is "outbox-worker-1: 0 sent, 0 to retry, 3 dead"
check "gave up after two" test "$(sql "SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND error LIKE 'gave up after 2 attempts: %'")" = 3
expect_ok "the dead letters" outbox dead
check "four listed" test "$(wc -l <"$T/out")" = 4
check "with their errors" out_has "#10 .*outage_notice .*sms .*zh to $R1 after 1 attempts: HTTP 400"
expect_ok "as JSON" --json outbox dead --channel sms
check "four" test "$(jq length "$T/out")" = 4
digest=$(db_digest)
expect_fail "retry a sent message" 67 "outbox message 1 is sent, not a dead letter" outbox retry 1
expect_fail "retry an unknown message" 66 "no outbox message 999" outbox retry 999
expect_fail "retry needs an id or --all" 64 "give a message id or --all" outbox retry
expect_fail "an unknown channel" 65 "unknown channel 'fax'" outbox retry --all --channel fax
check "nothing changed" test "$(db_digest)" = "$digest"
expect_ok "requeue one" outbox retry 10
check "said so" out_is "1 message requeued"
expect_ok "requeue the rest" outbox retry --all --channel sms
check "three" out_is "3 messages requeued"
check "audited" test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'outbox.retry'")" = 2
sink again
export PMIS_GATEWAY_SMS_URL="http://127.0.0.1:$port/sms"
expect_ok "delivered after the requeue" outbox deliver --once
check "four sent" out_is "outbox-worker-1: 4 sent, 0 to retry, 0 dead"
check "with the keys they had" test "$(awk -F '\t' '{print $3}' "$T/again.log" | sort | tr '\n' ' ')" = \
    "$(sql "SELECT delivery_key FROM outbox WHERE id IN (10, 13, 14, 15) ORDER BY delivery_key" | tr '\n' ' ')"
check "nothing left" test "$(sql "SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")" = 0

# ---- two workers at once: each message sent once ----
unset PMIS_GATEWAY_SMS_MAX_ATTEMPTS
expect_ok "an outage in Ningbo: 40 notices" outage add --kind temporary --org ZJ-NB \
    --from 2024-10-22T20:00 --to 2024-10-22T22:00 --reason 变电站检修
sink pair --delay-ms 60
export PMIS_GATEWAY_SMS_URL="http://127.0.0.1:$port/sms"
"$PMIS" outbox deliver --once --batch 3 >"$T/w1.out" 2>"$T/w1.err" &
w1=$!
"$PMIS" outbox deliver --once --batch 3 >"$T/w2.out" 2>"$T/w2.err" &
w2=$!
wait $w1; r1=$?
wait $w2; r2=$?
check "both workers finished" test "$r1" = 0 -a "$r2" = 0
check "in two slots" test "$(cat "$T/w1.out" "$T/w2.out" | cut -d: -f1 | sort | tr '\n' ' ')" = "outbox-worker-1 outbox-worker-2 "
check "40 sent between them" test "$(cat "$T/w1.out" "$T/w2.out" | awk '{s += $2} END {print s}')" = 40
check "both took part" test "$(sql "SELECT COUNT(DISTINCT worker) FROM outbox_attempt WHERE outbox_id > 15")" = 2
check "the sink saw 40 requests, no duplicate" test "$(lines pair ok)" = 40 -a "$(wc -l <"$T/pair.log")" = 40
check "each message once" accepted_once pair
check "every message sent, one attempt each" test \
    "$(sql "SELECT COUNT(*) FROM outbox WHERE id > 15 AND status = 'sent' AND attempts = 1")" = 40

# ---- kill -9 mid-delivery: recovered by a live worker, posted again with the same key ----
expect_ok "restored in Ningbo: 40 messages" outage close 4 --note 检修完成
sink kill --script hang --hang-ms 15000
export PMIS_GATEWAY_SMS_URL="http://127.0.0.1:$port/sms" PMIS_GATEWAY_SMS_TIMEOUT_MS=60000
# a long-running worker for webhooks only holds slot 1 and recovers dead workers' claims
PMIS_GATEWAY_SMS_URL= PMIS_GATEWAY_WEBHOOK_URL="http://127.0.0.1:$port/hook" PMIS_GATEWAY_POLL_MS=100 \
    "$PMIS" outbox deliver >"$T/idle.out" 2>"$T/idle.err" &
idle=$!
workers="$idle"
i=0; while ! grep -q "outbox-worker-1 delivering" "$T/idle.err" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "the idle worker holds slot 1" grep -q "outbox-worker-1 delivering webhook" "$T/idle.err"
"$PMIS" outbox deliver --batch 20 >"$T/victim.out" 2>"$T/victim.err" &
victim=$!
workers="$workers $victim"
i=0; while [ "$(lines kill hang)" = 0 ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
check "the gateway got the first POST and hangs" test "$(lines kill hang)" = 1
check "the worker holds 20 claims" test "$(sql "SELECT COUNT(*) FROM outbox WHERE claimed_by = 'outbox-worker-2'")" = 20
kill -9 $victim
wait $victim 2>/dev/null
i=0; while [ "$(sql "SELECT COUNT(*) FROM outbox WHERE claimed_by IS NOT NULL")" != 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "the live worker requeued the dead one's claims" test "$(sql "SELECT COUNT(*) FROM outbox WHERE claimed_by IS NOT NULL")" = 0
check "and said so" grep -q "requeued 20 messages of outbox-worker-2, which stopped mid-delivery" "$T/idle.err"
hung=$(awk -F '\t' '$2 == "hang" {print $3}' "$T/kill.log")
hung_id=$(sql "SELECT id FROM outbox WHERE delivery_key = '$hung'")
expect_ok "restart: deliver the rest" outbox deliver --once
check "40 sent" out_is "outbox-worker-2: 40 sent, 0 to retry, 0 dead"
check "every message accepted exactly once by the gateway" accepted_once kill
check "40 accepted" test "$(($(lines kill ok) + $(lines kill hang)))" = 40
check "the hung message posted again with the same key, recognised" test \
    "$(awk -F '\t' '$2 == "dup" {print $3}' "$T/kill.log")" = "$hung"
expect_ok "its attempts" outbox show "$hung_id"
check "interrupted, then sent" out_has "attempt 1 .*outbox-worker-2  interrupted  interrupted: the worker died mid-delivery; posted again with the same key" &&
    check "then sent" out_has "attempt 2 .*sent  HTTP 200"
check "nothing lost" test "$(sql "SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")" = 0
kill -TERM $idle
wait $idle; ri=$?
check "the idle worker stops on SIGTERM" test "$ri" = 0
check "having requeued 20" grep -q "outbox-worker-1: 0 sent, 0 to retry, 0 dead, 20 requeued from a stopped worker" "$T/idle.out"

# ---- a gateway that does not answer in time: retried with the same key, accepted once ----
export PMIS_NOW=2024-10-24T09:00:00+08:00
expect_ok "an outage: three notices" outage add --kind temporary --org ZJ-HZ \
    --from 2024-10-24T20:00 --to 2024-10-24T22:00 --reason 树障清理
sink slow --script hang --hang-ms 3000
export PMIS_GATEWAY_SMS_URL="http://127.0.0.1:$port/sms" PMIS_GATEWAY_SMS_TIMEOUT_MS=300
expect_ok "the first POST times out" outbox deliver --once
check "one to retry" out_is "outbox-worker-1: 2 sent, 1 to retry, 0 dead"
slow=$(sql "SELECT id FROM outbox WHERE status = 'queued'")
check "the timeout recorded" test "$(sql "SELECT COUNT(*) FROM outbox_attempt WHERE outbox_id = $slow AND outcome = 'retry' AND http_status = 0 AND error LIKE '%timed out%'")" = 1
export PMIS_NOW=2024-10-24T09:00:01+08:00
expect_ok "retried a second later" outbox deliver --once
check "sent" out_is "outbox-worker-1: 1 sent, 0 to retry, 0 dead"
check "the gateway recognised the key" test "$(lines slow dup)" = 1 -a "$(lines slow hang)" = 1 -a "$(lines slow ok)" = 2
check "each accepted once" accepted_once slow

# ---- the API: the messages of the caller's subtree, a dead letter requeued ----
expect_ok "an outage: three notices" outage add --kind temporary --org ZJ-HZ \
    --from 2024-10-25T20:00 --to 2024-10-25T22:00 --reason 线路改造
dead=$(sql "SELECT id FROM outbox WHERE status = 'queued' AND recipient = '$R2'")
expect_ok "one made a dead letter by an outside sender" outbox mark-failed "$dead" --error 退订
pw=Mx7qWz3kPt
echo $pw | "$PMIS" user add u_hz --org ZJ-HZ --roles manager --password-stdin >/dev/null
echo $pw | "$PMIS" user add u_nb --org ZJ-NB --roles service_agent --password-stdin >/dev/null
serve_start
login u_hz $pw hz.jar
csrf_hz=$csrf
login u_nb $pw nb.jar
req GET "/api/v1/outbox?account=$R2&limit=3" -b "$T/hz.jar"
check "GET /outbox: John's messages, in English, a page of 3" test "$status" = 200 -a \
    "$(jq -r '[.items[] | .recipient + ":" + .lang + ":" + .status] | join(" ")' "$T/body")" = \
    "$R2:en:sent $R2:en:sent $R2:en:sent" -a "$(jq .next "$T/body")" = "$(jq '.items[2].id' "$T/body")"
req GET "/api/v1/outbox?status=failed" -b "$T/nb.jar"
check "a user of Ningbo sees no Hangzhou message" test "$status" = 200 -a "$(jq '.items | length' "$T/body")" = 0
req GET "/api/v1/outbox?status=gone" -b "$T/hz.jar"
check "a bad status is 400 naming it" test "$status" = 400 -a "$(jq -r .error.field "$T/body")" = status
req GET "/api/v1/outbox/$dead" -b "$T/hz.jar"
check "GET /outbox/{id}: the dead letter" test "$status" = 200 -a \
    "$(jq -r '.status + " " + .error + " " + .delivery_key' "$T/body")" = \
    "failed 退订 $(sql "SELECT delivery_key FROM outbox WHERE id = $dead")"
req GET "/api/v1/outbox/$dead" -b "$T/nb.jar"
check "another subtree's message is 404" test "$status" = 404
req GET "/api/v1/outbox/x1" -b "$T/hz.jar"
check "a bad id is 404" test "$status" = 404
req POST "/api/v1/outbox/$dead/retry" -b "$T/nb.jar" -H "$JSON" -H "X-CSRF-Token: $csrf" -d '{}'
check "requeuing needs collection:work" test "$status" = 403
req POST "/api/v1/outbox/$dead/retry" -b "$T/hz.jar" -H "$JSON" -H "X-CSRF-Token: $csrf_hz" -d '{}'
check "POST /outbox/{id}/retry: queued again" test "$status" = 200 -a \
    "$(jq -r '.status + " " + (.attempts | tostring)' "$T/body")" = "queued 0"
req POST "/api/v1/outbox/$dead/retry" -b "$T/hz.jar" -H "$JSON" -H "X-CSRF-Token: $csrf_hz" -d '{}'
check "not a dead letter any more: 409" test "$status" = 409 -a \
    "$(jq -r .error.message "$T/body")" = "outbox message $dead is queued, not a dead letter: only failed messages are requeued"
check "audited with the user" test "$(sql "SELECT actor FROM audit_log WHERE action = 'outbox.retry' ORDER BY id DESC LIMIT 1")" = u_hz
serve_stop

done_testing
