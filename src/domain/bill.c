/*
 * Bills after the run (bill.h): finding, listing, lines and inputs, review decisions,
 * recompute, issue (发行) and corrections (退补).
 */
#include "domain/bill.h"

#include "core/energy.h"
#include "core/money.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/ledger.h"
#include "domain/bill_int.h"
#include "domain/bill_text.h"

static void info_from_row(struct ctx *c, struct store_stmt *st, struct bill_info *b)
{
    b->id = store_col_i64(st, 0);
    b->run_id = store_col_null(st, 1) ? 0 : store_col_i64(st, 1);
    b->adjusts_bill_id = store_col_null(st, 2) ? 0 : store_col_i64(st, 2);
    b->bill_no = ctx_col_text(c, st, 3);
    b->account_no = ctx_col_text(c, st, 4);
    b->cust_no = ctx_col_text(c, st, 5);
    b->customer_name = ctx_col_text(c, st, 6);
    b->period = ctx_col_text(c, st, 7);
    b->kind = ctx_col_text(c, st, 8);
    b->status = ctx_col_text(c, st, 9);
    b->tariff_code = ctx_col_text(c, st, 10);
    b->read_from = ctx_col_text(c, st, 11);
    b->read_to = ctx_col_text(c, st, 12);
    b->review_reason = ctx_col_text(c, st, 13);
    b->note = ctx_col_text(c, st, 14);
    b->due_on = ctx_col_text(c, st, 15);
    b->energy_wh = store_col_i64(st, 16);
    b->total_fen = store_col_i64(st, 17);
    b->vee_flags = (unsigned)store_col_i64(st, 18);
}

int bill_find(struct ctx *c, const char *key, int64_t *id, struct err *err)
{
    struct store_stmt *st;
    const char *k = key;
    int ret;
    if (*k == '#')
        k++;
    if (*k && strlen(k) <= 18 && str_is_digits(k, strlen(k))) {
        st = store_q(c->db, Q_BILL_BY_ID);
        store_bind_i64(st, 1, strtoll(k, NULL, 10));
    } else {
        st = store_q(c->db, Q_BILL_BY_NO);
        store_bind_text(st, 1, key);
    }
    ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no bill '%s'", key);
    if (ret)
        return ret;
    *id = store_col_i64(st, 0);
    store_reset(st);
    return 0;
}

int bill_get(struct ctx *c, int64_t id, struct bill_info *out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_BILL_GET);
    int ret;
    store_bind_i64(st, 1, id);
    ctx_bind_scope(c, st, 2);
    ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no bill #%" PRId64, id);
    if (ret)
        return ret;
    info_from_row(c, st, out);
    store_reset(st);
    return 0;
}

