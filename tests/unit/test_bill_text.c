/*
 * Unit tests for domain/bill_text.h: the stored forms of a bill's usage and line parts must
 * give back exactly what was written (a bill is re-priced from them for corrections and
 * what-if runs), and damaged text must be refused, never half-read.
 */
#include "core/common.h"
#include "core/arena.h"
#include "domain/bill_text.h"

#include <setjmp.h>
#include <cmocka.h>

static void test_usage_round_trip(void **state)
{
    UNUSED(state);
    struct arena a = ARENA_INIT;
    struct strbuf sb = STRBUF_INIT;
    struct err e = ERR_INIT;
    struct usage u, v;
    usage_init(&u);
    u.period = (struct period){ 2025, 6 };
    u.from = (struct date){ 2025, 5, 16 };
    u.to = (struct date){ 2025, 6, 15 };
    u.cycle_months = 2;
    u.supply_days = 12;
    u.total_wh = INT64_MAX;
    u.has_tou = true;
    u.tou_wh[TOU_SHARP] = 1;
    u.tou_wh[TOU_PEAK] = -2;
    u.tou_wh[TOU_FLAT] = 3000000;
    u.tou_wh[TOU_VALLEY] = 4;
    u.tou_wh[TOU_DEEP] = INT64_MIN;
    u.has_reactive = true;
    u.reactive_varh = 69000000;
    u.capacity_va = 1250000;
    u.demand_w = 700000;
    u.contract_demand_w = 600000;
    u.ytd_wh = 2700000;
    u.months_in_year = 6;
    u.pf_standard = 90;
    u.user_type = "large_industry";
    bill_usage_encode(&u, &sb);
    assert_int_equal(bill_usage_decode(sb.buf, &a, &v, &e), 0);
    assert_int_equal(v.period.y, 2025);
    assert_int_equal(v.period.m, 6);
    assert_int_equal(date_cmp(v.from, u.from), 0);
    assert_int_equal(date_cmp(v.to, u.to), 0);
    assert_int_equal(v.cycle_months, 2);
    assert_int_equal(v.supply_days, 12);
    assert_true(v.total_wh == INT64_MAX);
    assert_true(v.has_tou);
    for (int i = 0; i < TOU_N; i++)
        assert_true(v.tou_wh[i] == u.tou_wh[i]);
    assert_true(v.has_reactive);
    assert_int_equal(v.reactive_varh, 69000000);
    assert_int_equal(v.capacity_va, 1250000);
    assert_int_equal(v.demand_w, 700000);
    assert_int_equal(v.contract_demand_w, 600000);
    assert_int_equal(v.ytd_wh, 2700000);
    assert_int_equal(v.months_in_year, 6);
    assert_int_equal(v.pf_standard, 90);
    assert_string_equal(v.user_type, "large_industry");

    /* an absent window stays absent */
    strbuf_reset(&sb);
    usage_init(&u);
    u.period = (struct period){ 2024, 2 };
    bill_usage_encode(&u, &sb);
    assert_int_equal(bill_usage_decode(sb.buf, &a, &v, &e), 0);
    assert_false(date_is_valid(v.from));
    assert_false(date_is_valid(v.to));
    strbuf_release(&sb);
    arena_release(&a);
}

/* Zero fields are left out and read back as zero; the older text with every field still reads. */
static void test_usage_zero_fields(void **state)
{
    UNUSED(state);
    struct arena a = ARENA_INIT;
    struct strbuf sb = STRBUF_INIT;
    struct err e = ERR_INIT;
    struct usage u, v, w;
    usage_init(&u);
    u.period = (struct period){ 2025, 6 };
    u.from = (struct date){ 2025, 5, 3 };
    u.to = (struct date){ 2025, 6, 2 };
    u.cycle_months = 1;
    u.total_wh = 151000;
    u.has_tou = true;
    u.tou_wh[TOU_PEAK] = 90600;
    u.tou_wh[TOU_VALLEY] = 60400;
    u.capacity_va = 8000;
    u.months_in_year = 12;
    u.user_type = "resident";
    bill_usage_encode(&u, &sb);
    assert_string_equal(sb.buf, "period=2025-06;from=2025-05-03;to=2025-06-02;cycle=1;"
                                "total=151000;tou=1;peak=90600;valley=60400;capacity=8000;"
                                "miy=12;type=resident");
    assert_int_equal(bill_usage_decode(sb.buf, &a, &v, &e), 0);
    assert_int_equal(
        bill_usage_decode("period=2025-06;from=2025-05-03;to=2025-06-02;cycle=1;days=0;"
                          "total=151000;tou=1;sharp=0;peak=90600;flat=0;valley=60400;deep=0;"
                          "has_reactive=0;reactive=0;capacity=8000;demand=0;contract=0;ytd=0;"
                          "miy=12;pf=0;type=resident",
                          &a, &w, &e),
        0);
    struct usage *both[2] = { &v, &w };
    for (int k = 0; k < 2; k++) {
        const struct usage *x = both[k];
        assert_int_equal(date_cmp(x->from, u.from), 0);
        assert_int_equal(date_cmp(x->to, u.to), 0);
        assert_int_equal(x->cycle_months, 1);
        assert_int_equal(x->supply_days, 0);
        assert_true(x->total_wh == 151000);
        assert_true(x->has_tou);
        for (int i = 0; i < TOU_N; i++)
            assert_true(x->tou_wh[i] == u.tou_wh[i]);
        assert_false(x->has_reactive);
        assert_true(x->reactive_varh == 0 && x->demand_w == 0 && x->contract_demand_w == 0);
        assert_true(x->ytd_wh == 0 && x->pf_standard == 0);
        assert_int_equal(x->months_in_year, 12);
        assert_true(x->capacity_va == 8000);
        assert_string_equal(x->user_type, "resident");
    }
    /* cycle 0 is written: absent would read as usage_init's 1 */
    strbuf_reset(&sb);
    u.cycle_months = 0;
    bill_usage_encode(&u, &sb);
    assert_int_equal(bill_usage_decode(sb.buf, &a, &v, &e), 0);
    assert_int_equal(v.cycle_months, 0);
    /* an empty user type is still written (decoded "" is not NULL: no fallback to category) */
    strbuf_reset(&sb);
    usage_init(&u);
    u.period = (struct period){ 2025, 6 };
    u.user_type = "";
    bill_usage_encode(&u, &sb);
    assert_string_equal(sb.buf, "period=2025-06;cycle=1;type=");
    assert_int_equal(bill_usage_decode(sb.buf, &a, &v, &e), 0);
    assert_non_null(v.user_type);
    assert_string_equal(v.user_type, "");
    strbuf_release(&sb);
    arena_release(&a);
}

