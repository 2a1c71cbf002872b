/*
 * Collection work orders (disconnect / reconnect) and their policy: versioned disconnection
 * policies, listing and closing orders, the supply state of an account (the latest order not
 * cancelled: disconnect done or reconnect open = off), and the payment hook that cancels an
 * open disconnection or opens a reconnection due within the policy's hours (24, rules §6.2,
 * §7) when a payment clears the arrears (postpaid) or leaves credit (prepaid), and the reversal
 * hook that cancels that reconnection when the arrears come back. Called by
 * cmd_disconnect.c, collect_disconnect.c, collect_prepaid.c, ledger_pay() and ledger_reverse().
 */
#include "domain/collect_int.h"

#include "core/common.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "domain/account.h"
#include "domain/audit.h"

#include <inttypes.h>
#include <string.h>

/* ---- policy ---- */

static int policy_read(struct ctx *c, struct store_stmt *st, struct disconnect_policy *p,
                       struct err *err)
{
    int ret = date_parse(store_col_text(st, 0), &p->from, err);
    p->overdue_days = store_col_i64(st, 1);
    p->notice_days_resident = store_col_i64(st, 2);
    p->notice_days_other = store_col_i64(st, 3);
    p->reconnect_hours = store_col_i64(st, 4);
    p->important_approvals = store_col_i64(st, 5);
    p->source = ctx_col_text(c, st, 6);
    p->final_notice_minutes = store_col_i64(st, 7);
    p->regulator = ctx_col_text(c, st, 8);
    return ret;
}

int collect_policy_get(struct ctx *c, struct date day, struct disconnect_policy *p,
                       struct err *err)
{
    char d[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_COLLECT_POLICY_AT);
    store_bind_text(st, 1, date_format(day, d));
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no disconnection policy is in force on %s", d);
    if (ret)
        return ret;
    ret = policy_read(c, st, p, err);
    store_reset(st);
    return ret;
}

int collect_policy_list(struct ctx *c, policy_fn *fn, void *arg, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_COLLECT_POLICIES);
    int ret = 0;
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct disconnect_policy p;
        if (!(ret = policy_read(c, st, &p, err)))
            ret = fn(arg, &p);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

static int latest_policy(void *arg, const struct disconnect_policy *p)
{
    *(struct date *)arg = p->from;
    return 0;
}

