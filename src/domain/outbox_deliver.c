/*
 * The delivery worker (see outbox.h): the loop over claimed batches (slots and claims are
 * outbox_claim.c's), the POST of each message to its channel's gateway (outbox_http.c), and
 * the outcome (sent, retried with back-off, dead).
 *
 * No message is sent twice by two workers: a message is claimed (claimed_by = the worker's
 * slot) in a transaction that only takes unclaimed ones (SQLite serialises writers; on
 * PostgreSQL FOR UPDATE SKIP LOCKED). No message is lost when a worker dies: its slot lock
 * dies with it, and the next worker that finds the slot free requeues the slot's claims, to be
 * posted again with the same Idempotency-Key (at least once, with a key the gateway dedups by).
 * The claim is committed before the POST, so an attempt that may have reached the gateway is
 * always on record. A database failure (busy, unreachable, I/O) is logged and waited out with
 * back-off: the outcome of a POST already made is recorded first when the database answers
 * again (never posted twice), the slot lock is checked (a lost PostgreSQL session loses it)
 * and the unposted rest of the batch is requeued. Called by cmd_outbox.c.
 */
#include "domain/outbox_int.h"

#include "core/common.h"
#include "core/date.h"
#include "core/keyring.h"
#include "core/log.h"
#include "core/vec.h"
#include "core/xalloc.h"

#include <inttypes.h>
#include <jansson.h>
#include <string.h>
#include <time.h>

/* A database failure is waited out: 100 ms, doubling to 30 s; a `once` run gives up after 8. */
#define OUTBOX_DB_BACKOFF_MS 100
#define OUTBOX_DB_BACKOFF_CAP_MS 30000
#define OUTBOX_ONCE_TRIES 8

/* ---- one POST ---- */

enum outcome { OUT_SENT, OUT_RETRY, OUT_DEAD };

/* The recipient's phone (the account's contact, else the customer's) or, for email, the
 * address of the account's notices (message_pref, 0025), decrypted now; *none when missing. */
static int contact(struct worker *w, const struct claimed *m, json_t *j, bool *none,
                   struct err *err)
{
    struct store_stmt *st = store_q(w->c->db, Q_OUTBOX_CONTACT);
    struct strbuf pt = STRBUF_INIT;
    size_t len;
    const void *enc;
    int ret;
    *none = false;
    store_bind_i64(st, 1, m->account_id);
    if ((ret = store_one(st, err)))
        return ret;
    json_object_set_new(j, "name", json_string(store_col_text(st, 2)));
    if (m->ch == OUTBOX_LETTER)
        json_object_set_new(j, "address", json_string(store_col_text(st, 3)));
    if (m->ch == OUTBOX_SMS || m->ch == OUTBOX_WECHAT || m->ch == OUTBOX_EMAIL) {
        const char *aad = "account.contact_phone";
        enc = NULL;
        len = 0;
        if (m->ch == OUTBOX_EMAIL) {
            aad = OUTBOX_AAD_EMAIL;
            enc = store_col_null(st, 4) ? NULL : store_col_blob(st, 4, &len);
        } else if (!(enc = store_col_blob(st, 0, &len)) || !len) {
            aad = "customer.phone";
            enc = store_col_blob(st, 1, &len);
        }
        if (!enc || !len)
            *none = true;
        else if (!(ret = keyring_decrypt(w->c->keys, aad, enc, len, &pt, err)))
            json_object_set_new(j, "to", json_string(pt.buf));
        explicit_bzero(pt.buf, pt.len);
        strbuf_release(&pt);
    }
    store_reset(st);
    return ret;
}

