#!/bin/sh
# pmis arrears aging|list|rate: arrears by days past due (0-30, 31-60, 61-90, >90), by org
# subtree and user type, as the ledger stood at the end of a day; the accounts in arrears in
# keyset pages; the collection rate (电费回收率) of a period with late fees accrued, waived and
# paid. Exact figures from four months of bills, payments (one late), an accrual and a waiver.
. "$PMIS_TOP/tests/integration/lib.sh"

{ echo "$CUSTOMER_CSV_HEADER"; cat <<'END'; } >"$T/c.csv"
4100000001,王一,resident,220V,active,0,杭州市西湖区1号,13812345678,,,ZJ-HZ-XH,2020-01-01,
4100000002,杭州某某纺织有限公司,general_ci,380V,active,1,杭州市2号,,,,ZJ-HZ,2020-01-01,
4100000003,王三,resident,220V,active,0,宁波市3号,,,,ZJ-NB,2020-01-01,
4100000004,王四,resident,220V,active,0,宁波市4号,,,,ZJ-NB,2020-01-01,
4100000005,西湖某某商店,general_ci,380V,active,0,杭州市西湖区5号,,,,ZJ-HZ-XH,2020-01-01,
END
flat_fixture 410000000 "postpaid postpaid postpaid postpaid postpaid" 5
# monthly kWh, September to December 2024: R1 100/200/300/400, C2 1000 each, R3 50 each,
# R4 10/20/30/40, C5 500 each (at 1.00 yuan/kWh: the bills in yuan)
{
    echo "meter,read_on,source,total"
    for i in 1 2 3 4 5; do echo "M$i,2024-08-15,remote,0"; done
    echo "M1,2024-09-15,remote,100"; echo "M1,2024-10-15,remote,300"; echo "M1,2024-11-15,remote,600"; echo "M1,2024-12-15,remote,1000"
    echo "M2,2024-09-15,remote,1000"; echo "M2,2024-10-15,remote,2000"; echo "M2,2024-11-15,remote,3000"; echo "M2,2024-12-15,remote,4000"
    echo "M3,2024-09-15,remote,50"; echo "M3,2024-10-15,remote,100"; echo "M3,2024-11-15,remote,150"; echo "M3,2024-12-15,remote,200"
    echo "M4,2024-09-15,remote,10"; echo "M4,2024-10-15,remote,30"; echo "M4,2024-11-15,remote,60"; echo "M4,2024-12-15,remote,100"
    echo "M5,2024-09-15,remote,500"; echo "M5,2024-10-15,remote,1000"; echo "M5,2024-11-15,remote,1500"; echo "M5,2024-12-15,remote,2000"
} >"$T/r.csv"
R1=410000000101 C2=410000000201 R3=410000000301 R4=410000000401 C5=410000000501

setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        "$PMIS" org add ZJ-HZ --name 杭州 --level city --parent ZJ >/dev/null &&
        "$PMIS" org add ZJ-HZ-XH --name 西湖 --level county --parent ZJ-HZ >/dev/null &&
        "$PMIS" org add ZJ-NB --name 宁波 --level city --parent ZJ >/dev/null &&
        approvers bob &&
        flat_import
}
setup || { not_ok "set up orgs, customers, meters, readings and a flat tariff"; done_testing; exit 1; }

# bill_month PERIOD NOW DUE: lib.sh's, leaving PMIS_NOW at NOW for what follows
bill_month() {
    export PMIS_NOW=$2
    "$PMIS" bill run --period "$1" >/dev/null 2>"$T/err" &&
        "$PMIS" bill issue "$(sql "SELECT id FROM bill_run WHERE period = '$1' AND status = 'computed'")" --due-date "$3" >/dev/null 2>>"$T/err"
}
# pay_on NOW ACCOUNT AMOUNT
pay_on() { PMIS_NOW=$1 "$PMIS" pay "$2" "$3" >/dev/null 2>>"$T/err"; }

