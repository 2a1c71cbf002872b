/*
 * http_sink: a local HTTP gateway for the outbox tests (t0640). Listens on 127.0.0.1 (a free
 * port, written to --port-file), accepts POSTs and appends one line per request to --log:
 *   N <TAB> outcome <TAB> idempotency-key <TAB> body
 * outcome: ok (accepted), dup (a key accepted before: answered 200, not delivered again),
 * hang (accepted, then no answer for --hang-ms), 500, 400, nokey (no Idempotency-Key: 400).
 * --script "hang,500,400" gives the answers to the first requests with a new key, in order;
 * then everything is ok. --delay-ms waits before each answer. Stops on SIGTERM or SIGINT.
 */
#define _POSIX_C_SOURCE 200809L
#include <microhttpd.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_BODY (1 << 20)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file;
static char **script;
static size_t script_n, script_at, seen_n, seen_cap;
static char **seen;
static long request_n, hang_ms = 60000, delay_ms;

struct upload {
    char *buf;
    size_t len;
};

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

static bool seen_key(const char *key)
{
    for (size_t i = 0; i < seen_n; i++)
        if (!strcmp(seen[i], key))
            return true;
    return false;
}

static void remember(const char *key)
{
    if (seen_n == seen_cap) {
        seen_cap = seen_cap ? seen_cap * 2 : 64;
        seen = realloc(seen, seen_cap * sizeof(*seen));
        if (!seen)
            abort();
    }
    seen[seen_n++] = strdup(key);
}

/* Decide the answer to one request and log it, under the lock. */
static const char *decide(const char *key, const char *body)
{
    const char *out = "ok";
    pthread_mutex_lock(&mu);
    long n = ++request_n;
    if (!key)
        out = "nokey";
    else if (seen_key(key))
        out = "dup";
    else if (script_at < script_n)
        out = script[script_at++];
    if (!strcmp(out, "ok") || !strcmp(out, "hang"))
        remember(key);
    fprintf(log_file, "%ld\t%s\t%s\t%s\n", n, out, key ? key : "-", body);
    fflush(log_file);
    pthread_mutex_unlock(&mu);
    return out;
}

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **con_cls)
{
    (void)cls, (void)url, (void)version;
    struct upload *u = *con_cls;
    if (!u) {
        *con_cls = calloc(1, sizeof(*u));
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*size) {
        if (u->len + *size > MAX_BODY)
            return MHD_NO;
        u->buf = realloc(u->buf, u->len + *size + 1);
        if (!u->buf)
            abort();
        memcpy(u->buf + u->len, data, *size);
        u->len += *size;
        u->buf[u->len] = '\0';
        *size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "POST"))
        return answer(conn, 405, "{\"error\":\"POST only\"}");
    const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key");
    const char *out = decide(key, u->buf ? u->buf : "");
    if (delay_ms)
        sleep_ms(delay_ms);
    if (!strcmp(out, "hang")) {
        sleep_ms(hang_ms);
        return answer(conn, 504, "{\"error\":\"hung\"}");
    }
    if (!strcmp(out, "500"))
        return answer(conn, 500, "{\"error\":\"gateway overloaded\"}");
    if (!strcmp(out, "400"))
        return answer(conn, 400, "{\"error\":\"invalid recipient\"}");
    if (!strcmp(out, "nokey"))
        return answer(conn, 400, "{\"error\":\"no Idempotency-Key\"}");
    return answer(conn, 200, !strcmp(out, "dup") ? "{\"duplicate\":true}" : "{\"ok\":true}");
}

static void done(void *cls, struct MHD_Connection *conn, void **con_cls,
                 enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)conn, (void)code;
    struct upload *u = *con_cls;
    if (u) {
        free(u->buf);
        free(u);
    }
    *con_cls = NULL;
}

static void on_signal(int sig)
{
    (void)sig;
    _exit(0);
}

int main(int argc, char **argv)
{
    const char *port_file = NULL, *log_path = NULL, *spec = "";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port-file"))
            port_file = argv[i + 1];
        else if (!strcmp(argv[i], "--log"))
            log_path = argv[i + 1];
        else if (!strcmp(argv[i], "--script"))
            spec = argv[i + 1];
        else if (!strcmp(argv[i], "--hang-ms"))
            hang_ms = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--delay-ms"))
            delay_ms = atol(argv[i + 1]);
        else {
            fprintf(stderr, "http_sink: unknown option %s\n", argv[i]);
            return 64;
        }
    }
    if (!port_file || !log_path) {
        fprintf(stderr, "usage: http_sink --port-file F --log F [--script hang,500,400] "
                        "[--hang-ms N] [--delay-ms N]\n");
        return 64;
    }
    char *copy = strdup(spec);
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
        script = realloc(script, (script_n + 1) * sizeof(*script));
        script[script_n++] = tok;
    }
    if (!(log_file = fopen(log_path, "a"))) {
        perror(log_path);
        return 74;
    }
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0 };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle,
        NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, done,
        NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)600, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "http_sink: cannot listen on 127.0.0.1\n");
        return 71;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
    FILE *pf = fopen(tmp, "w");
    if (!pf || fprintf(pf, "%u\n", (unsigned)info->port) < 0 || fclose(pf) ||
        rename(tmp, port_file)) {
        perror(port_file);
        return 74;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    for (;;)
        pause();
}
