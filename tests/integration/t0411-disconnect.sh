#!/bin/sh
# pmis disconnect candidates|notice|approve|policy, pmis orders list|done|cancel: disconnection
# for arrears (欠费停电) after more than 30 days and a notice served 7 (residents) or 3 days
# before, two approvers for an important customer, cancellation when the arrears are paid
# before the crew goes, and a reconnection order due 24 hours after the payment (rules §6.2,
# §7), reported when late; illegal transitions refused.
. "$PMIS_TOP/tests/integration/lib.sh"

{ echo "$CUSTOMER_CSV_HEADER"; cat <<'END'; } >"$T/c.csv"
4200000001,赵一,resident,220V,active,0,杭州市1号,,,,ZJ,2020-01-01,
4200000002,某某医院,general_ci,10kV,active,1,杭州市2号,,,,ZJ,2020-01-01,
4200000003,某某餐馆,general_ci,380V,active,0,杭州市3号,,,,ZJ,2020-01-01,
4200000004,赵四,resident,220V,active,0,杭州市4号,,,,ZJ,2020-01-01,
4200000005,赵五,resident,220V,active,0,杭州市5号,,,,ZJ,2020-01-01,
END
flat_fixture 420000000 "postpaid postpaid postpaid postpaid prepaid" 4
cat >"$T/r.csv" <<'END'
meter,read_on,source,total
M1,2024-10-15,remote,0
M1,2024-11-15,remote,100
M2,2024-10-15,remote,0
M2,2024-11-15,remote,1000
M3,2024-10-15,remote,0
M3,2024-11-15,remote,500
M4,2024-10-15,remote,0
M4,2024-11-15,remote,50
END
R1=420000000101 C2=420000000201 C3=420000000301 R4=420000000401 P5=420000000501

setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        approvers bob carol && "$PMIS" user add kasa --all-orgs --roles cashier >/dev/null &&
        flat_import && bill_month 2024-11 2024-12-01T02:00:00Z 2024-12-20
}
setup || { not_ok "set up five accounts with November bills due 2024-12-20"; done_testing; exit 1; }
# state ACCOUNT: the account's candidate state in `disconnect candidates --json` output
state() { sed "s/.*\"account\":\"$1\"[^}]*\"state\":\"\([a-z_]*\)\".*/\1/" "$T/out"; }

# ---- 2025-01-15: 26 days overdue, not yet candidates ----
export PMIS_NOW=2025-01-15T02:00:00Z
expect_ok "candidates on 2025-01-15" --json disconnect candidates
check "none: not more than 30 days" out_is "[]"
expect_ok "serve R1 a notice" --json disconnect notice $R1
check "7 days for a resident: from 2025-01-22" out_is "{\"account\":\"$R1\",\"notice\":1,\"already\":false,\"served_on\":\"2025-01-15\",\"disconnect_from\":\"2025-01-22\",\"arrears\":\"100.00\",\"outbox\":1}"
expect_ok "the letter is in the outbox" --json outbox list --account $R1
check "naming the arrears and the date" out_has '欠费停电通知书\\n赵一（户号420000000101）：\\n截至2025-01-15，贵户尚欠电费100.00元（电费100.00元、违约金0.00元），最早一笔应于2024-12-20缴清，已逾期26天。请于2025-01-22前缴清全部欠费'
digest=$(db_digest)
expect_ok "serving it again" disconnect notice $R1
check "keeps the first notice" out_has "notice #1 was served on 2025-01-15 for these arrears: disconnection from 2025-01-22"
check "and writes nothing" test "$(db_digest)" = "$digest"
expect_ok "serve C3 a notice: 3 days for others" --json disconnect notice $C3
check "from 2025-01-18" out_has '"served_on":"2025-01-15","disconnect_from":"2025-01-18"'
expect_fail "approving C3 at 26 days" 67 "$C3 is not a disconnection candidate: its oldest overdue bill is 26 days past due on 2025-01-15, the policy needs more than 30" disconnect approve $C3 --approver bob
expect_ok "candidates as they will be on 2025-01-21" --json disconnect candidates --date 2025-01-21
check "R1 waiting" test "$(state $R1)" = waiting
check "C2 needs a notice" test "$(state $C2)" = needs_notice
check "C3 ready" test "$(state $C3)" = ready
check "four postpaid accounts, not the prepaid one" test "$(grep -o '"account"' "$T/out" | wc -l)" = 4
check "C2 marked important" out_has "\"account\":\"$C2\",\"customer\":\"某某医院\",\"user_type\":\"general_ci\",\"important\":true,\"org\":\"ZJ\",\"oldest_due\":\"2024-12-20\",\"days_overdue\":32,\"bills\":1,\"principal\":\"1000.00\",\"late_fee\":\"0.00\",\"notice_on\":null,\"ready_on\":null,\"state\":\"needs_notice\",\"order\":null"

