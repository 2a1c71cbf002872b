/*
 * The PostgreSQL backend: the only file that includes <libpq-fe.h>. ?N placeholders become
 * $N once per statement; each statement is PQprepare'd lazily per connection (again after a
 * reconnect) and run with text parameters (blobs binary) and text results, bytea decoded from
 * hex on demand. Backup and restore run pg_dump / pg_restore, with no shell in between.
 */
#include "core/common.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "store/store_impl.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <glob.h>
#include <spawn.h>
#include <sys/wait.h>

#include <libpq-fe.h>

/*
 * libpq is loaded when the first PostgreSQL connection opens, not when pmis starts: with its
 * Kerberos and LDAP dependencies it costs every command about 2 ms to load, and a SQLite
 * installation never needs it. Every PQ function this file calls is listed here; the macros
 * below send the calls through the table.
 */
#define PQ_FUNCS(X) \
    X(PQclear) \
    X(PQcmdStatus) \
    X(PQcmdTuples) \
    X(PQconnectdbParams) \
    X(PQconninfo) \
    X(PQconninfoFree) \
    X(PQconninfoParse) \
    X(PQerrorMessage) \
    X(PQexec) \
    X(PQexecPrepared) \
    X(PQfinish) \
    X(PQfreemem) \
    X(PQftype) \
    X(PQgetResult) \
    X(PQgetisnull) \
    X(PQgetlength) \
    X(PQgetvalue) \
    X(PQnfields) \
    X(PQntuples) \
    X(PQpass) \
    X(PQprepare) \
    X(PQputCopyData) \
    X(PQputCopyEnd) \
    X(PQreset) \
    X(PQresultErrorField) \
    X(PQresultStatus) \
    X(PQserverVersion) \
    X(PQsetNoticeProcessor) \
    X(PQstatus) \
    X(PQtransactionStatus)

static struct {
#define X(f) __typeof__(f) *fn_##f;
    PQ_FUNCS(X)
#undef X
} pq;
static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static char pq_error[256];

static void pq_load(void)
{
    void *h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(pq_error, sizeof(pq_error), "%s", dlerror());
        return;
    }
