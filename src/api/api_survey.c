/*
 * Satisfaction surveys over HTTP (manual 6.3): record the callback answer of a closed work
 * order (201; the very same answer again 200 with "duplicate":true; a different second answer
 * 409), list answers, create, list and show sampling campaigns, list the survey templates with
 * their dimensions, and the CSAT / CSI report. Thin:
 * domain/survey*.c does the work and keeps other subtrees' orders and campaigns unknown
 * (ctx.scope_org_id), so they answer 404. The report without an org is the caller's subtree.
 */
#include "core/common.h"
#include "core/cfg.h"
#include "core/money.h"
#include "api/api.h"
#include "domain/survey.h"

static json_t *response_json(const struct survey_response *s)
{
    json_t *sc = json_object();
    for (size_t i = 0; i < s->nscores; i++)
        json_object_set_new(sc, s->scores[i].dimension, json_integer(s->scores[i].score));
    return json_pack("{s:I,s:s,s:s,s:o,s:o,s:s,s:s,s:I,s:s,s:s,s:o,s:s,s:o,s:s,s:o}", "ticket",
                     (json_int_t)s->ticket_id, "result", s->result, "result_name", s->result_zh,
                     "comment", api_json_str(s->comment), "scores", sc, "channel", s->channel,
                     "template", s->template_code, "template_version",
                     (json_int_t)s->template_version, "org", s->org_code, "type", s->type,
                     "cust_no", api_json_str(s->cust_no), "period", s->period, "answered_at",
                     api_json_time(s->answered_at), "recorded_by", s->recorded_by, "follow_up",
                     s->follow_up_id ? json_integer(s->follow_up_id) : json_null());
}

/* A body member of dimension: whole number ("scores": {"efficiency": 5, ...}, "weights"): `what`
 * names one value ("score"), `range` its range for the messages ("1..5"); the domain checks
 * the dimensions and the values. */
static int body_dims(struct api_req *r, const char *field, const char *what, const char *range,
                     const char **names, int64_t *vals, size_t *n)
{
    json_t *o = json_object_get(r->json, field), *v;
    const char *key;
    if (!o || json_is_null(o))
        return 0;
    if (!json_is_object(o))
        return error(&r->err, ERR_INVALID, "field '%s' must be an object of dimension: %s", field,
                     range),
               err_field(&r->err, field);
    json_object_foreach(o, key, v)
    {
        if (!json_is_integer(v))
            return error(&r->err, ERR_INVALID, "%s of '%s' must be a whole number %s", what, key,
                         range),
                   err_field(&r->err, field);
        if (*n == SURVEY_DIMS_MAX)
            return error(&r->err, ERR_INVALID, "more than %d dimensions in '%s'", SURVEY_DIMS_MAX,
                         field),
                   err_field(&r->err, field);
        names[*n] = key;
        vals[(*n)++] = json_integer_value(v);
    }
    return 0;
}

static int body_scores(struct api_req *r, struct survey_in *in)
{
    const char *names[SURVEY_DIMS_MAX];
    int64_t vals[SURVEY_DIMS_MAX];
    int rc = body_dims(r, "scores", "score", "1..5", names, vals, &in->nscores);
    for (size_t i = 0; !rc && i < in->nscores; i++)
        in->scores[i] = (struct survey_score){ names[i], vals[i] };
    return rc;
}

int api_survey_record(struct api_req *r)
{
    static const char *const known[] = { "result", "comment", "scores", "channel", "template",
                                         NULL };
    struct survey_in in = { 0 };
    struct survey_response s;
    bool dup;
    int rc;
    if ((rc = api_param_id(r, "work order", &in.ticket_id)) || (rc = api_body_only(r, known)) ||
        (rc = api_body_str(r, "result", true, &in.result)) ||
        (rc = api_body_str(r, "comment", false, &in.comment)) ||
        (rc = api_body_str(r, "channel", false, &in.channel)) ||
        (rc = api_body_str(r, "template", false, &in.template_code)) || (rc = body_scores(r, &in)) ||
        (rc = survey_record(&r->ctx, &in, &s, &dup, &r->err)))
        return rc;
    json_t *j = response_json(&s);
    json_object_set_new(j, "duplicate", json_boolean(dup));
    return api_reply(r, dup ? 200 : 201, j);
}

