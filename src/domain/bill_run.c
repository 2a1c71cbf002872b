/*
 * The bill run (bill.h). Accounts a page at a time in id order; per page a few queries fetch
 * the meter stays, the readings, the bill history and (on a re-run) the issued bills of all its
 * accounts at once; VEE and the tariff engine price each account; the drafts of a page, with the
 * run's cursor, are written in one transaction by bulk loads (binary COPY on PostgreSQL).
 * Reading and computing run on a second thread with its own connection (a WAL reader on SQLite,
 * another session on PostgreSQL), at most RUN_SLOTS pages ahead of the writer, so memory stays
 * the same whatever the number of accounts. The writer keeps the run's lock and connection.
 */
#include "domain/bill.h"

#include "core/energy.h"
#include "core/log.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "domain/audit.h"
#include "domain/bill_int.h"
#include "domain/bill_text.h"
#include "domain/reading.h"
#include "domain/vee.h"

#include <pthread.h>

void bill_policy_default(struct bill_policy *p)
{
    p->review_multiple_pct = 300;
    p->spike_pct = 300;
    p->due_days = 15;
    p->batch = 1000;
}

static struct date date_or_none(const char *s)
{
    struct date d = { 0, 0, 0 };
    struct err e = ERR_INIT;
    if (s && *s && date_parse(s, &d, &e))
        d = (struct date){ 0, 0, 0 };
    return d;
}

/* The reading date R(P) of an account with reading day `day` (1..28). */
static struct date read_date(struct period p, int day)
{
    struct date d = period_first_day(p);
    d.d = day >= 1 && day <= 28 ? day : 1;
    return d;
}

/* "YYYY-MM-DD" without printf (the run formats several dates per bill) into buf. */
static char *fmt_date(struct date d, char *buf)
{
    unsigned y = (unsigned)d.y % 10000, m = (unsigned)d.m % 100, dd = (unsigned)d.d % 100;
    buf[0] = (char)('0' + y / 1000);
    buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10);
    buf[3] = (char)('0' + y % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + m / 10);
    buf[6] = (char)('0' + m % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + dd / 10);
    buf[9] = (char)('0' + dd % 10);
    buf[10] = '\0';
    return buf;
}

/* "YYYY-MM" without printf into buf. */
static char *fmt_period(struct period p, char *buf)
{
    struct date d = { p.y, p.m, 1 };
    fmt_date(d, buf);
    buf[7] = '\0';
    return buf;
}

/* A text column into a fixed buffer, truncated like snprintf("%s") would. */
static void col_copy(struct store_stmt *st, int col, char *buf, size_t size)
{
    const char *s = store_col_text(st, col);
    size_t n = s ? strlen(s) : 0;
    if (n >= size)
        n = size - 1;
    if (n)
        memcpy(buf, s, n);
    buf[n] = '\0';
}

/* ---- loading a page ---- */

void bill_page_init(struct bill_page *pg)
{
    memset(pg, 0, sizeof(*pg));
    strbuf_init(&pg->ids, 0);
}

void bill_page_release(struct bill_page *pg)
{
    VEC_FREE(&pg->accts);
    VEC_FREE(&pg->stays);
    VEC_FREE(&pg->reads);
    strbuf_release(&pg->ids);
}

static void acct_from_row(struct store_stmt *st, struct bill_acct *a)
{
    memset(a, 0, sizeof(*a));
    a->id = store_col_i64(st, 0);
    col_copy(st, 1, a->account_no, sizeof(a->account_no));
    col_copy(st, 2, a->tariff_code, sizeof(a->tariff_code));
    a->capacity_va = store_col_i64(st, 3);
    a->demand_w = store_col_i64(st, 4);
    a->pf_standard = (int)store_col_i64(st, 5);
    a->cycle_day = (int)store_col_i64(st, 6);
    a->opened_on = date_or_none(store_col_text(st, 7));
    a->closed_on = date_or_none(store_col_null(st, 8) ? NULL : store_col_text(st, 8));
    col_copy(st, 9, a->user_type, sizeof(a->user_type));
}

static void stay_from_row(struct store_stmt *st, struct bill_stay *s)
{
    memset(s, 0, sizeof(*s));
    s->sp_id = store_col_i64(st, 1);
    s->install_id = store_col_i64(st, 2);
    s->meter_id = store_col_i64(st, 3);
    col_copy(st, 4, s->asset_no, sizeof(s->asset_no));
    s->meter.multiplier = store_col_i64(st, 5);
    s->meter.digits = (int)store_col_i64(st, 6);
    s->installed_on = date_or_none(store_col_text(st, 7));
    s->removed_on = date_or_none(store_col_null(st, 8) ? NULL : store_col_text(st, 8));
}

/* Load the stays of accounts page[0..n) (sorted by id) and attach them. */
int bill_load_stays(struct ctx *c, struct bill_page *pg, struct period p, struct err *err)
{
    char hi[DATE_BUF_SIZE], lo[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_BILL_STAYS);
    size_t ai = 0;
    int ret;

    VEC_CLEAR(&pg->stays);
    if (!pg->accts.n)
        return 0;
    store_bind_i64(st, 1, pg->accts.v[0].id);
    store_bind_i64(st, 2, pg->accts.v[pg->accts.n - 1].id);
    store_bind_text(st, 3, fmt_date(period_last_day(p), hi));
    store_bind_text(st, 4, fmt_date(period_first_day(period_prev(p)), lo));
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct bill_stay s;
        stay_from_row(st, &s);
        s.account_id = store_col_i64(st, 0);
        VEC_PUSH(&pg->stays, s);
    }
    store_reset(st);
    if (ret < 0)
        return ret;
    /* attach: both sorted by account id */
    for (size_t i = 0; i < pg->accts.n; i++)
        pg->accts.v[i].nstays = 0;
    for (size_t i = 0; i < pg->stays.n; i++) {
        while (ai < pg->accts.n && pg->accts.v[ai].id < pg->stays.v[i].account_id)
            ai++;
        if (ai == pg->accts.n)
            break;
        if (pg->accts.v[ai].id == pg->stays.v[i].account_id) {
            if (!pg->accts.v[ai].nstays)
                pg->accts.v[ai].first_stay = i;
            pg->accts.v[ai].nstays++;
        }
    }
    return 0;
}

/* The page's account with `id`, or NULL (binary search: accounts ascend by id). */
static struct bill_acct *page_acct(struct bill_page *pg, int64_t id)
{
    size_t lo = 0, hi = pg->accts.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pg->accts.v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < pg->accts.n && pg->accts.v[lo].id == id ? &pg->accts.v[lo] : NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int read_row(struct store_stmt *st, int first_col, struct read_set *out)
{
    memset(out, 0, sizeof(*out));
    out->on = date_or_none(store_col_text(st, first_col));
    for (int r = 0; r < REG_N; r++)
        if (!store_col_null(st, first_col + 1 + r)) {
            out->v[r] = store_col_i64(st, first_col + 1 + r);
            out->present |= 1u << r;
        }
    int src = read_source_parse(store_col_text(st, first_col + 1 + REG_N));
    out->source = src < 0 ? READ_MANUAL : (enum read_source)src;
    return 0;
}

int bill_page_prefetch(struct ctx *c, struct bill_page *pg, struct period p, bool issued,
                       struct err *err)
{
    char pb[PERIOD_BUF_SIZE], pb2[PERIOD_BUF_SIZE], pb3[PERIOD_BUF_SIZE], pb4[PERIOD_BUF_SIZE];
    char d1[DATE_BUF_SIZE], d2[DATE_BUF_SIZE];
    struct strbuf meters = STRBUF_INIT;
    VEC(int64_t) mids = VEC_INIT;
    struct store_stmt *st;
    int ret;

    VEC_CLEAR(&pg->reads);
    strbuf_reset(&pg->ids);
    pg->win_lo = period_first_day(period_prev(p));
    pg->win_hi = period_last_day(p);
    for (size_t i = 0; i < pg->accts.n; i++) {
        struct bill_acct *a = &pg->accts.v[i];
        memset(&a->hist, 0, sizeof(a->hist));
        a->issued = false;
        if (i)
            strbuf_addch(&pg->ids, ',');
        bill_text_i64(&pg->ids, a->id);
        for (int k = 0; k < a->nstays; k++)
            VEC_PUSH(&mids, pg->stays.v[a->first_stay + (size_t)k].meter_id);
    }
    if (!pg->accts.n)
        return 0;

