/*
 * Collections (manual 3.4; rules §6.2, §7): arrears figures (aging, the accounts in arrears,
 * the collection rate 电费回收率), reminders (催费) through the outbox, disconnection (欠费停电)
 * and reconnection (复电) work orders. Everything reads the receivables ledger (ledger.h) and
 * never posts to it; the one link back is collect_after_payment(), which ledger_pay() calls.
 * Policies, schedules and message texts are data (migration 0010), not constants.
 * Strings returned in structs live in the ctx arena unless a comment says otherwise.
 */
#ifndef PMIS_COLLECT_H
#define PMIS_COLLECT_H

#include "core/date.h"
#include "core/err.h"
#include "core/strbuf.h"
#include "domain/ctx.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- arrears figures (collect_aging.c) ---- */

/* Aging buckets by days past the due date: 0–30, 31–60, 61–90, > 90. */
#define COLLECT_BUCKETS 4
extern const char *const collect_bucket_names[COLLECT_BUCKETS];
/** The bucket (0..3) of a bill `days` past due (days ≤ 30, including 0, is bucket 0). */
int collect_bucket(int32_t days);
/** Bucket bounds as of `asof`: a bill due on or after bounds[i] is in a bucket ≤ i. */
void collect_bucket_bounds(struct date asof, struct date bounds[COLLECT_BUCKETS - 1]);
/** paid / billed in basis points (1/100 of a percent), rounded half up; 0 when nothing billed. */
int64_t collect_rate_bp(int64_t paid_fen, int64_t billed_fen);

enum collect_by { COLLECT_BY_ORG, COLLECT_BY_TYPE };

struct aging_cell {
    int64_t bills, principal_fen, fee_fen;
};
struct aging_row {
    const char *key, *name; /* org code and name, or user type code and its Chinese name */
    int depth;              /* org rows: levels below the scope (0: the scope itself) */
    int64_t accounts;       /* accounts with overdue arrears in this row */
    struct aging_cell b[COLLECT_BUCKETS], total;
};
struct aging_report {
    struct date asof;
    size_t n;
    struct aging_row *rows; /* in the ctx arena; org rows by code, type rows by type */
    struct aging_row total; /* the whole scope */
};
struct arrears_scope {
    struct date asof;      /* the figures as of the end of this day */
    const char *org;       /* NULL: every org unit */
    enum collect_by by;
    int depth;             /* org rows: the scope and this many levels below it */
};
/**
 * Unpaid principal and late fee of the bills overdue on `asof` (due before it), by bucket, as
 * the ledger stood at the end of that day: payments dated after it, and reversals dated after
 * it of payments dated before it, are left out; late fees accrued or waived after it too.
 * Org rows roll up their subtree (org_closure). ERR_NOT_FOUND for an unknown org.
 */
int collect_aging(struct ctx *c, const struct arrears_scope *s, struct aging_report *r,
                  struct err *err);

struct arrears_account {
    const char *account_no, *cust_no, *customer, *user_type, *org, *oldest_due;
    int32_t days; /* the oldest bill's days past due */
    int64_t bills, principal_fen, fee_fen;
};
typedef int arrears_fn(void *arg, const struct arrears_account *a);
struct arrears_query {
    struct date asof;
    const char *org;       /* NULL: all */
    int64_t min_days;      /* only accounts whose oldest bill is at least this many days late */
    const char *after;     /* keyset cursor "YYYY-MM-DD/ACCOUNT" of the last row seen, or NULL */
    int64_t limit;         /* 1..10000 */
};
/**
 * The accounts in arrears as of q->asof, oldest debt first (then by account number), one page.
 * *next (may be NULL) gets the cursor of the last row when the page is full, else NULL.
 */
int collect_arrears_list(struct ctx *c, const struct arrears_query *q, arrears_fn *fn, void *arg,
                         const char **next, struct err *err);

struct rate_row {
    const char *period, *key, *name;
    int depth;
    int64_t bills, billed_fen, paid_fen; /* principal billed and paid */
    int64_t fee_fen, fee_waived_fen, fee_paid_fen; /* late fees accrued, waived, paid */
    int64_t rate_bp;                     /* paid / billed, basis points */
};
typedef int rate_fn(void *arg, const struct rate_row *r);
/**
 * Collection rate (电费回收率) of the bills of periods `from`..`to`, as of the end of s->asof:
 * principal billed (issued positive bills and corrections) and paid, late fees accrued, waived
 * and paid on them; per period and group (s->by), then a total per period (key NULL).
 */
