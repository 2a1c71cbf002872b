/*
 * The archive over HTTP: org units (list, add), customers (search, get, create, change, close,
 * audited reveal of one personal-data field), accounts (get, add, change), meters (get, add,
 * install, remove, replace), and the audit log with its chain's verification. Thin: parse,
 * call the domain with the request's ctx (its org scope makes other subtrees read as missing),
 * render. Personal data leaves masked except through the reveal route. A new root org unit
 * reaches beyond any subtree: only a user of the whole tree may add one (403).
 */
#include "core/common.h"
#include "core/date.h"
#include "core/energy.h"
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

/* A unit under `parent` (in the caller's subtree, else 404 like a missing one). */
int api_org_add(struct api_req *r)
{
    static const char *const known[] = { "code", "name", "level", "parent", NULL };
    const char *code, *name, *level, *parent;
    struct org_unit u;
    int64_t id;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "code", true, &code)) ||
        (rc = api_body_str(r, "name", true, &name)) ||
        (rc = api_body_str(r, "level", true, &level)) ||
        (rc = api_body_str(r, "parent", false, &parent)))
        return rc;
    if (!parent && r->ctx.scope_org_id)
        return error(&r->err, ERR_FORBIDDEN,
                     "a root org unit needs a user of the whole tree");
    if (parent && (rc = ctx_org_id(&r->ctx, parent, &id, &r->err)))
        return err_field(&r->err, "parent"), rc;
    if ((rc = org_add(&r->ctx, code, name, level, parent, &id, &r->err))) {
        if (rc == ERR_INVALID && !r->err.field[0])
            err_field(&r->err, strstr(r->err.msg, "level") || strstr(r->err.msg, "placed under")
                                   ? "level"
                               : strstr(r->err.msg, "name") ? "name"
                                                            : "code");
        return rc;
    }
    if ((rc = org_get(&r->ctx, code, &u, &r->err)))
        return rc;
    return api_reply(r, 201,
                     json_pack("{s:s,s:s,s:s,s:o}", "code", u.code, "name", u.name, "level",
                               u.level, "parent", api_json_str(u.parent_code)));
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
                  { "phone", CS_PHONE }, { "id_no", CS_ID_NO }, { "meter", CS_METER },
                  { "email", CS_EMAIL } };
    struct customer_query q = { .by = CS_ANY };
    int rc;
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
        const char *v = api_query(r, kinds[i].param);
        if (!v)
            continue;
        if (q.by != CS_ANY)
            return error(
                &r->err, ERR_INVALID,
                "search by one of no, name, address, phone, id_no, meter, email at a time");
        q.by = kinds[i].by;
        q.text = v;
    }
    if ((rc = api_query_bool(r, "prefix", &q.prefix)))
        return rc;
    q.org_code = api_query(r, "org");
    q.user_type = api_query(r, "type");
    /* checked here so that the error names the query parameter (the domain's is user_type) */
    if (q.user_type && (rc = ctx_check_code(&r->ctx, "type", "user_type", q.user_type, &r->err)))
        return rc;
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

/* The changeable fields of PATCH /customers/{no}: only those given change. */
int api_customer_update(struct api_req *r)
{
    static const char *const known[] = { "name",  "user_type", "voltage",      "address",
                                         "org",   "status",    "phone",        "id_type",
                                         "id_no", "important", "effective_on", NULL };
    static const char *const fields[] = { "name",  "user_type",   "voltage", "address",
                                          "org",   "status",      "phone",   "id_type",
                                          "id_no", "effective_on" };
    const char *v[ARRAY_SIZE(fields)];
    bool important = false, has_important = false;
    int rc;
    if ((rc = api_body_only(r, known)))
        return rc;
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
        if ((rc = api_body_str(r, fields[i], false, &v[i])))
            return rc;
    json_t *imp = json_object_get(r->json, "important");
    has_important = imp && !json_is_null(imp);
    if ((rc = api_body_bool(r, "important", &important)))
        return rc;
    if (v[9]) {
        struct date d;
        if ((rc = api_body_date(r, "effective_on", false, &d)))
            return rc;
    }
    struct customer_in in = {
        .name = v[0],
        .user_type = v[1],
        .voltage = v[2],
        .address = v[3],
        .org_code = v[4],
        .status = v[5],
        .phone = v[6],
        .id_type = v[7],
        .id_no = v[8],
        .important = has_important ? (important ? "1" : "0") : NULL,
    };
    struct customer cu;
    const char *no = api_param(r, "id");
    /* missing or another subtree's customer first, so it answers 404 whatever the body */
    if ((rc = customer_get(&r->ctx, no, &cu, &r->err)) ||
        (rc = customer_update(&r->ctx, no, &in, v[9], &r->err)) ||
        (rc = customer_get(&r->ctx, no, &cu, &r->err)))
        return rc;
    return api_reply(r, 200, customer_json(&cu));
}

