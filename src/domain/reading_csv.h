/*
 * CSV import of meter register readings and interval load data (doc/readings-format.md):
 *   readings, long:  meter,read_on,register,value_kwh,source
 *   readings, wide:  meter,read_on,source,total,sharp,peak,flat,valley,reactive,demand
 *                    (any of the register columns; an empty cell is a register not read)
 *   intervals, long: meter,ts,kwh[,minutes]   ts = local start "YYYY-MM-DD HH:MM"
 *   intervals, wide: meter,date,p1..p96 (15 min) | p1..p48 (30) | p1..p24 (60)
 * The format is told by the header. Values are kWh (demand kW) with up to 3 decimals.
 * All-or-nothing like archive_import (domain/archive_csv.h): every bad row is reported and
 * one bad row changes nothing. A value already stored unchanged is skipped, a register or
 * point not yet stored for a stored meter-day is added to it, and a different value for a
 * stored one (or two values for one in the file) is a bad row naming both. One read_batch
 * row and one audit row per committed file.
 */
#ifndef PMIS_READING_CSV_H
#define PMIS_READING_CSV_H

#include "domain/archive_csv.h"

enum reading_kind { READING_REGISTERS, READING_INTERVALS };

/** "readings" | "intervals" -> kind; ERR_USAGE otherwise. */
int reading_kind_parse(const char *s, enum reading_kind *out, struct err *err);
const char *reading_kind_name(enum reading_kind k);

struct reading_import_result {
    struct import_result r; /* rows = data lines; created / unchanged count values, and
                               bad rows are sorted by line */
    int64_t values;         /* register values or interval points in the file */
    int64_t days_new;       /* meter-days (table rows) inserted */
    int64_t days_merged;    /* stored meter-days that got more registers or points */
    const char *format;     /* "long" or "wide" (static) */
};

/**
 * Import a readings or intervals CSV file (header first). `minutes` is the interval length of
 * a long intervals file without a minutes column (15, 30 or 60; 0 = 15); ignored otherwise.
 * Returns 0 when the file was good (committed unless o->dry_run), ERR_INVALID when rows were
 * bad (nothing changed; res->r.bad lists the first ARCHIVE_MAX_REPORTED, res->r.rows_failed is
 * set) or the CSV or its header is malformed, ERR_USAGE for a bad `minutes`, or a store error.
 * Release the result with reading_import_result_release().
 */
int reading_import(struct ctx *c, enum reading_kind k, struct csv_reader *r,
                   const struct import_opts *o, int minutes, struct reading_import_result *res,
                   struct err *err);
void reading_import_result_release(struct reading_import_result *res);

#endif
