/*
 * The SLA clock engine (issue 6 §2, rules cn-tariff-rules.md §7): pure functions that turn a
 * start instant, an allowed duration and the pauses of a work order into a deadline, a warning
 * instant and a state, on natural time, on working time (a daily window on working days) or in
 * working days (the end of the n-th working day, 供电服务"十项承诺"), with the working-day
 * calendar (holidays, 调休) as data. No I/O, no clock: callers pass "now". Thread-safe.
 */
#ifndef PMIS_SLA_H
#define PMIS_SLA_H

#include "core/calendar.h"
#include "core/date.h"

enum sla_kind {
    SLA_NATURAL = 1,  /* `amount` minutes of natural time ("arrive within 45 minutes") */
    SLA_WORK_MINUTES, /* `amount` minutes inside `hours` on working days */
    SLA_WORK_DAYS,    /* the end of the `amount`-th working day after the start date */
};

struct sla_rule {
    enum sla_kind kind;
    int64_t amount;        /* minutes, or working days for SLA_WORK_DAYS; 0..10 years */
    struct cal_hours hours; /* SLA_WORK_MINUTES only; {0, 1440} = whole working days */
    int warn_pct;          /* warn when this share (1..100 %) of the allowed time is used */
};

/** A pause ("waiting for the customer"): [from_us, to_us); to_us SLA_OPEN while it lasts. */
struct sla_pause {
    int64_t from_us, to_us;
};
#define SLA_OPEN INT64_MAX

/** Where working time is counted: the calendar and the business zone (both borrowed). */
struct sla_env {
    const struct calendar *cal;
    const struct tz *tz;
};

enum sla_state {
    SLA_OK = 0,   /* running, under the warning share */
    SLA_WARNING,  /* running, the warning share used, not yet late */
    SLA_BREACHED, /* running and past the deadline */
    SLA_PAUSED,   /* running, stopped by an open pause (deadline unknown) */
    SLA_MET,      /* stopped on or before the deadline */
    SLA_MISSED,   /* stopped after the deadline */
};

/** "ok", "warning", "breached", "paused", "met", "missed". */
const char *sla_state_name(enum sla_state s);
/** "natural", "work_minutes", "work_days" <-> enum; parse: ERR_INVALID naming the value. */
const char *sla_kind_name(enum sla_kind k);
int sla_kind_parse(const char *s, enum sla_kind *out, struct err *err);

/**
 * The deadline of a clock started at `start_us` under `r`: the instant at which the allowed
 * time, counted on r's clock and not counting time inside `pauses` (any order, may overlap,
 * may begin before the start), runs out. Reaching the clock exactly at the deadline is on
 * time. *deadline_us is SLA_OPEN when an open pause began before the time ran out. ERR_INVALID
 * for a bad rule (amount, window, warn share) or a calendar without working days.
 */
int sla_deadline(const struct sla_rule *r, const struct sla_env *env, int64_t start_us,
                 const struct sla_pause *pauses, size_t npauses, int64_t *deadline_us,
                 struct err *err);

struct sla_status {
    enum sla_state state;
    int64_t budget_us;   /* the allowed time on the rule's clock */
    int64_t elapsed_us;  /* clock time used by `at` (pauses excluded) */
    int64_t deadline_us; /* SLA_OPEN while paused */
    int64_t warn_us;     /* when warn_pct of the budget is used; SLA_OPEN while paused */
};

/**
 * The state of a clock at instant `at`: stopped at `stop_us` (0 = still running, then `at` is
 * "now"). Pauses after the stop do not count. Errors as sla_deadline.
 */
int sla_eval(const struct sla_rule *r, const struct sla_env *env, int64_t start_us,
             const struct sla_pause *pauses, size_t npauses, int64_t stop_us, int64_t at,
             struct sla_status *out, struct err *err);

/* ---- one page of what an SLA run lists (ticket_sla_run, apply_sla_run) ---- */

#define SLA_PAGE_DEFAULT 100
#define SLA_PAGE_MAX 1000

/**
 * A keyset cursor over the rows an SLA run lists, by key (a clock id, an application id): the
 * rows of key above `after`, at most `limit`. The run itself judges and records every clock in
 * scope whatever the page lists. The run sets `next`: the key of the last row listed when more
 * follow, else 0 (the last page). Caller's memory.
 */
struct sla_page {
    int64_t after;        /* 0 = from the first */
    int64_t limit;        /* 1..SLA_PAGE_MAX (SLA_PAGE_DEFAULT when the caller gives none) */
    int64_t next;         /* out */
    int64_t last, listed; /* out: the last key listed, how many */
};
#define SLA_PAGE_INIT { 0, SLA_PAGE_DEFAULT, 0, 0, 0 }

/** Check a cursor from the caller (and clear the outputs): ERR_INVALID naming "after"
 *  (negative) or "limit" (outside 1..SLA_PAGE_MAX), with err_field set. */
int sla_page_check(struct sla_page *p, struct err *err);

/** Whether the row of key `key` (ascending) goes on the page: above `after` and room left;
 *  a row past the full page sets `next`. */
bool sla_page_take(struct sla_page *p, int64_t key);

#endif
