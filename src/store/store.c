/*
 * The backend-independent half of the store: URL dispatch, the per-connection statement cache
 * (one slot per query id), bound values, nested transactions, the migration runner with its
 * template renderer and checksums, and fault injection in test builds. Backends (sqlite.c,
 * pg.c) only prepare, execute and read; see store_impl.h for the split.
 */
#include "core/common.h"
#include "core/log.h"
#include "core/vec.h"
#include "core/xalloc.h"
#include "store/migrate.h"
#include "store/store_impl.h"

#include <openssl/evp.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

struct store_lock {
    struct store_lock *next;
    int fd; /* SQLite: the flock()ed file; -1 on PostgreSQL */
    char name[];
};

#define STORE_MAX_PARAMS 65535 /* PostgreSQL's limit; SQLite's default is lower still */

static const char *const q_names[] = {
#define Q(id, sql) #id,
#define Q2(id, sqlite_sql, pg_sql) #id,
#include "store/queries.def"
#undef Q
#undef Q2
};

static const char *const q_sql_sqlite[] = {
#define Q(id, sql) sql,
#define Q2(id, sqlite_sql, pg_sql) sqlite_sql,
#include "store/queries.def"
#undef Q
#undef Q2
};

static const char *const q_sql_pg[] = {
#define Q(id, sql) sql,
#define Q2(id, sqlite_sql, pg_sql) pg_sql,
#include "store/queries.def"
#undef Q
#undef Q2
};

const char *store_query_name(enum query_id q)
{
    return (unsigned)q < Q__COUNT ? q_names[q] : "?";
}

/* ---- URLs ---- */

void store_redact_url(const char *url, struct strbuf *out, char **secret)
{
    const char *p = url, *auth = strstr(url, "://");
    if (secret)
        *secret = NULL;
    if (auth) {
        auth += 3;
        size_t alen = strcspn(auth, "/?#");
        const char *at = NULL;
        for (const char *q = auth; q < auth + alen; q++)
            if (*q == '@')
                at = q;
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            strbuf_add(out, url, (size_t)(colon + 1 - url));
            strbuf_addstr(out, "***");
            if (secret && at > colon + 1)
                *secret = xstrndup(colon + 1, (size_t)(at - colon - 1));
            p = at;
        }
    }
    /* a password=... query parameter */
    const char *q = strchr(p, '?');
    while (q) {
        q++;
        if (!strncmp(q, "password=", 9)) {
            size_t vlen = strcspn(q + 9, "&#");
            strbuf_add(out, p, (size_t)(q + 9 - p));
            strbuf_addstr(out, "***");
            if (secret && !*secret && vlen)
                *secret = xstrndup(q + 9, vlen);
            p = q + 9 + vlen;
            q = p;
        }
        q = strchr(q, '&');
    }
    strbuf_addstr(out, p);
}

/* ---- open and close ---- */

#ifdef PMIS_TESTING
static int fault_from_env(struct store *s, struct err *err)
{
    static const struct {
        const char *name;
        int code;
    } kinds[] = {{"busy", ERR_BUSY}, {"io", ERR_IO}, {"conflict", ERR_CONFLICT}};
    const char *v = getenv("PMIS_FAULT");
    if (!v || !*v)
        return 0;
    const char *colon = strchr(v, ':');
    if (colon && colon[1]) {
        char *end;
        errno = 0;
        long n = strtol(colon + 1, &end, 10);
        for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
            if (strlen(kinds[i].name) == (size_t)(colon - v) &&
                !strncmp(v, kinds[i].name, (size_t)(colon - v)) && !errno && !*end && n >= 0) {
                store_fault_set(s, kinds[i].code, n);
                return 0;
            }
        }
    }
    return error(err, ERR_CONFIG, "PMIS_FAULT '%s' is not KIND:N (KIND busy, io or conflict)", v);
}

void store_fault_set(struct store *s, int code, long after_steps)
{
    s->fault_code = code;
    s->fault_after = after_steps;
}
#endif

bool store_exists(const char *url)
{
    if (strncmp(url, "sqlite:", 7))
        return true;
    return !strcmp(url + 7, ":memory:") || access(url + 7, F_OK) == 0;
}

