#!/bin/sh
# pmis customer add|show|update|close|history|search|reveal: output shapes, masking of personal
# data, audited reveal, dated history, and bad input (named field and value, exit code from the
# error table, nothing changed).
. "$PMIS_TOP/tests/integration/lib.sh"

"$PMIS" init >/dev/null 2>&1 &&
    load_tariffs RES-1 &&
    "$PMIS" org add ZJ --name 浙江 --level province >/dev/null &&
    "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
    "$PMIS" org add XH01 --name 文三供电所 --level station --parent HZ >/dev/null &&
    "$PMIS" org add NB01 --name 宁波供电所 --level station --parent ZJ >/dev/null ||
    { not_ok "set up orgs"; done_testing; exit 1; }

# --- add and show ---
expect_ok "add with a generated 户号" customer add --name 张三 --type resident --voltage 220V \
    --address 杭州市西湖区文三路1号 --org XH01 --phone 13812345678 --id-no 110101199003071233 \
    --opened 2024-01-05
check "the first 户号 is 1000000000" out_is "added customer 1000000000"
run --json customer add --name 杭州某某电子有限公司 --type general_ci --voltage 10kV \
    --address 杭州市滨江区江南大道100号 --org XH01 --phone 0571-87654321 --id-type uscc \
    --id-no 91330100MA2XXXXX1X --important yes --opened 2024-02-01
check "add --json returns the customer, masked" out_is '{"cust_no":"1000000001","name":"杭州某某电子有限公司","user_type":"general_ci","voltage":"10kV","status":"active","important":true,"address":"杭州市滨江区江南大道100号","phone":"0571****4321","id_type":"uscc","id_no":"91************1X","org":"XH01","org_name":"文三供电所","opened_on":"2024-02-01","closed_on":null}'
expect_ok "add with a given 户号" customer add --cust-no 3300000001 --name 王五 --type agriculture \
    --voltage 380V --address 宁波市余姚市某村 --org NB01 --opened 2024-03-01

expect_ok "show" customer show 1000000000
check "show masks phone and ID number" out_is "户号 cust_no:   1000000000
name:          张三
user_type:     resident
voltage:       220V
status:        active
important:     no
address:       杭州市西湖区文三路1号
phone:         138****5678
id:            id_card 110101********1233
org:           XH01 文三供电所
opened_on:     2024-01-05"
run --json customer show 3300000001
check "show --json of a customer without personal data" out_is '{"cust_no":"3300000001","name":"王五","user_type":"agriculture","voltage":"380V","status":"active","important":false,"address":"宁波市余姚市某村","phone":null,"id_type":null,"id_no":null,"org":"NB01","org_name":"宁波供电所","opened_on":"2024-03-01","closed_on":null}'
expect_fail "show an unknown customer" 66 "unknown customer '1999999999'" customer show 1999999999

# personal data is stored only as ciphertext: neither the text nor its hex is in the database
plain_hex=$(printf 13812345678 | od -An -tx1 | tr -d ' \n')
id_hex=$(printf 110101199003071233 | od -An -tx1 | tr -d ' \n')
dump() {
    case "$PMIS_TEST_DB" in
    sqlite:*) sqlite3 "${PMIS_TEST_DB#sqlite:}" .dump ;;
    *) pg_dump --data-only "$PMIS_TEST_DB" 2>/dev/null ;;
    esac
}
dump >"$T/dump"
check "the phone is not stored in clear" not grep -qi -e 13812345678 -e "$plain_hex" "$T/dump"
check "the ID number is not stored in clear" not grep -qi -e 110101199003071233 -e "$id_hex" "$T/dump"
check "phone, ID and blind indexes are stored" \
    test "$(sql "SELECT COUNT(*) FROM customer WHERE phone_enc IS NOT NULL AND phone_bidx IS NOT NULL AND id_no_enc IS NOT NULL AND id_no_bidx IS NOT NULL")" = 2

