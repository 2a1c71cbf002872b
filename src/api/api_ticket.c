/*
 * 95598 work orders over HTTP (issue 6, manual 2.2-2.4): intake with the caller found by 户号 or
 * phone (blind index) or anonymous, the list with keyset pagination and filters, one order with
 * its history, SLA clocks, repeat flag, outage and root causes, and one route per step of the
 * state machine (ticket.h). Thin: domain/ticket*.c does the work and keeps other subtrees'
 * orders unknown (404); an illegal step is the domain's ERR_CONFLICT (409) naming the allowed
 * next states, and changes nothing. For the web UI: each list item's SLA summary and the list's
 * "now", and an order's "allowed" steps (ticket_actions cut to the caller's permissions).
 */
#include "core/common.h"
#include "core/date.h"
#include "api/api.h"
#include "domain/complaint.h"
#include "domain/outage.h"
#include "domain/ticket.h"

static int ticket_id(struct api_req *r, int64_t *id)
{
    return api_param_id(r, "work order", id);
}

json_t *api_ticket_json(const struct ticket *t, api_time_fn *when, void *arg)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(t->id));
    json_object_set_new(j, "type", json_string(t->type));
    json_object_set_new(j, "subtype", json_string(t->subtype));
    json_object_set_new(j, "type_name", json_string(t->type_name));
    json_object_set_new(j, "channel", json_string(t->channel));
    json_object_set_new(j, "severity", json_string(t->severity));
    json_object_set_new(j, "area", json_string(t->area));
    json_object_set_new(j, "state", json_string(t->state));
    json_object_set_new(j, "state_name", json_string(ticket_state_zh(t->state)));
    json_object_set_new(j, "cust_no", api_json_str(t->cust_no));
    json_object_set_new(j, "org", json_string(t->org_code));
    json_object_set_new(j, "assignee", api_json_str(t->assignee));
    json_object_set_new(j, "round", json_integer(t->round));
    json_object_set_new(j, "paused", json_boolean(t->paused_at != 0));
    json_object_set_new(j, "merged_into", t->merged_into ? json_integer(t->merged_into)
                                                         : json_null());
    json_object_set_new(j, "accepted_at", when(t->accepted_at, arg));
    json_object_set_new(j, "archived_at", when(t->archived_at, arg));
    return j;
}

/* a JSON array being filled, with the caller's form of instants */
struct items {
    json_t *a;
    api_time_fn *when;
    void *arg;
};

static int event_item(void *arg, const struct ticket_event *e)
{
    struct items *it = arg;
    json_array_append_new(it->a, json_pack("{s:o,s:s,s:s,s:o,s:s,s:o}", "at",
                                           it->when(e->at, it->arg), "actor", e->actor, "action",
                                           e->action, "from", api_json_str(e->from), "to", e->to,
                                           "note", api_json_str(e->note)));
    return 0;
}

static int clock_item(void *arg, const struct ticket_clock *k)
{
    struct items *it = arg;
    const char *state = strcmp(k->status, "cancelled") ? sla_state_name(k->state) : "cancelled";
    json_t *j = json_object();
    json_object_set_new(j, "round", json_integer(k->round));
    json_object_set_new(j, "metric", json_string(k->metric));
    json_object_set_new(j, "clock", json_string(k->clock));
    json_object_set_new(j, "amount", json_integer(k->amount));
    json_object_set_new(j, "started_at", it->when(k->started_at, it->arg));
    json_object_set_new(j, "deadline_at", it->when(k->deadline_at, it->arg));
    json_object_set_new(j, "warn_at", it->when(k->warn_at, it->arg));
    json_object_set_new(j, "stopped_at", it->when(k->stopped_at, it->arg));
    json_object_set_new(j, "state", json_string(state));
    json_object_set_new(j, "escalated_at", it->when(k->escalated_at, it->arg));
    json_array_append_new(it->a, j);
    return 0;
}

