/*
 * Posting payments, one or a whole bank file, with the same code: read everything the lines
 * need in a few statements (accounts, earlier references, closed days, balances locked in
 * account order, open receivables), apply the lines in order to that state in memory — late
 * fees accrued to each payment date, then the allocation — and write what changed in bulk
 * (COPY on PostgreSQL). A line that cannot post (unknown or closed account, a reference
 * posted before elsewhere, a closed day, fees accrued past its date) changes nothing and says
 * why; the others post. Runs inside the caller's transaction.
 */
#include "domain/ledger.h"

#include "core/common.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "core/strmap.h"
#include "core/vec.h"
#include "domain/collect.h"

#include <inttypes.h>
#include <string.h>

struct acct {
    int64_t id;
    bool closed, locked, posted;
    int64_t balance_fen, delta_fen;
    size_t rec_first, rec_n; /* its open receivables in recs */
};

struct pentry { /* a ledger entry to write */
    int64_t account_id, debit_fen, credit_fen, bill_id;
    size_t pay;                /* index into pays + 1; 0 = none */
    struct date on;
    const char *kind, *note;
};

struct palloc {
    size_t pay; /* index into pays */
    int64_t bill_id, fee_fen, principal_fen;
};

struct ppay {
    size_t line;
    int64_t account_id, unallocated_fen;
};

struct state {
    struct ctx *c;
    const struct post_opts *o;
    VEC(struct acct) accts;
    VEC(struct receivable) recs;
    VEC(bool) dirty; /* per receivable */
    VEC(struct pentry) entries;
    VEC(struct palloc) allocs;
    VEC(struct ppay) pays;
    struct strmap acct_by_no; /* account_no -> index in accts */
    struct strmap seen;       /* ref -> line index + 1 (this call) or -(earlier payment id) */
    struct strmap closed_days;
};

static void state_release(struct state *s)
{
    VEC_FREE(&s->accts);
    VEC_FREE(&s->recs);
    VEC_FREE(&s->dirty);
    VEC_FREE(&s->entries);
    VEC_FREE(&s->allocs);
    VEC_FREE(&s->pays);
    strmap_release(&s->acct_by_no);
    strmap_release(&s->seen);
    strmap_release(&s->closed_days);
}

static int line_fail(struct ctx *c, struct post_line *l, int code, const char *fmt, ...)
    PMIS_PRINTF(4, 5);
static int line_fail(struct ctx *c, struct post_line *l, int code, const char *fmt, ...)
{
    struct err e = ERR_INIT; /* both languages (po/zh_CN.po) */
    va_list ap;
    va_start(ap, fmt);
    error_v(&e, code, fmt, ap);
    va_end(ap);
    l->status = code;
    l->error = arena_strdup(c->arena, e.msg);
    l->error_zh = e.msg_zh[0] ? arena_strdup(c->arena, e.msg_zh) : NULL;
    return 0;
}

/* ---- reading ---- */

static int read_accounts(struct state *s, struct post_line *lines, size_t n, struct err *err)
{
    struct strbuf js = STRBUF_INIT;
    int ret;
    strbuf_addch(&js, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            strbuf_addch(&js, ',');
        strbuf_add_json_str(&js, lines[i].account_no);
    }
    strbuf_addch(&js, ']');
    struct store_stmt *st = store_q(s->c->db, Q_LP_ACCOUNTS);
    store_bind_text(st, 1, js.buf);
    if (s->o->all_orgs)
        store_bind_null(st, 2);
    else
        ctx_bind_scope(s->c, st, 2);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct acct a = { .id = store_col_i64(st, 0),
                          .closed = !strcmp(store_col_text(st, 2), "closed") };
        strmap_put(&s->acct_by_no, store_col_text(st, 1), (int64_t)s->accts.n);
        VEC_PUSH(&s->accts, a);
    }
    store_reset(st);
    strbuf_release(&js);
    return ret < 0 ? ret : 0;
}

struct seen_pay {
    const char *account_no;
    int64_t amount_fen, id;
};
typedef VEC(struct seen_pay) seen_vec;

