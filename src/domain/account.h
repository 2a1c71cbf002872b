/*
 * Accounts: the supply contract (用电合同) of a customer — tariff, contract capacity and
 * demand, power-factor standard, billing cycle day (抄表例日), payment mode, billing contact and
 * bank account (encrypted). Each account gets one service point (计量点) when it is created;
 * meters are installed on service points (meter.h).
 */
#ifndef PMIS_ACCOUNT_H
#define PMIS_ACCOUNT_H

#include "core/strbuf.h"
#include "domain/ctx.h"

/** Input for add, update and import; NULL = not given. Quantities are decimal text. */
struct account_in {
    const char *account_no; /* 12 digits; NULL on add = 户号 + 2-digit sequence */
    const char *cust_no, *tariff_code;
    const char *capacity_kva, *demand_kw; /* up to 3 decimals */
    const char *pf_standard;              /* "none", "0.80", "0.85", "0.90" */
    const char *cycle_day;                /* 1..28 */
    const char *pay_mode;                 /* postpaid | prepaid */
    const char *contact_name, *contact_phone, *bank_name, *bank_account;
    const char *opened_on;
};

/** An account as shown (personal data masked); strings in the ctx arena. */
struct account {
    int64_t id, customer_id;
    const char *account_no, *cust_no, *tariff_code, *pay_mode, *status;
    int64_t capacity_va, demand_w;
    int pf_standard; /* 0, 80, 85, 90 */
    int cycle_day;
    const char *contact_name, *contact_phone_masked, *bank_name, *bank_account_masked;
    const char *sp_no;    /* its first service point */
    const char *meter_no; /* the meter installed there now (the first, by asset number), or NULL */
    const char *opened_on, *closed_on;
};

/** Add an account for an existing, not closed customer, with its service point. Audited.
 *  ERR_INVALID names the field (an unknown tariff: account_check_tariff); ERR_NOT_FOUND an
 *  unknown customer; ERR_CONFLICT a dup. */
int account_add(struct ctx *c, const struct account_in *in, struct account *out, struct err *err);

/**
 * Import form of add: an identical existing account is a no-op (*created false), a different
 * one ERR_CONFLICT. No audit row (the import writes one for the file). The tariff must be
 * loaded, as for account_add (account_check_tariff).
 */
int account_import_row(struct ctx *c, const struct account_in *in, bool *created, struct err *err);

int account_get(struct ctx *c, const char *account_no, struct account *out, struct err *err);

/** ERR_INVALID naming "tariff_code" unless tariff `code` is loaded. */
int account_check_tariff(struct ctx *c, const char *code, struct err *err);

/** Change tariff, capacity, demand, pf standard, cycle day, pay mode, contact or bank; a
 *  tariff change is recorded in the customer's history. Audited. ERR_INVALID names the bad
 *  field (a new tariff that is not loaded: account_check_tariff); "nothing to change" when
 *  nothing differs; ERR_CONFLICT for a closed account. */
int account_update(struct ctx *c, const char *account_no, const struct account_in *in,
                   const char *effective_on, struct err *err);

typedef int account_fn(void *arg, const struct account *a);
/** The accounts of a customer, by account number. */
int account_list(struct ctx *c, const char *cust_no, account_fn *fn, void *arg, struct err *err);

#endif
