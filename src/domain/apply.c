/*
 * Service applications (see apply.h): the stage workflow of the kind (data: apply_kind_stage),
 * cancellation and pauses, and the saving and recording every change shares with intake
 * (apply_add.c), completion (apply_done.c) and the SLA run (apply_sla.c). Each change is one
 * transaction: the application row, its stage rows, an application_event row and an audit row
 * commit or vanish together.
 */
#include "domain/apply_int.h"

#include "core/common.h"
#include "domain/audit.h"

#define APPLY_TEXT_MAX 500

const char *apply_stage_zh(struct ctx *c, const char *stage)
{
    if (!strcmp(stage, "completed"))
        return "已归档";
    if (!strcmp(stage, "cancelled"))
        return "已撤销";
    struct store_stmt *st = store_q(c->db, Q_APPLY_STAGE_NAME);
    struct err e = ERR_INIT;
    store_bind_text(st, 1, stage);
    if (store_one(st, &e))
        return stage;
    const char *s = ctx_col_text(c, st, 0);
    store_reset(st);
    return s;
}

int apply_limit_col(struct store_stmt *st, int col, const char *kind, const char *stage,
                    int64_t *days, struct err *err)
{
    if (store_col_null(st, col))
        return error(err, ERR_CONFIG,
                     "no limit of application kind '%s', stage '%s', is in force (table "
                     "apply_limit_version has no version of it)",
                     kind, stage);
    *days = store_col_i64(st, col);
    return 0;
}

int apply_kind_stages(struct ctx *c, const char *kind, int64_t at, struct apply_stage_def *s,
                      size_t *n, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_APPLY_KIND_STAGES);
    int ret;
    *n = 0;
    store_bind_text(st, 1, kind);
    store_bind_i64(st, 2, at);
    while ((ret = store_step(st, err)) == STORE_ROW && *n < APPLY_MAX_STAGES) {
        struct apply_stage_def d = { ctx_col_text(c, st, 0), ctx_col_text(c, st, 1), 0 };
        if ((ret = apply_limit_col(st, 2, kind, d.stage, &d.days, err)))
            break;
        s[(*n)++] = d;
    }
    store_reset(st);
    if (ret < 0)
        return ret;
    if (!*n)
        return error(err, ERR_INVALID, "application kind '%s' has no stages", kind);
    return 0;
}

int apply_stage_index(const struct application *a, const struct apply_stage_def *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s[i].stage, a->stage))
            return (int)i;
    return -1;
}

/* "accept, survey, connect" */
static const char *stage_list(struct ctx *c, const struct apply_stage_def *s, size_t n)
{
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < n; i++)
        strbuf_addf(&sb, "%s%s", i ? ", " : "", s[i].stage);
    const char *r = arena_strdup(c->arena, sb.buf);
    strbuf_release(&sb);
    return r;
}

/* ---- writing ---- */

int apply_save(struct ctx *c, const struct application *a, int64_t now, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_APPLY_UPDATE);
    store_bind_i64(st, 1, a->id);
    store_bind_text(st, 2, a->state);
    store_bind_text(st, 3, a->stage);
#define OPT_I64(i, v)                                                                              \
    do {                                                                                           \
        if (v)                                                                                     \
            store_bind_i64(st, i, v);                                                              \
        else                                                                                       \
            store_bind_null(st, i);                                                                \
    } while (0)
    OPT_I64(4, a->customer_id);
    OPT_I64(5, a->account_id);
    OPT_I64(6, a->paused_at);
    OPT_I64(7, a->closed_at);
#undef OPT_I64
    store_bind_text(st, 8, a->cancel_reason);
    store_bind_text(st, 9, a->result);
    store_bind_i64(st, 10, now);
    return store_exec(st, err);
}

