/*
 * Users and roles in the database: add, list, disable, password resets, role assignment,
 * custom roles, and the first administrator that `pmis init` creates. Each write runs in one
 * transaction with its audit row; audit rows never hold a password or its hash.
 */
#include "core/common.h"
#include "core/vec.h"
#include "domain/audit.h"
#include "domain/auth_int.h"
#include "domain/org.h"

bool auth_name_ok(const char *s, size_t min, size_t max, const char *extra)
{
    size_t n = s ? strlen(s) : 0;
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (!alnum && (i == 0 || !strchr(extra, ch)))
            return false;
    }
    return true;
}

int auth_user_load(struct ctx *c, const char *username, struct user_info *out, const char **hash,
                   int64_t *org_id, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_USER_GET);
    store_bind_text(st, 1, username);
    int rc = store_one(st, err);
    if (rc == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "unknown user '%s'", username);
    if (rc)
        return rc;
    auth_user_read(c, st, out);
    if (hash)
        *hash = ctx_col_text(c, st, 10);
    if (org_id)
        *org_id = store_col_i64(st, 11);
    store_reset(st);
    return 0;
}

int auth_principal_roles(struct ctx *c, const struct principal *p, const char **roles,
                         struct err *err)
{
    struct user_info u;
    int rc = auth_user_load(c, p->username, &u, NULL, NULL, err);
    *roles = rc ? NULL : u.roles;
    return rc;
}

int user_get(struct ctx *c, const char *username, struct user_info *out, struct err *err)
{
    int64_t org_id = 0;
    bool inside = true;
    int rc = auth_user_load(c, username, out, NULL, &org_id, err);
    if (rc)
        return rc;
    /* outside the caller's subtree a user reads as unknown; one of the whole tree is outside
     * every subtree */
    if (c->scope_org_id &&
        (!org_id || (rc = org_in_subtree(c, c->scope_org_id, org_id, &inside, err)) || !inside))
        return rc ? rc : error(err, ERR_NOT_FOUND, "unknown user '%s'", username);
    return 0;
}

/* The permission set of rows (all_perms, perm or NULL) of Q_USER_PERMS or Q_ROLE_PERM_SET. */
static int perm_rows(struct store_stmt *st, uint64_t *out, struct err *err)
{
    int rc;
    *out = 0;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (store_col_i64(st, 0))
            *out |= PERM_ALL;
        int p = store_col_null(st, 1) ? -1 : perm_lookup(store_col_text(st, 1));
        if (p >= 0) /* a name from a newer version is ignored, never widened */
            *out |= PERM_BIT(p);
    }
    return rc;
}

int auth_user_perms(struct ctx *c, int64_t user_id, uint64_t *out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_USER_PERMS);
    store_bind_i64(st, 1, user_id);
    return perm_rows(st, out, err);
}

int auth_grant_missing(const struct ctx *c, uint64_t set)
{
    if (!c->caller_perms)
        return -1;
    for (int i = 0; i < PERM__COUNT; i++)
        if ((set & PERM_BIT(i)) && !(*c->caller_perms & PERM_BIT(i)))
            return i;
    return -1;
}

/* Refuse a limited caller (ctx.caller_perms) changing user `u` who holds a permission the
 * caller does not: a user administrator cannot disable, re-role or lock out a stronger one. */
static int within_grant(struct ctx *c, const struct user_info *u, struct err *err)
{
    uint64_t held;
    int rc, miss;
    if (!c->caller_perms)
        return 0;
    if ((rc = auth_user_perms(c, u->id, &held, err)))
        return rc;
    if ((miss = auth_grant_missing(c, held)) >= 0)
        return error(err, ERR_FORBIDDEN,
                     "user '%s' holds permission '%s', which you do not hold: you cannot change "
                     "that user",
                     u->username, perm_name(miss));
    return 0;
}

/* The permissions of role `role_id`. */
static int role_perm_set(struct ctx *c, int64_t role_id, uint64_t *out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_ROLE_PERM_SET);
    store_bind_i64(st, 1, role_id);
    return perm_rows(st, out, err);
}

uint64_t auth_perms_from(int64_t all, const char *list)
{
    uint64_t set = all ? PERM_ALL : 0;
    char name[64];
    for (const char *p = list ? list : ""; *p;) {
        size_t n = strcspn(p, ",");
        if (n < sizeof(name)) {
            memcpy(name, p, n);
            name[n] = '\0';
            int i = perm_lookup(name);
            if (i >= 0)
                set |= PERM_BIT(i);
        }
        p += n + (p[n] == ',');
    }
    return set;
}

