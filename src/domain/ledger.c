/*
 * Posting to the receivables ledger: bills in, payments and credits allocated, reversals.
 * Late-fee arithmetic is in ledger_fee.c, statements, verification and the daily close in
 * ledger_report.c.
 */
#include "domain/ledger.h"

#include "core/common.h"
#include "core/money.h"
#include "core/vec.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/collect.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef VEC(struct receivable) rec_vec;

bool ledger_channel_is_cash(const char *ch)
{
    static const char *const cash[] = { "counter", "bank", "wechat", "alipay", "agent" };
    for (size_t i = 0; ch && i < ARRAY_SIZE(cash); i++)
        if (!strcmp(ch, cash[i]))
            return true;
    return false;
}

char *ledger_receipt_no(int64_t id, char buf[16])
{
    snprintf(buf, 16, "SK%010" PRId64, id);
    return buf;
}

int ledger_receipt_parse(const char *s, int64_t *id, struct err *err)
{
    const char *p = s;
    int64_t v = 0;
    if ((p[0] == 'S' || p[0] == 's') && (p[1] == 'K' || p[1] == 'k'))
        p += 2;
    if (!*p || strlen(p) > 10)
        goto bad;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            goto bad;
        v = v * 10 + (*p - '0');
    }
    if (v <= 0)
        goto bad;
    *id = v;
    return 0;
bad:
    return error(err, ERR_INVALID, "'%s' is not a receipt number (SK and ten digits)", s);
}

/* ---- rows ---- */

/* The error of a line that was not posted, in both languages. */
static int unposted_error(struct err *err, const struct post_line *l)
{
    error(err, l->status, "%s", l->error);
    if (err && l->error_zh)
        snprintf(err->msg_zh, sizeof(err->msg_zh), "%s", l->error_zh);
    return l->status;
}

static struct date col_date(struct store_stmt *st, int col)
{
    struct date d = { 0, 0, 0 };
    struct err e;
    if (!store_col_null(st, col))
        (void)date_parse(store_col_text(st, col), &d, &e);
    return d;
}

void ledger_rec_read(struct store_stmt *st, struct receivable *r)
{
    r->bill_id = store_col_i64(st, 0);
    r->account_id = store_col_i64(st, 1);
    r->bill_year = (int)store_col_i64(st, 2);
    r->resident = store_col_i64(st, 3) != 0;
    r->due_on = col_date(st, 4);
    r->amount_fen = store_col_i64(st, 5);
    r->paid_fen = store_col_i64(st, 6);
    r->fee_ufen = store_col_i64(st, 7);
    r->fee_fen = store_col_i64(st, 8);
    r->fee_paid_fen = store_col_i64(st, 9);
    r->fee_waived_fen = store_col_i64(st, 10);
    r->fee_through = col_date(st, 11);
    r->settled = !store_col_null(st, 12);
}

static int64_t owed_fee(const struct receivable *r)
{
    return r->fee_fen - r->fee_paid_fen - r->fee_waived_fen;
}

static int64_t owed_principal(const struct receivable *r)
{
    return r->amount_fen - r->paid_fen;
}

int ledger_rec_write(struct ctx *c, const struct receivable *r, struct date today, struct err *err)
{
    char through[DATE_BUF_SIZE], settled[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_LEDGER_REC_UPDATE);
    bool done = owed_fee(r) == 0 && owed_principal(r) == 0;
    store_bind_i64(st, 1, r->bill_id);
    store_bind_i64(st, 2, r->paid_fen);
    store_bind_i64(st, 3, r->fee_ufen);
    store_bind_i64(st, 4, r->fee_fen);
    store_bind_i64(st, 5, r->fee_paid_fen);
    store_bind_i64(st, 6, r->fee_waived_fen);
    if (date_is_valid(r->fee_through))
        store_bind_text(st, 7, date_format(r->fee_through, through));
    else
        store_bind_null(st, 7);
    if (done)
        store_bind_text(st, 8, date_format(today, settled));
    else
        store_bind_null(st, 8);
    return store_exec(st, err);
}

