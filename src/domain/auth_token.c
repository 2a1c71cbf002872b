/*
 * API tokens for integrations: created for a user with a subset of their permissions and a
 * subtree of theirs, stored as SHA-256 only, listed and revoked by name, and checked on every
 * request that carries `Authorization: Bearer pmist_...` (one row, a write at most once a
 * minute). Listing and revoking are scoped to the caller's subtree (the owner's org unit).
 */
#include "core/common.h"
#include "domain/audit.h"
#include "domain/auth_int.h"
#include "domain/org.h"

static bool token_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

int token_add(struct ctx *c, const struct token_in *in, struct strbuf *token, struct err *err)
{
    struct user_info u;
    int64_t owner_org = 0, org_id = 0;
    uint64_t owner_perms, want;
    int rc;

    if (!token_name_ok(in->name))
        return error(err, ERR_INVALID,
                     "invalid token name '%s': 1 to 64 of A-Z, a-z, 0-9, '.', '_', '-'",
                     in->name ? in->name : ""),
               err_field(err, "name");
    if (in->days < 1 || in->days > 3650)
        return error(err, ERR_INVALID, "invalid validity %" PRId64 " days: 1 to 3650", in->days),
               err_field(err, "days");
    if ((rc = auth_user_load(c, in->username, &u, NULL, &owner_org, err)))
        return err_field(err, "user");
    if (c->scope_org_id && (rc = user_get(c, in->username, &u, err))) /* outside: unknown */
        return err_field(err, "user");
    if ((rc = auth_user_perms(c, u.id, &owner_perms, err)))
        return rc;
    if ((rc = perm_set_parse(in->perms, &want, err)))
        return err_field(err, "perms");
    if (want == PERM_ALL && in->perms && !strcmp(ctx_trim(c, in->perms), "*"))
        want = owner_perms;
    for (int i = 0; i < PERM__COUNT; i++)
        if ((want & PERM_BIT(i)) && !(owner_perms & PERM_BIT(i)))
            return error(err, ERR_INVALID, "user '%s' does not hold permission '%s'", in->username,
                         perm_name(i)),
                   err_field(err, "perms");
    if (!want)
        return error(err, ERR_INVALID, "a token needs at least one permission"),
               err_field(err, "perms");
    int miss = auth_grant_missing(c, want);
    if (miss >= 0)
        return error(err, ERR_FORBIDDEN,
                     "you cannot give a token permission '%s', which you do not hold yourself",
                     perm_name(miss)),
               err_field(err, "perms");
    org_id = owner_org;
    if (in->org_code) {
        if ((rc = ctx_org_id(c, in->org_code, &org_id, err)))
            return rc;
        bool inside = true;
        if (owner_org && (rc = org_in_subtree(c, owner_org, org_id, &inside, err)))
            return rc;
        if (!inside)
            return error(err, ERR_INVALID, "org unit '%s' is outside user '%s''s subtree",
                         in->org_code, in->username),
                   err_field(err, "org");
    }
    char secret[65], th[DIGEST_HEX_LEN + 1];
    auth_random_hex(secret, 32);
    char *value = arena_sprintf(c->arena, AUTH_TOKEN_PREFIX "%s", secret);
    auth_secret_hash(value, th);
    struct strbuf perms = STRBUF_INIT;
    perm_set_format(want, &perms);
    int64_t now = ctx_now(c);
    if ((rc = store_begin(c->db, err)))
        goto done;
    struct store_stmt *st = store_q(c->db, Q_TOKEN_INSERT);
    store_bind_text(st, 1, in->name);
    store_bind_text(st, 2, th);
    store_bind_i64(st, 3, u.id);
    store_bind_text(st, 4, perms.buf);
    if (org_id)
        store_bind_i64(st, 5, org_id);
    else
        store_bind_null(st, 5);
    store_bind_i64(st, 6, now + in->days * 86400 * INT64_C(1000000));
    store_bind_i64(st, 7, now);
    rc = store_step(st, err);
    if (rc == STORE_DONE) {
        rc = error(err, ERR_CONFLICT, "token '%s' already exists", in->name);
        goto out;
    }
    if (rc < 0)
        goto out;
    store_reset(st);
    struct audit_rec ar = {
        .action = "token.create",
        .entity = "api_token",
        .entity_key = in->name,
        .after = arena_sprintf(c->arena, "name=%s\nuser=%s\nperms=%s\norg=%" PRId64 "\n", in->name,
                               in->username, perms.buf, org_id),
        .detail = arena_sprintf(c->arena, "user=%s perms=%s days=%" PRId64, in->username, perms.buf,
                                in->days),
    };
    rc = audit_append(c, &ar, err);
out:
    rc = store_end(c->db, rc, err);
done:
    strbuf_release(&perms);
    if (!rc)
        strbuf_addstr(token, value);
    return rc;
}

