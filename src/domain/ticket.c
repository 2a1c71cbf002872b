/*
 * Work orders (see ticket.h): the transition table of the complaint closed loop (manual 2.4.1,
 * 6.4: 接单 → 分类 → 响应 → 反馈 → 复核, with 派单/处理 between), reassignment, reopen, merge and
 * pauses, and the saving and recording every change shares with intake (ticket_add.c). Reading
 * orders back is ticket_read.c's. Each change is one transaction: the order row, a ticket_event
 * row, the clocks (ticket_sla.c) and an audit row commit or vanish together.
 */
#include "domain/ticket_int.h"

#include "core/common.h"
#include "domain/audit.h"
#include "domain/complaint.h"

static const char *const states[] = { "accepted", "classified", "dispatched", "processing",
                                      "responded", "replied", "reviewed", "archived", "merged" };
static const char *const states_zh[] = { "接单", "分类", "派单", "处理", "响应/到达",
                                         "反馈", "复核", "归档", "已合并" };

/* The transition table; `direct` rows only for types answered without dispatch. */
static const struct transition {
    const char *from, *to;
    bool direct_only;
} transitions[] = {
    { "accepted", "classified", false },   { "classified", "dispatched", false },
    { "classified", "replied", true },     { "dispatched", "processing", false },
    { "processing", "responded", false },  { "responded", "replied", false },
    { "replied", "reviewed", false },      { "reviewed", "archived", false },
    { "reviewed", "processing", false },
};

int ticket_state_rank(const char *state)
{
    for (size_t i = 0; state && i < ARRAY_SIZE(states); i++)
        if (!strcmp(states[i], state))
            return (int)i;
    return -1;
}

const char *ticket_state_zh(const char *state)
{
    int r = ticket_state_rank(state);
    return r < 0 ? state : states_zh[r];
}

/* ---- writing ---- */

int ticket_type_get(struct ctx *c, const char *type, const char *subtype, bool *direct,
                    int64_t *reopen_days, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_TICKET_TYPE_GET);
    store_bind_text(st, 1, type);
    store_bind_text(st, 2, subtype ? subtype : "");
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND) {
        if (subtype && *subtype)
            ret = error(err, ERR_INVALID, "unknown subtype '%s' of work order type '%s'", subtype,
                        type);
        else
            ret = error(err, ERR_INVALID, "unknown work order type '%s' (consult, fault, "
                        "complaint, report, suggestion, praise, service)", type ? type : "");
        return err_field(err, subtype && *subtype ? "subtype" : "type");
    }
    if (ret)
        return ret;
    if (direct)
        *direct = store_col_i64(st, 1) != 0;
    if (reopen_days)
        *reopen_days = store_col_i64(st, 2);
    store_reset(st);
    return 0;
}

static int save(struct ctx *c, const struct ticket *t, int64_t now, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_TICKET_UPDATE);
    store_bind_i64(st, 1, t->id);
    store_bind_text(st, 2, t->state);
    store_bind_text(st, 3, t->subtype);
    store_bind_text(st, 4, t->severity);
    store_bind_text(st, 5, t->area);
    store_bind_i64(st, 6, t->org_id);
    store_bind_text(st, 7, t->assignee);
    store_bind_i64(st, 8, t->round);
    if (t->paused_at)
        store_bind_i64(st, 9, t->paused_at);
    else
        store_bind_null(st, 9);
    if (t->merged_into)
        store_bind_i64(st, 10, t->merged_into);
    else
        store_bind_null(st, 10);
    if (t->archived_at)
        store_bind_i64(st, 11, t->archived_at);
    else
        store_bind_null(st, 11);
    store_bind_i64(st, 12, now);
    return store_exec(st, err);
}

/* The event row and the audit row of one action. Called last in each transaction, after the
 * clocks: the audit row locks the head of the hash chain (audit_head) until COMMIT, and every
 * writer waits for that lock, so it is held for as short a time as possible. */
