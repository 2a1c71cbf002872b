/*
 * Arrears figures from the receivables ledger, as it stood at the end of a given day: aging
 * buckets by org subtree or user type, the accounts in arrears (keyset pages), and the
 * collection rate (电费回收率) of billing periods. Read-only; called by cmd_collect.c.
 */
#include "domain/collect.h"

#include "core/common.h"
#include "core/money.h"
#include "core/vec.h"

#include <inttypes.h>
#include <string.h>

const char *const collect_bucket_names[COLLECT_BUCKETS] = { "0-30", "31-60", "61-90", ">90" };

int collect_bucket(int32_t days)
{
    return days <= 30 ? 0 : days <= 60 ? 1 : days <= 90 ? 2 : 3;
}

void collect_bucket_bounds(struct date asof, struct date bounds[COLLECT_BUCKETS - 1])
{
    /* bucket i holds days ≤ 30·(i+1): due_on ≥ asof − 30·(i+1) */
    for (int i = 0; i < COLLECT_BUCKETS - 1; i++)
        bounds[i] = date_add_days(asof, -30 * (i + 1));
}

int64_t collect_rate_bp(int64_t paid_fen, int64_t billed_fen)
{
    int64_t bp;
    struct err e;
    if (billed_fen <= 0 || paid_fen < 0)
        return 0;
    /* exact paid × 10000 / billed, rounded half up (money_mul_ratio never overflows inside) */
    if (money_mul_ratio(paid_fen, 10000, billed_fen, &bp, &e))
        return INT64_MAX;
    return bp;
}

static int scope_org(struct ctx *c, const char *org, int64_t *id, struct err *err)
{
    *id = 0;
    return org ? ctx_org_id(c, org, id, err) : 0;
}

static void bind_opt_id(struct store_stmt *st, int idx, int64_t id)
{
    if (id)
        store_bind_i64(st, idx, id);
    else
        store_bind_null(st, idx);
}

static void add_cell(struct aging_cell *to, const struct aging_cell *x)
{
    to->bills += x->bills;
    to->principal_fen += x->principal_fen;
    to->fee_fen += x->fee_fen;
}

typedef VEC(struct aging_row) aging_vec;

int collect_aging(struct ctx *c, const struct arrears_scope *s, struct aging_report *r,
                  struct err *err)
{
    char d[DATE_BUF_SIZE], b[COLLECT_BUCKETS - 1][DATE_BUF_SIZE];
    struct date bounds[COLLECT_BUCKETS - 1];
    aging_vec rows = VEC_INIT;
    int64_t org_id;
    int ret;

    memset(r, 0, sizeof(*r));
    r->asof = s->asof;
    if ((ret = scope_org(c, s->org, &org_id, err)))
        return ret;
    collect_bucket_bounds(s->asof, bounds);
    struct store_stmt *st =
        store_q(c->db, s->by == COLLECT_BY_TYPE ? Q_COLLECT_AGING_TYPE : Q_COLLECT_AGING_ORG);
    store_bind_text(st, 1, date_format(s->asof, d));
    for (int i = 0; i < COLLECT_BUCKETS - 1; i++)
        store_bind_text(st, 2 + i, date_format(bounds[i], b[i]));
    bind_opt_id(st, 5, org_id);
    store_bind_i64(st, 6, s->depth < 0 ? 0 : s->depth);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        const char *key = store_col_text(st, 0);
        if (!rows.n || strcmp(rows.v[rows.n - 1].key, key)) {
            struct aging_row nr = { 0 };
            nr.key = ctx_col_text(c, st, 0);
            nr.name = ctx_col_text(c, st, 1);
            nr.depth = (int)store_col_i64(st, 2);
            VEC_PUSH(&rows, nr);
        }
        struct aging_row *row = &rows.v[rows.n - 1];
        int64_t bucket = store_col_i64(st, 3);
        if (bucket == COLLECT_BUCKETS) {
            row->accounts = store_col_i64(st, 4);
            continue;
        }
        struct aging_cell cell = { store_col_i64(st, 4), store_col_i64(st, 5),
                                   store_col_i64(st, 6) };
        row->b[bucket] = cell;
        add_cell(&row->total, &cell);
    }
    if (ret < 0)
        goto out;
    ret = 0;
    r->n = rows.n;
    r->rows = arena_alloc(c->arena, (rows.n + 1) * sizeof(*r->rows));
    if (rows.n)
        memcpy(r->rows, rows.v, rows.n * sizeof(*r->rows));
    r->total.key = "total";
    r->total.name = "合计";
    for (size_t i = 0; i < rows.n; i++) {
        const struct aging_row *x = &rows.v[i];
        if (x->depth) /* org rows below the scope are inside its own row already */
            continue;
        r->total.accounts += x->accounts;
        for (int k = 0; k < COLLECT_BUCKETS; k++)
            add_cell(&r->total.b[k], &x->b[k]);
        add_cell(&r->total.total, &x->total);
    }
out:
    VEC_FREE(&rows);
    return ret;
}