#define X(f)                                                                                       \
    if (!(*(void **)&pq.fn_##f = dlsym(h, #f))) {                                                  \
        snprintf(pq_error, sizeof(pq_error), "libpq.so.5 lacks %s", #f);                         \
        return;                                                                                    \
    }
    PQ_FUNCS(X)
#undef X
}

#define PQclear(...) pq.fn_PQclear(__VA_ARGS__)
#define PQcmdStatus(...) pq.fn_PQcmdStatus(__VA_ARGS__)
#define PQcmdTuples(...) pq.fn_PQcmdTuples(__VA_ARGS__)
#define PQconnectdbParams(...) pq.fn_PQconnectdbParams(__VA_ARGS__)
#define PQconninfo(...) pq.fn_PQconninfo(__VA_ARGS__)
#define PQconninfoFree(...) pq.fn_PQconninfoFree(__VA_ARGS__)
#define PQconninfoParse(...) pq.fn_PQconninfoParse(__VA_ARGS__)
#define PQerrorMessage(...) pq.fn_PQerrorMessage(__VA_ARGS__)
#define PQexec(...) pq.fn_PQexec(__VA_ARGS__)
#define PQexecPrepared(...) pq.fn_PQexecPrepared(__VA_ARGS__)
#define PQfinish(...) pq.fn_PQfinish(__VA_ARGS__)
#define PQfreemem(...) pq.fn_PQfreemem(__VA_ARGS__)
#define PQftype(...) pq.fn_PQftype(__VA_ARGS__)
#define PQgetResult(...) pq.fn_PQgetResult(__VA_ARGS__)
#define PQgetisnull(...) pq.fn_PQgetisnull(__VA_ARGS__)
#define PQgetlength(...) pq.fn_PQgetlength(__VA_ARGS__)
#define PQgetvalue(...) pq.fn_PQgetvalue(__VA_ARGS__)
#define PQnfields(...) pq.fn_PQnfields(__VA_ARGS__)
#define PQntuples(...) pq.fn_PQntuples(__VA_ARGS__)
#define PQpass(...) pq.fn_PQpass(__VA_ARGS__)
#define PQprepare(...) pq.fn_PQprepare(__VA_ARGS__)
#define PQputCopyData(...) pq.fn_PQputCopyData(__VA_ARGS__)
#define PQputCopyEnd(...) pq.fn_PQputCopyEnd(__VA_ARGS__)
#define PQreset(...) pq.fn_PQreset(__VA_ARGS__)
#define PQresultErrorField(...) pq.fn_PQresultErrorField(__VA_ARGS__)
#define PQresultStatus(...) pq.fn_PQresultStatus(__VA_ARGS__)
#define PQserverVersion(...) pq.fn_PQserverVersion(__VA_ARGS__)
#define PQsetNoticeProcessor(...) pq.fn_PQsetNoticeProcessor(__VA_ARGS__)
#define PQstatus(...) pq.fn_PQstatus(__VA_ARGS__)
#define PQtransactionStatus(...) pq.fn_PQtransactionStatus(__VA_ARGS__)

#define PG_BYTEA_OID 17 /* pg_type.h is a server header */
#define PG_SESSION_SQL                                                                             \
    "SET client_encoding = 'UTF8'; SET TimeZone = 'UTC'; SET bytea_output = 'hex'"
#define PG_TOOL_STDERR_MAX 8192
#define PG_CONNECT_TIMEOUT "10" /* seconds */

struct pg_conn {
    PGconn *conn;
    unsigned gen;       /* bumped on every reconnect: statements prepared before must be again */
    struct strbuf copy; /* binary COPY data not yet sent (store_bulk_*) */
};

#define PG_COPY_FLUSH (1u << 20) /* send COPY data in pieces of about 1 MiB */
#define PG_TEXT_OID 25           /* pg_type.oid of text, fixed since PostgreSQL 7 */

/* A bytea column decoded from hex, kept until the statement moves to another row. */
struct pg_blob {
    char *p;
    size_t len, cap;
    long exec;
    int row;
};

struct pg_stmt {
    char name[24];
    char *sql;    /* with $N */
    unsigned gen; /* connection generation it is prepared in; 0: not yet */
    bool is_commit;
    int nparams;
    const char **values;
    int *lengths, *formats;
    char (*num)[24];       /* integer parameters as text */
    struct strbuf *arrays; /* text-array parameters as array literals */
    PGresult *res;
    int row, nrows;
    long exec; /* executions so far, to invalidate decoded blobs */
    struct pg_blob *blobs;
    int nblobs;
};

static PGconn *conn_of(const struct store *s)
{
    return ((struct pg_conn *)s->conn)->conn;
}

/* Copy a libpq message into `out` on one line: newlines and tabs become single spaces. */
static void tidy(struct strbuf *out, const char *msg)
{
    bool space = false;
    for (const char *p = msg ? msg : ""; *p; p++) {
        if (*p == '\n' || *p == '\t' || *p == '\r' || *p == ' ') {
            space = true;
            continue;
        }
        if (space && out->len)
            strbuf_addch(out, ' ');
        space = false;
        strbuf_addch(out, *p);
    }
}

/* Replace every occurrence of `secret` in out->buf by "***". */
static void scrub(struct strbuf *out, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    if (!n)
        return;
    struct strbuf tmp = STRBUF_INIT;
    const char *p = out->buf, *hit;
    while ((hit = strstr(p, secret))) {
        strbuf_add(&tmp, p, (size_t)(hit - p));
        strbuf_addstr(&tmp, "***");
        p = hit + n;
    }
    strbuf_addstr(&tmp, p);
    strbuf_reset(out);
    strbuf_add(out, tmp.buf, tmp.len);
    strbuf_release(&tmp);
}

static void pg_notice(void *arg, const char *message)
{
    struct strbuf sb = STRBUF_INIT;
    UNUSED(arg);
    tidy(&sb, message);
    log_debug("postgresql: %s", sb.buf);
    strbuf_release(&sb);
}

static bool is_sqlstate(const char *state, const char *want)
{
    return state && !strncmp(state, want, strlen(want));
}

/* Turn a failed result (or a failure with none) into an ERR_* with a message. */
static int pg_error(struct store *s, const struct store_stmt *st, const PGresult *res,
                    struct err *err)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
    struct strbuf msg = STRBUF_INIT;
    int code, ret;

    tidy(&msg, primary ? primary : PQerrorMessage(conn_of(s)));
    if (PQstatus(conn_of(s)) != CONNECTION_OK || is_sqlstate(state, "08") ||
        is_sqlstate(state, "57P")) {
        ret = error(err, ERR_UNAVAILABLE, "lost connection to '%s': %s", s->url, msg.buf);
        goto cleanup;
    }
    if (is_sqlstate(state, "23")) {
        /* "Key (cust_no)=(C1) already exists." says which value; other details quote the
         * whole row, which may hold personal data */
        if (detail && !strncmp(detail, "Key ", 4)) {
            strbuf_addstr(&msg, ": ");
            tidy(&msg, detail);
            if (msg.len && msg.buf[msg.len - 1] == '.')
                strbuf_setlen(&msg, msg.len - 1);
        }
        ret = error(err, ERR_CONFLICT, "%s", msg.buf);
        goto cleanup;
    }
    if (is_sqlstate(state, "40001") || is_sqlstate(state, "40P01") || is_sqlstate(state, "55P03") ||
        is_sqlstate(state, "57014"))
        code = ERR_BUSY;
    else if (is_sqlstate(state, "22"))
        code = ERR_INVALID;
    else if (is_sqlstate(state, "53") || is_sqlstate(state, "58"))
        code = ERR_IO;
    else if (is_sqlstate(state, "XX001") || is_sqlstate(state, "XX002"))
        code = ERR_CORRUPT;
    else
        code = ERR_INTERNAL;
    if (st)
        ret = error(err, code, "query '%s' failed: %s", store_query_name(st->q), msg.buf);
    else
        ret = error(err, code, "%s", msg.buf);
cleanup:
    strbuf_release(&msg);
    return ret;
}

