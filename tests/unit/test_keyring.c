/*
 * Unit tests for core/keyring.h: key file creation and loading errors, AES-256-GCM and
 * SM4-CTR + HMAC-SM3 (国密) round trips and tamper detection, known answers of SM4 and SM3
 * against GB/T 32907 and GB/T 32905, key files mixing both algorithms, blind indexes, rotation,
 * clones and nonces across fork().
 */
#include "core/common.h"
#include "core/err.h"
#include "core/keyring.h"
#include "core/strbuf.h"

#include <fcntl.h>
#include <setjmp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/pmis-keyring-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A fresh path in the temp directory (caller frees). */
static char *path_of(const char *name)
{
    struct strbuf sb = STRBUF_INIT;
    strbuf_addf(&sb, "%s/%s", tmpdir, name);
    unlink(sb.buf);
    return strbuf_detach(&sb, NULL);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static void read_file(const char *path, struct strbuf *out)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
        strbuf_add(out, buf, n);
    fclose(fp);
}

#define HEX_A "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define HEX_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define HEX_I "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

static struct keyring *load_ok(const char *path)
{
    struct keyring *kr = NULL;
    struct err err = ERR_INIT;
    int rc = keyring_load(path, &kr, &err);
    if (rc)
        fail_msg("keyring_load: %s", err.msg);
    return kr;
}

static void expect_load_error(const char *text, mode_t mode, const char *want_suffix)
{
    char *path = path_of("bad-keys");
    write_file(path, text, mode);
    struct keyring *kr = (struct keyring *)1;
    struct err err = ERR_INIT;
    assert_int_equal(keyring_load(path, &kr, &err), ERR_KEY);
    assert_null(kr);
    struct strbuf want = STRBUF_INIT;
    strbuf_addf(&want, "key file '%s'%s", path, want_suffix);
    assert_string_equal(err.msg, want.buf);
    /* key material never appears in a message */
    assert_null(strstr(err.msg, "00112233"));
    assert_null(strstr(err.msg, "ffeeddcc"));
    strbuf_release(&want);
    free(path);
}

static void test_create(void **state)
{
    (void)state;
    char *path = path_of("keys");
    struct err err = ERR_INIT;
    mode_t old = umask(0); /* whatever the umask, the mode is exactly 0600 */
    assert_int_equal(keyring_create(path, &err), 0);
    umask(old);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);

    struct strbuf before = STRBUF_INIT, after = STRBUF_INIT;
    read_file(path, &before);
    assert_non_null(strstr(before.buf, "\nkey 1 aes-256-gcm "));
    assert_non_null(strstr(before.buf, "\nindex "));
    assert_int_equal(keyring_create(path, &err), ERR_CONFLICT);
    struct strbuf want = STRBUF_INIT;
    strbuf_addf(&want, "key file '%s' already exists; refusing to overwrite it", path);
    assert_string_equal(err.msg, want.buf);
    read_file(path, &after);
    assert_string_equal(before.buf, after.buf);

    struct keyring *kr = load_ok(path);
    assert_int_equal(keyring_active_id(kr), 1);
    assert_int_equal(keyring_key_count(kr), 1);
    keyring_free(kr);

    /* two key files never share keys */
    char *path2 = path_of("keys2");
    assert_int_equal(keyring_create(path2, &err), 0);
    strbuf_reset(&after);
    read_file(path2, &after);
    assert_string_not_equal(before.buf, after.buf);

    assert_int_equal(keyring_create("/nonexistent-dir/keys", &err), ERR_IO);
    strbuf_release(&before);
    strbuf_release(&after);
    strbuf_release(&want);
    free(path);
    free(path2);
}

static void test_load_errors(void **state)
{
    (void)state;
    struct err err = ERR_INIT;
    struct keyring *kr = NULL;
    char *missing = path_of("missing");
    assert_int_equal(keyring_load(missing, &kr, &err), ERR_KEY);
    struct strbuf want = STRBUF_INIT;
    strbuf_addf(&want, "key file '%s' not found (run 'pmis init' or set keys.file)", missing);
    assert_string_equal(err.msg, want.buf);
    strbuf_release(&want);
    free(missing);

    const char *good = "# comment\n\nkey 1 aes-256-gcm " HEX_A "\nindex " HEX_I "\n";
    expect_load_error(good, 0644, " is readable by others (mode 0644); chmod 600 it");
    expect_load_error(good, 0640, " is readable by others (mode 0640); chmod 600 it");
    expect_load_error("key 1 aes-256-gcm " HEX_A "\nbogus line\nindex " HEX_I "\n", 0600,
                      " line 2: expected 'key <id> <algorithm> <64 hex digits> [active]' or "
                      "'index <64 hex digits>'");
    expect_load_error("key " HEX_A "\nindex " HEX_I "\n", 0600,
                      " line 1: expected 'key <id> <algorithm> <64 hex digits> [active]' or "
                      "'index <64 hex digits>'");
    expect_load_error("key 1 aes-256-gcm 00112233445566778899aabbccddeeff00112233445566778899aab"
                      "bccddee\nindex " HEX_I "\n",
                      0600, " line 1: key must be 64 hex digits (32 bytes), found 62 characters");
    expect_load_error("key 1 aes-256-gcm " HEX_A "\nindex " HEX_I "0\n", 0600,
                      " line 2: key must be 64 hex digits (32 bytes), found 65 characters");
    expect_load_error("key 1 aes-256-gcm " HEX_A "\n", 0600,
                      " has no index key (an 'index <64 hex digits>' line)");
    expect_load_error("index " HEX_I "\n", 0600,
                      " has no data key (a 'key <id> aes-256-gcm <64 hex digits>' line)");
    expect_load_error("key 1 aes-128-cbc " HEX_A "\nindex " HEX_I "\n", 0600,
                      " line 1: unknown algorithm 'aes-128-cbc' (supported: aes-256-gcm, "
                      "sm4-ctr-hmac-sm3)");
    expect_load_error("key 1 " HEX_A " aes-256-gcm\nindex " HEX_I "\n", 0600,
                      " line 1: unknown algorithm (supported: aes-256-gcm, sm4-ctr-hmac-sm3)");
    expect_load_error("key 1 SM4-CTR-HMAC-SM3 " HEX_A "\nindex " HEX_I "\n", 0600,
                      " line 1: unknown algorithm 'SM4-CTR-HMAC-SM3' (supported: aes-256-gcm, "
                      "sm4-ctr-hmac-sm3)");
    expect_load_error("key 1 sm4-ctr-hmac-sm3 00112233445566778899aabbccddeeff\nindex " HEX_I
                      "\n",
                      0600, " line 1: key must be 64 hex digits (32 bytes), found 32 characters");
    expect_load_error("key 1 aes-256-gcm " HEX_A "\nkey 1 aes-256-gcm " HEX_B "\nindex " HEX_I
                      "\n",
                      0600, " line 2: key id 1 is also on line 1");
    expect_load_error("key 0 aes-256-gcm " HEX_A "\nindex " HEX_I "\n", 0600,
                      " line 1: key id must be a number from 1 to 4294967295");
    expect_load_error("key 4294967296 aes-256-gcm " HEX_A "\nindex " HEX_I "\n", 0600,
                      " line 1: key id must be a number from 1 to 4294967295");
    expect_load_error("key 1 aes-256-gcm " HEX_A "\nindex " HEX_I "\nindex " HEX_I "\n", 0600,
                      " line 3: a second 'index' line (the first is on line 2; the blind index "
                      "key must never change)");
    expect_load_error("key 1 aes-256-gcm 0011223344556677889xaabbccddeeff00112233445566778899aab"
                      "bccddeeff\nindex " HEX_I "\n",
                      0600, " line 1: key is not hexadecimal (0-9, a-f)");
    expect_load_error("key 1 aes-256-gcm " HEX_A " active\nkey 2 aes-256-gcm " HEX_B
                      " active\nindex " HEX_I "\n",
                      0600, " line 2: a second key marked 'active' (the first is on line 1)");
    expect_load_error("key 1 aes-256-gcm " HEX_A " " HEX_B "\nindex " HEX_I "\n", 0600,
                      " line 1: unexpected text after the key");

    /* a directory is not a key file */
    assert_int_equal(keyring_load(tmpdir, &kr, &err), ERR_KEY);
    assert_non_null(strstr(err.msg, "is not a regular file"));

    /* trailing comments, CRLF and tabs are fine; the last key is active */
    char *path = path_of("ok-keys");
    write_file(path, "key 3\taes-256-gcm " HEX_A " # old\r\nkey 5 aes-256-gcm " HEX_B
                     "\r\nindex " HEX_I "\r\n",
               0600);
    kr = load_ok(path);
    assert_int_equal(keyring_active_id(kr), 5);
    assert_int_equal(keyring_key_count(kr), 2);
    keyring_free(kr);
    write_file(path, "key 3 aes-256-gcm " HEX_A " active\nkey 5 aes-256-gcm " HEX_B
                     "\nindex " HEX_I "\n",
               0400);
    kr = load_ok(path);
    assert_int_equal(keyring_active_id(kr), 3);
    keyring_free(kr);
    free(path);
}

