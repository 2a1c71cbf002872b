/*
 * Internals shared by ticket.c (transitions), ticket_add.c (intake), ticket_read.c and
 * ticket_sla.c (clocks, SLA run, compliance): the state order, the 95598 taxonomy lookup, the
 * event and audit rows of an action and the clock upkeep that every transition calls.
 */
#ifndef PMIS_TICKET_INT_H
#define PMIS_TICKET_INT_H

#include "domain/ticket.h"

/**
 * The ticket_type row of (type, subtype; "" or NULL = the type itself): whether it is handled
 * directly (no 派单) and its reopen window in days (either may be NULL). ERR_INVALID naming the
 * unknown type or subtype (field "type" / "subtype").
 */
int ticket_type_get(struct ctx *c, const char *type, const char *subtype, bool *direct,
                    int64_t *reopen_days, struct err *err);

/**
 * ticket_get, and in the same statement whether the order's type is handled directly: *direct
 * 1 or 0, or -1 when the type has no ticket_type row (ticket_type_get then names the problem).
 */
int ticket_get_direct(struct ctx *c, int64_t id, struct ticket *out, int *direct, struct err *err);

/** Rank of a state code in 接单 (0) .. 归档 (7), merged 8; -1 if unknown. */
int ticket_state_rank(const char *state);

/**
 * Bring the clocks of order `t` (already updated to its new state, subtype, severity, area and
 * round) up to date at `now`: stop running clocks whose stop state is reached (met or missed),
 * re-match running clocks to the best policy (after a reclassification), cancel those no
 * policy covers any more, and start the clocks whose start state is reached. Call inside the
 * caller's transaction.
 */
int ticket_clocks_sync(struct ctx *c, const struct ticket *t, int64_t now, struct err *err);

/** Recompute the deadlines of the running clocks after the pauses changed. */
int ticket_clocks_repause(struct ctx *c, const struct ticket *t, struct err *err);

/** Cancel every running clock of the order (merged into another). */
int ticket_clocks_cancel(struct ctx *c, const struct ticket *t, int64_t now, struct err *err);

/**
 * Write the ticket_event row and the audit row of `action` on order `t` (in its current state,
 * coming from `from`), inside the caller's transaction. For the hooks of complaint.c/outage.c.
 */
int ticket_record(struct ctx *c, const struct ticket *t, const char *action, const char *from,
                  const char *note, int64_t now, struct err *err);

#endif
