#!/bin/sh
# Customer search by the e-mail address of an account's notices (message_pref.email_bidx,
# sql/0025), as by phone: exact after the address's normalisation (trimmed, lower-cased), through
# the keyed blind index, scoped to the org subtree in SQL (--org, the caller's scope over HTTP),
# paged by 户号. A malformed address is refused with its masked form and what is wrong; the
# address is never printed, logged or answered unmasked. CLI (customer search --email) and
# GET /api/v1/customers?email=.
. "$PMIS_TOP/tests/integration/lib.sh"
. "$PMIS_TOP/tests/integration/api-lib.sh"

ledger_fixture &&
    "$PMIS" outbox email "$A1" Wang.Yi@Example.COM >/dev/null &&
    "$PMIS" outbox email "$NB1" wang.yi@example.com >/dev/null &&
    "$PMIS" outbox email "$A2" li.er@example.cn >/dev/null &&
    echo $pw | "$PMIS" user add clerk --org HZ --roles service_agent --password-stdin >/dev/null &&
    echo $pw | "$PMIS" user add kasa --org HZ --roles cashier --password-stdin >/dev/null ||
    { not_ok "set up"; done_testing; exit 1; }
nos() { jq -r '[.items[].cust_no] | join(" ")' "$T/out"; }
secret='wang.yi@example'

# ---- CLI ----
expect_ok "search by e-mail" --json customer search --email ' WANG.YI@example.com '
check "both accounts' customers with that address (HZ and NB), any case, trimmed" \
    test "$(nos)" = "3300000001 3300000003"
check "the address is not printed" not grep -qi "$secret" "$T/out" "$T/err"
expect_ok "--org HZ" --json customer search --email wang.yi@example.com --org HZ
check "the HZ customer only (scope in SQL)" test "$(nos)" = 3300000001
expect_ok "--limit 1" --json customer search --email wang.yi@example.com --limit 1
check "a page of one, the next page's cursor" test "$(nos) $(jq -r .next "$T/out")" = "3300000001 3300000001"
expect_ok "--after 3300000001" --json customer search --email wang.yi@example.com --after 3300000001
check "the next page" test "$(nos)" = 3300000003
expect_ok "an address nobody has" --json customer search --email zhao@example.com
check "no customer" test "$(nos)" = ""
expect_ok "another account's address" customer search --email li.er@example.cn
check "its customer" out_has '^3300000002 '
"$PMIS" outbox email "$A2" "" >/dev/null
expect_ok "after the address is removed" --json customer search --email li.er@example.cn
check "no customer" test "$(nos)" = ""
expect_fail "a malformed address: masked, what is wrong" 65 \
    "error: invalid email address 'wa\*+om': it needs exactly one '@'$" \
    customer search --email 'wang.yi@@example.com'
check "the address is not echoed" not grep -qi "$secret" "$T/err"
expect_fail "an empty address" 65 "search text is empty" customer search --email ''
expect_fail "one kind at a time" 64 "search by one of --no, --name, --address, --phone, --id-no, --meter, --email at a time" \
    customer search --email a@example.com --phone 13800000000

# ---- HTTP ----
serve_start
login clerk $pw clerk.jar
login kasa $pw kasa.jar
req GET '/api/v1/customers?email=Wang.Yi%40Example.COM' -b "$T/clerk.jar"
check "GET /customers?email=: 200, the HZ caller's subtree only" \
    test "$status $(jq -r '[.items[].cust_no] | join(" ")' "$T/body")" = "200 3300000001"
check "the reply does not carry the address" not grep -qi "$secret" "$T/body"
req GET '/api/v1/customers?email=wang.yi%40example.com&org=NB' -b "$T/clerk.jar"
check "another subtree's org: 404" test "$status" = 404
req GET '/api/v1/customers?email=wang.yi%40%40example.com' -b "$T/clerk.jar"
check "a malformed address: 400, masked" \
    test "$status $(jq -r .error.message "$T/body" | sed -E 's/wa\*+om/wa*om/')" = "400 invalid email address 'wa*om': it needs exactly one '@'"
req GET '/api/v1/customers?email=a%40example.com&phone=13800000000' -b "$T/clerk.jar"
check "one kind at a time: 400" test "$status" = 400
req GET '/api/v1/customers?email=wang.yi%40example.com' -b "$T/kasa.jar"
check "a cashier (customer:read) may search too" test "$status" = 200
serve_stop
check "the server's log never holds the address" not grep -qi "$secret" "$T/serve.log"
check "nor the audit log" \
    test "$(sql "SELECT COUNT(*) FROM audit_log WHERE COALESCE(detail, '') || COALESCE(entity_key, '') LIKE '%example%'")" = 0

done_testing
