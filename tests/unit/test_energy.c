/*
 * Unit tests for core/energy.h: kWh parsing to Wh, 2- and 3-decimal formatting, checked and
 * ratio arithmetic (meter multipliers, error corrections of cn-tariff-rules.md §8.5).
 */
#include "core/common.h"
#include "core/energy.h"

#include <setjmp.h>
#include <cmocka.h>

static int64_t parse_ok(const char *s)
{
    struct err e = ERR_INIT;
    int64_t v = 0;
    if (energy_parse_kwh(s, &v, &e) != 0)
        fail_msg("energy_parse_kwh('%s') failed: %s", s, e.msg);
    return v;
}

static void parse_bad(const char *s, const char *why)
{
    struct err e = ERR_INIT;
    int64_t v = 31337;
    char quoted[128];
    assert_int_equal(energy_parse_kwh(s, &v, &e), ERR_INVALID);
    assert_int_equal(v, 31337);
    snprintf(quoted, sizeof(quoted), "'%s'", s ? s : "");
    if (!strstr(e.msg, quoted) || !strstr(e.msg, why))
        fail_msg("energy_parse_kwh('%s'): message '%s' lacks %s / %s", s, e.msg, quoted, why);
}

static void test_parse(void **state)
{
    UNUSED(state);
    assert_int_equal(parse_ok("300"), 300000);
    assert_int_equal(parse_ok("300.5"), 300500);
    assert_int_equal(parse_ok("300.50"), 300500);
    assert_int_equal(parse_ok("300.505"), 300505);
    assert_int_equal(parse_ok("0.001"), 1);
    assert_int_equal(parse_ok("0"), 0);
    assert_int_equal(parse_ok("-12.345"), -12345);
    assert_int_equal(parse_ok("1234.56"), 1234560);
    assert_int_equal(parse_ok("9223372036854775.807"), INT64_MAX);
    assert_int_equal(parse_ok("-9223372036854775.808"), INT64_MIN);

    parse_bad("1,234.56", "grouping commas not allowed");
    parse_bad("1.2345", "more than 3 decimals");
    parse_bad("0.0001", "more than 3 decimals");
    parse_bad("", "empty");
    parse_bad(NULL, "empty");
    parse_bad("abc", "not a number");
    parse_bad("300kWh", "not a number");
    parse_bad("+300", "not a number");
    parse_bad(" 300", "not a number");
    parse_bad("3e2", "not a number");
    parse_bad("300.", "no digit after the decimal point");
    parse_bad("9223372036854775.808", "out of range");
    parse_bad("-9223372036854775.809", "out of range");
    parse_bad("99999999999999999999", "out of range");
}

static void test_format(void **state)
{
    char buf[ENERGY_BUF_SIZE];
    UNUSED(state);
    assert_string_equal(energy_format_kwh(300000, buf), "300.00");
    assert_string_equal(energy_format_kwh(300500, buf), "300.50");
    /* half-up on the magnitude from Wh to 0.01 kWh */
    assert_string_equal(energy_format_kwh(1005, buf), "1.01");
    assert_string_equal(energy_format_kwh(1004, buf), "1.00");
    assert_string_equal(energy_format_kwh(-1005, buf), "-1.01");
    assert_string_equal(energy_format_kwh(-1004, buf), "-1.00");
    assert_string_equal(energy_format_kwh(5, buf), "0.01");
    assert_string_equal(energy_format_kwh(-5, buf), "-0.01");
    assert_string_equal(energy_format_kwh(-4, buf), "0.00"); /* no "-0.00" */
    assert_string_equal(energy_format_kwh(0, buf), "0.00");
    assert_string_equal(energy_format_kwh(999995, buf), "1000.00");
    assert_string_equal(energy_format_kwh(INT64_MAX, buf), "9223372036854775.81");
    assert_string_equal(energy_format_kwh(INT64_MIN, buf), "-9223372036854775.81");

    assert_string_equal(energy_format_kwh3(300500, buf), "300.500");
    assert_string_equal(energy_format_kwh3(1, buf), "0.001");
    assert_string_equal(energy_format_kwh3(-1, buf), "-0.001");
    assert_string_equal(energy_format_kwh3(0, buf), "0.000");
    assert_string_equal(energy_format_kwh3(INT64_MIN, buf), "-9223372036854775.808");
    assert_int_equal(parse_ok(energy_format_kwh3(INT64_MIN, buf)), INT64_MIN);
    assert_int_equal(parse_ok(energy_format_kwh3(123456789, buf)), 123456789);

    assert_string_equal(energy_format_kwh_plain(160000, buf), "160");
    assert_string_equal(energy_format_kwh_plain(1500, buf), "1.5");
    assert_string_equal(energy_format_kwh_plain(300505, buf), "300.505");
    assert_string_equal(energy_format_kwh_plain(-1, buf), "-0.001");
    assert_string_equal(energy_format_kwh_plain(0, buf), "0");
    assert_string_equal(energy_format_kwh_plain(INT64_MIN, buf), "-9223372036854775.808");
    assert_int_equal(parse_ok(energy_format_kwh_plain(INT64_MAX, buf)), INT64_MAX);
}

