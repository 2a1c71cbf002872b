/*
 * Inside the store: the ops table a backend fills in (after git's refs backends), the
 * connection and statement structs they share with store.c, and a few helpers exported only
 * for the backends and the unit tests. Included by store.c, sqlite.c, pg.c and test_store.c;
 * nothing else may include it.
 */
#ifndef PMIS_STORE_IMPL_H
#define PMIS_STORE_IMPL_H

#include "store/migrate.h"
#include "store/store.h"

/* STORE_P_TEXT_ARRAY: buf holds NUL-terminated strings back to back (store_bind_text_array) */
enum store_param_type {
    STORE_P_NULL = 0,
    STORE_P_I64,
    STORE_P_TEXT,
    STORE_P_BLOB,
    STORE_P_TEXT_ARRAY
};

/* One bound value. `buf` holds text or blob bytes (always NUL-terminated, never NULL once
 * bound); it is kept across bindings so a loop of binds allocates only while it grows. */
struct store_param {
    enum store_param_type type;
    int64_t i64;
    char *buf;
    size_t len, cap;
};

/*
 * A cached statement. store.c owns the fields above `be`; the backend owns `be` (its prepared
 * form and cursor) and sets `sql_params` (the highest ?N in the text) when it prepares.
 */
struct store_stmt {
    struct store *s;
    enum query_id q;
    const char *sql;
    bool prepared;              /* the backend has a prepared form */
    bool running;               /* executed and not yet finished or reset */
    bool has_row;               /* a row is readable */
    int sql_params;             /* highest ?N in the text, set by the backend at prepare */
    struct store_param *params; /* params[0] is ?1 */
    int nparams;                /* highest index bound since the last clear */
    int params_cap;
    int64_t changes;
    bool bulk;         /* between store_bulk_begin and store_bulk_end */
    int64_t bulk_rows; /* rows added since store_bulk_begin */
    void *be;
};

/*
 * A backend. Every function gets the statement or connection store.c hands it; errors are
 * negative ERR_* with the message written into `err`.
 *   open       connect `s` to `url` (its scheme already checked), set s->conn
 *   prepare    compile st->sql (or get it ready for the server to see at the first step),
 *              set st->be and st->sql_params; called again after a failure
 *   step       execute (first == true: bind st->params[0..nparams) first; unbound ?N are
 *              NULL) or advance: STORE_ROW, STORE_DONE or a negative ERR_*
 *   reset      drop the cursor and pending rows (or the detached row) so the next step
 *              executes afresh
 *   detach_row optional: copy the current row into the statement and release the cursor, so
 *              a row kept readable after store_one() holds no snapshot or lock; the next
 *              step is a first one, the next reset drops the row
 *   changes    rows changed by the statement that just finished (0 for queries)
 *   in_tx      whether the connection has a transaction open (even a failed one)
 *   backup     consistent whole-database copy to `path` while others keep writing
 *   restore    replace the database with the copy at `path`; store.c has reset every cursor
 *              of `s` and made sure no transaction is open
 *   bulk_*     optional (store_bulk_begin): begin a bulk load of st->sql (the backend's own
 *              bulk text), add one row of st->params[0..nparams), end it (abort: discard);
 *              without them store.c runs the statement once per row
 */
struct store_backend {
    const char *name;
    enum store_kind kind;
    int (*open)(struct store *s, const char *url, struct err *err);
    void (*close)(struct store *s);
    int (*prepare)(struct store_stmt *st, struct err *err);
    void (*finalize)(struct store_stmt *st);
    int (*step)(struct store_stmt *st, bool first, struct err *err);
    void (*reset)(struct store_stmt *st);
    void (*detach_row)(struct store_stmt *st);
    int64_t (*changes)(struct store_stmt *st);
    int (*col_count)(const struct store_stmt *st);
    bool (*col_null)(const struct store_stmt *st, int col);
    int64_t (*col_i64)(const struct store_stmt *st, int col);
    const char *(*col_text)(const struct store_stmt *st, int col);
    const void *(*col_blob)(const struct store_stmt *st, int col, size_t *len);
    int (*exec_script)(struct store *s, const char *sql, struct err *err);
    bool (*in_tx)(struct store *s);
    int (*backup)(struct store *s, const char *path, struct err *err);
    int (*restore)(struct store *s, const char *path, struct err *err);
    int (*bulk_begin)(struct store_stmt *st, struct err *err);
    int (*bulk_add)(struct store_stmt *st, struct err *err);
    int (*bulk_end)(struct store_stmt *st, bool abort, struct err *err);
};

extern const struct store_backend store_backend_sqlite;
extern const struct store_backend store_backend_pg;

struct store {
    const struct store_backend *be;
    char *url;                 /* redacted: no password */
    char *open_url;            /* as given to store_open (store_open_peer); may hold one */
    void *conn;                /* the backend's connection */
    struct store_stmt **stmts; /* Q__COUNT slots, filled lazily */
    int depth;                 /* transaction nesting */
    struct store_lock *locks;  /* named locks held (store_lock_try) */
    unsigned reconnects;       /* sessions re-established after a lost connection (pg.c) */
#ifdef PMIS_TESTING
    int fault_code;   /* 0: none */
    long fault_after; /* steps still allowed to succeed before the fault fires */
#endif
};

/** The catalogue name of a query ("Q_CUSTOMER_GET"), for messages. */
const char *store_query_name(enum query_id q);

/**
 * Append `url` to `out` with the password (user:PASSWORD@ or password=...) replaced by "***".
 * If `secret` is not NULL it gets the password as written in the URL (caller frees; NULL when
 * there is none), so messages from libraries can be scrubbed of it too.
 */
void store_redact_url(const char *url, struct strbuf *out, char **secret);

/**
 * Render a migration template for `kind`: {{ID}} becomes an int64 auto-increment primary key
 * whose values are never reused (SQLite AUTOINCREMENT, PostgreSQL identity), {{BLOB}} a byte
 * string (BLOB, BYTEA), and only the lines of "-- @sqlite" / "-- @pg" blocks meant for `kind`
 * are kept (the marker lines themselves are dropped; "-- @both" ends a block). Appends to
 * `out`. Other braces pass through; ERR_INVALID naming the line for an unknown {{NAME}} (NAME
 * in A-Z and _) or "-- @word" marker.
 */
int store_sql_render(enum store_kind kind, const char *tmpl, struct strbuf *out, struct err *err);

/** Lowercase hex SHA-256 of `len` bytes into `hex` (65 bytes with the NUL). */
void store_sha256_hex(const void *data, size_t len, char hex[65]);

/**
 * Apply `list` (sorted by version) as store_migrate applies the embedded migrations; for tests
 * that need migrations of their own. As there, a version recorded in the database but missing
 * from `list` is ERR_CONFIG and an applied migration whose text changed is ERR_CORRUPT.
 */
int store_migrate_list(struct store *s, const struct store_migration_src *list, size_t n,
                       int *applied, struct err *err);

#endif