static int pg_session(struct store *s, struct err *err)
{
    PGresult *r = PQexec(conn_of(s), PG_SESSION_SQL);
    int ret = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : pg_error(s, NULL, r, err);
    PQclear(r);
    return ret;
}

static int pg_open(struct store *s, const char *url, struct err *err)
{
    struct strbuf msg = STRBUF_INIT, shown = STRBUF_INIT;
    char *secret = NULL, *perr = NULL;
    PGconn *conn = NULL;
    int ret = 0;

    pthread_once(&pq_once, pq_load);
    if (pq_error[0])
        return error(err, ERR_UNAVAILABLE, "PostgreSQL needs the libpq client library: %s",
                     pq_error);
    store_redact_url(url, &shown, &secret);
    PQconninfoOption *opts = PQconninfoParse(url, &perr);
    if (!opts) {
        tidy(&msg, perr ? perr : "cannot parse it");
        scrub(&msg, secret);
        ret = error(err, ERR_CONFIG, "invalid database url '%s': %s", shown.buf, msg.buf);
        goto cleanup;
    }
    PQconninfoFree(opts);
    /* a default connect timeout; one in the URL comes later and wins */
    const char *const keys[] = {"connect_timeout", "dbname", NULL};
    const char *const vals[] = {PG_CONNECT_TIMEOUT, url, NULL};
    conn = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(conn) != CONNECTION_OK) {
        tidy(&msg, PQerrorMessage(conn));
        scrub(&msg, secret);
        ret = error(err, ERR_UNAVAILABLE, "cannot connect to '%s': %s", shown.buf, msg.buf);
        goto cleanup;
    }
    PQsetNoticeProcessor(conn, pg_notice, NULL);
    struct pg_conn *pc = xcalloc(1, sizeof(*pc));
    pc->conn = conn;
    pc->gen = 1;
    strbuf_init(&pc->copy, 0);
    s->conn = pc;
    conn = NULL;
    ret = pg_session(s, err);
    if (ret) {
        PQfinish(pc->conn);
        free(pc);
        s->conn = NULL;
    }
cleanup:
    PQfinish(conn);
    PQfreemem(perr);
    free(secret);
    strbuf_release(&msg);
    strbuf_release(&shown);
    return ret;
}

static void pg_close(struct store *s)
{
    struct pg_conn *pc = s->conn;
    if (!pc)
        return;
    PQfinish(pc->conn);
    strbuf_release(&pc->copy);
    free(pc);
    s->conn = NULL;
}

/* Reconnect a broken connection, unless a transaction was open on it: that one is lost and
 * the caller must roll back first. */
static int pg_ready(struct store *s, struct err *err)
{
    struct pg_conn *pc = s->conn;
    struct strbuf msg = STRBUF_INIT;
    int ret;

    if (PQstatus(pc->conn) == CONNECTION_OK)
        return 0;
    if (s->depth)
        return error(err, ERR_UNAVAILABLE, "lost connection to '%s' inside a transaction", s->url);
    PQreset(pc->conn);
    if (PQstatus(pc->conn) != CONNECTION_OK) {
        tidy(&msg, PQerrorMessage(pc->conn));
        ret = error(err, ERR_UNAVAILABLE, "cannot connect to '%s': %s", s->url, msg.buf);
        strbuf_release(&msg);
        return ret;
    }
    pc->gen++;
    s->reconnects++;
    log_info("reconnected to '%s'", s->url);
    return pg_session(s, err);
}

static bool ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           (unsigned char)c >= 0x80;
}

/* Length of the literal, quoted identifier, comment or dollar-quoted string starting at p
 * (0 if none starts there); `start` is the beginning of the statement. */
