/*
 * Service-centre work orders (工单, manual 2.2-2.4, 6.4; issue 6): 95598 intake with the caller
 * linked to a customer by 户号 or phone blind index (or anonymous), the state machine
 * 接单 → 分类 → 派单 → 处理 → 响应/到达 → 反馈 → 复核 → 归档 with reopen and merge, pauses while
 * waiting for the customer, and the SLA clocks of each order (domain/sla.h) with warnings,
 * breaches, the supervisor's escalation queue and compliance figures. Every change writes a
 * ticket_event row and an audit row in the same transaction. Strings returned live in the ctx
 * arena. Called by cli/cmd_ticket.c, api/api_ticket.c, api_service.c, and by domain/survey.c
 * for the follow-up order of a dissatisfied callback (ticket_add inside its transaction).
 */
#ifndef PMIS_TICKET_H
#define PMIS_TICKET_H

#include "domain/ctx.h"
#include "domain/sla.h"

/** Intake. type/channel/severity/area are codes (ticket_type, code lists ticket_*). */
struct ticket_in {
    const char *type, *subtype; /* subtype NULL = none yet (set at classification) */
    const char *channel, *severity, *area;
    const char *cust_no; /* link by 户号, or */
    const char *phone;   /* by phone through the blind index (needs c->keys); both NULL = anonymous */
    const char *org_code; /* responsible unit; NULL = the customer's */
    const char *text;
};

/**
 * Accept a new order in state 接单 (accepted) at ctx "now", start the clocks its policies start
 * at intake, and return its id. ERR_INVALID names a bad code or a missing field; ERR_NOT_FOUND
 * an unknown customer, phone or org; ERR_CONFLICT a phone that matches several customers.
 */
int ticket_add(struct ctx *c, const struct ticket_in *in, int64_t *id, struct err *err);

/**
 * The caller's customer by 户号 or by phone through the blind index (needs c->keys), in the
 * ctx's scope: its id and org; both 0 when neither is given. ERR_USAGE when both are given,
 * ERR_NOT_FOUND for an unknown customer or phone, ERR_CONFLICT for a phone of several customers.
 */
int ticket_find_caller(struct ctx *c, const char *cust_no, const char *phone, int64_t *cust_id,
                       int64_t *org_id, struct err *err);

/** A transition. Optional members NULL. */
struct ticket_move_in {
    const char *to;                          /* target state code */
    const char *org_code, *assignee;         /* 派单: to a unit and/or a person */
    const char *subtype, *severity, *area;   /* 分类: (re)classification */
    const char *note;
};

/**
 * Move an order to `in->to`. Allowed: accepted→classified; classified→dispatched (needs a unit
 * or person), or →replied for direct types (咨询, 意见建议, 表扬); dispatched→processing;
 * processing→responded; responded→replied; replied→reviewed; reviewed→archived, or
 * →processing when the callback fails (a new round of clocks). Anything else is ERR_CONFLICT
 * naming the current state and the allowed next states, and changes nothing. A move ends an
 * open pause, stops the clocks whose stop state is reached and starts those whose start
 * state is entered.
 */
int ticket_move(struct ctx *c, int64_t id, const struct ticket_move_in *in, struct err *err);

/** (Re)assign to a unit and/or person: from 分类 it dispatches; in 派单/处理/响应 it reassigns. */
int ticket_assign(struct ctx *c, int64_t id, const char *org_code, const char *assignee,
                  const char *note, struct err *err);

/** Reopen an archived order within its type's reopen_days: back to 处理, new clock round. */
int ticket_reopen(struct ctx *c, int64_t id, const char *note, struct err *err);

/** Merge duplicate `dup` into `into` (both open, different): dup → merged, its clocks cancelled. */
int ticket_merge(struct ctx *c, int64_t dup, int64_t into, const char *note, struct err *err);

/**
 * Archive an open order resolved by something outside it (the restoration of the outage it is
 * grouped under, outage.h): straight to 归档 with an event "resolve" and `note`, its clocks
 * stopped. ERR_CONFLICT for an order already archived or merged. Nests in the caller's tx.
 */
int ticket_resolve(struct ctx *c, int64_t id, const char *note, struct err *err);

/** Waiting for the customer: stop the clocks (pause) or restart them (resume). */
int ticket_pause(struct ctx *c, int64_t id, const char *note, struct err *err);
int ticket_resume(struct ctx *c, int64_t id, const char *note, struct err *err);

/** "接单" etc. for a state code; the code itself if unknown. */
const char *ticket_state_zh(const char *state);

