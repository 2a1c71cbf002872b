/*
 * Audit trail: each row's hash is SHA-256 over the previous row's hash and all of its own
 * columns, with explicit contiguous ids, and audit_head remembers the newest row. Editing,
 * deleting, inserting or reordering any row, or cutting the tail, breaks verification.
 * Appenders serialise on audit_head's row (its lock is held to the end of the transaction):
 * on PostgreSQL an append inside a transaction is two round trips, the locking read of the
 * head and one statement that inserts the row and moves the head.
 */
#include "core/common.h"
#include "core/digest.h"
#include "domain/audit.h"

static void hash_field(struct digest *d, const char *s)
{
    /* a NUL-free unit separator between fields; NULL and "" hash differently */
    if (s) {
        digest_update(d, "=", 1);
        digest_update(d, s, strlen(s));
    }
    digest_update(d, "\x1f", 1);
}

static void row_hash(const struct audit_row *r, char out[DIGEST_HEX_LEN + 1])
{
    char num[48];
    struct digest d;
    digest_init(&d);
    hash_field(&d, r->prev_hash);
    snprintf(num, sizeof(num), "%" PRId64 ":%" PRId64, r->id, r->at_us);
    hash_field(&d, num);
    hash_field(&d, r->actor);
    hash_field(&d, r->action);
    hash_field(&d, r->entity);
    hash_field(&d, r->entity_key);
    hash_field(&d, r->before_digest);
    hash_field(&d, r->after_digest);
    hash_field(&d, r->detail);
    hash_field(&d, r->request_id);
    if (r->org_id) { /* since 0019; rows without an org hash as before it */
        snprintf(num, sizeof(num), "org:%" PRId64, r->org_id);
        hash_field(&d, num);
    }
    digest_final_hex(&d, out);
}

int audit_append(struct ctx *c, const struct audit_rec *r, struct err *err)
{
    return audit_append_org(c, r, c->scope_org_id, err);
}

int audit_append_org(struct ctx *c, const struct audit_rec *r, int64_t org_id, struct err *err)
{
    char prev[DIGEST_HEX_LEN + 1], hash[DIGEST_HEX_LEN + 1];
    char before[DIGEST_HEX_LEN + 1], after[DIGEST_HEX_LEN + 1];
    int rc;

    /* Inside the caller's transaction the row joins it with no savepoint of its own (two
     * round trips fewer, both under the head's lock): a failure fails the caller's change,
     * which rolls back with it. Alone, it is its own transaction. */
    bool own = store_tx_depth(c->db) == 0;
    if (own && (rc = store_begin(c->db, err)))
        return rc;
    struct store_stmt *st = store_q(c->db, Q_AUDIT_HEAD_LOCK);
    if ((rc = store_one(st, err)))
        goto out;
    int64_t last_id = store_col_i64(st, 0);
    snprintf(prev, sizeof(prev), "%s", store_col_text(st, 1));
    store_reset(st);

    if (r->before)
        digest_hex(r->before, strlen(r->before), before);
    if (r->after)
        digest_hex(r->after, strlen(r->after), after);
    struct audit_row row = {
        .id = last_id + 1,
        .at_us = ctx_now(c),
        .actor = c->actor ? c->actor : "unknown",
        .action = r->action,
        .entity = r->entity,
        .entity_key = r->entity_key ? r->entity_key : "",
        .before_digest = r->before ? before : NULL,
        .after_digest = r->after ? after : NULL,
        .detail = r->detail,
        .request_id = c->request_id,
        .prev_hash = prev,
        .org_id = org_id,
    };
    row_hash(&row, hash);

    st = store_q(c->db, Q_AUDIT_INSERT);
    store_bind_i64(st, 1, row.id);
    store_bind_i64(st, 2, row.at_us);
    store_bind_text(st, 3, row.actor);
    store_bind_text(st, 4, row.action);
    store_bind_text(st, 5, row.entity);
    store_bind_text(st, 6, row.entity_key);
    store_bind_text(st, 7, row.before_digest);
    store_bind_text(st, 8, row.after_digest);
    store_bind_text(st, 9, row.detail);
    store_bind_text(st, 10, row.request_id);
    store_bind_text(st, 11, prev);
    store_bind_text(st, 12, hash);
    if (row.org_id)
        store_bind_i64(st, 13, row.org_id);
    else
        store_bind_null(st, 13);
    if ((rc = store_exec(st, err)) || store_kind(c->db) == STORE_PG)
        goto out; /* PostgreSQL's insert set the head too (Q_AUDIT_INSERT) */
    st = store_q(c->db, Q_AUDIT_HEAD_SET);
    store_bind_i64(st, 1, row.id);
    store_bind_text(st, 2, hash);
    rc = store_exec(st, err);
out:
    return own ? store_end(c->db, rc, err) : rc; /* a failed commit is rolled back too */
}

