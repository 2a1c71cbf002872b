/*
 * Unit tests for the pure arithmetic of domain/survey.h: CSAT in basis points and CSI in
 * hundredths, each rounded half up once (doc/satisfaction.md), and the draw key of sampling
 * campaigns — splitmix64, whose first output for state 0 is the published 0xe220a8397b1dcdaf.
 */
#include "core/common.h"
#include "domain/survey.h"

#include <setjmp.h>
#include <cmocka.h>

static void test_csat(void **state)
{
    (void)state;
    assert_int_equal(survey_csat_bp(5, 6), 8333);   /* 83.333.. */
    assert_int_equal(survey_csat_bp(2, 3), 6667);   /* 66.666.. up */
    assert_int_equal(survey_csat_bp(6, 6), 10000);
    assert_int_equal(survey_csat_bp(0, 4), 0);
    assert_int_equal(survey_csat_bp(1, 20000), 1);  /* 0.5 bp: half up */
    assert_int_equal(survey_csat_bp(1, 20001), 0);
    assert_int_equal(survey_csat_bp(0, 0), -1);     /* no answers: no figure */
}

static void test_csi(void **state)
{
    (void)state;
    /* all 5s: Σ w (s − 1) = 100 × 4 per answer → 100.00 */
    assert_int_equal(survey_csi_x100(400, 1), 10000);
    assert_int_equal(survey_csi_x100(0, 3), 0);
    assert_int_equal(survey_csi_x100(1350, 5), 6750); /* t0630's June total */
    assert_int_equal(survey_csi_x100(730, 3), 6083);  /* 6083.33 */
    assert_int_equal(survey_csi_x100(1010, 3), 8417); /* 8416.66 up */
    assert_int_equal(survey_csi_x100(1, 2), 13);      /* 12.5: half up */
    assert_int_equal(survey_csi_x100(5, 0), -1);
}

static void test_draw_key(void **state)
{
    (void)state;
    assert_true(survey_draw_key(0, 0) == UINT64_C(0xe220a8397b1dcdaf));
    assert_true(survey_draw_key(42, 1) == UINT64_C(0x28efe333b266f103));
    assert_true(survey_draw_key(-1, 7) == UINT64_C(0x8f1fb04eb547c8ec));
    assert_true(survey_draw_key(42, 1) != survey_draw_key(43, 1));
    assert_true(survey_draw_key(42, 1) != survey_draw_key(42, 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csat),
        cmocka_unit_test(test_csi),
        cmocka_unit_test(test_draw_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
