/*
 * pmis ticket add|show|list|move|assign|reopen|merge|pause|resume|sla|escalations|compliance:
 * the 95598 service centre's work orders (工单) and their SLA clocks (domain/ticket.h). Times are
 * printed in the business zone with their offset.
 */
#include "core/common.h"
#include "cli/cli.h"
#include "cli/cli_out.h"
#include "domain/ticket.h"

static int parse_id(struct cli *cli, const char *s, int64_t *id)
{
    return cli_parse_number(cli, s, "a work order number", id);
}

/* --at TIME (local or with offset) or --date D (as of the end of that local day); default now */
static int parse_at(struct cli *cli, struct out *o, const char *at, const char *date, int64_t *us)
{
    if (at && date)
        return error(&cli->err, ERR_USAGE, "give --at or --date, not both");
    if (at)
        return instant_parse_local(at, &o->tz, us, &cli->err);
    if (date) {
        struct date d;
        int rc = date_parse(date, &d, &cli->err);
        if (!rc)
            *us = tz_day_start(&o->tz, date_add_days(d, 1)) - 1;
        return rc;
    }
    *us = ctx_now(&cli->ctx);
    return 0;
}

int cmd_ticket_add(struct cli *cli, int argc, char **argv)
{
    struct ticket_in in = { 0 };
    bool anonymous = false;
    const struct opt_spec specs[] = {
        { "type", OPT_STR, &in.type, "TYPE", "consult|fault|complaint|report|suggestion|praise|service" },
        { "subtype", OPT_STR, &in.subtype, "SUB", "e.g. complaint: service|business|outage|quality|grid" },
        { "channel", OPT_STR, &in.channel, "CH", "phone (95598)|web|app|wechat|counter" },
        { "severity", OPT_STR, &in.severity, "SEV", "general|important|major|special (default general)" },
        { "area", OPT_STR, &in.area, "AREA", "urban|rural|remote" },
        { "cust", OPT_STR, &in.cust_no, "CUST-NO", "the caller's customer (户号)" },
        { "phone", OPT_STR, &in.phone, "PHONE", "find the caller's customer by phone" },
        { "anonymous", OPT_BOOL, &anonymous, NULL, "the caller is not a known customer" },
        { "org", OPT_STR, &in.org_code, "CODE", "responsible org unit (default the customer's)" },
        { "text", OPT_STR, &in.text, "TEXT", "what the caller asks or reports" },
        OPT_SPEC_END,
    };
    cli->usage = "--type TYPE [--subtype SUB] --channel CH --area AREA [--severity SEV]\n"
                 "       (--cust CUST-NO | --phone PHONE | --anonymous --org CODE) --text TEXT\n\n"
                 "Accept (接单) a work order and start its SLA clocks.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (!in.severity)
        in.severity = "general";
    if (anonymous && (in.cust_no || in.phone))
        return error(&cli->err, ERR_USAGE, "--anonymous excludes --cust and --phone");
    if (!anonymous && !in.cust_no && !in.phone)
        return error(&cli->err, ERR_USAGE, "give --cust, --phone or --anonymous");
    int64_t id;
    if ((rc = ticket_add(&cli->ctx, &in, &id, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(id));
        json_object_set_new(j, "state", json_string("accepted"));
        if ((rc = cli_ticket_extra(cli, id, j))) {
            json_decref(j);
            return rc;
        }
        cli_json_out(j);
        return 0;
    }
    printf("work order %" PRId64 " accepted (接单)\n", id);
    return cli_ticket_extra(cli, id, NULL);
}

static json_t *ticket_json(struct out *o, const struct ticket *t)
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
    json_object_set_new(j, "cust_no", cli_json_str(t->cust_no));
    json_object_set_new(j, "org", json_string(t->org_code));
    json_object_set_new(j, "assignee", cli_json_str(t->assignee));
    json_object_set_new(j, "round", json_integer(t->round));
    json_object_set_new(j, "paused", json_boolean(t->paused_at != 0));
    json_object_set_new(j, "merged_into", t->merged_into ? json_integer(t->merged_into) : json_null());
    json_object_set_new(j, "accepted_at", jwhen(o, t->accepted_at));
    json_object_set_new(j, "archived_at", jwhen(o, t->archived_at));
    return j;
}