# --- search ---
expect_ok "search by name substring" customer search --name 张
check "finds 张三, phone masked" grep -qE '^1000000000 +active +resident +138\*\*\*\*5678 +张三 +杭州市西湖区文三路1号$' "$T/out"
check "and only 张三" test "$(wc -l <"$T/out")" = 1
run --json customer search --name 有限公司
check "search --name 有限公司 --json" grep -q '^{"items":\[{"cust_no":"1000000001",.*"phone":"0571\*\*\*\*4321",.*}\],"next":null}$' "$T/out"
run --json customer search --phone 138-1234-5678
check "search by phone (any spelling) through the blind index" grep -q '"items":\[{"cust_no":"1000000000"' "$T/out"
run --json customer search --id-no 110101199003071233
check "search by ID number masks it" grep -q '"id_no":"110101\*\*\*\*\*\*\*\*1233"' "$T/out"
run customer search --phone 13900000000
check "an unknown phone finds nothing" test ! -s "$T/out"
run customer search --no 100000000 --prefix
check "search by 户号 prefix" test "$(cut -c1-10 "$T/out" | tr '\n' ' ')" = "1000000000 1000000001 "
run customer search --address 余姚
check "search by address" grep -q '^3300000001 ' "$T/out"
run customer search --org HZ
check "search by org subtree" test "$(wc -l <"$T/out")" = 2
run customer search --type agriculture
check "filter by user type" test "$(cut -c1-10 "$T/out")" = 3300000001
run --json customer search --limit 1
check "a page of one has a cursor" grep -q '"next":"1000000000"}$' "$T/out"
run --json customer search --limit 3 --after 1000000000
check "the next page starts after it" grep -q '^{"items":\[{"cust_no":"1000000001".*{"cust_no":"3300000001".*"next":null}$' "$T/out"
n_all=$(sql "SELECT COUNT(*) FROM customer")
run --json customer search --limit "$n_all"
check "a page that ends exactly at the last customer has no cursor" grep -q '"next":null}$' "$T/out"
expect_fail "two search keys at once" 64 "one of --no, --name" customer search --name 张 --phone 1
run customer search --name 张三
check "a name of two characters (the bigram index on both backends)" \
    test "$(cut -c1-10 "$T/out")" = 1000000000
expect_ok "rename 王五" customer update 3300000001 --name 王小五 --effective 2024-05-01
run customer search --name 小五
check "search finds the new name by two characters" test "$(cut -c1-10 "$T/out")" = 3300000001
run customer search --name 王五
check "and not the old one" test ! -s "$T/out"
if [ "$PMIS_BACKEND" = pg ]; then
    check "PostgreSQL stores the new name's bigrams" \
        test "$(sql "SELECT name_grams FROM customer WHERE cust_no = '3300000001'")" = "{王小,小五}"
else
    ok "PostgreSQL stores the new name's bigrams # SKIP PostgreSQL only"
fi

# --- reveal, audited ---
reveals() { sql "SELECT COUNT(*) FROM audit_log WHERE action = 'pii.reveal'"; }
expect_ok "reveal the phone" customer reveal 1000000000 --field phone --reason "回访客户"
check "the full phone" out_is 13812345678
run --json customer reveal 1000000000 --field id_no --reason check
check "reveal --json" out_is '{"id_no":"110101199003071233"}'
expect_ok "audit list --action pii.reveal" audit list --action pii.reveal
check "two reveal rows, newest first, with actor and reason" \
    grep -qE '^ +[0-9]+  [0-9T:.-]+Z  tester +pii\.reveal +customer 1000000000  field=id_no reason=check$' "$T/out"
check "the phone reveal row" grep -q 'field=phone reason=回访客户$' "$T/out"
check "two rows" test "$(reveals)" = 2
expect_fail "reveal without a reason" 65 "needs a reason" customer reveal 1000000000 --field phone
expect_fail "reveal a field that is empty" 66 "customer '3300000001' has no phone on file" \
    customer reveal 3300000001 --field phone --reason x
expect_fail "reveal an unknown field" 64 "--field must be phone or id_no" \
    customer reveal 1000000000 --field name --reason x
check "refused reveals are not audited" test "$(reveals)" = 2

# --- export masks ---
expect_ok "export customers" export customers
check "export masks phone and ID number" \
    grep -q '^1000000000,张三,resident,220V,active,0,杭州市西湖区文三路1号,138\*\*\*\*5678,id_card,110101\*\*\*\*\*\*\*\*1233,XH01,2024-01-05,' "$T/out"
check "export never shows them in full" not grep -q -e 13812345678 -e 110101199003071233 "$T/out"

# --- update and history ---
expect_ok "update the address" customer update 1000000000 --address 杭州市西湖区文二路2号 \
    --effective 2024-06-01
check "says so" out_is "updated customer 1000000000"
run --json customer update 1000000000 --phone 13900001111 --effective 2024-06-02
check "update --json shows the new phone masked" grep -q '"phone":"139\*\*\*\*1111"' "$T/out"
expect_ok "account for a meter" account add 1000000000 --tariff RES-1 --cycle-day 5 --opened 2024-01-05
expect_ok "a meter" meter add M-0001 --model DDZY71 --phases 1
expect_ok "install it" meter install M-0001 --account 100000000001 --date 2024-01-06 --reads total=0
expect_ok "history" customer history 1000000000
check "history: meter install, address and phone changes, dated, oldest first" \
    out_is "2024-01-06  meter      - -> M-0001 @ 1000000000011 (new)  (tester)
