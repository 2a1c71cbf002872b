/*
 * Civil dates, billing periods, instants and time zones (see date.h). Date <-> day-number
 * conversion is Howard Hinnant's public-domain algorithm ("chrono-Compatible Low-Level Date
 * Algorithms"). Zones are read from TZif v2+ files (RFC 8536) and their POSIX TZ footer here,
 * because glibc only offers the process-wide TZ. Callers: everything that shows or takes a
 * business date or time: billing periods, readings, SLA clocks, reports.
 */
#include "core/common.h"
#include "core/date.h"
#include "core/xalloc.h"

/* ---- civil dates ---------------------------------------------------------------------- */

bool date_is_leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && date_is_leap_year(y) ? 29 : dim[m - 1];
}

bool date_is_valid(struct date d)
{
    return d.y >= DATE_MIN_YEAR && d.y <= DATE_MAX_YEAR && d.m >= 1 && d.m <= 12 && d.d >= 1 &&
           d.d <= date_days_in_month(d.y, d.m);
}

/* days_from_civil: shift the year to start in March so the leap day is the last day. */
int32_t date_to_days(struct date dt)
{
    int y = dt.y - (dt.m <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400); /* [0, 399] */
    unsigned doy = (153u * (unsigned)(dt.m > 2 ? dt.m - 3 : dt.m + 9) + 2) / 5 + (unsigned)dt.d -
                   1;                                     /* [0, 365] */
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return (int32_t)(era * 146097 + (int)doe - 719468);
}

/* civil_from_days, the inverse. */
struct date date_from_days(int32_t days)
{
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);                          /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* [0, 365] */
    unsigned mp = (5 * doy + 2) / 153;                      /* [0, 11] */
    struct date r;
    r.d = (int)(doy - (153 * mp + 2) / 5 + 1);
    r.m = (int)(mp < 10 ? mp + 3 : mp - 9);
    r.y = (int)(y + (r.m <= 2));
    return r;
}