static size_t skip_quoted(const char *start, const char *p)
{
    const char *q;
    if (*p == '\'' || *p == '"') {
        bool backslash = *p == '\'' && p > start && (p[-1] == 'E' || p[-1] == 'e') &&
                         (p - 1 == start || !ident_char(p[-2]));
        for (q = p + 1; *q; q++) {
            if (backslash && *q == '\\' && q[1])
                q++;
            else if (*q == *p && q[1] == *p)
                q++;
            else if (*q == *p)
                return (size_t)(q + 1 - p);
        }
        return (size_t)(q - p);
    }
    if (p[0] == '-' && p[1] == '-')
        return strcspn(p, "\n");
    if (p[0] == '/' && p[1] == '*') {
        q = strstr(p + 2, "*/");
        return q ? (size_t)(q + 2 - p) : strlen(p);
    }
    if (*p == '$' && (p == start || !ident_char(p[-1])) && !(p[1] >= '0' && p[1] <= '9')) {
        for (q = p + 1; ident_char(*q); q++)
            ;
        if (*q == '$') {
            size_t tag = (size_t)(q + 1 - p);
            const char *close = memmem(q + 1, strlen(q + 1), p, tag);
            return close ? (size_t)(close + tag - p) : strlen(p);
        }
    }
    return 0;
}

/* ?N -> $N outside literals, quoted identifiers and comments; *nparams gets the highest N. */
static char *pg_rewrite(const char *sql, int *nparams)
{
    struct strbuf out = STRBUF_INIT;
    const char *p = sql;
    int max = 0;

    while (*p) {
        size_t n = skip_quoted(sql, p);
        if (n) {
            strbuf_add(&out, p, n);
            p += n;
        } else if (p[0] == '?' && p[1] >= '1' && p[1] <= '9') {
            char *end;
            long v = strtol(p + 1, &end, 10);
            if (v > 65535)
                v = 65535;
            strbuf_addf(&out, "$%ld", v);
            if (v > max)
                max = (int)v;
            p = end;
        } else {
            strbuf_addch(&out, *p++);
        }
    }
    *nparams = max;
    return strbuf_detach(&out, NULL);
}

static int pg_prepare(struct store_stmt *st, struct err *err)
{
    struct pg_stmt *ps = st->be;
    UNUSED(err);
    if (!ps) {
        ps = xcalloc(1, sizeof(*ps));
        snprintf(ps->name, sizeof(ps->name), "pmis_q%d", (int)st->q);
        ps->sql = pg_rewrite(st->sql, &ps->nparams);
        ps->is_commit = !strcmp(ps->sql, "COMMIT");
        size_t n = ps->nparams ? (size_t)ps->nparams : 1;
        ps->values = xcalloc(n, sizeof(*ps->values));
        ps->lengths = xcalloc(n, sizeof(*ps->lengths));
        ps->formats = xcalloc(n, sizeof(*ps->formats));
        ps->num = xcalloc(n, sizeof(*ps->num));
        ps->arrays = xcalloc(n, sizeof(*ps->arrays));
        for (size_t i = 0; i < n; i++)
            strbuf_init(&ps->arrays[i], 0);
        st->be = ps;
    }
    st->sql_params = ps->nparams;
    return 0; /* the server sees it at the first step, on each connection */
}

static void pg_finalize(struct store_stmt *st)
{
    struct pg_stmt *ps = st->be;
    PQclear(ps->res);
    for (int i = 0; i < ps->nblobs; i++)
        free(ps->blobs[i].p);
    free(ps->blobs);
    free(ps->values);
    free(ps->lengths);
    free(ps->formats);
    free(ps->num);
    for (int i = 0; i < (ps->nparams ? ps->nparams : 1); i++)
        strbuf_release(&ps->arrays[i]);
    free(ps->arrays);
    free(ps->sql);
    free(ps);
    st->be = NULL;
}

static int pg_ensure_prepared(struct store_stmt *st, struct err *err)
{
    struct pg_conn *pc = st->s->conn;
    struct pg_stmt *ps = st->be;
    if (ps->gen == pc->gen)
        return 0;
    PGresult *r = PQprepare(pc->conn, ps->name, ps->sql, ps->nparams, NULL);
    int ret = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : pg_error(st->s, st, r, err);
    PQclear(r);
    if (!ret)
        ps->gen = pc->gen;
    return ret;
}

static void fmt_i64(char buf[24], int64_t v)
{
    char tmp[24];
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    int n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[n++] = '-';
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
}

/* The elements of a STORE_P_TEXT_ARRAY parameter: *at is the next one, or NULL at the end. */
static const char *array_next(const struct store_param *p, const char **at)
{
    const char *e = *at;
    if (e >= p->buf + p->len)
        return NULL;
    *at = e + strlen(e) + 1;
    return e;
}

/* An array literal, every element quoted: {"a","b\"c"} (PostgreSQL manual, "Arrays", 8.15.6). */
static void array_literal(const struct store_param *p, struct strbuf *out)
{
    const char *at = p->buf, *e;
    strbuf_reset(out);
    strbuf_addch(out, '{');
    while ((e = array_next(p, &at))) {
        if (out->len > 1)
            strbuf_addch(out, ',');
        strbuf_addch(out, '"');
        for (; *e; e++) {
            if (*e == '"' || *e == '\\')
                strbuf_addch(out, '\\');
            strbuf_addch(out, *e);
        }
        strbuf_addch(out, '"');
    }
    strbuf_addch(out, '}');
}

