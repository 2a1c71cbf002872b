/*
 * Fuzz target for money and prices (core/money.h): money_parse, price_parse, decimal_parse.
 * Input: one byte (decimal_parse's scale = byte % 19, grouping if bit 7), then a string up to its
 * first NUL. The first 24 bytes after the option byte, when present, are also three int64s for
 * the formatters and the rounding arithmetic.
 * Invariants: each parser accepts exactly what a reference parser written from the header's
 * grammar accepts, with the same value; rejected inputs leave the output untouched and say
 * ERR_INVALID "invalid amount|price '...'"; every formatter's text (plain and grouped) parses
 * back to the same value and fits MONEY_BUF_SIZE; money_mul_ratio, money_line and the line
 * accumulator round half-up exactly; add/sub/mul fail exactly on int64 overflow.
 */
#include "core/common.h"
#include "core/money.h"
#include "fuzz.h"

#define SENTINEL INT64_C(0x5A5A5A5A5A5A5A5A)

typedef int parse_fn(const char *s, int64_t *out, struct err *err);

/* A parser against the reference on `s`. */
static void diff_parse(const char *what, parse_fn *parse, const char *s, int scale, bool grouping,
                       const char *msg_prefix)
{
    int64_t got = SENTINEL, want = 0;
    struct err e = ERR_INIT;
    int rc = parse(s, &got, &e);
    int ref = fuzz_ref_decimal(s, scale, grouping, &want);
    if (ref == 0) {
        CHECK(rc == 0, "%s('%s') rejected a valid value: %s", what, s, e.msg);
        CHECK(got == want, "%s('%s') = %" PRId64 ", not %" PRId64, what, s, got, want);
    } else {
        CHECK(rc == ERR_INVALID && e.code == rc, "%s('%s') accepted (%" PRId64 ", reference %d)",
              what, s, got, ref);
        CHECK(got == SENTINEL, "%s('%s') wrote its output on error", what, s);
        CHECK(!strncmp(e.msg, msg_prefix, strlen(msg_prefix)), "message '%s'", e.msg);
    }
}

static void diff_decimal(const char *s, int scale, unsigned flags)
{
    int64_t got = SENTINEL, want = 0;
    const char *why = NULL;
    int rc = decimal_parse(s, scale, flags, &got, &why);
    int ref = fuzz_ref_decimal(s, scale, flags & DECIMAL_GROUPING, &want);
    if (ref == 0) {
        CHECK(rc == 0 && got == want, "decimal_parse('%s', %d) = %d/%" PRId64 ", not %" PRId64, s,
              scale, rc, got, want);
    } else {
        CHECK(rc == -1 && got == SENTINEL && why && *why, "decimal_parse('%s', %d) accepted", s,
              scale);
        if (ref == -2)
            CHECK(!strcmp(why, "out of range"), "'%s': '%s', not out of range", s, why);
    }
}

/* decimal_format -> decimal_parse for every min_decimals and both groupings. */
static void format_round_trip(int64_t v, int scale)
{
    char buf[MONEY_BUF_SIZE];
    for (int min = 0; min <= scale; min++) {
        for (unsigned flags = 0; flags <= DECIMAL_GROUPING; flags++) {
            decimal_format(v, scale, min, flags, buf);
            CHECK(strlen(buf) < MONEY_BUF_SIZE, "'%s' overflows", buf);
            int64_t back = SENTINEL;
            const char *why = NULL;
            CHECK(decimal_parse(buf, scale, flags, &back, &why) == 0 && back == v,
                  "%" PRId64 " at scale %d, min %d, flags %u: '%s' reads %" PRId64 " (%s)", v,
                  scale, min, flags, buf, back, why ? why : "ok");
            const char *dot = strchr(buf, '.');
            size_t nfrac = dot ? strlen(dot + 1) : 0;
            CHECK(nfrac >= (size_t)min && nfrac <= (size_t)scale, "'%s' has %zu decimals", buf,
                  nfrac);
            CHECK(!dot || nfrac == (size_t)min || dot[nfrac] != '0', "'%s' keeps a trailing 0",
                  buf);
        }
    }
}

static void check_formats(int64_t v)
{
    char buf[MONEY_BUF_SIZE];
    int64_t back = SENTINEL;
    struct err e = ERR_INIT;
    CHECK(money_parse(money_format(v, buf), &back, &e) == 0 && back == v, "money '%s'", buf);
    CHECK(strlen(strchr(buf, '.')) == 3, "'%s' does not have 2 decimals", buf);
    CHECK(money_parse(money_format_grouped(v, buf), &back, &e) == 0 && back == v,
          "grouped money '%s'", buf);
    CHECK(price_parse(price_format(v, buf), &back, &e) == 0 && back == v, "price '%s'", buf);
    format_round_trip(v, 2);
    format_round_trip(v, 8);
    format_round_trip(v, (int)((uint64_t)v % 19));
}

