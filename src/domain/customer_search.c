/*
 * Customer search: exact and prefix 户号, name and address substrings (an ordered scan that
 * stops at the page size when the text is common; else, for names of two characters or more,
 * the index of the names' character bigrams — FTS5 on SQLite, GIN on PostgreSQL — and one
 * sequential pass otherwise), phone and ID number through the blind index, meter asset number,
 * and the e-mail address of an account's notices (message_pref) through its blind index: the
 * address is normalized as it is stored (pii_email_parse) and never kept or shown unmasked.
 * Every query is scoped to an org subtree in SQL and paginated by 户号 (keyset).
 */
#include "core/common.h"
#include "core/keyring.h"
#include "core/strbuf.h"
#include "core/utf8.h"
#include "domain/customer_int.h"
#include "domain/pii.h"

static bool has_wildcards(const char *s)
{
    return strpbrk(s, "%_") != NULL;
}

/* The CUST_WHERE parameters ?2..?5; scope 0 = every org. */
static void bind_filters(struct store_stmt *st, const struct customer_query *q, int64_t scope)
{
    if (scope)
        store_bind_i64(st, 2, scope);
    else
        store_bind_null(st, 2);
    store_bind_text(st, 3, q->user_type);
    store_bind_text(st, 4, q->status);
    store_bind_text(st, 5, q->after ? q->after : "");
}