static int pg_bind(struct store_stmt *st, struct err *err)
{
    struct pg_stmt *ps = st->be;
    for (int i = 0; i < ps->nparams; i++) {
        const struct store_param *p = i < st->nparams ? &st->params[i] : NULL;
        ps->lengths[i] = 0;
        ps->formats[i] = 0;
        switch (p ? p->type : STORE_P_NULL) {
        case STORE_P_I64:
            fmt_i64(ps->num[i], p->i64);
            ps->values[i] = ps->num[i];
            break;
        case STORE_P_TEXT:
            if (memchr(p->buf, '\0', p->len))
                return error(err, ERR_INVALID, "query '%s': text for ?%d contains a NUL byte",
                             store_query_name(st->q), i + 1);
            ps->values[i] = p->buf;
            break;
        case STORE_P_BLOB:
            if (p->len > INT_MAX)
                return error(err, ERR_TOO_LARGE, "query '%s': blob for ?%d is over 2 GiB",
                             store_query_name(st->q), i + 1);
            ps->values[i] = p->buf;
            ps->lengths[i] = (int)p->len;
            ps->formats[i] = 1;
            break;
        case STORE_P_TEXT_ARRAY:
            array_literal(p, &ps->arrays[i]);
            ps->values[i] = ps->arrays[i].buf;
            break;
        default:
            ps->values[i] = NULL;
            break;
        }
    }
    return 0;
}

static int pg_step(struct store_stmt *st, bool first, struct err *err)
{
    struct pg_stmt *ps = st->be;
    int ret;

    if (!first) {
        ps->row++;
        return ps->row < ps->nrows ? STORE_ROW : STORE_DONE;
    }
    PQclear(ps->res); /* a row store_one() left readable */
    ps->res = NULL;
    ret = pg_ready(st->s, err);
    if (!ret)
        ret = pg_ensure_prepared(st, err);
    if (!ret)
        ret = pg_bind(st, err);
    if (ret)
        return ret;
    ps->res = PQexecPrepared(conn_of(st->s), ps->name, ps->nparams, ps->values, ps->lengths,
                             ps->formats, 0);
    ps->exec++;
    ps->row = 0;
    ps->nrows = 0;
    switch (PQresultStatus(ps->res)) {
    case PGRES_TUPLES_OK:
        ps->nrows = PQntuples(ps->res);
        return ps->nrows ? STORE_ROW : STORE_DONE;
    case PGRES_COMMAND_OK:
        /* COMMIT of a transaction that an earlier error aborted answers ROLLBACK */
        if (ps->is_commit && !strcmp(PQcmdStatus(ps->res), "ROLLBACK"))
            return error(err, ERR_CONFLICT,
                         "transaction rolled back: an earlier statement in it failed");
        return STORE_DONE;
    case PGRES_EMPTY_QUERY:
        return STORE_DONE;
    default:
        return pg_error(st->s, st, ps->res, err);
    }
}

static void pg_reset(struct store_stmt *st)
{
    struct pg_stmt *ps = st->be;
    PQclear(ps->res);
    ps->res = NULL;
    ps->nrows = ps->row = 0;
}

static int64_t pg_changes(struct store_stmt *st)
{
    struct pg_stmt *ps = st->be;
    if (!ps->res || !strncmp(PQcmdStatus(ps->res), "SELECT", 6))
        return 0;
    return strtoll(PQcmdTuples(ps->res), NULL, 10);
}

static int pg_col_count(const struct store_stmt *st)
{
    const struct pg_stmt *ps = st->be;
    return ps->res ? PQnfields(ps->res) : 0;
}

static bool pg_col_null(const struct store_stmt *st, int col)
{
    const struct pg_stmt *ps = st->be;
    return PQgetisnull(ps->res, ps->row, col);
}

static int64_t pg_col_i64(const struct store_stmt *st, int col)
{
    const struct pg_stmt *ps = st->be;
    if (PQgetisnull(ps->res, ps->row, col))
        return 0;
    const char *v = PQgetvalue(ps->res, ps->row, col);
    if (v[0] == 't' && !v[1])
        return 1;
    if (v[0] == 'f' && !v[1])
        return 0;
    return strtoll(v, NULL, 10);
}

