#!/bin/sh
# pmis prepaid check|threshold: prepaid (费控) accounts — credit on the ledger, the daily
# charge estimated from the last bills, low-balance warnings at the thresholds (once per
# top-up, the most urgent one reached), a remote disconnection order at zero credit, and the
# reconnection order (24 h) when a top-up leaves credit.
. "$PMIS_TOP/tests/integration/lib.sh"

{ echo "$CUSTOMER_CSV_HEADER"; cat <<'END'; } >"$T/c.csv"
4300000001,孙一,resident,220V,active,0,杭州市1号,,,,ZJ,2020-01-01,
4300000002,孙二,resident,220V,active,0,杭州市2号,,,,ZJ,2020-01-01,
4300000003,某某小店,general_ci,380V,active,0,杭州市3号,,,,ZJ,2020-01-01,
4300000004,孙四,resident,220V,active,0,杭州市4号,,,,ZJ,2020-01-01,
4300000005,孙五,resident,220V,active,0,杭州市5号,,,,ZJ,2020-01-01,
END
flat_fixture 430000000 "prepaid prepaid prepaid prepaid prepaid" 4
# October and November kWh: P1 100 each, P2 45, P3 60, P4 50; P5 has no meter
cat >"$T/r.csv" <<'END'
meter,read_on,source,total
M1,2024-10-15,remote,100
M1,2024-11-15,remote,200
M2,2024-10-15,remote,45
M2,2024-11-15,remote,90
M3,2024-10-15,remote,60
M3,2024-11-15,remote,120
M4,2024-10-15,remote,50
M4,2024-11-15,remote,100
END
P1=430000000101 P2=430000000201 P3=430000000301 P4=430000000401 P5=430000000501

setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        flat_import &&
        PMIS_NOW=2024-10-01T02:00:00Z "$PMIS" pay $P1 300 >/dev/null &&
        PMIS_NOW=2024-10-01T02:00:00Z "$PMIS" pay $P2 100 >/dev/null &&
        PMIS_NOW=2024-10-01T02:00:00Z "$PMIS" pay $P3 50 >/dev/null &&
        PMIS_NOW=2024-10-01T02:00:00Z "$PMIS" pay $P4 102 >/dev/null &&
        bill_month 2024-10 2024-11-01T02:00:00Z 2024-11-20 &&
        bill_month 2024-11 2024-12-01T02:00:00Z 2024-12-20
}
setup || { not_ok "set up prepaid accounts with top-ups and two months of bills"; done_testing; exit 1; }
row() { grep -o "{\"account\":\"$1\"[^}]*}" "$T/out"; }

# the credit paid the bills as they were issued: P1 300 − 200, P2 100 − 90, P3 50 − 120, P4 102 − 100
export PMIS_NOW=2024-12-02T02:00:00Z
expect_ok "the daily check" --json prepaid check
# daily estimate: the two bills over 31 + 30 days; days left = credit / daily
check "P1: 100.00 at 3.28 a day, 30 days: nothing" test "$(row $P1)" = "{\"account\":\"$P1\",\"customer\":\"孙一\",\"credit\":\"100.00\",\"daily_estimate\":\"3.28\",\"days_left\":30,\"action\":\"ok\",\"threshold\":null,\"order\":null}"
check "P2: 10.00 at 1.48, 6 days: the 7-day warning" test "$(row $P2)" = "{\"account\":\"$P2\",\"customer\":\"孙二\",\"credit\":\"10.00\",\"daily_estimate\":\"1.48\",\"days_left\":6,\"action\":\"warned\",\"threshold\":7,\"order\":null}"
check "P3 owes 70.00: remote disconnection order #1" test "$(row $P3)" = "{\"account\":\"$P3\",\"customer\":\"某某小店\",\"credit\":\"-70.00\",\"daily_estimate\":\"1.97\",\"days_left\":0,\"action\":\"disconnect\",\"threshold\":null,\"order\":1}"
check "P4: 2.00 at 1.64, 1 day: straight to the 3-day warning" test "$(row $P4)" = "{\"account\":\"$P4\",\"customer\":\"孙四\",\"credit\":\"2.00\",\"daily_estimate\":\"1.64\",\"days_left\":1,\"action\":\"warned\",\"threshold\":3,\"order\":null}"
check "P5, never billed nor topped up: left alone" out_has "\"account\":\"$P5\",\"customer\":\"孙五\",\"credit\":\"0.00\",\"daily_estimate\":\"0.00\",\"days_left\":null,\"action\":\"no_estimate\""
expect_ok "the warning text" --json outbox list --account $P2
check "credit and days" out_has '"kind":"low_balance","channel":"sms","recipient":"430000000201",.*"body":"【余额提醒】尊敬的客户，您的户号430000000201电费余额10.00元，按近期用电约可用6天，请及时充值，余额不足将远程停电。"'
expect_ok "P3 is told" --json outbox list --account $P3
check "of the disconnection" out_has '"kind":"prepaid_off",.*余额已用尽（欠70.00元），将远程中止供电'
expect_ok "the order" --json orders list --account $P3
check "approved by policy, no notice" out_has '"kind":"disconnect","status":"open","late":false,"arrears":"70.00","approved_by":"policy",.*"note":"prepaid balance exhausted"'