static struct keyring *fresh_keyring(const char *name, char **pathp)
{
    char *path = path_of(name);
    struct err err = ERR_INIT;
    assert_int_equal(keyring_create(path, &err), 0);
    struct keyring *kr = load_ok(path);
    if (pathp)
        *pathp = path;
    else
        free(path);
    return kr;
}

static void test_round_trip(void **state)
{
    (void)state;
    struct keyring *kr = fresh_keyring("rt-keys", NULL);
    struct strbuf ct = STRBUF_INIT, pt = STRBUF_INIT;
    struct err err = ERR_INIT;
    const char *addr = "张三 北京市朝阳区建国路88号 3单元502";
    assert_int_equal(keyring_encrypt(kr, "customer.address", addr, strlen(addr), &ct, &err), 0);
    assert_int_equal(ct.len, strlen(addr) + KEYRING_OVERHEAD);
    assert_memory_equal(ct.buf, "\x01\x00\x00\x00\x01", 5);
    assert_null(memmem(ct.buf, ct.len, "北京", strlen("北京")));
    strbuf_addstr(&pt, "prefix:");
    assert_int_equal(keyring_decrypt(kr, "customer.address", ct.buf, ct.len, &pt, &err), 0);
    assert_string_equal(pt.buf + 7, addr);
    assert_int_equal(pt.len, 7 + strlen(addr));

    /* empty value, NULL context */
    strbuf_reset(&ct);
    strbuf_reset(&pt);
    assert_int_equal(keyring_encrypt(kr, NULL, "", 0, &ct, &err), 0);
    assert_int_equal(ct.len, KEYRING_OVERHEAD);
    assert_int_equal(keyring_decrypt(kr, NULL, ct.buf, ct.len, &pt, &err), 0);
    assert_int_equal(pt.len, 0);
    assert_int_equal(keyring_decrypt(kr, "", ct.buf, ct.len, &pt, &err), 0);

    /* binary data with NULs, and many values through the reused contexts */
    for (int i = 0; i < 1000; i++) {
        unsigned char v[40];
        for (size_t k = 0; k < sizeof(v); k++)
            v[k] = (unsigned char)(i * 7 + (int)k);
        size_t len = (size_t)i % sizeof(v);
        strbuf_reset(&ct);
        strbuf_reset(&pt);
        assert_int_equal(keyring_encrypt(kr, "t.bin", v, len, &ct, &err), 0);
        assert_int_equal(keyring_decrypt(kr, "t.bin", ct.buf, ct.len, &pt, &err), 0);
        assert_int_equal(pt.len, len);
        assert_memory_equal(pt.buf, v, len);
    }
    strbuf_release(&ct);
    strbuf_release(&pt);
    keyring_free(kr);
}

