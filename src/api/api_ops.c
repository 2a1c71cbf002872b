/*
 * Operations endpoints: /healthz (the process answers), /readyz (the database answers and its
 * migrations are current), /metrics (Prometheus text: server.c keeps the counters, and the
 * progress of running bill runs is read from the database when it answers).
 */
#include "core/common.h"
#include "core/log.h"
#include "api/api.h"
#include "domain/bill.h"

int api_healthz(struct api_req *r)
{
    return api_reply(r, 200, json_pack("{s:s}", "status", "ok"));
}

int api_readyz(struct api_req *r)
{
    int rc = store_require_current(r->ctx.db, &r->err);
    if (rc) {
        /* not ready is an answer, not a server fault: 503 with the reason */
        json_t *e = json_pack("{s:s,s:s}", "code", "unavailable", "message", r->err.msg);
        return api_reply(r, 503, json_pack("{s:o}", "error", e));
    }
    return api_reply(r, 200, json_pack("{s:s}", "status", "ready"));
}

static int run_progress(void *arg, const struct bill_run_progress *p)
{
    struct strbuf *out = arg;
    char labels[96];
    snprintf(labels, sizeof(labels), "{run=\"%" PRId64 "\",period=\"%s\"}", p->id, p->period);
    strbuf_addf(out, "pmis_bill_run_accounts_billed%s %" PRId64 "\n", labels, p->accounts);
    if (p->units)
        strbuf_addf(out,
                    "pmis_bill_run_units%s %" PRId64 "\npmis_bill_run_units_done%s %" PRId64 "\n",
                    labels, p->units, labels, p->units_done);
    return 0;
}

int api_metrics(struct api_req *r)
{
    api_metrics_text(r, &r->text);
    /* a database that does not answer leaves these out: the rest still describes the server */
    if (r->ctx.db) {
        struct strbuf runs = STRBUF_INIT;
        struct err e = ERR_INIT;
        if (bill_runs_running(&r->ctx, run_progress, &runs, &e))
            log_warn("metrics: bill runs: %s", e.msg);
        else
            strbuf_addf(&r->text,
                        "# HELP pmis_bill_run_accounts_billed Accounts a running bill run has "
                        "billed so far.\n# TYPE pmis_bill_run_accounts_billed gauge\n"
                        "# HELP pmis_bill_run_units Work units of a running bill run.\n"
                        "# TYPE pmis_bill_run_units gauge\n"
                        "# HELP pmis_bill_run_units_done Work units of a running bill run that "
                        "are done.\n# TYPE pmis_bill_run_units_done gauge\n%s",
                        runs.buf);
        strbuf_release(&runs);
    }
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
    r->status = 200;
    return 0;
}

/* An OpenAPI 3 parameter list for the "{name}" segments of `pattern`. */
static json_t *path_params(const char *pattern)
{
    json_t *a = json_array();
    for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *close = strchr(p, '}');
        if (!close)
            break;
        json_array_append_new(a, json_pack("{s:s%,s:s,s:b,s:{s:s}}", "name", p + 1,
                                           (size_t)(close - p - 1), "in", "path", "required", 1,
                                           "schema", "type", "string"));
    }
    return a;
}

/*
 * The OpenAPI 3.0 description, generated from the route table: every route with its
 * parameters, permission (x-permission), authentication and the shared error shape.
 */
int api_openapi(struct api_req *r)
{
    json_t *paths = json_object();
    for (size_t i = 0; i < api_routes_count; i++) {
        const struct route *rt = &api_routes[i];
        json_t *item = json_object_get(paths, rt->pattern);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, rt->pattern, item);
        }
        char method[8];
        size_t n = strlen(rt->method);
        for (size_t k = 0; k <= n && k < sizeof(method); k++)
            method[k] = (char)(rt->method[k] >= 'A' && rt->method[k] <= 'Z' ? rt->method[k] + 32
                                                                            : rt->method[k]);
        json_t *op =
            json_pack("{s:s,s:o,s:{s:{s:s,s:{s:{s:{}}}},s:{s:s,s:{s:{s:{s:s}}}}}}", "operationId",
                      rt->name, "parameters", path_params(rt->pattern), "responses", "200",
                      "description", "success", "content", "application/json", "schema", "default",
                      "description", "error: {\"error\":{\"code\",\"message\"}}", "content",
                      "application/json", "schema", "$ref", "#/components/schemas/Error");
        if (rt->fn == api_metrics) /* the one reply that is not JSON */
            json_object_set_new(
                json_object_get(json_object_get(op, "responses"), "200"), "content",
                json_pack("{s:{s:{s:s}}}", "text/plain", "schema", "type", "string"));
        if (rt->flags & R_PUBLIC)
            json_object_set_new(op, "security", json_array());
        if (rt->perm != PERM_ANY)
            json_object_set_new(op, "x-permission", json_string(perm_name(rt->perm)));
        if (rt->flags & R_JSON)
            json_object_set_new(op, "requestBody",
                                json_pack("{s:b,s:{s:{s:{s:s}}}}", "required", 1, "content",
                                          "application/json", "schema", "type", "object"));
        if (rt->flags & R_CSV)
            json_object_set_new(op, "requestBody",
                                json_pack("{s:b,s:{s:{s:{s:s}}}}", "required", 1, "content",
                                          "text/csv", "schema", "type", "string"));
        if (rt->flags & R_WRITE)
            json_object_set_new(op, "x-csrf", json_true());
        json_object_set_new(item, method, op);
    }
    json_t *doc = json_pack(
        "{s:s,s:{s:s,s:s},s:o,s:{s:{s:{s:s,s:[s],s:{s:{s:s,s:[s,s],s:{s:{s:s},s:{s:s},s:{s:s}}}}}},"
        "s:{s:{s:s,s:s,s:s},s:{s:s,s:s}}},s:[{s:[]},{s:[]}]}",
        "openapi", "3.0.3", "info", "title", "pmis 电力营销信息系统 API", "version", "1", "paths",
        paths, "components", "schemas", "Error", "type", "object", "required", "error",
        "properties", "error", "type", "object", "required", "code", "message", "properties",
        "code", "type", "string", "message", "type", "string", "field", "type", "string",
        "securitySchemes", "session", "type", "apiKey", "in", "cookie", "name", "pmis_session",
        "bearer", "type", "http", "scheme", "bearer", "security", "session", "bearer");
    if (!doc)
        return error(&r->err, ERR_INTERNAL, "cannot build the OpenAPI document");
    return api_reply(r, 200, doc);
}
