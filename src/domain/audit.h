/*
 * The audit trail (manual 5.3, 7): append-only and hash-chained. Every archive write appends
 * one row inside the same transaction as the change, so a change and its audit row commit or
 * vanish together. Rows never hold personal data: before/after are stored as SHA-256 digests.
 */
#ifndef PMIS_AUDIT_H
#define PMIS_AUDIT_H

#include "domain/ctx.h"

struct audit_rec {
    const char *action;     /* "customer.create", "meter.install", "pii.reveal", ... */
    const char *entity;     /* "customer", "account", "meter", "org", "import", ... */
    const char *entity_key; /* the business key: 户号, asset number, org code, file name */
    const char *before;     /* canonical text of the old state, or NULL; only its digest is kept */
    const char *after;      /* canonical text of the new state, or NULL */
    const char *detail;     /* short free text (changed field names, row counts), no PII */
};

/**
 * Append one row, chained to the previous one. Runs in a nested transaction of the caller's;
 * concurrent appenders serialise on the chain head (row lock on PostgreSQL, the write lock on
 * SQLite). Actor, time and request id come from the context.
 */
int audit_append(struct ctx *c, const struct audit_rec *r, struct err *err);
/** audit_append of an event that belongs to org unit `org_id` (0: the whole tree) rather than
 *  to the actor's scope (c->scope_org_id), which audit_append records. GET /api/v1/audit shows
 *  a row to the auditors whose subtree holds its org unit. */
int audit_append_org(struct ctx *c, const struct audit_rec *r, int64_t org_id, struct err *err);

struct audit_row {
    int64_t id, at_us;
    const char *actor, *action, *entity, *entity_key;
    const char *before_digest, *after_digest, *detail, *request_id;
    const char *prev_hash, *hash;
    int64_t org_id; /* 0: the whole tree */
};

/** Filter for audit_list; NULL / 0 members do not filter. Rows come newest first. */
struct audit_filter {
    const char *actor, *entity, *entity_key, *action;
    int64_t from_us, to_us; /* half-open [from, to) */
    int64_t before_id;      /* keyset: only rows with id < before_id */
    int64_t limit;          /* 0 = 100 */
};

typedef int audit_row_fn(void *arg, const struct audit_row *row);

/** Call fn for each matching row of the context's scope (the rows whose org unit lies in
 *  c->scope_org_id's subtree, filtered in SQL; every row for the whole tree); strings are valid
 *  during the call only. A non-zero return from fn stops the walk and is returned. */
int audit_list(struct ctx *c, const struct audit_filter *f, audit_row_fn *fn, void *arg,
               struct err *err);

/**
 * Recompute the whole chain. 0 when intact (*checked = rows verified); ERR_CORRUPT naming the
 * first bad row and what is wrong with it (edited, deleted, inserted, reordered, tail removed).
 */
int audit_verify(struct ctx *c, int64_t *checked, int64_t *bad_id, struct err *err);

#endif