int store_open(struct store **out, const char *url, struct err *err)
{
    const struct store_backend *be = NULL;
    struct strbuf shown = STRBUF_INIT;
    struct store *s = NULL;
    int ret;

    *out = NULL;
    store_redact_url(url, &shown, NULL);
    if (!strncmp(url, "sqlite:", 7))
        be = &store_backend_sqlite;
    else if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11))
        be = &store_backend_pg;
    if (!be) {
        ret = error(err, ERR_CONFIG, "unsupported database url '%s' (use sqlite:PATH or %s)",
                    shown.buf, "postgresql://...");
        goto cleanup;
    }
    s = xcalloc(1, sizeof(*s));
    s->be = be;
    s->url = strbuf_detach(&shown, NULL);
    s->open_url = xstrdup(url);
    s->stmts = xcalloc(Q__COUNT, sizeof(*s->stmts));
#ifdef PMIS_TESTING
    ret = fault_from_env(s, err);
    if (ret)
        goto cleanup;
#endif
    ret = be->open(s, url, err);
    if (ret)
        goto cleanup;
    *out = s;
    s = NULL;
cleanup:
    if (s) {
        free(s->stmts);
        free(s->url);
        free(s->open_url);
        free(s);
    }
    strbuf_release(&shown);
    return ret;
}

static void stmt_reset(struct store_stmt *st, bool clear)
{
    if ((st->running || st->has_row) && st->be)
        st->s->be->reset(st);
    st->running = false;
    st->has_row = false;
    if (clear) {
        for (int i = 0; i < st->nparams; i++)
            st->params[i].type = STORE_P_NULL;
        st->nparams = 0;
    }
}

static int tx_exec(struct store *s, enum query_id q, struct err *err);

static void reset_all(struct store *s)
{
    for (size_t i = 0; i < Q__COUNT; i++)
        if (s->stmts[i])
            stmt_reset(s->stmts[i], false);
}

void store_close(struct store *s)
{
    if (!s)
        return;
    if (s->depth) {
        struct err err = ERR_INIT;
        log_warn("closing '%s' inside a transaction: rolling it back", s->url);
        if (s->be->in_tx(s) && tx_exec(s, Q_STORE_ROLLBACK, &err))
            log_warn("rollback on '%s' failed: %s", s->url, err.msg);
        s->depth = 0;
    }
    while (s->locks)
        store_unlock(s, s->locks->name);
    reset_all(s);
    for (size_t i = 0; i < Q__COUNT; i++) {
        struct store_stmt *st = s->stmts[i];
        if (!st)
            continue;
        if (st->be)
            s->be->finalize(st);
        for (int j = 0; j < st->params_cap; j++)
            free(st->params[j].buf);
        free(st->params);
        free(st);
    }
    s->be->close(s);
    free(s->stmts);
    free(s->url);
    free(s->open_url);
    free(s);
}

enum store_kind store_kind(const struct store *s)
{
    return s->be->kind;
}

const char *store_url(const struct store *s)
{
    return s->url;
}

int store_open_peer(struct store *s, struct store **out, struct err *err)
{
    *out = NULL;
    if (!strcmp(s->open_url, "sqlite::memory:"))
        return error(err, ERR_INVALID, "an in-memory database has no second connection");
    int rc = store_open(out, s->open_url, err);
    /* Peers serve concurrent readers (pmis serve's workers, a bill run's reader): on SQLite
     * they read the file through a shared memory map instead of each filling a private page
     * cache of up to 64 MiB (64 server connections each re-reading the same pages from the OS
     * was a third of the time of a GET at 64 connections). */
    if (!rc && (*out)->be->kind == STORE_SQLITE &&
        (rc = store_exec_script(*out, "PRAGMA mmap_size = 1073741824", err))) {
        store_close(*out);
        *out = NULL;
    }
    return rc;
}

int store_tx_depth(const struct store *s)
{
    return s->depth;
}

/* ---- statements ---- */

struct store_stmt *store_q(struct store *s, enum query_id q)
{
    if ((unsigned)q >= Q__COUNT)
        BUG("query id %d out of range", (int)q);
    struct store_stmt *st = s->stmts[q];
    if (!st) {
        st = xcalloc(1, sizeof(*st));
        st->s = s;
        st->q = q;
        st->sql = s->be->kind == STORE_PG ? q_sql_pg[q] : q_sql_sqlite[q];
        s->stmts[q] = st;
    }
    stmt_reset(st, true);
    return st;
}

