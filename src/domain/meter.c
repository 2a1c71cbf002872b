/*
 * Meters in stock and their stays on service points, with the register readings taken at
 * each installation and removal.
 */
#include "core/common.h"
#include "core/date.h"
#include "core/energy.h"
#include "core/vec.h"
#include "domain/audit.h"
#include "domain/meter.h"
#include "domain/vee.h"

/* "100/5" -> 20; the ratio must be whole and positive. */
static int parse_ratio(const char *field, const char *s, int64_t *out, struct err *err)
{
    char *end;
    long long a = strtoll(s, &end, 10), b = 1;
    if (end == s || a <= 0)
        goto bad;
    if (*end == '/') {
        const char *p = end + 1;
        b = strtoll(p, &end, 10);
        if (end == p || b <= 0)
            goto bad;
    }
    if (*end)
        goto bad;
    if (a % b) {
        error(err, ERR_INVALID, "invalid %s '%s': the ratio is not a whole number", field, s);
        return err_field(err, field);
    }
    *out = a / b;
    return 0;
bad:
    error(err, ERR_INVALID, "invalid %s '%s': expected a ratio such as 100/5", field, s);
    return err_field(err, field);
}

/* Validate "total,peak,valley": known names, no repeats; canonical order into out. */
static int parse_registers(struct ctx *c, const char *s, const char **out, struct err *err)
{
    bool seen[REG_N] = { 0 };
    const char *p = s;
    while (*p) {
        const char *q = strchr(p, ',');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        while (n && *p == ' ')
            p++, n--;
        while (n && p[n - 1] == ' ')
            n--;
        size_t i = 0;
        for (; i < REG_N; i++)
            if (strlen(reg_name((enum reg)i)) == n && !strncmp(p, reg_name((enum reg)i), n))
                break;
        if (i == REG_N)
            return error(err, ERR_INVALID,
                         "invalid registers '%s': unknown register '%.*s' (total, sharp, peak, "
                         "flat, valley, reactive, demand)",
                         s, (int)n, p);
        if (seen[i])
            return error(err, ERR_INVALID, "invalid registers '%s': '%s' twice", s,
                         reg_name((enum reg)i));
        seen[i] = true;
        p = q ? q + 1 : p + n;
    }
    if (!seen[0])
        return error(err, ERR_INVALID, "invalid registers '%s': the total register is required", s);
    struct strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < REG_N; i++)
        if (seen[i])
            strbuf_addf(&sb, "%s%s", sb.len ? "," : "", reg_name((enum reg)i));
    *out = arena_strdup(c->arena, sb.buf);
    strbuf_release(&sb);
    return 0;
}

struct meter_row {
    const char *asset_no, *model, *ct, *pt, *registers;
    int64_t phases, digits, multiplier;
};