check "September's bills, due 2024-10-20" bill_month 2024-09 2024-10-01T02:00:00Z 2024-10-20
pay_on 2024-10-10T02:00:00Z $C5 500 && pay_on 2024-10-15T02:00:00Z $R3 50
# reminders (催费) on the way: the schedule is 1 day → SMS, 7 → WeChat, 15 → letter
export PMIS_NOW=2024-10-21T02:00:00Z
expect_ok "reminders the day after September's due date" --json remind run
check "an SMS for R1, C2 and R4" out_has '^\{"date":"2024-10-21","overdue_bills":3,"queued":3,"sms":3,"wechat":0,"letter":0\}$'
expect_ok "the same day again" --json remind run
check "queues nothing" out_has '"overdue_bills":3,"queued":0,'
export PMIS_NOW=2024-11-05T02:00:00Z
expect_ok "first run again 16 days after: the letter" --json remind run
check "not the missed WeChat step" out_has '"overdue_bills":3,"queued":3,"sms":0,"wechat":0,"letter":3\}$'
check "October's, due 2024-11-20" bill_month 2024-10 2024-11-01T02:00:00Z 2024-11-20
pay_on 2024-11-10T02:00:00Z $C5 500 && pay_on 2024-11-10T02:00:00Z $R3 50
# R4 pays its September 10.00 36 days late: the 1-yuan minimum fee first, 9.00 of the principal
check "R4 pays 10.00 of September late" pay_on 2024-11-25T02:00:00Z $R4 10
check "November's, due 2024-12-20" bill_month 2024-11 2024-12-01T02:00:00Z 2024-12-20
# credit rating as of the end of November (doc/credit-rating.md): bills due in the 12 months
# before 2024-12-01 are September's and October's. R1, C2: both unpaid, 42 and 11 days late,
# owing two bills (2 × 10 points, at most 20): 100 − 40 − 9 − 20 = 31 (D); R4 the same but
# owing 22.00 of bills averaging 15.00: −15, 36 (D); R3 and C5 paid on time: 100 (A)
expect_ok "rate November" --json credit rate --period 2024-11
check "two A, three D" out_is '{"period":"2024-11","accounts":5,"grades":{"A":2,"B":0,"C":0,"D":3}}'
expect_ok "R4's rating" --json credit show $R4
check "with its reasons" out_is '[{"period":"2024-11","score":36,"grade":"D","grade_name":"信用较差","deposit_required":true,"bills":2,"on_time":0,"late_bills":2,"late_days":53,"arrears":"22.00","average_bill":"15.00","reversals":0,"disconnections":0,"reasons":"按期缴费 0/2 笔：-40；平均逾期 27 天：-9；期末欠费 22.00 元：-15"}]'
expect_ok "C5's" credit show $C5
check "100, A, no reasons" out_has "^2024-11  100  A 信用优良  on time 2/2  arrears 0.00  average bill 500.00$"
pay_on 2024-12-10T02:00:00Z $C5 500 && pay_on 2024-12-10T02:00:00Z $R3 50
# grade D gets the 3-day WeChat step of the schedule (grades CD); October's bills their letter
export PMIS_NOW=2024-12-23T02:00:00Z
expect_ok "reminders on 2024-12-23" --json remind run
check "three WeChat messages for the D accounts, three letters" out_is '{"date":"2024-12-23","overdue_bills":9,"queued":6,"sms":0,"wechat":3,"letter":3}'
check "December's, due 2025-01-20" bill_month 2024-12 2025-01-02T02:00:00Z 2025-01-20
check "twenty receivables" test "$(sql "SELECT COUNT(*) FROM receivable")" = 20
export PMIS_NOW=2025-01-31T10:00:00Z
expect_ok "accrue late fees through 2025-01-31" --json fees accrue --date 2025-01-31
# R1 (1‰): 100×103 + 200×72 + 300×42 + 400×11 = 41.70; C2 (2‰ in 2024, 3‰ in 2025): 237 + 175
# + 115 + 33 = 560.00; R3 December 0.55 → 1.00; R4 Oct 1.44 (1.00 of it charged when R4 paid
# on 2024-11-25), Nov 1.26, Dec 0.44 → 1.00 (September's 1.00 paid); C5 December 500 × 11 × 3‰
check "621.90 on thirteen bills" out_has '"bills":13,"late_fees":"621.90"'
expect_ok "waive 0.30 of R1's September fee" fees waive B2024090000001 --amount 0.30 --reason 困难户 --approver bob
check "the ledger verifies" sh -c '"$PMIS" ledger verify >/dev/null'

