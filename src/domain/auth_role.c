/*
 * Roles read (role_list, role_get) and custom roles changed or deleted (role_add lives in
 * auth_user.c). Built-in roles
 * are the policy every installation shares: they are never changed or deleted here. Each
 * change runs in one transaction with its audit row (the permission lists before and after).
 */
#include "core/common.h"
#include "domain/audit.h"
#include "domain/auth_int.h"

struct role_row {
    int64_t id;
    bool builtin;
    const char *name_zh, *name_en, *perms;
};

/* The custom role `code`: ERR_NOT_FOUND when unknown, ERR_CONFLICT when built in. */
static int custom_role(struct ctx *c, const char *code, struct role_row *out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_ROLE_ROW);
    store_bind_text(st, 1, code ? code : "");
    int rc = store_one(st, err);
    if (rc == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "unknown role '%s'", code ? code : "");
    if (rc)
        return rc;
    out->id = store_col_i64(st, 0);
    out->builtin = store_col_i64(st, 1) != 0;
    out->name_zh = ctx_col_text(c, st, 2);
    out->name_en = ctx_col_text(c, st, 3);
    store_reset(st);
    if (out->builtin)
        return error(err, ERR_CONFLICT,
                     "role '%s' is built in and cannot be changed", code);
    struct strbuf sb = STRBUF_INIT;
    st = store_q(c->db, Q_ROLE_PERMS);
    store_bind_i64(st, 1, out->id);
    while ((rc = store_step(st, err)) == STORE_ROW)
        strbuf_addf(&sb, "%s%s", sb.len ? "," : "", store_col_text(st, 0));
    out->perms = arena_strdup(c->arena, sb.buf);
    strbuf_release(&sb);
    return rc;
}

/* The audited text of a role's state. */
static const char *role_text(struct ctx *c, const char *zh, const char *en, const char *perms)
{
    return arena_sprintf(c->arena, "name=%s\nname_en=%s\nperms=%s\n", zh, en, perms);
}

int auth_role_perms(const char *perms, uint64_t *set, struct err *err)
{
    for (const char *p = perms ? perms : ""; *p; p += strcspn(p, ","), p += *p == ',') {
        size_t n = strcspn(p, ",");
        while (n && (*p == ' ' || *p == '\t'))
            p++, n--;
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n == 1 && *p == '*')
            return error(err, ERR_INVALID, "name the permissions of a custom role one by one "
                         "(not '*')"), err_field(err, "perms");
    }
    if (perm_set_parse(perms, set, err))
        return err_field(err, "perms");
    if (!*set)
        return error(err, ERR_INVALID, "a role needs at least one permission"),
               err_field(err, "perms");
    return 0;
}

int role_grant_check(const struct ctx *c, uint64_t set, struct err *err)
{
    int miss = auth_grant_missing(c, set);
    if (miss >= 0)
        return error(err, ERR_FORBIDDEN,
                     "you cannot give a role permission '%s', which you do not hold yourself",
                     perm_name(miss)),
               err_field(err, "perms");
    return 0;
}

/* Roles are global: a caller of a subtree changes only a role that no user outside its
 * subtree holds (one held by anybody cannot be deleted at all). */
static int holders_inside(struct ctx *c, const char *code, int64_t role_id, struct err *err)
{
    if (!c->scope_org_id)
        return 0;
    struct store_stmt *st = store_q(c->db, Q_ROLE_HOLDERS_OUTSIDE);
    store_bind_i64(st, 1, role_id);
    ctx_bind_scope(c, st, 2);
    int rc = store_one(st, err);
    if (rc)
        return rc;
    int64_t n = store_col_i64(st, 0);
    store_reset(st);
    if (n)
        return error(err, ERR_FORBIDDEN,
                     "role '%s' is also held by %" PRId64 " user(s) outside your org subtree: "
                     "only a user of the whole tree can change it",
                     code, n);
    return 0;
}

int auth_role_set_perms(struct ctx *c, int64_t role_id, uint64_t set, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_ROLE_PERMS_CLEAR);
    store_bind_i64(st, 1, role_id);
    int rc = store_exec(st, err);
    for (int i = 0; i < PERM__COUNT && !rc; i++) {
        if (!(set & PERM_BIT(i)))
            continue;
        st = store_q(c->db, Q_ROLE_PERM_ADD);
        store_bind_i64(st, 1, role_id);
        store_bind_text(st, 2, perm_name(i));
        rc = store_exec(st, err);
    }
    return rc;
}