static int cause_item(void *arg, const struct complaint_cause *k)
{
    struct items *it = arg;
    json_array_append_new(it->a, json_pack("{s:s,s:s}", "code", k->code, "name", k->name));
    return 0;
}

/*
 * "allowed": the steps open to the order now (ticket_actions) that the caller's permissions
 * let it take (dispatch, assign and merge need ticket:dispatch, the rest ticket:write), and
 * "now", the instant the SLA states were computed at (for a countdown).
 */
static int allowed_json(struct api_req *r, const struct ticket *t, json_t *j)
{
    const char *acts[TICKET_ACTIONS_MAX];
    size_t n;
    int rc = ticket_actions(&r->ctx, t, acts, &n, &r->err);
    if (rc)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        bool dispatch = !strcmp(acts[i], "dispatch") || !strcmp(acts[i], "assign") ||
                        !strcmp(acts[i], "merge");
        if (r->who.perms & PERM_BIT(dispatch ? PERM_TICKET_DISPATCH : PERM_TICKET_WRITE))
            json_array_append_new(a, json_string(acts[i]));
    }
    json_object_set_new(j, "allowed", a);
    json_object_set_new(j, "now", api_json_time(ctx_now(&r->ctx)));
    return 0;
}

int api_ticket_detail_json(struct ctx *c, const struct ticket *t, api_time_fn *when, void *arg,
                           json_t **out, struct err *err)
{
    struct complaint_repeat rep;
    struct outage o;
    bool repeat, linked;
    int rc;
    json_t *j = api_ticket_json(t, when, arg);
    struct items ev = { json_array(), when, arg }, ck = { json_array(), when, arg },
                 ca = { json_array(), when, arg };
    json_object_set_new(j, "customer", api_json_str(t->customer));
    json_object_set_new(j, "text", json_string(t->text));
    json_object_set_new(j, "created_by", json_string(t->created_by));
    json_object_set_new(j, "events", ev.a);
    json_object_set_new(j, "clocks", ck.a);
    json_object_set_new(j, "causes", ca.a);
    *out = NULL;
    if ((rc = ticket_events(c, t, event_item, &ev, err)) ||
        (rc = ticket_clocks(c, t, ctx_now(c), clock_item, &ck, err)) ||
        (rc = complaint_causes(c, t, cause_item, &ca, err)) ||
        (rc = complaint_repeat_get(c, t->id, &rep, &repeat, err)) ||
        (rc = outage_of_ticket(c, t->id, &o, &linked, err))) {
        json_decref(j);
        return rc;
    }
    json_object_set_new(j, "repeat", json_boolean(repeat));
    json_object_set_new(j, "repeat_of",
                        repeat ? json_pack("{s:I,s:s,s:I,s:o,s:s}", "id", (json_int_t)rep.earlier_id,
                                           "basis", rep.basis, "window_days",
                                           (json_int_t)rep.window_days, "accepted_at",
                                           when(rep.earlier_accepted_at, arg), "state",
                                           rep.earlier_state)
                               : json_null());
    json_object_set_new(j, "outage",
                        linked ? json_pack("{s:I,s:s,s:o,s:o,s:s,s:s}", "id", (json_int_t)o.id,
                                           "kind", o.kind, "from", when(o.from_at, arg), "to",
                                           when(o.to_at, arg), "reason", o.reason, "state",
                                           o.state)
                               : json_null());
    *out = j;
    return 0;
}

struct affected {
    json_t *a;
    api_time_fn *when;
    void *arg;
};

static int affected_item(void *arg, const struct outage *o)
{
    struct affected *x = arg;
    json_array_append_new(x->a, api_outage_json(o, x->when, x->arg));
    return 0;
}

int api_ticket_affected_by(struct ctx *c, const struct ticket *t, api_time_fn *when, void *arg,
                           json_t **out, struct err *err)
{
    struct outage_caller who = { .cust_no = t->cust_no };
    struct affected x = { json_array(), when, arg };
    int rc = t->cust_no ? outage_lookup(c, &who, affected_item, &x, err) : 0;
    if (rc) {
        json_decref(x.a);
        x.a = NULL;
    }
    *out = x.a;
    return rc;
}