# ---- aging as of 2025-01-31 ----
# >90: September (103 days); 61-90: October (72); 31-60: November (42); 0-30: December (11)
expect_ok "aging by org" --json arrears aging --date 2025-01-31
check "the province: 5 accounts, 5,641.00 + 622.60" out_has '"rows":\[\{"org":"ZJ","name":"浙江","depth":0,"accounts":5,"buckets":\{"0-30":\{"bills":5,"principal":"1990.00","late_fee":"55.90","owed":"2045.90"\},"31-60":\{"bills":3,"principal":"1330.00","late_fee":"128.86","owed":"1458.86"\},"61-90":\{"bills":3,"principal":"1220.00","late_fee":"190.84","owed":"1410.84"\},">90":\{"bills":3,"principal":"1101.00","late_fee":"247.00","owed":"1348.00"\}\},"total":\{"bills":14,"principal":"5641.00","late_fee":"622.60","owed":"6263.60"\}\}'
check "Hangzhou's subtree: R1, C2, C5" out_has '\{"org":"ZJ-HZ","name":"杭州","depth":1,"accounts":3,.*"total":\{"bills":9,"principal":"5500.00","late_fee":"617.90","owed":"6117.90"\}\}'
check "Ningbo: R3, R4" out_has '\{"org":"ZJ-NB","name":"宁波","depth":1,"accounts":2,.*"total":\{"bills":5,"principal":"141.00","late_fee":"4.70","owed":"145.70"\}\}\]'
check "not the county at depth 1" not out_has '"ZJ-HZ-XH"'
check "the total is the province" out_has '"total":\{"accounts":5,.*"total":\{"bills":14,"principal":"5641.00","late_fee":"622.60","owed":"6263.60"\}\}\}$'
expect_ok "aging of Hangzhou two levels down" --json arrears aging --date 2025-01-31 --org ZJ-HZ --depth 2
check "Hangzhou, then Xihu (R1, C5)" out_has '"rows":\[\{"org":"ZJ-HZ",.*\{"org":"ZJ-HZ-XH","name":"西湖","depth":1,"accounts":2,.*"total":\{"bills":5,"principal":"1500.00","late_fee":"57.90","owed":"1557.90"\}\}\]'
expect_ok "aging by user type" --json arrears aging --date 2025-01-31 --by type
check "general C&I: C2 and C5" out_has '\{"user_type":"general_ci","name":"一般工商业","accounts":2,.*"total":\{"bills":5,"principal":"4500.00","late_fee":"576.50","owed":"5076.50"\}\}'
check "residential: R1, R3, R4" out_has '\{"user_type":"resident","name":"居民","accounts":3,.*"total":\{"bills":9,"principal":"1141.00","late_fee":"46.10","owed":"1187.10"\}\}'
expect_ok "aging as text" arrears aging --date 2025-01-31
check "one line per unit and a total" out_has '^  ZJ-NB +宁波  accounts 2  0-30 92.00  31-60 31.26  61-90 21.44  >90 1.00  owed 145.70 \(principal 141.00 \+ late fee 4.70\)$'

