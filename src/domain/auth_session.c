/*
 * Logins and sessions (API tokens: auth_token.c). A login checks the password (Argon2id;
 * unknown users are checked against a dummy hash so they take as long), counts failures
 * towards an exponential lockout, and stores a session whose token only the client holds.
 * Session checks run on every request, so they read one row and write at most once a minute.
 */
#include "core/common.h"
#include "domain/audit.h"
#include "domain/auth_int.h"

#include <pthread.h>

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[AUTH_HASH_MAX];

static void dummy_make(void)
{
    char pw[65];
    auth_random_hex(pw, 32);
    if (auth_password_hash(pw, dummy_hash, NULL))
        dummy_hash[0] = '\0';
}

/* Audit a failed login (or approval: `action`, by `actor`) in its own transaction, so that it
 * survives the failure, and count it towards the user's lockout. */
static int auth_failed(struct ctx *c, const char *action, const char *actor, const char *username,
                       int64_t user_id, int64_t failures, int64_t locked_until, const char *why,
                       int64_t org_id, struct err *err)
{
    int rc = store_begin(c->db, err);
    if (rc)
        return rc;
    if (user_id) {
        struct store_stmt *st = store_q(c->db, Q_USER_FAILED);
        store_bind_i64(st, 1, user_id);
        store_bind_i64(st, 2, failures);
        store_bind_i64(st, 3, locked_until);
        if ((rc = store_exec(st, err)))
            goto out;
    }
    const char *saved = c->actor;
    struct audit_rec ar = {
        .action = action,
        .entity = "user",
        .entity_key = username,
        .detail = locked_until
                      ? arena_sprintf(c->arena, "%s; failures=%" PRId64 "; locked", why, failures)
                      : arena_sprintf(c->arena, "%s; failures=%" PRId64, why, failures),
    };
    c->actor = actor;
    rc = audit_append_org(c, &ar, org_id, err); /* the user's: their subtree's auditors see it */
    c->actor = saved;
out:
    return store_end(c->db, rc, err);
}

static int login_failed(struct ctx *c, const char *username, int64_t user_id, int64_t failures,
                        int64_t locked_until, const char *why, int64_t org_id, struct err *err)
{
    return auth_failed(c, "auth.login_failed", "anonymous", username, user_id, failures,
                       locked_until, why, org_id, err);
}

static int bad_login(struct err *err)
{
    return error(err, ERR_UNAUTHENTICATED, "invalid user name or password");
}

