#!/bin/sh
# pmis deposit take|list|refund|apply (保证金): deposits held outside the ledger; a refund before
# closure needs a reason and an approver and is numbered TK…; applied on closure, a deposit pays
# what the account owes and the unused part is refunded (a bank deposit's refund needs its
# reference); the cashier's daily close (日结) counts deposits taken and refunds paid per channel
# and still reconciles; ledger verify checks held = taken − applied − refunded. Bad input is
# refused with a clear error and changes nothing.
. "$PMIS_TOP/tests/integration/lib.sh"

{ echo "$CUSTOMER_CSV_HEADER"; cat <<'END'; } >"$T/c.csv"
4210000001,李一,resident,220V,active,0,杭州市1号,,,,ZJ,2020-01-01,
4210000002,李二,resident,220V,active,0,杭州市2号,,,,ZJ,2020-01-01,
4210000003,李三,resident,220V,active,0,杭州市3号,,,,ZJ,2020-01-01,
END
flat_fixture 421000000 "postpaid postpaid postpaid" 3
cat >"$T/r.csv" <<'END'
meter,read_on,source,total
M1,2024-10-15,remote,0
M1,2024-11-15,remote,100
M2,2024-10-15,remote,0
M2,2024-11-15,remote,50
M3,2024-10-15,remote,0
M3,2024-11-15,remote,10
END
A1=421000000101 A2=421000000201 A3=421000000301

setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        approvers boss gone && "$PMIS" user disable gone >/dev/null &&
        "$PMIS" user add kasa --all-orgs --roles cashier >/dev/null &&
        flat_import && bill_month 2024-11 2024-12-01T02:00:00Z 2024-12-25
}
setup || { not_ok "set up customers, meters, readings and November's bills"; cat "$T/err" 2>/dev/null; done_testing; exit 1; }
balance() { "$PMIS" --json ledger show "$1" | sed 's/.*"balance":"\([-0-9.]*\)".*/\1/'; }
export PMIS_NOW=2024-12-10T02:00:00Z
ME=$PMIS_AS

# ---- A3 pays and closes: a closed account takes no deposit ----
expect_ok "A3 pays its 10.00" pay $A3 10
expect_ok "remove A3's meter" meter remove M3 --date 2024-12-10 --reads total=10
expect_ok "close its customer (销户)" customer close 4210000003 --date 2024-12-10

# ---- taking: bad input refused, nothing changes ----
digest=$(db_digest)
expect_fail "a zero deposit" 65 "a deposit must be more than 0.00 yuan, not 0.00" deposit take $A1 0
expect_fail "a negative deposit" 65 "a deposit must be more than 0.00 yuan, not -5.00" deposit take $A1 -5
expect_fail "three decimals" 65 "more than 2 decimals" deposit take $A1 1.234
expect_fail "an unknown account" 66 "unknown account '999999999999'" deposit take 999999999999 100
expect_fail "a closed account" 67 "account $A3 is closed" deposit take $A3 100
check "nothing changed" test "$(db_digest)" = "$digest"

# ---- taking ----
expect_ok "200.00 from A1 at the counter" --json deposit take $A1 200 --reason 信用等级D
check "deposit #1" out_is "{\"deposit\":1,\"repeat\":false,\"account\":\"$A1\",\"amount\":\"200.00\"}"
expect_ok "300.00 from A2 by bank" deposit take $A2 300 --channel bank --ref B-1
expect_ok "50.00 more from A1 by WeChat" deposit take $A1 50 --channel wechat --ref W-1
expect_ok "A1's deposits" --json deposit list --account $A1
check "held in full" out_has '"id":1,.*"status":"held","applied":"0.00","refunded":"0.00","held":"200.00"'
expect_ok "the ledger verifies" --json ledger verify
check "three deposits, 550.00 held" out_has '"deposits":3,"held":"550.00","problems":\[\]'
check "not on the ledger" test "$(balance $A1)" = "100.00"

# ---- refunds: bad input refused, nothing changes ----
digest=$(db_digest)
expect_fail "no approver" 65 "a deposit refund needs an approver" deposit refund 1 --reason 退户
expect_fail "no reason" 65 "a deposit refund needs a reason" deposit refund 1 --approver boss
expect_fail "approving oneself" 65 "the approver of a deposit refund must be someone else than $ME" deposit refund 1 --reason 退户 --approver "$ME"
dg=$(db_digest)
expect_fail "an approver who is not a user" 65 "approver 'nobody' is not a user" deposit refund 1 --reason 退户 --approver nobody
expect_fail "a disabled approver" 77 "approver 'gone' is disabled" deposit refund 1 --reason 退户 --approver gone
expect_fail "an approver without collection:approve" 77 "approver 'kasa' lacks the permission 'collection:approve'" deposit refund 1 --reason 退户 --approver kasa
check "the refused refunds changed nothing" test "$(db_digest)" = "$dg"
expect_fail "a zero refund" 65 "a refund must be more than 0.00 yuan, not 0.00" deposit refund 1 0 --reason 退户 --approver boss
expect_fail "a negative refund" 65 "a refund must be more than 0.00 yuan, not -1.00" deposit refund 1 -1 --reason 退户 --approver boss
expect_fail "three decimals" 65 "more than 2 decimals" deposit refund 1 1.234 --reason 退户 --approver boss
expect_fail "more than held" 67 "deposit #1 holds 200.00 yuan: 250.00 cannot be refunded from it" deposit refund 1 250 --reason 退户 --approver boss
expect_fail "an unknown deposit" 66 "no deposit #99" deposit refund 99 --reason 退户 --approver boss
expect_fail "a bad id" 65 "'x' is not a deposit id" deposit refund x --reason 退户 --approver boss
expect_fail "a bank deposit without the refund's reference" 65 "a bank refund needs its reference" deposit refund 2 --reason 退户 --approver boss
check "nothing changed" test "$(db_digest)" = "$digest"

