/*
 * Service applications (业扩报装 and changes; manual 2.1, 3.2; issue 6 §5): new connections,
 * capacity increase and decrease, suspension (暂停), tariff change (改类), name transfer (过户),
 * closure (销户) and meter tests, each kind going through its stages of 受理 → 勘查 → 供电方案答复
 * → 设计审核 → 中间检查 → 竣工检验 → 装表接电 (kinds and stages are data, migration 0016; their
 * limits versioned data, 0033, the only source since 0035).
 * Every stage entered and the application as a whole run a working-day clock (domain/sla.h) on
 * the stored calendar; pauses (waiting for the customer) stop them. Completion changes the
 * archive (customer, account, meter) through their own domain functions, all in one
 * transaction with the application's history and audit rows. Every change is one transaction
 * and writes an application_event row and an audit row. Strings returned live in the ctx
 * arena. Called by cli/cmd_apply.c and api/api_apply.c.
 */
#ifndef PMIS_APPLY_H
#define PMIS_APPLY_H

#include "domain/ctx.h"
#include "domain/sla.h"

/** A new application. NULL = not given; which members a kind needs is said by apply_add. */
struct apply_in {
    const char *kind;
    const char *org_code;   /* new connections: required; changes: NULL = the customer's */
    const char *cust_no;    /* kinds about a customer: suspend, name_transfer, closure */
    const char *account_no; /* kinds about an account: cap_*, tariff_change, meter_test */
    const char *name;       /* new connection: the applicant; name_transfer: the new name */
    const char *user_type, *voltage, *address; /* new connection */
    const char *capacity_kva; /* new connection, cap_increase, cap_decrease (up to 3 decimals) */
    const char *tariff_code;  /* new connection, tariff_change */
    const char *note;
};

/**
 * Accept (受理) an application at ctx "now": it enters its kind's first stage and its clocks
 * start. ERR_INVALID names a bad or missing field (unknown kind, code, capacity not above /
 * below the current one, the same tariff, a member the kind does not take); ERR_NOT_FOUND an
 * unknown (or out-of-scope) org, customer or account; ERR_CONFLICT a closed customer or
 * account, or another open application about the same customer or account.
 */
int apply_add(struct ctx *c, const struct apply_in *in, int64_t *id, struct err *err);

/**
 * Finish the current stage and enter the next stage of the kind. `to` (may be NULL) names the
 * stage expected next: anything else is refused. ERR_CONFLICT, naming the current stage and
 * the allowed next step, for a completed or cancelled application, the last stage (complete
 * it instead) or a stage out of order; ERR_INVALID for an unknown stage or one the kind skips.
 * Ends an open pause. Nothing changes on error.
 */
int apply_advance(struct ctx *c, int64_t id, const char *to, const char *note, struct err *err);

/** Cancel (撤销) an open application; `reason` is required (ERR_INVALID). */
int apply_cancel(struct ctx *c, int64_t id, const char *reason, struct err *err);

/** Waiting for the customer: stop the clocks (pause) or restart them (resume). */
int apply_pause(struct ctx *c, int64_t id, const char *note, struct err *err);
int apply_resume(struct ctx *c, int64_t id, const char *note, struct err *err);

/** What completion needs beyond the application; NULL = not given. */
struct apply_done_in {
    const char *meter;     /* new connection: the stock meter to install (asset number) */
    const char *reads;     /* its start reads, or the final reads of a closure's meters */
    const char *cycle_day; /* new connection: the account's 抄表例日 (default 1) */
    const char *phone, *id_type, *id_no; /* new connection, name transfer: personal data */
    const char *date;                    /* the effective date (default today) */
    const char *result;                  /* meter test: pass | fail */
    const char *note;
};

/**
 * Complete an application at its last stage (装表接电 or the kind's last): finish the stage,
 * stop the clocks and change the archive — a new connection adds the customer, its account
 * (capacity and tariff applied for) and installs the meter; capacity and tariff changes
 * update the account; a name transfer renames the customer; a suspension suspends it; a
 * closure (refused while any account of the customer owes money) removes its meters and
 * closes it; a meter test records the result. All in one transaction: on any error nothing
 * changes. ERR_CONFLICT when not at the last stage or not open.
 */
int apply_complete(struct ctx *c, int64_t id, const struct apply_done_in *in, struct err *err);

/** An application with the state of its end-to-end clock and current stage at a given time. */
struct application {
    int64_t id, org_id, customer_id, account_id;
    const char *kind, *kind_name, *state, *stage, *stage_name;
    const char *org_code, *cust_no, *customer, *account_no;
    const char *name, *user_type, *voltage, *address, *tariff_code;
    int64_t capacity_va; /* 0 when not given */
    int64_t total_days, warn_pct;
    int64_t accepted_at, closed_at, paused_at; /* 0 when not */
    const char *cancel_reason, *result, *created_by;
    /* evaluated */
    int64_t deadline_at;       /* end to end; 0 while paused */
    enum sla_state sla;        /* end to end (SLA_MET / SLA_MISSED once completed) */
    int64_t stage_deadline_at; /* the current stage's; 0 while paused or closed */
    enum sla_state stage_sla;
    /* recorded by the SLA run (apply_sla_run), once; 0 when not */
    int64_t warned_at, breached_at, stage_warned_at, stage_breached_at;
};

/** Load one application (in the ctx's org scope) evaluated at `at`; ERR_NOT_FOUND. */
int apply_get(struct ctx *c, int64_t id, int64_t at, struct application *out, struct err *err);