/* GET /surveys/{id}: the callback answer of work order {id} (`pmis survey show`). An order of
 * another subtree answers 404 exactly like one without an answer (the domain's scope). */
int api_survey_get(struct api_req *r)
{
    struct survey_response s;
    int64_t id;
    bool found;
    int rc;
    if ((rc = api_param_id(r, "work order", &id)) ||
        (rc = survey_get(&r->ctx, id, &s, &found, &r->err)))
        return rc;
    if (!found)
        return error(&r->err, ERR_NOT_FOUND, "work order %" PRId64 " has no survey answer", id);
    return api_reply(r, 200, response_json(&s));
}

struct list_out {
    json_t *items;
    int64_t last; /* the last answer's id, for the next page */
};

static int list_item(void *arg, const struct survey_response *s)
{
    struct list_out *o = arg;
    json_array_append_new(o->items, response_json(s));
    o->last = s->id;
    return 0;
}

/* The query parameters every list here takes: period (YYYY-MM), after (keyset) and limit. */
static int page_query(struct api_req *r, const char **period, int64_t *after, int64_t *limit)
{
    struct period p;
    int rc;
    *period = api_query(r, "period");
    if (*period && period_parse(*period, &p, &r->err))
        return error_prefix(&r->err, "query parameter '%s': ", "period"),
               err_field(&r->err, "period");
    if ((rc = api_query_int(r, "after", 0, INT64_MAX, 0, after)) ||
        (rc = api_query_int(r, "limit", 1, 1000, 100, limit)))
        return rc;
    return 0;
}

/* Reply with the page in `o` ({"items", "next"}), or the error rc of filling it. */
static int page_reply(struct api_req *r, int rc, struct list_out *o, int64_t limit)
{
    if (rc) {
        json_decref(o->items);
        return rc;
    }
    bool more = (int64_t)json_array_size(o->items) == limit;
    return api_reply(r, 200, json_pack("{s:o,s:o}", "items", o->items, "next",
                                       more ? json_integer(o->last) : json_null()));
}

int api_survey_list(struct api_req *r)
{
    struct survey_filter f = { .result = api_query(r, "result"), .type = api_query(r, "type"),
                               .org_code = api_query(r, "org"),
                               .cust_no = api_query(r, "customer") };
    int rc = page_query(r, &f.period, &f.after_id, &f.limit);
    if (rc)
        return rc;
    struct list_out o = { json_array(), 0 };
    return page_reply(r, survey_list(&r->ctx, &f, list_item, &o, &r->err), &o, f.limit);
}

static json_t *campaign_json(const struct survey_campaign *k)
{
    return json_pack("{s:I,s:s,s:s,s:o,s:s,s:o,s:o,s:I,s:s,s:I,s:I,s:I,s:I,s:o,s:s}", "id",
                     (json_int_t)k->id, "name", k->name, "org", k->org_code, "type",
                     api_json_str(k->type), "period", k->period, "sample_pct",
                     k->sample_pct ? json_integer(k->sample_pct) : json_null(), "sample_n",
                     k->sample_n ? json_integer(k->sample_n) : json_null(), "seed",
                     (json_int_t)k->seed, "template", k->template_code, "template_version",
                     (json_int_t)k->template_version, "population", (json_int_t)k->population,
                     "sampled", (json_int_t)k->sampled, "answered", (json_int_t)k->answered,
                     "created_at", api_json_time(k->created_at), "created_by", k->created_by);
}

