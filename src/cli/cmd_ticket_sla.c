/*
 * pmis ticket sla|escalations|compliance: the SLA run over the open work orders' clocks
 * (warnings, breaches, escalation once), the supervisor's queue (督办) of work orders and service
 * applications, and SLA compliance by type, org or metric (domain/ticket.h, ticket_sla.c and
 * ticket_queue.c). Times are printed in the business zone with their offset; the queue's
 * --json is the API's shape (api_escalation_json).
 */
#include "core/common.h"
#include "api/api.h"
#include "cli/cli.h"
#include "cli/cli_out.h"
#include "domain/sla.h"
#include "domain/ticket.h"

static int sla_row(void *arg, const struct ticket_sla_row *r)
{
    struct out *o = arg;
    char b[INSTANT_BUF_SIZE];
    if (o->cli->json) {
        json_array_append_new(o->items, api_ticket_sla_row_json(r, cli_time_local, &o->tz));
        return 0;
    }
    printf("%-6" PRId64 " %-8s %-8s due %s  [clock %" PRId64 "]%s%s%s\n", r->ticket_id, r->metric,
           sla_state_name(r->state), r->deadline_at ? when(o, r->deadline_at, b) : "(paused)",
           r->clock_id, r->newly_warned ? "  new warning" : "",
           r->newly_breached ? "  new breach" : "", r->escalated ? "  escalated" : "");
    return 0;
}

/* --after and --limit of an SLA run's listing into p (as the API's body: the domain checks). */
int cli_sla_page(struct cli *cli, int64_t after, int64_t limit, struct sla_page *p)
{
    *p = (struct sla_page)SLA_PAGE_INIT;
    p->after = after;
    p->limit = limit;
    if (sla_page_check(p, &cli->err)) {
        char msg[sizeof(cli->err.msg)], field[sizeof(cli->err.field)];
        snprintf(msg, sizeof(msg), "%s", cli->err.msg);
        snprintf(field, sizeof(field), "%s", cli->err.field);
        return error(&cli->err, ERR_USAGE, "option '--%s': %s", field, msg);
    }
    return 0;
}

int cmd_ticket_sla(struct cli *cli, int argc, char **argv)
{
    const char *at_s = NULL, *date = NULL;
    bool all = false;
    int64_t after = 0, limit = SLA_PAGE_DEFAULT;
    const struct opt_spec specs[] = {
        { "all", OPT_BOOL, &all, NULL, "list every clock (default: warnings and breaches)" },
        { "at", OPT_STR, &at_s, "TIME", "as of this instant (default now)" },
        { "date", OPT_STR, &date, "DATE", "as of the end of this day" },
        { "after", OPT_INT, &after, "CLOCK-ID", "list the clocks after this one (the last 'next')" },
        { "limit", OPT_INT, &limit, "N", "list at most N clocks (1..1000, default 100)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--at TIME | --date DATE] [--all] [--after CLOCK-ID] [--limit N]\n\n"
                 "The SLA state of every running clock of the open orders (ok, warning at the\n"
                 "policy's share, breached, paused), listed for the clocks in warning or breached\n"
                 "(--all: every clock) a page at a time by clock id, with the totals of the whole\n"
                 "run and 'next' (the --after of the following page); first warnings and breaches\n"
                 "are recorded and breaches escalated into the supervisor's queue once.";
    struct ticket_sla_totals tot;
    struct sla_page page;
    struct out o;
    int64_t at;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc || (rc = cli_sla_page(cli, after, limit, &page)) || (rc = out_init(cli, &o)))
        return rc;
    if ((rc = out_parse_at(cli, &o, at_s, date, &at)) ||
        (rc = ticket_sla_run(&cli->ctx, at, all, &page, sla_row, &o, &tot, &cli->err)))
        goto out;
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "at", jwhen(&o, at));
        json_object_set_new(j, "clocks", json_integer(tot.clocks));
        json_object_set_new(j, "ok", json_integer(tot.ok));
        json_object_set_new(j, "warning", json_integer(tot.warning));
        json_object_set_new(j, "breached", json_integer(tot.breached));
        json_object_set_new(j, "paused", json_integer(tot.paused));
        json_object_set_new(j, "marked", json_integer(tot.marked));
        json_object_set_new(j, "escalated", json_integer(tot.escalated));
        json_object_set(j, "rows", o.items);
        json_object_set_new(j, "next", api_sla_page_next(&page));
        cli_json_out(j);
    } else {
        printf("%" PRId64 " clocks: %" PRId64 " ok, %" PRId64 " warning, %" PRId64 " breached, %"
               PRId64 " paused; recorded %" PRId64 ", %" PRId64 " escalated\n", tot.clocks,
               tot.ok, tot.warning, tot.breached, tot.paused, tot.marked, tot.escalated);
        if (page.next)
            printf("next: --after %" PRId64 "\n", page.next);
    }