static void test_tamper(void **state)
{
    (void)state;
    struct keyring *kr = fresh_keyring("tamper-keys", NULL);
    struct strbuf ct = STRBUF_INIT, pt = STRBUF_INIT, ct2 = STRBUF_INIT;
    struct err err = ERR_INIT;
    const char *phone = "13800138000";
    assert_int_equal(keyring_encrypt(kr, "customer.phone", phone, 11, &ct, &err), 0);

    /* a value moved to another column does not decrypt */
    assert_int_equal(keyring_decrypt(kr, "customer.mobile", ct.buf, ct.len, &pt, &err), ERR_KEY);
    assert_string_equal(err.msg, "decryption failed (wrong key file?)");
    assert_int_equal(pt.len, 0);

    /* the same value twice gives different ciphertexts */
    assert_int_equal(keyring_encrypt(kr, "customer.phone", phone, 11, &ct2, &err), 0);
    assert_int_equal(ct.len, ct2.len);
    assert_memory_not_equal(ct.buf, ct2.buf, ct.len);
    assert_memory_not_equal(ct.buf + 5, ct2.buf + 5, KEYRING_NONCE_LEN);

    /* every altered byte is caught */
    for (size_t i = 0; i < ct.len; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            strbuf_reset(&ct2);
            strbuf_add(&ct2, ct.buf, ct.len);
            ct2.buf[i] ^= (char)(1 << bit);
            err_clear(&err);
            int rc = keyring_decrypt(kr, "customer.phone", ct2.buf, ct2.len, &pt, &err);
            if (i == 0)
                assert_int_equal(rc, ERR_CORRUPT);
            else
                assert_int_equal(rc, ERR_KEY);
            assert_int_equal(pt.len, 0);
        }
    }

    /* an unknown key id */
    strbuf_reset(&ct2);
    strbuf_add(&ct2, ct.buf, ct.len);
    memcpy(ct2.buf + 1, "\x00\x00\x00\x07", 4);
    assert_int_equal(keyring_decrypt(kr, "customer.phone", ct2.buf, ct2.len, &pt, &err), ERR_KEY);
    assert_string_equal(err.msg, "ciphertext uses key id 7, which is not in the key file");

    /* truncated and foreign values */
    assert_int_equal(keyring_decrypt(kr, "customer.phone", ct.buf, KEYRING_OVERHEAD - 1, &pt,
                                     &err),
                     ERR_CORRUPT);
    assert_string_equal(err.msg, "ciphertext is too short (32 bytes)");
    assert_int_equal(keyring_decrypt(kr, "customer.phone", "", 0, &pt, &err), ERR_CORRUPT);
    assert_int_equal(keyring_decrypt(kr, "customer.phone", "\x02\0\0\0\1", 5, &pt, &err),
                     ERR_CORRUPT);
    assert_string_equal(err.msg, "unknown ciphertext version 0x02");

    /* another key file cannot read it */
    struct keyring *other = fresh_keyring("tamper-keys-2", NULL);
    assert_int_equal(keyring_decrypt(other, "customer.phone", ct.buf, ct.len, &pt, &err),
                     ERR_KEY);
    assert_string_equal(err.msg, "decryption failed (wrong key file?)");
    /* and a good decryption still works after all those failures */
    assert_int_equal(keyring_decrypt(kr, "customer.phone", ct.buf, ct.len, &pt, &err), 0);
    assert_int_equal(pt.len, 11);
    assert_memory_equal(pt.buf, phone, 11);
    keyring_free(other);
    strbuf_release(&ct);
    strbuf_release(&ct2);
    strbuf_release(&pt);
    keyring_free(kr);
}

static void test_nonces_unique(void **state)
{
    (void)state;
    struct keyring *kr = fresh_keyring("nonce-keys", NULL);
    struct strbuf ct = STRBUF_INIT, all = STRBUF_INIT;
    struct err err = ERR_INIT;
    const int n = 2000; /* several refills of the 341-nonce batch */
    for (int i = 0; i < n; i++) {
        strbuf_reset(&ct);
        assert_int_equal(keyring_encrypt(kr, "x", "v", 1, &ct, &err), 0);
        strbuf_add(&all, ct.buf + 5, KEYRING_NONCE_LEN);
    }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            assert_memory_not_equal(all.buf + i * KEYRING_NONCE_LEN,
                                    all.buf + j * KEYRING_NONCE_LEN, KEYRING_NONCE_LEN);
    strbuf_release(&ct);
    strbuf_release(&all);
    keyring_free(kr);
}

static void test_fork_nonces(void **state)
{
    (void)state;
    struct keyring *kr = fresh_keyring("fork-keys", NULL);
    struct strbuf ct = STRBUF_INIT;
    struct err err = ERR_INIT;
    assert_int_equal(keyring_encrypt(kr, "x", "v", 1, &ct, &err), 0); /* fills the batch */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct strbuf c = STRBUF_INIT;
        int ok = keyring_encrypt(kr, "x", "v", 1, &c, NULL) == 0 &&
                 write(fds[1], c.buf + 5, KEYRING_NONCE_LEN) == KEYRING_NONCE_LEN;
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    unsigned char child[KEYRING_NONCE_LEN];
    assert_int_equal(read(fds[0], child, sizeof(child)), (ssize_t)sizeof(child));
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    strbuf_reset(&ct);
    assert_int_equal(keyring_encrypt(kr, "x", "v", 1, &ct, &err), 0);
    assert_memory_not_equal(ct.buf + 5, child, KEYRING_NONCE_LEN);
    strbuf_release(&ct);
    keyring_free(kr);
}

/* The index key as written in the key file. */
static void index_key_of(const char *path, unsigned char key[32])
{
    struct strbuf text = STRBUF_INIT;
    read_file(path, &text);
    const char *p = strstr(text.buf, "\nindex ");
    assert_non_null(p);
    p += 7;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        assert_int_equal(sscanf(p + 2 * i, "%2x", &v), 1);
        key[i] = (unsigned char)v;
    }
    strbuf_release(&text);
}

static void test_blind_index(void **state)
{
    (void)state;
    char *path;
    struct keyring *kr = fresh_keyring("bi-keys", &path);
    struct err err = ERR_INIT;
    unsigned char a[32], b[32], c[32], d[32], want[32];
    assert_int_equal(keyring_blind_index(kr, "customer.phone", "13800138000", 11, a, &err), 0);
    assert_int_equal(keyring_blind_index(kr, "customer.phone", "13800138000", 11, b, &err), 0);
    assert_memory_equal(a, b, 32); /* deterministic */
    assert_int_equal(keyring_blind_index(kr, "staff.phone", "13800138000", 11, c, &err), 0);
    assert_memory_not_equal(a, c, 32); /* domain-separated */
    assert_int_equal(keyring_blind_index(kr, "customer.phone", "13800138001", 11, d, &err), 0);
    assert_memory_not_equal(a, d, 32);
    /* the 0x00 separator: ("ab", "c") is not ("a", "bc") */
    assert_int_equal(keyring_blind_index(kr, "ab", "c", 1, c, &err), 0);
    assert_int_equal(keyring_blind_index(kr, "a", "bc", 2, d, &err), 0);
    assert_memory_not_equal(c, d, 32);

    /* it is HMAC-SHA256(index key, domain || 0x00 || value) */
    unsigned char key[32];
    index_key_of(path, key);
    const char msg[] = "customer.phone\0" "13800138000";
    unsigned int wl = 0;
    assert_non_null(HMAC(EVP_sha256(), key, 32, (const unsigned char *)msg, sizeof(msg) - 1,
                         want, &wl));
    assert_int_equal(wl, 32);
    assert_memory_equal(a, want, 32);

    /* the same in a clone and after reloading; a second key file differs */
    struct keyring *clone;
    assert_int_equal(keyring_clone(kr, &clone, &err), 0);
    assert_int_equal(keyring_blind_index(clone, "customer.phone", "13800138000", 11, b, &err), 0);
    assert_memory_equal(a, b, 32);
    keyring_free(clone);
    struct keyring *other = fresh_keyring("bi-keys-2", NULL);
    assert_int_equal(keyring_blind_index(other, "customer.phone", "13800138000", 11, b, &err), 0);
    assert_memory_not_equal(a, b, 32);
    keyring_free(other);
    keyring_free(kr);
    free(path);
}

