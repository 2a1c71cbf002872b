#!/bin/sh
# pmis apply: service applications (业扩报装 and changes). A low-voltage residential journey
# completing into a customer, account and installed meter (golden show); a high-voltage
# single-source application across a weekend and 国庆节 2024 with its 调休 Sunday and Saturday
# on the real calendar (every stage and the end-to-end deadline, warnings, breaches, a pause);
# every illegal transition and bad input refused with nothing changed; completion atomic under
# an induced failure and under storage faults at every step; changes (capacity, tariff, name
# transfer, suspension, meter test); closure refused while the account owes money; the HTTP
# API with org scope and keyset pagination.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

pw=Mx7qWz3kPt
setup() {
    "$PMIS" init >/dev/null 2>&1 &&
        "$PMIS" calendar import "$PMIS_TOP/data/calendar/cn-2024.csv" >/dev/null &&
        "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
        "$PMIS" org add ZJ-HZ --name 杭州 --level city --parent ZJ >/dev/null &&
        "$PMIS" org add ZJ-NB --name 宁波 --level city --parent ZJ >/dev/null &&
        "$PMIS" tariff load "$PMIS_TOP/data/tariffs/beijing-resident.json" >/dev/null &&
        "$PMIS" tariff load "$PMIS_TOP/data/tariffs/zhejiang-resident.json" >/dev/null &&
        for m in M-1 M-2 M-3 M-9; do
            "$PMIS" meter add $m --model DDZY71 --phases 1 >/dev/null || return 1
        done
}
setup || { not_ok "set up orgs, meters, a tariff and the 2024 calendar"; done_testing; exit 1; }

# field N KEY: a top-level member of `apply show N --json`
field() { "$PMIS" --json apply show "$1" | jq -r ".$2"; }
# stage N STAGE: "deadline state" of one stage
stage() { "$PMIS" --json apply show "$1" | jq -r ".stages[] | select(.stage == \"$2\") | \"\(.deadline_at) \(.state)\""; }
new_res() {
    "$PMIS" --json apply new --kind new_lv_res --org ZJ-HZ --name "$1" --type resident \
        --voltage 220V --address 杭州市文三路1号 --capacity 8 --tariff BJ-RES | jq -r .id
}

# ---- 1. low-voltage residential, end to end ----
export PMIS_NOW=2024-09-02T09:00:00+08:00
expect_ok "accept a low-voltage residential connection" apply new --kind new_lv_res --org ZJ-HZ \
    --name 张三 --type resident --voltage 220V --address 杭州市文三路1号 --capacity 8 --tariff BJ-RES \
    --note 资料齐全
check "5 working days end to end: Mon 2024-09-02 -> end of Mon 09-09" \
    out_is "application 1 accepted (受理): 低压居民新装, due 2024-09-10T00:00:00+08:00 (5 working days)"
check "the stages of the kind: no design review, no mid-inspection" \
    test "$("$PMIS" --json apply show 1 | jq -r '[.stages[].stage] | join(",")')" = "accept,survey,scheme,inspect,connect"
check "acceptance due at the end of the next working day" test "$(stage 1 accept)" = "2024-09-04T00:00:00+08:00 ok"
expect_ok "survey" apply advance 1 survey --note 受理完成
export PMIS_NOW=2024-09-03T10:00:00+08:00
expect_ok "supply scheme" apply advance 1 --note 勘查完成
export PMIS_NOW=2024-09-04T10:00:00+08:00
expect_ok "completion inspection" apply advance 1 inspect
export PMIS_NOW=2024-09-05T11:00:00+08:00
expect_ok "meter installation" apply advance 1 connect --note 验收合格
export PMIS_NOW=2024-09-06T15:00:00+08:00
expect_ok "complete into the archive" apply complete 1 --meter M-1 --reads total=0.5 --cycle-day 15 \
    --phone 13812345678 --note 已送电
check "says what it created" out_is "application 1 completed: completed: customer 1000000000, account 100000000001, meter M-1 installed on 2024-09-06"
run customer show 1000000000
check "the customer exists in its org" out_has "ZJ-HZ"
check "with the applicant's name, type and voltage" \
    test "$(sql "SELECT name || '|' || user_type || '|' || voltage || '|' || status || '|' || opened_on FROM customer WHERE cust_no = '1000000000'")" = "张三|resident|220V|active|2024-09-06"
