/*
 * The SLA clocks of work orders (issue 6 §2): starting, stopping and re-matching clocks on each
 * transition against the policies in sla_policy (data), deadlines through the pure engine in
 * sla.c on the stored working-day calendar, the periodic SLA run (warnings, breaches,
 * escalation once into the supervisor's queue) and compliance figures. Deadlines are cached on
 * the clock (NULL while paused) so a run over many orders is a few set-based statements.
 */
#include "domain/ticket_int.h"

#include "core/common.h"
#include "core/vec.h"
#include "domain/audit.h"
#include "domain/workcal.h"

struct clock_row {
    int64_t id, round, policy_id, amount, warn_pct, started_at, stopped_at;
    const char *metric, *clock, *hours, *stop_state, *status;
};

struct policy_row {
    int64_t id, amount, warn_pct;
    const char *metric, *clock, *hours, *start_state, *stop_state;
};

static int rule_of(const char *clock, int64_t amount, const char *hours, int64_t warn_pct,
                   struct sla_rule *r, struct err *err)
{
    int ret;
    memset(r, 0, sizeof(*r));
    if ((ret = sla_kind_parse(clock, &r->kind, err)) ||
        (ret = cal_hours_parse(hours, &r->hours, err)))
        return ret;
    r->amount = amount;
    r->warn_pct = (int)warn_pct;
    return 0;
}

static int load_clocks(struct ctx *c, int64_t ticket_id, struct clock_row **out, size_t *n,
                       struct err *err)
{
    VEC(struct clock_row) v = VEC_INIT;
    struct store_stmt *st = store_q(c->db, Q_TICKET_CLOCKS);
    int ret;
    store_bind_i64(st, 1, ticket_id);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct clock_row k = {
            .id = store_col_i64(st, 0),
            .round = store_col_i64(st, 1),
            .metric = ctx_col_text(c, st, 2),
            .policy_id = store_col_i64(st, 3),
            .clock = ctx_col_text(c, st, 4),
            .amount = store_col_i64(st, 5),
            .hours = ctx_col_text(c, st, 6),
            .warn_pct = store_col_i64(st, 7),
            .stop_state = ctx_col_text(c, st, 8),
            .started_at = store_col_i64(st, 9),
            .stopped_at = store_col_i64(st, 10),
            .status = ctx_col_text(c, st, 13),
        };
        VEC_PUSH(&v, k);
    }
    *n = v.n;
    *out = arena_alloc(c->arena, (v.n ? v.n : 1) * sizeof(**out));
    if (v.n)
        memcpy(*out, v.v, v.n * sizeof(**out));
    VEC_FREE(&v);
    return ret;
}

/* The best policy per metric for the order's classification. */
static int load_policies(struct ctx *c, const struct ticket *t, struct policy_row **out,
                         size_t *n, struct err *err)
{
    VEC(struct policy_row) v = VEC_INIT;
    struct store_stmt *st = store_q(c->db, Q_SLA_POLICY_MATCH);
    int ret;
    store_bind_text(st, 1, t->type);
    store_bind_text(st, 2, t->subtype);
    store_bind_text(st, 3, t->severity);
    store_bind_text(st, 4, t->area);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        const char *metric = store_col_text(st, 1);
        if (v.n && !strcmp(v.v[v.n - 1].metric, metric))
            continue; /* a less specific policy for the same metric */
        struct policy_row p = {
            .id = store_col_i64(st, 0),
            .metric = ctx_col_text(c, st, 1),
            .clock = ctx_col_text(c, st, 2),
            .amount = store_col_i64(st, 3),
            .hours = ctx_col_text(c, st, 4),
            .start_state = ctx_col_text(c, st, 5),
            .stop_state = ctx_col_text(c, st, 6),
            .warn_pct = store_col_i64(st, 7),
        };
        VEC_PUSH(&v, p);
    }
    *n = v.n;
    *out = arena_alloc(c->arena, (v.n ? v.n : 1) * sizeof(**out));
    if (v.n)
        memcpy(*out, v.v, v.n * sizeof(**out));
    VEC_FREE(&v);
    return ret;
}