int collect_policy_add(struct ctx *c, const struct disconnect_policy *p, struct err *err)
{
    char d[DATE_BUF_SIZE], l[DATE_BUF_SIZE], detail[160];
    struct date last = { 0, 0, 0 };
    int ret;
    /* the fields are named as the API names them */
    const char *days = p->overdue_days < 0 || p->overdue_days > 3650 ? "overdue_days"
                       : p->notice_days_resident < 0 || p->notice_days_resident > 365
                           ? "notice_days_resident"
                       : p->notice_days_other < 0 || p->notice_days_other > 365 ? "notice_days_other"
                                                                                 : NULL;
    if (days)
        return error(err, ERR_INVALID, "days are 0 to 3650 overdue and 0 to 365 of notice"),
               err_field(err, days);
    if (p->reconnect_hours < 1 || p->reconnect_hours > 720)
        return error(err, ERR_INVALID, "a reconnection deadline is 1 to 720 hours, not %" PRId64,
                     p->reconnect_hours),
               err_field(err, "reconnect_hours");
    if (p->important_approvals != 1 && p->important_approvals != 2)
        return error(err, ERR_INVALID, "important customers need 1 or 2 approvers, not %" PRId64,
                     p->important_approvals),
               err_field(err, "important_approvals");
    if (!p->source || !*p->source)
        return error(err, ERR_INVALID, "a policy needs its source (the regulation it implements)"),
               err_field(err, "source");
    if (p->final_notice_minutes < 0 || p->final_notice_minutes > 1440)
        return error(err, ERR_INVALID, "a final notice goes 0 to 1440 minutes before, not %" PRId64,
                     p->final_notice_minutes),
               err_field(err, "final_notice_minutes");
    if (p->regulator && !*p->regulator)
        return error(err, ERR_INVALID, "the regulator to copy notices to is empty"),
               err_field(err, "regulator");
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = collect_policy_list(c, latest_policy, &last, err)))
        goto out;
    date_format(p->from, d);
    if (date_is_valid(last) && date_cmp(p->from, last) <= 0) {
        ret = error(err, ERR_CONFLICT, "a new policy version takes effect after the latest one "
                    "(%s), not on %s", date_format(last, l), d);
        err_field(err, "from");
        goto out;
    }
    struct store_stmt *st = store_q(c->db, Q_COLLECT_POLICY_ADD);
    store_bind_text(st, 1, d);
    store_bind_i64(st, 2, p->overdue_days);
    store_bind_i64(st, 3, p->notice_days_resident);
    store_bind_i64(st, 4, p->notice_days_other);
    store_bind_i64(st, 5, p->reconnect_hours);
    store_bind_i64(st, 6, p->important_approvals);
    store_bind_text(st, 7, p->source);
    store_bind_i64(st, 8, ctx_now(c));
    store_bind_text(st, 9, c->actor);
    store_bind_i64(st, 10, p->final_notice_minutes);
    store_bind_text(st, 11, p->regulator);
    snprintf(detail, sizeof(detail),
             "overdue %" PRId64 " d, notice %" PRId64 "/%" PRId64 " d, reconnect %" PRId64 " h, "
             "%" PRId64 " approvers for important customers, final notice %" PRId64 " min, "
             "copy to %s",
             p->overdue_days, p->notice_days_resident, p->notice_days_other, p->reconnect_hours,
             p->important_approvals, p->final_notice_minutes, p->regulator ? p->regulator : "-");
    struct audit_rec ar = { "collect.policy.add", "disconnect_policy", d, NULL, NULL, detail };
    if (!(ret = store_exec(st, err)))
        ret = audit_append(c, &ar, err);
out:
    return store_end(c->db, ret, err);
}

/* ---- an account's state ---- */

int collect_overdue_get(struct ctx *c, int64_t account_id, struct date today, struct overdue *o,
                       struct err *err)
{
    char d[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_COLLECT_OVERDUE);
    store_bind_i64(st, 1, account_id);
    store_bind_text(st, 2, date_format(today, d));
    int ret = store_one(st, err);
    if (ret)
        return ret;
    memset(o, 0, sizeof(*o));
    o->bills = store_col_i64(st, 0);
    if (o->bills && (ret = date_parse(store_col_text(st, 1), &o->oldest_due, err)))
        return ret;
    o->principal_fen = store_col_i64(st, 2);
    o->fee_fen = store_col_i64(st, 3);
    store_reset(st);
    return 0;
}

int collect_last_order(struct ctx *c, int64_t account_id, struct last_order *o,
                          struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_COLLECT_LAST_ORDER);
    memset(o, 0, sizeof(*o));
    store_bind_i64(st, 1, account_id);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return 0;
    if (ret)
        return ret;
    o->id = store_col_i64(st, 0);
    snprintf(o->kind, sizeof(o->kind), "%s", store_col_text(st, 1));
    snprintf(o->status, sizeof(o->status), "%s", store_col_text(st, 2));
    store_reset(st);
    return 0;
}

/* The supply is off: disconnected, or waiting for its reconnection. */
bool collect_supply_off(const struct last_order *o)
{
    return o->id && ((!strcmp(o->kind, "disconnect") && !strcmp(o->status, "done")) ||
                     (!strcmp(o->kind, "reconnect") && !strcmp(o->status, "open")));
}

bool collect_disconnect_open(const struct last_order *o)
{
    return o->id && !strcmp(o->kind, "disconnect") && !strcmp(o->status, "open");
}


