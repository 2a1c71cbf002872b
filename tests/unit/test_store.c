/*
 * Unit tests of the store (store/store.h) on SQLite, or on PostgreSQL when PMIS_TEST_DB holds
 * a postgresql:// URL (tests/run.sh runs it once per backend, each time on a fresh database).
 * Ad-hoc SQL comes from the test fixtures at the end of q_store.def, on the table test_kv made
 * by the group setup; store_impl.h only lends the helpers it exports for tests.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>
#include <ftw.h>

#include "core/xalloc.h"
#include "store/store_impl.h"

struct env {
    char dir[256];
    char url[1024];
    bool pg;
    struct store *s;
};

static const char kv_table[] =
    "CREATE TABLE IF NOT EXISTS test_kv (id {{ID}}, k TEXT NOT NULL UNIQUE, i BIGINT, t TEXT, "
    "b {{BLOB}})";

static const char zh_text[] = "国网江苏省电力有限公司·南京供电公司 客户：张三（居民）";
static const unsigned char nul_blob[] = {0x00, 'a', 0x00, 0xff, '\\', 'x', 0x00};

#define CHECK_OK(expr, err)                                                                        \
    do {                                                                                           \
        int check_ret_ = (expr);                                                                   \
        if (check_ret_ != 0)                                                                       \
            fail_msg("%s returned %d: %s", #expr, check_ret_, (err)->msg);                         \
    } while (0)

/* ---- helpers ---- */

static struct store *open_ok(const char *url)
{
    struct err err = ERR_INIT;
    struct store *s = NULL;
    CHECK_OK(store_open(&s, url, &err), &err);
    return s;
}

static void put(struct store *s, const char *k, int64_t i, const char *t, const void *b,
                size_t blen)
{
    struct err err = ERR_INIT;
    struct store_stmt *st = store_q(s, Q_TEST_KV_PUT);
    store_bind_text(st, 1, k);
    store_bind_i64(st, 2, i);
    store_bind_text(st, 3, t);
    if (b)
        store_bind_blob(st, 4, b, blen);
    else
        store_bind_null(st, 4);
    CHECK_OK(store_exec(st, &err), &err);
}

static int64_t count(struct store *s)
{
    struct err err = ERR_INIT;
    struct store_stmt *st = store_q(s, Q_TEST_KV_COUNT);
    CHECK_OK(store_one(st, &err), &err);
    int64_t n = store_col_i64(st, 0);
    store_reset(st);
    return n;
}

/* i of row k, or -1 when there is no such row */
static int64_t get_i(struct store *s, const char *k)
{
    struct err err = ERR_INIT;
    struct store_stmt *st = store_q(s, Q_TEST_KV_GET);
    store_bind_text(st, 1, k);
    int ret = store_one(st, &err);
    if (ret == ERR_NOT_FOUND)
        return -1;
    CHECK_OK(ret, &err);
    int64_t i = store_col_i64(st, 1);
    store_reset(st);
    return i;
}

/* Every row as "k|i|t|hex(b)\n", in key order: two cursors interleaved. */
static void dump(struct store *s, struct strbuf *out)
{
    struct err err = ERR_INIT;
    struct store_stmt *list = store_q(s, Q_TEST_KV_LIST);
    int ret;
    while ((ret = store_step(list, &err)) == STORE_ROW) {
        struct store_stmt *get = store_q(s, Q_TEST_KV_GET);
        size_t blen;
        store_bind_text(get, 1, store_col_text(list, 0));
        CHECK_OK(store_one(get, &err), &err);
        const void *b = store_col_blob(get, 3, &blen);
        strbuf_addf(out, "%s|%" PRId64 "|%s|", store_col_text(get, 0), store_col_i64(get, 1),
                    store_col_null(get, 2) ? "NULL" : store_col_text(get, 2));
        if (store_col_null(get, 3))
            strbuf_addstr(out, "NULL");
        else
            strbuf_add_hex(out, b, blen);
        strbuf_addch(out, '\n');
        store_reset(get);
    }
    CHECK_OK(ret, &err);
}

static void write_file(const char *path, const char *text, size_t times)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i < times; i++)
        fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* ---- fixtures ---- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    UNUSED(sb);
    UNUSED(flag);
    UNUSED(ftw);
    return remove(path);
}

static int group_setup(void **state)
{
    struct env *env = xcalloc(1, sizeof(*env));
    const char *tmp = getenv("TMPDIR"), *db = getenv("PMIS_TEST_DB");
    struct strbuf sql = STRBUF_INIT;
    struct err err = ERR_INIT;

    snprintf(env->dir, sizeof(env->dir), "%s/pmis-test-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(env->dir)) {
        fprintf(stderr, "cannot create '%s': %s\n", env->dir, strerror(errno));
        return -1;
    }
    env->pg = db && (!strncmp(db, "postgresql://", 13) || !strncmp(db, "postgres://", 11));
    if (env->pg)
        snprintf(env->url, sizeof(env->url), "%s", db);
    else
        snprintf(env->url, sizeof(env->url), "sqlite:%s/test.db", env->dir);

    struct store *s = NULL;
    int ret = store_open(&s, env->url, &err);
    if (!ret)
        ret = store_sql_render(store_kind(s), kv_table, &sql, &err);
    if (!ret)
        ret = store_exec_script(s, sql.buf, &err);
    store_close(s);
    strbuf_release(&sql);
    if (ret) {
        fprintf(stderr, "cannot set up '%s': %s\n", env->url, err.msg);
        return -1;
    }
    *state = env;
    return 0;
}

