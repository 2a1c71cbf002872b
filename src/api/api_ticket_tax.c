/*
 * GET /api/v1/tickets/taxonomy (issue 7, for the web UI's intake and order pages): the 95598
 * taxonomy as data — the work-order types in list order with their subtypes (ticket_type_list) and
 * the code lists of intake: channels, severities, areas, and the complaint causes — each code
 * with its Chinese and English name. Read-only, ticket:read.
 * GET /api/v1/tickets/sla-summary (the dashboard): the open orders of the caller's org scope
 * counted by SLA state in one query, the states as GET /tickets?sla= tells them apart.
 */
#include "core/common.h"
#include "api/api.h"
#include "domain/ticket.h"
#include "domain/ticket_conf.h"

/* The types in list order, each with its subtypes (rows of ticket_type_list with a subtype). */
struct tax {
    json_t *types;   /* the reply's array */
    json_t *by_code; /* type code -> its object in `types` (borrowed) */
};

static int type_item(void *arg, const struct ticket_type_def *t)
{
    struct tax *x = arg;
    json_t *o = json_object_get(x->by_code, t->type);
    if (!o) {
        o = json_pack("{s:s}", "code", t->type);
        json_object_set(x->by_code, t->type, o);
        json_array_append_new(x->types, o);
    }
    json_t *names = json_pack("{s:s,s:s}", "name_zh", t->name_zh, "name_en", t->name_en);
    if (!*t->subtype) {
        json_object_update(o, names);
        json_object_set_new(o, "direct", json_boolean(t->direct));
    } else {
        json_t *subs = json_object_get(o, "subtypes");
        if (!subs)
            json_object_set_new(o, "subtypes", subs = json_array());
        json_object_set_new(names, "code", json_string(t->subtype));
        json_array_append(subs, names);
    }
    json_decref(names);
    return 0;
}

static int code_item(void *arg, const struct ctx_code *k)
{
    json_array_append_new(arg, json_pack("{s:s,s:s,s:s}", "code", k->code, "name_zh",
                                         k->name_zh ? k->name_zh : k->code, "name_en",
                                         k->name_en ? k->name_en : k->code));
    return 0;
}

int api_ticket_taxonomy(struct api_req *r)
{
    static const char *const lists[][2] = { { "channels", "ticket_channel" },
                                            { "severities", "ticket_severity" },
                                            { "areas", "ticket_area" },
                                            { "causes", "complaint_cause" } };
    struct tax x = { json_array(), json_object() };
    int rc = ticket_type_list(&r->ctx, type_item, &x, &r->err);
    json_t *j = json_pack("{s:o}", "types", x.types), *o;
    size_t k;
    json_array_foreach(x.types, k, o)
        if (!json_object_get(o, "subtypes"))
            json_object_set_new(o, "subtypes", json_array());
    json_decref(x.by_code);
    for (size_t i = 0; !rc && i < ARRAY_SIZE(lists); i++) {
        json_t *a = json_array();
        json_object_set_new(j, lists[i][0], a);
        rc = ctx_code_list(&r->ctx, lists[i][1], code_item, a, &r->err);
    }
    if (rc) {
        json_decref(j);
        return rc;
    }
    return api_reply(r, 200, j);
}

int api_ticket_sla_summary(struct api_req *r)
{
    struct ticket_sla_counts n;
    int rc = ticket_sla_summary(&r->ctx, 0, &n, &r->err);
    if (rc)
        return rc;
    json_t *counts = json_pack("{s:I,s:I,s:I,s:I,s:I}", "ok", (json_int_t)n.ok, "warning",
                               (json_int_t)n.warning, "breached", (json_int_t)n.breached,
                               "paused", (json_int_t)n.paused, "none", (json_int_t)n.none);
    return api_reply(r, 200,
                     json_pack("{s:o,s:I,s:o}", "at", api_json_time(n.at), "open",
                               (json_int_t)n.open, "counts", counts));
}