int api_customer_close(struct api_req *r)
{
    static const char *const known[] = { "date", NULL };
    const char *date, *no = api_param(r, "id");
    struct customer cu;
    struct date d;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_date(r, "date", false, &d)) ||
        (rc = api_body_str(r, "date", false, &date)) ||
        (rc = customer_get(&r->ctx, no, &cu, &r->err)))
        return rc;
    if ((rc = customer_close(&r->ctx, no, date, &r->err))) {
        if (rc == ERR_INVALID && !r->err.field[0])
            err_field(&r->err, "date");
        return rc;
    }
    if ((rc = customer_get(&r->ctx, no, &cu, &r->err)))
        return rc;
    return api_reply(r, 200, customer_json(&cu));
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
    static const char *const known[] = { "reason", NULL };
    const char *reason;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "reason", false, &reason)))
        return rc;
    if (!reason || !*reason)
        return error(&r->err, ERR_INVALID, "'reason' is required: why the value is needed"),
               err_field(&r->err, "reason");
    struct strbuf out = STRBUF_INIT;
    rc = customer_reveal(&r->ctx, api_param(r, "id"), f, reason, &out, &r->err);
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
    json_object_set_new(o, "meter", api_json_str(a->meter_no));
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

int api_account_create(struct api_req *r)
{
    static const char *const fields[] = { "account_no",   "cust_no",      "tariff_code",
                                          "capacity_kva", "demand_kw",    "pf_standard",
                                          "pay_mode",     "contact_name", "contact_phone",
                                          "bank_name",    "bank_account", "opened_on" };
    static const char *const known[] = {
        "account_no",    "cust_no",     "tariff_code",  "capacity_kva",
        "demand_kw",     "pf_standard", "pay_mode",     "contact_name",
        "contact_phone", "bank_name",   "bank_account", "opened_on",
        "cycle_day",     NULL
    };
    const char *v[ARRAY_SIZE(fields)];
    int64_t cycle_day = 0;
    char cd[8];
    int rc;
    if ((rc = api_body_only(r, known)))
        return rc;
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
        if ((rc = api_body_str(r, fields[i], i == 1 || i == 2, &v[i])))
            return rc;
    if ((rc = api_body_int(r, "cycle_day", 1, 28, &cycle_day)))
        return rc;
    if (!cycle_day)
        return error(&r->err, ERR_INVALID, "field '%s' is missing", "cycle_day"),
               err_field(&r->err, "cycle_day");
    snprintf(cd, sizeof(cd), "%d", (int)cycle_day);
    struct account_in in = {
        .account_no = v[0],
        .cust_no = v[1],
        .tariff_code = v[2],
        .capacity_kva = v[3],
        .demand_kw = v[4],
        .pf_standard = v[5],
        .cycle_day = cd,
        .pay_mode = v[6],
        .contact_name = v[7],
        .contact_phone = v[8],
        .bank_name = v[9],
        .bank_account = v[10],
        .opened_on = v[11],
    };
    struct account a;
    struct customer cu; /* another subtree's customer is unknown (account_add does not scope) */
    if ((rc = customer_get(&r->ctx, v[1], &cu, &r->err)))
        return err_field(&r->err, "cust_no"), rc;
    if ((rc = account_add(&r->ctx, &in, &a, &r->err)))
        return rc;
    return api_reply(r, 201, account_json(&a));
}

/* PATCH /accounts/{no}: the fields `pmis account update` changes; only those given change
 * ("" clears a contact or bank field). An unknown tariff is refused naming tariff_code. */
