/*
 * Users, roles and API tokens over HTTP (user:admin): create a user (a one-time password shown
 * once) and list the users of the caller's subtree (keyset pages by name, filtered), disable or
 * enable one, replace its roles; list the roles, create, change and delete custom ones; create
 * (the secret shown once), list and revoke tokens. Create and change replies read their one row
 * back (user_get, role_get, token_get). The domain (auth_user*.c, auth_role.c, auth_token.c)
 * scopes everything to the caller's subtree — a user or token of another subtree is 404 like a
 * missing one — audits each change and keeps the last active administrator of the whole tree.
 */
#include "core/common.h"
#include "core/vec.h"
#include "api/api.h"

static json_t *user_json(const struct user_info *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "username", json_string(u->username));
    json_object_set_new(o, "display_name", json_string(u->display_name));
    json_object_set_new(o, "org", api_json_str(u->org_code));
    json_object_set_new(o, "roles", json_string(u->roles));
    json_object_set_new(o, "status", json_string(u->status));
    json_object_set_new(o, "must_change_password", json_boolean(u->must_change));
    json_object_set_new(o, "failed_logins", json_integer(u->failed_logins));
    json_object_set_new(o, "locked_until", api_json_time(u->locked_until));
    json_object_set_new(o, "created_at", api_json_time(u->created_at));
    return o;
}

static int user_item(void *arg, const struct user_info *u)
{
    json_array_append_new(arg, user_json(u));
    return 0;
}

/* Reply with `items` under "items", or drop it and return rc. */
static int list_reply(struct api_req *r, json_t *items, int rc)
{
    if (rc) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:o}", "items", items));
}

/* GET /users?name=&org=&status=&after=&limit=: one page of the caller's subtree, by name */
int api_user_list(struct api_req *r)
{
    struct user_filter f = { .prefix = api_query(r, "name"), .org_code = api_query(r, "org"),
                             .status = api_query(r, "status"), .after = api_query(r, "after") };
    const char *next = NULL;
    int rc = api_query_int(r, "limit", 1, 1000, 50, &f.limit);
    if (rc)
        return rc;
    json_t *items = json_array();
    if ((rc = user_list(&r->ctx, &f, user_item, items, &next, &r->err))) {
        json_decref(items);
        return rc;
    }
    return api_reply(r, 200, json_pack("{s:o,s:o}", "items", items, "next", api_json_str(next)));
}

static int user_reply(struct api_req *r, const char *username)
{
    struct user_info u;
    int rc = user_get(&r->ctx, username, &u, &r->err);
    return rc ? rc : api_reply(r, 200, user_json(&u));
}

static int set_active(struct api_req *r, bool active)
{
    static const char *const none[] = { NULL };
    const char *name = api_param(r, "id");
    int rc;
    if ((rc = api_body_only(r, none)) || (rc = user_set_active(&r->ctx, name, active, &r->err)))
        return rc;
    return user_reply(r, name);
}

int api_user_disable(struct api_req *r)
{
    return set_active(r, false);
}

int api_user_enable(struct api_req *r)
{
    return set_active(r, true);
}

int api_user_roles(struct api_req *r)
{
    static const char *const known[] = { "roles", NULL };
    const char *name = api_param(r, "id"), *roles;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "roles", true, &roles)) ||
        (rc = user_set_roles(&r->ctx, name, roles, &r->err)))
        return rc;
    return user_reply(r, name);
}

/* POST /users/{name}/password {}: an administrator's reset (as `pmis user passwd`) — always a
 * one-time password, shown once, that the user must change at the next login; the user's
 * sessions end. The domain refuses a user stronger than the caller (403). */
int api_user_password(struct api_req *r)
{
    static const char *const none[] = { NULL };
    const char *name = api_param(r, "id");
    struct strbuf otp = STRBUF_INIT;
    struct user_info u;
    int rc;
    if (!(rc = api_body_only(r, none)) &&
        !(rc = user_set_password(&r->ctx, name, NULL, &r->cfg->policy, &otp, &r->err)) &&
        !(rc = user_get(&r->ctx, name, &u, &r->err))) {
        json_t *o = user_json(&u);
        json_object_set_new(o, "one_time_password", json_string(otp.buf));
        rc = api_reply(r, 200, o);
    }
    strbuf_release(&otp);
    return rc;
}

int api_user_create(struct api_req *r)
{
    static const char *const known[] = { "username", "display_name", "org", "roles", NULL };
    struct user_in in = { 0 };
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "username", true, &in.username)) ||
        (rc = api_body_str(r, "display_name", false, &in.display_name)) ||
        (rc = api_body_str(r, "org", false, &in.org_code)) ||
        (rc = api_body_str(r, "roles", true, &in.roles)))
        return rc;
    struct strbuf otp = STRBUF_INIT;
    struct user_info u;
    /* always a one-time password: an administrator never chooses another person's password */
    if (!(rc = user_add(&r->ctx, &in, &r->cfg->policy, &otp, &r->err)) &&
        !(rc = user_get(&r->ctx, in.username, &u, &r->err))) {
        json_t *o = user_json(&u);
        json_object_set_new(o, "one_time_password", json_string(otp.buf));
        rc = api_reply(r, 201, o);
    }
    strbuf_release(&otp);
    return rc;
}

