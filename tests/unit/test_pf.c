/*
 * Unit tests for domain/pf.h: every row of the 1983 table (rules §4.5, transcribed below as
 * data, independent of pf.c's rule), the rows below 0.50, the Q/P boundaries of §4.6, the
 * PF5 boundary and the int64 extremes of the exact rounding.
 */
#include "core/common.h"
#include "domain/pf.h"

#include <setjmp.h>
#include <cmocka.h>

/* rules §4.5: PF x100, then std 0.90 / 0.85 / 0.80 in 0.01 % (−0.75 % = −75) */
static const int table[][4] = {
    { 100, -75, -110, -130 }, /* 1.00 | -0.75 | -1.1 | -1.3 */
    { 99, -75, -110, -130 },  /* 0.99 | -0.75 | -1.1 | -1.3 */
    { 98, -75, -110, -130 },  /* 0.98 | -0.75 | -1.1 | -1.3 */
    { 97, -75, -110, -130 },  /* 0.97 | -0.75 | -1.1 | -1.3 */
    { 96, -75, -110, -130 },  /* 0.96 | -0.75 | -1.1 | -1.3 */
    { 95, -75, -110, -130 },  /* 0.95 | -0.75 | -1.1 | -1.3 */
    { 94, -60, -110, -130 },  /* 0.94 | -0.6 | -1.1 | -1.3 */
    { 93, -45, -95, -130 },   /* 0.93 | -0.45 | -0.95 | -1.3 */
    { 92, -30, -80, -130 },   /* 0.92 | -0.3 | -0.8 | -1.3 */
    { 91, -15, -65, -115 },   /* 0.91 | -0.15 | -0.65 | -1.15 */
    { 90, 0, -50, -100 },     /* 0.90 | 0 | -0.5 | -1 */
    { 89, 50, -40, -90 },     /* 0.89 | +0.5 | -0.4 | -0.9 */
    { 88, 100, -30, -80 },    /* 0.88 | +1 | -0.3 | -0.8 */
    { 87, 150, -20, -70 },    /* 0.87 | +1.5 | -0.2 | -0.7 */
    { 86, 200, -10, -60 },    /* 0.86 | +2 | -0.1 | -0.6 */
    { 85, 250, 0, -50 },      /* 0.85 | +2.5 | 0 | -0.5 */
    { 84, 300, 50, -40 },     /* 0.84 | +3 | +0.5 | -0.4 */
    { 83, 350, 100, -30 },    /* 0.83 | +3.5 | +1 | -0.3 */
    { 82, 400, 150, -20 },    /* 0.82 | +4 | +1.5 | -0.2 */
    { 81, 450, 200, -10 },    /* 0.81 | +4.5 | +2 | -0.1 */
    { 80, 500, 250, 0 },      /* 0.80 | +5 | +2.5 | 0 */
    { 79, 550, 300, 50 },     /* 0.79 | +5.5 | +3 | +0.5 */
    { 78, 600, 350, 100 },    /* 0.78 | +6 | +3.5 | +1 */
    { 77, 650, 400, 150 },    /* 0.77 | +6.5 | +4 | +1.5 */
    { 76, 700, 450, 200 },    /* 0.76 | +7 | +4.5 | +2 */
    { 75, 750, 500, 250 },    /* 0.75 | +7.5 | +5 | +2.5 */
    { 74, 800, 550, 300 },    /* 0.74 | +8 | +5.5 | +3 */
    { 73, 850, 600, 350 },    /* 0.73 | +8.5 | +6 | +3.5 */
    { 72, 900, 650, 400 },    /* 0.72 | +9 | +6.5 | +4 */
    { 71, 950, 700, 450 },    /* 0.71 | +9.5 | +7 | +4.5 */
    { 70, 1000, 750, 500 },   /* 0.70 | +10 | +7.5 | +5 */
    { 69, 1100, 800, 550 },   /* 0.69 | +11 | +8 | +5.5 */
    { 68, 1200, 850, 600 },   /* 0.68 | +12 | +8.5 | +6 */
    { 67, 1300, 900, 650 },   /* 0.67 | +13 | +9 | +6.5 */
    { 66, 1400, 950, 700 },   /* 0.66 | +14 | +9.5 | +7 */
    { 65, 1500, 1000, 750 },  /* 0.65 | +15 | +10 | +7.5 */
    { 64, 1700, 1100, 800 },  /* 0.64 | +17 | +11 | +8 */
    { 63, 1900, 1200, 850 },  /* 0.63 | +19 | +12 | +8.5 */
    { 62, 2100, 1300, 900 },  /* 0.62 | +21 | +13 | +9 */
    { 61, 2300, 1400, 950 },  /* 0.61 | +23 | +14 | +9.5 */
    { 60, 2500, 1500, 1000 }, /* 0.60 | +25 | +15 | +10 */
    { 59, 2700, 1700, 1100 }, /* 0.59 | +27 | +17 | +11 */
    { 58, 2900, 1900, 1200 }, /* 0.58 | +29 | +19 | +12 */
    { 57, 3100, 2100, 1300 }, /* 0.57 | +31 | +21 | +13 */
    { 56, 3300, 2300, 1400 }, /* 0.56 | +33 | +23 | +14 */
    { 55, 3500, 2500, 1500 }, /* 0.55 | +35 | +25 | +15 */
    { 54, 3700, 2700, 1700 }, /* 0.54 | +37 | +27 | +17 */
    { 53, 3900, 2900, 1900 }, /* 0.53 | +39 | +29 | +19 */
    { 52, 4100, 3100, 2100 }, /* 0.52 | +41 | +31 | +21 */
    { 51, 4300, 3300, 2300 }, /* 0.51 | +43 | +33 | +23 */
    { 50, 4500, 3500, 2500 }, /* 0.50 | +45 | +35 | +25 */
};