int api_account_update(struct api_req *r)
{
    static const char *const fields[] = { "tariff_code",   "capacity_kva", "demand_kw",
                                          "pf_standard",   "pay_mode",     "contact_name",
                                          "contact_phone", "bank_name",    "bank_account",
                                          "effective_on" };
    static const char *const known[] = {
        "tariff_code",  "capacity_kva",  "demand_kw", "pf_standard",  "pay_mode",
        "contact_name", "contact_phone", "bank_name", "bank_account", "effective_on",
        "cycle_day",    NULL
    };
    const char *v[ARRAY_SIZE(fields)];
    int64_t cycle_day = 0;
    char cd[8];
    struct date d;
    struct account a;
    const char *no = api_param(r, "id");
    int rc;
    /* missing or another subtree's account first, so it answers 404 whatever the body */
    if ((rc = account_get(&r->ctx, no, &a, &r->err)) || (rc = api_body_only(r, known)))
        return rc;
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
        if ((rc = api_body_str(r, fields[i], false, &v[i])))
            return rc;
    if ((rc = api_body_int(r, "cycle_day", 1, 28, &cycle_day)) ||
        (rc = api_body_date(r, "effective_on", false, &d)))
        return rc;
    snprintf(cd, sizeof(cd), "%d", (int)cycle_day);
    struct account_in in = {
        .tariff_code = v[0],
        .capacity_kva = v[1],
        .demand_kw = v[2],
        .pf_standard = v[3],
        .pay_mode = v[4],
        .contact_name = v[5],
        .contact_phone = v[6],
        .bank_name = v[7],
        .bank_account = v[8],
        .cycle_day = cycle_day ? cd : NULL,
    };
    /* a tariff the bill run cannot price is refused by account_update (account_check_tariff) */
    if ((rc = account_update(&r->ctx, no, &in, v[9], &r->err)) ||
        (rc = account_get(&r->ctx, no, &a, &r->err)))
        return rc;
    return api_reply(r, 200, account_json(&a));
}

static json_t *meter_json(const struct meter *mp)
{
    const struct meter m = *mp;
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
    return o;
}

int api_meter_get(struct api_req *r)
{
    struct meter m;
    int rc = meter_get(&r->ctx, api_param(r, "id"), &m, &r->err);
    if (rc)
        return rc;
    return api_reply(r, 200, meter_json(&m));
}

int api_meter_create(struct api_req *r)
{
    static const char *const known[] = { "asset_no", "model",     "phases", "ct_ratio",
                                         "pt_ratio", "registers", "digits", NULL };
    struct meter_in in = { 0 };
    int64_t phases = 0, digits = 0;
    char ph[8], dg[8];
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "asset_no", true, &in.asset_no)) ||
        (rc = api_body_str(r, "model", true, &in.model)) ||
        (rc = api_body_int(r, "phases", 1, 3, &phases)) ||
        (rc = api_body_str(r, "ct_ratio", false, &in.ct_ratio)) ||
        (rc = api_body_str(r, "pt_ratio", false, &in.pt_ratio)) ||
        (rc = api_body_str(r, "registers", false, &in.registers)) ||
        (rc = api_body_int(r, "digits", 4, 10, &digits)))
        return rc;
    if (phases != 1 && phases != 3)
        return error(&r->err, ERR_INVALID, "field 'phases' must be 1 or 3"),
               err_field(&r->err, "phases");
    snprintf(ph, sizeof(ph), "%d", (int)phases);
    in.phases = ph;
    if (digits) {
        snprintf(dg, sizeof(dg), "%d", (int)digits);
        in.digits = dg;
    }
    struct meter m;
    if ((rc = meter_add(&r->ctx, &in, &m, &r->err)))
        return rc;
    return api_reply(r, 201, meter_json(&m));
}

/* Body member `field`: an object of register: kWh string, as "total=1.00,peak=..." (meter.h),
 *  or NULL when absent. */
