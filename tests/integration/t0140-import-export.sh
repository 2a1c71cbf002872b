#!/bin/sh
# pmis import|export customers|accounts|meters: the happy path, idempotent re-import,
# all-or-nothing with a complete report of bad rows, the CSV edge cases (encodings, BOM, CRLF,
# quoting, empty and oversized input), --dry-run, and export round trips (with personal data,
# and as GBK).
. "$PMIS_TOP/tests/integration/lib.sh"

# and the tariffs the accounts name (an account names a loaded tariff)
setup_orgs() {
    "$PMIS" "$@" init >/dev/null 2>&1 &&
        "$PMIS" "$@" org add ZJ --name 浙江 --level province >/dev/null &&
        "$PMIS" "$@" org add XH01 --name 文三供电所 --level station --parent ZJ >/dev/null &&
        for code in RES-1 RES-2 GC-10KV; do
            printf '{"code": "%s", "name": "测试电价", "category": "resident", "versions": [{"effective_from": "2020-01-01", "energy": {"price": "0.50"}}]}\n' \
                "$code" >"$T/tariff-$code.json" &&
                "$PMIS" "$@" tariff load "$T/tariff-$code.json" >/dev/null || return 1
        done
}
setup_orgs || { not_ok "set up orgs"; done_testing; exit 1; }

H=cust_no,name,user_type,voltage,status,important,address,phone,id_type,id_no,org,opened_on,closed_on
cat >"$T/customers.csv" <<EOF
$H
3300000001,张三,resident,220V,active,0,杭州市西湖区文三路1号,13812345678,id_card,110101199003071233,XH01,2024-01-05,
3300000002,杭州某某电子有限公司,general_ci,10kV,active,是,"杭州市滨江区江南大道100号, 3号楼",0571-87654321,uscc,91330100MA2XXXXX1X,XH01,2024-02-01,
3300000003,"李四",resident,220V,active,否,"杭州市西湖区
古荡新村5幢 ""东""单元",,,,XH01,2024-03-01,
3300000004,王五,agriculture,380V,closed,0,余姚市某村,,,,XH01,2020-01-01,2023-12-31
EOF
cat >"$T/accounts.csv" <<'EOF'
account_no,cust_no,tariff_code,capacity_kva,demand_kw,pf_standard,cycle_day,pay_mode,contact_name,contact_phone,bank_name,bank_account,opened_on
330000000101,3300000001,RES-1,,,,5,postpaid,,,,,2024-01-05
330000000201,3300000002,GC-10KV,315,250,0.90,10,prepaid,李经理,13700001234,中国工商银行,6222021234567890128,2024-02-01
EOF
cat >"$T/meters.csv" <<'EOF'
asset_no,model,phases,ct_ratio,pt_ratio,registers,digits,account_no,installed_on,install_reads
M-0001,DDZY71-Z,1,,,,,330000000101,2024-01-06,total=12.5
M-0002,DTZY341,3,100/5,10000/100,"total,peak,flat,valley",8,330000000201,2024-02-02,"total=1,peak=0.5,flat=0.25,valley=0.25"
M-0003,DDZY71-Z,1,,,,,,,
EOF

# --- happy path and re-import ---
# indexes on customer: the first import into an empty table drops and rebuilds them (bulk load)
customer_indexes() {
    case "$PMIS_TEST_DB" in
    sqlite:*) sql "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customer' ORDER BY name)" ;;
    *) sql "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'customer'" ;;
    esac
}
indexes=$(customer_indexes)
expect_ok "import customers" import customers "$T/customers.csv"
check "counts" out_is "imported customers: 4 rows, 4 new, 0 unchanged"
check "a bulk load leaves every index in place" test "$(customer_indexes)" = "$indexes"
run customer search --name 有限公司
check "and the name search index filled" out_has "^3300000002 "
run customer search --name 张三
check "a name of two characters is found in it" test "$(cut -c1-10 "$T/out")" = 3300000001
if [ "$PMIS_BACKEND" = pg ]; then
    check "PostgreSQL's COPY stores the names' bigrams" \
        test "$(sql "SELECT string_agg(cust_no || ' ' || CAST(name_grams AS TEXT), ';' ORDER BY cust_no) FROM customer")" = "3300000001 {张三};3300000002 {杭州,州某,某某,某电,电子,子有,有限,限公,公司};3300000003 {李四};3300000004 {王五}"
else
    ok "PostgreSQL's COPY stores the names' bigrams # SKIP PostgreSQL only"
