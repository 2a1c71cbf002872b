/*
 * Meter readings and interval data over HTTP: a text/csv body in the formats of
 * doc/readings-format.md, all-or-nothing (domain/reading_csv.c). Bad rows answer 400 with the
 * report of every bad row (its reason in the caller's language); nothing is stored then.
 * Meters outside the caller's subtree read as unknown (the import honours ctx.scope_org_id),
 * so they are bad rows like missing ones. The query options and the 400 report of a refused
 * file are shared with the archive's import (api_archive_csv.c).
 */
#include "core/common.h"
#include "core/csv.h"
#include "api/api.h"
#include "domain/reading_csv.h"

/* The bad rows, each reason in the caller's language (reason_en beside a Chinese one). */
static json_t *bad_json(struct api_req *r, const struct import_result *res)
{
    json_t *bad = json_array();
    for (size_t i = 0; i < res->bad.n; i++) {
        const struct import_bad *b = &res->bad.v[i];
        json_t *row = json_pack("{s:I,s:s,s:s}", "line", (json_int_t)b->line, "column", b->column,
                                "value", b->value);
        api_json_lang(r, row, "reason", b->reason, b->reason_zh);
        json_array_append_new(bad, row);
    }
    return bad;
}

int api_import_refused(struct api_req *r, const struct import_result *res)
{
    json_t *e = api_error_object(r, ERR_INVALID, r->err.msg, r->err.msg_zh);
    json_object_set_new(e, "bad_count", json_integer((json_int_t)res->bad_count));
    json_object_set_new(e, "bad", bad_json(r, res));
    return api_reply(r, 400, json_pack("{s:o}", "error", e));
}

int api_import_opts(struct api_req *r, struct import_opts *o)
{
    const char *encoding = api_query(r, "encoding");
    *o = (struct import_opts){ .csv = CSV_OPTIONS_INIT, .source = "api" };
    o->csv.max_record = 4096;
    if (encoding && csv_encoding_parse(encoding, &o->csv.encoding, &r->err))
        return err_field(&r->err, "encoding");
    return api_query_bool(r, "dry_run", &o->dry_run);
}

static int import(struct api_req *r, enum reading_kind kind)
{
    struct import_opts o;
    int64_t minutes;
    int rc;
    if ((rc = api_import_opts(r, &o)) || (rc = api_query_int(r, "minutes", 15, 60, 15, &minutes)))
        return rc;
    if (minutes != 15 && minutes != 30 && minutes != 60)
        return error(&r->err, ERR_INVALID, "query parameter 'minutes' must be 15, 30 or 60"),
               err_field(&r->err, "minutes");
    struct csv_reader cr;
    struct reading_import_result res;
    memset(&res, 0, sizeof(res));
    if ((rc = api_csv_open(r, &cr, &o.csv)))
        return rc;
    rc = reading_import(&r->ctx, kind, &cr, &o, (int)minutes, &res, &r->err);
    csv_close(&cr);
    if (rc == ERR_USAGE)
        rc = ERR_INVALID;
    json_t *j = NULL;
    if (rc && res.r.rows_failed) {
        rc = api_import_refused(r, &res.r);
    } else if (!rc) {
        j = json_object();
        json_object_set_new(j, "table", json_string(reading_kind_name(kind)));
        json_object_set_new(j, "format", api_json_str(res.format));
        json_object_set_new(j, "rows", json_integer(res.r.rows));
        json_object_set_new(j, "values", json_integer(res.values));
        json_object_set_new(j, "created", json_integer(res.r.created));
        json_object_set_new(j, "unchanged", json_integer(res.r.unchanged));
        json_object_set_new(j, "days_new", json_integer(res.days_new));
        json_object_set_new(j, "days_merged", json_integer(res.days_merged));
        json_object_set_new(j, "committed", json_boolean(res.r.committed));
        json_object_set_new(j, "dry_run", json_boolean(o.dry_run));
        api_reply(r, 200, j);
    }
    reading_import_result_release(&res);
    return rc;
}

int api_reading_import(struct api_req *r)
{
    return import(r, READING_REGISTERS);
}

int api_interval_import(struct api_req *r)
{
    return import(r, READING_INTERVALS);
}
