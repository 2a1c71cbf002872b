/*
 * Internals of the outbox shared by outbox_deliver.c (the worker) and outbox_http.c (its HTTP
 * client on libcurl, which only outbox_http.c includes).
 */
#ifndef PMIS_OUTBOX_INT_H
#define PMIS_OUTBOX_INT_H

#include "domain/outbox.h"

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