static int record(struct ctx *c, const struct ticket *t, const char *action, const char *from,
                  const char *note, int64_t now, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_TICKET_EVENT_ADD);
    store_bind_i64(st, 1, t->id);
    store_bind_i64(st, 2, now);
    store_bind_text(st, 3, c->actor);
    store_bind_text(st, 4, action);
    store_bind_text(st, 5, from);
    store_bind_text(st, 6, t->state);
    store_bind_text(st, 7, note && *note ? note : NULL);
    int ret = store_exec(st, err);
    if (ret)
        return ret;
    struct audit_rec ar = {
        .action = arena_sprintf(c->arena, "ticket.%s", action),
        .entity = "ticket",
        .entity_key = arena_sprintf(c->arena, "%" PRId64, t->id),
        .before = from,
        .after = arena_sprintf(c->arena, "%s|%s|%s|%s|%s|%" PRId64 "|%s", t->state, t->type,
                               t->subtype, t->severity, t->area, t->org_id,
                               t->assignee ? t->assignee : ""),
        .detail = arena_sprintf(c->arena, "%s -> %s", from ? from : "-", t->state),
    };
    return audit_append(c, &ar, err);
}

int ticket_record(struct ctx *c, const struct ticket *t, const char *action, const char *from,
                  const char *note, int64_t now, struct err *err)
{
    return record(c, t, action, from, note, now, err);
}

/* "dispatched, replied" */
static const char *allowed_next(struct ctx *c, const char *from, bool direct)
{
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < ARRAY_SIZE(transitions); i++)
        if (!strcmp(transitions[i].from, from) && (!transitions[i].direct_only || direct))
            strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", transitions[i].to);
    const char *s = arena_strdup(c->arena, sb.len ? sb.buf : "none");
    strbuf_release(&sb);
    return s;
}

/* The API route of the move to each state (ticket_actions). */
static const char *const state_verbs[] = { NULL, "classify", "dispatch", "process", "respond",
                                           "reply", "review", "archive", NULL };

int ticket_actions(struct ctx *c, const struct ticket *t, const char **out, size_t *n,
                   struct err *err)
{
    bool direct = false;
    int64_t days = 0;
    int rank = ticket_state_rank(t->state), ret;
    *n = 0;
    if ((ret = ticket_type_get(c, t->type, "", &direct, &days, err)))
        return ret;
    for (size_t i = 0; i < ARRAY_SIZE(transitions); i++)
        if (!strcmp(transitions[i].from, t->state) && (!transitions[i].direct_only || direct))
            out[(*n)++] = state_verbs[ticket_state_rank(transitions[i].to)];
    if (rank >= 1 && rank <= 4 && strcmp(t->state, "classified"))
        out[(*n)++] = "assign";
    if (rank >= 0 && rank < 7) {
        out[(*n)++] = t->paused_at ? "resume" : "pause";
        out[(*n)++] = "merge";
    }
    if (rank == 7 && ctx_now(c) - t->archived_at <= days * US_PER_DAY)
        out[(*n)++] = "reopen";
    return 0;
}

static int refuse(struct ctx *c, const struct ticket *t, const char *to, bool direct,
                  struct err *err)
{
    const char *next = allowed_next(c, t->state, direct);
    return error(err, ERR_CONFLICT,
                 "work order %" PRId64 " is %s (%s): it cannot move to '%s'; allowed next: %s%s",
                 t->id, ticket_state_zh(t->state), t->state, to, next,
                 !strcmp(t->state, "archived") ? " (use 'ticket reopen')" : "");
}

/* End an open pause at `now` (any move means the customer is back). */
static int end_pause(struct ctx *c, struct ticket *t, int64_t now, struct err *err)
{
    if (!t->paused_at)
        return 0;
    struct store_stmt *st = store_q(c->db, Q_TICKET_PAUSE_END);
    store_bind_i64(st, 1, t->id);
    store_bind_i64(st, 2, now);
    t->paused_at = 0;
    return store_exec(st, err);
}

static int apply_assign(struct ctx *c, struct ticket *t, const char *org_code,
                        const char *assignee, struct err *err)
{
    int ret;
    if (!org_code && !(assignee && *assignee))
        return error(err, ERR_INVALID, "dispatching work order %" PRId64 " needs an org unit or "
                     "a person", t->id);
    if (org_code && (ret = ctx_org_id(c, org_code, &t->org_id, err)))
        return ret;
    if (assignee)
        t->assignee = *assignee ? assignee : NULL;
    return 0;
}

