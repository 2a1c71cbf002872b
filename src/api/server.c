/*
 * `pmis serve` on libmicrohttpd: one thread per connection (handlers block on the database),
 * each request borrowing a worker — its own store connection and key ring — from a pool.
 * A request is answered on the handler's second call or later (DESIGN §6: answering on the
 * first call closes keep-alive connections), except a body declared too large, refused at
 * once. The route's flags set the body limit before a byte is read: a CSV import's body (up to
 * server.max_import_bytes) goes to a spool file as it arrives, others into memory. Every request
 * gets an id (X-Request-Id if sane), a JSON access-log line and metrics. SIGTERM/SIGINT: stop
 * accepting, let in-flight requests finish, then stop. Meanwhile the main thread closes pooled
 * connections left unused for server.db_idle_s (the pool shrinks after a burst). Background jobs
 * (api_job_start, e.g. a bill run) run on threads of their own.
 */
#include "core/common.h"
#include "core/keyring.h"
#include "core/log.h"
#include "core/spool.h"
#include "core/xalloc.h"
#include "api/api.h"
#include "api/ratelimit.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <microhttpd.h>
#include <sodium.h>

struct worker {
    struct store *db;
    struct keyring *keys;
    struct worker *next;
    struct timespec idle_since; /* CLOCK_MONOTONIC, when put back */
};

/* Prometheus counters: requests by (route, status), one latency histogram. */
/* The route index of a request the web UI's files answered (-1 is "no route matched"). */
enum { ROUTE_STATIC = -2 };
#define METRIC_ROWS 512
static const double latency_bounds[] = { 0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                         0.25,  0.5,   1,    2.5,   5,    10 };
#define NBUCKETS ARRAY_SIZE(latency_bounds)

struct metric_row {
    int route, status;
    uint64_t count;
};

struct server {
    const struct api_config *cfg;
    pthread_mutex_t mu; /* guards free_workers and the metrics */
    struct worker *free_workers;
    size_t open_workers, closed_workers;
    atomic_long inflight;
    struct ratelimit *login_limit; /* R_LIMITED routes, NULL = no limit */
    struct metric_row rows[METRIC_ROWS];
    size_t nrows;
    uint64_t buckets[NBUCKETS + 1];
    uint64_t total;
    double seconds_sum;
};

struct conn_req {
    struct api_req r;
    struct strbuf body; /* the body in memory, or (spool) in spool_fd */
    int spool_fd;       /* -1 until the first bytes of a spooled body */
    bool spool;
    size_t limit, received; /* the route's body limit (named by limit_key), bytes so far */
    const char *limit_key;
    struct err body_err; /* the spool file could not be written */
    bool too_large, answered;
    struct timespec start;
    char request_id[68];
    char client[64];
    const char *user;
    int route, status;
};

