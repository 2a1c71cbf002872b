/*
 * Personal-data columns: seal a normalised value (ciphertext + blind index) and show a stored
 * ciphertext masked. The column's AAD ("customer.phone") binds a ciphertext to its column; the
 * blind-index domain ("phone") is shared by columns that must find each other's values.
 */
#ifndef PMIS_SECRET_H
#define PMIS_SECRET_H

#include "core/strbuf.h"
#include "domain/ctx.h"
#include "domain/pii.h"

/** Encrypt `value` into `enc` (reset first) and compute its blind index. Needs c->keys. */
int secret_seal(struct ctx *c, const char *aad, const char *bidx_domain, const char *value,
                struct strbuf *enc, unsigned char bidx[32], struct err *err);

/**
 * The masked form of a stored ciphertext (arena string): NULL when `enc` is NULL, "***" without
 * a key file, "(undecryptable)" when the key file cannot read it.
 */
const char *secret_masked(struct ctx *c, const char *aad, const void *enc, size_t len,
                          enum pii_kind kind);

/**
 * Append "field=<blind index hex>\n" (or "field=\n" when absent) to an audit digest's canonical
 * text: a change of the value changes the digest without the value being in it.
 */
void secret_canon(struct strbuf *sb, const char *field, bool has, const unsigned char bidx[32]);

#endif
