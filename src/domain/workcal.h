/*
 * The working-day calendar stored in the database (table work_calendar): import of the yearly
 * holiday and make-up-day schedule from CSV, and loading it into a struct calendar
 * (core/calendar.h) for working-day arithmetic.
 */
#ifndef PMIS_WORKCAL_H
#define PMIS_WORKCAL_H

#include "core/calendar.h"
#include "core/csv.h"
#include "domain/ctx.h"

struct workcal_result {
    int64_t rows, changed;
};

/**
 * Import a CSV with the header date,kind,name (kind "holiday" or "workday"). All-or-nothing:
 * the whole file is checked first (a bad date, kind, a make-up day on a weekday, or one date
 * given twice with different kinds fails with the line named) and then written in one
 * transaction; days already stored the same are left alone. One audit row.
 */
int workcal_import(struct ctx *c, struct csv_reader *r, const char *source,
                   struct workcal_result *res, struct err *err);

/** Load every stored day into `cal` (initialised by the caller). */
int workcal_load(struct ctx *c, struct calendar *cal, struct err *err);

#endif
