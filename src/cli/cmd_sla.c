/*
 * pmis sla add|list|show, pmis ticket-type add|list|show, pmis escalation ack|resolve: the
 * service centre's SLA policies and work-order types as versioned data (domain/ticket_conf.h),
 * and working off the supervisor's escalation queue (domain/ticket.h). Changes are audited by
 * the domain.
 */
#include "core/common.h"
#include "api/api.h"
#include "cli/cli.h"
#include "cli/cli_out.h"
#include "domain/ticket.h"
#include "domain/ticket_conf.h"

/* ---- SLA policies ---- */

static json_t *policy_json(struct out *o, const struct sla_policy *p)
{
    return api_sla_policy_json(p, cli_time_local, &o->tz);
}

static int policy_row(void *arg, const struct sla_policy *p)
{
    struct out *o = arg;
    if (o->cli->json) {
        json_array_append_new(o->items, policy_json(o, p));
        return 0;
    }
    printf("%-4" PRId64 " v%-2" PRId64 " %-8s %-10s %-10s %-9s %-6s %-12s %5" PRId64
           " %-11s -> %-10s warn %3" PRId64 "%%%s  %s\n",
           p->id, p->version, p->metric, p->type, p->subtype ? p->subtype : "*",
           p->severity ? p->severity : "*", p->area ? p->area : "*", p->clock, p->amount,
           p->start_state, p->stop_state, p->warn_pct, p->active ? "" : "  (retired)", p->source);
    return 0;
}

int cmd_sla_add(struct cli *cli, int argc, char **argv)
{
    struct sla_policy p = { 0 };
    const struct opt_spec specs[] = {
        { "metric", OPT_STR, &p.metric, "M", "response|arrival|restore|contact|reply|complete" },
        { "type", OPT_STR, &p.type, "TYPE", "the work-order type" },
        { "subtype", OPT_STR, &p.subtype, "SUB", "only this subtype (default any)" },
        { "severity", OPT_STR, &p.severity, "SEV", "only this severity (default any)" },
        { "area", OPT_STR, &p.area, "AREA", "only this area (default any)" },
        { "clock", OPT_STR, &p.clock, "KIND", "natural|work_minutes|work_days" },
        { "amount", OPT_INT, &p.amount, "N", "minutes, or working days for work_days" },
        { "hours", OPT_STR, &p.hours, "HH:MM-HH:MM", "work_minutes: the daily window" },
        { "start", OPT_STR, &p.start_state, "STATE", "the clock starts in this state" },
        { "stop", OPT_STR, &p.stop_state, "STATE", "and stops when this one is reached" },
        { "warn", OPT_INT, &p.warn_pct, "PCT", "warn at this share of the time (default 80)" },
        { "source", OPT_STR, &p.source, "TEXT", "the rule it implements (document, article)" },
        OPT_SPEC_END,
    };
    cli->usage = "--metric M --type TYPE [--subtype S] [--severity S] [--area A] --clock KIND\n"
                 "       --amount N [--hours HH:MM-HH:MM] --start STATE --stop STATE [--warn PCT]\n"
                 "       --source TEXT\n\n"
                 "Add an SLA policy, or a new version of the one with the same metric, type,\n"
                 "subtype, severity and area (the old version retires; running clocks keep the\n"
                 "deadlines they have).";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (!p.amount)
        return error(&cli->err, ERR_USAGE, "--%s is required", "amount");
    int64_t id;
    struct sla_policy n;
    struct out o;
    if ((rc = sla_policy_add(&cli->ctx, &p, &id, &cli->err)) ||
        (rc = sla_policy_get(&cli->ctx, id, &n, &cli->err)) || (rc = out_init(cli, &o)))
        return rc;
    if (cli->json)
        cli_json_out(policy_json(&o, &n));
    else
        printf("SLA policy %" PRId64 " added (version %" PRId64 "%s)\n", id, n.version,
               n.replaces ? ", the previous version retired" : "");
    out_release(&o);
    return 0;
}

int cmd_sla_list(struct cli *cli, int argc, char **argv)
{
    bool all = false;
    const struct opt_spec specs[] = {
        { "all", OPT_BOOL, &all, NULL, "also the retired versions" },
        OPT_SPEC_END,
    };
    cli->usage = "[--all]\n\nThe SLA policies in force (the most specific one per metric wins).";
    struct out o;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc || (rc = out_init(cli, &o)))
        return rc;
    if (!(rc = sla_policy_list(&cli->ctx, all, policy_row, &o, &cli->err)) && cli->json)
        cli_json_out(json_incref(o.items));
    out_release(&o);
    return rc;
}

int cmd_sla_show(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "ID\n\nOne SLA policy version.";
    struct sla_policy p;
    struct out o;
    char b[INSTANT_BUF_SIZE];
    int64_t id;
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc || (rc = cli_parse_number(cli, argv[0], "an SLA policy number", &id)) ||
        (rc = sla_policy_get(&cli->ctx, id, &p, &cli->err)) || (rc = out_init(cli, &o)))
        return rc;
    if (cli->json) {
        cli_json_out(policy_json(&o, &p));
    } else {
        policy_row(&o, &p);
        printf("version %" PRId64 "%s, added %s by %s", p.version, p.active ? "" : " (retired)",
               when(&o, p.created_at, b), p.created_by);
        if (p.replaces)
            printf(", replaces %" PRId64, p.replaces);
        printf("\n");
    }
    out_release(&o);
    return 0;
}

/* ---- work-order types ---- */

/* "complaint/service" or "complaint" */
static void split_type(struct cli *cli, const char *s, const char **type, const char **sub)
{
    const char *slash = strchr(s, '/');
    *type = slash ? arena_strndup(cli->ctx.arena, s, (size_t)(slash - s)) : s;
    *sub = slash ? slash + 1 : "";
}

