/*
 * Unit tests for core/calendar.h: loading the 2025 PRC holiday schedule from
 * tests/data/calendar-2025-cn.csv, 调休 make-up days, 7- and 8-day holidays, working-day
 * counting and the SLA examples of cn-tariff-rules.md §7.5, and working-time deadlines across
 * weekends and 春节 in Asia/Shanghai.
 */
#include "core/common.h"
#include "core/calendar.h"

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

static int64_t at(const char *iso)
{
    struct err e = ERR_INIT;
    int64_t us = 0;
    if (instant_parse(iso, &us, &e) != 0)
        fail_msg("instant_parse('%s'): %s", iso, e.msg);
    return us;
}

/* Find tests/data/<name> from the repository root or from build/<variant>/tests. */
static FILE *open_data(const char *name)
{
    static const char *const prefixes[] = {"", "../", "../../", "../../../"};
    char path[512];
    const char *env = getenv("PMIS_TEST_DATA");
    if (env) {
        snprintf(path, sizeof(path), "%s/%s", env, name);
        return fopen(path, "r");
    }
    for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
        snprintf(path, sizeof(path), "%stests/data/%s", prefixes[i], name);
        FILE *f = fopen(path, "r");
        if (f)
            return f;
    }
    return NULL;
}

/* Load date,kind,name rows (header first, no quoting, no commas in fields); returns rows. */
static size_t load_csv(struct calendar *cal, const char *name)
{
    char line[512];
    size_t rows = 0, lineno = 0;
    FILE *f = open_data(name);
    if (!f)
        fail_msg("cannot find tests/data/%s (set PMIS_TEST_DATA)", name);
    while (fgets(line, sizeof(line), f)) {
        const char *fields[4];
        size_t nf = 0;
        struct err e = ERR_INIT;
        char *p = line;

        line[strcspn(line, "\r\n")] = '\0';
        if (++lineno == 1) {
            assert_string_equal(line, "date,kind,name");
            continue;
        }
        if (!*line)
            continue;
        while (nf < ARRAY_SIZE(fields)) {
            fields[nf++] = p;
            p = strchr(p, ',');
            if (!p)
                break;
            *p++ = '\0';
        }
        if (calendar_load_row(cal, fields, nf, &e) != 0)
            fail_msg("%s:%zu: %s", name, lineno, e.msg);
        rows++;
    }
    fclose(f);
    return rows;
}

static int setup_2025(void **state)
{
    struct calendar *cal = malloc(sizeof(*cal));
    calendar_init(cal);
    assert_int_equal(load_csv(cal, "calendar-2025-cn.csv"), 33);
    *state = cal;
    return 0;
}

static int teardown_cal(void **state)
{
    calendar_release(*state);
    free(*state);
    return 0;
}

static struct date add_wd(const struct calendar *cal, struct date d, int n)
{
    struct err e = ERR_INIT;
    struct date out = {0, 0, 0};
    if (calendar_add_workdays(cal, d, n, &out, &e) != 0)
        fail_msg("calendar_add_workdays: %s", e.msg);
    return out;
}