static void test_rotation(void **state)
{
    (void)state;
    char *path;
    struct keyring *kr = fresh_keyring("rot-keys", &path);
    struct strbuf old = STRBUF_INIT, neu = STRBUF_INIT, pt = STRBUF_INIT;
    struct err err = ERR_INIT;
    unsigned char bi1[32], bi2[32];
    assert_int_equal(keyring_blind_index(kr, "d", "v", 1, bi1, &err), 0);
    assert_int_equal(keyring_encrypt(kr, "c", "secret", 6, &old, &err), 0);
    assert_false(keyring_needs_rotation(kr, old.buf, old.len));

    uint32_t id = 0;
    assert_int_equal(keyring_add_key(path, kr, &id, &err), 0);
    assert_int_equal(id, 2);
    assert_int_equal(keyring_active_id(kr), 2);
    assert_int_equal(keyring_key_count(kr), 2);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);

    assert_true(keyring_needs_rotation(kr, old.buf, old.len));
    assert_int_equal(keyring_decrypt(kr, "c", old.buf, old.len, &pt, &err), 0);
    assert_int_equal(pt.len, 6);
    assert_int_equal(keyring_encrypt(kr, "c", "secret", 6, &neu, &err), 0);
    uint32_t kid = 0;
    assert_int_equal(keyring_ciphertext_key_id(neu.buf, neu.len, &kid, &err), 0);
    assert_int_equal(kid, 2);
    assert_false(keyring_needs_rotation(kr, neu.buf, neu.len));
    assert_true(keyring_needs_rotation(kr, "\x01", 1)); /* malformed: let rotation report it */
    assert_int_equal(keyring_blind_index(kr, "d", "v", 1, bi2, &err), 0);
    assert_memory_equal(bi1, bi2, 32); /* the index key never changes */

    /* a reload sees the same; an 'active' mark moves to the new key; comments stay */
    struct keyring *again = load_ok(path);
    assert_int_equal(keyring_active_id(again), 2);
    strbuf_reset(&pt);
    assert_int_equal(keyring_decrypt(again, "c", old.buf, old.len, &pt, &err), 0);
    keyring_free(again);

    char *marked = path_of("marked-keys");
    write_file(marked, "# keep me\nkey 1 aes-256-gcm " HEX_A " active # current\nkey 7 "
                       "aes-256-gcm " HEX_B "\nindex " HEX_I "\n",
               0600);
    struct keyring *mk = load_ok(marked);
    assert_int_equal(keyring_active_id(mk), 1);
    assert_int_equal(keyring_add_key(marked, mk, &id, &err), 0);
    assert_int_equal(id, 8);
    assert_int_equal(keyring_active_id(mk), 8);
    struct strbuf text = STRBUF_INIT;
    read_file(marked, &text);
    const char *want = "# keep me\nkey 1 aes-256-gcm " HEX_A "\nkey 7 aes-256-gcm " HEX_B
                       "\nindex " HEX_I "\nkey 8 aes-256-gcm ";
    assert_int_equal(strncmp(text.buf, want, strlen(want)), 0);
    assert_null(strstr(text.buf, "active"));
    keyring_free(mk);

    /* an active line longer than 511 bytes (a long comment) loses its mark too: it used to be
     * copied unparsed, so the new key was added but not made active (found by fuzz_keyring) */
    struct strbuf longline = STRBUF_INIT;
    strbuf_addstr(&longline, "key 1 aes-256-gcm " HEX_A " active #");
    for (int i = 0; i < 60; i++)
        strbuf_addstr(&longline, " rotated ");
    strbuf_addstr(&longline, "\nkey 7 aes-256-gcm " HEX_B "\nindex " HEX_I "\n");
    write_file(marked, longline.buf, 0600);
    mk = load_ok(marked);
    assert_int_equal(keyring_add_key(marked, mk, &id, &err), 0);
    assert_int_equal(id, 8);
    assert_int_equal(keyring_active_id(mk), 8);
    keyring_free(mk);
    mk = load_ok(marked);
    assert_int_equal(keyring_active_id(mk), 8);
    keyring_free(mk);
    strbuf_release(&longline);

    /* a leftover "<path>.new" means a rotation in progress: refuse, change nothing */
    struct strbuf tmp = STRBUF_INIT;
    strbuf_addf(&tmp, "%s.new", path);
    write_file(tmp.buf, "x", 0600);
    assert_int_equal(keyring_add_key(path, kr, &id, &err), ERR_CONFLICT);
    assert_non_null(strstr(err.msg, "is another key rotation running?"));
    assert_int_equal(keyring_active_id(kr), 2);
    unlink(tmp.buf);

    /* rotation refuses a key file others can read, like load */
    chmod(path, 0644);
    assert_int_equal(keyring_add_key(path, kr, &id, &err), ERR_KEY);
    assert_int_equal(keyring_active_id(kr), 2);

    strbuf_release(&tmp);
    strbuf_release(&text);
    strbuf_release(&old);
    strbuf_release(&neu);
    strbuf_release(&pt);
    keyring_free(kr);
    free(marked);
    free(path);
}

static void test_clone(void **state)
{
    (void)state;
    struct keyring *kr = fresh_keyring("clone-keys", NULL), *c;
    struct strbuf ct = STRBUF_INIT, pt = STRBUF_INIT;
    struct err err = ERR_INIT;
    assert_int_equal(keyring_clone(kr, &c, &err), 0);
    assert_int_equal(keyring_active_id(c), keyring_active_id(kr));
    assert_int_equal(keyring_encrypt(c, "a", "张三", strlen("张三"), &ct, &err), 0);
    keyring_free(c);
    assert_int_equal(keyring_decrypt(kr, "a", ct.buf, ct.len, &pt, &err), 0);
    assert_string_equal(pt.buf, "张三");
    keyring_free(NULL);
    strbuf_release(&ct);
    strbuf_release(&pt);
    keyring_free(kr);
}

/* ---- SM4-CTR + HMAC-SM3 (国密) ---- */

#define SM4_ALG "sm4-ctr-hmac-sm3"
/* GB/T 32907-2016 appendix A, example 1: key = plaintext, and the ciphertext */
#define GB_SM4_KEY "0123456789abcdeffedcba9876543210"
#define GB_SM4_CT "681edf34d206965e86b3e94f536e4246"
/* GB/T 32905-2016 appendix A, example 1: SM3("abc") */
#define GB_SM3_ABC "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"

static void unhex(const char *hex, unsigned char *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
}

static void sm3(const void *p, size_t n, unsigned char out[32])
{
    unsigned int len = 0;
    assert_int_equal(EVP_Digest(p, n, out, &len, EVP_sm3(), NULL), 1);
    assert_int_equal(len, 32);
}

