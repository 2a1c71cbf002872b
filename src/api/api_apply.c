/*
 * Service applications over HTTP (业扩报装 and changes, issue 6 §5): list with filters and
 * keyset pagination, one application with its stages and history, intake, advancing a stage,
 * cancelling and completion (which writes the archive records in one transaction). Thin:
 * domain/apply*.c does the work and keeps other subtrees' applications, customers, accounts and
 * org units unknown (ctx.scope_org_id), so they answer 404. Instants are ISO 8601 UTC. The SLA
 * run (POST /api/v1/applications/sla) runs at "now" over the caller's subtree only.
 */
#include "core/common.h"
#include "core/money.h"
#include "api/api.h"
#include "domain/apply.h"

json_t *api_application_json(const struct application *a, api_time_fn *when, void *arg)
{
    char k[MONEY_BUF_SIZE];
    bool open = !strcmp(a->state, "open");
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(a->id));
    json_object_set_new(j, "kind", json_string(a->kind));
    json_object_set_new(j, "kind_name", json_string(a->kind_name));
    json_object_set_new(j, "state", json_string(a->state));
    json_object_set_new(j, "stage", json_string(a->stage));
    json_object_set_new(j, "stage_name", json_string(a->stage_name));
    json_object_set_new(j, "org", json_string(a->org_code));
    json_object_set_new(j, "cust_no", api_json_str(a->cust_no));
    json_object_set_new(j, "account", api_json_str(a->account_no));
    json_object_set_new(j, "name", api_json_str(a->name));
    json_object_set_new(j, "capacity_kva",
                        a->capacity_va ? json_string(decimal_format(a->capacity_va, 3, 0, 0, k))
                                       : json_null());
    json_object_set_new(j, "tariff", api_json_str(a->tariff_code));
    json_object_set_new(j, "paused", json_boolean(a->paused_at != 0));
    json_object_set_new(j, "accepted_at", when(a->accepted_at, arg));
    json_object_set_new(j, "limit_days", json_integer(a->total_days));
    json_object_set_new(j, "deadline_at", when(a->deadline_at, arg));
    json_object_set_new(
        j, "sla",
        json_string(strcmp(a->state, "cancelled") ? sla_state_name(a->sla) : "cancelled"));
    json_object_set_new(j, "stage_deadline_at", when(a->stage_deadline_at, arg));
    json_object_set_new(j, "stage_sla",
                        open ? json_string(sla_state_name(a->stage_sla)) : json_null());
    json_object_set_new(j, "warned_at", when(a->warned_at, arg));
    json_object_set_new(j, "breached_at", when(a->breached_at, arg));
    json_object_set_new(j, "stage_warned_at", when(a->stage_warned_at, arg));
    json_object_set_new(j, "stage_breached_at", when(a->stage_breached_at, arg));
    json_object_set_new(j, "closed_at", when(a->closed_at, arg));
    json_object_set_new(j, "cancel_reason", api_json_str(a->cancel_reason));
    json_object_set_new(j, "result", api_json_str(a->result));
    return j;
}

static int list_item(void *arg, const struct application *a)
{
    json_array_append_new(arg, api_application_json(a, api_time_utc, NULL));
    return 0;
}

int api_apply_list(struct api_req *r)
{
    struct apply_filter f = { .state = api_query(r, "state"),
                              .kind = api_query(r, "kind"),
                              .stage = api_query(r, "stage"),
                              .org_code = api_query(r, "org"),
                              .cust_no = api_query(r, "cust_no") };
    int rc;
    if ((rc = api_query_int(r, "after", 0, INT64_MAX, 0, &f.after_id)) ||
        (rc = api_query_int(r, "limit", 1, 1000, 100, &f.limit)))
        return rc;
    json_t *items = json_array();
    if ((rc = apply_list(&r->ctx, &f, ctx_now(&r->ctx), list_item, items, &r->err))) {
        json_decref(items);
        return rc;
    }
    size_t n = json_array_size(items);
    json_t *next = (int64_t)n == f.limit
                       ? json_incref(json_object_get(json_array_get(items, n - 1), "id"))
                       : json_null();
    return api_reply(r, 200, json_pack("{s:o,s:o}", "items", items, "next", next));
}

/* The {id} path parameter; anything but a positive number is an unknown application. */
static int path_id(struct api_req *r, int64_t *id)
{
    return api_param_id(r, "application", id);
}