static void test_2025_days(void **state)
{
    const struct calendar *cal = *state;
    const char *name = NULL;
    UNUSED(state);
    assert_int_equal(cal->days.n, 33);
    assert_true(calendar_covers_year(cal, 2025));
    assert_false(calendar_covers_year(cal, 2024));
    assert_false(calendar_covers_year(cal, 2026));

    assert_false(calendar_is_workday(cal, D(2025, 1, 1))); /* 元旦, Wed */
    assert_true(calendar_is_workday(cal, D(2025, 1, 2)));
    assert_true(calendar_is_workday(cal, D(2025, 1, 26))); /* Sun, make-up */
    assert_true(calendar_is_workday(cal, D(2025, 1, 27)));
    for (int d = 28; d <= 31; d++)
        assert_false(calendar_is_workday(cal, D(2025, 1, d)));
    for (int d = 1; d <= 4; d++)
        assert_false(calendar_is_workday(cal, D(2025, 2, d)));
    assert_true(calendar_is_workday(cal, D(2025, 2, 5)));
    assert_true(calendar_is_workday(cal, D(2025, 2, 8)));  /* Sat, make-up */
    assert_false(calendar_is_workday(cal, D(2025, 2, 9))); /* ordinary Sunday */
    assert_false(calendar_is_workday(cal, D(2025, 3, 8))); /* ordinary Saturday */
    assert_false(calendar_is_workday(cal, D(2025, 4, 4))); /* 清明, Fri */
    assert_true(calendar_is_workday(cal, D(2025, 4, 27))); /* Sun, make-up */
    assert_false(calendar_is_workday(cal, D(2025, 5, 5))); /* 劳动节, Mon */
    assert_false(calendar_is_workday(cal, D(2025, 6, 2))); /* 端午, Mon */
    assert_true(calendar_is_workday(cal, D(2025, 9, 28))); /* Sun, make-up */

    assert_int_equal(calendar_kind(cal, D(2025, 10, 3), &name), CAL_HOLIDAY);
    assert_string_equal(name, "国庆节、中秋节");
    assert_int_equal(calendar_kind(cal, D(2025, 10, 11), &name), CAL_WORKDAY_MAKEUP);
    assert_string_equal(name, "国庆节调休上班");
    assert_int_equal(calendar_kind(cal, D(2025, 10, 10), &name), CAL_NORMAL);
    assert_string_equal(name, "");
    assert_int_equal(calendar_kind(cal, D(2025, 1, 28), NULL), CAL_HOLIDAY);

    /* 2025: 365 - 104 weekend days - 18 weekday holidays + 5 make-up days = 248 */
    assert_int_equal(calendar_workdays_between(cal, D(2024, 12, 31), D(2025, 12, 31)), 248);
}

/* 国庆+中秋 2025: 8 days off (Wed 10-01 .. Wed 10-08), make-up Sun 9-28 and Sat 10-11. */
static void test_2025_national_day(void **state)
{
    const struct calendar *cal = *state;
    struct err e = ERR_INIT;
    struct date d;
    for (int i = 1; i <= 8; i++)
        assert_false(calendar_is_workday(cal, D(2025, 10, i)));
    assert_true(calendar_is_workday(cal, D(2025, 10, 9)));
    assert_true(calendar_is_workday(cal, D(2025, 10, 11)));
    assert_false(calendar_is_workday(cal, D(2025, 10, 12)));

    /* 5 working days across 国庆: from Fri 9-26: 9-28 (Sun), 9-29, 9-30, 10-09, 10-10 */
    assert_date(add_wd(cal, D(2025, 9, 26), 5), 2025, 10, 10);
    /* from Tue 9-30: 10-09, 10-10, 10-11 (Sat), 10-13, 10-14 */
    assert_date(add_wd(cal, D(2025, 9, 30), 5), 2025, 10, 14);
    /* from inside the holiday */
    assert_date(add_wd(cal, D(2025, 10, 3), 1), 2025, 10, 9);
    assert_date(add_wd(cal, D(2025, 10, 3), 0), 2025, 10, 3);
    assert_date(add_wd(cal, D(2025, 10, 9), -1), 2025, 9, 30);
    assert_date(add_wd(cal, D(2025, 10, 13), -3), 2025, 10, 9);
    assert_int_equal(calendar_workdays_between(cal, D(2025, 9, 26), D(2025, 10, 10)), 5);
    assert_int_equal(calendar_workdays_between(cal, D(2025, 10, 10), D(2025, 9, 26)), -5);
    assert_int_equal(calendar_workdays_between(cal, D(2025, 9, 30), D(2025, 10, 8)), 0);
    assert_int_equal(calendar_workdays_between(cal, D(2025, 9, 30), D(2025, 9, 30)), 0);

    assert_int_equal(calendar_next_workday(cal, D(2025, 9, 30), &d, &e), 0);
    assert_date(d, 2025, 10, 9);
    assert_int_equal(calendar_next_workday(cal, D(2025, 9, 26), &d, &e), 0);
    assert_date(d, 2025, 9, 28);
    assert_int_equal(calendar_roll_forward(cal, D(2025, 10, 4), &d, &e), 0);
    assert_date(d, 2025, 10, 9);
    assert_int_equal(calendar_roll_forward(cal, D(2025, 10, 9), &d, &e), 0);
    assert_date(d, 2025, 10, 9);
}