int collect_order_open(struct ctx *c, const struct order_new *o, int64_t *id, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_COLLECT_ORDER_ADD);
    store_bind_i64(st, 1, o->account_id);
    store_bind_text(st, 2, o->kind);
    store_bind_i64(st, 3, o->arrears_fen);
    if (o->notice_id)
        store_bind_i64(st, 4, o->notice_id);
    else
        store_bind_null(st, 4);
    store_bind_text(st, 5, o->approved_by);
    store_bind_text(st, 6, o->approved_by2);
    store_bind_i64(st, 7, ctx_now(c));
    store_bind_text(st, 8, c->actor);
    if (o->deadline_at)
        store_bind_i64(st, 9, o->deadline_at);
    else
        store_bind_null(st, 9);
    store_bind_text(st, 10, o->note);
    int ret = store_one(st, err);
    if (ret)
        return ret;
    *id = store_col_i64(st, 0);
    store_reset(st);
    return 0;
}

/* ---- orders ---- */

static void order_read(struct ctx *c, struct store_stmt *st, struct order_info *o)
{
    memset(o, 0, sizeof(*o));
    o->id = store_col_i64(st, 0);
    o->account_no = ctx_col_text(c, st, 1);
    o->kind = ctx_col_text(c, st, 2);
    o->status = ctx_col_text(c, st, 3);
    o->approved_by = ctx_col_text(c, st, 4);
    o->approved_by2 = ctx_col_text(c, st, 5);
    o->opened_by = ctx_col_text(c, st, 6);
    o->closed_by = ctx_col_text(c, st, 7);
    o->note = ctx_col_text(c, st, 8);
    o->arrears_fen = store_col_i64(st, 9);
    o->opened_at = store_col_i64(st, 10);
    o->deadline_at = store_col_i64(st, 11);
    o->closed_at = store_col_i64(st, 12);
    o->final_notice_at = store_col_i64(st, 13);
    o->final_notice_channel = ctx_col_text(c, st, 14);
    o->final_notice_by = ctx_col_text(c, st, 15);
    o->final_notice_note = ctx_col_text(c, st, 16);
    int64_t now = ctx_now(c);
    o->late = o->deadline_at && ((!strcmp(o->status, "open") && now > o->deadline_at) ||
                                 (!strcmp(o->status, "done") && o->closed_at > o->deadline_at));
}

int collect_orders_list(struct ctx *c, const struct order_query *q, order_fn *fn, void *arg,
                        struct err *err)
{
    if (q->status && strcmp(q->status, "open") && strcmp(q->status, "done") &&
        strcmp(q->status, "cancelled"))
        return error(err, ERR_INVALID, "status is open, done or cancelled, not '%s'", q->status),
               err_field(err, "status");
    if (q->kind && strcmp(q->kind, "disconnect") && strcmp(q->kind, "reconnect"))
        return error(err, ERR_INVALID, "kind is disconnect or reconnect, not '%s'", q->kind),
               err_field(err, "kind");
    if (q->limit < 1 || q->limit > 10000)
        return error(err, ERR_INVALID, "a page has 1 to 10000 orders, not %" PRId64, q->limit);
    struct account a; /* an unknown account (or one outside the scope) is named, not an empty list */
    int rc;
    if (q->account_no && (rc = account_get(c, q->account_no, &a, err)))
        return rc == ERR_NOT_FOUND ? err_field(err, "account") : rc;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_ORDERS);
    store_bind_text(st, 1, q->status);
    store_bind_text(st, 2, q->kind);
    store_bind_text(st, 3, q->account_no);
    store_bind_i64(st, 4, q->late_only);
    store_bind_i64(st, 5, ctx_now(c));
    store_bind_i64(st, 6, q->after_id);
    store_bind_i64(st, 7, q->limit);
    ctx_bind_scope(c, st, 8);
    int ret = 0;
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct order_info o;
        order_read(c, st, &o);
        ret = fn(arg, &o);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

int collect_order_get(struct ctx *c, int64_t id, struct order_info *o, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_COLLECT_ORDER_GET);
    store_bind_i64(st, 1, id);
    ctx_bind_scope(c, st, 2);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no collection order #%" PRId64, id);
    if (ret)
        return ret;
    order_read(c, st, o);
    store_reset(st);
    return 0;
}