int ticket_move(struct ctx *c, int64_t id, const struct ticket_move_in *in, struct err *err)
{
    struct ticket t;
    bool direct = false;
    int64_t now = ctx_now(c);
    int ret;
    if (!in->to || ticket_state_rank(in->to) < 0 || !strcmp(in->to, "merged"))
        return error(err, ERR_INVALID, "unknown work order state '%s' (classified, dispatched, "
                     "processing, responded, replied, reviewed, archived)", in->to ? in->to : "");
    if ((ret = store_begin(c->db, err)))
        return ret;
    int d;
    if ((ret = ticket_get_direct(c, id, &t, &d, err)) ||
        (d < 0 && (ret = ticket_type_get(c, t.type, "", &direct, NULL, err))))
        goto out;
    if (d >= 0)
        direct = d;
    size_t i = 0;
    while (i < ARRAY_SIZE(transitions) &&
           (strcmp(transitions[i].from, t.state) || strcmp(transitions[i].to, in->to) ||
            (transitions[i].direct_only && !direct)))
        i++;
    if (i == ARRAY_SIZE(transitions)) {
        ret = refuse(c, &t, in->to, direct, err);
        goto out;
    }
    bool classify = !strcmp(in->to, "classified"), dispatch = !strcmp(in->to, "dispatched");
    if (!classify && (in->subtype || in->severity || in->area)) {
        ret = error(err, ERR_INVALID, "subtype, severity and area change at classification "
                    "(分类), not on the way to '%s'", in->to);
        goto out;
    }
    if (!dispatch && (in->org_code || in->assignee)) {
        ret = error(err, ERR_INVALID, "an org unit or person is given when dispatching (派单): "
                    "use 'ticket assign' to reassign");
        goto out;
    }
    const char *from = t.state;
    if (classify) {
        if (in->subtype && (ret = ticket_type_get(c, t.type, in->subtype, NULL, NULL, err)))
            goto out;
        if ((in->severity &&
             (ret = ctx_check_code(c, "severity", "ticket_severity", in->severity, err))) ||
            (in->area && (ret = ctx_check_code(c, "area", "ticket_area", in->area, err))))
            goto out;
        t.subtype = in->subtype ? in->subtype : t.subtype;
        t.severity = in->severity ? in->severity : t.severity;
        t.area = in->area ? in->area : t.area;
    }
    if (dispatch && (ret = apply_assign(c, &t, in->org_code, in->assignee, err)))
        goto out;
    if ((ret = complaint_check_move(c, &t, in->to, in->note, err)))
        goto out;
    if (!strcmp(from, "reviewed") && !strcmp(in->to, "processing"))
        t.round++; /* the callback failed: rework with fresh clocks */
    if (!strcmp(in->to, "archived"))
        t.archived_at = now;
    t.state = in->to;
    if (!(ret = end_pause(c, &t, now, err)) && !(ret = save(c, &t, now, err)) &&
        !(ret = ticket_clocks_sync(c, &t, now, err)))
        ret = record(c, &t, "move", from, in->note, now, err);
out:
    return store_end(c->db, ret, err);
}

int ticket_assign(struct ctx *c, int64_t id, const char *org_code, const char *assignee,
                  const char *note, struct err *err)
{
    struct ticket t;
    int64_t now = ctx_now(c);
    int ret;
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = ticket_get(c, id, &t, err)))
        goto out;
    const char *from = t.state;
    bool dispatch = !strcmp(t.state, "classified");
    if (!dispatch && strcmp(t.state, "dispatched") && strcmp(t.state, "processing") &&
        strcmp(t.state, "responded")) {
        ret = error(err, ERR_CONFLICT, "work order %" PRId64 " is %s (%s): only classified, "
                    "dispatched, processing or responded orders are assigned", t.id,
                    ticket_state_zh(t.state), t.state);
        goto out;
    }
    if ((ret = apply_assign(c, &t, org_code, assignee, err)))
        goto out;
    if (dispatch)
        t.state = "dispatched";
    if (!(ret = save(c, &t, now, err)) && (!dispatch || !(ret = ticket_clocks_sync(c, &t, now, err))))
        ret = record(c, &t, dispatch ? "move" : "assign", from, note, now, err);
out:
    return store_end(c->db, ret, err);
}

int ticket_reopen(struct ctx *c, int64_t id, const char *note, struct err *err)
{
    struct ticket t;
    int64_t now = ctx_now(c), days = 0;
    int ret;
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = ticket_get(c, id, &t, err)) || (ret = ticket_type_get(c, t.type, "", NULL, &days, err)))
        goto out;
    if (strcmp(t.state, "archived")) {
        ret = error(err, ERR_CONFLICT, "work order %" PRId64 " is %s (%s): only an archived "
                    "order is reopened", t.id, ticket_state_zh(t.state), t.state);
        goto out;
    }
    if (now - t.archived_at > days * US_PER_DAY) {
        char b[INSTANT_BUF_SIZE];
        ret = error(err, ERR_CONFLICT, "work order %" PRId64 " was archived at %s, more than "
                    "%" PRId64 " days ago: open a new order", t.id,
                    instant_format(t.archived_at, b), days);
        goto out;
    }
    t.state = "processing";
    t.archived_at = 0;
    t.round++;
    if (!(ret = save(c, &t, now, err)) && !(ret = ticket_clocks_sync(c, &t, now, err)))
        ret = record(c, &t, "reopen", "archived", note, now, err);
