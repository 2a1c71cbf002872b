/*
 * The bill run (bill.h). Accounts a page at a time in id order; per page a few queries fetch
 * the meter stays, the readings, the bill history and (on a re-run) the issued bills of all its
 * accounts at once; VEE and the tariff engine price each account; the drafts of a page, with the
 * run's cursor, are written in one transaction by bulk loads (binary COPY on PostgreSQL).
 * Reading and computing run on a second thread with its own connection (a WAL reader on SQLite,
 * another session on PostgreSQL), at most RUN_SLOTS pages ahead of the writer, so memory stays
 * the same whatever the number of accounts. The writer keeps the run's lock and connection.
 */
#include "domain/bill.h"

#include "core/energy.h"
#include "core/log.h"
#include "core/money.h"
#include "core/strbuf.h"
#include "domain/audit.h"
#include "domain/bill_int.h"
#include "domain/bill_text.h"
#include "domain/reading.h"
#include "domain/vee.h"

#include <pthread.h>

void bill_policy_default(struct bill_policy *p)
{
    p->review_multiple_pct = 300;
    p->spike_pct = 300;
    p->due_days = 15;
    p->batch = 1000;
}

/* ---- the run ---- */

/* What the reading side needs to produce pages (one per run). */
struct run_src {
    const struct bill_run_opts *o;
    const struct bill_env *env;
    int64_t org_id, run_id, cursor;
    int64_t last_id; /* bill accounts up to this id (INT64_MAX: all) */
    int64_t unit_no; /* the work unit being computed, or -1 */
    bool had_runs;   /* earlier runs of the period: skip issued accounts, replace drafts */
    int limit;
};

/* A computed page, ready to write: its bills, the accounts' ids (to replace their drafts) and
 * the run's new cursor and counters. */
struct run_slot {
    struct bill_batch batch;
    struct strbuf ids;
    size_t naccts; /* accounts of the page (0: no more pages) */
    int64_t cursor, n_acc, n_rev, fen, wh, failed, skipped;
};

static void slot_init(struct run_slot *sl)
{
    memset(sl, 0, sizeof(*sl));
    bill_batch_init(&sl->batch);
    strbuf_init(&sl->ids, 0);
}

static void slot_release(struct run_slot *sl)
{
    bill_batch_release(&sl->batch);
    strbuf_release(&sl->ids);
}