int apply_record(struct ctx *c, const struct application *a, const char *action, const char *from,
                 const char *note, int64_t now, struct err *err)
{
    const char *to = strcmp(a->state, "open") ? a->state : a->stage;
    struct store_stmt *st = store_q(c->db, Q_APPLY_EVENT_ADD);
    store_bind_i64(st, 1, a->id);
    store_bind_i64(st, 2, now);
    store_bind_text(st, 3, c->actor);
    store_bind_text(st, 4, action);
    store_bind_text(st, 5, from);
    store_bind_text(st, 6, to);
    store_bind_text(st, 7, note && *note ? note : NULL);
    int ret = store_exec(st, err);
    if (ret)
        return ret;
    struct audit_rec ar = {
        .action = arena_sprintf(c->arena, "application.%s", action),
        .entity = "application",
        .entity_key = arena_sprintf(c->arena, "%" PRId64, a->id),
        .before = from,
        .after = arena_sprintf(c->arena, "%s|%s|%s|%" PRId64 "|%s", a->kind, a->state, a->stage,
                               a->org_id, a->result ? a->result : ""),
        .detail = arena_sprintf(c->arena, "%s %s -> %s", a->kind, from ? from : "-", to),
    };
    return audit_append(c, &ar, err);
}

int apply_lock(struct ctx *c, int64_t id, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_APPLY_LOCK);
    store_bind_i64(st, 1, id);
    int ret = store_one(st, err);
    store_reset(st);
    return ret == ERR_NOT_FOUND ? 0 : ret;
}

int apply_end_pause(struct ctx *c, struct application *a, int64_t now, struct err *err)
{
    if (!a->paused_at)
        return 0;
    struct store_stmt *st = store_q(c->db, Q_APPLY_PAUSE_END);
    store_bind_i64(st, 1, a->id);
    store_bind_i64(st, 2, now);
    a->paused_at = 0;
    return store_exec(st, err);
}

int apply_finish_stage(struct ctx *c, const struct application *a, int64_t now, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_APPLY_STAGE_FINISH);
    store_bind_i64(st, 1, a->id);
    store_bind_text(st, 2, a->stage);
    store_bind_i64(st, 3, now);
    return store_exec(st, err);
}

int apply_enter_stage(struct ctx *c, const struct application *a,
                      const struct apply_stage_def *s, int64_t now, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_APPLY_STAGE_ENTER);
    store_bind_i64(st, 1, a->id);
    store_bind_text(st, 2, s->stage);
    store_bind_i64(st, 3, s->days);
    store_bind_i64(st, 4, now);
    return store_exec(st, err);
}

int apply_check_open(struct ctx *c, const struct application *a, struct err *err)
{
    if (!strcmp(a->state, "open"))
        return 0;
    return error(err, ERR_CONFLICT,
                 "application %" PRId64 " is %s (%s): nothing more can be "
                 "done with it",
                 a->id, apply_stage_zh(c, a->state), a->state);
}

int apply_advance(struct ctx *c, int64_t id, const char *to, const char *note, struct err *err)
{
    struct apply_stage_def s[APPLY_MAX_STAGES];
    struct application a;
    int64_t now = ctx_now(c), start, days;
    size_t n;
    int ret;
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = apply_lock(c, id, err)) || (ret = apply_get_raw(c, id, &a, &start, &days, err)) ||
        (ret = apply_kind_stages(c, a.kind, a.accepted_at, s, &n, err)))
        goto out;
    int i = apply_stage_index(&a, s, n);
    if (to) {
        size_t j = 0;
        while (j < n && strcmp(s[j].stage, to))
            j++;
        if (j == n) {
            const char *zh = apply_stage_zh(c, to);
            ret = zh == to ? error(err, ERR_INVALID,
                                   "unknown stage '%s' (accept, survey, scheme, "
                                   "design, midcheck, inspect, connect)",
                                   to)
                           : error(err, ERR_INVALID,
                                   "stage '%s' (%s) does not apply to %s (%s): "
                                   "its stages are %s",
                                   to, zh, a.kind_name, a.kind, stage_list(c, s, n));
            err_field(err, "to");
            goto out;
        }
    }
    if ((ret = apply_check_open(c, &a, err)))
        goto out;
    if (i < 0 || (size_t)i + 1 >= n) {
        ret = error(err, ERR_CONFLICT,
                    "application %" PRId64 " is at its last stage %s (%s): "
                    "complete it ('apply complete')",
                    a.id, a.stage_name, a.stage);
        goto out;
    }
    if (to && strcmp(to, s[i + 1].stage)) {
        ret = error(err, ERR_CONFLICT,
                    "application %" PRId64 " is at %s (%s): it cannot move "
                    "to '%s'; next: %s",
                    a.id, a.stage_name, a.stage, to, s[i + 1].stage);
        goto out;
    }
    const char *from = a.stage;
    if ((ret = apply_sla_close(c, id, false, now, err)) ||
        (ret = apply_end_pause(c, &a, now, err)) || (ret = apply_finish_stage(c, &a, now, err)))
        goto out;
    a.stage = s[i + 1].stage;
    if ((ret = apply_enter_stage(c, &a, &s[i + 1], now, err)) || (ret = apply_save(c, &a, now, err)))
        goto out;
    ret = apply_record(c, &a, "advance", from, ctx_trim(c, note), now, err);
