/*
 * The explicit context every domain call receives: database connection, personal-data keys,
 * clock, the acting user and (under the server) the request id. No domain code reads globals.
 * The caller (a CLI command or an HTTP handler) owns every member.
 */
#ifndef PMIS_CTX_H
#define PMIS_CTX_H

#include "core/arena.h"
#include "core/clock.h"
#include "core/date.h"
#include "store/store.h"

struct keyring;

struct ctx {
    struct store *db;
    struct keyring *keys;      /* NULL when the command handles no personal data */
    const struct clock *clock; /* "now" only through here, so tests can pin it */
    const char *actor;         /* user name for audit and history */
    const char *request_id;    /* NULL outside the HTTP server */
    int64_t scope_org_id;      /* org subtree the caller may see (api/ sets it); 0 = all */
    const uint64_t *caller_perms; /* the API caller's permissions (api/ sets it): the roles and
                                     tokens it grants hold no others, and it changes no user
                                     who holds others; NULL = no such limit (the CLI, run by
                                     the host's operator) */
    const char *zone_name;     /* business zone, e.g. "Asia/Shanghai" */
    struct arena *arena;       /* scratch memory for this command or request */
    struct ctx_cache *cache;   /* lookups cached for this command or request (ctx.c); made in
                                  `arena` and dropped (set NULL) when the arena is reset or
                                  released, so the ctx must outlive those */
};

/** Current instant in microseconds since the epoch (UTC). */
int64_t ctx_now(const struct ctx *c);

/** Today's date in the business zone (the zone is loaded once per context). */
int ctx_today(struct ctx *c, struct date *out, struct err *err);

/**
 * Whether `code` is in the data list `list` (code_list table), cached per context.
 * ERR_INVALID names the field, the value and the allowed codes.
 */
int ctx_check_code(struct ctx *c, const char *field, const char *list, const char *code,
                   struct err *err);

/** One entry of a data list (code_list table); strings in the ctx arena. */
struct ctx_code {
    const char *code, *name_zh, *name_en;
};
typedef int ctx_code_fn(void *arg, const struct ctx_code *k);
/** Every code of data list `list` in its sort order (none for an unknown list). */
int ctx_code_list(struct ctx *c, const char *list, ctx_code_fn *fn, void *arg, struct err *err);

/** Bind ?idx of an IN_SCOPE() condition (q_archive.def) to the context's org scope. */
void ctx_bind_scope(const struct ctx *c, struct store_stmt *st, int idx);

/** Org unit id of `code`, cached per context; ERR_NOT_FOUND "unknown org unit 'X'", also for
 *  a unit outside the context's scope (scope_org_id). */
int ctx_org_id(struct ctx *c, const char *code, int64_t *id, struct err *err);

/** Text column `col` of the current row copied into the ctx arena; SQL NULL gives NULL. */
const char *ctx_col_text(struct ctx *c, struct store_stmt *st, int col);

/** A copy of `s` in the ctx arena without leading and trailing blanks; NULL stays NULL. */
char *ctx_trim(struct ctx *c, const char *s);

/**
 * Load every code list, org unit and the business zone into the cache and freeze it: from then
 * on lookups never touch the database (a miss is an error), and the cache is read-only, so
 * contexts of other threads may share it (c->cache) with their own arena and key file. For
 * bulk loads that validate on one thread and write on another. Nothing may change code lists
 * or orgs while it is frozen.
 */
int ctx_cache_freeze(struct ctx *c, struct err *err);

/**
 * Remember that `approver` passed a second-person approval with password (auth_approve) for
 * permission `perm` in this context, so that the domain's own approver check
 * (auth_approver_check) in the same request does not load the user again. Kept in the cache:
 * gone when the arena is reset; nothing is noted on a frozen cache.
 */
void ctx_approval_note(struct ctx *c, int perm, const char *approver);
/** Whether ctx_approval_note(c, perm, approver) was called in this context. */
bool ctx_approval_noted(struct ctx *c, int perm, const char *approver);

#ifdef PMIS_TESTING
/** Test builds only: sleep as many milliseconds as environment variable `var` says (unset or
 *  empty: not at all), so that concurrency tests can hold a step open (t0567, t0568). */
void ctx_test_pause(const char *var);
#endif

#endif
