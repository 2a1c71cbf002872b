/*
 * Collections over HTTP (manual 3.4): arrears aging, the accounts in arrears and the collection
 * rate; the day's reminders; disconnection candidates, notices and approvals (a second user's
 * password, like a reversal); collection work orders; credit ratings. Thin: domain/collect*.c
 * does the work and keeps other subtrees' accounts and orders unknown (ctx.scope_org_id), so
 * they answer 404. Figures without an org are the caller's own subtree. Reminders run over
 * every account, so they need a user of the whole tree (R_WHOLE_TREE: the router refuses others).
 */
#include "core/common.h"
#include "core/date.h"
#include "core/money.h"
#include "api/api.h"
#include "domain/collect.h"
#include "domain/ledger.h"

/* "as of" query parameter 'date', default today. */
static int asof(struct api_req *r, struct date *d)
{
    int rc;
    *d = (struct date){ 0, 0, 0 };
    if ((rc = api_query_date(r, "date", d)))
        return rc;
    return date_is_valid(*d) ? 0 : ctx_today(&r->ctx, d, &r->err);
}

/* Query parameter 'org', or the caller's own unit when scoped (NULL: the whole tree). */
static const char *org_param(struct api_req *r)
{
    const char *org = api_query(r, "org");
    return org ? org : r->ctx.scope_org_id ? r->who.org_code : NULL;
}

static int scope_params(struct api_req *r, struct arrears_scope *s)
{
    const char *by = api_query(r, "by");
    int64_t depth;
    int rc;
    if ((rc = api_query_int(r, "depth", 0, 10, 1, &depth)) || (rc = asof(r, &s->asof)))
        return rc;
    if (!by || !strcmp(by, "org"))
        s->by = COLLECT_BY_ORG;
    else if (!strcmp(by, "type"))
        s->by = COLLECT_BY_TYPE;
    else
        return error(&r->err, ERR_INVALID, "query parameter 'by' must be org or type"),
               err_field(&r->err, "by");
    s->depth = (int)depth;
    s->org = org_param(r);
    return 0;
}

static json_t *cell_json(const struct aging_cell *x)
{
    return json_pack("{s:I,s:o,s:o,s:o}", "bills", (json_int_t)x->bills, "principal",
                     api_json_money(x->principal_fen), "late_fee", api_json_money(x->fee_fen),
                     "owed", api_json_money(x->principal_fen + x->fee_fen));
}

static json_t *aging_row_json(const struct aging_row *row, bool org)
{
    json_t *o = json_object(), *b = json_object();
    if (row->key)
        json_object_set_new(o, org ? "org" : "user_type", json_string(row->key));
    json_object_set_new(o, "name", api_json_str(row->name));
    if (org && row->key)
        json_object_set_new(o, "depth", json_integer(row->depth));
    json_object_set_new(o, "accounts", json_integer(row->accounts));
    for (int i = 0; i < COLLECT_BUCKETS; i++)
        json_object_set_new(b, collect_bucket_names[i], cell_json(&row->b[i]));
    json_object_set_new(o, "buckets", b);
    json_object_set_new(o, "total", cell_json(&row->total));
    return o;
}

int api_arrears_aging(struct api_req *r)
{
    struct arrears_scope s;
    struct aging_report rep;
    char d[DATE_BUF_SIZE];
    int rc;
    if ((rc = scope_params(r, &s)) || (rc = collect_aging(&r->ctx, &s, &rep, &r->err)))
        return rc;
    bool org = s.by == COLLECT_BY_ORG;
    json_t *rows = json_array();
    for (size_t i = 0; i < rep.n; i++)
        json_array_append_new(rows, aging_row_json(&rep.rows[i], org));
    json_t *total = aging_row_json(&rep.total, org);
    json_object_del(total, "org");
    json_object_del(total, "user_type");
    json_object_del(total, "depth");
    return api_reply(r, 200,
                     json_pack("{s:s,s:s,s:o,s:o}", "date", date_format(rep.asof, d), "by",
                               org ? "org" : "type", "rows", rows, "total", total));
}

json_t *api_arrears_json(const struct arrears_account *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "account", json_string(a->account_no));
    json_object_set_new(o, "cust_no", json_string(a->cust_no));
    json_object_set_new(o, "customer", json_string(a->customer));
    json_object_set_new(o, "user_type", json_string(a->user_type));
    json_object_set_new(o, "org", json_string(a->org));
    json_object_set_new(o, "oldest_due", json_string(a->oldest_due));
    json_object_set_new(o, "days_overdue", json_integer(a->days));
    json_object_set_new(o, "bills", json_integer(a->bills));
    json_object_set_new(o, "principal", api_json_money(a->principal_fen));
    json_object_set_new(o, "late_fee", api_json_money(a->fee_fen));
    return o;
}

