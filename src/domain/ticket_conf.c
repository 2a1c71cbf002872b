/*
 * SLA policies and work-order types as versioned data (see ticket_conf.h). The checks mirror
 * what the engine needs: a clock kind sla.c knows, a daily window cal_hours_parse accepts, start
 * and stop states of the order's state machine in that order (ticket.c), codes of the data lists.
 */
#include "domain/ticket_conf.h"

#include "core/calendar.h"
#include "core/common.h"
#include "domain/audit.h"
#include "domain/sla.h"
#include "domain/ticket_int.h"

#define SLA_AMOUNT_MAX (10LL * 366 * 24 * 60) /* ten years of minutes */
#define NAME_MAX_BYTES 200

static void policy_read(struct ctx *c, struct store_stmt *st, struct sla_policy *p)
{
    *p = (struct sla_policy){
        .id = store_col_i64(st, 0),
        .metric = ctx_col_text(c, st, 1),
        .type = ctx_col_text(c, st, 2),
        .subtype = ctx_col_text(c, st, 3),
        .severity = ctx_col_text(c, st, 4),
        .area = ctx_col_text(c, st, 5),
        .clock = ctx_col_text(c, st, 6),
        .amount = store_col_i64(st, 7),
        .hours = ctx_col_text(c, st, 8),
        .start_state = ctx_col_text(c, st, 9),
        .stop_state = ctx_col_text(c, st, 10),
        .warn_pct = store_col_i64(st, 11),
        .active = store_col_i64(st, 12) != 0,
        .source = ctx_col_text(c, st, 13),
        .version = store_col_i64(st, 14),
        .replaces = store_col_i64(st, 15),
        .created_at = store_col_i64(st, 16),
        .created_by = ctx_col_text(c, st, 17),
        .retired_at = store_col_i64(st, 18),
    };
}

int sla_policy_get(struct ctx *c, int64_t id, struct sla_policy *out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_SLA_POLICY_GET);
    store_bind_i64(st, 1, id);
    int ret = store_one(st, err);
    if (ret == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "no SLA policy %" PRId64, id);
    if (ret)
        return ret;
    policy_read(c, st, out);
    store_reset(st);
    return 0;
}

int sla_policy_list(struct ctx *c, bool all, sla_policy_fn *fn, void *arg, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_SLA_POLICY_LIST);
    int ret = 0;
    store_bind_i64(st, 1, all);
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct sla_policy p;
        policy_read(c, st, &p);
        ret = fn(arg, &p);
    }
    store_reset(st);
    return ret;
}

/* A type (and subtype, when not empty) that exists; ERR_INVALID naming `field` otherwise. */
static int type_exists(struct ctx *c, const char *type, const char *subtype, bool *found,
                       struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_TICKET_TYPE_GET);
    store_bind_text(st, 1, type);
    store_bind_text(st, 2, subtype ? subtype : "");
    int ret = store_one(st, err);
    *found = ret == 0;
    if (ret == ERR_NOT_FOUND)
        return 0;
    if (!ret)
        store_reset(st);
    return ret;
}

static int state_check(const char *field, const char *state, struct err *err)
{
    int r = ticket_state_rank(state);
    if (r < 0 || r > 7)
        return error(err, ERR_INVALID, "%s: unknown work order state '%s' (accepted, classified, "
                     "dispatched, processing, responded, replied, reviewed, archived)", field,
                     state ? state : ""), err_field(err, field);
    return 0;
}