/* The slot for ?idx, typed `t`. Binding while rows are pending first resets the statement. */
static struct store_param *param_slot(struct store_stmt *st, int idx, enum store_param_type t)
{
    if (idx < 1 || idx > STORE_MAX_PARAMS)
        BUG("query '%s': parameter ?%d out of range", q_names[st->q], idx);
    if (st->running)
        stmt_reset(st, false);
    if (idx > st->params_cap) {
        int cap = st->params_cap ? st->params_cap : 4;
        while (cap < idx)
            cap *= 2;
        st->params = xreallocarray(st->params, (size_t)cap, sizeof(*st->params));
        memset(st->params + st->params_cap, 0,
               (size_t)(cap - st->params_cap) * sizeof(*st->params));
        st->params_cap = cap;
    }
    for (int i = st->nparams; i < idx; i++)
        st->params[i].type = STORE_P_NULL;
    if (idx > st->nparams)
        st->nparams = idx;
    struct store_param *p = &st->params[idx - 1];
    p->type = t;
    return p;
}

static void param_set_bytes(struct store_param *p, const void *data, size_t len)
{
    if (len >= p->cap) {
        size_t cap = p->cap ? p->cap : 32;
        while (cap <= len)
            cap = cap < SIZE_MAX / 2 ? cap * 2 : len + 1;
        p->buf = xrealloc(p->buf, cap);
        p->cap = cap;
    }
    if (len)
        memcpy(p->buf, data, len);
    p->buf[len] = '\0';
    p->len = len;
}

void store_bind_i64(struct store_stmt *st, int idx, int64_t v)
{
    param_slot(st, idx, STORE_P_I64)->i64 = v;
}

void store_bind_text(struct store_stmt *st, int idx, const char *s)
{
    if (s)
        store_bind_textn(st, idx, s, strlen(s));
    else
        param_slot(st, idx, STORE_P_NULL);
}

void store_bind_textn(struct store_stmt *st, int idx, const char *s, size_t len)
{
    param_set_bytes(param_slot(st, idx, STORE_P_TEXT), s, len);
}

void store_bind_blob(struct store_stmt *st, int idx, const void *p, size_t len)
{
    param_set_bytes(param_slot(st, idx, STORE_P_BLOB), p, len);
}

void store_bind_text_array(struct store_stmt *st, int idx, const char *items, size_t len)
{
    if (len && items[len - 1])
        BUG("query '%s': text array for ?%d does not end in a NUL", q_names[st->q], idx);
    param_set_bytes(param_slot(st, idx, STORE_P_TEXT_ARRAY), items, len);
}

void store_bind_null(struct store_stmt *st, int idx)
{
    param_slot(st, idx, STORE_P_NULL);
}

/* One step; `faultable` is false for the store's own transaction control, which injected
 * faults must not break (tests count the caller's statements only). */
static int stmt_step(struct store_stmt *st, bool faultable, struct err *err)
{
    struct store *s = st->s;
    int ret;

    st->has_row = false;
#ifdef PMIS_TESTING
    if (faultable && s->fault_code && s->fault_after-- <= 0) {
        int code = s->fault_code;
        s->fault_code = 0;
        stmt_reset(st, false);
        return error(err, code, "query '%s' failed: injected fault (%s)", q_names[st->q],
                     err_code_name(code));
    }
#else
    UNUSED(faultable);
#endif
    if (!st->prepared) {
        ret = s->be->prepare(st, err);
        if (ret)
            return ret;
        st->prepared = true;
    }
    if (!st->running) {
        if (st->nparams > st->sql_params)
            return error(err, ERR_INTERNAL, "query '%s' takes %d parameters but ?%d is bound",
                         q_names[st->q], st->sql_params, st->nparams);
        st->running = true;
        st->changes = 0;
        ret = s->be->step(st, true, err);
    } else {
        ret = s->be->step(st, false, err);
    }
    if (ret == STORE_ROW) {
        st->has_row = true;
        return ret;
    }
    if (ret == STORE_DONE)
        st->changes = s->be->changes(st);
    stmt_reset(st, false);
    return ret;
}

int store_step(struct store_stmt *st, struct err *err)
{
    return stmt_step(st, true, err);
}

int store_exec(struct store_stmt *st, struct err *err)
{
    int ret;
    while ((ret = stmt_step(st, true, err)) == STORE_ROW)
        ;
    return ret;
}

int store_one(struct store_stmt *st, struct err *err)
{
    int ret = stmt_step(st, true, err);
    if (ret == STORE_ROW) {
        /* the caller may keep reading this row for long: hold no cursor meanwhile (an open
         * SQLite read would pin the connection to this snapshot and block its writes) */
        if (st->s->be->detach_row)
            st->s->be->detach_row(st);
        st->running = false;
        return 0;
    }
    if (ret == STORE_DONE)
        return error(err, ERR_NOT_FOUND, "query '%s' returned no row", q_names[st->q]);
    return ret;
}

void store_reset(struct store_stmt *st)
{
    stmt_reset(st, true);
}

int64_t store_changes(const struct store_stmt *st)
{
    return st->changes;
}

