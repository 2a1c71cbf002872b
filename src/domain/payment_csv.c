/*
 * Bank and agent collection files (代收): check the whole file, then post its records: in one
 * transaction, or on PostgreSQL in parts by account, each part in its own. Format and rules in
 * payment_csv.h and doc/payments-format.md.
 */
#include "domain/payment_csv.h"

#include "core/common.h"
#include "core/digest.h"
#include "core/money.h"
#include "core/strmap.h"
#include "core/vec.h"
#include "core/xalloc.h"
#include "domain/audit.h"
#include "domain/ledger.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

struct line {
    int64_t line;
    const char *ref, *account_no;
    int64_t amount_fen;
    struct date paid_on;
};
typedef VEC(struct line) line_vec;

static const char *field(struct ctx *c, const struct csv_record *rec, size_t i)
{
    return i < rec->n ? ctx_trim(c, rec->fields[i].p) : "";
}

/* A bad record: "line N: " and the whole message `fmt` (one %s, the value; po/zh_CN.po). */
static int PMIS_PRINTF(3, 0) pay_bad(struct err *err, const struct csv_record *rec,
                                     const char *fmt, const char *v)
{
    error(err, ERR_INVALID, fmt, v);
    return error_prefix(err, "line %" PRIu64 ": ", rec->line);
}

/* Read and check every record; nothing is posted unless all of it is right. */
static int read_file(struct ctx *c, struct csv_reader *r, struct date today,
                     line_vec *lines, struct batch_result *res, struct err *err)
{
    struct csv_record *rec;
    struct strmap refs = STRMAP_INIT;
    struct date file_date = { 0, 0, 0 };
    bool header = false, trailer = false;
    int64_t sum = 0;
    int ret;
    char b[DATE_BUF_SIZE];

    while ((ret = csv_next(r, &rec, err)) == 1) {
        const char *type = field(c, rec, 0);
        if (trailer) {
            ret = error(err, ERR_INVALID, "line %" PRIu64 ": a record after the trailer (T)",
                        rec->line);
            break;
        }
        if (!header) {
            if (strcmp(type, "H") || rec->n != 3) {
                ret = error(err, ERR_INVALID,
                            "line %" PRIu64 ": the file must start with H,BATCH_REF,FILE_DATE",
                            rec->line);
                break;
            }
            res->batch_ref = field(c, rec, 1);
            size_t n = strlen(res->batch_ref);
            if (!n || n > LEDGER_REF_MAX) {
                ret = pay_bad(err, rec, "batch reference must have 1 to 64 characters, not '%s'",
                              res->batch_ref);
                break;
            }
            if ((ret = date_parse(field(c, rec, 2), &file_date, err)))
                break;
            if (date_cmp(file_date, today) > 0) {
                ret = pay_bad(err, rec, "file date is in the future: '%s'", field(c, rec, 2));
                break;
            }
            res->file_date = arena_strdup(c->arena, date_format(file_date, b));
            header = true;
            continue;
        }
        if (!strcmp(type, "T")) {
            int64_t count, total;
            const char *why;
            if (rec->n != 3 || decimal_parse(field(c, rec, 1), 0, 0, &count, &why)) {
                ret = error(err, ERR_INVALID, "line %" PRIu64 ": the trailer is T,COUNT,TOTAL",
                            rec->line);
                break;
            }
            if ((ret = money_parse(field(c, rec, 2), &total, err)))
                break;
            char m1[MONEY_BUF_SIZE], m2[MONEY_BUF_SIZE];
            if (count != (int64_t)lines->n || total != sum) {
                ret = error(err, ERR_INVALID,
                            "control totals do not match: the trailer says %" PRId64
                            " payments of %s yuan, the file has %zu of %s yuan",
                            count, money_format(total, m1), lines->n, money_format(sum, m2));
                break;
            }
            trailer = true;
            continue;
        }
        if (strcmp(type, "D") || rec->n < 4 || rec->n > 5) {
            ret = error(err, ERR_INVALID,
                        "line %" PRIu64 ": expected D,REF,ACCOUNT,AMOUNT[,PAID_ON] or the "
                        "trailer T,COUNT,TOTAL", rec->line);
            break;
        }
        struct line l = { (int64_t)rec->line, field(c, rec, 1), field(c, rec, 2), 0, file_date };
        size_t rn = strlen(l.ref);
        if (!rn || rn > LEDGER_REF_MAX) {
            ret = pay_bad(err, rec, "payment reference must have 1 to 64 characters, not '%s'",
                          l.ref);
            break;
        }
        int64_t first;
        if (strmap_get(&refs, l.ref, &first)) {
            ret = error(err, ERR_INVALID,
                        "line %" PRIu64 ": reference '%s' repeats line %" PRId64, rec->line,
                        l.ref, first);
            break;
        }
        strmap_put(&refs, l.ref, l.line);
        if (!*l.account_no) {
            ret = pay_bad(err, rec, "account is empty: '%s'", l.account_no);
            break;
        }
        if ((ret = money_parse(field(c, rec, 3), &l.amount_fen, err))) {
            error_prefix(err, "line %" PRIu64 ": ", rec->line); /* ret stays */
            break;
        }
        if (l.amount_fen <= 0) {
            ret = pay_bad(err, rec, "amount must be more than 0.00, not '%s'", field(c, rec, 3));
            break;
        }
        if (rec->n == 5 && *field(c, rec, 4)) {
            if ((ret = date_parse(field(c, rec, 4), &l.paid_on, err))) {
                error_prefix(err, "line %" PRIu64 ": ", rec->line); /* ret stays */
                break;
            }
            if (date_cmp(l.paid_on, today) > 0) {
                ret = pay_bad(err, rec, "payment date is in the future: '%s'", field(c, rec, 4));
                break;
            }
        }
        if (money_add(sum, l.amount_fen, &sum, err)) {
            ret = ERR_INVALID;
            break;
        }
        VEC_PUSH(lines, l);
    }
    strmap_release(&refs);
    if (ret < 0)
        return ret;
    if (!header)
        return error(err, ERR_INVALID, "the file is empty");
    if (!trailer)
        return error(err, ERR_INVALID, "the file has no trailer (T,COUNT,TOTAL): is it complete?");
    res->lines = (int64_t)lines->n;
    res->total_fen = sum;
    return 0;
}