/* add_workdays and workdays_between agree with a day-by-day count over the whole year. */
static void test_2025_consistency(void **state)
{
    const struct calendar *cal = *state;
    for (struct date from = D(2024, 12, 20); date_cmp(from, D(2026, 1, 10)) < 0;
         from = date_add_days(from, 1)) {
        int32_t brute = 0;
        for (int n = 0; n <= 30; n++) {
            struct date to = add_wd(cal, from, n);
            assert_int_equal(calendar_workdays_between(cal, from, to), n);
            assert_true(n == 0 || calendar_is_workday(cal, to));
            assert_date(add_wd(cal, to, -n), from.y, from.m, from.d); /* when from works */
            if (!calendar_is_workday(cal, from))
                break;
        }
        for (int k = 1; k <= 40; k++) {
            brute += calendar_is_workday(cal, date_add_days(from, k));
            assert_int_equal(calendar_workdays_between(cal, from, date_add_days(from, k)), brute);
        }
    }
}

static void test_set_conflicts(void **state)
{
    struct calendar *cal = *state;
    struct err e = ERR_INIT;
    const char *ok_row[] = {"2025-10-01", "holiday", "国庆节、中秋节"};
    const char *dup_row[] = {"2025-10-01", "holiday", "别的节日"};
    const char *kind_row[] = {"2025-10-11", "holiday", "国庆节"};
    const char *bad_kind[] = {"2025-10-12", "rest", "x"};
    const char *bad_date[] = {"2025-02-29", "holiday", "x"};
    const char *weekday_makeup[] = {"2025-10-09", "workday", "x"};

    assert_int_equal(calendar_load_row(cal, ok_row, 3, &e), 0); /* same row again: no-op */
    assert_int_equal(cal->days.n, 33);
    assert_int_equal(calendar_load_row(cal, dup_row, 3, &e), ERR_CONFLICT);
    assert_non_null(strstr(e.msg, "'2025-10-01'"));
    assert_non_null(strstr(e.msg, "别的节日"));
    assert_int_equal(calendar_load_row(cal, kind_row, 3, &e), ERR_CONFLICT);
    assert_non_null(strstr(e.msg, "already workday"));
    assert_int_equal(calendar_load_row(cal, bad_kind, 3, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "invalid kind 'rest'"));
    assert_int_equal(calendar_load_row(cal, bad_date, 3, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "invalid date '2025-02-29'"));
    assert_int_equal(calendar_load_row(cal, weekday_makeup, 3, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "saturday or sunday"));
    assert_int_equal(calendar_load_row(cal, ok_row, 1, &e), ERR_INVALID);
    assert_int_equal(calendar_load_row(cal, ok_row, 4, &e), ERR_INVALID);
    assert_int_equal(calendar_set(cal, D(2025, 2, 30), CAL_HOLIDAY, "x", &e), ERR_INVALID);
    assert_int_equal(calendar_set(cal, D(2025, 3, 3), CAL_NORMAL, "x", &e), ERR_INVALID);
    assert_int_equal(calendar_set(cal, D(2025, 3, 3), CAL_HOLIDAY, "a\nb", &e), ERR_INVALID);
    char longname[CAL_NAME_MAX + 2];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(calendar_set(cal, D(2025, 3, 3), CAL_HOLIDAY, longname, &e), ERR_INVALID);
    assert_int_equal(cal->days.n, 33); /* nothing changed */

    /* a two-field row (no name) and a NULL name */
    const char *noname[] = {"2025-12-25", "holiday"};
    assert_int_equal(calendar_load_row(cal, noname, 2, &e), 0);
    assert_int_equal(calendar_set(cal, D(2025, 12, 25), CAL_HOLIDAY, NULL, &e), 0);
    assert_int_equal(cal->days.n, 34);
    assert_false(calendar_is_workday(cal, D(2025, 12, 25)));
}