check "the account with the capacity and tariff applied for" \
    test "$(sql "SELECT tariff_code || '|' || capacity_va || '|' || cycle_day FROM account WHERE account_no = '100000000001'")" = "BJ-RES|8000|15"
run meter show M-1
check "the meter installed on the new account" out_has "100000000001"
check "the phone stored encrypted only" test "$(sql "SELECT COUNT(*) FROM customer WHERE cust_no = '1000000000' AND phone_enc IS NOT NULL")" = 1
check "audited: accept, 4 advances, complete, and the archive writes" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE entity = 'application'")-$(sql "SELECT COUNT(*) FROM audit_log WHERE action IN ('customer.create', 'account.create', 'meter.install')")" = "6-3"
run apply show 1
cat >"$T/want" <<'EOF'
application 1: 低压居民新装 (new_lv_res), org ZJ-HZ
state completed, stage connect (装表接电)
customer 1000000000 张三, account 100000000001
applied for: name 张三 resident 220V capacity 8 kVA
tariff BJ-RES
address 杭州市文三路1号
accepted 2024-09-02T09:00:00+08:00 by tester; end to end 5 working days, due 2024-09-10T00:00:00+08:00: met
result: customer 1000000000, account 100000000001, meter M-1 installed on 2024-09-06
stages:
  accept    1 WD  from 2024-09-02T09:00:00+08:00  due 2024-09-04T00:00:00+08:00  met at 2024-09-02T09:00:00+08:00  受理
  survey    1 WD  from 2024-09-02T09:00:00+08:00  due 2024-09-04T00:00:00+08:00  met at 2024-09-03T10:00:00+08:00  勘查
  scheme    1 WD  from 2024-09-03T10:00:00+08:00  due 2024-09-05T00:00:00+08:00  met at 2024-09-04T10:00:00+08:00  供电方案答复
  inspect   1 WD  from 2024-09-04T10:00:00+08:00  due 2024-09-06T00:00:00+08:00  met at 2024-09-05T11:00:00+08:00  竣工检验
  connect   1 WD  from 2024-09-05T11:00:00+08:00  due 2024-09-07T00:00:00+08:00  met at 2024-09-06T15:00:00+08:00  装表接电
history:
  2024-09-02T09:00:00+08:00  tester   accept   - -> accept  资料齐全
  2024-09-02T09:00:00+08:00  tester   advance  accept -> survey  受理完成
  2024-09-03T10:00:00+08:00  tester   advance  survey -> scheme  勘查完成
  2024-09-04T10:00:00+08:00  tester   advance  scheme -> inspect
  2024-09-05T11:00:00+08:00  tester   advance  inspect -> connect  验收合格
  2024-09-06T15:00:00+08:00  tester   complete connect -> completed  已送电
EOF
check "golden: the completed application with its stages and history" cmp -s "$T/want" "$T/out"
[ -f "$T/want" ] && ! cmp -s "$T/want" "$T/out" && diff "$T/want" "$T/out" | sed 's/^/# /' | head -20

# ---- 2. high voltage, single source, across a weekend and 国庆节 2024 ----
export PMIS_NOW=2024-09-20T10:00:00+08:00
expect_ok "accept an HV single-source connection on Fri 2024-09-20" apply new --kind new_hv_single \
    --org ZJ-HZ --name 杭州某厂 --type large_industry --voltage 10kV --address 杭州市某路 \
    --capacity 800 --tariff BJ-RES
# 22 working days after Fri 09-20: 09-23..27 (5), Sun 09-29 调休 (6), 09-30 (7), 10-01..07 holiday,
# 10-08..11 (11), Sat 10-12 调休 (12), 10-14..18 (17), 10-21..25 (22)
check "22 working days: due the end of Fri 2024-10-25" out_has "due 2024-10-26T00:00:00\+08:00 \(22 working days\)"
check "all seven stages" test "$("$PMIS" --json apply show 2 | jq '.stages | length')" = 7
check "acceptance (1 WD) due the end of Mon 09-23, across the weekend" test "$(stage 2 accept)" = "2024-09-24T00:00:00+08:00 ok"
export PMIS_NOW=2024-09-23T23:00:00+08:00
check "a warning late on Monday" test "$(field 2 stage_sla)" = warning
export PMIS_NOW=2024-09-27T10:00:00+08:00
check "breached on Friday" test "$(field 2 stage_sla)" = breached
expect_ok "survey at last" apply advance 2
check "acceptance missed" test "$(stage 2 accept)" = "2024-09-24T00:00:00+08:00 missed"
check "survey (2 WD) from Fri 09-27: the 调休 Sunday 09-29 counts, due the end of Mon 09-30" \
    test "$(stage 2 survey)" = "2024-10-01T00:00:00+08:00 ok"