/* Rounding arithmetic against 128-bit references. */
static void check_arith(int64_t a, int64_t b, int64_t c)
{
    int64_t out = SENTINEL, r;
    struct err e = ERR_INIT;

    int rc = money_add(a, b, &out, &e);
    CHECK(rc == (__builtin_add_overflow(a, b, &r) ? ERR_INVALID : 0) && (rc || out == r),
          "money_add");
    out = SENTINEL;
    rc = money_sub(a, b, &out, &e);
    CHECK(rc == (__builtin_sub_overflow(a, b, &r) ? ERR_INVALID : 0) && (rc || out == r),
          "money_sub");
    out = SENTINEL;
    rc = money_mul(a, b, &out, &e);
    CHECK(rc == (__builtin_mul_overflow(a, b, &r) ? ERR_INVALID : 0) && (rc || out == r),
          "money_mul");

    out = SENTINEL;
    rc = money_mul_ratio(a, b, c, &out, &e);
    if (c == 0) {
        CHECK(rc == ERR_INVALID && out == SENTINEL, "zero denominator accepted");
    } else {
        __int128 want = fuzz_ref_div_round((__int128)a * b, c);
        bool fits = want >= INT64_MIN && want <= INT64_MAX;
        CHECK(fits ? rc == 0 && out == (int64_t)want : rc == ERR_INVALID && out == SENTINEL,
              "money_mul_ratio(%" PRId64 ", %" PRId64 ", %" PRId64 ") = %d/%" PRId64, a, b, c, rc,
              out);
    }
    out = SENTINEL;
    rc = money_line(a, b, &out, &e);
    __int128 want = fuzz_ref_div_round((__int128)a * b, 1000000000);
    bool fits = want >= INT64_MIN && want <= INT64_MAX;
    CHECK(fits ? rc == 0 && out == (int64_t)want : rc == ERR_INVALID && out == SENTINEL,
          "money_line(%" PRId64 ", %" PRId64 ") = %d/%" PRId64, a, b, rc, out);

    /* one product plus a whole amount, rounded once; the sum is bounded by ±2^126 */
    const __int128 lim = (__int128)1 << 126;
    struct money_acc acc = MONEY_ACC_INIT;
    __int128 sum = (__int128)a * b;
    rc = money_acc_add_line(&acc, a, b, &e);
    CHECK(rc == (sum >= lim || sum <= -lim ? ERR_INVALID : 0), "money_acc_add_line");
    if (!rc) {
        __int128 before = acc.e9;
        sum += (__int128)c * 1000000000;
        rc = money_acc_add_fen(&acc, c, &e);
        CHECK(rc == (sum >= lim || sum <= -lim ? ERR_INVALID : 0), "money_acc_add_fen");
        CHECK(!rc || acc.e9 == before, "a failed add changed the accumulator");
        if (!rc) {
            want = fuzz_ref_div_round(sum, 1000000000);
            fits = want >= INT64_MIN && want <= INT64_MAX;
            out = SENTINEL;
            rc = money_acc_result(&acc, &out, &e);
            CHECK(fits ? rc == 0 && out == (int64_t)want : rc == ERR_INVALID && out == SENTINEL,
                  "money_acc_result = %d/%" PRId64, rc, out);
        }
    }

    int d = (int)((uint64_t)c % 10); /* 0..9: 9 is out of range */
    out = SENTINEL;
    rc = price_round(a, d, &out, &e);
    if (d > PRICE_DECIMALS) {
        CHECK(rc == ERR_INVALID && out == SENTINEL, "price_round to %d decimals", d);
    } else {
        int64_t unit = 1;
        for (int i = d; i < PRICE_DECIMALS; i++)
            unit *= 10;
        want = fuzz_ref_div_round(a, unit) * unit;
        fits = want >= INT64_MIN && want <= INT64_MAX;
        CHECK(fits ? rc == 0 && out == (int64_t)want : rc == ERR_INVALID && out == SENTINEL,
              "price_round(%" PRId64 ", %d) = %d/%" PRId64, a, d, rc, out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int scale = data[0] % 19;
    unsigned flags = data[0] & 0x80 ? DECIMAL_GROUPING : 0;
    char *s = fuzz_cstr(data + 1, size - 1);

    diff_parse("money_parse", money_parse, s, 2, true, "invalid amount '");
    diff_parse("price_parse", price_parse, s, PRICE_DECIMALS, false, "invalid price '");
    diff_decimal(s, scale, flags);
    int64_t v;
    if (fuzz_ref_decimal(s, 2, true, &v) == 0)
        check_formats(v);

    if (size >= 25) {
        int64_t n[3];
        memcpy(n, data + 1, sizeof(n));
        check_formats(n[0]);
        check_arith(n[0], n[1], n[2]);
    }
    free(s);
    return 0;
}