static void check_col(const struct store_stmt *st, int col)
{
    if (!st->has_row)
        BUG("query '%s': column %d read without a current row", q_names[st->q], col);
    if (col < 0 || col >= st->s->be->col_count(st))
        BUG("query '%s': column %d out of range", q_names[st->q], col);
}

int store_col_count(const struct store_stmt *st)
{
    return st->has_row ? st->s->be->col_count(st) : 0;
}

bool store_col_null(const struct store_stmt *st, int col)
{
    check_col(st, col);
    return st->s->be->col_null(st, col);
}

int64_t store_col_i64(const struct store_stmt *st, int col)
{
    check_col(st, col);
    return st->s->be->col_i64(st, col);
}

const char *store_col_text(const struct store_stmt *st, int col)
{
    check_col(st, col);
    return st->s->be->col_text(st, col);
}

const void *store_col_blob(const struct store_stmt *st, int col, size_t *len)
{
    check_col(st, col);
    return st->s->be->col_blob(st, col, len);
}

int store_exec_script(struct store *s, const char *sql, struct err *err)
{
    return s->be->exec_script(s, sql, err);
}

int store_indexes_suspend(struct store *s, const char *table, struct strbuf *ddl,
                          struct err *err)
{
    struct strbuf drop = STRBUF_INIT;
    struct store_stmt *st = store_q(s, Q_STORE_SECONDARY_INDEXES);
    int rc;
    store_bind_text(st, 1, table);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        /* names come from the catalogue, not from input */
        strbuf_addf(&drop, "DROP INDEX \"%s\";\n", store_col_text(st, 0));
        strbuf_addf(ddl, "%s;\n", store_col_text(st, 1));
    }
    if (!rc && drop.len)
        rc = store_exec_script(s, drop.buf, err);
    strbuf_release(&drop);
    return rc;
}

int store_indexes_restore(struct store *s, const char *ddl, struct err *err)
{
    return *ddl ? store_exec_script(s, ddl, err) : 0;
}

/* ---- bulk loads ---- */

int store_bulk_begin(struct store *s, enum query_id q, struct store_stmt **out, struct err *err)
{
    struct store_stmt *st = store_q(s, q);
    *out = st;
    if (!s->depth)
        return error(err, ERR_INTERNAL, "query '%s': a bulk load needs a transaction", q_names[q]);
    st->bulk = true;
    st->bulk_rows = 0;
    int ret = s->be->bulk_begin ? s->be->bulk_begin(st, err) : 0;
    if (ret)
        st->bulk = false;
    return ret;
}

int store_bulk_add(struct store_stmt *st, struct err *err)
{
    struct store *s = st->s;
    int ret;
    if (!st->bulk)
        return error(err, ERR_INTERNAL, "query '%s': no bulk load", q_names[st->q]);
    if (!s->be->bulk_add) {
        ret = store_exec(st, err);
    } else {
#ifdef PMIS_TESTING
        if (s->fault_code && s->fault_after-- <= 0) {
            int code = s->fault_code;
            s->fault_code = 0;
            return error(err, code, "query '%s' failed: injected fault (%s)", q_names[st->q],
                         err_code_name(code));
        }
#endif
        ret = s->be->bulk_add(st, err);
    }
    if (!ret)
        st->bulk_rows++;
    return ret;
}

int store_bulk_end(struct store_stmt *st, bool abort, int64_t *rows, struct err *err)
{
    struct store *s = st->s;
    int ret = 0;
    if (!st->bulk)
        return abort ? 0 : error(err, ERR_INTERNAL, "query '%s': no bulk load", q_names[st->q]);
    st->bulk = false;
    if (s->be->bulk_end)
        ret = s->be->bulk_end(st, abort, err);
    stmt_reset(st, true);
    if (rows)
        *rows = abort || ret ? 0 : st->bulk_rows;
    return abort ? 0 : ret;
}

/* ---- transactions ---- */

static int tx_exec(struct store *s, enum query_id q, struct err *err)
{
    struct store_stmt *st = store_q(s, q);
    int ret;
    while ((ret = stmt_step(st, false, err)) == STORE_ROW)
        ;
    return ret;
}

/* a new level: a transaction begun by `outer`, or a savepoint inside one */
static int begin_level(struct store *s, enum query_id outer, struct err *err)
{
    int ret = tx_exec(s, s->depth ? Q_STORE_SAVEPOINT : outer, err);
    if (ret)
        return ret;
    s->depth++;
    return 0;
}

int store_begin(struct store *s, struct err *err)
{
    return begin_level(s, Q_STORE_BEGIN, err);
}