/* Replace the roles of user `id` with the comma-separated codes in `roles`. */
static int set_roles(struct ctx *c, int64_t id, const char *roles, struct err *err)
{
    if (!roles || !*roles)
        return error(err, ERR_INVALID, "at least one role is needed"), err_field(err, "roles");
    struct store_stmt *st = store_q(c->db, Q_USER_ROLES_CLEAR);
    store_bind_i64(st, 1, id);
    int rc = store_exec(st, err);
    VEC(int64_t) seen = VEC_INIT;
    for (const char *p = roles; !rc;) {
        size_t n = strcspn(p, ",");
        char *code = ctx_trim(c, arena_strndup(c->arena, p, n));
        st = store_q(c->db, Q_ROLE_GET);
        store_bind_text(st, 1, code);
        rc = store_one(st, err);
        if (rc == ERR_NOT_FOUND) {
            error(err, ERR_NOT_FOUND, "unknown role '%s'", code);
            rc = err_field(err, "roles");
            break;
        }
        if (rc)
            break;
        int64_t rid = store_col_i64(st, 0);
        store_reset(st);
        uint64_t set;
        int miss;
        if (c->caller_perms && (rc = role_perm_set(c, rid, &set, err)))
            break;
        if (c->caller_perms && (miss = auth_grant_missing(c, set)) >= 0) {
            error(err, ERR_FORBIDDEN,
                  "role '%s' carries permission '%s', which you do not hold: you can grant only "
                  "what you hold",
                  code, perm_name(miss));
            rc = err_field(err, "roles");
            break;
        }
        bool dup = false;
        for (size_t i = 0; i < seen.n; i++)
            dup |= seen.v[i] == rid;
        if (!dup) {
            VEC_PUSH(&seen, rid);
            st = store_q(c->db, Q_USER_ROLE_ADD);
            store_bind_i64(st, 1, id);
            store_bind_i64(st, 2, rid);
            rc = store_exec(st, err);
        }
        if (!p[n])
            break;
        p += n + 1;
    }
    VEC_FREE(&seen);
    return rc;
}

static char *user_canon(struct ctx *c, const struct user_in *in, const char *status)
{
    return arena_sprintf(c->arena, "username=%s\ndisplay_name=%s\norg=%s\nroles=%s\nstatus=%s\n",
                         in->username, in->display_name ? in->display_name : in->username,
                         in->org_code ? in->org_code : "*", in->roles ? in->roles : "", status);
}

int user_add(struct ctx *c, const struct user_in *in, const struct auth_policy *pol,
             struct strbuf *otp, struct err *err)
{
    char hash[AUTH_HASH_MAX], onetime[17];
    const char *pw = in->password;
    int64_t org_id = 0, id;
    int rc;

    if (!auth_name_ok(in->username, USER_NAME_MIN, USER_NAME_MAX, USER_NAME_EXTRA))
        return error(err, ERR_INVALID,
                     "invalid user name '%s': 2 to 32 of a-z, 0-9, '.', '_', '-', starting with "
                     "a letter or digit",
                     in->username ? in->username : ""),
               err_field(err, "username");
    if (in->display_name && (!*in->display_name || strlen(in->display_name) > 100))
        return error(err, ERR_INVALID, "display name must have 1 to 100 bytes"),
               err_field(err, "display_name");
    if (pw && (rc = auth_password_check(pw, in->username, pol->password_min, err)))
        return rc;
    if (in->org_code && (rc = ctx_org_id(c, in->org_code, &org_id, err)))
        return rc;
    if (!in->org_code && c->scope_org_id) /* a user of the whole tree sees beyond the caller */
        return error(err, ERR_INVALID,
                     "org unit is missing: a user of the whole tree needs an "
                     "administrator of the whole tree"),
               err_field(err, "org");
    if (!pw) {
        auth_onetime_password(onetime);
        pw = onetime;
    }
    if ((rc = auth_password_hash(pw, hash, err)))
        return rc;
    if ((rc = store_begin(c->db, err)))
        return rc;
    struct store_stmt *st = store_q(c->db, Q_USER_INSERT);
    store_bind_text(st, 1, in->username);
    store_bind_text(st, 2, in->display_name ? in->display_name : in->username);
    if (org_id)
        store_bind_i64(st, 3, org_id);
    else
        store_bind_null(st, 3);
    store_bind_text(st, 4, hash);
    store_bind_i64(st, 5, in->password ? 0 : 1);
    store_bind_i64(st, 6, ctx_now(c));
    rc = store_step(st, err);
    if (rc == STORE_DONE) {
        rc = error(err, ERR_CONFLICT, "user '%s' already exists", in->username);
        goto out;
    }
    if (rc < 0)
        goto out;
    id = store_col_i64(st, 0);
    store_reset(st);
    if ((rc = set_roles(c, id, in->roles, err)))
        goto out;
    struct audit_rec ar = { .action = "user.create",
                            .entity = "user",
                            .entity_key = in->username,
                            .after = user_canon(c, in, "active"),
                            .detail = in->password ? "password set" : "one-time password" };
    rc = audit_append(c, &ar, err);
out:
    rc = store_end(c->db, rc, err);
    if (!rc && !in->password && otp)
        strbuf_addstr(otp, onetime);
    return rc;
}

