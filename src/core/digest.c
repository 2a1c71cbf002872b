/*
 * SHA-256 through OpenSSL's EVP interface.
 */
#include "core/common.h"
#include "core/digest.h"
#include "core/err.h"

#include <openssl/evp.h>
#include <pthread.h>

/* SHA-256 fetched once: EVP_sha256() in every init looked it up again (the API server hashes
 * each request's session or token). Kept for the life of the process. */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;

static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void digest_init(struct digest *d)
{
    pthread_once(&sha256_once, sha256_fetch);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, sha256_md ? sha256_md : EVP_sha256(), NULL) != 1)
        BUG("cannot initialise SHA-256");
    d->md_ctx = ctx;
}

void digest_update(struct digest *d, const void *p, size_t n)
{
    if (n && EVP_DigestUpdate(d->md_ctx, p, n) != 1)
        BUG("SHA-256 update failed");
}

void digest_final_hex(struct digest *d, char out[DIGEST_HEX_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(d->md_ctx, md, &len) != 1 || len != 32)
        BUG("SHA-256 final failed");
    EVP_MD_CTX_free(d->md_ctx);
    d->md_ctx = NULL;
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[DIGEST_HEX_LEN] = '\0';
}

void digest_hex(const void *p, size_t n, char out[DIGEST_HEX_LEN + 1])
{
    struct digest d;
    digest_init(&d);
    digest_update(&d, p, n);
    digest_final_hex(&d, out);
}
