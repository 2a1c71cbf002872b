/*
 * Deposits (保证金) over HTTP: take one, list them (the caller's org subtree, keyset pages by
 * id), the accounts whose credit grade requires one they don't hold, refund one before closure
 * (a second person approves with their password, auth_approve with collection:approve, as a
 * reversal is approved), apply an account's deposits on closure. collect_deposit*.c does the
 * work; the router has checked the permission and the scope.
 */
#include "api/api.h"

#include "core/common.h"
#include "domain/auth.h"
#include "domain/collect.h"

#include <inttypes.h>

static json_t *deposit_json(const struct deposit_info *d)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(d->id));
    json_object_set_new(j, "account", json_string(d->account_no));
    json_object_set_new(j, "amount", api_json_money(d->amount_fen));
    json_object_set_new(j, "channel", json_string(d->channel));
    json_object_set_new(j, "ref", api_json_str(d->ref));
    json_object_set_new(j, "reason", api_json_str(d->reason));
    json_object_set_new(j, "taken_on", json_string(d->taken_on));
    json_object_set_new(j, "taken_by", json_string(d->taken_by));
    json_object_set_new(j, "status", json_string(d->status));
    json_object_set_new(j, "applied", api_json_money(d->applied_fen));
    json_object_set_new(j, "refunded", api_json_money(d->refunded_fen));
    json_object_set_new(j, "held", api_json_money(d->held_fen));
    json_object_set_new(j, "closed_on", api_json_str(d->closed_on));
    return j;
}

static int deposit_one(void *arg, const struct deposit_info *d)
{
    *(json_t **)arg = deposit_json(d);
    return 0;
}

static int deposit_item(void *arg, const struct deposit_info *d)
{
    json_array_append_new(arg, deposit_json(d));
    return 0;
}

/* POST {"account", "amount", "channel", "ref", "reason"}: 201 the deposit, 200 a repeat */
int api_deposit_take(struct api_req *r)
{
    static const char *const known[] = { "account", "amount", "channel", "ref", "reason", NULL };
    const char *account, *channel = NULL, *ref, *reason;
    int64_t fen = 0, id;
    bool repeat;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "account", true, &account)) ||
        (rc = api_body_money(r, "amount", true, &fen)) ||
        (rc = api_body_str(r, "channel", false, &channel)) ||
        (rc = api_body_str(r, "ref", false, &ref)) ||
        (rc = api_body_str(r, "reason", false, &reason)))
        return rc;
    json_t *o = NULL;
    if ((rc = collect_deposit_take(&r->ctx, account, fen, channel ? channel : "counter", ref,
                                   reason, &id, &repeat, &r->err)) ||
        (rc = collect_deposit_get(&r->ctx, id, deposit_one, &o, &r->err)))
        return rc;
    json_object_set_new(o, "repeat", json_boolean(repeat));
    return api_reply(r, repeat ? 200 : 201, o);
}

/* GET ?account=&status=&after=&limit=: the caller's subtree's deposits in id order */
int api_deposit_list(struct api_req *r)
{
    struct deposit_query q = { .account_no = api_query(r, "account"),
                               .status = api_query(r, "status") };
    int rc;
    if ((rc = api_query_int(r, "after", 0, INT64_MAX, 0, &q.after_id)) ||
        (rc = api_query_int(r, "limit", 1, 1000, 100, &q.limit)))
        return rc;
    json_t *items = json_array();
    if ((rc = collect_deposit_list(&r->ctx, &q, deposit_item, items, &r->err))) {
        json_decref(items);
        return rc;
    }
    size_t n = json_array_size(items);
    json_t *next = (int64_t)n == q.limit
                       ? json_incref(json_object_get(json_array_get(items, n - 1), "id"))
                       : json_null();
    return api_reply(r, 200, json_pack("{s:o,s:o}", "items", items, "next", next));
}

static int due_item(void *arg, const struct deposit_due *d)
{
    json_array_append_new(arg, json_pack("{s:s,s:s,s:s,s:s,s:I}", "account", d->account_no,
                                         "customer", d->customer, "period", d->period, "grade",
                                         d->grade, "score", (json_int_t)d->score));
    return 0;
}

/* GET ?after=ACCOUNT&limit=: accounts whose grade requires a deposit they don't hold */
int api_deposit_required(struct api_req *r)
{
    const char *after = api_query(r, "after");
    int64_t limit;
    int rc;
    if ((rc = api_query_int(r, "limit", 1, 1000, 100, &limit)))
        return rc;
    json_t *items = json_array();
    if ((rc = collect_deposit_required(&r->ctx, after, limit, due_item, items, &r->err))) {
        json_decref(items);
        return rc;
    }
    size_t n = json_array_size(items);
    json_t *next = (int64_t)n == limit
                       ? json_incref(json_object_get(json_array_get(items, n - 1), "account"))
                       : json_null();
    return api_reply(r, 200, json_pack("{s:o,s:o}", "items", items, "next", next));
}

/*
 * POST {"amount", "reason", "ref", "approver", "approver_password"}: refund (all that is held
 * unless "amount"). The deposit is looked up first, so another subtree's answers 404 before
 * any password is checked.
 */
int api_deposit_refund(struct api_req *r)
{
    static const char *const known[] = { "amount",   "reason",            "ref",
                                         "approver", "approver_password", NULL };
    struct deposit_refund_in in = { .all = true };
    const char *password;
    int64_t refund_id;
    json_t *o = NULL;
    char rn[16];
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "reason", true, &in.reason)) ||
        (rc = api_body_str(r, "ref", false, &in.ref)) ||
        (rc = api_body_str(r, "approver", true, &in.approver)) ||
        (rc = api_body_str(r, "approver_password", true, &password)))
        return rc;
    in.amount_fen = INT64_MIN; /* absent: all that is held */
    if ((rc = api_body_money(r, "amount", false, &in.amount_fen)))
        return rc;
    in.all = in.amount_fen == INT64_MIN;
    if ((rc = api_param_id(r, "deposit", &in.deposit_id)) ||
        (rc = collect_deposit_get(&r->ctx, in.deposit_id, deposit_one, &o, &r->err)))
        return rc;
    json_decref(o);
    const char *what = arena_sprintf(&r->arena, "refund of deposit #%" PRId64, in.deposit_id);
    if ((rc = auth_approve(&r->ctx, &r->cfg->policy, in.approver, password,
                           PERM_COLLECTION_APPROVE, what, &r->err)) ||
        (rc = collect_deposit_refund(&r->ctx, &in, &refund_id, &r->err)) ||
        (rc = collect_deposit_get(&r->ctx, in.deposit_id, deposit_one, &o, &r->err)))
        return rc;
    json_object_set_new(o, "refund", json_string(collect_refund_no(refund_id, rn)));
    return api_reply(r, 200, o);
}

/* POST {"ref"}: on closure the account's held deposits pay its bills, the rest refunded */
int api_deposit_apply(struct api_req *r)
{
    static const char *const known[] = { "ref", NULL };
    const char *ref;
    struct deposit_apply_result res;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "ref", false, &ref)) ||
        (rc = collect_deposit_apply(&r->ctx, api_param(r, "id"), ref, &res, &r->err)))
        return rc;
    return api_reply(r, 200,
                     json_pack("{s:s,s:I,s:o,s:o,s:o,s:o}", "account", api_param(r, "id"),
                               "deposits", (json_int_t)res.deposits, "held",
                               api_json_money(res.held_fen), "applied",
                               api_json_money(res.applied_fen), "refund",
                               api_json_money(res.refunded_fen), "balance",
                               api_json_money(res.balance_fen)));
}