static void test_text_date(void **state)
{
    UNUSED(state);
    struct strbuf sb = STRBUF_INIT;
    bill_text_date(&sb, (struct date){ 2025, 6, 15 });
    strbuf_addch(&sb, ' ');
    bill_text_date(&sb, (struct date){ 987, 1, 2 });
    assert_string_equal(sb.buf, "2025-06-15 0987-01-02");
    strbuf_release(&sb);
}

static void usage_bad(const char *text, const char *want)
{
    struct arena a = ARENA_INIT;
    struct err e = ERR_INIT;
    struct usage v;
    assert_int_equal(bill_usage_decode(text, &a, &v, &e), ERR_CORRUPT);
    if (!strstr(e.msg, want))
        fail_msg("decode('%s'): '%s' lacks '%s'", text, e.msg, want);
    arena_release(&a);
}

static void test_usage_damaged(void **state)
{
    UNUSED(state);
    usage_bad("period=2025-13;", "'period'");
    usage_bad("period=2025-06;total=12x;", "'total'");
    usage_bad("period=2025-06;total=99999999999999999999;", "'total'");
    usage_bad("period=2025-06;total=;", "'total'");
    usage_bad("period=2025-06;watts=1;", "unknown field 'watts'");
    usage_bad("period=2025-06;total", "bad field");
    usage_bad("period=2025-06;from=2025-02-30;", "'from'");
}

static void test_parts_round_trip(void **state)
{
    UNUSED(state);
    struct arena a = ARENA_INIT;
    struct strbuf sb = STRBUF_INIT;
    struct err e = ERR_INIT;
    struct quote_line l, m;
    memset(&l, 0, sizeof(l));
    l.nparts = 3;
    l.parts[0] = (struct quote_part){ "tier1", QTY_WH, 180000, 48830000, 1, 1 };
    l.parts[1] = (struct quote_part){ "tier2", QTY_WH, 120000, 53830000, 1, 1 };
    l.parts[2] = (struct quote_part){ "basic", QTY_VA, -1000000, 2550000000, 12, 31 };
    bill_parts_encode(&l, &sb);
    assert_string_equal(sb.buf, "tier1,Wh,180000,48830000,1,1;tier2,Wh,120000,53830000,1,1;"
                                "basic,VA,-1000000,2550000000,12,31");
    memset(&m, 0, sizeof(m));
    assert_int_equal(bill_parts_decode(sb.buf, &a, &m, &e), 0);
    assert_int_equal(m.nparts, 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(m.parts[i].label, l.parts[i].label);
        assert_int_equal(m.parts[i].unit, l.parts[i].unit);
        assert_true(m.parts[i].qty == l.parts[i].qty);
        assert_true(m.parts[i].price_e8 == l.parts[i].price_e8);
        assert_true(m.parts[i].num == l.parts[i].num);
        assert_true(m.parts[i].den == l.parts[i].den);
    }
    assert_int_equal(bill_parts_decode("", &a, &m, &e), 0);
    assert_int_equal(m.nparts, 0);
    assert_int_equal(bill_parts_decode("x,Wh,1,2,1,0", &a, &m, &e), ERR_CORRUPT); /* den 0 */
    assert_int_equal(bill_parts_decode("x,kWh,1,2,1,1", &a, &m, &e), ERR_CORRUPT);
    assert_int_equal(bill_parts_decode("x,Wh,1,2,1", &a, &m, &e), ERR_CORRUPT);
    assert_int_equal(bill_parts_decode("x,Wh,1,2a,1,1", &a, &m, &e), ERR_CORRUPT);
    assert_non_null(strstr(e.msg, "x,Wh,1,2a,1,1"));
    strbuf_release(&sb);
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_round_trip), cmocka_unit_test(test_usage_zero_fields),
        cmocka_unit_test(test_text_date),        cmocka_unit_test(test_usage_damaged),
        cmocka_unit_test(test_parts_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