/* Exactly n ASCII digits at p. */
static bool scan_digits(const char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

/*
 * "YYYY-MM-DD" at p (more may follow). Returns the end, or NULL with the reason in why.
 * Shape is checked before ranges, so "2024-1-5" says "expected YYYY-MM-DD".
 */
static const char *scan_date(const char *p, struct date *out, struct err_detail *why)
{
    struct date d;
    if (!scan_digits(p, 4, &d.y) || p[4] != '-' || !scan_digits(p + 5, 2, &d.m) || p[7] != '-' ||
        !scan_digits(p + 8, 2, &d.d)) {
        err_detail_set(why, "expected YYYY-MM-DD");
        return NULL;
    }
    if (d.y < DATE_MIN_YEAR) {
        err_detail_set(why, "year %04d out of range", d.y);
        return NULL;
    }
    if (d.m < 1 || d.m > 12) {
        err_detail_set(why, "month %d out of range", d.m);
        return NULL;
    }
    if (d.d < 1 || d.d > date_days_in_month(d.y, d.m)) {
        err_detail_set(why, "day %d out of range for %04d-%02d", d.d, d.y, d.m);
        return NULL;
    }
    *out = d;
    return p + 10;
}

int date_parse(const char *s, struct date *out, struct err *err)
{
    struct err_detail why;
    const char *end;
    struct date d;

    if (!s || !*s)
        return error(err, ERR_INVALID, "invalid date '': empty");
    end = scan_date(s, &d, &why);
    if (!end)
        return error_detail(err, ERR_INVALID, why.en, why.zh, "invalid date '%.64s': %s", s,
                            why.en);
    if (*end)
        return error(err, ERR_INVALID, "invalid date '%.64s': trailing characters after YYYY-MM-DD",
                     s);
    *out = d;
    return 0;
}

char *date_format(struct date d, char *buf)
{
    snprintf(buf, DATE_BUF_SIZE, "%04d-%02d-%02d", d.y, d.m, d.d);
    return buf;
}

int date_cmp(struct date a, struct date b)
{
    if (a.y != b.y)
        return a.y < b.y ? -1 : 1;
    if (a.m != b.m)
        return a.m < b.m ? -1 : 1;
    return a.d < b.d ? -1 : a.d > b.d;
}

struct date date_add_days(struct date d, int32_t n)
{
    return date_from_days(date_to_days(d) + n);
}

int32_t date_diff_days(struct date from, struct date to)
{
    return date_to_days(to) - date_to_days(from);
}

int date_weekday(struct date d)
{
    int32_t z = date_to_days(d);                                   /* 1970-01-01 was a Thursday */
    int w = z >= -4 ? (int)((z + 4) % 7) : (int)((z + 5) % 7 + 6); /* 0 = Sunday */
    return w == 0 ? DATE_SUN : w;
}

bool date_is_weekend(struct date d)
{
    return date_weekday(d) >= DATE_SAT;
}

struct date date_add_months(struct date d, int n)
{
    int64_t idx = (int64_t)d.y * 12 + (d.m - 1) + n;
    int64_t y = idx >= 0 ? idx / 12 : (idx - 11) / 12;
    struct date r = {(int)y, (int)(idx - y * 12) + 1, d.d};
    int dim = date_days_in_month(r.y, r.m);
    if (r.d > dim)
        r.d = dim;
    return r;
}

struct date date_month_end(struct date d)
{
    d.d = date_days_in_month(d.y, d.m);
    return d;
}

/* ---- billing periods ------------------------------------------------------------------ */

int period_parse(const char *s, struct period *out, struct err *err)
{
    struct period p;
    if (!s || !*s)
        return error(err, ERR_INVALID, "invalid period '': empty");
    if (!scan_digits(s, 4, &p.y) || s[4] != '-' || !scan_digits(s + 5, 2, &p.m))
        return error(err, ERR_INVALID, "invalid period '%.64s': expected YYYY-MM", s);
    if (s[7])
        return error(err, ERR_INVALID, "invalid period '%.64s': trailing characters after YYYY-MM",
                     s);
    if (p.y < DATE_MIN_YEAR)
        return error(err, ERR_INVALID, "invalid period '%.64s': year %04d out of range", s, p.y);
    if (p.m < 1 || p.m > 12)
        return error(err, ERR_INVALID, "invalid period '%.64s': month %d out of range", s, p.m);
    *out = p;
    return 0;
}

char *period_format(struct period p, char *buf)
{
    snprintf(buf, PERIOD_BUF_SIZE, "%04d-%02d", p.y, p.m);
    return buf;
}

struct period period_of(struct date d)
{
    return (struct period){d.y, d.m};
}

struct period period_add(struct period p, int n)
{
    struct date d = date_add_months((struct date){p.y, p.m, 1}, n);
    return (struct period){d.y, d.m};
}

int period_diff(struct period from, struct period to)
{
    return (to.y - from.y) * 12 + (to.m - from.m);
}

int period_cmp(struct period a, struct period b)
{
    if (a.y != b.y)
        return a.y < b.y ? -1 : 1;
    return a.m < b.m ? -1 : a.m > b.m;
}

int period_range_check(struct period from, struct period to, int max_months, struct err *err)
{
    char a[PERIOD_BUF_SIZE], b[PERIOD_BUF_SIZE];
    if (period_cmp(from, to) > 0)
        return error(err, ERR_INVALID, "the period runs from %s to %s, backwards",
                     period_format(from, a), period_format(to, b)),
               err_field(err, "from");
    if (period_diff(from, to) >= max_months)
        return error(err, ERR_INVALID, "a report covers at most %d months", max_months),
               err_field(err, "to");
    return 0;
}

struct date period_first_day(struct period p)
{
    return (struct date){p.y, p.m, 1};
}

struct date period_last_day(struct period p)
{
    return (struct date){p.y, p.m, date_days_in_month(p.y, p.m)};
}

int period_days(struct period p)
{
    return date_days_in_month(p.y, p.m);
}

/* ---- instants ------------------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t instant_from_utc(const struct datetime *dt)
{
    return (int64_t)date_to_days(dt->date) * US_PER_DAY + dt->hour * US_PER_HOUR +
           dt->min * US_PER_MIN + dt->sec * US_PER_SEC + dt->usec;
}

void instant_to_utc(int64_t us, struct datetime *out)
{
    int64_t days = floor_div(us, US_PER_DAY);
    int64_t rem = us - days * US_PER_DAY;
    out->date = date_from_days((int32_t)days);
    out->hour = (int)(rem / US_PER_HOUR);
    out->min = (int)(rem / US_PER_MIN % 60);
    out->sec = (int)(rem / US_PER_SEC % 60);
    out->usec = (int)(rem % US_PER_SEC);
}

/* "HH:MM" or "HH:MM:SS" (with optional .fraction) at p. */
static const char *scan_time(const char *p, struct datetime *dt, struct err_detail *why)
{
    int frac = 0, nfrac = 0;
    dt->sec = dt->usec = 0;
    if (!scan_digits(p, 2, &dt->hour) || p[2] != ':' || !scan_digits(p + 3, 2, &dt->min)) {
        err_detail_set(why, "expected HH:MM after the date");
        return NULL;
    }
    p += 5;
    if (*p == ':') {
        if (!scan_digits(p + 1, 2, &dt->sec)) {
            err_detail_set(why, "expected two-digit seconds");
            return NULL;
        }
        p += 3;
        if (*p == '.' || *p == ',') {
            p++;
            for (; *p >= '0' && *p <= '9'; p++, nfrac++)
                if (nfrac < 6)
                    frac = frac * 10 + (*p - '0');
            if (nfrac == 0 || nfrac > 9) {
                err_detail_set(why, "expected 1 to 9 fraction digits");
                return NULL;
            }
            for (int i = nfrac; i < 6; i++)
                frac *= 10;
            dt->usec = frac;
        }
    }
    if (dt->hour > 23) {
        err_detail_set(why, "hour %d out of range", dt->hour);
        return NULL;
    }
    if (dt->min > 59) {
        err_detail_set(why, "minute %d out of range", dt->min);
        return NULL;
    }
    if (dt->sec > 59) {
        err_detail_set(why, "second %d out of range", dt->sec);
        return NULL;
    }
    return p;
}

/* "Z", "+HH:MM", "+HHMM" (or '-') at p, as seconds east; NULL if p is not an offset. */
static const char *scan_offset(const char *p, int32_t *off, struct err_detail *why)
{
    int h, m, sign;
    if (*p == 'Z' || *p == 'z') {
        *off = 0;
        return p + 1;
    }
    if (*p != '+' && *p != '-') {
        err_detail_set(why, "expected Z or an offset such as +08:00");
        return NULL;
    }
    sign = *p == '-' ? -1 : 1;
    if (!scan_digits(p + 1, 2, &h)) {
        err_detail_set(why, "expected an offset such as +08:00");
        return NULL;
    }
    p += 3;
    if (*p == ':')
        p++;
    if (!scan_digits(p, 2, &m)) {
        err_detail_set(why, "expected an offset such as +08:00");
        return NULL;
    }
    if (h > 23 || m > 59) {
        err_detail_set(why, "offset out of range");
        return NULL;
    }
    *off = sign * (h * 3600 + m * 60);
    return p + 2;
}

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z: the instants whose UTC text parses. */
#define INSTANT_MIN INT64_C(-62135596800000000)
#define INSTANT_MAX INT64_C(253402300799999999)

static int parse_instant(const char *s, const struct tz *tz, int64_t *us, struct err *err)
{
    struct err_detail why;
    struct datetime dt;
    const char *p;
    int32_t off;
    int64_t v;

    if (!s || !*s)
        return error(err, ERR_INVALID, "invalid timestamp '': empty");
    p = scan_date(s, &dt.date, &why);
    if (!p)
        goto bad;
    if (*p != 'T' && *p != 't' && *p != ' ') {
        err_detail_set(&why, "expected 'T' and a time after the date");
        goto bad;
    }
    p = scan_time(p + 1, &dt, &why);
    if (!p)
        goto bad;
    if (!*p && tz) {
        v = tz_from_local(tz, &dt);
    } else {
        if (!*p) {
            err_detail_set(&why, "missing Z or an offset such as +08:00");
            goto bad;
        }
        p = scan_offset(p, &off, &why);
        if (!p)
            goto bad;
        if (*p) {
            err_detail_set(&why, "trailing characters after the timestamp");
            goto bad;
        }
        v = instant_from_utc(&dt) - off * US_PER_SEC;
    }
    /* 0001-01-01T00:30+01:00 is in year 0 UTC, which instant_format writes and this refuses */
    if (v < INSTANT_MIN || v > INSTANT_MAX) {
        err_detail_set(&why, "outside years 0001 to 9999 in UTC");
        goto bad;
    }
    *us = v;
    return 0;
bad:
    return error_detail(err, ERR_INVALID, why.en, why.zh, "invalid timestamp '%.64s': %s", s,
                        why.en);
}

int instant_parse(const char *s, int64_t *us, struct err *err)
{
    return parse_instant(s, NULL, us, err);
}

int instant_parse_local(const char *s, const struct tz *tz, int64_t *us, struct err *err)
{
    return parse_instant(s, tz, us, err);
}

static char *format_dt(const struct datetime *dt, int32_t off, bool zulu, char *buf)
{
    int n = snprintf(buf, INSTANT_BUF_SIZE, "%04d-%02d-%02dT%02d:%02d:%02d", dt->date.y, dt->date.m,
                     dt->date.d, dt->hour, dt->min, dt->sec);
    size_t o = n > 0 ? (size_t)n : 0;
    int a;

    if (dt->usec % 1000 == 0 && dt->usec)
        o += (size_t)snprintf(buf + o, INSTANT_BUF_SIZE - o, ".%03d", dt->usec / 1000);
    else if (dt->usec)
        o += (size_t)snprintf(buf + o, INSTANT_BUF_SIZE - o, ".%06d", dt->usec);
    if (zulu) {
        snprintf(buf + o, INSTANT_BUF_SIZE - o, "Z");
        return buf;
    }
    a = off < 0 ? -off : off;
    o += (size_t)snprintf(buf + o, INSTANT_BUF_SIZE - o, "%c%02d:%02d", off < 0 ? '-' : '+',
                          a / 3600, a / 60 % 60);
    if (a % 60) /* pre-1900 local mean time, e.g. +08:05:43; not ISO 8601, but not wrong */
        snprintf(buf + o, INSTANT_BUF_SIZE - o, ":%02d", a % 60);
    return buf;
}

char *instant_format(int64_t us, char *buf)
{
    struct datetime dt;
    instant_to_utc(us, &dt);
    return format_dt(&dt, 0, true, buf);
}

char *instant_format_tz(int64_t us, const struct tz *tz, char *buf)
{
    struct datetime dt;
    int32_t off = tz_offset_at(tz, us);
    instant_to_utc(us + off * US_PER_SEC, &dt);
    return format_dt(&dt, off, false, buf);
}

/* ---- time zones: POSIX TZ rules (the TZif footer) ------------------------------------- */

/* [+-]h[h[h]][:mm[:ss]] with hours <= max_h; seconds, sign applied. */
static const char *scan_hms(const char *p, int max_h, int32_t *out)
{
    int sign = 1, h = 0, m = 0, s = 0, nd = 0;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    for (; *p >= '0' && *p <= '9' && nd < 3; p++, nd++)
        h = h * 10 + (*p - '0');
    if (nd == 0 || h > max_h)
        return NULL;
    if (*p == ':') {
        if (!scan_digits(p + 1, 2, &m) || m > 59)
            return NULL;
        p += 3;
        if (*p == ':') {
            if (!scan_digits(p + 1, 2, &s) || s > 59)
                return NULL;
            p += 3;
        }
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return p;
}

static const char *scan_tzname(const char *p)
{
    const char *q = p;
    if (*p == '<') {
        for (q = p + 1; *q && *q != '>'; q++)
            if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
                  (*q >= '0' && *q <= '9') || *q == '+' || *q == '-'))
                return NULL;
        return *q == '>' && q - p >= 4 ? q + 1 : NULL;
    }
    while ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z'))
        q++;
    return q - p >= 3 ? q : NULL;
}

