/*
 * Unit tests for domain/sla.h: the golden SLA examples of cn-tariff-rules.md §7.5 (S1, S2,
 * S3, S5), working-day and working-time deadlines across 国庆节 2025 and its 调休 make-up
 * days on the real calendars in data/calendar/, pauses (closed, open, overlapping, before the
 * start), month and year ends, warnings at 80 %, met and missed stops, and bad rules.
 */
#include "core/common.h"
#include "core/calendar.h"
#include "domain/sla.h"

#include <setjmp.h>
#include <cmocka.h>

struct fixture {
    struct calendar cal;
    struct tz tz;
    struct sla_env env;
};

static int64_t at(const char *iso)
{
    struct err e = ERR_INIT;
    int64_t us = 0;
    if (instant_parse(iso, &us, &e) != 0)
        fail_msg("instant_parse('%s'): %s", iso, e.msg);
    return us;
}

static void assert_at(int64_t got, const char *want)
{
    if (got != at(want)) {
        char b[INSTANT_BUF_SIZE];
        fail_msg("got %s, want %s", instant_format(got, b), want);
    }
}

/* data/calendar/<name> from the repository root or from build/<variant>/tests */
static void load_csv(struct calendar *cal, const char *name)
{
    static const char *const prefixes[] = { "", "../", "../../", "../../../" };
    char path[512], line[512];
    FILE *f = NULL;
    for (size_t i = 0; i < ARRAY_SIZE(prefixes) && !f; i++) {
        snprintf(path, sizeof(path), "%sdata/calendar/%s", prefixes[i], name);
        f = fopen(path, "r");
    }
    if (!f)
        fail_msg("cannot find data/calendar/%s", name);
    for (int lineno = 1; fgets(line, sizeof(line), f); lineno++) {
        const char *fields[3];
        struct err e = ERR_INIT;
        line[strcspn(line, "\r\n")] = '\0';
        if (lineno == 1 || !*line)
            continue;
        char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (!c1 || !c2)
            fail_msg("%s line %d: expected date,kind,name", name, lineno);
        *c1 = *c2 = '\0';
        fields[0] = line;
        fields[1] = c1 + 1;
        fields[2] = c2 + 1;
        if (calendar_load_row(cal, fields, 3, &e))
            fail_msg("%s line %d: %s", name, lineno, e.msg);
    }
    fclose(f);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct err e = ERR_INIT;
    calendar_init(&fx->cal);
    load_csv(&fx->cal, "cn-2024.csv");
    load_csv(&fx->cal, "cn-2025.csv");
    if (tz_load("Asia/Shanghai", &fx->tz, &e))
        fail_msg("tz: %s", e.msg);
    fx->env = (struct sla_env){ &fx->cal, &fx->tz };
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    calendar_release(&fx->cal);
    tz_release(&fx->tz);
    free(fx);
    return 0;
}

static int64_t deadline(struct fixture *fx, enum sla_kind k, int64_t amount, const char *start,
                        const struct sla_pause *p, size_t np)
{
    struct sla_rule r = { k, amount, CAL_HOURS_ALL_DAY, 80 };
    struct err e = ERR_INIT;
    int64_t d = 0;
    if (sla_deadline(&r, &fx->env, at(start), p, np, &d, &e))
        fail_msg("sla_deadline: %s", e.msg);
    return d;
}

/* S1 urban fault 2024-07-01 10:00: arrival by 10:45, restoration 3 h after arrival; S2 rural
 * fault at 23:30: arrival by 01:00 the next day */
