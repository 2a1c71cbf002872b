/*
 * Unit tests for core/money.h: parsing and formatting amounts and prices, checked arithmetic,
 * half-up rounding at exactly 0.5 fen, and the worked examples of cn-tariff-rules.md §9.
 */
#include "core/common.h"
#include "core/money.h"

#include <setjmp.h>
#include <cmocka.h>

#define YUAN(y, f) ((int64_t)(y)*100 + (f))
#define PRICE(s) parse_price_ok(s)

static int64_t parse_ok(const char *s)
{
    struct err e = ERR_INIT;
    int64_t v = 0x5a5a;
    if (money_parse(s, &v, &e) != 0)
        fail_msg("money_parse('%s') failed: %s", s, e.msg);
    return v;
}

static int64_t parse_price_ok(const char *s)
{
    struct err e = ERR_INIT;
    int64_t v = 0;
    if (price_parse(s, &v, &e) != 0)
        fail_msg("price_parse('%s') failed: %s", s, e.msg);
    return v;
}

/* The parse fails with ERR_INVALID, names the value and gives `why`; out is untouched. */
static void parse_bad(const char *s, const char *why)
{
    struct err e = ERR_INIT;
    int64_t v = 777;
    char quoted[128];
    assert_int_equal(money_parse(s, &v, &e), ERR_INVALID);
    assert_int_equal(e.code, ERR_INVALID);
    assert_int_equal(v, 777);
    snprintf(quoted, sizeof(quoted), "'%s'", s ? s : "");
    if (!strstr(e.msg, quoted) || !strstr(e.msg, why))
        fail_msg("money_parse('%s'): message '%s' lacks %s / %s", s, e.msg, quoted, why);
}

static int64_t line(int64_t wh, int64_t price_e8)
{
    struct err e = ERR_INIT;
    int64_t fen = 0;
    if (money_line(wh, price_e8, &fen, &e) != 0)
        fail_msg("money_line(%" PRId64 ", %" PRId64 "): %s", wh, price_e8, e.msg);
    return fen;
}

static int64_t ratio(int64_t fen, int64_t num, int64_t den)
{
    struct err e = ERR_INIT;
    int64_t out = 0;
    if (money_mul_ratio(fen, num, den, &out, &e) != 0)
        fail_msg("money_mul_ratio: %s", e.msg);
    return out;
}

static void test_parse_valid(void **state)
{
    UNUSED(state);
    assert_int_equal(parse_ok("1234.56"), 123456);
    assert_int_equal(parse_ok("1,234.56"), 123456);
    assert_int_equal(parse_ok("-12.3"), -1230);
    assert_int_equal(parse_ok("0.05"), 5);
    assert_int_equal(parse_ok("-0.05"), -5);
    assert_int_equal(parse_ok("12"), 1200);
    assert_int_equal(parse_ok("0"), 0);
    assert_int_equal(parse_ok("-0"), 0);
    assert_int_equal(parse_ok("999"), 99900);
    assert_int_equal(parse_ok("1,000"), 100000);
    assert_int_equal(parse_ok("1,234,567.89"), 123456789);
    assert_int_equal(parse_ok("-1,234,567.8"), -123456780);
    assert_int_equal(parse_ok("007.10"), 710);
    assert_int_equal(parse_ok("92233720368547758.07"), INT64_MAX);
    assert_int_equal(parse_ok("92,233,720,368,547,758.07"), INT64_MAX);
    assert_int_equal(parse_ok("-92233720368547758.08"), INT64_MIN);
}