fi
run customer search --phone 13812345678
check "and the blind index filled" test "$(wc -l <"$T/out")" -ge 1
expect_ok "import accounts" import accounts "$T/accounts.csv"
check "counts" out_is "imported accounts: 2 rows, 2 new, 0 unchanged"
expect_ok "import meters" import meters "$T/meters.csv"
check "counts" out_is "imported meters: 3 rows, 3 new, 0 unchanged"
check "stored" test "$(sql "SELECT (SELECT COUNT(*) FROM customer) || ' ' || (SELECT COUNT(*) FROM account) || ' ' || (SELECT COUNT(*) FROM service_point) || ' ' || (SELECT COUNT(*) FROM meter) || ' ' || (SELECT COUNT(*) FROM meter_install)")" = "4 2 2 3 2"
run --json customer show 3300000003
check "a quoted newline and quotes in an address" grep -q '"address":"杭州市西湖区\\n古荡新村5幢 \\"东\\"单元"' "$T/out"
run --json customer show 3300000002
check "a quoted comma in an address, important 是" \
    grep -q '"important":true,"address":"杭州市滨江区江南大道100号, 3号楼","phone":"0571\*\*\*\*4321"' "$T/out"
run --json customer show 3300000004
check "a closed customer" grep -q '"status":"closed",.*"opened_on":"2020-01-01","closed_on":"2023-12-31"}$' "$T/out"
run meter show M-0002
check "an imported installation with its readings" grep -q '^  2024-02-02 .. now  3300000002011 (new)  in: total=1.00,peak=0.50,flat=0.25,valley=0.25  out: -$' "$T/out"
check "multiplier from the imported ratios" \
    test "$(sql "SELECT multiplier FROM meter WHERE asset_no = 'M-0002'")" = 2000

tables() { sql "SELECT (SELECT COUNT(*) FROM customer) || ' ' || (SELECT COUNT(*) FROM account) || ' ' || (SELECT COUNT(*) FROM meter) || ' ' || (SELECT COUNT(*) FROM meter_install) || ' ' || (SELECT COUNT(*) FROM customer_history)"; }
before=$(tables)
expect_ok "re-import customers" import customers "$T/customers.csv"
check "is a no-op" out_is "imported customers: 4 rows, 0 new, 4 unchanged"
expect_ok "re-import accounts" import accounts "$T/accounts.csv"
check "is a no-op" out_is "imported accounts: 2 rows, 0 new, 2 unchanged"
expect_ok "re-import meters" import meters "$T/meters.csv"
check "is a no-op" out_is "imported meters: 3 rows, 0 new, 3 unchanged"
check "no duplicates" test "$(tables)" = "$before"

# --- all-or-nothing, every bad row reported ---
cat >"$T/bad.csv" <<EOF
$H
3300000011,赵一,resident,220V,active,0,杭州市,,,,XH01,2024-01-01,
3300000012,赵二,resident,220V,active,0,杭州市,12345,,,XH01,2024-01-01,
3300000013,赵三,villa,220V,active,0,杭州市,,,,XH01,2024-01-01,
3300000014,赵四,resident,220V,active,0,杭州市,,,,NOPE,2024-01-01,
3300000015,赵五,resident,220V,active,0,杭州市,,,,XH01,2024-1-5,
3300000016,赵六,resident,220V,active,0,杭州市,,id_card,110101199003071234,XH01,2024-01-01,
3300000001,张三丰,resident,220V,active,0,杭州市西湖区文三路1号,,,,XH01,2024-01-05,
3300000017,赵七,resident,220V,active,0,杭州市
3300000018,赵八,resident,220V,active,0,杭州市,,,,XH01,2024-02-30,
3300000019,赵九,resident,220V,active,0,杭州市,,,,XH01,2024-01-01,
EOF
cat >"$T/bad.expected" <<EOF
$T/bad.csv:3: column phone, value '1***5': phone: invalid mobile number '1***5': must be 11 digits, found 5
$T/bad.csv:4: column user_type, value 'villa': invalid user_type 'villa': must be one of resident, general_ci, large_industry, agriculture
$T/bad.csv:5: column org, value 'NOPE': unknown org unit 'NOPE'
$T/bad.csv:6: column opened_on, value '2024-1-5': opened_on: invalid date '2024-1-5': expected YYYY-MM-DD
$T/bad.csv:7: column id_no, value '110101********1234': id_no: invalid ID number '110101********1234': check digit should be 3
$T/bad.csv:8: column cust_no, value '3300000001': customer '3300000001' already exists with different data
$T/bad.csv:9: column -, value '': line 9: expected 13 fields, found 7
$T/bad.csv:10: column opened_on, value '2024-02-30': opened_on: invalid date '2024-02-30': day 30 out of range for 2024-02
pmis: error: 8 of 10 rows are bad; nothing was imported
EOF
digest=$(db_digest)
expect_fail "a file with bad rows" 65 "8 of 10 rows are bad; nothing was imported" \
    import customers "$T/bad.csv"