static int read_refs(struct state *s, struct post_line *lines, size_t n, seen_vec *seen,
                     struct err *err)
{
    struct strbuf js = STRBUF_INIT;
    size_t k = 0;
    int ret = 0;
    strbuf_addch(&js, '[');
    for (size_t i = 0; i < n; i++) {
        if (!lines[i].ref)
            continue;
        if (k++)
            strbuf_addch(&js, ',');
        strbuf_add_json_str(&js, lines[i].ref);
    }
    strbuf_addch(&js, ']');
    if (k) {
        struct store_stmt *st = store_q(s->c->db, Q_LP_REFS);
        store_bind_text(st, 1, js.buf);
        store_bind_text(st, 2, s->o->channel);
        while ((ret = store_step(st, err)) == STORE_ROW) {
            struct seen_pay p = { ctx_col_text(s->c, st, 1), store_col_i64(st, 2),
                                  store_col_i64(st, 3) };
            strmap_put(&s->seen, store_col_text(st, 0), -(int64_t)(seen->n + 1));
            VEC_PUSH(seen, p);
        }
        store_reset(st);
    }
    strbuf_release(&js);
    return ret < 0 ? ret : 0;
}

static int read_closed_days(struct state *s, struct post_line *lines, size_t n, struct err *err)
{
    struct date first = lines[0].paid_on;
    char b[DATE_BUF_SIZE];
    int ret;
    for (size_t i = 1; i < n; i++)
        if (date_cmp(lines[i].paid_on, first) < 0)
            first = lines[i].paid_on;
    struct store_stmt *st = store_q(s->c->db, Q_LP_CLOSED_DAYS);
    store_bind_text(st, 1, s->c->actor);
    store_bind_text(st, 2, date_format(first, b));
    while ((ret = store_step(st, err)) == STORE_ROW)
        strmap_put(&s->closed_days, store_col_text(st, 0), 1);
    store_reset(st);
    return ret < 0 ? ret : 0;
}

/* Lock the balance rows of the accounts that will post (creating missing ones), in account
 * order, and read their open receivables. */
static int lock_and_load(struct state *s, struct err *err)
{
    struct strbuf js = STRBUF_INIT;
    size_t k = 0;
    int ret = 0;
    strbuf_addch(&js, '[');
    for (size_t i = 0; i < s->accts.n; i++)
        if (s->accts.v[i].locked)
            strbuf_addf(&js, "%s%" PRId64, k++ ? "," : "", s->accts.v[i].id);
    strbuf_addch(&js, ']');
    if (!k)
        goto out;
    /* account id -> index, for the rows coming back in id order */
    struct strmap by_id = STRMAP_INIT;
    char key[24];
    for (size_t i = 0; i < s->accts.n; i++) {
        snprintf(key, sizeof(key), "%" PRId64, s->accts.v[i].id);
        strmap_put(&by_id, key, (int64_t)i);
    }
    struct store_stmt *st = store_q(s->c->db, Q_LP_BALANCES_ENSURE);
    store_bind_text(st, 1, js.buf);
    store_bind_i64(st, 2, ctx_now(s->c));
    if ((ret = store_exec(st, err)))
        goto done;
    st = store_q(s->c->db, Q_LP_BALANCES_LOCK);
    store_bind_text(st, 1, js.buf);
    int64_t idx;
    while ((ret = store_step(st, err)) == STORE_ROW) {
        snprintf(key, sizeof(key), "%" PRId64, store_col_i64(st, 0));
        if (strmap_get(&by_id, key, &idx))
            s->accts.v[idx].balance_fen = store_col_i64(st, 1);
    }
    store_reset(st);
    if (ret < 0)
        goto done;
    st = store_q(s->c->db, Q_LP_OPEN);
    store_bind_text(st, 1, js.buf);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct receivable r;
        ledger_rec_read(st, &r);
        snprintf(key, sizeof(key), "%" PRId64, r.account_id);
        if (strmap_get(&by_id, key, &idx)) {
            struct acct *a = &s->accts.v[idx];
            if (!a->rec_n)
                a->rec_first = s->recs.n;
            a->rec_n++;
        }
        VEC_PUSH(&s->recs, r);
        VEC_PUSH(&s->dirty, false);
    }
    store_reset(st);
done:
    strmap_release(&by_id);
out:
    strbuf_release(&js);
    return ret < 0 ? ret : 0;
}

/* ---- applying a line in memory ---- */

static int apply_line(struct state *s, const struct fee_policies *pol, size_t li,
                      struct post_line *l, struct acct *a, struct err *err)
{
    struct receivable *recs = s->recs.v + a->rec_first;
    char b1[DATE_BUF_SIZE], b2[DATE_BUF_SIZE];
    int ret;

