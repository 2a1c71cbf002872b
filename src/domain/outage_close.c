/*
 * Outage events, second half (see outage.h): closing (restoration, the grouped orders archived
 * through ticket_resolve, restoration messages), the ticket intake hook that groups repair
 * calls, and the feeders of service points.
 */
#include "domain/outage_int.h"

#include "core/common.h"
#include "core/vec.h"
#include "domain/account.h"
#include "domain/audit.h"
#include "domain/ticket_int.h"

/* ---- closing ---- */

struct restore_to {
    int64_t account_id;
    const char *account_no, *name;
};

int outage_close(struct ctx *c, int64_t id, const char *note, int64_t *resolved,
                 struct err *err)
{
    struct outage o;
    struct tz tz;
    int64_t now = ctx_now(c), n = 0;
    VEC(int64_t) open = VEC_INIT;
    VEC(struct restore_to) to = VEC_INIT;
    const char *text = ctx_trim(c, note);
    int ret;
    if ((ret = tz_load(c->zone_name, &tz, err)))
        return ret;
    if ((ret = store_begin(c->db, err)))
        goto done;
    if ((ret = outage_get(c, id, &o, err)))
        goto out;
    if (strcmp(o.state, "active")) {
        char b[INSTANT_BUF_SIZE];
        ret = error(err, ERR_CONFLICT, "outage %" PRId64 " was closed at %s: it cannot be closed "
                    "again", id, instant_format_tz(o.closed_at, &tz, b));
        goto out;
    }
    struct store_stmt *st = store_q(c->db, Q_OUTAGE_TICKETS);
    store_bind_i64(st, 1, id);
    while ((ret = store_step(st, err)) == STORE_ROW)
        if (ticket_state_rank(store_col_text(st, 1)) < 7)
            VEC_PUSH(&open, store_col_i64(st, 0));
    store_reset(st);
    if (ret)
        goto out;
    st = store_q(c->db, Q_OUTAGE_CUSTOMERS);
    store_bind_i64(st, 1, id);
    while ((ret = store_step(st, err)) == STORE_ROW)
        if (!store_col_null(st, 4)) {
            struct restore_to r = { store_col_i64(st, 5), ctx_col_text(c, st, 3),
                                    ctx_col_text(c, st, 1) };
            VEC_PUSH(&to, r);
        }
    store_reset(st);
    if (ret)
        goto out;
    st = store_q(c->db, Q_OUTAGE_CLOSE);
    store_bind_i64(st, 1, id);
    store_bind_i64(st, 2, now);
    store_bind_text(st, 3, text && *text ? text : NULL);
    if ((ret = store_exec(st, err)))
        goto out;
    const char *why = arena_sprintf(c->arena, "outage %" PRId64 " restored%s%s", id,
                                    text && *text ? ": " : "", text && *text ? text : "");
    for (size_t i = 0; i < open.n && !ret; i++)
        if (!(ret = ticket_resolve(c, open.v[i], why, err)))
            n++;
    struct notice_vars v = { NULL, NULL, o.kind_name, outage_local_time(c, &tz, o.from_at),
                             outage_local_time(c, &tz, now), o.reason,
                             arena_sprintf(c->arena, "%" PRId64, id) };
    for (size_t i = 0; i < to.n && !ret; i++) {
        int64_t box;
        v.customer = to.v[i].name;
        v.account = to.v[i].account_no;
        ret = outage_notify(c, "outage_restored", to.v[i].account_id, to.v[i].account_no, &v,
                            &box, err);
    }
    if (ret)
        goto out;
    struct audit_rec ar = {
        .action = "outage.close",
        .entity = "outage",
        .entity_key = v.outage,
        .before = "active",
        .after = "closed",
        .detail = arena_sprintf(c->arena, "%" PRId64 " orders resolved, %zu restoration notices",
                                n, to.n),
    };
    ret = audit_append(c, &ar, err);
out:
    ret = store_end(c->db, ret, err);
    if (!ret && resolved)
        *resolved = n;
done:
    VEC_FREE(&open);
    VEC_FREE(&to);
    tz_release(&tz);
    return ret;
}

/* ---- intake and feeders ---- */

