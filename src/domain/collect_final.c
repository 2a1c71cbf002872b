/*
 * The final notice before a disconnection for arrears (rules §6.2): a non-residential
 * customer is told again the policy's minutes (60) before the crew interrupts the supply, and
 * the crew may not report the disconnection done before that time has passed, whether the
 * notice went by SMS (the outbox), a phone call or a visit. Residential and
 * prepaid accounts need none (the prepaid contract is their notice), though one may be sent.
 * Called by cmd_disconnect.c, api_collect.c and collect_order_close().
 */
#include "domain/collect_int.h"

#include "core/common.h"
#include "core/money.h"
#include "domain/audit.h"

#include <inttypes.h>
#include <string.h>

struct order_acct {
    int64_t id;
    char customer[200];
    bool resident, prepaid;
};

static int order_acct_get(struct ctx *c, int64_t order_id, struct order_acct *a, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_COLLECT_ORDER_ACCOUNT);
    store_bind_i64(st, 1, order_id);
    ctx_bind_scope(c, st, 2);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no collection order #%" PRId64, order_id);
    if (ret)
        return ret;
    a->id = store_col_i64(st, 0);
    snprintf(a->customer, sizeof(a->customer), "%s", ctx_col_text(c, st, 1));
    a->resident = !strcmp(store_col_text(st, 2), "resident");
    a->prepaid = !strcmp(store_col_text(st, 3), "prepaid");
    store_reset(st);
    return 0;
}

/* "2025-01-26T11:00:00+08:00" -> "2025-01-26 11:00" */
static char *local_minutes(int64_t us, const struct tz *tz, char *buf)
{
    char b[INSTANT_BUF_SIZE];
    instant_format_tz(us, tz, b);
    snprintf(buf, 17, "%.10s %.5s", b, b + 11);
    return buf;
}

int collect_final_check(struct ctx *c, const struct order_info *o, struct err *err)
{
    struct disconnect_policy pol;
    struct order_acct a;
    struct date today;
    struct tz tz;
    char b1[20], b2[20];
    int ret;
    if (strcmp(o->kind, "disconnect"))
        return 0;
    if ((ret = ctx_today(c, &today, err)) || (ret = collect_policy_get(c, today, &pol, err)) ||
        (ret = order_acct_get(c, o->id, &a, err)))
        return ret;
    if (!pol.final_notice_minutes || a.resident || a.prepaid)
        return 0;
    if (!o->final_notice_at)
        return error(err, ERR_CONFLICT, "account %s is not residential: send its final notice "
                     "(pmis disconnect final-notice %" PRId64 ") at least %" PRId64 " minutes "
                     "before disconnecting", o->account_no, o->id, pol.final_notice_minutes);
    int64_t from = o->final_notice_at + pol.final_notice_minutes * US_PER_MIN;
    if (ctx_now(c) >= from)
        return 0;
    if ((ret = tz_load(c->zone_name, &tz, err)))
        return ret;
    ret = error(err, ERR_CONFLICT, "the final notice to account %s went out at %s: disconnect "
                "from %s, not before", o->account_no, local_minutes(o->final_notice_at, &tz, b1),
                local_minutes(from, &tz, b2));
    tz_release(&tz);
    return ret;
}

static int how_check(const struct final_notice_how *how, struct err *err)
{
    const char *ch = how->channel ? how->channel : "sms";
    bool sms = !strcmp(ch, "sms");
    if (!sms && strcmp(ch, "phone") && strcmp(ch, "visit"))
        return error(err, ERR_INVALID, "unknown final notice channel '%s' (sms, phone or visit)",
                     ch);
    if (how->by && !*how->by)
        return error(err, ERR_INVALID, "the person who served the final notice needs a name");
    if (how->by && strlen(how->by) > 100)
        return error(err, ERR_INVALID, "the name of the person who served the final notice is "
                     "longer than 100 bytes");
    if (!sms && (!how->note || !*how->note))
        return error(err, ERR_INVALID, "a final notice by phone or visit needs a note: whom "
                     "the server spoke to and what was said");
    if (how->note && strlen(how->note) > 500)
        return error(err, ERR_INVALID, "the final notice's note is longer than 500 bytes");
    return 0;
}

int collect_final_notice(struct ctx *c, int64_t order_id, const struct final_notice_how *how,
                         struct final_notice *r, struct err *err)
{
    static const struct final_notice_how sms = { NULL, NULL, NULL };
    struct disconnect_policy pol;
    struct order_info o;
    struct order_acct a;
    struct overdue od;
    struct date today;
    struct tz tz;
    char m[MONEY_BUF_SIZE], td[DATE_BUF_SIZE], at[20], detail[800];
    int ret;

    memset(r, 0, sizeof(*r));
    if (!how)
        how = &sms;
    if ((ret = how_check(how, err)))
        return ret;
    const char *channel = how->channel ? how->channel : "sms";
    const char *by = how->by ? how->by : c->actor;
    const char *note = how->note && *how->note ? how->note : NULL;
    if ((ret = tz_load(c->zone_name, &tz, err)))
        return ret;
    if ((ret = ctx_today(c, &today, err)) || (ret = collect_policy_get(c, today, &pol, err)) ||
        (ret = store_begin(c->db, err)))
        goto done;
    if ((ret = collect_order_get(c, order_id, &o, err)) ||
        (ret = order_acct_get(c, order_id, &a, err)))
        goto out;
    if (strcmp(o.kind, "disconnect") || strcmp(o.status, "open")) {
        ret = error(err, ERR_CONFLICT, "collection order #%" PRId64 " is a %s order, %s: a "
                    "final notice goes before an open disconnection", order_id, o.kind,
                    o.status);
        goto out;
    }
    if ((ret = collect_overdue_get(c, a.id, today, &od, err)))
        goto out;
    r->sent_at = ctx_now(c);
    r->disconnect_from = r->sent_at + pol.final_notice_minutes * US_PER_MIN;
    struct msg_vars v = { .account = o.account_no, .customer = a.customer,
                          .amount = money_format(od.principal_fen + od.fee_fen, m),
                          .date = date_format(today, td),
                          .time = local_minutes(r->disconnect_from, &tz, at) };
    if (!strcmp(channel, "sms"))
        ret = collect_outbox_add(c, "disconnect_final", "sms", a.id, o.account_no, &v,
                                 &r->outbox_id, err);
    if (ret == ERR_NOT_FOUND) { /* no template: the time is recorded all the same */
        err_clear(err);
        ret = 0;
    }
    if (ret)
        goto out;
    struct store_stmt *st = store_q(c->db, Q_COLLECT_FINAL_SET);
    store_bind_i64(st, 1, order_id);
    store_bind_i64(st, 2, r->sent_at);
    store_bind_text(st, 3, channel);
    store_bind_text(st, 4, by);
    store_bind_text(st, 5, note);
    if ((ret = store_exec(st, err)))
        goto out;
    snprintf(detail, sizeof(detail), "order #%" PRId64 ": final notice by %s, served by %s, "
             "disconnection from %s%s%s", order_id, channel, by ? by : "-", at,
             note ? ": " : "", note ? note : "");
    struct audit_rec ar = { "collect.disconnect.final", "account", o.account_no, NULL, NULL,
                            detail };
    ret = audit_append(c, &ar, err);
out:
    ret = store_end(c->db, ret, err);
done:
    tz_release(&tz);
    return ret;
}
