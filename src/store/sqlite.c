/*
 * The SQLite backend: the only file that includes <sqlite3.h>. Connections run in WAL mode
 * with foreign keys on, synchronous=NORMAL and a 5 s busy timeout; cached statements are
 * prepared once as persistent. Bound values live in store.c's parameter slots and are bound
 * SQLITE_STATIC at each execution, so an insert loop copies each value once.
 */
#include "core/common.h"
#include "core/utf8.h"
#include "core/xalloc.h"
#include "store/store_impl.h"

#include <pthread.h>
#include <sys/stat.h>

#include <sqlite3.h>

#define SQ_BUSY_TIMEOUT_MS 5000

/* A column of a row copied out by sq_detach_row. */
struct sq_col {
    bool null;
    int64_t i64;
    char *p; /* the value as text or bytes, NUL-terminated */
    size_t len, cap;
};

struct sq_stmt {
    sqlite3_stmt *h;
    bool detached; /* the row is in cols, the cursor reset */
    int ncols, cap;
    struct sq_col *cols;
};

static sqlite3 *db_of(const struct store *s)
{
    return s->conn;
}

static sqlite3_stmt *h_of(const struct store_stmt *st)
{
    return ((struct sq_stmt *)st->be)->h;
}

/* The copied column when the row is detached, else NULL. */
static const struct sq_col *detached_col(const struct store_stmt *st, int col)
{
    const struct sq_stmt *ss = st->be;
    return ss->detached ? &ss->cols[col] : NULL;
}

static int sq_code(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        return ERR_CONFLICT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return ERR_BUSY;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
        return ERR_IO;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return ERR_CORRUPT;
    default:
        return ERR_INTERNAL;
    }
}

/* Constraint messages name the constraint ("UNIQUE constraint failed: customer.cust_no") and
 * are passed on as they are; others say which query failed. */
static int sq_error(sqlite3 *db, int rc, const struct store_stmt *st, struct err *err)
{
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    int code = sq_code(rc);
    if (code == ERR_CONFLICT || !st)
        return error(err, code, "%s", msg);
    return error(err, code, "query '%s' failed: %s", store_query_name(st->q), msg);
}

/* Why `path` cannot be opened, naming a missing directory when that is the reason. */
static int open_error(const char *path, sqlite3 *db, int rc, struct err *err)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    struct stat sb;
    int ret;

    if (slash) {
        *slash = '\0';
        if (!*dir) {
            dir[0] = '/';
            dir[1] = '\0';
        }
    }
    if (slash && stat(dir, &sb) && (errno == ENOENT || errno == ENOTDIR))
        ret = error(err, ERR_IO, "cannot open database '%s': directory '%s' does not exist", path,
                    dir);
    else if (slash && !stat(dir, &sb) && !S_ISDIR(sb.st_mode))
        ret = error(err, ERR_IO, "cannot open database '%s': '%s' is not a directory", path, dir);
    else
        ret = error(err, sq_code(rc) == ERR_INTERNAL ? ERR_IO : sq_code(rc),
                    "cannot open database '%s': %s", path,
                    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    free(dir);
    return ret;
}

/*
 * Process-wide SQLite settings, before its first use. Memory statistics off: with them every
 * sqlite3_malloc takes one global mutex, which `pmis serve`'s connection threads (each with
 * its own connection) queued on — a third of the time of a GET at 64 connections.
 */
static pthread_once_t sq_once = PTHREAD_ONCE_INIT;

