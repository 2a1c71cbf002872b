/*
 * Domain tests of the dashboard reports (report.h) through the public header, on SQLite and
 * PostgreSQL (testdb.h): sales by period and user type with a total per period, only issued
 * bills, scoped to an org subtree (and to the ctx scope), and bad input.
 */
#include "core/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "domain/account.h"
#include "domain/customer.h"
#include "domain/org.h"
#include "domain/report.h"
#include "store/store.h"
#include "testdb.h"

#define OK(expr)                                                                                   \
    do {                                                                                           \
        int ok_rc_ = (expr);                                                                       \
        if (ok_rc_)                                                                                \
            fail_msg("%s -> %d: %s", #expr, ok_rc_, t->err.msg);                                   \
    } while (0)

static int64_t customer(struct testdb *t, const char *no, const char *type, const char *org)
{
    struct customer_in in = { .cust_no = no,
                              .name = "测试",
                              .user_type = type,
                              .voltage = "220V",
                              .address = "杭州市某路1号",
                              .org_code = org,
                              .opened_on = "2020-01-01" };
    struct account_in ai = {
        .cust_no = no, .tariff_code = "FLAT", .cycle_day = "15", .opened_on = "2020-01-01"
    };
    struct account a;
    OK(customer_add(&t->ctx, &in, NULL, &t->err));
    testdb_tariff(t, "FLAT");
    OK(account_add(&t->ctx, &ai, &a, &t->err));
    return a.id;
}

/* a bill of `account` for `period` with energy (Wh) and total (fen) */
static void bill(struct testdb *t, int64_t account, const char *period, const char *status,
                 int64_t wh, int64_t fen)
{
    char sql[512];
    snprintf(sql, sizeof(sql),
             "INSERT INTO bill (account_id, period, kind, status, tariff_code, energy_wh,"
             " total_fen, usage_text, reads_text, created_at) VALUES (%lld, '%s', 'regular',"
             " '%s', 'FLAT', %lld, %lld, '', '', 0)",
             (long long)account, period, status, (long long)wh, (long long)fen);
    OK(store_exec_script(t->db, sql, &t->err));
}

struct rows {
    int n;
    char line[8][96];
};

static int collect(void *arg, const struct sales_row *r)
{
    struct rows *o = arg;
    if (o->n < 8)
        snprintf(o->line[o->n++], sizeof(o->line[0]), "%s %s %lld %lld %lld %lld", r->period,
                 r->user_type ? r->user_type : "*", (long long)r->bills, (long long)r->accounts,
                 (long long)r->energy_wh, (long long)r->revenue_fen);
    return 0;
}

static void setup_data(struct testdb *t)
{
    OK(org_add(&t->ctx, "ZJ", "浙江", "province", NULL, NULL, &t->err));
    OK(org_add(&t->ctx, "HZ", "杭州", "city", "ZJ", NULL, &t->err));
    OK(org_add(&t->ctx, "NB", "宁波", "city", "ZJ", NULL, &t->err));
    int64_t r1 = customer(t, "3300000001", "resident", "HZ");
    int64_t c1 = customer(t, "3300000002", "general_ci", "HZ");
    int64_t r2 = customer(t, "3300000003", "resident", "NB");
    bill(t, r1, "2025-04", "issued", 100500, 5025);
    bill(t, c1, "2025-04", "issued", 200000, 16000);
    bill(t, r2, "2025-04", "issued", 300000, 15000);
    bill(t, r1, "2025-05", "issued", 120000, 6000);
    bill(t, c1, "2025-05", "review", 999000, 99900); /* not issued: not sales */
    bill(t, r2, "2025-06", "issued", 1000, 50);      /* outside the range asked */
}

static void test_sales(void **state)
{
    struct testdb *t = *state;
    struct period from, to;
    struct rows o = { 0 };
    setup_data(t);
    OK(period_parse("2025-04", &from, &t->err));
    OK(period_parse("2025-05", &to, &t->err));
    OK(report_sales(&t->ctx, NULL, from, to, collect, &o, &t->err));
    assert_int_equal(o.n, 5);
    assert_string_equal(o.line[0], "2025-04 general_ci 1 1 200000 16000");
    assert_string_equal(o.line[1], "2025-04 resident 2 2 400500 20025");
    assert_string_equal(o.line[2], "2025-04 * 3 3 600500 36025");
    assert_string_equal(o.line[3], "2025-05 resident 1 1 120000 6000");
    assert_string_equal(o.line[4], "2025-05 * 1 1 120000 6000");

    memset(&o, 0, sizeof(o));
    OK(report_sales(&t->ctx, "HZ", from, to, collect, &o, &t->err));
    assert_int_equal(o.n, 5);
    assert_string_equal(o.line[1], "2025-04 resident 1 1 100500 5025");
    assert_string_equal(o.line[2], "2025-04 * 2 2 300500 21025");
}

static void test_sales_scope_and_bad_input(void **state)
{
    struct testdb *t = *state;
    struct period from, to;
    struct rows o = { 0 };
    int64_t nb;
    setup_data(t);
    OK(period_parse("2025-04", &from, &t->err));
    OK(period_parse("2025-06", &to, &t->err));
    assert_int_equal(report_sales(&t->ctx, NULL, to, from, collect, &o, &t->err), ERR_INVALID);
    assert_string_equal(t->err.msg, "period 2025-06 is after 2025-04");
    assert_int_equal(report_sales(&t->ctx, "NOPE", from, to, collect, &o, &t->err), ERR_NOT_FOUND);
    /* a user of NB: HZ is unknown, NB's own figures only */
    OK(ctx_org_id(&t->ctx, "NB", &nb, &t->err));
    t->ctx.scope_org_id = nb;
    assert_int_equal(report_sales(&t->ctx, "HZ", from, to, collect, &o, &t->err), ERR_NOT_FOUND);
    assert_int_equal(o.n, 0);
    OK(report_sales(&t->ctx, "NB", from, to, collect, &o, &t->err));
    assert_int_equal(o.n, 4);
    assert_string_equal(o.line[1], "2025-04 * 1 1 300000 15000");
    assert_string_equal(o.line[3], "2025-06 * 1 1 1000 50");
    t->ctx.scope_org_id = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sales, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_sales_scope_and_bad_input, testdb_setup,
                                        testdb_teardown),
    };
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