export PMIS_NOW=2024-09-30T17:00:00+08:00
expect_ok "supply scheme" apply advance 2 scheme
check "survey met" test "$(stage 2 survey)" = "2024-10-01T00:00:00+08:00 met"
check "scheme (8 WD) from Mon 09-30: the holiday skipped, the 调休 Saturday 10-12 counted" \
    test "$(stage 2 scheme)" = "2024-10-17T00:00:00+08:00 ok"
export PMIS_NOW=2024-10-05T12:00:00+08:00
check "no time used during the holiday" test "$(field 2 stage_sla)" = ok
export PMIS_NOW=2024-10-15T12:00:00+08:00
expect_ok "list the open applications" apply list --state open
check "the scheme in warning, end to end fine" out_is "2     new_hv_single open      scheme   ZJ-HZ  -          2024-09-20T10:00:00+08:00  due 2024-10-26T00:00:00+08:00 ok; stage warning"
export PMIS_NOW=2024-10-17T09:00:00+08:00
expect_ok "list --json" --json apply list --kind new_hv_single
check "the scheme breached" test "$(jq -r '.[0].stage_sla' "$T/out")" = breached
export PMIS_NOW=2024-10-17T10:00:00+08:00
expect_ok "design review" apply advance 2 design
check "design (3 WD) due the end of Tue 10-22" test "$(stage 2 design)" = "2024-10-23T00:00:00+08:00 ok"
export PMIS_NOW=2024-10-18T09:00:00+08:00
expect_ok "waiting for the customer's design" apply pause 2 --note 等待客户提交设计文件
check "deadlines unknown while paused" test "$(field 2 deadline_at) $(stage 2 design)" = "null null paused"
expect_fail "paused twice" 67 "application 2 is already waiting for the customer" apply pause 2
export PMIS_NOW=2024-10-22T09:00:00+08:00
expect_ok "the design arrives" apply resume 2
check "the paused working time (Fri 09:00 to Tue 09:00, 2 WD) moves the design deadline" \
    test "$(stage 2 design)" = "2024-10-25T00:00:00+08:00 ok"
check "and the end-to-end one: Fri 10-25 + 2 WD = the end of Tue 10-29" \
    test "$(field 2 deadline_at)" = "2024-10-30T00:00:00+08:00"
expect_fail "resumed twice" 67 "application 2 is not waiting for the customer" apply resume 2

# ---- 3. illegal transitions: refused, named, nothing changed ----
export PMIS_NOW=2024-11-04T09:00:00+08:00
id=$(new_res 李四)
check "a new application at acceptance" test "$id" = 3
digest=$(db_digest)
for to in scheme inspect connect; do
    expect_fail "accept -> $to is refused" 67 \
        "application 3 is at 受理 \(accept\): it cannot move to '$to'; next: survey$" apply advance 3 $to
done
for to in design midcheck; do
    expect_fail "$to does not apply to LV residential" 65 \
        "stage '$to' \(.*\) does not apply to 低压居民新装 \(new_lv_res\): its stages are accept, survey, scheme, inspect, connect$" \
        apply advance 3 $to
done
expect_fail "accept -> accept" 67 "it cannot move to 'accept'; next: survey" apply advance 3 accept
expect_fail "an unknown stage" 65 "unknown stage 'done'" apply advance 3 done
expect_fail "complete before the last stage" 67 \
    "application 3 is at 受理 \(accept\): it completes at its last stage 装表接电 \(connect\); next: survey" \
    apply complete 3 --meter M-2