static int list_row(void *arg, const struct ticket *t)
{
    struct out *o = arg;
    char b[INSTANT_BUF_SIZE];
    if (o->cli->json)
        json_array_append_new(o->items, ticket_json(o, t));
    else
        printf("%-6" PRId64 " %-10s %-10s %-11s %-9s %-6s %-10s %-10s %s%s\n", t->id, t->type,
               *t->subtype ? t->subtype : "-", t->state, t->severity, t->area, t->org_code,
               t->cust_no ? t->cust_no : "anonymous", when(o, t->accepted_at, b),
               t->paused_at ? " (waiting for the customer)" : "");
    return 0;
}

int cmd_ticket_list(struct cli *cli, int argc, char **argv)
{
    struct ticket_filter f = { 0 };
    const struct opt_spec specs[] = {
        { "state", OPT_STR, &f.state, "STATE", "only orders in this state" },
        { "type", OPT_STR, &f.type, "TYPE", "only orders of this type" },
        { "open", OPT_BOOL, &f.open_only, NULL, "only orders not archived or merged" },
        { "escalated", OPT_BOOL, &f.escalated_only, NULL, "only orders in the supervisor's queue" },
        { "org", OPT_STR, &f.org_code, "CODE", "only orders of this unit's subtree" },
        { "assignee", OPT_STR, &f.assignee, "USER", "only orders assigned to this person" },
        { "sla", OPT_STR, &f.sla, "STATE", "worst running clock now: ok|warning|breached|paused|none" },
        { "after", OPT_INT, &f.after_id, "ID", "the page after this order" },
        { "limit", OPT_INT, &f.limit, "N", "page size (default 100)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--state STATE] [--type TYPE] [--open] [--escalated] [--org CODE] [--assignee USER]\n"
                 "       [--sla STATE] [--after ID] [--limit N]";
    struct out o;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if ((rc = out_init(cli, &o)) == 0 &&
        (rc = ticket_list(&cli->ctx, &f, list_row, &o, &cli->err)) == 0 && cli->json)
        cli_json_out(json_incref(o.items));
    out_release(&o);
    return rc;
}

static int event_row(void *arg, const struct ticket_event *e)
{
    struct out *o = arg;
    char b[INSTANT_BUF_SIZE];
    if (o->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "at", jwhen(o, e->at));
        json_object_set_new(j, "actor", json_string(e->actor));
        json_object_set_new(j, "action", json_string(e->action));
        json_object_set_new(j, "from", cli_json_str(e->from));
        json_object_set_new(j, "to", json_string(e->to));
        json_object_set_new(j, "note", cli_json_str(e->note));
        json_array_append_new(o->items, j);
    } else {
        printf("  %s  %-8s %-7s %s -> %s%s%s\n", when(o, e->at, b), e->actor, e->action,
               e->from ? e->from : "-", e->to, e->note ? "  " : "", e->note ? e->note : "");
    }
    return 0;
}

static int clock_row(void *arg, const struct ticket_clock *k)
{
    struct out *o = arg;
    char s[INSTANT_BUF_SIZE], d[INSTANT_BUF_SIZE], x[INSTANT_BUF_SIZE];
    const char *state = strcmp(k->status, "cancelled") ? sla_state_name(k->state) : "cancelled";
    if (o->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "round", json_integer(k->round));
        json_object_set_new(j, "metric", json_string(k->metric));
        json_object_set_new(j, "clock", json_string(k->clock));
        json_object_set_new(j, "amount", json_integer(k->amount));
        json_object_set_new(j, "started_at", jwhen(o, k->started_at));
        json_object_set_new(j, "deadline_at", jwhen(o, k->deadline_at));
        json_object_set_new(j, "warn_at", jwhen(o, k->warn_at));
        json_object_set_new(j, "stopped_at", jwhen(o, k->stopped_at));
        json_object_set_new(j, "state", json_string(state));
        json_object_set_new(j, "escalated_at", jwhen(o, k->escalated_at));
        json_array_append_new(o->items, j);
    } else {
        printf("  %-8s round %" PRId64 "  %s %" PRId64 "  from %s  due %s  %s%s%s\n", k->metric,
               k->round, k->clock, k->amount, when(o, k->started_at, s),
               k->deadline_at ? when(o, k->deadline_at, d) : "(paused)", state,
               k->stopped_at ? " at " : "", k->stopped_at ? when(o, k->stopped_at, x) : "");
    }
    return 0;
}

