/*
 * Unit tests for the pure parts of domain/collect.h: aging buckets and their bounds, the
 * collection rate in basis points, message templates (checking and rendering), and the prepaid
 * daily estimate, days left and warning thresholds, and the credit score and grades.
 */
#include "core/common.h"
#include "domain/collect.h"

#include <setjmp.h>
#include <cmocka.h>

static void test_buckets(void **state)
{
    (void)state;
    assert_int_equal(collect_bucket(0), 0);
    assert_int_equal(collect_bucket(1), 0);
    assert_int_equal(collect_bucket(30), 0);
    assert_int_equal(collect_bucket(31), 1);
    assert_int_equal(collect_bucket(60), 1);
    assert_int_equal(collect_bucket(61), 2);
    assert_int_equal(collect_bucket(90), 2);
    assert_int_equal(collect_bucket(91), 3);
    assert_int_equal(collect_bucket(10000), 3);
    assert_string_equal(collect_bucket_names[3], ">90");

    /* the SQL puts a bill in bucket i when due_on >= bounds[i]: the same as collect_bucket */
    struct date asof = { 2025, 1, 31 }, b[COLLECT_BUCKETS - 1];
    collect_bucket_bounds(asof, b);
    char s[DATE_BUF_SIZE];
    assert_string_equal(date_format(b[0], s), "2025-01-01");
    assert_string_equal(date_format(b[1], s), "2024-12-02");
    assert_string_equal(date_format(b[2], s), "2024-11-02");
    for (int days = 1; days < 200; days++) {
        struct date due = date_add_days(asof, -days);
        int k = 0;
        while (k < COLLECT_BUCKETS - 1 && date_cmp(due, b[k]) < 0)
            k++;
        assert_int_equal(k, collect_bucket(days));
    }
}

static void test_rate(void **state)
{
    (void)state;
    assert_int_equal(collect_rate_bp(55900, 166000), 3367);  /* 33.674… % */
    assert_int_equal(collect_rate_bp(55000, 166000), 3313);  /* 33.132… % */
    assert_int_equal(collect_rate_bp(5900, 6000), 9833);
    assert_int_equal(collect_rate_bp(1, 20000), 1);          /* 0.5 bp rounds up */
    assert_int_equal(collect_rate_bp(1, 20001), 0);
    assert_int_equal(collect_rate_bp(100, 100), 10000);
    assert_int_equal(collect_rate_bp(0, 100), 0);
    assert_int_equal(collect_rate_bp(100, 0), 0);            /* nothing billed */
    /* no overflow near the int64 limit */
    assert_int_equal(collect_rate_bp(INT64_MAX / 2, INT64_MAX), 5000);
}

static void test_templates(void **state)
{
    (void)state;
    struct err err;
    assert_int_equal(collect_template_check("户号{account}欠{amount}元，逾期{days}天", &err), 0);
    assert_int_equal(collect_template_check("no placeholders", &err), 0);
    assert_int_equal(collect_template_check("{phone}", &err), ERR_INVALID);
    assert_non_null(strstr(err.msg, "unknown placeholder '{phone}'"));
    assert_int_equal(collect_template_check("{account", &err), ERR_INVALID);
    assert_int_equal(collect_template_check("{acc{account}", &err), ERR_INVALID);
    assert_int_equal(collect_template_check("account}", &err), ERR_INVALID);
    assert_int_equal(collect_template_check("", &err), ERR_INVALID);
    assert_int_equal(collect_template_check("\xe4\xb8", &err), ERR_INVALID); /* cut UTF-8 */
    assert_int_equal(collect_template_check("\xc0\xaf", &err), ERR_INVALID); /* overlong */
    assert_int_equal(collect_template_check("\xed\xa0\x80", &err), ERR_INVALID); /* surrogate */
    char big[2100];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    assert_int_equal(collect_template_check(big, &err), ERR_INVALID);

    struct msg_vars v = { .account = "410000000101", .amount = "100.00", .days = "3" };
    struct strbuf out = STRBUF_INIT;
    collect_render("户号{account}欠{amount}元，逾期{days}天{bill}。", &v, &out);
    assert_string_equal(out.buf, "户号410000000101欠100.00元，逾期3天。");
    strbuf_reset(&out);
    collect_render("{date}{disconnect_on}", &v, &out);
    assert_string_equal(out.buf, "");
    strbuf_release(&out);
}