struct ticket {
    int64_t id, org_id, customer_id, round, merged_into;
    const char *type, *subtype, *type_name, *channel, *severity, *area, *state;
    const char *cust_no, *customer, *org_code, *assignee, *text, *created_by;
    int64_t accepted_at, archived_at, paused_at; /* 0 when not */
    /* ticket_list only (else zero): the SLA state at the filter's sla_at as `sla` filters it,
     * and the metric, deadline and warning of the running clock due first (NULL / 0: none) */
    struct {
        const char *state, *metric;
        int64_t deadline_at, warn_at;
    } sla;
};

/**
 * The steps open to order `t` now under the state machine of ticket_move and the rules of
 * ticket_assign, pause/resume, merge and reopen, named as their API routes: "classify",
 * "dispatch", "process", "respond", "reply", "review", "archive" (moves), "assign" (reassign an
 * order already dispatched), "pause" or "resume", "merge", "reopen" (archived, within the type's
 * reopen_days). Up to TICKET_ACTIONS_MAX go into out[] (static strings), *n their number. The
 * checks that depend on the note given (a complaint's reply and review) are not anticipated, nor
 * permissions (the caller's business).
 */
#define TICKET_ACTIONS_MAX 8
int ticket_actions(struct ctx *c, const struct ticket *t, const char **out, size_t *n,
                   struct err *err);

/** Load one order (in the ctx's org scope); ERR_NOT_FOUND "no work order N". */
int ticket_get(struct ctx *c, int64_t id, struct ticket *out, struct err *err);

struct ticket_filter {
    const char *state, *type;
    bool open_only, escalated_only;
    int64_t after_id, limit; /* keyset; limit 0 = 100 */
    const char *org_code;    /* only orders of this unit's subtree (ERR_NOT_FOUND outside scope) */
    const char *assignee;    /* only orders assigned to this person */
    const char *cust_no;     /* only orders of this customer (ERR_NOT_FOUND outside scope) */
    int64_t from_at, to_at;  /* only orders accepted in [from_at, to_at); 0 = open end */
    const char *sla;         /* ok|warning|breached|paused|none: the worst running clock at
                                sla_at (none: no running clock); ERR_INVALID otherwise */
    int64_t sla_at;          /* 0 = ctx now */
};
typedef int ticket_fn(void *arg, const struct ticket *t);
/** The orders of filter `f` in id order, each with its SLA summary (ticket.sla). */
int ticket_list(struct ctx *c, const struct ticket_filter *f, ticket_fn *fn, void *arg,
                struct err *err);

/** Open orders (not archived or merged) in the ctx's org scope counted by SLA state at `at`
 *  (0 = now), each state as ticket_filter.sla picks it; open = their sum. */
struct ticket_sla_counts {
    int64_t at, open, ok, warning, breached, paused, none;
};
int ticket_sla_summary(struct ctx *c, int64_t at, struct ticket_sla_counts *out, struct err *err);

struct ticket_event {
    int64_t at;
    const char *actor, *action, *from, *to, *note;
};
typedef int ticket_event_fn(void *arg, const struct ticket_event *e);
/** The history of order `t` (read with ticket_get, so in the ctx's scope), oldest first. */
int ticket_events(struct ctx *c, const struct ticket *t, ticket_event_fn *fn, void *arg,
                  struct err *err);

struct ticket_clock {
    int64_t id, round, started_at, stopped_at, deadline_at, warn_at, escalated_at;
    const char *metric, *clock, *status; /* status: running, met, missed, cancelled */
    int64_t amount;
    enum sla_state state; /* at the time asked */
};
typedef int ticket_clock_fn(void *arg, const struct ticket_clock *k);
/** The clocks of order `t` (read with ticket_get), oldest first, with their state at `at`. */
int ticket_clocks(struct ctx *c, const struct ticket *t, int64_t at, ticket_clock_fn *fn,
                  void *arg, struct err *err);

/* ---- SLA run, escalation, compliance (ticket_sla.c) ---- */

struct ticket_sla_row {
    int64_t clock_id, ticket_id, deadline_at;
    const char *metric;
    enum sla_state state;
    bool escalated;                     /* escalated by this run */
    bool newly_warned, newly_breached;  /* first warning / first breach recorded by this run */
};
typedef int ticket_sla_fn(void *arg, const struct ticket_sla_row *r);
struct ticket_sla_totals {
    int64_t clocks, ok, warning, breached, paused, escalated;
    int64_t marked; /* clocks whose first warning or first breach this run recorded */
};

