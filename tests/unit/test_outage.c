/*
 * Unit tests for the pure rules of domain/outage.h and domain/complaint.h: the outage notice
 * lead times of rules cn-tariff-rules.md §7.3 (S4: a planned outage on 2024-10-08 is announced
 * by 2024-10-01, calendar days across 国庆节; temporary outages 24 hours ahead to important
 * customers, flagged not refused; fault outages without lead time) and the complaint rate per
 * 10,000 customers, rounded half up.
 */
#include "core/common.h"
#include "domain/complaint.h"
#include "domain/outage.h"

#include <setjmp.h>
#include <cmocka.h>

static int64_t at(const char *iso)
{
    struct err e = ERR_INIT;
    int64_t us = 0;
    if (instant_parse(iso, &us, &e) != 0)
        fail_msg("instant_parse('%s'): %s", iso, e.msg);
    return us;
}

/* the business zone, loaded by setup() */
static const struct tz *zone(void **state)
{
    return *state;
}

#define check(kind, notice, from, important, late, e)                                            \
    outage_notice_check(kind, zone(state), at(notice), at(from), important, late, e)

static void test_s4_planned(void **state)
{
    struct err e = ERR_INIT;
    bool late = true;
    /* S4: 2024-10-08 after National Day: announced on 2024-10-01 (any hour) is in time */
    assert_int_equal(check("planned", "2024-10-01T23:30:00+08:00", "2024-10-08T08:00:00+08:00",
                           false, &late, &e), 0);
    assert_false(late);
    assert_int_equal(check("planned", "2024-10-02T00:10:00+08:00", "2024-10-08T23:00:00+08:00",
                           true, &late, &e), ERR_CONFLICT);
    assert_non_null(strstr(e.msg, "a planned outage on 2024-10-08 must be announced 7 days "
                                  "ahead, by 2024-10-01"));
    assert_non_null(strstr(e.msg, "move it to 2024-10-09 or later"));
    /* the business zone decides the dates: 2024-09-30T17:00Z is 10-01 01:00 in Shanghai */
    assert_int_equal(check("planned", "2024-09-30T17:00:00Z", "2024-10-08T00:00:00+08:00", false,
                           &late, &e), 0);
    assert_int_equal(check("planned", "2024-10-01T16:00:00Z", "2024-10-08T12:00:00+08:00", false,
                           &late, &e), ERR_CONFLICT);
}

static void test_temporary_and_fault(void **state)
{
    struct err e = ERR_INIT;
    bool late = false;
    assert_int_equal(check("temporary", "2024-07-01T08:00:00+08:00", "2024-07-02T08:00:00+08:00",
                           true, &late, &e), 0);
    assert_false(late); /* exactly 24 hours */
    assert_int_equal(check("temporary", "2024-07-01T08:01:00+08:00", "2024-07-02T08:00:00+08:00",
                           true, &late, &e), 0);
    assert_true(late);
    assert_int_equal(check("temporary", "2024-07-01T08:01:00+08:00", "2024-07-02T08:00:00+08:00",
                           false, &late, &e), 0);
    assert_false(late); /* no important customer: 或公告, no lead time */
    assert_int_equal(check("fault", "2024-07-01T08:00:00+08:00", "2024-07-01T07:00:00+08:00",
                           true, &late, &e), 0);
    assert_false(late);
    assert_int_equal(check("storm", "2024-07-01T08:00:00+08:00", "2024-07-01T07:00:00+08:00",
                           true, &late, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "unknown outage kind 'storm'"));
    assert_string_equal(outage_kind_zh("temporary"), "临时停电");
    assert_string_equal(outage_kind_zh("x"), "x");
}

static void test_complaint_rate(void **state)
{
    (void)state;
    assert_int_equal(complaint_rate_x100(2, 3), 666667);   /* 6666.67 */
    assert_int_equal(complaint_rate_x100(1, 3), 333333);   /* 3333.33 */
    assert_int_equal(complaint_rate_x100(6, 5), 1200000);  /* 12000.00 */
    assert_int_equal(complaint_rate_x100(1, 200000), 5);   /* 0.05 */
    assert_int_equal(complaint_rate_x100(1, 400000), 3);   /* 0.025 → 0.03, half up */
    assert_int_equal(complaint_rate_x100(0, 10), 0);
    assert_int_equal(complaint_rate_x100(3, 0), -1);
}

static int setup(void **state)
{
    struct err e = ERR_INIT;
    struct tz *tz = calloc(1, sizeof(*tz));
    if (tz_load("Asia/Shanghai", tz, &e))
        fail_msg("tz: %s", e.msg);
    *state = tz;
    return 0;
}

static int teardown(void **state)
{
    tz_release(*state);
    free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_s4_planned),
        cmocka_unit_test(test_temporary_and_fault),
        cmocka_unit_test(test_complaint_rate),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
