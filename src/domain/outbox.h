/*
 * The notification outbox (issue 6 §7, issue 4 §3; migration 0018): messages queued from
 * templates per kind, channel and language, addressed by account number only, and delivered by
 * `pmis outbox deliver` to HTTP gateways (outbox_deliver.c). Every message carries a delivery
 * key sent as the Idempotency-Key of each of its attempts. Status: queued (waiting, or in flight
 * while claimed_by names a worker slot), sent, failed (the dead-letter list).
 */
#ifndef PMIS_OUTBOX_H
#define PMIS_OUTBOX_H

#include "core/strbuf.h"
#include "domain/ctx.h"

#include <signal.h>

enum outbox_channel { OUTBOX_SMS, OUTBOX_WECHAT, OUTBOX_LETTER, OUTBOX_EMAIL, OUTBOX_WEBHOOK,
                      OUTBOX_NCHANNELS };
/* The AAD of message_pref.email_enc, the email channel's address (0025). */
#define OUTBOX_AAD_EMAIL "message_pref.email"

/** "sms", "wechat", "letter", "email", "webhook" by enum outbox_channel. */
extern const char *const outbox_channel_names[OUTBOX_NCHANNELS];
/** The channel's index, or -1. */
int outbox_channel_index(const char *name);
/** "zh" or "en". */
bool outbox_lang_ok(const char *lang);

/** Fills a template's placeholders in `lang` into `out` (vars as the caller defines them). */
typedef void outbox_render_fn(const char *body, const void *vars, const char *lang,
                              struct strbuf *out);

/** The language of an account's messages (message_pref; "zh" when none is set). */
int outbox_account_lang(struct ctx *c, int64_t account_id, char lang[3], struct err *err);

/**
 * The channels an account's notices go out on (message_pref.channels, 0023; sms when none is
 * set): *mask has bit (1 << enum outbox_channel) for each.
 */
int outbox_account_channels(struct ctx *c, int64_t account_id, unsigned *mask, struct err *err);

struct outbox_prefs {
    unsigned channels; /* bit (1 << enum outbox_channel) per channel */
    char lang[3];
    const char *email; /* the address masked (z***@example.com; ctx arena), NULL when none */
};
/**
 * Set an account's message preferences, any of them (NULL: unchanged): `channels` a
 * comma-separated list of channel names ("sms,wechat,email"), `lang` "zh" or "en", `email` the
 * email channel's address ("" removes it; stored encrypted with a blind index, secret.h). All
 * are checked before any is stored, in one transaction: ERR_INVALID names the field
 * ("channels": an unknown or repeated channel or an empty list; "lang"; "email": the address
 * masked and what is wrong), ERR_NOT_FOUND an unknown account or one of another subtree. One
 * audit row each ("outbox.channels", "outbox.lang", "outbox.email": the blind index's digest
 * only). *out (may be NULL) gets the preferences as stored. Needs c->keys for an email.
 */
int outbox_prefs_set(struct ctx *c, const char *account_no, const char *channels,
                     const char *lang, const char *email, struct outbox_prefs *out,
                     struct err *err);

/** The masked e-mail address of an account's notices (ctx arena), *out NULL when none. */
int outbox_account_email(struct ctx *c, int64_t account_id, const char **out, struct err *err);

/**
 * Queue a message of `kind` on `channel` to `account_no` in the language `lang` (the template of
 * that language, else the Chinese one: the message records the language its text is in),
 * rendered by `render`, with a fresh delivery key; *id its outbox id. ERR_NOT_FOUND without a
 * template. Inside the caller's transaction.
 */
int outbox_enqueue(struct ctx *c, const char *kind, const char *channel, int64_t account_id,
                   const char *account_no, const char *lang, outbox_render_fn *render,
                   const void *vars, int64_t *id, struct err *err);

