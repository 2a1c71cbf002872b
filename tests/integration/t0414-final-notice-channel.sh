#!/bin/sh
# pmis disconnect final-notice --channel sms|phone|visit --by NAME --note TEXT: the final notice
# before a non-residential disconnection (rules §6.2) served by SMS (the default, queued in the
# outbox), by a phone call or on site; the order records the channel, who served it and the
# note; the crew may not report the disconnection done before the policy's 60 minutes have
# passed, whatever the channel; bad input changes nothing.
. "$PMIS_TOP/tests/integration/lib.sh"

{ echo "$CUSTOMER_CSV_HEADER"; cat <<'END'; } >"$T/c.csv"
4200000001,某某餐馆,general_ci,380V,active,0,杭州市3号,,,,ZJ,2020-01-01,
4200000002,某某商店,general_ci,380V,active,0,杭州市6号,,,,ZJ,2020-01-01,
END
flat_fixture 420000000 "postpaid postpaid" 2
cat >"$T/r.csv" <<'END'
meter,read_on,source,total
M1,2024-10-15,remote,0
M1,2024-11-15,remote,500
M2,2024-10-15,remote,0
M2,2024-11-15,remote,300
END
setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        approvers bob &&
        flat_import && bill_month 2024-11 2024-12-01T02:00:00Z 2024-12-20
}
setup || { not_ok "set up two accounts with November bills due 2024-12-20"; done_testing; exit 1; }
A=$(sql "SELECT account_no FROM account ORDER BY account_no LIMIT 1")
B=$(sql "SELECT account_no FROM account ORDER BY account_no LIMIT 1 OFFSET 1")
outbox() { sql "SELECT COUNT(*) FROM outbox"; }

export PMIS_NOW=2025-01-15T02:00:00Z
expect_ok "serve A a notice" disconnect notice $A
expect_ok "serve B a notice" disconnect notice $B
export PMIS_NOW=2025-01-21T02:00:00Z
expect_ok "approve A" disconnect approve $A --approver bob
expect_ok "approve B" disconnect approve $B --approver bob
check "orders #1 and #2" test "$(sql "SELECT COUNT(*) FROM collect_order WHERE kind = 'disconnect' AND status = 'open'")" = 2

# ---- bad input: nothing recorded, nothing queued ----
digest=$(db_digest)
expect_fail "an unknown channel" 65 "unknown final notice channel 'fax' \(sms, phone or visit\)" disconnect final-notice 1 --channel fax
expect_fail "a phone call without a note" 65 "a final notice by phone or visit needs a note" disconnect final-notice 1 --channel phone
expect_fail "a visit with an empty note" 65 "a final notice by phone or visit needs a note" disconnect final-notice 1 --channel visit --note ""
expect_fail "an empty server name" 65 "the person who served the final notice needs a name" disconnect final-notice 1 --channel phone --by "" --note x
long=$(printf '%0501d' 0)
expect_fail "a note over 500 bytes" 65 "the final notice's note is longer than 500 bytes" disconnect final-notice 1 --channel phone --note "$long"
expect_fail "an unknown order" 66 "no collection order #99" disconnect final-notice 99 --channel phone --note x
check "nothing written" test "$(db_digest)" = "$digest"

# ---- a phone call: no SMS, the 60 minutes all the same ----
before=$(outbox)
PMIS_NOW=2025-01-22T00:30:00Z expect_ok "A told by phone at 08:30" --json disconnect final-notice 1 --channel phone --by 王五 --note "电话告知财务李女士，称今日无法缴清"
check "disconnection from 09:30, nothing queued" out_is '{"order":1,"disconnect_from":"2025-01-22T09:30:00+08:00","outbox":null,"channel":"phone","served_by":"王五"}'
check "no SMS in the outbox" test "$(outbox)" = "$before"
check "the order records the call" test "$(sql "SELECT final_notice_channel || '|' || final_notice_by || '|' || final_notice_note FROM collect_order WHERE id = 1")" = "phone|王五|电话告知财务李女士，称今日无法缴清"
expect_ok "the audit trail" --json audit list --action collect.disconnect.final
check "names the channel, the server and the note" out_has 'order #1: final notice by phone, served by 王五, disconnection from 2025-01-22 09:30: 电话告知财务李女士'
PMIS_NOW=2025-01-22T01:29:00Z expect_fail "not at 09:29" 67 "the final notice to account $A went out at 2025-01-22 08:30: disconnect from 2025-01-22 09:30, not before" orders done 1
PMIS_NOW=2025-01-22T01:30:00Z expect_ok "the crew disconnects A at 09:30" orders done 1 --note 已停电

# ---- a visit, then an SMS later: the wait starts again, the SMS replaces the visit ----
PMIS_NOW=2025-01-22T02:00:00Z expect_ok "B visited at 10:00 by the acting user" --json disconnect final-notice 2 --channel visit --note "上门送达，店主签收"
check "served by the acting user" out_has '"outbox":null,"channel":"visit","served_by":"tester"'
expect_ok "orders list shows the visit" orders list --kind disconnect --status open
check "final notice by visit (tester)" out_has "^#2 .*final notice by visit \(tester\)$"
PMIS_NOW=2025-01-22T02:40:00Z expect_ok "an SMS at 10:40" --json disconnect final-notice 2
check "queued, the default channel" out_has '"disconnect_from":"2025-01-22T11:40:00\+08:00","outbox":[0-9]+,"channel":"sms","served_by":"tester"\}$'
check "one SMS in the outbox" test "$(outbox)" = "$((before + 1))"
check "the order now records the SMS, no note" test "$(sql "SELECT final_notice_channel || '|' || final_notice_by || '|' || COALESCE(final_notice_note, '-') FROM collect_order WHERE id = 2")" = "sms|tester|-"
PMIS_NOW=2025-01-22T03:30:00Z expect_fail "not at 11:30 (60 minutes after the visit, 50 after the SMS)" 67 "went out at 2025-01-22 10:40: disconnect from 2025-01-22 11:40, not before" orders done 2
expect_ok "orders list --json" --json orders list --kind disconnect
check "the order's fields" out_has '"id":2,.*"final_notice_at":"2025-01-22T10:40:00\+08:00","final_notice_channel":"sms","final_notice_by":"tester","final_notice_note":null\}'
done_testing