static void sq_global_init(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Open `path` and read its header, so a file that is not a database fails here. */
static int sq_connect(const char *path, int flags, sqlite3 **out, struct err *err)
{
    sqlite3 *db = NULL;
    pthread_once(&sq_once, sq_global_init);
    int rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    int ret = 0;

    if (rc != SQLITE_OK) {
        ret = open_error(path, db, rc, err);
        goto cleanup;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, SQ_BUSY_TIMEOUT_MS);
    rc = sqlite3_exec(db, "PRAGMA schema_version", NULL, NULL, NULL);
    if ((rc & 0xff) == SQLITE_NOTADB)
        ret = error(err, ERR_CORRUPT, "'%s' is not a SQLite database", path);
    else if (rc != SQLITE_OK)
        ret = open_error(path, db, rc, err);
cleanup:
    if (ret) {
        sqlite3_close(db);
        db = NULL;
    }
    *out = db;
    return ret;
}

/*
 * SQL function pmis_bigrams(text): the text's overlapping pairs of characters separated by
 * spaces ("张伟强" -> "张伟 伟强", core/utf8.h). The name search index (customer_fts, sql/0001)
 * stores these as tokens, so a phrase query of a search text's bigrams finds every name holding
 * it as a substring, two characters or more, from the index. NULL gives NULL.
 */
static void sq_bigrams(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *t = sqlite3_value_text(argv[0]);
    if (!t) {
        sqlite3_result_null(ctx);
        return;
    }
    struct strbuf out = STRBUF_INIT;
    if (utf8_bigrams((const char *)t, &out, ' '))
        strbuf_setlen(&out, out.len - 1); /* separators, not terminators */
    sqlite3_result_text(ctx, out.buf, (int)out.len, SQLITE_TRANSIENT);
    strbuf_release(&out);
}

static int sq_open(struct store *s, const char *url, struct err *err)
{
    const char *path = url + strlen("sqlite:");
    static const char *const pragmas[] = {
        "PRAGMA journal_mode = WAL",
        "PRAGMA foreign_keys = ON",
        "PRAGMA synchronous = NORMAL",
        /* 64 MiB page cache: the blind indexes take random inserts, and the default 2 MiB
         * makes a bulk import spill to and re-read the WAL (1M customers: 38 s -> 30 s) */
        "PRAGMA cache_size = -65536",
        /* let CREATE INDEX sort on a second core (bulk loads rebuild indexes) */
        "PRAGMA threads = 2",
    };
    sqlite3 *db;
    int ret;

    if (!*path)
        return error(err, ERR_CONFIG, "database url '%s' names no file", url);
    ret = sq_connect(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db, err);
    if (ret)
        return ret;
    for (size_t i = 0; i < ARRAY_SIZE(pragmas); i++) {
        int rc = sqlite3_exec(db, pragmas[i], NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            ret = error(err, sq_code(rc) == ERR_INTERNAL ? ERR_IO : sq_code(rc),
                        "cannot set up database '%s': %s", path, sqlite3_errmsg(db));
            sqlite3_close(db);
            return ret;
        }
    }
    if (sqlite3_create_function_v2(db, "pmis_bigrams", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                   sq_bigrams, NULL, NULL, NULL) != SQLITE_OK) {
        ret = error(err, ERR_INTERNAL, "cannot register SQL functions: %s", sqlite3_errmsg(db));
        sqlite3_close(db);
        return ret;
    }
    s->conn = db;
    return 0;
}

static void sq_close(struct store *s)
{
    sqlite3 *db = s->conn;
    /* every statement is finalized by now, so closing cannot be refused */
    if (db && sqlite3_close(db) != SQLITE_OK)
        BUG("sqlite3_close: %s", sqlite3_errmsg(db));
    s->conn = NULL;
}

static int sq_prepare(struct store_stmt *st, struct err *err)
{
    sqlite3 *db = db_of(st->s);
    sqlite3_stmt *h = NULL;
    int rc = sqlite3_prepare_v3(db, st->sql, -1, SQLITE_PREPARE_PERSISTENT, &h, NULL);
    if (rc != SQLITE_OK)
        return sq_error(db, rc, st, err);
    struct sq_stmt *ss = xcalloc(1, sizeof(*ss));
    ss->h = h;
    st->be = ss;
    st->sql_params = sqlite3_bind_parameter_count(h);
    return 0;
}

static void sq_finalize(struct store_stmt *st)
{
    struct sq_stmt *ss = st->be;
    sqlite3_finalize(ss->h);
    for (int i = 0; i < ss->cap; i++)
        free(ss->cols[i].p);
    free(ss->cols);
    free(ss);
    st->be = NULL;
}

/* Bind every ?N: bound slots as they are (SQLITE_STATIC: the slot outlives the execution),
 * the rest NULL, so nothing stale from an earlier execution survives. */
static int sq_bind(struct store_stmt *st, struct err *err)
{
    sqlite3_stmt *h = h_of(st);
    for (int i = 1; i <= st->sql_params; i++) {
        const struct store_param *p = i <= st->nparams ? &st->params[i - 1] : NULL;
        int rc;
        switch (p ? p->type : STORE_P_NULL) {
        case STORE_P_I64:
            rc = sqlite3_bind_int64(h, i, p->i64);
            break;
        case STORE_P_TEXT:
            rc = sqlite3_bind_text64(h, i, p->buf, p->len, SQLITE_STATIC, SQLITE_UTF8);
            break;
        case STORE_P_BLOB:
            rc = sqlite3_bind_blob64(h, i, p->buf, p->len, SQLITE_STATIC);
            break;
        case STORE_P_TEXT_ARRAY:
            return error(err, ERR_INTERNAL, "query '%s': ?%d is a text array, which SQLite lacks",
                         store_query_name(st->q), i);
        default:
            rc = sqlite3_bind_null(h, i);
            break;
        }
        if (rc != SQLITE_OK)
            return sq_error(db_of(st->s), rc, st, err);
    }
    return 0;
}

static int sq_step(struct store_stmt *st, bool first, struct err *err)
{
    if (first) {
        ((struct sq_stmt *)st->be)->detached = false;
        int ret = sq_bind(st, err);
        if (ret)
            return ret;
    }
    int rc = sqlite3_step(h_of(st));
    if (rc == SQLITE_ROW)
        return STORE_ROW;
    if (rc == SQLITE_DONE)
        return STORE_DONE;
    return sq_error(db_of(st->s), rc, st, err);
}

static void sq_reset(struct store_stmt *st)
{
    ((struct sq_stmt *)st->be)->detached = false;
    sqlite3_reset(h_of(st));
}

static void sq_detach_row(struct store_stmt *st)
{
    struct sq_stmt *ss = st->be;
    int n = sqlite3_column_count(ss->h);
    if (n > ss->cap) {
        ss->cols = xreallocarray(ss->cols, (size_t)n, sizeof(*ss->cols));
        memset(ss->cols + ss->cap, 0, (size_t)(n - ss->cap) * sizeof(*ss->cols));
        ss->cap = n;
    }
    for (int i = 0; i < n; i++) {
        struct sq_col *c = &ss->cols[i];
        /* type first: the blob read below converts numbers to their text in place */
        c->null = sqlite3_column_type(ss->h, i) == SQLITE_NULL;
        c->i64 = sqlite3_column_int64(ss->h, i);
        const void *p = sqlite3_column_blob(ss->h, i);
        size_t len = (size_t)sqlite3_column_bytes(ss->h, i);
        if (len >= c->cap) {
            c->cap = len + 1 > 32 ? len + 1 : 32;
            c->p = xrealloc(c->p, c->cap);
        }
        if (len)
            memcpy(c->p, p, len);
        c->p[len] = '\0';
        c->len = len;
    }
    ss->ncols = n;
    sqlite3_reset(ss->h);
    ss->detached = true;
}

static int64_t sq_changes(struct store_stmt *st)
{
    return sqlite3_stmt_readonly(h_of(st)) ? 0 : sqlite3_changes64(db_of(st->s));
}

static int sq_col_count(const struct store_stmt *st)
{
    const struct sq_stmt *ss = st->be;
    return ss->detached ? ss->ncols : sqlite3_column_count(ss->h);
}

static bool sq_col_null(const struct store_stmt *st, int col)
{
    const struct sq_col *c = detached_col(st, col);
    return c ? c->null : sqlite3_column_type(h_of(st), col) == SQLITE_NULL;
}

static int64_t sq_col_i64(const struct store_stmt *st, int col)
{
    const struct sq_col *c = detached_col(st, col);
    return c ? c->i64 : sqlite3_column_int64(h_of(st), col);
}

static const char *sq_col_text(const struct store_stmt *st, int col)
{
    const struct sq_col *c = detached_col(st, col);
    if (c)
        return c->null ? NULL : c->p;
    return (const char *)sqlite3_column_text(h_of(st), col);
}

static const void *sq_col_blob(const struct store_stmt *st, int col, size_t *len)
{
    const struct sq_col *c = detached_col(st, col);
    if (c) {
        *len = c->null ? 0 : c->len;
        return c->null ? NULL : c->p;
    }
    const void *p = sqlite3_column_blob(h_of(st), col);
    *len = (size_t)sqlite3_column_bytes(h_of(st), col);
    return p;
}

static int sq_exec_script(struct store *s, const char *sql, struct err *err)
{
    int rc = sqlite3_exec(db_of(s), sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sq_error(db_of(s), rc, NULL, err);
}

static bool sq_in_tx(struct store *s)
{
    return !sqlite3_get_autocommit(db_of(s));
}

/* Copy database `src` over `dst` in one step, waiting out brief locks on either side. */
static int sq_copy(sqlite3 *dst, sqlite3 *src, const char *what, const char *path, struct err *err)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    int rc;

    if (!b)
        return error(err, sq_code(sqlite3_errcode(dst)), "cannot %s '%s': %s", what, path,
                     sqlite3_errmsg(dst));
    for (int tries = 0;; tries++) {
        rc = sqlite3_backup_step(b, -1);
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || tries * 50 >= SQ_BUSY_TIMEOUT_MS)
            break;
        sqlite3_sleep(50);
    }
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE)
        return error(err, sq_code(rc) == ERR_INTERNAL ? ERR_IO : sq_code(rc), "cannot %s '%s': %s",
                     what, path, sqlite3_errmsg(dst));
    return 0;
}