    for (size_t i = 0; i < a->rec_n; i++) /* refuse before anything changes */
        if (date_is_valid(recs[i].fee_through) && date_cmp(recs[i].fee_through, l->paid_on) > 0)
            return line_fail(s->c, l, ERR_CONFLICT,
                             "late fees of bill #%" PRId64 " are accrued through %s, after the "
                             "payment date %s: post back-dated payments before accruing fees",
                             recs[i].bill_id, date_format(recs[i].fee_through, b1),
                             date_format(l->paid_on, b2));
    size_t pay = s->pays.n;
    struct ppay pp = { li, a->id, 0 };
    VEC_PUSH(&s->pays, pp);
    for (size_t i = 0; i < a->rec_n; i++) {
        int64_t added;
        if ((ret = ledger_rec_accrue(pol, &recs[i], l->paid_on, &added, err)))
            return ret;
        if (!added)
            continue;
        s->dirty.v[a->rec_first + i] = true;
        l->fee_fen += added;
        struct pentry e = { a->id, added, 0, recs[i].bill_id, 0, l->paid_on, "late_fee",
                            "accrued to the payment date" };
        VEC_PUSH(&s->entries, e);
    }
    struct pentry e = { a->id, 0, l->amount_fen, 0, pay + 1, l->paid_on, s->o->kind, l->ref };
    VEC_PUSH(&s->entries, e);

    int64_t left = l->amount_fen;
    for (size_t i = 0; i < a->rec_n && left; i++) {
        struct receivable *r = &recs[i];
        int64_t f, p;
        ledger_alloc_split(r, s->o->principal_first, left, &f, &p);
        if (!f && !p)
            continue;
        left -= f + p;
        r->fee_paid_fen += f;
        r->paid_fen += p;
        r->settled = r->paid_fen == r->amount_fen &&
                     r->fee_paid_fen + r->fee_waived_fen == r->fee_fen;
        s->dirty.v[a->rec_first + i] = true;
        l->to_fees_fen += f;
        l->to_principal_fen += p;
        struct palloc al = { pay, r->bill_id, f, p };
        VEC_PUSH(&s->allocs, al);
    }
    s->pays.v[pay].unallocated_fen = left;
    l->credit_fen = left;
    a->delta_fen += l->fee_fen - l->amount_fen;
    a->posted = true;
    l->balance_fen = a->balance_fen + a->delta_fen;
    l->status = LINE_POSTED;
    return 0;
}

/* ---- writing ---- */

static int new_ids(struct state *s, int64_t *ids, struct err *err)
{
    struct store_stmt *st = store_q(s->c->db, Q_LP_NEW_PAYMENT_IDS);
    size_t n = 0;
    int ret;
    store_bind_i64(st, 1, (int64_t)s->pays.n);
    while ((ret = store_step(st, err)) == STORE_ROW && n < s->pays.n)
        ids[n++] = store_col_i64(st, 0);
    store_reset(st);
    if (ret < 0)
        return ret;
    return n == s->pays.n ? 0 : error(err, ERR_INTERNAL, "drew %zu payment ids of %zu", n,
                                      s->pays.n);
}

/* End a bulk insert: given up after an error `ret`, else completed. */
static int bulk_finish(struct store_stmt *st, int ret, struct err *err)
{
    if (ret) {
        store_bulk_end(st, true, NULL, err);
        return ret;
    }
    return store_bulk_end(st, false, NULL, err);
}

static int write_payments(struct state *s, struct post_line *lines, const int64_t *ids,
                          struct err *err)
{
    struct store_stmt *st;
    char day[DATE_BUF_SIZE];
    int64_t now = ctx_now(s->c);
    int ret = store_bulk_begin(s->c->db, Q_LP_PAYMENTS, &st, err);
    for (size_t i = 0; i < s->pays.n && !ret; i++) {
        const struct post_line *l = &lines[s->pays.v[i].line];
        store_bind_i64(st, 1, ids[i]);
        store_bind_i64(st, 2, s->pays.v[i].account_id);
        store_bind_i64(st, 3, l->amount_fen);
        store_bind_i64(st, 4, s->pays.v[i].unallocated_fen);
        store_bind_text(st, 5, s->o->channel);
        store_bind_text(st, 6, l->ref);
        store_bind_text(st, 7, date_format(l->paid_on, day));
        store_bind_text(st, 8, s->c->actor);
        if (s->o->batch_id)
            store_bind_i64(st, 9, s->o->batch_id);
        else
            store_bind_null(st, 9);
        store_bind_text(st, 10, "posted");
        store_bind_i64(st, 11, now);
        ret = store_bulk_add(st, err);
    }
    if ((ret = bulk_finish(st, ret, err)))
        return ret;