/*
 * HMAC-SM3 written out from RFC 2104 / GB/T 15852.2 over the SM3 checked above (block size 64
 * bytes), so the keyring's EVP_MAC use is checked against something that does not share it.
 */
static void hmac_sm3_ref(const unsigned char *key, size_t klen, const unsigned char *msg,
                         size_t n, unsigned char out[32])
{
    unsigned char k[64] = { 0 }, inner[32];
    assert_true(klen <= 64);
    memcpy(k, key, klen);
    struct strbuf sb = STRBUF_INIT;
    for (int i = 0; i < 64; i++)
        strbuf_addch(&sb, (char)(k[i] ^ 0x36));
    strbuf_add(&sb, msg, n);
    sm3(sb.buf, sb.len, inner);
    strbuf_reset(&sb);
    for (int i = 0; i < 64; i++)
        strbuf_addch(&sb, (char)(k[i] ^ 0x5c));
    strbuf_add(&sb, inner, 32);
    sm3(sb.buf, sb.len, out);
    strbuf_release(&sb);
}

/* One SM4 block with the ECB mode of OpenSSL (not the CTR mode the keyring uses). */
static void sm4_block(const unsigned char key[16], const unsigned char in[16],
                      unsigned char out[16])
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, n2 = 0;
    assert_non_null(ctx);
    assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_sm4_ecb(), NULL, key, NULL), 1);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    assert_int_equal(EVP_EncryptUpdate(ctx, out, &n, in, 16), 1);
    assert_int_equal(EVP_EncryptFinal_ex(ctx, out + n, &n2), 1);
    assert_int_equal(n + n2, 16);
    EVP_CIPHER_CTX_free(ctx);
}

/*
 * The two keys of an sm4 key file entry K, by hand: HKDF-Expand (RFC 5869) with HMAC-SM3,
 * info "pmis sm4-ctr-hmac-sm3", 48 bytes = SM4 key (16) || HMAC key (32).
 */
static void derive_ref(const unsigned char k[32], unsigned char sm4key[16],
                       unsigned char mackey[32])
{
    static const char info[] = "pmis sm4-ctr-hmac-sm3";
    unsigned char msg[32 + sizeof(info)], okm[64];
    memcpy(msg, info, sizeof(info) - 1);
    msg[sizeof(info) - 1] = 1;
    hmac_sm3_ref(k, 32, msg, sizeof(info), okm);
    memcpy(msg, okm, 32);
    memcpy(msg + 32, info, sizeof(info) - 1);
    msg[32 + sizeof(info) - 1] = 2;
    hmac_sm3_ref(k, 32, msg, 32 + sizeof(info), okm + 32);
    memcpy(sm4key, okm, 16);
    memcpy(mackey, okm + 16, 32);
}

/* The expected tag of an SM4 value `ct` (header, IV, ciphertext; tag not included). */
static void expected_tag(const unsigned char *mackey, const unsigned char *ct, size_t ctlen,
                         const char *aad, unsigned char tag[32])
{
    struct strbuf m = STRBUF_INIT;
    size_t alen = strlen(aad);
    strbuf_add(&m, ct, 5);
    strbuf_addstr(&m, aad);
    strbuf_add(&m, ct + 5, ctlen - 5);
    uint64_t bits = 8 * (uint64_t)(5 + alen);
    for (int i = 7; i >= 0; i--)
        strbuf_addch(&m, (char)(bits >> (8 * i)));
    hmac_sm3_ref(mackey, 32, (const unsigned char *)m.buf, m.len, tag);
    strbuf_release(&m);
}

/* Decrypt an SM4 value by hand: the keystream from ECB blocks of IV, IV+1, ... */
static void decrypt_by_hand(const unsigned char key[16], const unsigned char *ct, size_t len,
                            unsigned char *pt)
{
    unsigned char ctr[16], ks[16];
    memcpy(ctr, ct + 5, 16);
    size_t n = len - KEYRING_SM4_OVERHEAD;
    for (size_t off = 0; off < n; off += 16) {
        sm4_block(key, ctr, ks);
        for (size_t i = 0; i < 16 && off + i < n; i++)
            pt[off + i] = ct[5 + 16 + off + i] ^ ks[i];
        for (int i = 15; i >= 0 && ++ctr[i] == 0; i--) /* 128-bit big-endian increment */
            ;
    }
}

static void test_sm4_known_answers(void **state)
{
    (void)state;
    /* the primitives the test trusts, against the standards' examples */
    unsigned char key[16], block[16], want[32], got[32];
    unhex(GB_SM4_KEY, key);
    sm4_block(key, key, block);
    unhex(GB_SM4_CT, want);
    assert_memory_equal(block, want, 16);
    sm3("abc", 3, got);
    unhex(GB_SM3_ABC, want);
    assert_memory_equal(got, want, 32);
    /* GB/T 32905 example 2: "abcd" 16 times */
    struct strbuf abcd = STRBUF_INIT;
    for (int i = 0; i < 16; i++)
        strbuf_addstr(&abcd, "abcd");
    sm3(abcd.buf, abcd.len, got);
    unhex("debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732", want);
    assert_memory_equal(got, want, 32);
    strbuf_release(&abcd);

    /*
     * A value built by hand from those primitives: the keys derived from the key file's
     * entry, a keystream of two SM4 blocks (IV, IV + 1) over 32 zero bytes, and the tag.
     */
    char *path = path_of("kat-keys");
    write_file(path, "key 1 " SM4_ALG " " HEX_A "\nindex " HEX_I "\n", 0600);
    struct keyring *kr = load_ok(path);
    assert_string_equal(keyring_active_alg(kr), SM4_ALG);
    assert_int_equal(keyring_overhead(kr), KEYRING_SM4_OVERHEAD);
    unsigned char k32[32], sm4key[16], mackey[32], ct[5 + 16 + 32 + 32], iv1[16];
    unhex(HEX_A, k32);
    derive_ref(k32, sm4key, mackey);
    memcpy(ct, "\x01\x00\x00\x00\x01", 5);
    /* the counter is all 128 bits, big-endian: IV + 1 carries past the low 64 bits */
    unhex("0123456789abcdefffffffffffffffff", ct + 5);
    unhex("0123456789abcdf00000000000000000", iv1);
    sm4_block(sm4key, ct + 5, ct + 21);
    sm4_block(sm4key, iv1, ct + 37);
    expected_tag(mackey, ct, 53, "kat", ct + 53);
    struct strbuf pt = STRBUF_INIT, c2 = STRBUF_INIT;
    struct err err = ERR_INIT;
    assert_int_equal(keyring_decrypt(kr, "kat", ct, sizeof(ct), &pt, &err), 0);
    assert_int_equal(pt.len, 32);
    static const unsigned char zeros[32];
    assert_memory_equal(pt.buf, zeros, 32);
    /* the same bytes with the tag of another layout (no length block) are refused */
    struct strbuf m = STRBUF_INIT;
    strbuf_add(&m, ct, 5);
    strbuf_addstr(&m, "kat");
    strbuf_add(&m, ct + 5, 48);
    strbuf_add(&c2, ct, 53);
    strbuf_grow(&c2, 32);
    hmac_sm3_ref(mackey, 32, (const unsigned char *)m.buf, m.len, (unsigned char *)c2.buf + 53);
    strbuf_setlen(&c2, 85);
    strbuf_reset(&pt);
    assert_int_equal(keyring_decrypt(kr, "kat", c2.buf, c2.len, &pt, &err), ERR_KEY);
    strbuf_release(&m);

    /* and the other way: what keyring_encrypt writes checks out by hand */
    const char *idno = "11010519491231002X 张三 a value longer than two SM4 blocks";
    size_t n = strlen(idno);
    strbuf_reset(&c2);
    assert_int_equal(keyring_encrypt(kr, "customer.id_no", idno, n, &c2, &err), 0);
    assert_int_equal(c2.len, n + KEYRING_SM4_OVERHEAD);
    assert_memory_equal(c2.buf, "\x01\x00\x00\x00\x01", 5);
    unsigned char tag[32], *hand = malloc(n);
    expected_tag(mackey, (unsigned char *)c2.buf, c2.len - 32, "customer.id_no", tag);
    assert_memory_equal(c2.buf + c2.len - 32, tag, 32);
    decrypt_by_hand(sm4key, (unsigned char *)c2.buf, c2.len, hand);
    assert_memory_equal(hand, idno, n);
    free(hand);

    strbuf_release(&pt);
    strbuf_release(&c2);
    keyring_free(kr);
    free(path);
}