int auth_login(struct ctx *c, const struct auth_policy *pol, const char *username,
               const char *password, struct auth_login_out *out, struct err *err)
{
    struct user_info u;
    const char *hash = NULL;
    int64_t org_id = 0, now = ctx_now(c);
    struct err ignore = ERR_INIT;
    char key[65];
    int rc;

    memset(out, 0, sizeof(*out));
    pthread_once(&dummy_once, dummy_make);
    /* an audit key longer than any user name is cut: it is attacker-chosen text */
    if (strlen(username) > 64)
        key[0] = '\0', snprintf(key, sizeof(key), "%.60s...", username);
    else
        snprintf(key, sizeof(key), "%s", username);
    rc = auth_user_load(c, username, &u, &hash, &org_id, &ignore);
    if (rc == ERR_NOT_FOUND) {
        auth_password_verify(dummy_hash, password);
        if ((rc = login_failed(c, key, 0, 0, 0, "unknown user", 0, err)))
            return rc;
        return bad_login(err);
    }
    if (rc) {
        if (err)
            *err = ignore; /* both languages */
        return rc;
    }
    if (u.locked_until > now) {
        int64_t wait = (u.locked_until - now + 999999) / 1000000;
        if ((rc = login_failed(c, key, u.id, u.failed_logins, u.locked_until, "locked", org_id,
                               err)))
            return rc;
        out->retry_after = wait;
        return error(err, ERR_RATE_LIMITED,
                     "too many failed logins: try again in %" PRId64 " s", wait);
    }
    bool ok = auth_password_verify(hash, password);
    if (!ok || strcmp(u.status, "active")) {
        int64_t failures = u.failed_logins + (ok ? 0 : 1);
        int64_t lock = ok ? 0 : auth_lockout_us(pol, failures);
        if ((rc = login_failed(c, key, u.id, failures, lock ? now + lock : 0,
                               ok ? "user disabled" : "wrong password", org_id, err)))
            return rc;
        return bad_login(err);
    }

    char token[65], csrf[65], th[DIGEST_HEX_LEN + 1];
    auth_random_hex(token, 32);
    auth_random_hex(csrf, 32);
    auth_secret_hash(token, th);
    if ((rc = store_begin(c->db, err)))
        return rc;
    struct store_stmt *st;
    if (u.failed_logins || u.locked_until) {
        st = store_q(c->db, Q_USER_FAILED);
        store_bind_i64(st, 1, u.id);
        store_bind_i64(st, 2, 0);
        store_bind_i64(st, 3, 0);
        if ((rc = store_exec(st, err)))
            goto out;
    }
    st = store_q(c->db, Q_SESSION_INSERT);
    store_bind_text(st, 1, th);
    store_bind_i64(st, 2, u.id);
    store_bind_text(st, 3, csrf);
    store_bind_i64(st, 4, now);
    store_bind_i64(st, 5, now + pol->absolute_us);
    if ((rc = store_one(st, err)))
        goto out;
    struct principal *p = &out->p;
    p->session_id = store_col_i64(st, 0);
    store_reset(st);
    p->user_id = u.id;
    p->username = u.username;
    p->display_name = u.display_name;
    p->org_id = org_id;
    p->org_code = u.org_code;
    p->must_change = u.must_change;
    p->csrf = arena_strdup(c->arena, csrf);
    p->expires_at = now + pol->absolute_us;
    if ((rc = auth_user_perms(c, u.id, &p->perms, err)))
        goto out;
    const char *saved = c->actor;
    c->actor = u.username;
    struct audit_rec ar = { .action = "auth.login",
                            .entity = "user",
                            .entity_key = u.username,
                            .detail = arena_sprintf(c->arena, "session=%" PRId64, p->session_id) };
    rc = audit_append_org(c, &ar, org_id, err);
    c->actor = saved;
out:
    if ((rc = store_end(c->db, rc, err)))
        return rc;
    memcpy(out->token, token, sizeof(out->token));
    return 0;
}

/* A user name as an audit key: attacker-chosen text, cut when longer than any user name. */
static void audit_key(const char *username, char key[65])
{
    if (strlen(username) > 64)
        snprintf(key, 65, "%.60s...", username);
    else
        snprintf(key, 65, "%s", username);
}

static int approval_refused(struct err *err, const char *approver, int perm)
{
    return error(err, ERR_FORBIDDEN,
                 "approval by '%s' refused: unknown or disabled user, wrong password, or no "
                 "permission '%s'",
                 approver, perm_name(perm)),
           err_field(err, "approver");
}