int cmd_ticket_show(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "ID\n\nA work order with its history and SLA clocks.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    int64_t id;
    struct ticket t;
    struct out o;
    char b[INSTANT_BUF_SIZE];
    if ((rc = parse_id(cli, argv[0], &id)) || (rc = out_init(cli, &o)))
        return rc;
    int64_t now = ctx_now(&cli->ctx);
    if ((rc = ticket_get(&cli->ctx, id, &t, &cli->err)))
        goto out;
    if (cli->json) {
        json_t *j = ticket_json(&o, &t);
        json_object_set_new(j, "customer", cli_json_str(t.customer));
        json_object_set_new(j, "text", json_string(t.text));
        json_object_set_new(j, "created_by", json_string(t.created_by));
        if ((rc = cli_ticket_extra(cli, id, j))) {
            json_decref(j);
            goto out;
        }
        if ((rc = ticket_events(&cli->ctx, id, event_row, &o, &cli->err))) {
            json_decref(j);
            goto out;
        }
        json_object_set_new(j, "events", o.items);
        o.items = json_array();
        if ((rc = ticket_clocks(&cli->ctx, id, now, clock_row, &o, &cli->err))) {
            json_decref(j);
            goto out;
        }
        json_object_set_new(j, "clocks", o.items);
        o.items = json_array();
        cli_json_out(j);
        goto out;
    }
    printf("work order %" PRId64 ": %s%s%s (%s), %s, severity %s, area %s\n", t.id, t.type_name,
           *t.subtype ? " / " : "", t.subtype, t.type, t.channel, t.severity, t.area);
    printf("state %s (%s)%s, org %s%s%s, round %" PRId64 "\n", t.state,
           ticket_state_zh(t.state), t.paused_at ? ", waiting for the customer" : "",
           t.org_code, t.assignee ? ", assignee " : "", t.assignee ? t.assignee : "", t.round);
    printf("caller %s%s%s, accepted %s by %s\n", t.cust_no ? t.cust_no : "anonymous",
           t.customer ? " " : "", t.customer ? t.customer : "", when(&o, t.accepted_at, b),
           t.created_by);
    if (t.merged_into)
        printf("merged into %" PRId64 "\n", t.merged_into);
    if ((rc = cli_ticket_extra(cli, id, NULL)))
        goto out;
    printf("text: %s\nhistory:\n", t.text);
    if ((rc = ticket_events(&cli->ctx, id, event_row, &o, &cli->err)))
        goto out;
    printf("SLA clocks:\n");
    rc = ticket_clocks(&cli->ctx, id, now, clock_row, &o, &cli->err);
out:
    out_release(&o);
    return rc;
}

/* the one positional ID of move, assign, reopen, pause, resume */
static int done(struct cli *cli, int64_t id, const char *what)
{
    struct ticket t;
    int rc = ticket_get(&cli->ctx, id, &t, &cli->err);
    if (rc)
        return rc;
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(id));
        json_object_set_new(j, "state", json_string(t.state));
        json_object_set_new(j, "paused", json_boolean(t.paused_at != 0));
        cli_json_out(j);
    } else {
        printf("work order %" PRId64 " %s: %s (%s)\n", id, what, t.state, ticket_state_zh(t.state));
    }
    return 0;
}