static json_t *type_json(struct out *o, const struct ticket_type_def *t)
{
    return api_ticket_type_json(t, cli_time_local, &o->tz);
}

static int type_row(void *arg, const struct ticket_type_def *t)
{
    struct out *o = arg;
    char b[INSTANT_BUF_SIZE];
    if (o->cli->json) {
        json_array_append_new(o->items, type_json(o, t));
        return 0;
    }
    printf("%-10s %-11s v%-2" PRId64 " %-14s %-28s direct %-3s reopen %3" PRId64
           "d  repeat %3" PRId64 "d",
           t->type, *t->subtype ? t->subtype : "-", t->version, t->name_zh, t->name_en,
           t->direct ? "yes" : "no", t->reopen_days, t->repeat_days);
    if (t->changed_by)
        printf("  %s by %s", when(o, t->changed_at, b), t->changed_by);
    printf("\n");
    return 0;
}

int cmd_ticket_type_add(struct cli *cli, int argc, char **argv)
{
    struct ticket_type_def t = { .direct = -1, .reopen_days = -1, .repeat_days = -1 };
    const char *direct = NULL;
    const struct opt_spec specs[] = {
        { "name-zh", OPT_STR, &t.name_zh, "NAME", "the Chinese name (required for a new type)" },
        { "name-en", OPT_STR, &t.name_en, "NAME", "the English name (required for a new type)" },
        { "direct", OPT_STR, &direct, "yes|no", "answered by the agent without dispatch" },
        { "reopen-days", OPT_INT, &t.reopen_days, "N", "reopen within N days of archiving" },
        { "repeat-days", OPT_INT, &t.repeat_days, "N", "flag repeats within N days (0 = no)" },
        OPT_SPEC_END,
    };
    cli->usage = "TYPE[/SUBTYPE] [--name-zh NAME] [--name-en NAME] [--direct yes|no]\n"
                 "       [--reopen-days N] [--repeat-days N]\n\n"
                 "Add a work-order type or subtype, or change one: each change is a new version.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    if (direct && strcmp(direct, "yes") && strcmp(direct, "no"))
        return error(&cli->err, ERR_USAGE, "--direct is yes or no, not '%s'", direct);
    if (direct)
        t.direct = !strcmp(direct, "yes");
    if (t.reopen_days < -1 || t.repeat_days < -1)
        return error(&cli->err, ERR_USAGE, "--reopen-days and --repeat-days are 0 or more");
    split_type(cli, argv[0], &t.type, &t.subtype);
    int64_t version;
    if ((rc = ticket_type_set(&cli->ctx, &t, &version, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "type", json_string(t.type));
        json_object_set_new(j, "subtype", json_string(t.subtype));
        json_object_set_new(j, "version", json_integer(version));
        cli_json_out(j);
    } else {
        printf("work order type %s%s%s: version %" PRId64 "\n", t.type, *t.subtype ? "/" : "",
               t.subtype, version);
    }
    return 0;
}

int cmd_ticket_type_list(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "\n\nThe work-order types and subtypes (95598 taxonomy) in force.";
    struct out o;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc || (rc = out_init(cli, &o)))
        return rc;
    if (!(rc = ticket_type_list(&cli->ctx, type_row, &o, &cli->err)) && cli->json)
        cli_json_out(json_incref(o.items));
    out_release(&o);
    return rc;
}

int cmd_ticket_type_show(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "TYPE[/SUBTYPE]\n\nEvery version of a work-order type, oldest first.";
    const char *type, *sub;
    struct out o;
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc || (rc = out_init(cli, &o)))
        return rc;
    split_type(cli, argv[0], &type, &sub);
    if (!(rc = ticket_type_versions(&cli->ctx, type, sub, type_row, &o, &cli->err)) && cli->json)
        cli_json_out(json_incref(o.items));
    out_release(&o);
    return rc;
}

/* ---- the escalation queue ---- */

static int escalation_close(struct cli *cli, int argc, char **argv, bool resolve)
{
    const char *note = NULL;
    const struct opt_spec specs[] = {
        { "note", OPT_STR, &note, "TEXT", "what was done (required)" },
        OPT_SPEC_END,
    };
    cli->usage = resolve ? "ID --note TEXT\n\nResolve (督办办结) an item of the supervisor's queue."
                         : "ID --note TEXT\n\nAcknowledge (督办已接收) an item of the "
                           "supervisor's queue.";
    struct ticket_escalation e;
    int64_t id;
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc || (rc = cli_parse_number(cli, argv[0], "an escalation number", &id)))
        return rc;
    if (!note)
        return error(&cli->err, ERR_USAGE, "--%s is required", "note");
    if ((rc = ticket_escalation_close(&cli->ctx, id, resolve, note, &cli->err)) ||
        (rc = ticket_escalation_get(&cli->ctx, id, &e, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(e.id));
        json_object_set_new(j, "ticket", e.ticket_id ? json_integer(e.ticket_id) : json_null());
        json_object_set_new(j, "application",
                            e.application_id ? json_integer(e.application_id) : json_null());
        json_object_set_new(j, "status", json_string(e.status));
        cli_json_out(j);
    } else {
        printf("escalation %" PRId64 " (%s %" PRId64 ", %s): %s\n", e.id,
               e.application_id ? "application" : "work order",
               e.application_id ? e.application_id : e.ticket_id, e.metric, e.status);
    }
    return 0;
}

int cmd_escalation_ack(struct cli *cli, int argc, char **argv)
{
    return escalation_close(cli, argc, argv, false);
}

int cmd_escalation_resolve(struct cli *cli, int argc, char **argv)
{
    return escalation_close(cli, argc, argv, true);
}
