/*
 * Fuzz target for the key file and ciphertexts (core/keyring.h). Input: one byte (mode =
 * byte % 3; bits 2-3 pick the context string, bit 4 the algorithm of mode 1), then:
 *   0  arbitrary ciphertext bytes for keyring_decrypt, under a fixed key file with keys 1 and 7
 *      (AES-256-GCM) and under one with keys 1 (AES) and 9 (SM4-CTR + HMAC-SM3)
 *   1  a plaintext, encrypted (under key 7, or under key 9: SM4), then altered at one spot
 *      chosen by the bytes
 *   2  a key file for keyring_load (mode 0600), then rotated with keyring_add_key if it loads
 * Invariants: decrypting bytes that keyring_encrypt did not make never succeeds, appends nothing
 * and fails with ERR_CORRUPT, ERR_KEY or ERR_TOO_LARGE; afterwards genuine ciphertexts under
 * either key still decrypt (the cached key context is not left wrong); an encrypted value
 * decrypts to itself and to nothing once any bit, its length or the context changes; blind
 * indexes are deterministic and separate domains; a key file either loads, with an active key
 * whose ciphertexts round-trip, or fails with ERR_KEY and a message with no key material (no run
 * of 32 hex digits); rotation adds exactly one key, makes it active, keeps old ciphertexts
 * readable and leaves no "<path>.new" behind.
 */
#include "core/common.h"
#include "core/keyring.h"
#include "core/strbuf.h"
#include "fuzz.h"

#include <ctype.h>

#define HEX_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_B "f0e0d0c0b0a090807060504030201000ffeeddccbbaa99887766554433221100"
#define HEX_I "4949494949494949494949494949494949494949494949494949494949494949"

static const char *const aads[4] = {NULL, "", "customer.phone", "customer.id_number"};

static struct keyring *kr;  /* keys 1 and 7 (active) */
static struct keyring *kr4; /* keys 1 and 9 (sm4-ctr-hmac-sm3, active) */
/* "one" under key 1, "seven" under key 7, "nine" under key 9, all with context "ctx" */
static struct strbuf ct1 = STRBUF_INIT, ct7 = STRBUF_INIT, ct9 = STRBUF_INIT;

static void setup(void)
{
    struct err e = ERR_INIT;
    struct keyring *k1;
    static const char one[] = "key 1 aes-256-gcm " HEX_A "\nindex " HEX_I "\n";
    const char *path = fuzz_write_file("single.keys", one, strlen(one), 0600);
    CHECK(keyring_load(path, &k1, &e) == 0, "%s", e.msg);
    CHECK(keyring_encrypt(k1, "ctx", "one", 3, &ct1, &e) == 0, "%s", e.msg);
    keyring_free(k1);
    static const char two[] = "# two keys\nkey 1 aes-256-gcm " HEX_A "\nkey 7 aes-256-gcm " HEX_B
                              " active\nindex " HEX_I "\n";
    path = fuzz_write_file("fixed.keys", two, strlen(two), 0600);
    CHECK(keyring_load(path, &kr, &e) == 0, "%s", e.msg);
    CHECK(keyring_active_id(kr) == 7, "active %" PRIu32, keyring_active_id(kr));
    CHECK(keyring_encrypt(kr, "ctx", "seven", 5, &ct7, &e) == 0, "%s", e.msg);
    static const char mixed[] =
        "key 1 aes-256-gcm " HEX_A "\nkey 9 sm4-ctr-hmac-sm3 " HEX_B " active\nindex " HEX_I "\n";
    path = fuzz_write_file("mixed.keys", mixed, strlen(mixed), 0600);
    CHECK(keyring_load(path, &kr4, &e) == 0, "%s", e.msg);
    CHECK(keyring_encrypt(kr4, "ctx", "nine", 4, &ct9, &e) == 0, "%s", e.msg);
}