static double elapsed_s(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static struct worker *worker_get(struct server *s, struct err *err)
{
    pthread_mutex_lock(&s->mu);
    struct worker *w = s->free_workers;
    if (w)
        s->free_workers = w->next;
    pthread_mutex_unlock(&s->mu);
    if (w)
        return w;
    w = xcalloc(1, sizeof(*w));
    if (store_open_peer(s->cfg->db, &w->db, err) ||
        (s->cfg->keys && keyring_clone(s->cfg->keys, &w->keys, err))) {
        if (w->db)
            store_close(w->db);
        free(w);
        return NULL;
    }
    pthread_mutex_lock(&s->mu);
    s->open_workers++;
    pthread_mutex_unlock(&s->mu);
    return w;
}

static void worker_put(struct server *s, struct worker *w)
{
    if (store_tx_depth(w->db)) /* a handler bug must not leak a transaction to the next one */
        store_rollback(w->db);
    clock_gettime(CLOCK_MONOTONIC, &w->idle_since);
    pthread_mutex_lock(&s->mu);
    w->next = s->free_workers;
    s->free_workers = w;
    pthread_mutex_unlock(&s->mu);
}

static void worker_close(struct worker *w)
{
    store_close(w->db);
    if (w->keys)
        keyring_free(w->keys);
    free(w);
}

/* Close the pooled workers unused for `idle_s` or longer (all of them with 0). The free list is
 * most recently used first, so the idle ones form its tail. */
static void pool_shrink(struct server *s, unsigned idle_s)
{
    struct worker *gone = NULL;
    pthread_mutex_lock(&s->mu);
    struct worker **pp = &s->free_workers;
    while (*pp) {
        struct worker *w = *pp;
        if (elapsed_s(&w->idle_since) >= (double)idle_s) {
            *pp = w->next;
            w->next = gone;
            gone = w;
            s->open_workers--;
            s->closed_workers++;
        } else {
            pp = &w->next;
        }
    }
    pthread_mutex_unlock(&s->mu);
    while (gone) { /* closing may take a while (a WAL checkpoint): outside the lock */
        struct worker *w = gone;
        gone = w->next;
        worker_close(w);
    }
}

static void metrics_add(struct server *s, int route, int status, double secs)
{
    pthread_mutex_lock(&s->mu);
    size_t i;
    for (i = 0; i < s->nrows; i++)
        if (s->rows[i].route == route && s->rows[i].status == status)
            break;
    if (i == s->nrows && s->nrows < METRIC_ROWS)
        s->rows[s->nrows++] = (struct metric_row){ route, status, 0 };
    if (i < s->nrows)
        s->rows[i].count++;
    size_t b = 0;
    while (b < NBUCKETS && secs > latency_bounds[b])
        b++;
    s->buckets[b]++;
    s->total++;
    s->seconds_sum += secs;
    pthread_mutex_unlock(&s->mu);
}

void api_metrics_text(struct api_req *r, struct strbuf *out)
{
    struct server *s = r->server;
    pthread_mutex_lock(&s->mu);
    strbuf_addstr(out, "# HELP pmis_http_requests_total HTTP requests by route and status.\n"
                       "# TYPE pmis_http_requests_total counter\n");
    for (size_t i = 0; i < s->nrows; i++) {
        const struct metric_row *m = &s->rows[i];
        strbuf_addf(
            out, "pmis_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} %" PRIu64 "\n",
            m->route >= 0 ? api_routes[m->route].method : "",
            m->route >= 0                ? api_routes[m->route].pattern
            : m->route == ROUTE_STATIC ? "static"
                                       : "unmatched",
            m->status, m->count);
    }
    strbuf_addstr(out, "# HELP pmis_http_request_duration_seconds Time to answer a request.\n"
                       "# TYPE pmis_http_request_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (size_t b = 0; b <= NBUCKETS; b++) {
        cum += s->buckets[b];
        if (b < NBUCKETS)
            strbuf_addf(out, "pmis_http_request_duration_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
                        latency_bounds[b], cum);
        else
            strbuf_addf(out, "pmis_http_request_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n",
                        cum);
    }
    strbuf_addf(out, "pmis_http_request_duration_seconds_sum %.6f\n", s->seconds_sum);
    strbuf_addf(out, "pmis_http_request_duration_seconds_count %" PRIu64 "\n", s->total);
    size_t idle = 0;
    for (const struct worker *w = s->free_workers; w; w = w->next)
        idle++;
    strbuf_addf(out,
                "# HELP pmis_db_connections Database connections the server holds open.\n"
                "# TYPE pmis_db_connections gauge\npmis_db_connections %zu\n"
                "# HELP pmis_db_connections_idle Open database connections not in use.\n"
                "# TYPE pmis_db_connections_idle gauge\npmis_db_connections_idle %zu\n"
                "# HELP pmis_db_connections_closed_total Connections closed after "
                "server.db_idle_s unused.\n"
                "# TYPE pmis_db_connections_closed_total counter\n"
                "pmis_db_connections_closed_total %zu\n",
                s->open_workers, idle, s->closed_workers);
    strbuf_addf(out,
                "# HELP pmis_http_requests_in_flight Requests being answered.\n"
                "# TYPE pmis_http_requests_in_flight gauge\npmis_http_requests_in_flight %ld\n",
                atomic_load(&s->inflight));
    pthread_mutex_unlock(&s->mu);
}

const char *api_header(struct api_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *api_query(struct api_req *r, const char *name)
{
#ifdef PMIS_TESTING
    /* t0510: "operationId name" of every query parameter a handler reads, to compare with the
     * OpenAPI document's parameters */
    const char *log = getenv("PMIS_TEST_QUERY_LOG");
    if (log && *log && r->route >= 0) {
        FILE *fp = fopen(log, "a");
        if (fp) {
            fprintf(fp, "%s %s\n", api_routes[r->route].name, name);
            fclose(fp);
        }
    }
#endif
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_check {
    struct api_req *r;
    int rc;
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    struct query_check *q = cls;
    UNUSED(kind);
    if (!api_text_ok(key) || (value && !api_text_ok(value))) {
        q->rc = error(&q->r->err, ERR_INVALID,
                      "query parameter is not valid UTF-8 text without control characters");
        return MHD_NO;
    }
    return MHD_YES;
}

int api_check_query(struct api_req *r)
{
    struct query_check q = { r, 0 };
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_arg, &q);
    return q.rc;
}

static bool request_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
            return false;
    return true;
}

/* The path for the log: bytes that are not printable ASCII are written as %XX. */
static void add_log_path(struct strbuf *sb, const char *p)
{
    struct strbuf tmp = STRBUF_INIT;
    for (const unsigned char *s = (const unsigned char *)p; *s && tmp.len < 512; s++) {
        if (*s < 0x20 || *s >= 0x7f || *s == '%')
            strbuf_addf(&tmp, "%%%02X", *s);
        else
            strbuf_addch(&tmp, *s);
    }
    strbuf_add_json_str(sb, tmp.buf);
    strbuf_release(&tmp);
}

static void access_log(struct conn_req *q, double secs)
{
    struct strbuf sb = STRBUF_INIT;
    struct timeval tv;
    struct tm tm;
    char ts[96];
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000));
    strbuf_addf(&sb, "{\"ts\":\"%s\",\"level\":\"info\",\"msg\":\"access\",\"request_id\":", ts);
    strbuf_add_json_str(&sb, q->request_id);
    strbuf_addstr(&sb, ",\"method\":");
    strbuf_add_json_str(&sb, q->r.method ? q->r.method : "");
    strbuf_addstr(&sb, ",\"path\":");
    add_log_path(&sb, q->r.path ? q->r.path : "");
    strbuf_addstr(&sb, ",\"route\":");
    if (q->route >= 0)
        strbuf_add_json_str(&sb, api_routes[q->route].pattern);
    else if (q->route == ROUTE_STATIC)
        strbuf_addstr(&sb, "\"static\"");
    else
        strbuf_addstr(&sb, "null");
    strbuf_addf(&sb, ",\"status\":%d,\"ms\":%.3f,\"user\":", q->status, secs * 1000);
    if (q->user)
        strbuf_add_json_str(&sb, q->user);
    else
        strbuf_addstr(&sb, "null");
    strbuf_addstr(&sb, "}\n");
    /* one write(2) a line: atomic between threads, no stdio lock to queue on */
    if (write(STDERR_FILENO, sb.buf, sb.len) < 0) {
        /* nowhere to report a failed log write */
    }
    strbuf_release(&sb);
}

