/*
 * pmis survey record|show|list|campaign|report|templates: satisfaction callbacks after closed
 * work orders (domain/survey.h, manual 6.3). Shares are printed as percentages with two
 * decimals from basis points, the CSI with two decimals; times in the business zone.
 */
#include "core/common.h"
#include "core/money.h"
#include "api/api.h"
#include "cli/cli.h"
#include "cli/cli_out.h"
#include "domain/survey.h"

#include <errno.h>

/*
 * The options --scores "efficiency=5,quality=4,..." and --weights "efficiency=30,...": items
 * NAME=N into names[] (ctx arena) and vals[] (at most SURVEY_DIMS_MAX, each in min..max), *n of
 * them; ERR_INVALID calls each item a `noun` and names `field`. The scores' dimensions, scale
 * and completeness are checked against the template when recording.
 */
static int parse_pairs(struct ctx *c, const char *text, const char *field, const char *noun,
                       int64_t min, int64_t max, const char **names, int64_t *vals, size_t *n,
                       struct err *err)
{
    char *list = ctx_trim(c, text);
    *n = 0;
    if (!list || !*list)
        return error(err, ERR_INVALID, "no %ss given (DIMENSION=N,...)", noun),
               err_field(err, field);
    for (char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        char *item = ctx_trim(c, arena_strndup(c->arena, p, len));
        char *eq = strchr(item, '='), *end;
        p += len + (p[len] == ',');
        if (!eq)
            return error(err, ERR_INVALID, "%s '%s' is not DIMENSION=N", noun, item),
                   err_field(err, field);
        *eq = '\0';
        const char *val = ctx_trim(c, eq + 1);
        errno = 0;
        long long v = strtoll(val, &end, 10);
        if (errno || end == val || *end || v < min || v > max)
            return error(err, ERR_INVALID, "%s of '%s' is '%s', not a whole number%s", noun,
                         item, val, min == 1 && max == 100 ? " 1..100" : ""),
                   err_field(err, field);
        if (*n == SURVEY_DIMS_MAX)
            return error(err, ERR_INVALID, "more than %d %ss", SURVEY_DIMS_MAX, noun),
                   err_field(err, field);
        names[*n] = ctx_trim(c, item);
        vals[(*n)++] = v;
    }
    return 0;
}

static int parse_weights(struct ctx *c, const char *text, struct survey_template *t,
                         struct err *err)
{
    const char *names[SURVEY_DIMS_MAX];
    int64_t vals[SURVEY_DIMS_MAX];
    int ret = parse_pairs(c, text, "weights", "weight", 1, 100, names, vals, &t->ndims,
                                 err);
    for (size_t i = 0; !ret && i < t->ndims; i++)
        t->dims[i] = (struct survey_dim){ .dimension = names[i], .weight = vals[i] };
    return ret;
}

static int parse_scores(struct ctx *c, const char *text, struct survey_in *in, struct err *err)
{
    const char *names[SURVEY_DIMS_MAX];
    int64_t vals[SURVEY_DIMS_MAX];
    /* the range is checked against the template, with the scale in the message */
    int ret = parse_pairs(c, text, "scores", "score", INT64_MIN, INT64_MAX, names, vals,
                                 &in->nscores, err);
    for (size_t i = 0; !ret && i < in->nscores; i++)
        in->scores[i] = (struct survey_score){ names[i], vals[i] };
    return ret;
}

static json_t *response_json(struct out *o, const struct survey_response *r)
{
    json_t *j = json_object(), *s = json_object();
    json_object_set_new(j, "ticket", json_integer(r->ticket_id));
    json_object_set_new(j, "result", json_string(r->result));
    json_object_set_new(j, "result_name", json_string(r->result_zh));
    json_object_set_new(j, "comment", cli_json_str(r->comment));
    for (size_t i = 0; i < r->nscores; i++)
        json_object_set_new(s, r->scores[i].dimension, json_integer(r->scores[i].score));
    json_object_set_new(j, "scores", s);
    json_object_set_new(j, "channel", json_string(r->channel));
    json_object_set_new(j, "template", json_string(r->template_code));
    json_object_set_new(j, "template_version", json_integer(r->template_version));
    json_object_set_new(j, "org", json_string(r->org_code));
    json_object_set_new(j, "type", json_string(r->type));
    json_object_set_new(j, "cust_no", cli_json_str(r->cust_no));
    json_object_set_new(j, "period", json_string(r->period));
    json_object_set_new(j, "answered_at", jwhen(o, r->answered_at));
    json_object_set_new(j, "recorded_by", json_string(r->recorded_by));
    json_object_set_new(j, "follow_up", r->follow_up_id ? json_integer(r->follow_up_id) : json_null());
    return j;
}

