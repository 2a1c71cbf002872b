/*
 * Bills (电费账单) and bill runs (核算, manual 3.1/3.2).
 *
 * A bill run computes, for one period and an org subtree (optionally one reading day), a draft
 * bill for every active account: the meters' readings go through VEE (vee.h), the consumption
 * is priced by the account's tariff (tariff.h), and the bill keeps the usage, the readings and
 * every line so `bill explain` can show its arithmetic. Drafts that failed validation or look
 * unusual (zero, negative, estimated, above N x the 12-month average) go to review (量费审核);
 * approve or hold them, then `bill issue` (发行) numbers the releasable ones, sets due dates and
 * makes them immutable. Corrections (退补) are adjustment bills against issued ones.
 *
 * Reading dates: the bill of period P for an account with reading day d uses its meters'
 * readings up to R(P) = P-d (the reading month is the bill month, as in 营销 practice); the
 * window starts at the reading the previous bill used, R(P-1) or earlier after estimates.
 *
 * Time-of-use windows (tariff_uses_windows): the TOU split of a real reading window comes from
 * the meters' interval data, not from their period registers. Interval values are meter-side,
 * like register readings, so they are multiplied by the meter's multiplier (CT x PT). Each point
 * goes to the period tariff_period_at() gives for its day and start minute, over the days after
 * the `from` reading up to the `to` reading (the bill's read_from .. read_to). The billed total
 * stays the register advance: what the intervals do not cover (missing days or points, rounding)
 * goes to the flat period, negative or positive. The bill goes to review with "interval data
 * incomplete" when a day or point of the window is missing, or "interval data do not match the
 * register advance" when complete data differ from it by more than the VEE TOU tolerance
 * (1 % or 1 kWh). Estimated windows keep the estimated split. A tariff that bills demand, for an
 * account whose meters have no demand register, gets the largest interval demand (max point Wh
 * x 60 / minutes, x the multiplier; the larger over meters); without intervals it cannot be
 * priced (review). `bill explain` shows the intervals' sums per meter.
 *
 * Runs commit in batches of accounts (policy.batch per page), with the run's cursor in the same
 * transaction: a run killed at any moment leaves whole pages of bills only, and running the
 * period again resumes it. Pages are read and computed on a second thread with its own
 * connection (store_open_peer), at most three pages ahead of the writer, so memory does not
 * grow with the number of accounts; an in-memory database or a dry run uses one connection.
 * Re-running a computed period replaces its drafts. Two runs of one period never overlap (a
 * lock held by the database session: flock on SQLite, an advisory lock on PostgreSQL).
 */
#ifndef PMIS_BILL_H
#define PMIS_BILL_H

#include "domain/ctx.h"
#include "domain/tariff.h"

/** Review thresholds and due-date policy (configuration, see cfg.def billing.*). */
struct bill_policy {
    int review_multiple_pct; /* review when total > avg x pct / 100 (300 = 3x); 0 = off */
    int spike_pct;           /* VEE spike threshold on energy (vee_policy.spike_pct) */
    int due_days;            /* due date = issue date + due_days */
    int batch;               /* accounts per transaction */
};
void bill_policy_default(struct bill_policy *p);

typedef void bill_progress_fn(void *arg, int64_t done, int64_t total);

struct bill_run_opts {
    struct period period;
    const char *org_code; /* NULL = every org */
    int cycle_day;        /* 0 = every reading day */
    bool dry_run;         /* compute and report, write nothing */
    bool restart;         /* discard an interrupted run's progress instead of resuming it */
    int units;            /* > 0: only split the run into this many work units (bill_work) */
    const struct bill_policy *policy;
    bill_progress_fn *progress;
    void *progress_arg;
};

struct bill_run_result {
    int64_t run_id;    /* 0 on a dry run */
    bool resumed;      /* continued an interrupted run */
    int64_t replaced;  /* earlier drafts of the period replaced */
    int64_t accounts;  /* accounts billed by this call */
    int64_t in_review; /* of which sent to review */
    int64_t skipped;   /* accounts that already have an issued bill for the period */
    int64_t failed;    /* accounts that could not be priced (in review with the reason) */
    int64_t total_fen;
    int64_t energy_wh;
    int64_t units;     /* work units made (o->units) */
};

#define BILL_UNITS_MAX 1000

/** Run (or resume) the bill run described by `o`; with o->units, create the run and split
 *  its accounts into work units instead of computing them. Errors: ERR_INVALID bad options,
 *  ERR_NOT_FOUND unknown org, ERR_BUSY another run of the period is in progress,
 *  ERR_CONFLICT an interrupted run of the period has work units left. */
int bill_run(struct ctx *c, const struct bill_run_opts *o, struct bill_run_result *r,
             struct err *err);