static void read_row(struct store_stmt *st, struct audit_row *r)
{
    r->id = store_col_i64(st, 0);
    r->at_us = store_col_i64(st, 1);
    r->actor = store_col_text(st, 2);
    r->action = store_col_text(st, 3);
    r->entity = store_col_text(st, 4);
    r->entity_key = store_col_text(st, 5);
    r->before_digest = store_col_text(st, 6);
    r->after_digest = store_col_text(st, 7);
    r->detail = store_col_text(st, 8);
    r->request_id = store_col_text(st, 9);
    r->prev_hash = store_col_text(st, 10);
    r->hash = store_col_text(st, 11);
    r->org_id = store_col_null(st, 12) ? 0 : store_col_i64(st, 12);
}

int audit_list(struct ctx *c, const struct audit_filter *f, audit_row_fn *fn, void *arg,
               struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_AUDIT_LIST);
    store_bind_text(st, 1, f->actor);
    store_bind_text(st, 2, f->entity);
    store_bind_text(st, 3, f->entity_key);
    store_bind_text(st, 4, f->action);
    store_bind_i64(st, 5, f->from_us);
    store_bind_i64(st, 6, f->to_us ? f->to_us : INT64_MAX);
    store_bind_i64(st, 7, f->before_id ? f->before_id : INT64_MAX);
    store_bind_i64(st, 8, f->limit > 0 ? f->limit : 100);
    ctx_bind_scope(c, st, 9);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct audit_row r;
        read_row(st, &r);
        if ((rc = fn(arg, &r))) {
            store_reset(st);
            return rc;
        }
    }
    return rc;
}

int audit_verify(struct ctx *c, int64_t *checked, int64_t *bad_id, struct err *err)
{
    char expect_prev[DIGEST_HEX_LEN + 1], hash[DIGEST_HEX_LEN + 1];
    int64_t expect_id = 1, n = 0;
    int rc;

    *bad_id = 0;
    snprintf(expect_prev, sizeof(expect_prev), "%064d", 0);
    struct store_stmt *st = store_q(c->db, Q_AUDIT_ALL);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct audit_row r;
        read_row(st, &r);
        const char *what = NULL;
        if (r.id > expect_id)
            what = arena_sprintf(c->arena, "it was deleted (the next row is %" PRId64 ")", r.id);
        else if (r.id != expect_id)
            what = "row id out of sequence";
        else if (!r.prev_hash || strcmp(r.prev_hash, expect_prev))
            what = "it does not chain to the previous row (a row was removed or inserted)";
        else if (row_hash(&r, hash), !r.hash || strcmp(hash, r.hash))
            what = "its contents do not match its hash (the row was edited)";
        if (what) {
            *bad_id = r.id != expect_id && r.id > expect_id ? expect_id : r.id;
            store_reset(st);
            return error(err, ERR_CORRUPT, "audit log broken at row %" PRId64 ": %s", *bad_id,
                         what);
        }
        snprintf(expect_prev, sizeof(expect_prev), "%s", r.hash);
        expect_id++;
        n++;
    }
    if (rc < 0)
        return rc;

    st = store_q(c->db, Q_AUDIT_HEAD_GET);
    if ((rc = store_one(st, err)))
        return rc;
    int64_t head_id = store_col_i64(st, 0);
    bool head_ok = head_id == n && !strcmp(store_col_text(st, 1), expect_prev);
    store_reset(st);
    if (!head_ok) {
        *bad_id = n + 1;
        return error(err, ERR_CORRUPT,
                     "audit log broken after row %" PRId64 ": the chain head records row %" PRId64
                     " (rows at the end were deleted)",
                     n, head_id);
    }
    *checked = n;
    return 0;
}