int outage_intake(struct ctx *c, const struct ticket *t, int64_t now, struct err *err)
{
    if (strcmp(t->type, "fault") || !t->customer_id)
        return 0;
    struct store_stmt *st = store_q(c->db, Q_OUTAGE_FOR_CUSTOMER);
    store_bind_i64(st, 1, t->customer_id);
    store_bind_i64(st, 2, now);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return 0;
    if (ret)
        return ret;
    int64_t oid = store_col_i64(st, 0);
    store_reset(st);
    struct outage o;
    struct tz tz;
    if ((ret = outage_get(c, oid, &o, err)) || (ret = tz_load(c->zone_name, &tz, err)))
        return ret;
    const char *note = arena_sprintf(c->arena, "outage %" PRId64 ": %s %s – %s, %s", oid,
                                     o.kind_name, outage_local_time(c, &tz, o.from_at),
                                     outage_local_time(c, &tz, o.to_at), o.reason);
    tz_release(&tz);
    st = store_q(c->db, Q_OUTAGE_TICKET_ADD);
    store_bind_i64(st, 1, t->id);
    store_bind_i64(st, 2, oid);
    store_bind_i64(st, 3, now);
    if ((ret = store_exec(st, err)))
        return ret;
    return ticket_record(c, t, "link", t->state, note, now, err);
}

int outage_of_ticket(struct ctx *c, int64_t ticket_id, struct outage *out, bool *found,
                     struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_OUTAGE_OF_TICKET);
    store_bind_i64(st, 1, ticket_id);
    int ret = store_one(st, err);
    *found = false;
    if (ret == ERR_NOT_FOUND)
        return 0;
    if (ret)
        return ret;
    int64_t oid = store_col_i64(st, 0);
    store_reset(st);
    if ((ret = outage_get(c, oid, out, err)))
        return ret;
    *found = true;
    return 0;
}

int outage_feeder_set(struct ctx *c, const char *sp_no, const char *feeder, struct err *err)
{
    const char *f = ctx_trim(c, feeder);
    if (!f || !*f || strlen(f) > OUTAGE_FEEDER_MAX) {
        error(err, ERR_INVALID, "a feeder name has 1 to %d bytes", OUTAGE_FEEDER_MAX);
        return err_field(err, "feeder");
    }
    struct store_stmt *st = store_q(c->db, Q_OUTAGE_SP_GET);
    store_bind_text(st, 1, sp_no);
    ctx_bind_scope(c, st, 2);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no service point '%s'", sp_no ? sp_no : "");
    if (ret)
        return ret;
    int64_t sp_id = store_col_i64(st, 0);
    store_reset(st);
    if ((ret = store_begin(c->db, err)))
        return ret;
    const char *old = NULL;
    st = store_q(c->db, Q_SP_FEEDER_GET);
    store_bind_i64(st, 1, sp_id);
    if ((ret = store_one(st, err)) == 0) {
        old = ctx_col_text(c, st, 0);
        store_reset(st);
    } else if (ret == ERR_NOT_FOUND) {
        ret = 0;
    }
    if (ret)
        goto out;
    st = store_q(c->db, Q_SP_FEEDER_SET);
    store_bind_i64(st, 1, sp_id);
    store_bind_text(st, 2, f);
    store_bind_i64(st, 3, ctx_now(c));
    store_bind_text(st, 4, c->actor);
    if ((ret = store_exec(st, err)))
        goto out;
    struct audit_rec ar = { "outage.feeder", "service_point", sp_no, old, f, NULL };
    ret = audit_append(c, &ar, err);
out:
    return store_end(c->db, ret, err);
}

int outage_lookup(struct ctx *c, const struct outage_caller *who, outage_fn *fn, void *arg,
                  struct err *err)
{
    const char *cust_no = who->cust_no;
    int64_t cust_id, org_id;
    int ret, n = !!who->cust_no + !!who->account_no + !!who->phone;
    if (!n)
        return error(err, ERR_INVALID, "give the caller's 户号 (cust_no), account or phone");
    if (n > 1)
        return error(err, ERR_USAGE, "give the caller's 户号 (cust_no), account or phone, one only");
    if (who->account_no) {
        struct account a;
        if ((ret = account_get(c, who->account_no, &a, err)))
            return ret;
        cust_no = a.cust_no;
    }
    if ((ret = ticket_find_caller(c, cust_no, who->phone, &cust_id, &org_id, err)))
        return ret;
    /* collect the ids first: outage_get reuses statements while this one is open */
    VEC(int64_t) ids = VEC_INIT;
    struct store_stmt *st = store_q(c->db, Q_OUTAGE_LOOKUP);
    store_bind_i64(st, 1, cust_id);
    store_bind_i64(st, 2, ctx_now(c));
    while ((ret = store_step(st, err)) == STORE_ROW)
        VEC_PUSH(&ids, store_col_i64(st, 0));
    store_reset(st);
    for (size_t i = 0; i < ids.n && !ret; i++) {
        struct outage o;
        ret = outage_get(c, ids.v[i], &o, err);
        if (ret == ERR_NOT_FOUND) /* announced by a unit outside the caller's scope */
            ret = 0, err_clear(err);
        else if (!ret)
            ret = fn(arg, &o);
    }
    VEC_FREE(&ids);
    return ret;
}