# ---- 2025-01-21 ----
export PMIS_NOW=2025-01-21T02:00:00Z
expect_ok "approve C3" --json disconnect approve $C3 --approver bob
check "order #1" out_is "{\"account\":\"$C3\",\"order\":1}"
expect_fail "approve R1 a day early" 67 "the notice served on 2025-01-15 allows disconnecting account $R1 from 2025-01-22, not on 2025-01-21" disconnect approve $R1 --approver bob
expect_fail "approve C2 without a notice" 67 "$C2 was served no disconnection notice for these arrears" disconnect approve $C2 --approver bob
expect_ok "serve C2 and R4 notices" disconnect notice $C2
expect_ok "serve R4 a notice" disconnect notice $R4
expect_ok "candidates" --json disconnect candidates --ready
check "only C3, ordered, is not listed as ready" out_is "[]"
expect_ok "candidates" --json disconnect candidates
check "C3 ordered" out_has "\"account\":\"$C3\".*\"state\":\"ordered\",\"order\":1"

# ---- 2025-01-22: R1 approved, then pays before the crew goes; C3 disconnected ----
export PMIS_NOW=2025-01-22T02:00:00Z
expect_ok "approve R1" disconnect approve $R1 --approver bob
check "order #2" out_has "disconnection order #2 opened"
# 100.00 due 2024-12-20, 33 days at 1‰: 3.30
expect_ok "R1 pays 103.30" --json pay $R1 103.30
check "everything" out_has '"late_fee_accrued":"3.30".*"balance":"0.00"'
expect_ok "R1's orders" --json orders list --account $R1
check "#2 cancelled: arrears paid" out_has "^\[\{\"id\":2,\"account\":\"$R1\",\"kind\":\"disconnect\",\"status\":\"cancelled\",\"late\":false,\"arrears\":\"100.00\",\"approved_by\":\"bob\",\"second_approver\":null,\"opened_at\":\"2025-01-22T10:00:00\+08:00\",\"opened_by\":\"tester\",\"deadline\":null,\"closed_at\":\"2025-01-22T10:00:00\+08:00\",\"closed_by\":\"tester\",\"note\":\"arrears paid\",\"final_notice_at\":null,\"final_notice_channel\":null,\"final_notice_by\":null,\"final_notice_note\":null\}\]$"
expect_ok "R4 pays its 50.00 and fee" pay $R4 51.65
check "no order for R4" test "$(sql "SELECT COUNT(*) FROM collect_order WHERE account_id = (SELECT id FROM account WHERE account_no = '$R4')")" = 0
expect_fail "C3 is not residential: no disconnection without the final notice" 67 "account $C3 is not residential: send its final notice \(pmis disconnect final-notice 1\) at least 60 minutes before disconnecting" orders done 1
PMIS_NOW=2025-01-22T00:30:00Z expect_ok "the final notice at 08:30" --json disconnect final-notice 1
check "disconnection from 09:30" out_has '^\{"order":1,"disconnect_from":"2025-01-22T09:30:00\+08:00","outbox":[0-9]+,"channel":"sms","served_by":"tester"\}$'
expect_ok "an SMS" --json remind history $C3
check "停电提醒" out_has '"kind":"disconnect_final","channel":"sms",.*"body":"【停电提醒】某某餐馆（户号420000000301）：贵户欠费5[0-9.]+元逾期未缴，我公司将于2025-01-22 09:30起中止供电。'
PMIS_NOW=2025-01-22T01:29:00Z expect_fail "not at 09:29" 67 "the final notice to account $C3 went out at 2025-01-22 08:30: disconnect from 2025-01-22 09:30, not before" orders done 1
expect_ok "the crew disconnects C3" --json orders done 1 --note "已停电"
check "done" out_is '{"id":1,"kind":"disconnect","status":"done","late":false}'
expect_ok "candidates on 2025-01-22" --json disconnect candidates
check "C2 waiting, C3 gone (disconnected), R1 and R4 paid" test "$(grep -o '"account":"[0-9]*"' "$T/out")" = "\"account\":\"$C2\""
expect_fail "another notice to C3" 67 "account $C3 is disconnected \(order #1\)" disconnect notice $C3

