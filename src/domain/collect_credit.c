/*
 * Credit rating (信用评级, manual 3.4): a score from an account's payment history over the 12
 * months to the end of a period — share of bills paid on time, days late, arrears, reversed
 * payments, disconnections — mapped to grades that are data (credit_grade: A/B/C/D, and which
 * grades need a deposit). The score is documented in doc/credit-rating.md; change both together.
 * The grade drives the reminder schedule (remind_step.grades). Called by cmd_credit.c.
 */
#include "domain/collect.h"

#include "core/common.h"
#include "core/money.h"
#include "core/xalloc.h"
#include "domain/audit.h"
#include "domain/ledger.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* round(a / b) half up, for a ≥ 0, b > 0 */
static int64_t div_round(int64_t a, int64_t b)
{
    return (a + b / 2) / b;
}

static void reason(struct credit_score *o, int64_t points, const char *fmt, ...)
    PMIS_PRINTF(3, 4);
static void reason(struct credit_score *o, int64_t points, const char *fmt, ...)
{
    if (o->nreasons >= CREDIT_REASONS)
        return;
    char *buf = o->reasons[o->nreasons++];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(o->reasons[0]), fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof(o->reasons[0]))
        snprintf(buf + n, sizeof(o->reasons[0]) - (size_t)n, "：-%" PRId64, points);
}

void collect_credit_score(const struct credit_inputs *in, struct credit_score *o)
{
    int64_t total = 0, d;
    char m[MONEY_BUF_SIZE];
    memset(o, 0, sizeof(*o));
    /* 1. on time: up to 40 points, in proportion to the bills not paid by their due date */
    if (in->bills > 0 && in->on_time < in->bills) {
        d = div_round(40 * (in->bills - in->on_time), in->bills);
        total += d;
        reason(o, d, "按期缴费 %" PRId64 "/%" PRId64 " 笔", in->on_time, in->bills);
    }
    /* 2. days late: the average over the late bills, a point per 3 days, up to 20 */
    if (in->late_bills > 0 && in->late_days > 0) {
        d = MIN(20, div_round(in->late_days, 3 * in->late_bills));
        total += d;
        reason(o, d, "平均逾期 %" PRId64 " 天", div_round(in->late_days, in->late_bills));
    }
    /* 3. arrears at the end of the period: 10 points per average bill owed, up to 20 */
    if (in->arrears_fen > 0) {
        d = in->avg_bill_fen > 0 ? MIN(20, div_round(10 * in->arrears_fen, in->avg_bill_fen)) : 20;
        total += d;
        reason(o, d, "期末欠费 %s 元", money_format(in->arrears_fen, m));
    }
    /* 4. reversed payments (bounced): 10 each, up to 20 */
    if (in->reversals > 0) {
        d = MIN(20, 10 * in->reversals);
        total += d;
        reason(o, d, "冲正（退票） %" PRId64 " 次", in->reversals);
    }
    /* 5. disconnections for arrears: 15 each, up to 30 */
    if (in->disconnections > 0) {
        d = MIN(30, 15 * in->disconnections);
        total += d;
        reason(o, d, "欠费停电 %" PRId64 " 次", in->disconnections);
    }
    o->score = MAX(0, 100 - total);
    /* 6. no bill due in the window: no history to earn the top grade with */
    if (!in->bills && o->score > 80) {
        reason(o, o->score - 80, "无到期账单，新户起评");
        o->score = 80;
    }
}

const char *collect_grade_of(const struct credit_grade_def *g, int n, int64_t score)
{
    for (int i = 0; i < n; i++)
        if (score >= g[i].min_score)
            return g[i].grade;
    return "";
}

static int load_grades(struct ctx *c, struct credit_run *r, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_COLLECT_GRADES);
    int ret;
    r->ngrades = 0;
    while ((ret = store_step(st, err)) == STORE_ROW && r->ngrades < CREDIT_GRADES_MAX) {
        struct credit_grade_def *g = &r->grades[r->ngrades++];
        snprintf(g->grade, sizeof(g->grade), "%s", store_col_text(st, 0));
        g->min_score = store_col_i64(st, 1);
        g->deposit_required = store_col_i64(st, 2) != 0;
        snprintf(g->name, sizeof(g->name), "%s", store_col_text(st, 3));
    }
    store_reset(st);
    if (ret < 0)
        return ret;
    if (!r->ngrades)
        return error(err, ERR_CONFIG, "no credit grades are defined (table credit_grade)");
    return 0;
}

struct acc_in {
    int64_t id;
    struct credit_inputs in;
    int64_t billed_fen;
};

