/*
 * Demo payments: how the demo utility's customers pay the bills of one period, written as the
 * bank and agent collection files `pmis payment import` takes (doc/payments-format.md), so
 * the demo posts them through the real import. A pure function of (seed, account, period) and
 * the ledger: about 72 % pay by bank debit (代扣) two days before the due date, what is owed
 * (the bill, older arrears and their late fees, as the bank is told at the file's making);
 * about 18 % pay at an agent (代收点) up to 11 days late, everything owed rounded up to 10 yuan
 * (late fees accrue, small credits remain); the rest skip the month and pay later. Prepaid
 * (费控) accounts top up by bank what they owe and a month ahead, rounded up to 10 yuan.
 */
#ifndef PMIS_DEMO_PAY_H
#define PMIS_DEMO_PAY_H

#include "core/date.h"
#include "domain/ctx.h"

#include <stdio.h>

struct demo_pay_opts {
    struct period period;
    uint64_t seed;
    FILE *bank, *agent; /* where the two files go */
};

struct demo_pay_result {
    int64_t bills;
    int64_t bank_lines, bank_fen, agent_lines, agent_fen, skipped;
    struct date bank_date, agent_date; /* the files' dates: import each on its date */
};

/** Write the collection files for the issued regular bills of `o->period`. ERR_NOT_FOUND when
 *  the period has no issued bill. */
int demo_payments(struct ctx *c, const struct demo_pay_opts *o, struct demo_pay_result *r,
                  struct err *err);

#endif
