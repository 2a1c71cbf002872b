/*
 * The router: the route table from routes.def, path matching, and the pipeline every request
 * goes through — route lookup (404/405), input checks (UTF-8), authentication (session cookie
 * or bearer token, 401), forced password change, permission (403, audited), CSRF for cookie
 * writes (403, audited), JSON body parsing (400 naming the problem), then the handler, and the
 * error shape {"error":{"code","message"}} with the status from err.def. server.c feeds it.
 */
#include "core/common.h"
#include "core/date.h"
#include "core/energy.h"
#include "core/log.h"
#include "core/money.h"
#include "core/csv.h"
#include "api/api.h"
#include "domain/audit.h"
#include "domain/sla.h"

#include <sodium.h>

const struct route api_routes[] = {
#define ROUTE(m, pattern, fn, perm, flags) { #m, pattern, fn, perm, flags, #fn },
#include "api/routes.def"
#undef ROUTE
};
const size_t api_routes_count = ARRAY_SIZE(api_routes);

bool route_match(const char *pattern, const char *path, struct route_params *p, struct arena *a)
{
    p->n = 0;
    while (*pattern && *path) {
        if (*pattern == '{') {
            const char *close = strchr(pattern, '}');
            size_t vlen = strcspn(path, "/");
            if (!close || vlen == 0 || p->n == API_MAX_PARAMS)
                return false;
            p->name[p->n] = arena_strndup(a, pattern + 1, (size_t)(close - pattern - 1));
            p->value[p->n] = arena_strndup(a, path, vlen);
            p->n++;
            pattern = close + 1;
            path += vlen;
            continue;
        }
        if (*pattern != *path)
            return false;
        pattern++, path++;
    }
    return !*pattern && !*path;
}

int route_find(const char *method, const char *path, struct route_params *p, struct arena *a)
{
    int found = -1;
    for (size_t i = 0; i < api_routes_count; i++) {
        if (!route_match(api_routes[i].pattern, path, p, a))
            continue;
        if (!strcmp(api_routes[i].method, method))
            return (int)i;
        found = -2;
    }
    p->n = 0;
    return found;
}

const char *api_param(struct api_req *r, const char *name)
{
    for (size_t i = 0; i < r->params.n; i++)
        if (!strcmp(r->params.name[i], name))
            return r->params.value[i];
    return NULL;
}

int api_param_id(struct api_req *r, const char *what, int64_t *id)
{
    const char *s = api_param(r, "id");
    char *end;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end || errno || v <= 0)
        return error(&r->err, ERR_NOT_FOUND, "no %s '%s'", what, s ? s : "");
    *id = v;
    return 0;
}

const char *api_cookie(struct api_req *r, const char *name)
{
    const char *h = api_header(r, "Cookie");
    size_t nlen = strlen(name);
    while (h && *h) {
        while (*h == ' ' || *h == ';')
            h++;
        size_t len = strcspn(h, ";");
        if (len > nlen && !strncmp(h, name, nlen) && h[nlen] == '=')
            return arena_strndup(&r->arena, h + nlen + 1, len - nlen - 1);
        h += len;
    }
    return NULL;
}

int api_reply(struct api_req *r, int status, json_t *body)
{
    if (r->out)
        json_decref(r->out);
    r->status = status;
    r->out = body;
    return 0;
}

json_t *api_json_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *api_json_time(int64_t us)
{
    if (!us)
        return json_null();
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    char b[32];
    gmtime_r(&t, &tm);
    strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(b);
}

int api_body_str(struct api_req *r, const char *field, bool required, const char **out)
{
    json_t *v = r->json ? json_object_get(r->json, field) : NULL;
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return error(&r->err, ERR_INVALID, "field '%s' is missing", field),
                   err_field(&r->err, field);
        return 0;
    }
    if (!json_is_string(v))
        return error(&r->err, ERR_INVALID, "field '%s' must be a string", field),
               err_field(&r->err, field);
    *out = json_string_value(v);
    return 0;
}

int api_body_only(struct api_req *r, const char *const *known)
{
    const char *key;
    json_t *val;
    json_object_foreach(r->json, key, val)
    {
        bool ok = false;
        for (const char *const *k = known; *k && !ok; k++)
            ok = !strcmp(key, *k);
        if (!ok)
            return error(&r->err, ERR_INVALID, "unknown field '%s'", key), err_field(&r->err, key);
    }
    return 0;
}

