/*
 * The rest of the service centre over HTTP (issue 6): the supervisor's escalation queue and its
 * closing steps, SLA compliance by org, type or metric and the complaint rate (reports), and
 * outages — publish, list, one with its repair orders, its affected customers, close, and the
 * lookup that answers a caller. Thin: domain/ticket_queue.c, ticket_sla.c, complaint.c and
 * outage*.c do the work within the caller's org scope (other subtrees' items answer 404).
 */
#include "core/common.h"
#include "core/date.h"
#include "core/money.h"
#include "api/api.h"
#include "domain/complaint.h"
#include "domain/outage.h"
#include "domain/ticket.h"

/* ---- the escalation queue ---- */

json_t *api_escalation_json(const struct ticket_escalation *e, api_time_fn *when, void *arg)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(e->id));
    json_object_set_new(j, "ticket", e->ticket_id ? json_integer(e->ticket_id) : json_null());
    json_object_set_new(j, "application",
                        e->application_id ? json_integer(e->application_id) : json_null());
    json_object_set_new(j, "stage", api_json_str(e->stage));
    json_object_set_new(j, "type", json_string(e->type));
    json_object_set_new(j, "metric", json_string(e->metric));
    json_object_set_new(j, "org", json_string(e->org_code));
    json_object_set_new(j, "ticket_state", api_json_str(e->state));
    json_object_set_new(j, "deadline_at", when(e->deadline_at, arg));
    json_object_set_new(j, "escalated_at", when(e->escalated_at, arg));
    json_object_set_new(j, "status", json_string(e->status));
    json_object_set_new(j, "acked_at", when(e->acked_at, arg));
    json_object_set_new(j, "acked_by", api_json_str(e->acked_by));
    json_object_set_new(j, "ack_note", api_json_str(e->ack_note));
    json_object_set_new(j, "resolved_at", when(e->resolved_at, arg));
    json_object_set_new(j, "resolved_by", api_json_str(e->resolved_by));
    json_object_set_new(j, "resolve_note", api_json_str(e->resolve_note));
    return j;
}

static int escalation_item(void *arg, const struct ticket_escalation *e)
{
    json_array_append_new(arg, api_escalation_json(e, api_time_utc, NULL));
    return 0;
}

int api_escalation_list(struct api_req *r)
{
    bool all = false;
    int rc = api_query_bool(r, "all", &all);
    if (rc)
        return rc;
    json_t *items = json_array();
    if ((rc = ticket_escalations(&r->ctx, all, escalation_item, items, &r->err))) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:o}", "items", items));
}

static int escalation_close(struct api_req *r, bool resolve)
{
    static const char *const known[] = { "note", NULL };
    struct ticket_escalation e;
    const char *note;
    int64_t id;
    int rc;
    if ((rc = api_param_id(r, "escalation", &id)) || (rc = api_body_only(r, known)) ||
        (rc = api_body_str(r, "note", true, &note)) ||
        (rc = ticket_escalation_close(&r->ctx, id, resolve, note, &r->err)) ||
        (rc = ticket_escalation_get(&r->ctx, id, &e, &r->err)))
        return rc;
    return api_reply(r, 200, api_escalation_json(&e, api_time_utc, NULL));
}

int api_escalation_ack(struct api_req *r) { return escalation_close(r, false); }
int api_escalation_resolve(struct api_req *r) { return escalation_close(r, true); }

/* ---- reports ---- */

static int period_param(struct api_req *r, struct period *p)
{
    const char *s = api_query(r, "period");
    if (!s)
        return error(&r->err, ERR_INVALID, "query parameter 'period' is missing (YYYY-MM)"),
               err_field(&r->err, "period");
    if (period_parse(s, p, &r->err))
        return error_prefix(&r->err, "query parameter '%s': ", "period"),
               err_field(&r->err, "period");
    return 0;
}

static int compliance_item(void *arg, const struct ticket_compliance_row *c)
{
    char rate[32];
    json_t *j = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:o}", "key", c->key, "name", c->name, "clocks",
                       (json_int_t)c->clocks, "met", (json_int_t)c->met, "missed",
                       (json_int_t)c->missed, "pending", (json_int_t)c->pending, "rate_pct",
                       c->rate_bp < 0 ? json_null()
                                      : json_string(decimal_format(c->rate_bp, 2, 2, 0, rate)));
    if (c->month)
        json_object_set_new(j, "month", json_string(c->month));
    json_array_append_new(arg, j);
    return 0;
}

/* GET /api/v1/sla/compliance?period=P | from=P&to=P [&by=type|org|metric|month|month,org|
 * month,type|month,metric] */