int ledger_entry_add(struct ctx *c, int64_t account_id, const char *kind, int64_t debit_fen,
                     int64_t credit_fen, int64_t bill_id, int64_t payment_id, struct date on,
                     const char *note, struct err *err)
{
    char day[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_LEDGER_ENTRY_ADD);
    store_bind_i64(st, 1, account_id);
    store_bind_text(st, 2, kind);
    store_bind_i64(st, 3, debit_fen);
    store_bind_i64(st, 4, credit_fen);
    if (bill_id)
        store_bind_i64(st, 5, bill_id);
    else
        store_bind_null(st, 5);
    if (payment_id)
        store_bind_i64(st, 6, payment_id);
    else
        store_bind_null(st, 6);
    store_bind_text(st, 7, date_format(on, day));
    store_bind_i64(st, 8, ctx_now(c));
    store_bind_text(st, 9, c->actor);
    store_bind_text(st, 10, note);
    return store_exec(st, err);
}

int ledger_balance_add(struct ctx *c, int64_t account_id, int64_t fen, struct err *err)
{
    if (!fen)
        return 0;
    struct store_stmt *st = store_q(c->db, Q_LEDGER_BALANCE_ADD);
    store_bind_i64(st, 1, account_id);
    store_bind_i64(st, 2, fen);
    store_bind_i64(st, 3, ctx_now(c));
    return store_exec(st, err);
}

int ledger_lock(struct ctx *c, int64_t account_id, int64_t *balance_fen, struct err *err)
{
    int ret;
    for (int pass = 0;; pass++) {
        struct store_stmt *st = store_q(c->db, Q_LEDGER_BALANCE_LOCK);
        store_bind_i64(st, 1, account_id);
        if ((ret = store_one(st, err)) != ERR_NOT_FOUND || pass) {
            if (!ret) {
                *balance_fen = store_col_i64(st, 0);
                store_reset(st);
            }
            return ret;
        }
        /* the account's first posting: create its balance row, then lock it */
        st = store_q(c->db, Q_LEDGER_BALANCE_ENSURE);
        store_bind_i64(st, 1, account_id);
        store_bind_i64(st, 2, ctx_now(c));
        if ((ret = store_exec(st, err)))
            return ret;
    }
}

static int load_open(struct ctx *c, int64_t account_id, rec_vec *out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_LEDGER_REC_OPEN);
    int ret;
    store_bind_i64(st, 1, account_id);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct receivable r;
        ledger_rec_read(st, &r);
        VEC_PUSH(out, r);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

/* ---- allocation ---- */

void ledger_alloc_split(const struct receivable *r, bool principal_first, int64_t left,
                        int64_t *fee_fen, int64_t *principal_fen)
{
    int64_t fee = owed_fee(r), pr = owed_principal(r);
    if (principal_first) {
        *principal_fen = MIN(left, pr);
        *fee_fen = MIN(left - *principal_fen, fee);
    } else {
        *fee_fen = MIN(left, fee);
        *principal_fen = MIN(left - *fee_fen, pr);
    }
}

struct alloc_plan {
    int64_t fee_fen, principal_fen;
};

/* Split `*left` over the open receivables in order (each bill's fee before its principal, or
 * principal first); plan[i] gets what receivable i receives. */
static void plan_allocation(const rec_vec *recs, bool principal_first, int64_t *left,
                            struct alloc_plan *plan)
{
    for (size_t i = 0; i < recs->n; i++) {
        ledger_alloc_split(&recs->v[i], principal_first, *left, &plan[i].fee_fen,
                           &plan[i].principal_fen);
        *left -= plan[i].fee_fen + plan[i].principal_fen;
    }
}

/* Write the planned allocations of credit payment `pay_id` to the receivables. */
static int apply_plan(struct ctx *c, int64_t pay_id, rec_vec *recs, const struct alloc_plan *plan,
                      struct date today, struct err *err)
{
    int ret;
    for (size_t i = 0; i < recs->n; i++) {
        struct receivable *rec = &recs->v[i];
        if (!plan[i].fee_fen && !plan[i].principal_fen)
            continue;
        rec->fee_paid_fen += plan[i].fee_fen;
        rec->paid_fen += plan[i].principal_fen;
        struct store_stmt *st = store_q(c->db, Q_LEDGER_ALLOC_ADD);
        store_bind_i64(st, 1, pay_id);
        store_bind_i64(st, 2, rec->bill_id);
        store_bind_i64(st, 3, plan[i].fee_fen);
        store_bind_i64(st, 4, plan[i].principal_fen);
        if ((ret = store_exec(st, err)) || (ret = ledger_rec_write(c, rec, today, err)))
            return ret;
    }
    return 0;
}