int api_body_money(struct api_req *r, const char *field, bool required, int64_t *fen)
{
    const char *s;
    int rc = api_body_str(r, field, required, &s);
    if (rc || !s)
        return rc;
    if (money_parse(s, fen, &r->err))
        return error_prefix(&r->err, "field '%s': ", field), err_field(&r->err, field);
    return 0;
}

int api_body_date(struct api_req *r, const char *field, bool required, struct date *out)
{
    const char *s;
    int rc = api_body_str(r, field, required, &s);
    if (rc || !s)
        return rc;
    if (date_parse(s, out, &r->err))
        return error_prefix(&r->err, "field '%s': ", field), err_field(&r->err, field);
    return 0;
}

int api_body_instant(struct api_req *r, const struct tz *tz, const char *field, bool required,
                     int64_t *us)
{
    const char *s;
    int rc = api_body_str(r, field, required, &s);
    if (rc || !s)
        return rc;
    if (instant_parse_local(s, tz, us, &r->err))
        return error_prefix(&r->err, "field '%s': ", field), err_field(&r->err, field);
    return 0;
}

int api_body_kwh(struct api_req *r, const char *field, bool required, int64_t *wh)
{
    const char *s;
    int64_t v;
    int rc = api_body_str(r, field, required, &s);
    if (rc || !s)
        return rc;
    if (energy_parse_kwh(s, &v, &r->err))
        return error_prefix(&r->err, "field '%s': ", field), err_field(&r->err, field);
    if (v < 0)
        return error(&r->err, ERR_INVALID, "field '%s' must not be negative", field),
               err_field(&r->err, field);
    *wh = v;
    return 0;
}

int api_body_int(struct api_req *r, const char *field, int64_t min, int64_t max, int64_t *out)
{
    json_t *v = r->json ? json_object_get(r->json, field) : NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return error(&r->err, ERR_INVALID,
                     "field '%s' must be an integer from %" PRId64 " to %" PRId64, field, min, max),
               err_field(&r->err, field);
    *out = json_integer_value(v);
    return 0;
}

int api_query_date(struct api_req *r, const char *name, struct date *out)
{
    const char *s = api_query(r, name);
    if (s && date_parse(s, out, &r->err))
        return error_prefix(&r->err, "query parameter '%s': ", name), err_field(&r->err, name);
    return 0;
}

int api_query_periods(struct api_req *r, struct period p[2])
{
    static const char *const names[] = { "from", "to" };
    const char *period = api_query(r, "period");
    if (!period && !api_query(r, "from") && !api_query(r, "to"))
        return error(&r->err, ERR_INVALID,
                     "query parameter '%s' is missing: give period, or from and to", "period"),
               err_field(&r->err, "period");
    for (int i = 0; i < 2; i++) {
        const char *v = period ? period : api_query(r, names[i]);
        const char *field = period ? "period" : names[i];
        if (!v)
            return error(&r->err, ERR_INVALID,
                         "query parameter '%s' is missing: give period, or from and to", field),
                   err_field(&r->err, field);
        if (period_parse(v, &p[i], &r->err))
            return error_prefix(&r->err, "query parameter '%s': ", field),
                   err_field(&r->err, field);
    }
    return 0;
}

json_t *api_time_utc(int64_t us, void *arg)
{
    (void)arg;
    return api_json_time(us);
}

json_t *api_json_money(int64_t fen)
{
    char b[MONEY_BUF_SIZE];
    return json_string(money_format(fen, b));
}

int api_sla_page_body(struct api_req *r, bool *all, struct sla_page *p)
{
    static const char *const known[] = { "all", "after", "limit", NULL };
    int rc;
    *all = false;
    *p = (struct sla_page)SLA_PAGE_INIT;
    if ((rc = api_body_only(r, known)) || (rc = api_body_bool(r, "all", all)) ||
        (rc = api_body_int(r, "after", 0, INT64_MAX, &p->after)) ||
        (rc = api_body_int(r, "limit", 1, SLA_PAGE_MAX, &p->limit)))
        return rc;
    return 0;
}

json_t *api_sla_page_next(const struct sla_page *p)
{
    return p->next ? json_integer(p->next) : json_null();
}

int api_body_bool(struct api_req *r, const char *field, bool *out)
{
    json_t *v = r->json ? json_object_get(r->json, field) : NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v))
        return error(&r->err, ERR_INVALID, "field '%s' must be true or false", field),
               err_field(&r->err, field);
    *out = json_is_true(v);
    return 0;
}