static void expect_plain(struct keyring *k, const struct strbuf *ct, const char *aad,
                         const char *want, size_t len)
{
    struct strbuf out = STRBUF_INIT;
    struct err e = ERR_INIT;
    CHECK(keyring_decrypt(k, aad, ct->buf, ct->len, &out, &e) == 0, "genuine ciphertext: %s",
          e.msg);
    CHECK(out.len == len && !memcmp(out.buf, want, len), "wrong plaintext");
    strbuf_release(&out);
}

/* keyring_decrypt must fail on `ct` and leave `out`'s "pre" alone. */
static void expect_fail(struct keyring *k, const char *aad, const void *ct, size_t len)
{
    struct strbuf out = STRBUF_INIT;
    struct err e = ERR_INIT;
    strbuf_addstr(&out, "pre");
    int rc = keyring_decrypt(k, aad, ct, len, &out, &e);
    CHECK(rc == ERR_CORRUPT || rc == ERR_KEY || rc == ERR_TOO_LARGE,
          "decrypt of %zu bytes returned %d (%s)", len, rc, e.msg);
    CHECK(e.code == rc && e.msg[0], "error not recorded");
    CHECK(out.len == 3 && !strcmp(out.buf, "pre"), "failed decrypt appended %zu bytes",
          out.len - 3);
    strbuf_release(&out);
}

static void check_random(const uint8_t *p, size_t n, const char *aad)
{
    expect_fail(kr, aad, p, n);
    uint32_t id = 0;
    struct err e = ERR_INIT;
    int rc = keyring_ciphertext_key_id(p, n, &id, &e);
    CHECK(rc == (n < 5 || p[0] != KEYRING_VERSION ? ERR_CORRUPT : 0), "key id of %zu bytes", n);
    bool rot = keyring_needs_rotation(kr, p, n);
    CHECK(rot == (rc || n < KEYRING_OVERHEAD || id != 7), "needs_rotation %d for id %" PRIu32, rot,
          id);
    /* the cached context still decrypts what it should, under either key */
    expect_plain(kr, &ct1, "ctx", "one", 3);
    expect_fail(kr, aad, p, n);
    expect_plain(kr, &ct7, "ctx", "seven", 5);
    /* the same with both algorithms in one key file */
    expect_fail(kr4, aad, p, n);
    CHECK(keyring_needs_rotation(kr4, p, n) == (rc || n < KEYRING_SM4_OVERHEAD || id != 9),
          "sm4 needs_rotation for id %" PRIu32, id);
    expect_plain(kr4, &ct9, "ctx", "nine", 4);
    expect_plain(kr4, &ct1, "ctx", "one", 3);
    expect_fail(kr4, aad, p, n);
}

static void check_tamper(const uint8_t *p, size_t n, const char *aad, uint8_t sel)
{
    struct strbuf ct = STRBUF_INIT;
    struct err e = ERR_INIT;
    struct keyring *k = (sel >> 4) & 1 ? kr4 : kr;
    if (n > 512)
        n = 512;
    CHECK(keyring_encrypt(k, aad, p, n, &ct, &e) == 0, "%s", e.msg);
    CHECK(ct.len == n + keyring_overhead(k), "ciphertext of %zu bytes for %zu", ct.len, n);
    CHECK(!keyring_needs_rotation(k, ct.buf, ct.len), "fresh ciphertext needs rotation");
    expect_plain(k, &ct, aad, (const char *)p, n);

    /* one bit, chosen by the plaintext's bytes */
    size_t pos = 0;
    for (size_t i = 0; i < n; i++)
        pos = pos * 31 + p[i];
    pos %= ct.len;
    ct.buf[pos] ^= (char)(1u << (sel % 8));
    expect_fail(k, aad, ct.buf, ct.len);
    ct.buf[pos] ^= (char)(1u << (sel % 8));
    expect_fail(k, aad, ct.buf, ct.len - 1 - pos % 4);
    expect_fail(k, aad == aads[2] ? aads[3] : aads[2], ct.buf, ct.len); /* another context */
    expect_plain(k, &ct, aad, (const char *)p, n);

    unsigned char a[KEYRING_INDEX_LEN], b[KEYRING_INDEX_LEN], c[KEYRING_INDEX_LEN];
    CHECK(keyring_blind_index(k, "customer.phone", p, n, a, &e) == 0 &&
              keyring_blind_index(k, "customer.phone", p, n, b, &e) == 0 &&
              keyring_blind_index(k, "customer.name", p, n, c, &e) == 0,
          "blind index: %s", e.msg);
    CHECK(!memcmp(a, b, sizeof(a)) && memcmp(a, c, sizeof(a)), "blind index domains");
    strbuf_release(&ct);
}