    /* 12-month history: average, year-to-date, whether last period was estimated */
    struct period jan = { p.y, 1 };
    st = store_q(c->db, Q_BILL_STATS_PAGE);
    store_bind_text(st, 1, pg->ids.buf);
    store_bind_text(st, 2, period_format(period_add(p, -12), pb));
    store_bind_text(st, 3, period_format(jan, pb2));
    store_bind_text(st, 4, period_format(p, pb3));
    store_bind_text(st, 5, period_format(period_prev(p), pb4));
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct bill_acct *a = page_acct(pg, store_col_i64(st, 0));
        if (!a)
            continue;
        a->hist.n12 = store_col_i64(st, 1);
        a->hist.sum_wh = store_col_i64(st, 2);
        a->hist.sum_fen = store_col_i64(st, 3);
        a->hist.ytd_wh = store_col_i64(st, 4);
        a->hist.prev_estimated = store_col_i64(st, 5) != 0;
    }
    store_reset(st);
    if (ret < 0)
        goto out;

    if (issued) {
        st = store_q(c->db, Q_BILL_ISSUED_PAGE);
        store_bind_text(st, 1, pg->ids.buf);
        store_bind_text(st, 2, pb3);
        while ((ret = store_step(st, err)) == STORE_ROW) {
            struct bill_acct *a = page_acct(pg, store_col_i64(st, 0));
            if (a)
                a->issued = true;
        }
        store_reset(st);
        if (ret < 0)
            goto out;
    }

    /* the readings of the page's meters in the window */
    qsort(mids.v, mids.n, sizeof(*mids.v), cmp_i64);
    for (size_t i = 0; i < mids.n; i++) {
        if (i && mids.v[i] == mids.v[i - 1])
            continue;
        if (meters.len)
            strbuf_addch(&meters, ',');
        bill_text_i64(&meters, mids.v[i]);
    }
    ret = 0;
    if (meters.len) {
        st = store_q(c->db, Q_BILL_READS_PAGE);
        store_bind_text(st, 1, meters.buf);
        store_bind_text(st, 2, fmt_date(pg->win_lo, d1));
        store_bind_text(st, 3, fmt_date(pg->win_hi, d2));
        while ((ret = store_step(st, err)) == STORE_ROW) {
            struct bill_mread m;
            m.meter_id = store_col_i64(st, 0);
            read_row(st, 1, &m.rs);
            VEC_PUSH(&pg->reads, m);
        }
        store_reset(st);
        if (ret > 0)
            ret = 0;
    }
out:
    strbuf_release(&meters);
    VEC_FREE(&mids);
    return ret < 0 ? ret : 0;
}

/* ---- readings ---- */

static const struct {
    enum reg reg;
    const char *name;
} install_regs[] = {
    { REG_TOTAL, "total" },   { REG_SHARP, "sharp" },   { REG_PEAK, "peak" },
    { REG_FLAT, "flat" },     { REG_VALLEY, "valley" }, { REG_REACTIVE, "reactive" },
    { REG_DEMAND, "demand" },
};

/* The installation ("install") or removal ("remove") readings of a stay. */
static int install_reads(struct ctx *c, const struct bill_stay *s, const char *event,
                         struct date on, struct read_set *out, bool *found, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_BILL_INSTALL_READS);
    int ret;
    memset(out, 0, sizeof(*out));
    out->on = on;
    out->source = READ_MANUAL;
    *found = false;
    store_bind_i64(st, 1, s->install_id);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        const char *ev = store_col_text(st, 0), *reg = store_col_text(st, 1);
        if (strcmp(ev, event))
            continue;
        for (size_t i = 0; i < ARRAY_SIZE(install_regs); i++)
            if (!strcmp(reg, install_regs[i].name)) {
                out->v[install_regs[i].reg] = store_col_i64(st, 2);
                out->present |= 1u << install_regs[i].reg;
                *found = true;
            }
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

/* The latest real reading of the stay's meter dated in [lo, hi]: from the page's readings,
 * or one descending seek when the window reaches before them (a baseline older than the
 * previous period, after estimates). */