int collect_order_set_closed(struct ctx *c, int64_t id, const char *status, const char *note,
                       struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_COLLECT_ORDER_CLOSE);
    store_bind_i64(st, 1, id);
    store_bind_text(st, 2, status);
    store_bind_i64(st, 3, ctx_now(c));
    store_bind_text(st, 4, c->actor);
    store_bind_text(st, 5, note);
    int ret = store_exec(st, err);
    if (!ret && store_changes(st) != 1)
        ret = error(err, ERR_CONFLICT, "collection order #%" PRId64 " is no longer open", id);
    return ret;
}

int collect_order_close(struct ctx *c, int64_t id, bool done, const char *note, struct err *err)
{
    struct order_info o;
    char detail[200];
    int ret;
    if (!done && (!note || !*note))
        return error(err, ERR_INVALID, "cancelling an order needs a reason");
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = collect_order_get(c, id, &o, err)) ||
        (done && (ret = collect_final_check(c, &o, err))))
        goto out;
    if (strcmp(o.status, "open")) {
        ret = error(err, ERR_CONFLICT, "collection order #%" PRId64 " (%s) is %s: only an open "
                    "order can be %s", id, o.kind, o.status, done ? "done" : "cancelled");
        goto out;
    }
    if ((ret = collect_order_set_closed(c, id, done ? "done" : "cancelled", note, err)))
        goto out;
    snprintf(detail, sizeof(detail), "#%" PRId64 " %s %s%s%s", id, o.kind,
             done ? "done" : "cancelled", note ? ": " : "", note ? note : "");
    struct audit_rec ar = { done ? "collect.order.done" : "collect.order.cancel", "account",
                            o.account_no, NULL, NULL, detail };
    ret = audit_append(c, &ar, err);
out:
    return store_end(c->db, ret, err);
}

/* ---- the payment hook ---- */

/* Is the account back in arrears: an overdue bill (postpaid), no credit left (prepaid)? */
static int owes_again(struct ctx *c, int64_t account_id, struct date today, bool *owes,
                      bool *prepaid, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_COLLECT_PAY_MODE);
    store_bind_i64(st, 1, account_id);
    int ret = store_one(st, err);
    if (ret)
        return ret;
    *prepaid = !strcmp(store_col_text(st, 0), "prepaid");
    int64_t balance = store_col_i64(st, 1);
    store_reset(st);
    if (*prepaid) {
        *owes = balance >= 0;
        return 0;
    }
    struct overdue o;
    if ((ret = collect_overdue_get(c, account_id, today, &o, err)))
        return ret;
    *owes = o.bills > 0;
    return 0;
}

