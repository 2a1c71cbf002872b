/*
 * Context helpers: the clock, today's date in the business zone, and per-context caches of
 * code lists and org codes (a million-row import looks each up once, not once per row).
 */
#include "core/common.h"
#include "core/strbuf.h"
#include "core/strmap.h"
#include "core/vec.h"
#include "core/xalloc.h"
#include "domain/ctx.h"

struct code_list_text {
    char *list, *allowed; /* "user_type", "resident, general_ci, ..." */
};

struct ctx_cache {
    struct strmap codes;     /* "list\x1fcode" -> 1 */
    struct strmap orgs;      /* code -> id */
    struct strmap scoped;    /* when frozen: code -> 1 for each unit of the scope's subtree */
    struct strmap approvals; /* "perm\x1fuser" -> 1: approvals passed (ctx_approval_note) */
    struct tz tz;
    bool tz_loaded;
    bool frozen;                        /* complete and read-only: see ctx_cache_freeze */
    VEC(struct code_list_text) allowed; /* when frozen: each list's codes, for messages */
};

int64_t ctx_now(const struct ctx *c)
{
    return c->clock->now_us(c->clock);
}

static void cache_free(void *p)
{
    struct ctx_cache *k = p;
    for (size_t i = 0; i < k->allowed.n; i++) {
        free(k->allowed.v[i].list);
        free(k->allowed.v[i].allowed);
    }
    VEC_FREE(&k->allowed);
    strmap_release(&k->codes);
    strmap_release(&k->orgs);
    strmap_release(&k->scoped);
    strmap_release(&k->approvals);
    if (k->tz_loaded)
        tz_release(&k->tz);
    free(k);
}

/* Resetting or releasing the context's arena drops the cache it made, and forgets it: a later
 * lookup builds a new one instead of reading freed memory. */
static void cache_drop(void *p)
{
    struct ctx *c = p;
    cache_free(c->cache);
    c->cache = NULL;
}

static struct ctx_cache *cache_of(struct ctx *c)
{
    if (!c->cache) {
        c->cache = xcalloc(1, sizeof(*c->cache));
        arena_defer(c->arena, cache_drop, c);
    }
    return c->cache;
}

const char *ctx_col_text(struct ctx *c, struct store_stmt *st, int col)
{
    return store_col_null(st, col) ? NULL : arena_strdup(c->arena, store_col_text(st, col));
}

char *ctx_trim(struct ctx *c, const char *s)
{
    if (!s)
        return NULL;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return arena_strndup(c->arena, s, n);
}

int ctx_cache_freeze(struct ctx *c, struct err *err)
{
    struct ctx_cache *k = cache_of(c);
    struct date today;
    struct strbuf sb = STRBUF_INIT;
    char key[160], list[64] = "";
    int rc;
    if (k->frozen)
        return 0;
    if ((rc = ctx_today(c, &today, err)))
        return rc;
    struct store_stmt *st = store_q(c->db, Q_CODE_ALL);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        const char *l = store_col_text(st, 0), *code = store_col_text(st, 1);
        if (strcmp(l, list)) {
            if (list[0]) {
                struct code_list_text t = { xstrdup(list), strbuf_detach(&sb, NULL) };
                VEC_PUSH(&k->allowed, t);
            }
            snprintf(list, sizeof(list), "%s", l);
        }
        strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", code);
        snprintf(key, sizeof(key), "%s\x1f%s", l, code);
        strmap_put(&k->codes, key, 1);
    }
    if (list[0]) {
        struct code_list_text t = { xstrdup(list), strbuf_detach(&sb, NULL) };
        VEC_PUSH(&k->allowed, t);
    }
    strbuf_release(&sb);
    if (rc)
        return rc;
    /* with the scope's subtree, so that org_visible needs no database when frozen */
    st = store_q(c->db, Q_ORG_ALL);
    ctx_bind_scope(c, st, 1);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        strmap_put(&k->orgs, store_col_text(st, 0), store_col_i64(st, 1));
        if (store_col_i64(st, 2))
            strmap_put(&k->scoped, store_col_text(st, 0), 1);
    }
    if (rc)
        return rc;
    k->frozen = true;
    return 0;
}

void ctx_approval_note(struct ctx *c, int perm, const char *approver)
{
    struct ctx_cache *k = cache_of(c);
    char key[96];
    if (k->frozen || snprintf(key, sizeof(key), "%d\x1f%s", perm, approver) >= (int)sizeof(key))
        return;
    strmap_put(&k->approvals, key, 1);
}

bool ctx_approval_noted(struct ctx *c, int perm, const char *approver)
{
    char key[96];
    if (!c->cache || !approver ||
        snprintf(key, sizeof(key), "%d\x1f%s", perm, approver) >= (int)sizeof(key))
        return false;
    return strmap_get(&c->cache->approvals, key, NULL);
}