static void test_sm4_round_trip(void **state)
{
    (void)state;
    char *path = path_of("sm4-keys");
    struct err err = ERR_INIT;
    assert_int_equal(keyring_create_alg(path, SM4_ALG, &err), 0);
    struct strbuf text = STRBUF_INIT;
    read_file(path, &text);
    assert_non_null(strstr(text.buf, "\nkey 1 sm4-ctr-hmac-sm3 "));
    strbuf_release(&text);
    struct keyring *kr = load_ok(path), *other = load_ok(path);
    assert_string_equal(keyring_active_alg(kr), SM4_ALG);
    struct strbuf ct = STRBUF_INIT, pt = STRBUF_INIT;
    const char *addr = "张三 北京市朝阳区建国路88号 3单元502";
    assert_int_equal(keyring_encrypt(kr, "customer.address", addr, strlen(addr), &ct, &err), 0);
    assert_int_equal(ct.len, strlen(addr) + KEYRING_SM4_OVERHEAD);
    assert_memory_equal(ct.buf, "\x01\x00\x00\x00\x01", 5);
    assert_null(memmem(ct.buf, ct.len, "北京", strlen("北京")));
    strbuf_addstr(&pt, "prefix:");
    assert_int_equal(keyring_decrypt(kr, "customer.address", ct.buf, ct.len, &pt, &err), 0);
    assert_string_equal(pt.buf + 7, addr);

    /* empty value, NULL context (= "") */
    strbuf_reset(&ct);
    strbuf_reset(&pt);
    assert_int_equal(keyring_encrypt(kr, NULL, "", 0, &ct, &err), 0);
    assert_int_equal(ct.len, KEYRING_SM4_OVERHEAD);
    assert_int_equal(keyring_decrypt(kr, "", ct.buf, ct.len, &pt, &err), 0);
    assert_int_equal(pt.len, 0);

    /*
     * Lengths 0..99 through the reused contexts, each decrypted both by the same keyring and by
     * another one: a counter or keystream position left over from the last value would differ
     */
    for (int i = 0; i < 300; i++) {
        unsigned char v[100];
        for (size_t k = 0; k < sizeof(v); k++)
            v[k] = (unsigned char)(i * 7 + (int)k);
        size_t len = (size_t)i % sizeof(v);
        strbuf_reset(&ct);
        assert_int_equal(keyring_encrypt(kr, "t.bin", v, len, &ct, &err), 0);
        for (int w = 0; w < 2; w++) {
            strbuf_reset(&pt);
            assert_int_equal(keyring_decrypt(w ? other : kr, "t.bin", ct.buf, ct.len, &pt, &err),
                             0);
            assert_int_equal(pt.len, len);
            assert_memory_equal(pt.buf, v, len);
        }
    }
    /* a long context string takes the other path of the tag */
    char long_aad[300];
    memset(long_aad, 'c', sizeof(long_aad) - 1);
    long_aad[sizeof(long_aad) - 1] = '\0';
    strbuf_reset(&ct);
    strbuf_reset(&pt);
    assert_int_equal(keyring_encrypt(kr, long_aad, "v", 1, &ct, &err), 0);
    assert_int_equal(keyring_decrypt(other, long_aad, ct.buf, ct.len, &pt, &err), 0);
    long_aad[298] = 'd';
    assert_int_equal(keyring_decrypt(other, long_aad, ct.buf, ct.len, &pt, &err), ERR_KEY);

    /* IVs: 16 random bytes, never repeated (several refills of the 4 KiB batch) */
    struct strbuf ivs = STRBUF_INIT;
    const int n = 1500;
    for (int i = 0; i < n; i++) {
        strbuf_reset(&ct);
        assert_int_equal(keyring_encrypt(kr, "x", "v", 1, &ct, &err), 0);
        strbuf_add(&ivs, ct.buf + 5, KEYRING_SM4_IV_LEN);
    }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            assert_memory_not_equal(ivs.buf + i * KEYRING_SM4_IV_LEN,
                                    ivs.buf + j * KEYRING_SM4_IV_LEN, KEYRING_SM4_IV_LEN);
    strbuf_release(&ivs);

    /* a clone encrypts and decrypts the same way */
    struct keyring *c;
    assert_int_equal(keyring_clone(kr, &c, &err), 0);
    strbuf_reset(&ct);
    strbuf_reset(&pt);
    assert_int_equal(keyring_encrypt(c, "a", "张三", strlen("张三"), &ct, &err), 0);
    keyring_free(c);
    assert_int_equal(keyring_decrypt(kr, "a", ct.buf, ct.len, &pt, &err), 0);
    assert_string_equal(pt.buf, "张三");

    strbuf_release(&ct);
    strbuf_release(&pt);
    keyring_free(kr);
    keyring_free(other);
    free(path);
}