static void test_s1_s2_repair(void **state)
{
    struct fixture *fx = *state;
    assert_at(deadline(fx, SLA_NATURAL, 45, "2024-07-01T10:00:00+08:00", NULL, 0),
              "2024-07-01T10:45:00+08:00");
    assert_at(deadline(fx, SLA_NATURAL, 180, "2024-07-01T10:40:00+08:00", NULL, 0),
              "2024-07-01T13:40:00+08:00");
    assert_at(deadline(fx, SLA_NATURAL, 90, "2024-07-01T23:30:00+08:00", NULL, 0),
              "2024-07-02T01:00:00+08:00");
    /* remote 120 minutes across a holiday: natural time ignores the calendar */
    assert_at(deadline(fx, SLA_NATURAL, 120, "2025-10-01T09:00:00+08:00", NULL, 0),
              "2025-10-01T11:00:00+08:00");
}

/* S3 complaint accepted Fri 2024-07-05 16:00: contact by Sat 07-06 16:00 (24 h natural), reply
 * by the end of Fri 07-12 (5 working days, Mon 8 .. Fri 12) */
static void test_s3_complaint(void **state)
{
    struct fixture *fx = *state;
    assert_at(deadline(fx, SLA_NATURAL, 24 * 60, "2024-07-05T16:00:00+08:00", NULL, 0),
              "2024-07-06T16:00:00+08:00");
    assert_at(deadline(fx, SLA_WORK_DAYS, 5, "2024-07-05T16:00:00+08:00", NULL, 0),
              "2024-07-13T00:00:00+08:00");
}

/* S5 arrears paid 2024-03-05 09:00: reconnection by 03-06 09:00 (24 h), 21:00 under CSG 12 h */
static void test_s5_reconnect(void **state)
{
    struct fixture *fx = *state;
    assert_at(deadline(fx, SLA_NATURAL, 24 * 60, "2024-03-05T09:00:00+08:00", NULL, 0),
              "2024-03-06T09:00:00+08:00");
    assert_at(deadline(fx, SLA_NATURAL, 12 * 60, "2024-03-05T09:00:00+08:00", NULL, 0),
              "2024-03-05T21:00:00+08:00");
}

/* 国庆节 2025: holidays 10-01..10-08, make-up working days Sun 09-28 and Sat 10-11 */
static void test_holiday_makeup(void **state)
{
    struct fixture *fx = *state;
    /* Mon 09-29: 1 = 09-30, 2 = 10-09, 3 = 10-10, 4 = Sat 10-11 (调休), 5 = Mon 10-13 */
    assert_at(deadline(fx, SLA_WORK_DAYS, 5, "2025-09-29T10:00:00+08:00", NULL, 0),
              "2025-10-14T00:00:00+08:00");
    /* accepted on the make-up Sunday 09-28: 09-29, 09-30, 10-09, 10-10, 10-11 */
    assert_at(deadline(fx, SLA_WORK_DAYS, 5, "2025-09-28T10:00:00+08:00", NULL, 0),
              "2025-10-12T00:00:00+08:00");
    /* accepted in the holiday: the first working day is 10-09 */
    assert_at(deadline(fx, SLA_WORK_DAYS, 1, "2025-10-03T10:00:00+08:00", NULL, 0),
              "2025-10-10T00:00:00+08:00");
    /* working time 08:30-17:30: 4 h from Tue 09-30 16:00 = 1.5 h + 2.5 h on Thu 10-09 */
    struct sla_rule r = { SLA_WORK_MINUTES, 240, { 510, 1050 }, 80 };
    struct err e = ERR_INIT;
    int64_t d = 0;
    assert_int_equal(sla_deadline(&r, &fx->env, at("2025-09-30T16:00:00+08:00"), NULL, 0, &d, &e),
                     0);
    assert_at(d, "2025-10-09T11:00:00+08:00");
    /* 22 h: 1.5 h + 9 h (Thu) + 9 h (Fri), the last 2.5 h on the make-up Saturday 10-11 */
    r.amount = 60 * 22;
    assert_int_equal(sla_deadline(&r, &fx->env, at("2025-09-30T16:00:00+08:00"), NULL, 0, &d, &e),
                     0);
    assert_at(d, "2025-10-11T11:00:00+08:00");
    /* the same as core/calendar's minute arithmetic, with no pauses */
    int64_t d2 = 0;
    assert_int_equal(calendar_add_work_minutes(&fx->cal, &fx->tz, at("2025-09-30T16:00:00+08:00"),
                                               &r.hours, r.amount, &d2, &e),
                     0);
    assert_int_equal(d, d2);
}