static int group_teardown(void **state)
{
    struct env *env = *state;
    nftw(env->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(env);
    return 0;
}

static int setup(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    if (store_open(&env->s, env->url, &err)) {
        fprintf(stderr, "cannot open '%s': %s\n", env->url, err.msg);
        return -1;
    }
    if (store_exec(store_q(env->s, Q_TEST_KV_CLEAR), &err)) {
        fprintf(stderr, "cannot clear test_kv: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    struct env *env = *state;
    store_close(env->s);
    env->s = NULL;
    return 0;
}

/* ---- opening ---- */

static void test_open_close(void **state)
{
    struct env *env = *state;
    assert_int_equal(store_kind(env->s), env->pg ? STORE_PG : STORE_SQLITE);
    assert_string_equal(store_url(env->s), env->url);
    assert_int_equal(store_tx_depth(env->s), 0);
    struct err err = ERR_INIT;
    struct store_stmt *st = store_q(env->s, Q_TEST_SESSION);
    CHECK_OK(store_one(st, &err), &err);
    assert_string_equal(store_col_text(st, 0),
                        env->pg ? "UTC UTF8 hex" : "wal fk=1 busy=5000 sync=1");
    store_reset(st);
    /* a second connection to the same database sees the same rows */
    put(env->s, "a", 1, NULL, NULL, 0);
    struct store *s2 = open_ok(env->url);
    assert_int_equal(count(s2), 1);
    store_close(s2);
    store_close(NULL);
}

static void test_open_bad_url(void **state)
{
    struct err err = ERR_INIT;
    struct store *s = NULL;
    UNUSED(state);
    assert_int_equal(store_open(&s, "mysql://u:pw@h/db", &err), ERR_CONFIG);
    assert_null(s);
    assert_non_null(strstr(err.msg, "mysql://u:***@h/db"));
    assert_null(strstr(err.msg, "pw"));
}

static void test_open_not_a_database(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    struct store *s = NULL;
    char path[512], url[600];
    snprintf(path, sizeof(path), "%s/notes.txt", env->dir);
    snprintf(url, sizeof(url), "sqlite:%s", path);
    write_file(path, "this is a text file, not a database\n", 100);
    assert_int_equal(store_open(&s, url, &err), ERR_CORRUPT);
    assert_null(s);
    char want[600];
    snprintf(want, sizeof(want), "'%s' is not a SQLite database", path);
    assert_string_equal(err.msg, want);
}

static void test_open_missing_directory(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    struct store *s = NULL;
    char url[600], dir[512];
    snprintf(dir, sizeof(dir), "%s/no/such/dir", env->dir);
    snprintf(url, sizeof(url), "sqlite:%s/x.db", dir);
    assert_int_equal(store_open(&s, url, &err), ERR_IO);
    assert_null(s);
    assert_non_null(strstr(err.msg, dir));
}

static void test_open_pg_unreachable(void **state)
{
    struct err err = ERR_INIT;
    struct store *s = NULL;
    UNUSED(state);
    assert_int_equal(store_open(&s, "postgresql://bob:s3cret@/x?host=/nonexistent", &err),
                     ERR_UNAVAILABLE);
    assert_null(s);
    assert_non_null(
        strstr(err.msg, "cannot connect to 'postgresql://bob:***@/x?host=/nonexistent'"));
    assert_null(strstr(err.msg, "s3cret"));
    assert_int_equal(store_open(&s, "postgresql:///x?host=/nonexistent", &err), ERR_UNAVAILABLE);
    assert_int_equal(store_open(&s, "postgresql:///x?nosuchoption=1", &err), ERR_CONFIG);
}

static void test_redact_url(void **state)
{
    static const struct {
        const char *in, *out, *secret;
    } cases[] = {
        {"sqlite:/var/lib/pmis/pmis.db", "sqlite:/var/lib/pmis/pmis.db", NULL},
        {"postgresql://u:p%40ss@db.example:5432/pmis", "postgresql://u:***@db.example:5432/pmis",
         "p%40ss"},
        {"postgres://u@h/d?sslmode=require", "postgres://u@h/d?sslmode=require", NULL},
        {"postgresql:///d?host=/run&password=xyz&user=u",
         "postgresql:///d?host=/run&password=***&user=u", "xyz"},
        {"postgresql://u:@h/d", "postgresql://u:***@h/d", NULL},
    };
    UNUSED(state);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct strbuf sb = STRBUF_INIT;
        char *secret;
        store_redact_url(cases[i].in, &sb, &secret);
        assert_string_equal(sb.buf, cases[i].out);
        if (cases[i].secret)
            assert_string_equal(secret, cases[i].secret);
        else
            assert_null(secret);
        free(secret);
        strbuf_release(&sb);
    }
}

/* ---- migration templates ---- */

static void test_render(void **state)
{
    static const char tmpl[] = "CREATE TABLE t (id {{ID}}, b {{BLOB}});\n"
                               "-- @sqlite\n"
                               "CREATE INDEX t_b ON t (b);\n"
                               "  -- @pg\n"
                               "CREATE INDEX t_b ON t USING hash (b);\n"
                               "-- @both\n"
                               "-- a comment with {braces}\n"
                               "INSERT INTO t (b) VALUES (NULL)";
    struct strbuf out = STRBUF_INIT;
    struct err err = ERR_INIT;
    UNUSED(state);

    CHECK_OK(store_sql_render(STORE_SQLITE, tmpl, &out, &err), &err);
    assert_string_equal(out.buf, "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, b BLOB);\n"
                                 "CREATE INDEX t_b ON t (b);\n"
                                 "-- a comment with {braces}\n"
                                 "INSERT INTO t (b) VALUES (NULL)");
    strbuf_reset(&out);
    CHECK_OK(store_sql_render(STORE_PG, tmpl, &out, &err), &err);
    assert_string_equal(out.buf, "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY "
                                 "PRIMARY KEY, b BYTEA);\n"
                                 "CREATE INDEX t_b ON t USING hash (b);\n"
                                 "-- a comment with {braces}\n"
                                 "INSERT INTO t (b) VALUES (NULL)");
    strbuf_reset(&out);
    assert_int_equal(store_sql_render(STORE_PG, "SELECT 1;\nx {{UUID}}\n", &out, &err),
                     ERR_INVALID);
    assert_string_equal(err.msg, "line 2: unknown placeholder '{{UUID}}'");
    assert_int_equal(store_sql_render(STORE_PG, "-- @mysql\n", &out, &err), ERR_INVALID);
    assert_string_equal(err.msg, "line 1: unknown block marker '@mysql'");
    strbuf_reset(&out);
    CHECK_OK(store_sql_render(STORE_PG, "'{{1,2},{3,4}}' {{ID x {{", &out, &err), &err);
    assert_string_equal(out.buf, "'{{1,2},{3,4}}' {{ID x {{");
    strbuf_release(&out);

    char hex[65];
    store_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* ---- values ---- */

static void test_values_roundtrip(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    size_t len;

    put(env->s, "min", INT64_MIN, zh_text, nul_blob, sizeof(nul_blob));
    put(env->s, "max", INT64_MAX, "", "", 0);
    put(env->s, zh_text, -1, NULL, NULL, 0);

    struct store_stmt *st = store_q(env->s, Q_TEST_KV_GET);
    store_bind_text(st, 1, "min");
    CHECK_OK(store_one(st, &err), &err);
    assert_int_equal(store_col_count(st), 5);
    assert_true(store_col_i64(st, 1) == INT64_MIN);
    assert_string_equal(store_col_text(st, 2), zh_text);
    const void *b = store_col_blob(st, 3, &len);
    assert_int_equal(len, sizeof(nul_blob));
    assert_memory_equal(b, nul_blob, sizeof(nul_blob));
    /* read twice: the same bytes */
    b = store_col_blob(st, 3, &len);
    assert_int_equal(len, sizeof(nul_blob));
    assert_memory_equal(b, nul_blob, sizeof(nul_blob));

    st = store_q(env->s, Q_TEST_KV_GET);
    store_bind_text(st, 1, "max");
    CHECK_OK(store_one(st, &err), &err);
    assert_true(store_col_i64(st, 1) == INT64_MAX);
    assert_false(store_col_null(st, 2));
    assert_string_equal(store_col_text(st, 2), "");
    assert_false(store_col_null(st, 3));
    store_col_blob(st, 3, &len);
    assert_int_equal(len, 0);

    st = store_q(env->s, Q_TEST_KV_GET);
    store_bind_text(st, 1, zh_text);
    CHECK_OK(store_one(st, &err), &err);
    assert_string_equal(store_col_text(st, 0), zh_text);
    assert_int_equal(store_col_i64(st, 1), -1);
    assert_true(store_col_null(st, 2));
    assert_null(store_col_text(st, 2));
    assert_true(store_col_null(st, 3));
    assert_null(store_col_blob(st, 3, &len));
    assert_int_equal(len, 0);
    store_reset(st);

    /* NULL integers read as 0; text bound with a length */
    st = store_q(env->s, Q_TEST_KV_PUT);
    store_bind_textn(st, 1, "null-i-and-more", 6);
    store_bind_null(st, 2);
    CHECK_OK(store_exec(st, &err), &err);
    st = store_q(env->s, Q_TEST_KV_GET);
    store_bind_text(st, 1, "null-i");
    CHECK_OK(store_one(st, &err), &err);
    assert_true(store_col_null(st, 1));
    assert_int_equal(store_col_i64(st, 1), 0);
    store_reset(st);
}

static void test_one_not_found(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    struct store_stmt *st = store_q(env->s, Q_TEST_KV_GET);
    store_bind_text(st, 1, "nobody");
    assert_int_equal(store_one(st, &err), ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "Q_TEST_KV_GET"));
}

static void test_unique_conflict(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    put(env->s, "dup", 1, "first", NULL, 0);

    struct store_stmt *st = store_q(env->s, Q_TEST_KV_PUT);
    store_bind_text(st, 1, "dup");
    store_bind_i64(st, 2, 2);
    store_bind_text(st, 3, "second");
    assert_int_equal(store_exec(st, &err), ERR_CONFLICT);
    assert_string_equal(err.msg, env->pg ? "duplicate key value violates unique constraint "
                                           "\"test_kv_k_key\": Key (k)=(dup) already exists"
                                         : "UNIQUE constraint failed: test_kv.k");
    assert_int_equal(count(env->s), 1);
    assert_int_equal(get_i(env->s, "dup"), 1);
    /* the statement was reset: it runs again with new values */
    store_bind_text(st, 1, "other");
    CHECK_OK(store_exec(st, &err), &err);
    assert_int_equal(count(env->s), 2);
}

static void test_changes_and_returning(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    int64_t ids[3];
    for (int i = 0; i < 3; i++) {
        char k[8];
        snprintf(k, sizeof(k), "r%d", i);
        struct store_stmt *st = store_q(env->s, Q_TEST_KV_ADD);
        store_bind_text(st, 1, k);
        store_bind_i64(st, 2, i);
        CHECK_OK(store_one(st, &err), &err);
        ids[i] = store_col_i64(st, 0);
        assert_true(ids[i] > 0);
        assert_true(i == 0 || ids[i] > ids[i - 1]);
        store_reset(st);
    }
    struct store_stmt *st = store_q(env->s, Q_TEST_KV_BUMP);
    store_bind_i64(st, 1, 10);
    CHECK_OK(store_exec(st, &err), &err);
    assert_int_equal(store_changes(st), 3);
    assert_int_equal(get_i(env->s, "r2"), 12);

    st = store_q(env->s, Q_TEST_KV_COUNT);
    CHECK_OK(store_exec(st, &err), &err);
    assert_int_equal(store_changes(st), 0);
}

static void test_param_order_and_literals(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    struct store_stmt *st = store_q(env->s, Q_TEST_ORDER);
    store_bind_i64(st, 1, 10);
    store_bind_i64(st, 2, 20);
    CHECK_OK(store_one(st, &err), &err);
    assert_int_equal(store_col_i64(st, 0), 20);
    assert_int_equal(store_col_i64(st, 1), 10);

    st = store_q(env->s, Q_TEST_LITERALS);
    store_bind_text(st, 1, "x");
    CHECK_OK(store_one(st, &err), &err);
    assert_int_equal(store_col_count(st), 2);
    assert_string_equal(store_col_text(st, 0), "a?1'b");
    assert_string_equal(store_col_text(st, 1), "x");
    store_reset(st);

    /* binding past the statement's last parameter is reported, not ignored */
    st = store_q(env->s, Q_TEST_ORDER);
    store_bind_i64(st, 3, 30);
    assert_int_equal(store_exec(st, &err), ERR_INTERNAL);
    assert_non_null(strstr(err.msg, "Q_TEST_ORDER"));
}

static void test_statement_cache(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    put(env->s, "a", 1, NULL, NULL, 0);
    put(env->s, "b", 2, NULL, NULL, 0);
    put(env->s, "c", 3, NULL, NULL, 0);

    struct store_stmt *st1 = store_q(env->s, Q_TEST_KV_GET);
    store_bind_text(st1, 1, "a");
    CHECK_OK(store_one(st1, &err), &err);
    assert_int_equal(store_col_i64(st1, 1), 1);
    struct store_stmt *st2 = store_q(env->s, Q_TEST_KV_GET);
    assert_ptr_equal(st1, st2);
    store_bind_text(st2, 1, "b");
    CHECK_OK(store_one(st2, &err), &err);
    assert_int_equal(store_col_i64(st2, 1), 2);
    /* binding again while the row is pending resets it */
    store_bind_text(st2, 1, "c");
    CHECK_OK(store_one(st2, &err), &err);
    assert_int_equal(store_col_i64(st2, 1), 3);
    store_reset(st2);

    /* store_q in the middle of a cursor starts it afresh */
    struct store_stmt *list = store_q(env->s, Q_TEST_KV_LIST);
    assert_int_equal(store_step(list, &err), STORE_ROW);
    assert_int_equal(store_step(list, &err), STORE_ROW);
    assert_string_equal(store_col_text(list, 0), "b");
    list = store_q(env->s, Q_TEST_KV_LIST);
    int n = 0, ret;
    while ((ret = store_step(list, &err)) == STORE_ROW)
        n++;
    CHECK_OK(ret, &err);
    assert_int_equal(n, 3);
    /* after DONE the statement is reset and runs again */
    n = 0;
    while ((ret = store_step(list, &err)) == STORE_ROW)
        n++;
    assert_int_equal(n, 3);
    assert_int_equal(store_col_count(list), 0);

    /* many executions of one statement */
    struct store_stmt *ins = store_q(env->s, Q_TEST_KV_PUT);
    for (int i = 0; i < 500; i++) {
        char k[16];
        snprintf(k, sizeof(k), "bulk%04d", i);
        store_bind_text(ins, 1, k);
        store_bind_i64(ins, 2, i);
        store_bind_blob(ins, 4, k, strlen(k));
        CHECK_OK(store_exec(ins, &err), &err);
        assert_int_equal(store_changes(ins), 1);
    }
    assert_int_equal(count(env->s), 503);
    assert_int_equal(get_i(env->s, "bulk0499"), 499);
}

static void test_bad_sql(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(store_exec(store_q(env->s, Q_TEST_NO_TABLE), &err), ERR_INTERNAL);
        assert_non_null(strstr(err.msg, "query 'Q_TEST_NO_TABLE' failed"));
        assert_non_null(strstr(err.msg, "test_no_such_table"));
    }
    assert_int_equal(store_exec_script(env->s, "SELEKT 1", &err), ERR_INTERNAL);
    /* the connection still works */
    put(env->s, "after", 1, NULL, NULL, 0);
    assert_int_equal(count(env->s), 1);
}

/* ---- transactions ---- */

static void test_tx_inner_rollback(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    CHECK_OK(store_begin(env->s, &err), &err);
    put(env->s, "outer", 1, NULL, NULL, 0);
    CHECK_OK(store_begin(env->s, &err), &err);
    assert_int_equal(store_tx_depth(env->s), 2);
    put(env->s, "inner", 2, NULL, NULL, 0);
    CHECK_OK(store_begin(env->s, &err), &err);
    put(env->s, "innermost", 3, NULL, NULL, 0);
    CHECK_OK(store_commit(env->s, &err), &err);
    assert_int_equal(count(env->s), 3);
    store_rollback(env->s);
    assert_int_equal(store_tx_depth(env->s), 1);
    assert_int_equal(count(env->s), 1);
    put(env->s, "outer2", 4, NULL, NULL, 0);
    CHECK_OK(store_commit(env->s, &err), &err);
    assert_int_equal(store_tx_depth(env->s), 0);

    struct store *s2 = open_ok(env->url);
    assert_int_equal(get_i(s2, "outer"), 1);
    assert_int_equal(get_i(s2, "outer2"), 4);
    assert_int_equal(get_i(s2, "inner"), -1);
    assert_int_equal(get_i(s2, "innermost"), -1);
    store_close(s2);
}

static void test_tx_outer_rollback(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    put(env->s, "before", 0, NULL, NULL, 0);
    CHECK_OK(store_begin(env->s, &err), &err);
    put(env->s, "outer", 1, NULL, NULL, 0);
    CHECK_OK(store_begin(env->s, &err), &err);
    put(env->s, "inner", 2, NULL, NULL, 0);
    CHECK_OK(store_commit(env->s, &err), &err);
    store_rollback(env->s);
    assert_int_equal(store_tx_depth(env->s), 0);
    assert_int_equal(count(env->s), 1);
    assert_int_equal(get_i(env->s, "before"), 0);
    /* a stray rollback is harmless */
    store_rollback(env->s);
    assert_int_equal(store_tx_depth(env->s), 0);
}

static void test_tx_conflict_in_savepoint(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    CHECK_OK(store_begin(env->s, &err), &err);
    put(env->s, "x", 1, NULL, NULL, 0);
    CHECK_OK(store_begin(env->s, &err), &err);
    struct store_stmt *st = store_q(env->s, Q_TEST_KV_PUT);
    store_bind_text(st, 1, "x");
    assert_int_equal(store_exec(st, &err), ERR_CONFLICT);
    store_rollback(env->s);
    /* the outer transaction is still usable (PostgreSQL: thanks to the savepoint) */
    put(env->s, "y", 2, NULL, NULL, 0);
    CHECK_OK(store_commit(env->s, &err), &err);
    assert_int_equal(count(env->s), 2);
}

static void test_tx_isolation(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    struct store *s2 = open_ok(env->url);
    CHECK_OK(store_begin(env->s, &err), &err);
    put(env->s, "pending", 1, NULL, NULL, 0);
    assert_int_equal(count(s2), 0);
    CHECK_OK(store_commit(env->s, &err), &err);
    assert_int_equal(count(s2), 1);
    /* closing with an open transaction rolls it back */
    CHECK_OK(store_begin(s2, &err), &err);
    put(s2, "lost", 2, NULL, NULL, 0);
    store_close(s2);
    assert_int_equal(count(env->s), 1);
}

/* A named lock excludes other sessions until released or closed, and is held per session. */
static void test_named_lock(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    struct store *s2 = open_ok(env->url);
    CHECK_OK(store_lock_try(env->s, "bill-run-2025-06", "a bill run for 2025-06", &err), &err);
    assert_int_equal(store_lock_try(s2, "bill-run-2025-06", "a bill run for 2025-06", &err),
                     ERR_BUSY);
    assert_string_equal(err.msg, "a bill run for 2025-06 is already in progress");
    /* the same session cannot take it twice either */
    assert_int_equal(store_lock_try(env->s, "bill-run-2025-06", "x", &err), ERR_BUSY);
    /* other names are independent */
    CHECK_OK(store_lock_try(s2, "bill-run-2025-07", "x", &err), &err);
    store_unlock(env->s, "bill-run-2025-06");
    CHECK_OK(store_lock_try(s2, "bill-run-2025-06", "x", &err), &err);
    assert_int_equal(store_lock_try(env->s, "bill-run-2025-07", "x", &err), ERR_BUSY);
    /* closing the session releases what it holds */
    store_close(s2);
    CHECK_OK(store_lock_try(env->s, "bill-run-2025-07", "x", &err), &err);
    CHECK_OK(store_lock_try(env->s, "bill-run-2025-06", "x", &err), &err);
    store_unlock(env->s, "bill-run-2025-06");
    store_unlock(env->s, "bill-run-2025-07");
    store_unlock(env->s, "never-taken"); /* harmless */
    /* a lock held is kept (SQLite: an flock lives with the process; PostgreSQL: still held) */
    CHECK_OK(store_lock_try(env->s, "bill-run-2025-08", "x", &err), &err);
    CHECK_OK(store_lock_keep(env->s, "bill-run-2025-08", "x", &err), &err);
    assert_int_equal(store_reconnects(env->s), 0);
    store_unlock(env->s, "bill-run-2025-08");
}

/* A row left readable by store_one must not pin the connection to an old snapshot. */
static void test_one_releases_snapshot(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    put(env->s, "a", 1, "text of a", NULL, 0);

    struct store_stmt *st = store_q(env->s, Q_TEST_KV_GET);
    store_bind_text(st, 1, "a");
    CHECK_OK(store_one(st, &err), &err);
    struct store *s2 = open_ok(env->url);
    put(s2, "b", 2, NULL, NULL, 0);
    store_close(s2);
    /* the row is still readable, and the connection sees and writes the newest data */
    assert_string_equal(store_col_text(st, 2), "text of a");
    assert_int_equal(store_col_i64(st, 1), 1);
    assert_int_equal(count(env->s), 2);
    CHECK_OK(store_begin(env->s, &err), &err);
    put(env->s, "c", 3, NULL, NULL, 0);
    CHECK_OK(store_commit(env->s, &err), &err);
    assert_string_equal(store_col_text(st, 0), "a");
    assert_int_equal(count(env->s), 3);
    /* the next step runs it again rather than looking for a second row */
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_int_equal(store_col_i64(st, 1), 1);
    assert_int_equal(store_step(st, &err), STORE_DONE);
}

/* ---- lost connections ---- */

static void kill_backend(struct env *env, struct store *victim)
{
    struct err err = ERR_INIT;
    struct store_stmt *st = store_q(victim, Q_TEST_BACKEND_PID);
    CHECK_OK(store_one(st, &err), &err);
    int64_t pid = store_col_i64(st, 0);
    store_reset(st);
    struct store *killer = open_ok(env->url);
    st = store_q(killer, Q_TEST_KILL_BACKEND);
    store_bind_i64(st, 1, pid);
    CHECK_OK(store_one(st, &err), &err);
    assert_int_equal(store_col_i64(st, 0), 1);
    store_close(killer);
}

static void test_pg_reconnect(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    put(env->s, "a", 1, NULL, NULL, 0);

    /* outside a transaction: one statement fails, the next reconnects */
    kill_backend(env, env->s);
    assert_int_equal(store_exec(store_q(env->s, Q_TEST_KV_COUNT), &err), ERR_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "lost connection"));
    assert_int_equal(count(env->s), 1);
    assert_int_equal(get_i(env->s, "a"), 1);

    /* inside one: it stays failed until the caller rolls back */
    CHECK_OK(store_begin(env->s, &err), &err);
    put(env->s, "b", 2, NULL, NULL, 0);
    kill_backend(env, env->s);
    assert_int_equal(store_exec(store_q(env->s, Q_TEST_KV_COUNT), &err), ERR_UNAVAILABLE);
    assert_int_equal(store_exec(store_q(env->s, Q_TEST_KV_COUNT), &err), ERR_UNAVAILABLE);
    assert_int_equal(store_commit(env->s, &err), ERR_UNAVAILABLE);
    store_rollback(env->s);
    assert_int_equal(store_tx_depth(env->s), 0);
    assert_int_equal(count(env->s), 1);
    assert_int_equal(get_i(env->s, "b"), -1);
}

