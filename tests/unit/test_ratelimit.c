/*
 * Unit tests for the per-client rate limiter (api/ratelimit.c): a burst, then one request per
 * interval, the wait it names, keys kept apart, and a table full of keys still answering.
 */
#include "core/common.h"
#include "api/ratelimit.h"

#include <setjmp.h>
#include <cmocka.h>

#define S INT64_C(1000000)

static void test_burst_then_rate(void **state)
{
    UNUSED(state);
    struct ratelimit *rl = ratelimit_new(60, 3); /* 3 at once, then one a second */
    int64_t t = 1000 * S;
    for (int i = 0; i < 3; i++)
        assert_int_equal(ratelimit_take(rl, "10.0.0.1", t), 0);
    assert_int_equal(ratelimit_take(rl, "10.0.0.1", t), 1);
    assert_int_equal(ratelimit_take(rl, "10.0.0.1", t + S / 2), 1); /* refused: nothing taken */
    assert_int_equal(ratelimit_take(rl, "10.0.0.1", t + S), 0);
    assert_int_equal(ratelimit_take(rl, "10.0.0.1", t + S), 1);
    assert_int_equal(ratelimit_take(rl, "10.0.0.2", t + S), 0); /* another address */
    /* after three idle seconds the whole burst is back */
    for (int i = 0; i < 3; i++)
        assert_int_equal(ratelimit_take(rl, "10.0.0.1", t + 5 * S), 0);
    assert_int_equal(ratelimit_take(rl, "10.0.0.1", t + 5 * S), 1);
    ratelimit_free(rl);
}

static void test_wait_and_slow_rate(void **state)
{
    UNUSED(state);
    struct ratelimit *rl = ratelimit_new(1, 1); /* one a minute */
    assert_int_equal(ratelimit_take(rl, "::1", 0), 0);
    assert_int_equal(ratelimit_take(rl, "::1", 0), 60);
    assert_int_equal(ratelimit_take(rl, "::1", 59 * S + 1), 1);
    assert_int_equal(ratelimit_take(rl, "::1", 60 * S), 0);
    ratelimit_free(rl);
}

static void test_full_table(void **state)
{
    UNUSED(state);
    struct ratelimit *rl = ratelimit_new(1, 1);
    char key[32];
    for (int i = 0; i < 3 * RATELIMIT_SLOTS; i++) {
        snprintf(key, sizeof(key), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        assert_int_equal(ratelimit_take(rl, key, 0), 0);
    }
    /* the newest key is remembered: it was just limited */
    assert_int_equal(ratelimit_take(rl, key, 0), 60);
    ratelimit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_rate),
        cmocka_unit_test(test_wait_and_slow_rate),
        cmocka_unit_test(test_full_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