static void test_parse_invalid(void **state)
{
    UNUSED(state);
    parse_bad("", "empty");
    parse_bad(NULL, "empty");
    parse_bad("1.234", "more than 2 decimals");
    parse_bad("0.005", "more than 2 decimals");
    parse_bad("12.300", "more than 2 decimals");
    parse_bad("abc", "not a number");
    parse_bad("12a", "not a number");
    parse_bad("1.2x", "not a number");
    parse_bad("1.234x", "not a number");
    parse_bad("1.", "no digit after the decimal point");
    parse_bad(".5", "not a number");
    parse_bad("+1", "not a number");
    parse_bad("-", "not a number");
    parse_bad("--1", "not a number");
    parse_bad(" 1", "not a number");
    parse_bad("1 ", "not a number");
    parse_bad("1e5", "not a number");
    parse_bad("1.2.3", "not a number");
    parse_bad("12,34", "misplaced grouping comma");
    parse_bad("1234,567", "misplaced grouping comma");
    parse_bad("1,23,456", "misplaced grouping comma");
    parse_bad("1,2345", "misplaced grouping comma");
    parse_bad(",123", "not a number");
    parse_bad("1,", "misplaced grouping comma");
    parse_bad("1,,234", "misplaced grouping comma");
    parse_bad("0,123", "misplaced grouping comma");
    parse_bad("0,5", "misplaced grouping comma");
    parse_bad("1,234.5,6", "not a number");
    parse_bad("92233720368547758.08", "out of range");
    parse_bad("-92233720368547758.09", "out of range");
    parse_bad("99999999999999999999", "out of range");
    parse_bad("100000000000000000000000000000", "out of range");
}

static void test_format(void **state)
{
    char buf[MONEY_BUF_SIZE];
    UNUSED(state);
    assert_string_equal(money_format(123456, buf), "1234.56");
    assert_string_equal(money_format(-5, buf), "-0.05");
    assert_string_equal(money_format(-50, buf), "-0.50");
    assert_string_equal(money_format(0, buf), "0.00");
    assert_string_equal(money_format(100, buf), "1.00");
    assert_string_equal(money_format(7, buf), "0.07");
    assert_string_equal(money_format(INT64_MAX, buf), "92233720368547758.07");
    assert_string_equal(money_format(INT64_MIN, buf), "-92233720368547758.08");
    assert_string_equal(money_format_grouped(123456789, buf), "1,234,567.89");
    assert_string_equal(money_format_grouped(99999, buf), "999.99");
    assert_string_equal(money_format_grouped(100000, buf), "1,000.00");
    assert_string_equal(money_format_grouped(-123456, buf), "-1,234.56");
    assert_string_equal(money_format_grouped(-5, buf), "-0.05");
    assert_string_equal(money_format_grouped(0, buf), "0.00");
    assert_string_equal(money_format_grouped(INT64_MIN, buf), "-92,233,720,368,547,758.08");
    assert_string_equal(money_format_grouped(INT64_MAX, buf), "92,233,720,368,547,758.07");
}

static void test_roundtrip(void **state)
{
    static const int64_t vals[] = {
        0,      1,       -1,        99,        100,       101,           99999,
        100000, -100000, 123456789, INT64_MAX, INT64_MIN, INT64_MAX / 7, INT64_MIN / 3};
    char buf[MONEY_BUF_SIZE];
    UNUSED(state);
    for (size_t i = 0; i < ARRAY_SIZE(vals); i++) {
        assert_int_equal(parse_ok(money_format(vals[i], buf)), vals[i]);
        assert_int_equal(parse_ok(money_format_grouped(vals[i], buf)), vals[i]);
    }
}

static void test_checked_arith(void **state)
{
    struct err e = ERR_INIT;
    int64_t r = 42;
    UNUSED(state);
    assert_int_equal(money_add(100, 250, &r, &e), 0);
    assert_int_equal(r, 350);
    assert_int_equal(money_add(INT64_MAX, -1, &r, &e), 0);
    assert_int_equal(r, INT64_MAX - 1);
    r = 42;
    assert_int_equal(money_add(INT64_MAX, 1, &r, &e), ERR_INVALID);
    assert_int_equal(r, 42);
    assert_non_null(strstr(e.msg, "92233720368547758.07 + 0.01"));
    assert_int_equal(money_sub(INT64_MIN, 1, &r, &e), ERR_INVALID);
    assert_int_equal(money_sub(0, INT64_MIN, &r, &e), ERR_INVALID);
    assert_int_equal(money_sub(-5, 10, &r, &e), 0);
    assert_int_equal(r, -15);
    assert_int_equal(money_mul(2550000, 12, &r, &e), 0);
    assert_int_equal(r, 30600000);
    assert_int_equal(money_mul(INT64_MAX / 2 + 1, 2, &r, &e), ERR_INVALID);
    assert_int_equal(money_mul(INT64_MIN, -1, &r, &e), ERR_INVALID);
    assert_int_equal(money_add(1, 1, &r, NULL), 0); /* err may be NULL */
    assert_int_equal(money_add(INT64_MAX, 1, &r, NULL), ERR_INVALID);
}