int store_begin_snapshot(struct store *s, struct err *err)
{
    return begin_level(s, Q_STORE_BEGIN_SNAPSHOT, err);
}

int store_commit(struct store *s, struct err *err)
{
    if (!s->depth)
        BUG("store_commit without store_begin");
    /* On failure the level stays open: the caller's store_rollback closes it. */
    int ret = tx_exec(s, s->depth == 1 ? Q_STORE_COMMIT : Q_STORE_RELEASE, err);
    if (ret)
        return ret;
    s->depth--;
    return 0;
}

int store_end(struct store *s, int ret, struct err *err)
{
    if (!ret && !(ret = store_commit(s, err)))
        return 0;
    store_rollback(s); /* a failed commit leaves the level open too */
    return ret;
}

void store_rollback(struct store *s)
{
    struct err err = ERR_INIT;
    if (!s->depth) {
        log_debug("rollback on '%s' without a transaction", s->url);
        return;
    }
    /* A failed COMMIT, a lost connection or an I/O error may already have ended the
     * transaction on the server; then there is nothing left to undo. */
    if (s->be->in_tx(s)) {
        if (s->depth == 1) {
            if (tx_exec(s, Q_STORE_ROLLBACK, &err))
                log_warn("rollback on '%s' failed: %s", s->url, err.msg);
        } else if (tx_exec(s, Q_STORE_ROLLBACK_TO, &err) || tx_exec(s, Q_STORE_RELEASE, &err)) {
            log_warn("rollback to savepoint on '%s' failed: %s", s->url, err.msg);
        }
    }
    s->depth--;
}

/* ---- migrations ---- */

void store_sha256_hex(const void *data, size_t len, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
        BUG("sha-256 digest failed");
    for (unsigned i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
}

/* Append one template line with {{ID}} and {{BLOB}} replaced. Only {{NAME}} with NAME in
 * [A-Z_] is a placeholder; other braces (array literals like '{{1,2},{3,4}}') pass through. */
static int render_line(enum store_kind kind, const char *p, const char *end, int lineno,
                       struct strbuf *out, struct err *err)
{
    while (p < end) {
        const char *name = NULL, *close = NULL;
        for (const char *c = p; c + 1 < end && !name; c++)
            if (c[0] == '{' && c[1] == '{')
                name = c + 2;
        if (!name) {
            strbuf_add(out, p, (size_t)(end - p));
            break;
        }
        for (close = name; close < end && ((*close >= 'A' && *close <= 'Z') || *close == '_');)
            close++;
        if (close == name || close + 1 >= end || close[0] != '}' || close[1] != '}') {
            strbuf_add(out, p, (size_t)(name - 1 - p));
            p = name - 1;
            continue;
        }
        strbuf_add(out, p, (size_t)(name - 2 - p));
        size_t nlen = (size_t)(close - name);
        if (nlen == 2 && !memcmp(name, "ID", 2))
            strbuf_addstr(out, kind == STORE_PG
                                   ? "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
                                   : "INTEGER PRIMARY KEY AUTOINCREMENT");
        else if (nlen == 4 && !memcmp(name, "BLOB", 4))
            strbuf_addstr(out, kind == STORE_PG ? "BYTEA" : "BLOB");
        else
            return error(err, ERR_INVALID, "line %d: unknown placeholder '{{%.*s}}'", lineno,
                         (int)nlen, name);
        p = close + 2;
    }
    return 0;
}

/* If the line is a block marker ("-- @sqlite", "-- @pg", "-- @both"), its word. */
static bool block_marker(const char *b, const char *e, const char **word, size_t *wlen)
{
    while (b < e && (*b == ' ' || *b == '\t'))
        b++;
    if (e - b < 3 || b[0] != '-' || b[1] != '-')
        return false;
    for (b += 2; b < e && *b == ' '; b++)
        ;
    if (b == e || *b != '@')
        return false;
    *word = ++b;
    while (b < e && *b != ' ' && *b != '\t' && *b != '\r')
        b++;
    *wlen = (size_t)(b - *word);
    return true;
}

int store_sql_render(enum store_kind kind, const char *tmpl, struct strbuf *out, struct err *err)
{
    enum store_kind only = 0; /* 0: both backends */
    int lineno = 0;

    for (const char *p = tmpl; *p;) {
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl : p + strlen(p), *word;
        size_t wlen;
        lineno++;
        if (block_marker(p, end, &word, &wlen)) {
            if (wlen == 6 && !memcmp(word, "sqlite", 6))
                only = STORE_SQLITE;
            else if (wlen == 2 && !memcmp(word, "pg", 2))
                only = STORE_PG;
            else if (wlen == 4 && !memcmp(word, "both", 4))
                only = 0;
            else
                return error(err, ERR_INVALID, "line %d: unknown block marker '@%.*s'", lineno,
                             (int)wlen, word);
        } else if (!only || only == kind) {
            int ret = render_line(kind, p, end, lineno, out, err);
            if (ret)
                return ret;
            if (nl)
                strbuf_addch(out, '\n');
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

struct applied_row {
    int64_t version;
    char checksum[65];
    char applied_at[32];
};

struct applied_rows {
    struct applied_row *v;
    size_t n, cap;
};

/* The rows of schema_migrations, in version order; none when the table does not exist. */
static int load_applied(struct store *s, struct applied_rows *rows, struct err *err)
{
    struct store_stmt *st = store_q(s, Q_STORE_MIG_EXISTS);
    int ret = store_one(st, err);
    if (ret)
        return ret;
    bool exists = store_col_i64(st, 0) > 0;
    store_reset(st);
    if (!exists)
        return 0;
    st = store_q(s, Q_STORE_MIG_LIST);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct applied_row r = {0};
        const char *sum = store_col_text(st, 1), *at = store_col_text(st, 2);
        r.version = store_col_i64(st, 0);
        snprintf(r.checksum, sizeof(r.checksum), "%s", sum ? sum : "");
        snprintf(r.applied_at, sizeof(r.applied_at), "%s", at ? at : "");
        VEC_PUSH(rows, r);
    }
    return ret;
}

static const struct applied_row *find_applied(const struct applied_row *rows, size_t n,
                                              int64_t version)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].version == version)
            return &rows[i];
    return NULL;
}

