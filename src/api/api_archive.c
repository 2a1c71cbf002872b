/*
 * The archive over HTTP: org units, customers (search, get, create, audited reveal of one
 * personal-data field), accounts, meters, and the audit log. Thin: parse, call the domain with
 * the request's ctx (its org scope makes other subtrees read as missing), render. Personal
 * data leaves masked except through the reveal route.
 */
#include "core/common.h"
#include "core/date.h"
#include "core/money.h"
#include "api/api.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/customer.h"
#include "domain/meter.h"
#include "domain/org.h"

/* ---- org units ---- */

struct org_list {
    json_t *items;
    int64_t scope;
};

static int org_item(void *arg, const struct org_unit *u)
{
    struct org_list *l = arg;
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(u->code));
    json_object_set_new(o, "name", json_string(u->name));
    json_object_set_new(o, "level", json_string(u->level));
    /* the parent of the caller's own root lies outside their subtree */
    json_object_set_new(o, "parent", api_json_str(u->id == l->scope ? NULL : u->parent_code));
    json_object_set_new(o, "depth", json_integer(u->depth));
    json_array_append_new(l->items, o);
    return 0;
}

int api_org_list(struct api_req *r)
{
    const char *root = api_query(r, "root");
    int64_t id;
    int rc;
    if (root && (rc = ctx_org_id(&r->ctx, root, &id, &r->err)))
        return rc;
    if (!root)
        root = r->who.org_code;
    struct org_list l = { json_array(), r->ctx.scope_org_id };
    if ((rc = org_walk(&r->ctx, root, org_item, &l, &r->err))) {
        json_decref(l.items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:o}", "items", l.items));
}

/* ---- customers ---- */

static json_t *customer_json(const struct customer *cu)
{
    json_t *o = json_object();
    json_object_set_new(o, "cust_no", json_string(cu->cust_no));
    json_object_set_new(o, "name", json_string(cu->name));
    json_object_set_new(o, "user_type", json_string(cu->user_type));
    json_object_set_new(o, "voltage", json_string(cu->voltage));
    json_object_set_new(o, "status", json_string(cu->status));
    json_object_set_new(o, "important", json_boolean(cu->important));
    json_object_set_new(o, "address", json_string(cu->address));
    json_object_set_new(o, "phone", api_json_str(cu->phone_masked));
    json_object_set_new(o, "id_type", api_json_str(cu->id_type));
    json_object_set_new(o, "id_no", api_json_str(cu->id_no_masked));
    json_object_set_new(o, "org", json_string(cu->org_code));
    json_object_set_new(o, "org_name", json_string(cu->org_name));
    json_object_set_new(o, "opened_on", json_string(cu->opened_on));
    json_object_set_new(o, "closed_on", api_json_str(cu->closed_on));
    return o;
}

static int customer_item(void *arg, const struct customer *cu)
{
    json_array_append_new(arg, customer_json(cu));
    return 0;
}

int api_customer_search(struct api_req *r)
{
    static const struct {
        const char *param;
        enum customer_search_by by;
    } kinds[] = { { "no", CS_CUST_NO },  { "name", CS_NAME },   { "address", CS_ADDRESS },
                  { "phone", CS_PHONE }, { "id_no", CS_ID_NO }, { "meter", CS_METER } };
    struct customer_query q = { .by = CS_ANY };
    int rc;
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
        const char *v = api_query(r, kinds[i].param);
        if (!v)
            continue;
        if (q.by != CS_ANY)
            return error(&r->err, ERR_INVALID,
                         "search by one of no, name, address, phone, id_no, meter at a time");
        q.by = kinds[i].by;
        q.text = v;
    }
    const char *prefix = api_query(r, "prefix");
    if (prefix && strcmp(prefix, "true") && strcmp(prefix, "false"))
        return error(&r->err, ERR_INVALID, "query parameter 'prefix' must be true or false"),
               err_field(&r->err, "prefix");
    q.prefix = prefix && !strcmp(prefix, "true");
    q.org_code = api_query(r, "org");
    q.user_type = api_query(r, "type");
    q.status = api_query(r, "status");
    q.after = api_query(r, "after");
    if ((rc = api_query_int(r, "limit", 1, 1000, 50, &q.limit)))
        return rc;
    const char *next = NULL;
    json_t *items = json_array();
    if ((rc = customer_search(&r->ctx, &q, customer_item, items, &next, &r->err))) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:o,s:o}", "items", items, "next", api_json_str(next)));
}

