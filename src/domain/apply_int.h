/*
 * Internals shared by apply.c (stages, cancel, pauses), apply_add.c (intake), apply_read.c,
 * apply_done.c (completion into the archive) and apply_sla.c (the SLA run): the stages of a
 * kind, loading, saving an application and recording one action (event row + audit row),
 * inside the caller's transaction.
 */
#ifndef PMIS_APPLY_INT_H
#define PMIS_APPLY_INT_H

#include "domain/apply.h"

#define APPLY_MAX_STAGES 8

struct apply_stage_def {
    const char *stage, *name;
    int64_t days;
};

/** The stages of `kind` in workflow order into s[0..*n), with the limits in force at `at` (the
 *  application's acceptance, migration 0033). */
int apply_kind_stages(struct ctx *c, const char *kind, int64_t at, struct apply_stage_def *s,
                      size_t *n, struct err *err);

/** The limit in working days read from column `col` of a query through LIMIT_AT (q_apply.def)
 *  into *days: ERR_CONFIG naming kind and stage ('total': end to end) when no version of
 *  apply_limit_version, the only source of the limits (migration 0035), is in force. */
int apply_limit_col(struct store_stmt *st, int col, const char *kind, const char *stage,
                    int64_t *days, struct err *err);

/** Index of the application's current stage in s[0..n), or -1. */
int apply_stage_index(const struct application *a, const struct apply_stage_def *s, size_t n);

/** Load one application (scope applied) without evaluating its clocks; the current stage's
 *  start and limit into *stage_start / *stage_days (0 when none). ERR_NOT_FOUND. */
int apply_get_raw(struct ctx *c, int64_t id, struct application *a, int64_t *stage_start,
                  int64_t *stage_days, struct err *err);

/** Lock application `id` for the rest of the caller's transaction (PostgreSQL: FOR UPDATE),
 *  so two steps on it never both start from the same state; a missing id is left to the
 *  load that follows (ERR_NOT_FOUND there). */
int apply_lock(struct ctx *c, int64_t id, struct err *err);

/** Write the application's state, stage, customer, account, pause, closing and result. */
int apply_save(struct ctx *c, const struct application *a, int64_t now, struct err *err);

/** The application_event row and the audit row ("application.<action>") of one action. */
int apply_record(struct ctx *c, const struct application *a, const char *action, const char *from,
                 const char *note, int64_t now, struct err *err);

/** End an open pause at `now` (any step means the customer is back). */
int apply_end_pause(struct ctx *c, struct application *a, int64_t now, struct err *err);

/** Enter stage `s` at `now` (its application_stage row, the limit copied in). */
int apply_enter_stage(struct ctx *c, const struct application *a,
                      const struct apply_stage_def *s, int64_t now, struct err *err);

/** Set finished_at of the application's current stage. */
int apply_finish_stage(struct ctx *c, const struct application *a, int64_t now, struct err *err);

/**
 * Before the current stage finishes (advance, complete) at `now`: a stage clock — and with
 * `total` the end-to-end clock — that ends past its deadline with no SLA run in between records
 * its breach now (and its warning, which a breach is past too), as the run would have; marks a
 * run already wrote are kept, so the two never record one breach twice (apply_sla.c).
 */
int apply_sla_close(struct ctx *c, int64_t id, bool total, int64_t now, struct err *err);

/** ERR_CONFLICT "application N is 已归档 (completed)..." unless it is open. */
int apply_check_open(struct ctx *c, const struct application *a, struct err *err);

#endif