struct outbox_attempt {
    int64_t attempt, started_at, finished_at, http_status;
    const char *worker, *outcome, *error; /* outcome: sent, retry, dead, interrupted; NULL */
};
struct outbox_detail {
    int64_t id, created_at, sent_at, attempts, next_at;
    const char *kind, *channel, *recipient, *body, *status, *error, *created_by, *lang,
        *claimed_by, *delivery_key;
};
typedef int outbox_attempt_fn(void *arg, const struct outbox_attempt *a);
/**
 * One message and its attempts, oldest first (none read when fn is NULL; strings in the ctx
 * arena). ERR_NOT_FOUND for a missing message and for one of an account outside the context's
 * org scope.
 */
int outbox_show(struct ctx *c, int64_t id, struct outbox_detail *d, outbox_attempt_fn *fn,
                void *arg, struct err *err);
typedef int outbox_detail_fn(void *arg, const struct outbox_detail *d);
struct outbox_filter {
    const char *status, *channel, *account_no; /* NULL: any; status failed = the dead letters */
    int64_t after_id, limit;
};
/** Messages in id order within the context's org scope; ERR_INVALID for a bad filter. */
int outbox_list(struct ctx *c, const struct outbox_filter *f, outbox_detail_fn *fn, void *arg,
                struct err *err);
/**
 * Requeue dead letters for delivery now with a fresh attempt budget (the same delivery key):
 * message `id` (within the org scope), or with id 0 every dead letter (of `channel` if not
 * NULL; a context of the whole tree only). *n how many. ERR_NOT_FOUND / ERR_CONFLICT for a
 * message `id` that is missing / not dead. Audited.
 */
int outbox_retry(struct ctx *c, int64_t id, const char *channel, int64_t *n, struct err *err);

/* ---- delivery (outbox_deliver.c) ---- */

/** One channel's HTTP gateway; url NULL or "": the channel is not delivered by the worker. */
struct outbox_gateway {
    const char *url;
    int64_t timeout_ms, max_attempts, backoff_base_ms, backoff_cap_ms;
};

/**
 * Check a gateway URL: http or https, and a host that is a loopback address (127.0.0.0/8, ::1,
 * localhost) unless it is named in `allow_hosts` (comma-separated host names or addresses).
 * ERR_CONFIG naming the problem; ERR_UNAVAILABLE when libcurl cannot be loaded.
 */
int outbox_gateway_check(const char *url, const char *allow_hosts, struct err *err);

struct outbox_deliver_opts {
    struct outbox_gateway gw[OUTBOX_NCHANNELS];
    const char *allow_hosts;
    int64_t batch;   /* messages claimed at a time */
    int64_t poll_ms; /* long-running: wait between looks when nothing is due */
    bool once;       /* deliver what is due now, then return */
    volatile sig_atomic_t *stop; /* set (by a signal handler) to stop after the message in hand */
};
struct outbox_deliver_result {
    int64_t sent, retrying, dead, released; /* released: claims of dead workers requeued */
    char worker[32];                        /* the worker slot taken */
};
/**
 * The delivery worker. Takes a worker slot (a lock that dies with the process: flock beside a
 * SQLite file, a session advisory lock on PostgreSQL), requeues the claims of slots whose
 * worker died, then repeatedly claims up to `batch` due messages of the channels with a
 * gateway and POSTs each as JSON with `Idempotency-Key: <delivery key>`: 2xx → sent;
 * 408, 429, 5xx, timeouts and connection errors → retried after min(cap, base × 2^(n-1)) ms,
 * dead after max_attempts; other answers → dead at once. A message whose worker died
 * mid-delivery is posted again with the same key. Needs c->keys (the contact is decrypted here).
 * A database failure on the way (ERR_BUSY, ERR_UNAVAILABLE, ERR_IO: a lock held elsewhere, a
 * lost connection) is logged and waited out (100 ms doubling to 30 s) and the worker carries
 * on; a POST made before it is recorded once the database answers, not posted again. A `once`
 * run returns the error after 8 failures in a row. Returns when nothing is due (`once`) or when
 * *stop is set. ERR_CONFIG for a bad gateway.
 */
int outbox_deliver(struct ctx *c, const struct outbox_deliver_opts *o,
                   struct outbox_deliver_result *r, struct err *err);

#endif