int api_query_bool(struct api_req *r, const char *name, bool *out)
{
    const char *s = api_query(r, name);
    if (!s)
        return 0;
    if (strcmp(s, "true") && strcmp(s, "false"))
        return error(&r->err, ERR_INVALID, "query parameter '%s' must be true or false", name),
               err_field(&r->err, name);
    *out = !strcmp(s, "true");
    return 0;
}

int api_query_int(struct api_req *r, const char *name, int64_t min, int64_t max, int64_t def,
                  int64_t *out)
{
    const char *s = api_query(r, name);
    *out = def;
    if (!s)
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < min || v > max)
        return error(&r->err, ERR_INVALID,
                     "query parameter '%s' must be an integer from %" PRId64 " to %" PRId64, name,
                     min, max),
               err_field(&r->err, name);
    *out = v;
    return 0;
}

/* Whether `s` is valid UTF-8 without control characters. */
static bool text_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x20 || *p == 0x7f)
            return false;
        if (*p < 0x80) {
            p++;
            continue;
        }
        size_t n = *p >= 0xf0 && *p <= 0xf4  ? 4
                   : *p >= 0xe0 && *p < 0xf0 ? 3
                   : *p >= 0xc2 && *p < 0xe0 ? 2
                                             : 0;
        if (!n)
            return false;
        for (size_t i = 1; i < n; i++)
            if ((p[i] & 0xc0) != 0x80)
                return false;
        p += n;
    }
    return true;
}

bool api_text_ok(const char *s)
{
    return text_ok(s);
}

/* An audit row for a refused request (permission, CSRF); a failure to write it is logged. */
static void audit_denied(struct api_req *r, const char *why)
{
    struct err e = ERR_INIT;
    const struct route *rt = &api_routes[r->route];
    struct audit_rec ar = {
        .action = "auth.denied",
        .entity = "route",
        .entity_key = arena_sprintf(&r->arena, "%s %s", rt->method, rt->pattern),
        .detail = why,
    };
    if (audit_append(&r->ctx, &ar, &e))
        log_error("cannot audit a denied request: %s", e.msg);
}

static int authenticate(struct api_req *r)
{
    const char *authz = api_header(r, "Authorization");
    int rc;
    if (authz) {
        if (strncasecmp(authz, "Bearer ", 7))
            return error(&r->err, ERR_UNAUTHENTICATED,
                         "unsupported Authorization scheme: use 'Bearer TOKEN'");
        rc = auth_token_check(&r->ctx, authz + 7, &r->who, &r->err);
    } else {
        const char *cookie = api_cookie(r, "pmis_session");
        if (!cookie)
            return error(&r->err, ERR_UNAUTHENTICATED, "authentication required");
        rc = auth_session_check(&r->ctx, &r->cfg->policy, cookie, &r->who, &r->err);
    }
    if (rc)
        return rc;
    r->authed = true;
    r->ctx.actor = r->who.username;
    r->ctx.scope_org_id = r->who.org_id;
    r->ctx.caller_perms = &r->who.perms;
    return 0;
}

