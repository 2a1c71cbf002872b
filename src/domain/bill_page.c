/*
 * A bill run's page of accounts (bill_int.h): the accounts, their meter stays, bill history,
 * issued bills and readings of the window fetched with a few queries for the whole page, the
 * per-meter lookups for what the page did not hold, and small formatting helpers.
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

struct date bill_date_or_none(const char *s)
{
    struct date d = { 0, 0, 0 };
    struct err e = ERR_INIT;
    if (s && *s && date_parse(s, &d, &e))
        d = (struct date){ 0, 0, 0 };
    return d;
}

/* The reading date R(P) of an account with reading day `day` (1..28). */
struct date bill_read_date(struct period p, int day)
{
    struct date d = period_first_day(p);
    d.d = day >= 1 && day <= 28 ? day : 1;
    return d;
}

/* "YYYY-MM-DD" without printf (the run formats several dates per bill) into buf. */
char *bill_fmt_date(struct date d, char *buf)
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
char *bill_fmt_period(struct period p, char *buf)
{
    struct date d = { p.y, p.m, 1 };
    bill_fmt_date(d, buf);
    buf[7] = '\0';
    return buf;
}

/* A text column into a fixed buffer, truncated like snprintf("%s") would. */
void bill_col_copy(struct store_stmt *st, int col, char *buf, size_t size)
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

void bill_acct_from_row(struct store_stmt *st, struct bill_acct *a)
{
    memset(a, 0, sizeof(*a));
    a->id = store_col_i64(st, 0);
    bill_col_copy(st, 1, a->account_no, sizeof(a->account_no));
    bill_col_copy(st, 2, a->tariff_code, sizeof(a->tariff_code));
    a->capacity_va = store_col_i64(st, 3);
    a->demand_w = store_col_i64(st, 4);
    a->pf_standard = (int)store_col_i64(st, 5);
    a->cycle_day = (int)store_col_i64(st, 6);
    a->opened_on = bill_date_or_none(store_col_text(st, 7));
    a->closed_on = bill_date_or_none(store_col_null(st, 8) ? NULL : store_col_text(st, 8));
    bill_col_copy(st, 9, a->user_type, sizeof(a->user_type));
}

static void stay_from_row(struct store_stmt *st, struct bill_stay *s)
{
    memset(s, 0, sizeof(*s));
    s->sp_id = store_col_i64(st, 1);
    s->install_id = store_col_i64(st, 2);
    s->meter_id = store_col_i64(st, 3);
    bill_col_copy(st, 4, s->asset_no, sizeof(s->asset_no));
    s->meter.multiplier = store_col_i64(st, 5);
    s->meter.digits = (int)store_col_i64(st, 6);
    s->installed_on = bill_date_or_none(store_col_text(st, 7));
    s->removed_on = bill_date_or_none(store_col_null(st, 8) ? NULL : store_col_text(st, 8));
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
    store_bind_text(st, 3, bill_fmt_date(period_last_day(p), hi));
    store_bind_text(st, 4, bill_fmt_date(period_first_day(period_prev(p)), lo));
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
    out->on = bill_date_or_none(store_col_text(st, first_col));
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
    if (mids.n) /* accounts without meters: an empty vector's data may be NULL */
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
        store_bind_text(st, 2, bill_fmt_date(pg->win_lo, d1));
        store_bind_text(st, 3, bill_fmt_date(pg->win_hi, d2));
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
int bill_install_reads(struct ctx *c, const struct bill_stay *s, const char *event, struct date on,
                       struct read_set *out, bool *found, struct err *err)
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
int bill_last_read(struct ctx *c, const struct bill_page *pg, const struct bill_stay *s,
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
    store_bind_text(st, 2, bill_fmt_date(hi, a));
    store_bind_text(st, 3, bill_fmt_date(lo, b));
    ret = store_step(st, err);
    if (ret == STORE_ROW) {
        read_row(st, 0, out);
        *found = true;
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}