static const char *pg_col_text(const struct store_stmt *st, int col)
{
    const struct pg_stmt *ps = st->be;
    return PQgetisnull(ps->res, ps->row, col) ? NULL : PQgetvalue(ps->res, ps->row, col);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static const void *pg_col_blob(const struct store_stmt *st, int col, size_t *len)
{
    struct pg_stmt *ps = st->be;
    *len = 0;
    if (PQgetisnull(ps->res, ps->row, col))
        return NULL;
    const char *v = PQgetvalue(ps->res, ps->row, col);
    size_t n = (size_t)PQgetlength(ps->res, ps->row, col);
    if (PQftype(ps->res, col) != PG_BYTEA_OID || n < 2 || v[0] != '\\' || v[1] != 'x') {
        *len = n;
        return v;
    }
    if (col >= ps->nblobs) {
        int nb = PQnfields(ps->res);
        ps->blobs = xreallocarray(ps->blobs, (size_t)nb, sizeof(*ps->blobs));
        memset(ps->blobs + ps->nblobs, 0, (size_t)(nb - ps->nblobs) * sizeof(*ps->blobs));
        ps->nblobs = nb;
    }
    struct pg_blob *b = &ps->blobs[col];
    if (b->exec != ps->exec || b->row != ps->row) {
        size_t want = (n - 2) / 2 + 1;
        if (want > b->cap) {
            b->p = xrealloc(b->p, want);
            b->cap = want;
        }
        b->len = 0;
        for (size_t i = 2; i + 1 < n; i += 2) {
            int hi = hexval(v[i]), lo = hexval(v[i + 1]);
            if (hi < 0 || lo < 0)
                BUG("bytea column %d is not hex", col);
            b->p[b->len++] = (char)((unsigned)hi << 4 | (unsigned)lo);
        }
        b->exec = ps->exec;
        b->row = ps->row;
    }
    *len = b->len;
    return b->p;
}

static int pg_exec_script(struct store *s, const char *sql, struct err *err)
{
    int ret = pg_ready(s, err);
    if (ret)
        return ret;
    PGresult *r = PQexec(conn_of(s), sql);
    switch (PQresultStatus(r)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
        break;
    default:
        ret = pg_error(s, NULL, r, err);
        break;
    }
    PQclear(r);
    return ret;
}

static bool pg_in_tx(struct store *s)
{
    PGTransactionStatusType t = PQtransactionStatus(conn_of(s));
    return t == PQTRANS_ACTIVE || t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

/* ---- pg_dump and pg_restore ---- */

/* The client tool matching the server's major version, else one in PATH, else the newest
 * under /usr/lib/postgresql. */
static int find_tool(struct store *s, const char *tool, struct strbuf *out, struct err *err)
{
    const char *path = getenv("PATH");
    glob_t g;
    long best = -1;

    strbuf_addf(out, "/usr/lib/postgresql/%d/bin/%s", PQserverVersion(conn_of(s)) / 10000, tool);
    if (!access(out->buf, X_OK))
        return 0;
    while (path && *path) {
        size_t n = strcspn(path, ":");
        strbuf_reset(out);
        strbuf_add(out, n ? path : ".", n ? n : 1);
        strbuf_addf(out, "/%s", tool);
        if (!access(out->buf, X_OK))
            return 0;
        path += n + (path[n] == ':');
    }
    strbuf_reset(out);
    char *pattern = xasprintf("/usr/lib/postgresql/*/bin/%s", tool);
    if (!glob(pattern, 0, NULL, &g)) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            long v = strtol(g.gl_pathv[i] + strlen("/usr/lib/postgresql/"), NULL, 10);
            if (v > best && !access(g.gl_pathv[i], X_OK)) {
                best = v;
                strbuf_reset(out);
                strbuf_addstr(out, g.gl_pathv[i]);
            }
        }
        globfree(&g);
    }
    free(pattern);
    if (best < 0)
        return error(err, ERR_CONFIG, "cannot find '%s' in PATH or /usr/lib/postgresql/*/bin",
                     tool);
    return 0;
}

/* The live connection's parameters as "key='value' ..." without secrets; the password goes
 * to the child in PGPASSWORD, never on a command line others can read. */
static void tool_conninfo(struct store *s, struct strbuf *out)
{
    PQconninfoOption *opts = PQconninfo(conn_of(s));
    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (!o->val || !*o->val || (o->dispchar && o->dispchar[0] == '*'))
            continue;
        if (out->len)
            strbuf_addch(out, ' ');
        strbuf_addf(out, "%s='", o->keyword);
        for (const char *c = o->val; *c; c++) {
            if (*c == '\'' || *c == '\\')
                strbuf_addch(out, '\\');
            strbuf_addch(out, *c);
        }
        strbuf_addch(out, '\'');
    }
    PQconninfoFree(opts);
}

/* Run argv[0] with the connection's password in PGPASSWORD, stdin and stdout on /dev/null;
 * its stderr lands in `errout`. Returns 0 if it exited 0, else -1 with errout saying why. */
