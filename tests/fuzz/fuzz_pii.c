/*
 * Fuzz target for personal-data validation, normalization and masks (domain/pii.h).
 * Input: one byte (kind = byte % 5 for pii_normalize/pii_mask; bit 3: today = 2025-01-01 for
 * pii_id_parse, else 0), then a string up to its first NUL.
 * Invariants: normalize is idempotent (normalize(normalize(x)) == normalize(x)) and gives the
 * documented shape (18-character ID with a correct MOD 11-2 check digit, 11-digit mobile,
 * landline digits, 16-19 digit Luhn-valid card); a failed normalize appends nothing; any accepted
 * spelling masks like its normalized form; pii_mask and every error message are valid UTF-8 and
 * never hold 8 consecutive digits (so never a full value: the longest mask run is 6 digits of an
 * ID's region code) nor the normalized value; the typed parsers agree with normalize.
 */
#include "core/common.h"
#include "core/strbuf.h"
#include "domain/pii.h"
#include "fuzz.h"

static bool all_digits(const char *s)
{
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* No run of 8 or more ASCII digits: what a leaked full value would look like. The example in
 * "a landline needs its area code (like 010-12345678)" is not a value. */
static bool no_long_digit_run(const char *s)
{
    static const char example[] = "(like 010-12345678)";
    size_t run = 0;
    for (; *s; s++) {
        if (!strncmp(s, example, sizeof(example) - 1)) {
            s += sizeof(example) - 2;
            run = 0;
            continue;
        }
        run = *s >= '0' && *s <= '9' ? run + 1 : 0;
        if (run >= 8)
            return false;
    }
    return true;
}

static bool luhn_ok(const char *d)
{
    size_t n = strlen(d);
    int sum = 0;
    for (size_t i = 0; i < n; i++) {
        int x = d[n - 1 - i] - '0';
        if (i % 2)
            x = x * 2 > 9 ? x * 2 - 9 : x * 2;
        sum += x;
    }
    return sum % 10 == 0;
}

/* GB 11643-1999: weight of digit i is 2^(17-i) mod 11; check = (12 - sum mod 11) mod 11. */
static char id_check(const char *d17)
{
    int sum = 0, w = 1;
    int weights[17];
    for (int i = 16; i >= 0; i--) {
        w = w * 2 % 11;
        weights[i] = w;
    }
    for (int i = 0; i < 17; i++)
        sum += (d17[i] - '0') * weights[i];
    int c = (12 - sum % 11) % 11;
    return c == 10 ? 'X' : (char)('0' + c);
}

static void check_message(const struct err *e, const char *what)
{
    CHECK(e->code == ERR_INVALID, "%s returned %d", what, e->code);
    CHECK(e->msg[0], "%s: empty message", what);
    CHECK(fuzz_utf8_valid(e->msg, strlen(e->msg)), "%s: message not UTF-8: %s", what, e->msg);
    CHECK(no_long_digit_run(e->msg), "%s: message shows a value: %s", what, e->msg);
}

static void check_shape(enum pii_kind kind, const char *n)
{
    size_t len = strlen(n);
    switch (kind) {
    case PII_ID_NUMBER:
        CHECK(len == 18 && strspn(n, "0123456789") >= 17 && n[17] == id_check(n),
              "ID normalized to '%s'", n);
        break;
    case PII_MOBILE:
        CHECK(len == 11 && all_digits(n) && n[0] == '1' && n[1] >= '3', "mobile '%s'", n);
        break;
    case PII_LANDLINE:
        CHECK(len >= 10 && len <= 12 && all_digits(n) && n[0] == '0' && n[1] != '0',
              "landline '%s'", n);
        break;
    case PII_PHONE:
        CHECK(all_digits(n) && (len == 11 || (len >= 10 && len <= 12 && n[0] == '0')), "phone '%s'",
              n);
        break;
    case PII_BANK_ACCOUNT:
        CHECK(len >= 16 && len <= 19 && all_digits(n) && luhn_ok(n), "bank account '%s'", n);
        break;
    }
}

static void check_mask(enum pii_kind kind, const char *s, const char *norm, struct strbuf *mask)
{
    strbuf_reset(mask);
    pii_mask(kind, s, mask);
    CHECK(fuzz_utf8_valid(mask->buf, mask->len), "mask of kind %d not UTF-8", (int)kind);
    CHECK(no_long_digit_run(mask->buf), "mask '%s' shows a value", mask->buf);
    if (norm && strlen(norm) >= 8)
        CHECK(!strstr(mask->buf, norm), "mask '%s' holds '%s'", mask->buf, norm);
}

static void check_normalize(enum pii_kind kind, const char *s)
{
    struct strbuf n1 = STRBUF_INIT, n2 = STRBUF_INIT, m1 = STRBUF_INIT, m2 = STRBUF_INIT;
    struct err e = ERR_INIT;
    strbuf_addstr(&n1, "pre:");
    int rc = pii_normalize(kind, s, &n1, &e);
    if (rc) {
        check_message(&e, "pii_normalize");
        CHECK(!strcmp(n1.buf, "pre:"), "failed normalize appended '%s'", n1.buf);
        check_mask(kind, s, NULL, &m1);
        goto out;
    }
    const char *norm = n1.buf + 4;
    check_shape(kind, norm);
    rc = pii_normalize(kind, norm, &n2, &e);
    CHECK(rc == 0, "normalized '%s' rejected: %s", norm, e.msg);
    CHECK(!strcmp(n2.buf, norm), "normalize not idempotent: '%s' -> '%s'", norm, n2.buf);

    /* any accepted spelling masks like the normalized value */
    check_mask(kind, s, norm, &m1);
    check_mask(kind, norm, norm, &m2);
    CHECK(!strcmp(m1.buf, m2.buf), "'%s' masks as '%s', its normal form as '%s'", norm, m1.buf,
          m2.buf);
    if (kind == PII_MOBILE || kind == PII_LANDLINE) {
        strbuf_reset(&n2);
        CHECK(pii_normalize(PII_PHONE, s, &n2, &e) == 0 && !strcmp(n2.buf, norm),
              "phone normalizes differently from its kind");
    }
out:
    strbuf_release(&n1);
    strbuf_release(&n2);
    strbuf_release(&m1);
    strbuf_release(&m2);
}

static void check_typed(const char *s, int32_t today)
{
    struct err e = ERR_INIT;
    struct strbuf n = STRBUF_INIT;

    struct pii_id id;
    int rc = pii_id_parse(s, today, &id, &e);
    if (rc) {
        check_message(&e, "pii_id_parse");
    } else {
        check_shape(PII_ID_NUMBER, id.number);
        CHECK(id.birth_year >= 1900 && id.birth_month >= 1 && id.birth_month <= 12 &&
                  id.birth_day >= 1 && id.birth_day <= 31,
              "birth date %d-%d-%d", id.birth_year, id.birth_month, id.birth_day);
        if (today)
            CHECK(id.birth_year * 10000 + id.birth_month * 100 + id.birth_day <= today,
                  "birth date after today");
        CHECK(id.male == ((id.number[16] - '0') % 2 == 1), "sex digit");
        CHECK(pii_normalize(PII_ID_NUMBER, s, &n, &e) == 0 && !strcmp(n.buf, id.number),
              "pii_id_parse and pii_normalize disagree");
    }

    struct pii_phone ph;
    strbuf_reset(&n);
    rc = pii_phone_parse(s, &ph, &e);
    if (rc) {
        check_message(&e, "pii_phone_parse");
    } else {
        CHECK(ph.kind == PII_MOBILE || ph.kind == PII_LANDLINE, "phone kind %d", (int)ph.kind);
        check_shape(ph.kind, ph.number);
        CHECK(ph.kind == PII_LANDLINE ? (ph.area_len == 3 || ph.area_len == 4)
                                      : ph.area_len == 0 && !ph.ext[0],
              "area code length %zu / extension '%s'", ph.area_len, ph.ext);
        CHECK(strlen(ph.ext) <= 6 && all_digits(ph.ext), "extension '%s'", ph.ext);
        CHECK(pii_normalize(PII_PHONE, s, &n, &e) == 0 && !strcmp(n.buf, ph.number),
              "pii_phone_parse and pii_normalize disagree");
    }

    char acct[20];
    rc = pii_bank_parse(s, acct, &e);
    if (rc)
        check_message(&e, "pii_bank_parse");
    else
        check_shape(PII_BANK_ACCOUNT, acct);
    strbuf_release(&n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum pii_kind kind = (enum pii_kind)(data[0] % 5);
    int32_t today = data[0] & 8 ? 20250101 : 0;
    char *s = fuzz_cstr(data + 1, size - 1);
    check_normalize(kind, s);
    check_typed(s, today);
    free(s);
    return 0;
}