/* A session lock lost with its connection is taken again by store_lock_keep, unless another
 * session took it meanwhile: then it is refused and no longer counted as held. */
static void test_pg_lock_keep(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    CHECK_OK(store_lock_try(env->s, "outbox-worker-1", "a worker", &err), &err);
    CHECK_OK(store_lock_keep(env->s, "outbox-worker-1", "a worker", &err), &err);
    unsigned gen = store_reconnects(env->s);

    kill_backend(env, env->s);
    assert_int_equal(store_exec(store_q(env->s, Q_TEST_KV_COUNT), &err), ERR_UNAVAILABLE);
    CHECK_OK(store_lock_keep(env->s, "outbox-worker-1", "a worker", &err), &err);
    assert_int_equal(store_reconnects(env->s), gen + 1);
    struct store *s2 = open_ok(env->url);
    assert_int_equal(store_lock_try(s2, "outbox-worker-1", "a worker", &err), ERR_BUSY);

    /* lost again, and taken by another session before this one looks */
    kill_backend(env, env->s);
    CHECK_OK(store_lock_try(s2, "outbox-worker-1", "a worker", &err), &err);
    assert_int_equal(store_exec(store_q(env->s, Q_TEST_KV_COUNT), &err), ERR_UNAVAILABLE);
    assert_int_equal(store_lock_keep(env->s, "outbox-worker-1", "a worker", &err), ERR_BUSY);
    assert_non_null(strstr(err.msg, "another session holds it now"));
    store_close(s2);
    /* not held any more, so it can be taken again */
    CHECK_OK(store_lock_try(env->s, "outbox-worker-1", "a worker", &err), &err);
    store_unlock(env->s, "outbox-worker-1");
}