/* The file's row, if it was imported before: *finished says whether that import ended. */
static int previous(struct ctx *c, const char *channel, struct batch_result *res, int64_t *id,
                    bool *finished, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_LEDGER_BATCH_GET);
    store_bind_text(st, 1, channel);
    store_bind_text(st, 2, res->batch_ref);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return 0;
    if (ret)
        return ret;
    *id = store_col_i64(st, 0);
    *finished = !store_col_null(st, 7);
    if (*finished) {
        res->already = true;
        res->lines = store_col_i64(st, 1);
        res->total_fen = store_col_i64(st, 2);
        res->posted = store_col_i64(st, 3);
        res->posted_fen = store_col_i64(st, 4);
        res->unmatched = store_col_i64(st, 5);
    }
    store_reset(st);
    return 0;
}

static int batch_insert(struct ctx *c, const char *channel, struct batch_result *res, int64_t *id,
                        struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_LEDGER_BATCH_INSERT);
    store_bind_text(st, 1, channel);
    store_bind_text(st, 2, res->batch_ref);
    store_bind_text(st, 3, res->file_date);
    store_bind_i64(st, 4, res->lines);
    store_bind_i64(st, 5, res->total_fen);
    store_bind_i64(st, 6, ctx_now(c));
    store_bind_text(st, 7, c->actor);
    int ret = store_one(st, err);
    if (ret)
        return ret;
    *id = store_col_i64(st, 0);
    store_reset(st);
    return 0;
}

