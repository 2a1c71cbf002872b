/*
 * Key rotation for personal data: re-encrypt every ciphertext that is not under the key file's
 * active key. Runs page by page, each page in its own transaction; every row stays readable
 * under the old or the new key at every moment, so an interrupted rotation is simply run again.
 * Old and new key may be of different algorithms (AES-256-GCM to SM4 国密 or back): each value's
 * key id chooses how it is decrypted, so the mixed state of a conversion reads like any other.
 * The blind-index key is not rotated (that would need every index recomputed; see README).
 */
#ifndef PMIS_REKEY_H
#define PMIS_REKEY_H

#include "domain/ctx.h"

struct rekey_stats {
    int64_t rows_seen, values_reencrypted;
};

/** Re-encrypt under the active key. Writes one audit row. ERR_KEY if a value cannot be
 *  decrypted with any key in the file (that value is named by table and id). */
int rekey_all(struct ctx *c, struct rekey_stats *st, struct err *err);

#endif
