/*
 * Unit tests for core/date.h and core/clock.h: civil dates and leap years, month arithmetic,
 * billing periods, ISO 8601 instants, TZif zones (Asia/Shanghai incl. its 1986-91 DST,
 * footer rules north and south, gaps and overlaps), corrupt zone files, and clocks.
 * Needs the system tzdata (/usr/share/zoneinfo, Debian package tzdata).
 */
#include "core/common.h"
#include "core/clock.h"
#include "core/date.h"

#include <setjmp.h>
#include <cmocka.h>

static struct date D(int y, int m, int d) {
    return (struct date){y, m, d};
}

static void
assert_date(struct date got, int y, int m, int d)
{
    if (got.y != y || got.m != m || got.d != d)
        fail_msg("got %04d-%02d-%02d, want %04d-%02d-%02d", got.y, got.m, got.d, y, m, d);
}

static struct date parse_date_ok(const char *s)
{
    struct err e = ERR_INIT;
    struct date d = {0, 0, 0};
    if (date_parse(s, &d, &e) != 0)
        fail_msg("date_parse('%s'): %s", s, e.msg);
    return d;
}

static void date_bad(const char *s, const char *why)
{
    struct err e = ERR_INIT;
    struct date d = {7, 7, 7};
    char quoted[128];
    assert_int_equal(date_parse(s, &d, &e), ERR_INVALID);
    assert_date(d, 7, 7, 7);
    snprintf(quoted, sizeof(quoted), "invalid date '%s'", s ? s : "");
    if (!strstr(e.msg, quoted) || !strstr(e.msg, why))
        fail_msg("date_parse('%s'): message '%s' lacks %s / %s", s, e.msg, quoted, why);
}

static int64_t instant_ok(const char *s)
{
    struct err e = ERR_INIT;
    int64_t us = 0;
    if (instant_parse(s, &us, &e) != 0)
        fail_msg("instant_parse('%s'): %s", s, e.msg);
    return us;
}

static void instant_bad(const char *s, const char *why)
{
    struct err e = ERR_INIT;
    int64_t us = 99;
    assert_int_equal(instant_parse(s, &us, &e), ERR_INVALID);
    assert_int_equal(us, 99);
    if (!strstr(e.msg, s ? s : "") || !strstr(e.msg, why))
        fail_msg("instant_parse('%s'): message '%s' lacks %s", s, e.msg, why);
}

static void load_tz(const char *name, struct tz *tz)
{
    struct err e = ERR_INIT;
    if (tz_load(name, tz, &e) != 0)
        fail_msg("tz_load('%s'): %s", name, e.msg);
}

/* Local wall time of an ISO instant in tz, as "YYYY-MM-DDTHH:MM:SS+HH:MM". */
static const char *local_of(const char *iso, const struct tz *tz, char *buf)
{
    return instant_format_tz(instant_ok(iso), tz, buf);
}

/* ---- dates ---------------------------------------------------------------------------- */

static void test_leap_years(void **state)
{
    UNUSED(state);
    assert_true(date_is_leap_year(2024));
    assert_false(date_is_leap_year(2025));
    assert_false(date_is_leap_year(1900));
    assert_true(date_is_leap_year(2000));
    assert_false(date_is_leap_year(2100));
    assert_int_equal(date_days_in_month(2024, 2), 29);
    assert_int_equal(date_days_in_month(2025, 2), 28);
    assert_int_equal(date_days_in_month(1900, 2), 28);
    assert_int_equal(date_days_in_month(2000, 2), 29);
    assert_int_equal(date_days_in_month(2025, 4), 30);
    assert_int_equal(date_days_in_month(2025, 12), 31);
    assert_int_equal(date_days_in_month(2025, 13), 0);
    assert_int_equal(date_days_in_month(2025, 0), 0);

    assert_date(parse_date_ok("2024-02-29"), 2024, 2, 29);
    assert_date(parse_date_ok("2000-02-29"), 2000, 2, 29);
    date_bad("2025-02-29", "day 29 out of range for 2025-02");
    date_bad("1900-02-29", "day 29 out of range for 1900-02");
    assert_true(date_is_valid(D(2024, 2, 29)));
    assert_false(date_is_valid(D(2025, 2, 29)));
    assert_false(date_is_valid(D(0, 1, 1)));
    assert_false(date_is_valid(D(10000, 1, 1)));
}

