/*
 * The key file and personal-data encryption (see keyring.h for both formats). The only file
 * that calls OpenSSL's cipher and MAC APIs. Speed comes from keying each EVP_CIPHER_CTX once
 * and then setting only the IV per value, from pre-keyed HMAC contexts re-initialised
 * without a key, and from drawing nonces 4 KiB at a time (DESIGN §6). Decryption keeps one
 * context set per algorithm, so a table half AES, half SM4 (a rotation under way) does not
 * re-key a context for every value.
 */
#include "core/common.h"
#include "core/keyring.h"
#include "core/xalloc.h"

#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define KEY_LEN 32
#define KEYFILE_MAX (64 * 1024)
#define NONCE_BYTES 4096 /* RAND_bytes per refill: 341 GCM nonces or 256 SM4 IVs */
#define HDR_LEN 5        /* version byte + key id */
#define MAX_PLAINTEXT ((size_t)1 << 30)
#define SM4_KEY_LEN 16 /* derived from the key file's key with HKDF-SM3 (keyring.h) */
#define SM3_MAC_KEY_LEN 32
#define SM4_KDF_INFO "pmis sm4-ctr-hmac-sm3"

enum keyring_alg { ALG_AES_256_GCM, ALG_SM4_CTR_HMAC_SM3, ALG__COUNT };

static const struct {
    const char *name;
    size_t overhead;
} algs[] = {
    [ALG_AES_256_GCM] = { KEYRING_ALG_AES, KEYRING_OVERHEAD },
    [ALG_SM4_CTR_HMAC_SM3] = { KEYRING_ALG_SM4, KEYRING_SM4_OVERHEAD },
};
static const char alg_list[] = KEYRING_ALG_AES ", " KEYRING_ALG_SM4;

struct keyring_key {
    uint32_t id;
    enum keyring_alg alg;
    int line;
    unsigned char key[KEY_LEN];
    unsigned char sub[SM4_KEY_LEN + SM3_MAC_KEY_LEN]; /* sm4 keys: SM4 key || HMAC-SM3 key */
};

/* The OpenSSL contexts of one data key at a time, keyed once and reused value after value. */
struct slot {
    EVP_CIPHER_CTX *cipher;
    EVP_MAC_CTX *mac; /* HMAC-SM3, for sm4 keys only; made on first use */
    size_t key;       /* index of the key the contexts hold; SIZE_MAX: none */
};

struct keyring {
    struct keyring_key *keys;
    size_t nkeys, active;
    unsigned char index_key[KEY_LEN];
    EVP_CIPHER *aes_gcm;
    EVP_CIPHER *sm4_ctr; /* fetched only when the file has an sm4 key */
    EVP_MAC *hmac;
    EVP_MAC_CTX *mac; /* blind index: HMAC-SHA256 keyed with index_key once */
    struct slot enc, dec[ALG__COUNT];
    unsigned char nonces[NONCE_BYTES];
    size_t nonce_pos;
    unsigned nonce_gen;
};

/*
 * Buffered nonces must not survive fork(): parent and child would both use them. The only
 * process-wide state here is this counter, bumped in every child; a keyring whose buffer was
 * drawn under another generation throws it away.
 */
static atomic_uint fork_generation;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static void on_fork_child(void) { atomic_fetch_add(&fork_generation, 1); }
static void register_fork_hook(void) { pthread_atfork(NULL, NULL, on_fork_child); }

static int ossl_error(struct err *err, const char *what)
{
    char buf[256] = "unknown error";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    return error(err, ERR_INTERNAL, "openssl: %s failed: %s", what, buf);
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void put_be64(unsigned char *p, uint64_t v)
{
    put_be32(p, (uint32_t)(v >> 32));
    put_be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ---- the key file ---- */

/* Split s in place on blanks into at most max tokens; a token starting with # ends the line. */
static size_t tokenize(char *s, char **toks, size_t max)
{
    size_t n = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\r')
            s++;
        if (!*s || *s == '#')
            return n;
        if (n == max)
            return max + 1;
        toks[n++] = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '\r')
            s++;
        if (*s)
            *s++ = '\0';
    }
}

PMIS_PRINTF(4, 5)
static int line_error(struct err *err, const char *path, int line, const char *fmt, ...)
{
    if (!err)
        return ERR_KEY;
    va_list ap;
    va_start(ap, fmt);
    error_v(err, ERR_KEY, fmt, ap);
    va_end(ap);
    return error_prefix(err, "key file '%s' line %d: ", path, line);
}

