/*
 * The service centre's rules as versioned data (issue 6 §1-§2): SLA policies (sla_policy) and
 * work-order types (ticket_type). A policy change adds a new version with the same key (metric,
 * type, subtype, severity, area) and retires the old one; running clocks keep the copy they took,
 * so no running deadline moves. A type change updates ticket_type and adds a row to
 * ticket_type_version. Every change is audited, in one transaction. Called by cli/cmd_sla.c.
 * Strings returned live in the ctx arena.
 */
#ifndef PMIS_TICKET_CONF_H
#define PMIS_TICKET_CONF_H

#include "domain/ctx.h"

struct sla_policy {
    int64_t id, version, replaces, amount, warn_pct, created_at, retired_at; /* 0 when not */
    const char *metric, *type, *subtype, *severity, *area; /* NULL subtype..area: any */
    const char *clock, *hours, *start_state, *stop_state, *source, *created_by;
    bool active;
};

/**
 * Add a policy (id, version, replaces, created_*, retired_at and active of `in` are ignored;
 * hours NULL = "00:00-24:00", warn_pct 0 = 80) at ctx "now": a new version replacing the active
 * policy with the same key, if any. *id the new row. ERR_INVALID names a bad metric, type,
 * subtype, severity, area, clock, amount, hours, states (start before stop), warning share or a
 * missing source.
 */
int sla_policy_add(struct ctx *c, const struct sla_policy *in, int64_t *id, struct err *err);

/** One policy; ERR_NOT_FOUND "no SLA policy N". */
int sla_policy_get(struct ctx *c, int64_t id, struct sla_policy *out, struct err *err);

typedef int sla_policy_fn(void *arg, const struct sla_policy *p);
/** The active policies (all = also the retired versions), by type, metric and id. */
int sla_policy_list(struct ctx *c, bool all, sla_policy_fn *fn, void *arg, struct err *err);

struct ticket_type_def {
    const char *type, *subtype; /* subtype "" = the type itself */
    const char *name_zh, *name_en;
    int64_t direct, reopen_days, repeat_days; /* -1 = unchanged (required for a new type) */
    int64_t version, changed_at;              /* out */
    const char *changed_by;                   /* out */
};

/**
 * Add or change a work-order type or subtype at ctx "now" and record it as a new version; *version
 * (may be NULL) its number. A new subtype needs its type; a new row needs both names. ERR_INVALID
 * names a bad code, name or number; ERR_CONFLICT a change that changes nothing.
 */
int ticket_type_set(struct ctx *c, const struct ticket_type_def *in, int64_t *version,
                    struct err *err);

typedef int ticket_type_fn(void *arg, const struct ticket_type_def *t);
/** The current types, in their sort order (version, changed_* of the current version unset). */
int ticket_type_list(struct ctx *c, ticket_type_fn *fn, void *arg, struct err *err);
/** Every version of one type; ERR_NOT_FOUND when it does not exist. */
int ticket_type_versions(struct ctx *c, const char *type, const char *subtype, ticket_type_fn *fn,
                         void *arg, struct err *err);

#endif