/* Where rule r is counted: natural time needs neither the calendar nor the zone, so the repair
 * clocks (minutes of natural time) do not load them on every step; working time does, once. */
static int env_for(struct ctx *c, struct workcal_env *e, const struct sla_rule *r,
                   const struct sla_env **env, struct err *err)
{
    static const struct sla_env natural = { NULL, NULL };
    if (r->kind == SLA_NATURAL) {
        *env = &natural;
        return 0;
    }
    *env = &e->sla;
    return workcal_env_load(c, e, err);
}

/* Evaluate clock k (stopped at `stop`, 0 = running) and store it with `status`. */
static int clock_store(struct ctx *c, struct workcal_env *e, const struct clock_row *k,
                       const struct sla_pause *p, size_t np, int64_t stop, struct err *err)
{
    const struct sla_env *env;
    struct sla_rule r;
    struct sla_status s;
    int ret;
    if ((ret = rule_of(k->clock, k->amount, k->hours, k->warn_pct, &r, err)) ||
        (ret = env_for(c, e, &r, &env, err)) ||
        (ret = sla_eval(&r, env, k->started_at, p, np, stop, stop ? stop : k->started_at, &s,
                        err)))
        return ret;
    const char *status = !stop ? "running" : s.state == SLA_MET ? "met" : "missed";
    struct store_stmt *st = store_q(c->db, Q_TICKET_CLOCK_SET);
    store_bind_i64(st, 1, k->id);
    store_bind_i64(st, 2, k->policy_id);
    store_bind_text(st, 3, k->clock);
    store_bind_i64(st, 4, k->amount);
    store_bind_text(st, 5, k->hours);
    store_bind_i64(st, 6, k->warn_pct);
    store_bind_text(st, 7, k->stop_state);
    if (stop)
        store_bind_i64(st, 8, stop);
    else
        store_bind_null(st, 8);
    if (s.deadline_us == SLA_OPEN) {
        store_bind_null(st, 9);
        store_bind_null(st, 10);
    } else {
        store_bind_i64(st, 9, s.deadline_us);
        store_bind_i64(st, 10, s.warn_us);
    }
    store_bind_text(st, 11, status);
    return store_exec(st, err);
}

/* Whether policy a is a version of policy b (same key): a running clock keeps its copy. */
static int same_key(struct ctx *c, int64_t a, int64_t b, bool *same, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_SLA_POLICY_SAME_KEY);
    store_bind_i64(st, 1, a);
    store_bind_i64(st, 2, b);
    int ret = store_one(st, err);
    if (ret)
        return ret;
    *same = store_col_i64(st, 0) > 0;
    store_reset(st);
    return 0;
}

