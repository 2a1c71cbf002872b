/*
 * /api/v1/auth: login (session cookie + CSRF token), logout, who am I (with permissions and
 * roles), change password.
 * The cookie is HttpOnly and SameSite=Strict (Secure under TLS); the CSRF token travels in
 * the login reply and in /me, and comes back in the X-CSRF-Token header of every write.
 */
#include "core/common.h"
#include "api/api.h"

/* The caller as /me and the login answer it: who, permissions, role codes, how authenticated.
 * *out NULL on error. */
static int me_json(struct api_req *r, const struct principal *p, json_t **out)
{
    const char *roles;
    int rc = auth_principal_roles(&r->ctx, p, &roles, &r->err);
    *out = NULL;
    if (rc)
        return rc;
    json_t *o = json_object(), *perms = json_array(), *codes = json_array();
    for (const char *s = roles; *s; s += strcspn(s, ","), s += *s == ',')
        json_array_append_new(codes, json_stringn(s, strcspn(s, ",")));
    json_object_set_new(o, "username", json_string(p->username));
    json_object_set_new(o, "display_name", json_string(p->display_name));
    json_object_set_new(o, "org", api_json_str(p->org_code));
    for (int i = 0; i < PERM__COUNT; i++)
        if (p->perms & PERM_BIT(i))
            json_array_append_new(perms, json_string(perm_name(i)));
    json_object_set_new(o, "permissions", perms);
    json_object_set_new(o, "roles", codes);
    json_object_set_new(o, "must_change_password", json_boolean(p->must_change));
    json_object_set_new(o, "auth", json_string(p->session_id ? "session" : "token"));
    if (p->session_id)
        json_object_set_new(o, "csrf_token", json_string(p->csrf));
    else
        json_object_set_new(o, "token", json_string(p->token_name));
    json_object_set_new(o, "expires_at", api_json_time(p->expires_at));
    *out = o;
    return 0;
}

int api_auth_login(struct api_req *r)
{
    const char *user, *pw;
    int rc;
    if ((rc = api_body_str(r, "username", true, &user)) ||
        (rc = api_body_str(r, "password", true, &pw)))
        return rc;
    struct auth_login_out out;
    if ((rc = auth_login(&r->ctx, &r->cfg->policy, user, pw, &out, &r->err))) {
        r->retry_after = out.retry_after;
        return rc;
    }
    r->authed = true;
    r->who = out.p;
    r->set_cookie = arena_sprintf(
        &r->arena, "pmis_session=%s; Path=/; Max-Age=%" PRId64 "; HttpOnly; SameSite=Strict%s",
        out.token, r->cfg->policy.absolute_us / 1000000, r->tls ? "; Secure" : "");
    json_t *me;
    return (rc = me_json(r, &out.p, &me)) ? rc : api_reply(r, 200, me);
}

int api_auth_logout(struct api_req *r)
{
    int rc = auth_logout(&r->ctx, &r->who, &r->err);
    if (rc)
        return rc;
    r->set_cookie = arena_sprintf(&r->arena,
                                  "pmis_session=; Path=/; Max-Age=0; HttpOnly; "
                                  "SameSite=Strict%s",
                                  r->tls ? "; Secure" : "");
    return api_reply(r, 200, json_pack("{s:s}", "status", "logged_out"));
}

int api_auth_me(struct api_req *r)
{
    json_t *me;
    int rc = me_json(r, &r->who, &me);
    return rc ? rc : api_reply(r, 200, me);
}

int api_auth_password(struct api_req *r)
{
    const char *old, *pw;
    int rc;
    if ((rc = api_body_str(r, "old_password", true, &old)) ||
        (rc = api_body_str(r, "new_password", true, &pw)))
        return rc;
    if (!r->who.session_id)
        return error(&r->err, ERR_FORBIDDEN, "an API token cannot change a password");
    if ((rc = auth_change_password(&r->ctx, &r->cfg->policy, &r->who, old, pw, &r->retry_after,
                                   &r->err)))
        return rc;
    return api_reply(r, 200, json_pack("{s:s}", "status", "password_changed"));
}