int ctx_today(struct ctx *c, struct date *out, struct err *err)
{
    struct ctx_cache *k = cache_of(c);
    if (!k->tz_loaded) {
        int rc = tz_load(c->zone_name ? c->zone_name : "Asia/Shanghai", &k->tz, err);
        if (rc)
            return rc;
        k->tz_loaded = true;
    }
    *out = tz_today(&k->tz, ctx_now(c));
    return 0;
}

int ctx_check_code(struct ctx *c, const char *field, const char *list, const char *code,
                   struct err *err)
{
    struct ctx_cache *k = cache_of(c);
    char key[160];
    snprintf(key, sizeof(key), "%s\x1f%s", list, code ? code : "");
    if (code && strmap_get(&k->codes, key, NULL))
        return 0;
    if (k->frozen) {
        const char *allowed = "";
        for (size_t i = 0; i < k->allowed.n; i++)
            if (!strcmp(k->allowed.v[i].list, list))
                allowed = k->allowed.v[i].allowed;
        error(err, ERR_INVALID, "invalid %s '%s': must be one of %s", field, code ? code : "",
              allowed);
        return err_field(err, field);
    }
    if (code && *code) {
        struct store_stmt *st = store_q(c->db, Q_CODE_EXISTS);
        store_bind_text(st, 1, list);
        store_bind_text(st, 2, code);
        int rc = store_one(st, err);
        store_reset(st);
        if (rc == 0) {
            strmap_put(&k->codes, key, 1);
            return 0;
        }
        if (rc != ERR_NOT_FOUND)
            return rc;
    }
    struct strbuf allowed = STRBUF_INIT;
    struct store_stmt *st = store_q(c->db, Q_CODE_LIST);
    store_bind_text(st, 1, list);
    struct err ignore = ERR_INIT;
    while (store_step(st, &ignore) == STORE_ROW)
        strbuf_addf(&allowed, "%s%s", allowed.len ? ", " : "", store_col_text(st, 0));
    error(err, ERR_INVALID, "invalid %s '%s': must be one of %s", field, code ? code : "",
          allowed.buf);
    strbuf_release(&allowed);
    return err_field(err, field);
}

int ctx_code_list(struct ctx *c, const char *list, ctx_code_fn *fn, void *arg, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_CODE_LIST);
    int rc = 0;
    store_bind_text(st, 1, list);
    while (!rc && (rc = store_step(st, err)) == STORE_ROW) {
        struct ctx_code k = { ctx_col_text(c, st, 0), ctx_col_text(c, st, 1),
                              ctx_col_text(c, st, 2) };
        rc = fn(arg, &k);
    }
    store_reset(st);
    return rc;
}

void ctx_bind_scope(const struct ctx *c, struct store_stmt *st, int idx)
{
    if (c->scope_org_id)
        store_bind_i64(st, idx, c->scope_org_id);
    else
        store_bind_null(st, idx);
}

/* Whether unit `id` lies in the context's scope; outside it, a unit reads as unknown. */
static int org_visible(struct ctx *c, const char *code, int64_t id, struct err *err)
{
    if (!c->scope_org_id || id == c->scope_org_id)
        return 0;
    struct ctx_cache *k = cache_of(c);
    int64_t in;
    if (k->frozen) /* the subtree was loaded with the cache (ctx_cache_freeze) */
        return strmap_get(&k->scoped, code, &in)
                   ? 0
                   : (error(err, ERR_NOT_FOUND, "unknown org unit '%s'", code),
                      err_field(err, "org"));
    struct store_stmt *st = store_q(c->db, Q_ORG_IN_SUBTREE);
    store_bind_i64(st, 1, c->scope_org_id);
    store_bind_i64(st, 2, id);
    int rc = store_one(st, err);
    store_reset(st);
    if (rc == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "unknown org unit '%s'", code), err_field(err, "org");
    return rc;
}

int ctx_org_id(struct ctx *c, const char *code, int64_t *id, struct err *err)
{
    struct ctx_cache *k = cache_of(c);
    if (!code || !*code)
        return error(err, ERR_INVALID, "org unit is missing"), err_field(err, "org");
    if (strmap_get(&k->orgs, code, id))
        return org_visible(c, code, *id, err);
    if (k->frozen)
        return error(err, ERR_NOT_FOUND, "unknown org unit '%s'", code), err_field(err, "org");
    struct store_stmt *st = store_q(c->db, Q_ORG_GET);
    store_bind_text(st, 1, code);
    int rc = store_one(st, err);
    if (rc == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "unknown org unit '%s'", code), err_field(err, "org");
    if (rc)
        return rc;
    *id = store_col_i64(st, 0);
    store_reset(st);
    strmap_put(&k->orgs, code, *id);
    return org_visible(c, code, *id, err);
}

#ifdef PMIS_TESTING
void ctx_test_pause(const char *var)
{
    const char *v = getenv(var);
    long ms = v ? atol(v) : 0;
    if (ms > 0) {
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
    }
}
#endif
