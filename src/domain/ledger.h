/*
 * The receivables ledger (manual 3.1 电费结算): issued bills become receivables, payments are
 * allocated to them (oldest due date first, each bill's late fee before its principal unless
 * the policy says principal first), overpayment stays as credit (预存) and is applied to the
 * next bill, reversals (冲正) undo exactly the allocations a payment made, late fees (违约金)
 * accrue per overdue day under versioned policies. Every movement is one ledger_entry row and
 * the account's balance row changes with it in the same transaction:
 *   balance = Σ debits − Σ credits = Σ owed on open receivables − Σ unallocated credit.
 * Posting to an account locks its balance row first (PostgreSQL: FOR UPDATE; SQLite writers
 * are serialised by BEGIN IMMEDIATE), so parallel processes never allocate one payment twice.
 */
#ifndef PMIS_LEDGER_H
#define PMIS_LEDGER_H

#include "core/date.h"
#include "core/err.h"
#include "domain/ctx.h"

#include <stdbool.h>
#include <stdint.h>

struct fee_policies;

/** Channels money arrives by. "adjustment" and "deposit" are internal credits, not cash. */
bool ledger_channel_is_cash(const char *channel);
#define LEDGER_CASH_CHANNELS "counter|bank|wechat|alipay|agent"
#define LEDGER_REF_MAX 64

/** Receipt number of payment `id`: "SK" and the id in ten digits; buf of 16 bytes. */
char *ledger_receipt_no(int64_t id, char buf[16]);
/** Payment id of a receipt number ("SK0000000042" or "42"); ERR_INVALID naming it. */
int ledger_receipt_parse(const char *s, int64_t *id, struct err *err);

struct pay_req {
    const char *account_no;
    int64_t amount_fen;    /* > 0 */
    const char *channel;   /* a cash channel */
    const char *ref;       /* required except for counter; unique per channel */
    struct date paid_on;   /* invalid: today (business zone); never in the future */
    bool principal_first;  /* allocation: principal before late fee (default fee first) */
};

/* ---- posting many payments at once (ledger_post.c) ---- */

enum { LINE_POSTED = 1, LINE_REPEAT = 2 };

/** One payment to post, and (after the call) what became of it. */
struct post_line {
    const char *account_no, *ref; /* ref may be NULL (counter) */
    int64_t amount_fen;           /* > 0, checked by the caller */
    struct date paid_on;          /* valid, not in the future: checked by the caller */
    /* results */
    int status;        /* LINE_POSTED, LINE_REPEAT (same ref, account and amount posted
                          before: payment_id is that one), or a negative ERR_* */
    const char *error; /* why not, when status < 0 (ctx arena) */
    const char *error_zh; /* the same in Chinese, or NULL (ctx arena); see ledger_line_error() */
    int64_t payment_id;
    int64_t fee_fen;   /* late fees accrued to the payment date by this posting */
    int64_t to_fees_fen, to_principal_fen, credit_fen;
    int64_t balance_fen; /* the account's balance after this line */
};

struct post_opts {
    const char *channel;   /* the payment's channel (cash, or "adjustment" for a refund) */
    const char *kind;      /* its ledger entry: "payment" or "adjustment" */
    bool principal_first;  /* each bill's principal before its late fee */
    bool check_closed_day; /* refuse days the acting cashier has closed */
    bool allow_closed;     /* post to closed accounts too (a deposit applied on closure) */
    int64_t batch_id;      /* 0 outside a collection file */
    bool all_orgs;         /* ignore the caller's org scope (internal postings: a refund);
                              otherwise an account outside ctx.scope_org_id is unknown */
    const struct fee_policies *policies; /* NULL: loaded here */
};

/**
 * Post `lines` in order, as if one after the other: each accrues its account's late fees to
 * its date and pays the oldest bills first; a line that cannot post changes nothing and gets
 * a negative status and the reason (unknown account ERR_NOT_FOUND; closed account, a
 * reference posted before to another account or amount or repeated in `lines`, a closed
 * cashier day, fees accrued past its date ERR_CONFLICT). A reference belongs to the first
 * line that posts with it: a refused line does not take it from a later one. Inside the
 * caller's transaction;
 * returns an error only when nothing can be trusted (a storage error): roll back then.
 */
int ledger_post_many(struct ctx *c, const struct post_opts *o, struct post_line *lines, size_t n,
                     struct err *err);

