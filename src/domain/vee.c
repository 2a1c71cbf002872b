/*
 * VEE rules (vee.h): advances per register with rollover, meter changes as two segments,
 * estimates from the previous period and their settlement (rules §8.2, example M4), and the
 * plausibility checks that send a bill to review. Pure: no I/O, no allocation, thread-safe.
 */
#include "core/common.h"
#include "core/err.h"
#include "domain/vee.h"

/* the codes, and catalogue strings: po/zh_CN.po gives each its Chinese name (总, 尖, ...) */
static const char *const reg_names[REG_N] = { N_("total"),  N_("sharp"),    N_("peak"),  N_("flat"),
                                              N_("valley"), N_("reactive"), N_("demand") };

const char *reg_name(enum reg r)
{
    return (unsigned)r < REG_N ? reg_names[r] : "?";
}

const char *reg_label(enum reg r, bool zh)
{
    const char *t = zh ? err_zh(reg_name(r)) : NULL;
    return t ? t : reg_name(r);
}

const char *reg_list_label(const char *list, bool zh, char *buf, size_t size)
{
    if (!zh || !size)
        return list;
    size_t n = 0;
    buf[0] = '\0';
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t k = end ? (size_t)(end - p) : strlen(p);
        char code[16];
        const char *name = p;
        int len = (int)k;
        if (k < sizeof(code)) {
            memcpy(code, p, k);
            code[k] = '\0';
            int r = reg_parse(code);
            if (r >= 0) {
                name = reg_label((enum reg)r, true);
                len = (int)strlen(name);
            }
        }
        int w = snprintf(buf + n, size - n, "%s%.*s", n ? "、" : "", len, name);
        if (w < 0 || (size_t)w >= size - n) {
            buf[n] = '\0'; /* whole names only: no name cut in the middle of a character */
            break;
        }
        n += (size_t)w;
        p = end ? end + 1 : NULL;
    }
    return buf;
}

int reg_parse(const char *s)
{
    for (int i = 0; s && i < REG_N; i++)
        if (!strcmp(s, reg_names[i]))
            return i;
    return -1;
}

static const char *const source_names[] = { "remote", "manual", "customer", "estimated" };

const char *read_source_name(enum read_source s)
{
    return (unsigned)s < ARRAY_SIZE(source_names) ? source_names[s] : "?";
}

int read_source_parse(const char *s)
{
    for (size_t i = 0; s && i < ARRAY_SIZE(source_names); i++)
        if (!strcmp(s, source_names[i]))
            return (int)i;
    return -1;
}

const char *vee_flag_name(unsigned flag)
{
    switch (flag) {
    case VEE_NEGATIVE:
        return "negative advance";
    case VEE_ROLLOVER:
        return "rollover";
    case VEE_METER_CHANGE:
        return "meter change";
    case VEE_ZERO:
        return "zero consumption";
    case VEE_SPIKE:
        return "consumption spike";
    case VEE_TOU_MISMATCH:
        return "time-of-use registers do not sum to the total";
    case VEE_ESTIMATED:
        return "estimated";
    case VEE_SETTLED:
        return "estimates settled";
    case VEE_NO_BASELINE:
        return "no baseline reading";
    }
    return "?";
}

#define TOU_MASK ((1u << REG_SHARP) | (1u << REG_PEAK) | (1u << REG_FLAT) | (1u << REG_VALLEY))

/* 10^digits kWh in Wh: the register's range. digits is 4..10 (meter schema), so no overflow. */
static int64_t register_range_wh(int digits)
{
    int64_t r = 1000;
    for (int i = 0; i < digits && i < 15; i++)
        r *= 10;
    return r;
}

/*
 * The advance of one energy register between two readings. A negative difference is a
 * rollover when both readings lie in the register's range and the wrapped advance
 * (to + range - from) is less than half the range: a counter that went round once by a
 * plausible amount. Anything else is a negative advance (a misread, a swapped meter, a reset).
 */
static int64_t advance(int64_t from, int64_t to, int digits, unsigned *flags)
{
    int64_t adv = to - from;
    if (adv >= 0)
        return adv;
    int64_t range = register_range_wh(digits);
    if (from >= 0 && from < range && to >= 0 && to < range && adv + range < range / 2) {
        *flags |= VEE_ROLLOVER;
        return adv + range;
    }
    *flags |= VEE_NEGATIVE;
    return adv;
}

static int64_t abs64(int64_t v)
{
    return v < 0 ? -v : v;
}

