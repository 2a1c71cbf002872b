/*
 * Sampling campaigns (抽样回访, see survey.h): the population is read in id order, each order
 * ranked by survey_draw_key(seed, id) and the first n kept; the sample is stored with its draw
 * order, so the list of orders to call is fixed once drawn and the same inputs and seed draw it
 * again identically on any backend (the key is computed here, not in SQL).
 */
#include "domain/survey.h"

#include "core/common.h"
#include "core/vec.h"
#include "domain/audit.h"

#define CAMPAIGN_NAME_MAX 200

uint64_t survey_draw_key(int64_t seed, int64_t id)
{
    /* splitmix64 (Steele, Lea, Flood 2014) of the seed mixed with the id */
    uint64_t x = (uint64_t)seed ^ ((uint64_t)id * UINT64_C(0x9E3779B97F4A7C15));
    x += UINT64_C(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

struct drawn {
    uint64_t key;
    int64_t id;
};

static int drawn_cmp(const void *a, const void *b)
{
    const struct drawn *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static void campaign_read(struct ctx *c, struct store_stmt *st, struct survey_campaign *k)
{
    k->id = store_col_i64(st, 0);
    k->name = ctx_col_text(c, st, 1);
    k->org_code = ctx_col_text(c, st, 2);
    k->type = ctx_col_text(c, st, 3);
    k->period = ctx_col_text(c, st, 4);
    k->sample_pct = store_col_i64(st, 5);
    k->sample_n = store_col_i64(st, 6);
    k->seed = store_col_i64(st, 7);
    k->population = store_col_i64(st, 8);
    k->sampled = store_col_i64(st, 9);
    k->answered = store_col_i64(st, 10);
    k->created_at = store_col_i64(st, 11);
    k->created_by = ctx_col_text(c, st, 12);
    k->template_code = ctx_col_text(c, st, 13);
    k->template_version = store_col_i64(st, 14);
}

int survey_campaign_get(struct ctx *c, int64_t id, struct survey_campaign *out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_SURVEY_CAMPAIGN_GET);
    store_bind_i64(st, 1, id);
    ctx_bind_scope(c, st, 2);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no survey campaign %" PRId64, id);
    if (ret)
        return ret;
    campaign_read(c, st, out);
    store_reset(st);
    return 0;
}

int survey_campaign_page(struct ctx *c, const struct survey_campaign_filter *f,
                         survey_campaign_fn *fn, void *arg, struct err *err)
{
    int64_t org_id = 0;
    int ret = 0;
    if (f->org_code && (ret = ctx_org_id(c, f->org_code, &org_id, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_SURVEY_CAMPAIGN_LIST);
    ctx_bind_scope(c, st, 1);
    store_bind_i64(st, 2, f->after_id);
    store_bind_text(st, 3, f->period);
    if (org_id)
        store_bind_i64(st, 4, org_id);
    else
        store_bind_null(st, 4);
    store_bind_i64(st, 5, f->limit > 0 ? f->limit : INT64_MAX);
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct survey_campaign k;
        campaign_read(c, st, &k);
        ret = fn(arg, &k);
    }
    store_reset(st);
    return ret;
}

int survey_campaign_list(struct ctx *c, survey_campaign_fn *fn, void *arg, struct err *err)
{
    return survey_campaign_page(c, &(struct survey_campaign_filter){ 0 }, fn, arg, err);
}

int survey_campaign_calls(struct ctx *c, int64_t id, survey_call_fn *fn, void *arg,
                          struct err *err)
{
    struct survey_campaign k;
    int ret = survey_campaign_get(c, id, &k, err);
    if (ret)
        return ret;
    struct store_stmt *st = store_q(c->db, Q_SURVEY_CAMPAIGN_CALLS);
    store_bind_i64(st, 1, id);
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct survey_call x = {
            .draw = store_col_i64(st, 0),
            .ticket_id = store_col_i64(st, 1),
            .type = ctx_col_text(c, st, 2),
            .cust_no = ctx_col_text(c, st, 3),
            .customer = ctx_col_text(c, st, 4),
            .org_code = ctx_col_text(c, st, 5),
            .result = ctx_col_text(c, st, 6),
            .answered_at = store_col_i64(st, 7),
        };
        ret = fn(arg, &x);
    }
    store_reset(st);
    return ret;
}

static int check_in(struct ctx *c, const struct survey_campaign_in *in, const char *name,
                    struct err *err)
{
    if (!name || !*name)
        return error(err, ERR_INVALID, "a survey campaign needs a name"), err_field(err, "name");
    if (strlen(name) > CAMPAIGN_NAME_MAX)
        return error(err, ERR_INVALID, "the campaign name is over %d bytes", CAMPAIGN_NAME_MAX),
               err_field(err, "name");
    if (!in->org_code)
        return error(err, ERR_INVALID, "a survey campaign needs its org unit"),
               err_field(err, "org");
    if ((in->sample_pct > 0) == (in->sample_n > 0) || in->sample_pct < 0 || in->sample_n < 0)
        return error(err, ERR_INVALID, "give the sample as a share (1-100 %%) or a number of "
                     "orders, one of them"), err_field(err, "sample");
    if (in->sample_pct > 100)
        return error(err, ERR_INVALID, "sample share %" PRId64 " %% is over 100 %%",
                     in->sample_pct), err_field(err, "sample_pct");
    if (in->sample_n > 1000000)
        return error(err, ERR_INVALID, "sample of %" PRId64 " orders is over 1,000,000",
                     in->sample_n), err_field(err, "sample_n");
    if (in->type) {
        struct store_stmt *st = store_q(c->db, Q_TICKET_TYPE_GET);
        store_bind_text(st, 1, in->type);
        store_bind_text(st, 2, "");
        int ret = store_one(st, err);
        if (ret == ERR_NOT_FOUND)
            return error(err, ERR_INVALID, "unknown work order type '%s'", in->type),
                   err_field(err, "type");
        if (ret)
            return ret;
        store_reset(st);
    }
    return 0;
}

/* The population's ids into *pop (caller frees), ranked by draw key. */
static int population(struct ctx *c, const struct survey_campaign_in *in, int64_t org_id,
                      struct drawn **pop, size_t *n, struct err *err)
{
    struct tz tz;
    VEC(struct drawn) v = VEC_INIT;
    int ret = tz_load(c->zone_name, &tz, err);
    if (ret)
        return ret;
    struct store_stmt *st = store_q(c->db, Q_SURVEY_POPULATION);
    store_bind_i64(st, 1, tz_day_start(&tz, period_first_day(in->period)));
    store_bind_i64(st, 2, tz_day_start(&tz, period_first_day(period_next(in->period))));
    store_bind_i64(st, 3, org_id);
    store_bind_text(st, 4, in->type);
    tz_release(&tz);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        int64_t id = store_col_i64(st, 0);
        VEC_PUSH(&v, ((struct drawn){ survey_draw_key(in->seed, id), id }));
    }
    store_reset(st);
    if (ret) {
        VEC_FREE(&v);
        return ret;
    }
    if (v.n)
        qsort(v.v, v.n, sizeof(*v.v), drawn_cmp);
    *pop = v.v;
    *n = v.n;
    return 0;
}

int survey_campaign_create(struct ctx *c, const struct survey_campaign_in *in,
                           struct survey_campaign *out, struct err *err)
{
    struct survey_template tpl;
    struct date today;
    struct drawn *pop = NULL;
    size_t npop = 0;
    int64_t org_id, id = 0;
    char p[PERIOD_BUF_SIZE];
    const char *name = ctx_trim(c, in->name);
    int ret;
    if ((ret = check_in(c, in, name, err)) || (ret = ctx_org_id(c, in->org_code, &org_id, err)) ||
        (ret = ctx_today(c, &today, err)) ||
        (ret = survey_template_get(c, in->template_code ? in->template_code : "callback", today,
                                   &tpl, err)))
        return ret;
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = population(c, in, org_id, &pop, &npop, err)))
        goto out;
    int64_t n = in->sample_n > 0 ? in->sample_n
                                 : ((int64_t)npop * in->sample_pct + 99) / 100; /* ceil */
    if (n > (int64_t)npop)
        n = (int64_t)npop;
    struct store_stmt *st = store_q(c->db, Q_SURVEY_CAMPAIGN_ADD);
    store_bind_text(st, 1, name);
    store_bind_i64(st, 2, tpl.id);
    store_bind_i64(st, 3, org_id);
    store_bind_text(st, 4, in->type);
    store_bind_text(st, 5, period_format(in->period, p));
    if (in->sample_pct > 0)
        store_bind_i64(st, 6, in->sample_pct);
    else
        store_bind_null(st, 6);
    if (in->sample_n > 0)
        store_bind_i64(st, 7, in->sample_n);
    else
        store_bind_null(st, 7);
    store_bind_i64(st, 8, in->seed);
    store_bind_i64(st, 9, (int64_t)npop);
    store_bind_i64(st, 10, ctx_now(c));
    store_bind_text(st, 11, c->actor);
    if ((ret = store_one(st, err)))
        goto out;
    id = store_col_i64(st, 0);
    store_reset(st);
    for (int64_t i = 0; !ret && i < n; i++) {
        st = store_q(c->db, Q_SURVEY_CAMPAIGN_ORDER_ADD);
        store_bind_i64(st, 1, id);
        store_bind_i64(st, 2, pop[i].id);
        store_bind_i64(st, 3, i + 1);
        ret = store_exec(st, err);
    }
    if (ret)
        goto out;
    struct audit_rec ar = {
        .action = "survey.campaign",
        .entity = "survey_campaign",
        .entity_key = arena_sprintf(c->arena, "%" PRId64, id),
        .after = arena_sprintf(c->arena, "%s|%s|%s|%s|%" PRId64 "|%" PRId64 "|%" PRId64, name,
                               in->org_code, in->type ? in->type : "", p, in->sample_pct,
                               in->sample_n, in->seed),
        .detail = arena_sprintf(c->arena, "%" PRId64 " of %zu orders drawn", n, npop),
    };
    if ((ret = audit_append(c, &ar, err)))
        goto out;
    if (out)
        ret = survey_campaign_get(c, id, out, err);
out:
    free(pop);
    return store_end(c->db, ret, err);
}