static int prepare(struct ctx *c, const struct meter_in *in, struct meter_row *r, struct err *err)
{
    int rc;
    int64_t ct, pt;
    r->asset_no = ctx_trim(c, in->asset_no);
    if (!r->asset_no || !*r->asset_no || strlen(r->asset_no) > 32)
        return error(err, ERR_INVALID, "asset_no is missing or longer than 32 characters"),
               err_field(err, "asset_no");
    for (const char *p = r->asset_no; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              *p == '-'))
            return error(err, ERR_INVALID, "invalid asset_no '%s': letters, digits and '-' only",
                         r->asset_no),
                   err_field(err, "asset_no");
    r->model = ctx_trim(c, in->model);
    if (!r->model || !*r->model)
        return error(err, ERR_INVALID, "meter '%s': model is missing", r->asset_no),
               err_field(err, "model");
    const char *ph = ctx_trim(c, in->phases);
    if (!ph || (strcmp(ph, "1") && strcmp(ph, "3")))
        return error(err, ERR_INVALID, "meter '%s': invalid phases '%s': must be 1 or 3",
                     r->asset_no, ph ? ph : ""),
               err_field(err, "phases");
    r->phases = ph[0] - '0';
    r->ct = in->ct_ratio && *in->ct_ratio ? ctx_trim(c, in->ct_ratio) : "1/1";
    r->pt = in->pt_ratio && *in->pt_ratio ? ctx_trim(c, in->pt_ratio) : "1/1";
    if ((rc = parse_ratio("ct_ratio", r->ct, &ct, err)) ||
        (rc = parse_ratio("pt_ratio", r->pt, &pt, err)))
        return rc;
    if (ct > INT32_MAX || pt > INT32_MAX)
        return error(err, ERR_INVALID, "meter '%s': ratio too large", r->asset_no);
    r->multiplier = ct * pt;
    if ((rc = parse_registers(c, in->registers && *in->registers ? in->registers : "total",
                              &r->registers, err)))
        return err_field(err, "registers");
    r->digits = 6;
    if (in->digits && *in->digits) {
        char *end;
        long d = strtol(in->digits, &end, 10);
        if (*end || d < 4 || d > 10)
            return error(err, ERR_INVALID, "invalid digits '%s': must be 4-10", in->digits),
                   err_field(err, "digits");
        r->digits = d;
    }
    return 0;
}

static int insert(struct ctx *c, const struct meter_row *r, bool *created, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_METER_INSERT);
    store_bind_text(st, 1, r->asset_no);
    store_bind_text(st, 2, r->model);
    store_bind_i64(st, 3, r->phases);
    store_bind_text(st, 4, r->ct);
    store_bind_text(st, 5, r->pt);
    store_bind_i64(st, 6, r->multiplier);
    store_bind_text(st, 7, r->registers);
    store_bind_i64(st, 8, r->digits);
    store_bind_i64(st, 9, ctx_now(c));
    int rc = store_step(st, err);
    if (rc < 0)
        return rc;
    *created = rc == STORE_ROW;
    store_reset(st);
    return 0;
}

static char *canon(struct ctx *c, const struct meter_row *r)
{
    return arena_sprintf(
        c->arena,
        "asset_no=%s\nmodel=%s\nphases=%" PRId64 "\nct=%s\npt=%s\nmultiplier=%" PRId64
        "\nregisters=%s\ndigits=%" PRId64 "\n",
        r->asset_no, r->model, r->phases, r->ct, r->pt, r->multiplier, r->registers, r->digits);
}

static int get_meter(struct ctx *c, const char *asset_no, struct meter *m, int64_t *open_install,
                     struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_METER_GET);
    store_bind_text(st, 1, asset_no);
    ctx_bind_scope(c, st, 2);
    int rc = store_one(st, err);
    if (rc == ERR_NOT_FOUND)
        return error(err, ERR_NOT_FOUND, "unknown meter '%s'", asset_no);
    if (rc)
        return rc;
#define S(i) (store_col_null(st, i) ? NULL : arena_strdup(c->arena, store_col_text(st, i)))
    m->id = store_col_i64(st, 0);
    m->asset_no = S(1);
    m->model = S(2);
    m->phases = (int)store_col_i64(st, 3);
    m->ct_ratio = S(4);
    m->pt_ratio = S(5);
    m->multiplier = store_col_i64(st, 6);
    m->registers = S(7);
    m->digits = (int)store_col_i64(st, 8);
    m->status = S(9);
    m->sp_no = S(10);
    m->account_no = S(11);
    m->installed_on = S(12);
#undef S
    if (open_install)
        *open_install = store_col_i64(st, 13);
    store_reset(st);
    return 0;
}

int meter_get(struct ctx *c, const char *asset_no, struct meter *out, struct err *err)
{
    return get_meter(c, asset_no, out, NULL, err);
}