/* ---- fault injection ---- */

#ifdef PMIS_TESTING
static void test_fault_injection(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    put(env->s, "a", 1, NULL, NULL, 0);

    store_fault_set(env->s, ERR_BUSY, 0);
    assert_int_equal(store_exec(store_q(env->s, Q_TEST_KV_COUNT), &err), ERR_BUSY);
    assert_non_null(strstr(err.msg, "injected"));
    assert_int_equal(count(env->s), 1); /* one shot */

    /* two steps succeed, the third fails: a cursor breaks in the middle */
    put(env->s, "b", 2, NULL, NULL, 0);
    put(env->s, "c", 3, NULL, NULL, 0);
    store_fault_set(env->s, ERR_IO, 2);
    struct store_stmt *list = store_q(env->s, Q_TEST_KV_LIST);
    assert_int_equal(store_step(list, &err), STORE_ROW);
    assert_int_equal(store_step(list, &err), STORE_ROW);
    assert_int_equal(store_step(list, &err), ERR_IO);
    assert_int_equal(store_col_count(list), 0);

    /* transaction control is not counted; the failed insert changes nothing */
    store_fault_set(env->s, ERR_CONFLICT, 0);
    CHECK_OK(store_begin(env->s, &err), &err);
    struct store_stmt *st = store_q(env->s, Q_TEST_KV_PUT);
    store_bind_text(st, 1, "d");
    assert_int_equal(store_exec(st, &err), ERR_CONFLICT);
    store_rollback(env->s);
    assert_int_equal(count(env->s), 3);
}