/* The order with its history, clocks, repeat flag, outage and causes; replies `status`. */
static int reply_detail(struct api_req *r, int status, int64_t id)
{
    struct ticket t;
    json_t *j;
    int rc;
    if ((rc = ticket_get(&r->ctx, id, &t, &r->err)) ||
        (rc = api_ticket_detail_json(&r->ctx, &t, api_time_utc, NULL, &j, &r->err)))
        return rc;
    if ((rc = allowed_json(r, &t, j))) {
        json_decref(j);
        return rc;
    }
    return api_reply(r, status, j);
}

int api_ticket_get(struct api_req *r)
{
    int64_t id;
    int rc = ticket_id(r, &id);
    return rc ? rc : reply_detail(r, 200, id);
}

int api_ticket_create(struct api_req *r)
{
    static const char *const known[] = { "type", "subtype", "channel", "severity", "area",
                                         "cust_no", "phone", "org", "text", NULL };
    struct ticket_in in = { 0 };
    int64_t id;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "type", true, &in.type)) ||
        (rc = api_body_str(r, "subtype", false, &in.subtype)) ||
        (rc = api_body_str(r, "channel", true, &in.channel)) ||
        (rc = api_body_str(r, "severity", false, &in.severity)) ||
        (rc = api_body_str(r, "area", true, &in.area)) ||
        (rc = api_body_str(r, "cust_no", false, &in.cust_no)) ||
        (rc = api_body_str(r, "phone", false, &in.phone)) ||
        (rc = api_body_str(r, "org", false, &in.org_code)) ||
        (rc = api_body_str(r, "text", true, &in.text)))
        return rc;
    if (!in.severity)
        in.severity = "general";
    if ((rc = ticket_add(&r->ctx, &in, &id, &r->err))) {
        if (rc == ERR_USAGE)
            return error(&r->err, ERR_INVALID, "give the caller's cust_no or phone, not both"),
                   err_field(&r->err, "phone");
        if (rc == ERR_INVALID && !r->err.field[0] && strstr(r->err.msg, "anonymous"))
            err_field(&r->err, "org");
        return rc;
    }
    /* the call is answered with the outages affecting the caller (issue 6 §4) */
    struct ticket t;
    json_t *aff;
    if ((rc = reply_detail(r, 201, id)) || (rc = ticket_get(&r->ctx, id, &t, &r->err)) ||
        (rc = api_ticket_affected_by(&r->ctx, &t, api_time_utc, NULL, &aff, &r->err)))
        return rc;
    json_object_set_new(r->out, "affected_by", aff);
    return 0;
}

/* A listed order with "sla": its state as the list's `sla` filter sees it (paused, none without
 * a running clock, else the worst of breached, warning, ok) and the metric, deadline and
 * warning of the running clock due first — all from the list's query (ticket.sla). */
static int list_item(void *arg, const struct ticket *t)
{
    json_t *j = api_ticket_json(t, api_time_utc, NULL);
    json_object_set_new(j, "sla",
                        json_pack("{s:s,s:o,s:o,s:o}", "state", t->sla.state ? t->sla.state : "none",
                                  "metric", api_json_str(t->sla.metric), "deadline_at",
                                  api_json_time(t->sla.deadline_at), "warn_at",
                                  api_json_time(t->sla.warn_at)));
    json_array_append_new(arg, j);
    return 0;
}