static int last_read(struct ctx *c, const struct bill_page *pg, const struct bill_stay *s,
                     struct date lo, struct date hi, struct read_set *out, bool *found,
                     struct err *err)
{
    char a[DATE_BUF_SIZE], b[DATE_BUF_SIZE];
    struct store_stmt *st;
    int ret;
    *found = false;
    if (date_cmp(lo, hi) > 0)
        return 0;
    if (date_cmp(hi, pg->win_hi) <= 0) {
        /* the meter's readings: first index with meter_id >= s->meter_id */
        size_t l = 0, h = pg->reads.n;
        while (l < h) {
            size_t mid = l + (h - l) / 2;
            if (pg->reads.v[mid].meter_id < s->meter_id)
                l = mid + 1;
            else
                h = mid;
        }
        size_t end = l;
        while (end < pg->reads.n && pg->reads.v[end].meter_id == s->meter_id)
            end++;
        for (size_t i = end; i > l; i--) {
            const struct read_set *rs = &pg->reads.v[i - 1].rs;
            if (date_cmp(rs->on, hi) > 0)
                continue;
            if (date_cmp(rs->on, lo) < 0)
                break;
            *out = *rs;
            *found = true;
            return 0;
        }
        if (date_cmp(lo, pg->win_lo) >= 0)
            return 0;
        /* none in the window: the latest before it */
        struct date before = date_add_days(pg->win_lo, -1);
        if (date_cmp(before, hi) < 0)
            hi = before;
    }
    st = store_q(c->db, Q_BILL_READ_LAST);
    store_bind_i64(st, 1, s->meter_id);
    store_bind_text(st, 2, fmt_date(hi, a));
    store_bind_text(st, 3, fmt_date(lo, b));
    ret = store_step(st, err);
    if (ret == STORE_ROW) {
        read_row(st, 0, out);
        *found = true;
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

/* ---- one account ---- */

/* Consumption of the previous bills: last_wh = the latest bill's, est_wh = the sum of the
 * estimated bills since the last real reading. */
static int prev_bills(struct ctx *c, const struct bill_acct *a, struct period p, int64_t *last_wh,
                      bool *have_last, int64_t *est_wh, struct err *err)
{
    char pb[PERIOD_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_BILL_PREV);
    int ret, n = 0;
    *have_last = false;
    store_bind_i64(st, 1, a->id);
    store_bind_text(st, 2, period_format(p, pb));
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct usage u;
        unsigned flags = (unsigned)store_col_i64(st, 2);
        struct err e2 = ERR_INIT;
        if (bill_usage_decode(store_col_text(st, 1), c->arena, &u, &e2))
            break;
        int64_t wh[REG_N] = { u.total_wh,
                              u.tou_wh[TOU_SHARP],
                              u.tou_wh[TOU_PEAK],
                              u.tou_wh[TOU_FLAT],
                              u.tou_wh[TOU_VALLEY],
                              u.reactive_varh,
                              0 };
        if (!n++) {
            memcpy(last_wh, wh, sizeof(wh));
            *have_last = true;
        }
        if (!(flags & VEE_ESTIMATED))
            break;
        for (int r = 0; r < REG_N; r++)
            est_wh[r] += wh[r];
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

static void add_reasons(struct strbuf *sb, unsigned flags, unsigned mask)
{
    for (unsigned f = 1; f && f <= VEE_NO_BASELINE; f <<= 1)
        if (flags & mask & f) {
            if (sb->len)
                strbuf_addstr(sb, "; ");
            strbuf_addstr(sb, vee_flag_name(f));
        }
}

/* "M4 x2000 2025-05-15 (remote) -> 2025-06-15 (remote): total 1050.000-1100.000 ..." */
static void reads_line(struct strbuf *sb, const struct bill_stay *s, const struct read_set *from,
                       const struct read_set *to)
{
    char e[ENERGY_BUF_SIZE];
    strbuf_addstr(sb, s->asset_no);
    strbuf_addstr(sb, " x");
    bill_text_i64(sb, s->meter.multiplier);
    strbuf_addch(sb, ' ');
    bill_text_date(sb, from->on);
    strbuf_addstr(sb, " (");
    strbuf_addstr(sb, read_source_name(from->source));
    strbuf_addstr(sb, ") -> ");
    bill_text_date(sb, to->on);
    strbuf_addstr(sb, " (");
    strbuf_addstr(sb, read_source_name(to->source));
    strbuf_addstr(sb, "):");
    for (int r = 0; r < REG_N; r++) {
        if (!(to->present & (1u << r)))
            continue;
        strbuf_addch(sb, ' ');
        strbuf_addstr(sb, reg_name(r));
        strbuf_addch(sb, ' ');
        if (r != REG_DEMAND && (from->present & (1u << r))) {
            strbuf_addstr(sb, energy_format_kwh3(from->v[r], e));
            strbuf_addch(sb, '-');
        }
        strbuf_addstr(sb, energy_format_kwh3(to->v[r], e));
    }
    strbuf_addch(sb, '\n');
}

/*
 * VEE for one service point's stays (at most the last two that touch the window): fills `vin`
 * segments and the reads text. Returns 0, or a negative ERR_* for a database failure.
 */
static int sp_inputs(struct ctx *c, const struct bill_page *pg, const struct bill_stay *st, int n,
                     struct date rp, struct date r, struct read_set rs[4], struct vee_in *vin,
                     struct strbuf *rt, bool *missing, struct err *err)
{
    bool f1, f2;
    int ret;
    *missing = false;
    vin->nsegments = 0;
    vin->meter_changed = false;
    if (n >= 2) {
        const struct bill_stay *o = &st[n - 2], *nw = &st[n - 1];
        /* old meter: its baseline to its removal; new meter: installation to latest read */
        if ((ret = last_read(c, pg, o, o->installed_on, rp, &rs[0], &f1, err)))
            return ret;
        if (!f1 && (ret = install_reads(c, o, "install", o->installed_on, &rs[0], &f1, err)))
            return ret;
        if ((ret = install_reads(c, o, "remove", o->removed_on, &rs[1], &f2, err)))
            return ret;
        if (!f1) {
            /* nothing to measure the old meter from: VEE says so (no baseline) */
            vin->nsegments = 1;
            vin->seg[0] = (struct vee_segment){ &o->meter, NULL, NULL };
            return 0;
        }
        if (!f2) {
            rs[1] = rs[0]; /* removal without readings: nothing measured on the old meter */
            rs[1].on = o->removed_on;
        }
        if ((ret = install_reads(c, nw, "install", nw->installed_on, &rs[2], &f1, err)))
            return ret;
        if ((ret = last_read(c, pg, nw, nw->installed_on, r, &rs[3], &f2, err)))
            return ret;
        if (!f2)
            rs[3] = rs[2]; /* no reading of the new meter yet: nothing measured on it */
        vin->nsegments = 2;
        vin->meter_changed = true;
        vin->seg[0] = (struct vee_segment){ &o->meter, &rs[0], &rs[1] };
        vin->seg[1] = (struct vee_segment){ &nw->meter, &rs[2], &rs[3] };
        reads_line(rt, o, &rs[0], &rs[1]);
        reads_line(rt, nw, &rs[2], &rs[3]);
        return 0;
    }
    const struct bill_stay *s = &st[0];
    struct date hi = r;
    if (date_is_valid(s->removed_on) && date_cmp(s->removed_on, hi) < 0)
        hi = s->removed_on;
    if ((ret = last_read(c, pg, s, s->installed_on, rp, &rs[0], &f1, err)))
        return ret;
    if (!f1 && (ret = install_reads(c, s, "install", s->installed_on, &rs[0], &f1, err)))
        return ret;
    if (!f1) {
        /* nothing to measure from: VEE says so (no baseline) */
        vin->nsegments = 1;
        vin->seg[0] = (struct vee_segment){ &s->meter, NULL, NULL };
        return 0;
    }
    if ((ret = last_read(c, pg, s, date_add_days(rs[0].on, 1), hi, &rs[1], &f2, err)))
        return ret;
    if (!f2 && date_is_valid(s->removed_on) && date_cmp(s->removed_on, r) <= 0 &&
        (ret = install_reads(c, s, "remove", s->removed_on, &rs[1], &f2, err)))
        return ret;
    if (!f2) {
        *missing = true;
        return 0;
    }
    vin->nsegments = 1;
    vin->seg[0] = (struct vee_segment){ &s->meter, &rs[0], &rs[1] };
    reads_line(rt, s, &rs[0], &rs[1]);
    return 0;
}

/* ---- time-of-use windows and demand from interval data ---- */

/* A meter's real reading window (from, to]: its interval days are from + 1 .. to. */
struct iv_seg {
    int64_t meter_id, multiplier;
    struct date from, to;
    const char *asset_no;
};

struct iv_scan {
    const struct tariff *t; /* NULL: demand only */
    struct date lo, hi;
    int64_t sum[TOU_N]; /* meter-side Wh per period */
    int64_t max_w;      /* meter-side W */
    int days, missing;  /* days found, missing points in them */
};

static int iv_day(void *arg, int64_t meter_id, const struct interval_day *d)
{
    struct iv_scan *sc = arg;
    UNUSED(meter_id);
    if (date_cmp(d->day, sc->lo) < 0 || date_cmp(d->day, sc->hi) > 0)
        return 0;
    sc->days++;
    for (int i = 0; i < d->n; i++) {
        if (d->pts[i] == INTERVAL_MISSING) {
            sc->missing++;
        } else if (sc->t) {
            enum tou_period p = tariff_period_at(sc->t, d->day, i * d->minutes);
            sc->sum[p] += d->pts[i];
        }
    }
    int64_t w = interval_max_demand_w(d->pts, d->n, d->minutes);
    if (w > sc->max_w)
        sc->max_w = w;
    return 0;
}

/* The interval totals of every segment, x the multiplier (interval values are meter-side, like
 * register readings: bill.h): tou[] per period (with t), *max_w the largest interval demand
 * (the larger over meters, as for demand registers), *complete whether every day of every
 * window has all its points. */
static int iv_collect(struct ctx *c, const struct tariff *t, const struct iv_seg *segs, int n,
                      struct strbuf *rt, int64_t tou[TOU_N], int64_t *max_w, bool *complete,
                      struct err *err)
{
    char e[ENERGY_BUF_SIZE];
    int ret;
    *complete = true;
    *max_w = 0;
    for (int p = 0; p < TOU_N; p++)
        tou[p] = 0;
    for (int k = 0; k < n; k++) {
        struct iv_scan sc;
        memset(&sc, 0, sizeof(sc));
        sc.t = t;
        sc.lo = date_add_days(segs[k].from, 1);
        sc.hi = segs[k].to;
        int want = date_cmp(sc.lo, sc.hi) <= 0 ? date_diff_days(sc.lo, sc.hi) + 1 : 0;
        if (want && (ret = reading_intervals(c, segs[k].meter_id, sc.lo, sc.hi, iv_day, &sc, err)))
            return ret;
        if (sc.days < want || sc.missing)
            *complete = false;
        int64_t w = sc.max_w * segs[k].multiplier;
        if (w > *max_w)
            *max_w = w;
        strbuf_addstr(rt, segs[k].asset_no);
        strbuf_addstr(rt, " interval data: ");
        bill_text_i64(rt, sc.days);
        strbuf_addch(rt, '/');
        bill_text_i64(rt, want);
        strbuf_addstr(rt, " days");
        if (sc.missing) {
            strbuf_addstr(rt, ", ");
            bill_text_i64(rt, sc.missing);
            strbuf_addstr(rt, " points missing");
        }
        for (int p = 0; t && p < TOU_N; p++) {
            if (!sc.sum[p])
                continue;
            tou[p] += sc.sum[p] * segs[k].multiplier;
            strbuf_addch(rt, ' ');
            strbuf_addstr(rt, tou_period_name((enum tou_period)p));
            strbuf_addch(rt, ' ');
            strbuf_addstr(rt, energy_format_kwh3(sc.sum[p], e));
        }
        if (sc.max_w) {
            strbuf_addstr(rt, " max demand ");
            strbuf_addstr(rt, energy_format_kwh3(sc.max_w, e));
            strbuf_addstr(rt, " kW");
        }
        strbuf_addch(rt, '\n');
    }
    return 0;
}

/*
 * Split the account's metered total by time-of-use window (bill.h): the intervals' energy per
 * period, less what estimates already billed of each period, and the rest of the register
 * advance (missing data, rounding) in the flat period. Incomplete data, or complete data that
 * miss the advance by more than the VEE tolerance, send the bill to review.
 */
static int iv_split(struct ctx *c, const struct tariff *t, const struct iv_seg *segs, int n,
                    const int64_t *est_wh, const struct vee_policy *vp, struct usage *u,
                    struct bill_draft *d, int64_t *max_w, struct err *err)
{
    static const enum reg reg_of[TOU_N] = { REG_SHARP, REG_PEAK, REG_FLAT, REG_VALLEY, REG_N };
    char e1[ENERGY_BUF_SIZE];
    int64_t tou[TOU_N], sum = 0;
    bool complete;
    int ret;

    if ((ret = iv_collect(c, t, segs, n, &d->reads, tou, max_w, &complete, err)))
        return ret;
    for (int p = 0; p < TOU_N; p++) {
        if (est_wh && reg_of[p] != REG_N)
            tou[p] -= est_wh[reg_of[p]];
        sum += tou[p];
    }
    int64_t rest = u->total_wh - sum;
    u->has_tou = true;
    memcpy(u->tou_wh, tou, sizeof(tou));
    u->tou_wh[TOU_FLAT] += rest;
    if (rest) {
        strbuf_addstr(&d->reads, "register advance less interval data: ");
        strbuf_addstr(&d->reads, energy_format_kwh3(rest, e1));
        strbuf_addstr(&d->reads, " kWh billed as flat\n");
    }
    int64_t mag = rest < 0 ? -rest : rest, abs_total = u->total_wh < 0 ? -u->total_wh : u->total_wh;
    int64_t tol = abs_total * vp->tou_tolerance_pct_e2 / 10000;
    if (tol < vp->tou_tolerance_wh)
        tol = vp->tou_tolerance_wh;
    const char *why = !complete   ? "interval data incomplete"
                      : mag > tol ? "interval data do not match the register advance"
                                  : NULL;
    if (why) {
        if (d->reason.len)
            strbuf_addstr(&d->reason, "; ");
        strbuf_addstr(&d->reason, why);
    }
    return 0;
}

int bill_compute(struct ctx *c, const struct bill_env *env, const struct bill_page *pg,
                 const struct bill_acct *a, struct bill_draft *d, struct err *err)
{
    const struct bill_stay *stays = a->nstays ? &pg->stays.v[a->first_stay] : NULL;
    struct period p = env->period;
    struct date r = read_date(p, a->cycle_day), rp = read_date(period_prev(p), a->cycle_day);
    struct date win_from = { 0, 0, 0 }, win_to = { 0, 0, 0 };
    char pb[DATE_BUF_SIZE];
    struct vee_out total;
    struct vee_policy vp = { env->policy->spike_pct, 100, 1000 };
    int64_t last_wh[REG_N] = { 0 }, est_wh[REG_N] = { 0 };
    bool have_prev = false, prev_loaded = false, any_meter = false, any_missing = false;
    struct iv_seg segs[16];
    int nsegs = 0;
    /* 12-month history: average, year-to-date, whether last period was estimated */
    int64_t n12 = a->hist.n12, sum_wh = a->hist.sum_wh, sum_fen = a->hist.sum_fen;
    int64_t ytd = a->hist.ytd_wh;
    bool prev_estimated = a->hist.prev_estimated;
    int ret;

    memset(&total, 0, sizeof(total));
    strbuf_reset(&d->reads);
    strbuf_reset(&d->usage);
    strbuf_reset(&d->reason);
    d->status = "draft";
    d->vee_flags = 0;
    d->quoted = false;
    d->read_from = d->read_to = (struct date){ 0, 0, 0 };

    /* service points: group the stays that touch (rp, r] */
    for (int i = 0; i < a->nstays;) {
        int j = i, n = 0;
        const struct bill_stay *grp[8];
        while (j < a->nstays && stays[j].sp_id == stays[i].sp_id) {
            const struct bill_stay *s = &stays[j++];
            if (date_cmp(s->installed_on, r) > 0)
                continue;
            if (date_is_valid(s->removed_on) && date_cmp(s->removed_on, rp) <= 0)
                continue;
            if (n < 8)
                grp[n++] = s;
        }
        i = j;
        if (!n)
            continue;
        any_meter = true;
        struct bill_stay two[2];
        int m = n >= 2 ? 2 : 1;
        for (int k = 0; k < m; k++)
            two[k] = *grp[n - m + k];
        struct read_set rs[4];
        struct vee_in vin;
        struct vee_out out;
        bool missing;
        memset(&vin, 0, sizeof(vin));
        if ((ret = sp_inputs(c, pg, two, m, rp, r, rs, &vin, &d->reads, &missing, err)))
            return ret;
        if (missing)
            any_missing = true;
        for (int k = 0; k < vin.nsegments && nsegs < (int)ARRAY_SIZE(segs); k++) {
            const struct bill_stay *ms = grp[n - m + (vin.nsegments == 2 ? k : m - 1)];
            if (!vin.seg[k].from || !vin.seg[k].to)
                continue;
            segs[nsegs++] = (struct iv_seg){ ms->meter_id, ms->meter.multiplier,
                                             vin.seg[k].from->on, vin.seg[k].to->on, ms->asset_no };
        }
        if ((missing || prev_estimated) && !prev_loaded) {
            if ((ret = prev_bills(c, a, p, last_wh, &have_prev, est_wh, err)))
                return ret;
            prev_loaded = true;
        }
        vin.active = true;
        vin.avg_wh = n12 ? sum_wh / n12 : 0;
        vin.last_wh = have_prev ? last_wh : NULL;
        vin.estimated_wh = prev_estimated && !missing ? est_wh : NULL;
        vin.policy = &vp;
        if (missing) {
            vin.nsegments = 0;
            strbuf_addf(&d->reads, "%s: no reading up to %s, estimated from the previous bill\n",
                        two[m - 1].asset_no, fmt_date(r, pb));
        }
        vee_consume(&vin, &out);
        for (int reg = 0; reg < REG_N; reg++)
            if (out.present & (1u << reg)) {
                if (reg == REG_DEMAND)
                    total.wh[reg] = total.wh[reg] > out.wh[reg] ? total.wh[reg] : out.wh[reg];
                else
                    total.wh[reg] += out.wh[reg];
            }
        total.present |= out.present;
        total.flags |= out.flags;
        if (vin.nsegments) {
            const struct vee_segment *f = &vin.seg[0], *t = &vin.seg[vin.nsegments - 1];
            if (f->from && (!date_is_valid(win_from) || date_cmp(f->from->on, win_from) < 0))
                win_from = f->from->on;
            if (t->to && (!date_is_valid(win_to) || date_cmp(t->to->on, win_to) > 0))
                win_to = t->to->on;
        }
    }
    if (!any_meter) {
        total.flags |= VEE_NO_BASELINE;
        strbuf_addstr(&d->reads, "no meter installed in the reading window\n");
    }
    d->vee_flags = total.flags;

    /* the usage the tariff prices */
    struct usage *u = &d->u;
    usage_init(u);
    u->period = p;
    if (date_is_valid(win_from) && date_is_valid(win_to) && date_cmp(win_from, win_to) < 0) {
        u->from = date_add_days(win_from, 1);
        u->to = win_to;
    } else {
        u->from = date_add_days(rp, 1);
        u->to = r;
    }
    d->read_from = u->from;
    d->read_to = u->to;
    u->cycle_months = 1;
    struct date first = period_first_day(p), last = period_last_day(p);
    struct date sfrom = first, sto = last;
    if (date_is_valid(a->opened_on) && date_cmp(a->opened_on, first) > 0)
        sfrom = a->opened_on;
    if (date_is_valid(a->closed_on) && date_cmp(a->closed_on, last) < 0)
        sto = a->closed_on;
    if (date_cmp(sfrom, first) || date_cmp(sto, last))
        u->supply_days = date_cmp(sto, sfrom) < 0 ? 0 : date_diff_days(sfrom, sto) + 1;
    if (!u->supply_days && (date_cmp(sfrom, first) || date_cmp(sto, last)))
        u->supply_days = 0;
    u->total_wh = total.wh[REG_TOTAL];
    /* a tariff with time-of-use windows splits real readings' energy by interval data, not by
     * the meter's period registers; estimates keep the estimated split */
    const struct tariff *t = tariff_set_find(env->tariffs, a->tariff_code);
    bool real = nsegs > 0 && !any_missing && !(d->vee_flags & VEE_NO_BASELINE);
    bool windows = t && real && (tariff_uses_windows(t, u->from) || tariff_uses_windows(t, u->to));
    unsigned tou_mask =
        (1u << REG_SHARP) | (1u << REG_PEAK) | (1u << REG_FLAT) | (1u << REG_VALLEY);
    if (!windows && (total.present & tou_mask)) {
        u->has_tou = true;
        u->tou_wh[TOU_SHARP] = total.wh[REG_SHARP];
        u->tou_wh[TOU_PEAK] = total.wh[REG_PEAK];
        u->tou_wh[TOU_FLAT] = total.wh[REG_FLAT];
        u->tou_wh[TOU_VALLEY] = total.wh[REG_VALLEY];
        int64_t sum = 0;
        for (int i = 0; i < TOU_N; i++)
            sum += u->tou_wh[i];
        if (sum != u->total_wh) {
            /* the period registers are what is billed; VEE has already judged the gap
             * against the tolerance (beyond it the bill is in review) */
            char e1[ENERGY_BUF_SIZE], e2[ENERGY_BUF_SIZE];
            strbuf_addf(&d->reads,
                        "total register %s kWh, period registers %s kWh: billed the"
                        " period registers\n",
                        energy_format_kwh3(u->total_wh, e1), energy_format_kwh3(sum, e2));
            u->total_wh = sum;
        }
    }
    if (total.present & (1u << REG_REACTIVE)) {
        u->has_reactive = true;
        u->reactive_varh = total.wh[REG_REACTIVE];
    }
    u->capacity_va = a->capacity_va;
    u->demand_w = total.wh[REG_DEMAND];
    u->contract_demand_w = a->demand_w;
    u->ytd_wh = ytd;
    u->months_in_year =
        date_is_valid(a->opened_on) && a->opened_on.y == p.y ? 12 - a->opened_on.m + 1 : 12;
    u->pf_standard = a->pf_standard;
    u->user_type = a->user_type;

    /* price it: with time-of-use windows the split comes from interval data (bill.h) */
    struct err qe = ERR_INIT;
    int64_t iv_max_w = -1; /* -1: intervals not read */
    if (windows && (ret = iv_split(c, t, segs, nsegs, prev_estimated && prev_loaded ? est_wh : NULL,
                                   &vp, u, d, &iv_max_w, err)))
        return ret;
    if (!t) {
        strbuf_addf(&d->reason, "tariff '%s' not found", a->tariff_code);
    } else if (tariff_quote(t, u, &d->q, &qe)) {
        /* a demand tariff and no demand register: the largest interval demand */
        bool retried = false;
        if (qe.code == ERR_INVALID && real && u->demand_w <= 0 &&
            !(total.present & (1u << REG_DEMAND))) {
            bool complete;
            int64_t tou[TOU_N];
            if (iv_max_w < 0 &&
                (ret = iv_collect(c, NULL, segs, nsegs, &d->reads, tou, &iv_max_w, &complete, err)))
                return ret;
            if (iv_max_w > 0) {
                u->demand_w = iv_max_w;
                qe = (struct err)ERR_INIT;
                retried = !tariff_quote(t, u, &d->q, &qe);
            }
        }
        if (retried) {
            d->quoted = true;
        } else {
            if (d->reason.len)
                strbuf_addstr(&d->reason, "; ");
            strbuf_addf(&d->reason, "cannot price: %s", qe.msg);
        }
    } else {
        d->quoted = true;
    }
    bill_usage_encode(u, &d->usage);
    if (!d->quoted) {
        d->q.nlines = 0;
        d->q.total_fen = 0;
        d->q.energy_wh = u->total_wh;
        d->status = "review";
        d->failed = true;
    } else {
        d->failed = false;
    }

    /* review rules */
    add_reasons(&d->reason, d->vee_flags,
                VEE_FAILED | VEE_ESTIMATED | VEE_SPIKE | VEE_ZERO | VEE_ROLLOVER);
    if (d->quoted) {
        if (d->q.total_fen < 0)
            strbuf_addstr(&d->reason, d->reason.len ? "; negative bill" : "negative bill");
        else if (d->q.total_fen == 0 && !(d->vee_flags & VEE_ZERO))
            strbuf_addstr(&d->reason, d->reason.len ? "; zero bill" : "zero bill");
        if (env->policy->review_multiple_pct && n12 >= 3 && sum_fen > 0) {
            /* total > avg x pct/100  <=>  total x n x 100 > sum x pct (exact) */
            __extension__ __int128 lhs = (__int128)d->q.total_fen * n12 * 100;
            __extension__ __int128 rhs = (__int128)sum_fen * env->policy->review_multiple_pct;
            if (lhs > rhs) {
                char m1[MONEY_BUF_SIZE];
                if (d->reason.len)
                    strbuf_addstr(&d->reason, "; ");
                strbuf_addf(&d->reason, "above %d.%02dx the %" PRId64 "-bill average of %s",
                            env->policy->review_multiple_pct / 100,
                            env->policy->review_multiple_pct % 100, n12,
                            money_format(sum_fen / n12, m1));
            }
        }
    }
    if (d->reason.len)
        d->status = "review";
    return 0;
}

/* ---- writing ---- */

void bill_batch_init(struct bill_batch *b)
{
    memset(b, 0, sizeof(*b));
}

void bill_batch_reset(struct bill_batch *b)
{
    arena_reset(&b->arena);
    VEC_CLEAR(&b->bills);
    VEC_CLEAR(&b->lines);
}

void bill_batch_release(struct bill_batch *b)
{
    arena_release(&b->arena);
    VEC_FREE(&b->bills);
    VEC_FREE(&b->lines);
}

static const char *batch_str(struct bill_batch *b, const struct strbuf *sb)
{
    return arena_strndup(&b->arena, sb->buf, sb->len);
}

static const char *batch_date(struct bill_batch *b, struct date d)
{
    char buf[DATE_BUF_SIZE];
    return date_is_valid(d) ? arena_strndup(&b->arena, fmt_date(d, buf), 10) : NULL;
}

void bill_batch_add(struct bill_batch *b, int64_t run_id, int64_t account_id,
                    const char *tariff_code, const char *kind, int64_t adjusts,
                    const struct bill_draft *d)
{
    char pb[PERIOD_BUF_SIZE];
    struct strbuf tmp = STRBUF_INIT;
    struct bill_out o;

    o.id = 0;
    o.run_id = run_id;
    o.account_id = account_id;
    o.adjusts = adjusts;
    o.period = arena_strndup(&b->arena, fmt_period(d->u.period, pb), 7);
    o.kind = kind;
    o.status = d->status;
    o.tariff_code = arena_strdup(&b->arena, tariff_code);
    o.read_from = batch_date(b, d->read_from);
    o.read_to = batch_date(b, d->read_to);
    o.reason = d->reason.len ? batch_str(b, &d->reason) : NULL;
    o.usage = batch_str(b, &d->usage);
    o.reads = batch_str(b, &d->reads);
    o.note = d->note ? arena_strdup(&b->arena, d->note) : NULL;
    o.energy_wh = d->q.energy_wh;
    o.total_fen = d->q.total_fen;
    o.vee_flags = d->vee_flags;
    o.first_line = b->lines.n;
    o.nlines = d->q.nlines;
    for (int i = 0; i < d->q.nlines; i++) {
        const struct quote_line *l = &d->q.lines[i];
        struct bill_out_line ol;
        ol.item = line_item_name(l->item);
        ol.code = l->code ? l->code : ol.item;
        ol.name = l->name_zh ? l->name_zh : "";
        if (l->detail[0]) {
            strbuf_reset(&tmp);
            strbuf_addstr(&tmp, l->rule ? l->rule : "");
            strbuf_addstr(&tmp, tmp.len ? ": " : "");
            strbuf_addstr(&tmp, l->detail);
            ol.rule = batch_str(b, &tmp);
        } else {
            ol.rule = l->rule ? l->rule : "";
        }
        ol.version = date_is_valid(l->version) ? batch_date(b, l->version) : "";
        ol.unit = qty_unit_name(l->unit);
        ol.qty = l->qty;
        ol.price_e8 = l->price_e8;
        ol.amount_fen = l->amount_fen;
        strbuf_reset(&tmp);
        bill_parts_encode(l, &tmp);
        ol.parts = batch_str(b, &tmp);
        VEC_PUSH(&b->lines, ol);
    }
    VEC_PUSH(&b->bills, o);
    strbuf_release(&tmp);
}

static void bind_id_or_null(struct store_stmt *st, int idx, int64_t v)
{
    if (v)
        store_bind_i64(st, idx, v);
    else
        store_bind_null(st, idx);
}

/* Bind bill `o` as row `row` of a statement of 18 columns per row. */
static void bind_bill(struct store_stmt *st, int row, const struct bill_out *o, int64_t now)
{
    int k = row * 18;
    store_bind_i64(st, k + 1, o->id);
    bind_id_or_null(st, k + 2, o->run_id);
    store_bind_i64(st, k + 3, o->account_id);
    store_bind_text(st, k + 4, o->period);
    store_bind_text(st, k + 5, o->kind);
    store_bind_text(st, k + 6, o->status);
    bind_id_or_null(st, k + 7, o->adjusts);
    store_bind_text(st, k + 8, o->tariff_code);
    store_bind_text(st, k + 9, o->read_from);
    store_bind_text(st, k + 10, o->read_to);
    store_bind_i64(st, k + 11, o->energy_wh);
    store_bind_i64(st, k + 12, o->total_fen);
    store_bind_i64(st, k + 13, o->vee_flags);
    store_bind_text(st, k + 14, o->reason);
    store_bind_text(st, k + 15, o->usage);
    store_bind_text(st, k + 16, o->reads);
    store_bind_text(st, k + 17, o->note);
    store_bind_i64(st, k + 18, now);
}

/* Bind line number `line_no` of bill `bill_id` as row `row` of 12 columns per row. */
static void bind_line(struct store_stmt *st, int row, int64_t bill_id, int line_no,
                      const struct bill_out_line *l)
{
    int k = row * 12;
    store_bind_i64(st, k + 1, bill_id);
    store_bind_i64(st, k + 2, line_no);
    store_bind_text(st, k + 3, l->item);
    store_bind_text(st, k + 4, l->code);
    store_bind_text(st, k + 5, l->name);
    store_bind_text(st, k + 6, l->rule);
    store_bind_text(st, k + 7, l->version);
    store_bind_text(st, k + 8, l->unit);
    store_bind_i64(st, k + 9, l->qty);
    store_bind_i64(st, k + 10, l->price_e8);
    store_bind_i64(st, k + 11, l->amount_fen);
    store_bind_text(st, k + 12, l->parts);
}

#define BILL_ROWS 16 /* rows per Q_BILL_INSERT16 / Q_BILL_LINE_INSERT16 */

/* A line by its position in the batch: bill index and line within it. */
struct line_ref {
    size_t bill;
    int k;
};

static bool next_line(const struct bill_batch *b, struct line_ref *r)
{
    while (r->bill < b->bills.n && r->k >= b->bills.v[r->bill].nlines) {
        r->bill++;
        r->k = 0;
    }
    return r->bill < b->bills.n;
}

int bill_batch_write(struct ctx *c, struct bill_batch *b, struct err *err)
{
    struct store_stmt *st;
    int64_t now = ctx_now(c);
    size_t n = 0, i = 0;
    struct line_ref lr = { 0, 0 };
    int ret;

    if (!b->bills.n)
        return 0;
    /* ids first: the lines need them, and neither bulk load can return them */
    st = store_q(c->db, Q_BILL_NEW_IDS);
    store_bind_i64(st, 1, (int64_t)b->bills.n);
    while ((ret = store_step(st, err)) == STORE_ROW && n < b->bills.n)
        b->bills.v[n++].id = store_col_i64(st, 0);
    store_reset(st);
    if (ret < 0)
        return ret;
    if (n != b->bills.n)
        return error(err, ERR_INTERNAL, "got %zu new bill ids for %zu bills", n, b->bills.n);

    /* SQLite: BILL_ROWS rows per statement while there are that many, then one by one */
    if (store_kind(c->db) == STORE_SQLITE) {
        st = store_q(c->db, Q_BILL_INSERT16);
        for (; i + BILL_ROWS <= b->bills.n; i += BILL_ROWS) {
            for (int r = 0; r < BILL_ROWS; r++)
                bind_bill(st, r, &b->bills.v[i + (size_t)r], now);
            if ((ret = store_exec(st, err)))
                return ret;
        }
    }
    if (i < b->bills.n) {
        if ((ret = store_bulk_begin(c->db, Q_BILL_BULK, &st, err)))
            return ret;
        for (; i < b->bills.n && !ret; i++) {
            bind_bill(st, 0, &b->bills.v[i], now);
            ret = store_bulk_add(st, err);
        }
        if (ret) {
            store_bulk_end(st, true, NULL, err);
            return ret;
        }
        if ((ret = store_bulk_end(st, false, NULL, err)))
            return ret;
    }

    if (store_kind(c->db) == STORE_SQLITE) {
        st = store_q(c->db, Q_BILL_LINE_INSERT16);
        for (;;) {
            struct line_ref probe = lr;
            int r = 0;
            /* are there BILL_ROWS lines left? */
            for (; r < BILL_ROWS && next_line(b, &probe); r++)
                probe.k++;
            if (r < BILL_ROWS)
                break;
            for (r = 0; r < BILL_ROWS && next_line(b, &lr); r++, lr.k++) {
                const struct bill_out *o = &b->bills.v[lr.bill];
                bind_line(st, r, o->id, lr.k + 1, &b->lines.v[o->first_line + (size_t)lr.k]);
            }
            if ((ret = store_exec(st, err)))
                return ret;
        }
    }
    if (!next_line(b, &lr))
        return 0;
    if ((ret = store_bulk_begin(c->db, Q_BILL_LINE_BULK, &st, err)))
        return ret;
    for (; next_line(b, &lr) && !ret; lr.k++) {
        const struct bill_out *o = &b->bills.v[lr.bill];
        bind_line(st, 0, o->id, lr.k + 1, &b->lines.v[o->first_line + (size_t)lr.k]);
        ret = store_bulk_add(st, err);
    }
    if (ret) {
        store_bulk_end(st, true, NULL, err);
        return ret;
    }
    return store_bulk_end(st, false, NULL, err);
}

int bill_write(struct ctx *c, int64_t run_id, int64_t account_id, const char *tariff_code,
               const char *kind, int64_t adjusts, const struct bill_draft *d, int64_t *id,
               struct err *err)
{
    struct bill_batch b;
    int ret;
    bill_batch_init(&b);
    bill_batch_add(&b, run_id, account_id, tariff_code, kind, adjusts, d);
    ret = bill_batch_write(c, &b, err);
    *id = ret ? 0 : b.bills.v[0].id;
    bill_batch_release(&b);
    return ret;
}

void bill_draft_init(struct bill_draft *d)
{
    memset(d, 0, sizeof(*d));
    strbuf_init(&d->usage, 512);
    strbuf_init(&d->reads, 256);
    strbuf_init(&d->reason, 64);
}

void bill_draft_release(struct bill_draft *d)
{
    strbuf_release(&d->usage);
    strbuf_release(&d->reads);
    strbuf_release(&d->reason);
}

/* ---- the run ---- */

/* What the reading side needs to produce pages (one per run). */
struct run_src {
    const struct bill_run_opts *o;
    const struct bill_env *env;
    int64_t org_id, run_id, cursor;
    bool had_runs; /* earlier runs of the period: skip issued accounts, replace drafts */
    int limit;
};

/* A computed page, ready to write: its bills, the accounts' ids (to replace their drafts) and
 * the run's new cursor and counters. */
struct run_slot {
    struct bill_batch batch;
    struct strbuf ids;
    size_t naccts; /* accounts of the page (0: no more pages) */
    int64_t cursor, n_acc, n_rev, fen, wh, failed, skipped;
};

static void slot_init(struct run_slot *sl)
{
    memset(sl, 0, sizeof(*sl));
    bill_batch_init(&sl->batch);
    strbuf_init(&sl->ids, 0);
}

static void slot_release(struct run_slot *sl)
{
    bill_batch_release(&sl->batch);
    strbuf_release(&sl->ids);
}

static int load_page(struct ctx *c, struct bill_page *pg, int64_t after, int cycle_day,
                     int64_t org_id, struct period p, int limit, struct err *err)
{
    char hi[DATE_BUF_SIZE], lo[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_BILL_ACCOUNTS_PAGE);
    int ret;
    VEC_CLEAR(&pg->accts);
    store_bind_i64(st, 1, after);
    store_bind_i64(st, 2, cycle_day);
    store_bind_i64(st, 3, org_id);
    store_bind_text(st, 4, fmt_date(period_last_day(p), hi));
    store_bind_text(st, 5, fmt_date(period_first_day(p), lo));
    store_bind_i64(st, 6, limit);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct bill_acct a;
        acct_from_row(st, &a);
        VEC_PUSH(&pg->accts, a);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

/* Read and compute the next page after src->cursor into `sl` (sl->naccts 0 at the end). */
static int produce_page(struct ctx *c, struct run_src *src, struct bill_page *pg,
                        struct bill_draft *d, struct run_slot *sl, struct err *err)
{
    const struct bill_run_opts *o = src->o;
    int ret;

    bill_batch_reset(&sl->batch);
    strbuf_reset(&sl->ids);
    sl->naccts = 0;
    sl->n_acc = sl->n_rev = sl->fen = sl->wh = sl->failed = sl->skipped = 0;
    if ((ret =
             load_page(c, pg, src->cursor, o->cycle_day, src->org_id, o->period, src->limit, err)))
        return ret;
    if (!pg->accts.n)
        return 0;
    if ((ret = bill_load_stays(c, pg, o->period, err)) ||
        (ret = bill_page_prefetch(c, pg, o->period, src->had_runs && !o->dry_run, err)))
        return ret;
    for (size_t i = 0; i < pg->accts.n; i++) {
        const struct bill_acct *a = &pg->accts.v[i];
        arena_reset(c->arena);
        if (a->issued) {
            sl->skipped++;
            continue;
        }
        if ((ret = bill_compute(c, src->env, pg, a, d, err)))
            return ret;
        sl->n_acc++;
        if (!strcmp(d->status, "review"))
            sl->n_rev++;
        if (d->failed)
            sl->failed++;
        sl->fen += d->q.total_fen;
        sl->wh += d->q.energy_wh;
        if (!o->dry_run)
            bill_batch_add(&sl->batch, src->run_id, a->id, a->tariff_code, "regular", 0, d);
    }
    strbuf_add(&sl->ids, pg->ids.buf, pg->ids.len);
    sl->naccts = pg->accts.n;
    sl->cursor = src->cursor = pg->accts.v[pg->accts.n - 1].id;
    return 0;
}

/* Write a page with the run's cursor in one transaction and count it into r. */
static int write_page(struct ctx *c, const struct run_src *src, struct run_slot *sl,
                      struct bill_run_result *r, struct err *err)
{
    char pb[PERIOD_BUF_SIZE];
    int64_t replaced = 0;
    int ret;

    if (!src->o->dry_run) {
        struct store_stmt *st;
        if ((ret = store_begin(c->db, err)))
            return ret;
        if (src->had_runs) {
            /* earlier drafts of these accounts (not the issued ones) */
            st = store_q(c->db, Q_BILL_DELETE_DRAFTS);
            store_bind_text(st, 1, sl->ids.buf);
            store_bind_text(st, 2, period_format(src->o->period, pb));
            if (!(ret = store_exec(st, err)))
                replaced = store_changes(st);
        }
        if (!ret)
            ret = bill_batch_write(c, &sl->batch, err);
        if (!ret) {
            st = store_q(c->db, Q_BILL_RUN_PROGRESS);
            store_bind_i64(st, 1, src->run_id);
            store_bind_i64(st, 2, sl->cursor);
            store_bind_i64(st, 3, sl->n_acc);
            store_bind_i64(st, 4, sl->n_rev);
            store_bind_i64(st, 5, sl->fen);
            store_bind_i64(st, 6, sl->wh);
            ret = store_exec(st, err);
        }
        if (!ret)
            ret = store_commit(c->db, err);
        else
            store_rollback(c->db);
        if (ret)
            return ret;
    }
    r->replaced += replaced;
    r->accounts += sl->n_acc;
    r->in_review += sl->n_rev;
    r->failed += sl->failed;
    r->skipped += sl->skipped;
    r->total_fen += sl->fen;
    r->energy_wh += sl->wh;
    return 0;
}

/*
 * The two-thread pipeline: the producer reads and computes pages on its own connection into a
 * ring of RUN_SLOTS slots; the writer (the caller's thread and connection, which holds the run's
 * lock) writes them in order. A slot is reused only after it was written, so at most RUN_SLOTS
 * pages of bills exist at a time.
 */
#define RUN_SLOTS 3

struct run_pipe {
    struct run_src *src;
    struct ctx rc; /* the producer's context: its own connection and arena */
    struct arena arena;
    struct run_slot slots[RUN_SLOTS];
    pthread_mutex_t mu;
    pthread_cond_t produced, consumed;
    size_t head, tail; /* slots written / slots produced */
    bool stop;         /* the writer gave up */
    bool done;         /* the producer finished (end of pages or error) */
    int rc_err;        /* the producer's error */
    struct err err;
};

static void *pipe_produce(void *arg)
{
    struct run_pipe *p = arg;
    struct bill_page pg;
    struct bill_draft d;
    struct err err = ERR_INIT;
    int ret = 0;

    bill_page_init(&pg);
    bill_draft_init(&d);
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->stop && p->tail - p->head == RUN_SLOTS)
            pthread_cond_wait(&p->consumed, &p->mu);
        bool stop = p->stop;
        struct run_slot *sl = &p->slots[p->tail % RUN_SLOTS];
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        ret = produce_page(&p->rc, p->src, &pg, &d, sl, &err);
        pthread_mutex_lock(&p->mu);
        if (!ret)
            p->tail++;
        pthread_cond_signal(&p->produced);
        pthread_mutex_unlock(&p->mu);
        if (ret || !sl->naccts)
            break;
    }
    pthread_mutex_lock(&p->mu);
    p->done = true;
    if (ret) {
        p->rc_err = ret;
        p->err = err;
    }
    pthread_cond_signal(&p->produced);
    pthread_mutex_unlock(&p->mu);
    bill_draft_release(&d);
    bill_page_release(&pg);
    return NULL;
}

/* Run the pages through two threads; `peer` is the producer's connection. */
static int run_piped(struct ctx *c, struct store *peer, struct run_src *src,
                     struct bill_run_result *r, int64_t total, struct err *err)
{
    struct run_pipe p;
    pthread_t th;
    int64_t done = 0;
    int ret = 0;

    memset(&p, 0, sizeof(p));
    p.src = src;
    p.rc = *c;
    p.rc.db = peer;
    p.rc.arena = &p.arena;
    p.rc.cache = NULL; /* the producer looks nothing up through the context */
    p.err = (struct err)ERR_INIT;
    for (int i = 0; i < RUN_SLOTS; i++)
        slot_init(&p.slots[i]);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.produced, NULL);
    pthread_cond_init(&p.consumed, NULL);
    if (pthread_create(&th, NULL, pipe_produce, &p)) {
        ret = error(err, ERR_INTERNAL, "cannot start the bill run's reader thread: %s",
                    strerror(errno));
        goto out;
    }
    for (;;) {
        pthread_mutex_lock(&p.mu);
        while (p.head == p.tail && !p.done)
            pthread_cond_wait(&p.produced, &p.mu);
        bool have = p.head != p.tail;
        struct run_slot *sl = &p.slots[p.head % RUN_SLOTS];
        pthread_mutex_unlock(&p.mu);
        if (!have)
            break; /* done, with or without an error */
        if (!sl->naccts)
            break; /* the end of the pages */
        if ((ret = write_page(c, src, sl, r, err)))
            break;
        done += (int64_t)sl->naccts;
        pthread_mutex_lock(&p.mu);
        p.head++;
        pthread_cond_signal(&p.consumed);
        pthread_mutex_unlock(&p.mu);
        if (src->o->progress)
            src->o->progress(src->o->progress_arg, done, total);
    }
    pthread_mutex_lock(&p.mu);
    p.stop = true;
    pthread_cond_signal(&p.consumed);
    pthread_mutex_unlock(&p.mu);
    pthread_join(th, NULL);
    if (!ret && p.rc_err) {
        *err = p.err;
        ret = p.rc_err;
    }
out:
    for (int i = 0; i < RUN_SLOTS; i++)
        slot_release(&p.slots[i]);
    arena_release(&p.arena);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.produced);
    pthread_cond_destroy(&p.consumed);
    return ret;
}

