/*
 * Fuzz target for dates, periods, instants and zones (core/date.h).
 * An input that starts with "TZif" is a zone file, loaded with tz_load_dir; any other input is
 * a string (up to its first NUL) given to date_parse, period_parse, instant_parse,
 * instant_parse_local (Asia/Shanghai, America/New_York) and tz_load.
 * Invariants: an accepted date/period is valid and formats back to the same text; an accepted
 * timestamp formats (UTC, and in a whole-minute zone) to text that parses to the same instant;
 * a local time resolves to an instant whose local time is the one given, or lies just after a
 * gap; rejected inputs leave the output untouched and say ERR_INVALID "invalid ..."; a loaded
 * zone has strictly ascending transitions and offsets within RFC 8536 bounds at every instant,
 * and a failed load leaves the zone empty.
 */
#include "core/common.h"
#include "core/date.h"
#include "fuzz.h"

#define OFF_MIN (-89999) /* -24:59:59 */
#define OFF_MAX 93599    /* +24:59:59 plus an hour of DST */

/* Instants of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z. */
#define US_MIN INT64_C(-62135596800000000)
#define US_MAX INT64_C(253402300799999999)

static bool date_eq(struct date a, struct date b)
{
    return a.y == b.y && a.m == b.m && a.d == b.d;
}

static void check_date(const char *s)
{
    struct date d = {-7, -7, -7};
    struct err e = ERR_INIT;
    char buf[DATE_BUF_SIZE];
    int rc = date_parse(s, &d, &e);
    if (rc) {
        CHECK(rc == ERR_INVALID && e.code == rc, "date_parse returned %d", rc);
        CHECK(date_eq(d, (struct date){-7, -7, -7}), "rejected date wrote its output");
        CHECK(!strncmp(e.msg, "invalid date '", 14), "message '%s'", e.msg);
        return;
    }
    CHECK(date_is_valid(d), "accepted an invalid date %d-%d-%d", d.y, d.m, d.d);
    CHECK(!strcmp(date_format(d, buf), s), "'%s' formats as '%s'", s, buf);
    CHECK(date_eq(date_from_days(date_to_days(d)), d), "day number round trip of '%s'", s);
    int wd = date_weekday(d);
    CHECK(wd >= DATE_MON && wd <= DATE_SUN, "weekday %d", wd);
    CHECK(date_weekday(date_add_days(d, 1)) == wd % 7 + 1, "weekday after '%s'", s);
    CHECK(date_diff_days(d, date_add_days(d, 40)) == 40, "diff of '%s' + 40", s);
    struct date end = date_month_end(d);
    CHECK(date_is_valid(end) && end.d >= d.d, "month end of '%s'", s);
    struct date next = date_add_months(d, 1);
    if (next.y <= DATE_MAX_YEAR)
        CHECK(date_is_valid(next) && next.d <= d.d, "'%s' + 1 month", s);
}

static void check_period(const char *s)
{
    struct period p = {-7, -7};
    struct err e = ERR_INIT;
    char buf[PERIOD_BUF_SIZE];
    int rc = period_parse(s, &p, &e);
    if (rc) {
        CHECK(rc == ERR_INVALID && e.code == rc, "period_parse returned %d", rc);
        CHECK(p.y == -7 && p.m == -7, "rejected period wrote its output");
        CHECK(!strncmp(e.msg, "invalid period '", 16), "message '%s'", e.msg);
        return;
    }
    CHECK(!strcmp(period_format(p, buf), s), "'%s' formats as '%s'", s, buf);
    CHECK(date_is_valid(period_first_day(p)) && date_is_valid(period_last_day(p)), "days of '%s'",
          s);
    int days = period_days(p);
    CHECK(days >= 28 && days <= 31, "'%s' has %d days", s, days);
    CHECK(period_diff(p, period_next(p)) == 1 && period_diff(p, period_prev(p)) == -1,
          "neighbours of '%s'", s);
    CHECK(period_cmp(p, period_of(period_last_day(p))) == 0, "period of the last day");
}

/* format -> parse of an instant gives it back; `us` is within years 1..9999. */
static void check_format_utc(int64_t us)
{
    char buf[INSTANT_BUF_SIZE], again[INSTANT_BUF_SIZE];
    int64_t back = 0;
    struct err e = ERR_INIT;
    instant_format(us, buf);
    CHECK(instant_parse(buf, &back, &e) == 0, "'%s' does not parse: %s", buf, e.msg);
    CHECK(back == us, "'%s' parses to %" PRId64 ", not %" PRId64, buf, back, us);
    CHECK(!strcmp(instant_format(back, again), buf), "'%s' formats as '%s'", buf, again);
}