static void test_parse_format(void **state)
{
    char buf[DATE_BUF_SIZE];
    UNUSED(state);
    assert_date(parse_date_ok("2025-10-01"), 2025, 10, 1);
    assert_date(parse_date_ok("0001-01-01"), 1, 1, 1);
    assert_date(parse_date_ok("9999-12-31"), 9999, 12, 31);
    date_bad("2024-13-01", "month 13 out of range");
    date_bad("2024-00-10", "month 0 out of range");
    date_bad("2024-01-00", "day 0 out of range for 2024-01");
    date_bad("2024-04-31", "day 31 out of range for 2024-04");
    date_bad("0000-01-01", "year 0000 out of range");
    date_bad("2024-1-5", "expected YYYY-MM-DD");
    date_bad("2024/01/05", "expected YYYY-MM-DD");
    date_bad("20240105", "expected YYYY-MM-DD");
    date_bad(" 2024-01-05", "expected YYYY-MM-DD");
    date_bad("+024-01-05", "expected YYYY-MM-DD");
    date_bad("2024-01-05x", "trailing characters");
    date_bad("2024-01-05 ", "trailing characters");
    date_bad("2024-01-05T00:00", "trailing characters");
    date_bad("", "empty");
    date_bad(NULL, "empty");
    assert_string_equal(date_format(D(2025, 1, 5), buf), "2025-01-05");
    assert_string_equal(date_format(D(1, 1, 1), buf), "0001-01-01");
}

static void test_day_numbers(void **state)
{
    UNUSED(state);
    assert_int_equal(date_to_days(D(1970, 1, 1)), 0);
    assert_int_equal(date_to_days(D(1969, 12, 31)), -1);
    assert_int_equal(date_to_days(D(2000, 3, 1)), 11017);
    assert_int_equal(date_to_days(D(1, 1, 1)), -719162);
    assert_int_equal(date_to_days(D(9999, 12, 31)), 2932896);
    assert_date(date_from_days(0), 1970, 1, 1);
    assert_date(date_from_days(-719162), 1, 1, 1);
    assert_date(date_from_days(2932896), 9999, 12, 31);
    /* every day of years 1..9999 round-trips and follows its predecessor */
    struct date prev = date_from_days(-719163);
    for (int32_t z = -719162; z <= 2932896; z++) {
        struct date d = date_from_days(z);
        if (!date_is_valid(d) || date_to_days(d) != z)
            fail_msg("day %" PRId32 " -> %04d-%02d-%02d", z, d.y, d.m, d.d);
        bool next_day = d.y == prev.y && d.m == prev.m && d.d == prev.d + 1;
        bool next_month = d.d == 1 && prev.d == date_days_in_month(prev.y, prev.m) &&
                          ((d.y == prev.y && d.m == prev.m + 1) ||
                           (d.y == prev.y + 1 && d.m == 1 && prev.m == 12));
        if (!next_day && !next_month)
            fail_msg("day %" PRId32 " does not follow its predecessor", z);
        prev = d;
    }
}

