/*
 * The one database interface. Callers name statements by id from the catalogue
 * (store/queries.def) and never see SQL text or a backend header. Two backends: SQLite
 * (store/sqlite.c, the embedded default) and PostgreSQL (store/pg.c, via libpq).
 *
 * A `struct store` is one connection; it is not thread-safe: give each thread its own.
 * Placeholders in the catalogue are ?1..?N (rewritten to $N once, at prepare, for PostgreSQL).
 * PostgreSQL infers a parameter's type from where it is used; where nothing pins it (`SELECT
 * ?1`, `?1 + ?2`) write CAST(?1 AS BIGINT).
 * Column indexes in store_col_*() are 0-based; bind indexes are the N of ?N (1-based).
 */
#ifndef PMIS_STORE_H
#define PMIS_STORE_H

#include "core/common.h"
#include "core/err.h"
#include "core/strbuf.h"

struct store;
struct store_stmt;

enum store_kind { STORE_SQLITE = 1, STORE_PG = 2 };

enum query_id {
#define Q(id, sql) id,
#define Q2(id, sqlite_sql, pg_sql) id,
#include "store/queries.def"
#undef Q
#undef Q2
    Q__COUNT
};

/* store_step() results besides negative ERR_* codes */
#define STORE_DONE 0
#define STORE_ROW 1

/**
 * Open a connection. `url` is "sqlite:PATH" (PATH may be relative; ":memory:" works) or a
 * libpq URL "postgresql://..." / "postgres://...". SQLite gets WAL, foreign keys on and a busy
 * timeout; a file that is not a SQLite database fails with ERR_CORRUPT naming the file; an
 * unreachable PostgreSQL fails with ERR_UNAVAILABLE and libpq's reason (password redacted).
 * Does not migrate. On success *out is owned by the caller (store_close).
 */
int store_open(struct store **out, const char *url, struct err *err);
void store_close(struct store *s);
/**
 * A second connection to the database `s` was opened on (same URL, password included), for
 * another thread: on SQLite a WAL reader beside `s`'s writes, on PostgreSQL another session.
 * ERR_INVALID for an in-memory SQLite database (a new connection would see an empty one);
 * otherwise as store_open. A SQLite peer reads the file through a memory map (mmap_size
 * 1 GiB) shared with the other peers. *out is owned by the caller (store_close).
 */
int store_open_peer(struct store *s, struct store **out, struct err *err);

/**
 * Whether the database `url` names already exists, without creating it: a SQLite file that is
 * there (":memory:" counts), or any PostgreSQL URL (its server decides at store_open). For
 * commands that must not create an empty database by mistake.
 */
bool store_exists(const char *url);
enum store_kind store_kind(const struct store *s);
/** The URL with any password replaced by "***", for messages and `config show`. */
const char *store_url(const struct store *s);

/**
 * Transactions nest: the outermost begin starts a transaction (SQLite: BEGIN IMMEDIATE),
 * inner ones a SAVEPOINT. commit releases the innermost level (the outermost commits);
 * rollback undoes the innermost level only. store_rollback never fails visibly (errors are
 * logged); it is safe to call in cleanup paths after a failed commit.
 */
int store_begin(struct store *s, struct err *err);
/**
 * Begin the outermost level as a read-only snapshot: every query until the end sees the
 * database as of one instant (SQLite: a deferred BEGIN, which takes no write lock; PostgreSQL:
 * REPEATABLE READ READ ONLY), for a report made of several queries whose parts must add up.
 * Inside a transaction it is a savepoint, and the outer transaction decides what is seen.
 * Ended like any level (store_end, store_commit, store_rollback).
 */
int store_begin_snapshot(struct store *s, struct err *err);
int store_commit(struct store *s, struct err *err);
void store_rollback(struct store *s);
/**
 * End the innermost level by the outcome `ret` of the work done in it: commit when ret is 0,
 * else roll back and return ret unchanged; a commit that fails is rolled back and its error
 * returned. For the one cleanup label of a function that began a transaction:
 * `return store_end(db, ret, err);`.
 */
int store_end(struct store *s, int ret, struct err *err);
/** Current nesting depth (0 = no transaction). */
int store_tx_depth(const struct store *s);

/**
 * The cached statement for `q`, reset with bindings cleared. Never NULL; preparing happens
 * lazily, so SQL or connection errors surface from store_step(). The handle stays owned by
 * the store and is valid until store_close(); do not use one id re-entrantly (two live
 * cursors of the same query id) — reset it first.
 */
