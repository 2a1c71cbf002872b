/*
 * POST /api/v1/tickets/sla (issue 6 §2): the work orders' SLA run (ticket_sla_run, as
 * `pmis ticket sla`) as of the server's now, never another instant (a run "in the future" would
 * record breaches that have not happened); a scoped caller's run covers its subtree only (the
 * domain's queries keep to ctx.scope_org_id). Body {"all": bool, "after": id, "limit": n}: the
 * run's counts always, and one page of its clocks in warning or breached (with "all" every
 * running clock) by clock id — at most `limit` (default 100, at most 1000, as GET /tickets),
 * those after clock id `after`, and "next" the cursor for the following page (null on the last).
 * The page is read in SQL (ticket_sla_run); every page is a whole run: the clocks are judged and
 * recorded in full whatever is listed; a run that records something is audited (ticket.sla_run,
 * naming the subtree when scoped). Each item says what this run recorded of its clock
 * (newly_warned, newly_breached, escalated).
 */
#include "core/common.h"
#include "api/api.h"
#include "domain/sla.h"
#include "domain/ticket.h"

json_t *api_ticket_sla_row_json(const struct ticket_sla_row *s, api_time_fn *when, void *arg)
{
    return json_pack("{s:I,s:I,s:s,s:s,s:o,s:b,s:b,s:b}", "clock_id", (json_int_t)s->clock_id,
                     "ticket_id", (json_int_t)s->ticket_id, "metric", s->metric, "state",
                     sla_state_name(s->state), "deadline_at",
                     s->deadline_at ? when(s->deadline_at, arg) : json_null(), "escalated",
                     s->escalated, "newly_warned", s->newly_warned, "newly_breached",
                     s->newly_breached);
}

static int sla_item(void *arg, const struct ticket_sla_row *s)
{
    json_array_append_new(arg, api_ticket_sla_row_json(s, api_time_utc, NULL));
    return 0;
}

int api_ticket_sla(struct api_req *r)
{
    struct ticket_sla_totals t;
    struct sla_page p;
    int64_t now = ctx_now(&r->ctx);
    bool all;
    int rc;
    if ((rc = api_sla_page_body(r, &all, &p)))
        return rc;
    json_t *items = json_array();
    if ((rc = ticket_sla_run(&r->ctx, now, all, &p, sla_item, items, &t, &r->err))) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200,
                     json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "at",
                               api_json_time(now), "clocks", (json_int_t)t.clocks, "ok",
                               (json_int_t)t.ok, "warning", (json_int_t)t.warning, "breached",
                               (json_int_t)t.breached, "paused", (json_int_t)t.paused, "marked",
                               (json_int_t)t.marked, "escalated", (json_int_t)t.escalated, "items",
                               items, "next", api_sla_page_next(&p)));
}
