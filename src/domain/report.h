/*
 * Reports for the KPI dashboard (manual 5.2, 8): sales (售电量, 电费) by month and user type.
 * The collection rate and arrears aging are collections figures (collect.h). Every figure is
 * computed in SQL over an org subtree, so a scoped caller never reads another subtree's rows.
 * Strings returned in structs live in the ctx arena.
 */
#ifndef PMIS_REPORT_H
#define PMIS_REPORT_H

#include "core/date.h"
#include "core/err.h"
#include "domain/ctx.h"

#include <stdint.h>

struct sales_row {
    const char *period;    /* "YYYY-MM" */
    const char *user_type; /* code, or NULL in a period's total row */
    const char *name;      /* the user type's Chinese name; NULL in a total row */
    int64_t bills, accounts, energy_wh, revenue_fen;
};
typedef int sales_fn(void *arg, const struct sales_row *r);

/**
 * Issued bills (regular bills and corrections, by their own period) of periods from..to of the
 * customers of `org`'s subtree (NULL: every org unit; ctx scope applies, so an org outside it
 * is ERR_NOT_FOUND): one row per period and user type, then that period's total (user_type
 * NULL; its `accounts` counts distinct accounts). ERR_INVALID when from is after to. A
 * non-zero return of fn stops and is returned.
 */
int report_sales(struct ctx *c, const char *org, struct period from, struct period to, sales_fn *fn,
                 void *arg, struct err *err);

#endif
