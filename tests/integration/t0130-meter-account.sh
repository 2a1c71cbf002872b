#!/bin/sh
# pmis account add|show|update|list and pmis meter add|install|remove|replace|show: account
# numbers and service points, multipliers from CT × PT, installations with register readings,
# and the rule that a meter is on at most one service point (and a point has one meter) at a time.
. "$PMIS_TOP/tests/integration/lib.sh"

"$PMIS" init >/dev/null 2>&1 &&
    load_tariffs RES-1 LI-10KV GC-10KV GC-10KV-TOU &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add XH01 --name 文三供电所 --level station --parent ZJ >/dev/null &&
    "$PMIS" customer add --cust-no 1000000001 --name 张三 --type resident --voltage 220V \
        --address 杭州市文三路1号 --org XH01 --opened 2024-01-01 >/dev/null &&
    "$PMIS" customer add --cust-no 1000000002 --name 杭州某钢铁有限公司 --type large_industry \
        --voltage 10kV --address 杭州市某工业园 --org XH01 --opened 2024-01-01 >/dev/null ||
    { not_ok "set up org and customers"; done_testing; exit 1; }

# --- accounts ---
expect_ok "account add" account add 1000000001 --tariff RES-1 --cycle-day 5 --opened 2024-01-05
check "account number is 户号 + 01, with its service point" \
    out_is "added account 100000000101 (service point 1000000001011)"
run --json account add 1000000002 --tariff LI-10KV --cycle-day 28 --capacity 1000 \
    --demand 800.5 --pf 0.90 --pay-mode prepaid --contact 李经理 --contact-phone 13700001234 \
    --bank 中国工商银行 --bank-account 6222021234567890128 --opened 2024-01-10
check "account add --json, personal data masked" out_is '{"account_no":"100000000201","cust_no":"1000000002","tariff_code":"LI-10KV","capacity_kva":"1000","demand_kw":"800.5","pf_standard":"0.90","cycle_day":28,"pay_mode":"prepaid","contact_name":"李经理","contact_phone":"137****1234","bank_name":"中国工商银行","bank_account":"6222***********0128","service_point":"1000000002011","status":"active","opened_on":"2024-01-10","closed_on":null}'
check "stored in VA and W" test "$(sql "SELECT capacity_va || ' ' || demand_w || ' ' || pf_standard FROM account WHERE account_no = '100000000201'")" = "1000000 800500 90"
check "the service point has the customer's voltage" \
    test "$(sql "SELECT sp_no || ' ' || voltage FROM service_point sp JOIN account a ON a.id = sp.account_id WHERE a.account_no = '100000000201'")" = "1000000002011 10kV"
expect_ok "a second account" account add 1000000002 --tariff GC-10KV --cycle-day 10 --opened 2024-02-01
check "gets the next sequence" out_is "added account 100000000202 (service point 1000000002021)"
expect_ok "account show" account show 100000000101
check "account show" out_is "account_no     100000000101
cust_no        1000000001
tariff_code    RES-1
capacity_kva   0
demand_kw      0
pf_standard    -
cycle_day      5
pay_mode       postpaid
contact_name   -
contact_phone  -
bank_name      -
bank_account   -
service_point  1000000001011
status         active
opened_on      2024-01-05
closed_on      -"
expect_ok "account list" account list 1000000002
check "both accounts" out_is "100000000201  active   LI-10KV      day 28 prepaid
100000000202  active   GC-10KV      day 10 postpaid"
expect_ok "change the tariff" account update 100000000202 --tariff GC-10KV-TOU --effective 2024-03-01
check "the tariff change is in the customer's history" \
    test "$(sql "SELECT h.effective_on || ' ' || h.old_value || ' -> ' || h.new_value FROM customer_history h JOIN customer c ON c.id = h.customer_id WHERE c.cust_no = '1000000002' AND h.field = 'tariff'")" = \
    "2024-03-01 100000000202: GC-10KV -> 100000000202: GC-10KV-TOU"

digest=$(db_digest)
expect_fail "account with a tariff that is not loaded" 65 "unknown tariff 'NOPE': load it first" \
    account add 1000000001 --tariff NOPE --cycle-day 5
expect_fail "a change to a tariff that is not loaded" 65 "unknown tariff 'NOPE': load it first" \
    account update 100000000202 --tariff NOPE
expect_fail "account for an unknown customer" 66 "unknown customer '1999999999'" \
    account add 1999999999 --tariff R --cycle-day 5
expect_fail "cycle day 29" 65 "invalid cycle_day '29': must be a day 1-28" \
    account add 1000000001 --tariff R --cycle-day 29
expect_fail "no cycle day" 65 "cycle_day is missing" account add 1000000001 --tariff R
expect_fail "pf standard 0.95" 65 "invalid pf_standard '0.95': must be none, 0.80, 0.85 or 0.90" \
    account add 1000000001 --tariff R --cycle-day 5 --pf 0.95
expect_fail "negative capacity" 65 "invalid capacity_kva '-1'" \
    account add 1000000001 --tariff R --cycle-day 5 --capacity -1