/* The same on one connection, a page read and then written (dry runs, in-memory databases). */
static int run_serial(struct ctx *c, struct run_src *src, struct bill_run_result *r, int64_t total,
                      struct err *err)
{
    struct bill_page pg;
    struct bill_draft d;
    struct run_slot sl;
    int64_t done = 0;
    int ret;

    bill_page_init(&pg);
    bill_draft_init(&d);
    slot_init(&sl);
    while (!(ret = produce_page(c, src, &pg, &d, &sl, err)) && sl.naccts) {
        if ((ret = write_page(c, src, &sl, r, err)))
            break;
        done += (int64_t)sl.naccts;
        if (src->o->progress)
            src->o->progress(src->o->progress_arg, done, total);
    }
    slot_release(&sl);
    bill_draft_release(&d);
    bill_page_release(&pg);
    return ret;
}

static int run_open(struct ctx *c, const struct bill_run_opts *o, int64_t org_id,
                    struct bill_run_result *r, int64_t *cursor, bool *had_runs, struct err *err)
{
    char pb[PERIOD_BUF_SIZE];
    struct store_stmt *st;
    int ret;

    st = store_q(c->db, Q_BILL_RUN_ANY);
    store_bind_text(st, 1, period_format(o->period, pb));
    if ((ret = store_one(st, err)))
        return ret;
    *had_runs = store_col_i64(st, 0) > 0;
    store_reset(st);
    *cursor = 0;
    if (o->dry_run)
        return 0;