static int load_page(struct ctx *c, struct bill_page *pg, int64_t after, int64_t last_id,
                     int cycle_day, int64_t org_id, struct period p, int limit, struct err *err)
{
    char hi[DATE_BUF_SIZE], lo[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_BILL_ACCOUNTS_PAGE);
    int ret;
    VEC_CLEAR(&pg->accts);
    store_bind_i64(st, 1, after);
    store_bind_i64(st, 2, cycle_day);
    store_bind_i64(st, 3, org_id);
    store_bind_text(st, 4, bill_fmt_date(period_last_day(p), hi));
    store_bind_text(st, 5, bill_fmt_date(period_first_day(p), lo));
    store_bind_i64(st, 6, limit);
    store_bind_i64(st, 7, last_id);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct bill_acct a;
        bill_acct_from_row(st, &a);
        VEC_PUSH(&pg->accts, a);
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

/* Read and compute the next page after src->cursor into `sl` (sl->naccts 0 at the end). */
static int produce_page(struct ctx *c, struct run_src *src, struct bill_page *pg,
                        struct bill_draft *d, struct run_slot *sl, struct err *err)
{
    const struct bill_run_opts *o = src->o;
    int ret;

    bill_batch_reset(&sl->batch);
    strbuf_reset(&sl->ids);
    sl->naccts = 0;
    sl->n_acc = sl->n_rev = sl->fen = sl->wh = sl->failed = sl->skipped = 0;
    if ((ret = load_page(c, pg, src->cursor, src->last_id, o->cycle_day, src->org_id, o->period,
                         src->limit, err)))
        return ret;
    if (!pg->accts.n)
        return 0;
    if ((ret = bill_load_stays(c, pg, o->period, err)) ||
        (ret = bill_page_prefetch(c, pg, o->period, src->had_runs && !o->dry_run, err)))
        return ret;
    for (size_t i = 0; i < pg->accts.n; i++) {
        const struct bill_acct *a = &pg->accts.v[i];
        arena_reset(c->arena);
        if (a->issued) {
            sl->skipped++;
            continue;
        }
        if ((ret = bill_compute(c, src->env, pg, a, d, err)))
            return ret;
        sl->n_acc++;
        if (!strcmp(d->status, "review"))
            sl->n_rev++;
        if (d->failed)
            sl->failed++;
        sl->fen += d->q.total_fen;
        sl->wh += d->q.energy_wh;
        if (!o->dry_run)
            bill_batch_add(&sl->batch, src->run_id, a->id, a->tariff_code, "regular", 0, d);
    }
    strbuf_add(&sl->ids, pg->ids.buf, pg->ids.len);
    sl->naccts = pg->accts.n;
    sl->cursor = src->cursor = pg->accts.v[pg->accts.n - 1].id;
    return 0;
}

/* Write a page with the run's cursor in one transaction and count it into r. */
static int write_page(struct ctx *c, const struct run_src *src, struct run_slot *sl,
                      struct bill_run_result *r, struct err *err)
{
    char pb[PERIOD_BUF_SIZE];
    int64_t replaced = 0;
    int ret;

    if (!src->o->dry_run) {
        struct store_stmt *st;
        if ((ret = store_begin(c->db, err)))
            return ret;
#ifdef PMIS_TESTING
        ctx_test_pause("PMIS_TEST_BILL_PAUSE_MS"); /* t0568: a run longer than the timeout */
#endif
        if (src->had_runs) {
            /* earlier drafts of these accounts (not the issued ones) */
            st = store_q(c->db, Q_BILL_DELETE_DRAFTS);
            store_bind_text(st, 1, sl->ids.buf);
            store_bind_text(st, 2, period_format(src->o->period, pb));
            if (!(ret = store_exec(st, err)))
                replaced = store_changes(st);
        }
        if (!ret)
            ret = bill_batch_write(c, &sl->batch, err);
        if (!ret && src->unit_no < 0) {
            st = store_q(c->db, Q_BILL_RUN_PROGRESS);
            store_bind_i64(st, 1, src->run_id);
            store_bind_i64(st, 2, sl->cursor);
            store_bind_i64(st, 3, sl->n_acc);
            store_bind_i64(st, 4, sl->n_rev);
            store_bind_i64(st, 5, sl->fen);
            store_bind_i64(st, 6, sl->wh);
            ret = store_exec(st, err);
        } else if (!ret) { /* a work unit: its own cursor, the run's counters */
            st = store_q(c->db, Q_BILL_UNIT_PROGRESS);
            store_bind_i64(st, 1, src->run_id);
            store_bind_i64(st, 2, src->unit_no);
            store_bind_i64(st, 3, sl->cursor);
            store_bind_i64(st, 4, sl->n_acc);
            if (!(ret = store_exec(st, err))) {
                st = store_q(c->db, Q_BILL_RUN_ADD);
                store_bind_i64(st, 1, src->run_id);
                store_bind_i64(st, 2, sl->n_acc);
                store_bind_i64(st, 3, sl->n_rev);
                store_bind_i64(st, 4, sl->fen);
                store_bind_i64(st, 5, sl->wh);
                ret = store_exec(st, err);
            }
        }
        if ((ret = store_end(c->db, ret, err)))
            return ret;
    }
    r->replaced += replaced;
    r->accounts += sl->n_acc;
    r->in_review += sl->n_rev;
    r->failed += sl->failed;
    r->skipped += sl->skipped;
    r->total_fen += sl->fen;
    r->energy_wh += sl->wh;
    return 0;
}

/*
 * The two-thread pipeline: the producer reads and computes pages on its own connection into a
 * ring of RUN_SLOTS slots; the writer (the caller's thread and connection, which holds the run's
 * lock) writes them in order. A slot is reused only after it was written, so at most RUN_SLOTS
 * pages of bills exist at a time.
 */
#define RUN_SLOTS 3

struct run_pipe {
    struct run_src *src;
    struct ctx rc; /* the producer's context: its own connection and arena */
    struct arena arena;
    struct run_slot slots[RUN_SLOTS];
    pthread_mutex_t mu;
    pthread_cond_t produced, consumed;
    size_t head, tail; /* slots written / slots produced */
    bool stop;         /* the writer gave up */
    bool done;         /* the producer finished (end of pages or error) */
    int rc_err;        /* the producer's error */
    struct err err;
};

static void *pipe_produce(void *arg)
{
    struct run_pipe *p = arg;
    struct bill_page pg;
    struct bill_draft d;
    struct err err = ERR_INIT;
    int ret = 0;

    bill_page_init(&pg);
    bill_draft_init(&d);
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->stop && p->tail - p->head == RUN_SLOTS)
            pthread_cond_wait(&p->consumed, &p->mu);
        bool stop = p->stop;
        struct run_slot *sl = &p->slots[p->tail % RUN_SLOTS];
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        ret = produce_page(&p->rc, p->src, &pg, &d, sl, &err);
        pthread_mutex_lock(&p->mu);
        if (!ret)
            p->tail++;
        pthread_cond_signal(&p->produced);
        pthread_mutex_unlock(&p->mu);
        if (ret || !sl->naccts)
            break;
    }
    pthread_mutex_lock(&p->mu);
    p->done = true;
    if (ret) {
        p->rc_err = ret;
        p->err = err;
    }
    pthread_cond_signal(&p->produced);
    pthread_mutex_unlock(&p->mu);
    bill_draft_release(&d);
    bill_page_release(&pg);
    return NULL;
}