/* The lines' outcomes into res, in file order; reasons copied into the caller's arena. */
static void tally(struct ctx *c, const line_vec *lines, const struct post_line *pl,
                  const size_t *at, struct batch_result *res)
{
    for (size_t i = 0; i < lines->n; i++) {
        const struct line *l = &lines->v[i];
        const struct post_line *p = &pl[at[i]];
        if (p->status == LINE_POSTED) {
            res->posted++;
            res->posted_fen += l->amount_fen;
        } else if (p->status == LINE_REPEAT)
            res->repeats++;
        else {
            res->unmatched++;
            res->unmatched_fen += l->amount_fen;
            if (res->nreported < BATCH_MAX_REPORTED)
                res->reported[res->nreported++] = (struct batch_unmatched){
                    l->line, l->ref, l->account_no, arena_strdup(c->arena, p->error ? p->error : ""),
                    p->error_zh ? arena_strdup(c->arena, p->error_zh) : NULL
                };
        }
    }
}

/* Finish file `id`: its counts (after an interrupted import, of every payment it posted in
 * all its imports), finished_at, the audit row. Inside the caller's transaction. */
static int finish(struct ctx *c, const char *channel, int64_t id, bool resumed,
                  struct batch_result *res, struct err *err)
{
    int64_t posted = res->posted, posted_fen = res->posted_fen;
    struct store_stmt *st;
    int ret;
    if (resumed) {
        st = store_q(c->db, Q_LEDGER_BATCH_POSTED);
        store_bind_i64(st, 1, id);
        if ((ret = store_one(st, err)))
            return ret;
        posted = store_col_i64(st, 0);
        posted_fen = store_col_i64(st, 1);
        store_reset(st);
    }
    st = store_q(c->db, Q_LEDGER_BATCH_DONE);
    store_bind_i64(st, 1, id);
    store_bind_i64(st, 2, posted);
    store_bind_i64(st, 3, posted_fen);
    store_bind_i64(st, 4, res->unmatched);
    store_bind_i64(st, 5, ctx_now(c));
    if ((ret = store_exec(st, err)))
        return ret;
    char m[MONEY_BUF_SIZE], detail[200];
    snprintf(detail, sizeof(detail),
             "%s %s: %" PRId64 " lines, %" PRId64 " posted (%s yuan), %" PRId64 " repeats, %" PRId64
             " unmatched%s", channel, res->file_date, res->lines, res->posted,
             money_format(res->posted_fen, m), res->repeats, res->unmatched,
             resumed ? ", the rest of an interrupted import" : "");
    struct audit_rec ar = { "payment.batch", "payment_batch", res->batch_ref, NULL, NULL, detail };
    return audit_append(c, &ar, err);
}

struct parts {
    const struct post_opts *po;
    struct post_line *pl; /* part k: pl[start[k] .. start[k + 1]) */
    const size_t *start;
    char **why;           /* pl[i].error copied (malloc), for the caller to free */
    char **why_zh;        /* pl[i].error_zh alike */
};

static int post_part(struct ctx *c, int k, int nparts, void *arg, struct err *err)
{
    struct parts *p = arg;
    int ret;
    (void)nparts;
#ifdef PMIS_TESTING
    if (k > 0)
        ctx_test_pause("PMIS_TEST_BATCH_PART_PAUSE_MS"); /* t0415 kills the import here */
#endif
    if ((ret = store_begin(c->db, err)))
        return ret;
    struct post_line *pl = p->pl + p->start[k];
    size_t n = p->start[k + 1] - p->start[k];
    ret = ledger_post_many(c, p->po, pl, n, err);
    /* the reasons outlive the part's arena (freed by the caller) */
    for (size_t i = 0; i < n; i++) {
        char **w = &p->why[p->start[k] + i];
        char **wz = &p->why_zh[p->start[k] + i];
        pl[i].error = *w = pl[i].error ? xstrdup(pl[i].error) : NULL;
        pl[i].error_zh = *wz = pl[i].error_zh ? xstrdup(pl[i].error_zh) : NULL;
    }
    return store_end(c->db, ret, err);
}

/* An account's part: the same for every line of it. */
static int part_of(const char *account_no, int n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *s = (const unsigned char *)account_no; *s; s++)
        h = (h ^ *s) * 16777619u;
    return (int)(h % (uint32_t)n);
}