expect_fail "capacity with 4 decimals" 65 "invalid capacity_kva '1.2345'" \
    account add 1000000001 --tariff R --cycle-day 5 --capacity 1.2345
expect_fail "unknown pay mode" 65 "invalid pay_mode 'credit': must be one of postpaid, prepaid" \
    account add 1000000001 --tariff R --cycle-day 5 --pay-mode credit
expect_fail "an account number of another customer" 65 \
    "invalid account_no '100000000203': 12 digits starting with the 户号 '1000000001'" \
    account add 1000000001 --account-no 100000000203 --tariff R --cycle-day 5
expect_fail "a duplicate account number" 67 "account '100000000101' already exists" \
    account add 1000000001 --account-no 100000000101 --tariff RES-1 --cycle-day 5
expect_fail "opened before the customer" 65 "opened_on '2023-12-31' is before the customer's '2024-01-01'" \
    account add 1000000001 --tariff R --cycle-day 5 --opened 2023-12-31
expect_fail "a bank card with a wrong Luhn digit" 65 "bank_account: .*Luhn" \
    account add 1000000001 --tariff R --cycle-day 5 --bank-account 6222021234567890127
check "no account was added" test "$(db_digest)" = "$digest"

# --- meters in stock ---
expect_ok "a single-phase meter" meter add M-0001 --model DDZY71-Z --phases 1
check "multiplier 1" out_is "added meter M-0001 (multiplier 1)"
expect_ok "a CT/PT metered meter" meter add M-0002 --model DTZY341 --phases 3 --ct 100/5 \
    --pt 10000/100 --registers valley,total,peak,flat
check "multiplier = CT × PT = 20 × 100" out_is "added meter M-0002 (multiplier 2000)"
run --json meter add M-0003 --model DTZY341 --phases 3 --ct 200/5
check "meter add --json" out_is '{"asset_no":"M-0003","multiplier":40}'
expect_ok "a spare" meter add M-0004 --model DDZY71-Z --phases 1
check "stored multiplier and registers in canonical order" \
    test "$(sql "SELECT multiplier || ' ' || registers || ' ' || status FROM meter WHERE asset_no = 'M-0002'")" = "2000 total,peak,flat,valley stock"

digest=$(db_digest)
expect_fail "a ratio that is not whole" 65 "invalid ct_ratio '7/2': the ratio is not a whole number" \
    meter add M-0009 --model X --phases 1 --ct 7/2
expect_fail "a ratio that is not a ratio" 65 "invalid pt_ratio 'abc': expected a ratio such as 100/5" \
    meter add M-0009 --model X --phases 1 --pt abc
expect_fail "two phases" 65 "meter 'M-0009': invalid phases '2': must be 1 or 3" \
    meter add M-0009 --model X --phases 2
expect_fail "an unknown register" 65 "invalid registers 'total,night': unknown register 'night'" \
    meter add M-0009 --model X --phases 1 --registers total,night
expect_fail "registers without total" 65 "the total register is required" \
    meter add M-0009 --model X --phases 1 --registers peak,valley
expect_fail "a bad asset number" 65 "invalid asset_no 'M 9': letters, digits and '-' only" \
    meter add 'M 9' --model X --phases 1
expect_fail "a duplicate meter" 67 "meter 'M-0001' already exists" \
    meter add M-0001 --model X --phases 1
check "no meter was added" test "$(db_digest)" = "$digest"

# --- install, remove, replace ---
expect_ok "install on an account" meter install M-0001 --account 100000000101 --date 2024-01-05 \
    --reads total=0
check "says so" out_is "installed meter M-0001"
expect_ok "install on a service point with all registers read" meter install M-0002 \
    --sp 1000000002011 --date 2024-01-10 --reads total=100.5,peak=40,flat=30.5,valley=30
check "readings stored in Wh" \
    test "$(sql "SELECT r.register || '=' || r.value_wh FROM meter_install_read r JOIN meter_install mi ON mi.id = r.install_id JOIN meter m ON m.id = mi.meter_id WHERE m.asset_no = 'M-0002' ORDER BY r.register" | tr '\n' ' ')" = \
    "flat=30500 peak=40000 total=100500 valley=30000 "

digest=$(db_digest)
expect_fail "a meter installed twice" 67 \
    "meter 'M-0001' is already installed on service point '1000000001011' since 2024-01-05" \
    meter install M-0001 --account 100000000202 --date 2024-02-01
expect_fail "a second meter on an occupied service point" 67 \
    "service point '1000000001011' already has meter 'M-0001'; use 'pmis meter replace'" \
    meter install M-0004 --sp 1000000001011 --date 2024-02-01
expect_fail "removal before the installation date" 65 \
    "removal date '2024-01-04' is before the installation on 2024-01-05" \
    meter remove M-0001 --date 2024-01-04
expect_fail "a reading of a register the meter lacks" 65 \
    "the meter has no 'peak' register \(it has total\)" \
    meter install M-0004 --account 100000000202 --date 2024-02-01 --reads total=1,peak=1
