/*
 * Prepaid (费控) accounts: the credit on the ledger is the balance; a daily charge estimated
 * from the recent bills turns it into days left; warnings at the thresholds (prepaid_threshold)
 * go to the outbox once per top-up; at zero credit a remote disconnection order opens (no
 * notice: the prepaid contract is the notice), and a top-up that leaves credit reconnects it
 * (collect_after_payment). Called by cmd_prepaid.c.
 */
#include "domain/collect_int.h"

#include "core/common.h"
#include "core/money.h"
#include "domain/audit.h"

#include <inttypes.h>
#include <string.h>

int64_t collect_daily_estimate(const int64_t *bill_fen, const int *days, int n)
{
    int64_t sum = 0, d = 0;
    for (int i = 0; i < n; i++) {
        if (days[i] <= 0 || bill_fen[i] > INT64_MAX / 4 - sum)
            return 0;
        sum += bill_fen[i];
        d += days[i];
    }
    if (d <= 0 || sum <= 0)
        return 0;
    return (sum * 2 + d) / (2 * d);
}

int64_t collect_days_left(int64_t credit_fen, int64_t daily_fen)
{
    if (daily_fen <= 0)
        return -1;
    return credit_fen <= 0 ? 0 : credit_fen / daily_fen;
}

int collect_threshold_reached(const int64_t *days, int n, int64_t days_left)
{
    if (days_left < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (days[i] >= days_left)
            return i;
    return -1;
}

/* ---- thresholds ---- */

int collect_thresholds_list(struct ctx *c, remind_step_fn *fn, void *arg, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_COLLECT_THRESHOLDS);
    int ret = 0;
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct remind_step s = { store_col_i64(st, 0), store_col_text(st, 1), NULL };
        ret = fn(arg, &s);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

int collect_threshold_set(struct ctx *c, int64_t days_left, const char *channel, struct err *err)
{
    char key[24], detail[64];
    if (days_left < 1 || days_left > 365)
        return error(err, ERR_INVALID, "a warning threshold is 1 to 365 days of credit, not %"
                     PRId64, days_left),
               err_field(err, "days_left");
    if (!channel || (strcmp(channel, "sms") && strcmp(channel, "wechat") &&
                     strcmp(channel, "letter")))
        return error(err, ERR_INVALID, "unknown channel '%s' (a balance warning goes by sms, "
                     "wechat or letter)", channel ? channel : ""),
               err_field(err, "channel");
    int ret = store_begin(c->db, err);
    if (ret)
        return ret;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_THRESHOLD_SET);
    store_bind_i64(st, 1, days_left);
    store_bind_text(st, 2, channel);
    store_bind_i64(st, 3, ctx_now(c));
    store_bind_text(st, 4, c->actor);
    snprintf(key, sizeof(key), "%" PRId64, days_left);
    snprintf(detail, sizeof(detail), "%" PRId64 " days of credit left: %s", days_left, channel);
    struct audit_rec ar = { "collect.threshold.set", "prepaid_threshold", key, NULL, NULL, detail };
    if (!(ret = store_exec(st, err)))
        ret = audit_append(c, &ar, err);
    return store_end(c->db, ret, err);
}

int collect_threshold_remove(struct ctx *c, int64_t days_left, struct err *err)
{
    char key[24];
    int ret = store_begin(c->db, err);
    if (ret)
        return ret;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_THRESHOLD_DEL);
    store_bind_i64(st, 1, days_left);
    snprintf(key, sizeof(key), "%" PRId64, days_left);
    struct audit_rec ar = { "collect.threshold.remove", "prepaid_threshold", key, NULL, NULL, NULL };
    if (!(ret = store_exec(st, err))) {
        if (!store_changes(st))
            ret = error(err, ERR_NOT_FOUND, "no warning threshold at %" PRId64 " days", days_left);
        else
            ret = audit_append(c, &ar, err);
    }
    return store_end(c->db, ret, err);
}

/* ---- the check ---- */

struct thresholds {
    int n;
    int64_t days[32];
    char channel[32][8];
};