/* month and year ends: working days run on across the month (and a leap February), and across
 * the new year with its one-day 元旦 holiday 2025-01-01 (no make-up day) */
static void test_month_year_end(void **state)
{
    struct fixture *fx = *state;
    /* Tue 2024-07-30: 07-31, 08-01, 08-02, Mon 08-05, Tue 08-06 */
    assert_at(deadline(fx, SLA_WORK_DAYS, 5, "2024-07-30T10:00:00+08:00", NULL, 0),
              "2024-08-07T00:00:00+08:00");
    /* Wed 2024-02-28 (a leap year): Thu 02-29, Fri 03-01 */
    assert_at(deadline(fx, SLA_WORK_DAYS, 2, "2024-02-28T10:00:00+08:00", NULL, 0),
              "2024-03-02T00:00:00+08:00");
    /* Mon 2024-12-30: Tue 12-31, (元旦 01-01), Thu 01-02, Fri 01-03 */
    assert_at(deadline(fx, SLA_WORK_DAYS, 3, "2024-12-30T10:00:00+08:00", NULL, 0),
              "2025-01-04T00:00:00+08:00");
    /* 22 working days (the design-review limit) from Mon 2024-12-16: 12-17..12-31 are 11,
     * 01-02..01-16 another 11 */
    assert_at(deadline(fx, SLA_WORK_DAYS, 22, "2024-12-16T10:00:00+08:00", NULL, 0),
              "2025-01-17T00:00:00+08:00");
    /* accepted on the holiday itself: the first working day is 01-02 */
    assert_at(deadline(fx, SLA_WORK_DAYS, 1, "2025-01-01T10:00:00+08:00", NULL, 0),
              "2025-01-03T00:00:00+08:00");
    /* natural time crosses midnight of the new year as any other */
    assert_at(deadline(fx, SLA_NATURAL, 45, "2024-12-31T23:30:00+08:00", NULL, 0),
              "2025-01-01T00:15:00+08:00");
    /* working time 08:30-17:30: 4 h from Tue 2024-12-31 16:00 = 1.5 h + 2.5 h on Thu 01-02 */
    struct sla_rule r = { SLA_WORK_MINUTES, 240, { 510, 1050 }, 80 };
    struct err e = ERR_INIT;
    int64_t d = 0;
    assert_int_equal(sla_deadline(&r, &fx->env, at("2024-12-31T16:00:00+08:00"), NULL, 0, &d, &e),
                     0);
    assert_at(d, "2025-01-02T11:00:00+08:00");
    /* paused across the year end from Tue 12-31 12:00 to Thu 01-02 12:00: one working day
     * more (12-31 12:00-24:00 and 01-02 00:00-12:00), so 2 days from Mon 12-30 end on Fri 01-03 */
    struct sla_pause p[] = { { at("2024-12-31T12:00:00+08:00"), at("2025-01-02T12:00:00+08:00") } };
    assert_at(deadline(fx, SLA_WORK_DAYS, 2, "2024-12-30T10:00:00+08:00", p, 1),
              "2025-01-04T00:00:00+08:00");
}

