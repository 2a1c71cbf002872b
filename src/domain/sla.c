/*
 * SLA clocks (see sla.h). Every clock kind is a "measure" of time with two operations: add a
 * duration to an instant, and measure the clock time between two instants. Working days are
 * working time on whole-day windows whose budget is the working time from the start to the
 * end of the n-th working day (calendar_workday_deadline), so a pause of one working day
 * moves the deadline by one working day. Times are µs; the window walk is in the business
 * zone through tz_from_local, so results are exact to the microsecond, not just the minute.
 * Called by domain/ticket_sla.c and the unit tests.
 */
#include "core/common.h"
#include "core/xalloc.h"
#include "domain/sla.h"

/* 10 years of minutes: the same bound as calendar_add_work_minutes */
#define SLA_MAX_MINUTES (INT64_C(3660) * 1440)
#define SLA_MAX_DAYS 2600

struct measure {
    enum sla_kind kind;
    struct cal_hours win; /* working kinds */
    const struct sla_env *env;
};

const char *sla_state_name(enum sla_state s)
{
    static const char *const names[] = { "ok", "warning", "breached", "paused", "met", "missed" };
    return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

const char *sla_kind_name(enum sla_kind k)
{
    switch (k) {
    case SLA_NATURAL:
        return "natural";
    case SLA_WORK_MINUTES:
        return "work_minutes";
    case SLA_WORK_DAYS:
        return "work_days";
    }
    return "?";
}

int sla_kind_parse(const char *s, enum sla_kind *out, struct err *err)
{
    for (int k = SLA_NATURAL; k <= SLA_WORK_DAYS; k++)
        if (s && !strcmp(s, sla_kind_name((enum sla_kind)k))) {
            *out = (enum sla_kind)k;
            return 0;
        }
    return error(err, ERR_INVALID, "unknown SLA clock '%s' (natural, work_minutes, work_days)",
                 s ? s : "");
}

/* The instant local minute `min` (0..1440) of day d begins. */
static int64_t day_at(const struct tz *tz, struct date d, int min)
{
    if (min >= 1440)
        return tz_day_start(tz, date_add_days(d, 1));
    struct datetime dt = { d, min / 60, min % 60, 0, 0 };
    return tz_from_local(tz, &dt);
}

static struct date local_date(const struct tz *tz, int64_t us)
{
    struct datetime dt;
    tz_to_local(tz, us, &dt);
    return dt.date;
}

/* a + dur on m's clock */
static int m_add(const struct measure *m, int64_t a, int64_t dur, int64_t *out, struct err *err)
{
    if (m->kind == SLA_NATURAL || dur == 0) {
        *out = a + dur;
        return 0;
    }
    struct date d = local_date(m->env->tz, a);
    int gap = 0;
    for (int i = 0; i < 4 * 3700; i++, d = date_add_days(d, 1)) {
        if (!calendar_is_workday(m->env->cal, d)) {
            if (++gap > CAL_MAX_GAP_DAYS)
                break;
            continue;
        }
        gap = 0;
        int64_t ws = day_at(m->env->tz, d, m->win.start_min);
        int64_t we = day_at(m->env->tz, d, m->win.end_min);
        int64_t s = MAX(ws, a);
        if (s >= we)
            continue;
        if (dur <= we - s) {
            *out = s + dur;
            return 0;
        }
        dur -= we - s;
    }
    return error(err, ERR_INVALID, "the working-day calendar has no working time left");
}

/* clock time of m in [a, b) (0 when b <= a) */
static int64_t m_between(const struct measure *m, int64_t a, int64_t b)
{
    if (b <= a)
        return 0;
    if (m->kind == SLA_NATURAL)
        return b - a;
    int64_t sum = 0;
    struct date last = local_date(m->env->tz, b);
    for (struct date d = local_date(m->env->tz, a); date_cmp(d, last) <= 0;
         d = date_add_days(d, 1)) {
        if (!calendar_is_workday(m->env->cal, d))
            continue;
        int64_t s = MAX(day_at(m->env->tz, d, m->win.start_min), a);
        int64_t e = MIN(day_at(m->env->tz, d, m->win.end_min), b);
        if (e > s)
            sum += e - s;
    }
    return sum;
}

static int cmp_pause(const void *x, const void *y)
{
    const struct sla_pause *a = x, *b = y;
    return a->from_us < b->from_us ? -1 : a->from_us > b->from_us;
}

/* Pauses from `start` on, sorted and merged; *n in/out; the caller frees the copy. */
static struct sla_pause *norm_pauses(int64_t start, const struct sla_pause *p, size_t *n)
{
    struct sla_pause *v = xcalloc(*n ? *n : 1, sizeof(*v));
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        struct sla_pause q = { MAX(p[i].from_us, start), p[i].to_us };
        if (q.to_us > q.from_us)
            v[k++] = q;
    }
    qsort(v, k, sizeof(*v), cmp_pause);
    size_t j = 0;
    for (size_t i = 0; i < k; i++) {
        if (j && v[i].from_us <= v[j - 1].to_us)
            v[j - 1].to_us = MAX(v[j - 1].to_us, v[i].to_us);
        else
            v[j++] = v[i];
    }
    *n = j;
    return v;
}

/* The instant `budget` of clock time after start, skipping pauses (sorted, merged). */
static int run_out(const struct measure *m, int64_t start, int64_t budget,
                   const struct sla_pause *p, size_t n, int64_t *out, struct err *err)
{
    int64_t cur = start, left = budget, d;
    int ret;
    for (size_t i = 0; i < n; i++) {
        if (p[i].to_us <= cur)
            continue;
        if (p[i].from_us > cur) {
            if ((ret = m_add(m, cur, left, &d, err)))
                return ret;
            if (d <= p[i].from_us) {
                *out = d;
                return 0;
            }
            left -= m_between(m, cur, p[i].from_us);
        }
        if (p[i].to_us == SLA_OPEN) {
            *out = SLA_OPEN;
            return 0;
        }
        cur = MAX(cur, p[i].to_us);
    }
    return m_add(m, cur, left, out, err);
}