int customer_search(struct ctx *c, const struct customer_query *q, customer_fn *fn, void *arg,
                    const char **next, struct err *err)
{
    enum query_id qid, probe = Q__COUNT, rare_qid = Q__COUNT;
    const char *text = q->text;
    struct strbuf grams = STRBUF_INIT; /* PostgreSQL's indexed name search: the text's bigrams */
    bool bind_grams = false;
    unsigned char bidx[KEYRING_INDEX_LEN];
    bool bind_blob = false;
    const char *upper = NULL;
    int64_t limit = q->limit > 0 ? q->limit : 50;
    int rc;

    if (next)
        *next = NULL;
    if (q->by != CS_ANY && (!text || !*text))
        return error(err, ERR_INVALID, "search text is empty");
    switch (q->by) {
    case CS_ANY:
        qid = Q_CS_ANY;
        text = NULL;
        break;
    case CS_CUST_NO: {
        size_t n = strlen(text);
        for (size_t i = 0; i < n; i++)
            if (text[i] < '0' || text[i] > '9')
                return error(err, ERR_INVALID, "invalid 户号 '%s': digits only", text);
        if (n > 10)
            return error(err, ERR_INVALID, "invalid 户号 '%s': at most 10 digits", text);
        if (q->prefix && n < 10) {
            /* [text, text with its last digit + 1): '9' + 1 is ':' which sorts after '9' */
            char *up = arena_strdup(c->arena, text);
            up[n - 1]++;
            upper = up;
            qid = Q_CS_CUST_NO_PREFIX;
        } else {
            qid = Q_CS_CUST_NO;
        }
        break;
    }
    case CS_NAME:
    case CS_ADDRESS: {
        /* qid serves common text, rare_qid rare text; the probe tells (see q_archive.def) */
        /* only names are in the search index: addresses are long, and indexing them made
         * a bulk import of 1M customers 8 s slower; address search scans */
        bool name = q->by == CS_NAME;
        /* both backends index names' bigrams (sql/0001, sql/0007) */
        if (name && utf8_chars(text) >= 2 && !has_wildcards(text)) {
            probe = Q_CS_NAME_COMMON_IDX;
            qid = Q_CS_NAME_ORDERED;
            rare_qid = Q_CS_NAME_IDX;
            /* SQLite computes them in SQL (pmis_bigrams), PostgreSQL takes an array */
            if (store_kind(c->db) == STORE_PG) {
                utf8_bigrams(text, &grams, '\0');
                bind_grams = true;
            }
        } else {
            probe = name ? Q_CS_NAME_COMMON_SCAN : Q_CS_ADDRESS_COMMON_SCAN;
            qid = name ? Q_CS_NAME_SCAN : Q_CS_ADDRESS_SCAN;
            rare_qid = name ? Q_CS_NAME_FULL : Q_CS_ADDRESS_FULL;
        }
        break;
    }
    case CS_PHONE:
    case CS_ID_NO: {
        struct strbuf norm = STRBUF_INIT;
        if (q->by == CS_PHONE)
            rc = pii_normalize(PII_PHONE, text, &norm, err);
        else if ((rc = pii_normalize(PII_ID_NUMBER, text, &norm, NULL))) {
            /* not a resident ID: other documents are indexed trimmed and upper-cased */
            strbuf_reset(&norm);
            for (const char *p = text; *p; p++)
                if (*p != ' ')
                    strbuf_addch(&norm, *p >= 'a' && *p <= 'z' ? *p - 32 : *p);
            rc = 0;
        }
        if (rc) {
            strbuf_release(&norm);
            return rc;
        }
        if (!c->keys)
            BUG("blind-index search without a key file");
        rc = keyring_blind_index(c->keys, q->by == CS_PHONE ? "phone" : "id_no", norm.buf, norm.len,
                                 bidx, err);
        strbuf_release(&norm);
        if (rc)
            return rc;
        bind_blob = true;
        qid = q->by == CS_PHONE ? Q_CS_PHONE : Q_CS_ID_NO;
        break;
    }
    case CS_EMAIL: {
        struct strbuf norm = STRBUF_INIT;
        if (!(rc = pii_email_parse(text, &norm, err))) {
            if (!c->keys)
                BUG("blind-index search without a key file");
            rc = keyring_blind_index(c->keys, "email", norm.buf, norm.len, bidx, err);
        }
        strbuf_release(&norm);
        if (rc)
            return rc;
        bind_blob = true;
        qid = Q_CS_EMAIL;
        break;
    }
    case CS_METER:
        qid = Q_CS_METER;
        break;
    default:
        return error(err, ERR_INVALID, "unknown search kind");
    }

    /* the org filter narrows the caller's scope (ctx_org_id refuses a unit outside it) */
    int64_t scope = c->scope_org_id;
    if (q->org_code && (rc = ctx_org_id(c, q->org_code, &scope, err)))
        goto cleanup;
    if (q->user_type && (rc = ctx_check_code(c, "user_type", "user_type", q->user_type, err)))
        goto cleanup;
    if (q->status && (rc = ctx_check_code(c, "status", "customer_status", q->status, err)))
        goto cleanup;

    /*
     * Common text is found soonest in 户号 order; for rare text that walk would visit every
     * row, and looking up the few matches (or one sequential pass) is faster.
     */
    if (probe != Q__COUNT) {
        struct store_stmt *pst = store_q(c->db, probe);
        store_bind_text(pst, 1, text);
        if (probe == Q_CS_NAME_COMMON_SCAN || probe == Q_CS_ADDRESS_COMMON_SCAN)
            bind_filters(pst, q, scope);
        if (bind_grams)
            store_bind_text_array(pst, 2, grams.buf, grams.len);
        if ((rc = store_one(pst, err)))
            goto cleanup;
        if (!store_col_i64(pst, 0))
            qid = rare_qid;
        store_reset(pst);
    }

    struct store_stmt *st = store_q(c->db, qid);
    if (bind_blob)
        store_bind_blob(st, 1, bidx, sizeof(bidx));
    else
        store_bind_text(st, 1, text);
    bind_filters(st, q, scope);
    store_bind_i64(st, 6, limit + 1); /* one more than a page tells whether another follows */
    if (upper)
        store_bind_text(st, 7, upper);
    if (bind_grams && qid == Q_CS_NAME_IDX)
        store_bind_text_array(st, 7, grams.buf, grams.len);

    int64_t n = 0;
    const char *last = NULL;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct customer cu;
        if (n == limit) {
            if (next)
                *next = last;
            store_reset(st);
            rc = 0;
            break;
        }
        customer_read_row(c, st, &cu);
        last = cu.cust_no;
        n++;
        if ((rc = fn(arg, &cu))) {
            store_reset(st);
            break;
        }
    }
cleanup:
    strbuf_release(&grams);
    return rc;
}