# ---- as the ledger stood on an earlier day ----
expect_ok "aging as of 2024-11-24, the day before R4 paid" --json arrears aging --date 2024-11-24 --by type
check "R4's September 10.00 unpaid, no fee accrued yet" out_has '\{"user_type":"resident","name":"居民","accounts":2,"buckets":\{"0-30":\{"bills":2,"principal":"220.00","late_fee":"0.00","owed":"220.00"\},"31-60":\{"bills":2,"principal":"110.00","late_fee":"0.00","owed":"110.00"\}'
expect_ok "aging as of 2024-11-25" --json arrears aging --date 2024-11-25 --by type
check "R4's September: 1.00 left, its fee paid" out_has '"31-60":\{"bills":2,"principal":"101.00","late_fee":"0.00","owed":"101.00"\}'

# ---- the accounts in arrears ----
expect_ok "arrears list" --json arrears list --date 2025-01-31
check "oldest debt first, then by account" out_has "^\[\{\"account\":\"$R1\",\"cust_no\":\"4100000001\",\"customer\":\"王一\",\"user_type\":\"resident\",\"org\":\"ZJ-HZ-XH\",\"oldest_due\":\"2024-10-20\",\"days_overdue\":103,\"bills\":4,\"principal\":\"1000.00\",\"late_fee\":\"41.40\"\},\{\"account\":\"$C2\".*\{\"account\":\"$R4\".*\{\"account\":\"$R3\",.*\"days_overdue\":11,\"bills\":1,\"principal\":\"50.00\",\"late_fee\":\"1.00\"\},\{\"account\":\"$C5\".*\}\]$"
expect_ok "at least 31 days late" --json arrears list --date 2025-01-31 --min-days 31
check "three accounts" test "$(grep -o '"account"' "$T/out" | wc -l)" = 3
expect_ok "a page of two" arrears list --date 2025-01-31 --limit 2
check "R1 and C2" test "$(cut -c1-12 "$T/out" | tr '\n' ' ')" = "$R1 $C2 "
check "and the cursor" grep -q "more: --after 2024-10-20/$C2" "$T/err"
expect_ok "the next page" arrears list --date 2025-01-31 --limit 2 --after "2024-10-20/$C2"
check "R4 and R3" test "$(cut -c1-12 "$T/out" | tr '\n' ' ')" = "$R4 $R3 "
expect_ok "of Ningbo" --json arrears list --date 2025-01-31 --org ZJ-NB
check "R4 and R3 only" test "$(grep -o '"account":"[0-9]*"' "$T/out" | tr '\n' ' ')" = "\"account\":\"$R4\" \"account\":\"$R3\" "

# ---- collection rate (电费回收率) ----
# September: billed 100 + 1000 + 50 + 10 + 500 = 1660.00; paid R3 50, R4 9, C5 500 = 559.00
expect_ok "September's rate as of 2025-01-31" --json arrears rate --period 2024-09 --date 2025-01-31
check "Hangzhou 500.00 of 1600.00" out_has '\{"period":"2024-09","org":"ZJ-HZ","name":"杭州","depth":1,"bills":3,"billed":"1600.00","paid":"500.00","unpaid":"1100.00","rate_pct":"31.25","late_fee_accrued":"247.30","late_fee_waived":"0.30","late_fee_paid":"0.00"\}'
check "Ningbo 59.00 of 60.00" out_has '\{"period":"2024-09","org":"ZJ-NB","name":"宁波","depth":1,"bills":2,"billed":"60.00","paid":"59.00","unpaid":"1.00","rate_pct":"98.33","late_fee_accrued":"1.00","late_fee_waived":"0.00","late_fee_paid":"1.00"\}'
check "total 559.00 of 1660.00: 33.67 %" out_has '\{"period":"2024-09","org":null,"name":null,"bills":5,"billed":"1660.00","paid":"559.00","unpaid":"1101.00","rate_pct":"33.67","late_fee_accrued":"248.30","late_fee_waived":"0.30","late_fee_paid":"1.00"\}\]$'
expect_ok "as of 2024-10-31" --json arrears rate --period 2024-09 --date 2024-10-31 --by type
check "550.00 paid: 33.13 %" out_has '"user_type":null,"name":null,"bills":5,"billed":"1660.00","paid":"550.00","unpaid":"1110.00","rate_pct":"33.13","late_fee_accrued":"0.00"'
expect_ok "September to December" arrears rate --from 2024-09 --to 2024-12 --date 2025-01-31
check "a total per period" test "$(grep -c ' total ' "$T/out")" = 4
check "December: 0 of 1990.00" out_has '^2024-12  total +billed +1,990.00  paid +0.00  rate +0.00%'
expect_ok "a period not billed" --json arrears rate --period 2025-06 --date 2025-01-31
check "has no rows" out_is "[]"

