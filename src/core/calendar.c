/*
 * Working-day calendar (see calendar.h): a sorted vector of exceptions to the Monday..Friday
 * rule, searched by bisection. Working days between two dates are counted arithmetically
 * (weekdays, then the exceptions in range), so long ranges cost O(log n + exceptions).
 * Working time is wall-clock time in the business zone: a DST change inside a window would
 * lengthen or shorten that day's window; PRC zones have none.
 */
#include "core/common.h"
#include "core/calendar.h"

static const char *kind_name(enum cal_kind k)
{
    switch (k) {
    case CAL_HOLIDAY:
        return "holiday";
    case CAL_WORKDAY_MAKEUP:
        return "workday";
    default:
        return "normal";
    }
}

void calendar_init(struct calendar *cal)
{
    cal->days.v = NULL;
    cal->days.n = cal->days.cap = 0;
}

void calendar_release(struct calendar *cal)
{
    for (size_t i = 0; i < cal->days.n; i++)
        free(cal->days.v[i].name);
    VEC_FREE(&cal->days);
}

/* Index of the first entry with day >= `day` (n if none). */
static size_t lower_bound(const struct calendar *cal, int32_t day)
{
    size_t lo = 0, hi = cal->days.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->days.v[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const struct cal_day *find(const struct calendar *cal, int32_t day)
{
    size_t i = lower_bound(cal, day);
    return i < cal->days.n && cal->days.v[i].day == day ? &cal->days.v[i] : NULL;
}

int calendar_set(struct calendar *cal, struct date d, enum cal_kind kind, const char *name,
                 struct err *err)
{
    char ds[DATE_BUF_SIZE];
    struct cal_day e;
    size_t i;

    if (!name)
        name = "";
    if (!date_is_valid(d))
        return error(err, ERR_INVALID, "invalid calendar date '%04d-%02d-%02d'", d.y, d.m, d.d),
               err_field(err, "date");
    date_format(d, ds);
    if (kind != CAL_HOLIDAY && kind != CAL_WORKDAY_MAKEUP)
        return error(err, ERR_INVALID, "calendar date '%s': unknown day kind %d", ds, (int)kind),
               err_field(err, "kind");
    if (strlen(name) > CAL_NAME_MAX)
        return error(err, ERR_INVALID, "calendar date '%s': name longer than %d bytes", ds,
                     CAL_NAME_MAX),
               err_field(err, "name");
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return error(err, ERR_INVALID, "calendar date '%s': control character in name", ds),
                   err_field(err, "name");
    if (kind == CAL_WORKDAY_MAKEUP && !date_is_weekend(d))
        return error(err, ERR_INVALID,
                     "calendar date '%s': a make-up working day must be a saturday or sunday", ds),
               err_field(err, "date");

    e.day = date_to_days(d);
    i = lower_bound(cal, e.day);
    if (i < cal->days.n && cal->days.v[i].day == e.day) {
        const struct cal_day *old = &cal->days.v[i];
        if (old->kind == kind && !strcmp(old->name, name))
            return 0;
        return error(err, ERR_CONFLICT,
                     "calendar date '%s' is already %s '%s'; cannot also be %s '%s'", ds,
                     kind_name(old->kind), old->name, kind_name(kind), name);
    }
    e.kind = kind;
    e.name = xstrdup(name);
    VEC_RESERVE(&cal->days, cal->days.n + 1);
    memmove(&cal->days.v[i + 1], &cal->days.v[i], (cal->days.n - i) * sizeof(e));
    cal->days.v[i] = e;
    cal->days.n++;
    return 0;
}

int calendar_load_row(struct calendar *cal, const char *const *fields, size_t nfields,
                      struct err *err)
{
    struct date d;
    enum cal_kind kind;

    if (nfields < 2 || nfields > 3)
        return error(err, ERR_INVALID, "calendar row: expected date,kind[,name], got %zu fields",
                     nfields);
    if (date_parse(fields[0], &d, err) < 0)
        return error_prefix(err, "calendar row: "), err_field(err, "date");
    if (!strcmp(fields[1], "holiday"))
        kind = CAL_HOLIDAY;
    else if (!strcmp(fields[1], "workday"))
        kind = CAL_WORKDAY_MAKEUP;
    else
        return error(err, ERR_INVALID,
                     "calendar row: invalid kind '%.32s': expected 'holiday' or 'workday'",
                     fields[1]),
               err_field(err, "kind");
    return calendar_set(cal, d, kind, nfields == 3 ? fields[2] : "", err);
}

enum cal_kind calendar_kind(const struct calendar *cal, struct date d, const char **name)
{
    const struct cal_day *e = find(cal, date_to_days(d));
    if (name)
        *name = e ? e->name : "";
    return e ? e->kind : CAL_NORMAL;
}

static bool workday_num(const struct calendar *cal, int32_t day)
{
    const struct cal_day *e = find(cal, day);
    if (e)
        return e->kind == CAL_WORKDAY_MAKEUP;
    return !date_is_weekend(date_from_days(day));
}

bool calendar_is_workday(const struct calendar *cal, struct date d)
{
    return workday_num(cal, date_to_days(d));
}

bool calendar_covers_year(const struct calendar *cal, int y)
{
    size_t i = lower_bound(cal, date_to_days((struct date){y, 1, 1}));
    return i < cal->days.n && cal->days.v[i].day < date_to_days((struct date){y + 1, 1, 1});
}

/* The first working day after `day` in direction step (+1/-1). */
static int step_workday(const struct calendar *cal, int32_t day, int step, int32_t *out,
                        struct err *err)
{
    for (int i = 0; i < CAL_MAX_GAP_DAYS; i++) {
        day += step;
        if (workday_num(cal, day)) {
            *out = day;
            return 0;
        }
    }
    char ds[DATE_BUF_SIZE];
    return error(err, ERR_INVALID, "calendar has no working day within %d days of '%s'",
                 CAL_MAX_GAP_DAYS, date_format(date_from_days(day), ds));
}

int calendar_next_workday(const struct calendar *cal, struct date d, struct date *out,
                          struct err *err)
{
    int32_t r;
    int ret = step_workday(cal, date_to_days(d), 1, &r, err);
    if (ret < 0)
        return ret;
    *out = date_from_days(r);
    return 0;
}

int calendar_roll_forward(const struct calendar *cal, struct date d, struct date *out,
                          struct err *err)
{
    if (calendar_is_workday(cal, d)) {
        *out = d;
        return 0;
    }
    return calendar_next_workday(cal, d, out, err);
}

#define CAL_MAX_ADD 100000

int calendar_add_workdays(const struct calendar *cal, struct date d, int n, struct date *out,
                          struct err *err)
{
    int32_t day = date_to_days(d);
    int step = n < 0 ? -1 : 1;

    if (n > CAL_MAX_ADD || n < -CAL_MAX_ADD)
        return error(err, ERR_INVALID, "cannot add %d working days: at most %d", n, CAL_MAX_ADD);
    for (int k = n < 0 ? -n : n; k > 0; k--) {
        int ret = step_workday(cal, day, step, &day, err);
        if (ret < 0)
            return ret;
    }
    *out = date_from_days(day);
    return 0;
}

/* Monday..Friday among day numbers <= x, counted from Monday 1970-01-05 (day 4). */
static int64_t weekdays_upto(int32_t x)
{
    int64_t k = (int64_t)x - 4;
    int64_t q = k >= 0 ? k / 7 : -((-k + 6) / 7);
    int64_t r = k - q * 7; /* 0 = Monday .. 6 = Sunday */
    return q * 5 + (r + 1 < 5 ? r + 1 : 5);
}

int32_t calendar_workdays_between(const struct calendar *cal, struct date from, struct date to)
{
    int32_t a = date_to_days(from), b = date_to_days(to);
    int64_t n;

    if (b < a)
        return -calendar_workdays_between(cal, to, from);
    n = weekdays_upto(b) - weekdays_upto(a);
    /* Exceptions in (a, b]: holidays on weekdays remove a day, make-up days add one. */
    for (size_t i = lower_bound(cal, a + 1); i < cal->days.n && cal->days.v[i].day <= b; i++) {
        bool weekend = date_is_weekend(date_from_days(cal->days.v[i].day));
        if (cal->days.v[i].kind == CAL_HOLIDAY && !weekend)
            n--;
        else if (cal->days.v[i].kind == CAL_WORKDAY_MAKEUP && weekend)
            n++;
    }
    return (int32_t)n;
}

/* Two ASCII digits. */
static int two_digits(const char *p)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
        return -1;
    return (p[0] - '0') * 10 + (p[1] - '0');
}

int cal_hours_parse(const char *s, struct cal_hours *out, struct err *err)
{
    int h1, m1, h2, m2;

    if (!s || strlen(s) != 11 || s[2] != ':' || s[5] != '-' || s[8] != ':' ||
        (h1 = two_digits(s)) < 0 || (m1 = two_digits(s + 3)) < 0 || (h2 = two_digits(s + 6)) < 0 ||
        (m2 = two_digits(s + 9)) < 0)
        return error(err, ERR_INVALID, "invalid working hours '%.64s': expected HH:MM-HH:MM",
                     s ? s : "");
    if (h1 > 23 || m1 > 59 || m2 > 59 || h2 > 24 || (h2 == 24 && m2 != 0))
        return error(err, ERR_INVALID, "invalid working hours '%.64s': time out of range", s);
    if (h2 * 60 + m2 <= h1 * 60 + m1)
        return error(err, ERR_INVALID, "invalid working hours '%.64s': end is not after start", s);
    out->start_min = h1 * 60 + m1;
    out->end_min = h2 * 60 + m2;
    return 0;
}

/* The instant of local time `tod` µs after the start of local day `day` (tod may be 24:00). */
static int64_t local_instant(const struct tz *tz, int32_t day, int64_t tod)
{
    struct datetime dt;
    if (tod >= US_PER_DAY) {
        day++;
        tod -= US_PER_DAY;
    }
    dt.date = date_from_days(day);
    dt.hour = (int)(tod / US_PER_HOUR);
    dt.min = (int)(tod / US_PER_MIN % 60);
    dt.sec = (int)(tod / US_PER_SEC % 60);
    dt.usec = (int)(tod % US_PER_SEC);
    return tz_from_local(tz, &dt);
}

#define CAL_MAX_WORK_MINUTES (INT64_C(3660) * 1440) /* 10 years of whole days */

int calendar_add_work_minutes(const struct calendar *cal, const struct tz *tz, int64_t start_us,
                              const struct cal_hours *hours, int64_t minutes, int64_t *deadline_us,
                              struct err *err)
{
    static const struct cal_hours all_day = CAL_HOURS_ALL_DAY;
    struct datetime dt;
    int64_t win_s, win_e, pos, left;
    int32_t day;

    if (!hours)
        hours = &all_day;
    if (hours->start_min < 0 || hours->end_min > 1440 || hours->start_min >= hours->end_min)
        return error(err, ERR_INVALID, "invalid working hours %d-%d minutes", hours->start_min,
                     hours->end_min);
    if (minutes < 0 || minutes > CAL_MAX_WORK_MINUTES)
        return error(err, ERR_INVALID, "working time of %" PRId64 " minutes out of range", minutes);
    if (minutes == 0) {
        *deadline_us = start_us;
        return 0;
    }
    win_s = hours->start_min * US_PER_MIN;
    win_e = hours->end_min * US_PER_MIN;
    left = minutes * US_PER_MIN;

    tz_to_local(tz, start_us, &dt);
    day = date_to_days(dt.date);
    pos = instant_from_utc(&dt) - (int64_t)day * US_PER_DAY; /* local time of day, µs */
    if (!workday_num(cal, day) || pos >= win_e) {
        int ret = step_workday(cal, day, 1, &day, err);
        if (ret < 0)
            return ret;
        pos = win_s;
    } else if (pos < win_s) {
        pos = win_s;
    }
    for (;;) {
        if (left <= win_e - pos) {
            *deadline_us = local_instant(tz, day, pos + left);
            return 0;
        }
        left -= win_e - pos;
        int ret = step_workday(cal, day, 1, &day, err);
        if (ret < 0)
            return ret;
        pos = win_s;
    }
}

int calendar_workday_deadline(const struct calendar *cal, const struct tz *tz, int64_t start_us,
                              int n, int64_t *deadline_us, struct err *err)
{
    struct date d;
    int ret;

    if (n < 0)
        return error(err, ERR_INVALID, "working-day limit %d is negative", n);
    ret = calendar_add_workdays(cal, tz_today(tz, start_us), n, &d, err);
    if (ret < 0)
        return ret;
    *deadline_us = tz_day_start(tz, date_add_days(d, 1));
    return 0;
}