static void test_weekday_arith(void **state)
{
    UNUSED(state);
    assert_int_equal(date_weekday(D(1970, 1, 1)), DATE_THU);
    assert_int_equal(date_weekday(D(1969, 12, 28)), DATE_SUN);
    assert_int_equal(date_weekday(D(2025, 10, 1)), DATE_WED);
    assert_int_equal(date_weekday(D(2024, 7, 5)), DATE_FRI);
    assert_int_equal(date_weekday(D(2000, 1, 1)), DATE_SAT);
    assert_int_equal(date_weekday(D(1, 1, 1)), DATE_MON);
    assert_true(date_is_weekend(D(2025, 1, 26)));
    assert_false(date_is_weekend(D(2025, 1, 27)));

    assert_date(date_add_days(D(2024, 2, 28), 1), 2024, 2, 29);
    assert_date(date_add_days(D(2025, 2, 28), 1), 2025, 3, 1);
    assert_date(date_add_days(D(2025, 12, 31), 1), 2026, 1, 1);
    assert_date(date_add_days(D(2026, 1, 1), -1), 2025, 12, 31);
    assert_date(date_add_days(D(2024, 10, 8), -7), 2024, 10, 1); /* S4 */
    /* L1: overdue 2024-12-26 .. 2025-01-10 inclusive = 16 days */
    assert_int_equal(date_diff_days(D(2024, 12, 25), D(2025, 1, 10)), 16);
    assert_int_equal(date_diff_days(D(2025, 1, 10), D(2024, 12, 25)), -16);
    assert_int_equal(date_diff_days(D(2024, 1, 1), D(2025, 1, 1)), 366);
    assert_int_equal(date_diff_days(D(2023, 1, 1), D(2024, 1, 1)), 365);
    /* E9e: 20-31 July is 12 days */
    assert_int_equal(date_diff_days(D(2024, 7, 20), D(2024, 8, 1)), 12);
    assert_true(date_cmp(D(2025, 1, 1), D(2024, 12, 31)) > 0);
    assert_true(date_cmp(D(2024, 12, 31), D(2025, 1, 1)) < 0);
    assert_int_equal(date_cmp(D(2025, 3, 3), D(2025, 3, 3)), 0);
}

/* Month arithmetic clamps to the last day of the target month. */
static void test_months(void **state)
{
    UNUSED(state);
    assert_date(date_add_months(D(2025, 1, 31), 1), 2025, 2, 28);
    assert_date(date_add_months(D(2024, 1, 31), 1), 2024, 2, 29);
    assert_date(date_add_months(D(2025, 3, 31), -1), 2025, 2, 28);
    assert_date(date_add_months(D(2025, 1, 31), 2), 2025, 3, 31);
    assert_date(date_add_months(date_add_months(D(2025, 1, 31), 1), 1), 2025, 3, 28);
    assert_date(date_add_months(D(2025, 5, 31), 1), 2025, 6, 30);
    assert_date(date_add_months(D(2025, 1, 31), 12), 2026, 1, 31);
    assert_date(date_add_months(D(2025, 12, 15), 1), 2026, 1, 15);
    assert_date(date_add_months(D(2025, 1, 15), -1), 2024, 12, 15);
    assert_date(date_add_months(D(2025, 1, 15), -13), 2023, 12, 15);
    assert_date(date_add_months(D(2024, 2, 29), 12), 2025, 2, 28);
    assert_date(date_add_months(D(2024, 2, 29), 48), 2028, 2, 29);
    assert_date(date_month_end(D(2024, 2, 3)), 2024, 2, 29);
    assert_date(date_month_end(D(2025, 2, 3)), 2025, 2, 28);
    assert_date(date_month_end(D(2025, 12, 31)), 2025, 12, 31);
}