int meter_add(struct ctx *c, const struct meter_in *in, struct meter *out, struct err *err)
{
    struct meter_row r;
    bool created;
    int rc = prepare(c, in, &r, err);
    if (rc)
        return rc;
    if ((rc = store_begin(c->db, err)))
        return rc;
    if ((rc = insert(c, &r, &created, err)))
        goto fail;
    if (!created) {
        rc = error(err, ERR_CONFLICT, "meter '%s' already exists", r.asset_no);
        goto fail;
    }
    struct audit_rec ar = {
        .action = "meter.create", .entity = "meter", .entity_key = r.asset_no, .after = canon(c, &r)
    };
    if ((rc = audit_append(c, &ar, err)) || (rc = store_commit(c->db, err)))
        goto fail;
    return out ? meter_get(c, r.asset_no, out, err) : 0;
fail:
    store_rollback(c->db);
    return rc;
}

int meter_import_row(struct ctx *c, const struct meter_in *in, bool *created, struct err *err)
{
    struct meter_row r;
    struct meter m;
    int rc = prepare(c, in, &r, err);
    if (rc || (rc = insert(c, &r, created, err)) || *created)
        return rc;
    if ((rc = meter_get(c, r.asset_no, &m, err)))
        return rc;
    if (strcmp(m.model, r.model) || m.phases != r.phases || strcmp(m.ct_ratio, r.ct) ||
        strcmp(m.pt_ratio, r.pt) || strcmp(m.registers, r.registers) || m.digits != r.digits)
        return error(err, ERR_CONFLICT, "meter '%s' already exists with different data",
                     r.asset_no);
    return 0;
}

/* ---- installations ---- */

struct reads {
    int64_t wh[REG_N];
};