static void test_prepaid(void **state)
{
    (void)state;
    int64_t fen[3] = { 10000, 10000, 0 };
    int days[3] = { 31, 30, 31 };
    assert_int_equal(collect_daily_estimate(fen, days, 2), 328);   /* 200.00 / 61 = 3.2787 */
    fen[0] = fen[1] = 4500;
    assert_int_equal(collect_daily_estimate(fen, days, 2), 148);   /* 147.54… */
    assert_int_equal(collect_daily_estimate(fen, days, 0), 0);
    fen[0] = 0, fen[1] = 0;
    assert_int_equal(collect_daily_estimate(fen, days, 2), 0);     /* nothing used */
    days[0] = 0;
    assert_int_equal(collect_daily_estimate(fen, days, 1), 0);
    fen[0] = INT64_MAX, days[0] = 31;
    assert_int_equal(collect_daily_estimate(fen, days, 1), 0);     /* no overflow */

    assert_int_equal(collect_days_left(10000, 328), 30);
    assert_int_equal(collect_days_left(1000, 148), 6);
    assert_int_equal(collect_days_left(-7000, 197), 0);
    assert_int_equal(collect_days_left(100, 0), -1);

    int64_t th[3] = { 3, 7, 30 };
    assert_int_equal(collect_threshold_reached(th, 3, 1), 0);      /* the most urgent: 3 */
    assert_int_equal(collect_threshold_reached(th, 3, 3), 0);
    assert_int_equal(collect_threshold_reached(th, 3, 6), 1);
    assert_int_equal(collect_threshold_reached(th, 3, 30), 2);
    assert_int_equal(collect_threshold_reached(th, 3, 31), -1);
    assert_int_equal(collect_threshold_reached(th, 3, -1), -1);    /* no estimate */
    assert_int_equal(collect_threshold_reached(th, 0, 1), -1);
}

static int64_t score(int64_t bills, int64_t on_time, int64_t late_days, int64_t late_bills,
                     int64_t arrears, int64_t avg, int64_t rev, int64_t disc, struct credit_score *o)
{
    struct credit_inputs in = { bills, on_time, late_days, late_bills, arrears, avg, rev, disc };
    collect_credit_score(&in, o);
    return o->score;
}

static void test_credit_score(void **state)
{
    (void)state;
    struct credit_score o;
    /* doc/credit-rating.md, the worked examples */
    assert_int_equal(score(12, 12, 0, 0, 0, 10000, 0, 0, &o), 100);
    assert_int_equal(o.nreasons, 0);
    /* 10 of 12 on time (−7), 2 late by 10 and 20 days (avg 15: −5) */
    assert_int_equal(score(12, 10, 30, 2, 0, 10000, 0, 0, &o), 88);
    assert_string_equal(o.reasons[0], "按期缴费 10/12 笔：-7");
    assert_string_equal(o.reasons[1], "平均逾期 15 天：-5");
    /* half late, owing 1.5 average bills (−15), a bounced payment (−10) */
    assert_int_equal(score(12, 6, 180, 6, 15000, 10000, 1, 0, &o), 100 - 20 - 10 - 15 - 10);
    assert_string_equal(o.reasons[2], "期末欠费 150.00 元：-15");
    assert_string_equal(o.reasons[3], "冲正（退票） 1 次：-10");
    /* every deduction at its cap: 40 + 20 + 20 + 20 + 30 > 100 → 0 */
    assert_int_equal(score(3, 0, 900, 3, 99999999, 100, 5, 4, &o), 0);
    assert_int_equal(o.nreasons, 5);
    assert_string_equal(o.reasons[4], "欠费停电 4 次：-30");
    /* arrears without bills in the window (an old debt): the full 20 */
    assert_int_equal(score(0, 0, 0, 0, 5000, 0, 0, 0, &o), 80);
    assert_int_equal(o.nreasons, 1);
    /* nothing at all: a new account starts at B, 80 */
    assert_int_equal(score(0, 0, 0, 0, 0, 0, 0, 0, &o), 80);
    assert_string_equal(o.reasons[0], "无到期账单，新户起评：-20");
    /* no bills but a reversal: 90 → capped at 80 */
    assert_int_equal(score(0, 0, 0, 0, 0, 0, 1, 0, &o), 80);
    assert_int_equal(o.nreasons, 2);

    struct credit_grade_def g[4] = {
        { "A", 90, false, "" }, { "B", 75, false, "" }, { "C", 60, false, "" }, { "D", 0, true, "" },
    };
    assert_string_equal(collect_grade_of(g, 4, 100), "A");
    assert_string_equal(collect_grade_of(g, 4, 90), "A");
    assert_string_equal(collect_grade_of(g, 4, 89), "B");
    assert_string_equal(collect_grade_of(g, 4, 75), "B");
    assert_string_equal(collect_grade_of(g, 4, 74), "C");
    assert_string_equal(collect_grade_of(g, 4, 59), "D");
    assert_string_equal(collect_grade_of(g, 4, 0), "D");
    assert_string_equal(collect_grade_of(g, 3, 10), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buckets),
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_prepaid),
        cmocka_unit_test(test_credit_score),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
