/*
 * Disconnection for arrears (欠费停电), rules §6.2: candidates (more than the policy's days past
 * due), notices (停电通知书, a letter in the outbox) valid for the arrears they were served for,
 * and approval into a disconnection order — two approvers for important customers (重要客户).
 * Called by cmd_disconnect.c.
 */
#include "domain/collect_int.h"

#include "core/common.h"
#include "core/money.h"
#include "domain/audit.h"
#include "domain/auth.h"

#include <inttypes.h>
#include <string.h>

const char *const collect_candidate_states[4] = { "needs_notice", "waiting", "ready", "ordered" };

/* ---- an account's state ---- */

struct acct {
    int64_t id;
    const char *account_no, *customer, *user_type, *org, *pay_mode, *status;
    bool important;
};

static int acct_get(struct ctx *c, const char *account_no, struct acct *a, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_COLLECT_ACCOUNT);
    store_bind_text(st, 1, account_no);
    ctx_bind_scope(c, st, 2);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "unknown account '%s'", account_no);
    if (ret)
        return ret;
    a->id = store_col_i64(st, 0);
    a->account_no = ctx_col_text(c, st, 1);
    a->customer = ctx_col_text(c, st, 2);
    a->user_type = ctx_col_text(c, st, 3);
    a->important = store_col_i64(st, 4) != 0;
    a->org = ctx_col_text(c, st, 5);
    a->pay_mode = ctx_col_text(c, st, 6);
    a->status = ctx_col_text(c, st, 7);
    store_reset(st);
    if (strcmp(a->status, "active"))
        return error(err, ERR_CONFLICT, "account %s is %s", account_no, a->status);
    if (strcmp(a->pay_mode, "postpaid"))
        return error(err, ERR_CONFLICT, "account %s is %s: prepaid accounts are disconnected by "
                     "their balance, not by notice", account_no, a->pay_mode);
    return 0;
}

static int64_t notice_days(const struct disconnect_policy *p, const char *user_type)
{
    return !strcmp(user_type, "resident") ? p->notice_days_resident : p->notice_days_other;
}

/* ---- candidates ---- */

