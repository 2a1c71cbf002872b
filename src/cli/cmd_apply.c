/*
 * pmis apply new|list|show|advance|complete|cancel|pause|resume|sla: service applications (业扩报装
 * and changes, domain/apply.h) with their stages and working-day clocks. Times are printed in
 * the business zone with their offset; deadlines are the end of the last allowed working day.
 */
#include "core/common.h"
#include "core/money.h"
#include "api/api.h"
#include "cli/cli.h"
#include "cli/cli_out.h"
#include "domain/apply.h"
#include "domain/sla.h"

static int parse_id(struct cli *cli, const char *s, int64_t *id)
{
    return cli_parse_number(cli, s, "an application number", id);
}

/* "ok", ... for an open clock; "met"/"missed" once stopped; "cancelled" for a cancelled one */
static const char *sla_text(const struct application *a)
{
    return strcmp(a->state, "cancelled") ? sla_state_name(a->sla) : "cancelled";
}

int cmd_apply_new(struct cli *cli, int argc, char **argv)
{
    struct apply_in in = { 0 };
    const struct opt_spec specs[] = {
        { "kind", OPT_STR, &in.kind, "KIND",
          "new_lv_res|new_lv_biz|new_hv_single|new_hv_dual|"
          "cap_increase|cap_decrease|suspend|tariff_change|name_transfer|closure|meter_test" },
        { "org", OPT_STR, &in.org_code, "CODE", "new connection: the responsible org unit" },
        { "cust", OPT_STR, &in.cust_no, "CUST-NO",
          "suspend, name_transfer, closure: the customer" },
        { "account", OPT_STR, &in.account_no, "ACCT",
          "cap_*, tariff_change, meter_test: the account" },
        { "name", OPT_STR, &in.name, "NAME",
          "new connection: the applicant; name_transfer: the new name" },
        { "type", OPT_STR, &in.user_type, "TYPE",
          "new connection: user type (resident, general_ci, ...)" },
        { "voltage", OPT_STR, &in.voltage, "V",
          "new connection: supply voltage (220V, 10kV, ...)" },
        { "address", OPT_STR, &in.address, "TEXT", "new connection: the address of use" },
        { "capacity", OPT_STR, &in.capacity_kva, "KVA",
          "new connection, cap_*: capacity applied for" },
        { "tariff", OPT_STR, &in.tariff_code, "CODE", "new connection, tariff_change: the tariff" },
        { "note", OPT_STR, &in.note, "TEXT", "what was received" },
        OPT_SPEC_END,
    };
    cli->usage =
        "--kind KIND [--org CODE --name N --type T --voltage V --address A --capacity KVA\n"
        "       --tariff CODE | --cust CUST-NO [--name N] | --account ACCT [--capacity KVA |\n"
        "       --tariff CODE]] [--note TEXT]\n\n"
        "Accept (受理) a service application: a new connection (新装), a capacity change\n"
        "(增容/减容), a suspension (暂停), a tariff change (改类), a name transfer (过户), a\n"
        "closure (销户) or a meter test (校验). Its stages and working-day limits come from\n"
        "the kind (tables apply_kind_stage and apply_limit_version, see apply limits).";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    int64_t id;
    struct application a;
    char b[INSTANT_BUF_SIZE];
    struct out o;
    if (rc || (rc = apply_add(&cli->ctx, &in, &id, &cli->err)) || (rc = out_init(cli, &o)))
        return rc;
    if (!(rc = apply_get(&cli->ctx, id, ctx_now(&cli->ctx), &a, &cli->err))) {
        if (cli->json)
            cli_json_out(json_pack("{s:I,s:s,s:s,s:o}", "id", (json_int_t)id, "state", a.state,
                                   "stage", a.stage, "deadline_at", jwhen(&o, a.deadline_at)));
        else
            printf("application %" PRId64 " accepted (受理): %s, due %s (%" PRId64
                   " working days)\n",
                   id, a.kind_name, when(&o, a.deadline_at, b), a.total_days);
    }
    out_release(&o);
    return rc;
}

