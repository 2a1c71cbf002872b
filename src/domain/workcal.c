/*
 * Working-day calendar storage: CSV import validated through core/calendar.c's own rules,
 * written with an upsert that touches only changed days.
 */
#include "core/common.h"
#include "core/vec.h"
#include "domain/audit.h"
#include "domain/workcal.h"

struct day_row {
    char day[11];
    const char *kind, *name;
};

int workcal_import(struct ctx *c, struct csv_reader *r, const char *source,
                   struct workcal_result *res, struct err *err)
{
    struct calendar cal;
    struct csv_record *rec;
    VEC(struct day_row) rows = VEC_INIT;
    size_t idate, ikind;
    int iname, rc;

    memset(res, 0, sizeof(*res));
    calendar_init(&cal);
    if ((rc = csv_read_header(r, err)) || (rc = csv_require_column(r, "date", &idate, err)) ||
        (rc = csv_require_column(r, "kind", &ikind, err)))
        goto out;
    iname = csv_column(r, "name");
    while ((rc = csv_next(r, &rec, err)) == 1) {
        if ((rc = csv_check_fields(rec, csv_header_count(r), err)))
            goto out;
        const char *f[3] = { rec->fields[idate].p, rec->fields[ikind].p,
                             iname >= 0 ? rec->fields[iname].p : "" };
        if ((rc = calendar_load_row(&cal, f, 3, err))) {
            error_prefix(err, "line %" PRIu64 ": ", rec->line);
            goto out;
        }
        struct day_row d;
        snprintf(d.day, sizeof(d.day), "%.10s", f[0]);
        d.kind = arena_strdup(c->arena, f[1]);
        d.name = arena_strdup(c->arena, f[2]);
        VEC_PUSH(&rows, d);
    }
    if (rc < 0)
        goto out;
    if (!rows.n) {
        rc = error(err, ERR_INVALID, "the file has a header but no rows");
        goto out;
    }
    if ((rc = store_begin(c->db, err)))
        goto out;
    for (size_t i = 0; i < rows.n && !rc; i++) {
        struct store_stmt *st = store_q(c->db, Q_CAL_UPSERT);
        store_bind_text(st, 1, rows.v[i].day);
        store_bind_text(st, 2, rows.v[i].kind);
        store_bind_text(st, 3, rows.v[i].name);
        store_bind_i64(st, 4, ctx_now(c));
        if (!(rc = store_exec(st, err)))
            res->changed += store_changes(st);
    }
    res->rows = (int64_t)rows.n;
    struct audit_rec ar = {
        .action = "calendar.import",
        .entity = "calendar",
        .entity_key = source ? source : "-",
        .detail =
            arena_sprintf(c->arena, "rows=%" PRId64 " changed=%" PRId64, res->rows, res->changed),
    };
    if (rc || (rc = audit_append(c, &ar, err)) || (rc = store_commit(c->db, err)))
        store_rollback(c->db);
out:
    VEC_FREE(&rows);
    calendar_release(&cal);
    return rc;
}

/* A whole-tree caller and a valid ISO date; `canon` gets the date as stored. */
static int day_check(struct ctx *c, const char *day, char canon[DATE_BUF_SIZE], struct date *d,
                     struct err *err)
{
    if (c->scope_org_id)
        return error(err, ERR_FORBIDDEN,
                     "the working-day calendar serves every org: only a user of the whole tree "
                     "may change it");
    if (!day || date_parse(day, d, err))
        return error(err, ERR_INVALID, "invalid date '%s': expected YYYY-MM-DD", day ? day : ""),
               err_field(err, "date");
    date_format(*d, canon);
    return 0;
}

int workcal_set_day(struct ctx *c, const char *day, const char *kind, const char *name,
                    bool *changed, struct err *err)
{
    char ds[DATE_BUF_SIZE];
    struct calendar cal;
    struct date d;
    int rc;
    *changed = false;
    if ((rc = day_check(c, day, ds, &d, err)))
        return rc;
    /* core/calendar.c's rules (kind, name, make-up days on weekends only) name the field */
    const char *f[3] = { ds, kind ? kind : "", name ? name : "" };
    calendar_init(&cal);
    rc = calendar_load_row(&cal, f, 3, err);
    calendar_release(&cal);
    if (rc)
        return rc;
    if ((rc = store_begin(c->db, err)))
        return rc;
    struct store_stmt *st = store_q(c->db, Q_CAL_UPSERT);
    store_bind_text(st, 1, ds);
    store_bind_text(st, 2, f[1]);
    store_bind_text(st, 3, f[2]);
    store_bind_i64(st, 4, ctx_now(c));
    if ((rc = store_exec(st, err)))
        goto out;
    *changed = store_changes(st) > 0;
    struct audit_rec ar = { .action = "calendar.set",
                            .entity = "calendar",
                            .entity_key = ds,
                            .after = arena_sprintf(c->arena, "kind=%s\nname=%s\n", f[1], f[2]),
                            .detail = f[1] };
    if (*changed)
        rc = audit_append(c, &ar, err);
out:
    return store_end(c->db, rc, err);
}