#define BATCH_LOCK_CLASS 0x504d4246 /* "PMBF": the advisory locks of bank files */

/* The lock of file (channel, batch reference) — what makes importing it again a no-op, so two
 * files naming one reference queue too — from its SHA-256: a session lock, since an import in
 * parts commits several transactions. A second import of the file waits here until the first
 * ends, then finds the file imported. PostgreSQL only (SQLite's BEGIN IMMEDIATE already makes
 * the second wait: batch_lock_begin). */
static int32_t batch_lock_key(const char *channel, const char *batch_ref)
{
    struct digest d;
    char hex[DIGEST_HEX_LEN + 1];
    digest_init(&d);
    digest_update(&d, channel, strlen(channel) + 1); /* with the NUL: no ambiguity */
    digest_update(&d, batch_ref, strlen(batch_ref));
    digest_final_hex(&d, hex);
    hex[8] = '\0';
    return (int32_t)(uint32_t)strtoul(hex, NULL, 16);
}

static int batch_unlock(struct ctx *c, int32_t key, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_LEDGER_BATCH_UNLOCK);
    store_bind_i64(st, 1, BATCH_LOCK_CLASS);
    store_bind_i64(st, 2, key);
    return store_exec(st, err);
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Take file (channel, ref)'s lock and begin the import's transaction, waiting up to wait_s
 * seconds for another import of the file: on PostgreSQL polling the advisory lock (*locked set
 * when taken), on SQLite retrying BEGIN IMMEDIATE past its busy timeout — there any writer
 * holds it up, so the give-up message says so. */
static int batch_lock_begin(struct ctx *c, int32_t key, const char *channel, const char *ref,
                            int64_t wait_s, bool *locked, struct err *err)
{
    int64_t deadline = monotonic_ms() + wait_s * 1000;
    bool pg = store_kind(c->db) == STORE_PG;
    int ret;
    for (;;) {
        struct err e2 = ERR_INIT;
        if (pg) {
            struct store_stmt *st = store_q(c->db, Q_LEDGER_BATCH_LOCK);
            store_bind_i64(st, 1, BATCH_LOCK_CLASS);
            store_bind_i64(st, 2, key);
            if ((ret = store_one(st, err)))
                return ret;
            *locked = store_col_i64(st, 0) == 1;
            store_reset(st);
            if (*locked)
                return store_begin(c->db, err);
        } else if ((ret = store_begin(c->db, &e2)) != ERR_BUSY) {
            if (ret && err)
                *err = e2;
            return ret;
        }
        if (monotonic_ms() >= deadline && pg)
            return error(err, ERR_BUSY,
                         "another import of %s file %s is running: gave up waiting for it after "
                         "%" PRId64 " s (payment.lock_wait_s); try again when it has ended",
                         channel, ref, wait_s);
        if (monotonic_ms() >= deadline) /* SQLite cannot tell whose write holds the database */
            return error(err, ERR_BUSY,
                         "the database is busy with another write (another import of %s file "
                         "%s, or another long job): gave up waiting after %" PRId64
                         " s (payment.lock_wait_s); try again when it has ended",
                         channel, ref, wait_s);
        if (pg) {
            struct timespec ts = { 0, 100 * 1000000L };
            nanosleep(&ts, NULL);
        }
    }
}