out:
    return store_end(c->db, ret, err);
}

int ticket_merge(struct ctx *c, int64_t dup, int64_t into, const char *note, struct err *err)
{
    struct ticket d, m;
    int64_t now = ctx_now(c);
    int ret;
    if (dup == into)
        return error(err, ERR_INVALID, "a work order cannot be merged into itself");
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = ticket_get(c, dup, &d, err)) || (ret = ticket_get(c, into, &m, err)))
        goto out;
    const struct ticket *closed = ticket_state_rank(d.state) >= 7 ? &d
                                  : ticket_state_rank(m.state) >= 7 ? &m
                                                                    : NULL;
    if (closed) {
        ret = error(err, ERR_CONFLICT, "work order %" PRId64 " is %s (%s): only open orders are "
                    "merged", closed->id, ticket_state_zh(closed->state), closed->state);
        goto out;
    }
    const char *from = d.state;
    d.state = "merged";
    d.merged_into = into;
    if ((ret = end_pause(c, &d, now, err)) || (ret = save(c, &d, now, err)) ||
        (ret = record(c, &d, "merge",  from,
                      arena_sprintf(c->arena, "into %" PRId64 "%s%s", into, note ? ": " : "",
                                    note ? note : ""), now, err)) ||
        (ret = ticket_clocks_cancel(c, &d, now, err)))
        goto out;
    ret = record(c, &m, "absorb", m.state, arena_sprintf(c->arena, "duplicate %" PRId64, dup),
                 now, err);
out:
    return store_end(c->db, ret, err);
}

static int set_pause(struct ctx *c, int64_t id, bool pause, const char *note, struct err *err)
{
    struct ticket t;
    int64_t now = ctx_now(c);
    int ret;
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = ticket_get(c, id, &t, err)))
        goto out;
    if (ticket_state_rank(t.state) >= 7) {
        ret = error(err, ERR_CONFLICT, "work order %" PRId64 " is %s (%s): its clocks are stopped",
                    t.id, ticket_state_zh(t.state), t.state);
        goto out;
    }
    if (pause == (t.paused_at != 0)) {
        ret = error(err, ERR_CONFLICT, "work order %" PRId64 " is %s waiting for the customer",
                    t.id, pause ? "already" : "not");
        goto out;
    }
    if (pause) {
        struct store_stmt *st = store_q(c->db, Q_TICKET_PAUSE_ADD);
        store_bind_i64(st, 1, t.id);
        store_bind_i64(st, 2, now);
        store_bind_text(st, 3, note);
        t.paused_at = now;
        ret = store_exec(st, err);
    } else {
        ret = end_pause(c, &t, now, err);
    }
    if (!ret && !(ret = save(c, &t, now, err)) && !(ret = ticket_clocks_repause(c, &t, err)))
        ret = record(c, &t, pause ? "pause" : "resume", t.state, note, now, err);
out:
    return store_end(c->db, ret, err);
}

int ticket_pause(struct ctx *c, int64_t id, const char *note, struct err *err)
{
    return set_pause(c, id, true, note, err);
}

int ticket_resume(struct ctx *c, int64_t id, const char *note, struct err *err)
{
    return set_pause(c, id, false, note, err);
}

int ticket_resolve(struct ctx *c, int64_t id, const char *note, struct err *err)
{
    struct ticket t;
    int64_t now = ctx_now(c);
    int ret;
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = ticket_get(c, id, &t, err)))
        goto out;
    if (ticket_state_rank(t.state) >= 7) {
        ret = error(err, ERR_CONFLICT, "work order %" PRId64 " is %s (%s): only open orders are "
                    "resolved", t.id, ticket_state_zh(t.state), t.state);
        goto out;
    }
    const char *from = t.state;
    t.state = "archived";
    t.archived_at = now;
    if (!(ret = end_pause(c, &t, now, err)) && !(ret = save(c, &t, now, err)) &&
        !(ret = ticket_clocks_sync(c, &t, now, err)))
        ret = record(c, &t, "resolve", from, note, now, err);
out:
    return store_end(c->db, ret, err);
}
