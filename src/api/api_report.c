/*
 * Read-only views the web UI's dashboard and 360° customer view need: sales by month and user
 * type (domain/report.c), a customer's dated history, a meter's register readings and its
 * load curve in keyset pages of days. Thin:
 * the domain keeps other subtrees unknown (404) and computes in SQL over the caller's subtree;
 * sales without an org are the caller's own subtree, like the collections figures.
 */
#include "core/common.h"
#include "core/date.h"
#include "core/energy.h"
#include "api/api.h"
#include "domain/customer.h"
#include "domain/meter.h"
#include "domain/reading.h"
#include "domain/report.h"

static json_t *kwh_json(int64_t wh)
{
    char b[ENERGY_BUF_SIZE];
    return json_string(energy_format_kwh(wh, b));
}

struct sales_out {
    json_t *items, *totals;
};

static int sales_item(void *arg, const struct sales_row *x)
{
    struct sales_out *o = arg;
    json_t *j = json_object();
    json_object_set_new(j, "period", json_string(x->period));
    if (x->user_type) {
        json_object_set_new(j, "user_type", json_string(x->user_type));
        json_object_set_new(j, "name", api_json_str(x->name));
    }
    json_object_set_new(j, "bills", json_integer(x->bills));
    json_object_set_new(j, "accounts", json_integer(x->accounts));
    json_object_set_new(j, "energy_kwh", kwh_json(x->energy_wh));
    json_object_set_new(j, "revenue", api_json_money(x->revenue_fen));
    json_array_append_new(x->user_type ? o->items : o->totals, j);
    return 0;
}

/* Query parameter `name` as a period; `def` when absent. */
static int query_period(struct api_req *r, const char *name, struct period def, struct period *out)
{
    const char *v = api_query(r, name);
    *out = def;
    if (v && period_parse(v, out, &r->err))
        return error_prefix(&r->err, "query parameter '%s': ", name), err_field(&r->err, name);
    return 0;
}

int api_report_sales(struct api_req *r)
{
    char pf[PERIOD_BUF_SIZE], pt[PERIOD_BUF_SIZE];
    struct period from, to;
    struct date today;
    int rc;
    if ((rc = ctx_today(&r->ctx, &today, &r->err)))
        return rc;
    /* default: the twelve months up to the current one */
    if ((rc = query_period(r, "to", period_of(today), &to)) ||
        (rc = query_period(r, "from", period_add(to, -11), &from)))
        return rc;
    if (period_diff(from, to) > 120)
        return error(&r->err, ERR_INVALID, "at most 120 months from 'from' to 'to'"),
               err_field(&r->err, "from");
    const char *org = api_query(r, "org");
    if (!org && r->ctx.scope_org_id)
        org = r->who.org_code;
    struct sales_out o = { json_array(), json_array() };
    if ((rc = report_sales(&r->ctx, org, from, to, sales_item, &o, &r->err))) {
        json_decref(o.items);
        json_decref(o.totals);
        if (rc == ERR_INVALID && !r->err.field[0])
            err_field(&r->err, "from");
        else if (rc == ERR_NOT_FOUND && api_query(r, "org"))
            err_field(&r->err, "org");
        return rc;
    }
    return api_reply(r, 200,
                     json_pack("{s:s,s:s,s:o,s:o}", "from", period_format(from, pf), "to",
                               period_format(to, pt), "items", o.items, "totals", o.totals));
}

static int history_item(void *arg, const struct customer_history_row *h)
{
    json_t *j = json_object();
    json_object_set_new(j, "effective_on", api_json_str(h->effective_on));
    json_object_set_new(j, "field", api_json_str(h->field));
    json_object_set_new(j, "old", api_json_str(h->old_value));
    json_object_set_new(j, "new", api_json_str(h->new_value));
    json_object_set_new(j, "actor", api_json_str(h->actor));
    json_object_set_new(j, "changed_at", api_json_time(h->changed_at));
    json_array_append_new(arg, j);
    return 0;
}

int api_customer_history(struct api_req *r)
{
    json_t *items = json_array();
    int rc = customer_history(&r->ctx, api_param(r, "id"), history_item, items, &r->err);
    if (rc) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:o}", "items", items));
}

