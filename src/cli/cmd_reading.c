/*
 * pmis reading list --meter ASSET [--from D] [--to D] and
 * pmis reading intervals --meter ASSET --date D: stored readings and load curves.
 */
#include "core/common.h"
#include "api/api.h"
#include "cli/cli.h"
#include "core/energy.h"
#include "domain/meter.h"
#include "domain/reading.h"

static int opt_date(struct cli *cli, const char *name, const char *s, struct date *out,
                    const struct date **p)
{
    if (!s)
        return 0;
    if (date_parse(s, out, &cli->err))
        return error_prefix(&cli->err, "--%s: ", name);
    *p = out;
    return 0;
}

/* The list and whether its header is out: printed with the first reading, so an unknown meter
 * (or a refused query) leaves stdout empty, its error alone on stderr. */
struct reading_out {
    struct cli_list l;
    bool header;
};

static int print_reading(void *arg, int64_t meter_id, const struct reading *r)
{
    struct reading_out *o = arg;
    struct cli_list *l = &o->l;
    char day[DATE_BUF_SIZE], num[ENERGY_BUF_SIZE];
    UNUSED(meter_id);
    date_format(r->rs.on, day);
    if (l->cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "read_on", json_string(day));
        for (int i = 0; i < REG_N; i++)
            json_object_set_new(j, reg_name((enum reg)i),
                                r->rs.present & (1u << i)
                                    ? json_string(energy_format_kwh3(r->rs.v[i], num))
                                    : json_null());
        json_object_set_new(j, "source", json_string(read_source_name(r->rs.source)));
        json_object_set_new(j, "status", json_string(r->valid ? "valid" : "void"));
        json_array_append_new(l->items, j);
        return 0;
    }
    if (!o->header) {
        printf("%-10s", "read_on");
        for (int i = 0; i < REG_N; i++)
            printf(" %12s", reg_name((enum reg)i));
        printf("  source\n");
        o->header = true;
    }
    printf("%s", day);
    for (int i = 0; i < REG_N; i++)
        printf(" %12s", r->rs.present & (1u << i) ? energy_format_kwh3(r->rs.v[i], num) : "-");
    printf("  %s%s\n", read_source_name(r->rs.source), r->valid ? "" : " (void)");
    return 0;
}

int cmd_reading_list(struct cli *cli, int argc, char **argv)
{
    const char *meter = NULL, *from_s = NULL, *to_s = NULL;
    const struct opt_spec specs[] = {
        { "meter", OPT_STR, &meter, "ASSET", "the meter's asset number (required)" },
        { "from", OPT_STR, &from_s, "YYYY-MM-DD", "first reading date" },
        { "to", OPT_STR, &to_s, "YYYY-MM-DD", "last reading date" },
        OPT_SPEC_END,
    };
    cli->usage = "--meter ASSET [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n\n"
                 "Register readings in kWh (reactive kvarh, demand kW), oldest first.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (!meter)
        return error(&cli->err, ERR_USAGE, "--%s is required", "meter");
    struct date from, to;
    const struct date *pf = NULL, *pt = NULL;
    if ((rc = opt_date(cli, "from", from_s, &from, &pf)) ||
        (rc = opt_date(cli, "to", to_s, &to, &pt)))
        return rc;
    struct reading_out o = { CLI_LIST_INIT(cli), false };
    rc = reading_list(&cli->ctx, meter, pf, pt, print_reading, &o, &cli->err);
    return cli_list_end(&o.l, rc);
}

struct iv_out {
    struct cli *cli;
    bool found;
    json_t *j;
};

static int print_day(void *arg, int64_t meter_id, const struct interval_day *d)
{
    struct iv_out *o = arg;
    char num[ENERGY_BUF_SIZE];
    int missing;
    UNUSED(meter_id);
    int64_t total = interval_sum(d->pts, 0, d->n, &missing);
    o->found = true;
    if (o->cli->json) {
        json_t *j = api_interval_day_json(d);
        json_object_del(j, "date"); /* the reply names it first, as given */
        json_object_update(o->j, j);
        json_decref(j);
        return 0;
    }
    for (int i = 0; i < d->n; i++) {
        int m = i * d->minutes;
        printf("%02d:%02d %10s\n", m / 60, m % 60,
               d->pts[i] == INTERVAL_MISSING ? "-" : energy_format_kwh3(d->pts[i], num));
    }
    char kw[ENERGY_BUF_SIZE];
    printf("total %s kWh over %d points (%d missing), max demand %s kW\n",
           energy_format_kwh3(total, num), d->n - missing, missing,
           energy_format_kwh3(interval_max_demand_w(d->pts, d->n, d->minutes), kw));
    return 0;
}

int cmd_reading_intervals(struct cli *cli, int argc, char **argv)
{
    const char *meter = NULL, *date_s = NULL;
    const struct opt_spec specs[] = {
        { "meter", OPT_STR, &meter, "ASSET", "the meter's asset number (required)" },
        { "date", OPT_STR, &date_s, "YYYY-MM-DD", "the local day (required)" },
        OPT_SPEC_END,
    };
    cli->usage = "--meter ASSET --date YYYY-MM-DD\n\n"
                 "One day's interval energy (kWh per interval, by local start time), the day's\n"
                 "total and the largest interval's average demand.";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (!meter || !date_s)
        return error(&cli->err, ERR_USAGE, "--meter and --date are required");
    struct date day;
    const struct date *pd = NULL;
    struct meter m;
    if ((rc = opt_date(cli, "date", date_s, &day, &pd)) ||
        (rc = meter_get(&cli->ctx, meter, &m, &cli->err)))
        return rc;
    struct iv_out o = { cli, false, json_object() };
    json_object_set_new(o.j, "meter", json_string(m.asset_no));
    json_object_set_new(o.j, "date", json_string(date_s));
    rc = reading_intervals(&cli->ctx, m.id, day, day, print_day, &o, &cli->err);
    if (!rc && !o.found)
        rc =
            error(&cli->err, ERR_NOT_FOUND, "meter '%s' has no interval data on %s", meter, date_s);
    if (!rc && cli->json) {
        cli_json_out(o.j);
        return 0;
    }
    json_decref(o.j);
    return rc;
}
