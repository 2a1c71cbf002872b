/*
 * The 1983 power-factor table as a rule, not a transcription (rules §4.5), and the exactly
 * rounded power factor (§4.3, §4.6). tests/unit/test_pf.c checks every row of the published
 * table against this rule.
 */
#include "core/common.h"
#include "domain/pf.h"

/* A 192-bit unsigned value: hi:lo. */
struct u192 {
    uint64_t hi;
    unsigned __int128 lo;
};

/* (x² + y²) without overflow: each square < 2^128, the sum may carry into hi. */
static struct u192 sum_sq(uint64_t x, uint64_t y)
{
    unsigned __int128 a = (unsigned __int128)x * x, b = (unsigned __int128)y * y;
    struct u192 r = { 0, a + b };
    if (r.lo < a)
        r.hi = 1;
    return r;
}

/* v × m for a small multiplier m (< 2^32). */
static struct u192 mul_small(struct u192 v, uint32_t m)
{
    const unsigned __int128 mask64 = ((unsigned __int128)1 << 64) - 1;
    unsigned __int128 lo64 = (v.lo & mask64) * m;
    unsigned __int128 hi64 = (v.lo >> 64) * m + (lo64 >> 64);
    struct u192 r;
    r.lo = (lo64 & mask64) | ((hi64 & mask64) << 64);
    r.hi = (uint64_t)(hi64 >> 64) + v.hi * m;
    return r;
}

static bool ge(struct u192 a, struct u192 b)
{
    return a.hi != b.hi ? a.hi > b.hi : a.lo >= b.lo;
}

static uint64_t mag(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* rounded PF ≥ k/100 ⇔ 40000·P² ≥ (2k−1)²·(P² + Q²), for k = 1..100 */
static bool at_least(uint64_t p, uint64_t q, int k)
{
    struct u192 lhs = mul_small(sum_sq(p, 0), 40000);
    struct u192 rhs = mul_small(sum_sq(p, q), (uint32_t)((2 * k - 1) * (2 * k - 1)));
    return ge(lhs, rhs);
}

int pf_round(int64_t p_wh, int64_t q_varh)
{
    uint64_t p = mag(p_wh), q = mag(q_varh);
    if (p == 0)
        return q == 0 ? 100 : 0;
    /* the condition weakens as k falls: find the largest k that holds (k = 0 always does) */
    int lo = 0, hi = 100;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (at_least(p, q, mid))
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

bool pf_standard_valid(int standard)
{
    return standard == 90 || standard == 85 || standard == 80;
}

/*
 * Reductions (减收) above the standard S: 0.10 % per 0.01 from S+0.01 up to 0.90, then 0.15 %
 * per 0.01 from 0.91 up to the cap row, flat above it. The cap rows are 0.95 (S 0.90, −0.75 %),
 * 0.94 (S 0.85, −1.10 %) and 0.92 (S 0.80, −1.30 %).
 * Increases (增收) below S: 0.5 % per 0.01 for the first 0.20, 1 % per 0.01 for the next 0.05,
 * then 2 % for every further 0.01 ("自0.64(0.59/0.54)及以下，每降低0.01电费增加2%").
 */
int pf_adjust_e2(int standard, int pf, int *out_e2, struct err *err)
{
    int cap;
    switch (standard) {
    case 90:
        cap = 95;
        break;
    case 85:
        cap = 94;
        break;
    case 80:
        cap = 92;
        break;
    default:
        return error(err, ERR_INVALID,
                     "invalid power-factor standard 0.%02d: must be 0.90, "
                     "0.85 or 0.80",
                     standard);
    }
    if (pf < 0 || pf > 100)
        return error(err, ERR_INVALID, "power factor %d out of range 0..100", pf);
    int v = 0;
    if (pf > standard) {
        for (int x = standard + 1; x <= pf && x <= cap; x++)
            v -= x <= 90 ? 10 : 15;
    } else if (pf < standard) {
        int d = standard - pf;
        if (d <= 20)
            v = 50 * d;
        else if (d <= 25)
            v = 1000 + 100 * (d - 20);
        else
            v = 1500 + 200 * (d - 25);
    }
    *out_e2 = v;
    return 0;
}
