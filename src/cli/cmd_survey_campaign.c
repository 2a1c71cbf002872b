/*
 * pmis survey campaign create|list|show: sampling campaigns (抽样回访, domain/survey.h) — a
 * reproducible sample (seeded) of a month's archived work orders of an org subtree and type,
 * and the list of orders to call with their answers so far.
 */
#include "core/common.h"
#include "cli/cli.h"
#include "cli/cli_out.h"
#include "domain/survey.h"

static json_t *campaign_json(struct out *o, const struct survey_campaign *k)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(k->id));
    json_object_set_new(j, "name", json_string(k->name));
    json_object_set_new(j, "org", json_string(k->org_code));
    json_object_set_new(j, "type", cli_json_str(k->type));
    json_object_set_new(j, "period", json_string(k->period));
    json_object_set_new(j, "sample_pct", k->sample_pct ? json_integer(k->sample_pct) : json_null());
    json_object_set_new(j, "sample_n", k->sample_n ? json_integer(k->sample_n) : json_null());
    json_object_set_new(j, "seed", json_integer(k->seed));
    json_object_set_new(j, "template", json_string(k->template_code));
    json_object_set_new(j, "template_version", json_integer(k->template_version));
    json_object_set_new(j, "population", json_integer(k->population));
    json_object_set_new(j, "sampled", json_integer(k->sampled));
    json_object_set_new(j, "answered", json_integer(k->answered));
    json_object_set_new(j, "created_at", jwhen(o, k->created_at));
    json_object_set_new(j, "created_by", json_string(k->created_by));
    return j;
}

static void campaign_text(const struct survey_campaign *k)
{
    printf("campaign %" PRId64 " %s: %s %s%s%s, ", k->id, k->name, k->org_code, k->period,
           k->type ? " " : "", k->type ? k->type : "");
    if (k->sample_pct)
        printf("%" PRId64 " %%", k->sample_pct);
    else
        printf("%" PRId64 " orders", k->sample_n);
    printf(" of %" PRId64 ", seed %" PRId64 ": %" PRId64 " drawn, %" PRId64 " answered\n",
           k->population, k->seed, k->sampled, k->answered);
}

static int create(struct cli *cli, int argc, char **argv)
{
    struct survey_campaign_in in = { 0 };
    const char *period = NULL;
    int64_t seed = 0;
    bool seeded = false;
    const struct opt_spec specs[] = {
        { "name", OPT_STR, &in.name, "TEXT", "what the campaign is" },
        { "org", OPT_STR, &in.org_code, "CODE", "orders of this unit's subtree" },
        { "period", OPT_STR, &period, "YYYY-MM", "orders archived in this month" },
        { "type", OPT_STR, &in.type, "TYPE", "only orders of this type (default any)" },
        { "pct", OPT_INT, &in.sample_pct, "N", "sample N % of the orders (rounded up)" },
        { "sample", OPT_INT, &in.sample_n, "N", "or sample N orders" },
        { "seed", OPT_INT, &seed, "S", "the draw's seed (default from the clock; printed)" },
        { "template", OPT_STR, &in.template_code, "CODE", "survey template (default callback)" },
        OPT_SPEC_END,
    };
    cli->usage = "create --name TEXT --org CODE --period YYYY-MM (--pct N | --sample N)\n"
                 "       [--type TYPE] [--seed S] [--template CODE]\n\n"
                 "Draw a sample of the month's archived work orders (with a known caller) to call\n"
                 "back. The same filters and seed always draw the same orders.";
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--seed") || !strncmp(argv[i], "--seed=", 7))
            seeded = true;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (!period)
        return error(&cli->err, ERR_USAGE, "--%s is required", "period");
    if ((rc = period_parse(period, &in.period, &cli->err)))
        return rc;
    in.seed = seeded ? seed : ctx_now(&cli->ctx) % 1000000007;
    struct survey_campaign k;
    struct out o;
    if ((rc = survey_campaign_create(&cli->ctx, &in, &k, &cli->err)) || (rc = out_init(cli, &o)))
        return rc;
    if (cli->json)
        cli_json_out(campaign_json(&o, &k));
    else
        campaign_text(&k);
    out_release(&o);
    return 0;
}

static int list_row(void *arg, const struct survey_campaign *k)
{
    struct out *o = arg;
    if (o->cli->json)
        json_array_append_new(o->items, campaign_json(o, k));
    else
        campaign_text(k);
    return 0;
}

static int list(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "list\n\nThe survey campaigns of the caller's scope.";
    struct out o;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if ((rc = out_init(cli, &o)) == 0 &&
        (rc = survey_campaign_list(&cli->ctx, list_row, &o, &cli->err)) == 0 && cli->json)
        cli_json_out(json_incref(o.items));
    out_release(&o);
    return rc;
}

static int call_row(void *arg, const struct survey_call *x)
{
    struct out *o = arg;
    char b[INSTANT_BUF_SIZE];
    if (o->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "draw", json_integer(x->draw));
        json_object_set_new(j, "ticket", json_integer(x->ticket_id));
        json_object_set_new(j, "type", json_string(x->type));
        json_object_set_new(j, "cust_no", cli_json_str(x->cust_no));
        json_object_set_new(j, "customer", cli_json_str(x->customer));
        json_object_set_new(j, "org", json_string(x->org_code));
        json_object_set_new(j, "result", cli_json_str(x->result));
        json_object_set_new(j, "answered_at", jwhen(o, x->answered_at));
        json_array_append_new(o->items, j);
    } else {
        printf("%4" PRId64 "  work order %-6" PRId64 " %-10s %-10s %s %s  %s%s%s\n", x->draw,
               x->ticket_id, x->type, x->org_code, x->cust_no ? x->cust_no : "-",
               x->customer ? x->customer : "-", x->result ? x->result : "to call",
               x->result ? " " : "", x->result ? when(o, x->answered_at, b) : "");
    }
    return 0;
}

static int show(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "show ID\n\nA campaign and the orders it drew, in draw order, with their answers.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    int64_t id;
    struct survey_campaign k;
    struct out o;
    if (rc || (rc = cli_parse_number(cli, argv[0], "a campaign number", &id)) ||
        (rc = survey_campaign_get(&cli->ctx, id, &k, &cli->err)) || (rc = out_init(cli, &o)))
        return rc;
    if (!cli->json)
        campaign_text(&k);
    if (!(rc = survey_campaign_calls(&cli->ctx, id, call_row, &o, &cli->err)) && cli->json) {
        json_t *j = campaign_json(&o, &k);
        json_object_set(j, "orders", o.items);
        cli_json_out(j);
    }
    out_release(&o);
    return rc;
}

int cmd_survey_campaign(struct cli *cli, int argc, char **argv)
{
    static const struct {
        const char *verb;
        int (*fn)(struct cli *, int, char **);
    } subs[] = { { "create", create }, { "list", list }, { "show", show } };
    for (size_t i = 0; argc > 0 && i < ARRAY_SIZE(subs); i++)
        if (!strcmp(argv[0], subs[i].verb)) {
            cli->prog = arena_sprintf(&cli->arena, "%s %s", cli->prog, subs[i].verb);
            return subs[i].fn(cli, argc - 1, argv + 1);
        }
    if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
        printf("usage: %s create|list|show ...  (%s VERB --help)\n", cli->prog, cli->prog);
        return CLI_HELP_SHOWN;
    }
    return error(&cli->err, ERR_USAGE, "survey campaign needs create, list or show%s%s%s",
                 argc ? " (not '" : "", argc ? argv[0] : "", argc ? "')" : "");
}