/* Decode a 64-hex-digit key; never echoes the text. */
static int parse_key_hex(const char *hex, unsigned char out[KEY_LEN], const char *path,
                         int line, struct err *err)
{
    size_t n = strlen(hex);
    if (n != 2 * KEY_LEN)
        return line_error(err, path, line,
                          "key must be 64 hex digits (32 bytes), found %zu characters", n);
    for (size_t i = 0; i < KEY_LEN; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return line_error(err, path, line, "key is not hexadecimal (0-9, a-f)");
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

static int parse_id(const char *s, uint32_t *id)
{
    if (!*s || strlen(s) > 10)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v == 0 || v > UINT32_MAX)
        return -1;
    *id = (uint32_t)v;
    return 0;
}

static int expected_line(struct err *err, const char *path, int line)
{
    return line_error(
        err, path, line,
        "expected 'key <id> <algorithm> <64 hex digits> [active]' or 'index <64 hex digits>'");
}

/* Parse the key file text (modified in place) into kr->keys, kr->active, kr->index_key. */
static int parse_keyfile(struct keyring *kr, const char *path, char *text, struct err *err)
{
    int line = 0, index_line = 0, active_line = 0;
    size_t marked = SIZE_MAX, maxkeys = 1;
    for (const char *q = text; (q = strchr(q, '\n')); q++)
        maxkeys++;
    /* sized once: a realloc would leave copies of keys in freed memory */
    kr->keys = xcalloc(maxkeys, sizeof(*kr->keys));
    char *p = text;
    while (*p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        line++;
        char *toks[6];
        size_t n = tokenize(p, toks, 5);
        p = nl ? nl + 1 : p + strlen(p);
        if (n == 0)
            continue;
        if (!strcmp(toks[0], "index")) {
            if (n != 2)
                return expected_line(err, path, line);
            if (index_line)
                return line_error(err, path, line,
                                  "a second 'index' line (the first is on line %d; the blind "
                                  "index key must never change)",
                                  index_line);
            int rc = parse_key_hex(toks[1], kr->index_key, path, line, err);
            if (rc)
                return rc;
            index_line = line;
            continue;
        }
        if (strcmp(toks[0], "key") || n < 4 || n > 5)
            return expected_line(err, path, line);
        if (n == 5 && strcmp(toks[4], "active"))
            return line_error(err, path, line, "unexpected text after the key");
        struct keyring_key k = { 0 };
        k.line = line;
        if (parse_id(toks[1], &k.id))
            return line_error(err, path, line, "key id must be a number from 1 to 4294967295");
        size_t a = 0;
        while (a < ARRAY_SIZE(algs) && strcmp(toks[2], algs[a].name))
            a++;
        if (a == ARRAY_SIZE(algs)) {
            /* a long token may be a key written in the wrong place: never echo it */
            if (strlen(toks[2]) <= 24)
                return line_error(err, path, line, "unknown algorithm '%s' (supported: %s)",
                                  toks[2], alg_list);
            return line_error(err, path, line, "unknown algorithm (supported: %s)", alg_list);
        }
        k.alg = (enum keyring_alg)a;
        for (size_t i = 0; i < kr->nkeys; i++)
            if (kr->keys[i].id == k.id)
                return line_error(err, path, line, "key id %" PRIu32 " is also on line %d",
                                  k.id, kr->keys[i].line);
        int rc = parse_key_hex(toks[3], k.key, path, line, err);
        if (rc) {
            OPENSSL_cleanse(&k, sizeof(k));
            return rc;
        }
        if (n == 5) {
            if (active_line)
                return line_error(err, path, line,
                                  "a second key marked 'active' (the first is on line %d)",
                                  active_line);
            active_line = line;
            marked = kr->nkeys;
        }
        kr->keys[kr->nkeys++] = k;
        OPENSSL_cleanse(&k, sizeof(k));
    }
    if (!kr->nkeys)
        return error(err, ERR_KEY,
                     "key file '%s' has no data key (a 'key <id> aes-256-gcm <64 hex digits>' "
                     "line)",
                     path);
    if (!index_line)
        return error(err, ERR_KEY, "key file '%s' has no index key (an 'index <64 hex digits>' "
                     "line)", path);
    kr->active = marked != SIZE_MAX ? marked : kr->nkeys - 1;
    return 0;
}

/* Read the whole key file (NUL-terminated, caller cleanses and frees) after checking it. */
static int read_keyfile(const char *path, char **text, size_t *len, struct err *err)
{
    int rc = 0;
    char *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return error(err, ERR_KEY,
                         "key file '%s' not found (run 'pmis init' or set keys.file)", path);
        return error(err, ERR_KEY, "cannot read key file '%s': %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st)) {
        rc = error(err, ERR_KEY, "cannot read key file '%s': %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = error(err, ERR_KEY, "key file '%s' is not a regular file", path);
        goto out;
    }
    if (st.st_mode & 077) {
        rc = error(err, ERR_KEY, "key file '%s' is readable by others (mode %04o); chmod 600 it",
                   path, (unsigned)(st.st_mode & 07777));
        goto out;
    }
    if (st.st_size > KEYFILE_MAX) {
        rc = error(err, ERR_KEY, "key file '%s' is too large (%lld bytes; at most %d)", path,
                   (long long)st.st_size, KEYFILE_MAX);
        goto out;
    }
    buf = xmalloc(KEYFILE_MAX + 1);
    size_t n = 0;
    for (;;) {
        ssize_t k = read(fd, buf + n, KEYFILE_MAX + 1 - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = error(err, ERR_KEY, "cannot read key file '%s': %s", path, strerror(errno));
            goto out;
        }
        if (k == 0)
            break;
        n += (size_t)k;
        if (n > KEYFILE_MAX) {
            rc = error(err, ERR_KEY, "key file '%s' is too large (at most %d bytes)", path,
                       KEYFILE_MAX);
            goto out;
        }
    }
    if (memchr(buf, '\0', n)) {
        rc = error(err, ERR_KEY, "key file '%s' is not a text file", path);
        goto out;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    buf = NULL;
out:
    if (buf) {
        OPENSSL_cleanse(buf, KEYFILE_MAX + 1);
        free(buf);
    }
    close(fd);
    return rc;
}

static void wipe_free(char *text, size_t len)
{
    if (text) {
        OPENSSL_cleanse(text, len);
        free(text);
    }
}

static void fsync_dir(const char *path)
{
    char *copy = xstrdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd); /* best effort: some file systems refuse to fsync a directory */
        close(fd);
    }
    free(copy);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Create `path` exclusively with mode 0600 and the given contents, fsynced. */
static int write_new_file(const char *path, const char *data, size_t len, const char *exists_msg,
                          struct err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return error(err, ERR_CONFLICT, exists_msg, path);
        return error(err, ERR_IO, "cannot create key file '%s': %s", path, strerror(errno));
    }
    /* the umask may have removed bits, never added them; make it exactly 0600 anyway */
    if (fchmod(fd, 0600) || write_all(fd, data, len) || fsync(fd)) {
        int e = errno;
        close(fd);
        unlink(path);
        return error(err, ERR_IO, "cannot write key file '%s': %s", path, strerror(e));
    }
    if (close(fd)) {
        int e = errno;
        unlink(path);
        return error(err, ERR_IO, "cannot write key file '%s': %s", path, strerror(e));
    }
    return 0;
}

static const char keyfile_header[] =
    "# pmis key file: the keys that encrypt personal data (ID numbers, phones, bank accounts).\n"
    "# Keep it outside the database with mode 0600 and back it up separately: without it the\n"
    "# encrypted data cannot be read. Never edit or reuse a key; rotate with 'pmis key rotate'.\n"
    "#   key <id> <algorithm> <64 hex digits> [active]   the last key (or the one marked\n"
    "#                                                   active) encrypts; all decrypt\n"
    "#   index <64 hex digits>                           blind-index key; never changes\n"
    "# Algorithms: aes-256-gcm, sm4-ctr-hmac-sm3 (国密 SM4-CTR + HMAC-SM3).\n";

/* The algorithm called `name`, or -1. */
static int alg_lookup(const char *name)
{
    for (size_t a = 0; a < ARRAY_SIZE(algs); a++)
        if (name && !strcmp(name, algs[a].name))
            return (int)a;
    return -1;
}

/*
 * The first primitive algorithm `a` needs that the loaded OpenSSL providers do not offer, or
 * NULL. Fetching is how OpenSSL 3 answers: a FIPS-only or trimmed provider configuration can
 * lack SM4 and SM3 while offering AES.
 */
static const char *alg_missing(enum keyring_alg a)
{
    const char *missing = NULL;
    const char *cipher = a == ALG_AES_256_GCM ? "AES-256-GCM" : "SM4-CTR";
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, cipher, NULL);
    EVP_MD *md = NULL;
    EVP_MAC *mac = NULL;
    if (!c)
        missing = cipher;
    else if (a == ALG_SM4_CTR_HMAC_SM3 && !(md = EVP_MD_fetch(NULL, "SM3", NULL)))
        missing = "SM3";
    else if (a == ALG_SM4_CTR_HMAC_SM3 && !(mac = EVP_MAC_fetch(NULL, "HMAC", NULL)))
        missing = "HMAC";
    EVP_CIPHER_free(c);
    EVP_MD_free(md);
    EVP_MAC_free(mac);
    ERR_clear_error();
    return missing;
}