int cmd_ticket_move(struct cli *cli, int argc, char **argv)
{
    struct ticket_move_in in = { 0 };
    const struct opt_spec specs[] = {
        { "note", OPT_STR, &in.note, "TEXT", "what was done" },
        { "org", OPT_STR, &in.org_code, "CODE", "dispatched: to this org unit" },
        { "to", OPT_STR, &in.assignee, "USER", "dispatched: to this person" },
        { "subtype", OPT_STR, &in.subtype, "SUB", "classified: the subtype" },
        { "severity", OPT_STR, &in.severity, "SEV", "classified: the severity" },
        { "area", OPT_STR, &in.area, "AREA", "classified: the area" },
        OPT_SPEC_END,
    };
    cli->usage = "ID STATE [--note TEXT] [--org CODE] [--to USER] [--subtype S] [--severity S] [--area A]\n\n"
                 "Move a work order: accepted → classified → dispatched → processing → responded\n"
                 "→ replied → reviewed → archived (reviewed → processing when the callback fails;\n"
                 "classified → replied for consult, suggestion and praise).";
    int rc = cli_options(cli, specs, &argc, argv, 2, 2);
    if (rc)
        return rc;
    int64_t id;
    in.to = argv[1];
    if ((rc = parse_id(cli, argv[0], &id)) || (rc = ticket_move(&cli->ctx, id, &in, &cli->err)))
        return rc;
    return done(cli, id, "moved");
}

int cmd_ticket_assign(struct cli *cli, int argc, char **argv)
{
    const char *org = NULL, *to = NULL, *note = NULL;
    const struct opt_spec specs[] = {
        { "org", OPT_STR, &org, "CODE", "the responsible org unit" },
        { "to", OPT_STR, &to, "USER", "the person" },
        { "note", OPT_STR, &note, "TEXT", "why" },
        OPT_SPEC_END,
    };
    cli->usage = "ID [--org CODE] [--to USER] [--note TEXT]\n\n"
                 "Dispatch (派单) a classified order, or reassign one being handled.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    int64_t id;
    if (rc || (rc = parse_id(cli, argv[0], &id)) ||
        (rc = ticket_assign(&cli->ctx, id, org, to, note, &cli->err)))
        return rc;
    return done(cli, id, "assigned");
}

static int simple(struct cli *cli, int argc, char **argv, const char *usage,
                  int (*fn)(struct ctx *, int64_t, const char *, struct err *), const char *what)
{
    const char *note = NULL;
    const struct opt_spec specs[] = { { "note", OPT_STR, &note, "TEXT", "why" }, OPT_SPEC_END };
    cli->usage = usage;
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    int64_t id;
    if (rc || (rc = parse_id(cli, argv[0], &id)) || (rc = fn(&cli->ctx, id, note, &cli->err)))
        return rc;
    return done(cli, id, what);
}

int cmd_ticket_reopen(struct cli *cli, int argc, char **argv)
{
    return simple(cli, argc, argv, "ID [--note TEXT]\n\nReopen an archived order within its "
                  "type's reopen period: back to processing with a new round of SLA clocks.",
                  ticket_reopen, "reopened");
}

int cmd_ticket_pause(struct cli *cli, int argc, char **argv)
{
    return simple(cli, argc, argv, "ID [--note TEXT]\n\nWaiting for the customer: the SLA "
                  "clocks stop until 'ticket resume' or the next move.", ticket_pause, "paused");
}

int cmd_ticket_resume(struct cli *cli, int argc, char **argv)
{
    return simple(cli, argc, argv, "ID [--note TEXT]\n\nThe customer is back: the SLA clocks "
                  "run again, their deadlines moved by the pause.", ticket_resume, "resumed");
}

int cmd_ticket_merge(struct cli *cli, int argc, char **argv)
{
    const char *into_s = NULL, *note = NULL;
    const struct opt_spec specs[] = {
        { "into", OPT_STR, &into_s, "ID", "the order that stays" },
        { "note", OPT_STR, &note, "TEXT", "why" },
        OPT_SPEC_END,
    };
    cli->usage = "DUP --into ID [--note TEXT]\n\nMerge a duplicate order into another: the "
                 "duplicate ends as merged, its clocks cancelled.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    int64_t dup, into;
    if (rc)
        return rc;
    if (!into_s)
        return error(&cli->err, ERR_USAGE, "--into is required");
    if ((rc = parse_id(cli, argv[0], &dup)) || (rc = parse_id(cli, into_s, &into)) ||
        (rc = ticket_merge(&cli->ctx, dup, into, note, &cli->err)))
        return rc;
    return done(cli, dup, "merged");
}

struct sla_out {
    struct out o; /* first: the rows' callback gets it */
    bool all;     /* also the rows that are ok or paused */
};