static int reads_param(struct api_req *r, const char *field, const char **out)
{
    json_t *o = json_object_get(r->json, field), *v;
    const char *key;
    *out = NULL;
    if (!o || json_is_null(o))
        return 0;
    if (!json_is_object(o))
        goto bad;
    struct strbuf sb = STRBUF_INIT;
    json_object_foreach(o, key, v)
    {
        int64_t wh;
        struct err e = ERR_INIT;
        if (!json_is_string(v) || energy_parse_kwh(json_string_value(v), &wh, &e) ||
            strpbrk(key, "=,")) {
            strbuf_release(&sb);
            goto bad;
        }
        strbuf_addf(&sb, "%s%s=%s", sb.len ? "," : "", key, json_string_value(v));
    }
    *out = arena_strdup(&r->arena, sb.buf);
    strbuf_release(&sb);
    return 0;
bad:
    return error(&r->err, ERR_INVALID,
                 "field '%s' must be an object of register: kWh string (\"total\": \"12.5\")",
                 field),
           err_field(&r->err, field);
}

/* The meter of path parameter {id} after a change, as GET answers it. */
static int meter_reply(struct api_req *r, const char *asset_no)
{
    struct meter m;
    int rc = meter_get(&r->ctx, asset_no, &m, &r->err);
    if (rc)
        return rc;
    return api_reply(r, 200, meter_json(&m));
}

static int date_field(struct api_req *r, const char **date)
{
    struct date d;
    int rc = api_body_date(r, "date", false, &d);
    return rc ? rc : api_body_str(r, "date", false, date);
}

/* A meter of another subtree reads as unknown (meter_get), and so does an account. */
int api_meter_install(struct api_req *r)
{
    static const char *const known[] = { "account", "service_point", "date", "reads", NULL };
    const char *account, *sp, *date, *reads, *asset = api_param(r, "id");
    struct meter m;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "account", false, &account)) ||
        (rc = api_body_str(r, "service_point", false, &sp)) || (rc = date_field(r, &date)) ||
        (rc = reads_param(r, "reads", &reads)))
        return rc;
    if (!account && !sp)
        return error(&r->err, ERR_INVALID, "field 'account' is missing (or give 'service_point')"),
               err_field(&r->err, "account");
    if ((rc = meter_get(&r->ctx, asset, &m, &r->err)) ||
        (rc = meter_install(&r->ctx, asset, account, sp, date, reads, &r->err)))
        return rc;
    return meter_reply(r, asset);
}

int api_meter_remove(struct api_req *r)
{
    static const char *const known[] = { "date", "reads", NULL };
    const char *date, *reads, *asset = api_param(r, "id");
    struct meter m;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = date_field(r, &date)) ||
        (rc = reads_param(r, "reads", &reads)) || (rc = meter_get(&r->ctx, asset, &m, &r->err)) ||
        (rc = meter_remove(&r->ctx, asset, date, reads, &r->err)))
        return rc;
    return meter_reply(r, asset);
}

int api_meter_replace(struct api_req *r)
{
    static const char *const known[] = { "new_meter", "date", "old_reads", "new_reads", NULL };
    const char *nm, *date, *oreads, *nreads, *asset = api_param(r, "id");
    struct meter m;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "new_meter", true, &nm)) ||
        (rc = date_field(r, &date)) || (rc = reads_param(r, "old_reads", &oreads)) ||
        (rc = reads_param(r, "new_reads", &nreads)) ||
        (rc = meter_get(&r->ctx, asset, &m, &r->err)) ||
        (rc = meter_replace(&r->ctx, asset, nm, date, oreads, nreads, &r->err)))
        return rc;
    return meter_reply(r, nm);
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

/* GET /audit/verify: the whole hash chain recomputed (as `pmis audit verify`). A broken chain
 * is the answer, not a failure of the request: 200 with "ok": false, the first bad row and
 * what is wrong with it (in the caller's language when translated). */
int api_audit_verify(struct api_req *r)
{
    int64_t n = 0, bad = 0;
    int rc = audit_verify(&r->ctx, &n, &bad, &r->err);
    if (rc && rc != ERR_CORRUPT)
        return rc;
    const char *problem = !rc                                 ? NULL
                          : api_lang_zh(r) && r->err.msg_zh[0] ? r->err.msg_zh
                                                              : r->err.msg;
    return api_reply(r, 200,
                     json_pack("{s:b,s:I,s:o,s:o}", "ok", !rc, "rows", (json_int_t)n,
                               "first_bad_row", bad ? json_integer(bad) : json_null(), "problem",
                               api_json_str(problem)));
}