check "the report lists every bad row: line, column, value, reason" cmp -s "$T/err" "$T/bad.expected"
check "nothing was printed as imported" test ! -s "$T/out"
printf '%s\n' "$H" '3300000099,赵,villa,220V,active,0,杭州市,,,,XH01,2024-01-01,' '3300000098,"unterminated' >"$T/both.csv"
expect_fail "a CSV error after a bad row names the file and line" 65 "both\.csv: line 3: unterminated quoted field" \
    import customers "$T/both.csv"
check "nothing changed" test "$(db_digest)" = "$digest"
expect_fail "--dry-run reports the same" 65 "8 of 10 rows are bad" \
    import customers "$T/bad.csv" --dry-run
run --json import customers "$T/bad.csv"
check "the report as JSON" grep -q '^{"table":"customers","rows":10,"created":[0-9]*,"unchanged":0,"bad_count":8,"bad":\[{"line":3,"column":"phone","value":"1\*\*\*5","reason":"phone: invalid mobile number .*"},{"line":4,"column":"user_type","value":"villa",.*{"line":9,"column":"-","value":"","reason":"line 9: expected 13 fields, found 7"},.*\],"committed":false,"dry_run":false}$' "$T/out"
check "exit 65 with --json too" test "$rc" = 65
# a value longer than a report quotes (200 bytes), cut inside a character: whole characters,
# so the JSON report keeps the row and its value
{ echo "$CUSTOMER_CSV_HEADER"; echo ",$(printf '长%.0s' $(seq 80)),resident,220V,active,0,杭州市,,,,ZJ,2020-01-01,"; } >"$T/long.csv"
run --json import customers "$T/long.csv"
check "a long Chinese value: the bad row reported with its first 66 characters" test \
    "$rc $(jq -c '.bad[] | [.line, .column, (.value | length), .reason]' "$T/out")" = \
    '65 [2,"name",66,"name is longer than 200 bytes"]'

cat >"$T/bad-accounts.csv" <<'EOF'
account_no,cust_no,tariff_code,capacity_kva,demand_kw,pf_standard,cycle_day,pay_mode,contact_name,contact_phone,bank_name,bank_account,opened_on
330000000301,3300000003,RES-1,,,,5,postpaid,,,,,2024-03-01
339999999901,3399999999,RES-1,,,,5,postpaid,,,,,2024-03-01
330000000102,3300000001,RES-1,,,,31,postpaid,,,,,2024-03-01
330000000101,3300000001,RES-2,,,,5,postpaid,,,,,2024-01-05
330000000201,3300000002,GC-10KV,315,250,0.90,10,prepaid,王经理,13700001234,中国工商银行,6222021234567890128,2024-02-01
330000000302,3300000003,NO-SUCH,,,,5,postpaid,,,,,2024-03-01
EOF
expect_fail "accounts with bad rows" 65 "5 of 6 rows are bad" import accounts "$T/bad-accounts.csv"
check "an unloaded tariff reported" grep -qF "bad-accounts.csv:7: column tariff_code, value 'NO-SUCH': unknown tariff 'NO-SUCH': load it first ('pmis tariff load')" "$T/err"
check "unknown customer reported" grep -qF "bad-accounts.csv:3: column cust_no, value '3399999999': unknown customer '3399999999'" "$T/err"
check "bad cycle day reported" grep -qF "bad-accounts.csv:4: column cycle_day, value '31': invalid cycle_day '31': must be a day 1-28" "$T/err"
check "a changed tariff reported" grep -qF "bad-accounts.csv:5: column account_no, value '330000000101': account '330000000101' already exists with different data" "$T/err"
check "a changed contact reported" grep -qF "bad-accounts.csv:6: column account_no, value '330000000201': account '330000000201' already exists with different data" "$T/err"
cat >"$T/bad-meters.csv" <<'EOF'
asset_no,model,phases,ct_ratio,pt_ratio,registers,digits,account_no,installed_on,install_reads
M-0004,DDZY71-Z,1,,,,,,,
M-0001,DDZY71-Z,1,,,,,330000000201,2024-03-01,
M-0005,DTZY341,3,7/2,,,,,,
M-0006,DDZY71-Z,1,,,,,330000000201,2024-03-01,
EOF
expect_fail "meters with bad rows" 65 "3 of 4 rows are bad" import meters "$T/bad-meters.csv"
check "a meter installed elsewhere reported" grep -qF "bad-meters.csv:3: column account_no, value '330000000201': meter 'M-0001' is installed on account '330000000101', not '330000000201'" "$T/err"
check "a bad ratio reported" grep -qF "bad-meters.csv:4: column ct_ratio, value '7/2': invalid ct_ratio '7/2': the ratio is not a whole number" "$T/err"
check "an occupied service point reported" grep -qF "bad-meters.csv:5: column account_no, value '330000000201': service point '3300000002011' already has meter 'M-0002'; use 'pmis meter replace'" "$T/err"
check "nothing changed" test "$(db_digest)" = "$digest"