static int pipeline(struct api_req *r)
{
    int rc;
    if (!text_ok(r->path))
        return error(&r->err, ERR_INVALID, "the path is not valid UTF-8 text");
    r->route = route_find(r->method, r->path, &r->params, &r->arena);
    if (r->route == -1)
        return error(&r->err, ERR_NOT_FOUND, "no such resource");
    if (r->route == -2) {
        r->route = -1;
        return error(&r->err, ERR_METHOD, "method %s is not allowed here", r->method);
    }
    const struct route *rt = &api_routes[r->route];
    for (size_t i = 0; i < r->params.n; i++)
        if (!text_ok(r->params.value[i]))
            return error(&r->err, ERR_INVALID, "path parameter '%s' is not valid UTF-8 text",
                         r->params.name[i]);
    if ((rc = api_check_query(r)))
        return rc;
    if ((rt->flags & R_LIMITED) && (rc = api_rate_check(r)))
        return rc;
    if (!(rt->flags & R_NO_DB) && !r->ctx.db)
        return error(&r->err, ERR_UNAVAILABLE, "database unavailable");

    if (!(rt->flags & R_PUBLIC)) {
        if ((rc = authenticate(r)))
            return rc;
        if (r->who.must_change && !(rt->flags & R_PW_CHANGE))
            return error(&r->err, ERR_FORBIDDEN,
                         "the one-time password must be changed first (POST "
                         "/api/v1/auth/password)");
        if (rt->perm != PERM_ANY && !(r->who.perms & PERM_BIT(rt->perm))) {
            audit_denied(r, arena_sprintf(&r->arena, "permission %s", perm_name(rt->perm)));
            return error(&r->err, ERR_FORBIDDEN, "permission '%s' required",
                         perm_name(rt->perm));
        }
        if ((rt->flags & R_WHOLE_TREE) && r->who.org_id) {
            audit_denied(r, "needs a user of the whole tree");
            return error(&r->err, ERR_FORBIDDEN,
                         "this applies to every org unit: it needs a user of the whole tree");
        }
        if ((rt->flags & R_WRITE) && r->who.session_id) {
            const char *tok = api_header(r, "X-CSRF-Token");
            if (!tok || strlen(tok) != strlen(r->who.csrf) ||
                sodium_memcmp(tok, r->who.csrf, strlen(tok)) != 0) {
                audit_denied(r, tok ? "csrf token mismatch" : "csrf token missing");
                return error(&r->err, ERR_FORBIDDEN,
                             "missing or wrong X-CSRF-Token header");
            }
        }
    }
    if (rt->flags & R_CSV) {
        const char *ct = api_header(r, "Content-Type");
        if (!ct || strncasecmp(ct, "text/csv", 8) || (ct[8] && ct[8] != ';' && ct[8] != ' '))
            return error(&r->err, ERR_INVALID, "Content-Type must be text/csv");
    }
    if (rt->flags & R_JSON) {
        const char *ct = api_header(r, "Content-Type");
        if (!ct || strncasecmp(ct, "application/json", 16) ||
            (ct[16] && ct[16] != ';' && ct[16] != ' '))
            return error(&r->err, ERR_INVALID, "Content-Type must be application/json");
        json_error_t je;
        r->json = json_loadb(r->body ? r->body : "", r->body_len, JSON_REJECT_DUPLICATES, &je);
        if (!r->json)
            return error(&r->err, ERR_INVALID, "malformed JSON at line %d column %d: %s", je.line,
                         je.column, je.text);
        if (!json_is_object(r->json))
            return error(&r->err, ERR_INVALID, "the body must be a JSON object");
    }
    rc = rt->fn(r);
    if (rc == ERR_FORBIDDEN) /* the handler's own refusal (a grant beyond the caller's, ...) */
        audit_denied(r, r->err.msg);
    return rc;
}

size_t api_body_limit(const struct api_config *cfg, const char *method, const char *path,
                      struct arena *a, const char **key, bool *spool)
{
    struct route_params p;
    int i = route_find(method, path, &p, a);
    *spool = i >= 0 && (api_routes[i].flags & R_CSV);
    *key = *spool ? "server.max_import_bytes" : "server.max_body_bytes";
    return *spool ? cfg->max_import : cfg->max_body;
}

int api_csv_open(struct api_req *r, struct csv_reader *cr, const struct csv_options *o)
{
    if (r->body_fd >= 0)
        return csv_open_fd(cr, r->body_fd, o, &r->err);
    return csv_open_mem(cr, r->body ? r->body : "", r->body_len, o, &r->err);
}

void api_dispatch(struct api_req *r)
{
    r->route = -1;
    int rc = pipeline(r);
    if (rc)
        api_error_reply(r, rc);
}

void api_error_reply(struct api_req *r, int rc)
{
    int status = err_http_status(rc);
    const char *msg = r->err.code ? r->err.msg : err_default_text(rc);
    const char *msg_zh = r->err.code ? r->err.msg_zh : err_default_text_lang(rc, true);
    if (status >= 500) {
        /* the detail (SQL, paths) is for the operator's log, not for the client */
        log_error("%s %s: %s", r->method, r->path, msg);
        msg = arena_sprintf(&r->arena, "%s (request id %s)", err_default_text(rc), r->request_id);
        msg_zh = arena_sprintf(&r->arena, "%s（请求编号 %s）", err_default_text_lang(rc, true),
                               r->request_id);
    }
    json_t *o = json_object();
    json_object_set_new(o, "error", api_error_object(r, rc, msg, msg_zh));
    api_reply(r, status, o);
}