# ---- 2025-01-24: the important customer needs two approvers ----
export PMIS_NOW=2025-01-24T02:00:00Z
expect_fail "C2 with one approver" 65 "$C2 is an important customer \(重要客户\): its disconnection needs a second approver" disconnect approve $C2 --approver bob
expect_fail "the same person twice" 65 "the second approver must be a third person, not 'bob'" disconnect approve $C2 --approver bob --second-approver bob
dg=$(db_digest)
expect_fail "a second approver without collection:approve" 77 "approver 'kasa' lacks the permission 'collection:approve'" disconnect approve $C2 --approver bob --second-approver kasa
expect_fail "a first approver who is not a user" 65 "approver 'nobody' is not a user" disconnect approve $C2 --approver nobody --second-approver carol
check "the refused approvals changed nothing" test "$(db_digest)" = "$dg"
expect_ok "C2 with two" disconnect approve $C2 --approver bob --second-approver carol
check "order #3" out_has "order #3 opened"
expect_ok "C2's messages" --json remind history $C2
check "its notice copied to the administrative department" out_has '"kind":"disconnect_copy","channel":"letter",.*"body":"电力管理部门：\\n我公司已向重要客户某某医院（户号420000000201）送达欠费停电通知书（2025-01-21）：欠费1,?0[0-9.]+元，最早一笔应于2024-12-20缴清。拟于2025-01-24后依据'
expect_ok "C3's, not important, has none" --json remind history $C3
check "no copy" eval "! out_has disconnect_copy"
expect_fail "approving it again" 67 "$C2 already has an open disconnection order \(order #3\)" disconnect approve $C2 --approver bob --second-approver carol
expect_ok "audited" audit list --action collect.disconnect.approve
check "with both approvers" out_has "order #3: 1,?[0-9.]+ yuan overdue 35 days, approved by bob and carol"
expect_ok "cancel it" orders cancel 3 --reason "客户申请缓交"

# ---- 2025-01-25 09:00: C3 pays in two parts; the second clears it: reconnect within 24 h ----
export PMIS_NOW=2025-01-25T01:00:00Z
# 500.00 due 2024-12-20: 11 days at 2‰ (2024) + 25 days at 3‰ (2025) = 11.00 + 37.50
expect_ok "C3 pays 100.00" --json pay $C3 100
check "fee 48.50 first" out_has '"late_fee_accrued":"48.50","to_late_fees":"48.50","to_principal":"51.50"'
check "still owes: no reconnection" test "$(sql "SELECT COUNT(*) FROM collect_order WHERE kind = 'reconnect'")" = 0
expect_ok "C3 pays the rest" pay $C3 448.50 --channel wechat --ref WX-1
expect_ok "the reconnection order" --json orders list --kind reconnect
check "#4 due 24 hours after the payment" out_is "[{\"id\":4,\"account\":\"$C3\",\"kind\":\"reconnect\",\"status\":\"open\",\"late\":false,\"arrears\":\"0.00\",\"approved_by\":null,\"second_approver\":null,\"opened_at\":\"2025-01-25T09:00:00+08:00\",\"opened_by\":\"tester\",\"deadline\":\"2025-01-26T09:00:00+08:00\",\"closed_at\":null,\"closed_by\":null,\"note\":\"arrears paid\",\"final_notice_at\":null,\"final_notice_channel\":null,\"final_notice_by\":null,\"final_notice_note\":null}]"
expect_ok "an SMS tells the customer" --json remind history $C3
check "复电通知" out_has '"kind":"reconnect","channel":"sms","recipient":"420000000301",.*"body":"【复电通知】户号420000000301的欠费已于2025-01-25缴清，我公司将在24小时内为您恢复供电。"'
expect_ok "audited" audit list --action collect.reconnect.open
check "once" test "$(grep -c 'reconnect within 24 h' "$T/out")" = 1
expect_ok "a further payment" pay $C3 10
check "opens no second order" test "$(sql "SELECT COUNT(*) FROM collect_order WHERE kind = 'reconnect'")" = 1

