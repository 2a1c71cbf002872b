/*
 * The complaint closed loop (投诉闭环, manual 2.4, 6.4; issue 6 §3) on top of the work orders of
 * ticket.h: repeat complaints flagged at intake (same customer, or a customer at the same
 * address, and the same category within the type's repeat_days), the checks that make
 * classification, response, feedback to the customer and callback review required before a
 * complaint is archived, root-cause tags (code list complaint_cause), and the complaint rate per
 * 10,000 customers. ticket.c calls the two hooks inside its transactions; cli/cmd_complaint.c
 * the rest. Strings returned live in the ctx arena.
 */
#ifndef PMIS_COMPLAINT_H
#define PMIS_COMPLAINT_H

#include "domain/ticket.h"

/**
 * Intake hook (ticket_add, inside its transaction): when the order's type has repeat_days > 0
 * and it has a customer, record the latest earlier order of the same type and category (an
 * unclassified order matches any) by the same customer, else by a customer at the same
 * address, accepted within repeat_days before `now`, and add a "repeat" event naming it.
 */
int complaint_intake(struct ctx *c, const struct ticket *t, int64_t now, struct err *err);

/**
 * Move hook (ticket_move, before anything is written): the closed-loop rules for complaints
 * (other types pass). Classification needs a category (subtype); the reply to the customer
 * (→ replied) and the callback review (→ reviewed) need a note saying what was replied and
 * what the customer said; archiving needs all four steps on record. ERR_CONFLICT names each
 * missing step.
 */
int complaint_check_move(struct ctx *c, const struct ticket *t, const char *to,
                         const char *note, struct err *err);

struct complaint_repeat {
    int64_t earlier_id, window_days, earlier_accepted_at;
    const char *basis; /* "customer" or "address" */
    const char *earlier_state, *earlier_subtype, *earlier_cust_no;
};
/** The earlier order order `id` repeats: 0 and *found true, or 0 and *found false. */
int complaint_repeat_get(struct ctx *c, int64_t id, struct complaint_repeat *out, bool *found,
                         struct err *err);

/**
 * Add (remove = false) or remove root-cause tags on complaint `id`: `causes` is a comma-separated
 * list of complaint_cause codes. ERR_INVALID names an unknown code or a non-complaint order;
 * ERR_CONFLICT an order already archived or merged. One event and one audit row.
 */
int complaint_tag(struct ctx *c, int64_t id, const char *causes, bool remove, struct err *err);

struct complaint_cause {
    const char *code, *name;
};
typedef int complaint_cause_fn(void *arg, const struct complaint_cause *k);
/** The root-cause tags of order `t` (read with ticket_get, so in the ctx's scope). */
int complaint_causes(struct ctx *c, const struct ticket *t, complaint_cause_fn *fn, void *arg,
                     struct err *err);

/**
 * Complaints per 10,000 customers, in hundredths, rounded half up (1 complaint among 3
 * customers = 333333); -1 when there are no customers.
 */
int64_t complaint_rate_x100(int64_t complaints, int64_t customers);

struct complaint_rate_row {
    const char *key, *name; /* org code and name; key "total" for the last row */
    int64_t complaints, repeats, customers;
    int64_t rate_x100; /* complaint_rate_x100 */
};
typedef int complaint_rate_fn(void *arg, const struct complaint_rate_row *r);
/**
 * Complaint rate of month `p` (business zone): complaints accepted in it (not merged) by the
 * caller's org (else the responsible one), the repeat complaints among them, and customers open
 * during the month, per org unit rolling up its subtree, for the units of `org_code`'s
 * subtree (NULL: every unit, and the total over the whole database); then a "total" row.
 */
int complaint_rate(struct ctx *c, struct period p, const char *org_code, complaint_rate_fn *fn,
                   void *arg, struct err *err);

#endif
