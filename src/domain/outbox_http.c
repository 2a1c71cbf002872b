/*
 * The HTTP client of the delivery worker (outbox_int.h) on libcurl, and the gateway URL rule
 * (outbox.h). libcurl is loaded by the first use, like libpq (store/pg.c): with its TLS, SSH,
 * LDAP and Kerberos dependencies it would cost every other command its start-up time. A
 * request goes only where the URL says: no proxy from the environment, no redirects.
 */
#define CURL_DISABLE_TYPECHECK /* curl_easy_setopt is called through a pointer below */
#include "domain/outbox_int.h"

#include "core/common.h"
#include "core/xalloc.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#define CURL_FUNCS(X)                                                                              \
    X(curl_global_init)                                                                            \
    X(curl_easy_init)                                                                              \
    X(curl_easy_setopt)                                                                            \
    X(curl_easy_perform)                                                                           \
    X(curl_easy_getinfo)                                                                           \
    X(curl_easy_cleanup)                                                                           \
    X(curl_easy_strerror)                                                                          \
    X(curl_slist_append)                                                                           \
    X(curl_slist_free_all)                                                                         \
    X(curl_url)                                                                                    \
    X(curl_url_set)                                                                                \
    X(curl_url_get)                                                                                \
    X(curl_url_cleanup)                                                                            \
    X(curl_free)

static struct {
#define X(f) __typeof__(f) *f;
    CURL_FUNCS(X)
#undef X
} cu;
static pthread_once_t cu_once = PTHREAD_ONCE_INIT;
static char cu_error[256];

static void cu_load(void)
{
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(cu_error, sizeof(cu_error), "%s (install libcurl4)", dlerror());
        return;
    }
#define X(f)                                                                                       \
    if (!(*(void **)&cu.f = dlsym(h, #f))) {                                                       \
        snprintf(cu_error, sizeof(cu_error), "libcurl.so.4 lacks %s", #f);                        \
        return;                                                                                    \
    }
    CURL_FUNCS(X)
#undef X
    if (cu.curl_global_init(CURL_GLOBAL_DEFAULT))
        snprintf(cu_error, sizeof(cu_error), "curl_global_init failed");
}

static int curl_ready(struct err *err)
{
    pthread_once(&cu_once, cu_load);
    if (cu_error[0])
        return error(err, ERR_UNAVAILABLE, "cannot load libcurl: %s", cu_error);
    return 0;
}

/* ---- gateway URLs ---- */

static bool loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    char h[64];
    size_t n = strlen(host);
    if (!strcasecmp(host, "localhost"))
        return true;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (n >= 2 && n < sizeof(h) + 2 && host[0] == '[' && host[n - 1] == ']') {
        memcpy(h, host + 1, n - 2);
        h[n - 2] = '\0';
        return inet_pton(AF_INET6, h, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
    }
    return false;
}

static bool allowed(const char *host, const char *list)
{
    size_t n = strlen(host);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len == n && !strncasecmp(p, host, n))
            return true;
        p = end ? end + 1 : p + len;
    }
    return false;
}

int outbox_gateway_check(const char *url, const char *allow_hosts, struct err *err)
{
    char *scheme = NULL, *host = NULL;
    int ret = curl_ready(err);
    if (ret)
        return ret;
    CURLU *u = cu.curl_url();
    if (!u)
        BUG("curl_url() failed");
    if (cu.curl_url_set(u, CURLUPART_URL, url, 0) ||
        cu.curl_url_get(u, CURLUPART_SCHEME, &scheme, 0))
        ret = error(err, ERR_CONFIG, "'%s' is not a URL (http://127.0.0.1:PORT/PATH)", url);
    else if (strcasecmp(scheme, "http") && strcasecmp(scheme, "https"))
        ret = error(err, ERR_CONFIG, "'%s': a gateway is http or https, not %s", url, scheme);
    else if (cu.curl_url_get(u, CURLUPART_HOST, &host, 0))
        ret = error(err, ERR_CONFIG, "'%s' is not a URL (http://127.0.0.1:PORT/PATH)", url);
    else if (!loopback(host) && !allowed(host, allow_hosts))
        ret = error(err, ERR_CONFIG, "'%s': host %s is not a loopback address (127.0.0.0/8, "
                    "::1, localhost); a remote gateway must be listed in gateway.allow_hosts",
                    url, host);
    cu.curl_free(scheme);
    cu.curl_free(host);
    cu.curl_url_cleanup(u);
    return ret;
}

/* ---- one connection ---- */

struct outbox_http {
    CURL *curl;
    struct strbuf reply;
};

static size_t on_reply(char *p, size_t size, size_t n, void *arg)
{
    struct strbuf *sb = arg;
    if (sb->len < 512)
        strbuf_add(sb, p, size * n > 512 - sb->len ? 512 - sb->len : size * n);
    return size * n;
}

int outbox_http_new(struct outbox_http **out, struct err *err)
{
    int ret = curl_ready(err);
    if (ret)
        return ret;
    struct outbox_http *h = xcalloc(1, sizeof(*h));
    strbuf_init(&h->reply, 0);
    if (!(h->curl = cu.curl_easy_init())) {
        free(h);
        return error(err, ERR_INTERNAL, "curl_easy_init failed");
    }
    /* never through a proxy from the environment, never to a redirect's target */
    cu.curl_easy_setopt(h->curl, CURLOPT_PROXY, "");
    cu.curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
    cu.curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    cu.curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
    cu.curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "pmis-outbox/1");
    cu.curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_reply);
    cu.curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &h->reply);
    *out = h;
    return 0;
}

void outbox_http_free(struct outbox_http *h)
{
    if (!h)
        return;
    cu.curl_easy_cleanup(h->curl);
    strbuf_release(&h->reply);
    free(h);
}

bool outbox_http_post(struct outbox_http *h, const char *url, const char *key, const char *body,
                      int64_t timeout_ms, long *status, struct strbuf *why)
{
    char hdr[128], cerr[CURL_ERROR_SIZE] = "";
    struct curl_slist *hs = cu.curl_slist_append(NULL, "Content-Type: application/json");
    snprintf(hdr, sizeof(hdr), "Idempotency-Key: %s", key);
    hs = cu.curl_slist_append(hs, hdr);
    hs = cu.curl_slist_append(hs, "Expect:");
    strbuf_reset(&h->reply);
    cu.curl_easy_setopt(h->curl, CURLOPT_URL, url);
    cu.curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hs);
    cu.curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
    cu.curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    cu.curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    cu.curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, cerr);
    CURLcode cc = cu.curl_easy_perform(h->curl);
    *status = 0;
    if (cc == CURLE_OK)
        cu.curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, status);
    cu.curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
    cu.curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
    cu.curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, NULL);
    cu.curl_slist_free_all(hs);
    if (cc != CURLE_OK)
        strbuf_addstr(why, cerr[0] ? cerr : cu.curl_easy_strerror(cc));
    else if (*status < 200 || *status > 299)
        strbuf_addf(why, "HTTP %ld%s%.200s", *status, h->reply.len ? ": " : "", h->reply.buf);
    return cc == CURLE_OK;
}
