/*
 * GET /api/v1/tickets/taxonomy (issue 7, for the web UI's intake and order pages): the 95598
 * taxonomy as data — the work-order types in force with their subtypes (ticket_type_list) and
 * the code lists of intake: channels, severities, areas, and the complaint causes — each code
 * with its Chinese and English name. Read-only, ticket:read.
 */
#include "core/common.h"
#include "api/api.h"
#include "domain/ticket_conf.h"

static int type_item(void *arg, const struct ticket_type_def *t)
{
    json_array_append_new(arg, json_pack("{s:s,s:s,s:s,s:s,s:b}", "type", t->type, "code",
                                         *t->subtype ? t->subtype : t->type, "name_zh",
                                         t->name_zh, "name_en", t->name_en, "direct",
                                         (int)t->direct));
    return 0;
}

/* The flat rows of ticket_type_list as types, each with its subtypes. */
static json_t *type_tree(json_t *rows)
{
    json_t *types = json_array(), *x, *y;
    size_t i, k;
    json_array_foreach(rows, i, x)
    {
        if (strcmp(json_string_value(json_object_get(x, "type")),
                   json_string_value(json_object_get(x, "code"))))
            continue;
        json_t *o = json_deep_copy(x), *subs = json_array();
        json_object_del(o, "type");
        json_object_set_new(o, "subtypes", subs);
        json_array_foreach(rows, k, y)
        {
            if (k != i && json_equal(json_object_get(y, "type"), json_object_get(x, "type"))) {
                json_t *sub = json_deep_copy(y);
                json_object_del(sub, "type");
                json_object_del(sub, "direct");
                json_array_append_new(subs, sub);
            }
        }
        json_array_append_new(types, o);
    }
    json_decref(rows);
    return types;
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
    json_t *j = json_object(), *rows = json_array();
    int rc = ticket_type_list(&r->ctx, type_item, rows, &r->err);
    json_object_set_new(j, "types", type_tree(rows));
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
