/*
 * The archive's CSV import and export over HTTP, the API side of `pmis import|export
 * customers|accounts|meters` (domain/archive_csv.c does the work for both). An import takes a
 * text/csv body, all or nothing: bad rows answer 400 with every bad row, nothing stored. The
 * request's org scope makes an org unit, customer, account or meter of another subtree read as
 * unknown, so such a row is a bad row like a missing one. An export answers text/csv as a
 * download, rows of the caller's subtree chosen in SQL, written to a spool file (memory stays
 * flat, errors come before any byte) and sent from there; personal data is masked unless the
 * caller holds pii:read and asks with_pii=true (both checked and audited by the domain).
 * check=true answers whether the export would start (its refusal, or the file's name) without
 * writing it: the web UI's download goes to the browser straight from this route's reply.
 */
#include "core/common.h"
#include "core/csv.h"
#include "core/spool.h"
#include "api/api.h"
#include "domain/archive_csv.h"

#include <ctype.h>

/* Path parameter {table}: customers, accounts or meters; another is no resource (404). */
static int table_param(struct api_req *r, enum archive_kind *k)
{
    const char *t = api_param(r, "table");
    if (archive_kind_parse(t, k, &r->err))
        return error(&r->err, ERR_NOT_FOUND, "unknown table '%s': customers, accounts or meters",
                     t);
    return 0;
}

int api_archive_import(struct api_req *r)
{
    enum archive_kind k;
    struct import_opts o;
    struct csv_reader cr;
    struct import_result res;
    int rc;
    if ((rc = table_param(r, &k)) || (rc = api_import_opts(r, &o)))
        return rc;
    memset(&res, 0, sizeof(res));
    if ((rc = api_csv_open(r, &cr, &o.csv)))
        return rc;
    rc = archive_import(&r->ctx, k, &cr, &o, &res, &r->err);
    csv_close(&cr);
    if (rc && res.rows_failed)
        rc = api_import_refused(r, &res);
    else if (!rc)
        api_reply(r, 200,
                  json_pack("{s:s,s:I,s:I,s:I,s:b,s:b}", "table", archive_kind_name(k), "rows",
                            (json_int_t)res.rows, "created", (json_int_t)res.created, "unchanged",
                            (json_int_t)res.unchanged, "committed", res.committed, "dry_run",
                            o.dry_run));
    import_result_release(&res);
    return rc;
}

/* Whether `s` may stand in a file name as it is (an org code such as "ZJ-HZ"). */
static bool name_safe(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
            return false;
    return true;
}

/* Write the export into spool file *fd (a new unlinked temporary file): the whole file is
 * written, and every error known, before the reply's first byte. */
static int export_spool(struct api_req *r, enum archive_kind k, const struct csv_write_options *wo,
                        const struct export_opts *eo, int *fd)
{
    struct csv_writer w;
    int64_t rows;
    int rc, out = spool_open(&r->err);
    FILE *fp = out >= 0 ? fdopen(out, "w") : NULL;
    if (out < 0)
        return out;
    if (!fp) {
        close(out);
        return error(&r->err, ERR_IO, "cannot write a temporary file: %s", strerror(errno));
    }
    if (!(rc = csv_writer_init_fp(&w, fp, wo, &r->err)) &&
        !(rc = archive_export(&r->ctx, k, &w, eo, &rows, &r->err)))
        rc = csv_writer_flush(&w, &r->err);
    csv_writer_release(&w);
    if (!rc && (*fd = dup(fileno(fp))) < 0)
        rc = error(&r->err, ERR_IO, "cannot write a temporary file: %s", strerror(errno));
    if (fclose(fp) && !rc)
        rc = error(&r->err, ERR_IO, "cannot write a temporary file: %s", strerror(errno));
    if (rc && *fd >= 0) {
        close(*fd);
        *fd = -1;
    }
    return rc;
}

/* "TABLE[-ORG].csv": the export's file name (an org code unfit for a file name left out). */
static const char *export_filename(struct api_req *r, enum archive_kind k, const char *org)
{
    bool named = org && name_safe(org);
    return arena_sprintf(&r->arena, "%s%s%s.csv", archive_kind_name(k), named ? "-" : "",
                         named ? org : "");
}

/*
 * GET /api/v1/export/{table}[?org=&encoding=&bom=&with_pii=&check=]: the CSV file. With
 * check=true, every check the export makes before its first row (the table, the flags, the
 * encoding, with_pii against pii:read, org inside the caller's subtree: the same code and the
 * same errors) and nothing more: no row read, no file, no audit row; the reply is a small JSON
 * naming the file. The web UI asks it first, so that a refusal is shown in the page, and then
 * lets the browser download the same URL without check (saved as it arrives).
 */
int api_archive_export(struct api_req *r)
{
    enum archive_kind k;
    struct csv_write_options wo = CSV_WRITE_OPTIONS_INIT;
    struct export_opts eo = { .org_code = api_query(r, "org") };
    const char *encoding = api_query(r, "encoding");
    bool check = false;
    int64_t scope;
    int rc;
    if ((rc = table_param(r, &k)) || (rc = api_query_bool(r, "bom", &wo.bom)) ||
        (rc = api_query_bool(r, "with_pii", &eo.with_pii)) ||
        (rc = api_query_bool(r, "check", &check)))
        return rc;
    if (encoding && csv_encoding_parse(encoding, &wo.encoding, &r->err))
        return err_field(&r->err, "encoding");
    const char *name = export_filename(r, k, eo.org_code);
    if (check) {
        if ((rc = archive_export_check(&r->ctx, &eo, &scope, &r->err)))
            return rc;
        return api_reply(r, 200,
                         json_pack("{s:b,s:s,s:s,s:s,s:b,s:b}", "ok", 1, "table",
                                   archive_kind_name(k), "filename", name, "encoding",
                                   csv_encoding_name(wo.encoding), "bom",
                                   wo.bom && wo.encoding == CSV_ENC_UTF8, "with_pii",
                                   eo.with_pii));
    }
    if ((rc = export_spool(r, k, &wo, &eo, &r->reply_fd)))
        return rc;
    r->status = 200;
    r->content_type =
        arena_sprintf(&r->arena, "text/csv; charset=%s", csv_encoding_name(wo.encoding));
    r->disposition = arena_sprintf(&r->arena, "attachment; filename=\"%s\"", name);
    return 0;
}