/*
 * TOU registers (sharp + peak + flat + valley, those read) must sum to the total advance of the
 * same meter within max(|total| x pct_e2 / 10000 rounded down, tolerance_wh); the check is on
 * the meter's own advances, before the multiplier, since register rounding is a meter matter.
 */
static bool tou_mismatch(const int64_t *adv, unsigned present, const struct vee_policy *p)
{
    if (!(present & TOU_MASK) || !(present & (1u << REG_TOTAL)))
        return false;
    int64_t sum = 0;
    for (int r = REG_SHARP; r <= REG_VALLEY; r++)
        if (present & (1u << r))
            sum += adv[r];
    __int128 share = (__int128)abs64(adv[REG_TOTAL]) * (p ? p->tou_tolerance_pct_e2 : 0) / 10000;
    __int128 tol = share;
    if (p && p->tou_tolerance_wh > tol)
        tol = p->tou_tolerance_wh;
    return (__int128)abs64(sum - adv[REG_TOTAL]) > tol;
}

/* One meter's segment into out->wh (added) / demand (max); flags as found. */
static void consume_segment(const struct vee_segment *sg, const struct vee_policy *pol,
                            struct vee_out *out)
{
    const struct read_set *f = sg->from, *t = sg->to;
    int64_t mult = sg->meter && sg->meter->multiplier > 0 ? sg->meter->multiplier : 1;
    int digits = sg->meter ? sg->meter->digits : 6;
    if (!f || !t || !(f->present & (1u << REG_TOTAL)) || !(t->present & (1u << REG_TOTAL))) {
        out->flags |= VEE_NO_BASELINE;
        return;
    }
    int64_t adv[REG_N] = { 0 };
    unsigned both = f->present & t->present & ~(1u << REG_DEMAND);
    for (int r = 0; r < REG_N; r++) {
        if (r == REG_DEMAND) {
            if (t->present & (1u << REG_DEMAND)) {
                int64_t d = t->v[REG_DEMAND] * mult;
                if (!(out->present & (1u << REG_DEMAND)) || d > out->wh[REG_DEMAND])
                    out->wh[REG_DEMAND] = d;
                out->present |= 1u << REG_DEMAND;
            }
            continue;
        }
        if (!(both & (1u << r)))
            continue;
        adv[r] = advance(f->v[r], t->v[r], digits, &out->flags);
        out->wh[r] += adv[r] * mult;
        out->present |= 1u << r;
    }
    if (tou_mismatch(adv, both, pol))
        out->flags |= VEE_TOU_MISMATCH;
}

void vee_consume(const struct vee_in *in, struct vee_out *out)
{
    memset(out, 0, sizeof(*out));
    if (in->nsegments <= 0) {
        /* §8.2: no reading this period, bill the previous period's consumption for now */
        out->flags |= VEE_ESTIMATED;
        if (!in->last_wh) {
            out->flags |= VEE_NO_BASELINE;
            out->present = 1u << REG_TOTAL;
            return;
        }
        for (int r = 0; r < REG_N; r++) {
            out->wh[r] = in->last_wh[r];
            if (in->last_wh[r] || r == REG_TOTAL)
                out->present |= 1u << r;
        }
        return;
    }
    int n = in->nsegments > 2 ? 2 : in->nsegments;
    for (int i = 0; i < n; i++)
        consume_segment(&in->seg[i], in->policy, out);
    if (n == 2 || in->meter_changed)
        out->flags |= VEE_METER_CHANGE;
    if (out->flags & VEE_NO_BASELINE)
        return;

    /* zero is judged on what the meters recorded, before settling estimates */
    if (in->active && out->wh[REG_TOTAL] == 0)
        out->flags |= VEE_ZERO;

    /* M4: the real advance covers the estimated periods too; bill only the rest */
    if (in->estimated_wh) {
        for (int r = 0; r < REG_N; r++)
            if (r != REG_DEMAND && (out->present & (1u << r)))
                out->wh[r] -= in->estimated_wh[r];
        out->flags |= VEE_SETTLED;
    }

    /* a spike is judged on this period's billed total against the per-period average */
    const struct vee_policy *p = in->policy;
    if (p && p->spike_pct > 0 && in->avg_wh > 0 &&
        (__int128)out->wh[REG_TOTAL] * 100 > (__int128)in->avg_wh * p->spike_pct)
        out->flags |= VEE_SPIKE;
}
