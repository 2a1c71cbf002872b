/*
 * The SLA run of service applications (apply.h, issue 6 §2 and §5): the end-to-end clock and the
 * current stage's clock of every open application, evaluated on the working-day calendar
 * (apply_read.c), record their first warning and first breach once (0023), and a breached clock
 * goes into the supervisor's queue once — the queue of work orders (ticket_escalation, worked
 * off by ticket_queue.c), with metric apply_total or apply_stage. Idempotent: the marks only fill
 * empty columns and the queue holds one item per clock (unique indexes back NOT EXISTS). A run that
 * records something leaves one audit row "application.sla_run" with its counts. A clock that
 * ends late between two runs records its breach as it ends (apply_sla_close), into the same
 * columns, so compliance counts it and a later run adds nothing.
 */
#include "domain/apply_int.h"

#include "core/common.h"
#include "domain/audit.h"

#define APPLY_SLA_PAGE 500

struct run {
    struct ctx *c;
    int64_t at, last_id, batch;
    bool all;
    struct sla_page *page;
    apply_sla_fn *fn;
    void *arg;
    struct apply_sla_totals *tot;
    struct err *err;
    struct tz tz; /* the business zone, for the notes */
};

static void count(struct apply_sla_totals *t, enum sla_state s)
{
    t->clocks++;
    if (s == SLA_OK)
        t->ok++;
    else if (s == SLA_WARNING)
        t->warning++;
    else if (s == SLA_BREACHED)
        t->breached++;
    else if (s == SLA_PAUSED)
        t->paused++;
}

/* Set column `q` (a *_WARN / *_BREACH update that only fills an empty one) of application `id`
 * (and `stage`) to `at`; *n (may be NULL) += rows changed. */
static int mark_at(struct ctx *c, enum query_id q, int64_t id, const char *stage, int64_t at,
                   int64_t *n, struct err *err)
{
    struct store_stmt *st = store_q(c->db, q);
    store_bind_i64(st, 1, id);
    store_bind_i64(st, 2, at);
    if (stage)
        store_bind_text(st, 3, stage);
    int ret = store_exec(st, err);
    if (!ret && n)
        *n += store_changes(st);
    return ret;
}

/* Run update `q` on (?1 id, ?2 at[, ?3 stage]); *n += rows changed. */
static int mark(struct run *r, enum query_id q, const struct application *a, const char *stage,
                int64_t *n)
{
    return mark_at(r->c, q, a->id, stage, r->at, n, r->err);
}

/* Escalate one breached clock once; *done when this run put it into the queue. */
static int escalate(struct run *r, const struct application *a, bool stage, bool *done)
{
    char due[INSTANT_BUF_SIZE];
    int64_t deadline = stage ? a->stage_deadline_at : a->deadline_at;
    struct store_stmt *st = store_q(r->c->db, Q_APPLY_ESCALATE);
    store_bind_i64(st, 1, a->id);
    store_bind_text(st, 2, a->stage);
    store_bind_i64(st, 3, a->org_id);
    store_bind_text(st, 4, stage ? "apply_stage" : "apply_total");
    store_bind_i64(st, 5, deadline);
    store_bind_i64(st, 6, r->at);
    store_bind_text(st, 7, r->c->actor);
    int ret = store_exec(st, r->err);
    *done = !ret && store_changes(st) > 0;
    if (ret || !*done)
        return ret;
    r->tot->escalated++;
    const char *note =
        stage ? arena_sprintf(r->c->arena, "环节时限超期，已督办 (stage %s over its limit, due %s)",
                              a->stage, instant_format_tz(deadline, &r->tz, due))
              : arena_sprintf(r->c->arena,
                              "全流程时限超期，已督办 (over the end-to-end limit of %" PRId64
                              " working days, due %s)",
                              a->total_days, instant_format_tz(deadline, &r->tz, due));
    return apply_record(r->c, a, "escalate", a->stage, note, r->at, r->err);
}

/* One clock: record its first warning / breach, escalate a breach. */
static int clock_step(struct run *r, const struct application *a, bool stage, bool *escalated)
{
    enum sla_state s = stage ? a->stage_sla : a->sla;
    int ret = 0;
    *escalated = false;
    count(r->tot, s);
    if (s != SLA_WARNING && s != SLA_BREACHED)
        return 0;
    /* a breach is past the warning share too: both are recorded, each once */
    if ((ret = mark(r, stage ? Q_APPLY_STAGE_WARN : Q_APPLY_WARN, a, stage ? a->stage : NULL,
                    &r->tot->warned)))
        return ret;
    if (s == SLA_BREACHED &&
        !(ret = mark(r, stage ? Q_APPLY_STAGE_BREACH : Q_APPLY_BREACH, a, stage ? a->stage : NULL,
                     &r->tot->newly_breached)))
        ret = escalate(r, a, stage, escalated);
    return ret;
}

