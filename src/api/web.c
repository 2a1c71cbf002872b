/*
 * The web UI's static files (`make web` builds them into build/web): server.c hands over GET
 * and HEAD requests for paths outside /api/ that no route claims. Files under /assets/ have
 * content hashes in their names and are cached for a year; index.html, also the answer for
 * unknown paths without an extension (the UI's own routes), is revalidated on every load. A
 * precompressed FILE.gz beside FILE is sent to clients that accept gzip. Nothing outside the
 * directory is ever served: "." and ".." segments and hidden names are refused, and the real
 * path of the file (symbolic links resolved) must lie under the directory's real path.
 */
#include "core/common.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "api/api.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include <microhttpd.h>

static const struct {
    const char *ext, *type;
} content_types[] = {
    { ".html", "text/html; charset=utf-8" },
    { ".js", "text/javascript; charset=utf-8" },
    { ".mjs", "text/javascript; charset=utf-8" },
    { ".css", "text/css; charset=utf-8" },
    { ".json", "application/json; charset=utf-8" },
    { ".map", "application/json; charset=utf-8" },
    { ".svg", "image/svg+xml" },
    { ".png", "image/png" },
    { ".jpg", "image/jpeg" },
    { ".jpeg", "image/jpeg" },
    { ".gif", "image/gif" },
    { ".webp", "image/webp" },
    { ".ico", "image/x-icon" },
    { ".woff2", "font/woff2" },
    { ".woff", "font/woff" },
    { ".ttf", "font/ttf" },
    { ".txt", "text/plain; charset=utf-8" },
    { ".wasm", "application/wasm" },
};

/* The page may load only its own scripts, styles (Element Plus sets inline styles), images
 * and fonts, talk only to its own origin, and is never framed. */
#define WEB_CSP                                                                                    \
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "                    \
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "         \
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && !strchr(dot, '/'))
        for (size_t i = 0; i < ARRAY_SIZE(content_types); i++)
            if (!strcasecmp(dot, content_types[i].ext))
                return content_types[i].type;
    return "application/octet-stream";
}

static bool dir_has_index(const char *dir)
{
    struct strbuf sb = STRBUF_INIT;
    struct stat st;
    strbuf_addf(&sb, "%s/index.html", dir);
    bool ok = stat(sb.buf, &st) == 0 && S_ISREG(st.st_mode);
    strbuf_release(&sb);
    return ok;
}

int web_dir_resolve(const char *configured, char **out, struct err *err)
{
    char real[PATH_MAX];
    *out = NULL;
    if (configured && *configured) {
        if (!realpath(configured, real) || !dir_has_index(real))
            return error(err, ERR_CONFIG,
                         "server.web_dir '%s' is not a directory holding index.html (build it "
                         "with `make web`)",
                         configured);
        *out = xstrdup(real);
        return 0;
    }
    /* build/pmis -> build/web; build/test/pmis -> build/web; PREFIX/bin -> PREFIX/share */
    static const char *const beside[] = { "web", "../web", "../share/pmis/web" };
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    for (size_t i = 0; i < ARRAY_SIZE(beside); i++) {
        struct strbuf sb = STRBUF_INIT;
        strbuf_addf(&sb, "%s/%s", exe, beside[i]);
        bool found = realpath(sb.buf, real) && dir_has_index(real);
        strbuf_release(&sb);
        if (found) {
            *out = xstrdup(real);
            return 0;
        }
    }
    return 0;
}

bool web_wants(struct api_req *r)
{
    if (!r->cfg->web_dir || (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")))
        return false;
    if (!strncmp(r->path, "/api/", 5) || !strcmp(r->path, "/api"))
        return false;
    struct route_params p;
    return route_find(r->method, r->path, &p, &r->arena) == -1;
}

/* Whether every segment of `path` (which starts with '/') is a plain name: not empty (but
 * for a trailing slash), not "." or "..", not hidden, no backslash. */
static bool path_ok(const char *path)
{
    if (path[0] != '/' || strchr(path, '\\'))
        return false;
    for (const char *s = path + 1; *s;) {
        size_t len = strcspn(s, "/");
        if (len == 0 && s[0] == '/')
            return false;
        if (s[0] == '.')
            return false;
        s += len;
        if (*s == '/')
            s++;
    }
    return true;
}

/* Open `rel` under `dir` if it is a regular file whose real path lies under `dir`. */
static int open_under(const char *dir, const char *rel, struct stat *st)
{
    struct strbuf sb = STRBUF_INIT;
    char real[PATH_MAX];
    int fd = -1;
    strbuf_addf(&sb, "%s%s", dir, rel);
    size_t dlen = strlen(dir);
    if (realpath(sb.buf, real) && !strncmp(real, dir, dlen) && real[dlen] == '/') {
        fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0 && (fstat(fd, st) || !S_ISREG(st->st_mode))) {
            close(fd);
            fd = -1;
        }
    }
    strbuf_release(&sb);
    return fd;
}

static bool accepts_gzip(struct api_req *r)
{
    const char *ae = api_header(r, "Accept-Encoding");
    return ae && strstr(ae, "gzip");
}

static enum MHD_Result not_found(struct api_req *r)
{
    static const char body[] = "not found\n";
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        sizeof(body) - 1, (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    r->status = 404;
    enum MHD_Result ret = MHD_queue_response(r->conn, 404, resp);
    MHD_destroy_response(resp);
    return ret;
}

int web_reply(struct api_req *r)
{
    const char *dir = r->cfg->web_dir, *rel = r->path;
    if (!path_ok(rel))
        return not_found(r);
    const char *last = strrchr(rel, '/') + 1;
    bool asset = !strncmp(rel, "/assets/", 8);
    if (!*last)
        rel = arena_sprintf(&r->arena, "%sindex.html", rel);
    struct stat st;
    int fd = -1;
    bool gz = false;
    if (accepts_gzip(r)) {
        fd = open_under(dir, arena_sprintf(&r->arena, "%s.gz", rel), &st);
        gz = fd >= 0;
    }
    if (fd < 0)
        fd = open_under(dir, rel, &st);
    if (fd < 0) {
        /* the UI's own routes (/customers, /bills/42) get the page, which routes them; a
         * missing file (a name with an extension, anything under /assets/) is a 404 */
        if (asset || strchr(last, '.'))
            return not_found(r);
        rel = "/index.html";
        if (accepts_gzip(r)) {
            fd = open_under(dir, "/index.html.gz", &st);
            gz = fd >= 0;
        }
        if (fd < 0)
            fd = open_under(dir, rel, &st);
        if (fd < 0)
            return not_found(r);
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    const char *type = content_type(rel);
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "Cache-Control",
                            asset ? "public, max-age=31536000, immutable" : "no-cache");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    MHD_add_response_header(resp, "Vary", "Accept-Encoding");
    if (gz)
        MHD_add_response_header(resp, "Content-Encoding", "gzip");
    if (!strncmp(type, "text/html", 9)) {
        MHD_add_response_header(resp, "Content-Security-Policy", WEB_CSP);
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
        MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    }
    r->status = 200;
    enum MHD_Result ret = MHD_queue_response(r->conn, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}
