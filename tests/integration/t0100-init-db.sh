#!/bin/sh
# pmis init, db migrate/status, and the start-up failures every command shares: a database that
# is not migrated, not SQLite or not reachable, and a missing, unsafe or wrong key file.
. "$PMIS_TOP/tests/integration/lib.sh"

# pmis --help: the commands' summaries in one column, past the longest name (two-word names
# longer than the old fixed column ran into their summary)
expect_ok "pmis --help" --help
check "lists the commands with their summaries in one column" test "$(
    awk '/^commands:/ { f = 1; next } /^$/ { f = 0 } f' "$T/out" |
        sed -E 's/^(  [a-z-]+( [a-z-]+)? +)[^ ].*/\1/' | awk '{ print length($0) }' | sort -u | wc -l)" = 1
# (under ASan these also check that the usage paths free the configuration: they leaked it)
expect_ok "pmis org --help" org --help
check "lists the org verbs" out_has "^  tree +print the org tree"
expect_fail "pmis alone: the usage, exit 64" 64 "^usage: pmis "

if [ "$PMIS_BACKEND" = sqlite ]; then
    db_file=${PMIS_TEST_DB#sqlite:}
    expect_fail "a command before init says to run init" 66 \
        "database 'sqlite:$db_file' does not exist \(run 'pmis init'\)" org list
    check "and creates no database file" test ! -e "$db_file"
    : >"$db_file"
fi
expect_fail "a command on an empty database says to migrate" 78 \
    "lacks 33 migrations \(first 0001 'archive'\): run 'pmis db migrate'" org list
check "and creates no key file" test ! -e "$PMIS_KEYS_FILE"

expect_ok "init" init
check "init reports the migration and the new key file" \
    grep -q "33 migration(s) applied" "$T/out"
check "init names the key file as created" grep -q "key file $PMIS_KEYS_FILE: created" "$T/out"
check "the key file has mode 0600" test "$(stat -c %a "$PMIS_KEYS_FILE")" = 600

expect_ok "db status" db status
check "db status shows 0001 applied" grep -qE '^0001 archive +[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$T/out"
run --json db status
check "db status --json" grep -qE '^\[\{"version":1,"name":"archive","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":2,"name":"calendar","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":3,"name":"tariff","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":4,"name":"reading","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":5,"name":"billing","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":6,"name":"meter_install_meter","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":7,"name":"customer_name_grams","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":8,"name":"ledger","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":9,"name":"auth","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":10,"name":"collections","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":11,"name":"api_perms","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":12,"name":"bill_units","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":13,"name":"api_collect_perms","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":14,"name":"service","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":15,"name":"service2","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":16,"name":"apply","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":17,"name":"survey","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":18,"name":"outbox","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":19,"name":"audit_org","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":20,"name":"service_api","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":21,"name":"disconnect_final","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":23,"name":"apply_sla","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":25,"name":"message_email","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":26,"name":"crew_perm","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":27,"name":"bill_run_progress","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":28,"name":"payment_batch_finished","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":30,"name":"bill_run_error_zh","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":31,"name":"final_notice_channel","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":32,"name":"deposit_refund","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":33,"name":"apply_limit_version","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":35,"name":"apply_limit_single","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":38,"name":"receivable_fillfactor","applied":true,"applied_at":"[0-9T:Z-]+"\},\{"version":39,"name":"ticket_clock_fillfactor","applied":true,"applied_at":"[0-9T:Z-]+"\}\]$' "$T/out"
expect_ok "db migrate with nothing pending" db migrate
check "db migrate applies nothing" out_is "0 migration(s) applied"

keys_before=$(sha256sum <"$PMIS_KEYS_FILE")
digest=$(db_digest)
expect_ok "init again" --json init
check "init again keeps the key file" test "$(sha256sum <"$PMIS_KEYS_FILE")" = "$keys_before"
check "init again creates nothing" grep -q '"key_file_created":false,"migrations_applied":0' "$T/out"
check "init again leaves the database unchanged" test "$(db_digest)" = "$digest"
expect_ok "commands work after init" org list

# a file that is not a SQLite database: refused before anything is created
echo hello >"$T/x.db"
expect_fail "a non-SQLite file is refused" 76 "'.*x\.db' is not a SQLite database" \
    --db "sqlite:$T/x.db" org list
expect_fail "init refuses it too" 76 "x\.db' is not a SQLite database" \
    --db "sqlite:$T/x.db" --keys "$T/x.keys" init
check "the file is untouched" test "$(cat "$T/x.db")" = hello
check "no key file was created for it" test ! -e "$T/x.keys"

if [ "$PMIS_BACKEND" = pg ]; then
    expect_fail "an unreachable PostgreSQL is refused" 69 \
        "cannot connect to 'postgresql:///nope\?host=/nonexistent'.*/nonexistent" \
        --db 'postgresql:///nope?host=/nonexistent' org list
else
    ok "an unreachable PostgreSQL is refused # SKIP PostgreSQL only"
fi

# personal data needs the key file
expect_ok "add an org" org add ZJ --name 浙江 --level province
expect_ok "add a customer with personal data" customer add --cust-no 1000000001 --name 张三 \
    --type resident --voltage 220V --address 杭州市 --org ZJ --phone 13812345678
expect_fail "a missing key file" 79 "key file '$T/none.keys' not found \(run 'pmis init'" \
    --keys "$T/none.keys" customer show 1000000001
check "is not created by other commands" test ! -e "$T/none.keys"

cp "$PMIS_KEYS_FILE" "$T/open.keys"
chmod 644 "$T/open.keys"
expect_fail "a key file readable by others" 79 "open\.keys' is readable by others.*chmod 600" \
    --keys "$T/open.keys" customer show 1000000001

echo "not a key file" >"$T/junk.keys"
chmod 600 "$T/junk.keys"
expect_fail "a key file that is not one" 79 "key file '.*junk\.keys' line 1" \
    --keys "$T/junk.keys" customer show 1000000001

expect_ok "init with another key file" --keys "$T/other.keys" init
check "creates it with mode 0600" test "$(stat -c %a "$T/other.keys")" = 600
check "a different key" test "$(sha256sum <"$T/other.keys")" != "$keys_before"
audit_rows=$(sql "SELECT COUNT(*) FROM audit_log")
expect_fail "reveal under the wrong key file" 79 \
    "customer '1000000001' phone: decryption failed \(wrong key file\?\)" \
    --keys "$T/other.keys" customer reveal 1000000001 --field phone --reason check
expect_fail "export with personal data under the wrong key file" 79 \
    "row '1000000001', column phone: decryption failed \(wrong key file\?\)" \
    --keys "$T/other.keys" export customers --with-pii
check "neither is audited" test "$(sql "SELECT COUNT(*) FROM audit_log")" = "$audit_rows"
expect_ok "the right key file still reveals" customer reveal 1000000001 --field phone --reason check
check "the full value" out_is 13812345678

done_testing