static void test_pauses(void **state)
{
    struct fixture *fx = *state;
    /* S1 with the crew waiting 10:10-10:40 for the customer: arrival due 11:15 */
    struct sla_pause p1[] = { { at("2024-07-01T10:10:00+08:00"), at("2024-07-01T10:40:00+08:00") } };
    assert_at(deadline(fx, SLA_NATURAL, 45, "2024-07-01T10:00:00+08:00", p1, 1),
              "2024-07-01T11:15:00+08:00");
    /* a pause after the deadline changes nothing */
    struct sla_pause late[] = { { at("2024-07-01T11:00:00+08:00"), SLA_OPEN } };
    assert_at(deadline(fx, SLA_NATURAL, 45, "2024-07-01T10:00:00+08:00", late, 1),
              "2024-07-01T10:45:00+08:00");
    /* an open pause before the deadline: unknown */
    struct sla_pause open[] = { { at("2024-07-01T10:30:00+08:00"), SLA_OPEN } };
    assert_int_equal(deadline(fx, SLA_NATURAL, 45, "2024-07-01T10:00:00+08:00", open, 1), SLA_OPEN);
    /* overlapping, unsorted and partly before the start: 09:00-10:20 and 10:10-10:30 = 30 min */
    struct sla_pause ov[] = { { at("2024-07-01T10:10:00+08:00"), at("2024-07-01T10:30:00+08:00") },
                              { at("2024-07-01T09:00:00+08:00"), at("2024-07-01T10:20:00+08:00") } };
    assert_at(deadline(fx, SLA_NATURAL, 45, "2024-07-01T10:00:00+08:00", ov, 2),
              "2024-07-01T11:15:00+08:00");
    /* S3 reply waiting for the customer from Tue 07-09 12:00 to Wed 07-10 12:00: one working
     * day more, end of Mon 07-15 */
    struct sla_pause p3[] = { { at("2024-07-09T12:00:00+08:00"), at("2024-07-10T12:00:00+08:00") } };
    assert_at(deadline(fx, SLA_WORK_DAYS, 5, "2024-07-05T16:00:00+08:00", p3, 1),
              "2024-07-16T00:00:00+08:00");
    /* paused over a weekend only: working days do not move */
    struct sla_pause wk[] = { { at("2024-07-06T09:00:00+08:00"), at("2024-07-08T00:00:00+08:00") } };
    assert_at(deadline(fx, SLA_WORK_DAYS, 5, "2024-07-05T16:00:00+08:00", wk, 1),
              "2024-07-13T00:00:00+08:00");
    /* a working-day clock paused across 国庆节 2025: from Tue 09-30 12:00 to Thu 10-09 12:00
     * costs 1 working day (09-30 12:00-24:00 and 10-09 00:00-12:00) */
    struct sla_pause ho[] = { { at("2025-09-30T12:00:00+08:00"), at("2025-10-09T12:00:00+08:00") } };
    assert_at(deadline(fx, SLA_WORK_DAYS, 5, "2025-09-29T10:00:00+08:00", ho, 1),
              "2025-10-15T00:00:00+08:00");
}