/* Apply the account's unallocated credit (oldest payment first) to its open receivables. */
static int apply_credit(struct ctx *c, int64_t account_id, rec_vec *recs, struct date today,
                        struct err *err)
{
    struct {
        int64_t id, left;
    } credits[64];
    int n = 0, ret;
    struct store_stmt *st = store_q(c->db, Q_LEDGER_CREDITS);
    store_bind_i64(st, 1, account_id);
    while (n < (int)ARRAY_SIZE(credits) && (ret = store_step(st, err)) == STORE_ROW) {
        credits[n].id = store_col_i64(st, 0);
        credits[n++].left = store_col_i64(st, 1);
    }
    store_reset(st);
    if (ret < 0)
        return ret;
    struct alloc_plan *plan = arena_alloc(c->arena, (recs->n + 1) * sizeof(*plan));
    for (int i = 0; i < n; i++) {
        int64_t left = credits[i].left;
        plan_allocation(recs, false, &left, plan);
        if (left == credits[i].left)
            break; /* nothing open any more */
        if ((ret = apply_plan(c, credits[i].id, recs, plan, today, err)))
            return ret;
        st = store_q(c->db, Q_LEDGER_PAY_SET_UNALLOCATED);
        store_bind_i64(st, 1, credits[i].id);
        store_bind_i64(st, 2, left);
        if ((ret = store_exec(st, err)))
            return ret;
    }
    return 0;
}

/* ---- payments ---- */

static int check_ref(const char *ref, struct err *err)
{
    size_t n = strlen(ref);
    if (!n || n > LEDGER_REF_MAX)
        return error(err, ERR_INVALID, "a payment reference has 1 to %d characters, not %zu",
                     LEDGER_REF_MAX, n);
    for (const unsigned char *p = (const unsigned char *)ref; *p; p++)
        if (*p < 0x21 || *p == 0x7f)
            return error(err, ERR_INVALID,
                         "payment reference '%s' has a blank or control character", ref);
    return 0;
}

int ledger_account_find(struct ctx *c, const char *account_no, int64_t *id, bool *closed,
                        struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_LEDGER_ACCOUNT);
    store_bind_text(st, 1, account_no);
    ctx_bind_scope(c, st, 2);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "unknown account '%s'", account_no);
    if (ret)
        return ret;
    *id = store_col_i64(st, 0);
    *closed = !strcmp(store_col_text(st, 1), "closed");
    store_reset(st);
    return 0;
}