static int copy_threshold(void *arg, const struct remind_step *s)
{
    struct thresholds *t = arg;
    if (t->n < 32) {
        t->days[t->n] = s->days_after;
        snprintf(t->channel[t->n++], sizeof(t->channel[0]), "%s", s->channel);
    }
    return 0;
}

static int daily_of(struct ctx *c, int64_t account_id, int64_t *daily, struct err *err)
{
    int64_t fen[3];
    int days[3], n = 0, ret;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_RECENT_BILLS);
    store_bind_i64(st, 1, account_id);
    while (n < 3 && (ret = store_step(st, err)) == STORE_ROW) {
        struct period p;
        fen[n] = store_col_i64(st, 0);
        if (period_parse(store_col_text(st, 1), &p, err))
            continue;
        days[n++] = period_days(p);
    }
    store_reset(st);
    if (ret < 0)
        return ret;
    *daily = collect_daily_estimate(fen, days, n);
    return 0;
}

static int i64_of(struct ctx *c, enum query_id q, int64_t a, int64_t b, int nb, int64_t *out,
                  bool *null, struct err *err)
{
    struct store_stmt *st = store_q(c->db, q);
    store_bind_i64(st, 1, a);
    if (nb > 1)
        store_bind_i64(st, 2, b);
    int ret = store_one(st, err);
    if (ret)
        return ret;
    *null = store_col_null(st, 0);
    *out = store_col_i64(st, 0);
    store_reset(st);
    return 0;
}

/* Open the remote disconnection of an account whose credit is used up; audited, an SMS. */
static int prepaid_off(struct ctx *c, int64_t account_id, struct prepaid_row *row,
                       struct err *err)
{
    char m[MONEY_BUF_SIZE], detail[160];
    int64_t outbox_id;
    struct msg_vars v = { .account = row->account_no, .customer = row->customer,
                          .amount = money_format(-row->credit_fen, m) };
    int ret = collect_outbox_add(c, "prepaid_off", "sms", account_id, row->account_no, &v,
                                 &outbox_id, err);
    if (ret && ret != ERR_NOT_FOUND)
        return ret;
    struct order_new on = { account_id, "disconnect", -row->credit_fen, 0, "policy", NULL,
                            "prepaid balance exhausted", 0 };
    if ((ret = collect_order_open(c, &on, &row->order_id, err)))
        return ret;
    snprintf(detail, sizeof(detail), "order #%" PRId64 ": prepaid credit used up, %s yuan owed",
             row->order_id, m);
    struct audit_rec ar = { "collect.prepaid.disconnect", "account", row->account_no, NULL, NULL,
                            detail };
    return audit_append(c, &ar, err);
}