int api_sla_compliance(struct api_req *r)
{
    const char *by = api_query(r, "by");
    enum ticket_by b = TICKET_BY_TYPE;
    struct period p[2];
    int rc;
    if ((rc = api_query_periods(r, p)))
        return rc;
    if (by && (rc = ticket_by_parse(by, &b, &r->err)))
        return error_prefix(&r->err, "query parameter 'by': ");
    json_t *items = json_array();
    if ((rc = ticket_compliance(&r->ctx, p[0], p[1], b, ctx_now(&r->ctx), compliance_item, items,
                                &r->err))) {
        json_decref(items);
        return rc;
    }
    char pf[PERIOD_BUF_SIZE], pt[PERIOD_BUF_SIZE];
    period_format(p[0], pf);
    period_format(p[1], pt);
    return api_reply(r, 200,
                     json_pack("{s:s,s:s,s:s,s:s,s:o}", "period",
                               period_cmp(p[0], p[1]) ? arena_sprintf(&r->arena, "%s..%s", pf, pt)
                                                      : pf,
                               "from", pf, "to", pt, "by", ticket_by_name(b), "items", items));
}

static int rate_item(void *arg, const struct complaint_rate_row *x)
{
    char rate[32];
    json_array_append_new(
        arg, json_pack("{s:s,s:o,s:I,s:I,s:I,s:o}", "org", x->key, "name", api_json_str(x->name),
                       "complaints", (json_int_t)x->complaints, "repeats", (json_int_t)x->repeats,
                       "customers", (json_int_t)x->customers, "per_10k",
                       x->rate_x100 < 0 ? json_null()
                                        : json_string(decimal_format(x->rate_x100, 2, 2, 0,
                                                                     rate))));
    return 0;
}

int api_complaint_rate(struct api_req *r)
{
    struct period p;
    const char *org = api_query(r, "org");
    int rc;
    if ((rc = period_param(r, &p)))
        return rc;
    if (!org && r->ctx.scope_org_id)
        org = r->who.org_code; /* a scoped caller sees its own subtree */
    json_t *items = json_array();
    if ((rc = complaint_rate(&r->ctx, p, org, rate_item, items, &r->err))) {
        json_decref(items);
        if (rc == ERR_NOT_FOUND && api_query(r, "org"))
            err_field(&r->err, "org");
        return rc;
    }
    char pb[PERIOD_BUF_SIZE];
    return api_reply(r, 200, json_pack("{s:s,s:o}", "period", period_format(p, pb), "items",
                                       items));
}

/* ---- outages ---- */

json_t *api_outage_json(const struct outage *o, api_time_fn *when, void *arg)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(o->id));
    json_object_set_new(j, "kind", json_string(o->kind));
    json_object_set_new(j, "kind_name", json_string(outage_kind_zh(o->kind)));
    json_object_set_new(j, "scope", json_string(o->scope));
    json_object_set_new(j, "org", json_string(o->org_code));
    json_object_set_new(j, "feeder", api_json_str(o->feeder));
    json_object_set_new(j, "sp_no", api_json_str(o->sp_no));
    json_object_set_new(j, "from", when(o->from_at, arg));
    json_object_set_new(j, "to", when(o->to_at, arg));
    json_object_set_new(j, "reason", json_string(o->reason));
    json_object_set_new(j, "notice_at", when(o->notice_at, arg));
    json_object_set_new(j, "late_notice", json_boolean(o->late_notice));
    json_object_set_new(j, "state", json_string(o->state));
    json_object_set_new(j, "closed_at", when(o->closed_at, arg));
    json_object_set_new(j, "close_note", api_json_str(o->close_note));
    json_object_set_new(j, "affected", json_integer(o->affected));
    json_object_set_new(j, "important", json_integer(o->important));
    json_object_set_new(j, "notified", json_integer(o->notified));
    json_object_set_new(j, "tickets", json_integer(o->tickets));
    return j;
}

static int outage_item(void *arg, const struct outage *o)
{
    json_array_append_new(arg, api_outage_json(o, api_time_utc, NULL));
    return 0;
}

int api_outage_list(struct api_req *r)
{
    struct outage_filter f = { .state = api_query(r, "state"), .kind = api_query(r, "kind") };
    int rc;
    if ((rc = api_query_int(r, "after", 0, INT64_MAX, 0, &f.after_id)) ||
        (rc = api_query_int(r, "limit", 1, 1000, 100, &f.limit)))
        return rc;
    json_t *items = json_array();
    if ((rc = outage_list(&r->ctx, &f, outage_item, items, &r->err))) {
        json_decref(items);
        return rc;
    }
    size_t n = json_array_size(items);
    json_t *next = (int64_t)n == f.limit
                       ? json_incref(json_object_get(json_array_get(items, n - 1), "id"))
                       : json_null();
    return api_reply(r, 200, json_pack("{s:o,s:o}", "items", items, "next", next));
}

static int outage_ticket_item(void *arg, const struct outage_ticket *k)
{
    json_array_append_new(arg, json_pack("{s:I,s:s,s:o}", "id", (json_int_t)k->id, "state",
                                         k->state, "cust_no", api_json_str(k->cust_no)));
    return 0;
}