int ticket_clocks_sync(struct ctx *c, const struct ticket *t, int64_t now, struct err *err)
{
    struct workcal_env e = WORKCAL_ENV_INIT;
    struct clock_row *k;
    struct policy_row *p;
    struct sla_pause *ps;
    size_t nk, np, nps;
    int rank = ticket_state_rank(t->state), ret;
    if ((ret = workcal_pauses(c, Q_TICKET_PAUSES, t->id, &ps, &nps, err)) ||
        (ret = load_clocks(c, t->id, &k, &nk, err)) ||
        (ret = load_policies(c, t, &p, &np, err)))
        return ret;
    for (size_t i = 0; i < nk && !ret; i++) {
        if (strcmp(k[i].status, "running"))
            continue;
        if (k[i].round == t->round) {
            /* re-match: the classification may have changed the best policy */
            size_t j = 0;
            while (j < np && strcmp(p[j].metric, k[i].metric))
                j++;
            if (j == np) {
                struct store_stmt *st = store_q(c->db, Q_TICKET_CLOCK_SET);
                store_bind_i64(st, 1, k[i].id);
                store_bind_i64(st, 2, k[i].policy_id);
                store_bind_text(st, 3, k[i].clock);
                store_bind_i64(st, 4, k[i].amount);
                store_bind_text(st, 5, k[i].hours);
                store_bind_i64(st, 6, k[i].warn_pct);
                store_bind_text(st, 7, k[i].stop_state);
                store_bind_i64(st, 8, now);
                store_bind_null(st, 9);
                store_bind_null(st, 10);
                store_bind_text(st, 11, "cancelled");
                ret = store_exec(st, err);
                continue;
            }
            bool same = false;
            if (p[j].id != k[i].policy_id && (ret = same_key(c, p[j].id, k[i].policy_id, &same,
                                                             err)))
                break;
            if (p[j].id != k[i].policy_id && !same) {
                k[i].policy_id = p[j].id;
                k[i].clock = p[j].clock;
                k[i].amount = p[j].amount;
                k[i].hours = p[j].hours;
                k[i].warn_pct = p[j].warn_pct;
                k[i].stop_state = p[j].stop_state;
            }
        }
        bool stop = rank >= ticket_state_rank(k[i].stop_state) || k[i].round != t->round;
        ret = clock_store(c, &e, &k[i], ps, nps, stop ? now : 0, err);
    }
    /* start what this state starts and no clock of the round covers yet */
    for (size_t j = 0; j < np && !ret; j++) {
        int start = ticket_state_rank(p[j].start_state), stop = ticket_state_rank(p[j].stop_state);
        if (start < 0 || stop < 0 || start > rank || stop <= rank)
            continue;
        bool have = false;
        for (size_t i = 0; i < nk && !have; i++)
            have = k[i].round == t->round && !strcmp(k[i].metric, p[j].metric);
        if (have)
            continue;
        /* a clock started at intake counts from acceptance, even when classification matched
         * it later; any other from the moment its state is entered (or the rework began) */
        int64_t from = start == 0 && t->round == 1 ? t->accepted_at : now;
        const struct sla_env *env;
        struct sla_rule r;
        int64_t dl = 0;
        struct sla_status s;
        if ((ret = rule_of(p[j].clock, p[j].amount, p[j].hours, p[j].warn_pct, &r, err)) ||
            (ret = env_for(c, &e, &r, &env, err)) ||
            (ret = sla_eval(&r, env, from, ps, nps, 0, now, &s, err)))
            break;
        dl = s.deadline_us;
        struct store_stmt *st = store_q(c->db, Q_TICKET_CLOCK_ADD);
        store_bind_i64(st, 1, t->id);
        store_bind_i64(st, 2, t->round);
        store_bind_text(st, 3, p[j].metric);
        store_bind_i64(st, 4, p[j].id);
        store_bind_text(st, 5, p[j].clock);
        store_bind_i64(st, 6, p[j].amount);
        store_bind_text(st, 7, p[j].hours);
        store_bind_i64(st, 8, p[j].warn_pct);
        store_bind_text(st, 9, p[j].stop_state);
        store_bind_i64(st, 10, from);
        if (dl == SLA_OPEN) {
            store_bind_null(st, 11);
            store_bind_null(st, 12);
        } else {
            store_bind_i64(st, 11, dl);
            store_bind_i64(st, 12, s.warn_us);
        }
        ret = store_exec(st, err);
    }
    workcal_env_release(&e);
    return ret;
}

int ticket_clocks_repause(struct ctx *c, const struct ticket *t, struct err *err)
{
    struct workcal_env e = WORKCAL_ENV_INIT;
    struct clock_row *k;
    struct sla_pause *ps;
    size_t nk, nps;
    int ret;
    if ((ret = workcal_pauses(c, Q_TICKET_PAUSES, t->id, &ps, &nps, err)) ||
        (ret = load_clocks(c, t->id, &k, &nk, err)))
        return ret;
    for (size_t i = 0; i < nk && !ret; i++)
        if (!strcmp(k[i].status, "running"))
            ret = clock_store(c, &e, &k[i], ps, nps, 0, err);
    workcal_env_release(&e);
    return ret;
}

int ticket_clocks_cancel(struct ctx *c, const struct ticket *t, int64_t now, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_TICKET_CLOCKS_CANCEL);
    store_bind_i64(st, 1, t->id);
    store_bind_i64(st, 2, now);
    return store_exec(st, err);
}

/* State of a running clock from its cached instants. */
static enum sla_state cached_state(bool has_deadline, int64_t deadline, int64_t warn, int64_t at)
{
    if (!has_deadline)
        return SLA_PAUSED;
    return at > deadline ? SLA_BREACHED : at >= warn ? SLA_WARNING : SLA_OK;
}