    st = store_q(c->db, Q_BILL_RUN_OPEN);
    store_bind_text(st, 1, pb);
    store_bind_i64(st, 2, org_id);
    store_bind_i64(st, 3, o->cycle_day);
    ret = store_one(st, err);
    if (ret && ret != ERR_NOT_FOUND)
        return ret;
    if (!ret) {
        int64_t id = store_col_i64(st, 0);
        bool running = !strcmp(store_col_text(st, 1), "running");
        if (running && !o->restart) {
            r->run_id = id;
            r->resumed = true;
            *cursor = store_col_i64(st, 2);
            r->accounts = store_col_i64(st, 3);
            r->in_review = store_col_i64(st, 4);
            r->total_fen = store_col_i64(st, 5);
            r->energy_wh = store_col_i64(st, 6);
            store_reset(st);
            return 0;
        }
        store_reset(st);
        if (running) {
            st = store_q(c->db, Q_BILL_RUN_RESTART);
            store_bind_i64(st, 1, id);
            store_bind_i64(st, 2, ctx_now(c));
            store_bind_text(st, 3, c->actor);
            r->run_id = id;
            return store_exec(st, err);
        }
        st = store_q(c->db, Q_BILL_RUN_STATUS);
        store_bind_i64(st, 1, id);
        store_bind_text(st, 2, "replaced");
        store_bind_i64(st, 3, ctx_now(c));
        if ((ret = store_exec(st, err)))
            return ret;
    }
    st = store_q(c->db, Q_BILL_RUN_INSERT);
    store_bind_text(st, 1, pb);
    if (org_id)
        store_bind_i64(st, 2, org_id);
    else
        store_bind_null(st, 2);
    store_bind_i64(st, 3, o->cycle_day);
    store_bind_i64(st, 4, ctx_now(c));
    store_bind_text(st, 5, c->actor);
    if ((ret = store_one(st, err)))
        return ret;
    r->run_id = store_col_i64(st, 0);
    store_reset(st);
    return 0;
}