static void test_fault_env(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    struct store *s = NULL;

    setenv("PMIS_FAULT", "io:1", 1);
    int ret = store_open(&s, env->url, &err);
    unsetenv("PMIS_FAULT");
    CHECK_OK(ret, &err);
    /* every store_step() counts; a DELETE of nothing is one step */
    CHECK_OK(store_exec(store_q(s, Q_TEST_KV_CLEAR), &err), &err);
    assert_int_equal(store_exec(store_q(s, Q_TEST_KV_CLEAR), &err), ERR_IO);
    CHECK_OK(store_exec(store_q(s, Q_TEST_KV_CLEAR), &err), &err);
    store_close(s);

    setenv("PMIS_FAULT", "slow:3", 1);
    assert_int_equal(store_open(&s, env->url, &err), ERR_CONFIG);
    assert_null(s);
    setenv("PMIS_FAULT", "busy:x", 1);
    assert_int_equal(store_open(&s, env->url, &err), ERR_CONFIG);
    unsetenv("PMIS_FAULT");
}

#endif

/* ---- migrations ---- */

static void test_migrate(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    size_t n = store_migration_count();
    struct store_migration_status *st = xcalloc(n + 1, sizeof(*st));
    int applied = -1;

    CHECK_OK(store_migration_status(env->s, st, &err), &err);
    size_t pending = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(st[i].version > 0);
        assert_non_null(st[i].name);
        if (!st[i].applied) {
            pending++;
            assert_string_equal(st[i].applied_at, "");
        }
    }
    if (pending)
        assert_int_equal(store_require_current(env->s, &err), ERR_CONFIG);
    if (pending)
        assert_non_null(strstr(err.msg, "run 'pmis db migrate'"));

    CHECK_OK(store_migrate(env->s, &applied, &err), &err);
    assert_int_equal(applied, (int)pending);
    CHECK_OK(store_migration_status(env->s, st, &err), &err);
    for (size_t i = 0; i < n; i++) {
        assert_true(st[i].applied);
        assert_int_equal(strlen(st[i].applied_at), 20); /* 2025-01-02T03:04:05Z */
        assert_int_equal(st[i].applied_at[10], 'T');
    }
    CHECK_OK(store_require_current(env->s, &err), &err);
    CHECK_OK(store_migrate(env->s, &applied, &err), &err);
    assert_int_equal(applied, 0);
    CHECK_OK(store_migrate(env->s, NULL, &err), &err);
    free(st);
}