int collect_rate(struct ctx *c, const struct arrears_scope *s, struct period from,
                 struct period to, rate_fn *fn, void *arg, struct err *err);

/* ---- reminders, templates, the outbox (collect_remind.c) ---- */

#define COLLECT_CHANNELS "sms|wechat|letter|email|webhook"
bool collect_channel_ok(const char *channel);
/** Message kinds with templates: reminder, disconnect_notice, reconnect, low_balance,
 *  prepaid_off. */
bool collect_kind_ok(const char *kind);

/* Values a template's placeholders take ({account}, {amount}, ...); NULL renders empty. */
struct msg_vars {
    const char *account, *customer, *bill, *period, *amount, *principal, *late_fee, *due_on,
        *days, *date, *disconnect_on, *time, *regulator;
};
/** Check a template: every {name} is a known placeholder, braces balanced, 1..2000 bytes. */
int collect_template_check(const char *body, struct err *err);
/** Append `body` with its placeholders filled to `out` (the body is assumed checked). */
void collect_render(const char *body, const struct msg_vars *v, struct strbuf *out);

/** Queue a message of `kind` to `account_no` on `channel` from its template; *id its outbox id.
 *  ERR_NOT_FOUND when there is no template for (kind, channel). Inside the caller's tx. */
int collect_outbox_add(struct ctx *c, const char *kind, const char *channel, int64_t account_id,
                       const char *account_no, const struct msg_vars *v, int64_t *id,
                       struct err *err);

struct remind_step {
    int64_t days_after;
    const char *channel;
    const char *grades; /* credit grades the step applies to ("ABCD"); NULL for thresholds */
};
typedef int remind_step_fn(void *arg, const struct remind_step *s);
int collect_steps_list(struct ctx *c, remind_step_fn *fn, void *arg, struct err *err);
/** Add or change the step `days_after` (≥ 1) for the credit grades `grades` (letters A–D, NULL:
 *  all); audited. */
int collect_step_set(struct ctx *c, int64_t days_after, const char *channel, const char *grades,
                     struct err *err);
/** Remove a step (ERR_NOT_FOUND if none); the reminders already sent stay. Audited. */
int collect_step_remove(struct ctx *c, int64_t days_after, struct err *err);

struct template_info {
    const char *kind, *channel, *body, *updated_by, *lang;
};
typedef int template_fn(void *arg, const struct template_info *t);
int collect_templates_list(struct ctx *c, template_fn *fn, void *arg, struct err *err);
/** Set the text of (kind, channel, lang) after checking it; `lang` zh (NULL) or en; audited. */
int collect_template_set(struct ctx *c, const char *kind, const char *channel, const char *lang,
                         const char *body, struct err *err);

struct remind_result {
    int64_t bills;  /* overdue bills looked at */
    int64_t queued; /* messages queued */
    int64_t by_channel[5]; /* sms, wechat, letter, email, webhook */
};
/**
 * Reminders for `on` (not after today): each open bill overdue on that day gets the latest
 * schedule step for its account's credit grade (B when unrated) that it has reached, once per
 * (bill, step), and never an earlier step after a later one. Messages go to the outbox; one audit row per run. Idempotent: running it again for the
 * same day queues nothing.
 */
int collect_remind_run(struct ctx *c, struct date on, int64_t batch, struct remind_result *r,
                       struct err *err);

struct outbox_msg {
    int64_t id;
    const char *kind, *channel, *recipient, *body, *status, *error, *created_by;
    int64_t created_at, sent_at;
    const char *bill_no;    /* reminders: the bill; else NULL */
    int64_t days_overdue;   /* reminders */
};
typedef int outbox_fn(void *arg, const struct outbox_msg *m);
/** An account's reminders and notices, oldest first. ERR_NOT_FOUND for an unknown account. */
int collect_remind_history(struct ctx *c, const char *account_no, outbox_fn *fn, void *arg,
                           struct err *err);
