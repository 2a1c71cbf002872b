/*
 * Test harness for domain tests: a migrated database (PMIS_TEST_DB, a fresh PostgreSQL database
 * from the runner, or a new SQLite file in a temporary directory), a fresh key file, a fixed
 * clock (2025-06-15T02:00:00Z, 10:00 in Shanghai) and a context. On PostgreSQL each test starts
 * from an empty public schema. Include once per test file, after the cmocka headers.
 */
#ifndef PMIS_TESTDB_H
#define PMIS_TESTDB_H

#include "core/keyring.h"
#include "domain/ctx.h"
#include "domain/tariff.h"

#include <sys/stat.h>

struct testdb {
    char dir[256];
    struct store *db;
    struct keyring *keys;
    struct clock clock;
    struct arena arena;
    struct ctx ctx;
    struct err err;
};

#define TESTDB_NOW_US INT64_C(1749952800000000) /* 2025-06-15T02:00:00Z */

static int testdb_setup(void **state)
{
    struct testdb *t = calloc(1, sizeof(*t));
    const char *tmp = getenv("TMPDIR");
    const char *url = getenv("PMIS_TEST_DB");
    char path[400], sqlite_url[420];
    snprintf(t->dir, sizeof(t->dir), "%s/testdb.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(t->dir))
        return -1;
    if (!url || strncmp(url, "postgres", 8)) {
        snprintf(sqlite_url, sizeof(sqlite_url), "sqlite:%s/t.db", t->dir);
        url = sqlite_url;
    }
    if (store_open(&t->db, url, &t->err))
        return fprintf(stderr, "open: %s\n", t->err.msg), -1;
    if (store_kind(t->db) == STORE_PG &&
        store_exec_script(t->db,
                          "SET client_min_messages = warning;"
                          "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"
                          "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
                          &t->err))
        return fprintf(stderr, "reset: %s\n", t->err.msg), -1;
    if (store_migrate(t->db, NULL, &t->err))
        return fprintf(stderr, "migrate: %s\n", t->err.msg), -1;
    snprintf(path, sizeof(path), "%s/pmis.keys", t->dir);
    if (keyring_create(path, &t->err) || keyring_load(path, &t->keys, &t->err))
        return fprintf(stderr, "keys: %s\n", t->err.msg), -1;
    t->clock = clock_fixed(TESTDB_NOW_US);
    t->ctx = (struct ctx){ .db = t->db, .keys = t->keys, .clock = &t->clock, .actor = "tester",
                           .zone_name = "Asia/Shanghai", .arena = &t->arena };
    *state = t;
    return 0;
}

static int testdb_teardown(void **state)
{
    struct testdb *t = *state;
    char cmd[300];
    arena_release(&t->arena);
    keyring_free(t->keys);
    store_close(t->db);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", t->dir);
    free(t);
    return 0;
}

/* Load tariff `code` (one energy price from 2020): an account or an application names a loaded
 * tariff (account_check_tariff). Storing it again is a no-op. */
static inline void testdb_tariff(struct testdb *t, const char *code)
{
    char json[300];
    int n = snprintf(json, sizeof(json),
                     "{\"code\": \"%s\", \"name\": \"测试\", \"category\": \"resident\", "
                     "\"versions\": [{\"effective_from\": \"2020-01-01\", "
                     "\"energy\": {\"price\": \"0.5\"}}]}",
                     code);
    struct tariff *tf = NULL;
    assert_int_equal(tariff_parse_json(json, (size_t)n, &tf, &t->err), 0);
    assert_int_equal(tariff_save(&t->ctx, tf, NULL, NULL, &t->err), 0);
    tariff_free(tf);
}

#endif