/* ",Jn[/time]", ",n[/time]" or ",Mm.w.d[/time]". */
static const char *scan_rule_day(const char *p, struct tz_rule_day *r)
{
    int v[3] = {0, 0, 0};
    if (*p++ != ',')
        return NULL;
    r->kind = *p == 'J' || *p == 'M' ? *p++ : 'N';
    for (int i = 0; i < (r->kind == 'M' ? 3 : 1); i++) {
        int nd = 0;
        if (i > 0 && *p++ != '.')
            return NULL;
        for (; *p >= '0' && *p <= '9' && nd < 3; p++, nd++)
            v[i] = v[i] * 10 + (*p - '0');
        if (nd == 0)
            return NULL;
    }
    if ((r->kind == 'J' && (v[0] < 1 || v[0] > 365)) || (r->kind == 'N' && v[0] > 365) ||
        (r->kind == 'M' && (v[0] < 1 || v[0] > 12 || v[1] < 1 || v[1] > 5 || v[2] > 6)))
        return NULL;
    r->a = v[0];
    r->b = v[1];
    r->c = v[2];
    r->time = 2 * 3600;
    if (*p == '/')
        p = scan_hms(p + 1, 167, &r->time); /* RFC 8536 allows -167..167 hours */
    return p;
}

/* Parse the footer into tz; 0 or -1. An empty footer means "no rule". */
static int parse_posix_tz(const char *s, struct tz *tz)
{
    const char *p = scan_tzname(s);
    int32_t v;
    if (!*s)
        return 0;
    if (!p || !(p = scan_hms(p, 24, &v)))
        return -1;
    tz->has_rule = true;
    tz->std_off = tz->dst_off = -v; /* POSIX offsets count west */
    if (!*p)
        return 0;
    if (!(p = scan_tzname(p)))
        return -1;
    tz->rule_dst = true;
    tz->dst_off = tz->std_off + 3600;
    if (*p && *p != ',') {
        if (!(p = scan_hms(p, 24, &v)))
            return -1;
        tz->dst_off = -v;
    }
    if (!*p) /* no rule given: tzcode's default, the US rule */
        p = ",M3.2.0,M11.1.0";
    if (!(p = scan_rule_day(p, &tz->dst_start)) || !(p = scan_rule_day(p, &tz->dst_end)) || *p)
        return -1;
    return 0;
}