/* Run the pages through two threads; `peer` is the producer's connection. */
static int run_piped(struct ctx *c, struct store *peer, struct run_src *src,
                     struct bill_run_result *r, int64_t total, struct err *err)
{
    struct run_pipe p;
    pthread_t th;
    int64_t done = 0;
    int ret = 0;

    memset(&p, 0, sizeof(p));
    p.src = src;
    p.rc = *c;
    p.rc.db = peer;
    p.rc.arena = &p.arena;
    p.rc.cache = NULL; /* the producer looks nothing up through the context */
    p.err = (struct err)ERR_INIT;
    for (int i = 0; i < RUN_SLOTS; i++)
        slot_init(&p.slots[i]);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.produced, NULL);
    pthread_cond_init(&p.consumed, NULL);
    if (pthread_create(&th, NULL, pipe_produce, &p)) {
        ret = error(err, ERR_INTERNAL, "cannot start the bill run's reader thread: %s",
                    strerror(errno));
        goto out;
    }
    for (;;) {
        pthread_mutex_lock(&p.mu);
        while (p.head == p.tail && !p.done)
            pthread_cond_wait(&p.produced, &p.mu);
        bool have = p.head != p.tail;
        struct run_slot *sl = &p.slots[p.head % RUN_SLOTS];
        pthread_mutex_unlock(&p.mu);
        if (!have)
            break; /* done, with or without an error */
        if (!sl->naccts)
            break; /* the end of the pages */
        if ((ret = write_page(c, src, sl, r, err)))
            break;
        done += (int64_t)sl->naccts;
        pthread_mutex_lock(&p.mu);
        p.head++;
        pthread_cond_signal(&p.consumed);
        pthread_mutex_unlock(&p.mu);
        if (src->o->progress)
            src->o->progress(src->o->progress_arg, done, total);
    }
    pthread_mutex_lock(&p.mu);
    p.stop = true;
    pthread_cond_signal(&p.consumed);
    pthread_mutex_unlock(&p.mu);
    pthread_join(th, NULL);
    if (!ret && p.rc_err) {
        *err = p.err;
        ret = p.rc_err;
    }
