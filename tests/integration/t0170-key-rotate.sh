#!/bin/sh
# pmis key rotate: a new active data key; every personal-data value re-encrypted under it;
# reveal, masking and blind-index search keep working; an interrupted rotation resumes.
. "$PMIS_TOP/tests/integration/lib.sh"

# key_ids: the distinct key ids of stored phone ciphertexts (version byte, then 4-byte id)
key_ids() {
    case "$PMIS_TEST_DB" in
    sqlite:*) sql "SELECT DISTINCT hex(substr(phone_enc, 2, 4)) FROM customer WHERE phone_enc IS NOT NULL" ;;
    *) sql "SELECT DISTINCT upper(encode(substring(phone_enc from 2 for 4), 'hex')) FROM customer WHERE phone_enc IS NOT NULL" ;;
    esac
}

"$PMIS" init >/dev/null 2>&1 || { not_ok "init"; done_testing; exit 1; }
"$PMIS" tariff load "$PMIS_TOP/data/tariffs/demo-zhejiang.json" >/dev/null 2>&1 &&
    "$PMIS" demo --customers 40 >/dev/null 2>&1 || not_ok "demo"
"$PMIS" customer add --cust-no 3399000001 --name 张三 --type resident --voltage 220V \
    --address 文三路1号 --org ZJ-HZ-TL-FS --phone 13800138000 --id-no 11010519491231002X >/dev/null
acct=$(sql "SELECT account_no FROM account ORDER BY id LIMIT 1")
"$PMIS" outbox email "$acct" zhang.san@example.com >/dev/null || not_ok "an email address"
email_key() {
    case "$PMIS_TEST_DB" in
    sqlite:*) sql "SELECT hex(substr(email_enc, 2, 4)) FROM message_pref WHERE email_enc IS NOT NULL" ;;
    *) sql "SELECT upper(encode(substring(email_enc from 2 for 4), 'hex')) FROM message_pref WHERE email_enc IS NOT NULL" ;;
    esac
}
cp "$PMIS_KEYS_FILE" "$T/old.keys"
check "values start under key 1" test "$(key_ids)" = 00000001

expect_ok "rotate" key rotate
check "reports the new key" out_has "^active key 2 \(aes-256-gcm\): [0-9]+ values re-encrypted in [0-9]+ rows$"
check "the key file gained key 2 and kept key 1" sh -c "grep -c '^key ' '$PMIS_KEYS_FILE' | grep -qx 2"
check "the key file is still mode 0600" test "$(stat -c %a "$PMIS_KEYS_FILE")" = 600
check "every value is now under key 2" test "$(key_ids)" = 00000002
check "the email address of notices too" test "$(email_key)" = 00000002
expect_ok "reveal after rotation" customer reveal 3399000001 --field id_no --reason check
check "gives the value" out_is 11010519491231002X
expect_ok "phone search after rotation" customer search --phone 13800138000
check "finds the customer" out_has "^3399000001 "
expect_ok "show after rotation" customer show 3399000001
check "masked as before" out_has "138\*\*\*\*8000"
expect_fail "the old key file cannot read the new values" 79 "key id 2" \
    --keys "$T/old.keys" customer reveal 3399000001 --field phone --reason check
expect_ok "resume with nothing left to do" key rotate --resume
check "re-encrypts nothing" out_has "^active key 2 \(aes-256-gcm\): 0 values"
expect_ok "audit records both rotations" audit list --action key.rotate
check "two rows" test "$(wc -l <"$T/out")" -eq 2
expect_ok "audit chain intact" audit verify

done_testing
