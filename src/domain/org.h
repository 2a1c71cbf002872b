/*
 * The organisation tree (manual 1.2): 总部 → 省公司 → 地市公司 → 县公司 → 供电所. Units are
 * identified by a short code; each belongs to at most one parent of a higher level. The
 * closure table answers "everything under X" in one indexed join, which is how every list
 * of customers, bills or orders is scoped to a user's subtree.
 */
#ifndef PMIS_ORG_H
#define PMIS_ORG_H

#include "domain/ctx.h"

struct org_unit {
    int64_t id;
    int64_t parent_id; /* 0 for a root */
    const char *code, *name, *level, *parent_code;
    int depth; /* below the unit the listing started from (0 = itself) */
};

/** Rank of a level name: hq 1, province 2, city 3, county 4, station 5; 0 if unknown. */
int org_level_rank(const char *level);

/**
 * Add a unit. `parent_code` NULL makes a root. Errors: ERR_INVALID for a bad code (letters,
 * digits and '-', at most 32), empty name or unknown level, or a level not below the
 * parent's; ERR_NOT_FOUND for an unknown parent; ERR_CONFLICT for a duplicate code.
 * Audited. *id_out (may be NULL) gets the new id.
 */
int org_add(struct ctx *c, const char *code, const char *name, const char *level,
            const char *parent_code, int64_t *id_out, struct err *err);

/** Look a unit up by code; strings live in c->arena. ERR_NOT_FOUND names the code. */
int org_get(struct ctx *c, const char *code, struct org_unit *out, struct err *err);

typedef int org_fn(void *arg, const struct org_unit *u);

/**
 * Walk the subtree under `root_code` (NULL: every root) depth-first in tree order, siblings
 * by code; fn's non-zero return stops the walk and is returned.
 */
int org_walk(struct ctx *c, const char *root_code, org_fn *fn, void *arg, struct err *err);

/** Whether unit `id` lies in the subtree of `ancestor_id` (itself included). */
int org_in_subtree(struct ctx *c, int64_t ancestor_id, int64_t id, bool *yes, struct err *err);

#endif