json_t *api_apply_stage_json(const struct apply_stage_row *s, api_time_fn *when, void *arg)
{
    json_t *j = json_object();
    json_object_set_new(j, "stage", json_string(s->stage));
    json_object_set_new(j, "name", json_string(s->name));
    json_object_set_new(j, "limit_days", json_integer(s->days));
    json_object_set_new(j, "started_at", when(s->started_at, arg));
    json_object_set_new(j, "deadline_at", when(s->deadline_at, arg));
    json_object_set_new(j, "finished_at", when(s->finished_at, arg));
    json_object_set_new(j, "state", json_string(s->entered ? sla_state_name(s->sla) : "pending"));
    return j;
}

json_t *api_apply_event_json(const struct apply_event *e, api_time_fn *when, void *arg)
{
    return json_pack("{s:o,s:s,s:s,s:o,s:s,s:o}", "at", when(e->at, arg), "actor", e->actor,
                     "action", e->action, "from", api_json_str(e->from), "to", e->to, "note",
                     api_json_str(e->note));
}

static int stage_item(void *arg, const struct apply_stage_row *s)
{
    json_array_append_new(arg, api_apply_stage_json(s, api_time_utc, NULL));
    return 0;
}

static int event_item(void *arg, const struct apply_event *e)
{
    json_array_append_new(arg, api_apply_event_json(e, api_time_utc, NULL));
    return 0;
}

int api_apply_reply(struct api_req *r, int status, int64_t id)
{
    struct application a;
    int64_t now = ctx_now(&r->ctx);
    int rc;
    if ((rc = apply_get(&r->ctx, id, now, &a, &r->err)))
        return rc;
    json_t *j = api_application_json(&a, api_time_utc, NULL), *stages = json_array(), *events = json_array();
    json_object_set_new(j, "stages", stages);
    json_object_set_new(j, "events", events);
    if ((rc = apply_stages(&r->ctx, id, now, stage_item, stages, &r->err)) ||
        (rc = apply_events(&r->ctx, id, event_item, events, &r->err))) {
        json_decref(j);
        return rc;
    }
    return api_reply(r, status, j);
}

int api_apply_get(struct api_req *r)
{
    int64_t id;
    int rc = path_id(r, &id);
    return rc ? rc : api_apply_reply(r, 200, id);
}

int api_apply_create(struct api_req *r)
{
    static const char *const known[] = { "kind",         "org",         "cust_no", "account",
                                         "name",         "user_type",   "voltage", "address",
                                         "capacity_kva", "tariff_code", "note",    NULL };
    struct apply_in in = { 0 };
    int64_t id;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "kind", true, &in.kind)) ||
        (rc = api_body_str(r, "org", false, &in.org_code)) ||
        (rc = api_body_str(r, "cust_no", false, &in.cust_no)) ||
        (rc = api_body_str(r, "account", false, &in.account_no)) ||
        (rc = api_body_str(r, "name", false, &in.name)) ||
        (rc = api_body_str(r, "user_type", false, &in.user_type)) ||
        (rc = api_body_str(r, "voltage", false, &in.voltage)) ||
        (rc = api_body_str(r, "address", false, &in.address)) ||
        (rc = api_body_str(r, "capacity_kva", false, &in.capacity_kva)) ||
        (rc = api_body_str(r, "tariff_code", false, &in.tariff_code)) ||
        (rc = api_body_str(r, "note", false, &in.note)) ||
        (rc = apply_add(&r->ctx, &in, &id, &r->err)))
        return rc;
    return api_apply_reply(r, 201, id);
}

int api_apply_advance(struct api_req *r)
{
    static const char *const known[] = { "to", "note", NULL };
    const char *to, *note;
    int64_t id;
    int rc;
    if ((rc = path_id(r, &id)) || (rc = api_body_only(r, known)) ||
        (rc = api_body_str(r, "to", false, &to)) || (rc = api_body_str(r, "note", false, &note)) ||
        (rc = apply_advance(&r->ctx, id, to, note, &r->err)))
        return rc;
    return api_apply_reply(r, 200, id);
}

int api_apply_cancel(struct api_req *r)
{
    static const char *const known[] = { "reason", NULL };
    const char *reason;
    int64_t id;
    int rc;
    if ((rc = path_id(r, &id)) || (rc = api_body_only(r, known)) ||
        (rc = api_body_str(r, "reason", true, &reason)) ||
        (rc = apply_cancel(&r->ctx, id, reason, &r->err)))
        return rc;
    return api_apply_reply(r, 200, id);
}

