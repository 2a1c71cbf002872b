/*
 * Deposit refunds (保证金退还): a held deposit refunded before closure with a reason and an
 * approver, and the record of every refund paid (also the unused part of a deposit applied on
 * closure, collect_deposit.c), numbered TK… like a receipt and counted in the cashier's daily
 * close (ledger_close). Called by cmd_credit.c and api_deposit.c.
 */
#include "domain/collect_int.h"

#include "core/common.h"
#include "core/money.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/ledger.h"

#include <inttypes.h>
#include <string.h>

char *collect_refund_no(int64_t id, char buf[16])
{
    snprintf(buf, 16, "TK%010" PRId64, id);
    return buf;
}

int collect_refund_record(struct ctx *c, const struct refund_rec *f, int64_t *id,
                          struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_COLLECT_DEPOSIT_REFUND_ADD);
    store_bind_i64(st, 1, f->deposit_id);
    store_bind_i64(st, 2, f->amount_fen);
    store_bind_text(st, 3, f->channel);
    store_bind_text(st, 4, f->ref);
    store_bind_text(st, 5, f->reason);
    store_bind_text(st, 6, f->approver);
    store_bind_text(st, 7, f->day);
    store_bind_i64(st, 8, ctx_now(c));
    store_bind_text(st, 9, c->actor);
    int ret = store_one(st, err);
    if (!ret)
        *id = store_col_i64(st, 0);
    store_reset(st);
    return ret;
}

int collect_day_open(struct ctx *c, const char *day, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_LEDGER_CLOSED);
    store_bind_text(st, 1, c->actor);
    store_bind_text(st, 2, day);
    int ret = store_one(st, err);
    store_reset(st);
    if (!ret)
        return error(err, ERR_CONFLICT,
                     "cashier %s has closed %s (日结): no deposit can be taken or refunded on it",
                     c->actor, day);
    return ret == ERR_NOT_FOUND ? 0 : ret;
}

int collect_deposit_get(struct ctx *c, int64_t id, deposit_fn *fn, void *arg, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_COLLECT_DEPOSIT_GET);
    store_bind_i64(st, 1, id);
    ctx_bind_scope(c, st, 2);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no deposit #%" PRId64, id);
    if (ret)
        return ret;
    struct deposit_info d;
    collect_deposit_read(st, &d);
    ret = fn(arg, &d);
    store_reset(st);
    return ret;
}

struct held {
    int64_t held_fen;
    char status[16], channel[16], account_no[32];
};

static int held_row(void *arg, const struct deposit_info *d)
{
    struct held *h = arg;
    h->held_fen = d->held_fen;
    snprintf(h->status, sizeof(h->status), "%s", d->status);
    snprintf(h->channel, sizeof(h->channel), "%s", d->channel);
    snprintf(h->account_no, sizeof(h->account_no), "%s", d->account_no);
    return 0;
}

static int refund_check(struct ctx *c, const struct deposit_refund_in *in, struct err *err)
{
    char m[MONEY_BUF_SIZE];
    if (!in->reason || !*in->reason)
        return error(err, ERR_INVALID, "a deposit refund needs a reason"),
               err_field(err, "reason");
    if (!in->approver || !*in->approver)
        return error(err, ERR_INVALID, "a deposit refund needs an approver"),
               err_field(err, "approver");
    if (c->actor && !strcmp(in->approver, c->actor))
        return error(err, ERR_INVALID,
                     "the approver of a deposit refund must be someone else than %s", c->actor),
               err_field(err, "approver");
    int rc = auth_approver_check(c, in->approver, PERM_COLLECTION_APPROVE, "approver", err);
    if (rc)
        return rc;
    if (!in->all && in->amount_fen <= 0)
        return error(err, ERR_INVALID, "a refund must be more than 0.00 yuan, not %s",
                     money_format(in->amount_fen, m)),
               err_field(err, "amount");
    if (in->ref && (!*in->ref || strlen(in->ref) > LEDGER_REF_MAX))
        return error(err, ERR_INVALID, "a reference has 1 to %d characters", LEDGER_REF_MAX),
               err_field(err, "ref");
    return 0;
}

int collect_deposit_refund(struct ctx *c, const struct deposit_refund_in *in, int64_t *refund_id,
                           struct err *err)
{
    char td[DATE_BUF_SIZE], m1[MONEY_BUF_SIZE], m2[MONEY_BUF_SIZE], rn[16], detail[240];
    struct date today;
    struct held h;
    int ret;

    *refund_id = 0;
    if ((ret = refund_check(c, in, err)) || (ret = ctx_today(c, &today, err)) ||
        (ret = store_begin(c->db, err)))
        return ret;
    date_format(today, td);
    if ((ret = collect_deposit_get(c, in->deposit_id, held_row, &h, err)) ||
        (ret = collect_day_open(c, td, err)))
        goto out;
    int64_t fen = in->all ? h.held_fen : in->amount_fen;
    if (strcmp(h.status, "held")) {
        ret = error(err, ERR_CONFLICT, "deposit #%" PRId64 " is %s: nothing is held to refund",
                    in->deposit_id, h.status);
        goto out;
    }
    if (fen > h.held_fen) {
        ret = error(err, ERR_CONFLICT,
                    "deposit #%" PRId64 " holds %s yuan: %s cannot be refunded from it",
                    in->deposit_id, money_format(h.held_fen, m1), money_format(fen, m2));
        goto out;
    }
    if (!in->ref && strcmp(h.channel, "counter")) {
        ret = error(err, ERR_INVALID, "a %s refund needs its reference (--ref)", h.channel);
        err_field(err, "ref");
        goto out;
    }
    struct store_stmt *st = store_q(c->db, Q_COLLECT_DEPOSIT_REFUNDED);
    store_bind_i64(st, 1, in->deposit_id);
    store_bind_i64(st, 2, fen);
    store_bind_text(st, 3, td);
    store_bind_text(st, 4, c->actor);
    if ((ret = store_exec(st, err)))
        goto out;
    struct refund_rec f = { in->deposit_id, fen, h.channel, in->ref, in->reason, in->approver, td };
    if ((ret = collect_refund_record(c, &f, refund_id, err)))
        goto out;
    snprintf(detail, sizeof(detail),
             "%s: %s yuan of deposit #%" PRId64 " refunded by %s, approved by %s: %s",
             collect_refund_no(*refund_id, rn), money_format(fen, m1), in->deposit_id, h.channel,
             in->approver, in->reason);
    struct audit_rec ar = { "collect.deposit.refund", "account", h.account_no, NULL, NULL,
                            detail };
    ret = audit_append(c, &ar, err);
out:
    return store_end(c->db, ret, err);
}