static int policy_check(struct ctx *c, const struct sla_policy *in, struct err *err)
{
    enum sla_kind kind;
    struct cal_hours h;
    bool found;
    int ret;
    if (!in->metric || !in->type || !in->clock || !in->start_state || !in->stop_state)
        return error(err, ERR_INVALID, "an SLA policy needs its metric, type, clock, amount, "
                     "start and stop states");
    if ((ret = ctx_check_code(c, "metric", "sla_metric", in->metric, err)) ||
        (ret = type_exists(c, in->type, NULL, &found, err)))
        return ret;
    if (!found)
        return error(err, ERR_INVALID, "unknown work order type '%s'", in->type),
               err_field(err, "type");
    if (in->subtype && ((ret = type_exists(c, in->type, in->subtype, &found, err)) || !found))
        return ret ? ret : (error(err, ERR_INVALID, "unknown subtype '%s' of work order type '%s'",
                                  in->subtype, in->type), err_field(err, "subtype"));
    if ((in->severity && (ret = ctx_check_code(c, "severity", "ticket_severity", in->severity,
                                               err))) ||
        (in->area && (ret = ctx_check_code(c, "area", "ticket_area", in->area, err))))
        return ret;
    if (sla_kind_parse(in->clock, &kind, err))
        return err_field(err, "clock");
    if (in->amount < 1 || in->amount > SLA_AMOUNT_MAX)
        return error(err, ERR_INVALID, "amount must be from 1 to %lld (minutes, or working days)",
                     SLA_AMOUNT_MAX), err_field(err, "amount");
    if (kind == SLA_WORK_DAYS && in->amount > 3660)
        return error(err, ERR_INVALID, "amount must be at most 3660 working days"),
               err_field(err, "amount");
    if (in->hours && cal_hours_parse(in->hours, &h, err))
        return err_field(err, "hours");
    if ((ret = state_check("start", in->start_state, err)) ||
        (ret = state_check("stop", in->stop_state, err)))
        return ret;
    if (ticket_state_rank(in->start_state) >= ticket_state_rank(in->stop_state))
        return error(err, ERR_INVALID, "the clock must stop in a later state than it starts "
                     "('%s' is not after '%s')", in->stop_state, in->start_state),
               err_field(err, "stop");
    if (in->warn_pct < 0 || in->warn_pct > 100)
        return error(err, ERR_INVALID, "the warning share must be from 1 to 100 %%"),
               err_field(err, "warn");
    if (!in->source || !*in->source || strlen(in->source) > NAME_MAX_BYTES)
        return error(err, ERR_INVALID, "an SLA policy names its source (the rule it implements, "
                     "at most %d bytes)", NAME_MAX_BYTES), err_field(err, "source");
    return 0;
}