struct apply_filter {
    const char *state, *kind, *stage, *org_code, *cust_no;
    int64_t after_id, limit; /* keyset; limit 0 = 100 */
};
typedef int apply_fn(void *arg, const struct application *a);
/** Applications by id (one page), evaluated at `at`. ERR_INVALID for a bad filter value. */
int apply_list(struct ctx *c, const struct apply_filter *f, int64_t at, apply_fn *fn, void *arg,
               struct err *err);

struct apply_stage_row {
    const char *stage, *name;
    int64_t days;
    int64_t started_at, finished_at, deadline_at; /* 0: not entered / running / paused */
    enum sla_state sla;                           /* meaningless when not entered */
    bool entered;
};
typedef int apply_stage_fn(void *arg, const struct apply_stage_row *s);
/** Every stage of the application's kind in order, entered or not, evaluated at `at`. */
int apply_stages(struct ctx *c, int64_t id, int64_t at, apply_stage_fn *fn, void *arg,
                 struct err *err);

struct apply_event {
    int64_t at;
    const char *actor, *action, *from, *to, *note;
};
typedef int apply_event_fn(void *arg, const struct apply_event *e);
int apply_events(struct ctx *c, int64_t id, apply_event_fn *fn, void *arg, struct err *err);

/* ---- the SLA run of applications (apply_sla.c) ---- */

struct apply_sla_totals {
    int64_t clocks, ok, warning, breached, paused; /* end-to-end and current-stage clocks */
    int64_t warned, newly_breached, escalated;     /* recorded by this run */
};
/** An open application as the run saw it; esc_total / esc_stage: escalated by this run. */
typedef int apply_sla_fn(void *arg, const struct application *a, bool esc_total, bool esc_stage);

/**
 * The SLA run of the open applications in the ctx's scope at instant `at` (the job beside
 * ticket_sla_run): each end-to-end clock and current-stage clock in warning (the kind's warn_pct
 * of its working days used) or breached records its first warning and first breach (once), and
 * a breached clock is escalated into the supervisor's queue (ticket_escalation, metric
 * apply_total or apply_stage) once, with an event in the application's history and an audit
 * row; a second run at the same or a later instant records and escalates nothing new. `fn`
 * (may be NULL) gets one page (`page`, required with `fn`, checked as sla_page_check: ERR_INVALID
 * naming the field) of the applications with a clock in warning or breached, or with `all` every
 * open one, by id; page->next is the cursor of the following page (0 on the last). Every page is
 * a whole run. Counts in *tot. One transaction; a run that records something appends one audit
 * row "application.sla_run" with the counts. A clock that ends late between runs (a stage
 * advanced, the application completed) records its breach as it ends (apply.c, apply_done.c).
 */
int apply_sla_run(struct ctx *c, int64_t at, bool all, struct sla_page *page, apply_sla_fn *fn,
                  void *arg, struct apply_sla_totals *tot, struct err *err);

/**
 * Note a step of the supervisor's queue on an application (its history and an audit row
 * "application.<action>"), inside the caller's transaction; ERR_NOT_FOUND outside the scope.
 */
int apply_note(struct ctx *c, int64_t id, const char *action, const char *note, struct err *err);

/** Chinese name of a stage code (the code itself if unknown); "已归档" / "已撤销" for states. */
const char *apply_stage_zh(struct ctx *c, const char *stage);

/* ---- the working-day limits of the kinds (apply_limits.c) ---- */

/** The longest limit, in working days (the schema's bound). */
#define APPLY_LIMIT_MAX 366

struct apply_limit {
    const char *kind, *kind_name;
    int64_t total_days, warn_pct;
    const char *stage, *stage_name; /* one row per stage of the kind, in order */
    int64_t days;
};
typedef int apply_limit_fn(void *arg, const struct apply_limit *l);
/** The limits of kind `kind` (NULL: every active kind), one row per stage with the kind's
 *  end-to-end limit; ERR_NOT_FOUND for an unknown kind. */
int apply_limits(struct ctx *c, const char *kind, apply_limit_fn *fn, void *arg, struct err *err);

/** One change: `stage` is a stage code of the kind, or "total" for the end-to-end limit. */
struct apply_limit_set {
    const char *stage;
    int64_t days;
};

/**
 * Change limits of `kind`: each changed limit becomes a new version (migration 0033) in force
 * from `effective_at` (0: now; not in the past), with `source` (required: who decided it) and
 * the user; the old versions are kept. An application keeps the limits in force when it was
 * accepted (its stages too), so only applications accepted from `effective_at` on count by
 * the new figures. Each change is audited ("apply.limits", the kind, the old and new days).
 * ERR_INVALID naming the problem for days outside 1..APPLY_LIMIT_MAX, a stage the kind does
 * not go through, the same stage twice, no change or a change that changes nothing (against
 * the limits in force at `effective_at`), a missing source, an effective time in the past;
 * ERR_NOT_FOUND an unknown kind. All or nothing, one transaction.
 */
int apply_limits_set(struct ctx *c, const char *kind, const struct apply_limit_set *set, size_t n,
                     const char *source, int64_t effective_at, struct err *err);

/** One version of a limit of a kind: `stage` a stage code or "total". */
struct apply_limit_version {
    int64_t id;
    const char *stage;
    int64_t days, effective_at;
    const char *source, *changed_by;
    int64_t changed_at;
};
typedef int apply_limit_version_fn(void *arg, const struct apply_limit_version *v);
/** Every version of the limits of `kind`, the latest effective first; ERR_NOT_FOUND for an
 *  unknown kind. */
int apply_limits_history(struct ctx *c, const char *kind, apply_limit_version_fn *fn, void *arg,
                         struct err *err);

#endif
