/*
 * Meters (电能表) and their installations on service points: a meter is in stock, installed
 * on exactly one service point, or removed. Install, remove and replace record the register
 * readings at the change (kWh text in, Wh stored), so consumption across a meter change can be
 * billed exactly. "A meter is on at most one service point at a time" is enforced by the
 * schema (partial unique index) and checked first here for a clear message.
 */
#ifndef PMIS_METER_H
#define PMIS_METER_H

#include "domain/ctx.h"

struct meter_in {
    const char *asset_no, *model;
    const char *phases;    /* "1" or "3" */
    const char *ct_ratio;  /* "100/5"; NULL = "1/1" */
    const char *pt_ratio;  /* "10000/100"; NULL = "1/1" */
    const char *registers; /* "total,peak,valley" — from total, sharp, peak, flat, valley,
                              reactive, demand */
    const char *digits;    /* integer digits of the register, 4..10; NULL = 6 */
};

struct meter {
    int64_t id;
    const char *asset_no, *model, *ct_ratio, *pt_ratio, *registers, *status;
    int phases, digits;
    int64_t multiplier;
    const char *sp_no, *account_no, *installed_on; /* current installation, NULL if none */
};

/** Register a meter in stock. multiplier = CT ratio × PT ratio, which must be whole. */
int meter_add(struct ctx *c, const struct meter_in *in, struct meter *out, struct err *err);
/** Import form: identical existing meter = no-op, different = ERR_CONFLICT; not audited. */
int meter_import_row(struct ctx *c, const struct meter_in *in, bool *created, struct err *err);

/**
 * Install a stock or removed meter on the service point `sp_no` (or the first service point of
 * account `account_no` when sp_no is NULL) on `date` (NULL = today). `reads` is
 * "total=123.45,peak=..." in kWh for the meter's registers; registers not given read 0.
 */
int meter_install(struct ctx *c, const char *asset_no, const char *account_no, const char *sp_no,
                  const char *date, const char *reads, struct err *err);
/** Take a meter off its service point on `date` with its final `reads`. */
int meter_remove(struct ctx *c, const char *asset_no, const char *date, const char *reads,
                 struct err *err);
/** Remove `old_asset` and install `new_asset` on the same point, in one transaction. */
int meter_replace(struct ctx *c, const char *old_asset, const char *new_asset, const char *date,
                  const char *old_reads, const char *new_reads, struct err *err);

int meter_get(struct ctx *c, const char *asset_no, struct meter *out, struct err *err);

struct meter_stay {
    const char *sp_no, *account_no, *installed_on, *removed_on, *reason;
    const char *install_reads, *remove_reads; /* "total=1.00,peak=..." (kWh) */
};
typedef int meter_stay_fn(void *arg, const struct meter_stay *s);
/** The meter's installations, oldest first. */
int meter_stays(struct ctx *c, const char *asset_no, meter_stay_fn *fn, void *arg, struct err *err);

#endif