static int arrears_item(void *arg, const struct arrears_account *a)
{
    json_array_append_new(arg, api_arrears_json(a));
    return 0;
}

int api_arrears_list(struct api_req *r)
{
    struct arrears_query q = { .org = org_param(r), .after = api_query(r, "after") };
    int rc;
    if ((rc = asof(r, &q.asof)) || (rc = api_query_int(r, "min_days", 0, 100000, 1, &q.min_days)) ||
        (rc = api_query_int(r, "limit", 1, 1000, 100, &q.limit)))
        return rc;
    const char *next = NULL;
    json_t *items = json_array();
    if ((rc = collect_arrears_list(&r->ctx, &q, arrears_item, items, &next, &r->err))) {
        json_decref(items);
        if (rc == ERR_INVALID && !r->err.field[0] && q.after)
            err_field(&r->err, "after");
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:o,s:o}", "items", items, "next", api_json_str(next)));
}

struct rate_out {
    json_t *items;
    bool org;
};

static int rate_item(void *arg, const struct rate_row *row)
{
    struct rate_out *o = arg;
    char pct[32];
    json_t *j = json_object();
    json_object_set_new(j, "period", json_string(row->period));
    json_object_set_new(j, o->org ? "org" : "user_type", api_json_str(row->key));
    json_object_set_new(j, "name", api_json_str(row->name));
    json_object_set_new(j, "bills", json_integer(row->bills));
    json_object_set_new(j, "billed", api_json_money(row->billed_fen));
    json_object_set_new(j, "paid", api_json_money(row->paid_fen));
    json_object_set_new(j, "unpaid", api_json_money(row->billed_fen - row->paid_fen));
    json_object_set_new(j, "rate_pct", json_string(decimal_format(row->rate_bp, 2, 2, 0, pct)));
    json_object_set_new(j, "late_fee_accrued", api_json_money(row->fee_fen));
    json_object_set_new(j, "late_fee_waived", api_json_money(row->fee_waived_fen));
    json_object_set_new(j, "late_fee_paid", api_json_money(row->fee_paid_fen));
    json_array_append_new(o->items, j);
    return 0;
}

int api_arrears_rate(struct api_req *r)
{
    struct period p[2];
    struct arrears_scope s;
    int rc;
    if ((rc = api_query_periods(r, p)))
        return rc;
    if ((rc = scope_params(r, &s)))
        return rc;
    struct rate_out o = { json_array(), s.by == COLLECT_BY_ORG };
    if ((rc = collect_rate(&r->ctx, &s, p[0], p[1], rate_item, &o, &r->err))) {
        json_decref(o.items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:o}", "items", o.items));
}

int api_remind_run(struct api_req *r)
{
    static const char *const known[] = { "date", NULL };
    struct date d = { 0, 0, 0 };
    struct remind_result res;
    char db[DATE_BUF_SIZE];
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_date(r, "date", false, &d)))
        return rc;
    if (!date_is_valid(d) && (rc = ctx_today(&r->ctx, &d, &r->err)))
        return rc;
    if ((rc = collect_remind_run(&r->ctx, d, 1000, &res, &r->err))) {
        if (rc == ERR_INVALID && !r->err.field[0])
            err_field(&r->err, "date");
        return rc;
    }
    return api_reply(r, 200,
                     json_pack("{s:s,s:I,s:I,s:{s:I,s:I,s:I}}", "date", date_format(d, db), "bills",
                               (json_int_t)res.bills, "queued", (json_int_t)res.queued,
                               "by_channel", "sms", (json_int_t)res.by_channel[0], "wechat",
                               (json_int_t)res.by_channel[1], "letter",
                               (json_int_t)res.by_channel[2]));
}

json_t *api_candidate_json(const struct candidate *k)
{
    char rd[DATE_BUF_SIZE];
    json_t *j = json_object();
    json_object_set_new(j, "account", json_string(k->account_no));
    json_object_set_new(j, "customer", json_string(k->customer));
    json_object_set_new(j, "user_type", json_string(k->user_type));
    json_object_set_new(j, "important", json_boolean(k->important));
    json_object_set_new(j, "org", json_string(k->org));
    json_object_set_new(j, "oldest_due", json_string(k->oldest_due));
    json_object_set_new(j, "days_overdue", json_integer(k->days));
    json_object_set_new(j, "bills", json_integer(k->bills));
    json_object_set_new(j, "principal", api_json_money(k->principal_fen));
    json_object_set_new(j, "late_fee", api_json_money(k->fee_fen));
    json_object_set_new(j, "notice_on", api_json_str(k->notice_on));
    json_object_set_new(j, "ready_on",
                        k->notice_on ? json_string(date_format(k->ready_on, rd)) : json_null());
    json_object_set_new(j, "state", json_string(collect_candidate_states[k->state]));
    json_object_set_new(j, "order", k->order_id ? json_integer(k->order_id) : json_null());
    return j;
}

