/*
 * Internals of the outbox shared by outbox_deliver.c (the worker), outbox_claim.c (its slots
 * and claims) and outbox_http.c (its HTTP client on libcurl, which only outbox_http.c
 * includes).
 */
#ifndef PMIS_OUTBOX_INT_H
#define PMIS_OUTBOX_INT_H

#include "core/vec.h"
#include "domain/outbox.h"

/* ---- the worker (outbox_deliver.c) and its claims (outbox_claim.c) ---- */

struct claimed {
    int64_t id, account_id, attempts, created_at;
    char *kind, *channel, *recipient, *body, *lang, *key;
    int ch;
};

/* A POST whose outcome is not on record yet (recording it failed): recorded before anything
 * else once the database answers again, so the message is never posted a second time. */
struct pending {
    size_t i; /* in batch */
    int out;  /* enum outcome */
    long status;
    struct strbuf why;
    bool set;
};

struct worker {
    struct ctx *c;
    const struct outbox_deliver_opts *o;
    struct outbox_deliver_result *r;
    char chans[64]; /* ",sms,wechat," */
    struct outbox_http *http;
    VEC(struct claimed) batch;
    unsigned gen;      /* store_reconnects() when the batch was claimed */
    int64_t failures;  /* database failures in a row */
    struct pending pending;
};

/** Take the first free worker slot (outbox-worker-1..64) into w->r->worker; ERR_BUSY if none. */
int outbox_take_slot(struct worker *w, struct err *err);
/** Requeue the claims of `slot` (a dead worker's, or one's own), due at once; *n += how many. */
int outbox_release(struct ctx *c, const char *slot, const char *why, int64_t *n, struct err *err);
/** Requeue the claims of every slot whose worker is gone (its lock is free). */
int outbox_recover(struct worker *w, struct err *err);
/** Claim up to o->batch due messages of the worker's channels into w->batch (one transaction,
 *  an attempt row each); on error nothing is claimed and the batch is empty. */
int outbox_claim(struct worker *w, struct err *err);
/** Forget the batch (freeing its copies; the body is wiped). */
void outbox_batch_clear(struct worker *w);

/* One reusable connection to the gateways (keep-alive), for one thread. */
struct outbox_http;
/** Load libcurl if need be (ERR_UNAVAILABLE naming what failed) and make a client. */
int outbox_http_new(struct outbox_http **out, struct err *err);
void outbox_http_free(struct outbox_http *h);
/**
 * POST `body` (JSON) to `url` with `Idempotency-Key: key`, waiting at most `timeout_ms`. true
 * when an answer came (*status its HTTP status; `why` gets "HTTP 500: <start of the reply>"
 * unless it is 2xx); false for no answer (timeout, refused, reset: `why` says which).
 */
bool outbox_http_post(struct outbox_http *h, const char *url, const char *key, const char *body,
                      int64_t timeout_ms, long *status, struct strbuf *why);

#endif
