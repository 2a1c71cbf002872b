/*
 * Unit tests for ledger work split by account (domain/ledger_par.c): how many parts a --jobs
 * gives on each backend, the range a user may ask for, and ledger_parallel — every part runs
 * once with its own k; on PostgreSQL each on its own connection (its own backend), all run to
 * their end when one fails, and the first failing part's error is returned; inside the
 * caller's transaction, one part on the caller's connection.
 */
#include "core/common.h"
#include "domain/ledger.h"
#include "store/store.h"

#include <pthread.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testdb.h"

static void test_jobs(void **state)
{
    struct testdb *t = *state;
    struct err err = ERR_INIT;
    bool pg = store_kind(t->db) == STORE_PG;
    assert_int_equal(ledger_jobs(&t->ctx, 3), pg ? 3 : 1);
    assert_int_equal(ledger_jobs(&t->ctx, 1000), pg ? LEDGER_JOBS_MAX : 1);
    assert_true(ledger_jobs(&t->ctx, 0) >= 1); /* one per CPU */
    assert_int_equal(store_begin(t->db, &err), 0);
    assert_int_equal(ledger_jobs(&t->ctx, 3), 1); /* inside a transaction */
    store_rollback(t->db);
    assert_int_equal(ledger_jobs_check(1, &err), 0);
    assert_int_equal(ledger_jobs_check(LEDGER_JOBS_MAX, &err), 0);
    assert_int_equal(ledger_jobs_check(0, &err), ERR_USAGE);
    assert_string_equal(err.msg, "jobs must be a whole number from 1 to 64, not 0");
    assert_int_equal(ledger_jobs_check(-2, &err), ERR_USAGE);
    assert_int_equal(ledger_jobs_check(LEDGER_JOBS_MAX + 1, &err), ERR_USAGE);
}

struct seen {
    pthread_mutex_t mu;
    int calls, n[8];
    int64_t pid[8];
    struct store *caller;
    bool own_db[8];
    int fail_from; /* parts k >= this fail */
};

static int part(struct ctx *c, int k, int n, void *arg, struct err *err)
{
    struct seen *s = arg;
    int64_t pid = 0;
    struct store_stmt *st = store_q(c->db, Q_TEST_BACKEND_PID);
    if (store_one(st, err) == 0) {
        pid = store_col_i64(st, 0);
        store_reset(st);
    }
    arena_strdup(c->arena, "a part's scratch memory");
    pthread_mutex_lock(&s->mu);
    s->calls++;
    s->n[k] = n;
    s->pid[k] = pid;
    s->own_db[k] = c->db != s->caller;
    pthread_mutex_unlock(&s->mu);
    if (k >= s->fail_from)
        return error(err, ERR_CONFLICT, "part %d failed", k);
    return 0;
}

static void test_parallel(void **state)
{
    struct testdb *t = *state;
    struct err err = ERR_INIT;
    bool pg = store_kind(t->db) == STORE_PG;
    struct seen s = { .mu = PTHREAD_MUTEX_INITIALIZER, .caller = t->db, .fail_from = 99 };

    int n = ledger_jobs(&t->ctx, 3);
    assert_int_equal(ledger_parallel(&t->ctx, n, part, &s, &err), 0);
    assert_int_equal(s.calls, n);
    for (int k = 0; k < n; k++) {
        assert_int_equal(s.n[k], n);
        assert_true(s.own_db[k] == pg); /* SQLite: the one part on the caller's */
    }
    if (pg) {
        assert_true(s.pid[0] != s.pid[1] && s.pid[1] != s.pid[2] && s.pid[0] != s.pid[2]);
        /* parts 1 and 2 fail: all three ran, part 1's error comes back */
        memset(s.n, 0, sizeof(s.n));
        s.calls = 0;
        s.fail_from = 1;
        assert_int_equal(ledger_parallel(&t->ctx, 3, part, &s, &err), ERR_CONFLICT);
        assert_int_equal(s.calls, 3);
        assert_string_equal(err.msg, "part 1 failed");
    }
    /* inside a transaction of the caller's: one part, on its connection */
    s.calls = 0;
    s.fail_from = 99;
    assert_int_equal(store_begin(t->db, &err), 0);
    assert_int_equal(ledger_parallel(&t->ctx, 3, part, &s, &err), 0);
    store_rollback(t->db);
    assert_int_equal(s.calls, 1);
    assert_int_equal(s.n[0], 1);
    assert_false(s.own_db[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_jobs, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_parallel, testdb_setup, testdb_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