/* Whether the canonical comma list `registers` ("total,peak,valley") names `reg`. */
static bool has_register(const char *registers, const char *reg)
{
    size_t n = strlen(reg);
    for (const char *p = registers; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (!strncmp(p, reg, n) && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

/* Parse "total=123.45,peak=1" for a meter with `registers`; absent registers read 0. */
static int parse_reads(const char *s, const char *registers, struct reads *out, struct err *err)
{
    memset(out, 0, sizeof(*out));
    if (!s || !*s)
        return 0;
    char buf[512];
    if (strlen(s) >= sizeof(buf))
        return error(err, ERR_INVALID, "readings '%.40s...' too long", s);
    snprintf(buf, sizeof(buf), "%s", s);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            return error(err, ERR_INVALID,
                         "invalid reading '%s': expected REGISTER=KWH such as total=123.45", tok);
        *eq = '\0';
        int i = reg_parse(tok);
        if (i < 0)
            return error(err, ERR_INVALID, "invalid reading: unknown register '%s'", tok);
        if (!has_register(registers, tok)) {
            char list[128], list_zh[128];
            return error_langs(err, ERR_INVALID, "the meter has no '%s' register (it has %s)",
                               reg_label((enum reg)i, false), reg_label((enum reg)i, true),
                               reg_list_label(registers, false, list, sizeof(list)),
                               reg_list_label(registers, true, list_zh, sizeof(list_zh)));
        }
        struct err why = ERR_INIT;
        if (energy_parse_kwh(eq + 1, &out->wh[i], &why))
            return error_langs(err, why.code, "reading %s: %s", reg_label((enum reg)i, false),
                               reg_label((enum reg)i, true), err_text(&why, false),
                               err_text(&why, true));
        if (out->wh[i] < 0)
            return error_langs(err, ERR_INVALID, "reading %s '%s' is negative",
                               reg_label((enum reg)i, false), reg_label((enum reg)i, true),
                               ERR_BOTH(eq + 1));
    }
    return 0;
}

static int write_reads(struct ctx *c, int64_t install_id, const char *event, const char *registers,
                       const struct reads *r, struct err *err)
{
    for (size_t i = 0; i < REG_N; i++) {
        if (!has_register(registers, reg_name((enum reg)i)))
            continue;
        struct store_stmt *st = store_q(c->db, Q_INSTALL_READ_INSERT);
        store_bind_i64(st, 1, install_id);
        store_bind_text(st, 2, event);
        store_bind_text(st, 3, reg_name((enum reg)i));
        store_bind_i64(st, 4, r->wh[i]);
        int rc = store_exec(st, err);
        if (rc)
            return rc;
    }
    return 0;
}

static int resolve_date(struct ctx *c, const char *date, const char **out, struct err *err)
{
    struct date d;
    char buf[16];
    if (date) {
        int rc = date_parse(date, &d, err);
        if (rc)
            return rc;
        *out = date;
        return 0;
    }
    int rc = ctx_today(c, &d, err);
    if (!rc)
        *out = arena_strdup(c->arena, date_format(d, buf));
    return rc;
}

/* The latest removal date of the meter's past stays (arena string), or NULL if none. */
static int last_removal(struct ctx *c, const char *asset_no, const char **out, struct err *err)
{
    struct store_stmt *st = store_q(c->db, Q_METER_STAYS);
    store_bind_text(st, 1, asset_no);
    int rc;
    *out = NULL;
    while ((rc = store_step(st, err)) == STORE_ROW)
        if (!store_col_null(st, 4) && (!*out || strcmp(store_col_text(st, 4), *out) > 0))
            *out = arena_strdup(c->arena, store_col_text(st, 4));
    return rc;
}

static int do_install(struct ctx *c, const struct meter *m, const char *account_no,
                      const char *sp_no, const char *date, const char *reads, const char *reason,
                      struct err *err)
{
    struct reads rd;
    const char *removed;
    int rc;
    if ((rc = parse_reads(reads, m->registers, &rd, err)))
        return rc;
    if (m->sp_no)
        return error(err, ERR_CONFLICT,
                     "meter '%s' is already installed on service point '%s' "
                     "since %s",
                     m->asset_no, m->sp_no, m->installed_on);
    /* stays must not overlap in time either, or one day's energy would be billed twice */
    if ((rc = last_removal(c, m->asset_no, &removed, err)))
        return rc;
    if (removed && strcmp(date, removed) < 0)
        return error(err, ERR_INVALID,
                     "installation date '%s' is before meter '%s' was last removed, on %s", date,
                     m->asset_no, removed);
    struct store_stmt *st = store_q(c->db, sp_no ? Q_SP_GET : Q_SP_OF_ACCOUNT);
    if (!sp_no && !account_no)
        return error(err, ERR_USAGE,
                     "say where to install meter '%s': an account or a service "
                     "point",
                     m->asset_no);
    store_bind_text(st, 1, sp_no ? sp_no : account_no);
    ctx_bind_scope(c, st, 2);
    rc = store_one(st, err);
    if (rc == ERR_NOT_FOUND)
        return sp_no ? error(err, ERR_NOT_FOUND, "unknown service point '%s'", sp_no)
                     : error(err, ERR_NOT_FOUND, "unknown account '%s'", account_no);
    if (rc)
        return rc;
    int64_t sp_id = store_col_i64(st, 0);
    const char *sp = arena_strdup(c->arena, store_col_text(st, 1));
    bool closed = !strcmp(store_col_text(st, 2), "closed");
    store_reset(st);
    if (closed)
        return error(err, ERR_CONFLICT, "service point '%s' belongs to a closed account", sp);

    st = store_q(c->db, Q_SP_OPEN_METER);
    store_bind_i64(st, 1, sp_id);
    rc = store_one(st, err);
    if (rc == 0) {
        rc = error(err, ERR_CONFLICT,
                   "service point '%s' already has meter '%s'; use 'pmis meter replace'", sp,
                   store_col_text(st, 0));
        store_reset(st);
        return rc;
    }
    if (rc != ERR_NOT_FOUND)
        return rc;
    /* nor may two meters' stays on one point overlap */
    st = store_q(c->db, Q_SP_LAST_REMOVAL);
    store_bind_i64(st, 1, sp_id);
    if ((rc = store_one(st, err)))
        return rc;
    if (!store_col_null(st, 0) && strcmp(date, store_col_text(st, 0)) < 0) {
        rc = error(err, ERR_INVALID,
                   "installation date '%s' is before the previous meter left service point "
                   "'%s', on %s",
                   date, sp, store_col_text(st, 0));
        store_reset(st);
        return rc;
    }
    store_reset(st);

    st = store_q(c->db, Q_INSTALL_INSERT);
    store_bind_i64(st, 1, m->id);
    store_bind_i64(st, 2, sp_id);
    store_bind_text(st, 3, date);
    store_bind_text(st, 4, reason);
    store_bind_i64(st, 5, ctx_now(c));
    store_bind_text(st, 6, c->actor ? c->actor : "unknown");
    if ((rc = store_one(st, err)))
        return rc == ERR_CONFLICT
                   ? error(err, ERR_CONFLICT, "meter '%s' is already installed", m->asset_no)
                   : rc;
    int64_t install_id = store_col_i64(st, 0);
    store_reset(st);
    if ((rc = write_reads(c, install_id, "install", m->registers, &rd, err)))
        return rc;
    st = store_q(c->db, Q_METER_SET_STATUS);
    store_bind_i64(st, 1, m->id);
    store_bind_text(st, 2, "installed");
    if ((rc = store_exec(st, err)))
        return rc;
    struct audit_rec ar = { .action = "meter.install",
                            .entity = "meter",
                            .entity_key = m->asset_no,
                            .after = arena_sprintf(c->arena, "sp=%s\ndate=%s\nreads=%s\n", sp, date,
                                                   reads ? reads : ""),
                            .detail = arena_sprintf(c->arena, "on %s (%s)", sp, reason) };
    return audit_append(c, &ar, err);
}

static int do_remove(struct ctx *c, const struct meter *m, int64_t install_id, const char *date,
                     const char *reads, struct err *err)
{
    struct reads rd;
    int rc;
    if (!m->sp_no)
        return error(err, ERR_CONFLICT, "meter '%s' is not installed", m->asset_no);
    if (strcmp(date, m->installed_on) < 0)
        return error(err, ERR_INVALID, "removal date '%s' is before the installation on %s", date,
                     m->installed_on);
    if ((rc = parse_reads(reads, m->registers, &rd, err)))
        return rc;
    struct store_stmt *st = store_q(c->db, Q_INSTALL_CLOSE);
    store_bind_i64(st, 1, install_id);
    store_bind_text(st, 2, date);
    store_bind_text(st, 3, c->actor ? c->actor : "unknown");
    if ((rc = store_exec(st, err)))
        return rc;
    if ((rc = write_reads(c, install_id, "remove", m->registers, &rd, err)))
        return rc;
    st = store_q(c->db, Q_METER_SET_STATUS);
    store_bind_i64(st, 1, m->id);
    store_bind_text(st, 2, "removed");
    if ((rc = store_exec(st, err)))
        return rc;
    struct audit_rec ar = { .action = "meter.remove",
                            .entity = "meter",
                            .entity_key = m->asset_no,
                            .before = arena_sprintf(c->arena, "sp=%s\n", m->sp_no),
                            .after = arena_sprintf(c->arena, "date=%s\nreads=%s\n", date,
                                                   reads ? reads : ""),
                            .detail = arena_sprintf(c->arena, "from %s", m->sp_no) };
    return audit_append(c, &ar, err);
}

int meter_install(struct ctx *c, const char *asset_no, const char *account_no, const char *sp_no,
                  const char *date, const char *reads, struct err *err)
{
    struct meter m;
    int rc;
    if ((rc = resolve_date(c, date, &date, err)) || (rc = meter_get(c, asset_no, &m, err)))
        return rc;
    if ((rc = store_begin(c->db, err)))
        return rc;
    if ((rc = do_install(c, &m, account_no, sp_no, date, reads, "new", err)) ||
        (rc = store_commit(c->db, err)))
        store_rollback(c->db);
    return rc;
}

int meter_remove(struct ctx *c, const char *asset_no, const char *date, const char *reads,
                 struct err *err)
{
    struct meter m;
    int64_t install_id;
    int rc;
    if ((rc = resolve_date(c, date, &date, err)) ||
        (rc = get_meter(c, asset_no, &m, &install_id, err)))
        return rc;
    if ((rc = store_begin(c->db, err)))
        return rc;
    if ((rc = do_remove(c, &m, install_id, date, reads, err)) || (rc = store_commit(c->db, err)))
        store_rollback(c->db);
    return rc;
}

int meter_replace(struct ctx *c, const char *old_asset, const char *new_asset, const char *date,
                  const char *old_reads, const char *new_reads, struct err *err)
{
    struct meter old, nm;
    int64_t install_id;
    int rc;
    if ((rc = resolve_date(c, date, &date, err)) ||
        (rc = get_meter(c, old_asset, &old, &install_id, err)) ||
        (rc = meter_get(c, new_asset, &nm, err)))
        return rc;
    if (!old.sp_no)
        return error(err, ERR_CONFLICT, "meter '%s' is not installed", old_asset);
    const char *sp = old.sp_no;
    if ((rc = store_begin(c->db, err)))
        return rc;
    if ((rc = do_remove(c, &old, install_id, date, old_reads, err)) ||
        (rc = do_install(c, &nm, NULL, sp, date, new_reads, "replace", err)) ||
        (rc = store_commit(c->db, err)))
        store_rollback(c->db);
    return rc;
}

static const char *reads_text(struct ctx *c, int64_t install_id, const char *event, struct err *err)
{
    struct strbuf sb = STRBUF_INIT;
    struct store_stmt *st = store_q(c->db, Q_INSTALL_READS);
    store_bind_i64(st, 1, install_id);
    store_bind_text(st, 2, event);
    char buf[ENERGY_BUF_SIZE];
    int n = 0;
    while (store_step(st, err) == STORE_ROW) {
        strbuf_addf(&sb, "%s%s=%s", sb.len ? "," : "", store_col_text(st, 0),
                    energy_format_kwh(store_col_i64(st, 1), buf));
        n++;
    }
    const char *s = n ? arena_strdup(c->arena, sb.buf) : NULL;
    strbuf_release(&sb);
    return s;
}

int meter_stays(struct ctx *c, const char *asset_no, meter_stay_fn *fn, void *arg, struct err *err)
{
    struct meter m;
    int rc = meter_get(c, asset_no, &m, err);
    if (rc)
        return rc;
    /* collect first: reads_text() runs other statements */
    VEC(struct meter_stay) stays = VEC_INIT;
    VEC(int64_t) ids = VEC_INIT;
    struct store_stmt *st = store_q(c->db, Q_METER_STAYS);
    store_bind_text(st, 1, asset_no);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct meter_stay s = {
            .sp_no = arena_strdup(c->arena, store_col_text(st, 1)),
            .account_no = arena_strdup(c->arena, store_col_text(st, 2)),
            .installed_on = arena_strdup(c->arena, store_col_text(st, 3)),
            .removed_on =
                store_col_null(st, 4) ? NULL : arena_strdup(c->arena, store_col_text(st, 4)),
            .reason = arena_strdup(c->arena, store_col_text(st, 5)),
        };
        VEC_PUSH(&ids, store_col_i64(st, 0));
        VEC_PUSH(&stays, s);
    }
    for (size_t i = 0; rc == 0 && i < stays.n; i++) {
        stays.v[i].install_reads = reads_text(c, ids.v[i], "install", err);
        stays.v[i].remove_reads = reads_text(c, ids.v[i], "remove", err);
        rc = fn(arg, &stays.v[i]);
    }
    VEC_FREE(&stays);
    VEC_FREE(&ids);
    return rc;
}