# ---- reminders and the outbox ----
expect_ok "the reminders of 2025-01-31" --json remind run
# open bills overdue: R1 and C2 Sep–Dec, R4 Sep (1.00 left)–Dec, R3 and C5 Dec: 14; Sep and Oct
# have had their letters; Nov (42 days) gets one, Dec (11) WeChat
check "three letters and five WeChat messages" out_has '"overdue_bills":14,"queued":8,"sms":0,"wechat":5,"letter":3\}$'
expect_ok "R4's reminder history" --json remind history $R4
check "six messages, oldest first" test "$(grep -o '"kind":"reminder"' "$T/out" | wc -l)" = 6
check "the SMS of 2024-10-21 for September's 10.00" out_has "^\[\{\"id\":3,\"kind\":\"reminder\",\"channel\":\"sms\",\"recipient\":\"$R4\",\"bill\":\"B2024090000004\",\"days_overdue\":1,\"status\":\"queued\",\"created_at\":\"2024-10-21T10:00:00\+08:00\",\"sent_at\":null,\"error\":null,\"body\":\"【电费提醒】尊敬的客户，您的户号$R4（2024-09）电费10.00元已于2024-10-20到期，现逾期1天，请尽快缴纳，逾期将按日加收电费违约金。如已缴费请忽略本短信。\"\}"
check "December's WeChat with principal and fee" out_has "\"bill\":\"B2024120000004\",\"days_overdue\":11,.*尚欠41.00元（其中电费40.00元、违约金1.00元），缴费截止日2025-01-20，已逾期11天"
check "no phone number anywhere in the outbox" test "$(sql "SELECT COUNT(*) FROM outbox WHERE body LIKE '%13812345678%' OR recipient <> (SELECT account_no FROM account WHERE id = outbox.account_id)")" = 0
expect_ok "the outbox, queued letters" --json outbox list --status queued --channel letter
check "nine letters" test "$(grep -o '"channel":"letter"' "$T/out" | wc -l)" = 9
expect_ok "mark #1 sent" outbox mark-sent 1
expect_ok "mark #2 failed" outbox mark-failed 2 --error "网关超时"
expect_ok "a failed one sent on retry" outbox mark-sent 2
expect_ok "the outbox, sent" --json outbox list --status sent
check "#1 and #2" test "$(grep -o '"id":[0-9]*' "$T/out" | tr '\n' ' ')" = '"id":1 "id":2 '
expect_ok "a page after #10" --json outbox list --after 10 --limit 2
check "#11 and #12" test "$(grep -o '"id":[0-9]*' "$T/out" | tr '\n' ' ')" = '"id":11 "id":12 '