static void response_text(struct out *o, const struct survey_response *r)
{
    char b[INSTANT_BUF_SIZE];
    printf("work order %" PRId64 " (%s, %s, %s): %s (%s), %s by %s via %s\n", r->ticket_id,
           r->type, r->org_code, r->cust_no ? r->cust_no : "anonymous", r->result_zh, r->result,
           when(o, r->answered_at, b), r->recorded_by, r->channel);
    if (r->nscores) {
        printf("scores (%s v%" PRId64 "):", r->template_code, r->template_version);
        for (size_t i = 0; i < r->nscores; i++)
            printf(" %s=%" PRId64, r->scores[i].dimension, r->scores[i].score);
        printf("\n");
    }
    if (r->comment)
        printf("comment: %s\n", r->comment);
    if (r->follow_up_id)
        printf("follow-up work order %" PRId64 "\n", r->follow_up_id);
}

int cmd_survey_record(struct cli *cli, int argc, char **argv)
{
    struct survey_in in = { 0 };
    const char *scores = NULL;
    const struct opt_spec specs[] = {
        { "result", OPT_STR, &in.result, "R", "satisfied (满意) | basically_satisfied (基本满意) | "
                                              "dissatisfied (不满意)" },
        { "comment", OPT_STR, &in.comment, "TEXT", "what the customer said (required if dissatisfied)" },
        { "scores", OPT_STR, &scores, "D=N,...", "1-5 on every dimension: efficiency, quality, "
                                                 "price, after_sales" },
        { "channel", OPT_STR, &in.channel, "CH", "how the customer was reached (default phone)" },
        { "template", OPT_STR, &in.template_code, "CODE", "survey template (default callback)" },
        OPT_SPEC_END,
    };
    cli->usage = "ID --result R [--comment TEXT] [--scores efficiency=5,quality=4,price=5,after_sales=4]\n"
                 "       [--channel CH] [--template CODE]\n\n"
                 "Record the callback answer (回访) for a closed (archived) work order, once per\n"
                 "order. A dissatisfied answer opens a follow-up work order.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    struct survey_response r;
    struct out o;
    bool dup;
    if (rc || (rc = cli_parse_number(cli, argv[0], "a work order number", &in.ticket_id)))
        return rc;
    if (scores && (rc = parse_scores(&cli->ctx, scores, &in, &cli->err)))
        return rc;
    if ((rc = survey_record(&cli->ctx, &in, &r, &dup, &cli->err)) || (rc = out_init(cli, &o)))
        return rc;
    if (cli->json) {
        json_t *j = response_json(&o, &r);
        json_object_set_new(j, "duplicate", json_boolean(dup));
        cli_json_out(j);
    } else if (dup) {
        printf("work order %" PRId64 " was already surveyed with this answer: nothing changed\n",
               r.ticket_id);
    } else {
        printf("work order %" PRId64 " surveyed: %s (%s)\n", r.ticket_id, r.result_zh, r.result);
        if (r.follow_up_id)
            printf("follow-up work order %" PRId64 " accepted (接单)\n", r.follow_up_id);
    }
    out_release(&o);
    return 0;
}

int cmd_survey_show(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "ID\n\nThe callback answer recorded for a work order.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    int64_t id;
    struct survey_response r;
    struct out o;
    bool found;
    if (rc || (rc = cli_parse_number(cli, argv[0], "a work order number", &id)) ||
        (rc = survey_get(&cli->ctx, id, &r, &found, &cli->err)))
        return rc;
    if (!found)
        return error(&cli->err, ERR_NOT_FOUND, "work order %" PRId64 " has no survey answer", id);
    if ((rc = out_init(cli, &o)))
        return rc;
    if (cli->json)
        cli_json_out(response_json(&o, &r));
    else
        response_text(&o, &r);
    out_release(&o);
    return 0;
}

static int list_row(void *arg, const struct survey_response *r)
{
    struct out *o = arg;
    char b[INSTANT_BUF_SIZE];
    if (o->cli->json)
        json_array_append_new(o->items, response_json(o, r));
    else
        printf("%-6" PRId64 " %-10s %-10s %-20s %-8s %s%s%s\n", r->ticket_id, r->type,
               r->org_code, r->result, r->period, when(o, r->answered_at, b),
               r->follow_up_id ? "  follow-up " : "",
               r->follow_up_id ? arena_sprintf(o->cli->ctx.arena, "%" PRId64, r->follow_up_id)
                               : "");
    return 0;
}

