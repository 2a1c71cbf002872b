/*
 * Domain tests of readings and interval data (domain/reading_csv.h, reading.h, interval.h) on
 * SQLite and PostgreSQL (testdb.h): long and wide imports, idempotent re-imports, conflicting
 * values, installation periods, merges, the interval codec and 96-column days.
 */
#include "core/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "domain/account.h"
#include "domain/customer.h"
#include "domain/meter.h"
#include "domain/org.h"
#include "domain/reading.h"
#include "domain/reading_csv.h"
#include "testdb.h"

#define OK(expr)                                                                                   \
    do {                                                                                           \
        int ok_rc_ = (expr);                                                                       \
        if (ok_rc_)                                                                                \
            fail_msg("%s -> %d: %s", #expr, ok_rc_, t->err.msg);                                   \
    } while (0)

/* One customer, account and two meters: M1 (total, peak, valley, demand; x2000) installed
 * 2025-01-01 and replaced by M2 (total only) on 2025-03-01. */
static void setup_meters(struct testdb *t)
{
    OK(org_add(&t->ctx, "ZJ", "国网浙江省电力有限公司", "province", NULL, NULL, &t->err));
    struct customer_in ci = { .cust_no = "3300000001",
                              .name = "张三",
                              .user_type = "resident",
                              .voltage = "220V",
                              .address = "浙江省杭州市",
                              .org_code = "ZJ",
                              .opened_on = "2024-01-01" };
    OK(customer_add(&t->ctx, &ci, NULL, &t->err));
    struct account_in ai = { .cust_no = "3300000001", .tariff_code = "RES-1", .cycle_day = "5" };
    testdb_tariff(t, "RES-1");
    OK(account_add(&t->ctx, &ai, NULL, &t->err));
    struct meter_in mi = { .asset_no = "M1",
                           .model = "DTZY341",
                           .phases = "3",
                           .ct_ratio = "100/5",
                           .pt_ratio = "10000/100",
                           .registers = "total,peak,valley,demand" };
    OK(meter_add(&t->ctx, &mi, NULL, &t->err));
    mi = (struct meter_in){ .asset_no = "M2", .model = "DDZY71", .phases = "1" };
    OK(meter_add(&t->ctx, &mi, NULL, &t->err));
    OK(meter_install(&t->ctx, "M1", "330000000101", NULL, "2025-01-01", "total=10", &t->err));
    OK(meter_replace(&t->ctx, "M1", "M2", "2025-03-01", "total=500", "total=0", &t->err));
}

static int import(struct testdb *t, enum reading_kind k, const char *csv,
                  struct reading_import_result *res)
{
    struct csv_reader r;
    struct import_opts o = { .csv = CSV_OPTIONS_INIT, .source = "test.csv" };
    err_clear(&t->err);
    int rc = csv_open_mem(&r, csv, strlen(csv), &o.csv, &t->err);
    if (!rc)
        rc = reading_import(&t->ctx, k, &r, &o, 0, res, &t->err);
    csv_close(&r);
    return rc;
}

struct got {
    int n;
    struct reading r[16];
};

static int collect(void *arg, int64_t meter_id, const struct reading *r)
{
    struct got *g = arg;
    UNUSED(meter_id);
    if (g->n < 16)
        g->r[g->n++] = *r;
    return 0;
}

static struct got list(struct testdb *t, const char *meter)
{
    struct got g = { 0 };
    OK(reading_list(&t->ctx, meter, NULL, NULL, collect, &g, &t->err));
    return g;
}

/* stored readings of both meters */
static int count(struct testdb *t)
{
    return list(t, "M1").n + list(t, "M2").n;
}

static void test_long_and_wide(void **state)
{
    struct testdb *t = *state;
    struct reading_import_result res;
    setup_meters(t);
    const char *lng = "meter,read_on,register,value_kwh,source\n"
                      "M1,2025-01-31,total,100.5,remote\n"
                      "M1,2025-01-31,peak,60.25,remote\n"
                      "M1,2025-01-31,valley,40.25,remote\n"
                      "M1,2025-01-31,demand,12.5,remote\n"
                      "M2,2025-03-31,total,20,manual\n"
                      "M1,2025-03-01,total,500,remote\n"; /* the removal day counts */
    OK(import(t, READING_REGISTERS, lng, &res));
    assert_true(res.r.committed);
    assert_string_equal(res.format, "long");
    assert_int_equal(res.r.rows, 6);
    assert_int_equal(res.values, 6);
    assert_int_equal(res.r.created, 6);
    assert_int_equal(res.days_new, 3);
    reading_import_result_release(&res);

    struct got g = list(t, "M1");
    assert_int_equal(g.n, 2);
    assert_int_equal(g.r[0].rs.on.m, 1);
    assert_int_equal(g.r[0].rs.v[REG_TOTAL], 100500);
    assert_int_equal(g.r[0].rs.v[REG_PEAK], 60250);
    assert_int_equal(g.r[0].rs.v[REG_DEMAND], 12500);
    assert_int_equal(g.r[0].rs.present, (1u << REG_TOTAL) | (1u << REG_PEAK) | (1u << REG_VALLEY) |
                                            (1u << REG_DEMAND));
    assert_int_equal(g.r[0].rs.source, READ_REMOTE);
    assert_true(g.r[0].valid);

    /* wide: a new day, and the same stored day again (unchanged) */
    const char *wide = "meter,read_on,source,total,peak,valley,demand\n"
                       "M1,2025-02-28,remote,300,180,120,13\n"
                       "M1,2025-01-31,remote,100.5,60.25,40.25,12.5\n";
    OK(import(t, READING_REGISTERS, wide, &res));
    assert_string_equal(res.format, "wide");
    assert_int_equal(res.values, 8);
    assert_int_equal(res.r.created, 4);
    assert_int_equal(res.r.unchanged, 4);
    reading_import_result_release(&res);
    g = list(t, "M1");
    assert_int_equal(g.n, 3);
    assert_int_equal(g.r[1].rs.v[REG_VALLEY], 120000);

    /* idempotent: both files again change nothing */
    OK(import(t, READING_REGISTERS, lng, &res));
    assert_int_equal(res.r.created, 0);
    assert_int_equal(res.r.unchanged, 6);
    reading_import_result_release(&res);
    OK(import(t, READING_REGISTERS, wide, &res));
    assert_int_equal(res.r.created, 0);
    reading_import_result_release(&res);
    assert_int_equal(count(t), 4);

    /* the latest real readings on or before a date, for billing */
    struct meter m;
    struct reading last, prev;
    int found;
    OK(meter_get(&t->ctx, "M1", &m, &t->err));
    OK(reading_latest(&t->ctx, m.id, (struct date){ 2025, 2, 28 }, &last, &prev, &found, &t->err));
    assert_int_equal(found, 2);
    assert_int_equal(last.rs.v[REG_TOTAL], 300000);
    assert_int_equal(prev.rs.v[REG_TOTAL], 100500);
    OK(reading_latest(&t->ctx, m.id, (struct date){ 2025, 1, 30 }, &last, &prev, &found, &t->err));
    assert_int_equal(found, 0);
}

static void test_conflicts_change_nothing(void **state)
{
    struct testdb *t = *state;
    struct reading_import_result res;
    setup_meters(t);
    OK(import(t, READING_REGISTERS,
              "meter,read_on,register,value_kwh,source\nM1,2025-01-31,total,100,remote\n", &res));
    reading_import_result_release(&res);

    /* every kind of bad row, each reported with its line, and nothing imported */
    const char *bad = "meter,read_on,register,value_kwh,source\n"
                      "M1,2025-02-01,total,110,remote\n"    /* 2: good */
                      "M1,2025-01-31,total,101,remote\n"    /* 3: differs from stored */
                      "M1,2025-02-02,total,120,remote\n"    /* 4: good ... */
                      "M1,2025-02-02,total,121,remote\n"    /* 5: ... and differs in-file */
                      "M9,2025-02-02,total,1,remote\n"      /* 6: unknown meter */
                      "M1,2024-12-31,total,1,remote\n"      /* 7: before installation */
                      "M1,2025-03-02,total,1,remote\n"      /* 8: after removal */
                      "M2,2025-02-02,total,1,remote\n"      /* 9: before its installation */
                      "M2,2025-03-02,peak,1,remote\n"       /* 10: no such register */
                      "M1,2025-02-03,bogus,1,remote\n"      /* 11: unknown register */
                      "M1,2025-02-03,total,-1,remote\n"     /* 12: negative */
                      "M1,2025-02-03,total,1.2345,remote\n" /* 13: four decimals */
                      "M1,2025-02-30,total,1,remote\n"      /* 14: bad date */
                      "M1,2025-02-03,total,1,telepathy\n"   /* 15: unknown source */
                      "M1,2025-02-03,total\n"               /* 16: column count */
                      "M1,2025-02-04,total,1,manual\n"      /* 17: good ... */
                      "M1,2025-02-04,peak,1,remote\n";      /* 18: ... other source */
    assert_int_equal(import(t, READING_REGISTERS, bad, &res), ERR_INVALID);
    assert_true(res.r.rows_failed);
    assert_false(res.r.committed);
    assert_int_equal(res.r.bad_count, 14);
    static const uint64_t lines[] = { 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18 };
    for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
        assert_int_equal(res.r.bad.v[i].line, lines[i]);
    assert_non_null(strstr(res.r.bad.v[0].reason, "stored as 100 kWh, the file says 101 kWh"));
    assert_non_null(strstr(res.r.bad.v[1].reason, "on line 4"));
    assert_non_null(strstr(res.r.bad.v[2].reason, "unknown meter 'M9'"));
    assert_non_null(strstr(res.r.bad.v[3].reason, "not installed on 2024-12-31"));
    assert_non_null(strstr(res.r.bad.v[6].reason, "no 'peak' register"));
    reading_import_result_release(&res);
    struct got g = list(t, "M1");
    assert_int_equal(g.n, 1);
    assert_int_equal(g.r[0].rs.v[REG_TOTAL], 100000);
}

static void test_merge_registers(void **state)
{
    struct testdb *t = *state;
    struct reading_import_result res;
    setup_meters(t);
    OK(import(t, READING_REGISTERS,
              "meter,read_on,register,value_kwh,source\nM1,2025-01-31,total,100,remote\n", &res));
    reading_import_result_release(&res);
    /* a register not stored yet joins the stored day */
    OK(import(t, READING_REGISTERS,
              "meter,read_on,source,total,peak\nM1,2025-01-31,remote,100,70\n", &res));
    assert_int_equal(res.r.created, 1);
    assert_int_equal(res.days_merged, 1);
    reading_import_result_release(&res);
    struct got g = list(t, "M1");
    assert_int_equal(g.n, 1);
    assert_int_equal(g.r[0].rs.v[REG_PEAK], 70000);
    assert_int_equal(g.r[0].rs.v[REG_TOTAL], 100000);
    /* another source for the stored day is a conflict */
    assert_int_equal(import(t, READING_REGISTERS,
                            "meter,read_on,source,valley\nM1,2025-01-31,manual,30\n", &res),
                     ERR_INVALID);
    assert_non_null(strstr(res.r.bad.v[0].reason, "stored with source 'remote'"));
    reading_import_result_release(&res);
}

static void test_interval_codec(void **state)
{
    UNUSED(state);
    struct err e = ERR_INIT;
    int64_t pts[96], back[96];
    unsigned char buf[INTERVAL_PACK_MAX];
    for (int i = 0; i < 96; i++)
        pts[i] = i % 7 == 3 ? INTERVAL_MISSING : (int64_t)i * i * 37;
    pts[95] = INT64_MAX - 1;
    pts[0] = 0;
    size_t len = interval_pack(pts, 96, buf);
    assert_true(len < INTERVAL_PACK_MAX);
    assert_int_equal(interval_unpack(buf, len, 96, back, &e), 0);
    assert_memory_equal(pts, back, sizeof(pts));
    /* truncated, too long, another point count or format: corrupt */
    assert_int_equal(interval_unpack(buf, len - 1, 96, back, &e), ERR_CORRUPT);
    assert_int_equal(interval_unpack(buf, len, 48, back, &e), ERR_CORRUPT);
    buf[0] = 2;
    assert_int_equal(interval_unpack(buf, len, 96, back, &e), ERR_CORRUPT);
    assert_int_equal(interval_points(15), 96);
    assert_int_equal(interval_points(30), 48);
    assert_int_equal(interval_points(60), 24);
    assert_int_equal(interval_points(20), 0);
    int64_t day[4] = { 100, INTERVAL_MISSING, 300, 250 };
    int missing;
    assert_int_equal(interval_sum(day, 1, 4, &missing), 550);
    assert_int_equal(missing, 1);
    assert_int_equal(interval_max_demand_w(day, 4, 15), 1200); /* 300 Wh in 15 min = 1.2 kW */
    assert_int_equal(interval_max_demand_w(day, 4, 60), 300);
}

struct days {
    int n;
    struct interval_day d[4];
};

static int collect_day(void *arg, int64_t meter_id, const struct interval_day *d)
{
    struct days *x = arg;
    UNUSED(meter_id);
    if (x->n < 4)
        x->d[x->n++] = *d;
    return 0;
}

static void test_intervals(void **state)
{
    struct testdb *t = *state;
    struct reading_import_result res;
    struct strbuf csv = STRBUF_INIT;
    setup_meters(t);
    /* wide, 96 columns: one full day and one with gaps */
    strbuf_addstr(&csv, "meter,date");
    for (int i = 1; i <= 96; i++)
        strbuf_addf(&csv, ",p%d", i);
    strbuf_addstr(&csv, "\nM1,2025-02-01");
    for (int i = 1; i <= 96; i++)
        strbuf_addf(&csv, ",%d.%03d", i / 10, i % 10 * 7);
    strbuf_addstr(&csv, "\nM1,2025-02-02");
    for (int i = 1; i <= 96; i++)
        strbuf_addf(&csv, ",%s", i == 1 ? "0.5" : i == 96 ? "1.25" : "");
    strbuf_addstr(&csv, "\n");
    OK(import(t, READING_INTERVALS, csv.buf, &res));
    assert_string_equal(res.format, "wide");
    assert_int_equal(res.values, 98);
    assert_int_equal(res.r.created, 98);
    reading_import_result_release(&res);
    OK(import(t, READING_INTERVALS, csv.buf, &res));
    assert_int_equal(res.r.created, 0);
    assert_int_equal(res.r.unchanged, 98);
    reading_import_result_release(&res);

    struct meter m;
    struct days got = { 0 };
    OK(meter_get(&t->ctx, "M1", &m, &t->err));
    OK(reading_intervals(&t->ctx, m.id, (struct date){ 2025, 2, 1 }, (struct date){ 2025, 2, 2 },
                         collect_day, &got, &t->err));
    assert_int_equal(got.n, 2);
    assert_int_equal(got.d[0].minutes, 15);
    assert_int_equal(got.d[0].n, 96);
    assert_int_equal(got.d[0].pts[0], 7);     /* p1 = 0.007 */
    assert_int_equal(got.d[0].pts[95], 9042); /* p96 = 9.042 */
    assert_int_equal(got.d[1].pts[0], 500);
    assert_int_equal(got.d[1].pts[1], INTERVAL_MISSING);
    assert_int_equal(got.d[1].pts[95], 1250);

    /* long: fills a gap of the stored day; a different value for a stored point is refused */
    OK(import(t, READING_INTERVALS,
              "meter,ts,kwh\nM1,2025-02-02 00:15,0.75\nM1,2025-02-02 00:00,0.5\n", &res));
    assert_int_equal(res.r.created, 1);
    assert_int_equal(res.r.unchanged, 1);
    assert_int_equal(res.days_merged, 1);
    reading_import_result_release(&res);
    assert_int_equal(import(t, READING_INTERVALS,
                            "meter,ts,kwh\nM1,2025-02-02 00:15,0.8\nM1,2025-02-02 00:20,1\n"
                            "M1,2025-03-05 00:00,1\n",
                            &res),
                     ERR_INVALID);
    assert_int_equal(res.r.bad_count, 3);
    assert_non_null(strstr(res.r.bad.v[0].reason, "00:15 is stored as 0.75 kWh"));
    assert_non_null(strstr(res.r.bad.v[1].reason, "not the start of a 15-minute interval"));
    assert_non_null(strstr(res.r.bad.v[2].reason, "not installed on 2025-03-05"));
    reading_import_result_release(&res);
    /* 30-minute points for a stored 15-minute day are refused */
    assert_int_equal(
        import(t, READING_INTERVALS, "meter,ts,kwh,minutes\nM1,2025-02-02 01:00,0.8,30\n", &res),
        ERR_INVALID);
    assert_non_null(strstr(res.r.bad.v[0].reason, "stored with 15-minute data, not 30"));
    reading_import_result_release(&res);

    got.n = 0;
    OK(reading_intervals(&t->ctx, m.id, (struct date){ 2025, 2, 2 }, (struct date){ 2025, 2, 2 },
                         collect_day, &got, &t->err));
    assert_int_equal(got.d[0].pts[1], 750);
    assert_int_equal(interval_sum(got.d[0].pts, 0, 96, NULL), 2500);
    strbuf_release(&csv);
}

static void test_bad_headers(void **state)
{
    struct testdb *t = *state;
    struct reading_import_result res;
    setup_meters(t);
    assert_int_equal(import(t, READING_REGISTERS, "meter,read_on,register,value_kwh\n", &res),
                     ERR_INVALID);
    assert_non_null(strstr(t->err.msg, "missing column 'source'"));
    assert_int_equal(import(t, READING_REGISTERS, "meter,read_on,source,total,color\n", &res),
                     ERR_INVALID);
    assert_non_null(strstr(t->err.msg, "unknown column 'color'"));
    assert_int_equal(import(t, READING_INTERVALS, "meter,date,p1,p2,p3\n", &res), ERR_INVALID);
    assert_int_equal(import(t, READING_REGISTERS, "meter,read_on,source,total\n", &res),
                     ERR_INVALID);
    assert_non_null(strstr(t->err.msg, "no rows"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_long_and_wide, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_conflicts_change_nothing, testdb_setup,
                                        testdb_teardown),
        cmocka_unit_test_setup_teardown(test_merge_registers, testdb_setup, testdb_teardown),
        cmocka_unit_test(test_interval_codec),
        cmocka_unit_test_setup_teardown(test_intervals, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_bad_headers, testdb_setup, testdb_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
