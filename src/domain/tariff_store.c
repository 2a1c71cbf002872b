/*
 * Tariffs in the database (sql/0003_tariff.sql): saving parsed tariffs version by version
 * (idempotent, conflicts named, audited) and loading them back through the same parser, so
 * what the engine prices with is always what was validated. Called by `pmis tariff` and the
 * bill run (tariff_set_load once per run).
 */
#include "core/common.h"
#include "core/digest.h"
#include "domain/audit.h"
#include "domain/tariff_int.h"

#include <jansson.h>

struct tariff_set {
    size_t n;
    struct tariff **v; /* ascending by code (strcmp) */
};

static int save_one(struct ctx *c, const struct tariff *t, const char *source, int *added,
                    struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_TARIFF_GET);
    int64_t id;
    int rc;
    store_bind_text(st, 1, t->code);
    rc = store_one(st, err);
    if (rc == 0) {
        id = store_col_i64(st, 0);
        bool same = !strcmp(store_col_text(st, 2), t->name) &&
                    !strcmp(store_col_text(st, 3), t->category) &&
                    !strcmp(store_col_text(st, 4), t->note);
        if (!same) {
            rc = error(err, ERR_CONFLICT,
                       "tariff '%s' is stored with a different name, category or note ('%s', "
                       "%s); add a new tariff code instead",
                       t->code, store_col_text(st, 2), store_col_text(st, 3));
            store_reset(st);
            return rc;
        }
        store_reset(st);
    } else if (rc == ERR_NOT_FOUND) {
        err_clear(err);
        st = store_q(c->db, Q_TARIFF_INSERT);
        store_bind_text(st, 1, t->code);
        store_bind_text(st, 2, t->name);
        store_bind_text(st, 3, t->category);
        store_bind_text(st, 4, t->note);
        store_bind_i64(st, 5, ctx_now(c));
        if ((rc = store_one(st, err)))
            return rc;
        id = store_col_i64(st, 0);
        store_reset(st);
        struct audit_rec ar = {
            .action = "tariff.add",
            .entity = "tariff",
            .entity_key = t->code,
            .after = arena_sprintf(c->arena, "code=%s\nname=%s\ncategory=%s\nnote=%s\n", t->code,
                                   t->name, t->category, t->note),
            .detail = arena_sprintf(c->arena, "source=%s", source ? source : "-"),
        };
        if ((rc = audit_append(c, &ar, err)))
            return rc;
    } else {
        return rc;
    }
    for (int i = 0; i < t->nversions; i++) {
        const struct tariff_version *v = &t->v[i];
        char from[DATE_BUF_SIZE], dg[DIGEST_HEX_LEN + 1];
        date_format(v->from, from);
        digest_hex(v->json, strlen(v->json), dg);
        st = store_q(c->db, Q_TARIFF_VERSION_GET);
        store_bind_i64(st, 1, id);
        store_bind_text(st, 2, from);
        rc = store_one(st, err);
        if (rc == 0) {
            bool same = !strcmp(store_col_text(st, 0), v->json);
            store_reset(st);
            if (same)
                continue;
            return error(err, ERR_CONFLICT,
                         "tariff '%s' version %s is already stored with different content; a "
                         "changed price needs a new effective date",
                         t->code, from);
        }
        if (rc != ERR_NOT_FOUND)
            return rc;
        err_clear(err);
        st = store_q(c->db, Q_TARIFF_VERSION_INSERT);
        store_bind_i64(st, 1, id);
        store_bind_text(st, 2, from);
        store_bind_text(st, 3, v->json);
        store_bind_text(st, 4, dg);
        store_bind_i64(st, 5, ctx_now(c));
        if ((rc = store_exec(st, err)))
            return rc;
        struct audit_rec ar = {
            .action = "tariff.version.add",
            .entity = "tariff",
            .entity_key = t->code,
            .after = v->json,
            .detail = arena_sprintf(c->arena, "version=%s digest=%.16s source=%s", from, dg,
                                    source ? source : "-"),
        };
        if ((rc = audit_append(c, &ar, err)))
            return rc;
        if (added)
            (*added)++;
    }
    return 0;
}

int tariff_save(struct ctx *c, const struct tariff *t, const char *source, int *added,
                struct err *err)
{
    int rc, n = 0;
    if ((rc = store_begin(c->db, err)))
        return rc;
    if ((rc = store_end(c->db, save_one(c, t, source, &n, err), err)))
        return rc;
    if (added)
        *added += n;
    return 0;
}