static enum MHD_Result send_reply(struct server *s, struct MHD_Connection *conn, struct conn_req *q)
{
    struct api_req *r = &q->r;
    struct MHD_Response *resp;
    const char *ctype = r->content_type;
    if (r->out) {
        /* NULL only when out of memory: then the connection is dropped (MHD_NO below) */
        char *body = json_dumps(r->out, JSON_COMPACT | JSON_ENCODE_ANY);
        resp = body ? MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE)
                    : NULL;
        ctype = "application/json; charset=utf-8";
    } else if (r->reply_fd >= 0) {
        /* libmicrohttpd reads the file as the client takes it (sendfile without TLS) and
         * closes it with the response; memory stays flat however large the file */
        struct stat sb;
        resp = fstat(r->reply_fd, &sb)
                   ? NULL
                   : MHD_create_response_from_fd((uint64_t)sb.st_size, r->reply_fd);
        if (resp)
            r->reply_fd = -1;
        if (!ctype)
            ctype = "application/octet-stream";
    } else {
        resp = MHD_create_response_from_buffer(r->text.len, r->text.buf, MHD_RESPMEM_MUST_COPY);
        if (!ctype)
            ctype = "text/plain; charset=utf-8";
    }
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", ctype);
    MHD_add_response_header(resp, "X-Request-Id", q->request_id);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (r->set_cookie)
        MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
    if (r->disposition)
        MHD_add_response_header(resp, "Content-Disposition", r->disposition);
    if (r->status == 405 && q->route < 0)
        MHD_add_response_header(resp, "Allow", "GET, POST, PATCH");
    if (r->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    if (r->retry_after > 0) {
        char b[24];
        snprintf(b, sizeof(b), "%" PRId64, r->retry_after);
        MHD_add_response_header(resp, "Retry-After", b);
    }
    q->status = r->status ? r->status : 200;
    q->route = r->route;
    q->user = r->authed ? arena_strdup(&r->arena, r->who.username) : NULL;
    q->answered = true;
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)q->status, resp);
    MHD_destroy_response(resp);
    UNUSED(s);
    return ret;
}