int cmd_survey_list(struct cli *cli, int argc, char **argv)
{
    struct survey_filter f = { 0 };
    const struct opt_spec specs[] = {
        { "period", OPT_STR, &f.period, "YYYY-MM", "answers of this month" },
        { "result", OPT_STR, &f.result, "R", "only this result" },
        { "type", OPT_STR, &f.type, "TYPE", "only answers about orders of this type" },
        { "org", OPT_STR, &f.org_code, "CODE", "only this unit's subtree" },
        { "customer", OPT_STR, &f.cust_no, "CUST_NO", "only answers about this customer's orders" },
        { "after", OPT_INT, &f.after_id, "N", "the page after this answer number" },
        { "limit", OPT_INT, &f.limit, "N", "page size (default 100)" },
        OPT_SPEC_END,
    };
    cli->usage = "[--period YYYY-MM] [--result R] [--type TYPE] [--org CODE] [--customer CUST_NO]\n"
                 "       [--after N] [--limit N]";
    struct out o;
    struct period p;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc || (f.period && (rc = period_parse(f.period, &p, &cli->err))))
        return rc;
    if ((rc = out_init(cli, &o)) == 0 &&
        (rc = survey_list(&cli->ctx, &f, list_row, &o, &cli->err)) == 0 && cli->json)
        cli_json_out(json_incref(o.items));
    out_release(&o);
    return rc;
}

static int template_row(void *arg, const struct survey_template *t)
{
    struct cli_list *l = arg;
    if (l->cli->json) {
        json_array_append_new(l->items, api_survey_template_json(t));
        return 0;
    }
    printf("%s v%" PRId64 " %s, from %s\n", t->code, t->version, t->name_zh, t->effective_on);
    for (size_t i = 0; i < t->ndims; i++)
        printf("  %-12s %-*s weight %3" PRId64 "  %s\n", t->dims[i].dimension,
               cli_pad(t->dims[i].name_zh, 10), t->dims[i].name_zh,
               t->dims[i].weight, t->dims[i].question_zh);
    return 0;
}

static int template_list(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "list\n\nSurvey templates (回访问卷), every version, with their dimensions and "
                 "weights.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct cli_list l = CLI_LIST_INIT(cli);
    return cli_list_end(&l, survey_templates(&cli->ctx, template_row, &l, &cli->err));
}

static int template_add(struct cli *cli, int argc, char **argv)
{
    struct survey_template t = { 0 };
    const char *weights = NULL;
    const struct opt_spec specs[] = {
        { "name", OPT_STR, &t.name_zh, "TEXT", "the template's name" },
        { "from", OPT_STR, &t.effective_on, "DATE", "first day the version is in force" },
        { "weights", OPT_STR, &weights, "D=W,...", "dimensions and weights adding up to 100" },
        OPT_SPEC_END,
    };
    cli->usage = "add CODE --name TEXT --from YYYY-MM-DD --weights efficiency=40,quality=30,...\n\n"
                 "Add the next version of a survey template (answers keep the version they used).";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    t.code = argv[0];
    if (!weights)
        return error(&cli->err, ERR_USAGE, "--%s is required", "weights");
    int64_t version;
    struct survey_template got;
    struct date day;
    if ((rc = parse_weights(&cli->ctx, weights, &t, &cli->err)) ||
        (rc = survey_template_add(&cli->ctx, &t, &version, &cli->err)) ||
        (rc = date_parse(t.effective_on, &day, &cli->err)) ||
        (rc = survey_template_get(&cli->ctx, t.code, day, &got, &cli->err)))
        return rc;
    struct cli_list l = CLI_LIST_INIT(cli);
    if (!cli->json)
        printf("added ");
    template_row(&l, &got);
    if (cli->json)
        cli_json_out(json_incref(json_array_get(l.items, 0)));
    json_decref(l.items);
    return 0;
}

int cmd_survey_template(struct cli *cli, int argc, char **argv)
{
    if (argc > 0 && !strcmp(argv[0], "list"))
        return cli->prog = arena_sprintf(&cli->arena, "%s list", cli->prog),
               template_list(cli, argc - 1, argv + 1);
    if (argc > 0 && !strcmp(argv[0], "add"))
        return cli->prog = arena_sprintf(&cli->arena, "%s add", cli->prog),
               template_add(cli, argc - 1, argv + 1);
    return error(&cli->err, ERR_USAGE, "survey template needs list or add");
}