/* money_mul_ratio: half-up on the magnitude, and the §6 / §4 / §3 worked examples. */
static void test_mul_ratio(void **state)
{
    struct err e = ERR_INIT;
    int64_t r = 0;
    UNUSED(state);
    /* exactly 0.5 fen, both signs, and just either side */
    assert_int_equal(ratio(1, 1, 2), 1);
    assert_int_equal(ratio(-1, 1, 2), -1);
    assert_int_equal(ratio(1, -1, 2), -1);
    assert_int_equal(ratio(-1, -1, 2), 1);
    assert_int_equal(ratio(3, 1, 2), 2);
    assert_int_equal(ratio(-3, 1, 2), -2);
    assert_int_equal(ratio(1, 1, -2), -1);
    assert_int_equal(ratio(1, 1, 3), 0);
    assert_int_equal(ratio(2, 1, 3), 1);
    assert_int_equal(ratio(-2, 1, 3), -1);
    assert_int_equal(ratio(499, 1, 1000), 0);
    assert_int_equal(ratio(500, 1, 1000), 1);
    assert_int_equal(ratio(-500, 1, 1000), -1);
    assert_int_equal(ratio(-499, 1, 1000), 0);

    /* L1: 10,000.00 overdue 6 days in 2024 at 2‰ and 10 days in 2025 at 3‰ = 420.00 */
    assert_int_equal(ratio(YUAN(10000, 0), 6 * 2, 1000) + ratio(YUAN(10000, 0), 10 * 3, 1000),
                     YUAN(420, 0));
    /* L2: residential 16 days × 1‰ = 160.00; L3: 50.00 × 3 days × 1‰ = 0.15 */
    assert_int_equal(ratio(YUAN(10000, 0), 16, 1000), YUAN(160, 0));
    assert_int_equal(ratio(YUAN(50, 0), 3, 1000), 15);
    /* L4: 8,000.00 × 10 days × 2‰ = 160.00 */
    assert_int_equal(ratio(YUAN(8000, 0), 20, 1000), YUAN(160, 0));
    /* PF2: +4 % of 90,500.00 = 3,620.00; PF3: −0.75 % = −678.75 */
    assert_int_equal(ratio(YUAN(90500, 0), 4, 100), YUAN(3620, 0));
    assert_int_equal(ratio(YUAN(90500, 0), -75, 10000), -YUAN(678, 75));
    /* E9e: 25,500.00 × 12/31 = 9,870.967… -> 9,870.97; 1996 rule 25,500/30 × 12 = 10,200.00 */
    assert_int_equal(ratio(YUAN(25500, 0), 12, 31), YUAN(9870, 97));
    assert_int_equal(ratio(YUAN(25500, 0), 12, 30), YUAN(10200, 0));
    /* E9d: 19,584.00 × 90 % = 17,625.60 */
    assert_int_equal(ratio(YUAN(19584, 0), 9, 10), YUAN(17625, 60));

    /* exact 128-bit intermediate: INT64_MAX × 3 / 3 */
    assert_int_equal(ratio(INT64_MAX, 3, 3), INT64_MAX);
    assert_int_equal(ratio(INT64_MIN, 1000, 1000), INT64_MIN);
    assert_int_equal(money_mul_ratio(INT64_MAX, 2, 1, &r, &e), ERR_INVALID);
    assert_int_equal(money_mul_ratio(INT64_MIN, -1, 1, &r, &e), ERR_INVALID);
    assert_int_equal(money_mul_ratio(100, 1, 0, &r, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "zero denominator"));
}