/**
 * The SLA state of every running clock (in the ctx's scope) at instant `at`: ok, warning,
 * breached or paused, counted in *tot. First warnings and breaches are recorded on the clock; a
 * breached clock is escalated into the supervisor's queue once (a second run escalates nothing
 * new). `fn` (may be NULL) gets one page (`page`, required with `fn`; checked with
 * sla_page_check, ERR_INVALID naming the field) of the clocks in warning or breached, or with
 * `all` every running clock, by clock id, read in SQL; page->next is the cursor of the following
 * page (0 on the last). Every page is a whole run. One transaction; a run that records
 * something (a warning, a breach, an escalation) appends one audit row "ticket.sla_run" with the
 * counts (and "the caller's org subtree" when scoped); a run that records nothing changes nothing.
 */
int ticket_sla_run(struct ctx *c, int64_t at, bool all, struct sla_page *page, ticket_sla_fn *fn,
                   void *arg, struct ticket_sla_totals *tot, struct err *err);

/* ---- the supervisor's queue (ticket_queue.c) ---- */

struct ticket_escalation {
    int64_t id, ticket_id, deadline_at, escalated_at;
    /* an item is of a work order (ticket_id) or of a service application (application_id,
     * ticket_id 0, metric apply_total or apply_stage; state and type are the application's
     * state and kind, stage its stage when escalated) */
    int64_t application_id;
    const char *stage;
    const char *metric, *org_code, *state, *type;
    const char *status; /* open, acknowledged, resolved */
    int64_t acked_at, resolved_at; /* 0 when not */
    const char *acked_by, *ack_note, *resolved_by, *resolve_note;
};
typedef int ticket_escalation_fn(void *arg, const struct ticket_escalation *e);
/** The queue in the ctx's scope, oldest first: open and acknowledged items, or all. */
int ticket_escalations(struct ctx *c, bool all, ticket_escalation_fn *fn, void *arg,
                       struct err *err);

/** One item of the queue (in scope); ERR_NOT_FOUND "no escalation N". */
int ticket_escalation_get(struct ctx *c, int64_t id, struct ticket_escalation *out,
                          struct err *err);

/**
 * Work off an item of the queue at ctx "now": acknowledge an open one (督办已接收) or resolve an
 * open or acknowledged one (督办办结), with a note (required, ERR_INVALID). ERR_CONFLICT names
 * the item's status when the step does not apply; ERR_NOT_FOUND outside the scope. An event on
 * the order (or the application) and an audit row, in one transaction.
 */
int ticket_escalation_close(struct ctx *c, int64_t id, bool resolve, const char *note,
                            struct err *err);

enum ticket_by {
    TICKET_BY_TYPE,
    TICKET_BY_ORG,
    TICKET_BY_METRIC,
    TICKET_BY_MONTH,
    TICKET_BY_MONTH_TYPE, /* month × type, org, metric: in the order of the three above */
    TICKET_BY_MONTH_ORG,
    TICKET_BY_MONTH_METRIC,
};
/**
 * "type", "org", "metric", "month", or month with one of the others ("month,org", also written
 * "org,month") into *out. ERR_INVALID naming the problem (an unknown word, a word given twice,
 * two words of which none is month, more than two) otherwise.
 */
int ticket_by_parse(const char *s, enum ticket_by *out, struct err *err);
/** The canonical spelling of `by` ("type", ..., "month,org"). */
const char *ticket_by_name(enum ticket_by by);
struct ticket_compliance_row {
    const char *key, *name;
    int64_t clocks, met, missed, pending;
    int64_t rate_bp; /* met / (met + missed) in basis points (10000 = 100 %); -1 when none */
    const char *month; /* "YYYY-MM" in the rows of month × type, org or metric; NULL otherwise */
};
typedef int ticket_compliance_fn(void *arg, const struct ticket_compliance_row *r);
/**
 * SLA compliance of the clocks started in the months `from` to `to` (both included, business
 * zone), as of instant `at`: met, missed (stopped late or running past the deadline) and
 * pending, by type, org or metric, or by month (a row per month of the range, key and name
 * "YYYY-MM", empty months too), or by month × type, org or metric: for each month of the range
 * (in order), a row for each key (in key order) that has a clock in the range, with `month`
 * set, months without clocks of that key too (zeros, no rate). The last row passed has key
 * "total". All rows come from one read-only snapshot (store_begin_snapshot), so they add up to
 * the total even while clocks start. ERR_INVALID naming "from" for a range that runs
 * backwards, "to" for one over 120 months.
 */
int ticket_compliance(struct ctx *c, struct period from, struct period to, enum ticket_by by,
                      int64_t at, ticket_compliance_fn *fn, void *arg, struct err *err);

#endif
