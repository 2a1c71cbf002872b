#!/bin/sh
# The national-cipher option (国密, issue 5 §5): keys.algorithm = sm4-ctr-hmac-sm3 makes
# `pmis init` create an SM4-CTR + HMAC-SM3 key; personal data is stored, searched (blind index),
# masked and revealed as under AES; `pmis key rotate` converts SM4 -> AES and AES -> SM4, each
# interrupted by a storage fault part way and finished with --resume, with both kinds of
# ciphertext readable in between. Unknown algorithms (config file, environment, flag) are
# refused with a clear error and change nothing.
. "$PMIS_TOP/tests/integration/lib.sh"

# key_ids: the distinct key ids of stored phone ciphertexts (version byte, then 4-byte id)
key_ids() {
    case "$PMIS_TEST_DB" in
    sqlite:*) sql "SELECT DISTINCT hex(substr(phone_enc, 2, 4)) FROM customer WHERE phone_enc IS NOT NULL ORDER BY 1" ;;
    *) sql "SELECT DISTINCT upper(encode(substring(phone_enc from 2 for 4), 'hex')) FROM customer WHERE phone_enc IS NOT NULL ORDER BY 1" ;;
    esac | tr '\n' ' '
}
# stored_len CUST-NO COLUMN: bytes of one ciphertext (11-digit phone: 44 under AES, 64 under SM4)
stored_len() { sql "SELECT length($2) FROM customer WHERE cust_no = '$1'"; }
# no_schema: the database has no tables (nothing was created)
no_schema() {
    case "$PMIS_TEST_DB" in
    sqlite:*) test ! -s "${PMIS_TEST_DB#sqlite:}" ;;
    *) test "$(sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'")" = 0 ;;
    esac
}
# pii_works: reveal, masked show and both blind-index searches of customer 3399000001
pii_works() {
    "$PMIS" customer reveal 3399000001 --field phone --reason check 2>&1 | grep -qx 13800138000 &&
        "$PMIS" customer reveal 3399000001 --field id_no --reason check 2>&1 |
        grep -qx 11010519491231002X &&
        "$PMIS" customer show 3399000001 2>&1 | grep -q '138\*\*\*\*8000' &&
        "$PMIS" customer search --phone 13800138000 2>&1 | grep -q '^3399000001 ' &&
        "$PMIS" customer search --id-no 11010519491231002X 2>&1 | grep -q '^3399000001 ' &&
        "$PMIS" customer search --phone 13900130007 2>&1 | grep -q '^3400000007 '
}

# --- bad input before anything exists: nothing is created ---
printf '# deployment\nkeys.algorithm = sm4\n' >"$T/bad.conf"
expect_fail "an unknown keys.algorithm in the config file is refused" 78 \
    "bad.conf:2: 'keys.algorithm' must be one of aes-256-gcm, sm4-ctr-hmac-sm3, not 'sm4'" \
    --config "$T/bad.conf" init
PMIS_KEYS_ALGORITHM=SM4-GCM run init
check "and in the environment (exit $rc)" test "$rc" -eq 78
check "naming the variable" grep -q "PMIS_KEYS_ALGORITHM.*must be one of aes-256-gcm, sm4-ctr-hmac-sm3" "$T/err"
check "no key file was created" test ! -e "$PMIS_KEYS_FILE"
check "and no schema" no_schema

# --- init with SM4 ---
printf 'keys.algorithm = sm4-ctr-hmac-sm3\n' >"$T/sm4.conf"
expect_ok "init with keys.algorithm = sm4-ctr-hmac-sm3" --config "$T/sm4.conf" init --no-admin
check "says which algorithm" out_has "^key file .*: created, sm4-ctr-hmac-sm3 "
check "the key file holds an sm4 key 1" grep -qE '^key 1 sm4-ctr-hmac-sm3 [0-9a-f]{64}$' "$PMIS_KEYS_FILE"
check "mode 0600" test "$(stat -c %a "$PMIS_KEYS_FILE")" = 600
expect_ok "config show" --config "$T/sm4.conf" config show
check "shows keys.algorithm and its source" out_has "^keys.algorithm = sm4-ctr-hmac-sm3 +# .*sm4.conf:1"

