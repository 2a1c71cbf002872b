/*
 * Inside billing (bill_run.c, bill.c): the page of accounts a run loads at a time with
 * everything its bills need (meter stays, readings, bill history: a few queries per page, not
 * per account), the per-account computation shared by the run, recompute and corrections, and
 * the batch writer that stores computed bills with bulk inserts (binary COPY on PostgreSQL).
 */
#ifndef PMIS_BILL_INT_H
#define PMIS_BILL_INT_H

#include "core/arena.h"
#include "core/strbuf.h"
#include "core/vec.h"
#include "domain/bill.h"
#include "domain/vee.h"

/* The account's issued regular bills of the 12 months before the period. */
struct bill_hist {
    int64_t n12, sum_wh, sum_fen; /* count, energy, amount */
    int64_t ytd_wh;               /* energy billed since January of the period's year */
    bool prev_estimated;          /* the previous period's bill was estimated */
};

struct bill_acct {
    int64_t id;
    char account_no[40], tariff_code[40], user_type[24];
    int64_t capacity_va, demand_w;
    int pf_standard, cycle_day;
    struct date opened_on, closed_on; /* closed_on invalid when open */
    size_t first_stay;                /* index into bill_page.stays */
    int nstays;
    struct bill_hist hist; /* filled by bill_page_prefetch */
    bool issued;           /* its regular bill of the period is issued (prefetch, on request) */
};

/* One installation of a meter on a service point of the account. */
struct bill_stay {
    int64_t account_id, sp_id, install_id, meter_id;
    char asset_no[40];
    struct vee_meter meter;
    struct date installed_on, removed_on; /* removed_on invalid while installed */
};

/* A real reading of one of the page's meters. */
struct bill_mread {
    int64_t meter_id;
    struct read_set rs;
};

struct bill_page {
    VEC(struct bill_acct) accts; /* ascending id */
    VEC(struct bill_stay) stays; /* by account, service point, installation date */
    /* every real valid reading of the page's meters dated [win_lo, win_hi], by meter and date;
     * a lookup reaching before win_lo falls back to a seek per meter (after estimates) */
    VEC(struct bill_mread) reads;
    struct date win_lo, win_hi;
    struct strbuf ids; /* the accounts' ids "1,2,3" (for the page queries) */
};
void bill_page_init(struct bill_page *pg);
void bill_page_release(struct bill_page *pg);

struct bill_env {
    struct period period;
    const struct bill_policy *policy;
    struct tariff_set *tariffs;
};

/* A computed bill before it is written. */
struct bill_draft {
    struct usage u;
    struct quote q;
    unsigned vee_flags;
    const char *status; /* "draft" or "review" */
    bool quoted;        /* the tariff priced it */
    bool failed;        /* it could not be priced (reason says why) */
    struct date read_from, read_to;
    struct strbuf usage, reads, reason;
    const char *note;
};
void bill_draft_init(struct bill_draft *d);
void bill_draft_release(struct bill_draft *d);

/** Load the meter stays of the page's accounts (sorted by id) for period p and attach them. */
int bill_load_stays(struct ctx *c, struct bill_page *pg, struct period p, struct err *err);

/**
 * Fetch what bill_compute needs for every account of the page (after bill_load_stays): the
 * bill history (one grouped query), the readings of the page's meters from the first day of
 * p-1 to the last of p (one query), and with `issued` which accounts already have an issued
 * bill for p (one query).
 */
int bill_page_prefetch(struct ctx *c, struct bill_page *pg, struct period p, bool issued,
                       struct err *err);

/** Compute account `a`'s draft for env->period from the prefetched page. Only database
 *  failures are errors; pricing problems become a draft in review with the reason. */
int bill_compute(struct ctx *c, const struct bill_env *env, const struct bill_page *pg,
                 const struct bill_acct *a, struct bill_draft *d, struct err *err);

/* A bill ready to be stored: strings are static, owned by the tariff set, or in the batch's
 * arena. */
struct bill_out_line {
    const char *item, *code, *name, *rule, *version, *unit, *parts;
    int64_t qty, price_e8, amount_fen;
};
struct bill_out {
    int64_t id; /* assigned by bill_batch_write */
    int64_t run_id, account_id, adjusts;
    const char *period, *kind, *status, *tariff_code, *read_from, *read_to, *reason, *usage;
    const char *reads, *note;
    int64_t energy_wh, total_fen;
    unsigned vee_flags;
    size_t first_line;
    int nlines;
};
struct bill_batch {
    struct arena arena;
    VEC(struct bill_out) bills;
    VEC(struct bill_out_line) lines;
};
void bill_batch_init(struct bill_batch *b);
void bill_batch_reset(struct bill_batch *b);
void bill_batch_release(struct bill_batch *b);
/** Copy draft `d` into the batch (run_id / adjusts 0 = none). */
void bill_batch_add(struct bill_batch *b, int64_t run_id, int64_t account_id,
                    const char *tariff_code, const char *kind, int64_t adjusts,
                    const struct bill_draft *d);
/** Inside the caller's transaction: assign ids and insert the batch's bills and lines with
 *  two bulk loads. */
int bill_batch_write(struct ctx *c, struct bill_batch *b, struct err *err);

/** Insert one draft and its lines (a batch of one); *id gets the bill id. */
int bill_write(struct ctx *c, int64_t run_id, int64_t account_id, const char *tariff_code,
               const char *kind, int64_t adjusts, const struct bill_draft *d, int64_t *id,
               struct err *err);

/* ---- shared by the billing files (bill_page.c) ---- */

/** "YYYY-MM-DD" text as a date; NULL, empty or bad text gives an invalid (zero) date. */
struct date bill_date_or_none(const char *s);
/** The reading date R(P) of an account read on day `day` (1..28) of the month. */
struct date bill_read_date(struct period p, int day);
/** "YYYY-MM-DD" / "YYYY-MM" into buf (DATE_BUF_SIZE bytes) without printf; returns buf. */
char *bill_fmt_date(struct date d, char *buf);
char *bill_fmt_period(struct period p, char *buf);
/** An account row of Q_BILL_ACCOUNTS_PAGE / Q_BILL_ACCOUNT_ONE into *a. */
void bill_acct_from_row(struct store_stmt *st, struct bill_acct *a);
/** A text column into a fixed buffer, truncated to size - 1 bytes. */
void bill_col_copy(struct store_stmt *st, int col, char *buf, size_t size);
/** The installation ("install") or removal ("remove") readings of a stay, dated `on`;
 *  *found false when none were recorded. */
int bill_install_reads(struct ctx *c, const struct bill_stay *s, const char *event, struct date on,
                       struct read_set *out, bool *found, struct err *err);
/** The stay's meter's latest real reading dated in [lo, hi]: from the page's prefetched
 *  readings when they cover the range, else one indexed lookup. */
int bill_last_read(struct ctx *c, const struct bill_page *pg, const struct bill_stay *s,
                   struct date lo, struct date hi, struct read_set *out, bool *found,
                   struct err *err);

#endif