static void test_eval_states(void **state)
{
    struct fixture *fx = *state;
    struct sla_rule r = { SLA_NATURAL, 45, CAL_HOURS_ALL_DAY, 80 };
    struct sla_status s;
    struct err e = ERR_INIT;
    int64_t start = at("2024-07-01T10:00:00+08:00");
    assert_int_equal(sla_eval(&r, &fx->env, start, NULL, 0, 0, at("2024-07-01T10:35:00+08:00"), &s,
                              &e),
                     0);
    assert_int_equal(s.state, SLA_OK);
    assert_at(s.warn_us, "2024-07-01T10:36:00+08:00");
    assert_int_equal(s.elapsed_us, 35 * US_PER_MIN);
    assert_int_equal(s.budget_us, 45 * US_PER_MIN);
    sla_eval(&r, &fx->env, start, NULL, 0, 0, at("2024-07-01T10:36:00+08:00"), &s, &e);
    assert_int_equal(s.state, SLA_WARNING);
    sla_eval(&r, &fx->env, start, NULL, 0, 0, at("2024-07-01T10:45:00+08:00"), &s, &e);
    assert_int_equal(s.state, SLA_WARNING);
    sla_eval(&r, &fx->env, start, NULL, 0, 0, at("2024-07-01T10:45:01+08:00"), &s, &e);
    assert_int_equal(s.state, SLA_BREACHED);
    /* stopped exactly at the deadline: met; a second later: missed */
    sla_eval(&r, &fx->env, start, NULL, 0, at("2024-07-01T10:45:00+08:00"),
             at("2024-07-02T00:00:00+08:00"), &s, &e);
    assert_int_equal(s.state, SLA_MET);
    sla_eval(&r, &fx->env, start, NULL, 0, at("2024-07-01T10:45:01+08:00"),
             at("2024-07-02T00:00:00+08:00"), &s, &e);
    assert_int_equal(s.state, SLA_MISSED);
    /* paused from 10:30, evaluated at noon: paused, 30 minutes used */
    struct sla_pause open[] = { { at("2024-07-01T10:30:00+08:00"), SLA_OPEN } };
    sla_eval(&r, &fx->env, start, open, 1, 0, at("2024-07-01T12:00:00+08:00"), &s, &e);
    assert_int_equal(s.state, SLA_PAUSED);
    assert_int_equal(s.elapsed_us, 30 * US_PER_MIN);
    assert_int_equal(s.deadline_us, SLA_OPEN);
    /* stopped while paused (the customer answered and the crew arrived at once): met */
    sla_eval(&r, &fx->env, start, open, 1, at("2024-07-01T12:00:00+08:00"),
             at("2024-07-01T12:00:00+08:00"), &s, &e);
    assert_int_equal(s.state, SLA_MET);
    assert_at(s.deadline_us, "2024-07-01T12:15:00+08:00");
    /* S3 reply at 80 %: 128 h of working time (Fri 8 h + 5 x 24 h); warning after 102.4 h */
    r = (struct sla_rule){ SLA_WORK_DAYS, 5, CAL_HOURS_ALL_DAY, 80 };
    sla_eval(&r, &fx->env, at("2024-07-05T16:00:00+08:00"), NULL, 0, 0,
             at("2024-07-08T00:00:00+08:00"), &s, &e);
    assert_int_equal(s.budget_us, 128 * US_PER_HOUR);
    assert_int_equal(s.elapsed_us, 8 * US_PER_HOUR);
    assert_at(s.warn_us, "2024-07-11T22:24:00+08:00");
}

static void test_bad_rules(void **state)
{
    struct fixture *fx = *state;
    struct err e = ERR_INIT;
    int64_t d;
    struct sla_rule r = { SLA_NATURAL, -1, CAL_HOURS_ALL_DAY, 80 };
    assert_int_equal(sla_deadline(&r, &fx->env, 0, NULL, 0, &d, &e), ERR_INVALID);
    r = (struct sla_rule){ SLA_NATURAL, 10, CAL_HOURS_ALL_DAY, 0 };
    assert_int_equal(sla_deadline(&r, &fx->env, 0, NULL, 0, &d, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "warning share"));
    r = (struct sla_rule){ SLA_WORK_MINUTES, 10, { 600, 600 }, 80 };
    assert_int_equal(sla_deadline(&r, &fx->env, 0, NULL, 0, &d, &e), ERR_INVALID);
    r = (struct sla_rule){ SLA_WORK_DAYS, 100000, CAL_HOURS_ALL_DAY, 80 };
    assert_int_equal(sla_deadline(&r, &fx->env, 0, NULL, 0, &d, &e), ERR_INVALID);
    enum sla_kind k;
    assert_int_equal(sla_kind_parse("work_days", &k, &e), 0);
    assert_int_equal(k, SLA_WORK_DAYS);
    assert_int_equal(sla_kind_parse("weekly", &k, &e), ERR_INVALID);
    assert_string_equal(sla_state_name(SLA_BREACHED), "breached");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_s1_s2_repair),  cmocka_unit_test(test_s3_complaint),
        cmocka_unit_test(test_s5_reconnect),  cmocka_unit_test(test_holiday_makeup),
        cmocka_unit_test(test_pauses),        cmocka_unit_test(test_eval_states),
        cmocka_unit_test(test_bad_rules),     cmocka_unit_test(test_month_year_end),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