int api_survey_campaign_create(struct api_req *r)
{
    static const char *const known[] = { "name", "org", "period", "type", "sample_pct",
                                         "sample_n", "seed", "template", NULL };
    struct survey_campaign_in in = { 0 };
    struct survey_campaign k;
    const char *period = NULL;
    int rc;
    in.seed = ctx_now(&r->ctx) % 1000000007;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "name", true, &in.name)) ||
        (rc = api_body_str(r, "org", true, &in.org_code)) ||
        (rc = api_body_str(r, "period", true, &period)) ||
        (rc = api_body_str(r, "type", false, &in.type)) ||
        (rc = api_body_str(r, "template", false, &in.template_code)) ||
        (rc = api_body_int(r, "sample_pct", 1, 100, &in.sample_pct)) ||
        (rc = api_body_int(r, "sample_n", 1, 1000000, &in.sample_n)) ||
        (rc = api_body_int(r, "seed", INT64_MIN, INT64_MAX, &in.seed)))
        return rc;
    if (period_parse(period, &in.period, &r->err))
        return error_prefix(&r->err, "field '%s': ", "period"), err_field(&r->err, "period");
    if ((rc = survey_campaign_create(&r->ctx, &in, &k, &r->err)))
        return rc;
    return api_reply(r, 201, campaign_json(&k));
}

static int campaign_item(void *arg, const struct survey_campaign *k)
{
    struct list_out *o = arg;
    json_array_append_new(o->items, campaign_json(k));
    o->last = k->id;
    return 0;
}

int api_survey_campaign_list(struct api_req *r)
{
    struct survey_campaign_filter f = { .org_code = api_query(r, "org") };
    int rc = page_query(r, &f.period, &f.after_id, &f.limit);
    if (rc)
        return rc;
    struct list_out o = { json_array(), 0 };
    return page_reply(r, survey_campaign_page(&r->ctx, &f, campaign_item, &o, &r->err), &o,
                      f.limit);
}

json_t *api_survey_template_json(const struct survey_template *t)
{
    json_t *d = json_array();
    for (size_t i = 0; i < t->ndims; i++)
        json_array_append_new(d, json_pack("{s:s,s:s,s:I,s:s}", "dimension", t->dims[i].dimension,
                                           "name", t->dims[i].name_zh, "weight",
                                           (json_int_t)t->dims[i].weight, "question",
                                           t->dims[i].question_zh));
    return json_pack("{s:s,s:I,s:s,s:s,s:o}", "code", t->code, "version", (json_int_t)t->version,
                     "name", t->name_zh, "effective_on", t->effective_on, "dimensions", d);
}

static int template_item(void *arg, const struct survey_template *t)
{
    json_array_append_new(arg, api_survey_template_json(t));
    return 0;
}

int api_survey_template_list(struct api_req *r)
{
    json_t *items = json_array();
    int rc = survey_templates(&r->ctx, template_item, items, &r->err);
    if (rc) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:o}", "items", items));
}

static int call_item(void *arg, const struct survey_call *x)
{
    json_array_append_new(arg, json_pack("{s:I,s:I,s:s,s:o,s:s,s:o,s:o}", "draw",
                                         (json_int_t)x->draw, "ticket", (json_int_t)x->ticket_id,
                                         "type", x->type, "cust_no", api_json_str(x->cust_no),
                                         "org", x->org_code, "result", api_json_str(x->result),
                                         "answered_at", api_json_time(x->answered_at)));
    return 0;
}

int api_survey_campaign_get(struct api_req *r)
{
    struct survey_campaign k;
    int64_t id;
    int rc;
    if ((rc = api_param_id(r, "survey campaign", &id)) ||
        (rc = survey_campaign_get(&r->ctx, id, &k, &r->err)))
        return rc;
    json_t *orders = json_array();
    if ((rc = survey_campaign_calls(&r->ctx, id, call_item, orders, &r->err))) {
        json_decref(orders);
        return rc;
    }
    json_t *j = campaign_json(&k);
    json_object_set_new(j, "orders", orders);
    return api_reply(r, 200, j);
}