expect_fail "an unknown application" 66 "no application 99" apply advance 99
expect_fail "not a number" 64 "'x' is not an application number" apply show x
expect_fail "cancel without a reason" 65 "needs a reason" apply cancel 3
expect_fail "cancel with a blank reason" 65 "needs a reason" apply cancel 3 --reason "  "
expect_fail "advance a completed application" 67 "application 1 is 已归档 \(completed\): nothing more can be done" apply advance 1
expect_fail "complete it again" 67 "application 1 is 已归档 \(completed\)" apply complete 1 --meter M-2
expect_fail "cancel it" 67 "application 1 is 已归档 \(completed\)" apply cancel 1 --reason x
expect_fail "pause it" 67 "application 1 is 已归档 \(completed\)" apply pause 1
check "refusals change nothing" test "$(db_digest)" = "$digest"
for s in survey scheme inspect; do apply_rc=0; "$PMIS" apply advance 3 $s >/dev/null || apply_rc=1; done
check "advanced to inspection" test "$apply_rc $(field 3 stage)" = "0 inspect"
expect_fail "inspect -> survey (backwards) is refused" 67 "is at 竣工检验 \(inspect\): it cannot move to 'survey'; next: connect" apply advance 3 survey
expect_ok "connect" apply advance 3
digest=$(db_digest)
expect_fail "past the last stage" 67 "application 3 is at its last stage 装表接电 \(connect\): complete it" apply advance 3
check "nothing changed" test "$(db_digest)" = "$digest"
expect_ok "cancel with a reason" apply cancel 3 --reason 客户撤回申请
check "cancelled" out_is "application 3 cancelled: cancelled"
check "the reason kept in the history" test "$(field 3 cancel_reason) $("$PMIS" --json apply show 3 | jq -r '.events[-1] | "\(.action) \(.from) \(.to) \(.note)"')" = "客户撤回申请 cancel connect cancelled 客户撤回申请"
check "its clock shows cancelled" test "$(field 3 sla)" = cancelled
expect_fail "cancel twice" 67 "application 3 is 已撤销 \(cancelled\)" apply cancel 3 --reason again
expect_fail "advance a cancelled one" 67 "已撤销" apply advance 3

# ---- 4. bad input: a clear error naming the problem, nothing changed ----
digest=$(db_digest)
expect_fail "an unknown kind" 65 "unknown application kind 'new_lv' \(new_lv_res, new_lv_biz, new_hv_single, new_hv_dual, cap_increase, cap_decrease, suspend, tariff_change, name_transfer, closure, meter_test\)" \
    apply new --kind new_lv --org ZJ-HZ
expect_fail "no kind" 65 "unknown application kind ''" apply new --org ZJ-HZ
expect_fail "a new connection without its org" 65 "kind 'new_lv_res' needs org" \
    apply new --kind new_lv_res --name x --type resident --voltage 220V --address y --capacity 8 --tariff BJ-RES
expect_fail "without a capacity" 65 "needs capacity_kva" \
    apply new --kind new_lv_res --org ZJ-HZ --name x --type resident --voltage 220V --address y --tariff BJ-RES
expect_fail "a customer given to a new connection" 65 "kind 'new_lv_res' does not take cust_no" \
    apply new --kind new_lv_res --org ZJ-HZ --cust 1000000000 --name x --type resident --voltage 220V --address y --capacity 8 --tariff BJ-RES
expect_fail "a bad capacity" 65 "invalid capacity_kva '8.12345'" \
    apply new --kind new_lv_res --org ZJ-HZ --name x --type resident --voltage 220V --address y --capacity 8.12345 --tariff BJ-RES
expect_fail "a zero capacity" 65 "invalid capacity_kva '0': must be above 0" \
    apply new --kind new_lv_res --org ZJ-HZ --name x --type resident --voltage 220V --address y --capacity 0 --tariff BJ-RES
expect_fail "an unknown tariff" 65 "unknown tariff 'NOPE'" \
    apply new --kind new_lv_res --org ZJ-HZ --name x --type resident --voltage 220V --address y --capacity 8 --tariff NOPE
expect_fail "a tariff change to an unknown tariff" 65 "unknown tariff 'NOPE'" \
    apply new --kind tariff_change --account 100000000001 --tariff NOPE
expect_fail "a bad user type" 65 "invalid user_type 'house'" \
    apply new --kind new_lv_res --org ZJ-HZ --name x --type house --voltage 220V --address y --capacity 8 --tariff BJ-RES
expect_fail "a bad voltage" 65 "invalid voltage '230V'" \
    apply new --kind new_lv_res --org ZJ-HZ --name x --type resident --voltage 230V --address y --capacity 8 --tariff BJ-RES
expect_fail "a low-voltage kind at 10kV" 65 "a low-voltage connection is not supplied at 10kV: 220V or 380V" \
    apply new --kind new_lv_res --org ZJ-HZ --name x --type resident --voltage 10kV --address y --capacity 8 --tariff BJ-RES
