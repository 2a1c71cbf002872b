/*
 * Re-encryption of personal data after a key rotation, one page of rows per transaction: the
 * customers' and accounts' two columns each, and the e-mail address of message_pref (0025).
 */
#include "core/common.h"
#include "core/keyring.h"
#include "core/vec.h"
#include "domain/audit.h"
#include "domain/outbox.h"
#include "domain/rekey.h"

#define REKEY_PAGE 1000

struct table {
    const char *name;
    enum query_id page, set;
    const char *aad[2]; /* the encrypted columns, as in customer.c / account.c; NULL: none */
};

static const struct table tables[] = {
    { "customer", Q_CUSTOMER_PII_PAGE, Q_CUSTOMER_SET_PII, { "customer.phone", "customer.id_no" } },
    { "account",
      Q_ACCOUNT_PII_PAGE,
      Q_ACCOUNT_SET_PII,
      { "account.contact_phone", "account.bank_account" } },
    { "message_pref", Q_OUTBOX_EMAIL_PAGE, Q_OUTBOX_EMAIL_REKEY, { OUTBOX_AAD_EMAIL, NULL } },
};

struct pending {
    int64_t id;
    struct strbuf val[2];
    bool null[2];
};

/* Re-encrypt one value into `out` if it is not under the active key; *changed says so. */
static int reencrypt(struct ctx *c, const char *table, int64_t id, const char *aad, const void *ct,
                     size_t len, struct strbuf *out, bool *changed, struct err *err)
{
    strbuf_reset(out);
    if (!keyring_needs_rotation(c->keys, ct, len)) {
        strbuf_add(out, ct, len);
        *changed = false;
        return 0;
    }
    struct strbuf pt = STRBUF_INIT;
    int rc = keyring_decrypt(c->keys, aad, ct, len, &pt, err);
    if (rc) {
        error_prefix(err, "%s #%" PRId64 " (%s): ", table, id, aad);
    } else {
        rc = keyring_encrypt(c->keys, aad, pt.buf, pt.len, out, err);
        *changed = rc == 0;
    }
    explicit_bzero(pt.buf, pt.len);
    strbuf_release(&pt);
    return rc;
}

/* One page of rows after id `*after`: re-encrypt what needs it and write it back in one
 * transaction. *n gets the number of rows read. */
static int rekey_page(struct ctx *c, const struct table *tb, int64_t *after, int64_t *n,
                      struct rekey_stats *stats, struct err *err)
{
    VEC(struct pending) page = VEC_INIT;
    int rc;
    *n = 0;
    struct store_stmt *st = store_q(c->db, tb->page);
    store_bind_i64(st, 1, *after);
    store_bind_i64(st, 2, REKEY_PAGE);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct pending p = { .id = store_col_i64(st, 0) };
        bool any = false;
        int vrc = 0;
        for (int k = 0; k < 2; k++) {
            strbuf_init(&p.val[k], 0);
            p.null[k] = !tb->aad[k] || store_col_null(st, 1 + k);
            if (p.null[k] || vrc)
                continue;
            size_t len;
            const void *ct = store_col_blob(st, 1 + k, &len);
            bool changed = false;
            vrc = reencrypt(c, tb->name, p.id, tb->aad[k], ct, len, &p.val[k], &changed, err);
            any |= changed;
            stats->values_reencrypted += changed;
        }
        (*n)++;
        stats->rows_seen++;
        *after = p.id;
        if (any && !vrc) {
            VEC_PUSH(&page, p);
        } else {
            for (int k = 0; k < 2; k++)
                strbuf_release(&p.val[k]);
        }
        if (vrc) {
            store_reset(st);
            rc = vrc;
            break;
        }
    }
    if (rc == STORE_DONE && page.n && !(rc = store_begin(c->db, err))) {
        for (size_t i = 0; i < page.n && !rc; i++) {
            st = store_q(c->db, tb->set);
            store_bind_i64(st, 1, page.v[i].id);
            for (int k = 0; k < 2; k++) {
                if (!tb->aad[k])
                    continue;
                if (page.v[i].null[k])
                    store_bind_null(st, 2 + k);
                else
                    store_bind_blob(st, 2 + k, page.v[i].val[k].buf, page.v[i].val[k].len);
            }
            rc = store_exec(st, err);
        }
        if (rc || (rc = store_commit(c->db, err)))
            store_rollback(c->db);
    }
    for (size_t i = 0; i < page.n; i++)
        for (int k = 0; k < 2; k++)
            strbuf_release(&page.v[i].val[k]);
    VEC_FREE(&page);
    return rc;
}

int rekey_all(struct ctx *c, struct rekey_stats *stats, struct err *err)
{
    memset(stats, 0, sizeof(*stats));
    for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
        int64_t after = 0, n;
        do {
            int rc = rekey_page(c, &tables[t], &after, &n, stats, err);
            if (rc)
                return rc;
        } while (n == REKEY_PAGE);
    }
    struct audit_rec ar = {
        .action = "key.rotate",
        .entity = "keys",
        .entity_key = "personal-data",
        .detail =
            arena_sprintf(c->arena, "active key %u (%s), rows=%" PRId64 " reencrypted=%" PRId64,
                          keyring_active_id(c->keys), keyring_active_alg(c->keys), stats->rows_seen,
                          stats->values_reencrypted),
    };
    return audit_append(c, &ar, err);
}