# --- CSV edge cases: each refused with a clear message and nothing changed ---
printf '%s\n' "$H" '3300000021,"赵,resident,220V,active,0,杭州市,,,,XH01,2024-01-01,' >"$T/quote.csv"
expect_fail "an unterminated quote" 65 "quote\.csv: line 2: unterminated quoted field starting in column 2" \
    import customers "$T/quote.csv"
{ echo "$H"; printf '3300000022,赵\377二,resident,220V,active,0,杭州市,,,,XH01,2024-01-01,\n'; } >"$T/utf8.csv"
expect_fail "invalid UTF-8" 65 "utf8\.csv: line 2, column 2 \(byte offset [0-9]+\): invalid UTF-8 byte 0xff \(not GBK either; save the file as UTF-8\)" \
    import customers "$T/utf8.csv"
printf '%s\n' "$H" '3300000023,赵六,resident,220V,active,0,杭州市西湖区,,,,XH01,2024-01-01,' >"$T/u.csv"
iconv -f utf-8 -t gbk "$T/u.csv" >"$T/gbk.csv"
expect_fail "a GBK file without --encoding" 65 "gbk\.csv: line 2, column 2 .*invalid UTF-8, but the bytes decode as GBK \(is the file GBK\? use --encoding gbk\)" \
    import customers "$T/gbk.csv"
: >"$T/empty.csv"
expect_fail "an empty file" 65 "empty\.csv: file is empty" import customers "$T/empty.csv"
echo "$H" >"$T/header.csv"
expect_fail "a header-only file" 65 "header\.csv: the file has a header but no rows" \
    import customers "$T/header.csv"
printf '%s\n' "$H,remark" '3300000024,赵,resident,220V,active,0,杭州市,,,,XH01,2024-01-01,,x' >"$T/unknown.csv"
expect_fail "an unknown column, named" 65 "unknown\.csv: line 1: unknown column 'remark' \(column 14; a customers file has: cust_no,name," \
    import customers "$T/unknown.csv"
printf '%s\n' "cust_no,name,user_type,voltage,address" '3300000025,赵,resident,220V,杭州市' >"$T/missing.csv"
expect_fail "a missing required column" 65 "line 1: missing column 'org'" \
    import customers "$T/missing.csv"
expect_fail "an unknown table" 64 "unknown table 'widgets': customers, accounts or meters" \
    import widgets "$T/u.csv"
expect_fail "a file that does not exist" 66 "cannot open '$T/nope.csv'" \
    import customers "$T/nope.csv"
head -c 104857600 /dev/zero | tr '\0' a >"$T/big.csv"
start=$(date +%s)
expect_fail "a single 100 MB line" 65 "big\.csv: line 1: record is longer than 1048576 bytes" \
    import customers "$T/big.csv"
check "is refused quickly" test $(($(date +%s) - start)) -le 10
rm -f "$T/big.csv"
check "nothing changed" test "$(db_digest)" = "$digest"

# --- encodings and line ends that are fine ---
expect_ok "--dry-run of a good file" import customers "$T/u.csv" --dry-run
check "counts what it would do" \
    out_is "checked customers: 1 rows, 1 new, 0 unchanged (dry run: nothing changed)"