/* POST /api/v1/applications/{id}/complete: the archive change of the last stage (apply_complete) */
int api_apply_complete(struct api_req *r)
{
    static const char *const known[] = { "meter", "reads", "cycle_day", "phone", "id_type",
                                         "id_no", "date", "result", "note", NULL };
    struct apply_done_in in = { 0 };
    int64_t id, cycle_day = 0;
    int rc;
    if ((rc = path_id(r, &id)) || (rc = api_body_only(r, known)) ||
        (rc = api_body_str(r, "meter", false, &in.meter)) ||
        (rc = api_body_str(r, "reads", false, &in.reads)) ||
        (rc = api_body_int(r, "cycle_day", 1, 28, &cycle_day)) ||
        (rc = api_body_str(r, "phone", false, &in.phone)) ||
        (rc = api_body_str(r, "id_type", false, &in.id_type)) ||
        (rc = api_body_str(r, "id_no", false, &in.id_no)) ||
        (rc = api_body_str(r, "date", false, &in.date)) ||
        (rc = api_body_str(r, "result", false, &in.result)) ||
        (rc = api_body_str(r, "note", false, &in.note)))
        return rc;
    if (cycle_day)
        in.cycle_day = arena_sprintf(&r->arena, "%" PRId64, cycle_day);
    if ((rc = apply_complete(&r->ctx, id, &in, &r->err)))
        return rc;
    return api_apply_reply(r, 200, id);
}

/* One page of the run's applications (by id); the run itself always covers every open one. */
static int sla_item(void *arg, const struct application *a, bool esc_total, bool esc_stage)
{
    json_t *j = api_application_json(a, api_time_utc, NULL);
    json_object_set_new(j, "escalated_total", json_boolean(esc_total));
    json_object_set_new(j, "escalated_stage", json_boolean(esc_stage));
    json_array_append_new(arg, j);
    return 0;
}

/* POST /api/v1/applications/sla: the SLA run (apply_sla_run) as of now, never another instant (a
 * run "in the future" would record breaches that have not happened); a scoped caller's covers
 * its subtree only (apply_list keeps to ctx.scope_org_id). Body {"all": bool, "after": id,
 * "limit": n}: the run's counts always, and one page of the applications in warning or breached
 * (with "all" every open one) by id — at most `limit` (default 100, at most 1000, as
 * GET /applications), those after id `after` — with "next" the cursor of the following page. */
int api_apply_sla(struct api_req *r)
{
    struct apply_sla_totals t;
    struct sla_page p;
    int64_t now = ctx_now(&r->ctx);
    bool all;
    int rc;
    if ((rc = api_sla_page_body(r, &all, &p)))
        return rc;
    json_t *items = json_array();
    if ((rc = apply_sla_run(&r->ctx, now, all, &p, sla_item, items, &t, &r->err))) {
        json_decref(items);
        return rc;
    }
    json_t *next = api_sla_page_next(&p);
    return api_reply(r, 200,
                     json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "at",
                               api_json_time(now), "clocks", (json_int_t)t.clocks, "ok",
                               (json_int_t)t.ok, "warning", (json_int_t)t.warning, "breached",
                               (json_int_t)t.breached, "paused", (json_int_t)t.paused, "warned",
                               (json_int_t)t.warned, "newly_breached", (json_int_t)t.newly_breached,
                               "escalated", (json_int_t)t.escalated, "applications", items,
                               "next", next));
}

struct limits_json {
    json_t *kinds, *cur; /* cur: the kind being filled */
};

static int limit_item(void *arg, const struct apply_limit *l)
{
    struct limits_json *x = arg;
    if (!x->cur || strcmp(json_string_value(json_object_get(x->cur, "kind")), l->kind)) {
        x->cur = json_pack("{s:s,s:s,s:I,s:I,s:[]}", "kind", l->kind, "name", l->kind_name,
                           "total_days", (json_int_t)l->total_days, "warn_pct",
                           (json_int_t)l->warn_pct, "stages");
        json_array_append_new(x->kinds, x->cur);
    }
    json_array_append_new(json_object_get(x->cur, "stages"),
                          json_pack("{s:s,s:s,s:I}", "stage", l->stage, "name", l->stage_name,
                                    "days", (json_int_t)l->days));
    return 0;
}

