/*
 * The key file and personal-data encryption (see keyring.h for both formats). The only file
 * that calls OpenSSL's cipher and MAC APIs. Speed comes from keying each EVP_CIPHER_CTX once
 * and then setting only the IV per value, from a pre-keyed HMAC context re-initialised
 * without a key, and from drawing nonces 341 at a time (DESIGN §6).
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
#define NONCE_BATCH 341 /* 341 * 12 = 4092 bytes of RAND_bytes per refill */
#define HDR_LEN 5       /* version byte + key id */
#define MAX_PLAINTEXT ((size_t)1 << 30)

enum keyring_alg { ALG_AES_256_GCM, ALG_SM4_CTR_HMAC_SM3 };

static const struct {
    const char *name;
    bool implemented;
} algs[] = {
    [ALG_AES_256_GCM] = { "aes-256-gcm", true },
    [ALG_SM4_CTR_HMAC_SM3] = { "sm4-ctr-hmac-sm3", false },
};

struct keyring_key {
    uint32_t id;
    enum keyring_alg alg;
    int line;
    unsigned char key[KEY_LEN];
};

struct keyring {
    struct keyring_key *keys;
    size_t nkeys, active;
    unsigned char index_key[KEY_LEN];
    EVP_CIPHER *aes_gcm;
    EVP_CIPHER_CTX *enc, *dec;
    size_t enc_key, dec_key; /* index of the key each context holds; SIZE_MAX: none */
    EVP_MAC *hmac;
    EVP_MAC_CTX *mac; /* keyed with index_key once */
    unsigned char nonces[NONCE_BATCH * KEYRING_NONCE_LEN];
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
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return error(err, ERR_KEY, "key file '%s' line %d: %s", path, line, msg);
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

static const char expected_line[] =
    "expected 'key <id> <algorithm> <64 hex digits> [active]' or 'index <64 hex digits>'";

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
                return line_error(err, path, line, "%s", expected_line);
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
            return line_error(err, path, line, "%s", expected_line);
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
                return line_error(err, path, line,
                                  "unknown algorithm '%s' (supported: aes-256-gcm)", toks[2]);
            return line_error(err, path, line, "unknown algorithm (supported: aes-256-gcm)");
        }
        if (!algs[a].implemented)
            return line_error(err, path, line,
                              "algorithm '%s' is not implemented yet (supported: aes-256-gcm)",
                              algs[a].name);
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
    "#   index <64 hex digits>                           blind-index key; never changes\n";

int keyring_create(const char *path, struct err *err)
{
    unsigned char keys[2 * KEY_LEN];
    if (RAND_bytes(keys, sizeof(keys)) != 1)
        return ossl_error(err, "RAND_bytes");
    struct strbuf sb;
    strbuf_init(&sb, 2048); /* large enough never to reallocate (and leave key copies) */
    strbuf_addstr(&sb, keyfile_header);
    strbuf_addstr(&sb, "key 1 aes-256-gcm ");
    strbuf_add_hex(&sb, keys, KEY_LEN);
    strbuf_addstr(&sb, "\nindex ");
    strbuf_add_hex(&sb, keys + KEY_LEN, KEY_LEN);
    strbuf_addch(&sb, '\n');
    OPENSSL_cleanse(keys, sizeof(keys));
    int rc = write_new_file(path, sb.buf, sb.len,
                            "key file '%s' already exists; refusing to overwrite it", err);
    if (!rc)
        fsync_dir(path);
    OPENSSL_cleanse(sb.buf, sb.alloc);
    strbuf_release(&sb);
    return rc;
}