int ticket_clocks(struct ctx *c, const struct ticket *t, int64_t at, ticket_clock_fn *fn,
                  void *arg, struct err *err)
{
    int ret = 0;
    struct store_stmt *st = store_q(c->db, Q_TICKET_CLOCKS);
    store_bind_i64(st, 1, t->id);
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct ticket_clock k = {
            .id = store_col_i64(st, 0),
            .round = store_col_i64(st, 1),
            .metric = ctx_col_text(c, st, 2),
            .clock = ctx_col_text(c, st, 4),
            .amount = store_col_i64(st, 5),
            .started_at = store_col_i64(st, 9),
            .stopped_at = store_col_i64(st, 10),
            .deadline_at = store_col_null(st, 11) ? 0 : store_col_i64(st, 11),
            .warn_at = store_col_null(st, 12) ? 0 : store_col_i64(st, 12),
            .status = ctx_col_text(c, st, 13),
            .escalated_at = store_col_i64(st, 16),
        };
        if (!strcmp(k.status, "running"))
            k.state = cached_state(!store_col_null(st, 11), k.deadline_at, k.warn_at, at);
        else
            k.state = !strcmp(k.status, "met") ? SLA_MET : SLA_MISSED;
        ret = fn(arg, &k);
    }
    store_reset(st);
    return ret;
}

/* A statement of the SLA run bound to (?1 at, ?2 scope). */
static struct store_stmt *sla_q(struct ctx *c, enum query_id q, int64_t at)
{
    struct store_stmt *st = store_q(c->db, q);
    store_bind_i64(st, 1, at);
    ctx_bind_scope(c, st, 2);
    return st;
}

/* One page of the run's rows, read before the run records anything (so "newly" and "escalated"
 * say what this run did), into the arena: at most SLA_PAGE_MAX + 1 rows. */
static int sla_rows(struct ctx *c, int64_t at, bool all, struct sla_page *page,
                    struct ticket_sla_row **out, size_t *n, struct err *err)
{
    static const enum sla_state states[] = { SLA_OK, SLA_WARNING, SLA_BREACHED, SLA_PAUSED };
    VEC(struct ticket_sla_row) v = VEC_INIT;
    struct store_stmt *st = sla_q(c, Q_SLA_ROWS, at);
    int ret;
    store_bind_i64(st, 3, all);
    store_bind_i64(st, 4, page->after);
    store_bind_i64(st, 5, page->limit + 1); /* one more says whether a next page follows */
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct ticket_sla_row row = {
            .clock_id = store_col_i64(st, 5),
            .ticket_id = store_col_i64(st, 0),
            .metric = ctx_col_text(c, st, 1),
            .deadline_at = store_col_null(st, 2) ? 0 : store_col_i64(st, 2),
            .state = states[store_col_i64(st, 3) & 3],
            .escalated = store_col_i64(st, 4) > 0,
            .newly_warned = store_col_i64(st, 6) > 0,
            .newly_breached = store_col_i64(st, 7) > 0,
        };
        if (sla_page_take(page, row.clock_id))
            VEC_PUSH(&v, row);
    }
    store_reset(st);
    *n = v.n;
    *out = arena_alloc(c->arena, (v.n ? v.n : 1) * sizeof(**out));
    if (v.n)
        memcpy(*out, v.v, v.n * sizeof(**out));
    VEC_FREE(&v);
    return ret < 0 ? ret : 0;
}

/* A run that recorded something: one audit row with its counts. */
static int audit_run(struct ctx *c, int64_t at, const struct ticket_sla_totals *t, struct err *err)
{
    char when[INSTANT_BUF_SIZE];
    const char *detail = arena_sprintf(
        c->arena,
        "%" PRId64 " clocks: %" PRId64 " warning, %" PRId64 " breached; recorded %" PRId64
        " first warnings or breaches; %" PRId64 " escalated%s",
        t->clocks, t->warning, t->breached, t->marked, t->escalated,
        c->scope_org_id ? "; the caller's org subtree" : "");
    struct audit_rec ar = { "ticket.sla_run", "ticket", instant_format(at, when), NULL, NULL,
                            detail };
    return audit_append(c, &ar, err);
}