/* money_line: exact products, rounded once; §1.5 / §2.3 / §5.3 / §8.5 vectors. */
static void test_line(void **state)
{
    struct err e = ERR_INIT;
    int64_t fen = 99;
    UNUSED(state);
    /* R1: 300 kWh × 0.4883 = 146.49 */
    assert_int_equal(line(300000, PRICE("0.4883")), YUAN(146, 49));
    /* R2: 180 × 0.4883 = 87.894 -> 87.89; 120 × 0.5383 = 64.596 -> 64.60; bill 152.49 */
    assert_int_equal(line(180000, PRICE("0.4883")), YUAN(87, 89));
    assert_int_equal(line(120000, PRICE("0.5383")), YUAN(64, 60));
    assert_int_equal(line(180000, PRICE("0.4883")) + line(120000, PRICE("0.5383")), YUAN(152, 49));
    /* R3: 260/340/100 kWh at 0.68/0.73/0.98 = 523.00; R3b: 331.00 */
    assert_int_equal(line(260000, PRICE("0.68")) + line(340000, PRICE("0.73")) +
                         line(100000, PRICE("0.98")),
                     YUAN(523, 0));
    assert_int_equal(line(200000, PRICE("0.68")) + line(200000, PRICE("0.73")) +
                         line(50000, PRICE("0.98")),
                     YUAN(331, 0));
    /* R4: 260 × 0.58886875 = 153.106875 -> 153.11; 140 × 0.63886875 = 89.441625 -> 89.44 */
    assert_int_equal(PRICE("0.58886875"), 58886875);
    assert_int_equal(line(260000, 58886875), YUAN(153, 11));
    assert_int_equal(line(140000, 63886875), YUAN(89, 44));
    assert_int_equal(line(260000, 58886875) + line(140000, 63886875), YUAN(242, 55));
    /* R8: 1458.108 -> 1458.11, 1179.732 -> 1179.73, 331.32; total 2,969.16 */
    assert_int_equal(line(2760000, PRICE("0.5283")) + line(2040000, PRICE("0.5783")) +
                         line(400000, PRICE("0.8283")),
                     YUAN(2969, 16));
    /* T1: energy 47,092.60, funds 2,065.00, total 49,157.60 */
    int64_t t1 = line(2000000, PRICE("1.3813")) + line(18000000, PRICE("1.1050")) +
                 line(30000000, PRICE("0.6500")) + line(20000000, PRICE("0.2470"));
    assert_int_equal(t1, YUAN(47092, 60));
    assert_int_equal(t1 + line(70000000, PRICE("0.0295")), YUAN(49157, 60));
    /* F1: 70,000 kWh × 0.029115 = 2,038.05; M1: refund 200 kWh × 0.4883 = 97.66 */
    assert_int_equal(line(70000000, PRICE("0.029115")), YUAN(2038, 5));
    assert_int_equal(line(200000, PRICE("0.4883")), YUAN(97, 66));
    assert_int_equal(line(-200000, PRICE("0.4883")), -YUAN(97, 66));

    /* 8-decimal price × odd Wh */
    assert_int_equal(line(12345, 58886875), 727); /* 726.958471875 fen */
    assert_int_equal(line(-12345, 58886875), -727);
    assert_int_equal(line(777777, 58886875), 45801); /* 45800.856976875 */
    assert_int_equal(line(1, 58886875), 0);          /* 0.058886875 fen */
    /* exactly 0.5 fen, both signs: 1,953,125 Wh × 0.00000256 yuan/kWh = 0.005 yuan */
    assert_int_equal(line(1953125, 256), 1);
    assert_int_equal(line(-1953125, 256), -1);
    assert_int_equal(line(1953125, -256), -1);
    assert_int_equal(line(1953125, 255), 0);
    assert_int_equal(line(-1953125, 255), 0);
    assert_int_equal(line(1953125, 257), 1);
    assert_int_equal(line(1953125, 768), 2); /* 1.5 fen */
    assert_int_equal(line(-1953125, 768), -2);
    assert_int_equal(line(5, PRICE_SCALE), 1); /* 5 Wh at 1 yuan/kWh = 0.5 fen */
    assert_int_equal(line(-5, PRICE_SCALE), -1);

    /* huge but representable, then overflow */
    assert_int_equal(line(INT64_MAX, PRICE_SCALE), INT64_MAX / 10 + 1); /* …580.7 -> …581 */
    assert_int_equal(money_line(INT64_MAX, 11 * PRICE_SCALE, &fen, &e), ERR_INVALID);
    assert_int_equal(fen, 99);
    assert_non_null(strstr(e.msg, "overflow"));
    assert_int_equal(money_line(INT64_MIN, 11 * PRICE_SCALE, &fen, &e), ERR_INVALID);
    assert_int_equal(money_line(INT64_MAX, INT64_MAX, &fen, &e), ERR_INVALID);
    assert_int_equal(money_line(INT64_MIN, INT64_MIN, &fen, &e), ERR_INVALID);
}