int collect_arrears_list(struct ctx *c, const struct arrears_query *q, arrears_fn *fn, void *arg,
                         const char **next, struct err *err)
{
    char d[DATE_BUF_SIZE], cut[DATE_BUF_SIZE], after_due[DATE_BUF_SIZE] = "0000-00-00";
    const char *after_acct = "";
    int64_t org_id, n = 0;
    int ret;

    if (next)
        *next = NULL;
    if (q->limit < 1 || q->limit > 10000)
        return error(err, ERR_INVALID, "a page has 1 to 10000 accounts, not %" PRId64, q->limit);
    if (q->min_days < 0)
        return error(err, ERR_INVALID, "days overdue must be 0 or more, not %" PRId64,
                     q->min_days);
    if (q->after) { /* "YYYY-MM-DD/ACCOUNT" */
        struct date ad;
        const char *slash = strchr(q->after, '/');
        if (!slash || slash - q->after != 10 || !slash[1])
            return error(err, ERR_INVALID, "cursor '%s' is not DATE/ACCOUNT", q->after);
        memcpy(after_due, q->after, 10);
        after_due[10] = 0;
        if ((ret = date_parse(after_due, &ad, err)))
            return error(err, ERR_INVALID, "cursor '%s' is not DATE/ACCOUNT", q->after);
        after_acct = slash + 1;
    }
    if ((ret = scope_org(c, q->org, &org_id, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_ARREARS_LIST);
    store_bind_text(st, 1, date_format(q->asof, d));
    int64_t md = q->min_days > 36500 ? 36500 : q->min_days;
    store_bind_text(st, 2, date_format(date_add_days(q->asof, -(int32_t)md), cut));
    bind_opt_id(st, 3, org_id);
    store_bind_text(st, 4, after_due);
    store_bind_text(st, 5, after_acct);
    store_bind_i64(st, 6, q->limit);
    ret = 0;
    struct arrears_account last = { 0 };
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct arrears_account a = {
            .account_no = ctx_col_text(c, st, 0),
            .cust_no = ctx_col_text(c, st, 1),
            .customer = ctx_col_text(c, st, 2),
            .user_type = ctx_col_text(c, st, 3),
            .org = ctx_col_text(c, st, 4),
            .oldest_due = ctx_col_text(c, st, 5),
            .bills = store_col_i64(st, 6),
            .principal_fen = store_col_i64(st, 7),
            .fee_fen = store_col_i64(st, 8),
        };
        struct date od;
        struct err e2;
        if (!date_parse(a.oldest_due, &od, &e2))
            a.days = date_diff_days(od, q->asof);
        n++;
        last = a;
        ret = fn(arg, &a);
    }
    store_reset(st);
    if (ret < 0)
        return ret;
    if (next && n == q->limit)
        *next = arena_sprintf(c->arena, "%s/%s", last.oldest_due, last.account_no);
    return 0;
}

int collect_rate(struct ctx *c, const struct arrears_scope *s, struct period from,
                 struct period to, rate_fn *fn, void *arg, struct err *err)
{
    char d[DATE_BUF_SIZE], pf[PERIOD_BUF_SIZE], pt[PERIOD_BUF_SIZE];
    int64_t org_id;
    int ret;

    if (period_cmp(from, to) > 0)
        return error(err, ERR_INVALID, "period %s is after %s", period_format(from, pf),
                     period_format(to, pt));
    if ((ret = scope_org(c, s->org, &org_id, err)))
        return ret;
    struct store_stmt *st =
        store_q(c->db, s->by == COLLECT_BY_TYPE ? Q_COLLECT_RATE_TYPE : Q_COLLECT_RATE_ORG);
    store_bind_text(st, 1, date_format(s->asof, d));
    store_bind_text(st, 2, period_format(from, pf));
    store_bind_text(st, 3, period_format(to, pt));
    bind_opt_id(st, 4, org_id);
    store_bind_i64(st, 5, s->depth < 0 ? 0 : s->depth);
    struct rate_row tot = { 0 };
    ret = 0;
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct rate_row x = {
            .period = ctx_col_text(c, st, 0),
            .key = ctx_col_text(c, st, 1),
            .name = ctx_col_text(c, st, 2),
            .depth = (int)store_col_i64(st, 3),
            .bills = store_col_i64(st, 4),
            .billed_fen = store_col_i64(st, 5),
            .paid_fen = store_col_i64(st, 6),
            .fee_fen = store_col_i64(st, 7),
            .fee_waived_fen = store_col_i64(st, 8),
            .fee_paid_fen = store_col_i64(st, 9),
        };
        x.rate_bp = collect_rate_bp(x.paid_fen, x.billed_fen);
        if (tot.period && strcmp(tot.period, x.period)) { /* the previous period's total */
            tot.rate_bp = collect_rate_bp(tot.paid_fen, tot.billed_fen);
            if ((ret = fn(arg, &tot)))
                break;
            memset(&tot, 0, sizeof(tot));
        }
        tot.period = x.period;
        if (!x.depth) {
            tot.bills += x.bills;
            tot.billed_fen += x.billed_fen;
            tot.paid_fen += x.paid_fen;
            tot.fee_fen += x.fee_fen;
            tot.fee_waived_fen += x.fee_waived_fen;
            tot.fee_paid_fen += x.fee_paid_fen;
        }
        ret = fn(arg, &x);
    }
    store_reset(st);
    if (ret < 0)
        return ret;
    if (!ret && tot.period) {
        tot.rate_bp = collect_rate_bp(tot.paid_fen, tot.billed_fen);
        ret = fn(arg, &tot);
    }
    return ret < 0 ? ret : 0;
}