/*
 * Set-based: the deadlines are cached on the clocks, so the run is a handful of statements over
 * the running clocks (totals, first warnings, first breaches, escalations) instead of a round
 * trip per clock; the page asked for is read first, in SQL (keyset on the clock id).
 */
int ticket_sla_run(struct ctx *c, int64_t at, bool all, struct sla_page *page, ticket_sla_fn *fn,
                   void *arg, struct ticket_sla_totals *tot, struct err *err)
{
    struct ticket_sla_row *rows = NULL;
    size_t nrows = 0;
    int ret;
    memset(tot, 0, sizeof(*tot));
    if (fn && !page)
        BUG("ticket_sla_run: a listing needs a page");
    if (fn && (ret = sla_page_check(page, err)))
        return ret;
    if ((ret = store_begin(c->db, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_SLA_NO_JIT);
    if ((ret = store_exec(st, err)))
        goto out;
    st = sla_q(c, Q_SLA_TOTALS, at);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        int64_t n = store_col_i64(st, 1);
        int64_t *slot[] = { &tot->ok, &tot->warning, &tot->breached, &tot->paused };
        *slot[store_col_i64(st, 0) & 3] += n;
        tot->clocks += n;
    }
    store_reset(st);
    if (ret < 0 || (fn && (ret = sla_rows(c, at, all, page, &rows, &nrows, err))) ||
        (ret = store_exec(st = sla_q(c, Q_SLA_MARK, at), err)))
        goto out;
    tot->marked = store_changes(st);
    st = sla_q(c, Q_SLA_ESCALATE, at);
    store_bind_text(st, 3, c->actor);
    if ((ret = store_exec(st, err)))
        goto out;
    tot->escalated = store_changes(st);
    for (size_t i = 0; i < nrows && !ret; i++)
        ret = fn(arg, &rows[i]);
    if (!ret && tot->marked + tot->escalated)
        ret = audit_run(c, at, tot, err);
out:
    return store_end(c->db, ret, err);
}

static int64_t rate_bp(int64_t met, int64_t missed)
{
    return met + missed ? (met * 10000 + (met + missed) / 2) / (met + missed) : -1;
}

/* indexed by enum ticket_by: the words first, then month with each of the first three (in
 * their order: TICKET_BY_MONTH_TYPE + TICKET_BY_ORG is TICKET_BY_MONTH_ORG) */
static const char *const by_names[] = { "type",       "org",       "metric",      "month",
                                        "month,type", "month,org", "month,metric" };

/* the index of word [w, w + n) among the single words of by_names, or -1 */
static int by_word(const char *w, size_t n)
{
    for (size_t i = 0; i <= TICKET_BY_MONTH; i++)
        if (strlen(by_names[i]) == n && !memcmp(w, by_names[i], n))
            return (int)i;
    return -1;
}

int ticket_by_parse(const char *s, enum ticket_by *out, struct err *err)
{
    int words[2], n = 0;
    for (const char *p = s;; p++) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        int w = by_word(p, len);
        if (w < 0)
            return error(err, ERR_INVALID,
                         "'%.*s' is not a grouping: give type, org, metric or month, or month "
                         "with one of the others (month,org)",
                         (int)len, p),
                   err_field(err, "by");
        if (n == 2)
            return error(err, ERR_INVALID,
                         "'%s' groups by more than two: give one grouping, or month with one of "
                         "type, org or metric (month,org)",
                         s),
                   err_field(err, "by");
        if (n == 1 && words[0] == w)
            return error(err, ERR_INVALID, "'%s' gives %s twice", s, by_names[w]),
                   err_field(err, "by");
        words[n++] = w;
        if (!e)
            break;
        p = e;
    }
    if (n == 1) {
        *out = (enum ticket_by)words[0];
        return 0;
    }
    int month = (int)TICKET_BY_MONTH, other = words[0] == month ? words[1] : words[0];
    if (words[0] != month && words[1] != month)
        return error(err, ERR_INVALID,
                     "'%s': only month combines with another grouping (month,%s)", s,
                     by_names[words[0]]),
               err_field(err, "by");
    *out = (enum ticket_by)(TICKET_BY_MONTH_TYPE + other);
    return 0;
}