int bill_list(struct ctx *c, const struct bill_filter *f, bill_fn *fn, void *arg, struct err *err)
{
    static const char *const statuses[] = { "draft", "review", "approved", "held", "issued" };
    struct period p;
    int ret;
    /* a filter that can match nothing is a mistake to name, not an empty list */
    if (f->period && (ret = period_parse(f->period, &p, err)))
        return err_field(err, "period");
    if (f->status) {
        size_t i = 0;
        while (i < ARRAY_SIZE(statuses) && strcmp(statuses[i], f->status))
            i++;
        if (i == ARRAY_SIZE(statuses))
            return error(err, ERR_INVALID, "status is draft, review, approved, held or issued, "
                         "not '%s'", f->status), err_field(err, "status");
    }
    if (f->run_id) { /* in the caller's scope, as bill_run_get; its totals are not needed */
        struct store_stmt *q = store_q(c->db, Q_BILL_RUN_FIND);
        store_bind_i64(q, 1, f->run_id);
        ctx_bind_scope(c, q, 2);
        ret = store_one(q, err);
        store_reset(q);
        if (ret == ERR_NOT_FOUND)
            return error(err, ERR_NOT_FOUND, "no bill run %" PRId64, f->run_id),
                   err_field(err, "run");
        if (ret)
            return ret;
    }
    struct account a;
    if (f->account_no && (ret = account_get(c, f->account_no, &a, err)))
        return ret == ERR_NOT_FOUND ? err_field(err, "account") : ret;
    struct store_stmt *st = store_q(c->db, Q_BILL_LIST);
    store_bind_text(st, 1, f->account_no);
    store_bind_text(st, 2, f->period);
    store_bind_i64(st, 3, f->run_id);
    store_bind_text(st, 4, f->status);
    store_bind_i64(st, 5, f->limit > 0 ? f->limit : 100);
    ctx_bind_scope(c, st, 6);
    store_bind_text(st, 7, f->after_period);
    store_bind_i64(st, 8, f->after_id);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct bill_info b;
        info_from_row(c, st, &b);
        if ((ret = fn(arg, &b)))
            break;
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

int bill_lines(struct ctx *c, int64_t bill_id, bill_line_fn *fn, void *arg, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_BILL_LINES);
    int ret;
    store_bind_i64(st, 1, bill_id);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct bill_line_info l;
        l.line_no = (int)store_col_i64(st, 0);
        l.item = ctx_col_text(c, st, 1);
        l.code = ctx_col_text(c, st, 2);
        l.name = ctx_col_text(c, st, 3);
        l.rule = ctx_col_text(c, st, 4);
        l.version = ctx_col_text(c, st, 5);
        l.unit = ctx_col_text(c, st, 6);
        l.qty = store_col_i64(st, 7);
        l.price_e8 = store_col_i64(st, 8);
        l.amount_fen = store_col_i64(st, 9);
        l.parts = ctx_col_text(c, st, 10);
        if ((ret = fn(arg, &l)))
            break;
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

struct bill_row {
    int64_t account_id;
    struct period period;
    const char *usage, *reads, *kind, *status;
};

static int load_row(struct ctx *c, int64_t id, struct bill_row *b, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_BILL_INPUTS);
    struct err e2 = ERR_INIT;
    int ret;
    store_bind_i64(st, 1, id);
    ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no bill #%" PRId64, id);
    if (ret)
        return ret;
    b->usage = ctx_col_text(c, st, 0);
    b->reads = ctx_col_text(c, st, 1);
    b->account_id = store_col_i64(st, 2);
    if (period_parse(store_col_text(st, 3), &b->period, &e2))
        ret = error(err, ERR_CORRUPT, "bill #%" PRId64 ": bad period", id);
    b->kind = ctx_col_text(c, st, 4);
    b->status = ctx_col_text(c, st, 5);
    store_reset(st);
    return ret;
}

int bill_inputs(struct ctx *c, int64_t bill_id, const char **usage_text, const char **reads_text,
                struct err *err)
{
    struct bill_row b;
    int ret = load_row(c, bill_id, &b, err);
    if (ret)
        return ret;
    *usage_text = b.usage;
    *reads_text = b.reads;
    return 0;
}

static int set_status(struct ctx *c, int64_t id, const char *status, const char *note,
                      const char *action, struct err *err)
{
    char key[24];
    struct store_stmt *st = store_q(c->db, Q_BILL_SET_STATUS);
    struct audit_rec ar = { action, "bill", key, NULL, status, note };
    int ret;
    snprintf(key, sizeof(key), "#%" PRId64, id);
    store_bind_i64(st, 1, id);
    store_bind_text(st, 2, status);
    store_bind_text(st, 3, note);
    if ((ret = store_exec(st, err)))
        return ret;
    return audit_append(c, &ar, err);
}

int bill_review(struct ctx *c, int64_t bill_id, bool approve, const char *note, struct err *err)
{
    struct bill_row b;
    int ret;
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = load_row(c, bill_id, &b, err)))
        goto out;
    if (!strcmp(b.status, "issued")) {
        ret =
            error(err, ERR_CONFLICT, "bill #%" PRId64 " is issued and cannot be reviewed", bill_id);
        goto out;
    }
    ret = set_status(c, bill_id, approve ? "approved" : "held", note,
                     approve ? "bill.approve" : "bill.hold", err);
out:
    return store_end(c->db, ret, err);
}

