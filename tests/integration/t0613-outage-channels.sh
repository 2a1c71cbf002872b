#!/bin/sh
# Outage notices on every channel of a customer (issue 6 §4, §7; migration 0023): `pmis outbox
# channels` sets the channels of an account's notices (bad lists refused, nothing changed);
# publishing a temporary or fault outage and closing it queue one message per channel the
# account has (SMS, WeChat, email, webhook) in the account's language, from the templates of
# each channel in zh and en; an account with only letters (no outage template) still gets the
# SMS; the worker delivers the WeChat and email messages to their gateways (a local HTTP sink)
# once each while the SMS and webhooks wait for theirs.
. "$PMIS_TOP/tests/integration/lib.sh"

export PMIS_NOW=2024-06-01T09:00:00+08:00
cust() { "$PMIS" customer add --cust-no "$1" --name "$2" --type resident --voltage 220V --address "$3" --org ZJ-HZ --phone "$4" >/dev/null; }
acct() { "$PMIS" account add "$1" --tariff RES-1 --cycle-day 5 >/dev/null; }
"$PMIS" init >/dev/null 2>&1 &&
    load_tariffs RES-1 &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add ZJ-HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    cust 6300000001 王一 文三路1号 13800000001 && acct 6300000001 &&
    cust 6300000002 Alice 文三路2号 13800000002 && acct 6300000002 &&
    cust 6300000003 王三 文三路3号 13800000003 && acct 6300000003 ||
    { not_ok "set up an org, customers and accounts"; done_testing; exit 1; }
A1=630000000101 A2=630000000201 A3=630000000301

# ---- the channels of an account ----
digest=$(db_digest)
expect_fail "an unknown channel" 65 "unknown channel 'fax'" outbox channels $A1 sms,fax
expect_fail "a channel twice" 65 "channel 'sms' is listed twice" outbox channels $A1 sms,wechat,sms
expect_fail "an empty entry" 65 "unknown channel ''" outbox channels $A1 sms,,wechat
expect_fail "an unknown account" 66 "699999999901" outbox channels 699999999901 sms
check "refusals change nothing" test "$(db_digest)" = "$digest"
expect_ok "王一: WeChat and email beside SMS" outbox channels $A1 email,sms,wechat
check "said so" out_is "account $A1: notices on email,sms,wechat"
pref() { sql "SELECT channels || ' ' || lang FROM message_pref p JOIN account a ON a.id = p.account_id WHERE a.account_no = '$1'"; }
check "stored in the channels' order" test "$(pref $A1)" = "sms,wechat,email zh"
expect_ok "Alice reads English" outbox lang $A2 en
expect_ok "Alice: WeChat, email and a webhook, no SMS" outbox channels $A2 wechat,email,webhook
check "her language is kept" test "$(pref $A2)" = "wechat,email,webhook en"
expect_ok "王三: letters only" outbox channels $A3 letter
check "audited" test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'outbox.channels'")" = 3

# ---- the address of an account's email notices (0025): personal data, stored encrypted ----
digest=$(db_digest)
expect_fail "an address without '@'" 65 "invalid email address 'wa\*+om': it needs exactly one '@'" \
    outbox email $A1 wang.yi.example.com