static int reading_item(void *arg, int64_t meter_id, const struct reading *x)
{
    char day[DATE_BUF_SIZE], num[ENERGY_BUF_SIZE];
    UNUSED(meter_id);
    json_t *j = json_object();
    json_object_set_new(j, "read_on", json_string(date_format(x->rs.on, day)));
    for (int i = 0; i < REG_N; i++)
        json_object_set_new(j, reg_name((enum reg)i),
                            x->rs.present & (1u << i)
                                ? json_string(energy_format_kwh3(x->rs.v[i], num))
                                : json_null());
    json_object_set_new(j, "source", json_string(read_source_name(x->rs.source)));
    json_object_set_new(j, "status", json_string(x->valid ? "valid" : "void"));
    json_array_append_new(arg, j);
    return 0;
}

int api_meter_readings(struct api_req *r)
{
    struct date from = { 0, 0, 0 }, to = { 0, 0, 0 };
    int rc;
    if ((rc = api_query_date(r, "from", &from)) || (rc = api_query_date(r, "to", &to)))
        return rc;
    json_t *items = json_array();
    rc = reading_list(&r->ctx, api_param(r, "id"), date_is_valid(from) ? &from : NULL,
                      date_is_valid(to) ? &to : NULL, reading_item, items, &r->err);
    if (rc) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:s,s:o}", "meter", api_param(r, "id"), "items", items));
}

json_t *api_interval_day_json(const struct interval_day *d)
{
    char num[ENERGY_BUF_SIZE], day[DATE_BUF_SIZE];
    int missing;
    int64_t total = interval_sum(d->pts, 0, d->n, &missing);
    json_t *pts = json_array();
    for (int i = 0; i < d->n; i++)
        json_array_append_new(pts, d->pts[i] == INTERVAL_MISSING
                                       ? json_null()
                                       : json_string(energy_format_kwh3(d->pts[i], num)));
    json_t *j = json_object();
    json_object_set_new(j, "date", json_string(date_format(d->day, day)));
    json_object_set_new(j, "minutes", json_integer(d->minutes));
    json_object_set_new(j, "points", pts);
    json_object_set_new(j, "missing", json_integer(missing));
    json_object_set_new(j, "total_kwh", json_string(energy_format_kwh3(total, num)));
    json_object_set_new(
        j, "max_demand_kw",
        json_string(energy_format_kwh3(interval_max_demand_w(d->pts, d->n, d->minutes), num)));
    return j;
}

struct iv_page {
    json_t *items;
    int64_t limit;
    bool more;
};

static int iv_item(void *arg, int64_t meter_id, const struct interval_day *d)
{
    struct iv_page *p = arg;
    UNUSED(meter_id);
    if ((int64_t)json_array_size(p->items) == p->limit) {
        p->more = true;
        return 1; /* stop: a day past the full page */
    }
    json_array_append_new(p->items, api_interval_day_json(d));
    return 0;
}

/* GET /meters/{asset}/intervals?from=&to=&after=&limit=: the meter's load-curve days (as
 * `pmis reading intervals`, one day each), oldest first, in keyset pages of at most `limit`
 * days (1-366, default 31) after the day `after`; "next" is the `after` of the following page,
 * null on the last. Another subtree's meter is 404 (meter_get). */
int api_meter_intervals(struct api_req *r)
{
    struct date from = { DATE_MIN_YEAR, 1, 1 }, to = { DATE_MAX_YEAR, 12, 31 }, after = { 0, 0, 0 };
    struct iv_page p = { NULL, 0, false };
    struct meter m;
    int rc;
    if ((rc = api_query_date(r, "from", &from)) || (rc = api_query_date(r, "to", &to)) ||
        (rc = api_query_date(r, "after", &after)) ||
        (rc = api_query_int(r, "limit", 1, 366, 31, &p.limit)) ||
        (rc = meter_get(&r->ctx, api_param(r, "id"), &m, &r->err)))
        return rc;
    if (date_cmp(from, to) > 0)
        return error(&r->err, ERR_INVALID, "'from' is after 'to'"), err_field(&r->err, "from");
    if (date_is_valid(after) && date_cmp(date_add_days(after, 1), from) > 0)
        from = date_add_days(after, 1);
    p.items = json_array();
    rc = reading_intervals(&r->ctx, m.id, from, to, iv_item, &p, &r->err);
    if (rc < 0) {
        json_decref(p.items);
        return rc;
    }
    size_t n = json_array_size(p.items);
    json_t *next = p.more ? json_incref(json_object_get(json_array_get(p.items, n - 1), "date"))
                          : json_null();
    return api_reply(r, 200,
                     json_pack("{s:s,s:o,s:o}", "meter", m.asset_no, "items", p.items, "next",
                               next));
}