static int load_account(struct ctx *c, int64_t account_id, struct bill_page *pg, struct period p,
                        struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_BILL_ACCOUNT_ONE);
    struct bill_acct a;
    int ret;
    store_bind_i64(st, 1, account_id);
    if ((ret = store_one(st, err)))
        return ret;
    memset(&a, 0, sizeof(a));
    a.id = store_col_i64(st, 0);
    snprintf(a.account_no, sizeof(a.account_no), "%s", store_col_text(st, 1));
    snprintf(a.tariff_code, sizeof(a.tariff_code), "%s", store_col_text(st, 2));
    a.capacity_va = store_col_i64(st, 3);
    a.demand_w = store_col_i64(st, 4);
    a.pf_standard = (int)store_col_i64(st, 5);
    a.cycle_day = (int)store_col_i64(st, 6);
    struct err e2 = ERR_INIT;
    if (date_parse(store_col_text(st, 7), &a.opened_on, &e2))
        a.opened_on = (struct date){ 0, 0, 0 };
    if (store_col_null(st, 8) || date_parse(store_col_text(st, 8), &a.closed_on, &e2))
        a.closed_on = (struct date){ 0, 0, 0 };
    snprintf(a.user_type, sizeof(a.user_type), "%s", store_col_text(st, 9));
    store_reset(st);
    VEC_CLEAR(&pg->accts);
    VEC_PUSH(&pg->accts, a);
    if ((ret = bill_load_stays(c, pg, p, err)))
        return ret;
    return bill_page_prefetch(c, pg, p, false, err);
}

int bill_recompute(struct ctx *c, int64_t bill_id, const struct bill_policy *p, struct err *err)
{
    struct bill_policy defpol;
    struct bill_page pg;
    struct bill_draft d;
    struct bill_env env = { { 0, 0 }, NULL, NULL };
    struct bill_info info;
    struct bill_row b;
    int64_t new_id;
    int ret;

    if (!p)
        bill_policy_default(&defpol);
    env.policy = p ? p : &defpol;
    bill_page_init(&pg);
    bill_draft_init(&d);
    if ((ret = store_begin(c->db, err)))
        goto done;
    if ((ret = load_row(c, bill_id, &b, err)) || (ret = bill_get(c, bill_id, &info, err)))
        goto out;
    if (strcmp(b.kind, "regular") || !strcmp(b.status, "issued")) {
        ret = error(err, ERR_CONFLICT,
                    "bill #%" PRId64 " is %s %s: only unissued regular bills are recomputed",
                    bill_id, b.status, b.kind);
        goto out;
    }
    env.period = b.period;
    if ((ret = tariff_set_load(c, &env.tariffs, err)) ||
        (ret = load_account(c, b.account_id, &pg, b.period, err)))
        goto out;
    const struct bill_acct *a = &pg.accts.v[0];
    if ((ret = bill_compute(c, &env, &pg, a, &d, err)))
        goto out;
    struct store_stmt *st = store_q(c->db, Q_BILL_DELETE);
    store_bind_i64(st, 1, bill_id);
    if ((ret = store_exec(st, err)))
        goto out;
    if ((ret = bill_write(c, info.run_id, a->id, a->tariff_code, "regular", 0, &d, &new_id, err)))
        goto out;
    char key[24], detail[64];
    snprintf(key, sizeof(key), "#%" PRId64, new_id);
    snprintf(detail, sizeof(detail), "recomputed bill #%" PRId64, bill_id);
    struct audit_rec ar = { "bill.recompute", "bill", key, NULL, d.usage.buf, detail };
    ret = audit_append(c, &ar, err);
out:
    ret = store_end(c->db, ret, err);
done:
    if (env.tariffs)
        tariff_set_free(env.tariffs);
    bill_page_release(&pg);
    bill_draft_release(&d);
    return ret;
}

/* ---- issue ---- */

static int issue_one(struct ctx *c, int64_t id, const char *period, struct date due, int64_t *seq,
                     char *no, size_t nosz, struct err *err)
{
    char db[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_BILL_ISSUE_ONE);
    /* B + YYYYMM + 7-digit sequence of the period */
    snprintf(no, nosz, "B%.4s%.2s%07" PRId64, period, period + 5, ++*seq);
    store_bind_i64(st, 1, id);
    store_bind_text(st, 2, no);
    store_bind_text(st, 3, date_format(due, db));
    store_bind_i64(st, 4, ctx_now(c));
    return store_exec(st, err);
}

