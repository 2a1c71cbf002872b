/*
 * Internals shared by outage.c (publishing, reading) and outage_close.c (closing, the intake
 * hook, feeders): local times for messages and queuing one notice in the outbox.
 */
#ifndef PMIS_OUTAGE_INT_H
#define PMIS_OUTAGE_INT_H

#include "domain/outage.h"

/** Feeder names (sp_feeder.feeder), in bytes. */
#define OUTAGE_FEEDER_MAX 64

/** Values of the outage templates' placeholders; NULL renders empty. */
struct notice_vars {
    const char *customer, *account, *kind, *from, *to, *reason, *outage;
};

/** "2024-07-10 08:00" in zone `tz`, in the ctx arena; "待定" (to be decided) for 0. */
const char *outage_local_time(struct ctx *c, const struct tz *tz, int64_t us);

/**
 * Queue the notice of template `kind` (message_template) with `v` filled in to account
 * `account_no` on each of the account's channels that has a template of the kind
 * (outbox_account_channels; the SMS when none has), in the account's language; *id the first
 * outbox row. ERR_NOT_FOUND without an SMS template to fall back on. In the caller's tx.
 */
int outage_notify(struct ctx *c, const char *kind, int64_t account_id, const char *account_no,
                  const struct notice_vars *v, int64_t *id, struct err *err);

#endif