int token_revoke(struct ctx *c, const char *name, struct err *err)
{
    int rc = store_begin(c->db, err);
    if (rc)
        return rc;
    struct store_stmt *st = store_q(c->db, Q_TOKEN_REVOKE);
    store_bind_text(st, 1, name);
    store_bind_i64(st, 2, ctx_now(c));
    ctx_bind_scope(c, st, 3);
    if ((rc = store_exec(st, err)))
        goto out;
    if (store_changes(st) == 0) {
        st = store_q(c->db, Q_TOKEN_EXISTS);
        store_bind_text(st, 1, name);
        ctx_bind_scope(c, st, 2);
        rc = store_one(st, err);
        store_reset(st);
        if (rc == ERR_NOT_FOUND)
            rc = error(err, ERR_NOT_FOUND, "unknown token '%s'", name);
        else if (!rc)
            rc = error(err, ERR_CONFLICT, "token '%s' is already revoked", name);
        goto out;
    }
    struct audit_rec ar = { .action = "token.revoke", .entity = "api_token", .entity_key = name };
    rc = audit_append(c, &ar, err);
out:
    return store_end(c->db, rc, err);
}

static void read_token(struct ctx *c, struct store_stmt *st, struct token_info *t)
{
    *t = (struct token_info){
        .name = ctx_col_text(c, st, 0),
        .username = ctx_col_text(c, st, 1),
        .perms = ctx_col_text(c, st, 2),
        .org_code = ctx_col_text(c, st, 3),
        .expires_at = store_col_i64(st, 4),
        .revoked_at = store_col_i64(st, 5),
        .last_used_at = store_col_i64(st, 6),
        .created_at = store_col_i64(st, 7),
    };
}

int token_list(struct ctx *c, token_fn *fn, void *arg, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_TOKEN_LIST);
    int rc;
    ctx_bind_scope(c, st, 1);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct token_info t;
        read_token(c, st, &t);
        if ((rc = fn(arg, &t))) {
            store_reset(st);
            return rc;
        }
    }
    return rc;
}

int token_get(struct ctx *c, const char *name, struct token_info *out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_TOKEN_ROW);
    ctx_bind_scope(c, st, 1);
    store_bind_text(st, 2, name ? name : "");
    int rc = store_one(st, err);
    if (rc == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "unknown token '%s'", name ? name : "");
    if (rc)
        return rc;
    read_token(c, st, out);
    store_reset(st);
    return 0;
}

int auth_token_check(struct ctx *c, const char *token, struct principal *out, struct err *err)
{
    char th[DIGEST_HEX_LEN + 1];
    int64_t now = ctx_now(c);
    struct err ignore = ERR_INIT;
    memset(out, 0, sizeof(*out));
    if (!auth_token_format_ok(token))
        return error(err, ERR_UNAUTHENTICATED, "invalid API token");
    auth_secret_hash(token, th);
    struct store_stmt *st = store_q(c->db, Q_TOKEN_GET);
    store_bind_text(st, 1, th);
    int rc = store_one(st, err);
    if (rc == ERR_NOT_FOUND)
        return error(err, ERR_UNAUTHENTICATED, "invalid API token");
    if (rc)
        return rc;
    out->token_id = store_col_i64(st, 0);
    out->token_name = ctx_col_text(c, st, 1);
    if (perm_set_parse(store_col_text(st, 2), &out->perms, &ignore))
        out->perms = 0; /* a name from a newer version: refuse rather than guess */
    out->org_id = store_col_i64(st, 3);
    out->org_code = ctx_col_text(c, st, 4);
    out->expires_at = store_col_i64(st, 5);
    bool revoked = !store_col_null(st, 6);
    out->user_id = store_col_i64(st, 7);
    out->username = ctx_col_text(c, st, 8);
    out->display_name = ctx_col_text(c, st, 9);
    bool active = !strcmp(store_col_text(st, 10), "active");
    int64_t last_used = store_col_i64(st, 11);
    uint64_t owner = auth_perms_from(store_col_i64(st, 12), store_col_text(st, 13));
    store_reset(st);
    if (revoked)
        return error(err, ERR_UNAUTHENTICATED, "API token '%s' is revoked", out->token_name);
    if (now >= out->expires_at)
        return error(err, ERR_UNAUTHENTICATED, "API token '%s' has expired", out->token_name);
    if (!active)
        return error(err, ERR_UNAUTHENTICATED, "the owner of API token '%s' is disabled",
                     out->token_name);
    out->perms &= owner;
    if (now - last_used >= TOUCH_EVERY_US) {
        st = store_q(c->db, Q_TOKEN_USED);
        store_bind_i64(st, 1, out->token_id);
        store_bind_i64(st, 2, now);
        if ((rc = store_exec(st, err)))
            return rc;
    }
    return 0;
}