expect_ok "the check again" prepaid check
check "warns no one twice, opens nothing" out_has "^5 prepaid accounts: 0 warned, 0 disconnection orders$"
check "P2 low, warned before" out_has "^$P2 .* low \(7-day threshold\)"
check "P3 ordered" out_has "^$P3 .* ordered order #1"
check "only the audit row is new" test "$(sql "SELECT COUNT(*) FROM outbox")" = 3

# a top-up re-arms the thresholds
export PMIS_NOW=2024-12-02T03:00:00Z
expect_ok "P4 tops up 0.50" pay $P4 0.50
expect_ok "check" --json prepaid check
check "P4 warned again at 3 days" test "$(row $P4)" = "{\"account\":\"$P4\",\"customer\":\"孙四\",\"credit\":\"2.50\",\"daily_estimate\":\"1.64\",\"days_left\":1,\"action\":\"warned\",\"threshold\":3,\"order\":null}"

# remote disconnection done, then a top-up reconnects within 24 hours
expect_ok "the remote switch opened" orders done 1 --note 远程拉闸
expect_ok "check" --json prepaid check
check "P3 is off" out_has "\"account\":\"$P3\",[^}]*\"action\":\"off\""
export PMIS_NOW=2024-12-03T02:00:00Z
# Oct's 10.00 left, 13 days at 2‰ = 0.26 → 1.00; Nov 60.00 not yet due: 29.00 credit left
expect_ok "P3 tops up 100.00" --json pay $P3 100
check "pays the fee, both bills, 29.00 credit" out_has '"late_fee_accrued":"1.00","to_late_fees":"1.00","to_principal":"70.00","credit":"29.00","balance":"-29.00"'
expect_ok "the reconnection order" --json orders list --kind reconnect
check "#2 due in 24 hours" out_is "[{\"id\":2,\"account\":\"$P3\",\"kind\":\"reconnect\",\"status\":\"open\",\"late\":false,\"arrears\":\"0.00\",\"approved_by\":null,\"second_approver\":null,\"opened_at\":\"2024-12-03T10:00:00+08:00\",\"opened_by\":\"tester\",\"deadline\":\"2024-12-04T10:00:00+08:00\",\"closed_at\":null,\"closed_by\":null,\"note\":\"topped up\",\"final_notice_at\":null,\"final_notice_channel\":null,\"final_notice_by\":null,\"final_notice_note\":null}]"

# thresholds are data
expect_ok "thresholds" --json prepaid threshold
check "7 and 3 days by SMS" out_is '[{"days_left":3,"channel":"sms"},{"days_left":7,"channel":"sms"}]'
expect_ok "a 30-day WeChat warning" prepaid threshold set 30 wechat
expect_ok "check" --json prepaid check
check "P1 (30 days) gets it" out_has "\"account\":\"$P1\",[^}]*\"days_left\":30,\"action\":\"warned\",\"threshold\":30"
check "by WeChat" test "$(sql "SELECT channel FROM outbox WHERE kind = 'low_balance' AND recipient = '$P1'")" = wechat
expect_ok "remove it" prepaid threshold remove 30
expect_ok "audited" audit list --action collect.threshold.set
check "once" out_has "30 days of credit left: wechat"

digest=$(db_digest)
expect_fail "a check ahead of today" 65 "cannot be checked ahead, for 2024-12-04 \(today is 2024-12-03\)" prepaid check --date 2024-12-04
expect_fail "a bad date" 65 "invalid date" prepaid check --date 2024-12-32
expect_fail "a threshold of 0 days" 65 "'0' is not a number of days" prepaid threshold set 0 sms
expect_fail "a threshold by fax" 65 "unknown channel 'fax'" prepaid threshold set 5 fax
expect_fail "removing one that is not there" 66 "no warning threshold at 99 days" prepaid threshold remove 99
expect_fail "a bad verb" 64 "prepaid threshold list, set DAYS CHANNEL or remove DAYS" prepaid threshold drop 3
check "nothing changed" test "$(db_digest)" = "$digest"
expect_ok "the ledger verifies" ledger verify

done_testing
