/*
 * Demo consumption: for each demo customer, a year (or N months) of meter readings on its
 * reading day with seasonal patterns by user type, and 96-point interval curves for large
 * industrial users — written as the CSV files `pmis import readings|intervals` takes, so the
 * demo loads them through the real import. Pure function of (seed, customer); a few accounts
 * get the anomalies a review queue exists for (a missed reading, a vacant home, a spike).
 */
#ifndef PMIS_DEMO_USAGE_H
#define PMIS_DEMO_USAGE_H

#include "core/date.h"
#include "domain/demo_data.h"

#include <stdio.h>

struct demo_usage_opts {
    struct period first; /* the first billing month */
    int months;          /* billing months; readings are dated R(first - 1) .. R(last) */
    uint64_t seed;
    FILE *readings;  /* wide readings CSV (header written by demo_usage_headers) */
    FILE *intervals; /* wide 96-point intervals CSV; NULL = none */
};

/** Write the CSV headers of both files. */
void demo_usage_headers(const struct demo_usage_opts *o);

/** Write customer `d`'s readings (and intervals). Counts rows into *readings / *days. */
int demo_usage_write(const struct demo_customer *d, const struct demo_usage_opts *o,
                     int64_t *readings, int64_t *days, struct err *err);

#endif