static int candidate_item(void *arg, const struct candidate *k)
{
    json_array_append_new(arg, api_candidate_json(k));
    return 0;
}

int api_disconnect_candidates(struct api_req *r)
{
    struct date d;
    int rc;
    if ((rc = asof(r, &d)))
        return rc;
    json_t *items = json_array();
    if ((rc = collect_candidates(&r->ctx, d, candidate_item, items, &r->err))) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:o}", "items", items));
}

int api_disconnect_notice(struct api_req *r)
{
    static const char *const known[] = { NULL };
    struct notice_result res;
    char dd[DATE_BUF_SIZE];
    int rc;
    if ((rc = api_body_only(r, known)) ||
        (rc = collect_notice(&r->ctx, api_param(r, "id"), &res, &r->err)))
        return rc;
    return api_reply(r, res.already ? 200 : 201,
                     json_pack("{s:s,s:I,s:b,s:o,s:s,s:o}", "account", api_param(r, "id"), "notice",
                               (json_int_t)res.notice_id, "already", res.already, "served_on",
                               api_json_str(res.served_on), "disconnect_on",
                               date_format(res.disconnect_on, dd), "arrears",
                               api_json_money(res.arrears_fen)));
}

/*
 * Approving a disconnection needs another person (an important customer a third): each
 * approver's user name and password in the body, checked like a reversal's (auth_approve,
 * collection:approve). The account is looked up first, so another subtree's answers 404
 * before any password is checked.
 */
int api_disconnect_approve(struct api_req *r)
{
    static const char *const known[] = { "approver", "approver_password", "second_approver",
                                         "second_approver_password", NULL };
    const char *a1, *p1, *a2, *p2, *account = api_param(r, "id");
    int64_t id, order;
    bool closed;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "approver", true, &a1)) ||
        (rc = api_body_str(r, "approver_password", true, &p1)) ||
        (rc = api_body_str(r, "second_approver", false, &a2)) ||
        (rc = api_body_str(r, "second_approver_password", a2 != NULL, &p2)) ||
        (rc = ledger_account_find(&r->ctx, account, &id, &closed, &r->err)))
        return rc;
    const char *what = arena_sprintf(&r->arena, "disconnection of %s", account);
    if ((rc = auth_approve(&r->ctx, &r->cfg->policy, a1, p1, PERM_COLLECTION_APPROVE, what,
                           &r->err)) ||
        (a2 && (rc = auth_approve(&r->ctx, &r->cfg->policy, a2, p2, PERM_COLLECTION_APPROVE, what,
                                  &r->err))) ||
        (rc = collect_approve(&r->ctx, account, a1, a2, &order, &r->err))) {
        if (rc == ERR_INVALID && !r->err.field[0])
            err_field(&r->err, a2 && strstr(r->err.msg, "second") ? "second_approver" : "approver");
        return rc;
    }
    return api_reply(r, 201,
                     json_pack("{s:s,s:I,s:s,s:o}", "account", account, "order", (json_int_t)order,
                               "approver", a1, "second_approver", api_json_str(a2)));
}

json_t *api_order_json(const struct order_info *o, api_time_fn *when, void *arg)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(o->id));
    json_object_set_new(j, "account", json_string(o->account_no));
    json_object_set_new(j, "kind", json_string(o->kind));
    json_object_set_new(j, "status", json_string(o->status));
    json_object_set_new(j, "late", json_boolean(o->late));
    json_object_set_new(j, "arrears", api_json_money(o->arrears_fen));
    json_object_set_new(j, "approved_by", api_json_str(o->approved_by));
    json_object_set_new(j, "second_approver", api_json_str(o->approved_by2));
    json_object_set_new(j, "opened_at", when(o->opened_at, arg));
    json_object_set_new(j, "opened_by", api_json_str(o->opened_by));
    json_object_set_new(j, "deadline", when(o->deadline_at, arg));
    json_object_set_new(j, "closed_at", when(o->closed_at, arg));
    json_object_set_new(j, "closed_by", api_json_str(o->closed_by));
    json_object_set_new(j, "note", api_json_str(o->note));
    json_object_set_new(j, "final_notice_at", when(o->final_notice_at, arg));
    json_object_set_new(j, "final_notice_channel", api_json_str(o->final_notice_channel));
    json_object_set_new(j, "final_notice_by", api_json_str(o->final_notice_by));
    json_object_set_new(j, "final_notice_note", api_json_str(o->final_notice_note));
    return j;
}

static int order_item(void *arg, const struct order_info *o)
{
    json_array_append_new(arg, api_order_json(o, api_time_utc, NULL));
    return 0;
}

