/*
 * Tariffs and bills over HTTP: the tariff list, one tariff's document (the format of
 * doc/tariff-format.md), storing a tariff document and pricing a usage with a stored tariff
 * (quote); bills filtered and one bill with its lines and their arithmetic. Bills are scoped to
 * the caller's subtree in SQL (bill.c); a bill of another subtree answers exactly like a missing
 * one. Money and energy are decimal strings. Bill runs are in api_billrun.c.
 */
#include "core/common.h"
#include "core/date.h"
#include "core/energy.h"
#include "core/money.h"
#include "api/api.h"
#include "domain/bill.h"
#include "domain/bill_text.h"
#include "domain/tariff.h"

int api_tariff_list(struct api_req *r)
{
    struct tariff_set *s;
    int rc = tariff_set_load(&r->ctx, &s, &r->err);
    if (rc)
        return rc;
    json_t *items = json_array();
    for (size_t i = 0; i < tariff_set_count(s); i++) {
        const struct tariff *t = tariff_set_at(s, i);
        int nv = tariff_version_count(t);
        char d[DATE_BUF_SIZE];
        date_format(tariff_version_from(t, nv - 1), d);
        json_array_append_new(items, json_pack("{s:s,s:s,s:s,s:i,s:s}", "code", tariff_code(t),
                                               "name", tariff_name(t), "category",
                                               tariff_category(t), "versions", nv, "latest", d));
    }
    tariff_set_free(s);
    return api_reply(r, 200, json_pack("{s:o}", "items", items));
}

int api_tariff_get(struct api_req *r)
{
    struct tariff *t;
    int rc = tariff_load(&r->ctx, api_param(r, "code"), &t, &r->err);
    if (rc)
        return rc;
    char *text = tariff_to_json(t);
    tariff_free(t);
    json_t *doc = json_loads(text, 0, NULL);
    free(text);
    if (!doc)
        return error(&r->err, ERR_INTERNAL, "tariff document does not parse");
    return api_reply(r, 200, doc);
}

/* The body is one tariff document; all or nothing, like `pmis tariff load`. 201 when versions
 * were added, 200 when every version was stored already (a repeat changes nothing). */
int api_tariff_save(struct api_req *r)
{
    struct tariff **v;
    size_t n;
    int added = 0;
    int rc = tariff_parse_json_all(r->body, r->body_len, &v, &n, &r->err);
    if (rc)
        return rc;
    if (!(rc = store_begin(r->ctx.db, &r->err))) {
        for (size_t i = 0; i < n && !rc; i++)
            rc = tariff_save(&r->ctx, v[i], "api", &added, &r->err);
        rc = store_end(r->ctx.db, rc, &r->err);
    }
    json_t *j = NULL;
    if (!rc)
        j = json_pack("{s:s,s:i}", "code", tariff_code(v[0]), "versions_added", added);
    tariff_free_all(v, n);
    if (rc)
        return rc;
    return api_reply(r, added ? 201 : 200, j);
}

static int quote_tou(struct api_req *r, struct usage *u)
{
    json_t *o = json_object_get(r->json, "tou");
    const char *key;
    json_t *val;
    if (!o || json_is_null(o))
        return 0;
    if (!json_is_object(o))
        goto bad;
    u->has_tou = true;
    json_object_foreach(o, key, val)
    {
        int per = -1;
        for (int i = 0; i < TOU_N; i++)
            if (!strcmp(key, tou_period_name((enum tou_period)i)))
                per = i;
        struct err e = ERR_INIT;
        if (per < 0 || !json_is_string(val) ||
            energy_parse_kwh(json_string_value(val), &u->tou_wh[per], &e) || u->tou_wh[per] < 0)
            goto bad;
    }
    return 0;
bad:
    return error(&r->err, ERR_INVALID,
                 "field 'tou' must be an object of sharp, peak, flat, valley, deep: kWh strings"),
           err_field(&r->err, "tou");
}