const char *ticket_by_name(enum ticket_by by)
{
    return (unsigned)by < ARRAY_SIZE(by_names) ? by_names[by] : "?";
}

static void add_up(struct ticket_compliance_row *sum, const struct ticket_compliance_row *r)
{
    sum->clocks += r->clocks;
    sum->met += r->met;
    sum->missed += r->missed;
    sum->pending += r->pending;
}

/* Compliance query q bound to the clocks started in [from, to), as of at, in the caller's scope
 * (its parameters 1-4; the months' boundaries of a grouped one are the caller's to bind). */
static struct store_stmt *compliance_stmt(struct ctx *c, enum query_id q, int64_t from,
                                          int64_t to, int64_t at)
{
    struct store_stmt *st = store_q(c->db, q);
    store_bind_i64(st, 1, from);
    store_bind_i64(st, 2, to);
    store_bind_i64(st, 3, at);
    ctx_bind_scope(c, st, 4);
    return st;
}

/* The counts of a compliance row from column `col` on: clocks, met, missed, pending. */
static void compliance_counts(struct store_stmt *st, int col, struct ticket_compliance_row *r)
{
    r->clocks = store_col_i64(st, col);
    r->met = store_col_i64(st, col + 1);
    r->missed = store_col_i64(st, col + 2);
    r->pending = store_col_i64(st, col + 3);
}

/* The rows of query q for the clocks started in [from, to) as of at, each passed to fn (when
 * not NULL), added up into *sum. */
static int compliance_rows(struct ctx *c, enum query_id q, int64_t from, int64_t to, int64_t at,
                           ticket_compliance_fn *fn, void *arg, struct ticket_compliance_row *sum,
                           struct err *err)
{
    struct store_stmt *st = compliance_stmt(c, q, from, to, at);
    int ret = 0;
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct ticket_compliance_row r = { .key = store_col_text(st, 0),
                                           .name = store_col_text(st, 1) };
        compliance_counts(st, 2, &r);
        r.rate_bp = rate_bp(r.met, r.missed);
        add_up(sum, &r);
        ret = fn ? fn(arg, &r) : 0;
    }
    store_reset(st);
    return ret;
}

/*
 * By month, or month × key, in one grouped query (q: Q_SLA_COMPLIANCE_MONTH_*): the months'
 * boundaries are computed here in the business zone, as a one-month report computes its range,
 * and bucket the clocks in SQL. Rows come in key order, each key's months in order; they fill a
 * grid of keys × months, zeros where a key has no clock in a month. Then, for each month of the
 * range in order, a row per key with a clock in the range (`by_key`), or one row of the month's
 * counts, "YYYY-MM" as key and name; everything adds up into *total.
 */