/* Create the OpenSSL objects of a keyring whose keys are set. */
static int keyring_setup(struct keyring *kr, struct err *err)
{
    pthread_once(&fork_once, register_fork_hook);
    kr->enc_key = kr->dec_key = SIZE_MAX;
    kr->nonce_pos = sizeof(kr->nonces); /* empty: drawn on first use */
    kr->aes_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    kr->enc = EVP_CIPHER_CTX_new();
    kr->dec = EVP_CIPHER_CTX_new();
    kr->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    kr->mac = kr->hmac ? EVP_MAC_CTX_new(kr->hmac) : NULL;
    if (!kr->aes_gcm || !kr->enc || !kr->dec || !kr->mac)
        return ossl_error(err, "cipher setup");
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    if (!EVP_MAC_init(kr->mac, kr->index_key, KEY_LEN, params))
        return ossl_error(err, "hmac setup");
    return 0;
}

void keyring_free(struct keyring *kr)
{
    if (!kr)
        return;
    EVP_CIPHER_CTX_free(kr->enc);
    EVP_CIPHER_CTX_free(kr->dec);
    EVP_CIPHER_free(kr->aes_gcm);
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
        rc = keyring_setup(kr, err);
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
    int rc = keyring_setup(c, err);
    if (rc) {
        keyring_free(c);
        c = NULL;
    }
    *out = c;
    return rc;
}

uint32_t keyring_active_id(const struct keyring *kr) { return kr->keys[kr->active].id; }
size_t keyring_key_count(const struct keyring *kr) { return kr->nkeys; }