/* `what` is "key algorithm 'x'" or "key file 'p' uses algorithm 'x'". */
static int unavailable(struct err *err, int code, const char *what, const char *missing)
{
    return error(err, code,
                 "%s, which needs %s: this OpenSSL (%s) does not provide it (is the default "
                 "provider loaded? 'openssl list -cipher-algorithms -digest-algorithms' shows "
                 "what is)",
                 what, missing, OpenSSL_version(OPENSSL_VERSION));
}

int keyring_alg_check(const char *alg, struct err *err)
{
    int a = alg_lookup(alg);
    if (a < 0)
        return error(err, ERR_CONFIG, "unknown key algorithm '%s' (supported: %s)", alg ? alg : "",
                     alg_list);
    const char *missing = alg_missing((enum keyring_alg)a);
    if (missing) {
        char what[64];
        snprintf(what, sizeof(what), "key algorithm '%s'", algs[a].name);
        return unavailable(err, ERR_CONFIG, what, missing);
    }
    return 0;
}

int keyring_create_alg(const char *path, const char *alg, struct err *err)
{
    if (!alg)
        alg = KEYRING_ALG_AES;
    int rc = keyring_alg_check(alg, err);
    if (rc)
        return rc;
    unsigned char keys[2 * KEY_LEN];
    if (RAND_bytes(keys, sizeof(keys)) != 1)
        return ossl_error(err, "RAND_bytes");
    struct strbuf sb;
    strbuf_init(&sb, 2048); /* large enough never to reallocate (and leave key copies) */
    strbuf_addstr(&sb, keyfile_header);
    strbuf_addf(&sb, "key 1 %s ", alg);
    strbuf_add_hex(&sb, keys, KEY_LEN);
    strbuf_addstr(&sb, "\nindex ");
    strbuf_add_hex(&sb, keys + KEY_LEN, KEY_LEN);
    strbuf_addch(&sb, '\n');
    OPENSSL_cleanse(keys, sizeof(keys));
    rc = write_new_file(path, sb.buf, sb.len,
                        "key file '%s' already exists; refusing to overwrite it", err);
    if (!rc)
        fsync_dir(path);
    OPENSSL_cleanse(sb.buf, sb.alloc);
    strbuf_release(&sb);
    return rc;
}