2024-06-01  address    杭州市西湖区文三路1号 -> 杭州市西湖区文二路2号  (tester)
2024-06-02  phone      138****5678 -> 139****1111  (tester)"
run --json customer history 1000000000
check "history --json" grep -q '^\[{"effective_on":"2024-01-06","field":"meter","old":null,"new":"M-0001 @ 1000000000011 (new)","actor":"tester"},{"effective_on":"2024-06-01","field":"address","old":"杭州市西湖区文三路1号","new":"杭州市西湖区文二路2号","actor":"tester"},' "$T/out"
run customer search --phone 13900001111
check "search finds the new phone" grep -q '^1000000000 ' "$T/out"
run customer search --phone 13812345678
check "and not the old one" test ! -s "$T/out"

# --- bad input: named field and value, exit code, nothing changed ---
digest=$(db_digest)
A="--name 李四 --type resident --voltage 220V --address 杭州市 --org XH01"
expect_fail "unknown org" 66 "unknown org unit 'NOPE'" customer add $A --org NOPE
expect_fail "duplicate 户号" 67 "customer '1000000001' already exists" \
    customer add --cust-no 1000000001 $A
expect_fail "a 户号 that is not 10 digits" 65 "invalid cust_no '12345': a 户号 is exactly 10 digits" \
    customer add --cust-no 12345 $A
expect_fail "wrong ID check digit" 65 \
    "id_no: invalid ID number '110101\*{8}1234': check digit should be 3" \
    customer add $A --id-no 110101199003071234
expect_fail "malformed phone: too short" 65 "phone: invalid mobile number '1\*\*\*5'" \
    customer add $A --phone 12345
expect_fail "malformed phone: letters" 65 "phone: invalid phone number '13\*+7a'" \
    customer add $A --phone 1381234567a
expect_fail "date without leading zeros" 65 \
    "opened_on: invalid date '2024-1-5': expected YYYY-MM-DD" customer add $A --opened 2024-1-5
expect_fail "a date that does not exist" 65 \
    "opened_on: invalid date '2024-02-30': day 30 out of range for 2024-02" \
    customer add $A --opened 2024-02-30
expect_fail "bad user type" 65 \
    "invalid user_type 'villa': must be one of resident, general_ci, large_industry, agriculture" \
    customer add --name 李四 --type villa --voltage 220V --address 杭州市 --org XH01
expect_fail "bad voltage" 65 "invalid voltage '221V': must be one of 220V, 380V" \
    customer add --name 李四 --type resident --voltage 221V --address 杭州市 --org XH01
expect_fail "no address" 65 "address is empty" \
    customer add --name 李四 --type resident --voltage 220V --org XH01
expect_fail "a control character in the name" 65 "name contains a control character" \
    customer add --name "$(printf '李\t四')x" --type resident --voltage 220V --address x --org XH01
expect_fail "bad important flag" 65 "invalid important 'maybe'" customer add $A --important maybe
expect_fail "update: malformed phone" 65 "phone: invalid mobile number" \
    customer update 1000000000 --phone 139
expect_fail "update: bad effective date" 65 "invalid date '2024-13-01'" \
    customer update 1000000000 --name 张三丰 --effective 2024-13-01
expect_fail "update: nothing changes" 65 "nothing to change for customer '1000000000'" \
    customer update 1000000000 --address 杭州市西湖区文二路2号
expect_fail "update: unknown customer" 66 "unknown customer '1999999999'" \
    customer update 1999999999 --name x
expect_fail "update: status closed" 65 "use 'pmis customer close'" \
    customer update 1000000000 --status closed
expect_fail "close while a meter is installed" 67 \
    "customer '1000000000' still has meter 'M-0001' installed; remove it first" \
    customer close 1000000000 --date 2024-07-01
expect_fail "close before the opening date" 65 \
    "close date '2024-02-29' is before the opening date '2024-03-01'" \
    customer close 3300000001 --date 2024-02-29
check "nothing changed" test "$(db_digest)" = "$digest"

# --- close ---
expect_ok "remove the meter" meter remove M-0001 --date 2024-07-01 --reads total=1234.5
expect_ok "close" customer close 1000000000 --date 2024-07-01
check "says when" out_is "closed customer 1000000000 on 2024-07-01"
run --json customer show 1000000000
check "closed, with the date" grep -q '"status":"closed",.*"closed_on":"2024-07-01"}$' "$T/out"
check "its account is closed too" \
    test "$(sql "SELECT status || ' ' || closed_on FROM account WHERE account_no = '100000000001'")" = "closed 2024-07-01"
run customer history 1000000000
check "history has the removal and the closing" grep -q '^2024-07-01  meter      M-0001 @ 1000000000011 -> -  (tester)$' "$T/out"
check "history has the status change" grep -q '^2024-07-01  status     active -> closed  (tester)$' "$T/out"
expect_fail "close twice" 67 "customer '1000000000' is already closed \(on 2024-07-01\)" \
    customer close 1000000000
expect_fail "update a closed customer" 67 "customer '1000000000' is closed" \
    customer update 1000000000 --name 张三丰
run customer search --status closed
check "search by status" test "$(cut -c1-10 "$T/out")" = 1000000000

done_testing