static void test_periods(void **state)
{
    struct err e = ERR_INIT;
    struct period p = {0, 0};
    char buf[PERIOD_BUF_SIZE];
    UNUSED(state);
    assert_int_equal(period_parse("2025-12", &p, &e), 0);
    assert_int_equal(p.y, 2025);
    assert_int_equal(p.m, 12);
    assert_string_equal(period_format(period_next(p), buf), "2026-01");
    assert_string_equal(period_format(period_prev((struct period){2025, 1}), buf), "2024-12");
    assert_string_equal(period_format(period_add(p, -24), buf), "2023-12");
    assert_string_equal(period_format(period_add(p, 25), buf), "2028-01");
    assert_int_equal(period_diff((struct period){2025, 11}, (struct period){2026, 2}), 3);
    assert_int_equal(period_diff((struct period){2026, 2}, (struct period){2025, 11}), -3);
    assert_true(period_cmp((struct period){2025, 12}, (struct period){2026, 1}) < 0);
    assert_int_equal(period_cmp(p, p), 0);
    assert_date(period_first_day(p), 2025, 12, 1);
    assert_date(period_last_day(p), 2025, 12, 31);
    assert_date(period_last_day((struct period){2024, 2}), 2024, 2, 29);
    assert_int_equal(period_days((struct period){2024, 2}), 29);
    assert_int_equal(period_days((struct period){2025, 2}), 28);
    assert_int_equal(period_days((struct period){2025, 7}), 31);
    p = period_of(D(2025, 7, 20));
    assert_string_equal(period_format(p, buf), "2025-07");

    p = (struct period){1, 1};
    assert_int_equal(period_parse("2025-13", &p, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "invalid period '2025-13': month 13 out of range"));
    assert_int_equal(period_parse("2025-00", &p, &e), ERR_INVALID);
    assert_int_equal(period_parse("2025-1", &p, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "expected YYYY-MM"));
    assert_int_equal(period_parse("2025-12-01", &p, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "trailing characters"));
    assert_int_equal(period_parse("202512", &p, &e), ERR_INVALID);
    assert_int_equal(period_parse("0000-01", &p, &e), ERR_INVALID);
    assert_int_equal(period_parse("", &p, &e), ERR_INVALID);
    assert_int_equal(period_parse(NULL, &p, &e), ERR_INVALID);
    assert_int_equal(p.y, 1);
}

/* ---- instants ------------------------------------------------------------------------- */