int keyring_create(const char *path, struct err *err)
{
    return keyring_create_alg(path, KEYRING_ALG_AES, err);
}

/*
 * The two keys of an sm4 key: HKDF-Expand (RFC 5869 §2.3) with HMAC-SM3, PRK = the key file's
 * 32 random bytes (uniform already, so no Extract step), info SM4_KDF_INFO, 48 bytes:
 * T(1) = HMAC(PRK, info || 0x01), T(2) = HMAC(PRK, T(1) || info || 0x02), sub = T(1) || T(2).
 */
static int sm4_derive(EVP_MAC *hmac, struct keyring_key *k, struct err *err)
{
    static const unsigned char info[] = SM4_KDF_INFO;
    unsigned char t[2][32];
    size_t l1 = 0, l2 = 0;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SM3", 0),
        OSSL_PARAM_construct_end(),
    };
    EVP_MAC_CTX *m = EVP_MAC_CTX_new(hmac);
    bool ok = m && EVP_MAC_init(m, k->key, KEY_LEN, params) &&
              EVP_MAC_update(m, info, sizeof(info) - 1) &&
              EVP_MAC_update(m, (const unsigned char *)"\x01", 1) &&
              EVP_MAC_final(m, t[0], &l1, sizeof(t[0])) && EVP_MAC_init(m, NULL, 0, NULL) &&
              EVP_MAC_update(m, t[0], sizeof(t[0])) && EVP_MAC_update(m, info, sizeof(info) - 1) &&
              EVP_MAC_update(m, (const unsigned char *)"\x02", 1) &&
              EVP_MAC_final(m, t[1], &l2, sizeof(t[1])) && l1 == 32 && l2 == 32;
    EVP_MAC_CTX_free(m);
    if (ok)
        memcpy(k->sub, t, sizeof(k->sub));
    OPENSSL_cleanse(t, sizeof(t));
    return ok ? 0 : ossl_error(err, "hkdf-sm3");
}

/*
 * Create the OpenSSL objects of a keyring whose keys are set: the ciphers of the algorithms
 * its keys use (an error naming `path` and what is missing if the providers lack one), the
 * contexts, and the blind-index HMAC keyed once. `path` is NULL for a clone.
 */