out:
    for (int i = 0; i < RUN_SLOTS; i++)
        slot_release(&p.slots[i]);
    arena_release(&p.arena);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.produced);
    pthread_cond_destroy(&p.consumed);
    return ret;
}

/* The same on one connection, a page read and then written (dry runs, in-memory databases). */
static int run_serial(struct ctx *c, struct run_src *src, struct bill_run_result *r, int64_t total,
                      struct err *err)
{
    struct bill_page pg;
    struct bill_draft d;
    struct run_slot sl;
    int64_t done = 0;
    int ret;
    /* the pages are computed on a context with an arena of its own, reset per account as the
     * piped producer's is: the caller's arena (an HTTP request's holds its method, path and
     * user) is not the run's to reset */
    struct arena arena = ARENA_INIT;
    struct ctx pc = *c;
    pc.arena = &arena;

    bill_page_init(&pg);
    bill_draft_init(&d);
    slot_init(&sl);
    while (!(ret = produce_page(&pc, src, &pg, &d, &sl, err)) && sl.naccts) {
        if ((ret = write_page(c, src, &sl, r, err)))
            break;
        done += (int64_t)sl.naccts;
        if (src->o->progress)
            src->o->progress(src->o->progress_arg, done, total);
    }
    slot_release(&sl);
    bill_draft_release(&d);
    bill_page_release(&pg);
    arena_release(&arena);
    return ret;
}

static int run_open(struct ctx *c, const struct bill_run_opts *o, int64_t org_id,
                    struct bill_run_result *r, int64_t *cursor, bool *had_runs, struct err *err)
{
    char pb[PERIOD_BUF_SIZE];
    struct store_stmt *st;
    int ret;

    st = store_q(c->db, Q_BILL_RUN_ANY);
    store_bind_text(st, 1, period_format(o->period, pb));
    if ((ret = store_one(st, err)))
        return ret;
    *had_runs = store_col_i64(st, 0) > 0;
    store_reset(st);
    *cursor = 0;
    if (o->dry_run)
        return 0;

    st = store_q(c->db, Q_BILL_RUN_OPEN);
    store_bind_text(st, 1, pb);
    store_bind_i64(st, 2, org_id);
    store_bind_i64(st, 3, o->cycle_day);
    ret = store_one(st, err);
    if (ret && ret != ERR_NOT_FOUND)
        return ret;
    if (!ret) {
        int64_t id = store_col_i64(st, 0), units = 0, left = 0;
        bool running = !strcmp(store_col_text(st, 1), "running");
        store_reset(st);
        if (running) {
            st = store_q(c->db, Q_BILL_UNIT_COUNT);
            store_bind_i64(st, 1, id);
            if ((ret = store_one(st, err)))
                return ret;
            units = store_col_i64(st, 0);
            left = store_col_i64(st, 1);
            store_reset(st);
        }
        if (running && units && !o->restart)
            return error(err, ERR_CONFLICT,
                         "bill run %" PRId64 " is split into %" PRId64 " work units (%" PRId64
                         " left): finish it with 'pmis bill work %" PRId64 "', or --restart it",
                         id, units, left, id);
        if (units) {
            st = store_q(c->db, Q_BILL_UNIT_DELETE);
            store_bind_i64(st, 1, id);
            if ((ret = store_exec(st, err)))
                return ret;
        }
        st = store_q(c->db, Q_BILL_RUN_OPEN);
        store_bind_text(st, 1, pb);
        store_bind_i64(st, 2, org_id);
        store_bind_i64(st, 3, o->cycle_day);
        if ((ret = store_one(st, err)))
            return ret;
        if (running && !o->restart) {
            r->run_id = id;
            r->resumed = true;
            *cursor = store_col_i64(st, 2);
            r->accounts = store_col_i64(st, 3);
            r->in_review = store_col_i64(st, 4);
            r->total_fen = store_col_i64(st, 5);
            r->energy_wh = store_col_i64(st, 6);
            store_reset(st);
            return 0;
        }
        store_reset(st);
        if (running) {
            st = store_q(c->db, Q_BILL_RUN_RESTART);
            store_bind_i64(st, 1, id);
            store_bind_i64(st, 2, ctx_now(c));
            store_bind_text(st, 3, c->actor);
            r->run_id = id;
            return store_exec(st, err);
        }
        st = store_q(c->db, Q_BILL_RUN_STATUS);
        store_bind_i64(st, 1, id);
        store_bind_text(st, 2, "replaced");
        store_bind_i64(st, 3, ctx_now(c));
        if ((ret = store_exec(st, err)))
            return ret;
    }
    st = store_q(c->db, Q_BILL_RUN_INSERT);
    store_bind_text(st, 1, pb);
    if (org_id)
        store_bind_i64(st, 2, org_id);
    else
        store_bind_null(st, 2);
    store_bind_i64(st, 3, o->cycle_day);
    store_bind_i64(st, 4, ctx_now(c));
    store_bind_text(st, 5, c->actor);
    if ((ret = store_one(st, err)))
        return ret;
    r->run_id = store_col_i64(st, 0);
    store_reset(st);
    return 0;
}