int api_customer_get(struct api_req *r)
{
    struct customer cu;
    int rc = customer_get(&r->ctx, api_param(r, "id"), &cu, &r->err);
    if (rc)
        return rc;
    return api_reply(r, 200, customer_json(&cu));
}

int api_customer_create(struct api_req *r)
{
    static const char *const fields[] = { "cust_no", "name",  "user_type", "voltage",
                                          "address", "org",   "status",    "phone",
                                          "id_type", "id_no", "opened_on" };
    const char *v[ARRAY_SIZE(fields)];
    bool important = false;
    int rc;
    const char *key;
    json_t *val;
    json_object_foreach(r->json, key, val)
    {
        bool known = !strcmp(key, "important");
        for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
            known |= !strcmp(key, fields[i]);
        if (!known)
            return error(&r->err, ERR_INVALID, "unknown field '%s'", key),
                   err_field(&r->err, "body");
    }
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
        if ((rc = api_body_str(r, fields[i], false, &v[i])))
            return rc;
    if ((rc = api_body_bool(r, "important", &important)))
        return rc;
    struct customer_in in = {
        .cust_no = v[0],
        .name = v[1],
        .user_type = v[2],
        .voltage = v[3],
        .address = v[4],
        .org_code = v[5],
        .status = v[6],
        .phone = v[7],
        .id_type = v[8],
        .id_no = v[9],
        .opened_on = v[10],
        .important = important ? "1" : "0",
    };
    struct customer cu;
    if ((rc = customer_add(&r->ctx, &in, &cu, &r->err)))
        return rc;
    return api_reply(r, 201, customer_json(&cu));
}

int api_customer_reveal(struct api_req *r)
{
    const char *field = api_param(r, "field");
    enum customer_pii f;
    if (!strcmp(field, "phone"))
        f = CUSTOMER_PHONE;
    else if (!strcmp(field, "id_no"))
        f = CUSTOMER_ID_NO;
    else
        return error(&r->err, ERR_NOT_FOUND, "unknown personal-data field '%s': phone or id_no",
                     field);
    const char *reason = api_query(r, "reason");
    if (!reason || !*reason)
        return error(&r->err, ERR_INVALID,
                     "query parameter 'reason' is required: why the value is needed"),
               err_field(&r->err, "reason");
    struct strbuf out = STRBUF_INIT;
    int rc = customer_reveal(&r->ctx, api_param(r, "id"), f, reason, &out, &r->err);
    if (!rc)
        api_reply(r, 200,
                  json_pack("{s:s,s:s,s:s}", "cust_no", api_param(r, "id"), "field", field, "value",
                            out.buf));
    strbuf_release(&out);
    return rc;
}

/* ---- accounts and meters ---- */

static json_t *account_json(const struct account *a)
{
    char cap[40], dem[40];
    json_t *o = json_object();
    json_object_set_new(o, "account_no", json_string(a->account_no));
    json_object_set_new(o, "cust_no", json_string(a->cust_no));
    json_object_set_new(o, "tariff_code", json_string(a->tariff_code));
    json_object_set_new(o, "capacity_kva",
                        json_string(decimal_format(a->capacity_va, 3, 0, 0, cap)));
    json_object_set_new(o, "demand_kw", json_string(decimal_format(a->demand_w, 3, 0, 0, dem)));
    json_object_set_new(o, "pf_standard",
                        a->pf_standard ? json_sprintf("0.%02d", a->pf_standard) : json_null());
    json_object_set_new(o, "cycle_day", json_integer(a->cycle_day));
    json_object_set_new(o, "pay_mode", json_string(a->pay_mode));
    json_object_set_new(o, "contact_name", api_json_str(a->contact_name));
    json_object_set_new(o, "contact_phone", api_json_str(a->contact_phone_masked));
    json_object_set_new(o, "bank_name", api_json_str(a->bank_name));
    json_object_set_new(o, "bank_account", api_json_str(a->bank_account_masked));
    json_object_set_new(o, "service_point", api_json_str(a->sp_no));
    json_object_set_new(o, "status", json_string(a->status));
    json_object_set_new(o, "opened_on", json_string(a->opened_on));
    json_object_set_new(o, "closed_on", api_json_str(a->closed_on));
    return o;
}

