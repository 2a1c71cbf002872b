/*
 * The working-day calendar over HTTP: a year's public holidays and 调休 make-up working days
 * with its count of working days and the N-th working day after a date (any authenticated
 * caller: SLA deadlines are counted on it), and setting or removing one day or importing a
 * year's CSV (calendar:write). Thin: domain/workcal.c validates with the SLA engine's own
 * calendar rules, keeps the calendar to whole-tree users (the import: the route's R_WHOLE_TREE)
 * and audits.
 */
#include "core/common.h"
#include "core/date.h"
#include "api/api.h"
#include "domain/workcal.h"

static const char *kind_name(enum cal_kind k)
{
    return k == CAL_HOLIDAY ? "holiday" : "workday";
}

int api_calendar_get(struct api_req *r)
{
    int64_t year;
    struct workcal_year y;
    int rc;
    if (!api_query(r, "year"))
        return error(&r->err, ERR_INVALID, "query parameter '%s' is missing", "year"),
               err_field(&r->err, "year");
    if ((rc = api_query_int(r, "year", 1900, 2999, 0, &year)) ||
        (rc = workcal_year(&r->ctx, (int)year, &y, &r->err)))
        return rc;
    json_t *days = json_array();
    for (size_t i = 0; i < y.n; i++) {
        char b[DATE_BUF_SIZE];
        json_array_append_new(days, json_pack("{s:s,s:s,s:s}", "date",
                                              date_format(date_from_days(y.days[i].day), b), "kind",
                                              kind_name(y.days[i].kind), "name", y.days[i].name));
    }
    return api_reply(r, 200,
                     json_pack("{s:i,s:b,s:i,s:o}", "year", y.year, "covered", y.covered,
                               "working_days", (int)y.working_days, "days", days));
}

/* GET /calendar/working-day?from=YYYY-MM-DD&days=N: the N-th working day after `from` (before
 * it when N < 0), as `pmis calendar add`: {"from", "days", "date"}. */
int api_calendar_workday(struct api_req *r)
{
    struct date from, out;
    int64_t days;
    char b[2][DATE_BUF_SIZE];
    int rc;
    static const char *const need[] = { "from", "days" };
    for (size_t i = 0; i < 2; i++)
        if (!api_query(r, need[i]))
            return error(&r->err, ERR_INVALID, "query parameter '%s' is missing", need[i]),
                   err_field(&r->err, need[i]);
    if ((rc = api_query_date(r, "from", &from)) ||
        (rc = api_query_int(r, "days", -100000, 100000, 0, &days)) ||
        (rc = workcal_add_workdays(&r->ctx, from, (int)days, &out, &r->err)))
        return rc;
    return api_reply(r, 200, json_pack("{s:s,s:I,s:s}", "from", date_format(from, b[0]), "days",
                                       (json_int_t)days, "date", date_format(out, b[1])));
}

int api_calendar_set(struct api_req *r)
{
    static const char *const known[] = { "date", "kind", "name", NULL };
    const char *day, *kind, *name;
    bool changed;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "date", true, &day)) ||
        (rc = api_body_str(r, "kind", true, &kind)) ||
        (rc = api_body_str(r, "name", false, &name)) ||
        (rc = workcal_set_day(&r->ctx, day, kind, name, &changed, &r->err)))
        return rc;
    return api_reply(r, 200,
                     json_pack("{s:s,s:s,s:s,s:b}", "date", day, "kind", kind, "name",
                               name ? name : "", "changed", changed));
}

int api_calendar_remove(struct api_req *r)
{
    const char *day = api_param(r, "date");
    int rc = workcal_remove_day(&r->ctx, day, &r->err);
    return rc ? rc : api_reply(r, 200, json_pack("{s:s,s:s}", "date", day, "status", "removed"));
}

/* POST /calendar/import?encoding= with the CSV of `pmis calendar import` (date,kind,name) as
 * the body: all or nothing, a bad line named (400) with nothing stored; {"rows","changed"}.
 * The calendar clocks every org's deadlines: a whole-tree job (R_WHOLE_TREE). */
int api_calendar_import(struct api_req *r)
{
    const char *encoding = api_query(r, "encoding");
    struct csv_options o = CSV_OPTIONS_INIT;
    struct workcal_result res = { 0, 0 };
    struct csv_reader cr;
    int rc;
    if (encoding && csv_encoding_parse(encoding, &o.encoding, &r->err))
        return err_field(&r->err, "encoding");
    if ((rc = api_csv_open(r, &cr, &o)))
        return rc;
    rc = workcal_import(&r->ctx, &cr, "api", &res, &r->err);
    csv_close(&cr);
    if (rc == ERR_USAGE)
        rc = ERR_INVALID;
    if (rc)
        return rc;
    return api_reply(r, 200, json_pack("{s:I,s:I}", "rows", (json_int_t)res.rows, "changed",
                                       (json_int_t)res.changed));
}