expect_fail "a domain without a top-level name" 65 "needs a top-level name" outbox email $A1 wang@example
expect_fail "an unknown account" 66 "699999999901" outbox email 699999999901 a@example.com
check "refusals change nothing" test "$(db_digest)" = "$digest"
expect_ok "王一's address, as typed" outbox email $A1 " Wang.Yi@Example.COM "
check "said so, masked" out_is "account $A1: email notices to w***@example.com"
check "stored encrypted with a blind index, never in clear" \
    test "$(sql "SELECT COUNT(*) FROM message_pref WHERE email_enc IS NOT NULL AND email_bidx IS NOT NULL")-$(sqlite3 "${PMIS_TEST_DB#sqlite:}" .dump 2>/dev/null | grep -ci 'wang.yi@')" = "1-0"
check "audited without the address" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action = 'outbox.email' AND entity_key = '$A1' AND detail = 'set' AND after_digest IS NOT NULL")" = 1
expect_ok "Alice's address, then removed" outbox email $A2 alice@example.org
expect_ok "removed" outbox email $A2 ""
check "said so" out_is "account $A2: email notices to (none)"
check "only 王一 has an address" test "$(sql "SELECT COUNT(*) FROM message_pref WHERE email_enc IS NOT NULL")" = 1

# ---- a temporary outage of the org ----
export PMIS_NOW=2024-07-01T10:00:00+08:00
expect_ok "a temporary outage" --json outage add --kind temporary --org ZJ-HZ \
    --from 2024-07-01T20:00 --to 2024-07-01T23:00 --reason 紧急消缺
check "three customers notified" test "$(jq -r '"\(.affected) \(.notified)"' "$T/out")" = "3 3"
msgs() { sql "SELECT recipient || ' ' || channel || ' ' || lang FROM outbox WHERE kind = '$1' ORDER BY recipient, id" | tr '\n' ','; }
all="$A1 sms zh,$A1 wechat zh,$A1 email zh,$A2 wechat en,$A2 email en,$A2 webhook en,$A3 sms zh,"
check "one message per channel of each account, in its language; letters-only gets the SMS" \
    test "$(msgs outage_notice)" = "$all"
body() { sql "SELECT body FROM outbox WHERE kind = '$1' AND recipient = '$2' AND channel = '$3'"; }
check "the WeChat text in Chinese" test "$(body outage_notice $A1 wechat)" = \
    "停电通知：尊敬的客户王一（户号$A1），因紧急消缺，我公司将于2024-07-01 20:00至2024-07-01 23:00对您所在区域临时停电，请提前做好准备。给您带来不便，敬请谅解。"
check "the WeChat text in English" test "$(body outage_notice $A2 wechat)" = \
    "Outage notice: dear Alice (account $A2), because of 紧急消缺, your area will have a temporary outage from 2024-07-01 20:00 to 2024-07-01 23:00. Please prepare in advance; we apologise for the inconvenience."
check "the outage records a message for each customer" \
    test "$(sql "SELECT COUNT(*) FROM outage_customer WHERE outage_id = 1 AND outbox_id IS NOT NULL")" = 3

export PMIS_NOW=2024-07-02T00:10:00+08:00
expect_ok "close it" outage close 1 --note 消缺完成
check "restoration notices on the same channels" test "$(msgs outage_restored)" = "$all"
check "the English email" test "$(body outage_restored $A2 email)" = "Supply restored
Dear Alice (account $A2):
Supply in your area was restored at 2024-07-02 00:10 after the temporary outage. Thank you for your patience."

# ---- a fault outage ----
export PMIS_NOW=2024-07-05T14:10:00+08:00
expect_ok "a fault outage" outage add --kind fault --org ZJ-HZ --from 2024-07-05T14:00 --reason 树障跳闸
check "fault notices on every channel" test "$(msgs outage_fault)" = "$all"
check "the Chinese email" test "$(body outage_fault $A1 email)" = "故障停电通知
尊敬的客户王一（户号$A1）：
您所在区域因树障跳闸于2024-07-05 14:00起停电，抢修人员正在处理，预计待定恢复供电。给您带来不便，敬请谅解。"
check "the English webhook" test "$(body outage_fault $A2 webhook)" = \
    "fault outage: account $A2, since 2024-07-05 14:00, expected back by to be announced, reason 树障跳闸"
check "outage templates: 3 kinds x 4 channels (not letters) x 2 languages" \
    test "$(sql "SELECT COUNT(*) FROM message_template WHERE kind IN ('outage_notice', 'outage_fault', 'outage_restored') AND channel <> 'letter'")" = 24

# ---- delivery of the WeChat and email messages to their gateways ----
SINK="$(dirname "$PMIS")/tools/http_sink"
"$SINK" --port-file "$T/sink.port" --log "$T/sink.log" &
sink_pid=$!
trap 'kill -9 $sink_pid 2>/dev/null' EXIT
i=0
while [ ! -s "$T/sink.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
port=$(cat "$T/sink.port")
export PMIS_GATEWAY_WECHAT_URL="http://127.0.0.1:$port/wechat"
export PMIS_GATEWAY_EMAIL_URL="http://127.0.0.1:$port/email"
expect_ok "deliver the WeChat and email messages" outbox deliver --once
check "9 sent; Alice's 3 emails (no address) dead" out_is "outbox-worker-1: 9 sent, 0 to retry, 3 dead"
check "each accepted by the gateway once" \
    test "$(awk -F '\t' '$2 == "ok" {print $3}' "$T/sink.log" | sort -u | wc -l | tr -d ' ') $(wc -l <"$T/sink.log" | tr -d ' ')" = "9 9"
check "王一's emails reached the gateway with his address, normalised" \
    test "$(grep -c "\"channel\":\"email\",\"lang\":\"zh\",\"account\":\"$A1\".*\"to\":\"wang.yi@example.com\"" "$T/sink.log")" = 3
check "Alice's say why" \
    test "$(sql "SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND recipient = '$A2' AND status = 'failed' AND error LIKE '%has no email address%'")" = 3
check "the English WeChat notice reached the gateway with Alice's phone" grep -q \
    "\"kind\":\"outage_notice\",\"channel\":\"wechat\",\"lang\":\"en\",\"account\":\"$A2\".*\"to\":\"13800000002\"" "$T/sink.log"
check "SMS and webhooks wait for their gateways" \
    test "$(sql "SELECT COUNT(*) FROM outbox WHERE channel IN ('sms', 'webhook') AND status = 'queued'")" = 9
kill -9 $sink_pid 2>/dev/null

done_testing
