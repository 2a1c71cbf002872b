/*
 * Sealing and masking of personal-data columns (see secret.h).
 */
#include "core/common.h"
#include "core/keyring.h"
#include "domain/secret.h"

int secret_seal(struct ctx *c, const char *aad, const char *bidx_domain, const char *value,
                struct strbuf *enc, unsigned char bidx[32], struct err *err)
{
    if (!c->keys)
        BUG("personal data handled without a key file");
    strbuf_reset(enc);
    int rc = keyring_encrypt(c->keys, aad, value, strlen(value), enc, err);
    if (!rc)
        rc = keyring_blind_index(c->keys, bidx_domain, value, strlen(value), bidx, err);
    return rc;
}

const char *secret_masked(struct ctx *c, const char *aad, const void *enc, size_t len,
                          enum pii_kind kind)
{
    if (!enc)
        return NULL;
    if (!c->keys)
        return "***";
    struct strbuf pt = STRBUF_INIT, m = STRBUF_INIT;
    struct err e = ERR_INIT;
    const char *res = "(undecryptable)";
    if (!keyring_decrypt(c->keys, aad, enc, len, &pt, &e)) {
        pii_mask(kind, pt.buf, &m);
        res = arena_strdup(c->arena, m.buf);
    }
    explicit_bzero(pt.buf, pt.len);
    strbuf_release(&pt);
    strbuf_release(&m);
    return res;
}

void secret_canon(struct strbuf *sb, const char *field, bool has, const unsigned char bidx[32])
{
    strbuf_addf(sb, "%s=", field);
    if (has)
        strbuf_add_hex(sb, bidx, 32);
    strbuf_addch(sb, '\n');
}
