/*
 * `pmis demo`: a realistic demo utility built from demo_data.c — one province's org tree and
 * N customers with accounts, service points and installed meters — written through the same
 * validation and insert paths as an import, in one transaction. Same seed, same data.
 */
#ifndef PMIS_DEMO_H
#define PMIS_DEMO_H

#include "domain/ctx.h"

struct demo_usage_opts;

struct demo_summary {
    int64_t orgs, customers, accounts, meters;
    int64_t readings, interval_days;
    int64_t by_type[4]; /* resident, general_ci, large_industry, agriculture */
};

typedef void demo_progress_fn(void *arg, uint64_t done, uint64_t total);

/** Build the demo into an empty archive; ERR_CONFLICT if customers exist already. With
 *  `usage`, also write every customer's readings (and interval curves) as CSV files to import
 *  (demo_usage.h). */
int demo_build(struct ctx *c, int64_t customers, uint64_t seed,
               const struct demo_usage_opts *usage, demo_progress_fn *progress, void *arg,
               struct demo_summary *sum, struct err *err);

#endif
