/*
 * pmis import customers|accounts|meters|readings|intervals FILE and
 * pmis export customers|accounts|meters [FILE].
 */
#include "core/common.h"
#include "cli/cli.h"
#include "core/xalloc.h"
#include "domain/archive_csv.h"
#include "domain/reading_csv.h"

static void progress(void *arg, uint64_t done, uint64_t total)
{
    cli_progress(arg, "importing", done, total);
}

/* The bad rows, each reason in the caller's language (cli_lang), as errors are. */
static void print_bad(const char *file, const struct import_result *res)
{
    for (size_t i = 0; i < res->bad.n; i++) {
        const struct import_bad *b = &res->bad.v[i];
        fprintf(stderr, "%s:%" PRIu64 ": column %s, value '%s': %s\n", file, b->line, b->column,
                b->value, cli_lang(b->reason, b->reason_zh));
    }
    if ((size_t)res->bad_count > res->bad.n)
        fprintf(stderr, "... and %zu more bad rows\n", (size_t)res->bad_count - res->bad.n);
}

static json_t *json_bad(const struct import_result *res)
{
    json_t *bad = json_array();
    for (size_t i = 0; i < res->bad.n; i++) {
        json_t *b = json_object();
        json_object_set_new(b, "line", json_integer((json_int_t)res->bad.v[i].line));
        json_object_set_new(b, "column", json_string(res->bad.v[i].column));
        json_object_set_new(b, "value", json_string(res->bad.v[i].value));
        cli_json_lang(b, "reason", res->bad.v[i].reason, res->bad.v[i].reason_zh);
        json_array_append_new(bad, b);
    }
    return bad;
}

/* pmis import readings|intervals FILE: the reading_csv.h side of cmd_import. */
static int import_readings(struct cli *cli, enum reading_kind kind, const char *file,
                           struct import_opts *o, int minutes)
{
    int fd, rc;
    struct csv_reader r;
    struct reading_import_result res;
    memset(&res, 0, sizeof(res));
    if ((rc = cli_open_input(cli, file, &fd)))
        return rc;
    rc = csv_open_fd(&r, fd, &o->csv, &cli->err);
    if (!rc)
        rc = reading_import(&cli->ctx, kind, &r, o, minutes, &res, &cli->err);
    if (rc && !res.r.rows_failed)
        error_prefix(&cli->err, "%s: ", file);
    csv_close(&r);
    cli_close_input(fd);
    cli_progress_end(cli);
    const char *what = kind == READING_REGISTERS ? "register values" : "points";
    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "table", json_string(reading_kind_name(kind)));
        json_object_set_new(j, "format", cli_json_str(res.format));
        json_object_set_new(j, "rows", json_integer(res.r.rows));
        json_object_set_new(j, "values", json_integer(res.values));
        json_object_set_new(j, "created", json_integer(res.r.created));
        json_object_set_new(j, "unchanged", json_integer(res.r.unchanged));
        json_object_set_new(j, "days_new", json_integer(res.days_new));
        json_object_set_new(j, "days_merged", json_integer(res.days_merged));
        json_object_set_new(j, "bad_count", json_integer(res.r.bad_count));
        json_object_set_new(j, "bad", json_bad(&res.r));
        json_object_set_new(j, "committed", json_boolean(res.r.committed));
        json_object_set_new(j, "dry_run", json_boolean(o->dry_run));
        cli_json_out(j);
    } else {
        print_bad(file, &res.r);
        if (!rc)
            printf("%s %s (%s): %" PRId64 " rows, %" PRId64 " %s, %" PRId64 " new, %" PRId64
                   " unchanged%s\n",
                   o->dry_run ? "checked" : "imported", reading_kind_name(kind), res.format,
                   res.r.rows, res.values, what, res.r.created, res.r.unchanged,
                   o->dry_run ? " (dry run: nothing changed)" : "");
    }
    reading_import_result_release(&res);
    return rc;
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
    const char *encoding = "utf-8";
    bool dry_run = false;
    int64_t minutes = 0;
    int64_t max_record = cfg_int(&cli->cfg, CFG_IMPORT_MAX_RECORD_BYTES);
    const struct opt_spec specs[] = {
        { "encoding", OPT_STR, &encoding, "ENC", "utf-8 (default, BOM optional), gbk or gb18030" },
        { "dry-run", OPT_BOOL, &dry_run, NULL, "validate only, change nothing" },
        { "minutes", OPT_INT, &minutes, "N",
          "intervals: the interval length of a long file without a minutes column (15, 30, 60; "
          "default 15)" },
        OPT_SPEC_END,
    };
    cli->usage =
        "customers|accounts|meters|readings|intervals FILE.csv [--encoding gbk] [--dry-run]\n\n"
        "All-or-nothing: one bad row and nothing is imported; every bad row is listed.\n"
        "Rows already stored unchanged are skipped, so a file can be imported twice.\n"
        "Columns: customers: cust_no,name,user_type,voltage,status,important,address,\n"
        "  phone,id_type,id_no,org,opened_on,closed_on\n"
        "accounts: account_no,cust_no,tariff_code,capacity_kva,demand_kw,pf_standard,\n"
        "  cycle_day,pay_mode,contact_name,contact_phone,bank_name,bank_account,opened_on\n"
        "meters: asset_no,model,phases,ct_ratio,pt_ratio,registers,digits,account_no,\n"
        "  installed_on,install_reads\n"
        "readings (register readings; meter = asset_no, values kWh with up to 3 decimals,\n"
        "  demand kW; source remote|manual|customer|estimated), long or wide:\n"
        "  meter,read_on,register,value_kwh,source\n"
        "  meter,read_on,source,total,sharp,peak,flat,valley,reactive,demand (any registers;\n"
        "  an empty cell is a register not read)\n"
        "intervals (kWh per interval), long or wide:\n"
        "  meter,ts,kwh[,minutes]   ts = local start of the interval, YYYY-MM-DD HH:MM\n"
        "  meter,date,p1..p96 (15 minutes), p1..p48 (30) or p1..p24 (60); empty = missing\n"
        "A reading or point already stored with another value is a bad row; see\n"
        "doc/readings-format.md.";
    int rc = cli_options(cli, specs, &argc, argv, 2, 2);
    if (rc)
        return rc;
    enum archive_kind kind;
    enum reading_kind rkind;
    struct import_opts o = { .csv = CSV_OPTIONS_INIT,
                             .dry_run = dry_run,
                             .source = argv[1],
                             .progress = progress,
                             .progress_arg = cli };
    o.csv.max_record = (size_t)max_record;
    if (!reading_kind_parse(argv[0], &rkind, NULL)) {
        if ((rc = csv_encoding_parse(encoding, &o.csv.encoding, &cli->err)))
            return rc;
        if (minutes && (rkind != READING_INTERVALS || minutes > 60))
            return error(&cli->err, ERR_USAGE, "--minutes is for intervals: 15, 30 or 60");
        return import_readings(cli, rkind, argv[1], &o, (int)minutes);
    }
    if ((rc = archive_kind_parse(argv[0], &kind, &cli->err)) ||
        (rc = csv_encoding_parse(encoding, &o.csv.encoding, &cli->err)))
        return rc;
    int fd;
    if ((rc = cli_open_input(cli, argv[1], &fd)))
        return rc;
    struct csv_reader r;
    struct import_result res;
    memset(&res, 0, sizeof(res));
    rc = csv_open_fd(&r, fd, &o.csv, &cli->err);
    if (!rc)
        rc = archive_import(&cli->ctx, kind, &r, &o, &res, &cli->err);
    if (rc && !res.rows_failed)
        error_prefix(&cli->err, "%s: ", argv[1]);
    csv_close(&r);
    cli_close_input(fd);
    cli_progress_end(cli);

    if (cli->json) {
        json_t *j = json_object();
        json_object_set_new(j, "table", json_string(archive_kind_name(kind)));
        json_object_set_new(j, "rows", json_integer(res.rows));
        json_object_set_new(j, "created", json_integer(res.created));
        json_object_set_new(j, "unchanged", json_integer(res.unchanged));
        json_object_set_new(j, "bad_count", json_integer(res.bad_count));
        json_object_set_new(j, "bad", json_bad(&res));
        json_object_set_new(j, "committed", json_boolean(res.committed));
        json_object_set_new(j, "dry_run", json_boolean(dry_run));
        cli_json_out(j);
    } else {
        print_bad(argv[1], &res);
        if (!rc)
            printf("%s %s: %" PRId64 " rows, %" PRId64 " new, %" PRId64 " unchanged%s\n",
                   dry_run ? "checked" : "imported", archive_kind_name(kind), res.rows, res.created,
                   res.unchanged, dry_run ? " (dry run: nothing changed)" : "");
    }
    import_result_release(&res);
    return rc;
}

