/*
 * Reading service applications back (apply.h): one, a page of them, the stages of one and its
 * history, each evaluated at a given instant — the end-to-end clock from acceptance and the
 * clock of every stage entered, in working days on the stored calendar (domain/sla.h, pauses
 * excluded). No writes.
 */
#include "domain/apply_int.h"

#include "core/common.h"
#include "core/vec.h"
#include "domain/customer.h"
#include "domain/workcal.h"

static void app_read(struct ctx *c, struct store_stmt *st, struct application *a,
                     int64_t *stage_start, int64_t *stage_days)
{
    memset(a, 0, sizeof(*a));
    a->id = store_col_i64(st, 0);
    a->kind = ctx_col_text(c, st, 1);
    a->kind_name = ctx_col_text(c, st, 2);
    a->state = ctx_col_text(c, st, 3);
    a->stage = ctx_col_text(c, st, 4);
    a->stage_name = ctx_col_text(c, st, 5);
    a->org_code = ctx_col_text(c, st, 6);
    a->cust_no = ctx_col_text(c, st, 7);
    a->customer = ctx_col_text(c, st, 8);
    a->account_no = ctx_col_text(c, st, 9);
    a->name = ctx_col_text(c, st, 10);
    a->user_type = ctx_col_text(c, st, 11);
    a->voltage = ctx_col_text(c, st, 12);
    a->address = ctx_col_text(c, st, 13);
    a->capacity_va = store_col_i64(st, 14);
    a->tariff_code = ctx_col_text(c, st, 15);
    a->total_days = store_col_i64(st, 16);
    a->warn_pct = store_col_i64(st, 17);
    a->paused_at = store_col_i64(st, 18);
    a->accepted_at = store_col_i64(st, 19);
    a->closed_at = store_col_i64(st, 20);
    a->cancel_reason = ctx_col_text(c, st, 21);
    a->result = ctx_col_text(c, st, 22);
    a->created_by = ctx_col_text(c, st, 23);
    a->org_id = store_col_i64(st, 24);
    a->customer_id = store_col_i64(st, 25);
    a->account_id = store_col_i64(st, 26);
    *stage_start = store_col_i64(st, 27);
    *stage_days = store_col_i64(st, 28);
    a->warned_at = store_col_i64(st, 29);
    a->breached_at = store_col_i64(st, 30);
    a->stage_warned_at = store_col_i64(st, 31);
    a->stage_breached_at = store_col_i64(st, 32);
}

/* A clock of `days` working days started at `start`, stopped at `stop` (0: running), at `at`. */
static int clock_eval(struct workcal_env *e, int64_t days, int64_t warn_pct, int64_t start,
                      const struct sla_pause *p, size_t np, int64_t stop, int64_t at,
                      int64_t *deadline, enum sla_state *state, struct err *err)
{
    struct sla_rule r = { SLA_WORK_DAYS, days, CAL_HOURS_ALL_DAY, (int)warn_pct };
    struct sla_status s;
    int ret = sla_eval(&r, &e->sla, start, p, np, stop, stop ? stop : at, &s, err);
    if (ret)
        return ret;
    *deadline = s.deadline_us == SLA_OPEN ? 0 : s.deadline_us;
    *state = s.state;
    return 0;
}

static int app_eval(struct ctx *c, struct workcal_env *e, struct application *a,
                    int64_t stage_start, int64_t stage_days, int64_t at, struct err *err)
{
    struct sla_pause *p;
    size_t np;
    int ret;
    bool open = !strcmp(a->state, "open");
    if ((ret = workcal_env_load(c, e, err)) ||
        (ret = workcal_pauses(c, Q_APPLY_PAUSES, a->id, &p, &np, err)) ||
        (ret = clock_eval(e, a->total_days, a->warn_pct, a->accepted_at, p, np,
                          open ? 0 : a->closed_at, at, &a->deadline_at, &a->sla, err)))
        return ret;
    if (open && stage_start)
        return clock_eval(e, stage_days, a->warn_pct, stage_start, p, np, 0, at,
                          &a->stage_deadline_at, &a->stage_sla, err);
    return 0;
}

int apply_get_raw(struct ctx *c, int64_t id, struct application *a, int64_t *start, int64_t *days,
                  struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_APPLY_GET);
    store_bind_i64(st, 1, id);
    ctx_bind_scope(c, st, 2);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no application %" PRId64, id);
    if (ret)
        return ret;
    app_read(c, st, a, start, days);
    store_reset(st);
    return 0;
}

int apply_get(struct ctx *c, int64_t id, int64_t at, struct application *out, struct err *err)
{
    struct workcal_env e = WORKCAL_ENV_INIT;
    int64_t start, days;
    int ret = apply_get_raw(c, id, out, &start, &days, err);
    if (!ret)
        ret = app_eval(c, &e, out, start, days, at, err);
    workcal_env_release(&e);
    return ret;
}

/* ERR_INVALID naming `field` unless query `q` finds `value`. */
static int known(struct ctx *c, enum query_id q, const char *field, const char *value,
                 struct err *err)
{
    struct store_stmt *st = store_q(c->db, q);
    store_bind_text(st, 1, value);
    int ret = store_one(st, err);
    store_reset(st);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_INVALID, "unknown %s '%s'", field, value), err_field(err, field);
    return ret;
}