int ledger_pay(struct ctx *c, const struct pay_req *q, struct pay_result *r, struct err *err)
{
    struct date today;
    char b[DATE_BUF_SIZE];
    int ret;

    memset(r, 0, sizeof(*r));
    if (q->amount_fen <= 0) {
        char m[MONEY_BUF_SIZE];
        return error(err, ERR_INVALID, "a payment must be more than 0.00 yuan, not %s",
                     money_format(q->amount_fen, m)),
               err_field(err, "amount");
    }
    if (!ledger_channel_is_cash(q->channel))
        return error(err, ERR_INVALID, "unknown payment channel '%s' (one of %s)",
                     q->channel ? q->channel : "", LEDGER_CASH_CHANNELS),
               err_field(err, "channel");
    if (!q->ref && strcmp(q->channel, "counter"))
        return error(err, ERR_INVALID, "a %s payment needs its reference (--ref)", q->channel),
               err_field(err, "ref");
    if (q->ref && (ret = check_ref(q->ref, err)))
        return err_field(err, "ref");
    if ((ret = ctx_today(c, &today, err)))
        return ret;
    struct post_line l = { .account_no = q->account_no,
                           .ref = q->ref,
                           .amount_fen = q->amount_fen,
                           .paid_on = date_is_valid(q->paid_on) ? q->paid_on : today };
    if (date_cmp(l.paid_on, today) > 0)
        return error(err, ERR_INVALID, "payment date %s is in the future",
                     date_format(l.paid_on, b)),
               err_field(err, "date");
    struct post_opts o = { .channel = q->channel,
                           .kind = "payment",
                           .principal_first = q->principal_first,
                           .check_closed_day = true };
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = ledger_post_many(c, &o, &l, 1, err)))
        goto out;
    if (l.status < 0) {
        ret = unposted_error(err, &l);
        goto out;
    }
    r->payment_id = l.payment_id;
    r->duplicate = l.status == LINE_REPEAT;
    r->fee_fen = l.fee_fen;
    r->to_fees_fen = l.to_fees_fen;
    r->to_principal_fen = l.to_principal_fen;
    r->credit_fen = l.credit_fen;
    r->balance_fen = l.balance_fen;
    if (!r->duplicate) {
        char m[MONEY_BUF_SIZE], rn[16], detail[160];
        snprintf(detail, sizeof(detail), "%s %s yuan by %s%s%s", ledger_receipt_no(r->payment_id, rn),
                 money_format(q->amount_fen, m), q->channel, q->ref ? " ref " : "",
                 q->ref ? q->ref : "");
        struct audit_rec ar = { "payment.post", "account", q->account_no, NULL, NULL, detail };
        ret = audit_append(c, &ar, err);
    }
out:
    return store_end(c->db, ret, err);
}