int user_first_admin(struct ctx *c, const struct auth_policy *pol, bool *created,
                     struct strbuf *otp, struct err *err)
{
    *created = false;
    struct store_stmt *st = store_q(c->db, Q_USER_COUNT);
    int rc = store_one(st, err);
    if (rc)
        return rc;
    int64_t n = store_col_i64(st, 0);
    store_reset(st);
    if (n > 0)
        return 0;
    struct user_in in = { .username = "admin",
                          .display_name = "系统管理员 Administrator",
                          .roles = "administrator" };
    if ((rc = user_add(c, &in, pol, otp, err)))
        return rc;
    *created = true;
    return 0;
}

static bool has_role(const char *roles, const char *code)
{
    size_t n = strlen(code);
    for (const char *p = roles ? roles : ""; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && !strncmp(p, code, n))
            return true;
        p += len + (p[len] == ',');
    }
    return false;
}

/*
 * Refuse a change that would leave no active administrator of the whole tree: nobody could
 * then manage users or the root of the org tree. `u` is the user before the change, `roles`
 * their roles after it (NULL: unchanged) and `active` their status after it. Runs inside the
 * change's transaction.
 */
static int keep_last_admin(struct ctx *c, const struct user_info *u, const char *roles, bool active,
                           struct err *err)
{
    bool admin_now =
        !strcmp(u->status, "active") && !u->org_code && has_role(u->roles, "administrator");
    bool admin_after = active && has_role(roles ? roles : u->roles, "administrator");
    if (!admin_now || admin_after)
        return 0;
    /*
     * Two such changes at once (disabling the last two administrators) must not both see the
     * other one still active: on PostgreSQL, whose READ COMMITTED would let both counts pass,
     * lock the whole-tree users first; the count, a later statement, then sees the first
     * change committed. SQLite's BEGIN IMMEDIATE has serialised the transactions already.
     */
    int rc = store_exec(store_q(c->db, Q_USER_ROOT_LOCK), err);
    if (rc)
        return rc;
    struct store_stmt *st = store_q(c->db, Q_USER_OTHER_ADMINS);
    store_bind_i64(st, 1, u->id);
    if ((rc = store_one(st, err)))
        return rc;
    int64_t others = store_col_i64(st, 0);
    store_reset(st);
#ifdef PMIS_TESTING
    ctx_test_pause("PMIS_TEST_ADMIN_PAUSE_MS"); /* t0567 holds the count open until commit */
#endif
    if (others > 0)
        return 0;
    return error(err, ERR_CONFLICT,
                 "user '%s' is the last active administrator of the whole tree: add or enable "
                 "another one first",
                 u->username);
}

static int end_sessions(struct ctx *c, int64_t user_id, int64_t keep, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_SESSION_DELETE_USER);
    store_bind_i64(st, 1, user_id);
    store_bind_i64(st, 2, keep);
    return store_exec(st, err);
}

int user_set_active(struct ctx *c, const char *username, bool active, struct err *err)
{
    struct user_info u;
    int rc = user_get(c, username, &u, err);
    if (rc)
        return rc;
    const char *status = active ? "active" : "disabled";
    if (!strcmp(u.status, status) && !u.failed_logins && !u.locked_until)
        return error(err, ERR_CONFLICT, "user '%s' is already %s", username, status);
    if ((rc = within_grant(c, &u, err)))
        return rc;
    if ((rc = store_begin(c->db, err)))
        return rc;
    if ((rc = keep_last_admin(c, &u, NULL, active, err)))
        goto out;
    struct store_stmt *st = store_q(c->db, Q_USER_SET_STATUS);
    store_bind_i64(st, 1, u.id);
    store_bind_text(st, 2, status);
    store_bind_i64(st, 3, ctx_now(c));
    if ((rc = store_exec(st, err)))
        goto out;
    if (!active && (rc = end_sessions(c, u.id, 0, err)))
        goto out;
    struct audit_rec ar = {
        .action = active ? "user.enable" : "user.disable",
        .entity = "user",
        .entity_key = username,
        .before = arena_sprintf(c->arena, "status=%s\n", u.status),
        .after = arena_sprintf(c->arena, "status=%s\n", status),
    };
    rc = audit_append(c, &ar, err);
out:
    return store_end(c->db, rc, err);
}

