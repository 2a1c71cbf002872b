/*
 * Civil dates, billing periods, instants and time zones, all integer arithmetic.
 * - struct date: proleptic Gregorian y/m/d; also days since 1970-01-01 (int32), converted
 *   with Howard Hinnant's days_from_civil / civil_from_days. Parsed years are 0001..9999.
 * - struct period: a billing month "YYYY-MM".
 * - instants: int64 microseconds since the Unix epoch, UTC (leap seconds ignored, as POSIX).
 * - struct tz: a zone read from the system tzdata (TZif v2+) or a fixed offset; business
 *   dates and local times are computed through it (default Asia/Shanghai).
 * glibc has no per-call time zone API (localtime_r/mktime read the process-wide TZ), so zones
 * are read and applied here; localtime/mktime are never used. Nothing here reads the current
 * time: callers pass instants from a struct clock (core/clock.h). Pure and thread-safe,
 * except tz_load/tz_release, which write the caller's struct tz; a loaded tz is read-only and
 * may be shared between threads.
 */
#ifndef PMIS_DATE_H
#define PMIS_DATE_H

#include "core/common.h"
#include "core/err.h"

/* ---- civil dates ---------------------------------------------------------------------- */

struct date {
    int y, m, d; /* m 1..12, d 1..days in month */
};

#define DATE_MIN_YEAR 1
#define DATE_MAX_YEAR 9999
/** "YYYY-MM-DD" plus NUL, with room for out-of-range years from arithmetic. */
#define DATE_BUF_SIZE 16

/** ISO weekday numbers returned by date_weekday(). */
enum date_weekday { DATE_MON = 1, DATE_TUE, DATE_WED, DATE_THU, DATE_FRI, DATE_SAT, DATE_SUN };

/** Gregorian leap year: divisible by 4, except centuries not divisible by 400. */
bool date_is_leap_year(int y);
/** 28..31 for a month 1..12 of year y; 0 for a month out of range. */
int date_days_in_month(int y, int m);
/** True if d is a real calendar day with a year in DATE_MIN_YEAR..DATE_MAX_YEAR. */
bool date_is_valid(struct date d);

/** Days since 1970-01-01 (negative before). d should be valid; any y/m/d in range computes. */
int32_t date_to_days(struct date d);
/** The civil date of a day number (inverse of date_to_days). */
struct date date_from_days(int32_t days);

/**
 * Parse strictly "YYYY-MM-DD" (4-digit year 0001..9999, 2-digit month and day, nothing
 * else). ERR_INVALID naming the value and why: "invalid date '2025-02-29': day 29 out of
 * range for 2025-02", "... month 13 out of range", "... expected YYYY-MM-DD".
 */
int date_parse(const char *s, struct date *out, struct err *err);
/** "YYYY-MM-DD" into buf (DATE_BUF_SIZE bytes); returns buf. */
char *date_format(struct date d, char *buf);

/** <0, 0, >0 as a is before, equal to, after b. */
int date_cmp(struct date a, struct date b);
/** d + n days (n may be negative). */
struct date date_add_days(struct date d, int32_t n);
/** Days from `from` to `to`: to - from (2025-01-01 -> 2025-01-31 is 30). */
int32_t date_diff_days(struct date from, struct date to);
/** ISO weekday, DATE_MON (1) .. DATE_SUN (7). */
int date_weekday(struct date d);
/** Saturday or Sunday. */
bool date_is_weekend(struct date d);
/**
 * d + n calendar months, the day clamped to the target month's last day (end-of-month
 * semantics of most billing systems): 2025-01-31 + 1 = 2025-02-28, 2024-01-31 + 1 =
 * 2024-02-29, 2025-03-31 - 1 = 2025-02-28. Not reversible: 2025-02-28 + 1 = 2025-03-28.
 */
struct date date_add_months(struct date d, int n);
/** The last day of d's month. */
struct date date_month_end(struct date d);

/* ---- billing periods ("YYYY-MM") ------------------------------------------------------ */

struct period {
    int y, m; /* m 1..12 */
};

#define PERIOD_BUF_SIZE 16

/** Parse strictly "YYYY-MM" (year 0001..9999, month 01..12); ERR_INVALID naming value and why. */
int period_parse(const char *s, struct period *out, struct err *err);
/** "YYYY-MM" into buf (PERIOD_BUF_SIZE bytes); returns buf. */
char *period_format(struct period p, char *buf);
/** The period containing d. */
struct period period_of(struct date d);
/** p + n months (n may be negative): 2025-12 + 1 = 2026-01. */
struct period period_add(struct period p, int n);
/** The following month (2025-12 -> 2026-01). */
static inline struct period period_next(struct period p)
{
    return period_add(p, 1);
}
/** The preceding month (2025-01 -> 2024-12). */
static inline struct period period_prev(struct period p)
{
    return period_add(p, -1);
}
/** Months from `from` to `to` (2025-11 -> 2026-02 is 3). */
int period_diff(struct period from, struct period to);
/** <0, 0, >0 as a is before, equal to, after b. */
int period_cmp(struct period a, struct period b);
/** A report's months `from`..`to` (both included): ERR_INVALID naming "from" when the range
 *  runs backwards, "to" when it covers `max_months` or more. */
int period_range_check(struct period from, struct period to, int max_months, struct err *err);
/** The 1st of the month. */
struct date period_first_day(struct period p);
/** The last day of the month (2024-02 -> 2024-02-29). */
struct date period_last_day(struct period p);
/** Days in the month, 28..31. */
int period_days(struct period p);

