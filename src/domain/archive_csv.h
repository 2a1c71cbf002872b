/*
 * CSV import and export of the archive tables (customers, accounts, meters), shared by the CLI
 * and the HTTP API. Import is all-or-nothing: every row is validated, one bad row and the whole
 * file changes nothing, and the report lists every bad row (line, column, value, reason).
 * Re-importing rows that are already stored unchanged is a no-op; a stored row with the same
 * key and different data is a bad row. Columns are named by the header; see archive_csv.c.
 */
#ifndef PMIS_ARCHIVE_CSV_H
#define PMIS_ARCHIVE_CSV_H

#include "core/csv.h"
#include "core/vec.h"
#include "domain/ctx.h"

enum archive_kind { ARCHIVE_CUSTOMERS, ARCHIVE_ACCOUNTS, ARCHIVE_METERS };

/** "customers" | "accounts" | "meters" -> kind; ERR_USAGE otherwise. */
int archive_kind_parse(const char *s, enum archive_kind *out, struct err *err);
const char *archive_kind_name(enum archive_kind k);

/** The header an import expects and an export writes, comma-separated. */
const char *archive_columns(enum archive_kind k);

struct import_bad {
    uint64_t line;
    const char *column; /* "-" when the whole row is at fault */
    const char *value;
    const char *reason;    /* English */
    const char *reason_zh; /* the same in Chinese (po/zh_CN.po), or NULL when untranslated */
};

struct import_result {
    int64_t rows, created, unchanged;
    int64_t bad_count;          /* all bad rows */
    VEC(struct import_bad) bad; /* the first ARCHIVE_MAX_REPORTED of them (arena strings) */
    bool committed;
    bool rows_failed; /* the error is "N of M rows are bad" (the rows are in `bad`) */
};
#define ARCHIVE_MAX_REPORTED 1000

typedef void archive_progress_fn(void *arg, uint64_t done, uint64_t total);

struct import_opts {
    struct csv_options csv;
    bool dry_run;                  /* validate and count, then roll back */
    const char *source;            /* file name for the audit row */
    archive_progress_fn *progress; /* may be NULL */
    void *progress_arg;
};

/**
 * Import a CSV file. Returns 0 when the file was good (committed unless dry_run); ERR_INVALID
 * when rows were bad (nothing changed; `res->bad` lists them) or the CSV itself is malformed
 * (message names line and column); other errors from the store. One audit row per committed
 * import. The result's VEC must be freed with import_result_release().
 */
int archive_import(struct ctx *c, enum archive_kind k, struct csv_reader *r,
                   const struct import_opts *o, struct import_result *res, struct err *err);
void import_result_release(struct import_result *res);

struct export_opts {
    const char *org_code; /* only this subtree (ERR_NOT_FOUND outside the ctx's scope); NULL =
                             the ctx's scope (scope_org_id), all of it for none */
    bool with_pii;        /* full personal data instead of masked (audited); under the API
                             (ctx.caller_perms) only for a caller holding pii:read, else
                             ERR_FORBIDDEN on field with_pii */
};

/** What archive_export() checks before its first row, and nothing else (no row read, no
 *  audit row): with_pii against the caller's pii:read, org_code inside the ctx's scope.
 *  *scope gets the org unit whose subtree the export holds (0: every unit). The errors are
 *  archive_export()'s (ERR_FORBIDDEN on with_pii, ERR_NOT_FOUND on org). */
int archive_export_check(struct ctx *c, const struct export_opts *o, int64_t *scope,
                         struct err *err);

/** Write every row of `k` (in key order) to `w`, header first. *rows gets the count. Rows are
 *  chosen in SQL: a customer or account of the subtree, a meter installed on such an account
 *  (with a scope, a meter in stock belongs to none). A with_pii export is audited
 *  ("export.<kind>", rows). */
int archive_export(struct ctx *c, enum archive_kind k, struct csv_writer *w,
                   const struct export_opts *o, int64_t *rows, struct err *err);

#endif