/* Store a new hash for user `id` and end their sessions except `keep`. */
static int store_password(struct ctx *c, int64_t id, const char *pw, bool must_change, int64_t keep,
                          struct err *err)
{
    char hash[AUTH_HASH_MAX];
    int rc = auth_password_hash(pw, hash, err);
    if (rc)
        return rc;
    struct store_stmt *st = store_q(c->db, Q_USER_SET_PASSWORD);
    store_bind_i64(st, 1, id);
    store_bind_text(st, 2, hash);
    store_bind_i64(st, 3, must_change);
    store_bind_i64(st, 4, ctx_now(c));
    if ((rc = store_exec(st, err)))
        return rc;
    return end_sessions(c, id, keep, err);
}

int user_set_password(struct ctx *c, const char *username, const char *password,
                      const struct auth_policy *pol, struct strbuf *otp, struct err *err)
{
    struct user_info u;
    char onetime[17];
    int rc = user_get(c, username, &u, err);
    if (rc || (rc = within_grant(c, &u, err)))
        return rc;
    if (password && (rc = auth_password_check(password, username, pol->password_min, err)))
        return rc;
    if (!password)
        auth_onetime_password(onetime);
    if ((rc = store_begin(c->db, err)))
        return rc;
    if ((rc = store_password(c, u.id, password ? password : onetime, !password, 0, err)))
        goto out;
    struct audit_rec ar = { .action = "user.password_reset",
                            .entity = "user",
                            .entity_key = username,
                            .detail = password ? "password set" : "one-time password" };
    rc = audit_append(c, &ar, err);
out:
    rc = store_end(c->db, rc, err);
    if (!rc && !password && otp)
        strbuf_addstr(otp, onetime);
    return rc;
}

int user_set_roles(struct ctx *c, const char *username, const char *roles, struct err *err)
{
    struct user_info u;
    int rc = user_get(c, username, &u, err);
    if (rc || (rc = within_grant(c, &u, err)))
        return rc;
    if ((rc = store_begin(c->db, err)))
        return rc;
    if ((rc = set_roles(c, u.id, roles, err)))
        goto out;
    struct user_info after;
    if ((rc = user_get(c, username, &after, err)) ||
        (rc = keep_last_admin(c, &u, after.roles, !strcmp(u.status, "active"), err)))
        goto out;
    struct audit_rec ar = { .action = "user.roles",
                            .entity = "user",
                            .entity_key = username,
                            .before = arena_sprintf(c->arena, "roles=%s\n", u.roles),
                            .after = arena_sprintf(c->arena, "roles=%s\n", after.roles),
                            .detail = arena_sprintf(c->arena, "roles=%s", after.roles) };
    rc = audit_append(c, &ar, err);
out:
    return store_end(c->db, rc, err);
}

int role_add(struct ctx *c, const char *code, const char *name_zh, const char *name_en,
             const char *perms, struct err *err)
{
    uint64_t set;
    int rc;
    if (!auth_name_ok(code, 2, 32, "_"))
        return error(err, ERR_INVALID,
                     "invalid role code '%s': 2 to 32 of a-z, 0-9 and '_', starting with a "
                     "letter or digit",
                     code ? code : ""),
               err_field(err, "code");
    if (!name_zh || !*name_zh)
        return error(err, ERR_INVALID, "role name is missing"), err_field(err, "name");
    if ((rc = auth_role_perms(perms, &set, err)) || (rc = role_grant_check(c, set, err)))
        return rc;
    if ((rc = store_begin(c->db, err)))
        return rc;
    struct store_stmt *st = store_q(c->db, Q_ROLE_INSERT);
    store_bind_text(st, 1, code);
    store_bind_text(st, 2, name_zh);
    store_bind_text(st, 3, name_en && *name_en ? name_en : name_zh);
    store_bind_i64(st, 4, ctx_now(c));
    rc = store_step(st, err);
    if (rc == STORE_DONE) {
        rc = error(err, ERR_CONFLICT, "role '%s' already exists", code);
        goto out;
    }
    if (rc < 0)
        goto out;
    int64_t id = store_col_i64(st, 0);
    store_reset(st);
    if ((rc = auth_role_set_perms(c, id, set, err)))
        goto out;
    struct strbuf sb = STRBUF_INIT;
    perm_set_format(set, &sb);
    struct audit_rec ar = { .action = "role.create",
                            .entity = "role",
                            .entity_key = code,
                            .after = arena_sprintf(c->arena, "code=%s\nperms=%s\n", code, sb.buf),
                            .detail = arena_sprintf(c->arena, "perms=%s", sb.buf) };
    strbuf_release(&sb);
    rc = audit_append(c, &ar, err);
out:
    return store_end(c->db, rc, err);
}