static int count_accounts(struct ctx *c, int64_t after, const struct bill_run_opts *o,
                          int64_t org_id, int64_t *n, struct err *err)
{
    char hi[DATE_BUF_SIZE], lo[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_BILL_ACCOUNTS_COUNT);
    int ret;
    store_bind_i64(st, 1, after);
    store_bind_i64(st, 2, o->cycle_day);
    store_bind_i64(st, 3, org_id);
    store_bind_text(st, 4, fmt_date(period_last_day(o->period), hi));
    store_bind_text(st, 5, fmt_date(period_first_day(o->period), lo));
    if ((ret = store_one(st, err)))
        return ret;
    *n = store_col_i64(st, 0);
    store_reset(st);
    return 0;
}

int bill_run(struct ctx *c, const struct bill_run_opts *o, struct bill_run_result *r,
             struct err *err)
{
    char pb[PERIOD_BUF_SIZE], lockname[64], what[64];
    struct bill_policy defpol;
    struct bill_env env;
    struct run_src src;
    struct store *peer = NULL;
    int64_t total = 0;
    bool locked = false;
    int ret;

    memset(r, 0, sizeof(*r));
    memset(&src, 0, sizeof(src));
    if (!o->policy)
        bill_policy_default(&defpol);
    env.policy = o->policy ? o->policy : &defpol;
    env.period = o->period;
    env.tariffs = NULL;
    if (o->cycle_day < 0 || o->cycle_day > 28) {
        error(err, ERR_INVALID, "reading day %d is out of range (1..28)", o->cycle_day);
        return err_field(err, "cycle_day");
    }
    src.o = o;
    src.env = &env;
    src.limit = env.policy->batch > 0 ? env.policy->batch : 1000;
    if (o->org_code && (ret = ctx_org_id(c, o->org_code, &src.org_id, err)))
        return ret;
    period_format(o->period, pb);
    snprintf(lockname, sizeof(lockname), "bill-run-%s", pb);
    snprintf(what, sizeof(what), "a bill run for %s", pb);
    if ((ret = store_lock_try(c->db, lockname, what, err)))
        return ret;
    locked = true;
    if ((ret = tariff_set_load(c, &env.tariffs, err)))
        goto out;
    if ((ret = store_begin(c->db, err)))
        goto out;
    ret = run_open(c, o, src.org_id, r, &src.cursor, &src.had_runs, err);
    if (!ret)
        ret = store_commit(c->db, err);
    else
        store_rollback(c->db);
    if (ret)
        goto out;
    src.run_id = r->run_id;
    if ((ret = count_accounts(c, src.cursor, o, src.org_id, &total, err)))
        goto out;

