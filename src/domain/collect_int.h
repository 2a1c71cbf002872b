/*
 * Internal to the collection modules (collect_order.c, collect_disconnect.c,
 * collect_prepaid.c, collect_deposit*.c): an account's overdue arrears and supply state,
 * opening and closing orders, deposit refunds.
 */
#ifndef PMIS_COLLECT_INT_H
#define PMIS_COLLECT_INT_H

#include "domain/collect.h"

struct overdue {
    int64_t bills, principal_fen, fee_fen;
    struct date oldest_due;
};
/** The account's bills overdue on `today` (due before it) and still open. */
int collect_overdue_get(struct ctx *c, int64_t account_id, struct date today, struct overdue *o,
                        struct err *err);

struct last_order {
    int64_t id; /* 0: none */
    char kind[16], status[16];
};
/** The account's latest order that was not cancelled (o->id 0 if none). */
int collect_last_order(struct ctx *c, int64_t account_id, struct last_order *o, struct err *err);
/** The supply is off: disconnected, or waiting for its reconnection. */
bool collect_supply_off(const struct last_order *o);
bool collect_disconnect_open(const struct last_order *o);

struct order_new {
    int64_t account_id;
    const char *kind; /* disconnect | reconnect */
    int64_t arrears_fen, notice_id;
    const char *approved_by, *approved_by2, *note;
    int64_t deadline_at; /* 0: none */
};
/** Insert an open order; *id gets its id. ERR_CONFLICT if the account has an open one. */
int collect_order_open(struct ctx *c, const struct order_new *o, int64_t *id, struct err *err);
/** Set open order `id` to `status` (done / cancelled); ERR_CONFLICT if it is not open. */
int collect_order_set_closed(struct ctx *c, int64_t id, const char *status, const char *note,
                             struct err *err);

/** A row of COLLECT_DEPOSIT_COLS (q_collect.def). */
void collect_deposit_read(struct store_stmt *st, struct deposit_info *d);

struct refund_rec {
    int64_t deposit_id, amount_fen;
    const char *channel, *ref, *reason, *approver, *day;
};
/** Record a deposit refund paid (deposit_refund) in the caller's transaction; *id its id. */
int collect_refund_record(struct ctx *c, const struct refund_rec *f, int64_t *id,
                          struct err *err);
/** ERR_CONFLICT when the acting cashier has closed `day` (日结): no more money moves on it. */
int collect_day_open(struct ctx *c, const char *day, struct err *err);

#endif