struct bill_work_result {
    int64_t units;            /* units this worker computed (or finished) */
    int64_t units_left;       /* not done when it stopped (others may be on them) */
    bool finished;            /* this worker completed the run (status computed) */
    struct bill_run_result r; /* the bills this worker wrote */
};
/**
 * Compute work units of run `run_id` (made by bill_run with o->units) until none is left to
 * claim: each unit is claimed with a lock that dies with the process (an flock beside the
 * SQLite file, a session advisory lock on PostgreSQL) and computed from its cursor, a page per
 * transaction, exactly as bill_run would. Any number of workers, on any hosts, may run at
 * once; a killed worker's unit is taken over where it stopped. The last unit done makes the
 * run computed. `worker` names this process in the unit rows. ERR_NOT_FOUND unknown run,
 * ERR_CONFLICT a run that is not running or has no work units.
 */
int bill_work(struct ctx *c, int64_t run_id, const struct bill_policy *p, const char *worker,
              bill_progress_fn *progress, void *progress_arg, struct bill_work_result *r,
              struct err *err);

/** A bill run as listed (strings in the ctx arena). */
/* status: running, computed, issued or replaced as stored, or "failed" for a running run that
 * stopped on an error (a background run's unit): error is its English text, error_zh its
 * Chinese (NULL when untranslated), both NULL unless failed. */
struct bill_run_info {
    int64_t id;
    const char *period, *org_code, *status, *started_by; /* org_code NULL = every org */
    const char *error, *error_zh;
    int cycle_day;                                       /* 0 = every reading day */
    int64_t accounts, in_review, total_fen, energy_wh;
    int64_t started_at, issued_at; /* µs since the epoch; issued_at 0 = not issued */
};
typedef int bill_run_fn(void *arg, const struct bill_run_info *r);
/** The latest `limit` runs (0 = 50) with an id below `before` (0 = any: a keyset on the id),
 *  of `period` or all (NULL), newest first. With an org scope (ctx.scope_org_id), only runs of
 *  an org inside it and runs of every org. */
int bill_runs(struct ctx *c, const char *period, int64_t before, int64_t limit, bill_run_fn *fn,
              void *arg, struct err *err);
/** A running bill run's progress, for monitoring: accounts billed so far and, for a run split
 *  into work units, how many there are and how many are done (0 and 0 otherwise). */
struct bill_run_progress {
    int64_t id;
    const char *period;
    int64_t accounts, units, units_done;
};
typedef int bill_running_fn(void *arg, const struct bill_run_progress *p);
/** Every run still running, oldest first, whatever the scope (monitoring only: no amounts).
 *  Strings are valid during the call. */
int bill_runs_running(struct ctx *c, bill_running_fn *fn, void *arg, struct err *err);

/** One run's progress, whatever the scope (whole-run counts, no amounts): its phase
 *  ("waiting" for a worker to claim a unit, "computing", "failed" when error is set, "done"
 *  once no longer running), accounts billed so far and in all (-1 = not recorded), and percent
 *  (0-100, 100 only once done; accounts skipped because already issued count only then).
 *  error is the English text of why the run stopped, error_zh its Chinese (NULL when
 *  untranslated); both are cleared when the run is restarted or its last unit is done. */
struct bill_run_state {
    const char *phase, *error, *error_zh; /* NULL unless the run stopped on one (ctx arena) */
    int64_t accounts_done, accounts_total, units, units_done;
    int percent;
};
int bill_run_state(struct ctx *c, int64_t id, struct bill_run_state *out, struct err *err);

/** Compute a run split into work units (bill_run with o->units) to the end in this process, as
 *  `pmis bill work` would, holding the period's bill-run lock meanwhile (one run of a period at
 *  a time, like bill_run); on failure the error is recorded on the run (bill_run_state) as well
 *  as returned. For `pmis serve`'s background runs. */
int bill_run_finish(struct ctx *c, int64_t run_id, const struct bill_policy *p, struct err *err);

/** Run `id`, scoped like bill_runs: a run of an org outside the scope is ERR_NOT_FOUND "no bill
 *  run N", exactly like a missing one. Strings in the ctx arena. */
int bill_run_get(struct ctx *c, int64_t id, struct bill_run_info *out, struct err *err);

/** A bill as listed. Strings live in the ctx arena. */
struct bill_info {
    int64_t id, run_id, adjusts_bill_id;
    const char *bill_no; /* NULL until issued */
    const char *account_no, *cust_no, *customer_name, *period, *kind, *status;
    const char *tariff_code, *read_from, *read_to, *review_reason, *note, *due_on;
    int64_t energy_wh, total_fen;
    unsigned vee_flags;
};
typedef int bill_fn(void *arg, const struct bill_info *b);

/** Resolve "B2025060000001" (a bill number) or "#123" / "123" (a bill id). */
int bill_find(struct ctx *c, const char *key, int64_t *id, struct err *err);
int bill_get(struct ctx *c, int64_t id, struct bill_info *out, struct err *err);