static void test_migrate_list(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    size_t n = store_migration_count();
    struct store_migration_src *list = xcalloc(n + 3, sizeof(*list));
    int applied;

    memcpy(list, store_migrations, n * sizeof(*list));
    list[n] = (struct store_migration_src){9001, "mig_a",
                                           "CREATE TABLE test_mig_a (id {{ID}}, v {{BLOB}});\n"
                                           "-- @sqlite\n"
                                           "INSERT INTO test_mig_a (v) VALUES (x'00ff');\n"
                                           "-- @pg\n"
                                           "INSERT INTO test_mig_a (v) VALUES ('\\x00ff');\n"
                                           "-- @both\n", NULL};
    list[n + 1] =
        (struct store_migration_src){9002, "mig_b", "CREATE TABLE test_mig_b (x BIGINT);\n", NULL};
    CHECK_OK(store_migrate_list(env->s, list, n + 2, &applied, &err), &err);
    assert_int_equal(applied, 2);
    CHECK_OK(store_migrate_list(env->s, list, n + 2, &applied, &err), &err);
    assert_int_equal(applied, 0);

    /* a failing migration leaves nothing behind and stops the run */
    list[n + 2] = (struct store_migration_src){9003, "mig_bad",
                                               "CREATE TABLE test_mig_c (x BIGINT);\n"
                                               "INSERT INTO test_mig_nope VALUES (1);\n", NULL};
    assert_int_equal(store_migrate_list(env->s, list, n + 3, &applied, &err), ERR_INTERNAL);
    assert_int_equal(applied, 0);
    assert_non_null(strstr(err.msg, "migration 9003 'mig_bad': "));
    assert_int_equal(store_exec_script(env->s, "SELECT * FROM test_mig_c", &err), ERR_INTERNAL);

    /* a migration edited after it was applied */
    list[n + 1].sql = "CREATE TABLE test_mig_b (x BIGINT, y BIGINT);\n";
    assert_int_equal(store_migrate_list(env->s, list, n + 2, &applied, &err), ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "9002 'mig_b'"));
    /* a database newer than the binary */
    assert_int_equal(store_migrate_list(env->s, list, n + 1, &applied, &err), ERR_CONFIG);
    assert_non_null(strstr(err.msg, "9002"));
    assert_int_equal(store_require_current(env->s, &err), ERR_CONFIG);

    /* out of order */
    struct store_migration_src bad[2] = {{2, "b", "", NULL}, {1, "a", "", NULL}};
    assert_int_equal(store_migrate_list(env->s, bad, 2, &applied, &err), ERR_INTERNAL);

    CHECK_OK(store_exec(store_q(env->s, Q_TEST_MIG_FORGET), &err), &err);
    CHECK_OK(store_exec_script(env->s, "DROP TABLE test_mig_a; DROP TABLE test_mig_b", &err), &err);
    free(list);
}

