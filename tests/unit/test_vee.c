/*
 * Unit tests for domain/vee.h: advances x multiplier, rollover on an N-digit register, negative
 * advances, meter changes, zero, spikes, TOU sums, estimates and their settlement (rules §8.2,
 * example M4), missing baselines, and the code lists (registers, sources, flag names).
 */
#include "core/common.h"
#include "domain/vee.h"

#include <setjmp.h>
#include <cmocka.h>

#define KWH(x) ((int64_t)((x)*1000 + ((x) >= 0 ? 0.5 : -0.5)))

static const struct vee_policy policy = { .spike_pct = 300,
                                          .tou_tolerance_pct_e2 = 100,
                                          .tou_tolerance_wh = 20 };

/* A read set with the total and, optionally, sharp/peak/flat/valley (-1 = not read). */
static struct read_set rs(int64_t total, int64_t sharp, int64_t peak, int64_t flat, int64_t valley)
{
    struct read_set r = { .on = { 2025, 3, 1 }, .source = READ_REMOTE };
    int64_t v[] = { total, sharp, peak, flat, valley };
    for (int i = 0; i < 5; i++) {
        if (v[i] >= 0) {
            r.v[i] = v[i];
            r.present |= 1u << i;
        }
    }
    return r;
}

static struct read_set tot(int64_t wh)
{
    return rs(wh, -1, -1, -1, -1);
}

static struct vee_out run1(const struct vee_meter *m, const struct read_set *f,
                           const struct read_set *t, bool active, int64_t avg)
{
    struct vee_in in = {
        .nsegments = 1, .seg = { { m, f, t } }, .active = active, .avg_wh = avg, .policy = &policy
    };
    struct vee_out out;
    vee_consume(&in, &out);
    return out;
}

static void test_normal_advance(void **state)
{
    UNUSED(state);
    struct vee_meter m = { 6, 40 };
    struct read_set f = tot(KWH(1200.5)), t = tot(KWH(1325.75));
    f.v[REG_REACTIVE] = KWH(300);
    t.v[REG_REACTIVE] = KWH(350);
    f.present |= 1u << REG_REACTIVE;
    t.present |= 1u << REG_REACTIVE;
    t.v[REG_DEMAND] = 12345; /* W */
    t.present |= 1u << REG_DEMAND;
    struct vee_out o = run1(&m, &f, &t, true, 0);
    assert_int_equal(o.flags, 0);
    assert_int_equal(o.wh[REG_TOTAL], KWH(125.25) * 40); /* 5,010 kWh */
    assert_int_equal(o.wh[REG_REACTIVE], KWH(50) * 40);
    /* demand is the reading x multiplier, not an advance */
    assert_int_equal(o.wh[REG_DEMAND], 12345 * 40);
    assert_int_equal(o.present, (1u << REG_TOTAL) | (1u << REG_REACTIVE) | (1u << REG_DEMAND));
    assert_false(o.flags & VEE_FAILED);
}

static void test_rollover(void **state)
{
    UNUSED(state);
    /* 6 digits: 999,990 -> 15 kWh reads as a 25 kWh advance */
    struct vee_meter m = { 6, 1 };
    struct read_set f = tot(KWH(999990)), t = tot(KWH(15));
    struct vee_out o = run1(&m, &f, &t, true, 0);
    assert_int_equal(o.wh[REG_TOTAL], KWH(25));
    assert_int_equal(o.flags, VEE_ROLLOVER);
    assert_false(o.flags & VEE_FAILED);
    /* with a multiplier */
    m.multiplier = 30;
    o = run1(&m, &f, &t, true, 0);
    assert_int_equal(o.wh[REG_TOTAL], KWH(25) * 30);

    /* the same readings on an 8-digit register cannot have wrapped */
    m = (struct vee_meter){ 8, 1 };
    o = run1(&m, &f, &t, true, 0);
    assert_true(o.flags & VEE_NEGATIVE);
    assert_false(o.flags & VEE_ROLLOVER);
    assert_int_equal(o.wh[REG_TOTAL], KWH(15) - KWH(999990));

    /* plausible means a wrapped advance below half the range: 500,000 kWh is not */
    m = (struct vee_meter){ 6, 1 };
    f = tot(KWH(600000));
    t = tot(KWH(100000));
    o = run1(&m, &f, &t, true, 0);
    assert_true(o.flags & VEE_NEGATIVE);
    t = tot(KWH(100000) - 1); /* wrapped advance 499,999.999 kWh */
    o = run1(&m, &f, &t, true, 0);
    assert_int_equal(o.flags, VEE_ROLLOVER);
    assert_int_equal(o.wh[REG_TOTAL], KWH(500000) - 1);
}

