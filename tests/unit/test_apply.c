/*
 * Unit tests for domain/apply.h on a migrated database: the kinds and stage limits of
 * migration 0016 are coherent (every kind starts at 受理, the stages of a new connection add up
 * to its end-to-end limit, low-voltage kinds skip design review and mid-inspection), and the
 * stage workflow refuses moves out of order, completion before the last stage and anything on
 * a cancelled application, changing nothing; an unknown tariff is refused at intake. The
 * clock is testdb's (Sunday 2025-06-15 10:00 in Shanghai) and the calendar empty (weekends
 * only).
 */
#include "core/common.h"
#include "domain/apply_int.h"
#include "domain/org.h"
#include "domain/tariff.h"

#include <setjmp.h>
#include <cmocka.h>

#include "testdb.h"

static void test_kind_data(void **state)
{
    struct testdb *t = *state;
    static const struct {
        const char *kind, *stages;
        int64_t total;
    } want[] = {
        { "new_lv_res", "accept,survey,scheme,inspect,connect", 5 },
        { "new_lv_biz", "accept,survey,scheme,inspect,connect", 6 },
        { "new_hv_single", "accept,survey,scheme,design,midcheck,inspect,connect", 22 },
        { "new_hv_dual", "accept,survey,scheme,design,midcheck,inspect,connect", 32 },
        { "meter_test", "accept,survey", 5 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        struct apply_stage_def s[APPLY_MAX_STAGES];
        size_t n;
        char list[200] = "";
        int64_t sum = 0;
        assert_int_equal(apply_kind_stages(&t->ctx, want[i].kind, 1, s, &n, &t->err), 0);
        for (size_t j = 0; j < n; j++) {
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", j ? "," : "",
                     s[j].stage);
            sum += s[j].days;
        }
        assert_string_equal(list, want[i].stages);
        assert_int_equal(sum, want[i].total); /* the stages add up to the end-to-end limit */
    }
    struct apply_stage_def s[APPLY_MAX_STAGES];
    size_t n;
    assert_int_equal(apply_kind_stages(&t->ctx, "no_such_kind", 1, s, &n, &t->err), ERR_INVALID);
}

static int64_t new_res(struct testdb *t)
{
    struct apply_in in = { .kind = "new_lv_res", .org_code = "HZ", .name = "张三",
                           .user_type = "resident", .voltage = "220V", .address = "杭州",
                           .capacity_kva = "8", .tariff_code = "BJ-RES" };
    int64_t id = 0;
    testdb_tariff(t, "BJ-RES"); /* an unknown tariff is refused at intake */
    in.tariff_code = "NOPE";
    assert_int_equal(apply_add(&t->ctx, &in, &id, &t->err), ERR_INVALID);
    assert_string_equal(t->err.field, "tariff_code");
    assert_int_equal(id, 0);
    in.tariff_code = "BJ-RES";
    assert_int_equal(apply_add(&t->ctx, &in, &id, &t->err), 0);
    return id;
}

static void test_workflow(void **state)
{
    struct testdb *t = *state;
    struct application a;
    int64_t now = TESTDB_NOW_US;
    assert_int_equal(org_add(&t->ctx, "HZ", "杭州", "city", NULL, NULL, &t->err), 0);
    int64_t id = new_res(t);
    assert_int_equal(apply_get(&t->ctx, id, now, &a, &t->err), 0);
    assert_string_equal(a.stage, "accept");
    /* Sunday: 5 working days are Mon 06-16 .. Fri 06-20, due at its end (16:00Z) */
    assert_int_equal(a.deadline_at, INT64_C(1750435200000000)); /* 2025-06-20T16:00:00Z */
    assert_int_equal(a.sla, SLA_OK);

    assert_int_equal(apply_advance(&t->ctx, id, "scheme", NULL, &t->err), ERR_CONFLICT);
    assert_non_null(strstr(t->err.msg, "it cannot move to 'scheme'; next: survey"));
    assert_int_equal(apply_advance(&t->ctx, id, "design", NULL, &t->err), ERR_INVALID);
    assert_non_null(strstr(t->err.msg, "does not apply to 低压居民新装"));
    assert_int_equal(apply_advance(&t->ctx, id, "nowhere", NULL, &t->err), ERR_INVALID);
    struct apply_done_in done = { .meter = "M-1" };
    assert_int_equal(apply_complete(&t->ctx, id, &done, &t->err), ERR_CONFLICT);
    assert_non_null(strstr(t->err.msg, "it completes at its last stage 装表接电 (connect)"));

    const char *next[] = { "survey", "scheme", "inspect", "connect" };
    for (size_t i = 0; i < ARRAY_SIZE(next); i++)
        assert_int_equal(apply_advance(&t->ctx, id, NULL, "ok", &t->err), 0);
    assert_int_equal(apply_get(&t->ctx, id, now, &a, &t->err), 0);
    assert_string_equal(a.stage, next[3]);
    assert_int_equal(apply_advance(&t->ctx, id, NULL, NULL, &t->err), ERR_CONFLICT);
    assert_non_null(strstr(t->err.msg, "is at its last stage 装表接电 (connect)"));

    assert_int_equal(apply_cancel(&t->ctx, id, "  ", &t->err), ERR_INVALID);
    assert_int_equal(apply_cancel(&t->ctx, id, "客户撤回", &t->err), 0);
    assert_int_equal(apply_advance(&t->ctx, id, NULL, NULL, &t->err), ERR_CONFLICT);
    assert_int_equal(apply_pause(&t->ctx, id, NULL, &t->err), ERR_CONFLICT);
    assert_int_equal(apply_complete(&t->ctx, id, &done, &t->err), ERR_CONFLICT);
    assert_int_equal(apply_get(&t->ctx, id, now, &a, &t->err), 0);
    assert_string_equal(a.state, "cancelled");
    assert_string_equal(a.cancel_reason, "客户撤回");
}

static void test_bad_intake(void **state)
{
    struct testdb *t = *state;
    struct apply_in in = { .kind = "new_lv_res", .org_code = "HZ" };
    int64_t id = 0;
    assert_int_equal(org_add(&t->ctx, "HZ", "杭州", "city", NULL, NULL, &t->err), 0);
    assert_int_equal(apply_add(&t->ctx, &in, &id, &t->err), ERR_INVALID);
    assert_string_equal(t->err.field, "name");
    in.kind = "closure";
    in.org_code = NULL;
    assert_int_equal(apply_add(&t->ctx, &in, &id, &t->err), ERR_INVALID);
    assert_string_equal(t->err.field, "cust_no");
    in.kind = NULL;
    assert_int_equal(apply_add(&t->ctx, &in, &id, &t->err), ERR_INVALID);
    assert_string_equal(t->err.field, "kind");
    assert_int_equal(id, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kind_data, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_workflow, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_bad_intake, testdb_setup, testdb_teardown),
    };
    return cmocka_run_group_tests_name("apply", tests, NULL, NULL);
}
