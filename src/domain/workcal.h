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
#include "domain/sla.h"

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

/**
 * Mark one day (an ISO date) as a holiday or a make-up working day ("holiday" or "workday")
 * with a name, replacing what the day had. Only a user of the whole tree may (the calendar
 * clocks every org's deadlines): ERR_FORBIDDEN otherwise. ERR_INVALID names a bad date, kind
 * or name, or a make-up day that is not a Saturday or Sunday. *changed says whether the day
 * was new or different. One audit row ("calendar.set").
 */
int workcal_set_day(struct ctx *c, const char *day, const char *kind, const char *name,
                    bool *changed, struct err *err);
/** Remove one day's entry (the weekday rule applies again). ERR_NOT_FOUND when the day has
 *  none; scope and date rules as workcal_set_day. Audited ("calendar.remove"). */
int workcal_remove_day(struct ctx *c, const char *day, struct err *err);

struct workcal_year {
    int year;
    bool covered; /* holidays are stored for the year (else: weekends only) */
    int32_t working_days;
    size_t n;
    struct cal_day *days; /* the year's entries in date order, in the ctx arena */
};
/** The year's holidays and make-up days and its count of working days. Year 1900..2999. */
int workcal_year(struct ctx *c, int year, struct workcal_year *out, struct err *err);

/** Load every stored day into `cal` (initialised by the caller). */
int workcal_load(struct ctx *c, struct calendar *cal, struct err *err);

/** The n-th working day after `d` on the stored calendar (before it when n < 0; `pmis calendar
 *  add`, GET /calendar/working-day): calendar_add_workdays' rules and errors. */
int workcal_add_workdays(struct ctx *c, struct date d, int n, struct date *out, struct err *err);

/** Where SLA clocks count (sla.h): the stored calendar and the business zone, loaded once. */
struct workcal_env {
    struct calendar cal;
    struct tz tz;
    struct sla_env sla; /* points into this struct: do not copy a loaded env */
    bool loaded;
};
#define WORKCAL_ENV_INIT { .loaded = false }

/** Load the calendar and the ctx's zone into `e` unless already loaded. */
int workcal_env_load(struct ctx *c, struct workcal_env *e, struct err *err);
/**
 * The pauses of one clock owner: run query `q` (bound ?1 = `owner_id`; columns from_at, to_at
 * with NULL for an open pause) into an array in the ctx arena, *n long (never NULL).
 */
int workcal_pauses(struct ctx *c, enum query_id q, int64_t owner_id, struct sla_pause **out,
                   size_t *n, struct err *err);

/** Free what workcal_env_load loaded (harmless when nothing was). */
void workcal_env_release(struct workcal_env *e);

#endif