    ret = store_bulk_begin(s->c->db, Q_LP_ENTRIES, &st, err);
    for (size_t i = 0; i < s->entries.n && !ret; i++) {
        const struct pentry *e = &s->entries.v[i];
        store_bind_i64(st, 1, e->account_id);
        store_bind_text(st, 2, e->kind);
        store_bind_i64(st, 3, e->debit_fen);
        store_bind_i64(st, 4, e->credit_fen);
        if (e->bill_id)
            store_bind_i64(st, 5, e->bill_id);
        else
            store_bind_null(st, 5);
        if (e->pay)
            store_bind_i64(st, 6, ids[e->pay - 1]);
        else
            store_bind_null(st, 6);
        store_bind_text(st, 7, date_format(e->on, day));
        store_bind_i64(st, 8, now);
        store_bind_text(st, 9, s->c->actor);
        store_bind_text(st, 10, e->note);
        ret = store_bulk_add(st, err);
    }
    if ((ret = bulk_finish(st, ret, err)))
        return ret;

    ret = store_bulk_begin(s->c->db, Q_LP_ALLOCATIONS, &st, err);
    for (size_t i = 0; i < s->allocs.n && !ret; i++) {
        const struct palloc *al = &s->allocs.v[i];
        store_bind_i64(st, 1, ids[al->pay]);
        store_bind_i64(st, 2, al->bill_id);
        store_bind_i64(st, 3, al->fee_fen);
        store_bind_i64(st, 4, al->principal_fen);
        ret = store_bulk_add(st, err);
    }
    return bulk_finish(st, ret, err);
}

static int write_state(struct state *s, struct date today, struct err *err)
{
    int ret = 0;
    if (store_kind(s->c->db) != STORE_PG) {
        for (size_t i = 0; i < s->recs.n && !ret; i++)
            if (s->dirty.v[i])
                ret = ledger_rec_write(s->c, &s->recs.v[i], today, err);
        for (size_t i = 0; i < s->accts.n && !ret; i++)
            ret = ledger_balance_add(s->c, s->accts.v[i].id, s->accts.v[i].delta_fen, err);
        return ret;
    }
    struct strbuf js = STRBUF_INIT;
    char t[DATE_BUF_SIZE], d[DATE_BUF_SIZE];
    size_t k = 0;
    strbuf_addch(&js, '[');
    for (size_t i = 0; i < s->recs.n; i++) {
        const struct receivable *r = &s->recs.v[i];
        if (!s->dirty.v[i])
            continue;
        bool through = date_is_valid(r->fee_through);
        strbuf_addf(&js,
                    "%s{\"bill_id\":%" PRId64 ",\"paid\":%" PRId64 ",\"ufen\":%" PRId64
                    ",\"fee\":%" PRId64 ",\"fee_paid\":%" PRId64 ",\"waived\":%" PRId64
                    ",\"through\":%s%s%s,\"settled\":%s%s%s}",
                    k++ ? "," : "", r->bill_id, r->paid_fen, r->fee_ufen, r->fee_fen,
                    r->fee_paid_fen, r->fee_waived_fen, through ? "\"" : "",
                    through ? date_format(r->fee_through, t) : "null", through ? "\"" : "",
                    r->settled ? "\"" : "", r->settled ? date_format(today, d) : "null",
                    r->settled ? "\"" : "");
    }
    strbuf_addch(&js, ']');
    struct store_stmt *st;
    if (k) {
        st = store_q(s->c->db, Q_LP_RECS_PG);
        store_bind_text(st, 1, js.buf);
        ret = store_exec(st, err);
    }
    strbuf_reset(&js);
    k = 0;
    strbuf_addch(&js, '[');
    for (size_t i = 0; i < s->accts.n; i++)
        if (s->accts.v[i].delta_fen)
            strbuf_addf(&js, "%s{\"account_id\":%" PRId64 ",\"delta\":%" PRId64 "}",
                        k++ ? "," : "", s->accts.v[i].id, s->accts.v[i].delta_fen);
    strbuf_addch(&js, ']');
    if (k && !ret) {
        st = store_q(s->c->db, Q_LP_BALANCES_PG);
        store_bind_text(st, 1, js.buf);
        store_bind_i64(st, 2, ctx_now(s->c));
        ret = store_exec(st, err);
    }
    strbuf_release(&js);
    return ret;
}

/* ---- the whole ---- */

int ledger_post_many(struct ctx *c, const struct post_opts *o, struct post_line *lines, size_t n,
                     struct err *err)
{
    struct state s = { .c = c, .o = o };
    seen_vec seen = VEC_INIT;
    struct fee_policies pol;
    const struct fee_policies *polp = o->policies ? o->policies : &pol;
    struct date today;
    int64_t *ids = NULL;
    int ret = 0;