struct bill_filter {
    const char *account_no; /* NULL = any */
    const char *period;     /* NULL = any */
    int64_t run_id;         /* 0 = any */
    const char *status;     /* NULL = any */
    int64_t limit;          /* 0 = 100 */
    /* keyset in the list's order (period newest first, then id): only bills after the bill of
     * after_period (NULL = from the first) and after_id */
    const char *after_period;
    int64_t after_id;
};
/** The bills of filter `f` in the caller's scope. A filter that can match nothing is refused
 *  naming it: ERR_INVALID for period or status, ERR_NOT_FOUND for an unknown run or account. */
int bill_list(struct ctx *c, const struct bill_filter *f, bill_fn *fn, void *arg, struct err *err);

/** One stored line of a bill, as tariff_quote produced it. */
struct bill_line_info {
    int line_no;
    const char *item, *code, *name, *rule, *version, *unit, *parts;
    int64_t qty, price_e8, amount_fen;
};
typedef int bill_line_fn(void *arg, const struct bill_line_info *l);
int bill_lines(struct ctx *c, int64_t bill_id, bill_line_fn *fn, void *arg, struct err *err);

/** The stored inputs of a bill: usage ("k=v;...") and readings, for explain. */
int bill_inputs(struct ctx *c, int64_t bill_id, const char **usage_text, const char **reads_text,
                struct err *err);

/** Review decisions on a draft: approve (release with the run) or hold (keep out of it).
 *  ERR_CONFLICT for an issued bill. Audited with the note. */
int bill_review(struct ctx *c, int64_t bill_id, bool approve, const char *note, struct err *err);

/** The same decision for every bill of run `run_id` in review whose reason contains
 *  `reason_like` (e.g. "consumption spike"); *count gets how many. One audit row. */
int bill_review_bulk(struct ctx *c, int64_t run_id, const char *reason_like, bool approve,
                     const char *note, int64_t *count, struct err *err);

/** Recompute one unissued regular bill from the current readings and tariffs (after a reading
 *  was corrected); it goes through review again. */
int bill_recompute(struct ctx *c, int64_t bill_id, const struct bill_policy *p, struct err *err);

struct bill_issue_result {
    int64_t issued, left_in_review, held;
    int64_t total_fen;
    const char *first_no, *last_no;
};
/** Issue (发行) run `run_id`: every draft and approved bill gets the next number of its period
 *  and a due date (`due_on`, or issue date + policy due_days when invalid), and becomes
 *  immutable. Bills in review or held stay out and can be issued by a later call. */
int bill_issue(struct ctx *c, int64_t run_id, struct date due_on, const struct bill_policy *p,
               struct bill_issue_result *r, struct err *err);

/** Issue one approved (or draft) correction bill; *bill_no gets its number (ctx arena). */
int bill_issue_adjustment(struct ctx *c, int64_t bill_id, struct date due_on,
                          const struct bill_policy *p, const char **bill_no, struct err *err);

/** Correction (退补) of an issued regular bill: re-price it with `corrected_wh` as its total
 *  energy (TOU registers scaled in proportion) and issue the difference as a new adjustment
 *  bill in review. `reason` is required. */
int bill_adjust(struct ctx *c, int64_t bill_id, int64_t corrected_wh, const char *reason,
                int64_t *adj_id, struct err *err);

/**
 * Meter error correction (rules §8.4 M1): the meter was last tested (or installed) on `tested`
 * and its error of `error_pct_e2` (0.01 %, +400 = 4 % fast) found on `found`; the issued bills
 * whose reading windows fall in the second half of that time are corrected to zero error
 * (energy / (1 + e)), one adjustment bill each, pro rata by days for a bill straddling the
 * midpoint. *count gets the number of adjustment bills.
 */
int bill_adjust_meter_error(struct ctx *c, const char *account_no, struct date tested,
                            struct date found, int error_pct_e2, const char *reason, int64_t *count,
                            struct err *err);

/** What-if re-billing of a period under a proposed tariff (manual 3.4, market risk). */
struct bill_sim_group {
    char kind[8]; /* "type", "org" or "tier" */
    char key[40]; /* user type, org code, or the highest tier reached ("tier2", "-") */
    int64_t bills, energy_wh, old_fen, new_fen;
};
struct bill_sim_result {
    int64_t bills, energy_wh, old_fen, new_fen;
    int64_t up, down, same; /* bills that would rise, fall, stay */
    int64_t failed;         /* bills the proposed tariff could not price */
    char first_error[256];  /* the first failure, for the report */
    int ngroups, capgroups;
    struct bill_sim_group *groups; /* every type, tier and org met, in that order, each by key:
                                      owned, bill_sim_release() */
};
/**
 * Re-price the regular bills of `period` currently on tariff `code` (NULL = the proposed
 * tariff's own code) with `proposed`, from their stored usage, writing nothing. `r` is set
 * from scratch; release it with bill_sim_release() afterwards, also after an error.
 */
int bill_simulate(struct ctx *c, struct period period, const char *code,
                  const struct tariff *proposed, struct bill_sim_result *r, struct err *err);
void bill_sim_release(struct bill_sim_result *r);

#endif