int keyring_add_key(const char *path, struct keyring *kr, uint32_t *new_id, struct err *err)
{
    char *text = NULL, *copy = NULL, *newpath = NULL;
    size_t len = 0;
    struct keyring *cur = NULL, *fresh = NULL;
    struct strbuf sb = STRBUF_INIT;
    unsigned char key[KEY_LEN];
    int rc = read_keyfile(path, &text, &len, err);
    if (rc)
        goto out;
    copy = xmalloc(len + 1);
    memcpy(copy, text, len + 1);
    cur = xcalloc(1, sizeof(*cur));
    if ((rc = parse_keyfile(cur, path, copy, err)))
        goto out;
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
    strbuf_addf(&sb, "key %" PRIu32 " %s ", max + 1, algs[cur->keys[cur->active].alg].name);
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

static int next_nonce(struct keyring *kr, unsigned char *nonce, struct err *err)
{
    unsigned gen = atomic_load_explicit(&fork_generation, memory_order_relaxed);
    if (kr->nonce_pos >= sizeof(kr->nonces) || gen != kr->nonce_gen) {
        if (RAND_bytes(kr->nonces, sizeof(kr->nonces)) != 1)
            return ossl_error(err, "RAND_bytes");
        kr->nonce_pos = 0;
        kr->nonce_gen = gen;
    }
    memcpy(nonce, kr->nonces + kr->nonce_pos, KEYRING_NONCE_LEN);
    kr->nonce_pos += KEYRING_NONCE_LEN;
    return 0;
}

static int aad_len(const char *aad, size_t *n, struct err *err)
{
    *n = aad ? strlen(aad) : 0;
    if (*n > INT_MAX)
        return error(err, ERR_TOO_LARGE, "encryption context is too long");
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

int keyring_encrypt(struct keyring *kr, const char *aad, const void *pt, size_t len,
                    struct strbuf *out, struct err *err)
{
    size_t alen;
    int n, rc = aad_len(aad, &alen, err);
    if (rc)
        return rc;
    if (len > MAX_PLAINTEXT)
        return error(err, ERR_TOO_LARGE, "value to encrypt is too large (%zu bytes)", len);
    const struct keyring_key *k = &kr->keys[kr->active];
    if (kr->enc_key != kr->active) {
        if (!EVP_EncryptInit_ex2(kr->enc, kr->aes_gcm, k->key, NULL, NULL))
            return ossl_error(err, "encrypt init");
        kr->enc_key = kr->active;
    }
    size_t old = out->len;
    strbuf_grow(out, len + KEYRING_OVERHEAD);
    unsigned char *o = (unsigned char *)out->buf + old, *c = o + HDR_LEN + KEYRING_NONCE_LEN;
    o[0] = KEYRING_VERSION;
    put_be32(o + 1, k->id);
    if ((rc = next_nonce(kr, o + HDR_LEN, err)))
        return rc;
    if (!EVP_EncryptInit_ex2(kr->enc, NULL, NULL, o + HDR_LEN, NULL) ||
        !add_aad(kr->enc, EVP_EncryptUpdate, o, aad, alen))
        goto fail;
    n = 0;
    if (len && !EVP_EncryptUpdate(kr->enc, c, &n, pt, (int)len))
        goto fail;
    int n2;
    if (!EVP_EncryptFinal_ex(kr->enc, c + n, &n2) || (size_t)n + (size_t)n2 != len ||
        !EVP_CIPHER_CTX_ctrl(kr->enc, EVP_CTRL_AEAD_GET_TAG, KEYRING_TAG_LEN, c + len))
        goto fail;
    strbuf_setlen(out, old + len + KEYRING_OVERHEAD);
    return 0;
fail:
    kr->enc_key = SIZE_MAX;
    strbuf_setlen(out, old);
    return ossl_error(err, "encrypt");
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
    return id != kr->keys[kr->active].id;
}

int keyring_decrypt(struct keyring *kr, const char *aad, const void *ct, size_t len,
                    struct strbuf *out, struct err *err)
{
    const unsigned char *c = ct;
    uint32_t id = 0;
    size_t alen;
    int n, rc = keyring_ciphertext_key_id(ct, len, &id, err);
    if (rc || (rc = aad_len(aad, &alen, err)))
        return rc;
    if (len < KEYRING_OVERHEAD)
        return error(err, ERR_CORRUPT, "ciphertext is too short (%zu bytes)", len);
    size_t ptlen = len - KEYRING_OVERHEAD;
    if (ptlen > MAX_PLAINTEXT)
        return error(err, ERR_TOO_LARGE, "ciphertext is too large (%zu bytes)", len);
    size_t ki = kr->dec_key;
    if (ki == SIZE_MAX || kr->keys[ki].id != id) {
        for (ki = 0; ki < kr->nkeys && kr->keys[ki].id != id; ki++)
            ;
        if (ki == kr->nkeys)
            return error(err, ERR_KEY,
                         "ciphertext uses key id %" PRIu32 ", which is not in the key file", id);
        if (!EVP_DecryptInit_ex2(kr->dec, kr->aes_gcm, kr->keys[ki].key, NULL, NULL)) {
            kr->dec_key = SIZE_MAX;
            return ossl_error(err, "decrypt init");
        }
        kr->dec_key = ki;
    }
    unsigned char tag[KEYRING_TAG_LEN];
    memcpy(tag, c + len - KEYRING_TAG_LEN, KEYRING_TAG_LEN);
    size_t old = out->len;
    strbuf_grow(out, ptlen);
    unsigned char *o = (unsigned char *)out->buf + old;
    n = 0;
    if (!EVP_DecryptInit_ex2(kr->dec, NULL, NULL, c + HDR_LEN, NULL) ||
        !add_aad(kr->dec, EVP_DecryptUpdate, c, aad, alen))
        goto fail;
    n = 0;
    if (ptlen && !EVP_DecryptUpdate(kr->dec, o, &n, c + HDR_LEN + KEYRING_NONCE_LEN, (int)ptlen))
        goto fail;
    if (!EVP_CIPHER_CTX_ctrl(kr->dec, EVP_CTRL_AEAD_SET_TAG, KEYRING_TAG_LEN, tag))
        goto fail;
    int n2;
    if (EVP_DecryptFinal_ex(kr->dec, o + n, &n2) != 1) {
        OPENSSL_cleanse(o, ptlen);
        out->buf[old] = '\0';
        ERR_clear_error();
        return error(err, ERR_KEY, "decryption failed (wrong key file?)");
    }
    strbuf_setlen(out, old + ptlen);
    return 0;
fail:
    OPENSSL_cleanse(o, ptlen);
    out->buf[old] = '\0';
    kr->dec_key = SIZE_MAX;
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
