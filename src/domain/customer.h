/*
 * The customer archive (客户档案, manual 3.1, 6.2): customers with their classification,
 * status and org unit, personal data encrypted at rest, dated history and search.
 * Personal data enters as plaintext, is validated (GB 11643 ID numbers, mainland phones),
 * stored only as ciphertext plus a blind index, and leaves masked; the full value is read
 * only through customer_reveal(), which writes an audit row.
 */
#ifndef PMIS_CUSTOMER_H
#define PMIS_CUSTOMER_H

#include "core/strbuf.h"
#include "domain/ctx.h"

/** Input for add and import. NULL means "not given". */
struct customer_in {
    const char *cust_no; /* 10 digits; NULL on add = the next free number */
    const char *name, *user_type, *voltage, *address, *org_code;
    const char *status;    /* NULL = active */
    const char *important; /* "0"/"1"/"yes"/"no"/"是"/"否"; NULL = no */
    const char *phone, *id_type, *id_no;
    const char *opened_on; /* YYYY-MM-DD; NULL = today in the business zone */
    const char *closed_on; /* import only, for closed customers */
};

/** A customer as shown: personal data masked. Strings live in the ctx arena. */
struct customer {
    int64_t id, org_id;
    const char *cust_no, *name, *user_type, *voltage, *status, *address;
    const char *org_code, *org_name;
    bool important;
    const char *phone_masked, *id_type, *id_no_masked; /* NULL when absent */
    const char *opened_on, *closed_on;
    int64_t created_at, updated_at;
};

/**
 * Validated, normalised and encrypted form of a customer_in, ready to insert. Filled by
 * customer_prepare(); the buffers are owned by the struct (customer_row_release).
 */
struct customer_row {
    char cust_no[16];
    const char *name, *user_type, *voltage, *status, *address, *id_type;
    const char *opened_on, *closed_on;
    int64_t org_id;
    bool important;
    struct strbuf phone_enc, id_no_enc;
    unsigned char phone_bidx[32], id_no_bidx[32];
    bool has_phone, has_id_no;
    bool defer_search_index; /* bulk load: the caller rebuilds the search index afterwards */
};

void customer_row_init(struct customer_row *r);
void customer_row_release(struct customer_row *r);

/**
 * Validate and normalise `in` into `out` (encrypting personal data). ERR_INVALID names the
 * field, the value (masked for personal data) and the reason; ERR_NOT_FOUND for an unknown
 * org. Does not touch customers, only reads code lists and orgs (cached in the ctx arena).
 */
int customer_prepare(struct ctx *c, const struct customer_in *in, struct customer_row *out,
                     struct err *err);

/**
 * Insert a prepared row unless its 户号 exists. *created says whether it was inserted; when it
 * was not, *same says whether the stored customer equals the row (a re-import), so callers can
 * treat an identical row as a no-op and a different one as a conflict. No audit row here.
 */
int customer_insert(struct ctx *c, const struct customer_row *r, int64_t *id, bool *created,
                    bool *same, struct err *err);

/**
 * Bulk load of new customers (PostgreSQL imports): send one prepared row on `st`, an open
 * store_bulk_begin(Q_CUSTOMER_BULK). The caller guarantees the 户号 is neither stored nor sent
 * before in this load (a clash fails the whole load at store_bulk_end with ERR_CONFLICT), and
 * on SQLite keeps the name search index itself (PostgreSQL's, name_grams, goes with the row).
 * Errors are store_bulk_add's: after any, the load must be abandoned (store_bulk_end with
 * abort). No audit row here.
 */
int customer_bulk_add(struct ctx *c, struct store_stmt *st, const struct customer_row *r,
                      struct err *err);

/** Add one customer (prepare + insert + audit) in a transaction. ERR_CONFLICT on a dup 户号. */
int customer_add(struct ctx *c, const struct customer_in *in, struct customer *out,
                 struct err *err);

/** Load by 户号. ERR_NOT_FOUND names the number. */
int customer_get(struct ctx *c, const char *cust_no, struct customer *out, struct err *err);
/** The record id of customer `cust_no` in the ctx's scope, for a list's customer filter:
 *  ERR_NOT_FOUND naming the number (field "customer") when unknown or outside the scope. */
int customer_id_get(struct ctx *c, const char *cust_no, int64_t *id, struct err *err);

/**
 * Change fields of a customer: name, user_type, voltage, address, org_code, status (not
 * closed: use customer_close), important, phone, id_type, id_no — the non-NULL members of
 * `in` (cust_no and dates ignored). Records each changed archive field in the history with
 * `effective_on` (NULL = today) and writes one audit row. Nothing changed = ERR_INVALID.
 */
int customer_update(struct ctx *c, const char *cust_no, const struct customer_in *in,
                    const char *effective_on, struct err *err);

/** Close (销户) on `date` (NULL = today). Refused (ERR_CONFLICT) while any account of the
 *  customer still has a meter installed. Closes the customer's open accounts. */
int customer_close(struct ctx *c, const char *cust_no, const char *date, struct err *err);

enum customer_pii { CUSTOMER_PHONE, CUSTOMER_ID_NO };

/**
 * The plaintext of one personal-data field, decrypted, with an audit row (action
 * "pii.reveal", detail naming the field and `reason`). ERR_NOT_FOUND when the field is empty.
 */
int customer_reveal(struct ctx *c, const char *cust_no, enum customer_pii f, const char *reason,
                    struct strbuf *out, struct err *err);

struct customer_history_row {
    const char *field, *old_value, *new_value, *effective_on, *actor;
    int64_t changed_at;
};
typedef int customer_history_fn(void *arg, const struct customer_history_row *h);

/**
 * The customer's dated history, oldest first: archive field changes and meter
 * installations/removals on its accounts (field "meter").
 */
int customer_history(struct ctx *c, const char *cust_no, customer_history_fn *fn, void *arg,
                     struct err *err);

/* ---- search ---- */

enum customer_search_by {
    CS_ANY,     /* all customers (filters only) */
    CS_CUST_NO, /* exact 户号, or prefix when `prefix` */
    CS_NAME,    /* Chinese substring of the name */
    CS_ADDRESS, /* substring of the address */
    CS_PHONE,   /* exact, through the blind index */
    CS_ID_NO,   /* exact, through the blind index */
    CS_METER,   /* meter asset number, exact: the customer it is installed for */
    CS_EMAIL,   /* an account's notice e-mail address (message_pref), exact, blind index */
};

struct customer_query {
    enum customer_search_by by;
    const char *text;
    bool prefix;
    const char *org_code;  /* scope: this unit's subtree; NULL = everything */
    const char *user_type; /* filters; NULL = any */
    const char *status;
    const char *after; /* keyset cursor: 户号 of the last row of the previous page */
    int64_t limit;     /* page size; 0 = 50 */
};

typedef int customer_fn(void *arg, const struct customer *cu);

/**
 * Matching customers ordered by 户号, at most `limit`; *next (may be NULL) gets the cursor for
 * the next page (arena string) or NULL at the end. ERR_INVALID for an empty or malformed query.
 */
int customer_search(struct ctx *c, const struct customer_query *q, customer_fn *fn, void *arg,
                    const char **next, struct err *err);

#endif