int collect_candidates(struct ctx *c, struct date on, candidate_fn *fn, void *arg,
                       struct err *err)
{
    struct disconnect_policy pol;
    char d[DATE_BUF_SIZE], cut[DATE_BUF_SIZE];
    int ret;
    if ((ret = collect_policy_get(c, on, &pol, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_CANDIDATES);
    store_bind_text(st, 1, date_format(on, d));
    store_bind_text(st, 2, date_format(date_add_days(on, -(int32_t)pol.overdue_days), cut));
    ctx_bind_scope(c, st, 3);
    ret = 0;
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct candidate k = {
            .account_no = ctx_col_text(c, st, 0),
            .customer = ctx_col_text(c, st, 1),
            .user_type = ctx_col_text(c, st, 2),
            .important = store_col_i64(st, 3) != 0,
            .org = ctx_col_text(c, st, 4),
            .oldest_due = ctx_col_text(c, st, 5),
            .bills = store_col_i64(st, 6),
            .principal_fen = store_col_i64(st, 7),
            .fee_fen = store_col_i64(st, 8),
            .state = CAND_NEEDS_NOTICE,
        };
        struct last_order lo = { 0 };
        if (!store_col_null(st, 10)) {
            lo.id = store_col_i64(st, 10);
            const char *ks = store_col_text(st, 11), *colon = strchr(ks, ':');
            snprintf(lo.kind, sizeof(lo.kind), "%.*s", colon ? (int)(colon - ks) : 0, ks);
            snprintf(lo.status, sizeof(lo.status), "%s", colon ? colon + 1 : "");
        }
        const char *notice = store_col_null(st, 9) ? NULL : store_col_text(st, 9);
        struct date od, nd;
        if ((ret = date_parse(k.oldest_due, &od, err)))
            break;
        k.days = date_diff_days(od, on);
        if (collect_supply_off(&lo))
            continue;
        if (collect_disconnect_open(&lo)) {
            k.state = CAND_ORDERED;
            k.order_id = lo.id;
        }
        /* a notice counts for the arrears it was served for: after their oldest due date */
        if (notice && strcmp(notice, k.oldest_due) > 0 && !date_parse(notice, &nd, err)) {
            k.notice_on = arena_strdup(c->arena, notice);
            k.ready_on = date_add_days(nd, (int32_t)notice_days(&pol, k.user_type));
            if (k.state != CAND_ORDERED)
                k.state = date_cmp(on, k.ready_on) >= 0 ? CAND_READY : CAND_WAITING;
        }
        ret = fn(arg, &k);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

/* ---- notice ---- */

static int valid_notice(struct ctx *c, int64_t account_id, struct date oldest_due, int64_t *id,
                        struct date *served, struct err *err)
{
    char d[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_COLLECT_LAST_NOTICE);
    *id = 0;
    store_bind_i64(st, 1, account_id);
    store_bind_text(st, 2, date_format(oldest_due, d));
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return 0;
    if (ret)
        return ret;
    *id = store_col_i64(st, 0);
    ret = date_parse(store_col_text(st, 1), served, err);
    store_reset(st);
    return ret;
}

int collect_notice(struct ctx *c, const char *account_no, struct notice_result *r,
                   struct err *err)
{
    struct disconnect_policy pol;
    struct date today, served;
    struct acct a;
    struct overdue o;
    struct last_order lo;
    char td[DATE_BUF_SIZE], dd[DATE_BUF_SIZE], od[DATE_BUF_SIZE], ndays[16];
    char m1[MONEY_BUF_SIZE], m2[MONEY_BUF_SIZE], m3[MONEY_BUF_SIZE];
    int ret;

    memset(r, 0, sizeof(*r));
    if ((ret = ctx_today(c, &today, err)) || (ret = collect_policy_get(c, today, &pol, err)) ||
        (ret = store_begin(c->db, err)))
        return ret;
    if ((ret = acct_get(c, account_no, &a, err)) ||
        (ret = collect_overdue_get(c, a.id, today, &o, err)) ||
        (ret = collect_last_order(c, a.id, &lo, err)))
        goto out;
    if (collect_supply_off(&lo) || collect_disconnect_open(&lo)) {
        ret = error(err, ERR_CONFLICT, "account %s %s (order #%" PRId64 ")", account_no,
                    collect_disconnect_open(&lo) ? "already has an open disconnection order"
                                         : "is disconnected",
                    lo.id);
        goto out;
    }
    if (!o.bills) {
        ret = error(err, ERR_CONFLICT, "account %s owes no overdue bill on %s", account_no,
                    date_format(today, td));
        goto out;
    }
    r->arrears_fen = o.principal_fen + o.fee_fen;
    if ((ret = valid_notice(c, a.id, o.oldest_due, &r->notice_id, &served, err)))
        goto out;
    int64_t nd = notice_days(&pol, a.user_type);
    if (r->notice_id) { /* served for these arrears already: keep it */
        r->already = true;
        r->served_on = arena_strdup(c->arena, date_format(served, td));
        r->disconnect_on = date_add_days(served, (int32_t)nd);
        goto out;
    }
    r->served_on = arena_strdup(c->arena, date_format(today, td));
    r->disconnect_on = date_add_days(today, (int32_t)nd);
    snprintf(ndays, sizeof(ndays), "%" PRId32, date_diff_days(o.oldest_due, today));
    struct msg_vars v = {
        .account = account_no, .customer = a.customer,
        .amount = money_format(r->arrears_fen, m1), .principal = money_format(o.principal_fen, m2),
        .late_fee = money_format(o.fee_fen, m3), .due_on = date_format(o.oldest_due, od),
        .days = ndays, .date = td, .disconnect_on = date_format(r->disconnect_on, dd),
    };
    if ((ret = collect_outbox_add(c, "disconnect_notice", "letter", a.id, account_no, &v,
                                  &r->outbox_id, err)))
        goto out;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_NOTICE_ADD);
    store_bind_i64(st, 1, a.id);
    store_bind_text(st, 2, td);
    store_bind_text(st, 3, od);
    store_bind_i64(st, 4, r->arrears_fen);
    store_bind_i64(st, 5, r->outbox_id);
    store_bind_i64(st, 6, ctx_now(c));
    store_bind_text(st, 7, c->actor);
    if ((ret = store_one(st, err)))
        goto out;
    r->notice_id = store_col_i64(st, 0);
    store_reset(st);
    char detail[160];
    snprintf(detail, sizeof(detail), "notice #%" PRId64 ": %s yuan overdue since %s, "
             "disconnection from %s", r->notice_id, m1, od, dd);
    struct audit_rec ar = { "collect.notice", "account", account_no, NULL, NULL, detail };
    ret = audit_append(c, &ar, err);
out:
    return store_end(c->db, ret, err);
}

/* ---- approval ---- */

static int check_approvers(struct ctx *c, const char *a1, const char *a2, struct err *err)
{
    if (!a1 || !*a1)
        return error(err, ERR_INVALID, "a disconnection needs an approver (--approver)");
    if (c->actor && !strcmp(a1, c->actor))
        return error(err, ERR_INVALID, "the approver of a disconnection must be someone else "
                     "than %s", c->actor);
    if (a2 && (!*a2 || !strcmp(a2, a1) || (c->actor && !strcmp(a2, c->actor))))
        return error(err, ERR_INVALID, "the second approver must be a third person, not '%s'",
                     a2);
    int rc = auth_approver_check(c, a1, PERM_COLLECTION_APPROVE, "approver", err);
    if (!rc && a2)
        rc = auth_approver_check(c, a2, PERM_COLLECTION_APPROVE, "second_approver", err);
    return rc;
}

int collect_approve(struct ctx *c, const char *account_no, const char *approver,
                    const char *approver2, int64_t *order_id, struct err *err)
{
    struct disconnect_policy pol;
    struct date today, served;
    struct acct a;
    struct overdue o;
    struct last_order lo;
    char td[DATE_BUF_SIZE], b1[DATE_BUF_SIZE], b2[DATE_BUF_SIZE];
    int64_t notice_id;
    int ret;

    *order_id = 0;
    if ((ret = check_approvers(c, approver, approver2, err)) ||
        (ret = ctx_today(c, &today, err)) || (ret = collect_policy_get(c, today, &pol, err)) ||
        (ret = store_begin(c->db, err)))
        return ret;
    date_format(today, td);
    if ((ret = acct_get(c, account_no, &a, err)) ||
        (ret = collect_overdue_get(c, a.id, today, &o, err)) ||
        (ret = collect_last_order(c, a.id, &lo, err)))
        goto out;
    if (collect_disconnect_open(&lo) || collect_supply_off(&lo)) {
        ret = error(err, ERR_CONFLICT, "account %s %s (order #%" PRId64 ")", account_no,
                    collect_disconnect_open(&lo) ? "already has an open disconnection order"
                                         : "is disconnected",
                    lo.id);
        goto out;
    }
    int32_t days = o.bills ? date_diff_days(o.oldest_due, today) : 0;
    if (!o.bills || days <= pol.overdue_days) {
        ret = error(err, ERR_CONFLICT, "account %s is not a disconnection candidate: its oldest "
                    "overdue bill is %" PRId32 " days past due on %s, the policy needs more than %"
                    PRId64, account_no, days, td, pol.overdue_days);
        goto out;
    }
    if ((ret = valid_notice(c, a.id, o.oldest_due, &notice_id, &served, err)))
        goto out;
    if (!notice_id) {
        ret = error(err, ERR_CONFLICT, "account %s was served no disconnection notice for these "
                    "arrears (pmis disconnect notice)", account_no);
        goto out;
    }
    struct date ready = date_add_days(served, (int32_t)notice_days(&pol, a.user_type));
    if (date_cmp(today, ready) < 0) {
        ret = error(err, ERR_CONFLICT, "the notice served on %s allows disconnecting account %s "
                    "from %s, not on %s", date_format(served, b1), account_no,
                    date_format(ready, b2), td);
        goto out;
    }
    if (a.important && pol.important_approvals > 1 && !approver2) {
        ret = error(err, ERR_INVALID, "account %s is an important customer (重要客户): its "
                    "disconnection needs a second approver (--second-approver)", account_no);
        goto out;
    }
    struct order_new on = { a.id, "disconnect", o.principal_fen + o.fee_fen, notice_id,
                            approver, approver2, "arrears", 0 };
    if ((ret = collect_order_open(c, &on, order_id, err)))
        goto out;
    char m[MONEY_BUF_SIZE], detail[300];
    bool copied = false;
    if (a.important && pol.regulator) { /* the notice copied to the administrative department */
        char od[DATE_BUF_SIZE];
        int64_t outbox_id;
        struct msg_vars v = { .account = account_no, .customer = a.customer,
                              .amount = money_format(o.principal_fen + o.fee_fen, m),
                              .due_on = date_format(o.oldest_due, od), .date = b1,
                              .disconnect_on = b2, .regulator = pol.regulator };
        date_format(served, b1);
        date_format(ready, b2);
        ret = collect_outbox_add(c, "disconnect_copy", "letter", a.id, account_no, &v,
                                 &outbox_id, err);
        copied = !ret;
        if (ret == ERR_NOT_FOUND) { /* no template: no copy */
            err_clear(err);
            ret = 0;
        }
        if (ret)
            goto out;
    }
    snprintf(detail, sizeof(detail), "order #%" PRId64 ": %s yuan overdue %" PRId32 " days, "
             "approved by %s%s%s%s%s", *order_id, money_format(o.principal_fen + o.fee_fen, m),
             days, approver, approver2 ? " and " : "", approver2 ? approver2 : "",
             copied ? "; notice copied to " : "", copied ? pol.regulator : "");
    struct audit_rec ar = { "collect.disconnect.approve", "account", account_no, NULL, NULL,
                            detail };
    ret = audit_append(c, &ar, err);
out:
    return store_end(c->db, ret, err);
}