out:
    return store_end(c->db, ret, err);
}

int apply_cancel(struct ctx *c, int64_t id, const char *reason, struct err *err)
{
    struct application a;
    int64_t now = ctx_now(c), start, days;
    int ret;
    reason = ctx_trim(c, reason);
    if (!reason || !*reason)
        return error(err, ERR_INVALID, "cancelling an application needs a reason"),
               err_field(err, "reason");
    if (strlen(reason) > APPLY_TEXT_MAX)
        return error(err, ERR_INVALID, "the reason is over %d bytes", APPLY_TEXT_MAX),
               err_field(err, "reason");
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = apply_lock(c, id, err)) || (ret = apply_get_raw(c, id, &a, &start, &days, err)) ||
        (ret = apply_check_open(c, &a, err)) || (ret = apply_end_pause(c, &a, now, err)) ||
        (ret = apply_finish_stage(c, &a, now, err)))
        goto out;
    a.state = "cancelled";
    a.closed_at = now;
    a.cancel_reason = reason;
    if (!(ret = apply_save(c, &a, now, err)))
        ret = apply_record(c, &a, "cancel", a.stage, reason, now, err);
out:
    return store_end(c->db, ret, err);
}

static int set_pause(struct ctx *c, int64_t id, bool pause, const char *note, struct err *err)
{
    struct application a;
    int64_t now = ctx_now(c), start, days;
    int ret;
    if (note && strlen(note) > APPLY_TEXT_MAX)
        return error(err, ERR_INVALID, "the note is over %d bytes", APPLY_TEXT_MAX),
               err_field(err, "note");
    if ((ret = store_begin(c->db, err)))
        return ret;
    if ((ret = apply_lock(c, id, err)) || (ret = apply_get_raw(c, id, &a, &start, &days, err)) ||
        (ret = apply_check_open(c, &a, err)))
        goto out;
    if (pause == (a.paused_at != 0)) {
        ret = error(err, ERR_CONFLICT, "application %" PRId64 " is %s waiting for the customer",
                    a.id, pause ? "already" : "not");
        goto out;
    }
    if (pause) {
        struct store_stmt *st = store_q(c->db, Q_APPLY_PAUSE_ADD);
        store_bind_i64(st, 1, a.id);
        store_bind_i64(st, 2, now);
        store_bind_text(st, 3, ctx_trim(c, note));
        a.paused_at = now;
        ret = store_exec(st, err);
    } else {
        ret = apply_end_pause(c, &a, now, err);
    }
    if (!ret && !(ret = apply_save(c, &a, now, err)))
        ret = apply_record(c, &a, pause ? "pause" : "resume", a.stage, ctx_trim(c, note), now, err);
out:
    return store_end(c->db, ret, err);
}

int apply_pause(struct ctx *c, int64_t id, const char *note, struct err *err)
{
    return set_pause(c, id, true, note, err);
}

int apply_resume(struct ctx *c, int64_t id, const char *note, struct err *err)
{
    return set_pause(c, id, false, note, err);
}
