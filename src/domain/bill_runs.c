/* Listing bill runs and one run (bill.h: bill_runs, bill_run_get), within the caller's scope:
 * a scoped caller sees a run of every org with the totals of its bills in their subtree only;
 * the progress of running runs for /metrics (bill_runs_running) and of one run
 * (bill_run_state); finishing a run split into work units in the background (bill_run_finish). */
#include "core/log.h"
#include "core/vec.h"
#include "domain/bill.h"

/* A row of Q_BILL_RUN_LIST / Q_BILL_RUN_FIND. */
static void run_row(struct ctx *c, struct store_stmt *st, struct bill_run_info *r)
{
    r->id = store_col_i64(st, 0);
    r->period = ctx_col_text(c, st, 1);
    r->org_code = ctx_col_text(c, st, 2);
    r->cycle_day = (int)store_col_i64(st, 3);
    r->status = ctx_col_text(c, st, 4);
    r->accounts = store_col_i64(st, 5);
    r->in_review = store_col_i64(st, 6);
    r->total_fen = store_col_i64(st, 7);
    r->energy_wh = store_col_i64(st, 8);
    r->started_at = store_col_i64(st, 9);
    r->started_by = ctx_col_text(c, st, 11);
    r->issued_at = store_col_null(st, 12) ? 0 : store_col_i64(st, 12);
    r->error = store_col_null(st, 15) ? NULL : ctx_col_text(c, st, 15);
    r->error_zh = r->error && !store_col_null(st, 16) ? ctx_col_text(c, st, 16) : NULL;
    /* a running run with an error stopped on it (bill_run_finish): failed until restarted */
    if (r->error && !strcmp(r->status, "running"))
        r->status = "failed";
    else
        r->error = r->error_zh = NULL;
}

/* Totals of run `r` over its bills in the caller's subtree, for a run reaching beyond it. */
static int scoped_totals(struct ctx *c, struct bill_run_info *r, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_BILL_RUN_SCOPED);
    store_bind_i64(st, 1, r->id);
    ctx_bind_scope(c, st, 2);
    int ret = store_one(st, err);
    if (!ret) {
        r->accounts = store_col_i64(st, 0);
        r->in_review = store_col_i64(st, 1);
        r->total_fen = store_col_i64(st, 2);
        r->energy_wh = store_col_i64(st, 3);
    }
    store_reset(st);
    return ret;
}

int bill_runs(struct ctx *c, const char *period, int64_t before, int64_t limit, bill_run_fn *fn,
              void *arg, struct err *err)
{
    struct period p;
    int ret;
    if (period && (ret = period_parse(period, &p, err)))
        return err_field(err, "period");
    struct store_stmt *st = store_q(c->db, Q_BILL_RUN_LIST);
    store_bind_text(st, 1, period);
    store_bind_i64(st, 2, limit > 0 ? limit : 50);
    ctx_bind_scope(c, st, 3);
    store_bind_i64(st, 4, before);
    /* rows first, then the recounts: no second statement runs while this one is open */
    VEC(struct bill_run_info) runs = VEC_INIT;
    VEC(bool) whole = VEC_INIT;
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct bill_run_info r;
        run_row(c, st, &r);
        VEC_PUSH(&runs, r);
        VEC_PUSH(&whole, store_col_i64(st, 14) != 0);
    }
    store_reset(st);
    for (size_t i = 0; ret >= 0 && i < runs.n; i++) {
        if (!whole.v[i] && (ret = scoped_totals(c, &runs.v[i], err)))
            break;
        ret = fn(arg, &runs.v[i]);
        if (ret)
            break;
    }
    VEC_FREE(&runs);
    VEC_FREE(&whole);
    return ret < 0 ? ret : 0;
}

