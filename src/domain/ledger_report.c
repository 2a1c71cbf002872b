/*
 * Reading the ledger: an account's statement, payments and their allocations, the invariant
 * check over every account, and the cashier's daily close (日结).
 */
#include "domain/ledger.h"

#include "core/common.h"
#include "core/money.h"
#include "domain/audit.h"

#include <inttypes.h>
#include <string.h>

int ledger_statement(struct ctx *c, const char *account_no, ledger_entry_fn *efn,
                     ledger_item_fn *ifn, void *arg, int64_t *balance_fen, struct err *err)
{
    int64_t id = 0;
    bool closed;
    int ret;
    *balance_fen = 0;
    if ((ret = ledger_account_find(c, account_no, &id, &closed, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_LEDGER_ACCOUNT_BALANCE);
    store_bind_i64(st, 1, id);
    ret = store_one(st, err);
    if (ret && ret != ERR_NOT_FOUND)
        return ret;
    if (!ret) {
        *balance_fen = store_col_i64(st, 0);
        store_reset(st);
    }
    st = store_q(c->db, Q_LEDGER_ENTRIES);
    store_bind_i64(st, 1, id);
    ret = 0;
    while (efn && !ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct ledger_entry_info e = {
            .id = store_col_i64(st, 0),
            .kind = store_col_text(st, 1),
            .debit_fen = store_col_i64(st, 2),
            .credit_fen = store_col_i64(st, 3),
            .bill_no = store_col_null(st, 4) ? NULL : store_col_text(st, 4),
            .payment_id = store_col_null(st, 5) ? 0 : store_col_i64(st, 5),
            .on_date = store_col_text(st, 6),
            .posted_at = store_col_i64(st, 7),
            .actor = store_col_text(st, 8),
            .note = store_col_null(st, 9) ? NULL : store_col_text(st, 9),
        };
        ret = efn(arg, &e);
    }
    store_reset(st);
    if (ret < 0 || !ifn)
        return ret < 0 ? ret : 0;
    st = store_q(c->db, Q_LEDGER_OPEN_ITEMS);
    store_bind_i64(st, 1, id);
    ret = 0;
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct ledger_item it = {
            .bill_no = store_col_text(st, 0),
            .period = store_col_text(st, 1),
            .due_on = store_col_text(st, 2),
            .amount_fen = store_col_i64(st, 3),
            .paid_fen = store_col_i64(st, 4),
            .fee_fen = store_col_i64(st, 5),
            .fee_paid_fen = store_col_i64(st, 6),
            .fee_waived_fen = store_col_i64(st, 7),
            .fee_through = store_col_null(st, 8) ? NULL : store_col_text(st, 8),
        };
        ret = ifn(arg, &it);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

static const char *opt_text(struct ctx *c, struct store_stmt *st, int col)
{
    return store_col_null(st, col) ? NULL : ctx_col_text(c, st, col);
}

void ledger_payment_read(struct ctx *c, struct store_stmt *st, struct payment_info *p)
{
    p->id = store_col_i64(st, 0);
    p->account_no = ctx_col_text(c, st, 1);
    p->amount_fen = store_col_i64(st, 2);
    p->unallocated_fen = store_col_i64(st, 3);
    p->channel = ctx_col_text(c, st, 4);
    p->ref = opt_text(c, st, 5);
    p->paid_on = ctx_col_text(c, st, 6);
    p->cashier = ctx_col_text(c, st, 7);
    p->status = ctx_col_text(c, st, 8);
    p->posted_at = store_col_i64(st, 9);
    p->reversed_on = opt_text(c, st, 10);
    p->reversed_by = opt_text(c, st, 11);
    p->reversal_approver = opt_text(c, st, 12);
    p->reversal_reason = opt_text(c, st, 13);
    p->account_id = store_col_i64(st, 14);
    p->batch_id = store_col_null(st, 15) ? 0 : store_col_i64(st, 15);
}

int ledger_payment_get(struct ctx *c, int64_t id, struct payment_info *p, struct err *err)
{
    char rn[16];
    struct store_stmt *st = store_q(c->db, Q_LEDGER_PAY_GET);
    store_bind_i64(st, 1, id);
    ctx_bind_scope(c, st, 2);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no payment %s", ledger_receipt_no(id, rn));
    if (ret)
        return ret;
    ledger_payment_read(c, st, p);
    store_reset(st);
    return 0;
}

int ledger_payment_list(struct ctx *c, const struct payment_filter *f, payment_fn *fn, void *arg,
                        struct err *err)
{
    struct store_stmt *st =
        store_q(c->db, f->account_no ? Q_LEDGER_PAY_LIST_ACCOUNT : Q_LEDGER_PAY_LIST);
    int ret = 0;
    store_bind_text(st, 1, f->account_no);
    store_bind_text(st, 2, f->day);
    store_bind_text(st, 3, f->cashier);
    store_bind_i64(st, 4, f->limit > 0 ? f->limit : 100);
    store_bind_i64(st, 5, f->before_id > 0 ? f->before_id : INT64_MAX);
    ctx_bind_scope(c, st, 6);
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct payment_info p;
        ledger_payment_read(c, st, &p);
        ret = fn(arg, &p);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

int ledger_payment_allocs(struct ctx *c, int64_t id, struct pay_alloc **out, int *n,
                          struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_LEDGER_ALLOC_OF_PAYMENT);
    int ret, cap = 16;
    struct pay_alloc *a = arena_alloc(c->arena, cap * sizeof(*a));
    *n = 0;
    store_bind_i64(st, 1, id);
    /* every row: a payment clearing years of arrears pays as many bills (a receipt that stopped
     * at a fixed count left bills out silently) */
    while ((ret = store_step(st, err)) == STORE_ROW) {
        if (*n == cap) {
            struct pay_alloc *bigger = arena_alloc(c->arena, 2 * cap * sizeof(*a));
            memcpy(bigger, a, cap * sizeof(*a));
            a = bigger;
            cap *= 2;
        }
        a[*n].fee_fen = store_col_i64(st, 1);
        a[*n].principal_fen = store_col_i64(st, 2);
        a[(*n)++].bill_no = ctx_col_text(c, st, 3);
    }
    store_reset(st);
    *out = a;
    return ret < 0 ? ret : 0;
}

/* ---- verify ---- */

static int collect(struct ctx *c, enum query_id q, const char *check, struct ledger_verify_result *r,
                   struct err *err)
{
    struct store_stmt *st = store_q(c->db, q);
    char a[MONEY_BUF_SIZE], b[MONEY_BUF_SIZE], d[MONEY_BUF_SIZE], e[MONEY_BUF_SIZE],
        f[MONEY_BUF_SIZE];
    int ret;
    ctx_bind_scope(c, st, 1);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        r->nfound++;
        if (r->nproblems == (int)ARRAY_SIZE(r->problems))
            continue;
        struct ledger_problem *p = &r->problems[r->nproblems++];
        p->check = check;
        p->account_no = ctx_col_text(c, st, 0);
        if (q == Q_LEDGER_VERIFY_BALANCE)
            snprintf(p->detail, sizeof(p->detail), "ledger entries sum to %s, balance is %s",
                     money_format(store_col_i64(st, 1), a), money_format(store_col_i64(st, 2), b));
        else if (q == Q_LEDGER_VERIFY_ITEMS)
            snprintf(p->detail, sizeof(p->detail),
                     "open bills less credit come to %s, balance is %s",
                     money_format(store_col_i64(st, 1), a), money_format(store_col_i64(st, 2), b));
        else if (q == Q_LEDGER_VERIFY_RECEIVABLES)
            snprintf(p->detail, sizeof(p->detail),
                     "bill #%" PRId64 ": paid %s and fee paid %s, allocations %s and %s, or its "
                     "settled state is wrong",
                     store_col_i64(st, 1), money_format(store_col_i64(st, 2), a),
                     money_format(store_col_i64(st, 3), b), money_format(store_col_i64(st, 4), d),
                     money_format(store_col_i64(st, 5), e));
        else if (q == Q_LEDGER_VERIFY_DEPOSITS)
            snprintf(p->detail, sizeof(p->detail),
                     "deposit #%" PRId64 " of %s (%s): applied %s (payment %s), refunded %s "
                     "(refunds %s)",
                     store_col_i64(st, 1), money_format(store_col_i64(st, 2), a),
                     ctx_col_text(c, st, 7), money_format(store_col_i64(st, 3), b),
                     money_format(store_col_i64(st, 6), d), money_format(store_col_i64(st, 4), e),
                     money_format(store_col_i64(st, 5), f));
        else {
            char rn[16];
            snprintf(p->detail, sizeof(p->detail),
                     "payment %s of %s: allocations and credit come to %s",
                     ledger_receipt_no(store_col_i64(st, 1), rn),
                     money_format(store_col_i64(st, 2), a), money_format(store_col_i64(st, 3), b));
        }
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

int ledger_verify(struct ctx *c, struct ledger_verify_result *r, struct err *err)
{
    int ret;
    memset(r, 0, sizeof(*r));
    if ((ret = store_begin(c->db, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_LEDGER_VERIFY_COUNTS);
    ctx_bind_scope(c, st, 1);
    if ((ret = store_one(st, err)))
        goto out;
    r->accounts = store_col_i64(st, 0);
    r->entries = store_col_i64(st, 1);
    r->receivables = store_col_i64(st, 2);
    r->payments = store_col_i64(st, 3);
    r->deposits = store_col_i64(st, 4);
    r->held_fen = store_col_i64(st, 5);
    store_reset(st);
    if ((ret = collect(c, Q_LEDGER_VERIFY_BALANCE, "balance", r, err)) ||
        (ret = collect(c, Q_LEDGER_VERIFY_ITEMS, "items", r, err)) ||
        (ret = collect(c, Q_LEDGER_VERIFY_RECEIVABLES, "receivable", r, err)) ||
        (ret = collect(c, Q_LEDGER_VERIFY_PAYMENTS, "payment", r, err)) ||
        (ret = collect(c, Q_LEDGER_VERIFY_DEPOSITS, "deposit", r, err)))
        goto out;
out:
    return store_end(c->db, ret, err);
}

/* ---- daily close ---- */

static int read_close(struct ctx *c, enum query_id q, const char *cashier, const char *day,
                      struct close_result *r, struct err *err)
{
    struct store_stmt *st = store_q(c->db, q);
    int ret;
    r->n = 0;
    r->net_fen = r->cash_fen = 0;
    store_bind_text(st, 1, cashier);
    store_bind_text(st, 2, day);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        const char *ch = store_col_text(st, 0);
        if (!strcmp(ch, "-") || r->n == (int)ARRAY_SIZE(r->ch))
            continue; /* the marker row of a day without payments */
        struct close_channel *x = &r->ch[r->n++];
        snprintf(x->channel, sizeof(x->channel), "%s", ch);
        x->payments = store_col_i64(st, 1);
        x->received_fen = store_col_i64(st, 2);
        x->reversed_fen = store_col_i64(st, 3);
        x->deposits_fen = store_col_i64(st, 4);
        x->refunded_fen = store_col_i64(st, 5);
        r->net_fen += x->received_fen - x->reversed_fen;
        r->cash_fen += x->received_fen - x->reversed_fen + x->deposits_fen - x->refunded_fen;
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

static int insert_close(struct ctx *c, const char *cashier, const char *day, const char *channel,
                        const struct close_channel *x, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_LEDGER_CLOSE_INSERT);
    store_bind_text(st, 1, cashier);
    store_bind_text(st, 2, day);
    store_bind_text(st, 3, channel);
    store_bind_i64(st, 4, x ? x->payments : 0);
    store_bind_i64(st, 5, x ? x->received_fen : 0);
    store_bind_i64(st, 6, x ? x->reversed_fen : 0);
    store_bind_i64(st, 7, ctx_now(c));
    store_bind_i64(st, 8, x ? x->deposits_fen : 0);
    store_bind_i64(st, 9, x ? x->refunded_fen : 0);
    return store_exec(st, err);
}

int ledger_close(struct ctx *c, const char *cashier, struct date day,
                 const struct close_count *counted, int ncounted, struct close_result *r,
                 struct err *err)
{
    char db[DATE_BUF_SIZE], m1[MONEY_BUF_SIZE], m2[MONEY_BUF_SIZE], detail[200];
    struct date today;
    int ret;

    memset(r, 0, sizeof(*r));
    if (!cashier || !*cashier)
        return error(err, ERR_INVALID, "which cashier's day to close?");
    if ((ret = ctx_today(c, &today, err)))
        return ret;
    if (date_cmp(day, today) > 0)
        return error(err, ERR_INVALID, "%s has not come yet", date_format(day, db));
    date_format(day, db);
    for (int i = 0; i < ncounted; i++)
        if (!ledger_channel_is_cash(counted[i].channel))
            return error(err, ERR_INVALID, "unknown payment channel '%s' (one of %s)",
                         counted[i].channel, LEDGER_CASH_CHANNELS);
    if ((ret = store_begin(c->db, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_LEDGER_CLOSED);
    store_bind_text(st, 1, cashier);
    store_bind_text(st, 2, db);
    ret = store_one(st, err);
    if (!ret) {
        store_reset(st);
        r->already = true;
        ret = read_close(c, Q_LEDGER_CLOSE_GET, cashier, db, r, err);
        goto out;
    }
    if (ret != ERR_NOT_FOUND)
        goto out;
    if ((ret = read_close(c, Q_LEDGER_CLOSE_TOTALS, cashier, db, r, err)))
        goto out;
    st = store_q(c->db, Q_LEDGER_CLOSE_LEDGER);
    store_bind_text(st, 1, cashier);
    store_bind_text(st, 2, db);
    if ((ret = store_one(st, err)))
        goto out;
    int64_t ledger_net = store_col_i64(st, 0);
    store_reset(st);
    if (ledger_net != r->net_fen) {
        ret = error(err, ERR_CORRUPT,
                    "%s's payments on %s come to %s but the ledger says %s: run 'pmis ledger "
                    "verify'", cashier, db, money_format(r->net_fen, m1),
                    money_format(ledger_net, m2));
        goto out;
    }
    for (int i = 0; i < ncounted; i++) {
        int64_t net = 0;
        for (int j = 0; j < r->n; j++)
            if (!strcmp(r->ch[j].channel, counted[i].channel))
                net = r->ch[j].received_fen - r->ch[j].reversed_fen + r->ch[j].deposits_fen -
                      r->ch[j].refunded_fen;
        if (net != counted[i].fen) {
            ret = error(err, ERR_CONFLICT,
                        "%s counted %s yuan by %s on %s but the payments come to %s: find the "
                        "difference before closing", cashier, money_format(counted[i].fen, m1),
                        counted[i].channel, db, money_format(net, m2));
            goto out;
        }
    }
    if ((ret = insert_close(c, cashier, db, "-", NULL, err)))
        goto out;
    for (int j = 0; j < r->n; j++)
        if ((ret = insert_close(c, cashier, db, r->ch[j].channel, &r->ch[j], err)))
            goto out;
    snprintf(detail, sizeof(detail), "%s %s: net %s yuan over %d channel(s)", cashier, db,
             money_format(r->net_fen, m1), r->n);
    struct audit_rec ar = { "cashier.close", "cashier", cashier, NULL, NULL, detail };
    ret = audit_append(c, &ar, err);
out:
    return store_end(c->db, ret, err);
}