struct store_stmt *store_q(struct store *s, enum query_id q);

/* Bind ?idx. Text and blobs are copied, so the caller's memory may be freed at once.
 * store_bind_text(NULL) binds SQL NULL. Binding while rows are pending resets the statement
 * first (keeping its other bindings). */
void store_bind_i64(struct store_stmt *st, int idx, int64_t v);
void store_bind_text(struct store_stmt *st, int idx, const char *s);
void store_bind_textn(struct store_stmt *st, int idx, const char *s, size_t len);
void store_bind_blob(struct store_stmt *st, int idx, const void *p, size_t len);
void store_bind_null(struct store_stmt *st, int idx);
/**
 * Bind ?idx to an array of text, for a PostgreSQL TEXT[] (an array literal in statements, the
 * binary array form in a bulk load): `items` is `len` bytes of C strings back to back, each
 * ending in its NUL, as utf8_bigrams(s, out, '\0') appends them; len 0 is the empty array.
 * PostgreSQL only: SQLite has no arrays, and a statement with one bound fails with ERR_INTERNAL.
 */
void store_bind_text_array(struct store_stmt *st, int idx, const char *items, size_t len);

/**
 * Run or advance: STORE_ROW with a row available, STORE_DONE when finished, or a negative
 * ERR_*: ERR_CONFLICT for UNIQUE / FOREIGN KEY / CHECK violations (message names the
 * constraint), ERR_BUSY when locked past the timeout, ERR_UNAVAILABLE for a lost connection
 * (the next statement outside a transaction reconnects), ERR_INVALID for a value PostgreSQL
 * cannot take (out of range, a NUL in text), ERR_IO / ERR_CORRUPT / ERR_INTERNAL otherwise.
 * After DONE or an error the statement is reset automatically (bindings kept).
 */
int store_step(struct store_stmt *st, struct err *err);
/** Step to completion, ignoring rows; 0 or a negative ERR_*. */
int store_exec(struct store_stmt *st, struct err *err);
/**
 * Step expecting exactly one row left readable: 0 with the row, ERR_NOT_FOUND if none. The
 * row is copied out if need be, so keeping it readable holds no cursor, snapshot or lock; the
 * next step runs the statement afresh.
 */
int store_one(struct store_stmt *st, struct err *err);
/** Finish early (drop remaining rows, clear bindings). A cursor left unfinished keeps its
 * SQLite connection on that snapshot (blind to newer data, unable to write): reset it. */
void store_reset(struct store_stmt *st);
/** Rows changed by the last completed INSERT/UPDATE/DELETE of this statement. */
int64_t store_changes(const struct store_stmt *st);

/* Columns of the current row, 0-based. Text and blobs are valid until the next step or
 * reset of the same statement. NULL text reads as NULL, NULL integers as 0. */
int store_col_count(const struct store_stmt *st);
bool store_col_null(const struct store_stmt *st, int col);
int64_t store_col_i64(const struct store_stmt *st, int col);
const char *store_col_text(const struct store_stmt *st, int col);
const void *store_col_blob(const struct store_stmt *st, int col, size_t *len);

/** Run a script of one or more statements with no parameters (migrations, tests). */
int store_exec_script(struct store *s, const char *sql, struct err *err);

/**
 * For bulk loads, inside the caller's transaction: drop the non-unique indexes of `table` and
 * append their definitions (a script of CREATE INDEX statements) to `ddl`; unique indexes stay,
 * they still catch duplicates. store_indexes_restore(ddl) builds them again, sorted, which is
 * far cheaper than a million random index inserts. On PostgreSQL the drop takes an ACCESS
 * EXCLUSIVE lock on the table until the transaction ends.
 */
int store_indexes_suspend(struct store *s, const char *table, struct strbuf *ddl,
                          struct err *err);
int store_indexes_restore(struct store *s, const char *ddl, struct err *err);

