/*
 * SHA-256 (OpenSSL libcrypto) as lowercase hex, one-shot or incremental. Thread-safe.
 */
#ifndef PMIS_DIGEST_H
#define PMIS_DIGEST_H

#include "core/common.h"

#define DIGEST_HEX_LEN 64

struct digest {
    void *md_ctx; /* EVP_MD_CTX, opaque to callers */
};

void digest_init(struct digest *d);
void digest_update(struct digest *d, const void *p, size_t n);
/** Writes 64 hex digits and a NUL into out and frees the context. */
void digest_final_hex(struct digest *d, char out[DIGEST_HEX_LEN + 1]);
/** One-shot SHA-256 of a buffer. */
void digest_hex(const void *p, size_t n, char out[DIGEST_HEX_LEN + 1]);

#endif
