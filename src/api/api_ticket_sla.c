/*
 * POST /api/v1/tickets/sla (issue 6 §2): the work orders' SLA run (ticket_sla_run, as
 * `pmis ticket sla`) as of the server's now, never another instant (a run "in the future" would
 * record breaches that have not happened); a scoped caller's run covers its subtree only (the
 * domain's queries keep to ctx.scope_org_id). Body {"all": bool, "after": id, "limit": n}: the
 * run's counts always, and one page of its clocks in warning or breached (with "all" every
 * running clock) by clock id — at most `limit` (default 100, at most 1000, as GET /tickets),
 * those after clock id `after`, and "next" the cursor for the following page (null on the last).
 * Every page is a whole run: the clocks are judged and recorded in full whatever is listed; a
 * run that escalates is audited (ticket.escalate, naming the subtree when scoped).
 */
#include "core/common.h"
#include "api/api.h"
#include "domain/ticket.h"

static int sla_item(void *arg, const struct ticket_sla_row *s)
{
    struct api_run_page *p = arg;
    if (!api_run_page_take(p, s->clock_id))
        return p->more; /* past the page: stop reading the rows; the run itself is complete */
    json_array_append_new(
        p->items,
        json_pack("{s:I,s:I,s:s,s:s,s:o,s:b}", "clock_id", (json_int_t)s->clock_id, "ticket_id",
                  (json_int_t)s->ticket_id, "metric", s->metric, "state", sla_state_name(s->state),
                  "deadline_at", s->deadline_at ? api_json_time(s->deadline_at) : json_null(),
                  "escalated", s->escalated));
    return 0;
}

int api_ticket_sla(struct api_req *r)
{
    struct ticket_sla_totals t;
    struct api_run_page p;
    int64_t now = ctx_now(&r->ctx);
    bool all;
    int rc;
    if ((rc = api_run_page_body(r, &all, &p)))
        return rc;
    if ((rc = ticket_sla_run(&r->ctx, now, all, sla_item, &p, &t, &r->err))) {
        json_decref(p.items);
        return rc;
    }
    json_t *next = api_run_page_next(&p, "clock_id");
    return api_reply(r, 200,
                     json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "at",
                               api_json_time(now), "clocks", (json_int_t)t.clocks, "ok",
                               (json_int_t)t.ok, "warning", (json_int_t)t.warning, "breached",
                               (json_int_t)t.breached, "paused", (json_int_t)t.paused, "marked",
                               (json_int_t)t.marked, "escalated", (json_int_t)t.escalated, "items",
                               p.items, "next", next));
}
