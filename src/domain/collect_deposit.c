/*
 * Deposits (保证金) held for high-risk customers: taken by a cash channel and held outside the
 * ledger; applied on closure through the ledger as 'deposit' credits (ledger_post_credit) that
 * pay what the account owes today, the rest refunded. Which accounts need one comes from their
 * credit grade (credit_grade.deposit_required); refunds in collect_deposit_refund.c. Called by
 * cmd_credit.c and api_deposit.c.
 */
#include "domain/collect_int.h"

#include "core/common.h"
#include "core/money.h"
#include "domain/audit.h"
#include "domain/ledger.h"

#include <inttypes.h>
#include <string.h>

int collect_deposit_take(struct ctx *c, const char *account_no, int64_t amount_fen,
                         const char *channel, const char *ref, const char *reason, int64_t *id,
                         bool *repeat, struct err *err)
{
    char m[MONEY_BUF_SIZE], td[DATE_BUF_SIZE], detail[200];
    struct date today;
    int64_t account_id;
    bool closed;
    int ret;

    *id = 0;
    *repeat = false;
    if (amount_fen <= 0)
        return error(err, ERR_INVALID, "a deposit must be more than 0.00 yuan, not %s",
                     money_format(amount_fen, m)),
               err_field(err, "amount");
    if (!ledger_channel_is_cash(channel))
        return error(err, ERR_INVALID, "unknown payment channel '%s' (one of %s)",
                     channel ? channel : "", LEDGER_CASH_CHANNELS),
               err_field(err, "channel");
    if (!ref && strcmp(channel, "counter"))
        return error(err, ERR_INVALID, "a %s deposit needs its reference (--ref)", channel),
               err_field(err, "ref");
    if (ref && (!*ref || strlen(ref) > LEDGER_REF_MAX))
        return error(err, ERR_INVALID, "a reference has 1 to %d characters", LEDGER_REF_MAX),
               err_field(err, "ref");
    if ((ret = ctx_today(c, &today, err)) || (ret = store_begin(c->db, err)))
        return ret;
    if ((ret = ledger_account_find(c, account_no, &account_id, &closed, err)) ||
        (ret = collect_day_open(c, date_format(today, td), err)))
        goto out;
    if (closed) {
        ret = error(err, ERR_CONFLICT, "account %s is closed", account_no);
        goto out;
    }
    struct store_stmt *st;
    if (ref) {
        st = store_q(c->db, Q_COLLECT_DEPOSIT_BY_REF);
        store_bind_text(st, 1, channel);
        store_bind_text(st, 2, ref);
        ret = store_one(st, err);
        if (!ret) {
            bool same = !strcmp(store_col_text(st, 1), account_no) &&
                        store_col_i64(st, 2) == amount_fen;
            *id = store_col_i64(st, 0);
            store_reset(st);
            if (same)
                *repeat = true;
            else
                ret = error(err, ERR_CONFLICT, "%s reference '%s' was already used for deposit #%"
                            PRId64 " of another account or amount", channel, ref, *id);
            goto out;
        }
        if (ret != ERR_NOT_FOUND)
            goto out;
    }
    st = store_q(c->db, Q_COLLECT_DEPOSIT_ADD);
    store_bind_i64(st, 1, account_id);
    store_bind_i64(st, 2, amount_fen);
    store_bind_text(st, 3, channel);
    store_bind_text(st, 4, ref);
    store_bind_text(st, 5, reason);
    store_bind_text(st, 6, date_format(today, td));
    store_bind_i64(st, 7, ctx_now(c));
    store_bind_text(st, 8, c->actor);
    if ((ret = store_one(st, err)))
        goto out;
    *id = store_col_i64(st, 0);
    store_reset(st);
    snprintf(detail, sizeof(detail), "deposit #%" PRId64 ": %s yuan by %s%s%s", *id,
             money_format(amount_fen, m), channel, reason ? ": " : "", reason ? reason : "");
    struct audit_rec ar = { "collect.deposit.take", "account", account_no, NULL, NULL, detail };
    ret = audit_append(c, &ar, err);
out:
    return store_end(c->db, ret, err);
}

