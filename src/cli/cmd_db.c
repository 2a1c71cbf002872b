/*
 * pmis init, db migrate, db status, config show, version.
 */
#include "core/common.h"
#include "core/keyring.h"
#include "cli/cli.h"
#include "domain/auth.h"

#define PMIS_VERSION "0.1.0"

int cmd_version(struct cli *cli, int argc, char **argv)
{
    UNUSED(argc);
    UNUSED(argv);
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "version", json_string(PMIS_VERSION));
        cli_json_out(o);
    } else {
        printf("pmis %s\n", PMIS_VERSION);
    }
    return 0;
}

int cmd_init(struct cli *cli, int argc, char **argv)
{
    bool no_admin = false;
    const struct opt_spec specs[] = {
        { "no-admin", OPT_BOOL, &no_admin, NULL,
          "do not create the first administrator (add users with 'pmis user add')" },
        OPT_SPEC_END,
    };
    cli->usage =
        "[--no-admin]\n\nCreate the personal-data key file (keys.file, mode 0600) if it does not exist,\n"
        "bring the database schema up to date, and create the first administrator 'admin'\n"
        "with a one-time password (printed once) when there is no user yet. The first data key\n"
        "uses keys.algorithm (aes-256-gcm, or sm4-ctr-hmac-sm3 for 国密).";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    const char *path = cfg_str(&cli->cfg, CFG_KEYS_FILE);
    const char *alg = cfg_str(&cli->cfg, CFG_KEYS_ALGORITHM);
    bool created_keys = false;
    if (access(path, F_OK) != 0) {
        if ((rc = keyring_create_alg(path, alg, &cli->err)))
            return rc;
        created_keys = true;
    } else {
        struct keyring *kr;
        if ((rc = keyring_load(path, &kr, &cli->err)))
            return rc;
        /* an existing file is never changed here: say how to convert it */
        if (cfg_source_of(&cli->cfg, CFG_KEYS_ALGORITHM) != CFG_SRC_DEFAULT &&
            strcmp(alg, keyring_active_alg(kr)))
            fprintf(stderr,
                    "note: keys.algorithm is %s but the key file's active key %u is %s: run "
                    "'pmis key rotate' to convert\n",
                    alg, keyring_active_id(kr), keyring_active_alg(kr));
        keyring_free(kr);
    }
    int applied = 0;
    if ((rc = store_migrate(cli->ctx.db, &applied, &cli->err)))
        return rc;
    struct auth_policy pol;
    struct strbuf otp = STRBUF_INIT;
    bool admin = false;
    cli_auth_policy(cli, &pol);
    if (!no_admin && (rc = user_first_admin(&cli->ctx, &pol, &admin, &otp, &cli->err)))
        goto out;
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "database", json_string(store_url(cli->ctx.db)));
        json_object_set_new(o, "key_file", json_string(path));
        json_object_set_new(o, "key_file_created", json_boolean(created_keys));
        if (created_keys)
            json_object_set_new(o, "key_algorithm", json_string(alg));
        json_object_set_new(o, "migrations_applied", json_integer(applied));
        json_object_set_new(o, "admin_created", json_boolean(admin));
        if (admin) {
            json_object_set_new(o, "admin_user", json_string("admin"));
            json_object_set_new(o, "admin_one_time_password", json_string(otp.buf));
        }
        cli_json_out(o);
    } else {
        printf("database %s: %d migration(s) applied\n", store_url(cli->ctx.db), applied);
        if (created_keys)
            printf("key file %s: created, %s (keep a copy somewhere safe: without it personal "
                   "data is lost)\n",
                   path, alg);
        else
            printf("key file %s: present\n", path);
        if (admin)
            printf("administrator admin: one-time password %s\n"
                   "(must be changed at the first login / 首次登录须修改密码)\n",
                   otp.buf);
    }
out:
    strbuf_release(&otp);
    return rc;
}

int cmd_db_migrate(struct cli *cli, int argc, char **argv)
{
    static const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    int applied = 0;
    if ((rc = store_migrate(cli->ctx.db, &applied, &cli->err)))
        return rc;
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "applied", json_integer(applied));
        cli_json_out(o);
    } else {
        printf("%d migration(s) applied\n", applied);
    }
    return 0;
}

int cmd_db_status(struct cli *cli, int argc, char **argv)
{
    static const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    size_t n = store_migration_count();
    struct store_migration_status *st = arena_alloc(&cli->arena, (n + 1) * sizeof(*st));
    if ((rc = store_migration_status(cli->ctx.db, st, &cli->err)))
        return rc;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        if (cli->json) {
            json_t *o = json_object();
            json_object_set_new(o, "version", json_integer(st[i].version));
            json_object_set_new(o, "name", json_string(st[i].name));
            json_object_set_new(o, "applied", json_boolean(st[i].applied));
            json_object_set_new(o, "applied_at",
                                st[i].applied ? json_string(st[i].applied_at) : json_null());
            json_array_append_new(arr, o);
        } else {
            printf("%04d %-24s %s\n", st[i].version, st[i].name,
                   st[i].applied ? st[i].applied_at : "pending");
        }
    }
    if (cli->json)
        cli_json_out(arr);
    else
        json_decref(arr);
    return 0;
}

int cmd_config_show(struct cli *cli, int argc, char **argv)
{
    static const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "";
    int rc = cli_options(cli, specs, &argc, argv, 0, 0);
    if (rc)
        return rc;
    struct strbuf sb = STRBUF_INIT;
    cfg_show(&cli->cfg, &sb, cli->json);
    fputs(sb.buf, stdout);
    if (sb.len && sb.buf[sb.len - 1] != '\n')
        fputc('\n', stdout);
    strbuf_release(&sb);
    return 0;
}
