/*
 * Bank and agent collection files (代收, doc/payments-format.md): a header record, one record
 * per payment and a trailer with the control totals:
 *   H,BATCH_REF,FILE_DATE
 *   D,REF,ACCOUNT,AMOUNT[,PAID_ON]
 *   T,COUNT,TOTAL
 * The whole file is checked first: a malformed record, a bad amount or date, a reference
 * repeated inside the file, or control totals that differ from the records refuse the file and
 * nothing is posted. Then every record whose account exists and is open posts (as ledger_pay);
 * the others are reported as unmatched; a reference already posted for the same account and
 * amount counts as a repeat. With one job all of it is one transaction. With more (jobs as
 * ledger_jobs(): PostgreSQL only) the file's row (payment_batch) commits first, unfinished, then
 * the records post in that many parts by account, each part in its own transaction on its own
 * connection, and the row is finished when every part has committed: an import stopped half way
 * leaves each payment whole or absent, and importing the file again posts only what is missing
 * (its repeats are the earlier import's payments) and finishes it. A finished file (channel,
 * BATCH_REF) is a no-op. One audit row per file, when it finishes.
 *
 * Two imports of one file at once: the second waits for the first (PostgreSQL: an advisory
 * lock of the file, polled; SQLite: the write transaction, BEGIN IMMEDIATE retried), then finds
 * the file imported and posts nothing. It waits at most `wait_s` seconds (payment.lock_wait_s;
 * on SQLite at least the 5 s busy timeout of one try), then fails ERR_BUSY saying that another
 * import of the file is running, having changed nothing.
 */
#ifndef PMIS_PAYMENT_CSV_H
#define PMIS_PAYMENT_CSV_H

#include "core/csv.h"
#include "domain/ctx.h"

#include <stdbool.h>
#include <stdint.h>

struct batch_unmatched {
    int64_t line;
    const char *ref, *account_no, *reason;
    const char *reason_zh; /* reason in Chinese, or NULL when untranslated */
};

#define BATCH_MAX_REPORTED 100

struct batch_result {
    const char *batch_ref, *file_date;
    bool already;        /* imported before: the stored counts, nothing posted now */
    int64_t lines, total_fen;
    int64_t posted, posted_fen, repeats;
    int64_t unmatched, unmatched_fen;
    int nreported;       /* unmatched records listed (the first BATCH_MAX_REPORTED) */
    struct batch_unmatched reported[BATCH_MAX_REPORTED];
};

typedef void batch_progress_fn(void *arg, int64_t done, int64_t total);

/** Import a collection file of `channel` (bank or agent) read from `r`, in `jobs` parts (see
 *  above; 0: one per CPU on PostgreSQL). Not inside a transaction of the caller's. */
int payment_batch_import(struct ctx *c, struct csv_reader *r, const char *channel,
                         bool principal_first, int64_t jobs, int64_t wait_s,
                         batch_progress_fn *progress,
                         void *progress_arg, struct batch_result *res, struct err *err);

#endif