static int run_tool(struct store *s, char *const argv[], struct strbuf *errout)
{
    const char *pass = PQpass(conn_of(s));
    size_t nenv = 0;
    char **envp;
    char *pwvar = NULL;
    posix_spawn_file_actions_t fa;
    int fds[2], status = 0, rc, ret = -1;
    pid_t pid;

    for (char **e = environ; *e; e++)
        nenv++;
    envp = xcalloc(nenv + 2, sizeof(*envp));
    nenv = 0;
    if (pass && *pass) {
        pwvar = xasprintf("PGPASSWORD=%s", pass);
        envp[nenv++] = pwvar;
    }
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "PGPASSWORD=", 11))
            envp[nenv++] = *e;
    if (pipe2(fds, O_CLOEXEC)) {
        strbuf_addf(errout, "cannot create a pipe: %s", strerror(errno));
        goto cleanup;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc) {
        close(fds[0]);
        strbuf_addf(errout, "cannot run '%s': %s", argv[0], strerror(rc));
        goto cleanup;
    }
    for (;;) {
        char buf[4096];
        ssize_t n = read(fds[0], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (errout->len < PG_TOOL_STDERR_MAX)
            strbuf_add(errout, buf, (size_t)n);
    }
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            strbuf_addf(errout, "cannot wait for '%s': %s", argv[0], strerror(errno));
            goto cleanup;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        ret = 0;
    else if (!errout->len)
        strbuf_addf(errout, "'%s' failed with status %d", argv[0], status);
cleanup:
    free(pwvar);
    free(envp);
    return ret;
}

static int pg_backup(struct store *s, const char *path, struct err *err)
{
    struct strbuf tool = STRBUF_INIT, conninfo = STRBUF_INIT, out = STRBUF_INIT, msg = STRBUF_INIT;
    char *tmp = xasprintf("%s.tmp", path);
    char *file_arg = xasprintf("--file=%s", tmp), *db_arg = NULL;
    int ret = find_tool(s, "pg_dump", &tool, err);

    if (ret)
        goto cleanup;
    tool_conninfo(s, &conninfo);
    db_arg = xasprintf("--dbname=%s", conninfo.buf);
    char *argv[] = {tool.buf, "--format=custom", "--no-password", file_arg, db_arg, NULL};
    unlink(tmp);
    if (run_tool(s, argv, &out)) {
        tidy(&msg, out.buf);
        ret = error(err, ERR_IO, "cannot back up '%s' to '%s': %s", s->url, path, msg.buf);
    } else if (rename(tmp, path)) {
        ret = error(err, ERR_IO, "cannot write backup '%s': %s", path, strerror(errno));
    }
    if (ret)
        unlink(tmp);
cleanup:
    free(tmp);
    free(file_arg);
    free(db_arg);
    strbuf_release(&tool);
    strbuf_release(&conninfo);
    strbuf_release(&out);
    strbuf_release(&msg);
    return ret;
}

static int pg_restore(struct store *s, const char *path, struct err *err)
{
    struct strbuf tool = STRBUF_INIT, conninfo = STRBUF_INIT, out = STRBUF_INIT, msg = STRBUF_INIT;
    char *db_arg = NULL, *file = xstrdup(path);
    int ret;

    if (access(path, R_OK)) {
        ret = error(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO, "cannot read backup '%s': %s",
                    path, strerror(errno));
        goto cleanup;
    }
    ret = find_tool(s, "pg_restore", &tool, err);
    if (ret)
        goto cleanup;
    tool_conninfo(s, &conninfo);
    db_arg = xasprintf("--dbname=%s", conninfo.buf);
    /* one transaction: a failed restore leaves the database as it was */
    char *argv[] = {tool.buf,        "--clean", "--if-exists", "--no-owner", "--single-transaction",
                    "--no-password", db_arg,    file,          NULL};
    if (run_tool(s, argv, &out)) {
        tidy(&msg, out.buf);
        if (strstr(msg.buf, "valid archive"))
            ret = error(err, ERR_CORRUPT, "'%s' is not a PostgreSQL backup: %s", path, msg.buf);
        else
            ret = error(err, ERR_IO, "cannot restore '%s' from '%s': %s", s->url, path, msg.buf);
    }
cleanup:
    free(db_arg);
    free(file);
    strbuf_release(&tool);
    strbuf_release(&conninfo);
    strbuf_release(&out);
    strbuf_release(&msg);
    return ret;
}

/* ---- bulk loads: binary COPY (PostgreSQL manual, "COPY", binary format) ---- */

static void put_be(struct strbuf *b, uint64_t v, int bytes)
{
    char tmp[8];
    for (int i = 0; i < bytes; i++)
        tmp[i] = (char)(v >> (8 * (bytes - 1 - i)));
    strbuf_add(b, tmp, (size_t)bytes);
}

static int copy_flush(struct store_stmt *st, struct err *err)
{
    struct pg_conn *pc = st->s->conn;
    if (!pc->copy.len)
        return 0;
    if (PQputCopyData(pc->conn, pc->copy.buf, (int)pc->copy.len) != 1)
        return pg_error(st->s, st, NULL, err);
    strbuf_reset(&pc->copy);
    return 0;
}

