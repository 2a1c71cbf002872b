/*
 * pmis backup FILE / pmis restore FILE. The store takes a consistent copy (SQLite online
 * backup API, pg_dump) into FILE; FILE.manifest.json records its size and SHA-256, the
 * backend and the schema version. Restore refuses a backup whose manifest is missing or does
 * not match the file (corrupt, truncated) or that was taken from the other backend.
 */
#include "core/common.h"
#include "core/digest.h"
#include "core/xalloc.h"
#include "cli/cli.h"
#include "core/date.h"

#include <sys/stat.h>

#define MANIFEST_FORMAT "pmis-backup-1"

static int file_digest(const char *path, char hex[DIGEST_HEX_LEN + 1], int64_t *size,
                       struct err *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return error(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO, "cannot read '%s': %s", path,
                     strerror(errno));
    struct digest d;
    digest_init(&d);
    char buf[1 << 16];
    size_t n;
    *size = 0;
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
        digest_update(&d, buf, n);
        *size += (int64_t)n;
    }
    int failed = ferror(fp);
    fclose(fp);
    digest_final_hex(&d, hex);
    return failed ? error(err, ERR_IO, "cannot read '%s'", path) : 0;
}

static const char *backend_name(struct store *s)
{
    return store_kind(s) == STORE_SQLITE ? "sqlite" : "postgresql";
}

static int schema_version(struct cli *cli, int *version)
{
    size_t n = store_migration_count();
    struct store_migration_status *st = arena_alloc(&cli->arena, (n + 1) * sizeof(*st));
    int rc = store_migration_status(cli->ctx.db, st, &cli->err);
    *version = 0;
    for (size_t i = 0; !rc && i < n; i++)
        if (st[i].applied)
            *version = st[i].version;
    return rc;
}

int cmd_backup(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "FILE\n\nWrites a consistent copy of the database to FILE and its checksum "
                 "manifest to\nFILE.manifest.json, while others keep working. The key file is "
                 "not included:\nback it up separately.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    const char *path = argv[0];
    char *manifest = xasprintf("%s.manifest.json", path);
    char *tmp = xasprintf("%s.partial", path);
    char hex[DIGEST_HEX_LEN + 1];
    int64_t size = 0;
    int version;
    if (access(path, F_OK) == 0 || access(manifest, F_OK) == 0) {
        rc = error(&cli->err, ERR_CONFLICT, "'%s' already exists; choose a new backup name", path);
        goto out;
    }
    unlink(tmp);
    if ((rc = schema_version(cli, &version)) ||
        (rc = store_backup_to(cli->ctx.db, tmp, &cli->err)) ||
        (rc = file_digest(tmp, hex, &size, &cli->err)))
        goto out;
    char now[40];
    json_t *m = json_object();
    json_object_set_new(m, "format", json_string(MANIFEST_FORMAT));
    json_object_set_new(m, "backend", json_string(backend_name(cli->ctx.db)));
    json_object_set_new(m, "schema_version", json_integer(version));
    json_object_set_new(m, "created_at", json_string(instant_format(ctx_now(&cli->ctx), now)));
    json_object_set_new(m, "file", json_string(path));
    json_object_set_new(m, "size", json_integer(size));
    json_object_set_new(m, "sha256", json_string(hex));
    char *mtmp = xasprintf("%s.partial", manifest);
    if (json_dump_file(m, mtmp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) || rename(tmp, path) ||
        rename(mtmp, manifest)) {
        rc = error(&cli->err, ERR_IO, "cannot write backup '%s': %s", path, strerror(errno));
        unlink(mtmp);
        unlink(path);
    }
    free(mtmp);
    if (!rc) {
        if (cli->json)
            cli_json_out(json_incref(m));
        else
            printf("backup %s: %" PRId64 " bytes, sha256 %s (manifest %s)\n", path, size, hex,
                   manifest);
    }
    json_decref(m);
out:
    unlink(tmp);
    free(manifest);
    free(tmp);
    return rc;
}

int cmd_restore(struct cli *cli, int argc, char **argv)
{
    const struct opt_spec specs[] = { OPT_SPEC_END };
    cli->usage = "FILE\n\nReplaces the database (--db) with the backup in FILE after checking it "
                 "against\nFILE.manifest.json.";
    int rc = cli_options(cli, specs, &argc, argv, 1, 1);
    if (rc)
        return rc;
    const char *path = argv[0], *url = cfg_str(&cli->cfg, CFG_DB_URL);
    /* a SQLite database that does not exist yet is created only once the backup has passed
     * every check (the command table opens only an existing one): a refusal leaves no empty
     * database behind */
    const char *target = cli->ctx.db            ? backend_name(cli->ctx.db)
                         : strncmp(url, "sqlite:", 7) ? "postgresql"
                                                      : "sqlite";
    char *manifest = xasprintf("%s.manifest.json", path);
    json_error_t jerr;
    json_t *m = json_load_file(manifest, 0, &jerr);
    char hex[DIGEST_HEX_LEN + 1];
    int64_t size;
    if (!m) {
        rc = error(&cli->err, access(manifest, F_OK) ? ERR_NOT_FOUND : ERR_CORRUPT,
                   "cannot read backup manifest '%s': %s", manifest, jerr.text);
        goto out;
    }
    const char *format = json_string_value(json_object_get(m, "format"));
    const char *backend = json_string_value(json_object_get(m, "backend"));
    const char *want = json_string_value(json_object_get(m, "sha256"));
    json_t *jsize = json_object_get(m, "size");
    if (!format || strcmp(format, MANIFEST_FORMAT) || !backend || !want ||
        !json_is_integer(jsize)) {
        rc = error(&cli->err, ERR_CORRUPT, "'%s' is not a pmis backup manifest", manifest);
        goto out;
    }
    if (strcmp(backend, target)) {
        rc = error(&cli->err, ERR_INVALID,
                   "backup '%s' was taken from %s and cannot be restored into %s", path, backend,
                   target);
        goto out;
    }
    if ((rc = file_digest(path, hex, &size, &cli->err)))
        goto out;
    if (size != json_integer_value(jsize)) {
        rc = error(&cli->err, ERR_CORRUPT,
                   "backup '%s' is %" PRId64 " bytes but its manifest says %" PRId64
                   " (truncated?); nothing restored",
                   path, size, (int64_t)json_integer_value(jsize));
        goto out;
    }
    if (strcmp(hex, want)) {
        rc = error(&cli->err, ERR_CORRUPT,
                   "backup '%s' does not match its checksum (corrupt); nothing restored", path);
        goto out;
    }
    if ((!cli->ctx.db && (rc = store_open(&cli->ctx.db, url, &cli->err))) ||
        (rc = store_restore_from(cli->ctx.db, path, &cli->err)))
        goto out;
    if (cli->json) {
        json_t *o = json_object();
        json_object_set_new(o, "restored", json_string(path));
        json_object_set_new(o, "sha256", json_string(hex));
        cli_json_out(o);
    } else {
        printf("restored %s (sha256 %s) into %s\n", path, hex, store_url(cli->ctx.db));
    }
out:
    json_decref(m);
    free(manifest);
    return rc;
}
