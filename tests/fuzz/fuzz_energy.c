/*
 * Fuzz target for energy quantities (core/energy.h): energy_parse_kwh and the formatters.
 * Input: a string up to its first NUL; its first 24 bytes, when present, are also three int64s
 * for the formatters and the checked arithmetic.
 * Invariants: the parser accepts exactly plain decimals with at most 3 decimals within int64 Wh
 * (a reference parser written from the header), with the same value; rejected inputs leave the
 * output untouched and say ERR_INVALID "invalid energy '...' kWh"; the exact 3-decimal text
 * parses back to the same Wh; the 2-decimal display text has exactly 2 decimals, never reads
 * "-0.00", and parses (when in range) to the Wh rounded half-up to 10 Wh; add/sub/mul fail
 * exactly on overflow; energy_mul_ratio rounds half-up exactly.
 */
#include "core/common.h"
#include "core/energy.h"
#include "fuzz.h"

#define SENTINEL INT64_C(0x5A5A5A5A5A5A5A5A)

static void check_parse(const char *s)
{
    int64_t got = SENTINEL, want = 0;
    struct err e = ERR_INIT;
    int rc = energy_parse_kwh(s, &got, &e);
    int ref = fuzz_ref_decimal(s, 3, false, &want);
    if (ref == 0) {
        CHECK(rc == 0, "energy_parse_kwh('%s') rejected a valid value: %s", s, e.msg);
        CHECK(got == want, "energy_parse_kwh('%s') = %" PRId64 ", not %" PRId64, s, got, want);
        return;
    }
    CHECK(rc == ERR_INVALID && e.code == rc, "energy_parse_kwh('%s') accepted %" PRId64, s, got);
    CHECK(got == SENTINEL, "energy_parse_kwh('%s') wrote its output on error", s);
    CHECK(!strncmp(e.msg, "invalid energy '", 16) && strstr(e.msg, " kWh: "), "message '%s'",
          e.msg);
}

static void check_formats(int64_t wh)
{
    char buf[ENERGY_BUF_SIZE];
    int64_t back = SENTINEL;
    struct err e = ERR_INIT;

    energy_format_kwh3(wh, buf);
    CHECK(strlen(buf) < ENERGY_BUF_SIZE, "'%s' overflows", buf);
    CHECK(strlen(strchr(buf, '.')) == 4, "'%s' does not have 3 decimals", buf);
    CHECK(energy_parse_kwh(buf, &back, &e) == 0 && back == wh,
          "%" PRId64 " Wh: '%s' reads %" PRId64, wh, buf, back);

    energy_format_kwh(wh, buf);
    CHECK(strlen(buf) < ENERGY_BUF_SIZE, "'%s' overflows", buf);
    CHECK(strlen(strchr(buf, '.')) == 3, "'%s' does not have 2 decimals", buf);
    CHECK(strcmp(buf, "-0.00"), "%" PRId64 " Wh shows as -0.00", wh);
    __int128 want = fuzz_ref_div_round(wh, 10) * 10;
    back = SENTINEL;
    int rc = energy_parse_kwh(buf, &back, &e);
    if (want >= INT64_MIN && want <= INT64_MAX)
        CHECK(rc == 0 && back == (int64_t)want,
              "%" PRId64 " Wh shows as '%s', which reads %" PRId64, wh, buf, back);
    else
        CHECK(rc == ERR_INVALID, "'%s' is out of range but parsed", buf);
}

static void check_arith(int64_t a, int64_t b, int64_t c)
{
    int64_t out = SENTINEL, r;
    struct err e = ERR_INIT;
    int rc = energy_add(a, b, &out, &e);
    CHECK(rc == (__builtin_add_overflow(a, b, &r) ? ERR_INVALID : 0) && (rc || out == r),
          "energy_add");
    out = SENTINEL;
    rc = energy_sub(a, b, &out, &e);
    CHECK(rc == (__builtin_sub_overflow(a, b, &r) ? ERR_INVALID : 0) && (rc || out == r),
          "energy_sub");
    out = SENTINEL;
    rc = energy_mul(a, b, &out, &e);
    CHECK(rc == (__builtin_mul_overflow(a, b, &r) ? ERR_INVALID : 0) && (rc || out == r),
          "energy_mul");
    CHECK(!rc || out == SENTINEL, "a failed energy_mul wrote its output");
    out = SENTINEL;
    rc = energy_mul_ratio(a, b, c, &out, &e);
    if (c == 0) {
        CHECK(rc == ERR_INVALID && out == SENTINEL, "zero denominator accepted");
        return;
    }
    __int128 want = fuzz_ref_div_round((__int128)a * b, c);
    bool fits = want >= INT64_MIN && want <= INT64_MAX;
    CHECK(fits ? rc == 0 && out == (int64_t)want : rc == ERR_INVALID && out == SENTINEL,
          "energy_mul_ratio(%" PRId64 ", %" PRId64 ", %" PRId64 ") = %d/%" PRId64, a, b, c, rc,
          out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    check_parse(s);
    int64_t v;
    if (fuzz_ref_decimal(s, 3, false, &v) == 0)
        check_formats(v);
    if (size >= 24) {
        int64_t n[3];
        memcpy(n, data, sizeof(n));
        check_formats(n[0]);
        check_arith(n[0], n[1], n[2]);
    }
    free(s);
    return 0;
}
