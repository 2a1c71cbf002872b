/*
 * Energy in int64 Wh (see energy.h): kWh string parsing on the shared scaled-decimal parser,
 * display rounding, checked arithmetic. No floating point. Called by readings, billing and
 * reports.
 */
#include "core/common.h"
#include "core/energy.h"
#include "core/money.h"

int energy_parse_kwh(const char *s, int64_t *wh, struct err *err)
{
    const char *why;
    if (decimal_parse(s, 3, 0, wh, &why) < 0)
        return error_detail(err, ERR_INVALID, why, NULL, "invalid energy '%.64s' kWh: %s",
                            s ? s : "", why);
    return 0;
}

char *energy_format_kwh(int64_t wh, char *buf)
{
    /* To 0.01 kWh = 10 Wh, half-up on the magnitude; |wh| / 10 always fits after rounding. */
    uint64_t mag = wh < 0 ? 0 - (uint64_t)wh : (uint64_t)wh;
    uint64_t q = mag / 10 + (mag % 10 >= 5);
    char tmp[ENERGY_BUF_SIZE];
    size_t n;

    /* q <= (2^63) / 10 + 1, so it fits in int64 with either sign. */
    decimal_format((int64_t)q, 2, 2, 0, tmp);
    n = 0;
    if (wh < 0 && q != 0)
        buf[n++] = '-';
    memcpy(buf + n, tmp, strlen(tmp) + 1);
    return buf;
}

/* the kWh formats write into ENERGY_BUF_SIZE buffers through decimal_format */
_Static_assert(ENERGY_BUF_SIZE >= MONEY_BUF_SIZE, "decimal_format writes MONEY_BUF_SIZE bytes");

char *energy_format_kwh3(int64_t wh, char *buf)
{
    return decimal_format(wh, 3, 3, 0, buf);
}

char *energy_format_kwh_plain(int64_t wh, char *buf)
{
    return decimal_format(wh, 3, 0, 0, buf);
}

int energy_add(int64_t a, int64_t b, int64_t *out, struct err *err)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return error(err, ERR_INVALID, "energy overflows: %" PRId64 " Wh + %" PRId64 " Wh", a, b);
    *out = r;
    return 0;
}

int energy_sub(int64_t a, int64_t b, int64_t *out, struct err *err)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return error(err, ERR_INVALID, "energy overflows: %" PRId64 " Wh - %" PRId64 " Wh", a, b);
    *out = r;
    return 0;
}

int energy_mul(int64_t wh, int64_t factor, int64_t *out, struct err *err)
{
    int64_t r;
    if (__builtin_mul_overflow(wh, factor, &r))
        return error(err, ERR_INVALID, "energy overflows: %" PRId64 " Wh × %" PRId64, wh, factor);
    *out = r;
    return 0;
}

int energy_mul_ratio(int64_t wh, int64_t num, int64_t den, int64_t *out, struct err *err)
{
    if (den == 0)
        return error(err, ERR_INVALID, "energy ratio with a zero denominator");
    __int128 n = (__int128)wh * num;
    bool neg = (n < 0) != (den < 0);
    unsigned __int128 un = n < 0 ? -(unsigned __int128)n : (unsigned __int128)n;
    unsigned __int128 ud = den < 0 ? -(unsigned __int128)den : (unsigned __int128)den;
    unsigned __int128 q = un / ud, r = un % ud;
    if (r >= ud - r)
        q++;
    if (q > (unsigned __int128)INT64_MAX + neg)
        return error(err, ERR_INVALID, "energy overflows: %" PRId64 " Wh × %" PRId64 "/%" PRId64,
                     wh, num, den);
    *out = neg ? (int64_t)(0 - (uint64_t)q) : (int64_t)q;
    return 0;
}
