/*
 * The users of the caller's subtree, filtered (name prefix, org subtree, status) and paged by
 * user name (keyset) in SQL: `pmis user list` takes them all, GET /api/v1/users one page.
 */
#include "core/common.h"
#include "domain/auth_int.h"

void auth_user_read(struct ctx *c, struct store_stmt *st, struct user_info *u)
{
    u->id = store_col_i64(st, 0);
    u->username = ctx_col_text(c, st, 1);
    u->display_name = ctx_col_text(c, st, 2);
    u->org_code = ctx_col_text(c, st, 3);
    u->status = ctx_col_text(c, st, 4);
    u->must_change = store_col_i64(st, 5) != 0;
    u->failed_logins = store_col_i64(st, 6);
    u->locked_until = store_col_i64(st, 7);
    u->created_at = store_col_i64(st, 8);
    u->roles = ctx_col_text(c, st, 9);
}

int user_list(struct ctx *c, const struct user_filter *f, user_fn *fn, void *arg, const char **next,
              struct err *err)
{
    static const struct user_filter all = { 0 };
    int64_t org_id = 0;
    int rc;
    if (next)
        *next = NULL;
    if (!f)
        f = &all;
    if (f->status && strcmp(f->status, "active") && strcmp(f->status, "disabled"))
        return error(err, ERR_INVALID, "invalid status '%s': active or disabled", f->status),
               err_field(err, "status");
    if (f->after && !auth_name_ok(f->after, USER_NAME_MIN, USER_NAME_MAX, USER_NAME_EXTRA))
        return error(err, ERR_INVALID, "invalid cursor '%s': a user name", f->after),
               err_field(err, "after");
    if (f->org_code && (rc = ctx_org_id(c, f->org_code, &org_id, err)))
        return err_field(err, "org");

    struct store_stmt *st = store_q(c->db, Q_USER_LIST);
    ctx_bind_scope(c, st, 1);
    if (org_id)
        store_bind_i64(st, 2, org_id);
    else
        store_bind_null(st, 2);
    store_bind_text(st, 3, f->prefix && *f->prefix ? f->prefix : NULL);
    store_bind_text(st, 4, f->status);
    store_bind_text(st, 5, f->after ? f->after : "");
    /* one more than a page tells whether another follows */
    store_bind_i64(st, 6, f->limit > 0 ? f->limit + 1 : INT64_MAX);
    int64_t n = 0;
    const char *last = NULL;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (f->limit > 0 && n == f->limit) {
            if (next)
                *next = last;
            store_reset(st);
            return 0;
        }
        struct user_info u;
        auth_user_read(c, st, &u);
        last = u.username;
        n++;
        if ((rc = fn(arg, &u))) {
            store_reset(st);
            return rc;
        }
    }
    return rc;
}