/* A 413 before the body is read (declared too large) or as soon as it grows too large: the
 * route's limit and the setting that sets it. */
static enum MHD_Result too_large(struct server *s, struct MHD_Connection *conn, struct conn_req *q)
{
    struct api_req *r = &q->r;
    error(&r->err, ERR_TOO_LARGE, "request body larger than %zu bytes (%s)", q->limit,
          q->limit_key);
    r->route = -1;
    api_error_reply(r, ERR_TOO_LARGE);
    return send_reply(s, conn, q);
}

/* Take a chunk of the body: into memory, or appended to the spool file (opened on the first
 * chunk). A spool failure (disk full) is kept in body_err and answered once the body is in. */
static void body_take(struct conn_req *q, const char *data, size_t len)
{
    q->received += len;
    if (!q->spool) {
        strbuf_add(&q->body, data, len);
        return;
    }
    if (q->body_err.code)
        return;
    if (q->spool_fd < 0) {
        int fd = spool_open(&q->body_err);
        if (fd < 0)
            return;
        q->spool_fd = fd;
    }
    spool_write(q->spool_fd, data, len, &q->body_err);
}

/* The peer's address as text ("127.0.0.1", "::1"), or "unknown". */
static void client_address(struct MHD_Connection *conn, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    snprintf(out, size, "unknown");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)size);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)size);
}

