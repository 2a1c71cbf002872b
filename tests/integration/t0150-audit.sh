#!/bin/sh
# The audit trail: every archive write adds one row with the actor (--as, else PMIS_AS, else the
# OS user); pmis audit list filters it; pmis audit verify checks the hash chain and names the
# first bad row after the database is tampered with directly (an edited row, a deleted middle
# row, a deleted last row). Concurrent writers (four processes, each appending inside its own
# transactions) still leave one contiguous chain that verifies.
. "$PMIS_TOP/tests/integration/lib.sh"

# --no-admin: the first administrator's audit row would shift every row number below
"$PMIS" init --no-admin >/dev/null 2>&1 || { not_ok "init"; done_testing; exit 1; }

# one write of every kind, by three actors
expect_ok "org add (PMIS_AS)" org add ZJ --name 浙江 --level province
expect_ok "org add --as alice" --as alice org add XH01 --name 文三供电所 --level station --parent ZJ
PMIS_AS=bob
expect_ok "customer add (PMIS_AS=bob)" customer add --cust-no 1000000001 \
    --name 张三 --type resident --voltage 220V --address 杭州市文三路1号 --org XH01 \
    --phone 13812345678 --opened 2024-01-01
expect_ok "--as wins over PMIS_AS" --as alice customer update 1000000001 \
    --address 杭州市文二路2号 --effective 2024-02-01
PMIS_AS=tester
# the tariffs the account names, loaded first (an account names a loaded tariff): 2 rows each
check "tariff load" load_tariffs RES-1 RES-2
expect_ok "account add" account add 1000000001 --tariff RES-1 --cycle-day 5 --opened 2024-01-01
expect_ok "account update" account update 100000000101 --tariff RES-2 --effective 2024-03-01
expect_ok "meter add" meter add M-1 --model DDZY71-Z --phases 1
expect_ok "meter install" meter install M-1 --account 100000000101 --date 2024-01-02
expect_ok "customer reveal" customer reveal 1000000001 --field phone --reason 核对
printf '%s\n' cust_no,name,user_type,voltage,address,org,opened_on \
    1000000002,李四,resident,220V,杭州市,XH01,2024-01-01 >"$T/c.csv"
expect_ok "import" import customers "$T/c.csv"
expect_ok "export with personal data" export customers --with-pii
expect_ok "meter remove" meter remove M-1 --date 2024-06-30 --reads total=100
expect_ok "customer close" customer close 1000000001 --date 2024-06-30
(
    unset PMIS_AS
    USER=carol "$PMIS" org add HZ --name 杭州 --level city --parent ZJ >"$T/out" 2>"$T/err"
) && ok "org add as the OS user" || not_ok "org add as the OS user"
rows=$(sql "SELECT COUNT(*) FROM audit_log")
expect_fail "a refused write" 67 "already exists" org add HZ --name 杭州 --level city --parent ZJ
expect_fail "a refused reveal" 65 "needs a reason" customer reveal 1000000001 --field phone
expect_ok "reads" customer show 1000000001
expect_ok "more reads" customer search --name 张
check "reads and refused writes add no audit row" test "$(sql "SELECT COUNT(*) FROM audit_log")" = "$rows"

check "one row per write, in order, with its actor" \
    test "$(sql "SELECT id || ' ' || actor || ' ' || action || ' ' || entity || ' ' || entity_key FROM audit_log ORDER BY id")" = \
    "1 tester org.create org ZJ
2 alice org.create org XH01
3 bob customer.create customer 1000000001
4 alice customer.update customer 1000000001
5 tester tariff.add tariff RES-1
6 tester tariff.version.add tariff RES-1
7 tester tariff.add tariff RES-2
8 tester tariff.version.add tariff RES-2
9 tester account.create account 100000000101
10 tester account.update account 100000000101
11 tester meter.create meter M-1
12 tester meter.install meter M-1
13 tester pii.reveal customer 1000000001
14 tester import.customers import $T/c.csv
15 tester export.customers export *
16 tester meter.remove meter M-1
17 tester customer.close customer 1000000001
18 carol org.create org HZ"
check "the history records the same actor" \
    test "$(sql "SELECT actor FROM customer_history WHERE field = 'address'")" = alice
check "details name what changed, never personal data" \
    test "$(sql "SELECT detail FROM audit_log WHERE id IN (4, 13, 14) ORDER BY id" | tr '\n' '|')" = \
    "address|field=phone reason=核对|rows=1 created=1 unchanged=0|"
check "no phone number anywhere in the audit log" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%5678%' OR after_digest LIKE '%5678%'")" = 0