static int account_item(void *arg, const struct account *a)
{
    json_array_append_new(arg, account_json(a));
    return 0;
}

int api_customer_accounts(struct api_req *r)
{
    json_t *items = json_array();
    int rc = account_list(&r->ctx, api_param(r, "id"), account_item, items, &r->err);
    if (rc) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:o}", "items", items));
}

int api_account_get(struct api_req *r)
{
    struct account a;
    int rc = account_get(&r->ctx, api_param(r, "id"), &a, &r->err);
    if (rc)
        return rc;
    return api_reply(r, 200, account_json(&a));
}

int api_meter_get(struct api_req *r)
{
    struct meter m;
    int rc = meter_get(&r->ctx, api_param(r, "id"), &m, &r->err);
    if (rc)
        return rc;
    json_t *o = json_object();
    json_object_set_new(o, "asset_no", json_string(m.asset_no));
    json_object_set_new(o, "model", json_string(m.model));
    json_object_set_new(o, "phases", json_integer(m.phases));
    json_object_set_new(o, "ct_ratio", json_string(m.ct_ratio));
    json_object_set_new(o, "pt_ratio", json_string(m.pt_ratio));
    json_object_set_new(o, "multiplier", json_integer(m.multiplier));
    json_object_set_new(o, "registers", json_string(m.registers));
    json_object_set_new(o, "digits", json_integer(m.digits));
    json_object_set_new(o, "status", json_string(m.status));
    json_object_set_new(o, "service_point", api_json_str(m.sp_no));
    json_object_set_new(o, "account_no", api_json_str(m.account_no));
    json_object_set_new(o, "installed_on", api_json_str(m.installed_on));
    return api_reply(r, 200, o);
}

/* ---- audit log ---- */

static int audit_item(void *arg, const struct audit_row *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(a->id));
    json_object_set_new(o, "at", api_json_time(a->at_us));
    json_object_set_new(o, "actor", json_string(a->actor));
    json_object_set_new(o, "action", json_string(a->action));
    json_object_set_new(o, "entity", json_string(a->entity));
    json_object_set_new(o, "entity_key", api_json_str(a->entity_key));
    json_object_set_new(o, "detail", api_json_str(a->detail));
    json_object_set_new(o, "request_id", api_json_str(a->request_id));
    json_object_set_new(o, "hash", json_string(a->hash));
    json_array_append_new(arg, o);
    return 0;
}

int api_audit_list(struct api_req *r)
{
    struct audit_filter f = { 0 };
    int64_t limit;
    int rc;
    f.actor = api_query(r, "actor");
    f.entity = api_query(r, "entity");
    f.entity_key = api_query(r, "key");
    f.action = api_query(r, "action");
    const char *bounds[2] = { api_query(r, "since"), api_query(r, "until") };
    int64_t *dest[2] = { &f.from_us, &f.to_us };
    for (int i = 0; i < 2; i++)
        if (bounds[i] && instant_parse(bounds[i], dest[i], &r->err))
            return err_field(&r->err, i ? "until" : "since");
    if ((rc = api_query_int(r, "before_id", 1, INT64_MAX, 0, &f.before_id)) ||
        (rc = api_query_int(r, "limit", 1, 1000, 100, &limit)))
        return rc;
    f.limit = limit;
    json_t *items = json_array();
    if ((rc = audit_list(&r->ctx, &f, audit_item, items, &r->err))) {
        json_decref(items);
        return rc;
    }
    size_t n = json_array_size(items);
    json_t *last = n ? json_array_get(items, n - 1) : NULL;
    json_t *next =
        (int64_t)n == limit && last ? json_incref(json_object_get(last, "id")) : json_null();
    return api_reply(r, 200, json_pack("{s:o,s:o}", "items", items, "next_before_id", next));
}
