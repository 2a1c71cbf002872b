/*
 * GET /api/v1/openapi.json: the OpenAPI 3.0 description, generated from the route table
 * (paths, path parameters, permission, authentication, CSRF, request bodies) and from
 * src/api/openapi-schemas.json (embedded at build time: shared component schemas, the
 * success reply's schema per operationId, its query parameters and, where described, its JSON
 * request body's). A
 * route without a reply schema is described with an empty one; web/tests/openapi-replies.mjs
 * validates real replies against the document and lists them.
 */
#include "core/common.h"
#include "api/api.h"

extern const char api_openapi_schemas[]; /* generated: build/gen/openapi_schemas.c */

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

/* The parameters of route `rt`: its path parameters, then the query parameters listed for its
 * operationId under "parameters" in the schema file (name, schema, description, required). */
static json_t *parameters(const struct route *rt, json_t *schemas)
{
    json_t *a = path_params(rt->pattern);
    json_t *q = json_object_get(json_object_get(schemas, "parameters"), rt->name);
    size_t i;
    json_t *p;
    json_array_foreach (q, i, p) {
        json_t *o = json_deep_copy(p);
        json_object_set_new(o, "in", json_string("query"));
        if (!json_object_get(o, "required"))
            json_object_set_new(o, "required", json_false());
        json_array_append_new(a, o);
    }
    return a;
}

/*
 * The responses of route `rt`: its success statuses ("status" in the schema file, default 200)
 * with the schema of "responses" (an empty schema when it has none) or, for a media type named
 * in "content", a string of that type (and JSON of the "responses" schema as well when there is
 * one: an export's check); and the error shape.
 */
static json_t *responses(const struct route *rt, json_t *schemas)
{
    json_t *schema = json_object_get(json_object_get(schemas, "responses"), rt->name);
    json_t *codes = json_object_get(json_object_get(schemas, "status"), rt->name);
    json_t *out = json_pack("{s:{s:s,s:{s:{s:{s:s}}}}}", "default", "description",
                            "error: {\"error\":{\"code\",\"message\"}}", "content",
                            "application/json", "schema", "$ref", "#/components/schemas/Error");
    const char *media =
        json_string_value(json_object_get(json_object_get(schemas, "content"), rt->name));
    json_t *content;
    if (media) { /* a reply that is not JSON: metrics, a CSV download (or its JSON check) */
        content = json_pack("{s:{s:{s:s}}}", media, "schema", "type", "string");
        if (schema)
            json_object_set_new(content, "application/json",
                                json_pack("{s:O}", "schema", schema));
    } else
        content = json_pack("{s:{s:o}}", "application/json", "schema",
                            schema ? json_incref(schema) : json_object());
    if (!json_array_size(codes)) {
        json_object_set_new(out, "200",
                            json_pack("{s:s,s:o}", "description", "success", "content", content));
        return out;
    }
    size_t i;
    json_t *code;
    json_array_foreach (codes, i, code) {
        const char *c = json_string_value(code);
        json_object_set_new(out, c ? c : "200",
                            json_pack("{s:s,s:O}", "description",
                                      c && !strcmp(c, "201") ? "created" : "success", "content",
                                      content));
    }
    json_decref(content);
    return out;
}

int api_openapi(struct api_req *r)
{
    json_error_t jerr;
    json_t *schemas = json_loads(api_openapi_schemas, 0, &jerr);
    if (!schemas) /* a build-time file: broken only by a bad edit, which the tests catch */
        return error(&r->err, ERR_INTERNAL, "openapi-schemas.json, line %d: %s", jerr.line,
                     jerr.text);
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
        json_t *op = json_pack("{s:s,s:o,s:o}", "operationId", rt->name, "parameters",
                               parameters(rt, schemas), "responses", responses(rt, schemas));
        if (rt->flags & R_PUBLIC)
            json_object_set_new(op, "security", json_array());
        if (rt->perm != PERM_ANY)
            json_object_set_new(op, "x-permission", json_string(perm_name(rt->perm)));
        if (rt->flags & R_JSON) {
            json_t *body = json_object_get(json_object_get(schemas, "requests"), rt->name);
            json_object_set_new(op, "requestBody",
                                json_pack("{s:b,s:{s:{s:o}}}", "required", 1, "content",
                                          "application/json", "schema",
                                          body ? json_incref(body)
                                               : json_pack("{s:s}", "type", "object")));
        }
        if (rt->flags & R_CSV)
            json_object_set_new(op, "requestBody",
                                json_pack("{s:b,s:{s:{s:{s:s}}}}", "required", 1, "content",
                                          "text/csv", "schema", "type", "string"));
        if (rt->flags & R_WRITE)
            json_object_set_new(op, "x-csrf", json_true());
        if (rt->flags & R_WHOLE_TREE)
            json_object_set_new(op, "x-whole-tree", json_true());
        json_object_set_new(item, method, op);
    }
    json_t *components = json_deep_copy(json_object_get(schemas, "components"));
    json_decref(schemas);
    if (!json_is_object(components)) {
        json_decref(components);
        components = json_object();
    }
    json_object_set_new(
        components, "Error",
        json_pack("{s:s,s:[s],s:{s:{s:s,s:[s,s],s:{s:{s:s},s:{s:s,s:s},s:{s:s,s:s},s:{s:s}}}}}",
                  "type", "object", "required", "error", "properties", "error", "type", "object",
                  "required", "code", "message", "properties", "code", "type", "string",
                  "message", "type", "string", "description",
                  "in the caller's language: Chinese when Accept-Language prefers zh (zh, "
                  "zh-CN, zh-Hans...), English otherwise",
                  "message_en", "type", "string", "description",
                  "the English text, present when message is Chinese (for logs and integrators)",
                  "field", "type", "string"));
    json_t *doc = json_pack(
        "{s:s,s:{s:s,s:s},s:o,s:{s:o,s:{s:{s:s,s:s,s:s},s:{s:s,s:s}}},s:[{s:[]},{s:[]}]}",
        "openapi", "3.0.3", "info", "title", "pmis 电力营销信息系统 API", "version", "1", "paths",
        paths, "components", "schemas", components, "securitySchemes", "session", "type",
        "apiKey", "in", "cookie", "name", "pmis_session", "bearer", "type", "http", "scheme",
        "bearer", "security", "session", "bearer");
    if (!doc)
        return error(&r->err, ERR_INTERNAL, "cannot build the OpenAPI document");
    return api_reply(r, 200, doc);
}