int api_apply_limits_json(struct ctx *c, const char *kind, json_t **out, struct err *err)
{
    struct limits_json x = { json_array(), NULL };
    int rc = apply_limits(c, kind, limit_item, &x, err);
    if (rc) {
        json_decref(x.kinds);
        *out = NULL;
        return rc;
    }
    *out = json_pack("{s:o}", "kinds", x.kinds);
    return 0;
}

struct history_json {
    json_t *a;
    api_time_fn *when;
    void *arg;
};

static json_t *when_or_null(struct history_json *x, int64_t us)
{
    return us ? x->when(us, x->arg) : json_null();
}

static int version_item(void *arg, const struct apply_limit_version *v)
{
    struct history_json *x = arg;
    json_array_append_new(
        x->a, json_pack("{s:I,s:s,s:I,s:o,s:s,s:s,s:o}", "id", (json_int_t)v->id, "stage",
                        v->stage, "days", (json_int_t)v->days, "effective_at",
                        when_or_null(x, v->effective_at), "source", v->source, "changed_by",
                        v->changed_by, "changed_at", when_or_null(x, v->changed_at)));
    return 0;
}

int api_apply_limits_history_json(struct ctx *c, const char *kind, api_time_fn *when, void *arg,
                                  json_t **out, struct err *err)
{
    struct history_json x = { json_array(), when, arg };
    int rc = apply_limits_history(c, kind, version_item, &x, err);
    if (rc) {
        json_decref(x.a);
        *out = NULL;
        return rc;
    }
    *out = json_pack("{s:s,s:o}", "kind", kind, "versions", x.a);
    return 0;
}

/* GET /api/v1/applications/limits[?kind=K][&history=true]: the working-day limits of the kinds
 * in force now, or every version of kind K's */
int api_apply_limits(struct api_req *r)
{
    const char *kind = api_query(r, "kind");
    bool history = false;
    json_t *j;
    int rc = api_query_bool(r, "history", &history);
    if (rc)
        return rc;
    if (history) {
        if (!kind)
            return error(&r->err, ERR_INVALID, "history=true needs the kind (?kind=K)"),
                   err_field(&r->err, "kind");
        rc = api_apply_limits_history_json(&r->ctx, kind, api_time_utc, NULL, &j, &r->err);
    } else
        rc = api_apply_limits_json(&r->ctx, kind, &j, &r->err);
    return rc ? rc : api_reply(r, 200, j);
}

/* PATCH /api/v1/applications/limits {"kind": K, "limits": {"STAGE"|"total": days, ...}, "source":
 * TEXT[, "effective_at": TIME]}: new versions of them (apply_limits_set); replies the kind's
 * limits in force now. Whole-tree callers only. */
int api_apply_limits_set(struct api_req *r)
{
    static const char *const known[] = { "kind", "limits", "source", "effective_at", NULL };
    const char *kind, *source;
    int64_t effective_at = 0;
    struct tz tz;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "kind", true, &kind)) ||
        (rc = api_body_str(r, "source", true, &source)))
        return rc;
    if ((rc = tz_load(r->ctx.zone_name ? r->ctx.zone_name : TZ_DEFAULT, &tz, &r->err)))
        return rc;
    rc = api_body_instant(r, &tz, "effective_at", false, &effective_at);
    tz_release(&tz);
    if (rc)
        return rc;
    json_t *lim = json_object_get(r->json, "limits"), *v;
    const char *stage;
    if (!json_is_object(lim) || !json_object_size(lim))
        return error(&r->err, ERR_INVALID,
                     "field 'limits' must be an object of stage: working days, not empty"),
               err_field(&r->err, "limits");
    struct apply_limit_set *set = arena_alloc(&r->arena, json_object_size(lim) * sizeof(*set));
    size_t n = 0;
    json_object_foreach(lim, stage, v) {
        if (!json_is_integer(v))
            return error(&r->err, ERR_INVALID, "the limit of '%s' must be a whole number of "
                                               "working days", stage),
                   err_field(&r->err, "limits");
        set[n++] = (struct apply_limit_set){ stage, json_integer_value(v) };
    }
    json_t *j;
    if ((rc = apply_limits_set(&r->ctx, kind, set, n, source, effective_at, &r->err)) ||
        (rc = api_apply_limits_json(&r->ctx, kind, &j, &r->err)))
        return rc;
    return api_reply(r, 200, j);
}