/* The same through a zone's local time, when the offset is ISO-expressible. */
static void check_format_tz(int64_t us, const struct tz *tz)
{
    char buf[INSTANT_BUF_SIZE];
    int32_t off = tz_offset_at(tz, us);
    CHECK(off >= OFF_MIN && off <= OFF_MAX, "offset %" PRId32 " at %" PRId64, off, us);
    instant_format_tz(us, tz, buf);
    CHECK(strlen(buf) < INSTANT_BUF_SIZE - 1, "'%s' fills the buffer", buf);
    struct datetime local;
    tz_to_local(tz, us, &local);
    if (off % 60 || off <= -86400 || off >= 86400 || local.date.y < DATE_MIN_YEAR ||
        local.date.y > DATE_MAX_YEAR)
        return; /* seconds in the offset (LMT), or a local year outside 1..9999 */
    int64_t back = 0;
    struct err e = ERR_INIT;
    CHECK(instant_parse(buf, &back, &e) == 0, "'%s' does not parse: %s", buf, e.msg);
    CHECK(back == us, "'%s' parses to %" PRId64 ", not %" PRId64, buf, back, us);
}

static void check_instant(const char *s, const struct tz *zones, size_t nzones)
{
    int64_t us = INT64_C(0x5A5A5A5A5A5A5A5A);
    struct err e = ERR_INIT;
    int rc = instant_parse(s, &us, &e);
    if (rc) {
        CHECK(rc == ERR_INVALID && e.code == rc, "instant_parse returned %d", rc);
        CHECK(us == INT64_C(0x5A5A5A5A5A5A5A5A), "rejected timestamp wrote its output");
        CHECK(!strncmp(e.msg, "invalid timestamp '", 19), "message '%s'", e.msg);
    } else {
        CHECK(us >= US_MIN && us <= US_MAX, "'%s' is %" PRId64 ", outside years 1..9999", s, us);
        check_format_utc(us);
    }
    /* The wall time alone, as if it were UTC: the instant plus its offset must give it back. */
    int64_t wall = 0;
    size_t n = strlen(s);
    char *z = malloc(n + 2);
    memcpy(z, s, n);
    memcpy(z + n, "Z", 2);
    bool naive = rc == ERR_INVALID && instant_parse(z, &wall, NULL) == 0;
    free(z);

    for (size_t i = 0; i < nzones; i++) {
        int64_t lus = INT64_C(0x5A5A5A5A5A5A5A5A);
        int lrc = instant_parse_local(s, &zones[i], &lus, &e);
        if (!rc) {
            CHECK(lrc == 0 && lus == us, "an explicit offset is not local time");
            check_format_tz(us, &zones[i]);
            continue;
        }
        if (!naive) {
            CHECK(lrc == ERR_INVALID && lus == INT64_C(0x5A5A5A5A5A5A5A5A),
                  "'%s' rejected, but not as local time", s);
            continue;
        }
        if (lrc && (wall < US_MIN + US_PER_DAY || wall > US_MAX - US_PER_DAY) &&
            strstr(e.msg, "outside years 0001 to 9999 in UTC"))
            continue; /* a local time whose instant is in year 0 or 10000 */
        CHECK(lrc == 0, "local '%s' rejected in %s: %s", s, zones[i].name, e.msg);
        CHECK(lus >= US_MIN && lus <= US_MAX, "local '%s' is outside years 1..9999", s);
        int64_t off = tz_offset_at(&zones[i], lus);
        int64_t shift = lus + off * US_PER_SEC - wall;
        /* exact, or a wall time skipped by a forward change: then it lands just after it */
        CHECK(shift == 0 || (shift > 0 && shift <= 3 * US_PER_HOUR),
              "local '%s' in %s resolves %" PRId64 " us away", s, zones[i].name, shift);
        if (lus >= US_MIN && lus <= US_MAX)
            check_format_tz(lus, &zones[i]);
    }
}

/*
 * Offsets, local times and formatting at instant `t` (seconds) of a loaded zone. `real`: a
 * tzdata zone, whose changes are days apart, so that tz_from_local's contract applies (the
 * largest real gap is a day: Pacific/Apia, 2011).
 */