/* Every applied migration must be one we know, unchanged. */
/* The migration's checksum: embedded at build time, else computed (tests' own lists). */
static void migration_sum(const struct store_migration_src *m, char sum[65])
{
    if (m->sha256 && strlen(m->sha256) == 64)
        memcpy(sum, m->sha256, 65);
    else
        store_sha256_hex(m->sql, strlen(m->sql), sum);
}

static int check_applied(const struct store_migration_src *list, size_t n,
                         const struct applied_row *rows, size_t nrows, struct err *err)
{
    for (size_t i = 0; i < nrows; i++) {
        const struct store_migration_src *m = NULL;
        for (size_t j = 0; j < n && !m; j++)
            if (list[j].version == rows[i].version)
                m = &list[j];
        if (!m)
            return error(err, ERR_CONFIG,
                         "the database has migration %04" PRId64
                         " which this pmis does not know: use a newer pmis",
                         rows[i].version);
        char sum[65];
        migration_sum(m, sum);
        if (strcmp(sum, rows[i].checksum))
            return error(err, ERR_CORRUPT,
                         "migration %04d '%s' was changed after it was applied (checksum %.12s, "
                         "recorded %.12s)",
                         m->version, m->name, sum, rows[i].checksum);
    }
    return 0;
}

static int check_list(const struct store_migration_src *list, size_t n, struct err *err)
{
    for (size_t i = 1; i < n; i++)
        if (list[i].version <= list[i - 1].version)
            return error(err, ERR_INTERNAL, "migration %04d '%s' is out of order or duplicated",
                         list[i].version, list[i].name);
    return 0;
}

/* Whether `version` is recorded as applied (by another process since we looked). */
static int is_applied(struct store *s, int version, bool *yes, struct err *err)
{
    struct store_stmt *st = store_q(s, Q_STORE_MIG_APPLIED);
    store_bind_i64(st, 1, version);
    int ret = store_one(st, err);
    *yes = !ret && store_col_i64(st, 0) > 0;
    store_reset(st);
    return ret;
}

/* Apply one migration in its own transaction, under the migration lock. */
static int apply_one(struct store *s, const struct store_migration_src *m, bool *ran,
                     struct err *err)
{
    struct strbuf sql = STRBUF_INIT;
    bool done = false;
    char sum[65];
    int ret;