int payment_batch_import(struct ctx *c, struct csv_reader *r, const char *channel,
                         bool principal_first, int64_t jobs, int64_t wait_s,
                         batch_progress_fn *progress,
                         void *progress_arg, struct batch_result *res, struct err *err)
{
    line_vec lines = VEC_INIT;
    struct fee_policies pol;
    struct date today;
    int64_t batch_id = 0;
    bool finished = false;
    struct post_line *pl = NULL;
    size_t *at = NULL, *start = NULL;
    char **why = NULL, **why_zh = NULL;
    bool resumed, locked = false;
    int32_t key = 0;
    int n = 1, ret;

    memset(res, 0, sizeof(*res));
    if (!channel || (strcmp(channel, "bank") && strcmp(channel, "agent")))
        return error(err, ERR_USAGE, "a collection file comes from a bank or an agent, not '%s'",
                     channel ? channel : "");
    if ((ret = ctx_today(c, &today, err)) || (ret = read_file(c, r, today, &lines, res, err)))
        goto done;
    n = ledger_jobs(c, jobs);
    key = batch_lock_key(channel, res->batch_ref);
    if ((ret = batch_lock_begin(c, key, channel, res->batch_ref, wait_s, &locked, err)))
        goto done;
    if ((ret = previous(c, channel, res, &batch_id, &finished, err)) || res->already ||
        (ret = fee_policies_load(c, &pol, err)))
        goto out;
    resumed = batch_id != 0; /* an import of it stopped half way: post what is missing */
    if (!resumed && (ret = batch_insert(c, channel, res, &batch_id, err)))
        goto out;
#ifdef PMIS_TESTING
    ctx_test_pause("PMIS_TEST_BATCH_LOCKED_PAUSE_MS"); /* t0416: a second import meanwhile */
#endif

    /* the lines grouped by part, each part in file order; at[i]: where line i went */
    pl = xreallocarray(NULL, lines.n ? lines.n : 1, sizeof(*pl));
    at = xreallocarray(NULL, lines.n ? lines.n : 1, sizeof(*at));
    start = xcalloc((size_t)n + 1, sizeof(*start));
    int *part = xreallocarray(NULL, lines.n ? lines.n : 1, sizeof(*part));
    for (size_t i = 0; i < lines.n; i++) {
        part[i] = n > 1 ? part_of(lines.v[i].account_no, n) : 0;
        start[part[i] + 1]++;
    }
    for (int k = 0; k < n; k++)
        start[k + 1] += start[k];
    size_t *fill = xreallocarray(NULL, (size_t)n, sizeof(*fill));
    memcpy(fill, start, (size_t)n * sizeof(*fill));
    for (size_t i = 0; i < lines.n; i++) {
        at[i] = fill[part[i]]++;
        pl[at[i]] = (struct post_line){ .account_no = lines.v[i].account_no,
                                        .ref = lines.v[i].ref,
                                        .amount_fen = lines.v[i].amount_fen,
                                        .paid_on = lines.v[i].paid_on };
    }
    free(fill);
    free(part);
    struct post_opts po = { .channel = channel,
                            .kind = "payment",
                            .principal_first = principal_first,
                            .check_closed_day = true,
                            .batch_id = batch_id,
                            .policies = &pol };
    why = xcalloc(lines.n ? lines.n : 1, sizeof(*why));
    why_zh = xcalloc(lines.n ? lines.n : 1, sizeof(*why_zh));
    struct parts pp = { &po, pl, start, why, why_zh };
    if (progress)
        progress(progress_arg, 0, (int64_t)lines.n);
    if (n == 1) {
        /* one transaction: the file's row, every line and the finish commit together */
        if ((ret = post_part(c, 0, 1, &pp, err)))
            goto out;
        tally(c, &lines, pl, at, res);
        ret = finish(c, channel, batch_id, resumed, res, err);
        goto out;
    }
    /* in parts: the file's row commits first, each part on its own, then the finish */
    if ((ret = store_end(c->db, 0, err)))
        goto done;
    if ((ret = ledger_parallel(c, n, post_part, &pp, err)))
        goto done;
    tally(c, &lines, pl, at, res);
    if ((ret = store_begin(c->db, err)))
        goto done;
    ret = finish(c, channel, batch_id, resumed, res, err);
out:
    ret = store_end(c->db, ret, err);
    if (!ret && progress)
        progress(progress_arg, (int64_t)lines.n, (int64_t)lines.n);
done:
    if (locked) {
        struct err e2 = ERR_INIT; /* the import's outcome stands; the session end frees it too */
        batch_unlock(c, key, &e2);
    }
    for (size_t i = 0; why && i < lines.n; i++) {
        free(why[i]);
        free(why_zh[i]);
    }
    free(why);
    free(why_zh);
    free(pl);
    free(at);
    free(start);
    VEC_FREE(&lines);
    return ret;
}
