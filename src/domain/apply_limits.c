/*
 * The working-day limits of the service-application kinds (issue 6 §5): the end-to-end limit
 * (5 / 6 / 22 / 32 working days for new connections, 供电服务"十项承诺" item 6) and each stage's
 * share: versioned data (apply_limit_version, migration 0033; the figures of 0016 are the first
 * version; since 0035 the only place the limits are held) that `pmis apply limits` and PATCH /api/v1/applications/limits change. A change is a
 * new version with its effective time, source and user; the old ones are kept. An application
 * takes the limits in force when it was accepted (Q_APPLY_KIND_GET, Q_APPLY_KIND_STAGES as of
 * accepted_at), so a change never moves a running deadline. Every change is also audited.
 */
#include "domain/apply_int.h"

#include "core/common.h"
#include "core/vec.h"
#include "domain/audit.h"

static int limits_at(struct ctx *c, const char *kind, int64_t at, apply_limit_fn *fn, void *arg,
                     struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_APPLY_LIMITS);
    int ret, n = 0;
    if (kind)
        store_bind_text(st, 1, kind);
    else
        store_bind_null(st, 1);
    store_bind_i64(st, 2, at);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct apply_limit l = {
            .kind = store_col_text(st, 0),
            .kind_name = store_col_text(st, 1),
            .warn_pct = store_col_i64(st, 3),
            .stage = store_col_text(st, 4),
            .stage_name = store_col_text(st, 5),
        };
        n++;
        if ((ret = apply_limit_col(st, 2, l.kind, "total", &l.total_days, err)) ||
            (ret = apply_limit_col(st, 6, l.kind, l.stage, &l.days, err)) ||
            (ret = fn(arg, &l)))
            break;
    }
    store_reset(st);
    if (ret < 0 || ret > 0)
        return ret;
    if (kind && !n)
        return error(err, ERR_NOT_FOUND, "no application kind '%s'", kind), err_field(err, "kind");
    return 0;
}

int apply_limits(struct ctx *c, const char *kind, apply_limit_fn *fn, void *arg, struct err *err)
{
    return limits_at(c, kind, ctx_now(c), fn, arg, err);
}

int apply_limits_history(struct ctx *c, const char *kind, apply_limit_version_fn *fn, void *arg,
                         struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_APPLY_LIMIT_HISTORY);
    int ret, n = 0;
    store_bind_text(st, 1, kind ? kind : "");
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct apply_limit_version v = {
            .id = store_col_i64(st, 0),
            .stage = store_col_text(st, 1),
            .days = store_col_i64(st, 2),
            .effective_at = store_col_i64(st, 3),
            .source = store_col_text(st, 4),
            .changed_by = store_col_text(st, 5),
            .changed_at = store_col_i64(st, 6),
        };
        n++;
        if ((ret = fn(arg, &v)))
            break;
    }
    store_reset(st);
    if (ret < 0 || ret > 0)
        return ret;
    if (!n)
        return error(err, ERR_NOT_FOUND, "no application kind '%s'", kind ? kind : ""),
               err_field(err, "kind");
    return 0;
}

/* The kind's current limits, copied into the arena. */
struct cur {
    struct ctx *c;
    VEC(struct apply_limit) v;
};

static int cur_row(void *arg, const struct apply_limit *l)
{
    struct cur *k = arg;
    struct apply_limit x = *l;
    x.kind = arena_strdup(k->c->arena, l->kind);
    x.kind_name = arena_strdup(k->c->arena, l->kind_name);
    x.stage = arena_strdup(k->c->arena, l->stage);
    x.stage_name = arena_strdup(k->c->arena, l->stage_name);
    VEC_PUSH(&k->v, x);
    return 0;
}