static int fig_item(void *arg, const struct survey_fig *f)
{
    char a[48], b[48];
    json_t *j = json_pack("{s:s,s:s,s:I,s:I,s:o}", "key", f->key, "name", f->name, "responses",
                          (json_int_t)f->responses, "scored", (json_int_t)f->scored, "csi",
                          f->csi_x100 < 0 ? json_null()
                                          : json_string(decimal_format(f->csi_x100, 2, 2, 0, a)));
    if (!f->dimension) {
        json_object_set_new(j, "satisfied", json_integer(f->satisfied));
        json_object_set_new(j, "basically_satisfied", json_integer(f->basic));
        json_object_set_new(j, "dissatisfied", json_integer(f->dissatisfied));
        json_object_set_new(j, "csat_pct", f->csat_bp < 0 ? json_null()
                                           : json_string(decimal_format(f->csat_bp, 2, 2, 0, b)));
        json_object_set_new(j, "target_pct", json_integer(f->target_pct));
        json_object_set_new(j, "met", f->missed < 0 ? json_null() : json_boolean(!f->missed));
    }
    json_array_append_new(arg, j);
    return 0;
}

int api_survey_report(struct api_req *r)
{
    static const char *const bys[] = { "org", "type", "dimension", "period" };
    const char *by = api_query(r, "by");
    struct period p[2];
    int rc;
    if ((rc = api_query_periods(r, p)))
        return rc;
    size_t k = 0;
    while (by && k < ARRAY_SIZE(bys) && strcmp(bys[k], by))
        k++;
    if (k == ARRAY_SIZE(bys))
        return error(&r->err, ERR_INVALID,
                     "query parameter 'by' must be org, type, dimension or period"),
               err_field(&r->err, "by");
    const struct cfg *cfg = r->cfg->settings;
    struct survey_targets tg = { cfg ? cfg_int(cfg, CFG_SURVEY_TARGET) : 95,
                                 cfg ? cfg_int(cfg, CFG_SURVEY_COMPLAINT_TARGET) : 90 };
    json_t *items = json_array();
    if ((rc = survey_report(&r->ctx, p[0], p[1], api_query(r, "org"), (enum survey_by)k, &tg,
                            fig_item, items, &r->err))) {
        json_decref(items);
        return rc;
    }
    /* the last two rows are the total and the complaints */
    size_t n = json_array_size(items);
    json_t *all = json_incref(json_array_get(items, n - 2));
    json_t *cpl = json_incref(json_array_get(items, n - 1));
    json_array_remove(items, n - 1);
    json_array_remove(items, n - 2);
    return api_reply(r, 200, json_pack("{s:s,s:o,s:o,s:o}", "by", bys[k], "rows", items, "total",
                                       all, "complaints", cpl));
}

/* POST /survey-templates {"code","name","effective_on","weights":{"efficiency":40,...}}: the
 * next version of a template (as `pmis survey template add`); 201 with the version as listed.
 * Templates serve every org: a whole-tree job (R_WHOLE_TREE). */
int api_survey_template_add(struct api_req *r)
{
    static const char *const known[] = { "code", "name", "effective_on", "weights", NULL };
    struct survey_template t = { 0 }, got;
    const char *names[SURVEY_DIMS_MAX];
    int64_t vals[SURVEY_DIMS_MAX], version;
    struct date day;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "code", true, &t.code)) ||
        (rc = api_body_str(r, "name", true, &t.name_zh)) ||
        (rc = api_body_date(r, "effective_on", true, &day)) ||
        (rc = api_body_str(r, "effective_on", true, &t.effective_on)) ||
        (rc = body_dims(r, "weights", "weight", "1..100", names, vals, &t.ndims)))
        return rc;
    if (!t.ndims)
        return error(&r->err, ERR_INVALID, "field '%s' is missing", "weights"),
               err_field(&r->err, "weights");
    for (size_t i = 0; i < t.ndims; i++)
        t.dims[i] = (struct survey_dim){ .dimension = names[i], .weight = vals[i] };
    if ((rc = survey_template_add(&r->ctx, &t, &version, &r->err)) ||
        (rc = survey_template_get(&r->ctx, t.code, day, &got, &r->err)))
        return rc;
    return api_reply(r, 201, api_survey_template_json(&got));
}