static void test_negative(void **state)
{
    UNUSED(state);
    struct vee_meter m = { 6, 1 };
    struct read_set f = tot(KWH(5000)), t = tot(KWH(4990));
    struct vee_out o = run1(&m, &f, &t, true, 0);
    assert_int_equal(o.flags, VEE_NEGATIVE);
    assert_true(o.flags & VEE_FAILED);
    assert_int_equal(o.wh[REG_TOTAL], -KWH(10));
    /* a reading beyond the register's range cannot be a wrap either */
    f = tot(KWH(1500000));
    t = tot(KWH(10));
    o = run1(&m, &f, &t, true, 0);
    assert_true(o.flags & VEE_NEGATIVE);
}

static void test_meter_change(void **state)
{
    UNUSED(state);
    /* old meter x40 from 1000 to its removal reading 1100; new meter x60 from 5 to 25 */
    struct vee_meter old = { 6, 40 }, nw = { 8, 60 };
    struct read_set a = tot(KWH(1000)), b = tot(KWH(1100)), c = tot(KWH(5)), d = tot(KWH(25));
    a.v[REG_DEMAND] = 0;
    b.v[REG_DEMAND] = 100000; /* 100 kW x 40 = 4,000 kW */
    d.v[REG_DEMAND] = 50000;  /* 50 kW x 60 = 3,000 kW */
    b.present |= 1u << REG_DEMAND;
    d.present |= 1u << REG_DEMAND;
    struct vee_in in = { .nsegments = 2,
                         .seg = { { &old, &a, &b }, { &nw, &c, &d } },
                         .meter_changed = true,
                         .active = true,
                         .policy = &policy };
    struct vee_out o;
    vee_consume(&in, &o);
    assert_int_equal(o.wh[REG_TOTAL], KWH(100) * 40 + KWH(20) * 60); /* 5,200 kWh */
    assert_int_equal(o.wh[REG_DEMAND], 100000 * 40);
    assert_int_equal(o.flags, VEE_METER_CHANGE);
    assert_false(o.flags & VEE_FAILED);

    /* the new meter's segment without its installation reading has no baseline */
    in.seg[1].from = NULL;
    vee_consume(&in, &o);
    assert_true(o.flags & VEE_NO_BASELINE);
    assert_true(o.flags & VEE_METER_CHANGE);
}

static void test_zero_and_spike(void **state)
{
    UNUSED(state);
    struct vee_meter m = { 6, 1 };
    struct read_set f = tot(KWH(100)), t = tot(KWH(100));
    struct vee_out o = run1(&m, &f, &t, true, KWH(200));
    assert_int_equal(o.flags, VEE_ZERO);
    assert_false(o.flags & VEE_FAILED);
    o = run1(&m, &f, &t, false, KWH(200)); /* an inactive account may well use nothing */
    assert_int_equal(o.flags, 0);

    /* spike_pct 300 of an average of 200 kWh: 600 kWh is fine, 600.001 is a spike */
    t = tot(KWH(700));
    o = run1(&m, &f, &t, true, KWH(200));
    assert_int_equal(o.wh[REG_TOTAL], KWH(600));
    assert_int_equal(o.flags, 0);
    t = tot(KWH(700) + 1);
    o = run1(&m, &f, &t, true, KWH(200));
    assert_int_equal(o.flags, VEE_SPIKE);
    assert_false(o.flags & VEE_FAILED);
    /* unknown average or the check off: never a spike */
    o = run1(&m, &f, &t, true, 0);
    assert_int_equal(o.flags, 0);
    struct vee_policy off = policy;
    off.spike_pct = 0;
    struct vee_in in = {
        .nsegments = 1, .seg = { { &m, &f, &t } }, .active = true, .avg_wh = KWH(1), .policy = &off
    };
    vee_consume(&in, &o);
    assert_int_equal(o.flags, 0);
}