/* Split the accounts the run bills after `after` into at most o->units work units. */
static int split_units(struct ctx *c, const struct run_src *src, int64_t *n, struct err *err)
{
    char hi[DATE_BUF_SIZE], lo[DATE_BUF_SIZE];
    const struct bill_run_opts *o = src->o;
    struct store_stmt *st = store_q(c->db, Q_BILL_UNIT_BOUNDS);
    int64_t bounds[BILL_UNITS_MAX], after = src->cursor;
    int k = 0, ret;
    store_bind_i64(st, 1, src->cursor);
    store_bind_i64(st, 2, o->cycle_day);
    store_bind_i64(st, 3, src->org_id);
    store_bind_text(st, 4, bill_fmt_date(period_last_day(o->period), hi));
    store_bind_text(st, 5, bill_fmt_date(period_first_day(o->period), lo));
    store_bind_i64(st, 6, o->units);
    while ((ret = store_step(st, err)) == STORE_ROW)
        if (k < BILL_UNITS_MAX)
            bounds[k++] = store_col_i64(st, 0);
    store_reset(st);
    if (ret < 0)
        return ret;
    for (int i = 0; i < k; i++) {
        st = store_q(c->db, Q_BILL_UNIT_INSERT);
        store_bind_i64(st, 1, src->run_id);
        store_bind_i64(st, 2, i + 1);
        store_bind_i64(st, 3, after);
        /* the last unit is open-ended: accounts added meanwhile are billed too, as by a run */
        store_bind_i64(st, 4, i + 1 == k ? INT64_MAX : bounds[i]);
        if ((ret = store_exec(st, err)))
            return ret;
        after = bounds[i];
    }
    *n = k;
    return 0;
}

static int count_accounts(struct ctx *c, int64_t after, const struct bill_run_opts *o,
                          int64_t org_id, int64_t *n, struct err *err)
{
    char hi[DATE_BUF_SIZE], lo[DATE_BUF_SIZE];
    struct store_stmt *st = store_q(c->db, Q_BILL_ACCOUNTS_COUNT);
    int ret;
    store_bind_i64(st, 1, after);
    store_bind_i64(st, 2, o->cycle_day);
    store_bind_i64(st, 3, org_id);
    store_bind_text(st, 4, bill_fmt_date(period_last_day(o->period), hi));
    store_bind_text(st, 5, bill_fmt_date(period_first_day(o->period), lo));
    if ((ret = store_one(st, err)))
        return ret;
    *n = store_col_i64(st, 0);
    store_reset(st);
    return 0;
}

/* Record that run `run_id` bills `n` accounts in all, for its progress (bill_run_state). */
static int run_total(struct ctx *c, int64_t run_id, int64_t n, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_BILL_RUN_TOTAL);
    store_bind_i64(st, 1, run_id);
    store_bind_i64(st, 2, n);
    return store_exec(st, err);
}