struct pay_alloc {
    const char *bill_no;
    int64_t fee_fen, principal_fen;
};

struct pay_result {
    int64_t payment_id;
    bool duplicate;        /* (channel, ref) was already posted for the same account and amount */
    int64_t fee_fen;       /* late fees accrued up to the payment date by this posting */
    int64_t to_fees_fen, to_principal_fen, credit_fen;
    int64_t balance_fen;   /* after */
};

/**
 * Post a payment (ledger_post_many with one line, in its own transaction). Late fees are first accrued up to the payment date; then the amount pays the
 * open receivables in order; the rest is credit. A (channel, ref) already posted to the same
 * account for the same amount is not posted again (r->duplicate); to another account or for
 * another amount it is ERR_CONFLICT. Errors: ERR_NOT_FOUND unknown account, ERR_CONFLICT closed
 * account, closed cashier day, fees accrued past a back-dated payment; ERR_INVALID amount,
 * channel, ref, date.
 */
int ledger_pay(struct ctx *c, const struct pay_req *req, struct pay_result *r, struct err *err);

/**
 * Post an internal, non-cash credit of `channel` ("deposit": a deposit applied on closure) to
 * account `account_id`, dated today, like a payment: late fees accrued to today first, then the
 * open bills oldest first (fee before principal), the rest kept as credit. Never in a cashier's
 * close, not reversible by ledger_reverse. Runs in the caller's transaction and takes the
 * account's lock. ERR_INVALID for an amount ≤ 0 or a cash channel; ERR_CONFLICT for a `ref`
 * already used on that channel. (Called by collect_deposit.c.)
 */
int ledger_post_credit(struct ctx *c, int64_t account_id, int64_t amount_fen, const char *channel,
                       const char *ref, struct pay_result *r, struct err *err);

/**
 * Reverse (冲正) payment `payment_id`: its allocations are undone exactly, its credit removed,
 * a reversal entry posted on today's date. `reason` and `approver` are required and the
 * approver must not be the acting user. ERR_CONFLICT if already reversed or not a cash payment.
 */
int ledger_reverse(struct ctx *c, int64_t payment_id, const char *reason, const char *approver,
                   struct err *err);

/**
 * Post issued bill `bill_id` to its account's ledger: a positive amount becomes a receivable
 * (and any credit on the account pays it at once); a negative correction becomes a credit that
 * pays the oldest open receivables. Runs inside the caller's transaction (bill issue).
 */
int ledger_post_bill(struct ctx *c, int64_t bill_id, struct err *err);

/**
 * Post every issued bill of run `run_id` not posted yet, in a few set-based statements (the
 * same result as ledger_post_bill on each): inside the caller's transaction (bill issue).
 */
int ledger_post_run(struct ctx *c, int64_t run_id, struct err *err);

/* ---- late fees (ledger_fee.c) ---- */

struct fee_policy {
    struct date from;
    int64_t resident_ppm, current_year_ppm, cross_year_ppm; /* per day, 1e-6 of principal */
    int64_t min_fen;
    const char *source;
};
#define FEE_POLICY_MAX 32
struct fee_policies {
    int n;
    struct fee_policy p[FEE_POLICY_MAX]; /* by effective date */
};

int fee_policies_load(struct ctx *c, struct fee_policies *out, struct err *err);
/** A daily rate in per mille ("1", "0.5": at least 0, up to 3 decimals) as millionths; -1
 *  with *why a catalogue detail (N_, for error_detail()) when `s` is not one. */
int fee_rate_parse(const char *s, int64_t *ppm, const char **why);
/** Add a policy version (rates per day in 1e-6, effective from `from`); audited. */
int fee_policy_add(struct ctx *c, const struct fee_policy *p, struct err *err);

/** The exact late fee (1e-6 fen) on `principal_fen` for overdue days after `after` through
 *  `through` of a bill of year `bill_year`; ERR_INVALID on overflow or a day no policy covers. */
int fee_ufen(const struct fee_policies *pol, bool resident, int bill_year, int64_t principal_fen,
             struct date after, struct date through, int64_t *ufen, struct err *err);
/** The fee charged for `ufen` accrued: rounded half up to fen, at least the minimum of the
 *  policy in force on `day` (0 when nothing accrued). */
int64_t fee_charge(const struct fee_policies *pol, struct date day, int64_t ufen);