static void test_tou(void **state)
{
    UNUSED(state);
    struct vee_meter m = { 6, 100 };
    /* total advance 10,000 kWh: 1 % is 100 kWh (more than 20 Wh), so the sum may be off by
     * 100.000 kWh but not by 100.001 */
    struct read_set f = rs(0, 0, 0, 0, 0);
    struct read_set t = rs(KWH(10000), KWH(1000), KWH(3000), KWH(4000), KWH(1900));
    struct vee_out o = run1(&m, &f, &t, true, 0);
    assert_int_equal(o.flags, 0);
    assert_int_equal(o.wh[REG_PEAK], KWH(3000) * 100);
    t.v[REG_VALLEY] = KWH(1900) - 1;
    o = run1(&m, &f, &t, true, 0);
    assert_int_equal(o.flags, VEE_TOU_MISMATCH);
    assert_true(o.flags & VEE_FAILED);
    t.v[REG_VALLEY] = KWH(2100);
    o = run1(&m, &f, &t, true, 0);
    assert_int_equal(o.flags, 0);
    t.v[REG_VALLEY] = KWH(2100) + 1;
    o = run1(&m, &f, &t, true, 0);
    assert_int_equal(o.flags, VEE_TOU_MISMATCH);

    /* a small advance: 1 % of 1 kWh is 10 Wh, so the 20 Wh floor applies */
    f = rs(KWH(50), KWH(10), KWH(10), KWH(10), KWH(20));
    t = rs(KWH(51), KWH(10), KWH(10.5), KWH(10.3), KWH(20.18)); /* sum 0.98: off by 20 Wh */
    o = run1(&m, &f, &t, true, 0);
    assert_int_equal(o.flags, 0);
    t.v[REG_VALLEY] = KWH(20.179); /* off by 21 Wh */
    o = run1(&m, &f, &t, true, 0);
    assert_int_equal(o.flags, VEE_TOU_MISMATCH);

    /* only the TOU registers read at both ends count (a total-and-peak/valley meter) */
    f = rs(0, -1, 0, -1, 0);
    t = rs(KWH(300), -1, KWH(200), -1, KWH(100));
    o = run1(&m, &f, &t, true, 0);
    assert_int_equal(o.flags, 0);
    assert_int_equal(o.present, (1u << REG_TOTAL) | (1u << REG_PEAK) | (1u << REG_VALLEY));
}