/* Day number of a rule day in year y. */
static int32_t rule_day(const struct tz_rule_day *r, int y)
{
    int32_t jan1 = date_to_days((struct date){y, 1, 1});
    if (r->kind == 'J')
        return jan1 + r->a - 1 + (date_is_leap_year(y) && r->a >= 60);
    if (r->kind == 'N')
        return jan1 + r->a;
    int32_t first = date_to_days((struct date){y, r->a, 1});
    int wd = date_weekday((struct date){y, r->a, 1}) % 7; /* 0 = Sunday */
    int off = (r->c - wd + 7) % 7 + (r->b - 1) * 7;
    while (off >= date_days_in_month(y, r->a))
        off -= 7;
    return first + off;
}

static int32_t rule_offset(const struct tz *tz, int64_t t)
{
    if (!tz->rule_dst)
        return tz->std_off;
    int y = date_from_days((int32_t)floor_div(t + tz->std_off, 86400)).y;
    int64_t start = (int64_t)rule_day(&tz->dst_start, y) * 86400 + tz->dst_start.time - tz->std_off;
    int64_t end = (int64_t)rule_day(&tz->dst_end, y) * 86400 + tz->dst_end.time - tz->dst_off;
    if (start < end) /* northern hemisphere: DST inside the year */
        return t >= start && t < end ? tz->dst_off : tz->std_off;
    return t >= end && t < start ? tz->std_off : tz->dst_off;
}