int bill_run(struct ctx *c, const struct bill_run_opts *o, struct bill_run_result *r,
             struct err *err)
{
    char pb[PERIOD_BUF_SIZE], lockname[64], what[64];
    struct bill_policy defpol;
    struct bill_env env;
    struct run_src src;
    struct store *peer = NULL;
    int64_t total = 0;
    bool locked = false;
    int ret;

    memset(r, 0, sizeof(*r));
    memset(&src, 0, sizeof(src));
    if (!o->policy)
        bill_policy_default(&defpol);
    env.policy = o->policy ? o->policy : &defpol;
    env.period = o->period;
    env.tariffs = NULL;
    if (o->cycle_day < 0 || o->cycle_day > 28) {
        error(err, ERR_INVALID, "reading day %d is out of range (1..28)", o->cycle_day);
        return err_field(err, "cycle_day");
    }
    if (o->units < 0 || o->units > BILL_UNITS_MAX) {
        error(err, ERR_INVALID, "work units must be 1 to %d, not %d", BILL_UNITS_MAX, o->units);
        return err_field(err, "units");
    }
    if (o->units && o->dry_run)
        return error(err, ERR_USAGE, "a dry run computes in one process: no work units");
    src.o = o;
    src.last_id = INT64_MAX;
    src.unit_no = -1;
    src.env = &env;
    src.limit = env.policy->batch > 0 ? env.policy->batch : 1000;
    if (o->org_code && (ret = ctx_org_id(c, o->org_code, &src.org_id, err)))
        return ret;
    period_format(o->period, pb);
    snprintf(lockname, sizeof(lockname), "bill-run-%s", pb);
    snprintf(what, sizeof(what), "a bill run for %s", pb);
    if ((ret = store_lock_try(c->db, lockname, what, err)))
        return ret;
    locked = true;
    if ((ret = tariff_set_load(c, &env.tariffs, err)))
        goto out;
    if ((ret = store_begin(c->db, err)))
        goto out;
    if ((ret =
             store_end(c->db, run_open(c, o, src.org_id, r, &src.cursor, &src.had_runs, err), err)))
        goto out;
    src.run_id = r->run_id;
    if (o->units) { /* split, and leave the computing to `pmis bill work` processes */
        char key[32], detail[96];
        if ((ret = count_accounts(c, src.cursor, o, src.org_id, &total, err)) ||
            (ret = store_begin(c->db, err)))
            goto out;
        ret = split_units(c, &src, &r->units, err);
        if (!ret)
            ret = run_total(c, r->run_id, total, err);
        snprintf(key, sizeof(key), "%" PRId64, r->run_id);
        snprintf(detail, sizeof(detail), "period %s: %" PRId64 " work units", pb, r->units);
        struct audit_rec ar = { "bill.split", "bill_run", key, NULL, NULL, detail };
        if (!ret)
            ret = audit_append(c, &ar, err);
        ret = store_end(c->db, ret, err);
        goto out;
    }
    if ((ret = count_accounts(c, src.cursor, o, src.org_id, &total, err)))
        goto out;
    if (!o->dry_run) {
        if ((ret = store_begin(c->db, err)) ||
            (ret = store_end(c->db, run_total(c, r->run_id, r->accounts + total, err), err)))
            goto out;
    }

    /* a dry run writes nothing, so a second thread would only wait */
    if (!o->dry_run) {
        struct err e2 = ERR_INIT;
        if (store_open_peer(c->db, &peer, &e2))
            log_debug("bill run on one connection: %s", e2.msg);
    }
    ret = peer ? run_piped(c, peer, &src, r, total, err) : run_serial(c, &src, r, total, err);
    if (ret)
        goto out;
    if (!o->dry_run) {
        char detail[160];
        struct audit_rec ar = { "bill.run", "bill_run", NULL, NULL, NULL, detail };
        char key[32];
        snprintf(key, sizeof(key), "%" PRId64, r->run_id);
        ar.entity_key = key;
        snprintf(detail, sizeof(detail),
                 "period %s: %" PRId64 " bills, %" PRId64 " in review, %" PRId64
                 " replaced, %" PRId64 " skipped",
                 pb, r->accounts, r->in_review, r->replaced, r->skipped);
        if ((ret = store_begin(c->db, err)))
            goto out;
        struct store_stmt *st = store_q(c->db, Q_BILL_RUN_STATUS);
        store_bind_i64(st, 1, r->run_id);
        store_bind_text(st, 2, "computed");
        store_bind_i64(st, 3, ctx_now(c));
        ret = store_exec(st, err);
        if (!ret)
            ret = audit_append(c, &ar, err);
        ret = store_end(c->db, ret, err);
    }
out:
    if (peer)
        store_close(peer);
    if (env.tariffs)
        tariff_set_free(env.tariffs);
    if (locked)
        store_unlock(c->db, lockname);
    return ret;
}