static int reply_outage(struct api_req *r, int status, int64_t id)
{
    struct outage o;
    int rc = outage_get(&r->ctx, id, &o, &r->err);
    if (rc)
        return rc;
    json_t *j = api_outage_json(&o, api_time_utc, NULL), *tk = json_array();
    json_object_set_new(j, "ticket_list", tk);
    if ((rc = outage_tickets(&r->ctx, id, outage_ticket_item, tk, &r->err))) {
        json_decref(j);
        return rc;
    }
    return api_reply(r, status, j);
}

int api_outage_get(struct api_req *r)
{
    int64_t id;
    int rc = api_param_id(r, "outage", &id);
    return rc ? rc : reply_outage(r, 200, id);
}

int api_outage_create(struct api_req *r)
{
    static const char *const known[] = { "kind", "org", "feeder", "sp_no", "from", "to",
                                         "reason", NULL };
    struct outage_in in = { 0 };
    struct outage_result res;
    struct tz tz;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "kind", true, &in.kind)) ||
        (rc = api_body_str(r, "org", false, &in.org_code)) ||
        (rc = api_body_str(r, "feeder", false, &in.feeder)) ||
        (rc = api_body_str(r, "sp_no", false, &in.sp_no)) ||
        (rc = api_body_str(r, "reason", true, &in.reason)))
        return rc;
    if ((rc = tz_load(r->ctx.zone_name ? r->ctx.zone_name : TZ_DEFAULT, &tz, &r->err)))
        return rc;
    rc = api_body_instant(r, &tz, "from", true, &in.from_at);
    if (!rc)
        rc = api_body_instant(r, &tz, "to", false, &in.to_at);
    tz_release(&tz);
    if (rc || (rc = outage_add(&r->ctx, &in, &res, &r->err)))
        return rc;
    return reply_outage(r, 201, res.id);
}

static int customer_item(void *arg, const struct outage_customer *k)
{
    json_array_append_new(arg, json_pack("{s:s,s:s,s:b,s:o,s:o}", "cust_no", k->cust_no, "name",
                                         k->name, "important", k->important, "notified_account",
                                         api_json_str(k->recipient), "outbox",
                                         k->outbox_id ? json_integer(k->outbox_id)
                                                      : json_null()));
    return 0;
}

int api_outage_customers(struct api_req *r)
{
    struct outage o;
    int64_t id;
    int rc;
    if ((rc = api_param_id(r, "outage", &id)) || (rc = outage_get(&r->ctx, id, &o, &r->err)))
        return rc;
    json_t *items = json_array();
    if ((rc = outage_customers(&r->ctx, id, customer_item, items, &r->err))) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:I,s:o}", "outage", (json_int_t)id, "items", items));
}

int api_outage_close(struct api_req *r)
{
    static const char *const known[] = { "note", NULL };
    const char *note;
    int64_t id, resolved = 0;
    int rc;
    if ((rc = api_param_id(r, "outage", &id)) || (rc = api_body_only(r, known)) ||
        (rc = api_body_str(r, "note", false, &note)) ||
        (rc = outage_close(&r->ctx, id, note, &resolved, &r->err)))
        return rc;
    if ((rc = reply_outage(r, 200, id)))
        return rc;
    json_object_set_new(r->out, "resolved_tickets", json_integer(resolved));
    return 0;
}

/* GET /api/v1/outages/lookup?cust_no=N | account=A | phone=P: the outages affecting a caller */
int api_outage_lookup(struct api_req *r)
{
    struct outage_caller who = { api_query(r, "cust_no"), api_query(r, "account"),
                                 api_query(r, "phone") };
    json_t *items = json_array();
    int rc = outage_lookup(&r->ctx, &who, outage_item, items, &r->err);
    if (rc) {
        json_decref(items);
        if (rc == ERR_USAGE)
            return error(&r->err, ERR_INVALID, "give one of cust_no, account or phone"),
                   err_field(&r->err, who.phone ? "phone" : "account");
        if (rc == ERR_INVALID && !r->err.field[0])
            err_field(&r->err, "cust_no");
        if (rc == ERR_NOT_FOUND && who.account_no)
            err_field(&r->err, "account");
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:b,s:o}", "affected", json_array_size(items) > 0,
                                       "items", items));
}

/* POST /service-points/{sp}/feeder {"feeder"}: the feeder (线路) a service point of the
 * caller's subtree is supplied from, replacing the old one (as `pmis outage feeder`); outages
 * by feeder reach the customers recorded here. Audited by the domain. */
int api_sp_feeder_set(struct api_req *r)
{
    static const char *const known[] = { "feeder", NULL };
    const char *sp = api_param(r, "id"), *feeder;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "feeder", true, &feeder)) ||
        (rc = outage_feeder_set(&r->ctx, sp, feeder, &r->err)))
        return rc;
    return api_reply(r, 200, json_pack("{s:s,s:s}", "service_point", sp, "feeder",
                                       ctx_trim(&r->ctx, feeder)));
}