int bill_run_get(struct ctx *c, int64_t id, struct bill_run_info *out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_BILL_RUN_FIND);
    store_bind_i64(st, 1, id);
    ctx_bind_scope(c, st, 2);
    int ret = store_one(st, err);
    bool whole = true;
    if (!ret) {
        run_row(c, st, out);
        whole = store_col_i64(st, 14) != 0;
    }
    store_reset(st);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no bill run %" PRId64, id);
    return ret || whole ? ret : scoped_totals(c, out, err);
}

int bill_runs_running(struct ctx *c, bill_running_fn *fn, void *arg, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_BILL_RUN_RUNNING);
    int ret;
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct bill_run_progress p = {
            .id = store_col_i64(st, 0),
            .period = store_col_text(st, 1),
            .accounts = store_col_i64(st, 2),
            .units = store_col_i64(st, 3),
            .units_done = store_col_i64(st, 4),
        };
        if ((ret = fn(arg, &p)))
            break;
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

int bill_run_state(struct ctx *c, int64_t id, struct bill_run_state *out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_BILL_RUN_STATE);
    store_bind_i64(st, 1, id);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no bill run %" PRId64, id);
    if (ret)
        return ret;
    bool running = !strcmp(store_col_text(st, 0), "running");
    out->accounts_done = store_col_i64(st, 1);
    out->accounts_total = store_col_null(st, 2) ? -1 : store_col_i64(st, 2);
    out->error = store_col_null(st, 3) ? NULL : ctx_col_text(c, st, 3);
    out->units = store_col_i64(st, 4);
    out->units_done = store_col_i64(st, 5);
    int64_t claimed = store_col_i64(st, 6);
    out->error_zh = store_col_null(st, 7) ? NULL : ctx_col_text(c, st, 7);
    store_reset(st);
    if (!running) {
        out->phase = "done";
        out->percent = 100;
        return 0;
    }
    out->phase = out->error                   ? "failed"
                 : out->units && !claimed     ? "waiting"
                                              : "computing";
    int64_t pct = out->accounts_total > 0 ? out->accounts_done * 100 / out->accounts_total : 0;
    out->percent = (int)(pct > 99 ? 99 : pct);
    return 0;
}

/* Record why run `id` stopped: e's message in English and, when translated, in Chinese. */
static int run_error(struct ctx *c, int64_t id, const struct err *e, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_BILL_RUN_ERROR);
    store_bind_i64(st, 1, id);
    store_bind_text(st, 2, err_text(e, false));
    if (e->msg_zh[0])
        store_bind_text(st, 3, e->msg_zh);
    else
        store_bind_null(st, 3);
    return store_exec(st, err);
}

int bill_run_finish(struct ctx *c, int64_t run_id, const struct bill_policy *p, struct err *err)
{
    struct bill_run_info run;
    struct bill_work_result w;
    char lockname[64], what[64];
    int ret = bill_run_get(c, run_id, &run, err);
    if (ret)
        return ret;
    snprintf(lockname, sizeof(lockname), "bill-run-%s", run.period);
    snprintf(what, sizeof(what), "a bill run for %s", run.period);
    if (!(ret = store_lock_try(c->db, lockname, what, err))) {
        struct bill_run_state st;
        if (!(ret = bill_run_state(c, run_id, &st, err)) && !st.units) {
            /* no account to bill: no unit was made, and the run is computed as it is */
            struct store_stmt *q = store_q(c->db, Q_BILL_RUN_FINISH_UNITS);
            store_bind_i64(q, 1, run_id);
            store_bind_i64(q, 2, ctx_now(c));
            ret = store_exec(q, err);
        } else if (!ret) {
            ret = bill_work(c, run_id, p, "pmis serve", NULL, NULL, &w, err);
        }
        store_unlock(c->db, lockname);
    }
    if (ret) {
        struct err e2 = ERR_INIT;
        while (store_tx_depth(c->db))
            store_rollback(c->db);
        if (run_error(c, run_id, err, &e2))
            log_error("bill run %" PRId64 ": cannot record its error: %s", run_id, e2.msg);
    }
    return ret;
}