expect_fail "a high-voltage kind at 380V" 65 "a high-voltage connection is not supplied at 380V: 10kV or above" \
    apply new --kind new_hv_dual --org ZJ-HZ --name x --type large_industry --voltage 380V --address y --capacity 800 --tariff BJ-RES
expect_fail "a shop as a residential connection" 65 "new_lv_res is for residential customers, not user type 'general_ci'" \
    apply new --kind new_lv_res --org ZJ-HZ --name x --type general_ci --voltage 220V --address y --capacity 8 --tariff BJ-RES
expect_fail "an unknown org" 66 "unknown org unit 'ZJ-XX'" \
    apply new --kind new_lv_res --org ZJ-XX --name x --type resident --voltage 220V --address y --capacity 8 --tariff BJ-RES
expect_fail "a capacity increase needs an account" 65 "kind 'cap_increase' needs account" \
    apply new --kind cap_increase --capacity 20
expect_fail "an unknown account" 66 "100000009901" apply new --kind cap_increase --account 100000009901 --capacity 20
expect_fail "an increase that is not one" 65 "capacity_kva must be above the account's 8 kVA for cap_increase" \
    apply new --kind cap_increase --account 100000000001 --capacity 8
expect_fail "a decrease that is not one" 65 "capacity_kva must be below the account's 8 kVA for cap_decrease" \
    apply new --kind cap_decrease --account 100000000001 --capacity 10
expect_fail "the same tariff" 65 "account '100000000001' already has tariff 'BJ-RES'" \
    apply new --kind tariff_change --account 100000000001 --tariff BJ-RES
expect_fail "a transfer to the same name" 65 "customer '1000000000' is already named '张三'" \
    apply new --kind name_transfer --cust 1000000000 --name 张三
expect_fail "an org given to a change" 65 "kind 'suspend' does not take org" \
    apply new --kind suspend --cust 1000000000 --org ZJ-HZ
expect_fail "an unknown customer" 66 "6299999999" apply new --kind closure --cust 6299999999
check "bad input changes nothing" test "$(db_digest)" = "$digest"

# ---- 5. completion is atomic ----
id=$(new_res 王五)
for s in survey scheme inspect connect; do "$PMIS" apply advance "$id" $s >/dev/null; done
check "application $id at its last stage" test "$(field "$id" stage)" = connect
digest=$(db_digest)
customers=$(sql "SELECT COUNT(*) FROM customer")
expect_fail "an unknown meter fails after the customer and account were written" 66 \
    "meter: .*M-404" apply complete "$id" --meter M-404
check "and leaves no customer, account, audit row or history" test "$(db_digest)" = "$digest"
expect_fail "a meter already installed fails too" 67 "meter: .*M-1" apply complete "$id" --meter M-1
check "nothing changed" test "$(db_digest)" = "$digest"
expect_fail "a new connection needs its meter" 65 "needs the meter to install" apply complete "$id"
expect_fail "a result is for meter tests" 65 "only a meter test has a result" apply complete "$id" --meter M-2 --result pass
expect_fail "a bad date" 65 "date: " apply complete "$id" --meter M-2 --date 2024-02-30
expect_fail "bad reads" 65 "" apply complete "$id" --meter M-2 --reads total=abc
check "nothing changed" test "$(db_digest)" = "$digest"
faults=0
for n in 3 8 15 25 40 60; do
    PMIS_FAULT=io:$n run apply complete "$id" --meter M-2
    if [ "$rc" -ne 74 ] || [ "$(db_digest)" != "$digest" ]; then
        faults=$((faults + 1))
        echo "# io:$n: exit $rc"
    fi
done
check "a storage failure at any step of completion exits 74 and changes nothing" test $faults = 0
expect_ok "without faults it completes" apply complete "$id" --meter M-2
check "one more customer" test "$(sql "SELECT COUNT(*) FROM customer")" = $((customers + 1))
expect_ok "the audit chain verifies" audit verify

# ---- 6. closure refused while money is owed ----
printf 'meter,read_on,source,total\nM-2,2024-11-15,remote,100\nM-2,2024-12-15,remote,300\n' >"$T/r.csv"
"$PMIS" import readings "$T/r.csv" >/dev/null &&
    PMIS_NOW=2025-01-01T02:00:00Z "$PMIS" bill run --period 2024-12 --org ZJ-HZ >/dev/null &&
    PMIS_NOW=2025-01-01T02:00:00Z "$PMIS" bill issue 1 --due-date 2025-01-16 >/dev/null