/* from / to: dates (business zone), to inclusive, as instants [from, day after to). */
static int accepted_range(struct api_req *r, struct ticket_filter *f)
{
    struct date from = { 0, 0, 0 }, to = { 0, 0, 0 };
    struct tz tz;
    int rc;
    if ((rc = api_query_date(r, "from", &from)) || (rc = api_query_date(r, "to", &to)))
        return rc;
    if (!date_is_valid(from) && !date_is_valid(to))
        return 0;
    if ((rc = tz_load(r->ctx.zone_name ? r->ctx.zone_name : TZ_DEFAULT, &tz, &r->err)))
        return rc;
    if (date_is_valid(from))
        f->from_at = tz_day_start(&tz, from);
    if (date_is_valid(to))
        f->to_at = tz_day_start(&tz, date_add_days(to, 1));
    tz_release(&tz);
    return 0;
}

int api_ticket_list(struct api_req *r)
{
    struct ticket_filter f = { .state = api_query(r, "state"), .type = api_query(r, "type"),
                               .sla = api_query(r, "sla"), .org_code = api_query(r, "org"),
                               .assignee = api_query(r, "assignee"),
                               .cust_no = api_query(r, "customer") };
    int rc;
    if ((rc = api_query_bool(r, "open", &f.open_only)) ||
        (rc = api_query_bool(r, "escalated", &f.escalated_only)) ||
        (rc = api_query_int(r, "after", 0, INT64_MAX, 0, &f.after_id)) ||
        (rc = api_query_int(r, "limit", 1, 1000, 100, &f.limit)) || (rc = accepted_range(r, &f)))
        return rc;
    json_t *items = json_array();
    if ((rc = ticket_list(&r->ctx, &f, list_item, items, &r->err))) {
        json_decref(items);
        if (rc == ERR_NOT_FOUND && f.org_code && !r->err.field[0])
            err_field(&r->err, "org");
        return rc;
    }
    size_t n = json_array_size(items);
    json_t *next = (int64_t)n == f.limit
                       ? json_incref(json_object_get(json_array_get(items, n - 1), "id"))
                       : json_null();
    return api_reply(r, 200, json_pack("{s:o,s:o,s:o}", "items", items, "next", next, "now",
                                       api_json_time(ctx_now(&r->ctx))));
}

/* ---- the steps ---- */

static int reply_state(struct api_req *r, int64_t id)
{
    struct ticket t;
    int rc = ticket_get(&r->ctx, id, &t, &r->err);
    return rc ? rc : api_reply(r, 200, api_ticket_json(&t, api_time_utc, NULL));
}

/* A move to `to` with an optional note (and, for 分类, the classification). */
static int move(struct api_req *r, const char *to, bool classify)
{
    static const char *const known[] = { "note", NULL };
    static const char *const known_classify[] = { "note", "subtype", "severity", "area", NULL };
    struct ticket_move_in in = { .to = to };
    int64_t id;
    int rc;
    if ((rc = ticket_id(r, &id)) || (rc = api_body_only(r, classify ? known_classify : known)) ||
        (rc = api_body_str(r, "note", false, &in.note)))
        return rc;
    if (classify && ((rc = api_body_str(r, "subtype", false, &in.subtype)) ||
                     (rc = api_body_str(r, "severity", false, &in.severity)) ||
                     (rc = api_body_str(r, "area", false, &in.area))))
        return rc;
    if ((rc = ticket_move(&r->ctx, id, &in, &r->err)))
        return rc;
    return reply_state(r, id);
}

int api_ticket_classify(struct api_req *r) { return move(r, "classified", true); }
int api_ticket_process(struct api_req *r) { return move(r, "processing", false); }
int api_ticket_respond(struct api_req *r) { return move(r, "responded", false); }
int api_ticket_reply(struct api_req *r) { return move(r, "replied", false); }
int api_ticket_review(struct api_req *r) { return move(r, "reviewed", false); }
int api_ticket_archive(struct api_req *r) { return move(r, "archived", false); }