expect_fail "a negative reading" 65 "reading total" \
    meter install M-0004 --account 100000000202 --date 2024-02-01 --reads total=-1
zh_install() { env -u LC_ALL -u LC_MESSAGES LANG=zh_CN.UTF-8 "$PMIS" meter install M-0004 \
    --account 100000000202 --date 2024-02-01 --reads "$1" 2>"$T/err"; }
zh_install total=1,peak=1
check "in Chinese: the registers by their Chinese names" \
    grep -qx "pmis: 错误：该电能表没有峰示数（它有总示数）" "$T/err"
zh_install total=1.2345
check "in Chinese: a bad reading names its register in Chinese, the parser's detail too" \
    grep -qx "pmis: 错误：总示数：电量 '1.2345' kWh 无效：小数超过 3 位" "$T/err"
expect_fail "an installation date in the wrong format" 65 "invalid date '2024-2-1'" \
    meter install M-0004 --account 100000000202 --date 2024-2-1
expect_fail "install on an unknown account" 66 "unknown account '100000000999'" \
    meter install M-0004 --account 100000000999 --date 2024-02-01
expect_fail "install an unknown meter" 66 "unknown meter 'M-9999'" \
    meter install M-9999 --account 100000000202 --date 2024-02-01
expect_fail "remove a meter in stock" 67 "meter 'M-0004' is not installed" \
    meter remove M-0004 --date 2024-02-01
check "nothing changed" test "$(db_digest)" = "$digest"

expect_ok "replace with readings" meter replace M-0001 M-0004 --date 2024-06-30 \
    --old-reads total=1234.56 --new-reads total=0.5
check "says so" out_is "replaced meter M-0001 with M-0004"
expect_ok "meter show of the old meter" meter show M-0001
check "one stay, with its readings in and out" out_is "meter M-0001  DDZY71-Z  1-phase  CT 1/1  PT 1/1  multiplier 1  registers total  removed
  2024-01-05 .. 2024-06-30  1000000001011 (new)  in: total=0.00  out: total=1234.56"
run --json meter show M-0004
check "meter show --json of the new one" out_is '{"asset_no":"M-0004","model":"DDZY71-Z","phases":1,"ct_ratio":"1/1","pt_ratio":"1/1","multiplier":1,"registers":"total","digits":6,"status":"installed","installations":[{"service_point":"1000000001011","account_no":"100000000101","installed_on":"2024-06-30","removed_on":null,"reason":"replace","install_reads":"total=0.50","remove_reads":null}]}'

digest=$(db_digest)
expect_fail "reinstall a meter before its last removal" 65 \
    "installation date '2024-06-01' is before meter 'M-0001' was last removed, on 2024-06-30" \
    meter install M-0001 --account 100000000202 --date 2024-06-01
check "nothing changed" test "$(db_digest)" = "$digest"
expect_ok "reinstall it on another account after its removal" meter install M-0001 \
    --account 100000000202 --date 2024-07-01 --reads total=1234.56
expect_ok "meter show lists both stays" meter show M-0001
check "oldest first, the current one open" out_is "meter M-0001  DDZY71-Z  1-phase  CT 1/1  PT 1/1  multiplier 1  registers total  installed
  2024-01-05 .. 2024-06-30  1000000001011 (new)  in: total=0.00  out: total=1234.56
  2024-07-01 .. now  1000000002021 (new)  in: total=1234.56  out: -"
expect_ok "remove with final readings" meter remove M-0002 --date 2024-12-31 \
    --reads total=5000,peak=2000,flat=1500,valley=1500
run meter show M-0002
check "the stay is closed with four readings" grep -q '^  2024-01-10 .. 2024-12-31  1000000002011 (new)  in: total=100.50,peak=40.00,flat=30.50,valley=30.00  out: total=5000.00,peak=2000.00,flat=1500.00,valley=1500.00$' "$T/out"
digest=$(db_digest)
expect_fail "a meter on a point before the previous one left it" 65 \
    "installation date '2024-12-30' is before the previous meter left service point '1000000002011', on 2024-12-31" \
    meter install M-0003 --sp 1000000002011 --date 2024-12-30
check "nothing changed" test "$(db_digest)" = "$digest"
check "stays record who installed and removed" \
    test "$(sql "SELECT installed_by || '/' || removed_by FROM meter_install mi JOIN meter m ON m.id = mi.meter_id WHERE m.asset_no = 'M-0002'")" = "tester/tester"
check "one open installation per meter and per point" \
    test "$(sql "SELECT COUNT(*) FROM meter_install WHERE removed_on IS NULL")" = 2
check "statuses follow" test "$(sql "SELECT asset_no || ':' || status FROM meter ORDER BY asset_no" | tr '\n' ' ')" = \
    "M-0001:installed M-0002:removed M-0003:stock M-0004:installed "
check "each change is audited" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE action IN ('meter.install', 'meter.remove')")" = 6

done_testing