static int compliance_months(struct ctx *c, enum query_id q, const struct tz *tz,
                             struct period pf, struct period pt, int64_t at, bool by_key,
                             ticket_compliance_fn *fn, void *arg,
                             struct ticket_compliance_row *total, struct err *err)
{
    size_t months = (size_t)period_diff(pf, pt) + 1;
    struct strbuf bounds = STRBUF_INIT;
    int64_t from = 0, to = 0;
    struct period p = pf;
    for (size_t i = 0; i <= months; i++, p = period_next(p)) {
        to = tz_day_start(tz, period_first_day(p));
        if (!i)
            from = to;
        strbuf_addf(&bounds, "%s%" PRId64, i ? "," : "", to);
    }
    VEC(struct ticket_compliance_row) keys = VEC_INIT;
    VEC(struct ticket_compliance_row) cells = VEC_INIT; /* keys.n × months, key after key */
    struct store_stmt *st = compliance_stmt(c, q, from, to, at);
    int ret = 0;
    store_bind_text(st, 5, bounds.buf);
    while ((ret = store_step(st, err)) == STORE_ROW) {
#ifdef PMIS_TESTING
        if (!keys.n) /* t0600: a clock starts while the report reads */
            ctx_test_pause("PMIS_TEST_COMPLIANCE_PAUSE_MS");
#endif
        int64_t i = store_col_i64(st, 0);
        const char *key = store_col_text(st, 1), *name = store_col_text(st, 2);
        if (i < 0 || (size_t)i >= months)
            BUG("compliance: month %" PRId64 " outside the %zu of the range", i, months);
        const struct ticket_compliance_row *last = keys.n ? &keys.v[keys.n - 1] : NULL;
        if (!last || strcmp(last->key, key) || strcmp(last->name, name)) {
            struct ticket_compliance_row k = { arena_strdup(c->arena, key),
                                               arena_strdup(c->arena, name), 0, 0, 0, 0, -1, NULL };
            VEC_PUSH(&keys, k);
            for (size_t j = 0; j < months; j++)
                VEC_PUSH(&cells, k);
        }
        struct ticket_compliance_row *r = &cells.v[(keys.n - 1) * months + (size_t)i];
        compliance_counts(st, 3, r);
        add_up(total, r);
    }
    store_reset(st);
    p = pf;
    for (size_t i = 0; !ret && i < months; i++, p = period_next(p)) {
        char buf[PERIOD_BUF_SIZE];
        const char *m = arena_strdup(c->arena, period_format(p, buf));
        struct ticket_compliance_row sum = { m, m, 0, 0, 0, 0, -1, NULL };
        for (size_t k = 0; !ret && k < keys.n; k++) {
            struct ticket_compliance_row r = cells.v[k * months + i];
            if (!by_key) {
                add_up(&sum, &r);
                continue;
            }
            r.rate_bp = rate_bp(r.met, r.missed);
            r.month = m;
            ret = fn(arg, &r);
        }
        if (!by_key && !ret) {
            sum.rate_bp = rate_bp(sum.met, sum.missed);
            ret = fn(arg, &sum);
        }
    }
    VEC_FREE(&cells);
    VEC_FREE(&keys);
    strbuf_release(&bounds);
    return ret;
}

int ticket_compliance(struct ctx *c, struct period pf, struct period pt, enum ticket_by by,
                      int64_t at, ticket_compliance_fn *fn, void *arg, struct err *err)
{
    struct tz tz;
    int ret;
    if ((ret = period_range_check(pf, pt, 120, err)) ||
        (ret = tz_load(c->zone_name ? c->zone_name : TZ_DEFAULT, &tz, err)))
        return ret;
    enum query_id q = by == TICKET_BY_ORG ? Q_SLA_COMPLIANCE_ORG
                      : by == TICKET_BY_TYPE ? Q_SLA_COMPLIANCE_TYPE
                      : by == TICKET_BY_METRIC ? Q_SLA_COMPLIANCE_METRIC
                      : by == TICKET_BY_MONTH_ORG ? Q_SLA_COMPLIANCE_MONTH_ORG
                      : by == TICKET_BY_MONTH_TYPE ? Q_SLA_COMPLIANCE_MONTH_TYPE
                                                    : Q_SLA_COMPLIANCE_MONTH_METRIC;
    struct ticket_compliance_row total = { "total", "合计", 0, 0, 0, 0, -1, NULL };
    /* every report is one query, whose rows add up to the total by themselves; it still reads
     * in a read-only snapshot (PostgreSQL: REPEATABLE READ READ ONLY), as a report should */
    if ((ret = store_begin_snapshot(c->db, err))) {
        tz_release(&tz);
        return ret;
    }
    if (by == TICKET_BY_TYPE || by == TICKET_BY_ORG || by == TICKET_BY_METRIC)
        ret = compliance_rows(c, q, tz_day_start(&tz, period_first_day(pf)),
                              tz_day_start(&tz, period_first_day(period_next(pt))), at, fn, arg,
                              &total, err);
    else /* by month: a row per month of the range, empty months too; by month × key */
        ret = compliance_months(c, q, &tz, pf, pt, at, by != TICKET_BY_MONTH, fn, arg, &total,
                                err);
    tz_release(&tz);
    if ((ret = store_end(c->db, ret, err)))
        return ret;
    total.rate_bp = rate_bp(total.met, total.missed);
    return fn(arg, &total);
}