"$PMIS" tariff load "$PMIS_TOP/data/tariffs/demo-zhejiang.json" >/dev/null 2>&1 &&
    "$PMIS" demo --customers 40 >/dev/null 2>&1 || not_ok "demo"
"$PMIS" customer add --cust-no 3399000001 --name 张三 --type resident --voltage 220V \
    --address 文三路1号 --org ZJ-HZ-TL-FS --phone 13800138000 --id-no 11010519491231002X >/dev/null ||
    not_ok "customer add"
# enough rows for three pages of re-encryption (1000 rows each), so a fault can land between
{
    echo "cust_no,name,user_type,voltage,address,org,phone"
    i=0
    while [ $i -lt 2500 ]; do
        printf '34%08d,客户%d,resident,220V,文三路%d号,ZJ-HZ-TL-FS,1390013%04d\n' $i $i $i $i
        i=$((i + 1))
    done
} >"$T/c.csv"
expect_ok "import 2,500 customers with phones" import customers "$T/c.csv"
check "every value is under key 1" test "$(key_ids)" = "00000001 "
check "an 11-digit phone takes 64 bytes (SM4: 5 + 16 IV + 11 + 32 tag)" \
    test "$(stored_len 3399000001 phone_enc)" = 64
check "an 18-character ID number takes 71" test "$(stored_len 3399000001 id_no_enc)" = 71
check "reveal, masking and blind-index search work under SM4" pii_works
expect_ok "export with personal data" export customers "$T/pii.csv" --with-pii
check "has the clear values" grep -q '13800138000,id_card,11010519491231002X' "$T/pii.csv"

# --- bad flag: nothing changes ---
cp "$PMIS_KEYS_FILE" "$T/keys.before"
digest=$(db_digest)
expect_fail "an unknown --algorithm is refused" 78 \
    "flag --algorithm: 'keys.algorithm' must be one of aes-256-gcm, sm4-ctr-hmac-sm3, not 'aes'" \
    key rotate --algorithm aes
PMIS_KEYS_ALGORITHM=des run key rotate
check "and an unknown PMIS_KEYS_ALGORITHM (exit $rc)" test "$rc" -eq 78
check "the key file is unchanged" cmp -s "$PMIS_KEYS_FILE" "$T/keys.before"
check "and the database" test "$(db_digest)" = "$digest"

# --- SM4 -> AES, interrupted by an I/O error in the second page, then resumed ---
PMIS_FAULT=io:3000 run key rotate --algorithm aes-256-gcm
check "a fault during the conversion exits 74" test "$rc" -eq 74
check "key 2 is aes-256-gcm and active (the last line)" \
    sh -c "grep '^key ' '$PMIS_KEYS_FILE' | tail -n 1 | grep -qE '^key 2 aes-256-gcm [0-9a-f]{64}$'"
check "half-way: values under both keys" test "$(key_ids)" = "00000001 00000002 "
check "both kinds of ciphertext read in the mixed state" pii_works
expect_fail "--resume with another algorithm is a usage error" 64 \
    "--resume finishes re-encrypting under the active key 2 \(aes-256-gcm\), not sm4-ctr-hmac-sm3" \
    key rotate --resume --algorithm sm4-ctr-hmac-sm3
expect_ok "--resume finishes" key rotate --resume
check "re-encrypting what was left" out_has "^active key 2 \(aes-256-gcm\): [1-9][0-9]* values re-encrypted in [0-9]+ rows$"
check "every value is under key 2" test "$(key_ids)" = "00000002 "
check "an 11-digit phone takes 44 bytes (AES-GCM)" test "$(stored_len 3399000001 phone_enc)" = 44
check "reveal, masking and search work under AES" pii_works

