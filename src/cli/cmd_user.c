/*
 * pmis user add|list|disable|enable|passwd|roles, pmis role add|list, pmis token add|list|revoke:
 * the accounts people and integrations use to reach `pmis serve`. Thin: the rules live in
 * domain/auth*.c. Generated passwords and tokens are printed once and never stored.
 */
#include "core/common.h"
#include "core/date.h"
#include "cli/cli.h"
#include "domain/auth.h"

void cli_auth_policy(struct cli *cli, struct auth_policy *p)
{
    const int64_t s = 1000000;
    p->idle_us = cfg_int(&cli->cfg, CFG_AUTH_SESSION_IDLE) * s;
    p->absolute_us = cfg_int(&cli->cfg, CFG_AUTH_SESSION_ABSOLUTE) * s;
    p->lockout_after = cfg_int(&cli->cfg, CFG_AUTH_LOCKOUT_AFTER);
    p->lockout_base_us = cfg_int(&cli->cfg, CFG_AUTH_LOCKOUT_BASE) * s;
    p->lockout_max_us = cfg_int(&cli->cfg, CFG_AUTH_LOCKOUT_MAX) * s;
    p->password_min = cfg_int(&cli->cfg, CFG_AUTH_PASSWORD_MIN);
}

/* A password from standard input (first line, without its newline). */
static int read_password(struct cli *cli, char *buf, size_t size)
{
    if (!fgets(buf, (int)size, stdin))
        return error(&cli->err, ERR_INVALID, "no password on standard input");
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static void print_otp(struct cli *cli, const char *user, const struct strbuf *otp)
{
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "username", json_string(user));
        json_object_set_new(o, "one_time_password", otp->len ? json_string(otp->buf) : json_null());
        cli_json_out(o);
    } else if (otp->len) {
        printf("user %s: one-time password %s\n"
               "(must be changed at the first login / 首次登录须修改密码)\n",
               user, otp->buf);
    } else {
        printf("user %s: password set\n", user);
    }
}

int cmd_user_add(struct cli *cli, int argc, char **argv)
{
    struct user_in in = { 0 };
    bool all_orgs = false, pw_stdin = false;
    const struct opt_spec specs[] = {
        { "name", OPT_STR, &in.display_name, "NAME", "display name, e.g. 张三" },
        { "org", OPT_STR, &in.org_code, "CODE", "org unit: the user sees its subtree" },
        { "all-orgs", OPT_BOOL, &all_orgs, NULL, "the user sees the whole tree" },
        { "roles", OPT_STR, &in.roles, "R,R", "roles (pmis role list), comma-separated" },
        { "password-stdin", OPT_BOOL, &pw_stdin, NULL,
          "read the password from standard input (default: a one-time password)" },
        OPT_SPEC_END,
    };
    cli->usage = "USERNAME (--org CODE | --all-orgs) --roles ROLE[,ROLE] [--name NAME]";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    if (!in.org_code == !all_orgs)
        return error(&cli->err, ERR_USAGE, "give exactly one of --org CODE and --all-orgs");
    if (!in.roles)
        return error(&cli->err, ERR_USAGE, "--%s is required", "roles");
    char pw[256];
    if (pw_stdin) {
        if ((rc = read_password(cli, pw, sizeof(pw))))
            return rc;
        in.password = pw;
    }
    in.username = argv[0];
    struct auth_policy pol;
    cli_auth_policy(cli, &pol);
    struct strbuf otp = STRBUF_INIT;
    if (!(rc = user_add(&cli->ctx, &in, &pol, &otp, &cli->err)))
        print_otp(cli, in.username, &otp);
    strbuf_release(&otp);
    return rc;
}

static int user_row(void *arg, const struct user_info *u)
{
    struct cli_list *l = arg;
    if (l->cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "username", json_string(u->username));
        json_object_set_new(o, "display_name", json_string(u->display_name));
        json_object_set_new(o, "org", cli_json_str(u->org_code));
        json_object_set_new(o, "roles", json_string(u->roles));
        json_object_set_new(o, "status", json_string(u->status));
        json_object_set_new(o, "must_change_password", json_boolean(u->must_change));
        json_object_set_new(o, "failed_logins", json_integer(u->failed_logins));
        json_array_append_new(l->items, o);
    } else {
        printf("%-16s %-8s %-12s %-28s %s\n", u->username, u->status,
               u->org_code ? u->org_code : "*", u->roles, u->display_name);
    }
    return 0;
}