int32_t tz_offset_at(const struct tz *tz, int64_t us)
{
    int64_t t = floor_div(us, US_PER_SEC);
    size_t lo = 0, hi = tz->n;

    if (tz->n == 0)
        return tz->has_rule ? rule_offset(tz, t) : tz->off_initial;
    if (t < tz->at[0])
        return tz->off_initial;
    if (t > tz->at[tz->n - 1] && tz->has_rule)
        return rule_offset(tz, t);
    while (hi - lo > 1) { /* invariant: at[lo] <= t < at[hi] (at[n] = +inf) */
        size_t mid = lo + (hi - lo) / 2;
        if (tz->at[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return tz->off[lo];
}

void tz_to_local(const struct tz *tz, int64_t us, struct datetime *out)
{
    instant_to_utc(us + tz_offset_at(tz, us) * US_PER_SEC, out);
}

int64_t tz_from_local(const struct tz *tz, const struct datetime *dt)
{
    int64_t local = instant_from_utc(dt);
    /* The offsets in force a day either side cover any one transition near `local`. */
    int32_t oa = tz_offset_at(tz, local - US_PER_DAY);
    int32_t ob = tz_offset_at(tz, local + US_PER_DAY);
    int64_t ta = local - oa * US_PER_SEC, tb = local - ob * US_PER_SEC;
    bool va = tz_offset_at(tz, ta) == oa, vb = tz_offset_at(tz, tb) == ob;

    if (va && vb)
        return ta < tb ? ta : tb; /* repeated hour: the earlier instant */
    if (vb)
        return tb;
    return ta; /* valid, or in a gap: keep the old offset, landing after the change */
}

struct date tz_today(const struct tz *tz, int64_t now_us)
{
    struct datetime dt;
    tz_to_local(tz, now_us, &dt);
    return dt.date;
}

int64_t tz_day_start(const struct tz *tz, struct date d)
{
    struct datetime dt = {d, 0, 0, 0, 0};
    return tz_from_local(tz, &dt);
}

/* ---- time zones: loading -------------------------------------------------------------- */

#define TZIF_MAX_SIZE (1 << 20)

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct tzif_counts {
    uint32_t isut, isstd, leap, time, type, chars;
};

static void read_counts(const unsigned char *h, struct tzif_counts *c)
{
    c->isut = be32(h + 20);
    c->isstd = be32(h + 24);
    c->leap = be32(h + 28);
    c->time = be32(h + 32);
    c->type = be32(h + 36);
    c->chars = be32(h + 40);
}

/* Parse a TZif v2+ image into tz. Errors name `what` (the path). */
static int parse_tzif(const unsigned char *buf, size_t len, const char *what, struct tz *tz,
                      struct err *err)
{
    struct tzif_counts c;
    size_t pos, need;
    const unsigned char *times, *idx, *types;
    const char *foot, *nl;
    char footer[128];

    if (len < 44 || memcmp(buf, "TZif", 4) != 0)
        return error(err, ERR_INVALID, "'%s' is not a time zone file", what);
    if (buf[4] < '2')
        return error(err, ERR_CORRUPT, "zone file '%s': version 1 files are not supported", what);
    read_counts(buf, &c);
    /* Skip the 32-bit block: counts are < 2^32, so the sum fits in 64-bit size_t. */
    need =
        (size_t)c.time * 5 + (size_t)c.type * 6 + c.chars + (size_t)c.leap * 8 + c.isstd + c.isut;
    pos = 44 + need;
    if (len < pos + 44 || memcmp(buf + pos, "TZif", 4) != 0)
        return error(err, ERR_CORRUPT, "zone file '%s': missing 64-bit data", what);
    read_counts(buf + pos, &c);
    pos += 44;
    if (c.leap)
        return error(err, ERR_INVALID, "zone file '%s': leap-second zones are not supported", what);
    if (c.type == 0 || c.type > 256 || (c.isut && c.isut != c.type) ||
        (c.isstd && c.isstd != c.type))
        return error(err, ERR_CORRUPT, "zone file '%s': bad header counts", what);
    need = (size_t)c.time * 9 + (size_t)c.type * 6 + c.chars + c.isstd + c.isut;
    if (len - pos < need + 2)
        return error(err, ERR_CORRUPT, "zone file '%s': truncated", what);
    times = buf + pos;
    idx = times + (size_t)c.time * 8;
    types = idx + c.time;
    foot = (const char *)buf + pos + need;

    for (uint32_t i = 0; i < c.type; i++) {
        int32_t off = (int32_t)be32(types + i * 6);
        if (off < -89999 || off > 93599)
            return error(err, ERR_CORRUPT, "zone file '%s': offset %" PRId32 " out of range", what,
                         off);
    }
    tz->off_initial = (int32_t)be32(types); /* RFC 8536: type 0 before the first transition */
    if (c.time) {
        tz->at = xreallocarray(NULL, c.time, sizeof(*tz->at));
        tz->off = xreallocarray(NULL, c.time, sizeof(*tz->off));
    }
    for (uint32_t i = 0; i < c.time; i++) {
        tz->at[i] = be64(times + (size_t)i * 8);
        if (idx[i] >= c.type || (i > 0 && tz->at[i] <= tz->at[i - 1]))
            goto corrupt;
        tz->off[i] = (int32_t)be32(types + idx[i] * 6);
        tz->n = i + 1;
    }

    /* Footer: "\n" POSIX-TZ "\n". */
    nl =
        *foot == '\n' ? memchr(foot + 1, '\n', len - (size_t)(foot + 1 - (const char *)buf)) : NULL;
    if (!nl || (size_t)(nl - foot - 1) >= sizeof(footer))
        goto corrupt;
    memcpy(footer, foot + 1, (size_t)(nl - foot - 1));
    footer[nl - foot - 1] = '\0';
    if (parse_posix_tz(footer, tz) < 0)
        return error(err, ERR_CORRUPT, "zone file '%s': unsupported footer rule '%s'", what,
                     footer);
    return 0;
corrupt:
    return error(err, ERR_CORRUPT, "zone file '%s': bad transition data", what);
}

static bool valid_zone_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len >= TZ_NAME_MAX || name[0] == '/')
        return false;
    for (const char *p = name; *p; p++) {
        if ((p == name || p[-1] == '/') && (*p == '.' || *p == '/'))
            return false; /* no "..", hidden files or empty components */
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              strchr("/_+-.", *p)))
            return false;
    }
    return name[len - 1] != '/';
}