static int post(struct worker *w, const struct claimed *m, enum outcome *out, long *status,
                struct strbuf *why, struct err *err)
{
    const struct outbox_gateway *g = &w->o->gw[m->ch];
    char at[INSTANT_BUF_SIZE];
    bool none;
    json_t *j = json_pack("{sI sI ss ss ss ss ss sI ss}", "id", (json_int_t)m->id, "attempt",
                          (json_int_t)m->attempts, "delivery_key", m->key, "kind", m->kind,
                          "channel", m->channel, "lang", m->lang, "account", m->recipient,
                          "created_at_us", (json_int_t)m->created_at, "created_at",
                          instant_format(m->created_at, at));
    json_object_set_new(j, "text", json_string(m->body));
    int ret = contact(w, m, j, &none, err);
    /* a reconnect since the claim may have lost the slot lock, and with it the claim: the
     * batch is checked again (resync) before anything is posted */
    if (!ret && store_reconnects(w->c->db) != w->gen)
        ret = error(err, ERR_UNAVAILABLE, "the database connection was re-established since "
                    "the claim");
    if (ret) {
        json_decref(j);
        return ret;
    }
    if (none) {
        json_decref(j);
        *out = OUT_DEAD;
        *status = 0;
        strbuf_addf(why, "account %s has no %s for %s", m->recipient,
                    m->ch == OUTBOX_EMAIL ? "email address" : "phone number", m->channel);
        return ret;
    }
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    bool answered = outbox_http_post(w->http, g->url, m->key, body, g->timeout_ms, status, why);
    explicit_bzero(body, strlen(body));
    free(body);
    if (!answered) {
        *out = OUT_RETRY;
    } else if (*status >= 200 && *status < 300) {
        *out = OUT_SENT;
    } else {
        /* 408, 425, 429 and 5xx may pass; any other answer will not change by asking again */
        bool again = *status == 408 || *status == 425 || *status == 429 || *status >= 500;
        *out = again ? OUT_RETRY : OUT_DEAD;
    }
    return 0;
}

static int64_t backoff_ms(const struct outbox_gateway *g, int64_t failures)
{
    int64_t d = g->backoff_base_ms;
    for (int64_t i = 1; i < failures && d < g->backoff_cap_ms; i++)
        d *= 2;
    return d < g->backoff_cap_ms ? d : g->backoff_cap_ms;
}

static int record(struct worker *w, const struct claimed *m, enum outcome out, long status,
                  const char *why, struct err *err)
{
    struct ctx *c = w->c;
    const struct outbox_gateway *g = &w->o->gw[m->ch];
    int64_t now = ctx_now(c);
    static const char *const names[] = { "sent", "retry", "dead" };
    struct strbuf text = STRBUF_INIT;
    if (out == OUT_RETRY && m->attempts >= g->max_attempts) {
        out = OUT_DEAD;
        strbuf_addf(&text, "gave up after %" PRId64 " attempts: %s", m->attempts, why);
    } else {
        strbuf_addstr(&text, why);
    }
    int ret = store_begin(c->db, err);
    if (ret) {
        strbuf_release(&text);
        return ret;
    }
    struct store_stmt *st = store_q(c->db, out == OUT_SENT    ? Q_OUTBOX_SENT
                                           : out == OUT_RETRY ? Q_OUTBOX_LATER
                                                              : Q_OUTBOX_DEAD);
    store_bind_i64(st, 1, m->id);
    store_bind_text(st, 2, w->r->worker);
    if (out == OUT_SENT) {
        store_bind_i64(st, 3, now);
    } else if (out == OUT_RETRY) {
        store_bind_i64(st, 3, now + backoff_ms(g, m->attempts) * 1000);
        store_bind_text(st, 4, text.buf);
    } else {
        store_bind_text(st, 3, text.buf);
    }
    if (!(ret = store_exec(st, err))) {
        st = store_q(c->db, Q_OUTBOX_ATTEMPT_END);
        store_bind_i64(st, 1, m->id);
        store_bind_i64(st, 2, now);
        store_bind_i64(st, 3, status);
        store_bind_text(st, 4, names[out]);
        store_bind_text(st, 5, out == OUT_SENT ? NULL : text.buf);
        ret = store_exec(st, err);
    }
    ret = store_end(c->db, ret, err);
    if (!ret) {
        int64_t *n = out == OUT_SENT ? &w->r->sent : out == OUT_RETRY ? &w->r->retrying
                                                                       : &w->r->dead;
        (*n)++;
        if (out != OUT_SENT)
            log_warn("outbox: message %" PRId64 " (%s) %s: %s", m->id, m->channel,
                     out == OUT_RETRY ? "will be retried" : "is dead", text.buf);
    }
    strbuf_release(&text);
    return ret;
}