/* 国庆 2024: a 7-day holiday (10-01 .. 10-07) with make-up Sun 9-29 and Sat 10-12. */
static void test_7day_holiday_2024(void **state)
{
    struct calendar cal = CALENDAR_INIT;
    struct err e = ERR_INIT;
    UNUSED(state);
    for (int d = 1; d <= 7; d++)
        assert_int_equal(calendar_set(&cal, D(2024, 10, d), CAL_HOLIDAY, "国庆节", &e), 0);
    assert_int_equal(calendar_set(&cal, D(2024, 9, 29), CAL_WORKDAY_MAKEUP, "国庆节调休", &e), 0);
    assert_int_equal(calendar_set(&cal, D(2024, 10, 12), CAL_WORKDAY_MAKEUP, "国庆节调休", &e), 0);
    /* inserted out of order: still sorted */
    for (size_t i = 1; i < cal.days.n; i++)
        assert_true(cal.days.v[i - 1].day < cal.days.v[i].day);

    assert_true(calendar_is_workday(&cal, D(2024, 9, 29)));  /* Sunday */
    assert_true(calendar_is_workday(&cal, D(2024, 10, 12))); /* Saturday */
    assert_false(calendar_is_workday(&cal, D(2024, 10, 5))); /* Saturday inside */
    assert_false(calendar_is_workday(&cal, D(2024, 10, 13)));
    assert_date(add_wd(&cal, D(2024, 9, 27), 1), 2024, 9, 29);
    assert_date(add_wd(&cal, D(2024, 9, 30), 1), 2024, 10, 8);
    assert_date(add_wd(&cal, D(2024, 10, 8), 4), 2024, 10, 12);
    assert_date(add_wd(&cal, D(2024, 10, 8), 5), 2024, 10, 14);
    /* Sep 27 (Fri) .. Oct 14 (Mon): 9-29, 9-30, 10-08..10-12, 10-14 */
    assert_int_equal(calendar_workdays_between(&cal, D(2024, 9, 27), D(2024, 10, 14)), 8);
    /* S4: outage on 2024-10-08 needs notice 7 calendar days before: 2024-10-01 */
    assert_date(date_add_days(D(2024, 10, 8), -7), 2024, 10, 1);

    /* S3: complaint Fri 2024-07-05 16:00 -> reply by end of Fri 2024-07-12 */
    struct tz tz;
    int64_t dl = 0;
    assert_int_equal(tz_load(TZ_DEFAULT, &tz, &e), 0);
    assert_date(add_wd(&cal, D(2024, 7, 5), 5), 2024, 7, 12);
    assert_int_equal(
        calendar_workday_deadline(&cal, &tz, at("2024-07-05T16:00:00+08:00"), 5, &dl, &e), 0);
    assert_int_equal(dl, at("2024-07-13T00:00:00+08:00"));
    /* contact within 24 h is natural time: plain addition */
    assert_int_equal(at("2024-07-05T16:00:00+08:00") + 24 * US_PER_HOUR,
                     at("2024-07-06T16:00:00+08:00"));
    /* S6: low-voltage application Mon 2024-09-02 + 6 working days = Tue 2024-09-10 */
    assert_date(add_wd(&cal, D(2024, 9, 2), 6), 2024, 9, 10);
    assert_int_equal(calendar_workday_deadline(&cal, &tz, 0, -1, &dl, &e), ERR_INVALID);
    tz_release(&tz);
    calendar_release(&cal);
}

static int64_t work(const struct calendar *cal, const struct tz *tz, const char *start,
                    const char *hours, int64_t minutes)
{
    struct err e = ERR_INIT;
    struct cal_hours h;
    int64_t dl = 0;
    if (hours && cal_hours_parse(hours, &h, &e) != 0)
        fail_msg("cal_hours_parse('%s'): %s", hours, e.msg);
    if (calendar_add_work_minutes(cal, tz, at(start), hours ? &h : NULL, minutes, &dl, &e) != 0)
        fail_msg("calendar_add_work_minutes('%s', %" PRId64 "): %s", start, minutes, e.msg);
    return dl;
}