/* ---- backup and restore ---- */

static void test_backup_restore(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    struct strbuf before = STRBUF_INIT, after = STRBUF_INIT;
    char path[512];

    snprintf(path, sizeof(path), "%s/backup.%s", env->dir, env->pg ? "dump" : "db");
    put(env->s, "min", INT64_MIN, zh_text, nul_blob, sizeof(nul_blob));
    put(env->s, "max", INT64_MAX, "", "", 0);
    put(env->s, zh_text, 7, NULL, NULL, 0);
    dump(env->s, &before);

    /* another connection is in the middle of writing: the backup neither waits nor sees it */
    struct store *s2 = open_ok(env->url);
    CHECK_OK(store_begin(s2, &err), &err);
    put(s2, "uncommitted", 1, NULL, NULL, 0);
    CHECK_OK(store_backup_to(env->s, path, &err), &err);
    CHECK_OK(store_commit(s2, &err), &err);
    store_close(s2);

    CHECK_OK(store_exec(store_q(env->s, Q_TEST_KV_CLEAR), &err), &err);
    put(env->s, "later", 9, "x", "y", 1);
    dump(env->s, &after);
    assert_string_not_equal(before.buf, after.buf);

    CHECK_OK(store_restore_from(env->s, path, &err), &err);
    strbuf_reset(&after);
    dump(env->s, &after);
    assert_string_equal(before.buf, after.buf);
    /* other connections see the restored data too */
    s2 = open_ok(env->url);
    assert_int_equal(count(s2), 3);
    store_close(s2);

    /* cannot restore inside a transaction */
    CHECK_OK(store_begin(env->s, &err), &err);
    assert_int_equal(store_restore_from(env->s, path, &err), ERR_INTERNAL);
    store_rollback(env->s);

    strbuf_release(&before);
    strbuf_release(&after);
}

