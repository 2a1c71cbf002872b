/*
 * The delivery worker (see outbox.h): worker slots, claims, the POST of each message to its
 * channel's gateway (outbox_http.c), and the outcome (sent, retried with back-off, dead).
 *
 * No message is sent twice by two workers: a message is claimed (claimed_by = the worker's
 * slot) in a transaction that only takes unclaimed ones (SQLite serialises writers; on
 * PostgreSQL FOR UPDATE SKIP LOCKED). No message is lost when a worker dies: its slot lock
 * dies with it, and the next worker that finds the slot free requeues the slot's claims, to be
 * posted again with the same Idempotency-Key (at least once, with a key the gateway dedups by).
 * The claim is committed before the POST, so an attempt that may have reached the gateway is
 * always on record. Called by cmd_outbox.c.
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

/* ---- claims ---- */

struct claimed {
    int64_t id, account_id, attempts, created_at;
    char *kind, *channel, *recipient, *body, *lang, *key;
    int ch;
};

struct worker {
    struct ctx *c;
    const struct outbox_deliver_opts *o;
    struct outbox_deliver_result *r;
    char chans[64]; /* ",sms,wechat," */
    struct outbox_http *http;
    VEC(struct claimed) batch;
};

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
static int release(struct ctx *c, const char *slot, const char *why, int64_t *n, struct err *err)
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
static int recover(struct worker *w, struct err *err)
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
        ret = release(w->c, slots.v[i], "interrupted: the worker died mid-delivery; posted "
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

static void batch_clear(struct worker *w)
{
    for (size_t i = 0; i < w->batch.n; i++) {
        struct claimed *m = &w->batch.v[i];
        free(m->kind), free(m->channel), free(m->recipient), free(m->lang), free(m->key);
        explicit_bzero(m->body, strlen(m->body));
        free(m->body);
    }
    VEC_CLEAR(&w->batch);
}

static int claim(struct worker *w, struct err *err)
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
        batch_clear(w);
    return ret;
}

/* ---- one POST ---- */

enum outcome { OUT_SENT, OUT_RETRY, OUT_DEAD };

/* The recipient's phone, decrypted now (the account's contact, else the customer's). */
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
    if (m->ch == OUTBOX_SMS || m->ch == OUTBOX_WECHAT) {
        const char *aad = "account.contact_phone";
        enc = store_col_blob(st, 0, &len);
        if (!enc || !len) {
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
    if (ret || none) {
        json_decref(j);
        *out = OUT_DEAD;
        *status = 0;
        strbuf_addf(why, "account %s has no phone number for %s", m->recipient, m->channel);
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

static int take_slot(struct worker *w, struct err *err)
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

static void nap(const struct outbox_deliver_opts *o)
{
    for (int64_t left = o->poll_ms; left > 0 && !(o->stop && *o->stop); left -= 100) {
        struct timespec ts = { 0, (left < 100 ? left : 100) * 1000000L };
        nanosleep(&ts, NULL);
    }
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
    struct worker w = { .c = c, .o = o, .r = r, .chans = "," };
    struct strbuf why = STRBUF_INIT;
    memset(r, 0, sizeof(*r));
    int ret = setup(&w, err);
    if (ret || (ret = take_slot(&w, err)))
        goto out;
    log_info("outbox: %s delivering %.*s", r->worker, (int)strlen(w.chans) - 2, w.chans + 1);
    /* a predecessor in this slot died holding claims: they are ours to send again */
    if ((ret = release(c, r->worker, "interrupted: the worker died mid-delivery; posted again "
                       "with the same key", &r->released, err)))
        goto unlock;
    while (!ret && !(o->stop && *o->stop)) {
        if ((ret = recover(&w, err)) || (ret = claim(&w, err)))
            break;
        if (!w.batch.n) {
            if (o->once)
                break;
            nap(o);
            continue;
        }
        for (size_t i = 0; i < w.batch.n && !ret; i++) {
            enum outcome out;
            long status;
            strbuf_reset(&why);
            if (!(ret = post(&w, &w.batch.v[i], &out, &status, &why, err)))
                ret = record(&w, &w.batch.v[i], out, status, why.buf, err);
            if (o->stop && *o->stop)
                break;
        }
        batch_clear(&w);
    }
    {
        /* what is still claimed (stopped early, a failed write) goes back, due at once */
        struct err e2 = ERR_INIT;
        int64_t left = 0;
        if (release(c, r->worker, "the worker stopped before posting it", &left, &e2))
            log_warn("outbox: cannot release the claims of %s: %s", r->worker, e2.msg);
    }
unlock:
    store_unlock(c->db, r->worker);
out:
    batch_clear(&w);
    VEC_FREE(&w.batch);
    outbox_http_free(w.http);
    strbuf_release(&why);
    return ret;
}