void collect_deposit_read(struct store_stmt *st, struct deposit_info *d)
{
    *d = (struct deposit_info){
        .id = store_col_i64(st, 0),
        .account_no = store_col_text(st, 1),
        .amount_fen = store_col_i64(st, 2),
        .channel = store_col_text(st, 3),
        .ref = store_col_null(st, 4) ? NULL : store_col_text(st, 4),
        .reason = store_col_null(st, 5) ? NULL : store_col_text(st, 5),
        .taken_on = store_col_text(st, 6),
        .taken_by = store_col_text(st, 7),
        .status = store_col_text(st, 8),
        .applied_fen = store_col_i64(st, 9),
        .refunded_fen = store_col_i64(st, 10),
        .payment_id = store_col_i64(st, 11),
        .closed_on = store_col_null(st, 12) ? NULL : store_col_text(st, 12),
        .closed_by = store_col_null(st, 13) ? NULL : store_col_text(st, 13),
    };
    d->held_fen = d->amount_fen - d->applied_fen - d->refunded_fen;
}

int collect_deposit_list(struct ctx *c, const struct deposit_query *q, deposit_fn *fn, void *arg,
                         struct err *err)
{
    if (q->status && strcmp(q->status, "held") && strcmp(q->status, "applied") &&
        strcmp(q->status, "refunded"))
        return error(err, ERR_INVALID, "status is held, applied or refunded, not '%s'",
                     q->status),
               err_field(err, "status");
    if (q->limit < 1 || q->limit > 10000)
        return error(err, ERR_INVALID, "a page has 1 to 10000 deposits, not %" PRId64, q->limit),
               err_field(err, "limit");
    struct store_stmt *st = store_q(c->db, Q_COLLECT_DEPOSITS);
    store_bind_text(st, 1, q->account_no);
    store_bind_text(st, 2, q->status);
    store_bind_i64(st, 3, q->after_id);
    store_bind_i64(st, 4, q->limit);
    ctx_bind_scope(c, st, 5);
    int ret = 0;
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct deposit_info d;
        collect_deposit_read(st, &d);
        ret = fn(arg, &d);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

/* What the account owes today: its balance plus the late fees a posting today would accrue. */
static int owed_today(struct ctx *c, int64_t account_id, struct date today, int64_t *owed,
                      struct err *err)
{
    struct fee_policies pol;
    int64_t balance;
    int ret;
    if ((ret = ledger_lock(c, account_id, &balance, err)) ||
        (ret = fee_policies_load(c, &pol, err)))
        return ret;
    *owed = balance;
    struct store_stmt *st = store_q(c->db, Q_LEDGER_REC_OPEN);
    store_bind_i64(st, 1, account_id);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct receivable r;
        int64_t added = 0;
        ledger_rec_read(st, &r);
        if ((ret = ledger_rec_accrue(&pol, &r, today, &added, err)))
            break;
        *owed += added;
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

int collect_deposit_apply(struct ctx *c, const char *account_no, const char *ref,
                          struct deposit_apply_result *r, struct err *err)
{
    struct {
        int64_t id, amount;
        char channel[16];
    } held[64];
    char td[DATE_BUF_SIZE], pref[32], m1[MONEY_BUF_SIZE], m2[MONEY_BUF_SIZE], detail[200];
    struct date today;
    int64_t account_id, owed;
    bool closed;
    int n = 0, ret;