static int keyring_setup(struct keyring *kr, const char *path, struct err *err)
{
    pthread_once(&fork_once, register_fork_hook);
    kr->enc.key = SIZE_MAX;
    for (size_t a = 0; a < ALG__COUNT; a++)
        kr->dec[a].key = SIZE_MAX;
    kr->nonce_pos = sizeof(kr->nonces); /* empty: drawn on first use */
    bool used[ALG__COUNT] = { false };
    for (size_t i = 0; i < kr->nkeys; i++)
        used[kr->keys[i].alg] = true;
    for (size_t a = 0; a < ALG__COUNT; a++) {
        const char *missing = used[a] ? alg_missing((enum keyring_alg)a) : NULL;
        if (missing) {
            char what[PATH_MAX + 96];
            snprintf(what, sizeof(what), "key file '%s' uses algorithm '%s'",
                     path ? path : "(copy)", algs[a].name);
            return unavailable(err, ERR_KEY, what, missing);
        }
    }
    if (used[ALG_AES_256_GCM])
        kr->aes_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    if (used[ALG_SM4_CTR_HMAC_SM3])
        kr->sm4_ctr = EVP_CIPHER_fetch(NULL, "SM4-CTR", NULL);
    kr->enc.cipher = EVP_CIPHER_CTX_new();
    bool ok = kr->enc.cipher && (!used[ALG_AES_256_GCM] || kr->aes_gcm) &&
              (!used[ALG_SM4_CTR_HMAC_SM3] || kr->sm4_ctr);
    for (size_t a = 0; a < ALG__COUNT; a++)
        ok &= (kr->dec[a].cipher = EVP_CIPHER_CTX_new()) != NULL;
    kr->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    kr->mac = kr->hmac ? EVP_MAC_CTX_new(kr->hmac) : NULL;
    if (!ok || !kr->mac)
        return ossl_error(err, "cipher setup");
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    if (!EVP_MAC_init(kr->mac, kr->index_key, KEY_LEN, params))
        return ossl_error(err, "hmac setup");
    for (size_t i = 0; i < kr->nkeys; i++) {
        int rc =
            kr->keys[i].alg == ALG_SM4_CTR_HMAC_SM3 ? sm4_derive(kr->hmac, &kr->keys[i], err) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

static void slot_free(struct slot *s)
{
    EVP_CIPHER_CTX_free(s->cipher);
    EVP_MAC_CTX_free(s->mac);
}

void keyring_free(struct keyring *kr)
{
    if (!kr)
        return;
    slot_free(&kr->enc);
    for (size_t a = 0; a < ALG__COUNT; a++)
        slot_free(&kr->dec[a]);
    EVP_CIPHER_free(kr->aes_gcm);
    EVP_CIPHER_free(kr->sm4_ctr);
    EVP_MAC_CTX_free(kr->mac);
    EVP_MAC_free(kr->hmac);
    if (kr->keys)
        OPENSSL_cleanse(kr->keys, kr->nkeys * sizeof(*kr->keys));
    free(kr->keys);
    OPENSSL_cleanse(kr, sizeof(*kr));
    free(kr);
}

int keyring_load(const char *path, struct keyring **out, struct err *err)
{
    *out = NULL;
    char *text;
    size_t len;
    int rc = read_keyfile(path, &text, &len, err);
    if (rc)
        return rc;
    struct keyring *kr = xcalloc(1, sizeof(*kr));
    rc = parse_keyfile(kr, path, text, err);
    wipe_free(text, KEYFILE_MAX + 1);
    if (!rc)
        rc = keyring_setup(kr, path, err);
    if (rc) {
        keyring_free(kr);
        return rc;
    }
    *out = kr;
    return 0;
}

int keyring_clone(const struct keyring *kr, struct keyring **out, struct err *err)
{
    struct keyring *c = xcalloc(1, sizeof(*c));
    c->keys = xreallocarray(NULL, kr->nkeys, sizeof(*c->keys));
    memcpy(c->keys, kr->keys, kr->nkeys * sizeof(*c->keys));
    c->nkeys = kr->nkeys;
    c->active = kr->active;
    memcpy(c->index_key, kr->index_key, KEY_LEN);
    int rc = keyring_setup(c, NULL, err);
    if (rc) {
        keyring_free(c);
        c = NULL;
    }
    *out = c;
    return rc;
}

uint32_t keyring_active_id(const struct keyring *kr) { return kr->keys[kr->active].id; }
size_t keyring_key_count(const struct keyring *kr) { return kr->nkeys; }
const char *keyring_active_alg(const struct keyring *kr)
{
    return algs[kr->keys[kr->active].alg].name;
}
size_t keyring_overhead(const struct keyring *kr)
{
    return algs[kr->keys[kr->active].alg].overhead;
}

int keyring_add_key(const char *path, struct keyring *kr, uint32_t *new_id, struct err *err)
{
    return keyring_add_key_alg(path, kr, NULL, new_id, err);
}

int keyring_add_key_alg(const char *path, struct keyring *kr, const char *alg, uint32_t *new_id,
                        struct err *err)
{
    char *text = NULL, *copy = NULL, *newpath = NULL;
    size_t len = 0;
    struct keyring *cur = NULL, *fresh = NULL;
    struct strbuf sb = STRBUF_INIT;
    unsigned char key[KEY_LEN];
    int rc = alg ? keyring_alg_check(alg, err) : 0;
    if (rc)
        goto out;
    if ((rc = read_keyfile(path, &text, &len, err)))
        goto out;
    copy = xmalloc(len + 1);
    memcpy(copy, text, len + 1);
    cur = xcalloc(1, sizeof(*cur));
    if ((rc = parse_keyfile(cur, path, copy, err)))
        goto out;
    if (!alg)
        alg = algs[cur->keys[cur->active].alg].name;
    uint32_t max = 0;
    for (size_t i = 0; i < cur->nkeys; i++)
        max = cur->keys[i].id > max ? cur->keys[i].id : max;
    for (size_t i = 0; i < kr->nkeys; i++)
        max = kr->keys[i].id > max ? kr->keys[i].id : max;
    if (max == UINT32_MAX) {
        rc = error(err, ERR_KEY, "key file '%s' has used every key id", path);
        goto out;
    }
    if (RAND_bytes(key, sizeof(key)) != 1) {
        rc = ossl_error(err, "RAND_bytes");
        goto out;
    }

    /* Copy every line as it is, except that an 'active' mark moves to the new key. */
    strbuf_init(&sb, 2 * len + 256);
    for (char *p = text; *p;) {
        char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        /* every line, however long: a long comment must not hide an 'active' mark */
        char *line = xstrndup(p, n), *toks[6];
        size_t ntok = tokenize(line, toks, 5);
        if (ntok == 5 && !strcmp(toks[0], "key") && !strcmp(toks[4], "active"))
            strbuf_addf(&sb, "%s %s %s %s", toks[0], toks[1], toks[2], toks[3]);
        else
            strbuf_add(&sb, p, n);
        strbuf_addch(&sb, '\n');
        OPENSSL_cleanse(line, n);
        free(line);
        p += n + (nl ? 1 : 0);
    }
    strbuf_addf(&sb, "key %" PRIu32 " %s ", max + 1, alg);
    strbuf_add_hex(&sb, key, KEY_LEN);
    strbuf_addch(&sb, '\n');

    newpath = xasprintf("%s.new", path);
    rc = write_new_file(newpath, sb.buf, sb.len,
                        "'%s' exists: is another key rotation running? (remove it if not)",
                        err);
    if (rc)
        goto out;
    if (rename(newpath, path)) {
        rc = error(err, ERR_IO, "cannot replace key file '%s': %s", path, strerror(errno));
        unlink(newpath);
        goto out;
    }
    fsync_dir(path);
    if ((rc = keyring_load(path, &fresh, err)))
        goto out;
    struct keyring tmp = *kr; /* swap contents: callers keep their pointer */
    *kr = *fresh;
    *fresh = tmp;
    OPENSSL_cleanse(&tmp, sizeof(tmp));
    if (new_id)
        *new_id = max + 1;
out:
    OPENSSL_cleanse(key, sizeof(key));
    wipe_free(text, KEYFILE_MAX + 1);
    wipe_free(copy, len + 1);
    if (sb.alloc)
        OPENSSL_cleanse(sb.buf, sb.alloc);
    strbuf_release(&sb);
    free(newpath);
    keyring_free(cur);
    keyring_free(fresh);
    return rc;
}

/* ---- encryption ---- */

static int next_nonce(struct keyring *kr, unsigned char *nonce, size_t len, struct err *err)
{
    unsigned gen = atomic_load_explicit(&fork_generation, memory_order_relaxed);
    if (kr->nonce_pos + len > sizeof(kr->nonces) || gen != kr->nonce_gen) {
        if (RAND_bytes(kr->nonces, sizeof(kr->nonces)) != 1)
            return ossl_error(err, "RAND_bytes");
        kr->nonce_pos = 0;
        kr->nonce_gen = gen;
    }
    memcpy(nonce, kr->nonces + kr->nonce_pos, len);
    kr->nonce_pos += len;
    return 0;
}

static int aad_len(const char *aad, size_t *n, struct err *err)
{
    *n = aad ? strlen(aad) : 0;
    if (*n > INT_MAX)
        return error(err, ERR_TOO_LARGE, "encryption context is too long");
    return 0;
}

/*
 * Key slot `s` with key `ki` unless it holds it already: the cipher context (direction `enc`)
 * and, for an sm4 key, the HMAC-SM3 context. On failure the slot holds no key.
 */
static int slot_key(struct keyring *kr, struct slot *s, size_t ki, int enc, struct err *err)
{
    if (s->key == ki)
        return 0;
    const struct keyring_key *k = &kr->keys[ki];
    s->key = SIZE_MAX;
    if (k->alg == ALG_AES_256_GCM) {
        if (!EVP_CipherInit_ex2(s->cipher, kr->aes_gcm, k->key, NULL, enc, NULL))
            return ossl_error(err, enc ? "encrypt init" : "decrypt init");
    } else {
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SM3", 0),
            OSSL_PARAM_construct_end(),
        };
        if (!s->mac && !(s->mac = EVP_MAC_CTX_new(kr->hmac)))
            return ossl_error(err, "hmac-sm3 setup");
        if (!EVP_CipherInit_ex2(s->cipher, kr->sm4_ctr, k->sub, NULL, enc, NULL))
            return ossl_error(err, enc ? "encrypt init" : "decrypt init");
        if (!EVP_MAC_init(s->mac, k->sub + SM4_KEY_LEN, SM3_MAC_KEY_LEN, params))
            return ossl_error(err, "hmac-sm3 init");
    }
    s->key = ki;
    return 0;
}

typedef int cipher_update_fn(EVP_CIPHER_CTX *, unsigned char *, int *, const unsigned char *,
                             int);

/*
 * Feed the GCM additional data: the 5-byte header, then the context string. One update call
 * for both when they fit a small buffer: each call costs ~10% of a short value's encryption.
 */
static bool add_aad(EVP_CIPHER_CTX *ctx, cipher_update_fn *update, const unsigned char *hdr,
                    const char *aad, size_t alen)
{
    unsigned char buf[128];
    int n;
    if (alen <= sizeof(buf) - HDR_LEN) {
        memcpy(buf, hdr, HDR_LEN);
        if (alen)
            memcpy(buf + HDR_LEN, aad, alen);
        return update(ctx, NULL, &n, buf, (int)(HDR_LEN + alen)) == 1;
    }
    return update(ctx, NULL, &n, hdr, HDR_LEN) == 1 &&
           update(ctx, NULL, &n, (const unsigned char *)aad, (int)alen) == 1;
}

/*
 * The SM4 value's tag: HMAC-SM3 over A || IV || ciphertext || bit length of A (64-bit big
 * endian), A = header || context (keyring.h). `ivct` is the IV followed by the ciphertext, as
 * they lie in the value. The context is restarted from its keyed state, not re-keyed.
 */
static bool sm3_tag(EVP_MAC_CTX *m, const unsigned char *hdr, const char *aad, size_t alen,
                    const unsigned char *ivct, size_t ivct_len,
                    unsigned char tag[KEYRING_SM4_TAG_LEN])
{
    unsigned char buf[128], bits[8];
    size_t outl = 0;
    put_be64(bits, 8 * (uint64_t)(HDR_LEN + alen));
    if (!EVP_MAC_init(m, NULL, 0, NULL))
        return false;
    if (alen <= sizeof(buf) - HDR_LEN) { /* one update for A, as add_aad() */
        memcpy(buf, hdr, HDR_LEN);
        if (alen)
            memcpy(buf + HDR_LEN, aad, alen);
        if (!EVP_MAC_update(m, buf, HDR_LEN + alen))
            return false;
    } else if (!EVP_MAC_update(m, hdr, HDR_LEN) ||
               !EVP_MAC_update(m, (const unsigned char *)aad, alen)) {
        return false;
    }
    return EVP_MAC_update(m, ivct, ivct_len) && EVP_MAC_update(m, bits, sizeof(bits)) &&
           EVP_MAC_final(m, tag, &outl, KEYRING_SM4_TAG_LEN) && outl == KEYRING_SM4_TAG_LEN;
}

/* AES-256-GCM: nonce, ciphertext and tag after the header at `o` (keyring.h). */
static bool gcm_seal(struct keyring *kr, const char *aad, size_t alen, const void *pt, size_t len,
                     unsigned char *o)
{
    unsigned char *c = o + HDR_LEN + KEYRING_NONCE_LEN;
    int n = 0, n2;
    if (!EVP_EncryptInit_ex2(kr->enc.cipher, NULL, NULL, o + HDR_LEN, NULL) ||
        !add_aad(kr->enc.cipher, EVP_EncryptUpdate, o, aad, alen))
        return false;
    if (len && !EVP_EncryptUpdate(kr->enc.cipher, c, &n, pt, (int)len))
        return false;
    return EVP_EncryptFinal_ex(kr->enc.cipher, c + n, &n2) && (size_t)n + (size_t)n2 == len &&
           EVP_CIPHER_CTX_ctrl(kr->enc.cipher, EVP_CTRL_AEAD_GET_TAG, KEYRING_TAG_LEN, c + len);
}

/* SM4-CTR, then HMAC-SM3 over what was written (encrypt-then-MAC). */
static bool sm4_seal(struct keyring *kr, const char *aad, size_t alen, const void *pt, size_t len,
                     unsigned char *o)
{
    unsigned char *iv = o + HDR_LEN, *c = iv + KEYRING_SM4_IV_LEN;
    int n = 0, n2;
    /* a new IV also restarts the counter: no keystream is carried over from the last value */
    if (!EVP_EncryptInit_ex2(kr->enc.cipher, NULL, NULL, iv, NULL))
        return false;
    if (len && !EVP_EncryptUpdate(kr->enc.cipher, c, &n, pt, (int)len))
        return false;
    return EVP_EncryptFinal_ex(kr->enc.cipher, c + n, &n2) && (size_t)n + (size_t)n2 == len &&
           sm3_tag(kr->enc.mac, o, aad, alen, iv, KEYRING_SM4_IV_LEN + len, c + len);
}

int keyring_encrypt(struct keyring *kr, const char *aad, const void *pt, size_t len,
                    struct strbuf *out, struct err *err)
{
    size_t alen;
    int rc = aad_len(aad, &alen, err);
    if (rc)
        return rc;
    if (len > MAX_PLAINTEXT)
        return error(err, ERR_TOO_LARGE, "value to encrypt is too large (%zu bytes)", len);
    const struct keyring_key *k = &kr->keys[kr->active];
    if ((rc = slot_key(kr, &kr->enc, kr->active, 1, err)))
        return rc;
    bool sm4 = k->alg == ALG_SM4_CTR_HMAC_SM3;
    size_t overhead = algs[k->alg].overhead, old = out->len;
    strbuf_grow(out, len + overhead);
    unsigned char *o = (unsigned char *)out->buf + old;
    o[0] = KEYRING_VERSION;
    put_be32(o + 1, k->id);
    if ((rc = next_nonce(kr, o + HDR_LEN, sm4 ? KEYRING_SM4_IV_LEN : KEYRING_NONCE_LEN, err)))
        return rc;
    if (!(sm4 ? sm4_seal : gcm_seal)(kr, aad, alen, pt, len, o)) {
        kr->enc.key = SIZE_MAX;
        OPENSSL_cleanse(o, len + overhead);
        strbuf_setlen(out, old);
        return ossl_error(err, "encrypt");
    }
    strbuf_setlen(out, old + len + overhead);
    return 0;
}

int keyring_ciphertext_key_id(const void *ct, size_t len, uint32_t *id, struct err *err)
{
    const unsigned char *c = ct;
    if (len < HDR_LEN)
        return error(err, ERR_CORRUPT, "ciphertext is too short (%zu bytes)", len);
    if (c[0] != KEYRING_VERSION)
        return error(err, ERR_CORRUPT, "unknown ciphertext version 0x%02x", c[0]);
    *id = get_be32(c + 1);
    return 0;
}

bool keyring_needs_rotation(const struct keyring *kr, const void *ct, size_t len)
{
    uint32_t id = 0;
    if (keyring_ciphertext_key_id(ct, len, &id, NULL) || len < KEYRING_OVERHEAD)
        return true;
    const struct keyring_key *k = &kr->keys[kr->active];
    return id != k->id || len < algs[k->alg].overhead;
}

/* GCM: decrypt into `o` and verify the tag. False on any failure; *forged when the tag failed. */
static bool gcm_open(struct keyring *kr, const char *aad, size_t alen, const unsigned char *c,
                     size_t ptlen, unsigned char *o, bool *forged)
{
    EVP_CIPHER_CTX *ctx = kr->dec[ALG_AES_256_GCM].cipher;
    unsigned char tag[KEYRING_TAG_LEN];
    int n = 0, n2;
    memcpy(tag, c + KEYRING_OVERHEAD - KEYRING_TAG_LEN + ptlen, KEYRING_TAG_LEN);
    if (!EVP_DecryptInit_ex2(ctx, NULL, NULL, c + HDR_LEN, NULL) ||
        !add_aad(ctx, EVP_DecryptUpdate, c, aad, alen))
        return false;
    if (ptlen && !EVP_DecryptUpdate(ctx, o, &n, c + HDR_LEN + KEYRING_NONCE_LEN, (int)ptlen))
        return false;
    if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, KEYRING_TAG_LEN, tag))
        return false;
    if (EVP_DecryptFinal_ex(ctx, o + n, &n2) != 1) {
        *forged = true;
        return false;
    }
    return true;
}

