/*
 * The service centre's rules as data over HTTP (issue 6 §1-§2, as `pmis sla` and
 * `pmis ticket-type`): SLA policies — GET /sla/policies[?all=true] (in force, or every version),
 * GET /sla/policies/{id} (one version), POST /sla/policies (a policy, or a new version of the
 * one with the same key: the old one retires, running clocks keep their deadlines) — and the
 * work-order taxonomy — GET /ticket-types (in force), GET /ticket-types/{type}[?subtype=] (every
 * version of a type or subtype), POST /ticket-types (add or change a type or subtype, names,
 * direct answer, reopen and repeat periods; each change a new version). The rules hold for every
 * org, so changing them is a whole-tree job (R_WHOLE_TREE). The domain (ticket_conf.c) checks
 * and audits; the JSON shapes are also `pmis sla|ticket-type ... --json`'s.
 */
#include "core/common.h"
#include "api/api.h"
#include "domain/ticket_conf.h"

json_t *api_sla_policy_json(const struct sla_policy *p, api_time_fn *when, void *arg)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(p->id));
    json_object_set_new(j, "version", json_integer(p->version));
    json_object_set_new(j, "replaces", p->replaces ? json_integer(p->replaces) : json_null());
    json_object_set_new(j, "active", json_boolean(p->active));
    json_object_set_new(j, "metric", json_string(p->metric));
    json_object_set_new(j, "type", json_string(p->type));
    json_object_set_new(j, "subtype", api_json_str(p->subtype));
    json_object_set_new(j, "severity", api_json_str(p->severity));
    json_object_set_new(j, "area", api_json_str(p->area));
    json_object_set_new(j, "clock", json_string(p->clock));
    json_object_set_new(j, "amount", json_integer(p->amount));
    json_object_set_new(j, "hours", json_string(p->hours));
    json_object_set_new(j, "start", json_string(p->start_state));
    json_object_set_new(j, "stop", json_string(p->stop_state));
    json_object_set_new(j, "warn_pct", json_integer(p->warn_pct));
    json_object_set_new(j, "source", json_string(p->source));
    json_object_set_new(j, "created_at", when(p->created_at, arg));
    json_object_set_new(j, "created_by", json_string(p->created_by));
    json_object_set_new(j, "retired_at", when(p->retired_at, arg));
    return j;
}

json_t *api_ticket_type_json(const struct ticket_type_def *t, api_time_fn *when, void *arg)
{
    json_t *j = json_object();
    json_object_set_new(j, "type", json_string(t->type));
    json_object_set_new(j, "subtype", json_string(t->subtype));
    json_object_set_new(j, "name_zh", json_string(t->name_zh));
    json_object_set_new(j, "name_en", json_string(t->name_en));
    json_object_set_new(j, "direct", json_boolean(t->direct));
    json_object_set_new(j, "reopen_days", json_integer(t->reopen_days));
    json_object_set_new(j, "repeat_days", json_integer(t->repeat_days));
    json_object_set_new(j, "version", json_integer(t->version));
    if (t->changed_by) {
        json_object_set_new(j, "changed_at", when(t->changed_at, arg));
        json_object_set_new(j, "changed_by", json_string(t->changed_by));
    }
    return j;
}

/* ---- SLA policies ---- */

static int policy_item(void *arg, const struct sla_policy *p)
{
    json_array_append_new(arg, api_sla_policy_json(p, api_time_utc, NULL));
    return 0;
}

/* Reply with `items` under "items", or drop it and return rc. */
static int items_reply(struct api_req *r, json_t *items, int rc)
{
    if (rc) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:o}", "items", items));
}

int api_sla_policy_list(struct api_req *r)
{
    bool all = false;
    int rc = api_query_bool(r, "all", &all);
    if (rc)
        return rc;
    json_t *items = json_array();
    return items_reply(r, items, sla_policy_list(&r->ctx, all, policy_item, items, &r->err));
}

static int policy_reply(struct api_req *r, int status, int64_t id)
{
    struct sla_policy p;
    int rc = sla_policy_get(&r->ctx, id, &p, &r->err);
    return rc ? rc : api_reply(r, status, api_sla_policy_json(&p, api_time_utc, NULL));
}

