/* Review decisions on many bills at once (bill.h: bill_review_bulk). */
#include "domain/bill.h"

#include "domain/audit.h"

int bill_review_bulk(struct ctx *c, int64_t run_id, const char *reason_like, bool approve,
                     const char *note, int64_t *count, struct err *err)
{
    char key[24], detail[200];
    struct store_stmt *st;
    int ret;

    *count = 0;
    if (!reason_like || !*reason_like)
        return error(err, ERR_INVALID, "a bulk decision needs the review reason it applies to");
    if ((ret = store_begin(c->db, err)))
        return ret;
    st = store_q(c->db, Q_BILL_REVIEW_BULK);
    store_bind_i64(st, 1, run_id);
    store_bind_text(st, 2, approve ? "approved" : "held");
    store_bind_text(st, 3, note);
    char *like = arena_sprintf(c->arena, "%%%s%%", reason_like);
    store_bind_text(st, 4, like);
    if (!(ret = store_exec(st, err))) {
        *count = store_changes(st);
        snprintf(key, sizeof(key), "%" PRId64, run_id);
        snprintf(detail, sizeof(detail), "%s %" PRId64 " bills in review for '%.80s'",
                 approve ? "approved" : "held", *count, reason_like);
        struct audit_rec ar = {
            approve ? "bill.approve" : "bill.hold", "bill_run", key, NULL, NULL, detail
        };
        ret = audit_append(c, &ar, err);
    }
    return store_end(c->db, ret, err);
}