# ---- refunds ----
expect_ok "20.00 of the WeChat deposit" --json deposit refund 3 20 --reason 信用恢复 --approver boss --ref W-R1
check "refund TK0000000001" out_is '{"refund":"TK0000000001","deposit":3}'
expect_ok "deposit #3" --json deposit list --account $A1 --status held
check "30.00 still held" out_has '"id":3,.*"status":"held","applied":"0.00","refunded":"20.00","held":"30.00"'
expect_ok "the rest" deposit refund 3 --reason 信用恢复 --approver boss --ref W-R2
check "numbered" out_has "refund TK0000000002 of deposit #3"
digest=$(db_digest)
expect_fail "refunding it twice" 67 "deposit #3 is refunded: nothing is held to refund" deposit refund 3 --reason 信用恢复 --approver boss --ref W-R3
check "nothing changed" test "$(db_digest)" = "$digest"
expect_ok "refunded" --json deposit list --status refunded
check "in full" out_has '"id":3,.*"status":"refunded","applied":"0.00","refunded":"50.00","held":"0.00","closed_on":"2024-12-10"'
check "two refund records" test "$(sql "SELECT COUNT(*) || '|' || SUM(amount_fen) FROM deposit_refund WHERE deposit_id = 3 AND approver = 'boss'")" = "2|5000"
expect_ok "audited" audit list --action collect.deposit.refund
check "with the approver and the reason" out_has "TK0000000002: 30.00 yuan of deposit #3 refunded by wechat, approved by boss: 信用恢复"

# ---- applied on closure ----
expect_ok "A1 on closure" --json deposit apply $A1
check "100.00 pays the bill, 100.00 refunded" out_is "{\"account\":\"$A1\",\"deposits\":1,\"held\":\"200.00\",\"applied\":\"100.00\",\"refund\":\"100.00\",\"balance\":\"0.00\"}"
check "a refund record for the unused part" test "$(sql "SELECT amount_fen, channel, COALESCE(ref, '-') FROM deposit_refund WHERE deposit_id = 1")" = "10000|counter|-"
digest=$(db_digest)
expect_fail "A2's bank deposit needs the refund's reference" 65 "deposit #2 was taken by bank: refunding its unused 250.00 yuan needs the bank reference" deposit apply $A2
expect_fail "applying on an unknown account" 66 "unknown account '999999999999'" deposit apply 999999999999
expect_fail "applying A1 twice" 67 "account $A1 holds no deposit" deposit apply $A1
check "nothing changed" test "$(db_digest)" = "$digest"
expect_ok "A2 with the reference" --json deposit apply $A2 --ref B-R1
check "50.00 applied, 250.00 refunded" out_has '"held":"300.00","applied":"50.00","refund":"250.00","balance":"0.00"'
expect_ok "the ledger verifies" --json ledger verify
check "nothing held" out_has '"deposits":3,"held":"0.00","problems":\[\]'

# ---- the daily close counts deposits and refunds per channel ----
# counter: 10.00 paid + 200.00 deposit − 100.00 refund; bank: 300.00 − 250.00; wechat: 50.00 − 50.00
digest=$(db_digest)
expect_fail "a count without the deposits" 67 "counted 10.00 yuan by counter on 2024-12-10 but the payments come to 110.00" payment close counter=10
check "nothing closed" test "$(db_digest)" = "$digest"
expect_ok "close with the right count" --json payment close counter=110 bank=50 wechat=0
check "deposits and refunds per channel" out_has '"channels":\[\{"channel":"bank","payments":0,"received":"0.00","reversed":"0.00","deposits":"300.00","refunded":"250.00"\},\{"channel":"counter","payments":1,"received":"10.00","reversed":"0.00","deposits":"200.00","refunded":"100.00"\},\{"channel":"wechat","payments":0,"received":"0.00","reversed":"0.00","deposits":"50.00","refunded":"50.00"\}\],"net":"10.00","cash":"160.00"'
expect_ok "closing again shows the stored totals" --json payment close
check "the same" out_has '"already_closed":true,.*"deposits":"300.00","refunded":"250.00".*"cash":"160.00"'
digest=$(db_digest)
expect_fail "no deposit after the close" 67 "cashier $ME has closed 2024-12-10" deposit take $A2 10
check "nothing changed" test "$(db_digest)" = "$digest"

# ---- verify finds a tampered deposit ----
sql "UPDATE deposit SET refunded_fen = 0 WHERE id = 3" >/dev/null
expect_fail "a deposit whose refunds do not add up" 76 "the ledger has 1 problem" ledger verify
check "named" grep -q "$A1: deposit: deposit #3 of 50.00 (refunded): applied 0.00 (payment 0.00), refunded 0.00 (refunds 50.00)" "$T/out"
sql "UPDATE deposit SET refunded_fen = 5000 WHERE id = 3" >/dev/null
expect_ok "verifies again" ledger verify

done_testing