    *ran = false;
    migration_sum(m, sum);
    ret = store_sql_render(store_kind(s), m->sql, &sql, err);
    if (!ret)
        ret = store_begin(s, err);
    if (ret)
        goto cleanup;
    ret = store_exec(store_q(s, Q_STORE_MIG_LOCK), err);
    if (!ret)
        ret = is_applied(s, m->version, &done, err);
    if (!ret && !done)
        ret = store_exec_script(s, sql.buf, err);
    if (!ret && !done) {
        struct store_stmt *st = store_q(s, Q_STORE_MIG_RECORD);
        store_bind_i64(st, 1, m->version);
        store_bind_text(st, 2, m->name);
        store_bind_text(st, 3, sum);
        ret = store_exec(st, err);
    }
    if (!ret)
        ret = store_commit(s, err);
    if (ret)
        store_rollback(s);
    else
        *ran = !done;
cleanup:
    if (ret)
        error_prefix(err, "migration %04d '%s': ", m->version, m->name);
    strbuf_release(&sql);
    return ret;
}

int store_migrate_list(struct store *s, const struct store_migration_src *list, size_t n,
                       int *applied, struct err *err)
{
    struct applied_rows rows = VEC_INIT;
    int count = 0, ret;

    if (applied)
        *applied = 0;
    if (s->depth)
        return error(err, ERR_INTERNAL, "migrations cannot run inside a transaction");
    ret = check_list(list, n, err);
    if (ret)
        goto cleanup;
    ret = store_begin(s, err);
    if (ret)
        goto cleanup;
    ret = store_exec(store_q(s, Q_STORE_MIG_LOCK), err);
    if (!ret)
        ret = store_exec(store_q(s, Q_STORE_MIG_CREATE), err);
    if (!ret)
        ret = store_commit(s, err);
    if (ret) {
        store_rollback(s);
        goto cleanup;
    }
    ret = load_applied(s, &rows, err);
    if (!ret)
        ret = check_applied(list, n, rows.v, rows.n, err);
    for (size_t i = 0; !ret && i < n; i++) {
        bool ran;
        if (find_applied(rows.v, rows.n, list[i].version))
            continue;
        ret = apply_one(s, &list[i], &ran, err);
        if (!ret && ran) {
            count++;
            log_info("applied migration %04d '%s'", list[i].version, list[i].name);
        }
    }
cleanup:
    if (applied)
        *applied = count;
    VEC_FREE(&rows);
    return ret;
}

/* The migrations this program applies and expects. A test build stops after version N when
 * PMIS_MIGRATE_UPTO=N is set: a test of an upgrade builds the older schema with it, then
 * migrates the rest without it. */
static size_t known_migrations(void)
{
    size_t n = store_migrations_count;
#ifdef PMIS_TESTING
    const char *v = getenv("PMIS_MIGRATE_UPTO");
    if (v && *v) {
        long upto = strtol(v, NULL, 10);
        while (n && store_migrations[n - 1].version > upto)
            n--;
    }
#endif
    return n;
}

int store_migrate(struct store *s, int *applied, struct err *err)
{
    return store_migrate_list(s, store_migrations, known_migrations(), applied, err);
}

size_t store_migration_count(void)
{
    return known_migrations();
}

int store_migration_status(struct store *s, struct store_migration_status *out, struct err *err)
{
    struct applied_rows rows = VEC_INIT;
    int ret = load_applied(s, &rows, err);
    if (ret)
        goto cleanup;
    for (size_t i = 0; i < known_migrations(); i++) {
        const struct applied_row *r = find_applied(rows.v, rows.n, store_migrations[i].version);
        out[i].version = store_migrations[i].version;
        out[i].name = store_migrations[i].name;
        out[i].applied = r != NULL;
        snprintf(out[i].applied_at, sizeof(out[i].applied_at), "%s", r ? r->applied_at : "");
    }
cleanup:
    VEC_FREE(&rows);
    return ret;
}

int store_require_current(struct store *s, struct err *err)
{
    struct applied_rows rows = VEC_INIT;
    const struct store_migration_src *first = NULL;
    size_t pending = 0;
    int ret = load_applied(s, &rows, err);
    if (!ret)
        ret = check_applied(store_migrations, known_migrations(), rows.v, rows.n, err);
    if (ret)
        goto cleanup;
    for (size_t i = 0; i < known_migrations(); i++) {
        if (!find_applied(rows.v, rows.n, store_migrations[i].version)) {
            if (!first)
                first = &store_migrations[i];
            pending++;
        }
    }
    if (pending)
        ret =
            error(err, ERR_CONFIG, "the database '%s' lacks %zu migration%s (first %04d '%s'): %s",
                  s->url, pending, pending == 1 ? "" : "s", first->version, first->name,
                  "run 'pmis db migrate'");
cleanup:
    VEC_FREE(&rows);
    return ret;
}

/* ---- backup and restore ---- */

int store_backup_to(struct store *s, const char *path, struct err *err)
{
    return s->be->backup(s, path, err);
}

