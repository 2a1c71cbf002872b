/*
 * Outage events (停电事件, issue 6 §4; rules cn-tariff-rules.md §7.1 item 2 and §7.3): a planned,
 * temporary or fault outage of an org subtree, a feeder (线路) or one service point, with the
 * customers it affects fixed when it is published, a notice to each through the outbox (to the
 * customer's first open account), the repair orders (故障报修) of affected callers grouped under
 * it at intake, and its closure, which archives those orders and announces the restoration.
 * Called by ticket.c (intake hook) and cli/cmd_outage.c. Strings live in the ctx arena.
 */
#ifndef PMIS_OUTAGE_H
#define PMIS_OUTAGE_H

#include "core/date.h"
#include "domain/ticket.h"

/** Planned outages: notice at least this many calendar days ahead (rules §7.3 (一)). */
#define OUTAGE_PLANNED_DAYS 7
/** Temporary outages: notice to important customers at least this many hours ahead (§7.3 (二)). */
#define OUTAGE_TEMPORARY_HOURS 24

/**
 * The notice rule for an outage of `kind` starting at `from_us`, announced at `notice_us`, in
 * business zone `tz`. planned: the start date must be at least OUTAGE_PLANNED_DAYS calendar days
 * after the notice date (S4: an outage on 2024-10-08 is announced by 2024-10-01), else
 * ERR_CONFLICT naming the last day to announce it. temporary: when it affects important
 * customers (`important`) and starts less than OUTAGE_TEMPORARY_HOURS after the notice, *late
 * is set (flagged, not refused: a temporary repair may not wait). fault: no lead time.
 * ERR_INVALID for an unknown kind. Pure.
 */
int outage_notice_check(const char *kind, const struct tz *tz, int64_t notice_us, int64_t from_us,
                        bool important, bool *late, struct err *err);

struct outage_in {
    const char *kind;     /* planned | temporary | fault */
    const char *org_code; /* the area (alone), or the responsible unit with feeder / sp_no */
    const char *feeder;   /* the customers supplied from this feeder (sp_feeder), or */
    const char *sp_no;    /* the customer of this service point */
    int64_t from_at, to_at; /* to_at 0: unknown (fault outages only) */
    const char *reason;
};

struct outage_result {
    int64_t id, affected, important, notified; /* notified: notices queued in the outbox */
    bool late_notice;
};

/**
 * Publish an outage at ctx "now": check the notice rule, fix the affected customers (not
 * closed), queue a notice for each that has an open account, audit; one transaction.
 * ERR_INVALID names a bad kind, a missing or bad area, times or reason, or an area without
 * customers; ERR_NOT_FOUND an unknown org or service point; ERR_CONFLICT a planned outage
 * announced too late. The responsible unit is --org, else the affected customers' first.
 */
int outage_add(struct ctx *c, const struct outage_in *in, struct outage_result *res,
               struct err *err);

struct outage {
    int64_t id, org_id, from_at, to_at, notice_at, closed_at; /* 0 when not */
    const char *kind, *kind_name, *scope, *org_code, *feeder, *sp_no, *reason, *state;
    const char *close_note, *created_by;
    bool late_notice;
    int64_t affected, important, notified, tickets;
};

/** One outage in the ctx's org scope; ERR_NOT_FOUND "no outage N". */
int outage_get(struct ctx *c, int64_t id, struct outage *out, struct err *err);

struct outage_filter {
    const char *state, *kind; /* NULL: any */
    int64_t after_id, limit;  /* keyset; limit 0 = 100 */
};
typedef int outage_fn(void *arg, const struct outage *o);
int outage_list(struct ctx *c, const struct outage_filter *f, outage_fn *fn, void *arg,
                struct err *err);

struct outage_customer {
    const char *cust_no, *name, *recipient; /* recipient: the account notified, or NULL */
    bool important;
    int64_t outbox_id; /* 0: not notified (no open account) */
};
typedef int outage_customer_fn(void *arg, const struct outage_customer *k);
int outage_customers(struct ctx *c, int64_t id, outage_customer_fn *fn, void *arg,
                     struct err *err);

struct outage_ticket {
    int64_t id;
    const char *state, *cust_no;
};
typedef int outage_ticket_fn(void *arg, const struct outage_ticket *k);
int outage_tickets(struct ctx *c, int64_t id, outage_ticket_fn *fn, void *arg, struct err *err);

/**
 * Supply restored: close an active outage at ctx "now" with `note`, archive its open linked
 * orders (ticket_resolve, the note saying so), queue a restoration message to every customer
 * notified. *resolved (may be NULL) counts the orders archived. ERR_CONFLICT when closed already.
 */
int outage_close(struct ctx *c, int64_t id, const char *note, int64_t *resolved,
                 struct err *err);

/**
 * Intake hook (ticket_add, inside its transaction): a 故障报修 order from a customer affected by
 * an active outage under way at `now` is grouped under it, with an event "link" quoting the
 * outage. Other orders pass.
 */
int outage_intake(struct ctx *c, const struct ticket *t, int64_t now, struct err *err);

/** The outage order `ticket_id` is grouped under: *found false when none. */
int outage_of_ticket(struct ctx *c, int64_t ticket_id, struct outage *out, bool *found,
                     struct err *err);

/** Who asks: exactly one of the customer's 户号, one of its accounts, or a phone. */
struct outage_caller {
    const char *cust_no, *account_no, *phone;
};

/**
 * A caller's question "is there an outage?": the active outages affecting the customer (by its
 * org, feeder or service point, as fixed when each was published) found by `who`
 * (ticket_find_caller, or the customer of the account, in the ctx's scope) that are not over at
 * ctx "now" (under way or announced), soonest first. ERR_INVALID when none is given, ERR_USAGE
 * when more than one is; ERR_NOT_FOUND for an unknown customer, account or phone; as
 * ticket_find_caller otherwise. Also answers a call at intake (the CLI's and API's ticket add).
 */
int outage_lookup(struct ctx *c, const struct outage_caller *who, outage_fn *fn, void *arg,
                  struct err *err);

/** Record the feeder a service point is supplied from (replacing the old one); audited. */
int outage_feeder_set(struct ctx *c, const char *sp_no, const char *feeder, struct err *err);

/** "计划停电", "临时停电", "故障停电"; the code itself if unknown. */
const char *outage_kind_zh(const char *kind);

#endif