static int sla_row(void *arg, const struct ticket_sla_row *r)
{
    struct sla_out *so = arg;
    struct out *o = &so->o;
    char b[INSTANT_BUF_SIZE];
    if (o->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(r->ticket_id));
        json_object_set_new(j, "metric", json_string(r->metric));
        json_object_set_new(j, "state", json_string(sla_state_name(r->state)));
        json_object_set_new(j, "deadline_at", jwhen(o, r->deadline_at));
        json_object_set_new(j, "escalated", json_boolean(r->escalated));
        json_array_append_new(o->items, j);
    } else {
        printf("%-6" PRId64 " %-8s %-8s due %s%s\n", r->ticket_id, r->metric,
               sla_state_name(r->state), r->deadline_at ? when(o, r->deadline_at, b) : "(paused)",
               r->escalated ? "  escalated" : "");
    }
    return 0;
}

int cmd_ticket_sla(struct cli *cli, int argc, char **argv)
{
    const char *at_s = NULL, *date = NULL;
    struct sla_out so = { .all = false };
    struct out *const op = &so.o;
    const struct opt_spec specs[] = {
        { "all", OPT_BOOL, &so.all, NULL, "list every clock (default: warnings and breaches)" },
        { "at", OPT_STR, &at_s, "TIME", "as of this instant (default now)" },
        { "date", OPT_STR, &date, "DATE", "as of the end of this day" },
        OPT_SPEC_END,
    };
    cli->usage = "[--at TIME | --date DATE] [--all]\n\nThe SLA state of every running clock of the "
                 "open orders (ok, warning at the policy's share, breached, paused), listed\n"
                 "for the clocks in warning or breached (--all: every clock), with the totals;\n"
                 "breaches are escalated into the supervisor's queue once.";
    struct ticket_sla_totals tot;
    int64_t at;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc || (rc = out_init(cli, op)))
        return rc;
    if ((rc = parse_at(cli, op, at_s, date, &at)) ||
        (rc = ticket_sla_run(&cli->ctx, at, so.all, sla_row, &so, &tot, &cli->err)))
        goto out;
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "at", jwhen(op, at));
        json_object_set_new(j, "clocks", json_integer(tot.clocks));
        json_object_set_new(j, "ok", json_integer(tot.ok));
        json_object_set_new(j, "warning", json_integer(tot.warning));
        json_object_set_new(j, "breached", json_integer(tot.breached));
        json_object_set_new(j, "paused", json_integer(tot.paused));
        json_object_set_new(j, "escalated", json_integer(tot.escalated));
        json_object_set(j, "rows", op->items);
        cli_json_out(j);
    } else {
        printf("%" PRId64 " clocks: %" PRId64 " ok, %" PRId64 " warning, %" PRId64 " breached, %"
               PRId64 " paused; %" PRId64 " escalated\n", tot.clocks, tot.ok, tot.warning,
               tot.breached, tot.paused, tot.escalated);
    }
out:
    out_release(op);
    return rc;
}

static int esc_row(void *arg, const struct ticket_escalation *e)
{
    struct out *o = arg;
    char d[INSTANT_BUF_SIZE], x[INSTANT_BUF_SIZE];
    if (o->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(e->ticket_id));
        json_object_set_new(j, "type", json_string(e->type));
        json_object_set_new(j, "metric", json_string(e->metric));
        json_object_set_new(j, "org", json_string(e->org_code));
        json_object_set_new(j, "state", json_string(e->state));
        json_object_set_new(j, "deadline_at", jwhen(o, e->deadline_at));
        json_object_set_new(j, "escalated_at", jwhen(o, e->escalated_at));
        json_object_set_new(j, "escalation", json_integer(e->id));
        json_object_set_new(j, "status", json_string(e->status));
        json_object_set_new(j, "acked_at", jwhen(o, e->acked_at));
        json_object_set_new(j, "acked_by", cli_json_str(e->acked_by));
        json_object_set_new(j, "ack_note", cli_json_str(e->ack_note));
        json_object_set_new(j, "resolved_at", jwhen(o, e->resolved_at));
        json_object_set_new(j, "resolved_by", cli_json_str(e->resolved_by));
        json_object_set_new(j, "resolve_note", cli_json_str(e->resolve_note));
        json_array_append_new(o->items, j);
    } else {
        printf("%-6" PRId64 " %-10s %-8s %-10s %-10s due %s  escalated %s  [%" PRId64 " %s]\n",
               e->ticket_id, e->type, e->metric, e->org_code, e->state,
               when(o, e->deadline_at, d), when(o, e->escalated_at, x), e->id, e->status);
    }
    return 0;
}