/* The filters and keyset pages of GET /users through the same user_list (and its checks). */
int cmd_user_list(struct cli *cli, int argc, char **argv)
{
    struct user_filter f = { 0 };
    const char *limit_s = NULL; /* not given: every user */
    const struct opt_spec specs[] = {
        { "name", OPT_STR, &f.prefix, "PREFIX", "user or display names starting with it" },
        { "org", OPT_STR, &f.org_code, "CODE", "only this org unit's subtree" },
        { "status", OPT_STR, &f.status, "STATUS", "active|disabled" },
        { "after", OPT_STR, &f.after, "NAME", "next page: the users after this name" },
        { "limit", OPT_STR, &limit_s, "N", "at most N users, 1-1000 (default all)" },
        OPT_SPEC_END,
    };
    cli->usage =
        "[--name PREFIX] [--org CODE] [--status active|disabled] [--after NAME]"
        " [--limit N]\n\nThe users by name, with the filters and pages of GET /api/v1/users;"
        " a full page ends\nwith the cursor of the next one (on stderr).";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    if (limit_s) {
        if ((rc = cli_int_option(cli, "limit", limit_s, &f.limit)))
            return rc;
        if (f.limit < 1 || f.limit > 1000)
            return error(&cli->err, ERR_USAGE, "--limit must be 1-1000, not %" PRId64, f.limit);
    }
    struct cli_list l = CLI_LIST_INIT(cli);
    const char *next = NULL;
    rc = cli_list_end(&l, user_list(&cli->ctx, &f, user_row, &l, &next, &cli->err));
    if (!rc && next)
        fprintf(stderr, "more: --after %s\n", next);
    return rc;
}

static int set_active(struct cli *cli, int argc, char **argv, bool active)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "USERNAME";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc || (rc = user_set_active(&cli->ctx, argv[0], active, &cli->err)))
        return rc;
    if (!cli->json)
        printf("user %s %s\n", argv[0], active ? "enabled" : "disabled");
    return 0;
}

int cmd_user_disable(struct cli *cli, int argc, char **argv)
{
    return set_active(cli, argc, argv, false);
}

int cmd_user_enable(struct cli *cli, int argc, char **argv)
{
    return set_active(cli, argc, argv, true);
}

int cmd_user_passwd(struct cli *cli, int argc, char **argv)
{
    bool pw_stdin = false;
    const struct opt_spec specs[] = {
        { "password-stdin", OPT_BOOL, &pw_stdin, NULL,
          "read the new password from standard input (default: a one-time password)" },
        OPT_SPEC_END,
    };
    cli->usage = "USERNAME [--password-stdin]\n\nReset a user's password; the user's sessions end.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    char pw[256];
    if (pw_stdin && (rc = read_password(cli, pw, sizeof(pw))))
        return rc;
    struct auth_policy pol;
    cli_auth_policy(cli, &pol);
    struct strbuf otp = STRBUF_INIT;
    if (!(rc = user_set_password(&cli->ctx, argv[0], pw_stdin ? pw : NULL, &pol, &otp, &cli->err)))
        print_otp(cli, argv[0], &otp);
    strbuf_release(&otp);
    return rc;
}

int cmd_user_roles(struct cli *cli, int argc, char **argv)
{
    const char *set = NULL;
    const struct opt_spec specs[] = {
        { "set", OPT_STR, &set, "R,R", "replace the user's roles" },
        OPT_SPEC_END,
    };
    cli->usage = "USERNAME [--set ROLE[,ROLE]]";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    if (set && (rc = user_set_roles(&cli->ctx, argv[0], set, &cli->err)))
        return rc;
    struct user_info u;
    if ((rc = user_get(&cli->ctx, argv[0], &u, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "username", json_string(u.username));
        json_object_set_new(o, "roles", json_string(u.roles));
        cli_json_out(o);
    } else {
        printf("%s\n", u.roles);
    }
    return 0;
}

int cmd_role_add(struct cli *cli, int argc, char **argv)
{
    const char *name = NULL, *name_en = NULL, *perms = NULL;
    const struct opt_spec specs[] = {
        { "name", OPT_STR, &name, "NAME", "Chinese name, e.g. 稽查员" },
        { "name-en", OPT_STR, &name_en, "NAME", "English name" },
        { "perms", OPT_STR, &perms, "P,P", "permissions, e.g. customer:read,bill:read" },
        OPT_SPEC_END,
    };
    cli->usage = "CODE --name NAME --perms PERM[,PERM] [--name-en NAME]";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc || (rc = role_add(&cli->ctx, argv[0], name, name_en, perms, &cli->err)))
        return rc;
    if (!cli->json)
        printf("added role %s\n", argv[0]);
    return 0;
}