static void probe_zone(const struct tz *tz, int64_t t, bool real)
{
    if (t < US_MIN / US_PER_SEC + 2 * 86400 || t > US_MAX / US_PER_SEC - 2 * 86400)
        return;
    int64_t us = t * US_PER_SEC;
    check_format_tz(us, tz);
    struct datetime local;
    tz_to_local(tz, us, &local);
    int64_t back = tz_from_local(tz, &local);
    struct datetime again;
    tz_to_local(tz, back, &again);
    /* the instant found for a local time has that local time, unless it was in a gap */
    int64_t d = instant_from_utc(&again) - instant_from_utc(&local);
    if (real)
        CHECK(d == 0 || (back != us && d > 0 && d <= 26 * US_PER_HOUR),
              "local time of %" PRId64 " in %s does not come back (%" PRId64 " us)", t, tz->name,
              d);
    struct date today = tz_today(tz, us);
    CHECK(date_eq(today, local.date), "tz_today differs from the local date");
    (void)tz_day_start(tz, today);
}

static void check_tzif(const uint8_t *data, size_t size)
{
    struct tz tz;
    struct err e = ERR_INIT;
    fuzz_write_file("zone", data, size, 0600);
    int rc = tz_load_dir(fuzz_dir(), "zone", &tz, &e);
    if (rc) {
        CHECK(rc == ERR_INVALID || rc == ERR_CORRUPT, "tz_load returned %d: %s", rc, e.msg);
        CHECK(tz.n == 0 && !tz.at && !tz.off && !tz.has_rule, "failed load left data");
        tz_release(&tz);
        return;
    }
    CHECK(!strcmp(tz.name, "zone"), "name '%s'", tz.name);
    CHECK(tz.off_initial >= OFF_MIN && tz.off_initial <= OFF_MAX, "initial offset");
    for (size_t i = 0; i < tz.n; i++) {
        CHECK(i == 0 || tz.at[i] > tz.at[i - 1], "transitions not ascending at %zu", i);
        CHECK(tz.off[i] >= OFF_MIN && tz.off[i] <= OFF_MAX, "offset %" PRId32, tz.off[i]);
    }
    if (tz.has_rule)
        CHECK(tz.std_off >= OFF_MIN && tz.std_off <= OFF_MAX && tz.dst_off >= OFF_MIN &&
                  tz.dst_off <= OFF_MAX,
              "rule offsets %" PRId32 "/%" PRId32, tz.std_off, tz.dst_off);
    for (size_t i = 0; i < tz.n && i < 64; i++) {
        probe_zone(&tz, tz.at[i] - 1, false);
        probe_zone(&tz, tz.at[i], false);
    }
    static const int years[] = {1, 1900, 1969, 1970, 2000, 2025, 2038, 2100, 9999};
    for (size_t i = 0; i < ARRAY_SIZE(years); i++) {
        for (int m = 1; m <= 12; m += 3) {
            int64_t t = (int64_t)date_to_days((struct date){years[i], m, 15}) * 86400;
            probe_zone(&tz, t, false);
        }
    }
    tz_release(&tz);
    CHECK(tz.n == 0 && !tz.at, "released zone keeps data");
}

static void check_zone_name(const char *s)
{
    struct tz tz;
    struct err e = ERR_INIT;
    if (strlen(s) > 80)
        return;
    int rc = tz_load(s, &tz, &e);
    if (rc) {
        CHECK(rc == ERR_INVALID || rc == ERR_NOT_FOUND || rc == ERR_CORRUPT,
              "tz_load('%s') returned %d: %s", s, rc, e.msg);
        CHECK(tz.n == 0 && !tz.at, "failed load left data");
        tz_release(&tz);
        return;
    }
    CHECK(!strcmp(tz.name, s), "zone '%s' named '%s'", s, tz.name);
    if (s[0] == '+' || s[0] == '-')
        CHECK(tz.n == 0 && !tz.has_rule && tz.off_initial % 60 == 0, "fixed offset '%s'", s);
    else
        CHECK(s[0] != '/' && !strstr(s, "..") && !strstr(s, "/."),
              "zone name '%s' escapes the zone directory", s);
    for (size_t i = 0; i < tz.n; i++) {
        probe_zone(&tz, tz.at[i] - 1, true);
        probe_zone(&tz, tz.at[i], true);
    }
    probe_zone(&tz, 1767225600, true); /* 2026-01-01 */
    tz_release(&tz);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tz zones[2];
    static bool loaded;
    if (!loaded) {
        struct err e = ERR_INIT;
        CHECK(tz_load("Asia/Shanghai", &zones[0], &e) == 0, "%s", e.msg);
        CHECK(tz_load("America/New_York", &zones[1], &e) == 0, "%s", e.msg);
        loaded = true;
    }
    if (size >= 4 && !memcmp(data, "TZif", 4)) {
        check_tzif(data, size);
        return 0;
    }
    char *s = fuzz_cstr(data, size);
    check_date(s);
    check_period(s);
    check_instant(s, zones, ARRAY_SIZE(zones));
    check_zone_name(s);
    free(s);
    return 0;
}