static void test_sm4_tamper(void **state)
{
    (void)state;
    char *path = path_of("sm4-tamper-keys");
    write_file(path, "key 1 " SM4_ALG " " HEX_A "\nindex " HEX_I "\n", 0600);
    struct keyring *kr = load_ok(path);
    struct strbuf ct = STRBUF_INIT, pt = STRBUF_INIT, ct2 = STRBUF_INIT;
    struct err err = ERR_INIT;
    const char *phone = "13800138000";
    assert_int_equal(keyring_encrypt(kr, "customer.phone", phone, 11, &ct, &err), 0);
    assert_int_equal(ct.len, 11 + KEYRING_SM4_OVERHEAD);

    /* another column's context, or a context that extends into the ciphertext, is refused */
    assert_int_equal(keyring_decrypt(kr, "customer.mobile", ct.buf, ct.len, &pt, &err), ERR_KEY);
    assert_string_equal(err.msg, "decryption failed (wrong key file?)");
    assert_int_equal(keyring_decrypt(kr, "customer.phon", ct.buf, ct.len, &pt, &err), ERR_KEY);
    assert_int_equal(keyring_decrypt(kr, NULL, ct.buf, ct.len, &pt, &err), ERR_KEY);
    assert_int_equal(pt.len, 0);

    /* the same value twice: different IVs and ciphertexts */
    assert_int_equal(keyring_encrypt(kr, "customer.phone", phone, 11, &ct2, &err), 0);
    assert_memory_not_equal(ct.buf + 5, ct2.buf + 5, KEYRING_SM4_IV_LEN);
    assert_memory_not_equal(ct.buf + 21, ct2.buf + 21, 11);

    /*
     * Every altered bit of every region is caught: version (ERR_CORRUPT), key id (not in the
     * file), IV, ciphertext and tag (the tag does not verify). Nothing is appended.
     */
    for (size_t i = 0; i < ct.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            strbuf_reset(&ct2);
            strbuf_add(&ct2, ct.buf, ct.len);
            ct2.buf[i] ^= (char)(1 << bit);
            err_clear(&err);
            strbuf_reset(&pt);
            strbuf_addstr(&pt, "pre");
            int rc = keyring_decrypt(kr, "customer.phone", ct2.buf, ct2.len, &pt, &err);
            if (i == 0) {
                assert_int_equal(rc, ERR_CORRUPT);
            } else if (i < 5) {
                assert_int_equal(rc, ERR_KEY);
                assert_non_null(strstr(err.msg, "which is not in the key file"));
            } else {
                assert_int_equal(rc, ERR_KEY);
                assert_string_equal(err.msg, "decryption failed (wrong key file?)");
            }
            assert_int_equal(pt.len, 3);
            assert_string_equal(pt.buf, "pre");
        }
    }
    strbuf_reset(&pt);

    /* truncated (by a byte, to below the SM4 overhead, below any overhead) and extended */
    assert_int_equal(keyring_decrypt(kr, "customer.phone", ct.buf, ct.len - 1, &pt, &err),
                     ERR_KEY);
    assert_int_equal(keyring_decrypt(kr, "customer.phone", ct.buf, KEYRING_SM4_OVERHEAD - 1, &pt,
                                     &err),
                     ERR_CORRUPT);
    assert_string_equal(err.msg, "ciphertext is too short (52 bytes)");
    assert_int_equal(keyring_decrypt(kr, "customer.phone", ct.buf, 20, &pt, &err), ERR_CORRUPT);
    strbuf_reset(&ct2);
    strbuf_add(&ct2, ct.buf, ct.len);
    strbuf_addch(&ct2, 'x');
    assert_int_equal(keyring_decrypt(kr, "customer.phone", ct2.buf, ct2.len, &pt, &err), ERR_KEY);
    /* ciphertext and tag bytes moved: IV || C || T shifted by one byte */
    strbuf_reset(&ct2);
    strbuf_add(&ct2, ct.buf, 5);
    strbuf_add(&ct2, ct.buf + 6, ct.len - 6);
    strbuf_addch(&ct2, ct.buf[5]);
    assert_int_equal(keyring_decrypt(kr, "customer.phone", ct2.buf, ct2.len, &pt, &err), ERR_KEY);

    /* another key file (same algorithm) cannot read it; the good value still reads after all */
    char *path2 = path_of("sm4-tamper-keys-2");
    write_file(path2, "key 1 " SM4_ALG " " HEX_B "\nindex " HEX_I "\n", 0600);
    struct keyring *other = load_ok(path2);
    assert_int_equal(keyring_decrypt(other, "customer.phone", ct.buf, ct.len, &pt, &err), ERR_KEY);
    assert_string_equal(err.msg, "decryption failed (wrong key file?)");
    /*
     * a key line damaged in one bit, in its first or its last half, cannot either: both keys
     * are derived from all of it, so the tag fails rather than the value decrypting to garbage
     */
    write_file(path2, "key 1 " SM4_ALG " " "10112233445566778899aabbccddeeff"
               "00112233445566778899aabbccddeeff\nindex " HEX_I "\n", 0600);
    keyring_free(other);
    other = load_ok(path2);
    assert_int_equal(keyring_decrypt(other, "customer.phone", ct.buf, ct.len, &pt, &err), ERR_KEY);
    write_file(path2, "key 1 " SM4_ALG " " "00112233445566778899aabbccddeeff"
               "00112233445566778899aabbccddeefe\nindex " HEX_I "\n", 0600);
    keyring_free(other);
    other = load_ok(path2);
    assert_int_equal(keyring_decrypt(other, "customer.phone", ct.buf, ct.len, &pt, &err), ERR_KEY);
    assert_int_equal(pt.len, 0);
    assert_int_equal(keyring_decrypt(kr, "customer.phone", ct.buf, ct.len, &pt, &err), 0);
    assert_int_equal(pt.len, 11);
    assert_memory_equal(pt.buf, phone, 11);

    keyring_free(other);
    strbuf_release(&ct);
    strbuf_release(&ct2);
    strbuf_release(&pt);
    keyring_free(kr);
    free(path);
    free(path2);
}