struct trow {
    int64_t id;
    char *code, *name, *category, *note;
};

/* Rebuild the tariff's JSON from its rows and parse it (validation runs again). */
static int load_versions(struct ctx *c, const struct trow *r, struct tariff **out, struct err *err)
{
    json_t *o = json_object(), *vs = json_array();
    int rc;
    json_object_set_new(o, "code", json_string(r->code));
    json_object_set_new(o, "name", json_string(r->name));
    json_object_set_new(o, "category", json_string(r->category));
    if (*r->note)
        json_object_set_new(o, "note", json_string(r->note));
    json_object_set_new(o, "versions", vs);
    struct store_stmt *st = store_q(c->db, Q_TARIFF_VERSIONS);
    store_bind_i64(st, 1, r->id);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        json_error_t je;
        json_t *v = json_loads(store_col_text(st, 1), 0, &je);
        if (!v) {
            store_reset(st);
            json_decref(o);
            return error(err, ERR_CORRUPT, "stored tariff '%s' version %s is not JSON: %s", r->code,
                         store_col_text(st, 0), je.text);
        }
        json_array_append_new(vs, v);
    }
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    rc = tariff_parse_json(text, strlen(text), out, err);
    free(text);
    if (rc)
        return error(err, ERR_CORRUPT, "stored tariff '%s' does not validate: %s", r->code,
                     err->msg);
    return 0;
}

static void trow_free(struct trow *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].code);
        free(rows[i].name);
        free(rows[i].category);
        free(rows[i].note);
    }
    free(rows);
}

static char *sdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        abort();
    return d;
}

static int read_rows(struct ctx *c, enum query_id qid, const char *code, struct trow **out,
                     size_t *n, struct err *err)
{
    struct trow *rows = NULL;
    size_t cnt = 0, cap = 0;
    int rc;
    struct store_stmt *st = store_q(c->db, qid);
    if (code)
        store_bind_text(st, 1, code);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (cnt == cap) {
            cap = cap ? 2 * cap : 16;
            rows = realloc(rows, cap * sizeof(*rows));
            if (!rows)
                abort();
        }
        rows[cnt++] = (struct trow){ store_col_i64(st, 0), sdup(store_col_text(st, 1)),
                                     sdup(store_col_text(st, 2)), sdup(store_col_text(st, 3)),
                                     sdup(store_col_text(st, 4)) };
    }
    if (rc < 0) {
        trow_free(rows, cnt);
        return rc;
    }
    *out = rows;
    *n = cnt;
    return 0;
}

int tariff_load(struct ctx *c, const char *code, struct tariff **out, struct err *err)
{
    struct trow *rows;
    size_t n;
    int rc = read_rows(c, Q_TARIFF_GET, code, &rows, &n, err);
    if (rc)
        return rc;
    if (!n)
        rc = error(err, ERR_NOT_FOUND, "unknown tariff '%s'", code);
    else
        rc = load_versions(c, &rows[0], out, err);
    trow_free(rows, n);
    return rc;
}

static int cmp_tariff(const void *a, const void *b)
{
    return strcmp((*(struct tariff *const *)a)->code, (*(struct tariff *const *)b)->code);
}

int tariff_set_load(struct ctx *c, struct tariff_set **out, struct err *err)
{
    struct trow *rows;
    size_t n;
    int rc = read_rows(c, Q_TARIFF_ALL, NULL, &rows, &n, err);
    if (rc)
        return rc;
    struct tariff_set *s = calloc(1, sizeof(*s));
    if (!s || !(s->v = calloc(n ? n : 1, sizeof(*s->v))))
        abort();
    for (size_t i = 0; i < n && !rc; i++)
        if (!(rc = load_versions(c, &rows[i], &s->v[i], err)))
            s->n++;
    trow_free(rows, n);
    if (rc) {
        tariff_set_free(s);
        return rc;
    }
    qsort(s->v, s->n, sizeof(*s->v), cmp_tariff);
    *out = s;
    return 0;
}

const struct tariff *tariff_set_find(const struct tariff_set *s, const char *code)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s->v[mid]->code, code);
        if (!c)
            return s->v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

size_t tariff_set_count(const struct tariff_set *s)
{
    return s->n;
}

const struct tariff *tariff_set_at(const struct tariff_set *s, size_t i)
{
    return s->v[i];
}

void tariff_set_free(struct tariff_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        tariff_free(s->v[i]);
    free(s->v);
    free(s);
}