struct outbox_query {
    const char *status, *channel, *account_no; /* NULL: any */
    int64_t after_id, limit;
};
int collect_outbox_list(struct ctx *c, const struct outbox_query *q, outbox_fn *fn, void *arg,
                        struct err *err);
/**
 * The sender adapter's report: message `id` was sent (`error` NULL) or failed. queued → sent
 * | failed, failed → sent; anything else is ERR_CONFLICT naming the state. ERR_NOT_FOUND.
 * Audited (outbox.mark_sent, outbox.mark_failed).
 */
int collect_outbox_mark(struct ctx *c, int64_t id, const char *error_text, struct err *err);

/* ---- disconnection and reconnection (collect_order.c) ---- */

struct disconnect_policy {
    struct date from;
    int64_t overdue_days, notice_days_resident, notice_days_other, reconnect_hours;
    int64_t important_approvals;
    const char *source;
    int64_t final_notice_minutes; /* non-residential: the final notice this long before; 0 none */
    const char *regulator;        /* important customers: their notice copied to it; NULL none */
};
/** What a new policy version has unless told otherwise: the one set of defaults of
 *  `pmis disconnect policy add` and POST /api/v1/disconnect/policies. */
#define DISCONNECT_POLICY_DEFAULTS                                                               \
    { .overdue_days = 30, .notice_days_resident = 7, .notice_days_other = 3,                     \
      .reconnect_hours = 24, .important_approvals = 2, .final_notice_minutes = 60,               \
      .regulator = "电力管理部门" }
/** The policy in force on `day`; ERR_NOT_FOUND if none. */
int collect_policy_get(struct ctx *c, struct date day, struct disconnect_policy *p,
                       struct err *err);
typedef int policy_fn(void *arg, const struct disconnect_policy *p);
int collect_policy_list(struct ctx *c, policy_fn *fn, void *arg, struct err *err);
/** A new policy version, effective after the latest one; audited. */
int collect_policy_add(struct ctx *c, const struct disconnect_policy *p, struct err *err);

enum candidate_state {
    CAND_NEEDS_NOTICE, /* no notice served for these arrears */
    CAND_WAITING,      /* notice served, its days not yet run */
    CAND_READY,        /* may be approved */
    CAND_ORDERED,      /* a disconnection order is open */
};
extern const char *const collect_candidate_states[4];
struct candidate {
    const char *account_no, *customer, *user_type, *org, *oldest_due;
    bool important;
    int32_t days;
    int64_t bills, principal_fen, fee_fen;
    const char *notice_on;   /* the valid notice, or NULL */
    struct date ready_on;    /* first day it may be disconnected (notice + days), if noticed */
    enum candidate_state state;
    int64_t order_id;        /* CAND_ORDERED */
};
typedef int candidate_fn(void *arg, const struct candidate *c);
/**
 * Postpaid active accounts owing a bill more than the policy's overdue days past due on `on`
 * (by the ledger as it is now), not disconnected, with their notice state; oldest first.
 */
int collect_candidates(struct ctx *c, struct date on, candidate_fn *fn, void *arg,
                       struct err *err);

struct notice_result {
    int64_t notice_id, outbox_id;
    bool already;            /* a valid notice was served before: nothing new */
    const char *served_on;
    struct date disconnect_on;
    int64_t arrears_fen;
};
/**
 * Serve a disconnection notice (停电通知书) today on an account with overdue arrears: a letter
 * in the outbox and a notice row; audited. A notice already valid for these arrears is kept
 * (r->already). ERR_CONFLICT: no overdue arrears, already disconnected or ordered, prepaid.
 */
int collect_notice(struct ctx *c, const char *account_no, struct notice_result *r,
                   struct err *err);

/**
 * Approve disconnecting a ready candidate: a disconnection order (audited). The approvers
 * are not the acting user; an important customer needs a second, different approver.
 * ERR_CONFLICT names why an account is not ready; ERR_INVALID for missing approvers.
 */
int collect_approve(struct ctx *c, const char *account_no, const char *approver,
                    const char *approver2, int64_t *order_id, struct err *err);

