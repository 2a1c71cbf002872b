/*
 * Storage of tariffs (tariff_save / tariff_load / tariff_set_load) on SQLite and PostgreSQL
 * (testdb.h): a stored tariff reloads to one that quotes the same, saving again is a no-op,
 * a changed version is a conflict that changes nothing, and new versions are audited.
 */
#include "core/common.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "domain/audit.h"
#include "domain/tariff.h"
#include "testdb.h"

#define OK(expr)                                                                                   \
    do {                                                                                           \
        int ok_rc_ = (expr);                                                                       \
        if (ok_rc_)                                                                                \
            fail_msg("%s -> %d: %s", #expr, ok_rc_, t->err.msg);                                   \
    } while (0)

static struct tariff *parse(const char *js)
{
    struct err e = ERR_INIT;
    struct tariff *t = NULL;
    if (tariff_parse_json(js, strlen(js), &t, &e))
        fail_msg("parse: %s", e.msg);
    return t;
}

#define V1                                                                                         \
    "{\"effective_from\":\"2024-01-01\",\"tiers\":{\"basis\":\"annual\",\"bounds_kwh\":[2880,"     \
    "4800],\"method\":\"prices\",\"prices\":[\"0.4883\",\"0.5383\",\"0.7883\"]}}"
#define V2                                                                                         \
    "{\"effective_from\":\"2025-01-01\",\"tiers\":{\"basis\":\"annual\",\"bounds_kwh\":[2880,"     \
    "4800],\"method\":\"prices\",\"prices\":[\"0.50\",\"0.55\",\"0.80\"]}}"
#define HEAD "{\"code\":\"BJ-RES\",\"name\":\"北京居民\",\"category\":\"resident\",\"versions\":["

static int count_fn(void *arg, const struct audit_row *r)
{
    (void)r;
    (*(int *)arg)++;
    return 0;
}

static int audit_count(struct testdb *t, const char *action)
{
    int n = 0;
    struct audit_filter f = {
        .action = action, .to_us = INT64_MAX, .before_id = INT64_MAX, .limit = 1000
    };
    OK(audit_list(&t->ctx, &f, count_fn, &n, &t->err));
    return n;
}

static void test_save_load_quote(void **state)
{
    struct testdb *t = *state;
    struct tariff *a = parse(HEAD V1 "]}");
    int added = 0;
    OK(tariff_save(&t->ctx, a, "test", &added, &t->err));
    assert_int_equal(added, 1);
    OK(tariff_save(&t->ctx, a, "test", &added, &t->err)); /* the same again: no-op */
    assert_int_equal(added, 1);
    assert_int_equal(audit_count(t, "tariff.version.add"), 1);
    assert_int_equal(audit_count(t, "tariff.add"), 1);

    struct tariff *b = NULL;
    OK(tariff_load(&t->ctx, "BJ-RES", &b, &t->err));
    assert_string_equal(tariff_version_json(b, 0), tariff_version_json(a, 0));
    struct usage u;
    usage_init(&u);
    u.period = (struct period){ 2024, 3 };
    u.total_wh = 300000;
    u.ytd_wh = 2700000;
    struct quote q;
    OK(tariff_quote(b, &u, &q, &t->err));
    assert_int_equal(q.total_fen, 15249); /* R2 */
    tariff_free(b);

    /* a new version is added; the old one stays */
    struct tariff *c = parse(HEAD V1 "," V2 "]}");
    added = 0;
    OK(tariff_save(&t->ctx, c, "test", &added, &t->err));
    assert_int_equal(added, 1);
    struct tariff_set *s;
    OK(tariff_set_load(&t->ctx, &s, &t->err));
    assert_int_equal(tariff_set_count(s), 1);
    const struct tariff *f = tariff_set_find(s, "BJ-RES");
    assert_non_null(f);
    assert_null(tariff_set_find(s, "NOPE"));
    assert_int_equal(tariff_version_count(f), 2);
    u.period = (struct period){ 2025, 3 };
    u.ytd_wh = 0;
    OK(tariff_quote(f, &u, &q, &t->err));
    assert_int_equal(q.total_fen, 15000); /* 300 × 0.50 */
    tariff_set_free(s);
    tariff_free(a);
    tariff_free(c);
}

static void test_conflicts(void **state)
{
    struct testdb *t = *state;
    struct tariff *a = parse(HEAD V1 "]}");
    OK(tariff_save(&t->ctx, a, NULL, NULL, &t->err));
    /* the same effective date with another price */
    char js[2048];
    snprintf(js, sizeof(js), "%s", HEAD V1 "]}");
    char *p = strstr(js, "0.4883");
    p[5] = '4';
    struct tariff *b = parse(js);
    int added = 0;
    assert_int_equal(tariff_save(&t->ctx, b, NULL, &added, &t->err), ERR_CONFLICT);
    assert_non_null(strstr(t->err.msg, "'BJ-RES' version 2024-01-01"));
    assert_int_equal(added, 0);
    /* another category for the code */
    struct tariff *c =
        parse("{\"code\":\"BJ-RES\",\"name\":\"北京居民\",\"category\":\"general_ci\","
              "\"versions\":[" V2 "]}");
    assert_int_equal(tariff_save(&t->ctx, c, NULL, &added, &t->err), ERR_CONFLICT);
    /* nothing of either was stored */
    struct tariff *d = NULL;
    OK(tariff_load(&t->ctx, "BJ-RES", &d, &t->err));
    assert_int_equal(tariff_version_count(d), 1);
    assert_string_equal(tariff_version_json(d, 0), tariff_version_json(a, 0));
    struct tariff *none = NULL;
    assert_int_equal(tariff_load(&t->ctx, "NOPE", &none, &t->err), ERR_NOT_FOUND);
    assert_null(none);
    tariff_free(a);
    tariff_free(b);
    tariff_free(c);
    tariff_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_save_load_quote, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_conflicts, testdb_setup, testdb_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
