/*
 * Organisation units and their closure table. Levels must descend from parent to child;
 * a unit's closure rows are its parent's plus itself, written in the same transaction.
 */
#include "core/common.h"
#include "core/strbuf.h"
#include "core/vec.h"
#include "domain/audit.h"
#include "domain/org.h"

static const char *const level_names[] = { "hq", "province", "city", "county", "station" };

int org_level_rank(const char *level)
{
    for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
        if (level && !strcmp(level, level_names[i]))
            return (int)i + 1;
    return 0;
}

static bool valid_code(const char *code)
{
    size_t n = strlen(code);
    if (n == 0 || n > 32)
        return false;
    for (const char *p = code; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-'))
            return false;
    return true;
}

static void read_unit(struct ctx *c, struct store_stmt *st, struct org_unit *u)
{
    u->id = store_col_i64(st, 0);
    u->code = arena_strdup(c->arena, store_col_text(st, 1));
    u->name = arena_strdup(c->arena, store_col_text(st, 2));
    u->level = arena_strdup(c->arena, store_col_text(st, 3));
    u->parent_id = store_col_i64(st, 4);
    u->parent_code = store_col_null(st, 5) ? NULL : arena_strdup(c->arena, store_col_text(st, 5));
    u->depth = 0;
}

int org_get(struct ctx *c, const char *code, struct org_unit *out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_ORG_GET);
    store_bind_text(st, 1, code);
    int rc = store_one(st, err);
    if (rc == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "unknown org unit '%s'", code);
    if (rc)
        return rc;
    read_unit(c, st, out);
    store_reset(st);
    return 0;
}


int org_add(struct ctx *c, const char *code, const char *name, const char *level,
            const char *parent_code, int64_t *id_out, struct err *err)
{
    struct org_unit parent = { 0 };
    int rc;

    if (!code || !valid_code(code))
        return error(err, ERR_INVALID, "invalid org code '%s': use 1-32 letters, digits or '-'",
                     code ? code : "");
    if (!name || !*name)
        return error(err, ERR_INVALID, "org unit '%s': name is empty", code);
    int rank = org_level_rank(level);
    if (!rank)
        return error(err, ERR_INVALID,
                     "org unit '%s': unknown level '%s' (hq, province, city, county, station)",
                     code, level ? level : "");
    if (parent_code) {
        if ((rc = org_get(c, parent_code, &parent, err)))
            return rc;
        if (org_level_rank(parent.level) >= rank)
            return error(err, ERR_INVALID, "org unit '%s': a %s cannot be placed under the %s '%s'",
                         code, level, parent.level, parent_code);
    }

    if ((rc = store_begin(c->db, err)))
        return rc;
    struct store_stmt *st = store_q(c->db, Q_ORG_INSERT);
    store_bind_text(st, 1, code);
    store_bind_text(st, 2, name);
    store_bind_text(st, 3, level);
    if (parent_code)
        store_bind_i64(st, 4, parent.id);
    else
        store_bind_null(st, 4);
    store_bind_i64(st, 5, ctx_now(c));
    rc = store_one(st, err);
    if (rc == ERR_CONFLICT) {
        error(err, ERR_CONFLICT, "org unit '%s' already exists", code);
        goto fail;
    }
    if (rc)
        goto fail;
    int64_t id = store_col_i64(st, 0);
    store_reset(st);

    st = store_q(c->db, Q_ORG_CLOSURE_ADD);
    store_bind_i64(st, 1, id);
    store_bind_i64(st, 2, parent_code ? parent.id : 0);
    if ((rc = store_exec(st, err)))
        goto fail;

    char *after = arena_sprintf(c->arena, "code=%s\nname=%s\nlevel=%s\nparent=%s\n", code, name,
                                level, parent_code ? parent_code : "");
    struct audit_rec ar = {
        .action = "org.create", .entity = "org", .entity_key = code, .after = after
    };
    if ((rc = audit_append(c, &ar, err)))
        goto fail;
    if ((rc = store_commit(c->db, err)))
        goto fail;
    if (id_out)
        *id_out = id;
    return 0;
fail:
    store_rollback(c->db);
    return rc;
}

typedef VEC(struct org_unit) org_vec;

/* Emit u and then its children (already sorted by code within depth) depth-first. */
static int walk_from(org_vec *all, size_t at, org_fn *fn, void *arg)
{
    int rc = fn(arg, &all->v[at]);
    if (rc)
        return rc;
    for (size_t i = 0; i < all->n; i++)
        if (all->v[i].parent_id == all->v[at].id && i != at)
            if ((rc = walk_from(all, i, fn, arg)))
                return rc;
    return 0;
}

static int walk_one(struct ctx *c, const char *root_code, org_fn *fn, void *arg, struct err *err)
{
    struct org_unit root;
    org_vec all = VEC_INIT;
    int rc = org_get(c, root_code, &root, err);
    if (rc)
        return rc;
    struct store_stmt *st = store_q(c->db, Q_ORG_SUBTREE);
    store_bind_i64(st, 1, root.id);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct org_unit u;
        read_unit(c, st, &u);
        u.depth = (int)store_col_i64(st, 6);
        VEC_PUSH(&all, u);
    }
    if (rc == 0 && all.n)
        rc = walk_from(&all, 0, fn, arg);
    VEC_FREE(&all);
    return rc;
}

int org_walk(struct ctx *c, const char *root_code, org_fn *fn, void *arg, struct err *err)
{
    if (root_code)
        return walk_one(c, root_code, fn, arg, err);

    VEC(char *) roots = VEC_INIT;
    int rc;
    struct store_stmt *st = store_q(c->db, Q_ORG_ROOTS);
    while ((rc = store_step(st, err)) == STORE_ROW)
        VEC_PUSH(&roots, arena_strdup(c->arena, store_col_text(st, 0)));
    for (size_t i = 0; rc == 0 && i < roots.n; i++)
        rc = walk_one(c, roots.v[i], fn, arg, err);
    VEC_FREE(&roots);
    return rc;
}

int org_in_subtree(struct ctx *c, int64_t ancestor_id, int64_t id, bool *yes, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_ORG_IN_SUBTREE);
    store_bind_i64(st, 1, ancestor_id);
    store_bind_i64(st, 2, id);
    int rc = store_one(st, err);
    *yes = rc == 0;
    store_reset(st);
    return rc == ERR_NOT_FOUND ? 0 : rc;
}
