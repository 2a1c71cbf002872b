/*
 * The pure parts of authentication: the permission table, the password rules, Argon2id
 * hashing (libsodium, initialised once per process), random secrets and token formats.
 * No store access here; auth_user.c and auth_session.c hold the database side.
 */
#include "core/common.h"
#include "domain/auth.h"
#include "domain/auth_int.h"

#include <assert.h>
#include <pthread.h>
#include <sodium.h>

static const char *const perm_names[] = {
#define PERM(id, name, zh, en) name,
#include "domain/perms.def"
#undef PERM
};

const char *perm_name(int p)
{
    return p >= 0 && p < PERM__COUNT ? perm_names[p] : NULL;
}

int perm_lookup(const char *name)
{
    for (int i = 0; i < PERM__COUNT; i++)
        if (!strcmp(perm_names[i], name))
            return i;
    return -1;
}

int perm_set_parse(const char *list, uint64_t *out, struct err *err)
{
    *out = 0;
    if (!list)
        return error(err, ERR_INVALID, "permission list is missing");
    const char *p = list;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        size_t n = strcspn(p, ",");
        size_t m = n;
        while (m && (p[m - 1] == ' ' || p[m - 1] == '\t'))
            m--;
        char name[64];
        if (m == 0 && !p[n] && p == list)
            return error(err, ERR_INVALID, "permission list is empty");
        if (m >= sizeof(name))
            return error(err, ERR_INVALID, "unknown permission '%.*s'", 40, p);
        memcpy(name, p, m);
        name[m] = '\0';
        if (!strcmp(name, "*")) {
            *out = PERM_ALL;
        } else {
            int i = perm_lookup(name);
            if (i < 0)
                return error(err, ERR_INVALID, "unknown permission '%s'", name);
            *out |= PERM_BIT(i);
        }
        if (!p[n])
            break;
        p += n + 1;
    }
    return 0;
}

void perm_set_format(uint64_t set, struct strbuf *out)
{
    bool first = true;
    for (int i = 0; i < PERM__COUNT; i++)
        if (set & PERM_BIT(i)) {
            strbuf_addf(out, "%s%s", first ? "" : ",", perm_names[i]);
            first = false;
        }
}

int64_t auth_lockout_us(const struct auth_policy *p, int64_t failures)
{
    if (failures < p->lockout_after)
        return 0;
    int64_t t = p->lockout_base_us;
    for (int64_t i = p->lockout_after; i < failures && t < p->lockout_max_us; i++)
        t = t > INT64_MAX / 2 ? INT64_MAX : t * 2;
    return t < p->lockout_max_us ? t : p->lockout_max_us;
}

/* Length of the UTF-8 sequence at s (1..4), or 0 when it is not valid UTF-8. */
static size_t utf8_seq(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (s[0] >= 0xf8)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

int auth_password_check(const char *pw, const char *username, int64_t min_len, struct err *err)
{
    if (!pw || !*pw)
        return error(err, ERR_INVALID, "password is empty"), err_field(err, "password");
    size_t bytes = strlen(pw);
    if (bytes > 128)
        return error(err, ERR_INVALID, "password is longer than 128 bytes"),
               err_field(err, "password");
    int64_t chars = 0;
    bool letter = false, digit = false;
    for (const unsigned char *s = (const unsigned char *)pw; *s;) {
        size_t n = utf8_seq(s);
        if (!n)
            return error(err, ERR_INVALID, "password is not valid UTF-8"),
                   err_field(err, "password");
        if (n == 1 && (*s < 0x20 || *s == 0x7f))
            return error(err, ERR_INVALID, "password contains a control character"),
                   err_field(err, "password");
        if (n == 1 && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
            letter = true;
        if (n > 1) /* Chinese and other scripts count as letters */
            letter = true;
        if (*s >= '0' && *s <= '9')
            digit = true;
        chars++;
        s += n;
    }
    if (chars < min_len)
        return error(err, ERR_INVALID, "password is too short: at least %" PRId64 " characters",
                     min_len),
               err_field(err, "password");
    if (!letter || !digit)
        return error(err, ERR_INVALID, "password needs at least one letter and one digit"),
               err_field(err, "password");
    if (username && *username && strcasestr(pw, username))
        return error(err, ERR_INVALID, "password must not contain the user name"),
               err_field(err, "password");
    return 0;
}

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_status;

static void sodium_start(void)
{
    sodium_status = sodium_init();
}

void auth_crypto_init(void)
{
    pthread_once(&sodium_once, sodium_start);
    if (sodium_status < 0)
        BUG("libsodium could not be initialised");
}

int auth_password_hash(const char *pw, char out[AUTH_HASH_MAX], struct err *err)
{
    auth_crypto_init();
    static_assert(AUTH_HASH_MAX >= crypto_pwhash_STRBYTES, "AUTH_HASH_MAX too small");
    if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return error(err, ERR_INTERNAL, "password hashing ran out of memory");
    return 0;
}

bool auth_password_verify(const char *hash, const char *pw)
{
    auth_crypto_init();
    return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

void auth_random_hex(char *out, size_t nbytes)
{
    unsigned char buf[64];
    auth_crypto_init();
    if (nbytes > sizeof(buf))
        BUG("auth_random_hex: %zu bytes", nbytes);
    randombytes_buf(buf, nbytes);
    sodium_bin2hex(out, nbytes * 2 + 1, buf, nbytes);
    sodium_memzero(buf, sizeof(buf));
}

void auth_onetime_password(char out[17])
{
    /* no 0/O, 1/l/I: read aloud or copied from paper without mistakes */
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    auth_crypto_init();
    do {
        bool letter = false, digit = false;
        for (int i = 0; i < 16; i++) {
            out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
            if (out[i] >= '2' && out[i] <= '9')
                digit = true;
            else
                letter = true;
        }
        out[16] = '\0';
        if (letter && digit)
            break;
    } while (1);
}

static bool is_hex64(const char *s)
{
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[64] == '\0';
}

bool auth_token_format_ok(const char *s)
{
    return s && !strncmp(s, AUTH_TOKEN_PREFIX, 6) && is_hex64(s + 6);
}

bool auth_session_format_ok(const char *s)
{
    return s && is_hex64(s);
}

void auth_secret_hash(const char *token, char out[65])
{
    digest_hex(token, strlen(token), out);
}