int cmd_export(struct cli *cli, int argc, char **argv)
{
    const char *encoding = "utf-8", *org = NULL;
    bool bom = false, with_pii = false;
    const struct opt_spec specs[] = {
        { "org", OPT_STR, &org, "CODE", "only this org unit's subtree" },
        { "encoding", OPT_STR, &encoding, "ENC", "utf-8 (default), gbk or gb18030" },
        { "bom", OPT_BOOL, &bom, NULL, "start UTF-8 output with a BOM (for Excel)" },
        { "with-pii", OPT_BOOL, &with_pii, NULL,
          "full personal data instead of masked values (audited)" },
        OPT_SPEC_END,
    };
    cli->usage = "customers|accounts|meters [FILE.csv] [--org CODE] [--encoding gbk] [--bom]";
    int rc = cli_options(cli, specs, &argc, argv, 1, 2);
    if (rc)
        return rc;
    enum archive_kind kind;
    struct csv_write_options wo = CSV_WRITE_OPTIONS_INIT;
    wo.bom = bom;
    if ((rc = archive_kind_parse(argv[0], &kind, &cli->err)) ||
        (rc = csv_encoding_parse(encoding, &wo.encoding, &cli->err)))
        return rc;
    const char *path = argc == 2 && strcmp(argv[1], "-") ? argv[1] : NULL;
    char *tmp = NULL;
    FILE *fp = stdout;
    if (path) {
        /* write beside the target and rename, so a failed export leaves no half file */
        tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
        fp = fopen(tmp, "w");
        if (!fp) {
            rc = error(&cli->err, ERR_IO, "cannot write '%s': %s", path, strerror(errno));
            free(tmp);
            return rc;
        }
    }
    struct csv_writer w;
    struct export_opts eo = { .org_code = org, .with_pii = with_pii };
    int64_t rows = 0;
    rc = csv_writer_init_fp(&w, fp, &wo, &cli->err);
    if (!rc)
        rc = archive_export(&cli->ctx, kind, &w, &eo, &rows, &cli->err);
    if (!rc)
        rc = csv_writer_flush(&w, &cli->err);
    csv_writer_release(&w);
    if (path) {
        if (fclose(fp) && !rc)
            rc = error(&cli->err, ERR_IO, "cannot write '%s': %s", path, strerror(errno));
        if (!rc && rename(tmp, path))
            rc = error(&cli->err, ERR_IO, "cannot rename to '%s': %s", path, strerror(errno));
        if (rc)
            unlink(tmp);
        free(tmp);
        if (!rc)
            fprintf(stderr, "exported %" PRId64 " %s to %s\n", rows, archive_kind_name(kind), path);
    }
    return rc;
}