static bool has_hex_run(const char *s, size_t run)
{
    size_t k = 0;
    for (; *s; s++) {
        k = isxdigit((unsigned char)*s) ? k + 1 : 0;
        if (k >= run)
            return true;
    }
    return false;
}

static void check_keyfile(const uint8_t *p, size_t n)
{
    struct keyring *k = NULL, *c = NULL;
    struct err e = ERR_INIT;
    const char *path = fuzz_write_file("keys", p, n, 0600);
    char keypath[512], newpath[520];
    snprintf(keypath, sizeof(keypath), "%s", path);
    snprintf(newpath, sizeof(newpath), "%s.new", keypath);
    int rc = keyring_load(keypath, &k, &e);
    if (rc) {
        CHECK(rc == ERR_KEY && e.code == rc && !k, "keyring_load returned %d: %s", rc, e.msg);
        CHECK(!has_hex_run(e.msg, 32), "key material in the message: %s", e.msg);
        return;
    }
    size_t nkeys = keyring_key_count(k);
    uint32_t active = keyring_active_id(k);
    CHECK(nkeys >= 1 && active >= 1, "%zu keys, active %" PRIu32, nkeys, active);
    struct strbuf ct = STRBUF_INIT;
    CHECK(keyring_encrypt(k, "ctx", "value", 5, &ct, &e) == 0, "%s", e.msg);
    expect_plain(k, &ct, "ctx", "value", 5);
    expect_fail(k, "ctx", ct1.buf, ct1.len - 1);
    CHECK(keyring_clone(k, &c, &e) == 0, "%s", e.msg);
    expect_plain(c, &ct, "ctx", "value", 5);
    keyring_free(c);

    /* rotation: one more key, now active; the old ciphertext still reads */
    uint32_t new_id = 0;
    rc = keyring_add_key(keypath, k, &new_id, &e);
    CHECK(access(newpath, F_OK) != 0, "rotation left '%s'", newpath);
    if (rc) {
        CHECK(rc == ERR_KEY && strstr(e.msg, "has used every key id"), "rotation failed: %s",
              e.msg);
    } else {
        CHECK(keyring_key_count(k) == nkeys + 1, "%zu keys after rotation, not %zu",
              keyring_key_count(k), nkeys + 1);
        CHECK(keyring_active_id(k) == new_id,
              "rotation added key %" PRIu32 " but key %" PRIu32 " is active", new_id,
              keyring_active_id(k));
        expect_plain(k, &ct, "ctx", "value", 5);
        struct keyring *again = NULL;
        CHECK(keyring_load(keypath, &again, &e) == 0, "rotated file does not load: %s", e.msg);
        CHECK(keyring_active_id(again) == new_id && keyring_key_count(again) == nkeys + 1,
              "rotated file differs from the keyring");
        expect_plain(again, &ct, "ctx", "value", 5);
        keyring_free(again);
    }
    strbuf_release(&ct);
    keyring_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!kr)
        setup();
    if (size < 1)
        return 0;
    int mode = data[0] % 3;
    const char *aad = aads[(data[0] >> 2) % 4];
    if (mode == 0)
        check_random(data + 1, size - 1, aad);
    else if (mode == 1)
        check_tamper(data + 1, size - 1, aad, data[0]);
    else
        check_keyfile(data + 1, size - 1);
    return 0;
}