int auth_approve(struct ctx *c, const struct auth_policy *pol, const char *approver,
                 const char *password, int perm, const char *what, struct err *err)
{
    struct user_info u;
    const char *hash = NULL;
    int64_t org_id = 0, now = ctx_now(c);
    uint64_t perms = 0;
    struct err ignore = ERR_INIT;
    char key[65];
    int rc;

    if (!approver || !*approver)
        return error(err, ERR_INVALID, "field '%s' is missing", "approver"),
               err_field(err, "approver");
    if (!password || !*password)
        return error(err, ERR_INVALID, "field '%s' is missing", "approver_password"),
               err_field(err, "approver_password");
    if (c->actor && !strcmp(approver, c->actor))
        return error(err, ERR_INVALID, "the approver must be someone else than %s",
                     c->actor),
               err_field(err, "approver");
    pthread_once(&dummy_once, dummy_make);
    audit_key(approver, key);
    const char *detail = arena_sprintf(c->arena, "approval of %s", what);
    rc = auth_user_load(c, approver, &u, &hash, &org_id, &ignore);
    if (rc == ERR_NOT_FOUND) {
        auth_password_verify(dummy_hash, password);
        if ((rc = auth_failed(c, "auth.approve_failed", c->actor, key, 0, 0, 0,
                              arena_sprintf(c->arena, "%s: unknown user", detail), 0, err)))
            return rc;
        return approval_refused(err, key, perm);
    }
    if (rc) {
        if (err)
            *err = ignore; /* both languages */
        return rc;
    }
    if (u.locked_until > now) {
        int64_t wait = (u.locked_until - now + 999999) / 1000000;
        if ((rc = auth_failed(c, "auth.approve_failed", c->actor, key, u.id, u.failed_logins,
                              u.locked_until, arena_sprintf(c->arena, "%s: locked", detail), org_id,
                              err)))
            return rc;
        return error(err, ERR_RATE_LIMITED,
                     "approver '%s' is locked after failed passwords: try again in %" PRId64
                     " s",
                     key, wait);
    }
    bool ok = auth_password_verify(hash, password);
    bool active = !strcmp(u.status, "active");
    if (ok && active && (rc = auth_user_perms(c, u.id, &perms, err)))
        return rc;
    if (!ok || !active || !(perms & PERM_BIT(perm))) {
        int64_t failures = u.failed_logins + (ok ? 0 : 1);
        int64_t lock = ok ? 0 : auth_lockout_us(pol, failures);
        const char *why = !ok ? "wrong password" : !active ? "user disabled" : "no permission";
        if ((rc = auth_failed(c, "auth.approve_failed", c->actor, key, u.id, failures,
                              lock ? now + lock : 0, arena_sprintf(c->arena, "%s: %s", detail, why),
                              org_id, err)))
            return rc;
        return approval_refused(err, key, perm);
    }
    if (u.failed_logins) { /* a right password ends a run of failures, as a login does */
        struct store_stmt *st = store_q(c->db, Q_USER_FAILED);
        store_bind_i64(st, 1, u.id);
        store_bind_i64(st, 2, 0);
        store_bind_i64(st, 3, 0);
        if ((rc = store_exec(st, err)))
            return rc;
    }
    ctx_approval_note(c, perm, approver);
    return 0;
}

int auth_approver_check(struct ctx *c, const char *approver, int perm, const char *field,
                        struct err *err)
{
    struct user_info u;
    uint64_t perms = 0;
    struct err ignore = ERR_INIT;
    if (ctx_approval_noted(c, perm, approver)) /* the API's auth_approve, in this request */
        return 0;
    int rc = auth_user_load(c, approver, &u, NULL, NULL, &ignore);
    if (rc == ERR_NOT_FOUND)
        return error(err, ERR_INVALID, "approver '%s' is not a user", approver),
               err_field(err, field);
    if (rc) {
        if (err)
            *err = ignore;
        return rc;
    }
    if (strcmp(u.status, "active"))
        return error(err, ERR_FORBIDDEN, "approver '%s' is disabled", approver),
               err_field(err, field);
    if ((rc = auth_user_perms(c, u.id, &perms, err)))
        return rc;
    if (!(perms & PERM_BIT(perm)))
        return error(err, ERR_FORBIDDEN, "approver '%s' lacks the permission '%s'", approver,
                     perm_name(perm)),
               err_field(err, field);
    return 0;
}

int auth_session_check(struct ctx *c, const struct auth_policy *pol, const char *token,
                       struct principal *out, struct err *err)
{
    char th[DIGEST_HEX_LEN + 1];
    int64_t now = ctx_now(c);
    memset(out, 0, sizeof(*out));
    if (!auth_session_format_ok(token))
        return error(err, ERR_UNAUTHENTICATED, "invalid session: log in again");
    auth_secret_hash(token, th);
    struct store_stmt *st = store_q(c->db, Q_SESSION_GET);
    store_bind_text(st, 1, th);
    int rc = store_one(st, err);
    if (rc == ERR_NOT_FOUND)
        return error(err, ERR_UNAUTHENTICATED, "no such session: log in again");
    if (rc)
        return rc;
    out->session_id = store_col_i64(st, 0);
    out->user_id = store_col_i64(st, 1);
    out->csrf = ctx_col_text(c, st, 2);
    int64_t last_seen = store_col_i64(st, 3);
    out->expires_at = store_col_i64(st, 4);
    out->username = ctx_col_text(c, st, 5);
    out->display_name = ctx_col_text(c, st, 6);
    out->org_id = store_col_i64(st, 7);
    out->org_code = ctx_col_text(c, st, 8);
    bool active = !strcmp(store_col_text(st, 9), "active");
    out->must_change = store_col_i64(st, 10) != 0;
    out->perms = auth_perms_from(store_col_i64(st, 11), store_col_text(st, 12));
    store_reset(st);
    bool expired = now >= out->expires_at || now - last_seen >= pol->idle_us;
    if (expired || !active) {
        st = store_q(c->db, Q_SESSION_DELETE);
        store_bind_i64(st, 1, out->session_id);
        if ((rc = store_exec(st, err)))
            return rc;
        if (expired)
            return error(err, ERR_UNAUTHENTICATED, "session expired: log in again");
        return error(err, ERR_UNAUTHENTICATED, "user disabled: log in again");
    }
    if (now - last_seen >= TOUCH_EVERY_US) {
        st = store_q(c->db, Q_SESSION_TOUCH);
        store_bind_i64(st, 1, out->session_id);
        store_bind_i64(st, 2, now);
        if ((rc = store_exec(st, err)))
            return rc;
    }
    return 0;
}