static void test_restore_errors(void **state)
{
    struct env *env = *state;
    struct err err = ERR_INIT;
    char path[512];

    put(env->s, "keep", 1, NULL, NULL, 0);
    snprintf(path, sizeof(path), "%s/missing.backup", env->dir);
    assert_int_equal(store_restore_from(env->s, path, &err), ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, path));

    snprintf(path, sizeof(path), "%s/garbage.backup", env->dir);
    write_file(path, "garbage, not a backup\n", 200);
    assert_int_equal(store_restore_from(env->s, path, &err), ERR_CORRUPT);
    assert_non_null(strstr(err.msg, path));
    assert_int_equal(get_i(env->s, "keep"), 1);

    snprintf(path, sizeof(path), "%s/no/such/dir/x.backup", env->dir);
    assert_int_equal(store_backup_to(env->s, path, &err), ERR_IO);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest all[] = {
        T(test_open_close),
        T(test_open_bad_url),
        T(test_open_not_a_database),
        T(test_open_missing_directory),
        T(test_open_pg_unreachable),
        T(test_redact_url),
        T(test_render),
        T(test_values_roundtrip),
        T(test_one_not_found),
        T(test_unique_conflict),
        T(test_changes_and_returning),
        T(test_param_order_and_literals),
        T(test_statement_cache),
        T(test_bad_sql),
        T(test_tx_inner_rollback),
        T(test_tx_outer_rollback),
        T(test_tx_conflict_in_savepoint),
        T(test_tx_isolation),
        T(test_one_releases_snapshot),
        T(test_named_lock),
#ifdef PMIS_TESTING
        T(test_fault_injection),
        T(test_fault_env),
#endif
        T(test_migrate),
        T(test_migrate_list),
        T(test_backup_restore),
        T(test_restore_errors),
    };
    const struct CMUnitTest pg_only[] = {
        T(test_pg_reconnect),
        T(test_pg_lock_keep),
    };
#undef T
    /* backend-specific tests are left out, not skipped: the runner counts a skip as failed */
    const char *db = getenv("PMIS_TEST_DB");
    bool pg = db && (!strncmp(db, "postgresql://", 13) || !strncmp(db, "postgres://", 11));
    struct CMUnitTest tests[ARRAY_SIZE(all) + ARRAY_SIZE(pg_only)];
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(all); i++)
        tests[n++] = all[i];
    for (size_t i = 0; pg && i < ARRAY_SIZE(pg_only); i++)
        tests[n++] = pg_only[i];
    return _cmocka_run_group_tests("store", tests, n, group_setup, group_teardown);
}