struct order_info {
    int64_t id;
    const char *account_no, *kind, *status, *approved_by, *approved_by2, *opened_by,
        *closed_by, *note;
    int64_t arrears_fen, opened_at, deadline_at, closed_at, final_notice_at; /* 0: none */
    /* how the final notice was served (sms|phone|visit), by whom, the note; NULL: none */
    const char *final_notice_channel, *final_notice_by, *final_notice_note;
    bool late; /* a reconnection done after, or still open past, its deadline */
};
typedef int order_fn(void *arg, const struct order_info *o);
struct order_query {
    const char *status, *kind, *account_no; /* NULL: any */
    bool late_only;
    int64_t after_id, limit;
};
/** The orders of query `q` in the caller's scope; ERR_INVALID for a status, kind or limit out of
 *  range, ERR_NOT_FOUND (field account) for an unknown account. */
int collect_orders_list(struct ctx *c, const struct order_query *q, order_fn *fn, void *arg,
                        struct err *err);
int collect_order_get(struct ctx *c, int64_t id, struct order_info *o, struct err *err);
/**
 * Close order `id`: done (the crew disconnected or reconnected) or cancelled (reason needed).
 * Only an open order closes: anything else is ERR_CONFLICT naming its state. Audited.
 */
int collect_order_close(struct ctx *c, int64_t id, bool done, const char *note, struct err *err);

/* ---- the final notice before disconnecting (collect_final.c) ---- */

/* how a final notice is served: an SMS from the outbox (the default), a phone call or a visit */
struct final_notice_how {
    const char *channel; /* "sms" (NULL: sms), "phone" or "visit" */
    const char *by;      /* who served it (a name, at most 100 bytes); NULL: the acting user */
    const char *note;    /* whom the server reached, what was said: required for phone and
                          * visit, optional for sms; at most 500 bytes */
};
struct final_notice {
    int64_t outbox_id;       /* the SMS queued; 0 for phone and visit or without a template */
    int64_t sent_at;         /* now, recorded on the order */
    int64_t disconnect_from; /* sent_at + the policy's final_notice_minutes */
};
/**
 * Tell the customer of open disconnection order `order_id` again, now, that the supply will be
 * interrupted from now + the policy's minutes, served as `how` says (NULL: an SMS from template
 * disconnect_final by the acting user; a call or a visit queues nothing); records the time,
 * channel, server and note on the order (a later notice replaces them: the wait starts again,
 * whatever the channel). Audited. A bad channel, a call or visit without a note, an empty
 * server name or an over-long field is ERR_INVALID; anything but an open disconnection
 * ERR_CONFLICT; an order outside the caller's scope ERR_NOT_FOUND.
 */
int collect_final_notice(struct ctx *c, int64_t order_id, const struct final_notice_how *how,
                         struct final_notice *r, struct err *err);
/**
 * Before disconnection order `o` is done: a non-residential postpaid account needs its final
 * notice sent at least the policy's final_notice_minutes ago (ERR_CONFLICT naming the time
 * from which it may be done). Other orders, residents, prepaid accounts and a policy with 0
 * minutes pass. Inside the caller's transaction.
 */
int collect_final_check(struct ctx *c, const struct order_info *o, struct err *err);

/**
 * Called by ledger_pay() inside its transaction after a payment to `account_id` is posted:
 * when the account no longer owes an overdue bill, an open disconnection order is cancelled,
 * and a disconnected account gets a reconnection order due now + the policy's hours (audited).
 * Costs one indexed lookup for an account that never had an order.
 */
int collect_after_payment(struct ctx *c, int64_t account_id, struct err *err);
/** collect_after_payment for each of `ids[0..n)`, after one query that finds the accounts
 *  that ever had an order (the others have nothing to cancel or reconnect). */
int collect_after_payments(struct ctx *c, const int64_t *ids, size_t n, struct err *err);

/**
 * Called by ledger_reverse() inside its transaction after payment `receipt` of `account_id` is
 * reversed: when a reconnection order is still open and the account owes an overdue bill again
 * (postpaid) or has no credit left (prepaid), the order is cancelled (audited) and the supply
 * stays off. A disconnection order that the payment cancelled is not reopened: the account is
 * a candidate again (its notice still stands) and needs a fresh approval. A reconnection
 * already done stays done: disconnecting again starts from a new notice.
 */
int collect_after_reversal(struct ctx *c, int64_t account_id, const char *receipt,
                           struct err *err);