    /* a dry run writes nothing, so a second thread would only wait */
    if (!o->dry_run) {
        struct err e2 = ERR_INIT;
        if (store_open_peer(c->db, &peer, &e2))
            log_debug("bill run on one connection: %s", e2.msg);
    }
    ret = peer ? run_piped(c, peer, &src, r, total, err) : run_serial(c, &src, r, total, err);
    if (ret)
        goto out;
    if (!o->dry_run) {
        char detail[160];
        struct audit_rec ar = { "bill.run", "bill_run", NULL, NULL, NULL, detail };
        char key[32];
        snprintf(key, sizeof(key), "%" PRId64, r->run_id);
        ar.entity_key = key;
        snprintf(detail, sizeof(detail),
                 "period %s: %" PRId64 " bills, %" PRId64 " in review, %" PRId64
                 " replaced, %" PRId64 " skipped",
                 pb, r->accounts, r->in_review, r->replaced, r->skipped);
        if ((ret = store_begin(c->db, err)))
            goto out;
        struct store_stmt *st = store_q(c->db, Q_BILL_RUN_STATUS);
        store_bind_i64(st, 1, r->run_id);
        store_bind_text(st, 2, "computed");
        store_bind_i64(st, 3, ctx_now(c));
        ret = store_exec(st, err);
        if (!ret)
            ret = audit_append(c, &ar, err);
        if (!ret)
            ret = store_commit(c->db, err);
        else
            store_rollback(c->db);
    }
out:
    if (peer)
        store_close(peer);
    if (env.tariffs)
        tariff_set_free(env.tariffs);
    if (locked)
        store_unlock(c->db, lockname);
    return ret;
}