expect_ok "the schedule" remind schedule
check "four steps, one for low credit grades" test "$(wc -l <"$T/out")" = 4
check "3 days: WeChat for C and D" out_has "^   3 days after due: wechat credit grades CD$"
expect_ok "add a step: 20 days, a letter for D" remind schedule set 20 letter --grades D
expect_ok "change it to WeChat for C and D" --json remind schedule set 20 wechat --grades CD
check "five steps" out_is '[{"days_after_due":1,"channel":"sms","grades":"ABCD"},{"days_after_due":3,"channel":"wechat","grades":"CD"},{"days_after_due":7,"channel":"wechat","grades":"ABCD"},{"days_after_due":15,"channel":"letter","grades":"ABCD"},{"days_after_due":20,"channel":"wechat","grades":"CD"}]'
expect_ok "remove it" remind schedule remove 20
expect_ok "set the SMS text" remind template set reminder sms --text "户号{account}欠费{amount}元，逾期{days}天"
expect_ok "templates" --json remind template
check "the new text" out_has '\{"kind":"reminder","channel":"sms","lang":"zh","body":"户号\{account\}欠费\{amount\}元，逾期\{days\}天","updated_by":"tester"\}'
expect_ok "audited" audit list --action collect.template
check "one row" out_has "reminder/sms"

# ---- bad input changes nothing ----
digest=$(db_digest)
expect_fail "a bad date" 65 "invalid date '2025-02-30'" arrears aging --date 2025-02-30
expect_fail "an unknown org" 66 "unknown org unit 'XX'" arrears aging --org XX
expect_fail "rating a month not over" 65 "period 2025-01 is not over yet \(today is 2025-01-31\)" credit rate --period 2025-01
expect_fail "rating a bad period" 65 "2025-1" credit rate --period 2025-1
expect_fail "the rating of an unknown account" 66 "unknown account '999999999999'" credit show 999999999999
expect_fail "an unknown grouping" 64 "--by is org or type, not 'city'" arrears aging --by city
expect_fail "a bad depth" 64 "--depth is 0 to 10" arrears aging --depth 11
expect_fail "a bad cursor" 65 "cursor 'x' is not DATE/ACCOUNT" arrears list --after x
expect_fail "a zero limit" 65 "1 to 10000 accounts, not 0" arrears list --limit 0
expect_fail "rate without a period" 64 "give --period, or --from and --to" arrears rate
expect_fail "rate with a bad period" 65 "2024-13" arrears rate --period 2024-13
expect_fail "periods the wrong way round" 65 "period 2024-12 is after 2024-09" arrears rate --from 2024-12 --to 2024-09
expect_fail "reminders ahead of today" 65 "reminders cannot be sent ahead, for 2025-02-01 \(today is 2025-01-31\)" remind run --date 2025-02-01
expect_fail "history of an unknown account" 66 "unknown account '999999999999'" remind history 999999999999
expect_fail "an unknown placeholder" 65 "unknown placeholder '\{phone\}'" remind template set reminder sms --text "请拨{phone}"
expect_fail "an unclosed brace" 65 "a '\{' without its '\}'" remind template set reminder sms --text "户号{account"
expect_fail "an unknown kind" 65 "unknown message kind 'promo'" remind template set promo sms --text x
expect_fail "an unknown channel" 65 "unknown channel 'fax'" remind template set reminder fax --text x
expect_fail "a template without text" 64 "--text is required" remind template set reminder sms
expect_fail "a step at day 0" 65 "'0' is not a number of days" remind schedule set 0 sms
expect_fail "a step on a fax" 65 "unknown channel 'fax'" remind schedule set 5 fax
expect_fail "grades that are not A to D" 65 "grades are letters A to D in order, such as ABCD or CD, not 'XB'" remind schedule set 5 sms --grades XB
expect_fail "removing a step that is not there" 66 "no reminder step 99 days" remind schedule remove 99
expect_fail "a sent message sent again" 67 "outbox message 1 is sent: it cannot become sent" outbox mark-sent 1
expect_fail "a sent message failed" 67 "is sent: it cannot become failed" outbox mark-failed 1 --error x
expect_fail "a failed mark without the error" 64 "--error is required" outbox mark-failed 3
expect_fail "an unknown message" 66 "no outbox message 999" outbox mark-sent 999
expect_fail "a bad message id" 65 "'x1' is not a message id" outbox mark-sent x1
expect_fail "a bad status" 65 "status is queued, sent or failed, not 'gone'" outbox list --status gone
check "nothing changed" test "$(db_digest)" = "$digest"