/*
 * R5 is stated as one rounding of the whole TOU energy (260.4961 + 7.00 = 267.4961 -> 267.50).
 * Rounding each product instead gives 267.49: the accumulator rounds once.
 */
static void test_accumulator(void **state)
{
    struct money_acc acc = MONEY_ACC_INIT;
    struct err e = ERR_INIT;
    int64_t fen = 0;
    UNUSED(state);
    assert_int_equal(money_acc_add_line(&acc, 150000, PRICE("0.99500875"), &e), 0);
    assert_int_equal(money_acc_add_line(&acc, 150000, PRICE("0.58886875"), &e), 0);
    assert_int_equal(money_acc_add_line(&acc, 100000, PRICE("0.22914475"), &e), 0);
    assert_int_equal(money_acc_add_line(&acc, 140000, PRICE("0.05"), &e), 0);
    assert_int_equal(money_acc_result(&acc, &fen, &e), 0);
    assert_int_equal(fen, YUAN(267, 50));
    assert_int_equal(line(150000, PRICE("0.99500875")) + line(150000, PRICE("0.58886875")) +
                         line(100000, PRICE("0.22914475")) + line(140000, PRICE("0.05")),
                     YUAN(267, 49));

    /* whole fen and negatives; exactly −0.5 fen rounds to −1 */
    struct money_acc a2 = MONEY_ACC_INIT;
    assert_int_equal(money_acc_add_fen(&a2, 1000, &e), 0);
    assert_int_equal(money_acc_add_line(&a2, -5, PRICE_SCALE, &e), 0); /* −0.5 fen */
    assert_int_equal(money_acc_add_fen(&a2, -1000, &e), 0);
    assert_int_equal(money_acc_result(&a2, &fen, &e), 0);
    assert_int_equal(fen, -1);

    /* the accumulator refuses to overflow; a result beyond int64 is an error */
    struct money_acc a3 = MONEY_ACC_INIT;
    assert_int_equal(money_acc_add_line(&a3, INT64_MAX, INT64_MAX, &e), 0);
    assert_int_equal(money_acc_add_line(&a3, INT64_MAX, INT64_MAX, &e), ERR_INVALID);
    assert_int_equal(money_acc_result(&a3, &fen, &e), ERR_INVALID);
    struct money_acc a4 = MONEY_ACC_INIT;
    assert_int_equal(money_acc_add_fen(&a4, INT64_MAX, &e), 0);
    assert_int_equal(money_acc_result(&a4, &fen, &e), 0);
    assert_int_equal(fen, INT64_MAX);
    assert_int_equal(money_acc_add_fen(&a4, 1, &e), 0);
    assert_int_equal(money_acc_result(&a4, &fen, &e), ERR_INVALID);
}

static void test_price(void **state)
{
    struct err e = ERR_INIT;
    int64_t p = 5;
    char buf[MONEY_BUF_SIZE];
    UNUSED(state);
    assert_int_equal(PRICE("0.58886875"), 58886875);
    assert_int_equal(PRICE("1.105"), 110500000);
    assert_int_equal(PRICE("40.8"), 4080000000);
    assert_int_equal(PRICE("-0.05"), -5000000);
    assert_int_equal(PRICE("0"), 0);
    assert_int_equal(PRICE("92233720368.54775807"), INT64_MAX);
    assert_int_equal(price_parse("0.588868751", &p, &e), ERR_INVALID);
    assert_int_equal(p, 5);
    assert_non_null(strstr(e.msg, "'0.588868751'"));
    assert_non_null(strstr(e.msg, "more than 8 decimals"));
    assert_int_equal(price_parse("1,000.5", &p, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "grouping commas not allowed"));
    assert_int_equal(price_parse("92233720368.54775808", &p, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "out of range"));
    assert_int_equal(price_parse("0.5yuan", &p, &e), ERR_INVALID);
    assert_int_equal(price_parse("", &p, &e), ERR_INVALID);

    assert_string_equal(price_format(58886875, buf), "0.58886875");
    assert_string_equal(price_format(48830000, buf), "0.4883");
    assert_string_equal(price_format(PRICE_SCALE, buf), "1.00");
    assert_string_equal(price_format(-5000000, buf), "-0.05");
    assert_string_equal(price_format(0, buf), "0.00");
    assert_string_equal(price_format(4080000000, buf), "40.80");
    assert_string_equal(price_format(1, buf), "0.00000001");
    assert_string_equal(price_format(INT64_MIN, buf), "-92233720368.54775808");
}