owed=$("$PMIS" --json ledger show 100000000101 | jq -r .balance)
check "an issued bill is owed" test -n "$owed" -a "$owed" != "0.00"
export PMIS_NOW=2025-01-02T09:00:00+08:00
expect_ok "closure (销户)" apply new --kind closure --cust 1000000001
cid=$(sql "SELECT MAX(id) FROM application")
"$PMIS" apply advance "$cid" >/dev/null && "$PMIS" apply advance "$cid" >/dev/null
digest=$(db_digest)
expect_fail "refused while the account owes money" 67 \
    "account '100000000101' of customer '1000000001' owes $owed yuan: closure is refused until it is paid" \
    apply complete "$cid" --reads total=310
check "nothing changed: the meter is still installed" test "$(db_digest)" = "$digest"
expect_ok "pay the bill" pay 100000000101 "$owed"
expect_ok "closure completes" apply complete "$cid" --reads total=310
check "removes the meter and closes the customer" \
    out_is "application $cid completed: completed: customer 1000000001 closed on 2025-01-02, meter M-2 removed"
check "closed" test "$(sql "SELECT status || '|' || closed_on FROM customer WHERE cust_no = '1000000001'")" = "closed|2025-01-02"
check "the meter is back in stock" test "$(sql "SELECT status FROM meter WHERE asset_no = 'M-2'")" = removed
expect_fail "a closed customer takes no application" 67 "customer '1000000001' is closed" \
    apply new --kind name_transfer --cust 1000000001 --name 某人

# ---- 7. changes of existing customers and accounts ----
expect_ok "capacity increase" apply new --kind cap_increase --account 100000000001 --capacity 12.5
cid=$(sql "SELECT MAX(id) FROM application")
check "the customer's org owns it" test "$(field "$cid" org)" = ZJ-HZ
expect_fail "a second open application for the customer" 67 \
    "customer '1000000000' already has open application $cid" apply new --kind suspend --cust 1000000000
for s in survey scheme design midcheck inspect connect; do "$PMIS" apply advance "$cid" $s >/dev/null; done
expect_ok "complete the increase" apply complete "$cid" --date 2024-11-05
check "the account's capacity changed" test "$(sql "SELECT capacity_va FROM account WHERE account_no = '100000000001'")" = 12500
check "result" test "$(field "$cid" result)" = "account 100000000001 capacity 8 -> 12.5 kVA from 2024-11-05"
expect_ok "tariff change" apply new --kind tariff_change --account 100000000001 --tariff ZJ-RES
cid=$(sql "SELECT MAX(id) FROM application")
"$PMIS" apply advance "$cid" >/dev/null
expect_ok "complete it" apply complete "$cid"
check "the tariff changed and is in the history" test "$(sql "SELECT tariff_code FROM account WHERE account_no = '100000000001'")" = ZJ-RES
expect_ok "name transfer (过户)" apply new --kind name_transfer --cust 1000000000 --name 张小三
cid=$(sql "SELECT MAX(id) FROM application")
"$PMIS" apply advance "$cid" >/dev/null
expect_ok "complete it with the new holder's phone" apply complete "$cid" --phone 13900001111
check "renamed" test "$(sql "SELECT name FROM customer WHERE cust_no = '1000000000'")" = 张小三
expect_ok "meter test" apply new --kind meter_test --account 100000000001
cid=$(sql "SELECT MAX(id) FROM application")
"$PMIS" apply advance "$cid" >/dev/null
expect_fail "a meter test needs its result" 65 "pass or fail" apply complete "$cid"
expect_ok "complete it" apply complete "$cid" --result pass
check "the result kept" test "$(field "$cid" result)" = "meter test of account 100000000001: pass"
expect_ok "suspension (暂停)" apply new --kind suspend --cust 1000000000
cid=$(sql "SELECT MAX(id) FROM application")
"$PMIS" apply advance "$cid" >/dev/null && "$PMIS" apply advance "$cid" >/dev/null
expect_ok "complete it" apply complete "$cid"
check "the customer is suspended" test "$(sql "SELECT status FROM customer WHERE cust_no = '1000000000'")" = suspended
expect_fail "suspend a suspended customer" 67 "customer '1000000000' is suspended, not active" \
    apply new --kind suspend --cust 1000000000