static void test_arith(void **state)
{
    struct err e = ERR_INIT;
    int64_t r = 8;
    UNUSED(state);
    assert_int_equal(energy_add(300000, 500, &r, &e), 0);
    assert_int_equal(r, 300500);
    assert_int_equal(energy_sub(100, 300, &r, &e), 0);
    assert_int_equal(r, -200);
    r = 8;
    assert_int_equal(energy_add(INT64_MAX, 1, &r, &e), ERR_INVALID);
    assert_int_equal(r, 8);
    assert_non_null(strstr(e.msg, "overflows"));
    assert_int_equal(energy_sub(INT64_MIN, 1, &r, &e), ERR_INVALID);
    /* M3: advance 1,000 kWh, multiplier 40 instead of 30: back-bill 10,000 kWh */
    assert_int_equal(energy_mul(1000000, 40 - 30, &r, &e), 0);
    assert_int_equal(r, 10000000);
    /* M2: 30,000 kWh × (1.5 − 1) = 15,000 kWh */
    assert_int_equal(energy_mul_ratio(30000000, 15 - 10, 10, &r, &e), 0);
    assert_int_equal(r, 15000000);
    assert_int_equal(energy_mul(INT64_MAX / 40 + 1, 40, &r, &e), ERR_INVALID);
    assert_int_equal(energy_mul(INT64_MIN, -1, &r, &e), ERR_INVALID);
}

static void test_ratio(void **state)
{
    struct err e = ERR_INIT;
    int64_t r = 0;
    UNUSED(state);
    /* M1: +4 % fast meter, 5,200 kWh recorded -> true 5,000, refund 200 kWh */
    assert_int_equal(energy_mul_ratio(5200000, 100, 104, &r, &e), 0);
    assert_int_equal(r, 5000000);
    assert_int_equal(5200000 - r, 200000);
    /* R6 method B: 160 kWh tier 1 split 2/3 peak -> 106.667 kWh */
    assert_int_equal(energy_mul_ratio(160000, 2, 3, &r, &e), 0);
    assert_int_equal(r, 106667);
    /* R9: 2760 × 6/12 = 1380 kWh */
    assert_int_equal(energy_mul_ratio(2760000, 6, 12, &r, &e), 0);
    assert_int_equal(r, 1380000);
    /* exactly half a Wh, both signs */
    assert_int_equal(energy_mul_ratio(1, 1, 2, &r, &e), 0);
    assert_int_equal(r, 1);
    assert_int_equal(energy_mul_ratio(-1, 1, 2, &r, &e), 0);
    assert_int_equal(r, -1);
    assert_int_equal(energy_mul_ratio(1, 1, -2, &r, &e), 0);
    assert_int_equal(r, -1);
    assert_int_equal(energy_mul_ratio(INT64_MAX, 7, 7, &r, &e), 0);
    assert_int_equal(r, INT64_MAX);
    assert_int_equal(energy_mul_ratio(INT64_MIN, 7, 7, &r, &e), 0);
    assert_int_equal(r, INT64_MIN);
    r = 4;
    assert_int_equal(energy_mul_ratio(INT64_MAX, 2, 1, &r, &e), ERR_INVALID);
    assert_int_equal(energy_mul_ratio(INT64_MIN, -1, 1, &r, &e), ERR_INVALID);
    assert_int_equal(energy_mul_ratio(1, 1, 0, &r, &e), ERR_INVALID);
    assert_int_equal(r, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_arith),
        cmocka_unit_test(test_ratio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