int collect_after_payment(struct ctx *c, int64_t account_id, struct err *err)
{
    struct last_order lo;
    struct date today;
    char detail[200], td[DATE_BUF_SIZE];
    int ret;
    if ((ret = collect_last_order(c, account_id, &lo, err)) || !lo.id ||
        strcmp(lo.kind, "disconnect"))
        return ret; /* no order, or reconnected / reconnecting already: nothing to do */
    bool owes, prepaid;
    if ((ret = ctx_today(c, &today, err)) ||
        (ret = owes_again(c, account_id, today, &owes, &prepaid, err)) || owes)
        return ret; /* still owes an overdue bill, or no credit left yet */
    const char *why = prepaid ? "topped up" : "arrears paid";
    struct store_stmt *st = store_q(c->db, Q_COLLECT_ORDER_GET);
    store_bind_i64(st, 1, lo.id);
    ctx_bind_scope(c, st, 2);
    if ((ret = store_one(st, err)))
        return ret;
    const char *account_no = ctx_col_text(c, st, 1);
    store_reset(st);
    date_format(today, td);
    if (!strcmp(lo.status, "open")) { /* paid before the crew went: no disconnection */
        if ((ret = collect_order_set_closed(c, lo.id, "cancelled", why, err)))
            return ret;
        snprintf(detail, sizeof(detail), "#%" PRId64 " disconnect cancelled: %s on %s", lo.id,
                 why, td);
        struct audit_rec ar = { "collect.order.cancel", "account", account_no, NULL, NULL, detail };
        return audit_append(c, &ar, err);
    }
    /* disconnected: reconnect within the policy's hours of the payment (rules §6.2, §7) */
    struct disconnect_policy pol;
    if ((ret = collect_policy_get(c, today, &pol, err)))
        return ret;
    int64_t outbox_id, id;
    struct msg_vars v = { .account = account_no, .date = td };
    if ((ret = collect_outbox_add(c, "reconnect", "sms", account_id, account_no, &v, &outbox_id,
                                  err)) &&
        ret != ERR_NOT_FOUND) /* no reconnect template: no message, the order all the same */
        return ret;
    struct order_new on = { account_id, "reconnect", 0, 0, NULL, NULL, why,
                            ctx_now(c) + pol.reconnect_hours * US_PER_HOUR };
    if ((ret = collect_order_open(c, &on, &id, err)))
        return ret;
    snprintf(detail, sizeof(detail), "order #%" PRId64 ": %s on %s, reconnect within %" PRId64
             " h", id, why, td, pol.reconnect_hours);
    struct audit_rec ar = { "collect.reconnect.open", "account", account_no, NULL, NULL, detail };
    return audit_append(c, &ar, err);
}

int collect_after_reversal(struct ctx *c, int64_t account_id, const char *receipt,
                           struct err *err)
{
    struct last_order lo;
    struct date today;
    char detail[200], td[DATE_BUF_SIZE], note[80];
    bool owes, prepaid;
    int ret;
    if ((ret = collect_last_order(c, account_id, &lo, err)) || !lo.id ||
        strcmp(lo.kind, "reconnect") || strcmp(lo.status, "open"))
        return ret; /* no reconnection waiting: the candidates list takes the account again */
    if ((ret = ctx_today(c, &today, err)) || (ret = owes_again(c, account_id, today, &owes, &prepaid, err)) ||
        !owes)
        return ret;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_ORDER_GET);
    store_bind_i64(st, 1, lo.id);
    ctx_bind_scope(c, st, 2);
    if ((ret = store_one(st, err)))
        return ret;
    char account_no[32];
    snprintf(account_no, sizeof(account_no), "%s", ctx_col_text(c, st, 1));
    store_reset(st);
    snprintf(note, sizeof(note), "payment %s reversed: arrears again", receipt);
    if ((ret = collect_order_set_closed(c, lo.id, "cancelled", note, err)))
        return ret;
    snprintf(detail, sizeof(detail), "#%" PRId64 " reconnect cancelled on %s: %s", lo.id,
             date_format(today, td), note);
    struct audit_rec ar = { "collect.reconnect.cancel", "account", account_no, NULL, NULL, detail };
    return audit_append(c, &ar, err);
}

int collect_after_payments(struct ctx *c, const int64_t *ids, size_t n, struct err *err)
{
    struct strbuf js = STRBUF_INIT;
    int64_t *hit = NULL;
    size_t k = 0;
    int ret = 0;
    if (!n)
        return 0;
    strbuf_addch(&js, '[');
    for (size_t i = 0; i < n; i++)
        strbuf_addf(&js, "%s%" PRId64, i ? "," : "", ids[i]);
    strbuf_addch(&js, ']');
    hit = xreallocarray(NULL, n, sizeof(*hit));
    struct store_stmt *st = store_q(c->db, Q_COLLECT_ORDERED_OF);
    store_bind_text(st, 1, js.buf);
    while ((ret = store_step(st, err)) == STORE_ROW && k < n)
        hit[k++] = store_col_i64(st, 0);
    store_reset(st);
    strbuf_release(&js);
    ret = ret < 0 ? ret : 0;
    for (size_t i = 0; i < k && !ret; i++)
        ret = collect_after_payment(c, hit[i], err);
    free(hit);
    return ret;
}