int store_restore_from(struct store *s, const char *path, struct err *err)
{
    if (s->depth)
        return error(err, ERR_INTERNAL, "cannot restore '%s' inside a transaction", path);
    reset_all(s);
    return s->be->restore(s, path, err);
}

/* ---- named locks ---- */

static bool lock_name_ok(const char *name)
{
    if (!*name || strlen(name) > 100)
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.' || *p == '-'))
            return false;
    return true;
}

int store_lock_try(struct store *s, const char *name, const char *what, struct err *err)
{
    struct store_lock *l;
    int fd = -1, ret;

    if (!lock_name_ok(name))
        BUG("bad lock name '%s'", name);
    for (l = s->locks; l; l = l->next)
        if (!strcmp(l->name, name))
            return error(err, ERR_BUSY, "%s is already in progress", what);
    if (s->be->kind == STORE_SQLITE) {
        const char *path = s->url + strlen("sqlite:");
        struct strbuf lp = STRBUF_INIT;
        if (strcmp(path, ":memory:")) {
            strbuf_addf(&lp, "%s-lock-%s", path, name);
            fd = open(lp.buf, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
            if (fd < 0) {
                ret = error(err, ERR_IO, "cannot open lock file '%s': %s", lp.buf,
                            strerror(errno));
                strbuf_release(&lp);
                return ret;
            }
            if (flock(fd, LOCK_EX | LOCK_NB)) {
                int e = errno;
                close(fd);
                strbuf_release(&lp);
                if (e == EWOULDBLOCK)
                    return error(err, ERR_BUSY, "%s is already in progress", what);
                return error(err, ERR_IO, "cannot lock '%s': %s", path, strerror(e));
            }
        }
        strbuf_release(&lp);
    } else {
        struct store_stmt *st = store_q(s, Q_STORE_LOCK_TRY);
        store_bind_text(st, 1, name);
        if ((ret = store_one(st, err)))
            return ret;
        if (store_col_i64(st, 0) != 1) {
            store_reset(st);
            return error(err, ERR_BUSY, "%s is already in progress", what);
        }
        store_reset(st);
    }
    l = xmalloc(sizeof(*l) + strlen(name) + 1);
    l->fd = fd;
    memcpy(l->name, name, strlen(name) + 1);
    l->next = s->locks;
    s->locks = l;
    return 0;
}

/* Drop a lock from the list without releasing it (the session that held it is gone). */
static void store_unlock_forget(struct store *s, const char *name)
{
    for (struct store_lock **pp = &s->locks; *pp; pp = &(*pp)->next)
        if (!strcmp((*pp)->name, name)) {
            struct store_lock *l = *pp;
            *pp = l->next;
            free(l);
            return;
        }
}

int store_lock_keep(struct store *s, const char *name, const char *what, struct err *err)
{
    struct store_lock *l = s->locks;
    int ret;
    while (l && strcmp(l->name, name))
        l = l->next;
    if (!l)
        BUG("lock '%s' is not held", name);
    if (s->be->kind == STORE_SQLITE)
        return 0; /* an flock lives as long as the process */
    struct store_stmt *st = store_q(s, Q_STORE_LOCK_HELD);
    store_bind_text(st, 1, name);
    if ((ret = store_one(st, err)))
        return ret;
    bool held = store_col_i64(st, 0) > 0;
    store_reset(st);
    if (held)
        return 0;
    st = store_q(s, Q_STORE_LOCK_TRY);
    store_bind_text(st, 1, name);
    if ((ret = store_one(st, err)))
        return ret;
    held = store_col_i64(st, 0) == 1;
    store_reset(st);
    if (held) {
        log_info("lock '%s' was lost with the connection to '%s' and is taken again", name,
                 s->url);
        return 0;
    }
    store_unlock_forget(s, name);
    return error(err, ERR_BUSY, "%s: the lock was lost with the connection and another session "
                 "holds it now", what);
}

unsigned store_reconnects(const struct store *s)
{
    return s->reconnects;
}

void store_unlock(struct store *s, const char *name)
{
    for (struct store_lock **pp = &s->locks; *pp; pp = &(*pp)->next) {
        struct store_lock *l = *pp;
        if (strcmp(l->name, name))
            continue;
        if (l->fd >= 0) {
            close(l->fd); /* releases the flock */
        } else {
            struct err err = ERR_INIT;
            struct store_stmt *st = store_q(s, Q_STORE_UNLOCK);
            store_bind_text(st, 1, name);
            if (store_one(st, &err))
                log_warn("cannot release lock '%s': %s", name, err.msg);
            store_reset(st);
        }
        *pp = l->next;
        free(l);
        return;
    }
}