struct accrue_result {
    int64_t bills, fee_fen; /* bills whose fee grew, by how much in all */
};
/** Accrue late fees on every overdue receivable through `through` (idempotent per day); with
 *  ctx.scope_org_id set, on those of accounts in that org subtree only (the rest are left to a
 *  later run, by a whole-tree caller or `pmis fees accrue`). `jobs` as ledger_jobs(): on
 *  PostgreSQL that many parts accrue at once, each on its own connection, taking in turn ranges
 *  of account ids (the span of the accounts with overdue bills cut into equal widths), each range
 *  in pages of `batch` receivables (transactions); the result
 *  is the same as one part's. One audit row when every part is done. Not inside a
 *  transaction of the caller's. */
int ledger_accrue(struct ctx *c, struct date through, int64_t batch, int64_t jobs,
                  struct accrue_result *r, struct err *err);

/** Waive `fen` of bill `bill_no`'s unpaid late fee; reason and approver (not the actor)
 *  required; audited. A bill outside the caller's org scope is not found. */
int ledger_waive(struct ctx *c, const char *bill_no, int64_t fen, const char *reason,
                 const char *approver, struct err *err);

/* ---- work split by account (ledger_par.c) ---- */

#define LEDGER_JOBS_MAX 64
/** How many parts ledger work of `jobs` (0: one per CPU) runs in: at most LEDGER_JOBS_MAX;
 *  always 1 on SQLite, whose writers take turns (a second writer would only wait), and inside
 *  a transaction of c's (see ledger_parallel). */
int ledger_jobs(const struct ctx *c, int64_t jobs);
/** ERR_USAGE unless 1 ≤ jobs ≤ LEDGER_JOBS_MAX (a --jobs given by a user). */
int ledger_jobs_check(int64_t jobs, struct err *err);

/** One part of the work: part `k` of `n` (0 ≤ k < n) on context `c`. */
typedef int ledger_part_fn(struct ctx *c, int k, int n, void *arg, struct err *err);
/**
 * Run fn for parts 0 .. jobs−1 at once, each on a thread with its own connection
 * (store_open_peer), cache and arena (released when all are done: a part copies out what it
 * keeps). With jobs ≤ 1, or inside a transaction of c, fn(c, 0, 1) on the caller's own. Each
 * part commits its own transactions; all run to their end and the error of the first failing
 * part is returned (other parts' work stays committed).
 */
int ledger_parallel(struct ctx *c, int jobs, ledger_part_fn *fn, void *arg, struct err *err);

/* ---- internal to the ledger modules (ledger.c, ledger_fee.c) ---- */

struct receivable {
    int64_t bill_id, account_id;
    int bill_year;
    bool resident;
    struct date due_on;
    int64_t amount_fen, paid_fen;
    int64_t fee_ufen, fee_fen, fee_paid_fen, fee_waived_fen;
    struct date fee_through; /* invalid: never accrued */
    bool settled;
};
/** Id of account `account_no` and whether it is closed; ERR_NOT_FOUND "unknown account", also
 *  for an account outside the caller's org scope (ctx.scope_org_id). */
int ledger_account_find(struct ctx *c, const char *account_no, int64_t *id, bool *closed,
                        struct err *err);
void ledger_rec_read(struct store_stmt *st, struct receivable *r);
/** The allocation rule, in one place: what `left` pays of receivable r's unpaid late fee and
 *  principal, the fee first unless `principal_first`. */
void ledger_alloc_split(const struct receivable *r, bool principal_first, int64_t left,
                        int64_t *fee_fen, int64_t *principal_fen);
int ledger_rec_write(struct ctx *c, const struct receivable *r, struct date today, struct err *err);
/** Accrue `r` through `through` (nothing if not overdue, already accrued or fully paid);
 *  *added_fen gets the increase of the fee charged. */
int ledger_rec_accrue(const struct fee_policies *pol, struct receivable *r, struct date through,
                      int64_t *added_fen, struct err *err);
int ledger_entry_add(struct ctx *c, int64_t account_id, const char *kind, int64_t debit_fen,
                     int64_t credit_fen, int64_t bill_id, int64_t payment_id, struct date on,
                     const char *note, struct err *err);
int ledger_balance_add(struct ctx *c, int64_t account_id, int64_t fen, struct err *err);
/** Lock the account's balance row (creating it) and give the balance. */
int ledger_lock(struct ctx *c, int64_t account_id, int64_t *balance_fen, struct err *err);