int api_orders_list(struct api_req *r)
{
    struct order_query q = { .status = api_query(r, "status"),
                             .kind = api_query(r, "kind"),
                             .account_no = api_query(r, "account") };
    int rc;
    if ((rc = api_query_bool(r, "late", &q.late_only)) ||
        (rc = api_query_int(r, "after", 0, INT64_MAX, 0, &q.after_id)) ||
        (rc = api_query_int(r, "limit", 1, 1000, 100, &q.limit)))
        return rc;
    json_t *items = json_array();
    if ((rc = collect_orders_list(&r->ctx, &q, order_item, items, &r->err))) {
        json_decref(items);
        if (rc == ERR_INVALID && !r->err.field[0])
            err_field(&r->err, strstr(r->err.msg, "kind") ? "kind" : "status");
        return rc;
    }
    size_t n = json_array_size(items);
    json_t *next = (int64_t)n == q.limit
                       ? json_incref(json_object_get(json_array_get(items, n - 1), "id"))
                       : json_null();
    return api_reply(r, 200, json_pack("{s:o,s:o}", "items", items, "next", next));
}

int api_order_done(struct api_req *r)
{
    static const char *const known[] = { "note", NULL };
    const char *note;
    struct order_info o;
    int64_t id;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "note", false, &note)) ||
        (rc = api_param_id(r, "collection order", &id)))
        return rc;
    if ((rc = collect_order_close(&r->ctx, id, true, note, &r->err)) ||
        (rc = collect_order_get(&r->ctx, id, &o, &r->err)))
        return rc;
    return api_reply(r, 200, api_order_json(&o, api_time_utc, NULL));
}

/* POST /api/v1/orders/{id}/final-notice: optional {channel, served_by, note} (no body: an
 * SMS served by the caller); the order with the time it may be done */
int api_order_final_notice(struct api_req *r)
{
    static const char *const known[] = { "channel", "served_by", "note", NULL };
    struct final_notice_how how = { 0 };
    struct final_notice fn;
    struct order_info o;
    int64_t id;
    int rc;
    if ((rc = api_body_only(r, known)) ||
        (rc = api_body_str(r, "channel", false, &how.channel)) ||
        (rc = api_body_str(r, "served_by", false, &how.by)) ||
        (rc = api_body_str(r, "note", false, &how.note)) ||
        (rc = api_param_id(r, "collection order", &id)))
        return rc;
    if ((rc = collect_final_notice(&r->ctx, id, &how, &fn, &r->err))) {
        if (rc == ERR_INVALID && !r->err.field[0])
            err_field(&r->err, strstr(r->err.msg, "channel") ? "channel"
                               : strstr(r->err.msg, "note") ? "note" : "served_by");
        return rc;
    }
    if ((rc = collect_order_get(&r->ctx, id, &o, &r->err)))
        return rc;
    json_t *j = api_order_json(&o, api_time_utc, NULL);
    json_object_set_new(j, "disconnect_from", api_json_time(fn.disconnect_from));
    json_object_set_new(j, "outbox", fn.outbox_id ? json_integer(fn.outbox_id) : json_null());
    return api_reply(r, 200, j);
}

json_t *api_credit_json(const struct credit_info *ci)
{
    json_t *j = json_object();
    json_object_set_new(j, "period", json_string(ci->period));
    json_object_set_new(j, "score", json_integer(ci->score));
    json_object_set_new(j, "grade", json_string(ci->grade));
    json_object_set_new(j, "grade_name", json_string(ci->grade_name));
    json_object_set_new(j, "deposit_required", json_boolean(ci->deposit_required));
    json_object_set_new(j, "bills", json_integer(ci->in.bills));
    json_object_set_new(j, "on_time", json_integer(ci->in.on_time));
    json_object_set_new(j, "late_bills", json_integer(ci->in.late_bills));
    json_object_set_new(j, "late_days", json_integer(ci->in.late_days));
    json_object_set_new(j, "arrears", api_json_money(ci->in.arrears_fen));
    json_object_set_new(j, "average_bill", api_json_money(ci->in.avg_bill_fen));
    json_object_set_new(j, "reversals", json_integer(ci->in.reversals));
    json_object_set_new(j, "disconnections", json_integer(ci->in.disconnections));
    json_object_set_new(j, "reasons", json_string(ci->reasons));
    return j;
}

static int credit_item(void *arg, const struct credit_info *ci)
{
    json_array_append_new(arg, api_credit_json(ci));
    return 0;
}

int api_account_credit(struct api_req *r)
{
    json_t *items = json_array();
    int rc = collect_credit_show(&r->ctx, api_param(r, "id"), credit_item, items, &r->err);
    if (rc) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200,
                     json_pack("{s:s,s:o}", "account", api_param(r, "id"), "ratings", items));
}
