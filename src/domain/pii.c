/*
 * Personal-data validation, normalization and masking (see pii.h). Input is first folded to
 * ASCII (full-width digits and letters from Chinese input methods become ASCII, 转 becomes an
 * extension mark), then checked. Every error message masks the value with mask_into().
 */
#include "core/common.h"
#include "domain/pii.h"

#define PREP_MAX 64     /* longest value looked at, after folding */
#define BAD_CHAR '\x7f' /* stands for a character that no rule accepts */

/* ---- folding and masking helpers ---- */

/* Decode one UTF-8 sequence leniently: returns its length, *cp = 0xFFFD when invalid. */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    unsigned c = s[0];
    size_t n;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        min = 0x10000;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    uint32_t v = c & (0x7F >> n);
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = v;
    return n;
}

/*
 * Fold `s` to ASCII into out[cap]: U+FF01..U+FF5E (full-width forms) to their ASCII letters,
 * U+3000 to a space, for phones 转 (U+8F6C, "extension") to 'x', anything else non-ASCII or a
 * control character to BAD_CHAR. Leading and trailing blanks are dropped. False if longer
 * than cap-1.
 */
static bool fold(const char *s, bool phone, char *out, size_t cap, size_t *len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (*p) {
        uint32_t cp;
        p += utf8_next(p, &cp);
        char c;
        if (cp >= 0xFF01 && cp <= 0xFF5E)
            c = (char)(cp - 0xFF01 + 0x21);
        else if (cp == 0x3000 || cp == '\t')
            c = ' ';
        else if (cp == 0x8F6C && phone)
            c = 'x';
        else if (cp < 0x20 || cp >= 0x7F)
            c = BAD_CHAR;
        else
            c = (char)cp;
        if (n == 0 && c == ' ')
            continue;
        if (n + 1 >= cap)
            return false;
        out[n++] = c;
    }
    while (n && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    *len = n;
    return true;
}

static void add_stars(struct strbuf *out, size_t n)
{
    while (n--)
        strbuf_addch(out, '*');
}

/*
 * Mask any text: keep at most the first and last two characters (code points), one star per
 * hidden character up to 12. Invalid UTF-8 and control characters print as '?'.
 */
static void mask_generic(const char *s, struct strbuf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    for (const unsigned char *q = p; *q; n++) {
        uint32_t cp;
        q += utf8_next(q, &cp);
    }
    size_t keep = n >= 10 ? 2 : n >= 5 ? 1 : 0;
    size_t i = 0;
    while (*p) {
        uint32_t cp;
        size_t len = utf8_next(p, &cp);
        if (i < keep || i >= n - keep) {
            if (cp == 0xFFFD || cp < 0x20 || cp == 0x7F)
                strbuf_addch(out, '?');
            else
                strbuf_add(out, p, len);
        } else if (i == keep) {
            add_stars(out, n - 2 * keep < 12 ? n - 2 * keep : 12);
        }
        p += len;
        i++;
    }
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Keep `head` and `tail` characters of a folded string, stars between; BAD_CHAR shows as ?. */
static void mask_ends(const char *s, size_t n, size_t head, size_t tail, struct strbuf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (i == head)
            add_stars(out, n - head - tail);
        if (i < head || i >= n - tail)
            strbuf_addch(out, s[i] == BAD_CHAR ? '?' : s[i]);
    }
}

/* Remove every character in `drop` from s[0..*n). */
static void squeeze(char *s, size_t *n, const char *drop)
{
    size_t j = 0;
    for (size_t i = 0; i < *n; i++)
        if (!strchr(drop, s[i]))
            s[j++] = s[i];
    s[j] = '\0';
    *n = j;
}

/* ---- ID numbers ---- */

static const char id_check_chars[] = "10X98765432";

/* ISO 7064 MOD 11-2 over the first 17 digits: weight of position i is 2^(17-i) mod 11. */
static char id_check_digit(const char *d17)
{
    static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (d17[i] - '0') * w[i];
    return id_check_chars[sum % 11];
}

static bool province_ok(int p)
{
    return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
           (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) || p == 71 ||
           p == 81 || p == 82 || p == 83;
}

static int two(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

static bool date_ok(int y, int m, int d)
{
    static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

/* Mask for messages about an ID-shaped value (18 or 15 characters), else generic. */
static void mask_id_like(const char *folded, size_t n, const char *orig, struct strbuf *out)
{
    if (n == 18 || n == 15)
        mask_ends(folded, n, 6, 4, out);
    else
        mask_generic(orig, out);
}

/* ERR_INVALID "invalid <what> '<masked value>': <reason>". */
PMIS_PRINTF(4, 5)
static int pii_error(struct err *err, const char *what, const char *masked, const char *fmt, ...)
{
    if (!err)
        return ERR_INVALID;
    va_list ap;
    va_start(ap, fmt);
    error_v(err, ERR_INVALID, fmt, ap);
    va_end(ap);
    return error_prefix(err, "invalid %s '%s': ", what, masked);
}

int pii_id_parse(const char *s, int32_t today, struct pii_id *out, struct err *err)
{
    char v[PREP_MAX];
    size_t n;
    struct strbuf m = STRBUF_INIT;
    int rc = 0;
    if (!fold(s, false, v, sizeof(v), &n)) {
        mask_generic(s, &m);
        rc = pii_error(err, "ID number", m.buf, "too long");
        goto out;
    }
    if (!n) {
        rc = error(err, ERR_INVALID, "ID number is empty");
        goto out;
    }
    squeeze(v, &n, " ");
    if (n == 18 && v[17] == 'x')
        v[17] = 'X';
    mask_id_like(v, n, s, &m);
    if (n != 18 && n != 15) {
        rc = pii_error(err, "ID number", m.buf,
                       "must be 18 characters (or 15 for a first-generation card), found %zu", n);
        goto out;
    }
    if (!all_digits(v, n == 18 ? 17 : 15) || (n == 18 && !all_digits(v + 17, 1) && v[17] != 'X')) {
        rc = n == 18 ? pii_error(err, "ID number", m.buf, "only digits and a final X are allowed")
                     : pii_error(err, "ID number", m.buf, "only digits are allowed");
        goto out;
    }
    struct pii_id id = { 0 };
    const char *birth;
    char d18[PII_ID_LEN + 1];
    if (n == 15) {
        memcpy(d18, v, 6);
        memcpy(d18 + 6, "19", 2);
        memcpy(d18 + 8, v + 6, 9);
        d18[17] = id_check_digit(d18);
        d18[18] = '\0';
        id.legacy15 = true;
    } else {
        memcpy(d18, v, 19);
    }
    id.foreign = d18[0] == '9';
    id.province = id.foreign ? two(d18 + 1) : two(d18);
    if (!province_ok(id.province)) {
        rc = pii_error(err, "ID number", m.buf, "'%02d' is not a province code", id.province);
        goto out;
    }
    birth = d18 + 6;
    id.birth_year = two(birth) * 100 + two(birth + 2);
    id.birth_month = two(birth + 4);
    id.birth_day = two(birth + 6);
    if (!date_ok(id.birth_year, id.birth_month, id.birth_day) || id.birth_year < 1900) {
        rc = pii_error(err, "ID number", m.buf,
                       "the birth date (digits 7-14) is not a valid date");
        goto out;
    }
    if (today > 0 && id.birth_year * 10000 + id.birth_month * 100 + id.birth_day > today) {
        rc = pii_error(err, "ID number", m.buf, "the birth date is in the future");
        goto out;
    }
    char want = id_check_digit(d18);
    if (d18[17] != want) {
        rc = pii_error(err, "ID number", m.buf, "check digit should be %c", want);
        goto out;
    }
    id.male = (d18[16] - '0') % 2 == 1;
    memcpy(id.number, d18, sizeof(id.number));
    if (out)
        *out = id;
out:
    strbuf_release(&m);
    return rc;
}

/* ---- phones ---- */

static size_t area_code_len(const char *d) { return d[1] == '1' || d[1] == '2' ? 3 : 4; }

static void mask_phone_digits(const char *d, size_t n, struct strbuf *out)
{
    if (n == 11 && d[0] == '1') {
        strbuf_add(out, d, 3);
        strbuf_addstr(out, "****");
        strbuf_add(out, d + 7, 4);
    } else if (n >= 10 && n <= 12 && d[0] == '0') {
        size_t a = area_code_len(d);
        strbuf_add(out, d, a);
        strbuf_addstr(out, "****");
        strbuf_add(out, d + n - 4, 4);
    } else {
        char tmp[PREP_MAX];
        memcpy(tmp, d, n);
        tmp[n] = '\0';
        mask_generic(tmp, out);
    }
}

int pii_phone_parse(const char *s, struct pii_phone *out, struct err *err)
{
    char v[PREP_MAX], d[PREP_MAX], ext[PREP_MAX] = "";
    size_t n, nd = 0, last_group = 0, cur_group = 0;
    struct strbuf m = STRBUF_INIT;
    int rc = 0;
    struct pii_phone ph = { 0 };

    if (!fold(s, true, v, sizeof(v), &n)) {
        mask_generic(s, &m);
        rc = pii_error(err, "phone number", m.buf, "too long");
        goto out;
    }
    if (!n) {
        rc = error(err, ERR_INVALID, "phone number is empty");
        goto out;
    }
    mask_generic(s, &m);

    /* An explicit extension: 转, ext, x, # or a comma, followed by digits. */
    for (size_t i = 0; i < n; i++)
        v[i] = (char)((v[i] >= 'A' && v[i] <= 'Z') ? v[i] - 'A' + 'a' : v[i]);
    char *mark = NULL;
    for (size_t i = 0; i < n && !mark; i++)
        if (v[i] == 'x' || v[i] == '#' || v[i] == ',' || !strncmp(v + i, "ext", 3))
            mark = v + i;
    if (mark) {
        char *e = mark + (!strncmp(mark, "ext", 3) ? 3 : 1);
        while (*e == '.' || *e == ' ' || *e == ':')
            e++;
        size_t el = strlen(e);
        if (el == 0 || el > 6 || !all_digits(e, el)) {
            rc = pii_error(err, "phone number", m.buf, "the extension must be 1 to 6 digits");
            goto out;
        }
        memcpy(ext, e, el + 1);
        *mark = '\0';
        n = (size_t)(mark - v);
    }

    /* Digits, remembering the length of the last group (for "010-12345678-123"). */
    bool intl = false;
    size_t ngroups = 0;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (c >= '0' && c <= '9') {
            if (cur_group++ == 0)
                ngroups++;
            d[nd++] = c;
        } else if (c == ' ' || c == '-' || c == '(' || c == ')') {
            if (cur_group)
                last_group = cur_group;
            cur_group = 0;
        } else if (c == '+' && nd == 0 && !intl) {
            if (strncmp(v + i + 1, "86", 2) && !(v[i + 1] == ' ' && !strncmp(v + i + 2, "86", 2))) {
                rc = pii_error(err, "phone number", m.buf,
                               "only mainland China (+86) numbers are accepted");
                goto out;
            }
            intl = true;
            while (v[i + 1] == ' ')
                i++;
            i += 2; /* the 86 */
        } else {
            rc = pii_error(err, "phone number", m.buf,
                           "only digits, spaces, dashes, parentheses and a leading + are "
                           "allowed");
            goto out;
        }
    }
    if (cur_group)
        last_group = cur_group;
    d[nd] = '\0';
    if (!intl && nd > 4 && !strncmp(d, "0086", 4)) {
        memmove(d, d + 4, nd - 3);
        nd -= 4;
        intl = true;
    }
    if (!intl && nd == 13 && !strncmp(d, "861", 3)) {
        memmove(d, d + 2, nd - 1);
        nd -= 2;
    }
    if (intl && nd && d[0] != '0' && (d[0] != '1' || d[1] == '0') && nd + 1 < sizeof(d)) {
        /* +86 10 12345678 is 010-12345678 (no mobile number starts with 10) */
        memmove(d + 1, d, nd + 1);
        d[0] = '0';
        nd++;
    }
    strbuf_reset(&m);
    mask_phone_digits(d, nd, &m);

    if (nd == 0) {
        rc = pii_error(err, "phone number", m.buf, "no digits");
    } else if ((nd == 7 || nd == 8) && d[0] != '0') {
        rc = pii_error(err, "phone number", m.buf,
                       "a landline needs its area code (like 010-12345678)");
    } else if (d[0] == '1') {
        if (nd != 11)
            rc = pii_error(err, "mobile number", m.buf, "must be 11 digits, found %zu", nd);
        else if (d[1] < '3')
            rc = pii_error(err, "mobile number", m.buf,
                           "mainland mobile numbers start with 13 to 19");
        else if (ext[0])
            rc = pii_error(err, "mobile number", m.buf, "a mobile number has no extension");
        if (rc)
            goto out;
        ph.kind = PII_MOBILE;
        memcpy(ph.number, d, nd + 1);
    } else if (d[0] == '0') {
        if (nd < 3 || d[1] == '0') {
            rc = pii_error(err, "phone number", m.buf, "not a mainland area code");
            goto out;
        }
        size_t a = area_code_len(d), local = nd > a ? nd - a : 0;
        /* "0755-1234567-89": a last dash group that makes the number too long is the extension */
        if (local > 8 && !ext[0] && ngroups >= 3 && last_group <= 6 && local - last_group >= 7 &&
            local - last_group <= 8) {
            memcpy(ext, d + nd - last_group, last_group);
            ext[last_group] = '\0';
            nd -= last_group;
            local -= last_group;
            d[nd] = '\0';
        }
        if (local < 7 || local > 8) {
            rc = pii_error(err, "landline number", m.buf,
                           "the number after area code %.*s must have 7 or 8 digits, found %zu",
                           (int)a, d, local);
            goto out;
        }
        /* real local numbers start with 2-9; 1 is let through for the placeholder numbers
         * people type, like 010-12345678 */
        if (d[a] == '0') {
            rc = pii_error(err, "landline number", m.buf,
                           "the number after area code %.*s cannot start with 0", (int)a, d);
            goto out;
        }
        ph.kind = PII_LANDLINE;
        ph.area_len = a;
        memcpy(ph.number, d, nd + 1);
        memcpy(ph.ext, ext, strlen(ext) + 1);
    } else if (nd == 5 && d[0] == '9') {
        rc = pii_error(err, "phone number", m.buf,
                       "a 5-digit service number (like 95598) is not a customer phone");
    } else if (nd == 10 && (!strncmp(d, "400", 3) || !strncmp(d, "800", 3))) {
        rc = pii_error(err, "phone number", m.buf,
                       "a 400/800 service number is not a customer phone");
    } else {
        rc = pii_error(err, "phone number", m.buf,
                       "not a mainland mobile (11 digits) or landline (area code + 7-8 digits)");
    }
    if (!rc && out)
        *out = ph;
out:
    strbuf_release(&m);
    return rc;
}

/* ---- bank accounts ---- */

static bool luhn_ok(const char *d, size_t n)
{
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int x = d[n - 1 - i] - '0';
        if (i % 2 == 1) {
            x *= 2;
            if (x > 9)
                x -= 9;
        }
        sum += x;
    }
    return sum % 10 == 0;
}

int pii_bank_parse(const char *s, char out[20], struct err *err)
{
    char v[PREP_MAX];
    size_t n;
    struct strbuf m = STRBUF_INIT;
    int rc = 0;
    if (!fold(s, false, v, sizeof(v), &n)) {
        mask_generic(s, &m);
        rc = pii_error(err, "bank account", m.buf, "too long");
        goto out;
    }
    if (!n) {
        rc = error(err, ERR_INVALID, "bank account is empty");
        goto out;
    }
    squeeze(v, &n, " -");
    if (!all_digits(v, n)) {
        mask_generic(s, &m);
        rc = pii_error(err, "bank account", m.buf, "only digits are allowed");
        goto out;
    }
    if (n < 16 || n > 19) {
        mask_generic(v, &m);
        rc = pii_error(err, "bank account", m.buf, "must be 16 to 19 digits, found %zu", n);
        goto out;
    }
    mask_ends(v, n, 4, 4, &m);
    if (!luhn_ok(v, n)) {
        rc = pii_error(err, "bank account", m.buf, "Luhn check digit is wrong");
        goto out;
    }
    memcpy(out, v, n + 1);
out:
    strbuf_release(&m);
    return rc;
}

/* ---- normalize and mask ---- */

int pii_normalize(enum pii_kind kind, const char *s, struct strbuf *out, struct err *err)
{
    int rc;
    switch (kind) {
    case PII_ID_NUMBER: {
        struct pii_id id;
        if ((rc = pii_id_parse(s, 0, &id, err)))
            return rc;
        strbuf_addstr(out, id.number);
        return 0;
    }
    case PII_MOBILE:
    case PII_LANDLINE:
    case PII_PHONE: {
        struct pii_phone ph;
        if ((rc = pii_phone_parse(s, &ph, err)))
            return rc;
        if (kind != PII_PHONE && ph.kind != kind)
            return error(err, ERR_INVALID, "expected a %s number, not a %s number",
                         kind == PII_MOBILE ? "mobile" : "landline",
                         ph.kind == PII_MOBILE ? "mobile" : "landline");
        strbuf_addstr(out, ph.number);
        return 0;
    }
    case PII_BANK_ACCOUNT: {
        char acct[20];
        if ((rc = pii_bank_parse(s, acct, err)))
            return rc;
        strbuf_addstr(out, acct);
        return 0;
    }
    case PII_EMAIL:
        return pii_email_parse(s, out, err);
    }
    return error(err, ERR_INVALID, "unknown personal data kind %d", (int)kind);
}

void pii_mask(enum pii_kind kind, const char *value, struct strbuf *out)
{
    char v[PREP_MAX];
    size_t n;
    switch (kind) {
    case PII_ID_NUMBER: {
        struct pii_id id;
        if (!pii_id_parse(value, 0, &id, NULL)) {
            mask_ends(id.number, PII_ID_LEN, 6, 4, out);
            return;
        }
        if (fold(value, false, v, sizeof(v), &n)) {
            squeeze(v, &n, " ");
            if ((n == 18 || n == 15) && all_digits(v, n - 1)) {
                mask_ends(v, n, 6, 4, out);
                return;
            }
        }
        break;
    }
    case PII_MOBILE:
    case PII_LANDLINE:
    case PII_PHONE: {
        struct pii_phone ph;
        if (!pii_phone_parse(value, &ph, NULL)) {
            mask_phone_digits(ph.number, strlen(ph.number), out);
            return;
        }
        if (fold(value, true, v, sizeof(v), &n)) {
            squeeze(v, &n, " -()");
            if (n >= 10 && n <= 12 && all_digits(v, n)) {
                mask_phone_digits(v, n, out);
                return;
            }
        }
        break;
    }
    case PII_BANK_ACCOUNT:
        if (fold(value, false, v, sizeof(v), &n)) {
            squeeze(v, &n, " -");
            if (n >= 16 && n <= 19 && all_digits(v, n)) {
                mask_ends(v, n, 4, 4, out);
                return;
            }
        }
        break;
    case PII_EMAIL:
        if (pii_email_mask(value, out))
            return;
        break;
    }
    mask_generic(value, out);
}