static int role_row(void *arg, const struct role_info *r)
{
    struct cli_list *l = arg;
    struct strbuf sb = STRBUF_INIT;
    perm_set_format(r->perms, &sb);
    if (l->cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(r->code));
        json_object_set_new(o, "name_zh", json_string(r->name_zh));
        json_object_set_new(o, "name_en", json_string(r->name_en));
        json_object_set_new(o, "builtin", json_boolean(r->builtin));
        json_object_set_new(o, "permissions", json_string(sb.buf));
        json_array_append_new(l->items, o);
    } else {
        printf("%-16s %-8s %s (%s)\n    %s\n", r->code, r->builtin ? "built-in" : "custom",
               r->name_zh, r->name_en, sb.buf);
    }
    strbuf_release(&sb);
    return 0;
}

int cmd_role_list(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct cli_list l = CLI_LIST_INIT(cli);
    return cli_list_end(&l, role_list(&cli->ctx, role_row, &l, &cli->err));
}

int cmd_token_add(struct cli *cli, int argc, char **argv)
{
    struct token_in in = { .days = 90 };
    const struct opt_spec specs[] = {
        { "user", OPT_STR, &in.username, "USERNAME", "owner: the token acts for this user" },
        { "perms", OPT_STR, &in.perms, "P,P", "permissions, a subset of the owner's ('*': all)" },
        { "org", OPT_STR, &in.org_code, "CODE", "org subtree (default: the owner's)" },
        { "days", OPT_INT, &in.days, "N", "validity in days (default 90)" },
        OPT_SPEC_END,
    };
    cli->usage = "NAME --user USERNAME --perms PERM[,PERM] [--org CODE] [--days N]";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    if (!in.username || !in.perms)
        return error(&cli->err, ERR_USAGE, "--user and --perms are required");
    in.name = argv[0];
    struct strbuf tok = STRBUF_INIT;
    if (!(rc = token_add(&cli->ctx, &in, &tok, &cli->err))) {
        if (cli->json) {
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(in.name));
            json_object_set_new(o, "token", json_string(tok.buf));
            cli_json_out(o);
        } else {
            printf("%s\n", tok.buf);
            fprintf(stderr, "token %s: shown once, keep it secret (Authorization: Bearer ...)\n",
                    in.name);
        }
    }
    strbuf_release(&tok);
    return rc;
}

static json_t *time_json(int64_t us)
{
    char b[INSTANT_BUF_SIZE];
    return us ? json_string(instant_format(us, b)) : json_null();
}

static int token_row(void *arg, const struct token_info *t)
{
    struct cli_list *l = arg;
    if (l->cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(t->name));
        json_object_set_new(o, "user", json_string(t->username));
        json_object_set_new(o, "permissions", json_string(t->perms));
        json_object_set_new(o, "org", cli_json_str(t->org_code));
        json_object_set_new(o, "expires_at", time_json(t->expires_at));
        json_object_set_new(o, "revoked_at", time_json(t->revoked_at));
        json_object_set_new(o, "last_used_at", time_json(t->last_used_at));
        json_array_append_new(l->items, o);
    } else {
        char b[INSTANT_BUF_SIZE];
        printf("%-20s %-12s %-8s %s %s\n", t->name, t->username,
               t->revoked_at ? "revoked" : "active", instant_format(t->expires_at, b), t->perms);
    }
    return 0;
}

int cmd_token_list(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct cli_list l = CLI_LIST_INIT(cli);
    return cli_list_end(&l, token_list(&cli->ctx, token_row, &l, &cli->err));
}

int cmd_token_revoke(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "NAME";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc || (rc = token_revoke(&cli->ctx, argv[0], &cli->err)))
        return rc;
    if (!cli->json)
        printf("token %s revoked\n", argv[0]);
    return 0;
}