    for (size_t i = 0; i < n; i++) {
        struct post_line *l = &lines[i];
        l->status = 0;
        l->error = NULL;
        l->error_zh = NULL;
        l->payment_id = l->fee_fen = l->to_fees_fen = l->to_principal_fen = 0;
        l->credit_fen = l->balance_fen = 0;
    }
    if (!n)
        return 0;
    if ((ret = ctx_today(c, &today, err)) ||
        (!o->policies && (ret = fee_policies_load(c, &pol, err))) ||
        (ret = read_accounts(&s, lines, n, err)) || (ret = read_refs(&s, lines, n, &seen, err)) ||
        (o->check_closed_day && (ret = read_closed_days(&s, lines, n, err))))
        goto out;

    /* which lines can post, and the accounts to lock */
    char rn[16], m[MONEY_BUF_SIZE], day[DATE_BUF_SIZE];
    for (size_t i = 0; i < n; i++) {
        struct post_line *l = &lines[i];
        int64_t ai, prev;
        if (!strmap_get(&s.acct_by_no, l->account_no, &ai)) {
            line_fail(c, l, ERR_NOT_FOUND, "unknown account '%s'", l->account_no);
            continue;
        }
        if (l->ref && strmap_get(&s.seen, l->ref, &prev)) {
            const struct seen_pay *p = &seen.v[-prev - 1];
            if (!strmap_get(&s.acct_by_no, p->account_no, NULL)) {
                /* another account, perhaps outside the caller's org scope: name nothing of it */
                line_fail(c, l, ERR_CONFLICT,
                          "%s reference '%s' was already used by a payment to another account",
                          o->channel, l->ref);
                continue;
            }
            if (strcmp(p->account_no, l->account_no) || p->amount_fen != l->amount_fen) {
                line_fail(c, l, ERR_CONFLICT,
                          "%s reference '%s' was already posted as receipt %s for %s yuan to "
                          "another account or amount",
                          o->channel, l->ref, ledger_receipt_no(p->id, rn),
                          money_format(p->amount_fen, m));
                continue;
            }
            l->status = LINE_REPEAT;
            l->payment_id = p->id;
            continue;
        }
        if (s.accts.v[ai].closed && !o->allow_closed) {
            line_fail(c, l, ERR_CONFLICT, "account %s is closed", l->account_no);
            continue;
        }
        if (o->check_closed_day && strmap_get(&s.closed_days, date_format(l->paid_on, day), NULL)) {
            line_fail(c, l, ERR_CONFLICT, "cashier %s has closed %s (日结): post on another day",
                      c->actor, day);
            continue;
        }
        s.accts.v[ai].locked = true;
    }
    if ((ret = lock_and_load(&s, err)))
        goto out;
    /* A reference is taken by the line that posts with it, in line order: a line refused
     * (here or above) leaves it to a later line. */
    for (size_t i = 0; i < n; i++) {
        struct post_line *l = &lines[i];
        int64_t ai, prev;
        if (l->status || !strmap_get(&s.acct_by_no, l->account_no, &ai))
            continue;
        if (l->ref && strmap_get(&s.seen, l->ref, &prev)) {
            line_fail(c, l, ERR_CONFLICT, "%s reference '%s' repeats line %" PRId64,
                      o->channel, l->ref, prev);
            continue;
        }
        if ((ret = apply_line(&s, polp, i, l, &s.accts.v[ai], err)))
            goto out;
        if (l->ref && l->status == LINE_POSTED)
            strmap_put(&s.seen, l->ref, (int64_t)i + 1);
    }
    if (!s.pays.n)
        goto out;
    ids = xreallocarray(NULL, s.pays.n, sizeof(*ids));
    if ((ret = new_ids(&s, ids, err)) || (ret = write_payments(&s, lines, ids, err)) ||
        (ret = write_state(&s, today, err)))
        goto out;
    for (size_t i = 0; i < s.pays.n; i++)
        lines[s.pays.v[i].line].payment_id = ids[i];
    /* arrears cleared: collections cancels a disconnection or orders the reconnection */
    int64_t *posted = xreallocarray(NULL, s.accts.n, sizeof(*posted));
    size_t nposted = 0;
    for (size_t i = 0; i < s.accts.n; i++)
        if (s.accts.v[i].posted)
            posted[nposted++] = s.accts.v[i].id;
    ret = collect_after_payments(c, posted, nposted, err);
    free(posted);
out:
    free(ids);
    VEC_FREE(&seen);
    state_release(&s);
    return ret;
}