int tz_load_dir(const char *dir, const char *name, struct tz *tz, struct err *err)
{
    char path[4096];
    unsigned char *buf = NULL;
    size_t len = 0;
    FILE *f = NULL;
    int ret = 0;

    memset(tz, 0, sizeof(*tz));
    if (!name || !*name)
        return error(err, ERR_INVALID, "invalid time zone '': empty");
    if (!strcmp(name, "UTC")) {
        memcpy(tz->name, "UTC", 4);
        return 0;
    }
    if (name[0] == '+' || name[0] == '-') {
        int32_t off;
        struct err_detail why;
        const char *end = scan_offset(name, &off, &why);
        if (!end || *end || name[3] != ':')
            return error(err, ERR_INVALID,
                         "invalid time zone '%.64s': expected an offset such as "
                         "+08:00",
                         name);
        tz->off_initial = off;
        snprintf(tz->name, sizeof(tz->name), "%s", name);
        return 0;
    }
    if (!valid_zone_name(name))
        return error(err, ERR_INVALID,
                     "invalid time zone '%.64s': expected a name such as Asia/Shanghai", name);
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
        return error(err, ERR_INVALID, "time zone directory '%.64s' is too long", dir);

    f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR)
            return error(err, ERR_NOT_FOUND, "unknown time zone '%s'", name);
        return error(err, ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    }
    buf = xmalloc(TZIF_MAX_SIZE + 1);
    len = fread(buf, 1, TZIF_MAX_SIZE + 1, f);
    if (ferror(f)) {
        ret = errno == EISDIR ? error(err, ERR_NOT_FOUND, "unknown time zone '%s'", name)
                              : error(err, ERR_IO, "cannot read '%s': %s", path, strerror(errno));
        goto out;
    }
    if (len > TZIF_MAX_SIZE) {
        ret = error(err, ERR_INVALID, "'%s' is not a time zone file (too large)", path);
        goto out;
    }
    ret = parse_tzif(buf, len, path, tz, err);
    if (ret == 0)
        snprintf(tz->name, sizeof(tz->name), "%s", name);
out:
    if (ret < 0)
        tz_release(tz);
    free(buf);
    fclose(f);
    return ret;
}

int tz_load(const char *name, struct tz *tz, struct err *err)
{
    return tz_load_dir(TZ_DIR_DEFAULT, name, tz, err);
}

void tz_release(struct tz *tz)
{
    free(tz->at);
    free(tz->off);
    memset(tz, 0, sizeof(*tz));
    memcpy(tz->name, "UTC", 4);
}