int auth_logout(struct ctx *c, const struct principal *p, struct err *err)
{
    if (!p->session_id)
        return error(err, ERR_INVALID, "an API token has no session to end");
    int rc = store_begin(c->db, err);
    if (rc)
        return rc;
    struct store_stmt *st = store_q(c->db, Q_SESSION_DELETE);
    store_bind_i64(st, 1, p->session_id);
    if ((rc = store_exec(st, err)))
        goto out;
    struct audit_rec ar = { .action = "auth.logout",
                            .entity = "user",
                            .entity_key = p->username,
                            .detail = arena_sprintf(c->arena, "session=%" PRId64, p->session_id) };
    rc = audit_append(c, &ar, err);
out:
    return store_end(c->db, rc, err);
}

int auth_change_password(struct ctx *c, const struct auth_policy *pol, const struct principal *p,
                         const char *old, const char *new_pw, int64_t *retry_after, struct err *err)
{
    struct user_info u;
    const char *hash;
    char h[AUTH_HASH_MAX];
    int64_t now = ctx_now(c);
    *retry_after = 0;
    int rc = auth_user_load(c, p->username, &u, &hash, NULL, err);
    if (rc)
        return rc;
    /* the old password is a password guess like a login's: locked out alike, counted alike */
    if (u.locked_until > now) {
        *retry_after = (u.locked_until - now + 999999) / 1000000;
        if ((rc = auth_failed(c, "auth.login_failed", c->actor, p->username, u.id, u.failed_logins,
                              u.locked_until, "password change while locked", p->org_id, err)))
            return rc;
        return error(err, ERR_RATE_LIMITED,
                     "too many wrong passwords: try again in %" PRId64 " s", *retry_after);
    }
    if (!auth_password_verify(hash, old)) {
        int64_t failures = u.failed_logins + 1, lock = auth_lockout_us(pol, failures);
        if ((rc = auth_failed(c, "auth.login_failed", c->actor, p->username, u.id, failures,
                              lock ? now + lock : 0, "wrong old password (password change)",
                              p->org_id, err)))
            return rc;
        return error(err, ERR_FORBIDDEN, "the current password is wrong"),
               err_field(err, "old_password");
    }
    if ((rc = auth_password_check(new_pw, p->username, pol->password_min, err)))
        return err_field(err, "new_password");
    if (!strcmp(old, new_pw))
        return error(err, ERR_INVALID, "the new password must differ from the current one"),
               err_field(err, "new_password");
    if ((rc = auth_password_hash(new_pw, h, err)))
        return rc;
    if ((rc = store_begin(c->db, err)))
        return rc;
    struct store_stmt *st = store_q(c->db, Q_USER_SET_PASSWORD);
    store_bind_i64(st, 1, u.id);
    store_bind_text(st, 2, h);
    store_bind_i64(st, 3, 0);
    store_bind_i64(st, 4, ctx_now(c));
    if ((rc = store_exec(st, err)))
        goto out;
    st = store_q(c->db, Q_SESSION_DELETE_USER);
    store_bind_i64(st, 1, u.id);
    store_bind_i64(st, 2, p->session_id);
    if ((rc = store_exec(st, err)))
        goto out;
    struct audit_rec ar = { .action = "auth.password_change",
                            .entity = "user",
                            .entity_key = p->username,
                            .detail = u.must_change ? "one-time password replaced" : NULL };
    rc = audit_append(c, &ar, err);
out:
    return store_end(c->db, rc, err);
}