/* ---- work units (several processes) ---- */

/* Compute claimed unit `unit_no` of the run from its cursor, then mark it done. */
static int work_unit(struct ctx *c, struct run_src *src, struct bill_work_result *w,
                     struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_BILL_UNIT_GET);
    struct store *peer = NULL;
    struct bill_run_result r;
    int64_t total = 0;
    int ret;

    memset(&r, 0, sizeof(r));
    store_bind_i64(st, 1, src->run_id);
    store_bind_i64(st, 2, src->unit_no);
    if ((ret = store_one(st, err)))
        return ret;
    src->cursor = store_col_i64(st, 2);
    src->last_id = store_col_i64(st, 1);
    bool done = !strcmp(store_col_text(st, 3), "done");
    store_reset(st);
    if (done) /* another worker finished it between our look and our lock */
        return 0;
    if ((ret = count_accounts(c, src->cursor, src->o, src->org_id, &total, err)))
        return ret;
    struct err e2 = ERR_INIT;
    if (store_open_peer(c->db, &peer, &e2))
        log_debug("work unit on one connection: %s", e2.msg);
    ret = peer ? run_piped(c, peer, src, &r, total, err) : run_serial(c, src, &r, total, err);
    if (peer)
        store_close(peer);
    if (ret)
        return ret;
    if ((ret = store_begin(c->db, err)))
        return ret;
    st = store_q(c->db, Q_BILL_UNIT_DONE);
    store_bind_i64(st, 1, src->run_id);
    store_bind_i64(st, 2, src->unit_no);
    store_bind_i64(st, 3, ctx_now(c));
    if ((ret = store_end(c->db, store_exec(st, err), err)))
        return ret;
    w->units++;
    w->r.accounts += r.accounts;
    w->r.in_review += r.in_review;
    w->r.failed += r.failed;
    w->r.skipped += r.skipped;
    w->r.replaced += r.replaced;
    w->r.total_fen += r.total_fen;
    w->r.energy_wh += r.energy_wh;
    return 0;
}

typedef VEC(int64_t) id_vec;

/* The run's units not done yet, in order. */
static int open_units(struct ctx *c, int64_t run_id, id_vec *out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_BILL_UNITS_OPEN);
    int ret;
    VEC_CLEAR(out);
    store_bind_i64(st, 1, run_id);
    while ((ret = store_step(st, err)) == STORE_ROW)
        VEC_PUSH(out, store_col_i64(st, 0));
    store_reset(st);
    return ret < 0 ? ret : 0;
}

int bill_work(struct ctx *c, int64_t run_id, const struct bill_policy *p, const char *worker,
              bill_progress_fn *progress, void *progress_arg, struct bill_work_result *w,
              struct err *err)
{
    struct bill_policy defpol;
    struct bill_run_opts o = { .policy = p, .progress = progress, .progress_arg = progress_arg };
    struct bill_env env = { .tariffs = NULL };
    struct run_src src;
    id_vec units = VEC_INIT;
    int ret;