# two clerks advance one application at the same moment: one wins, the other is refused
id=$(new_res 并发)
"$PMIS" apply advance "$id" survey >"$T/c1" 2>&1 &
p1=$!
"$PMIS" apply advance "$id" survey >"$T/c2" 2>&1 &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
check "concurrent advances: one succeeds, one is refused ($r1, $r2)" \
    test "$(printf '%s\n' $r1 $r2 | sort | tr '\n' ' ')" = "0 67 "
check "one advance recorded" test "$(sql "SELECT COUNT(*) FROM application_event WHERE application_id = $id AND action = 'advance'")" = 1

# ---- 8. list filters ----
expect_ok "list completed" --json apply list --state completed --limit 2
check "a page of two, by id" test "$(jq -r '[.[].id] | join(",")' "$T/out")" = "1,4"
expect_ok "the next page" --json apply list --state completed --after 4 --limit 2
check "continues after 4" test "$(jq -r '.[0].id' "$T/out")" = 5
expect_ok "by customer" --json apply list --cust 1000000001 --kind closure
check "its closure" test "$(jq -r '.[0].kind' "$T/out")" = closure
expect_fail "a bad state filter" 65 "invalid state 'done'" apply list --state done
expect_fail "a bad kind filter" 65 "unknown kind 'new'" apply list --kind new
expect_fail "a bad stage filter" 65 "unknown stage 'build'" apply list --stage build
expect_ok "another org's subtree" apply list --org ZJ-NB
check "is empty" out_is ""

# ---- 9. HTTP API: scope, pagination, illegal moves ----
echo $pw | "$PMIS" user add agent --org ZJ-HZ --roles service_agent --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add nb --org ZJ-NB --roles service_agent --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add cashier --org ZJ-HZ --roles cashier --password-stdin >/dev/null ||
    not_ok "add users"
serve_start
login agent $pw agent.jar
AG="-b $T/agent.jar -H X-CSRF-Token:$csrf"
login nb $pw nb.jar
NB="-b $T/nb.jar -H X-CSRF-Token:$csrf"
login cashier $pw cashier.jar
# shellcheck disable=SC2086
req POST /api/v1/applications $AG -H "$JSON" -d '{"kind":"new_lv_biz","org":"ZJ-HZ","name":"某商铺","user_type":"general_ci","voltage":"380V","address":"杭州市某街","capacity_kva":"30","tariff_code":"BJ-RES"}'
aid=$(jq -r .id "$T/body")
check "create: 201 with its stages" test "$status $(jq -r '"\(.stage) \(.limit_days) \(.stages | length)"' "$T/body")" = "201 accept 6 5"
# shellcheck disable=SC2086
req POST /api/v1/applications $AG -H "$JSON" -d '{"kind":"new_lv_biz","org":"ZJ-NB","name":"x","user_type":"general_ci","voltage":"380V","address":"y","capacity_kva":"30","tariff_code":"BJ-RES"}'
check "create in another subtree: 404" test "$status" = 404
# shellcheck disable=SC2086
req POST /api/v1/applications $AG -H "$JSON" -d '{"kind":"new_lv_biz","org":"ZJ-HZ","colour":"red"}'
check "an unknown member: 400 naming it" test "$status $(jq -r .error.message "$T/body")" = "400 unknown field 'colour'"
# shellcheck disable=SC2086
req POST /api/v1/applications $AG -H "$JSON" -d '{"kind":"new_lv_biz","org":"ZJ-HZ","name":"x","user_type":"general_ci","voltage":"380V","address":"y","capacity_kva":"-1","tariff_code":"BJ-RES"}'
check "a bad capacity: 400" test "$status $(jq -r .error.code "$T/body")" = "400 invalid"
# shellcheck disable=SC2086
req POST "/api/v1/applications/$aid/advance" $AG -H "$JSON" -d '{"to":"connect"}'
check "an illegal advance: 409 naming the next stage" test "$status $(jq -r .error.message "$T/body")" = \
    "409 application $aid is at 受理 (accept): it cannot move to 'connect'; next: survey"