int api_tariff_quote(struct api_req *r)
{
    static const char *const known[] = {
        "tariff",      "period",         "kwh",         "tou",
        "kvarh",       "capacity_kva",   "demand_kw",   "contract_demand_kw",
        "ytd_kwh",     "months_in_year", "supply_days", "cycle_months",
        "pf_standard", "from",           "to",          "user_type",
        NULL
    };
    const char *code, *period, *pf = NULL, *kvarh = NULL;
    int64_t months = 0, days = 0, cycle = 1;
    struct usage u;
    int rc;
    usage_init(&u);
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "tariff", true, &code)) ||
        (rc = api_body_str(r, "period", true, &period)) ||
        (rc = api_body_kwh(r, "kwh", false, &u.total_wh)) || (rc = quote_tou(r, &u)) ||
        (rc = api_body_str(r, "kvarh", false, &kvarh)) ||
        (rc = api_body_kwh(r, "kvarh", false, &u.reactive_varh)) ||
        (rc = api_body_kwh(r, "capacity_kva", false, &u.capacity_va)) ||
        (rc = api_body_kwh(r, "demand_kw", false, &u.demand_w)) ||
        (rc = api_body_kwh(r, "contract_demand_kw", false, &u.contract_demand_w)) ||
        (rc = api_body_kwh(r, "ytd_kwh", false, &u.ytd_wh)) ||
        (rc = api_body_int(r, "months_in_year", 1, 12, &months)) ||
        (rc = api_body_int(r, "supply_days", 1, 31, &days)) ||
        (rc = api_body_int(r, "cycle_months", 1, 12, &cycle)) ||
        (rc = api_body_str(r, "pf_standard", false, &pf)) ||
        (rc = api_body_date(r, "from", false, &u.from)) ||
        (rc = api_body_date(r, "to", false, &u.to)) ||
        (rc = api_body_str(r, "user_type", false, &u.user_type)))
        return rc;
    if (period_parse(period, &u.period, &r->err))
        return error_prefix(&r->err, "field '%s': ", "period"), err_field(&r->err, "period");
    if (!json_object_get(r->json, "kwh") && !u.has_tou)
        return error(&r->err, ERR_INVALID, "field 'kwh' is missing (or give 'tou')"),
               err_field(&r->err, "kwh");
    if (date_is_valid(u.from) != date_is_valid(u.to))
        return error(&r->err, ERR_INVALID, "give both 'from' and 'to'"),
               err_field(&r->err, date_is_valid(u.from) ? "to" : "from");
    u.has_reactive = kvarh != NULL;
    if (pf) {
        static const struct {
            const char *s;
            int v;
        } pfs[] = { { "0.90", 90 }, { "0.9", 90 }, { "0.85", 85 },
                    { "0.80", 80 }, { "0.8", 80 }, { "0", 0 } };
        size_t i = 0;
        while (i < ARRAY_SIZE(pfs) && strcmp(pf, pfs[i].s))
            i++;
        if (i == ARRAY_SIZE(pfs))
            return error(&r->err, ERR_INVALID,
                         "field 'pf_standard' must be \"0.90\", \"0.85\", \"0.80\" or \"0\""),
                   err_field(&r->err, "pf_standard");
        u.pf_standard = pfs[i].v;
    }
    u.months_in_year = (int)months;
    u.supply_days = (int)days;
    u.cycle_months = (int)cycle;
    struct tariff *t;
    if ((rc = tariff_load(&r->ctx, code, &t, &r->err)))
        return rc;
    struct quote *q = arena_alloc(&r->arena, sizeof(*q)); /* large: not on a worker's stack */
    rc = tariff_quote(t, &u, q, &r->err);
    tariff_free(t);
    if (rc)
        return rc;
    json_t *lines = json_array();
    for (int i = 0; i < q->nlines; i++) {
        const struct quote_line *l = &q->lines[i];
        char d[DATE_BUF_SIZE], ar[2048];
        json_array_append_new(lines,
                              json_pack("{s:s,s:s,s:s,s:o,s:s,s:s}", "item", l->code, "name",
                                        l->name_zh, "version", date_format(l->version, d), "amount",
                                        api_json_money(l->amount_fen), "rule", l->rule,
                                        "arithmetic", quote_line_arith(l, ar, sizeof(ar))));
    }
    char e[ENERGY_BUF_SIZE];
    return api_reply(r, 200,
                     json_pack("{s:s,s:s,s:o,s:s,s:o}", "tariff", code, "period", period, "lines",
                               lines, "energy_kwh", energy_format_kwh3(q->energy_wh, e), "total",
                               api_json_money(q->total_fen)));
}