#define ASSERT_DEADLINE(cal, tz, start, hours, minutes, want)                                      \
    do {                                                                                           \
        char buf_[INSTANT_BUF_SIZE];                                                               \
        assert_string_equal(instant_format_tz(work(cal, tz, start, hours, minutes), tz, buf_),     \
                            want);                                                                 \
    } while (0)

static void test_work_minutes(void **state)
{
    const struct calendar *cal = *state;
    struct tz tz;
    struct err e = ERR_INIT;
    int64_t dl = 5;
    struct cal_hours h = {510, 1050};
    assert_int_equal(tz_load(TZ_DEFAULT, &tz, &e), 0);

    /* across an ordinary weekend: Fri 17:00 + 2 h of 08:30-17:30 -> Mon 10:00 */
    ASSERT_DEADLINE(cal, &tz, "2025-03-07T17:00:00+08:00", "08:30-17:30", 120,
                    "2025-03-10T10:00:00+08:00");
    /* Fri 16:00 + 2 h, and Sunday 1-26 is a make-up working day */
    ASSERT_DEADLINE(cal, &tz, "2025-01-24T16:00:00+08:00", "08:30-17:30", 120,
                    "2025-01-26T09:00:00+08:00");
    /* across 春节: Mon 1-27 17:00 + 1 h -> 30 min that day, then Wed 2-05 09:00 */
    ASSERT_DEADLINE(cal, &tz, "2025-01-27T17:00:00+08:00", "08:30-17:30", 60,
                    "2025-02-05T09:00:00+08:00");
    /* whole working days across 春节: Mon 1-27 12:00 + 24 h -> 12 h, then 2-05 12:00 */
    ASSERT_DEADLINE(cal, &tz, "2025-01-27T12:00:00+08:00", NULL, 1440, "2025-02-05T12:00:00+08:00");
    /* 5 whole working days from Fri 16:00: Fri 8 h, Mon-Thu, Fri 16 h */
    ASSERT_DEADLINE(cal, &tz, "2025-03-07T16:00:00+08:00", NULL, 5 * 1440,
                    "2025-03-14T16:00:00+08:00");
    /* a 9-hour window: 2 full days of 540 minutes across 国庆 from Tue 9-30 08:30 */
    ASSERT_DEADLINE(cal, &tz, "2025-09-30T08:30:00+08:00", "08:30-17:30", 2 * 540,
                    "2025-10-09T17:30:00+08:00");
    /* ending exactly at a window end: that end, not the next window start */
    ASSERT_DEADLINE(cal, &tz, "2025-03-07T16:30:00+08:00", "08:30-17:30", 60,
                    "2025-03-07T17:30:00+08:00");
    ASSERT_DEADLINE(cal, &tz, "2025-03-07T23:00:00+08:00", NULL, 60, "2025-03-08T00:00:00+08:00");
    /* starting before the window, on a holiday, after the window */
    ASSERT_DEADLINE(cal, &tz, "2025-03-10T07:00:00+08:00", "08:30-17:30", 30,
                    "2025-03-10T09:00:00+08:00");
    ASSERT_DEADLINE(cal, &tz, "2025-10-03T10:00:00+08:00", "08:30-17:30", 60,
                    "2025-10-09T09:30:00+08:00");
    ASSERT_DEADLINE(cal, &tz, "2025-03-07T18:00:00+08:00", "08:30-17:30", 1,
                    "2025-03-10T08:31:00+08:00");
    /* seconds of the start are kept; UTC input around local midnight */
    ASSERT_DEADLINE(cal, &tz, "2025-03-10T10:00:30.5+08:00", "08:30-17:30", 1,
                    "2025-03-10T10:01:30.500+08:00");
    ASSERT_DEADLINE(cal, &tz, "2025-12-31T16:30:00Z", NULL, 60, "2026-01-01T01:30:00+08:00");
    /* zero minutes is the start itself, even outside working time */
    assert_int_equal(work(cal, &tz, "2025-10-03T10:00:00+08:00", NULL, 0),
                     at("2025-10-03T10:00:00+08:00"));

    assert_int_equal(calendar_add_work_minutes(cal, &tz, 0, NULL, -1, &dl, &e), ERR_INVALID);
    assert_int_equal(calendar_add_work_minutes(cal, &tz, 0, NULL, INT64_MAX, &dl, &e), ERR_INVALID);
    h = (struct cal_hours){600, 600};
    assert_int_equal(calendar_add_work_minutes(cal, &tz, 0, &h, 1, &dl, &e), ERR_INVALID);
    h = (struct cal_hours){0, 1441};
    assert_int_equal(calendar_add_work_minutes(cal, &tz, 0, &h, 1, &dl, &e), ERR_INVALID);
    assert_int_equal(dl, 5);
    tz_release(&tz);
}