int api_rate_check(struct api_req *r)
{
    struct server *s = r->server;
    if (!s->login_limit)
        return 0;
    int64_t wait = ratelimit_take(s->login_limit, r->client, clock_now(s->cfg->clock));
    if (!wait)
        return 0;
    r->retry_after = wait;
    log_warn("rate limit: %s %s from %s refused for %" PRId64 " s", r->method, r->path, r->client,
             wait);
    return error(&r->err, ERR_RATE_LIMITED,
                 "too many login attempts from this address: try again in %" PRId64 " s",
                 wait);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    struct server *s = cls;
    struct conn_req *q = *con_cls;
    UNUSED(version);
    if (!q) {
        q = xcalloc(1, sizeof(*q));
        clock_gettime(CLOCK_MONOTONIC, &q->start);
        strbuf_init(&q->body, 0);
        strbuf_init(&q->r.text, 0);
        q->r.reply_fd = -1;
        q->spool_fd = -1;
        q->route = -1;
        q->r.conn = conn;
        q->r.server = s;
        q->r.cfg = s->cfg;
        q->r.method = arena_strdup(&q->r.arena, method);
        q->r.path = arena_strdup(&q->r.arena, url);
        const char *rid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
        if (request_id_ok(rid)) {
            snprintf(q->request_id, sizeof(q->request_id), "%s", rid);
        } else {
            unsigned char b[8];
            randombytes_buf(b, sizeof(b));
            sodium_bin2hex(q->request_id, sizeof(q->request_id), b, sizeof(b));
        }
        q->r.request_id = q->request_id;
        client_address(conn, q->client, sizeof(q->client));
        q->r.client = q->client;
        q->r.tls = s->cfg->tls_cert != NULL;
        *con_cls = q;
        atomic_fetch_add(&s->inflight, 1);
        /* the route's limit, known before a byte of the body (the router decides) */
        q->limit = api_body_limit(s->cfg, method, url, &q->r.arena, &q->limit_key, &q->spool);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > q->limit) {
            q->too_large = true;
            return too_large(s, conn, q);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!q->too_large && *upload_size > q->limit - q->received) {
            q->too_large = true;
            *upload_size = 0;
            return too_large(s, conn, q);
        }
        if (!q->too_large)
            body_take(q, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (q->answered)
        return MHD_YES;

    struct api_req *r = &q->r;
    struct err err = ERR_INIT;
    if (web_wants(r)) { /* the web UI's files: no database, no session */
        enum MHD_Result ret = (enum MHD_Result)web_reply(r);
        q->route = ROUTE_STATIC;
        q->status = r->status;
        q->answered = true;
        return ret;
    }
    log_set_request_id(q->request_id);
    if (!q->body_err.code && q->spool_fd >= 0 && lseek(q->spool_fd, 0, SEEK_SET) < 0)
        error(&q->body_err, ERR_IO, "cannot read a temporary file: %s", strerror(errno));
    if (q->body_err.code) { /* the spool file failed (disk full): 500, the detail logged */
        r->err = q->body_err;
        api_error_reply(r, q->body_err.code);
        enum MHD_Result ret = send_reply(s, conn, q);
        log_set_request_id(NULL);
        return ret;
    }
    r->body = q->spool ? NULL : q->body.buf;
    r->body_len = q->spool ? q->received : q->body.len;
    r->body_fd = q->spool_fd;
    r->ctx.arena = &r->arena;
    r->ctx.clock = s->cfg->clock;
    r->ctx.zone_name = s->cfg->zone_name;
    r->ctx.request_id = q->request_id;
    r->ctx.actor = "anonymous";
    struct worker *w = worker_get(s, &err);
    if (w) {
        r->ctx.db = w->db;
        r->ctx.keys = w->keys;
    } else {
        log_error("no database connection: %s", err.msg);
    }
    api_dispatch(r);
    enum MHD_Result ret = send_reply(s, conn, q);
    /* the arena (and with it the ctx cache) may hold nothing tied to the worker after this */
    if (w)
        worker_put(s, w);
    log_set_request_id(NULL);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct server *s = cls;
    struct conn_req *q = *con_cls;
    UNUSED(conn);
    if (!q)
        return;
    double secs = elapsed_s(&q->start);
    if (!q->answered)
        q->status = toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? 408 : 499;
    access_log(q, secs);
    metrics_add(s, q->route, q->status, secs);
    if (q->r.json)
        json_decref(q->r.json);
    if (q->r.out)
        json_decref(q->r.out);
    strbuf_release(&q->body);
    if (q->spool_fd >= 0)
        close(q->spool_fd);
    strbuf_release(&q->r.text);
    if (q->r.reply_fd >= 0)
        close(q->r.reply_fd);
    arena_release(&q->r.arena);
    free(q);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

/* Background jobs (api_job_start): each on a detached thread with its own connection. The
 * server waits for them on shutdown as for requests; a job still running after the grace
 * period dies with the process (a bill run is resumed later from its work units), so a job
 * touches only this counter and what it owns, never the server (gone by then). */
static atomic_long jobs_running;

struct job {
    const struct api_config *cfg;
    api_job_fn *fn;
    void *arg;
    char what[64], actor[128], request_id[68];
};

static void *job_main(void *p)
{
    struct job *j = p;
    struct arena arena = ARENA_INIT;
    struct err err = ERR_INIT;
    struct ctx c = { .clock = j->cfg->clock, .zone_name = j->cfg->zone_name, .actor = j->actor,
                     .request_id = j->request_id, .arena = &arena };
    log_set_request_id(j->request_id);
    int rc = store_open_peer(j->cfg->db, &c.db, &err);
#ifdef PMIS_TESTING
    /* t0572, the web journeys: "N" (every job) or "N:K" (the first K jobs of the server) fail
     * on a storage error after N steps, the requests do not: a background run that fails */
    static atomic_long jobs_started;
    const char *fault = getenv("PMIS_TEST_JOB_FAULT");
    long nth = atomic_fetch_add(&jobs_started, 1);
    if (!rc && fault && *fault && (!strchr(fault, ':') || nth < atol(strchr(fault, ':') + 1)))
        store_fault_set(c.db, ERR_IO, atol(fault));
#endif
    if (!rc && j->cfg->keys)
        rc = keyring_clone(j->cfg->keys, &c.keys, &err);
    if (!rc)
        rc = j->fn(&c, j->arg, &err);
    if (rc)
        log_error("%s: %s", j->what, err.msg);
    else
        log_info("%s: done", j->what);
    arena_release(&arena);
    if (c.db)
        store_close(c.db);
    if (c.keys)
        keyring_free(c.keys);
    log_set_request_id(NULL);
    free(j->arg);
    free(j);
    atomic_fetch_sub(&jobs_running, 1);
    return NULL;
}

int api_job_start(struct api_req *r, const char *what, api_job_fn *fn, void *arg)
{
    struct job *j = xcalloc(1, sizeof(*j));
    pthread_attr_t attr;
    pthread_t th;
    j->cfg = r->cfg;
    j->fn = fn;
    j->arg = arg;
    snprintf(j->what, sizeof(j->what), "%s", what);
    snprintf(j->actor, sizeof(j->actor), "%s", r->ctx.actor);
    snprintf(j->request_id, sizeof(j->request_id), "%s", r->request_id ? r->request_id : "");
    atomic_fetch_add(&jobs_running, 1);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&th, &attr, job_main, j);
    pthread_attr_destroy(&attr);
    if (rc) {
        atomic_fetch_sub(&jobs_running, 1);
        free(arg);
        free(j);
        return error(&r->err, ERR_INTERNAL, "cannot start %s: %s", what, strerror(rc));
    }
    return 0;
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT" into a socket address. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, bool *v6, struct err *err)
{
    char host[256] = "";
    const char *port;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':')
            goto bad;
        snprintf(host, sizeof(host), "%.*s", (int)(close - listen - 1), listen + 1);
        port = close + 2;
    } else {
        const char *colon = strrchr(listen, ':');
        if (!colon)
            goto bad;
        snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
        port = colon + 1;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 0 || p > 65535)
        goto bad;
    struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM },
                    *res;
    int rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);
    if (rc)
        return error(err, ERR_CONFIG, "cannot resolve listen address '%s': %s", listen,
                     gai_strerror(rc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *v6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return 0;
bad:
    return error(err, ERR_CONFIG, "invalid listen address '%s': expected HOST:PORT", listen);
}

int api_serve(const struct api_config *cfg, struct err *err)
{
    struct server s = { .cfg = cfg };
    struct sockaddr_storage ss = { 0 };
    bool v6 = false;
    int rc;

    if (sodium_init() < 0)
        return error(err, ERR_INTERNAL, "libsodium could not be initialised");
    if ((rc = parse_listen(cfg->listen, &ss, &v6, err)))
        return rc;
    pthread_mutex_init(&s.mu, NULL);
    atomic_init(&s.inflight, 0);
    if (cfg->login_per_minute > 0)
        s.login_limit = ratelimit_new(cfg->login_per_minute, cfg->login_burst);

    /* the signals go to sigwait below, never to a connection thread */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0) |
                     (cfg->tls_cert ? MHD_USE_TLS : 0);
    struct MHD_OptionItem tls[] = {
        { MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)cfg->tls_cert },
        { MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)cfg->tls_key },
        { MHD_OPTION_END, 0, NULL },
    };
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, &s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s, MHD_OPTION_CONNECTION_LIMIT,
        cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s, MHD_OPTION_ARRAY,
        cfg->tls_cert ? tls : tls + 2, MHD_OPTION_END);
    if (!d) {
        rc = error(err, cfg->tls_cert ? ERR_CONFIG : ERR_IO,
                   "cannot serve on '%s'%s (address in use, not permitted, or bad TLS "
                   "certificate or key)",
                   cfg->listen, cfg->tls_cert ? " with TLS" : "");
        goto out;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char shown[300];
    snprintf(shown, sizeof(shown), "%.*s:%u", (int)(strrchr(cfg->listen, ':') - cfg->listen),
             cfg->listen, di ? di->port : 0);
    fprintf(stderr, "listening on %s%s\n", cfg->tls_cert ? "https://" : "http://", shown);
    log_info("pmis serve: listening on %s", shown);

    /* wait for the signal, shrinking the pool meanwhile */
    int sig;
    struct timespec tick = { cfg->db_idle_s < 10 ? 1 : 5, 0 };
    while ((sig = sigtimedwait(&sigs, NULL, &tick)) < 0)
        pool_shrink(&s, cfg->db_idle_s);
    log_info("pmis serve: signal %d: finishing in-flight requests", sig);
    MHD_socket lfd = MHD_quiesce_daemon(d);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    while ((atomic_load(&s.inflight) > 0 || atomic_load(&jobs_running) > 0) &&
           elapsed_s(&start) < cfg->grace_s) {
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    long left = atomic_load(&s.inflight) + atomic_load(&jobs_running);
    if (left)
        log_warn("pmis serve: %ld request(s) still running after %u s: stopping anyway", left,
                 cfg->grace_s);
    MHD_stop_daemon(d);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    log_info("pmis serve: stopped");
    rc = 0;
out:
    while (s.free_workers) {
        struct worker *w = s.free_workers;
        s.free_workers = w->next;
        worker_close(w);
    }
    ratelimit_free(s.login_limit);
    pthread_mutex_destroy(&s.mu);
    pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
    return rc;
}