static struct acc_in *find(struct acc_in *v, int n, int64_t id)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (v[mid].id == id)
            return &v[mid];
        if (v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

/* Run a per-account count query over the page and add column 1 into the field at `off`. */
static int page_counts(struct ctx *c, enum query_id q, struct acc_in *v, int n, int64_t lo,
                       int64_t hi, const char *a3, int64_t i3, const char *a4, int64_t i4,
                       size_t off, struct err *err)
{
    struct store_stmt *st = store_q(c->db, q);
    int ret;
    store_bind_i64(st, 1, lo);
    store_bind_i64(st, 2, hi);
    if (a3)
        store_bind_text(st, 3, a3), store_bind_text(st, 4, a4);
    else
        store_bind_i64(st, 3, i3), store_bind_i64(st, 4, i4);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct acc_in *a = find(v, n, store_col_i64(st, 0));
        if (a)
            *(int64_t *)((char *)&a->in + off) += store_col_i64(st, 1);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

static int rate_page(struct ctx *c, struct acc_in *v, int n, int64_t lo, const char *period,
                     struct date start, struct date end, const struct tz *tz, struct credit_run *r,
                     struct err *err)
{
    char sd[DATE_BUF_SIZE], ed[DATE_BUF_SIZE];
    int64_t hi = v[n - 1].id;
    int ret;
    date_format(start, sd);
    date_format(end, ed);
    /* bills due in the window, before the end: on time, days late, the average bill */
    struct store_stmt *st = store_q(c->db, Q_COLLECT_CREDIT_BILLS);
    store_bind_i64(st, 1, lo);
    store_bind_i64(st, 2, hi);
    store_bind_text(st, 3, sd);
    store_bind_text(st, 4, ed);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct acc_in *a = find(v, n, store_col_i64(st, 0));
        struct date due, settled;
        struct err e2;
        if (!a || date_parse(store_col_text(st, 1), &due, &e2))
            continue;
        bool paid = !store_col_null(st, 2) && !date_parse(store_col_text(st, 2), &settled, &e2) &&
                    date_cmp(settled, end) <= 0;
        int32_t late = date_diff_days(due, paid ? settled : end);
        a->in.bills++;
        a->billed_fen += store_col_i64(st, 3);
        if (paid && late <= 0)
            a->in.on_time++;
        else if (late > 0) {
            a->in.late_bills++;
            a->in.late_days += late;
        }
    }
    store_reset(st);
    if (ret < 0)
        return ret;
    /* arrears owed at the end of the window's last day */
    char last[DATE_BUF_SIZE];
    date_format(date_add_days(end, -1), last);
    st = store_q(c->db, Q_COLLECT_CREDIT_ARREARS);
    store_bind_text(st, 1, last);
    store_bind_i64(st, 2, lo);
    store_bind_i64(st, 3, hi);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct acc_in *a = find(v, n, store_col_i64(st, 0));
        if (a)
            a->in.arrears_fen = store_col_i64(st, 1);
    }
    store_reset(st);
    if (ret < 0)
        return ret;
    if ((ret = page_counts(c, Q_COLLECT_CREDIT_REVERSALS, v, n, lo, hi, sd, 0, last, 0,
                           offsetof(struct credit_inputs, reversals), err)) ||
        (ret = page_counts(c, Q_COLLECT_CREDIT_DISCONNECTS, v, n, lo, hi, NULL,
                           tz_day_start(tz, start), NULL, tz_day_start(tz, end),
                           offsetof(struct credit_inputs, disconnections), err)))
        return ret;
    for (int i = 0; i < n; i++) {
        struct acc_in *a = &v[i];
        struct credit_score sc;
        struct strbuf why = STRBUF_INIT;
        if (a->in.bills)
            a->in.avg_bill_fen = div_round(a->billed_fen, a->in.bills);
        collect_credit_score(&a->in, &sc);
        const char *grade = collect_grade_of(r->grades, r->ngrades, sc.score);
        for (int k = 0; k < sc.nreasons; k++) {
            if (k)
                strbuf_addstr(&why, "；");
            strbuf_addstr(&why, sc.reasons[k]);
        }
        for (int k = 0; k < r->ngrades; k++)
            if (!strcmp(r->grades[k].grade, grade))
                r->by_grade[k]++;
        r->accounts++;
        st = store_q(c->db, Q_COLLECT_RATING_SET);
        store_bind_i64(st, 1, a->id);
        store_bind_text(st, 2, period);
        store_bind_i64(st, 3, sc.score);
        store_bind_text(st, 4, grade);
        store_bind_i64(st, 5, a->in.bills);
        store_bind_i64(st, 6, a->in.on_time);
        store_bind_i64(st, 7, a->in.late_days);
        store_bind_i64(st, 8, a->in.late_bills);
        store_bind_i64(st, 9, a->in.arrears_fen);
        store_bind_i64(st, 10, a->in.avg_bill_fen);
        store_bind_i64(st, 11, a->in.reversals);
        store_bind_i64(st, 12, a->in.disconnections);
        store_bind_text(st, 13, why.buf);
        store_bind_i64(st, 14, ctx_now(c));
        store_bind_text(st, 15, c->actor);
        strbuf_release(&why);
        if ((ret = store_exec(st, err)))
            return ret;
    }
    return 0;
}