static int check_one(struct ctx *c, int64_t account_id, const struct thresholds *th,
                     struct date on, struct prepaid_row *row, struct prepaid_result *r,
                     struct err *err)
{
    struct last_order lo;
    int ret;
    row->action = "ok";
    row->days_left = -1;
    if ((ret = collect_last_order(c, account_id, &lo, err)))
        return ret;
    if (collect_supply_off(&lo)) {
        row->action = "off";
        return 0;
    }
    if ((ret = daily_of(c, account_id, &row->daily_fen, err)))
        return ret;
    row->days_left = collect_days_left(row->credit_fen, row->daily_fen);
    /* zero credit disconnects an account that uses energy (or owes); a new account that has
     * neither bought nor used anything is left alone */
    if (row->credit_fen < 0 || (row->credit_fen == 0 && row->daily_fen > 0)) {
        if (collect_disconnect_open(&lo)) {
            row->action = "ordered";
            row->order_id = lo.id;
            return 0;
        }
        row->action = "disconnect";
        r->orders++;
        return prepaid_off(c, account_id, row, err);
    }
    if (row->daily_fen <= 0) {
        row->action = "no_estimate";
        return 0;
    }
    int k = collect_threshold_reached(th->days, th->n, row->days_left);
    if (k < 0)
        return 0;
    int64_t topup, warned;
    bool none;
    if ((ret = i64_of(c, Q_COLLECT_LAST_TOPUP, account_id, 0, 1, &topup, &none, err)) ||
        (ret = i64_of(c, Q_COLLECT_WARNED, account_id, topup, 2, &warned, &none, err)))
        return ret;
    row->threshold = th->days[k];
    if (!none && warned <= th->days[k]) { /* this one or a more urgent one went out already */
        row->action = "low";
        return 0;
    }
    char m[MONEY_BUF_SIZE], dl[24], d[DATE_BUF_SIZE];
    snprintf(dl, sizeof(dl), "%" PRId64, row->days_left);
    struct msg_vars v = { .account = row->account_no, .customer = row->customer,
                          .amount = money_format(row->credit_fen, m), .days = dl,
                          .date = date_format(on, d) };
    int64_t outbox_id;
    if ((ret = collect_outbox_add(c, "low_balance", th->channel[k], account_id, row->account_no,
                                  &v, &outbox_id, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_WARNING_ADD);
    store_bind_i64(st, 1, account_id);
    store_bind_i64(st, 2, topup);
    store_bind_i64(st, 3, th->days[k]);
    store_bind_text(st, 4, d);
    store_bind_i64(st, 5, row->credit_fen);
    store_bind_i64(st, 6, row->daily_fen);
    store_bind_i64(st, 7, outbox_id);
    if ((ret = store_exec(st, err)))
        return ret;
    row->action = "warned";
    r->warned++;
    return 0;
}

int collect_prepaid_check(struct ctx *c, struct date on, prepaid_fn *fn, void *arg,
                          struct prepaid_result *r, struct err *err)
{
    struct thresholds th = { 0 };
    struct date today;
    char ob[DATE_BUF_SIZE], tb[DATE_BUF_SIZE];
    enum { PAGE = 500 };
    struct {
        int64_t id, balance;
        const char *account_no, *customer;
    } *page = arena_alloc(c->arena, PAGE * sizeof(*page));
    int64_t cursor = 0;
    int ret;

    memset(r, 0, sizeof(*r));
    if ((ret = ctx_today(c, &today, err)))
        return ret;
    if (date_cmp(on, today) > 0)
        return error(err, ERR_INVALID, "prepaid accounts cannot be checked ahead, for %s (today "
                     "is %s)", date_format(on, ob), date_format(today, tb));
    if ((ret = collect_thresholds_list(c, copy_threshold, &th, err)))
        return ret;
    struct arena pa = ARENA_INIT;
    struct ctx pc = *c;
    pc.arena = &pa;
    for (bool more = true; more && !ret;) {
        int n = 0;
        arena_reset(&pa);
        if ((ret = store_begin(c->db, err)))
            break;
        struct store_stmt *st = store_q(c->db, Q_COLLECT_PREPAID_PAGE);
        store_bind_i64(st, 1, cursor);
        store_bind_i64(st, 2, PAGE);
        while ((ret = store_step(st, err)) == STORE_ROW) {
            page[n].id = store_col_i64(st, 0);
            page[n].account_no = ctx_col_text(&pc, st, 1);
            page[n].customer = ctx_col_text(&pc, st, 2);
            page[n++].balance = store_col_i64(st, 3);
        }
        store_reset(st);
        if (ret >= 0)
            ret = 0;
        more = n == PAGE;
        for (int i = 0; !ret && i < n; i++) {
            struct prepaid_row row = { page[i].account_no, page[i].customer, -page[i].balance,
                                       0, -1, "ok", 0, 0 };
            r->accounts++;
            if (!(ret = check_one(&pc, page[i].id, &th, on, &row, r, err)) && fn)
                ret = fn(arg, &row);
        }
        if (n)
            cursor = page[n - 1].id;
        ret = store_end(c->db, ret, err);
    }
    arena_release(&pa);
    if (ret)
        return ret;
    char detail[128];
    snprintf(detail, sizeof(detail), "%" PRId64 " prepaid accounts, %" PRId64 " warned, %" PRId64
             " disconnection orders", r->accounts, r->warned, r->orders);
    struct audit_rec ar = { "collect.prepaid", "account", date_format(on, ob), NULL, NULL,
                            detail };
    if ((ret = store_begin(c->db, err)))
        return ret;
    return store_end(c->db, audit_append(c, &ar, err), err);
}