/* rules §4.6: PF x100, Q/P lower (exclusive) and upper (inclusive) x 1e4 */
static const int tanphi[][3] = {
    { 100, 0, 1004 },     { 99, 1004, 1752 },   { 98, 1752, 2279 },   { 97, 2279, 2718 },
    { 96, 2718, 3106 },   { 95, 3106, 3461 },   { 94, 3461, 3793 },   { 93, 3793, 4108 },
    { 92, 4108, 4409 },   { 91, 4409, 4701 },   { 90, 4701, 4984 },   { 89, 4984, 5261 },
    { 88, 5261, 5533 },   { 87, 5533, 5801 },   { 86, 5801, 6066 },   { 85, 6066, 6329 },
    { 84, 6329, 6590 },   { 83, 6590, 6850 },   { 82, 6850, 7110 },   { 81, 7110, 7370 },
    { 80, 7370, 7630 },   { 79, 7630, 7892 },   { 78, 7892, 8154 },   { 77, 8154, 8419 },
    { 76, 8419, 8685 },   { 75, 8685, 8954 },   { 74, 8954, 9225 },   { 73, 9225, 9500 },
    { 72, 9500, 9778 },   { 71, 9778, 10060 },  { 70, 10060, 10345 }, { 69, 10345, 10636 },
    { 68, 10636, 10931 }, { 67, 10931, 11231 }, { 66, 11231, 11536 }, { 65, 11536, 11848 },
    { 64, 11848, 12166 }, { 63, 12166, 12490 }, { 62, 12490, 12822 }, { 61, 12822, 13161 },
    { 60, 13161, 13508 }, { 59, 13508, 13864 }, { 58, 13864, 14229 }, { 57, 14229, 14603 },
    { 56, 14603, 14988 }, { 55, 14988, 15384 }, { 54, 15384, 15792 }, { 53, 15792, 16211 },
    { 52, 16211, 16644 }, { 51, 16644, 17091 }, { 50, 17091, 17553 },
};

static int adj(int std, int pf)
{
    struct err e = ERR_INIT;
    int v = 12345;
    if (pf_adjust_e2(std, pf, &v, &e))
        fail_msg("pf_adjust_e2(%d, %d): %s", std, pf, e.msg);
    return v;
}

static void test_table_every_row(void **state)
{
    (void)state;
    assert_int_equal(ARRAY_SIZE(table), 51);
    for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
        int pf = table[i][0];
        if (adj(90, pf) != table[i][1] || adj(85, pf) != table[i][2] || adj(80, pf) != table[i][3])
            fail_msg("pf 0.%02d: got %d/%d/%d, table %d/%d/%d", pf, adj(90, pf), adj(85, pf),
                     adj(80, pf), table[i][1], table[i][2], table[i][3]);
    }
}

/* below 0.50 the table continues at +2 % per 0.01 (§4.5) */
static void test_below_050(void **state)
{
    (void)state;
    assert_int_equal(adj(90, 49), 4700);
    assert_int_equal(adj(85, 49), 3700);
    assert_int_equal(adj(80, 49), 2700);
    assert_int_equal(adj(90, 40), 4500 + 10 * 200);
    assert_int_equal(adj(80, 10), 2500 + 40 * 200);
    assert_int_equal(adj(90, 0), 4500 + 50 * 200);
}