/* The domain names a permission list "perms" (the CLI's flag); the body calls it
 * "permissions". */
static int perms_field(struct api_req *r, int rc)
{
    if (rc && !strcmp(r->err.field, "perms"))
        err_field(&r->err, "permissions");
    return rc;
}

static json_t *role_json(const struct role_info *ro)
{
    struct strbuf sb = STRBUF_INIT;
    perm_set_format(ro->perms, &sb);
    json_t *o = json_pack("{s:s,s:s,s:s,s:b,s:s}", "code", ro->code, "name_zh", ro->name_zh,
                          "name_en", ro->name_en, "builtin", ro->builtin, "permissions", sb.buf);
    strbuf_release(&sb);
    return o;
}

static int role_item(void *arg, const struct role_info *ro)
{
    json_array_append_new(arg, role_json(ro));
    return 0;
}

/* Reply `status` with role `code` as role_list shows it. */
static int role_reply(struct api_req *r, int status, const char *code)
{
    struct role_info ro;
    int rc = role_get(&r->ctx, code, &ro, &r->err);
    return rc ? rc : api_reply(r, status, role_json(&ro));
}

int api_role_create(struct api_req *r)
{
    static const char *const known[] = { "code", "name", "name_en", "permissions", NULL };
    const char *code, *name, *name_en, *perms;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "code", true, &code)) ||
        (rc = api_body_str(r, "name", true, &name)) ||
        (rc = api_body_str(r, "name_en", false, &name_en)) ||
        (rc = api_body_str(r, "permissions", true, &perms)))
        return rc;
    if ((rc = role_add(&r->ctx, code, name, name_en, perms, &r->err)))
        return perms_field(r, rc);
    return role_reply(r, 201, code);
}

int api_role_update(struct api_req *r)
{
    static const char *const known[] = { "name", "name_en", "permissions", NULL };
    const char *code = api_param(r, "code"), *name, *name_en, *perms;
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "name", false, &name)) ||
        (rc = api_body_str(r, "name_en", false, &name_en)) ||
        (rc = api_body_str(r, "permissions", false, &perms)))
        return rc;
    if ((rc = role_update(&r->ctx, code, name, name_en, perms, &r->err)))
        return perms_field(r, rc);
    return role_reply(r, 200, code);
}

int api_role_delete(struct api_req *r)
{
    const char *code = api_param(r, "code");
    int rc = role_delete(&r->ctx, code, &r->err);
    return rc ? rc : api_reply(r, 200, json_pack("{s:s,s:s}", "code", code, "status", "deleted"));
}

int api_role_list(struct api_req *r)
{
    json_t *items = json_array();
    return list_reply(r, items, role_list(&r->ctx, role_item, items, &r->err));
}

static json_t *token_json(const struct token_info *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(t->name));
    json_object_set_new(o, "user", json_string(t->username));
    json_object_set_new(o, "permissions", json_string(t->perms));
    json_object_set_new(o, "org", api_json_str(t->org_code));
    json_object_set_new(o, "expires_at", api_json_time(t->expires_at));
    json_object_set_new(o, "revoked_at", api_json_time(t->revoked_at));
    json_object_set_new(o, "last_used_at", api_json_time(t->last_used_at));
    json_object_set_new(o, "created_at", api_json_time(t->created_at));
    return o;
}

static int token_item(void *arg, const struct token_info *t)
{
    json_array_append_new(arg, token_json(t));
    return 0;
}

int api_token_list(struct api_req *r)
{
    json_t *items = json_array();
    return list_reply(r, items, token_list(&r->ctx, token_item, items, &r->err));
}

int api_token_create(struct api_req *r)
{
    static const char *const known[] = { "name", "user", "permissions", "org", "days", NULL };
    struct token_in in = { .days = 90 };
    int rc;
    if ((rc = api_body_only(r, known)) || (rc = api_body_str(r, "name", true, &in.name)) ||
        (rc = api_body_str(r, "user", true, &in.username)) ||
        (rc = api_body_str(r, "permissions", true, &in.perms)) ||
        (rc = api_body_str(r, "org", false, &in.org_code)) ||
        (rc = api_body_int(r, "days", 1, 3650, &in.days)))
        return rc;
    struct strbuf tok = STRBUF_INIT;
    struct token_info t;
    if (!(rc = perms_field(r, token_add(&r->ctx, &in, &tok, &r->err))) &&
        !(rc = token_get(&r->ctx, in.name, &t, &r->err))) {
        json_t *o = token_json(&t);
        json_object_set_new(o, "token", json_string(tok.buf));
        rc = api_reply(r, 201, o);
    }
    strbuf_release(&tok);
    return rc;
}

int api_token_revoke(struct api_req *r)
{
    static const char *const none[] = { NULL };
    const char *name = api_param(r, "id");
    int rc;
    if ((rc = api_body_only(r, none)) || (rc = token_revoke(&r->ctx, name, &r->err)))
        return rc;
    return api_reply(r, 200, json_pack("{s:s,s:s}", "name", name, "status", "revoked"));
}