int sla_policy_add(struct ctx *c, const struct sla_policy *in, int64_t *id, struct err *err)
{
    int64_t now = ctx_now(c), old = 0, version = 1;
    int ret = policy_check(c, in, err);
    if (ret || (ret = store_begin(c->db, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_SLA_POLICY_CURRENT);
    store_bind_text(st, 1, in->metric);
    store_bind_text(st, 2, in->type);
    store_bind_text(st, 3, in->subtype);
    store_bind_text(st, 4, in->severity);
    store_bind_text(st, 5, in->area);
    if ((ret = store_step(st, err)) == STORE_ROW) {
        old = store_col_i64(st, 0);
        version = store_col_i64(st, 1) + 1;
    }
    store_reset(st);
    if (ret < 0)
        goto out;
    if (old) {
        st = store_q(c->db, Q_SLA_POLICY_RETIRE);
        store_bind_i64(st, 1, old);
        store_bind_i64(st, 2, now);
        if ((ret = store_exec(st, err)))
            goto out;
    }
    st = store_q(c->db, Q_SLA_POLICY_ADD);
    store_bind_text(st, 1, in->metric);
    store_bind_text(st, 2, in->type);
    store_bind_text(st, 3, in->subtype);
    store_bind_text(st, 4, in->severity);
    store_bind_text(st, 5, in->area);
    store_bind_text(st, 6, in->clock);
    store_bind_i64(st, 7, in->amount);
    store_bind_text(st, 8, in->hours ? in->hours : "00:00-24:00");
    store_bind_text(st, 9, in->start_state);
    store_bind_text(st, 10, in->stop_state);
    store_bind_i64(st, 11, in->warn_pct ? in->warn_pct : 80);
    store_bind_text(st, 12, in->source);
    store_bind_i64(st, 13, version);
    if (old)
        store_bind_i64(st, 14, old);
    else
        store_bind_null(st, 14);
    store_bind_i64(st, 15, now);
    store_bind_text(st, 16, c->actor);
    if ((ret = store_one(st, err)))
        goto out;
    *id = store_col_i64(st, 0);
    store_reset(st);
    struct audit_rec ar = {
        .action = "sla.policy.add",
        .entity = "sla_policy",
        .entity_key = arena_sprintf(c->arena, "%" PRId64, *id),
        .before = old ? arena_sprintf(c->arena, "%" PRId64, old) : NULL,
        .after = arena_sprintf(c->arena, "%s|%s|%s|%s|%s|%s|%" PRId64 "|%s|%s|%s", in->metric,
                               in->type, in->subtype ? in->subtype : "*",
                               in->severity ? in->severity : "*", in->area ? in->area : "*",
                               in->clock, in->amount, in->start_state, in->stop_state,
                               in->source),
        .detail = arena_sprintf(c->arena, "version %" PRId64, version),
    };
    ret = audit_append(c, &ar, err);
out:
    return store_end(c->db, ret, err);
}

/* ---- work-order types ---- */

static void type_read(struct ctx *c, struct store_stmt *st, struct ticket_type_def *t)
{
    *t = (struct ticket_type_def){
        .type = ctx_col_text(c, st, 0),
        .subtype = ctx_col_text(c, st, 1),
        .name_zh = ctx_col_text(c, st, 2),
        .name_en = ctx_col_text(c, st, 3),
        .direct = store_col_i64(st, 4),
        .reopen_days = store_col_i64(st, 5),
        .repeat_days = store_col_i64(st, 6),
        .version = store_col_i64(st, 7),
    };
}

static bool code_ok(const char *s, bool empty_ok)
{
    size_t n = s ? strlen(s) : 0;
    if (!n || n > 32)
        return empty_ok && n == 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

static int name_check(const char *field, const char *s, struct err *err)
{
    if (s && (!*s || strlen(s) > NAME_MAX_BYTES))
        return error(err, ERR_INVALID, "%s must be 1 to %d bytes", field, NAME_MAX_BYTES),
               err_field(err, field);
    return 0;
}

static int days_check(const char *field, int64_t v, int64_t max, struct err *err)
{
    if (v < -1 || v > max)
        return error(err, ERR_INVALID, "%s must be from 0 to %" PRId64, field, max),
               err_field(err, field);
    return 0;
}

int ticket_type_set(struct ctx *c, const struct ticket_type_def *in, int64_t *version,
                    struct err *err)
{
    const char *sub = in->subtype ? in->subtype : "";
    struct ticket_type_def cur = { 0 };
    bool exists = false, parent = true;
    int64_t now = ctx_now(c);
    int ret;
    if (!code_ok(in->type, false))
        return error(err, ERR_INVALID, "a type code is 1 to 32 of a-z, 0-9 and _, not '%s'",
                     in->type ? in->type : ""), err_field(err, "type");
    if (!code_ok(sub, true))
        return error(err, ERR_INVALID, "a subtype code is up to 32 of a-z, 0-9 and _, not '%s'",
                     sub), err_field(err, "subtype");
    if ((ret = name_check("name_zh", in->name_zh, err)) ||
        (ret = name_check("name_en", in->name_en, err)) ||
        (ret = days_check("direct", in->direct, 1, err)) ||
        (ret = days_check("reopen_days", in->reopen_days, 3660, err)) ||
        (ret = days_check("repeat_days", in->repeat_days, 3660, err)))
        return ret;
    if ((ret = store_begin(c->db, err)))
        return ret;
    struct store_stmt *st = store_q(c->db, Q_TICKET_TYPE_ROW);
    store_bind_text(st, 1, in->type);
    store_bind_text(st, 2, sub);
    if ((ret = store_step(st, err)) == STORE_ROW) {
        type_read(c, st, &cur);
        exists = true;
    }
    store_reset(st);
    if (ret < 0)
        goto out;
    if (!exists && *sub && (ret = type_exists(c, in->type, NULL, &parent, err)))
        goto out;
    if (!parent) {
        ret = error(err, ERR_INVALID, "unknown work order type '%s': add the type before its "
                    "subtypes", in->type);
        err_field(err, "type");
        goto out;
    }
    if (!exists && (!in->name_zh || !in->name_en)) {
        ret = error(err, ERR_INVALID, "a new work order type needs name_zh and name_en");
        err_field(err, in->name_zh ? "name_en" : "name_zh");
        goto out;
    }
    struct ticket_type_def n = {
        .type = in->type,
        .subtype = sub,
        .name_zh = in->name_zh ? in->name_zh : cur.name_zh,
        .name_en = in->name_en ? in->name_en : cur.name_en,
        .direct = in->direct >= 0 ? in->direct : exists ? cur.direct : 0,
        .reopen_days = in->reopen_days >= 0 ? in->reopen_days : exists ? cur.reopen_days : 7,
        .repeat_days = in->repeat_days >= 0 ? in->repeat_days : exists ? cur.repeat_days : 0,
        .version = exists ? cur.version + 1 : 1,
    };
    if (exists && !strcmp(n.name_zh, cur.name_zh) && !strcmp(n.name_en, cur.name_en) &&
        n.direct == cur.direct && n.reopen_days == cur.reopen_days &&
        n.repeat_days == cur.repeat_days) {
        ret = error(err, ERR_CONFLICT, "work order type '%s%s%s' already is so: nothing changes",
                    in->type, *sub ? "/" : "", sub);
        goto out;
    }
    st = store_q(c->db, exists ? Q_TICKET_TYPE_CHANGE : Q_TICKET_TYPE_INSERT);
    store_bind_text(st, 1, n.type);
    store_bind_text(st, 2, sub);
    store_bind_text(st, 3, n.name_zh);
    store_bind_text(st, 4, n.name_en);
    store_bind_i64(st, 5, n.direct);
    store_bind_i64(st, 6, n.reopen_days);
    store_bind_i64(st, 7, n.repeat_days);
    if ((ret = store_exec(st, err)))
        goto out;
    st = store_q(c->db, Q_TICKET_TYPE_VERSION_ADD);
    store_bind_text(st, 1, n.type);
    store_bind_text(st, 2, sub);
    store_bind_i64(st, 3, n.version);
    store_bind_text(st, 4, n.name_zh);
    store_bind_text(st, 5, n.name_en);
    store_bind_i64(st, 6, n.direct);
    store_bind_i64(st, 7, n.reopen_days);
    store_bind_i64(st, 8, n.repeat_days);
    store_bind_i64(st, 9, now);
    store_bind_text(st, 10, c->actor);
    if ((ret = store_exec(st, err)))
        goto out;
    const char *fmt = "%s|%s|%" PRId64 "|%" PRId64 "|%" PRId64;
    struct audit_rec ar = {
        .action = "ticket.type.set",
        .entity = "ticket_type",
        .entity_key = arena_sprintf(c->arena, "%s/%s", n.type, sub),
        .before = exists ? arena_sprintf(c->arena, fmt, cur.name_zh, cur.name_en, cur.direct,
                                         cur.reopen_days, cur.repeat_days)
                         : NULL,
        .after = arena_sprintf(c->arena, fmt, n.name_zh, n.name_en, n.direct, n.reopen_days,
                               n.repeat_days),
        .detail = arena_sprintf(c->arena, "version %" PRId64, n.version),
    };
    if (!(ret = audit_append(c, &ar, err)) && version)
        *version = n.version;
out:
    return store_end(c->db, ret, err);
}

int ticket_type_list(struct ctx *c, ticket_type_fn *fn, void *arg, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_TICKET_TYPE_LIST);
    int ret = 0;
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct ticket_type_def t;
        type_read(c, st, &t);
        ret = fn(arg, &t);
    }
    store_reset(st);
    return ret;
}

int ticket_type_versions(struct ctx *c, const char *type, const char *subtype, ticket_type_fn *fn,
                         void *arg, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_TICKET_TYPE_VERSIONS);
    int ret = 0, n = 0;
    store_bind_text(st, 1, type);
    store_bind_text(st, 2, subtype ? subtype : "");
    while (!ret && (ret = store_step(st, err)) == STORE_ROW) {
        struct ticket_type_def t;
        type_read(c, st, &t);
        t.changed_at = store_col_i64(st, 8);
        t.changed_by = ctx_col_text(c, st, 9);
        n++;
        ret = fn(arg, &t);
    }
    store_reset(st);
    if (!ret && !n)
        return error(err, ERR_NOT_FOUND, "no work order type '%s%s%s'", type,
                     subtype && *subtype ? "/" : "", subtype ? subtype : "");
    return ret;
}