static void test_hours_parse(void **state)
{
    struct err e = ERR_INIT;
    struct cal_hours h = {1, 2};
    UNUSED(state);
    assert_int_equal(cal_hours_parse("08:30-17:30", &h, &e), 0);
    assert_int_equal(h.start_min, 510);
    assert_int_equal(h.end_min, 1050);
    assert_int_equal(cal_hours_parse("00:00-24:00", &h, &e), 0);
    assert_int_equal(h.start_min, 0);
    assert_int_equal(h.end_min, 1440);
    static const char *const bad[] = {"8:30-17:30",  "17:30-08:30",  "08:30-24:30", "08:60-09:00",
                                      "+8:30-17:30", "08:30-17:30x", "08:30 17:30", "",
                                      "24:00-24:00", "09:00-09:00"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        assert_int_equal(cal_hours_parse(bad[i], &h, &e), ERR_INVALID);
        assert_non_null(strstr(e.msg, "invalid working hours"));
    }
    assert_int_equal(cal_hours_parse(NULL, &h, &e), ERR_INVALID);
    assert_int_equal(h.start_min, 0);
}

/* A calendar with no working day for over a year makes searches fail, not loop. */
static void test_no_workdays(void **state)
{
    struct calendar cal;
    struct err e = ERR_INIT;
    struct date d, out;
    struct tz tz;
    int64_t dl;
    UNUSED(state);
    calendar_init(&cal);
    for (d = D(2030, 1, 1); date_cmp(d, D(2031, 3, 1)) < 0; d = date_add_days(d, 1))
        if (!date_is_weekend(d))
            assert_int_equal(calendar_set(&cal, d, CAL_HOLIDAY, "test", &e), 0);
    assert_int_equal(calendar_next_workday(&cal, D(2029, 12, 31), &out, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "no working day"));
    assert_int_equal(calendar_add_workdays(&cal, D(2029, 12, 28), 2, &out, &e), ERR_INVALID);
    assert_int_equal(calendar_add_workdays(&cal, D(2029, 12, 28), 200000, &out, &e), ERR_INVALID);
    assert_int_equal(tz_load("UTC", &tz, &e), 0);
    assert_int_equal(
        calendar_add_work_minutes(&cal, &tz, at("2029-12-31T12:00:00Z"), NULL, 1441, &dl, &e),
        ERR_INVALID);
    /* 2029-12-31 itself still counts */
    assert_int_equal(
        calendar_add_work_minutes(&cal, &tz, at("2029-12-31T12:00:00Z"), NULL, 60, &dl, &e), 0);
    assert_int_equal(dl, at("2029-12-31T13:00:00Z"));
    assert_int_equal(calendar_workdays_between(&cal, D(2029, 12, 31), D(2031, 3, 2)), 0);
    tz_release(&tz);
    calendar_release(&cal);
    calendar_release(&cal); /* harmless twice */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_2025_days, setup_2025, teardown_cal),
        cmocka_unit_test_setup_teardown(test_2025_national_day, setup_2025, teardown_cal),
        cmocka_unit_test_setup_teardown(test_2025_consistency, setup_2025, teardown_cal),
        cmocka_unit_test_setup_teardown(test_set_conflicts, setup_2025, teardown_cal),
        cmocka_unit_test_setup_teardown(test_work_minutes, setup_2025, teardown_cal),
        cmocka_unit_test(test_7day_holiday_2024),
        cmocka_unit_test(test_hours_parse),
        cmocka_unit_test(test_no_workdays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