/* Clock time used in [start, at) outside the pauses (sorted, merged). */
static int64_t used(const struct measure *m, int64_t start, int64_t at, const struct sla_pause *p,
                    size_t n)
{
    int64_t cur = start, sum = 0;
    for (size_t i = 0; i < n && p[i].from_us < at; i++) {
        if (p[i].from_us > cur)
            sum += m_between(m, cur, p[i].from_us);
        cur = MAX(cur, MIN(p[i].to_us, at));
    }
    return sum + m_between(m, cur, at);
}

/* Check r and set up its measure and budget. */
static int setup(const struct sla_rule *r, const struct sla_env *env, int64_t start,
                 struct measure *m, int64_t *budget, struct err *err)
{
    m->kind = r->kind;
    m->env = env;
    m->win = (struct cal_hours)CAL_HOURS_ALL_DAY;
    if (r->warn_pct < 1 || r->warn_pct > 100)
        return error(err, ERR_INVALID, "an SLA warning share is 1 to 100 %%, not %d", r->warn_pct);
    switch (r->kind) {
    case SLA_NATURAL:
    case SLA_WORK_MINUTES:
        if (r->amount < 0 || r->amount > SLA_MAX_MINUTES)
            return error(err, ERR_INVALID, "an SLA limit is 0 to %" PRId64 " minutes, not %" PRId64,
                         SLA_MAX_MINUTES, r->amount);
        if (r->kind == SLA_WORK_MINUTES) {
            m->win = r->hours;
            if (m->win.start_min < 0 || m->win.end_min > 1440 || m->win.start_min >= m->win.end_min)
                return error(err, ERR_INVALID, "invalid working window %d-%d minutes",
                             m->win.start_min, m->win.end_min);
        }
        *budget = r->amount * US_PER_MIN;
        return 0;
    case SLA_WORK_DAYS: {
        if (r->amount < 0 || r->amount > SLA_MAX_DAYS)
            return error(err, ERR_INVALID, "an SLA limit is 0 to %d working days, not %" PRId64,
                         SLA_MAX_DAYS, r->amount);
        int64_t end;
        int ret = calendar_workday_deadline(env->cal, env->tz, start, (int)r->amount, &end, err);
        if (ret)
            return ret;
        *budget = m_between(m, start, end);
        return 0;
    }
    }
    return error(err, ERR_INVALID, "unknown SLA clock kind %d", (int)r->kind);
}

int sla_deadline(const struct sla_rule *r, const struct sla_env *env, int64_t start_us,
                 const struct sla_pause *pauses, size_t npauses, int64_t *deadline_us,
                 struct err *err)
{
    struct sla_status st;
    int ret = sla_eval(r, env, start_us, pauses, npauses, 0, start_us, &st, err);
    if (!ret)
        *deadline_us = st.deadline_us;
    return ret;
}

int sla_eval(const struct sla_rule *r, const struct sla_env *env, int64_t start_us,
             const struct sla_pause *pauses, size_t npauses, int64_t stop_us, int64_t at,
             struct sla_status *out, struct err *err)
{
    struct measure m;
    int64_t budget = 0;
    int ret = setup(r, env, start_us, &m, &budget, err);
    if (ret)
        return ret;
    size_t n = npauses;
    struct sla_pause *p = norm_pauses(start_us, pauses, &n);
    int64_t end = stop_us ? stop_us : at;
    /* a stopped clock ignores what happened after its stop: cut the pauses there */
    if (stop_us) {
        size_t k = 0;
        while (k < n && p[k].from_us < stop_us) {
            if (p[k].to_us > stop_us)
                p[k].to_us = stop_us;
            k++;
        }
        n = k;
    }
    memset(out, 0, sizeof(*out));
    out->budget_us = budget;
    if ((ret = run_out(&m, start_us, budget, p, n, &out->deadline_us, err)) ||
        (ret = run_out(&m, start_us, budget / 100 * r->warn_pct + budget % 100 * r->warn_pct / 100,
                       p, n, &out->warn_us, err)))
        goto out;
    out->elapsed_us = used(&m, start_us, end, p, n);
    if (stop_us)
        out->state = stop_us <= out->deadline_us ? SLA_MET : SLA_MISSED;
    else if (out->deadline_us == SLA_OPEN)
        out->state = SLA_PAUSED;
    else if (at > out->deadline_us)
        out->state = SLA_BREACHED;
    else if (at >= out->warn_us)
        out->state = SLA_WARNING;
    else
        out->state = SLA_OK;
out:
    free(p);
    return ret;
}

int sla_page_check(struct sla_page *p, struct err *err)
{
    if (p->after < 0)
        return error(err, ERR_INVALID, "the cursor 'after' must be 0 or more, not %" PRId64,
                     p->after),
               err_field(err, "after");
    if (p->limit < 1 || p->limit > SLA_PAGE_MAX)
        return error(err, ERR_INVALID, "'limit' must be 1..%d, not %" PRId64, SLA_PAGE_MAX,
                     p->limit),
               err_field(err, "limit");
    p->next = p->last = p->listed = 0;
    return 0;
}

bool sla_page_take(struct sla_page *p, int64_t key)
{
    if (key <= p->after || p->next)
        return false;
    if (p->listed == p->limit) {
        p->next = p->last;
        return false;
    }
    p->last = key;
    p->listed++;
    return true;
}