/* ---- the loop ---- */

/* Sleep `ms` in steps of 100 ms, cut short when *stop is set. */
static void nap(const struct outbox_deliver_opts *o, int64_t ms)
{
    for (int64_t left = ms; left > 0 && !(o->stop && *o->stop); left -= 100) {
        struct timespec ts = { 0, (left < 100 ? left : 100) * 1000000L };
        nanosleep(&ts, NULL);
    }
}

/* A failure worth waiting out: the database busy (locked), unreachable or failing I/O. */
static bool transient(int ret)
{
    return ret == ERR_BUSY || ret == ERR_UNAVAILABLE || ret == ERR_IO;
}

/*
 * Wait out a database failure: log it and sleep the back-off (OUTBOX_DB_BACKOFF_MS doubling to
 * OUTBOX_DB_BACKOFF_CAP_MS). false when the worker should give up: a `once` run after
 * OUTBOX_ONCE_TRIES failures in a row (a long-running worker keeps trying).
 */
static bool wait_out(struct worker *w, struct err *err)
{
    int64_t ms = OUTBOX_DB_BACKOFF_MS;
    w->failures++;
    for (int64_t i = 1; i < w->failures && ms < OUTBOX_DB_BACKOFF_CAP_MS; i++)
        ms *= 2;
    if (ms > OUTBOX_DB_BACKOFF_CAP_MS)
        ms = OUTBOX_DB_BACKOFF_CAP_MS;
    if (w->o->once && w->failures >= OUTBOX_ONCE_TRIES)
        return false;
    log_warn("outbox: %s: database error (%s); trying again in %" PRId64 " ms", w->r->worker,
             err->msg, ms);
    err_clear(err);
    nap(w->o, ms);
    return true;
}

/*
 * After a database failure, before anything more is posted: make sure the worker slot is still
 * ours (a lost PostgreSQL session loses its lock; if another worker took the slot meanwhile it
 * owns the slot's claims, and this worker takes another slot), record the outcome of a POST
 * that was not on record, and requeue what the batch still holds unposted. Idempotent: run
 * again after another failure.
 */
static int resync(struct worker *w, struct err *err)
{
    struct pending *p = &w->pending;
    int ret = store_lock_keep(w->c->db, w->r->worker, "the outbox worker slot", err);
    if (ret == ERR_BUSY) {
        log_warn("outbox: %s was taken over while the database was away: its claims are the "
                 "new holder's%s", w->r->worker, p->set ? " (one sent message will be posted "
                 "again with the same key)" : "");
        err_clear(err);
        p->set = false;
        outbox_batch_clear(w);
        return outbox_take_slot(w, err);
    }
    if (ret)
        return ret;
    if (p->set) {
        if ((ret = record(w, &w->batch.v[p->i], p->out, p->status, p->why.buf, err)))
            return ret;
        log_info("outbox: message %" PRId64 " posted before the database failure is on record "
                 "now, not posted again", w->batch.v[p->i].id);
        p->set = false;
    }
    int64_t n = 0;
    if ((ret = outbox_release(w->c, w->r->worker, "requeued: the database failed before it was posted",
                       &n, err)))
        return ret;
    outbox_batch_clear(w);
    return 0;
}