out:
    out_release(&o);
    return rc;
}

static int esc_row(void *arg, const struct ticket_escalation *e)
{
    struct out *o = arg;
    char d[INSTANT_BUF_SIZE], x[INSTANT_BUF_SIZE];
    if (o->cli->json) {
        json_array_append_new(o->items, api_escalation_json(e, cli_time_local, &o->tz));
    } else {
        char who[32];
        if (e->application_id)
            snprintf(who, sizeof(who), "A%" PRId64, e->application_id);
        else
            snprintf(who, sizeof(who), "%" PRId64, e->ticket_id);
        printf("%-6s %-10s %-8s %-10s %-10s due %s  escalated %s  [%" PRId64 " %s]\n", who,
               e->type, e->metric, e->org_code, e->state,
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
        if (r->month)
            json_object_set_new(j, "month", json_string(r->month));
        json_object_set_new(j, "key", json_string(r->key));
        json_object_set_new(j, "name", json_string(r->name));
        json_object_set_new(j, "clocks", json_integer(r->clocks));
        json_object_set_new(j, "met", json_integer(r->met));
        json_object_set_new(j, "missed", json_integer(r->missed));
        json_object_set_new(j, "pending", json_integer(r->pending));
        json_object_set_new(j, "rate_pct", r->rate_bp < 0 ? json_null() : json_string(rate));
        json_array_append_new(o->items, j);
    } else {
        if (r->month)
            printf("%-8s ", r->month);
        printf("%-12s %-14s clocks %" PRId64 "  met %" PRId64 "  missed %" PRId64 "  pending %"
               PRId64 "  compliance %s%s\n", r->key, r->name, r->clocks, r->met, r->missed,
               r->pending, rate, r->rate_bp < 0 ? "" : " %");
    }
    return 0;
}

int cmd_ticket_compliance(struct cli *cli, int argc, char **argv)
{
    const char *period = NULL, *from = NULL, *to = NULL, *by = NULL, *at_s = NULL;
    const struct opt_spec specs[] = {
        { "period", OPT_STR, &period, "YYYY-MM", "clocks started in this month" },
        { "from", OPT_STR, &from, "YYYY-MM", "clocks started from this month ..." },
        { "to", OPT_STR, &to, "YYYY-MM", "... to this month (included)" },
        { "by", OPT_STR, &by, "type|org|metric|month|month,org|...",
          "rows by order type (default), org, metric or month, or month x type, org or metric" },
        { "at", OPT_STR, &at_s, "TIME", "as of this instant (default now)" },
        OPT_SPEC_END,
    };
    cli->usage = "(--period YYYY-MM | --from YYYY-MM --to YYYY-MM)\n"
                 "       [--by type|org|metric|month|month,type|month,org|month,metric] [--at TIME]\n\n"
                 "SLA compliance of the clocks started in the month or months: clocks met on time /\n"
                 "(met + missed); running clocks past their deadline count as missed, the others\n"
                 "as pending. --by month: a row per month of the range, empty months too;\n"
                 "--by month,org (month,type, month,metric): for each month, a row per org with a\n"
                 "clock anywhere in the range (zeros in its empty months), then the total.";
    struct out o;
    struct period p[2];
    enum ticket_by b = TICKET_BY_TYPE;
    int64_t at;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc || (rc = cli_periods(cli, period, from, to, p)))
        return rc;
    if (by && ticket_by_parse(by, &b, &cli->err)) {
        error_prefix(&cli->err, "--by: ");
        return cli->err.code = ERR_USAGE;
    }
    if ((rc = out_init(cli, &o)))
        return rc;
    if (!(rc = out_parse_at(cli, &o, at_s, NULL, &at)) &&
        !(rc = ticket_compliance(&cli->ctx, p[0], p[1], b, at, compliance_row, &o, &cli->err)) &&
        cli->json)
        cli_json_out(json_incref(o.items));
    out_release(&o);
    return rc;
}