static void test_estimate_and_settle(void **state)
{
    UNUSED(state);
    /* M4: absent in March, billed February's 180 kWh; April's two-month advance is 400 */
    int64_t last[REG_N] = { KWH(180) };
    struct vee_in in = { .nsegments = 0, .active = true, .last_wh = last, .policy = &policy };
    struct vee_out o;
    vee_consume(&in, &o);
    assert_int_equal(o.flags, VEE_ESTIMATED);
    assert_int_equal(o.wh[REG_TOTAL], KWH(180));
    assert_int_equal(o.present, 1u << REG_TOTAL);
    assert_false(o.flags & VEE_FAILED);

    struct vee_meter m = { 6, 1 };
    struct read_set feb = tot(KWH(2000)), apr = tot(KWH(2400));
    int64_t est[REG_N] = { KWH(180) };
    in = (struct vee_in){ .nsegments = 1,
                          .seg = { { &m, &feb, &apr } },
                          .active = true,
                          .avg_wh = KWH(180),
                          .estimated_wh = est,
                          .policy = &policy };
    vee_consume(&in, &o);
    assert_int_equal(o.wh[REG_TOTAL], KWH(220));
    assert_int_equal(o.flags, VEE_SETTLED);

    /* TOU registers are estimated and settled alike */
    int64_t last2[REG_N] = { KWH(300), 0, KWH(200), 0, KWH(100) };
    in = (struct vee_in){ .nsegments = 0, .last_wh = last2, .policy = &policy };
    vee_consume(&in, &o);
    assert_int_equal(o.wh[REG_PEAK], KWH(200));
    assert_int_equal(o.present, (1u << REG_TOTAL) | (1u << REG_PEAK) | (1u << REG_VALLEY));

    /* no previous consumption to estimate from */
    in = (struct vee_in){ .nsegments = 0, .policy = &policy };
    vee_consume(&in, &o);
    assert_int_equal(o.flags, VEE_ESTIMATED | VEE_NO_BASELINE);
    assert_int_equal(o.wh[REG_TOTAL], 0);
    assert_true(o.flags & VEE_FAILED);
}

static void test_no_baseline(void **state)
{
    UNUSED(state);
    struct vee_meter m = { 6, 1 };
    struct read_set t = tot(KWH(10));
    struct vee_out o = run1(&m, NULL, &t, true, 0);
    assert_int_equal(o.flags, VEE_NO_BASELINE);
    assert_true(o.flags & VEE_FAILED);
    /* a baseline without the total register is none either */
    struct read_set f = rs(-1, -1, KWH(1), -1, -1);
    o = run1(&m, &f, &t, true, 0);
    assert_int_equal(o.flags, VEE_NO_BASELINE);
}

static void test_names(void **state)
{
    UNUSED(state);
    for (int r = 0; r < REG_N; r++)
        assert_int_equal(reg_parse(reg_name((enum reg)r)), r);
    assert_string_equal(reg_name(REG_VALLEY), "valley");
    assert_int_equal(reg_parse("Total"), -1);
    assert_int_equal(reg_parse(NULL), -1);
    /* in messages: the code in English, the Chinese name from the catalogue */
    assert_string_equal(reg_label(REG_SHARP, false), "sharp");
    const char *zh[REG_N] = { "总", "尖", "峰", "平", "谷", "无功", "需量" };
    for (int r = 0; r < REG_N; r++)
        assert_string_equal(reg_label((enum reg)r, true), zh[r]);
    char buf[64];
    assert_string_equal(reg_list_label("total,peak,valley", false, buf, sizeof(buf)),
                        "total,peak,valley");
    assert_string_equal(reg_list_label("total,peak,valley", true, buf, sizeof(buf)), "总、峰、谷");
    assert_string_equal(reg_list_label("total,bogus", true, buf, sizeof(buf)), "总、bogus");
    assert_string_equal(reg_list_label("total,peak,valley", true, buf, 10), "总、峰"); /* cut */
    assert_string_equal(reg_list_label("total,peak,valley", true, buf, 9), "总");
    assert_string_equal(reg_list_label("", true, buf, sizeof(buf)), "");
    assert_int_equal(read_source_parse("estimated"), READ_ESTIMATED);
    assert_string_equal(read_source_name(READ_CUSTOMER), "customer");
    assert_int_equal(read_source_parse("guess"), -1);
    assert_string_equal(vee_flag_name(VEE_ROLLOVER), "rollover");
    for (unsigned f = 1; f <= VEE_NO_BASELINE; f <<= 1)
        assert_string_not_equal(vee_flag_name(f), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_advance),
        cmocka_unit_test(test_rollover),
        cmocka_unit_test(test_negative),
        cmocka_unit_test(test_meter_change),
        cmocka_unit_test(test_zero_and_spike),
        cmocka_unit_test(test_tou),
        cmocka_unit_test(test_estimate_and_settle),
        cmocka_unit_test(test_no_baseline),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