    memset(r, 0, sizeof(*r));
    if (ref && (!*ref || strlen(ref) > LEDGER_REF_MAX))
        return error(err, ERR_INVALID, "a reference has 1 to %d characters", LEDGER_REF_MAX),
               err_field(err, "ref");
    if ((ret = ctx_today(c, &today, err)) || (ret = store_begin(c->db, err)))
        return ret;
    date_format(today, td);
    if ((ret = ledger_account_find(c, account_no, &account_id, &closed, err)) ||
        (ret = collect_day_open(c, td, err)))
        goto out;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_DEPOSITS_HELD);
    store_bind_i64(st, 1, account_id);
    while (n < 64 && (ret = store_step(st, err)) == STORE_ROW) {
        held[n].id = store_col_i64(st, 0);
        held[n].amount = store_col_i64(st, 1);
        snprintf(held[n++].channel, sizeof(held[0].channel), "%s", store_col_text(st, 2));
    }
    store_reset(st);
    if (ret < 0)
        goto out;
    ret = 0;
    if (!n) {
        ret = error(err, ERR_CONFLICT, "account %s holds no deposit", account_no);
        goto out;
    }
    if ((ret = owed_today(c, account_id, today, &owed, err)))
        goto out;
    for (int i = 0; i < n; i++) {
        int64_t apply = MIN(held[i].amount, MAX(owed, 0)), payment_id = 0, refund_id;
        if (apply < held[i].amount && !ref && strcmp(held[i].channel, "counter")) {
            ret = error(err, ERR_INVALID,
                        "deposit #%" PRId64 " was taken by %s: refunding its unused %s yuan "
                        "needs the %s reference (--ref)",
                        held[i].id, held[i].channel, money_format(held[i].amount - apply, m1),
                        held[i].channel);
            err_field(err, "ref");
            goto out;
        }
        r->deposits++;
        r->held_fen += held[i].amount;
        if (apply > 0) {
            struct pay_result pr;
            snprintf(pref, sizeof(pref), "DEP%" PRId64, held[i].id);
            if ((ret = ledger_post_credit(c, account_id, apply, "deposit", pref, &pr, err)))
                goto out;
            payment_id = pr.payment_id;
            owed = pr.balance_fen;
            r->applied_fen += apply;
        }
        st = store_q(c->db, Q_COLLECT_DEPOSIT_CLOSE);
        store_bind_i64(st, 1, held[i].id);
        store_bind_text(st, 2, apply > 0 ? "applied" : "refunded");
        store_bind_i64(st, 3, apply);
        store_bind_i64(st, 4, held[i].amount - apply);
        if (payment_id)
            store_bind_i64(st, 5, payment_id);
        else
            store_bind_null(st, 5);
        store_bind_text(st, 6, td);
        store_bind_text(st, 7, c->actor);
        if ((ret = store_exec(st, err)))
            goto out;
        struct refund_rec f = { held[i].id, held[i].amount - apply, held[i].channel,
                                strcmp(held[i].channel, "counter") ? ref : NULL,
                                "unused on closure", NULL, td };
        if (f.amount_fen > 0 && (ret = collect_refund_record(c, &f, &refund_id, err)))
            goto out;
        r->refunded_fen += held[i].amount - apply;
    }
    r->balance_fen = owed;
    snprintf(detail, sizeof(detail), "%" PRId64 " deposits: %s yuan paid the bills, %s to refund",
             r->deposits, money_format(r->applied_fen, m1), money_format(r->refunded_fen, m2));
    struct audit_rec ar = { "collect.deposit.apply", "account", account_no, NULL, NULL, detail };
    ret = audit_append(c, &ar, err);
out:
    return store_end(c->db, ret, err);
}

int collect_deposit_required(struct ctx *c, const char *after, int64_t limit, deposit_due_fn *fn,
                             void *arg, struct err *err)
{
    if (limit < 1 || limit > 10000)
        return error(err, ERR_INVALID, "a page has 1 to 10000 accounts, not %" PRId64, limit);
    struct store_stmt *st = store_q(c->db, Q_COLLECT_DEPOSIT_REQUIRED);
    store_bind_text(st, 1, after ? after : "");
    store_bind_i64(st, 2, limit);
    int ret = 0;
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct deposit_due d = { store_col_text(st, 0), store_col_text(st, 1),
                                 store_col_text(st, 2), store_col_text(st, 3),
                                 store_col_i64(st, 4) };
        ret = fn(arg, &d);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}