/* A key file with both algorithms, as during a conversion (key 1 AES, key 2 SM4). */
static void test_mixed(void **state)
{
    (void)state;
    struct err err = ERR_INIT;
    char *path = path_of("mixed-keys");
    write_file(path, "key 1 aes-256-gcm " HEX_A "\nindex " HEX_I "\n", 0600);
    struct keyring *aes = load_ok(path);
    struct strbuf v1 = STRBUF_INIT, v2 = STRBUF_INIT, pt = STRBUF_INIT, t = STRBUF_INIT;
    const char *idno = "11010519491231002X-and-more-text";
    size_t n = strlen(idno);
    assert_int_equal(keyring_encrypt(aes, "customer.id_no", idno, n, &v1, &err), 0);
    unsigned char bi_aes[32], bi_mixed[32];
    assert_int_equal(keyring_blind_index(aes, "id_no", idno, n, bi_aes, &err), 0);

    /* rotate to SM4: the new key is sm4, active; the AES value still reads */
    uint32_t id = 0;
    assert_int_equal(keyring_add_key_alg(path, aes, SM4_ALG, &id, &err), 0);
    struct keyring *kr = aes; /* the same keyring, now mixed */
    assert_int_equal(id, 2);
    assert_int_equal(keyring_active_id(kr), 2);
    assert_string_equal(keyring_active_alg(kr), SM4_ALG);
    assert_int_equal(keyring_overhead(kr), KEYRING_SM4_OVERHEAD);
    read_file(path, &t);
    const char *want = "key 1 aes-256-gcm " HEX_A "\nindex " HEX_I "\nkey 2 sm4-ctr-hmac-sm3 ";
    assert_int_equal(strncmp(t.buf, want, strlen(want)), 0);
    assert_true(keyring_needs_rotation(kr, v1.buf, v1.len));
    assert_int_equal(keyring_encrypt(kr, "customer.id_no", idno, n, &v2, &err), 0);
    assert_int_equal(v2.len, n + KEYRING_SM4_OVERHEAD);
    assert_false(keyring_needs_rotation(kr, v2.buf, v2.len));
    assert_true(keyring_needs_rotation(kr, v2.buf, KEYRING_SM4_OVERHEAD - 1)); /* malformed */
    /* both kinds, alternately, through the per-algorithm contexts */
    for (int i = 0; i < 50; i++) {
        struct strbuf *v = i % 2 ? &v2 : &v1;
        strbuf_reset(&pt);
        assert_int_equal(keyring_decrypt(kr, "customer.id_no", v->buf, v->len, &pt, &err), 0);
        assert_int_equal(pt.len, n);
        assert_memory_equal(pt.buf, idno, n);
    }
    /* the index key is the same: blind indexes do not change with the algorithm */
    assert_int_equal(keyring_blind_index(kr, "id_no", idno, n, bi_mixed, &err), 0);
    assert_memory_equal(bi_aes, bi_mixed, 32);

    /* a value relabelled with the other key's id (and so the other algorithm) is refused */
    struct strbuf x = STRBUF_INIT;
    strbuf_add(&x, v2.buf, v2.len);
    memcpy(x.buf + 1, "\x00\x00\x00\x01", 4);
    assert_int_equal(keyring_decrypt(kr, "customer.id_no", x.buf, x.len, &pt, &err), ERR_KEY);
    strbuf_reset(&x);
    strbuf_add(&x, v1.buf, v1.len);
    memcpy(x.buf + 1, "\x00\x00\x00\x02", 4);
    assert_int_equal(keyring_decrypt(kr, "customer.id_no", x.buf, x.len, &pt, &err), ERR_KEY);
    memcpy(x.buf + 1, "\x00\x00\x00\x03", 4);
    assert_int_equal(keyring_decrypt(kr, "customer.id_no", x.buf, x.len, &pt, &err), ERR_KEY);
    assert_string_equal(err.msg, "ciphertext uses key id 3, which is not in the key file");
    strbuf_release(&x);

    /* a reload and a clone read both */
    struct keyring *again = load_ok(path), *c;
    assert_int_equal(keyring_clone(again, &c, &err), 0);
    strbuf_reset(&pt);
    assert_int_equal(keyring_decrypt(c, "customer.id_no", v1.buf, v1.len, &pt, &err), 0);
    strbuf_reset(&pt);
    assert_int_equal(keyring_decrypt(again, "customer.id_no", v2.buf, v2.len, &pt, &err), 0);
    keyring_free(c);
    keyring_free(again);

    /* rotate back to AES; without an algorithm a rotation keeps the active key's */
    assert_int_equal(keyring_add_key_alg(path, kr, "aes-256-gcm", &id, &err), 0);
    assert_int_equal(id, 3);
    assert_string_equal(keyring_active_alg(kr), "aes-256-gcm");
    assert_int_equal(keyring_add_key(path, kr, &id, &err), 0);
    assert_int_equal(id, 4);
    assert_string_equal(keyring_active_alg(kr), "aes-256-gcm");
    assert_int_equal(keyring_add_key_alg(path, kr, SM4_ALG, &id, &err), 0);
    assert_int_equal(keyring_add_key_alg(path, kr, NULL, &id, &err), 0);
    assert_int_equal(id, 6);
    assert_string_equal(keyring_active_alg(kr), SM4_ALG);
    assert_true(keyring_needs_rotation(kr, v2.buf, v2.len));
    strbuf_reset(&pt);
    assert_int_equal(keyring_decrypt(kr, "customer.id_no", v1.buf, v1.len, &pt, &err), 0);
    strbuf_reset(&pt);
    assert_int_equal(keyring_decrypt(kr, "customer.id_no", v2.buf, v2.len, &pt, &err), 0);

    /* an unknown algorithm changes nothing */
    strbuf_reset(&t);
    read_file(path, &t);
    struct strbuf after = STRBUF_INIT;
    assert_int_equal(keyring_add_key_alg(path, kr, "sm4", &id, &err), ERR_CONFIG);
    assert_string_equal(err.msg, "unknown key algorithm 'sm4' (supported: aes-256-gcm, "
                                 "sm4-ctr-hmac-sm3)");
    read_file(path, &after);
    assert_string_equal(t.buf, after.buf);
    assert_int_equal(keyring_active_id(kr), 6);
    char *nofile = path_of("never-created");
    assert_int_equal(keyring_create_alg(nofile, "aes-128-gcm", &err), ERR_CONFIG);
    assert_int_equal(access(nofile, F_OK), -1);
    assert_int_equal(keyring_alg_check("aes-256-gcm", &err), 0);
    assert_int_equal(keyring_alg_check(SM4_ALG, &err), 0);
    assert_int_equal(keyring_alg_check(NULL, &err), ERR_CONFIG);
    assert_int_equal(keyring_alg_check("", &err), ERR_CONFIG);

    free(nofile);
    strbuf_release(&after);
    strbuf_release(&t);
    strbuf_release(&v1);
    strbuf_release(&v2);
    strbuf_release(&pt);
    keyring_free(kr);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_nonces_unique),
        cmocka_unit_test(test_fork_nonces),
        cmocka_unit_test(test_blind_index),
        cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_clone),
        cmocka_unit_test(test_sm4_known_answers),
        cmocka_unit_test(test_sm4_round_trip),
        cmocka_unit_test(test_sm4_tamper),
        cmocka_unit_test(test_mixed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