static int pg_bulk_begin(struct store_stmt *st, struct err *err)
{
    struct pg_conn *pc = st->s->conn;
    int ret = pg_ready(st->s, err);
    if (ret)
        return ret;
    PGresult *r = PQexec(pc->conn, st->sql);
    if (PQresultStatus(r) != PGRES_COPY_IN)
        ret = pg_error(st->s, st, r, err);
    PQclear(r);
    if (ret)
        return ret;
    strbuf_reset(&pc->copy);
    strbuf_add(&pc->copy, "PGCOPY\n\377\r\n\0", 11);
    put_be(&pc->copy, 0, 4); /* flags */
    put_be(&pc->copy, 0, 4); /* header extension length */
    return 0;
}

static int pg_bulk_add(struct store_stmt *st, struct err *err)
{
    struct pg_conn *pc = st->s->conn;
    put_be(&pc->copy, (uint64_t)st->nparams, 2);
    for (int i = 0; i < st->nparams; i++) {
        const struct store_param *p = &st->params[i];
        switch (p->type) {
        case STORE_P_I64:
            put_be(&pc->copy, 8, 4);
            put_be(&pc->copy, (uint64_t)p->i64, 8);
            break;
        case STORE_P_TEXT:
        case STORE_P_BLOB:
            if (p->len > INT_MAX)
                return error(err, ERR_TOO_LARGE, "query '%s': value for ?%d is over 2 GiB",
                             store_query_name(st->q), i + 1);
            if (p->type == STORE_P_TEXT && memchr(p->buf, '\0', p->len))
                return error(err, ERR_INVALID, "query '%s': text for ?%d contains a NUL byte",
                             store_query_name(st->q), i + 1);
            put_be(&pc->copy, (uint32_t)p->len, 4);
            strbuf_add(&pc->copy, p->buf, p->len);
            break;
        case STORE_P_TEXT_ARRAY: {
            /* array_recv's form: dimensions, has-nulls flag, element type (text, OID 25),
             * then per dimension its length and lower bound, then each element */
            size_t n = 0;
            const char *at = p->buf, *e;
            while (array_next(p, &at))
                n++;
            size_t bytes = 12 + (n ? 8 : 0) + 4 * n + (p->len - n);
            if (bytes > INT_MAX)
                return error(err, ERR_TOO_LARGE, "query '%s': value for ?%d is over 2 GiB",
                             store_query_name(st->q), i + 1);
            put_be(&pc->copy, bytes, 4);
            put_be(&pc->copy, n ? 1 : 0, 4);
            put_be(&pc->copy, 0, 4);
            put_be(&pc->copy, PG_TEXT_OID, 4);
            if (n) {
                put_be(&pc->copy, n, 4);
                put_be(&pc->copy, 1, 4);
            }
            for (at = p->buf; (e = array_next(p, &at));) {
                size_t len = strlen(e);
                put_be(&pc->copy, len, 4);
                strbuf_add(&pc->copy, e, len);
            }
            break;
        }
        default:
            put_be(&pc->copy, UINT32_MAX, 4); /* -1: NULL */
            break;
        }
    }
    return pc->copy.len >= PG_COPY_FLUSH ? copy_flush(st, err) : 0;
}

static int pg_bulk_end(struct store_stmt *st, bool abort, struct err *err)
{
    struct pg_conn *pc = st->s->conn;
    int ret = 0;
    if (!abort) {
        put_be(&pc->copy, UINT16_MAX, 2); /* trailer: -1 */
        ret = copy_flush(st, err);
    }
    strbuf_reset(&pc->copy);
    if (PQputCopyEnd(pc->conn, abort || ret ? "bulk load abandoned" : NULL) != 1 && !ret)
        ret = pg_error(st->s, st, NULL, err);
    PGresult *r;
    while ((r = PQgetResult(pc->conn))) {
        if (!ret && !abort && PQresultStatus(r) != PGRES_COMMAND_OK)
            ret = pg_error(st->s, st, r, err);
        PQclear(r);
    }
    return ret;
}

const struct store_backend store_backend_pg = {
    .name = "postgresql",
    .kind = STORE_PG,
    .open = pg_open,
    .close = pg_close,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .step = pg_step,
    .reset = pg_reset,
    .changes = pg_changes,
    .col_count = pg_col_count,
    .col_null = pg_col_null,
    .col_i64 = pg_col_i64,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .exec_script = pg_exec_script,
    .in_tx = pg_in_tx,
    .backup = pg_backup,
    .restore = pg_restore,
    .bulk_begin = pg_bulk_begin,
    .bulk_add = pg_bulk_add,
    .bulk_end = pg_bulk_end,
};
