/*
 * Demo consumption (demo_usage.h). Energy is made day by day in the primary circuit (what the
 * customer uses) and the meter's registers show it divided by the CT x PT multiplier, as a
 * real transformer-rated meter does; readings are taken on the account's reading day.
 */
#include "domain/demo_usage.h"

#include "core/energy.h"

/* seasonal factors by month (Zhejiang: summer air conditioning, winter heating) */
static const int season_res[12] = { 125, 115, 90, 85, 90, 110, 150, 155, 110, 90, 95, 120 };
static const int season_ci[12] = { 105, 80, 100, 100, 100, 110, 125, 125, 110, 100, 100, 105 };
static const int season_agr[12] = { 40, 40, 60, 80, 120, 220, 260, 250, 180, 90, 50, 40 };

/* Zhejiang TOU windows (浙发改价格〔2024〕21号), by hour, for splitting interval curves:
 * s sharp, p peak, f flat, v valley. */
static const char hours_summer[] = "vvvvvvvvpssvvfssppppppfp";
static const char hours_other[] = "vvvvvvvvpppvvppppfffffff";

enum { R_TOTAL, R_SHARP, R_PEAK, R_FLAT, R_VALLEY, R_REACTIVE, R_DEMAND, R_N };

struct meter_state {
    int64_t cum[R_N]; /* primary Wh (varh) since the meter's zero */
    int64_t max_w;    /* maximum 15-minute demand this reading period, primary W */
};

static int64_t rnd(struct demo_rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)demo_rng_below(r, (uint32_t)(hi - lo + 1));
}

static bool has_reg(const char *regs, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = regs; *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == n && !memcmp(p, name, n))
            return true;
        p += len + (c ? 1 : 0);
    }
    return false;
}

void demo_usage_headers(const struct demo_usage_opts *o)
{
    fputs("meter,read_on,source,total,sharp,peak,flat,valley,reactive,demand\n", o->readings);
    if (o->intervals) {
        fputs("meter,date", o->intervals);
        for (int i = 1; i <= 96; i++)
            fprintf(o->intervals, ",p%d", i);
        fputc('\n', o->intervals);
    }
}

static void put_kwh(FILE *fp, int64_t wh)
{
    char b[ENERGY_BUF_SIZE];
    fputc(',', fp);
    fputs(energy_format_kwh3(wh, b), fp);
}

static void write_reading(const struct demo_customer *d, const struct demo_usage_opts *o,
                          struct date on, const struct meter_state *m, int64_t rollover_wh)
{
    static const char *const names[R_N] = { "total",  "sharp",    "peak",  "flat",
                                            "valley", "reactive", "demand" };
    char db[DATE_BUF_SIZE];
    fprintf(o->readings, "%s,%s,%s", d->asset_no, date_format(on, db),
            d->user_type[0] == 'a' ? "manual" : "remote");
    for (int r = 0; r < R_N; r++) {
        if (!has_reg(d->registers, names[r])) {
            fputc(',', o->readings);
            continue;
        }
        int64_t v = r == R_DEMAND ? m->max_w : m->cum[r];
        v /= d->multiplier; /* the register shows primary energy / multiplier */
        if (r != R_DEMAND && rollover_wh)
            v %= rollover_wh;
        put_kwh(o->readings, v);
    }
    fputc('\n', o->readings);
}