    memset(w, 0, sizeof(*w));
    memset(&src, 0, sizeof(src));
    if (!p) {
        bill_policy_default(&defpol);
        o.policy = &defpol;
    }
    struct store_stmt *st = store_q(c->db, Q_BILL_RUN_GET);
    store_bind_i64(st, 1, run_id);
    if ((ret = store_one(st, err)))
        return ret == ERR_NOT_FOUND ? error(err, ERR_NOT_FOUND, "no bill run %" PRId64, run_id)
                                    : ret;
    ret = period_parse(store_col_text(st, 1), &o.period, err);
    const char *org = store_col_null(st, 2) ? NULL : ctx_col_text(c, st, 2);
    o.cycle_day = (int)store_col_i64(st, 3);
    bool running = !strcmp(store_col_text(st, 4), "running");
    store_reset(st);
    if (ret || (org && (ret = ctx_org_id(c, org, &src.org_id, err))))
        return ret;
    st = store_q(c->db, Q_BILL_UNIT_COUNT);
    store_bind_i64(st, 1, run_id);
    if ((ret = store_one(st, err)))
        return ret;
    int64_t nunits = store_col_i64(st, 0);
    store_reset(st);
    if (!nunits)
        return error(err, ERR_CONFLICT,
                     "bill run %" PRId64 " has no work units (make them with bill run --units)",
                     run_id);
    if (!running) /* all done already: nothing to do, and not an error */
        return 0;
    env.policy = o.policy;
    env.period = o.period;
    src.o = &o;
    src.env = &env;
    src.run_id = run_id;
    src.had_runs = true; /* a unit may follow earlier runs or its own killed worker */
    src.limit = o.policy->batch > 0 ? o.policy->batch : 1000;
    if ((ret = tariff_set_load(c, &env.tariffs, err)) || (ret = open_units(c, run_id, &units, err)))
        goto out;
    for (size_t i = 0; i < units.n; i++) {
        char name[64], what[64];
        struct err busy = ERR_INIT;
        snprintf(name, sizeof(name), "bill-unit-%" PRId64 "-%" PRId64, run_id, units.v[i]);
        snprintf(what, sizeof(what), "work unit %" PRId64 " of bill run %" PRId64, units.v[i],
                 run_id);
        if (store_lock_try(c->db, name, what, &busy))
            continue; /* another worker has it */
        src.unit_no = units.v[i];
        bool claimed = false;
        if ((ret = store_begin(c->db, err)) == 0) {
            st = store_q(c->db, Q_BILL_UNIT_CLAIM); /* not if finished meanwhile */
            store_bind_i64(st, 1, run_id);
            store_bind_i64(st, 2, src.unit_no);
            store_bind_text(st, 3, worker ? worker : c->actor);
            store_bind_i64(st, 4, ctx_now(c));
            if (!(ret = store_exec(st, err)))
                claimed = store_changes(st) > 0;
            ret = store_end(c->db, ret, err);
        }
        if (!ret && claimed)
            ret = work_unit(c, &src, w, err);
        store_unlock(c->db, name);
        if (ret)
            goto out;
    }
    /* the last worker out makes the run computed, once */
    if ((ret = store_begin(c->db, err)))
        goto out;
    st = store_q(c->db, Q_BILL_RUN_FINISH_UNITS);
    store_bind_i64(st, 1, run_id);
    store_bind_i64(st, 2, ctx_now(c));
    if (!(ret = store_exec(st, err)) && store_changes(st)) {
        char key[32], detail[96];
        w->finished = true;
        snprintf(key, sizeof(key), "%" PRId64, run_id);
        snprintf(detail, sizeof(detail), "%" PRId64 " work units computed", nunits);
        struct audit_rec ar = { "bill.run", "bill_run", key, NULL, NULL, detail };
        ret = audit_append(c, &ar, err);
    }
    if ((ret = store_end(c->db, ret, err)))
        goto out;
    st = store_q(c->db, Q_BILL_UNIT_COUNT);
    store_bind_i64(st, 1, run_id);
    if (!(ret = store_one(st, err))) {
        w->units_left = store_col_i64(st, 1);
        store_reset(st);
    }
out:
    VEC_FREE(&units);
    if (env.tariffs)
        tariff_set_free(env.tariffs);
    return ret;
}
