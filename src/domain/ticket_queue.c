/*
 * The supervisor's escalation queue (督办, issue 6 §2): the breached SLA clocks that
 * ticket_sla_run (ticket_sla.c) and apply_sla_run (apply_sla.c, service applications) escalated
 * once each, listed in the caller's org scope and worked off in two steps, acknowledged
 * (督办已接收) then resolved (督办办结), each with a note. Closing an item writes an event on its
 * order or application and an audit row in one transaction; it does not move the order or the
 * application, whose own steps stay with ticket_move and apply_advance.
 */
#include "domain/ticket_int.h"

#include "core/common.h"
#include "domain/apply.h"
#include "domain/audit.h"

static void escalation_read(struct ctx *c, struct store_stmt *st, struct ticket_escalation *e)
{
    *e = (struct ticket_escalation){
        .ticket_id = store_col_i64(st, 0),
        .metric = ctx_col_text(c, st, 1),
        .deadline_at = store_col_i64(st, 2),
        .escalated_at = store_col_i64(st, 3),
        .org_code = ctx_col_text(c, st, 4),
        .state = ctx_col_text(c, st, 5),
        .type = ctx_col_text(c, st, 6),
        .id = store_col_i64(st, 7),
        .status = ctx_col_text(c, st, 8),
        .acked_at = store_col_i64(st, 9),
        .acked_by = ctx_col_text(c, st, 10),
        .ack_note = ctx_col_text(c, st, 11),
        .resolved_at = store_col_i64(st, 12),
        .resolved_by = ctx_col_text(c, st, 13),
        .resolve_note = ctx_col_text(c, st, 14),
        .application_id = store_col_i64(st, 15),
        .stage = ctx_col_text(c, st, 16),
    };
}

int ticket_escalations(struct ctx *c, bool all, ticket_escalation_fn *fn, void *arg,
                       struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_TICKET_ESCALATIONS);
    int ret = 0;
    ctx_bind_scope(c, st, 1);
    store_bind_i64(st, 2, all);
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct ticket_escalation e;
        escalation_read(c, st, &e);
        ret = fn(arg, &e);
    }
    store_reset(st);
    return ret;
}

int ticket_escalation_get(struct ctx *c, int64_t id, struct ticket_escalation *out,
                          struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_TICKET_ESCALATION_GET);
    store_bind_i64(st, 1, id);
    ctx_bind_scope(c, st, 2);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no escalation %" PRId64, id);
    if (ret)
        return ret;
    escalation_read(c, st, out);
    store_reset(st);
    return 0;
}

int ticket_escalation_close(struct ctx *c, int64_t id, bool resolve, const char *note,
                            struct err *err)
{
    struct ticket_escalation e;
    struct ticket t;
    int64_t now = ctx_now(c);
    const char *what = resolve ? "resolve" : "acknowledge";
    int ret;
    note = ctx_trim(c, note);
    if (!note || !*note)
        return error(err, ERR_INVALID, "a note is required to %s an escalation", what),
               err_field(err, "note");
    if (strlen(note) > 2000)
        return error(err, ERR_INVALID, "the note is over 2000 bytes"), err_field(err, "note");
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = ticket_escalation_get(c, id, &e, err)) ||
        (!e.application_id && (ret = ticket_get(c, e.ticket_id, &t, err))))
        goto out;
    if (!strcmp(e.status, "resolved") || (!resolve && strcmp(e.status, "open"))) {
        ret = error(err, ERR_CONFLICT, "escalation %" PRId64 " is %s: it cannot be %s", id,
                    e.status, resolve ? "resolved again" : "acknowledged again");
        goto out;
    }
    struct store_stmt *st =
        store_q(c->db, resolve ? Q_TICKET_ESCALATION_RESOLVE : Q_TICKET_ESCALATION_ACK);
    store_bind_i64(st, 1, id);
    store_bind_i64(st, 2, now);
    store_bind_text(st, 3, c->actor);
    store_bind_text(st, 4, note);
    if ((ret = store_exec(st, err)))
        goto out;
    const char *action = resolve ? "escalation.resolve" : "escalation.ack";
    const char *text = arena_sprintf(c->arena, "escalation %" PRId64 " (%s): %s", id, e.metric,
                                     note);
    ret = e.application_id ? apply_note(c, e.application_id, action, text, err)
                           : ticket_record(c, &t, action, t.state, text, now, err);
out:
    return store_end(c->db, ret, err);
}