/* ---- prepaid (费控) accounts (collect_prepaid.c) ---- */

/** Daily charge estimate from recent bills: Σ bill_fen / Σ days (their periods' days), fen
 *  rounded half up; 0 when there is nothing to go by. */
int64_t collect_daily_estimate(const int64_t *bill_fen, const int *days, int n);
/** Whole days `credit_fen` lasts at `daily_fen` a day; -1 when daily_fen ≤ 0 (no estimate). */
int64_t collect_days_left(int64_t credit_fen, int64_t daily_fen);
/** Index of the most urgent warning threshold reached: the smallest of `days` (ascending) that
 *  is ≥ days_left; -1 if none. */
int collect_threshold_reached(const int64_t *days, int n, int64_t days_left);

/* Warning thresholds (prepaid_threshold): days of credit left → channel; struct remind_step. */
int collect_thresholds_list(struct ctx *c, remind_step_fn *fn, void *arg, struct err *err);
int collect_threshold_set(struct ctx *c, int64_t days_left, const char *channel, struct err *err);
int collect_threshold_remove(struct ctx *c, int64_t days_left, struct err *err);

struct prepaid_row {
    const char *account_no, *customer;
    int64_t credit_fen;  /* the credit left (negative: owed) */
    int64_t daily_fen;   /* estimate, 0 if unknown */
    int64_t days_left;   /* -1 if unknown */
    const char *action;  /* ok, low (warned before), warned, no_estimate, disconnect (order
                            opened now), ordered (open already), off (disconnected) */
    int64_t threshold;   /* low / warned: the threshold in days */
    int64_t order_id;    /* disconnect / ordered */
};
typedef int prepaid_fn(void *arg, const struct prepaid_row *r);
struct prepaid_result {
    int64_t accounts, warned, orders;
};
/**
 * The daily check of every active prepaid account on `on` (not after today): credit at zero or
 * below opens a remote disconnection order (audited, with an SMS); credit that lasts no longer
 * than a threshold's days queues a warning, once per threshold and top-up (the latest cash
 * payment), never a less urgent one after a more urgent one. Idempotent. One audit row.
 */
int collect_prepaid_check(struct ctx *c, struct date on, prepaid_fn *fn, void *arg,
                          struct prepaid_result *r, struct err *err);

/* ---- credit rating (collect_credit.c, doc/credit-rating.md) ---- */

/* What the score is computed from: the bills due in the 12 months to the end of the period. */
struct credit_inputs {
    int64_t bills, on_time;          /* due in the window; paid in full by their due date */
    int64_t late_days, late_bills;   /* days late summed over the bills paid late or still open */
    int64_t arrears_fen;             /* owed on bills overdue at the end of the period */
    int64_t avg_bill_fen;            /* the window's average bill */
    int64_t reversals;               /* payments reversed (冲正, e.g. bounced) in the window */
    int64_t disconnections;          /* disconnections for arrears carried out in the window */
};
#define CREDIT_REASONS 6
struct credit_score {
    int64_t score;                   /* 0..100 */
    int nreasons;
    char reasons[CREDIT_REASONS][96]; /* zh-CN, with the points taken off */
};
/** The documented score (doc/credit-rating.md): 100 less deductions for late payment share,
 *  days late, arrears, reversals and disconnections; at most 80 without bills. Pure. */
void collect_credit_score(const struct credit_inputs *in, struct credit_score *out);

struct credit_grade_def {
    char grade[4];
    int64_t min_score;
    bool deposit_required;
    char name[32];
};
#define CREDIT_GRADES_MAX 8
/** The grade of `score` from grade definitions sorted by min_score descending; "" if none. */
const char *collect_grade_of(const struct credit_grade_def *g, int n, int64_t score);

struct credit_run {
    int64_t accounts;
    int64_t by_grade[CREDIT_GRADES_MAX]; /* in the order of grades[] */
    int ngrades;
    struct credit_grade_def grades[CREDIT_GRADES_MAX];
};
/** Rate every active account for period `p` (the 12 months to its end; the period must be
 *  over); rating a period again replaces its ratings. One audit row. */
int collect_credit_rate(struct ctx *c, struct period p, struct credit_run *r, struct err *err);
/** *rated: some account has a rating for period `p`. */
int collect_credit_rated(struct ctx *c, struct period p, bool *rated, struct err *err);