int api_ticket_dispatch(struct api_req *r)
{
    static const char *const known[] = { "org", "assignee", "note", NULL };
    const char *org, *assignee, *note;
    int64_t id;
    int rc;
    if ((rc = ticket_id(r, &id)) || (rc = api_body_only(r, known)) ||
        (rc = api_body_str(r, "org", false, &org)) ||
        (rc = api_body_str(r, "assignee", false, &assignee)) ||
        (rc = api_body_str(r, "note", false, &note)))
        return rc;
    if ((rc = ticket_assign(&r->ctx, id, org, assignee, note, &r->err))) {
        if (rc == ERR_NOT_FOUND && org && strstr(r->err.msg, "org unit"))
            err_field(&r->err, "org");
        return rc;
    }
    return reply_state(r, id);
}

/* reopen, pause, resume: {"note"} */
static int noted(struct api_req *r, int (*fn)(struct ctx *, int64_t, const char *, struct err *))
{
    static const char *const known[] = { "note", NULL };
    const char *note;
    int64_t id;
    int rc;
    if ((rc = ticket_id(r, &id)) || (rc = api_body_only(r, known)) ||
        (rc = api_body_str(r, "note", false, &note)) || (rc = fn(&r->ctx, id, note, &r->err)))
        return rc;
    return reply_state(r, id);
}

int api_ticket_reopen(struct api_req *r) { return noted(r, ticket_reopen); }
int api_ticket_pause(struct api_req *r) { return noted(r, ticket_pause); }
int api_ticket_resume(struct api_req *r) { return noted(r, ticket_resume); }

int api_ticket_merge(struct api_req *r)
{
    static const char *const known[] = { "into", "note", NULL };
    const char *note;
    int64_t id, into = 0;
    int rc;
    if ((rc = ticket_id(r, &id)) || (rc = api_body_only(r, known)) ||
        (rc = api_body_int(r, "into", 1, INT64_MAX, &into)) ||
        (rc = api_body_str(r, "note", false, &note)))
        return rc;
    if (!into)
        return error(&r->err, ERR_INVALID, "field '%s' is missing", "into"),
               err_field(&r->err, "into");
    if ((rc = ticket_merge(&r->ctx, id, into, note, &r->err))) {
        if (rc == ERR_INVALID)
            err_field(&r->err, "into");
        return rc;
    }
    return reply_state(r, id);
}

/* {"add": ["billing"], "remove": ["other"]}: root-cause tags of a complaint */
static int cause_list(struct api_req *r, const char *field, const char **out)
{
    json_t *v = json_object_get(r->json, field);
    struct strbuf sb = STRBUF_INIT;
    size_t i;
    json_t *x;
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_array(v) || !json_array_size(v))
        return error(&r->err, ERR_INVALID, "field '%s' must be a non-empty array of cause codes",
                     field), err_field(&r->err, field);
    json_array_foreach(v, i, x)
    {
        if (!json_is_string(x) || strchr(json_string_value(x), ',')) {
            strbuf_release(&sb);
            return error(&r->err, ERR_INVALID, "field '%s' must hold cause codes", field),
                   err_field(&r->err, field);
        }
        strbuf_addf(&sb, "%s%s", i ? "," : "", json_string_value(x));
    }
    *out = arena_strdup(&r->arena, sb.buf);
    strbuf_release(&sb);
    return 0;
}

int api_ticket_causes(struct api_req *r)
{
    static const char *const known[] = { "add", "remove", NULL };
    const char *add, *remove;
    int64_t id;
    int rc;
    if ((rc = ticket_id(r, &id)) || (rc = api_body_only(r, known)) ||
        (rc = cause_list(r, "add", &add)) || (rc = cause_list(r, "remove", &remove)))
        return rc;
    if (!add && !remove)
        return error(&r->err, ERR_INVALID, "give 'add' or 'remove' (cause codes)"),
               err_field(&r->err, "add");
    if (add && remove)
        return error(&r->err, ERR_INVALID, "give 'add' or 'remove', not both"),
               err_field(&r->err, "remove");
    if ((rc = complaint_tag(&r->ctx, id, add ? add : remove, remove != NULL, &r->err))) {
        if (rc == ERR_INVALID)
            err_field(&r->err, add ? "add" : "remove");
        return rc;
    }
    return reply_detail(r, 200, id);
}