/* SM4: verify the tag first (constant time), then decrypt into `o`. */
static bool sm4_open(struct keyring *kr, const char *aad, size_t alen, const unsigned char *c,
                     size_t ptlen, unsigned char *o, bool *forged)
{
    struct slot *s = &kr->dec[ALG_SM4_CTR_HMAC_SM3];
    const unsigned char *iv = c + HDR_LEN;
    unsigned char tag[KEYRING_SM4_TAG_LEN];
    int n = 0, n2;
    if (!sm3_tag(s->mac, c, aad, alen, iv, KEYRING_SM4_IV_LEN + ptlen, tag))
        return false;
    if (CRYPTO_memcmp(tag, iv + KEYRING_SM4_IV_LEN + ptlen, KEYRING_SM4_TAG_LEN)) {
        *forged = true;
        return false;
    }
    if (!EVP_DecryptInit_ex2(s->cipher, NULL, NULL, iv, NULL))
        return false;
    if (ptlen && !EVP_DecryptUpdate(s->cipher, o, &n, iv + KEYRING_SM4_IV_LEN, (int)ptlen))
        return false;
    return EVP_DecryptFinal_ex(s->cipher, o + n, &n2) && (size_t)n + (size_t)n2 == ptlen;
}

int keyring_decrypt(struct keyring *kr, const char *aad, const void *ct, size_t len,
                    struct strbuf *out, struct err *err)
{
    const unsigned char *c = ct;
    uint32_t id = 0;
    size_t alen;
    int rc = keyring_ciphertext_key_id(ct, len, &id, err);
    if (rc || (rc = aad_len(aad, &alen, err)))
        return rc;
    if (len < KEYRING_OVERHEAD) /* the shortest of all algorithms */
        return error(err, ERR_CORRUPT, "ciphertext is too short (%zu bytes)", len);
    size_t ki;
    for (ki = 0; ki < kr->nkeys && kr->keys[ki].id != id; ki++)
        ;
    if (ki == kr->nkeys)
        return error(err, ERR_KEY,
                     "ciphertext uses key id %" PRIu32 ", which is not in the key file", id);
    enum keyring_alg alg = kr->keys[ki].alg;
    if (len < algs[alg].overhead)
        return error(err, ERR_CORRUPT, "ciphertext is too short (%zu bytes)", len);
    size_t ptlen = len - algs[alg].overhead;
    if (ptlen > MAX_PLAINTEXT)
        return error(err, ERR_TOO_LARGE, "ciphertext is too large (%zu bytes)", len);
    struct slot *s = &kr->dec[alg];
    if ((rc = slot_key(kr, s, ki, 0, err)))
        return rc;
    size_t old = out->len;
    strbuf_grow(out, ptlen);
    unsigned char *o = (unsigned char *)out->buf + old;
    bool forged = false;
    bool ok = alg == ALG_SM4_CTR_HMAC_SM3 ? sm4_open(kr, aad, alen, c, ptlen, o, &forged)
                                          : gcm_open(kr, aad, alen, c, ptlen, o, &forged);
    if (ok) {
        strbuf_setlen(out, old + ptlen);
        return 0;
    }
    OPENSSL_cleanse(o, ptlen);
    out->buf[old] = '\0';
    if (forged) {
        ERR_clear_error();
        return error(err, ERR_KEY, "decryption failed (wrong key file?)");
    }
    s->key = SIZE_MAX;
    return ossl_error(err, "decrypt");
}

int keyring_blind_index(struct keyring *kr, const char *domain, const void *value, size_t len,
                        unsigned char out[KEYRING_INDEX_LEN], struct err *err)
{
    size_t outl = 0;
    /* no key: HMAC restarts from the ipad/opad states computed when the context was keyed */
    if (!EVP_MAC_init(kr->mac, NULL, 0, NULL) ||
        !EVP_MAC_update(kr->mac, (const unsigned char *)domain, strlen(domain) + 1) ||
        !EVP_MAC_update(kr->mac, value, len) ||
        !EVP_MAC_final(kr->mac, out, &outl, KEYRING_INDEX_LEN) || outl != KEYRING_INDEX_LEN)
        return ossl_error(err, "hmac");
    return 0;
}
