/*
 * Inside billing (bill_run.c, bill.c): the account and meter-stay rows a run loads a page at a
 * time, and the per-account computation shared by the run, recompute and corrections.
 */
#ifndef PMIS_BILL_INT_H
#define PMIS_BILL_INT_H

#include "core/strbuf.h"
#include "core/vec.h"
#include "domain/bill.h"
#include "domain/vee.h"

struct bill_acct {
    int64_t id;
    char account_no[40], tariff_code[40], user_type[24];
    int64_t capacity_va, demand_w;
    int pf_standard, cycle_day;
    struct date opened_on, closed_on; /* closed_on invalid when open */
    size_t first_stay;                /* index into bill_page.stays */
    int nstays;
};

/* One installation of a meter on a service point of the account. */
struct bill_stay {
    int64_t account_id, sp_id, install_id, meter_id;
    char asset_no[40];
    struct vee_meter meter;
    struct date installed_on, removed_on; /* removed_on invalid while installed */
};

struct bill_page {
    VEC(struct bill_acct) accts;
    VEC(struct bill_stay) stays; /* by account, service point, installation date */
};

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

/** Compute account `a`'s draft for env->period from its stays (a->nstays of them). Only
 *  database failures are errors; pricing problems become a draft in review with the reason. */
int bill_compute(struct ctx *c, const struct bill_env *env, const struct bill_acct *a,
                 const struct bill_stay *stays, struct bill_draft *d, struct err *err);

/** Insert the draft and its lines; *id gets the bill id. */
int bill_write(struct ctx *c, int64_t run_id, int64_t account_id, const char *tariff_code,
               const char *kind, int64_t adjusts, const struct bill_draft *d, int64_t *id,
               struct err *err);

#endif