/* ---- instants (int64 µs since 1970-01-01T00:00:00Z) ------------------------------------ */

#define US_PER_SEC INT64_C(1000000)
#define US_PER_MIN (60 * US_PER_SEC)
#define US_PER_HOUR (60 * US_PER_MIN)
#define US_PER_DAY (24 * US_PER_HOUR)
/** Room for "YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM:SS" plus NUL. */
#define INSTANT_BUF_SIZE 48

/** A wall-clock date and time (UTC or local to some zone, as the function says). */
struct datetime {
    struct date date;
    int hour, min, sec; /* 0..23, 0..59, 0..59 */
    int usec;           /* 0..999999 */
};

/** The instant at which UTC wall time is dt (fields assumed in range). */
int64_t instant_from_utc(const struct datetime *dt);
/** UTC wall time of an instant. */
void instant_to_utc(int64_t us, struct datetime *out);

/**
 * Parse an ISO 8601 / RFC 3339 timestamp with an explicit zone:
 * "2026-01-02T03:04:05Z", "2026-01-02T03:04:05.123+08:00", "2026-01-02 03:04:05-0530";
 * seconds may be omitted ("2026-01-02T03:04Z"); 1..9 fraction digits, truncated to µs.
 * ERR_INVALID naming the value and why (bad field, missing offset, trailing junk, an instant
 * outside years 0001-9999 in UTC, which instant_format could not write back).
 */
int instant_parse(const char *s, int64_t *us, struct err *err);

struct tz;

/**
 * Like instant_parse, but a timestamp without an offset is local time in `tz`
 * ("2025-01-24 16:00" is 08:00Z in Asia/Shanghai), resolved as tz_from_local does.
 */
int instant_parse_local(const char *s, const struct tz *tz, int64_t *us, struct err *err);

/**
 * UTC, "2026-01-02T03:04:05Z"; fractions only when non-zero, as 3 digits if whole
 * milliseconds else 6 ("...05.250Z", "...05.000001Z"). buf: INSTANT_BUF_SIZE; returns buf.
 */
char *instant_format(int64_t us, char *buf);
/** Local time in tz with its offset: "2026-01-01T00:30:00+08:00" (fractions as above). */
char *instant_format_tz(int64_t us, const struct tz *tz, char *buf);

/* ---- time zones ----------------------------------------------------------------------- */

#define TZ_DEFAULT "Asia/Shanghai"
#define TZ_DIR_DEFAULT "/usr/share/zoneinfo"
#define TZ_NAME_MAX 64

/** A day in a POSIX TZ rule: Jn (1..365, no Feb 29), n (0..365), or Mm.w.d. */
struct tz_rule_day {
    char kind;    /* 'J', 'N' or 'M' */
    int a, b, c;  /* J/N: a = day; M: a = month, b = week 1..5, c = weekday 0 (Sun)..6 */
    int32_t time; /* local seconds after midnight of the transition (may be <0 or >24h) */
};

/**
 * A time zone: transitions from a TZif file, then the footer's POSIX rule for later times;
 * or just a fixed offset. Initialise with tz_load*(); release with tz_release(). Owns its
 * arrays: do not copy a loaded struct tz by value (pass pointers).
 */
struct tz {
    char name[TZ_NAME_MAX];
    size_t n;            /* transitions */
    int64_t *at;         /* UTC seconds of each transition, strictly ascending */
    int32_t *off;        /* seconds east of UTC in force from at[i] */
    int32_t off_initial; /* before the first transition (or always, if n == 0 and no rule) */
    bool has_rule;       /* the footer rule applies at and after the last transition */
    bool rule_dst;       /* the rule has daylight saving time */
    int32_t std_off, dst_off;
    struct tz_rule_day dst_start, dst_end;
};

/**
 * Load a zone by name: "Asia/Shanghai" (any name under /usr/share/zoneinfo), "UTC", or a
 * fixed offset "+08:00" / "-05:30". On success *tz owns memory: call tz_release(). On failure
 * *tz is left empty (tz_release() is harmless). ERR_INVALID for a malformed name or a file
 * that is not a time zone, ERR_NOT_FOUND for an unknown zone, ERR_CORRUPT for a broken TZif
 * file, ERR_IO if it cannot be read. Leap-second ("right/") zones are rejected.
 */
int tz_load(const char *name, struct tz *tz, struct err *err);
/** tz_load from another tzdata directory (tests, bundled data). */
int tz_load_dir(const char *dir, const char *name, struct tz *tz, struct err *err);
/** Free what tz_load allocated and reset *tz to empty (UTC). */
void tz_release(struct tz *tz);

/** Seconds east of UTC in force at instant `us` (28800 for Asia/Shanghai today). */
int32_t tz_offset_at(const struct tz *tz, int64_t us);
/** Local wall time of `us` in tz. */
void tz_to_local(const struct tz *tz, int64_t us, struct datetime *out);
/**
 * The instant of local wall time dt in tz. A time that occurs twice (clocks set back)
 * resolves to the earlier instant; a time skipped by clocks going forward resolves as if the
 * offset before the change still applied (02:30 in a 02:00->03:00 gap becomes 03:30).
 */
int64_t tz_from_local(const struct tz *tz, const struct datetime *dt);
/** The local date of `now_us` in tz: the business "today". */
struct date tz_today(const struct tz *tz, int64_t now_us);
/** The instant local day d begins in tz (its first existing moment). */
int64_t tz_day_start(const struct tz *tz, struct date d);

#endif