# ---- late ----
export PMIS_NOW=2025-01-25T12:00:00Z
expect_ok "nothing late at 20:00" --json orders list --late
check "empty" out_is "[]"
export PMIS_NOW=2025-01-26T02:00:00Z
expect_ok "late at 10:00 next day" orders list --late
check "#4 LATE" out_has "^#4  $C3  reconnect  open      LATE opened 2025-01-25T09:00:00\+08:00  due 2025-01-26T09:00:00\+08:00"
expect_ok "reconnected an hour late" --json orders done 4
check "done, late" out_is '{"id":4,"kind":"reconnect","status":"done","late":true}'
expect_ok "late ones" --json orders list --late
check "still #4" out_has '^\[\{"id":4,.*"status":"done","late":true'
expect_ok "disconnections" --json orders list --kind disconnect
check "#1 done, #2 and #3 cancelled" test "$(grep -o '"status":"[a-z]*"' "$T/out" | tr '\n' ' ')" = '"status":"done" "status":"cancelled" "status":"cancelled" '

# ---- policies are versioned data ----
expect_ok "policy list" --json disconnect policy
check "the seeded one" out_has '^\[\{"from":"1996-10-08","overdue_days":30,"notice_days_resident":7,"notice_days_other":3,"reconnect_hours":24,"important_approvals":2,'
expect_ok "a new version: 12 hours" disconnect policy add --from 2025-02-01 --reconnect-hours 12 --source "南方电网服务承诺"
check "two versions" test "$(grep -c '^from' "$T/out")" = 2

# ---- credit rating: a disconnection costs 15 points; no bills, no top grade ----
export PMIS_NOW=2025-02-01T02:00:00Z
expect_ok "rate January" credit rate --period 2025-01
check "one B (the prepaid account without bills), the rest D" out_has "^credit rating 2025-01: 5 accounts, A 0, B 1, C 0, D 4$"
expect_ok "C3's rating" --json credit show $C3
check "late 36 days and disconnected once" out_has '"score":33,"grade":"D",.*"disconnections":1,"reasons":"按期缴费 0/1 笔：-40；平均逾期 36 天：-12；欠费停电 1 次：-15"'
expect_ok "P5's" --json credit show $P5
check "80, B" out_has '"score":80,"grade":"B",.*"reasons":"无到期账单，新户起评：-20"'
expect_ok "rating it again replaces it" credit rate --period 2025-01
check "one rating per account and month" test "$(sql "SELECT COUNT(*) FROM credit_rating")" = 5
export PMIS_NOW=2025-01-26T02:00:00Z

