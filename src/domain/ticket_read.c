/*
 * Reading work orders back (see ticket.h): one order in the ctx's org scope, a filtered page of
 * them in id order (keyset), the open ones counted by SLA state, and an order's history. No
 * writes.
 */
#include "domain/ticket_int.h"
#include "domain/customer.h"

#include "core/common.h"

static void ticket_read(struct ctx *c, struct store_stmt *st, struct ticket *t)
{
    memset(t, 0, sizeof(*t));
    t->id = store_col_i64(st, 0);
    t->type = ctx_col_text(c, st, 1);
    t->subtype = ctx_col_text(c, st, 2);
    t->type_name = ctx_col_text(c, st, 3);
    t->channel = ctx_col_text(c, st, 4);
    t->severity = ctx_col_text(c, st, 5);
    t->area = ctx_col_text(c, st, 6);
    t->state = ctx_col_text(c, st, 7);
    t->cust_no = ctx_col_text(c, st, 8);
    t->customer = ctx_col_text(c, st, 9);
    t->org_code = ctx_col_text(c, st, 10);
    t->assignee = ctx_col_text(c, st, 11);
    t->text = ctx_col_text(c, st, 12);
    t->round = store_col_i64(st, 13);
    t->paused_at = store_col_i64(st, 14);
    t->merged_into = store_col_i64(st, 15);
    t->accepted_at = store_col_i64(st, 16);
    t->archived_at = store_col_i64(st, 17);
    t->created_by = ctx_col_text(c, st, 18);
    t->org_id = store_col_i64(st, 19);
    t->customer_id = store_col_i64(st, 20);
}

/* Order `id` in the ctx's scope by query q (Q_TICKET_GET or one with more columns after its
 * TICKET_COLS) into *out; *direct (when not NULL) from the column after them: the type's flag,
 * -1 when NULL. */
static int ticket_one(struct ctx *c, enum query_id q, int64_t id, struct ticket *out, int *direct,
                      struct err *err)
{
    struct store_stmt *st = store_q(c->db, q);
    store_bind_i64(st, 1, id);
    ctx_bind_scope(c, st, 2);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no work order %" PRId64, id);
    if (ret)
        return ret;
    ticket_read(c, st, out);
    if (direct)
        *direct = store_col_null(st, 21) ? -1 : store_col_i64(st, 21) != 0;
    store_reset(st);
    return 0;
}

int ticket_get(struct ctx *c, int64_t id, struct ticket *out, struct err *err)
{
    return ticket_one(c, Q_TICKET_GET, id, out, NULL, err);
}

int ticket_get_direct(struct ctx *c, int64_t id, struct ticket *out, int *direct, struct err *err)
{
    return ticket_one(c, Q_TICKET_GET_DIRECT, id, out, direct, err);
}

int ticket_list(struct ctx *c, const struct ticket_filter *f, ticket_fn *fn, void *arg,
                struct err *err)
{
    static const char *const sla_states[] = { "ok", "warning", "breached", "paused", "none" };
    int64_t org_id = 0;
    int ret = 0;
    int64_t cust_id = 0;
    if (f->org_code && (ret = ctx_org_id(c, f->org_code, &org_id, err)))
        return ret;
    if (f->cust_no && (ret = customer_id_get(c, f->cust_no, &cust_id, err)))
        return ret;
    if (f->type && (ret = ticket_type_get(c, f->type, NULL, NULL, NULL, err)))
        return ret;
    if (f->state && ticket_state_rank(f->state) < 0)
        return error(err, ERR_INVALID, "unknown work order state '%s' (accepted, classified, "
                     "dispatched, processing, responded, replied, reviewed, archived, merged)",
                     f->state), err_field(err, "state");
    if (f->sla) {
        size_t i = 0;
        while (i < ARRAY_SIZE(sla_states) && strcmp(sla_states[i], f->sla))
            i++;
        if (i == ARRAY_SIZE(sla_states))
            return error(err, ERR_INVALID, "unknown SLA state '%s' (ok, warning, breached, "
                         "paused, none)", f->sla), err_field(err, "sla");
    }
    struct store_stmt *st = store_q(c->db, Q_TICKET_LIST);
    store_bind_text(st, 1, f->state);
    store_bind_text(st, 2, f->type);
    store_bind_i64(st, 3, f->open_only);
    store_bind_i64(st, 4, f->escalated_only);
    store_bind_i64(st, 5, f->after_id);
    store_bind_i64(st, 6, f->limit > 0 ? f->limit : 100);
    ctx_bind_scope(c, st, 7);
    store_bind_i64(st, 8, org_id);
    store_bind_text(st, 9, f->assignee);
    store_bind_i64(st, 10, f->from_at);
    store_bind_i64(st, 11, f->to_at);
    store_bind_text(st, 12, f->sla);
    store_bind_i64(st, 13, f->sla_at ? f->sla_at : ctx_now(c));
    store_bind_i64(st, 14, cust_id);
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct ticket t;
        ticket_read(c, st, &t);
        t.sla.state = ctx_col_text(c, st, 21);
        t.sla.metric = ctx_col_text(c, st, 22);
        t.sla.deadline_at = store_col_i64(st, 23);
        t.sla.warn_at = store_col_i64(st, 24);
        ret = fn(arg, &t);
    }
    store_reset(st);
    return ret;
}

int ticket_sla_summary(struct ctx *c, int64_t at, struct ticket_sla_counts *out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_TICKET_SLA_SUMMARY);
    int ret;
    memset(out, 0, sizeof(*out));
    out->at = at ? at : ctx_now(c);
    store_bind_i64(st, 1, out->at);
    ctx_bind_scope(c, st, 2);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        const char *s = store_col_text(st, 0);
        int64_t n = store_col_i64(st, 1);
        int64_t *slot = !strcmp(s, "ok")         ? &out->ok
                        : !strcmp(s, "warning")  ? &out->warning
                        : !strcmp(s, "breached") ? &out->breached
                        : !strcmp(s, "paused")   ? &out->paused
                                                 : &out->none;
        *slot += n;
        out->open += n;
    }
    store_reset(st);
    return ret < 0 ? ret : 0;
}

int ticket_events(struct ctx *c, const struct ticket *t, ticket_event_fn *fn, void *arg,
                  struct err *err)
{
    int ret = 0;
    struct store_stmt *st = store_q(c->db, Q_TICKET_EVENTS);
    store_bind_i64(st, 1, t->id);
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct ticket_event e = { store_col_i64(st, 0), store_col_text(st, 1),
                                  store_col_text(st, 2), store_col_text(st, 3),
                                  store_col_text(st, 4), store_col_text(st, 5) };
        ret = fn(arg, &e);
    }
    store_reset(st);
    return ret;
}