static json_t *money_json(int64_t fen)
{
    char b[MONEY_BUF_SIZE];
    return json_string(money_format(fen, b));
}

static json_t *kwh_json(int64_t wh)
{
    char b[ENERGY_BUF_SIZE];
    return json_string(energy_format_kwh(wh, b));
}

static json_t *bill_json(const struct bill_info *b)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_integer(b->id));
    json_object_set_new(j, "bill_no", api_json_str(b->bill_no));
    json_object_set_new(j, "account_no", api_json_str(b->account_no));
    json_object_set_new(j, "cust_no", api_json_str(b->cust_no));
    json_object_set_new(j, "period", api_json_str(b->period));
    json_object_set_new(j, "kind", api_json_str(b->kind));
    json_object_set_new(j, "status", api_json_str(b->status));
    json_object_set_new(j, "tariff", api_json_str(b->tariff_code));
    json_object_set_new(j, "read_from", api_json_str(b->read_from));
    json_object_set_new(j, "read_to", api_json_str(b->read_to));
    json_object_set_new(j, "energy_kwh", kwh_json(b->energy_wh));
    json_object_set_new(j, "total", money_json(b->total_fen));
    json_object_set_new(j, "due_on", api_json_str(b->due_on));
    json_object_set_new(j, "review_reason", api_json_str(b->review_reason));
    json_object_set_new(j, "run", b->run_id ? json_integer(b->run_id) : json_null());
    json_object_set_new(j, "adjusts",
                        b->adjusts_bill_id ? json_integer(b->adjusts_bill_id) : json_null());
    return j;
}

struct bill_page {
    json_t *items;
    char last[48]; /* the keyset of the last bill: "PERIOD:ID" */
};

static int bill_item(void *arg, const struct bill_info *b)
{
    struct bill_page *p = arg;
    json_array_append_new(p->items, bill_json(b));
    snprintf(p->last, sizeof(p->last), "%s:%" PRId64, b->period, b->id);
    return 0;
}

/* ?after=PERIOD:ID, the `next` of the page before: the list's order is period newest first,
 * then id, so the key is both. */
static int bill_after(struct api_req *r, struct bill_filter *f)
{
    const char *s = api_query(r, "after");
    struct period p;
    char period[8];
    if (!s)
        return 0;
    const char *colon = strchr(s, ':');
    char *end;
    if (colon && colon - s == 7) {
        memcpy(period, s, 7);
        period[7] = '\0';
        errno = 0;
        long long id = strtoll(colon + 1, &end, 10);
        struct err e = ERR_INIT;
        if (!period_parse(period, &p, &e) && colon[1] >= '0' && colon[1] <= '9' && !*end &&
            !errno && id > 0) {
            f->after_period = arena_strdup(r->ctx.arena, period);
            f->after_id = id;
            return 0;
        }
    }
    return error(&r->err, ERR_INVALID,
                 "query parameter 'after' must be a page's next cursor PERIOD:ID, not '%s'", s),
           err_field(&r->err, "after");
}