/* ---- statement, verify, daily close (ledger_report.c) ---- */

struct ledger_entry_info {
    int64_t id;
    const char *kind;
    int64_t debit_fen, credit_fen;
    const char *bill_no; /* NULL when not about a bill */
    int64_t payment_id;  /* 0 when not about a payment */
    const char *on_date, *actor, *note;
    int64_t posted_at;
};
typedef int ledger_entry_fn(void *arg, const struct ledger_entry_info *e);

struct ledger_item {
    const char *bill_no, *period, *due_on, *fee_through;
    int64_t amount_fen, paid_fen, fee_fen, fee_paid_fen, fee_waived_fen;
};
typedef int ledger_item_fn(void *arg, const struct ledger_item *it);

/** Every ledger entry of an account in order, then its open receivables; *balance_fen. */
int ledger_statement(struct ctx *c, const char *account_no, ledger_entry_fn *efn,
                     ledger_item_fn *ifn, void *arg, int64_t *balance_fen, struct err *err);

struct payment_info {
    int64_t id, account_id, amount_fen, unallocated_fen, posted_at, batch_id;
    const char *account_no, *channel, *ref, *paid_on, *cashier, *status;
    const char *reversed_on, *reversed_by, *reversal_approver, *reversal_reason;
};
void ledger_payment_read(struct ctx *c, struct store_stmt *st, struct payment_info *p);
/** Payment `id`; ERR_NOT_FOUND "no payment SK…" also outside the caller's org scope (so
 *  ledger_reverse cannot reach another subtree's payment either). */
int ledger_payment_get(struct ctx *c, int64_t id, struct payment_info *p, struct err *err);
typedef int payment_fn(void *arg, const struct payment_info *p);
struct payment_filter {
    const char *account_no, *day, *cashier; /* NULL: any */
    int64_t before_id; /* keyset: payments with a smaller id; 0 = from the newest */
    int64_t limit;     /* 0 = 100 */
};
/** Payments newest first, within the caller's org scope. */
int ledger_payment_list(struct ctx *c, const struct payment_filter *f, payment_fn *fn, void *arg,
                        struct err *err);
/** The allocations of a payment (bill number, fee, principal): all of them, however many bills
 *  it paid, in `*out` (`*n` of them) from the context's arena. */
int ledger_payment_allocs(struct ctx *c, int64_t id, struct pay_alloc **out, int *n,
                          struct err *err);

struct ledger_problem {
    const char *check;  /* "balance", "items", "receivable", "payment", "deposit" */
    const char *account_no;
    char detail[160];
};
struct ledger_verify_result {
    int64_t accounts, entries, receivables, payments, deposits;
    int64_t held_fen; /* deposits (保证金) held, outside the ledger */
    int nfound;    /* every problem found */
    int nproblems; /* the first of them, listed below (at most 64) */
    struct ledger_problem problems[64];
};
/** Check the invariants of every account in the caller's org scope: every problem counted, the
 *  first 64 listed; no error for them. */
int ledger_verify(struct ctx *c, struct ledger_verify_result *r, struct err *err);

struct close_channel {
    char channel[16];
    int64_t payments, received_fen, reversed_fen;
    int64_t deposits_fen, refunded_fen; /* deposits (保证金) taken and refunds paid */
};
struct close_result {
    bool already;  /* the day was closed before: the stored totals */
    int n;
    struct close_channel ch[8];
    int64_t net_fen;  /* payments less reversals: what the ledger shows */
    int64_t cash_fen; /* net_fen plus deposits taken less refunds paid: what was counted */
};
/**
 * Cashier daily close (日结) of `cashier` for `day`: totals by channel from the payments,
 * reconciled with the ledger (ERR_CORRUPT if they differ), and the deposits taken and refunds
 * paid (held outside the ledger); each `counted` amount (the cash the cashier counted per
 * channel) must match each channel's net plus deposits less refunds or ERR_CONFLICT names the
 * difference and nothing is closed. After closing, that cashier can post nothing more on that day.
 */
struct close_count {
    const char *channel;
    int64_t fen;
};
int ledger_close(struct ctx *c, const char *cashier, struct date day,
                 const struct close_count *counted, int ncounted, struct close_result *r,
                 struct err *err);

#endif