int cmd_ticket_escalations(struct cli *cli, int argc, char **argv)
{
    bool all = false;
    const struct opt_spec specs[] = {
        { "all", OPT_BOOL, &all, NULL, "also the resolved items" },
        OPT_SPEC_END,
    };
    cli->usage = "[--all]\n\nThe supervisor's queue: every breached SLA clock, escalated once, "
                 "until resolved\n(pmis escalation ack|resolve); [ESCALATION STATUS] ends each line.";
    struct out o;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc || (rc = out_init(cli, &o)))
        return rc;
    if (!(rc = ticket_escalations(&cli->ctx, all, esc_row, &o, &cli->err)) && cli->json)
        cli_json_out(json_incref(o.items));
    out_release(&o);
    return rc;
}

static int compliance_row(void *arg, const struct ticket_compliance_row *r)
{
    struct out *o = arg;
    char rate[48];
    if (r->rate_bp < 0)
        snprintf(rate, sizeof(rate), "-");
    else
        snprintf(rate, sizeof(rate), "%" PRId64 ".%02" PRId64, r->rate_bp / 100, r->rate_bp % 100);
    if (o->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "key", json_string(r->key));
        json_object_set_new(j, "name", json_string(r->name));
        json_object_set_new(j, "clocks", json_integer(r->clocks));
        json_object_set_new(j, "met", json_integer(r->met));
        json_object_set_new(j, "missed", json_integer(r->missed));
        json_object_set_new(j, "pending", json_integer(r->pending));
        json_object_set_new(j, "rate_pct", r->rate_bp < 0 ? json_null() : json_string(rate));
        json_array_append_new(o->items, j);
    } else {
        printf("%-12s %-14s clocks %" PRId64 "  met %" PRId64 "  missed %" PRId64 "  pending %"
               PRId64 "  compliance %s%s\n", r->key, r->name, r->clocks, r->met, r->missed,
               r->pending, rate, r->rate_bp < 0 ? "" : " %");
    }
    return 0;
}

int cmd_ticket_compliance(struct cli *cli, int argc, char **argv)
{
    const char *period = NULL, *by = NULL, *at_s = NULL;
    const struct opt_spec specs[] = {
        { "period", OPT_STR, &period, "YYYY-MM", "clocks started in this month" },
        { "by", OPT_STR, &by, "type|org|metric", "rows by order type (default), org or metric" },
        { "at", OPT_STR, &at_s, "TIME", "as of this instant (default now)" },
        OPT_SPEC_END,
    };
    cli->usage = "--period YYYY-MM [--by type|org|metric] [--at TIME]\n\n"
                 "SLA compliance: clocks met on time / (met + missed); running clocks past their\n"
                 "deadline count as missed, the others as pending.";
    struct out o;
    struct period p;
    enum ticket_by b = TICKET_BY_TYPE;
    int64_t at;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (!period)
        return error(&cli->err, ERR_USAGE, "--period is required");
    if (by && !strcmp(by, "org"))
        b = TICKET_BY_ORG;
    else if (by && !strcmp(by, "metric"))
        b = TICKET_BY_METRIC;
    else if (by && strcmp(by, "type"))
        return error(&cli->err, ERR_USAGE, "--by is type, org or metric, not '%s'", by);
    if ((rc = period_parse(period, &p, &cli->err)) || (rc = out_init(cli, &o)))
        return rc;
    if (!(rc = parse_at(cli, &o, at_s, NULL, &at)) &&
        !(rc = ticket_compliance(&cli->ctx, p, b, at, compliance_row, &o, &cli->err)) && cli->json)
        cli_json_out(json_incref(o.items));
    out_release(&o);
    return rc;
}
