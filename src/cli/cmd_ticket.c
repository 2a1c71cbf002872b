/*
 * pmis ticket add|show|list|move|assign|reopen|merge|pause|resume: the 95598 service centre's
 * work orders (工单) and their SLA clocks (domain/ticket.h); the SLA run, the supervisor's queue
 * and compliance are cmd_ticket_sla.c's. Times are printed in the business zone with their
 * offset; --json prints the API's shape (api_ticket_json, api_ticket_detail_json).
 */
#include "core/common.h"
#include "api/api.h"
#include "cli/cli.h"
#include "cli/cli_out.h"
#include "domain/outage.h"
#include "domain/ticket.h"

static int parse_id(struct cli *cli, const char *s, int64_t *id)
{
    return cli_parse_number(cli, s, "a work order number", id);
}

/* The call is answered with the outages affecting the caller (issue 6 §4): "affected_by" in
 * JSON (the API's shape, every outage), else a line per outage -- except the one the order is
 * grouped under, whose "outage N" line cli_ticket_extra has already printed. */
static int answer_outages(struct cli *cli, int64_t id, json_t *j)
{
    struct ticket t;
    struct tz tz;
    struct outage grouped;
    bool linked = false;
    json_t *aff = NULL;
    int rc = tz_load(cli->ctx.zone_name, &tz, &cli->err);
    if (rc)
        return rc;
    if ((rc = ticket_get(&cli->ctx, id, &t, &cli->err)) ||
        (!j && (rc = outage_of_ticket(&cli->ctx, id, &grouped, &linked, &cli->err))) ||
        (rc = api_ticket_affected_by(&cli->ctx, &t, cli_time_local, &tz, &aff, &cli->err)))
        goto out;
    for (size_t i = 0; !j && i < json_array_size(aff); i++) {
        json_t *o = json_array_get(aff, i);
        if (linked && json_integer_value(json_object_get(o, "id")) == grouped.id)
            continue;
        printf("affected by outage %" JSON_INTEGER_FORMAT " (%s, %s): %s .. %s, %s\n",
               json_integer_value(json_object_get(o, "id")),
               json_string_value(json_object_get(o, "kind_name")),
               json_string_value(json_object_get(o, "state")),
               json_string_value(json_object_get(o, "from")),
               json_is_string(json_object_get(o, "to"))
                   ? json_string_value(json_object_get(o, "to"))
                   : "restoration time unknown",
               json_string_value(json_object_get(o, "reason")));
    }
    if (j)
        json_object_set(j, "affected_by", aff);
out:
    json_decref(aff);
    tz_release(&tz);
    return rc;
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
        if ((rc = cli_ticket_extra(cli, id, j)) || (rc = answer_outages(cli, id, j))) {
            json_decref(j);
            return rc;
        }
        cli_json_out(j);
        return 0;
    }
    printf("work order %" PRId64 " accepted (接单)\n", id);
    if ((rc = cli_ticket_extra(cli, id, NULL)))
        return rc;
    return answer_outages(cli, id, NULL);
}

static int list_row(void *arg, const struct ticket *t)
{
    struct out *o = arg;
    char b[INSTANT_BUF_SIZE];
    if (o->cli->json)
        json_array_append_new(o->items, api_ticket_json(t, cli_time_local, &o->tz));
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
        { "customer", OPT_STR, &f.cust_no, "CUST_NO", "only orders of this customer" },
        { "sla", OPT_STR, &f.sla, "STATE", "worst running clock now: ok|warning|breached|paused|none" },
        { "after", OPT_INT, &f.after_id, "ID", "the page after this order" },
        { "limit", OPT_INT, &f.limit, "N", "page size (default 100)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--state STATE] [--type TYPE] [--open] [--escalated] [--org CODE] [--assignee USER]\n"
                 "       [--customer CUST_NO] [--sla STATE] [--after ID] [--limit N]";
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
    printf("  %s  %-8s %-7s %s -> %s%s%s\n", when(o, e->at, b), e->actor, e->action,
           e->from ? e->from : "-", e->to, e->note ? "  " : "", e->note ? e->note : "");
    return 0;
}

static int clock_row(void *arg, const struct ticket_clock *k)
{
    struct out *o = arg;
    char s[INSTANT_BUF_SIZE], d[INSTANT_BUF_SIZE], x[INSTANT_BUF_SIZE];
    const char *state = strcmp(k->status, "cancelled") ? sla_state_name(k->state) : "cancelled";
    printf("  %-8s round %" PRId64 "  %s %" PRId64 "  from %s  due %s  %s%s%s\n", k->metric,
           k->round, k->clock, k->amount, when(o, k->started_at, s),
           k->deadline_at ? when(o, k->deadline_at, d) : "(paused)", state,
           k->stopped_at ? " at " : "", k->stopped_at ? when(o, k->stopped_at, x) : "");
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
        json_t *j;
        if (!(rc = api_ticket_detail_json(&cli->ctx, &t, cli_time_local, &o.tz, &j, &cli->err)))
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
    if ((rc = ticket_events(&cli->ctx, &t, event_row, &o, &cli->err)))
        goto out;
    printf("SLA clocks:\n");
    rc = ticket_clocks(&cli->ctx, &t, now, clock_row, &o, &cli->err);
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
        return error(&cli->err, ERR_USAGE, "--%s is required", "into");
    if ((rc = parse_id(cli, argv[0], &dup)) || (rc = parse_id(cli, into_s, &into)) ||
        (rc = ticket_merge(&cli->ctx, dup, into, note, &cli->err)))
        return rc;
    return done(cli, dup, "merged");
}