/* T1: peak = flat × 1.7, valley × 0.38, critical = peak × 1.25 rounded to 4 decimals. */
static void test_price_ratio_round(void **state)
{
    struct err e = ERR_INIT;
    int64_t flat = PRICE("0.65"), peak, valley, crit, r = 3;
    UNUSED(state);
    assert_int_equal(price_mul_ratio(flat, 17, 10, &peak, &e), 0);
    assert_int_equal(peak, PRICE("1.105"));
    assert_int_equal(price_mul_ratio(flat, 38, 100, &valley, &e), 0);
    assert_int_equal(valley, PRICE("0.247"));
    assert_int_equal(price_mul_ratio(peak, 125, 100, &crit, &e), 0);
    assert_int_equal(crit, PRICE("1.38125"));
    assert_int_equal(price_round(crit, 4, &crit, &e), 0);
    assert_int_equal(crit, PRICE("1.3813"));
    assert_int_equal(price_round(-138125000, 4, &r, &e), 0);
    assert_int_equal(r, -138130000);
    assert_int_equal(price_round(PRICE("1.5"), 0, &r, &e), 0);
    assert_int_equal(r, PRICE("2"));
    assert_int_equal(price_round(PRICE("1.49999999"), 0, &r, &e), 0);
    assert_int_equal(r, PRICE("1"));
    assert_int_equal(price_round(58886875, 8, &r, &e), 0);
    assert_int_equal(r, 58886875);
    /* price × 1/3 rounds at the 8th decimal */
    assert_int_equal(price_mul_ratio(PRICE_SCALE, 1, 3, &r, &e), 0);
    assert_int_equal(r, 33333333);
    assert_int_equal(price_mul_ratio(2 * PRICE_SCALE, 1, 3, &r, &e), 0);
    assert_int_equal(r, 66666667);
    r = 3;
    assert_int_equal(price_round(1, 9, &r, &e), ERR_INVALID);
    assert_int_equal(price_round(1, -1, &r, &e), ERR_INVALID);
    assert_int_equal(price_round(INT64_MAX, 0, &r, &e), ERR_INVALID);
    assert_int_equal(r, 3);
    assert_int_equal(price_mul_ratio(1, 1, 0, &r, &e), ERR_INVALID);
    assert_int_equal(price_mul_ratio(INT64_MAX, 2, 1, &r, &e), ERR_INVALID);
}

static void test_decimal_layer(void **state)
{
    const char *why = NULL;
    int64_t v = 0;
    char buf[MONEY_BUF_SIZE];
    UNUSED(state);
    assert_int_equal(decimal_parse("1,234,567", 0, DECIMAL_GROUPING, &v, &why), 0);
    assert_int_equal(v, 1234567);
    assert_int_equal(decimal_parse("1.5", 0, 0, &v, &why), -1);
    assert_string_equal(why, "decimals not allowed");
    assert_int_equal(decimal_parse("9223372036854775807", 0, 0, &v, &why), 0);
    assert_int_equal(v, INT64_MAX);
    assert_int_equal(decimal_parse("0.000000000000000001", 18, 0, &v, &why), 0);
    assert_int_equal(v, 1);
    assert_string_equal(decimal_format(INT64_MIN, 0, 0, DECIMAL_GROUPING, buf),
                        "-9,223,372,036,854,775,808");
    assert_string_equal(decimal_format(INT64_MIN, 18, 0, 0, buf), "-9.223372036854775808");
    assert_string_equal(decimal_format(1500, 3, 0, 0, buf), "1.5");
    assert_string_equal(decimal_format(1000, 3, 0, 0, buf), "1");
    assert_string_equal(decimal_format(1000, 3, 1, 0, buf), "1.0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),   cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_format),        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_checked_arith), cmocka_unit_test(test_mul_ratio),
        cmocka_unit_test(test_line),          cmocka_unit_test(test_accumulator),
        cmocka_unit_test(test_price),         cmocka_unit_test(test_price_ratio_round),
        cmocka_unit_test(test_decimal_layer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