/* ---- report ---- */

/* "95.24" from basis points, "-" for none */
static const char *pct(struct cli *cli, int64_t bp)
{
    char b[48];
    return bp < 0 ? "-" : arena_strdup(&cli->arena, decimal_format(bp, 2, 2, 0, b));
}

static int fig_row(void *arg, const struct survey_fig *f)
{
    struct cli_list *l = arg;
    bool dim = f->dimension;
    if (l->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "key", json_string(f->key));
        json_object_set_new(j, "name", json_string(f->name));
        json_object_set_new(j, "responses", json_integer(f->responses));
        if (!dim) {
            json_object_set_new(j, "satisfied", json_integer(f->satisfied));
            json_object_set_new(j, "basically_satisfied", json_integer(f->basic));
            json_object_set_new(j, "dissatisfied", json_integer(f->dissatisfied));
            json_object_set_new(j, "csat_pct", f->csat_bp < 0 ? json_null()
                                                               : json_string(pct(l->cli, f->csat_bp)));
            json_object_set_new(j, "target_pct", json_integer(f->target_pct));
            json_object_set_new(j, "met", f->missed < 0 ? json_null() : json_boolean(!f->missed));
        }
        json_object_set_new(j, "scored", json_integer(f->scored));
        json_object_set_new(j, "csi", f->csi_x100 < 0 ? json_null()
                                                      : json_string(pct(l->cli, f->csi_x100)));
        json_array_append_new(l->items, j);
        return 0;
    }
    if (dim) {
        printf("%-12s %-*s scored %" PRId64 "  index %s\n", f->key, cli_pad(f->name, 10), f->name,
               f->scored,
               pct(l->cli, f->csi_x100));
        return 0;
    }
    printf("%-12s %-*s answers %" PRId64 "  满意 %" PRId64 "  基本满意 %" PRId64 "  不满意 %" PRId64
           "  CSAT %s%s  target %" PRId64 "%%  %s  CSI %s (%" PRId64 " scored)\n", f->key,
           cli_pad(f->name, 10), f->name,
           f->responses, f->satisfied, f->basic, f->dissatisfied, pct(l->cli, f->csat_bp),
           f->csat_bp < 0 ? "" : "%",
           f->target_pct, f->missed < 0 ? "-" : f->missed ? "MISSED" : "met",
           pct(l->cli, f->csi_x100), f->scored);
    return 0;
}

int cmd_survey_report(struct cli *cli, int argc, char **argv)
{
    const char *period = NULL, *from = NULL, *to = NULL, *org = NULL, *by = "org";
    const struct opt_spec specs[] = {
        { "period", OPT_STR, &period, "YYYY-MM", "one month" },
        { "from", OPT_STR, &from, "YYYY-MM", "first month" },
        { "to", OPT_STR, &to, "YYYY-MM", "last month" },
        { "org", OPT_STR, &org, "CODE", "only this unit's subtree" },
        { "by", OPT_STR, &by, "BY", "org (default), type, dimension or period" },
        OPT_SPEC_END,
    };
    cli->usage = "(--period YYYY-MM | --from YYYY-MM --to YYYY-MM) [--org CODE]\n"
                 "       [--by org|type|dimension|period]\n\n"
                 "CSAT (share of satisfied and basically satisfied answers) and CSI (weighted\n"
                 "dimension index, 0-100) of the callback answers of the months, against the\n"
                 "targets survey.target_pct and survey.complaint_target_pct; the last rows are\n"
                 "the total and the answers about complaints.";
    static const char *const bys[] = { "org", "type", "dimension", "period" };
    struct period p[2];
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if ((rc = cli_periods(cli, period, from, to, p)))
        return rc;
    size_t k = 0;
    while (k < ARRAY_SIZE(bys) && strcmp(bys[k], by))
        k++;
    if (k == ARRAY_SIZE(bys))
        return error(&cli->err, ERR_USAGE, "--by is org, type, dimension or period, not '%s'", by);
    struct survey_targets tg = { cfg_int(&cli->cfg, CFG_SURVEY_TARGET),
                                 cfg_int(&cli->cfg, CFG_SURVEY_COMPLAINT_TARGET) };
    struct cli_list l = CLI_LIST_INIT(cli);
    return cli_list_end(&l, survey_report(&cli->ctx, p[0], p[1], org, (enum survey_by)k, &tg,
                                          fig_row, &l, &cli->err));
}