static void test_instant_parse(void **state)
{
    UNUSED(state);
    assert_int_equal(instant_ok("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(instant_ok("2026-01-02T03:04:05Z"), INT64_C(1767323045000000));
    assert_int_equal(instant_ok("2026-01-02T03:04:05.123+08:00"), INT64_C(1767294245123000));
    assert_int_equal(instant_ok("2026-01-02T03:04:05-05:30"), INT64_C(1767342845000000));
    assert_int_equal(instant_ok("2026-01-02T03:04:05-0530"), INT64_C(1767342845000000));
    assert_int_equal(instant_ok("2026-01-02 03:04:05z"), INT64_C(1767323045000000));
    assert_int_equal(instant_ok("2026-01-02T03:04Z"), INT64_C(1767323040000000));
    assert_int_equal(instant_ok("1970-01-01T00:00:00.5Z"), 500000);
    assert_int_equal(instant_ok("1970-01-01T00:00:00.000001Z"), 1);
    assert_int_equal(instant_ok("1970-01-01T00:00:00.123456789Z"), 123456); /* truncated */
    assert_int_equal(instant_ok("1969-12-31T23:59:59.999999Z"), -1);
    assert_int_equal(instant_ok("2025-12-31T16:30:00Z"), instant_ok("2026-01-01T00:30:00+08:00"));
    assert_int_equal(instant_ok("0001-01-01T00:00:00Z"), INT64_C(-62135596800000000));

    instant_bad("2026-01-02T03:04:05", "missing Z or an offset");
    instant_bad("2026-01-02", "expected 'T' and a time");
    instant_bad("2026-01-02T24:00:00Z", "hour 24 out of range");
    instant_bad("2026-01-02T03:60:00Z", "minute 60 out of range");
    instant_bad("2026-01-02T03:04:60Z", "second 60 out of range");
    instant_bad("2026-02-30T03:04:05Z", "day 30 out of range for 2026-02");
    instant_bad("2026-01-02T03:04:05Zjunk", "trailing characters");
    instant_bad("2026-01-02T03:04:05+8:00", "expected an offset");
    instant_bad("2026-01-02T03:04:05+24:00", "offset out of range");
    instant_bad("2026-01-02T3:04:05Z", "expected HH:MM");
    instant_bad("2026-01-02T03:04:5Z", "expected two-digit seconds");
    instant_bad("2026-01-02T03:04:05.Z", "fraction digits");
    instant_bad("2026-01-02T03:04:05.1234567890Z", "fraction digits");
    instant_bad("2026-01-02T03:04:05 UTC", "expected Z or an offset");
    instant_bad("", "empty");
    /* years 1..9999 in UTC too, so that instant_format's text always parses (found by
     * fuzz_date: these were years 0 and 10000) */
    assert_int_equal(instant_ok("0001-01-01T00:59:59-01:00"), INT64_C(-62135589601000000));
    assert_int_equal(instant_ok("9999-12-31T23:59:59.999999Z"), INT64_C(253402300799999999));
    instant_bad("0001-01-01T00:00:00+01:00", "outside years 0001 to 9999 in UTC");
    instant_bad("9999-12-31T23:30:00-01:00", "outside years 0001 to 9999 in UTC");
    struct tz tz;
    struct err e = ERR_INIT;
    int64_t us = 99;
    assert_int_equal(tz_load("+08:00", &tz, &e), 0);
    assert_int_equal(instant_parse_local("0001-01-01 07:59", &tz, &us, &e), ERR_INVALID);
    assert_int_equal(us, 99);
    assert_int_equal(instant_parse_local("0001-01-01 08:00", &tz, &us, &e), 0);
    assert_int_equal(us, INT64_C(-62135596800000000));
    tz_release(&tz);
}

static void test_instant_format(void **state)
{
    char buf[INSTANT_BUF_SIZE];
    struct datetime dt;
    UNUSED(state);
    assert_string_equal(instant_format(0, buf), "1970-01-01T00:00:00Z");
    assert_string_equal(instant_format(-1, buf), "1969-12-31T23:59:59.999999Z");
    assert_string_equal(instant_format(250000, buf), "1970-01-01T00:00:00.250Z");
    assert_string_equal(instant_format(INT64_C(1767323045000001), buf),
                        "2026-01-02T03:04:05.000001Z");
    assert_string_equal(instant_format(instant_ok("2026-01-02T03:04:05.123+08:00"), buf),
                        "2026-01-01T19:04:05.123Z");
    assert_string_equal(instant_format(instant_ok("9999-12-31T23:59:59.999999Z"), buf),
                        "9999-12-31T23:59:59.999999Z");
    instant_to_utc(instant_ok("2024-02-29T23:59:58Z"), &dt);
    assert_date(dt.date, 2024, 2, 29);
    assert_int_equal(dt.hour, 23);
    assert_int_equal(dt.min, 59);
    assert_int_equal(dt.sec, 58);
    assert_int_equal(dt.usec, 0);
    assert_int_equal(instant_from_utc(&dt), instant_ok("2024-02-29T23:59:58Z"));
}

/* ---- zones ---------------------------------------------------------------------------- */

static void test_shanghai(void **state)
{
    struct tz tz;
    struct datetime dt;
    char buf[INSTANT_BUF_SIZE];
    UNUSED(state);
    load_tz(TZ_DEFAULT, &tz);
    assert_string_equal(tz.name, "Asia/Shanghai");

    /* around midnight: 2025-12-31T16:30:00Z is 2026-01-01 00:30 local */
    int64_t t = instant_ok("2025-12-31T16:30:00Z");
    assert_int_equal(tz_offset_at(&tz, t), 8 * 3600);
    tz_to_local(&tz, t, &dt);
    assert_date(dt.date, 2026, 1, 1);
    assert_int_equal(dt.hour, 0);
    assert_int_equal(dt.min, 30);
    assert_date(tz_today(&tz, t), 2026, 1, 1);
    assert_date(tz_today(&tz, instant_ok("2025-12-31T15:59:59.999999Z")), 2025, 12, 31);
    assert_date(tz_today(&tz, instant_ok("2025-12-31T16:00:00Z")), 2026, 1, 1);
    assert_string_equal(instant_format_tz(t, &tz, buf), "2026-01-01T00:30:00+08:00");
    assert_int_equal(tz_from_local(&tz, &dt), t);
    assert_int_equal(tz_day_start(&tz, D(2026, 1, 1)), instant_ok("2025-12-31T16:00:00Z"));

    /* China observed DST 1986-1991 (from the transition table) and LMT before 1901 */
    assert_string_equal(local_of("1988-07-01T00:00:00Z", &tz, buf), "1988-07-01T09:00:00+09:00");
    assert_string_equal(local_of("1991-09-15T00:00:00Z", &tz, buf), "1991-09-15T08:00:00+08:00");
    assert_string_equal(local_of("1900-01-01T00:00:00Z", &tz, buf), "1900-01-01T08:05:43+08:05:43");
    /* far future: the footer rule "CST-8" */
    assert_string_equal(local_of("2200-06-01T00:00:00Z", &tz, buf), "2200-06-01T08:00:00+08:00");

    /* local input without an offset is Shanghai time */
    struct err e = ERR_INIT;
    int64_t us = 0;
    assert_int_equal(instant_parse_local("2025-01-24 16:00", &tz, &us, &e), 0);
    assert_int_equal(us, instant_ok("2025-01-24T08:00:00Z"));
    assert_int_equal(instant_parse_local("2025-01-24T16:00:00Z", &tz, &us, &e), 0);
    assert_int_equal(us, instant_ok("2025-01-24T16:00:00Z"));
    assert_int_equal(instant_parse_local("2025-01-24", &tz, &us, &e), ERR_INVALID);
    tz_release(&tz);
    tz_release(&tz); /* harmless twice */
}

static void test_dst_rules(void **state)
{
    struct tz ny, syd;
    struct datetime dt = {{2025, 3, 9}, 2, 30, 0, 0};
    char buf[INSTANT_BUF_SIZE];
    UNUSED(state);
    load_tz("America/New_York", &ny);
    load_tz("Australia/Sydney", &syd);

    /* gap: 02:30 does not exist on 2025-03-09; it resolves to 03:30 EDT */
    assert_string_equal(instant_format(tz_from_local(&ny, &dt), buf), "2025-03-09T07:30:00Z");
    /* overlap: 01:30 happens twice on 2025-11-02; the earlier (EDT) is chosen */
    dt = (struct datetime){{2025, 11, 2}, 1, 30, 0, 0};
    assert_string_equal(instant_format(tz_from_local(&ny, &dt), buf), "2025-11-02T05:30:00Z");
    dt.hour = 12; /* later that day: EST */
    assert_string_equal(instant_format(tz_from_local(&ny, &dt), buf), "2025-11-02T17:30:00Z");

    /* beyond the transition table (2037): the footer rule EST5EDT,M3.2.0,M11.1.0 */
    assert_int_equal(tz_offset_at(&ny, instant_ok("2040-03-11T06:59:59Z")), -5 * 3600);
    assert_int_equal(tz_offset_at(&ny, instant_ok("2040-03-11T07:00:00Z")), -4 * 3600);
    assert_int_equal(tz_offset_at(&ny, instant_ok("2040-11-04T05:59:59Z")), -4 * 3600);
    assert_int_equal(tz_offset_at(&ny, instant_ok("2040-11-04T06:00:00Z")), -5 * 3600);
    assert_string_equal(local_of("2040-07-04T16:00:00Z", &ny, buf), "2040-07-04T12:00:00-04:00");
    /* southern hemisphere: AEST-10AEDT,M10.1.0,M4.1.0/3 */
    assert_int_equal(tz_offset_at(&syd, instant_ok("2040-01-15T00:00:00Z")), 11 * 3600);
    assert_int_equal(tz_offset_at(&syd, instant_ok("2040-07-15T00:00:00Z")), 10 * 3600);
    assert_int_equal(tz_offset_at(&syd, instant_ok("2040-03-31T15:59:59Z")), 11 * 3600);
    assert_int_equal(tz_offset_at(&syd, instant_ok("2040-03-31T16:00:00Z")), 10 * 3600);
    assert_int_equal(tz_offset_at(&syd, instant_ok("2040-10-06T15:59:59Z")), 10 * 3600);
    assert_int_equal(tz_offset_at(&syd, instant_ok("2040-10-06T16:00:00Z")), 11 * 3600);
    assert_int_equal(tz_offset_at(&syd, instant_ok("2040-12-31T23:00:00Z")), 11 * 3600);
    tz_release(&ny);
    tz_release(&syd);
}

static void test_fixed_and_bad_zones(void **state)
{
    struct tz tz;
    struct err e = ERR_INIT;
    char buf[INSTANT_BUF_SIZE];
    UNUSED(state);
    load_tz("+08:00", &tz);
    assert_string_equal(local_of("2025-12-31T16:30:00Z", &tz, buf), "2026-01-01T00:30:00+08:00");
    tz_release(&tz);
    load_tz("-05:30", &tz);
    assert_string_equal(local_of("2025-01-01T00:00:00Z", &tz, buf), "2024-12-31T18:30:00-05:30");
    tz_release(&tz);
    load_tz("UTC", &tz);
    assert_string_equal(local_of("2025-01-01T00:00:00Z", &tz, buf), "2025-01-01T00:00:00+00:00");
    tz_release(&tz);
    load_tz("Etc/UTC", &tz);
    assert_int_equal(tz_offset_at(&tz, 0), 0);
    tz_release(&tz);
    load_tz("Asia/Urumqi", &tz);
    assert_int_equal(tz_offset_at(&tz, instant_ok("2025-06-01T00:00:00Z")), 6 * 3600);
    tz_release(&tz);

    static const struct {
        const char *name;
        int code;
        const char *why;
    } bad[] = {
        {"", ERR_INVALID, "empty"},
        {"+8", ERR_INVALID, "expected an offset"},
        {"+0800", ERR_INVALID, "expected an offset"},
        {"+08:00x", ERR_INVALID, "expected an offset"},
        {"../etc/passwd", ERR_INVALID, "expected a name"},
        {"Asia/../../etc/passwd", ERR_INVALID, "expected a name"},
        {"/etc/passwd", ERR_INVALID, "expected a name"},
        {"Asia//Shanghai", ERR_INVALID, "expected a name"},
        {"Asia/Shanghai/", ERR_INVALID, "expected a name"},
        {"Asia/Shang hai", ERR_INVALID, "expected a name"},
        {"Nowhere/City", ERR_NOT_FOUND, "unknown time zone 'Nowhere/City'"},
        {"Asia/Shanghai/x", ERR_NOT_FOUND, "unknown time zone"},
        {"Asia", ERR_NOT_FOUND, "unknown time zone 'Asia'"},
        {"zone.tab", ERR_INVALID, "not a time zone file"},
        {"right/Asia/Shanghai", ERR_INVALID, "leap-second zones are not supported"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        err_clear(&e);
        int ret = tz_load(bad[i].name, &tz, &e);
        if (ret != bad[i].code || !strstr(e.msg, bad[i].why))
            fail_msg("tz_load('%s') = %d '%s', want %d '%s'", bad[i].name, ret, e.msg, bad[i].code,
                     bad[i].why);
        assert_int_equal(tz.n, 0);
        assert_null(tz.at);
        tz_release(&tz);
    }
}

/* Every truncation and many byte flips of a real TZif file fail cleanly (ASan checks reads). */
static void test_corrupt_tzif(void **state)
{
    const char *tmp = getenv("TMPDIR");
    char dir[256], path[300];
    unsigned char img[8192];
    size_t len;
    FILE *f;
    struct tz tz;
    struct err e = ERR_INIT;
    UNUSED(state);

    f = fopen(TZ_DIR_DEFAULT "/Asia/Shanghai", "rb");
    assert_non_null(f);
    len = fread(img, 1, sizeof(img), f);
    fclose(f);
    assert_true(len > 100 && len < sizeof(img));
    snprintf(dir, sizeof(dir), "%s/pmis-test-tz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/z", dir);

    for (size_t cut = 0; cut <= len; cut++) {
        f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(img, 1, cut, f), cut);
        fclose(f);
        int ret = tz_load_dir(dir, "z", &tz, &e);
        if (cut == len) {
            assert_int_equal(ret, 0);
            assert_int_equal(tz_offset_at(&tz, instant_ok("2025-06-01T00:00:00Z")), 8 * 3600);
        } else {
            if (ret == 0)
                fail_msg("truncated at %zu of %zu bytes but loaded", cut, len);
            assert_true(ret == ERR_INVALID || ret == ERR_CORRUPT);
        }
        tz_release(&tz);
    }
    /* flipped bytes may or may not be detected, but must never crash or misread memory */
    for (size_t pos = 0; pos < len; pos++) {
        unsigned char saved = img[pos];
        img[pos] ^= 0xff;
        f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(img, 1, len, f), len);
        fclose(f);
        if (tz_load_dir(dir, "z", &tz, &e) == 0) {
            (void)tz_offset_at(&tz, instant_ok("2025-06-01T00:00:00Z"));
            (void)tz_offset_at(&tz, instant_ok("1988-06-01T00:00:00Z"));
        }
        tz_release(&tz);
        img[pos] = saved;
    }
    unlink(path);
    rmdir(dir);
}

/* ---- clocks --------------------------------------------------------------------------- */

static void test_clock(void **state)
{
    struct err e = ERR_INIT;
    struct clock c = clock_fixed(12345);
    UNUSED(state);
    assert_int_equal(clock_now(&c), 12345);
    c = clock_system();
    assert_true(clock_now(&c) > instant_ok("2024-01-01T00:00:00Z"));

    assert_int_equal(setenv("PMIS_NOW", "2025-01-24T16:00:00+08:00", 1), 0);
    assert_int_equal(clock_from_env(&c, &e), 0);
    assert_int_equal(clock_now(&c), instant_ok("2025-01-24T08:00:00Z"));

    assert_int_equal(setenv("PMIS_NOW", "yesterday", 1), 0);
    c = clock_fixed(7);
    assert_int_equal(clock_from_env(&c, &e), ERR_CONFIG);
    assert_non_null(strstr(e.msg, "PMIS_NOW"));
    assert_non_null(strstr(e.msg, "'yesterday'"));
    assert_int_equal(clock_now(&c), 7);

    assert_int_equal(unsetenv("PMIS_NOW"), 0);
    assert_int_equal(clock_from_env(&c, &e), 0);
    assert_true(clock_now(&c) > instant_ok("2024-01-01T00:00:00Z"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_parse_format),
        cmocka_unit_test(test_day_numbers),
        cmocka_unit_test(test_weekday_arith),
        cmocka_unit_test(test_months),
        cmocka_unit_test(test_periods),
        cmocka_unit_test(test_instant_parse),
        cmocka_unit_test(test_instant_format),
        cmocka_unit_test(test_shanghai),
        cmocka_unit_test(test_dst_rules),
        cmocka_unit_test(test_fixed_and_bad_zones),
        cmocka_unit_test(test_corrupt_tzif),
        cmocka_unit_test(test_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