static int check(const struct cur *k, const char *kind, const struct apply_limit_set *set,
                 size_t n, int64_t *old, struct err *err)
{
    for (size_t i = 0; i < n; i++) {
        const char *s = set[i].stage;
        if (set[i].days < 1 || set[i].days > APPLY_LIMIT_MAX)
            return error(err, ERR_INVALID,
                         "the limit of '%s' must be 1..%d working days, not %" PRId64, s,
                         APPLY_LIMIT_MAX, set[i].days),
                   err_field(err, "limits");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(set[j].stage, s))
                return error(err, ERR_INVALID, "the limit of '%s' is given twice", s),
                       err_field(err, "limits");
        if (!strcmp(s, "total")) {
            old[i] = k->v.v[0].total_days;
            continue;
        }
        size_t j = 0;
        while (j < k->v.n && strcmp(k->v.v[j].stage, s))
            j++;
        if (j == k->v.n) {
            struct strbuf sb = STRBUF_INIT;
            for (j = 0; j < k->v.n; j++)
                strbuf_addf(&sb, "%s%s", j ? ", " : "", k->v.v[j].stage);
            error(err, ERR_INVALID, "kind '%s' has no stage '%s' (its stages: %s; or total)", kind,
                  s, sb.buf);
            strbuf_release(&sb);
            return err_field(err, "limits");
        }
        old[i] = k->v.v[j].days;
    }
    return 0;
}

int apply_limits_set(struct ctx *c, const char *kind, const struct apply_limit_set *set, size_t n,
                     const char *source, int64_t effective_at, struct err *err)
{
    struct cur k = { .c = c, .v = VEC_INIT };
    int64_t *old = arena_alloc(c->arena, (n ? n : 1) * sizeof(*old));
    bool changes = false;
    int ret;
    source = ctx_trim(c, source);
    if (!kind || !*kind)
        return error(err, ERR_INVALID, "give the application kind"), err_field(err, "kind");
    if (!n)
        return error(err, ERR_INVALID, "give at least one limit (STAGE=DAYS, or total=DAYS)"),
               err_field(err, "limits");
    if (!source || !*source)
        return error(err, ERR_INVALID, "a limit change needs its source (who decided it)"),
               err_field(err, "source");
    int64_t now = ctx_now(c);
    if (!effective_at)
        effective_at = now;
    if (effective_at < now)
        return error(err, ERR_INVALID,
                     "a limit change cannot take effect in the past (applications accepted "
                     "since would count by other figures)"),
               err_field(err, "effective_at");
    if ((ret = limits_at(c, kind, effective_at, cur_row, &k, err)) ||
        (ret = check(&k, kind, set, n, old, err)))
        goto out;
    for (size_t i = 0; i < n; i++)
        changes |= old[i] != set[i].days;
    if (!changes) {
        ret = error(err, ERR_INVALID, "the limits of '%s' are already so: nothing to change",
                    kind);
        goto out;
    }
    if ((ret = store_begin(c->db, err)))
        goto out;
    for (size_t i = 0; i < n && !ret; i++) {
        if (old[i] == set[i].days)
            continue;
        struct store_stmt *st = store_q(c->db, Q_APPLY_LIMIT_ADD);
        store_bind_text(st, 1, kind);
        store_bind_text(st, 2, set[i].stage);
        store_bind_i64(st, 3, set[i].days);
        store_bind_i64(st, 4, effective_at);
        store_bind_text(st, 5, source);
        store_bind_text(st, 6, c->actor ? c->actor : "unknown");
        store_bind_i64(st, 7, now);
        if ((ret = store_exec(st, err)))
            break;
        struct audit_rec ar = {
            "apply.limits", "apply_kind", arena_sprintf(c->arena, "%s/%s", kind, set[i].stage),
            arena_sprintf(c->arena, "%" PRId64, old[i]),
            arena_sprintf(c->arena, "%" PRId64, set[i].days),
            arena_sprintf(c->arena, "%s %s: %" PRId64 " -> %" PRId64 " working days; %s", kind,
                          set[i].stage, old[i], set[i].days, source) };
        ret = audit_append(c, &ar, err);
    }
    ret = store_end(c->db, ret, err);
out:
    VEC_FREE(&k.v);
    return ret;
}