int role_update(struct ctx *c, const char *code, const char *name_zh, const char *name_en,
                const char *perms, struct err *err)
{
    struct role_row old;
    uint64_t set = 0;
    int rc;
    if (name_zh && (!*name_zh || strlen(name_zh) > 100))
        return error(err, ERR_INVALID, "role name must have 1 to 100 bytes"),
               err_field(err, "name");
    if (name_en && strlen(name_en) > 100)
        return error(err, ERR_INVALID, "English role name longer than 100 bytes"),
               err_field(err, "name_en");
    if (perms && ((rc = auth_role_perms(perms, &set, err)) || (rc = role_grant_check(c, set, err))))
        return rc;
    if ((rc = store_begin(c->db, err)))
        return rc;
    if ((rc = custom_role(c, code, &old, err)) || (rc = holders_inside(c, code, old.id, err)))
        goto out;
    const char *zh = name_zh ? name_zh : old.name_zh;
    const char *en = name_en && *name_en ? name_en : name_en ? zh : old.name_en;
    struct store_stmt *st = store_q(c->db, Q_ROLE_RENAME);
    store_bind_i64(st, 1, old.id);
    store_bind_text(st, 2, zh);
    store_bind_text(st, 3, en);
    if ((rc = store_exec(st, err)) || (perms && (rc = auth_role_set_perms(c, old.id, set, err))))
        goto out;
    struct strbuf sb = STRBUF_INIT;
    if (perms)
        perm_set_format(set, &sb);
    else
        strbuf_addstr(&sb, old.perms);
    struct audit_rec ar = {
        .action = "role.update",
        .entity = "role",
        .entity_key = code,
        .before = role_text(c, old.name_zh, old.name_en, old.perms),
        .after = role_text(c, zh, en, sb.buf),
        .detail = arena_sprintf(c->arena, "perms=%s", sb.buf),
    };
    strbuf_release(&sb);
    rc = audit_append(c, &ar, err);
out:
    return store_end(c->db, rc, err);
}

int role_delete(struct ctx *c, const char *code, struct err *err)
{
    struct role_row old;
    int rc;
    if ((rc = store_begin(c->db, err)))
        return rc;
    if ((rc = custom_role(c, code, &old, err)))
        goto out;
    struct store_stmt *st = store_q(c->db, Q_ROLE_HOLDERS);
    store_bind_i64(st, 1, old.id);
    if ((rc = store_one(st, err)))
        goto out;
    int64_t holders = store_col_i64(st, 0);
    store_reset(st);
    if (holders) {
        rc = error(err, ERR_CONFLICT,
                   "role '%s' is held by %" PRId64
                   " user(s): take it from them first",
                   code, holders);
        goto out;
    }
    if ((rc = auth_role_set_perms(c, old.id, 0, err)))
        goto out;
    st = store_q(c->db, Q_ROLE_DELETE);
    store_bind_i64(st, 1, old.id);
    if ((rc = store_exec(st, err)))
        goto out;
    struct audit_rec ar = {
        .action = "role.delete",
        .entity = "role",
        .entity_key = code,
        .before = role_text(c, old.name_zh, old.name_en, old.perms),
    };
    rc = audit_append(c, &ar, err);
out:
    return store_end(c->db, rc, err);
}

/* Run `qid` (Q_ROLE_LIST, or Q_ROLE_ONE of `code`): one row per permission, grouped by role. */
static int role_rows(struct ctx *c, enum query_id qid, const char *code, role_fn *fn, void *arg,
                     struct err *err)
{
    struct store_stmt *st = store_q(c->db, qid);
    struct role_info cur = { 0 };
    int rc, stop = 0;
    if (code)
        store_bind_text(st, 1, code);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        const char *rcode = store_col_text(st, 0);
        if (!cur.code || strcmp(cur.code, rcode)) {
            if (cur.code && (stop = fn(arg, &cur)))
                break;
            cur = (struct role_info){ arena_strdup(c->arena, rcode), ctx_col_text(c, st, 1),
                                      ctx_col_text(c, st, 2), store_col_i64(st, 3) != 0,
                                      store_col_i64(st, 4) ? PERM_ALL : 0 };
        }
        int p = store_col_null(st, 5) ? -1 : perm_lookup(store_col_text(st, 5));
        if (p >= 0)
            cur.perms |= PERM_BIT(p);
    }
    if (stop) {
        store_reset(st);
        return stop;
    }
    if (!rc && cur.code)
        rc = fn(arg, &cur);
    return rc;
}

int role_list(struct ctx *c, role_fn *fn, void *arg, struct err *err)
{
    return role_rows(c, Q_ROLE_LIST, NULL, fn, arg, err);
}

static int role_copy(void *arg, const struct role_info *r)
{
    *(struct role_info *)arg = *r;
    return 0;
}

int role_get(struct ctx *c, const char *code, struct role_info *out, struct err *err)
{
    *out = (struct role_info){ 0 };
    int rc = role_rows(c, Q_ROLE_ONE, code ? code : "", role_copy, out, err);
    if (!rc && !out->code)
        rc = error(err, ERR_NOT_FOUND, "unknown role '%s'", code ? code : "");
    return rc;
}