# ---- deposits (保证金): grade D needs one; applied on closure through the ledger ----
balance() { "$PMIS" --json ledger show "$1" | sed 's/.*"balance":"\([-0-9.]*\)".*/\1/'; }
expect_ok "accounts that need a deposit" --json deposit required
check "R1, C2, R4: grade D, none held" test "$(grep -o '"account":"[0-9]*"' "$T/out" | tr '\n' ' ')" = "\"account\":\"$R1\" \"account\":\"$C2\" \"account\":\"$R4\" "
digest=$(db_digest)
expect_fail "a zero deposit" 65 "a deposit must be more than 0.00 yuan, not 0.00" deposit take $R4 0
expect_fail "a bank deposit without its reference" 65 "a bank deposit needs its reference" deposit take $R4 100 --channel bank
expect_fail "a deposit by an unknown channel" 65 "unknown payment channel 'cash'" deposit take $R4 100 --channel cash
expect_fail "a deposit on an unknown account" 66 "unknown account '999999999999'" deposit take 999999999999 100
expect_fail "applying none" 67 "account $R4 holds no deposit" deposit apply $R4
expect_fail "a bad status" 65 "status is held, applied or refunded, not 'x'" deposit list --status x
check "nothing changed" test "$(db_digest)" = "$digest"
expect_ok "take 100.00 from R4 by bank" --json deposit take $R4 100 --channel bank --ref DEP-1 --reason 信用等级D
check "deposit #1" out_is "{\"deposit\":1,\"repeat\":false,\"account\":\"$R4\",\"amount\":\"100.00\"}"
expect_ok "the same reference again" --json deposit take $R4 100 --channel bank --ref DEP-1
check "is a repeat" out_has '"deposit":1,"repeat":true'
expect_fail "the reference for another amount" 67 "bank reference 'DEP-1' was already used for deposit #1" deposit take $R4 50 --channel bank --ref DEP-1
expect_ok "required now" --json deposit required
check "R1 and C2" test "$(grep -o '"account":"[0-9]*"' "$T/out" | tr '\n' ' ')" = "\"account\":\"$R1\" \"account\":\"$C2\" "
check "the deposit is not on R4's ledger" test "$(balance $R4)" = "94.70"
digest=$(db_digest)
expect_fail "applying it without the bank reference for the refund" 65 "deposit #1 was taken by bank: refunding its unused 5.30 yuan needs the bank reference \\(--ref\\)" deposit apply $R4
check "nothing changed" test "$(db_digest)" = "$digest"
expect_ok "apply it on closure" --json deposit apply $R4 --ref TK-1
check "94.70 pays everything, 5.30 to refund" out_is "{\"account\":\"$R4\",\"deposits\":1,\"held\":\"100.00\",\"applied\":\"94.70\",\"refund\":\"5.30\",\"balance\":\"0.00\"}"
check "R4 owes nothing" test "$(balance $R4)" = "0.00"
expect_ok "the deposit" --json deposit list --account $R4
check "applied, the rest refunded" out_has '"status":"applied","applied":"94.70","refunded":"5.30","held":"0.00","closed_on":"2025-01-31"'
check "the refund recorded by bank" test "$(sql "SELECT amount_fen, channel, ref, reason FROM deposit_refund WHERE deposit_id = 1")" = "530|bank|TK-1|unused on closure"
expect_ok "R4's ledger" --json ledger show $R4
check "a deposit credit" out_has '"kind":"deposit","bill":null,"receipt":"SK[0-9]+","debit":"0.00","credit":"94.70","balance":"0.00"'
expect_fail "applying again" 67 "holds no deposit" deposit apply $R4
expect_ok "the ledger verifies" ledger verify
expect_ok "audited" audit list --action collect.deposit.apply
check "with the amounts" out_has "1 deposits: 94.70 yuan paid the bills, 5.30 to refund"

done_testing