/* The due date of bills issued today: `*due` as given (not before today), or today plus the
 * policy's due_days when it is not a valid date. */
static int due_date(struct ctx *c, const struct bill_policy *p, struct date *due, struct err *err)
{
    struct bill_policy defpol;
    struct date today;
    int ret;
    if (!p) {
        bill_policy_default(&defpol);
        p = &defpol;
    }
    if ((ret = ctx_today(c, &today, err)))
        return ret;
    if (!date_is_valid(*due))
        *due = date_add_days(today, p->due_days);
    else if (date_cmp(*due, today) < 0) {
        char b[DATE_BUF_SIZE];
        return error(err, ERR_INVALID, "due date %s is before today", date_format(*due, b));
    }
    return 0;
}

static int seq_get(struct ctx *c, const char *period, int64_t *seq, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_BILL_SEQ_GET);
    int ret;
    store_bind_text(st, 1, period);
    ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return *seq = 0, 0;
    if (ret)
        return ret;
    *seq = store_col_i64(st, 0);
    store_reset(st);
    return 0;
}

static int seq_set(struct ctx *c, const char *period, int64_t seq, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_BILL_SEQ_SET);
    store_bind_text(st, 1, period);
    store_bind_i64(st, 2, seq);
    return store_exec(st, err);
}

int bill_issue(struct ctx *c, int64_t run_id, struct date due_on, const struct bill_policy *p,
               struct bill_issue_result *r, struct err *err)
{
    char no[32], period[PERIOD_BUF_SIZE] = "", key[24], detail[160];
    int64_t seq = 0, after = 0;
    int ret;