# shellcheck disable=SC2086
req POST "/api/v1/applications/$aid/advance" $AG -H "$JSON" -d '{"to":"survey","note":"现场勘查"}'
check "advance: 200 at survey" test "$status $(jq -r .stage "$T/body") $(jq -r '.events[-1].note' "$T/body")" = "200 survey 现场勘查"
# shellcheck disable=SC2086
req POST "/api/v1/applications/$aid/advance" $NB -H "$JSON" -d '{}'
check "another subtree's user: 404" test "$status" = 404
req GET "/api/v1/applications/$aid" -b "$T/nb.jar"
check "and cannot read it" test "$status" = 404
req GET "/api/v1/applications/$aid" -b "$T/cashier.jar"
check "a cashier lacks application:read: 403" test "$status" = 403
req GET "/api/v1/applications?limit=2" -b "$T/agent.jar"
check "list: a page of 2 with a cursor" test "$status $(jq -r '"\([.items[].id] | join(",")) \(.next)"' "$T/body")" = "200 1,2 2"
req GET "/api/v1/applications?limit=2&after=2&state=cancelled" -b "$T/agent.jar"
check "filtered next page" test "$status $(jq -r '"\([.items[].id] | join(",")) \(.next)"' "$T/body")" = "200 3 null"
req GET "/api/v1/applications?state=open&kind=new_lv_biz" -b "$T/nb.jar"
check "the other subtree sees none" test "$status $(jq '.items | length' "$T/body")" = "200 0"
# shellcheck disable=SC2086
req POST "/api/v1/applications/$aid/cancel" $AG -H "$JSON" -d '{}'
check "cancel without a reason: 400" test "$status $(jq -r .error.field "$T/body")" = "400 reason"
# shellcheck disable=SC2086
req POST "/api/v1/applications/$aid/cancel" $AG -H "$JSON" -d '{"reason":"客户撤回"}'
check "cancel: 200" test "$status $(jq -r '"\(.state) \(.cancel_reason)"' "$T/body")" = "200 cancelled 客户撤回"
check "audited with the request's user" test "$(sql "SELECT actor FROM audit_log WHERE action = 'application.cancel' ORDER BY id DESC LIMIT 1")" = agent
# completion over HTTP: refused before the last stage, with bad input, or another subtree's
"$PMIS" meter add MX-API --model DDZY71 --phases 1 >/dev/null || not_ok "add a stock meter"
# shellcheck disable=SC2086
req POST /api/v1/applications $AG -H "$JSON" -d '{"kind":"new_lv_biz","org":"ZJ-HZ","name":"某餐馆","user_type":"general_ci","voltage":"380V","address":"杭州市某路","capacity_kva":"20","tariff_code":"BJ-RES"}'
cid=$(jq -r .id "$T/body")
# shellcheck disable=SC2086
req POST "/api/v1/applications/$cid/complete" $AG -H "$JSON" -d '{"meter":"MX-API"}'
check "complete at 受理: 409" test "$status $(jq -r .error.code "$T/body")" = "409 conflict"
for st in survey scheme inspect connect; do
    # shellcheck disable=SC2086
    req POST "/api/v1/applications/$cid/advance" $AG -H "$JSON" -d "{\"to\":\"$st\"}"
done
check "at 装表接电" test "$status $(jq -r .stage "$T/body")" = "200 connect"
digest=$(db_digest)
# shellcheck disable=SC2086
req POST "/api/v1/applications/$cid/complete" $AG -H "$JSON" -d '{"meter":"MX-API","cycle_day":"15"}'
check "a cycle day as a string: 400 naming it" test "$status $(jq -r .error.field "$T/body")" = "400 cycle_day"
# shellcheck disable=SC2086
req POST "/api/v1/applications/$cid/complete" $AG -H "$JSON" -d '{"meter":"NO-SUCH"}'
check "an unknown meter: refused naming it" test "$(jq -r .error.message "$T/body" | grep -c NO-SUCH)" = 1
# shellcheck disable=SC2086
req POST "/api/v1/applications/$cid/complete" $NB -H "$JSON" -d '{"meter":"MX-API"}'
check "another subtree's user: 404" test "$status" = 404
check "nothing changed" test "$(db_digest)" = "$digest"
# shellcheck disable=SC2086
req POST "/api/v1/applications/$cid/complete" $AG -H "$JSON" -d '{"meter":"MX-API","cycle_day":15,"note":"已接电"}'
check "complete: 200, completed into a customer and account" \
    test "$status $(jq -r '"\(.state) \(.cust_no != null) \(.account != null)"' "$T/body")" = "200 completed true true"
req GET "/api/v1/accounts/$(jq -r .account "$T/body")" -b "$T/agent.jar"
check "the meter installed on the new account" test "$status $(jq -r .meter "$T/body")" = "200 MX-API"
serve_stop
srv_pid=""

done_testing