/* Post the claimed batch; a database failure leaves the rest of it for resync. */
static int post_batch(struct worker *w, struct strbuf *why, struct err *err)
{
    int ret = 0;
    for (size_t i = 0; i < w->batch.n && !ret; i++) {
        enum outcome out;
        long status;
        strbuf_reset(why);
        if ((ret = post(w, &w->batch.v[i], &out, &status, why, err)))
            break;
        if ((ret = record(w, &w->batch.v[i], out, status, why->buf, err)) && transient(ret)) {
            w->pending.i = i;
            w->pending.out = out;
            w->pending.status = status;
            strbuf_reset(&w->pending.why);
            strbuf_addstr(&w->pending.why, why->buf);
            w->pending.set = true;
        }
        if (w->o->stop && *w->o->stop)
            break;
    }
    if (!ret)
        outbox_batch_clear(w);
    return ret;
}

static int setup(struct worker *w, struct err *err)
{
    int ret = 0;
    for (int i = 0; i < OUTBOX_NCHANNELS && !ret; i++) {
        const struct outbox_gateway *g = &w->o->gw[i];
        if (!g->url || !*g->url)
            continue;
        if ((ret = outbox_gateway_check(g->url, w->o->allow_hosts, err)))
            return error_prefix(err, "gateway.%s.url: ", outbox_channel_names[i]), ret;
        if (strlen(w->chans) + strlen(outbox_channel_names[i]) + 2 < sizeof(w->chans))
            snprintf(w->chans + strlen(w->chans), sizeof(w->chans) - strlen(w->chans), "%s,",
                     outbox_channel_names[i]);
    }
    if (!strcmp(w->chans, ","))
        return error(err, ERR_CONFIG, "no gateway is configured: set gateway.sms.url (or "
                     "wechat, letter, email, webhook) to a URL on 127.0.0.1");
    if (!w->c->keys)
        BUG("outbox delivery without a key file");
    return outbox_http_new(&w->http, err);
}

int outbox_deliver(struct ctx *c, const struct outbox_deliver_opts *o,
                   struct outbox_deliver_result *r, struct err *err)
{
    struct worker w = { .c = c, .o = o, .r = r, .chans = ",", .pending.why = STRBUF_INIT };
    struct strbuf why = STRBUF_INIT;
    memset(r, 0, sizeof(*r));
    int ret = setup(&w, err);
    if (ret || (ret = outbox_take_slot(&w, err)))
        goto out;
    log_info("outbox: %s delivering %.*s", r->worker, (int)strlen(w.chans) - 2, w.chans + 1);
    /* a predecessor in this slot died holding claims: they are ours to send again */
    if ((ret = outbox_release(c, r->worker, "interrupted: the worker died mid-delivery; posted again "
                       "with the same key", &r->released, err)))
        goto unlock;
    bool dirty = false; /* a database failure happened: resync before posting */
    while (!(o->stop && *o->stop)) {
        if (dirty)
            ret = resync(&w, err);
        if (!ret && !(ret = outbox_recover(&w, err))) {
            w.gen = store_reconnects(c->db);
            ret = outbox_claim(&w, err);
        }
        if (!ret) {
            dirty = false;
            w.failures = 0;
            if (!w.batch.n) {
                if (o->once)
                    break;
                nap(o, o->poll_ms);
                continue;
            }
            ret = post_batch(&w, &why, err);
        }
        if (ret && transient(ret) && wait_out(&w, err)) {
            ret = 0;
            dirty = true;
            continue;
        }
        if (ret)
            break;
    }
    if (w.pending.set)
        log_warn("outbox: %s stops with message %" PRId64 " posted but not on record: the next "
                 "worker posts it again with the same key", r->worker,
                 w.batch.v[w.pending.i].id);
    {
        /* what is still claimed (stopped early, a failed write) goes back, due at once */
        struct err e2 = ERR_INIT;
        int64_t left = 0;
        if (outbox_release(c, r->worker, "the worker stopped before posting it", &left, &e2))
            log_warn("outbox: cannot release the claims of %s: %s", r->worker, e2.msg);
    }
unlock:
    store_unlock(c->db, r->worker);
out:
    outbox_batch_clear(&w);
    VEC_FREE(&w.batch);
    strbuf_release(&w.pending.why);
    outbox_http_free(w.http);
    strbuf_release(&why);
    return ret;
}