    memset(r, 0, sizeof(*r));
    if ((ret = due_date(c, p, &due_on, err)))
        return ret;
    if ((ret = store_begin(c->db, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_BILL_RUN_GET);
    store_bind_i64(st, 1, run_id);
    ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        ret = error(err, ERR_NOT_FOUND, "no bill run %" PRId64, run_id);
    if (ret)
        goto out;
    const char *status = ctx_col_text(c, st, 4);
    snprintf(period, sizeof(period), "%s", store_col_text(st, 1));
    store_reset(st);
    if (!strcmp(status, "running")) {
        ret = error(err, ERR_CONFLICT,
                    "bill run %" PRId64 " has not finished: run it again to complete it first",
                    run_id);
        goto out;
    }
    if (!strcmp(status, "replaced")) {
        ret = error(err, ERR_CONFLICT, "bill run %" PRId64 " was replaced by a later run", run_id);
        goto out;
    }
    if ((ret = seq_get(c, period, &seq, err)))
        goto out;
    for (;;) {
        struct {
            int64_t id, fen;
        } batch[512];
        int n = 0;
        st = store_q(c->db, Q_BILL_ISSUABLE);
        store_bind_i64(st, 1, run_id);
        store_bind_i64(st, 2, after);
        store_bind_i64(st, 3, (int64_t)ARRAY_SIZE(batch));
        while ((ret = store_step(st, err)) == STORE_ROW) {
            batch[n].id = store_col_i64(st, 0);
            batch[n++].fen = store_col_i64(st, 2);
        }
        store_reset(st);
        if (ret < 0)
            goto out;
        ret = 0;
        if (!n)
            break;
        for (int i = 0; i < n && !ret; i++) {
            ret = issue_one(c, batch[i].id, period, due_on, &seq, no, sizeof(no), err);
            if (!r->first_no)
                r->first_no = arena_strdup(c->arena, no);
            r->issued++;
            r->total_fen += batch[i].fen;
        }
        if (ret)
            goto out;
        after = batch[n - 1].id;
    }
    if (r->issued)
        r->last_no = arena_strdup(c->arena, no);
    if ((ret = seq_set(c, period, seq, err)) || (ret = ledger_post_run(c, run_id, err)))
        goto out;
    st = store_q(c->db, Q_BILL_RUN_COUNTS);
    store_bind_i64(st, 1, run_id);
    if ((ret = store_one(st, err)))
        goto out;
    r->left_in_review = store_col_i64(st, 0);
    r->held = store_col_i64(st, 1);
    store_reset(st);
    st = store_q(c->db, Q_BILL_RUN_ISSUED);
    store_bind_i64(st, 1, run_id);
    store_bind_i64(st, 2, ctx_now(c));
    store_bind_text(st, 3, c->actor);
    if ((ret = store_exec(st, err)))
        goto out;
    snprintf(key, sizeof(key), "%" PRId64, run_id);
    snprintf(detail, sizeof(detail),
             "%" PRId64 " bills issued (%s..%s), %" PRId64 " in review, %" PRId64 " held",
             r->issued, r->first_no ? r->first_no : "-", r->last_no ? r->last_no : "-",
             r->left_in_review, r->held);
    struct audit_rec ar = { "bill.issue", "bill_run", key, NULL, NULL, detail };
    ret = audit_append(c, &ar, err);
out:
    return store_end(c->db, ret, err);
}

int bill_issue_adjustment(struct ctx *c, int64_t bill_id, struct date due_on,
                          const struct bill_policy *p, const char **bill_no, struct err *err)
{
    char no[32], key[24];
    int64_t seq;
    int ret;

    if ((ret = due_date(c, p, &due_on, err)))
        return ret;
    if ((ret = store_begin(c->db, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_BILL_ADJ_ISSUABLE);
    store_bind_i64(st, 1, bill_id);
    ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        ret = error(err, ERR_CONFLICT, "bill #%" PRId64 " is not a draft or approved correction",
                    bill_id);
    if (ret)
        goto out;
    const char *period = ctx_col_text(c, st, 1);
    store_reset(st);
    if ((ret = seq_get(c, period, &seq, err)) ||
        (ret = issue_one(c, bill_id, period, due_on, &seq, no, sizeof(no), err)) ||
        (ret = ledger_post_bill(c, bill_id, err)) ||
        (ret = seq_set(c, period, seq, err)))
        goto out;
    *bill_no = arena_strdup(c->arena, no);
    snprintf(key, sizeof(key), "#%" PRId64, bill_id);
    struct audit_rec ar = { "bill.issue", "bill", key, NULL, NULL, no };
    ret = audit_append(c, &ar, err);
out:
    return store_end(c->db, ret, err);
}

/* ---- corrections ---- */

struct line_pick {
    struct ctx *c;
    struct quote *q; /* the original lines, rebuilt */
};

static int collect_line(void *arg, const struct bill_line_info *l)
{
    struct line_pick *lp = arg;
    if (lp->q->nlines == QUOTE_MAX_LINES)
        return 0;
    struct quote_line *ql = &lp->q->lines[lp->q->nlines++];
    memset(ql, 0, sizeof(*ql));
    ql->code = l->code;
    ql->name_zh = l->name;
    ql->amount_fen = l->amount_fen;
    ql->item = LINE_ENERGY;
    for (int i = LINE_ENERGY; i <= LINE_FUND; i++)
        if (!strcmp(line_item_name((enum line_item)i), l->item))
            ql->item = (enum line_item)i;
    return 0;
}

/* Adjustment lines: per line code, corrected amount minus billed amount, as two fen parts so
 * the line still equals its parts exactly. */
static void diff_lines(const struct quote *now, const struct quote *was, struct quote *out)
{
    memset(out, 0, sizeof(*out));
    bool used[QUOTE_MAX_LINES] = { false };
    for (int i = 0; i < now->nlines + was->nlines && out->nlines < QUOTE_MAX_LINES; i++) {
        const struct quote_line *l =
            i < now->nlines ? &now->lines[i] : &was->lines[i - now->nlines];
        int64_t new_fen = 0, old_fen = 0;
        if (i < now->nlines) {
            new_fen = l->amount_fen;
            for (int j = 0; j < was->nlines; j++)
                if (!used[j] && !strcmp(was->lines[j].code, l->code)) {
                    used[j] = true;
                    old_fen = was->lines[j].amount_fen;
                    break;
                }
        } else {
            if (used[i - now->nlines])
                continue;
            old_fen = l->amount_fen;
        }
        struct quote_line *o = &out->lines[out->nlines++];
        o->item = l->item;
        o->code = l->code;
        o->name_zh = l->name_zh;
        o->rule = "correction: corrected amount minus billed amount";
        o->unit = QTY_FEN;
        o->qty = new_fen - old_fen;
        o->price_e8 = PRICE_SCALE;
        o->amount_fen = new_fen - old_fen;
        o->nparts = 2;
        o->parts[0] = (struct quote_part){ "corrected", QTY_FEN, new_fen, PRICE_SCALE, 1, 1 };
        o->parts[1] = (struct quote_part){ "billed", QTY_FEN, -old_fen, PRICE_SCALE, 1, 1 };
        out->total_fen += o->amount_fen;
    }
}

static int adjust_one(struct ctx *c, struct tariff_set *ts, int64_t bill_id, int64_t corrected_wh,
                      const char *reason, int64_t *adj_id, struct err *err)
{
    struct bill_row b;
    struct bill_info info;
    struct quote was;
    struct line_pick lp = { c, &was };
    struct bill_draft d;
    int ret;

    if ((ret = load_row(c, bill_id, &b, err)) || (ret = bill_get(c, bill_id, &info, err)))
        return ret;
    if (strcmp(b.kind, "regular") || strcmp(b.status, "issued"))
        return error(err, ERR_CONFLICT,
                     "bill #%" PRId64 " is %s %s: only issued regular bills are corrected", bill_id,
                     b.status, b.kind);
    if (corrected_wh < 0)
        return error(err, ERR_INVALID, "corrected energy must not be negative");
    bill_draft_init(&d);
    if ((ret = bill_usage_decode(b.usage, c->arena, &d.u, err)))
        goto out;
    memset(&was, 0, sizeof(was));
    if ((ret = bill_lines(c, bill_id, collect_line, &lp, err)))
        goto out;
    /* scale the TOU split and reactive energy with the total */
    int64_t orig = d.u.total_wh;
    if (d.u.has_tou) {
        int64_t sum = 0;
        int last = -1;
        for (int i = 0; i < TOU_N; i++) {
            if (!d.u.tou_wh[i])
                continue;
            if (orig &&
                (ret = energy_mul_ratio(d.u.tou_wh[i], corrected_wh, orig, &d.u.tou_wh[i], err)))
                goto out;
            sum += d.u.tou_wh[i];
            last = i;
        }
        if (last >= 0)
            d.u.tou_wh[last] += corrected_wh - sum;
    }
    d.u.total_wh = corrected_wh;
    const struct tariff *t = tariff_set_find(ts, info.tariff_code);
    struct quote now;
    if (!t) {
        ret = error(err, ERR_NOT_FOUND, "tariff '%s' of bill #%" PRId64 " not found",
                    info.tariff_code, bill_id);
        goto out;
    }
    if ((ret = tariff_quote(t, &d.u, &now, err)))
        goto out;
    diff_lines(&now, &was, &d.q);
    d.q.energy_wh = corrected_wh - orig;
    d.status = "review";
    strbuf_addstr(&d.reason, "correction (退补): ");
    strbuf_addstr(&d.reason, reason);
    bill_usage_encode(&d.u, &d.usage);
    {
        char e1[ENERGY_BUF_SIZE], e2[ENERGY_BUF_SIZE];
        strbuf_addf(&d.reads, "correction of %s: billed %s kWh, corrected to %s kWh\n",
                    info.bill_no ? info.bill_no : "?", energy_format_kwh3(orig, e1),
                    energy_format_kwh3(corrected_wh, e2));
    }
    d.read_from = d.u.from;
    d.read_to = d.u.to;
    d.note = reason;
    if ((ret = bill_write(c, 0, b.account_id, info.tariff_code, "adjustment", bill_id, &d, adj_id,
                          err)))
        goto out;
    char key[24];
    snprintf(key, sizeof(key), "#%" PRId64, *adj_id);
    struct audit_rec ar = { "bill.adjust", "bill", key, NULL, d.usage.buf, reason };
    ret = audit_append(c, &ar, err);
out:
    bill_draft_release(&d);
    return ret;
}

int bill_adjust(struct ctx *c, int64_t bill_id, int64_t corrected_wh, const char *reason,
                int64_t *adj_id, struct err *err)
{
    struct tariff_set *ts = NULL;
    int ret;
    if (!reason || !*reason)
        return error(err, ERR_INVALID, "a correction needs a reason");
    if ((ret = tariff_set_load(c, &ts, err)))
        return ret;
    if ((ret = store_begin(c->db, err)))
        goto done;
    ret = store_end(c->db, adjust_one(c, ts, bill_id, corrected_wh, reason, adj_id, err), err);
done:
    tariff_set_free(ts);
    return ret;
}

int bill_adjust_meter_error(struct ctx *c, const char *account_no, struct date tested,
                            struct date found, int error_pct_e2, const char *reason, int64_t *count,
                            struct err *err)
{
    struct tariff_set *ts = NULL;
    char d1[DATE_BUF_SIZE], d2[DATE_BUF_SIZE];
    int32_t t0 = date_to_days(tested), t1 = date_to_days(found);
    int ret;

    *count = 0;
    if (!reason || !*reason)
        return error(err, ERR_INVALID, "a correction needs a reason");
    if (t1 <= t0)
        return error(err, ERR_INVALID, "the error was found (%s) before the last test (%s)",
                     date_format(found, d1), date_format(tested, d2));
    if (error_pct_e2 == 0 || error_pct_e2 <= -10000)
        return error(err, ERR_INVALID, "meter error must be non-zero and above -100 %%");
    if ((ret = tariff_set_load(c, &ts, err)))
        return ret;
    if ((ret = store_begin(c->db, err)))
        goto done;
    /* the corrected time is the second half of (tested, found): in half-days,
     * [2 t0 + (t1 - t0), 2 t1) */
    int64_t h_lo = 2 * (int64_t)t0 + (t1 - t0), h_hi = 2 * (int64_t)t1;
    struct {
        int64_t id;
        int32_t from, to;
    } hits[256];
    int n = 0;
    struct store_stmt *st = store_q(c->db, Q_BILL_ISSUED_OF_ACCOUNT);
    store_bind_text(st, 1, account_no);
    store_bind_text(st, 2, date_format(tested, d1));
    store_bind_text(st, 3, date_format(found, d2));
    while ((ret = store_step(st, err)) == STORE_ROW && n < (int)ARRAY_SIZE(hits)) {
        struct date f, t;
        struct err e2 = ERR_INIT;
        if (store_col_null(st, 1) || store_col_null(st, 2) ||
            date_parse(store_col_text(st, 1), &f, &e2) ||
            date_parse(store_col_text(st, 2), &t, &e2))
            continue;
        hits[n].id = store_col_i64(st, 0);
        hits[n].from = date_to_days(f);
        hits[n++].to = date_to_days(t);
    }
    store_reset(st);
    if (ret < 0)
        goto out;
    ret = 0;
    for (int i = 0; i < n && !ret; i++) {
        struct bill_info info;
        int64_t b_lo = 2 * (int64_t)hits[i].from, b_hi = 2 * ((int64_t)hits[i].to + 1);
        int64_t lo = b_lo > h_lo ? b_lo : h_lo, hi = b_hi < h_hi ? b_hi : h_hi;
        int64_t affected, corrected, adj;
        if (hi <= lo)
            continue;
        if ((ret = bill_get(c, hits[i].id, &info, err)))
            break;
        /* affected energy: the share of the bill's window in the corrected time */
        if ((ret = energy_mul_ratio(info.energy_wh, hi - lo, b_hi - b_lo, &affected, err)))
            break;
        /* to zero error: recorded / (1 + e) */
        if ((ret = energy_mul_ratio(affected, 10000, 10000 + error_pct_e2, &corrected, err)))
            break;
        ret =
            adjust_one(c, ts, hits[i].id, info.energy_wh - affected + corrected, reason, &adj, err);
        if (!ret)
            (*count)++;
    }
    if (!ret && !*count)
        ret = error(err, ERR_NOT_FOUND,
                    "account '%s' has no issued bill in the second half of %s..%s", account_no,
                    date_format(tested, d1), date_format(found, d2));
out:
    ret = store_end(c->db, ret, err);
done:
    tariff_set_free(ts);
    return ret;
}