# audit list
expect_ok "audit list --actor alice" audit list --actor alice
check "two rows, newest first" test "$(awk '{print $1}' "$T/out" | tr '\n' ' ')" = "4 2 "
check "the row format" grep -qE '^     4  [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z  alice +customer\.update +customer 1000000001  address$' "$T/out"
run audit list --entity meter
check "--entity" test "$(awk '{print $1}' "$T/out" | tr '\n' ' ')" = "16 12 11 "
run audit list --key 1000000001
check "--key" test "$(awk '{print $1}' "$T/out" | tr '\n' ' ')" = "17 13 4 3 "
run audit list --action pii.reveal
check "--action" test "$(awk '{print $1}' "$T/out" | tr '\n' ' ')" = "13 "
run audit list --since 2000-01-01
check "--since a date" test "$(wc -l <"$T/out")" = 18
run audit list --until 2000-01-02T00:00:00Z
check "--until an instant" test ! -s "$T/out"
run audit list --limit 2
check "--limit" test "$(awk '{print $1}' "$T/out" | tr '\n' ' ')" = "18 17 "
run audit list --before-id 17 --limit 1
check "--before-id pages back" test "$(awk '{print $1}' "$T/out" | tr '\n' ' ')" = "16 "
run --json audit list --action customer.update
check "audit list --json" grep -qE '^\[\{"id":4,"at":"[0-9T:.-]+Z","actor":"alice","action":"customer.update","entity":"customer","entity_key":"1000000001","before_digest":"[0-9a-f]{64}","after_digest":"[0-9a-f]{64}","detail":"address","request_id":null,"hash":"[0-9a-f]{64}"\}\]$' "$T/out"
expect_fail "a bad --since" 65 "2024-13-01" audit list --since 2024-13-01

# verify, then tamper
expect_ok "audit verify" audit verify
check "all rows verified" out_is "audit log intact: 18 rows verified"
run --json audit verify
check "audit verify --json" out_is '{"ok":true,"rows":18,"first_bad_row":null}'

sql "UPDATE audit_log SET actor = 'mallory' WHERE id = 3"
digest=$(db_digest)
expect_fail "an edited row" 76 \
    "audit log broken at row 3: its contents do not match its hash \(the row was edited\)" audit verify
run --json audit verify
check "names row 3 in JSON" grep -q '"ok":false,.*"first_bad_row":3}$' "$T/out"
check "exit 76 with --json too" test "$rc" = 76
check "verify changes nothing" test "$(db_digest)" = "$digest"

# two more databases with the same short history, one per kind of deletion
populate() {
    "$PMIS" --db "$1" init --no-admin >/dev/null 2>&1 &&
        "$PMIS" --db "$1" org add ZJ --name 浙江 --level province >/dev/null &&
        "$PMIS" --db "$1" org add HZ --name 杭州 --level city --parent ZJ >/dev/null &&
        "$PMIS" --db "$1" org add NB --name 宁波 --level city --parent ZJ >/dev/null &&
        "$PMIS" --db "$1" org add WZ --name 温州 --level city --parent ZJ >/dev/null &&
        "$PMIS" --db "$1" org add XH --name 西湖 --level county --parent HZ >/dev/null
}
mid=$(new_db mid)
last=$(new_db last)
populate "$mid" && populate "$last" || not_ok "populate the copies"
expect_ok "a copy verifies" --db "$mid" audit verify
sql_at "$mid" "DELETE FROM audit_log WHERE id = 3"
expect_fail "a deleted middle row" 76 "audit log broken at row 3: it was deleted \(the next row is 4\)" \
    --db "$mid" audit verify
run --db "$mid" --json audit verify
check "names row 3 in JSON" grep -q '"first_bad_row":3}$' "$T/out"
sql_at "$last" "DELETE FROM audit_log WHERE id = 5"
expect_fail "a deleted last row" 76 \
    "audit log broken after row 4: the chain head records row 5 \(rows at the end were deleted\)" \
    --db "$last" audit verify
run --db "$last" --json audit verify
check "names row 5 in JSON" grep -q '"first_bad_row":5}$' "$T/out"

# concurrent writers: 4 processes x 10 audited changes, each in its own transaction
par=$(new_db par)
populate "$par" || not_ok "populate the concurrent copy"
for w in 1 2 3 4; do
    (
        i=0
        while [ $i -lt 10 ]; do
            "$PMIS" --db "$par" org add "P$w$i" --name 并发 --level county --parent HZ >/dev/null ||
                echo "writer $w: org add P$w$i failed" >>"$T/par-err"
            i=$((i + 1))
        done
    ) &
done
wait
check "every concurrent write succeeded" test ! -s "$T/par-err"
check "40 more rows, ids contiguous" \
    test "$(sql_at "$par" "SELECT COUNT(*) || ' ' || MIN(id) || ' ' || MAX(id) FROM audit_log")" = "45 1 45"
expect_ok "and one chain that verifies" --db "$par" audit verify
check "to its head" out_has "45 rows verified"

done_testing
