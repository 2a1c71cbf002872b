/*
 * pmis ticket tag|complaints, and what `ticket add` / `ticket show` print about the complaint
 * closed loop and outages (domain/complaint.h, outage.h): the earlier order a complaint repeats,
 * the outage a repair call is grouped under, root-cause tags, the complaint rate.
 */
#include "core/common.h"
#include "cli/cli.h"
#include "domain/complaint.h"
#include "domain/outage.h"

static int parse_id(struct cli *cli, const char *s, int64_t *id)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v <= 0)
        return error(&cli->err, ERR_USAGE, "'%s' is not a work order number", s);
    *id = v;
    return 0;
}

static int cause_row(void *arg, const struct complaint_cause *k)
{
    json_t *a = arg;
    json_array_append_new(a, json_string(k->code));
    return 0;
}

int cli_ticket_extra(struct cli *cli, int64_t id, json_t *j)
{
    struct complaint_repeat r;
    struct outage o;
    struct ticket t;
    struct tz tz;
    bool rep, linked;
    char a[INSTANT_BUF_SIZE], b[INSTANT_BUF_SIZE];
    json_t *causes = json_array();
    int rc = tz_load(cli->ctx.zone_name, &tz, &cli->err);
    if (rc)
        goto out;
    if ((rc = complaint_repeat_get(&cli->ctx, id, &r, &rep, &cli->err)) ||
        (rc = outage_of_ticket(&cli->ctx, id, &o, &linked, &cli->err)) ||
        (rc = ticket_get(&cli->ctx, id, &t, &cli->err)) ||
        (rc = complaint_causes(&cli->ctx, &t, cause_row, causes, &cli->err)))
        goto tz;
    if (j) {
        json_t *x = json_null();
        if (rep) {
            x = json_object();
            json_object_set_new(x, "id", json_integer(r.earlier_id));
            json_object_set_new(x, "basis", json_string(r.basis));
            json_object_set_new(x, "accepted_at",
                                json_string(instant_format_tz(r.earlier_accepted_at, &tz, a)));
            json_object_set_new(x, "state", json_string(r.earlier_state));
        }
        json_object_set_new(j, "repeat_of", x);
        x = json_null();
        if (linked) {
            x = json_object();
            json_object_set_new(x, "id", json_integer(o.id));
            json_object_set_new(x, "kind", json_string(o.kind));
            json_object_set_new(x, "from", json_string(instant_format_tz(o.from_at, &tz, a)));
            json_object_set_new(x, "to", o.to_at ? json_string(instant_format_tz(o.to_at, &tz, b))
                                                 : json_null());
            json_object_set_new(x, "reason", json_string(o.reason));
            json_object_set_new(x, "state", json_string(o.state));
        }
        json_object_set_new(j, "outage", x);
        json_object_set(j, "causes", causes);
        goto tz;
    }
    if (rep)
        printf("repeat complaint: same %s as work order %" PRId64 " of %s%s%s (%s)\n", r.basis,
               r.earlier_id, instant_format_tz(r.earlier_accepted_at, &tz, a),
               r.earlier_cust_no ? ", customer " : "", r.earlier_cust_no ? r.earlier_cust_no : "",
               r.earlier_state);
    if (linked)
        printf("outage %" PRId64 " (%s, %s): %s .. %s, %s\n", o.id, o.kind_name, o.state,
               instant_format_tz(o.from_at, &tz, a),
               o.to_at ? instant_format_tz(o.to_at, &tz, b) : "restoration time unknown",
               o.reason);
    if (json_array_size(causes)) {
        printf("root causes:");
        for (size_t i = 0; i < json_array_size(causes); i++)
            printf(" %s", json_string_value(json_array_get(causes, i)));
        printf("\n");
    }
tz:
    tz_release(&tz);
out:
    json_decref(causes);
    return rc;
}

int cmd_ticket_tag(struct cli *cli, int argc, char **argv)
{
    const char *cause = NULL, *remove = NULL;
    const struct opt_spec specs[] = {
        { "cause", OPT_STR, &cause, "C[,C...]", "add these root causes (list complaint_cause)" },
        { "remove", OPT_STR, &remove, "C[,C...]", "remove these" },
        OPT_SPEC_END,
    };
    cli->usage = "ID (--cause C[,C...] | --remove C[,C...])\n\nRoot-cause tags (问题归因) of a "
                 "complaint: attitude, process, billing, metering,\nnotice, repair, voltage, "
                 "frequent, construction, policy, other.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    int64_t id = 0;
    if (rc || (rc = parse_id(cli, argv[0], &id)))
        return rc;
    if (!cause == !remove)
        return error(&cli->err, ERR_USAGE, "give --cause or --remove");
    if ((rc = complaint_tag(&cli->ctx, id, cause ? cause : remove, remove != NULL, &cli->err)))
        return rc;
    json_t *causes = json_array();
    struct ticket t;
    if ((rc = ticket_get(&cli->ctx, id, &t, &cli->err)) ||
        (rc = complaint_causes(&cli->ctx, &t, cause_row, causes, &cli->err))) {
        json_decref(causes);
        return rc;
    }
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(id));
        json_object_set_new(j, "causes", causes);
        cli_json_out(j);
        return 0;
    }
    printf("complaint %" PRId64 " root causes:", id);
    for (size_t i = 0; i < json_array_size(causes); i++)
        printf(" %s", json_string_value(json_array_get(causes, i)));
    printf("%s\n", json_array_size(causes) ? "" : " none");
    json_decref(causes);
    return 0;
}

static void rate_text(int64_t x100, char *b, size_t n)
{
    if (x100 < 0)
        snprintf(b, n, "-");
    else
        snprintf(b, n, "%" PRId64 ".%02" PRId64, x100 / 100, x100 % 100);
}

static int rate_row(void *arg, const struct complaint_rate_row *r)
{
    struct cli_list *l = arg;
    char rate[48];
    rate_text(r->rate_x100, rate, sizeof(rate));
    if (l->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "org", json_string(r->key));
        json_object_set_new(j, "name", json_string(r->name));
        json_object_set_new(j, "complaints", json_integer(r->complaints));
        json_object_set_new(j, "repeats", json_integer(r->repeats));
        json_object_set_new(j, "customers", json_integer(r->customers));
        json_object_set_new(j, "per_10000", r->rate_x100 < 0 ? json_null() : json_string(rate));
        json_array_append_new(l->items, j);
    } else {
        printf("%-12s %-10s complaints %" PRId64 "  repeats %" PRId64 "  customers %" PRId64
               "  per 10,000 %s\n", r->key, r->name, r->complaints, r->repeats, r->customers,
               rate);
    }
    return 0;
}

int cmd_ticket_complaints(struct cli *cli, int argc, char **argv)
{
    const char *period = NULL, *org = NULL;
    const struct opt_spec specs[] = {
        { "period", OPT_STR, &period, "YYYY-MM", "complaints accepted in this month" },
        { "org", OPT_STR, &org, "CODE", "only this unit's subtree (default every unit)" },
        OPT_SPEC_END,
    };
    cli->usage = "--period YYYY-MM [--org CODE]\n\nComplaints per 10,000 customers by org unit "
                 "(each rolling up its subtree), with\nthe repeat complaints among them; the "
                 "last row is the total.";
    struct period p;
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (!period)
        return error(&cli->err, ERR_USAGE, "--%s is required", "period");
    if ((rc = period_parse(period, &p, &cli->err)))
        return rc;
    struct cli_list l = CLI_LIST_INIT(cli);
    return cli_list_end(&l, complaint_rate(&cli->ctx, p, org, rate_row, &l, &cli->err));
}
