/*
 * Claims of the delivery worker (see outbox.h, outbox_deliver.c): worker slots (a named lock
 * that dies with the process), claiming due messages for a slot in one transaction that takes
 * only unclaimed ones (SQLite serialises writers; PostgreSQL FOR UPDATE SKIP LOCKED), and
 * requeuing the claims of a slot whose worker died or stopped, to be posted again with the
 * same Idempotency-Key.
 */
#include "domain/outbox_int.h"

#include "core/common.h"
#include "core/log.h"
#include "core/xalloc.h"

#include <inttypes.h>
#include <string.h>

static bool slot_name_ok(const char *s)
{
    const char *p = "outbox-worker-";
    if (strncmp(s, p, strlen(p)) || !s[strlen(p)] || strlen(s) > 24)
        return false;
    for (s += strlen(p); *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* Requeue the claims of `slot` (a worker that died, or our own leftovers), due at once. */
int outbox_release(struct ctx *c, const char *slot, const char *why, int64_t *n, struct err *err)
{
    int ret = store_begin(c->db, err);
    if (ret)
        return ret;
    struct store_stmt *st = store_q(c->db, Q_OUTBOX_RELEASE);
    store_bind_text(st, 1, slot);
    store_bind_i64(st, 2, ctx_now(c));
    store_bind_text(st, 3, why);
    if (!(ret = store_exec(st, err))) {
        *n += store_changes(st);
        st = store_q(c->db, Q_OUTBOX_ATTEMPT_CUT);
        store_bind_text(st, 1, slot);
        store_bind_i64(st, 2, ctx_now(c));
        store_bind_text(st, 3, why);
        ret = store_exec(st, err);
    }
    return store_end(c->db, ret, err);
}

/* Claims held by slots whose worker is gone (their lock is free) go back to the queue. */
int outbox_recover(struct worker *w, struct err *err)
{
    VEC(char *) slots = VEC_INIT;
    struct store_stmt *st = store_q(w->c->db, Q_OUTBOX_CLAIMERS);
    int ret;
    while ((ret = store_step(st, err)) == STORE_ROW)
        if (slot_name_ok(store_col_text(st, 0)) && strcmp(store_col_text(st, 0), w->r->worker))
            VEC_PUSH(&slots, xstrdup(store_col_text(st, 0)));
    for (size_t i = 0; i < slots.n && !ret; i++) {
        struct err busy = ERR_INIT;
        if (store_lock_try(w->c->db, slots.v[i], "an outbox worker", &busy))
            continue; /* alive (or another worker is recovering it right now) */
        int64_t before = w->r->released;
        ret = outbox_release(w->c, slots.v[i], "interrupted: the worker died mid-delivery; posted "
                      "again with the same key", &w->r->released, err);
        store_unlock(w->c->db, slots.v[i]);
        if (w->r->released > before)
            log_info("outbox: requeued %" PRId64 " messages of %s, which stopped mid-delivery",
                     w->r->released - before, slots.v[i]);
    }
    for (size_t i = 0; i < slots.n; i++)
        free(slots.v[i]);
    VEC_FREE(&slots);
    return ret;
}

void outbox_batch_clear(struct worker *w)
{
    for (size_t i = 0; i < w->batch.n; i++) {
        struct claimed *m = &w->batch.v[i];
        free(m->kind), free(m->channel), free(m->recipient), free(m->lang), free(m->key);
        explicit_bzero(m->body, strlen(m->body));
        free(m->body);
    }
    VEC_CLEAR(&w->batch);
}

int outbox_claim(struct worker *w, struct err *err)
{
    struct ctx *c = w->c;
    int64_t now = ctx_now(c);
    int ret = store_begin(c->db, err);
    if (ret)
        return ret;
    struct store_stmt *st = store_q(c->db, Q_OUTBOX_CLAIM);
    store_bind_text(st, 1, w->r->worker);
    store_bind_i64(st, 2, now);
    store_bind_text(st, 3, w->chans);
    store_bind_i64(st, 4, w->o->batch);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct claimed m = {
            .id = store_col_i64(st, 0),
            .kind = xstrdup(store_col_text(st, 1)),
            .channel = xstrdup(store_col_text(st, 2)),
            .account_id = store_col_i64(st, 3),
            .recipient = xstrdup(store_col_text(st, 4)),
            .body = xstrdup(store_col_text(st, 5)),
            .lang = xstrdup(store_col_text(st, 6)),
            .key = xstrdup(store_col_text(st, 7)),
            .attempts = store_col_i64(st, 8),
            .created_at = store_col_i64(st, 9),
        };
        m.ch = outbox_channel_index(m.channel);
        VEC_PUSH(&w->batch, m);
    }
    for (size_t i = 0; i < w->batch.n && !ret; i++) {
        st = store_q(c->db, Q_OUTBOX_ATTEMPT_ADD);
        store_bind_i64(st, 1, w->batch.v[i].id);
        store_bind_text(st, 2, w->r->worker);
        store_bind_i64(st, 3, now);
        ret = store_exec(st, err);
    }
    ret = store_end(c->db, ret, err);
    if (ret)
        outbox_batch_clear(w);
    return ret;
}

int outbox_take_slot(struct worker *w, struct err *err)
{
    for (int k = 1; k <= 64; k++) {
        snprintf(w->r->worker, sizeof(w->r->worker), "outbox-worker-%d", k);
        int ret = store_lock_try(w->c->db, w->r->worker, "an outbox worker", err);
        if (!ret)
            return 0;
        if (ret != ERR_BUSY)
            return ret;
        err_clear(err);
    }
    return error(err, ERR_BUSY, "64 outbox workers are running already");
}