# ---- bad input and illegal transitions change nothing ----
digest=$(db_digest)
expect_fail "done twice" 67 "order #4 \(reconnect\) is done: only an open order can be done" orders done 4
expect_fail "cancel a done order" 67 "order #1 \(disconnect\) is done: only an open order can be cancelled" orders cancel 1 --reason x
expect_fail "cancel a cancelled one" 67 "is cancelled" orders cancel 3 --reason x
expect_fail "cancel without a reason" 64 "--reason is required" orders cancel 3
expect_fail "an unknown order" 66 "no collection order #99" orders done 99
expect_fail "a bad order id" 65 "'x' is not an order id" orders done x
expect_fail "notice to an unknown account" 66 "unknown account '429999999999'" disconnect notice 429999999999
expect_fail "notice to an account that owes nothing overdue" 67 "$R1 owes no overdue bill on 2025-01-26" disconnect notice $R1
expect_fail "notice to a prepaid account" 67 "$P5 is prepaid" disconnect notice $P5
expect_fail "approve without an approver" 65 "needs an approver" disconnect approve $C2
expect_fail "approve by oneself" 65 "someone else than tester" disconnect approve $C2 --approver tester
expect_fail "a policy before the latest" 67 "after the latest one \(2025-02-01\)" disconnect policy add --from 2025-01-01 --source x
expect_fail "a policy without its source" 65 "needs its source" disconnect policy add --from 2025-03-01
expect_fail "a policy with 0 hours" 65 "1 to 720 hours, not 0" disconnect policy add --from 2025-03-01 --reconnect-hours 0 --source x
expect_fail "three approvers" 65 "1 or 2 approvers, not 3" disconnect policy add --from 2025-03-01 --important-approvals 3 --source x
expect_fail "a bad date" 65 "invalid date" disconnect candidates --date 2025-13-01
expect_fail "a bad status" 65 "status is open, done or cancelled, not 'x'" orders list --status x
expect_fail "a bad kind" 65 "kind is disconnect or reconnect, not 'x'" orders list --kind x
expect_fail "an unknown account's orders: named, not an empty list" 66 "unknown account '000'" \
    orders list --account 000
expect_fail "a final notice for a reconnection" 67 "collection order #4 is a reconnect order, done: a final notice goes before an open disconnection" disconnect final-notice 4
expect_fail "for a done disconnection" 67 "order #1 is a disconnect order, done" disconnect final-notice 1
expect_fail "for an unknown order" 66 "no collection order #99" disconnect final-notice 99
expect_fail "a final notice 2000 minutes before" 65 "0 to 1440 minutes before, not 2000" disconnect policy add --from 2025-03-01 --final-notice-minutes 2000 --source x
expect_fail "an empty regulator" 65 "the regulator to copy notices to is empty" disconnect policy add --from 2025-03-01 --regulator "" --source x
check "nothing changed" test "$(db_digest)" = "$digest"

# ---- a reversal brings the arrears back: the reconnection waits, the candidates list returns ----
rcpt() { printf 'SK%010d' "$(sql "SELECT MAX(p.id) FROM payment p JOIN account a ON a.id = p.account_id WHERE a.account_no = '$1'")"; }
expect_ok "C2 approved again" disconnect approve $C2 --approver bob --second-approver carol
check "order #5" out_has "order #5 opened"
expect_ok "its final notice" disconnect final-notice 5
PMIS_NOW=2025-01-26T03:00:00Z expect_ok "and disconnected an hour later" orders done 5
expect_ok "C2 pays everything and more" pay $C2 2000 --channel bank --ref B-C2
expect_ok "a reconnection order" --json orders list --account $C2 --status open
check "#6 open" out_has '^\[\{"id":6,.*"kind":"reconnect","status":"open"'
expect_ok "the bank's payment reversed" payment reverse "$(rcpt $C2)" --reason 银行退票 --approver bob
expect_ok "C2's orders" --json orders list --account $C2
check "#6 cancelled with the receipt named" out_has "\"id\":6,.*\"status\":\"cancelled\",.*\"note\":\"payment $(rcpt $C2) reversed: arrears again\""
expect_ok "audited" audit list --action collect.reconnect.cancel
check "once" test "$(grep -c "#6 reconnect cancelled on 2025-01-26" "$T/out")" = 1
expect_fail "still disconnected" 67 "account $C2 is disconnected \(order #5\)" disconnect notice $C2
expect_ok "paid again" pay $C2 2000 --channel bank --ref B-C2-2
expect_ok "a new reconnection order" --json orders list --account $C2 --status open
check "#7" out_has '^\[\{"id":7,.*"kind":"reconnect","status":"open"'
expect_ok "R1's payment reversed" payment reverse "$(rcpt $R1)" --reason 假币 --approver bob
expect_ok "candidates" --json disconnect candidates
check "R1 is ready again on its first notice" out_has "\"account\":\"$R1\",.*\"notice_on\":\"2025-01-15\",.*\"state\":\"ready\""
check "its cancelled order stays cancelled" test "$(sql "SELECT status FROM collect_order WHERE id = 2")" = cancelled
expect_ok "the ledger verifies" ledger verify
expect_ok "and the audit chain" audit verify

done_testing