static int list_row(void *arg, const struct application *a)
{
    struct out *o = arg;
    char b[INSTANT_BUF_SIZE], d[INSTANT_BUF_SIZE];
    if (o->cli->json) {
        json_array_append_new(o->items, api_application_json(a, cli_time_local, &o->tz));
        return 0;
    }
    bool open = !strcmp(a->state, "open");
    printf("%-5" PRId64 " %-13s %-9s %-8s %-6s %-10s %s  due %s %s", a->id, a->kind, a->state,
           a->stage, a->org_code, a->cust_no ? a->cust_no : "-", when(o, a->accepted_at, b),
           a->deadline_at ? when(o, a->deadline_at, d) : "(paused)", sla_text(a));
    if (open)
        printf("; stage %s", a->stage_deadline_at ? sla_state_name(a->stage_sla) : "paused");
    printf("\n");
    return 0;
}

int cmd_apply_list(struct cli *cli, int argc, char **argv)
{
    struct apply_filter f = { 0 };
    const struct opt_spec specs[] = {
        { "state", OPT_STR, &f.state, "STATE", "open|completed|cancelled" },
        { "kind", OPT_STR, &f.kind, "KIND", "only this kind" },
        { "stage", OPT_STR, &f.stage, "STAGE", "only applications at this stage" },
        { "org", OPT_STR, &f.org_code, "CODE", "only this org unit's subtree" },
        { "cust", OPT_STR, &f.cust_no, "CUST-NO", "only this customer's" },
        { "after", OPT_INT, &f.after_id, "ID", "the page after this application" },
        { "limit", OPT_INT, &f.limit, "N", "page size (default 100)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--state S] [--kind K] [--stage S] [--org CODE] [--cust CUST-NO] [--after ID]"
                 " [--limit N]\n\nApplications with the state of their end-to-end and current-stage"
                 " clocks now.";
    struct out o;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (f.limit < 0 || f.limit > 10000)
        return error(&cli->err, ERR_USAGE, "--limit must be 1..10000");
    if ((rc = out_init(cli, &o)) == 0 &&
        (rc = apply_list(&cli->ctx, &f, ctx_now(&cli->ctx), list_row, &o, &cli->err)) == 0 &&
        cli->json)
        cli_json_out(json_incref(o.items));
    out_release(&o);
    return rc;
}

static int sla_row(void *arg, const struct application *a, bool esc_total, bool esc_stage)
{
    struct out *o = arg;
    char d[INSTANT_BUF_SIZE], x[INSTANT_BUF_SIZE];
    if (o->cli->json) {
        json_t *j = api_application_json(a, cli_time_local, &o->tz);
        json_object_set_new(j, "escalated_total", json_boolean(esc_total));
        json_object_set_new(j, "escalated_stage", json_boolean(esc_stage));
        json_array_append_new(o->items, j);
        return 0;
    }
    printf("%-5" PRId64 " %-13s %-8s %-6s due %s %s%s; stage due %s %s%s\n", a->id, a->kind,
           a->stage, a->org_code, a->deadline_at ? when(o, a->deadline_at, d) : "(paused)",
           sla_state_name(a->sla), esc_total ? " escalated" : "",
           a->stage_deadline_at ? when(o, a->stage_deadline_at, x) : "(paused)",
           sla_state_name(a->stage_sla), esc_stage ? " escalated" : "");
    return 0;
}

int cmd_apply_sla(struct cli *cli, int argc, char **argv)
{
    const char *at_s = NULL, *date = NULL;
    bool all = false;
    int64_t after = 0, limit = SLA_PAGE_DEFAULT;
    const struct opt_spec specs[] = {
        { "all", OPT_BOOL, &all, NULL, "list every open application (default: warnings, breaches)" },
        { "at", OPT_STR, &at_s, "TIME", "as of this instant (default now)" },
        { "date", OPT_STR, &date, "DATE", "as of the end of this day" },
        { "after", OPT_INT, &after, "ID", "list the applications after this one (the last 'next')" },
        { "limit", OPT_INT, &limit, "N", "list at most N applications (1..1000, default 100)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--at TIME | --date DATE] [--all] [--after ID] [--limit N]\n\nThe SLA run of the "
                 "open applications: the end-to-end and current-stage clocks in\nwarning (the kind's "
                 "share of its working days used) or breached record it once,\nand a breach is "
                 "escalated into the supervisor's queue (pmis ticket escalations) once.\nThe "
                 "applications are listed a page at a time by id, with 'next' (the --after of the\n"
                 "following page); every page is a whole run.";
    struct apply_sla_totals tot;
    struct sla_page page;
    struct out o;
    int64_t at;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc || (rc = cli_sla_page(cli, after, limit, &page)) || (rc = out_init(cli, &o)))
        return rc;
    if ((rc = out_parse_at(cli, &o, at_s, date, &at)) ||
        (rc = apply_sla_run(&cli->ctx, at, all, &page, sla_row, &o, &tot, &cli->err)))
        goto out;
    if (cli->json) {
        json_t *j = json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "at", jwhen(&o, at),
                              "clocks", (json_int_t)tot.clocks, "ok", (json_int_t)tot.ok,
                              "warning", (json_int_t)tot.warning, "breached",
                              (json_int_t)tot.breached, "paused", (json_int_t)tot.paused,
                              "warned", (json_int_t)tot.warned, "newly_breached",
                              (json_int_t)tot.newly_breached, "escalated",
                              (json_int_t)tot.escalated);
        json_object_set(j, "rows", o.items);
        json_object_set_new(j, "next", api_sla_page_next(&page));
        cli_json_out(j);
    } else {
        printf("%" PRId64 " clocks: %" PRId64 " ok, %" PRId64 " warning, %" PRId64
               " breached, %" PRId64 " paused; recorded %" PRId64 " warnings, %" PRId64
               " breaches; %" PRId64 " escalated\n",
               tot.clocks, tot.ok, tot.warning, tot.breached, tot.paused, tot.warned,
               tot.newly_breached, tot.escalated);
        if (page.next)
            printf("next: --after %" PRId64 "\n", page.next);
    }
out:
    out_release(&o);
    return rc;
}

static int stage_row(void *arg, const struct apply_stage_row *s)
{
    struct out *o = arg;
    char b[INSTANT_BUF_SIZE], d[INSTANT_BUF_SIZE], x[INSTANT_BUF_SIZE];
    const char *state = !s->entered ? "pending" : sla_state_name(s->sla);
    if (o->cli->json) {
        json_array_append_new(o->items, api_apply_stage_json(s, cli_time_local, &o->tz));
    } else if (!s->entered) {
        printf("  %-8s %2" PRId64 " WD  pending  %s\n", s->stage, s->days, s->name);
    } else {
        printf("  %-8s %2" PRId64 " WD  from %s  due %s  %s%s%s  %s\n", s->stage, s->days,
               when(o, s->started_at, b), s->deadline_at ? when(o, s->deadline_at, d) : "(paused)",
               state, s->finished_at ? " at " : "",
               s->finished_at ? when(o, s->finished_at, x) : "", s->name);
    }
    return 0;
}

static int event_row(void *arg, const struct apply_event *e)
{
    struct out *o = arg;
    char b[INSTANT_BUF_SIZE];
    if (o->cli->json) {
        json_array_append_new(o->items, api_apply_event_json(e, cli_time_local, &o->tz));
    } else {
        printf("  %s  %-8s %-8s %s -> %s%s%s\n", when(o, e->at, b), e->actor, e->action,
               e->from ? e->from : "-", e->to, e->note ? "  " : "", e->note ? e->note : "");
    }
    return 0;
}

static void show_text(struct out *o, const struct application *a)
{
    char b[INSTANT_BUF_SIZE], d[INSTANT_BUF_SIZE], k[MONEY_BUF_SIZE];
    printf("application %" PRId64 ": %s (%s), org %s\n", a->id, a->kind_name, a->kind, a->org_code);
    printf("state %s, stage %s (%s)%s\n", a->state, a->stage, a->stage_name,
           a->paused_at ? ", waiting for the customer" : "");
    if (a->cust_no)
        printf("customer %s %s%s%s\n", a->cust_no, a->customer ? a->customer : "",
               a->account_no ? ", account " : "", a->account_no ? a->account_no : "");
    if (a->name || a->capacity_va)
        printf("applied for:%s%s%s%s%s%s%s%s%s\n", a->name ? " name " : "", a->name ? a->name : "",
               a->user_type ? " " : "", a->user_type ? a->user_type : "", a->voltage ? " " : "",
               a->voltage ? a->voltage : "", a->capacity_va ? " capacity " : "",
               a->capacity_va ? decimal_format(a->capacity_va, 3, 0, 0, k) : "",
               a->capacity_va ? " kVA" : "");
    if (a->tariff_code)
        printf("tariff %s\n", a->tariff_code);
    if (a->address)
        printf("address %s\n", a->address);
    printf("accepted %s by %s; end to end %" PRId64 " working days, due %s: %s\n",
           when(o, a->accepted_at, b), a->created_by, a->total_days,
           a->deadline_at ? when(o, a->deadline_at, d) : "(paused)", sla_text(a));
    if (a->cancel_reason)
        printf("cancelled: %s\n", a->cancel_reason);
    if (a->result)
        printf("result: %s\n", a->result);
}

int cmd_apply_show(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "ID\n\nAn application with its stages, their deadlines and its history.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    int64_t id, now = ctx_now(&cli->ctx);
    struct application a;
    struct out o;
    if (rc || (rc = parse_id(cli, argv[0], &id)) || (rc = out_init(cli, &o)))
        return rc;
    if ((rc = apply_get(&cli->ctx, id, now, &a, &cli->err)))
        goto out;
    if (cli->json) {
        json_t *j = api_application_json(&a, cli_time_local, &o.tz);
        json_object_set_new(j, "customer", cli_json_str(a.customer));
        json_object_set_new(j, "user_type", cli_json_str(a.user_type));
        json_object_set_new(j, "voltage", cli_json_str(a.voltage));
        json_object_set_new(j, "address", cli_json_str(a.address));
        json_object_set_new(j, "created_by", json_string(a.created_by));
        if ((rc = apply_stages(&cli->ctx, id, now, stage_row, &o, &cli->err)) == 0) {
            json_object_set_new(j, "stages", o.items);
            o.items = json_array();
            rc = apply_events(&cli->ctx, id, event_row, &o, &cli->err);
        }
        if (rc) {
            json_decref(j);
            goto out;
        }
        json_object_set_new(j, "events", o.items);
        o.items = json_array();
        cli_json_out(j);
        goto out;
    }
    show_text(&o, &a);
    printf("stages:\n");
    if ((rc = apply_stages(&cli->ctx, id, now, stage_row, &o, &cli->err)))
        goto out;
    printf("history:\n");
    rc = apply_events(&cli->ctx, id, event_row, &o, &cli->err);
out:
    out_release(&o);
    return rc;
}

/* After a change: the application's state and stage. */
static int done(struct cli *cli, int64_t id, const char *what)
{
    struct application a;
    int rc = apply_get(&cli->ctx, id, ctx_now(&cli->ctx), &a, &cli->err);
    if (rc)
        return rc;
    if (cli->json)
        cli_json_out(json_pack("{s:I,s:s,s:s,s:b,s:o}", "id", (json_int_t)id, "state", a.state,
                               "stage", a.stage, "paused", a.paused_at != 0, "result",
                               cli_json_str(a.result)));
    else if (strcmp(a.state, "open"))
        printf("application %" PRId64 " %s: %s%s%s\n", id, what, a.state, a.result ? ": " : "",
               a.result ? a.result : "");
    else
        printf("application %" PRId64 " %s: at %s (%s)\n", id, what, a.stage, a.stage_name);
    return 0;
}

int cmd_apply_advance(struct cli *cli, int argc, char **argv)
{
    const char *note = NULL;
    const struct opt_spec specs[] = { { "note", OPT_STR, &note, "TEXT", "what was done" },
                                      OPT_SPEC_END };
    cli->usage = "ID [STAGE] [--note TEXT]\n\n"
                 "Finish the current stage and enter the next one of the kind: accept → survey →\n"
                 "scheme → design → midcheck → inspect → connect (a kind skips the stages that do\n"
                 "not apply). STAGE, when given, must be the next one.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 2);
    int64_t id;
    if (rc || (rc = parse_id(cli, argv[0], &id)) ||
        (rc = apply_advance(&cli->ctx, id, argc > 1 ? argv[1] : NULL, note, &cli->err)))
        return rc;
    return done(cli, id, "advanced");
}

int cmd_apply_complete(struct cli *cli, int argc, char **argv)
{
    struct apply_done_in in = { 0 };
    const struct opt_spec specs[] = {
        { "meter", OPT_STR, &in.meter, "ASSET", "new connection: the stock meter to install" },
        { "reads", OPT_STR, &in.reads, "R",
          "start reads, or a closure's final reads (total=1.0,...)" },
        { "cycle-day", OPT_STR, &in.cycle_day, "N", "new connection: 抄表例日 1..28 (default 1)" },
        { "phone", OPT_STR, &in.phone, "PHONE", "new connection, name transfer: phone" },
        { "id-type", OPT_STR, &in.id_type, "T", "new connection, name transfer: ID type" },
        { "id-no", OPT_STR, &in.id_no, "NO", "new connection, name transfer: ID number" },
        { "date", OPT_STR, &in.date, "YYYY-MM-DD", "effective date (default today)" },
        { "result", OPT_STR, &in.result, "R", "meter test: pass|fail" },
        { "note", OPT_STR, &in.note, "TEXT", "what was done" },
        OPT_SPEC_END,
    };
    cli->usage =
        "ID [--meter ASSET] [--reads R] [--cycle-day N] [--phone P] [--id-type T --id-no N]\n"
        "       [--date D] [--result pass|fail] [--note TEXT]\n\n"
        "Complete an application at its last stage and change the archive in one\n"
        "transaction: a new connection creates the customer and account and installs the\n"
        "meter; changes update the customer or account; a closure (refused while money is\n"
        "owed) removes the meters and closes the customer.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    int64_t id;
    if (rc || (rc = parse_id(cli, argv[0], &id)) ||
        (rc = apply_complete(&cli->ctx, id, &in, &cli->err)))
        return rc;
    return done(cli, id, "completed");
}

static int simple(struct cli *cli, int argc, char **argv, const char *usage, const char *opt,
                  int (*fn)(struct ctx *, int64_t, const char *, struct err *), const char *what)
{
    const char *text = NULL;
    const struct opt_spec specs[] = { { opt, OPT_STR, &text, "TEXT", "why" }, OPT_SPEC_END };
    cli->usage = usage;
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    int64_t id;
    if (rc || (rc = parse_id(cli, argv[0], &id)) || (rc = fn(&cli->ctx, id, text, &cli->err)))
        return rc;
    return done(cli, id, what);
}

int cmd_apply_cancel(struct cli *cli, int argc, char **argv)
{
    return simple(cli, argc, argv, "ID --reason TEXT\n\nCancel (撤销) an open application.",
                  "reason", apply_cancel, "cancelled");
}

int cmd_apply_pause(struct cli *cli, int argc, char **argv)
{
    return simple(cli, argc, argv,
                  "ID [--note TEXT]\n\nWaiting for the customer: stop the "
                  "application's clocks.",
                  "note", apply_pause, "paused");
}

int cmd_apply_resume(struct cli *cli, int argc, char **argv)
{
    return simple(cli, argc, argv,
                  "ID [--note TEXT]\n\nThe customer is back: restart the "
                  "clocks.",
                  "note", apply_resume, "resumed");
}

/* "STAGE=DAYS[,STAGE=DAYS...]" into set[] (at most `max`); ERR_USAGE naming a bad item. */
static int parse_limits(struct cli *cli, const char *s, struct apply_limit_set *set, size_t max,
                        size_t *n)
{
    char *it = arena_strdup(cli->ctx.arena, s);
    *n = 0;
    while (it) {
        char *next = strchr(it, ','), *eq, *end;
        if (next)
            *next++ = '\0';
        if (!(eq = strchr(it, '=')) || eq == it || *n == max)
            return error(&cli->err, ERR_USAGE, "--set takes STAGE=DAYS[,STAGE=DAYS...], not '%s'",
                         it);
        *eq = '\0';
        errno = 0;
        long long d = strtoll(eq + 1, &end, 10);
        if (errno || end == eq + 1 || *end)
            return error(&cli->err, ERR_USAGE, "--set %s: '%s' is not a whole number of days", it,
                         eq + 1);
        set[(*n)++] = (struct apply_limit_set){ it, d };
        it = next;
    }
    return 0;
}

struct limit_out {
    char kind[64]; /* the kind last printed */
};

static int limit_row(void *arg, const struct apply_limit *l)
{
    struct limit_out *lo = arg;
    if (strcmp(lo->kind, l->kind)) {
        printf("%s %s: %" PRId64 " working days end to end, warning at %" PRId64 " %%\n", l->kind,
               l->kind_name, l->total_days, l->warn_pct);
        snprintf(lo->kind, sizeof(lo->kind), "%s", l->kind);
    }
    printf("  %-8s %-*s %3" PRId64 "\n", l->stage, cli_pad(l->stage_name, 14), l->stage_name,
           l->days);
    return 0;
}

#define LIMITS_MAX 16

static int version_row(void *arg, const struct apply_limit_version *v)
{
    const struct tz *tz = arg;
    char a[INSTANT_BUF_SIZE], b[INSTANT_BUF_SIZE];
    printf("%-5" PRId64 " %-8s %4" PRId64 "  %-25s %-25s %-12s %s\n", v->id, v->stage, v->days,
           v->effective_at ? instant_format_tz(v->effective_at, tz, a) : "from the start",
           v->changed_at ? instant_format_tz(v->changed_at, tz, b) : "-", v->changed_by,
           v->source);
    return 0;
}

/* apply limits --history KIND: every version, the latest effective first */
static int limits_history(struct cli *cli, const char *kind)
{
    struct tz tz;
    json_t *j;
    int rc = tz_load(cli->ctx.zone_name, &tz, &cli->err);
    if (rc)
        return rc;
    if (cli->json) {
        if (!(rc = api_apply_limits_history_json(&cli->ctx, kind, cli_time_local, &tz, &j,
                                                 &cli->err)))
            cli_json_out(j);
    } else {
        printf("%-5s %-8s %4s  %-25s %-25s %-12s %s\n", "ID", "STAGE", "DAYS", "EFFECTIVE",
               "CHANGED", "BY", "SOURCE");
        rc = apply_limits_history(&cli->ctx, kind, version_row, &tz, &cli->err);
    }
    tz_release(&tz);
    return rc;
}

int cmd_apply_limits(struct cli *cli, int argc, char **argv)
{
    const char *kind = NULL, *set_s = NULL, *source = NULL, *from = NULL, *history = NULL;
    const struct opt_spec specs[] = {
        { "kind", OPT_STR, &kind, "KIND", "this kind only (required with --set)" },
        { "set", OPT_STR, &set_s, "STAGE=DAYS,...", "change limits in working days (total = end to end)" },
        { "source", OPT_STR, &source, "TEXT", "with --set: who decided it (required)" },
        { "from", OPT_STR, &from, "TIME", "with --set: in force from (default now; not in the past)" },
        { "history", OPT_STR, &history, "KIND", "every version of the kind's limits" },
        OPT_SPEC_END,
    };
    cli->usage = "[--kind KIND] [--set STAGE=DAYS[,STAGE=DAYS...] --source TEXT [--from TIME]]\n"
                 "       | --history KIND\n\n"
                 "The working-day limits of the application kinds in force now: end to end\n"
                 "(total) and per stage. --set adds a new version of them, in force from --from\n"
                 "(default now), with its source and user; the old versions are kept (--history)\n"
                 "and audited (apply.limits). An application keeps the limits in force when it\n"
                 "was accepted.";
    struct apply_limit_set set[LIMITS_MAX];
    struct limit_out lo = { "" };
    int64_t effective_at = 0;
    size_t n = 0;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (history && (kind || set_s || source || from))
        return error(&cli->err, ERR_USAGE, "--history takes no other option");
    if (history)
        return limits_history(cli, history);
    if (set_s && !kind)
        return error(&cli->err, ERR_USAGE, "--set needs --kind");
    if (!set_s && (source || from))
        return error(&cli->err, ERR_USAGE, "--source and --from go with --set");
    if (from) {
        struct tz tz;
        if ((rc = tz_load(cli->ctx.zone_name, &tz, &cli->err)))
            return rc;
        rc = instant_parse_local(from, &tz, &effective_at, &cli->err);
        tz_release(&tz);
        if (rc)
            return rc;
    }
    if (set_s && ((rc = parse_limits(cli, set_s, set, LIMITS_MAX, &n)) ||
                  (rc = apply_limits_set(&cli->ctx, kind, set, n, source, effective_at,
                                         &cli->err))))
        return rc;
    if (cli->json) {
        json_t *j;
        if ((rc = api_apply_limits_json(&cli->ctx, kind, &j, &cli->err)))
            return rc;
        cli_json_out(j);
        return 0;
    }
    return apply_limits(&cli->ctx, kind, limit_row, &lo, &cli->err);
}