int ledger_post_credit(struct ctx *c, int64_t account_id, int64_t amount_fen, const char *channel,
                       const char *ref, struct pay_result *r, struct err *err)
{
    struct date today;
    int ret;

    memset(r, 0, sizeof(*r));
    if (amount_fen <= 0 || !channel || ledger_channel_is_cash(channel))
        return error(err, ERR_INVALID, "an internal credit needs an amount and a non-cash channel");
    if ((ret = ctx_today(c, &today, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_LEDGER_ACCOUNT_NO);
    store_bind_i64(st, 1, account_id);
    if ((ret = store_one(st, err)))
        return ret == ERR_NOT_FOUND ? error(err, ERR_NOT_FOUND, "no account #%" PRId64, account_id)
                                    : ret;
    struct post_line l = { .account_no = ctx_col_text(c, st, 0),
                           .ref = ref,
                           .amount_fen = amount_fen,
                           .paid_on = today };
    store_reset(st);
    struct post_opts o = {
        .channel = channel, .kind = channel, .allow_closed = true, .all_orgs = true
    };
    if ((ret = ledger_post_many(c, &o, &l, 1, err)))
        return ret;
    if (l.status < 0)
        return unposted_error(err, &l);
    r->payment_id = l.payment_id;
    r->duplicate = l.status == LINE_REPEAT;
    r->fee_fen = l.fee_fen;
    r->to_fees_fen = l.to_fees_fen;
    r->to_principal_fen = l.to_principal_fen;
    r->credit_fen = l.credit_fen;
    r->balance_fen = l.balance_fen;
    return 0;
}

/* ---- bills ---- */

int ledger_post_bill(struct ctx *c, int64_t bill_id, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_LEDGER_BILL_FOR_POSTING);
    struct date today, due = { 0, 0, 0 };
    struct period per;
    int64_t balance;
    int ret;

    store_bind_i64(st, 1, bill_id);
    if ((ret = store_one(st, err))) {
        if (ret == ERR_NOT_FOUND)
            ret = error(err, ERR_NOT_FOUND, "bill #%" PRId64 " is not issued", bill_id);
        return ret;
    }
    int64_t account_id = store_col_i64(st, 0), total = store_col_i64(st, 2);
    bool regular = !strcmp(store_col_text(st, 1), "regular");
    ret = period_parse(store_col_text(st, 3), &per, err);
    if (!ret)
        ret = date_parse(store_col_text(st, 4), &due, err);
    const char *bill_no = ctx_col_text(c, st, 5);
    bool resident = !strcmp(store_col_text(st, 6), "resident");
    const char *account_no = ctx_col_text(c, st, 7);
    store_reset(st);
    if (ret || !total || (ret = ctx_today(c, &today, err)) ||
        (ret = ledger_lock(c, account_id, &balance, err)))
        return ret;

    if (total < 0) { /* a refund: a credit paying the oldest open bills */
        struct post_line l = {
            .account_no = account_no, .ref = bill_no, .amount_fen = -total, .paid_on = today
        };
        struct post_opts o = { .channel = "adjustment", .kind = "adjustment", .all_orgs = true };
        if ((ret = ledger_post_many(c, &o, &l, 1, err)))
            return ret;
        return l.status < 0 ? unposted_error(err, &l) : 0;
    }
    st = store_q(c->db, Q_LEDGER_REC_INSERT);
    store_bind_i64(st, 1, bill_id);
    store_bind_i64(st, 2, account_id);
    store_bind_i64(st, 3, per.y);
    store_bind_i64(st, 4, resident);
    char db[DATE_BUF_SIZE];
    store_bind_text(st, 5, date_format(due, db));
    store_bind_i64(st, 6, total);
    if ((ret = store_exec(st, err)) ||
        (ret = ledger_entry_add(c, account_id, regular ? "bill" : "adjustment", total, 0, bill_id,
                                0, today, NULL, err)) ||
        (ret = ledger_balance_add(c, account_id, total, err)))
        return ret;
    if (balance >= 0)
        return 0;
    rec_vec recs = VEC_INIT; /* credit on the account pays the new bill at once */
    if (!(ret = load_open(c, account_id, &recs, err)))
        ret = apply_credit(c, account_id, &recs, today, err);
    VEC_FREE(&recs);
    return ret;
}

int ledger_post_run(struct ctx *c, int64_t run_id, struct err *err)
{
    VEC(int64_t) credit = VEC_INIT, refunds = VEC_INIT;
    rec_vec recs = VEC_INIT;
    struct date today;
    char day[DATE_BUF_SIZE];
    int ret;

    if ((ret = ctx_today(c, &today, err)))
        return ret;
    /* accounts with credit before this run's bills arrive, and the run's refunds */
    struct store_stmt *st = store_q(c->db, Q_LEDGER_RUN_CREDIT_ACCOUNTS);
    store_bind_i64(st, 1, run_id);
    while ((ret = store_step(st, err)) == STORE_ROW)
        VEC_PUSH(&credit, store_col_i64(st, 0));
    store_reset(st);
    if (ret < 0)
        goto out;
    st = store_q(c->db, Q_LEDGER_RUN_REFUNDS);
    store_bind_i64(st, 1, run_id);
    while ((ret = store_step(st, err)) == STORE_ROW)
        VEC_PUSH(&refunds, store_col_i64(st, 0));
    store_reset(st);
    if (ret < 0)
        goto out;
    ret = 0;
    /* entries and balances first: both find the new bills by their missing receivable */
    st = store_q(c->db, Q_LEDGER_RUN_ENTRIES);
    store_bind_i64(st, 1, run_id);
    store_bind_text(st, 2, date_format(today, day));
    store_bind_i64(st, 3, ctx_now(c));
    store_bind_text(st, 4, c->actor);
    if (!(ret = store_exec(st, err))) {
        st = store_q(c->db, Q_LEDGER_RUN_BALANCES);
        store_bind_i64(st, 1, run_id);
        store_bind_i64(st, 2, ctx_now(c));
        ret = store_exec(st, err);
    }
    if (!ret) {
        st = store_q(c->db, Q_LEDGER_RUN_RECEIVABLES);
        store_bind_i64(st, 1, run_id);
        ret = store_exec(st, err);
    }
    for (size_t i = 0; i < credit.n && !ret; i++) {
        int64_t balance;
        VEC_CLEAR(&recs);
        if (!(ret = ledger_lock(c, credit.v[i], &balance, err)) &&
            !(ret = load_open(c, credit.v[i], &recs, err)))
            ret = apply_credit(c, credit.v[i], &recs, today, err);
    }
    for (size_t i = 0; i < refunds.n && !ret; i++)
        ret = ledger_post_bill(c, refunds.v[i], err);
out:
    VEC_FREE(&credit);
    VEC_FREE(&refunds);
    VEC_FREE(&recs);
    return ret;
}

/* ---- reversal ---- */

struct rev_alloc {
    int64_t bill_id, fee, principal;
};

int ledger_reverse(struct ctx *c, int64_t payment_id, const char *reason, const char *approver,
                   struct err *err)
{
    char rn[16], day[DATE_BUF_SIZE];
    struct payment_info pi;
    struct date today;
    rec_vec recs = VEC_INIT;
    /* every allocation, however many bills the payment paid (years of arrears at once) */
    VEC(struct rev_alloc) al = VEC_INIT;
    int64_t balance;
    int ret;

    ledger_receipt_no(payment_id, rn);
    if (!reason || !*reason)
        return error(err, ERR_INVALID, "a reversal needs a reason");
    if (!approver || !*approver)
        return error(err, ERR_INVALID, "a reversal needs an approver");
    if (c->actor && !strcmp(approver, c->actor))
        return error(err, ERR_INVALID, "the approver of a reversal must be someone else than %s",
                     c->actor);
    if ((ret = auth_approver_check(c, approver, PERM_PAYMENT_REVERSE, "approver", err)) ||
        (ret = ctx_today(c, &today, err)) || (ret = store_begin(c->db, err)))
        return ret;
    if ((ret = ledger_payment_get(c, payment_id, &pi, err)))
        goto out;
    if (!strcmp(pi.status, "reversed")) {
        ret = error(err, ERR_CONFLICT, "payment %s was already reversed on %s", rn, pi.reversed_on);
        goto out;
    }
    if (!ledger_channel_is_cash(pi.channel)) {
        ret = error(err, ERR_CONFLICT, "receipt %s is a %s credit, not a payment: correct the "
                    "bill instead", rn, pi.channel);
        goto out;
    }
    if ((ret = ledger_lock(c, pi.account_id, &balance, err)))
        goto out;
    struct store_stmt *st = store_q(c->db, Q_LEDGER_ALLOC_OF_PAYMENT);
    store_bind_i64(st, 1, payment_id);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct rev_alloc a = { store_col_i64(st, 0), store_col_i64(st, 1), store_col_i64(st, 2) };
        VEC_PUSH(&al, a);
    }
    store_reset(st);
    if (ret < 0)
        goto out;
    ret = 0;
    for (size_t i = 0; i < al.n; i++) {
        struct receivable rec;
        st = store_q(c->db, Q_LEDGER_REC_GET);
        store_bind_i64(st, 1, al.v[i].bill_id);
        if ((ret = store_one(st, err)))
            goto out;
        ledger_rec_read(st, &rec);
        store_reset(st);
        rec.paid_fen -= al.v[i].principal;
        rec.fee_paid_fen -= al.v[i].fee;
        if ((ret = ledger_rec_write(c, &rec, today, err)))
            goto out;
    }
    st = store_q(c->db, Q_LEDGER_PAY_REVERSE);
    store_bind_i64(st, 1, payment_id);
    store_bind_text(st, 2, date_format(today, day));
    store_bind_text(st, 3, c->actor);
    store_bind_text(st, 4, approver);
    store_bind_text(st, 5, reason);
    if ((ret = store_exec(st, err)) ||
        (ret = ledger_entry_add(c, pi.account_id, "reversal", pi.amount_fen, 0, 0, payment_id,
                                today, reason, err)) ||
        (ret = ledger_balance_add(c, pi.account_id, pi.amount_fen, err)) ||
        (ret = load_open(c, pi.account_id, &recs, err)) ||
        (ret = apply_credit(c, pi.account_id, &recs, today, err)) ||
        (ret = collect_after_reversal(c, pi.account_id, rn, err)))
        goto out;
    char m[MONEY_BUF_SIZE], detail[200];
    snprintf(detail, sizeof(detail), "%s %s yuan, approved by %s: %s", rn,
             money_format(pi.amount_fen, m), approver, reason);
    struct audit_rec ar = { "payment.reverse", "account", pi.account_no, NULL, NULL, detail };
    ret = audit_append(c, &ar, err);
out:
    VEC_FREE(&recs);
    VEC_FREE(&al);
    return store_end(c->db, ret, err);
}
