/*
 * E-mail addresses as personal data (pii.h): validation, the normalised form that is encrypted
 * and blind-indexed (trimmed, ASCII lower case, so "Zhang@Example.COM" and "zhang@example.com"
 * find each other), and the mask (the local part's first character and the domain:
 * "z***@example.com"). Pure functions; pii.c's pii_normalize and pii_mask call them.
 */
#include "core/common.h"
#include "domain/pii.h"

#include <ctype.h>

#define EMAIL_MAX 254
#define EMAIL_LOCAL_MAX 64
#define EMAIL_LABEL_MAX 63

static bool local_char(unsigned char ch)
{
    return isalnum(ch) || (ch && strchr("!#$%&'*+/=?^_`{|}~.-", ch));
}

/* What is wrong with an address; each has its own message in email_error. */
enum email_bad {
    EMAIL_OK,
    BAD_EMPTY,
    BAD_LONG,
    BAD_AT,
    BAD_LOCAL_LEN,
    BAD_LOCAL_CHAR,
    BAD_LOCAL_DOTS,
    BAD_LABEL,
    BAD_DOMAIN_CHAR,
    BAD_TLD,
};

/* One literal message per problem, so each is translated whole (po/zh_CN.po). */
static int email_error(struct err *err, const char *masked, enum email_bad why)
{
    switch (why) {
    case BAD_EMPTY:
        return error(err, ERR_INVALID, "invalid email address '%s': it is empty", masked);
    case BAD_LONG:
        return error(err, ERR_INVALID, "invalid email address '%s': it is over 254 characters",
                     masked);
    case BAD_AT:
        return error(err, ERR_INVALID, "invalid email address '%s': it needs exactly one '@'",
                     masked);
    case BAD_LOCAL_LEN:
        return error(err, ERR_INVALID,
                     "invalid email address '%s': the part before '@' must have 1 to 64 characters",
                     masked);
    case BAD_LOCAL_CHAR:
        return error(err, ERR_INVALID,
                     "invalid email address '%s': the part before '@' has a character an address "
                     "cannot have",
                     masked);
    case BAD_LOCAL_DOTS:
        return error(err, ERR_INVALID,
                     "invalid email address '%s': the part before '@' cannot start or end with '.' "
                     "or hold '..'",
                     masked);
    case BAD_LABEL:
        return error(err, ERR_INVALID,
                     "invalid email address '%s': the domain must be names of 1 to 63 letters, "
                     "digits or '-' joined by '.'",
                     masked);
    case BAD_DOMAIN_CHAR:
        return error(
            err, ERR_INVALID,
            "invalid email address '%s': the domain has a character a domain name cannot have",
            masked);
    case BAD_TLD:
        return error(
            err, ERR_INVALID,
            "invalid email address '%s': the domain needs a top-level name such as '.cn' or '.com'",
            masked);
    case EMAIL_OK:
        break;
    }
    BUG("email_error without a problem");
}

/* What is wrong with the lower-cased address `a` (local@domain, `at` its '@'), or EMAIL_OK */
static enum email_bad email_problem(const char *a, size_t len, size_t at)
{
    if (at == 0 || at > EMAIL_LOCAL_MAX)
        return BAD_LOCAL_LEN;
    for (size_t i = 0; i < at; i++)
        if (!local_char((unsigned char)a[i]))
            return BAD_LOCAL_CHAR;
    if (a[0] == '.' || a[at - 1] == '.' || memmem(a, at, "..", 2))
        return BAD_LOCAL_DOTS;
    const char *d = a + at + 1, *end = a + len, *label = d;
    size_t labels = 0;
    for (const char *p = d;; p++) {
        if (p == end || *p == '.') {
            size_t n = (size_t)(p - label);
            if (!n || n > EMAIL_LABEL_MAX || label[0] == '-' || p[-1] == '-')
                return BAD_LABEL;
            labels++;
            if (p == end)
                break;
            label = p + 1;
        } else if (!isalnum((unsigned char)*p) && *p != '-') {
            return BAD_DOMAIN_CHAR;
        }
    }
    if (labels < 2 || !isalpha((unsigned char)label[0]))
        return BAD_TLD;
    return EMAIL_OK;
}

int pii_email_parse(const char *s, struct strbuf *out, struct err *err)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    const char *at = memchr(s, '@', len);
    enum email_bad why = EMAIL_OK;
    char a[EMAIL_MAX + 1];
    if (!len)
        why = BAD_EMPTY;
    else if (len > EMAIL_MAX)
        why = BAD_LONG;
    else if (!at || memchr(at + 1, '@', len - (size_t)(at - s) - 1))
        why = BAD_AT;
    if (!why) {
        for (size_t i = 0; i < len; i++)
            a[i] = (char)tolower((unsigned char)s[i]);
        a[len] = '\0';
        why = email_problem(a, len, (size_t)(at - s));
    }
    if (why && err) { /* no mask without err: pii_email_mask parses with err NULL */
        struct strbuf m = STRBUF_INIT;
        pii_mask(PII_EMAIL, s, &m);
        email_error(err, m.buf, why);
        strbuf_release(&m);
    }
    if (why)
        return ERR_INVALID;
    if (out)
        strbuf_add(out, a, len);
    return 0;
}

bool pii_email_mask(const char *value, struct strbuf *out)
{
    struct strbuf norm = STRBUF_INIT;
    bool ok = !pii_email_parse(value, &norm, NULL);
    if (ok) {
        const char *at = strchr(norm.buf, '@');
        strbuf_addch(out, norm.buf[0]);
        strbuf_addf(out, "***%s", at);
    }
    strbuf_release(&norm);
    return ok;
}