int workcal_remove_day(struct ctx *c, const char *day, struct err *err)
{
    char ds[DATE_BUF_SIZE];
    struct date d;
    int rc;
    if ((rc = day_check(c, day, ds, &d, err)))
        return rc;
    if ((rc = store_begin(c->db, err)))
        return rc;
    struct store_stmt *st = store_q(c->db, Q_CAL_GET);
    store_bind_text(st, 1, ds);
    if ((rc = store_one(st, err))) {
        if (rc == ERR_NOT_FOUND)
            error(err, ERR_NOT_FOUND, "no calendar entry on '%s'", ds);
        goto out;
    }
    const char *before =
        arena_sprintf(c->arena, "kind=%s\nname=%s\n", store_col_text(st, 0), store_col_text(st, 1));
    store_reset(st);
    st = store_q(c->db, Q_CAL_DELETE);
    store_bind_text(st, 1, ds);
    if ((rc = store_exec(st, err)))
        goto out;
    struct audit_rec ar = {
        .action = "calendar.remove", .entity = "calendar", .entity_key = ds, .before = before
    };
    rc = audit_append(c, &ar, err);
out:
    return store_end(c->db, rc, err);
}

int workcal_year(struct ctx *c, int year, struct workcal_year *out, struct err *err)
{
    struct calendar cal;
    int rc;
    memset(out, 0, sizeof(*out));
    if (year < 1900 || year > 2999)
        return error(err, ERR_INVALID, "invalid year %d: 1900 to 2999", year),
               err_field(err, "year");
    calendar_init(&cal);
    if ((rc = workcal_load(c, &cal, err)))
        goto out;
    struct date first = { year, 1, 1 }, last = { year, 12, 31 };
    int32_t lo = date_to_days(first), hi = date_to_days(last);
    out->year = year;
    out->covered = calendar_covers_year(&cal, year);
    out->working_days = calendar_workdays_between(&cal, date_add_days(first, -1), last);
    out->days = arena_alloc(c->arena, (cal.days.n ? cal.days.n : 1) * sizeof(*out->days));
    for (size_t i = 0; i < cal.days.n; i++) {
        const struct cal_day *d = &cal.days.v[i];
        if (d->day < lo || d->day > hi)
            continue;
        out->days[out->n] = *d;
        out->days[out->n++].name = arena_strdup(c->arena, d->name);
    }
out:
    calendar_release(&cal);
    return rc;
}

int workcal_load(struct ctx *c, struct calendar *cal, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_CAL_ALL);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        const char *f[3] = { store_col_text(st, 0), store_col_text(st, 1), store_col_text(st, 2) };
        if ((rc = calendar_load_row(cal, f, 3, err))) {
            store_reset(st);
            return error_prefix(err, "stored calendar: ");
        }
    }
    return rc;
}

int workcal_add_workdays(struct ctx *c, struct date d, int n, struct date *out, struct err *err)
{
    struct calendar cal;
    calendar_init(&cal);
    int rc = workcal_load(c, &cal, err);
    if (!rc)
        rc = calendar_add_workdays(&cal, d, n, out, err);
    calendar_release(&cal);
    return rc;
}

int workcal_env_load(struct ctx *c, struct workcal_env *e, struct err *err)
{
    int ret;
    if (e->loaded)
        return 0;
    calendar_init(&e->cal);
    if ((ret = tz_load(c->zone_name ? c->zone_name : TZ_DEFAULT, &e->tz, err)))
        return ret;
    if ((ret = workcal_load(c, &e->cal, err))) {
        calendar_release(&e->cal);
        tz_release(&e->tz);
        return ret;
    }
    e->sla = (struct sla_env){ &e->cal, &e->tz };
    e->loaded = true;
    return 0;
}

void workcal_env_release(struct workcal_env *e)
{
    if (e->loaded) {
        calendar_release(&e->cal);
        tz_release(&e->tz);
        e->loaded = false;
    }
}

int workcal_pauses(struct ctx *c, enum query_id q, int64_t owner_id, struct sla_pause **out,
                   size_t *n, struct err *err)
{
    VEC(struct sla_pause) v = VEC_INIT;
    struct store_stmt *st = store_q(c->db, q);
    int ret;
    store_bind_i64(st, 1, owner_id);
    while ((ret = store_step(st, err)) == STORE_ROW) {
        struct sla_pause p = { store_col_i64(st, 0),
                               store_col_null(st, 1) ? SLA_OPEN : store_col_i64(st, 1) };
        VEC_PUSH(&v, p);
    }
    *n = v.n;
    *out = arena_alloc(c->arena, (v.n ? v.n : 1) * sizeof(**out));
    if (v.n)
        memcpy(*out, v.v, v.n * sizeof(**out));
    VEC_FREE(&v);
    return ret < 0 ? ret : 0;
}