int api_bill_list(struct api_req *r)
{
    struct bill_filter f = { 0 };
    struct period per;
    int rc;
    f.account_no = api_query(r, "account");
    f.period = api_query(r, "period");
    f.status = api_query(r, "status");
    if (f.period && period_parse(f.period, &per, &r->err))
        return error_prefix(&r->err, "query parameter '%s': ", "period"),
               err_field(&r->err, "period");
    if ((rc = api_query_int(r, "run", 1, INT64_MAX, 0, &f.run_id)) ||
        (rc = api_query_int(r, "limit", 1, 1000, 100, &f.limit)) || (rc = bill_after(r, &f)))
        return rc;
    struct bill_page p = { json_array(), "" };
    if ((rc = bill_list(&r->ctx, &f, bill_item, &p, &r->err))) {
        json_decref(p.items);
        return rc;
    }
    bool more = (int64_t)json_array_size(p.items) == f.limit;
    return api_reply(r, 200, json_pack("{s:o,s:o}", "items", p.items, "next",
                                       more ? json_string(p.last) : json_null()));
}

struct line_out {
    struct api_req *r;
    json_t *arr;
};

static int line_item(void *arg, const struct bill_line_info *l)
{
    struct line_out *lo = arg;
    char q[MONEY_BUF_SIZE], p[MONEY_BUF_SIZE], buf[1024];
    if (!strcmp(l->unit, "fen"))
        money_format(l->qty, q);
    else if (!strcmp(l->unit, "days"))
        snprintf(q, sizeof(q), "%" PRId64, l->qty);
    else
        energy_format_kwh3(l->qty, q);
    json_t *j = json_object();
    json_object_set_new(j, "item", json_string(l->item));
    json_object_set_new(j, "code", json_string(l->code));
    json_object_set_new(j, "name", json_string(l->name));
    json_object_set_new(j, "quantity", json_string(q));
    json_object_set_new(j, "unit", json_string(l->unit));
    json_object_set_new(j, "price",
                        l->price_e8 ? json_string(price_format(l->price_e8, p)) : json_null());
    json_object_set_new(j, "amount", money_json(l->amount_fen));
    json_object_set_new(j, "rule", json_string(l->rule));
    json_object_set_new(j, "version", json_string(l->version));
    struct quote_line ql;
    struct err e = ERR_INIT;
    memset(&ql, 0, sizeof(ql));
    ql.amount_fen = l->amount_fen;
    if (!bill_parts_decode(l->parts, &lo->r->arena, &ql, &e))
        json_object_set_new(j, "arithmetic", json_string(quote_line_arith(&ql, buf, sizeof(buf))));
    json_array_append_new(lo->arr, j);
    return 0;
}

/* A bill with its lines; with `explain` also its stored inputs as `pmis bill explain --json`
 * gives them: "readings" (the readings and multipliers, one per line) and "usage" (the
 * consumption after the multiplier, "k=v;..."). */
static int bill_reply(struct api_req *r, bool explain)
{
    const char *key = api_param(r, "id");
    const char *usage = NULL, *reads = NULL;
    struct bill_info b;
    int64_t id;
    int rc = bill_find(&r->ctx, key, &id, &r->err);
    if (!rc)
        rc = bill_get(&r->ctx, id, &b, &r->err);
    if (!rc && explain)
        rc = bill_inputs(&r->ctx, id, &usage, &reads, &r->err);
    if (rc == ERR_NOT_FOUND) /* out of scope reads exactly as missing */
        return error(&r->err, ERR_NOT_FOUND, "no bill '%s'", key);
    if (rc)
        return rc;
    json_t *o = bill_json(&b);
    if (explain) {
        json_object_set_new(o, "readings", api_json_str(reads));
        json_object_set_new(o, "usage", api_json_str(usage));
    }
    struct line_out lo = { r, json_array() };
    if ((rc = bill_lines(&r->ctx, id, line_item, &lo, &r->err))) {
        json_decref(lo.arr);
        json_decref(o);
        return rc;
    }
    json_object_set_new(o, "lines", lo.arr);
    return api_reply(r, 200, o);
}

int api_bill_get(struct api_req *r)
{
    return bill_reply(r, false);
}

int api_bill_explain(struct api_req *r)
{
    return bill_reply(r, true);
}