check "and changes nothing" test "$(db_digest)" = "$digest"
expect_ok "a GBK file with --encoding gbk" import customers "$T/gbk.csv" --encoding gbk
check "is stored as UTF-8" test "$(sql "SELECT name || address FROM customer WHERE cust_no = '3300000023'")" = 赵六杭州市西湖区
{ printf '\357\273\277'; echo "$H"; echo '3300000031,带BOM,resident,220V,active,0,杭州市,,,,XH01,2024-01-01,'; } >"$T/bom.csv"
expect_ok "UTF-8 with a BOM" import customers "$T/bom.csv"
check "the first column is read despite the BOM" \
    test "$(sql "SELECT name FROM customer WHERE cust_no = '3300000031'")" = 带BOM
printf '%s\r\n' "$H" '3300000032,回车换行,resident,220V,closed,0,"杭州市' '西湖区",,,,XH01,2024-01-01,2024-06-30' >"$T/crlf.csv"
expect_ok "CRLF line ends" import customers "$T/crlf.csv"
check "no CR in the last column or in the address" \
    test "$(sql "SELECT closed_on || '|' || address FROM customer WHERE cust_no = '3300000032'")" = "2024-06-30|杭州市
西湖区"

# --- export ---
expect_ok "export customers" export customers
check "the header" test "$(head -n 1 "$T/out")" = "$(printf '%s\r' "$H")"
check "personal data masked" grep -q '^3300000001,张三,resident,220V,active,0,杭州市西湖区文三路1号,138\*\*\*\*5678,id_card,110101\*\*\*\*\*\*\*\*1233,XH01,2024-01-05,' "$T/out"
check "a multi-line address quoted" grep -q '^3300000003,李四,resident,220V,active,0,"杭州市西湖区$' "$T/out"
cp "$T/out" "$T/masked.csv"
expect_fail "a masked export does not import as data" 65 \
    "masked\.csv:2: column phone, value '13\*+78': phone: invalid phone number" \
    import customers "$T/masked.csv"
expect_ok "export to a file" export customers "$T/e.csv" --org XH01
check "says how many" grep -q "^exported 7 customers to $T/e.csv$" "$T/err"
check "the file is the same CSV" cmp -s "$T/e.csv" "$T/masked.csv"

for k in customers accounts meters; do
    expect_ok "export $k --with-pii" export $k "$T/$k-1.csv" --with-pii
done
check "personal data in full" grep -q '^3300000001,张三,resident,220V,active,0,杭州市西湖区文三路1号,13812345678,id_card,110101199003071233,' "$T/customers-1.csv"
check "the bank account in full" grep -q ',13700001234,中国工商银行,6222021234567890128,2024-02-01' "$T/accounts-1.csv"

# round trip: a fresh database with another key file gets the same archive
rt=$(new_db roundtrip)
setup_orgs --db "$rt" --keys "$T/rt.keys" || not_ok "set up the second database"
for k in customers accounts meters; do
    expect_ok "import $k into a fresh database" --db "$rt" --keys "$T/rt.keys" import $k "$T/$k-1.csv"
done
for k in customers accounts meters; do
    expect_ok "export $k from it" --db "$rt" --keys "$T/rt.keys" export $k "$T/$k-2.csv" --with-pii
    check "the $k export is identical" cmp -s "$T/$k-1.csv" "$T/$k-2.csv"
done

expect_ok "export --encoding gbk" export customers "$T/gbk-out.csv" --encoding gbk
is_utf8() { iconv -f utf-8 -t utf-8 "$1" >/dev/null 2>&1; }
check "is not UTF-8" not is_utf8 "$T/gbk-out.csv"
check "decodes from GBK to the UTF-8 export" \
    sh -c 'iconv -f gbk -t utf-8 "$1" | cmp -s - "$2"' - "$T/gbk-out.csv" "$T/masked.csv"
expect_ok "export --bom" export customers --bom
check "a BOM on UTF-8 output" test "$(head -c 3 "$T/out" | od -An -tx1 | tr -d ' ')" = efbbbf
expect_ok "a name GBK cannot write" customer add --cust-no 3300000041 --name 𠮷野家 \
    --type general_ci --voltage 380V --address 杭州市 --org XH01
expect_fail "export --encoding gbk refuses it" 65 "cannot be written as GBK; use gb18030 or utf-8" \
    export customers "$T/gbk-bad.csv" --encoding gbk
check "and leaves no file behind" sh -c '! ls "$1"/gbk-bad.csv* >/dev/null 2>&1' - "$T"
expect_ok "export --encoding gb18030 writes it" export customers "$T/gb18030.csv" --encoding gb18030
check "and it decodes" sh -c 'iconv -f gb18030 -t utf-8 "$1" | grep -q "^3300000041,𠮷野家,"' - "$T/gb18030.csv"

done_testing