int api_sla_policy_get(struct api_req *r)
{
    int64_t id;
    int rc = api_param_id(r, "SLA policy", &id);
    return rc ? rc : policy_reply(r, 200, id);
}

/* The body as `pmis sla add`'s options: metric, type, subtype, severity, area, clock, amount,
 * hours, start, stop, warn_pct, source. */
int api_sla_policy_add(struct api_req *r)
{
    static const char *const known[] = { "metric",   "type",   "subtype", "severity", "area",
                                         "clock",    "amount", "hours",   "start",    "stop",
                                         "warn_pct", "source", NULL };
    struct sla_policy p = { 0 };
    int64_t id;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "metric", true, &p.metric)) ||
        (rc = api_body_str(r, "type", true, &p.type)) ||
        (rc = api_body_str(r, "subtype", false, &p.subtype)) ||
        (rc = api_body_str(r, "severity", false, &p.severity)) ||
        (rc = api_body_str(r, "area", false, &p.area)) ||
        (rc = api_body_str(r, "clock", true, &p.clock)) ||
        (rc = api_body_int(r, "amount", 1, INT32_MAX, &p.amount)) ||
        (rc = api_body_str(r, "hours", false, &p.hours)) ||
        (rc = api_body_str(r, "start", true, &p.start_state)) ||
        (rc = api_body_str(r, "stop", true, &p.stop_state)) ||
        (rc = api_body_int(r, "warn_pct", 1, 100, &p.warn_pct)) ||
        (rc = api_body_str(r, "source", true, &p.source)))
        return rc;
    if (!p.amount)
        return error(&r->err, ERR_INVALID, "field '%s' is missing", "amount"),
               err_field(&r->err, "amount");
    if ((rc = sla_policy_add(&r->ctx, &p, &id, &r->err)))
        return rc;
    return policy_reply(r, 201, id);
}

/* ---- work-order types ---- */

static int type_item(void *arg, const struct ticket_type_def *t)
{
    json_array_append_new(arg, api_ticket_type_json(t, api_time_utc, NULL));
    return 0;
}

int api_ticket_type_list(struct api_req *r)
{
    json_t *items = json_array();
    return items_reply(r, items, ticket_type_list(&r->ctx, type_item, items, &r->err));
}

/* Every version of the type (or of ?subtype=), oldest first. */
static int versions_reply(struct api_req *r, const char *type, const char *sub)
{
    json_t *items = json_array();
    int rc = ticket_type_versions(&r->ctx, type, sub, type_item, items, &r->err);
    if (rc) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200,
                     json_pack("{s:s,s:s,s:o}", "type", type, "subtype", sub, "items", items));
}

int api_ticket_type_get(struct api_req *r)
{
    const char *sub = api_query(r, "subtype");
    return versions_reply(r, api_param(r, "type"), sub ? sub : "");
}

/* {"type", "subtype", "name_zh", "name_en", "direct", "reopen_days", "repeat_days"}: what is
 * absent stays as it is (a new type or subtype needs both names); the reply is every version. */
int api_ticket_type_set(struct api_req *r)
{
    static const char *const known[] = { "type",   "subtype",     "name_zh",     "name_en",
                                         "direct", "reopen_days", "repeat_days", NULL };
    struct ticket_type_def t = { .direct = -1, .reopen_days = -1, .repeat_days = -1 };
    json_t *direct = json_object_get(r->json, "direct");
    bool d = false;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "type", true, &t.type)) ||
        (rc = api_body_str(r, "subtype", false, &t.subtype)) ||
        (rc = api_body_str(r, "name_zh", false, &t.name_zh)) ||
        (rc = api_body_str(r, "name_en", false, &t.name_en)) ||
        (rc = api_body_bool(r, "direct", &d)) ||
        (rc = api_body_int(r, "reopen_days", 0, 3650, &t.reopen_days)) ||
        (rc = api_body_int(r, "repeat_days", 0, 3650, &t.repeat_days)))
        return rc;
    if (direct && !json_is_null(direct))
        t.direct = d;
    if (!t.subtype)
        t.subtype = "";
    if ((rc = ticket_type_set(&r->ctx, &t, NULL, &r->err)))
        return rc;
    return versions_reply(r, t.type, t.subtype);
}