static int one(void *arg, const struct application *a)
{
    struct run *r = arg;
    bool et = false, es = false;
    int ret;
    r->last_id = a->id;
    r->batch++;
    if ((ret = clock_step(r, a, false, &et)))
        return ret;
    /* the current stage's clock runs unless the whole application is paused */
    if (a->stage_deadline_at || a->stage_sla == SLA_PAUSED)
        if ((ret = clock_step(r, a, true, &es)))
            return ret;
    bool flagged = a->sla == SLA_WARNING || a->sla == SLA_BREACHED ||
                   a->stage_sla == SLA_WARNING || a->stage_sla == SLA_BREACHED;
    /* the page only limits what is listed: the run goes on over every open application */
    return r->fn && (r->all || flagged) && sla_page_take(r->page, a->id)
               ? r->fn(r->arg, a, et, es)
               : 0;
}

/* A run that recorded something: one audit row with its counts (and whether it covered a
 * subtree only); a run that records nothing leaves the database as it was. */
static int audit_run(struct ctx *c, int64_t at, const struct apply_sla_totals *t, struct err *err)
{
    char when[INSTANT_BUF_SIZE];
    const char *detail = arena_sprintf(
        c->arena,
        "%" PRId64 " clocks: %" PRId64 " warning, %" PRId64 " breached; recorded %" PRId64
        " warnings, %" PRId64 " breaches; %" PRId64 " escalated%s",
        t->clocks, t->warning, t->breached, t->warned, t->newly_breached, t->escalated,
        c->scope_org_id ? "; the caller's org subtree" : "");
    struct audit_rec ar = { "application.sla_run", "application", instant_format(at, when), NULL,
                            NULL, detail };
    return audit_append(c, &ar, err);
}

int apply_sla_run(struct ctx *c, int64_t at, bool all, struct sla_page *page, apply_sla_fn *fn,
                  void *arg, struct apply_sla_totals *tot, struct err *err)
{
    struct run r = { .c = c, .at = at, .all = all, .page = page, .fn = fn, .arg = arg,
                     .tot = tot, .err = err };
    int ret;
    memset(tot, 0, sizeof(*tot));
    if (fn && !page)
        BUG("apply_sla_run: a listing needs a page");
    if (fn && (ret = sla_page_check(page, err)))
        return ret;
    if ((ret = tz_load(c->zone_name ? c->zone_name : TZ_DEFAULT, &r.tz, err)))
        return ret;
    if ((ret = store_begin(c->db, err))) {
        tz_release(&r.tz);
        return ret;
    }
    do {
        struct apply_filter f = { .state = "open", .after_id = r.last_id,
                                  .limit = APPLY_SLA_PAGE };
        r.batch = 0;
        ret = apply_list(c, &f, at, one, &r, err);
    } while (!ret && r.batch == APPLY_SLA_PAGE);
    tz_release(&r.tz);
    if (!ret && tot->warned + tot->newly_breached + tot->escalated)
        ret = audit_run(c, at, tot, err);
    return store_end(c->db, ret, err);
}

int apply_sla_close(struct ctx *c, int64_t id, bool total, int64_t now, struct err *err)
{
    struct application a;
    int ret = apply_get(c, id, now, &a, err);
    if (!ret && a.stage_sla == SLA_BREACHED &&
        !(ret = mark_at(c, Q_APPLY_STAGE_WARN, id, a.stage, now, NULL, err)))
        ret = mark_at(c, Q_APPLY_STAGE_BREACH, id, a.stage, now, NULL, err);
    if (!ret && total && a.sla == SLA_BREACHED &&
        !(ret = mark_at(c, Q_APPLY_WARN, id, NULL, now, NULL, err)))
        ret = mark_at(c, Q_APPLY_BREACH, id, NULL, now, NULL, err);
    return ret;
}

int apply_note(struct ctx *c, int64_t id, const char *action, const char *note, struct err *err)
{
    struct application a;
    int64_t start, days;
    int ret = apply_get_raw(c, id, &a, &start, &days, err);
    if (!ret)
        ret = apply_record(c, &a, action, strcmp(a.state, "open") ? a.state : a.stage, note,
                           ctx_now(c), err);
    return ret;
}