int demo_usage_write(const struct demo_customer *d, const struct demo_usage_opts *o,
                     int64_t *readings, int64_t *days, struct err *err)
{
    struct demo_rng r;
    struct meter_state m;
    struct date installed, start, end;
    bool resident = !strcmp(d->user_type, "resident");
    bool ci = !strcmp(d->user_type, "general_ci");
    bool li = !strcmp(d->user_type, "large_industry");
    int64_t seq = d->seq;

    if (date_parse(d->installed_on, &installed, err))
        return error_prefix(err, "demo meter %s: ", d->asset_no);
    demo_rng_seed(&r, o->seed * 0x9e3779b97f4a7c15ULL + (uint64_t)seq);
    memset(&m, 0, sizeof(m));

    /* the reading dates R(first - 1) .. R(last) */
    struct period p0 = period_prev(o->first);
    struct date r0 = period_first_day(p0);
    r0.d = d->cycle_day;
    start = r0;
    end = period_first_day(period_add(o->first, o->months - 1));
    end.d = d->cycle_day;

    /* a meter with history: it did not start at zero, and one in 733 residents is about to
     * roll its 6-digit register over */
    int64_t rollover = 0;
    if (date_cmp(installed, start) < 0) {
        int64_t prior = rnd(&r, 1000, 30000) * 1000;
        if (resident && seq % 733 == 3) {
            rollover = INT64_C(1000000) * 1000; /* 10^6 kWh in Wh */
            prior = rollover - 1500 * 1000;
        }
        m.cum[R_TOTAL] = prior * d->multiplier;
        m.cum[R_PEAK] = prior * d->multiplier * 6 / 10;
        m.cum[R_VALLEY] = m.cum[R_TOTAL] - m.cum[R_PEAK];
    } else {
        start = installed;
    }

    /* the customer's size */
    int64_t level; /* resident: Wh/day; others: W average load */
    if (resident)
        level = rnd(&r, 4000, 12000);
    else if (li)
        level = (int64_t)d->capacity_kva * rnd(&r, 300, 600); /* 30-60 % load factor, W */
    else if (ci)
        level = (int64_t)d->capacity_kva * rnd(&r, 80, 250);
    else
        level = (int64_t)d->capacity_kva * rnd(&r, 40, 150);
    int peak_share = (int)rnd(&r, 50, 72); /* resident peak share, % */
    int tan_phi = (int)rnd(&r, 20, 62);    /* Q/P in %, PF 0.85-0.98 */
    bool misses = seq % 397 == 5, vacant = resident && seq % 499 == 7, spike = seq % 601 == 11;

    if (date_cmp(start, r0) == 0 || date_cmp(start, end) > 0) {
        if (date_cmp(start, end) > 0)
            return 0;
        write_reading(d, o, start, &m, rollover);
        (*readings)++;
    }
    int month_index = 0;
    struct date next = r0;
    while (date_cmp(next, start) <= 0) {
        struct period np = period_add(period_of(next), 1);
        next = period_first_day(np);
        next.d = d->cycle_day;
        month_index++;
    }
    for (struct date day = date_add_days(start, 1); date_cmp(day, end) <= 0;
         day = date_add_days(day, 1)) {
        int mo = day.m - 1;
        bool weekend = date_is_weekend(day);
        int64_t e[R_N] = { 0 };
        int factor = 100;
        if (vacant && month_index >= 3 && month_index <= 4)
            factor = 0;
        if (spike && month_index == 8)
            factor = 500;
        if (li) {
            /* a 96-point curve: two shifts, lower at night and at weekends */
            const char *hours = (day.m == 1 || day.m == 7 || day.m == 8 || day.m == 12)
                                    ? hours_summer
                                    : hours_other;
            int64_t pts[96];
            for (int i = 0; i < 96; i++) {
                int h = i / 4;
                int shape = h < 7 ? 45 : h < 8 ? 70 : h < 22 ? 115 : 80;
                if (weekend)
                    shape = shape * 65 / 100;
                int64_t w = level * shape / 100 * rnd(&r, 90, 110) / 100 * factor / 100;
                int64_t wh = w / 4; /* 15 minutes */
                pts[i] = wh;
                if (w > m.max_w)
                    m.max_w = w;
                int reg = hours[h] == 's'   ? R_SHARP
                          : hours[h] == 'p' ? R_PEAK
                          : hours[h] == 'f' ? R_FLAT
                                            : R_VALLEY;
                e[reg] += wh;
                e[R_TOTAL] += wh;
            }
            if (o->intervals) {
                char db[DATE_BUF_SIZE];
                fprintf(o->intervals, "%s,%s", d->asset_no, date_format(day, db));
                for (int i = 0; i < 96; i++)
                    put_kwh(o->intervals, pts[i]);
                fputc('\n', o->intervals);
                (*days)++;
            }
        } else if (resident) {
            int64_t wh = level * season_res[mo] / 100 * rnd(&r, 80, 120) / 100 * factor / 100;
            e[R_TOTAL] = wh;
            e[R_PEAK] = wh * peak_share / 100;
            e[R_VALLEY] = wh - e[R_PEAK];
        } else {
            const int *season = ci ? season_ci : season_agr;
            int64_t wh = level * 24 * season[mo] / 100 * rnd(&r, 85, 115) / 100 * factor / 100;
            if (ci && weekend)
                wh = wh * 6 / 10;
            e[R_TOTAL] = wh;
            e[R_SHARP] = wh * 6 / 100;
            e[R_PEAK] = wh * 40 / 100;
            e[R_FLAT] = wh * 28 / 100;
            e[R_VALLEY] = wh - e[R_SHARP] - e[R_PEAK] - e[R_FLAT];
            int64_t w = wh / 24 * 14 / 10;
            if (w > m.max_w)
                m.max_w = w;
        }
        e[R_REACTIVE] = e[R_TOTAL] * tan_phi / 100;
        for (int i = 0; i < R_DEMAND; i++)
            m.cum[i] += e[i];
        if (date_cmp(day, next) == 0) {
            if (!(misses && month_index == 5)) {
                write_reading(d, o, day, &m, rollover);
                (*readings)++;
            }
            m.max_w = 0;
            month_index++;
            next = period_first_day(period_add(period_of(next), 1));
            next.d = d->cycle_day;
        }
    }
    return 0;
}