struct credit_info {
    const char *period, *grade, *grade_name, *reasons;
    int64_t score, rated_at;
    struct credit_inputs in;
    bool deposit_required;
};
typedef int credit_fn(void *arg, const struct credit_info *ci);
/** An account's ratings, latest first (12 at most). ERR_NOT_FOUND for an unknown account. */
int collect_credit_show(struct ctx *c, const char *account_no, credit_fn *fn, void *arg,
                        struct err *err);

/* ---- deposits (保证金, collect_deposit.c) ---- */

struct deposit_info {
    int64_t id, amount_fen, applied_fen, refunded_fen, payment_id;
    int64_t held_fen; /* amount_fen - applied_fen - refunded_fen */
    const char *account_no, *channel, *ref, *reason, *taken_on, *taken_by, *status, *closed_on,
        *closed_by;
};
typedef int deposit_fn(void *arg, const struct deposit_info *d);
/**
 * Take a deposit of `amount_fen` on an open account by a cash `channel` (a ref required but for
 * the counter); held outside the ledger; audited. The same (channel, ref) for the same account
 * and amount again is a repeat (*repeat, nothing written); otherwise ERR_CONFLICT, also when the
 * acting cashier has closed today (日结).
 */
int collect_deposit_take(struct ctx *c, const char *account_no, int64_t amount_fen,
                         const char *channel, const char *ref, const char *reason, int64_t *id,
                         bool *repeat, struct err *err);
struct deposit_query {
    const char *account_no, *status; /* NULL: any */
    int64_t after_id, limit;
};
/** Deposits in id order after `after_id`, within the caller's org scope. */
int collect_deposit_list(struct ctx *c, const struct deposit_query *q, deposit_fn *fn, void *arg,
                         struct err *err);
struct deposit_apply_result {
    int64_t deposits, held_fen, applied_fen, refunded_fen, balance_fen;
};
/**
 * Apply an account's held deposits (on closure): they pay what it owes today (late fees
 * accrued to today included) through the ledger as 'deposit' credits, oldest deposit first;
 * the rest is refunded by each deposit's channel (a refund record; `ref`, the channel's
 * reference, needed unless all such deposits were taken at the counter) and the deposits are
 * closed. Audited. ERR_CONFLICT: none held, or the acting cashier has closed today.
 */
int collect_deposit_apply(struct ctx *c, const char *account_no, const char *ref,
                          struct deposit_apply_result *r, struct err *err);
/** Deposit `id`; ERR_NOT_FOUND "no deposit #id", also outside the caller's org scope. */
int collect_deposit_get(struct ctx *c, int64_t id, deposit_fn *fn, void *arg, struct err *err);
struct deposit_refund_in {
    int64_t deposit_id;
    int64_t amount_fen; /* more than 0, unless `all` */
    bool all;           /* refund all that is held */
    const char *reason, *approver; /* required; the approver is not the acting user */
    const char *ref;               /* the channel's reference, required but for the counter */
};
/**
 * Refund (退还) `amount_fen` of a held deposit before closure, by the deposit's channel: a
 * refund record numbered TK… (*refund_id); the deposit stays held while some is left.
 * Audited. ERR_INVALID: no reason or approver, self-approval, a bad amount or reference;
 * ERR_CONFLICT: the deposit is not held, less is held, or the acting cashier has closed today.
 * The caller checks that the approver may approve (auth_approve with collection:approve).
 */
int collect_deposit_refund(struct ctx *c, const struct deposit_refund_in *in, int64_t *refund_id,
                           struct err *err);
/** "TK" and the refund's id in ten digits, like a receipt number. */
char *collect_refund_no(int64_t id, char buf[16]);
struct deposit_due {
    const char *account_no, *customer, *period, *grade;
    int64_t score;
};
typedef int deposit_due_fn(void *arg, const struct deposit_due *d);
/** Active accounts whose latest credit grade requires a deposit and that hold none; a page
 *  after account `after` (NULL: from the start). */
int collect_deposit_required(struct ctx *c, const char *after, int64_t limit, deposit_due_fn *fn,
                             void *arg, struct err *err);

#endif