/* PF1 and PF4 */
static void test_worked_examples(void **state)
{
    (void)state;
    assert_int_equal(adj(90, 82), 400);
    assert_int_equal(adj(85, 82), 150);
    assert_int_equal(adj(80, 82), -20);
    assert_int_equal(adj(90, 60), 2500);
    assert_int_equal(adj(90, 64), 1700); /* "0.64 -> +17 % under standard 0.90" */
}

static void test_bad_standard(void **state)
{
    (void)state;
    struct err e = ERR_INIT;
    int v = 7;
    assert_int_equal(pf_adjust_e2(95, 90, &v, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "0.95"));
    assert_int_equal(pf_adjust_e2(90, 101, &v, &e), ERR_INVALID);
    assert_int_equal(pf_adjust_e2(90, -1, &v, &e), ERR_INVALID);
    assert_int_equal(v, 7);
    assert_true(pf_standard_valid(90) && pf_standard_valid(85) && pf_standard_valid(80));
    assert_false(pf_standard_valid(0) || pf_standard_valid(100));
}

static void test_boundary_pf5(void **state)
{
    (void)state;
    assert_int_equal(pf_round(100000, 49839), 90);
    assert_int_equal(pf_round(100000, 49840), 89);
    assert_int_equal(pf_round(100000, 69000), 82); /* PF2 */
    assert_int_equal(pf_round(100000, 30000), 96); /* PF3 */
    /* scaled to Wh, the same boundary */
    assert_int_equal(pf_round(100000000, 49839000), 90);
    assert_int_equal(pf_round(100000000, 49840000), 89);
}

/* §4.6: Q/P in the middle of each row's interval rounds to that row; at the edges of the
 * (4-decimal) bounds one step inside each end still does */
static void test_tanphi_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(tanphi); i++) {
        int k = tanphi[i][0];
        int64_t p = 10000000; /* Q/P x 1e4 -> Q = x × 1000 */
        int64_t mid = (int64_t)(tanphi[i][1] + tanphi[i][2]) * 500;
        if (pf_round(p, mid) != k)
            fail_msg("Q/P %d.%04d: pf %d, want %d", (int)(mid / 10000000),
                     (int)(mid / 1000 % 10000), pf_round(p, mid), k);
        int64_t lo = (int64_t)tanphi[i][1] * 1000 + 1000, hi = (int64_t)tanphi[i][2] * 1000 - 1000;
        if (lo <= hi && (pf_round(p, lo) != k || pf_round(p, hi) != k))
            fail_msg("row %d: edges give %d/%d", k, pf_round(p, lo), pf_round(p, hi));
    }
}

static void test_extremes(void **state)
{
    (void)state;
    assert_int_equal(pf_round(0, 0), 100);
    assert_int_equal(pf_round(0, 5), 0);
    assert_int_equal(pf_round(5, 0), 100);
    assert_int_equal(pf_round(INT64_MAX, 0), 100);
    assert_int_equal(pf_round(INT64_MAX, INT64_MAX), 71); /* cos 45° = 0.7071 */
    assert_int_equal(pf_round(INT64_MIN, INT64_MIN), 71);
    assert_int_equal(pf_round(1, INT64_MAX), 0);
    assert_int_equal(pf_round(INT64_MAX, 1), 100);
    /* the PF5 ratio at the top of the range: Q/P = 0.49839 vs 0.49840 */
    int64_t p = INT64_C(1000000000000000000); /* 1e18 */
    assert_int_equal(pf_round(p, INT64_C(498390000000000000)), 90);
    assert_int_equal(pf_round(p, INT64_C(498400000000000000)), 89);
    assert_int_equal(pf_round(-100000, 49839), 90); /* magnitudes */
    /* rounding half-up exactly at 0.5: P = 3, Q = 4 -> 0.6 exactly; P=1,Q=1 -> 0.7071 */
    assert_int_equal(pf_round(3, 4), 60);
    assert_int_equal(pf_round(1, 1), 71);
}

/* monotone: more reactive energy never raises the power factor */
static void test_monotone(void **state)
{
    (void)state;
    int last = 100;
    for (int64_t q = 0; q <= 3000000; q += 997) {
        int pf = pf_round(1000000, q);
        assert_true(pf <= last);
        last = pf;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_every_row), cmocka_unit_test(test_below_050),
        cmocka_unit_test(test_worked_examples), cmocka_unit_test(test_bad_standard),
        cmocka_unit_test(test_boundary_pf5),    cmocka_unit_test(test_tanphi_rows),
        cmocka_unit_test(test_extremes),        cmocka_unit_test(test_monotone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
