/*
 * Exact money arithmetic (see money.h): fen amounts, 1e8-scaled prices, 128-bit intermediate
 * products, one ROUND_HALF_UP (on the magnitude) per result. Also the scaled-decimal parser
 * and formatter that energy.c shares. Called by tariff/billing/payment code and by every
 * place that reads or prints an amount.
 */
#include "core/common.h"
#include "core/money.h"

static const int64_t pow10_tab[19] = {
    INT64_C(1),
    INT64_C(10),
    INT64_C(100),
    INT64_C(1000),
    INT64_C(10000),
    INT64_C(100000),
    INT64_C(1000000),
    INT64_C(10000000),
    INT64_C(100000000),
    INT64_C(1000000000),
    INT64_C(10000000000),
    INT64_C(100000000000),
    INT64_C(1000000000000),
    INT64_C(10000000000000),
    INT64_C(100000000000000),
    INT64_C(1000000000000000),
    INT64_C(10000000000000000),
    INT64_C(100000000000000000),
    INT64_C(1000000000000000000),
};

/* mag = mag * 10 + digit, or -1 if that would pass `limit`. */
static int add_digit(uint64_t *mag, int digit, uint64_t limit)
{
    if (*mag > (limit - (uint64_t)digit) / 10)
        return -1;
    *mag = *mag * 10 + (uint64_t)digit;
    return 0;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int decimal_parse(const char *s, int scale, unsigned flags, int64_t *out, const char **why)
{
    static const char *const too_many[19] = {
        N_("decimals not allowed"),  N_("more than 1 decimal"),   N_("more than 2 decimals"),
        N_("more than 3 decimals"),  N_("more than 4 decimals"),  N_("more than 5 decimals"),
        N_("more than 6 decimals"),  N_("more than 7 decimals"),  N_("more than 8 decimals"),
        N_("more than 9 decimals"),  N_("more than 10 decimals"), N_("more than 11 decimals"),
        N_("more than 12 decimals"), N_("more than 13 decimals"), N_("more than 14 decimals"),
        N_("more than 15 decimals"), N_("more than 16 decimals"), N_("more than 17 decimals"),
        N_("more than 18 decimals"),
    };
    const char *p = s, *digits;
    bool neg = false;
    uint64_t mag = 0, limit;
    int group = 0, nfrac = 0;
    bool grouped = false;

    if (scale < 0 || scale > 18)
        BUG("decimal_parse: scale %d out of range", scale);
    if (!s || !*s) {
        *why = N_("empty");
        return -1;
    }
    if (*p == '-') {
        neg = true;
        p++;
    }
    limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (!is_digit(*p)) {
        *why = N_("not a number");
        return -1;
    }
    digits = p;
    /* Integer part; `group` counts digits since the last comma (or the start). */
    for (; is_digit(*p) || *p == ','; p++) {
        if (*p == ',') {
            if (!(flags & DECIMAL_GROUPING)) {
                *why = N_("grouping commas not allowed");
                return -1;
            }
            /* "0,123" is not thousands grouping (perhaps a decimal comma): refuse it */
            if ((grouped && group != 3) || (!grouped && (group > 3 || *digits == '0')) ||
                !is_digit(p[1])) {
                *why = N_("misplaced grouping comma");
                return -1;
            }
            grouped = true;
            group = 0;
            continue;
        }
        group++;
        if (add_digit(&mag, *p - '0', limit) < 0)
            goto range;
    }
    if (grouped && group != 3) {
        *why = N_("misplaced grouping comma");
        return -1;
    }
    if (*p == '.') {
        p++;
        if (!is_digit(*p)) {
            *why = N_("no digit after the decimal point");
            return -1;
        }
        for (; is_digit(*p); p++) {
            if (nfrac == scale) {
                while (is_digit(*p))
                    p++;
                *why = *p ? N_("not a number") : too_many[scale];
                return -1;
            }
            nfrac++;
            if (add_digit(&mag, *p - '0', limit) < 0)
                goto range;
        }
    }
    if (*p) {
        *why = N_("not a number");
        return -1;
    }
    for (; nfrac < scale; nfrac++)
        if (add_digit(&mag, 0, limit) < 0)
            goto range;
    *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return 0;
range:
    *why = N_("out of range");
    return -1;
}

char *decimal_format(int64_t v, int scale, int min_decimals, unsigned flags, char *buf)
{
    char digits[24];
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    int nd = 0, nfrac = scale;
    size_t o = 0;

    if (scale < 0 || scale > 18 || min_decimals < 0 || min_decimals > scale)
        BUG("decimal_format: scale %d / min %d out of range", scale, min_decimals);
    /* Digits, least significant first, padded so there is at least one integer digit. */
    do {
        digits[nd++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag);
    while (nd < scale + 1)
        digits[nd++] = '0';
    while (nfrac > min_decimals && digits[scale - nfrac] == '0')
        nfrac--;

    if (v < 0)
        buf[o++] = '-';
    for (int i = nd - 1; i >= scale; i--) {
        buf[o++] = digits[i];
        if ((flags & DECIMAL_GROUPING) && i > scale && (i - scale) % 3 == 0)
            buf[o++] = ',';
    }
    if (nfrac > 0) {
        buf[o++] = '.';
        for (int i = scale - 1; i >= scale - nfrac; i--)
            buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

/* n / d rounded half-up on the magnitude (d != 0). Exact: n and d are 128-bit. */
static __int128 div_round(__int128 n, __int128 d)
{
    bool neg = (n < 0) != (d < 0);
    unsigned __int128 un = n < 0 ? -(unsigned __int128)n : (unsigned __int128)n;
    unsigned __int128 ud = d < 0 ? -(unsigned __int128)d : (unsigned __int128)d;
    unsigned __int128 q = un / ud, r = un % ud;

    if (r >= ud - r) /* 2r >= d without overflowing */
        q++;
    return neg ? -(__int128)q : (__int128)q;
}

static int fit64(__int128 v, int64_t *out, struct err *err, const char *what)
{
    if (v > INT64_MAX || v < INT64_MIN)
        return error(err, ERR_INVALID, "%s overflows the 64-bit range", what);
    *out = (int64_t)v;
    return 0;
}

int money_parse(const char *s, int64_t *fen, struct err *err)
{
    const char *why;
    if (decimal_parse(s, 2, DECIMAL_GROUPING, fen, &why) < 0)
        return error_detail(err, ERR_INVALID, why, NULL, "invalid amount '%.64s': %s", s ? s : "",
                            why);
    return 0;
}

char *money_format(int64_t fen, char *buf)
{
    return decimal_format(fen, 2, 2, 0, buf);
}

char *money_format_grouped(int64_t fen, char *buf)
{
    return decimal_format(fen, 2, 2, DECIMAL_GROUPING, buf);
}

int money_add(int64_t a, int64_t b, int64_t *out, struct err *err)
{
    char x[MONEY_BUF_SIZE], y[MONEY_BUF_SIZE];
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return error(err, ERR_INVALID, "amount overflows: %s + %s", money_format(a, x),
                     money_format(b, y));
    *out = r;
    return 0;
}

int money_sub(int64_t a, int64_t b, int64_t *out, struct err *err)
{
    char x[MONEY_BUF_SIZE], y[MONEY_BUF_SIZE];
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return error(err, ERR_INVALID, "amount overflows: %s - %s", money_format(a, x),
                     money_format(b, y));
    *out = r;
    return 0;
}

int money_mul(int64_t fen, int64_t n, int64_t *out, struct err *err)
{
    char x[MONEY_BUF_SIZE];
    int64_t r;
    if (__builtin_mul_overflow(fen, n, &r))
        return error(err, ERR_INVALID, "amount overflows: %s × %" PRId64, money_format(fen, x), n);
    *out = r;
    return 0;
}

int money_mul_ratio(int64_t fen, int64_t num, int64_t den, int64_t *out, struct err *err)
{
    if (den == 0)
        return error(err, ERR_INVALID, "amount ratio with a zero denominator");
    return fit64(div_round((__int128)fen * num, den), out, err, "amount × ratio");
}

/* qty_milli × price_e8 is in units of 1e-3 × 1e-8 yuan = 1e-9 fen. */
#define LINE_DIV INT64_C(1000000000)

int money_line(int64_t energy_wh, int64_t price_e8, int64_t *fen, struct err *err)
{
    __int128 v = div_round((__int128)energy_wh * price_e8, LINE_DIV);
    if (v > INT64_MAX || v < INT64_MIN)
        return error(err, ERR_INVALID,
                     "line amount overflows: %" PRId64 " Wh × price %" PRId64 "e-8", energy_wh,
                     price_e8);
    *fen = (int64_t)v;
    return 0;
}

/* Bound the accumulator well inside __int128 so one more product can never overflow it. */
#define ACC_LIMIT ((__int128)1 << 126)

static int acc_add(struct money_acc *acc, __int128 v, struct err *err)
{
    __int128 sum = acc->e9 + v; /* |e9| < 2^126 and |v| < 2^126: cannot overflow */
    if (sum >= ACC_LIMIT || sum <= -ACC_LIMIT)
        return error(err, ERR_INVALID, "line accumulator overflows");
    acc->e9 = sum;
    return 0;
}

int money_acc_add_line(struct money_acc *acc, int64_t qty_milli, int64_t price_e8, struct err *err)
{
    return acc_add(acc, (__int128)qty_milli * price_e8, err);
}

int money_acc_add_fen(struct money_acc *acc, int64_t fen, struct err *err)
{
    return acc_add(acc, (__int128)fen * LINE_DIV, err);
}

int money_acc_result(const struct money_acc *acc, int64_t *fen, struct err *err)
{
    return fit64(div_round(acc->e9, LINE_DIV), fen, err, "line total");
}

int price_parse(const char *s, int64_t *price_e8, struct err *err)
{
    const char *why;
    if (decimal_parse(s, PRICE_DECIMALS, 0, price_e8, &why) < 0)
        return error_detail(err, ERR_INVALID, why, NULL, "invalid price '%.64s': %s", s ? s : "",
                            why);
    return 0;
}

char *price_format(int64_t price_e8, char *buf)
{
    return decimal_format(price_e8, PRICE_DECIMALS, 2, 0, buf);
}

int price_mul_ratio(int64_t price_e8, int64_t num, int64_t den, int64_t *out, struct err *err)
{
    if (den == 0)
        return error(err, ERR_INVALID, "price ratio with a zero denominator");
    return fit64(div_round((__int128)price_e8 * num, den), out, err, "price × ratio");
}

int price_round(int64_t price_e8, int decimals, int64_t *out, struct err *err)
{
    if (decimals < 0 || decimals > PRICE_DECIMALS)
        return error(err, ERR_INVALID, "price rounding to %d decimals: must be 0..%d", decimals,
                     PRICE_DECIMALS);
    int64_t unit = pow10_tab[PRICE_DECIMALS - decimals];
    return fit64(div_round(price_e8, unit) * unit, out, err, "rounded price");
}