int apply_list(struct ctx *c, const struct apply_filter *f, int64_t at, apply_fn *fn, void *arg,
               struct err *err)
{
    struct workcal_env e = WORKCAL_ENV_INIT;
    struct row {
        struct application a;
        int64_t start, days;
    };
    VEC(struct row) v = VEC_INIT;
    int64_t org_id = 0, cust_id = 0;
    int ret = 0;
    if (f->state && strcmp(f->state, "open") && strcmp(f->state, "completed") &&
        strcmp(f->state, "cancelled"))
        return error(err, ERR_INVALID, "invalid state '%s': open, completed or cancelled",
                     f->state),
               err_field(err, "state");
    if ((f->kind && (ret = known(c, Q_APPLY_KIND_GET, "kind", f->kind, err))) ||
        (f->stage && (ret = known(c, Q_APPLY_STAGE_NAME, "stage", f->stage, err))))
        return ret;
    if (f->org_code && (ret = ctx_org_id(c, f->org_code, &org_id, err)))
        return ret;
    if (f->cust_no) {
        struct customer cu;
        if ((ret = customer_get(c, f->cust_no, &cu, err)))
            return ret;
        cust_id = cu.id;
    }
    struct store_stmt *st = store_q(c->db, Q_APPLY_LIST);
    store_bind_text(st, 1, f->state);
    store_bind_text(st, 2, f->kind);
    store_bind_text(st, 3, f->stage);
    if (org_id)
        store_bind_i64(st, 4, org_id);
    else
        store_bind_null(st, 4);
    if (cust_id)
        store_bind_i64(st, 5, cust_id);
    else
        store_bind_null(st, 5);
    store_bind_i64(st, 6, f->after_id);
    store_bind_i64(st, 7, f->limit > 0 ? f->limit : 100);
    ctx_bind_scope(c, st, 8);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct row r;
        app_read(c, st, &r.a, &r.start, &r.days);
        VEC_PUSH(&v, r);
    }
    store_reset(st);
    ret = ret < 0 ? ret : 0;
    for (size_t i = 0; i < v.n && !ret; i++)
        if (!(ret = app_eval(c, &e, &v.v[i].a, v.v[i].start, v.v[i].days, at, err)))
            ret = fn(arg, &v.v[i].a);
    VEC_FREE(&v);
    workcal_env_release(&e);
    return ret;
}

int apply_stages(struct ctx *c, int64_t id, int64_t at, apply_stage_fn *fn, void *arg,
                 struct err *err)
{
    struct workcal_env e = WORKCAL_ENV_INIT;
    struct apply_stage_def s[APPLY_MAX_STAGES];
    struct apply_stage_row rows[APPLY_MAX_STAGES];
    struct application a;
    struct sla_pause *p;
    size_t n, np;
    int64_t start, days;
    int ret;
    if ((ret = apply_get_raw(c, id, &a, &start, &days, err)) ||
        (ret = apply_kind_stages(c, a.kind, a.accepted_at, s, &n, err)) ||
        (ret = workcal_pauses(c, Q_APPLY_PAUSES, id, &p, &np, err)))
        return ret;
    for (size_t i = 0; i < n; i++)
        rows[i] =
            (struct apply_stage_row){ .stage = s[i].stage, .name = s[i].name, .days = s[i].days };
    struct store_stmt *st = store_q(c->db, Q_APPLY_STAGES);
    store_bind_i64(st, 1, id);
    while ((ret = store_step(st, err)) == STORE_ROW)
        for (size_t i = 0; i < n; i++)
            if (!strcmp(rows[i].stage, store_col_text(st, 0))) {
                rows[i].entered = true;
                rows[i].days = store_col_i64(st, 1);
                rows[i].started_at = store_col_i64(st, 2);
                rows[i].finished_at = store_col_i64(st, 3);
            }
    store_reset(st);
    ret = ret < 0 ? ret : 0;
    for (size_t i = 0; i < n && !ret; i++) {
        if (rows[i].entered && (ret = workcal_env_load(c, &e, err)) == 0)
            ret = clock_eval(&e, rows[i].days, a.warn_pct, rows[i].started_at, p, np,
                             rows[i].finished_at, at, &rows[i].deadline_at, &rows[i].sla, err);
        if (!ret)
            ret = fn(arg, &rows[i]);
    }
    workcal_env_release(&e);
    return ret;
}

int apply_events(struct ctx *c, int64_t id, apply_event_fn *fn, void *arg, struct err *err)
{
    struct application a;
    int64_t start, days;
    int ret = apply_get_raw(c, id, &a, &start, &days, err);
    if (ret)
        return ret;
    struct store_stmt *st = store_q(c->db, Q_APPLY_EVENTS);
    store_bind_i64(st, 1, id);
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct apply_event ev = { store_col_i64(st, 0),  store_col_text(st, 1),
                                  store_col_text(st, 2), store_col_text(st, 3),
                                  store_col_text(st, 4), store_col_text(st, 5) };
        ret = fn(arg, &ev);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}
