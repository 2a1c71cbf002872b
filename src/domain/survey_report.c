/*
 * Satisfaction figures (see survey.h; manual 6.3, targets 2.2.2 and 2.4.2): counts come from
 * SQL, shares and indexes are integer arithmetic here with one half-up rounding each, so every
 * figure can be computed by hand from the answers (doc/satisfaction.md).
 */
#include "domain/survey.h"

#include "core/common.h"

int64_t survey_csat_bp(int64_t good, int64_t n)
{
    if (n <= 0)
        return -1;
    return (good * 10000 * 2 + n) / (2 * n);
}

int64_t survey_csi_x100(int64_t weighted_sum, int64_t n)
{
    if (n <= 0)
        return -1;
    /* per answer Σ w (s − 1) × 25 / 100 is 0..100; in hundredths that is Σ w (s − 1) × 25 */
    return (weighted_sum * 25 * 2 + n) / (2 * n);
}

/* Fill the figures from the six count columns starting at `col`, and judge the target. */
static void fig_counts(struct store_stmt *st, int col, int64_t target_pct, struct survey_fig *f)
{
    f->responses = store_col_i64(st, col);
    f->satisfied = store_col_i64(st, col + 1);
    f->basic = store_col_i64(st, col + 2);
    f->dissatisfied = store_col_i64(st, col + 3);
    f->scored = store_col_i64(st, col + 4);
    f->csi_x100 = survey_csi_x100(store_col_i64(st, col + 5), f->scored);
    f->csat_bp = survey_csat_bp(f->satisfied + f->basic, f->responses);
    f->target_pct = target_pct;
    f->missed = f->responses ? f->csat_bp < target_pct * 100 : -1;
}

static void bind_range(struct store_stmt *st, const char *from, const char *to, int64_t root)
{
    store_bind_text(st, 1, from);
    store_bind_text(st, 2, to);
    if (root)
        store_bind_i64(st, 3, root);
    else
        store_bind_null(st, 3);
}

/* Month rows from..to, every month shown (months without answers as zeros). */
static int by_period(struct ctx *c, struct store_stmt *st, struct period from, struct period to,
                     const struct survey_targets *tg, survey_fig_fn *fn, void *arg,
                     struct err *err)
{
    int ret = 0, step = STORE_ROW;
    char p[PERIOD_BUF_SIZE];
    const char *next = NULL;
    for (struct period m = from; !ret && period_cmp(m, to) <= 0; m = period_next(m)) {
        if (!next && step == STORE_ROW) {
            if ((step = store_step(st, err)) == STORE_ROW)
                next = ctx_col_text(c, st, 0);
            else if (step < 0)
                return step;
        }
        struct survey_fig f = { .key = arena_strdup(c->arena, period_format(m, p)) };
        f.name = f.key;
        if (next && !strcmp(next, f.key)) {
            fig_counts(st, 2, tg->overall_pct, &f);
            next = NULL;
        } else {
            f.csat_bp = f.csi_x100 = -1;
            f.target_pct = tg->overall_pct;
            f.missed = -1;
        }
        ret = fn(arg, &f);
    }
    return ret;
}

static int rows(struct ctx *c, enum survey_by by, const char *from, const char *to, int64_t root,
                struct period pf, struct period pt, const struct survey_targets *tg,
                survey_fig_fn *fn, void *arg, struct err *err)
{
    static const enum query_id q[] = { Q_SURVEY_FIG_ORG, Q_SURVEY_FIG_TYPE, Q_SURVEY_FIG_DIM,
                                       Q_SURVEY_FIG_PERIOD };
    struct store_stmt *st = store_q(c->db, q[by]);
    int ret = 0;
    bind_range(st, from, to, root);
    if (by == SURVEY_BY_PERIOD) {
        ret = by_period(c, st, pf, pt, tg, fn, arg, err);
        store_reset(st);
        return ret;
    }
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct survey_fig f = { .key = ctx_col_text(c, st, 0), .name = ctx_col_text(c, st, 1) };
        if (by == SURVEY_BY_DIMENSION) {
            /* a dimension alone has weight 100 */
            f.responses = f.scored = store_col_i64(st, 2);
            f.csi_x100 = survey_csi_x100(100 * store_col_i64(st, 3), f.scored);
            f.csat_bp = -1;
            f.missed = -1;
            f.dimension = true;
        } else {
            bool complaint = by == SURVEY_BY_TYPE && !strcmp(f.key, "complaint");
            fig_counts(st, 2, complaint ? tg->complaint_pct : tg->overall_pct, &f);
        }
        ret = fn(arg, &f);
    }
    store_reset(st);
    return ret;
}

static int total(struct ctx *c, const char *from, const char *to, int64_t root, const char *type,
                 struct survey_fig *f, int64_t target_pct, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_SURVEY_FIG_TOTAL);
    bind_range(st, from, to, root);
    store_bind_text(st, 4, type);
    int ret = store_one(st, err);
    if (ret)
        return ret;
    fig_counts(st, 0, target_pct, f);
    store_reset(st);
    return 0;
}

int survey_report(struct ctx *c, struct period from, struct period to, const char *org_code,
                  enum survey_by by, const struct survey_targets *targets, survey_fig_fn *fn,
                  void *arg, struct err *err)
{
    char a[PERIOD_BUF_SIZE], b[PERIOD_BUF_SIZE];
    int64_t root = 0;
    int ret;
    if ((ret = period_range_check(from, to, 120, err)))
        return ret;
    if (org_code && (ret = ctx_org_id(c, org_code, &root, err)))
        return ret;
    if (!root)
        root = c->scope_org_id;
    period_format(from, a);
    period_format(to, b);
    struct survey_fig all = { .key = "total", .name = "合计" };
    struct survey_fig cpl = { .key = "complaints", .name = "投诉回访" };
    if ((ret = rows(c, by, a, b, root, from, to, targets, fn, arg, err)) ||
        (ret = total(c, a, b, root, NULL, &all, targets->overall_pct, err)) ||
        (ret = total(c, a, b, root, "complaint", &cpl, targets->complaint_pct, err)) ||
        (ret = fn(arg, &all)))
        return ret;
    return fn(arg, &cpl);
}
