/*
 * pmis calendar import|show|add: the working-day calendar (holidays and 调休 make-up days).
 */
#include "core/common.h"
#include "core/date.h"
#include "cli/cli.h"
#include "domain/workcal.h"


int cmd_calendar_import(struct cli *cli, int argc, char **argv)
{
    const char *encoding = "utf-8";
    const struct opt_spec specs[] = {
        { "encoding", OPT_STR, &encoding, "ENC", "utf-8 (default), gbk or gb18030" },
        OPT_SPEC_END,
    };
    cli->usage = "FILE.csv\n\nImports the year's public holidays and make-up working days (调休) "
                 "from a CSV\nwith the header date,kind,name where kind is holiday or workday, e.g."
                 "\n  2025-01-28,holiday,春节\n  2025-01-26,workday,春节调休上班\n"
                 "data/calendar/ has the official schedules shipped with pmis.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    struct csv_options o = CSV_OPTIONS_INIT;
    if ((rc = csv_encoding_parse(encoding, &o.encoding, &cli->err)))
        return rc;
    int fd;
    if ((rc = cli_open_input(cli, argv[0], &fd)))
        return rc;
    struct csv_reader r;
    struct workcal_result res;
    rc = csv_open_fd(&r, fd, &o, &cli->err);
    if (!rc)
        rc = workcal_import(&cli->ctx, &r, argv[0], &res, &cli->err);
    csv_close(&r);
    cli_close_input(fd);
    if (rc)
        return error_prefix(&cli->err, "%s: ", argv[0]);
    if (cli->json) {
        json_t *o2 = json_object();
        json_object_set_new(o2, "rows", json_integer(res.rows));
        json_object_set_new(o2, "changed", json_integer(res.changed));
        cli_json_out(o2);
    } else {
        printf("imported calendar %s: %" PRId64 " days, %" PRId64 " new or changed\n", argv[0],
               res.rows, res.changed);
    }
    return 0;
}

int cmd_calendar_show(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "YEAR\n\nLists the year's holidays and make-up working days and counts its "
                 "working days.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    char *end;
    long year = strtol(argv[0], &end, 10);
    if (*end || end == argv[0] || year < INT_MIN || year > INT_MAX)
        return error(&cli->err, ERR_USAGE, "invalid year '%s'", argv[0]);
    struct workcal_year wy;
    if ((rc = workcal_year(&cli->ctx, (int)year, &wy, &cli->err)))
        return rc;
    json_t *arr = cli->json ? json_array() : NULL;
    for (size_t i = 0; i < wy.n; i++) {
        char buf[DATE_BUF_SIZE];
        date_format(date_from_days(wy.days[i].day), buf);
        const char *kind = wy.days[i].kind == CAL_HOLIDAY ? "holiday" : "workday";
        if (arr) {
            json_t *o = json_object();
            json_object_set_new(o, "date", json_string(buf));
            json_object_set_new(o, "kind", json_string(kind));
            json_object_set_new(o, "name", json_string(wy.days[i].name));
            json_array_append_new(arr, o);
        } else {
            printf("%s  %-8s %s\n", buf, kind, wy.days[i].name);
        }
    }
    if (arr) {
        json_t *o = json_object();
        json_object_set_new(o, "year", json_integer(wy.year));
        json_object_set_new(o, "covered", json_boolean(wy.covered));
        json_object_set_new(o, "working_days", json_integer(wy.working_days));
        json_object_set_new(o, "days", arr);
        cli_json_out(o);
    } else {
        printf("%d: %d working days%s\n", wy.year, (int)wy.working_days,
               wy.covered ? "" : " (no holidays imported for this year: weekends only)");
    }
    return 0;
}

int cmd_calendar_add(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "DATE N\n\nThe N-th working day after DATE (before it when N is negative).";
    int rc = cli_options(cli, specs, &argc, argv, 2, 2);
    if (rc)
        return rc;
    struct date d, out;
    char *end;
    long n = strtol(argv[1], &end, 10);
    if ((rc = date_parse(argv[0], &d, &cli->err)))
        return rc;
    if (*end || end == argv[1] || n > INT_MAX || n < -INT_MAX)
        return error(&cli->err, ERR_USAGE, "invalid number of working days '%s'", argv[1]);
    if ((rc = workcal_add_workdays(&cli->ctx, d, (int)n, &out, &cli->err)))
        return rc;
    char buf[16];
    date_format(out, buf);
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "date", json_string(buf));
        cli_json_out(o);
    } else {
        printf("%s\n", buf);
    }
    return 0;
}