# --- AES -> SM4: keys.algorithm from the config file chooses, no flag needed ---
PMIS_FAULT=io:3000 run --config "$T/sm4.conf" key rotate
check "a fault during the conversion back exits 74" test "$rc" -eq 74
check "key 3 is sm4-ctr-hmac-sm3" grep -qE '^key 3 sm4-ctr-hmac-sm3 [0-9a-f]{64}$' "$PMIS_KEYS_FILE"
check "half-way: values under keys 2 and 3" test "$(key_ids)" = "00000002 00000003 "
check "both kinds read" pii_works
expect_ok "--resume finishes" key rotate --resume
check "under key 3" out_has "^active key 3 \(sm4-ctr-hmac-sm3\): [1-9][0-9]* values"
check "every value is under key 3" test "$(key_ids)" = "00000003 "
check "SM4-sized again" test "$(stored_len 3399000001 phone_enc)" = 64
check "reveal, masking and search work" pii_works

# --- a rotation with keys.algorithm unset keeps the active key's algorithm (no downgrade) ---
expect_ok "rotate without algorithm" key rotate
check "adds another sm4 key" out_has "^active key 4 \(sm4-ctr-hmac-sm3\): "
check "the key file has keys 1 to 4, nothing else changed" \
    test "$(grep '^key ' "$PMIS_KEYS_FILE" | cut -d' ' -f1-3 | tr '\n' ';')" = \
    "key 1 sm4-ctr-hmac-sm3;key 2 aes-256-gcm;key 3 sm4-ctr-hmac-sm3;key 4 sm4-ctr-hmac-sm3;"
check "one index line, never changed" test "$(grep -c '^index ' "$PMIS_KEYS_FILE")" = 1

# --- init on an existing key file never converts it; it says how ---
cp "$PMIS_KEYS_FILE" "$T/keys.before"
PMIS_KEYS_ALGORITHM=aes-256-gcm run init --no-admin
check "init with another keys.algorithm succeeds (exit $rc)" test "$rc" -eq 0
check "with a note" grep -q "note: keys.algorithm is aes-256-gcm but the key file's active key 4 is sm4-ctr-hmac-sm3: run 'pmis key rotate' to convert" "$T/err"
check "and the key file untouched" cmp -s "$PMIS_KEYS_FILE" "$T/keys.before"

# --- an OpenSSL without the algorithms (only the base provider): named, not a crash ---
printf 'openssl_conf = init\n[init]\nproviders = prov\n[prov]\nbase = base\n[base]\nactivate = 1\n' \
    >"$T/openssl.cnf"
OPENSSL_CONF="$T/openssl.cnf" run customer reveal 3399000001 --field phone --reason check
check "a key file the providers cannot serve exits 79 (exit $rc)" test "$rc" -eq 79
check "naming the algorithm and what is missing" \
    grep -qE "uses algorithm '(aes-256-gcm|sm4-ctr-hmac-sm3)', which needs (AES-256-GCM|SM4-CTR): this OpenSSL .* does not provide it \(is the default provider loaded\?" "$T/err"
OPENSSL_CONF="$T/openssl.cnf" run --keys "$T/new.keys" --set keys.algorithm=sm4-ctr-hmac-sm3 init --no-admin
check "init of an SM4 key file there exits 78 (exit $rc)" test "$rc" -eq 78
check "naming SM4-CTR" grep -q "key algorithm 'sm4-ctr-hmac-sm3', which needs SM4-CTR" "$T/err"
check "and creates no key file" test ! -e "$T/new.keys"

# --- audit ---
expect_ok "audit records the finished rotations" audit list --action key.rotate
check "three rows (interrupted runs wrote none)" test "$(wc -l <"$T/out")" -eq 3
expect_ok "audit chain intact" audit verify

done_testing