/**
 * Bulk insert inside the caller's transaction, for imports of millions of rows. `q` is a
 * catalogue entry whose SQLite text is an INSERT with ?1..?N and whose PostgreSQL text is
 * `COPY table (c1, ..., cN) FROM STDIN (FORMAT binary)` naming the same columns in ?N order.
 * Per row, bind every ?1..?N with the column's own type (integers for BIGINT, text for TEXT,
 * blobs for BYTEA, or NULL: binary COPY converts nothing) and call store_bulk_add(); then
 * store_bulk_end(). Between begin and end no other statement may run on the connection.
 * SQLite runs the INSERT per row (prepared once, so about as fast as it gets); PostgreSQL
 * streams binary COPY data. A constraint violation (ERR_CONFLICT) or a bad value surfaces
 * from store_bulk_add (SQLite) or only from store_bulk_end (PostgreSQL). To give up (after an
 * error, or for any reason) call store_bulk_end(st, true, ...): it discards what was sent and
 * returns 0; then roll back. *rows (may be NULL) gets the rows added.
 */
int store_bulk_begin(struct store *s, enum query_id q, struct store_stmt **out, struct err *err);
int store_bulk_add(struct store_stmt *st, struct err *err);
int store_bulk_end(struct store_stmt *st, bool abort, int64_t *rows, struct err *err);

/*
 * Migrations: sql/NNNN_name.sql, embedded at build time. Within a file, `{{ID}}` is an int64
 * auto-increment primary key and `{{BLOB}}` a byte string in the backend's dialect; lines
 * "-- @sqlite" and "-- @pg" start a block for one backend only, "-- @both" ends it.
 * Each migration runs in its own transaction and is recorded with its checksum.
 */
struct store_migration_status {
    int version;
    const char *name;
    bool applied;
    char applied_at[32]; /* ISO 8601 UTC, empty when pending */
};
/** Apply all pending migrations in order; *applied (may be NULL) gets how many ran. */
int store_migrate(struct store *s, int *applied, struct err *err);
/** Fill `out` (caller's array of at least store_migration_count() rows). */
int store_migration_status(struct store *s, struct store_migration_status *out, struct err *err);
size_t store_migration_count(void);
/** ERR_CONFIG with a "run 'pmis db migrate'" hint if any migration is pending. */
int store_require_current(struct store *s, struct err *err);

/**
 * Consistent copy of the whole database to `path` while other connections keep working
 * (SQLite online backup API; pg_dump custom format for PostgreSQL). Restore replaces the
 * database behind `s` with the copy (SQLite: backup API into the open connection; PostgreSQL:
 * pg_restore --clean in one transaction; tables created after the backup are left alone).
 * The copy is written to PATH.tmp and renamed. Restore: ERR_NOT_FOUND for a missing file,
 * ERR_CORRUPT for one that is not a backup, ERR_INTERNAL inside a transaction.
 * Checksums and manifests are the caller's business (domain/backup.c).
 */
int store_backup_to(struct store *s, const char *path, struct err *err);
int store_restore_from(struct store *s, const char *path, struct err *err);

/**
 * A named lock held by this connection's session, for work that must not run twice at once
 * (a period's bill run). 0 = taken; ERR_BUSY naming `what` if another session holds it. It is
 * released by store_unlock(), store_close(), or the death of the process: an flock() on a file
 * beside the SQLite database (PATH-lock-NAME), a session advisory lock on PostgreSQL. Taking a
 * lock this connection already holds is ERR_BUSY too. `name` is [A-Za-z0-9_.-]+.
 */
int store_lock_try(struct store *s, const char *name, const char *what, struct err *err);
void store_unlock(struct store *s, const char *name);
/**
 * Make sure this session still holds lock `name` (taken by store_lock_try): a PostgreSQL
 * session lost with its connection (the store reconnects on the next statement) took its
 * advisory locks with it, so the lock is taken again. 0 = held; ERR_BUSY naming `what` when
 * another session took it meanwhile (it is then no longer ours); database errors as usual.
 */
int store_lock_keep(struct store *s, const char *name, const char *what, struct err *err);
/** How many times the connection was re-established after it was lost (0 on SQLite): when
 *  it changes, session state (store_lock_try locks) may be gone. */
unsigned store_reconnects(const struct store *s);

#ifdef PMIS_TESTING
/*
 * Fault injection (test builds only): let `after_steps` more store_step() calls run (each call
 * counts, including the one that returns DONE), then fail the next one with `code` (ERR_BUSY,
 * ERR_IO, ERR_CONFLICT) without running it; one shot. The store's own BEGIN / COMMIT /
 * ROLLBACK are not counted. Also set at store_open() from the environment variable
 * PMIS_FAULT="busy:N" | "io:N" | "conflict:N" (N = after_steps; anything else is ERR_CONFIG),
 * so integration tests can break the real binary.
 */
void store_fault_set(struct store *s, int code, long after_steps);
#endif

#endif