int collect_credit_rate(struct ctx *c, struct period p, struct credit_run *r, struct err *err)
{
    char pb[PERIOD_BUF_SIZE], tb[DATE_BUF_SIZE];
    struct date today;
    enum { PAGE = 1000 };
    int ret;

    memset(r, 0, sizeof(*r));
    period_format(p, pb);
    if ((ret = ctx_today(c, &today, err)))
        return ret;
    /* the window: the 12 periods to p, as days [start, end) */
    struct date start = period_first_day(period_add(p, -11));
    struct date end = date_add_days(period_last_day(p), 1);
    if (date_cmp(end, today) > 0)
        return error(err, ERR_INVALID, "period %s is not over yet (today is %s): rate a past month",
                     pb, date_format(today, tb));
    if ((ret = load_grades(c, r, err)))
        return ret;
    struct tz tz;
    if ((ret = tz_load(c->zone_name ? c->zone_name : TZ_DEFAULT, &tz, err)))
        return ret;
    struct acc_in *v = xreallocarray(NULL, PAGE, sizeof(*v));
    int64_t cursor = 0;
    for (bool more = true; more && !ret;) {
        int n = 0;
        if ((ret = store_begin(c->db, err)))
            break;
        struct store_stmt *st = store_q(c->db, Q_COLLECT_CREDIT_ACCOUNTS);
        store_bind_i64(st, 1, cursor);
        store_bind_i64(st, 2, PAGE);
        while ((ret = store_step(st, err)) == STORE_ROW) {
            memset(&v[n], 0, sizeof(v[n]));
            v[n++].id = store_col_i64(st, 0);
        }
        store_reset(st);
        if (ret >= 0)
            ret = 0;
        more = n == PAGE;
        if (!ret && n)
            ret = rate_page(c, v, n, cursor, pb, start, end, &tz, r, err);
        if (n)
            cursor = v[n - 1].id;
        ret = store_end(c->db, ret, err);
    }
    free(v);
    tz_release(&tz);
    if (ret)
        return ret;
    struct strbuf d = STRBUF_INIT;
    strbuf_addf(&d, "%" PRId64 " accounts", r->accounts);
    for (int k = 0; k < r->ngrades; k++)
        strbuf_addf(&d, ", %s %" PRId64, r->grades[k].grade, r->by_grade[k]);
    struct audit_rec ar = { "collect.credit.rate", "credit_rating", pb, NULL, NULL, d.buf };
    if (!(ret = store_begin(c->db, err)))
        ret = store_end(c->db, audit_append(c, &ar, err), err);
    strbuf_release(&d);
    return ret;
}

int collect_credit_show(struct ctx *c, const char *account_no, credit_fn *fn, void *arg,
                        struct err *err)
{
    int64_t id;
    bool closed;
    int ret = ledger_account_find(c, account_no, &id, &closed, err);
    if (ret)
        return ret;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_RATINGS_OF);
    store_bind_i64(st, 1, id);
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct credit_info ci = {
            .period = store_col_text(st, 0),
            .score = store_col_i64(st, 1),
            .grade = store_col_text(st, 2),
            .in = { store_col_i64(st, 3), store_col_i64(st, 4), store_col_i64(st, 5),
                    store_col_i64(st, 6), store_col_i64(st, 7), store_col_i64(st, 8),
                    store_col_i64(st, 9), store_col_i64(st, 10) },
            .reasons = store_col_text(st, 11),
            .rated_at = store_col_i64(st, 12),
            .deposit_required = store_col_i64(st, 13) != 0,
            .grade_name = store_col_null(st, 14) ? "" : store_col_text(st, 14),
        };
        ret = fn(arg, &ci);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

int collect_credit_rated(struct ctx *c, struct period p, bool *rated, struct err *err)
{
    char pb[PERIOD_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_CREDIT_RATED);
    store_bind_text(st, 1, period_format(p, pb));
    int ret = store_one(st, err);
    if (ret)
        return ret;
    *rated = store_col_i64(st, 0) > 0;
    store_reset(st);
    return 0;
}
