/*
 * A working-day calendar: Monday..Friday work, Saturday and Sunday rest, except the dates
 * listed as data: public holidays (节假日, with a name) and make-up working days (调休上班,
 * always a Saturday or Sunday). The PRC list is published yearly by the State Council General
 * Office and loaded from CSV rows (date,kind,name). SLA clocks, payment due dates and
 * connection-time limits count working days and working time through it. Not thread-safe
 * while being filled; read-only use after loading may be shared between threads.
 */
#ifndef PMIS_CALENDAR_H
#define PMIS_CALENDAR_H

#include "core/common.h"
#include "core/date.h"
#include "core/err.h"
#include "core/vec.h"

enum cal_kind {
    CAL_NORMAL = 0,     /* no entry: the weekday rule applies */
    CAL_HOLIDAY,        /* a day off, even on Monday..Friday */
    CAL_WORKDAY_MAKEUP, /* a Saturday or Sunday that is a working day (调休) */
};

struct cal_day {
    int32_t day; /* date_to_days() */
    enum cal_kind kind;
    char *name; /* owned; "" when none */
};

/** Entries sorted by day, unique. Read `days` directly to list them; change via calendar_set. */
struct calendar {
    VEC(struct cal_day) days;
};

/* clang-format off */
#define CALENDAR_INIT { VEC_INIT }
/* clang-format on */
/** The longest name calendar_set accepts, in bytes. */
#define CAL_NAME_MAX 120
/** Searches give up after this many consecutive non-working days (a broken calendar). */
#define CAL_MAX_GAP_DAYS 366

/** Make cal an empty calendar (same as CALENDAR_INIT); the caller owns the struct. */
void calendar_init(struct calendar *cal);
/** Free every entry; the calendar is then empty and reusable. */
void calendar_release(struct calendar *cal);

/**
 * Mark date d as `kind` (CAL_HOLIDAY or CAL_WORKDAY_MAKEUP) with an optional name (copied;
 * NULL = ""). Setting the same date again with the same kind and name is a no-op; a different
 * kind or name is ERR_CONFLICT naming the date and both values. ERR_INVALID for an invalid
 * date, an unknown kind, a name over CAL_NAME_MAX bytes, or a make-up working day that is
 * not a Saturday or Sunday; each names its field ("date", "kind" or "name") with err_field.
 */
int calendar_set(struct calendar *cal, struct date d, enum cal_kind kind, const char *name,
                 struct err *err);

/**
 * One CSV row, already split: fields[0] date "YYYY-MM-DD", fields[1] kind "holiday" or
 * "workday" (make-up working day), optional fields[2] name (UTF-8). Whitespace is not
 * trimmed. Errors as calendar_set, or ERR_INVALID for a wrong field count or kind; the caller
 * prefixes file and line with error_prefix().
 */
int calendar_load_row(struct calendar *cal, const char *const *fields, size_t nfields,
                      struct err *err);

/** The explicit entry for d: its kind (CAL_NORMAL if none) and, if name is non-NULL, its
 *  name (borrowed, valid until the calendar changes; "" if none). */
enum cal_kind calendar_kind(const struct calendar *cal, struct date d, const char **name);
/** Is d a working day: a listed make-up day, or Monday..Friday and not a listed holiday. */
bool calendar_is_workday(const struct calendar *cal, struct date d);
/** True if the calendar lists at least one date in year y (callers warn when it does not:
 *  a year without holiday data silently counts every weekday as working). */
bool calendar_covers_year(const struct calendar *cal, int y);

/** The first working day strictly after d; ERR_INVALID if none within CAL_MAX_GAP_DAYS. */
int calendar_next_workday(const struct calendar *cal, struct date d, struct date *out,
                          struct err *err);
/** d if it is a working day, else the next one; ERR_INVALID as calendar_next_workday. */
int calendar_roll_forward(const struct calendar *cal, struct date d, struct date *out,
                          struct err *err);

/**
 * The n-th working day after d (n > 0), before d (n < 0), or d itself (n == 0); d need not
 * be a working day. "Reply within 5 working days" of Fri 2024-07-05 is Fri 2024-07-12.
 * ERR_INVALID if |n| > 100000 or the calendar runs out of working days.
 */
int calendar_add_workdays(const struct calendar *cal, struct date d, int n, struct date *out,
                          struct err *err);

/**
 * Working days d with from < d <= to (the inverse of calendar_add_workdays when `to` is a
 * working day); negative when to < from, 0 when equal.
 */
int32_t calendar_workdays_between(const struct calendar *cal, struct date from, struct date to);

/** A daily working window in local minutes after midnight: start < end, 0..1440. */
struct cal_hours {
    int start_min, end_min;
};
/* clang-format off */
#define CAL_HOURS_ALL_DAY { 0, 1440 }
/* clang-format on */

/** Parse "HH:MM-HH:MM" ("08:30-17:30", "00:00-24:00"); ERR_INVALID naming value and why. */
int cal_hours_parse(const char *s, struct cal_hours *out, struct err *err);

/**
 * SLA deadline in working time: starting at instant `start_us`, count `minutes` of working
 * time — time inside `hours` (NULL = whole days) on working days, local to `tz` — and return
 * the instant the count runs out. Time before the window, after it, or on a non-working day
 * does not count; a start outside working time begins counting at the next window start.
 * minutes == 0 returns start_us. If the count ends exactly at a window end, that end is the
 * deadline (17:30, or 24:00 = next local midnight). Natural-time limits ("within 24 hours")
 * are plain addition and do not need this. ERR_INVALID for negative or over 10-year durations,
 * a bad window, or a calendar without working days.
 */
int calendar_add_work_minutes(const struct calendar *cal, const struct tz *tz, int64_t start_us,
                              const struct cal_hours *hours, int64_t minutes, int64_t *deadline_us,
                              struct err *err);

/**
 * Deadline "within n working days" as an instant: the end (next local midnight in tz) of the
 * n-th working day after the local date of start_us. Complaint accepted Fri 2024-07-05 16:00,
 * n = 5 -> 2024-07-13T00:00 local (the end of Fri 2024-07-12). Errors as
 * calendar_add_workdays; n must be >= 0.
 */
int calendar_workday_deadline(const struct calendar *cal, const struct tz *tz, int64_t start_us,
                              int n, int64_t *deadline_us, struct err *err);

#endif