/* Write to PATH.tmp and rename, so PATH is either the old file or a complete copy. */
static int sq_backup(struct store *s, const char *path, struct err *err)
{
    char *tmp = xasprintf("%s.tmp", path);
    sqlite3 *dst;
    int ret;

    unlink(tmp);
    ret = sq_connect(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &dst, err);
    if (ret) {
        error_prefix(err, "cannot write backup: ");
        goto cleanup;
    }
    ret = sq_copy(dst, db_of(s), "write backup", path, err);
    /* the copy carries the WAL flag of its source; make it one self-contained file */
    if (!ret && sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK)
        ret = error(err, ERR_IO, "cannot write backup '%s': %s", path, sqlite3_errmsg(dst));
    sqlite3_close_v2(dst);
    if (!ret && rename(tmp, path))
        ret = error(err, ERR_IO, "cannot write backup '%s': %s", path, strerror(errno));
cleanup:
    if (ret)
        unlink(tmp);
    free(tmp);
    return ret;
}

static int sq_restore(struct store *s, const char *path, struct err *err)
{
    sqlite3 *src = NULL;
    int ret;

    if (access(path, R_OK))
        return error(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO, "cannot read backup '%s': %s",
                     path, strerror(errno));
    ret = sq_connect(path, SQLITE_OPEN_READONLY, &src, err);
    if (!ret)
        ret = sq_copy(db_of(s), src, "restore from", path, err);
    sqlite3_close(src);
    return ret;
}

const struct store_backend store_backend_sqlite = {
    .name = "sqlite",
    .kind = STORE_SQLITE,
    .open = sq_open,
    .close = sq_close,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .step = sq_step,
    .reset = sq_reset,
    .detach_row = sq_detach_row,
    .changes = sq_changes,
    .col_count = sq_col_count,
    .col_null = sq_col_null,
    .col_i64 = sq_col_i64,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .exec_script = sq_exec_script,
    .in_tx = sq_in_tx,
    .backup = sq_backup,
    .restore = sq_restore,
};
